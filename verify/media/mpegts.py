"""Camera facts inside AVCHD transport streams (.MTS/.M2TS): the MDPM block.

AVCHD camcorders and cameras write their clock (with its zone and summer
time), make and model into the H.264 stream itself: an unregistered-user-
data SEI message with the MDPM identifier, repeated in every GOP. ffprobe
does not report it. This reader reassembles the first packets of each
stream (188-byte packets, or 192 with the M2TS arrival timestamp), finds
the message and decodes its tag/value entries.
"""

from __future__ import annotations

import dataclasses
import os

_MDPM = bytes.fromhex("17ee8c60f84d11d98cd60800200c9a66") + b"MDPM"
_SCAN_BYTES = 4 << 20  # the first GOP's SEI lies within the first packets
_PER_STREAM_BYTES = 1 << 20
# Maker codes of the MDPM 0xE0 entry, as camera makers registered them.
MAKERS = {0x0103: "Panasonic", 0x0108: "Sony", 0x1011: "Canon", 0x1104: "JVC"}


@dataclasses.dataclass(frozen=True)
class CameraBlock:
    """What the MDPM block of an AVCHD stream says."""

    recorded: str | None  # ISO 8601 with the zone, e.g. 2019-04-24T22:24:00+02:00
    summer_time: bool
    make: str | None
    model: str | None


def read_camera_block(path: str | os.PathLike[str] | bytes) -> CameraBlock | None:
    """The MDPM facts of a transport stream, or None if it carries none."""
    with open(path, "rb") as handle:
        data = handle.read(_SCAN_BYTES)
    for payload in _stream_payloads(data):
        at = payload.find(_MDPM)
        if at >= 0:
            return _decode(_unescape(payload[at + len(_MDPM) : at + len(_MDPM) + 400]))
    return None


def _stream_payloads(data: bytes) -> list[bytes]:
    """Each PID's packet payloads joined, in file order (at most 1 MB a PID)."""
    size, first = (192, 4) if len(data) > 388 and data[4] == data[196] == 0x47 else (188, 0)
    streams: dict[int, bytearray] = {}
    for start in range(first, len(data) - 187, size):
        packet = data[start : start + 188]
        if packet[0] != 0x47:
            break
        pid = ((packet[1] & 0x1F) << 8) | packet[2]
        control = (packet[3] >> 4) & 0x3
        at = 4
        if control & 0x2:  # adaptation field first
            at += 1 + packet[4]
        if not control & 0x1 or at >= 188:
            continue
        buffer = streams.setdefault(pid, bytearray())
        if len(buffer) < _PER_STREAM_BYTES:
            buffer += packet[at:]
    return [bytes(b) for b in streams.values()]


def _unescape(nal: bytes) -> bytes:
    """H.264 payload bytes without emulation prevention (00 00 03 -> 00 00)."""
    return nal.replace(b"\x00\x00\x03", b"\x00\x00")


def _bcd(byte: int) -> int | None:
    high, low = byte >> 4, byte & 0x0F
    return high * 10 + low if high < 10 and low < 10 else None


def _decode(block: bytes) -> CameraBlock | None:
    if not block:
        return None
    count = block[0]
    entries: dict[int, bytes] = {}
    for index in range(count):
        entry = block[1 + 5 * index : 6 + 5 * index]
        if len(entry) < 5:
            break
        entries.setdefault(entry[0], entry[1:])
    recorded, summer = _clock(entries.get(0x18), entries.get(0x19))
    maker = entries.get(0xE0)
    make = MAKERS.get(int.from_bytes(maker[:2], "big")) if maker else None
    model = b"".join(entries.get(tag, b"") for tag in range(0xE4, 0xE9))
    name = model.split(b"\x00")[0].decode("ascii", "replace").strip() or None
    return CameraBlock(recorded, summer, make, name)


def _clock(first: bytes | None, second: bytes | None) -> tuple[str | None, bool]:
    """Entries 0x18 (zone, year, month) and 0x19 (day, hour, minute, second)."""
    if first is None or second is None:
        return None, False
    zone, *rest = first
    fields = [_bcd(b) for b in (*rest, *second)]
    if any(f is None for f in fields):
        return None, False
    century, year, month, day, hour, minute, sec = fields
    # The zone byte: 0x40 summer time, 0x20 west of Greenwich, then hours
    # (4 bits) and a half-hour bit.
    sign = "-" if zone & 0x20 else "+"
    hours, half = (zone >> 1) & 0x0F, zone & 0x01
    text = (
        f"{century:02d}{year:02d}-{month:02d}-{day:02d}T{hour:02d}:{minute:02d}:{sec:02d}"
        f"{sign}{hours:02d}:{30 if half else 0:02d}"
    )
    return text, bool(zone & 0x40)
