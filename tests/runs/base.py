"""The shared runs of the runs tests: RunTestCase (the staff test course and exercise, due at
DEADLINE, and a run "Spring 2027" with alice and bob as students and tom as its teaching
assistant) and RosterTestCase (the shared course with a run "Spring 2027", alice a student and
tara its teaching assistant)."""

from datetime import datetime, timezone as dt_timezone

from django.contrib.auth.models import User

from runs.models import CourseRun, Enrollment, Extension
from runs.schedule import Schedule
from tests.base import BaseTestCase
from tests.staff.base import StaffTestCase

DEADLINE = datetime(2027, 3, 1, 12, 0, tzinfo=dt_timezone.utc)


class RunTestCase(StaffTestCase):
    """The shared course and exercise (due at DEADLINE), and a run "Spring 2027" with alice and
    bob as students and tom as its teaching assistant."""

    def setUp(self):
        super().setUp()
        self.exercise.deadline = DEADLINE
        self.exercise.save()
        self.run = CourseRun.objects.create(course=self.course, slug="spring", title="Spring 2027")
        self.tom = User.objects.create_user("tom", "tom@example.org", "x")
        for user in (self.alice, self.bob):
            Enrollment.objects.create(run=self.run, user=user)
        Enrollment.objects.create(run=self.run, user=self.tom, role=Enrollment.TA)

    def extend(self, due_at, student=None, group=None, **item):
        return Extension.objects.create(run=self.run, student=student, group=group, due_at=due_at,
                                        **(item or {"exercise": self.exercise}))

    def window(self, user=None, run=None):
        return Schedule(run or self.run).exercise_window(user or self.alice, self.exercise)


class RosterTestCase(BaseTestCase):
    """The shared course with a run "Spring 2027" (alice a student, tara its teaching assistant)."""

    def setUp(self):
        super().setUp()
        self.run = CourseRun.objects.create(course=self.course, slug="spring", title="Spring 2027",
                                            join_code="SPRNG27X")
        self.tara = User.objects.create_user("tara", "tara@example.org", "x", first_name="Tara", last_name="Ng")
        self.enrollment = Enrollment.objects.create(run=self.run, user=self.alice)
        Enrollment.objects.create(run=self.run, user=self.tara, role=Enrollment.TA)
        self.url = f"/staff/runs/{self.run.pk}/"
