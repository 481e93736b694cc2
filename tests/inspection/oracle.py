"""ExifTool as the oracle for `verify inspect`: what it reads from the corpus.

The corpus under ``tests/data/metadata`` (see its SOURCES.md) holds public
camera and phone files. `exiftool_facts` reduces ExifTool's JSON for one
file to the facts the suite compares; `main` rewrites ``expected.json``
with them, so the suite also runs where ExifTool is not installed:

    python -m tests.inspection.oracle        # needs exiftool on PATH
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

CORPUS = Path(__file__).resolve().parents[1] / "data" / "metadata"
EXPECTED = CORPUS / "expected.json"
EXPECTED_VERSION = "1.0"

# Tags asked of ExifTool, by group-qualified name where the group matters.
TAGS = (
    "Make", "Model", "Software", "AndroidVersion", "ImageSize#", "Duration#", "Rotation#",
    "DateTimeOriginal", "CreateDate", "ModifyDate", "DateTimeCreated", "DateCreated",
    "OffsetTimeOriginal", "OffsetTime", "OffsetTimeDigitized", "CreationDate",
    "GPSLatitude#", "GPSLongitude#", "GPSStatus#", "GPSDateTime", "CreatorTool", "Comment",
    "FileType",
)  # fmt: skip
# Where a creation time is read, in the order verify prefers them, with the
# tag that holds its zone when the time itself carries none.
STILL_TIMES = (
    ("ExifIFD:DateTimeOriginal", "ExifIFD:OffsetTimeOriginal"),
    ("ExifIFD:CreateDate", "ExifIFD:OffsetTimeDigitized"),
    ("XMP-exif:DateTimeOriginal", None),
    ("Composite:DateTimeCreated", None),  # IPTC DateCreated + TimeCreated
    ("IPTC:DateCreated", None),
    ("XMP-photoshop:DateCreated", None),
    ("XMP-xmp:CreateDate", None),
    ("IFD0:ModifyDate", "ExifIFD:OffsetTime"),
)
VIDEO_TIMES = (
    ("Keys:CreationDate", None),  # QuickTime key with the recording zone
    ("H264:DateTimeOriginal", None),  # AVCHD camera clock, in the video stream
    ("QuickTime:CreateDate", None),  # movie header: UTC by specification
    ("RIFF:DateTimeOriginal", None),  # AVI IDIT: the camera's wall clock
)


def corpus_files() -> list[Path]:
    """Every media file of the corpus, in a stable order."""
    return sorted(
        p for p in CORPUS.rglob("*") if p.is_file() and p.suffix not in {".json", ".md", ".py"}
    )


def run_exiftool(paths: list[Path]) -> dict[str, dict[str, Any]]:
    """ExifTool's numeric (-n) JSON for each path, keyed by corpus-relative name."""
    # Printed values (a make as "Sony", not its code), numbers where they are compared as such.
    command = ["exiftool", "-j", "-G1", "-a", *(f"-{t}" for t in TAGS), "--"]
    result = subprocess.run(
        [*command, *map(str, paths)], capture_output=True, text=True, check=False
    )
    # Numbers stay text ("1.00" is a firmware version, not 1.0).
    docs = json.loads(result.stdout or "[]", parse_float=str, parse_int=str)
    return {str(Path(d["SourceFile"]).relative_to(CORPUS)): d for d in docs}


def _pick(doc: dict[str, Any], *names: str) -> Any:
    """The first tag present among ``names`` (``Group:Tag`` or any group's ``Tag``)."""
    for name in names:
        if ":" in name:
            if name in doc:
                return doc[name]
            continue
        for key, value in doc.items():
            if key.split(":")[-1] == name:
                return value
    return None


def exiftool_facts(doc: dict[str, Any]) -> dict[str, Any]:
    """The facts the suite compares, from one file's ExifTool JSON."""
    parts = str(_pick(doc, "Composite:ImageSize") or "").replace("x", " ").split()
    width, height = (int(float(p)) for p in parts) if len(parts) == 2 else (None, None)
    latitude = _number(_pick(doc, "Composite:GPSLatitude", "GPSLatitude"))
    longitude = _number(_pick(doc, "Composite:GPSLongitude", "GPSLongitude"))
    file_type = _pick(doc, "File:FileType")
    time = time_tag = zone = None
    for tag, zone_tag in VIDEO_TIMES if file_type not in STILL_TYPES else STILL_TIMES:
        value = _text(doc.get(tag))
        if value and _wall(value) and not value.startswith("0000"):
            time, time_tag = value, tag
            zone = _zone(value) or _text(doc.get(zone_tag)) if zone_tag else _zone(value)
            if tag == "QuickTime:CreateDate":
                zone = "+00:00"  # UTC by the QuickTime specification
            break
    return {
        "file_type": file_type,
        "make": _text(_pick(doc, "IFD0:Make", "Make")),
        "model": _text(_pick(doc, "IFD0:Model", "Model")),
        "software": _text(_pick(doc, "IFD0:Software", "Software", "AndroidVersion")),
        "time": time,
        "time_tag": time_tag,
        "zone": zone,
        "gps": [latitude, longitude] if latitude is not None and longitude is not None else None,
        "gps_status": _text(_pick(doc, "GPSStatus")),
        "gps_date_time": _text(_pick(doc, "Composite:GPSDateTime")),
        "width": width,
        "height": height,
        "duration": _number(_pick(doc, "Composite:Duration", "Duration")),
        "rotation": _number(_pick(doc, "Composite:Rotation", "Rotation")),
        "creator_tool": _text(_pick(doc, "CreatorTool")),
        "comment": _text(_pick(doc, "File:Comment")),
    }


STILL_TYPES = {"JPEG", "PNG", "WEBP", "Extended WEBP", "HEIC", "HEIF", "GIF"}


def _number(value: Any) -> float | None:
    try:
        return float(value) if value is not None else None
    except ValueError:
        return None


def _zone(text: str) -> str | None:
    tail = text[19:].strip().removesuffix(" DST")
    if tail == "Z":
        return "+00:00"
    return tail if len(tail) == 6 and tail[0] in "+-" else None


def _text(value: Any) -> str | None:
    if value is None:
        return None
    text = str(value).strip()
    return text or None


def exiftool_version() -> str | None:
    if shutil.which("exiftool") is None:
        return None
    return subprocess.run(["exiftool", "-ver"], capture_output=True, text=True).stdout.strip()


def main() -> int:
    version = exiftool_version()
    if version is None:
        print("exiftool is not on PATH (Debian: libimage-exiftool-perl)", file=sys.stderr)
        return 2
    docs = run_exiftool(corpus_files())
    files = {name: exiftool_facts(doc) for name, doc in sorted(docs.items())}
    document = {"version": EXPECTED_VERSION, "exiftool": version, "files": files}
    EXPECTED.write_text(json.dumps(document, indent=1, ensure_ascii=False) + "\n")
    print(f"{len(files)} files written to {os.path.relpath(EXPECTED)}", file=sys.stderr)
    return 0


# --- comparison ---------------------------------------------------------------

FIELDS = ("time", "zone", "make", "model", "software", "gps", "size", "duration", "rotation")
GPS_TOLERANCE = 1e-4  # degrees, about 11 m
DURATION_TOLERANCE = 0.05  # seconds, or 1 % of the duration if that is more


def _wall(text: str | None) -> str | None:
    """``YYYY:MM:DD HH:MM:SS`` of a date as ExifTool or verify writes it."""
    if not text:
        return None
    flat = text.replace("-", ":").replace("T", " ")[:19]
    if len(flat) == 10:  # a date alone: verify reads it as midnight
        flat += " 00:00:00"
    return flat if len(flat) == 19 and flat[10] == " " else None


def verify_facts(result: dict[str, Any]) -> dict[str, Any]:
    """The same facts from `verify inspect --json` output for one file."""
    capture = result["capture"]
    device = capture["device"]
    created = capture["creation_time"]
    picture = result.get("still") or {}
    width, height = picture.get("width"), picture.get("height")
    video = [s for s in result["streams"] if s["type"] == "video" and not s["attached_picture"]]
    rotation = None
    if width is None and video:
        width, height = video[0]["width"], video[0]["height"]
    if video and video[0]["rotation"] is not None:
        rotation = round(-video[0]["rotation"]) % 360
    location = capture["location"]
    container = result["container"] or {}
    return {
        "time": created,
        "make": device["make"],
        "model": device["model"],
        "software": device["software"],
        "gps": [location["latitude"], location["longitude"]] if location else None,
        "width": width,
        "height": height,
        "duration": container.get("duration") if result["media_kind"] != "image" else None,
        "rotation": rotation,
    }


DERIVED_ZONE = "GPS time of the fix"


def no_fix(expected: dict[str, Any]) -> bool:
    """True where ExifTool shows a position the receiver marked void, or 0, 0.

    ExifTool prints what the tags hold; verify reports no position for
    them (GPSStatus V means no fix; all-zero fields are an empty block).
    """
    gps = expected["gps"]
    void = (expected["gps_status"] or "").upper().startswith("V")
    return gps is not None and (void or gps == [0.0, 0.0])


def compare(expected: dict[str, Any], result: dict[str, Any]) -> dict[str, tuple[Any, Any] | None]:
    """Per field: None where verify agrees with ExifTool, else (ExifTool's, verify's)."""
    ours = verify_facts(result)
    out: dict[str, tuple[Any, Any] | None] = {}
    created = ours["time"]
    want = _wall(expected["time"])
    if expected["time_tag"] == "QuickTime:CreateDate":  # UTC by specification
        got = _wall(created["utc"]) if created and created["utc"] else None
    else:
        got = _wall(created["local"]) if created else None
    out["time"] = None if want == got else (want, got)
    # A zone verify derived (from the GPS clock) is not one the file wrote.
    derived = created and created["zone_source"] == DERIVED_ZONE
    zone_got = created["zone"] if created and not derived else None
    if created and created["assumed_utc"]:
        zone_got = "+00:00"  # UTC by the format's definition
    zone_want = expected["zone"]
    out["zone"] = None if zone_want == zone_got else (zone_want, zone_got)
    for field in ("make", "model", "software"):
        want, got = expected[field], ours[field]
        out[field] = None if (want or None) == (got or None) else (want, got)
    want_gps, got_gps = expected["gps"], ours["gps"]
    if no_fix(expected):
        want_gps = None
    if want_gps is None or got_gps is None:
        out["gps"] = None if want_gps == got_gps else (want_gps, got_gps)
    else:
        close = all(abs(a - b) <= GPS_TOLERANCE for a, b in zip(want_gps, got_gps, strict=True))
        out["gps"] = None if close else (want_gps, got_gps)
    want_size = (expected["width"], expected["height"])
    got_size = (ours["width"], ours["height"])
    out["size"] = None if want_size == got_size else (want_size, got_size)
    video = expected["file_type"] not in STILL_TYPES
    want_d, got_d = expected["duration"] if video else None, ours["duration"]
    want_d = want_d or None  # ExifTool prints 0 s where it found no clock to measure
    if want_d is None or got_d is None:
        out["duration"] = None if want_d is None or not want_d else (want_d, got_d)
    else:
        tolerance = max(DURATION_TOLERANCE, 0.01 * want_d)
        out["duration"] = None if abs(want_d - got_d) <= tolerance else (want_d, got_d)
    want_r = int(expected["rotation"] or 0) % 360 if video else 0
    out["rotation"] = None if want_r == (ours["rotation"] or 0) else (want_r, ours["rotation"])
    return out


def verify_facts_of_nothing() -> dict[str, Any]:
    """A `verify inspect` result with no facts, standing in for a file it could not read."""
    return {
        "capture": {
            "device": {"make": None, "model": None, "software": None},
            "creation_time": None,
            "location": None,
        },
        "still": None,
        "streams": [],
        "container": None,
        "media_kind": "other",
    }


if __name__ == "__main__":
    sys.exit(main())
