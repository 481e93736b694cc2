"""Telegram Desktop exports and download folders: who posted a file, when.

An export folder holds ``result.json`` (one chat, or ``chats.list`` for a
whole account) whose messages point at the media files saved beside it. We
link each file to its message: chat, message id, the post time from
``date_unixtime`` (UTC; the ``date`` field has no zone), sender, forward
source, text, and the duration and size Telegram recorded.

Files saved by Telegram Desktop's download button are named like
``video_2022-04-02_09-41-27.mp4``: that is the downloader's local time at
download, not the post time and not the capture time.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from verify.errors import InputError
from verify.timestamps import format_utc

_DOWNLOAD_NAME_RE = re.compile(
    r"^(?:video|photo|file|IMG|VID)_(\d{4}-\d{2}-\d{2})_(\d{2})-(\d{2})-(\d{2})", re.IGNORECASE
)
# Placeholder Telegram writes when a file was not included in the export.
_NOT_INCLUDED = "(File not included"


@dataclasses.dataclass(frozen=True)
class TelegramPost:
    """The message a media file came with, as the export records it."""

    chat_name: str | None
    chat_id: int | None
    message_id: int
    posted_at: str | None  # UTC, from date_unixtime
    sender: str | None
    sender_id: str | None
    forwarded_from: str | None
    text: str
    original_name: str | None
    duration: float | None
    size: int | None

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


def _text(value: Any) -> str:
    """Message text: a string, or a list of strings and entity objects."""
    if isinstance(value, str):
        return value
    if isinstance(value, list):
        return "".join(
            part if isinstance(part, str) else str(part.get("text", "")) for part in value
        )
    return ""


def _posted(message: dict[str, Any]) -> str | None:
    stamp = message.get("date_unixtime")
    try:
        return format_utc(dt.datetime.fromtimestamp(int(stamp), dt.timezone.utc))
    except (TypeError, ValueError, OverflowError, OSError):
        return None


def _number(value: Any) -> float | None:
    try:
        return float(value) if value is not None else None
    except (TypeError, ValueError):
        return None


def is_export(folder: str | os.PathLike[str]) -> bool:
    return (Path(folder) / "result.json").is_file()


@dataclasses.dataclass(frozen=True)
class TelegramExport:
    """What one ``result.json`` says about the files of its export folder.

    Keys are absolute resolved paths. ``missing`` holds files a message names
    that are not on disk (an incomplete or damaged export), with that
    message; ``thumbnails`` the previews Telegram wrote beside videos, which
    are not evidence of anything.
    """

    folder: str
    posts: dict[str, TelegramPost]
    missing: dict[str, TelegramPost]
    thumbnails: frozenset[str]


def read_export(folder: str | os.PathLike[str]) -> dict[str, TelegramPost]:
    """Map each media file of an export (absolute path) to its message.

    Files the export says were not included, or that are missing on disk,
    are left out; `missing_files` lists the latter.
    """
    return load_export(folder).posts


def missing_files(folder: str | os.PathLike[str]) -> list[str]:
    """Media files ``result.json`` names that are not in the export folder."""
    return list(load_export(folder).missing)


def load_export(folder: str | os.PathLike[str]) -> TelegramExport:
    """Read ``folder/result.json``; raise `InputError` if it is not a readable export."""
    folder = Path(folder)
    result = folder / "result.json"
    try:
        document = json.loads(result.read_text("utf-8"))
    except OSError as exc:
        raise InputError(f"cannot read result.json: {exc.strerror}", result) from None
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise InputError(f"result.json is not valid JSON ({exc})", result) from None
    if not isinstance(document, dict):
        raise InputError("result.json is not a Telegram export (no chat object)", result)
    posts: dict[str, TelegramPost] = {}
    missing: dict[str, TelegramPost] = {}
    thumbnails: set[str] = set()
    for chat in _chats(document):
        for message in chat.get("messages") or []:
            if not isinstance(message, dict) or message.get("type", "message") != "message":
                continue
            thumbnail = message.get("thumbnail")
            if isinstance(thumbnail, str) and (path := _resolve(folder, thumbnail)):
                thumbnails.add(path)
            for key in ("file", "photo"):
                relative = message.get(key)
                if not isinstance(relative, str) or relative.startswith(_NOT_INCLUDED):
                    continue
                path = _resolve(folder, relative)
                if path is not None and os.path.isfile(path):
                    posts[path] = _post(chat, message)
                else:
                    missing[path or str(folder / relative)] = _post(chat, message)
    return TelegramExport(str(folder.resolve()), posts, missing, frozenset(thumbnails))


def _resolve(folder: Path, relative: str) -> str | None:
    """The absolute path a message names, or None if it cannot name a file (a NUL byte)."""
    try:
        return str((folder / relative).resolve())
    except (OSError, ValueError):
        return None


def _string(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def _chats(document: dict[str, Any]) -> Iterator[dict[str, Any]]:
    if isinstance(document.get("messages"), list):
        yield document
    chats = document.get("chats")
    if isinstance(chats, dict):
        for chat in chats.get("list") or []:
            if isinstance(chat, dict):
                yield chat


def _post(chat: dict[str, Any], message: dict[str, Any]) -> TelegramPost:
    chat_id = chat.get("id")
    return TelegramPost(
        chat_name=_string(chat.get("name")),
        chat_id=int(chat_id) if isinstance(chat_id, int) else None,
        message_id=message["id"] if isinstance(message.get("id"), int) else 0,
        posted_at=_posted(message),
        sender=_string(message.get("from")),
        sender_id=_string(message.get("from_id")),
        forwarded_from=_string(message.get("forwarded_from")),
        text=_text(message.get("text")),
        original_name=_string(message.get("file_name")),
        duration=_number(message.get("duration_seconds")),
        size=int(message["file_size"]) if isinstance(message.get("file_size"), int) else None,
    )


def download_time_from_name(name: str) -> str | None:
    """The local download time in a Telegram Desktop file name, as written (no zone).

    ``video_2022-04-02_09-41-27.mp4`` -> ``2022-04-02T09:41:27``. This is when
    the file was saved on the downloading computer, in its local time: not
    when it was posted, and not when it was recorded.
    """
    match = _DOWNLOAD_NAME_RE.match(Path(name).name)
    if not match:
        return None
    return f"{match.group(1)}T{match.group(2)}:{match.group(3)}:{match.group(4)}"
