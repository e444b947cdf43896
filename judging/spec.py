"""The exercise spec as typed, frozen objects: one class per check kind and per input generator.

`judging.reader` builds an `ExerciseSpec` from `exercise.yaml`, checking every value and naming the
file and line of each problem; nothing else constructs one from a file. What an ExerciseVersion
stores is `ExerciseSpec.to_json()`, and `ExerciseSpec.from_json` reads it back: the JSON is data
the reader validated when the version was made, so `from_json` rebuilds the objects without
checking again (their own `__post_init__` still refuses an impossible combination).

The lists of names below (kinds, dtypes, devices, datasets, predicates...) are the format's
vocabulary: the reader, the probes and the judges all take them from here.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, fields, replace
from typing import Any, ClassVar, Union

# An exercise folder's self-tests (judging.selftest): other correct solutions, and mistakes.
ALTERNATIVES, MISTAKES = "alternatives", "mistakes"

ENTRY_KINDS = ("function", "module", "training")
DEVICES = ("cpu", "cuda", "any")
# The devices a check can simulate on any worker (judging.simulation): torch says the device is
# available, and tensors moved to it refuse to be mixed with CPU tensors.
SIMULATED_DEVICES = ("cuda", "mps")
DTYPES = ("float32", "float64", "float16", "bfloat16", "int64", "int32", "uint8", "bool")
TENSOR_MAKERS = ("tensor", "randn", "rand", "randint", "zeros", "ones", "arange")
RANDOM_MAKERS = ("randn", "rand", "randint")
# Python values drawn per probe ({int: [low, high]}, {float: [low, high]}, {bool: true}), a named
# dimension's value ({dim: n}) and a torch.Size ({size: [n, 3]}), beside the tensor makers.
PYTHON_MAKERS = ("int", "float", "bool", "dim", "size")
# The data-generating parameters of each dataset kind, with their defaults, and the loss the trusted
# side computes unless the check names one. A parameter is a number, or a [low, high] range drawn per
# submission (the linear weight and the blob centre once per feature).
# `digits` is a real data set (scikit-learn's bundled handwritten digits), split per submission: it has
# no generating parameters.
DATASETS = {"linear": {"weight": 1.0, "bias": 1.0}, "blobs": {"separation": 1.0, "centre": 0.0}, "digits": {}}
PER_FEATURE_PARAMETERS = ("weight", "centre")
DEFAULT_LOSSES = {"linear": "mse", "blobs": "bce", "digits": "cross_entropy"}
TRAINING_LOSSES = ("mse", "bce", "bce_with_logits", "cross_entropy")
# What one value of a training function's recorded losses stands for: an epoch, or an optimizer step.
LOSSES_PER = ("epoch", "step")
# How a training check judges the last recorded loss against the grader's own training loss of the
# returned model: `model`, the prompt defines each value as the model's loss on the whole training set
# (compared within a relative tolerance); `batches`, an average over an epoch's mini-batches or the loss
# before the last step (compared within a band of ratios).
RECORDED_LOSSES = ("batches", "model")
# The order the training points are sent in: as drawn, or sorted by target (a loop that does not
# shuffle then trains on one class at a time).
DATA_ORDERS = ("shuffled", "sorted")
# The arguments of `args` a training check can verify from the harness's records of the training.
VERIFIABLE_ARGUMENTS = ("lr", "batch_size", "epochs")
# The losses that need 0/1 labels (blobs) and the one that needs class indices (digits).
BINARY_LOSSES = ("bce", "bce_with_logits")
DIGITS_SAMPLES, DIGITS_CLASSES = 1797, 10
STRUCTURE_FIELDS = ("parameter_count", "parameter_shapes", "output_shape", "output_structure")
# Predicates on output tensors, judged on the trusted side: name -> the arguments they take.
PREDICATES = {"nonnegative": (), "positive": (), "finite": (), "symmetric": (), "in_range": ("low", "high"),
              "sums_to_one": ("dim",)}
STATISTICS = ("mean", "std")

# A literal input or keyword argument: what YAML gives for a number, text, true/false or a list.
Literal = Union[None, bool, int, float, str, list]
# A size or bound: an integer, or the name of a dimension drawn earlier in the same draw.
Bound = Union[int, str]
Number = Union[int, float]
# A data-generating parameter: a number, or a [low, high] range drawn per submission.
Parameter = Union[Number, list]


@dataclass(frozen=True)
class Entry:
    """What the student's code must define: a function, an nn.Module class or a training function."""

    kind: str
    name: str

    def __post_init__(self):
        if self.kind not in ENTRY_KINDS or not self.name.isidentifier():
            raise ValueError(f"not an entry: {self.kind} {self.name!r}")


@dataclass(frozen=True)
class Limits:
    wall_s: Number = 10
    cpu_s: Number = 10
    memory_mb: Number = 1024
    output_kb: Number = 64


@dataclass(frozen=True)
class Attempts:
    max: int | None = None
    min_interval_s: int = 0


# --- input generators: one class each; `to_json` gives the form the reader accepts from YAML ---

@dataclass(frozen=True)
class TensorInput:
    """A tensor written out (`tensor`, `zeros`, `ones`, `arange`) or drawn per probe (`randn`, `rand`,
    `randint`). `arg` is the maker's argument: a shape, [low, high, shape] for randint, the data for
    tensor; sizes and randint's bounds may name dimensions. With `dtypes` (a dtype sweep), each probe
    made from it runs once per dtype listed, with the same values; `dtype` is then the first of them."""

    make: str
    arg: Any
    dtype: str = "float32"
    requires_grad: bool | None = None
    sorted: bool = False
    unique: bool = False
    dtypes: tuple[str, ...] = ()

    def __post_init__(self):
        if self.make not in TENSOR_MAKERS or self.dtype not in DTYPES or not set(self.dtypes) <= set(DTYPES):
            raise ValueError(f"not a tensor input: {self.make} of {self.dtype} {self.dtypes}")
        if self.dtypes and self.dtype != self.dtypes[0]:
            raise ValueError(f"a dtype sweep {self.dtypes} starts with its dtype, not {self.dtype}")

    def to_json(self) -> dict:
        spec = {"make": self.make, "arg": self.arg, "dtype": self.dtype}
        if self.dtypes:
            spec["dtypes"] = list(self.dtypes)
        if self.requires_grad is not None:
            spec["requires_grad"] = self.requires_grad
        spec.update({key: True for key in ("sorted", "unique") if getattr(self, key)})
        return {"tensor": spec}


@dataclass(frozen=True)
class IntInput:
    """A Python int drawn uniformly from the union of `ranges`, each [low, high] with both included:
    several ranges leave gaps ([[-5, -1], [1, 5]] is never 0)."""

    ranges: tuple[tuple[Bound, Bound], ...]

    def to_json(self) -> dict:
        return {"int": _ranges_json(self.ranges)}


@dataclass(frozen=True)
class FloatInput:
    """A Python float drawn uniformly from the union of `ranges`, each [low, high]."""

    ranges: tuple[tuple[float, float], ...]

    def to_json(self) -> dict:
        return {"float": _ranges_json(self.ranges)}


def _ranges_json(ranges: tuple[tuple, ...]) -> list:
    """One range as [low, high], several as [[low, high], ...]."""
    return list(ranges[0]) if len(ranges) == 1 else [list(r) for r in ranges]


def _ranges(arg: list) -> tuple[tuple, ...]:
    return tuple(map(tuple, arg)) if isinstance(arg[0], list) else (tuple(arg),)


@dataclass(frozen=True)
class BoolInput:
    """True or False, drawn."""

    def to_json(self) -> dict:
        return {"bool": True}


@dataclass(frozen=True)
class DimInput:
    """The value of a dimension of the draw, as a Python int."""

    name: str

    def to_json(self) -> dict:
        return {"dim": self.name}


@dataclass(frozen=True)
class SizeInput:
    """A torch.Size whose sizes may name dimensions."""

    shape: tuple[Bound, ...]

    def to_json(self) -> dict:
        return {"size": list(self.shape)}


@dataclass(frozen=True)
class LiteralInput:
    """A number, text, boolean or (nested) list passed as written."""

    value: Literal

    def to_json(self) -> Literal:
        return self.value


Input = Union[TensorInput, IntInput, FloatInput, BoolInput, DimInput, SizeInput, LiteralInput]


def input_from_json(value: Any) -> Input:
    if not isinstance(value, dict):
        return LiteralInput(value)
    (kind, arg), = value.items()
    if kind == "tensor":
        return TensorInput(**{**arg, "dtypes": tuple(arg.get("dtypes", ()))})
    if kind == "int":
        return IntInput(_ranges(arg))
    if kind == "float":
        return FloatInput(_ranges(arg))
    if kind == "bool":
        return BoolInput()
    if kind == "dim":
        return DimInput(arg)
    if kind == "size":
        return SizeInput(tuple(arg))
    raise ValueError(f"not an input: {value!r}")


@dataclass(frozen=True)
class Dimension:
    """A named size drawn once per random draw from [low, high]; a bound may name an earlier dimension."""

    name: str
    low: Bound
    high: Bound


@dataclass(frozen=True)
class Case:
    """A fixed case. A hidden check's cases are varied per submission unless `fixed`."""

    args: tuple[Input, ...]
    fixed: bool = False


@dataclass(frozen=True)
class RandomDraws:
    """`count` probes whose arguments are drawn per submission, after their dimensions."""

    count: int
    args: tuple[Input, ...]
    dims: tuple[Dimension, ...] = ()

    def to_json(self) -> dict:
        return {"count": self.count, "dims": {d.name: [d.low, d.high] for d in self.dims},
                "args": _json(self.args)}

    @classmethod
    def from_json(cls, data: dict) -> RandomDraws:
        return cls(count=data["count"], args=tuple(map(input_from_json, data["args"])),
                   dims=tuple(Dimension(name, *bounds) for name, bounds in data.get("dims", {}).items()))


@dataclass(frozen=True)
class Predicate:
    """A property every output tensor must have: nonnegative, positive, finite, symmetric,
    in_range (low, high) or sums_to_one (along dim)."""

    name: str
    low: Number | None = None
    high: Number | None = None
    dim: int | None = None

    def __post_init__(self):
        if self.name not in PREDICATES:
            raise ValueError(f"not a predicate: {self.name}")

    def to_json(self) -> dict:
        return {"name": self.name, **{key: getattr(self, key) for key in PREDICATES[self.name]}}


# --- checks: one class per kind ---

@dataclass(frozen=True, kw_only=True)
class Check:
    kind: ClassVar[str]
    name: str
    points: Number = 1
    hidden: bool = False
    hint: str = ""

    def to_json(self) -> dict:
        return {"kind": self.kind, **{f.name: _json(getattr(self, f.name)) for f in fields(self)}}


@dataclass(frozen=True, kw_only=True)
class ProbedCheck(Check):
    """A check judged on the entry's answers to probes: fixed `cases` and `random` draws, after the
    module is built with `init` arguments and, where given, random `weights` of these shapes."""

    init: tuple[Input, ...] = ()
    weights: dict[str, tuple[Bound, ...]] = field(default_factory=dict)
    cases: tuple[Case, ...] = ()
    random: RandomDraws | None = None

    @property
    def arg_inputs(self) -> list[Input]:
        """Every argument input the check's probes are made from."""
        return [arg for case in self.cases for arg in case.args] + list(self.random.args if self.random else [])


@dataclass(frozen=True, kw_only=True)
class ValueCheck(ProbedCheck):
    """The entry's output matches the reference's (as torch.testing.assert_close) and/or has the
    listed predicates. rtol and atol are both set or both None (the dtype's defaults)."""

    kind: ClassVar[str] = "value"
    rtol: float | None = None
    atol: float | None = None
    allow_nan: bool = False
    broadcast: bool = False
    predicates: tuple[Predicate, ...] = ()
    match_reference: bool = True
    match_requires_grad: bool = False  # each output tensor tracks gradients exactly when the reference's does
    # The probes run as on a machine with this device, and each output tensor must be on the reference's device.
    simulate_device: str | None = None
    # torch.load scales what it returns during the probes, so that the saved and the reloaded model differ.
    reload_differs: bool = False

    def __post_init__(self):
        if (self.rtol is None) != (self.atol is None):
            raise ValueError("set both rtol and atol, or neither")
        if not self.match_reference and not self.predicates:
            raise ValueError("a check with match_reference: false needs predicates")


@dataclass(frozen=True, kw_only=True)
class GradientCheck(ValueCheck):
    """The gradients with respect to `wrt` match the reference's; with `gradcheck`, also finite
    differences of the student's own forward pass."""

    kind: ClassVar[str] = "gradient"
    wrt: str = "inputs"
    gradcheck: bool = False
    eps: float = 1e-6


@dataclass(frozen=True, kw_only=True)
class DistributionCheck(ProbedCheck):
    """Stochastic code: `draws` samples per input, compared by summary statistics within z standard
    errors, not element by element."""

    kind: ClassVar[str] = "distribution"
    draws: int = 1000
    statistics: tuple[str, ...] = STATISTICS
    quantiles: tuple[float, ...] = ()
    expect: dict[str, Number] = field(default_factory=dict)
    z: Number = 5
    predicates: tuple[Predicate, ...] = ()


@dataclass(frozen=True, kw_only=True)
class StructureCheck(ProbedCheck):
    """A module's parameters and its output on zeros of `input_shape`; a function's output structure
    (tuple and list lengths, dict keys, each tensor's shape and dtype) on its probes."""

    kind: ClassVar[str] = "structure"
    input_shape: tuple[Bound, ...] | None = None
    compare: tuple[str, ...] = ("output_structure",)
    simulate_device: str | None = None  # as a value check's; a module's input goes to its parameters' device


@dataclass(frozen=True, kw_only=True)
class RaisesCheck(ProbedCheck):
    """The entry raises `exception` (a built-in exception class, or a subclass of it) on every probe,
    as the reference does: the behaviour on bad input that a prompt asks for."""

    kind: ClassVar[str] = "raises"
    exception: str = "ValueError"


@dataclass(frozen=True)
class GeneratedData:
    """n points of `features` features drawn from [low, high]: y = x @ weight + bias + noise
    (linear), or two blobs labelled 0 and 1 (blobs). `parameters` are those of DATASETS[kind]."""

    kind: str
    n: int = 64
    features: int = 1
    noise: Number = 0.0
    low: Number = -1.0
    high: Number = 1.0
    parameters: dict[str, Parameter] = field(default_factory=dict)
    order: str = "shuffled"

    def to_json(self) -> dict:
        return {"kind": self.kind, "n": self.n, "features": self.features, "noise": self.noise,
                **self.parameters, "low": self.low, "high": self.high, "order": self.order}


@dataclass(frozen=True)
class DigitsData:
    """n images of scikit-learn's handwritten digits, a fraction `label_noise` of their labels replaced."""

    kind: ClassVar[str] = "digits"
    n: int = 1000
    label_noise: Number = 0.0
    order: str = "shuffled"

    def to_json(self) -> dict:
        return {"kind": "digits", "n": self.n, "label_noise": self.label_noise, "order": self.order}


Dataset = Union[GeneratedData, DigitsData]


def dataset_from_json(data: dict) -> Dataset:
    if data["kind"] == "digits":  # a version stored before `order` existed sends its data as drawn
        return DigitsData(n=data["n"], label_noise=data["label_noise"], order=data.get("order", "shuffled"))
    parameters = {name: data[name] for name in DATASETS[data["kind"]]}
    return GeneratedData(**{k: v for k, v in data.items() if k not in parameters}, parameters=parameters)


@dataclass(frozen=True)
class Holdout:
    """The held-out points: `n` drawn like the data, or x and y as written."""

    n: int = 32
    x: list | None = None
    y: list | None = None


@dataclass(frozen=True, kw_only=True)
class TrainingCheck(Check):
    """The training entry, called on data drawn here, returns a model whose loss and held-out
    figures the trusted side computes itself, with the harness's records that an optimizer trained
    it; `losses_per` (epoch or step) sets how many losses its curve must have, `recorded_loss` how its
    last value is compared with the grader's loss (within `loss_rtol`, or within the ratios of
    `loss_band`), and `verify_args` which arguments the records must show were used."""

    kind: ClassVar[str] = "training"
    data: Dataset
    kwargs: dict[str, Literal] = field(default_factory=dict)
    holdout: Holdout = Holdout()
    loss: str = "mse"
    max_final_loss: Number | None = None
    max_holdout_mse: Number | None = None
    min_holdout_accuracy: Number | None = None
    loss_must_decrease: bool = True
    losses_per: str | None = None
    simulate_device: str | None = None  # trained as on a machine with this device: the model must end on it
    recorded_loss: str = "batches"
    # The model's loss computed in float32 by the code and in float64 by the grader differ by about 1e-6.
    loss_rtol: float = 1e-3
    # A loss averaged over an epoch's mini-batches, or measured before the last step: the honest loops
    # we measured ended up to 14% from the model's (Adam on mini-batches of 8).
    loss_band: tuple[float, float] = (0.75, 1.33)
    verify_args: tuple[str, ...] = ()

    def __post_init__(self):
        if self.losses_per is not None and (self.losses_per not in LOSSES_PER
                                            or type(self.kwargs.get("epochs")) is not int):
            raise ValueError(f"losses per {self.losses_per!r} need epoch or step, and an integer epochs argument")
        if self.recorded_loss not in RECORDED_LOSSES or not self.loss_band[0] <= 1 <= self.loss_band[1]:
            raise ValueError(f"not a recorded loss: {self.recorded_loss} within {self.loss_band}")
        if not set(self.verify_args) <= set(VERIFIABLE_ARGUMENTS):
            raise ValueError(f"not verifiable arguments: {self.verify_args}")

    @property
    def curve_length(self) -> int | None:
        """How many losses the prompt asks for: one per epoch, or one per optimizer step (an epoch is
        ceil(n / batch_size) steps, one without a batch_size); None when the check does not say."""
        if self.losses_per is None:
            return None
        return self.kwargs["epochs"] if self.losses_per == "epoch" else self.expected_steps

    @property
    def expected_steps(self) -> int:
        """The optimizer steps the arguments call for: ceil(n / batch_size) per epoch, one per epoch
        without a batch_size (the reader makes sure that a check verifying them has an integer epochs)."""
        batch_size = self.kwargs.get("batch_size")
        return self.kwargs["epochs"] * (1 if batch_size is None else math.ceil(self.data.n / batch_size))


@dataclass(frozen=True)
class KeywordRule:
    """Every call of `function` must pass `keyword` as the literal `value` (torch.load, weights_only, True)."""

    function: str
    keyword: str
    value: Literal


@dataclass(frozen=True, kw_only=True)
class ApiCheck(Check):
    """Static rules on the student's source (and a run-time recorder of forbidden torch calls).

    A `require` entry is a name, or a tuple of names of which the code must use at least one. A name
    ending in `.*` (`torch.linalg.*`) stands for everything in that module."""

    kind: ClassVar[str] = "api"
    forbid: tuple[str, ...] = ()
    require: tuple[str | tuple[str, ...], ...] = ()
    allow: tuple[str, ...] = ()
    forbid_syntax: tuple[str, ...] = ()
    require_keywords: tuple[KeywordRule, ...] = ()


CHECK_TYPES: dict[str, type[Check]] = {cls.kind: cls for cls in (
    ValueCheck, GradientCheck, DistributionCheck, RaisesCheck, TrainingCheck, StructureCheck, ApiCheck)}
CHECK_KINDS = tuple(CHECK_TYPES)


def _inputs(values: list) -> tuple[Input, ...]:
    return tuple(map(input_from_json, values))


# How each field of a check is read back from its JSON form; a field not named here is as stored.
_CHECK_FIELDS_FROM_JSON = {
    "init": _inputs,
    "cases": lambda cases: tuple(Case(_inputs(case["args"]), case.get("fixed", False)) for case in cases),
    "random": lambda draws: None if draws is None else RandomDraws.from_json(draws),
    "weights": lambda weights: {name: tuple(shape) for name, shape in weights.items()},
    "predicates": lambda predicates: tuple(Predicate(**predicate) for predicate in predicates),
    "input_shape": lambda shape: None if shape is None else tuple(shape),
    "data": dataset_from_json,
    "holdout": lambda holdout: Holdout(**holdout),
    "loss_band": tuple,
    "require": lambda rules: tuple(tuple(rule) if isinstance(rule, list) else rule for rule in rules),
    "require_keywords": lambda rules: tuple(KeywordRule(**rule) for rule in rules),
    **dict.fromkeys(("statistics", "quantiles", "forbid", "allow", "forbid_syntax", "compare", "verify_args"), tuple),
}


def check_from_json(data: dict) -> Check:
    return CHECK_TYPES[data["kind"]](**{name: _CHECK_FIELDS_FROM_JSON.get(name, lambda value: value)(value)
                                        for name, value in data.items() if name != "kind"})


@dataclass(frozen=True)
class ExerciseSpec:
    """One version of an exercise: what grading, validation and the exercise page read.

    `provided` holds the files the student's code may import (shown read-only, ignored by the api
    check); `selftests` the alternatives and mistakes (path -> source) that validation grades."""

    title: str
    entry: Entry
    checks: tuple[Check, ...]
    device: str = "cpu"
    published: bool = True
    limits: Limits = Limits()
    attempts: Attempts = Attempts()
    provided: dict[str, str] = field(default_factory=dict)
    selftests: dict[str, str] = field(default_factory=dict)
    # Mutants of the solution (judging.mutants, by key "LINE: change") marked equivalent -> the reason.
    equivalent_mutants: dict[str, str] = field(default_factory=dict)

    def __post_init__(self):
        if self.device not in DEVICES:
            raise ValueError(f"not a device: {self.device}")

    @property
    def max_score(self) -> float:
        return sum(check.points for check in self.checks)

    def with_files(self, provided: dict[str, str], selftests: dict[str, str]) -> ExerciseSpec:
        return replace(self, provided=provided, selftests=selftests)

    def to_json(self) -> dict:
        return {f.name: _json(getattr(self, f.name)) for f in fields(self)}

    @classmethod
    def from_json(cls, data: dict) -> ExerciseSpec:
        return cls(
            title=data["title"], device=data["device"], published=data["published"],
            entry=Entry(**data["entry"]), limits=Limits(**data["limits"]), attempts=Attempts(**data["attempts"]),
            checks=tuple(map(check_from_json, data["checks"])),
            provided=data.get("provided", {}), selftests=data.get("selftests", {}),
            equivalent_mutants=data.get("equivalent_mutants", {}),
        )


def _json(value: Any) -> Any:
    """The JSON form of a spec value: objects by their own to_json where their form differs from their
    fields (input generators, checks, data sets), else by their fields; tuples as lists."""
    if hasattr(value, "to_json"):
        return value.to_json()
    if hasattr(value, "__dataclass_fields__"):
        return {f.name: _json(getattr(value, f.name)) for f in fields(value)}
    if isinstance(value, (tuple, list)):
        return [_json(v) for v in value]
    if isinstance(value, dict):
        return {k: _json(v) for k, v in value.items()}
    return value
