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

from verify import defaults


@dataclasses.dataclass(frozen=True)
class CropBox:
    """The picture area in working-frame pixels: x, y, width, height."""

    x: int
    y: int
    width: int
    height: int

    def apply(self, frame: np.ndarray) -> np.ndarray:
        return frame[self.y : self.y + self.height, self.x : self.x + self.width]

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
    return np.abs(cv2.Laplacian(frame.astype(np.float32), cv2.CV_32F, ksize=3))


def detect_bars(frames: Sequence[np.ndarray]) -> CropBox:
    """The area inside black or blurred bars, judged over all ``frames``.

    Bars are rows or columns at the edges whose detail stays far below the
    picture's over every frame: black bars have none, blurred bars very
    little. A row's detail is measured along the row only (and a column's
    along the column), so the sharp edge where picture meets bar does not
    leak into the bar. Both sides of an axis are cropped only if what remains
    is still a plausible picture.
    """
    if not frames:
        return CropBox(0, 0, 0, 0)
    height, width = frames[0].shape[:2]
    full = CropBox(0, 0, width, height)
    rows = np.zeros(height, np.float64)
    columns = np.zeros(width, np.float64)
    for frame in frames:
        signed = frame.astype(np.int16)
        rows += np.abs(np.diff(signed, axis=1)).mean(axis=1)
        columns += np.abs(np.diff(signed, axis=0)).mean(axis=0)
    x0, x1 = _content_span(columns)
    y0, y1 = _content_span(rows)
    return CropBox(x0, y0, x1 - x0, y1 - y0) if (x0, y0, x1, y1) != (0, 0, width, height) else full


def _content_span(profile: np.ndarray) -> tuple[int, int]:
    size = len(profile)
    reference = np.percentile(profile, 90)
    if reference <= 0:
        return 0, size
    inside = profile >= defaults.BAR_DETAIL_FRACTION * reference
    indices = np.flatnonzero(inside)
    if indices.size == 0:
        return 0, size
    start, end = int(indices[0]), int(indices[-1]) + 1
    before, after = start, size - end
    # Letterbox and pillarbox bars come in centred pairs; a flat area on one
    # side only (sky, a wall) is picture, not a bar.
    if min(before, after) < defaults.BAR_MIN_FRACTION * size:
        return 0, size
    if min(before, after) < defaults.BAR_SYMMETRY * max(before, after):
        return 0, size
    if end - start < defaults.BAR_MIN_REMAINING * size:
        return 0, size
    return start, end


def is_uniform(frame: np.ndarray) -> bool:
    """True for frames with almost nothing in them: black, white, fades, flat colour.

    Such frames hash alike whatever video they come from, so they must never
    count as evidence of a match.
    """
    return (
        float(frame.std()) < defaults.UNIFORM_STD
        or float(detail_map(frame).mean()) < defaults.UNIFORM_DETAIL
    )


def detect_inset(frames: Sequence[np.ndarray]) -> CropBox | None:
    """The moving picture inside a static frame (picture-in-picture), if any.

    News programmes show footage in a window surrounded by static graphics.
    Over the sampled frames the window changes and the graphics do not, so
    the largest compact region of temporal change, surrounded by stillness,
    is taken as the footage. Returns None when no such window stands out.
    """
    if len(frames) < defaults.INSET_MIN_FRAMES:
        return None
    height, width = frames[0].shape[:2]
    activity = np.zeros((height, width), np.float64)
    for before, after in itertools.pairwise(frames):
        activity += np.abs(after.astype(np.int16) - before.astype(np.int16))
    activity /= len(frames) - 1
    peak = float(np.percentile(activity, 99))
    if peak < defaults.INSET_MIN_ACTIVITY:
        return None
    mask = (activity > max(defaults.INSET_MIN_ACTIVITY, 0.2 * peak)).astype(np.uint8)
    mask = cv2.morphologyEx(mask, cv2.MORPH_CLOSE, np.ones((5, 5), np.uint8))
    count, _labels, stats, _ = cv2.connectedComponentsWithStats(mask, connectivity=8)
    if count < 2:
        return None
    best = 1 + int(np.argmax(stats[1:, cv2.CC_STAT_AREA]))
    x, y, w, h, area = (int(v) for v in stats[best])
    share = (w * h) / (width * height)
    if not defaults.INSET_MIN_SHARE <= share <= defaults.INSET_MAX_SHARE:
        return None
    if area < defaults.INSET_MIN_FILL * w * h:
        return None
    outside = np.ones((height, width), bool)
    outside[y : y + h, x : x + w] = False
    if float(np.median(activity[outside])) > defaults.INSET_MAX_OUTSIDE_ACTIVITY:
        return None
    return CropBox(x, y, w, h)
