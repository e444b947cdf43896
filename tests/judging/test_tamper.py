"""judging.tamper: the dynamic code that would defeat api rules is found, with its line and why;
honest code (every bundled solution and alternative) is not."""

from pathlib import Path

import pytest

from judging.tamper import Tampering, find_tampering

REFUSED = {
    "an optimizer's step hook": "optimizer.register_step_pre_hook(lambda o, a, k: None)",
    "every optimizer's step hook": "from torch.optim.optimizer import register_optimizer_step_post_hook",
    "every module's forward hook": "torch.nn.modules.module.register_module_forward_hook(f)",
    "runs text": 'exec("import torch")',
    "eval": 'y = eval("1 + 1")',
    "compile to escape the file filter": 'exec(compile(src, "helpers.py", "exec"))',
    "__import__": 'torch = __import__("tor" + "ch")',
    "breakpoint": "breakpoint()",
    "globals": 'globals()["torch"]',
    "vars": 'vars(torch)["outer"]',
    "locals": "locals()",
    "an alias of eval": "run = eval",
    "importlib": "import importlib",
    "from importlib": "from importlib import import_module",
    "sys": "import sys",
    "sys.modules by from": "from sys import modules",
    "inspect": "import inspect",
    "gc": "import gc",
    "ctypes": "import ctypes",
    "builtins": "import builtins",
    "types": "from types import FunctionType",
    "marshal": "import marshal",
    "runpy": "import runpy",
    "code": "import code",
    "codeop": "import codeop",
    "pickle": "import pickle",
    "the harness": "import __main__",
    "the sandbox": "from sandbox import runtime",
    "torch.overrides": "from torch.overrides import TorchFunctionMode",
    "python dispatch": "import torch.utils._python_dispatch",
    "torch._C imported": "from torch import _C",
    "torch._C reached": "import torch\nwith torch._C.DisableTorchFunction():\n    pass",
    "torch._C aliased": "import torch as t\nt._C._set_torch_function_mode(None)",
    "torch._VF": "import torch\ntorch._VF.outer(a, b)",
    "a private ATen operator": "import torch\ntorch.ops.aten._euclidean_dist(a, b)",
    "native code": 'import torch\ntorch.ops.load_library("x.so")',
    "unpickling": "import torch\ntorch.load(buf)",
    "unpickling on request": "import torch\ntorch.load(buf, weights_only=False)",
    "unpickling through an alias": "import torch\nload = torch.load\nload(buf, weights_only=True)",
    "numpy's unpickling": "import numpy as np\nnp.load(f, allow_pickle=True)",
    "torch.jit compiles strings": 'import torch\ntorch.jit.CompilationUnit("def f(x): return x")',
    "a thread leaves the mode": "import threading",
    "another program": 'import os\nos.system("python3 x.py")',
    "os.exec": 'import os\nos.execv("/bin/sh", [])',
    "attrgetter": 'import operator\noperator.attrgetter("soft" + "max")(torch)',
    "getattr with a built name": 'import torch\ngetattr(torch, "out" + "er")(a, b)',
    "getattr aliased": "g = getattr",
    "hasattr with a name": "hasattr(torch, name)",
    "setattr with a name": "setattr(model, name, 1)",
    "patching torch": "import torch\ntorch.allclose = lambda *args: True",
    "patching a method": "import torch\ntorch.Tensor.mul = lambda a, b: a",
    "patching through an alias": "import torch\nT = torch.Tensor\nT.mul = None",
    "deleting": "import torch.nn.functional as F\ndel F.softmax",
    "setattr on torch": 'import torch\nsetattr(torch, "mul", None)',
    "__dict__": "torch.__dict__",
    "__globals__": "f.__globals__",
    "__code__": "f.__code__ = g.__code__",
    "__builtins__": "__builtins__",
    "__subclasses__": "object.__subclasses__()",
    "__class__": "x.__class__",
    "__bases__": "C.__bases__",
    "__mro__": "C.__mro__",
    "__loader__": "__loader__",
    "__spec__": "__spec__",
    "f_back": "frame.f_back",
    "f_globals": "frame.f_globals",
    "f_locals": "frame.f_locals",
    "tb_frame": "exc.__traceback__.tb_frame",
    "gi_frame": "gen.gi_frame",
    "cr_frame": "coro.cr_frame",
}


@pytest.mark.parametrize("source", REFUSED.values(), ids=REFUSED.keys())
def test_each_construct_is_refused_with_its_line_and_a_reason(source):
    found = find_tampering("\n\n" + source + "\n")
    assert found, source
    assert all(isinstance(finding, Tampering) for finding in found)
    last_line = 2 + source.count("\n") + 1
    assert all(3 <= finding.line <= last_line for finding in found), found
    assert all("which" in finding.message or "part of a library" in finding.message or "built at run time"
               in finding.message for finding in found), found


HONEST = """
import math
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(3, 1)
        self.scale = getattr(self.fc, "weight")

    def forward(self, x):
        return F.relu(self.fc(x)) * math.pi


def train(x, y):
    model = Net()
    model.fc.weight.data[0] = 0.0
    setattr(model, "note", "a literal name on my own object")
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    for xb, yb in DataLoader(TensorDataset(x, y), batch_size=4):
        opt.zero_grad()
        loss = F.mse_loss(model(xb), yb)
        loss.backward()
        opt.step()
    grid = torch.zeros(3, 3)
    grid[torch.arange(3), 0] = 1.0
    return model, [float(loss)], torch.ops.aten.mul(grid, 2), torch.load(buffer, weights_only=True)
"""


def test_honest_code_is_not_refused():
    assert find_tampering(HONEST) == []


def test_unreadable_code_is_left_to_the_api_check():
    assert find_tampering("def f(:\n") == []


def test_findings_come_in_line_order_once_each():
    found = find_tampering("import torch\nexec(a)\nexec(b); import sys\n")
    assert [finding.line for finding in found] == [2, 3, 3]
    assert len(set(found)) == len(found)


CONTENT = Path(__file__).resolve().parents[2] / "content"


@pytest.mark.parametrize("path", sorted(p for p in CONTENT.rglob("*.py") if "mistakes" not in p.parts),
                         ids=lambda p: str(p.relative_to(CONTENT)))
def test_bundled_solutions_and_alternatives_are_not_refused(path):
    assert find_tampering(path.read_text()) == []
