"""Moving a bank between backends, and its plain-text backup: JSON Lines with a checksum a row.

`export_bank` writes a header line, then one line per video: its record
(who added it, when, from where, the metadata summary) and its frame rows
(the packed `verify.bank.records.FRAME_DTYPE` rows, base64), each line with
the SHA-256 of its own canonical JSON. `import_bank` checks every line
before it writes anything, then adds all videos in one transaction; the
postings are rebuilt from the frames, so a round trip gives the same
matches. Videos already in the target (same SHA-256) are left as they are.
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

from verify.bank.records import FRAME_DTYPE, check_frames, known_video
from verify.bank.store import BankStore, KnownVideo
from verify.errors import InputError
from verify.output import atomic_writer
from verify.timestamps import format_utc

EXPORT_VERSION = "1.0"
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

    def to_dict(self) -> dict[str, Any]:
        return {"schema_version": EXPORT_VERSION, **dataclasses.asdict(self)}


def export_bank(bank: BankStore, target: str | os.PathLike[str]) -> TransferSummary:
    """Write every video of ``bank`` to ``target`` (replaced only once it is complete), as
    the bank stood at one moment: others may add and remove meanwhile."""
    with bank.snapshot(), atomic_writer(target) as out:
        videos = bank.videos()
        out.write(_line({
            "kind": "bank", "schema_version": EXPORT_VERSION, "videos": len(videos),
            "exported_at": format_utc(dt.datetime.now(dt.timezone.utc)),
            "frame_fields": [name for name in FRAME_DTYPE.names],
        }))  # fmt: skip
        for video in videos:
            rows = bank.frame_rows(video.id)
            record = {"kind": "video", **{f: getattr(video, f) for f in _FIELDS}}
            record["frames"] = base64.b64encode(rows.tobytes()).decode("ascii")
            out.write(_line(record))
    return TransferSummary(len(videos))


def read_export(path: str | os.PathLike[str]) -> Iterator[tuple[KnownVideo, np.ndarray]]:
    """Each video of an export file; `InputError` naming the line of anything wrong."""
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
        count = 0
        for number, raw in enumerate(handle, 2):
            record = _record(raw, number, path)
            if record.get("kind") != "video":
                raise InputError(f"line {number} is not a video record", path)
            try:
                blob = base64.b64decode(record["frames"], validate=True)
                problem = check_frames(blob)
                if problem:
                    raise ValueError(problem)
                frames = np.frombuffer(blob, FRAME_DTYPE)
                video = known_video(
                    (0, *(record[f] if f != "summary" else json.dumps(record[f]) for f in _FIELDS))
                )
            except (KeyError, ValueError, TypeError) as exc:
                raise InputError(
                    f"line {number} holds a damaged video record ({exc})", path
                ) from None
            if frames.size != video.frame_count:
                raise InputError(f"line {number}: its frame count does not match its frames", path)
            count += 1
            yield video, frames.copy()
        if count != header.get("videos"):
            raise InputError(
                f"the export is incomplete: its header promises {header.get('videos')} videos, "
                f"it holds {count}",
                path,
            )


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
    """Add the videos of an export file to ``bank``: all of them, or (on any error) none."""
    total = sum(1 for _ in read_export(source))  # every line checked before anything is written
    added = bank.import_videos(read_export(source))
    return TransferSummary(total, added, total - added)
