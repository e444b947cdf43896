from django.apps import AppConfig


class LtiConfig(AppConfig):
    name = "lti"
    verbose_name = "LTI 1.3 (inside an LMS)"

    def ready(self):
        from . import signals

        signals.connect()
