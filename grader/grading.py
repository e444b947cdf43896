"""Grade a submission and store the result: steps 4 and 9 of the flow in the design notes.

judging.evaluation runs and judges the code; this module ties it to the database through the
Submission's own methods (claim, record_grade, requeue, fail). A sandbox failure (ours) queues
the submission again and never costs an attempt; any other crash of ours (in the judge, or
while saving) fails it once, also without costing an attempt. Saving is idempotent: each grading
carries a request token that may produce at most one Grade.

A submission whose grading breaks the sandbox again on its retry, while the sandbox's canary job
passes right after, broke it itself (say by signalling the processes around it): it ends as the
student's own runtime error and counts as an attempt, so it cannot be repeated for free.
"""

import logging
import time
import uuid

import torch
from django.db import InterfaceError, OperationalError

from torchgrade import metrics

from . import reference_pool
from judging.verdicts import ReferenceFailed
from judging.evaluation import Evaluation, SandboxUnavailable, evaluate, failure_of, stopped_the_sandbox
from .models import ExerciseVersion, Grade, Submission
from .runner import get_backend

log = logging.getLogger("torchgrade.grading")

# The database went away: nothing can be recorded, and the sweep re-sends the submission later.
DATABASE_UNREACHABLE = (OperationalError, InterfaceError)

OUR_CRASH = "The grader failed on this submission (our fault). It does not count as an attempt."
BROKEN_REFERENCE = ("The grader could not grade this exercise (its reference solution failed). "
                    "This submission does not count as an attempt.")


def judge(version: ExerciseVersion, code: str, seed: int, backend=None) -> Evaluation:
    """Evaluate `code` against one exercise version with this worker's sandbox."""
    return evaluate(version.spec, version.solution_code, code, seed, backend or get_backend(),
                    reference_answers=reference_pool.answers_for(version, seed))


def save_grade(submission: Submission, version: ExerciseVersion, evaluation: Evaluation, request: str) -> Grade | None:
    """Store one grading; return the Grade, or None if this request was already saved."""
    shown = evaluation.shown
    result = {
        "score": evaluation.score, "max_score": evaluation.max_score, "torch_version": torch.__version__,
        "device": evaluation.device, "sandbox_status": evaluation.sandbox_status, "wall_s": evaluation.wall_s,
        "cpu_s": evaluation.cpu_s, "peak_memory_bytes": evaluation.peak_memory_bytes,
        "stdout": shown.stdout if shown else "", "stderr": shown.stderr if shown else "",
        "error": failure_of(shown), "staff_output": evaluation.staff_output,
        "loss_history": next((o.loss_history for _, o in evaluation.outcomes if o.loss_history), {}),
    }
    return submission.record_grade(request, version, result, evaluation.check_results())


def grade_submission(submission_id: int, backend=None, worker: str = "") -> Grade | None:
    """Grade a new submission once; the task calls this. Returns the Grade or None."""
    submission = Submission.claim(submission_id, worker)
    if submission is None:
        return None
    metrics.record_claim(submission)
    began = time.monotonic()
    try:
        evaluation = judge(submission.version, submission.code, submission.seed, backend)
        metrics.record_evaluation(evaluation, began)
        grade = save_grade(submission, submission.version, evaluation, request=f"submit:{submission_id}")
    except SandboxUnavailable as exc:
        log.warning("sandbox unavailable", extra={"submission": submission_id, "reason": str(exc)})
        if submission.deliveries > 1 and (backend or get_backend()).canary():
            # Broken again on a retry, and the sandbox runs its canary right after: the code did it.
            evaluation = stopped_the_sandbox(submission.version.spec)
            grade = save_grade(submission, submission.version, evaluation, request=f"submit:{submission_id}")
            log_grading(submission, evaluation, began, "stopped the sandbox")
            metrics.record_grading(submission, "graded")
            return grade
        # Later, and a little later each time; claim() fails it after GRADER_MAX_DELIVERIES.
        submission.requeue(countdown=2 * submission.deliveries - 1)
        metrics.record_grading(submission, "requeued")
        return None
    except ReferenceFailed as exc:
        log.error("reference solution failed", extra={"submission": submission_id, "reason": str(exc)})
        submission.fail(BROKEN_REFERENCE)
        return None
    except DATABASE_UNREACHABLE:
        raise
    except Exception:  # a bug of ours must not leave the submission running for the sweep to void
        log.exception("grading crashed", extra={"submission": submission_id})
        submission.fail(OUR_CRASH)
        return None
    outcome = "graded" if grade else "duplicate"
    log_grading(submission, evaluation, began, outcome)
    metrics.record_grading(submission, outcome)
    return grade


def regrade(submission: Submission, version: ExerciseVersion | None = None, backend=None) -> Grade | None:
    """Grade a submission again (against `version`, default the exercise's current one).

    The previous grades stay in history; the new one is the one that counts. Returns None when
    it could not grade (a broken reference solution, a crash of ours): the old grade stands.
    Raises SandboxUnavailable, to be retried.
    """
    version = version or submission.exercise.current_version
    began = time.monotonic()
    try:
        evaluation = judge(version, submission.code, submission.seed, backend)
        metrics.record_evaluation(evaluation, began)
        grade = save_grade(submission, version, evaluation, request=f"regrade:{uuid.uuid4().hex}")
    except (SandboxUnavailable, *DATABASE_UNREACHABLE):
        raise
    except ReferenceFailed as exc:
        log.error("regrade impossible: the reference solution failed",
                  extra={"submission": submission.pk, "reason": str(exc)})
        return None
    except Exception:
        log.exception("regrade crashed", extra={"submission": submission.pk})
        return None
    log_grading(submission, evaluation, began, "regraded")
    metrics.record_grading(submission, "regraded")
    return grade


def log_grading(submission: Submission, evaluation: Evaluation, began: float, outcome: str) -> None:
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
