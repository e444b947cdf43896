from django.apps import AppConfig


class RunsConfig(AppConfig):
    name = "runs"

    def ready(self):
        from . import signals  # noqa: F401  (a new course gets its first run)
