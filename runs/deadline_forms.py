"""The items of a run that have deadlines (exercises, quizzes), and the forms with which a
course's instructors set a run's due dates, group students and grant extensions.

Trusted: the run (its course's instructor was checked by the view). Everything posted is checked
here against that run: items belong to its course, students to its roster, groups to the run.
"""

from dataclasses import dataclass

from django import forms
from django.db.models import Count, Prefetch, Q
from django.http import Http404

from courses.models import Chapter
from grader.models import Exercise

from .late import LatePolicy, Window, shown_time
from .models import CourseRun, DueDate, Extension, StudentGroup
from .schedule import Schedule


@dataclass(frozen=True)
class Item:
    """One exercise, or one chapter's quiz, of a course: what a due date or an extension is about."""

    exercise: Exercise | None = None
    quiz: Chapter | None = None

    @property
    def key(self) -> str:
        """How URLs and forms name it: `exercise-<pk>` or `quiz-<chapter pk>`."""
        return f"exercise-{self.exercise.pk}" if self.exercise else f"quiz-{self.quiz.pk}"

    @property
    def title(self) -> str:
        return self.exercise.title if self.exercise else f"Quiz: {self.quiz.title}"

    @property
    def course_deadline(self):
        return self.exercise.deadline if self.exercise else self.quiz.quiz_deadline

    @property
    def lookup(self) -> dict:
        """The RunItem fields naming it, to filter or create due dates and extensions."""
        return {"exercise": self.exercise, "quiz": self.quiz}

    def window(self, schedule: Schedule, user=None) -> Window:
        """`user`'s window in the schedule's run; without a user, the run's own (no extension)."""
        if self.exercise:
            return schedule.exercise_window(user, self.exercise)
        return schedule.quiz_window(user, self.quiz)


def course_items(course) -> list[Item]:
    """Every exercise that is not retired and every quiz (a chapter with questions that are not
    retired) of `course`, in course order: a chapter's exercises, then its quiz. Retired
    chapters are left out: their work is out of students' reach."""
    chapters = (course.chapters.filter(retired=False)
                .annotate(questions_left=Count("questions", filter=Q(questions__retired=False)))
                .prefetch_related(Prefetch("exercises", queryset=Exercise.objects.filter(retired=False))))
    items = []
    for chapter in chapters:
        items += [Item(exercise=exercise) for exercise in chapter.exercises.all()]
        if chapter.questions_left:
            items.append(Item(quiz=chapter))
    return items


def find_item(course, key: str) -> Item:
    """The item of `course` named `key`; 404 for any other (another course's, a retired one)."""
    for item in course_items(course):
        if item.key == key:
            return item
    raise Http404("No such exercise or quiz in this course.")


def short_policy(policy: LatePolicy) -> str:
    """A late policy in a few words, for the audit log (whose texts are short)."""
    if not policy.accepts_late_work:
        return "no late work"
    return f"late work -{policy.penalty_percent:g}%/{policy.unit} until +{policy.cutoff_hours} h"


def deadline_text(moment) -> str:
    return shown_time(moment) if moment else "no deadline"


def deadlines_of(run: CourseRun, item: Item, student=None, group: StudentGroup | None = None) -> str:
    """The deadline(s) that `student`, or the members of `group`, have for `item` now."""
    members = [student] if student else list(group.members.all())
    schedule = Schedule(run, members)
    windows = [item.window(schedule, member) for member in members] or [item.window(schedule)]  # an empty group
    moments = sorted({window.due_at for window in windows}, key=lambda moment: (moment is not None, moment))
    if len(moments) == 1:
        return deadline_text(moments[0])
    return f"from {deadline_text(moments[0])} to {deadline_text(moments[-1])}"


class DateTimeLocalInput(forms.DateTimeInput):
    """A browser's date and time picker; Django reads the value in the active time zone."""

    input_type = "datetime-local"

    def __init__(self, attrs=None):
        super().__init__(attrs, format="%Y-%m-%dT%H:%M")


class DueDateForm(forms.ModelForm):
    """A run's deadline for one item and, for an exercise, its own late policy (a quiz takes no
    late work). An empty due date gives the item back the course's deadline."""

    class Meta:
        model = DueDate
        fields = ["due_at", "own_late_policy", "late_policy", "late_penalty_percent", "late_penalty_unit",
                  "late_cutoff_hours"]
        widgets = {"due_at": DateTimeLocalInput()}
        help_texts = {"due_at": "Empty: the course's deadline."}

    POLICY_FIELDS = ["late_policy", "late_penalty_percent", "late_penalty_unit", "late_cutoff_hours"]

    def __init__(self, run: CourseRun, item: Item, *args, **kwargs):
        instance = DueDate.objects.filter(run=run, **item.lookup).first() or DueDate(run=run, **item.lookup)
        super().__init__(*args, instance=instance, auto_id=f"id_{item.key}_%s", **kwargs)
        self.item = item
        for name in self.POLICY_FIELDS:
            self.fields[name].required = False  # only with own_late_policy
        if item.quiz:
            for name in ["own_late_policy", *self.POLICY_FIELDS]:
                del self.fields[name]

    def clean(self):
        data = super().clean()
        missing = [name for name in self.POLICY_FIELDS if name in self.fields and data.get(name) in (None, "")]
        if not data.get("own_late_policy"):
            for name in missing:  # unused: keep what the row had
                data[name] = getattr(self.instance, name)
            return data
        for name in missing:
            self.add_error(name, "Needed for the item's own late policy.")
        if data.get("due_at") is None:
            self.add_error("due_at", "Give the item its own due date in this run to give it its own late policy.")
        return data

    def follows_course(self) -> bool:
        """Whether the item goes back to the course's deadline and the run's late policy: no row."""
        return self.cleaned_data["due_at"] is None and not self.cleaned_data.get("own_late_policy")


class GroupForm(forms.ModelForm):
    class Meta:
        model = StudentGroup
        fields = ["name", "members"]
        widgets = {"members": forms.SelectMultiple(attrs={"size": 8})}

    def __init__(self, run: CourseRun, *args, **kwargs):
        instance = kwargs.pop("instance", None) or StudentGroup(run=run)
        prefix = f"group-{instance.pk}" if instance.pk else "new-group"
        super().__init__(*args, instance=instance, auto_id=f"id_{prefix}_%s", **kwargs)
        self.run = run
        members = self.fields["members"]
        members.queryset = run.students()
        members.required = False
        members.help_text = "Students of this run; hold Ctrl (⌘ on a Mac) to choose several."
        members.error_messages["invalid_choice"] = "That is not a student of this run."

    def clean_name(self) -> str:
        # The form leaves `run` out, so Django does not check the unique name itself.
        name = self.cleaned_data["name"]
        if self.run.groups.filter(name__iexact=name).exclude(pk=self.instance.pk).exists():
            raise forms.ValidationError(f"This run already has a group named {name!r}.")
        return name


class ExtensionForm(forms.ModelForm):
    """A later deadline for one student of the run or one of its groups, on one item."""

    # Not model fields of the form: Django would add its own, unworded, error for the model's
    # "one student or one group" constraint next to the one clean() gives.
    student = forms.ModelChoiceField(None, required=False, help_text="A student or a group, not both.",
                                     error_messages={"invalid_choice": "That is not a student of this run."})
    group = forms.ModelChoiceField(None, required=False, help_text="A student or a group, not both.",
                                   error_messages={"invalid_choice": "That is not a group of this run."})
    item = forms.ChoiceField(label="Exercise or quiz")
    field_order = ["student", "group", "item", "due_at", "reason"]

    class Meta:
        model = Extension
        fields = ["due_at", "reason"]
        widgets = {"due_at": DateTimeLocalInput()}
        help_texts = {"due_at": "In your time zone."}

    def __init__(self, run: CourseRun, *args, **kwargs):
        super().__init__(*args, instance=Extension(run=run), **kwargs)
        self.run = run
        self.items = {item.key: item for item in course_items(run.course)}
        self.fields["item"].choices = [("", "---------")] + [(key, item.title) for key, item in self.items.items()]
        self.fields["student"].queryset = run.students()
        self.fields["student"].label_from_instance = lambda user: user.get_username()
        self.fields["group"].queryset = run.groups.all()

    def clean(self):
        data = super().clean()
        if bool(data.get("student")) == bool(data.get("group")):
            raise forms.ValidationError("Choose a student or a group (exactly one).")
        item = self.items.get(data.get("item"))
        if item and data.get("due_at"):
            deadline = item.window(Schedule(self.run, [])).due_at
            if deadline is None:
                self.add_error("item", f"{item.title} has no deadline in this run: there is nothing to extend.")
            elif data["due_at"] <= deadline:
                self.add_error("due_at", f"The new deadline must be later than the deadline of {item.title} "
                                         f"in this run, {shown_time(deadline)}.")
        return data

    def save(self, created_by) -> Extension:
        extension = self.instance
        extension.student, extension.group = self.cleaned_data["student"], self.cleaned_data["group"]
        extension.exercise, extension.quiz = self.chosen_item.exercise, self.chosen_item.quiz
        extension.created_by = created_by
        return super().save()

    @property
    def chosen_item(self) -> Item:
        return self.items[self.cleaned_data["item"]]
