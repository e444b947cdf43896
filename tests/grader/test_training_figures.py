"""recorded_loss: the figure a prompt defines for the recorded losses, checked as tightly as it allows.

`recorded_loss: model` (each value the model's loss on the whole training set, as the grader computes it)
is checked within loss_rtol; `batches` (today's default: an average over an epoch's mini-batches, or the
loss before the last step) within the ratios of loss_band. Graded through the real sandbox: a loop that
records the model's loss the natural ways passes, and the loss of the last mini-batch, an epoch's
average over them or a figure made up near the right one fail.
"""

import json

import pytest
from django.test import SimpleTestCase

from judging.evaluation import evaluate
from judging.spec import check_from_json
from tests.grader.factories import read, read_problems
from tests.grader.test_training_claims import judged, plan_of, trained_answer, true_loss
from tests.grader.test_training_claims import SPEC as LINE_SPEC

# 250 points in mini-batches of 32: the last batch has 26 rows, so that an unweighted average differs too.
PLANE_SPEC = """
title: Fit a plane
entry: {training: train}
limits: {wall_s: 60, cpu_s: 60, memory_mb: 1024}
checks:
  - kind: training
    name: Fits the plane
    points: 1
    data: {kind: linear, weight: [-3, 3], bias: [-1, 1], features: 3, noise: 0.3, n: 250}
    args: {epochs: 20, lr: 0.1, batch_size: 32}
    losses_per: epoch
    holdout: {n: 200}
    max_holdout_mse: 0.2
    recorded_loss: model
"""
PLANE_LOOP = """
import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset

def train(x, y, epochs, lr, batch_size):
    model = nn.Linear(x.shape[1], 1)
    optimizer = torch.optim.Adam(model.parameters(), lr=lr)
    loss_fn = nn.MSELoss()
    losses = []
    for _ in range(epochs):
        total, means = 0.0, []
        for batch_x, batch_y in DataLoader(TensorDataset(x, y), batch_size=batch_size, shuffle=True):
            optimizer.zero_grad()
            loss = loss_fn(model(batch_x), batch_y)
            loss.backward()
            optimizer.step()
            total += loss.item() * len(batch_x)
            means.append(loss.item())
RECORD
    return model, losses
"""
# What each loop appends at the end of an epoch.
MODEL_LOSS = """
        with torch.no_grad():
            losses.append(loss_fn(model(x), y).item())
"""
MODEL_LOSS_IN_EVAL_MODE = """
        model.eval()
        with torch.no_grad():
            losses.append(nn.functional.mse_loss(model(x), y).item())
        model.train()
"""
MODEL_LOSS_WITH_GRADIENTS = "        losses.append(float(loss_fn(model(x), y)))\n"
LAST_BATCH = "        losses.append(loss.item())\n"
EPOCH_AVERAGE = "        losses.append(total / len(x))\n"
UNWEIGHTED_AVERAGE = "        losses.append(sum(means) / len(means))\n"
MADE_UP = """
        with torch.no_grad():
            losses.append(1.01 * loss_fn(model(x), y).item())
"""

# The digits' cross-entropy, of a network in eval mode (dropout): the grader predicts in eval mode too.
DIGITS_SPEC = """
title: Digits
entry: {training: train}
limits: {wall_s: 60, cpu_s: 60, memory_mb: 1024}
checks:
  - kind: training
    name: Learns the digits
    points: 1
    data: {kind: digits, n: 500}
    holdout: {n: 300}
    args: {epochs: 8, lr: 0.005, batch_size: 64}
    losses_per: epoch
    min_holdout_accuracy: 0.8
    recorded_loss: model
"""
DIGITS_LOOP = """
import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset

def train(images, labels, epochs, lr, batch_size):
    model = nn.Sequential(nn.Flatten(), nn.Linear(64, 64), nn.ReLU(), nn.Dropout(0.2), nn.Linear(64, 10))
    optimizer = torch.optim.Adam(model.parameters(), lr=lr)
    loss_fn = nn.CrossEntropyLoss()
    losses = []
    for _ in range(epochs):
        model.train()
        for batch_images, batch_labels in DataLoader(TensorDataset(images, labels), batch_size=batch_size,
                                                     shuffle=True):
            optimizer.zero_grad()
            loss = loss_fn(model(batch_images), batch_labels)
            loss.backward()
            optimizer.step()
        model.eval()
        with torch.no_grad():
            losses.append(loss_fn(model(images), labels).item())
    return model, losses
"""


def plane_loop(record):
    return PLANE_LOOP.replace("RECORD\n", record.lstrip("\n"))


def outcome(backend, spec_yaml, code, seed=3):
    # The loop is its own reference (one sandbox run): the judge reads only the reference's curve length.
    evaluation = evaluate(read(spec_yaml), code, code, seed, backend)
    ((_, result),) = evaluation.outcomes
    return result


@pytest.mark.parametrize("record", [MODEL_LOSS, MODEL_LOSS_IN_EVAL_MODE, MODEL_LOSS_WITH_GRADIENTS],
                         ids=["no-grad", "eval-mode", "with-gradients"])
def test_it_passes_the_models_loss_on_the_training_set_recorded_the_natural_ways(grading_backend, record):
    result = outcome(grading_backend, PLANE_SPEC, plane_loop(record))
    assert result.passed, result.message
    assert "loss went from" in result.message


def test_it_passes_the_digits_cross_entropy_of_a_model_in_eval_mode(grading_backend):
    result = outcome(grading_backend, DIGITS_SPEC, DIGITS_LOOP)
    assert result.passed, result.message


@pytest.mark.parametrize("record", [LAST_BATCH, EPOCH_AVERAGE, UNWEIGHTED_AVERAGE, MADE_UP],
                         ids=["last-mini-batch", "epoch-average", "unweighted-average", "made-up"])
def test_it_fails_another_figure_than_the_models_loss(grading_backend, record):
    result = outcome(grading_backend, PLANE_SPEC, plane_loop(record))
    assert not result.passed
    assert "is not the mean squared error of the returned model on the whole training data" in result.message
    assert "record, after each epoch, the loss of the model on all the training data" in result.message


def test_it_passes_an_epoch_average_within_the_default_band(grading_backend):
    spec = PLANE_SPEC.replace("recorded_loss: model", "recorded_loss: batches")
    result = outcome(grading_backend, spec, plane_loop(EPOCH_AVERAGE))
    assert result.passed, result.message


class RecordedLossJudgingTests(SimpleTestCase):
    """The comparison itself, on answers written here (test_training_claims's honest answer)."""

    def judged_with(self, extra, ratio, spec=LINE_SPEC):
        plan = plan_of(spec.replace("max_final_loss: 0.05", f"max_final_loss: 0.05\n    {extra}"))
        answer = trained_answer(plan)
        answer["losses"][-1] = ratio * true_loss(answer, plan)
        return judged(plan, answer)

    def test_it_checks_the_models_loss_within_loss_rtol(self):
        self.assertTrue(self.judged_with("recorded_loss: model", 1.0009).passed)
        self.assertFalse(self.judged_with("recorded_loss: model", 1.002).passed)
        self.assertTrue(self.judged_with("recorded_loss: model\n    loss_rtol: 0.01", 1.009).passed)
        message = self.judged_with("recorded_loss: model\n    loss_rtol: 0.01", 0.989).message
        self.assertIn("is not the mean squared error of the returned model on the whole training data", message)

    def test_it_checks_a_batches_figure_within_the_band_of_ratios(self):
        self.assertTrue(self.judged_with("", 0.76).passed)
        self.assertTrue(self.judged_with("", 1.32).passed)
        self.assertFalse(self.judged_with("", 1.4).passed)
        self.assertTrue(self.judged_with("loss_band: [0.95, 1.05]", 1.04).passed)
        message = self.judged_with("loss_band: [0.95, 1.05]", 0.9).message
        self.assertIn("as the grader computes it (from 0.95 to 1.05 times it)", message)


class RecordedLossFormatTests(SimpleTestCase):
    def test_it_defaults_to_batches_within_the_former_band(self):
        check = read(LINE_SPEC).checks[0]
        self.assertEqual((check.recorded_loss, check.loss_band, check.loss_rtol), ("batches", (0.75, 1.33), 1e-3))
        check = read(LINE_SPEC + "    recorded_loss: model\n    loss_rtol: 0.002\n").checks[0]
        self.assertEqual((check.recorded_loss, check.loss_rtol), ("model", 0.002))
        self.assertEqual(read(LINE_SPEC + "    loss_band: [0.9, 1.1]\n").checks[0].loss_band, (0.9, 1.1))

    def test_it_round_trips_through_json(self):
        for extra in ("recorded_loss: model\n    loss_rtol: 0.002", "loss_band: [0.9, 1.1]"):
            check = read(LINE_SPEC + f"    {extra}\n").checks[0]
            self.assertEqual(check_from_json(json.loads(json.dumps(check.to_json()))), check)

    def test_it_reports_bad_values_with_their_line(self):
        problems = {
            "recorded_loss: average": "exercise.yaml:5: 'recorded_loss' must be one of batches, model, got 'average'",
            "loss_band: [1.1, 1.3]": "exercise.yaml:5: 'loss_band' must be [low, high] ratios with 0 < low <= 1 <= "
                                     "high, got [1.1, 1.3]",
            "loss_rtol: 2": "exercise.yaml:5: 'loss_rtol' must be a number from 0 to 1, got 2",
            "recorded_loss: model\n    loss_band: [0.9, 1.1]":
                "exercise.yaml:5: 'loss_band' applies to recorded_loss: batches, not model",
            "loss_rtol: 0.01": "exercise.yaml:5: 'loss_rtol' applies to recorded_loss: model, not batches",
            "loss_must_decrease: false\n    recorded_loss: model":
                "exercise.yaml:5: 'recorded_loss' says how the recorded losses are judged, and loss_must_decrease: "
                "false leaves them unjudged",
        }
        for extra, problem in problems.items():
            with self.subTest(extra):
                self.assertIn(problem, read_problems(LINE_SPEC + f"    {extra}\n"))
