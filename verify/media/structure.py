"""What a still image's structure declares: the value the still readers return.

`verify.media.stills` (JPEG, PNG, WebP, GIF) and `verify.media.heif` fill it.
"""

from __future__ import annotations

import dataclasses

# A block claiming more than this is damaged or hostile: XMP, ICC and EXIF
# of real cameras stay under a few MB (a JPEG segment cannot exceed 64 KB;
# PNG/WebP chunks and HEIF items can).
MAX_BLOCK_BYTES = 32 << 20

EXIF_HEADER = b"Exif\x00\x00"
TIFF_STARTS = (b"II*\x00", b"MM\x00*")


@dataclasses.dataclass(frozen=True)
class Embedded:
    """A picture or video stored inside the file, after or beside the main one."""

    kind: str  # "jpeg", "mp4", "heic" ...
    offset: int
    size: int
    where: str  # how it was found, e.g. "after the JPEG end marker"


@dataclasses.dataclass(frozen=True)
class StillStructure:
    """What a still image's own structure says, before any decoding."""

    kind: str
    width: int | None = None
    height: int | None = None
    size_source: str | None = None  # e.g. "JPEG SOF0 (baseline)"
    exif: bytes | None = None  # a TIFF block: starts with II*\0 or MM\0*
    exif_where: str | None = None
    xmp: tuple[bytes, ...] = ()
    comments: tuple[str, ...] = ()
    texts: tuple[tuple[str, str], ...] = ()  # PNG text chunks: (keyword, text)
    icc: bytes | None = None
    quant_tables: tuple[tuple[int, ...], ...] = ()  # JPEG DQT, 64 values each, by table id
    iptc: tuple[tuple[str, str], ...] = ()  # IPTC IIM datasets: ("2:55", "20091009"), ...
    embedded: tuple[Embedded, ...] = ()
    frames: int | None = None  # animated WebP/GIF frames, HEIF picture items
    rotation: int | None = None  # degrees clockwise the container says to turn it (HEIF irot)
    notes: tuple[str, ...] = ()


def tiff_block(payload: bytes) -> bytes | None:
    """The TIFF block inside an EXIF payload (with or without ``Exif\\0\\0``), else None."""
    if payload.startswith(EXIF_HEADER):
        payload = payload[len(EXIF_HEADER) :]
    return bytes(payload) if payload[:4] in TIFF_STARTS else None
