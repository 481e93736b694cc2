"""Identify a file's real container from its first bytes, not its name."""

from __future__ import annotations

import dataclasses
import os

# Brands of the ISO base media file format (ftyp box) that name still-image
# formats rather than video.
_HEIF_BRANDS = {b"heic", b"heix", b"heim", b"heis", b"hevc", b"hevx", b"mif1", b"msf1"}
_AVIF_BRANDS = {b"avif", b"avis"}
_QUICKTIME_ATOMS = {b"moov", b"mdat", b"free", b"wide", b"skip", b"pnot"}

# Extensions each detected kind is normally saved under. The ISO family
# (MP4, QuickTime, 3GP) shares one list: tools use those names loosely, and a
# .mov holding an MP4 is not a sign of tampering; .mp4 holding WebM is.
_ISO_EXTENSIONS = {".mp4", ".m4v", ".mov", ".qt", ".3gp", ".3g2", ".m4a"}
EXTENSIONS: dict[str, set[str]] = {
    "mp4": _ISO_EXTENSIONS,
    "mov": _ISO_EXTENSIONS,
    "3gp": _ISO_EXTENSIONS,
    "heic": {".heic", ".heif", ".hif"},
    "avif": {".avif"},
    "matroska": {".mkv", ".mka", ".mk3d"},
    "webm": {".webm", ".mkv"},
    "avi": {".avi"},
    "mpegts": {".ts", ".mts", ".m2ts", ".tsv"},
    "jpeg": {".jpg", ".jpeg", ".jpe", ".jfif"},
    "png": {".png"},
    "webp": {".webp"},
    "gif": {".gif"},
}
STILL_KINDS = {"jpeg", "png", "webp", "heic", "avif", "gif"}
VIDEO_EXTENSIONS = {".mp4", ".mov", ".m4v", ".mkv", ".webm", ".avi", ".3gp", ".ts", ".mts", ".m2ts"}
STILL_EXTENSIONS = {".jpg", ".jpeg", ".png", ".heic", ".heif", ".webp"}


@dataclasses.dataclass(frozen=True)
class FileType:
    """What the content is (``kind``), what the name says, and any brand."""

    kind: str  # a key of EXTENSIONS, or "text", "empty", "unknown"
    extension: str
    brand: str | None = None  # ISO ftyp major brand, EBML doctype

    @property
    def extension_matches(self) -> bool | None:
        """Whether the name fits the content; None when the content is unknown."""
        allowed = EXTENSIONS.get(self.kind)
        if allowed is None:
            return None
        return self.extension.lower() in allowed

    @property
    def is_still(self) -> bool:
        return self.kind in STILL_KINDS

    @property
    def is_iso(self) -> bool:
        return self.kind in {"mp4", "mov", "3gp", "heic", "avif"}

    def to_dict(self) -> dict[str, object]:
        return {
            "detected": self.kind,
            "extension": self.extension,
            "brand": self.brand,
            "extension_matches": self.extension_matches,
        }


def sniff(path: str | os.PathLike[str] | bytes) -> FileType:
    """Detect the container from magic bytes in the first 4 KiB."""
    with open(path, "rb") as handle:
        head = handle.read(4096)
    extension = os.path.splitext(os.fsdecode(path))[1]
    kind, brand = _classify(head)
    return FileType(kind, extension, brand)


def _classify(head: bytes) -> tuple[str, str | None]:
    if not head:
        return "empty", None
    box_type = head[4:8]
    if box_type == b"ftyp":
        major = head[8:12]
        brand = major.decode("latin-1")
        if major in _HEIF_BRANDS:
            return "heic", brand
        if major in _AVIF_BRANDS:
            return "avif", brand
        if major == b"qt  ":
            return "mov", brand
        if major.startswith(b"3g"):
            return "3gp", brand
        return "mp4", brand
    if box_type in _QUICKTIME_ATOMS:
        return "mov", None
    if head.startswith(b"\x1a\x45\xdf\xa3"):
        doctype = "webm" if b"webm" in head[:64] else "matroska"
        return doctype, doctype
    if head.startswith(b"RIFF") and head[8:12] == b"AVI ":
        return "avi", None
    if head.startswith(b"RIFF") and head[8:12] == b"WEBP":
        return "webp", None
    if head.startswith(b"\xff\xd8\xff"):
        return "jpeg", None
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png", None
    if head.startswith((b"GIF87a", b"GIF89a")):
        return "gif", None
    if len(head) >= 377 and head[0] == head[188] == head[376] == 0x47:
        return "mpegts", None
    # AVCHD/Blu-ray transport streams (.MTS, .M2TS): each 188-byte packet
    # follows a 4-byte arrival timestamp, so sync bytes fall 192 bytes apart.
    if len(head) >= 389 and head[4] == head[196] == head[388] == 0x47:
        return "mpegts", "m2ts"

    if _looks_like_text(head):
        return "text", None
    return "unknown", None


def _looks_like_text(head: bytes) -> bool:
    try:
        text = head.decode("utf-8")
    except UnicodeDecodeError:
        # The 4 KiB cut may split a multi-byte character; retry without it.
        try:
            text = head[:-3].decode("utf-8")
        except UnicodeDecodeError:
            return False
    printable = sum(ch.isprintable() or ch in "\r\n\t" for ch in text)
    return printable >= 0.95 * max(len(text), 1)
