"""A band across the clip's picture: found by its straight steps, filled in from around it."""

from __future__ import annotations

import dataclasses

import cv2
import numpy as np

from verify.config import MATCH
from verify.matching.bands import Band, fill_band, find_band


def scenery(count: int, seed: int, low: int = 40, high: int = 200) -> list[np.ndarray]:
    """Smooth moving fields of 160x90 (grey ``low``-``high``), one a second blending into
    the next, at 8 pictures a second."""
    rng = np.random.default_rng(seed)
    fields = [
        cv2.resize(rng.integers(low, high, (9, 16), dtype=np.uint8), (160, 90),
                   interpolation=cv2.INTER_CUBIC).astype(np.float64)
        for _ in range(count // 8 + 2)
    ]  # fmt: skip
    pictures = []
    for i in range(count):
        t = i / 8
        w = t - int(t)
        pictures.append(np.clip((1 - w) * fields[int(t)] + w * fields[int(t) + 1], 0, 255))
    return [p.astype(np.uint8) for p in pictures]


def with_band(
    pictures: list[np.ndarray], first: int, last: int, kept: float = 0.45
) -> list[np.ndarray]:
    """A dark strip (keeping ``kept`` of the picture) over rows first..last with white
    'capitals' on it."""
    out = []
    for picture in pictures:
        marked = picture.astype(np.float64)
        marked[first : last + 1] *= kept
        for x in range(20, 140, 12):  # letters: bright blocks, the same in every picture
            marked[first + 6 : first + 14, x : x + 7] = 250
        out.append(np.clip(marked, 0, 255).astype(np.uint8))
    return out


def test_a_dark_strip_with_text_across_the_middle_is_found():
    plain = scenery(48, seed=3)
    assert find_band(with_band(plain, 32, 56)) == Band(32, 56, (90, 160))
    assert find_band(plain) is None


def test_a_horizon_a_bar_and_a_moving_edge_are_not_bands():
    plain = scenery(48, seed=4)
    # A horizon: everything below row 40 darker; one step, no band.
    horizon = []
    for picture in plain:
        darker = picture.astype(np.float64)
        darker[40:] *= 0.5
        horizon.append(darker.astype(np.uint8))
    assert find_band(horizon) is None
    # A strip within the picture's top tenth (bars are cropped before, not filled).
    assert find_band(with_band(plain, 3, 27)) is None
    assert find_band(with_band(plain, 3, 27), dataclasses.replace(MATCH, band_edge_margin=0.0))
    # A strip that moves down a row every few pictures: not at the same rows.
    moving = [with_band([p], 20 + i // 4, 44 + i // 4)[0] for i, p in enumerate(plain)]
    assert find_band(moving) is None
    # A strip too thin to hold text over the footage.
    assert find_band(with_band(plain, 40, 44)) is None


def test_the_band_found_in_most_pictures_is_found_whatever_the_others():
    """Pictures of another size (another shot's crop) do not hide it."""
    pictures = with_band(scenery(48, seed=5), 32, 56)
    others = [np.full((120, 90), 128, np.uint8)] * 10
    assert find_band(pictures + others) == Band(32, 56, (90, 160))


def test_two_strips_are_not_one_band_around_the_footage_between():
    """A strip at the top third and one at the bottom third: the footage between
    them is no band; each strip is one (the taller is taken)."""
    pictures = with_band(with_band(scenery(48, seed=9), 20, 30), 50, 64)
    assert find_band(pictures) == Band(50, 64, (90, 160))


def test_a_band_too_near_the_edge_of_a_short_picture_to_fill_is_not_found():
    """A 160x14 picture (a very wide video at the working size): a strip over rows
    5-8 leaves no row below it to fill from (the fill reaches one row beyond)."""
    rng = np.random.default_rng(10)
    pictures = []
    for _ in range(20):
        picture = rng.integers(90, 110, (14, 160)).astype(np.float64)
        picture[5:12] *= 0.3
        pictures.append(picture.astype(np.uint8))
    loose = dataclasses.replace(MATCH, band_edge_margin=0.0, band_max_height=0.9)
    assert find_band(pictures, loose) == Band(5, 11, (14, 160))
    assert find_band(pictures, dataclasses.replace(loose, band_fill_rows=2)) is None
    filled = fill_band(np.stack(pictures), Band(5, 11, (14, 160)), 1)
    assert filled.shape == (20, 14, 160)


def test_fill_blends_from_the_row_above_to_the_row_below():
    pictures = np.stack(with_band(scenery(4, seed=6), 32, 56))
    kept = pictures.copy()
    band = Band(32, 56, (90, 160))
    filled = fill_band(pictures, band, 1)
    assert np.array_equal(pictures, kept)  # the clip's pictures are left as they are
    assert np.array_equal(filled[:, :31], pictures[:, :31])
    assert np.array_equal(filled[:, 58:], pictures[:, 58:])
    above, below = pictures[:, 30].astype(float), pictures[:, 58].astype(float)
    middle = (above + below) / 2  # row 44 lies halfway between rows 30 and 58
    assert np.abs(filled[:, 44].astype(float) - middle).max() <= 1.0
    assert band.to_dict() == {"y": 0.3556, "height": 0.2778}


def test_the_strip_settings_decide():
    pictures = with_band(scenery(48, seed=7), 32, 56)
    strict = dataclasses.replace(MATCH, band_step=200.0)
    assert find_band(pictures, strict) is None
    narrow = dataclasses.replace(MATCH, band_max_height=0.2)
    assert find_band(pictures, narrow) is None
