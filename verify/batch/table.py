"""The `verify batch --csv` table: one line per file, for spreadsheets.

Copies come together, in evidence order, then the other files by path, then
the errors. Cells a spreadsheet would run as formulas are defused.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from typing import Any, Protocol

from verify.batch.rows import ErrorRow, FileRow


class _Cluster(Protocol):
    id: int
    members: tuple[dict[str, Any], ...]


TABLE_COLUMNS = (
    "cluster", "cluster_rank", "evidence", "evidence_time", "path", "status", "media_kind",
    "size", "sha256", "md5", "format", "duration", "width", "height", "creation_time",
    "creation_time_source", "device", "latitude", "longitude", "flags", "telegram_chat",
    "telegram_chat_id", "telegram_message_id", "telegram_posted_at", "telegram_from",
    "telegram_forwarded_from", "telegram_text", "telegram_file_name", "telegram_duration",
    "telegram_size", "download_name_local_time", "bank_best_match", "bank_best_score",
    "list_matches", "sound_matches", "error_code", "error_message", "notes",
)  # fmt: skip
# A cell starting with one of these is a formula to a spreadsheet: message
# texts and file names are other people's words, so such cells get a leading
# apostrophe (shown as text, not run).
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _cell(value: Any) -> Any:
    if isinstance(value, str) and value.startswith(_FORMULA_STARTS):
        return "'" + value
    return "" if value is None else value


def _table_row(kept: FileRow | ErrorRow, cluster: tuple[int, int] | None) -> dict[str, Any]:
    done = isinstance(kept, FileRow)
    row = kept.to_dict(fingerprint=False) if done else kept.to_dict()
    post = row.get("telegram") or {}
    created = row.get("creation_time") or {}
    device = row.get("device") or {}
    location = row.get("location") or {}
    matches = row.get("bank_matches") or []
    error = row.get("error") or {}
    found = kept.evidence() if done else {}
    return {
        "cluster": cluster[0] if cluster else None,
        "cluster_rank": cluster[1] if cluster else None,
        "evidence": found.get("kind"),
        "evidence_time": found.get("time"),
        "path": row["path"],
        "status": "ok" if row["kind"] == "file" else "error",
        "media_kind": row.get("media_kind"),
        "size": row.get("size"),
        "sha256": row.get("sha256"),
        "md5": row.get("md5"),
        "format": row.get("format"),
        "duration": row.get("duration"),
        "width": row.get("width"),
        "height": row.get("height"),
        "creation_time": created.get("utc"),
        "creation_time_source": created.get("source"),
        "device": " ".join(device[k] for k in ("make", "model", "software") if device.get(k)),
        "latitude": location.get("latitude"),
        "longitude": location.get("longitude"),
        "flags": " ".join(row.get("flags") or []),
        "telegram_chat": post.get("chat_name"),
        "telegram_chat_id": post.get("chat_id"),
        "telegram_message_id": post.get("message_id"),
        "telegram_posted_at": post.get("posted_at"),
        "telegram_from": post.get("sender"),
        "telegram_forwarded_from": post.get("forwarded_from"),
        "telegram_text": post.get("text"),
        "telegram_file_name": post.get("original_name"),
        "telegram_duration": post.get("duration"),
        "telegram_size": post.get("size"),
        "download_name_local_time": (row.get("download_name") or {}).get("local_time"),
        "bank_best_match": matches[0]["path"] if matches else None,
        "bank_best_score": matches[0]["score"] if matches else None,
        # Shared-list entries matched: "LIST #ID (rule)", best first.
        "list_matches": " | ".join(
            f"{m['list']} #{m['id']} ({m['rule']})" for m in row.get("list_matches") or []
        ),
        # Known videos whose sound the file plays: "PATH (relation)".
        "sound_matches": " | ".join(
            f"{m['path']} ({m['relation']})" for m in (row.get("sound") or {}).get("matches", [])
        ),
        "error_code": error.get("code"),
        "error_message": error.get("message"),
        "notes": " | ".join(row.get("notes") or []),
    }


def results_table(
    rows: Sequence[FileRow],
    error_rows: Sequence[ErrorRow],
    clusters: Sequence[_Cluster],
) -> bytes:
    """The CSV: one line per file, copies together in evidence order, then the rest, errors last.

    UTF-8 with a byte-order mark, which spreadsheet programs need to read
    non-ASCII text correctly.
    """
    place = {
        member["path"]: (cluster.id, rank)
        for cluster in clusters
        for rank, member in enumerate(cluster.members, start=1)
    }
    ordered = sorted(rows, key=lambda row: (place.get(row.path, (1 << 30, 0)), row.path))
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, TABLE_COLUMNS, lineterminator="\r\n")
    writer.writeheader()
    for row in [*ordered, *error_rows]:
        values = _table_row(row, place.get(row.path))
        writer.writerow({name: _cell(value) for name, value in values.items()})
    return buffer.getvalue().encode("utf-8-sig")
