"""Checks on the shape of what code returns, graded for real: the structure of tuple and dict
outputs (lengths, keys, each tensor's shape and dtype) and predicates such as nonnegative or
sums_to_one, judged on the trusted side from the returned tensors."""

import re
from pathlib import Path

import pytest
from django.test import SimpleTestCase

from courses.loader import Problems
from grader.content import read_exercise
from judging.evaluation import evaluate
from grader.runner import get_backend
from tests.grader.factories import read

pytestmark = pytest.mark.usefixtures("grading_backend")

ENCODER_SPEC = """
title: Encoder
entry: {module: Encoder}
checks:
  - kind: structure
    name: Returns (mu, logvar)
    points: 1
    init: [4, 2]
    input_shape: [3, 4]
"""
ENCODER = """
import torch

class Encoder(torch.nn.Module):
    def __init__(self, features, latent):
        super().__init__()
        self.linear = torch.nn.Linear(features, 2 * latent)

    def forward(self, x):
        mu, logvar = self.linear(x).chunk(2, dim=-1)
        return {shape}
"""
SPLIT_SPEC = """
title: Split
entry: {function: split}
checks:
  - kind: structure
    name: Returns a dict of halves
    points: 1
    random: {count: 5, dims: {n: [1, 6]}, args: [{randn: [n, 4]}]}
"""
SPLIT = "def split(x):\n    return {'left': x[:, :2], 'right': x[:, 2:]}\n"

SOFTMAX_SPEC = """
title: Softmax
entry: {function: probabilities}
checks:
  - kind: value
    name: Probabilities
    points: 1
    match_reference: false
    predicates: [nonnegative, {in_range: [0, 1]}, {sums_to_one: {dim: -1}}]
    random: {count: 5, args: [{randn: [3, 5]}]}
  - kind: value
    name: Gram matrix
    points: 1
    match_reference: false
    predicates: [symmetric, finite]
    random: {count: 3, args: [{randn: [3, 5]}]}
"""


def outcomes(spec_yaml, solution, code):
    evaluation = evaluate(read(spec_yaml), solution, code, 1, get_backend())
    return [outcome for _, outcome in evaluation.outcomes]


class StructureTests(SimpleTestCase):
    def test_a_tuple_with_the_wrong_length_fails_the_output_structure(self):
        (outcome,) = outcomes(ENCODER_SPEC, ENCODER.format(shape="mu, logvar"), ENCODER.format(shape="(mu, logvar, x)"))
        self.assertFalse(outcome.passed)
        self.assertIn("output structure: expected 2 items, got 3", outcome.message)

    def test_a_leaf_with_the_wrong_shape_or_dtype_is_named(self):
        solution = ENCODER.format(shape="mu, logvar")
        (outcome,) = outcomes(ENCODER_SPEC, solution, ENCODER.format(shape="mu, logvar.sum(-1)"))
        self.assertIn("output structure[1]: expected 'tensor (3, 2) float32', got str 'tensor (3,) float32'",
                      outcome.message)
        (outcome,) = outcomes(ENCODER_SPEC, solution, ENCODER.format(shape="mu, logvar.double()"))
        self.assertIn("got str 'tensor (3, 2) float64'", outcome.message)

    def test_the_same_structure_passes(self):
        (outcome,) = outcomes(ENCODER_SPEC, ENCODER.format(shape="mu, logvar"), ENCODER.format(shape="(mu * 2, logvar)"))
        self.assertTrue(outcome.passed, outcome.message)
        self.assertIn("20 parameters", outcome.message)

    def test_a_function_output_is_compared_by_its_dict_keys(self):
        (outcome,) = outcomes(SPLIT_SPEC, SPLIT, SPLIT.replace("'right'", "'rest'"))
        self.assertFalse(outcome.passed)
        self.assertIn("keys differ (missing ['right'], unexpected ['rest'])", outcome.message)
        (outcome,) = outcomes(SPLIT_SPEC, SPLIT, SPLIT.replace("x[:, :2]", "x[:, :2] + 1"))
        self.assertTrue(outcome.passed, outcome.message)


class PredicateTests(SimpleTestCase):
    SOLUTION = ("import torch\n\ndef probabilities(x):\n    return x.softmax(-1)\n")

    def test_outputs_that_satisfy_the_predicates_pass_without_matching_the_reference(self):
        code = "import torch\n\ndef probabilities(x):\n    return (2 * x).softmax(-1)\n"
        self.assertTrue(all(o.passed for o in outcomes(SOFTMAX_SPEC, self.SOLUTION, code)[:1]))

    def test_a_negative_element_is_named_with_its_value(self):
        code = "def probabilities(x):\n    return x - x.mean(-1, keepdim=True)\n"
        outcome = outcomes(SOFTMAX_SPEC, self.SOLUTION, code)[0]
        self.assertFalse(outcome.passed)
        self.assertRegex(outcome.message, r"output: every element must be nonnegative \(>= 0\), but the element "
                                          r"at index \(\d, \d\) is -\d")

    def test_rows_that_do_not_sum_to_one_fail(self):
        code = "def probabilities(x):\n    return x.sigmoid()\n"
        outcome = outcomes(SOFTMAX_SPEC, self.SOLUTION, code)[0]
        self.assertIn("the sums along dim -1 must be 1", outcome.message)

    def test_symmetric_needs_a_square_matrix_equal_to_its_transpose(self):
        gram = "def probabilities(x):\n    return x @ x.T\n"
        self.assertTrue(outcomes(SOFTMAX_SPEC, gram, gram + "\n")[1].passed)
        outcome = outcomes(SOFTMAX_SPEC, gram, "def probabilities(x):\n    return x @ x.T + x[:, :3]\n")[1]
        self.assertIn("it must equal its transpose", outcome.message)


Q_LEARNING = (Path(__file__).resolve().parents[2] / "content/pytorch-essentials/10-applications/exercises/"
              "q-learning-targets")
BROADCAST_SPEC = """
title: Fill
entry: {function: fill}
checks:
  - kind: value
    name: Fills
    points: 1
    broadcast: true
    random: {count: 2, dims: {n: [2, 5]}, args: [{randn: [n]}, {float: [-1, 1]}]}
"""
FILL = "import torch\n\ndef fill(x, value):\n    return torch.full_like(x, value)\n"


class FormFailureTests(SimpleTestCase):
    """A value check that fails on the output's dtype, type or shape alone says so, hidden or not."""

    def test_a_float64_output_with_the_right_values_is_told_its_dtype_on_visible_and_hidden_checks(self):
        problems = Problems()
        exercise = read_exercise(Q_LEARNING, problems)
        code = exercise.solution.replace("(~done).float()", "(~done).double()")
        messages = {check.name: outcome.message
                    for check, outcome in evaluate(exercise.spec, exercise.solution, code, 1, get_backend()).outcomes}
        self.assertIn("output: dtype mismatch: expected torch.float32, got torch.float64",
                      messages["Matches the reference on the example"])
        self.assertEqual(messages["Matches the reference on random batches"],
                         "Failed on a hidden test. Its inputs were float32. Your output has dtype torch.float64 where "
                         "torch.float32 was expected. Hint: Take the largest Q-value of each next state (max over the "
                         "actions, dim=1), and keep only the reward where the episode ended (done is True).")
        self.assertEqual(messages["Works for one transition and any number of actions"],
                         "Failed on a hidden test. Your output has dtype torch.float64 where torch.float32 was "
                         "expected.")

    def test_a_hidden_check_says_that_the_type_or_shape_differs_without_its_sizes(self):
        spec = read(SPLIT_SPEC.replace("points: 1", "points: 1\n    hidden: true").replace("structure", "value"))
        (outcome,) = [outcome for _, outcome in evaluate(
            spec, SPLIT, SPLIT.replace("x[:, :2]", "x[:, :3]"), 1, get_backend()).outcomes]
        self.assertEqual(outcome.message, "Failed on a hidden test. The shape of your output['left'] differs from "
                                          "the expected one.")
        (outcome,) = [outcome for _, outcome in evaluate(
            spec, SPLIT, SPLIT.replace("x[:, :2]", "x[:, :2].tolist()"), 1, get_backend()).outcomes]
        self.assertEqual(outcome.message, "Failed on a hidden test. Your output['left'] is a list where a tensor "
                                          "was expected.")

    def test_a_hidden_check_failed_on_values_shows_its_hint_alone(self):
        spec = read(SPLIT_SPEC.replace("points: 1", "points: 1\n    hidden: true\n    hint: Halve.")
                    .replace("structure", "value"))
        (outcome,) = [outcome for _, outcome in evaluate(
            spec, SPLIT, SPLIT.replace("x[:, :2]", "x[:, :2] + 1"), 1, get_backend()).outcomes]
        self.assertEqual(outcome.message, "Failed on a hidden test. Hint: Halve.")


class OneWayBroadcastTests(SimpleTestCase):
    """broadcast: true broadcasts the student's output to the reference's shape, never the other way."""

    def test_a_scalar_or_one_element_answer_with_the_right_value_passes(self):
        for answer in ("torch.tensor(value)", "torch.tensor([value])"):
            with self.subTest(answer):
                code = f"import torch\n\ndef fill(x, value):\n    return {answer}\n"
                (outcome,) = outcomes(BROADCAST_SPEC, FILL, code)
                self.assertTrue(outcome.passed, outcome.message)

    def test_an_answer_with_an_extra_or_expanded_dimension_fails_and_says_the_shapes(self):
        for answer, shape in (("torch.full_like(x, value)[None]", "(1, {n})"),
                              ("torch.full_like(x, value).expand(7, -1)", "(7, {n})")):
            with self.subTest(answer):
                code = f"import torch\n\ndef fill(x, value):\n    return {answer}\n"
                (outcome,) = outcomes(BROADCAST_SPEC, FILL, code)
                self.assertFalse(outcome.passed)
                self.assertRegex(outcome.message, r"output: shape mismatch: got " + re.escape(shape).replace(
                    r"\{n\}", r"(\d)") + r", which cannot be broadcast to the expected \(\1,\)")
