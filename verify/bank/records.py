"""A bank's rows as both backends store them: packed frames and checked video records."""

from __future__ import annotations

import json
import math
import re

import numpy as np

from verify.audio.landmarks import AudioFingerprint
from verify.bank.store import KnownVideo
from verify.hashing.forms import STORED_FORMS, Form, FrameTable

# Frames are stored as packed rows: time, every stored hash form, flags.
FRAME_DTYPE = np.dtype(
    [("time", "<f8")] + [(form.value, "<u8") for form in STORED_FORMS] + [("flags", "u1")]
)
# Rows of schemas 1 and 2, before the upper 75 % hash.
FRAME_DTYPE_2 = np.dtype([field for field in FRAME_DTYPE.descr if field[0] != "upper"])
# FLAG_NO_UPPER: a frame stored before schema 3, without its upper 75 % hash.
FLAG_UNIFORM, FLAG_KEYFRAME, FLAG_NO_UPPER = 1, 2, 4


def pack_frames(table: FrameTable) -> bytes:
    """A frame table as the bank stores it (`FRAME_DTYPE` rows)."""
    rows = np.zeros(table.size, FRAME_DTYPE)
    rows["time"] = table.time
    for form in STORED_FORMS:
        rows[form.value] = table.forms[form]
    rows["flags"] = np.where(table.usable, 0, FLAG_UNIFORM) | np.where(
        table.keyframe, FLAG_KEYFRAME, 0
    )
    return rows.tobytes()


def unpack_frames(rows: np.ndarray) -> FrameTable:
    """Stored rows (of this schema or an older one) as a frame table.

    Frames stored before schema 3 lack the upper 75 % hash (`FLAG_NO_UPPER`):
    their table has no `Form.UPPER`, and matching does without it.
    """
    flags = rows["flags"]
    forms = {
        f: rows[f.value].astype(np.uint64) for f in STORED_FORMS if f.value in rows.dtype.names
    }
    if rows.size and flags[0] & FLAG_NO_UPPER:
        forms.pop(Form.UPPER, None)
    return FrameTable(
        rows["time"].astype(np.float64), forms, (flags & FLAG_UNIFORM) == 0,
        (flags & FLAG_KEYFRAME) != 0,
    )  # fmt: skip


COLUMNS = ("id, sha256, path, size, duration, width, height, sampling, added_at, source, "
           "posted_at, url, summary, frame_count, added_by")  # fmt: skip


_UTC_RE = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?Z$")
_SHA256_RE = re.compile(r"^[0-9a-f]{64}$")


def check_frames(blob: bytes) -> str | None:
    """What is wrong with stored frame rows, or None: whole rows, and times that are numbers."""
    if len(blob) % FRAME_DTYPE.itemsize:
        return "its frame data has the wrong length"
    frames = np.frombuffer(blob, FRAME_DTYPE)
    if frames.size and not np.isfinite(frames["time"]).all():
        return "its frame times are not numbers"
    return None


def filters(source: str | None, added_by: str | None, mark: str) -> tuple[str, list[str]]:
    """A WHERE clause (and its parameters, ``mark`` their placeholder) for one source/adder."""
    clauses, params = [], []
    for column, value in (("source", source), ("added_by", added_by)):
        if value is not None:
            clauses.append(f"{column} = {mark}")
            params.append(value)
    return (" WHERE " + " AND ".join(clauses) if clauses else ""), params


# The columns a new video row is written with, in `record_values` order, then
# its packed frames and who added it.
INSERT_COLUMNS = ("sha256, path, size, duration, width, height, sampling, added_at, source, "
                  "posted_at, url, summary, frame_count, frames, added_by")  # fmt: skip


def record_values(video: KnownVideo) -> tuple:
    """A video's record in `COLUMNS` order, without its id and adder (as the INSERTs list them)."""
    return (
        video.sha256, video.path, video.size, video.duration, video.width, video.height,
        video.sampling, video.added_at, video.source, video.posted_at, video.url,
        json.dumps(video.summary, ensure_ascii=False), video.frame_count,
    )  # fmt: skip


def known_video(row: tuple) -> KnownVideo:
    """Check a ``videos`` row field by field (a damaged bank must not pass for data)."""
    (video_id, sha256, path, size, duration, width, height, sampling, added_at, source,
     posted_at, url, summary, frame_count, added_by) = row  # fmt: skip
    if not isinstance(sha256, str) or not _SHA256_RE.match(sha256):
        raise ValueError("its SHA-256 is not 64 hex digits")
    if not isinstance(path, str):
        raise ValueError("its path is not text")
    for name, value in (("size", size), ("frame count", frame_count)):
        if not isinstance(value, int) or value < 0:
            raise ValueError(f"its {name} is not a count")
    for name, value in (("width", width), ("height", height)):
        if value is not None and (not isinstance(value, int) or value < 0):
            raise ValueError(f"its {name} is not a count")
    if duration is not None and (
        not isinstance(duration, (int, float)) or not math.isfinite(duration) or duration < 0
    ):
        raise ValueError("its duration is not a number of seconds")
    if not isinstance(added_at, str) or not _UTC_RE.match(added_at):
        raise ValueError(f"the time it was added, {added_at!r}, is not a UTC time")
    if posted_at is not None and (not isinstance(posted_at, str) or not _UTC_RE.match(posted_at)):
        raise ValueError(f"its posting time, {posted_at!r}, is not a UTC time")
    for name, value in (
        ("sampling", sampling), ("source", source), ("URL", url), ("adder", added_by),
    ):  # fmt: skip
        if value is not None and not isinstance(value, str):
            raise ValueError(f"its {name} is not text")
    if not isinstance(sampling, str):
        raise ValueError("its sampling is missing")
    try:
        parsed = json.loads(summary) if isinstance(summary, str) else None
    except (json.JSONDecodeError, RecursionError):
        parsed = None
    if not isinstance(parsed, dict):
        raise ValueError("its metadata summary is not a JSON object")
    return KnownVideo(
        video_id, sha256, path, size, duration, width, height, sampling, added_at, source,
        posted_at, url, parsed, frame_count, added_by,
    )  # fmt: skip


def audio_values(audio: AudioFingerprint) -> tuple[float, float, int, bytes]:
    """A video's sound as both backends store it: length, window step, count, landmarks."""
    return float(audio.duration), float(audio.window_s), audio.count, audio.pack()


def stored_audio(duration: object, window_s: object, blob: object) -> AudioFingerprint:
    """A stored sound, checked (ValueError saying what is wrong)."""
    if not isinstance(blob, (bytes, bytearray, memoryview)):
        raise ValueError("its sound's landmarks are not bytes")
    if not isinstance(duration, (int, float)) or not isinstance(window_s, (int, float)):
        raise ValueError("its sound's step or length is not a number")
    return AudioFingerprint.unpack(bytes(blob), float(window_s), float(duration))
