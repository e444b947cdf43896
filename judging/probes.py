"""Build, on the trusted side, what the sandbox runs for one grading: the probes and their inputs.

Fixed cases come from the exercise; random cases, the cases of hidden checks (unless marked
fixed), and training data with its generating parameters are drawn from generators seeded by the
submission's secret seed, so hard-coding the visible examples, or what one submission learnt of a
hidden check, earns nothing, and a regrade with the same seed sees the same inputs. The judge's
own copies of the training and hold-out targets stay here in `Plan.private`; the hold-out targets
and the data's generating parameters never enter a sandbox.
"""

import functools
import gzip
import hashlib
import math
from dataclasses import asdict, dataclass, field, replace

import numpy
import torch

from .datasets import DIGITS_CSV
from .spec import (
    DATASETS,
    DIGITS_CLASSES,
    DIGITS_SAMPLES,
    DTYPES,
    PER_FEATURE_PARAMETERS,
    RANDOM_MAKERS,
    BoolInput,
    Check,
    DigitsData,
    DimInput,
    Dimension,
    Entry,
    ExerciseSpec,
    FloatInput,
    GeneratedData,
    GradientCheck,
    Input,
    IntInput,
    ProbedCheck,
    SizeInput,
    StructureCheck,
    TensorInput,
    TrainingCheck,
)

# The format's dtype names (judging.spec.DTYPES) are torch's own.
TORCH_DTYPES = {name: getattr(torch, name) for name in DTYPES}


def derive_seed(seed: int, *labels: object) -> int:
    digest = hashlib.sha256(":".join(map(str, (seed, *labels))).encode()).digest()
    return int.from_bytes(digest[:7], "big")


# A varied float moves by up to this fraction of its own magnitude: far beyond any comparison
# tolerance, so an output hard-coded for the written value is wrong, while signs, zeros and the
# order of magnitude (what an edge case is usually about) stay.
JITTER = 0.1


def draw_dims(dims: tuple[Dimension, ...], generator: torch.Generator) -> dict[str, int]:
    """The named dimensions of one random draw, in order (a bound may name an earlier one)."""
    drawn = {}
    for dim in dims:
        low, high = _resolve(dim.low, drawn), _resolve(dim.high, drawn)
        drawn[dim.name] = int(torch.randint(low, high + 1, (), generator=generator))
    return drawn


def _resolve(size, dims):
    return dims[size] if isinstance(size, str) else size


def make_value(value: Input, generator: torch.Generator, vary: bool = False, dims: dict | None = None) -> object:
    """Turn an input description from the spec into the value a probe receives.

    With `vary`, a tensor written out in the spec is changed with `generator` (see `varied`); a
    random one is drawn from `generator` anyway; Python numbers, booleans and text stay as written.
    `dims` are the named dimensions drawn for this probe. A torch.Size cannot cross the sandbox
    boundary: it is sent as a tuple, and the harness makes it a torch.Size (see `size_positions`).
    """
    dims = dims or {}
    match value:
        case TensorInput():
            return make_tensor(value, generator, vary, dims)
        case DimInput(name=name):
            return dims[name]
        case SizeInput(shape=shape):
            return tuple(_resolve(d, dims) for d in shape)
        case BoolInput():
            return bool(torch.randint(0, 2, (), generator=generator))
        # One draw over the ranges laid end to end: with one range this is exactly
        # torch.randint(low, high + 1) and low + (high - low) * rand, as before ranges could have gaps.
        case IntInput(ranges=ranges):
            bounds = [(_resolve(low, dims), _resolve(high, dims)) for low, high in ranges]
            offset = int(torch.randint(sum(high - low + 1 for low, high in bounds), (), generator=generator))
            for low, high in bounds:
                if offset <= high - low:
                    return low + offset
                offset -= high - low + 1
        case FloatInput(ranges=ranges):
            offset = sum(high - low for low, high in ranges) * float(
                torch.rand((), generator=generator, dtype=torch.float64))
            for low, high in ranges:
                if offset <= high - low:
                    return low + offset
                offset -= high - low
            return ranges[-1][1]
    return value.value


def size_positions(arg_specs: tuple[Input, ...]) -> list[int]:
    """Which arguments are torch.Size inputs."""
    return [i for i, spec in enumerate(arg_specs) if isinstance(spec, SizeInput)]


def make_tensor(spec: TensorInput, generator: torch.Generator, vary: bool = False,
                dims: dict | None = None) -> torch.Tensor:
    make, arg, dtype = spec.make, spec.arg, TORCH_DTYPES[spec.dtype]
    dims = dims or {}
    if make == "tensor":
        tensor = torch.tensor(arg, dtype=dtype)
    elif make in ("randn", "rand"):
        maker = torch.randn if make == "randn" else torch.rand
        shape = tuple(_resolve(d, dims) for d in arg)
        tensor = maker(shape, generator=generator, dtype=torch.float64).to(dtype)
    elif make == "randint":
        low, high, shape = _resolve(arg[0], dims), _resolve(arg[1], dims), tuple(_resolve(d, dims) for d in arg[2])
        tensor = _randint(low, high, shape, spec.unique, generator).to(dtype)
    elif make == "arange":
        tensor = torch.arange(*arg, dtype=dtype) if isinstance(arg, list) else torch.arange(arg, dtype=dtype)
    else:
        tensor = (torch.zeros if make == "zeros" else torch.ones)(tuple(arg), dtype=dtype)
    if vary and make not in RANDOM_MAKERS:
        tensor = varied(tensor, generator)
    if spec.sorted and tensor.dim():
        tensor = tensor.sort(dim=-1).values
    if spec.requires_grad:
        tensor.requires_grad_(True)
    return tensor


def _randint(low, high, shape, unique, generator):
    if not unique:
        return torch.randint(low, high, shape, generator=generator)
    count = math.prod(shape)
    if count > high - low:
        raise ValueError(f"randint cannot draw {count} distinct values from [{low}, {high}): "
                         f"widen the range or shrink the shape")
    return (low + torch.randperm(high - low, generator=generator)[:count]).reshape(shape)


def varied(tensor: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
    """A written-out tensor of a hidden case, changed per submission.

    Floats are each scaled by a factor drawn from [1 - JITTER, 1 + JITTER]. Integers and booleans
    are usually labels, indices or masks, which an arbitrary change would make invalid: their rows
    (the entries along the first dimension) are shuffled instead, keeping every value and each row.
    """
    if tensor.is_floating_point():
        factor = 1 + JITTER * (2 * torch.rand(tensor.shape, generator=generator, dtype=torch.float64) - 1)
        return (tensor.double() * factor).to(tensor.dtype)
    if tensor.dim() == 0:
        return tensor
    return tensor[torch.randperm(tensor.shape[0], generator=generator)]


def draw_parameters(data: GeneratedData, generator: torch.Generator) -> dict[str, torch.Tensor]:
    """The data-generating parameters of one grading: numbers as written, [low, high] ranges drawn."""
    parameters = {}
    for name in DATASETS[data.kind]:
        value, count = data.parameters[name], data.features if name in PER_FEATURE_PARAMETERS else 1
        if type(value) is list:
            low, high = value
            parameters[name] = low + (high - low) * torch.rand(count, generator=generator, dtype=torch.float64)
        else:
            parameters[name] = torch.full((count,), float(value), dtype=torch.float64)
    return parameters


def make_dataset(data: GeneratedData, parameters: dict, n: int,
                 generator: torch.Generator) -> tuple[torch.Tensor, torch.Tensor]:
    """n points (x, y): y = x @ weight + bias + noise, or two blobs labelled 0 and 1 around `centre`."""
    x = torch.rand(n, data.features, generator=generator, dtype=torch.float64)
    x = data.low + (data.high - data.low) * x
    noise = data.noise * torch.randn(n, 1, generator=generator, dtype=torch.float64)
    if data.kind == "linear":
        y = x @ parameters["weight"].unsqueeze(1) + parameters["bias"] + noise
    else:
        labels = torch.randint(0, 2, (n, 1), generator=generator).to(torch.float64)
        x = x + parameters["separation"] * (2 * labels - 1) + parameters["centre"]
        y = labels
    return x.float(), y.float()


@functools.cache
def load_digits() -> tuple[torch.Tensor, torch.Tensor]:
    """scikit-learn's handwritten digits, read once per process: images float32 (1797, 1, 8, 8) scaled
    from 0..16 to [0, 1], labels int64 (1797,).

    Read straight from the CSV file that ships inside the package: importing sklearn costs over a second.
    """
    with gzip.open(DIGITS_CSV) as file:
        table = numpy.loadtxt(file, delimiter=",", dtype=numpy.float32)
    if table.shape != (DIGITS_SAMPLES, 65):
        raise RuntimeError(f"scikit-learn's digits.csv.gz has shape {table.shape}, expected ({DIGITS_SAMPLES}, 65)")
    images = torch.from_numpy(table[:, :64] / 16.0).reshape(-1, 1, 8, 8)
    return images, torch.from_numpy(table[:, 64]).long()


def split_digits(data: DigitsData, holdout_n: int,
                 generator: torch.Generator) -> tuple[tuple[torch.Tensor, torch.Tensor], tuple[torch.Tensor, torch.Tensor]]:
    """((x, y), (holdout_x, holdout_y)): disjoint random images of the digits, and a fraction
    `label_noise` of the training labels replaced by random classes (possibly the true one)."""
    images, labels = load_digits()
    order = torch.randperm(DIGITS_SAMPLES, generator=generator)
    train, holdout = order[:data.n], order[data.n:data.n + holdout_n]
    y = labels[train].clone()
    noisy = torch.rand(len(y), generator=generator) < data.label_noise
    y[noisy] = torch.randint(0, DIGITS_CLASSES, (int(noisy.sum()),), generator=generator)
    return (images[train].clone(), y), (images[holdout].clone(), labels[holdout].clone())


@dataclass
class CheckPlan:
    index: int
    check: Check
    probe_ids: list = field(default_factory=list)
    visible_inputs: dict = field(default_factory=dict)  # probe id -> args, for feedback
    swept_dtypes: dict = field(default_factory=dict)  # probe id -> the dtypes of its sweep's variant, for feedback
    gradchecks: dict = field(default_factory=dict)  # probe id -> probe, for the finite-difference check
    private: dict = field(default_factory=dict)


@dataclass
class Plan:
    entry: Entry
    probes: list
    checks: list

    def __post_init__(self):
        self._hidden = {probe_id for check in self.checks if check.check.hidden for probe_id in check.probe_ids}

    def hidden_probe(self, probe_id):
        """Whether the probe belongs to a hidden check: its job's output is never shown."""
        return probe_id in self._hidden

    def inputs(self, probes):
        """What one sandbox job receives: the entry point and some of the probes."""
        return {"entry": asdict(self.entry), "probes": probes}


def build_plan(spec: ExerciseSpec, seed: int) -> Plan:
    entry = spec.entry
    probes, checks = [], []
    for index, check in enumerate(spec.checks):
        plan = CheckPlan(index=index, check=check)
        checks.append(plan)
        builder = _BUILDERS.get(check.kind)
        if builder is None:  # an api check reads the source, not the entry's answers
            continue
        for case_label, probe in builder(check, entry, seed, index, plan):
            probe["id"] = f"{index}.{case_label}"
            probe["seed"] = derive_seed(seed, index, case_label, "torch")
            probe.update(probe_conditions(check, probe["seed"]))
            plan.probe_ids.append(probe["id"])
            probes.append(probe)
    return Plan(entry=entry, probes=probes, checks=checks)


# A reload probe's factor on what torch.load returns, drawn per probe from this range: far enough from 1
# that the saved model's predictions and the reloaded model's differ beyond any tolerance.
RELOAD_SCALE = (1.5, 2.5)


def probe_conditions(check: Check, seed: int) -> dict:
    """What the harness changes while the check's probe runs (judging.simulation): the device it
    simulates, and the factor torch.load scales by, drawn from the probe's seed, so that the reference
    and the student see the same one; and whether the answer reports which output tensors track
    gradients (a check with match_requires_grad)."""
    conditions = {"report_requires_grad": True} if getattr(check, "match_requires_grad", False) else {}
    if getattr(check, "simulate_device", None):
        conditions["simulate_device"] = check.simulate_device
    if getattr(check, "reload_differs", False):
        low, high = RELOAD_SCALE
        generator = torch.Generator().manual_seed(derive_seed(seed, "reload"))
        draw = float(torch.rand((), generator=generator, dtype=torch.float64))
        conditions["reload_scale"] = low + (high - low) * draw
    return conditions


def _cases(check, seed, index):
    """(label, args, visible, arg specs, sweep) for the fixed cases, then the seeded random ones, each
    once per dtype of its sweep (`sweep`: the variant's dtypes, () without a sweep).

    A hidden check's cases are varied from the submission's seed unless marked fixed, so that what
    is learnt of them in one submission does not hold in the next one (or another student's). The
    variants of a sweep draw from the same seed: the same values, in each dtype.
    """
    for case_index, case in enumerate(check.cases):
        vary = check.hidden and not case.fixed
        case_seed = derive_seed(seed, index, case_index, "varied") if vary else derive_seed(0, index, case_index)
        for sweep, args in dtype_variants(case.args):
            generator = torch.Generator().manual_seed(case_seed)
            values = [make_value(a, generator, vary) for a in args]
            yield _swept_label(f"case{case_index}", sweep), values, True, args, sweep
    randomised = check.random
    for draw in range(randomised.count if randomised else 0):
        for sweep, args in dtype_variants(randomised.args):
            generator = torch.Generator().manual_seed(derive_seed(seed, index, draw))
            dims = draw_dims(randomised.dims, generator)
            values = [make_value(a, generator, dims=dims) for a in args]
            yield _swept_label(f"random{draw}", sweep), values, False, args, sweep


def dtype_variants(args: tuple[Input, ...]) -> list[tuple[tuple[str, ...], tuple[Input, ...]]]:
    """The probes one case or draw makes, as (sweep, args): itself ((), args) without a dtype sweep; with
    one, a probe per position k of the sweep, whose swept tensors are plain inputs of their k-th dtype
    (`sweep`: these dtypes, each once, e.g. ("float64",))."""
    swept = [arg for arg in args if isinstance(arg, TensorInput) and arg.dtypes]
    if not swept:
        return [((), args)]
    return [(tuple(dict.fromkeys(arg.dtypes[k] for arg in swept)),
             tuple(replace(arg, dtype=arg.dtypes[k], dtypes=()) if arg in swept else arg for arg in args))
            for k in range(len(swept[0].dtypes))]


def _swept_label(label: str, sweep: tuple[str, ...]) -> str:
    return ".".join((label, *sweep))


def _weights(check, generator):
    return {name: 0.5 * torch.randn(*shape, generator=generator) for name, shape in check.weights.items()}


def _value_probes(check, entry, seed, index, plan):
    op = {"gradient": "grad", "distribution": "sample"}.get(
        check.kind, "forward" if entry.kind == "module" else "call")
    for label, args, visible, arg_specs, sweep in _cases(check, seed, index):
        generator = torch.Generator().manual_seed(derive_seed(seed, index, label, "weights"))
        probe = {"op": op, "args": args, "init": _init(check), "weights": _weights(check, generator),
                 "sizes": size_positions(arg_specs)}
        if check.kind == "distribution":
            probe["draws"] = check.draws
        if isinstance(check, GradientCheck):
            probe["wrt"] = check.wrt
            if check.gradcheck:
                probe["args"] = args = [_double(a) for a in args]
                probe["gradcheck"] = {"eps": check.eps, "directions": [
                    torch.randn(a.shape, generator=generator, dtype=torch.float64) if _is_float(a) else None
                    for a in args
                ]}
                plan.gradchecks[f"{index}.{label}"] = probe
        if visible and not check.hidden:
            plan.visible_inputs[f"{index}.{label}"] = args
        if sweep:
            plan.swept_dtypes[f"{index}.{label}"] = sweep
        yield label, probe


def _is_float(value):
    return isinstance(value, torch.Tensor) and value.is_floating_point()


def _double(value):
    """Finite differences need float64, as torch.autograd.gradcheck does."""
    return value.double() if _is_float(value) else value


def _init(check: ProbedCheck) -> list:
    """The module's constructor arguments: literals, as they are the same for every probe."""
    return [make_value(value, torch.Generator()) for value in check.init]


def _structure_probes(check: StructureCheck, entry, seed, index, plan):
    if entry.kind == "function":  # the output structure on the check's inputs
        yield from _value_probes(check, entry, seed, index, plan)
        return
    yield "structure", {"op": "structure", "init": _init(check), "input_shape": list(check.input_shape)}


def _training_probes(check: TrainingCheck, entry, seed, index, plan):
    data = check.data
    generator = torch.Generator().manual_seed(derive_seed(seed, index, "data"))
    if isinstance(data, DigitsData):
        (x, y), (holdout_x, holdout_y) = split_digits(data, check.holdout.n, generator)
    else:
        (x, y), (holdout_x, holdout_y) = _generated_data(check, seed, index, generator)
    if data.order == "sorted":
        x, y = sorted_by_target(x, y)
    plan.private.update(train_y=y, holdout_y=holdout_y)
    yield "train", {"op": "train", "x": x, "y": y, "kwargs": check.kwargs, "holdout_x": holdout_x}


def sorted_by_target(x: torch.Tensor, y: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """The points in increasing order of their target (the class of blobs and digits, the value of a
    line's single output), ties in the order they were drawn: a loop that does not shuffle them trains
    on one class, or one end of the line, at a time."""
    order = torch.argsort(y.reshape(len(y), -1)[:, 0], stable=True)
    return x[order], y[order]


def _generated_data(check, seed, index, generator):
    """Training and held-out points drawn from the data's kind, with its parameters drawn per submission."""
    data, holdout = check.data, check.holdout
    parameters = draw_parameters(data, torch.Generator().manual_seed(derive_seed(seed, index, "parameters")))
    training = make_dataset(data, parameters, data.n, generator)
    if holdout.x is None:
        return training, make_dataset(data, parameters, holdout.n, generator)
    return training, (torch.tensor(holdout.x, dtype=torch.float32), torch.tensor(holdout.y, dtype=torch.float32))


_BUILDERS = {
    "value": _value_probes,
    "gradient": _value_probes,
    "distribution": _value_probes,
    "raises": _value_probes,
    "structure": _structure_probes,
    "training": _training_probes,
}
