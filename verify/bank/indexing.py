"""Add files to the bank: inspect, skip known bytes, fingerprint, store."""

from __future__ import annotations

import os
from typing import Any

from verify.bank.store import AddResult, BankStore
from verify.config import HASH, INSPECT, HashConfig
from verify.errors import display_path
from verify.hashing.fingerprint import fingerprint_video
from verify.inspection.inspect import Inspection, inspect_file


def metadata_summary(inspection: Inspection) -> dict[str, Any]:
    """What the bank keeps of a file's metadata: enough to judge provenance later."""
    capture = inspection.capture
    container = inspection.container
    return {
        "format": container.format_name if container else inspection.filetype.kind,
        "creation_time": capture.creation_time.to_dict() if capture.creation_time else None,
        "device": capture.device.to_dict(),
        "location": capture.location.to_dict() if capture.location else None,
        "flags": [flag.code for flag in inspection.flags],
        "md5": inspection.digest.md5,
        "mtime": inspection.to_dict()["file"]["mtime"],
    }


def index_file(
    bank: BankStore,
    path: str | os.PathLike[str],
    *,
    source: str | None = None,
    posted_at: str | None = None,
    url: str | None = None,
    sampling: str | None = None,
    timeout: float = INSPECT.probe_timeout_s,
    config: HashConfig = HASH,
) -> AddResult:
    """Add one video to ``bank``; bytes already there are not decoded again."""
    inspection = inspect_file(path, timeout=timeout)
    if bank.has(inspection.digest.sha256):
        return AddResult(bank.find(inspection.digest.sha256), added=False)
    fingerprint = fingerprint_video(
        path,
        sampling,
        timeout=timeout,
        known_digest=(inspection.digest.sha256, inspection.digest.size),
        probed=inspection,
        config=config,
    )
    return bank.add_video(
        fingerprint,
        summary=metadata_summary(inspection),
        source=source,
        posted_at=posted_at,
        url=url,
        path=display_path(os.path.abspath(os.fsencode(path))),
    )
