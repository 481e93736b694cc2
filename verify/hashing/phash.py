"""Perceptual hashes of frames: 64-bit pHash for matching, dHash alongside.

A hash is a value: ``str()`` gives 16 hex digits, `FrameHash.from_hex` reads
them back, and ``a - b`` is the Hamming distance (the number of differing
bits, 0..64), as with imagehash's own ``ImageHash``. We keep the bits in an
int so hashes store compactly in SQLite and compare with one XOR.

`phash` and `dhash` compute what imagehash's ``phash`` and ``dhash`` give,
bit for bit (tests/hashing check it against imagehash on real frames), in
numpy alone: Pillow's Lanczos reduction in its own fixed-point arithmetic
and pass order, then the DCT as a matrix product. Without the round trip
through a Pillow image and scipy's FFT, a frame's eight forms cost a tenth
of the time, and the matcher's start-up does not import scipy.
"""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Callable, Iterator, Sequence
from typing import TYPE_CHECKING

import numpy as np

from verify import numeric

if TYPE_CHECKING:
    import imagehash

HASH_BITS = 64


@dataclasses.dataclass(frozen=True, order=True)
class FrameHash:
    """A 64-bit perceptual hash."""

    value: int

    def __post_init__(self) -> None:
        if not 0 <= self.value < 1 << HASH_BITS:
            raise ValueError(f"a frame hash has {HASH_BITS} bits: {self.value!r}")

    @classmethod
    def from_hex(cls, text: str) -> FrameHash:
        if len(text) != HASH_BITS // 4:
            raise ValueError(f"expected {HASH_BITS // 4} hex digits, got {text!r}")
        return cls(int(text, 16))

    @classmethod
    def from_image_hash(cls, image_hash: imagehash.ImageHash) -> FrameHash:
        """From imagehash's own value (an 8x8 hash)."""
        bits = image_hash.hash.flatten()
        return cls(int("".join("1" if b else "0" for b in bits), 2))

    def __str__(self) -> str:
        return f"{self.value:016x}"

    def __sub__(self, other: FrameHash) -> int:
        return (self.value ^ other.value).bit_count()

    @property
    def signed(self) -> int:
        """The bits as a signed 64-bit integer, the form SQLite stores."""
        return self.value - (1 << HASH_BITS) if self.value >= 1 << (HASH_BITS - 1) else self.value

    @classmethod
    def from_signed(cls, number: int) -> FrameHash:
        return cls(number + (1 << HASH_BITS) if number < 0 else number)


# Pillow's 8-bit resampling keeps filter weights as integers of this many bits.
_PRECISION = 22


@functools.lru_cache(maxsize=1024)
def _fixed_weights(size: int, out: int) -> np.ndarray:
    """Pillow's Lanczos weights reducing a line of ``size`` pixels to ``out``, as
    its 8-bit path holds them (integers scaled by 2**22), in a float matrix (out x size).

    Products of such weights with 8-bit pixels, summed over a line, stay far
    below 2**53, so a float matrix product gives Pillow's integer sums exactly.
    All output pixels are computed at once; each one's kernel is summed over its
    own pixels in order, as one line alone would be (the same weights, to the
    bit, for every size up to 8192 and 8, 9 or 32 outputs).
    """
    scale = size / out
    stretch = max(scale, 1.0)
    support = 3.0 * stretch
    centres = (np.arange(out) + 0.5) * scale
    lows = np.maximum((centres - support + 0.5).astype(np.int64), 0)
    highs = np.minimum((centres + support + 0.5).astype(np.int64), size)
    lengths = highs - lows
    pixel = lows[:, None] + np.arange(int(lengths.max()))[None, :]  # (out, longest reach)
    inside = pixel < highs[:, None]
    t = (pixel - centres[:, None] + 0.5) * (1.0 / stretch)
    kernel = np.where(inside & (t >= -3.0) & (t < 3.0), np.sinc(t) * np.sinc(t / 3.0), 0.0)
    totals = np.empty(out)
    for length in numeric.distinct(lengths):  # rows that reach as far are summed together
        rows = np.flatnonzero(lengths == length)
        totals[rows] = kernel[rows, :length].sum(axis=1)
    kernel = np.divide(kernel, totals[:, None], out=kernel, where=totals[:, None] != 0.0)
    scaled = kernel * (1 << _PRECISION)
    rounded = np.trunc(np.where(scaled < 0, scaled - 0.5, scaled + 0.5))
    weights = np.zeros((out, size))
    rows = np.broadcast_to(np.arange(out)[:, None], pixel.shape)
    weights[rows[inside], pixel[inside]] = rounded[inside]
    return weights


def _to_8bit(sums: np.ndarray) -> np.ndarray:
    """Pillow's rounding of fixed-point sums back to 8-bit pixels."""
    return np.clip(np.floor((sums + (1 << (_PRECISION - 1))) / (1 << _PRECISION)), 0, 255)


def reduce_lanczos(grey: np.ndarray, width: int, height: int) -> np.ndarray:
    """``grey`` reduced to ``width`` x ``height`` as Pillow 13's ``Image.resize`` with
    ``LANCZOS`` does it (floats holding 8-bit values); a stack of images
    (..., rows, columns) is reduced image by image.

    Each pass rounds to 8 bits; Pillow 13 runs the vertical pass first when
    the image is tall enough for that to cost less (the rule below was read
    off its results), so the order matters for the last bit.
    """
    rows, columns = grey.shape[-2:]
    pixels = grey.astype(np.float64)
    if (rows, columns) == (height, width):
        return pixels
    if rows == height:
        return _to_8bit(_across(pixels, _fixed_weights(columns, width)))
    if columns == width:
        return _to_8bit(_down(pixels, _fixed_weights(rows, height)))
    if rows > height and rows - height > 2 * (columns - width):
        down = _to_8bit(_down(pixels, _fixed_weights(rows, height)))
        return _to_8bit(_across(down, _fixed_weights(columns, width)))
    across = _to_8bit(_across(pixels, _fixed_weights(columns, width)))
    return _to_8bit(_down(across, _fixed_weights(rows, height)))


def _across(pixels: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """Each row of every image times ``weights`` (out x columns): one matrix product."""
    *lead, rows, columns = pixels.shape
    return (pixels.reshape(-1, columns) @ weights.T).reshape(*lead, rows, weights.shape[0])


def _down(pixels: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """``weights`` (out x rows) times every image's columns: one matrix product."""
    if pixels.ndim == 2:
        return weights @ pixels
    count, rows, columns = pixels.shape
    side = pixels.transpose(1, 0, 2).reshape(rows, count * columns)
    return (weights @ side).reshape(-1, count, columns).transpose(1, 0, 2)


def _bits(mask: np.ndarray) -> np.ndarray:
    """Stacks of 64 booleans, first one the highest bit, as uint64 (imagehash's order)."""
    flat = mask.reshape(*mask.shape[:-2], HASH_BITS)
    return np.bitwise_or.reduce(np.where(flat, _BIT_VALUES, np.uint64(0)), axis=-1)


def phash_stack(greys: np.ndarray) -> np.ndarray:
    """pHashes (uint64) of a stack of same-sized grey images (n, rows, columns)."""
    return phash_of_cells(phash_cells(greys))


def phash_cells(greys: np.ndarray) -> np.ndarray:
    """The 32x32 reductions pHash takes the DCT of (a stack's, as floats of 8-bit values).

    Pillow's Lanczos weights read the same backwards (a line's first output
    pixel weighs its inputs as the last weighs them from the other end), and
    the sums are exact, so a mirrored image's cells are these cells mirrored,
    to the bit: ``phash_of_cells(cells[..., ::-1])`` is the mirror's pHash.
    """
    return reduce_lanczos(greys, _SIDE, _SIDE)


def phash_of_cells(cells: np.ndarray) -> np.ndarray:
    """pHashes (uint64) of a stack of `phash_cells`."""
    low = _DCT_LOW @ cells @ _DCT_LOW.T
    median = numeric.median(low.reshape(len(cells), -1), axis=1)[:, None, None]
    return _bits(low > median)


def dhash_stack(greys: np.ndarray) -> np.ndarray:
    """dHashes (uint64) of a stack of same-sized grey images (n, rows, columns)."""
    cells = reduce_lanczos(greys, 9, 8)
    return _bits(cells[..., 1:] > cells[..., :-1])


def phash(grey: np.ndarray) -> FrameHash:
    """pHash of a 2-D uint8 grey image: the signs, against their median, of the 8x8
    lowest DCT frequencies of its 32x32 Lanczos reduction (imagehash's ``phash``)."""
    return FrameHash(int(phash_stack(grey[None])[0]))


def distance_table(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Bits apart of every pair of hashes from two uint64 vectors (len(a) x len(b))."""
    return np.bitwise_count(np.bitwise_xor.outer(a, b)).astype(np.int16)


def distance_blocks(
    hashes: np.ndarray, known: np.ndarray, cells: int
) -> Iterator[tuple[int, np.ndarray]]:
    """Bits apart of every hash (flattened) from blocks of known hashes: (block start, table)."""
    flat = hashes.ravel()
    block = max(1, cells // max(1, flat.size))
    for start in range(0, known.size, block):
        yield start, distance_table(flat, known[start : start + block])


def nearest_hashes(
    hashes: np.ndarray, known: np.ndarray, cells: int
) -> tuple[np.ndarray, np.ndarray]:
    """Each hash's closest known hash: (bits apart, index), in the shape of ``hashes``,
    computed ``cells`` table cells at a time so that memory stays bounded."""
    best = np.full(hashes.size, 65, np.int16)
    where = np.zeros(hashes.size, np.int64)
    for start, bits in distance_blocks(hashes, known, cells):
        closest = bits.argmin(axis=1)
        distance = np.take_along_axis(bits, closest[:, None], axis=1)[:, 0]
        better = distance < best
        best[better], where[better] = distance[better], closest[better] + start
    return best.reshape(hashes.shape), where.reshape(hashes.shape)


# pHash's DCT-II basis for the 8 lowest frequencies over 32 samples.
_DCT_LOW = np.cos(np.pi * np.arange(8)[:, None] * (2 * np.arange(32)[None, :] + 1) / 64)
_BIT_VALUES = np.left_shift(np.uint64(1), np.arange(HASH_BITS - 1, -1, -1, dtype=np.uint64))
_SIDE = 32  # pHash reduces an image to 32x32 before its DCT


# Each window span's reduction, by (start, end, size): its Lanczos weights
# (`_lanczos_bands`), and those folded with the DCT (`_lanczos_lows`).
_BANDS: dict[tuple[float, float, int], tuple[slice, np.ndarray]] = {}
_LOWS: dict[tuple[float, float, int], tuple[slice, np.ndarray]] = {}
_KEPT = 1024  # spans each store keeps at most (a query meets a few hundred): under 40 MB
_AT_ONCE = 64  # spans whose weights are computed together (a few MB at a time)


def _weights(spans: Sequence[tuple[float, float]], size: int) -> list[tuple[slice, np.ndarray]]:
    """For each span (start, end) of a line of ``size`` pixels: the pixels its 32-pixel
    reduction reads (a slice) and its weights over them (32 x those pixels).

    The reduction is Pillow's Lanczos (its kernel, support and normalisation,
    as ``Image.resize(..., box=...)`` weighs a line); spans are computed
    together, as one array each step.
    """
    out = []
    for first in range(0, len(spans), _AT_ONCE):
        chunk = spans[first : first + _AT_ONCE]
        start, end = np.array(chunk, np.float64).T
        scale = (end - start) / _SIDE
        stretch = np.maximum(scale, 1.0)[:, None, None]
        support = 3.0 * stretch[:, :, 0]
        centre = start[:, None] + (np.arange(_SIDE) + 0.5) * scale[:, None]  # (spans, 32)
        low = np.maximum((centre - support + 0.5).astype(np.int64), 0)[..., None]
        high = np.minimum((centre + support + 0.5).astype(np.int64), size)[..., None]
        pixel = np.arange(size)
        t = (pixel - centre[..., None] + 0.5) / stretch  # (spans, 32, size)
        inside = (pixel >= low) & (pixel < high) & (np.abs(t) < 3.0)
        kernel = np.zeros_like(t)
        near = t[inside]  # a sixth of the line or less: the sines cost the most
        kernel[inside] = np.sinc(near) * np.sinc(near / 3.0)
        total = kernel.sum(axis=2, keepdims=True)
        weights = np.divide(kernel, total, out=np.zeros_like(kernel), where=total != 0)
        for line in weights:
            used = np.flatnonzero(line.any(axis=0))
            band = slice(int(used[0]), int(used[-1]) + 1) if used.size else slice(0, size)
            out.append((band, np.ascontiguousarray(line[:, band])))
    return out


def _stored(
    store: dict[tuple[float, float, int], tuple[slice, np.ndarray]],
    spans: Sequence[tuple[float, float]],
    size: int,
    make: Callable[[list[tuple[float, float]]], list[tuple[slice, np.ndarray]]],
) -> list[tuple[slice, np.ndarray]]:
    """``make``'s value for each span, those not in ``store`` made together and kept
    (the store is emptied first when it would hold more than `_KEPT`)."""
    wanted = list(dict.fromkeys(spans))
    missing = [span for span in wanted if (*span, size) not in store]
    if len(store) + len(missing) > _KEPT:
        store.clear()
        missing = wanted
    if missing:
        store.update(zip(((*span, size) for span in missing), make(missing), strict=True))
    return [store[(*span, size)] for span in spans]


def _lanczos_bands(
    spans: Sequence[tuple[float, float]], size: int
) -> list[tuple[slice, np.ndarray]]:
    """`_weights` of each span, kept for the next call."""
    return _stored(_BANDS, spans, size, lambda missing: _weights(missing, size))


def _lanczos_lows(
    spans: Sequence[tuple[float, float]], size: int
) -> list[tuple[slice, np.ndarray]]:
    """For each span: the pixels its reduction reads and a (those pixels x 8) matrix
    that gives the 8 lowest DCT frequencies of its 32-pixel reduction in one product."""

    def folded(missing: list[tuple[float, float]]) -> list[tuple[slice, np.ndarray]]:
        return [
            (band, np.ascontiguousarray((_DCT_LOW @ weights).T))
            for band, weights in _weights(missing, size)
        ]

    return _stored(_LOWS, spans, size, folded)


def phash_windows(grey: np.ndarray, boxes: np.ndarray, *, exact: bool = True) -> np.ndarray:
    """pHashes of windows of a grey image, as uint64 values.

    ``boxes`` holds (left, top, right, bottom) rows in pixels, fractions
    allowed. Each window is reduced to 32x32 as `phash` reduces a whole
    image (Pillow's Lanczos, each pass rounded to 8 bits), as matrix
    products so that many windows cost little; a window on whole pixels gets
    the hash `phash` gives that crop to within a bit or two (the filter reads
    the pixels just outside a box; a crop has none).

    ``exact=False`` folds each direction's reduction and pHash's DCT into one
    matrix and skips the roundings between the passes, at a third of the
    cost: on the real-footage bench's frames such a hash lies 0.64 bits from
    the crop's pHash on average, against 0.44 with the roundings. A search
    over many windows uses it; a window it then settles on is measured
    exactly (see `verify.matching.panels` and `verify.matching.reframe`).
    """
    return phash_windows_stack(grey[None], boxes, exact=exact)[0]


def phash_windows_stack(greys: np.ndarray, boxes: np.ndarray, *, exact: bool = True) -> np.ndarray:
    """`phash_windows` of each image of a stack (images, rows, columns): (images, boxes).

    The images share each span's weights, and windows their spans: a stack
    costs one product per distinct horizontal span, over only the rows its
    windows' vertical spans read, then one per distinct vertical span for all
    the windows on it; the DCT of every window is two products.
    """
    count, height, width = greys.shape
    boxes = np.asarray(boxes, np.float64).reshape(-1, 4)
    boxes = np.clip(boxes, 0.0, [width, height, width, height])
    pixels = np.asarray(greys, np.float64)  # a caller hashing one stack often converts it once
    down: dict[tuple[float, float], list[tuple[int, tuple[float, float]]]] = {}
    for i, (left, top, right, bottom) in enumerate(boxes.tolist()):
        down.setdefault((top, bottom), []).append((i, (left, right)))
    lines = _lanczos_bands if exact else _lanczos_lows
    down_lines = lines(list(down), height)
    reach: dict[tuple[float, float], tuple[int, int]] = {}  # per horizontal span: rows read
    for members, (band, _weights) in zip(down.values(), down_lines, strict=True):
        for _, span in members:
            first, stop = reach.get(span, (band.start, band.stop))
            reach[span] = (min(first, band.start), max(stop, band.stop))
    spans = list(reach)
    across = {}  # per horizontal span: its first row, and (images, rows, 32) reduced or 8 folded
    for span, (band, weights) in zip(spans, lines(spans, width), strict=True):
        first, stop = reach[span]
        reduced = pixels[:, first:stop, band] @ (weights.T if exact else weights)
        across[span] = (first, _round_8bit(reduced) if exact else reduced)
    order: list[int] = []  # the windows in the order the vertical products give them
    parts = []
    side = _SIDE if exact else 8
    for (_span, members), (band, weights) in zip(down.items(), down_lines, strict=True):
        # All windows of a vertical span at once; only the rows its band reads are
        # copied side by side.
        side_by_side = np.concatenate(
            [rows[:, band.start - first : band.stop - first]
             for first, rows in (across[span] for _, span in members)], axis=2,
        )  # fmt: skip
        reduced = (weights if exact else weights.T) @ side_by_side  # (images, side, side k)
        parts.append(reduced.reshape(count, side, len(members), side))
        order += [i for i, _ in members]
    windows = np.concatenate(parts, axis=2)  # (images, side, windows, side)
    if exact:  # the DCT's 8 lowest frequencies: across every window's rows, then down
        halfway = _round_8bit(windows).reshape(-1, _SIDE) @ _DCT_LOW.T
        low = np.tensordot(_DCT_LOW, halfway.reshape(count, _SIDE, len(boxes), 8), axes=(1, 1))
        low = low.transpose(1, 2, 0, 3)  # (images, windows, 8, 8)
    else:
        low = windows.swapaxes(1, 2)
    low = low.reshape(count, len(boxes), HASH_BITS)
    bits = low > numeric.median(low, axis=2)[..., None]
    hashes = np.bitwise_or.reduce(np.where(bits, _BIT_VALUES, np.uint64(0)), axis=2)
    return hashes[:, np.argsort(order)]  # back in the order of ``boxes``


def _round_8bit(values: np.ndarray) -> np.ndarray:
    """``values`` rounded half up and clipped to 0..255, as Pillow stores a pass; in place."""
    np.add(values, 0.5, out=values)
    np.floor(values, out=values)
    return np.clip(values, 0, 255, out=values)


def dhash(grey: np.ndarray) -> FrameHash:
    """dHash of a grey image: whether each pixel of its 9x8 Lanczos reduction is
    brighter than its left neighbour (imagehash's ``dhash``)."""
    return FrameHash(int(dhash_stack(grey[None])[0]))


def centre_crop(grey: np.ndarray, fraction: float) -> np.ndarray:
    """The central ``fraction`` of an image (or of each of a stack) in both dimensions."""
    height, width = grey.shape[-2:]
    keep_h, keep_w = max(1, round(height * fraction)), max(1, round(width * fraction))
    top, left = (height - keep_h) // 2, (width - keep_w) // 2
    return grey[..., top : top + keep_h, left : left + keep_w]
