"""The earliest evidence of when a file existed, as a `verify batch` row gives it.

A Telegram post time (``date_unixtime`` in the export, UTC) shows the file
was public by then. Without one, the capture time the file's metadata claims
is used: only a claim, and not used at all when a flag calls it into doubt
(a clock's zero, a time in the future). A download name
(``video_2022-04-02_09-41-27.mp4``) is neither, so it is never evidence.
"""

from __future__ import annotations

from typing import Any

DOUBTFUL_TIME_FLAGS = frozenset({"creation_time_epoch", "creation_time_future"})


def evidence(row: dict[str, Any]) -> dict[str, Any]:
    """The earliest time a row gives for its file: the post, else the claimed capture."""
    post = row.get("telegram")
    if post and post.get("posted_at"):
        chat = post.get("chat_name") or "chat"
        source = f"{chat}, message {post['message_id']}"
        return {"kind": "telegram_post", "time": post["posted_at"], "source": source}
    created = row.get("creation_time")
    if created and created.get("utc") and not DOUBTFUL_TIME_FLAGS & set(row.get("flags", [])):
        return {"kind": "capture_time", "time": created["utc"], "source": created["source"]}
    return {"kind": "none", "time": None, "source": None}


def evidence_order(row: dict[str, Any]) -> tuple[bool, str, str]:
    """Sort key: earliest evidence first, rows without any last, then by path."""
    time_text = evidence(row)["time"]
    return (time_text is None, time_text or "", row["path"])
