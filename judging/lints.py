"""Authoring lints: what validation reports about an exercise without refusing it.

Checks whose points can be earned without solving the exercise (only fixed visible cases; a
training threshold that a trivial model, fitted here on the trusted side, already reaches) and
tolerances that no honestly rounded float code can promise.
"""

import math
from dataclasses import replace

import torch

from .compare import DEFAULT_TOLERANCES
from .probes import TORCH_DTYPES, build_plan
from .spec import ExerciseSpec, ProbedCheck, TensorInput, TrainingCheck, ValueCheck

# The seeds the training lint draws data from: a threshold a trivial model reaches on any of them is
# within reach of a model that ignores most of its input.
LINT_SEEDS = range(5)


def lint_spec(spec: ExerciseSpec) -> list[str]:
    """The warnings about `spec`, each naming its check."""
    warnings = []
    for index, check in enumerate(spec.checks):
        label = f"check {index + 1} \"{check.name}\""
        if isinstance(check, ProbedCheck) and check.cases:
            warnings += _lint_fixed_cases(label, check)
        if isinstance(check, ValueCheck):
            warnings += _lint_tolerance(label, check)
        if isinstance(check, TrainingCheck):
            warnings += _lint_training(label, spec, check)
    return warnings


def _lint_fixed_cases(label: str, check: ProbedCheck) -> list[str]:
    varied = check.random or (check.hidden and not all(case.fixed for case in check.cases))
    if check.points <= 0 or varied:
        return []
    seen = "visible" if not check.hidden else "fixed hidden"
    return [f"{label} earns {check.points:g} points on {seen} cases only: hard-coding their outputs would "
            f"earn them (add random inputs, or pair the examples with a check that has some)"]


def _lint_tolerance(label: str, check: ValueCheck) -> list[str]:
    if check.rtol is None:
        return []
    dtypes = {TORCH_DTYPES[arg.dtype] for arg in check.arg_inputs if isinstance(arg, TensorInput)}
    floats = [dtype for dtype in dtypes if dtype.is_floating_point] or [torch.float32]
    # The least precise input dtype sets what an equivalent formula can promise.
    dtype = max(floats, key=lambda d: DEFAULT_TOLERANCES[d][0])
    default_rtol, default_atol = DEFAULT_TOLERANCES[dtype]
    if check.rtol >= default_rtol and check.atol >= default_atol:
        return []
    return [f"{label} sets rtol {check.rtol:g} / atol {check.atol:g}, tighter than {dtype}'s default "
            f"{default_rtol:g} / {default_atol:g}: an equivalent but differently rounded formula may fail it"]


def _lint_training(label: str, spec: ExerciseSpec, check: TrainingCheck) -> list[str]:
    """Thresholds that a trivial model, fitted here on the same data, already reaches."""
    for seed in LINT_SEEDS:
        plan = build_plan(replace(spec, checks=(check,)), seed)
        (probe,), private = plan.probes, plan.checks[0].private
        for name, figures in _baselines(check, probe, private["train_y"], private["holdout_y"]):
            reached = _reached(check, figures)
            if reached:
                return [f"{label}: {name} reaches {reached} (data drawn from seed {seed}): raise the bar so "
                        f"that only a model that learns from its input passes"]
    return []


def _reached(check: TrainingCheck, figures: dict) -> str:
    """The thresholds of `check` that `figures` (training loss, held-out mse, held-out accuracy) meet."""
    met = []
    if check.max_final_loss and figures.get("loss") is not None and figures["loss"] <= check.max_final_loss:
        met.append(f"max_final_loss {check.max_final_loss:g} (its {check.loss} is {figures['loss']:.4g})")
    if check.max_holdout_mse and figures.get("mse") is not None and figures["mse"] <= check.max_holdout_mse:
        met.append(f"max_holdout_mse {check.max_holdout_mse:g} (its held-out mse is {figures['mse']:.4g})")
    accuracy = figures.get("accuracy")
    if check.min_holdout_accuracy and accuracy is not None and accuracy >= check.min_holdout_accuracy:
        met.append(f"min_holdout_accuracy {check.min_holdout_accuracy:g} (its held-out accuracy is "
                   f"{accuracy:.1%})")
    return " and ".join(met)


def _baselines(check, probe, train_y, holdout_y):
    """(name, figures) of the trivial models of the data's kind."""
    loss = check.loss
    if loss == "cross_entropy" or loss in ("bce", "bce_with_logits"):
        yield "the majority-class predictor", _class_baseline(loss, train_y, holdout_y)
        return
    x, holdout_x = probe["x"].double(), probe["holdout_x"].double()
    train_y, holdout_y = train_y.double(), holdout_y.double()
    mean = train_y.mean(dim=0)
    yield "the constant predictor (the mean of the targets)", {
        "loss": float(((train_y - mean) ** 2).mean()), "mse": float(((holdout_y - mean) ** 2).mean())}
    if x.shape[1] > 1:
        best = min((_one_feature_fit(x[:, [j]], train_y, holdout_x[:, [j]], holdout_y) for j in range(x.shape[1])),
                   key=lambda figures: figures["mse"])
        yield "a line on the single best feature", best


def _one_feature_fit(x, y, holdout_x, holdout_y):
    design = torch.cat([x, torch.ones_like(x)], dim=1)
    solution = torch.linalg.lstsq(design, y).solution
    holdout_design = torch.cat([holdout_x, torch.ones_like(holdout_x)], dim=1)
    return {"loss": float(((design @ solution - y) ** 2).mean()),
            "mse": float(((holdout_design @ solution - holdout_y) ** 2).mean())}


def _class_baseline(loss, train_y, holdout_y):
    """Always the training set's most frequent class, and the training loss of predicting the class
    frequencies themselves (the best constant prediction)."""
    labels = train_y.long().flatten()
    counts = torch.bincount(labels, minlength=2).double()
    majority = int(counts.argmax())
    frequencies = (counts / counts.sum()).clamp(1e-12, 1 - 1e-12)
    if loss == "cross_entropy":
        constant_loss = float(-frequencies.log()[labels].mean())
    else:
        p = float(frequencies[1])
        constant_loss = float(-(labels * math.log(p) + (1 - labels) * math.log(1 - p)).double().mean())
    accuracy = float((holdout_y.long().flatten() == majority).double().mean())
    return {"loss": constant_loss, "accuracy": accuracy}
