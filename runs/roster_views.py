"""A course's runs, a run's roster and settings (for the course's instructors and admins: teaching
assistants and students get 403), and the join flow by which a student puts themselves on a run's
roster with its invitation link or join code."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Count, Q
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.views.decorators.http import require_POST

from courses.models import Course
from grader.models import AuditEntry

from . import roster
from .decorators import run_instructor_required
from .forms import JoinCodeForm, NewRunForm, RosterUploadForm, RunSettingsForm
from .models import CourseRun, Enrollment


@login_required
def course_runs(request, course_slug):
    course = get_object_or_404(Course, slug=course_slug)
    if not course.is_staff(request.user):
        raise PermissionDenied
    form = NewRunForm(course, request.POST or None)
    if request.method == "POST" and form.is_valid():
        run = form.save()
        messages.success(request, f"Run {run.title} created: invite its students with the link or the CSV import.")
        return redirect("run_roster", run.pk)
    runs = course.runs.annotate(
        student_count=Count("enrollments", filter=Q(enrollments__role=Enrollment.STUDENT)),
        ta_count=Count("enrollments", filter=Q(enrollments__role=Enrollment.TA)))
    return render(request, "runs/run_list.html", {"course": course, "runs": runs, "form": form},
                  status=400 if form.errors else 200)


def _render_roster(request, run: CourseRun, upload_form: RosterUploadForm | None = None,
                   import_errors: list[str] = (), status: int = 200):
    return render(request, "runs/roster.html", {
        "run": run,
        "active": "roster",
        "enrollments": run.enrollments.select_related("user").order_by("-role", "user__username"),
        "invitation_link": request.build_absolute_uri(run.join_url()),
        "upload_form": upload_form or RosterUploadForm(),
        "import_errors": import_errors,
    }, status=status)


@run_instructor_required
def run_roster(request, run):
    return _render_roster(request, run)


@run_instructor_required
@require_POST
def import_roster(request, run):
    form = RosterUploadForm(request.POST, request.FILES)
    if not form.is_valid():
        return _render_roster(request, run, form, status=400)
    # One byte past the limit is enough to tell a file that is too large.
    result = roster.import_roster(run, form.cleaned_data["roster"].read(roster.MAX_BYTES + 1), request.user)
    if result.errors:
        return _render_roster(request, run, form, result.errors, status=400)
    messages.success(request, f"Roster imported: {result.summary}.")
    return redirect("run_roster", run.pk)


@run_instructor_required
@require_POST
def remove_enrollment(request, run, enrollment_id):
    enrollment = get_object_or_404(run.enrollments.select_related("user"), pk=enrollment_id)
    roster.remove(enrollment, request.user)
    messages.success(request, f"{enrollment.user.get_username()} is off the roster of {run.title}; "
                              "their submissions and grades are kept.")
    return redirect("run_roster", run.pk)


@run_instructor_required
@require_POST
def new_code(request, run):
    run.new_join_code()
    messages.success(request, f"The new join code is {run.join_code}: the old code and link no longer work.")
    return redirect("run_roster", run.pk)


@run_instructor_required
def run_settings(request, run):
    policy_before = run.policy.describe()
    # A form changes its instance as it validates: the page keeps showing the saved run.
    form = RunSettingsForm(request.POST or None, instance=CourseRun.objects.get(pk=run.pk))
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            saved = form.save()
            policy_after = saved.policy.describe()
            if policy_after != policy_before:
                AuditEntry.record(request.user, AuditEntry.DUE_DATE, run.course, f"late policy of {saved.title}",
                                  policy_before, policy_after)
        messages.success(request, f"Settings of {saved.title} saved.")
        return redirect("run_settings", run.pk)
    return render(request, "runs/run_settings.html", {"run": run, "active": "settings", "form": form},
                  status=400 if form.errors else 200)


@login_required
def join_run(request, code):
    run = roster.find_run(code)
    if run is None:
        return render(request, "runs/join_invalid.html", {"code": code}, status=404)
    if request.method == "POST":
        try:
            roster.join(run, request.user)
            messages.success(request, f"You joined {run.title} of {run.course.title}.")
            return redirect("course", run.course.slug)
        except roster.Refused as refused:
            refusal = str(refused)
    else:
        refusal = roster.join_refusal(run, request.user)
    return render(request, "runs/join.html", {"run": run, "refusal": refusal}, status=403 if refusal else 200)


def join_with_code(request):
    form = JoinCodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        return redirect("join_run", form.cleaned_data["code"])
    return render(request, "runs/join_code.html", {"form": form}, status=400 if form.errors else 200)


urlpatterns = [
    path("staff/courses/<slug:course_slug>/runs/", course_runs, name="course_runs"),
    path("staff/runs/<int:run_id>/", run_roster, name="run_roster"),
    path("staff/runs/<int:run_id>/roster/import/", import_roster, name="run_import_roster"),
    path("staff/runs/<int:run_id>/roster/<int:enrollment_id>/remove/", remove_enrollment,
         name="run_remove_enrollment"),
    path("staff/runs/<int:run_id>/new-code/", new_code, name="run_new_code"),
    path("staff/runs/<int:run_id>/settings/", run_settings, name="run_settings"),
    path("join/", join_with_code, name="join_with_code"),
    path("join/<str:code>/", join_run, name="join_run"),
]
