"""Training checks judge what the trusted side computes, never what the code reports.

The loss is recomputed from the returned model's predictions on the training data, held-out targets
never enter the sandbox, and hidden checks draw their data's parameters from the submission's seed.
Each submission here tries to collect points with a claim instead of training, through the real
sandbox; honest loops must still get full marks on every seed.
"""

from dataclasses import replace

import pytest
from django.conf import settings

from courses.loader import Problems
from grader.content import read_exercise
from judging.evaluation import evaluate
from tests.grader.factories import read

COURSE = settings.COURSE_CONTENT_DIR / "pytorch-essentials"


def bundled(slug, chapter="07-training-loop"):
    problems = Problems()
    exercise = read_exercise(COURSE / chapter / "exercises" / slug, problems)
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
    return model, [10 * loss + 1] * (epochs - 1) + [loss]
"""

# The attacks of issue 18, as the bundled exercises' mistakes: a closed-form line with no optimizer, and
# lookups of the training data kept in buffers (with layers that are never used, or trained on a loss of
# their own), each with a made-up curve that ends at the model's true loss.
CLOSED_FORM = FIT_A_LINE.spec.selftests["mistakes/closed_form_with_a_made_up_curve.py"]
ONE_PER_EPOCH = "[100.0] * (epochs - 1) + [loss]"

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


def test_a_hand_set_model_earns_nothing(grading_backend):
    evaluation, checks = grade_fit_a_line(grading_backend, HAND_SET_MODEL)
    assert evaluation.score == 0
    assert "parameter bias (and 1 more) was never updated by an optimizer's step()" in checks[VISIBLE_LINE].message


def test_a_function_instead_of_a_module_earns_nothing(grading_backend):
    evaluation, checks = grade_fit_a_line(grading_backend, "def train(x, y, epochs, lr):\n"
                                                           "    return (lambda t: 10 * t), [1.0, 0.01]\n")
    assert evaluation.score == 0
    assert "must return a trained torch.nn.Module as its model, got function" in checks[VISIBLE_LINE].message


def test_a_closed_form_line_without_an_optimizer_earns_nothing(grading_backend):
    assert ONE_PER_EPOCH in CLOSED_FORM
    for losses, reason in (("[100.0, loss]", "must return one loss per epoch: 200 values for epochs=200, got 2"),
                           (ONE_PER_EPOCH, "parameter bias (and 1 more) was never updated by an optimizer's step()")):
        evaluation, checks = grade_fit_a_line(grading_backend, CLOSED_FORM.replace(ONE_PER_EPOCH, losses))
        assert evaluation.score == 0, losses
        assert reason in checks[VISIBLE_LINE].message


# The records of the training come from the student's process: code that could rewrite them is refused.
FORGED_RECORDS = """
import __main__

def forged(self, model):
    final = {name: p.detach().clone() for name, p in model.named_parameters()}
    return {"parameters": final, "initial_parameters": {name: t + 1 for name, t in final.items()},
            "optimizer_steps": {name: 200 for name in final}}

__main__.OptimizerRecorder.evidence = forged
""" + CLOSED_FORM


def test_code_that_could_rewrite_the_records_of_the_training_earns_nothing(grading_backend):
    evaluation, checks = grade_fit_a_line(grading_backend, FORGED_RECORDS)
    assert evaluation.score == 0
    assert checks[VISIBLE_LINE].message.startswith(
        "line 2: uses `__main__`, which is where the grading harness lives, so the grader's records of your "
        "training could not be trusted")


# Each digits exercise's lookup mistake, and the rule that refuses it.
LOOKUPS = {
    ("08-data-loading", "digits-classifier", "nearest_image_lookup.py"): "must return one loss per epoch",
    ("09-saving-and-evaluating", "noisy-labels", "nearest_image_lookup.py"):
        "was never updated by an optimizer's step()",
    ("10-applications", "digits-cnn", "nearest_image_lookup_with_unused_layers.py"):
        "the returned model's predictions hardly depend on its parameters",
}


# A reference that costs little (the bundled ones train for seconds): the judge reads only its curve.
SMALL_DIGITS_REFERENCE = """
import torch
from torch import nn

def train(images, labels, epochs, lr, batch_size=None):
    model = nn.Sequential(nn.Flatten(), nn.Linear(64, 10))
    optimizer = torch.optim.Adam(model.parameters(), lr=lr)
    losses = []
    for _ in range(epochs):
        optimizer.zero_grad()
        loss = nn.functional.cross_entropy(model(images), labels)
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    return model, losses
"""


@pytest.mark.parametrize("chapter,slug,mistake", LOOKUPS, ids=[slug for _, slug, _ in LOOKUPS])
def test_a_lookup_of_the_training_images_earns_no_training_points(grading_backend, chapter, slug, mistake):
    exercise = bundled(slug, chapter)
    code = exercise.spec.selftests[f"mistakes/{mistake}"]
    # The cheap reference takes one full-batch step per epoch: the arguments' use is not what is tested here.
    spec = replace(exercise.spec, checks=tuple(replace(check, verify_args=()) if check.kind == "training" else check
                                               for check in exercise.spec.checks))
    _, checks = outcomes(grading_backend, spec, SMALL_DIGITS_REFERENCE, code)
    training = [check for check in exercise.spec.checks if check.kind == "training"]
    assert not any(checks[check.name].passed for check in training)
    visible = next(check.name for check in training if not check.hidden)
    assert LOOKUPS[chapter, slug, mistake] in checks[visible].message, checks[visible].message


def test_a_lookup_table_of_the_training_points_has_no_parameters_to_train(grading_backend):
    spec = read(LOOKUP_SPEC)
    _, checks = outcomes(grading_backend, spec, FIT_A_LINE.solution, LOOKUP_TABLE)
    outcome = checks["Fits the line"]
    assert not outcome.passed
    assert outcome.message.startswith("the returned model has no parameters: a lookup of the training data")


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


# Honest loops of every common shape: each optimizer, on the whole batch, on mini-batches drawn by hand
# and through a DataLoader, recording one loss per epoch (the epoch's mean for mini-batches).
PLANE_SPEC = """
title: Fit a plane
entry: {training: train}
limits: {wall_s: 120, cpu_s: 60, memory_mb: 1024}
checks:
  - kind: training
    name: Fits the plane
    points: 1
    data: {kind: linear, weight: [-3, 3], bias: [-1, 1], features: 3, noise: 0.05, n: 256}
    args: {epochs: 100, lr: LR, batch_size: 32}
    losses_per: epoch
    holdout: {n: 200}
    max_final_loss: 0.02
    max_holdout_mse: 0.02
"""
PLANE_LOOP = """
import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset

def train(x, y, epochs, lr, batch_size):
    model = nn.Linear(x.shape[1], 1)
    optimizer = OPTIMIZER(model.parameters(), lr=lr)
    loss_fn = nn.MSELoss()
    losses = []
    for _ in range(epochs):
LOOP
    return model, losses
"""
FULL_BATCH = """
        optimizer.zero_grad()
        loss = loss_fn(model(x), y)
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
"""
MINI_BATCHES = """
        total = 0.0
        for batch in torch.randperm(len(x)).split(batch_size):
            optimizer.zero_grad()
            loss = loss_fn(model(x[batch]), y[batch])
            loss.backward()
            optimizer.step()
            total += loss.item() * len(batch)
        losses.append(total / len(x))
"""
DATA_LOADER = """
        total = 0.0
        for batch_x, batch_y in DataLoader(TensorDataset(x, y), batch_size=batch_size, shuffle=True):
            optimizer.zero_grad()
            loss = loss_fn(model(batch_x), batch_y)
            loss.backward()
            optimizer.step()
            total += loss.item() * len(batch_x)
        losses.append(total / len(x))
"""
# Each optimizer with its learning rates on the whole batch (100 steps) and on mini-batches (800 steps).
OPTIMIZERS = {"sgd": ("torch.optim.SGD", 0.1, 0.1), "adam": ("torch.optim.Adam", 0.1, 0.02),
              "adamw": ("torch.optim.AdamW", 0.1, 0.02)}
LOOPS = {"full-batch": FULL_BATCH, "mini-batches": MINI_BATCHES, "data-loader": DATA_LOADER}


@pytest.mark.slow
@pytest.mark.parametrize("optimizer", OPTIMIZERS)
@pytest.mark.parametrize("loop", LOOPS)
def test_honest_sgd_adam_and_adamw_loops_get_full_marks_on_every_seed(grading_backend, optimizer, loop):
    name, full_batch_lr, mini_batch_lr = OPTIMIZERS[optimizer]
    lr = full_batch_lr if loop == "full-batch" else mini_batch_lr
    code = PLANE_LOOP.replace("OPTIMIZER", name).replace("LOOP\n", LOOPS[loop].lstrip("\n"))
    spec = read(PLANE_SPEC.replace("LR", str(lr)))
    failures = {}
    for seed in range(8):
        evaluation, checks = outcomes(grading_backend, spec, code, code, seed)
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
