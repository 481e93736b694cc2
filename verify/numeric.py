"""Medians, percentiles and distinct values without ``numpy.ma``.

The first call of numpy's `np.median` or `np.percentile` (through their
NaN checks) or of `np.unique` (which asks whether its input is masked)
imports ``numpy.ma``: about 7-10 ms of a command's start-up. These give the
same values (for percentiles: linear interpolation between the two nearest
ranks, computed as numpy computes it) through `np.partition` and `np.sort`,
for values without NaN (hashes, times, levels).
"""

from __future__ import annotations

import numpy as np


def percentile(values: np.ndarray, q: float, axis: int = -1) -> np.ndarray:
    """The ``q``-th percentile (0-100) along ``axis``, as ``np.percentile`` gives it."""
    values = np.asarray(values, np.float64)
    size = values.shape[axis]
    if size == 0:
        raise ValueError("percentile of an empty array")
    rank = q / 100.0 * (size - 1)
    low = int(np.floor(rank))
    high = min(low + 1, size - 1)
    ordered = np.partition(values, sorted({low, high}), axis=axis)
    below = np.take(ordered, low, axis=axis)
    above = np.take(ordered, high, axis=axis)
    step = rank - low
    # numpy's interpolation: from the lower rank below half way, else from the upper.
    if step >= 0.5:
        return above - (above - below) * (1.0 - step)
    return below + (above - below) * step


def median(values: np.ndarray, axis: int = -1) -> np.ndarray:
    """The median along ``axis``: the middle value, or the mean of the middle two
    (in the values' own floating type, as numpy's; other types as float64)."""
    values = np.asarray(values)
    if values.dtype.kind != "f":
        values = values.astype(np.float64)
    size = values.shape[axis]
    if size == 0:
        raise ValueError("median of an empty array")
    middle = sorted({(size - 1) // 2, size // 2})
    ordered = np.partition(values, middle, axis=axis)
    return np.take(ordered, middle, axis=axis).mean(axis=axis)


def distinct(values: np.ndarray) -> np.ndarray:
    """The sorted distinct values of ``values`` (flattened), as ``np.unique`` gives them
    (for values without NaN: each NaN here stays, where ``np.unique`` keeps one)."""
    ordered = np.sort(np.asarray(values).ravel())
    if ordered.size == 0:
        return ordered
    keep = np.empty(ordered.size, bool)
    keep[0] = True
    np.not_equal(ordered[1:], ordered[:-1], out=keep[1:])
    return ordered[keep]
