"""Celery tasks. The Submission row is the source of truth; tasks only carry its id.

acks_late + reject_on_worker_lost: a worker killed mid-grade leaves its task unacknowledged, so
the broker hands it to another worker; grading's request token keeps that from grading twice.
Only workers import this module (it loads the grading code and torch); the site sends these
tasks by name through grader.jobs.
"""

import logging

from celery import shared_task
from django.conf import settings
from django.contrib.auth.models import User

from judging.evaluation import SandboxUnavailable
from judging.verdicts import ReferenceFailed
from torchgrade.queues import background_queue

from . import grading, jobs, reference_pool, validation
from .jobs import queue_length
from .models import AuditEntry, ExerciseValidation, ExerciseVersion, RegradeBatch, Submission, WorkerHeartbeat
from .runner import get_backend
from .worker import WORKER_ID, connect_worker_signals

log = logging.getLogger("torchgrade.tasks")


def retry_later(task, exc):
    """Retry a task that met a failure of ours; False once the retries are used up."""
    if task.request.retries >= task.max_retries:
        return False
    raise task.retry(exc=exc, countdown=1 + 2 * task.request.retries)


@shared_task(bind=True, max_retries=settings.GRADER_MAX_RETRIES)
def grade_submission_task(self, submission_id):
    try:
        grading.grade_submission(submission_id, worker=WORKER_ID)
    except grading.DATABASE_UNREACHABLE as exc:
        # Past the retries the submission stays running, and the sweep re-sends it once overdue.
        retry_later(self, exc)
        raise
    except Submission.DoesNotExist as exc:
        # Never dropped in silence: the task reached a worker of another database (its queue is
        # this instance's own, see torchgrade/queues.py), or it came before the row can be read.
        log.error("no such submission in this worker's database; the task is sent again",
                  extra={"submission": submission_id, "retries": self.request.retries})
        if not retry_later(self, exc):
            log.error("no such submission after every retry: the task is dropped", extra={"submission": submission_id})


@shared_task(bind=True, max_retries=settings.GRADER_MAX_RETRIES)
def regrade_submission_task(self, submission_id, version_id=None, batch_id=None, actor_id=None):
    submission = Submission.objects.select_related("exercise__chapter__course", "user").get(pk=submission_id)
    version = submission.exercise.versions.get(pk=version_id) if version_id else None
    before = submission.final_score
    try:
        grade = grading.regrade(submission, version)
    except SandboxUnavailable as exc:
        retry_later(self, exc)
        log.error("regrade gave up after sandbox failures", extra={"submission": submission_id})
        grade = None
    if grade is not None:
        AuditEntry.record_for(User.objects.filter(pk=actor_id).first(), AuditEntry.REGRADE, submission, before,
                              grade.score, f"regraded against version {grade.version.number}")
    if batch_id:
        RegradeBatch.count_regrade(batch_id, graded=grade is not None)


# A validation that hit a time limit runs again with this much more time, once its queue is empty
# (checked every QUIET_CHECK_S, QUIET_CHECKS times at most, then it runs anyway).
MORE_TIME_SCALE = 3
QUIET_CHECK_S = 30
QUIET_CHECKS = 20


@shared_task(bind=True, max_retries=settings.GRADER_MAX_RETRIES)
def validate_exercise_task(self, validation_id, time_scale=1, quiet_checks=0):
    """Validate an exercise version. A failure while a run hit its time limit is not believed at
    once: our own load can cause it, and a failed version is withdrawn from students. It is run
    again when the queue is quiet, with MORE_TIME_SCALE times the time, and only that verdict counts."""
    record = ExerciseValidation.objects.select_related("version__exercise").get(pk=validation_id)
    version = record.version
    queue = version.exercise.queue
    if time_scale > 1 and quiet_checks < QUIET_CHECKS and queue_length(queue):  # students' gradings wait
        jobs.validate_exercise_task.apply_async((validation_id, time_scale, quiet_checks + 1),
                                                queue=background_queue(queue), countdown=QUIET_CHECK_S,
                                                priority=settings.GRADER_BACKGROUND_PRIORITY)
        return
    try:
        outcome = validation.validate(version.spec, version.solution_code, version.exercise.starter_code,
                                      time_scale=time_scale)
    except SandboxUnavailable as exc:
        retry_later(self, exc)
        log.error("validation gave up after sandbox failures", extra={"validation": validation_id})
        return
    if not outcome.ok and outcome.timed_out and time_scale == 1:
        record.defer(outcome, MORE_TIME_SCALE)
        log.warning("validation hit a time limit; it runs again at a quiet moment with more time",
                    extra={"validation": validation_id})
        jobs.validate_exercise_task.apply_async((validation_id, MORE_TIME_SCALE), queue=background_queue(queue),
                                                countdown=QUIET_CHECK_S, priority=settings.GRADER_BACKGROUND_PRIORITY)
        return
    record.record(outcome)
    if record.status == ExerciseValidation.PASSED:
        jobs.fill_reference_pool(record.version_id, queue)


# Reference runs per task: a fill yields to the grading tasks that arrive meanwhile.
POOL_FILL_BATCH = 10


@shared_task(bind=True, max_retries=settings.GRADER_MAX_RETRIES)
def fill_reference_pool_task(self, version_id):
    """Compute reference answers ahead for the current version of an exercise, a batch at a time."""
    version = ExerciseVersion.objects.select_related("exercise").filter(pk=version_id).first()
    if version is None or version.exercise.current_version_id != version.pk:
        return 0  # replaced by a newer version, whose validation fills its own pool
    try:
        added = reference_pool.fill(version, get_backend(), most=POOL_FILL_BATCH)
    except SandboxUnavailable as exc:
        retry_later(self, exc)
        return 0
    except ReferenceFailed:
        log.exception("the reference solution failed while filling its pool", extra={"version": version_id})
        return 0
    if reference_pool.missing(version):
        jobs.fill_reference_pool_task.apply_async((version_id,), queue=background_queue(version.exercise.queue),
                                                  priority=settings.GRADER_BACKGROUND_PRIORITY)
    return added


@shared_task
def requeue_stuck_submissions():
    """Re-send submissions whose task was lost, and return how many.

    A running submission whose worker died is re-sent at once (kombu would only restore its
    unacknowledged task after the visibility timeout). A queued one is re-sent only while its
    queue is empty, so a long but healthy queue is left alone. Grading is idempotent, so a spare
    copy of a task costs nothing but time.
    """
    lost = list(Submission.orphaned().select_related("exercise"))
    lost += [s for s in Submission.stuck_in_queue().select_related("exercise") if queue_length(s.exercise.queue) == 0]
    resent = [submission.pk for submission in lost if submission.requeue()]
    if resent:
        log.warning("re-enqueued %d stuck submissions", len(resent), extra={"submissions": resent})
    WorkerHeartbeat.forget_the_long_dead()
    return len(resent)


connect_worker_signals()
