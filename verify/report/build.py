"""The provenance report for one item: custody, inspection, keyframes, matches.

`build_report` runs every step on one file and records when each happened;
`Report.to_dict` is the JSON document (schema ``report.schema.json``) and
`write_report` writes it, with the contact sheet and the HTML page, so that
all files are replaced together or none is.

The document ends in a ``digest``: the SHA-256 of the document without its
``digest`` field, serialised as canonical JSON::

    body = {k: v for k, v in document.items() if k != "digest"}
    text = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    hashlib.sha256(text.encode("utf-8")).hexdigest()

so anyone can recompute it (`verify_digest`), and a report changed after it
was written no longer matches its digest. The contact sheet is a separate
JPEG beside the JSON; its SHA-256 is inside the digested body.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import os
from collections import Counter
from pathlib import Path

import cv2
import numpy as np
from PIL import Image, ImageOps

from verify.bank import BankStore, is_url, open_bank
from verify.config import QUERY_HASH
from verify.errors import InputError, OutputError, ToolMissing, UnreadableMedia, display_path
from verify.forensics.timeline import analyse_file
from verify.hashing.fingerprint import fingerprint_video
from verify.hashing.keyframes import THUMB_WIDTH, contact_sheet
from verify.inspection.inspect import Inspection, check_readable_file, inspect_file
from verify.journal import operator
from verify.matching.match import match_file
from verify.media.environment import describe_environment
from verify.media.filehash import hash_file
from verify.media.sampling import Sampling
from verify.output import atomic_write_files
from verify.output import check_outputs as check_output_paths
from verify.report.html import render_html
from verify.report.model import (
    MAX_SHOWN_FRAMES,
    PREVIEW_LONG_SIDE,
    THUMB_QUALITY,
    Custody,
    Event,
    Forensics,
    Keyframes,
    Matching,
    Report,
    ReportOptions,
    Thumbnail,
)
from verify.timestamps import format_utc


def _now() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


class _Gallery:
    """Collects thumbnails of exported frames, evenly thinned, in bounded memory.

    Every ``stride``-th frame is kept; when twice the wanted number are kept,
    the stride doubles and every other one is dropped. At the end
    `MAX_SHOWN_FRAMES` are chosen evenly from those kept.
    """

    def __init__(self) -> None:
        self.seen = 0
        self.stride = 1
        self.kept: list[tuple[int, float, np.ndarray]] = []

    def add(self, time: float, bgr: np.ndarray) -> None:
        index, self.seen = self.seen, self.seen + 1
        if index % self.stride:
            return
        scale = THUMB_WIDTH / bgr.shape[1]
        size = (THUMB_WIDTH, max(2, round(bgr.shape[0] * scale)))
        self.kept.append((index, time, cv2.resize(bgr, size, interpolation=cv2.INTER_AREA)))
        if len(self.kept) >= 2 * MAX_SHOWN_FRAMES:
            self.stride *= 2
            self.kept = [k for k in self.kept if k[0] % self.stride == 0]

    def chosen(self) -> list[tuple[float, np.ndarray]]:
        kept = self.kept
        if len(kept) > MAX_SHOWN_FRAMES:
            last = len(kept) - 1
            picks = sorted(
                {round(i * last / (MAX_SHOWN_FRAMES - 1)) for i in range(MAX_SHOWN_FRAMES)}
            )
            kept = [kept[i] for i in picks]
        return [(time, thumb) for _, time, thumb in kept]


def _thumbnail_jpeg(bgr: np.ndarray) -> bytes:
    ok, encoded = cv2.imencode(".jpg", bgr, [cv2.IMWRITE_JPEG_QUALITY, THUMB_QUALITY])
    if not ok:
        raise OutputError("could not encode a thumbnail as JPEG")
    return encoded.tobytes()


def _still_preview(path: str | os.PathLike[str]) -> bytes | None:
    """A small upright JPEG of a still, or None where Pillow cannot read it (HEIC)."""
    try:
        with Image.open(path) as image:
            picture = ImageOps.exif_transpose(image).convert("RGB")
    except Exception:  # Pillow raises assorted errors on formats it lacks
        return None
    picture.thumbnail((PREVIEW_LONG_SIDE, PREVIEW_LONG_SIDE))
    buffer = io.BytesIO()
    picture.save(buffer, format="JPEG", quality=THUMB_QUALITY)
    return buffer.getvalue()


def _operator() -> tuple[str, str]:
    found = operator()  # as the case journal names who did the work
    return found["user"], found["host"]


def check_outputs(path: str | os.PathLike[str], options: ReportOptions) -> None:
    """Fail before any work on an unusable input, or an output that cannot be written
    or would overwrite an input or another output.
    """
    check_readable_file(path)
    check_output_paths(
        {"-o/--out": options.out, "contact sheet": options.sheet_path, "--html": options.html},
        inputs={
            "the input file": os.fsdecode(path),
            **({"the bank": options.db} if options.db and not is_url(options.db) else {}),
        },
    )


def build_report(path: str | os.PathLike[str], options: ReportOptions) -> Report:
    """Examine one file (and match it against ``options.db``) and record every step."""
    events: list[Event] = []
    bank = open_bank(options.db, readonly=True) if options.db else None
    try:
        return _build(path, options, bank, events)
    finally:
        if bank is not None:
            bank.close()


def _build(
    path: str | os.PathLike[str],
    options: ReportOptions,
    bank: BankStore | None,
    events: list[Event],
) -> Report:
    before = check_readable_file(path)
    mtime = dt.datetime.fromtimestamp(before.st_mtime, dt.timezone.utc)
    events.append(
        Event("collected", _now(), f"{before.st_size:,} bytes, modified {format_utc(mtime)}")
    )
    try:
        digest = hash_file(path)
    except OSError as exc:
        raise InputError(f"read failed: {exc.strerror or exc}", path) from None
    events.append(Event("hashed", _now(), f"SHA-256 {digest.sha256}, MD5 {digest.md5}"))
    inspection = inspect_file(path, timeout=options.timeout)
    if inspection.digest != digest:
        raise InputError("the file changed while it was being read; report on it again", path)
    codes = ", ".join(f.code for f in inspection.flags) or "none"
    events.append(Event("inspected", _now(), f"{inspection.media_kind}; forensic flags: {codes}"))

    forensics = _forensics(path, inspection, options)
    if forensics.timeline is not None:
        timeline = forensics.timeline
        events.append(
            Event(
                "analysed", _now(),
                f"{timeline.frames.count} frames' structure read; {len(timeline.indicators)} "
                f"indicator(s), {len(timeline.splices)} splice candidate(s)",
            )
        )  # fmt: skip
    known_digest = (digest.sha256, digest.size)
    keyframes, preview = _keyframes(path, inspection, options, known_digest), None
    if keyframes.fingerprint is not None:
        fingerprint = keyframes.fingerprint
        events.append(
            Event(
                "keyframes", _now(),
                f"{len(fingerprint.frames)} frame(s) sampled ({fingerprint.sampling}) and "
                f"hashed (pHash, dHash); {len(keyframes.shown)} shown",
            )
        )  # fmt: skip
    elif inspection.media_kind == "image":
        preview = _still_preview(path)

    matching = _matching(path, inspection, keyframes, options, bank, known_digest)
    if matching.result is not None:
        count = len(matching.matches)
        events.append(
            Event(
                "matched", _now(),
                f"compared with {matching.bank_videos} known video(s) in {matching.bank}: "
                f"{count} match{'es' if count != 1 else ''}",
            )
        )  # fmt: skip

    after = os.stat(path)
    if (after.st_size, after.st_mtime_ns) != (before.st_size, before.st_mtime_ns):
        raise InputError("the file changed while it was being read; report on it again", path)
    user, host = _operator()
    events.append(Event("reported", _now(), "report assembled and its digest computed"))
    custody = Custody(
        path=display_path(path), absolute_path=display_path(os.path.abspath(os.fsencode(path))),
        digest=digest, mtime=mtime, user=user, host=host, environment=describe_environment(),
        options=options, events=tuple(events),
    )  # fmt: skip
    return Report(custody, inspection, keyframes, matching, options, preview, forensics)


def _forensics(
    path: str | os.PathLike[str], inspection: Inspection, options: ReportOptions
) -> Forensics:
    if inspection.media_kind != "video":
        return Forensics(reason="only videos have a stream to analyse")
    try:
        known = inspection.container.duration if inspection.container else None
        timeline = analyse_file(path, timeout=options.timeout, duration=known or 0.0)
    except ToolMissing:
        raise
    except UnreadableMedia as error:
        return Forensics(reason=f"the stream could not be read: {error.message}")
    if timeline.sha256 != inspection.digest.sha256:
        raise InputError("the file changed while it was being read; report on it again", path)
    return Forensics(timeline)


def _keyframes(
    path: str | os.PathLike[str],
    inspection: Inspection,
    options: ReportOptions,
    known_digest: tuple[str, int],
) -> Keyframes:
    if inspection.media_kind != "video":
        if inspection.media_kind == "image":
            return Keyframes(None, reason="a still image has no frames to sample")
        return Keyframes(None, reason="there is no video stream, so no frames to sample")
    gallery = _Gallery()
    try:
        fingerprint = fingerprint_video(
            path, Sampling.parse(options.sampling), timeout=options.timeout,
            export=gallery.add, known_digest=known_digest, probed=inspection,
        )  # fmt: skip
    except ToolMissing:
        raise
    except UnreadableMedia as error:
        return Keyframes(None, reason=f"the frames could not be decoded: {error.message}")
    chosen = gallery.chosen()
    shown = tuple(Thumbnail(time, _thumbnail_jpeg(thumb)) for time, thumb in chosen)
    sheet = contact_sheet(chosen, title=os.path.basename(display_path(path))) if chosen else None
    return Keyframes(fingerprint, shown, sheet, options.sheet_path.name if sheet else None)


def _matching(
    path: str | os.PathLike[str],
    inspection: Inspection,
    keyframes: Keyframes,
    options: ReportOptions,
    bank: BankStore | None,
    known_digest: tuple[str, int],
) -> Matching:
    if bank is None:
        return Matching(reason="no bank of known videos was given (--db)")
    where = bank.location if is_url(bank.location) else display_path(os.path.abspath(bank.location))
    videos = bank.video_count()
    if inspection.media_kind not in ("video", "audio"):
        return Matching(where, videos, reason="only videos and sound are compared with the bank")
    if inspection.media_kind == "video" and keyframes.fingerprint is None:
        return Matching(where, videos, reason=keyframes.reason)
    report = match_file(
        path, bank, sampling=Sampling.parse(options.match_sampling), timeout=options.timeout,
        known_digest=known_digest, probed=inspection, hash_config=QUERY_HASH,
    )  # fmt: skip
    return Matching(where, videos, report)


def render_json(report: Report) -> str:
    """The report document as written to ``-o`` (and printed by ``--json``)."""
    return json.dumps(report.to_dict(), indent=2, ensure_ascii=False) + "\n"


def write_report(report: Report) -> list[Path]:
    """Write the JSON, the contact sheet and the HTML page together; return their paths.

    Either every file is replaced or none is: a failure (a full disk, a
    folder that became read-only) leaves earlier reports as they were.
    """
    files: dict[Path, bytes] = {Path(report.options.out): render_json(report).encode("utf-8")}
    if report.keyframes.sheet is not None:
        files[report.options.sheet_path] = report.keyframes.sheet
    if report.options.html:
        files[Path(report.options.html)] = render_html(report).encode("utf-8")
    atomic_write_files(files)
    return list(files)


def summary_text(report: Report, written: list[Path]) -> str:
    """What `verify report` prints: the essentials, then the files written."""
    document = report.to_dict()
    inspection, matching = report.inspection, document["matching"]

    def field(label: str, value: str) -> str:
        return f"  {label:<14}{value}"

    duration = inspection.container.duration if inspection.container else None
    what = [inspection.media_kind]
    if duration and inspection.media_kind in {"video", "audio"}:
        what.append(f"{duration:.2f} s")
    what.append(f"sha256 {inspection.digest.sha256}")
    lines = [report.custody.path, field("file", " · ".join(what))]
    for severity, label in (("warning", "red flags"), ("notice", "worth a look")):
        codes = [f.code for f in inspection.flags if f.severity == severity]
        lines.append(field(label, ", ".join(codes) or "none"))
    keyframes = document["keyframes"]
    if keyframes["available"]:
        shown = sum(f["shown"] for f in keyframes["frames"])
        frames = f"{len(keyframes['frames'])} sampled ({keyframes['sampling']}), {shown} shown"
    else:
        frames = f"none ({keyframes['reason']})"
    lines.append(field("frames", frames))
    timeline = report.forensics.timeline
    if timeline is not None:
        counts = Counter(i.kind.value for i in timeline.indicators)
        found = ", ".join(f"{kind} x{counts[kind]}" for kind in sorted(counts))
        lines.append(field("stream", f"{len(timeline.splices)} possible splice(s); {found}"
                           if counts else "no indicators"))  # fmt: skip
    elif inspection.media_kind == "video":
        lines.append(field("stream", f"not read ({report.forensics.reason})"))
    if not matching["performed"]:
        lines.append(field("known copies", f"not checked ({matching['reason']})"))
    else:
        lines.append(field("known copies", f"{len(matching['matches'])} in {matching['bank']}"))
        earliest = matching["earliest_copy"]
        if earliest:
            lines.append(
                field(
                    "earliest", f"{earliest['path']}  ({earliest['evidence']} {earliest['time']})"
                )
            )
        sound = matching["sound"]
        if sound and sound["matches"]:
            relations = ", ".join(sorted({m["relation"].replace("_", " ")
                                          for m in sound["matches"]}))  # fmt: skip
            lines.append(field("sound", f"{len(sound['matches'])} known recording(s) heard "
                                        f"({relations})"))  # fmt: skip
        elif sound and sound["unheard"]:
            lines.append(field("sound", f"{len(sound['unheard'])} known picture(s) shown "
                                        "without their sound"))  # fmt: skip
    lines.append(field("digest", f"sha256 {document['digest']['value']}"))
    lines += [f"wrote {display_path(path)}" for path in written]
    return "\n".join(lines)
