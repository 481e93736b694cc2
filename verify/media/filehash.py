"""Cryptographic file digests, computed in one streaming pass."""

from __future__ import annotations

import dataclasses
import hashlib
import os
from typing import Any

from verify.config import INSPECT


@dataclasses.dataclass(frozen=True)
class FileDigest:
    """SHA-256 and MD5 of a file's bytes and the byte count they cover."""

    sha256: str
    md5: str
    size: int

    def to_dict(self) -> dict[str, object]:
        return {"sha256": self.sha256, "md5": self.md5, "size": self.size}


def hash_file(
    path: str | os.PathLike[str] | bytes, chunk_size: int = INSPECT.hash_chunk_bytes
) -> FileDigest:
    """Hash a file with SHA-256 and MD5 in one read; memory stays at one chunk.

    MD5 is kept because many evidence registers and older tools still quote
    it; SHA-256 is the digest to rely on.
    """
    sha256 = hashlib.sha256()
    md5 = hashlib.md5(usedforsecurity=False)
    size = _stream(path, (sha256, md5), chunk_size)
    return FileDigest(sha256.hexdigest(), md5.hexdigest(), size)


def sha256_file(
    path: str | os.PathLike[str] | bytes, chunk_size: int = INSPECT.hash_chunk_bytes
) -> tuple[str, int]:
    """SHA-256 of a file and its byte count, when MD5 is not wanted."""
    sha256 = hashlib.sha256()
    size = _stream(path, (sha256,), chunk_size)
    return sha256.hexdigest(), size


def _stream(path: str | os.PathLike[str] | bytes, digests: tuple[Any, ...], chunk_size: int) -> int:
    """Feed the file to every digest in one pass; return the byte count."""
    size = 0
    buffer = bytearray(chunk_size)
    view = memoryview(buffer)
    with open(path, "rb", buffering=0) as handle:
        while True:
            count = handle.readinto(buffer)
            if not count:
                break
            chunk = view[:count]
            for digest in digests:
                digest.update(chunk)
            size += count
    return size
