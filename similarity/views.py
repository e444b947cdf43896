"""Similarity report pages, for those who may review the run: the course's instructors and admins
(every run), the run's teaching assistants; 403 for anyone else. Submitted code is untrusted: it is
shown escaped (SimilarPair.sides). Comparing happens in the background (similarity.tasks); this
module never imports copydetect."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from grader.models import Exercise
from runs.access import assisted_runs, can_review_course
from runs.models import CourseRun
from staff.views import chosen_run

from .models import MAX_PAIRS, SIMILARITY_FLOOR, ReportRunning, SimilarityReport, SimilarPair


def exercise_and_run(request, exercise_id: int) -> tuple[Exercise, CourseRun]:
    """The exercise, and the run named by ?run= (else the first the user may review)."""
    exercise = get_object_or_404(Exercise.objects.select_related("chapter__course"), pk=exercise_id)
    if not can_review_course(request.user, exercise.chapter.course):
        raise PermissionDenied
    return exercise, chosen_run(request, exercise.chapter.course)


def reports_url(exercise: Exercise, run: CourseRun) -> str:
    return f"{reverse('similarity_reports', args=[exercise.pk])}?run={run.slug}"


@login_required
def reports(request, exercise_id):
    exercise, run = exercise_and_run(request, exercise_id)
    report = SimilarityReport.objects.filter(exercise=exercise, run=run).first()
    pairs = report.pairs.select_related("first__user", "second__user") if report else []
    template = "similarity/report.html" if request.htmx else "similarity/reports.html"
    return render(request, template, {
        "course": exercise.chapter.course, "exercise": exercise, "run": run, "report": report, "pairs": pairs,
        "runs": assisted_runs(request.user, exercise.chapter.course), "url": reports_url(exercise, run),
        "floor": SIMILARITY_FLOOR, "max_pairs": MAX_PAIRS,
    })


@login_required
@require_POST
def request_report(request, exercise_id):
    exercise, run = exercise_and_run(request, exercise_id)
    try:
        SimilarityReport.request(exercise, run, request.user)
        messages.success(request, "Comparing the final submissions: this page shows the pairs when it is done.")
    except ReportRunning as exc:
        messages.error(request, str(exc))
    return redirect(reports_url(exercise, run))


@login_required
def pair(request, pair_id):
    pair = get_object_or_404(SimilarPair.objects.select_related(
        "report__exercise__chapter__course", "report__run", "first__user", "second__user"), pk=pair_id)
    report, course = pair.report, pair.report.exercise.chapter.course
    if not assisted_runs(request.user, course).filter(pk=report.run_id).exists():
        raise PermissionDenied
    return render(request, "similarity/pair.html", {
        "course": course, "pair": pair, "report": report,
        "back": reports_url(report.exercise, report.run),
    })
