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
import itertools
from collections.abc import Sequence

import numpy as np

from verify.config import MATCH, MatchConfig


@dataclasses.dataclass(frozen=True)
class Band:
    """Rows ``first``..``last`` (inclusive) across pictures of ``shape`` (rows, columns)."""

    first: int
    last: int
    shape: tuple[int, int]

    @property
    def height(self) -> int:
        return self.last + 1 - self.first

    def to_dict(self) -> dict[str, float]:
        """Where the band lies, as fractions of the picture's height."""
        rows = self.shape[0]
        return {"y": round(self.first / rows, 4), "height": round(self.height / rows, 4)}


def find_band(pictures: Sequence[np.ndarray], config: MatchConfig = MATCH) -> Band | None:
    """The band across the pictures of the clip's most common size, if any.

    A band's top and bottom are steps of ``band_step`` grey levels or more
    across ``band_span`` of the width, at the same rows in
    ``band_persistence`` of the pictures (at most ``band_pictures``, evenly
    spread, are read): a step darker and the next step lighter (a dark
    strip), or the other way round (a light one, taken only where no dark
    one is found, as the footage between two dark strips looks like one).
    Its height and place are bounded (``band_min_height`` and after), and
    it leaves ``band_fill_rows`` and one more row on either side to fill it
    from. Of several, the tallest is taken. A horizon steps one way only and
    moves with the camera; bars touch the picture's edges.
    """
    if not pictures:
        return None
    shape = collections.Counter(p.shape for p in pictures).most_common(1)[0][0]
    same = [p for p in pictures if p.shape == shape]
    if len(same) < 2 or len(shape) != 2 or shape[0] < 3:
        return None
    picked = np.linspace(0, len(same) - 1, min(len(same), config.band_pictures)).astype(int)
    stack = np.stack([same[i] for i in picked]).astype(np.float32)
    step = stack[:, 1:, :] - stack[:, :-1, :]  # step[:, y]: row y + 1 less row y
    persistent = config.band_persistence
    darker = ((step < -config.band_step).mean(axis=2) >= config.band_span).mean(axis=0)
    lighter = ((step > config.band_step).mean(axis=2) >= config.band_span).mean(axis=0)
    # Each edge: a run of neighbouring steps one way (a step blurs over a row or two).
    edges: list[tuple[int, int, bool]] = []  # first step, last step, darker
    for index in np.flatnonzero(np.maximum(darker, lighter) >= persistent).tolist():
        dark = bool(darker[index] >= persistent)
        if edges and edges[-1][1] == index - 1 and edges[-1][2] == dark:
            edges[-1] = (edges[-1][0], index, dark)
        else:
            edges.append((index, index, dark))
    rows = shape[0]
    room = config.band_fill_rows + 1  # rows the fill reads beyond the band, on either side
    lowest = max(config.band_edge_margin * rows, room)
    highest = min((1 - config.band_edge_margin) * rows, rows - room)
    found: dict[bool, Band] = {}
    for (top, _, dark), (_, bottom, other) in itertools.pairwise(edges):
        band = Band(top + 1, bottom, (rows, shape[1]))
        if (
            other != dark
            and config.band_min_height * rows <= band.height <= config.band_max_height * rows
            and band.first >= lowest
            and band.last < highest
            and (dark not in found or band.height > found[dark].height)
        ):
            found[dark] = band
    return found.get(True, found.get(False))


def fill_band(pictures: np.ndarray, band: Band, beyond: int) -> np.ndarray:
    """``pictures`` (n, rows, columns) with the band's rows, and ``beyond`` more on each
    side, blended from the row above them to the row below (a new array)."""
    first, last = band.first - beyond, band.last + beyond
    above = pictures[:, first - 1].astype(np.float32)
    below = pictures[:, last + 1].astype(np.float32)
    count = last + 1 - first
    weight = (np.arange(1, count + 1, dtype=np.float32) / (count + 1))[None, :, None]
    filled = pictures.copy()
    blend = (1 - weight) * above[:, None, :] + weight * below[:, None, :]
    filled[:, first : last + 1] = np.clip(np.rint(blend), 0, 255).astype(pictures.dtype)
    return filled
