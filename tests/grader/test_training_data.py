"""The data of a training check is drawn on the trusted side: a parameter written as a number is
used as it is, a [low, high] range is drawn from the submission's seed, and only the training data
and the held-out inputs enter the sandbox."""

import torch
from django.test import SimpleTestCase

from judging.probes import build_plan, draw_parameters
from tests.grader.factories import read
from tests.grader.test_spec import problems_of

LINE_SPEC = """
title: Fit a plane
entry: {training: train}
checks:
  - kind: training
    name: Fits it
    points: 1
    data: {kind: linear, weight: [2, 12], bias: 0.5, features: 3, n: 16}
    holdout: {n: 8}
    max_holdout_mse: 0.1
"""


def training_probe(spec, seed):
    plan = build_plan(spec, seed)
    return plan.probes[0], plan.checks[0].private


def generator(seed):
    return torch.Generator().manual_seed(seed)


class TrainingDataTestCase(SimpleTestCase):
    spec = read(LINE_SPEC)

    def test_a_range_is_drawn_per_feature_and_a_number_stays_as_written(self):
        data = self.spec.checks[0].data
        first, second = draw_parameters(data, generator(1)), draw_parameters(data, generator(2))
        self.assertEqual(first["weight"].shape, (3,))
        self.assertTrue(((first["weight"] >= 2) & (first["weight"] <= 12)).all())
        self.assertFalse(torch.equal(first["weight"], second["weight"]))
        self.assertEqual(first["bias"].tolist(), [0.5])
        self.assertTrue(torch.equal(first["weight"], draw_parameters(data, generator(1))["weight"]))

    def test_each_submission_trains_on_its_own_line_and_a_regrade_on_the_same(self):
        probe, private = training_probe(self.spec, seed=1)
        other, _ = training_probe(self.spec, seed=2)
        weights = torch.linalg.lstsq(probe["x"].double(), probe["y"].double() - 0.5).solution
        other_weights = torch.linalg.lstsq(other["x"].double(), other["y"].double() - 0.5).solution
        self.assertFalse(torch.allclose(weights, other_weights, atol=1e-3))
        self.assertTrue(torch.equal(private["train_y"], probe["y"]))
        again, _ = training_probe(self.spec, seed=1)
        self.assertTrue(torch.equal(again["y"], probe["y"]) and torch.equal(again["holdout_x"], probe["holdout_x"]))

    def test_held_out_targets_never_enter_the_probe(self):
        probe, private = training_probe(self.spec, seed=1)
        self.assertEqual(set(probe), {"id", "seed", "op", "x", "y", "kwargs", "holdout_x"})
        self.assertEqual(private["holdout_y"].shape, (8, 1))

    def test_blob_centres_and_separation_can_be_drawn(self):
        spec = read(LINE_SPEC.replace("kind: linear, weight: [2, 12], bias: 0.5", "kind: blobs, separation: [0.5, 1], "
                                      "centre: [-3, 3]").replace("max_holdout_mse: 0.1", "min_holdout_accuracy: 0.9"))
        means = [training_probe(spec, seed)[0]["x"].mean(dim=0) for seed in (1, 2)]
        self.assertGreater(float((means[0] - means[1]).abs().max()), 0.5)


TRAINING_CHECK = """
    title: T
    entry: {training: train}
    checks:
      - kind: training
        name: T
        max_holdout_mse: 1.0
"""


class TrainingSpecTestCase(SimpleTestCase):
    def problems(self, extra):
        return problems_of(TRAINING_CHECK + "".join(f"        {line}\n" for line in extra))

    def test_a_range_must_be_two_numbers_low_then_high(self):
        problems = self.problems(["data: {kind: linear, weight: [12, 2], bias: [1, 2, 3]}"])
        self.assertIn("exercise.yaml:8: 'weight' must be a number or a [low, high] range with low <= high, got [12, 2]",
                      problems)
        self.assertIn("exercise.yaml:8: 'bias' must be a number or a [low, high] range with low <= high, "
                      "got [1, 2, 3]", problems)

    def test_written_out_held_out_targets_need_fixed_parameters(self):
        problems = self.problems(["data: {kind: linear, weight: [2, 12]}", "holdout: {x: [[5.0]], y: [[50.0]]}"])
        self.assertTrue(any(p.startswith("exercise.yaml:5: held-out targets written out need fixed data parameters")
                            for p in problems), problems)

    def test_the_loss_is_one_the_trusted_side_computes_and_fits_the_data(self):
        self.assertIn("exercise.yaml:5: 'loss' must be one of mse, bce, bce_with_logits, cross_entropy, got 'hinge'",
                      self.problems(["data: {kind: blobs}", "loss: hinge"]))
        self.assertIn("exercise.yaml:5: loss bce needs 0/1 labels: data of kind blobs",
                      self.problems(["data: {kind: linear}", "loss: bce"]))
        self.assertEqual(self.problems(["data: {kind: blobs, centre: [-1, 1]}", "loss: bce_with_logits"]), [])

    def test_the_loss_defaults_to_the_datas_kind(self):
        blobs = "data: {kind: blobs}\n        min_holdout_accuracy: 0.9"
        spec = read(TRAINING_CHECK.replace("max_holdout_mse: 1.0", blobs))
        self.assertEqual(spec.checks[0].loss, "bce")
        self.assertEqual(read(TRAINING_CHECK + "        data: {kind: linear}\n").checks[0].loss, "mse")

    def test_accuracy_needs_class_labels(self):
        self.assertIn("exercise.yaml:5: min_holdout_accuracy needs class labels: data of kind blobs or digits",
                      self.problems(["data: {kind: linear}", "min_holdout_accuracy: 0.9"]))
