"""The program the sandbox runs for a grading: it imports `submission` and answers each probe.

It runs INSIDE the sandbox, next to the student's code, so nothing it returns is trusted: the
judge compares whatever comes back with the reference solution's answers on the trusted side.
It is sent as source text (see grader.grading), and imports only torch and the standard library.
INPUTS = {"entry": {"kind", "name"}, "probes": [{"id", "op", "seed", ...}]}.
"""

import builtins
import importlib
import importlib.util
import os
import sys
import traceback

import torch
from torch.overrides import TorchFunctionMode

# The student's files (several when a submission imports its own modules); `submission` is the entry.
STUDENT_FILES = frozenset(INPUTS.get("student_files", ["submission.py"]))  # noqa: F821 - from the sandbox runtime
STUDENT_MODULES = frozenset(name.removesuffix(".py") for name in STUDENT_FILES)


def student_traceback(exc):
    """The traceback cut down to the student's own frames (plus where it finally failed)."""
    frames = traceback.extract_tb(exc.__traceback__)
    own = [f for f in frames if os.path.basename(f.filename) in STUDENT_FILES]
    if frames and (not own or own[-1] is not frames[-1]):
        own.append(frames[-1])
    lines = ["Traceback (most recent call last):\n", *traceback.format_list(own)]
    lines += traceback.format_exception_only(type(exc), exc)
    return "".join(lines) + missing_package(exc)


# Packages a student may reach for, named when one of them is installed (the standard library always is).
KNOWN_PACKAGES = ("torch", "numpy", "scipy", "sklearn", "pandas", "matplotlib", "einops")


def missing_package(exc):
    """What to say when the code imports a package the sandbox does not have."""
    if not isinstance(exc, ModuleNotFoundError) or not exc.name:
        return ""
    package = exc.name.partition(".")[0]
    if package in STUDENT_MODULES or importlib.util.find_spec(package) is not None:
        return ""
    available = [name for name in KNOWN_PACKAGES if importlib.util.find_spec(name) is not None]
    return (f"The sandbox has no package '{package}' (available: {', '.join(available)} and Python's "
            f"standard library).\n")


def raised_names(exc):
    """The exception's class and its bases, most specific first, each as module.qualname
    (builtins.ValueError): the judge looks for the check's built-in class among them."""
    return [qualified_name(cls) for cls in type(exc).__mro__ if issubclass(cls, BaseException)]


def qualified_name(cls):
    name = f"{cls.__module__}.{cls.__qualname__}"
    # A class may give itself any __module__: only the built-in class itself is named builtins.X.
    if name.startswith("builtins.") and getattr(builtins, cls.__qualname__, None) is not cls:
        return f"(not built in) {name}"
    return name


def entry_point(module, entry):
    value = getattr(module, entry["name"], None)
    if value is None:
        raise NameError(f"your code does not define `{entry['name']}` (the {entry['kind']} this exercise asks for)")
    return value


def build_module(cls, probe):
    model = cls(*probe["init"])
    if not isinstance(model, torch.nn.Module):
        raise TypeError(f"{cls.__name__}(...) must create a torch.nn.Module, got {type(model).__name__}")
    if probe.get("weights"):
        model.load_state_dict(probe["weights"], strict=True)
    return model


def run_call(target, probe):
    return {"output": target(*probe["args"])}


def run_sample(target, probe, kind):
    """Call the code `draws` times on the same inputs (a module is built once, in training mode, as
    for dropout); the judge computes the statistics of the draws itself."""
    call = build_module(target, probe) if kind == "module" else target
    draws = []
    with torch.no_grad():
        for _ in range(probe["draws"]):
            output = call(*probe["args"])
            if type(output) is not torch.Tensor:
                raise TypeError(f"expected a tensor from each call, got {type(output).__name__}")
            draws.append(output)
    return {"samples": torch.stack(draws)}


def run_forward(target, probe):
    return {"output": build_module(target, probe)(*probe["args"])}


def run_grad(target, probe, kind):
    args = [a.detach().clone().requires_grad_(True) if _is_float_tensor(a) else a for a in probe["args"]]
    model = build_module(target, probe) if kind == "module" else None
    output = model(*args) if model is not None else target(*args)
    if not isinstance(output, torch.Tensor):
        raise TypeError(f"expected a tensor output to differentiate, got {type(output).__name__}")
    generator = torch.Generator().manual_seed(probe["seed"])
    cotangent = torch.randn(output.shape, generator=generator, dtype=output.dtype)
    output.backward(cotangent)
    result = {"output": output.detach()}
    if probe["wrt"] in ("inputs", "both"):
        result["input_grads"] = [a.grad if _is_float_tensor(a) else None for a in args]
    if probe["wrt"] in ("parameters", "both"):
        result["parameter_grads"] = {name: p.grad for name, p in model.named_parameters()}
    if probe.get("gradcheck"):
        result.update(perturbed_outputs(target, probe["args"], probe["gradcheck"]))
    return result


def perturbed_outputs(target, args, gradcheck):
    """f(x + eps v) and f(x - eps v); the judge turns them into a finite difference."""
    eps, directions = gradcheck["eps"], gradcheck["directions"]
    with torch.no_grad():
        shifted = [[a + sign * eps * v if v is not None else a for a, v in zip(args, directions)] for sign in (1, -1)]
        return {"output_plus": target(*shifted[0]).detach(), "output_minus": target(*shifted[1]).detach()}


def run_structure(target, probe):
    model = build_module(target, probe)
    with torch.no_grad():
        output = model(torch.zeros(probe["input_shape"]))
    return {
        "parameter_count": sum(p.numel() for p in model.parameters()),
        "parameter_shapes": {name: list(p.shape) for name, p in model.named_parameters()},
        "output": output,
    }


def run_train(target, probe):
    """Train, then predict on the training inputs and the held-out inputs: the judge computes the
    loss and the held-out figures itself from these predictions."""
    # The code trains on copies, so that the model is evaluated on the inputs as they were sent.
    returned = target(probe["x"].clone(), probe["y"].clone(), **probe["kwargs"])
    if not (isinstance(returned, tuple) and len(returned) == 2):
        raise TypeError("the training function must return (model, losses)")
    model, losses = returned
    if not isinstance(model, torch.nn.Module):
        raise TypeError(f"the training function must return a trained torch.nn.Module as its model, got "
                        f"{type(model).__name__}: the grader evaluates the model's own predictions")
    model.eval()
    # A model trained on a GPU (device: any) predicts there; the answers come back as CPU tensors.
    device = next((p.device for p in model.parameters()), torch.device("cpu"))
    with torch.no_grad():
        return {
            "losses": [float(loss) for loss in losses],
            "train_predictions": model(probe["x"].to(device)),
            "holdout_predictions": model(probe["holdout_x"].to(device)),
        }


def _is_float_tensor(value):
    return isinstance(value, torch.Tensor) and value.is_floating_point()


def seed_generators(seed):
    """torch.manual_seed's effect, without its cost: it queues a lazy seeding of every accelerator
    backend with a formatted stack trace (about 1 ms per call: most of the time of a tiny probe)."""
    torch.default_generator.manual_seed(seed)
    if torch.cuda.is_available():
        torch.cuda.manual_seed_all(seed)


def answer(target, entry, probe):
    seed_generators(probe["seed"])
    op = probe["op"]
    if probe.get("sizes"):  # sent as tuples: a torch.Size cannot cross the boundary
        probe = {**probe, "args": [torch.Size(a) if i in probe["sizes"] else a for i, a in enumerate(probe["args"])]}
    if op == "grad":
        return run_grad(target, probe, entry["kind"])
    if op == "sample":
        return run_sample(target, probe, entry["kind"])
    return {"call": run_call, "forward": run_forward, "structure": run_structure, "train": run_train}[op](
        target, probe
    )


# torch's C namespaces for the public modules whose functions they implement (torch._C._linalg.linalg_norm
# is torch.linalg.norm).
NATIVE_MODULES = {
    "torch._C._nn": ("torch.nn.functional", ""),
    "torch._C._special": ("torch.special", "special_"),
    "torch._C._linalg": ("torch.linalg", "linalg_"),
    "torch._C._fft": ("torch.fft", "fft_"),
}
TORCH_DISPATCH_FILE = torch.overrides.__file__


def torch_name(func):
    """The public dotted name of a torch function, method or property: torch.softmax,
    torch.nn.functional.softmax, torch.Tensor.softmax, torch.Tensor.T."""
    owner = getattr(func, "__self__", None)
    if type(owner).__name__ == "getset_descriptor":  # reading a tensor property, e.g. x.T
        return f"torch.Tensor.{owner.__name__}"
    module = getattr(func, "__module__", None)
    qualname = getattr(func, "__qualname__", None) or getattr(func, "__name__", type(func).__name__)
    owner_class, _, name = qualname.rpartition(".")
    if owner_class in ("TensorBase", "Tensor"):
        return f"torch.Tensor.{name}"
    if owner_class == "_VariableFunctionsClass":
        return f"torch.{name}"
    if module in NATIVE_MODULES:
        public, prefix = NATIVE_MODULES[module]
        return f"{public}.{name.removeprefix(prefix)}"
    if getattr(torch, qualname, None) is func:  # re-exported at the top: torch.functional.einsum is torch.einsum
        return f"torch.{qualname}"
    return f"{module}.{qualname}" if module else qualname


class CallRecorder(TorchFunctionMode):
    """Records the torch functions the student's own code calls, for the api check's forbid rules.

    Only calls made from the student's file count: not the harness's own (detach, backward...),
    not what torch calls internally, not an exercise's helper files. Nothing here is a security
    boundary (the code can leave the mode): it lets the api check catch what the source hides.
    """

    def __init__(self):
        super().__init__()
        self.names = set()

    def __torch_function__(self, func, types, args=(), kwargs=None):
        if called_from_student(func, sys._getframe(1)):
            self.names.add(torch_name(func))
        return func(*args, **(kwargs or {}))


def called_from_student(func, frame):
    """Whether the caller of `func` is the student's file, looking past torch's own dispatch frames
    (a Python-level function such as F.softmax reaches the mode through torch.overrides)."""
    own_code = getattr(func, "__code__", None)
    while frame is not None and (frame.f_code is own_code or frame.f_code.co_filename == TORCH_DISPATCH_FILE):
        frame = frame.f_back
    return frame is not None and os.path.basename(frame.f_code.co_filename) in STUDENT_FILES


def main(inputs):
    with CallRecorder() as recorder:
        result = answer_probes(inputs)
    return {**result, "calls": sorted(recorder.names)}


def answer_probes(inputs):
    entry = inputs["entry"]
    try:
        target = entry_point(importlib.import_module("submission"), entry)
    except BaseException as exc:  # noqa: BLE001 - a student's import may raise anything, SystemExit included
        if isinstance(exc, KeyboardInterrupt):
            raise
        return {"import_error": student_traceback(exc), "probes": {}}
    answers = {}
    for probe in inputs["probes"]:
        try:
            answers[probe["id"]] = {"ok": True, **answer(target, entry, probe)}
        except Exception as exc:  # noqa: BLE001 - reported to the student, per probe
            answers[probe["id"]] = {"ok": False, "error": student_traceback(exc), "raised": raised_names(exc)}
    return {"import_error": None, "probes": answers}


RESULT = main(INPUTS)  # noqa: F821 - INPUTS is provided by the sandbox runtime
