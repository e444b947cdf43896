"""Celery tasks. The Submission row is the source of truth; tasks only carry its id.

acks_late + reject_on_worker_lost: a worker killed mid-grade leaves its task unacknowledged, so
the broker hands it to another worker; grading's request token keeps that from grading twice.
"""

import logging
from datetime import timedelta

from celery import shared_task
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from . import grading
from .models import Submission
from .worker import connect_worker_signals

log = logging.getLogger("torchgrade.tasks")


def enqueue_grading(submission_id, queue):
    grade_submission_task.apply_async((submission_id,), queue=queue)


@shared_task(bind=True, max_retries=settings.GRADER_MAX_RETRIES)
def grade_submission_task(self, submission_id):
    try:
        grading.grade_submission(submission_id)
    except grading.SandboxUnavailable as exc:
        if self.request.retries >= self.max_retries:
            grading.fail(submission_id, "The grader is having trouble right now. This submission does not "
                                        "count as an attempt: please submit again in a minute.", exc)
            return
        Submission.objects.filter(pk=submission_id).update(status=Submission.QUEUED)
        raise self.retry(exc=exc, countdown=1 + 2 * self.request.retries)


@shared_task
def regrade_submission_task(submission_id, version_id=None):
    submission = Submission.objects.select_related("exercise").get(pk=submission_id)
    version = submission.exercise.versions.get(pk=version_id) if version_id else None
    grading.regrade(submission, version)


@shared_task
def requeue_stuck_submissions():
    """Re-send submissions whose task was lost (broker restarted without persistence, say).

    A submission queued longer than GRADER_STUCK_AFTER_S is re-sent only while its queue is empty
    (so a long but healthy queue is left alone); one running longer than the task's hard time
    limit has lost its worker. Grading is idempotent, so a spare copy costs nothing but time.
    """
    now = timezone.now()
    requeued = 0
    for submission in Submission.stuck(timedelta(seconds=settings.GRADER_STUCK_AFTER_S)):
        if submission.status == Submission.RUNNING and (now - submission.started_at).total_seconds() < (
            settings.CELERY_TASK_TIME_LIMIT + 30
        ):
            continue
        if submission.status == Submission.QUEUED and queue_length(submission.exercise.queue) > 0:
            continue
        with transaction.atomic():
            Submission.objects.filter(pk=submission.pk).update(status=Submission.QUEUED, enqueued_at=now)
            submission.enqueue()
        requeued += 1
    if requeued:
        log.warning("re-enqueued %d stuck submissions", requeued)
    return requeued


def queue_length(queue):
    from torchgrade.celery import app

    with app.connection_for_read() as connection:
        return connection.default_channel.queue_declare(queue=queue, passive=True).message_count


connect_worker_signals()
