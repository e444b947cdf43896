import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "torchgrade.settings")

# Workers (and beat) import grader.tasks, which loads the grading code and torch; a web process
# never does: it sends tasks by name (grader/jobs.py).
app = Celery("torchgrade", include=["grader.tasks"])
app.config_from_object("django.conf:settings", namespace="CELERY")
