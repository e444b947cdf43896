"""Build, on the trusted side, what the sandbox runs for one grading: the probes and their inputs.

Fixed cases come from the exercise; random cases and training data are drawn from generators
seeded by the submission's secret seed, so hard-coding the visible examples earns nothing and
a regrade with the same seed sees the same inputs. Things only the judge needs (hold-out targets)
stay here in `Plan.private` and never enter a sandbox.
"""

import hashlib
from dataclasses import dataclass, field

import torch

DTYPES = {
    "float32": torch.float32, "float64": torch.float64, "float16": torch.float16,
    "bfloat16": torch.bfloat16, "int64": torch.int64, "int32": torch.int32,
    "uint8": torch.uint8, "bool": torch.bool,
}


def derive_seed(seed, *labels):
    digest = hashlib.sha256(":".join(map(str, (seed, *labels))).encode()).digest()
    return int.from_bytes(digest[:7], "big")


def make_value(value, generator):
    """Turn an input description from the spec into the value a probe receives."""
    if isinstance(value, dict) and "tensor" in value:
        return make_tensor(value["tensor"], generator)
    return value


def make_tensor(spec, generator):
    make, arg, dtype = spec["make"], spec["arg"], DTYPES[spec["dtype"]]
    if make == "tensor":
        tensor = torch.tensor(arg, dtype=dtype)
    elif make in ("randn", "rand"):
        maker = torch.randn if make == "randn" else torch.rand
        tensor = maker(tuple(arg), generator=generator, dtype=torch.float64).to(dtype)
    elif make == "randint":
        low, high, shape = arg
        tensor = torch.randint(low, high, tuple(shape), generator=generator).to(dtype)
    elif make == "arange":
        tensor = torch.arange(*arg, dtype=dtype) if isinstance(arg, list) else torch.arange(arg, dtype=dtype)
    else:
        tensor = (torch.zeros if make == "zeros" else torch.ones)(tuple(arg), dtype=dtype)
    if spec.get("requires_grad"):
        tensor.requires_grad_(True)
    return tensor


def make_dataset(data, n, generator):
    features = data["features"]
    x = torch.rand(n, features, generator=generator, dtype=torch.float64)
    x = data["low"] + (data["high"] - data["low"]) * x
    noise = data["noise"] * torch.randn(n, 1, generator=generator, dtype=torch.float64)
    if data["kind"] == "linear":
        y = data["weight"] * x.sum(dim=1, keepdim=True) + data["bias"] + noise
    else:
        labels = torch.randint(0, 2, (n, 1), generator=generator).to(torch.float64)
        x = x + data["separation"] * (2 * labels - 1)
        y = labels
    return x.float(), y.float()


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
    """(label, args, visible) for the fixed cases, then the seeded random ones."""
    for case_index, args in enumerate(check["cases"]):
        generator = torch.Generator().manual_seed(derive_seed(0, index, case_index))
        yield f"case{case_index}", [make_value(a, generator) for a in args], True
    randomised = check.get("random")
    for draw in range(randomised["count"] if randomised else 0):
        generator = torch.Generator().manual_seed(derive_seed(seed, index, draw))
        yield f"random{draw}", [make_value(a, generator) for a in randomised["args"]], False


def _weights(check, generator):
    return {name: 0.5 * torch.randn(*shape, generator=generator) for name, shape in check["weights"].items()}


def _value_probes(check, entry, seed, index, plan):
    op = "grad" if check["kind"] == "gradient" else ("forward" if entry["kind"] == "module" else "call")
    for label, args, visible in _cases(check, seed, index):
        generator = torch.Generator().manual_seed(derive_seed(seed, index, label, "weights"))
        probe = {"op": op, "args": args, "init": check["init"], "weights": _weights(check, generator)}
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
    yield "structure", {"op": "structure", "init": check["init"], "input_shape": check["input_shape"]}


def _training_probes(check, entry, seed, index, plan):
    generator = torch.Generator().manual_seed(derive_seed(seed, index, "data"))
    x, y = make_dataset(check["data"], check["data"]["n"], generator)
    holdout = check["holdout"]
    if holdout["x"] is not None:
        holdout_x = torch.tensor(holdout["x"], dtype=torch.float32)
        holdout_y = torch.tensor(holdout["y"], dtype=torch.float32)
    else:
        holdout_x, holdout_y = make_dataset(check["data"], holdout["n"], generator)
    plan.private["holdout_y"] = holdout_y
    yield "train", {"op": "train", "x": x, "y": y, "kwargs": check["kwargs"], "holdout_x": holdout_x}


_BUILDERS = {
    "value": _value_probes,
    "gradient": _value_probes,
    "structure": _structure_probes,
    "training": _training_probes,
}
