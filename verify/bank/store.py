"""What the rest of `verify` needs from a bank of known copies: a small storage interface.

Matching asks a bank for candidates (videos sharing posting keys with a
clip's hashes) and for a video's known frames as a `FrameTable`; commands
add, find, list and remove videos. `BankStore` states exactly that, so a
second backend (a database server) is one more class behind it and
matching does not change. `verify.bank.open_bank` opens one.
"""

from __future__ import annotations

import contextlib
import dataclasses
import os
import re
import sys
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import urlsplit, urlunsplit

from verify.audio.landmarks import AudioFingerprint
from verify.hashing.fingerprint import VideoFingerprint
from verify.hashing.forms import FrameTable

# Of the JSON `verify index` prints: 1.1 added_by, 1.2 list_entries, 1.3 sound (landmarks
# stored with a video, and the bank's sound in stats).
BANK_DOCUMENT_VERSION = "1.3"
SLICES = 4  # a 64-bit hash is looked up as 4 slices of 16 bits


def slice_keys(hashes: Iterable[int]) -> set[int]:
    """Posting keys of 64-bit hashes: (slice position << 16) | slice value.

    Two hashes within a few bits of each other share at least one slice
    with high probability (multi-index hashing), so a clip looks up its own
    slices instead of scanning every stored hash.
    """
    keys = set()
    for value in hashes:
        for position in range(SLICES):
            keys.add((position << 16) | ((value >> (16 * position)) & 0xFFFF))
    return keys


_URL_RE = re.compile(r"^postgres(?:ql)?://", re.IGNORECASE)


def is_url(location: object) -> bool:
    """Whether ``location`` names a PostgreSQL bank (``postgresql://...``) rather than a file."""
    return isinstance(location, str) and bool(_URL_RE.match(location))


_SECRET_PARAMETERS = {"password", "sslpassword"}


def masked_url(url: str) -> str:
    """``url`` with any password (after the user, or as a parameter) replaced by ``***``."""
    parts = urlsplit(url)
    netloc = parts.netloc
    credentials, at, host = netloc.rpartition("@")
    if at and ":" in credentials:
        netloc = f"{credentials.split(':', 1)[0]}:***@{host}"
    query = "&".join(
        f"{name}=***" if name.lower() in _SECRET_PARAMETERS else f"{name}{sep}{value}"
        for name, sep, value in (item.partition("=") for item in parts.query.split("&") if item)
    )
    return urlunsplit((parts.scheme, netloc, parts.path, query, parts.fragment))


def url_secrets(url: str) -> list[str]:
    """The passwords written in ``url`` (to keep them out of any message)."""
    parts = urlsplit(url)
    credentials, at, _ = parts.netloc.rpartition("@")
    found = [credentials.split(":", 1)[1]] if at and ":" in credentials else []
    for item in parts.query.split("&"):
        name, _, value = item.partition("=")
        if name.lower() in _SECRET_PARAMETERS and value:
            found.append(value)
    return [secret for secret in found if secret]


def default_bank_path() -> Path | str:
    """``VERIFY_DB`` (a file or a ``postgresql://`` URL), else the per-user data folder."""
    override = os.environ.get("VERIFY_DB")
    if override:
        return override if is_url(override) else Path(override)
    if sys.platform == "win32":
        base = Path(os.environ.get("LOCALAPPDATA", Path.home() / "AppData" / "Local"))
    elif sys.platform == "darwin":
        base = Path.home() / "Library" / "Application Support"
    else:
        base = Path(os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share")
    return base / "verify" / "bank.sqlite"


@dataclasses.dataclass(frozen=True)
class KnownVideo:
    """A video in the bank (without its frames)."""

    id: int
    sha256: str
    path: str
    size: int
    duration: float | None
    width: int | None
    height: int | None
    sampling: str
    added_at: str
    source: str | None
    posted_at: str | None
    url: str | None
    summary: dict[str, Any]
    frame_count: int
    added_by: str | None = None  # the database user (PostgreSQL) or login name (SQLite)

    def to_dict(self) -> dict[str, Any]:
        data = dataclasses.asdict(self)
        data.pop("id")
        return data


@dataclasses.dataclass(frozen=True)
class AddResult:
    """A video added to the bank, or found there already (same SHA-256)."""

    video: KnownVideo
    added: bool  # False if these bytes were already in the bank
    # Landmarks of its sound stored with it (None: no sound stored, or not added now).
    sound_landmarks: int | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "schema_version": BANK_DOCUMENT_VERSION,
            "path": self.video.path,
            "ok": True,
            "added": self.added,
            "video": self.video.to_dict(),
            "sound_landmarks": self.sound_landmarks,
        }


class BankStore(Protocol):
    """A bank of known videos, as matching and the commands use it."""

    @property
    def location(self) -> str:
        """Where the bank is, for people and reports (a path; never a password)."""
        ...

    def candidates(
        self, keys: Iterable[int], *, min_votes: int, limit: int
    ) -> list[tuple[int, int]]:
        """Videos sharing these posting keys (`slice_keys`): (video id, votes), most votes
        first."""
        ...

    def posting_count(self, keys: Iterable[int]) -> int:
        """How many postings these keys have (how much a lookup of them reads)."""
        ...

    def known_frames(self, video_id: int) -> FrameTable:
        """A stored video's frames (`BankError` naming the video if they are damaged)."""
        ...

    def video_by_id(self, video_id: int) -> KnownVideo: ...

    def known_videos(self, video_ids: Iterable[int]) -> dict[int, tuple[KnownVideo, FrameTable]]:
        """Several videos with their frames at once (a server answers in one round trip)."""
        ...

    def has(self, sha256: str) -> bool: ...

    def find(self, key: str) -> KnownVideo:
        """A video by SHA-256 (or a unique prefix of at least 8 hex digits) or stored path."""
        ...

    def videos(self, *, source: str | None = None, added_by: str | None = None) -> list[KnownVideo]:
        """Every video, or those with this ``source`` and/or added by this user."""
        ...

    def video_count(self) -> int: ...

    def stats(self) -> dict[str, Any]: ...

    def add_video(
        self,
        fingerprint: VideoFingerprint,
        *,
        summary: dict[str, Any] | None = None,
        source: str | None = None,
        posted_at: str | None = None,
        url: str | None = None,
        path: str | None = None,
        audio: AudioFingerprint | None = None,
    ) -> AddResult:
        """Store a fingerprinted video (and its sound's landmarks, if given); the existing
        row if its SHA-256 is known."""
        ...

    def snapshot(self) -> contextlib.AbstractContextManager[None]:
        """Reads inside see the bank as it was at their first read (one consistent export
        while others write)."""
        ...

    def frame_rows(self, video_id: int) -> Any:
        """A video's stored frame rows (`verify.bank.records.FRAME_DTYPE`), for exports."""
        ...

    def import_videos(
        self, records: Iterable[tuple[KnownVideo, Any, AudioFingerprint | None]]
    ) -> int:
        """Add exported (video, frame rows, sound or None) in one transaction; how many were
        new."""
        ...

    def remove(self, key: str) -> tuple[str, str]:
        """Remove a video and its postings: its (SHA-256, path)."""
        ...

    # Sound (`verify.audio`): a video's landmarks, looked up by their posted hashes.

    def audio_count(self) -> int:
        """How many videos have their sound stored."""
        ...

    def has_audio(self) -> bool:
        """Whether any video has its sound stored (asked by every match: no count)."""
        ...

    def audio_candidates(
        self, hashes: Iterable[int], *, min_votes: int, limit: int
    ) -> list[tuple[int, int]]:
        """Videos whose sound shares these posted landmark hashes
        (`AudioFingerprint.posted`): (video id, votes), most votes first."""
        ...

    def known_audio(self, video_ids: Iterable[int]) -> dict[int, AudioFingerprint]:
        """The stored sound of these videos (those without any are left out); `BankError`
        naming the video if it is damaged."""
        ...

    # Shared hash lists (`verify.lists`): hash-only entries beside the videos.

    def add_list_entries(self, entries: Iterable[Any]) -> tuple[int, int]:
        """Store `verify.lists.stored.NewEntry` values in one transaction: (added, already)."""
        ...

    def list_export(self) -> Iterator[tuple[Any, str, bytes]]:
        """Every list entry as (`ListRecord`, digest, packed hashes), for exports."""
        ...

    def list_count(self) -> int: ...

    def lists(self) -> list[Any]:
        """`verify.lists.stored.ListSummary` of each list in the bank, by name."""
        ...

    def remove_list(self, name: str) -> int:
        """Remove a list's entries (and their postings) in one transaction: how many."""
        ...

    def list_candidates(self, keys: Iterable[int], *, limit: int) -> list[tuple[int, int]]:
        """Entries sharing PDQ slice keys: (entry id, votes), most first."""
        ...

    def list_entries(self, ids: Iterable[int]) -> dict[int, tuple[Any, Any]]:
        """(`ListRecord`, `VpdqHash`) of entries by id."""
        ...

    def list_md5(self, md5: str) -> list[Any]:
        """`ListRecord` of entries naming this MD5."""
        ...

    def close(self) -> None: ...

    def __enter__(self) -> BankStore: ...

    def __exit__(self, *exc: object) -> None: ...
