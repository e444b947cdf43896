"""Every name an operation is reachable by, so that an api rule on one name covers the others.

Trusted: it reads names (from the student's source, or from the harness's record, which is a
claim) and looks them up in the trusted side's own torch, the same version as the sandbox's,
without calling, importing or creating anything. An operation is reachable by:
- its ATen operator, `torch.ops.aten.outer` and its overloads (`torch.ops.aten.outer.default`),
  named after the public function (`special_softmax` is torch.special.softmax, `linalg_norm`
  torch.linalg.norm); a private ATen operator that implements a public function by torch's naming
  convention, `_X` or `_X_forward` (`_softmax`, `_cdist_forward`), counts as that function;
- torch's C namespaces (`torch._C._VariableFunctions.outer`, `torch._VF.outer`,
  `torch._C._nn.X`, `torch._C._special.special_X`...);
- any other name bound to the same object (`torch.serialization.load` is `torch.load`);
- the aliases torch documents (`torch.ger` for torch.outer, `torch.nn.functional.softmax` and
  `torch.special.softmax` for torch.softmax: judging.op_aliases).
"""

from __future__ import annotations

import inspect
from functools import lru_cache

from .op_aliases import ALIASES

ATEN = "torch.ops.aten."
# torch's C namespaces, and the public module whose functions they implement with this prefix.
NATIVE_MODULES = {
    "torch._C._VariableFunctions": ("torch", ""),
    "torch._VF": ("torch", ""),
    "torch._C._nn": ("torch.nn.functional", ""),
    "torch._C._special": ("torch.special", "special_"),
    "torch._C._linalg": ("torch.linalg", "linalg_"),
    "torch._C._fft": ("torch.fft", "fft_"),
}
# An ATen operator's name prefix, and the public module that holds it without the prefix.
ATEN_PREFIXES = {"special_": "torch.special", "linalg_": "torch.linalg", "fft_": "torch.fft"}
_GROUPS: dict[str, frozenset[str]] = {}
for _alias, _operation in ALIASES.items():
    _GROUPS[_operation] = _GROUPS.get(_operation, frozenset({_operation})) | {_alias}
for _operation, _group in list(_GROUPS.items()):
    _GROUPS.update(dict.fromkeys(_group, _group))


@lru_cache(maxsize=4096)
def bindings(name: str) -> frozenset[str]:
    """`name` and the names of the same operation through ATen and torch's C namespaces (no aliases)."""
    names = {name}
    if name.startswith(ATEN):
        operator = name[len(ATEN):].partition(".")[0]
        names.add(ATEN + operator)
        implemented = operator.lstrip("_").removesuffix("_forward")
        for candidate in {operator, implemented}:
            names.add(_public_name(candidate))
    for native, (public, prefix) in NATIVE_MODULES.items():
        if name.startswith(native + "."):
            function = name[len(native) + 1:]
            names.add(f"{public}.{function.removeprefix(prefix)}")
    return frozenset(names)


def _public_name(operator: str) -> str:
    for prefix, module in ATEN_PREFIXES.items():
        if operator.startswith(prefix):
            return f"{module}.{operator.removeprefix(prefix)}"
    return f"torch.nn.functional.{operator}" if hasattr(_torch()._C._nn, operator) else f"torch.{operator}"


@lru_cache(maxsize=4096)
def spellings(name: str) -> frozenset[str]:
    """Every name of the operation `name` reaches: its bindings and torch's documented aliases."""
    names = set(bindings(name))
    for binding in list(names):
        names |= _GROUPS.get(binding, frozenset())
    return frozenset(names)


@lru_cache(maxsize=4096)
def resolved(name: str) -> object | None:
    """The function, class or module a torch.* name is bound to here, or None; modules' lazy
    attributes (torch.__getattr__) are not triggered, nothing is imported or called."""
    module, _, rest = name.partition(".")
    if module != "torch":
        return None
    value = _torch()
    for part in rest.split(".") if rest else ():
        try:
            value = inspect.getattr_static(value, part)
        except AttributeError:
            return None
    if isinstance(value, (staticmethod, classmethod)):
        value = value.__func__
    return value if callable(value) or inspect.ismodule(value) else None


def _torch():
    import torch  # on first use: the web process reads specs through judging.reader and api_check, without torch

    return torch


def same_object(first: str, second: str) -> bool:
    """Whether two torch names are bound to the same function, class or module."""
    value = resolved(first)
    return value is not None and value is resolved(second)
