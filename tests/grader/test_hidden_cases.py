"""A hidden check's fixed cases are varied with the submission's secret seed, unless the exercise
marks one `fixed: true` (a deliberate edge case): what one submission learns of a hidden case does
not hold for the next one, or for another student's."""

import pytest
import torch
from django.test import SimpleTestCase

from grader import grading
from grader.models import Submission
from judging.probes import JITTER, build_plan
from tests.base import BaseTestCase
from tests.grader.factories import make_exercise, read
from tests.grader.test_spec import problems_of

SCALE_SPEC = """
title: Scale a tensor
entry: {function: scale}
checks:
  - kind: value
    name: Examples
    points: 1
    cases:
      - args: [{tensor: [1.0, -2.0, 0.5]}, 2]
  - kind: value
    name: Hidden cases
    points: 1
    hidden: true
    cases:
      - args: [{tensor: [1.0, -2.0, 0.5]}, 2]
      - {args: [{tensor: [0.0, 1000.0]}, 3], fixed: true}
"""
SCALE_SOLUTION = "def scale(x, k):\n    return x * k\n"
PRINTING_SOLUTION = "def scale(x, k):\n    print('INPUT', x.tolist(), k)\n    return x * k\n"


def printed_inputs(output):
    return [line.removeprefix("INPUT ") for line in output.splitlines() if line.startswith("INPUT ")]


@pytest.mark.usefixtures("grading_backend")
class HiddenCasesGradingTestCase(BaseTestCase):
    def setUp(self):
        super().setUp()
        self.exercise = make_exercise(self.chapter, slug="scale", spec_yaml=SCALE_SPEC, solution=SCALE_SOLUTION)

    def graded(self, seed):
        submission = Submission.objects.create(user=self.alice, exercise=self.exercise, code=PRINTING_SOLUTION,
                                               version=self.exercise.current_version, seed=seed)
        grade = grading.grade_submission(submission.pk)
        self.assertEqual(grade.score, 2)
        return submission, grade

    def test_two_submissions_get_different_hidden_inputs_and_the_same_fixed_one(self):
        _, first = self.graded(seed=101)
        _, second = self.graded(seed=202)
        varied_first, fixed_first = printed_inputs(first.staff_output)
        varied_second, fixed_second = printed_inputs(second.staff_output)
        self.assertNotEqual(varied_first, varied_second)
        self.assertEqual(fixed_first, fixed_second)
        self.assertEqual(fixed_first, "[0.0, 1000.0] 3")
        self.assertEqual(printed_inputs(first.stdout), printed_inputs(second.stdout), ["[1.0, -2.0, 0.5] 2"])

    def test_a_regrade_gets_the_same_hidden_inputs(self):
        submission, first = self.graded(seed=101)
        again = grading.regrade(submission)
        self.assertEqual(printed_inputs(again.staff_output), printed_inputs(first.staff_output))


def probe_args(spec, seed):
    return {probe["id"]: probe["args"] for probe in build_plan(spec, seed).probes}


VARIED_SPEC = """
title: Inputs
entry: {function: f}
checks:
  - kind: value
    name: Visible
    points: 1
    cases:
      - args: [{tensor: [1.5, -2.0]}, {randn: [3]}]
  - kind: value
    name: Hidden
    points: 1
    hidden: true
    cases:
      - args:
          - {tensor: [1.0, -2.0, 0.0, 1000.0]}
          - {tensor: [[0, 1], [2, 3], [4, 5], [6, 7], [8, 9]], dtype: int64}
          - {randn: [3]}
          - 4
          - true
          - mean
      - {args: [{tensor: [1.0, -2.0, 0.0, 1000.0]}, {randn: [3]}], fixed: true}
"""


class VariedCaseTestCase(SimpleTestCase):
    spec = read(VARIED_SPEC)

    def test_floats_move_by_at_most_the_jitter_keeping_signs_and_zeros(self):
        written = torch.tensor([1.0, -2.0, 0.0, 1000.0])
        for seed in range(5):
            varied = probe_args(self.spec, seed)["1.case0"][0]
            ratio = varied[[0, 1, 3]] / written[[0, 1, 3]]
            self.assertTrue(((ratio >= 1 - JITTER) & (ratio <= 1 + JITTER)).all(), varied)
            self.assertEqual(varied[2].item(), 0.0)
            self.assertFalse(torch.equal(varied, written))

    def test_integer_tensors_keep_their_rows_in_another_order(self):
        orders = set()
        for seed in range(5):
            rows = probe_args(self.spec, seed)["1.case0"][1].tolist()
            self.assertEqual(sorted(rows), [[0, 1], [2, 3], [4, 5], [6, 7], [8, 9]])
            orders.add(str(rows))
        self.assertGreater(len(orders), 1)

    def test_random_inputs_of_a_hidden_case_are_drawn_from_the_seed(self):
        self.assertFalse(torch.equal(probe_args(self.spec, 1)["1.case0"][2], probe_args(self.spec, 2)["1.case0"][2]))
        self.assertTrue(torch.equal(probe_args(self.spec, 1)["1.case0"][2], probe_args(self.spec, 1)["1.case0"][2]))

    def test_python_values_stay_as_written(self):
        self.assertEqual(probe_args(self.spec, 1)["1.case0"][3:], [4, True, "mean"])

    def test_a_fixed_case_and_a_visible_case_are_the_same_for_every_seed(self):
        first, second = probe_args(self.spec, 1), probe_args(self.spec, 2)
        for probe_id in ("0.case0", "1.case1"):
            for a, b in zip(first[probe_id], second[probe_id]):
                self.assertTrue(torch.equal(a, b), probe_id)
        self.assertEqual(first["1.case1"][0].tolist(), [1.0, -2.0, 0.0, 1000.0])

    def test_fixed_applies_to_the_cases_of_a_hidden_check(self):
        problems = problems_of("""
            title: T
            entry: {function: f}
            checks:
              - kind: value
                name: V
                cases:
                  - {args: [1], fixed: true}
              - kind: value
                name: H
                hidden: true
                cases:
                  - {args: [1], fixed: yes please}
        """)
        self.assertIn("exercise.yaml:8: 'fixed' applies to the cases of a hidden check: a visible check's cases "
                      "are always used as written", problems)
        self.assertIn("exercise.yaml:13: 'fixed' must be true or false, got 'yes please'", problems)
