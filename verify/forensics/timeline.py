"""`analyse_file`: one video's forensic timeline, as a value with one serialisation."""

from __future__ import annotations

import concurrent.futures
import dataclasses
import os
import threading

import numpy as np

from verify.config import INSPECT, TIMELINE, TimelineConfig
from verify.errors import display_path
from verify.forensics.encoders import EncoderString, encoder_indicators, encoder_strings
from verify.forensics.indicators import Indicator, Kind
from verify.forensics.pictures import decode_pictures, picture_indicators
from verify.forensics.structure import (
    GopSummary,
    audio_anomalies,
    gop_changes,
    gop_summary,
    rate_changes,
    recompression,
    splice_candidates,
    timestamp_anomalies,
)
from verify.media.ffmpeg import ffprobe_json
from verify.media.filehash import sha256_file
from verify.media.frames import StreamFrames, probe_frames
from verify.media.walk import check_readable_file

SCHEMA_VERSION = "1.2"  # 1.1: parameter_change; 1.2: recompression
# Slices of the size profile: about one a pixel of the report's strip.
PROFILE_BUCKETS = 600


@dataclasses.dataclass(frozen=True)
class Timeline:
    """What a video's stream structure says: its frames, GOP and indicators."""

    path: str
    sha256: str
    size: int
    frames: StreamFrames
    gop: GopSummary
    encoders: tuple[EncoderString, ...]
    indicators: tuple[Indicator, ...]  # by time; splice candidates among them

    @property
    def splices(self) -> tuple[Indicator, ...]:
        return tuple(i for i in self.indicators if i.kind is Kind.SPLICE_CANDIDATE)

    def size_profile(self, most: int = PROFILE_BUCKETS) -> dict[str, object]:
        """Frame sizes over time in at most ``most`` even slices (and no more than
        frames): each slice's largest and mean packet, and the keyframes' times."""
        frames = self.frames
        valid = np.isfinite(frames.pts)
        pts, size = frames.pts[valid], frames.size[valid].astype(np.float64)
        if pts.size == 0:
            return {"start": None, "bucket_s": None, "max": [], "mean": [], "keyframes": []}
        buckets = max(1, min(most, pts.size))  # a short clip: a slice a frame at most
        start, span = float(pts.min()), float(pts.max() - pts.min())
        width = max(span / buckets, 1e-3)
        slot = np.minimum(((pts - start) / width).astype(np.int64), buckets - 1)
        count = int(slot.max()) + 1
        largest = np.zeros(count)
        np.maximum.at(largest, slot, size)
        totals = np.bincount(slot, weights=size, minlength=count)
        members = np.bincount(slot, minlength=count)
        mean = np.divide(totals, members, out=np.zeros(count), where=members > 0)
        return {
            "start": round(start, 4),
            "bucket_s": round(width, 6),
            "max": [int(v) for v in largest],
            "mean": [round(float(v), 1) for v in mean],
            "keyframes": [round(float(t), 4) for t in frames.pts[frames.key & valid]],
        }

    def to_dict(self, *, frame_table: bool = True) -> dict[str, object]:
        """The document; ``frame_table=False`` leaves out the per-frame table (a
        report keeps the size profile only, a few kB however long the video)."""
        frames = self.frames
        pts = frames.pts[np.isfinite(frames.pts)]
        counts = {kind: int(np.count_nonzero(frames.kind == kind)) for kind in ("I", "P", "B")}
        document: dict[str, object] = {
            "schema_version": SCHEMA_VERSION,
            "path": self.path,
            "sha256": self.sha256,
            "size": self.size,
            "frame_count": frames.count,
            "frame_types": counts,
            "first_time": round(float(pts.min()), 4) if pts.size else None,
            "last_time": round(float(pts.max()), 4) if pts.size else None,
            "audio_packets": int(frames.audio_pts.size),
            "gop": self.gop.to_dict(),
            "encoders": [{"byte_offset": e.offset, "settings": e.text} for e in self.encoders],
            "indicators": [i.to_dict() for i in self.indicators],
            "splice_candidates": len(self.splices),
            "size_profile": self.size_profile(),
        }
        if frame_table:  # every frame's time, size, type and key flag, in presentation order
            document["frame_table"] = {
                "time": [None if not np.isfinite(t) else round(float(t), 4) for t in frames.pts],
                "size": frames.size.tolist(),
                "type": "".join(frames.kind.tolist()),
                "key": [int(k) for k in frames.key],
            }
        return document


def analyse_file(
    path: str | os.PathLike[str] | bytes,
    *,
    timeout: float = INSPECT.probe_timeout_s,
    config: TimelineConfig = TIMELINE,
    duration: float | None = None,
) -> Timeline:
    """The forensic timeline of the video at ``path`` (the file is only read).

    ``duration``, the container's length when the caller has probed it
    already, spares probing the file for it again.
    """
    check_readable_file(path)
    # The frame pass decodes the whole stream: its limit grows with the video's
    # length (ffprobe decodes 1080p at about 9x real time on 2 cores).
    duration = _duration(path, timeout) if duration is None else duration
    limit = timeout + duration * config.frame_pass_seconds_per_second
    stop = threading.Event()
    with concurrent.futures.ThreadPoolExecutor(3) as pool:
        # ffprobe and the picture decoder run side by side (two processes).
        pictures = pool.submit(decode_pictures, path, timeout=timeout, config=config, stop=stop)
        digest = pool.submit(sha256_file, path)
        strings = pool.submit(encoder_strings, path, config)
        try:
            frames = probe_frames(path, timeout=limit)
        except BaseException:
            stop.set()  # the decoder ends at its next frame
            raise
        finally:
            concurrent.futures.wait([pictures, digest, strings])
        sha256, size = digest.result()
        found_strings = strings.result()
        track = pictures.result()
    # ffmpeg starts its frames at 0; ffprobe reports the stream's own clock
    # (a transport stream's first frame may be at 1.4 s): the pictures move to it.
    first_probe = frames.pts[np.isfinite(frames.pts)]
    first_picture = track.times[np.isfinite(track.times)]
    if first_probe.size and first_picture.size:
        track = track.shifted(float(first_probe.min() - first_picture.min()))
    gop = gop_summary(frames)
    indicators: list[Indicator] = [
        *gop_changes(frames, config),
        *recompression(frames, gop, config),
        *timestamp_anomalies(frames, config),
        *rate_changes(frames, config),
        *audio_anomalies(frames, config),
        *encoder_indicators(found_strings, frames),
        *picture_indicators(track, config),
    ]
    indicators += splice_candidates(indicators, config)
    indicators.sort(key=lambda i: (i.time, i.kind.value))
    return Timeline(
        display_path(path), sha256, size, frames, gop, tuple(found_strings),
        tuple(indicators),
    )  # fmt: skip


def _duration(path: str | os.PathLike[str] | bytes, timeout: float) -> float:
    """The container's length in seconds (0 when it does not say)."""
    try:
        value = float(ffprobe_json(path, timeout=timeout).get("format", {}).get("duration", 0))
    except (TypeError, ValueError):
        return 0.0
    return value if np.isfinite(value) and value > 0 else 0.0
