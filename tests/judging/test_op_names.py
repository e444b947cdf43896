"""judging.op_aliases is torch's own alias table, and judging.op_names the names of one operation."""

from judging.op_aliases import ALIASES, aliases_from_torch
from judging.op_names import bindings, resolved, same_object, spellings


def test_the_alias_table_is_the_installed_torchs():
    assert ALIASES == aliases_from_torch()


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
