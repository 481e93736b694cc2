"""What a media file says about itself: container, streams and capture facts.

`parse_probe` turns ffprobe's JSON into value objects; `read_exif` reads a
still image's EXIF through exifread; `interpret_capture` distils device,
creation time and place from whichever of those the file carries.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import io
import logging
import math
import re
import threading
from fractions import Fraction
from typing import TYPE_CHECKING, Any

from verify.config import INSPECT, InspectConfig
from verify.inspection.geo import GeoPoint, from_exif_dms, parse_iso6709
from verify.timestamps import RecordedTime, parse_recorded_time

if TYPE_CHECKING:
    from verify.inspection.still import StillFacts
    from verify.inspection.xmp import XmpFacts
    from verify.media.mpegts import CameraBlock

# A stream is called variable-frame-rate when its nominal (r_frame_rate) and
# average rates differ by more than this fraction. Phone cameras vary frame
# timing with exposure; encoders and screen recorders usually do not.
VFR_TOLERANCE = 0.01


def _fraction(text: str | None) -> float | None:
    if not text or text in {"0/0", "N/A"}:
        return None
    try:
        value = Fraction(text)
    except (ValueError, ZeroDivisionError):
        return None
    return float(value) if value else None


def _number(value: Any, kind: type = float) -> Any:
    if value in (None, "", "N/A"):
        return None
    try:
        return kind(value)
    except (TypeError, ValueError):
        return None


@dataclasses.dataclass(frozen=True)
class StreamInfo:
    """One stream as ffprobe reports it, with the fields investigators read."""

    index: int
    kind: str
    codec: str | None
    codec_long: str | None
    profile: str | None
    level: int | None
    duration: float | None
    bit_rate: int | None
    frames: int | None
    # video
    width: int | None = None
    height: int | None = None
    sample_aspect_ratio: str | None = None
    display_aspect_ratio: str | None = None
    pixel_format: str | None = None
    r_frame_rate: str | None = None
    avg_frame_rate: str | None = None
    rotation: float | None = None
    # audio
    sample_rate: int | None = None
    channels: int | None = None
    channel_layout: str | None = None
    tags: dict[str, str] = dataclasses.field(default_factory=dict)
    side_data: tuple[dict[str, Any], ...] = ()
    attached_picture: bool = False

    @property
    def frame_rate(self) -> float | None:
        return _fraction(self.avg_frame_rate) or _fraction(self.r_frame_rate)

    @property
    def frame_rate_mode(self) -> str | None:
        """``constant`` or ``variable`` from nominal vs average rate; None if unknown."""
        nominal, average = _fraction(self.r_frame_rate), _fraction(self.avg_frame_rate)
        if self.kind != "video" or not nominal or not average:
            return None
        return "variable" if abs(nominal - average) > VFR_TOLERANCE * nominal else "constant"

    @property
    def display_size(self) -> tuple[int, int] | None:
        """Width and height as shown, after rotation by a multiple of 90 degrees."""
        if not self.width or not self.height:
            return None
        if self.rotation is not None and round(self.rotation) % 180 == 90:
            return self.height, self.width
        return self.width, self.height

    def to_dict(self) -> dict[str, object]:
        data = {
            "index": self.index,
            "type": self.kind,
            "codec": self.codec,
            "codec_long": self.codec_long,
            "profile": self.profile,
            "level": self.level,
            "duration": self.duration,
            "bit_rate": self.bit_rate,
            "frames": self.frames,
            "tags": self.tags,
        }
        if self.kind == "video":
            size = self.display_size
            data.update(
                width=self.width,
                height=self.height,
                display_width=size[0] if size else None,
                display_height=size[1] if size else None,
                sample_aspect_ratio=self.sample_aspect_ratio,
                display_aspect_ratio=self.display_aspect_ratio,
                pixel_format=self.pixel_format,
                r_frame_rate=self.r_frame_rate,
                avg_frame_rate=self.avg_frame_rate,
                frame_rate=self.frame_rate,
                frame_rate_mode=self.frame_rate_mode,
                rotation=self.rotation,
                attached_picture=self.attached_picture,
                side_data=list(self.side_data),
            )
        elif self.kind == "audio":
            data.update(
                sample_rate=self.sample_rate,
                channels=self.channels,
                channel_layout=self.channel_layout,
            )
        return data


@dataclasses.dataclass(frozen=True)
class ContainerInfo:
    """The container as ffprobe reports it."""

    format_name: str
    format_long_name: str | None
    duration: float | None
    bit_rate: int | None
    start_time: float | None
    probe_score: int | None
    major_brand: str | None
    compatible_brands: str | None
    tags: dict[str, str]
    chapters: int = 0

    def to_dict(self) -> dict[str, object]:
        return {
            "format_name": self.format_name,
            "format_long_name": self.format_long_name,
            "duration": self.duration,
            "bit_rate": self.bit_rate,
            "start_time": self.start_time,
            "probe_score": self.probe_score,
            "major_brand": self.major_brand,
            "compatible_brands": self.compatible_brands,
            "chapters": self.chapters,
            "tags": self.tags,
        }


def _tags(raw: dict[str, Any] | None) -> dict[str, str]:
    return {str(k): str(v) for k, v in (raw or {}).items()}


def _rotation(stream: dict[str, Any]) -> float | None:
    for side in stream.get("side_data_list") or []:
        if "rotation" in side:
            return _number(side["rotation"])
    legacy = (stream.get("tags") or {}).get("rotate")
    # The legacy tag counts clockwise; the display matrix counter-clockwise.
    return -_number(legacy) if legacy is not None and _number(legacy) is not None else None


def parse_streams(doc: dict[str, Any]) -> list[StreamInfo]:
    """Stream value objects from ffprobe's ``streams`` array."""
    streams = []
    for raw in doc.get("streams") or []:
        kind = raw.get("codec_type") or "unknown"
        common = dict(
            index=int(raw.get("index", len(streams))),
            kind=kind,
            codec=raw.get("codec_name"),
            codec_long=raw.get("codec_long_name"),
            profile=raw.get("profile"),
            level=_number(raw.get("level"), int),
            duration=_number(raw.get("duration")),
            bit_rate=_number(raw.get("bit_rate"), int),
            frames=_number(raw.get("nb_frames"), int),
            tags=_tags(raw.get("tags")),
        )
        if kind == "video":
            streams.append(
                StreamInfo(
                    **common,
                    width=_number(raw.get("width"), int),
                    height=_number(raw.get("height"), int),
                    sample_aspect_ratio=raw.get("sample_aspect_ratio"),
                    display_aspect_ratio=raw.get("display_aspect_ratio"),
                    pixel_format=raw.get("pix_fmt"),
                    r_frame_rate=raw.get("r_frame_rate"),
                    avg_frame_rate=raw.get("avg_frame_rate"),
                    rotation=_rotation(raw),
                    side_data=tuple(raw.get("side_data_list") or ()),
                    attached_picture=bool((raw.get("disposition") or {}).get("attached_pic")),
                )
            )
        elif kind == "audio":
            streams.append(
                StreamInfo(
                    **common,
                    sample_rate=_number(raw.get("sample_rate"), int),
                    channels=_number(raw.get("channels"), int),
                    channel_layout=raw.get("channel_layout"),
                )
            )
        else:
            streams.append(StreamInfo(**common))
    return streams


def parse_container(doc: dict[str, Any]) -> ContainerInfo:
    """Container value object from ffprobe's ``format`` object."""
    fmt = doc.get("format") or {}
    tags = _tags(fmt.get("tags"))
    return ContainerInfo(
        format_name=fmt.get("format_name") or "unknown",
        format_long_name=fmt.get("format_long_name"),
        duration=_number(fmt.get("duration")),
        bit_rate=_number(fmt.get("bit_rate"), int),
        start_time=_number(fmt.get("start_time")),
        probe_score=_number(fmt.get("probe_score"), int),
        major_brand=tags.get("major_brand", "").strip() or None,
        compatible_brands=tags.get("compatible_brands"),
        tags=tags,
        chapters=len(doc.get("chapters") or []),
    )


# --- stills --------------------------------------------------------------


class _LogNotes(logging.Handler):
    """Collects what exifread logs about a file, for the result's notes."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.notes: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        text = record.getMessage().strip()
        if text and not _NO_EXIF_RE.search(text) and len(self.notes) < _MAX_EXIF_NOTES:
            self.notes.append(f"EXIF reader: {_one_line(text)}")


# exifread's word for "this file carries no EXIF": not a problem worth a note.
_NO_EXIF_RE = re.compile(r"(does not have|no) exif", re.IGNORECASE)
_MAX_EXIF_NOTES = 20  # a damaged block can yield one warning per tag
_MAX_TAG_TEXT = 1000  # characters of one tag's value shown (a bad count can claim millions)


def _one_line(text: str, limit: int = 300) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


_EXIF_LOCK = threading.Lock()


def read_exif(block: bytes) -> tuple[dict[str, Any], list[str]]:
    """EXIF tags of a TIFF block as plain Python values (no thumbnails), and notes.

    The block is what `verify.media.stills` found in the file (JPEG APP1,
    WebP/PNG chunk, HEIF item), so it is read wherever the camera put it.
    The notes are what the reader said about damage it met (it skips what
    it cannot read); nothing goes to stderr.
    """
    # exifread is imported here, for stills: matching and hashing video never need it.
    import exifread
    from exifread.serialize import convert_types

    notes: list[str] = []
    # exifread logs through one shared logger: one block at a time, so that a
    # file's warnings are never another's (a Dask worker reads in threads).
    with _EXIF_LOCK:
        logger = logging.getLogger("exifread")
        handler = _LogNotes()
        logger.addHandler(handler)
        propagate, logger.propagate = logger.propagate, False
        try:
            raw = exifread.process_file(io.BytesIO(block), details=False, extract_thumbnail=False)
        except Exception as exc:  # exifread raises assorted errors on damaged blocks
            raw = {}
            notes.append(f"EXIF not read: the reader failed ({type(exc).__name__}: {exc})")
        finally:
            logger.removeHandler(handler)
            logger.propagate = propagate
    tags: dict[str, Any] = {}
    for key, tag in raw.items():
        try:  # one tag at a time: a damaged one costs only itself
            tags.update(convert_types({key: tag}))
        except Exception as exc:
            notes.append(f"EXIF tag {key} skipped: its value cannot be read ({type(exc).__name__})")
    for key, tag in raw.items():
        # The plain conversion turns n/0 into n: a number that was never written.
        values = getattr(tag, "values", None)
        if isinstance(values, list) and any(
            isinstance(v, Fraction) and v.denominator == 0 for v in values
        ):
            tags[key] = str(tag)
    return {str(k): v for k, v in tags.items()}, handler.notes + notes[:_MAX_EXIF_NOTES]


def exif_as_text(tags: dict[str, Any]) -> dict[str, str]:
    """EXIF values rendered as strings for display and JSON (very long ones cut)."""
    text = {}
    for key, value in tags.items():
        if isinstance(value, bytes):  # text that is not UTF-8: shown byte for byte
            shown = value.decode("utf-8", "backslashreplace")
        else:
            shown = value if isinstance(value, str) else repr(value)
        if len(shown) > _MAX_TAG_TEXT:
            count = f", {len(value)} values" if isinstance(value, (list, tuple)) else ""
            shown = f"{shown[:_MAX_TAG_TEXT]}… (cut{count})"
        text[key] = shown
    return text


# --- interpretation ---------------------------------------------------------

# Where devices write make, model and software. Keys are ffprobe tag names
# (QuickTime metadata keys, Android keys, udta atoms as ffmpeg names them).
_MAKE_KEYS = (
    "com.apple.quicktime.make", "com.android.manufacturer", "make", "Image Make", "XMP tiff:Make",
    "AVCHD MDPM make",
)  # fmt: skip
_MODEL_KEYS = (
    "com.apple.quicktime.model", "com.android.model", "model", "Image Model", "XMP tiff:Model",
    "AVCHD MDPM model",
)  # fmt: skip
_SOFTWARE_KEYS = (
    "com.apple.quicktime.software",
    "com.android.version",
    "software",
    "Image Software",
    "PNG Software",
)
# Lens and the identifiers that tie a file to one camera body or one shot.
_EXTRA_DEVICE_KEYS = {
    "lens_make": ("EXIF LensMake",),
    "lens_model": ("EXIF LensModel", "com.apple.quicktime.camera.lens_model"),
    "serial_number": ("EXIF BodySerialNumber", "Image CameraSerialNumber"),
    "lens_serial_number": ("EXIF LensSerialNumber",),
    "image_unique_id": ("EXIF ImageUniqueID",),
    "content_identifier": (
        "com.apple.quicktime.content.identifier",
        "MakerNote Apple ContentIdentifier",
    ),
}
# Creation-time sources, most trustworthy first: the QuickTime key carries the
# recording zone; the movie header and udta date are UTC by specification.
_TIME_KEYS = ("com.apple.quicktime.creationdate", "AVCHD MDPM time", "creation_time", "date")
_ZONED_TIME_KEYS = {"com.apple.quicktime.creationdate", "AVCHD MDPM time"}  # zone written
_LOCATION_KEYS = ("com.apple.quicktime.location.ISO6709", "location", "location-eng")


@dataclasses.dataclass(frozen=True)
class Device:
    """Make, model and software as recorded, each with its source tag."""

    make: str | None = None
    model: str | None = None
    software: str | None = None
    sources: dict[str, str] = dataclasses.field(default_factory=dict)
    lens_make: str | None = None
    lens_model: str | None = None
    serial_number: str | None = None
    lens_serial_number: str | None = None
    image_unique_id: str | None = None
    content_identifier: str | None = None  # Apple: pairs a Live Photo's still and video

    @property
    def is_empty(self) -> bool:
        return not (self.make or self.model or self.software)

    def to_dict(self) -> dict[str, object]:
        return {
            "make": self.make,
            "model": self.model,
            "software": self.software,
            "lens_make": self.lens_make,
            "lens_model": self.lens_model,
            "serial_number": self.serial_number,
            "lens_serial_number": self.lens_serial_number,
            "image_unique_id": self.image_unique_id,
            "content_identifier": self.content_identifier,
            "sources": self.sources,
        }


@dataclasses.dataclass(frozen=True)
class Capture:
    """The capture facts a file claims: when, with what, where, written by what."""

    creation_time: RecordedTime | None
    other_times: tuple[RecordedTime, ...]
    device: Device
    location: GeoPoint | None
    encoders: tuple[tuple[str, str], ...]  # (where, value), e.g. ("format tag encoder", "Lavf60")

    @property
    def has_capture_metadata(self) -> bool:
        """True if anything beyond a bare container time says how it was recorded."""
        return (
            not self.device.is_empty
            or self.location is not None
            or any(
                t.source not in {"creation_time", "stream creation_time"} for t in self.all_times
            )
        )

    @property
    def all_times(self) -> tuple[RecordedTime, ...]:
        first = (self.creation_time,) if self.creation_time else ()
        return first + self.other_times

    def to_dict(self) -> dict[str, object]:
        return {
            "creation_time": self.creation_time.to_dict() if self.creation_time else None,
            "other_times": [t.to_dict() for t in self.other_times],
            "device": self.device.to_dict(),
            "location": self.location.to_dict() if self.location else None,
            "encoders": [{"where": w, "value": v} for w, v in self.encoders],
        }


def _first(tags: dict[str, str], keys: tuple[str, ...]) -> tuple[str, str] | None:
    for key in keys:
        value = tags.get(key, "").strip()
        if value:
            return key, value
    return None


def _device(tags: dict[str, str], exif: dict[str, str] | None = None) -> Device:
    keys_by_field = {"make": _MAKE_KEYS, "model": _MODEL_KEYS, "software": _SOFTWARE_KEYS}
    found = {name: _first(tags, keys) for name, keys in keys_by_field.items()}
    extra = {name: _first(exif or tags, keys) for name, keys in _EXTRA_DEVICE_KEYS.items()}
    return Device(
        make=found["make"][1] if found["make"] else None,
        model=found["model"][1] if found["model"] else None,
        software=found["software"][1] if found["software"] else None,
        sources={name: hit[0] for name, hit in (found | extra).items() if hit},
        **{name: hit[1] if hit else None for name, hit in extra.items()},
    )


def _container_time(text: str, source: str, *, utc: bool) -> RecordedTime | None:
    """A container time field; ``utc`` where the format defines it as UTC.

    ffprobe writes such fields with a ``Z``: that is the format's definition,
    not a zone the device wrote, so it is marked as assumed.
    """
    flat = text.strip()
    if utc and flat.endswith(("Z", "UTC")):
        flat = flat.removesuffix("UTC").removesuffix("Z").strip()
    parsed = parse_recorded_time(flat, source, naive_is_utc=utc)
    return dataclasses.replace(parsed, original=text) if parsed else None


def interpret_video(
    container: ContainerInfo,
    streams: list[StreamInfo],
    signatures: list[tuple[str, str]],
    camera: CameraBlock | None = None,
    xmp: XmpFacts | None = None,
) -> Capture:
    """Capture facts from container and stream tags, encoder signatures and an AVCHD block."""
    tags = dict(container.tags)
    if camera is not None:
        tags.update({k: v for k, v in (
            ("AVCHD MDPM make", camera.make), ("AVCHD MDPM model", camera.model),
            ("AVCHD MDPM time", camera.recorded),
        ) if v})  # fmt: skip
    # AVI's date (IDIT) is the camera's wall clock; the other containers' own
    # time fields are UTC by their specifications (ffprobe adds a Z).
    wall_clock = container.format_name == "avi"
    times: list[RecordedTime] = []
    for key in _TIME_KEYS:
        if tags.get(key):
            source = "AVI IDIT (camera clock)" if wall_clock and key == "creation_time" else key
            parsed = _container_time(
                tags[key], source, utc=key not in _ZONED_TIME_KEYS and not wall_clock
            )
            if parsed:
                times.append(parsed)
    for stream in streams:
        value = stream.tags.get("creation_time")
        if value and not any(t.original == value for t in times):
            parsed = _container_time(value, "stream creation_time", utc=True)
            if parsed and not any(t.utc == parsed.utc for t in times):
                times.append(parsed)
    # A time written with its zone says more than one UTC by definition: first.
    times.sort(key=lambda t: t.zone is None or t.assumed_utc)
    location = None
    for key in _LOCATION_KEYS:
        if tags.get(key):
            location = parse_iso6709(tags[key], key)
            if location:
                break
    encoders: list[tuple[str, str]] = []
    if tags.get("encoder"):
        encoders.append(("format tag encoder", tags["encoder"]))
    if xmp is not None and xmp.creator_tool:
        encoders.append(("XMP CreatorTool", xmp.creator_tool))
    encoders.extend(("XMP History", agent) for agent in (xmp.software_agents if xmp else ()))
    for stream in streams:
        for key in ("encoder", "handler_name", "vendor_id"):
            value = stream.tags.get(key)
            if value and value != "[0][0][0][0]":  # an empty vendor id
                encoders.append((f"stream {stream.index} {key}", value))
    encoders.extend(signatures)
    return Capture(
        creation_time=times[0] if times else None,
        other_times=tuple(times[1:]),
        device=_device(tags),
        location=location,
        encoders=tuple(encoders),
    )


def interpret_still(
    exif: dict[str, Any], still: StillFacts | None = None, config: InspectConfig = INSPECT
) -> tuple[Capture, list[str]]:
    """Capture facts from a still's EXIF, XMP, text chunks and comments, and notes.

    EXIF comes first; XMP and PNG text fill what EXIF lacks. A tag with a
    value of the wrong type or shape (a damaged or hostile file) is skipped
    and named in a note; it never costs the rest.
    """
    text = {k: v for k, v in exif_as_text(exif).items() if _written(v)}
    if still is None:  # the XMP reader (ElementTree) is loaded for stills only
        from verify.inspection.xmp import XmpFacts

        xmp = XmpFacts()
    else:
        xmp = still.xmp
    gps_time = _gps_time(exif)
    times: list[RecordedTime] = []
    for key, offset_key in (
        ("EXIF DateTimeOriginal", "EXIF OffsetTimeOriginal"),
        ("EXIF DateTimeDigitized", "EXIF OffsetTimeDigitized"),
        ("Image DateTime", "EXIF OffsetTime"),
    ):
        if text.get(key):
            parsed = parse_recorded_time(
                text[key], key, zone=text.get(offset_key), zone_source=offset_key
            )
            if parsed and parsed.utc is None and gps_time is not None:
                parsed = _zone_from_gps(parsed, gps_time, config) or parsed
            if parsed:
                times.append(parsed)
    modified = [t for t in times if t.source == "Image DateTime"]  # when it was last written
    times = [t for t in times if t.source != "Image DateTime"]
    for source, value in (
        ("XMP exif:DateTimeOriginal", xmp.date_time_original),
        ("IPTC DateCreated", _iptc_time(still.iptc if still else ())),
        ("XMP photoshop:DateCreated", xmp.date_created),
        ("XMP xmp:CreateDate", xmp.create_date),
    ):
        parsed = parse_recorded_time(value, source) if value else None
        if parsed and not any(t.local == parsed.local for t in times):
            times.append(parsed)
    times.extend(modified)
    if gps_time is not None:
        times.append(gps_time)
    location, notes = _exif_location(exif)
    fields = dict(text)
    if xmp.make:
        fields.setdefault("XMP tiff:Make", xmp.make)
    if xmp.model:
        fields.setdefault("XMP tiff:Model", xmp.model)
    texts = dict(still.texts) if still else {}
    if texts.get("Software", "").strip():
        fields.setdefault("PNG Software", texts["Software"])
    encoders: list[tuple[str, str]] = []
    if text.get("Image Software"):
        encoders.append(("EXIF Software", text["Image Software"]))
    if xmp.creator_tool:
        encoders.append(("XMP CreatorTool", xmp.creator_tool))
    encoders.extend(("XMP History", agent) for agent in xmp.software_agents)
    if texts.get("Software"):
        encoders.append(("PNG Software", texts["Software"]))
    for comment in still.comments if still else ():
        if comment.strip():
            encoders.append(("JPEG comment", _one_line(comment, 200)))
    creation = next((t for t in times if t.source != "GPS GPSDateStamp"), None)
    capture = Capture(
        creation_time=creation,
        other_times=tuple(t for t in times if t is not creation),
        device=_device(fields, text),
        location=location,
        encoders=tuple(encoders),
    )
    return capture, notes


def _iptc_time(datasets: tuple[tuple[str, str], ...]) -> str | None:
    """IPTC DateCreated (2:55, CCYYMMDD) with TimeCreated (2:60, HHMMSS±HHMM) as ISO text."""
    found = dict(datasets)
    date, clock = found.get("2:55", ""), found.get("2:60", "")
    if not re.fullmatch(r"\d{8}", date):
        return None
    text = f"{date[:4]}-{date[4:6]}-{date[6:]}"
    match = re.fullmatch(r"(\d{2})(\d{2})(\d{2})(?:([+-]\d{2})(\d{2}))?", clock)
    if match:
        text += f"T{match[1]}:{match[2]}:{match[3]}"
        if match[4]:
            text += f"{match[4]}:{match[5]}"
    return text


def _written(value: str) -> bool:
    """False for a tag that holds nothing: empty, blanks, NULs, or exifread's None."""
    return bool(value.strip(" \x00")) and value != "None"


def _gps_time(exif: dict[str, Any]) -> RecordedTime | None:
    """GPSDateStamp with GPSTimeStamp: the satellite clock's UTC time of the fix."""
    date = exif.get("GPS GPSDate", exif.get("GPS GPSDateStamp"))  # exifread names it GPSDate
    if not isinstance(date, str) or not date.strip():
        return None
    try:
        hours, minutes, seconds = _numbers(exif, "GPS GPSTimeStamp", 3, 3)
    except _BadTag:
        return None
    if not (0 <= hours < 24 and 0 <= minutes < 60 and 0 <= seconds < 61):
        return None
    clock = f"{int(hours):02d}:{int(minutes):02d}:{int(seconds):02d}"
    written = f"{date.strip()} {clock}"
    return parse_recorded_time(written, "GPS GPSDateStamp", zone="Z", zone_source="GPS")


def _zone_from_gps(
    recorded: RecordedTime, gps: RecordedTime, config: InspectConfig
) -> RecordedTime | None:
    """``recorded`` with the zone the GPS clock implies, if the two agree to a real zone."""
    assert gps.utc is not None
    local = dt.datetime.fromisoformat(recorded.local).replace(tzinfo=dt.timezone.utc)
    difference = (local - gps.utc).total_seconds()
    quarter = round(difference / 900) * 900  # zones are whole quarter hours
    if abs(quarter) > 14 * 3600 or abs(difference - quarter) > config.gps_zone_slack_s:
        return None
    sign = "-" if quarter < 0 else "+"
    zone = f"{sign}{abs(quarter) // 3600:02.0f}:{abs(quarter) % 3600 // 60:02.0f}"
    return parse_recorded_time(
        recorded.original, recorded.source, zone=zone, zone_source="GPS time of the fix"
    )


class _BadTag(ValueError):
    """An EXIF tag whose value is not of the type its definition gives."""


def _exif_location(exif: dict[str, Any]) -> tuple[GeoPoint | None, list[str]]:
    """The EXIF GPS position, or None and a note saying why there is none.

    A receiver that had no fix writes GPSStatus V (void), or zeros in every
    field: neither is a position, and 0°, 0° would be cited as one.
    """
    if "GPS GPSLatitude" not in exif or "GPS GPSLongitude" not in exif:
        return None, []
    notes: list[str] = []
    status = exif.get("GPS GPSStatus")
    if isinstance(status, str) and status.strip().upper().startswith("V"):
        return None, ["EXIF GPS position not used: GPSStatus is V (void, no fix)"]
    try:
        latitude = _dms(exif, "GPS GPSLatitude")
        longitude = _dms(exif, "GPS GPSLongitude")
        lat_ref = _reference(exif, "GPS GPSLatitudeRef", "NS", "N")
        lon_ref = _reference(exif, "GPS GPSLongitudeRef", "EW", "E")
    except _BadTag as exc:
        return None, [f"EXIF GPS position skipped: {exc}"]
    altitude = altitude_ref = None
    try:
        if exif.get("GPS GPSAltitude") is not None:
            altitude = _numbers(exif, "GPS GPSAltitude", 1, 1)[0]
            if exif.get("GPS GPSAltitudeRef") is not None:
                altitude_ref = int(_numbers(exif, "GPS GPSAltitudeRef", 1, 1)[0])
    except _BadTag as exc:
        altitude = None
        notes.append(f"EXIF GPS altitude skipped: {exc}")
    if not any(latitude) and not any(longitude):
        return None, ["EXIF GPS position not used: latitude and longitude are both zero (no fix)"]
    point = from_exif_dms(latitude, lat_ref, longitude, lon_ref, altitude, altitude_ref, "EXIF GPS")
    if point is None:
        notes.append("EXIF GPS position skipped: it lies outside the globe's range")
    return point, notes


def _numbers(exif: dict[str, Any], key: str, least: int, most: int) -> list[float]:
    """A tag's value as ``least``..``most`` finite numbers, else `_BadTag` naming it."""
    value = exif.get(key)
    values = value if isinstance(value, (list, tuple)) else [value]
    numbers = []
    for item in values:
        if isinstance(item, bool) or not isinstance(item, (int, float)):
            break
        try:
            number = float(item)
        except OverflowError:
            break
        if not math.isfinite(number):
            break
        numbers.append(number)
    if len(numbers) != len(values) or not least <= len(numbers) <= most:
        shown = "no value" if value is None else _one_line(repr(value), 60)
        wanted = "one number" if least == most == 1 else f"{least} to {most} numbers"
        raise _BadTag(f"{key.split()[-1]} holds {shown}, not {wanted}")
    return numbers


def _dms(exif: dict[str, Any], key: str) -> list[float]:
    """Degrees, minutes and seconds (EXIF writes three; one or two are read as given)."""
    return _numbers(exif, key, 1, 3)


def _reference(exif: dict[str, Any], key: str, allowed: str, default: str) -> str:
    value = exif.get(key)
    if value is None:
        return default
    if not isinstance(value, str) or value.strip()[:1].upper() not in allowed:
        shown = _one_line(repr(value), 40)
        raise _BadTag(f"{key.split()[-1]} is {shown}, not one of {', '.join(allowed)}")
    return value.strip()
