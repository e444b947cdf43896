"""judging.op_aliases is torch's own alias table, and judging.op_names the names of one operation."""

import ast
import subprocess
import sys
from pathlib import Path

from judging.op_aliases import ALIASES
from judging.op_names import bindings, resolved, same_object, spellings

ROOT = Path(__file__).resolve().parents[2]


def test_the_alias_table_is_the_installed_torchs():
    # In a process of its own: torch's test database imports setuptools, whose distutils shim
    # fails where the suite already loaded the standard library's distutils.
    printed = subprocess.run([sys.executable, "-m", "judging.op_aliases"], cwd=ROOT, capture_output=True,
                             text=True, timeout=300, check=True).stdout
    assert ALIASES == ast.literal_eval(printed.removeprefix("ALIASES = "))


def test_an_aten_operator_is_its_public_function():
    assert "torch.outer" in bindings("torch.ops.aten.outer.default")
    assert "torch.special.softmax" in bindings("torch.ops.aten.special_softmax")
    assert "torch.cdist" in bindings("torch.ops.aten._cdist_forward")
    assert "torch.nn.functional.mse_loss" in bindings("torch.ops.aten.mse_loss")
    assert bindings("torch.ops.aten.mm") == {"torch.ops.aten.mm", "torch.mm"}


def test_aliases_are_spellings_both_ways():
    assert {"torch.outer", "torch.ger"} <= spellings("torch.ger")
    assert {"torch.softmax", "torch.special.softmax", "torch.nn.functional.softmax"} <= spellings(
        "torch.ops.aten.special_softmax")


def test_names_are_resolved_without_importing_or_calling():
    assert same_object("torch.serialization.load", "torch.load")
    assert not same_object("torch.load", "torch.save")
    assert resolved("torch.no_such_thing") is None
    assert resolved("numpy.load") is None
    assert resolved("torch.float32") is None  # only functions, classes and modules name an operation
