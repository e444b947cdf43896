"""Percentiles for the figures the benches print and the admins' queue page shows."""


def percentile(values, p):
    """The nearest-rank p-th percentile of `values`, or None when there are none."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))] if ordered else None
