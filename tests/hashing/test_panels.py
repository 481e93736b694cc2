"""Panels: rectangles bounded by persistent edges, over moving surroundings."""

from __future__ import annotations

import cv2
import numpy as np

from verify.hashing.normalise import CropBox
from verify.hashing.panels import propose_panels

FRAMES = 40


def texture(seed: int, height: int = 200, width: int = 340) -> np.ndarray:
    """Smooth random grey scenery, larger than a frame, to pan across."""
    noise = np.random.default_rng(seed).random((height, width)).astype(np.float32)
    smooth = cv2.GaussianBlur(noise, (0, 0), 3)
    return (smooth - smooth.min()) / (smooth.max() - smooth.min()) * 255


def panning(seed: int, height: int, width: int, speed: tuple[int, int]) -> list[np.ndarray]:
    scenery = texture(seed)
    dy, dx = speed
    return [scenery[k * dy : k * dy + height, k * dx : k * dx + width] for k in range(FRAMES)]


def near(found: CropBox, expected: CropBox, slack: int = 3) -> bool:
    return all(
        abs(a - b) <= slack
        for a, b in zip(
            (found.x, found.y, found.x + found.width, found.y + found.height),
            (expected.x, expected.y, expected.x + expected.width, expected.y + expected.height),
            strict=True,
        )
    )


def test_an_inset_over_moving_video_is_found():
    background = panning(2, 90, 160, (2, 3))
    footage = panning(3, 40, 70, (1, 2))
    frames = []
    for back, inset in zip(background, footage, strict=True):
        frame = back.copy()
        frame[30:70, 60:130] = inset
        frames.append(frame.astype(np.uint8))
    panels = propose_panels(frames)
    assert near(panels[0], CropBox(60, 30, 70, 40))


def test_the_halves_of_a_split_screen_are_found():
    left, right = panning(4, 90, 80, (1, 1)), panning(5, 90, 80, (2, 1))
    pairs = zip(left, right, strict=True)
    frames = [np.concatenate([a, b], axis=1).astype(np.uint8) for a, b in pairs]
    panels = propose_panels(frames)
    assert any(near(p, CropBox(0, 0, 80, 90)) for p in panels[:2])
    assert any(near(p, CropBox(80, 0, 80, 90)) for p in panels[:2])


def test_plain_moving_footage_has_no_panels():
    frames = [f.astype(np.uint8) for f in panning(6, 90, 160, (2, 4))]
    assert propose_panels(frames) == []


def test_too_few_frames_give_no_panels():
    frames = [f.astype(np.uint8) for f in panning(7, 90, 160, (2, 4))][:3]
    assert propose_panels(frames) == []
