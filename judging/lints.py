"""Authoring lints: what validation reports about an exercise without refusing it.

Checks whose points can be earned without solving the exercise (only fixed visible cases; a
training threshold that a trivial model, fitted here on the trusted side, already reaches),
tolerances that no honestly rounded float code can promise, recorded-loss bands looser than the
figure a prompt defines, and checks looser than the prompt's words: a dtype the prompt speaks of that
no input varies, an argument of the entry that no check varies.
"""

import math
import re
from dataclasses import replace

import torch

from .compare import DEFAULT_TOLERANCES
from .probes import TORCH_DTYPES, build_plan
from .spec import Check, ExerciseSpec, ProbedCheck, TensorInput, TrainingCheck, ValueCheck

# The seeds the training lint draws data from: a threshold a trivial model reaches on any of them is
# within reach of a model that ignores most of its input.
LINT_SEEDS = range(5)
# The loosest band (ratios of the last recorded loss to the grader's own) that still pins down the figure
# a prompt defines: the unweighted mean of the mini-batches' losses, or the last one's, ends further off.
LOOSEST_LOSS_BAND = (0.9, 1.1)
# Words with which a prompt promises something of dtypes.
DTYPE_WORDS = re.compile(r"\bdtypes?\b|same type as|float64|float32|precision", re.IGNORECASE)


def lint_spec(spec: ExerciseSpec, *, prompt: str = "") -> list[str]:
    """The warnings about `spec` (and the `prompt` the student reads), each naming its check or argument."""
    warnings = []
    for index, check in enumerate(spec.checks):
        label = _check_label(index, check)
        if isinstance(check, ProbedCheck) and check.cases:
            warnings += _lint_fixed_cases(label, check)
        if isinstance(check, ValueCheck):
            warnings += _lint_tolerance(label, check)
        if isinstance(check, TrainingCheck):
            warnings += _lint_training(label, spec, check)
    return warnings + _lint_dtype_never_varies(spec, prompt) + _lint_arguments_never_vary(spec)


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
    dtypes = {TORCH_DTYPES[dtype] for arg in check.arg_inputs if isinstance(arg, TensorInput)
              for dtype in arg.dtypes or (arg.dtype,)}
    floats = [dtype for dtype in dtypes if dtype.is_floating_point] or [torch.float32]
    # The least precise input dtype sets what an equivalent formula can promise.
    dtype = max(floats, key=lambda d: DEFAULT_TOLERANCES[d][0])
    default_rtol, default_atol = DEFAULT_TOLERANCES[dtype]
    if check.rtol >= default_rtol and check.atol >= default_atol:
        return []
    return [f"{label} sets rtol {check.rtol:g} / atol {check.atol:g}, tighter than {dtype}'s default "
            f"{default_rtol:g} / {default_atol:g}: an equivalent but differently rounded formula may fail it"]


def _lint_dtype_never_varies(spec: ExerciseSpec, prompt: str) -> list[str]:
    """A prompt that speaks of dtypes ("the same dtype as x", "float64") where every float tensor input has
    one dtype: a solution that casts to it, or ignores its input's dtype, loses nothing."""
    mention = DTYPE_WORDS.search(prompt)
    checks = [(index, check) for index, check in enumerate(spec.checks) if isinstance(check, ProbedCheck)]
    tensors = {index: [arg for arg in check.arg_inputs if isinstance(arg, TensorInput)] for index, check in checks}
    floats = {arg.dtype for inputs in tensors.values() for arg in inputs if TORCH_DTYPES[arg.dtype].is_floating_point}
    if not mention or len(floats) != 1 or any(arg.dtypes for inputs in tensors.values() for arg in inputs):
        return []
    named = ", ".join(_check_label(index, check) for index, check in checks if tensors[index])
    return [f"the prompt speaks of dtypes ({mention.group(0)!r}), but every float tensor input of {named} is "
            f"{floats.pop()}: a solution that ignores its input's dtype, or casts to that one, loses nothing; sweep "
            f"an input's dtypes (dtypes: [float32, float64])"]


def _lint_arguments_never_vary(spec: ExerciseSpec) -> list[str]:
    """An argument of the entry that gets the same value in every probe (function entries) or every
    training check (training entries), unless a training check verifies it: code that ignores it and uses
    a constant of its own loses nothing."""
    if spec.entry.kind == "function":
        return [f"argument {position + 1} of {spec.entry.name} is {shown} in every probe of every check: code that "
                f"ignores it and uses that value loses nothing; give it another value in some probe"
                for position, shown in _constant_positions(spec)]
    if spec.entry.kind != "training":
        return []
    training = [check for check in spec.checks if isinstance(check, TrainingCheck)]
    verified = frozenset().union(*map(verified_training_arguments, training))
    warnings = []
    for name in sorted({name for check in training for name in check.kwargs} - verified):
        values = [check.kwargs[name] for check in training if name in check.kwargs]
        if len(values) == len(training) and all(value == values[0] for value in values):
            warnings.append(f"the argument {name}={values[0]!r} of {spec.entry.name} is the same in every training "
                            f"check and none verifies it: code that ignores it and uses that value loses nothing; "
                            f"give it another value in another check, or verify it (verify_args)")
    return warnings


def _constant_positions(spec: ExerciseSpec) -> list[tuple[int, str]]:
    """(position, value shown) of the arguments that every probe of every check passes, the same, on the
    probes of two seeds (a hidden check's cases are varied per seed)."""
    probed = replace(spec, checks=tuple(check for check in spec.checks if isinstance(check, ProbedCheck)))
    probes = [probe["args"] for seed in LINT_SEEDS[:2] for probe in build_plan(probed, seed).probes]
    if not probes:
        return []
    first = probes[0]
    return [(position, _shown(value)) for position, value in enumerate(first)
            if all(len(args) > position and _same(args[position], value) for args in probes)]


def _same(a: object, b: object) -> bool:
    if isinstance(a, torch.Tensor) or isinstance(b, torch.Tensor):
        return (type(a) is type(b) and a.dtype == b.dtype and a.shape == b.shape
                and bool(torch.equal(a.detach(), b.detach())))
    return type(a) is type(b) and a == b


def _shown(value: object) -> str:
    if isinstance(value, torch.Tensor):
        return f"the same {tuple(value.shape)} {str(value.dtype).removeprefix('torch.')} tensor"
    return repr(value)[:40]


def _check_label(index: int, check: Check) -> str:
    return f"check {index + 1} \"{check.name}\""


def verified_training_arguments(check: Check) -> frozenset[str]:
    """The entry's arguments whose use the check verifies from the records of the training (verify_args)."""
    return frozenset(check.verify_args) if isinstance(check, TrainingCheck) else frozenset()


def _lint_training(label: str, spec: ExerciseSpec, check: TrainingCheck) -> list[str]:
    return _lint_loss_band(label, check) + _lint_baselines(label, spec, check)


def _lint_loss_band(label: str, check: TrainingCheck) -> list[str]:
    """A recorded-loss band looser than the figure the prompt defines."""
    low, high = check.loss_band
    if not check.loss_must_decrease or check.recorded_loss != "batches" or (
            LOOSEST_LOSS_BAND[0] <= low and high <= LOOSEST_LOSS_BAND[1]):
        return []
    return [f"{label} accepts a last recorded loss from {low:g} to {high:g} times the grader's own training loss "
            f"(recorded_loss: batches), looser than {LOOSEST_LOSS_BAND[0]:g} to {LOOSEST_LOSS_BAND[1]:g}: a "
            f"mini-batch's loss or another average than the prompt's passes; define the figure in the prompt as "
            f"the model's loss on the training set (recorded_loss: model), or narrow loss_band"]


def _lint_baselines(label: str, spec: ExerciseSpec, check: TrainingCheck) -> list[str]:
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
