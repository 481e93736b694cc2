"""Make frames of different copies comparable before hashing.

Copies of footage gain black or blurred bars (letterbox, pillarbox, a
vertical phone video inside a 16:9 frame with a blurred copy behind it) and
fades to black. Bars are detected once per video from all sampled frames and
cropped away; near-uniform frames are marked so matching ignores them.
Display rotation is applied earlier, by ffmpeg while decoding.
"""

from __future__ import annotations

import dataclasses
import itertools
from collections.abc import Sequence

import cv2
import numpy as np

from verify import numeric
from verify.config import HASH, HashConfig


@dataclasses.dataclass(frozen=True)
class CropBox:
    """The picture area in working-frame pixels: x, y, width, height."""

    x: int
    y: int
    width: int
    height: int

    def apply(self, frame: np.ndarray) -> np.ndarray:
        return frame[self.y : self.y + self.height, self.x : self.x + self.width]

    def apply_all(self, frames: np.ndarray) -> np.ndarray:
        """The box of every frame of a stack (n, rows, columns)."""
        return frames[:, self.y : self.y + self.height, self.x : self.x + self.width]

    def within(self, outer: CropBox) -> CropBox | None:
        """This box in the coordinates of ``outer``, cut to it (None if they do not meet)."""
        x0, y0 = max(self.x, outer.x), max(self.y, outer.y)
        x1 = min(self.x + self.width, outer.x + outer.width)
        y1 = min(self.y + self.height, outer.y + outer.height)
        if x1 <= x0 or y1 <= y0:
            return None
        return CropBox(x0 - outer.x, y0 - outer.y, x1 - x0, y1 - y0)

    def contains(self, other: CropBox, slack: int = 2) -> bool:
        """True when ``other`` lies inside this box (give or take ``slack`` pixels)."""
        return (
            other.x >= self.x - slack
            and other.y >= self.y - slack
            and other.x + other.width <= self.x + self.width + slack
            and other.y + other.height <= self.y + self.height + slack
        )

    def relative(self, frame_width: int, frame_height: int) -> dict[str, float]:
        """The box as fractions of the frame, comparable across resolutions."""
        return {
            "x": round(self.x / frame_width, 4),
            "y": round(self.y / frame_height, 4),
            "width": round(self.width / frame_width, 4),
            "height": round(self.height / frame_height, 4),
        }


def detail_map(frame: np.ndarray) -> np.ndarray:
    """Absolute Laplacian: fine detail, near zero on flat or blurred areas."""
    return np.abs(_laplacian(frame.astype(np.float32)))


def _laplacian(pixels: np.ndarray) -> np.ndarray:
    """The 3x3 Laplacian of 8-bit or float32 pixels, as float32 (exact for 8-bit ones)."""
    return cv2.Laplacian(pixels, cv2.CV_32F, ksize=3)


def detect_bars(frames: Sequence[np.ndarray], config: HashConfig = HASH) -> CropBox:
    """The area inside black or blurred bars, judged over all ``frames``.

    Bars are rows or columns at the edges whose detail stays far below the
    picture's over every frame: black bars have none, blurred bars very
    little. A row's detail is measured along the row only (and a column's
    along the column), so the sharp edge where picture meets bar does not
    leak into the bar. Both sides of an axis are cropped only if what remains
    is still a plausible picture. Bars are dark, or vary along their length
    as a blurred copy of the picture does: flat bright or coloured bands (a
    title band, the page of a text slide) are graphics, part of the picture.
    """
    if not frames:
        return CropBox(0, 0, 0, 0)
    return BarProfile.of(frames).crop(config)


# Frames stacked at a time by BarProfile.of: 64 frames of 160x90 take under 8 MB.
_BAR_CHUNK = 64


@dataclasses.dataclass(frozen=True)
class FrameRows:
    """What `BarProfile` sums, frame by frame: for each row (``rows``) and each column
    (``columns``) of each frame, its detail (mean step to the next pixel along it),
    sharpest step, brightness and spread, as four (frames x size) arrays.

    Each frame's values depend on that frame alone, so they can be measured as
    frames arrive (`join` puts the pieces together) and summed per shot later.
    """

    rows: tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]
    columns: tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]

    @classmethod
    def of(cls, stack: np.ndarray) -> FrameRows:
        """The rows of a stack of frames (frames, height, width).

        Sums of 8-bit values and of their squares are exact in floats, so each
        line's mean is numpy's to the bit and its spread comes from the two
        sums in one pass (within 1e-13 of numpy's two-pass ``std``, at less than
        half the cost: the bars are measured on every frame hashed).
        """
        signed = stack.astype(np.int16)
        pixels = stack.astype(np.float64)

        def along(axis: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
            count = stack.shape[axis]
            steps = np.abs(np.diff(signed, axis=axis))
            level = pixels.sum(axis=axis) / count
            squares = np.einsum("fij,fij->fi" if axis == 2 else "fij,fij->fj", pixels, pixels)
            spread = np.sqrt(np.maximum(squares / count - level * level, 0.0))
            detail = steps.sum(axis=axis, dtype=np.int32) / (count - 1)
            return detail, steps.max(axis=axis), level, spread

        return cls(along(2), along(1))

    @classmethod
    def join(cls, pieces: Sequence[FrameRows]) -> FrameRows:
        """Pieces measured one after another, as one."""

        def joined(side: str) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
            parts = [getattr(p, side) for p in pieces]
            detail, step, level, spread = (np.concatenate([p[i] for p in parts]) for i in range(4))
            return detail, step, level, spread

        return cls(joined("rows"), joined("columns"))


@dataclasses.dataclass
class BarProfile:
    """What `detect_bars` judges, summed over frames: profiles of rows and columns.

    Sums add up, so a video's profile is the sum of its shots' (`+`).
    """

    rows: _Profile
    columns: _Profile

    @classmethod
    def of(cls, frames: Sequence[np.ndarray]) -> BarProfile:
        """The profile of ``frames`` (at least one, all one size)."""
        measured = FrameRows.join([  # a stack at a time, in bounded memory
            FrameRows.of(np.stack(frames[start : start + _BAR_CHUNK]))
            for start in range(0, len(frames), _BAR_CHUNK)
        ])  # fmt: skip
        return cls.of_rows(measured, 0, len(frames))

    @classmethod
    def of_rows(cls, measured: FrameRows, first: int, end: int) -> BarProfile:
        """`of` the frames ``first``..``end`` whose rows ``measured`` holds: the same sums,
        in the same order, without the pixels."""
        rows, columns = _Profile(measured.rows[0].shape[1]), _Profile(measured.columns[0].shape[1])
        for start in range(first, end, _BAR_CHUNK):
            stop = min(start + _BAR_CHUNK, end)
            rows.add(*(part[start:stop] for part in measured.rows))
            columns.add(*(part[start:stop] for part in measured.columns))
        return cls(rows, columns)

    def __add__(self, other: BarProfile) -> BarProfile:
        return BarProfile(self.rows + other.rows, self.columns + other.columns)

    def crop(self, config: HashConfig = HASH, *, video: CropBox | None = None) -> CropBox:
        """The area inside the bars (the whole frame when there are none).

        ``video``: the bars found over the whole video, for one shot's profile.
        Where the shot finds none of its own on a side, it keeps the video's
        when nothing of its picture lies beyond them (`_Profile.span`): a 9:16
        re-frame's shot of dark sky and lit towers over its blurred copy is
        too plain for its bars to stand out, while the rest of the video's do.
        """
        across = None if video is None else (video.x, video.x + video.width)
        down = None if video is None else (video.y, video.y + video.height)
        x0, x1 = self.columns.span(config, across)
        y0, y1 = self.rows.span(config, down)
        return CropBox(x0, y0, x1 - x0, y1 - y0)


class _Profile:
    """Per row (or column), summed over frames: its detail, sharpest step,
    brightness and spread along it."""

    def __init__(self, size: int) -> None:
        self.detail = np.zeros(size, np.float64)
        self.step = np.zeros(size, np.float64)
        self.level = np.zeros(size, np.float64)
        self.spread = np.zeros(size, np.float64)
        self.frames = 0

    def add(
        self, detail: np.ndarray, step: np.ndarray, level: np.ndarray, spread: np.ndarray
    ) -> None:
        """Frames' rows (frames x size, as `FrameRows` measures them), summed in."""
        self.detail += detail.sum(axis=0)
        self.step += step.sum(axis=0, dtype=np.float64)
        self.level += level.sum(axis=0)
        self.spread += spread.sum(axis=0)
        self.frames += len(detail)

    def __add__(self, other: _Profile) -> _Profile:
        total = _Profile(self.detail.size)
        for name in ("detail", "step", "level", "spread"):
            setattr(total, name, getattr(self, name) + getattr(other, name))
        total.frames = self.frames + other.frames
        return total

    def span(self, config: HashConfig, video: tuple[int, int] | None = None) -> tuple[int, int]:
        """`content_span`; where that finds no bars, ``video`` (the span found over the
        whole video, for one shot's profile) when the lines outside it (some there
        are) all have less than ``bar_picture_fraction`` of the picture's detail:
        no picture would be cut."""
        found = self.content_span(config)
        if video is None or found != (0, self.detail.size):
            return found
        start, end = video
        outside = np.r_[self.detail[:start], self.detail[end:]]
        if outside.size == 0 or outside.size == self.detail.size:
            return found
        reference = numeric.percentile(self.detail, 90)
        if reference > 0 and outside.max() < config.bar_picture_fraction * reference:
            return video
        return found

    def content_span(self, config: HashConfig) -> tuple[int, int]:
        """(start, end) of the picture along this axis; (0, size) when there are no bars."""
        size = self.detail.size
        reference = numeric.percentile(self.detail, 90)
        if reference <= 0:
            return 0, size
        frames = max(1, self.frames)
        dark = self.level <= config.bar_dark_level * frames
        # Varying along its length, as a blurred copy of the picture does; a line
        # neither dark nor varying is flat (graphics: a title or caption band).
        varying = self.spread >= config.bar_blur_spread * frames
        flat = ~dark & ~varying
        # A row without detail is picture all the same when it is flat and
        # bright, or crosses a sharp edge: graphics, not a black bar nor a
        # blurred copy of the picture.
        bar_like = (self.step <= config.bar_max_step * frames) & ~flat
        inside = (self.detail >= config.bar_detail_fraction * reference) | ~bar_like
        if inside.all() or not inside.any():
            return 0, size
        # A bar is one kind from the edge in: black, or a blurred copy. Where a
        # black bar meets a plain sky or wall, the sky is picture.
        start = _run(~inside & (dark if dark[0] else ~dark))
        end = size - _run((~inside & (dark if dark[-1] else ~dark))[::-1])
        before, after = start, size - end
        # A blurred bar ends where the picture laid over it begins: one of the
        # few lines inside it is detailed, or flat. A plain "bar" running into
        # plain picture that varies along its length is part of the scene (a
        # white wall above and below a hand, the dim sides of a night shot),
        # taken for a bar because something more detailed sits in the middle
        # (large text across it).
        picture = (self.detail >= config.bar_picture_fraction * reference) | flat
        lines = config.bar_picture_lines
        if (not dark[0] and not picture[start : start + lines].any()) or (
            not dark[-1] and not picture[max(0, end - lines) : end].any()
        ):
            return 0, size
        # Letterbox and pillarbox bars come in centred pairs; a flat area on one
        # side only (sky, a wall) is picture, not a bar.
        if min(before, after) < config.bar_min_fraction * size:
            return 0, size
        if min(before, after) < config.bar_symmetry * max(before, after):
            return 0, size
        if end - start < config.bar_min_remaining * size:
            return 0, size
        return start, end


def _run(mask: np.ndarray) -> int:
    """How many leading entries of ``mask`` are True."""
    false = np.flatnonzero(~mask)
    return int(false[0]) if false.size else int(mask.size)


def is_uniform(frame: np.ndarray, config: HashConfig = HASH) -> bool:
    """True for frames with almost nothing in them: black, white, fades, flat colour.

    Such frames hash alike whatever video they come from, so they must never
    count as evidence of a match. Measured by OpenCV in one pass each (a third
    of numpy's time, every frame of a clip; the same verdicts on the
    real-footage bench's frames).
    """
    pixels = np.ascontiguousarray(frame if frame.dtype == np.uint8 else frame.astype(np.float32))
    _mean, spread = cv2.meanStdDev(pixels)
    if float(spread[0, 0]) < config.uniform_std:
        return True
    detail = cv2.norm(_laplacian(pixels), cv2.NORM_L1) / pixels.size  # detail_map's mean
    return detail < config.uniform_detail


def detect_inset(frames: Sequence[np.ndarray], config: HashConfig = HASH) -> CropBox | None:
    """The moving picture inside a static frame (picture-in-picture), if any.

    News programmes show footage in a window surrounded by static graphics.
    Over the sampled frames the window changes and the graphics do not, so
    the largest compact region of temporal change, surrounded by stillness,
    is taken as the footage. Returns None when no such window stands out.
    """
    if len(frames) < config.inset_min_frames:
        return None
    height, width = frames[0].shape[:2]
    activity = np.zeros((height, width), np.float64)
    for before, after in itertools.pairwise(frames):
        activity += np.abs(after.astype(np.int16) - before.astype(np.int16))
    activity /= len(frames) - 1
    peak = float(numeric.percentile(activity.ravel(), 99))
    if peak < config.inset_min_activity:
        return None
    mask = (activity > max(config.inset_min_activity, 0.2 * peak)).astype(np.uint8)
    mask = cv2.morphologyEx(mask, cv2.MORPH_CLOSE, np.ones((5, 5), np.uint8))
    count, _labels, stats, _ = cv2.connectedComponentsWithStats(mask, connectivity=8)
    if count < 2:
        return None
    best = 1 + int(np.argmax(stats[1:, cv2.CC_STAT_AREA]))
    x, y, w, h, area = (int(v) for v in stats[best])
    share = (w * h) / (width * height)
    if not config.inset_min_share <= share <= config.inset_max_share:
        return None
    if area < config.inset_min_fill * w * h:
        return None
    outside = np.ones((height, width), bool)
    outside[y : y + h, x : x + w] = False
    if float(numeric.median(activity[outside])) > config.inset_max_outside_activity:
        return None
    return CropBox(x, y, w, h)


def detect_window(frames: Sequence[np.ndarray], config: HashConfig = HASH) -> CropBox | None:
    """A still rectangular window inside the frame, found by its outline.

    The motion test of `detect_inset` cannot see footage that barely moves
    (a static shot, a text slide, dark footage) inside a news frame. The
    window's outline can be seen instead: in the mean of the sampled frames,
    its four sides are long straight edges, where moving scenery averages out.
    The largest rectangle whose four sides are edges along nearly their whole
    length, of a plausible size, is taken; its inside is returned.
    """
    if len(frames) < config.inset_min_frames:
        return None
    step = max(1, len(frames) // config.window_mean_frames)
    mean = np.mean(np.stack(frames[::step]), axis=0, dtype=np.float32)
    height, width = mean.shape[:2]
    if height < 16 or width < 16:
        return None
    # Differences two pixels apart catch outlines blurred over two pixels.
    rows = np.zeros((height, width), bool)  # edge between row y - 1 and y + 1
    rows[1:-1] = np.abs(mean[2:] - mean[:-2]) > config.window_edge_step
    columns = np.zeros((height, width), bool)
    columns[:, 1:-1] = np.abs(mean[:, 2:] - mean[:, :-2]) > config.window_edge_step
    along_rows = np.concatenate([np.zeros((height, 1), np.int32), rows.cumsum(1)], axis=1)
    along_columns = np.concatenate([np.zeros((1, width), np.int32), columns.cumsum(0)], axis=0)
    # Candidate sides: the strongest edge lines; every rectangle they make is
    # checked at once.
    limit = config.window_max_lines
    y0, y1 = _line_pairs(strongest_lines(rows.sum(1), 0.2 * width, limit), 0.2 * height)
    x0, x1 = _line_pairs(strongest_lines(columns.sum(0), 0.2 * height, limit), 0.2 * width)
    if y0.size == 0 or x0.size == 0:
        return None
    ty, by, lx, rx = y0[:, None], y1[:, None], x0[None, :], x1[None, :]
    span_x, span_y = rx - lx + 1, by - ty + 1
    coverage = np.minimum.reduce([
        (along_rows[ty, rx + 1] - along_rows[ty, lx]) / span_x,
        (along_rows[by, rx + 1] - along_rows[by, lx]) / span_x,
        (along_columns[by + 1, lx] - along_columns[ty, lx]) / span_y,
        (along_columns[by + 1, rx] - along_columns[ty, rx]) / span_y,
    ])  # fmt: skip
    area = ((rx - lx) * (by - ty)).astype(np.float64)
    share = area / (width * height)
    fits = (
        (coverage >= config.window_side_coverage)
        & (share >= config.inset_min_share)
        & (share <= config.inset_max_share)
    )
    if not fits.any():
        return None
    i, j = np.unravel_index(np.argmax(np.where(fits, area, -1.0)), area.shape)
    top, bottom, left, right = int(y0[i]), int(y1[i]), int(x0[j]), int(x1[j])
    return CropBox(left + 2, top + 2, right - left - 3, bottom - top - 3)


def _line_pairs(lines: list[int], min_gap: float) -> tuple[np.ndarray, np.ndarray]:
    """Every (first, second) pair of ``lines`` at least ``min_gap`` apart."""
    first, second = [], []
    for a, b in itertools.combinations(lines, 2):
        if b - a >= min_gap:
            first.append(a)
            second.append(b)
    return np.array(first, np.int64), np.array(second, np.int64)


def strongest_lines(counts: np.ndarray, floor: float, limit: int) -> list[int]:
    """Positions that could be a side of a window: local maxima of ``counts`` (edge
    pixels along each row or column) of at least ``floor``, the ``limit`` strongest,
    in order (busy pictures have dozens of short ones)."""
    inner = counts[1:-1]
    peaks = np.flatnonzero((inner >= floor) & (inner >= counts[:-2]) & (inner >= counts[2:])) + 1
    strongest = peaks[np.argsort(-counts[peaks], kind="stable")][:limit]
    return sorted(int(p) for p in strongest)
