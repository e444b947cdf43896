"""order: sorted sends the training points sorted by target, so that a prompt's "shuffle the data" is tested:
a loader without shuffling then trains on one class at a time. The held-out points are unchanged."""

import functools

import torch
from django.test import SimpleTestCase

from grader.runner import get_backend
from judging.evaluation import evaluate, run_reference
from judging.probes import build_plan
from tests.grader.factories import read, read_problems

# The bundled digits classifier's settings (its reference, minus `shuffle`, measured on 6 seeds: training
# cross-entropy 0.24 to 0.31 and held-out accuracy 92% to 95% on sorted images; with shuffling, 0.05 and
# 96% to 98%).
DIGITS_SPEC = """
title: Digits
entry: {training: train}
limits: {wall_s: 60, cpu_s: 60, memory_mb: 1024}
checks:
  - kind: training
    name: Learns the digits from sorted images
    points: 1
    data: {kind: digits, n: 1000, order: sorted}
    holdout: {n: 500}
    args: {epochs: 20, lr: 0.005, batch_size: 64}
    losses_per: epoch
    min_holdout_accuracy: 0.94
    max_final_loss: 0.15
"""
LOADER = """
import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset

def train(images, labels, epochs, lr, batch_size):
    loader = DataLoader(TensorDataset(images, labels), batch_size=batch_size, shuffle=True)
    model = nn.Sequential(nn.Flatten(), nn.Linear(64, 64), nn.ReLU(), nn.Linear(64, 10))
    loss_fn = nn.CrossEntropyLoss()
    optimizer = torch.optim.Adam(model.parameters(), lr=lr)
    losses = []
    for _ in range(epochs):
        total = 0.0
        for batch_images, batch_labels in loader:
            loss = loss_fn(model(batch_images), batch_labels)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            total += loss.item() * len(batch_labels)
        losses.append(total / len(labels))
    return model, losses
"""
SEED = 4


@functools.cache
def reference_answers():
    return run_reference(read(DIGITS_SPEC), LOADER, SEED, get_backend())


def outcome(backend, code):
    evaluation = evaluate(read(DIGITS_SPEC), LOADER, code, SEED, backend, reference_answers())
    ((_, result),) = evaluation.outcomes
    return result


def test_it_fails_a_loader_that_does_not_shuffle_sorted_data(grading_backend):
    result = outcome(grading_backend, LOADER.replace("shuffle=True", "shuffle=False"))
    assert not result.passed
    assert "final training cross-entropy" in result.message and "> threshold 0.15" in result.message, result.message


def test_it_passes_a_loader_that_shuffles_them(grading_backend):
    result = outcome(grading_backend, LOADER + "\n")  # not the reference's text: a run of its own
    assert result.passed, result.message


def training_probe(spec_yaml, seed=3):
    plan = build_plan(read(spec_yaml), seed)
    return plan.probes[0], plan.checks[0].private


class SortedDataTests(SimpleTestCase):
    def test_it_sends_the_digits_sorted_by_class_and_keeps_the_held_out_images(self):
        shuffled, shuffled_private = training_probe(DIGITS_SPEC.replace(", order: sorted", ""))
        probe, private = training_probe(DIGITS_SPEC)
        labels = probe["y"]
        self.assertTrue(bool((labels[1:] >= labels[:-1]).all()))
        self.assertEqual(labels.tolist(), sorted(shuffled["y"].tolist()))
        self.assertTrue(torch.equal(private["train_y"], labels))
        # The same images with their labels, in another order; ties in the order they were drawn.
        first_zeros = shuffled["x"][shuffled["y"] == 0]
        self.assertTrue(torch.equal(probe["x"][: len(first_zeros)], first_zeros))
        self.assertTrue(torch.equal(probe["holdout_x"], shuffled["holdout_x"]))
        self.assertTrue(torch.equal(private["holdout_y"], shuffled_private["holdout_y"]))

    def test_it_sorts_blobs_by_class_and_a_line_by_its_target(self):
        blobs = ("title: b\nentry: {training: train}\nchecks:\n  - {kind: training, name: b, min_holdout_accuracy: 0.9, "
                 "data: {kind: blobs, features: 2, n: 64, order: sorted}}\n")
        probe, _ = training_probe(blobs)
        self.assertEqual(probe["y"][:, 0].tolist(), sorted(probe["y"][:, 0].tolist()))
        line, _ = training_probe(blobs.replace("blobs", "linear").replace("min_holdout_accuracy", "max_holdout_mse"))
        self.assertEqual(line["y"][:, 0].tolist(), sorted(line["y"][:, 0].tolist()))
        self.assertEqual(read(blobs.replace(", order: sorted", "")).checks[0].data.order, "shuffled")

    def test_it_reports_an_unknown_order_with_its_line(self):
        self.assertIn("exercise.yaml:9: 'order' must be one of shuffled, sorted, got 'reversed'",
                      read_problems(DIGITS_SPEC.replace("order: sorted", "order: reversed")))
