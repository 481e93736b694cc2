"""Versions of everything that shaped a result, for records of custody."""

from __future__ import annotations

import platform
import sys

from verify.errors import ToolMissing
from verify.media.ffmpeg import find_tool
from verify.version import __version__

# Distributions whose versions change what `verify` computes or reads.
LIBRARIES = ("click", "ffmpeg-python", "exifread", "imagehash", "opencv-python-headless",
             "numpy", "pillow", "psycopg")  # fmt: skip


def library_versions() -> dict[str, str | None]:
    """Installed version of each library `verify` depends on (None if absent)."""
    from importlib import metadata  # about 10 ms; only `doctor` and reports need it

    versions: dict[str, str | None] = {}
    for name in LIBRARIES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = None
    return versions


def tool_report() -> dict[str, dict[str, str] | None]:
    """Path, source and version of ffmpeg and ffprobe; None for a missing tool."""
    report: dict[str, dict[str, str] | None] = {}
    for name in ("ffmpeg", "ffprobe"):
        try:
            report[name] = find_tool(name).to_dict()
        except ToolMissing:
            report[name] = None
    return report


def describe_environment() -> dict[str, object]:
    """verify, Python, platform, ffmpeg tools and library versions in one dict."""
    return {
        "verify": __version__,
        "python": sys.version.split()[0],
        "platform": platform.platform(),
        "tools": tool_report(),
        "libraries": library_versions(),
    }
