"""The admin where instructors author their courses.

Instructors (a course's `instructors`, with is_staff to log in) reach only their own courses'
rows; superusers reach everything. Access follows course membership, not Django's model
permissions, so adding someone to a course is all it takes to let them author it.
"""

import functools

from django import forms
from django.contrib import admin
from django.core.validators import RegexValidator
from django.db import models
from django.forms.models import BaseInlineFormSet
from django.urls import reverse

from .importer import option_key
from .loader import MAX_OPTIONS, SLUG_RE
from .models import Chapter, Course, InterviewQuestion, Option, Question


class SourceText(forms.CharField):
    """Text as the course folder stores it: browsers send CRLF line ends, files read back LF, so an
    edit saved here must be LF or exporting and re-importing the course would change it."""

    def to_python(self, value):
        return super().to_python(value).replace("\r\n", "\n")


class CourseScoped:
    """Permissions by course membership, for model admins and inlines alike."""

    # The lookup from the object the admin checks (an inline's parent) to its Course; "" for a Course.
    course_path = "course"
    holds_student_work = True
    formfield_overrides = {
        models.TextField: {"form_class": SourceText},
        # Slugs name the course folder's files and ids, which import reads as lowercase-with-dashes.
        models.SlugField: {"validators": [RegexValidator(SLUG_RE, "Use lowercase letters, digits and dashes.")]},
    }

    def course_of(self, obj):
        if not self.course_path:
            return obj
        return functools.reduce(getattr, self.course_path.split("__"), obj)

    def may_author(self, request, obj=None):
        user = request.user
        if not (user.is_active and user.is_staff):  # e.g. the login page, asked for an anonymous user
            return False
        if obj is None:
            return user.is_superuser or user.taught_courses.exists()
        return self.course_of(obj).is_staff(user)

    def has_module_permission(self, request):
        return self.may_author(request)

    def has_view_permission(self, request, obj=None):
        return self.may_author(request, obj)

    def has_add_permission(self, request, obj=None):
        return self.may_author(request, obj)

    def has_change_permission(self, request, obj=None):
        return self.may_author(request, obj)

    def has_delete_permission(self, request, obj=None):
        # Deleting a chapter, question or exercise deletes students' attempts with it: only admins
        # may; instructors unpublish instead (and removing it from the folder retires it).
        if self.holds_student_work and not request.user.is_superuser:
            return False
        return self.may_author(request, obj)


class CourseScopedAdmin(CourseScoped, admin.ModelAdmin):
    # The field whose Markdown the change form previews as students will see it.
    preview_field = None

    def get_queryset(self, request):
        rows = super().get_queryset(request)
        if request.user.is_superuser:
            return rows
        instructors = "__".join(filter(None, [self.course_path, "instructors"]))
        return rows.filter(**{instructors: request.user})

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        # Offer only the instructor's own courses, chapters and questions (and refuse others' ids).
        related = self.admin_site._registry.get(db_field.related_model)
        if isinstance(related, CourseScopedAdmin):
            kwargs.setdefault("queryset", related.get_queryset(request))
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        if self.preview_field and obj is not None:
            context.update(
                preview_field=self.preview_field,
                preview_url=reverse("markdown_preview", args=[self.course_of(obj).slug]),
                student_url=obj.get_absolute_url(),
            )
        return super().render_change_form(request, context, add, change, form_url, obj)


@admin.action(description="Unpublish the selected %(verbose_name_plural)s")
def unpublish(modeladmin, request, queryset):
    count = queryset.update(published=False)
    modeladmin.message_user(request, f"{count} unpublished.")


@admin.register(Course)
class CourseAdmin(CourseScopedAdmin):
    course_path = ""
    list_display = ["title", "slug", "published"]
    filter_horizontal = ["instructors"]

    # Instructors edit their course's text; its slug and who teaches it are the admins' to set.
    def get_readonly_fields(self, request, obj=None):
        return [] if request.user.is_superuser else ["slug", "instructors"]

    def get_prepopulated_fields(self, request, obj=None):
        return {"slug": ["title"]} if request.user.is_superuser else {}

    # A course holds every student's work: only admins create or delete one.
    def has_add_permission(self, request, obj=None):
        return request.user.is_superuser

    def has_delete_permission(self, request, obj=None):
        return request.user.is_superuser

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        # Instructors author in this admin, which needs is_staff to log in.
        form.instance.instructors.filter(is_staff=False).update(is_staff=True)


@admin.register(Chapter)
class ChapterAdmin(CourseScopedAdmin):
    preview_field = "body"
    change_form_template = "admin/preview_change_form.html"
    list_display = ["title", "course", "position", "published", "retired"]
    list_filter = [("course", admin.RelatedOnlyFieldListFilter), "published", "retired"]
    search_fields = ["title", "slug"]
    formfield_overrides = {
        **CourseScoped.formfield_overrides,
        # One labelled input with the browser's own picker (the admin's split date and time
        # inputs have no labels of their own).
        models.DateTimeField: {"form_class": forms.DateTimeField, "widget": forms.DateTimeInput(
            attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")},
    }
    fieldsets = [
        (None, {"fields": ["course", "slug", "position", "title", "summary", "level", "updated", "body", "faq",
                           "published", "retired"]}),
        ("Quiz policy", {"fields": ["quiz_max_attempts", "quiz_reveal", "quiz_scoring", "quiz_deadline"]}),
    ]
    actions = ["publish", unpublish]

    @admin.action(description="Publish the selected %(verbose_name_plural)s")
    def publish(self, request, queryset):
        count = queryset.update(published=True)
        self.message_user(request, f"{count} published.")


class OptionFormSet(BaseInlineFormSet):
    """The rules import applies to quiz.yaml, so an edited quiz still exports and re-imports."""

    def clean(self):
        super().clean()
        kept = [f.cleaned_data for f in self.forms if f.cleaned_data and not f.cleaned_data.get("DELETE")]
        if not 3 <= len(kept) <= MAX_OPTIONS:
            raise forms.ValidationError(f"A question needs 3 to {MAX_OPTIONS} options.")
        if not any(option["correct"] for option in kept):
            raise forms.ValidationError("Mark at least one option correct.")


class OptionInline(CourseScoped, admin.TabularInline):
    model = Option
    holds_student_work = False  # answers keep the chosen keys, not the rows
    formset = OptionFormSet
    course_path = "chapter__course"  # from the question being edited
    fields = ["position", "text", "correct", "explanation"]
    min_num, max_num, extra = 3, MAX_OPTIONS, 0


@admin.register(Question)
class QuestionAdmin(CourseScopedAdmin):
    course_path = "chapter__course"
    inlines = [OptionInline]
    list_display = ["key", "chapter", "position", "retired"]
    list_filter = [("chapter__course", admin.RelatedOnlyFieldListFilter), "retired"]
    search_fields = ["key", "prompt"]

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        # Keys a, b, c... in position order, as import assigns them: answers store these keys.
        options = list(form.instance.options.order_by("position", "pk"))
        for position, option in enumerate(options):
            option.position, option.key = position, option_key(position)
        Option.objects.bulk_update(options, ["position", "key"])


@admin.register(InterviewQuestion)
class InterviewQuestionAdmin(CourseScopedAdmin):
    course_path = "chapter__course"
    list_display = ["key", "chapter", "position", "retired"]
    list_filter = [("chapter__course", admin.RelatedOnlyFieldListFilter), "retired"]
    search_fields = ["key", "prompt"]
