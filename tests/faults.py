"""Damaged and hostile inputs made from the committed samples, for the fault tests.

Everything here is generated, never mocked: real bytes a real decoder,
EXIF reader or SQLite must cope with. `media_faults` derives the fault
campaign's files; `jpeg_with_gps` writes a JPEG whose EXIF GPS block holds
whatever entries a test asks for (wrong types, zero or huge counts).
"""

from __future__ import annotations

import random
import struct
from collections.abc import Callable, Iterator
from pathlib import Path

# TIFF field types (EXIF 2.3, table 1) and their sizes in bytes.
BYTE, ASCII, SHORT, LONG, RATIONAL, SRATIONAL = 1, 2, 3, 4, 5, 10
# GPS IFD tags.
GPS_LATITUDE_REF, GPS_LATITUDE, GPS_LONGITUDE_REF, GPS_LONGITUDE = 1, 2, 3, 4
GPS_ALTITUDE_REF, GPS_ALTITUDE = 5, 6

Entry = tuple[int, int, int, bytes]  # tag, type, count, value bytes (big-endian)


def rationals(*pairs: tuple[int, int]) -> bytes:
    """RATIONAL (or, with a negative number, SRATIONAL) values."""
    form = ">ii" if any(n < 0 or d < 0 for n, d in pairs) else ">II"
    return b"".join(struct.pack(form, n, d) for n, d in pairs)


def good_gps() -> list[Entry]:
    """50°27'0.36" N, 30°31'24.24" E at 150 m: a real position."""
    return [
        (GPS_LATITUDE_REF, ASCII, 2, b"N\0"),
        (GPS_LATITUDE, RATIONAL, 3, rationals((50, 1), (27, 1), (36, 100))),
        (GPS_LONGITUDE_REF, ASCII, 2, b"E\0"),
        (GPS_LONGITUDE, RATIONAL, 3, rationals((30, 1), (31, 1), (2424, 100))),
        (GPS_ALTITUDE, RATIONAL, 1, rationals((150, 1))),
    ]


def _ifd(entries: list[Entry], offset: int, next_ifd: int = 0) -> bytes:
    """One IFD at ``offset`` in the TIFF body, values longer than 4 bytes after it."""
    head = struct.pack(">H", len(entries))
    data_at = offset + 2 + 12 * len(entries) + 4
    fields, extra = b"", b""
    for tag, kind, count, value in entries:
        if len(value) <= 4:
            fields += struct.pack(">HHI", tag, kind, count) + value.ljust(4, b"\0")
        else:
            fields += struct.pack(">HHII", tag, kind, count, data_at + len(extra))
            extra += value + (b"\0" if len(value) % 2 else b"")
    return head + fields + struct.pack(">I", next_ifd) + extra


def exif_segment(gps: list[Entry], make: bytes = b"FaultCam\0") -> bytes:
    """An APP1 Exif segment: IFD0 (make, model, a pointer to the GPS IFD) and ``gps``."""
    model = b"Model 1\0"
    ifd0_entries: list[Entry] = [
        (0x010F, ASCII, len(make), make),
        (0x0110, ASCII, len(model), model),
    ]
    # IFD0 is at 8; the GPS IFD follows it.
    probe = _ifd([*ifd0_entries, (0x8825, LONG, 1, b"\0\0\0\0")], 8)
    gps_at = 8 + len(probe)
    ifd0 = _ifd([*ifd0_entries, (0x8825, LONG, 1, struct.pack(">I", gps_at))], 8)
    tiff = b"MM\0\x2a" + struct.pack(">I", 8) + ifd0 + _ifd(gps, gps_at)
    body = b"Exif\0\0" + tiff
    return b"\xff\xe1" + struct.pack(">H", len(body) + 2) + body


def jpeg_with_gps(photo: Path, target: Path, gps: list[Entry], make: bytes = b"FaultCam\0") -> Path:
    """``photo`` (a JPEG) with its EXIF replaced by one carrying ``gps`` (and ``make``)."""
    data = photo.read_bytes()
    assert data[:2] == b"\xff\xd8"
    rest, at = data[2:], 0
    while rest[at] == 0xFF and rest[at + 1] in (0xE0, 0xE1):  # drop JFIF/EXIF headers
        at += 2 + struct.unpack(">H", rest[at + 2 : at + 4])[0]
    target.write_bytes(b"\xff\xd8" + exif_segment(gps, make) + rest[at:])
    return target


def bad_gps_blocks() -> Iterator[tuple[str, list[Entry]]]:
    """GPS blocks of the wrong type, with zero or huge counts, or zero denominators."""
    good = {tag: (tag, kind, count, value) for tag, kind, count, value in good_gps()}

    def varied(tag: int, entry: Entry) -> list[Entry]:
        return [entry if t == tag else e for t, e in good.items()]

    yield "latitude as text", varied(GPS_LATITUDE, (GPS_LATITUDE, ASCII, 6, b"fifty\0"))
    yield "latitude count 0", varied(GPS_LATITUDE, (GPS_LATITUDE, RATIONAL, 0, b""))
    yield (
        "latitude huge count",
        varied(GPS_LATITUDE, (GPS_LATITUDE, RATIONAL, 0x7FFFFFFF, b"\0" * 4)),
    )
    yield (
        "latitude zero denominators",
        varied(GPS_LATITUDE, (GPS_LATITUDE, RATIONAL, 3, rationals((50, 0), (27, 0), (1, 0)))),
    )
    yield (
        "reference as a number",
        varied(GPS_LATITUDE_REF, (GPS_LATITUDE_REF, LONG, 1, b"\0\0\0\x07")),
    )
    yield (
        "altitude zero denominator",
        varied(GPS_ALTITUDE, (GPS_ALTITUDE, RATIONAL, 1, rationals((5, 0)))),
    )
    yield (
        "altitude count 4",
        varied(
            GPS_ALTITUDE, (GPS_ALTITUDE, RATIONAL, 4, rationals((1, 1), (2, 1), (3, 1), (4, 1)))
        ),
    )
    yield (
        "longitude 7 values",
        varied(GPS_LONGITUDE, (GPS_LONGITUDE, SRATIONAL, 7, rationals(*[(-1, 1)] * 7))),
    )
    yield (
        "latitude beyond the pole",
        varied(GPS_LATITUDE, (GPS_LATITUDE, RATIONAL, 3, rationals((400, 1), (0, 1), (0, 1)))),
    )


# --------------------------------------------------------------------------- media faults

Fault = Callable[[bytes, random.Random], bytes]


def _truncate(fraction: float) -> Fault:
    return lambda data, _rng: data[: max(1, int(len(data) * fraction))]


def _flip_bits(count: int) -> Fault:
    def flip(data: bytes, rng: random.Random) -> bytes:
        out = bytearray(data)
        for _ in range(count):
            at = rng.randrange(len(out))
            out[at] ^= 1 << rng.randrange(8)
        return bytes(out)

    return flip


def _garbage_block(size: int) -> Fault:
    def garbage(data: bytes, rng: random.Random) -> bytes:
        at = rng.randrange(max(1, len(data) - size))
        return data[:at] + rng.randbytes(size) + data[at + size :]

    return garbage


def _head_only(size: int) -> Fault:
    return lambda data, _rng: data[:size]


def _huge_box_size(data: bytes, rng: random.Random) -> bytes:
    """An ISO box header claiming 2^62 bytes (or random bytes for other formats)."""
    at = rng.randrange(0, max(1, min(len(data) - 16, 4096)))
    return data[:at] + struct.pack(">I4sQ", 1, b"mdat", 1 << 62) + data[at + 16 :]


def _tiny_boxes(data: bytes, _rng: random.Random) -> bytes:
    """The head of the file followed by 5 000 eight-byte boxes."""
    return data[:64] + struct.pack(">I4s", 8, b"free") * 5000


def _duplicate_middle(data: bytes, _rng: random.Random) -> bytes:
    third = len(data) // 3
    return data[: 2 * third] + data[third : 2 * third] + data[2 * third :]


def _random_bytes(data: bytes, rng: random.Random) -> bytes:
    return rng.randbytes(min(len(data), 50_000))


FAULTS: dict[str, Fault] = {
    "truncated_10": _truncate(0.10),
    "truncated_50": _truncate(0.50),
    "truncated_97": _truncate(0.97),
    "head_64": _head_only(64),
    "head_1k": _head_only(1024),
    "bits_1": _flip_bits(1),
    "bits_50": _flip_bits(50),
    "bits_2000": _flip_bits(2000),
    "garbage_4k": _garbage_block(4096),
    "garbage_head": lambda data, rng: rng.randbytes(512) + data[512:],
    "huge_box": _huge_box_size,
    "tiny_boxes": _tiny_boxes,
    "duplicated_middle": _duplicate_middle,
    "random": _random_bytes,
}


def media_faults(sources: dict[str, Path], folder: Path, *, seeds: int = 1) -> list[Path]:
    """Every fault applied to every source (``seeds`` random draws each): the files made."""
    made = []
    for name, source in sorted(sources.items()):
        data = source.read_bytes()
        for fault_name, fault in FAULTS.items():
            for seed in range(seeds):
                rng = random.Random(f"{name}/{fault_name}/{seed}")
                target = folder / f"{Path(name).stem}.{fault_name}.{seed}{Path(name).suffix}"
                target.write_bytes(fault(data, rng))
                made.append(target)
    return made
