"""The worker side of `verify batch`: one file in, one result out (a `FileRow` or an error).

`run_task` inspects and fingerprints a file (at `SAMPLING`, dense enough to
be matched) and, with a bank, matches it; or, for a file done by an earlier
run, only confirms by SHA-256 that it still has the same bytes. It never
raises: failures come back as error dicts, so one bad file cannot stop a
run. A file done comes back as its `FileRow`.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import os
import threading
from typing import Any

from verify.bank import BankStore, open_bank
from verify.batch.rows import FileRow
from verify.config import HASH, MATCH, HashConfig, MatchConfig
from verify.errors import BankError, ExitCode, InputError, ToolMissing, VerifyError
from verify.hashing.fingerprint import fingerprint_video
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
    # Keep the sound matching heard with the row (`FileRow.clip_sound`): the run adds
    # its videos to the bank (`--add-to-bank`), which would decode it again.
    keep_sound: bool = False


# Banks a worker opened, per thread: a Dask worker runs several files at once
# in threads, and an SQLite connection (with its temp probe table) is one
# thread's alone.
_WORKER_BANKS = threading.local()


def run_task(task: FileTask) -> dict[str, Any]:
    """Worker entry point: never raises, always a dict with a ``status``."""
    try:
        if task.confirm_sha256 is not None:
            return {"status": _confirm(task)}
        return {"status": "ok", "row": _examine(task)}
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


def lost_result(task: FileTask, reason: str) -> dict[str, Any]:
    """The error result standing in for a file whose work never came back (a cluster's)."""
    error = {"code": "error", "message": reason, "exit_code": int(ExitCode.ERROR)}
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


def _examine(task: FileTask) -> FileRow:
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
    duration = container.duration if container and kind != "image" else None
    if fingerprint is not None:  # as a row read back gives it: the row's path and duration
        fingerprint = dataclasses.replace(
            fingerprint, path=task.relative, duration=duration, notes=()
        )
    device = capture.device
    return FileRow(
        path=task.relative, size=digest.size, mtime=format_utc(inspection.mtime),
        mtime_ns=before.st_mtime_ns, sha256=digest.sha256, md5=digest.md5, media_kind=kind,
        content=inspection.filetype.kind,
        format=container.format_name if container else None, duration=duration,
        width=size[0] if size else None, height=size[1] if size else None,
        creation_time=capture.creation_time.to_dict() if capture.creation_time else None,
        device={"make": device.make, "model": device.model, "software": device.software},
        location=capture.location.to_dict() if capture.location else None,
        flags=tuple(flag.code for flag in inspection.flags),
        bank_matches=None if matches is None else tuple(matches), notes=tuple(notes),
        fingerprint=fingerprint,
        list_matches=None if report is None else tuple(m.to_dict() for m in report.list_matches),
        sound=report.sound.to_dict() if report is not None and report.sound is not None else None,
        clip_sound=report.clip_sound if report is not None and task.keep_sound else None,
    )  # fmt: skip


def _match(task: FileTask, digest: tuple[str, int], inspection: Inspection) -> MatchReport:
    """Fingerprint and match one file against the run's bank (opened once per worker)."""
    assert task.bank is not None
    banks: dict[str, BankStore] = _WORKER_BANKS.__dict__.setdefault("open", {})
    bank = banks.get(task.bank)
    if bank is None:
        bank = banks[task.bank] = open_bank(task.bank, readonly=True)
    return match_file(
        task.path, bank, task.config, timeout=task.timeout, known_digest=digest,
        probed=inspection, hash_config=task.hash_config,
    )  # fmt: skip
