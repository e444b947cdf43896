"""verify_args: the arguments a prompt says to use (lr, batch_size, epochs) are verified from the harness's
records of the training: each optimizer step's learning rates and the batches the returned model trained
on. Graded through the real sandbox: a loop that hard-codes a default instead of its argument fails, and
a correct one passes; the records are claims, so a missing or malformed one fails too.
"""

import functools

import pytest
from django.test import SimpleTestCase

from grader.runner import get_backend
from judging.evaluation import evaluate, run_reference
from judging.verdicts import ReferenceFailed
from tests.grader.factories import read, read_problems
from tests.grader.test_training_claims import SPEC as LINE_SPEC
from tests.grader.test_training_claims import judged, plan_of, trained_answer

SPEC = """
title: Fit a plane
entry: {training: train}
limits: {wall_s: 60, cpu_s: 60, memory_mb: 1024}
checks:
  - kind: training
    name: Fits the plane
    points: 1
    data: {kind: linear, weight: [-3, 3], bias: [-1, 1], features: 3, noise: 0.1, n: 250}
    args: {epochs: 12, lr: 0.05, batch_size: 32}
    verify_args: [lr, batch_size, epochs]
    holdout: {n: 200}
    max_holdout_mse: 0.5
"""
# A DataLoader over 250 points in batches of 32: 8 steps per epoch, the last on 26 points. Each epoch it
# also measures the loss of the whole training set with gradients on: a forward pass no gradient reaches
# is not a training batch.
LOOP = """
import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset

def train(x, y, epochs, lr, batch_size):
    model = nn.Linear(x.shape[1], 1)
    optimizer = torch.optim.SGD(model.parameters(), lr=lr)
    loss_fn = nn.MSELoss()
    losses = []
    for _ in range(epochs):
        for batch_x, batch_y in DataLoader(TensorDataset(x, y), batch_size=batch_size, shuffle=True):
            optimizer.zero_grad()
            loss = loss_fn(model(batch_x), batch_y)
            loss.backward()
            optimizer.step()
        losses.append(float(loss_fn(model(x), y)))
    return model, losses
"""
RANDOM_BATCHES = """
        for _ in range(-(-len(x) // batch_size)):
            batch = torch.randint(0, len(x), (ROWS,))
            optimizer.zero_grad()
            loss = loss_fn(model(x[batch]), y[batch])
            loss.backward()
            optimizer.step()
"""
LOADER = """
        for batch_x, batch_y in DataLoader(TensorDataset(x, y), batch_size=batch_size, shuffle=True):
            optimizer.zero_grad()
            loss = loss_fn(model(batch_x), batch_y)
            loss.backward()
            optimizer.step()
"""
MISTAKES = {
    "lr": (LOOP.replace("lr=lr", "lr=0.01"),
           "the optimizer's learning rate was 0.01 at its first step, but train was called with lr=0.05"),
    "batch_size": (LOOP.replace("batch_size=batch_size", "batch_size=64"),
                   "the optimizer took 48 steps, but train was called with epochs=12 and batch_size=32: 8 "
                   "mini-batches per epoch on 250 examples, 96 steps"),
    "epochs": (LOOP.replace("range(epochs)", "range(10)"), "the optimizer took 80 steps, but train was called with "
                                                           "epochs=12 and batch_size=32"),
    "larger-batches": (LOOP.replace(LOADER, RANDOM_BATCHES.replace("ROWS", "64")),
                       "the model trained on a batch of 64 rows, but train was called with batch_size=32"),
    "batches-that-do-not-cover-the-data": (
        LOOP.replace(LOADER, RANDOM_BATCHES.replace("ROWS", "batch_size")),
        "the model's training batches (96 batches of 3072 rows in all) do not cover the 250 training examples "
        "once per epoch, 12 times (epochs=12)"),
}
SEED = 2


@functools.cache
def reference_answers(spec_yaml):
    return run_reference(read(spec_yaml), LOOP, SEED, get_backend())


def outcome(backend, code, spec_yaml=SPEC):
    evaluation = evaluate(read(spec_yaml), LOOP, code, SEED, backend, reference_answers(spec_yaml))
    ((_, result),) = evaluation.outcomes
    return result


def test_it_passes_a_loop_that_uses_its_arguments(grading_backend):
    result = outcome(grading_backend, LOOP + "\n")  # not the reference's text: a run of its own
    assert result.passed, result.message


@pytest.mark.parametrize("mistake", MISTAKES)
def test_it_fails_a_loop_that_ignores_an_argument(grading_backend, mistake):
    code, message = MISTAKES[mistake]
    assert code != LOOP
    result = outcome(grading_backend, code)
    assert not result.passed
    assert message in result.message, result.message


FULL_BATCH_SPEC = SPEC.replace("{epochs: 12, lr: 0.05, batch_size: 32}", "{epochs: 200, lr: 0.1}").replace(
    "verify_args: [lr, batch_size, epochs]", "verify_args: [epochs]")
FULL_BATCH = """
import torch
from torch import nn

def train(x, y, epochs, lr):
    model = nn.Linear(x.shape[1], 1)
    optimizer = torch.optim.Adam(model.parameters(), lr=0.05)
    losses = []
    for _ in range(EPOCHS):
        optimizer.zero_grad()
        loss = nn.functional.mse_loss(model(x), y)
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    return model, losses
"""


def test_it_counts_one_full_batch_step_per_epoch_and_leaves_lr_alone_unless_listed(grading_backend):
    reference = FULL_BATCH.replace("EPOCHS", "epochs")
    evaluation = evaluate(read(FULL_BATCH_SPEC), reference, FULL_BATCH.replace("EPOCHS", "100"), SEED, grading_backend)
    ((_, result),) = evaluation.outcomes
    assert not result.passed
    assert ("the optimizer took 100 steps, but train was called with epochs=200: one step per epoch on the whole "
            "training data, 200 steps") in result.message
    evaluation = evaluate(read(FULL_BATCH_SPEC), reference, reference, SEED, grading_backend)
    assert evaluation.score == evaluation.max_score, evaluation.outcomes


# The records, judged on answers written here: test_training_claims's honest answer, 50 epochs of one step.
ARGUMENTS_SPEC = LINE_SPEC.replace("losses_per: epoch", "losses_per: epoch\n    verify_args: [lr, epochs]")


def with_records(plan, learning_rates=None, training_batches=None):
    answer = trained_answer(plan)
    answer["learning_rates"] = [[0.1]] * 50 if learning_rates is None else learning_rates
    answer["training_batches"] = [64] * 50 if training_batches is None else training_batches
    return answer


class ArgumentRecordTests(SimpleTestCase):
    def test_it_passes_records_that_show_the_arguments(self):
        plan = plan_of(ARGUMENTS_SPEC)
        outcome = judged(plan, with_records(plan), with_records(plan))
        self.assertTrue(outcome.passed, outcome.message)

    def test_it_fails_missing_or_malformed_records(self):
        plan = plan_of(ARGUMENTS_SPEC.replace("[lr, epochs]", "[lr, batch_size, epochs]").replace(
            "lr: 0.1}", "lr: 0.1, batch_size: 64}"))
        cases = {
            "rates missing": ({"learning_rates": None}, "the grader's record of the optimizer's steps is missing"),
            "rates as text": ({"learning_rates": [["0.1"]] * 50}, "the grader's record of the optimizer's steps"),
            "a group without a rate": ({"learning_rates": [[None]] * 50}, "the optimizer's learning rate was none"),
            "batches missing": ({"training_batches": None}, "the grader's record of the training batches is missing"),
            "batches as booleans": ({"training_batches": [True] * 50}, "the grader's record of the training batches"),
            "no batches": ({"training_batches": []}, "the grader saw no batch that the returned model trained on"),
        }
        for name, (changes, message) in cases.items():
            with self.subTest(name):
                answer = {key: value for key, value in {**with_records(plan), **changes}.items() if value is not None}
                outcome = judged(plan, answer, with_records(plan))
                self.assertFalse(outcome.passed)
                self.assertIn(message, outcome.message)

    def test_it_takes_the_first_steps_learning_rate_so_that_a_scheduler_may_change_it(self):
        plan = plan_of(ARGUMENTS_SPEC)
        decaying = [[0.1 * 0.9 ** step] for step in range(50)]
        self.assertTrue(judged(plan, with_records(plan, decaying), with_records(plan)).passed)
        outcome = judged(plan, with_records(plan, [[0.1, 0.01]] * 50), with_records(plan))
        self.assertIn("the optimizer's learning rate was 0.1, 0.01 at its first step, but train was called with "
                      "lr=0.1", outcome.message)

    def test_a_reference_that_ignores_an_argument_is_a_broken_exercise(self):
        plan = plan_of(ARGUMENTS_SPEC)
        with self.assertRaisesMessage(ReferenceFailed, "the reference solution's training on 0.train does not use "
                                                       "its arguments as verify_args asks: the optimizer took 40"):
            judged(plan, with_records(plan), with_records(plan, [[0.1]] * 40))


class VerifyArgsFormatTests(SimpleTestCase):
    def test_it_defaults_to_none_and_reads_the_list(self):
        self.assertEqual(read(LINE_SPEC).checks[0].verify_args, ())
        self.assertEqual(read(ARGUMENTS_SPEC).checks[0].verify_args, ("lr", "epochs"))

    def test_it_reports_arguments_it_cannot_verify_with_their_line(self):
        problems = {
            "[momentum]": "exercise.yaml:5: 'verify_args' must list some of lr, batch_size, epochs, got ['momentum']",
            "[lr, lr]": "exercise.yaml:5: 'verify_args' must list some of lr, batch_size, epochs, got ['lr', 'lr']",
            "[batch_size]": "exercise.yaml:5: 'verify_args' lists batch_size, which 'args' does not pass",
        }
        for listed, problem in problems.items():
            with self.subTest(listed):
                self.assertIn(problem, read_problems(ARGUMENTS_SPEC.replace("[lr, epochs]", listed)))
        self.assertIn("exercise.yaml:5: 'verify_args' lists lr: 'lr' must be a positive number, got 'fast'",
                      read_problems(ARGUMENTS_SPEC.replace("lr: 0.1}", "lr: fast}")))
        self.assertIn("exercise.yaml:5: 'verify_args' counts the optimizer steps from the args: 'epochs' must be a "
                      "positive integer, got 2.5",
                      read_problems(ARGUMENTS_SPEC.replace("epochs: 50", "epochs: 2.5").replace(
                          "    losses_per: epoch\n", "")))
