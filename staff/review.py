"""Staff actions on grades: overrides, regrades (one or all of an exercise) and interview review.

Each action that changes a grade leaves an AuditEntry. Regrades run in the background: they are
sent to the workers by name (grader.jobs), so this module never loads the grading code.
"""

from django.db import transaction
from django.utils import timezone

from grader import jobs
from torchgrade.queues import background_queue
from grader.models import AuditEntry, RegradeBatch, ScoreOverride


class ReviewError(Exception):
    """The action was refused; the message says why."""


def override_score(submission, score: float, reason: str, actor) -> None:
    reason = (reason or "").strip()
    if not reason:
        raise ReviewError("An override needs a reason: the student will see it.")
    maximum = submission.version.max_score
    if not 0 <= score <= maximum:
        raise ReviewError(f"The score must be between 0 and {maximum:g}.")
    with transaction.atomic():
        before = submission.final_score
        ScoreOverride.objects.create(submission=submission, score=score, reason=reason, created_by=actor)
        AuditEntry.record_for(actor, AuditEntry.OVERRIDE, submission, before, score, reason)


def request_regrade(submission, actor) -> None:
    transaction.on_commit(lambda: jobs.regrade_submission_task.apply_async(
        (submission.pk,), {"actor_id": actor.pk}, queue=background_queue(submission.exercise.queue)))


def request_regrade_all(exercise, actor=None) -> RegradeBatch:
    """Regrade every graded submission of `exercise` against its current version, as one batch
    whose progress the staff pages show."""
    submissions = list(exercise.submissions.filter(status="graded").order_by("pk").values_list("pk", flat=True))
    batch = RegradeBatch.objects.create(exercise=exercise, version=exercise.current_version,
                                        requested_by=actor, total=len(submissions))
    options = {"version_id": batch.version_id, "batch_id": batch.pk, "actor_id": actor.pk if actor else None}
    for pk in submissions:
        transaction.on_commit(lambda pk=pk: jobs.regrade_submission_task.apply_async(
            (pk,), options, queue=background_queue(exercise.queue)))
    return batch


def review_interview_answer(answer, score: int | None, comment: str, actor) -> None:
    if score is not None and not 0 <= score <= 10:
        raise ReviewError("Interview scores go from 0 to 10.")
    before = answer.staff_score
    answer.staff_score, answer.staff_comment = score, (comment or "").strip()
    answer.reviewed_by, answer.reviewed_at = actor, timezone.now()
    with transaction.atomic():
        answer.save()
        AuditEntry.record(actor, AuditEntry.INTERVIEW_REVIEW, answer.question.chapter.course,
                          f"interview answer of {answer.user.get_username()} to {answer.question.key}",
                          before, score, answer.staff_comment)
