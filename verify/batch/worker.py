"""The worker side of `verify batch`: one file in, one plain dict out.

`run_task` inspects and fingerprints a file (at `SAMPLING`, dense enough to
be matched) and, with a bank, matches it; or, for a file done by an earlier
run, only confirms by SHA-256 that it still has the same bytes. It never
raises: failures come back as error dicts, so one bad file cannot stop a
run. Fingerprints travel in rows as `fingerprint_fields` gives them.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import os
from typing import Any

from verify.bank import BankStore, open_bank
from verify.config import HASH, MATCH, HashConfig, MatchConfig
from verify.errors import BankError, ExitCode, InputError, ToolMissing, VerifyError
from verify.hashing.fingerprint import HashedFrame, VideoFingerprint, fingerprint_video
from verify.inspection.inspect import Inspection, check_readable_file, inspect_file
from verify.matching.match import match_file
from verify.matching.results import MatchReport
from verify.media.filehash import hash_file
from verify.timestamps import format_utc

# Files are sampled once, densely enough to be matched (the matcher's query
# sampling); what goes into a bank is thinned from it to the bank's rate.
SAMPLING = MATCH.query_sampling


@dataclasses.dataclass(frozen=True)
class FileTask:
    """One file for a worker; ``confirm_sha256`` asks only whether it still has those bytes."""

    path: str
    relative: str
    timeout: float
    bank: str | None
    folder: str
    confirm_sha256: str | None = None
    config: MatchConfig = MATCH
    hash_config: HashConfig = HASH


_WORKER_BANKS: dict[str, BankStore] = {}


def run_task(task: FileTask) -> dict[str, Any]:
    """Worker entry point: never raises, always a dict with a ``status``."""
    try:
        if task.confirm_sha256 is not None:
            return {"status": _confirm(task)}
        return {"status": "ok", "media": _examine(task)}
    except (ToolMissing, BankError) as exc:  # every later file would fail too: stop the run
        return {"status": "fatal", "error": exc.to_dict(), "path": exc.path}
    except VerifyError as exc:
        return {"status": "error", "error": exc.to_dict(), "stat": _stat_fields(task.path)}
    except Exception as exc:  # a bug: one error row, and the run goes on
        error = {
            "code": "internal",
            "message": f"internal error: {type(exc).__name__}: {exc} (please report it)",
            "exit_code": int(ExitCode.ERROR),
        }
        return {"status": "error", "error": error, "stat": _stat_fields(task.path)}


def _stat_fields(path: str) -> dict[str, Any] | None:
    try:
        info = os.stat(path)
    except OSError:
        return None
    mtime = dt.datetime.fromtimestamp(info.st_mtime, dt.timezone.utc)
    return {"size": info.st_size, "mtime": format_utc(mtime), "mtime_ns": info.st_mtime_ns}


def _confirm(task: FileTask) -> str:
    """``unchanged`` if the file still has the bytes its earlier row was made from."""
    try:
        before = os.stat(task.path)
        digest = hash_file(task.path)
        after = os.stat(task.path)
    except OSError:
        return "changed"
    same_stat = (before.st_size, before.st_mtime_ns) == (after.st_size, after.st_mtime_ns)
    return "unchanged" if same_stat and digest.sha256 == task.confirm_sha256 else "changed"


def _examine(task: FileTask) -> dict[str, Any]:
    """Inspect, fingerprint and (with a bank) match one file: the media part of its row."""
    before = check_readable_file(task.path)
    inspection = inspect_file(task.path, timeout=task.timeout)
    digest = inspection.digest
    kind = inspection.media_kind
    notes: list[str] = []
    fingerprint = None
    report = None
    if kind in {"video", "image"}:
        try:
            if task.bank is not None and kind == "video":
                report = _match(task, (digest.sha256, digest.size), inspection)
                fingerprint = report.query
            else:
                fingerprint = fingerprint_video(
                    task.path, task.config.query_sampling, timeout=task.timeout,
                    known_digest=(digest.sha256, digest.size), probed=inspection,
                    config=task.hash_config,
                )  # fmt: skip
        except VerifyError as exc:
            if kind == "video":
                raise
            notes.append(f"no perceptual hash, so not grouped by look: {exc.message}")
        else:
            notes.extend(fingerprint.notes)
    after = os.stat(task.path)
    if (after.st_size, after.st_mtime_ns) != (before.st_size, before.st_mtime_ns):
        raise InputError("the file changed while it was being read; the next run redoes it")
    matches = None
    if report is not None:
        inside = task.folder.rstrip(os.sep) + os.sep  # videos stored from this same folder
        matches = [m.to_dict() for m in report.matches if not m.video.path.startswith(inside)]
    capture = inspection.capture
    container = inspection.container
    video = next(
        (s for s in inspection.streams if s.kind == "video" and not s.attached_picture), None
    )
    size = video.display_size if video else None
    if fingerprint is not None:
        size = (fingerprint.width, fingerprint.height)
    return {
        "size": digest.size,
        "mtime": format_utc(inspection.mtime),
        "mtime_ns": before.st_mtime_ns,
        "sha256": digest.sha256,
        "md5": digest.md5,
        "media_kind": kind,
        "content": inspection.filetype.kind,
        "format": container.format_name if container else None,
        "duration": container.duration if container and kind != "image" else None,
        "width": size[0] if size else None,
        "height": size[1] if size else None,
        "creation_time": capture.creation_time.to_dict() if capture.creation_time else None,
        "device": {
            "make": capture.device.make,
            "model": capture.device.model,
            "software": capture.device.software,
        },
        "location": capture.location.to_dict() if capture.location else None,
        "flags": [flag.code for flag in inspection.flags],
        "bank_matches": matches,
        "notes": notes,
        "fingerprint": fingerprint_fields(fingerprint) if fingerprint else None,
    }


def _match(task: FileTask, digest: tuple[str, int], inspection: Inspection) -> MatchReport:
    """Fingerprint and match one file against the run's bank (opened once per worker)."""
    assert task.bank is not None
    bank = _WORKER_BANKS.get(task.bank)
    if bank is None:
        bank = _WORKER_BANKS[task.bank] = open_bank(task.bank, readonly=True)
    return match_file(
        task.path, bank, task.config, timeout=task.timeout, known_digest=digest,
        probed=inspection, hash_config=task.hash_config,
    )  # fmt: skip


# The fingerprint fields a row keeps (path, SHA-256, size and duration are the row's own).
ROW_FINGERPRINT_FIELDS = ("sampling", "width", "height", "crop", "inset", "frames")


def fingerprint_fields(fingerprint: VideoFingerprint) -> dict[str, Any]:
    """The fingerprint as a row stores it: as ``verify hash --json`` gives it, less the
    fields the row has already."""
    document = fingerprint.to_dict()
    return {name: document[name] for name in ROW_FINGERPRINT_FIELDS}


def row_fingerprint(row: dict[str, Any]) -> VideoFingerprint:
    """The `VideoFingerprint` stored in a ``file`` row."""
    data = row["fingerprint"]
    return VideoFingerprint(
        path=row["path"], sha256=row["sha256"], size=row["size"], duration=row["duration"],
        sampling=data["sampling"], width=data["width"], height=data["height"],
        crop=data["crop"], frames=tuple(HashedFrame.from_dict(f) for f in data["frames"]),
        inset=data["inset"],
    )  # fmt: skip
