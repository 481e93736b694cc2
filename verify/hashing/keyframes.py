"""Export the frames that identify a video, for reverse image search.

`export_keyframes` writes each selected frame as a JPEG named by its
timestamp and, optionally, a contact sheet: a grid of thumbnails with the
time under each, one image to attach to a report or to skim.
"""

from __future__ import annotations

import dataclasses
import io
import os
import re
from pathlib import Path

import cv2
import numpy as np
from PIL import Image, ImageDraw, ImageFont

from verify.config import INSPECT
from verify.errors import OutputError, display_path
from verify.hashing.fingerprint import VideoFingerprint, fingerprint_video
from verify.media.sampling import Sampling
from verify.media.walk import check_readable_file
from verify.output import atomic_write_bytes, check_distinct, check_writable
from verify.timestamps import timestamp_label

THUMB_WIDTH = 320
SHEET_COLUMNS = 4
JPEG_QUALITY = 92


@dataclasses.dataclass(frozen=True)
class ExportedFrame:
    time: float
    path: str

    def to_dict(self) -> dict[str, object]:
        return {"time": round(self.time, 4), "path": self.path}


def frame_file_name(stem: str, seconds: float) -> str:
    """File name carrying the timestamp, safe on every file system (no colons)."""
    return f"{stem}_{timestamp_label(seconds).replace(':', '-')}.jpg"


def _frame_name_pattern(stem: str) -> re.Pattern[str]:
    """Names `frame_file_name` can give the frames of a file with this stem."""
    return re.compile(re.escape(stem) + r"_-?\d{2,}-\d{2}-\d{2}\.\d{3}\.jpg")


def check_export(
    path: str | os.PathLike[str] | bytes,
    out_dir: str | os.PathLike[str],
    sheet: str | os.PathLike[str] | None,
) -> None:
    """Refuse, before any work, a contact sheet that would overwrite the input or a frame.

    The frames' names are only known once they are decoded, so any name
    they could take counts. (A frame cannot take the input's own name, but
    a link to the input can carry a frame's: `export_keyframes` checks each
    frame's target as it writes it.)
    """
    check_readable_file(path)
    source = os.fsdecode(path)
    check_distinct({"--sheet": sheet}, inputs={"the input file": source})
    if sheet is not None:
        real_sheet = os.path.realpath(sheet)
        pattern = _frame_name_pattern(Path(source).stem)
        if os.path.dirname(real_sheet) == os.path.realpath(out_dir) and pattern.fullmatch(
            os.path.basename(real_sheet)
        ):
            raise OutputError(
                "--sheet has a name one of the frames could take; choose another name", sheet
            )


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
    timeout: float = INSPECT.probe_timeout_s,
) -> tuple[VideoFingerprint, list[ExportedFrame]]:
    """Write the selected frames of ``path`` into ``out_dir`` (and a contact sheet).

    `check_export` runs first: no output may overwrite the input.
    """
    check_export(path, out_dir, sheet)
    folder = Path(out_dir)
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OutputError(f"cannot create the output folder: {exc.strerror}", out_dir) from None
    if sheet is not None:
        check_writable(sheet)  # now that its folder may have been made
    stem = Path(os.fsdecode(path)).stem
    exported: list[ExportedFrame] = []
    thumbs: list[tuple[float, np.ndarray]] = []

    def write(time: float, bgr: np.ndarray) -> None:
        target = folder / frame_file_name(stem, time)
        if _same_file(target, path):  # a hard link of the input under a frame's name
            raise OutputError(
                "would overwrite the input file (a link to it); nothing more written", target
            )
        atomic_write_bytes(target, _jpeg(bgr))
        exported.append(ExportedFrame(time, display_path(target)))
        if sheet is not None:
            scale = THUMB_WIDTH / bgr.shape[1]
            size = (THUMB_WIDTH, max(2, round(bgr.shape[0] * scale)))
            thumbs.append((time, cv2.resize(bgr, size, interpolation=cv2.INTER_AREA)))

    fingerprint = fingerprint_video(path, sampling, timeout=timeout, export=write)
    if sheet is not None:
        atomic_write_bytes(Path(sheet), contact_sheet(thumbs, title=Path(os.fsdecode(path)).name))
    return fingerprint, exported


def _same_file(a: str | os.PathLike[str], b: str | os.PathLike[str] | bytes) -> bool:
    try:
        return os.path.samefile(a, b)
    except OSError:
        return False


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
