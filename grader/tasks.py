"""Celery tasks. The Submission row is the source of truth; tasks only carry its id.

acks_late + reject_on_worker_lost: a worker killed mid-grade leaves its task unacknowledged, so
the broker hands it to another worker; grading's request token keeps that from grading twice.
The web process imports this module to send tasks, so the grading modules (and torch) are
imported inside the task bodies, where only workers run them.
"""

import logging

from celery import shared_task
from django.conf import settings
from django.contrib.auth.models import User
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from . import review
from .models import AuditEntry, ExerciseValidation, RegradeBatch, Submission
from .worker import connect_worker_signals

log = logging.getLogger("torchgrade.tasks")


def enqueue_grading(submission_id, queue):
    grade_submission_task.apply_async((submission_id,), queue=queue)


def retry_later(task, exc):
    """Retry a task that met a sandbox failure (ours); False once the retries are used up."""
    if task.request.retries >= task.max_retries:
        return False
    raise task.retry(exc=exc, countdown=1 + 2 * task.request.retries)


@shared_task(bind=True, max_retries=settings.GRADER_MAX_RETRIES)
def grade_submission_task(self, submission_id):
    from . import grading
    from .evaluation import SandboxUnavailable

    try:
        grading.grade_submission(submission_id, worker=self.request.hostname or "")
    except SandboxUnavailable as exc:
        Submission.objects.filter(pk=submission_id, status=Submission.RUNNING).update(status=Submission.QUEUED)
        retry_later(self, exc)
        grading.fail(submission_id, "The grader is having trouble right now. This submission does not "
                                    "count as an attempt: please submit again in a minute.", exc)


@shared_task(bind=True, max_retries=settings.GRADER_MAX_RETRIES)
def regrade_submission_task(self, submission_id, version_id=None, batch_id=None, actor_id=None):
    from . import grading
    from .checks import ReferenceFailed
    from .evaluation import SandboxUnavailable

    submission = Submission.objects.select_related("exercise__chapter__course", "user").get(pk=submission_id)
    version = submission.exercise.versions.get(pk=version_id) if version_id else None
    before = submission.final_score
    try:
        grade = grading.regrade(submission, version)
    except SandboxUnavailable as exc:
        retry_later(self, exc)
        log.error("regrade gave up after sandbox failures", extra={"submission": submission_id})
    except ReferenceFailed:
        log.exception("regrade impossible: the reference solution failed", extra={"submission": submission_id})
    else:
        review.audit(User.objects.filter(pk=actor_id).first(), AuditEntry.REGRADE, submission, before,
                     grade.score, f"regraded against version {grade.version.number}")
    if batch_id:
        RegradeBatch.objects.filter(pk=batch_id).update(done=F("done") + 1)


@shared_task(bind=True, max_retries=settings.GRADER_MAX_RETRIES)
def validate_exercise_task(self, validation_id):
    from . import validation
    from .evaluation import SandboxUnavailable

    record = ExerciseValidation.objects.select_related("version__exercise").get(pk=validation_id)
    try:
        record.record(validation.validate(record.version, record.version.exercise.starter_code))
    except SandboxUnavailable as exc:
        retry_later(self, exc)
        log.error("validation gave up after sandbox failures", extra={"validation": validation_id})


@shared_task
def requeue_stuck_submissions():
    """Re-send submissions whose task was lost, and return how many.

    A running submission whose worker died is re-sent at once (kombu would only restore its
    unacknowledged task after the visibility timeout). A queued one is re-sent only while its
    queue is empty, so a long but healthy queue is left alone. Grading is idempotent, so a spare
    copy of a task costs nothing but time.
    """
    lost = list(Submission.orphaned())
    lost += [s for s in Submission.stuck_in_queue() if queue_length(s.exercise.queue) == 0]
    for submission in lost:
        with transaction.atomic():
            # Only if nothing moved it meanwhile (a worker may have just finished it).
            if Submission.objects.filter(pk=submission.pk, status=submission.status).update(
                status=Submission.QUEUED, enqueued_at=timezone.now()
            ):
                submission.enqueue()
    if lost:
        log.warning("re-enqueued %d stuck submissions", len(lost), extra={"submissions": [s.pk for s in lost]})
    return len(lost)


def queue_length(queue):
    from torchgrade.celery import app

    # Not passive: Redis drops an empty queue's key, and a passive declare then fails on it.
    with app.connection_for_read() as connection:
        return connection.default_channel.queue_declare(queue=queue).message_count


connect_worker_signals()
