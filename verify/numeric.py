"""Medians and percentiles through `np.partition`.

The same values as numpy's (linear interpolation between the two nearest
ranks, computed as numpy computes it), without numpy's path through
`np.unique`, whose first call imports ``numpy.ma``: about 10 ms of every
command's start-up for one median.
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
