"""Shot detection with opencv: one representative frame per shot.

Frames arrive at a fixed scan rate; a cut is a jump in the mean absolute
difference between consecutive frames that stands out from the recent
background motion. Each shot is represented by its sharpest frame (highest
variance of the Laplacian), which suits reverse image search best.
"""

from __future__ import annotations

import collections
import dataclasses

import cv2
import numpy as np

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
    """Feed frames in time order with `add`; read finished shots from `shots`."""

    def __init__(self, config: HashConfig = HASH) -> None:
        self.config = config
        self.shots: list[Shot] = []
        self._current: Shot | None = None
        self._previous: np.ndarray | None = None
        self._previous_histogram: np.ndarray | None = None
        self._recent: collections.deque[float] = collections.deque(maxlen=15)
        self._count = 0

    @property
    def latest_is_best(self) -> bool:
        """True if the frame added last is now its shot's representative."""
        return self._current is not None and self._current.best_index == self._count - 1

    def add(self, time: float, grey: np.ndarray) -> bool:
        """Add the next scanned frame; return True if it starts a new shot."""
        index = self._count
        self._count += 1
        small = grey.astype(np.int16)
        histogram = np.histogram(grey, bins=32, range=(0, 256))[0] / grey.size
        sharpness = float(cv2.Laplacian(grey, cv2.CV_64F).var())
        is_cut = False
        if self._previous is not None:
            difference = float(np.abs(small - self._previous).mean())
            tonal = float(np.abs(histogram - self._previous_histogram).sum())
            background = float(np.median(self._recent)) if self._recent else difference
            # A cut changes the pixels a lot and either the tonal distribution
            # or the pixels far beyond the shot's own motion (a busy shot,
            # like a crowd or water, changes pixels a lot all the time).
            is_cut = difference > self.config.cut_min_difference and (
                tonal > self.config.cut_min_histogram
                or difference > self.config.cut_relative * background
            )
            self._recent.append(difference)
        self._previous, self._previous_histogram = small, histogram
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
