"""Moving a bank between backends, and its plain-text backup: JSON Lines with a checksum a row.

`export_bank` writes a header line, then one line per video: its record
(who added it, when, from where, the metadata summary) and its frame rows
(the packed `verify.bank.records.FRAME_DTYPE` rows, base64) and, where the
bank holds it, its sound (the packed landmarks, base64), then one line
per entry of a shared hash list (its list, signal, who imported it and when,
its packed PDQ rows), each line with the SHA-256 of its own canonical JSON.
`import_bank` checks every line before it writes anything, then adds all
videos in one transaction and all list entries in a second; the postings
are rebuilt from the hashes, so a round trip gives the same matches. Videos
(same SHA-256) and entries (same signal in the same list) already in the
target are left as they are.
"""

from __future__ import annotations

import base64
import dataclasses
import datetime as dt
import hashlib
import json
import os
from collections.abc import Iterator
from typing import Any

import numpy as np

from verify.audio.landmarks import LANDMARK_DTYPE, AudioFingerprint
from verify.bank.records import FRAME_DTYPE, check_frames, known_video, stored_audio
from verify.bank.store import BankStore, KnownVideo
from verify.errors import InputError
from verify.lists.stored import LIST_FRAME_DTYPE, NewEntry, list_record, stored_entry
from verify.output import atomic_writer
from verify.timestamps import format_utc

# 1.1: list entries; 1.2: a video's sound (older files, without them, are read too).
EXPORT_VERSION = "1.2"
_FIELDS = ("sha256", "path", "size", "duration", "width", "height", "sampling", "added_at",
           "source", "posted_at", "url", "summary", "frame_count", "added_by")  # fmt: skip


def _checksum(record: dict[str, Any]) -> str:
    body = {k: v for k, v in record.items() if k != "checksum"}
    canonical = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def _line(record: dict[str, Any]) -> bytes:
    record = {**record, "checksum": _checksum(record)}
    return (json.dumps(record, ensure_ascii=False, separators=(",", ":")) + "\n").encode("utf-8")


@dataclasses.dataclass(frozen=True)
class TransferSummary:
    """What an export or import did."""

    videos: int
    added: int | None = None  # import only: new in the target
    already_there: int | None = None
    list_entries: int = 0
    list_entries_added: int | None = None  # import only

    def to_dict(self) -> dict[str, Any]:
        return {"schema_version": EXPORT_VERSION, **dataclasses.asdict(self)}


def export_bank(bank: BankStore, target: str | os.PathLike[str]) -> TransferSummary:
    """Write every video and list entry of ``bank`` to ``target`` (replaced only once it is
    complete), as the bank stood at one moment: others may add and remove meanwhile."""
    with bank.snapshot(), atomic_writer(target) as out:
        videos = bank.videos()
        entries = list(bank.list_export())
        out.write(_line({
            "kind": "bank", "schema_version": EXPORT_VERSION, "videos": len(videos),
            "list_entries": len(entries),
            "exported_at": format_utc(dt.datetime.now(dt.timezone.utc)),
            "frame_fields": [name for name in FRAME_DTYPE.names],
            "list_frame_fields": [name for name in LIST_FRAME_DTYPE.names],
            "sound_fields": [name for name in LANDMARK_DTYPE.names],
        }))  # fmt: skip
        for video in videos:
            rows = bank.frame_rows(video.id)
            record = {"kind": "video", **{f: getattr(video, f) for f in _FIELDS}}
            record["frames"] = base64.b64encode(rows.tobytes()).decode("ascii")
            sound = bank.known_audio([video.id]).get(video.id)
            if sound is not None:
                record["sound"] = {
                    "duration": sound.duration, "window_s": sound.window_s,
                    "landmarks": base64.b64encode(sound.pack()).decode("ascii"),
                }  # fmt: skip
            out.write(_line(record))
        for entry, digest, frames in entries:
            record = {"kind": "list_entry", **entry.to_dict(), "digest": digest}
            del record["id"]
            record["frames"] = base64.b64encode(frames).decode("ascii")
            out.write(_line(record))
    return TransferSummary(len(videos), list_entries=len(entries))


def read_export(
    path: str | os.PathLike[str],
) -> Iterator[tuple[KnownVideo, np.ndarray, AudioFingerprint | None]]:
    """Each video of an export file; `InputError` naming the line of anything wrong."""
    for kind, item in _read(path):
        if kind == "video":
            yield item


def read_list_entries(path: str | os.PathLike[str]) -> Iterator[NewEntry]:
    """Each shared-list entry of an export file, as it was stored."""
    for kind, item in _read(path):
        if kind == "list_entry":
            yield item


def _read(path: str | os.PathLike[str]) -> Iterator[tuple[str, Any]]:
    """Every line of an export, checked: ("video", (video, frames, sound or None)) or
    ("list_entry", entry)."""
    try:
        handle = open(path, "rb")  # noqa: SIM115 (closed below, also when the caller stops)
    except OSError as exc:
        raise InputError(f"cannot read: {exc.strerror}", path) from None
    with handle:
        header = _record(handle.readline(), 1, path)
        if (
            header.get("kind") != "bank"
            or str(header.get("schema_version", "")).split(".")[0] != "1"
        ):
            raise InputError("not a verify bank export (no bank header on line 1)", path)
        if header.get("frame_fields") != list(FRAME_DTYPE.names):
            raise InputError(
                "the export's frame rows have other fields than this verify stores", path
            )
        promised_entries = header.get("list_entries", 0)
        if promised_entries and header.get("list_frame_fields") != list(LIST_FRAME_DTYPE.names):
            raise InputError(
                "the export's list hashes have other fields than this verify stores", path
            )
        count = entries = 0
        for number, raw in enumerate(handle, 2):
            record = _record(raw, number, path)
            if record.get("kind") == "list_entry":
                entries += 1
                yield "list_entry", _list_entry(record, number, path)
                continue
            if record.get("kind") != "video":
                raise InputError(f"line {number} is not a video or list entry record", path)
            try:
                blob = base64.b64decode(record["frames"], validate=True)
                problem = check_frames(blob)
                if problem:
                    raise ValueError(problem)
                frames = np.frombuffer(blob, FRAME_DTYPE)
                video = known_video(
                    (0, *(record[f] if f != "summary" else json.dumps(record[f]) for f in _FIELDS))
                )
                sound = _sound(record.get("sound"), header)
            except (KeyError, ValueError, TypeError) as exc:
                raise InputError(
                    f"line {number} holds a damaged video record ({exc})", path
                ) from None
            if frames.size != video.frame_count:
                raise InputError(f"line {number}: its frame count does not match its frames", path)
            count += 1
            yield "video", (video, frames.copy(), sound)
        if count != header.get("videos") or entries != promised_entries:
            raise InputError(
                f"the export is incomplete: its header promises {header.get('videos')} videos "
                f"and {promised_entries} list entries, it holds {count} and {entries}",
                path,
            )


def _sound(field: Any, header: dict[str, Any]) -> AudioFingerprint | None:
    """A video record's sound, if it has one (ValueError if it is damaged)."""
    if field is None:
        return None
    if header.get("sound_fields") != list(LANDMARK_DTYPE.names):
        raise ValueError("its sound has other fields than this verify stores")
    if not isinstance(field, dict) or not isinstance(field.get("landmarks"), str):
        raise ValueError("its sound is not a landmarks record")
    blob = base64.b64decode(field["landmarks"], validate=True)
    return stored_audio(field.get("duration"), field.get("window_s"), blob)


def _list_entry(record: dict[str, Any], number: int, path: str | os.PathLike[str]) -> NewEntry:
    try:
        frames = base64.b64decode(record["frames"], validate=True)
        entry = list_record((
            0, record["list"], record["signal_type"], record["label"], record["md5"],
            record["frame_count"], record["added_at"], record["added_by"],
        ))  # fmt: skip
        digest = record["digest"]
        if not isinstance(digest, str) or len(digest) != 64:
            raise ValueError("its digest is not a SHA-256")
        return stored_entry(entry, digest, frames)
    except (KeyError, ValueError, TypeError) as exc:
        raise InputError(f"line {number} holds a damaged list entry ({exc})", path) from None


def _record(raw: bytes, number: int, path: str | os.PathLike[str]) -> dict[str, Any]:
    try:
        record = json.loads(raw)
    except (json.JSONDecodeError, UnicodeDecodeError):
        raise InputError(
            f"line {number} is not JSON (a damaged or cut-short export)", path
        ) from None
    if not isinstance(record, dict) or record.get("checksum") != _checksum(record):
        raise InputError(
            f"line {number} fails its checksum: the export was changed or damaged", path
        )
    return record


def import_bank(bank: BankStore, source: str | os.PathLike[str]) -> TransferSummary:
    """Add the videos, then the list entries, of an export file to ``bank``; each kind all
    at once or (on any error) not at all, and nothing unless every line checks out."""
    kinds = [kind for kind, _item in _read(source)]  # every line checked before writing
    total, listed = kinds.count("video"), kinds.count("list_entry")
    added = bank.import_videos(read_export(source))
    entries_added = bank.add_list_entries(read_list_entries(source))[0] if listed else 0
    return TransferSummary(total, added, total - added, listed, entries_added)
