"""gradcheck-style checks: the backward a student wrote must agree with finite differences of
their own forward pass, computed on the trusted side from outputs the reference also checks."""

import pytest
import torch

from grader import grading
from judging.verdicts import check_finite_differences
from judging.compare import Mismatch
from grader.models import Submission
from tests.base import BaseTestCase
from tests.grader.factories import make_exercise

pytestmark = pytest.mark.usefixtures("grading_backend")

SPEC = """
title: Cube
entry: {function: cube}
checks:
  - kind: gradient
    name: gradcheck
    points: 1
    wrt: inputs
    gradcheck: true
    random: {count: 2, args: [{randn: [5]}]}
"""
FUNCTION = """
import torch

class Cube(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x ** 3

    @staticmethod
    def backward(ctx, grad_output):
        (x,) = ctx.saved_tensors
        return grad_output * {derivative}

def cube(x):
    return Cube.apply(x)
"""


class GradcheckTestCase(BaseTestCase):
    def setUp(self):
        super().setUp()
        self.exercise = make_exercise(self.chapter, spec_yaml=SPEC, solution=FUNCTION.format(derivative="3 * x ** 2"))

    def grade(self, code):
        submission = Submission.objects.create(user=self.alice, exercise=self.exercise,
                                               version=self.exercise.current_version, code=code)
        return grading.grade_submission(submission.pk).checks.get()

    def test_a_correct_backward_passes(self):
        check = self.grade(FUNCTION.format(derivative="3 * x * x"))
        self.assertTrue(check.passed, check.message)

    def test_a_wrong_backward_fails_with_the_finite_difference_message(self):
        check = self.grade(FUNCTION.format(derivative="2 * x ** 2"))
        self.assertFalse(check.passed)
        self.assertIn("gradcheck: the backward pass gives a directional derivative of", check.message)
        self.assertIn("the backward does not match the forward", check.message)

    def test_a_wrong_forward_fails_on_the_reference_values(self):
        check = self.grade(FUNCTION.format(derivative="3 * x ** 2").replace("return x ** 3", "return x ** 3 + x"))
        self.assertFalse(check.passed)
        self.assertIn("output: tensors are not close.\nMismatched elements: 5 / 5 (100.0%)", check.message)

    def test_the_finite_difference_message_says_what_disagrees(self):
        probe = {"seed": 7, "gradcheck": {"eps": 1e-6, "directions": [torch.ones(3, dtype=torch.float64)]}}
        x = torch.tensor([1.0, 2.0, 3.0], dtype=torch.float64)
        got = {"output": x ** 2, "output_plus": (x + 1e-6) ** 2, "output_minus": (x - 1e-6) ** 2,
               "input_grads": [torch.zeros(3, dtype=torch.float64)]}
        with self.assertRaises(Mismatch) as ctx:
            check_finite_differences(probe, got)
        self.assertIn("the backward pass gives a directional derivative of 0", str(ctx.exception))

    def test_a_backward_returning_none_fails_the_check_instead_of_crashing_the_judge(self):
        check = self.grade(FUNCTION.format(derivative="0").replace("return grad_output * 0", "return None"))
        self.assertFalse(check.passed)
        self.assertIn("one gradient tensor per input", check.message)
        self.assertEqual(Submission.objects.get().status, "graded")
