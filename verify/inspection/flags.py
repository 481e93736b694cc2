"""Forensic flags: signals in a file's metadata an investigator should weigh.

Each flag has a stable ``code`` (safe to script against), a ``severity``
(``info`` < ``notice`` < ``warning``), one sentence a journalist can read,
and the evidence that raised it. A flag is a reason to look closer, never a
verdict on authenticity by itself.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re

from verify.config import INSPECT, InspectConfig
from verify.inspection.c2pa import C2paFacts
from verify.inspection.metadata import Capture, ContainerInfo, StreamInfo
from verify.inspection.still import StillFacts
from verify.inspection.xmp import XmpFacts
from verify.media.filetype import FileType
from verify.media.isobmff import BoxLayout, EditList
from verify.timestamps import format_utc

SEVERITIES = ("info", "notice", "warning")

# Names of editing and conversion software as they appear in encoder tags,
# XMP CreatorTool and EXIF Software.
_EDITORS_RE = re.compile(
    r"premiere|after effects|final cut|imovie|davinci|resolve|capcut|inshot|kinemaster|"
    r"handbrake|vegas|filmora|camtasia|shotcut|openshot|kdenlive|lightworks|vn video|"
    r"photoshop|lightroom|gimp|snapseed|picsart|facetune|affinity|pixelmator",
    re.IGNORECASE,
)
_FFMPEG_RE = re.compile(r"^(Lavf|Lavc)|^FFMP$")


@dataclasses.dataclass(frozen=True)
class Flag:
    """One forensic signal."""

    code: str
    severity: str
    message: str
    evidence: str

    def to_dict(self) -> dict[str, str]:
        return dataclasses.asdict(self)


@dataclasses.dataclass(frozen=True)
class FlagInput:
    """Everything the rules look at, gathered by `verify.inspection.inspect`."""

    filetype: FileType
    capture: Capture
    mtime: dt.datetime
    now: dt.datetime
    container: ContainerInfo | None = None
    streams: tuple[StreamInfo, ...] = ()
    layout: BoxLayout | None = None
    signatures: tuple[tuple[str, str], ...] = ()
    still: StillFacts | None = None
    measured_duration: float | None = None  # ffprobe's, where a header declared another
    xmp: XmpFacts | None = None
    c2pa: C2paFacts | None = None


def _c2pa_flags(facts: FlagInput, config: InspectConfig) -> list[Flag]:
    """A C2PA store: valid (info) or not (warning), and a generative-AI claim in it."""
    found = facts.c2pa
    if found is None:
        return []
    who = f"signed by {found.signer or 'an unnamed signer'}" + (
        f" ({found.issuer})" if found.issuer else ""
    )
    flags = []
    if found.state in ("valid", "trusted") and not found.problems:
        trust = (
            "; the signing certificate chains to no trust anchor known here, so the signature "
            "shows integrity, not who the signer is"
            if found.untrusted_signer
            else ""
        )
        flags.append(Flag(
            "c2pa_valid", "info",
            f"The file carries a valid C2PA manifest ({found.claim_generator or 'unknown tool'}, "
            f"{who}): the file is as that signer recorded it{trust}.",
            f"actions: {', '.join(found.actions) or 'none'}",
        ))  # fmt: skip
    else:
        flags.append(Flag(
            "c2pa_invalid", "warning",
            f"The file carries a C2PA manifest ({who}) that does not validate: the file or the "
            "manifest changed after signing, or the manifest is damaged.",
            "; ".join(found.problems) or f"state {found.state}",
        ))  # fmt: skip
    if found.ai_generated:
        flags.append(Flag(
            "ai_generated_claim", "warning",
            "The C2PA manifest declares the content made or altered by generative AI.",
            f"digitalSourceType={', '.join(found.digital_source_types)}",
        ))  # fmt: skip
    return flags


def evaluate_flags(facts: FlagInput, config: InspectConfig = INSPECT) -> list[Flag]:
    """All flags raised by ``facts``, most severe first."""
    flags: list[Flag] = []
    for rule in _RULES:
        flags.extend(rule(facts, config))
    return sorted(flags, key=lambda f: -SEVERITIES.index(f.severity))


def _encoding_flags(facts: FlagInput, config: InspectConfig) -> list[Flag]:
    flags = []
    ffmpeg = [
        f"{where}={value}" for where, value in facts.capture.encoders if _FFMPEG_RE.search(value)
    ]
    if ffmpeg:
        flags.append(Flag(
            "reencoded_ffmpeg", "warning",
            "Written by FFmpeg (libavformat/libavcodec): the file was converted or re-encoded by "
            "software after capture, for example by an upload service, an editor or a converter.",
            "; ".join(ffmpeg),
        ))  # fmt: skip
    for kind, text in facts.signatures:
        if kind.startswith(("x264", "x265")):
            flags.append(Flag(
                "software_encoder", "warning",
                f"The video was compressed by the {kind.split()[0]} software encoder, which phones "
                "and cameras do not use: this is a re-encoded copy, not the camera file.",
                text,
            ))  # fmt: skip
    editors = [f"{where}={value}" for where, value in facts.capture.encoders
               if _EDITORS_RE.search(value)]  # fmt: skip
    if facts.capture.device.software and _EDITORS_RE.search(facts.capture.device.software):
        editors.append(f"software={facts.capture.device.software}")
    if editors:
        flags.append(Flag(
            "edited_with_software", "warning",
            "The metadata names editing or conversion software: the file was processed after "
            "capture.",
            "; ".join(dict.fromkeys(editors)),
        ))  # fmt: skip
    return flags


def _metadata_flags(facts: FlagInput, config: InspectConfig) -> list[Flag]:
    capture = facts.capture
    flags = []
    if not capture.has_capture_metadata:
        flags.append(Flag(
            "capture_metadata_absent", "notice",
            "No device, place or recording-time metadata: it was never written or has been "
            "stripped, as messaging apps and social networks do on upload.",
            "no make, model, software, GPS or capture date tags",
        ))  # fmt: skip
    created = capture.creation_time
    if created is None:
        flags.append(Flag(
            "creation_time_missing", "notice",
            "The file records no creation time.",
            "no creation date tag",
        ))  # fmt: skip
        return flags
    for recorded in capture.all_times:
        if recorded.at_epoch:
            flags.append(Flag(
                "creation_time_epoch", "warning",
                f"A creation time is {recorded.local[:10]}, the zero point of a computer clock: "
                "the device had no time set, or a tool reset the field.",
                f"{recorded.source}={recorded.original}",
            ))  # fmt: skip
    if created.utc is None:
        return flags
    if created.utc > facts.now + dt.timedelta(days=1):
        flags.append(Flag(
            "creation_time_future", "warning",
            "The creation time is in the future: the device clock was wrong or the metadata was "
            "edited.",
            f"{created.source}={created.original}",
        ))  # fmt: skip
    limit = dt.timedelta(seconds=config.creation_after_mtime_tolerance_s)
    if not created.at_epoch and created.utc > facts.mtime + limit:
        flags.append(Flag(
            "creation_after_mtime", "warning",
            "The recorded creation time is later than this copy was last modified on disk, which "
            "an untouched file cannot show: the clock was wrong or the metadata was rewritten.",
            f"{created.source}={created.original}; mtime={format_utc(facts.mtime)}",
        ))  # fmt: skip
    known = [t for t in capture.all_times if t.utc is not None and not t.at_epoch]
    spread = max((t.utc for t in known), default=None), min((t.utc for t in known), default=None)
    if (
        spread[0]
        and spread[1]
        and (spread[0] - spread[1]).total_seconds() > config.creation_times_disagree_s
    ):
        flags.append(Flag(
            "creation_times_disagree", "notice",
            "The file's creation-time fields disagree by more than a time-zone error explains: "
            "one of them was set or changed separately.",
            "; ".join(f"{t.source}={t.original}" for t in known),
        ))  # fmt: skip
    return flags


def _structure_flags(facts: FlagInput, config: InspectConfig) -> list[Flag]:
    flags = []
    filetype = facts.filetype
    if filetype.extension_matches is False:
        flags.append(Flag(
            "extension_mismatch", "warning",
            f"The name ends in {filetype.extension or '(no extension)'} but the content is "
            f"{filetype.kind}: the file was renamed or mislabelled.",
            f"extension={filetype.extension or '-'}; content={filetype.kind}",
        ))  # fmt: skip
    videos = [s for s in facts.streams if s.kind == "video" and not s.attached_picture]
    audios = [s for s in facts.streams if s.kind == "audio"]
    if len(videos) > 1 and facts.still is None:  # a HEIF photo's tiles are streams to ffprobe
        flags.append(Flag(
            "multiple_video_streams", "notice",
            f"The file holds {len(videos)} video streams; camera recordings hold one.",
            ", ".join(f"#{s.index} {s.codec}" for s in videos),
        ))  # fmt: skip
    if videos and audios and videos[0].duration and audios[0].duration:
        gap = abs(videos[0].duration - audios[0].duration)
        if gap > config.av_duration_tolerance_s:
            flags.append(Flag(
                "av_duration_mismatch", "notice",
                f"Audio and video lengths differ by {gap:.1f} s: one track may have been cut, "
                "replaced or added.",
                f"video={videos[0].duration:.3f}s; audio={audios[0].duration:.3f}s",
            ))  # fmt: skip
    declared = facts.container.duration if facts.container else None
    if declared and facts.measured_duration is not None:
        flags.append(Flag(
            "duration_mismatch", "notice",
            f"The header declares {declared:.2f} s but the media in the file plays "
            f"{facts.measured_duration:.2f} s: the file is incomplete, or its media was cut or "
            "replaced without rewriting the header.",
            f"declared={declared:.3f}s; measured={facts.measured_duration:.3f}s",
        ))  # fmt: skip
    for stream in videos:
        if stream.rotation:
            flags.append(Flag(
                "rotation", "info",
                f"The video carries a {stream.rotation:g}° display rotation: players turn the "
                "picture, as phones record upright video. Compare frames the way they are shown.",
                f"stream {stream.index} display matrix rotation={stream.rotation:g}",
            ))  # fmt: skip
        if stream.frame_rate_mode == "variable":
            flags.append(Flag(
                "variable_frame_rate", "info",
                "The frame rate varies, as phone cameras record; conversions and screen "
                "recordings are usually constant.",
                f"r_frame_rate={stream.r_frame_rate}; avg_frame_rate={stream.avg_frame_rate}",
            ))  # fmt: skip
    return flags


def _layout_flags(facts: FlagInput, config: InspectConfig) -> list[Flag]:
    layout = facts.layout
    if layout is None:
        return []
    flags = []
    if layout.truncated_by:
        flags.append(Flag(
            "truncated", "warning",
            f"The file ends {layout.truncated_by:,} bytes before its own structure says it "
            "should: it is an incomplete download or copy.",
            f"boxes: {' '.join(layout.box_order)}",
        ))  # fmt: skip

    def tracks(kind: str) -> list[EditList]:
        return [e for e in layout.edit_lists if e.kind == kind]

    if tracks("shift"):
        skipped = "; ".join(
            f"track {e.track_id} ({e.handler}) skips {e.skipped_s * 1000:.0f} ms"
            if e.skipped_s is not None else f"track {e.track_id} ({e.handler})"
            for e in tracks("shift")
        )  # fmt: skip
        flags.append(Flag(
            "edit_list", "info",
            "An edit list skips the first moments of the recorded media, as encoders do to hide "
            "their start-up delay; harmless on its own.",
            skipped,
        ))  # fmt: skip
    for edit in tracks("delay"):
        delay = f"{edit.delay_s:.2f} s" if edit.delay_s is not None else "a moment"
        flags.append(Flag(
            "edit_list", "info",
            f"An edit list starts track {edit.track_id} ({edit.handler}) {delay} after the others, "
            "as cameras write when one track begins recording late; nothing is cut.",
            f"track {edit.track_id}: an empty edit of {edit.entries[0][0]}, then "
            f"media_time={edit.entries[-1][1]}",
        ))  # fmt: skip
    for edit in tracks("edited"):
        flags.append(Flag(
            "edit_list", "notice",
            "An edit list tells players to skip or repeat parts of the recorded media: the "
            "file was cut or assembled by an editor without re-encoding.",
            f"track {edit.track_id} ({edit.handler}): {len(edit.entries)} edits",
        ))  # fmt: skip
    if layout.moov_before_mdat:
        flags.append(Flag(
            "index_first", "info",
            "The index (moov) precedes the media data, the layout converters and upload "
            "services write for streaming; camera files usually keep it at the end.",
            f"boxes: {' '.join(layout.box_order)}",
        ))  # fmt: skip
    created, modified = layout.movie_created, layout.movie_modified
    # A minute of slack: some recorders stamp the two fields at start and end.
    if created and modified and (modified - created).total_seconds() > 60:
        flags.append(Flag(
            "modified_after_creation", "notice",
            "The movie header records a modification after creation: the file was saved "
            "again by software.",
            f"mvhd created={format_utc(created)}; modified={format_utc(modified)}",
        ))  # fmt: skip
    return flags


def _still_flags(facts: FlagInput, config: InspectConfig) -> list[Flag]:
    """What a still's GPS clock, embedded files and XMP claims say."""
    flags = []
    capture = facts.capture
    gps = next((t for t in capture.other_times if t.source == "GPS GPSDateStamp"), None)
    created = capture.creation_time
    if gps and created and created.utc and created.zone_source != "GPS time of the fix":
        apart = abs((created.utc - gps.utc).total_seconds()) if gps.utc else 0
        if apart > config.gps_time_tolerance_s:
            flags.append(Flag(
                "gps_time_mismatch", "notice",
                f"The GPS clock of the position fix is {apart / 3600:.1f} hours from the capture "
                "time: the position may be an old fix, or one of the two was set or edited.",
                f"{created.source}={created.original} ({created.utc_iso}); "
                f"GPS={gps.utc_iso}",
            ))  # fmt: skip
    source = facts.xmp.digital_source_type if facts.xmp else None
    if source and (
        "trainedalgorithmicmedia" in source.lower() or "compositesynthetic" in source.lower()
    ):
        flags.append(Flag(
            "ai_generated_claim", "warning",
            "The metadata declares the picture made or altered by generative AI (IPTC digital "
            "source type).",
            f"Iptc4xmpExt:DigitalSourceType={source}",
        ))  # fmt: skip
    still = facts.still
    if still is None:
        return flags
    if still.embedded:
        kinds = ", ".join(
            f"{e.kind} of {e.size:,} bytes at byte {e.offset:,}" for e in still.embedded
        )
        flags.append(Flag(
            "embedded_media", "info",
            f"The file carries {len(still.embedded)} more file(s) inside it, as motion photos "
            "carry their video: examine them too (`verify inspect --extract-embedded DIR`).",
            kinds,
        ))  # fmt: skip
    return flags


_RULES = (
    _encoding_flags,
    _metadata_flags,
    _structure_flags,
    _layout_flags,
    _still_flags,
    _c2pa_flags,
)
