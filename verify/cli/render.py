"""Human-readable text for results: compact sections with aligned fields."""

from __future__ import annotations

import textwrap
from typing import TYPE_CHECKING

import click

from verify.matching.describe import describe_mask, describe_rate, describe_region, describe_slack
from verify.media.sampling import SOUND_ONLY
from verify.timestamps import format_utc, timestamp_label

if TYPE_CHECKING:
    from verify.bank.store import AddResult, KnownVideo
    from verify.forensics.timeline import Timeline
    from verify.hashing.fingerprint import VideoFingerprint
    from verify.inspection.c2pa import C2paFacts
    from verify.inspection.inspect import Inspection
    from verify.inspection.metadata import StreamInfo
    from verify.inspection.still import StillFacts
    from verify.inspection.xmp import XmpFacts
    from verify.lists.stored import ListSummary
    from verify.matching.results import MatchReport

LABEL_WIDTH = 12
_SEVERITY_STYLE = {"warning": "red", "notice": "yellow", "info": "cyan"}


def _field(label: str, value: str) -> str:
    return f"  {label:<{LABEL_WIDTH}}{_shown(value)}"


def _shown(text: str) -> str:
    """``text`` with control characters written as escapes: metadata cannot drive the terminal."""
    if text.isprintable():
        return text
    return "".join(ch if ch.isprintable() else ascii(ch)[1:-1] for ch in text)


def _level(stream: StreamInfo) -> str | None:
    if stream.level is None or stream.level < 0:
        return None
    if stream.codec == "h264":
        return f"{stream.level / 10:.1f}"
    if stream.codec == "hevc":
        return f"{stream.level / 30:.1f}"
    return str(stream.level)


def _stream_line(stream: StreamInfo, *, still: bool = False) -> str:
    codec = stream.codec or "?"
    detail = ", ".join(
        x for x in (stream.profile, _level(stream) and f"level {_level(stream)}") if x
    )
    parts = [f"{codec} ({detail})" if detail else codec]
    if stream.kind == "video":
        parts.append(f"{stream.width}x{stream.height}")
        if stream.sample_aspect_ratio and stream.sample_aspect_ratio not in {"1:1", "0:1"}:
            parts.append(f"SAR {stream.sample_aspect_ratio}")
        if stream.display_aspect_ratio and stream.display_aspect_ratio != "0:1":
            parts.append(f"DAR {stream.display_aspect_ratio}")
        if stream.pixel_format:
            parts.append(stream.pixel_format)
        if stream.frame_rate and not still:
            mode = f" {stream.frame_rate_mode}" if stream.frame_rate_mode else ""
            parts.append(f"{stream.frame_rate:.3g} fps{mode}")
        if stream.rotation:
            parts.append(f"rotation {stream.rotation:g}°")
    elif stream.kind == "audio":
        if stream.sample_rate:
            parts.append(f"{stream.sample_rate} Hz")
        if stream.channel_layout or stream.channels:
            parts.append(stream.channel_layout or f"{stream.channels} ch")
    if stream.duration and not still:
        parts.append(f"{stream.duration:.3f} s")
    return " · ".join(parts)


def render_inspection(result: Inspection, *, show_tags: bool = False) -> str:
    """The `verify inspect` summary of one file."""
    lines = [click.style(result.path, bold=True), "File"]
    digest, filetype = result.digest, result.filetype
    lines += [
        _field("size", f"{digest.size:,} bytes"),
        _field("sha256", digest.sha256),
        _field("md5", digest.md5),
        _field("modified", f"{format_utc(result.mtime)} (on this disk)"),
    ]
    brand = f" (brand {filetype.brand.strip()})" if filetype.brand else ""
    match = {True: "matches", False: "DOES NOT MATCH", None: "unknown"}[filetype.extension_matches]
    lines.append(
        _field("content", f"{filetype.kind}{brand}; extension {filetype.extension or '-'} {match}")
    )

    lines.append("Media")
    if result.container:
        c = result.container
        bits = [c.format_long_name or c.format_name]
        if c.duration and result.media_kind != "image":
            bits.append(f"{c.duration:.3f} s")
        if c.bit_rate and result.media_kind != "image":
            bits.append(f"{c.bit_rate / 1000:.0f} kb/s")
        lines.append(_field("container", " · ".join(bits)))
    for stream in result.streams:
        line = _stream_line(stream, still=result.media_kind == "image")
        lines.append(_field(f"{stream.kind} #{stream.index}", line))

    capture = result.capture
    lines.append("Capture")
    created = capture.creation_time
    if created:
        utc = created.utc_iso or "zone unknown"
        zone = f", zone {created.zone}" if created.zone else ""
        assumed = ", UTC by format" if created.assumed_utc else ""
        lines.append(
            _field("created", f'{utc}  ("{created.original}" in {created.source}{zone}{assumed})')
        )
    else:
        lines.append(_field("created", "-"))
    for other in capture.other_times:
        lines.append(
            _field(
                "also", f'{other.utc_iso or other.local}  ("{other.original}" in {other.source})'
            )
        )
    device = capture.device
    device_text = " · ".join(
        x
        for x in (device.make, device.model, device.software and f"software {device.software}")
        if x
    )
    lines.append(_field("device", device_text or "-"))
    lens = " ".join(x for x in (device.lens_make, device.lens_model) if x)
    for label, value in (
        ("lens", lens),
        ("serial", device.serial_number),
        ("lens serial", device.lens_serial_number),
        ("unique id", device.image_unique_id),
        ("content id", device.content_identifier),
    ):
        if value:
            lines.append(_field(label, value))
    if capture.location:
        loc = capture.location
        alt = f", {loc.altitude:g} m" if loc.altitude is not None else ""
        lines.append(
            _field("location", f"{loc.latitude:.6f}, {loc.longitude:.6f}{alt}  ({loc.source})")
        )
    else:
        lines.append(_field("location", "-"))
    for where, value in capture.encoders:
        lines.append(_field("writer", f"{_one_line(value, 90)}  ({where})"))
    if result.still is not None:
        lines += _still_lines(result.still)
    if result.xmp is not None and not result.xmp.is_empty:
        lines += _xmp_lines(result.xmp)
    if result.c2pa is not None:
        lines += _c2pa_lines(result.c2pa)

    lines.append(f"Flags ({len(result.flags)})" if result.flags else "Flags: none")
    for flag in result.flags:
        label = click.style(f"{flag.severity.upper():<8}", fg=_SEVERITY_STYLE[flag.severity])
        lines.append(f"  {label}{flag.code}")
        lines += _wrapped(_shown(flag.message), indent=10)
        lines += _wrapped(_shown(f"evidence: {flag.evidence}"), indent=10)

    if show_tags:
        tags = dict(result.container.tags) if result.container else {}
        for stream in result.streams:
            tags.update({f"#{stream.index} {k}": v for k, v in stream.tags.items()})
        tags.update(result.exif)
        lines.append(f"Tags ({len(tags)})")
        width = min(max((len(k) for k in tags), default=0) + 2, 44)
        lines += [f"  {_shown(k):<{width}}{_shown(_one_line(v))}" for k, v in tags.items()]
    return "\n".join(lines)


def _still_lines(still: StillFacts) -> list[str]:
    lines = ["Picture"]
    if still.width:
        turned = f", shown turned {still.rotation}°" if still.rotation else ""
        lines.append(_field("size", f"{still.width}x{still.height}  ({still.size_source}{turned})"))
    if still.exif_where:
        lines.append(_field("EXIF", still.exif_where))
    quality = still.jpeg_quality
    if quality:
        kind = "libjpeg's standard tables" if quality.standard_tables else "its own tables"
        lines.append(_field("JPEG", f"quality about {quality.estimate}, {kind}"))
    if still.icc_profile:
        lines.append(_field("ICC", _one_line(still.icc_profile, 90)))
    for comment in still.comments:
        lines.append(_field("comment", _one_line(comment, 90)))
    for keyword, text in still.texts:
        lines.append(_field("text", _one_line(f"{keyword}: {text}", 90)))
    for item in still.embedded:
        lines.append(
            _field(
                "embedded",
                f"{item.kind}, {item.size:,} bytes at byte {item.offset:,}, sha256 {item.sha256}",
            )
        )
    return lines if len(lines) > 1 else []


def _c2pa_lines(found: C2paFacts) -> list[str]:
    lines = ["C2PA"]
    trust = ", signer not in any trust list known here" if found.untrusted_signer else ""
    lines.append(_field("state", f"{found.state}{trust}"))
    for label, value in (
        ("generator", found.claim_generator), ("signer", found.signer), ("issuer", found.issuer),
        ("signed", found.signed_at), ("actions", ", ".join(found.actions)),
        ("source", ", ".join(found.digital_source_types)),
        ("ingredients", ", ".join(found.ingredients)),
    ):  # fmt: skip
        if value:
            lines.append(_field(label, _one_line(value, 90)))
    lines += [_field("problem", _one_line(problem, 90)) for problem in found.problems]
    return lines


def _xmp_lines(xmp: XmpFacts) -> list[str]:
    lines = ["XMP"]
    for label, value in (
        ("tool", xmp.creator_tool),
        ("document", xmp.document_id),
        ("original", xmp.original_document_id),
        ("instance", xmp.instance_id),
        ("metadata", xmp.metadata_date and f"changed {xmp.metadata_date}"),
        ("source", xmp.digital_source_type),
    ):
        if value:
            lines.append(_field(label, _one_line(value, 90)))
    for event in xmp.history:
        what = " ".join(x for x in (event.action, event.software and f"by {event.software}") if x)
        lines.append(_field("history", _one_line(f"{what} {event.when or ''}".strip(), 90)))
    return lines if len(lines) > 1 else []


def _wrapped(text: str, indent: int, width: int = 100) -> list[str]:
    return textwrap.wrap(text, width, initial_indent=" " * indent, subsequent_indent=" " * indent)


def _one_line(value: str, limit: int = 120) -> str:
    flat = " ".join(value.split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


def render_fingerprint(result: VideoFingerprint) -> str:
    """The `verify hash` listing of one video: a line per sampled frame."""
    crop = result.crop
    crop_text = (
        f"bars cropped to x={crop['x']:.3f} y={crop['y']:.3f} w={crop['width']:.3f} "
        f"h={crop['height']:.3f}"
        if crop
        else "no bars"
    )
    lines = [
        click.style(result.path, bold=True),
        f"  sha256 {result.sha256}",
        f"  {result.width}x{result.height} · sampling {result.sampling} · "
        f"{len(result.frames)} frames ({len(result.usable_frames)} usable) · {crop_text}",
    ]
    lines += [f"  note: {note}" for note in result.notes]
    lines.append(f"  {'time':<14}{'phash':<18}{'dhash':<18}")
    for frame in result.frames:
        marks = " ".join(
            m for m in ("key" if frame.keyframe else "", "uniform" if frame.uniform else "") if m
        )
        lines.append(
            f"  {timestamp_label(frame.time):<14}{frame.phash!s:<18}{frame.dhash!s:<18}{marks}"
        )
    return "\n".join(lines)


def render_timeline(result: Timeline) -> str:
    """The `verify analyse` text: the stream's shape, then each indicator in words."""
    frames, gop = result.frames, result.gop
    counts = " ".join(f"{kind} {int((frames.kind == kind).sum())}" for kind in ("I", "P", "B"))
    if gop.interval is not None:
        pattern = (
            f"a keyframe every {gop.interval} frames ({gop.interval_s:.2f} s) in "
            f"{gop.regular_share:.0%} of intervals"
        )
    else:
        pattern = f"{gop.keyframes} keyframe(s)"
    lines = [
        click.style(_shown(result.path), bold=True),
        f"  sha256 {result.sha256}",
        _field("frames", f"{frames.count} ({counts}); {pattern}"),
        _field("sound", f"{frames.audio_pts.size} packets" if frames.audio_pts.size else "none"),
    ]
    for string in result.encoders:
        lines.append(_field("encoder", _one_line(string.text, 100)))
    if not result.indicators:
        lines.append("  no indicators: the stream's structure shows no sign of an edit")
    for indicator in result.indicators:
        style = "red" if indicator.kind.value == "splice_candidate" else "yellow"
        head = click.style(f"{timestamp_label(indicator.time):<13}{indicator.kind.value}", fg=style)
        lines.append(f"  {head}")
        lines += _wrapped(_shown(indicator.sentence), 4)
    return "\n".join(lines)


def render_added(result: AddResult) -> str:
    """One line per file given to `verify index add`."""
    video = result.video
    if result.added:
        sound = (f"sound: {result.sound_landmarks} landmarks" if result.sound_landmarks
                 else "no sound stored")  # fmt: skip
        return f"added  {video.sha256[:12]}  {video.path}  ({video.frame_count} frames, {sound})"
    return f"known  {video.sha256[:12]}  {video.path}  (already in the bank since {video.added_at})"


def render_video_list(videos: list[KnownVideo]) -> str:
    if not videos:
        return "no videos"
    lines = [
        f"{'sha256':<14}{'duration':>9}{'frames':>8}  {'added':<21}{'by':<12}{'source':<18}path"
    ]
    for v in videos:
        duration = f"{v.duration:.1f}s" if v.duration else "-"
        source = _one_line(v.source or "-", 16)
        adder = _one_line(v.added_by or "-", 10)
        lines.append(f"{v.sha256[:12]:<14}{duration:>9}{v.frame_count:>8}  ")
        lines[-1] += f"{v.added_at:<21}{adder:<12}{source:<18}{_shown(v.path)}"
    return "\n".join(lines)


def render_lists(found: list[ListSummary]) -> str:
    if not found:
        return "no shared hash lists"
    lines = [f"{'entries':>8}  {'signal types':<34}{'last added':<22}{'by':<14}list"]
    for summary in found:
        types = ", ".join(f"{t} {n}" for t, n in sorted(summary.signal_types.items()))
        adders = _one_line(", ".join(a or "-" for a in summary.added_by), 12)
        lines.append(
            f"{summary.entries:>8}  {types:<34}{summary.last_added:<22}{adders:<14}"
            f"{_shown(summary.list)}"
        )
    return "\n".join(lines)


def _picture_size(video: KnownVideo) -> str:
    if video.sampling == SOUND_ONLY:
        return "none (a sound file)"
    return f"{video.width}x{video.height}"


def render_video(video: KnownVideo) -> str:
    summary = video.summary
    created = (summary.get("creation_time") or {}).get("utc") or "-"
    device = summary.get("device") or {}
    device_text = " · ".join(x for x in (device.get("make"), device.get("model")) if x) or "-"
    fields = [
        ("sha256", video.sha256),
        ("path", video.path),
        ("size", f"{video.size:,} bytes"),
        ("duration", f"{video.duration:.3f} s" if video.duration else "-"),
        ("picture", _picture_size(video)),
        ("frames", f"{video.frame_count} ({video.sampling})"),
        ("added", f"{video.added_at} by {video.added_by}" if video.added_by else video.added_at),
        ("source", video.source or "-"),
        ("posted", video.posted_at or "-"),
        ("url", video.url or "-"),
        ("created", created),
        ("device", device_text),
        ("flags", ", ".join(summary.get("flags") or []) or "-"),
    ]
    return "\n".join(_field(label, value) for label, value in fields)


def render_match(report: MatchReport) -> str:
    """The `verify match` summary: each known video copied, with aligned segments."""
    query = report.query
    duration = f"{query.duration:.2f} s" if query.duration else "unknown length"
    lines = [click.style(query.path, bold=True) + f"  ({duration}, sha256 {query.sha256[:12]})"]
    if not report.matches:
        if query.sampling == SOUND_ONLY:
            lines.append("a sound file: no picture to compare, only its sound")
        else:
            lines.append(
                f"no match: no known video in the bank copies this clip "
                f"({report.candidates} candidate(s) checked)"
            )
        return "\n".join(lines + _sound_lines(report) + _list_lines(report))
    count = len(report.matches)
    lines.append(f"{count} known video{'s' if count > 1 else ''} matched:")
    for item in report.matches:
        video = item.video
        extra = " (mirrored)" if item.mirrored else ""
        lines.append(f"  {item.score:.3f}  {video.path}{extra}")
        details = [f"sha256 {video.sha256[:12]}"]
        if video.source:
            details.append(f"source {video.source}")
        if video.posted_at:
            details.append(f"posted {video.posted_at}")
        lines.append(f"         {' · '.join(details)}")
        if item.framing:
            lines.append(f"         {item.framing.describe()}")
        if item.region:
            lines.append(f"         {describe_region(item.region)}")
        if item.masked:
            lines.append(f"         {describe_mask(item.masked)}")
        for s in item.segments:
            notes = [note for note in (describe_rate(s.rate), describe_slack(s.slack)) if note]
            lines.append(
                f"         clip {timestamp_label(s.query_start)}-{timestamp_label(s.query_end)}"
                f"  =  known {timestamp_label(s.ref_start)}-{timestamp_label(s.ref_end)}"
                f"  ({s.frames} frames, {s.mean_distance:.1f} bits apart"
                f"{''.join('; ' + note for note in notes)})"
            )
    return "\n".join(lines + _sound_lines(report) + _list_lines(report))


_SOUND_STATES = {
    "no_match": "sound: compared with the bank's, no known video's sound found",
    "no_sound": "sound: the clip has none to compare",
    "bank_has_none": "sound: not compared (no video in the bank has its sound stored)",
}


def _sound_lines(report: MatchReport) -> list[str]:
    """What the clip's sound matched, and how that sits with its picture."""
    sound = report.sound
    if sound is None:
        return []
    state = sound.state.value
    if state == "unreadable":
        lines = [f"sound: could not be read ({_shown(sound.detail or 'unknown reason')})"]
    elif state in _SOUND_STATES:
        lines = [_SOUND_STATES[state]]
    else:
        count = len(sound.matches)
        lines = [f"sound of {count} known video{'s' if count > 1 else ''} heard:"]
    for item in sound.matches:
        lines.append(f"  {_shown(item.video.path)}  (sha256 {item.video.sha256[:12]})")
        lines.append(f"         {_shown(item.sentence())}")
        for s in item.match.segments:
            lines.append(
                f"         clip {timestamp_label(s.query_start)}-{timestamp_label(s.query_end)}"
                f"  =  known {timestamp_label(s.known_start)}-{timestamp_label(s.known_end)}"
                f"  ({s.landmarks} landmarks)"
            )
    for video in sound.unheard:
        lines.append(
            f"  the picture of {_shown(video.path)} is shown, but its stored sound was not "
            "recognised in the clip's (replaced, or changed beyond recognition)"
        )
    return lines


def _list_lines(report: MatchReport) -> list[str]:
    """Shared-list matches, apart from the bank's own videos: hash-only, no media."""
    if not report.list_matches:
        return []
    count = len(report.list_matches)
    lines = [f"{count} shared-list entr{'y' if count == 1 else 'ies'} matched (hash only):"]
    for item in report.list_matches:
        entry = item.entry
        if item.rule == "md5":
            how = "same MD5: these exact bytes"
        else:
            how = (f"vPDQ: {item.query_percent:.0f} % of this file's frames, "
                   f"{item.entry_percent:.0f} % of the entry's")  # fmt: skip
        label = f" ({_shown(entry.label)})" if entry.label else ""
        lines.append(f"  list {_shown(entry.list)!r} entry {entry.id}{label}: {how}")
    return lines
