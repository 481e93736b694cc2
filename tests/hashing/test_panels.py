"""Panels: rectangles bounded by persistent edges, over moving surroundings."""

from __future__ import annotations

import dataclasses

import cv2
import numpy as np
import pytest

from verify.config import HASH, MATCH
from verify.hashing.normalise import CropBox
from verify.hashing.panels import _distinct, border_evidence, propose_panels

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


def inset_between_pixels(left: int, right: int, top: int, bottom: int) -> list[np.ndarray]:
    """Frames of an inset over moving video, drawn at four times the size and reduced
    (so its sides may fall across pixels, which then mix both pictures): its sides
    in quarter pixels of the 160x90 frame."""

    def larger(picture: np.ndarray) -> np.ndarray:
        return cv2.resize(picture, (640, 360), interpolation=cv2.INTER_LINEAR)

    frames = []
    pairs = zip(panning(2, 90, 160, (2, 3)), panning(3, 90, 160, (1, 2)), strict=True)
    for back, footage in pairs:
        frame, inset = larger(back), larger(footage)
        frame[top:bottom, left:right] = inset[top:bottom, left:right]
        frames.append(cv2.resize(frame, (160, 90), interpolation=cv2.INTER_AREA).astype(np.uint8))
    return frames


@pytest.mark.parametrize(
    ("quarters", "pixels"),
    [
        ((240, 520, 120, 280), (60, 130, 30, 70)),  # on pixel boundaries
        ((241, 517, 121, 279), (60, 129, 30, 70)),  # mixed pixels three quarters inset
        ((243, 519, 123, 277), (61, 130, 31, 69)),  # ... a quarter inset
        ((242, 518, 122, 278), (61, 129, 31, 69)),  # ... half: left out
    ],
)
def test_a_panel_s_sides_are_placed_to_the_pixel(quarters, pixels):
    """A small panel a pixel short of its picture hashes a few bits off it: each side
    is placed on the pixels wholly inside, a pixel mixing both pictures going to
    the one it mostly shows."""
    found = propose_panels(inset_between_pixels(*quarters))[0]
    assert (found.x, found.x + found.width, found.y, found.y + found.height) == pixels


def test_a_frozen_picture_beside_one_that_barely_moves_is_a_border():
    """A frozen inset (a near-still night clip, scaled down until its noise is gone)
    beside a camera that shakes by a pixel: the one side changes too little to be
    called moving, the other not at all, and the step between them comes and goes.
    Its pixels change where the frozen picture's never do: that is a border."""
    scenery, still = texture(11), texture(12)[:60, :40]
    frames = []
    for k in range(FRAMES):
        dy, dx = k % 2, (k // 2) % 2
        frame = (scenery[dy : dy + 60, dx : dx + 80] - 128) * 0.35 + 100
        frame[:, 40:] = (still - 128) * 0.35 + 100
        frames.append(frame.astype(np.uint8))
    stack = np.stack(frames).astype(np.float32)
    energy = (np.diff(stack, axis=0) ** 2).mean(axis=0)
    floor = HASH.panel_still_energy
    assert floor < np.median(energy[:, :38]) < HASH.panel_moving_energy
    assert np.median(energy[:, 42:]) <= HASH.panel_frozen_energy
    (_rows, columns), _silent = border_evidence(frames)
    # The border runs between columns 39 and 40: lines 39 and 40 judge across it.
    along = columns[5:55].mean(axis=0)
    assert along[39] >= 0.7 and along[40] >= 0.7
    assert along[42:].max() == 0.0


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


def test_a_picture_beside_its_blurred_copy_across_a_plain_wall():
    """A portrait window over a blurred, stretched copy of itself (a 9:16 re-frame):
    where a plain wall runs across the window's sides, nothing on either side
    moves, so only the lower part of each side shows a border. Those silent
    stretches do not count against the side, so the window is proposed."""
    footage = panning(8, 90, 60, (1, 2))
    frames = []
    for picture in footage:
        picture = picture.copy()
        picture[:62] = 200.0  # a plain wall over the upper two thirds
        behind = cv2.GaussianBlur(cv2.resize(picture, (160, 90)), (0, 0), 6)
        frame = behind.copy()
        frame[:, 50:110] = picture
        frames.append(frame.astype(np.uint8))
    window = CropBox(50, 0, 60, 90)
    assert any(near(p, window) for p in propose_panels(frames))
    every_pixel_counts = dataclasses.replace(HASH, panel_min_telling=1.0)
    assert not any(near(p, window) for p in propose_panels(frames, every_pixel_counts))


def test_shots_without_a_panel_of_their_own_use_the_nearest_shots():
    """An inset stays put while the video around it cuts: frames of shots whose
    proposals did not fit (or had none) are hashed through the nearest chosen
    shot's panel while what it shows goes on; from a cut inside the panel (or a
    frame of another size) on, they keep their own hash."""
    from verify.hashing.phash import phash_windows
    from verify.matching.panels import PanelChoice, PanelSearch, _Shot

    rng = np.random.default_rng(4)
    inset = rng.integers(0, 256, (50, 80), dtype=np.uint8)
    pictures = []
    for i in range(9):
        picture = rng.integers(0, 256, (90, 160), dtype=np.uint8)  # the video around it cuts
        picture[20:70, 40:120] = inset if i < 7 else rng.integers(0, 256, (50, 80))
        pictures.append(picture)
    pictures[8] = pictures[8][:80]  # resized mid-stream
    box = np.array([40.0, 20.0, 120.0, 70.0])
    search = object.__new__(PanelSearch)
    search.pictures, search.config = pictures, MATCH
    none, no_anchors = np.zeros((0, 4)), np.zeros((0, 90, 160), np.uint8)
    search.shots = [
        _Shot(0, 3, None, none, [], no_anchors, np.zeros((0, 0), np.uint64),
              np.zeros((0, 0), bool)),
        _Shot(3, 6, None, box[None, :], [], no_anchors, np.zeros((0, 1), np.uint64),
              np.zeros((0, 1), bool)),
    ]  # fmt: skip
    fallback = np.arange(9, dtype=np.uint64)
    found = search.hashes(PanelChoice({1: box}, {}), fallback)
    for i in range(7):  # shot 0, shot 1, and frame 6 of no shot the search kept
        assert found[i] == phash_windows(pictures[i], box[None, :])[0]
    assert list(found[7:]) == [7, 8]


def test_a_refined_panel_meets_the_moment_it_shows_not_the_one_nearest_at_first():
    """Through a box two pixels off, slowly changing footage can be nearest to
    another moment of the known video than the one it shows. The refinement
    holds each try to its own nearest known frames, so it still reaches the
    panel's true sides; held to the first box's nearest frames it would stay."""
    from verify.hashing.phash import phash_windows_stack
    from verify.matching.panels import _refine

    rng = np.random.default_rng(5)
    pictures = [
        cv2.GaussianBlur(rng.integers(0, 256, (90, 160), dtype=np.uint8), (0, 0), 1.5)
        for _ in range(4)
    ]
    stack = np.stack(pictures).astype(np.float64)
    truth = np.array([40.0, 20.0, 120.0, 65.0])
    off = truth + np.array([2.0, 0.0, 0.0, 0.0])  # the left side two pixels in
    shown = phash_windows_stack(stack, truth[None, :])[:, 0]
    seen_off = phash_windows_stack(stack, off[None, :])[:, 0]
    # Another moment: like the pictures through the off box, one bit from them.
    other = seen_off ^ np.uint64(1)
    assert (np.bitwise_count(seen_off ^ other) < np.bitwise_count(seen_off ^ shown)).all()
    known = np.concatenate([shown, other])
    assert _refine(off, pictures, known, MATCH.distance_block_cells).tolist() == truth.tolist()


def inset_scene(seed: int) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """Eight 80x50 pictures of fine grain (the known footage) and the 160x90 frames
    that show each at (40, 20)-(120, 70) over grain of their own."""
    rng = np.random.default_rng(seed)
    footage = [
        cv2.GaussianBlur(rng.integers(0, 256, (50, 80), dtype=np.uint8), (0, 0), 1.5)
        for _ in range(8)
    ]
    pictures = []
    for frame in footage:
        picture = cv2.GaussianBlur(rng.integers(0, 256, (90, 160), dtype=np.uint8), (0, 0), 1.5)
        picture[20:70, 40:120] = frame
        pictures.append(picture)
    return footage, pictures


def test_a_proposal_a_few_pixels_inside_its_panel_is_refined_before_it_is_given_up():
    """A proposal three pixels inside its panel on two sides (its evidence lines a
    pixel or two in from a rim) misses the known frames by 12-14 bits, over
    ``match_distance``: refined as a near miss, it reaches the panel's sides and
    is chosen. Without the near-miss tries the shot has no panel."""
    from verify.hashing.phash import phash_stack, phash_windows_stack
    from verify.matching.panels import PanelSearch, _Shot

    footage, pictures = inset_scene(2)
    known = phash_stack(np.stack(footage))
    proposal = np.array([43.0, 23.0, 120.0, 70.0])
    hashes = phash_windows_stack(np.stack(pictures), proposal[None, :])
    search = object.__new__(PanelSearch)
    search.pictures, search.config = pictures, MATCH
    anchors = list(range(len(pictures)))
    usable = np.ones_like(hashes, bool)
    stack = np.stack(pictures)
    search.shots = [
        _Shot(0, len(pictures), None, proposal[None, :], anchors, stack, hashes, usable)
    ]
    choice = search.choose(known)
    assert choice is not None
    assert np.array_equal(choice.boxes[0], [40.0, 20.0, 120.0, 70.0])
    search.config = dataclasses.replace(MATCH, panel_near_tries=0)
    assert search.choose(known) is None


def test_a_near_miss_is_tried_only_where_half_its_anchors_are_within_reach(monkeypatch):
    """A refined near miss must bring half its usable anchors within
    ``panel_near_fit_bits``; a proposal with ``reframe_min_anchors`` anchors within
    ``match_distance + panel_near_bits`` but most of them further is not refined,
    while one with half of them within reach is, though it lies further overall."""
    from verify.matching import panels
    from verify.matching.panels import PanelSearch, _Shot

    rng = np.random.default_rng(7)
    stack = rng.integers(0, 256, (16, 90, 160), dtype=np.uint8)
    boxes = np.array([[10.0, 10.0, 90.0, 60.0], [40.0, 20.0, 120.0, 70.0]])
    reach = MATCH.match_distance + MATCH.panel_near_bits
    distance = np.full((16, 2), 20, np.int16)
    distance[:4, 0] = distance[:8, 1] = reach  # 4 of 16 anchors near the first, 8 the second
    distance[4:, 0] = 16  # the first is nearer overall, so it would be tried first
    usable = np.ones((16, 2), bool)
    near = (distance <= reach).sum(axis=0)
    assert near.tolist() == [4, 8] and near[0] >= MATCH.reframe_min_anchors
    assert np.minimum(distance, 32).sum(axis=0).argmin() == 0
    refined = []

    def recorded(box, pictures, known, cells):
        refined.append(box.tolist())
        return box

    monkeypatch.setattr(panels, "_refine", recorded)
    search = object.__new__(PanelSearch)
    search.config = MATCH
    shot = _Shot(0, 16, None, boxes, list(range(16)), stack, np.zeros((16, 2), np.uint64), usable)
    known = rng.integers(0, 2**63, 8, dtype=np.int64).astype(np.uint64)
    assert search._near_miss(shot, boxes, usable, distance, near, known) is None
    assert refined == [boxes[1].tolist()]


def test_a_shot_no_proposal_brings_near_a_known_video_is_passed_over_unhashed(monkeypatch):
    """A candidate none of whose frames comes within ``match_distance +
    panel_near_bits`` of the clip's proposals on ``reframe_min_anchors`` anchors
    (by the folded hashes) is passed over before any window is hashed exactly;
    one whose frames the panel shows is hashed exactly and chosen."""
    from verify.hashing.phash import phash_stack, phash_windows_stack
    from verify.matching import panels
    from verify.matching.panels import PanelSearch, _Shot

    footage, pictures = inset_scene(6)
    stack = np.stack(pictures)
    panel = np.array([[40.0, 20.0, 120.0, 70.0]])
    folded = phash_windows_stack(stack, panel, exact=False)
    search = object.__new__(PanelSearch)
    search.pictures, search.config = pictures, MATCH
    search.shots = [
        _Shot(0, len(pictures), None, panel, list(range(len(pictures))), stack, folded,
              np.ones_like(folded, bool))
    ]  # fmt: skip
    exact_calls = []

    def counted(greys, boxes, *, exact=True):
        exact_calls.append(exact)
        return phash_windows_stack(greys, boxes, exact=exact)

    monkeypatch.setattr(panels, "phash_windows_stack", counted)
    unrelated = phash_stack(np.stack(inset_scene(60)[0]))  # other footage of the same kind
    reach = MATCH.match_distance + MATCH.panel_near_bits
    assert (np.bitwise_count(folded[:, :1] ^ unrelated[None, :]) > reach).all()
    assert search.choose(unrelated) is None
    assert exact_calls == []
    shown = phash_stack(np.stack(footage))
    choice = search.choose(shown)
    assert choice is not None
    assert np.allclose(choice.boxes[0], panel[0], atol=1.0)
    assert True in exact_calls


def test_a_re_frame_s_band_is_proposed_beside_its_captions():
    """Footage across a 90x160 portrait frame, over a blurred moving copy, with two
    caption boxes of sharp stripes above it and a line of them below: the caption
    rows draw the strongest lines, yet the footage's band is among the bands, and
    every band runs across the whole width or height."""
    from verify.hashing.panels import propose

    footage = panning(5, 66, 90, (1, 2))
    frames = []
    for k, shown in enumerate(footage):
        blur = cv2.GaussianBlur(cv2.resize(shown, (90, 160)), (0, 0), 6)
        frame = blur.copy()
        frame[40:106] = shown
        stripes = np.where((np.arange(90) // 3 + k) % 2, 235.0, 20.0)
        for top, bottom in ((14, 20), (22, 28), (126, 131)):
            frame[top:bottom, 10:80] = stripes[10:80]
        frames.append(np.clip(frame, 0, 255).astype(np.uint8))
    panels, bands = propose(frames)
    assert panels and bands
    assert any(near(b, CropBox(0, 40, 90, 66), slack=1) for b in bands)
    assert all((b.x == 0 and b.width == 90) or (b.y == 0 and b.height == 160) for b in bands)


def test_distinct_placements_are_those_no_earlier_choice_is_within_a_pixel_of():
    # Against the rule itself, box by box, on placements crowded into a few pixels
    # (every one near several others), listed more than once, as the rankings do.
    rng = np.random.default_rng(7)
    for _ in range(200):
        count = int(rng.integers(1, 120))
        placed = rng.integers(0, 9, (count, 4)).tolist()
        order = rng.integers(0, count, 3 * count).tolist()
        limit = int(rng.choice([1, 5, 48, 1000]))
        expected: list[tuple[int, int, int, int]] = []
        for k in order:
            x0, y0, x1, y1 = placed[k]
            edges = (x0, y0, max(x0 + 1, x1), max(y0 + 1, y1))
            if len(expected) < limit and not any(
                max(abs(a - b) for a, b in zip(edges, other, strict=True)) <= 1
                for other in expected
            ):
                expected.append(edges)
        chosen = _distinct(placed, order, limit)
        assert [(b.x, b.y, b.x + b.width, b.y + b.height) for b in chosen] == expected
