"""What matching finds: a `Match` per known video the clip copies, in one `MatchReport`."""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING, Any

from verify.bank.store import KnownVideo
from verify.hashing.fingerprint import VideoFingerprint
from verify.matching.reframe import Framing
from verify.matching.segments import Segment

if TYPE_CHECKING:
    from verify.audio.landmarks import AudioFingerprint

# 1.4: sound; 1.5: masked; 1.6: segments' rate; 1.7: their slack; 1.8: one edge moved too
SCHEMA_VERSION = "1.8"


@dataclasses.dataclass(frozen=True)
class Match:
    """One known video the clip copies."""

    video: KnownVideo
    score: float
    mirrored: bool
    segments: tuple[Segment, ...]
    framing: Framing | None = None  # the part of the known picture an off-centre crop shows
    # Where in the clip's frame the known picture was found (fractions of the
    # frame), when it fills only part of it: an inset, a half of a split screen.
    region: dict[str, float] | None = None
    # A band across the clip's picture (fractions of its height) filled in from the
    # rows around it before this match was found (`verify.matching.bands`).
    masked: dict[str, float] | None = None
    # Seconds between the known video's stored frames (its sampling).
    known_interval: float = dataclasses.field(default=0.5, compare=False)

    @property
    def coverage(self) -> float:
        """Seconds of the clip its segments cover."""
        return sum(s.query_length for s in self.segments)

    def to_dict(self) -> dict[str, Any]:
        video = self.video
        return {
            "path": video.path,
            "sha256": video.sha256,
            "score": round(float(self.score), 4),
            "mirrored": self.mirrored,
            "framing": self.framing.to_dict() if self.framing else None,
            "region": self.region,
            "masked": self.masked,
            "duration": video.duration,
            "source": video.source,
            "posted_at": video.posted_at,
            "url": video.url,
            "added_at": video.added_at,
            "segments": [s.to_dict() for s in self.segments],
        }


@dataclasses.dataclass(frozen=True)
class MatchReport:
    """Everything matching found for one clip.

    ``unframed`` names (by SHA-256) the candidates that may be off-centre crops
    but could not be searched for a framing, and ``unprobed`` says the clip's
    pictures were not looked up though its own frames gave few keys (still
    footage, whose crop may find no candidate at all): both happen when the
    caller had only the clip's fingerprint, not its pictures
    (`verify.matching.match_file` has both).
    """

    query: VideoFingerprint
    bank: str
    matches: tuple[Match, ...]
    candidates: int
    unframed: tuple[str, ...] = ()
    unprobed: bool = False
    # Entries of shared hash lists in the bank the file matches (`verify.lists.matching`).
    list_matches: tuple[Any, ...] = ()
    # The clip's sound against the bank's (`verify.matching.sound.SoundReport`); None when
    # only the fingerprint was matched (no file to hear).
    sound: Any = None
    # The clip's own sound as landmarks (`verify.audio.landmarks.AudioFingerprint`), when
    # the bank holds sound and the clip has some: not reported, kept so that a caller
    # adding the clip to the bank need not decode it again.
    clip_sound: AudioFingerprint | None = dataclasses.field(default=None, compare=False, repr=False)

    def to_dict(self) -> dict[str, Any]:
        return {
            "schema_version": SCHEMA_VERSION,
            "path": self.query.path,
            "sha256": self.query.sha256,
            "duration": self.query.duration,
            "sampling": self.query.sampling,
            "bank": self.bank,
            "candidates": int(self.candidates),
            "matches": [m.to_dict() for m in self.matches],
            "list_matches": [m.to_dict() for m in self.list_matches],
            "sound": self.sound.to_dict() if self.sound is not None else None,
        }
