"""Per-frame facts of a video stream, from one ffprobe pass: what the forensic
timeline reads (`verify.forensics`).

ffprobe decodes the first video stream and reports each frame's picture type,
presentation and decoding times, packet size, position in the file and key
flag; the first audio stream's packets (demuxed, not decoded) give the sound's
timeline. Both runs go side by side.
"""

from __future__ import annotations

import concurrent.futures
import dataclasses
import math
import os

import numpy as np

from verify.errors import UnreadableMedia
from verify.media.ffmpeg import failure_reason, find_tool, media_arg, media_input, run_tool

_FRAME_FIELDS = ("key_frame", "pict_type", "pts_time", "pkt_dts_time", "pkt_size", "pkt_pos")
_AUDIO_FIELDS = ("pts_time", "duration_time")


@dataclasses.dataclass(frozen=True)
class StreamFrames:
    """The first video stream's frames in presentation order, and the first audio
    stream's packets: arrays, one entry a frame (or packet)."""

    pts: np.ndarray  # float64 seconds; NaN where the frame has none
    dts: np.ndarray  # float64 seconds; NaN where the frame has none
    size: np.ndarray  # int64 bytes of the frame's packet
    position: np.ndarray  # int64 byte offset of the packet in the file; -1 unknown
    key: np.ndarray  # bool
    kind: np.ndarray  # '<U1': I, P, B, or ? where the decoder names none
    audio_pts: np.ndarray  # float64 seconds, one a packet
    audio_duration: np.ndarray  # float64 seconds, one a packet

    @property
    def count(self) -> int:
        return int(self.pts.size)


def _rows(text: str, fields: tuple[str, ...]) -> list[dict[str, str]]:
    """ffprobe's ``compact`` lines (``key=value|key=value``) as dicts."""
    rows = []
    for line in text.splitlines():
        if not line:
            continue
        row = dict(part.partition("=")[::2] for part in line.split("|"))
        rows.append({f: row.get(f, "") for f in fields})
    return rows


def _number(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        return math.nan
    return value if math.isfinite(value) else math.nan


def _run(path: str | os.PathLike[str] | bytes, args: list[str], timeout: float) -> str:
    with media_input(path) as source:
        command: list[str | bytes] = [
            find_tool("ffprobe").path, "-v", "error", "-hide_banner", *args,
            "-of", "compact=p=0", media_arg(source),
        ]  # fmt: skip
        done = run_tool(command, timeout=timeout, path=path)
        if done.returncode != 0:
            reason = failure_reason(done.stderr, source)
            raise UnreadableMedia(f"ffprobe cannot read its frames: {reason}", path)
    return done.stdout.decode("utf-8", "replace")


def probe_frames(path: str | os.PathLike[str] | bytes, *, timeout: float) -> StreamFrames:
    """Every frame of the first video stream and every packet of the first audio one."""
    video_args = ["-select_streams", "V:0", "-show_entries", "frame=" + ",".join(_FRAME_FIELDS)]
    audio_args = ["-select_streams", "a:0", "-show_entries", "packet=" + ",".join(_AUDIO_FIELDS)]
    with concurrent.futures.ThreadPoolExecutor(2) as pool:
        video = pool.submit(_run, path, video_args, timeout)
        audio = pool.submit(_run, path, audio_args, timeout)
        frames = _rows(video.result(), _FRAME_FIELDS)
        packets = _rows(audio.result(), _AUDIO_FIELDS)
    if not frames:
        raise UnreadableMedia("no video frames could be decoded", path)

    def column(rows: list[dict[str, str]], name: str) -> np.ndarray:
        return np.array([_number(r[name]) for r in rows], np.float64)

    size = column(frames, "pkt_size")
    position = column(frames, "pkt_pos")
    return StreamFrames(
        pts=column(frames, "pts_time"),
        dts=column(frames, "pkt_dts_time"),
        size=np.nan_to_num(size, nan=0.0).astype(np.int64),
        position=np.nan_to_num(position, nan=-1.0).astype(np.int64),
        key=np.array([r["key_frame"] == "1" for r in frames], bool),
        kind=np.array([(r["pict_type"] or "?")[:1] for r in frames], "<U1"),
        audio_pts=column(packets, "pts_time"),
        audio_duration=column(packets, "duration_time"),
    )
