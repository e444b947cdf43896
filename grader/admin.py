"""Exercises in the authoring admin.

Besides the fields students see, an author edits the exercise.yaml text and the reference
solution: a change to either is checked by the reader import uses and saved as a new version,
whose validation is queued. Only an exercise whose current version passed validation may be
published. The same page runs a mutation analysis of the current version (analysis app) and shows
the latest one.
"""

import json

from django import forms
from django.contrib import admin, messages
from django.http import Http404
from django.shortcuts import redirect
from django.template.loader import render_to_string
from django.urls import path
from django.views.decorators.http import require_POST

from analysis.models import MutationAnalysis
from courses.admin import CourseScopedAdmin, SourceText, unpublish
from courses.loader import Problems, load_yaml
from judging.reader import read_spec

from .content import check_python, set_top_level
from .models import Exercise, ExerciseValidation

CODE_WIDGET = forms.Textarea(attrs={"rows": 16, "cols": 100, "spellcheck": "false", "class": "code"})

# The exercise's fields that exercise.yaml declares too, and where the spec keeps them.
SPEC_FIELDS = {
    "title": lambda spec: spec.title,
    "device": lambda spec: spec.device,
    "max_attempts": lambda spec: spec.attempts.max,
    "min_interval_s": lambda spec: spec.attempts.min_interval_s,
}


def problem_lines(problems):
    return [f"Line {problem.line}: {problem.message}" for problem in problems]


class ExerciseForm(forms.ModelForm):
    spec_source = SourceText(
        label="exercise.yaml", strip=False, widget=CODE_WIDGET,
        help_text="The checks, limits and entry point (the course folder's format). The title, device "
                  "and attempt rules above are written into it when you change them there.",
    )
    solution_code = SourceText(label="Reference solution", strip=False, widget=CODE_WIDGET)
    starter_code = SourceText(strip=False, widget=CODE_WIDGET)

    class Meta:
        model = Exercise
        fields = "__all__"

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        version = self.instance.current_version
        if version is not None:
            self.initial.update(spec_source=version.spec_source, solution_code=version.solution_code)
        if self.instance.pk is None:
            self.initial["published"] = False  # a new exercise has no validated version yet
        self.spec = None
        self.new_version = False

    def clean_starter_code(self):
        return self.python("starter_code", "starter.py")

    def clean_solution_code(self):
        return self.python("solution_code", "solution.py")

    def python(self, field, filename):
        text = self.cleaned_data[field]
        problems = Problems()
        check_python(filename, text, problems)
        if problems:
            raise forms.ValidationError(problem_lines(problems))
        return text

    def read_spec(self, source):
        problems = Problems()
        data = load_yaml("exercise.yaml", problems, text=source)
        spec = None if data is None else read_spec("exercise.yaml", data, problems)
        if problems:
            self.add_error("spec_source", problem_lines(problems))
            return None
        # provided.py and the self-tests are not edited here: they stay what the exercise folder gave.
        current = self.instance.current_version if self.instance.pk else None
        return spec if current is None else spec.with_files(current.spec.provided, current.spec.selftests)

    def clean(self):
        cleaned = super().clean()
        source, solution = cleaned.get("spec_source"), cleaned.get("solution_code")
        if source is None or solution is None or any(name not in cleaned for name in SPEC_FIELDS):
            return cleaned
        spec = self.read_spec(source)
        if spec is None:
            return cleaned
        source = self.write_edited_fields(source, spec, cleaned)
        if source != cleaned["spec_source"]:
            spec = self.read_spec(source)
            if spec is None:
                return cleaned
        # Like import: the YAML sets these, so exporting and re-importing keeps them.
        for name, read in SPEC_FIELDS.items():
            cleaned[name] = read(spec)
        cleaned["spec_source"] = source
        self.spec = spec

        current = self.instance.current_version
        self.new_version = current is None or not current.is_same(spec, source, solution)
        was_published = self.instance.pk is not None and self.instance.published
        if cleaned.get("published") and not was_published:
            if self.new_version:
                self.add_error("published", "This save makes a new version, which has not been validated: "
                                            "save it unpublished, validate it, then publish.")
            elif refusal := self.instance.publish_refusal():
                self.add_error("published", f"Cannot publish: {refusal}")
        return cleaned

    def write_edited_fields(self, source, spec, cleaned):
        """Write the fields changed on this form into the YAML text."""
        edited = {
            name for name, read in SPEC_FIELDS.items()
            if name in self.changed_data and cleaned[name] != read(spec)
        }
        if "title" in edited:
            # JSON strings are YAML strings, quoted and escaped.
            source = set_top_level(source, "title", json.dumps(cleaned["title"], ensure_ascii=False))
        if "device" in edited:
            source = set_top_level(source, "device", cleaned["device"])
        if edited & {"max_attempts", "min_interval_s"}:
            attempts = f"min_interval_s: {cleaned['min_interval_s']}"
            if cleaned["max_attempts"] is not None:
                attempts = f"max: {cleaned['max_attempts']}, {attempts}"
            source = set_top_level(source, "attempts", f"{{{attempts}}}")
        return source


@admin.register(Exercise)
class ExerciseAdmin(CourseScopedAdmin):
    form = ExerciseForm
    course_path = "chapter__course"
    preview_field = "prompt"
    list_display = ["title", "chapter", "position", "published", "version", "validation_status", "deadline"]
    list_filter = [("chapter__course", admin.RelatedOnlyFieldListFilter), "published", "retired"]
    list_select_related = ["chapter__course", "current_version"]
    search_fields = ["title", "slug"]
    readonly_fields = ["current_version", "validation", "mutation_analysis"]
    actions = ["publish", unpublish, "validate"]
    fieldsets = [
        (None, {"fields": ["chapter", "slug", "position", "title", "prompt", "starter_code"]}),
        ("Attempt rules", {"fields": ["device", "max_attempts", "min_interval_s", "deadline"]}),
        ("Checks and reference solution", {
            "fields": ["spec_source", "solution_code"],
            "description": "Changing either saves a new version of the exercise and queues its validation.",
        }),
        ("Publishing", {"fields": ["published", "retired", "current_version", "validation"]}),
        ("Mutation analysis", {
            "fields": ["mutation_analysis"],
            "description": "Small faults put into the reference solution, each graded on several seeds: a fault "
                           "that keeps full marks is a mistake no check tells apart from the solution.",
        }),
    ]

    @admin.display(description="version")
    def version(self, exercise):
        return exercise.current_version.number if exercise.current_version else None

    @admin.display(description="validation")
    def validation_status(self, exercise):
        validation = exercise.latest_validation()
        return validation.status if validation else "not validated"

    @admin.display(description="Latest validation")
    def validation(self, exercise):
        return render_to_string("admin/grader/exercise/validation.html", {
            "validation": exercise.newest_validation() if exercise.pk else None,
            "current_version": exercise.current_version if exercise.pk else None,
        })

    @admin.display(description="Latest analysis")
    def mutation_analysis(self, exercise):
        analysis = (MutationAnalysis.objects.filter(version__exercise=exercise).select_related("version").first()
                    if exercise.pk else None)
        return render_to_string("analysis/mutation_analysis.html", {
            "analysis": analysis, "report": analysis.report if analysis else None,
            "current_version": exercise.current_version if exercise.pk else None,
        })

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if form.new_version:
            version = obj.set_version(form.spec, form.cleaned_data["spec_source"], form.cleaned_data["solution_code"])
            ExerciseValidation.request(obj, request.user)
            self.message_user(request, f"Saved as version {version.number}; its validation is queued "
                                       "(a published exercise is unpublished if it fails).")

    def get_urls(self):
        validate = self.admin_site.admin_view(require_POST(self.validate_view))
        analyse = self.admin_site.admin_view(require_POST(self.analyse_mutants_view))
        return [path("<path:object_id>/validate/", validate, name="grader_exercise_validate"),
                path("<path:object_id>/mutants/", analyse, name="grader_exercise_mutants"), *super().get_urls()]

    def validate_view(self, request, object_id):
        exercise = self.get_object(request, object_id)
        if exercise is None:  # get_object sees only the instructor's own courses
            raise Http404("No such exercise")
        self.validate(request, Exercise.objects.filter(pk=exercise.pk))
        return redirect("admin:grader_exercise_change", exercise.pk)

    def analyse_mutants_view(self, request, object_id):
        exercise = self.get_object(request, object_id)
        if exercise is None:  # get_object sees only the instructor's own courses
            raise Http404("No such exercise")
        MutationAnalysis.request(exercise, request.user)
        self.message_user(request, "Mutation analysis queued: it runs in the background, a few mutants at a time, "
                                   "and its results appear below as they come.")
        return redirect("admin:grader_exercise_change", exercise.pk)

    @admin.action(description="Validate the selected %(verbose_name_plural)s")
    def validate(self, request, queryset):
        for exercise in queryset:
            ExerciseValidation.request(exercise, request.user)
        self.message_user(request, f"Validation queued for {len(queryset)}: the results appear on each "
                                   "exercise's page within a minute.")

    @admin.action(description="Publish the selected %(verbose_name_plural)s")
    def publish(self, request, queryset):
        ready = []
        for exercise in queryset.select_related("current_version"):
            if refusal := exercise.publish_refusal():
                self.message_user(request, f"{exercise} was not published: {refusal}", messages.ERROR)
            else:
                ready.append(exercise.pk)
        if ready:
            self.message_user(request, f"{Exercise.objects.filter(pk__in=ready).update(published=True)} published.")
