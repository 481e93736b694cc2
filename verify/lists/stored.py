"""List entries as a bank stores them: hash-only records of footage named by a shared list.

An entry is one signal from an imported list (`verify index import-hashes`):
a video's vPDQ, a photo's PDQ, or a video's MD5. It has no media and no
path: a list names footage by hash. Its picture hashes are packed rows
(`LIST_FRAME_DTYPE`), looked up through postings of their 16-bit slices as
the bank's own hashes are; MD5 entries are found by their MD5.
"""

from __future__ import annotations

import dataclasses
import hashlib
import re
from collections.abc import Iterable
from typing import Any

import numpy as np

from verify.hashing.pdq import PdqHash
from verify.hashing.vpdq import WORDS, VpdqFeature, VpdqHash, pdq_words

LIST_FRAME_DTYPE = np.dtype(
    [("frame", "<i8"), ("quality", "u1"), ("time", "<f8"), ("pdq", "<u8", (WORDS,))]
)
SLICES = 16  # 16-bit slices of a 256-bit PDQ hash, each a posting key
_UTC_RE = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?Z$")
LIST_COLUMNS = "id, list, signal_type, label, md5, frame_count, added_at, added_by"
# A new entry row, in `new_entry_values` order.
LIST_INSERT_COLUMNS = (
    "list, signal_type, digest, label, md5, frame_count, frames, added_at, added_by"
)


@dataclasses.dataclass(frozen=True)
class ListRecord:
    """What the bank keeps of one list entry, besides its hashes."""

    id: int
    list: str  # the list it came from (--source)
    signal_type: str  # pdq, video_md5 or video_vpdq
    label: str | None  # the file or line it was read from
    md5: str | None
    frame_count: int
    added_at: str
    added_by: str | None

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "list": self.list,
            "signal_type": self.signal_type,
            "label": self.label,
            "md5": self.md5,
            "frame_count": self.frame_count,
            "added_at": self.added_at,
            "added_by": self.added_by,
        }


# One row a (list, signal type, adder): `list_summaries` folds them into lists.
LIST_SUMMARY_SQL = (
    "SELECT list, signal_type, added_by, count(*), min(added_at), max(added_at) "
    "FROM list_entries GROUP BY list, signal_type, added_by ORDER BY list"
)


@dataclasses.dataclass(frozen=True)
class ListSummary:
    """One list in a bank: how many entries of each signal type, who added them, when."""

    list: str
    signal_types: dict[str, int]
    added_by: tuple[str, ...]  # database users or login names ("" for none recorded)
    first_added: str
    last_added: str

    @property
    def entries(self) -> int:
        return sum(self.signal_types.values())

    def to_dict(self) -> dict[str, Any]:
        return {
            "list": self.list,
            "entries": self.entries,
            "signal_types": dict(sorted(self.signal_types.items())),
            "added_by": list(self.added_by),
            "first_added": self.first_added,
            "last_added": self.last_added,
        }


def list_summaries(rows: Iterable[tuple]) -> list[ListSummary]:
    """`LIST_SUMMARY_SQL` rows as one `ListSummary` a list, by name."""
    grouped: dict[str, list[tuple]] = {}
    for row in rows:
        grouped.setdefault(str(row[0]), []).append(row)
    summaries = []
    for name, group in sorted(grouped.items()):
        types: dict[str, int] = {}
        for _list, signal_type, _adder, count, _first, _last in group:
            types[str(signal_type)] = types.get(str(signal_type), 0) + int(count)
        adders = tuple(sorted({str(r[2] or "") for r in group}))
        first, last = min(str(r[4]) for r in group), max(str(r[5]) for r in group)
        summaries.append(ListSummary(name, types, adders, first, last))
    return summaries


@dataclasses.dataclass(frozen=True)
class NewEntry:
    """An entry to store: its list, signal, identity (``digest``) and packed hashes."""

    list: str
    signal_type: str
    digest: str  # SHA-256 of the signal as written: the same signal in one list is one row
    label: str | None
    md5: str | None
    frames: bytes
    frame_count: int
    keys: frozenset[int]
    # Set when an export is imported (who added it, when, kept as they were);
    # None: now, and the backend's own user.
    added_at: str | None = None
    added_by: str | None = None


def pack_vpdq(hashed: VpdqHash) -> bytes:
    rows = np.zeros(len(hashed.features), LIST_FRAME_DTYPE)
    rows["frame"] = [f.frame_number for f in hashed.features]
    rows["quality"] = [f.quality for f in hashed.features]
    rows["time"] = [f.timestamp for f in hashed.features]
    rows["pdq"] = pdq_words(f.pdq.value for f in hashed.features)
    return rows.tobytes()


def unpack_vpdq(blob: bytes) -> VpdqHash:
    """Stored rows as a vPDQ; `ValueError` if they are not whole rows of finite times."""
    if len(blob) % LIST_FRAME_DTYPE.itemsize:
        raise ValueError("its hashes have the wrong length")
    rows = np.frombuffer(blob, LIST_FRAME_DTYPE)
    if rows.size and not np.isfinite(rows["time"]).all():
        raise ValueError("its frame times are not numbers")
    # Plain Python values column by column: numpy scalars row by row cost 5x as much.
    # Word 0 is a hash's low 64 bits, so its words' little-endian bytes are the hash's.
    packed = np.ascontiguousarray(rows["pdq"], "<u8").tobytes()
    size = WORDS * 8
    qualities = np.minimum(rows["quality"], 100).tolist()
    columns = zip(rows["frame"].tolist(), qualities, rows["time"].tolist(), strict=True)
    features = []
    for i, (frame, quality, time) in enumerate(columns):
        value = int.from_bytes(packed[i * size : (i + 1) * size], "little")
        features.append(VpdqFeature(frame, quality, PdqHash(value, quality), time))
    return VpdqHash(tuple(features))


def pdq_keys(values: Iterable[int]) -> frozenset[int]:
    """Posting keys of 256-bit hashes: (slice position << 16) | 16-bit slice value.

    Two frames within vPDQ's 31 bits leave at least one of the 16 slices whole
    with high probability (and a copy has many frames); the candidates are
    then compared in full.
    """
    return frozenset(
        (position << 16) | ((value >> (16 * position)) & 0xFFFF)
        for value in values
        for position in range(SLICES)
    )


def new_entry(
    list_name: str, signal_type: str, signal: str, *, label: str | None,
    vpdq: VpdqHash | None, md5: str | None,
) -> NewEntry:  # fmt: skip
    """An entry ready to store (``vpdq`` for picture signals, ``md5`` for MD5 ones)."""
    digest = hashlib.sha256(f"{signal_type} {signal}".encode()).hexdigest()
    if vpdq is None:
        return NewEntry(list_name, signal_type, digest, label, md5, b"", 0, frozenset())
    return NewEntry(
        list_name, signal_type, digest, label, md5, pack_vpdq(vpdq), len(vpdq.features),
        pdq_keys(f.pdq.value for f in vpdq.features),
    )  # fmt: skip


def stored_entry(record: ListRecord, digest: str, frames: bytes) -> NewEntry:
    """An exported entry to store again as it was (its keys rebuilt from its hashes)."""
    hashed = unpack_vpdq(frames)
    if len(hashed.features) != record.frame_count:
        raise ValueError("its frame count does not match its hashes")
    return NewEntry(
        record.list, record.signal_type, digest, record.label, record.md5, frames,
        record.frame_count, pdq_keys(f.pdq.value for f in hashed.features), record.added_at,
        record.added_by,
    )  # fmt: skip


def new_entry_values(entry: NewEntry, now: str) -> tuple:
    """`LIST_INSERT_COLUMNS` values of a new entry (adder None: the backend's own)."""
    return (
        entry.list, entry.signal_type, entry.digest, entry.label, entry.md5, entry.frame_count,
        entry.frames, entry.added_at or now, entry.added_by,
    )  # fmt: skip


def list_record(row: tuple) -> ListRecord:
    """Check a ``list_entries`` row (`LIST_COLUMNS`) field by field."""
    entry_id, list_name, signal_type, label, md5, frame_count, added_at, added_by = row
    if not isinstance(list_name, str) or not isinstance(signal_type, str):
        raise ValueError("its list or signal type is not text")
    if not isinstance(frame_count, int) or frame_count < 0:
        raise ValueError("its frame count is not a count")
    if not isinstance(added_at, str) or not _UTC_RE.match(added_at):
        raise ValueError(f"the time it was added, {added_at!r}, is not a UTC time")
    return ListRecord(entry_id, list_name, signal_type, label, md5, frame_count, added_at, added_by)
