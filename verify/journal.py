"""A case journal: what was done to the evidence, by whom, when, in a hash chain.

``verify --case DIR COMMAND ...`` appends one JSON line to ``DIR/journal.jsonl``
per command: UTC time, operator, the verify and ffmpeg versions, the command
line (passwords masked), the exit code, the SHA-256 of every input and output
file, and the SHA-256 of the journal's previous line. Changing, removing or
reordering any line breaks the chain at the next one; `check_journal`
re-hashes the chain and the files it names and says which entry or file no
longer matches.

Appends hold an exclusive lock on the journal, write one whole line and
flush it to disk. A line a crash cut short is left as it is (evidence is
never truncated); the next entry chains to the last whole line, and the
check reports the cut line.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import getpass
import hashlib
import json
import os
import platform
from collections.abc import Iterable, Iterator
from typing import Any

from verify.errors import InputError, OutputError, display_path
from verify.media.filehash import sha256_file
from verify.timestamps import format_utc

JOURNAL_NAME = "journal.jsonl"
JOURNAL_VERSION = "1.0"  # of each line (journal.schema.json)
CHECK_VERSION = "1.0"  # of `verify case check --json`


@dataclasses.dataclass(frozen=True)
class Recorded:
    """One file or folder an entry names, as it was when the entry was written."""

    path: str  # absolute
    kind: str  # "file", "folder" or "missing"
    sha256: str | None = None  # a file's bytes, or a folder's listing
    size: int | None = None  # bytes, or a folder's file count

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


def _listing(folder: str) -> tuple[str, int]:
    """A folder's digest of its listing (names, sizes, modification times) and file count.

    Not of its contents: a batch over an archive would otherwise read every
    file twice; its files' own SHA-256 are in the batch's output, which is
    recorded as an output."""
    lines = []
    for root, dirs, files in os.walk(folder):
        dirs.sort()
        for name in sorted(files):
            full = os.path.join(root, name)
            with contextlib.suppress(OSError):
                info = os.stat(full)
                relative = os.path.relpath(full, folder)
                lines.append(f"{relative}\t{info.st_size}\t{info.st_mtime_ns}")
    return hashlib.sha256("\n".join(lines).encode("utf-8", "surrogateescape")).hexdigest(), len(
        lines
    )


def record(path: str | os.PathLike[str]) -> Recorded:
    """A file's SHA-256 and size, a folder's listing digest and file count, or missing."""
    full = os.path.abspath(os.fsdecode(path))
    try:
        if os.path.isdir(full):
            digest, count = _listing(full)
            return Recorded(display_path(full), "folder", digest, count)
        if os.path.isfile(full):
            digest, size = sha256_file(full)
            return Recorded(display_path(full), "file", digest, size)
    except OSError:
        pass
    return Recorded(display_path(full), "missing")


def files_written_since(folder: str | os.PathLike[str], since_ns: int) -> list[str]:
    """Files under ``folder`` modified at or after ``since_ns`` (an output folder's new files)."""
    found = []
    for root, _dirs, files in os.walk(os.fsdecode(folder)):
        for name in files:
            full = os.path.join(root, name)
            with contextlib.suppress(OSError):
                if os.stat(full).st_mtime_ns >= since_ns:
                    found.append(full)
    return sorted(found)


def operator() -> dict[str, str]:
    try:
        user = getpass.getuser()
    except (OSError, KeyError):
        user = f"uid {os.getuid()}" if hasattr(os, "getuid") else "unknown"
    return {"user": user, "host": platform.node() or "unknown"}


def _line_hash(raw: bytes) -> str:
    return hashlib.sha256(raw.rstrip(b"\n")).hexdigest()


def append_entry(
    case: str | os.PathLike[str],
    *,
    command: list[str],
    exit_code: int,
    inputs: Iterable[Recorded],
    outputs: Iterable[Recorded],
    tools: dict[str, str | None],
) -> dict[str, Any]:
    """Append one entry to ``case``'s journal (made if new); the entry written."""
    folder = os.fsdecode(case)
    target = os.path.join(folder, JOURNAL_NAME)
    try:
        os.makedirs(folder, exist_ok=True)
        fd = os.open(target, os.O_RDWR | os.O_CREAT | os.O_APPEND, 0o644)
    except OSError as exc:
        raise OutputError(f"cannot write the case journal: {exc.strerror}", target) from None
    with os.fdopen(fd, "r+b", buffering=0) as journal:
        try:
            import fcntl

            fcntl.flock(journal.fileno(), fcntl.LOCK_EX)
        except (ImportError, OSError):  # no locks here (Windows): appends still are whole lines
            pass
        lines = journal.read().split(b"\n")
        # The chain goes on from the last whole entry (as `check_journal` reads it).
        whole = [raw for _n, raw, e in _entries(lines[:-1]) if e and e.get("kind") == "entry"]
        entry = {
            "schema_version": JOURNAL_VERSION,
            "kind": "entry",
            "number": len(whole) + 1,
            "time": format_utc(dt.datetime.now(dt.timezone.utc)),
            "operator": operator(),
            "tools": tools,
            "command": command,
            "cwd": display_path(os.getcwd()),
            "exit_code": int(exit_code),
            "inputs": [r.to_dict() for r in inputs],
            "outputs": [r.to_dict() for r in outputs],
            "previous": _line_hash(whole[-1]) if whole else None,
        }
        raw = json.dumps(entry, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
        # A cut-short last line (a crash mid-append) is ended, never removed.
        prefix = b"\n" if lines[-1] else b""
        try:
            journal.write(prefix + raw.encode("utf-8", "surrogateescape") + b"\n")
            os.fsync(journal.fileno())
        except OSError as exc:
            raise OutputError(
                f"cannot append to the case journal: {exc.strerror}", target
            ) from None
    return entry


@dataclasses.dataclass(frozen=True)
class Finding:
    """Something in the journal that does not check out."""

    entry: int | None  # the entry (1-based line of whole entries) it concerns
    line: int  # the journal line
    problem: str

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


@dataclasses.dataclass(frozen=True)
class JournalCheck:
    """The result of re-hashing a case journal and the files it names."""

    journal: str
    entries: int
    files_checked: int
    findings: tuple[Finding, ...]
    head: str | None  # SHA-256 of the last entry: note it elsewhere (or timestamp it), since
    # nothing after the last entry vouches for it

    @property
    def ok(self) -> bool:
        return not self.findings

    def to_dict(self) -> dict[str, Any]:
        return {
            "schema_version": CHECK_VERSION,
            "journal": self.journal,
            "ok": self.ok,
            "entries": self.entries,
            "files_checked": self.files_checked,
            "findings": [f.to_dict() for f in self.findings],
            "head": self.head,
        }


def _entries(raw_lines: list[bytes]) -> Iterator[tuple[int, bytes, dict[str, Any] | None]]:
    for number, raw in enumerate(raw_lines, 1):
        if not raw.strip():
            continue
        try:
            parsed = json.loads(raw)
        except (json.JSONDecodeError, UnicodeDecodeError):
            parsed = None
        yield number, raw, parsed if isinstance(parsed, dict) else None


def check_journal(case: str | os.PathLike[str]) -> JournalCheck:
    """Re-hash ``case``'s journal chain and every file its entries name.

    A file is checked against the last entry that recorded it (an output
    that a later command rewrote legitimately is judged by that later entry).
    """
    target = os.path.join(os.fsdecode(case), JOURNAL_NAME)
    try:
        with open(target, "rb") as handle:
            data = handle.read()
    except FileNotFoundError:
        raise InputError("no case journal here", target) from None
    except OSError as exc:
        raise InputError(f"cannot read the case journal: {exc.strerror}", target) from None
    findings: list[Finding] = []
    previous: bytes | None = None
    count = 0
    latest: dict[str, tuple[int, int, dict[str, Any]]] = {}
    for line, raw, entry in _entries(data.split(b"\n")):
        if entry is None or entry.get("kind") != "entry":
            findings.append(Finding(None, line, "not a journal entry (damaged, or cut short)"))
            continue
        count += 1
        expected = _line_hash(previous) if previous is not None else None
        if entry.get("previous") != expected:
            findings.append(Finding(
                count, line, "the chain is broken here: this entry does not follow the one "
                "before it (an entry before it was changed, removed or inserted)",
            ))  # fmt: skip
        if entry.get("number") != count:
            findings.append(
                Finding(count, line, f"numbered {entry.get('number')}, expected {count}")
            )
        previous = raw
        for item in [*entry.get("inputs", []), *entry.get("outputs", [])]:
            if isinstance(item, dict) and isinstance(item.get("path"), str):
                latest[item["path"]] = (count, line, item)
    checked = 0
    for path, (number, line, item) in sorted(latest.items()):
        if item.get("kind") == "missing":
            continue
        now = record(path)
        checked += 1
        if now.kind == "missing":
            findings.append(Finding(number, line, f"{path} is gone"))
        elif (now.kind, now.sha256) != (item.get("kind"), item.get("sha256")):
            what = "its listing changed" if now.kind == "folder" else "its bytes changed"
            findings.append(Finding(number, line, f"{path}: {what} since this entry recorded it"))
    head = _line_hash(previous) if previous is not None else None
    return JournalCheck(display_path(target), count, checked, tuple(findings), head)
