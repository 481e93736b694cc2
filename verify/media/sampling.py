"""`Sampling`: which frames of a video to take (its own module: the command line
parses ``--sample`` without loading the decoder and numpy)."""

from __future__ import annotations

import dataclasses
import re

# The sampling recorded for a file that has sound and no picture (no frames taken).
SOUND_ONLY = "sound only"

_SAMPLING_RE = re.compile(r"^(keyframes|scenes|fps=(\d+(?:\.\d+)?))$")


@dataclasses.dataclass(frozen=True)
class Sampling:
    """Which frames to take: coded keyframes, N per second, or one per shot."""

    mode: str  # "keyframes", "fps", "scenes", or "every" (every frame, for `verify analyse`)
    rate: float | None = None  # frames per second for "fps"

    @classmethod
    def every_frame(cls) -> Sampling:
        """Every frame, each decoded exactly (what the forensic timeline compares)."""
        return cls("every")

    @classmethod
    def parse(cls, text: str) -> Sampling:
        """Parse ``keyframes``, ``scenes`` or ``fps=N`` (N > 0, at most 60)."""
        match = _SAMPLING_RE.match(text.strip())
        if not match:
            raise ValueError(f"unknown sampling {text!r}: use keyframes, scenes or fps=N")
        if match.group(2) is None:
            return cls(match.group(1))
        rate = float(match.group(2))
        if not 0 < rate <= 60:
            raise ValueError(f"fps must be between 0 and 60, not {rate:g}")
        return cls("fps", rate)

    def __str__(self) -> str:
        return f"fps={self.rate:g}" if self.mode == "fps" else self.mode
