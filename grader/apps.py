from django.apps import AppConfig


class GraderConfig(AppConfig):
    name = "grader"

    def ready(self):
        from courses.loader import register_chapter_extension

        from .content import ExercisesExtension

        register_chapter_extension(ExercisesExtension())
