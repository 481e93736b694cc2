"""`analyse_file`: one video's forensic timeline, as a value with one serialisation."""

from __future__ import annotations

import concurrent.futures
import dataclasses
import os

import numpy as np

from verify.config import INSPECT, TIMELINE, TimelineConfig
from verify.errors import display_path
from verify.forensics.encoders import EncoderString, encoder_indicators, encoder_strings
from verify.forensics.indicators import Indicator, Kind
from verify.forensics.structure import (
    GopSummary,
    audio_anomalies,
    gop_changes,
    gop_summary,
    rate_changes,
    splice_candidates,
    timestamp_anomalies,
)
from verify.inspection.inspect import check_readable_file
from verify.media.filehash import sha256_file
from verify.media.frames import StreamFrames, probe_frames

SCHEMA_VERSION = "1.0"


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

    def to_dict(self) -> dict[str, object]:
        frames = self.frames
        pts = frames.pts[np.isfinite(frames.pts)]
        counts = {kind: int(np.count_nonzero(frames.kind == kind)) for kind in ("I", "P", "B")}
        return {
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
            # For a plot: every frame's time, size and type, in presentation order.
            "frame_table": {
                "time": [None if not np.isfinite(t) else round(float(t), 4) for t in frames.pts],
                "size": frames.size.tolist(),
                "type": "".join(frames.kind.tolist()),
                "key": [int(k) for k in frames.key],
            },
        }


def analyse_file(
    path: str | os.PathLike[str] | bytes,
    *,
    timeout: float = INSPECT.probe_timeout_s,
    config: TimelineConfig = TIMELINE,
) -> Timeline:
    """The forensic timeline of the video at ``path`` (the file is only read)."""
    check_readable_file(path)
    with concurrent.futures.ThreadPoolExecutor(2) as pool:
        digest = pool.submit(sha256_file, path)
        strings = pool.submit(encoder_strings, path, config)
        frames = probe_frames(path, timeout=timeout)
        sha256, size = digest.result()
        found_strings = strings.result()
    indicators: list[Indicator] = [
        *gop_changes(frames, config),
        *timestamp_anomalies(frames, config),
        *rate_changes(frames, config),
        *audio_anomalies(frames, config),
        *encoder_indicators(found_strings, frames),
    ]
    indicators += splice_candidates(indicators, config)
    indicators.sort(key=lambda i: (i.time, i.kind.value))
    return Timeline(
        display_path(path), sha256, size, frames, gop_summary(frames), tuple(found_strings),
        tuple(indicators),
    )  # fmt: skip
