"""`verify batch`: every video and photo in a folder, inspected, hashed, matched and grouped.

The folder is walked for media files (by extension, hidden files skipped).
A folder holding ``result.json`` is a Telegram Desktop export: each file is
linked to the message it came with (see `verify.batch.telegram`), and files the
export names but lacks become error rows.

Worker processes (`verify.batch.pool`) run `verify.batch.worker` on one file each
and return plain dicts; this process writes one JSON line per file as each
finishes (`verify.batch.jsonl`: whole-line appends, flushed to disk), and at the
end adds files to the bank, groups copies (`verify.batch.clustering`), orders them
by `FileRow.evidence` and writes the summary line and the CSV table
(`verify.batch.table`). SQLite is written from this process only.

The JSON Lines output is its own resume record. Its first line (``run``)
names the folder and bank; each ``file`` row carries the size, mtime (ns)
and SHA-256 it was made from, and the file's fingerprint, so a later run
can group files without decoding them again. A rerun keeps the rows whose
file still has the same path, size and mtime *and* SHA-256 (the file is
hashed again to confirm), drops everything else (error rows, rows of changed
or vanished files, a torn last line, the old summary) and does the rest.
"""

from __future__ import annotations

import concurrent.futures
import contextlib
import dataclasses
import datetime as dt
import os
import time
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from verify.bank import bank_label, is_url, open_bank
from verify.bank.indexing import sound_of
from verify.bank.store import url_secrets
from verify.batch.cluster import cluster_threads, connect, run_on_cluster
from verify.batch.clustering import Group, Item, find_groups
from verify.batch.jsonl import Appender, Line, read_lines, rewrite
from verify.batch.pool import resolve_workers, run_in_workers
from verify.batch.progress import ProgressState
from verify.batch.rows import SCHEMA_VERSION, ErrorRow, FileRow
from verify.batch.table import results_table
from verify.batch.telegram import TelegramPost, download_time_from_name, load_export
from verify.batch.worker import SAMPLING, FileTask, lost_result, run_task
from verify.config import BATCH, HASH, INSPECT, MATCH, BatchConfig, HashConfig, MatchConfig
from verify.errors import BankError, InputError, OutputError, ToolMissing, display_path
from verify.hashing.fingerprint import thin_to_rate
from verify.media.ffmpeg import find_tool
from verify.media.sampling import Sampling
from verify.media.walk import MEDIA_EXTENSIONS
from verify.output import atomic_write_bytes, check_outputs
from verify.timestamps import format_utc
from verify.version import __version__

if TYPE_CHECKING:
    from verify.audio.landmarks import AudioFingerprint

# The module workers import (once, in the fork server).
_PRELOAD = ("verify.batch.worker",)

DOWNLOAD_NAME_NOTE = (
    "Telegram Desktop names a downloaded file after the moment it was saved, in the "
    "local time of the computer that saved it: not when it was posted, not when it "
    "was recorded"
)

Report = Callable[[str], None]
# Workers match each file against the bank themselves, so its URL goes with every task.
_PASSWORD_TRAVELS = (
    "note: the bank URL's password goes to the Dask workers with each file (over {scheme}://); "
    "on a shared network leave it out of the URL and give each worker machine ~/.pgpass "
    "or PGPASSWORD, and prefer a tls:// scheduler"
)


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
    prefix = folder.rstrip(os.sep) + os.sep
    inner = path[len(prefix) :] if path.startswith(prefix) else os.path.relpath(path, folder)
    return display_path(inner).replace(os.sep, "/")


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


LINK_HINT = "pass --follow-links to include what links point to"


def plan_batch(folder: str | os.PathLike[str], *, follow_links: bool = False) -> BatchPlan:
    """Find the media files under ``folder`` and link export files to their messages.

    A ``result.json`` that cannot be read fails the whole plan (`InputError`):
    going on without it would silently lose every post time. Symbolic links
    that lead out of ``folder`` are not followed unless ``follow_links``:
    each becomes an item with its problem, as does every name in an export
    that leads out of the export (whether or not such a file exists).
    """
    root = check_folder(folder)
    real_root = os.path.realpath(root)  # export paths are resolved
    items: list[BatchItem] = []
    exports: list[str] = []
    posts: dict[str, TelegramPost] = {}
    thumbnails: set[str] = set()
    skipped = 0
    unlisted: list[OSError] = []
    visited: set[str] = set()  # real folders walked, so links cannot make a loop

    def problem(path: str, relative: str, post: TelegramPost | None, text: str) -> None:
        items.append(BatchItem(path, relative, post, InputError(text)))

    for current, folders, files in os.walk(root, onerror=unlisted.append, followlinks=follow_links):
        visited.add(os.path.realpath(current))
        kept_folders = []
        for name in sorted(f for f in folders if not f.startswith(".")):
            path = os.path.join(current, name)
            real = os.path.realpath(path)
            if os.path.islink(path) and not _inside(real, real_root) and not follow_links:
                problem(
                    path, _relative(path, root) + "/", None,
                    f"a link to a folder outside the folder being processed: not followed; "
                    f"{LINK_HINT}",
                )  # fmt: skip
            elif real not in visited:
                kept_folders.append(name)
        folders[:] = kept_folders
        if "result.json" in files:
            export = load_export(current, follow_links=follow_links)
            where = _relative(current, root)
            exports.append(where)
            posts.update(export.posts)
            thumbnails |= export.thumbnails
            for path, post in export.missing.items():
                problem(
                    path, _relative(path, real_root), post,
                    f"result.json names this file (message {post.message_id}) but it is not "
                    "in the export: the export is incomplete or files were moved",
                )  # fmt: skip
            for name, post in export.outside.items():
                shown = display_path(name) if where == "." else f"{where}/{display_path(name)}"
                problem(
                    os.path.join(current, name) if "\x00" not in name else current, shown, post,
                    f"result.json names a file outside the export (message {post.message_id}): "
                    "not read; an export only refers to its own files",
                )  # fmt: skip
        for name in sorted(files):
            if name.startswith(".") or os.path.splitext(name)[1].lower() not in MEDIA_EXTENSIONS:
                continue
            path = os.path.join(current, name)
            resolved = os.path.realpath(path)
            if resolved in thumbnails:
                skipped += 1
                continue
            if not follow_links and not _inside(resolved, real_root):
                lexical = os.path.join(real_root, os.path.relpath(path, root))
                problem(
                    path, _relative(path, root), posts.get(lexical),
                    f"a link to a file outside the folder being processed: not read; {LINK_HINT}",
                )  # fmt: skip
                continue
            items.append(BatchItem(path, _relative(path, root), posts.get(resolved)))
    for error in unlisted:
        name = error.filename or root
        problem(
            name,
            _relative(name, root) + "/",
            None,
            f"this folder cannot be listed: {error.strerror}",
        )
    items.sort(key=lambda item: item.relative)
    return BatchPlan(root, tuple(items), tuple(exports), skipped)


def _inside(real: str, real_root: str) -> bool:
    return real.startswith(real_root.rstrip(os.sep) + os.sep)


def default_output(folder: str | os.PathLike[str]) -> Path:
    """Results beside the folder, never inside it: ``Telegram Desktop.verify.batch.jsonl``."""
    absolute = Path(os.path.abspath(folder))
    return absolute.parent / f"{absolute.name or 'folder'}.verify.batch.jsonl"


# --------------------------------------------------------------------------- rows


def _download_name(item: BatchItem) -> dict[str, str] | None:
    if item.post is not None:
        return None
    local = download_time_from_name(os.path.basename(item.path))
    return {"local_time": local, "note": DOWNLOAD_NAME_NOTE} if local else None


def file_row(item: BatchItem, row: FileRow) -> FileRow:
    """A worker's row with what only the plan knows: the post, the download-name caveat."""
    post = item.post.to_dict() if item.post else None
    return dataclasses.replace(row, telegram=post, download_name=_download_name(item))


def error_row(
    item: BatchItem, error: dict[str, Any], stat: dict[str, Any] | None = None
) -> ErrorRow:
    """The row of a file that could not be processed."""
    stat = stat or {}
    return ErrorRow(
        item.relative, error, stat.get("size"), stat.get("mtime"), stat.get("mtime_ns"),
        item.post.to_dict() if item.post else None, _download_name(item),
    )  # fmt: skip


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
    scheduler: str | None = None  # the Dask scheduler the work ran on, if any

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
            "scheduler": self.scheduler,
        }


def build_clusters(rows: Sequence[FileRow], groups: Iterable[Group]) -> list[Cluster]:
    """Order each group by earliest evidence, and the groups by their earliest member."""
    by_path = {row.path: row for row in rows}
    ordered = []
    for group in groups:
        members = sorted((by_path[key] for key in group.keys), key=FileRow.evidence_order)
        ordered.append((members, group))
    ordered.sort(key=lambda entry: entry[0][0].evidence_order())
    clusters = []
    for number, (members, group) in enumerate(ordered, start=1):
        clusters.append(
            Cluster(
                number,
                members[0].media_kind,
                tuple(
                    {"path": m.path, "sha256": m.sha256, "evidence": m.evidence()} for m in members
                ),
                tuple(link.to_dict() for link in group.links),
            )
        )
    return clusters


# --------------------------------------------------------------------------- the run


def _header(plan: BatchPlan, bank: str | None) -> dict[str, Any]:
    tools = {name: find_tool(name).version for name in ("ffmpeg", "ffprobe")}
    return {
        "schema_version": SCHEMA_VERSION,
        "kind": "run",
        "folder": display_path(plan.folder),
        "bank": _bank_name(bank) if bank else None,
        "sampling": SAMPLING,
        "verify": __version__,
        **tools,
        "started_at": format_utc(dt.datetime.now(dt.timezone.utc)),
    }


def _same_place(a: str | None, b: str | None) -> bool:
    if a is None or b is None:
        return a is b
    if is_url(a) or is_url(b):
        return bank_label(a) == bank_label(b)
    return os.path.realpath(a) == os.path.realpath(b)


def _bank_name(bank: str) -> str:
    """The bank as batch outputs record it: never with a password."""
    return bank_label(bank) if is_url(bank) else display_path(bank)


@dataclasses.dataclass
class _Previous:
    """What an earlier run left in the output file."""

    header: Line
    rows: dict[str, tuple[Line, FileRow]]  # file rows by path (the first of each path)
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
    if not _same_place(record.get("bank"), bank):
        earlier = record.get("bank") or "no bank"
        raise OutputError(
            f"holds results made with another bank ({earlier}); rerun with the same --db "
            "to resume, or choose another --out",
            out,
        )
    if record.get("schema_version") != SCHEMA_VERSION:
        raise OutputError(
            f"holds results written by another version of verify (schema "
            f"{record.get('schema_version')}, this one writes {SCHEMA_VERSION}); "
            "choose another --out",
            out,
        )
    if record.get("sampling") != SAMPLING:
        raise OutputError(
            f"holds results sampled at {record.get('sampling')} by another version of verify "
            f"(this one samples at {SAMPLING}); choose another --out",
            out,
        )
    rows: dict[str, tuple[Line, FileRow]] = {}
    dropped = int(found.torn_tail)
    for line in found.lines[1:]:
        row = _complete_file_row(line.record)
        if row is not None and row.path not in rows:
            rows[row.path] = (line, row)
        else:
            dropped += 1  # error rows are retried, summaries rewritten, odd rows redone
    return _Previous(header, rows, dropped)


def _complete_file_row(record: dict[str, Any]) -> FileRow | None:
    """A ``file`` row this version can build on (a hand-edited one is redone instead)."""
    try:
        return FileRow.from_dict(record)
    except (KeyError, TypeError, ValueError):
        return None


def run_batch(
    folder: str | os.PathLike[str],
    out: str | os.PathLike[str] | None = None,
    *,
    bank: str | os.PathLike[str] | None = None,
    add_to_bank: bool = False,
    csv_path: str | os.PathLike[str] | None = None,
    workers: int = BATCH.workers,
    timeout: float = INSPECT.probe_timeout_s,
    follow_links: bool = False,
    on_progress: Callable[[ProgressState], None] | None = None,
    on_error: Callable[[str, dict[str, Any]], None] | None = None,
    report: Report | None = None,
    config: MatchConfig = MATCH,
    hash_config: HashConfig = HASH,
    batch_config: BatchConfig = BATCH,
    scheduler: str | None = None,
) -> BatchSummary:
    """Process every video and photo under ``folder``; results to ``out`` (JSON Lines).

    ``scheduler`` (``tcp://host:8786``) sends the per-file work to a Dask
    cluster instead of ``workers`` local processes; everything that writes
    stays here.

    ``bank`` is matched against (read-only unless ``add_to_bank``, which adds
    every video once the folder is done). ``follow_links`` includes files
    that symbolic links inside the folder point to elsewhere (by default
    they become error rows). ``on_progress`` receives the state
    after each file and about twice a second; ``on_error`` each failed
    file's path and error; ``report`` one-line notes (resuming).
    """
    started = dt.datetime.now(dt.timezone.utc)
    clock = time.monotonic()
    for tool in ("ffmpeg", "ffprobe"):
        find_tool(tool)  # ToolMissing now, not once per file
    plan = plan_batch(folder, follow_links=follow_links)
    if not plan.items:
        raise InputError(
            "no videos or photos here (looked for "
            + ", ".join(sorted(MEDIA_EXTENSIONS))
            + " in this folder and below)",
            folder,
        )
    out = Path(out) if out is not None else default_output(plan.folder)
    bank_path = bank if bank is None or is_url(bank) else os.path.abspath(bank)
    # Everything that can be refused is checked before anything is written:
    # no output may be an input, the bank, another output, or inside the folder.
    bank_name = "the bank (--db)"
    bank_file = None if bank_path is None or is_url(bank_path) else bank_path
    check_outputs(
        {"--out": out, "--csv": csv_path, **({bank_name: bank_file} if add_to_bank else {})},
        inputs={} if add_to_bank else {bank_name: bank_file},
        folders={f"the folder {display_path(plan.folder)}": plan.folder},
    )
    with contextlib.ExitStack() as stack:
        if scheduler is not None:  # reached (or refused) before anything is written
            client = stack.enter_context(contextlib.closing(connect(scheduler, batch_config)))
            if report and bank_path and is_url(bank_path) and url_secrets(bank_path):
                report(_PASSWORD_TRAVELS.format(scheme=scheduler.partition("://")[0] or "tcp"))
            runner = _Runner(client=client, config=batch_config)
        else:
            runner = _Runner(workers=resolve_workers(workers), config=batch_config)
        previous = _read_previous(out, plan, bank_path)
        if out.exists():
            Appender(out).close()
        if bank_path is not None:
            open_bank(bank_path, readonly=not add_to_bank).close()  # created here if new
        return _run(
            plan, out, previous, runner, bank_path, add_to_bank, csv_path, timeout, on_progress,
            on_error, report, config, hash_config, started, clock, scheduler,
        )  # fmt: skip


@dataclasses.dataclass(frozen=True)
class _Runner:
    """Where per-file work runs: ``workers`` local processes, or a Dask ``client``'s cluster."""

    workers: int = 0
    client: Any = None
    config: BatchConfig = BATCH

    def __call__(
        self,
        tasks: Sequence[FileTask],
        handle: Callable[[FileTask, dict[str, Any]], None],
        tick: Callable[[], None],
    ) -> None:
        if self.client is None:
            run_in_workers(
                run_task, tasks, self.workers, handle, tick, preload=_PRELOAD, config=self.config
            )
        else:
            run_on_cluster(
                run_task, tasks, self.client, handle, tick, on_lost=lost_result, config=self.config
            )


def _run(
    plan: BatchPlan, out: Path, previous: _Previous | None, runner: _Runner,
    bank_path: str | None, add_to_bank: bool, csv_path: str | os.PathLike[str] | None,
    timeout: float, on_progress: Callable[[ProgressState], None] | None,
    on_error: Callable[[str, dict[str, Any]], None] | None, report: Report | None,
    config: MatchConfig, hash_config: HashConfig, started: dt.datetime, clock: float,
    scheduler: str | None,
) -> BatchSummary:  # fmt: skip
    """The run itself, once everything that can be refused has been checked."""
    workers = cluster_threads(runner.client) if runner.client is not None else runner.workers
    note = report or (lambda _text: None)
    state = _RunState(total=len(plan.items), started=clock, on_progress=on_progress)

    # 1. Which files are done already: same path, size, mtime, and SHA-256.
    tasks = [
        FileTask(
            item.path,
            item.relative,
            timeout,
            bank_path,
            plan.folder,
            config=config,
            hash_config=hash_config,
            keep_sound=add_to_bank,
        )
        for item in plan.items
        if item.problem is None
    ]
    kept: dict[str, tuple[Line, FileRow]] = {}
    if previous is not None:
        tasks, kept = _confirm_earlier(tasks, previous, runner, state, note)
        keep = [previous.header.raw] + [line.raw for line, _row in kept.values()]
        if previous.dropped or len(kept) < len(previous.rows):
            rewrite(out, keep)
        if kept:
            note(f"resuming: {len(kept)} file(s) already done, {len(tasks)} to do")

    # 2. The rest, one row each as it finishes.
    state.restart_clock()
    with Appender(out) as log:
        if previous is None:
            log.append(_header(plan, bank_path))
        recorder = _Recorder(log, state, {item.relative: item for item in plan.items}, on_error)
        recorder.known_problems([item for item in plan.items if item.problem is not None])
        runner(tasks, recorder.finished, state.tick)

        # 3. The whole folder: bank, groups, summary.
        rows = sorted(
            [row for _line, row in kept.values()] + recorder.rows, key=lambda row: row.path
        )
        errors = sorted(recorder.error_rows, key=lambda row: row.path)
        bank_summary = None
        if bank_path is not None:
            matched = sum(1 for row in rows if row.bank_matches)
            bank_summary = {"path": _bank_name(bank_path), "matched": matched}
            bank_summary.update(
                _add_to_bank(bank_path, rows, plan.folder, hash_config, timeout)
                if add_to_bank
                else {"added": None, "already_known": None}
            )
        groups = find_groups(
            _cluster_items(rows, plan.folder), config=config, hash_config=hash_config,
            timeout=timeout,
        )  # fmt: skip
        summary = BatchSummary(
            folder=display_path(plan.folder),
            out=display_path(out),
            csv=display_path(csv_path) if csv_path is not None else None,
            files=len(plan.items),
            ok=len(rows),
            failed=tuple({"path": row.path, "error": row.error} for row in errors),
            skipped=len(kept),
            processed=state.processed,
            exports=plan.exports,
            thumbnails=plan.thumbnails,
            download_named=sum(1 for row in rows if row.download_name),
            bank=bank_summary,
            clusters=tuple(build_clusters(rows, groups)),
            started_at=format_utc(started),
            finished_at=format_utc(dt.datetime.now(dt.timezone.utc)),
            seconds=time.monotonic() - clock,
            workers=workers,
            scheduler=scheduler,
        )
        log.append(summary.to_dict())
    state.finish()
    if csv_path is not None:
        atomic_write_bytes(csv_path, results_table(rows, errors, summary.clusters))
    return summary


def _confirm_earlier(
    tasks: list[FileTask], previous: _Previous, runner: _Runner, state: _RunState, note: Report
) -> tuple[list[FileTask], dict[str, tuple[Line, FileRow]]]:
    """Hash the files of earlier rows again (in parallel); (what is left to do, rows kept)."""
    todo: list[FileTask] = []
    checks: list[FileTask] = []
    for task in tasks:
        earlier = previous.rows.get(task.relative)
        if earlier is not None and _same_stat(task.path, earlier[1]):
            checks.append(dataclasses.replace(task, confirm_sha256=earlier[1].sha256))
        else:
            todo.append(task)
    confirmed: set[str] = set()

    def check(task: FileTask, result: dict[str, Any]) -> None:
        if result["status"] == "unchanged":
            confirmed.add(task.relative)
            state.done += 1
        else:
            todo.append(dataclasses.replace(task, confirm_sha256=None))

    if checks:
        note(f"resuming: confirming {len(checks)} earlier result(s) by SHA-256")
        runner(checks, check, state.tick)
    kept = {path: earlier for path, earlier in previous.rows.items() if path in confirmed}
    return sorted(todo, key=lambda task: task.relative), kept


class _Recorder:
    """Writes each finished file's row, keeps what the summary needs, counts progress."""

    def __init__(
        self,
        log: Appender,
        state: _RunState,
        items: dict[str, BatchItem],
        on_error: Callable[[str, dict[str, Any]], None] | None,
    ):
        self.log, self.state, self.items, self.on_error = log, state, items, on_error
        self.rows: list[FileRow] = []
        self.error_rows: list[ErrorRow] = []

    def finished(self, task: FileTask, result: dict[str, Any]) -> None:
        """A worker's result: a ``file`` row, an ``error`` row, or a missing tool (stop)."""
        item = self.items[task.relative]
        if result["status"] == "fatal":
            error = result["error"]
            fatal = BankError if error["code"] == BankError.code else ToolMissing
            raise fatal(error["message"], result["path"])
        if result["status"] == "ok":
            row = file_row(item, result["row"])
            self.log.append(row.to_dict())
            self.rows.append(row)
            self._count()
        else:
            self.error(item, result["error"], result.get("stat"))

    def error(self, item: BatchItem, error: dict[str, Any], stat: Any = None) -> None:
        row = error_row(item, error, stat)
        self.log.append(row.to_dict())
        self._failed(item, row)

    def known_problems(self, items: Sequence[BatchItem]) -> None:
        """Rows for files known bad before any work (one write: there may be very many)."""
        rows = [error_row(item, item.problem.to_dict()) for item in items if item.problem]
        self.log.append_many([row.to_dict() for row in rows])
        for item, row in zip(items, rows, strict=True):
            self._failed(item, row)

    def _failed(self, item: BatchItem, row: ErrorRow) -> None:
        self.error_rows.append(row)
        self.state.errors += 1
        self._count()
        if self.on_error is not None:
            self.on_error(item.relative, row.error)

    def _count(self) -> None:
        self.state.done += 1
        self.state.processed += 1
        self.state.tick()


def _same_stat(path: str, row: FileRow) -> bool:
    try:
        info = os.stat(path)
    except OSError:
        return False
    return (info.st_size, info.st_mtime_ns) == (row.size, row.mtime_ns)


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


def _cluster_items(rows: Sequence[FileRow], folder: str) -> list[Item]:
    items = []
    for row in rows:
        if row.media_kind in {"video", "image"}:
            path = os.path.join(folder, *row.path.split("/"))
            picture = row.media_kind == "image"
            items.append(Item(row.path, row.sha256, row.fingerprint, picture, path))
    return items


def _add_to_bank(
    bank_path: str, rows: Sequence[FileRow], folder: str, hash_config: HashConfig,
    timeout: float,
) -> dict[str, int]:  # fmt: skip
    """Add every video row's fingerprint (at the bank's sampling) to the bank, with the
    file's sound: as matching heard it (`FileRow.clip_sound`), else decoded here, two files
    at a time (a bank without sound yet, rows of an earlier run)."""
    rate = Sampling.parse(hash_config.sampling).rate or 2.0
    added = known = 0
    with open_bank(bank_path) as bank:
        new = []
        for row in rows:
            if row.media_kind != "video" or row.fingerprint is None:
                continue
            if bank.has(row.sha256):
                known += 1
                continue
            new.append((row, os.path.join(folder, *row.path.split("/"))))
        with concurrent.futures.ThreadPoolExecutor(2) as pool:
            sounds = pool.map(lambda item: _sound(*item, timeout), new)
            for (row, path), sound in zip(new, sounds, strict=True):
                post = row.telegram or {}
                result = bank.add_video(
                    thin_to_rate(row.fingerprint, rate),
                    summary=row.bank_summary(),
                    source=post.get("chat_name"),
                    posted_at=post.get("posted_at"),
                    path=display_path(path),
                    audio=sound,
                )
                added += result.added
                known += not result.added
    return {"added": added, "already_known": known}


def _sound(row: FileRow, path: str, timeout: float) -> AudioFingerprint | None:
    """A row's sound for the bank: as matching heard it, else decoded now."""
    return row.clip_sound if row.clip_sound is not None else sound_of(path, timeout=timeout)
