"""Each matcher stage on small synthetic frame tables (no ffmpeg), and what it is for.

`CASES` holds, per stage, one case the stage exists for: a known video (or
two) and a clip made from synthetic footage with a known truth. With every
stage on, the truth is found; with that one stage switched off through
`MatchConfig`, the same check fails. The banks are real SQLite banks; the
off-centre crop case hashes real (synthetic) pictures, as the framing search
needs them.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

import cv2
import numpy as np
import pytest

from tests.matching import synthetic as s
from verify import (
    MATCH,
    FrameForms,
    FrameHash,
    HashedFrame,
    MatchReport,
    Reframer,
    frame_forms,
    match_fingerprint,
)
from verify.bank import SqliteBank
from verify.bank.store import KnownVideo
from verify.hashing.forms import STORED_FORMS, Form
from verify.matching.candidates import probe_frames
from verify.matching.cuts import cut_between, meet_at_cuts
from verify.matching.match import drop_nested
from verify.matching.offsets import playback_rate
from verify.matching.pairs import close_pairs
from verify.matching.results import Match
from verify.matching.segments import Segment, drop_shadowed


@dataclasses.dataclass(frozen=True)
class Case:
    known: list[tuple[str, tuple[HashedFrame, ...], float]]  # name, frames, duration
    clip: tuple[HashedFrame, ...]
    duration: float
    check: Callable[[MatchReport], bool]  # True when the report finds the truth
    pictures: tuple[tuple[float, np.ndarray], ...] = ()  # the clip's, for the framing search


def run(case: Case, tmp_path, config=MATCH) -> MatchReport:
    tmp_path.mkdir(parents=True, exist_ok=True)
    with SqliteBank(tmp_path / "bank.sqlite") as bank:
        for name, frames, duration in case.known:
            bank.add_video(s.fingerprint(frames, duration, name))
        clip = s.fingerprint(case.clip, case.duration, "clip")
        reframer = None
        if case.pictures:
            reframer = Reframer("clip", f"fps={s.CLIP_FPS:g}", config=config)
            for time, picture in case.pictures:
                reframer.add(time, picture)
        return match_fingerprint(clip, bank, config, reframer=reframer)


def only(report: MatchReport, name: str) -> list[Segment]:
    found = [m for m in report.matches if m.video.path == name]
    return list(found[0].segments) if found else []


def with_forms(frame: HashedFrame, change: Callable[[np.ndarray], np.ndarray]) -> HashedFrame:
    values = np.array([h.value for h in frame.forms.hashes], np.uint64)
    hashes = tuple(FrameHash(int(v)) for v in change(values))
    return HashedFrame(frame.time, FrameForms(hashes), frame.uniform, frame.keyframe)


def excerpt_of_slow_footage() -> Case:
    """Footage that changes slowly: pairs scatter over many offsets; only the
    exact-offset vote pins the one the frames share."""
    rng = np.random.default_rng(2)
    s.moving(rng, 20, drift=3)  # keep the generator's stream as the cases were made
    s.sample(s.moving(rng, 20, drift=3), 16, start=5.37, end=11.62, noise=2, rng=rng)
    slow = s.Source(np.repeat(s.moving(rng, 7, drift=1).hashes, 3, axis=0))
    clip = s.sample(slow, 16, start=4.37, end=12.37, noise=3, rng=rng)
    truth = int(4.37 * s.SOURCE_FPS) / s.SOURCE_FPS  # the source frame the clip starts on

    def check(report: MatchReport) -> bool:
        segments = only(report, "W")
        return len(segments) == 1 and abs(segments[0].ref_start - truth) <= 1 / 30

    return Case([("W", s.sample(slow, 2), 21.0)], clip, 8.0, check)


def slides() -> s.Source:
    rng = np.random.default_rng(1)
    s.moving(rng, 20)
    return s.slides(rng, 20, 2.0)


def excerpt_of_slides() -> Case:
    """Text slides changing on the bank's frames: every offset within a slide fits;
    the middle of the equally good ones is within the goal (0.3 s), an end of it is not."""
    rng = np.random.default_rng(5)
    source = slides()
    clip = s.sample(source, 16, start=3.3, end=9.3, noise=2, rng=rng)

    def check(report: MatchReport) -> bool:
        segments = only(report, "S")
        return len(segments) == 1 and abs(segments[0].ref_start - 3.3) <= 0.3

    return Case([("S", s.sample(source, 2), 20.0)], clip, 6.0, check)


def slides_from_the_start() -> Case:
    """A copy of still footage that starts where the known video does: its own
    timeline is taken, to the frame."""
    rng = np.random.default_rng(5)
    source = slides()
    clip = s.sample(source, 16, start=0.0, end=6.0, noise=2, rng=rng)

    def check(report: MatchReport) -> bool:
        segments = only(report, "S")
        return len(segments) == 1 and abs(segments[0].ref_end - 6.0) <= 0.02

    return Case([("S", s.sample(source, 2), 20.0)], clip, 6.0, check)


def caption_over_half() -> Case:
    """A caption over the second half moves every hash by the same 13 bits: over the
    match distance (10), within the extend distance (16)."""
    rng = np.random.default_rng(7)
    source = s.moving(rng, 20, drift=1)
    caption = s.flip(rng, np.zeros((1, len(STORED_FORMS)), np.uint64), 13)[0]
    clip = [
        with_forms(f, lambda h: h ^ caption) if f.time >= 4.0 else f
        for f in s.sample(source, 16, start=2.0, end=10.0, noise=2, rng=rng)
    ]

    def check(report: MatchReport) -> bool:
        segments = only(report, "C")
        return len(segments) == 1 and segments[0].query_end >= 7.9

    return Case([("C", s.sample(source, 2), 20.0)], tuple(clip), 8.0, check)


def excerpt_to_the_end() -> Case:
    """A copy running to the clip's end: its edge is the clip's end, past the last
    matched clip frame."""
    rng = np.random.default_rng(7)
    source = s.moving(rng, 20, drift=1)
    clip = s.sample(source, 16, start=2.0, end=10.0, noise=2, rng=rng)

    def check(report: MatchReport) -> bool:
        segments = only(report, "E")
        return len(segments) == 1 and abs(segments[0].query_end - 8.0) <= 0.01

    return Case([("E", s.sample(source, 2), 20.0)], clip, 8.0, check)


def compilation() -> Case:
    """Known video A for 5.3 s, then B: the hand-over goes at the clip's cut."""
    rng = np.random.default_rng(3)
    a, b = s.moving(rng, 20, drift=2), s.moving(rng, 20, drift=2)
    joined = s.joined(s.Source(a.hashes[93:252]), s.Source(b.hashes[186:336]))
    clip = s.sample(joined, 16, noise=2, rng=rng)
    cut = 159 / s.SOURCE_FPS

    def check(report: MatchReport) -> bool:
        first, second = only(report, "A"), only(report, "B")
        return (
            len(first) == 1
            and len(second) == 1
            and abs(first[0].query_end - cut) <= 0.05
            and abs(second[0].query_start - cut) <= 0.05
        )

    known = [("A", s.sample(a, 2), 20.0), ("B", s.sample(b, 2), 20.0)]
    return Case(known, clip, joined.duration, check)


def mirrored_copy() -> Case:
    """A copy flipped left to right: its mirror-image hashes are the known plain ones."""
    rng = np.random.default_rng(4)
    source = s.moving(rng, 20, drift=1)
    names = [f.value for f in STORED_FORMS]
    swap = {"phash": "mirror", "mirror": "phash", "centre70": "mirror_centre70",
            "mirror_centre70": "centre70"}  # fmt: skip
    columns = [names.index(swap.get(n, n)) for n in names]
    flipped = source.hashes[:, columns].copy()
    # The flipped picture's other forms are new pictures: nothing stored shows them.
    for form in (Form.DHASH, Form.CENTRE85, Form.UPPER):
        flipped[:, names.index(form.value)] = s.random_hashes(rng, len(flipped))[:, 0]
    flipped[:, names.index("inset")] = flipped[:, names.index("phash")]
    clip = s.sample(s.Source(flipped), 16, start=4.0, end=10.0, noise=2, rng=rng)

    def check(report: MatchReport) -> bool:
        found = [m for m in report.matches if m.video.path == "M"]
        return bool(found) and found[0].mirrored

    return Case([("M", s.sample(source, 2), 20.0)], clip, 6.0, check)


def fast_footage_between_probes() -> Case:
    """Each half second of the clip opens on a frame the bank does not know (a
    flash); the footage the bank knows follows within the same half second."""
    rng = np.random.default_rng(6)
    source = s.moving(rng, 20, drift=1)
    clip = list(s.sample(source, 16, start=3.0, end=9.0, noise=2, rng=rng))
    for i, frame in enumerate(clip):
        if round(frame.time * 16) % 8 == 0:  # the first frame of each half second
            clip[i] = with_forms(frame, lambda h: s.random_hashes(rng, 1)[0])

    def check(report: MatchReport) -> bool:
        return bool(only(report, "P"))

    return Case([("P", s.sample(source, 2), 20.0)], tuple(clip), 6.0, check)


def off_centre_crop() -> Case:
    """A copy cropped off the centre (87 % x 90 %, from 13 % left): none of its forms
    meets a stored one; through the framing it shows, its frames do. Real pictures
    (smooth random ones dissolving into each other) and real pHashes, no ffmpeg."""
    footage = fields(np.random.default_rng(21), 12, (9, 16), (480, 270))

    def cropped(t: float) -> np.ndarray:
        whole = blend(footage, t, (160, 90))
        part = whole[0:81, 21:160]  # 13 % from the left, 87 % x 90 %
        return cv2.resize(part, (160, 93), interpolation=cv2.INTER_AREA)

    known, pictures, clip = known_and_clip(
        lambda t: blend(footage, t, (160, 90)), lambda t: cropped(2.0 + t)
    )

    def check(report: MatchReport) -> bool:
        found = [m for m in report.matches if m.video.path == "R"]
        if not found or found[0].framing is None:
            return False
        framing = found[0].framing
        (segment,) = found[0].segments
        return (
            np.allclose([framing.left, framing.top, framing.width, framing.height],
                        [0.13, 0.0, 0.87, 0.90], atol=0.02)
            and abs(segment.ref_start - 2.0) <= 0.05
        )  # fmt: skip

    return Case([("R", known, 10.0)], clip, 6.0, check, pictures)


def fields(
    rng: np.random.Generator, count: int, cells: tuple[int, int], size: tuple[int, int]
) -> list[np.ndarray]:
    """``count`` smooth random fields of ``size`` (width, height), from ``cells``
    (rows, columns) of noise."""
    return [
        cv2.resize(rng.integers(0, 256, cells, dtype=np.uint8), size,
                   interpolation=cv2.INTER_CUBIC).astype(np.float64)
        for _ in range(count)
    ]  # fmt: skip


def blend(frames: list[np.ndarray], t: float, size: tuple[int, int]) -> np.ndarray:
    """Second ``t`` of footage that blends from one of ``frames`` to the next each
    second, at ``size`` (width, height)."""
    i, w = int(t), t - int(t)
    mixed = np.clip((1 - w) * frames[i] + w * frames[i + 1], 0, 255).astype(np.uint8)
    return cv2.resize(mixed, size, interpolation=cv2.INTER_AREA)


def known_and_clip(
    known_at: Callable[[float], np.ndarray], clip_at: Callable[[float], np.ndarray]
) -> tuple[tuple[HashedFrame, ...], tuple[tuple[float, np.ndarray], ...], tuple[HashedFrame, ...]]:
    """A known video's frames, its pictures ``known_at(t)`` over 10 s at 2 a second, and
    a 6 s clip's, ``clip_at(t)`` at the clip rate: (known frames, clip pictures, clip
    frames)."""
    known = tuple(
        HashedFrame(float(t), frame_forms(known_at(t)), False, False)
        for t in np.arange(0, 10, 0.5)
    )  # fmt: skip
    pictures = tuple((float(t), clip_at(t)) for t in np.arange(0, 6, 1 / s.CLIP_FPS))
    clip = tuple(HashedFrame(t, frame_forms(p), False, False) for t, p in pictures)
    return known, pictures, clip


def footage_in_moving_frame(
    top: int, bottom: int, left: int, right: int, *, still: bool = False
) -> tuple[tuple[HashedFrame, ...], tuple[tuple[float, np.ndarray], ...], tuple[HashedFrame, ...]]:
    """Known footage (smooth fields blending from second to second, at 2 a second;
    ``still``: one field throughout) and a 6 s clip showing its seconds 2-8 at
    [top:bottom, left:right] of a 160x90 frame over other moving fields: (known
    frames, clip pictures, clip frames)."""
    rng = np.random.default_rng(23)
    footage, scenery = fields(rng, 12, (9, 16), (480, 270)), fields(rng, 12, (9, 16), (640, 360))

    def picture(t: float, frames: list[np.ndarray], size: tuple[int, int]) -> np.ndarray:
        return blend(frames, 2.0 if still and frames is footage else t, size)

    def composite(t: float) -> np.ndarray:
        frame = picture(t + 3.3, scenery, (160, 90))
        frame[top:bottom, left:right] = picture(2.0 + t, footage, (right - left, bottom - top))
        return frame

    return known_and_clip(lambda t: picture(t, footage, (160, 90)), composite)


def inset_over_moving_video() -> Case:
    """The known footage at half the width, inside a frame whose surroundings are
    moving footage too: no form of the clip's whole frame meets it; its panel
    (a rectangle of persistent edges, `verify.hashing.panels`) does."""
    known, pictures, clip = footage_in_moving_frame(20, 65, 70, 150)

    def check(report: MatchReport) -> bool:
        segments = only(report, "I")
        return bool(segments) and abs(segments[0].ref_start - 2.0) <= 0.3

    return Case([("I", known, 10.0)], clip, 6.0, check, pictures)


def played_faster() -> Case:
    """Moving footage played at 1.1x: along one offset its frames drift a second
    apart over the clip; along its rate they line up from end to end."""
    rng = np.random.default_rng(11)
    source = s.moving(rng, 12, drift=3)
    times = np.arange(0, 10, 1 / s.CLIP_FPS)
    hashes = [s.flip(rng, source.at(1.1 * t)[None, :], 2)[0] for t in times]
    clip = s.frames_of(hashes, [float(t) for t in times])

    def check(report: MatchReport) -> bool:
        segments = only(report, "F")
        return (
            len(segments) == 1
            and segments[0].ref_start <= 0.3
            and abs(segments[0].query_end - 10.0) <= 0.3
            and abs(segments[0].ref_end - 11.0) <= 0.3
        )

    return Case([("F", s.sample(source, 2), 12.0)], clip, 10.0, check)


def slides_played_slower() -> Case:
    """Slides played at 0.9x: no frame pins a moment (each shows a second of its
    slide), so no rate is pinned; over all frames the slides' changes fit rate 0.9,
    the whole known video, from end to end."""
    rng = np.random.default_rng(12)
    source = slides()
    times = np.arange(0, source.duration / 0.9, 1 / s.CLIP_FPS)
    hashes = [s.flip(rng, source.at(0.9 * t)[None, :], 2)[0] for t in times]
    clip = s.frames_of(hashes, [float(t) for t in times])
    length = source.duration / 0.9

    def check(report: MatchReport) -> bool:
        segments = only(report, "S")
        return (
            len(segments) == 1
            and segments[0].query_start <= 0.3
            and abs(segments[0].query_end - length) <= 0.3
            and segments[0].ref_start <= 0.3
            and abs(segments[0].ref_end - source.duration) <= 0.3
        )

    return Case([("S", s.sample(source, 2), source.duration)], clip, length, check)


def text_band_across_the_middle() -> Case:
    """Dim, plain footage (a night camera) under a dark strip with large text across
    its middle: no whole-frame form comes near the known frames; with the strip
    filled in from the rows around it, they do."""
    from tests.matching.test_bands import scenery, with_band

    footage = scenery(16 * 8, seed=8, low=50, high=110)  # 8 s at 16 a second
    known = tuple(
        HashedFrame(i / 16, frame_forms(footage[i]), False, False)
        for i in range(0, len(footage), 8)
    )  # fmt: skip
    marked = with_band(footage, 32, 56, kept=0.15)
    pictures = tuple((i / 16, p) for i, p in enumerate(marked))
    clip = tuple(HashedFrame(t, frame_forms(p), False, False) for t, p in pictures)

    def check(report: MatchReport) -> bool:
        segments = only(report, "B")
        return (
            len(segments) == 1
            and report.matches[0].masked == {"y": 0.3556, "height": 0.2778}
            and segments[0].query_start <= 0.3
            and abs(segments[0].query_end - 8.0) <= 0.3
        )

    return Case([("B", known, 8.0)], clip, 8.0, check, pictures)


CASES = {
    "rate_stage": played_faster,
    "rate_fit_stage": slides_played_slower,
    "exact_offset_stage": excerpt_of_slow_footage,
    "middle_offset_stage": excerpt_of_slides,
    "same_timeline_stage": slides_from_the_start,
    "extend_stage": caption_over_half,
    "edges_stage": excerpt_to_the_end,
    "cuts_stage": compilation,
    "mirror_stage": mirrored_copy,
    "dense_probe_stage": fast_footage_between_probes,
    "reframe_stage": off_centre_crop,
    "panel_stage": inset_over_moving_video,
    "band_stage": text_band_across_the_middle,
}


def test_a_match_found_through_a_filled_band_says_so(tmp_path):
    """The band is in the match's JSON (`masked`, valid against the schema) and its
    text; a match found as the clip is carries none."""
    from tests.conftest import validate
    from verify.cli.render import render_match

    banded = run(text_band_across_the_middle(), tmp_path / "band")
    document = banded.to_dict()
    validate(document, "match")
    assert document["matches"][0]["masked"] == {"y": 0.3556, "height": 0.2778}
    assert (
        "found with a band across this file's picture filled in: 28 % of its height, from 36 % top"
        in render_match(banded)
    )
    plain = run(slides_from_the_start(), tmp_path / "plain").to_dict()
    validate(plain, "match")
    assert plain["matches"][0]["masked"] is None


def test_a_copy_at_another_speed_says_so(tmp_path):
    """Each segment's rate is in the JSON (valid against the schema) and, where it is
    not 1, in the text; a copy at the known speed reads 1.0 and says nothing."""
    from tests.conftest import validate
    from verify.cli.render import render_match

    faster = run(played_faster(), tmp_path / "faster")
    document = faster.to_dict()
    validate(document, "match")
    assert [s["rate"] for s in document["matches"][0]["segments"]] == [1.1]
    assert "bits apart; sped up to 1.10x the known speed)" in render_match(faster)
    plain = run(slides_from_the_start(), tmp_path / "plain")
    document = plain.to_dict()
    validate(document, "match")
    assert {s["rate"] for s in document["matches"][0]["segments"]} == {1.0}
    assert "the known speed" not in render_match(plain)


def excerpt_of_still_footage(seconds: float = 20.0) -> Case:
    """An excerpt of a still shot (each frame only re-encoded): it fits the known video
    at any offset, and its segment must say how far."""
    rng = np.random.default_rng(21)
    still = s.Source(np.repeat(s.random_hashes(rng, 1), round(seconds * s.SOURCE_FPS), axis=0))
    start, end = 0.3 * seconds, 0.6 * seconds
    clip = s.sample(still, 16, start=start, end=end, noise=2, rng=rng)
    known = s.sample(still, 2, noise=2, rng=rng)
    return Case([("T", known, seconds)], clip, end - start, lambda r: bool(only(r, "T")))


def test_a_segment_says_how_far_it_could_be_moved(tmp_path):
    """Still footage's segment fits as well seconds away, and says so (JSON valid
    against the schema, and in words); moving footage's is pinned and says nothing."""
    from tests.conftest import validate
    from verify.cli.render import render_match

    still = run(excerpt_of_still_footage(), tmp_path / "still")
    document = still.to_dict()
    validate(document, "match")
    (segment,) = document["matches"][0]["segments"]
    assert segment["placement_slack_s"] >= 5.0
    assert "it fits as well up to" in render_match(still)
    # A run longer than the frames the slack is scored on (a minute's) says so too.
    long = run(excerpt_of_still_footage(300.0), tmp_path / "long")
    assert [s.slack for m in long.matches for s in m.segments] == [MATCH.placement_max_seconds]
    # Moving footage: within a known frame interval (0.5 s), and nothing said.
    for name, case in (("moving", excerpt_of_slow_footage()), ("faster", played_faster())):
        report = run(case, tmp_path / name)
        document = report.to_dict()
        validate(document, "match")
        assert [s["placement_slack_s"] <= 0.5 for s in document["matches"][0]["segments"]] == [True]
        assert "it fits as well" not in render_match(report)


def still_footage_played_faster() -> Case:
    """Four seconds of slow motion, then twelve of a still picture, played 1.1x as fast:
    the still part fits the known speed as well as 1.1x, so the copy is aligned at
    rate 1 and its far edge lands 1.45 known seconds short of the truth."""
    rng = np.random.default_rng(1)
    slow = s.Source(np.repeat(s.moving(rng, 4 / 3, drift=1).hashes, 3, axis=0))
    still = s.Source(np.repeat(slow.hashes[-1:], round(12 * s.SOURCE_FPS), axis=0))
    source = s.joined(slow, still)
    times = np.arange(0, 16 / 1.1, 1 / s.CLIP_FPS)
    hashes = [s.flip(rng, source.at(1.1 * t)[None, :], 2)[0] for t in times]
    clip = s.frames_of(hashes, [float(t) for t in times])
    known = s.sample(source, 2, noise=2, rng=rng)
    return Case([("S", known, 16.0)], clip, 16 / 1.1, lambda r: bool(only(r, "S")))


def test_a_segment_s_slack_covers_another_speed_the_picture_cannot_tell(tmp_path):
    """The slack also holds one edge and moves the other (another speed): where the
    still part leaves the speed open, the slack reaches the truth's far edge."""
    report = run(still_footage_played_faster(), tmp_path)
    (segment,) = only(report, "S")
    off = max(abs(segment.ref_start - 0.0), abs(segment.ref_end - 16.0))
    # The speed is not told from these pictures. Should the rate search ever tell it
    # here, this case no longer tests the slack: make one whose speed it cannot tell.
    assert off > 1.0
    assert segment.slack >= off


@pytest.mark.parametrize("stage", sorted(CASES))
def test_each_stage_is_needed_for_its_case(stage, tmp_path):
    case = CASES[stage]()
    assert case.check(run(case, tmp_path / "on"))
    without = dataclasses.replace(MATCH, **{stage: False})
    assert not case.check(run(case, tmp_path / "off", without))


def test_every_stage_switch_has_a_case():
    switches = {f.name for f in dataclasses.fields(MATCH) if f.name.endswith("_stage")}
    # drop_shadowed is shown on segments directly below.
    assert switches - set(CASES) == {"drop_shadowed_stage"}


def test_unrelated_footage_matches_nothing(tmp_path):
    rng = np.random.default_rng(9)
    known, other = s.moving(rng, 20), s.moving(rng, 20)
    case = Case([("K", s.sample(known, 2), 20.0)], s.sample(other, 16, end=8.0), 8.0, bool)
    assert run(case, tmp_path).matches == ()


# --- stages on their own ------------------------------------------------------------


def test_drop_shadowed_keeps_the_stronger_of_two_readings():
    strong = Segment(0.0, 4.0, 10.0, 14.0, frames=60, mean_distance=3.0)
    echo = Segment(0.5, 4.0, 20.5, 24.0, frames=20, mean_distance=5.0)
    elsewhere = Segment(6.0, 9.0, 30.0, 33.0, frames=10, mean_distance=4.0)
    assert drop_shadowed([echo, strong, elsewhere]) == [strong, elsewhere]


def test_cut_between_finds_the_jump_and_ignores_steady_change():
    rng = np.random.default_rng(11)
    a, b = s.moving(rng, 4, drift=1), s.moving(rng, 4, drift=1)
    clip = s.table(s.sample(s.joined(a, b), 16))
    assert abs(cut_between(clip, 3.0, 5.0) - 4.0) <= 1 / 16
    fast = s.table(s.sample(s.moving(rng, 8, drift=8), 16))
    assert cut_between(fast, 3.0, 5.0) == 4.0  # no dominant jump: the middle


def known_video(name: str) -> KnownVideo:
    """A bank video's row, for matches made up in a test."""
    return KnownVideo(1, name * 8, name, 1, 20.0, 640, 360, "fps=2", "", None, None, None, {}, 40)


def test_two_alignments_claiming_the_same_seconds_meet_at_a_clear_cut():
    """Two bank videos from one camera both match frames either side of the cut
    between them; a clear cut in the seconds they both claim becomes the edge,
    and without one the edges stay where the frames put them."""
    rng = np.random.default_rng(13)
    a, b = s.moving(rng, 4, drift=1), s.moving(rng, 4, drift=1)
    clip = s.table(s.sample(s.joined(a, b), 16))

    def match(name: str, start: float, end: float) -> Match:
        video = known_video(name)
        segment = Segment(start, end, start + 1.0, end + 1.0, frames=50, mean_distance=2.0,
                          first_match=start, last_match=end - 0.1)  # fmt: skip
        return Match(video, 0.5, False, (segment,))

    first, second = meet_at_cuts([match("a", 0.0, 4.3), match("b", 2.6, 8.0)], clip)
    assert abs(first.segments[0].query_end - 4.0) <= 1 / 16
    assert abs(second.segments[0].query_start - 4.0) <= 1 / 16
    assert second.segments[0].ref_start == pytest.approx(second.segments[0].query_start + 1.0)
    steady = s.table(s.sample(s.moving(rng, 8, drift=1), 16))
    kept = meet_at_cuts([match("a", 0.0, 4.3), match("b", 2.6, 8.0)], steady)
    assert [m.segments[0].query_end for m in kept] == [4.3, 8.0]


def test_copies_of_one_video_hand_nothing_over_to_each_other():
    """A bank holding one video twice (collected from two channels): both copies
    match the whole clip, across the cut inside it, and each keeps its whole
    extent; in a compilation, the copies hand over to the next video together."""
    rng = np.random.default_rng(14)
    a, b = s.moving(rng, 4, drift=1), s.moving(rng, 4, drift=1)
    clip = s.table(s.sample(s.joined(a, b), 16))  # a clear cut at 4 s

    def match(name: str, start: float, end: float, shift: float = 1.0) -> Match:
        segment = Segment(start, end, start + shift, end + shift, frames=50, mean_distance=2.0,
                          first_match=start, last_match=end - 0.1)  # fmt: skip
        return Match(known_video(name), 0.5, False, (segment,))

    kept = meet_at_cuts([match("a", 0.0, 8.0), match("c", 0.0, 8.0)], clip)
    assert [(m.segments[0].query_start, m.segments[0].query_end) for m in kept] == [(0.0, 8.0)] * 2
    # Other known seconds over the same clip seconds: two videos, met at the cut.
    other = meet_at_cuts([match("a", 0.0, 8.0), match("c", 0.0, 8.0, shift=3.0)], clip)
    assert abs(other[0].segments[0].query_end - 4.0) <= 1 / 16
    first, copy, second = meet_at_cuts(
        [match("a", 0.0, 4.3), match("c", 0.1, 4.3), match("b", 2.6, 8.0)], clip
    )
    for m in (first, copy):
        assert abs(m.segments[0].query_end - 4.0) <= 1 / 16
    assert abs(second.segments[0].query_start - 4.0) <= 1 / 16
    # Copies in the second place, one of them aligned in two pieces: all meet at the cut.
    pieces = Match(known_video("d"), 0.5, False, (
        Segment(2.7, 5.0, 2.7, 5.0, frames=20, mean_distance=2.0, first_match=2.7, last_match=4.9),
        Segment(5.0, 8.0, 5.0, 8.0, frames=30, mean_distance=2.0, first_match=5.1, last_match=7.9),
    ))  # fmt: skip
    before, after, split = meet_at_cuts(
        [match("a", 0.0, 4.3), match("b", 2.6, 8.0, shift=0.0), pieces], clip
    )
    assert abs(before.segments[0].query_end - 4.0) <= 1 / 16
    assert abs(after.segments[0].query_start - 4.0) <= 1 / 16
    assert abs(split.segments[0].query_start - 4.0) <= 1 / 16
    assert (split.segments[0].query_end, split.segments[1].query_start) == (5.0, 5.0)
    # A copy that starts after the cut is left whole, never turned inside out.
    late = meet_at_cuts(
        [match("a", 3.0, 4.5), match("c", 4.1, 4.9), match("b", 3.1, 8.0, shift=3.0)], clip
    )
    assert abs(late[0].segments[0].query_end - 4.0) <= 1 / 16
    assert (late[1].segments[0].query_start, late[1].segments[0].query_end) == (4.1, 4.9)


def test_copies_read_at_different_rates_hand_nothing_over_to_each_other():
    """Still footage at 1.1x, held twice: one copy's frames fit the re-timed line
    (clip 0-6.9 s shows known 0-7.6 s), the other's only rate 1 (known 0.7-7.6 s).
    They meet at the end and part by the rates' difference towards the start:
    one footage, so neither is cut at the clip's cut. Two videos that part by
    more than that (other known seconds) are still met at the cut."""
    rng = np.random.default_rng(15)
    a, b = s.moving(rng, 4, drift=1), s.moving(rng, 4, drift=1)
    clip = s.table(s.sample(s.joined(a, b), 16))  # a clear cut at 4 s

    def match(name: str, ref_start: float, rate: float) -> Match:
        ref_end = ref_start + 6.9 * rate
        segment = Segment(0.0, 6.9, ref_start, ref_end, frames=50, mean_distance=1.0,
                          first_match=0.0, last_match=6.8, rate=rate)  # fmt: skip
        return Match(known_video(name), 0.5, False, (segment,))

    kept = meet_at_cuts([match("a", 0.0, 1.101), match("c", 0.7, 1.0)], clip)
    assert [(m.segments[0].query_start, m.segments[0].query_end) for m in kept] == [(0.0, 6.9)] * 2
    apart = meet_at_cuts([match("a", 0.0, 1.101), match("c", 2.0, 1.0)], clip)
    assert abs(apart[0].segments[0].query_end - 4.0) <= 1 / 16


def test_a_firm_but_distant_whole_frame_match_gives_way_to_its_panel(tmp_path):
    """Footage filling most of a frame over a thin moving border: the whole frame
    still matches it firmly, 8 bits apart; its panel matches it within 2 bits,
    and is reported. Were every firm match kept as it is (a plain-copy distance
    of 64 bits), the whole frame would be."""
    known, pictures, clip = footage_in_moving_frame(4, 86, 6, 154)
    case = Case([("I", known, 10.0)], clip, 6.0, lambda report: True, pictures)

    (found,) = run(case, tmp_path / "panel").matches
    assert found.region is not None and found.segments[0].mean_distance <= 2.0
    kept_as_is = dataclasses.replace(MATCH, panel_skip_distance=64.0)
    (whole,) = run(case, tmp_path / "whole", kept_as_is).matches
    assert whole.region is None and whole.segments[0].mean_distance > 6.0


def test_probe_frames_follow_fast_footage_only():
    rng = np.random.default_rng(12)
    still = s.table(s.sample(s.slides(rng, 10, 5.0), 16))
    fast = s.table(s.sample(s.moving(rng, 10, drift=6), 16))
    assert probe_frames(still).sum() == 20  # the probe rate: 2 a second
    assert probe_frames(fast).sum() > 60
    sparse = dataclasses.replace(MATCH, dense_probe_stage=False)
    assert probe_frames(fast, sparse).sum() == 20


def test_a_report_without_pictures_says_what_it_could_not_search(tmp_path):
    case = off_centre_crop()
    bare = Case(case.known, case.clip, case.duration, case.check)  # the fingerprint only
    report = run(bare, tmp_path)
    assert report.matches == ()
    assert report.unprobed or report.unframed
    with_pictures = run(case, tmp_path / "pictures")
    assert (with_pictures.unprobed, with_pictures.unframed) == (False, ())


def test_still_footage_in_a_panel_is_found(tmp_path):
    """Still footage (a camera trap at night) shown in a panel over moving video: every
    anchor shows one picture and meets one known picture. That is what still
    footage does, and it is found; an unrelated still picture in the same panel
    is not (the bank's video is another field)."""
    known, pictures, clip = footage_in_moving_frame(20, 65, 70, 150, still=True)
    case = Case([("S", known, 10.0)], clip, 6.0, lambda report: True, pictures)
    (found,) = run(case, tmp_path / "still").matches
    assert found.region is not None and found.segments[0].mean_distance <= 2.0
    other, _pictures, _clip = footage_in_moving_frame(20, 65, 70, 150)  # moving fields
    unrelated = Case([("O", other[:1] * 20, 10.0)], clip, 6.0, lambda report: True, pictures)
    assert run(unrelated, tmp_path / "unrelated").matches == ()


def test_a_flat_shot_gives_the_panel_search_nothing_to_look_for():
    # Every picture near-uniform (a black shot): no anchors, no lookups, no error.
    from verify.matching.panels import PanelSearch

    rng = np.random.default_rng(3)
    dim = [(rng.random((90, 160)) * 6).astype(np.uint8) for _ in range(20)]
    for frame in dim:
        frame[20:60, 40:120] += 4  # a faint panel, proposed, on pictures too flat to hash
    search = PanelSearch(dim, [i / 16 for i in range(20)], ())
    assert search.shots == []
    assert search.probe_hashes() == []
    assert search.choose(np.array([1, 2, 3], np.uint64)) is None


def test_the_rate_is_one_unless_moving_frames_pin_another():
    """A plain copy of moving footage keeps rate 1; still footage played faster
    cannot show its rate (any line fits slides), so it keeps 1 too; moving
    footage played at 0.9x gives 0.9."""
    rng = np.random.default_rng(3)
    footage, still = s.moving(rng, 12, drift=3), slides()

    def rate_of(source: s.Source, speed: float) -> float:
        times = np.arange(0, 10, 1 / s.CLIP_FPS)
        clip = s.table(s.frames_of([source.at(speed * t) for t in times], list(times)))
        known = s.table(s.sample(source, 2))
        return playback_rate(clip, known, close_pairs(clip, known, mirrored=False))

    assert rate_of(footage, 1.0) == 1.0
    assert rate_of(still, 1.1) == 1.0
    assert rate_of(footage, 0.9) == pytest.approx(0.9, abs=0.01)


def test_still_footage_gets_its_rate_from_all_its_frames():
    """Slides pin no rate (above). Fitted over all frames, a whole copy at 0.9x or
    1.1x gets the rate that maps it onto the whole known video; a 1x copy keeps 1,
    whole or an excerpt as long as a re-timed whole copy would be. Without the
    durations (or with the stage off) the rate stays 1."""
    rng = np.random.default_rng(4)
    source = slides()
    known = s.table(s.sample(source, 2))

    def pairs_of(speed: float, start: float, length: float):
        times = np.arange(0, length, 1 / s.CLIP_FPS)
        hashes = [s.flip(rng, source.at(start + speed * t)[None, :], 2)[0] for t in times]
        clip = s.table(s.frames_of(hashes, [float(t) for t in times]))
        return clip, close_pairs(clip, known, mirrored=False)

    def rate_of(speed: float, start: float = 0.0, length: float | None = None, **settings):
        length = (source.duration - start) / speed if length is None else length
        clip, pairs = pairs_of(speed, start, length)
        config = dataclasses.replace(MATCH, **settings)
        return playback_rate(clip, known, pairs, config, durations=(length, source.duration))

    assert rate_of(0.9) == pytest.approx(0.9, abs=0.002)
    assert rate_of(1.1) == pytest.approx(1.1, abs=0.002)
    assert rate_of(1.0) == 1.0
    assert rate_of(1.0, start=1.0, length=source.duration / 1.1) == 1.0
    assert rate_of(1.0, start=0.0, length=source.duration / 1.1) == 1.0
    assert rate_of(0.9, rate_fit_stage=False) == 1.0
    clip, pairs = pairs_of(0.9, 0.0, source.duration / 0.9)
    assert playback_rate(clip, known, pairs) == 1.0


def test_a_panel_inside_a_better_panel_over_the_same_seconds_is_dropped():
    """A pixel shows one video: a rectangle inside the panel that shows one known
    video, meeting another over the same seconds, is a chance meeting. Elsewhere
    in the frame, at other seconds, or inside a whole-frame match, it stays."""

    def match(name: str, score: float, region, start: float = 0.0) -> Match:
        video = known_video(name)
        segment = Segment(start, start + 8.0, 0.0, 8.0, frames=100, mean_distance=3.0)
        return Match(video, score, False, (segment,), region=region)

    panel = {"x": 0.06, "y": 0.07, "width": 0.34, "height": 0.46}
    inside = {"x": 0.14, "y": 0.2, "width": 0.24, "height": 0.3}
    apart = {"x": 0.55, "y": 0.5, "width": 0.3, "height": 0.3}
    best = match("a", 0.95, panel)
    assert drop_nested([match("b", 0.4, inside), best]) == [best]
    kept = [best, match("b", 0.4, apart), match("c", 0.3, inside, start=10.0)]
    assert drop_nested(kept) == kept
    whole = match("a", 0.95, None)
    assert drop_nested([whole, match("b", 0.4, inside)]) == [whole, match("b", 0.4, inside)]


def test_a_panel_within_a_plain_copy_of_the_whole_frame_is_dropped():
    """Over seconds where the whole frame is a plain copy of one known video (its
    frames within panel_skip_distance bits), no panel of it shows another: a still
    scene meets a crop of other seconds of itself there. Beside a whole-frame match
    further apart (a frame an inset moved), or at other seconds, the panel stays."""

    def match(name: str, score: float, bits: float, region=None, start=0.0) -> Match:
        segment = Segment(start, start + 4.0, 0.0, 4.0, frames=64, mean_distance=bits)
        return Match(known_video(name), score, False, (segment,), region=region)

    band = {"x": 0.4, "y": 0.12, "width": 0.2, "height": 0.75}
    plain = match("room", 0.34, 0.9)
    assert drop_nested([match("portrait", 0.3, 2.0, band), plain]) == [plain]
    assert MATCH.panel_skip_distance < 3.0
    moved = match("room", 0.34, 3.0)
    assert drop_nested([match("portrait", 0.3, 2.0, band), moved]) == [
        moved,
        match("portrait", 0.3, 2.0, band),
    ]
    later = match("portrait", 0.3, 2.0, band, start=8.0)
    assert drop_nested([later, plain]) == [plain, later]


def test_a_second_copy_in_the_same_panel_stays():
    """Two copies of one video in the bank, shown in one panel, meet it about as
    closely and as fully: both are reported. A nested match far further than the
    better one, or under half its score, is still a chance meeting."""

    def match(name: str, score: float, bits: float) -> Match:
        segment = Segment(0.0, 8.0, 0.0, 8.0, frames=100, mean_distance=bits)
        panel = {"x": 0.06, "y": 0.07, "width": 0.34, "height": 0.46}
        return Match(known_video(name), score, False, (segment,), region=panel)

    best = match("a", 0.97, 1.1)
    twin = match("b", 0.95, 3.4)
    assert drop_nested([twin, best]) == [best, twin]
    further = match("b", 0.9, 6.0)
    assert drop_nested([further, best]) == [best]
    weaker = match("b", 0.4, 1.5)
    assert drop_nested([weaker, best]) == [best]


def test_a_close_match_through_a_window_into_a_better_panel_is_dropped():
    """Still footage looks alike whatever the second: a crop of other seconds of it in
    the bank meets a window into the panel that shows it, as closely and as fully
    as the panel's own video does. A window under half the panel's area is not
    the same panel, so not a second copy: dropped. The same panel a few pixels
    off stays."""

    def match(name: str, score: float, bits: float, region) -> Match:
        segment = Segment(0.0, 8.0, 0.0, 8.0, frames=100, mean_distance=bits)
        return Match(known_video(name), score, False, (segment,), region=region)

    panel = {"x": 0.0, "y": 0.5, "width": 1.0, "height": 0.49}
    window = {"x": 0.37, "y": 0.53, "width": 0.27, "height": 0.43}  # a 9:16 crop of it
    shifted = {"x": 0.01, "y": 0.5, "width": 0.98, "height": 0.48}
    best = match("a", 0.997, 0.2, panel)
    assert drop_nested([match("b", 0.994, 0.4, window), best]) == [best]
    assert drop_nested([match("b", 0.994, 0.4, shifted), best]) == [
        best,
        match("b", 0.994, 0.4, shifted),
    ]


def test_a_far_whole_frame_match_over_a_better_matchs_seconds_is_dropped():
    """The whole frame holds the better match's picture: another video meeting it
    over the same seconds, far on every count (bits apart, bits more than the
    better match, score), is a chance meeting (a plain wall meeting an overcast
    sky). Second copies of one video in the bank stay: as far as the first under
    text across the picture, reframed less well, or an excerpt covering part of
    the clip; so does a far match at other seconds, or sharing half its seconds."""

    def match(name, score, bits, region=None, start=0.0, length=8.0) -> Match:
        segment = Segment(start, start + length, 0.0, length, frames=100, mean_distance=bits)
        return Match(known_video(name), score, False, (segment,), region=region)

    panel = {"x": 0.04, "y": 0.27, "width": 0.9, "height": 0.31}
    for best in (match("a", 0.97, 2.2, panel), match("a", 0.97, 2.2)):
        chance = match("b", 0.17, 8.0)
        assert drop_nested([chance, best]) == [best]
        later = match("b", 0.17, 8.0, start=10.0)
        assert drop_nested([later, best]) == [best, later]
        half = match("b", 0.17, 8.0, start=4.0)
        assert drop_nested([half, best]) == [best, half]
    # Beside a better panel the frame is a picture made of several: a far
    # whole-frame match is a chance meeting however close to the panel's it is.
    inset = match("a", 0.92, 5.3, panel)
    composite = match("b", 0.9, 7.0)
    assert drop_nested([composite, inset]) == [inset]
    texted = match("a", 0.84, 10.0)
    twin = match("b", 0.83, 10.0)
    assert drop_nested([twin, texted]) == [texted, twin]
    cropped = match("a", 0.98, 1.2)
    reframed = match("b", 0.81, 8.9)
    assert drop_nested([reframed, cropped]) == [cropped, reframed]
    # Excerpts (a third of the clip): re-encoded further, or under text like the whole.
    whole = match("a", 0.99, 0.5)
    excerpt = match("b", 0.3, 5.5, start=2.0, length=2.7)
    assert drop_nested([excerpt, whole]) == [whole, excerpt]
    texted_excerpt = match("b", 0.25, 10.0, start=2.0, length=2.7)
    assert drop_nested([texted_excerpt, texted]) == [texted, texted_excerpt]


def test_the_rate_of_a_long_copy_is_fitted_on_a_bounded_sample():
    """An hour-long copy pins thousands of known frames; the line is fitted on
    ``rate_fit_points`` of them, spread over its length, and is the same."""
    rng = np.random.default_rng(9)
    source = s.moving(rng, 12, drift=3)
    times = np.arange(0, 10, 1 / s.CLIP_FPS)
    clip = s.table(s.frames_of([source.at(0.9 * t) for t in times], list(times)))
    known = s.table(s.sample(source, 2))
    pairs = close_pairs(clip, known, mirrored=False)
    few = dataclasses.replace(MATCH, rate_fit_points=10)
    assert playback_rate(clip, known, pairs, few) == pytest.approx(0.9, abs=0.01)


def zoomed_reframe() -> tuple[Case, tuple[int, int]]:
    """Known 16:9 footage zoomed 1.3x to fill the width of a 90x160 portrait frame
    (its middle 77 % of columns, whole height) between moving fields above and
    below, as short-video re-frames show it: (the case, the band's rows)."""
    rng = np.random.default_rng(31)
    scenery = fields(rng, 12, (16, 9), (90, 160))
    footage = fields(rng, 12, (9, 16), (480, 270))
    top, height, zoomed = 40, 66, 118  # 118 x 66: the 16:9 picture 1.3x as wide as the frame

    def composite(t: float) -> np.ndarray:
        frame = blend(scenery, t + 3.3, (90, 160))
        shown = blend(footage, 2.0 + t, (zoomed, height))
        frame[top : top + height] = shown[:, (zoomed - 90) // 2 : (zoomed - 90) // 2 + 90]
        return frame

    known, pictures, clip = known_and_clip(lambda t: blend(footage, t, (160, 90)), composite)
    return Case([("Z", known, 10.0)], clip, 6.0, lambda report: True, pictures), (top, height)


def test_footage_zoomed_to_fill_a_re_frame_is_found_through_its_band(tmp_path):
    """A 9:16 re-frame that zooms 16:9 footage to fill the frame's width: the band
    shows the middle 77 % of the known picture, so neither it whole nor any form of
    the frame meets the known frames. Its part that shows the known centre 70 %
    does: found, with the band as its region and the shown part as its framing;
    without the search for filled panels, nothing is."""
    case, (top, height) = zoomed_reframe()
    portrait = dataclasses.replace(s.fingerprint(case.clip, case.duration, "clip"),
                                   width=90, height=160)  # fmt: skip

    def report(config=MATCH, where="fill"):
        with SqliteBank(tmp_path / where / "bank.sqlite") as bank:
            for name, frames, duration in case.known:
                bank.add_video(s.fingerprint(frames, duration, name))
            reframer = Reframer("clip", f"fps={s.CLIP_FPS:g}", config=config)
            for time, picture in case.pictures:
                reframer.add(time, picture)
            return match_fingerprint(portrait, bank, config, reframer=reframer)

    (tmp_path / "fill").mkdir()
    (found,) = report().matches
    assert found.segments[0].mean_distance <= MATCH.panel_fill_max_mean_distance
    assert abs(found.segments[0].ref_start - 2.0) <= 0.3
    assert abs(found.region["y"] - top / 160) <= 0.02
    assert abs(found.region["height"] - height / 160) <= 0.02
    assert found.framing is not None and abs(found.framing.width - 90 / 118) <= 0.02
    assert found.framing.height == 1.0
    (tmp_path / "whole").mkdir()
    unfilled = dataclasses.replace(MATCH, panel_fill_min_change=100.0)
    assert report(unfilled, "whole").matches == ()


def test_filled_boxes_show_the_known_centre_of_a_picture_cut_to_the_panel():
    from verify.matching.panels import filled_boxes

    # A 16:9 picture in a 90 x 66 panel: its middle 0.77 of columns, all rows.
    (box,) = filled_boxes(np.array([[0.0, 40.0, 90.0, 106.0]]), 16 / 9)
    shown = (90 / 66) / (16 / 9)
    cut = (1 - shown) / 2
    assert box == pytest.approx([(0.15 - cut) / shown * 90, 40 + 0.15 * 66,
                                 (0.85 - cut) / shown * 90, 40 + 0.85 * 66])  # fmt: skip
    # A 9:16 picture in a wide panel: its middle rows, all columns.
    (box,) = filled_boxes(np.array([[10.0, 0.0, 110.0, 50.0]]), 9 / 16)
    shown = (9 / 16) / 2.0
    assert box[0] == pytest.approx(10 + 15) and box[2] == pytest.approx(10 + 85)
    assert box[1] == pytest.approx((0.15 - (1 - shown) / 2) / shown * 50)
    # The picture's own shape: the plain centre 70 %.
    (box,) = filled_boxes(np.array([[0.0, 0.0, 160.0, 90.0]]), 16 / 9)
    assert box == pytest.approx([24.0, 13.5, 136.0, 76.5])


def test_a_moved_edge_is_bounded_by_the_rate_range():
    """A still shot between moving footage, matched whole: a shift soon reaches the
    moving footage, but holding one edge and moving the other keeps every frame on the
    still shot until the speed leaves the rate range: ending earlier (or starting
    later) makes the run 0.8x as fast within (1 - 0.8) x its span."""
    from verify.matching.offsets import Alignment
    from verify.matching.segments import placement_slack

    rng = np.random.default_rng(0)
    still = s.Source(np.repeat(s.random_hashes(rng, 1), round(10 * s.SOURCE_FPS), axis=0))
    source = s.joined(s.moving(rng, 5, drift=3), still, s.moving(rng, 5, drift=3))
    known = s.table(s.sample(source, 2, noise=2, rng=rng))
    clip = s.table(s.sample(source, 16, start=5.0, end=15.0, noise=2, rng=rng))
    pairs = close_pairs(clip, known, mirrored=False)
    offsets = known.time[pairs.k] - clip.time[pairs.q]
    run = list(range(clip.size))
    span = float(clip.time[-1] - clip.time[0])

    def slack(rate_range: tuple[float, float]) -> float:
        config = dataclasses.replace(MATCH, rate_range=rate_range)
        return placement_slack(
            Alignment(clip, known, pairs, offsets, False, 10, 20, config), run, 5.0
        )

    low = MATCH.rate_range[0]
    assert slack(MATCH.rate_range) == np.floor((1 - low) * span / known.interval) * known.interval
    assert slack((0.5, 2.0)) > slack(MATCH.rate_range)  # the range is what bounds it


def test_a_segment_claims_no_clip_time_outside_the_known_video():
    """Still footage placed by its offset alone may have matched frames beyond either end
    of the known video along that offset: the segment starts and ends where the known
    video does, so its clip seconds and known seconds stay the same length."""
    from verify.matching.offsets import Alignment
    from verify.matching.segments import segment_runs

    rng = np.random.default_rng(3)
    still = s.Source(np.repeat(s.random_hashes(rng, 1), round(6 * s.SOURCE_FPS), axis=0))
    known = s.table(s.sample(still, 2, noise=2, rng=rng))
    clip = s.table(s.sample(still, 16, noise=2, rng=rng))
    pairs = close_pairs(clip, known, mirrored=False)
    config = dataclasses.replace(
        MATCH, exact_offset_stage=False, middle_offset_stage=False, same_timeline_stage=False,
        extend_stage=False, edges_stage=False,
    )  # fmt: skip
    for offset in (-2.0, 2.0):  # the clip's first 2 s before the known start; last 2 s after
        alignment = Alignment(clip, known, pairs, np.zeros(0), False, 6.0, 6.0, config)
        chosen = {q: (q % known.size, offset, 1) for q in range(clip.size)}
        ((segment, _members),) = segment_runs(alignment, chosen, np.ones(clip.size, bool))
        assert segment.ref_start >= 0.0 and segment.ref_end <= 6.0
        assert segment.query_length == pytest.approx(segment.ref_end - segment.ref_start)
        assert segment.query_length == pytest.approx(4.0, abs=0.1)


def test_a_segment_moved_before_the_known_start_starts_with_it():
    """Moving a segment's start (a cut) to before the known video's start along its
    offset and rate stops it where the known video starts."""
    segment = Segment(2.0, 6.0, 1.0, 5.4, 40, 1.0, 2.0, 6.0, 8, 8, rate=1.1)
    moved = segment.moved(start=0.5)  # 1.5 clip s earlier: 1.65 known s, past 0
    assert moved.ref_start == 0.0
    assert moved.query_start == pytest.approx(2.0 - 1.0 / 1.1)
    assert (moved.query_end - moved.query_start) * 1.1 == pytest.approx(moved.ref_end)
    # Past the known video's end (8 s here), when the caller knows it: it ends with it.
    later = segment.moved(end=9.0, known_duration=8.0)  # 3 clip s later: 3.3 known s
    assert later.ref_end == 8.0
    assert later.query_end == pytest.approx(6.0 + 2.6 / 1.1)
    assert segment.moved(end=9.0).ref_end == pytest.approx(5.4 + 3.3)  # not known: as asked
