"""`relate` and `unheard_sound` on hand-made matches: how a sound match is read beside
the picture's, without any media."""

from __future__ import annotations

import numpy as np

from verify.audio.landmarks import AudioFingerprint, AudioMatch, AudioSegment
from verify.bank.store import KnownVideo
from verify.matching.results import Match
from verify.matching.segments import Segment
from verify.matching.sound import Relation, relate, unheard_sound


def video(name: str, frames: int = 20) -> KnownVideo:
    return KnownVideo(
        ord(name), name * 64, f"/{name}.mp4", 1000, 10.0, 320, 240, "fps=2", "2026-01-01T00:00:00Z",
        None, None, None, {}, frames,
    )  # fmt: skip


def picture(known: KnownVideo, start: float, end: float, offset: float) -> Match:
    return Match(known, 0.9, False, (Segment(start, end, start + offset, end + offset, 10, 1.0),))


def sound(start: float, end: float, offset: float) -> AudioMatch:
    segment = AudioSegment(start, end, start + offset, end + offset, 100)
    return AudioMatch(offset, 100, 10.0, (segment,))


A, B = video("a"), video("b")


def test_same_video_in_step_agrees_and_out_of_step_is_shifted():
    (same,) = relate([(A, sound(0, 10, 0.2))], [picture(A, 0, 10, 0.0)])
    assert same.relation is Relation.AGREES
    (late,) = relate([(A, sound(0, 10, -2.0))], [picture(A, 0, 10, 0.0)])
    assert late.relation is Relation.SHIFTED and late.shift == -2.0


def test_the_nearest_picture_segment_heard_with_the_sound_decides():
    # The picture shows A twice (a repeat at another offset); the sound is with the second.
    shown = Match(A, 0.9, False, (Segment(0, 5, 0, 5, 10, 1.0), Segment(5, 10, 20, 25, 10, 1.0)))
    (heard,) = relate([(A, sound(5, 10, 15.0))], [shown])
    assert heard.relation is Relation.AGREES


def test_sound_under_another_picture_needs_half_its_seconds():
    under = relate([(A, sound(0, 10, 0.0))], [picture(B, 0, 6, 0.0)])
    assert [(m.relation, m.picture) for m in under] == [(Relation.UNDER_OTHER_FOOTAGE, B)]
    apart = relate([(A, sound(0, 10, 0.0))], [picture(B, 0, 4, 0.0)])
    assert [m.relation for m in apart] == [Relation.SOUND_ONLY]


def test_without_a_picture_it_is_the_same_recording():
    clip = relate([(A, sound(0, 10, 0.0))], [], clip_has_picture=False)
    assert [m.relation for m in clip] == [Relation.SAME_RECORDING]
    track = video("t", frames=0)
    known = relate([(track, sound(0, 10, 0.0))], [picture(B, 0, 10, 0.0)])
    assert [m.relation for m in known] == [Relation.SAME_RECORDING]


def test_unheard_needs_sound_in_the_clip_and_enough_known_sound_shown():
    known = AudioFingerprint(np.arange(400, dtype=np.uint32), np.arange(400) // 4, 0.032, 12.8)
    clip = AudioFingerprint(np.arange(50, dtype=np.uint32), np.arange(50), 0.032, 5.0)
    silent = AudioFingerprint(np.zeros(0, np.uint32), np.zeros(0, np.int32), 0.032, 5.0)
    shown = [picture(A, 0, 3, 0.0)]  # known seconds 0-3: ~370 of its landmarks
    assert unheard_sound(clip, shown, {A.id: known}, set()) == [A]
    assert unheard_sound(clip, shown, {A.id: known}, {A.id}) == []  # it was heard
    assert unheard_sound(silent, shown, {A.id: known}, set()) == []
    glimpse = [picture(A, 0, 0.1, 0.0)]  # 0.1 s of known sound: too little to tell
    assert unheard_sound(clip, glimpse, {A.id: known}, set()) == []
