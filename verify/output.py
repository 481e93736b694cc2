"""Writing files safely: a temporary name in the same folder, then a rename.

An interrupted run never leaves a half-written file under the final name.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Mapping
from pathlib import Path

from verify.errors import OutputError


def atomic_write_bytes(target: str | os.PathLike[str], data: bytes) -> None:
    """Write ``data`` to ``target`` atomically; raise `OutputError` on failure."""
    atomic_write_files({target: data})


def atomic_write_files(files: Mapping[str | os.PathLike[str], bytes]) -> None:
    """Write several files that belong together: all are replaced, or none.

    Every file is first written and flushed to disk under a temporary name;
    only when all succeeded are they renamed over their targets, so a full
    disk or a failing write leaves every existing file as it was. (The
    renames themselves need no space; one failing after another succeeded
    would take the folder changing under us mid-way.)
    """
    written: list[tuple[str, Path]] = []
    try:
        for target, data in files.items():
            written.append((_write_temporary(Path(target), data), Path(target)))
        for temporary, target in written:
            try:
                os.replace(temporary, target)
            except OSError as exc:
                raise OutputError(f"cannot write: {exc.strerror}", target) from None
    finally:
        for temporary, _target in written:
            with contextlib.suppress(OSError):
                os.unlink(temporary)  # only left over when something failed


def _write_temporary(target: Path, data: bytes) -> str:
    """``data`` in a new temporary file beside ``target``, flushed to disk; its path."""
    try:
        handle, temporary = tempfile.mkstemp(prefix=f".{target.name}.", dir=target.parent)
    except OSError as exc:
        raise OutputError(f"cannot write here: {exc.strerror}", target) from None
    try:
        # mkstemp makes the file private (0600); give it the mode any new
        # file gets here, so a report can be shared like other files.
        if hasattr(os, "fchmod"):  # not on Windows before Python 3.13
            os.fchmod(handle, 0o666 & ~_umask())
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
            stream.flush()
            os.fsync(stream.fileno())
    except OSError as exc:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise OutputError(f"cannot write: {exc.strerror}", target) from None
    return temporary


def _umask() -> int:
    """The process's file-creation mask (read by setting it and putting it back)."""
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def check_writable(target: str | os.PathLike[str]) -> None:
    """Raise `OutputError` now, before long work, if ``target`` cannot be written.

    The folder must exist, ``target`` must not be a folder, and a file must be
    creatable beside it (tried for real: permission bits do not tell root's
    story, nor a read-only mount's).
    """
    target = Path(target)
    folder = target.parent
    if target.is_dir():
        raise OutputError("is a folder; give a file name", target)
    if not folder.is_dir():
        reason = "is not a folder" if folder.exists() else "does not exist"
        raise OutputError(f"the folder {folder} {reason}", target)
    try:
        handle, probe = tempfile.mkstemp(prefix=f".{target.name}.", dir=folder)
    except OSError as exc:
        raise OutputError(f"cannot write here: {exc.strerror}", target) from None
    os.close(handle)
    os.unlink(probe)
