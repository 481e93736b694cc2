"""The provenance report as values: custody, inspection, keyframes, matches, and its digest.

`verify.report.build` makes a `Report`; `Report.to_dict` is the JSON document
(schema ``report.schema.json``) and `verify.report.html` draws it for people.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import json
import os
import shlex
from pathlib import Path
from typing import Any

from verify.bank import KnownVideo, bank_label
from verify.config import INSPECT, MATCH
from verify.forensics.timeline import Timeline
from verify.hashing.fingerprint import VideoFingerprint
from verify.inspection.inspect import Inspection
from verify.matching.results import Match, MatchReport
from verify.media.filehash import FileDigest
from verify.timestamps import format_utc
from verify.version import __version__

# 1.3 inspect 1.2; 1.4 list_matches; 1.5 inspect 1.3; 1.6 PDQ; 1.7 forensics; 1.8 sound;
# 1.9 analyse 1.2 inside; 1.10 a match's masked band; 1.11 each segment's rate;
# 1.12 each segment's placement slack; 1.13 that slack as match 1.8 gives it
SCHEMA_VERSION = "1.13"
# At most this many frames are shown (gallery and contact sheet), evenly
# chosen: enough to see every shot of a short clip, few enough that the HTML
# stays a few megabytes for an hour of video. The JSON lists every frame.
MAX_SHOWN_FRAMES = 24
# JPEG quality of the thumbnails embedded in the HTML page (320 px wide).
THUMB_QUALITY = 82
# Long side of the preview of a still embedded in the HTML page.
PREVIEW_LONG_SIDE = 480
DIGEST_METHOD = (
    "SHA-256 of the UTF-8 bytes of this document without its 'digest' field, serialised as "
    "JSON with keys sorted, no whitespace and non-ASCII characters unescaped (Python: "
    "json.dumps(body, sort_keys=True, separators=(',', ':'), ensure_ascii=False))"
)

# Which evidence dates a known copy, strongest first, and what it means.
EVIDENCE = {
    "posted_at": "the time its source posted it, recorded when it was added to the bank",
    "creation_time": "the creation time in its own metadata (no posting time was recorded; "
    "metadata can be wrong or forged)",
    "added_at": "only the time it was added to the bank is known: it existed by then",
}
# Flags on a known video that make its own creation time worthless as evidence.
_UNTRUSTED_TIME_FLAGS = {"creation_time_epoch", "creation_time_future"}


def utc_millis(moment: dt.datetime) -> str:
    """ISO 8601 in UTC to the millisecond, e.g. ``2024-05-01T10:00:00.123Z``."""
    moment = moment.astimezone(dt.timezone.utc)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def canonical_json(body: dict[str, Any]) -> bytes:
    """The bytes the digest is computed over (see the module docstring)."""
    text = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return text.encode("utf-8")


def body_digest(document: dict[str, Any]) -> str:
    """SHA-256 (hex) of ``document`` without its ``digest`` field."""
    body = {key: value for key, value in document.items() if key != "digest"}
    return hashlib.sha256(canonical_json(body)).hexdigest()


def verify_digest(document: dict[str, Any]) -> bool:
    """True if a loaded report still matches the digest it was written with."""
    digest = document.get("digest")
    if not isinstance(digest, dict) or digest.get("algorithm") != "sha256":
        return False
    return digest.get("value") == body_digest(document)


@dataclasses.dataclass(frozen=True)
class ReportOptions:
    """What the report was asked for: recorded in it as the options used."""

    out: str
    html: str | None = None
    db: str | None = None
    sampling: str = "keyframes"
    match_sampling: str = MATCH.query_sampling
    timeout: float = INSPECT.probe_timeout_s

    @property
    def shown_db(self) -> str | None:
        """The bank as the report records it: a server's URL never with its password."""
        return bank_label(self.db) if self.db else None

    @property
    def sheet_path(self) -> Path:
        """The contact sheet beside the JSON: ``report.json`` -> ``report.sheet.jpg``."""
        out = Path(self.out)
        return out.with_name(f"{out.stem}.sheet.jpg")

    def command_line(self, file: str) -> str:
        """A `verify report` command that asks for the same report."""
        argv = ["verify", "report", "-o", self.out]
        if self.html:
            argv += ["--html", self.html]
        if self.db:
            argv += ["--db", self.shown_db]
        argv += ["--sample", self.sampling, "--timeout", f"{self.timeout:g}"]
        argv += ["--", file] if file.startswith("-") else [file]
        return shlex.join(argv)

    def to_dict(self, file: str) -> dict[str, Any]:
        return {
            "file": file,
            "out": self.out,
            "html": self.html,
            "db": self.shown_db,
            "sample": self.sampling,
            "match_sample": self.match_sampling,
            "timeout": self.timeout,
            "command_line": self.command_line(file),
        }


@dataclasses.dataclass(frozen=True)
class Event:
    """One step of the analysis and when (UTC) it finished."""

    name: str  # collected, hashed, inspected, keyframes, matched, reported
    at: dt.datetime
    detail: str

    def to_dict(self) -> dict[str, str]:
        return {"event": self.name, "at": utc_millis(self.at), "detail": self.detail}


@dataclasses.dataclass(frozen=True)
class Custody:
    """Who examined which exact bytes, when, with what, and how."""

    path: str
    absolute_path: str
    digest: FileDigest
    mtime: dt.datetime
    user: str
    host: str
    environment: dict[str, Any]
    options: ReportOptions
    events: tuple[Event, ...]

    def to_dict(self) -> dict[str, Any]:
        return {
            "file": {
                "path": self.path,
                "absolute_path": self.absolute_path,
                "name": os.path.basename(self.path),
                **self.digest.to_dict(),
                "mtime": format_utc(self.mtime),
            },
            "collected_at": utc_millis(self.events[0].at),
            "operator": {"user": self.user, "host": self.host},
            "tool": {"name": "verify", "version": __version__},
            "environment": self.environment,
            "options": self.options.to_dict(self.path),
            "events": [e.to_dict() for e in self.events],
        }


@dataclasses.dataclass(frozen=True)
class Thumbnail:
    """A shown frame: its time and a small JPEG for the HTML page."""

    time: float
    jpeg: bytes


@dataclasses.dataclass(frozen=True)
class Keyframes:
    """The sampled frames with their hashes, the ones shown, and the contact sheet."""

    fingerprint: VideoFingerprint | None
    shown: tuple[Thumbnail, ...] = ()
    sheet: bytes | None = None
    sheet_name: str | None = None
    reason: str | None = None  # why there are none

    def to_dict(self) -> dict[str, Any]:
        fingerprint = self.fingerprint
        if fingerprint is None:
            return {
                "available": False, "reason": self.reason, "sampling": None, "frames": [],
                "contact_sheet": None, "notes": [],
            }  # fmt: skip
        shown = {round(t.time, 4) for t in self.shown}
        frames = [
            {
                "time": round(f.time, 4),
                "phash": str(f.phash),
                "dhash": str(f.dhash),
                "uniform": f.uniform,
                "keyframe": f.keyframe,
                "shown": round(f.time, 4) in shown,
                "pdq": None if f.forms.pdq is None else f.forms.pdq.to_dict(),
            }
            for f in fingerprint.frames
        ]
        sheet = None
        if self.sheet is not None:
            sheet = {
                "file": self.sheet_name,
                "sha256": hashlib.sha256(self.sheet).hexdigest(),
                "size": len(self.sheet),
                "frames": len(self.shown),
            }
        return {
            "available": True, "reason": None, "sampling": fingerprint.sampling,
            "frames": frames, "contact_sheet": sheet, "notes": list(fingerprint.notes),
        }  # fmt: skip


@dataclasses.dataclass(frozen=True)
class KnownSince:
    """The earliest time a known video is evidenced to exist, and by what."""

    time: str  # UTC, ISO 8601
    evidence: str  # a key of EVIDENCE

    @property
    def moment(self) -> dt.datetime:
        return dt.datetime.fromisoformat(self.time.replace("Z", "+00:00"))

    def to_dict(self) -> dict[str, str]:
        return {
            "time": self.time,
            "evidence": self.evidence,
            "explanation": EVIDENCE[self.evidence],
        }


def known_since(video: KnownVideo) -> KnownSince:
    """Posting time if recorded, else a trustworthy creation time, else when it was added."""
    if video.posted_at:
        return KnownSince(video.posted_at, "posted_at")
    summary = video.summary or {}
    created = (summary.get("creation_time") or {}).get("utc")
    if created and not _UNTRUSTED_TIME_FLAGS & set(summary.get("flags") or []):
        return KnownSince(created, "creation_time")
    return KnownSince(video.added_at, "added_at")


@dataclasses.dataclass(frozen=True)
class Forensics:
    """The stream's forensic timeline (`verify analyse`), or why there is none."""

    timeline: Timeline | None = None
    reason: str | None = None

    def to_dict(self) -> dict[str, Any]:
        timeline = self.timeline.to_dict(frame_table=False) if self.timeline else None
        return {"timeline": timeline, "reason": self.reason}


@dataclasses.dataclass(frozen=True)
class Matching:
    """The comparison with the bank of known copies, or why there was none."""

    bank: str | None = None
    bank_videos: int | None = None
    result: MatchReport | None = None
    reason: str | None = None

    @property
    def matches(self) -> tuple[Match, ...]:
        return self.result.matches if self.result else ()

    @property
    def earliest(self) -> Match | None:
        """The matched known video with the earliest evidence (best score on a tie)."""
        if not self.matches:
            return None
        return min(self.matches, key=lambda m: (known_since(m.video).moment, -m.score))

    def to_dict(self) -> dict[str, Any]:
        result = self.result
        matches = [
            {**m.to_dict(), "known_since": known_since(m.video).to_dict()} for m in self.matches
        ]
        earliest = self.earliest
        return {
            "performed": result is not None,
            "reason": self.reason,
            "bank": self.bank,
            "bank_videos": self.bank_videos,
            "sampling": result.query.sampling if result else None,
            "candidates": result.candidates if result else 0,
            "matches": matches,
            "list_matches": [m.to_dict() for m in result.list_matches] if result else [],
            "sound": result.sound.to_dict() if result and result.sound else None,
            "earliest_copy": (
                {
                    "path": earliest.video.path,
                    "sha256": earliest.video.sha256,
                    "source": earliest.video.source,
                    **known_since(earliest.video).to_dict(),
                }
                if earliest
                else None
            ),
        }


@dataclasses.dataclass(frozen=True)
class Report:
    """Everything known about one item, in the order a reader needs it."""

    custody: Custody
    inspection: Inspection
    keyframes: Keyframes
    matching: Matching
    options: ReportOptions
    preview: bytes | None = None  # a still's picture for the HTML page
    forensics: Forensics = Forensics(reason="not analysed")

    def body(self) -> dict[str, Any]:
        """The digested part of the document."""
        return {
            "schema_version": SCHEMA_VERSION,
            "custody": self.custody.to_dict(),
            "inspection": self.inspection.to_dict(),
            "keyframes": self.keyframes.to_dict(),
            "forensics": self.forensics.to_dict(),
            "matching": self.matching.to_dict(),
        }

    def to_dict(self) -> dict[str, Any]:
        body = self.body()
        digest = hashlib.sha256(canonical_json(body)).hexdigest()
        return {
            **body,
            "digest": {"algorithm": "sha256", "value": digest, "method": DIGEST_METHOD},
        }
