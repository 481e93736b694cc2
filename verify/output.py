"""Writing files safely: a temporary name in the same folder, then a rename.

An interrupted run never leaves a half-written file under the final name.
"""

from __future__ import annotations

import contextlib
import os
import stat
import tempfile
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import BinaryIO

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


@contextlib.contextmanager
def atomic_writer(target: str | os.PathLike[str]) -> Iterator[BinaryIO]:
    """A file to stream into; it replaces ``target`` only if the block finishes.

    For outputs too large to hold in memory (a bank's export). On any
    failure the temporary file goes and ``target`` is as it was.
    """
    target = Path(target)
    try:
        handle, temporary = tempfile.mkstemp(prefix=f".{target.name}.", dir=target.parent)
    except OSError as exc:
        raise OutputError(f"cannot write here: {exc.strerror}", target) from None
    try:
        if hasattr(os, "fchmod"):
            os.fchmod(handle, 0o666 & ~_umask())
        with os.fdopen(handle, "wb") as stream:
            yield stream
            stream.flush()
            os.fsync(stream.fileno())
        os.replace(temporary, target)
    except OSError as exc:
        raise OutputError(f"cannot write: {exc.strerror}", target) from None
    finally:
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
    try:
        mode = target.stat().st_mode
    except OSError:
        mode = None  # not there yet (or a dangling link): created by the write
    if mode is not None and not stat.S_ISREG(mode):
        raise OutputError(
            "is not a regular file (a pipe, device or socket); give a file name", target
        )
    if not folder.is_dir():
        if folder.exists():
            raise OutputError(f"{folder} is a file, not a folder to write in", target)
        raise OutputError(f"the folder {folder} does not exist", target)
    try:
        handle, probe = tempfile.mkstemp(prefix=f".{target.name}.", dir=folder)
    except OSError as exc:
        raise OutputError(f"cannot write here: {exc.strerror}", target) from None
    os.close(handle)
    os.unlink(probe)


PathLike = str | bytes | os.PathLike[str]


def _identity(path: PathLike) -> tuple[str, tuple[int, int] | None]:
    """The real path, and (device, inode) when the file exists (hard links share it)."""
    real = os.path.realpath(path)
    try:
        info = os.stat(real)
    except OSError:
        return real, None
    return real, (info.st_dev, info.st_ino)


def _inside(real: str, folder: PathLike) -> bool:
    root = os.path.realpath(folder)
    return real.startswith(root.rstrip(os.sep) + os.sep)


def check_outputs(
    outputs: Mapping[str, PathLike | None],
    *,
    inputs: Mapping[str, PathLike | None] | None = None,
    folders: Mapping[str, PathLike] | None = None,
) -> None:
    """Refuse, before any work, outputs that would destroy evidence or each other,
    or that cannot be written: `check_distinct`, then `check_writable` on each.
    """
    check_distinct(outputs, inputs=inputs, folders=folders)
    for path in outputs.values():
        if path is not None:
            check_writable(path)


def check_distinct(
    outputs: Mapping[str, PathLike | None],
    *,
    inputs: Mapping[str, PathLike | None] | None = None,
    folders: Mapping[str, PathLike] | None = None,
) -> None:
    """Raise `OutputError` (exit 9) if an output would overwrite what it must not.

    Each of ``outputs`` (named as the user gave them, e.g. ``"--csv"``) must
    not be any of ``inputs``, another output, or inside any of ``folders``
    (the folders being processed). Paths are compared after resolving
    links, and hard links by inode.
    """
    seen: dict[object, str] = {}

    def remember(path: PathLike, name: str) -> None:
        real, inode = _identity(path)
        seen[real] = name
        if inode is not None:
            seen[inode] = name

    for name, path in (inputs or {}).items():
        if path is not None:
            remember(path, name)
    for name, path in outputs.items():
        if path is None:
            continue
        real, inode = _identity(path)
        clash = seen.get(real) or (seen.get(inode) if inode is not None else None)
        if clash is not None:
            raise OutputError(f"{name} would overwrite {clash}; choose another file name", path)
        for folder_name, folder in (folders or {}).items():
            if _inside(real, folder):
                raise OutputError(
                    f"{name} is inside {folder_name}, which is being processed: verify never "
                    "writes there; choose a file outside it",
                    path,
                )
        remember(path, name)
