"""One finding of the forensic timeline, as a value."""

from __future__ import annotations

import dataclasses
import enum
from collections.abc import Mapping

import numpy as np


class Kind(enum.Enum):
    """What an indicator is about; its value is the name JSON carries."""

    GOP_CHANGE = "gop_change"
    TIMESTAMP_GAP = "timestamp_gap"
    TIMESTAMP_BACK = "timestamp_back"
    TIMESTAMP_DUPLICATE = "timestamp_duplicate"
    TIMESTAMP_MISSING = "timestamp_missing"
    RATE_CHANGE = "rate_change"
    AUDIO_GAP = "audio_gap"
    AV_OFFSET = "av_offset"
    ENCODER_CHANGE = "encoder_change"
    ENCODER_RESTART = "encoder_restart"
    PARAMETER_CHANGE = "parameter_change"
    RECOMPRESSION = "recompression"
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
            "end": None if self.end is None or not np.isfinite(self.end) else round(self.end, 3),
            "sentence": self.sentence,
            # JSON has no NaN: a measure that could not be taken is null.
            "evidence": {
                key: None if isinstance(value, float) and not np.isfinite(value) else value
                for key, value in self.evidence.items()
            },
        }


def filled_times(times: np.ndarray, step: float = 1 / 25) -> np.ndarray:
    """``times`` with each missing (NaN) one filled in from its neighbours along
    the frame count (``step`` seconds a frame where none is known): every
    finding gets a place, even in a stream that lost its timestamps."""
    times = np.asarray(times, np.float64)
    known = np.isfinite(times)
    if known.all():
        return times
    index = np.arange(times.size, dtype=np.float64)
    if not known.any():
        return index * step
    if known.sum() == 1:
        return times[known][0] + (index - index[known][0]) * step
    return np.interp(index, index[known], times[known])
