"""Build EXIF blocks and JPEG/PNG/WebP files around them, for the metadata tests.

Only what the tests need: ASCII, SHORT, LONG and RATIONAL tags in IFD0,
the Exif IFD and the GPS IFD, big-endian, values stored after each IFD.
"""

from __future__ import annotations

import struct
import zlib
from collections.abc import Sequence
from fractions import Fraction

ASCII, SHORT, LONG, RATIONAL, UNDEFINED = 2, 3, 4, 5, 7
EXIF_POINTER, GPS_POINTER = 0x8769, 0x8825

# Tag numbers by name (TIFF/EXIF 2.32).
TAGS = {
    "Make": 0x010F, "Model": 0x0110, "Software": 0x0131, "DateTime": 0x0132,
    "DateTimeOriginal": 0x9003, "OffsetTimeOriginal": 0x9011, "ImageUniqueID": 0xA420,
    "BodySerialNumber": 0xA431, "LensMake": 0xA433, "LensModel": 0xA434,
    "LensSerialNumber": 0xA435, "MakerNote": 0x927C,
    "GPSLatitudeRef": 1, "GPSLatitude": 2, "GPSLongitudeRef": 3, "GPSLongitude": 4,
    "GPSTimeStamp": 7, "GPSStatus": 9, "GPSDateStamp": 29,
}  # fmt: skip


def _entry(tag: int, value: object) -> tuple[int, int, int, bytes]:
    """(tag, type, count, packed value) for a Python value."""
    if isinstance(value, str):
        data = value.encode("latin-1") + b"\x00"
        return tag, ASCII, len(data), data
    if isinstance(value, bytes):
        return tag, UNDEFINED, len(value), value
    if isinstance(value, int):
        return tag, SHORT, 1, struct.pack(">H", value)
    numbers = [Fraction(v).limit_denominator(1_000_000) for v in value]  # type: ignore[union-attr]
    data = b"".join(struct.pack(">II", f.numerator, f.denominator) for f in numbers)
    return tag, RATIONAL, len(numbers), data


def _ifd(entries: list[tuple[int, int, int, bytes]], start: int) -> bytes:
    """One IFD at offset ``start``, its out-of-line values after it."""
    entries = sorted(entries)
    table = struct.pack(">H", len(entries))
    extra = b""
    values_at = start + 2 + 12 * len(entries) + 4
    for tag, kind, count, data in entries:
        if len(data) <= 4:
            table += struct.pack(">HHI", tag, kind, count) + data.ljust(4, b"\x00")
        else:
            table += struct.pack(">HHII", tag, kind, count, values_at + len(extra))
            extra += data + (b"\x00" if len(data) % 2 else b"")
    return table + struct.pack(">I", 0) + extra


def tiff(
    image: dict[str, object] | None = None,
    exif: dict[str, object] | None = None,
    gps: dict[str, object] | None = None,
) -> bytes:
    """A big-endian TIFF block with IFD0 and, if given, Exif and GPS IFDs."""

    def named(values: dict[str, object] | None) -> list[tuple[int, int, int, bytes]]:
        return [_entry(TAGS[k], v) for k, v in (values or {}).items()]

    head = b"MM\x00*" + struct.pack(">I", 8)
    zero = [_entry(TAGS[k], v) for k, v in (image or {}).items()]
    pointers = (exif is not None) + (gps is not None)
    # IFD0 size is known once its pointer entries are counted.
    probe = _ifd(zero + [(EXIF_POINTER, LONG, 1, b"\x00" * 4)] * pointers, 8)
    at = 8 + len(probe)
    blocks = b""
    links = []
    for pointer, values in ((EXIF_POINTER, exif), (GPS_POINTER, gps)):
        if values is None:
            continue
        block = _ifd(named(values), at + len(blocks))
        links.append((pointer, LONG, 1, struct.pack(">I", at + len(blocks))))
        blocks += block
    return head + _ifd(zero + links, 8) + blocks


def segment(marker: int, payload: bytes) -> bytes:
    """A JPEG marker segment."""
    return struct.pack(">BBH", 0xFF, marker, len(payload) + 2) + payload


def jpeg_with(picture: bytes, segments: Sequence[bytes]) -> bytes:
    """``picture`` (a JPEG) with ``segments`` inserted right after its SOI marker."""
    assert picture[:2] == b"\xff\xd8"
    return picture[:2] + b"".join(segments) + picture[2:]


def exif_segment(block: bytes) -> bytes:
    return segment(0xE1, b"Exif\x00\x00" + block)


def xmp_segment(packet: str) -> bytes:
    return segment(0xE1, b"http://ns.adobe.com/xap/1.0/\x00" + packet.encode("utf-8"))


def xmp_packet(description: str) -> str:
    """An XMP packet around one rdf:Description's attributes and children."""
    return (
        '<?xpacket begin="" id="W5M0MpCehiHzreSzNTczkc9d"?>'
        '<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF '
        'xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
        '<rdf:Description rdf:about="" xmlns:xmp="http://ns.adobe.com/xap/1.0/" '
        'xmlns:xmpMM="http://ns.adobe.com/xap/1.0/mm/" '
        'xmlns:stEvt="http://ns.adobe.com/xap/1.0/sType/ResourceEvent#" '
        'xmlns:GCamera="http://ns.google.com/photos/1.0/camera/" '
        'xmlns:Iptc4xmpExt="http://iptc.org/std/Iptc4xmpExt/2008-02-29/" '
        f"{description}</rdf:Description></rdf:RDF></x:xmpmeta>"
        '<?xpacket end="w"?>'
    )


def png_chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))


def png_with(picture: bytes, chunks: Sequence[bytes]) -> bytes:
    """``picture`` (a PNG) with ``chunks`` inserted after IHDR."""
    ihdr_end = 8 + 12 + struct.unpack(">I", picture[8:12])[0]
    return picture[:ihdr_end] + b"".join(chunks) + picture[ihdr_end:]


def apple_maker_note(content_identifier: str) -> bytes:
    """An Apple iOS maker note holding ContentIdentifier (tag 0x11), offsets from its start."""
    value = content_identifier.encode("ascii") + b"\x00"
    table = struct.pack(">H", 1) + struct.pack(">HHII", 0x0011, ASCII, len(value), 14 + 18)
    return b"Apple iOS\x00\x00\x01MM" + table + struct.pack(">I", 0) + value
