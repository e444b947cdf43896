from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render

from courses.views import get_chapter

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


@login_required
def exercise(request, course_slug, chapter_slug, exercise_slug):
    exercise = get_exercise(request, course_slug, chapter_slug, exercise_slug)
    code = None
    if request.method == "POST":
        try:
            submission = Submission.create_for(request.user, exercise, submitted_code(request))
            return redirect(submission)
        except SubmissionRejected as exc:
            messages.error(request, str(exc))
            code = request.POST.get("code", "")
    history = exercise.submissions.filter(user=request.user).prefetch_related("grades")
    latest = history.first()
    return render(request, "grader/exercise.html", {
        "exercise": exercise,
        "chapter": exercise.chapter,
        "course": exercise.chapter.course,
        "spec": exercise.spec,
        "code": code if code is not None else (latest.code if latest else exercise.starter_code),
        "history": history,
        "attempts_left": exercise.attempts_left(request.user),
    }, status=400 if code is not None else 200)


def status_context(submission):
    grade = submission.grade
    return {
        "submission": submission,
        "grade": grade,
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


@login_required
def submission_status(request, submission_id):
    return render(request, "grader/status.html", status_context(get_submission(request, submission_id)))
