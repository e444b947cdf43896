"""Compare a student's answers with the reference's, on the trusted side, and say what differed.

Messages follow torch.testing.assert_close: how many elements differ, the greatest absolute
and relative differences and where, the first mismatch with both values. Only exact types are
accepted: a Tensor subclass, a list where a tensor was expected or a NaN where a number was
expected is a failed comparison that says so.
"""

import math

import torch

from sandbox.wire import Unsupported


class Mismatch(Exception):
    pass


def describe(value):
    if isinstance(value, Unsupported):
        return f"an unsupported object of type {value.type_name}"
    if isinstance(value, torch.Tensor):
        return f"a tensor of shape {tuple(value.shape)} and dtype {value.dtype}"
    return f"{type(value).__name__} {value!r}"[:200]


def compare(expected, got, rtol, atol, allow_nan=False, where="output"):
    """Raise Mismatch with a precise message unless `got` matches `expected`."""
    if isinstance(got, Unsupported):
        raise Mismatch(f"{where}: returned an object of type {got.type_name}, which cannot be graded "
                       "(return a plain torch.Tensor, a number, or a list, tuple or dict of them)")
    if isinstance(expected, torch.Tensor):
        if type(got) is not torch.Tensor:
            raise Mismatch(f"{where}: expected {describe(expected)}, got {describe(got)}")
        return compare_tensors(expected, got, rtol, atol, allow_nan, where)
    if isinstance(expected, bool) or expected is None or isinstance(expected, str):
        if type(got) is not type(expected) or got != expected:
            raise Mismatch(f"{where}: expected {expected!r}, got {describe(got)}")
        return
    if isinstance(expected, (int, float)):
        if isinstance(got, bool) or not isinstance(got, (int, float)):
            raise Mismatch(f"{where}: expected the number {expected!r}, got {describe(got)}")
        return compare_numbers(expected, got, rtol, atol, allow_nan, where)
    if isinstance(expected, (list, tuple)):
        if type(got) is not type(expected):
            raise Mismatch(f"{where}: expected a {type(expected).__name__}, got {describe(got)}")
        if len(got) != len(expected):
            raise Mismatch(f"{where}: expected {len(expected)} items, got {len(got)}")
        for i, (e, g) in enumerate(zip(expected, got)):
            compare(e, g, rtol, atol, allow_nan, f"{where}[{i}]")
        return
    if isinstance(expected, dict):
        if type(got) is not dict:
            raise Mismatch(f"{where}: expected a dict, got {describe(got)}")
        if set(got) != set(expected):
            missing, extra = sorted(set(expected) - set(got)), sorted(set(got) - set(expected))
            raise Mismatch(f"{where}: keys differ (missing {missing}, unexpected {extra})")
        for key in expected:
            compare(expected[key], got[key], rtol, atol, allow_nan, f"{where}[{key!r}]")
        return
    raise Mismatch(f"{where}: the reference returned {describe(expected)}, which this check cannot compare")


def compare_numbers(expected, got, rtol, atol, allow_nan, where):
    if math.isnan(got) or math.isnan(expected):
        if math.isnan(got) and math.isnan(expected) and allow_nan:
            return
        raise Mismatch(f"{where}: expected {expected!r}, got {got!r}" + ("" if allow_nan else " (NaN is not allowed here)"))
    difference = abs(got - expected)
    if difference > atol + rtol * abs(expected):
        raise Mismatch(f"{where}: expected {expected!r}, got {got!r} (difference {difference:.3g}, "
                       f"up to {atol + rtol * abs(expected):.3g} allowed)")


def _index(flat_index, shape):
    return tuple(int(i) for i in torch.unravel_index(torch.tensor(flat_index), shape)) if shape else ()


def compare_tensors(expected, got, rtol, atol, allow_nan, where):
    if got.shape != expected.shape:
        raise Mismatch(f"{where}: shape mismatch: expected {tuple(expected.shape)}, got {tuple(got.shape)}")
    if got.dtype != expected.dtype:
        raise Mismatch(f"{where}: dtype mismatch: expected {expected.dtype}, got {got.dtype}")
    if not expected.is_floating_point() and not expected.is_complex():
        mismatched = (got != expected).flatten()
        if mismatched.any():
            first = int(mismatched.nonzero()[0])
            raise Mismatch(
                f"{where}: {int(mismatched.sum())} of {expected.numel()} elements differ; first at index "
                f"{_index(first, expected.shape)}: expected {expected.flatten()[first].item()!r}, "
                f"got {got.flatten()[first].item()!r}"
            )
        return
    e, g = expected.double().flatten(), got.double().flatten()
    got_nan, expected_nan = torch.isnan(g), torch.isnan(e)
    if not allow_nan and got_nan.any():
        first = int(got_nan.nonzero()[0])
        raise Mismatch(f"{where}: contains NaN at index {_index(first, expected.shape)} (NaN is not allowed here)")
    infinite_equal = torch.isinf(e) & (e == g)
    difference = torch.where(infinite_equal, torch.zeros_like(e), (g - e).abs())
    allowed = atol + rtol * e.abs()
    bad = (difference > allowed) | (got_nan != expected_nan) | (torch.isinf(g) & ~infinite_equal)
    if allow_nan:
        bad &= ~(got_nan & expected_nan)
    if not bad.any():
        return
    count, total = int(bad.sum()), e.numel()
    finite = torch.where(torch.isnan(difference), torch.full_like(difference, math.inf), difference)
    worst_abs = int(finite.argmax())
    relative = finite / e.abs().clamp_min(torch.finfo(torch.float64).tiny)
    worst_rel = int(relative.argmax())
    first = int(bad.nonzero()[0])
    raise Mismatch(
        f"{where}: {count} of {total} elements differ ({100 * count / total:.1f}%).\n"
        f"Greatest absolute difference: {finite[worst_abs].item():.6g} at index "
        f"{_index(worst_abs, expected.shape)} (up to {atol:g} allowed).\n"
        f"Greatest relative difference: {relative[worst_rel].item():.6g} at index "
        f"{_index(worst_rel, expected.shape)} (up to {rtol:g} allowed).\n"
        f"First mismatch at index {_index(first, expected.shape)}: expected {e[first].item():.6g}, "
        f"got {g[first].item():.6g}."
    )
