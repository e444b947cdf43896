"""Forms for a course's runs: a new run, a run's settings, the roster upload and the join code.

Trusted: the course a new run belongs to (the view checked its instructor). The slug is checked
against that course's runs here, since the form does not hold the course field.
"""

import re

from django import forms

from .models import CourseRun
from .roster import FORMAT, MAX_MEGABYTES, MAX_ROWS, normalize_code

DATE_WIDGETS = {"starts_on": forms.DateInput(attrs={"type": "date"}),
                "ends_on": forms.DateInput(attrs={"type": "date"})}


class NewRunForm(forms.ModelForm):
    class Meta:
        model = CourseRun
        fields = ["title", "slug", "starts_on", "ends_on", "open_to_all"]
        widgets = DATE_WIDGETS
        help_texts = {"slug": "Letters, digits and hyphens: how the gradebook's address names the run."}

    def __init__(self, course, *args, **kwargs):
        super().__init__(*args, instance=CourseRun(course=course), **kwargs)

    def clean_slug(self):
        slug = self.cleaned_data["slug"]
        if self.instance.course.runs.filter(slug=slug).exists():
            raise forms.ValidationError("This course already has a run with this slug.")
        return slug


class RunSettingsForm(forms.ModelForm):
    class Meta:
        model = CourseRun
        fields = ["title", "starts_on", "ends_on", "open_to_all", "joining_enabled",
                  "late_policy", "late_penalty_percent", "late_penalty_unit", "late_cutoff_hours"]
        widgets = DATE_WIDGETS


class RosterUploadForm(forms.Form):
    roster = forms.FileField(label="CSV file", help_text=(
        f"UTF-8, at most {MAX_MEGABYTES} MB and {MAX_ROWS} rows, an optional header row; {FORMAT}."))


class JoinCodeForm(forms.Form):
    code = forms.CharField(label="Join code", max_length=40)

    def clean_code(self):
        code = normalize_code(self.cleaned_data["code"])
        if not re.fullmatch(r"[A-Z0-9]+", code):
            raise forms.ValidationError("A join code has letters and digits only.")
        return code
