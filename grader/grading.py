"""Grade a submission: the trusted side of steps 4-9 of the flow in the project's design notes.

The student's code and the reference solution each run once in the sandbox on the same probes
(in parallel); the score is computed here from the data that came back. A sandbox_error is ours:
it raises SandboxUnavailable so the task retries, and never costs an attempt. Saving is
idempotent: each grading carries a request token that may produce at most one Grade.
"""

import logging
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import torch
from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from sandbox import Job, Limits, Status

from .checks import ReferenceFailed, RunAnswers, judge_check
from .models import CheckResult, Grade, Submission
from .probes import build_plan
from .runner import get_backend

log = logging.getLogger("torchgrade.grading")

HARNESS_SOURCE = (Path(__file__).with_name("harness.py")).read_text()
STUDENT_FILE = "submission.py"
_pool = ThreadPoolExecutor(max_workers=2, thread_name_prefix="sandbox-run")


class SandboxUnavailable(Exception):
    """The sandbox failed on our side; retry the task later."""


def limits_for(spec):
    limits = spec["limits"]
    return Limits(
        wall_s=float(limits["wall_s"]),
        cpu_s=float(limits["cpu_s"]),
        memory_bytes=int(limits["memory_mb"]) << 20,
        output_bytes=int(limits["output_kb"]) * 1024,
    )


def job_device(exercise_device, backend):
    if exercise_device == "cuda" or (exercise_device == "any" and backend.has_gpu):
        return "cuda"
    return "cpu"


@dataclass
class Evaluation:
    score: float
    max_score: float
    outcomes: list  # (check dict, Outcome)
    student: object  # sandbox Result, or None when only static checks ran
    device: str


def failure_of(result):
    """Why a student's run produced no usable answers, in the words the student sees."""
    if result.status is Status.OK:
        return ""
    return result.error or f"the program ended with status {result.status.value}"


def evaluate(version, code, seed, backend=None):
    """Run and judge `code` against one exercise version; raise SandboxUnavailable or ReferenceFailed."""
    spec = version.spec
    plan = build_plan(spec, seed)
    student_result = None
    device = "cpu"
    student = reference = RunAnswers(None, failure="no sandbox run was needed")
    if plan.probes:
        backend = backend or get_backend()
        device = job_device(spec["device"], backend)
        limits = limits_for(spec)
        jobs = [
            Job(main=HARNESS_SOURCE, files={STUDENT_FILE: source}, inputs=plan.inputs, limits=limits, device=device)
            for source in (code, version.solution_code)
        ]
        if code == version.solution_code:  # validating the reference: one run answers for both
            student_result = reference_result = backend.run(jobs[0])
        else:
            student_result, reference_result = _pool.map(backend.run, jobs)
        for result in (student_result, reference_result):
            if result.status is Status.SANDBOX_ERROR:
                raise SandboxUnavailable(result.error)
        if not reference_result.ok:
            raise ReferenceFailed(f"the reference solution did not run: {failure_of(reference_result)}")
        reference = RunAnswers(reference_result.value)
        student = RunAnswers(student_result.value, failure=failure_of(student_result))
    outcomes = [(p.check, judge_check(p, student, reference, code)) for p in plan.checks]
    score = sum(check["points"] for check, outcome in outcomes if outcome.passed)
    return Evaluation(score, version.max_score, outcomes, student_result, device)


def save_grade(submission, version, evaluation, request):
    """Store one grading; return the Grade, or None if this request was already saved."""
    result = evaluation.student
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
                    sandbox_status=result.status.value if result else "not_run",
                    wall_s=result.wall_s if result else 0, cpu_s=result.cpu_s if result else 0,
                    peak_memory_bytes=result.peak_memory_bytes if result else 0,
                    stdout=result.stdout if result else "", stderr=result.stderr if result else "",
                    error=failure_of(result) if result else "",
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
        evaluation = evaluate(submission.version, submission.code, submission.seed, backend)
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
    evaluation = evaluate(version, submission.code, submission.seed, backend)
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
    result = evaluation.student
    log.info(
        "grading %s", outcome,
        extra={
            "submission": submission.pk, "exercise": submission.exercise_id, "outcome": outcome,
            "score": evaluation.score, "max_score": evaluation.max_score,
            "sandbox_status": result.status.value if result else "not_run",
            "grading_s": round(time.monotonic() - began, 3),
            "queued_s": round((submission.started_at - submission.created_at).total_seconds(), 3)
            if submission.started_at else None,
        },
    )
