"""Judge each check of an exercise from the two sandbox runs' data (student and reference).

Nothing here trusts the student's run: its RESULT is only a candidate answer, validated and
compared with the reference's answers and with data (hold-out targets) that never left this
side. Hidden checks report pass or fail and a hint, never their inputs or expected values: at most
that the output's form (its dtype, type, length, keys or shape, without sizes) differs, and the
dtypes of a sweep's failing probe, which the exercise states.
"""

import math
from dataclasses import dataclass, field, replace

import torch

from .api_check import check_api, described
from .compare import (EXACT, Mismatch, Tolerance, check_predicates, compare, compare_distributions, describe,
                    structure_of, tensor_leaves)
from .probes import CheckPlan, Plan
from .spec import DIGITS_CLASSES, ApiCheck, RaisesCheck
from .tamper import find_tampering

HIDDEN_FAILURE = "Failed on a hidden test."
MAX_CALLED_NAMES = 10_000
MAX_RAISED_NAMES = 64
MAX_NAME_LENGTH = 1000


@dataclass
class Outcome:
    passed: bool
    message: str
    loss_history: dict = field(default_factory=dict)
    staff_message: str = ""  # why a hidden check failed: for staff only
    # What a hidden check's failure may tell the student beside its hint: the dtypes of a sweep's failing
    # probe, and a failure of the output's form alone (judging.compare.Mismatch.public); no hidden value.
    public_detail: str = ""


class RunAnswers:
    """The per-probe answers of one sandbox run, read defensively."""

    def __init__(self, value, failure=""):
        self.called_names = _called_names(value)
        self.failure = failure
        self.import_error = None
        self.probes = {}
        if failure:
            return
        if type(value) is not dict or type(value.get("probes")) is not dict:
            self.failure = f"the program's result could not be read (got {describe(value)})"
            return
        self.import_error = value.get("import_error")
        if self.import_error is not None and type(self.import_error) is not str:
            self.failure = "the program's result could not be read (a malformed import error)"
        self.probes = value["probes"]

    def answer(self, probe_id):
        """The probe's answer dict; raise Mismatch with the reason it is unusable."""
        answer = self._read(probe_id)
        if not answer["ok"]:
            raise Mismatch(_error_text(answer))
        return answer

    def raised(self, probe_id):
        """(the qualified names of the exception's classes, such as builtins.ValueError, error text) if
        the probe's call raised, or None if it returned; raise Mismatch if the run gave no answer at all."""
        answer = self._read(probe_id)
        if answer["ok"]:
            return None
        names = answer.get("raised")
        if type(names) is not list or len(names) > MAX_RAISED_NAMES or not all(
                type(n) is str and len(n) <= MAX_NAME_LENGTH for n in names):
            names = []
        return frozenset(names), _error_text(answer)

    def _read(self, probe_id):
        """The probe's answer dict, whether the call returned or raised."""
        if self.failure:
            raise Mismatch(self.failure)
        if self.import_error:
            raise Mismatch(f"importing your code failed:\n{self.import_error}")
        answer = self.probes.get(probe_id)
        if type(answer) is not dict or type(answer.get("ok")) is not bool:
            raise Mismatch("your program returned no answer for this test")
        return answer


def _error_text(answer):
    error = answer.get("error")
    return error if type(error) is str else "your code raised an exception"


def _called_names(value) -> frozenset[str]:
    """The torch functions the harness saw the code call. A claim from inside the sandbox, so it may
    only add failures (the api check's forbid rules): a missing or malformed list counts as none."""
    calls = value.get("calls") if type(value) is dict else None
    if type(calls) is not list or len(calls) > MAX_CALLED_NAMES or not all(
            type(name) is str and len(name) <= 200 for name in calls):
        return frozenset()
    return frozenset(calls)


class SplitAnswers:
    """The answers of a student whose probes ran in several jobs (visible and hidden checks)."""

    def __init__(self, parts):
        self._run_of = {probe["id"]: answers for probes, answers in parts for probe in probes}
        self.called_names = frozenset().union(*(answers.called_names for _, answers in parts))

    def answer(self, probe_id):
        return self._run(probe_id).answer(probe_id)

    def raised(self, probe_id):
        return self._run(probe_id).raised(probe_id)

    def _run(self, probe_id):
        run = self._run_of.get(probe_id)
        if run is None:
            raise Mismatch("your program returned no answer for this test")
        return run


# What judge_check reads answers from: one run, or a student's runs split into visible and hidden jobs.
Answers = RunAnswers | SplitAnswers


def judge_check(plan: CheckPlan, student: Answers, reference: Answers, source: str | dict[str, str]) -> Outcome:
    check = plan.check
    if check.kind == "api":  # judged from the source (and the run-time record), not from answers
        outcome = Outcome(*check_api_files(source, check, student.called_names))
    else:
        try:
            if check.kind == "training":
                _check_untampered(source)
            outcome = _JUDGES[check.kind](plan, student, reference)
        except Mismatch as exc:
            outcome = Outcome(False, str(exc), public_detail=exc.public)
    if check.hidden:
        # Anything derived from a hidden probe stays with staff, the student's own loss curve included.
        outcome.loss_history = {}
        if not outcome.passed:
            outcome.staff_message = outcome.message
            outcome.message = " ".join(filter(None, (HIDDEN_FAILURE, outcome.public_detail,
                                                     f"Hint: {check.hint}" if check.hint else "")))
    elif not outcome.passed and check.hint:
        outcome.message += f"\nHint: {check.hint}"
    return outcome


def check_api_files(code: str | dict[str, str], check: ApiCheck, called: frozenset[str]) -> tuple[bool, str]:
    """The api check over every file the student submitted (never the exercise's provided files): a
    forbidden name or syntax in any file fails it, a required name may be used in any of them, and
    dynamic code that would defeat the rules (judging.tamper) fails it wherever it is."""
    files = {"": code} if isinstance(code, str) else code
    tampering = [f"{name}{': ' * bool(name)}line {finding.line}: {finding.message}, so this exercise's api rules "
                 f"could not be enforced"
                 for name, source in sorted(files.items()) for finding in find_tampering(source)]
    passed, message = (check_api(code, check, called) if isinstance(code, str)
                       else _check_api_of_files(code, check, called))
    if tampering:
        return False, "\n".join(([] if passed else [message]) + tampering)
    return passed, message


def _check_api_of_files(code: dict[str, str], check: ApiCheck, called: frozenset[str]) -> tuple[bool, str]:
    problems, passes = [], []
    for number, (name, source) in enumerate(sorted(code.items())):
        # The run-time calls are the whole program's: report them once.
        passed, message = check_api(source, replace(check, require=()), called if number == 0 else None)
        (passes if passed else problems).extend(f"{name}: {line}" for line in message.splitlines())
    for rule in check.require:
        required = ApiCheck(name=check.name, require=(rule,))
        if not any(check_api(source, required, called)[0] for source in code.values()):
            problems.append(f"does not use {described(rule)} in any file, or it never ran, which this exercise "
                            f"requires")
    if problems:
        return False, "\n".join(problems)
    return True, f"Checked {len(code)} files: " + "; ".join(passes)


def _reference_answer(reference, probe_id):
    try:
        return reference.answer(probe_id)
    except Mismatch as exc:
        raise ReferenceFailed(f"the reference solution failed on {probe_id}: {exc}") from exc


class ReferenceFailed(Exception):
    """The exercise itself is broken: never the student's fault."""


def _format_inputs(args):
    shown = []
    for arg in args:
        if isinstance(arg, torch.Tensor):
            shown.append(f"tensor({arg.tolist()}, dtype={arg.dtype})" if arg.numel() <= 24 else f"tensor of shape {tuple(arg.shape)}")
        else:
            shown.append(repr(arg))
    return ", ".join(shown)


def _probe_shown(plan: CheckPlan, probe_id: str) -> str:
    """How a failure names its probe: by its inputs where the check is visible, and the dtypes of its sweep."""
    inputs = plan.visible_inputs.get(probe_id)
    shown = f" for inputs ({_format_inputs(inputs)})" if inputs is not None else " on a randomly drawn input"
    sweep = plan.swept_dtypes.get(probe_id)
    return shown + (f" (a dtype sweep: inputs in {' and '.join(sweep)})" if sweep else "")


def _probe_public(plan: CheckPlan, probe_id: str, form: str = "") -> str:
    """What a hidden check's failure on the probe may say: the dtypes of its sweep (the spec's, not drawn)
    and `form`, a failure of the output's form alone."""
    sweep = plan.swept_dtypes.get(probe_id)
    return " ".join(filter(None, (f"Its inputs were {' and '.join(sweep)}." if sweep else "", form)))


def _judge_values(plan, student, reference):
    check = plan.check
    tolerance = Tolerance.of_check(check)
    for probe_id in plan.probe_ids:
        expected = _reference_answer(reference, probe_id)
        try:
            got = student.answer(probe_id)
            check_predicates(got.get("output"), check.predicates, tolerance)
            if check.match_reference:
                compare(expected["output"], got.get("output"), tolerance)
            if check.match_requires_grad:
                _compare_gradient_tracking(expected, got)
            if check.simulate_device:
                _compare_devices(expected, got)
            if check.kind == "gradient":
                # Forward values first, then the student's backward against their own forward
                # (the clearest message when only the backward is wrong), then the reference's gradients.
                for key in ("output_plus", "output_minus", "input_grads", "parameter_grads"):
                    if key in expected:
                        compare(expected[key], got.get(key), tolerance, where=key.replace("_", " "))
                    if key == "output_minus" and check.gradcheck:
                        check_finite_differences(plan.gradchecks[probe_id], got)
        except Mismatch as exc:
            raise Mismatch(f"Wrong result{_probe_shown(plan, probe_id)}:\n{exc}{RELOAD_NOTE * check.reload_differs}",
                           _probe_public(plan, probe_id, exc.public)) from exc
    count = len(plan.probe_ids)
    return Outcome(True, f"Matches the reference on all {count} input{'s' * (count != 1)}.")


RELOAD_NOTE = ("\nWhile this check runs, torch.load gives back what was saved scaled by a factor, so only the "
               "predictions of the model you loaded match the reference's: predict with the reloaded model.")
# The longest device name an answer may give (cuda:0, mps:0): anything longer is malformed.
MAX_DEVICE_NAME = 32


def _per_output_tensor(got: dict, key: str, valid, what: str) -> list[tuple[str, object]]:
    """(where, fact) for each tensor of the output, from the answer's list `key` (one fact per tensor,
    each `valid`); raise Mismatch, saying that the answer does not say `what`, when it is malformed."""
    facts = got.get(key)
    leaves = [where for where, _ in tensor_leaves(got.get("output"))]
    if type(facts) is not list or len(facts) != len(leaves) or not all(map(valid, facts)):
        raise Mismatch(f"the answer does not say {what}")
    return list(zip(leaves, facts))


def _compare_gradient_tracking(expected: dict, got: dict) -> None:
    """Each output tensor tracks gradients (requires_grad) exactly when the reference's does."""
    flags = _per_output_tensor(got, "output_requires_grad", lambda flag: type(flag) is bool,
                               "which output tensors track gradients")
    for (where, tracked), wanted in zip(flags, expected["output_requires_grad"]):
        if tracked and not wanted:
            raise Mismatch(f"{where} still tracks gradients (requires_grad=True), where the reference's does not: "
                           f"compute it under torch.no_grad(), or return it .detach()ed")
        if wanted and not tracked:
            raise Mismatch(f"{where} does not track gradients (requires_grad=False), where the reference's does: "
                           f"do not detach it, or compute it outside torch.no_grad()")


def _compare_devices(expected: dict, got: dict) -> None:
    """Under a simulated device, each output tensor is on the device where the reference's is."""
    devices = _per_output_tensor(got, "output_devices", _is_device_name, "which device each output tensor is on")
    for (where, device), wanted in zip(devices, expected["output_devices"]):
        if device != wanted:  # a fact of the code, not of the probe's inputs: a hidden check may say it
            message = f"your {where} is on {device}; the reference's is on {wanted}"
            raise Mismatch(message, public=message[0].upper() + message[1:] + ".")


def _is_device_name(value) -> bool:
    return type(value) is str and len(value) <= MAX_DEVICE_NAME


def check_finite_differences(probe: dict, got: dict, rtol: float = 1e-3, atol: float = 1e-5) -> None:
    """gradcheck on the trusted side: <grad, v> must equal <cotangent, f(x+eps v) - f(x-eps v)> / 2 eps.

    The cotangent is re-drawn here from the probe's seed, exactly as the harness drew it; the
    perturbed outputs were already compared with the reference's, so none of it can be forged.
    """
    output, plus, minus = got["output"], got["output_plus"], got["output_minus"]
    eps, directions = probe["gradcheck"]["eps"], probe["gradcheck"]["directions"]
    cotangent = torch.randn(output.shape, generator=torch.Generator().manual_seed(probe["seed"]), dtype=output.dtype)
    numerical = float((cotangent.double() * (plus.double() - minus.double())).sum() / (2 * eps))
    grads = got.get("input_grads")
    if type(grads) is not list or len(grads) != len(directions) or any(
        v is not None and (type(g) is not torch.Tensor or g.shape != v.shape) for g, v in zip(grads, directions)
    ):
        raise Mismatch("gradcheck: your backward must return one gradient tensor per input, shaped like "
                       f"the input (got {describe(grads)})")
    analytical = sum(float((g.double() * v).sum()) for g, v in zip(grads, directions) if v is not None)
    if abs(numerical - analytical) > atol + rtol * abs(numerical):
        raise Mismatch(
            f"gradcheck: the backward pass gives a directional derivative of {analytical:.6g}, but finite "
            f"differences of the forward pass give {numerical:.6g} (difference {abs(numerical - analytical):.3g}, "
            f"up to {atol + rtol * abs(numerical):.3g} allowed): the backward does not match the forward"
        )


def _judge_raises(plan, student, reference):
    """Bad input: the student's call must raise the check's built-in exception (or a subclass of it), as the
    reference's does. The class is recognised by its qualified name, so a class of the student's own that
    is only named like the built-in one does not count."""
    check = plan.check
    for probe_id in plan.probe_ids:
        _reference_raised(reference, probe_id, check)
        raised = student.raised(probe_id)
        if raised is None or _builtin_name(check) not in raised[0]:
            what = "returned a result" if raised is None else f"raised something else:\n{raised[1]}"
            raise Mismatch(f"Expected {check.exception} to be raised{_probe_shown(plan, probe_id)}, but your code "
                           f"{what}{_namesake(check, raised)}", _probe_public(plan, probe_id))
    count = len(plan.probe_ids)
    return Outcome(True, f"Raises {check.exception} on all {count} input{'s' * (count != 1)}, as asked.")


def _builtin_name(check):
    return f"builtins.{check.exception}"


def _namesake(check, raised):
    """What to add when the code raised a class of its own that only has the built-in's name."""
    namesakes = sorted(name for name in (raised[0] if raised else ()) if name != _builtin_name(check)
                       and name.rpartition(".")[2] == check.exception)
    if not namesakes:
        return ""
    return (f"\n{namesakes[0]} is a class of your own named like Python's {check.exception}, not the built-in "
            f"one: raise {check.exception} itself, or a subclass of it")


def _reference_raised(reference, probe_id, check):
    try:
        raised = reference.raised(probe_id)
    except Mismatch as exc:
        raise ReferenceFailed(f"the reference solution failed on {probe_id}: {exc}") from exc
    if raised is None or _builtin_name(check) not in raised[0]:
        got = "returned a result" if raised is None else f"raised {raised[1]}"
        raise ReferenceFailed(f"the reference solution should raise {check.exception} on {probe_id}, but it {got}")


def check_reference(plan: Plan, answers: RunAnswers) -> None:
    """Raise ReferenceFailed unless the reference's answers answer every probe as its check expects."""
    for check_plan in plan.checks:
        for probe_id in check_plan.probe_ids:
            if isinstance(check_plan.check, RaisesCheck):
                _reference_raised(answers, probe_id, check_plan.check)
            else:
                _reference_answer(answers, probe_id)


def _judge_distribution(plan, student, reference):
    """Stochastic code: the statistics of many draws, computed here from the returned draws."""
    check = plan.check
    for probe_id in plan.probe_ids:
        expected = _reference_answer(reference, probe_id)["samples"]
        try:
            samples = student.answer(probe_id).get("samples")
            if type(samples) is not torch.Tensor or samples.numel() > MAX_SAMPLE_ELEMENTS:
                raise Mismatch(f"draws: expected {check.draws} stacked draws of {describe(expected[0])}, got "
                               f"{describe(samples)}")
            check_predicates(samples, check.predicates)
            compare_distributions(expected, samples, check)
        except Mismatch as exc:
            raise Mismatch(f"Wrong distribution{_probe_shown(plan, probe_id)}:\n{exc}",
                           _probe_public(plan, probe_id)) from exc
    count = len(plan.probe_ids)
    return Outcome(True, f"The statistics of {check.draws} draws match on all {count} "
                         f"input{'s' * (count != 1)}.")


# The draws of one probe that the trusted side accepts (float64 statistics: 16 MB).
MAX_SAMPLE_ELEMENTS = 2_000_000
# How each field of a structure check is read from an answer: the harness returns the output itself,
# and its shape or structure is computed here.
_STRUCTURE_FIELDS = {
    "parameter_count": lambda answer: answer.get("parameter_count"),
    "parameter_shapes": lambda answer: answer.get("parameter_shapes"),
    "output_shape": lambda answer: structure_of(answer.get("output"), dtypes=False),
    "output_structure": lambda answer: structure_of(answer.get("output")),
}


def _judge_structure(plan, student, reference):
    for probe_id in plan.probe_ids:
        expected = _reference_answer(reference, probe_id)
        got = student.answer(probe_id)
        for field_name in plan.check.compare:
            want, have = _STRUCTURE_FIELDS[field_name](expected), _STRUCTURE_FIELDS[field_name](got)
            if field_name == "parameter_count" and (type(have) is not int or have != want):
                raise Mismatch(f"parameter count: expected {want}, got {describe(have)}")
            compare(want, have, EXACT, where=field_name.replace("_", " "))
        if plan.check.simulate_device:
            _compare_devices(expected, got)
    parameters = expected.get("parameter_count")
    shown = f"{parameters} parameters, " if parameters is not None else ""
    return Outcome(True, f"Structure matches: {shown}output {structure_of(expected.get('output'))}.")


def _losses(answer, check):
    losses = answer.get("losses")
    if type(losses) is not list or not losses or not all(type(v) is float for v in losses):
        raise Mismatch("the training function must return a non-empty list of losses as its second value")
    if len(losses) > 100_000:
        raise Mismatch("the loss history is too long (more than 100000 values)")
    if not all(math.isfinite(v) for v in losses):
        raise Mismatch("the loss history contains NaN or infinity: the training diverged")
    expected = check.curve_length
    if expected is not None and len(losses) != expected:
        steps = (f" and batch_size={check.kwargs['batch_size']} on {check.data.n} training examples"
                 if check.losses_per == "step" and "batch_size" in check.kwargs else "")
        raise Mismatch(f"the training function must return one loss per {check.losses_per}: {expected} values "
                       f"for epochs={check.kwargs['epochs']}{steps}, got {len(losses)}")
    return losses


# The losses the trusted side can compute from a model's predictions (in float64): name, function.
TRAINING_LOSSES = {
    "mse": ("mean squared error", torch.nn.functional.mse_loss),
    "bce": ("binary cross-entropy", torch.nn.functional.binary_cross_entropy),
    "bce_with_logits": ("binary cross-entropy with logits", torch.nn.functional.binary_cross_entropy_with_logits),
    "cross_entropy": ("cross-entropy", torch.nn.functional.cross_entropy),
}
# What the last recorded loss may differ by beyond its check's tolerance (recorded_loss: model) or band
# (recorded_loss: batches), for a loss near zero.
MODEL_LOSS_ATOL, BATCHES_LOSS_ATOL = 1e-6, 1e-4


def _predictions(answer, key, target, where, loss):
    """The model's predictions, checked to be a finite tensor shaped like the targets (one logit per class
    for the cross-entropy), in float64."""
    predictions = answer.get(key)
    if type(predictions) is not torch.Tensor:
        raise Mismatch(f"the trained model must return a tensor of predictions {where}, got {describe(predictions)}")
    shape = (len(target), DIGITS_CLASSES) if loss == "cross_entropy" else tuple(target.shape)
    if predictions.shape != shape:
        per_class = f" (one logit per class for {len(target)} images)" if loss == "cross_entropy" else ""
        raise Mismatch(f"the trained model's predictions {where} have shape {tuple(predictions.shape)}, "
                       f"expected {shape}{per_class}")
    predictions = predictions.double()
    if not torch.isfinite(predictions).all():
        raise Mismatch(f"the trained model predicts NaN or infinity {where}")
    if loss == "bce" and ((predictions < 0) | (predictions > 1)).any():
        low, high = float(predictions.min()), float(predictions.max())
        raise Mismatch(f"the trained model must output probabilities between 0 and 1 (this check computes the "
                       f"binary cross-entropy of probabilities), but its predictions {where} range from "
                       f"{low:.4g} to {high:.4g}: end the model with a sigmoid")
    return predictions


def _compare_model_device(expected: dict, got: dict) -> None:
    """Under a simulated device, the returned model is on the device where the reference's is."""
    device, wanted = got.get("model_device"), expected.get("model_device")
    if not _is_device_name(device):
        raise Mismatch("the answer does not say which device the model is on")
    if device != wanted:  # a fact of the code, not of the training data: a hidden check may say it
        raise Mismatch(f"your model is on {device}; the reference's is on {wanted}: move the model to the device "
                       f"your code picks (model.to(device)), and every batch with it",
                       public=f"Your model is on {device}; the reference's is on {wanted}.")


def _recorded_curve(losses, training_loss, check):
    """(passed, finding) for the recorded losses: they must end at the model's real training loss, as the
    check's recorded_loss defines the figure, and fall."""
    first, last = losses[0], losses[-1]
    name = TRAINING_LOSSES[check.loss][0]
    if check.recorded_loss == "model":
        allowed = MODEL_LOSS_ATOL + check.loss_rtol * abs(training_loss)
        if abs(last - training_loss) > allowed:
            return False, (f"the last loss you recorded, {last:.6g}, is not the {name} of the returned model on the "
                           f"whole training data, {training_loss:.6g} as the grader computes it (up to {allowed:.2g} "
                           f"apart): record, after each {check.losses_per or 'epoch'}, the loss of the model on all "
                           f"the training data, not a mini-batch's loss or an average over the mini-batches")
    else:
        low, high = check.loss_band
        if not low * training_loss - BATCHES_LOSS_ATOL <= last <= high * training_loss + BATCHES_LOSS_ATOL:
            return False, (f"the last loss you recorded, {last:.4g}, does not match the {name} of the returned model "
                           f"on the training data, {training_loss:.4g}, as the grader computes it (from {low:g} to "
                           f"{high:g} times it): record the loss of the model you train, on the training data")
    decreased = last < first
    return decreased, f"loss went from {first:.4g} to {last:.4g}" + ("" if decreased else " (it must decrease)")


def _judge_training(plan, student, reference):
    """Judge on the trusted side's own figures: the training loss and the held-out metrics are computed
    here from the model's predictions; the recorded losses only have to agree with them, and the
    evidence that the model was trained (_check_trained) must hold."""
    check, loss = plan.check, plan.check.loss
    probe_id = plan.probe_ids[0]
    expected = _reference_answer(reference, probe_id)
    try:
        history = {"reference": _losses(expected, check)}
    except Mismatch as exc:
        raise ReferenceFailed(f"the reference solution's losses on {probe_id}: {exc}") from exc
    try:
        _check_arguments(expected, check)
    except Mismatch as exc:
        raise ReferenceFailed(f"the reference solution's training on {probe_id} does not use its arguments as "
                              f"verify_args asks: {exc}") from exc
    got = student.answer(probe_id)
    if check.simulate_device:
        _compare_model_device(expected, got)
    losses = _losses(got, check)
    history["student"] = losses
    history["threshold"] = check.max_final_loss
    # Class indices stay integers for the cross-entropy; 0/1 labels and targets are compared as floats.
    train_y, holdout_y = (plan.private[key] if loss == "cross_entropy" else plan.private[key].double()
                          for key in ("train_y", "holdout_y"))
    predictions = _predictions(got, "train_predictions", train_y, "on the training inputs", loss)
    holdout_predictions = _predictions(got, "holdout_predictions", holdout_y, "on the held-out inputs", loss)
    _check_trained(got, predictions, loss)
    _check_arguments(got, check)
    training_loss = float(TRAINING_LOSSES[loss][1](predictions, train_y))
    findings, failures = [], []
    if check.loss_must_decrease:
        decreased, finding = _recorded_curve(losses, training_loss, check)
        (findings if decreased else failures).append(finding)
    if check.max_final_loss:
        ok = training_loss <= check.max_final_loss
        (findings if ok else failures).append(f"final training {TRAINING_LOSSES[loss][0]} {training_loss:.4g} "
                                              f"{'≤' if ok else '>'} threshold {check.max_final_loss:g}")
    if check.max_holdout_mse:
        mse = float(((holdout_predictions - holdout_y) ** 2).mean())
        ok = mse <= check.max_holdout_mse
        (findings if ok else failures).append(
            f"held-out mean squared error {mse:.4g} {'≤' if ok else '>'} {check.max_holdout_mse:g}")
    if check.min_holdout_accuracy:
        accuracy = float((_predicted_classes(holdout_predictions, loss) == holdout_y).double().mean())
        ok = accuracy >= check.min_holdout_accuracy
        (findings if ok else failures).append(
            f"held-out accuracy {accuracy:.1%} {'≥' if ok else '<'} {check.min_holdout_accuracy:.0%}")
    if failures:
        reached = f" Reached: {'; '.join(findings)}." if findings else ""
        return Outcome(False, f"Training did not reach the target: {'; '.join(failures)}.{reached}", history)
    return Outcome(True, f"Training reached the target: {'; '.join(findings)}.", history)


# How far the returned model's parameters must have moved from where their optimizer found them (the
# norm of the change over the norm of the start), and how much noise on the parameters (each multiplied
# by 1 + 0.5 z by the harness, in several draws) must move the predictions in the draw that moves them
# most (the root mean square of the change over the spread of the predictions; for probabilities, of
# their logits). The honest loops measured (the bundled exercises' solutions and alternatives, and the
# SGD, Adam and AdamW loops of tests/grader/test_training_evidence.py, 4 seeds each) moved their
# parameters by 0.47 or more (early stopping) and their predictions by 0.22 or more.
MIN_PARAMETER_MOVEMENT = 0.01
MIN_PREDICTION_SENSITIVITY = 0.01
MAX_PARAMETER_TENSORS = 10_000


def _check_trained(answer, predictions, loss):
    """Raise Mismatch unless the answer shows that the returned model is a network that an optimizer
    trained: its parameters were given to an optimizer, steps were taken and moved them, and its
    predictions depend on them. The harness's records are claims: malformed means missing, and the
    code that could rewrite them is refused by the api rules (judging.tamper)."""
    final = _parameter_tensors(answer, "parameters")
    if not final:
        raise Mismatch("the returned model has no parameters: a lookup of the training data or a fixed rule is "
                       "not a trained network (train an nn.Module's parameters with torch.optim)")
    initial = _parameter_tensors(answer, "initial_parameters")
    steps = answer.get("optimizer_steps")
    steps = steps if type(steps) is dict else {}
    untrained = sorted(name for name, tensor in final.items() if not (
        name in initial and initial[name].shape == tensor.shape and type(steps.get(name)) is int
        and steps[name] >= 1))
    if untrained:
        more = f" (and {len(untrained) - 1} more)" if len(untrained) > 1 else ""
        raise Mismatch(f"the returned model's parameter {untrained[0]}{more} was never updated by an optimizer's "
                       f"step(): train the model you return with a torch.optim optimizer")
    start = torch.cat([initial[name].double().flatten() for name in final])
    change = torch.cat([(final[name].double() - initial[name].double()).flatten() for name in final])
    if not (torch.isfinite(start).all() and torch.isfinite(change).all()):
        raise Mismatch("the returned model's parameters are NaN or infinite")
    if float(change.norm()) <= MIN_PARAMETER_MOVEMENT * float(start.norm()):
        raise Mismatch(f"training barely moved the model's parameters from where the optimizer found them (by "
                       f"{float(change.norm()):.3g}, {float(start.norm()):.3g} at the first step): the optimizer's "
                       f"steps must train the model")
    perturbed = answer.get("perturbed_predictions")
    if type(perturbed) is not torch.Tensor or perturbed.dim() < 1 or perturbed.shape[1:] != predictions.shape:
        raise Mismatch("the grader could not read the model's predictions with noise on its parameters (got "
                       f"{describe(perturbed)})")
    perturbed = perturbed.double()
    if loss == "bce":  # probabilities: compared as the logits they come from
        predictions, perturbed = (torch.logit(p, eps=1e-6) for p in (predictions, perturbed))
    spread = float((predictions - predictions.mean()).pow(2).mean().sqrt())
    moved = float(max(((draw - predictions).pow(2).mean().sqrt() for draw in perturbed), default=0.0))
    if not moved > MIN_PREDICTION_SENSITIVITY * spread:
        raise Mismatch("the returned model's predictions hardly depend on its parameters (noise on every "
                       f"parameter moved them by {moved:.3g} at most, for a spread of {spread:.3g}): a lookup of the "
                       "training data, or layers the model does not use, are not a trained network")


# The records of a training run the trusted side reads (the result's own size cap bounds them anyway),
# and how close the first step's learning rate must be to lr (a 0-d float32 tensor holds it rounded).
MAX_RECORDED_STEPS = 1_000_000
MAX_PARAM_GROUPS = 1000
LEARNING_RATE_RTOL = 1e-6


def _check_arguments(answer, check):
    """Raise Mismatch unless the harness's records show that the training used the arguments the check
    verifies (verify_args): the first optimizer step's learning rate is `lr` (a scheduler may change it
    later); `epochs` and `batch_size` make the number of optimizer steps; the returned model trained on
    batches of at most `batch_size` rows that cover the training data once per epoch. The records are
    claims from the student's process: a missing or malformed one fails."""
    verified = set(check.verify_args)
    if not verified:
        return
    steps = _recorded_learning_rates(answer)
    if "lr" in verified:
        lr = check.kwargs["lr"]
        first = steps[0] if steps else []
        if not first or not all(rate is not None and math.isclose(rate, lr, rel_tol=LEARNING_RATE_RTOL)
                                for rate in first):
            seen = ", ".join("none" if rate is None else f"{rate:g}" for rate in first) or "none"
            raise Mismatch(f"the optimizer's learning rate was {seen} at its first step, but train was called with "
                           f"lr={lr:g}: pass lr to the optimizer")
    if verified & {"epochs", "batch_size"} and len(steps) != check.expected_steps:
        raise Mismatch(f"the optimizer took {len(steps)} steps, but train was called with {_steps_called_for(check)}")
    if "batch_size" in verified:
        batch_size, n, epochs = check.kwargs["batch_size"], check.data.n, check.kwargs["epochs"]
        rows = _recorded_batches(answer)
        if not rows:
            raise Mismatch("the grader saw no batch that the returned model trained on: call the model itself "
                           "(model(x), not model.forward(x)) on each mini-batch")
        if max(rows) > batch_size:
            raise Mismatch(f"the model trained on a batch of {max(rows)} rows, but train was called with "
                           f"batch_size={batch_size}")
        if _epochs_covered(rows, n) != epochs:
            raise Mismatch(f"the model's training batches ({len(rows)} batches of {sum(rows)} rows in all) do not "
                           f"cover the {n} training examples once per epoch, {epochs} times (epochs={epochs})")


def _steps_called_for(check):
    epochs, batch_size, n = check.kwargs["epochs"], check.kwargs.get("batch_size"), check.data.n
    if batch_size is None:
        return f"epochs={epochs}: one step per epoch on the whole training data, {epochs} steps"
    return (f"epochs={epochs} and batch_size={batch_size}: {check.expected_steps // epochs} mini-batches per epoch "
            f"on {n} examples, {check.expected_steps} steps")


def _epochs_covered(rows, n):
    """How many epochs the batches make, in order, each exactly `n` rows; None if a batch straddles two."""
    epochs, filled = 0, 0
    for count in rows:
        filled += count
        if filled == n:
            epochs, filled = epochs + 1, 0
        elif filled > n:
            return None
    return epochs if filled == 0 else None


def _recorded_learning_rates(answer):
    """Each optimizer step's learning rates (one per param group, None where it has none)."""
    steps = answer.get("learning_rates")
    if type(steps) is not list or len(steps) > MAX_RECORDED_STEPS or not all(
            type(step) is list and len(step) <= MAX_PARAM_GROUPS
            and all(rate is None or type(rate) is float for rate in step) for step in steps):
        raise Mismatch("the grader's record of the optimizer's steps is missing or malformed")
    return steps


def _recorded_batches(answer):
    """The rows of each batch the returned model trained on."""
    rows = answer.get("training_batches")
    if type(rows) is not list or len(rows) > MAX_RECORDED_STEPS or not all(
            type(count) is int and count >= 1 for count in rows):
        raise Mismatch("the grader's record of the training batches is missing or malformed")
    return rows


def _check_untampered(source):
    """Raise Mismatch at the first construct of the student's files that could rewrite the harness's records
    of the training (judging.tamper): without them, nothing shows that the model was trained."""
    files = {"": source} if isinstance(source, str) else source
    for name, text in sorted(files.items()):
        for finding in find_tampering(text):
            where = f"{name}, line {finding.line}" if name else f"line {finding.line}"
            raise Mismatch(f"{where}: {finding.message}, so the grader's records of your training could not be "
                           f"trusted (they show that the model you return was trained)")


def _parameter_tensors(answer, key):
    """{name: tensor} of floating-point tensors, or {} when the record is missing or malformed."""
    tensors = answer.get(key)
    if type(tensors) is not dict or len(tensors) > MAX_PARAMETER_TENSORS or not all(
            type(name) is str and type(tensor) is torch.Tensor and tensor.is_floating_point()
            for name, tensor in tensors.items()):
        return {}
    return tensors


def _predicted_classes(predictions, loss):
    """The class with the largest logit; for 0/1 labels, class 1 where the probability is above one half
    (where a logit is above 0)."""
    if loss == "cross_entropy":
        return predictions.argmax(dim=1)
    return (predictions > (0.0 if loss == "bce_with_logits" else 0.5)).double()


_JUDGES = {
    "value": _judge_values,
    "gradient": _judge_values,
    "distribution": _judge_distribution,
    "raises": _judge_raises,
    "structure": _judge_structure,
    "training": _judge_training,
}
