"""The structure of still images, read from their bytes: JPEG, PNG, WebP, GIF.

ffprobe decodes pictures; it does not say where a camera put its EXIF,
and it gives up on files whose picture data is damaged. These readers walk
the container (JPEG segments, PNG chunks, WebP RIFF chunks) and return what
metadata readers need: the picture size as the header declares it, the EXIF
block as TIFF bytes (wherever it sits), XMP packets, comments, text chunks,
the ICC profile, JPEG quantisation tables, and media embedded after the
picture (motion photos). HEIF images are read by `verify.media.heif`.

Every reader works on a read-only memory map, never copies the picture
data, and stops at the first structure it cannot follow, saying so in
``notes``.
"""

from __future__ import annotations

import mmap
import os
import re
import struct
import zlib
from collections.abc import Iterator

from verify.media.heif import read_heif
from verify.media.structure import EXIF_HEADER, Embedded, StillStructure, tiff_block

# zTXt/iTXt/iCCP are inflated at most this far (a zip bomb stops here).
MAX_INFLATED_BYTES = 8 << 20

_XMP_HEADER = b"http://ns.adobe.com/xap/1.0/\x00"
_XMP_EXTENSION = b"http://ns.adobe.com/xmp/extension/\x00"
_ICC_HEADER = b"ICC_PROFILE\x00"
_PHOTOSHOP_HEADER = b"Photoshop 3.0\x00"
# JPEG start-of-frame markers that carry the picture size (not DHT, JPG, DAC).
_SOF_MARKERS = {0xC0, 0xC1, 0xC2, 0xC3, 0xC5, 0xC6, 0xC7, 0xC9, 0xCA, 0xCB, 0xCD, 0xCE, 0xCF}
_SOF_NAMES = {0xC0: "baseline", 0xC1: "extended", 0xC2: "progressive", 0xC3: "lossless"}


def read_still(path: str | os.PathLike[str] | bytes, kind: str) -> StillStructure:
    """Read the structure of a ``kind`` still (a `verify.media.filetype` kind)."""
    readers = {"jpeg": read_jpeg, "png": read_png, "webp": read_webp, "gif": read_gif}
    if kind in {"heic", "avif"}:
        return read_heif(path, kind)
    reader = readers.get(kind)
    if reader is None:
        return StillStructure(kind)
    with open(path, "rb") as handle, _mapped(handle) as data:
        return reader(data)


class _mapped:
    """A read-only map of an open file (an empty file maps as b"")."""

    def __init__(self, handle) -> None:
        self._handle = handle
        self._map: mmap.mmap | None = None

    def __enter__(self) -> bytes:
        if os.fstat(self._handle.fileno()).st_size == 0:
            return b""
        self._map = mmap.mmap(self._handle.fileno(), 0, access=mmap.ACCESS_READ)
        return self._map  # type: ignore[return-value]

    def __exit__(self, *exc: object) -> None:
        if self._map is not None:
            self._map.close()


# --- JPEG -----------------------------------------------------------------------


def jpeg_segments(data: bytes) -> Iterator[tuple[int, int, int]]:
    """Yield (marker, offset of payload, payload length) up to and including SOS."""
    at = 2
    while at + 4 <= len(data):
        if data[at] != 0xFF:
            return
        marker = data[at + 1]
        if marker == 0xFF:  # fill byte before a marker
            at += 1
            continue
        if 0xD0 <= marker <= 0xD7 or marker == 0x01:  # no length
            at += 2
            continue
        (length,) = struct.unpack_from(">H", data, at + 2)
        if length < 2 or at + 2 + length > len(data):
            yield marker, at + 4, -1  # a segment that runs past the end
            return
        yield marker, at + 4, length - 2
        if marker == 0xDA:
            return
        at += 2 + length


def read_jpeg(data: bytes) -> StillStructure:
    """Segments of a JPEG: size, EXIF, XMP (extended parts joined), ICC, COM, DQT, trailer."""
    width = height = None
    size_source = exif = exif_where = icc = None
    xmp: list[bytes] = []
    extended: dict[bytes, dict[int, bytes]] = {}
    comments: list[str] = []
    icc_parts: dict[int, bytes] = {}
    tables: dict[int, tuple[int, ...]] = {}
    iptc: list[tuple[str, str]] = []
    notes: list[str] = []
    scan_at = None
    for marker, start, length in jpeg_segments(data):
        if length < 0:
            notes.append(f"JPEG segment 0x{marker:02X} at byte {start - 4} runs past the end")
            break
        payload = data[start : start + length]
        if marker == 0xE1 and exif is None and payload.startswith(EXIF_HEADER):
            exif = tiff_block(payload)
            exif_where = f"JPEG APP1 at byte {start - 4}"
        elif marker == 0xE1 and payload.startswith(_XMP_HEADER):
            xmp.append(bytes(payload[len(_XMP_HEADER) :]))
        elif marker == 0xE1 and payload.startswith(_XMP_EXTENSION) and len(payload) >= 75:
            guid = bytes(payload[35:67])
            (offset,) = struct.unpack_from(">I", payload, 71)
            extended.setdefault(guid, {})[offset] = bytes(payload[75:])
        elif marker == 0xE2 and payload.startswith(_ICC_HEADER) and len(payload) > 14:
            icc_parts[payload[12]] = bytes(payload[14:])
        elif marker == 0xED and payload.startswith(_PHOTOSHOP_HEADER):
            iptc.extend(_iptc(bytes(payload[len(_PHOTOSHOP_HEADER) :])))
        elif marker == 0xFE:
            comments.append(bytes(payload).decode("utf-8", "replace").rstrip("\x00"))
        elif marker == 0xDB:
            tables.update(_dqt(payload))
        elif marker in _SOF_MARKERS and width is None and length >= 5:
            height, width = struct.unpack_from(">HH", payload, 1)
            size_source = f"JPEG SOF{marker - 0xC0} ({_SOF_NAMES.get(marker, 'other')})"
        elif marker == 0xDA:
            scan_at = start + length
    for parts in extended.values():  # the pieces of one extended packet, in order
        xmp.append(b"".join(parts[k] for k in sorted(parts)))
    if icc_parts:
        icc = b"".join(icc_parts[k] for k in sorted(icc_parts))
    embedded: list[Embedded] = []
    if scan_at is not None:
        end = data.find(b"\xff\xd9", scan_at)
        if end < 0:
            notes.append("JPEG has no end marker: the file is truncated")
        else:
            embedded = _trailer(data, end + 2)
    return StillStructure(
        "jpeg", width, height, size_source, exif, exif_where, tuple(xmp), tuple(comments),
        icc=icc, quant_tables=tuple(tables[k] for k in sorted(tables)), iptc=tuple(iptc),
        embedded=tuple(embedded), notes=tuple(notes),
    )  # fmt: skip


def _iptc(resources: bytes) -> list[tuple[str, str]]:
    """IPTC IIM datasets from Photoshop image resources (resource 0x0404)."""
    out: list[tuple[str, str]] = []
    at = 0
    while at + 12 <= len(resources) and resources[at : at + 4] == b"8BIM":
        (resource,) = struct.unpack_from(">H", resources, at + 4)
        name_length = resources[at + 6]
        at += 7 + name_length + ((name_length + 1) & 1)  # the name is padded to even length
        if at + 4 > len(resources):
            break
        (size,) = struct.unpack_from(">I", resources, at)
        body = resources[at + 4 : at + 4 + size]
        at += 4 + size + (size & 1)
        if resource != 0x0404:
            continue
        cursor = 0
        while cursor + 5 <= len(body) and body[cursor] == 0x1C and len(out) < 500:
            record, dataset = body[cursor + 1], body[cursor + 2]
            (count,) = struct.unpack_from(">H", body, cursor + 3)
            if count & 0x8000:  # an extended length: not used by the datasets we read
                break
            value = body[cursor + 5 : cursor + 5 + count]
            out.append((f"{record}:{dataset}", value.decode("utf-8", "replace").strip("\x00 ")))
            cursor += 5 + count
    return out


def _dqt(payload: bytes) -> dict[int, tuple[int, ...]]:
    """Quantisation tables of one DQT segment, by table id (values in zigzag order)."""
    tables = {}
    at = 0
    while at < len(payload):
        precision, table_id = payload[at] >> 4, payload[at] & 0x0F
        size = 128 if precision else 64
        body = payload[at + 1 : at + 1 + size]
        if len(body) < size:
            break
        values = struct.unpack(">64H", body) if precision else tuple(body)
        tables[table_id] = tuple(values)
        at += 1 + size
    return tables


# Where a second file starts inside a trailer, and what it is.
_TRAILER_SIGNATURES = (
    (re.compile(rb"\xff\xd8\xff[\xc0-\xfe]"), "jpeg", 0),
    (re.compile(rb"ftyp(?:mp4[12]|isom|qt  |heic|avc1|iso[2-9])"), "mp4", -4),
)


def _trailer(data: bytes, start: int) -> list[Embedded]:
    """Files stored after a JPEG's end marker (motion-photo videos, MPF pictures)."""
    if len(data) - start < 16:
        return []
    hits = []
    for pattern, kind, back in _TRAILER_SIGNATURES:
        for found in pattern.finditer(data, start):
            hits.append((found.start() + back, kind))
            if kind == "mp4":
                break  # one video; boxes inside it can repeat the pattern
    hits.sort()
    embedded = []
    for index, (offset, kind) in enumerate(hits):
        if kind == "jpeg" and any(o < offset and k == "mp4" for o, k in hits):
            continue  # a JPEG inside the video (cover art) is not the file's own
        end = len(data)
        for later, later_kind in hits[index + 1 :]:
            if later_kind == "mp4" or kind == "jpeg":
                end = later
                break
        if kind == "mp4":
            end = _iso_end(data, offset, end)
        elif kind == "jpeg":
            close = data.find(b"\xff\xd9", offset)
            end = close + 2 if 0 <= close < end else end
        embedded.append(Embedded(kind, offset, end - offset, "after the JPEG end marker"))
    return embedded


def _iso_end(data: bytes, offset: int, limit: int) -> int:
    """Where the ISO file starting at ``offset`` ends, by walking its top-level boxes."""
    at = offset
    while at + 8 <= limit:
        size, _ = struct.unpack_from(">I4s", data, at)
        if size == 1 and at + 16 <= limit:
            size = struct.unpack_from(">Q", data, at + 8)[0]
        elif size == 0:
            return limit
        if size < 8 or at + size > limit:
            return limit
        at += size
    return at


# --- PNG ------------------------------------------------------------------------


def png_chunks(data: bytes) -> Iterator[tuple[bytes, int, int]]:
    """Yield (type, offset of data, length) for each chunk after the signature."""
    at = 8
    while at + 8 <= len(data):
        length, kind = struct.unpack_from(">I4s", data, at)
        if at + 12 + length > len(data):
            yield kind, at + 8, -1
            return
        yield kind, at + 8, length
        if kind == b"IEND":
            return
        at += 12 + length


def read_png(data: bytes) -> StillStructure:
    """IHDR size, eXIf, text chunks (tEXt, zTXt, iTXt, XMP among them), iCCP, frames."""
    width = height = exif = exif_where = icc = None
    texts: list[tuple[str, str]] = []
    xmp: list[bytes] = []
    notes: list[str] = []
    frames = None
    budget = _Budget()
    for kind, start, length in png_chunks(data):
        if length < 0:
            notes.append(f"PNG chunk {kind.decode('latin-1')!r} runs past the end of the file")
            break
        body = data[start : start + length]
        if kind == b"IHDR" and length >= 8:
            width, height = struct.unpack_from(">II", body)
        elif kind == b"eXIf" and exif is None:
            exif = tiff_block(body)
            exif_where = f"PNG eXIf chunk at byte {start - 8}"
        elif kind == b"acTL" and length >= 4:
            frames = struct.unpack_from(">I", body)[0]
        elif kind in {b"tEXt", b"zTXt", b"iTXt"}:
            parsed = _png_text(kind, bytes(body), budget)
            if parsed is None:
                notes.append(f"PNG {kind.decode()} chunk at byte {start - 8} could not be read")
                continue
            keyword, text = parsed
            if keyword == "XML:com.adobe.xmp":
                xmp.append(text.encode("utf-8"))
            elif keyword.startswith("Raw profile type") and exif is None:
                exif = _raw_profile(keyword, text)
                exif_where = f"PNG {keyword!r} text at byte {start - 8}" if exif else None
            else:
                texts.append((keyword, text))
        elif kind == b"iCCP":
            _, _, rest = bytes(body).partition(b"\x00")
            icc = budget.inflate(rest[1:]) if rest[:1] == b"\x00" else None
    return StillStructure(
        "png", width, height, "PNG IHDR" if width else None, exif, exif_where, tuple(xmp),
        texts=tuple(texts), icc=icc, frames=frames, notes=tuple(notes),
    )  # fmt: skip


class _Budget:
    """Bytes that may still be inflated from one file (many small bombs add up too)."""

    def __init__(self, total: int = MAX_INFLATED_BYTES) -> None:
        self.left = total

    def inflate(self, data: bytes) -> bytes | None:
        if self.left <= 0:
            return None
        try:
            out = zlib.decompressobj().decompress(data, self.left)
        except zlib.error:
            return None
        self.left -= len(out)
        return out


def _png_text(kind: bytes, body: bytes, budget: _Budget) -> tuple[str, str] | None:
    keyword, sep, rest = body.partition(b"\x00")
    if not sep:
        return None
    name = keyword.decode("latin-1")
    if kind == b"tEXt":
        return name, rest.decode("latin-1")
    if kind == b"zTXt":
        inflated = budget.inflate(rest[1:]) if rest[:1] == b"\x00" else None
        return None if inflated is None else (name, inflated.decode("latin-1"))
    if len(rest) < 2:
        return None
    compressed, method, rest = rest[0], rest[1], rest[2:]
    _language, _, rest = rest.partition(b"\x00")
    _translated, _, text = rest.partition(b"\x00")
    if compressed:
        inflated = budget.inflate(text) if method == 0 else None
        if inflated is None:
            return None
        text = inflated
    return name, text.decode("utf-8", "replace")


def _raw_profile(keyword: str, text: str) -> bytes | None:
    """EXIF from ImageMagick's hex 'Raw profile type exif' text chunk, else None."""
    if not keyword.endswith(("exif", "APP1")):
        return None
    lines = text.strip().split("\n", 2)
    if len(lines) < 3:
        return None
    try:
        raw = bytes.fromhex("".join(lines[2].split()))
    except ValueError:
        return None
    return tiff_block(raw)


# --- WebP -----------------------------------------------------------------------


def read_webp(data: bytes) -> StillStructure:
    """RIFF chunks of a WebP: canvas or frame size, EXIF, XMP, ICCP, animation frames."""
    width = height = size_source = exif = exif_where = icc = None
    xmp: list[bytes] = []
    notes: list[str] = []
    frames = 0
    if data[:4] != b"RIFF" or data[8:12] != b"WEBP":
        return StillStructure("webp", notes=("not a RIFF WebP file",))
    end = min(len(data), 8 + struct.unpack_from("<I", data, 4)[0])
    at = 12
    while at + 8 <= end:
        kind, length = struct.unpack_from("<4sI", data, at)
        body = data[at + 8 : at + 8 + length]
        if len(body) < length:
            notes.append(f"WebP chunk {kind.decode('latin-1')!r} runs past the end of the file")
            break
        if kind == b"VP8X" and length >= 10:
            width = 1 + int.from_bytes(body[4:7], "little")
            height = 1 + int.from_bytes(body[7:10], "little")
            size_source = "WebP VP8X canvas"
        elif kind == b"VP8 " and width is None and length >= 10 and body[3:6] == b"\x9d\x01\x2a":
            w, h = struct.unpack_from("<HH", body, 6)
            width, height, size_source = w & 0x3FFF, h & 0x3FFF, "WebP VP8 frame header"
        elif kind == b"VP8L" and width is None and length >= 5 and body[0] == 0x2F:
            bits = int.from_bytes(body[1:5], "little")
            width, height = 1 + (bits & 0x3FFF), 1 + ((bits >> 14) & 0x3FFF)
            size_source = "WebP VP8L header"
        elif kind == b"ANMF":
            frames += 1
        elif kind == b"EXIF" and exif is None:
            exif = tiff_block(body)
            exif_where = f"WebP EXIF chunk at byte {at}"
        elif kind == b"XMP ":
            xmp.append(bytes(body))
        elif kind == b"ICCP":
            icc = bytes(body)
        at += 8 + length + (length & 1)
    return StillStructure(
        "webp", width, height, size_source, exif, exif_where, tuple(xmp), icc=icc,
        frames=frames or None, notes=tuple(notes),
    )  # fmt: skip


# --- GIF ------------------------------------------------------------------------


def read_gif(data: bytes) -> StillStructure:
    """The logical screen size of a GIF."""
    if len(data) < 10 or data[:3] != b"GIF":
        return StillStructure("gif", notes=("not a GIF file",))
    width, height = struct.unpack_from("<HH", data, 6)
    return StillStructure("gif", width, height, "GIF logical screen")
