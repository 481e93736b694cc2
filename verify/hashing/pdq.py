"""PDQ: the 256-bit perceptual hash that hash-sharing programmes exchange.

Meta published PDQ (with TMK+PDQF and vPDQ for video) so that platforms and
NGOs can swap lists of known violent footage by hash. This module computes
it from the published algorithm, in numpy:

1. luma from RGB (0.299, 0.587, 0.114), as floats;
2. two passes of a box filter along the rows and then the columns (the
   "Jarosz" filter: two box passes make a tent), each box about the width of
   one of 64 output cells, shrinking at the edges;
3. one sample from the middle of each of the 64 x 64 cells;
4. a quality from that 64 x 64 picture's gradients (0-100: how much detail
   the hash rests on; shared lists drop frames under 50);
5. the lowest 16 x 16 DCT coefficients, skipping the DC row and column;
6. one bit per coefficient: above the median of the 256 or not.

`PdqHash` keeps the bits as an int whose hex form is the one Meta's tools
print (64 hex digits); ``a - b`` is the Hamming distance (0..256). Like the
reference, the filter works in single precision (its sums in another order,
which can move a coefficient sitting on the median by a hair; tests compare
with Meta's C++ through the ``pdqhash`` package).
"""

from __future__ import annotations

import dataclasses
import functools
import re
from collections.abc import Mapping
from typing import Any

import numpy as np

PDQ_BITS = 256
CELLS = 64  # the filtered picture is sampled to 64 x 64 ...
COEFFICIENTS = 16  # ... and its 16 x 16 lowest frequencies make the hash
# Luma weights (ITU-R BT.601), as the reference converts RGB.
LUMA = np.array([0.299, 0.587, 0.114])
_HEX_RE = re.compile(f"[0-9a-f]{{{PDQ_BITS // 4}}}")


@dataclasses.dataclass(frozen=True, order=True)
class PdqHash:
    """A 256-bit PDQ hash with the quality (0-100) of the picture it came from."""

    value: int
    quality: int = 100

    def __post_init__(self) -> None:
        if not 0 <= self.value < 1 << PDQ_BITS:
            raise ValueError(f"a PDQ hash has {PDQ_BITS} bits: {self.value!r}")
        if not 0 <= self.quality <= 100:
            raise ValueError(f"a PDQ quality is 0-100: {self.quality!r}")

    def __str__(self) -> str:
        return f"{self.value:064x}"

    def __sub__(self, other: PdqHash) -> int:
        return (self.value ^ other.value).bit_count()

    def to_dict(self) -> dict[str, Any]:
        """``{"hash": 64 hex digits, "quality": 0-100}``, as JSON outputs hold it."""
        return {"hash": str(self), "quality": self.quality}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> PdqHash:
        return cls.from_hex(data["hash"], int(data["quality"]))

    @classmethod
    def from_hex(cls, text: str, quality: int = 100) -> PdqHash:
        """Read 64 hex digits (as Meta's tools and hash lists write them)."""
        cleaned = text.strip().lower()
        if not _HEX_RE.fullmatch(cleaned):
            raise ValueError(f"a PDQ hash is {PDQ_BITS // 4} hex digits: {text[:80]!r}")
        return cls(int(cleaned, 16), quality)


def window_size(length: int) -> int:
    """The box width along a side of ``length`` pixels (the reference's rounding)."""
    return (length + 2 * CELLS - 1) // (2 * CELLS)


def _window(length: int, width: int) -> tuple[np.ndarray, np.ndarray]:
    """Each output's box ``[lo, hi)`` along a side of ``length``, cut short at the edges.

    Output ``k`` averages inputs ``k - (width - half) .. k + half - 1`` that exist,
    ``half = (width + 2) // 2``: the reference's window, which leans one pixel
    forward for even widths.
    """
    half = (width + 2) // 2
    k = np.arange(length)
    return np.clip(k - (width - half), 0, length), np.clip(k + half, 0, length)


@functools.lru_cache(maxsize=64)
def _filter_matrix(length: int) -> np.ndarray:
    """64 x ``length``: both box passes along a side and the sampling of the 64 cells,
    as one linear map (each cell's weights over the side's pixels)."""
    width = window_size(length)
    lo, hi = _window(length, width)
    picks = ((np.arange(CELLS) + 0.5) * length / CELLS).astype(int)
    weights = np.zeros((CELLS, length))
    for cell, pick in enumerate(picks):
        for inner in range(lo[pick], hi[pick]):  # the second pass averages first-pass boxes
            weights[cell, lo[inner] : hi[inner]] += 1.0 / (hi[inner] - lo[inner])
        weights[cell] /= hi[pick] - lo[pick]
    weights.flags.writeable = False
    return weights.astype(np.float32)


@functools.cache
def _dct_matrix() -> np.ndarray:
    """16 x 64: rows 1..16 of the orthonormal DCT-II basis (row 0, the mean, is skipped)."""
    i = np.arange(1, COEFFICIENTS + 1)[:, None]
    j = np.arange(CELLS)[None, :]
    return np.sqrt(2.0 / CELLS) * np.cos(np.pi / 2 / CELLS * i * (2 * j + 1))


def luma(picture: np.ndarray) -> np.ndarray:
    """Single-precision luma (as the reference's) of an RGB (H x W x 3, uint8) or grey
    (H x W) picture."""
    if picture.ndim == 3:
        return picture[..., :3].astype(np.float32) @ LUMA.astype(np.float32)
    if picture.ndim == 2:
        return picture.astype(np.float32)
    raise ValueError(f"a picture is H x W or H x W x 3, not {picture.shape}")


def cells(grey: np.ndarray) -> np.ndarray:
    """The 64 x 64 picture PDQ hashes: filtered, then one sample per cell (of one grey
    picture, rows x columns, or of a stack of same-sized ones, n x rows x columns).

    Filter and sampling are linear, so each side's is one 64-row matrix
    (`_filter_matrix`) and the cells are two single-precision matrix products.
    """
    rows, cols = grey.shape[-2:]
    if rows < 1 or cols < 1:
        raise ValueError("an empty picture has no PDQ hash")
    return _filter_matrix(rows) @ grey.astype(np.float32) @ _filter_matrix(cols).T


def quality(grid: np.ndarray) -> int:
    """0-100 from the 64 x 64 picture's summed neighbour differences (in percent of full
    scale, each truncated as the reference truncates), a flat picture 0."""
    return int(_qualities(grid[None])[0])


def _qualities(grids: np.ndarray) -> np.ndarray:
    """`quality` of each of a stack of 64 x 64 pictures."""
    down = np.trunc((grids[:, :-1, :] - grids[:, 1:, :]) * 100 / 255)
    across = np.trunc((grids[:, :, :-1] - grids[:, :, 1:]) * 100 / 255)
    total = np.abs(down).sum(axis=(1, 2)) + np.abs(across).sum(axis=(1, 2))
    return np.minimum(100, total.astype(np.int64) // 90)


def pdq_hash(picture: np.ndarray) -> PdqHash:
    """The PDQ hash of one picture (RGB or grey, any size, uint8)."""
    return _hashes(cells(luma(picture))[None])[0]


def pdq_stack(greys: np.ndarray) -> list[PdqHash]:
    """`pdq_hash` of each of a stack of same-sized grey pictures (n x rows x columns,
    uint8), filtered together: a frame's PDQ form (`verify.hashing.forms`)."""
    if greys.ndim != 3:
        raise ValueError(f"a stack of grey pictures is n x H x W, not {greys.shape}")
    if not greys.shape[0]:
        return []
    return _hashes(cells(greys))


def _hashes(grids: np.ndarray) -> list[PdqHash]:
    """The hashes of a stack of 64 x 64 filtered pictures."""
    dct = _dct_matrix()
    coefficients = dct @ grids.astype(np.float64) @ dct.T  # n x 16 x 16
    flat = coefficients.reshape(len(grids), -1)
    # The lower median of each hash's 256, as the reference takes it.
    median = np.sort(flat, axis=1)[:, flat.shape[1] // 2 - 1]
    bits = flat > median[:, None]
    # Bit k (row-major over the 16 x 16) is bit k of the value: the reference's
    # sixteen 16-bit words, printed most significant word first.
    packed = np.packbits(bits[:, ::-1], axis=1)
    return [
        PdqHash(int.from_bytes(row.tobytes(), "big"), int(level))
        for row, level in zip(packed, _qualities(grids), strict=True)
    ]
