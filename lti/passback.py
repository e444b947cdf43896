"""Scores to the LMS gradebook (LTI Assignment and Grade Services 2.0), never lost.

A grading, a regrade, an override or a quiz attempt calls `scores_changed`, which, for each LMS
link placing that item in a run the student belongs to, computes the score the gradebook shows
(the best final score with the run's late policy; a quiz's counted score) and writes a ScoreSend
row, sent by a background task once the transaction commits. `send` puts the newest score of a
(line item, student) on the LMS and records the outcome: a failure keeps the row pending with its
error and a later next_attempt_at (the task tries again with backoff; the periodic sweep sends
whatever is due), so a score made while the LMS is down arrives after it comes back.
"""

import logging
from datetime import timedelta

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from pylti1p3.assignments_grades import AssignmentsGradesService
from pylti1p3.grade import Grade as LtiScore
from pylti1p3.lineitem import LineItem

from courses.models import QuizAttempt
from grader.models import Submission
from runs.access import student_run
from runs.models import Enrollment
from runs.schedule import Schedule

from . import jobs
from .models import LtiIdentity, ResourceLink, ScoreSend
from .tool_conf import service_connector

log = logging.getLogger("torchgrade.lti")

MAX_BACKOFF = timedelta(hours=1)
TASK_RETRIES = 8  # beyond these the periodic sweep alone retries (at most every MAX_BACKOFF)


def exercise_score(user, exercise) -> tuple[float, float] | None:
    """(score, out of) as the gradebook counts it (runs.schedule.Schedule.counted_scores) in the
    student's run; None before a grade."""
    run = student_run(user, exercise.chapter.course)
    if run is None:
        return None
    # Not by status: a grading's signal comes before its submission is marked graded.
    submissions = (Submission.objects.filter(user=user, exercise=exercise, grades__isnull=False).distinct()
                   .select_related("version", "exercise").prefetch_related("grades", "overrides"))
    best = Schedule(run, [user]).counted_scores(submissions).get((user.pk, exercise.pk))
    return None if best is None else (best.late.final, best.maximum)


def quiz_score(user, chapter) -> tuple[float, float] | None:
    attempts = QuizAttempt.objects.filter(user=user, chapter=chapter)
    newest = attempts.first()
    if newest is None:
        return None
    return float(QuizAttempt.counted_scores(attempts)[(user.pk, chapter.pk)]), float(newest.max_score)


def scores_changed(user, because: str, exercise=None, quiz=None) -> list[ScoreSend]:
    """Queue the student's new score on every LMS line item of `exercise` (or of `quiz`, a chapter)
    in the runs they are a student of."""
    item = Q(exercise=exercise) if exercise is not None else Q(quiz=quiz)
    links = list(ResourceLink.objects.filter(item, context__run__enrollments__user=user,
                                             context__run__enrollments__role=Enrollment.STUDENT))
    if not links:
        return []
    score = exercise_score(user, exercise) if exercise is not None else quiz_score(user, quiz)
    if score is None:
        return []
    queued = []
    with transaction.atomic():
        for link in links:
            ScoreSend.objects.filter(resource_link=link, user=user, status=ScoreSend.PENDING).update(
                status=ScoreSend.SUPERSEDED)
            queued.append(ScoreSend.objects.create(resource_link=link, user=user, score_given=score[0],
                                                   score_maximum=score[1], because=because[:100]))
    for row in queued:
        jobs.send_score(row.pk)
    return queued


def line_item_of(link: ResourceLink, ags: AssignmentsGradesService, score_maximum: float) -> LineItem:
    """The link's line item: the one its launch named, else found or made by its resource id."""
    if link.lineitem_url:
        return LineItem({"id": link.lineitem_url})
    item = link.exercise or link.quiz
    resource_id = f"{'exercise' if link.exercise_id else 'quiz'}:{item.pk}"
    found = ags.find_or_create_lineitem(
        LineItem().set_label(link.title or str(item)).set_score_maximum(score_maximum)
        .set_resource_id(resource_id).set_resource_link_id(link.resource_link_id), find_by="resource_id")
    ResourceLink.objects.filter(pk=link.pk).update(lineitem_url=found.get_id())
    return found


def put(row: ScoreSend) -> None:
    """POST the row's score to its line item's scores endpoint; raises on any failure."""
    context = row.resource_link.context
    identity = LtiIdentity.objects.get(platform=context.platform, user=row.user)
    ags = AssignmentsGradesService(service_connector(context.platform), {
        "scope": context.ags_scopes, "lineitems": context.lineitems_url, "lineitem": row.resource_link.lineitem_url})
    score = (LtiScore().set_score_given(row.score_given).set_score_maximum(row.score_maximum)
             .set_timestamp(row.created_at.isoformat()).set_activity_progress("Completed")
             .set_grading_progress("FullyGraded").set_user_id(identity.sub))
    ags.put_grade(score, line_item_of(row.resource_link, ags, row.score_maximum))


def backoff(attempts: int) -> timedelta:
    return min(timedelta(seconds=30 * 2 ** max(attempts - 1, 0)), MAX_BACKOFF)


def send(pk: int) -> ScoreSend | None:
    """Try to send one pending row (locked meanwhile, so that the task and the sweep never both
    send it); returns it, updated, or None when there was nothing to send."""
    with transaction.atomic():
        row = (ScoreSend.objects.select_for_update().select_related("resource_link__context__platform", "user")
               .filter(pk=pk, status=ScoreSend.PENDING).first())
        if row is None:
            return None
        row.attempts += 1
        try:
            put(row)
        except Exception as exc:  # any failure of the LMS or the network: kept, tried again later
            row.last_error = f"{type(exc).__name__}: {exc}"[:2000]
            row.next_attempt_at = timezone.now() + backoff(row.attempts)
            log.warning("lti score not sent", extra={"score_send": row.pk, "attempts": row.attempts,
                                                     "error": row.last_error})
        else:
            row.status, row.sent_at, row.last_error = ScoreSend.SENT, timezone.now(), ""
            log.info("lti score sent", extra={"score_send": row.pk, "score": row.score_given})
        row.save()
    return row


def due():
    return ScoreSend.objects.filter(status=ScoreSend.PENDING, next_attempt_at__lte=timezone.now())


def waiting(platform_id: int):
    """Every pending row for one LMS, due or not."""
    return ScoreSend.objects.filter(status=ScoreSend.PENDING, resource_link__context__platform_id=platform_id)
