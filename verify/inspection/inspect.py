"""`inspect_file`: everything `verify inspect` reports about one file."""

from __future__ import annotations

import dataclasses
import datetime as dt
import os
import struct
from typing import Any

from verify.config import INSPECT
from verify.errors import InputError, UnreadableMedia, display_path
from verify.inspection.c2pa import C2paFacts, read_c2pa
from verify.inspection.flags import Flag, FlagInput, evaluate_flags
from verify.inspection.metadata import (
    Capture,
    ContainerInfo,
    StreamInfo,
    exif_as_text,
    interpret_still,
    interpret_video,
    parse_container,
    parse_streams,
    read_exif,
)
from verify.inspection.signatures import scan_signatures
from verify.inspection.still import StillFacts, read_still_facts
from verify.inspection.xmp import XmpFacts, xmp_facts
from verify.media.ffmpeg import ffprobe_json
from verify.media.filehash import FileDigest, hash_file
from verify.media.filetype import FileType, sniff
from verify.media.isobmff import BoxLayout, read_layout
from verify.media.mpegts import read_camera_block
from verify.media.riff import read_avi_header
from verify.media.tiff import apple_content_identifier
from verify.media.walk import check_readable_file
from verify.timestamps import format_utc

SCHEMA_VERSION = (
    "1.3"  # 1.1 added `notes`; 1.2 `still`, lens and serial fields, zone_source; 1.3 `c2pa`
)
# The per-file error entry that `inspect`, `hash` and `index add` print in
# place of a result: its own shape, versioned apart from the results.

# mov/mp4 demuxer options that make ffprobe report more: XMP packets and
# atoms it does not otherwise interpret (as tags).
_ISO_DEMUXER_OPTIONS = {"export_xmp": "1", "export_all": "1"}
# ffprobe's score for a format chosen from the file name alone (libavformat's
# AVPROBE_SCORE_EXTENSION); content matches score higher.
_EXTENSION_ONLY_SCORE = 50
# Demuxers for terminal and text art that accept any bytes at all.
_TEXT_ART_FORMATS = {"tty", "bin", "adf", "idf"}


@dataclasses.dataclass(frozen=True)
class Inspection:
    """The full result for one file."""

    path: str
    digest: FileDigest
    mtime: dt.datetime
    filetype: FileType
    container: ContainerInfo | None
    streams: tuple[StreamInfo, ...]
    capture: Capture
    flags: tuple[Flag, ...]
    layout: BoxLayout | None = None
    exif: dict[str, str] = dataclasses.field(default_factory=dict)
    notes: tuple[str, ...] = ()  # what could not be read, and was skipped
    still: StillFacts | None = None
    xmp: XmpFacts | None = None
    c2pa: C2paFacts | None = None

    @property
    def media_kind(self) -> str:
        if self.filetype.is_still:
            return "image"
        if any(s.kind == "video" and not s.attached_picture for s in self.streams):
            return "video"
        return "audio" if any(s.kind == "audio" for s in self.streams) else "other"

    def to_dict(self) -> dict[str, Any]:
        return {
            "schema_version": SCHEMA_VERSION,
            "path": self.path,
            "ok": True,
            "media_kind": self.media_kind,
            "file": {
                "name": os.path.basename(self.path),
                **self.digest.to_dict(),
                "mtime": format_utc(self.mtime),
                **self.filetype.to_dict(),
            },
            "container": self.container.to_dict() if self.container else None,
            "streams": [s.to_dict() for s in self.streams],
            "capture": self.capture.to_dict(),
            "flags": [f.to_dict() for f in self.flags],
            "layout": self.layout.to_dict() if self.layout else None,
            "still": self.still.to_dict() if self.still else None,
            "xmp": self.xmp.to_dict() if self.xmp and not self.xmp.is_empty else None,
            "c2pa": self.c2pa.to_dict() if self.c2pa else None,
            "exif": self.exif,
            "notes": list(self.notes),
        }


def inspect_file(
    path: str | os.PathLike[str] | bytes,
    *,
    timeout: float = INSPECT.probe_timeout_s,
    now: dt.datetime | None = None,
) -> Inspection:
    """Hash, probe and interpret one file; raise a `VerifyError` if it cannot be read."""
    before = check_readable_file(path)
    now = now or dt.datetime.now(dt.timezone.utc)
    try:
        filetype = sniff(path)
        digest = hash_file(path)
        layout = read_layout(path) if filetype.is_iso else None
        signatures = scan_signatures(path) if not filetype.is_still else []
    except PermissionError:
        raise InputError("permission denied while reading", path) from None
    except OSError as exc:
        raise InputError(f"read failed: {exc.strerror or exc}", path) from None
    after = os.stat(path)
    if (after.st_size, after.st_mtime_ns) != (before.st_size, before.st_mtime_ns):
        raise InputError("the file changed while it was being read; inspect it again", path)
    mtime = dt.datetime.fromtimestamp(before.st_mtime, dt.timezone.utc)

    if filetype.kind == "text":
        raise UnreadableMedia("not a media file: the content is plain text", path)
    if filetype.is_still:
        return _inspect_still(path, digest, mtime, filetype, now, timeout)

    try:
        options = _ISO_DEMUXER_OPTIONS if filetype.is_iso else None
        doc = ffprobe_json(path, timeout=timeout, demuxer_options=options)
    except UnreadableMedia as exc:
        raise UnreadableMedia(_explain_probe_failure(exc.message, filetype, layout), path) from None
    container = parse_container(doc)
    streams = tuple(parse_streams(doc))
    if container.format_name in _TEXT_ART_FORMATS or (
        filetype.kind == "unknown" and (container.probe_score or 0) <= _EXTENSION_ONLY_SCORE
    ):
        raise UnreadableMedia(
            f"not a recognisable media file (ffprobe only guessed {container.format_name!r} "
            "from the name, not the content)",
            path,
        )
    if not any(s.kind in {"video", "audio"} for s in streams):
        raise UnreadableMedia(
            f"no audio or video streams (ffprobe read it as {container.format_name})", path
        )
    camera = read_camera_block(path) if filetype.kind == "mpegts" else None
    measured = container.duration
    container, notes = _declared_duration(path, container, filetype, layout)
    declared_differs = bool(notes)
    packet = container.tags.get("xmp", "")
    xmp = xmp_facts([packet.encode("utf-8")]) if packet else XmpFacts()
    notes.extend(xmp.notes)
    capture = interpret_video(container, list(streams), signatures, camera, xmp)
    credentials = read_c2pa(path)
    facts = FlagInput(
        filetype, capture, mtime, now, container, streams, layout, tuple(signatures),
        measured_duration=(measured or 0.0) if declared_differs else None, xmp=xmp,
        c2pa=credentials,
    )  # fmt: skip
    return Inspection(
        display_path(path), digest, mtime, filetype, container, streams, capture,
        tuple(evaluate_flags(facts)), layout, notes=tuple(notes), xmp=xmp, c2pa=credentials,
    )  # fmt: skip


def _declared_duration(
    path: str | os.PathLike[str] | bytes,
    container: ContainerInfo,
    filetype: FileType,
    layout: BoxLayout | None,
) -> tuple[ContainerInfo, list[str]]:
    """The container with the duration its header declares, where ffprobe measured another.

    ffprobe measures the media it finds; a file cut short, or stripped of
    its media, still declares its length in the movie header (MP4) or main
    header (AVI). The header is what the recorder wrote: it is reported,
    and the difference is noted.
    """
    declared = source = None
    if layout is not None and layout.movie_duration:
        declared, source = layout.movie_duration, "movie header (mvhd)"
    elif filetype.kind == "avi":
        header = read_avi_header(path)
        declared, source = (header.duration, "AVI main header (avih)") if header else (None, None)
    measured = container.duration
    if declared is None or (
        measured and abs(declared - measured) <= max(INSPECT.duration_slack_s, 0.02 * declared)
    ):
        return container, []
    shown = f"{measured:.3f} s" if measured else "no duration"
    note = f"duration {declared:.3f} s is from the {source}; ffprobe measured {shown} of media"
    return dataclasses.replace(container, duration=declared), [note]


def _explain_probe_failure(message: str, filetype: FileType, layout: BoxLayout | None) -> str:
    if filetype.is_iso and layout is not None and "moov" not in layout.box_order:
        if layout.truncated_by:
            return (
                f"truncated MP4/QuickTime: the file ends {layout.truncated_by:,} bytes early and "
                "its index (moov) is missing, as after an interrupted download or copy"
            )
        return "incomplete MP4/QuickTime: the index (moov) is missing"
    if filetype.kind in {"unknown", "empty"}:
        return f"not a recognisable media file ({message})"
    return message


def _inspect_still(
    path: str | os.PathLike[str] | bytes,
    digest: FileDigest,
    mtime: dt.datetime,
    filetype: FileType,
    now: dt.datetime,
    timeout: float,
) -> Inspection:
    notes: list[str] = []
    still, block = read_still_facts(path, filetype.kind)
    notes.extend(still.notes)
    exif: dict[str, Any] = {}
    if block is not None:
        exif, exif_notes = read_exif(block)
        notes.extend(exif_notes)
        try:
            identifier = apple_content_identifier(block)
        except struct.error:
            identifier = None
        if identifier:
            exif["MakerNote Apple ContentIdentifier"] = identifier
    container = None
    streams: tuple[StreamInfo, ...] = ()
    try:
        doc = ffprobe_json(path, timeout=timeout)
        container, streams = parse_container(doc), tuple(parse_streams(doc))
    except UnreadableMedia:
        # ffprobe cannot read every still (HEIC grids, a damaged picture); what
        # the structure declared may still be there.
        if not exif and still.width is None:
            raise UnreadableMedia(f"cannot read this {filetype.kind} image", path) from None
        notes.append(
            "ffprobe could not decode the picture; size and metadata are from the file's structure"
        )
    if streams and still.width is not None:
        video = next((s for s in streams if s.kind == "video"), None)
        if video and (video.width, video.height) != (still.width, still.height):
            notes.append(
                f"ffprobe reports {video.width}x{video.height}, the file's structure declares "
                f"{still.width}x{still.height} ({still.size_source}); the structure is reported"
            )
    capture, skipped = interpret_still(exif, still)
    credentials = read_c2pa(path)
    facts = FlagInput(filetype, capture, mtime, now, container, streams, still=still,
                      xmp=still.xmp, c2pa=credentials)  # fmt: skip
    return Inspection(
        display_path(path), digest, mtime, filetype, container, streams, capture,
        tuple(evaluate_flags(facts)), exif=exif_as_text(exif), notes=(*notes, *skipped),
        still=still, xmp=still.xmp, c2pa=credentials,
    )  # fmt: skip
