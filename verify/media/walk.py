"""Turn the paths a user gives into the media files to process."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterable, Iterator

from verify.errors import InputError
from verify.media.filetype import STILL_EXTENSIONS, VIDEO_EXTENSIONS


def check_readable_file(path: str | os.PathLike[str] | bytes) -> os.stat_result:
    """Stat ``path`` and raise `InputError` unless it is a non-empty readable file."""
    try:
        info = os.stat(path)
    except FileNotFoundError:
        raise InputError("no such file", path) from None
    except OSError as exc:
        raise InputError(f"cannot access: {exc.strerror}", path) from None
    if stat.S_ISDIR(info.st_mode):
        raise InputError("is a directory, not a file (use `verify batch` for folders)", path)
    if not stat.S_ISREG(info.st_mode):
        raise InputError("not a regular file (a device, pipe or socket)", path)
    if not os.access(path, os.R_OK):
        raise InputError("permission denied: the file is not readable by this user", path)
    if info.st_size == 0:
        raise InputError("empty file (0 bytes): the download or copy produced nothing", path)
    return info


def find_media(
    paths: Iterable[str], *, extensions: frozenset[str] | set[str] = VIDEO_EXTENSIONS
) -> Iterator[str]:
    """Files named directly, and media files found in folders (recursively, sorted).

    A file named directly is always yielded, whatever its extension, so that
    a bad file is reported rather than silently skipped; inside folders only
    files with ``extensions`` are taken, and hidden files and folders are
    skipped. Paths that do not exist are yielded as given, to be reported.
    """
    for path in paths:
        if not os.path.isdir(path):
            yield path
            continue
        for root, folders, files in os.walk(path, onerror=None):
            folders[:] = sorted(f for f in folders if not f.startswith("."))
            for name in sorted(files):
                if name.startswith("."):
                    continue
                if os.path.splitext(name)[1].lower() in extensions:
                    yield os.path.join(root, name)


MEDIA_EXTENSIONS = frozenset(VIDEO_EXTENSIONS | STILL_EXTENSIONS)
