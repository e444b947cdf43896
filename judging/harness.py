"""The program the sandbox runs for a grading: it imports `submission` and answers each probe.

It runs INSIDE the sandbox, next to the student's code, so nothing it returns is trusted: the
judge compares whatever comes back with the reference solution's answers on the trusted side.
It is sent as source text, after judging/simulation.py's (see judging.harness_file), and imports
only torch and the standard library.
INPUTS = {"entry": {"kind", "name"}, "probes": [{"id", "op", "seed", ...}]}.
"""

import builtins
import dis
import importlib
import importlib.util
import os
import sys
import sysconfig
import traceback

import torch
from torch.nn.modules.module import register_module_forward_hook, register_module_forward_pre_hook
from torch.optim.optimizer import register_optimizer_step_pre_hook
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
    return with_gradient_tracking({"output": target(*probe["args"])}, probe)


def with_gradient_tracking(result, probe):
    """The answer, with whether each tensor of its output (in the order of the judge's tensor_leaves)
    still tracks gradients, when the probe's check asks: the wire sends tensors' values only."""
    if not probe.get("report_requires_grad"):
        return result
    return {**result, "output_requires_grad": [tensor.requires_grad for tensor in output_tensors(result["output"])]}


def output_tensors(value):
    """The tensors of an output made of tuples, lists and dicts, in the order of the judge's tensor_leaves:
    exact tensors, and simulated ones (judging.simulation), which reach the judge as CPU tensors."""
    if type(value) in (torch.Tensor, SimulatedTensor):  # noqa: F821 - judging/simulation.py, before this source
        yield value
    elif type(value) in (tuple, list):
        for item in value:
            yield from output_tensors(item)
    elif type(value) is dict:
        for item in value.values():
            yield from output_tensors(item)


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
    return with_gradient_tracking({"output": build_module(target, probe)(*probe["args"])}, probe)


def run_grad(target, probe, kind):
    args = [a.detach().clone().requires_grad_(True) if _is_float_tensor(a) else a for a in probe["args"]]
    model = build_module(target, probe) if kind == "module" else None
    output = model(*args) if model is not None else target(*args)
    if not isinstance(output, torch.Tensor):
        raise TypeError(f"expected a tensor output to differentiate, got {type(output).__name__}")
    generator = torch.Generator().manual_seed(probe["seed"])
    cotangent = torch.randn(output.shape, generator=generator, dtype=output.dtype).to(output.device)
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
        output = model(torch.zeros(probe["input_shape"]).to(parameters_device(model)))
    return {
        "parameter_count": sum(p.numel() for p in model.parameters()),
        "parameter_shapes": {name: list(p.shape) for name, p in model.named_parameters()},
        "output": output,
    }


def parameters_device(model):
    """Where the grader's inputs to a model go: the device of its parameters (the CPU without any)."""
    return next((parameter.device for parameter in model.parameters()), torch.device("cpu"))


def run_train(target, probe):
    """Train, then predict on the training inputs and the held-out inputs: the judge computes the
    loss and the held-out figures itself from these predictions. The evidence that training took
    place comes too: the returned model's parameters before their optimizer's first step and now,
    the steps taken with their learning rates, the batches it trained on, and its predictions once its
    parameters are shaken."""
    # The code trains on copies, so that the model is evaluated on the inputs as they were sent.
    with OptimizerRecorder() as optimizers, BatchRecorder() as batches:
        returned = target(probe["x"].clone(), probe["y"].clone(), **probe["kwargs"])
    if not (isinstance(returned, tuple) and len(returned) == 2):
        raise TypeError("the training function must return (model, losses)")
    model, losses = returned
    if not isinstance(model, torch.nn.Module):
        raise TypeError(f"the training function must return a trained torch.nn.Module as its model, got "
                        f"{type(model).__name__}: the grader evaluates the model's own predictions")
    model.eval()
    # A model trained on a GPU (device: any) predicts there; the answers come back as CPU tensors.
    device = parameters_device(model)
    x = probe["x"].to(device)
    with torch.no_grad():
        answer = {
            "losses": [float(loss) for loss in losses],
            "model_device": str(device),
            "train_predictions": model(x),
            "holdout_predictions": model(probe["holdout_x"].to(device)),
            **optimizers.evidence(model),
            "training_batches": batches.rows_of(model),
        }
        answer["perturbed_predictions"] = perturbed_predictions(model, x, probe["seed"])
    return answer


class OptimizerRecorder:
    """Every optimizer step taken while the code trains (torch.optim's global step hook): each
    parameter it updates, as it was before its first step, and how many steps updated it; and each
    step's learning rates, one per param group."""

    def __init__(self):
        self.seen = {}  # id(parameter) -> [parameter, its value before the first step, steps]
        self.learning_rates = []  # one list per step, in order

    def __enter__(self):
        self.handle = register_optimizer_step_pre_hook(self.before_step)
        return self

    def __exit__(self, *exc_info):
        self.handle.remove()

    def before_step(self, optimizer, args, kwargs):
        self.learning_rates.append([learning_rate(group) for group in optimizer.param_groups])
        for group in optimizer.param_groups:
            for parameter in group["params"]:
                record = self.seen.get(id(parameter))
                if record is None:  # the parameter itself is kept, so that its id names no other tensor later
                    record = self.seen[id(parameter)] = [parameter, parameter.detach().clone(), 0]
                record[2] += 1

    def evidence(self, model):
        initial, steps = {}, {}
        for name, parameter in model.named_parameters():
            record = self.seen.get(id(parameter))
            if record is not None:
                initial[name], steps[name] = record[1].cpu(), record[2]
        return {"parameters": {name: p.detach().cpu().clone() for name, p in model.named_parameters()},
                "initial_parameters": initial, "optimizer_steps": steps, "learning_rates": self.learning_rates}


def learning_rate(group):
    """A param group's learning rate as a float (torch.optim accepts a 0-d tensor), or None if it has none."""
    lr = group.get("lr")
    if isinstance(lr, (int, float)) or (isinstance(lr, torch.Tensor) and lr.numel() == 1):
        return float(lr)
    return None


class BatchRecorder:
    """The batches the code trains on: the rows (the first dimension of the first tensor argument) of
    each outermost module call made with gradients on whose output a gradient later reaches, so that a
    forward pass only to predict or to measure a loss does not count. Each is kept with its module, so
    that only the returned model's batches are reported."""

    def __init__(self):
        self.running = 0  # module calls started and not yet ended: a call inside another is not a batch
        self.batches = []  # [module, rows, whether a gradient reached its output]

    def __enter__(self):
        # always_call: a forward that raises still ends, or every later call would look nested.
        self.handles = (register_module_forward_pre_hook(self.forward_starts),
                        register_module_forward_hook(self.forward_ended, always_call=True))
        return self

    def __exit__(self, *exc_info):
        for handle in self.handles:
            handle.remove()

    def forward_starts(self, module, args):
        self.running += 1

    def forward_ended(self, module, args, output):
        self.running -= 1
        first = next((arg for arg in args if isinstance(arg, torch.Tensor)), None)
        outputs = output if isinstance(output, (tuple, list)) else (output,)
        tracked = next((out for out in outputs if isinstance(out, torch.Tensor) and out.requires_grad), None)
        if self.running or first is None or not first.dim() or tracked is None:
            return
        batch = [module, first.shape[0], False]
        self.batches.append(batch)
        tracked.register_hook(lambda grad: batch.__setitem__(2, True))

    def rows_of(self, model):
        """The rows of each batch the model trained on, in order: its own calls, or its submodules' when
        it wraps the network that trained."""
        modules = {id(module) for module in model.modules()}
        return [rows for module, rows, trained in self.batches if trained and id(module) in modules]


# The noise on the parameters: each is multiplied by 1 + PARAMETER_NOISE * a standard normal draw, in
# PERTURBATIONS draws (a tiny model's few parameters can cancel out in one).
PARAMETER_NOISE, PERTURBATIONS = 0.5, 4


def perturbed_predictions(model, x, seed):
    """The model's predictions after each draw of noise on its trained parameters (drawn from the probe's
    seed), stacked; the trained values are put back at the end."""
    generator = torch.Generator().manual_seed(seed)
    parameters = list(model.parameters())
    saved = [parameter.detach().clone() for parameter in parameters]
    draws = []
    for _ in range(PERTURBATIONS):
        for parameter, value in zip(parameters, saved):
            noise = torch.randn(parameter.shape, generator=generator).to(parameter.device, parameter.dtype)
            parameter.copy_(value * (1 + PARAMETER_NOISE * noise))
        draws.append(model(x))
    for parameter, value in zip(parameters, saved):
        parameter.copy_(value)
    return torch.stack(draws)


def _is_float_tensor(value):
    return isinstance(value, torch.Tensor) and value.is_floating_point()


def seed_generators(seed):
    """torch.manual_seed's effect, without its cost: it queues a lazy seeding of every accelerator
    backend with a formatted stack trace (about 1 ms per call: most of the time of a tiny probe)."""
    torch.default_generator.manual_seed(seed)
    if torch.cuda.is_available():
        torch.cuda.manual_seed_all(seed)


def answer(target, entry, probe, conditions):
    """The probe's answer, run under the conditions it asks for (a simulated device, scaled reloads),
    with the device of each output tensor, all of it on the CPU."""
    seed_generators(probe["seed"])
    with conditions.during(probe):
        result = run_probe(target, entry, probe)
    if "output" in result and probe.get("simulate_device"):
        result["output_devices"] = [str(tensor.device) for tensor in output_tensors(result["output"])]
    return on_host(result)  # noqa: F821 - judging/simulation.py, before this source


def run_probe(target, entry, probe):
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


# torch's dispatch of Python-level functions, and of ATen operators (torch.ops.aten.outer(a, b)).
DISPATCH_FILES = (torch.overrides.__file__, torch._ops.__file__)
# Code that is not the student's: the interpreter's and the installed packages' files, this harness
# ("<main>"), frozen modules, and the exercise's own files next to the student's.
LIBRARY_DIRS = tuple({os.path.join(path, "") for path in (
    *(sysconfig.get_paths()[key] for key in ("stdlib", "platstdlib", "purelib", "platlib")),
    os.path.dirname(torch.__file__))})
WORK_DIR = os.getcwd()


def torch_name(func):
    """The dotted name of a torch function, method, property or ATen operator: torch.softmax,
    torch.nn.functional.softmax, torch.Tensor.softmax, torch.Tensor.T, torch.ops.aten.outer.default;
    torch._C._special.special_softmax, which the trusted side knows as torch.special.softmax
    (judging.op_names)."""
    if isinstance(func, (torch._ops.OpOverloadPacket, torch._ops.OpOverload)):
        namespace, _, name = func._qualified_op_name.partition("::") if isinstance(
            func, torch._ops.OpOverloadPacket) else func.name().partition("::")
        overload = f".{func._overloadname}" if isinstance(func, torch._ops.OpOverload) else ""
        return f"torch.ops.{namespace}.{name}{overload}"
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
    if getattr(torch, qualname, None) is func:  # re-exported at the top: torch.functional.einsum is torch.einsum
        return f"torch.{qualname}"
    return f"{module}.{qualname}" if module else qualname


def class_name(cls):
    """A module class's public name where torch exports it (torch.nn.Conv2d), else module.qualname."""
    if cls.__module__.startswith("torch.nn.") and getattr(torch.nn, cls.__qualname__, None) is cls:
        return f"torch.nn.{cls.__qualname__}"
    return f"{cls.__module__}.{cls.__qualname__}"


# Python's operator module names for the operators the interpreter runs on tensors ("*" is operator.mul,
# "*=" operator.imul, "[]" operator.getitem).
ARITHMETIC = {"+": "add", "-": "sub", "*": "mul", "@": "matmul", "/": "truediv", "//": "floordiv", "%": "mod",
              "**": "pow", "&": "and_", "|": "or_", "^": "xor", "<<": "lshift", ">>": "rshift"}
OPERATORS = {**ARITHMETIC, **{f"{symbol}=": f"i{name.rstrip('_')}" for symbol, name in ARITHMETIC.items()},
             "<": "lt", "<=": "le", "==": "eq", "!=": "ne", ">": "gt", ">=": "ge"}
UNARY_OPERATORS = {"UNARY_NEGATIVE": "neg", "UNARY_POSITIVE": "pos", "UNARY_INVERT": "invert", "UNARY_NOT": "not_",
                   "BINARY_SUBSCR": "getitem", "STORE_SUBSCR": "setitem", "DELETE_SUBSCR": "delitem",
                   "CONTAINS_OP": "contains"}
_operators_of = {}  # code object -> {instruction offset: operator name}


def operator_name(frame):
    """operator.<name> when the frame is running an operator (`a * b`, `-a`, `a > b`, `a[i]`) rather
    than a call: the api rules tell `a * b` from torch.mul(a, b)."""
    code = frame.f_code
    if code not in _operators_of:
        table = {}
        for instruction in dis.get_instructions(code):
            if instruction.opname in ("BINARY_OP", "COMPARE_OP") and instruction.argrepr in OPERATORS:
                table[instruction.offset] = OPERATORS[instruction.argrepr]
            elif instruction.opname in UNARY_OPERATORS:
                table[instruction.offset] = UNARY_OPERATORS[instruction.opname]
        _operators_of[code] = table
    name = _operators_of[code].get(frame.f_lasti)
    return f"operator.{name}" if name else None


class CallRecorder(TorchFunctionMode):
    """Records the torch functions and operators the student's own code calls, and the classes of the
    nn.Modules whose forward ran, for the api check's forbid and require rules.

    Only calls made from the student's code count: not the harness's own (detach, backward...),
    not what torch calls internally, not an exercise's helper files; code the student runs from a
    string counts as the student's. Nothing here is a security boundary (the code can leave the
    mode): the trusted side refuses the code that would (judging.tamper), and takes this record as
    a second signal.
    """

    def __init__(self):
        super().__init__()
        self.names = set()

    def __enter__(self):
        self.hook = register_module_forward_hook(self.forward_ran)
        return super().__enter__()

    def __exit__(self, *exc_info):
        self.hook.remove()
        return super().__exit__(*exc_info)

    def __torch_function__(self, func, types, args=(), kwargs=None):
        frame = student_frame(func, sys._getframe(1))
        if frame is not None:
            self.names.add(operator_name(frame) or torch_name(func))
        return func(*args, **(kwargs or {}))

    def forward_ran(self, module, args, output):
        # The harness builds no module: every module that runs was built by the student's code. A subclass
        # of a torch layer (class MyConv(nn.Conv2d)) is that layer too.
        self.names.update(class_name(cls) for cls in type(module).__mro__
                          if issubclass(cls, torch.nn.Module) and cls is not torch.nn.Module)


def student_frame(func, frame):
    """The student's frame that called `func`, looking past torch's own dispatch frames (a Python-level
    function such as F.softmax reaches the mode through torch.overrides, an ATen operator through
    torch._ops), or None."""
    own_code = getattr(func, "__code__", None)
    while frame is not None and (frame.f_code is own_code or frame.f_code.co_filename in DISPATCH_FILES):
        frame = frame.f_back
    return frame if frame is not None and is_student_file(frame.f_code.co_filename) else None


def is_student_file(filename):
    if filename.startswith(("<main>", "<frozen ")) or filename.startswith(LIBRARY_DIRS):
        return False
    # The exercise's files are written next to the student's: those not submitted are the exercise's.
    return os.path.dirname(filename) != WORK_DIR or os.path.basename(filename) in STUDENT_FILES


def main(inputs):
    # The conditions go in before the recorder, whose torch function mode must see the student's calls
    # first; ProbeConditions is judging/simulation.py's, whose source comes before this one.
    with ProbeConditions(inputs["probes"]) as conditions, CallRecorder() as recorder:  # noqa: F821
        result = answer_probes(inputs, conditions)
    return {**result, "calls": sorted(recorder.names)}


def answer_probes(inputs, conditions):
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
            answers[probe["id"]] = {"ok": True, **answer(target, entry, probe, conditions)}
        except Exception as exc:  # noqa: BLE001 - reported to the student, per probe
            answers[probe["id"]] = {"ok": False, "error": student_traceback(exc), "raised": raised_names(exc)}
    return {"import_error": None, "probes": answers}


RESULT = main(INPUTS)  # noqa: F821 - INPUTS is provided by the sandbox runtime
