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
import math
import os
import re
import stat
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
        # Every field is a plain value: no need for asdict's deep copies.
        return {field.name: getattr(self, field.name) for field in dataclasses.fields(self)}


# An export is whatever a user was sent: every field is checked for its type
# and shape, and text is cleaned, so a damaged or hostile result.json yields
# posts or one clear error, never a crash.
_LONE_SURROGATE_RE = re.compile("[\ud800-\udfff]")
# Message ids, chat ids and sizes beyond this are not Telegram's (64-bit signed).
_MAX_ID = 2**63 - 1


def _clean(value: str) -> str:
    """Text safe to print and encode: lone surrogates (invalid UTF-16) become U+FFFD."""
    return _LONE_SURROGATE_RE.sub("\ufffd", value)


def _string(value: Any) -> str | None:
    return _clean(value) if isinstance(value, str) else None


def _integer(value: Any) -> int | None:
    if isinstance(value, bool) or not isinstance(value, int) or abs(value) > _MAX_ID:
        return None
    return value


def _text(value: Any) -> str:
    """Message text: a string, or a list of strings and entity objects with a ``text``."""
    if isinstance(value, str):
        return _clean(value)
    if not isinstance(value, list):
        return ""
    parts = []
    for part in value:
        if isinstance(part, str):
            parts.append(part)
        elif isinstance(part, dict) and isinstance(part.get("text"), str):
            parts.append(part["text"])
    return _clean("".join(parts))


def _posted(message: dict[str, Any]) -> str | None:
    stamp = message.get("date_unixtime")
    if not isinstance(stamp, (str, int)) or isinstance(stamp, bool):
        return None
    try:
        return format_utc(dt.datetime.fromtimestamp(int(stamp), dt.timezone.utc))
    except (TypeError, ValueError, OverflowError, OSError):
        return None


def _seconds(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        return None
    try:
        seconds = float(value)
    except (ValueError, OverflowError):
        return None
    return seconds if math.isfinite(seconds) and seconds >= 0 else None


def is_export(folder: str | os.PathLike[str]) -> bool:
    return (Path(folder) / "result.json").is_file()


@dataclasses.dataclass(frozen=True)
class TelegramExport:
    """What one ``result.json`` says about the files of its export folder.

    Keys of ``posts`` and ``missing`` are absolute resolved paths (for a link
    inside the export that leads out, the link's own path). ``missing``
    holds files a message names that are not on disk (an incomplete or
    damaged export), with that message; ``outside`` the names that lead out
    of the export folder (``../``, an absolute path, or a link inside that
    points out), keyed by the name as written, which are never looked at;
    ``thumbnails`` the previews Telegram wrote beside videos, which are not
    evidence of anything.
    """

    folder: str
    posts: dict[str, TelegramPost]
    missing: dict[str, TelegramPost]
    thumbnails: frozenset[str]
    outside: dict[str, TelegramPost] = dataclasses.field(default_factory=dict)


def read_export(folder: str | os.PathLike[str]) -> dict[str, TelegramPost]:
    """Map each media file of an export (absolute path) to its message.

    Files the export says were not included, or that are missing on disk,
    are left out; `missing_files` lists the latter.
    """
    return load_export(folder).posts


def missing_files(folder: str | os.PathLike[str]) -> list[str]:
    """Media files ``result.json`` names that are not in the export folder."""
    return list(load_export(folder).missing)


def load_export(folder: str | os.PathLike[str], *, follow_links: bool = False) -> TelegramExport:
    """Read ``folder/result.json``; raise `InputError` if it is not a readable export.

    ``follow_links`` lets a name inside the export that is a symbolic link
    to a file elsewhere count as the export's file; names that lead out of
    the folder by themselves (``../``, absolute paths) never do.
    """
    folder = Path(folder)
    result = folder / "result.json"
    document = _read_document(result)
    posts: dict[str, TelegramPost] = {}
    missing: dict[str, TelegramPost] = {}
    outside: dict[str, TelegramPost] = {}
    thumbnails: set[str] = set()
    root = os.path.realpath(folder)
    real_folders: dict[str, str] = {}
    for chat in _chats(document, result):
        messages = chat.get("messages")
        for message in messages if isinstance(messages, list) else ():
            if not isinstance(message, dict) or message.get("type", "message") != "message":
                continue
            thumbnail = message.get("thumbnail")
            if isinstance(thumbnail, str):
                where, path = _locate(root, thumbnail, follow_links, real_folders)
                if where == "inside":
                    thumbnails.add(path)
            for key in ("file", "photo"):
                relative = message.get(key)
                if not isinstance(relative, str) or relative.startswith(_NOT_INCLUDED):
                    continue
                where, path = _locate(root, relative, follow_links, real_folders)
                if where == "outside":
                    outside[path] = _post(chat, message)
                # A link leading out is never looked at: the folder walk
                # reports it, with this post.
                elif where in {"link", "inside"}:
                    posts[path] = _post(chat, message)
                else:
                    missing[path] = _post(chat, message)
    return TelegramExport(root, posts, missing, frozenset(thumbnails), outside)


def _read_document(result: Path) -> dict[str, Any]:
    """``result.json`` parsed, after checking it is a regular file (a pipe would hang)."""
    try:
        info = result.stat()
        if not stat.S_ISREG(info.st_mode):
            raise InputError("result.json is not a regular file (a pipe, device or socket)", result)
        data = result.read_bytes()
    except OSError as exc:
        raise InputError(f"cannot read result.json: {exc.strerror}", result) from None
    try:
        document = json.loads(data.decode("utf-8-sig"))
    except (ValueError, RecursionError) as exc:  # bad JSON or UTF-8, huge numbers, deep nesting
        reason = "nested too deeply" if isinstance(exc, RecursionError) else str(exc)[:200]
        raise InputError(f"result.json is not valid JSON ({reason})", result) from None
    if not isinstance(document, dict):
        raise InputError("result.json is not a Telegram export (no chat object)", result)
    return document


def _chats(document: dict[str, Any], result: Path) -> list[dict[str, Any]]:
    """The chat objects of an export: the document itself and/or ``chats.list``."""
    chats: list[dict[str, Any]] = []
    messages = document.get("messages")
    if messages is not None:
        if not isinstance(messages, list):
            raise InputError(
                f"result.json is not a Telegram export: `messages` is {_kind(messages)}, "
                "not a list",
                result,
            )
        chats.append(document)
    listing = document.get("chats")
    if listing is not None:
        entries = listing.get("list") if isinstance(listing, dict) else None
        if not isinstance(entries, list):
            raise InputError(
                "result.json is not a Telegram export: `chats` holds no `list` of chats", result
            )
        chats.extend(chat for chat in entries if isinstance(chat, dict))
    if messages is None and listing is None:
        raise InputError(
            "result.json is not a Telegram export: it has neither `messages` nor `chats`", result
        )
    return chats


def _kind(value: Any) -> str:
    return {dict: "an object", str: "text", bool: "true or false"}.get(
        type(value), "a number" if isinstance(value, (int, float)) else "null"
    )


def _locate(
    root: str, relative: str, follow_links: bool, real_folders: dict[str, str]
) -> tuple[str, str]:
    """Where a name in result.json leads, without looking at anything outside the export.

    ("inside", real path) for a file of the export; ("missing", real path)
    for a name inside that is not a file there; ("outside", the name as
    written) for a name that leads out by itself (``../``, an absolute
    path), reported alike whether or not such a file exists; ("link", the
    path inside) for a name inside that is a link leading out, unless
    ``follow_links``. ``real_folders`` caches resolved folders for one export.
    """
    name = _clean(relative)
    prefix = root.rstrip(os.sep) + os.sep
    if "\x00" in name or os.path.isabs(name):
        return "outside", name
    lexical = os.path.normpath(os.path.join(root, name))
    if not lexical.startswith(prefix):
        return "outside", name
    # Resolve the folder once for all its files (an export has thousands
    # in a few folders), and the file only when it is a link itself.
    folder, base = os.path.split(lexical)
    real_folder = real_folders.get(folder)
    if real_folder is None:
        real_folder = real_folders[folder] = os.path.realpath(folder)
    try:
        info = os.lstat(lexical) if real_folder.startswith(prefix) or real_folder == root else None
    except OSError:
        info = None
    if info is not None and stat.S_ISLNK(info.st_mode):
        real = os.path.realpath(lexical)
    else:
        real = os.path.join(real_folder, base)
    if not follow_links and not real.startswith(prefix):
        return "link", lexical
    if info is None or stat.S_ISLNK(info.st_mode):
        return ("inside" if os.path.isfile(real) else "missing"), real
    return ("inside" if stat.S_ISREG(info.st_mode) else "missing"), real


def _post(chat: dict[str, Any], message: dict[str, Any]) -> TelegramPost:
    size = _integer(message.get("file_size"))
    return TelegramPost(
        chat_name=_string(chat.get("name")),
        chat_id=_integer(chat.get("id")),
        message_id=_integer(message.get("id")) or 0,
        posted_at=_posted(message),
        sender=_string(message.get("from")),
        sender_id=_string(message.get("from_id")),
        forwarded_from=_string(message.get("forwarded_from")),
        text=_text(message.get("text")),
        original_name=_string(message.get("file_name")),
        duration=_seconds(message.get("duration_seconds")),
        size=size if size is not None and size >= 0 else None,
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
