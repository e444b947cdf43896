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
from collections.abc import Iterator
from dataclasses import dataclass

import torch

from sandbox.wire import Unsupported

from .spec import DistributionCheck, Predicate, ValueCheck

# torch.testing.assert_close's defaults (rtol, atol); integer and bool dtypes compare exactly.
DEFAULT_TOLERANCES = {
    torch.float16: (1e-3, 1e-5),
    torch.bfloat16: (1.6e-2, 1e-5),
    torch.float32: (1.3e-6, 1e-5),
    torch.float64: (1e-7, 1e-7),
}
EXACT_TOLERANCES = (0.0, 0.0)


class Mismatch(Exception):
    """A failed comparison, with its message. `public`, for a failure of the answer's form alone (its
    type, dtype, length, keys or shape), says so without any number that a hidden input could have set:
    what a hidden check may show the student."""

    def __init__(self, message: str, public: str = ""):
        super().__init__(message)
        self.public = public


@dataclass(frozen=True)
class Tolerance:
    """How closely an answer must match: rtol/atol of None mean assert_close's default for the dtype."""

    rtol: float | None = None
    atol: float | None = None
    allow_nan: bool = False
    broadcast: bool = False  # the answer is broadcast to the expected shape (never the other way), then compared

    @classmethod
    def of_check(cls, check: ValueCheck) -> "Tolerance":
        return cls(check.rtol, check.atol, check.allow_nan, check.broadcast)

    def for_dtype(self, dtype: torch.dtype) -> tuple[float, float]:
        if self.rtol is not None and self.atol is not None:
            return self.rtol, self.atol
        return DEFAULT_TOLERANCES.get(dtype, EXACT_TOLERANCES)


EXACT = Tolerance(rtol=0.0, atol=0.0)


def describe(value: object) -> str:
    if isinstance(value, Unsupported):
        return f"an unsupported object of type {value.type_name}"
    if isinstance(value, torch.Tensor):
        return f"a tensor of shape {tuple(value.shape)} and dtype {value.dtype}"
    return f"{type(value).__name__} {value!r}"[:200]


def compare(expected: object, got: object, tolerance: Tolerance = Tolerance(), where: str = "output") -> None:
    """Raise Mismatch with a precise message unless `got` matches `expected`."""
    if isinstance(got, Unsupported):
        raise Mismatch(f"{where}: returned an object of type {got.type_name}, which cannot be graded "
                       "(return a plain torch.Tensor, a number, or a list, tuple or dict of them)",
                       f"Your {where} is an object that cannot be graded: return a plain torch.Tensor, a number, "
                       f"or a list, tuple or dict of them.")
    if isinstance(expected, torch.Tensor):
        if type(got) is not torch.Tensor:
            raise Mismatch(f"{where}: expected {describe(expected)}, got {describe(got)}",
                           _other_type(where, expected, got))
        return compare_tensors(expected, got, tolerance, where)
    if isinstance(expected, bool) or expected is None or isinstance(expected, str):
        if type(got) is not type(expected) or got != expected:
            raise Mismatch(f"{where}: expected {expected!r}, got {describe(got)}",
                           _other_type(where, expected, got) if type(got) is not type(expected) else "")
        return
    if isinstance(expected, (int, float)):
        if isinstance(got, bool) or not isinstance(got, (int, float)):
            raise Mismatch(f"{where}: expected the number {expected!r}, got {describe(got)}",
                           _other_type(where, expected, got))
        return compare_numbers(expected, got, tolerance, where)
    if isinstance(expected, (list, tuple)):
        if type(got) is not type(expected):
            raise Mismatch(f"{where}: expected a {type(expected).__name__}, got {describe(got)}",
                           _other_type(where, expected, got))
        if len(got) != len(expected):
            raise Mismatch(f"{where}: expected {len(expected)} items, got {len(got)}",
                           f"Your {where} has another number of items than expected.")
        for i, (e, g) in enumerate(zip(expected, got)):
            compare(e, g, tolerance, f"{where}[{i}]")
        return
    if isinstance(expected, dict):
        if type(got) is not dict:
            raise Mismatch(f"{where}: expected a dict, got {describe(got)}", _other_type(where, expected, got))
        if set(got) != set(expected):
            missing, extra = sorted(set(expected) - set(got)), sorted(set(got) - set(expected))
            raise Mismatch(f"{where}: keys differ (missing {missing}, unexpected {extra})",
                           f"Your {where} has other keys than expected.")
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


def _other_type(where: str, expected: object, got: object) -> str:
    """What a hidden check may say of an answer of the wrong type: both types, no value."""
    return f"Your {where} is {_type_name(got)} where {_type_name(expected)} was expected."


def _type_name(value: object) -> str:
    """'a tensor', 'a list', 'an int'...: the type alone."""
    name = "tensor" if type(value) is torch.Tensor else type(value).__name__
    return f"{'an' if name[0] in 'aeiou' else 'a'} {name}"


def _index(flat_index: int, shape: torch.Size) -> tuple:
    return tuple(int(i) for i in torch.unravel_index(torch.tensor(flat_index), shape)) if shape else ()


def _broadcast_to_expected(expected: torch.Tensor, got: torch.Tensor, broadcast: bool, where: str) -> torch.Tensor:
    """`got` in the expected shape: as it is, or with `broadcast` expanded to it (torch.broadcast_to), never
    the expected expanded to the answer's: an answer with extra or larger dimensions still fails."""
    if got.shape == expected.shape:
        return got
    public = f"The shape of your {where} differs from the expected one."
    if not broadcast:
        raise Mismatch(f"{where}: shape mismatch: expected {tuple(expected.shape)}, got {tuple(got.shape)}", public)
    try:
        return torch.broadcast_to(got, expected.shape)
    except RuntimeError:
        raise Mismatch(f"{where}: shape mismatch: got {tuple(got.shape)}, which cannot be broadcast to the "
                       f"expected {tuple(expected.shape)}", public) from None


def compare_tensors(expected: torch.Tensor, got: torch.Tensor, tolerance: Tolerance, where: str) -> None:
    if got.dtype != expected.dtype:
        raise Mismatch(f"{where}: dtype mismatch: expected {expected.dtype}, got {got.dtype}",
                       f"Your {where} has dtype {got.dtype} where {expected.dtype} was expected.")
    got = _broadcast_to_expected(expected, got, tolerance.broadcast, where)
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


def structure_of(value: object, dtypes: bool = True) -> object:
    """The structure of an output, as comparable plain data: tuple and list lengths, dict keys, and each
    tensor's shape (with `dtypes`, its dtype too, e.g. "tensor (3, 4) float32"); numbers by type."""
    if type(value) is torch.Tensor:
        return f"tensor {tuple(value.shape)} {str(value.dtype).removeprefix('torch.')}" if dtypes else list(value.shape)
    if type(value) in (tuple, list):
        return type(value)(structure_of(item, dtypes) for item in value)
    if type(value) is dict:
        return {key: structure_of(item, dtypes) for key, item in value.items()}
    if value is None:
        return None
    return describe(value) if isinstance(value, Unsupported) else type(value).__name__


def tensor_leaves(value: object, where: str = "output") -> Iterator[tuple[str, torch.Tensor]]:
    """(where, tensor) for each tensor in an output made of tuples, lists and dicts."""
    if type(value) is torch.Tensor:
        yield where, value
    elif type(value) in (tuple, list):
        for i, item in enumerate(value):
            yield from tensor_leaves(item, f"{where}[{i}]")
    elif type(value) is dict:
        for key, item in value.items():
            yield from tensor_leaves(item, f"{where}[{key!r}]")


def _first_failure(failed: torch.Tensor, values: torch.Tensor, where: str, rule: str, shape=None) -> None:
    if failed.any():
        first = int(failed.flatten().nonzero()[0])
        count = int(failed.sum())
        raise Mismatch(f"{where}: {rule}, but the element at index {_index(first, shape or values.shape)} is "
                       f"{values.flatten()[first].item():.6g} ({count} of {failed.numel()} elements fail)")


def check_predicates(value: object, predicates: tuple[Predicate, ...], tolerance: Tolerance = Tolerance()) -> None:
    """Raise Mismatch naming the first element that breaks one of `predicates` (see spec.PREDICATES)."""
    leaves = list(tensor_leaves(value))
    if predicates and not leaves:
        raise Mismatch(f"output: expected tensors to check ({', '.join(p.name for p in predicates)}), "
                       f"got {describe(value)}")
    for where, tensor in leaves:
        values = tensor.double()
        rtol, atol = tolerance.for_dtype(tensor.dtype)
        for predicate in predicates:
            name = predicate.name
            if name == "nonnegative":
                _first_failure(~(values >= 0), values, where, "every element must be nonnegative (>= 0)")
            elif name == "positive":
                _first_failure(~(values > 0), values, where, "every element must be positive (> 0)")
            elif name == "finite":
                _first_failure(~torch.isfinite(values), values, where, "every element must be finite")
            elif name == "in_range":
                low, high = predicate.low, predicate.high
                _first_failure(~((values >= low) & (values <= high)), values, where,
                               f"every element must lie in [{low:g}, {high:g}]")
            elif name == "sums_to_one":
                _check_sums_to_one(values, predicate.dim, rtol, atol, where)
            elif name == "symmetric":
                _check_symmetric(values, rtol, atol, where)


def _check_sums_to_one(values: torch.Tensor, dim: int, rtol: float, atol: float, where: str) -> None:
    if not -values.dim() <= dim < max(values.dim(), 1):
        raise Mismatch(f"{where}: must sum to one along dim {dim}, but it has {values.dim()} dimensions")
    sums = values.sum(dim=dim) if values.dim() else values
    # Rounding grows with the number of terms summed.
    allowed = (atol + rtol) * max(values.shape[dim] if values.dim() else 1, 1)
    _first_failure(~((sums - 1).abs() <= allowed), sums, where,
                   f"the sums along dim {dim} must be 1 (within {allowed:.3g}); sum at each index")


def _check_symmetric(values: torch.Tensor, rtol: float, atol: float, where: str) -> None:
    if values.dim() < 2 or values.shape[-1] != values.shape[-2]:
        raise Mismatch(f"{where}: must be a symmetric matrix (or a batch of them), but it has shape "
                       f"{tuple(values.shape)}")
    transposed = values.transpose(-1, -2)
    _first_failure(~((values - transposed).abs() <= atol + rtol * transposed.abs()), values, where,
                   "it must equal its transpose (the last two dimensions)")


def compare_distributions(expected: torch.Tensor, got: torch.Tensor, check: DistributionCheck, where: str = "draws") -> None:
    """Compare two samples (draws along dim 0) by their summary statistics, element by element.

    Statistics come from the draws themselves, never from the student's claims. A mean or standard
    deviation may differ by `z` standard errors (estimated from both samples, the fourth moment for
    the standard deviation's); against `expect` targets, by `z` of the student's own. A quantile p of
    the student's draws must sit at rank p among the reference's (within z * sqrt(2 p (1 - p) / n)),
    or equal the reference's quantile: a rank test that holds for any continuous distribution.
    """
    if got.shape != expected.shape or got.dtype != expected.dtype:
        raise Mismatch(f"{where}: expected {expected.shape[0]} draws of {describe(expected[0])}, got "
                       f"{describe(got)} (stacked along the first dimension)")
    n, z = expected.shape[0], check.z
    shape = expected.shape[1:]
    e, g = expected.double().reshape(n, -1), got.double().reshape(n, -1)
    if not torch.isfinite(g).all():
        _first_failure(~torch.isfinite(g).all(dim=0), g[0], where, "every draw must be finite", shape)
    _, atol = Tolerance().for_dtype(expected.dtype) if expected.is_floating_point() else (0.0, 1e-12)
    moments = {name: (_statistic(name, e), _statistic(name, g)) for name in check.statistics}
    for name, ((e_value, e_error), (g_value, g_error)) in moments.items():
        if name in check.expect:
            target, error, source = torch.full_like(g_value, float(check.expect[name])), g_error, "declared"
        else:
            target, error, source = e_value, (e_error ** 2 + g_error ** 2).sqrt(), "the reference's"
        allowed = z * error + atol
        failed = ~((g_value - target).abs() <= allowed)
        if failed.any():
            i = int(failed.nonzero()[0])
            raise Mismatch(f"{where}: the {_NAMES[name]} of the draws at index {_index(i, shape)} is "
                           f"{g_value[i].item():.6g}, expected {target[i].item():.6g} ({source}; up to "
                           f"{allowed[i].item():.3g} apart allowed: {z:g} standard errors over {n} draws)")
    e_sorted = e.sort(dim=0).values.T.contiguous()
    for p in check.quantiles:
        g_quantile, e_quantile = torch.quantile(g, p, dim=0), torch.quantile(e, p, dim=0)
        column = g_quantile.unsqueeze(1).contiguous()
        below = torch.searchsorted(e_sorted, column, right=False).squeeze(1)
        at_or_below = torch.searchsorted(e_sorted, column, right=True).squeeze(1)
        rank = (below + at_or_below).double() / (2 * n)
        allowed = z * math.sqrt(2 * p * (1 - p) / n) + 1 / n
        failed = ~(((rank - p).abs() <= allowed) | ((g_quantile - e_quantile).abs() <= atol))
        if failed.any():
            i = int(failed.nonzero()[0])
            raise Mismatch(f"{where}: the {p:g} quantile of the draws at index {_index(i, shape)} is "
                           f"{g_quantile[i].item():.6g}, where the reference's is {e_quantile[i].item():.6g}: it "
                           f"falls at the reference's {rank[i].item():.3g} quantile (up to {allowed:.3g} from "
                           f"{p:g} allowed over {n} draws)")


_NAMES = {"mean": "mean", "std": "standard deviation"}


def _statistic(name: str, sample: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """(value, standard error) of a statistic of each column of `sample`."""
    n = sample.shape[0]
    variance = sample.var(dim=0)
    if name == "mean":
        return sample.mean(dim=0), (variance / n).sqrt()
    std = variance.sqrt()
    fourth = ((sample - sample.mean(dim=0)) ** 4).mean(dim=0)
    # Var(s^2) ~ (m4 - s^4) / n, so se(s) ~ sqrt(m4 - s^4) / (2 s sqrt(n)); 0 for a constant column.
    # That first-order term vanishes for a symmetric two-valued draw (dropout): the second-order one,
    # from the sample mean's own error, is about s / 2n (times a chi-square), hence the floor of 2 s / n.
    error = ((fourth - variance ** 2).clamp(min=0) / n).sqrt() / (2 * std).clamp(min=1e-300) + 2 * std / n
    return std, torch.where(std > 0, error, torch.zeros_like(error))
