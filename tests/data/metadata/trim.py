"""Shrink a camera JPEG for the metadata corpus without touching its metadata.

Every segment before the first scan (APPn, COM, DQT, SOF, DHT...) is kept
byte for byte; the entropy-coded picture data is cut to its first
``--keep`` bytes and the file is closed with an EOI marker. What a reader
of metadata sees (EXIF, XMP, ICC, IPTC, the size in SOF, quantisation
tables) is what the camera wrote; only the picture is gone.

    python tests/data/metadata/trim.py IN.jpg OUT.jpg [--keep 1024]
"""

from __future__ import annotations

import argparse
import struct
import sys


def trim(data: bytes, keep: int) -> bytes:
    """``data`` cut after ``keep`` bytes of its first scan; ValueError if not a JPEG."""
    if data[:2] != b"\xff\xd8":
        raise ValueError("not a JPEG (no SOI marker)")
    at = 2
    while at + 4 <= len(data):
        if data[at] != 0xFF:
            raise ValueError(f"no marker at byte {at}")
        marker = data[at + 1]
        if marker == 0xFF:  # fill byte
            at += 1
            continue
        (length,) = struct.unpack(">H", data[at + 2 : at + 4])
        end = at + 2 + length
        if marker == 0xDA:  # start of scan: its header, then the picture data
            return data[: end + keep] + b"\xff\xd9"
        at = end
    raise ValueError("no scan found")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("source")
    parser.add_argument("target")
    parser.add_argument("--keep", type=int, default=1024)
    args = parser.parse_args()
    with open(args.source, "rb") as handle:
        data = handle.read()
    with open(args.target, "xb") as handle:
        handle.write(trim(data, args.keep))
    return 0


if __name__ == "__main__":
    sys.exit(main())
