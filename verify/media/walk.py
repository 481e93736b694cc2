"""Turn the paths a user gives into the media files to process."""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator

from verify.media.filetype import STILL_EXTENSIONS, VIDEO_EXTENSIONS


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
