"""A run's deadlines, student groups and extensions: pages for the course's instructors and
admins (run_instructor_required); teaching assistants and students get 403. Each change is a
POST; a change to when work is due (a due date, an extension) leaves an audit entry."""

from django.contrib import messages
from django.db import transaction
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.views.decorators.http import require_POST

from grader.models import AuditEntry

from .deadline_forms import (
    DueDateForm,
    ExtensionForm,
    GroupForm,
    Item,
    course_items,
    deadline_text,
    deadlines_of,
    find_item,
    short_policy,
)
from .decorators import run_instructor_required
from .late import shown_time
from .models import CourseRun
from .schedule import Schedule


def _render_deadlines(request, run: CourseRun, invalid: DueDateForm | None = None, status: int = 200):
    """The deadlines table; `invalid`: a posted form with errors, shown in place of its item's."""
    schedule = Schedule(run, [])
    rows = []
    for item in course_items(run.course):
        form = invalid if invalid and invalid.item.key == item.key else DueDateForm(run, item)
        due_date = form.instance if form.instance.pk else None
        rows.append({"item": item, "due_date": due_date, "window": item.window(schedule), "form": form})
    return render(request, "runs/deadlines.html", {"run": run, "rows": rows, "active": "deadlines"}, status=status)


@run_instructor_required
def deadlines(request, run):
    return _render_deadlines(request, run)


def _summary(run: CourseRun, item) -> str:
    """The run's own deadline and late policy for `item`, as the audit log keeps it."""
    window = item.window(Schedule(run, []))
    return f"{deadline_text(window.due_at)}; {short_policy(window.policy)}"


@run_instructor_required
@require_POST
def set_due_date(request, run, item):
    item = find_item(run.course, item)
    form = DueDateForm(run, item, request.POST)
    if not form.is_valid():
        return _render_deadlines(request, run, invalid=form, status=400)
    with transaction.atomic():
        before = _summary(run, item)
        if form.follows_course():
            if form.instance.pk:
                form.instance.delete()
        else:
            form.save()
        after = _summary(run, item)
        if before != after:
            AuditEntry.record(request.user, AuditEntry.DUE_DATE, run.course, f"{item.title} in {run.title}",
                              before, after)
    messages.success(request, f"{item.title}: {after}.")
    return redirect("run_deadlines", run.pk)


def _render_groups(request, run: CourseRun, invalid: GroupForm | None = None, status: int = 200):
    groups = []
    for group in run.groups.prefetch_related("members"):
        form = invalid if invalid and invalid.instance.pk == group.pk else GroupForm(run, instance=group)
        groups.append({"group": group, "form": form})
    new_form = invalid if invalid and not invalid.instance.pk else GroupForm(run)
    return render(request, "runs/groups.html", {"run": run, "groups": groups, "new_form": new_form,
                                                "active": "groups"}, status=status)


@run_instructor_required
def groups(request, run):
    return _render_groups(request, run)


def _save_group(request, run: CourseRun, group=None):
    form = GroupForm(run, request.POST, instance=group)
    if not form.is_valid():
        return _render_groups(request, run, invalid=form, status=400)
    group = form.save()
    messages.success(request, f"Group {group.name} saved: {group.members.count()} students.")
    return redirect("run_groups", run.pk)


@run_instructor_required
@require_POST
def create_group(request, run):
    return _save_group(request, run)


@run_instructor_required
@require_POST
def change_group(request, run, group_id):
    return _save_group(request, run, get_object_or_404(run.groups, pk=group_id))


@run_instructor_required
@require_POST
def delete_group(request, run, group_id):
    group = get_object_or_404(run.groups, pk=group_id)
    group.delete()
    messages.success(request, f"Group {group.name} deleted, with its extensions.")
    return redirect("run_groups", run.pk)


def _render_extensions(request, run: CourseRun, form: ExtensionForm, status: int = 200):
    extensions = run.extensions.select_related("student", "group", "exercise", "quiz", "created_by")
    return render(request, "runs/extensions.html", {"run": run, "extensions": extensions, "form": form,
                                                    "active": "extensions"}, status=status)


@run_instructor_required
def extensions(request, run):
    return _render_extensions(request, run, ExtensionForm(run))


@run_instructor_required
@require_POST
def grant_extension(request, run):
    form = ExtensionForm(run, request.POST)
    if not form.is_valid():
        return _render_extensions(request, run, form, status=400)
    data, item = form.cleaned_data, form.chosen_item
    with transaction.atomic():
        before = deadlines_of(run, item, data["student"], data["group"])
        extension = form.save(created_by=request.user)
        after = deadlines_of(run, item, extension.student, extension.group)
        AuditEntry.record(request.user, AuditEntry.EXTENSION, run.course, f"{item.title} for {extension.who}",
                          before, after, extension.reason)
    messages.success(request, f"{item.title} for {extension.who}: due {shown_time(extension.due_at)}.")
    return redirect("run_extensions", run.pk)


@run_instructor_required
@require_POST
def delete_extension(request, run, extension_id):
    extension = get_object_or_404(run.extensions.select_related("student", "group", "exercise", "quiz"),
                                  pk=extension_id)
    item = Item(extension.exercise, extension.quiz)  # even a since retired one: its extension can go
    with transaction.atomic():
        before = deadlines_of(run, item, extension.student, extension.group)
        extension.delete()
        after = deadlines_of(run, item, extension.student, extension.group)
        AuditEntry.record(request.user, AuditEntry.EXTENSION, run.course, f"{item.title} for {extension.who}",
                          before, after, f"Extension removed (it was: {extension.reason})" if extension.reason
                          else "Extension removed")
    messages.success(request, f"Extension removed: {item.title} for {extension.who} is due {after}.")
    return redirect("run_extensions", run.pk)


urlpatterns = [
    path("staff/runs/<int:run_id>/deadlines/", deadlines, name="run_deadlines"),
    path("staff/runs/<int:run_id>/deadlines/<str:item>/", set_due_date, name="run_set_due_date"),
    path("staff/runs/<int:run_id>/groups/", groups, name="run_groups"),
    path("staff/runs/<int:run_id>/groups/new/", create_group, name="run_create_group"),
    path("staff/runs/<int:run_id>/groups/<int:group_id>/", change_group, name="run_change_group"),
    path("staff/runs/<int:run_id>/groups/<int:group_id>/delete/", delete_group, name="run_delete_group"),
    path("staff/runs/<int:run_id>/extensions/", extensions, name="run_extensions"),
    path("staff/runs/<int:run_id>/extensions/new/", grant_extension, name="run_grant_extension"),
    path("staff/runs/<int:run_id>/extensions/<int:extension_id>/delete/", delete_extension,
         name="run_delete_extension"),
]
