"""A band across the clip's picture: large text over a dark strip, filled in before matching.

Re-uploads write over footage: a warning or a caption in large capitals on a
dark strip across the middle. On plain footage (a night camera, a wall) that
strip is most of what the whole picture's hashes see, and they move by 16-18
bits. The strip's top and bottom are straight steps across the whole width,
at the same rows in every picture (`find_band`); the rows between are
filled in from the rows above and below (`fill_band`), and the clip is
matched again (`verify.matching.match`).
"""

from __future__ import annotations

import collections
import dataclasses
from collections.abc import Sequence

import numpy as np

from verify.config import MATCH, MatchConfig


@dataclasses.dataclass(frozen=True)
class Band:
    """Rows ``first``..``last`` (inclusive) across pictures of ``shape`` (rows, columns)."""

    first: int
    last: int
    shape: tuple[int, int]

    def to_dict(self) -> dict[str, float]:
        """Where the band lies, as fractions of the picture's height."""
        rows = self.shape[0]
        return {
            "y": round(self.first / rows, 4),
            "height": round((self.last + 1 - self.first) / rows, 4),
        }


def find_band(pictures: Sequence[np.ndarray], config: MatchConfig = MATCH) -> Band | None:
    """The tallest band across the pictures of the clip's most common size, if any.

    A band's top and bottom are steps of ``band_step`` grey levels or more, one
    darker and one lighter, across ``band_span`` of the width, at the same
    rows in ``band_persistence`` of the pictures (at most
    ``rate_fit_frames``, evenly spread, are read); its height and place are
    bounded (``band_min_height`` and after). A horizon steps one way only and
    moves with the camera; bars touch the picture's edges.
    """
    if not pictures:
        return None
    shape = collections.Counter(p.shape for p in pictures).most_common(1)[0][0]
    same = [p for p in pictures if p.shape == shape]
    if len(same) < 2 or len(shape) != 2:
        return None
    picked = np.linspace(0, len(same) - 1, min(len(same), config.band_pictures)).astype(int)
    stack = np.stack([same[i] for i in picked]).astype(np.float32)
    step = stack[:, 1:, :] - stack[:, :-1, :]  # step[:, y]: row y + 1 less row y
    darker = ((step < -config.band_step).mean(axis=2) >= config.band_span).mean(axis=0)
    lighter = ((step > config.band_step).mean(axis=2) >= config.band_span).mean(axis=0)
    rows = shape[0]
    lowest, highest = config.band_edge_margin * rows, (1 - config.band_edge_margin) * rows
    persistent = config.band_persistence
    best: Band | None = None
    for top in np.flatnonzero(np.maximum(darker, lighter) >= persistent):
        other = lighter if darker[top] >= persistent else darker
        for bottom in np.flatnonzero(other >= persistent):
            first, last = int(top) + 1, int(bottom)
            height = last + 1 - first
            if not config.band_min_height * rows <= height <= config.band_max_height * rows:
                continue
            if first < lowest or last >= highest:
                continue
            if best is None or height > best.last + 1 - best.first:
                best = Band(first, last, (rows, shape[1]))
    return best


def fill_band(pictures: np.ndarray, band: Band, beyond: int) -> np.ndarray:
    """``pictures`` (n, rows, columns) with the band's rows, and ``beyond`` more on each
    side, blended from the row above them to the row below."""
    first, last = band.first - beyond, band.last + beyond
    above, below = (
        pictures[:, first - 1].astype(np.float32),
        pictures[:, last + 1].astype(np.float32),
    )
    count = last + 1 - first
    weight = (np.arange(1, count + 1, dtype=np.float32) / (count + 1))[None, :, None]
    filled = pictures.copy()
    blend = (1 - weight) * above[:, None, :] + weight * below[:, None, :]
    filled[:, first : last + 1] = np.clip(np.rint(blend), 0, 255).astype(pictures.dtype)
    return filled
