"""Indicators read from the pictures: frozen stretches, repeated frames, cuts.

Every frame is decoded small and grey (`Sampling.every_frame`, beside the
ffprobe pass); a frame that repeats the one before (within
``frozen_max_difference`` grey levels on average) is a copy of it.
"""

from __future__ import annotations

import os

import numpy as np

from verify.config import HASH, INSPECT, TIMELINE, TimelineConfig
from verify.forensics.indicators import Indicator, Kind
from verify.hashing.normalise import is_uniform
from verify.hashing.scenes import shot_starts
from verify.media.decode import decode_frames
from verify.media.sampling import Sampling


def decode_pictures(
    path: str | os.PathLike[str] | bytes,
    *,
    timeout: float = INSPECT.probe_timeout_s,
    config: TimelineConfig = TIMELINE,
) -> tuple[np.ndarray, list[np.ndarray]]:
    """Every frame's time and small grey picture, in presentation order."""
    times, pictures = [], []
    for frame in decode_frames(
        path, Sampling.every_frame(), config.picture_long_side, stall_timeout=timeout
    ):
        times.append(frame.time)
        pictures.append(frame.pixels)
    return np.array(times, np.float64), pictures


def picture_indicators(
    times: np.ndarray, pictures: list[np.ndarray], config: TimelineConfig = TIMELINE
) -> list[Indicator]:
    """Frozen stretches, a pattern of repeated frames, and the cuts."""
    if len(pictures) < 2 or any(p.shape != pictures[0].shape for p in pictures):
        return []
    stack = np.stack(pictures).astype(np.int16)
    change = np.abs(np.diff(stack, axis=0)).mean(axis=(1, 2))
    same = change <= config.frozen_max_difference  # same[i]: frame i + 1 repeats frame i
    flat = np.array([is_uniform(p, HASH) for p in pictures])
    found: list[Indicator] = []
    # Runs of repeats: frames start..end all show frame start.
    edges = np.diff(np.r_[0, same.astype(np.int8), 0])
    starts, ends = np.flatnonzero(edges == 1), np.flatnonzero(edges == -1)
    isolated = 0
    for start, end in zip(starts, ends, strict=True):
        if end - start == 1:
            isolated += 1
        # From the first frame shown again to the first that moves on.
        begin, finish = float(times[start]), float(times[min(end + 1, len(times) - 1)])
        if finish - begin < config.frozen_min_s or flat[start]:
            continue  # short, or a black or flat picture (a fade, a title card)
        found.append(
            Indicator(
                Kind.FROZEN,
                begin,
                f"The picture stands still from {begin:.3f} to {finish:.3f} s "
                f"({end - start + 1} frames show one picture): frames repeated to fill a "
                "gap or to hide what was there; a still scene whose encoder skipped every "
                "block, or a camera that paused, looks the same.",
                {"frames": int(end - start + 1), "mean_change": round(float(change[start]), 3)},
                finish,
            )
        )
    if isolated >= config.duplicate_min_share * len(pictures):
        first = float(times[starts[np.flatnonzero(ends - starts == 1)[0]]])
        found.append(
            Indicator(
                Kind.DUPLICATED_FRAMES,
                first,
                f"{isolated} single frames repeat the one before (of {len(pictures)}): the "
                "frame rate was converted by doubling frames (footage of a lower rate), as "
                "editors and platforms do.",
                {"repeated": isolated, "frames": len(pictures)},
            )
        )
    for index in shot_starts(times.tolist(), pictures, HASH)[1:]:
        time = float(times[index])
        found.append(
            Indicator(
                Kind.CUT,
                time,
                f"A cut at {time:.3f} s: the picture changes at once. Edited footage has "
                "them; one that meets a timestamp jump, a sound gap or another encoder "
                "is where footage may have been joined.",
            )
        )
    return found
