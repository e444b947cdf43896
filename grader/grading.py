"""Grade a submission and store the result: steps 4 and 9 of the flow in the design notes.

grader.evaluation runs and judges the code; this module ties it to the database. A
SandboxUnavailable (ours) propagates so the task retries, and never costs an attempt. Saving is
idempotent: each grading carries a request token that may produce at most one Grade.
"""

import logging
import time
import uuid

import torch
from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from .checks import ReferenceFailed
from .evaluation import SandboxUnavailable, evaluate, failure_of
from .models import CheckResult, Grade, Submission
from .runner import get_backend

log = logging.getLogger("torchgrade.grading")


def judge(version, code, seed, backend=None):
    """Evaluate `code` against one exercise version with this worker's sandbox."""
    return evaluate(version.spec, version.solution_code, code, seed, backend or get_backend())


def save_grade(submission, version, evaluation, request):
    """Store one grading; return the Grade, or None if this request was already saved."""
    shown = evaluation.shown
    with transaction.atomic():
        locked = Submission.objects.select_for_update().get(pk=submission.pk)
        if Grade.objects.filter(request=request).exists():
            return None
        try:
            with transaction.atomic():
                grade = Grade.objects.create(
                    submission=locked, request=request, version=version,
                    score=evaluation.score, max_score=evaluation.max_score, seed=locked.seed,
                    torch_version=torch.__version__, device=evaluation.device,
                    sandbox_status=evaluation.sandbox_status, wall_s=evaluation.wall_s,
                    cpu_s=evaluation.cpu_s, peak_memory_bytes=evaluation.peak_memory_bytes,
                    stdout=shown.stdout if shown else "", stderr=shown.stderr if shown else "",
                    error=failure_of(shown), staff_output=evaluation.staff_output,
                    loss_history=next((o.loss_history for _, o in evaluation.outcomes if o.loss_history), {}),
                )
        except IntegrityError:
            return None
        CheckResult.objects.bulk_create(
            CheckResult(
                grade=grade, position=i, name=check["name"], kind=check["kind"], hidden=check["hidden"],
                passed=outcome.passed, points=check["points"] if outcome.passed else 0,
                max_points=check["points"], message=outcome.message,
            )
            for i, (check, outcome) in enumerate(evaluation.outcomes)
        )
        locked.status = Submission.GRADED
        locked.finished_at = timezone.now()
        locked.error_message = ""
        locked.save(update_fields=["status", "finished_at", "error_message"])
    return grade


def start(submission_id, worker=""):
    """Mark a submission running; return it, or None if it is already graded (a redelivery)."""
    with transaction.atomic():
        submission = Submission.objects.select_for_update().filter(pk=submission_id).first()
        if submission is None or submission.status == Submission.GRADED:
            return None
        if submission.deliveries >= settings.GRADER_MAX_DELIVERIES:
            # Delivered this often without a grade (workers dying on it): stop trying.
            transaction.on_commit(lambda: fail(submission_id, "The grader could not finish this submission. "
                                                              "It does not count as an attempt."))
            return None
        submission.status = Submission.RUNNING
        submission.started_at = timezone.now()
        submission.deliveries += 1
        submission.worker = worker
        submission.save(update_fields=["status", "started_at", "deliveries", "worker"])
        return submission


def grade_submission(submission_id, backend=None, worker=""):
    """Grade a new submission once; the task calls this. Returns the Grade or None."""
    submission = start(submission_id, worker)
    if submission is None:
        return None
    began = time.monotonic()
    try:
        evaluation = judge(submission.version, submission.code, submission.seed, backend)
    except ReferenceFailed as exc:
        fail(submission_id, "The grader could not grade this exercise (its reference solution failed). "
                            "This submission does not count as an attempt.", exc)
        return None
    except SandboxUnavailable:
        raise
    except Exception as exc:  # a bug of ours must not leave the submission running forever
        log.exception("grading crashed", extra={"submission": submission_id})
        fail(submission_id, "The grader failed on this submission (our fault). It does not count as an "
                            "attempt.", exc)
        return None
    grade = save_grade(submission, submission.version, evaluation, request=f"submit:{submission_id}")
    log_grading(submission, evaluation, began, "graded" if grade else "duplicate")
    return grade


def regrade(submission, version=None, backend=None):
    """Grade a submission again (against `version`, default the exercise's current one).

    The previous grades stay in history; the new one is the one that counts.
    """
    version = version or submission.exercise.current_version
    began = time.monotonic()
    evaluation = judge(version, submission.code, submission.seed, backend)
    grade = save_grade(submission, version, evaluation, request=f"regrade:{uuid.uuid4().hex}")
    log_grading(submission, evaluation, began, "regraded")
    return grade


def fail(submission_id, message, exc=None):
    """Give up on a submission without charging the student an attempt."""
    log.error("grading failed", extra={"submission": submission_id, "reason": str(exc or message)})
    Submission.objects.filter(pk=submission_id).exclude(status=Submission.GRADED).update(
        status=Submission.ERROR, error_message=message, counts_as_attempt=False, finished_at=timezone.now()
    )


def log_grading(submission, evaluation, began, outcome):
    log.info(
        "grading %s", outcome,
        extra={
            "submission": submission.pk, "exercise": submission.exercise_id, "outcome": outcome,
            "score": evaluation.score, "max_score": evaluation.max_score,
            "sandbox_status": evaluation.sandbox_status,
            "grading_s": round(time.monotonic() - began, 3),
            "queued_s": round((submission.started_at - submission.created_at).total_seconds(), 3)
            if submission.started_at else None,
        },
    )
