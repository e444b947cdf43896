from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import BadRequest
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.cache import cache_control
from django.views.decorators.http import condition

from courses.views import get_chapter
from runs.access import NotEnrolled, exercise_window, late_score, run_for_work, student_run

from . import jobs
from .models import Exercise, Submission, SubmissionRejected, WorkerHeartbeat


def get_exercise(request, course_slug, chapter_slug, exercise_slug):
    chapter = get_chapter(request, course_slug, chapter_slug)
    exercise = get_object_or_404(
        Exercise.objects.select_related("current_version", "chapter__course"), chapter=chapter, slug=exercise_slug
    )
    if not exercise.is_visible_to(request.user):
        raise Http404("No such exercise")
    return exercise


def get_submission(request, submission_id):
    """The submission, if it is the user's own or the user teaches its course (else 404)."""
    submission = get_object_or_404(
        Submission.objects.select_related("exercise__chapter__course", "user"), pk=submission_id
    )
    if submission.user_id != request.user.pk and not submission.exercise.chapter.course.is_staff(request.user):
        raise Http404("No such submission")
    return submission


def submitted_code(request):
    upload = request.FILES.get("code_file")
    return upload.read() if upload else request.POST.get("code", "")


def restored_submission(request, history):
    """The past submission whose code ?restore= asks to put back into the editor, if it is the user's."""
    restore = request.GET.get("restore", "")
    if not restore:
        return None
    # isdigit() alone also accepts digits that are not ASCII ("²", "١٢"), which int() misreads or rejects.
    if not (restore.isascii() and restore.isdigit()):
        raise BadRequest("?restore= takes a submission number.")
    return history.filter(pk=int(restore)).first()


@login_required
def exercise(request, course_slug, chapter_slug, exercise_slug):
    exercise = get_exercise(request, course_slug, chapter_slug, exercise_slug)
    course = exercise.chapter.course
    rejected_code = None
    if request.method == "POST":
        try:
            run = run_for_work(request.user, course)
            submission = Submission.create_for(request.user, exercise, submitted_code(request),
                                               exercise_window(request.user, exercise, run))
        except (SubmissionRejected, NotEnrolled) as exc:
            if request.htmx:
                # Shown beside the form, so a submission still grading keeps its live status.
                response = render(request, "grader/rejected.html", {"message": str(exc)})
                response["HX-Retarget"] = "#submit-errors"
                response["HX-Reswap"] = "innerHTML"
                return response
            messages.error(request, str(exc))
            rejected_code = request.POST.get("code", "")
        else:
            if request.htmx:
                return render(request, "grader/status_update.html", page_update(submission))
            return redirect(submission)
    # Reference answers for the exercises students open come before the others' (throttled per version).
    jobs.fill_reference_pool(exercise.current_version_id, exercise.queue, priority=settings.GRADER_URGENT_PRIORITY)
    history = exercise.submissions.filter(user=request.user).select_related("version").prefetch_related(
        "grades", "overrides")
    latest = history.first()
    restored = restored_submission(request, history)
    shown = restored or latest
    code = shown.code if shown else exercise.starter_code
    run = student_run(request.user, course)
    return render(request, "grader/exercise.html", {
        **(status_context(latest) if latest else {}),
        "exercise": exercise,
        "chapter": exercise.chapter,
        "course": exercise.chapter.course,
        "spec": exercise.spec,
        "code": rejected_code if rejected_code is not None else code,
        "restored": restored,
        "history": history,
        "attempts_left": exercise.attempts_left(request.user),
        "window": exercise_window(request.user, exercise, run),
        "not_enrolled": run is None and not course.is_staff(request.user),
    }, status=400 if rejected_code is not None else 200)


def status_context(submission):
    grade = submission.grade
    return {
        "submission": submission,
        "grade": grade,
        "late": late_score(submission) if submission.finished else None,
        "checks": grade.checks.all() if grade else [],
        "waiting_for_gpu": submission.status == Submission.QUEUED and submission.exercise.queue == "gpu"
        and not WorkerHeartbeat.serving("gpu"),
    }


@login_required
def submission(request, submission_id):
    submission = get_submission(request, submission_id)
    return render(request, "grader/submission.html", {
        **status_context(submission),
        "exercise": submission.exercise,
        "chapter": submission.exercise.chapter,
        "course": submission.exercise.chapter.course,
    })


def page_update(submission):
    """The status, plus the exercise page's history and attempts left (swapped out of band)."""
    exercise = submission.exercise
    return {
        **status_context(submission),
        "refresh_page": True,
        "history": exercise.submissions.filter(user=submission.user).select_related("version")
        .prefetch_related("grades", "overrides"),
        "attempts_left": exercise.attempts_left(submission.user),
    }


def status_etag(request, submission_id):
    """What the polled fragment of the user's own unfinished submission shows: its status and its
    place in the queue. The browser sends it back (If-None-Match) and gets a 304 while it holds,
    so a second's poll costs two small queries, not a render. None (always render) otherwise."""
    submission = Submission.objects.select_related("exercise").filter(pk=submission_id, user_id=request.user.pk).first()
    if submission is None or submission.finished:
        return None
    waiting_for_gpu = submission.exercise.queue == "gpu" and not WorkerHeartbeat.serving("gpu")
    return f"{submission.status}-{submission.queue_position()}-{int(waiting_for_gpu)}"


@login_required
@cache_control(no_cache=True, private=True)
@condition(etag_func=status_etag)
def submission_status(request, submission_id):
    """The status fragment, polled every second until the grade is in; the poll that finds it
    finished also refreshes the exercise page's history."""
    submission = get_submission(request, submission_id)
    context = page_update(submission) if submission.finished else status_context(submission)
    return render(request, "grader/status_update.html", context)
