"""The sandbox's memory and output limits, seen through real grading: the student gets a grade
that names the limit, the grade records the sandbox status, and nothing of ours breaks."""

import pytest

from grader import grading
from grader.models import Submission
from tests.base import BaseTestCase
from tests.grader.factories import OUTER_SOLUTION, make_exercise

pytestmark = pytest.mark.usefixtures("grading_backend")

# The exercise allows 512 MB and 64 KB of output (tests/grader/factories.py's OUTER_SPEC and the
# default output limit). torch.ones touches every page, so the memory is really used.
MEMORY_HOG = OUTER_SOLUTION + "\nhog = torch.ones(2 << 30, dtype=torch.uint8)\n"
OUTPUT_FLOOD = OUTER_SOLUTION + "\nfor _ in range(10_000):\n    print('x' * 100)\n"


class LimitsThroughGradingTestCase(BaseTestCase):
    def setUp(self):
        super().setUp()
        self.exercise = make_exercise(self.chapter)

    def graded(self, code):
        submission = Submission.objects.create(user=self.alice, exercise=self.exercise, code=code,
                                               version=self.exercise.current_version)
        grade = grading.grade_submission(submission.pk)
        submission.refresh_from_db()
        # Graded, and charged as an ordinary attempt: not a failure of ours.
        self.assertEqual((submission.status, submission.counts_as_attempt), ("graded", True))
        return submission, grade

    def assert_reported(self, submission, grade, status, message):
        self.assertEqual(grade.sandbox_status, status)
        self.assertEqual(grade.score, 1)  # only the static api check
        self.assertIn(message, grade.error)
        for check in grade.checks.exclude(kind="api"):
            self.assertFalse(check.passed, check.name)
        visible = grade.checks.get(name="Examples")
        self.assertIn(message, visible.message)
        self.client.force_login(self.alice)
        self.assertContains(self.client.get(submission.get_absolute_url()), message)

    def assert_the_sandbox_still_grades(self):
        _, grade = self.graded(OUTER_SOLUTION)
        self.assertEqual((grade.score, grade.sandbox_status), (6, "ok"))

    def test_allocating_past_the_memory_limit_is_a_memory_limit_grade(self):
        submission, grade = self.graded(MEMORY_HOG)
        self.assert_reported(submission, grade, "memory_limit", "memory limit 512 MB exceeded")
        self.assertLessEqual(grade.peak_memory_bytes, 512 << 20)
        self.assert_the_sandbox_still_grades()

    def test_printing_past_the_output_limit_is_an_output_limit_grade(self):
        submission, grade = self.graded(OUTPUT_FLOOD)
        self.assert_reported(submission, grade, "output_limit", "output limit 64 KB exceeded")
        self.assertLessEqual(len(grade.stdout.encode()) + len(grade.stderr.encode()), 64 << 10)
        self.assert_the_sandbox_still_grades()
