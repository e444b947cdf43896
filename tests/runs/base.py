"""The shared run of the runs tests: the staff test course and exercise, due at DEADLINE, and a
run "Spring 2027" with alice and bob as students and tom as its teaching assistant."""

from datetime import datetime, timezone as dt_timezone

from django.contrib.auth.models import User

from runs.models import CourseRun, Enrollment, Extension
from runs.schedule import Schedule
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
