"""The Celery tasks the site sends, by name, and the broker's queue lengths.

The tasks themselves live in grader.tasks, which loads the grading code and torch: only workers
import it (torchgrade/celery.py names it for them). The site sends them by name, with the same
call as a task's own `apply_async`; tests mock these objects to see what was sent.
"""

from django.conf import settings
from django.core.cache import cache
from django.db import transaction

from torchgrade.celery import app
from torchgrade.queues import background_queue, broker_queue

REFILL_THROTTLE_S = 30


class TaskByName:
    """A worker's task, sent by its name, never run or imported here, to this instance's queue of
    the kind asked for (`queue="cpu"`)."""

    def __init__(self, name: str):
        self.name = name

    def apply_async(self, args: tuple = (), kwargs: dict | None = None, **options) -> None:
        # As a task's own apply_async would (send_task alone sends at priority 0, the urgent one).
        options.setdefault("priority", app.conf.task_default_priority)
        app.send_task(self.name, args, kwargs, **{**options, "queue": broker_queue(options.get("queue", "cpu"))})


grade_submission_task = TaskByName("grader.tasks.grade_submission_task")
regrade_submission_task = TaskByName("grader.tasks.regrade_submission_task")
validate_exercise_task = TaskByName("grader.tasks.validate_exercise_task")
fill_reference_pool_task = TaskByName("grader.tasks.fill_reference_pool_task")


def fill_reference_pool(version_id: int, queue: str, priority: int = settings.GRADER_BACKGROUND_PRIORITY) -> None:
    """Ask, once the transaction commits and at most every REFILL_THROTTLE_S per version, for the
    reference pool of an exercise version graded on `queue` to be filled by a background worker
    (at `priority`: sooner for an exercise a student has just opened)."""
    if cache.add(f"refill-reference-pool:{version_id}:{priority}", True, REFILL_THROTTLE_S):
        transaction.on_commit(lambda: fill_reference_pool_task.apply_async(
            (version_id,), queue=background_queue(queue), priority=priority))


def queue_length(queue: str) -> int:
    """Messages waiting in this instance's queue of kind `queue` on the broker."""
    # Not passive: Redis drops an empty queue's key, and a passive declare then fails on it.
    with app.connection_for_read() as connection:
        return connection.default_channel.queue_declare(queue=broker_queue(queue)).message_count
