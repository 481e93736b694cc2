"""`verify batch`: every video and photo in a folder, inspected, hashed, matched and grouped.

The folder is walked for media files (by extension, hidden files skipped).
A folder holding ``result.json`` is a Telegram Desktop export: each file is
linked to the message it came with (see `verify.telegram`), and files the
export names but lacks become error rows.

Worker processes (`_run_task`) inspect and fingerprint one file each and
return plain dicts; this process writes one JSON line per file as each
finishes (`verify.jsonl`: whole-line appends, flushed to disk), and at the
end adds files to the bank, groups copies (`verify.clustering`) and writes
the summary line and the CSV table. SQLite is written from this process only.

The JSON Lines output is its own resume record. Its first line (``run``)
names the folder and bank; each ``file`` row carries the size, mtime (ns)
and SHA-256 it was made from, and the file's fingerprint, so a later run
can group files without decoding them again. A rerun keeps the rows whose
file still has the same path, size and mtime *and* SHA-256 (the file is
hashed again to confirm), drops everything else (error rows, rows of changed
or vanished files, a torn last line, the old summary) and does the rest.
"""

from __future__ import annotations

import collections
import concurrent.futures
import csv
import dataclasses
import datetime as dt
import io
import multiprocessing
import os
import signal
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path
from typing import Any

from verify import __version__, defaults
from verify.bank import Bank
from verify.clustering import Group, Item, find_groups
from verify.errors import (
    ExitCode,
    InputError,
    OutputError,
    ToolMissing,
    VerifyError,
    display_path,
)
from verify.ffmpeg_tools import find_tool
from verify.filehash import hash_file
from verify.fingerprint import HashedFrame, VideoFingerprint, fingerprint_video, thin_to_rate
from verify.frames import Sampling
from verify.inspection import check_readable_file, inspect_file
from verify.jsonl import Appender, Line, read_lines, rewrite
from verify.matching import match_clip
from verify.output import atomic_write_bytes, check_writable
from verify.perceptual import VARIANTS, FrameHash
from verify.progress import ProgressState
from verify.telegram import TelegramPost, download_time_from_name, load_export
from verify.timestamps import format_utc
from verify.walk import MEDIA_EXTENSIONS

SCHEMA_VERSION = "1.0"
# Files are sampled once, densely enough to be matched (see MATCH_SAMPLING);
# what goes into a bank is thinned from it to the bank's rate.
SAMPLING = defaults.MATCH_SAMPLING
# Fingerprint frames in a row: [time, phash, dhash, *VARIANTS, flags].
FRAME_COLUMNS = ("time", "phash", "dhash", *VARIANTS, "flags")
FLAG_UNIFORM, FLAG_KEYFRAME = 1, 2
DOWNLOAD_NAME_NOTE = (
    "Telegram Desktop names a downloaded file after the moment it was saved, in the "
    "local time of the computer that saved it: not when it was posted, not when it "
    "was recorded"
)
# Capture times these flags call into doubt are not used to order copies.
_DOUBTFUL_TIME_FLAGS = frozenset({"creation_time_epoch", "creation_time_future"})

Report = Callable[[str], None]


# --------------------------------------------------------------------------- the plan


@dataclasses.dataclass(frozen=True)
class BatchItem:
    """One file to process: where it is, how results name it, the message it came with."""

    path: str  # absolute
    relative: str  # relative to the folder, "/" separators: the key of its row
    post: TelegramPost | None = None
    problem: InputError | None = None  # known bad before any work (missing from an export)


@dataclasses.dataclass(frozen=True)
class BatchPlan:
    """What a folder holds for `verify batch`."""

    folder: str  # absolute
    items: tuple[BatchItem, ...]
    exports: tuple[str, ...]  # folders holding result.json, relative ("." for the folder)
    thumbnails: int  # Telegram's own previews, skipped


def _relative(path: str, folder: str) -> str:
    return display_path(os.path.relpath(path, folder)).replace(os.sep, "/")


def check_folder(folder: str | os.PathLike[str]) -> str:
    """The folder as an absolute path; `InputError` if it cannot be listed."""
    try:
        with os.scandir(folder):
            pass
    except FileNotFoundError:
        raise InputError("no such folder", folder) from None
    except NotADirectoryError:
        raise InputError("not a folder (use `verify inspect` for single files)", folder) from None
    except PermissionError:
        raise InputError("permission denied: the folder cannot be listed", folder) from None
    except OSError as exc:
        raise InputError(f"cannot list the folder: {exc.strerror}", folder) from None
    return os.path.abspath(folder)


def plan_batch(folder: str | os.PathLike[str]) -> BatchPlan:
    """Find the media files under ``folder`` and link export files to their messages.

    A ``result.json`` that cannot be read fails the whole plan (`InputError`):
    going on without it would silently lose every post time.
    """
    root = check_folder(folder)
    real_root = os.path.realpath(root)  # export paths are resolved
    items: list[BatchItem] = []
    exports: list[str] = []
    posts: dict[str, TelegramPost] = {}
    thumbnails: set[str] = set()
    skipped = 0
    unlisted: list[OSError] = []
    for current, folders, files in os.walk(root, onerror=unlisted.append):
        folders[:] = sorted(f for f in folders if not f.startswith("."))
        if "result.json" in files:
            export = load_export(current)
            exports.append(_relative(current, root))
            posts.update(export.posts)
            thumbnails |= export.thumbnails
            for path, post in export.missing.items():
                problem = InputError(
                    f"result.json names this file (message {post.message_id}) but it is not "
                    "in the export: the export is incomplete or files were moved"
                )
                items.append(BatchItem(path, _relative(path, real_root), post, problem))
        for name in sorted(files):
            if name.startswith(".") or os.path.splitext(name)[1].lower() not in MEDIA_EXTENSIONS:
                continue
            path = os.path.join(current, name)
            resolved = os.path.realpath(path)
            if resolved in thumbnails:
                skipped += 1
                continue
            items.append(BatchItem(path, _relative(path, root), posts.get(resolved)))
    for error in unlisted:
        name = error.filename or root
        problem = InputError(f"this folder cannot be listed: {error.strerror}")
        items.append(BatchItem(name, _relative(name, root) + "/", None, problem))
    items.sort(key=lambda item: item.relative)
    return BatchPlan(root, tuple(items), tuple(exports), skipped)


def default_output(folder: str | os.PathLike[str]) -> Path:
    """Results beside the folder, never inside it: ``Telegram Desktop.verify.jsonl``."""
    absolute = Path(os.path.abspath(folder))
    return absolute.parent / f"{absolute.name or 'folder'}.verify.jsonl"


def is_inside(path: str | os.PathLike[str], folder: str | os.PathLike[str]) -> bool:
    real = os.path.realpath(path)
    return real.startswith(os.path.realpath(folder).rstrip(os.sep) + os.sep)


# --------------------------------------------------------------------------- workers


@dataclasses.dataclass(frozen=True)
class _Task:
    """One file for a worker; ``confirm_sha256`` asks only whether it still has those bytes."""

    path: str
    relative: str
    timeout: float
    bank: str | None
    folder: str
    confirm_sha256: str | None = None


_WORKER_BANKS: dict[str, Bank] = {}


def _init_worker(environment: dict[str, str], parent: Any) -> None:
    # Ctrl-C is the parent's to handle: it stops the workers itself, and
    # writes nothing after. The environment is the parent's as of this run
    # (a fork server started earlier may hold an older one).
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    os.environ.clear()
    os.environ.update(environment)
    threading.Thread(target=_exit_with_parent, args=(parent,), daemon=True).start()


def _exit_with_parent(parent: Any) -> None:
    """End this worker when the parent is gone (killed: it could not stop us itself).

    ``parent`` is the read end of a pipe only the parent can write to: it
    reads end-of-file when the parent exits, however it exits.
    """
    try:
        parent.recv()
    except (EOFError, OSError):
        os._exit(1)


def _run_task(task: _Task) -> dict[str, Any]:
    """Worker entry point: never raises, always a dict with a ``status``."""
    try:
        if task.confirm_sha256 is not None:
            return {"status": _confirm(task)}
        return {"status": "ok", "media": _examine(task)}
    except ToolMissing as exc:
        return {"status": "fatal", "message": str(exc)}
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


def _confirm(task: _Task) -> str:
    """``unchanged`` if the file still has the bytes its earlier row was made from."""
    try:
        before = os.stat(task.path)
        digest = hash_file(task.path)
        after = os.stat(task.path)
    except OSError:
        return "changed"
    same_stat = (before.st_size, before.st_mtime_ns) == (after.st_size, after.st_mtime_ns)
    return "unchanged" if same_stat and digest.sha256 == task.confirm_sha256 else "changed"


def _examine(task: _Task) -> dict[str, Any]:
    """Inspect, fingerprint and (with a bank) match one file: the media part of its row."""
    before = check_readable_file(task.path)
    inspection = inspect_file(task.path, timeout=task.timeout)
    digest = inspection.digest
    kind = inspection.media_kind
    notes: list[str] = []
    fingerprint = None
    if kind in {"video", "image"}:
        try:
            fingerprint = fingerprint_video(
                task.path, SAMPLING, timeout=task.timeout, known_digest=(digest.sha256, digest.size)
            )
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
    if task.bank is not None and kind == "video" and fingerprint is not None:
        matches = _bank_matches(task, fingerprint)
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
        "fingerprint": encode_fingerprint(fingerprint) if fingerprint else None,
    }


def _bank_matches(task: _Task, fingerprint: VideoFingerprint) -> list[dict[str, Any]]:
    """Known videos the file copies, leaving out those stored from this same folder."""
    assert task.bank is not None
    bank = _WORKER_BANKS.get(task.bank)
    if bank is None:
        bank = _WORKER_BANKS[task.bank] = Bank(task.bank, readonly=True)
    inside = task.folder.rstrip(os.sep) + os.sep
    report = match_clip(fingerprint, bank)
    return [m.to_dict() for m in report.matches if not m.video.path.startswith(inside)]


# --------------------------------------------------------------------------- fingerprints in rows


def encode_fingerprint(fingerprint: VideoFingerprint) -> dict[str, Any]:
    """The fingerprint as a row stores it: frames as compact arrays (`FRAME_COLUMNS`)."""
    frames = []
    for frame in fingerprint.frames:
        flags = (FLAG_UNIFORM if frame.uniform else 0) | (FLAG_KEYFRAME if frame.keyframe else 0)
        hashes = [str(frame.phash), str(frame.dhash), *(str(frame.variants[n]) for n in VARIANTS)]
        frames.append([round(frame.time, 4), *hashes, flags])
    return {
        "sampling": fingerprint.sampling,
        "width": fingerprint.width,
        "height": fingerprint.height,
        "crop": fingerprint.crop,
        "inset": fingerprint.inset,
        "frames": frames,
    }


def decode_fingerprint(row: dict[str, Any]) -> VideoFingerprint:
    """The `VideoFingerprint` stored in a ``file`` row."""
    data = row["fingerprint"]
    frames = []
    for values in data["frames"]:
        time_s, phash, dhash, *variants, flags = values
        frames.append(
            HashedFrame(
                float(time_s), FrameHash.from_hex(phash), FrameHash.from_hex(dhash),
                bool(flags & FLAG_UNIFORM), bool(flags & FLAG_KEYFRAME),
                {n: FrameHash.from_hex(v) for n, v in zip(VARIANTS, variants, strict=True)},
            )
        )  # fmt: skip
    return VideoFingerprint(
        path=row["path"], sha256=row["sha256"], size=row["size"], duration=row["duration"],
        sampling=data["sampling"], width=data["width"], height=data["height"],
        crop=data["crop"], frames=tuple(frames), inset=data["inset"],
    )  # fmt: skip


# --------------------------------------------------------------------------- rows


def _download_name(item: BatchItem) -> dict[str, str] | None:
    if item.post is not None:
        return None
    local = download_time_from_name(os.path.basename(item.path))
    return {"local_time": local, "note": DOWNLOAD_NAME_NOTE} if local else None


def file_row(item: BatchItem, media: dict[str, Any]) -> dict[str, Any]:
    """The ``file`` row: what the worker found, the message, the download-name caveat."""
    row: dict[str, Any] = {"schema_version": SCHEMA_VERSION, "kind": "file", "path": item.relative}
    fingerprint = media["fingerprint"]
    row.update((k, v) for k, v in media.items() if k != "fingerprint")
    row["telegram"] = item.post.to_dict() if item.post else None
    row["download_name"] = _download_name(item)
    row["fingerprint"] = fingerprint  # last: the long part
    return row


def error_row(
    item: BatchItem, error: dict[str, Any], stat: dict[str, Any] | None = None
) -> dict[str, Any]:
    """The ``error`` row of a file that could not be processed."""
    stat = stat or {}
    return {
        "schema_version": SCHEMA_VERSION,
        "kind": "error",
        "path": item.relative,
        "size": stat.get("size"),
        "mtime": stat.get("mtime"),
        "mtime_ns": stat.get("mtime_ns"),
        "error": error,
        "telegram": item.post.to_dict() if item.post else None,
        "download_name": _download_name(item),
    }


def evidence(row: dict[str, Any]) -> dict[str, Any]:
    """The earliest time a row gives for its file: the post, else the claimed capture."""
    post = row.get("telegram")
    if post and post.get("posted_at"):
        chat = post.get("chat_name") or "chat"
        source = f"{chat}, message {post['message_id']}"
        return {"kind": "telegram_post", "time": post["posted_at"], "source": source}
    created = row.get("creation_time")
    if created and created.get("utc") and not _DOUBTFUL_TIME_FLAGS & set(row.get("flags", [])):
        return {"kind": "capture_time", "time": created["utc"], "source": created["source"]}
    return {"kind": "none", "time": None, "source": None}


def _evidence_order(row: dict[str, Any]) -> tuple[bool, str, str]:
    time_text = evidence(row)["time"]
    return (time_text is None, time_text or "", row["path"])


# --------------------------------------------------------------------------- the summary


@dataclasses.dataclass(frozen=True)
class Cluster:
    """Copies of the same footage, earliest evidence first."""

    id: int
    media_kind: str
    members: tuple[dict[str, Any], ...]  # path, sha256, evidence
    links: tuple[dict[str, Any], ...]

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "media_kind": self.media_kind,
            "members": list(self.members),
            "links": list(self.links),
        }


@dataclasses.dataclass(frozen=True)
class BatchSummary:
    """The outcome of a run over the whole folder (this run and any it resumed)."""

    folder: str
    out: str
    csv: str | None
    files: int
    ok: int
    failed: tuple[dict[str, Any], ...]  # path and error of each error row
    skipped: int  # done by an earlier run, confirmed unchanged
    processed: int  # worked on in this run
    exports: tuple[str, ...]
    thumbnails: int
    download_named: int
    bank: dict[str, Any] | None
    clusters: tuple[Cluster, ...]
    started_at: str
    finished_at: str
    seconds: float
    workers: int

    @property
    def exit_code(self) -> ExitCode:
        """OK; PARTIAL when some files failed; the first error's code when all did."""
        if not self.failed:
            return ExitCode.OK
        if self.ok == 0:
            return ExitCode(self.failed[0]["error"]["exit_code"])
        return ExitCode.PARTIAL

    def to_dict(self) -> dict[str, Any]:
        return {
            "schema_version": SCHEMA_VERSION,
            "kind": "summary",
            "folder": self.folder,
            "out": self.out,
            "csv": self.csv,
            "files": self.files,
            "ok": self.ok,
            "errors": len(self.failed),
            "skipped": self.skipped,
            "processed": self.processed,
            "telegram_exports": list(self.exports),
            "telegram_thumbnails_skipped": self.thumbnails,
            "download_named": self.download_named,
            "bank": self.bank,
            "clusters": [c.to_dict() for c in self.clusters],
            "failed": list(self.failed),
            "started_at": self.started_at,
            "finished_at": self.finished_at,
            "seconds": round(self.seconds, 3),
            "workers": self.workers,
        }


def build_clusters(rows: Sequence[dict[str, Any]], groups: Iterable[Group]) -> list[Cluster]:
    """Order each group by earliest evidence, and the groups by their earliest member."""
    by_path = {row["path"]: row for row in rows}
    ordered = []
    for group in groups:
        members = sorted((by_path[key] for key in group.keys), key=_evidence_order)
        ordered.append((members, group))
    ordered.sort(key=lambda entry: _evidence_order(entry[0][0]))
    clusters = []
    for number, (members, group) in enumerate(ordered, start=1):
        clusters.append(
            Cluster(
                number,
                members[0]["media_kind"],
                tuple(
                    {"path": m["path"], "sha256": m["sha256"], "evidence": evidence(m)}
                    for m in members
                ),
                tuple(link.to_dict() for link in group.links),
            )
        )
    return clusters


# --------------------------------------------------------------------------- the run


def resolve_workers(workers: int) -> int:
    """``workers``, or one per CPU core this process may use when 0."""
    if workers > 0:
        return workers
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)


def _header(plan: BatchPlan, bank: str | None) -> dict[str, Any]:
    tools = {name: find_tool(name).version for name in ("ffmpeg", "ffprobe")}
    return {
        "schema_version": SCHEMA_VERSION,
        "kind": "run",
        "folder": display_path(plan.folder),
        "bank": display_path(bank) if bank else None,
        "sampling": SAMPLING,
        "verify": __version__,
        **tools,
        "started_at": format_utc(dt.datetime.now(dt.timezone.utc)),
    }


def _same_place(a: str | None, b: str | None) -> bool:
    if a is None or b is None:
        return a is b
    return os.path.realpath(a) == os.path.realpath(b)


@dataclasses.dataclass
class _Previous:
    """What an earlier run left in the output file."""

    header: Line
    rows: dict[str, Line]  # file rows by path (the first of each path)
    dropped: int  # lines that will not be kept whatever the files say


def _read_previous(out: Path, plan: BatchPlan, bank: str | None) -> _Previous | None:
    """The earlier run's rows in ``out``, after checking they belong to this batch."""
    if out.is_dir():
        raise OutputError("is a folder; give a file name for the results", out)
    if not out.exists():
        return None
    found = read_lines(out)
    if not found.lines:
        if out.stat().st_size:
            if not out.read_bytes().lstrip().startswith(b"{"):
                raise OutputError(
                    "exists and is not a verify batch output; move it away or choose another --out",
                    out,
                )
            rewrite(out, [])  # only a torn first line: start afresh
        return None
    header = found.lines[0]
    record = header.record
    if record.get("kind") != "run" or str(record.get("schema_version", "")).split(".")[0] != "1":
        raise OutputError(
            "exists and is not a verify batch output; move it away or choose another --out", out
        )
    if not _same_place(record.get("folder"), plan.folder):
        raise OutputError(
            f"holds the results for another folder ({record.get('folder')}); choose another --out",
            out,
        )
    if not _same_place(record.get("bank"), bank) or record.get("sampling") != SAMPLING:
        earlier = record.get("bank") or "no bank"
        raise OutputError(
            f"holds results made with another bank ({earlier}); rerun with the same --db "
            "to resume, or choose another --out",
            out,
        )
    rows: dict[str, Line] = {}
    dropped = int(found.torn_tail)
    for line in found.lines[1:]:
        kind, path = line.record.get("kind"), line.record.get("path")
        if kind == "file" and isinstance(path, str) and path not in rows:
            rows[path] = line
        else:
            dropped += 1  # error rows are retried, summaries rewritten
    return _Previous(header, rows, dropped)


def _pool_context() -> multiprocessing.context.BaseContext:
    # A fork server: workers start fast without inheriting this process's
    # threads, open files or SQLite connections. Spawn where there is none.
    if "forkserver" in multiprocessing.get_all_start_methods():
        context = multiprocessing.get_context("forkserver")
        context.set_forkserver_preload(["verify.batch"])
        return context
    return multiprocessing.get_context("spawn")


def _stop_workers(executor: concurrent.futures.ProcessPoolExecutor) -> None:
    """End the workers now (Ctrl-C): cancel queued files, kill running ones."""
    terminate = getattr(executor, "terminate_workers", None)  # Python 3.14+
    if terminate is not None:
        terminate()
    else:
        for process in list((getattr(executor, "_processes", None) or {}).values()):
            process.terminate()
    executor.shutdown(wait=False, cancel_futures=True)


def _run_pool(
    tasks: Sequence[_Task],
    workers: int,
    handle: Callable[[_Task, dict[str, Any]], None],
    tick: Callable[[], None],
) -> None:
    """Run ``tasks`` on ``workers`` processes; ``handle`` each result here, as it arrives."""
    if not tasks:
        return
    workers = min(workers, len(tasks))
    window = workers * defaults.BATCH_QUEUE_PER_WORKER
    queue = collections.deque(tasks)
    running: dict[concurrent.futures.Future[dict[str, Any]], _Task] = {}

    context = _pool_context()
    lifeline, held = context.Pipe(duplex=False)  # workers hold one end, we the other

    def start() -> concurrent.futures.ProcessPoolExecutor:
        return concurrent.futures.ProcessPoolExecutor(
            max_workers=workers, mp_context=context, initializer=_init_worker,
            initargs=(dict(os.environ), lifeline),
        )  # fmt: skip

    executor = start()
    restarts = 0
    try:
        while queue or running:
            while queue and len(running) < window:
                task = queue.popleft()
                running[executor.submit(_run_task, task)] = task
            done, _ = concurrent.futures.wait(
                running, timeout=0.5, return_when=concurrent.futures.FIRST_COMPLETED
            )
            broken = False
            for future in done:
                task = running.pop(future)
                try:
                    result = future.result()
                except BrokenProcessPool:
                    queue.appendleft(task)
                    broken = True
                    continue
                handle(task, result)
            if broken:
                restarts += 1
                if restarts > defaults.BATCH_POOL_RESTARTS:
                    raise VerifyError(
                        "worker processes keep dying (killed, or out of memory); the rows "
                        "written so far are kept: rerun with fewer --workers to resume"
                    )
                queue.extendleft(reversed(list(running.values())))
                running.clear()
                executor.shutdown(wait=False, cancel_futures=True)
                executor = start()
            tick()
    except BaseException:
        _stop_workers(executor)
        raise
    else:
        executor.shutdown(wait=True)
    finally:
        held.close()
        lifeline.close()


def run_batch(
    folder: str | os.PathLike[str],
    out: str | os.PathLike[str] | None = None,
    *,
    bank: str | os.PathLike[str] | None = None,
    add_to_bank: bool = False,
    csv_path: str | os.PathLike[str] | None = None,
    workers: int = defaults.BATCH_WORKERS,
    timeout: float = defaults.PROBE_TIMEOUT_S,
    on_progress: Callable[[ProgressState], None] | None = None,
    on_error: Callable[[str, dict[str, Any]], None] | None = None,
    report: Report | None = None,
) -> BatchSummary:
    """Process every video and photo under ``folder``; results to ``out`` (JSON Lines).

    ``bank`` is matched against (read-only unless ``add_to_bank``, which adds
    every video once the folder is done). ``on_progress`` receives the state
    after each file and about twice a second; ``on_error`` each failed
    file's path and error; ``report`` one-line notes (resuming, skips).
    """
    started = dt.datetime.now(dt.timezone.utc)
    clock = time.monotonic()
    for tool in ("ffmpeg", "ffprobe"):
        find_tool(tool)  # ToolMissing now, not once per file
    plan = plan_batch(folder)
    if not plan.items:
        raise InputError(
            "no videos or photos here (looked for "
            + ", ".join(sorted(MEDIA_EXTENSIONS))
            + " in this folder and below)",
            folder,
        )
    out = Path(out) if out is not None else default_output(plan.folder)
    if not out.parent.is_dir():
        raise OutputError(f"the folder {out.parent} does not exist", out)
    if csv_path is not None:
        check_writable(csv_path)
    bank_path = os.path.abspath(bank) if bank is not None else None
    if bank_path is not None:
        Bank(bank_path, readonly=not add_to_bank).close()  # BankError now, before any work
    workers = resolve_workers(workers)
    note = report or (lambda _text: None)

    previous = _read_previous(out, plan, bank_path)
    Appender(out).close()  # unwritable output: fail now, not after the work
    state = _RunState(total=len(plan.items), started=clock, on_progress=on_progress)
    tasks: list[_Task] = []
    candidates: list[tuple[_Task, Line]] = []
    kept: dict[str, Line] = {}
    items_by_path = {item.relative: item for item in plan.items}
    for item in plan.items:
        task = _Task(item.path, item.relative, timeout, bank_path, plan.folder)
        earlier = previous.rows.get(item.relative) if previous else None
        if item.problem is None and earlier is not None and _same_stat(item, earlier.record):
            sha = earlier.record["sha256"]
            candidates.append((dataclasses.replace(task, confirm_sha256=sha), earlier))
        elif item.problem is None:
            tasks.append(task)

    # 1. Confirm the earlier rows by SHA-256 (hashing only, in parallel).
    if candidates:
        note(f"resuming: confirming {len(candidates)} earlier result(s) by SHA-256")
        lines = {task.relative: line for task, line in candidates}

        def confirmed(task: _Task, result: dict[str, Any]) -> None:
            if result["status"] == "unchanged":
                kept[task.relative] = lines[task.relative]
                state.done += 1
            else:
                tasks.append(dataclasses.replace(task, confirm_sha256=None))

        _run_pool([task for task, _ in candidates], workers, confirmed, state.tick)
        tasks.sort(key=lambda task: task.relative)

    # 2. Keep only what is still true, then append.
    if previous is not None:
        keep = [previous.header.raw] + [
            line.raw for path, line in previous.rows.items() if path in kept
        ]
        dropped = previous.dropped + len(previous.rows) - len(kept)
        if dropped:
            rewrite(out, keep)
        if kept:
            note(f"resuming: {len(kept)} file(s) already done, {len(tasks)} to do")
    new_rows: dict[str, dict[str, Any]] = {}
    failed: list[dict[str, Any]] = []
    error_rows: list[dict[str, Any]] = []
    state.restart_clock()
    with Appender(out) as log:
        if previous is None:
            log.append(_header(plan, bank_path))

        def record_error(item: BatchItem, error: dict[str, Any], stat: Any = None) -> None:
            error_rows.append(error_row(item, error, stat))
            log.append(error_rows[-1])
            failed.append({"path": item.relative, "error": error})
            state.errors += 1
            if on_error is not None:
                on_error(item.relative, error)

        for item in plan.items:
            if item.problem is not None:
                record_error(item, item.problem.to_dict())
                state.done += 1
                state.processed += 1

        def finished(task: _Task, result: dict[str, Any]) -> None:
            item = items_by_path[task.relative]
            status = result["status"]
            if status == "fatal":
                raise ToolMissing(result["message"])
            if status == "ok":
                row = file_row(item, result["media"])
                log.append(row)
                new_rows[item.relative] = row
            else:
                record_error(item, result["error"], result.get("stat"))
            state.done += 1
            state.processed += 1
            state.tick()

        _run_pool(tasks, workers, finished, state.tick)

        # 3. The whole folder: bank, groups, summary, table.
        rows = sorted(
            [line.record for line in kept.values()] + list(new_rows.values()),
            key=lambda row: row["path"],
        )
        bank_summary = None
        if bank_path is not None:
            matched = sum(1 for row in rows if row.get("bank_matches"))
            bank_summary = {"path": display_path(bank_path), "matched": matched}
            bank_summary.update(
                _add_to_bank(bank_path, rows, plan.folder)
                if add_to_bank
                else {"added": None, "already_known": None}
            )
        groups = find_groups(_cluster_items(rows), workdir=None)
        summary = BatchSummary(
            folder=display_path(plan.folder),
            out=display_path(out),
            csv=display_path(csv_path) if csv_path is not None else None,
            files=len(plan.items),
            ok=len(rows),
            failed=tuple(sorted(failed, key=lambda f: f["path"])),
            skipped=len(kept),
            processed=state.processed,
            exports=plan.exports,
            thumbnails=plan.thumbnails,
            download_named=sum(1 for row in rows if row.get("download_name")),
            bank=bank_summary,
            clusters=tuple(build_clusters(rows, groups)),
            started_at=format_utc(started),
            finished_at=format_utc(dt.datetime.now(dt.timezone.utc)),
            seconds=time.monotonic() - clock,
            workers=workers,
        )
        log.append(summary.to_dict())
    state.finish()
    if csv_path is not None:
        error_rows.sort(key=lambda row: row["path"])
        atomic_write_bytes(csv_path, results_table(rows, error_rows, summary.clusters))
    return summary


def _same_stat(item: BatchItem, record: dict[str, Any]) -> bool:
    try:
        info = os.stat(item.path)
    except OSError:
        return False
    return (info.st_size, info.st_mtime_ns) == (record.get("size"), record.get("mtime_ns"))


@dataclasses.dataclass
class _RunState:
    """Counters behind the progress line."""

    total: int
    started: float
    on_progress: Callable[[ProgressState], None] | None
    done: int = 0
    errors: int = 0
    processed: int = 0

    def restart_clock(self) -> None:
        self.started = time.monotonic()  # throughput counts this run's decoding only

    def snapshot(self) -> ProgressState:
        elapsed = time.monotonic() - self.started
        return ProgressState(self.total, self.done, self.errors, self.processed, elapsed)

    def tick(self, *_args: object) -> None:
        if self.on_progress is not None:
            self.on_progress(self.snapshot())

    def finish(self) -> None:
        self.tick()


def _cluster_items(rows: Sequence[dict[str, Any]]) -> list[Item]:
    items = []
    for row in rows:
        if row["media_kind"] not in {"video", "image"}:
            continue
        fingerprint = decode_fingerprint(row) if row.get("fingerprint") else None
        items.append(Item(row["path"], row["sha256"], fingerprint, row["media_kind"] == "image"))
    return items


def bank_summary_of(row: dict[str, Any]) -> dict[str, Any]:
    """The metadata summary the bank keeps, as `verify index add` writes it."""
    return {
        "format": row["format"] or row["content"],
        "creation_time": row["creation_time"],
        "device": row["device"],
        "location": row["location"],
        "flags": row["flags"],
        "md5": row["md5"],
        "mtime": row["mtime"],
    }


def _add_to_bank(bank_path: str, rows: Sequence[dict[str, Any]], folder: str) -> dict[str, int]:
    """Add every video row's fingerprint (at the bank's sampling) to the bank."""
    rate = Sampling.parse(defaults.DEFAULT_SAMPLING).rate or 2.0
    added = known = 0
    with Bank(bank_path) as bank:
        for row in rows:
            if row["media_kind"] != "video" or not row.get("fingerprint"):
                continue
            if bank.has(row["sha256"]):
                known += 1
                continue
            post = row.get("telegram") or {}
            result = bank.add_video(
                thin_to_rate(decode_fingerprint(row), rate),
                summary=bank_summary_of(row),
                source=post.get("chat_name"),
                posted_at=post.get("posted_at"),
                path=display_path(os.path.join(folder, *row["path"].split("/"))),
            )
            added += result.added
            known += not result.added
    return {"added": added, "already_known": known}


# --------------------------------------------------------------------------- the table

TABLE_COLUMNS = (
    "cluster", "cluster_rank", "evidence", "evidence_time", "path", "status", "media_kind",
    "size", "sha256", "md5", "format", "duration", "width", "height", "creation_time",
    "creation_time_source", "device", "latitude", "longitude", "flags", "telegram_chat",
    "telegram_chat_id", "telegram_message_id", "telegram_posted_at", "telegram_from",
    "telegram_forwarded_from", "telegram_text", "telegram_file_name", "telegram_duration",
    "telegram_size", "download_name_local_time", "bank_best_match", "bank_best_score",
    "error_code", "error_message", "notes",
)  # fmt: skip
# A cell starting with one of these is a formula to a spreadsheet: message
# texts and file names are other people's words, so such cells get a leading
# apostrophe (shown as text, not run).
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _cell(value: Any) -> Any:
    if isinstance(value, str) and value.startswith(_FORMULA_STARTS):
        return "'" + value
    return "" if value is None else value


def _table_row(row: dict[str, Any], cluster: tuple[int, int] | None) -> dict[str, Any]:
    post = row.get("telegram") or {}
    created = row.get("creation_time") or {}
    device = row.get("device") or {}
    location = row.get("location") or {}
    matches = row.get("bank_matches") or []
    error = row.get("error") or {}
    found = evidence(row) if row["kind"] == "file" else {}
    return {
        "cluster": cluster[0] if cluster else None,
        "cluster_rank": cluster[1] if cluster else None,
        "evidence": found.get("kind"),
        "evidence_time": found.get("time"),
        "path": row["path"],
        "status": "ok" if row["kind"] == "file" else "error",
        "media_kind": row.get("media_kind"),
        "size": row.get("size"),
        "sha256": row.get("sha256"),
        "md5": row.get("md5"),
        "format": row.get("format"),
        "duration": row.get("duration"),
        "width": row.get("width"),
        "height": row.get("height"),
        "creation_time": created.get("utc"),
        "creation_time_source": created.get("source"),
        "device": " ".join(device[k] for k in ("make", "model", "software") if device.get(k)),
        "latitude": location.get("latitude"),
        "longitude": location.get("longitude"),
        "flags": " ".join(row.get("flags") or []),
        "telegram_chat": post.get("chat_name"),
        "telegram_chat_id": post.get("chat_id"),
        "telegram_message_id": post.get("message_id"),
        "telegram_posted_at": post.get("posted_at"),
        "telegram_from": post.get("sender"),
        "telegram_forwarded_from": post.get("forwarded_from"),
        "telegram_text": post.get("text"),
        "telegram_file_name": post.get("original_name"),
        "telegram_duration": post.get("duration"),
        "telegram_size": post.get("size"),
        "download_name_local_time": (row.get("download_name") or {}).get("local_time"),
        "bank_best_match": matches[0]["path"] if matches else None,
        "bank_best_score": matches[0]["score"] if matches else None,
        "error_code": error.get("code"),
        "error_message": error.get("message"),
        "notes": " | ".join(row.get("notes") or []),
    }


def results_table(
    rows: Sequence[dict[str, Any]],
    error_rows: Sequence[dict[str, Any]],
    clusters: Sequence[Cluster],
) -> bytes:
    """The CSV: one line per file, copies together in evidence order, then the rest, errors last.

    UTF-8 with a byte-order mark, which spreadsheet programs need to read
    non-ASCII text correctly.
    """
    place = {
        member["path"]: (cluster.id, rank)
        for cluster in clusters
        for rank, member in enumerate(cluster.members, start=1)
    }
    ordered = sorted(rows, key=lambda row: (place.get(row["path"], (1 << 30, 0)), row["path"]))
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, TABLE_COLUMNS, lineterminator="\r\n")
    writer.writeheader()
    for row in [*ordered, *error_rows]:
        values = _table_row(row, place.get(row["path"]))
        writer.writerow({name: _cell(value) for name, value in values.items()})
    return buffer.getvalue().encode("utf-8-sig")
