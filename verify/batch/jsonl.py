"""JSON Lines files that survive crashes: whole-line appends, careful re-reading.

Each record is appended with one ``write`` of a complete line, then flushed
to disk (``fsync``) before the next. A process killed at any moment leaves
every earlier line intact and at most one incomplete last line, which
`read_lines` reports so that a resumed run can drop it. A write that fails
part-way (disk full) is cut back to the previous line end before the error
is raised, so the file always ends with a complete line.
"""

from __future__ import annotations

import contextlib
import dataclasses
import errno
import json
import os
from pathlib import Path
from typing import Any

from verify.errors import OutputError
from verify.output import atomic_write_bytes

_FULL = {errno.ENOSPC, errno.EFBIG, errno.EDQUOT}
# Records encoded and written at a time by `Appender.append_many`.
_CHUNK_RECORDS = 1000


@dataclasses.dataclass(frozen=True)
class Line:
    """One complete line of a JSON Lines file: its record and its exact bytes."""

    record: dict[str, Any]
    raw: bytes


@dataclasses.dataclass(frozen=True)
class LinesRead:
    """What `read_lines` found: the complete lines and what was left after them."""

    lines: tuple[Line, ...]
    torn_tail: bool  # an incomplete or unreadable last line followed the complete ones


def encode(record: dict[str, Any]) -> bytes:
    """One record as a UTF-8 line (non-ASCII kept readable where it can be encoded)."""
    try:
        text = json.dumps(record, ensure_ascii=False, separators=(",", ":"))
        return text.encode("utf-8") + b"\n"
    except UnicodeEncodeError:  # lone surrogates, e.g. from a damaged result.json
        return json.dumps(record, separators=(",", ":")).encode("ascii") + b"\n"


def read_lines(path: str | os.PathLike[str]) -> LinesRead:
    """Read the complete JSON-object lines of ``path``.

    The last line may be torn (no newline, or not JSON, as a crash or a full
    disk can leave it): it is reported, not returned. Any other line that is
    not a JSON object means the file was edited or is not ours: `OutputError`.
    """
    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        raise OutputError(f"cannot read the existing results: {exc.strerror}", path) from None
    pieces = data.split(b"\n")
    tail = pieces.pop()  # after the last newline: empty unless the last line is incomplete
    lines: list[Line] = []
    torn = bool(tail)
    for number, piece in enumerate(pieces, start=1):
        record = _parse(piece)
        if record is None:
            if number == len(pieces) and not tail:
                torn = True  # a torn write that happened to end in a newline
                break
            raise OutputError(
                f"line {number} is not a JSON object: the file was edited or is not a verify "
                "output; move it away or choose another output file",
                path,
            )
        lines.append(Line(record, piece + b"\n"))
    return LinesRead(tuple(lines), torn)


def _parse(piece: bytes) -> dict[str, Any] | None:
    try:
        record = json.loads(piece)
    except (json.JSONDecodeError, UnicodeDecodeError):
        return None
    return record if isinstance(record, dict) else None


def rewrite(path: str | os.PathLike[str], lines: list[bytes]) -> None:
    """Replace ``path`` with ``lines``, atomically: a crash leaves the old or the new file.

    When ``lines`` are the file's own first lines, the rest is cut off in
    place instead (one ``truncate``), which is atomic too and copies nothing.
    """
    path = Path(path)
    kept = b"".join(lines)
    try:
        with open(path, "rb") as handle:
            prefix = handle.read(len(kept))
        mode = path.stat().st_mode & 0o777
    except OSError as exc:
        raise OutputError(f"cannot read the existing results: {exc.strerror}", path) from None
    try:
        if prefix == kept:
            with open(path, "r+b") as handle:
                handle.truncate(len(kept))
                os.fsync(handle.fileno())
            return
    except OSError as exc:
        raise OutputError(f"cannot shorten the file: {exc.strerror}", path) from None
    atomic_write_bytes(path, kept)
    with contextlib.suppress(OSError):  # the content is what matters; a stricter mode is harmless
        os.chmod(path, mode)


class Appender:
    """An open JSON Lines file that records are appended to, one durable line at a time."""

    def __init__(self, path: str | os.PathLike[str]):
        self.path = Path(path)
        created = not self.path.exists()
        try:
            self._fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        except OSError as exc:
            raise OutputError(_reason("cannot open for writing", exc), self.path) from None
        if created:
            _sync_folder(self.path.parent)

    def append(self, record: dict[str, Any]) -> None:
        """Write one record as one line and flush it to disk; on failure the file is unchanged."""
        self.append_many([record])

    def append_many(self, records: list[dict[str, Any]]) -> None:
        """Write records as lines with one flush to disk; on failure the file is unchanged."""
        if not records:
            return
        offset = os.fstat(self._fd).st_size
        try:
            # In chunks of whole lines, so memory stays small for very many records.
            for start in range(0, len(records), _CHUNK_RECORDS):
                view = memoryview(
                    b"".join(encode(r) for r in records[start : start + _CHUNK_RECORDS])
                )
                while view:
                    written = os.write(self._fd, view)
                    view = view[written:]
            os.fsync(self._fd)
        except BaseException as exc:
            # Drop the partial line so the file still ends with a complete one.
            with contextlib.suppress(OSError):
                os.ftruncate(self._fd, offset)
            if isinstance(exc, OSError):
                raise OutputError(_reason("cannot write", exc), self.path) from None
            raise

    def close(self) -> None:
        if self._fd >= 0:
            os.close(self._fd)
            self._fd = -1

    def __enter__(self) -> Appender:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _reason(action: str, exc: OSError) -> str:
    if exc.errno in _FULL:
        return (
            f"{action}: the disk is full (or the file size limit was reached); the lines "
            "written before are intact: free some space and run the same command again"
        )
    return f"{action}: {exc.strerror or exc}"


def _sync_folder(folder: Path) -> None:
    """Make a new file's name durable (POSIX: fsync the folder); best effort."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
