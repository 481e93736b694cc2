"""What a still image's structure tells an investigator, beyond its EXIF.

`read_still_facts` turns `verify.media.stills.StillStructure` into
`StillFacts`: the declared size, XMP (tool, history, IDs), comments and
text chunks, the ICC profile's name, how the JPEG was last compressed
(quantisation tables against the standard libjpeg ones) and the files
embedded in it, each with its SHA-256.
"""

from __future__ import annotations

import dataclasses
import hashlib
import os
import struct
from collections.abc import Iterator
from typing import Any

from verify.inspection.xmp import XmpFacts, xmp_facts
from verify.media.filehash import sha256_file
from verify.media.stills import read_still
from verify.media.structure import Embedded, StillStructure

# --- JPEG quantisation ------------------------------------------------------------

# The example tables of the JPEG standard (ITU T.81 Annex K), row by row, which
# libjpeg scales by its quality setting. Software (libjpeg, ffmpeg, browsers,
# messaging apps) writes them; most cameras and Photoshop use their own.
_ANNEX_K_LUMA = (
    16, 11, 10, 16, 24, 40, 51, 61, 12, 12, 14, 19, 26, 58, 60, 55,
    14, 13, 16, 24, 40, 57, 69, 56, 14, 17, 22, 29, 51, 87, 80, 62,
    18, 22, 37, 56, 68, 109, 103, 77, 24, 35, 55, 64, 81, 104, 113, 92,
    49, 64, 78, 87, 103, 121, 120, 101, 72, 92, 95, 98, 112, 100, 103, 99,
)  # fmt: skip
_ANNEX_K_CHROMA = (
    (17, 18, 24, 47) + (99,) * 4 + (18, 21, 26, 66) + (99,) * 4
    + (24, 26, 56) + (99,) * 5 + (47, 66) + (99,) * 6 + (99,) * 32
)  # fmt: skip


def _zigzag() -> tuple[int, ...]:
    """Row-major index of each position of the JPEG zigzag scan."""
    order = sorted(
        ((r, c) for r in range(8) for c in range(8)),
        key=lambda rc: (rc[0] + rc[1], rc[0] if (rc[0] + rc[1]) % 2 else rc[1]),
    )
    return tuple(r * 8 + c for r, c in order)


_ZIGZAG = _zigzag()


def libjpeg_table(base: tuple[int, ...], quality: int) -> tuple[int, ...]:
    """libjpeg's table for ``quality`` (1-100), in zigzag order as DQT stores it."""
    scale = 5000 // quality if quality < 50 else 200 - 2 * quality
    return tuple(min(255, max(1, (base[i] * scale + 50) // 100)) for i in _ZIGZAG)


@dataclasses.dataclass(frozen=True)
class JpegQuality:
    """The libjpeg quality closest to a JPEG's tables, and whether they are exactly it."""

    estimate: int
    standard_tables: bool  # the tables are libjpeg's at that quality, value for value
    tables: int

    def to_dict(self) -> dict[str, object]:
        return dataclasses.asdict(self)


def estimate_jpeg_quality(tables: tuple[tuple[int, ...], ...]) -> JpegQuality | None:
    """Compare the first (luma) and second (chroma) tables with libjpeg's at each quality."""
    if not tables or len(tables[0]) != 64:
        return None
    bases = (_ANNEX_K_LUMA, _ANNEX_K_CHROMA)
    best: tuple[int, int] | None = None
    for quality in range(1, 101):
        error = sum(
            sum(abs(a - b) for a, b in zip(table, libjpeg_table(base, quality), strict=True))
            for table, base in zip(tables[:2], bases, strict=False)
        )
        if best is None or error < best[0]:
            best = (error, quality)
    assert best is not None
    return JpegQuality(best[1], best[0] == 0, len(tables))


# --- ICC ------------------------------------------------------------------------


def icc_description(icc: bytes | None) -> str | None:
    """The profile's description tag ('sRGB IEC61966-2.1', 'Display P3'), if readable."""
    if not icc or len(icc) < 132:
        return None
    (count,) = struct.unpack_from(">I", icc, 128)
    for index in range(min(count, 200)):
        at = 132 + 12 * index
        if at + 12 > len(icc):
            break
        signature, offset, size = struct.unpack_from(">4sII", icc, at)
        if signature != b"desc" or offset + size > len(icc):
            continue
        body = icc[offset : offset + size]
        if body[:4] == b"desc" and len(body) >= 12:
            (length,) = struct.unpack_from(">I", body, 8)
            return body[12 : 12 + length].split(b"\x00")[0].decode("latin-1").strip() or None
        if body[:4] == b"mluc" and len(body) >= 28:
            length, start = struct.unpack_from(">II", body, 20)
            return body[start : start + length].decode("utf-16-be", "replace").strip() or None
    return None


# IPTC IIM datasets by name (record 2, the application record), for display.
IPTC_NAMES = {
    "2:5": "ObjectName", "2:25": "Keywords", "2:55": "DateCreated", "2:60": "TimeCreated",
    "2:62": "DigitalCreationDate", "2:63": "DigitalCreationTime", "2:65": "OriginatingProgram",
    "2:70": "ProgramVersion", "2:80": "By-line", "2:90": "City", "2:101": "Country",
    "2:110": "Credit", "2:115": "Source", "2:116": "CopyrightNotice", "2:120": "Caption",
}  # fmt: skip


# --- facts ----------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class EmbeddedFile:
    """A file inside the file: where, how large, and its SHA-256."""

    kind: str
    offset: int
    size: int
    sha256: str
    where: str

    def to_dict(self) -> dict[str, object]:
        return dataclasses.asdict(self)


@dataclasses.dataclass(frozen=True)
class StillFacts:
    """The structure-level facts of one still image."""

    width: int | None
    height: int | None
    size_source: str | None
    rotation: int | None
    frames: int | None
    exif_where: str | None
    xmp: XmpFacts  # reported at the top of the inspection (`Inspection.xmp`), as for videos
    comments: tuple[str, ...]
    texts: tuple[tuple[str, str], ...]
    iptc: tuple[tuple[str, str], ...]  # IIM datasets ("2:55", text)
    icc_profile: str | None
    jpeg_quality: JpegQuality | None
    embedded: tuple[EmbeddedFile, ...]
    notes: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        return {
            "width": self.width,
            "height": self.height,
            "size_source": self.size_source,
            "rotation": self.rotation,
            "frames": self.frames,
            "exif_where": self.exif_where,
            "comments": list(self.comments),
            "texts": [{"keyword": k, "text": v} for k, v in self.texts],
            "iptc": {IPTC_NAMES.get(k, k): v for k, v in self.iptc},
            "icc_profile": self.icc_profile,
            "jpeg_quality": self.jpeg_quality.to_dict() if self.jpeg_quality else None,
            "embedded": [e.to_dict() for e in self.embedded],
        }


def read_still_facts(
    path: str | os.PathLike[str] | bytes, kind: str
) -> tuple[StillFacts, bytes | None]:
    """The facts of a ``kind`` still, and its EXIF block (TIFF bytes) if it has one."""
    structure = read_still(path, kind)
    return facts_of(structure, path), structure.exif


def facts_of(structure: StillStructure, path: str | os.PathLike[str] | bytes) -> StillFacts:
    """`StillFacts` from a parsed structure; ``path`` is read again for embedded digests."""
    xmp = xmp_facts(structure.xmp, structure.texts)
    return StillFacts(
        width=structure.width,
        height=structure.height,
        size_source=structure.size_source,
        rotation=structure.rotation,
        frames=structure.frames,
        exif_where=structure.exif_where,
        xmp=xmp,
        comments=structure.comments,
        texts=structure.texts,
        iptc=structure.iptc,
        icc_profile=icc_description(structure.icc),
        jpeg_quality=estimate_jpeg_quality(structure.quant_tables),
        embedded=tuple(_digest(path, e) for e in structure.embedded),
        notes=structure.notes + xmp.notes,
    )


def _chunks(path: str | os.PathLike[str] | bytes, offset: int, size: int) -> Iterator[bytes]:
    """``size`` bytes of ``path`` from ``offset`` (fewer if it ends first), a MB at a time."""
    with open(path, "rb") as handle:
        handle.seek(offset)
        left = size
        while left > 0:
            chunk = handle.read(min(left, 1 << 20))
            if not chunk:
                return
            yield chunk
            left -= len(chunk)


def _digest(path: str | os.PathLike[str] | bytes, found: Embedded) -> EmbeddedFile:
    digest = hashlib.sha256()
    for chunk in _chunks(path, found.offset, found.size):
        digest.update(chunk)
    return EmbeddedFile(found.kind, found.offset, found.size, digest.hexdigest(), found.where)


def extract_embedded(
    path: str | os.PathLike[str] | bytes, still: StillFacts, directory: str | os.PathLike[str]
) -> list[str]:
    """Write each embedded file of ``path`` into ``directory``; return the paths written.

    Names are ``<file stem>.embedded-<n>.<kind>``. Nothing is overwritten: a
    file already there with the same bytes is kept (and returned), one with
    other bytes makes the new file take the next free name.
    """
    from verify.errors import OutputError

    written = []
    stem = os.path.splitext(os.path.basename(os.fsdecode(path)))[0]
    try:
        os.makedirs(directory, exist_ok=True)
    except OSError as exc:
        raise OutputError(f"cannot create the folder: {exc.strerror}", directory) from None
    for number, item in enumerate(still.embedded, 1):
        base = os.path.join(os.fsdecode(directory), f"{stem}.embedded-{number}.{item.kind}")
        target, extra = base, 1
        while os.path.exists(target):
            if sha256_file(target)[0] == item.sha256:
                break
            extra += 1
            target = f"{base[: -len(item.kind) - 1]}-{extra}.{item.kind}"
        else:
            try:
                _copy_range(path, item.offset, item.size, target)
            except OSError as exc:
                raise OutputError(f"cannot write: {exc.strerror}", target) from None
        written.append(target)
    return written


def _copy_range(path: str | os.PathLike[str] | bytes, offset: int, size: int, target: str) -> None:
    with open(target, "xb") as out:
        for chunk in _chunks(path, offset, size):
            out.write(chunk)
