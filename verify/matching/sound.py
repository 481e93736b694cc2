"""The clip's sound against the bank's: which known videos' sound it plays, and how
that sits with what its picture shows.

A re-upload that covers or replaces the picture (a lower third over all of
it, a blur, a still image over the original sound) often keeps the sound;
a fake lays the sound of one video under the footage of another. So the
sound is matched on its own (`find_sound`: the bank's posted landmark
hashes name candidates, each aligned in full by `verify.audio.landmarks.align`)
and then read beside the picture's matches (`relate`):

- ``agrees``: the clip shows a known video's picture and plays its sound,
  in step (offsets within ``AudioConfig.agree_s``);
- ``shifted``: picture and sound of the same known video, out of step;
- ``under_other_footage``: a known video's sound while the picture shows
  another known video over the same seconds;
- ``sound_only``: a known video's sound while the picture matches nothing
  known over those seconds (replaced or covered);
- ``same_recording``: the clip or the known file has no picture at all (a
  voice message, a sound track): the sound is all there is to compare.

A picture match whose known video has sound stored that the clip (which has
sound) does not play where it could have been heard is listed as
``unheard``: the sound was replaced, or changed beyond recognition (a plain
tone under a low bit-rate encoder keeps too few of its peaks).
"""

from __future__ import annotations

import dataclasses
import enum
from typing import Any

import numpy as np

from verify.audio.landmarks import AudioFingerprint, AudioMatch, align
from verify.bank.store import BankStore, KnownVideo
from verify.config import AUDIO, AudioConfig
from verify.matching.results import Match


class Relation(str, enum.Enum):
    """How a known video's sound in the clip sits with the clip's picture."""

    AGREES = "agrees"
    SHIFTED = "shifted"
    UNDER_OTHER_FOOTAGE = "under_other_footage"
    SOUND_ONLY = "sound_only"
    SAME_RECORDING = "same_recording"


class SoundState(str, enum.Enum):
    """Whether the clip's sound could be matched at all."""

    MATCHED = "matched"  # some known video's sound found
    NO_MATCH = "no_match"  # sound compared, none found
    NO_SOUND = "no_sound"  # the clip has no sound (or only silence)
    UNREADABLE = "unreadable"  # the clip's sound could not be decoded
    BANK_HAS_NONE = "bank_has_none"  # no video in the bank has its sound stored


@dataclasses.dataclass(frozen=True)
class SoundMatch:
    """A known video's sound heard in the clip, and how it sits with the picture."""

    video: KnownVideo
    match: AudioMatch
    relation: Relation
    # under_other_footage: the known video the picture shows over those seconds.
    picture: KnownVideo | None = None
    # shifted: the sound's offset minus the picture's (seconds; positive: the sound
    # comes from later in the known video than the picture shown with it).
    shift: float | None = None

    def sentence(self) -> str:
        """The finding in one plain sentence."""
        if self.relation is Relation.AGREES:
            return "picture and sound are this video's, in step"
        if self.relation is Relation.SHIFTED:
            shift = self.shift or 0.0
            return (f"picture and sound are this video's, but the sound is {abs(shift):.2f} s "
                    f"{'later' if shift > 0 else 'earlier'} in the known video than the "
                    "picture shown with it (re-synced or re-edited)")  # fmt: skip
        if self.relation is Relation.SAME_RECORDING:
            return "the same recording: this file's sound (one of the two has no picture)"
        if self.relation is Relation.UNDER_OTHER_FOOTAGE:
            other = self.picture.path if self.picture else "another known video"
            return f"this video's sound is laid under footage of another known video ({other})"
        return (
            "only the sound matches: the picture over it matches nothing known "
            "(replaced or covered)"
        )

    def to_dict(self) -> dict[str, Any]:
        video = self.video
        return {
            "path": video.path,
            "sha256": video.sha256,
            "source": video.source,
            "posted_at": video.posted_at,
            "relation": self.relation.value,
            "sentence": self.sentence(),
            "picture_sha256": self.picture.sha256 if self.picture else None,
            "shift": None if self.shift is None else round(self.shift, 3),
            **self.match.to_dict(),
        }


@dataclasses.dataclass(frozen=True)
class SoundReport:
    """The clip's sound against the bank: what it matched, and what it should have."""

    state: SoundState
    matches: tuple[SoundMatch, ...] = ()
    # Known videos whose picture the clip shows, with their sound stored, whose sound
    # was not recognised over the matched seconds (the clip has sound of its own).
    unheard: tuple[KnownVideo, ...] = ()
    detail: str | None = None  # why the sound was unreadable
    landmarks: int = 0  # of the clip's sound

    def to_dict(self) -> dict[str, Any]:
        return {
            "state": self.state.value,
            "detail": self.detail,
            "landmarks": self.landmarks,
            "matches": [m.to_dict() for m in self.matches],
            "unheard": [{"path": v.path, "sha256": v.sha256} for v in self.unheard],
        }


def find_sound(
    bank: BankStore, clip: AudioFingerprint, config: AudioConfig = AUDIO
) -> list[tuple[int, AudioMatch]]:
    """Known videos whose stored sound the clip plays: (video id, alignment), most
    landmarks first."""
    candidates = bank.audio_candidates(
        clip.posted(config), min_votes=config.candidate_min_votes, limit=config.candidate_limit
    )
    stored = bank.known_audio(video_id for video_id, _votes in candidates)
    found = []
    for video_id, _votes in candidates:
        if video_id in stored:
            match = align(clip, stored[video_id], config)
            if match is not None:
                found.append((video_id, match))
    found.sort(key=lambda item: item[1].votes, reverse=True)
    return found


def _offsets(match: Match) -> list[tuple[float, float, float]]:
    """Each picture segment's (clip start, clip end, known minus clip seconds at its middle)."""
    return [
        (s.query_start, s.query_end,
         (s.ref_start + s.ref_end) / 2 - (s.query_start + s.query_end) / 2)
        for s in match.segments
    ]  # fmt: skip


def _overlap(start: float, end: float, sound: AudioMatch) -> float:
    """Seconds of [start, end] that the sound's segments cover."""
    return sum(max(0.0, min(end, s.query_end) - max(start, s.query_start)) for s in sound.segments)


def relate(
    found: list[tuple[KnownVideo, AudioMatch]],
    matches: tuple[Match, ...] | list[Match],
    config: AudioConfig = AUDIO,
    *,
    clip_has_picture: bool = True,
) -> list[SoundMatch]:
    """Each sound match read beside the picture's matches (see the module's docstring)."""
    by_video = {m.video.sha256: m for m in matches}
    related = []
    for video, sound in found:
        if not clip_has_picture or video.frame_count == 0:
            related.append(SoundMatch(video, sound, Relation.SAME_RECORDING))
            continue
        picture = by_video.get(video.sha256)
        if picture is not None:
            spans = _offsets(picture)
            # The picture segments heard with this sound; any, if none overlap.
            heard = [o for a, b, o in spans if _overlap(a, b, sound) > 0] or [o for *_, o in spans]
            nearest = min(heard, key=lambda o: abs(sound.offset - o), default=None)
            if nearest is None or abs(sound.offset - nearest) <= config.agree_s:
                related.append(SoundMatch(video, sound, Relation.AGREES))
            else:
                shift = sound.offset - nearest
                related.append(SoundMatch(video, sound, Relation.SHIFTED, shift=shift))
            continue
        heard_seconds = sum(s.query_end - s.query_start for s in sound.segments)
        over = [
            (sum(_overlap(s.query_start, s.query_end, sound) for s in m.segments), m)
            for m in matches
        ]
        best_seconds, best = max(over, key=lambda item: item[0], default=(0.0, None))
        if best is not None and best_seconds >= 0.5 * heard_seconds:
            related.append(
                SoundMatch(video, sound, Relation.UNDER_OTHER_FOOTAGE, picture=best.video)
            )
        else:
            related.append(SoundMatch(video, sound, Relation.SOUND_ONLY))
    return related


def unheard_sound(
    clip: AudioFingerprint,
    matches: tuple[Match, ...] | list[Match],
    stored: dict[int, AudioFingerprint],
    heard: set[int],
    config: AudioConfig = AUDIO,
) -> list[KnownVideo]:
    """Picture matches whose known video's stored sound the clip does not play.

    ``stored`` is the known videos' sound and ``heard`` the videos whose sound was
    found, both by video id. Only where it could have been heard: the clip has sound,
    and the known seconds its picture shows hold at least twice a match's landmarks
    of the known video's sound (a quiet stretch proves nothing).
    """
    if clip.count == 0:
        return []
    out = []
    for match in matches:
        known = stored.get(match.video.id)
        if known is None or match.video.id in heard:
            continue
        seconds = known.times.astype(np.float64) * known.window_s
        shown = sum(
            int(np.count_nonzero((seconds >= s.ref_start) & (seconds <= s.ref_end)))
            for s in match.segments
        )
        if shown >= 2 * config.min_votes:
            out.append(match.video)
    return out
