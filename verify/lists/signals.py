"""A file's signals as hash-sharing programmes name them, and their text forms.

python-threatexchange ("pytx") writes one ``<signal_type> <signal>`` line a
signal: ``pdq <64 hex>`` for a photo, ``video_md5 <32 hex>`` and
``video_vpdq <JSON list>`` for a video. `file_signals` computes them for a
file (the photo's PDQ from its stored pixels, as Meta's photo hasher reads
them: no EXIF turn); `parse_pytx` reads such lines back.
"""

from __future__ import annotations

import dataclasses
import os
import re
from collections.abc import Iterator
from typing import Any

from verify.config import INSPECT, LISTS, ListConfig
from verify.errors import InputError, UnreadableMedia
from verify.hashing.pdq import PdqHash, pdq_hash
from verify.hashing.vpdq import VpdqFeature, VpdqHash, vpdq_hash

SIGNAL_TYPES = ("pdq", "video_md5", "video_vpdq")
# python-threatexchange 1.2 names its vPDQ signal type "vpdq": read as video_vpdq.
_ALIASES = {"vpdq": "video_vpdq"}
_MD5 = re.compile(r"[0-9a-f]{32}")


@dataclasses.dataclass(frozen=True)
class FileSignals:
    """What a shared list would hold for one file."""

    path: str
    md5: str
    pdq: PdqHash | None = None  # a photo's
    vpdq: VpdqHash | None = None  # a video's

    def pytx_lines(self) -> list[str]:
        """The file's signals as python-threatexchange prints them."""
        if self.vpdq is not None:
            return [f"video_md5 {self.md5}", f"video_vpdq {self.vpdq.to_pytx()}"]
        assert self.pdq is not None
        return [f"pdq {self.pdq}"]

    def to_dict(self) -> dict[str, Any]:
        return {
            "path": self.path,
            "md5": self.md5,
            "pdq": None if self.pdq is None else self.pdq.to_dict(),
            "vpdq": None if self.vpdq is None else [f.to_dict() for f in self.vpdq.features],
        }


def file_signals(
    path: str | os.PathLike[str] | bytes,
    *,
    timeout: float = INSPECT.probe_timeout_s,
    config: ListConfig = LISTS,
) -> FileSignals:
    """MD5 and PDQ (photo) or vPDQ (video) of one file."""
    from verify.errors import display_path
    from verify.hashing.fingerprint import video_stream
    from verify.media.decode import decode_every_nth
    from verify.media.filehash import hash_file
    from verify.media.filetype import sniff
    from verify.media.walk import check_readable_file

    check_readable_file(path)
    name = display_path(path)
    if sniff(path).is_still:
        stream, _ = video_stream(path, timeout)
        frames = decode_every_nth(
            path, 1, stream.index, pixel_format=stream.pixel_format, stall_timeout=timeout
        )
        first = next(iter(frames), None)
        if first is None:
            raise UnreadableMedia("ffmpeg decoded no picture to hash", path)
        return FileSignals(name, hash_file(path).md5, pdq=pdq_hash(first.pixels))
    hashed = vpdq_hash(path, timeout=timeout, config=config)
    return FileSignals(name, hash_file(path).md5, vpdq=hashed)


@dataclasses.dataclass(frozen=True)
class ListEntry:
    """One line of a shared list: a signal naming footage by hash."""

    signal_type: str
    signal: str  # as written: hex for pdq and video_md5, the JSON for video_vpdq
    line: int
    vpdq: VpdqHash | None = None  # the picture hashes (a pdq entry: one frame at 0 s)


def _picture_hashes(signal_type: str, signal: str, where: str) -> VpdqHash:
    if signal_type == "video_vpdq":
        return VpdqHash.from_pytx(signal, where)
    try:
        value = PdqHash.from_hex(signal)
    except ValueError as exc:
        raise InputError(f"not a pdq signal ({exc})", where) from None
    return VpdqHash((VpdqFeature(0, 100, value, 0.0),))


def parse_pytx(text: str, name: str = "") -> Iterator[ListEntry]:
    """Entries of a python-threatexchange list; `InputError` naming a bad line.

    Blank lines and ``#`` comments are skipped; signal types other than
    `SIGNAL_TYPES` are refused rather than ignored, so that a list is never
    half-read without saying so.
    """
    for number, raw in enumerate(text.splitlines(), 1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        kind, _, signal = line.partition(" ")
        kind, signal = _ALIASES.get(kind, kind), signal.strip()
        if kind not in SIGNAL_TYPES:
            raise InputError(
                f"line {number}: signal type {kind[:40]!r} is not one of {', '.join(SIGNAL_TYPES)}",
                name,
            )
        written = signal.lower() if kind != "video_vpdq" else signal
        if kind == "video_md5":
            if not _MD5.fullmatch(written):
                raise InputError(f"line {number}: not an MD5 ({signal[:40]!r})", name)
            yield ListEntry(kind, written, number)
        else:  # read now: a bad hash is refused before anything is stored
            hashes = _picture_hashes(kind, written, f"{name} line {number}")
            yield ListEntry(kind, written, number, hashes)


def write_vpdq_file(signals: FileSignals, directory: str | os.PathLike[str]) -> str:
    """Write a video's vPDQ as ``<directory>/<file name>.vpdq``; its path.

    An existing file is never replaced: the same text there already is kept,
    other text is an `OutputError`.
    """
    from verify.errors import OutputError

    assert signals.vpdq is not None
    text = signals.vpdq.to_text().encode("ascii")
    target = os.path.join(os.fsdecode(directory), f"{os.path.basename(signals.path)}.vpdq")
    try:
        os.makedirs(directory, exist_ok=True)
        with open(target, "xb") as out:
            out.write(text)
    except FileExistsError:
        with open(target, "rb") as existing:
            if existing.read() != text:
                raise OutputError("exists with other hashes; not replaced", target) from None
    except OSError as exc:
        raise OutputError(f"cannot write: {exc.strerror}", target) from None
    return target
