"""The Celery tasks the site sends, by name, and the broker's queue lengths.

The tasks themselves live in grader.tasks, which loads the grading code and torch: only workers
import it (torchgrade/celery.py names it for them). The site sends them by name, with the same
call as a task's own `apply_async`; tests mock these objects to see what was sent.
"""

import json
import time
from collections import Counter
from dataclasses import dataclass
from datetime import datetime

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
        # When it was sent: how long a task has waited is read from the broker (waiting_tasks) and,
        # once it starts, by the worker (torchgrade.metrics.record_task_start).
        headers = {**options.pop("headers", {}), "sent_at": time.time()}
        app.send_task(self.name, args, kwargs, headers=headers,
                      **{**options, "queue": broker_queue(options.get("queue", "cpu"))})


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


@dataclass(frozen=True)
class WaitingTasks:
    """The tasks of one kind waiting in one queue."""

    queue: str  # the kind of queue: cpu, cpu-background...
    task: str  # the task's short name: grade_submission, validate_exercise...
    count: int
    oldest_s: float | None  # how long the oldest has waited since it was sent (None: not known)


def task_kind(name: str) -> str:
    """grader.tasks.grade_submission_task -> grade_submission."""
    return name.rpartition(".")[2].removesuffix("_task")


def waiting_since(headers: dict) -> float | None:
    """Since when (a Unix time) a task has waited: since it was sent, or since its countdown ended."""
    sent_at, eta = headers.get("sent_at"), headers.get("eta")
    if not isinstance(sent_at, float):
        return None
    if isinstance(eta, str):
        try:
            return max(sent_at, datetime.fromisoformat(eta).timestamp())
        except ValueError:  # not a time: the task starts when it comes
            pass
    return sent_at


def waiting_tasks(queue: str, peek: int = 1000) -> list[WaitingTasks]:
    """The tasks waiting in this instance's queue of kind `queue`, by kind of task, from the `peek`
    oldest of each priority's list (a task held back by a countdown waits in its worker, not here)."""
    now, counts, oldest = time.time(), Counter(), {}
    with app.connection_for_read() as connection:
        channel = connection.default_channel
        for priority in channel.priority_steps:
            # kombu pushes on the left and takes from the right: the oldest are at the end
            for raw in channel.client.lrange(channel._q_for_pri(broker_queue(queue), priority), -peek, -1):
                headers = json.loads(raw).get("headers") or {}
                kind = task_kind(str(headers.get("task", "unknown")))
                counts[kind] += 1
                if (since := waiting_since(headers)) is not None:
                    oldest[kind] = max(oldest.get(kind, 0.0), now - since)
    return [WaitingTasks(queue, kind, count, round(oldest[kind], 1) if kind in oldest else None)
            for kind, count in sorted(counts.items())]


def queue_length(queue: str) -> int:
    """Messages waiting in this instance's queue of kind `queue` on the broker."""
    # Not passive: Redis drops an empty queue's key, and a passive declare then fails on it.
    with app.connection_for_read() as connection:
        return connection.default_channel.queue_declare(queue=broker_queue(queue)).message_count
