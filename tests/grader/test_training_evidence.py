"""Training checks judge what the trusted side computes, never what the code reports.

The loss is recomputed from the returned model's predictions on the training data, held-out targets
never enter the sandbox, and hidden checks draw their data's parameters from the submission's seed.
Each submission here tries to collect points with a claim instead of training, through the real
sandbox; honest loops must still get full marks on every seed.
"""

import pytest
from django.conf import settings

from courses.loader import Problems
from grader.content import read_exercise
from judging.evaluation import evaluate
from tests.grader.factories import read

EXERCISES = settings.COURSE_CONTENT_DIR / "pytorch-essentials" / "07-training-loop" / "exercises"


def bundled(slug):
    problems = Problems()
    exercise = read_exercise(EXERCISES / slug, problems)
    assert not problems, problems
    return exercise


FIT_A_LINE = bundled("fit-a-line")
BLOB_CLASSIFIER = bundled("blob-classifier")
VISIBLE_LINE, HIDDEN_LINE = (check.name for check in FIT_A_LINE.spec.checks)


def outcomes(backend, spec, solution, code, seed=1):
    evaluation = evaluate(spec, solution, code, seed, backend)
    return evaluation, {check.name: outcome for check, outcome in evaluation.outcomes}


def grade_fit_a_line(backend, code, seed=1):
    return outcomes(backend, FIT_A_LINE.spec, FIT_A_LINE.solution, code, seed)


HAND_SET_MODEL = """
import torch
from torch import nn

def train(x, y, epochs=200, lr=0.1):
    model = nn.Linear(1, 1)
    with torch.no_grad():
        model.weight.fill_(10.0)
        model.bias.fill_(0.0)
    loss = nn.functional.mse_loss(model(x), y).item()
    return model, [10 * loss + 1, loss]
"""

CLOSED_FORM_WITH_A_MADE_UP_CURVE = """
import torch
from torch import nn

def train(x, y, epochs=200, lr=0.1):
    model = nn.Linear(1, 1)
    solution = torch.linalg.lstsq(torch.cat([x, torch.ones_like(x)], dim=1), y).solution
    with torch.no_grad():
        model.weight.copy_(solution[:1].T)
        model.bias.copy_(solution[1])
    return model, [100.0, 1.0, 0.0001]
"""

LOOKUP_TABLE = """
import torch
from torch import nn

class Lookup(nn.Module):
    def __init__(self, x, y):
        super().__init__()
        self.register_buffer("x", x)
        self.register_buffer("y", y)

    def forward(self, inputs):
        matches = (inputs[:, None, :] == self.x[None, :, :]).all(dim=2)
        known = self.y[matches.float().argmax(dim=1)]
        return torch.where(matches.any(dim=1, keepdim=True), known, torch.zeros_like(known))

def train(x, y, epochs, lr):
    return Lookup(x, y), [1.0, 0.0]
"""

LOOKUP_SPEC = """
title: Fit a line
entry: {training: train}
limits: {wall_s: 20, memory_mb: 1024}
checks:
  - kind: training
    name: Fits the line
    points: 2
    data: {kind: linear, weight: [2, 8], bias: [-1, 1], noise: 0.1, n: 64}
    args: {epochs: 200, lr: 0.1}
    holdout: {n: 200}
    max_final_loss: 0.05
    max_holdout_mse: 0.05
"""


def test_a_hand_set_model_fails_the_line_drawn_per_submission(grading_backend):
    evaluation, checks = grade_fit_a_line(grading_backend, HAND_SET_MODEL)
    assert checks[VISIBLE_LINE].passed  # y = 10x is the prompt's own example
    assert not checks[HIDDEN_LINE].passed
    assert evaluation.score == evaluation.max_score - next(
        check.points for check, _ in evaluation.outcomes if check.name == HIDDEN_LINE)  # the visible line only


def test_a_function_instead_of_a_module_earns_nothing(grading_backend):
    evaluation, checks = grade_fit_a_line(grading_backend, "def train(x, y, epochs, lr):\n"
                                                           "    return (lambda t: 10 * t), [1.0, 0.01]\n")
    assert evaluation.score == 0
    assert "must return a trained torch.nn.Module as its model, got function" in checks[VISIBLE_LINE].message


def test_a_made_up_loss_curve_fails_the_loss_check(grading_backend):
    evaluation, checks = grade_fit_a_line(grading_backend, CLOSED_FORM_WITH_A_MADE_UP_CURVE)
    message = checks[VISIBLE_LINE].message
    assert "the last loss you recorded, 0.0001, does not match the mean squared error of the returned model" in message
    assert "Reached: held-out mean squared error" in message
    assert evaluation.score == 0


def test_a_lookup_table_of_the_training_points_fails_on_held_out_data(grading_backend):
    spec = read(LOOKUP_SPEC)
    _, checks = outcomes(grading_backend, spec, FIT_A_LINE.solution, LOOKUP_TABLE)
    outcome = checks["Fits the line"]
    assert not outcome.passed
    assert outcome.message.startswith("Training did not reach the target: held-out mean squared error")
    assert "Reached: loss went from 1 to 0; final training mean squared error 0 ≤ threshold 0.05." in outcome.message


SGD_LINE = """
import torch

def train(x, y, epochs=200, lr=0.1):
    line = torch.nn.Linear(1, 1)
    sgd = torch.optim.SGD(line.parameters(), lr=lr)
    history = []
    for _ in range(epochs):
        sgd.zero_grad()
        error = torch.nn.functional.mse_loss(line(x), y)
        error.backward()
        sgd.step()
        history.append(error.item())
    return line, history
"""
BLOBS_SGD = BLOB_CLASSIFIER.solution.replace("torch.optim.Adam", "torch.optim.SGD")
BLOBS_ADAM_LOGISTIC = """
import torch
from torch import nn

def train(x, y, epochs=300, lr=0.05):
    model = nn.Sequential(nn.Linear(x.shape[1], 1), nn.Sigmoid())
    optimizer = torch.optim.Adam(model.parameters(), lr=lr)
    losses = []
    for _ in range(epochs):
        optimizer.zero_grad()
        loss = nn.functional.binary_cross_entropy(model(x), y)
        loss.backward()
        optimizer.step()
        losses.append(loss)
    return model, losses
"""
# The bundled blob classifier asks for logits (nn.BCEWithLogitsLoss), as chapter 6 advises.
LOGITS_LOOP = (BLOBS_ADAM_LOGISTIC
               .replace("nn.Sequential(nn.Linear(x.shape[1], 1), nn.Sigmoid())", "nn.Linear(x.shape[1], 1)")
               .replace("binary_cross_entropy(", "binary_cross_entropy_with_logits("))


@pytest.mark.slow
@pytest.mark.parametrize("exercise,code", [
    (FIT_A_LINE, SGD_LINE), (BLOB_CLASSIFIER, LOGITS_LOOP), (BLOB_CLASSIFIER, BLOBS_SGD),
], ids=["fit-a-line-sgd", "blobs-adam", "blobs-sgd"])
def test_honest_loops_get_full_marks_on_every_seed(grading_backend, exercise, code):
    failures = {}
    for seed in range(8):
        # The loop is its own reference (one sandbox run): the judge's figures come from its model alone.
        evaluation, checks = outcomes(grading_backend, exercise.spec, code, code, seed)
        failures.update({(seed, name): o.message for name, o in checks.items() if not o.passed})
    assert not failures


LOGITS_SPEC = """
title: Blobs
entry: {training: train}
limits: {wall_s: 20, memory_mb: 1024}
checks:
  - kind: training
    name: Separates the blobs
    points: 1
    data: {kind: blobs, separation: [0.7, 1.0], centre: [-1, 1], features: 2, n: 256}
    args: {epochs: 300, lr: 0.05}
    holdout: {n: 500}
    loss: bce_with_logits
    min_holdout_accuracy: 0.9
"""


def test_a_model_of_logits_is_judged_with_the_logits_loss(grading_backend):
    _, checks = outcomes(grading_backend, read(LOGITS_SPEC), LOGITS_LOOP, LOGITS_LOOP)
    assert checks["Separates the blobs"].passed, checks["Separates the blobs"].message
    assert "loss went from" in checks["Separates the blobs"].message


def test_logits_where_the_check_computes_the_loss_of_probabilities_are_refused(grading_backend):
    spec = read(LOGITS_SPEC.replace("loss: bce_with_logits", "loss: bce"))
    _, checks = outcomes(grading_backend, spec, BLOBS_ADAM_LOGISTIC, LOGITS_LOOP)
    assert "must output probabilities between 0 and 1" in checks["Separates the blobs"].message
