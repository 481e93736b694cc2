"""Medians, percentiles and distinct values without ``numpy.ma``.

numpy's `np.median` and `np.percentile` go through `np.unique`, and
`np.unique` asks ``numpy.ma`` whether its input is masked: the first call
imports ``numpy.ma``, about 7-10 ms of a command's start-up. These give
the same values (for percentiles: linear interpolation between the two
nearest ranks, computed as numpy computes it) through `np.partition` and
`np.sort`.
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
    """The median along ``axis``: the middle value, or the mean of the middle two."""
    values = np.asarray(values, np.float64)
    size = values.shape[axis]
    if size == 0:
        raise ValueError("median of an empty array")
    middle = sorted({(size - 1) // 2, size // 2})
    ordered = np.partition(values, middle, axis=axis)
    return np.take(ordered, middle, axis=axis).mean(axis=axis)


def distinct(values: np.ndarray) -> np.ndarray:
    """The sorted distinct values of ``values`` (flattened), as ``np.unique`` gives them."""
    ordered = np.sort(np.asarray(values).ravel())
    if ordered.size == 0:
        return ordered
    keep = np.empty(ordered.size, bool)
    keep[0] = True
    np.not_equal(ordered[1:], ordered[:-1], out=keep[1:])
    return ordered[keep]
