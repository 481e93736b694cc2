"""A minimal walk over TIFF IFDs, for what exifread leaves out: Apple's maker note.

An iPhone writes a Live Photo's pairing key, ContentIdentifier (tag 0x11),
into its maker note; the video half carries the same value as the
QuickTime key ``com.apple.quicktime.content.identifier``. The maker note is
an IFD after a ``Apple iOS`` header, its offsets counted from the header's
start.
"""

from __future__ import annotations

import struct
from collections.abc import Iterator

_EXIF_IFD, _MAKER_NOTE = 0x8769, 0x927C
_APPLE_HEADER = b"Apple iOS\x00"
_APPLE_CONTENT_IDENTIFIER = 0x0011
_TYPE_SIZES = {1: 1, 2: 1, 3: 2, 4: 4, 5: 8, 6: 1, 7: 1, 8: 2, 9: 4, 10: 8, 11: 4, 12: 8}
_MAX_ENTRIES = 1000


def _entries(data: bytes, offset: int, order: str, base: int = 0) -> Iterator[tuple[int, bytes]]:
    """(tag, value bytes) of the IFD at ``offset``; offsets inside count from ``base``."""
    if offset + 2 > len(data):
        return
    (count,) = struct.unpack_from(order + "H", data, offset)
    for index in range(min(count, _MAX_ENTRIES)):
        at = offset + 2 + 12 * index
        if at + 12 > len(data):
            return
        tag, kind, items = struct.unpack_from(order + "HHI", data, at)
        size = _TYPE_SIZES.get(kind, 1) * items
        if size <= 4:
            yield tag, data[at + 8 : at + 8 + size]
            continue
        (where,) = struct.unpack_from(order + "I", data, at + 8)
        start = base + where
        if start + size <= len(data):
            yield tag, data[start : start + size]


def apple_content_identifier(block: bytes) -> str | None:
    """ContentIdentifier from the Apple maker note of an EXIF TIFF block, if there is one."""
    if len(block) < 8 or block[:2] not in (b"II", b"MM"):
        return None
    order = "<" if block[:2] == b"II" else ">"
    (first,) = struct.unpack_from(order + "I", block, 4)
    exif_ifd = next((v for t, v in _entries(block, first, order) if t == _EXIF_IFD), None)
    if exif_ifd is None or len(exif_ifd) != 4:
        return None
    (exif_at,) = struct.unpack(order + "I", exif_ifd)
    note = next((v for t, v in _entries(block, exif_at, order) if t == _MAKER_NOTE), None)
    if note is None or not note.startswith(_APPLE_HEADER) or len(note) < 16:
        return None
    note_order = "<" if note[12:14] == b"II" else ">"
    for tag, value in _entries(note, 14, note_order):
        if tag == _APPLE_CONTENT_IDENTIFIER:
            return value.split(b"\x00")[0].decode("ascii", "replace").strip() or None
    return None
