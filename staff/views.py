"""Staff pages: instructors reach their own courses (every run), admins every course, teaching
assistants their runs' grades and students (gradebook, statistics, submissions: review, regrade
one, override), students none (403). Regrading a whole exercise is for instructors: it touches
every run. Every action that changes a grade is a POST (CSRF-checked) and leaves an audit entry."""

from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import BadRequest, PermissionDenied
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.cache import patch_vary_headers
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from courses.models import Course, InterviewAnswer
from grader.models import AuditEntry, Exercise, RegradeBatch, Submission
from runs.access import (
    assisted_runs,
    can_review_course,
    can_review_student,
    late_score,
    reviewable_courses,
    staff_anywhere,
    students_reviewed_by,
)
from runs.models import CourseRun
from torchgrade.health import QueueSnapshot

from . import review
from .gradebook import Gradebook
from .stats import exercise_stats, question_stats


def course_reviewer_required(view):
    """Resolve `course_slug` to a course whose grades the user may review: its instructors and
    admins (every run), its runs' teaching assistants (their runs)."""

    @wraps(view)
    @login_required
    def wrapper(request, course_slug, *args, **kwargs):
        course = get_object_or_404(Course, slug=course_slug)
        if not can_review_course(request.user, course):
            raise PermissionDenied
        return view(request, course, *args, **kwargs)

    return wrapper


def chosen_run(request, course) -> CourseRun:
    """The run named by ?run= (a slug), else the newest the user may review; 403 for a run of
    the course they may not."""
    allowed = assisted_runs(request.user, course)
    slug = request.GET.get("run", "")
    if not slug:
        run = allowed.first()
        if run is None:
            raise Http404("This course has no run.")
        return run
    run = get_object_or_404(course.runs, slug=slug)
    if not allowed.filter(pk=run.pk).exists():
        raise PermissionDenied
    return run


def superuser_required(view):
    """Admins only: anyone else, signed in or not, gets 403."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not request.user.is_superuser:
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapper


def get_submission(request, pk) -> Submission:
    """A submission its student's reviewers may see (the course's staff, their run's TAs)."""
    submission = get_object_or_404(Submission.objects.select_related("exercise__chapter__course", "user"), pk=pk)
    if not can_review_student(request.user, submission.exercise.chapter.course, submission.user):
        raise PermissionDenied
    return submission


def get_interview_answer(request, pk) -> InterviewAnswer:
    answer = get_object_or_404(InterviewAnswer.objects.select_related("question__chapter__course", "user"), pk=pk)
    if not can_review_student(request.user, answer.question.chapter.course, answer.user):
        raise PermissionDenied
    return answer


def instructors_object(model, path_to_course, **lookup):
    """Fetch an object, refusing anyone who is not an instructor of its course (or an admin)."""
    def get(request, pk):
        obj = get_object_or_404(model, pk=pk, **lookup)
        course = obj
        for attribute in path_to_course:
            course = getattr(course, attribute)
        if not course.is_staff(request.user):
            raise PermissionDenied
        return obj
    return get


get_exercise = instructors_object(Exercise, ("chapter", "course"))
get_batch = instructors_object(RegradeBatch, ("exercise", "chapter", "course"))


@login_required
def home(request):
    if not staff_anywhere(request.user):
        raise PermissionDenied
    courses = [(course, assisted_runs(request.user, course), course.is_staff(request.user))
               for course in reviewable_courses(request.user)]
    return render(request, "staff/home.html", {"courses": courses})


def gradebook_for(request, course):
    return Gradebook(course, chosen_run(request, course), chapter_slug=request.GET.get("chapter", ""),
                     student=request.GET.get("student", ""), status=request.GET.get("status", ""),
                     sort=request.GET.get("sort", "student"))


@course_reviewer_required
def gradebook(request, course):
    book = gradebook_for(request, course)
    return render(request, "staff/gradebook.html", {
        "course": course, "book": book, "run": book.run, "runs": assisted_runs(request.user, course)})


@course_reviewer_required
def gradebook_csv(request, course):
    book = gradebook_for(request, course)
    response = HttpResponse(book.csv(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{course.slug}-{book.run.slug}-gradebook.csv"'
    return response


@course_reviewer_required
def submissions(request, course):
    found = Submission.objects.filter(exercise__chapter__course=course).select_related("user", "exercise")
    reviewed = students_reviewed_by(request.user, course)
    if reviewed is not None:
        found = found.filter(user__in=reviewed)
    if request.GET.get("student"):
        found = found.filter(user__username=request.GET["student"])
    exercise_id = request.GET.get("exercise", "")
    if exercise_id:
        if not (exercise_id.isascii() and exercise_id.isdigit()):  # isdigit() alone also takes "²"
            raise BadRequest("?exercise= takes an exercise number.")
        found = found.filter(exercise_id=int(exercise_id))
    if request.GET.get("status"):
        found = found.filter(status=request.GET["status"])
    return render(request, "staff/submissions.html", {
        "course": course, "submissions": found.select_related("version").prefetch_related("grades", "overrides")[:500],
        "statuses": Submission.STATUSES,
    })


@login_required
def submission(request, pk):
    submission = get_submission(request, pk)
    grade = submission.grade
    return render(request, "staff/submission.html", {
        "submission": submission, "course": submission.exercise.chapter.course, "grade": grade,
        "late": late_score(submission),
        "checks": grade.checks.all() if grade else [], "grades": submission.grades.select_related("version"),
        "overrides": submission.overrides.select_related("created_by"),
        "audit": submission.audit_entries.select_related("actor"),
    })


@login_required
@require_POST
def regrade(request, pk):
    submission = get_submission(request, pk)
    review.request_regrade(submission, request.user)
    messages.success(request, "Regrade queued: the new grade appears in the history below within seconds.")
    return redirect("staff_submission", pk)


@login_required
@require_POST
def override(request, pk):
    submission = get_submission(request, pk)
    try:
        score = float(request.POST.get("score", ""))
        review.override_score(submission, score, request.POST.get("reason"), request.user)
        messages.success(request, f"Score set to {score:g}.")
    except ValueError:
        messages.error(request, "The score must be a number.")
    except review.ReviewError as exc:
        messages.error(request, str(exc))
    return redirect("staff_submission", pk)


@login_required
@require_POST
def regrade_all(request, pk):
    exercise = get_exercise(request, pk)
    batch = review.request_regrade_all(exercise, request.user)
    return redirect("staff_regrade_batch", batch.pk)


@login_required
def regrade_batch(request, pk):
    batch = get_batch(request, pk)
    template = "staff/regrade_progress.html" if request.htmx else "staff/regrade_batch.html"
    return render(request, template, {"batch": batch, "course": batch.exercise.chapter.course})


@course_reviewer_required
def interview_answers(request, course):
    answers = InterviewAnswer.objects.filter(question__chapter__course=course).select_related(
        "user", "question__chapter", "reviewed_by")
    reviewed = students_reviewed_by(request.user, course)
    if reviewed is not None:
        answers = answers.filter(user__in=reviewed)
    if request.GET.get("show") != "all":
        answers = answers.filter(reviewed_at__isnull=True)
    return render(request, "staff/interview_answers.html", {
        "course": course, "answers": answers.order_by("updated_at"), "show_all": request.GET.get("show") == "all",
    })


@login_required
@require_POST
def review_interview_answer(request, pk):
    answer = get_interview_answer(request, pk)
    raw = request.POST.get("score", "").strip()
    try:
        review.review_interview_answer(answer, int(raw) if raw else None, request.POST.get("comment"), request.user)
        messages.success(request, f"Saved your review of {answer.user.get_username()}'s answer.")
    except ValueError:
        messages.error(request, "The score must be a whole number from 0 to 10.")
    except review.ReviewError as exc:
        messages.error(request, str(exc))
    return redirect("staff_interview_answers", answer.question.chapter.course.slug)


@course_reviewer_required
def stats(request, course):
    run = chosen_run(request, course)
    return render(request, "staff/stats.html", {
        "course": course, "run": run, "runs": assisted_runs(request.user, course),
        "exercises": exercise_stats(course, run), "questions": question_stats(course, run),
    })


@login_required
@superuser_required
def audit_log(request):
    entries = AuditEntry.objects.select_related("actor", "course", "submission")
    if request.GET.get("course"):
        entries = entries.filter(course__slug=request.GET["course"])
    return render(request, "staff/audit.html", {"entries": entries[:500]})


def wants_json(request) -> bool:
    """Tools (no Accept header, or one preferring JSON) and ?format=json get JSON; browsers HTML."""
    return request.GET.get("format") == "json" or \
        request.get_preferred_type(["application/json", "text/html"]) == "application/json"


@never_cache
@superuser_required
def queue(request):
    """Workers, queues, the oldest waiting submission, latency and recent errors."""
    snapshot = QueueSnapshot()
    if wants_json(request):
        response = JsonResponse(snapshot.as_json())
    else:
        response = render(request, "staff/queue.html", {"snapshot": snapshot})
    patch_vary_headers(response, ["Accept"])
    return response
