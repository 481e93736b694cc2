"""Shot detection with opencv: one representative frame per shot.

Frames arrive at a fixed scan rate; a cut is a jump in the mean absolute
difference between consecutive frames that stands out from the recent
background motion. Each shot is represented by its sharpest frame (highest
variance of the Laplacian), which suits reverse image search best.
"""

from __future__ import annotations

import collections
import dataclasses
from collections.abc import Sequence

import cv2
import numpy as np

from verify import numeric
from verify.config import HASH, HashConfig


@dataclasses.dataclass
class Shot:
    """A shot in progress: where it starts and its best frame so far."""

    start: float
    best_time: float
    best_score: float
    best_index: int
    end: float


class ShotDetector:
    """Feed frames in time order to `observe`, each with its change from the one
    before (`measure`, or `FrameChanges.add_one`) and its `sharpness`; read
    finished shots from `shots`."""

    def __init__(self, config: HashConfig = HASH) -> None:
        self.config = config
        self.shots: list[Shot] = []
        self._current: Shot | None = None
        self._previous: np.ndarray | None = None
        self._previous_histogram: np.ndarray | None = None
        self._recent: collections.deque[float] = collections.deque(maxlen=15)
        self._count = 0

    @property
    def last_shape(self) -> tuple[int, ...] | None:
        """The shape of the frame measured last (None before the first)."""
        return None if self._previous is None else self._previous.shape

    @property
    def latest_is_best(self) -> bool:
        """True if the frame added last is now its shot's representative."""
        return self._current is not None and self._current.best_index == self._count - 1

    def measure(self, grey: np.ndarray) -> tuple[float, float] | None:
        """How ``grey`` differs from the frame measured before it (mean absolute
        difference, histogram distance; None for the first), remembering it for
        the next. A new picture size differs all it can: (255, 2)."""
        small = grey.astype(np.int16)
        histogram = np.bincount(grey.ravel() >> 3, minlength=32) / grey.size
        change = None
        if self._previous is not None and self._previous.shape != small.shape:
            change = (255.0, 2.0)
        elif self._previous is not None:
            change = (
                float(np.abs(small - self._previous).mean()),
                float(np.abs(histogram - self._previous_histogram).sum()),
            )
        self._previous, self._previous_histogram = small, histogram
        return change

    def observe(self, time: float, change: tuple[float, float] | None, sharpness: float) -> bool:
        """Take the next frame by its measures: ``change`` from the frame before (mean
        absolute difference, histogram distance; None for the first) and its
        sharpness; return True if it starts a new shot."""
        index = self._count
        self._count += 1
        is_cut = False
        if change is not None:
            difference, tonal = change
            background = float(numeric.median(self._recent)) if self._recent else difference
            # A cut changes the pixels a lot and either the tonal distribution
            # or the pixels far beyond the shot's own motion (a busy shot,
            # like a crowd or water, changes pixels a lot all the time).
            is_cut = difference > self.config.cut_min_difference and (
                tonal > self.config.cut_min_histogram
                or difference > self.config.cut_relative * background
            )
            self._recent.append(difference)
        shot = self._current
        if shot is None or (is_cut and time - shot.start >= self.config.min_shot_seconds):
            if shot is not None:
                self.shots.append(shot)
                self._recent.clear()  # the new shot's motion is its own
            self._current = Shot(time, time, sharpness, index, time)
            return True
        shot.end = time
        if sharpness > shot.best_score:
            shot.best_time, shot.best_score, shot.best_index = time, sharpness, index
        return False

    def finish(self) -> list[Shot]:
        """Close the last shot and return all shots."""
        if self._current is not None:
            self.shots.append(self._current)
            self._current = None
        return self.shots


def sharpness(grey: np.ndarray) -> float:
    """How sharp a frame is: the variance of its Laplacian (a shot's sharpest frame
    represents it)."""
    return float(cv2.Laplacian(grey, cv2.CV_64F).var())


class FrameChanges:
    """What `shot_starts` compares, measured as frames arrive (`add`, in order, one
    size): each frame's grey histogram and its mean absolute change from the one
    before. Each value depends on one frame or one pair of frames alone."""

    def __init__(self) -> None:
        self._histograms: list[np.ndarray] = []
        self._differences: list[np.ndarray] = []
        self._last: np.ndarray | None = None  # the previous frame, flattened

    def add(self, frames: Sequence[np.ndarray] | np.ndarray) -> None:
        """The next frames (a list, or a stack as it is: not copied again)."""
        if not len(frames):
            return
        flat = np.asarray(frames).reshape(len(frames), -1)
        # 32 bins of 8 grey levels (opencv counts exactly, several times faster than bincount).
        counts = [cv2.calcHist([f], [0], None, [32], [0, 256]).ravel() for f in flat]
        self._histograms.append(np.stack(counts).astype(np.float64) / flat.shape[1])
        if self._last is not None:
            flat = np.concatenate([self._last[None], flat])
        # |a - b| in uint8 without widening: the larger minus the smaller.
        later, earlier = flat[1:], flat[:-1]
        self._differences.append(
            (np.maximum(later, earlier) - np.minimum(later, earlier)).mean(axis=1)
        )
        self._last = flat[-1]

    def add_one(self, frame: np.ndarray) -> tuple[float, float] | None:
        """Add the next frame; return its (mean absolute difference, histogram
        distance) from the one before (None for the first), as `measures` has them."""
        before = self._histograms[-1][-1] if self._histograms else None
        self.add(frame[None])
        if before is None:
            return None
        tonal = float(np.abs(self._histograms[-1][0] - before).sum())
        return float(self._differences[-1][0]), tonal

    def measures(self) -> tuple[np.ndarray, np.ndarray]:
        """(mean absolute difference, histogram distance) of each frame from the one
        before, for frames 1..n-1."""
        histograms = np.concatenate(self._histograms) if self._histograms else np.zeros((0, 32))
        differences = np.concatenate(self._differences) if self._differences else np.zeros(0)
        return differences, np.abs(np.diff(histograms, axis=0)).sum(axis=1)


def shot_starts(
    times: Sequence[float],
    frames: Sequence[np.ndarray],
    config: HashConfig = HASH,
    *,
    changes: FrameChanges | None = None,
) -> list[int]:
    """Indices of the frames that start a shot (the first always does), as
    `ShotDetector` finds them, measured over all frames at once, or taken from
    ``changes`` when the frames were measured as they arrived."""
    if len(frames) < 2:
        return [0] if frames else []
    count = len(frames)
    if changes is None:
        changes = FrameChanges()
        changes.add(frames)
    differences, tonal = changes.measures()
    detector = ShotDetector(config)
    starts = [0] if detector.observe(times[0], None, 0.0) else []
    for i in range(1, count):
        if detector.observe(times[i], (float(differences[i - 1]), float(tonal[i - 1])), 0.0):
            starts.append(i)
    return starts
