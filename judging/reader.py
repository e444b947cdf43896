"""Read `exercise.yaml` into an `ExerciseSpec` (judging.spec), naming the file and line of every problem.

A malformed exercise never reaches a student: the reader records each problem on the caller's list
(anything with `add(path, line, message)`, such as courses.loader.Problems) and returns a spec only
when it found none. It first normalises the YAML into the spec's JSON form, filling defaults, then
builds the typed objects from that.

    title: Outer product with matmul
    device: cpu                       # cpu, cuda or any
    entry: {function: outer}          # or {module: TinyNet} or {training: train}
    limits: {wall_s: 10, memory_mb: 512}
    attempts: {max: 20, min_interval_s: 5}
    checks:
      - kind: value                   # value, gradient, distribution, training, structure, api
        name: Matches the reference on the examples
        points: 3
        cases: [{args: [{tensor: [1.0, 2.0]}, {tensor: [3.0, 4.0]}]}]   # fixed inputs
        random: {count: 3, args: [{randn: [3]}, {randn: [4]}]}         # drawn per submission
        rtol: 1.0e-5                  # optional, both or neither: default per dtype as torch.testing
        atol: 1.0e-6
"""

import builtins
import math
from dataclasses import fields
from pathlib import Path
from typing import Protocol

from .api_check import SYNTAX
from .spec import (
    BINARY_LOSSES,
    CHECK_KINDS,
    DATA_ORDERS,
    DATASETS,
    DEFAULT_LOSSES,
    DEVICES,
    DIGITS_SAMPLES,
    DTYPES,
    ENTRY_KINDS,
    LOSSES_PER,
    PREDICATES,
    PYTHON_MAKERS,
    RECORDED_LOSSES,
    SIMULATED_DEVICES,
    STATISTICS,
    STRUCTURE_FIELDS,
    TENSOR_MAKERS,
    TRAINING_LOSSES,
    VERIFIABLE_ARGUMENTS,
    Attempts,
    Check,
    DigitsData,
    DistributionCheck,
    ExerciseSpec,
    GeneratedData,
    GradientCheck,
    Holdout,
    Limits,
    TrainingCheck,
)

# (low, high) of each limit; the defaults are judging.spec.Limits's, as every default of the format
# is its class's (see `default`).
LIMIT_BOUNDS = {"wall_s": (1, 120), "cpu_s": (1, 120), "memory_mb": (64, 8192), "output_kb": (1, 1024)}
DEFAULT_STRUCTURE_FIELDS = ("parameter_count", "parameter_shapes", "output_structure")
MAX_RANDOM_COUNT = 500
MAX_DRAWS = 10_000
API_RULES = ("forbid", "require", "allow", "forbid_syntax", "require_keywords")


class ProblemList(Protocol):
    def add(self, path: Path | str, line: int, message: str) -> None: ...


class SpecReader:
    """Reads one exercise.yaml, recording every problem with its line."""

    def __init__(self, path, problems):
        self.path = path
        self.problems = problems
        self.found_problems = False

    def problem(self, mapping, message):
        self.found_problems = True
        self.problems.add(self.path, getattr(mapping, "line", 1), message)

    def text(self, mapping, key):
        # courses.loader.require_text says the same of a chapter's fields; judging imports none of the
        # site's apps (tests/judging/test_package.py), so the five lines are repeated here.
        value = mapping.get(key)
        if not isinstance(value, str) or not value.strip():
            self.problem(mapping, f"'{key}' must be non-empty text")
            return ""
        return value.strip()

    def number(self, mapping, key, default, low, high, integer=False):
        value = mapping.get(key, default)
        kind = int if integer else (int, float)
        if isinstance(value, bool) or not isinstance(value, kind) or not low <= value <= high:
            self.problem(mapping, f"'{key}' must be a number from {low} to {high}, got {value!r}")
            return default
        return value

    def read(self, data):
        entry = self.entry(data.get("entry"), data)
        limits_raw = data.get("limits") or {}
        attempts = data.get("attempts") or {}
        device = data.get("device", "cpu")
        if device not in DEVICES:
            self.problem(data, f"'device' must be one of {', '.join(DEVICES)}, got {device!r}")
        checks_raw = data.get("checks")
        if not isinstance(checks_raw, list) or not checks_raw:
            self.problem(data, "'checks' must be a non-empty list")
            checks_raw = []
        checks = [self.check(raw, entry) for raw in checks_raw if isinstance(raw, dict)]
        return {
            "title": self.text(data, "title"),
            "device": device,
            "published": data.get("published", True) is not False,
            "entry": entry,
            "limits": {
                key: self.number(limits_raw, key, default(Limits, key), low, high)
                for key, (low, high) in LIMIT_BOUNDS.items()
            },
            "attempts": {
                "max": attempts.get("max") and self.number(attempts, "max", None, 1, 1000, integer=True),
                "min_interval_s": self.number(attempts, "min_interval_s", default(Attempts, "min_interval_s"), 0, 86400,
                                              integer=True),
            },
            "checks": checks,
            "equivalent_mutants": self.equivalent_mutants(data),
        }

    def equivalent_mutants(self, data):
        """`equivalent_mutants: [{mutant: "12: x.sum() -> x.mean()", reason: ...}]`: mutants of the
        solution (judging.mutants) that no correct check could tell apart, each with its reason."""
        raw = data.get("equivalent_mutants", [])
        marks = {}
        if not isinstance(raw, list):
            self.problem(data, "'equivalent_mutants' must be a list of {mutant: ..., reason: ...}")
            return marks
        for item in raw:
            if not isinstance(item, dict) or set(item) != {"mutant", "reason"}:
                self.problem(item if isinstance(item, dict) else data,
                             "each equivalent mutant is {mutant: \"LINE: change\", reason: why no check can tell it apart}")
                continue
            mutant, reason = self.text(item, "mutant"), self.text(item, "reason")
            if mutant and reason:
                marks[mutant] = reason
        return marks

    def entry(self, raw, data):
        if not isinstance(raw, dict) or len(raw) != 1 or next(iter(raw)) not in ENTRY_KINDS:
            self.problem(data, "'entry' must be one of {function: NAME}, {module: NAME}, {training: NAME}")
            return {"kind": "function", "name": "solution"}
        kind, name = next(iter(raw.items()))
        if not isinstance(name, str) or not name.isidentifier():
            self.problem(raw, f"the entry name must be a Python identifier, got {name!r}")
        return {"kind": kind, "name": str(name)}

    def check(self, raw, entry):
        kind = raw.get("kind")
        if kind not in CHECK_KINDS:
            self.problem(raw, f"check kind must be one of {', '.join(CHECK_KINDS)}, got {kind!r}")
            kind = "api"
        check = {
            "kind": kind,
            "name": self.text(raw, "name"),
            "points": self.number(raw, "points", default(Check, "points"), 0, 1000),
            "hidden": raw.get("hidden", False) is True,
            "hint": str(raw.get("hint", "")),
        }
        getattr(self, f"{kind}_check")(raw, check, entry)
        return check

    def value_check(self, raw, check, entry):
        self.inputs(raw, check, entry)
        check["rtol"], check["atol"] = self.tolerances(raw)
        check["allow_nan"] = raw.get("allow_nan", False) is True
        check["broadcast"] = raw.get("broadcast", False) is True
        check["predicates"] = self.predicates(raw)
        check["match_reference"] = raw.get("match_reference", True) is not False
        check["match_requires_grad"] = raw.get("match_requires_grad", False) is True
        if check["match_requires_grad"] and raw.get("kind") != "value":
            self.problem(raw, "match_requires_grad is for value checks (a gradient check differentiates the output)")
        check["simulate_device"] = self.simulated_device(raw)
        # While the probes run, torch.load returns what was saved scaled by a factor drawn per probe: a
        # prediction of the saved model then differs from one of the reloaded model.
        check["reload_differs"] = raw.get("reload_differs", False) is True
        if not check["match_reference"] and not check["predicates"]:
            self.problem(raw, "a check with match_reference: false needs 'predicates'")

    def distribution_check(self, raw, check, entry):
        """Stochastic code: many draws per input, compared by summary statistics, not element by element."""
        if entry["kind"] == "training":
            self.problem(raw, "a distribution check needs entry: {function: NAME} or {module: NAME}")
        self.inputs(raw, check, entry)
        check["draws"] = self.number(raw, "draws", default(DistributionCheck, "draws"), 10, MAX_DRAWS, integer=True)
        statistics = raw.get("statistics", list(default(DistributionCheck, "statistics")))
        if not isinstance(statistics, list) or any(s not in STATISTICS for s in statistics):
            self.problem(raw, f"'statistics' must list some of {', '.join(STATISTICS)}, got {statistics!r}")
            statistics = list(STATISTICS)
        check["statistics"] = statistics
        quantiles = raw.get("quantiles", [])
        if not isinstance(quantiles, list) or not all(_is_parameter_number(q) and 0 < q < 1 for q in quantiles):
            self.problem(raw, f"'quantiles' must be a list of numbers between 0 and 1, got {quantiles!r}")
            quantiles = []
        check["quantiles"] = quantiles
        expect = raw.get("expect", {})
        if not isinstance(expect, dict) or any(k not in STATISTICS or not _is_parameter_number(v)
                                               for k, v in expect.items()):
            self.problem(raw, f"'expect' maps some of {', '.join(STATISTICS)} to numbers, got {expect!r}")
            expect = {}
        check["expect"] = expect
        check["z"] = self.number(raw, "z", default(DistributionCheck, "z"), 1, 20)
        check["predicates"] = self.predicates(raw)
        if not (statistics or quantiles or check["predicates"]):
            self.problem(raw, "a distribution check needs 'statistics', 'quantiles' or 'predicates'")

    def raises_check(self, raw, check, entry):
        """The entry must raise `exception` on every input, as the reference does."""
        if entry["kind"] == "training":
            self.problem(raw, "a raises check needs entry: {function: NAME} or {module: NAME}")
        self.inputs(raw, check, entry)
        exception = raw.get("exception")
        cls = getattr(builtins, exception, None) if isinstance(exception, str) else None
        if not (isinstance(cls, type) and issubclass(cls, Exception)):
            self.problem(raw, f"'exception' must name a built-in exception class such as ValueError, got {exception!r}")
            exception = "Exception"
        check["exception"] = exception

    def predicates(self, raw):
        """[nonnegative, {in_range: [0, 1]}, {sums_to_one: {dim: -1}}] as [{"name": ..., args}]."""
        listed = raw.get("predicates", [])
        if not isinstance(listed, list):
            self.problem(raw, "'predicates' must be a list")
            return []
        return [predicate for item in listed if (predicate := self.predicate(raw, item)) is not None]

    def predicate(self, raw, item):
        name, argument = (item, None) if isinstance(item, str) else (
            next(iter(item.items())) if isinstance(item, dict) and len(item) == 1 else (None, None))
        if name not in PREDICATES:
            self.problem(raw, f"a predicate is one of {', '.join(PREDICATES)} (with its arguments as "
                              f"{{in_range: [0, 1]}} or {{sums_to_one: {{dim: -1}}}}), got {item!r}")
            return None
        if name == "in_range":
            if not (isinstance(argument, list) and len(argument) == 2 and all(map(_is_parameter_number, argument))
                    and argument[0] <= argument[1]):
                self.problem(raw, f"in_range needs [low, high] with low <= high, got {argument!r}")
                return None
            return {"name": name, "low": argument[0], "high": argument[1]}
        if name == "sums_to_one":
            dim = (argument or {}).get("dim", -1) if isinstance(argument, dict) or argument is None else None
            if type(dim) is not int:
                self.problem(raw, f"sums_to_one takes {{dim: D}} with an integer D, got {argument!r}")
                return None
            return {"name": name, "dim": dim}
        if argument is not None:
            self.problem(raw, f"the predicate {name} takes no arguments, got {argument!r}")
        return {"name": name}

    def tolerances(self, raw):
        """(rtol, atol) as set, or (None, None): the judge then uses torch.testing's defaults for the dtype."""
        if "rtol" not in raw and "atol" not in raw:
            return None, None
        if "rtol" not in raw or "atol" not in raw:
            self.problem(raw, "set both 'rtol' and 'atol', or neither (then each dtype gets "
                              "torch.testing.assert_close's defaults)")
            return None, None
        return self.number(raw, "rtol", None, 0, 1), self.number(raw, "atol", None, 0, 1e6)

    def gradient_check(self, raw, check, entry):
        self.value_check(raw, check, entry)
        wrt = raw.get("wrt", "inputs" if entry["kind"] == "function" else "parameters")
        if wrt not in ("inputs", "parameters", "both"):
            self.problem(raw, f"'wrt' must be inputs, parameters or both, got {wrt!r}")
        if entry["kind"] == "function" and wrt != "inputs":
            self.problem(raw, "a function has no parameters: use wrt: inputs")
        check["wrt"] = wrt
        # gradcheck: also compare the analytical gradient with finite differences of the
        # student's own forward pass (as torch.autograd.gradcheck does), e.g. for a custom
        # autograd.Function whose backward the student wrote.
        check["gradcheck"] = raw.get("gradcheck", False) is True
        if check["gradcheck"] and (entry["kind"] != "function" or wrt != "inputs"):
            self.problem(raw, "gradcheck works on a function entry with wrt: inputs")
        check["eps"] = self.number(raw, "eps", default(GradientCheck, "eps"), 1e-12, 1e-1)

    def structure_check(self, raw, check, entry):
        """A module's parameters and its output on zeros of `input_shape`; a function's output on its
        `cases` and `random` inputs. The output's structure is its tuple and list lengths, dict keys
        and each tensor's shape and dtype."""
        if entry["kind"] == "training":
            self.problem(raw, "a structure check needs entry: {module: NAME} or {function: NAME}")
        if entry["kind"] == "function":
            self.inputs(raw, check, entry)
            fields, default = ("output_shape", "output_structure"), ["output_structure"]
        else:
            check["init"] = self.init_inputs(raw)
            check["input_shape"] = self.shape(raw, raw.get("input_shape"))
            fields, default = STRUCTURE_FIELDS, list(DEFAULT_STRUCTURE_FIELDS)
        compare = raw.get("compare", default)
        if not isinstance(compare, list) or not compare or any(c not in fields for c in compare):
            self.problem(raw, f"'compare' must list some of {', '.join(fields)}")
            compare = default
        check["compare"] = compare
        check["simulate_device"] = self.simulated_device(raw)

    def simulated_device(self, raw):
        """`simulate_device: cuda` (or mps): the check's code runs as on a machine with that device, on
        any worker (judging.simulation), and what it returns must be on the reference's devices."""
        device = raw.get("simulate_device")
        if device is not None and device not in SIMULATED_DEVICES:
            self.problem(raw, f"'simulate_device' must be one of {', '.join(SIMULATED_DEVICES)}, got {device!r}")
            return None
        return device

    def training_check(self, raw, check, entry):
        if entry["kind"] != "training":
            self.problem(raw, "a training check needs entry: {training: NAME}")
        data = raw.get("data")
        if not isinstance(data, dict) or data.get("kind") not in DATASETS:
            self.problem(raw, f"'data' must have a kind of {', '.join(DATASETS)}")
            data = {"kind": "linear"}
        kind = data["kind"]
        check["data"] = self.digits_data(data) if kind == "digits" else {
            "kind": kind,
            "n": self.number(data, "n", default(GeneratedData, "n"), 1, 100_000, integer=True),
            "features": self.number(data, "features", default(GeneratedData, "features"), 1, 1024, integer=True),
            "noise": self.number(data, "noise", default(GeneratedData, "noise"), 0, 100),
            **{key: self.parameter(data, key, default) for key, default in DATASETS[kind].items()},
            "low": self.number(data, "low", default(GeneratedData, "low"), -1e6, 1e6),
            "high": self.number(data, "high", default(GeneratedData, "high"), -1e6, 1e6),
            "order": self.data_order(data),
        }
        kwargs = raw.get("args", {})
        if not isinstance(kwargs, dict):
            self.problem(raw, "'args' of a training check must map names to values")
            kwargs = {}
        check["kwargs"] = {k: self.literal(raw, v) for k, v in kwargs.items()}
        holdout = raw.get("holdout") or {}
        check["holdout"] = {
            "x": self.literal(raw, holdout["x"]) if "x" in holdout else None,
            "y": self.literal(raw, holdout["y"]) if "y" in holdout else None,
            "n": self.number(holdout, "n", default(Holdout, "n"), 1, 10_000, integer=True),
        }
        if (check["holdout"]["x"] is None) != (check["holdout"]["y"] is None):
            self.problem(raw, "'holdout' needs both x and y, or neither (then it is drawn like the data)")
        if check["holdout"]["y"] is not None and any(type(check["data"][key]) is list for key in DATASETS[kind]):
            self.problem(raw, "held-out targets written out need fixed data parameters: with a [low, high] "
                              "range, leave out holdout x and y so that the held-out points are drawn like the data")
        if kind == "digits":
            self.digits_holdout(raw, check)
        check["loss"] = self.training_loss(raw, kind)
        check["max_final_loss"] = raw.get("max_final_loss") and self.number(raw, "max_final_loss", None, 0, 1e9)
        check["max_holdout_mse"] = raw.get("max_holdout_mse") and self.number(raw, "max_holdout_mse", None, 0, 1e9)
        check["min_holdout_accuracy"] = raw.get("min_holdout_accuracy") and self.number(
            raw, "min_holdout_accuracy", None, 0, 1)
        check["loss_must_decrease"] = raw.get("loss_must_decrease", True) is not False
        check["losses_per"] = self.losses_per(raw, check["kwargs"])
        check["simulate_device"] = self.simulated_device(raw)
        check["recorded_loss"], check["loss_rtol"], check["loss_band"] = self.recorded_loss(
            raw, check["loss_must_decrease"])
        check["verify_args"] = self.verify_args(raw, check["kwargs"])
        if not any(check[k] for k in ("max_final_loss", "max_holdout_mse", "min_holdout_accuracy")):
            self.problem(raw, "a training check needs max_final_loss, max_holdout_mse or min_holdout_accuracy")
        if check["min_holdout_accuracy"] and kind == "linear":
            self.problem(raw, "min_holdout_accuracy needs class labels: data of kind blobs or digits")
        if check["max_holdout_mse"] and kind == "digits":
            self.problem(raw, "max_holdout_mse needs numeric targets: the digits have class labels "
                              "(use min_holdout_accuracy)")

    def losses_per(self, raw, kwargs):
        """What one recorded loss stands for (epoch or step), which sets how many the curve must have:
        it needs the epochs argument, and batch_size when an epoch has several steps."""
        unit = raw.get("losses_per")
        if unit is None:
            return None
        if unit not in LOSSES_PER:
            self.problem(raw, f"'losses_per' must be one of {', '.join(LOSSES_PER)}, got {unit!r}")
            return None
        return unit if self.counts_steps(raw, kwargs, "'losses_per' counts the losses") else None

    def counts_steps(self, raw, kwargs, what):
        """Whether the args say how many optimizer steps training takes: an integer `epochs`, and an
        integer `batch_size` if there is one (`what` names the field that needs them)."""
        for key in ("epochs", "batch_size"):
            value = kwargs.get(key, 1)
            if type(value) is not int or value < 1:
                self.problem(raw, f"{what} from the args: '{key}' must be a positive integer, got {value!r}")
                return False
        if "epochs" not in kwargs:
            self.problem(raw, f"{what} from the args: they need 'epochs'")
            return False
        return True

    def recorded_loss(self, raw, judged):
        """(recorded_loss, loss_rtol, loss_band): how the last recorded loss is compared with the grader's
        training loss, `model` within a relative tolerance, `batches` within a band of ratios. The recorded
        curve is judged only with loss_must_decrease (`judged`)."""
        recorded = raw.get("recorded_loss", default(TrainingCheck, "recorded_loss"))
        if recorded not in RECORDED_LOSSES:
            self.problem(raw, f"'recorded_loss' must be one of {', '.join(RECORDED_LOSSES)}, got {recorded!r}")
            recorded = default(TrainingCheck, "recorded_loss")
        given = [key for key in ("recorded_loss", "loss_rtol", "loss_band") if key in raw]
        if given and not judged:
            self.problem(raw, f"'{given[0]}' says how the recorded losses are judged, and loss_must_decrease: "
                              f"false leaves them unjudged")
        unused, other = ("loss_band", "batches") if recorded == "model" else ("loss_rtol", "model")
        if unused in raw:
            self.problem(raw, f"'{unused}' applies to recorded_loss: {other}, not {recorded}")
        return (recorded, self.number(raw, "loss_rtol", default(TrainingCheck, "loss_rtol"), 0, 1),
                self.loss_band(raw))

    def loss_band(self, raw):
        """[low, high]: the ratios of the last recorded loss to the grader's that pass, around 1."""
        band = raw.get("loss_band", list(default(TrainingCheck, "loss_band")))
        if not (type(band) is list and len(band) == 2 and all(map(_is_parameter_number, band))
                and 0 < band[0] <= 1 <= band[1]):
            self.problem(raw, f"'loss_band' must be [low, high] ratios with 0 < low <= 1 <= high, got {band!r}")
            return list(default(TrainingCheck, "loss_band"))
        return band

    def verify_args(self, raw, kwargs):
        """The arguments whose use the harness's records must show: `lr` (a positive number), and
        `batch_size` and `epochs`, which count the optimizer steps."""
        names = raw.get("verify_args", [])
        if not (type(names) is list and all(name in VERIFIABLE_ARGUMENTS for name in names)
                and len(set(names)) == len(names)):
            self.problem(raw, f"'verify_args' must list some of {', '.join(VERIFIABLE_ARGUMENTS)}, got {names!r}")
            return []
        for name in names:
            if name not in kwargs:
                self.problem(raw, f"'verify_args' lists {name}, which 'args' does not pass")
            elif name == "lr" and not (_is_parameter_number(kwargs["lr"]) and kwargs["lr"] > 0):
                self.problem(raw, f"'verify_args' lists lr: 'lr' must be a positive number, got {kwargs['lr']!r}")
        if {"batch_size", "epochs"} & set(names):
            self.counts_steps(raw, kwargs, "'verify_args' counts the optimizer steps")
        return names

    def data_order(self, data):
        """The order the training points are sent in: shuffled (as drawn) or sorted by target."""
        order = data.get("order", default(GeneratedData, "order"))
        if order not in DATA_ORDERS:
            self.problem(data, f"'order' must be one of {', '.join(DATA_ORDERS)}, got {order!r}")
            return default(GeneratedData, "order")
        return order

    def digits_data(self, data):
        """n training images of the digits, a fraction `label_noise` of their labels replaced by random
        classes (held-out labels stay true): a noisy training set to overfit."""
        return {
            "kind": "digits",
            "n": self.number(data, "n", default(DigitsData, "n"), 1, DIGITS_SAMPLES - 1, integer=True),
            "label_noise": self.number(data, "label_noise", default(DigitsData, "label_noise"), 0, 1),
            "order": self.data_order(data),
        }

    def digits_holdout(self, raw, check):
        """The held-out digits are drawn from the images the training set did not take."""
        if check["holdout"]["x"] is not None:
            self.problem(raw, "the held-out digits are drawn from the data set: leave out holdout x and y")
        if check["data"]["n"] + check["holdout"]["n"] > DIGITS_SAMPLES:
            self.problem(raw, f"the digits have {DIGITS_SAMPLES} images: data n ({check['data']['n']}) plus "
                              f"holdout n ({check['holdout']['n']}) must not exceed it")

    def parameter(self, data, key, default):
        """A data-generating parameter: a number, or a [low, high] range drawn per submission."""
        value = data.get(key, default)
        if _is_parameter_number(value):
            return value
        if type(value) is list and len(value) == 2 and all(map(_is_parameter_number, value)) and value[0] <= value[1]:
            return value
        self.problem(data, f"'{key}' must be a number or a [low, high] range with low <= high, got {value!r}")
        return default

    def training_loss(self, raw, kind):
        """The loss the trusted side computes from the model's predictions on the training data."""
        loss = raw.get("loss", DEFAULT_LOSSES[kind])
        if loss not in TRAINING_LOSSES:
            self.problem(raw, f"'loss' must be one of {', '.join(TRAINING_LOSSES)}, got {loss!r}")
            return DEFAULT_LOSSES[kind]
        if loss in BINARY_LOSSES and kind != "blobs":
            self.problem(raw, f"loss {loss} needs 0/1 labels: data of kind blobs")
        if (loss == "cross_entropy") != (kind == "digits"):
            self.problem(raw, f"loss {loss} does not fit data of kind {kind}: cross_entropy needs class indices "
                              f"(kind digits), and the digits' class indices need cross_entropy")
        return loss

    def api_check(self, raw, check, entry):
        for key in ("forbid", "allow"):
            check[key] = self.api_names(raw, key)
        check["require"] = self.required_names(raw)
        check["require_keywords"] = self.keyword_rules(raw)
        for name in check["allow"]:
            if "." not in name:
                self.problem(raw, f"'allow' takes full names such as torch.matmul, got {name!r}")
        # Operators appear only in the run-time record, which can show that one ran but not vouch for its use.
        for key, names in (("require", [n for r in check["require"] for n in ([r] if isinstance(r, str) else r)]),
                           ("allow", check["allow"])):
            for name in names:
                if name.split(".")[0] == "operator":
                    self.problem(raw, f"'{key}' cannot name an operator ({name}): operators can only be forbidden")
        syntax = raw.get("forbid_syntax", [])
        if not isinstance(syntax, list) or not all(isinstance(s, str) and s in SYNTAX for s in syntax):
            self.problem(raw, f"'forbid_syntax' must be a list of {', '.join(SYNTAX)}, got {syntax!r}")
            syntax = []
        check["forbid_syntax"] = syntax
        if not any(check[key] for key in API_RULES):
            self.problem(raw, f"an api check needs one of {', '.join(map(repr, API_RULES))}")

    def api_names(self, raw, key, names=None):
        names = raw.get(key, []) if names is None else names
        if not isinstance(names, list) or not all(map(_is_api_name, names)):
            self.problem(raw, f"'{key}' must be a list of names such as torch.softmax, softmax or torch.linalg.*, "
                              f"got {names!r}")
            return []
        return names

    def required_names(self, raw):
        """Names the code must use; a list among them ([torch.matmul, torch.mm]) is satisfied by any one."""
        required = raw.get("require", [])
        if not isinstance(required, list):
            return self.api_names(raw, "require", required)
        rules = []
        for rule in required:
            if isinstance(rule, list) and len(rule) >= 2:
                rules.append(self.api_names(raw, "require", rule))
            else:
                rules += self.api_names(raw, "require", [rule])
        return rules

    def keyword_rules(self, raw):
        """{torch.load: {weights_only: true}}: each call of the function must pass these keyword literals."""
        rules = raw.get("require_keywords", {})
        if not isinstance(rules, dict) or not all(
                _is_api_name(function) and isinstance(keywords, dict) and keywords
                and all(isinstance(k, str) and k.isidentifier() for k in keywords)
                for function, keywords in rules.items()):
            self.problem(raw, "'require_keywords' maps function names to {keyword: value}, such as "
                              f"{{torch.load: {{weights_only: true}}}}, got {rules!r}")
            return []
        return [{"function": function, "keyword": keyword, "value": self.literal(raw, value)}
                for function, keywords in rules.items() for keyword, value in keywords.items()]

    def inputs(self, raw, check, entry):
        check["init"] = self.init_inputs(raw)
        weights = raw.get("weights", {})
        if weights and entry["kind"] != "module":
            self.problem(raw, "'weights' only apply to a module entry")
        check["weights"] = {name: self.shape(raw, shape) for name, shape in (weights or {}).items()}
        cases = raw.get("cases", [])
        if not isinstance(cases, list):
            self.problem(raw, "'cases' must be a list of {args: [...]} entries")
            cases = []
        check["cases"] = [self.case(case, check["hidden"]) for case in cases if isinstance(case, dict)]
        randomised = raw.get("random")
        check["random"] = None
        if randomised is not None:
            if not isinstance(randomised, dict):
                self.problem(raw, "'random' must be {count: N, args: [...]}")
            else:
                dims = self.dims(randomised)
                check["random"] = {
                    "count": self.number(randomised, "count", 1, 1, MAX_RANDOM_COUNT, integer=True),
                    "dims": dims,
                    "args": self.probe_args(randomised, dims),
                }
        if not check["cases"] and not check["random"]:
            self.problem(raw, f"a {check['kind']} check needs 'cases' or 'random' inputs")

    def case(self, case, hidden):
        """A fixed case; a hidden check's cases are varied per submission unless marked fixed."""
        fixed = case.get("fixed", False)
        if type(fixed) is not bool:
            self.problem(case, f"'fixed' must be true or false, got {fixed!r}")
        elif fixed and not hidden:
            self.problem(case, "'fixed' applies to the cases of a hidden check: a visible check's cases "
                               "are always used as written")
        return {"args": self.probe_args(case), "fixed": fixed is True}

    def probe_args(self, mapping, dims=None):
        """The `args` of a case or of the random draws: the arguments of one probe."""
        args = self.input_list(mapping, "args", dims)
        self.swept_together(mapping, args)
        return args

    def init_inputs(self, raw):
        """A module's constructor arguments, built once for every probe: no dtype sweep."""
        init = self.input_list(raw, "init")
        if any(map(_is_swept, init)):
            self.problem(raw, "'dtypes' sweeps a probe's args, not 'init': give the constructor's tensors one dtype")
        return init

    def dims(self, randomised):
        """Named sizes drawn once per random draw, shared by its arguments: {n: [1, 8], k: [1, n]}
        (inclusive ranges; a bound may name a dimension listed before it)."""
        raw = randomised.get("dims", {})
        if not isinstance(raw, dict):
            self.problem(randomised, "'dims' must map names to [low, high] ranges")
            return {}
        dims = {}
        for name, bounds in raw.items():
            if not (isinstance(name, str) and name.isidentifier()):
                self.problem(randomised, f"a dimension's name must be an identifier, got {name!r}")
            elif not (isinstance(bounds, list) and len(bounds) == 2):
                self.problem(randomised, f"dimension {name} needs [low, high], got {bounds!r}")
            else:
                low, high = (self.integer_bound(randomised, b, dims, low=0) for b in bounds)
                if type(low) is int and type(high) is int and low > high:
                    self.problem(randomised, f"dimension {name} needs low <= high, got {bounds!r}")
                dims[name] = [low, high]
        return dims

    def integer_bound(self, context, bound, dims, low=-(10 ** 9)):
        """An integer, or the name of a dimension drawn before it."""
        if isinstance(bound, str) and bound in dims:
            return bound
        if type(bound) is int and low <= bound <= 10 ** 9:
            return bound
        known = f" or one of the dimensions {', '.join(dims)}" if dims else ""
        self.problem(context, f"expected an integer{known}, got {bound!r}")
        return 0 if low > 0 else max(low, 0)

    def input_list(self, mapping, key, dims=None):
        values = mapping.get(key, [])
        if not isinstance(values, list):
            self.problem(mapping, f"'{key}' must be a list")
            return []
        return [self.input_value(mapping, v, dims or {}) for v in values]

    def input_value(self, context, value, dims):
        if isinstance(value, dict):
            python = [k for k in value if k in PYTHON_MAKERS]
            if len(python) == 1 and len(value) == 1:
                return self.python_input(value, python[0], dims)
            makers = [k for k in value if k in TENSOR_MAKERS]
            if len(makers) != 1:
                self.problem(value, f"an input needs exactly one of {', '.join(TENSOR_MAKERS + PYTHON_MAKERS)}")
                return None
            dtypes = self.dtype_sweep(value)
            dtype = dtypes[0] if dtypes else value.get("dtype", "int64" if makers[0] == "randint" else "float32")
            if dtype not in DTYPES:
                self.problem(value, f"unknown dtype {dtype!r}")
            spec = {"make": makers[0], "arg": self.maker_argument(value, makers[0], dims), "dtype": dtype}
            if dtypes:
                spec["dtypes"] = dtypes
            if "requires_grad" in value:
                spec["requires_grad"] = value["requires_grad"] is True
            self.constraints(value, makers[0], spec)
            return {"tensor": spec}
        return self.literal(context, value)

    def dtype_sweep(self, value):
        """`dtypes: [float32, float64]`: the dtypes a probe made from this tensor runs with, one probe each
        (the same values in each dtype); [] without a sweep."""
        if "dtypes" not in value:
            return []
        dtypes = value["dtypes"]
        if "dtype" in value:
            self.problem(value, "give a tensor 'dtype' or a sweep of 'dtypes', not both")
        if not (type(dtypes) is list and len(dtypes) >= 2 and all(d in DTYPES for d in dtypes)
                and len(set(dtypes)) == len(dtypes)):
            self.problem(value, f"'dtypes' must list two or more distinct dtypes of {', '.join(DTYPES)}, "
                                f"got {dtypes!r}")
            return []
        return dtypes

    def swept_together(self, mapping, args):
        """The inputs of one probe that sweep dtypes move together, the k-th dtype of each: their lists
        must have one length."""
        lengths = sorted({len(arg["tensor"]["dtypes"]) for arg in args if _is_swept(arg)})
        if len(lengths) > 1:
            self.problem(mapping, f"the inputs of one probe with 'dtypes' sweep together (the k-th dtype of each): "
                                  f"their lists must have the same length, got lengths {lengths}")

    def constraints(self, value, make, spec):
        """sorted: a random tensor sorted along its last dimension; unique: randint's values all distinct."""
        for key in ("sorted", "unique"):
            if key in value:
                if type(value[key]) is not bool:
                    self.problem(value, f"'{key}' must be true or false, got {value[key]!r}")
                spec[key] = value[key] is True
        if spec.get("sorted") and make not in ("randn", "rand", "randint"):
            self.problem(value, "'sorted' applies to randn, rand and randint (write a fixed tensor sorted)")
        if spec.get("unique") and make != "randint":
            self.problem(value, "'unique' applies to randint (random floats are distinct already)")

    def python_input(self, value, make, dims):
        """{int: [low, high]} and {float: [low, high]} (inclusive, drawn per probe; several ranges such as
        [[-5, -1], [1, 5]] leave gaps), {bool: true} (drawn),
        {dim: n} (the dimension's value), {size: [n, 3]} (a torch.Size)."""
        arg = value[make]
        if make == "dim":
            if arg not in dims:
                self.problem(value, f"unknown dimension {arg!r}: declare it in the draw's 'dims'")
            return {"dim": str(arg)}
        if make == "size":
            return {"size": self.shape(value, arg, allow_scalar=True, dims=dims)}
        if make == "bool":
            if arg is not True:
                self.problem(value, f"write {{bool: true}} for a random True or False, got {arg!r}")
            return {"bool": True}
        several = isinstance(arg, list) and len(arg) >= 2 and all(isinstance(r, list) for r in arg)
        ranges = arg if several else [arg]
        if not all(isinstance(r, list) and len(r) == 2 for r in ranges):
            self.problem(value, f"{make} needs [low, high], or several ranges [[low, high], [low, high]], got {arg!r}")
            return {make: [0, 1]}
        read = [self.int_range(value, r, dims) if make == "int" else self.float_range(value, r) for r in ranges]
        numeric = [r for r in read if all(type(b) in (int, float) for b in r)]
        if len(numeric) == len(read) and any(a[1] >= b[0] for a, b in zip(read, read[1:])):
            self.problem(value, f"{make}'s ranges must be in increasing order, apart, got {arg!r}")
        return {make: read if several else read[0]}

    def int_range(self, value, bounds, dims):
        low, high = (self.integer_bound(value, b, dims) for b in bounds)
        if type(low) is int and type(high) is int and low > high:
            self.problem(value, f"int needs low <= high, got {bounds!r}")
        return [low, high]

    def float_range(self, value, bounds):
        if not (all(map(_is_parameter_number, bounds)) and bounds[0] <= bounds[1]):
            self.problem(value, f"float needs [low, high] numbers with low <= high, got {bounds!r}")
            return [0.0, 1.0]
        return [float(bounds[0]), float(bounds[1])]

    def maker_argument(self, value, make, dims):
        """The argument of randn/rand/zeros/ones is a shape ([] is a 0-d tensor), of randint
        [low, high, shape] (high excluded, as torch.randint), of arange a number or [start, end(, step)],
        of tensor the data. A shape's sizes and randint's bounds may name dimensions."""
        arg = value[make]
        if make in ("randn", "rand", "zeros", "ones"):
            return self.shape(value, arg, allow_scalar=True, dims=dims)
        if make == "randint":
            if not (isinstance(arg, list) and len(arg) == 3):
                self.problem(value, f"randint needs [low, high, shape] with low < high, got {arg!r}")
                return [0, 1, [1]]
            low, high = (self.integer_bound(value, b, dims) for b in arg[:2])
            if type(low) is int and type(high) is int and low >= high:
                self.problem(value, f"randint needs [low, high, shape] with low < high, got {arg!r}")
            shape = self.shape(value, arg[2], allow_scalar=True, dims=dims)
            if (value.get("unique") and type(low) is int and type(high) is int
                    and all(type(d) is int for d in shape) and math.prod(shape) > high - low):
                self.problem(value, f"randint cannot draw {math.prod(shape)} distinct values from [{low}, {high})")
            return [low, high, shape]
        if make == "arange":
            numbers = arg if isinstance(arg, list) else [arg]
            if not 1 <= len(numbers) <= 3 or not all(isinstance(n, (int, float)) and not isinstance(n, bool)
                                                     for n in numbers):
                self.problem(value, f"arange needs a number or [start, end] or [start, end, step], got {arg!r}")
                return 1
            return arg
        return self.literal(value, arg)

    def literal(self, context, value):
        if isinstance(value, (str, int, float, bool)) or value is None:
            return value
        if isinstance(value, list):
            return [self.literal(context, v) for v in value]
        self.problem(context, f"expected a number, text or list, got {type(value).__name__}")
        return None

    def shape(self, context, shape, allow_scalar=False, dims=None):
        dims = dims or {}
        if (not isinstance(shape, list) or (not shape and not allow_scalar)
                or not all(d in dims if isinstance(d, str) else
                           isinstance(d, int) and not isinstance(d, bool) and 0 < d <= 100_000 for d in shape)):
            known = f" or names of the dimensions {', '.join(dims)}" if dims else ""
            self.problem(context, f"a shape must be a list of positive integers{known}, got {shape!r}")
            return [1]
        return shape


def default(cls: type, name: str) -> object:
    """The default of field `name` of spec class `cls`: judging.spec owns every default of the format."""
    return next(f.default for f in fields(cls) if f.name == name)


def _is_api_name(name):
    parts = name.split(".") if isinstance(name, str) else [""]
    if parts[-1] == "*" and len(parts) > 1:
        parts = parts[:-1]
    return all(part.isidentifier() for part in parts)


def _is_swept(arg):
    """Whether a read input is a tensor with a dtype sweep."""
    return isinstance(arg, dict) and "dtypes" in arg.get("tensor", {})


def _is_parameter_number(value):
    return isinstance(value, (int, float)) and not isinstance(value, bool) and abs(value) <= 1e6


def read_spec(path: Path | str, data: dict, problems: ProblemList) -> ExerciseSpec | None:
    """The spec of one exercise.yaml's parsed `data`, or None if it has problems (added to `problems`)."""
    reader = SpecReader(path, problems)
    normalised = reader.read(data)
    return None if reader.found_problems else ExerciseSpec.from_json(normalised)
