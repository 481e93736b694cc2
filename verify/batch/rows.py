"""The rows of a `verify batch` results file, as values: `FileRow` and `ErrorRow`.

Each has one serialisation (`to_dict`, a line of the JSON Lines file, schema
``batch.schema.json``); `FileRow.from_dict` reads a line back when a run is
resumed, and refuses one this version cannot build on (a hand-edited or
damaged line is redone instead). A row also says what it is evidence of:
the earliest time it gives for its file (`FileRow.evidence`).

A Telegram post time (``date_unixtime`` in the export, UTC) shows the file
was public by then. Without one, the capture time the file's metadata claims
is used: only a claim, and not used at all when a flag calls it into doubt
(a clock's zero, a time in the future). A download name
(``video_2022-04-02_09-41-27.mp4``) is neither, so it is never evidence.
"""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING, Any

from verify.hashing.fingerprint import HashedFrame, VideoFingerprint

if TYPE_CHECKING:
    from verify.audio.landmarks import AudioFingerprint

SCHEMA_VERSION = "1.8"  # 1.2: a time's zone_source; 1.3 list_matches; 1.4 frames' PDQ; 1.5 sound;
# 1.6 bank matches' segments carry their rate; 1.7 and their placement slack; 1.8 as match 1.8
DOUBTFUL_TIME_FLAGS = frozenset({"creation_time_epoch", "creation_time_future"})
_REQUIRED = {"path": str, "sha256": str, "size": int, "mtime_ns": int, "media_kind": str}


@dataclasses.dataclass(frozen=True)
class FileRow:
    """One file done: what it is, what it says, what it matched, its frame hashes."""

    path: str  # relative to the batch folder, with "/"
    size: int
    mtime: str
    mtime_ns: int
    sha256: str
    md5: str
    media_kind: str
    content: str
    format: str | None
    duration: float | None
    width: int | None
    height: int | None
    creation_time: dict[str, Any] | None
    device: dict[str, Any]
    location: dict[str, Any] | None
    flags: tuple[str, ...]
    bank_matches: tuple[dict[str, Any], ...] | None
    notes: tuple[str, ...]
    telegram: dict[str, Any] | None = None  # the post, for a file of a Telegram export
    download_name: dict[str, Any] | None = None  # the time a download name gives, a caveat
    # Its frames are kept as compact rows (`HashedFrame.to_row`), half the size of
    # `verify hash --json`'s objects (the rows of a large archive add up); path,
    # SHA-256, size and duration are the row's own.
    fingerprint: VideoFingerprint | None = None
    # Shared-list entries the file matches (`verify.lists.matching`); None without a bank.
    list_matches: tuple[dict[str, Any], ...] | None = None
    # The file's sound against the bank's (`verify.matching.sound.SoundReport.to_dict`);
    # None without a bank.
    sound: dict[str, Any] | None = None
    # The file's sound as landmarks, when matching heard it (the bank holds sound) and
    # the run adds its videos to the bank: never written, kept so that the sound is not
    # decoded twice.
    clip_sound: AudioFingerprint | None = dataclasses.field(default=None, compare=False, repr=False)

    def to_dict(self, *, fingerprint: bool = True) -> dict[str, Any]:
        """The row's line; ``fingerprint=False`` leaves the long frame list out."""
        row = {
            "schema_version": SCHEMA_VERSION,
            "kind": "file",
            "path": self.path,
            "size": self.size,
            "mtime": self.mtime,
            "mtime_ns": self.mtime_ns,
            "sha256": self.sha256,
            "md5": self.md5,
            "media_kind": self.media_kind,
            "content": self.content,
            "format": self.format,
            "duration": self.duration,
            "width": self.width,
            "height": self.height,
            "creation_time": self.creation_time,
            "device": self.device,
            "location": self.location,
            "flags": list(self.flags),
            "bank_matches": None if self.bank_matches is None else list(self.bank_matches),
            "list_matches": None if self.list_matches is None else list(self.list_matches),
            "sound": self.sound,
            "notes": list(self.notes),
            "telegram": self.telegram,
            "download_name": self.download_name,
        }
        if fingerprint:
            found = self.fingerprint
            row["fingerprint"] = (
                None
                if found is None
                else {  # last: the long part
                    "sampling": found.sampling,
                    "width": found.width,
                    "height": found.height,
                    "crop": found.crop,
                    "inset": found.inset,
                    "frames": [frame.to_row() for frame in found.frames],
                }
            )
        return row

    @classmethod
    def from_dict(cls, record: dict[str, Any]) -> FileRow:
        """A row read back; ValueError (or KeyError, TypeError) if it cannot be built on."""
        if record.get("kind") != "file":
            raise ValueError("not a file row")
        for name, kind in _REQUIRED.items():
            if not isinstance(record.get(name), kind):
                raise ValueError(f"its {name} is missing or of the wrong type")
        data = record.get("fingerprint")
        fingerprint = None
        if data is not None:
            fingerprint = VideoFingerprint(
                path=record["path"], sha256=record["sha256"], size=record["size"],
                duration=record["duration"], sampling=data["sampling"], width=data["width"],
                height=data["height"], crop=data["crop"],
                frames=tuple(HashedFrame.from_row(f) for f in data["frames"]),
                inset=data["inset"],
            )  # fmt: skip
        matches = record.get("bank_matches")
        listed = record.get("list_matches")
        return cls(
            record["path"], record["size"], record["mtime"], record["mtime_ns"],
            record["sha256"], record["md5"], record["media_kind"], record["content"],
            record["format"], record["duration"], record["width"], record["height"],
            record["creation_time"], record["device"], record["location"],
            tuple(record["flags"]), None if matches is None else tuple(matches),
            tuple(record["notes"]), record.get("telegram"), record.get("download_name"),
            fingerprint, None if listed is None else tuple(listed), record.get("sound"),
        )  # fmt: skip

    def evidence(self) -> dict[str, Any]:
        """The earliest time the row gives for its file: the post, else the claimed capture."""
        post = self.telegram
        if post and post.get("posted_at"):
            chat = post.get("chat_name") or "chat"
            source = f"{chat}, message {post['message_id']}"
            return {"kind": "telegram_post", "time": post["posted_at"], "source": source}
        created = self.creation_time
        if created and created.get("utc") and not DOUBTFUL_TIME_FLAGS & set(self.flags):
            return {"kind": "capture_time", "time": created["utc"], "source": created["source"]}
        return {"kind": "none", "time": None, "source": None}

    def evidence_order(self) -> tuple[bool, str, str]:
        """Sort key: earliest evidence first, rows without any last, then by path."""
        time_text = self.evidence()["time"]
        return (time_text is None, time_text or "", self.path)

    def bank_summary(self) -> dict[str, Any]:
        """The metadata summary the bank keeps (`verify.bank.indexing.metadata_summary`'s
        fields, from the row, which holds them)."""
        return {
            "format": self.format or self.content,
            "creation_time": self.creation_time,
            "device": self.device,
            "location": self.location,
            "flags": list(self.flags),
            "md5": self.md5,
            "mtime": self.mtime,
        }


@dataclasses.dataclass(frozen=True)
class ErrorRow:
    """One file that could not be processed, and why."""

    path: str
    error: dict[str, Any]  # code, message, exit_code
    size: int | None = None
    mtime: str | None = None
    mtime_ns: int | None = None
    telegram: dict[str, Any] | None = None
    download_name: dict[str, Any] | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "schema_version": SCHEMA_VERSION,
            "kind": "error",
            "path": self.path,
            "size": self.size,
            "mtime": self.mtime,
            "mtime_ns": self.mtime_ns,
            "error": self.error,
            "telegram": self.telegram,
            "download_name": self.download_name,
        }
