"""What an XMP packet says: the tool that wrote it, its edit history, its IDs.

XMP is RDF/XML; writers put a property either as an attribute of
``rdf:Description`` or as a child element, and lists as ``rdf:Seq``/``rdf:Bag``
of ``rdf:li``. `parse_xmp` reads both shapes into a flat map of
``prefix:Name`` -> text (lists as tuples) and `XmpFacts` picks the fields an
investigator reads. A packet with a DTD or entities is refused: XMP never
needs them, and they are how XML parsers are attacked.
"""

from __future__ import annotations

import dataclasses
import re
import xml.etree.ElementTree as ET
from typing import Any

# Namespace URIs by the prefix this module uses for them (the packet's own
# prefixes may differ; the URI is what counts).
NAMESPACES = {
    "xmp": "http://ns.adobe.com/xap/1.0/",
    "xmpMM": "http://ns.adobe.com/xap/1.0/mm/",
    "stEvt": "http://ns.adobe.com/xap/1.0/sType/ResourceEvent#",
    "stRef": "http://ns.adobe.com/xap/1.0/sType/ResourceRef#",
    "dc": "http://purl.org/dc/elements/1.1/",
    "photoshop": "http://ns.adobe.com/photoshop/1.0/",
    "tiff": "http://ns.adobe.com/tiff/1.0/",
    "exif": "http://ns.adobe.com/exif/1.0/",
    "exifEX": "http://cipa.jp/exif/1.0/",
    "aux": "http://ns.adobe.com/exif/1.0/aux/",
    "Iptc4xmpExt": "http://iptc.org/std/Iptc4xmpExt/2008-02-29/",
    "GCamera": "http://ns.google.com/photos/1.0/camera/",
    "Container": "http://ns.google.com/photos/1.0/container/",
    "Item": "http://ns.google.com/photos/1.0/container/item/",
    "xmpDM": "http://ns.adobe.com/xmp/1.0/DynamicMedia/",
}
_PREFIX_OF = {uri: prefix for prefix, uri in NAMESPACES.items()}
_RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
_PACKET_RE = re.compile(rb"<x:xmpmeta.*?</x:xmpmeta>|<rdf:RDF.*?</rdf:RDF>", re.DOTALL)
_MAX_PACKET_BYTES = 4 << 20
_MAX_VALUES = 2000  # properties and list items read from one packet
_MAX_DEPTH = 16  # nesting of structures and lists (real packets use 3 or 4)


@dataclasses.dataclass(frozen=True)
class HistoryEvent:
    """One ``xmpMM:History`` entry: what was done, by which software, when."""

    action: str | None
    software: str | None
    when: str | None
    changed: str | None = None

    def to_dict(self) -> dict[str, str | None]:
        return dataclasses.asdict(self)


@dataclasses.dataclass(frozen=True)
class XmpFacts:
    """The XMP properties `verify inspect` reports."""

    creator_tool: str | None = None
    history: tuple[HistoryEvent, ...] = ()
    document_id: str | None = None
    original_document_id: str | None = None
    instance_id: str | None = None
    create_date: str | None = None
    modify_date: str | None = None
    metadata_date: str | None = None
    date_created: str | None = None  # photoshop:DateCreated (IPTC's date)
    make: str | None = None
    model: str | None = None
    date_time_original: str | None = None
    digital_source_type: str | None = None  # IPTC: e.g. ...trainedAlgorithmicMedia
    motion_photo: bool = False
    motion_video_bytes: int | None = None  # GCamera:MicroVideoOffset: video length from the end
    notes: tuple[str, ...] = ()

    @property
    def is_empty(self) -> bool:
        return self == XmpFacts()

    @property
    def software_agents(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(e.software for e in self.history if e.software))

    def to_dict(self) -> dict[str, Any]:
        data = dataclasses.asdict(self)
        data["history"] = [e.to_dict() for e in self.history]
        data["notes"] = list(self.notes)
        return data


def parse_xmp(packet: bytes) -> tuple[dict[str, Any], list[str]]:
    """``prefix:Name`` -> text or tuple of texts (history as dicts), and notes."""
    whole = _as_utf8(packet[:_MAX_PACKET_BYTES])
    if b"<!DOCTYPE" in whole or b"<!ENTITY" in whole:
        return {}, ["XMP packet refused: it declares a DTD or entities"]
    found = _PACKET_RE.search(whole)
    if found is None:
        return {}, ["XMP packet holds no RDF"] if packet.strip(b"\x00 \n") else []
    text = found.group(0)
    try:
        root = ET.fromstring(text)
    except ET.ParseError as exc:
        return {}, [f"XMP packet is not well-formed XML ({exc})"]
    values: dict[str, Any] = {}
    for description in root.iter(f"{{{_RDF}}}Description"):
        for name, value in description.attrib.items():
            key = _key(name)
            if key and len(values) < _MAX_VALUES:
                values.setdefault(key, value)
        for child in description:
            key = _key(child.tag)
            if key and len(values) < _MAX_VALUES:
                values.setdefault(key, _value(child))
    return values, []


def _as_utf8(packet: bytes) -> bytes:
    """The packet re-encoded as UTF-8 if it was written in UTF-16 or UTF-32."""
    head = bytes(packet[:64])
    for encoding, probe in (
        ("utf-32-be", b"\x00\x00\x00<"), ("utf-32-le", b"<\x00\x00\x00"),
        ("utf-16-be", b"\x00<"), ("utf-16-le", b"<\x00"),
    ):  # fmt: skip
        at = head.find(probe)
        if at >= 0 and at % len(probe) == 0:
            text = bytes(packet[at:])
            text = text[: len(text) - len(text) % len(probe)]
            return text.decode(encoding, "replace").encode("utf-8")
    return bytes(packet)


def _key(name: str) -> str | None:
    if not name.startswith("{"):
        return None
    uri, _, local = name[1:].partition("}")
    prefix = _PREFIX_OF.get(uri)
    return f"{prefix}:{local}" if prefix else None


def _value(element: ET.Element, depth: int = 0) -> Any:
    """An element's text; a list's items as a tuple; a structure as a dict."""
    if depth > _MAX_DEPTH:
        return ""
    for container in ("Seq", "Bag", "Alt"):
        listing = element.find(f"{{{_RDF}}}{container}")
        if listing is not None:
            items = listing.findall(f"{{{_RDF}}}li")[:_MAX_VALUES]
            return tuple(_item(li, depth + 1) for li in items)
    if element.get(f"{{{_RDF}}}parseType") == "Resource" or len(element):
        return _item(element, depth + 1)
    resource = element.get(f"{{{_RDF}}}resource")
    return (element.text or resource or "").strip()


def _item(element: ET.Element, depth: int = 0) -> Any:
    fields = {_key(k): v for k, v in element.attrib.items() if _key(k)}
    inner = element.find(f"{{{_RDF}}}Description")
    for node in (element, inner) if inner is not None else (element,):
        fields.update({_key(k): v for k, v in node.attrib.items() if _key(k)})
        for child in node:
            key = _key(child.tag)
            if key:
                fields[key] = _value(child, depth + 1)
    if fields:
        return fields
    return (element.text or "").strip()


def xmp_facts(
    packets: tuple[bytes, ...] | list[bytes], texts: tuple[tuple[str, str], ...] = ()
) -> XmpFacts:
    """The reported fields from a file's XMP packets (the first packet's value wins).

    ``texts`` are PNG text chunks: ImageMagick writes XMP properties there as
    ``xmp:CreatorTool`` and the like; they count where no packet has them.
    """
    values: dict[str, Any] = {}
    notes: list[str] = []
    for packet in packets:
        found, problems = parse_xmp(packet)
        notes.extend(problems)
        for key, value in found.items():
            values.setdefault(key, value)
    for key, value in texts:
        prefix = key.split(":", 1)[0]
        if ":" in key and prefix in NAMESPACES:
            values.setdefault(key, value)

    def text(key: str) -> str | None:
        value = values.get(key)
        if isinstance(value, tuple):
            value = value[0] if value else None
        if isinstance(value, dict) or value is None:
            return None
        return str(value).strip() or None

    history = []
    for entry in values.get("xmpMM:History") or ():
        if isinstance(entry, dict):
            history.append(HistoryEvent(
                action=_str(entry.get("stEvt:action")),
                software=_str(entry.get("stEvt:softwareAgent")),
                when=_str(entry.get("stEvt:when")),
                changed=_str(entry.get("stEvt:changed")),
            ))  # fmt: skip
    offset = text("GCamera:MicroVideoOffset")
    directory = values.get("Container:Directory") or ()
    motion = bool(
        text("GCamera:MotionPhoto") == "1"
        or text("GCamera:MicroVideo") == "1"
        or any(
            isinstance(d, dict) and "video" in str(d.get("Item:Mime") or _nested_mime(d))
            for d in directory
        )
    )
    return XmpFacts(
        creator_tool=text("xmp:CreatorTool"),
        history=tuple(history),
        document_id=text("xmpMM:DocumentID"),
        original_document_id=text("xmpMM:OriginalDocumentID"),
        instance_id=text("xmpMM:InstanceID"),
        create_date=text("xmp:CreateDate"),
        modify_date=text("xmp:ModifyDate"),
        metadata_date=text("xmp:MetadataDate"),
        date_created=text("photoshop:DateCreated"),
        make=text("tiff:Make"),
        model=text("tiff:Model"),
        date_time_original=text("exif:DateTimeOriginal"),
        digital_source_type=text("Iptc4xmpExt:DigitalSourceType"),
        motion_photo=motion,
        motion_video_bytes=int(offset) if offset and offset.isdigit() else None,
        notes=tuple(notes),
    )


def _str(value: Any) -> str | None:
    if value is None or isinstance(value, (dict, tuple)):
        return None
    return str(value).strip() or None


def _nested_mime(entry: dict[str, Any]) -> str:
    inner = entry.get("Container:Item")
    return str(inner.get("Item:Mime", "")) if isinstance(inner, dict) else ""
