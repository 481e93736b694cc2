"""Indicators read from the pictures: frozen stretches, repeated frames, cuts,
and a change of the coded pictures' parameters.

Every frame is decoded small and grey (`Sampling.every_frame`, beside the
ffprobe pass) and compared with the one before as it arrives, so memory
stays flat however long the video: a frame that repeats the one before
(within ``frozen_max_difference`` grey levels on average) is a copy of it;
the shot detection of `verify hash` (`ShotDetector`) finds the cuts, and a
change of picture size is one. The decoder also exports each frame's
encoding parameters: their base quantiser is the initial quantiser of the
picture parameter set the frame was coded with (H.264, HEVC), which one
encoder session keeps, and which two encodes at different settings joined
into one stream do not share.
"""

from __future__ import annotations

import dataclasses
import os
import threading

import numpy as np

from verify.config import HASH, INSPECT, TIMELINE, TimelineConfig
from verify.forensics.indicators import Indicator, Kind, filled_times
from verify.hashing.normalise import is_uniform
from verify.hashing.scenes import ShotDetector
from verify.media.decode import decode_frames
from verify.media.sampling import Sampling


@dataclasses.dataclass(frozen=True)
class PictureTrack:
    """Per decoded frame: its time, how much it changed from the one before
    (mean absolute grey difference; inf where the picture size changed) and
    whether it is flat (black, a fade: asked only of frames that repeat the one
    before); and the frames that start a shot."""

    times: np.ndarray
    change: np.ndarray  # change[i]: frame i + 1 against frame i
    flat: np.ndarray
    cuts: tuple[int, ...]
    # Each frame's base quantiser (the parameter set's initial one); -1 where the
    # codec exports none.
    base_qp: np.ndarray = dataclasses.field(default_factory=lambda: np.zeros(0, np.int32))

    def shifted(self, seconds: float) -> PictureTrack:
        """The same frames on a clock ``seconds`` later (the stream's own)."""
        return dataclasses.replace(self, times=self.times + seconds)


def decode_pictures(
    path: str | os.PathLike[str] | bytes,
    *,
    timeout: float = INSPECT.probe_timeout_s,
    config: TimelineConfig = TIMELINE,
    stop: threading.Event | None = None,
) -> PictureTrack:
    """Every frame decoded small, compared with the one before as it comes
    (``stop``, once set, ends the decode early)."""
    times: list[float] = []
    change: list[float] = []
    flat: list[bool] = []
    cuts: list[int] = []
    detector = ShotDetector(HASH)
    quantisers: dict[int, int] = {}
    frames = decode_frames(
        path, Sampling.every_frame(), config.picture_long_side, stall_timeout=timeout,
        quantisers=quantisers,
    )  # fmt: skip
    try:
        for index, frame in enumerate(frames):
            if stop is not None and stop.is_set():
                break
            grey = frame.pixels
            resized = detector.last_shape not in (None, grey.shape)
            measured = detector.measure(grey)  # a new picture size is a cut by any measure
            if measured is not None:
                change.append(np.inf if resized else measured[0])
            if detector.observe(frame.time, measured, 0.0) and index:
                cuts.append(index)
            times.append(frame.time)
            # Only a repeated picture can start a frozen stretch; only its flatness
            # matters (a frame equal to the one before has its pixels).
            repeat = bool(change) and change[-1] <= config.frozen_max_difference
            flat.append(repeat and is_uniform(grey, HASH))
    finally:
        frames.close()  # stops the decoder when the loop ended early
    return PictureTrack(
        np.array(times, np.float64),
        np.array(change, np.float64),
        np.array(flat, bool),
        tuple(cuts),
        np.array([quantisers.get(i, -1) for i in range(len(times))], np.int32),
    )


def parameter_changes(
    track: PictureTrack, times: np.ndarray, config: TimelineConfig = TIMELINE
) -> list[Indicator]:
    """Where the base quantiser changes and the new one holds for at least
    ``parameter_min_frames`` frames: pictures coded with other parameters."""
    qp = track.base_qp
    if qp.size != times.size or qp.size < 2:
        return []
    found = []
    known = np.flatnonzero(qp >= 0)
    values = qp[known]
    for at in np.flatnonzero(np.diff(values)) + 1:
        held = values[at : at + config.parameter_min_frames]
        if held.size < config.parameter_min_frames or (held != values[at]).any():
            continue
        frame = int(known[at])
        time = float(times[frame])
        found.append(
            Indicator(
                Kind.PARAMETER_CHANGE,
                time,
                f"From {time:.3f} s the frames are coded with other parameters (initial "
                f"quantiser {int(values[at - 1])} before, {int(values[at])} after): two "
                "encodes at different settings joined here, or an encoder that changed its "
                "settings mid-stream (adaptive streaming switching quality does this).",
                {"before": int(values[at - 1]), "after": int(values[at])},
            )
        )
        if len(found) >= config.parameter_max_reported:
            break
    return found


def picture_indicators(track: PictureTrack, config: TimelineConfig = TIMELINE) -> list[Indicator]:
    """Frozen stretches, a pattern of repeated frames, and the cuts."""
    times, change = filled_times(track.times), track.change
    found: list[Indicator] = []
    if times.size < 2:
        return found
    same = change <= config.frozen_max_difference  # same[i]: frame i + 1 repeats frame i
    edges = np.diff(np.r_[0, same.astype(np.int8), 0])
    starts, ends = np.flatnonzero(edges == 1), np.flatnonzero(edges == -1)
    isolated = 0
    for start, end in zip(starts, ends, strict=True):
        if end - start == 1:
            isolated += 1
        # From the first frame shown again to the first that moves on.
        begin, finish = float(times[start]), float(times[min(end + 1, times.size - 1)])
        if finish - begin < config.frozen_min_s or track.flat[start + 1]:
            continue  # short, or a black or flat picture (a fade, a title card)
        found.append(
            Indicator(
                Kind.FROZEN,
                begin,
                f"The picture stands still from {begin:.3f} to {finish:.3f} s "
                f"({end - start + 1} frames show one picture): frames repeated to fill a "
                "gap or to hide what was there; a still scene whose encoder skipped every "
                "block, or a camera that paused, looks the same.",
                {"frames": int(end - start + 1)},
                finish,
            )
        )
    if isolated >= config.duplicate_min_share * times.size:
        first = float(times[starts[np.flatnonzero(ends - starts == 1)[0]]])
        found.append(
            Indicator(
                Kind.DUPLICATED_FRAMES,
                first,
                f"{isolated} single frames repeat the one before (of {times.size}): the "
                "frame rate was converted by doubling frames (footage of a lower rate), as "
                "editors and platforms do.",
                {"repeated": isolated, "frames": int(times.size)},
            )
        )
    found.extend(parameter_changes(track, times, config))
    for index in track.cuts:
        time = float(times[index])
        resized = bool(np.isinf(change[index - 1]))
        found.append(
            Indicator(
                Kind.CUT,
                time,
                f"A cut at {time:.3f} s"
                + (" where the picture size changes" if resized else "")
                + ": the picture changes at once. Edited footage has them; one that meets a "
                "timestamp jump, a sound gap or another encoder is where footage may have "
                "been joined.",
                {"size_change": resized},
            )
        )
    return found
