import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "torchgrade.settings")

# Workers (and beat) import the tasks, which load the grading code and torch; a web process never
# does: it sends tasks by name (grader/jobs.py, analysis/jobs.py).
app = Celery("torchgrade", include=["grader.tasks", "analysis.tasks", "similarity.tasks", "lti.tasks"])
app.config_from_object("django.conf:settings", namespace="CELERY")
