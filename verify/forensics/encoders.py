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
from verify.forensics.indicators import Indicator, Kind, filled_times
from verify.media.frames import StreamFrames

# x264: "x264 - core 164 r3095 baf4d5c - H.264/MPEG-4 AVC codec - ... - options: ..."
# x265: "x265 (build 199) - 3.5+1-f0c1022b6:[Linux][GCC 11.2.0][64 bit] 8bit+10bit+12bit - ..."
_SIGNATURE = re.compile(rb"x264 - core \d+|x265 \(build \d+\)")
_PRINTABLE = re.compile(rb"[ -~]*")


@dataclasses.dataclass(frozen=True)
class EncoderString:
    """One settings string: where it sits in the file and what it says."""

    offset: int
    text: str
    complete: bool = True  # False: cut short (a transport stream's packet header)

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
                raw = bytes(data[hit.start() : hit.start() + config.encoder_string_max])
                # The string runs to its NUL; printable ASCII only (it comes from the
                # file, whoever made it). A transport stream cuts it at its next
                # packet's header: it ends early, and says so.
                printable = _PRINTABLE.match(raw)
                text = printable.group().decode("ascii") if printable else ""
                complete = raw[len(text) : len(text) + 1] == b"\x00"
                found.append(EncoderString(hit.start(), text, complete))
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
        time = float(filled_times(frames.pts)[order[slot]])
        shorter = min(len(first.text), len(later.text))
        if first.complete and later.complete:
            same = later.text == first.text
        else:  # compare what both kept
            same = later.text[:shorter] == first.text[:shorter]
        kind = Kind.ENCODER_RESTART if same else Kind.ENCODER_CHANGE
        changed = _changed_options(first, later)
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


def _options(string: EncoderString) -> dict[str, str]:
    """The ``key=value`` options of a settings string (x264's after "options:");
    of a string cut short, those before the cut."""
    text = string.text
    tail = text.split("options:", 1)[1] if "options:" in text else text
    parts = tail.split()
    if not string.complete and parts:
        parts = parts[:-1]  # the option the cut ran through
    return dict(part.split("=", 1) for part in parts if "=" in part)


def _changed_options(first: EncoderString, later: EncoderString) -> list[str]:
    """Options whose values differ, as ``key a -> b`` (of a string cut short, only
    those both kept)."""
    a, b = _options(first), _options(later)
    keys = a.keys() | b.keys() if first.complete and later.complete else a.keys() & b.keys()
    return [f"{k} {a.get(k, '-')} -> {b.get(k, '-')}" for k in sorted(keys)
            if a.get(k) != b.get(k)]  # fmt: skip
