"""The LTI tasks the site sends by name (their code, lti.tasks, runs on background workers)."""

from django.db import transaction

from grader.jobs import TaskByName
from torchgrade.queues import background_queue

send_score_task = TaskByName("lti.tasks.send_score_task")
sync_roster_task = TaskByName("lti.tasks.sync_roster_task")

# Talking to an LMS is background work: it never waits behind, or holds up, a grading.
QUEUE = background_queue("cpu")


def send_score(pk: int, countdown: float = 0) -> None:
    transaction.on_commit(lambda: send_score_task.apply_async((pk,), queue=QUEUE, countdown=countdown))


def sync_roster(context_id: int) -> None:
    transaction.on_commit(lambda: sync_roster_task.apply_async((context_id,), queue=QUEUE))
