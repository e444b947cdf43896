"""Each submission draws its random inputs from its own secret seed: another submission draws other
inputs, a regrade the same ones, and outputs hard-coded for one seed's inputs fail under another."""

import pytest
import torch
from django.conf import settings

from grader import grading
from grader.models import Submission
from judging.probes import build_plan
from tests.base import BaseTestCase
from tests.grader.factories import OUTER_SOLUTION, make_exercise

PRINTING_SOLUTION = OUTER_SOLUTION.replace(
    "def outer(a, b):\n", "def outer(a, b):\n    print('INPUT', a.tolist(), b.tolist())\n")
HIDDEN_CHECK = "Random vectors"
FIT_A_LINE = settings.COURSE_CONTENT_DIR / "pytorch-essentials" / "07-training-loop" / "exercises" / "fit-a-line"
HARD_CODED_LINE = """
import torch
from torch import nn

def train(x, y, epochs=200, lr=0.1):
    model = nn.Linear(1, 1)
    line = torch.tensor([{weight!r}, {bias!r}])
    optimizer = torch.optim.SGD(model.parameters(), lr=lr)
    for _ in range(epochs):  # an optimizer steps the parameters to the hard-coded line, not to the data's
        optimizer.zero_grad()
        ((torch.cat([model.weight.flatten(), model.bias]) - line) ** 2).sum().backward()
        optimizer.step()
    with torch.no_grad():
        loss = nn.functional.mse_loss(model(x), y).item()
    return model, [loss + 1.0] * (epochs - 1) + [loss]
"""


def printed_inputs(output):
    return [line for line in output.splitlines() if line.startswith("INPUT ")]


@pytest.mark.usefixtures("grading_backend")
class SeedsTestCase(BaseTestCase):
    def setUp(self):
        super().setUp()
        self.exercise = make_exercise(self.chapter)

    def submit(self, code, exercise=None, **fields):
        exercise = exercise or self.exercise
        return Submission.objects.create(user=self.alice, exercise=exercise, code=code,
                                         version=exercise.current_version, **fields)

    def hidden_passed(self, grade, name=HIDDEN_CHECK):
        return grade.checks.get(name=name).passed

    def test_two_submissions_draw_different_random_inputs(self):
        first, second = self.submit(PRINTING_SOLUTION), self.submit(PRINTING_SOLUTION)
        self.assertNotEqual(first.seed, second.seed)
        first_inputs = printed_inputs(grading.grade_submission(first.pk).staff_output)
        second_inputs = printed_inputs(grading.grade_submission(second.pk).staff_output)
        self.assertEqual((len(first_inputs), len(second_inputs)), (3, 3))
        self.assertFalse(set(first_inputs) & set(second_inputs))

    def test_a_regrade_draws_the_same_random_inputs(self):
        submission = self.submit(PRINTING_SOLUTION)
        first = grading.grade_submission(submission.pk)
        again = grading.regrade(submission)
        self.assertEqual(printed_inputs(again.staff_output), printed_inputs(first.staff_output))
        self.assertEqual(again.seed, first.seed)

    def test_outputs_hard_coded_for_another_seeds_inputs_fail_the_hidden_check(self):
        spec = self.exercise.current_version.spec
        index = [check.name for check in spec.checks].index(HIDDEN_CHECK)
        outputs = {}
        for probe in build_plan(spec, seed=11).probes:
            if probe["id"].startswith(f"{index}."):
                a, b = probe["args"]
                outputs[repr((a.tolist(), b.tolist()))] = (a[:, None] * b[None, :]).tolist()
        code = (f"import torch\n\nOUTPUTS = {outputs!r}\n\ndef outer(a, b):\n"
                "    key = repr((a.tolist(), b.tolist()))\n"
                "    return torch.tensor(OUTPUTS[key]) if key in OUTPUTS else torch.zeros(len(a), len(b))\n")
        same_seed = grading.grade_submission(self.submit(code, seed=11).pk)
        other_seed = grading.grade_submission(self.submit(code, seed=22).pk)
        self.assertTrue(self.hidden_passed(same_seed))  # the lookup does hold the outputs of seed 11's inputs
        self.assertFalse(self.hidden_passed(other_seed))

    def test_a_line_hard_coded_from_another_seeds_data_fails_the_hidden_training_check(self):
        exercise = make_exercise(self.chapter, slug="fit-a-line", spec_yaml=(FIT_A_LINE / "exercise.yaml").read_text(),
                                 solution=(FIT_A_LINE / "solution.py").read_text())
        spec = exercise.current_version.spec
        index, hidden = next((i, check) for i, check in enumerate(spec.checks) if check.hidden)
        probe = next(p for p in build_plan(spec, seed=11).probes if p["id"].startswith(f"{index}."))
        design = torch.cat([probe["x"], torch.ones_like(probe["x"])], dim=1).double()
        weight, bias = torch.linalg.lstsq(design, probe["y"].double()).solution.flatten().tolist()
        code = HARD_CODED_LINE.format(weight=weight, bias=bias)
        same_seed = grading.grade_submission(self.submit(code, exercise, seed=11).pk)
        other_seed = grading.grade_submission(self.submit(code, exercise, seed=22).pk)
        self.assertTrue(self.hidden_passed(same_seed, hidden.name))  # seed 11's line, fitted exactly
        self.assertFalse(self.hidden_passed(other_seed, hidden.name))
