from django.core.management.base import BaseCommand, CommandError

from courses.exporter import export_course
from courses.models import Course


class Command(BaseCommand):
    help = "Write a course back into the course-folder format."

    def add_arguments(self, parser):
        parser.add_argument("slug")
        parser.add_argument("folder")

    def handle(self, slug, folder, **options):
        course = Course.objects.filter(slug=slug).first()
        if course is None:
            raise CommandError(f"no course with slug '{slug}'")
        export_course(course, folder)
        self.stdout.write(f"Exported '{course.title}' to {folder}.")
