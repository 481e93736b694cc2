"""Encoder signatures written inside the media data itself.

Software encoders leave their name and settings in the bitstream (x264 and
x265 in an SEI message of the first frame, FFmpeg's libavcodec in some
codecs' user data). Unlike container tags these survive a metadata wipe, so
they are evidence of re-encoding even when the tags were stripped.
"""

from __future__ import annotations

import os
import re

from verify.config import INSPECT

# Text each software encoder writes, followed by printable settings we keep
# (capped) as evidence.
_SIGNATURE_RE = re.compile(
    rb"(x264 - core \d+|x265 \(build \d+|Lavc\d+\.\d+\.\d+)[\x20-\x7e]{0,160}"
)
_NAMES = {b"x264": "x264 SEI", b"x265": "x265 SEI", b"Lavc": "libavcodec user data"}


def scan_signatures(
    path: str | os.PathLike[str] | bytes, limit: int = INSPECT.signature_scan_bytes
) -> list[tuple[str, str]]:
    """Return (kind, text) for each distinct encoder signature in the first ``limit`` bytes."""
    with open(path, "rb") as handle:
        head = handle.read(limit)
    found: dict[str, str] = {}
    for match in _SIGNATURE_RE.finditer(head):
        kind = _NAMES[match.group(1)[:4]]
        found.setdefault(kind, match.group(0).decode("ascii").strip())
    return list(found.items())
