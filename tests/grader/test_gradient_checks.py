"""A plain gradient check compares the student's gradients with the reference's: a right forward
pass with a wrong backward passes the value check and fails the gradient check."""

import pytest

from grader import grading
from grader.models import Submission
from tests.base import BaseTestCase
from tests.grader.factories import make_exercise

pytestmark = pytest.mark.usefixtures("grading_backend")

SPEC = """
title: Square
entry: {function: square}
checks:
  - kind: value
    name: Values
    points: 1
    random: {count: 2, args: [{randn: [4]}]}
  - kind: gradient
    name: Gradients
    points: 1
    random: {count: 2, args: [{randn: [4]}]}
"""
SOLUTION = "def square(x):\n    return x * x\n"
CUSTOM_FUNCTION = """
import torch

class Square(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x * x

    @staticmethod
    def backward(ctx, grad_output):
        (x,) = ctx.saved_tensors
        return grad_output * {derivative}

def square(x):
    return Square.apply(x)
"""


class ExerciseGradingTestCase(BaseTestCase):
    """Grades code through the real sandbox against an exercise made of `spec_yaml` and `solution`."""

    spec_yaml = solution = ""

    def setUp(self):
        super().setUp()
        self.exercise = make_exercise(self.chapter, spec_yaml=self.spec_yaml, solution=self.solution)

    def grade(self, code):
        """The graded checks, by name."""
        submission = Submission.objects.create(user=self.alice, exercise=self.exercise,
                                               version=self.exercise.current_version, code=code)
        return {check.name: check for check in grading.grade_submission(submission.pk).checks.all()}


class GradientCheckTestCase(ExerciseGradingTestCase):
    spec_yaml, solution = SPEC, SOLUTION

    def test_a_right_backward_passes_both_checks(self):
        checks = self.grade(CUSTOM_FUNCTION.format(derivative="2 * x"))
        self.assertTrue(checks["Values"].passed, checks["Values"].message)
        self.assertTrue(checks["Gradients"].passed, checks["Gradients"].message)

    def test_a_wrong_backward_fails_only_the_gradient_check(self):
        checks = self.grade(CUSTOM_FUNCTION.format(derivative="x"))
        self.assertTrue(checks["Values"].passed, checks["Values"].message)
        self.assertFalse(checks["Gradients"].passed)
        self.assertIn("input grads[0]: tensors are not close", checks["Gradients"].message)

    def test_a_detached_forward_fails_only_the_gradient_check(self):
        # The value is x * x, but the graph only sees `+ x`: the gradient is 1, not 2x.
        checks = self.grade("def square(x):\n    return (x * x).detach() + x - x.detach()\n")
        self.assertTrue(checks["Values"].passed, checks["Values"].message)
        self.assertFalse(checks["Gradients"].passed)
        self.assertIn("input grads[0]: tensors are not close", checks["Gradients"].message)
