"""The item structure of HEIF/HEIC/AVIF images (ISO/IEC 23008-12).

A HEIF photo is not one picture stream: an iPhone stores the picture as a
grid of 512x512 tiles, each a separate item, plus a thumbnail, a depth
map and an EXIF item. ffprobe lists every tile as a video stream and (in
older versions) gives no size at all. This reader follows the ``meta``
box: the primary item (``pitm``), its type (``iinf``), its size (``ispe``)
and rotation (``irot``) among the item properties, the EXIF and XMP items
and where their bytes lie (``iloc``).
"""

from __future__ import annotations

import dataclasses
import os
import struct

from verify.media.isobmff import children
from verify.media.structure import MAX_BLOCK_BYTES, Embedded, StillStructure, tiff_block

# The meta box of a phone photo is a few KB (tile tables of large grids a
# few hundred); beyond this the file is not a photo we can follow.
MAX_META_BYTES = 16 << 20


@dataclasses.dataclass(frozen=True)
class _Item:
    item_id: int
    kind: str  # hvc1, av01, grid, iden, Exif, mime, ...
    content_type: str = ""
    hidden: bool = False


def read_heif(path: str | os.PathLike[str] | bytes, kind: str) -> StillStructure:
    """Primary picture size and rotation, picture count, EXIF and XMP of a HEIF file."""
    with open(path, "rb") as handle:
        meta, embedded = _top_level(handle)
        if meta is None:
            return StillStructure(
                kind, embedded=embedded, notes=("HEIF file has no readable meta box",)
            )
        try:
            structure = _read_meta(handle, meta, kind)
        except (struct.error, ValueError, IndexError) as exc:
            structure = StillStructure(kind, notes=(f"HEIF meta box is damaged ({exc})",))
    return dataclasses.replace(structure, embedded=embedded)


def _top_level(handle) -> tuple[bytes | None, tuple[Embedded, ...]]:
    """The meta box's payload, and videos stored beside the picture.

    Samsung keeps a motion photo's video in a top-level ``mpvd`` box; other
    writers append an MP4 after the HEIF's last box.
    """
    size_of_file = os.fstat(handle.fileno()).st_size
    offset = 0
    meta = None
    embedded: list[Embedded] = []
    while offset + 8 <= size_of_file:
        handle.seek(offset)
        header = handle.read(16)
        size, name = struct.unpack(">I4s", header[:8])
        head = 8
        if size == 1 and len(header) == 16:
            size, head = struct.unpack(">Q", header[8:])[0], 16
        elif size == 0:
            size = size_of_file - offset
        if size < head or offset + size > size_of_file:
            break
        if name == b"meta" and meta is None and size <= MAX_META_BYTES:
            handle.seek(offset + head)
            meta = handle.read(size - head)
        elif name == b"mpvd":
            embedded.append(
                Embedded("mp4", offset + head, size - head, "HEIF mpvd box (motion photo)")
            )
        elif name == b"ftyp" and offset > 0:  # a second file starts here
            embedded.append(Embedded("mp4", offset, size_of_file - offset, "after the HEIF boxes"))
            break
        offset += size
    return meta, tuple(embedded)


def _read_meta(handle, meta: bytes, kind: str) -> StillStructure:
    boxes = dict(children(meta, 4))  # meta is a full box: 4 bytes of version and flags
    notes: list[str] = []

    def part(reader, name: str, empty):
        """One box's parse; a damaged box costs only what it holds."""
        try:
            return reader(boxes.get(name, b""))
        except (struct.error, ValueError, IndexError) as exc:
            notes.append(f"HEIF {name} box is damaged ({exc or 'cut short'}); skipped")
            return empty

    primary = part(_pitm, "pitm", None)
    items = part(_iinf, "iinf", {})
    locations = part(_iloc, "iloc", {})
    properties, associations = part(_iprp, "iprp", ([], {}))
    references = part(_iref, "iref", {})
    width = height = rotation = None
    size_source = None
    main = items.get(primary) if primary is not None else None
    for index in associations.get(primary or -1, ()):
        if not 0 < index <= len(properties):
            continue
        name, body = properties[index - 1]
        if name == "ispe" and len(body) >= 12:
            width, height = struct.unpack_from(">II", body, 4)
            size_source = f"HEIF ispe of the primary item ({main.kind if main else 'unknown'})"
        elif name == "irot" and body:
            rotation = (body[0] & 0x03) * 90  # anticlockwise in the box
    tiles = {t for source, kinds in references.items() for k, t in kinds if k == "dimg"}
    secondary = {s for s, kinds in references.items() for k, _ in kinds if k in {"thmb", "auxl"}}
    pictures = [
        i for i in items.values()
        if i.kind in {"hvc1", "av01", "jpeg", "grid", "iden", "iovl"}
        and i.item_id not in tiles and i.item_id not in secondary
    ]  # fmt: skip
    exif = exif_where = None
    xmp: list[bytes] = []
    for item in items.values():
        if item.kind == "Exif" and exif is None:
            payload = _item_bytes(handle, meta, locations.get(item.item_id), boxes)
            if payload and len(payload) > 4:
                (skip,) = struct.unpack_from(">I", payload)
                exif = tiff_block(payload[4 + skip :]) or tiff_block(payload[4:])
                where = locations.get(item.item_id)
                exif_where = f"HEIF Exif item {item.item_id}" + (
                    f" at byte {where[1][0][0]}" if where and where[1] else ""
                )
        elif item.kind == "mime" and "xml" in item.content_type:
            payload = _item_bytes(handle, meta, locations.get(item.item_id), boxes)
            if payload:
                xmp.append(payload)
    if primary is None:
        notes.append("HEIF file names no primary item")
    return StillStructure(
        kind, width, height, size_source, exif, exif_where, tuple(xmp),
        frames=len(pictures) or None,
        rotation=(360 - rotation) % 360 if rotation is not None else None,
        notes=tuple(notes),
    )  # fmt: skip


def _full(body: bytes) -> tuple[int, bytes]:
    return body[0] if body else 0, body[4:]


def _pitm(body: bytes) -> int | None:
    if len(body) < 6:
        return None
    version, rest = _full(body)
    return struct.unpack_from(">I" if version else ">H", rest)[0]


def _iinf(body: bytes) -> dict[int, _Item]:
    if len(body) < 6:
        return {}
    version, rest = _full(body)
    start = 4 if version else 2
    items = {}
    for name, infe in children(rest, start):
        if name != "infe" or len(infe) < 8:
            continue
        v, flags = infe[0], int.from_bytes(infe[1:4], "big")
        if v < 2:
            continue
        if v == 2:
            item_id = struct.unpack_from(">H", infe, 4)[0]
            at = 8
        else:
            item_id = struct.unpack_from(">I", infe, 4)[0]
            at = 10
        kind = infe[at : at + 4].decode("latin-1")
        name_end = infe.find(b"\x00", at + 4)
        content_type = ""
        if kind == "mime" and name_end >= 0:
            type_end = infe.find(b"\x00", name_end + 1)
            content_type = infe[name_end + 1 : type_end if type_end >= 0 else None].decode(
                "latin-1"
            )
        items[item_id] = _Item(item_id, kind, content_type, bool(flags & 1))
    return items


class _Cursor:
    """Big-endian unsigned integers read one after another; ValueError past the end."""

    def __init__(self, data: bytes, at: int = 0) -> None:
        self.data, self.at = data, at

    def take(self, size: int) -> int:
        if self.at + size > len(self.data):
            raise ValueError("box is cut short")
        value = int.from_bytes(self.data[self.at : self.at + size], "big") if size else 0
        self.at += size
        return value


def _iloc(body: bytes) -> dict[int, tuple[int, list[tuple[int, int]]]]:
    """Item id -> (construction method, [(offset, length)])."""
    if len(body) < 8:
        return {}
    version, rest = _full(body)
    read = _Cursor(rest)
    sizes = read.take(2)
    offset_size, length_size = sizes >> 12, (sizes >> 8) & 0xF
    base_size, index_size = (sizes >> 4) & 0xF, sizes & 0xF if version in (1, 2) else 0
    out = {}
    for _ in range(read.take(4 if version == 2 else 2)):
        item_id = read.take(4 if version == 2 else 2)
        method = read.take(2) & 0xF if version in (1, 2) else 0
        read.take(2)  # data reference index
        base = read.take(base_size)
        extents = []
        for _ in range(read.take(2)):
            read.take(index_size)
            extents.append((base + read.take(offset_size), read.take(length_size)))
        out[item_id] = (method, extents)
    return out


def _iprp(body: bytes) -> tuple[list[tuple[str, bytes]], dict[int, list[int]]]:
    properties: list[tuple[str, bytes]] = []
    associations: dict[int, list[int]] = {}
    for name, box in children(body):
        if name == "ipco":
            properties = list(children(box))
        elif name == "ipma" and len(box) >= 8:
            version, flags = box[0], int.from_bytes(box[1:4], "big")
            read = _Cursor(box, 4)
            for _ in range(read.take(4)):
                item_id = read.take(2 if version < 1 else 4)
                links = read.take(1)
                wide = flags & 1
                mask = 0x7FFF if wide else 0x7F  # the top bit marks an essential property
                associations[item_id] = [read.take(2 if wide else 1) & mask for _ in range(links)]
    return properties, associations


def _iref(body: bytes) -> dict[int, list[tuple[str, int]]]:
    """Item id -> [(reference type, item it points to)]."""
    if len(body) < 4:
        return {}
    version, rest = _full(body)
    width = 4 if version else 2
    out: dict[int, list[tuple[str, int]]] = {}
    for name, ref in children(rest):
        if len(ref) < 2 * width + 2:
            continue
        source = int.from_bytes(ref[:width], "big")
        count = struct.unpack_from(">H", ref, width)[0]
        for index in range(count):
            at = width + 2 + index * width
            if at + width > len(ref):
                break
            out.setdefault(source, []).append((name, int.from_bytes(ref[at : at + width], "big")))
    return out


def _item_bytes(handle, meta: bytes, location, boxes: dict[str, bytes]) -> bytes | None:
    """An item's bytes from the file (method 0) or the meta box's idat (method 1)."""
    if location is None:
        return None
    method, extents = location
    parts = []
    left = MAX_BLOCK_BYTES  # for all extents together: a length of 0 means "to the end"
    for offset, length in extents:
        if length > left:
            return None
        if method == 1:
            parts.append(boxes.get("idat", b"")[offset : offset + (length or left)])
        elif method == 0:
            handle.seek(offset)
            parts.append(handle.read(length or left))
        else:
            return None
        left -= len(parts[-1])
    return b"".join(parts)
