from grader.models import CheckResult, Grade, Submission
from runs.models import Enrollment
from tests.base import BaseTestCase
from tests.grader.factories import OUTER_SOLUTION, make_exercise


class StaffTestCase(BaseTestCase):
    """The shared course plus one exercise, and a way to make graded submissions quickly."""

    def setUp(self):
        super().setUp()
        self.exercise = make_exercise(self.chapter)

    def enroll(self, *users):
        """`users` join the course's open run (as the site does on a first submission or quiz),
        unless they are on a run's roster already."""
        for user in users:
            if not Enrollment.objects.filter(run__course=self.course, user=user).exists():
                Enrollment.objects.create(run=self.course.runs.get(slug="open"), user=user)

    def graded(self, user, score, failed_checks=(), code=OUTER_SOLUTION):
        """A graded submission of `user`, enrolled in the open run unless on a roster already."""
        self.enroll(user)
        submission = Submission.objects.create(user=user, exercise=self.exercise, code=code, status="graded",
                                               version=self.exercise.current_version)
        grade = Grade.objects.create(submission=submission, request=f"submit:{submission.pk}", score=score,
                                     max_score=6, seed=submission.seed, torch_version="2.13.0", device="cpu",
                                     sandbox_status="ok", version=self.exercise.current_version)
        for position, name in enumerate(failed_checks):
            CheckResult.objects.create(grade=grade, position=position, name=name, kind="value", passed=False,
                                       points=0, max_points=2, message="wrong")
        return submission
