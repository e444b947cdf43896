"""Compare a student's answers with the reference's, on the trusted side, and say what differed.

The rules and messages follow torch.testing.assert_close: non-finite values must match exactly
(an infinity only the same infinity, NaN only NaN and only with `allow_nan`); finite values
must satisfy |got - expected| <= atol + rtol * |expected|, with assert_close's default
tolerances for the dtype when the exercise sets none; a mismatch reports how many elements
differ and the greatest absolute and relative differences among those elements, with where.
Only exact types are accepted: a Tensor subclass, a list where a tensor was expected or a bool
where a number was expected is a failed comparison that says so.
"""

import math
from dataclasses import dataclass

import torch

from sandbox.wire import Unsupported

# torch.testing.assert_close's defaults (rtol, atol); integer and bool dtypes compare exactly.
DEFAULT_TOLERANCES = {
    torch.float16: (1e-3, 1e-5),
    torch.bfloat16: (1.6e-2, 1e-5),
    torch.float32: (1.3e-6, 1e-5),
    torch.float64: (1e-7, 1e-7),
}
EXACT_TOLERANCES = (0.0, 0.0)


class Mismatch(Exception):
    pass


@dataclass(frozen=True)
class Tolerance:
    """How closely an answer must match: rtol/atol of None mean assert_close's default for the dtype."""

    rtol: float | None = None
    atol: float | None = None
    allow_nan: bool = False
    broadcast: bool = False  # compare up to broadcasting (as numpy.testing.assert_allclose), not exact shapes

    @classmethod
    def of_check(cls, check: dict) -> "Tolerance":
        # Specs stored before `broadcast` existed lack the key.
        return cls(check["rtol"], check["atol"], check["allow_nan"], check.get("broadcast", False))

    def for_dtype(self, dtype: torch.dtype) -> tuple[float, float]:
        if self.rtol is not None and self.atol is not None:
            return self.rtol, self.atol
        return DEFAULT_TOLERANCES.get(dtype, EXACT_TOLERANCES)


EXACT = Tolerance(rtol=0.0, atol=0.0)


def describe(value) -> str:
    if isinstance(value, Unsupported):
        return f"an unsupported object of type {value.type_name}"
    if isinstance(value, torch.Tensor):
        return f"a tensor of shape {tuple(value.shape)} and dtype {value.dtype}"
    return f"{type(value).__name__} {value!r}"[:200]


def compare(expected, got, tolerance: Tolerance = Tolerance(), where: str = "output") -> None:
    """Raise Mismatch with a precise message unless `got` matches `expected`."""
    if isinstance(got, Unsupported):
        raise Mismatch(f"{where}: returned an object of type {got.type_name}, which cannot be graded "
                       "(return a plain torch.Tensor, a number, or a list, tuple or dict of them)")
    if isinstance(expected, torch.Tensor):
        if type(got) is not torch.Tensor:
            raise Mismatch(f"{where}: expected {describe(expected)}, got {describe(got)}")
        return compare_tensors(expected, got, tolerance, where)
    if isinstance(expected, bool) or expected is None or isinstance(expected, str):
        if type(got) is not type(expected) or got != expected:
            raise Mismatch(f"{where}: expected {expected!r}, got {describe(got)}")
        return
    if isinstance(expected, (int, float)):
        if isinstance(got, bool) or not isinstance(got, (int, float)):
            raise Mismatch(f"{where}: expected the number {expected!r}, got {describe(got)}")
        return compare_numbers(expected, got, tolerance, where)
    if isinstance(expected, (list, tuple)):
        if type(got) is not type(expected):
            raise Mismatch(f"{where}: expected a {type(expected).__name__}, got {describe(got)}")
        if len(got) != len(expected):
            raise Mismatch(f"{where}: expected {len(expected)} items, got {len(got)}")
        for i, (e, g) in enumerate(zip(expected, got)):
            compare(e, g, tolerance, f"{where}[{i}]")
        return
    if isinstance(expected, dict):
        if type(got) is not dict:
            raise Mismatch(f"{where}: expected a dict, got {describe(got)}")
        if set(got) != set(expected):
            missing, extra = sorted(set(expected) - set(got)), sorted(set(got) - set(expected))
            raise Mismatch(f"{where}: keys differ (missing {missing}, unexpected {extra})")
        for key in expected:
            compare(expected[key], got[key], tolerance, f"{where}[{key!r}]")
        return
    raise Mismatch(f"{where}: the reference returned {describe(expected)}, which this check cannot compare")


def compare_numbers(expected: int | float, got: int | float, tolerance: Tolerance, where: str) -> None:
    # Python numbers are compared as assert_close compares them: ints exactly, floats as float64.
    both_int = isinstance(expected, int) and isinstance(got, int)
    rtol, atol = tolerance.for_dtype(torch.int64 if both_int else torch.float64)
    if math.isnan(got) or math.isnan(expected):
        if math.isnan(got) and math.isnan(expected) and tolerance.allow_nan:
            return
        raise Mismatch(f"{where}: expected {expected!r}, got {got!r}"
                       + ("" if tolerance.allow_nan else " (NaN is not allowed here)"))
    if math.isinf(got) or math.isinf(expected):
        if got != expected:
            raise Mismatch(f"{where}: expected {expected!r}, got {got!r} (infinite values must match exactly)")
        return
    difference, allowed = abs(got - expected), atol + rtol * abs(expected)
    if difference > allowed:
        raise Mismatch(f"{where}: expected {expected!r}, got {got!r} (difference {difference:.3g}, "
                       f"up to {allowed:.3g} allowed)")


def _index(flat_index: int, shape: torch.Size) -> tuple:
    return tuple(int(i) for i in torch.unravel_index(torch.tensor(flat_index), shape)) if shape else ()


def _matching_shapes(expected: torch.Tensor, got: torch.Tensor, broadcast: bool, where: str):
    if not broadcast:
        if got.shape != expected.shape:
            raise Mismatch(f"{where}: shape mismatch: expected {tuple(expected.shape)}, got {tuple(got.shape)}")
        return expected, got
    try:
        shape = torch.broadcast_shapes(expected.shape, got.shape)
    except RuntimeError:
        raise Mismatch(f"{where}: shape mismatch: got {tuple(got.shape)}, which does not broadcast with the "
                       f"expected {tuple(expected.shape)}") from None
    return expected.expand(shape), got.expand(shape)


def compare_tensors(expected: torch.Tensor, got: torch.Tensor, tolerance: Tolerance, where: str) -> None:
    if got.dtype != expected.dtype:
        raise Mismatch(f"{where}: dtype mismatch: expected {expected.dtype}, got {got.dtype}")
    expected, got = _matching_shapes(expected, got, tolerance.broadcast, where)
    rtol, atol = tolerance.for_dtype(expected.dtype)
    shape = expected.shape
    # Exact equality first (it is the only way an infinity matches), then closeness of finite values in float64.
    e, g = expected.flatten().double(), got.flatten().double()
    got_nan = torch.isnan(g)
    if not tolerance.allow_nan and got_nan.any():
        first = int(got_nan.nonzero()[0])
        raise Mismatch(f"{where}: contains NaN at index {_index(first, shape)} (NaN is not allowed here)")
    difference = (g - e).abs()
    close = expected.flatten() == got.flatten()
    if rtol or atol:  # without a tolerance, equality alone decides (float64 cannot hold every int64)
        close |= torch.isfinite(e) & torch.isfinite(g) & (difference <= atol + rtol * e.abs())
    if tolerance.allow_nan:
        close |= got_nan & torch.isnan(e)
    if close.all():
        return
    mismatched = ~close
    count, total = int(mismatched.sum()), e.numel()
    # Only mismatched elements compete for "greatest"; a NaN difference (NaN against a number) counts as largest.
    absolute = torch.where(mismatched, difference, torch.zeros_like(difference))
    relative = torch.where(mismatched, difference / e.abs(), torch.zeros_like(difference))
    worst_abs = int(torch.nan_to_num(absolute, nan=math.inf).argmax())
    worst_rel = int(torch.nan_to_num(relative, nan=math.inf).argmax())
    first = int(mismatched.nonzero()[0])
    raise Mismatch(
        f"{where}: tensors are not close.\n"
        f"Mismatched elements: {count} / {total} ({count / total:.1%})\n"
        f"Greatest absolute difference: {absolute[worst_abs].item():.6g} at index "
        f"{_index(worst_abs, shape)} (up to {atol:g} allowed)\n"
        f"Greatest relative difference: {relative[worst_rel].item():.6g} at index "
        f"{_index(worst_rel, shape)} (up to {rtol:g} allowed)\n"
        f"First mismatch at index {_index(first, shape)}: expected {e[first].item():.6g}, "
        f"got {g[first].item():.6g}."
    )
