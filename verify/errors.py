"""The one exception family of `verify` and the exit codes it maps to.

Library code raises these; only `verify.cli` turns them into a message on
stderr and a process exit code.
"""

from __future__ import annotations

import enum
import os
from typing import Any


class ExitCode(enum.IntEnum):
    """Process exit codes, documented in `verify --help` and the README."""

    OK = 0
    ERROR = 1  # unexpected internal error (a bug: please report it)
    USAGE = 2  # bad command line (Click's own code)
    INPUT = 3  # a path is missing, not a regular file, unreadable or empty
    MEDIA = 4  # the content is not readable media (corrupt, truncated, not video)
    PARTIAL = 5  # several inputs: some succeeded, some failed
    TOOL_MISSING = 6  # ffmpeg/ffprobe could not be found or run
    BANK = 7  # the bank of known copies is unusable
    NO_MATCH = 8  # `match --fail-on-no-match` found nothing
    OUTPUT = 9  # an output file could not be written
    CLUSTER = 10  # the Dask scheduler cannot be reached or has no workers
    CHECK = 11  # `case check`, `timestamp check`: what was recorded no longer matches
    INTERRUPTED = 130  # stopped by Ctrl-C or SIGTERM (128 + SIGINT, as shells report it)


def display_path(path: str | os.PathLike[str] | bytes) -> str:
    """Render a path for people and JSON: undecodable bytes become ``\\xNN``."""
    raw = os.fsencode(path)
    return raw.decode("utf-8", errors="backslashreplace")


class VerifyError(Exception):
    """Base class: something the user can act on, not a bug."""

    code = "error"
    exit_code = ExitCode.ERROR

    def __init__(self, message: str, path: str | os.PathLike[str] | bytes | None = None):
        super().__init__(message)
        self.message = message
        self.path = display_path(path) if path is not None else None

    def __str__(self) -> str:
        return f"{self.path}: {self.message}" if self.path else self.message

    def to_dict(self) -> dict[str, object]:
        """The error entry written into JSON output in place of a result."""
        return {"code": self.code, "message": self.message, "exit_code": int(self.exit_code)}


class InputError(VerifyError):
    """The path itself is the problem: missing, a directory, unreadable, empty."""

    code = "input"
    exit_code = ExitCode.INPUT


class UnreadableMedia(VerifyError):
    """The file exists but its content cannot be read as media."""

    code = "media"
    exit_code = ExitCode.MEDIA


class NoVideo(UnreadableMedia):
    """The file has no video stream to hash (a sound file, say)."""


class NoSound(UnreadableMedia):
    """The file has no audio stream to fingerprint."""

    code = "no_sound"


class ProbeTimeout(UnreadableMedia):
    """ffprobe or ffmpeg did not finish within the per-file timeout."""

    code = "timeout"


class ToolMissing(VerifyError):
    """ffmpeg or ffprobe cannot be found or does not run."""

    code = "tool_missing"
    exit_code = ExitCode.TOOL_MISSING


class BankError(VerifyError):
    """The bank of known copies cannot be opened, read or written."""

    code = "bank"
    exit_code = ExitCode.BANK


class OutputError(VerifyError):
    """An output file or folder cannot be written."""

    code = "output"
    exit_code = ExitCode.OUTPUT


class ClusterError(VerifyError):
    """The Dask cluster a batch was sent to cannot be used."""

    code = "cluster"
    exit_code = ExitCode.CLUSTER


# Of the JSON entry that stands in for a file a command could not process.
ERROR_ENTRY_VERSION = "1.0"


def error_entry(path: str | os.PathLike[str] | bytes, error: VerifyError) -> dict[str, Any]:
    """The JSON entry that stands in for a file that could not be processed."""
    return {
        "schema_version": ERROR_ENTRY_VERSION,
        "path": display_path(path),
        "ok": False,
        "error": error.to_dict(),
    }
