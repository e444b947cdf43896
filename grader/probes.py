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
from dataclasses import dataclass, field

import numpy
import torch

from .datasets import DIGITS_CSV
from .judge import DEFAULT_TOLERANCES
from .spec import DATASETS, DIGITS_CLASSES, DIGITS_SAMPLES, PER_FEATURE_PARAMETERS

DTYPES = {
    "float32": torch.float32, "float64": torch.float64, "float16": torch.float16,
    "bfloat16": torch.bfloat16, "int64": torch.int64, "int32": torch.int32,
    "uint8": torch.uint8, "bool": torch.bool,
}


def derive_seed(seed, *labels):
    digest = hashlib.sha256(":".join(map(str, (seed, *labels))).encode()).digest()
    return int.from_bytes(digest[:7], "big")


RANDOM_MAKERS = ("randn", "rand", "randint")
# A varied float moves by up to this fraction of its own magnitude: far beyond any comparison
# tolerance, so an output hard-coded for the written value is wrong, while signs, zeros and the
# order of magnitude (what an edge case is usually about) stay.
JITTER = 0.1


def draw_dims(dims: dict, generator: torch.Generator) -> dict[str, int]:
    """The named dimensions of one random draw, in order (a bound may name an earlier one)."""
    drawn = {}
    for name, bounds in dims.items():
        low, high = (_resolve(bound, drawn) for bound in bounds)
        drawn[name] = int(torch.randint(low, high + 1, (), generator=generator))
    return drawn


def _resolve(size, dims):
    return dims[size] if isinstance(size, str) else size


def make_value(value, generator, vary=False, dims=None):
    """Turn an input description from the spec into the value a probe receives.

    With `vary`, a tensor written out in the spec is changed with `generator` (see `varied`); a
    random one is drawn from `generator` anyway; Python numbers, booleans and text stay as written.
    `dims` are the named dimensions drawn for this probe. A torch.Size cannot cross the sandbox
    boundary: it is sent as a tuple, and the harness makes it a torch.Size (see `size_positions`).
    """
    dims = dims or {}
    if not isinstance(value, dict):
        return value
    if "tensor" in value:
        return make_tensor(value["tensor"], generator, vary, dims)
    if "dim" in value:
        return dims[value["dim"]]
    if "size" in value:
        return tuple(_resolve(d, dims) for d in value["size"])
    if "bool" in value:
        return bool(torch.randint(0, 2, (), generator=generator))
    if "int" in value:
        low, high = (_resolve(bound, dims) for bound in value["int"])
        return int(torch.randint(low, high + 1, (), generator=generator))
    low, high = value["float"]
    return low + (high - low) * float(torch.rand((), generator=generator, dtype=torch.float64))


def size_positions(arg_specs: list) -> list[int]:
    """Which arguments are torch.Size inputs."""
    return [i for i, spec in enumerate(arg_specs) if isinstance(spec, dict) and "size" in spec]


def make_tensor(spec, generator, vary=False, dims=None):
    make, arg, dtype = spec["make"], spec["arg"], DTYPES[spec["dtype"]]
    dims = dims or {}
    if make == "tensor":
        tensor = torch.tensor(arg, dtype=dtype)
    elif make in ("randn", "rand"):
        maker = torch.randn if make == "randn" else torch.rand
        shape = tuple(_resolve(d, dims) for d in arg)
        tensor = maker(shape, generator=generator, dtype=torch.float64).to(dtype)
    elif make == "randint":
        low, high, shape = _resolve(arg[0], dims), _resolve(arg[1], dims), tuple(_resolve(d, dims) for d in arg[2])
        tensor = _randint(low, high, shape, spec.get("unique", False), generator).to(dtype)
    elif make == "arange":
        tensor = torch.arange(*arg, dtype=dtype) if isinstance(arg, list) else torch.arange(arg, dtype=dtype)
    else:
        tensor = (torch.zeros if make == "zeros" else torch.ones)(tuple(arg), dtype=dtype)
    if vary and make not in RANDOM_MAKERS:
        tensor = varied(tensor, generator)
    if spec.get("sorted") and tensor.dim():
        tensor = tensor.sort(dim=-1).values
    if spec.get("requires_grad"):
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


def varied(tensor, generator):
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


def draw_parameters(data: dict, generator: torch.Generator) -> dict[str, torch.Tensor]:
    """The data-generating parameters of one grading: numbers as written, [low, high] ranges drawn."""
    parameters = {}
    for name in DATASETS[data["kind"]]:
        value, count = data[name], data["features"] if name in PER_FEATURE_PARAMETERS else 1
        if type(value) is list:
            low, high = value
            parameters[name] = low + (high - low) * torch.rand(count, generator=generator, dtype=torch.float64)
        else:
            parameters[name] = torch.full((count,), float(value), dtype=torch.float64)
    return parameters


def make_dataset(data: dict, parameters: dict, n: int, generator: torch.Generator) -> tuple[torch.Tensor, torch.Tensor]:
    """n points (x, y): y = x @ weight + bias + noise, or two blobs labelled 0 and 1 around `centre`."""
    x = torch.rand(n, data["features"], generator=generator, dtype=torch.float64)
    x = data["low"] + (data["high"] - data["low"]) * x
    noise = data["noise"] * torch.randn(n, 1, generator=generator, dtype=torch.float64)
    if data["kind"] == "linear":
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


def split_digits(data: dict, holdout_n: int, generator: torch.Generator):
    """((x, y), (holdout_x, holdout_y)): disjoint random images of the digits, and a fraction
    `label_noise` of the training labels replaced by random classes (possibly the true one)."""
    images, labels = load_digits()
    order = torch.randperm(DIGITS_SAMPLES, generator=generator)
    train, holdout = order[:data["n"]], order[data["n"]:data["n"] + holdout_n]
    y = labels[train].clone()
    noisy = torch.rand(len(y), generator=generator) < data["label_noise"]
    y[noisy] = torch.randint(0, DIGITS_CLASSES, (int(noisy.sum()),), generator=generator)
    return (images[train].clone(), y), (images[holdout].clone(), labels[holdout].clone())


@dataclass
class CheckPlan:
    index: int
    check: dict
    probe_ids: list = field(default_factory=list)
    visible_inputs: dict = field(default_factory=dict)  # probe id -> args, for feedback
    gradchecks: dict = field(default_factory=dict)  # probe id -> probe, for the finite-difference check
    private: dict = field(default_factory=dict)


@dataclass
class Plan:
    entry: dict
    probes: list
    checks: list

    def __post_init__(self):
        self._hidden = {probe_id for check in self.checks if check.check["hidden"] for probe_id in check.probe_ids}

    def hidden_probe(self, probe_id):
        """Whether the probe belongs to a hidden check: its job's output is never shown."""
        return probe_id in self._hidden

    def inputs(self, probes):
        """What one sandbox job receives: the entry point and some of the probes."""
        return {"entry": self.entry, "probes": probes}


def build_plan(spec, seed):
    entry = spec["entry"]
    probes, checks = [], []
    for index, check in enumerate(spec["checks"]):
        plan = CheckPlan(index=index, check=check)
        checks.append(plan)
        if check["kind"] == "api":
            continue
        builder = _BUILDERS[check["kind"]]
        for case_label, probe in builder(check, entry, seed, index, plan):
            probe["id"] = f"{index}.{case_label}"
            probe["seed"] = derive_seed(seed, index, case_label, "torch")
            plan.probe_ids.append(probe["id"])
            probes.append(probe)
    return Plan(entry=entry, probes=probes, checks=checks)


def _cases(check, seed, index):
    """(label, args, visible) for the fixed cases, then the seeded random ones.

    A hidden check's cases are varied from the submission's seed unless marked fixed, so that what
    is learnt of them in one submission does not hold in the next one (or another student's).
    """
    for case_index, case in enumerate(check["cases"]):
        vary = check["hidden"] and not case["fixed"]
        generator = torch.Generator().manual_seed(
            derive_seed(seed, index, case_index, "varied") if vary else derive_seed(0, index, case_index))
        yield f"case{case_index}", [make_value(a, generator, vary) for a in case["args"]], True, case["args"]
    randomised = check.get("random")
    for draw in range(randomised["count"] if randomised else 0):
        generator = torch.Generator().manual_seed(derive_seed(seed, index, draw))
        # Specs stored before named dimensions existed lack "dims".
        dims = draw_dims(randomised.get("dims", {}), generator)
        yield (f"random{draw}", [make_value(a, generator, dims=dims) for a in randomised["args"]], False,
               randomised["args"])


def _weights(check, generator):
    return {name: 0.5 * torch.randn(*shape, generator=generator) for name, shape in check["weights"].items()}


def _value_probes(check, entry, seed, index, plan):
    op = {"gradient": "grad", "distribution": "sample"}.get(
        check["kind"], "forward" if entry["kind"] == "module" else "call")
    for label, args, visible, arg_specs in _cases(check, seed, index):
        generator = torch.Generator().manual_seed(derive_seed(seed, index, label, "weights"))
        probe = {"op": op, "args": args, "init": check["init"], "weights": _weights(check, generator),
                 "sizes": size_positions(arg_specs)}
        if check["kind"] == "distribution":
            probe["draws"] = check["draws"]
        if check["kind"] == "gradient":
            probe["wrt"] = check["wrt"]
            if check["gradcheck"]:
                probe["args"] = args = [_double(a) for a in args]
                probe["gradcheck"] = {"eps": check["eps"], "directions": [
                    torch.randn(a.shape, generator=generator, dtype=torch.float64) if _is_float(a) else None
                    for a in args
                ]}
                plan.gradchecks[f"{index}.{label}"] = probe
        if visible and not check["hidden"]:
            plan.visible_inputs[f"{index}.{label}"] = args
        yield label, probe


def _is_float(value):
    return isinstance(value, torch.Tensor) and value.is_floating_point()


def _double(value):
    """Finite differences need float64, as torch.autograd.gradcheck does."""
    return value.double() if _is_float(value) else value


def _structure_probes(check, entry, seed, index, plan):
    if entry["kind"] == "function":  # the output structure on the check's inputs
        yield from _value_probes(check, entry, seed, index, plan)
        return
    yield "structure", {"op": "structure", "init": check["init"], "input_shape": check["input_shape"]}


def _training_probes(check, entry, seed, index, plan):
    data = check["data"]
    generator = torch.Generator().manual_seed(derive_seed(seed, index, "data"))
    if data["kind"] == "digits":
        (x, y), (holdout_x, holdout_y) = split_digits(data, check["holdout"]["n"], generator)
    else:
        (x, y), (holdout_x, holdout_y) = _generated_data(check, seed, index, generator)
    plan.private.update(train_y=y, holdout_y=holdout_y)
    yield "train", {"op": "train", "x": x, "y": y, "kwargs": check["kwargs"], "holdout_x": holdout_x}


def _generated_data(check, seed, index, generator):
    """Training and held-out points drawn from the data's kind, with its parameters drawn per submission."""
    data, holdout = check["data"], check["holdout"]
    parameters = draw_parameters(data, torch.Generator().manual_seed(derive_seed(seed, index, "parameters")))
    training = make_dataset(data, parameters, data["n"], generator)
    if holdout["x"] is None:
        return training, make_dataset(data, parameters, holdout["n"], generator)
    return training, (torch.tensor(holdout["x"], dtype=torch.float32), torch.tensor(holdout["y"], dtype=torch.float32))


_BUILDERS = {
    "value": _value_probes,
    "gradient": _value_probes,
    "distribution": _value_probes,
    "structure": _structure_probes,
    "training": _training_probes,
}


# The seeds the training lint draws data from: a threshold a trivial model reaches on any of them is
# within reach of a model that ignores most of its input.
LINT_SEEDS = range(5)
SCORED_INPUT_KINDS = ("value", "gradient", "distribution", "structure")


def lint_spec(spec: dict) -> list[str]:
    """Warnings about an exercise that validation reports without refusing it: checks whose points
    can be earned without solving the exercise, and tolerances no honest float code can meet."""
    warnings = []
    for index, check in enumerate(spec["checks"]):
        label = f"check {index + 1} \"{check['name']}\""
        if check["kind"] in SCORED_INPUT_KINDS and "cases" in check:
            warnings += _lint_fixed_cases(label, check)
        if check["kind"] in ("value", "gradient"):
            warnings += _lint_tolerance(label, check)
        if check["kind"] == "training":
            warnings += _lint_training(label, spec, index)
    return warnings


def _lint_fixed_cases(label, check):
    varied = check.get("random") or (check["hidden"] and not all(case["fixed"] for case in check["cases"]))
    if check["points"] <= 0 or varied:
        return []
    seen = "visible" if not check["hidden"] else "fixed hidden"
    return [f"{label} earns {check['points']:g} points on {seen} cases only: hard-coding their outputs would "
            f"earn them (add random inputs, or pair the examples with a check that has some)"]


def _lint_tolerance(label, check):
    if check["rtol"] is None:
        return []
    specs = [arg for case in check["cases"] for arg in case["args"]]
    specs += check["random"]["args"] if check.get("random") else []
    dtypes = {DTYPES[arg["tensor"]["dtype"]] for arg in specs if isinstance(arg, dict) and "tensor" in arg}
    floats = [dtype for dtype in dtypes if dtype.is_floating_point] or [torch.float32]
    # The least precise input dtype sets what an equivalent formula can promise.
    dtype = max(floats, key=lambda d: DEFAULT_TOLERANCES[d][0])
    default_rtol, default_atol = DEFAULT_TOLERANCES[dtype]
    if check["rtol"] >= default_rtol and check["atol"] >= default_atol:
        return []
    return [f"{label} sets rtol {check['rtol']:g} / atol {check['atol']:g}, tighter than {dtype}'s default "
            f"{default_rtol:g} / {default_atol:g}: an equivalent but differently rounded formula may fail it"]


def _lint_training(label, spec, index):
    """Thresholds that a trivial model, fitted here on the same data, already reaches."""
    check = spec["checks"][index]
    for seed in LINT_SEEDS:
        plan = build_plan({**spec, "checks": [check]}, seed)
        (probe,), private = plan.probes, plan.checks[0].private
        for name, figures in _baselines(check, probe, private["train_y"], private["holdout_y"]):
            reached = _reached(check, figures)
            if reached:
                return [f"{label}: {name} reaches {reached} (data drawn from seed {seed}): raise the bar so "
                        f"that only a model that learns from its input passes"]
    return []


def _reached(check, figures):
    """The thresholds of `check` that `figures` (training loss, held-out mse, held-out accuracy) meet."""
    met = []
    if check["max_final_loss"] and figures.get("loss") is not None and figures["loss"] <= check["max_final_loss"]:
        met.append(f"max_final_loss {check['max_final_loss']:g} (its {check['loss']} is {figures['loss']:.4g})")
    if check["max_holdout_mse"] and figures.get("mse") is not None and figures["mse"] <= check["max_holdout_mse"]:
        met.append(f"max_holdout_mse {check['max_holdout_mse']:g} (its held-out mse is {figures['mse']:.4g})")
    accuracy = figures.get("accuracy")
    if check["min_holdout_accuracy"] and accuracy is not None and accuracy >= check["min_holdout_accuracy"]:
        met.append(f"min_holdout_accuracy {check['min_holdout_accuracy']:g} (its held-out accuracy is "
                   f"{accuracy:.1%})")
    return " and ".join(met)


def _baselines(check, probe, train_y, holdout_y):
    """(name, figures) of the trivial models of the data's kind."""
    loss = check["loss"]
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
