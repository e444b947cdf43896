"""Reload probes (`reload_differs`), graded through the real sandbox: while the check's probes run,
torch.load gives back what was saved with its floating-point tensors scaled by a factor drawn per
probe, so predicting with the model that was saved, instead of the one that was loaded, fails."""

import json

import pytest
from django.conf import settings
from django.test import SimpleTestCase

from grader.runner import get_backend
from judging.evaluation import evaluate
from judging.probes import RELOAD_SCALE, build_plan
from judging.spec import ExerciseSpec
from tests.grader.factories import read

pytestmark = pytest.mark.usefixtures("grading_backend")

SAVE_AND_RELOAD = (settings.COURSE_CONTENT_DIR / "pytorch-essentials" / "09-saving-and-evaluating" / "exercises"
                   / "save-and-reload")
SPEC = read("""
title: Save a model's state_dict and load it back
entry: {function: reload_and_predict}
checks:
  - kind: value
    name: Predicts with the reloaded model
    points: 3
    cases:
      - args: [{tensor: [[1.0, -1.0], [0.5, 2.0], [0.0, 3.0]]}, {tensor: [0.5, 0.0, -1.0]}, {tensor: [[1.0, 2.0]]}]
    random:
      count: 3
      args: [{randn: [4, 6]}, {randn: [4]}, {randn: [5, 6]}]
    reload_differs: true
  - kind: value
    name: Predicts like the original layer
    points: 1
    cases:
      - args: [{tensor: [[1.0, -1.0], [0.5, 2.0], [0.0, 3.0]]}, {tensor: [0.5, 0.0, -1.0]}, {tensor: [[1.0, 2.0]]}]
""")
RELOAD_CHECK, PLAIN_CHECK = (check.name for check in SPEC.checks)
SOLUTION = (SAVE_AND_RELOAD / "solution.py").read_text()

# The bundled exercise's own mistake: it predicts with the model that was saved, not the one loaded back.
PREDICTS_WITH_THE_SAVED_MODEL = (SAVE_AND_RELOAD / "mistakes" / "predicts_with_the_saved_model.py").read_text()
WHOLE_MODULE_FROM_A_FILE = """
import torch
from torch import nn


def reload_and_predict(weight, bias, x):
    model = nn.Linear(weight.shape[1], weight.shape[0])
    model.load_state_dict({"weight": weight, "bias": bias})
    torch.save(model, "/tmp/whole.pt")
    reloaded = torch.load("/tmp/whole.pt", weights_only=False)
    with torch.no_grad():
        return reloaded(x)
"""


def grade(code, seed=1):
    evaluation = evaluate(SPEC, SOLUTION, code, seed, get_backend())
    return {check.name: outcome for check, outcome in evaluation.outcomes}


class ReloadProbeTests(SimpleTestCase):
    def test_it_passes_predictions_of_the_reloaded_model_from_a_buffer_or_a_file(self):
        for name in ("solution.py", "alternatives/checkpoint_dict.py", "alternatives/file_in_tmp.py"):
            for seed in (1, 2):
                with self.subTest(name, seed=seed):
                    outcomes = grade((SAVE_AND_RELOAD / name).read_text(), seed)
                    self.assertTrue(all(o.passed for o in outcomes.values()),
                                    {n: o.message for n, o in outcomes.items()})

    def test_it_fails_predictions_of_the_saved_model(self):
        outcomes = grade(PREDICTS_WITH_THE_SAVED_MODEL)
        self.assertTrue(outcomes[PLAIN_CHECK].passed)
        self.assertFalse(outcomes[RELOAD_CHECK].passed)
        self.assertIn("torch.load gives back what was saved scaled by a factor", outcomes[RELOAD_CHECK].message)

    def test_it_scales_a_whole_module_loaded_back(self):
        outcomes = grade(WHOLE_MODULE_FROM_A_FILE)
        self.assertTrue(all(o.passed for o in outcomes.values()), {n: o.message for n, o in outcomes.items()})


class ReloadFormatTests(SimpleTestCase):
    def test_it_draws_one_factor_per_probe_of_a_reload_check_only(self):
        plans = [build_plan(SPEC, seed) for seed in (1, 2)]
        scales = [[probe.get("reload_scale") for probe in plan.probes] for plan in plans]
        for per_probe in scales:
            self.assertEqual(per_probe[-1], None)  # the plain check's probe
            self.assertTrue(all(RELOAD_SCALE[0] <= scale <= RELOAD_SCALE[1] for scale in per_probe[:-1]))
            self.assertEqual(len(set(per_probe[:-1])), 4)
        self.assertNotEqual(scales[0], scales[1])
        self.assertEqual(scales[0], [probe.get("reload_scale") for probe in build_plan(SPEC, 1).probes])

    def test_it_round_trips_through_json(self):
        self.assertEqual(ExerciseSpec.from_json(json.loads(json.dumps(SPEC.to_json()))), SPEC)
        self.assertEqual([check.reload_differs for check in SPEC.checks], [True, False])
