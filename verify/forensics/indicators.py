"""One finding of the forensic timeline, as a value."""

from __future__ import annotations

import dataclasses
import enum
from collections.abc import Mapping


class Kind(enum.Enum):
    """What an indicator is about; its value is the name JSON carries."""

    GOP_CHANGE = "gop_change"
    TIMESTAMP_GAP = "timestamp_gap"
    TIMESTAMP_BACK = "timestamp_back"
    TIMESTAMP_DUPLICATE = "timestamp_duplicate"
    RATE_CHANGE = "rate_change"
    AUDIO_GAP = "audio_gap"
    AV_OFFSET = "av_offset"
    ENCODER_CHANGE = "encoder_change"
    ENCODER_RESTART = "encoder_restart"
    FROZEN = "frozen"
    DUPLICATED_FRAMES = "duplicated_frames"
    CUT = "cut"
    SPLICE_CANDIDATE = "splice_candidate"


@dataclasses.dataclass(frozen=True)
class Indicator:
    """A finding at ``time`` (to ``end`` where it spans), its evidence and one
    plain sentence saying what it is and what else could explain it."""

    kind: Kind
    time: float
    sentence: str
    evidence: Mapping[str, float | int | str | list[str]] = dataclasses.field(default_factory=dict)
    end: float | None = None

    def to_dict(self) -> dict[str, object]:
        return {
            "kind": self.kind.value,
            "time": round(self.time, 3),
            "end": None if self.end is None else round(self.end, 3),
            "sentence": self.sentence,
            "evidence": dict(self.evidence),
        }
