"""One grading request, one Grade: saving it again changes nothing, and the database itself
refuses a second Grade with the same request token (a task delivered twice grades once)."""

import pytest
from django.db import IntegrityError, transaction

from grader import grading
from grader.models import CheckResult, Grade, Submission
from tests.base import BaseTestCase
from tests.grader.factories import OUTER_SOLUTION, make_exercise

pytestmark = pytest.mark.usefixtures("grading_backend")


class GradeIdempotencyTestCase(BaseTestCase):
    def setUp(self):
        super().setUp()
        self.exercise = make_exercise(self.chapter)
        self.submission = Submission.objects.create(user=self.alice, exercise=self.exercise, code=OUTER_SOLUTION,
                                                    version=self.exercise.current_version)
        self.version = self.exercise.current_version
        self.evaluation = grading.judge(self.version, self.submission.code, self.submission.seed)

    def test_saving_the_same_grading_twice_leaves_one_grade(self):
        request = f"submit:{self.submission.pk}"
        first = grading.save_grade(self.submission, self.version, self.evaluation, request)
        second = grading.save_grade(self.submission, self.version, self.evaluation, request)
        self.assertIsNotNone(first)
        self.assertIsNone(second)
        self.assertEqual(list(Grade.objects.all()), [first])
        self.assertEqual(CheckResult.objects.count(), 3)
        self.submission.refresh_from_db()
        self.assertEqual((self.submission.status, self.submission.final_score), ("graded", 6))

    def test_two_different_requests_make_two_grades(self):
        grading.save_grade(self.submission, self.version, self.evaluation, "regrade:one")
        grading.save_grade(self.submission, self.version, self.evaluation, "regrade:two")
        self.assertEqual(sorted(Grade.objects.values_list("request", flat=True)), ["regrade:one", "regrade:two"])

    def test_the_database_refuses_a_second_grade_for_the_same_request(self):
        grade = grading.save_grade(self.submission, self.version, self.evaluation, f"submit:{self.submission.pk}")
        duplicate = {field.attname: getattr(grade, field.attname) for field in Grade._meta.concrete_fields
                     if not field.primary_key}
        with self.assertRaises(IntegrityError), transaction.atomic():
            Grade.objects.create(**duplicate)
        self.assertEqual(Grade.objects.count(), 1)
