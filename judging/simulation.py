"""What torch does differently while a probe runs: a simulated device, and reloads that differ.

Part of the harness: it runs INSIDE the sandbox, and judging.harness_file puts this file's source
before harness.py's, so that the job receives one program; it imports only torch and the standard
library. What it changes holds only while a probe that asks for it runs (`ProbeConditions.during`).

A simulated device (`simulate_device: cuda` or `mps`) lets a CPU-only worker test device
discipline. torch reports the device as available to the student's code (torch's own code keeps
the truth), and a tensor moved to it (`.to(device)`, `.cuda()`, `module.to(device)`, a factory's
`device=`, `torch.load(..., map_location=device)`) becomes a `SimulatedTensor`: a CPU tensor that
says it is on cuda:0 (or mps:0) and refuses, with torch's own message, an operation that mixes it
with CPU tensors (CPU 0-d tensors excepted, as on a real GPU). Code that leaves its batches on the
CPU fails as it would on a GPU. Only the simulated device is available, as on real hardware, where
no machine has both CUDA and an Apple GPU. Simulated checks always simulate, also on a GPU worker,
so that a grading does not depend on the worker that took it (nothing here touches CUDA: a
simulated tensor lives on the CPU); a job on a real GPU keeps real CUDA for every other probe.

Scaled reloads (`reload_differs`): `torch.load` returns what was saved with every floating-point
tensor multiplied by the probe's factor, so a model that was saved and then loaded predicts unlike
the one that was saved.

Both are claims of the harness about the student's process, not a boundary, and neither can be
turned into points. Code can tell a simulated tensor from a real one (`type(t) is torch.Tensor` is
False, `t.host` is its CPU tensor, `torch.cuda.get_device_properties` still fails) and scaled
reloads from plain ones (by comparing what it saved with what it loaded), and no rule refuses
that, but it only changes what the code does, which is what is judged: the devices the judge
compares are those of the tensors the code returns, and a tensor reports a simulated device only
if it was moved there, which is what a correct solution does anyway. Switching the conditions off
or rewriting what the harness reports takes the dynamic code that judging.tamper refuses (rewriting
`torch.cuda.is_available` or `torch.load`, `torch.overrides`, `torch.utils._python_dispatch`,
`torch._C`, `__class__`, `sys`, `gc`, `__main__`), which fails an exercise's training checks and its
api check wherever it is.
"""

import contextlib
import os
import sys
import warnings

import torch
from torch.overrides import TorchFunctionMode
from torch.utils._python_dispatch import TorchDispatchMode

# torch's own message when an operation mixes devices; the simulated device is named first.
MIXED_DEVICES = "Expected all tensors to be on the same device, but found at least two devices, {} and cpu!"
TORCH_DIR = os.path.join(os.path.dirname(torch.__file__), "")
SIMULATED_DEVICES = {"cuda": torch.device("cuda", 0), "mps": torch.device("mps", 0)}
# ATen operators that take CPU tensors beside a device's, as on a real GPU: a copy between devices,
# and CPU index tensors (their second argument) of a device's tensor.
CROSS_DEVICE_COPIES = frozenset({torch.ops.aten.copy_.default, torch.ops.aten._copy_from.default,
                                 torch.ops.aten._copy_from_and_resize.default})
CPU_INDICES_ALLOWED = frozenset({torch.ops.aten.index.Tensor, torch.ops.aten.index_put_.default,
                                 torch.ops.aten.index_put.default, torch.ops.aten._index_put_impl_.default})


class SimulatedTensor(torch.Tensor):
    """A CPU tensor, `host`, that says it is on a simulated device. Every operation on it runs on the
    CPU and returns simulated tensors; one that mixes it with a CPU tensor of one or more dimensions
    raises torch's error (see __torch_dispatch__)."""

    # Operations reach __torch_dispatch__ as ATen operators, below autograd: gradients flow as usual.
    __torch_function__ = torch._C._disabled_torch_function_impl

    @staticmethod
    def __new__(cls, host, device):
        simulated = torch.Tensor._make_wrapper_subclass(
            cls, host.shape, strides=host.stride(), storage_offset=host.storage_offset(), dtype=host.dtype,
            layout=host.layout, device=host.device, requires_grad=False)
        simulated.host, simulated.simulated_device = host, device
        return simulated

    # For torch.utils.swap_tensors: module.to(device) then keeps each parameter object (optimizers made
    # before the move still hold the model's parameters), as a real device's `param.data = ...` does.
    def __tensor_flatten__(self):
        return ["host"], self.simulated_device

    @staticmethod
    def __tensor_unflatten__(inner, device, outer_size, outer_stride):
        return SimulatedTensor(inner["host"], device)

    @property
    def device(self):
        return self.simulated_device

    @property
    def is_cuda(self):
        return self.simulated_device.type == "cuda"

    @property
    def is_mps(self):
        return self.simulated_device.type == "mps"

    @property
    def is_cpu(self):
        return False

    def get_device(self):
        return self.simulated_device.index

    def numpy(self, *, force=False):
        raise TypeError(f"can't convert {self.simulated_device} device type tensor to numpy. Use Tensor.cpu() to "
                        f"copy the tensor to host memory first.")

    def tolist(self):
        return self.host.tolist()

    def __repr__(self, *, tensor_contents=None):
        return f"{repr(self.host)[:-1]}, device='{self.simulated_device}')"

    def __deepcopy__(self, memo):
        copied = SimulatedTensor(self.host.clone(), self.simulated_device).requires_grad_(self.requires_grad)
        copied.__dict__.update({k: v for k, v in self.__dict__.items() if k not in ("host", "simulated_device")})
        memo[id(self)] = copied
        return copied

    def __reduce_ex__(self, protocol):
        # torch.save keeps its data as CPU tensors (torch.load gives them back on the CPU, as with
        # map_location="cpu"): what is saved stays plain data that weights_only=True loads.
        return self.host.__reduce_ex__(protocol)

    @classmethod
    def __torch_dispatch__(cls, func, types, args=(), kwargs=None):
        kwargs = kwargs or {}
        device = _refuse_mixed_devices(func, args, kwargs)
        simulated = {}  # id(host) -> its simulated tensor: an in-place operation returns its input

        def unwrap(value):
            if type(value) is SimulatedTensor:
                simulated[id(value.host)] = value
                return value.host
            return value

        result = func(*_map(unwrap, args), **_map(unwrap, kwargs))

        def wrap(value):
            if not isinstance(value, torch.Tensor) or type(value) is SimulatedTensor:
                return value
            return simulated[id(value)] if id(value) in simulated else SimulatedTensor(value, device)

        return _map(wrap, result)


def _refuse_mixed_devices(func, args, kwargs):
    """The simulated device among the operation's tensors; raise torch's error when CPU tensors of one
    or more dimensions are mixed with it (CPU indices of a simulated tensor, and copies, excepted)."""
    tensors = [t for t in _flatten((args, kwargs)) if isinstance(t, torch.Tensor)]
    device = next(t.simulated_device for t in tensors if type(t) is SimulatedTensor)
    if func in CROSS_DEVICE_COPIES:
        return device
    if func in CPU_INDICES_ALLOWED and type(args[0]) is SimulatedTensor:
        tensors = [t for t in _flatten((args[:1], args[2:], kwargs)) if isinstance(t, torch.Tensor)]
    if any(type(t) is not SimulatedTensor and t.dim() > 0 for t in tensors):
        raise RuntimeError(MIXED_DEVICES.format(device))
    return device


def _map(function, value):
    """`function` applied to every leaf of nested lists, tuples and dicts (an operator's arguments)."""
    if type(value) in (list, tuple):
        return type(value)(_map(function, item) for item in value)
    if type(value) is dict:
        return {key: _map(function, item) for key, item in value.items()}
    return function(value)


def _flatten(value):
    """Every leaf of nested lists, tuples and dicts."""
    if type(value) in (list, tuple):
        for item in value:
            yield from _flatten(item)
    elif type(value) is dict:
        for item in value.values():
            yield from _flatten(item)
    else:
        yield value


def _moved(tensor, device):
    """A copy of `tensor` on `device` (a simulated one, or None for the CPU), as a real transfer copies."""
    host = tensor.host if type(tensor) is SimulatedTensor else tensor
    return SimulatedTensor(host.detach().clone(), device) if device is not None else host.detach().clone()


class Transfer(torch.autograd.Function):
    """A copy between the CPU and the simulated device that gradients flow back through."""

    @staticmethod
    def forward(ctx, tensor, device):
        ctx.source = tensor.simulated_device if type(tensor) is SimulatedTensor else None
        return _moved(tensor, device)

    @staticmethod
    def backward(ctx, grad):
        return _moved(grad, ctx.source), None


def on_host(value: object) -> object:
    """`value` with every simulated tensor in it (nested in lists, tuples and dicts) as its CPU tensor:
    what crosses the sandbox boundary is plain tensors."""
    if type(value) is SimulatedTensor:
        return value.host.detach()
    if type(value) in (list, tuple):
        return type(value)(on_host(item) for item in value)
    if type(value) is dict:
        return {key: on_host(item) for key, item in value.items()}
    return value


class DeviceSimulation(TorchFunctionMode):
    """While `simulating(device_type)`: torch says that the device is available (and the other one not),
    and tensors moved to it, or made on it, are simulated tensors.

    Installed before the student's code is imported, so that `from torch.cuda import is_available`
    takes the simulation's function; outside `simulating` every function behaves as torch's own."""

    def __init__(self):
        super().__init__()
        self.device = None
        self.replaced = []

    def __enter__(self):
        replacements = {(owner, name): self.reporting(getattr(owner, name), simulated)
                        for (owner, name), simulated in DEVICE_REPORTS.items()}
        self.original_load = torch.load
        replacements[torch, "load"] = replacements[torch.serialization, "load"] = self.load
        for (owner, name), replacement in replacements.items():
            self.replaced.append((owner, name, getattr(owner, name)))
            setattr(owner, name, replacement)
        return super().__enter__()

    def __exit__(self, *exc_info):
        for owner, name, original in self.replaced:
            setattr(owner, name, original)
        return super().__exit__(*exc_info)

    @contextlib.contextmanager
    def simulating(self, device_type):
        self.device = SIMULATED_DEVICES[device_type]
        # module.to(device) and module.cpu() swap each parameter's contents, keeping the object: a
        # real device's `param.data = moved` cannot give a CPU parameter a simulated tensor's type.
        swapping = torch.__future__.get_swap_module_params_on_conversion()
        torch.__future__.set_swap_module_params_on_conversion(True)
        try:
            with warnings.catch_warnings():
                # What torch, which keeps the truth, says of a simulated device: the DataLoader finds no
                # memory to pin, a recurrent layer on "cuda" no cuDNN.
                warnings.filterwarnings("ignore", message="'pin_memory' argument is set as true")
                warnings.filterwarnings("ignore", message="PyTorch was compiled without cuDNN")
                yield
        finally:
            torch.__future__.set_swap_module_params_on_conversion(swapping)
            self.device = None

    def reporting(self, original, simulated):
        """torch's function `original`, which says `simulated(device)` to the code outside torch while a
        device is simulated. torch's own code keeps the truth: its optimizers and DataLoader would
        otherwise reach for CUDA streams and pinned memory, which a CPU-only worker does not have."""
        def report(*args, **kwargs):
            if self.device is None or sys._getframe(1).f_code.co_filename.startswith(TORCH_DIR):
                return original(*args, **kwargs)
            return simulated(self.device)
        report.__name__, report.__doc__ = original.__name__, original.__doc__
        return report

    def __torch_function__(self, func, types, args=(), kwargs=None):
        kwargs = kwargs or {}
        if self.device is None:
            return func(*args, **kwargs)
        if func is torch.Tensor.to:
            return self.to(args[0], args[1:], kwargs)
        if func is torch.Tensor.cuda:
            device = args[1] if len(args) > 1 else kwargs.get("device")
            return self.transfer(args[0], self.target(torch.device("cuda", device) if type(device) is int
                                                      else torch.device(device or "cuda")))
        if func is torch.Tensor.cpu:
            return self.transfer(args[0], None)
        if func is torch.Tensor.pin_memory:  # pinned memory is the CPU's own, which this worker may not have
            return args[0]
        if kwargs.get("device") is not None:
            return self.made_on(func, args, kwargs)
        if any(type(value) is SimulatedTensor for value in _flatten((args, kwargs))):
            with FactoriesOnDevice(self.device):
                return func(*args, **kwargs)
        return func(*args, **kwargs)

    def target(self, device):
        """The simulated device for a device of its type, None for the CPU; an error for another device."""
        device = torch.device(self.device.type, device) if type(device) is int else torch.device(device)
        if device.type == "cpu":
            return None
        if device.type != self.device.type:
            raise RuntimeError(f"{device} is not available: this check runs your code as on a machine whose "
                               f"accelerator is {self.device}")
        if device.index not in (None, 0):
            raise RuntimeError(f"invalid device ordinal: {device} (this machine has one {device.type} device)")
        return self.device

    def transfer(self, tensor, device):
        """`tensor` copied to `device` (simulated, or None for the CPU), or itself if it is there."""
        source = tensor.simulated_device if type(tensor) is SimulatedTensor else None
        return tensor if source == device else Transfer.apply(tensor, device)

    def to(self, tensor, args, kwargs):
        """Tensor.to in its three forms: to(device, dtype, ...), to(dtype, ...), to(other_tensor, ...)."""
        options = dict(kwargs)
        device = options.pop("device", None)
        first = args[0] if args else None
        if isinstance(first, torch.Tensor):
            device, args = first.device, (first.dtype, *args[1:])
        elif isinstance(first, (str, int, torch.device)):
            device, args = first, args[1:]
            options.update(zip(("dtype", "non_blocking", "copy"), args))
            args = ()
        moved = tensor if device is None else self.transfer(tensor, self.target(device))
        options = {key: value for key, value in options.items() if value is not None}
        if moved is not tensor:
            options.pop("copy", None)  # the transfer copied it already
        return moved.to(*args, **options) if args or options else moved

    def made_on(self, func, args, kwargs):
        """A factory (torch.zeros(..., device=d), torch.tensor(data, device=d), x.new_ones(..., device=d))
        run on the CPU; its result on the device asked for."""
        device = self.target(kwargs["device"])
        requires_grad = kwargs.get("requires_grad", False)
        made = func(*args, **{**kwargs, "device": "cpu", "requires_grad": False} if requires_grad else
                    {**kwargs, "device": "cpu"})
        if not isinstance(made, torch.Tensor):
            return made
        if device is not None or type(made) is SimulatedTensor:  # also torch.zeros_like(simulated, device="cpu")
            made = _moved(made, device)
        return made.requires_grad_() if requires_grad else made

    def load(self, *args, **kwargs):
        """torch.load, where a `map_location` that names the simulated device loads on the CPU, then moves
        every tensor there (a module with module.to)."""
        positional = len(args) > 1
        location = args[1] if positional else kwargs.get("map_location")
        if self.device is None or not isinstance(location, (str, torch.device)):
            return self.original_load(*args, **kwargs)
        device = self.target(location)
        if device is None:
            return self.original_load(*args, **kwargs)
        if positional:
            args = (args[0], "cpu", *args[2:])
        else:
            kwargs = {**kwargs, "map_location": "cpu"}
        return _all_moved(self.original_load(*args, **kwargs), device)


class FactoriesOnDevice(TorchDispatchMode):
    """While an operation on simulated tensors runs: the tensors it makes for itself from nothing are on
    the simulated device, as they would be on a real one. F.one_hot's `at::zeros(shape, self.options())`
    names the CPU (a simulated tensor's own device, for torch), and a function written in Python names
    `device=input.device`, which only the simulation can make."""

    def __init__(self, device):
        super().__init__()
        self.device = device

    def __torch_dispatch__(self, func, types, args=(), kwargs=None):
        kwargs = kwargs or {}
        if any(isinstance(t, torch.Tensor) for t in _flatten((args, kwargs))):
            return func(*args, **kwargs)
        made = func(*args, **{**kwargs, "device": torch.device("cpu")} if "device" in kwargs else kwargs)
        return SimulatedTensor(made, self.device) if type(made) is torch.Tensor else made


def _all_moved(value, device):
    """What torch.load gave back, its tensors (those nested in dicts, lists and tuples, and a module's)
    moved to the simulated `device`; dicts and lists in place, which keeps a state_dict's metadata."""
    if isinstance(value, torch.Tensor):
        return _moved(value, device).requires_grad_(value.requires_grad)
    if isinstance(value, torch.nn.Module):
        return value.to(device)
    if isinstance(value, (dict, list)):
        for key in (value if isinstance(value, dict) else range(len(value))):
            value[key] = _all_moved(value[key], device)
    elif isinstance(value, tuple):
        return type(value)(_all_moved(item, device) for item in value)
    return value


def _accelerator(device):
    return torch.device(device.type)


# The functions that say which devices there are, and what each says while a device is simulated.
DEVICE_REPORTS = {
    (torch.cuda, "is_available"): lambda device: device.type == "cuda",
    (torch.cuda, "device_count"): lambda device: int(device.type == "cuda"),
    (torch.cuda, "current_device"): lambda device: 0,
    (torch.cuda, "synchronize"): lambda device: None,
    (torch.backends.mps, "is_available"): lambda device: device.type == "mps",
    (torch.backends.mps, "is_built"): lambda device: device.type == "mps",
    (torch.accelerator, "is_available"): lambda device: True,
    (torch.accelerator, "current_accelerator"): _accelerator,
    (torch.accelerator, "device_count"): lambda device: 1,
}


class ScaledReloads:
    """While `scaling(factor)`: torch.load returns what was saved with every floating-point tensor (those
    of a loaded module's state too) multiplied by `factor`, each storage once. Installed before the
    student's code is imported, as `from torch import load` binds the function then."""

    def __init__(self):
        self.factor = None

    def __enter__(self):
        self.original = torch.load
        torch.load = torch.serialization.load = self.load
        return self

    def __exit__(self, *exc_info):
        torch.load = torch.serialization.load = self.original

    @contextlib.contextmanager
    def scaling(self, factor):
        self.factor = factor
        try:
            yield
        finally:
            self.factor = None

    def load(self, *args, **kwargs):
        loaded = self.original(*args, **kwargs)
        if self.factor is not None:
            with torch.no_grad():
                self.scale(loaded, set())
        return loaded

    def scale(self, value, scaled):
        """Multiply, in place, each floating-point storage reachable from `value` that is not in `scaled`
        (the storages done: tied weights and views share one)."""
        if isinstance(value, torch.nn.Module):
            value = value.state_dict()
        if isinstance(value, torch.Tensor):
            storage = value.untyped_storage()
            if value.is_floating_point() and storage.data_ptr() not in scaled:
                scaled.add(storage.data_ptr())
                torch.tensor([], dtype=value.dtype).set_(storage).mul_(self.factor)
        elif isinstance(value, dict):
            for item in value.values():
                self.scale(item, scaled)
        elif isinstance(value, (list, tuple)):
            for item in value:
                self.scale(item, scaled)


class ProbeConditions:
    """The conditions the job's probes ask for (`simulate_device`, `reload_scale`), installed for the
    whole job and in force only while a probe that asks for them runs."""

    def __init__(self, probes):
        self.simulation = DeviceSimulation() if any(p.get("simulate_device") for p in probes) else None
        self.reloads = ScaledReloads() if any(p.get("reload_scale") for p in probes) else None

    def __enter__(self):
        # The simulation's torch.load, which moves what it loads to the device, calls the scaling one.
        for condition in (self.reloads, self.simulation):
            if condition is not None:
                condition.__enter__()
        return self

    def __exit__(self, *exc_info):
        for condition in (self.simulation, self.reloads):
            if condition is not None:
                condition.__exit__(*exc_info)

    @contextlib.contextmanager
    def during(self, probe):
        with contextlib.ExitStack() as stack:
            if probe.get("simulate_device"):
                stack.enter_context(self.simulation.simulating(probe["simulate_device"]))
            if probe.get("reload_scale"):
                stack.enter_context(self.reloads.scaling(probe["reload_scale"]))
            yield
