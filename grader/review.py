"""Staff actions on grades. Each one that changes a grade leaves an AuditEntry."""

from django.db import transaction
from django.utils import timezone

from . import jobs
from .models import AuditEntry, Exercise, ExerciseValidation, RegradeBatch, ScoreOverride


class ReviewError(Exception):
    """The action was refused; the message says why."""


def _score_text(score):
    return "" if score is None else f"{score:g}"


def override_score(submission, score, reason, actor):
    reason = (reason or "").strip()
    if not reason:
        raise ReviewError("An override needs a reason: the student will see it.")
    maximum = submission.version.max_score
    if not 0 <= score <= maximum:
        raise ReviewError(f"The score must be between 0 and {maximum:g}.")
    with transaction.atomic():
        before = submission.final_score
        ScoreOverride.objects.create(submission=submission, score=score, reason=reason, created_by=actor)
        audit(actor, AuditEntry.OVERRIDE, submission, before, score, reason)


def audit(actor, action, submission, before, after, reason=""):
    AuditEntry.objects.create(
        actor=actor, action=action, course=submission.exercise.chapter.course, submission=submission,
        subject=f"{submission.exercise.title}: submission {submission.pk} by {submission.user.get_username()}",
        before=_score_text(before), after=_score_text(after), reason=reason,
    )


def request_regrade(submission, actor):
    transaction.on_commit(lambda: jobs.regrade_submission_task.apply_async(
        (submission.pk,), {"actor_id": actor.pk}, queue=submission.exercise.queue))


def request_regrade_all(exercise, actor):
    submissions = list(exercise.submissions.filter(status="graded").values_list("pk", flat=True))
    batch = RegradeBatch.objects.create(exercise=exercise, version=exercise.current_version,
                                        requested_by=actor, total=len(submissions))
    for pk in submissions:
        transaction.on_commit(lambda pk=pk: jobs.regrade_submission_task.apply_async(
            (pk,), {"version_id": batch.version_id, "batch_id": batch.pk, "actor_id": actor.pk},
            queue=exercise.queue))
    return batch


def request_validation(exercise, actor):
    validation = ExerciseValidation.objects.create(version=exercise.current_version, requested_by=actor)
    transaction.on_commit(lambda: jobs.validate_exercise_task.apply_async((validation.pk,), queue=exercise.queue))
    return validation


def queue_validations(course, actor=None):
    """Validate, in the background, every exercise of `course` whose current version never was."""
    pending = Exercise.objects.filter(chapter__course=course, retired=False, current_version__validations=None)
    for exercise in pending:
        request_validation(exercise, actor)
    return len(pending)


def review_interview_answer(answer, score, comment, actor):
    if score is not None and not 0 <= score <= 10:
        raise ReviewError("Interview scores go from 0 to 10.")
    before = answer.staff_score
    answer.staff_score, answer.staff_comment = score, (comment or "").strip()
    answer.reviewed_by, answer.reviewed_at = actor, timezone.now()
    with transaction.atomic():
        answer.save()
        AuditEntry.objects.create(
            actor=actor, action=AuditEntry.INTERVIEW_REVIEW, course=answer.question.chapter.course,
            subject=f"interview answer of {answer.user.get_username()} to {answer.question.key}",
            before=_score_text(before), after=_score_text(score), reason=answer.staff_comment,
        )
