"""Encoder settings strings in the stream: x264 and x265 write theirs once, into
the first frame of each encoding session (an SEI message). A second string part
way through, the same or different, means a second session's output was joined
on: footage re-encoded or spliced in.
"""

from __future__ import annotations

import dataclasses
import mmap
import os
import re

import numpy as np

from verify.config import TIMELINE, TimelineConfig
from verify.forensics.indicators import Indicator, Kind
from verify.media.frames import StreamFrames

# x264: "x264 - core 164 r3095 baf4d5c - H.264/MPEG-4 AVC codec - ... - options: ..."
# x265: "x265 (build 199) - 3.5+1-f0c1022b6:[Linux][GCC 11.2.0][64 bit] 8bit+10bit+12bit - ..."
_SIGNATURE = re.compile(rb"x264 - core \d+|x265 \(build \d+\)")


@dataclasses.dataclass(frozen=True)
class EncoderString:
    """One settings string: where it sits in the file and what it says."""

    offset: int
    text: str

    @property
    def encoder(self) -> str:
        return self.text.split(" ", 1)[0]


def encoder_strings(
    path: str | os.PathLike[str] | bytes, config: TimelineConfig = TIMELINE
) -> list[EncoderString]:
    """Every x264/x265 settings string in the file, in file order (read, never written)."""
    found: list[EncoderString] = []
    with open(path, "rb") as handle:
        if os.fstat(handle.fileno()).st_size == 0:
            return found
        with mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ) as data:
            for hit in _SIGNATURE.finditer(data):
                end = data.find(b"\x00", hit.start(), hit.start() + config.encoder_string_max)
                raw = data[hit.start() : end if end >= 0 else hit.start() + 200]
                # Printable ASCII only: the string comes from the file, whoever made it.
                text = "".join(c if " " <= c <= "~" else "?" for c in raw.decode("latin-1"))
                found.append(EncoderString(hit.start(), text))
    return found


def encoder_indicators(strings: list[EncoderString], frames: StreamFrames) -> list[Indicator]:
    """A second settings string (``ENCODER_CHANGE`` when it differs from the first,
    ``ENCODER_RESTART`` when it repeats it), at the frame whose packet holds it."""
    found: list[Indicator] = []
    if len(strings) < 2:
        return found
    order = np.argsort(frames.position, kind="stable")
    positions = frames.position[order]
    first = strings[0]
    for later in strings[1:]:
        slot = int(np.searchsorted(positions, later.offset, side="right")) - 1
        inside = slot >= 0 and 0 <= later.offset - positions[slot] < frames.size[order[slot]]
        if not inside:
            continue  # not inside the video's packets (another track, a header copy)
        time = float(frames.pts[order[slot]])
        same = later.text == first.text
        kind = Kind.ENCODER_RESTART if same else Kind.ENCODER_CHANGE
        changed = _changed_options(first.text, later.text)
        if same:
            what = "the same encoder settings as at the start"
        elif later.encoder != first.encoder:
            what = f"another encoder ({later.encoder}, {first.encoder} at the start)"
        else:
            what = "other settings than at the start (" + (", ".join(changed[:6]) or "build") + ")"

        found.append(
            Indicator(
                kind,
                time,
                f"A second encoding session starts at {time:.3f} s, with {what}: "
                "footage encoded separately was joined here (an editor's smart render, "
                "or a splice), since an encoder writes this string once per session.",
                {
                    "settings": later.text,
                    "first_settings": first.text,
                    "byte_offset": later.offset,
                    "changed_options": changed,
                },
            )
        )
    return found


def _options(text: str) -> dict[str, str]:
    """The ``key=value`` options of a settings string (x264's after "options:")."""
    tail = text.split("options:", 1)[1] if "options:" in text else text
    return dict(part.split("=", 1) for part in tail.split() if "=" in part)


def _changed_options(first: str, later: str) -> list[str]:
    """Options whose values differ, as ``key a -> b``."""
    a, b = _options(first), _options(later)
    return [f"{k} {a.get(k, '-')} -> {b.get(k, '-')}" for k in sorted(a.keys() | b.keys())
            if a.get(k) != b.get(k)]  # fmt: skip
