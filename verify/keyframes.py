"""Export the frames that identify a video, for reverse image search.

`export_keyframes` writes each selected frame as a JPEG named by its
timestamp and, optionally, a contact sheet: a grid of thumbnails with the
time under each, one image to attach to a report or to skim.
"""

from __future__ import annotations

import dataclasses
import io
import os
from pathlib import Path

import cv2
import numpy as np
from PIL import Image, ImageDraw, ImageFont

from verify import defaults
from verify.errors import OutputError
from verify.fingerprint import VideoFingerprint, fingerprint_video
from verify.frames import Sampling
from verify.output import atomic_write_bytes

THUMB_WIDTH = 320
SHEET_COLUMNS = 4
JPEG_QUALITY = 92


@dataclasses.dataclass(frozen=True)
class ExportedFrame:
    time: float
    path: str

    def to_dict(self) -> dict[str, object]:
        return {"time": round(self.time, 4), "path": self.path}


def timestamp_label(seconds: float) -> str:
    """``HH:MM:SS.mmm`` for people."""
    millis = round(seconds * 1000)
    hours, rest = divmod(millis, 3_600_000)
    minutes, rest = divmod(rest, 60_000)
    secs, millis = divmod(rest, 1000)
    return f"{hours:02d}:{minutes:02d}:{secs:02d}.{millis:03d}"


def frame_file_name(stem: str, seconds: float) -> str:
    """File name carrying the timestamp, safe on every file system (no colons)."""
    return f"{stem}_{timestamp_label(seconds).replace(':', '-')}.jpg"


def _jpeg(bgr: np.ndarray) -> bytes:
    ok, encoded = cv2.imencode(".jpg", bgr, [cv2.IMWRITE_JPEG_QUALITY, JPEG_QUALITY])
    if not ok:
        raise OutputError("could not encode a frame as JPEG")
    return encoded.tobytes()


def export_keyframes(
    path: str | os.PathLike[str] | bytes,
    out_dir: str | os.PathLike[str],
    *,
    sampling: Sampling | str = "keyframes",
    sheet: str | os.PathLike[str] | None = None,
    timeout: float = defaults.PROBE_TIMEOUT_S,
) -> tuple[VideoFingerprint, list[ExportedFrame]]:
    """Write the selected frames of ``path`` into ``out_dir`` (and a contact sheet)."""
    folder = Path(out_dir)
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OutputError(f"cannot create the output folder: {exc.strerror}", out_dir) from None
    stem = Path(os.fsdecode(path)).stem
    exported: list[ExportedFrame] = []
    thumbs: list[tuple[float, np.ndarray]] = []

    def write(time: float, bgr: np.ndarray) -> None:
        target = folder / frame_file_name(stem, time)
        atomic_write_bytes(target, _jpeg(bgr))
        exported.append(ExportedFrame(time, str(target)))
        if sheet is not None:
            scale = THUMB_WIDTH / bgr.shape[1]
            size = (THUMB_WIDTH, max(2, round(bgr.shape[0] * scale)))
            thumbs.append((time, cv2.resize(bgr, size, interpolation=cv2.INTER_AREA)))

    fingerprint = fingerprint_video(path, sampling, timeout=timeout, export=write)
    if sheet is not None:
        atomic_write_bytes(Path(sheet), contact_sheet(thumbs, title=Path(os.fsdecode(path)).name))
    return fingerprint, exported


def contact_sheet(thumbs: list[tuple[float, np.ndarray]], *, title: str = "") -> bytes:
    """A JPEG grid of thumbnails with a timestamp under each."""
    font = ImageFont.load_default(size=16)
    label_height, pad = 24, 8
    columns = max(1, min(SHEET_COLUMNS, len(thumbs)))
    rows = max(1, -(-len(thumbs) // columns))
    cell_height = max((t.shape[0] for _, t in thumbs), default=180) + label_height
    title_height = 32 if title else 0
    width = pad + columns * (THUMB_WIDTH + pad)
    height = title_height + pad + rows * (cell_height + pad)
    sheet = Image.new("RGB", (width, height), (24, 24, 24))
    draw = ImageDraw.Draw(sheet)
    if title:
        draw.text((pad, 8), title, fill=(240, 240, 240), font=font)
    if not thumbs:
        draw.text((pad, title_height + pad), "no frames", fill=(240, 240, 240), font=font)
    for i, (time, bgr) in enumerate(thumbs):
        x = pad + (i % columns) * (THUMB_WIDTH + pad)
        y = title_height + pad + (i // columns) * (cell_height + pad)
        sheet.paste(Image.fromarray(cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB)), (x, y))
        draw.text(
            (x + 4, y + bgr.shape[0] + 4), timestamp_label(time), fill=(255, 255, 255), font=font
        )
    buffer = io.BytesIO()
    sheet.save(buffer, format="JPEG", quality=JPEG_QUALITY)
    return buffer.getvalue()
