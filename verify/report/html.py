"""The provenance report as one self-contained HTML page, for people.

Written for a reader who is not technical: a summary first (what the file
is, red flags, known copies and their dates, a strip showing which seconds
match which known video), every detail below. Images are embedded as
``data:`` URIs and the style is inline; a Content-Security-Policy forbids
loading anything else, so opening the page contacts no server. Web
addresses from the bank are shown as text, not links, for the same reason.

The page renders the report document (`Report.to_dict`, the digested JSON)
plus the pictures that only the page carries.
"""

from __future__ import annotations

import base64
import datetime as dt
import math
from html import escape
from typing import TYPE_CHECKING, Any

from verify.matching.describe import (
    describe_framing,
    describe_mask,
    describe_rate,
    describe_region,
    describe_slack,
)
from verify.media.sampling import SOUND_ONLY
from verify.timestamps import timestamp_label

if TYPE_CHECKING:
    from verify.report.model import Report

# Plain-language titles for flag codes (the sentence under each comes from
# the flag itself, see verify/flags.py).
FLAG_TITLES = {
    "reencoded_ffmpeg": "Converted or re-encoded with FFmpeg",
    "software_encoder": "Encoded by software, not by a camera",
    "edited_with_software": "Names editing software",
    "extension_mismatch": "The file name does not fit the content",
    "creation_time_epoch": "Creation time is a clock's zero",
    "creation_time_future": "Creation time is in the future",
    "creation_after_mtime": "Created after it was last modified",
    "truncated": "The file is cut short",
    "capture_metadata_absent": "No device, place or recording time",
    "creation_time_missing": "No creation time",
    "creation_times_disagree": "Creation times disagree",
    "av_duration_mismatch": "Sound and picture lengths differ",
    "multiple_video_streams": "More than one video stream",
    "modified_after_creation": "Modified after it was created",
    "edit_list": "Edit list",
    "rotation": "Rotated for display",
    "variable_frame_rate": "Variable frame rate",
    "index_first": "Index at the start of the file",
}
SEVERITY_LABELS = {"warning": "Red flag", "notice": "Worth a look", "info": "For information"}
# One colour per known video in the timeline strip (colour-blind-safe set).
PALETTE = ("#0072b2", "#d55e00", "#009e73", "#cc79a7", "#e69f00", "#56b4e9", "#7a6a00")
# The timeline strip's drawing width and one row's height (SVG user units).
STRIP_WIDTH, ROW_HEIGHT = 900, 46

CSS = """
:root { color-scheme: light; --ink: #1d232b; --muted: #5b6470; --line: #d9dee4;
  --red: #b3261e; --amber: #8a5a00; --blue: #1f5fa8; }
* { box-sizing: border-box; }
body { margin: 0; background: #f4f5f7; color: var(--ink);
  font: 16px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, "DejaVu Sans", sans-serif; }
main { max-width: 1040px; margin: 0 auto; padding: 28px 24px 48px; }
header { border-bottom: 3px solid var(--ink); margin-bottom: 20px; padding-bottom: 12px; }
.kicker { text-transform: uppercase; letter-spacing: .08em; font-size: 13px; color: var(--muted);
  margin: 0; }
h1 { font-size: 30px; margin: 4px 0 6px; word-break: break-all; }
h2 { font-size: 22px; margin: 32px 0 12px; border-bottom: 1px solid var(--line);
  padding-bottom: 4px; }
h3 { font-size: 17px; margin: 0 0 8px; }
.meta { color: var(--muted); margin: 0; font-size: 14px; }
.card { background: #fff; border: 1px solid var(--line); border-radius: 8px; padding: 16px 18px;
  margin: 0 0 14px; }
.card.alert { border-left: 6px solid var(--red); }
.card.calm { border-left: 6px solid #2e7d32; }
.card.info { border-left: 6px solid var(--blue); }
.flag { margin: 0 0 10px; }
.flag b { display: block; }
.badge { display: inline-block; font-size: 12px; font-weight: 700; border-radius: 4px;
  padding: 1px 7px; margin-right: 6px; color: #fff; vertical-align: 1px; }
.badge.warning { background: var(--red); } .badge.notice { background: var(--amber); }
.badge.info { background: #5b6470; }
.note { color: var(--muted); font-size: 14px; }
.earliest { background: #eef4fb; border-radius: 6px; padding: 10px 12px; margin: 8px 0 12px; }
ol.timeline { list-style: none; padding: 0; margin: 8px 0; border-left: 3px solid var(--line); }
ol.timeline li { position: relative; padding: 2px 0 10px 18px; }
ol.timeline li::before { content: ""; position: absolute; left: -8px; top: 8px; width: 13px;
  height: 13px; border-radius: 50%; background: var(--blue); }
ol.timeline li.self::before { background: var(--ink); }
ol.timeline time { font-weight: 700; margin-right: 6px; }
svg { display: block; width: 100%; height: auto; }
.gallery { display: grid; grid-template-columns: repeat(auto-fill, minmax(220px, 1fr));
  gap: 12px; }
figure { margin: 0; background: #fff; border: 1px solid var(--line); border-radius: 6px;
  overflow: hidden; }
figure img { display: block; width: 100%; height: auto; background: #222; }
figcaption { padding: 6px 8px; font-size: 13px; }
.preview { max-width: 480px; }
code, .mono { font-family: ui-monospace, "DejaVu Sans Mono", Menlo, Consolas, monospace;
  font-size: 13px; word-break: break-all; }
table { border-collapse: collapse; width: 100%; background: #fff; margin: 6px 0 14px;
  font-size: 14px; }
th, td { border: 1px solid var(--line); padding: 5px 8px; text-align: left; vertical-align: top; }
th { background: #eceff3; font-weight: 600; }
table.fields th { width: 200px; }
details { margin: 8px 0; } summary { cursor: pointer; color: var(--blue); }
@media print { body { background: #fff; } .card, figure { break-inside: avoid; } }
"""


def render_html(report: Report) -> str:
    """The whole page for ``report``."""
    doc = report.to_dict()
    inspection, custody = doc["inspection"], doc["custody"]
    name = inspection["file"]["name"]
    body = [
        _header(doc),
        "<h2>Summary</h2>",
        _what_it_is(inspection, report.preview),
        _red_flags(inspection["flags"]),
        _known_copies(doc),
        _stream(doc),
        _frames(report, doc["keyframes"]),
        "<h2>Details</h2>",
        _file_details(inspection, custody),
        _media_details(inspection),
        _capture_details(inspection["capture"]),
        _picture_details(inspection.get("still"), inspection.get("xmp")),
        _flag_details(inspection["flags"]),
        _match_details(doc["matching"]),
        _custody_details(custody),
        _digest_details(doc["digest"], custody),
        _raw_tags(inspection),
    ]
    return (
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        '<meta http-equiv="Content-Security-Policy" '
        "content=\"default-src 'none'; img-src data:; style-src 'unsafe-inline'\">\n"
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>Provenance report: {escape(name)}</title>\n<style>{CSS}</style>\n</head>\n"
        "<body>\n<main>\n"
        + "\n".join(part for part in body if part)
        + "\n</main>\n</body>\n</html>\n"
    )


# --- small helpers ------------------------------------------------------------


def _data_uri(jpeg: bytes) -> str:
    return "data:image/jpeg;base64," + base64.b64encode(jpeg).decode("ascii")


def human_time(iso: str | None) -> str:
    """``2022-04-03T07:00:00Z`` -> ``2022-04-03 07:00:00 UTC``."""
    if not iso:
        return "unknown"
    return iso.replace("T", " ").replace("Z", " UTC")


def _moment(iso: str) -> dt.datetime:
    return dt.datetime.fromisoformat(iso.replace("Z", "+00:00"))


def human_duration(seconds: float | None) -> str:
    if seconds is None:
        return "unknown length"
    if seconds < 60:
        return f"{seconds:.1f} seconds"
    minutes, secs = divmod(round(seconds), 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes:02d} min {secs:02d} s" if hours else f"{minutes} min {secs:02d} s"


def clock(seconds: float) -> str:
    """``m:ss`` (or ``h:mm:ss``) with tenths when not whole, for timeline labels."""
    tenths = round(seconds * 10)
    whole, tenth = divmod(tenths, 10)
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    text = f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"
    return f"{text}.{tenth}" if tenth else text


def _fields(rows: list[tuple[str, str]]) -> str:
    """A two-column table; values are HTML already."""
    cells = "".join(f"<tr><th>{escape(label)}</th><td>{value}</td></tr>" for label, value in rows)
    return f'<table class="fields">{cells}</table>'


def _mono(text: object) -> str:
    return f"<code>{escape(str(text))}</code>"


def _text(value: object) -> str:
    return escape(str(value)) if value not in (None, "") else "–"


def _main_video(inspection: dict[str, Any]) -> dict[str, Any] | None:
    for stream in inspection["streams"]:
        if stream["type"] == "video" and not stream.get("attached_picture"):
            return stream
    return None


def _flag_title(code: str) -> str:
    return FLAG_TITLES.get(code, code.replace("_", " ").capitalize())


# --- summary ------------------------------------------------------------------


def _header(doc: dict[str, Any]) -> str:
    custody = doc["custody"]
    file = custody["file"]
    operator = custody["operator"]
    return (
        "<header>"
        f'<p class="kicker">Provenance report · verify {escape(custody["tool"]["version"])}</p>'
        f"<h1>{escape(file['name'])}</h1>"
        f'<p class="meta">Examined {escape(human_time(custody["collected_at"]))} by '
        f"{escape(operator['user'])} on {escape(operator['host'])}. "
        f'Fingerprint of the exact file (SHA-256): <span class="mono">{escape(file["sha256"])}'
        "</span></p></header>"
    )


def _format_name(file: dict[str, Any], container: dict[str, Any]) -> str:
    """The format as its bytes say (MP4, not ffprobe's family name "QuickTime / MOV")."""
    if file["detected"] not in {"unknown", "text", "empty"}:
        return file["detected"].upper()
    return container.get("format_long_name") or container.get("format_name") or "unknown format"


def _count(number: int, noun: str) -> str:
    return f"{number:,} {noun}{'' if number == 1 else 's'}"


def describe_file(inspection: dict[str, Any]) -> str:
    """One sentence on what the file is, from its content (plain text)."""
    kind = inspection["media_kind"]
    file, container = inspection["file"], inspection["container"] or {}
    video = _main_video(inspection)
    if kind == "image":
        words = f"A photo or still image ({file['detected'].upper()})"
    elif kind == "video":
        words = f"A video file ({_format_name(file, container)})"
    elif kind == "audio":
        words = f"A sound recording with no picture ({_format_name(file, container)})"
    else:
        words = f"A media file ({file['detected']})"
    parts = [words]
    if kind in {"video", "audio"}:
        parts.append(f"{human_duration(container.get('duration'))} long")
    if video and video.get("display_width"):
        size = f"{video['display_width']} × {video['display_height']} pixels"
        if kind == "video" and video.get("frame_rate"):
            size += f" at {video['frame_rate']:.3g} frames per second"
        parts.append(size)
    if kind == "video":
        has_sound = any(s["type"] == "audio" for s in inspection["streams"])
        parts.append("with sound" if has_sound else "without sound")
    return ", ".join(parts) + f"; {file['size']:,} bytes."


def describe_capture(capture: dict[str, Any]) -> str:
    """What the file claims about its recording: when, with what, where (plain text)."""
    claims = []
    created = capture.get("creation_time")
    if created and created.get("utc"):
        zone = f", local time zone {created['zone']}" if created.get("zone") else ""
        claims.append(f"recorded at {human_time(created['utc'])}{zone}")
    elif created:
        claims.append(f"recorded at {created['local']} local time (time zone unknown)")
    device = capture.get("device") or {}
    maker = " ".join(x for x in (device.get("make"), device.get("model")) if x)
    if maker:
        claims.append(f"with a {maker}")
    location = capture.get("location")
    if location:
        claims.append(
            f"at latitude {location['latitude']:.5f}, longitude {location['longitude']:.5f}"
        )
    if not claims:
        return (
            "It records no time, device or place of recording: such details were removed "
            "(as most platforms do) or never written."
        )
    return (
        "Its own metadata says it was " + ", ".join(claims) + ". Metadata can be edited; "
        "treat it as a claim to check, not proof."
    )


def _what_it_is(inspection: dict[str, Any], preview: bytes | None) -> str:
    picture = ""
    if preview:
        picture = (
            f'<figure class="preview"><img src="{_data_uri(preview)}" alt="the picture">'
            "<figcaption>The picture, reduced</figcaption></figure>"
        )
    return (
        '<div class="card info"><h3>What this file is</h3>'
        f"<p>{escape(describe_file(inspection))}</p>"
        f"<p>{escape(describe_capture(inspection['capture']))}</p>{picture}</div>"
    )


def _red_flags(flags: list[dict[str, Any]]) -> str:
    warnings = [f for f in flags if f["severity"] == "warning"]
    notices = [f for f in flags if f["severity"] == "notice"]
    if not warnings and not notices:
        return (
            '<div class="card calm"><h3>Red flags: none</h3><p>Nothing in the file\'s structure or '
            "metadata suggests processing after capture. That is not proof of authenticity.</p>"
            "</div>"
        )
    items = "".join(
        f'<div class="flag"><span class="badge {f["severity"]}">'
        f"{SEVERITY_LABELS[f['severity']]}</span><b>{escape(_flag_title(f['code']))}</b>"
        f"{escape(f['message'])}</div>"
        for f in warnings + notices
    )
    title = f"Red flags: {len(warnings)}" + (
        f", and {len(notices)} worth a look" if notices else ""
    )
    return (
        f'<div class="card alert"><h3>{title}</h3>{items}'
        '<p class="note">A flag is a reason to look closer, never a verdict: most videos shared '
        "online have been re-encoded by the platform that carried them.</p></div>"
    )


def _since_phrase(match: dict[str, Any]) -> str:
    since = match["known_since"]
    source = f" by {match['source']}" if match.get("source") else ""
    return {
        "posted_at": f"posted{source}",
        "creation_time": "recorded, according to its own metadata",
        "added_at": "added to the bank (the earliest date known for it)",
    }[since["evidence"]]


def _file_name(path: str) -> str:
    return path.replace("\\", "/").rsplit("/", 1)[-1]


def _known_copies(doc: dict[str, Any]) -> str:
    matching = doc["matching"]
    if not matching["performed"]:
        return (
            '<div class="card info"><h3>Known copies: not checked</h3>'
            "<p>This file was not compared with known videos: "
            f"{escape(matching['reason'] or 'no reason recorded')}.</p></div>"
        )
    matches = matching["matches"]
    bank = f"{_count(matching['bank_videos'], 'known video')} in the bank"
    if not matches:
        return (
            '<div class="card info"><h3>Known copies: none found</h3>'
            f"<p>Compared with {bank}: none of them shows the same footage. The footage may "
            "still exist elsewhere.</p></div>"
        )
    earliest = matching["earliest_copy"]
    count = len(matches)
    parts = [
        f'<div class="card info"><h3>Known copies: {count} found</h3>',
        f"<p>Compared with {bank}: this file shows footage from {count} of them.</p>",
        '<div class="earliest"><b>Earliest known copy:</b> '
        f"{escape(_file_name(earliest['path']))}"
        + (f" from {escape(earliest['source'])}" if earliest.get("source") else "")
        + f", {escape(human_time(earliest['time']))}.<br>"
        f'<span class="note">Dated by {escape(earliest["explanation"])}.</span></div>',
        "<h3>Timeline</h3>",
        _date_timeline(doc),
        "<h3>Which seconds match which known video</h3>",
        timeline_svg(_duration(doc), matches),
        '<p class="note">Each row is a known video; the coloured blocks are the seconds of this '
        "file that show the same footage, labelled with the matching seconds of the known video."
        "</p></div>",
    ]
    return "".join(parts)


def _date_timeline(doc: dict[str, Any]) -> str:
    """Known copies and this file's own claims, in date order."""
    entries: list[tuple[dt.datetime, str, str]] = []
    created = doc["inspection"]["capture"].get("creation_time")
    if created and created.get("utc"):
        entries.append(
            (_moment(created["utc"]), "self", "this file's own metadata says it was recorded")
        )
    earliest = doc["matching"]["earliest_copy"]
    for match in doc["matching"]["matches"]:
        since = match["known_since"]
        mark = " — earliest known copy" if match["sha256"] == earliest["sha256"] else ""
        text = f"{_file_name(match['path'])} {_since_phrase(match)}{mark}"
        entries.append((_moment(since["time"]), "", text))
    entries.append((_moment(doc["custody"]["collected_at"]), "self", "this report was made"))
    entries.sort(key=lambda e: e[0])
    items = "".join(
        f'<li class="{cls}"><time>{escape(human_time(when.strftime("%Y-%m-%dT%H:%M:%SZ")))}</time>'
        f"{escape(text)}</li>"
        for when, cls, text in entries
    )
    return f'<ol class="timeline">{items}</ol>'


def _duration(doc: dict[str, Any]) -> float:
    container = doc["inspection"]["container"] or {}
    ends = [s["query_end"] for m in doc["matching"]["matches"] for s in m["segments"]]
    return max([container.get("duration") or 0.0, *ends, 0.001])


def _tick_step(duration: float) -> float:
    for step in (0.5, 1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200):
        if duration / step <= 10:
            return step
    return 10 ** math.ceil(math.log10(duration / 10))


def timeline_svg(duration: float, matches: list[dict[str, Any]]) -> str:
    """An SVG strip: one row per known video, this file's seconds across, matched blocks."""
    width, row = STRIP_WIDTH, ROW_HEIGHT
    axis_y = len(matches) * row + 8
    height = axis_y + 28
    scale = width / duration
    out = [
        f'<svg viewBox="-10 0 {width + 20} {height}" role="img" '
        'aria-label="Which seconds of this file match which known video" '
        'font-family="system-ui, sans-serif">'
    ]
    for index, match in enumerate(matches):
        top = index * row
        colour = PALETTE[index % len(PALETTE)]
        label = f"{index + 1}. {_file_name(match['path'])}" + (
            " (mirrored)" if match.get("mirrored") else ""
        )
        out.append(
            f'<text x="0" y="{top + 13}" font-size="13" fill="#1d232b">{escape(label)}</text>'
            f'<rect x="0" y="{top + 18}" width="{width}" height="22" fill="#eceff3" rx="3"/>'
        )
        for segment in match["segments"]:
            x = segment["query_start"] * scale
            w = max(2.0, (segment["query_end"] - segment["query_start"]) * scale)
            known = f"known {clock(segment['ref_start'])}–{clock(segment['ref_end'])}"
            notes = [
                note
                for note in (
                    describe_rate(segment["rate"]),
                    describe_slack(segment.get("placement_slack_s", 0.0)),
                )
                if note
            ]
            tip = (
                f"this file {clock(segment['query_start'])}–{clock(segment['query_end'])} = "
                f"{known} of {_file_name(match['path'])}{''.join(', ' + n for n in notes)}"
            )
            out.append(
                f'<rect x="{x:.1f}" y="{top + 18}" width="{w:.1f}" height="22" fill="{colour}" '
                f'rx="3"><title>{escape(tip)}</title></rect>'
            )
            if w > len(known) * 7 + 8:
                out.append(
                    f'<text x="{x + 6:.1f}" y="{top + 33}" font-size="12" fill="#fff">'
                    f"{escape(known)}</text>"
                )
    out.append(
        f'<line x1="0" y1="{axis_y}" x2="{width}" y2="{axis_y}" stroke="#5b6470" stroke-width="1"/>'
    )
    step = _tick_step(duration)
    ticks = [i * step for i in range(int(duration / step + 1e-9) + 1)]
    if duration - ticks[-1] > step / 3:
        ticks.append(duration)
    for tick in ticks:
        x = tick * scale
        anchor = "end" if tick == duration else "middle" if tick else "start"
        out.append(
            f'<line x1="{x:.1f}" y1="{axis_y}" x2="{x:.1f}" y2="{axis_y + 5}" stroke="#5b6470"/>'
            f'<text x="{x:.1f}" y="{axis_y + 19}" font-size="12" fill="#5b6470" '
            f'text-anchor="{anchor}">{clock(tick)}</text>'
        )
    out.append("</svg>")
    return "".join(out)


def _stream(doc: dict[str, Any]) -> str:
    """The stream's timeline: frame sizes as a plot, keyframes and indicators as marks."""
    forensics = doc.get("forensics") or {}
    timeline = forensics.get("timeline")
    if timeline is None:
        if forensics.get("reason") in (None, "only videos have a stream to analyse"):
            return ""
        return (
            '<div class="card info"><h3>Inside the stream: not read</h3>'
            f"<p>{escape(forensics['reason'])}.</p></div>"
        )
    indicators = timeline["indicators"]
    splices = [i for i in indicators if i["kind"] == "splice_candidate"]
    if splices:
        title = f"Inside the stream: {_count(len(splices), 'possible splice')}"
        tone = "alert"
    elif indicators:
        title = f"Inside the stream: {_count(len(indicators), 'indicator')}"
        tone = "info"
    else:
        title, tone = "Inside the stream: no sign of an edit", "calm"
    items = "".join(
        f'<div class="flag"><b>{escape(clock(max(0.0, i["time"])))} · '
        f"{escape(i['kind'].replace('_', ' '))}</b> {escape(i['sentence'])}</div>"
        for i in indicators
    )
    return (
        f'<div class="card {tone}"><h3>{escape(title)}</h3>'
        + stream_svg(timeline, _duration(doc))
        + items
        + '<p class="note">The plot is each moment\'s largest frame (grey) and keyframes '
        "(blue ticks); marks are the indicators (red: a possible splice). Indicators are "
        "reasons to look closer, never verdicts: each says what innocent causes it can "
        "have.</p></div>"
    )


def stream_svg(timeline: dict[str, Any], duration: float) -> str:
    """An SVG strip: frame sizes over this file's seconds, keyframe ticks, indicator marks."""
    profile = timeline["size_profile"]
    width, height = STRIP_WIDTH, 90
    plot = 60
    # The stream's own clock: a transport stream's first frame may be at 1.4 s.
    origin = timeline["first_time"] or 0.0
    duration = max(duration, (timeline["last_time"] or 0.0) - origin, 1e-3)
    scale = width / duration

    def at(seconds: float) -> float:
        return max(0.0, seconds - origin) * scale

    out = [
        f'<svg viewBox="-10 0 {width + 20} {height}" role="img" '
        'aria-label="Frame sizes over time, keyframes and indicators" '
        'font-family="system-ui, sans-serif">'
        f'<rect x="0" y="0" width="{width}" height="{plot}" fill="#eceff3" rx="3"/>'
    ]
    sizes, start, step = profile["max"], profile["start"], profile["bucket_s"]
    if sizes and start is not None and step:
        top = max(sizes) or 1
        points = " ".join(
            f"{at(start + (k + 0.5) * step):.1f},{plot - 2 - v / top * (plot - 6):.1f}"
            for k, v in enumerate(sizes)
        )
        out.append(f'<polyline points="{points}" fill="none" stroke="#5b6470" stroke-width="1"/>')
    for t in profile["keyframes"]:
        x = at(t)
        out.append(
            f'<line x1="{x:.1f}" y1="{plot}" x2="{x:.1f}" y2="{plot + 6}" stroke="#2f6fb0"/>'
        )
    for indicator in timeline["indicators"]:
        x = at(indicator["time"])
        colour = "#c0392b" if indicator["kind"] == "splice_candidate" else "#d68910"
        tip = f"{clock(max(0.0, indicator['time']))} {indicator['kind'].replace('_', ' ')}"
        out.append(
            f'<line x1="{x:.1f}" y1="0" x2="{x:.1f}" y2="{plot}" stroke="{colour}" '
            f'stroke-width="2"><title>{escape(tip)}</title></line>'
        )
    out.append(
        f'<text x="0" y="{plot + 22}" font-size="12" fill="#5b6470">0:00</text>'
        f'<text x="{width}" y="{plot + 22}" font-size="12" fill="#5b6470" text-anchor="end">'
        f"{clock(duration)}</text></svg>"
    )
    return "".join(out)


def _frames(report: Report, keyframes: dict[str, Any]) -> str:
    if not keyframes["available"]:
        return ""
    hashes = {f["time"]: f["phash"] for f in keyframes["frames"]}
    total = len(keyframes["frames"])
    figures = "".join(
        f'<figure><img src="{_data_uri(t.jpeg)}" alt="frame at {timestamp_label(t.time)}">'
        f"<figcaption><b>{timestamp_label(t.time)}</b><br>"
        f'<span class="mono">pHash {escape(hashes.get(round(t.time, 4), "–"))}</span>'
        "</figcaption></figure>"
        for t in report.keyframes.shown
    )
    shown = len(report.keyframes.shown)
    note = (
        f"{shown} of {total} frames sampled ({escape(keyframes['sampling'])}), evenly chosen."
        if shown < total
        else f"All {total} frames sampled ({escape(keyframes['sampling'])})."
    )
    sheet = ""
    if report.keyframes.sheet:
        sheet = (
            "<details><summary>Contact sheet (the same frames in one picture, also saved as "
            f"{escape(keyframes['contact_sheet']['file'])})</summary>"
            f'<img src="{_data_uri(report.keyframes.sheet)}" alt="contact sheet" '
            'style="max-width:100%"></details>'
        )
    notes = "".join(f'<p class="note">{escape(n)}</p>' for n in keyframes["notes"])
    return (
        "<h2>Frames</h2>"
        "<p>Pictures from the video with their time, for reverse image search (save one and "
        "search with it) and to compare by eye. The pHash is a fingerprint of the picture: "
        f'copies of the same frame have nearly the same one.</p><p class="note">{note}</p>'
        f'{notes}<div class="gallery">{figures}</div>{sheet}'
    )


# --- details ------------------------------------------------------------------


def _file_details(inspection: dict[str, Any], custody: dict[str, Any]) -> str:
    file = inspection["file"]
    matches = {True: "matches", False: "DOES NOT MATCH", None: "cannot tell"}
    content = (
        f"{file['detected']}" + (f" (brand {file['brand'].strip()})" if file["brand"] else "")
        + f"; the extension {file['extension'] or '(none)'} {matches[file['extension_matches']]}"
    )  # fmt: skip
    return "<h3>The file</h3>" + _fields(
        [
            ("Name", escape(file["name"])),
            ("Path as given", _mono(custody["file"]["path"])),
            ("Full path", _mono(custody["file"]["absolute_path"])),
            ("Size", f"{file['size']:,} bytes"),
            ("SHA-256", _mono(file["sha256"])),
            ("MD5", _mono(file["md5"])),
            ("Modified (on this disk)", escape(human_time(file["mtime"]))),
            ("Content", escape(content)),
        ]
    )


def _media_details(inspection: dict[str, Any]) -> str:
    container = inspection["container"]
    rows = []
    for s in inspection["streams"]:
        if s["type"] == "video":
            detail = f"{s.get('display_width')} × {s.get('display_height')}"
            if s.get("frame_rate") and inspection["media_kind"] == "video":
                detail += f", {s['frame_rate']:.3g} fps {s.get('frame_rate_mode') or ''}"
            if s.get("rotation"):
                detail += f", rotated {s['rotation']:g}°"
        elif s["type"] == "audio":
            detail = (
                f"{s.get('sample_rate') or '?'} Hz, {s.get('channel_layout') or s.get('channels')}"
            )
        else:
            detail = ""
        duration = f"{s['duration']:.3f} s" if s.get("duration") else "–"
        rows.append(
            f"<tr><td>{s['index']}</td><td>{escape(s['type'])}</td>"
            f"<td>{_text(s.get('codec_long') or s.get('codec'))}</td><td>{escape(detail)}</td>"
            f"<td>{duration}</td></tr>"
        )
    head = ""
    if container:
        bits = [container.get("format_long_name") or container["format_name"]]
        if container.get("duration") and inspection["media_kind"] != "image":
            bits.append(f"{container['duration']:.3f} s")
        if container.get("bit_rate") and inspection["media_kind"] != "image":
            bits.append(f"{container['bit_rate'] / 1000:.0f} kb/s")
        head = f"<p>Container: {escape(' · '.join(bits))}</p>"
    table = (
        "<table><tr><th>#</th><th>kind</th><th>codec</th><th>picture / sound</th>"
        f"<th>length</th></tr>{''.join(rows)}</table>"
        if rows
        else ""
    )
    return f"<h3>Media</h3>{head}{table}"


def _capture_details(capture: dict[str, Any]) -> str:
    def when(t: dict[str, Any]) -> str:
        zone = f", zone {t['zone']}" if t.get("zone") else ""
        if t.get("zone") and t.get("zone_source"):
            zone += f" (from the {t['zone_source']})"
        assumed = " (UTC by the format's definition)" if t.get("assumed_utc") else ""
        return (
            f"{escape(human_time(t['utc']) if t.get('utc') else t['local'])}{assumed} — "
            f"written as {_mono(t['original'])} in {escape(t['source'])}{escape(zone)}"
        )

    rows = [("Created", when(capture["creation_time"]) if capture["creation_time"] else "–")]
    rows += [("Also", when(t)) for t in capture["other_times"]]
    device = capture["device"]
    rows.append(("Device", _text(" · ".join(x for x in (device["make"], device["model"]) if x))))
    rows.append(("Device software", _text(device["software"])))
    lens = " ".join(x for x in (device.get("lens_make"), device.get("lens_model")) if x)
    for label, value in (
        ("Lens", lens),
        ("Body serial number", device.get("serial_number")),
        ("Lens serial number", device.get("lens_serial_number")),
        ("Image unique ID", device.get("image_unique_id")),
        ("Live Photo content ID", device.get("content_identifier")),
    ):
        if value:
            rows.append((label, _mono(value)))
    loc = capture["location"]
    rows.append(
        (
            "Location",
            f"{loc['latitude']:.6f}, {loc['longitude']:.6f}"
            + (f", {loc['altitude']:g} m" if loc["altitude"] is not None else "")
            + f" — from {escape(loc['source'])}"
            if loc
            else "–",
        )
    )
    rows += [
        ("Written by", f"{_mono(e['value'])} ({escape(e['where'])})") for e in capture["encoders"]
    ]
    return "<h3>What the file says about its recording</h3>" + _fields(rows)


def _picture_details(still: dict[str, Any] | None, xmp: dict[str, Any] | None) -> str:
    """What a still's structure and any XMP packet say (nothing for a video without XMP)."""
    rows: list[tuple[str, str]] = []
    if still:
        if still["width"]:
            rows.append(
                (
                    "Size",
                    f"{still['width']}x{still['height']} ({escape(str(still['size_source']))})",
                )
            )
        if still["exif_where"]:
            rows.append(("EXIF block", _text(still["exif_where"])))
        quality = still["jpeg_quality"]
        if quality:
            tables = "libjpeg's standard tables" if quality["standard_tables"] else "its own tables"
            rows.append(("JPEG compression", f"quality about {quality['estimate']}, {tables}"))
        if still["icc_profile"]:
            rows.append(("Colour profile", _text(still["icc_profile"])))
        rows += [("Comment", _mono(c)) for c in still["comments"]]
        rows += [("Text", f"{_mono(t['keyword'])}: {_mono(t['text'])}") for t in still["texts"]]
        rows += [("IPTC " + k, _mono(v)) for k, v in still["iptc"].items()]
        rows += [
            (
                "Embedded file",
                f"{escape(e['kind'])}, {e['size']:,} bytes at byte {e['offset']:,} "
                f"({escape(e['where'])}), SHA-256 {_mono(e['sha256'])}",
            )
            for e in still["embedded"]
        ]
    if xmp:
        for label, key in (
            ("XMP creator tool", "creator_tool"),
            ("XMP document ID", "document_id"),
            ("XMP original document ID", "original_document_id"),
            ("XMP instance ID", "instance_id"),
            ("XMP metadata date", "metadata_date"),
            ("Digital source type", "digital_source_type"),
        ):
            if xmp.get(key):
                rows.append((label, _mono(xmp[key])))
        for event in xmp["history"]:
            done = " ".join(
                escape(x)
                for x in (event["action"], event["software"] and f"by {event['software']}")
                if x
            )
            rows.append(("XMP history", f"{done} {escape(event['when'] or '')}".strip()))
    if not rows:
        return ""
    return "<h3>What the picture's own structure and XMP say</h3>" + _fields(rows)


def _flag_details(flags: list[dict[str, Any]]) -> str:
    if not flags:
        return "<h3>Forensic flags</h3><p>None.</p>"
    rows = "".join(
        f'<tr><td><span class="badge {f["severity"]}">{escape(f["severity"])}</span></td>'
        f"<td><b>{escape(_flag_title(f['code']))}</b><br>{_mono(f['code'])}</td>"
        f"<td>{escape(f['message'])}</td><td>{_mono(f['evidence'])}</td></tr>"
        for f in flags
    )
    return (
        "<h3>Forensic flags</h3><table><tr><th>severity</th><th>flag</th><th>meaning</th>"
        f"<th>evidence</th></tr>{rows}</table>"
    )


def _match_details(matching: dict[str, Any]) -> str:
    if not matching["performed"]:
        return f"<h3>Matches</h3><p>Not compared: {escape(matching['reason'] or '')}.</p>"
    compared = (
        "this file has no picture: it was compared by its sound"
        if matching["sampling"] == SOUND_ONLY
        else f"this file sampled at {escape(matching['sampling'])}; "
        f"{_count(matching['candidates'], 'candidate')} compared frame by frame"
    )
    head = (
        f"<h3>Matches</h3><p>Bank {_mono(matching['bank'])} "
        f"({_count(matching['bank_videos'], 'video')}); {compared}.</p>"
    )
    listed = _sound_details(matching["sound"]) + _list_match_details(matching["list_matches"])
    if not matching["matches"]:
        return head + "<p>No known video matched.</p>" + listed
    parts = [head]
    for index, m in enumerate(matching["matches"], 1):
        since = m["known_since"]
        parts.append(
            f"<h3>{index}. {escape(_file_name(m['path']))}</h3>"
            + _fields(
                [
                    ("Path in the bank", _mono(m["path"])),
                    ("SHA-256", _mono(m["sha256"])),
                    ("Score", f"{m['score']:.3f} (share of this file covered, 0 to 1)"),
                    ("Mirrored", "yes: this file is a flipped copy" if m["mirrored"] else "no"),
                    (
                        "Framing",
                        escape(describe_framing(m["framing"]))
                        if m.get("framing")
                        else "the whole known picture (or a centred crop of it)",
                    ),
                    (
                        "Where in this file",
                        escape(describe_region(m["region"]))
                        if m.get("region")
                        else "the whole frame (inside any bars)",
                    ),
                    *([("Masked", escape(describe_mask(m["masked"])))] if m.get("masked") else []),
                    ("Source", _text(m["source"])),
                    ("Posted", escape(human_time(m["posted_at"])) if m["posted_at"] else "–"),
                    ("Found at", _mono(m["url"]) if m["url"] else "–"),
                    ("Added to the bank", escape(human_time(m["added_at"]))),
                    (
                        "Known since",
                        f"{escape(human_time(since['time']))} — {escape(since['explanation'])}",
                    ),
                ]
            )
        )
        rows = "".join(
            f"<tr><td>{timestamp_label(s['query_start'])} – {timestamp_label(s['query_end'])}</td>"
            f"<td>{timestamp_label(s['ref_start'])} – {timestamp_label(s['ref_end'])}</td>"
            f"<td>{s['frames']}</td><td>{s['mean_distance']:.1f}</td>"
            f"<td>{s['rate']:.2f}x</td><td>{s.get('placement_slack_s', 0.0):.1f} s</td></tr>"
            for s in m["segments"]
        )
        parts.append(
            "<table><tr><th>this file</th><th>known video</th><th>matching frames</th>"
            "<th>bits apart (0 = identical)</th><th>speed (known seconds a second)</th>"
            "<th>fits as well moved by (still footage: edges uncertain)</th></tr>"
            f"{rows}</table>"
        )
    return "".join(parts) + listed


_SOUND_STATES = {
    "no_match": "This file's sound was compared with the bank's: no known video's sound found.",
    "no_sound": "This file has no sound to compare.",
    "bank_has_none": "Not compared: no video in the bank has its sound stored.",
}


def _sound_details(sound: dict[str, Any] | None) -> str:
    """The file's sound against the bank's, and how it sits with the picture's matches."""
    if sound is None:
        return ""
    if sound["state"] == "unreadable":
        intro = f"This file's sound could not be read: {escape(sound['detail'] or '')}."
    else:
        intro = escape(_SOUND_STATES.get(sound["state"], "Known videos whose sound this file "
                                         "plays, found by audio fingerprints:"))  # fmt: skip
    rows = []
    for m in sound["matches"]:
        spans = "<br>".join(
            f"{timestamp_label(s['query_start'])} – {timestamp_label(s['query_end'])} = "
            f"{timestamp_label(s['known_start'])} – {timestamp_label(s['known_end'])}"
            for s in m["segments"]
        )
        rows.append(
            f"<tr><td>{_mono(m['path'])}</td><td>{escape(m['sentence'])}</td><td>{spans}</td>"
            f"<td>{m['votes']}</td></tr>"
        )
    table = (
        "<table><tr><th>known video</th><th>what it means</th><th>this file = known "
        f"video</th><th>agreeing landmarks</th></tr>{''.join(rows)}</table>"
        if rows
        else ""
    )
    unheard = "".join(
        f"<p>The picture of {_mono(v['path'])} is shown, but its stored sound was not "
        "recognised in this file's: replaced, or changed beyond recognition.</p>"
        for v in sound["unheard"]
    )
    return f"<h3>Sound</h3><p>{intro}</p>{table}{unheard}"


def _list_match_details(found: list[dict[str, Any]]) -> str:
    """Entries of shared hash lists the file matches: by hash only, no media behind them."""
    if not found:
        return ""
    rows = []
    for m in found:
        if m["rule"] == "md5":
            how = "the same MD5: these exact bytes"
        else:
            how = (f"vPDQ: {m['query_percent']:.0f} % of this file's frames match, "
                   f"{m['entry_percent']:.0f} % of the entry's")  # fmt: skip
        rows.append(
            f"<tr><td>{_text(m['list'])}</td><td>{_mono(str(m['id']))}</td>"
            f"<td>{_text(m['signal_type'])}</td><td>{_text(m['label'] or '–')}</td>"
            f"<td>{escape(how)}</td><td>{escape(human_time(m['added_at']))}</td></tr>"
        )
    return (
        "<h3>Shared hash lists</h3><p>Entries of lists other organisations shared, which name "
        "footage by hash only (no media is held for them).</p><table><tr><th>list</th>"
        "<th>entry</th><th>signal</th><th>read from</th><th>how it matches</th><th>imported</th>"
        f"</tr>{''.join(rows)}</table>"
    )


def _custody_details(custody: dict[str, Any]) -> str:
    env = custody["environment"]
    tools = "<br>".join(
        f"{escape(name)}: " + (_mono(f"{t['version']} ({t['path']})") if t else "not found")
        for name, t in env["tools"].items()
    )
    libraries = ", ".join(
        f"{escape(n)} {escape(v or 'absent')}" for n, v in env["libraries"].items()
    )
    options, operator = custody["options"], custody["operator"]
    tool = f"verify {custody['tool']['version']}, Python {env['python']}, {env['platform']}"
    events = "".join(
        f'<tr><td>{escape(e["event"])}</td><td class="mono">{escape(e["at"])}</td>'
        f"<td>{escape(e['detail'])}</td></tr>"
        for e in custody["events"]
    )
    rows = [
        ("Examined by", escape(f"{operator['user']} on {operator['host']}")),
        ("Collected", escape(custody["collected_at"])),
        ("Tool", escape(tool)),
        ("ffmpeg / ffprobe", tools),
        ("Libraries", libraries),
        ("Command", _mono(options["command_line"])),
    ]
    return (
        "<h3>Chain of custody</h3>"
        + _fields(rows)
        + "<table><tr><th>step</th><th>time (UTC)</th><th>what was done</th></tr>"
        + events
        + "</table>"
    )


def _digest_details(digest: dict[str, Any], custody: dict[str, Any]) -> str:
    return (
        "<h3>Report digest</h3>"
        f"<p>SHA-256 of the report: {_mono(digest['value'])}</p>"
        f'<p class="note">{escape(digest["method"])}. If the JSON report '
        f"({escape(_file_name(custody['options']['out']))}) is changed after it was written, "
        "this value no longer matches it.</p>"
    )


def _raw_tags(inspection: dict[str, Any]) -> str:
    tags: dict[str, str] = dict((inspection["container"] or {}).get("tags") or {})
    for stream in inspection["streams"]:
        tags.update({f"#{stream['index']} {k}": v for k, v in stream["tags"].items()})
    tags.update(inspection["exif"])
    if not tags:
        return ""
    rows = "".join(f"<tr><td>{_mono(k)}</td><td>{_mono(v)}</td></tr>" for k, v in tags.items())
    return (
        f"<details><summary>Every metadata tag ({len(tags)})</summary>"
        f"<table><tr><th>tag</th><th>value</th></tr>{rows}</table></details>"
    )
