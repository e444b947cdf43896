"""Stored reference answers are used only by the harness that made them.

The harness decides the form of every answer (how an exception's classes are named, what a
training run returns); an answer stored by another release's harness may not read as this one's
would. Such entries are neither claimed for a new submission nor read for a grading: the pool
counts them as missing, and a submission graded on such a seed runs the reference beside it.
"""

import pytest
from django.test import override_settings

from grader import grading, reference_pool
from grader.models import ReferenceAnswers, Submission
from grader.runner import get_backend
from judging.harness_file import HARNESS_DIGEST
from tests.base import BaseTestCase
from tests.grader.factories import OUTER_SOLUTION, make_exercise
from tests.grader.test_reference_pool import CountingBackend

pytestmark = pytest.mark.usefixtures("grading_backend")


@override_settings(GRADER_REFERENCE_POOL_SIZE=2)
class ReferencePoolHarnessTestCase(BaseTestCase):
    def setUp(self):
        super().setUp()
        self.exercise = make_exercise(self.chapter)
        self.version = self.exercise.current_version
        reference_pool.fill(self.version, get_backend(), most=2)
        self.old = ReferenceAnswers.objects.order_by("pk").first()
        ReferenceAnswers.objects.filter(pk=self.old.pk).update(harness="an-older-one")

    def test_entries_of_another_harness_are_not_claimed_and_count_as_missing(self):
        self.assertEqual(ReferenceAnswers.objects.exclude(pk=self.old.pk).get().harness, HARNESS_DIGEST)
        self.assertEqual(reference_pool.missing(self.version), 1)
        self.assertNotEqual(ReferenceAnswers.claim_for(self.version).pk, self.old.pk)

    def test_a_grading_on_such_a_seed_runs_the_reference_beside_the_student_s_code(self):
        self.assertIsNone(reference_pool.answers_for(self.version, self.old.seed))
        submission = Submission.objects.create(user=self.alice, exercise=self.exercise, version=self.version,
                                               code=OUTER_SOLUTION.replace("@", " @ "), seed=self.old.seed)
        backend = CountingBackend(get_backend())
        grade = grading.grade_submission(submission.pk, backend=backend)
        self.assertEqual(grade.score, 6)
        self.assertIn(OUTER_SOLUTION, backend.sources)  # the reference ran
