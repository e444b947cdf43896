"""Training checks on real data: scikit-learn's handwritten digits, split per submission on the trusted
side. The training images and labels and the held-out images enter the sandbox; the held-out labels
never do, and the cross-entropy and the accuracy (the class of the largest logit) are computed here."""

import torch
from django.test import SimpleTestCase

from judging.verdicts import RunAnswers, judge_check
from judging.probes import build_plan, load_digits
from tests.grader.factories import read
from tests.grader.test_spec import problems_of

DIGITS_SPEC = """
title: Digits
entry: {training: train}
checks:
  - kind: training
    name: Learns the digits
    points: 1
    data: {kind: digits, n: 300, label_noise: 0.5}
    holdout: {n: 200}
    min_holdout_accuracy: 0.9
    max_final_loss: 0.5
"""


def answers(losses, train_logits, holdout_logits):
    # With the records of a network an optimizer trained (those rules: tests/grader/test_training_claims.py).
    trained = {"parameters": {"weight": torch.ones(2)}, "initial_parameters": {"weight": torch.zeros(2)},
               "optimizer_steps": {"weight": 1}, "perturbed_predictions": (1.5 * train_logits)[None]}
    return RunAnswers({"probes": {"0.train": {"ok": True, "losses": losses, "train_predictions": train_logits,
                                              "holdout_predictions": holdout_logits, **trained}}})


def one_hot_logits(labels, scale=10.0):
    return scale * torch.nn.functional.one_hot(labels, 10).float()


class DigitsDataTestCase(SimpleTestCase):
    spec = read(DIGITS_SPEC)

    def test_the_digits_are_read_from_the_package_scaled_to_one(self):
        images, labels = load_digits()
        self.assertEqual((images.shape, images.dtype, labels.shape, labels.dtype),
                         ((1797, 1, 8, 8), torch.float32, (1797,), torch.int64))
        self.assertEqual((float(images.min()), float(images.max())), (0.0, 1.0))
        self.assertEqual(labels[:10].tolist(), list(range(10)))

    def test_each_submission_gets_its_own_disjoint_split_and_a_regrade_the_same(self):
        probe, again, other = (build_plan(self.spec, seed).probes[0] for seed in (1, 1, 2))
        self.assertEqual((probe["x"].shape, probe["holdout_x"].shape), ((300, 1, 8, 8), (200, 1, 8, 8)))
        self.assertTrue(torch.equal(probe["x"], again["x"]) and torch.equal(probe["y"], again["y"]))
        self.assertFalse(torch.equal(probe["x"], other["x"]))
        images = load_digits()[0].reshape(1797, 64)
        rows = {tuple(row.tolist()): index for index, row in enumerate(images)}
        train = {rows[tuple(row.tolist())] for row in probe["x"].reshape(-1, 64)}
        holdout = {rows[tuple(row.tolist())] for row in probe["holdout_x"].reshape(-1, 64)}
        self.assertFalse(train & holdout)

    def test_held_out_labels_stay_on_the_trusted_side_and_stay_true(self):
        plan = build_plan(self.spec, 1)
        self.assertEqual(set(plan.inputs(plan.probes)["probes"][0]), {"id", "seed", "op", "x", "y", "kwargs",
                                                                       "holdout_x"})
        images, labels = load_digits()
        true_label = {tuple(row.tolist()): int(label) for row, label in zip(images.reshape(1797, 64), labels)}
        holdout_y = plan.checks[0].private["holdout_y"]
        self.assertEqual(holdout_y.tolist(), [true_label[tuple(row.tolist())]
                                              for row in plan.probes[0]["holdout_x"].reshape(-1, 64)])
        train_truth = torch.tensor([true_label[tuple(row.tolist())] for row in plan.probes[0]["x"].reshape(-1, 64)])
        noisy_share = float((plan.probes[0]["y"] != train_truth).double().mean())
        self.assertTrue(0.35 < noisy_share < 0.55, noisy_share)  # half replaced, a tenth of those by the true class


class DigitsJudgeTestCase(SimpleTestCase):
    def judge(self, student, seed=1):
        plan = build_plan(read(DIGITS_SPEC), seed).checks[0]
        return plan, judge_check(plan, student(plan), student(plan), source="")

    def test_logits_of_the_true_classes_pass_with_the_cross_entropy_computed_here(self):
        def perfect(plan):
            return answers([2.3, 0.0005], one_hot_logits(plan.private["train_y"]),
                           one_hot_logits(plan.private["holdout_y"]))
        _, outcome = self.judge(perfect)
        self.assertTrue(outcome.passed, outcome.message)
        self.assertIn("final training cross-entropy 0.0004", outcome.message)
        self.assertIn("held-out accuracy 100.0%", outcome.message)

    def test_accuracy_is_the_share_of_held_out_images_whose_largest_logit_is_their_class(self):
        def one_in_five_wrong(plan):
            holdout = plan.private["holdout_y"].clone()
            holdout[::5] = (holdout[::5] + 1) % 10
            return answers([2.3, 0.0005], one_hot_logits(plan.private["train_y"]), one_hot_logits(holdout))
        _, outcome = self.judge(one_in_five_wrong)
        self.assertFalse(outcome.passed)
        self.assertIn("held-out accuracy 80.0% < 90%", outcome.message)

    def test_predictions_need_one_logit_per_class(self):
        def labels_instead_of_logits(plan):
            return answers([1.0, 0.5], plan.private["train_y"].float(), plan.private["holdout_y"].float())
        _, outcome = self.judge(labels_instead_of_logits)
        self.assertFalse(outcome.passed)
        self.assertIn("have shape (300,), expected (300, 10) (one logit per class for 300 images)", outcome.message)


class DigitsSpecTestCase(SimpleTestCase):
    def problems(self, *lines):
        return problems_of(DIGITS_SPEC.replace("    max_final_loss: 0.5\n", "".join(f"    {line}\n" for line in lines)))

    def test_a_valid_digits_check_defaults_to_the_cross_entropy(self):
        self.assertEqual(self.problems("max_final_loss: 0.5"), [])
        self.assertEqual(read(DIGITS_SPEC).checks[0].loss, "cross_entropy")

    def test_training_and_held_out_images_must_fit_in_the_data_set(self):
        problems = problems_of(DIGITS_SPEC.replace("n: 300", "n: 1700"))
        self.assertIn("exercise.yaml:5: the digits have 1797 images: data n (1700) plus holdout n (200) must not "
                      "exceed it", problems)

    def test_the_loss_and_metrics_must_fit_class_labels(self):
        self.assertIn("exercise.yaml:5: loss mse does not fit data of kind digits: cross_entropy needs class "
                      "indices (kind digits), and the digits' class indices need cross_entropy",
                      self.problems("loss: mse"))
        self.assertIn("exercise.yaml:5: loss cross_entropy does not fit data of kind blobs: cross_entropy needs "
                      "class indices (kind digits), and the digits' class indices need cross_entropy",
                      problems_of(DIGITS_SPEC.replace("kind: digits, n: 300, label_noise: 0.5", "kind: blobs")
                                  .replace("max_final_loss: 0.5", "loss: cross_entropy")))
        self.assertIn("exercise.yaml:5: max_holdout_mse needs numeric targets: the digits have class labels "
                      "(use min_holdout_accuracy)", self.problems("max_holdout_mse: 0.1"))
        self.assertIn("exercise.yaml:5: the held-out digits are drawn from the data set: leave out holdout x and y",
                      problems_of(DIGITS_SPEC.replace("holdout: {n: 200}", "holdout: {x: [[1.0]], y: [[1]]}")))
