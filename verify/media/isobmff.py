"""A small reader for the box structure of MP4/QuickTime files.

ffprobe hides some structure that matters to an investigator: the order of
the top-level boxes (where the index sits), edit lists, the movie header's
modification time, and whether the file is shorter than its boxes declare.
We read only box headers and the ``moov`` index, seeking over media data, so
memory stays flat whatever the file size.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import os
import struct
from collections.abc import Iterator
from typing import BinaryIO

from verify.timestamps import format_utc

# The moov index of even multi-hour recordings is a few tens of MB; beyond
# this we report the layout but do not parse the index.
MAX_MOOV_BYTES = 64 << 20
_EPOCH_1904 = dt.datetime(1904, 1, 1, tzinfo=dt.timezone.utc)


@dataclasses.dataclass(frozen=True)
class EditList:
    """One track's edit list: (segment duration, media time, rate) entries.

    Segment durations count in the movie's timescale, media times in the
    track's own; a media time of -1 is an empty edit (the track waits).
    """

    track_id: int
    handler: str
    entries: tuple[tuple[int, int, float], ...]
    movie_timescale: int = 0
    media_timescale: int = 0

    @property
    def kind(self) -> str:
        """What the list does, from the harmless to the telling.

        ``identity`` plays the media as recorded; ``shift`` skips its first
        moments (encoders hide their start-up delay so); ``delay`` starts
        the track late with one empty edit (a camera's audio starting after
        its video); ``edited`` is anything else: parts skipped or repeated,
        as a cut without re-encoding leaves.
        """
        normal = [e for e in self.entries if e[1] >= 0]
        empty = [e for e in self.entries if e[1] == -1]
        one_play = len(normal) == 1 and self.entries[-1] is normal[0] and normal[0][2] == 1.0
        if not one_play or not len(empty) == len(self.entries) - 1 <= 1:
            return "edited"
        if empty:
            return "delay"
        return "shift" if normal[0][1] > 0 else "identity"

    @property
    def is_simple_shift(self) -> bool:
        """Anything short of an edit: identity, start-up shift or start delay."""
        return self.kind != "edited"

    @property
    def delay_s(self) -> float | None:
        """Seconds the track waits before it starts (an empty first edit)."""
        if self.entries and self.entries[0][1] == -1 and self.movie_timescale:
            return self.entries[0][0] / self.movie_timescale
        return None

    @property
    def skipped_s(self) -> float | None:
        """Seconds of recorded media skipped at the start."""
        starts = [e[1] for e in self.entries if e[1] >= 0]
        if starts and self.media_timescale:
            return starts[0] / self.media_timescale
        return None

    def to_dict(self) -> dict[str, object]:
        return {
            "track_id": self.track_id,
            "handler": self.handler,
            "kind": self.kind,
            "movie_timescale": self.movie_timescale,
            "media_timescale": self.media_timescale,
            "entries": [
                {"segment_duration": d, "media_time": t, "rate": r} for d, t, r in self.entries
            ],
        }


@dataclasses.dataclass(frozen=True)
class BoxLayout:
    """Top-level boxes, truncation and index details of one ISO/QuickTime file."""

    top_level: tuple[tuple[str, int, int], ...]  # (type, offset, declared size)
    truncated_by: int  # bytes missing versus what the boxes declare
    edit_lists: tuple[EditList, ...]
    movie_created: dt.datetime | None  # mvhd times, UTC by specification
    movie_modified: dt.datetime | None
    movie_duration: float | None = None  # seconds, as the movie header declares

    @property
    def box_order(self) -> list[str]:
        return [name for name, _, _ in self.top_level]

    @property
    def moov_before_mdat(self) -> bool | None:
        order = self.box_order
        if "moov" not in order or "mdat" not in order:
            return None
        return order.index("moov") < order.index("mdat")

    def to_dict(self) -> dict[str, object]:
        return {
            "top_level": [{"type": t, "offset": o, "size": s} for t, o, s in self.top_level],
            "moov_before_mdat": self.moov_before_mdat,
            "truncated_by": self.truncated_by,
            "edit_lists": [e.to_dict() for e in self.edit_lists],
            "movie_created": format_utc(self.movie_created) if self.movie_created else None,
            "movie_modified": format_utc(self.movie_modified) if self.movie_modified else None,
            "movie_duration": self.movie_duration,
        }


def read_layout(path: str | os.PathLike[str] | bytes) -> BoxLayout:
    """Walk the top-level boxes of ``path`` and parse its moov index."""
    file_size = os.path.getsize(path)
    top: list[tuple[str, int, int]] = []
    truncated_by = 0
    moov: bytes | None = None
    with open(path, "rb") as handle:
        offset = 0
        while offset + 8 <= file_size:
            header = _read_header(handle, offset, file_size)
            if header is None:
                break
            name, size, header_len = header
            top.append((name, offset, size))
            end = offset + size
            if end > file_size:
                truncated_by = end - file_size
                break
            if name == "moov" and moov is None and size <= MAX_MOOV_BYTES:
                handle.seek(offset + header_len)
                moov = handle.read(size - header_len)
            offset = end
    edit_lists: list[EditList] = []
    created = modified = duration = None
    if moov is not None:
        edit_lists, created, modified, duration = _parse_moov(moov)
    return BoxLayout(tuple(top), truncated_by, tuple(edit_lists), created, modified, duration)


def _read_header(handle: BinaryIO, offset: int, file_size: int) -> tuple[str, int, int] | None:
    handle.seek(offset)
    raw = handle.read(16)
    if len(raw) < 8:
        return None
    size, kind = struct.unpack(">I4s", raw[:8])
    header_len = 8
    if size == 1:
        if len(raw) < 16:
            return None
        size = struct.unpack(">Q", raw[8:16])[0]
        header_len = 16
    elif size == 0:
        size = file_size - offset
    if size < header_len or not _is_box_name(kind):
        return None
    return kind.decode("latin-1"), size, header_len


def _is_box_name(kind: bytes) -> bool:
    return all(32 <= b < 127 or b == 0xA9 for b in kind)


def children(data: bytes, start: int = 0) -> Iterator[tuple[str, bytes]]:
    """Yield (type, payload) for the boxes packed in ``data[start:]``."""
    offset = start
    while offset + 8 <= len(data):
        size, kind = struct.unpack_from(">I4s", data, offset)
        header_len = 8
        if size == 1 and offset + 16 <= len(data):
            size = struct.unpack_from(">Q", data, offset + 8)[0]
            header_len = 16
        elif size == 0:
            size = len(data) - offset
        if size < header_len or offset + size > len(data):
            return
        yield kind.decode("latin-1"), data[offset + header_len : offset + size]
        offset += size


def _mac_time(seconds: int) -> dt.datetime | None:
    if seconds == 0:
        return None
    try:
        return _EPOCH_1904 + dt.timedelta(seconds=seconds)
    except OverflowError:
        return None


def _parse_moov(
    moov: bytes,
) -> tuple[list[EditList], dt.datetime | None, dt.datetime | None, float | None]:
    created = modified = duration = None
    timescale = 0
    edit_lists: list[EditList] = []
    for kind, payload in children(moov):
        if kind == "mvhd" and len(payload) >= 20:
            version = payload[0]
            if version == 1 and len(payload) >= 32:
                c, m, timescale, length = struct.unpack_from(">QQIQ", payload, 4)
            else:
                c, m, timescale, length = struct.unpack_from(">IIII", payload, 4)
            created, modified = _mac_time(c), _mac_time(m)
            duration = length / timescale if timescale else None
        elif kind == "trak":
            edit = _parse_trak(payload)
            if edit is not None:
                edit_lists.append(dataclasses.replace(edit, movie_timescale=timescale))
    return edit_lists, created, modified, duration


def _parse_trak(trak: bytes) -> EditList | None:
    track_id = 0
    handler = ""
    media_timescale = 0
    entries: list[tuple[int, int, float]] | None = None
    for kind, payload in children(trak):
        if kind == "tkhd" and len(payload) >= 24:
            track_id = struct.unpack_from(">I", payload, 20 if payload[0] == 1 else 12)[0]
        elif kind == "edts":
            for sub, body in children(payload):
                if sub == "elst":
                    entries = _parse_elst(body)
        elif kind == "mdia":
            for sub, body in children(payload):
                if sub == "hdlr" and len(body) >= 12:
                    handler = body[8:12].decode("latin-1")
                elif sub == "mdhd" and len(body) >= 24:
                    at = 20 if body[0] == 1 else 12
                    media_timescale = struct.unpack_from(">I", body, at)[0]
    if entries is None:
        return None
    return EditList(track_id, handler, tuple(entries), media_timescale=media_timescale)


def _parse_elst(body: bytes) -> list[tuple[int, int, float]]:
    if len(body) < 8:
        return []
    version = body[0]
    count = struct.unpack_from(">I", body, 4)[0]
    entry_fmt = ">QqhH" if version == 1 else ">IihH"
    entry_size = struct.calcsize(entry_fmt)
    entries = []
    for index in range(min(count, (len(body) - 8) // entry_size)):
        duration, media_time, rate_int, rate_frac = struct.unpack_from(
            entry_fmt, body, 8 + index * entry_size
        )
        entries.append((duration, media_time, rate_int + rate_frac / 65536))
    return entries
