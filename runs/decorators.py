"""Views of one run, refused (403) to anyone without the role they need there."""

from functools import wraps

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404

from .access import assisted_runs
from .models import CourseRun


def run_instructor_required(view):
    """`run_id` -> the run, for its course's instructors and admins only (settings, roster, deadlines)."""

    @wraps(view)
    @login_required
    def wrapper(request, run_id, *args, **kwargs):
        run = get_object_or_404(CourseRun.objects.select_related("course"), pk=run_id)
        if not run.course.is_staff(request.user):
            raise PermissionDenied
        return view(request, run, *args, **kwargs)

    return wrapper


def run_reviewer_required(view):
    """`run_id` -> the run, for its instructors, admins and its teaching assistants (grades, reports)."""

    @wraps(view)
    @login_required
    def wrapper(request, run_id, *args, **kwargs):
        run = get_object_or_404(CourseRun.objects.select_related("course"), pk=run_id)
        if not assisted_runs(request.user, run.course).filter(pk=run.pk).exists():
            raise PermissionDenied
        return view(request, run, *args, **kwargs)

    return wrapper
