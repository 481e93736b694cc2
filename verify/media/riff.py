"""The AVI main header (``avih``): frame count and rate as the file declares them.

ffprobe measures an AVI's length from its index and media data, and gives
none when those are missing (a cut-short copy, a file stripped to its
headers); the main header still says how long the recording was.
"""

from __future__ import annotations

import dataclasses
import os
import struct

_HEADER_SCAN_BYTES = 64 << 10  # avih sits in the first list of the file


@dataclasses.dataclass(frozen=True)
class AviHeader:
    """``avih``: microseconds per frame, total frames and frame size."""

    microseconds_per_frame: int
    frames: int
    width: int
    height: int

    @property
    def duration(self) -> float | None:
        if not self.microseconds_per_frame or not self.frames:
            return None
        return self.frames * self.microseconds_per_frame / 1e6


def read_avi_header(path: str | os.PathLike[str] | bytes) -> AviHeader | None:
    """The main header of an AVI file, or None if it has none where it should."""
    with open(path, "rb") as handle:
        head = handle.read(_HEADER_SCAN_BYTES)
    if head[:4] != b"RIFF" or head[8:12] != b"AVI ":
        return None
    at = head.find(b"avih", 12)
    if at < 0 or at + 48 > len(head):
        return None
    per_frame, _, _, _, frames = struct.unpack_from("<5I", head, at + 8)
    width, height = struct.unpack_from("<II", head, at + 8 + 32)
    return AviHeader(per_frame, frames, width, height)
