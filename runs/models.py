"""Who takes a course, with whom, and when its work is due.

A Course is the content; a CourseRun is one teaching of it ("Spring 2027"): its own students and
teaching assistants (Enrollment), due dates and late policy (the run's, and per item in DueDate),
and extensions for a student or a group of students (Extension). The course's instructors
(Course.instructors) author the content and manage every run of it. A student belongs to one run
of a course at a time; an open run takes anyone signed in, who joins it with their first piece of
work. Which grades count where, and with what penalty, is computed from these rows by
runs.schedule; nothing here is copied onto a submission.
"""

import secrets

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from .late import DAY, LATE_CHOICES, PENALTY, REFUSE, UNIT_CHOICES, LatePolicy

JOIN_CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read aloud in a lecture


def new_join_code() -> str:
    return "".join(secrets.choice(JOIN_CODE_ALPHABET) for _ in range(8))


class LatePolicyFields(models.Model):
    """A late policy stored on a run (its default) or on one item of a run."""

    late_policy = models.CharField(max_length=8, choices=LATE_CHOICES, default=REFUSE)
    late_penalty_percent = models.FloatField(
        "penalty (%)", default=10, validators=[MinValueValidator(0), MaxValueValidator(100)])
    late_penalty_unit = models.CharField("per", max_length=4, choices=UNIT_CHOICES, default=DAY)
    late_cutoff_hours = models.PositiveIntegerField(
        "cut-off (hours after the deadline)", default=72, validators=[MaxValueValidator(24 * 365)])

    class Meta:
        abstract = True

    def clean(self):
        if self.late_policy == PENALTY and not self.late_cutoff_hours:
            raise ValidationError({"late_cutoff_hours": "Late work needs a cut-off: at least one hour after the deadline."})

    @property
    def policy(self) -> LatePolicy:
        return LatePolicy(self.late_policy, self.late_penalty_percent, self.late_penalty_unit,
                          self.late_cutoff_hours)


class CourseRun(LatePolicyFields):
    course = models.ForeignKey("courses.Course", models.CASCADE, related_name="runs")
    slug = models.SlugField()
    title = models.CharField(max_length=200)
    starts_on = models.DateField(null=True, blank=True)
    ends_on = models.DateField(null=True, blank=True)
    open_to_all = models.BooleanField(
        "open to anyone", default=False,
        help_text="Anyone signed in may work in it, and joins its roster with their first submission or quiz.")
    join_code = models.CharField(max_length=12, unique=True, default=new_join_code)
    joining_enabled = models.BooleanField(
        "the invitation link and join code work", default=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["course", "-created_at", "-pk"]
        constraints = [models.UniqueConstraint(fields=["course", "slug"], name="unique_run_slug")]

    def __str__(self):
        return f"{self.course.title}: {self.title}"

    def clean(self):
        super().clean()
        if self.starts_on and self.ends_on and self.ends_on < self.starts_on:
            raise ValidationError({"ends_on": "A run cannot end before it starts."})

    def get_absolute_url(self):
        return reverse("run_roster", args=[self.pk])

    def join_url(self):
        return reverse("join_run", args=[self.join_code])

    def students(self):
        """The run's roster: every student enrolled, whether or not they ever submitted."""
        return get_user_model().objects.filter(
            enrollments__run=self, enrollments__role=Enrollment.STUDENT).order_by("username")

    def new_join_code(self) -> None:
        """A new code (the old link stops working), e.g. after the old one leaked."""
        self.join_code = new_join_code()
        self.save(update_fields=["join_code"])


class Enrollment(models.Model):
    STUDENT, TA = "student", "ta"
    ROLES = [(STUDENT, "student"), (TA, "teaching assistant")]

    run = models.ForeignKey(CourseRun, models.CASCADE, related_name="enrollments")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, models.CASCADE, related_name="enrollments")
    role = models.CharField(max_length=8, choices=ROLES, default=STUDENT)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["run", "user__username"]
        constraints = [models.UniqueConstraint(fields=["run", "user"], name="unique_enrollment")]

    def __str__(self):
        return f"{self.user} in {self.run} as {self.get_role_display()}"


class StudentGroup(models.Model):
    """Students who share extensions (a lab section, students with the same accommodation)."""

    run = models.ForeignKey(CourseRun, models.CASCADE, related_name="groups")
    name = models.CharField(max_length=100)
    members = models.ManyToManyField(settings.AUTH_USER_MODEL, related_name="student_groups", blank=True)

    class Meta:
        ordering = ["run", "name"]
        constraints = [models.UniqueConstraint(fields=["run", "name"], name="unique_group_name")]

    def __str__(self):
        return self.name


class RunItem(models.Model):
    """Points at one exercise, or at one chapter's quiz, of the run's course."""

    exercise = models.ForeignKey("grader.Exercise", models.CASCADE, null=True, blank=True, related_name="+")
    quiz = models.ForeignKey("courses.Chapter", models.CASCADE, null=True, blank=True, related_name="+",
                             help_text="The chapter whose quiz this is about.")

    class Meta:
        abstract = True

    @property
    def item_title(self) -> str:
        return self.exercise.title if self.exercise_id else f"Quiz: {self.quiz.title}"

    @classmethod
    def one_item(cls, name: str) -> models.CheckConstraint:
        return models.CheckConstraint(
            condition=Q(exercise__isnull=True, quiz__isnull=False) | Q(exercise__isnull=False, quiz__isnull=True),
            name=name)


class DueDate(RunItem, LatePolicyFields):
    """A run's deadline for one item, and (when `own_late_policy`) that item's own late policy.
    Without a row an item is due when the course says (Exercise.deadline, Chapter.quiz_deadline)
    under the run's late policy."""

    run = models.ForeignKey(CourseRun, models.CASCADE, related_name="due_dates")
    due_at = models.DateTimeField("due", null=True, blank=True, help_text="Empty: no deadline.")
    own_late_policy = models.BooleanField(
        default=False, help_text="Use the late policy below for this item instead of the run's.")

    def clean(self):
        if self.own_late_policy:  # otherwise the fields are unused
            super().clean()

    class Meta:
        constraints = [
            RunItem.one_item("due_date_names_one_item"),
            models.UniqueConstraint(fields=["run", "exercise"], name="unique_exercise_due_date"),
            models.UniqueConstraint(fields=["run", "quiz"], name="unique_quiz_due_date"),
        ]


class Extension(RunItem):
    """A later deadline for one student, or for every member of a group, on one item."""

    run = models.ForeignKey(CourseRun, models.CASCADE, related_name="extensions")
    student = models.ForeignKey(settings.AUTH_USER_MODEL, models.CASCADE, null=True, blank=True,
                                related_name="extensions")
    group = models.ForeignKey(StudentGroup, models.CASCADE, null=True, blank=True, related_name="extensions")
    due_at = models.DateTimeField("new deadline")
    reason = models.CharField(max_length=300, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["run", "due_at"]
        constraints = [
            RunItem.one_item("extension_names_one_item"),
            models.CheckConstraint(
                condition=Q(student__isnull=True, group__isnull=False) | Q(student__isnull=False, group__isnull=True),
                name="extension_names_one_student_or_group"),
        ]

    @property
    def who(self) -> str:
        return self.student.get_username() if self.student_id else f"group {self.group.name}"
