"""Hashing many pictures at once gives each the hashes it gets alone."""

from __future__ import annotations

import cv2
import numpy as np

from verify.hashing.forms import frame_forms, stack_forms
from verify.hashing.phash import phash_windows, phash_windows_stack
from verify.matching.reframe import framing_grid, through_framings, window_boxes


def pictures(count: int, height: int, width: int, seed: int) -> np.ndarray:
    """Smooth random grey pictures (noise blurred, as footage is, so hashes are stable)."""
    noise = np.random.default_rng(seed).integers(0, 256, (count, height, width), np.uint8)
    return np.stack([cv2.GaussianBlur(p, (9, 9), 3) for p in noise])


def test_a_stack_longer_than_a_chunk_hashes_each_frame_as_alone():
    greys = pictures(70, 90, 160, 1)  # 70: over two chunks of 32
    insets = np.ascontiguousarray(greys[:, 20:70, 40:120])
    together = stack_forms(greys, insets)
    assert together == [frame_forms(g, i) for g, i in zip(greys, insets, strict=True)]
    assert len({f.pdq for f in together}) > 60  # distinct pictures, not one hash repeated


def test_windows_of_a_stack_are_each_pictures_own():
    greys = pictures(5, 90, 160, 2)
    boxes = np.array([[0, 0, 80, 90], [10.5, 5, 150, 85], [40, 0, 120, 45], [0, 0, 80, 45]])
    stacked = phash_windows_stack(greys, boxes)
    alone = np.array([phash_windows(g, boxes) for g in greys])
    assert np.array_equal(stacked, alone)
    assert np.unique(stacked).size > 15


def test_framings_of_pictures_of_two_sizes_are_each_pictures_own():
    wide, tall = pictures(4, 90, 160, 3), pictures(3, 160, 90, 4)
    mixed = [wide[0], tall[0], wide[1], wide[2], tall[1], tall[2], wide[3]]
    grid = framing_grid(0.3, 0.1)
    found = through_framings(mixed, grid)
    expected = np.array([phash_windows(p, window_boxes(grid, *p.shape[::-1])) for p in mixed])
    assert found.shape == (len(mixed), len(grid))
    assert np.array_equal(found, expected)
