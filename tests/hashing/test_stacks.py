"""Hashing many pictures at once gives each the hashes it gets alone."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from verify.hashing.forms import Form, frame_forms, stack_forms
from verify.hashing.normalise import BarProfile, FrameRows
from verify.hashing.phash import centre_crop, phash_stack, phash_windows, phash_windows_stack
from verify.hashing.scenes import FrameChanges, ShotDetector, shot_starts
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


@pytest.mark.parametrize("exact", [True, False])
def test_windows_of_a_stack_are_each_pictures_own(exact):
    greys = pictures(5, 90, 160, 2)
    boxes = np.array([[0, 0, 80, 90], [10.5, 5, 150, 85], [40, 0, 120, 45], [0, 0, 80, 45]])
    stacked = phash_windows_stack(greys, boxes, exact=exact)
    alone = np.array([phash_windows(g, boxes, exact=exact) for g in greys])
    assert np.array_equal(stacked, alone)
    assert np.unique(stacked).size > 15


@pytest.mark.parametrize("exact", [True, False])
def test_windows_sharing_a_span_hash_as_each_alone(exact):
    # One horizontal span under three vertical ones: it is reduced once, over
    # the rows all three read, and each window takes its own rows from that.
    greys = pictures(3, 90, 160, 5)
    boxes = np.array([[20, 0, 100, 40], [20, 35.5, 100, 90], [20, 10, 100, 60],
                      [0, 10, 60, 60], [70, 50, 160, 90]])  # fmt: skip
    together = phash_windows_stack(greys, boxes, exact=exact)
    alone = np.stack([phash_windows_stack(greys, box[None], exact=exact)[:, 0] for box in boxes])
    assert np.array_equal(together, alone.T)
    assert np.unique(together).size == together.size


def test_windows_hash_the_same_after_their_weights_were_dropped():
    """The spans' weights are kept for a thousand or so spans, then dropped: a call
    that meets the limit, with spans seen before and new ones, still hashes each."""
    grey = pictures(1, 90, 160, 5)[0]
    boxes = np.array([[0, 0, 80, 90], [10.5, 5, 150, 85]])
    for exact in (True, False):
        first = phash_windows(grey, boxes, exact=exact)
        many = np.array([[0, 0, 40 + i / 8, 90] for i in range(900)])
        phash_windows(grey, many, exact=exact)  # fills most of the store
        again = np.vstack([boxes, many[:10], [[1, 1, 100 + i / 8, 80] for i in range(300)]])
        assert np.array_equal(phash_windows(grey, again, exact=exact)[:2], first)


def test_framings_of_pictures_of_two_sizes_are_each_pictures_own():
    wide, tall = pictures(4, 90, 160, 3), pictures(3, 160, 90, 4)
    mixed = [wide[0], tall[0], wide[1], wide[2], tall[1], tall[2], wide[3]]
    grid = framing_grid(0.3, 0.1)
    found = through_framings(mixed, grid)
    expected = np.array([phash_windows(p, window_boxes(grid, *p.shape[::-1])) for p in mixed])
    assert found.shape == (len(mixed), len(grid))
    assert np.array_equal(found, expected)


def test_frame_rows_are_numpy_s_line_means_and_spreads():
    """Each line's detail, sharpest step and mean are numpy's to the bit; its spread,
    from the sums of the values and of their squares, within 1e-9 of numpy's ``std``
    (flat lines, whose spread is 0, included)."""
    rng = np.random.default_rng(8)
    stack = rng.integers(0, 256, (5, 90, 160), dtype=np.uint8)
    stack[1] = 255  # a white frame
    stack[2, 10] = 7  # a flat row
    measured = FrameRows.of(stack)
    signed = stack.astype(np.int16)
    for axis, side in ((2, measured.rows), (1, measured.columns)):
        steps = np.abs(np.diff(signed, axis=axis))
        assert np.array_equal(side[0], steps.mean(axis=axis, dtype=np.float64))
        assert np.array_equal(side[1], steps.max(axis=axis))
        assert np.array_equal(side[2], stack.mean(axis=axis, dtype=np.float64))
        assert np.allclose(side[3], stack.std(axis=axis, dtype=np.float64), rtol=0, atol=1e-9)
    assert measured.rows[3][1].max() == 0 and measured.rows[3][2, 10] == 0


def test_bars_and_cuts_measured_as_frames_arrive_are_those_of_all_frames_at_once():
    """`FrameRows` and `FrameChanges` fed a few frames at a time (as the decoder hands
    them over) give the very profiles and cuts that all the frames give at once."""
    # Two shots, each one picture panning a pixel a frame; the second pillarboxed.
    first, second = pictures(1, 90, 200, 5)[0], pictures(1, 90, 200, 6)[0]
    frames = [np.ascontiguousarray(first[:, i : i + 160]) for i in range(40)]
    for i in range(30):
        frame = second[:, i : i + 160].copy()
        frame[:, :20] = frame[:, -20:] = 0
        frames.append(frame)
    times = [i / 16 for i in range(len(frames))]
    changes, pieces = FrameChanges(), []
    for start in range(0, len(frames), 16):
        changes.add(frames[start : start + 16])
        pieces.append(FrameRows.of(np.stack(frames[start : start + 16])))
    rows = FrameRows.join(pieces)
    starts = shot_starts(times, frames, changes=changes)
    assert starts == shot_starts(times, frames) == [0, 40]
    for first_frame, end in ((0, 40), (40, 70), (0, 70), (3, 69)):
        measured = BarProfile.of_rows(rows, first_frame, end)
        whole = BarProfile.of(frames[first_frame:end])
        for side in ("rows", "columns"):
            for name in ("detail", "step", "level", "spread", "frames"):
                assert np.array_equal(
                    getattr(getattr(measured, side), name), getattr(getattr(whole, side), name)
                )
    assert BarProfile.of_rows(rows, 40, 70).crop().x == 20  # the bar is seen


def test_changes_measured_frame_by_frame_are_the_shot_detectors_and_the_stacks():
    """``--sample scenes`` measures each frame's change once, frame by frame
    (`FrameChanges.add_one`), for its shot detector and for the cuts: the values
    must be the detector's own measure and those of the frames added as stacks."""
    frames = list(pictures(20, 90, 160, 7))
    frames[12] = frames[12] // 4  # a darker frame: a large change of tone
    one, stacked, detector = FrameChanges(), FrameChanges(), ShotDetector()
    each = [one.add_one(f) for f in frames]
    for start in range(0, len(frames), 6):
        stacked.add(frames[start : start + 6])
    assert each == [detector.measure(f) for f in frames]
    assert each[0] is None and max(e[1] for e in each[1:]) > 0.5
    differences, tonal = stacked.measures()
    assert each[1:] == list(zip(differences.tolist(), tonal.tolist(), strict=True))
    for a, b in zip(one.measures(), stacked.measures(), strict=True):
        assert np.array_equal(a, b)


def test_mirrored_forms_from_mirrored_cells_are_the_mirrored_pictures_hashes():
    """The mirror forms come from the frame's own reductions read backwards; they must
    be the hashes of the mirrored pictures, bit for bit, at any size (even and odd
    margins around the centre crop)."""
    for height, width in ((90, 160), (160, 90), (91, 161), (120, 120), (40, 33), (568, 320)):
        greys = pictures(6, height, width, height * width)
        mirrored = np.ascontiguousarray(greys[:, :, ::-1])
        forms = stack_forms(greys)
        assert [f[Form.MIRROR].value for f in forms] == phash_stack(mirrored).tolist()
        assert [f[Form.MIRROR_CENTRE70].value for f in forms] == phash_stack(
            centre_crop(mirrored, 0.70)
        ).tolist()
        assert [f[Form.PHASH].value for f in forms] == phash_stack(greys).tolist()
