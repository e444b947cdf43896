"""The loss curve on the student's chart (Grade.loss_history) is a visible training check's, never a
hidden one's: a hidden check's curve comes from data drawn for a hidden probe. Graded through
grader.grading and saved as a real grading saves it."""

import pytest

from grader import grading
from grader.models import Submission
from tests.base import BaseTestCase
from tests.grader.factories import make_exercise
from tests.grader.test_training_evidence import SGD_LINE as LOOP

pytestmark = pytest.mark.usefixtures("grading_backend")

# The hidden check comes first, and its curve has another length than the visible check's: whichever
# curve reaches the chart says which check it came from.
HIDDEN_CHECK = """
  - kind: training
    name: Fits a hidden line
    points: 1
    hidden: true
    data: {kind: linear, weight: [2, 4], bias: [-1, 1], noise: 0.1, n: 64}
    args: {epochs: 120, lr: 0.1}
    losses_per: epoch
    holdout: {n: 100}
    max_holdout_mse: 0.1
"""
VISIBLE_CHECK = """
  - kind: training
    name: Fits a visible line
    points: 1
    data: {kind: linear, weight: 3, bias: 0.5, noise: 0.1, n: 64}
    args: {epochs: 80, lr: 0.1}
    losses_per: epoch
    holdout: {n: 100}
    max_holdout_mse: 0.1
"""
SPEC = """
title: Fit lines
entry: {training: train}
limits: {wall_s: 20, memory_mb: 1024}
checks:
"""
class HiddenLossHistoryTests(BaseTestCase):
    def grade(self, checks):
        exercise = make_exercise(self.chapter, spec_yaml=SPEC + checks, solution=LOOP, starter=LOOP)
        version = exercise.current_version
        submission = Submission.objects.create(user=self.alice, exercise=exercise, code=LOOP, version=version)
        evaluation = grading.judge(version, LOOP, submission.seed)
        self.assertEqual(evaluation.score, evaluation.max_score, [o.staff_message or o.message
                                                                  for _, o in evaluation.outcomes])
        return grading.save_grade(submission, version, evaluation, f"submit:{submission.pk}")

    def test_a_hidden_checks_curve_never_reaches_the_chart(self):
        grade = self.grade(HIDDEN_CHECK)
        grade.refresh_from_db()
        self.assertEqual(grade.loss_history, {})
        self.assertEqual(grade.loss_curve, "")

    def test_beside_a_visible_check_the_chart_shows_the_visible_checks_curve(self):
        grade = self.grade(HIDDEN_CHECK + VISIBLE_CHECK)
        grade.refresh_from_db()
        self.assertEqual(len(grade.loss_history["student"]), 80)
        self.assertEqual(len(grade.loss_history["reference"]), 80)
