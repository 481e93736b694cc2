"""Indicators read from the stream's structure: keyframes, timestamps, sound.

Each function takes the frames ffprobe reported (`StreamFrames`, in
presentation order) and returns `Indicator` values; `gop_summary` describes
the keyframe pattern as a whole.
"""

from __future__ import annotations

import dataclasses
import warnings

import numpy as np

from verify import numeric
from verify.config import TIMELINE, TimelineConfig
from verify.forensics.indicators import Indicator, Kind, filled_times
from verify.media.frames import StreamFrames


@dataclasses.dataclass(frozen=True)
class GopSummary:
    """The keyframe pattern: how many, how far apart (in frames), how regular."""

    keyframes: int
    interval: int | None  # the most common interval in frames; None with < 2 keyframes
    interval_s: float | None
    regular_share: float | None  # share of intervals equal to `interval`
    b_frame_share: float  # share of frames coded as B

    def to_dict(self) -> dict[str, object]:
        return {
            "keyframes": self.keyframes,
            "interval_frames": self.interval,
            "interval_s": None if self.interval_s is None else round(self.interval_s, 3),
            "regular_share": None if self.regular_share is None else round(self.regular_share, 3),
            "b_frame_share": round(self.b_frame_share, 3),
        }


def _mode(values: np.ndarray) -> tuple[int, float]:
    """The most common value (the smallest of ties) and the share it has."""
    found, counts = np.unique(values, return_counts=True)
    best = int(np.argmax(counts))
    return int(found[best]), float(counts[best] / values.size)


def _typical_step(frames: StreamFrames) -> float:
    steps = np.diff(frames.pts[np.isfinite(frames.pts)])
    steps = steps[steps > 0]
    return float(numeric.median(steps)) if steps.size else 0.0


def gop_summary(frames: StreamFrames) -> GopSummary:
    """How the keyframes are spaced."""
    keys = np.flatnonzero(frames.key)
    b_share = float(np.mean(frames.kind == "B")) if frames.count else 0.0
    if keys.size < 2:
        return GopSummary(int(keys.size), None, None, None, b_share)
    intervals = np.diff(keys)
    interval, share = _mode(intervals)
    # Seconds between the keyframes that keep the usual interval (a file of two
    # frame rates has one typical step per part, not one for the whole).
    seconds = np.diff(filled_times(frames.pts)[keys])[intervals == interval]
    return GopSummary(int(keys.size), interval, float(numeric.median(seconds)), share, b_share)


def gop_changes(frames: StreamFrames, config: TimelineConfig = TIMELINE) -> list[Indicator]:
    """Points where one regular keyframe pattern gives way to another.

    Either side needs ``gop_min_intervals`` intervals, ``gop_min_share`` of
    them one length, the two lengths different; the change is placed at the
    first keyframe of the new pattern.
    """
    keys = np.flatnonzero(frames.key)
    intervals = np.diff(keys)
    least = config.gop_min_intervals
    found: list[Indicator] = []
    split = least
    while split <= intervals.size - least:
        before, before_share = _mode(intervals[split - least : split])
        after, after_share = _mode(intervals[split : split + least])
        settled = min(before_share, after_share) >= config.gop_min_share
        # The change starts where the new length first appears.
        if settled and before != after and intervals[split] == after:
            at = int(keys[split])
            b_before = float(np.mean(frames.kind[keys[max(0, split - least)] : at] == "B"))
            b_after = float(
                np.mean(frames.kind[at : keys[min(keys.size - 1, split + least)]] == "B")
            )
            time = float(filled_times(frames.pts)[at])
            found.append(
                Indicator(
                    Kind.GOP_CHANGE,
                    time,
                    f"The keyframe pattern changes at {time:.3f} s: every {before} frames "
                    f"before, every {after} after. Two encoders (or two encoder settings) "
                    "wrote this stream, as when footage is joined; an encoder that adapts its "
                    "GOP to the content, or a live stream's new segment, can do it too.",
                    {
                        "interval_before": before,
                        "interval_after": after,
                        "b_share_before": round(b_before, 3),
                        "b_share_after": round(b_after, 3),
                    },
                )
            )
            split += least  # one change, not one per interval after it
            continue
        split += 1
    return found


def _local_step(steps: np.ndarray, window: int) -> np.ndarray:
    """Each step's typical neighbour: the median of the ``window`` steps around it
    (a rate that changes part way changes what a gap is)."""
    if steps.size == 0:
        return steps
    half = window // 2
    padded = np.pad(np.where(steps > 0, steps, np.nan), half, mode="edge")
    around = np.lib.stride_tricks.sliding_window_view(padded, 2 * half + 1)
    with warnings.catch_warnings():  # a window of repeated times has no median: 0
        warnings.simplefilter("ignore", RuntimeWarning)
        return np.nan_to_num(np.nanmedian(around, axis=1), nan=0.0)


def timestamp_anomalies(frames: StreamFrames, config: TimelineConfig = TIMELINE) -> list[Indicator]:
    """Gaps, jumps back and repeated presentation times."""
    pts = frames.pts
    found: list[Indicator] = []
    missing = int(np.count_nonzero(~np.isfinite(pts)))
    valid = np.flatnonzero(np.isfinite(pts))
    steps = np.diff(pts[valid])
    local = _local_step(steps, config.gap_window)
    gaps = (steps > config.gap_factor * local) & (steps > local + config.gap_min_s) & (local > 0)
    for i in np.flatnonzero(gaps):
        start, end = float(pts[valid[i]]), float(pts[valid[i + 1]])
        typical = float(local[i])
        lost = max(0, round((end - start) / typical) - 1)
        found.append(
            Indicator(
                Kind.TIMESTAMP_GAP,
                start + typical,
                f"The picture's timestamps skip {end - start - typical:.3f} s after "
                f"{start:.3f} s (about {lost} frames' time): frames were dropped or a section "
                "was cut out without renumbering the rest; a camera or phone that drops "
                "frames under load, or a stream with lost packets, does it too.",
                {
                    "step_s": round(end - start, 4),
                    "typical_step_s": round(typical, 4),
                    "frames_missing": lost,
                },
                end,
            )
        )
    for i in np.flatnonzero(steps < 0):
        start, end = float(pts[valid[i]]), float(pts[valid[i + 1]])
        found.append(
            Indicator(
                Kind.TIMESTAMP_BACK,
                end,
                f"The picture's timestamps jump back {start - end:.3f} s at {start:.3f} s: "
                "footage with its own timeline was joined on, or the file was muxed "
                "carelessly.",
                {"from_s": round(start, 4), "to_s": round(end, 4)},
            )
        )
    repeated = np.flatnonzero(steps == 0)
    if repeated.size:
        first = float(pts[valid[repeated[0]]])
        found.append(
            Indicator(
                Kind.TIMESTAMP_DUPLICATE,
                first,
                f"{repeated.size} frame(s) share a timestamp with the frame before "
                f"(first at {first:.3f} s): duplicated frames, or a muxer that lost the "
                "times.",
                {"frames": int(repeated.size)},
            )
        )
    if missing:
        first = int(np.flatnonzero(~np.isfinite(pts))[0])
        found.append(
            Indicator(
                Kind.TIMESTAMP_MISSING,
                float(filled_times(pts)[first]),
                f"{missing} frame(s) carry no timestamp at all.",
                {"frames_without_time": missing},
            )
        )
    return found


def rate_changes(frames: StreamFrames, config: TimelineConfig = TIMELINE) -> list[Indicator]:
    """Seconds where the frame rate changes and stays changed.

    Each second's rate is one over its median step between frames, so that
    a gap (frames missing: `timestamp_anomalies`) does not read as a slower
    rate; only seconds that hold frames are measured (a timestamp that jumps
    by days costs nothing).
    """
    pts = np.sort(frames.pts[np.isfinite(frames.pts)])
    if pts.size < 3:
        return []
    steps = np.diff(pts)
    second = np.floor(pts[:-1] - pts[0]).astype(np.int64)
    occupied, inverse = np.unique(second, return_inverse=True)
    rates = np.full(occupied.size, np.nan)
    for k in range(occupied.size):
        inside = steps[(inverse == k) & (steps > 0)]
        if inside.size >= 3:
            rates[k] = 1.0 / float(numeric.median(inside))
    found: list[Indicator] = []
    hold = config.rate_change_seconds
    k = hold
    while k + hold <= rates.size:
        span = occupied[k - hold : k + hold]
        contiguous = span[-1] - span[0] == 2 * hold - 1
        before, after = rates[k - hold : k], rates[k : k + hold]
        if not contiguous or np.isnan(before).any() or np.isnan(after).any():
            k += 1
            continue
        was, now = float(numeric.median(before)), float(numeric.median(after))
        settled = bool((np.abs(after - was) > config.rate_change * was).all())
        steady = bool((np.abs(before - was) <= config.rate_change * was).all())
        if settled and steady:
            time = float(pts[0]) + float(occupied[k])
            found.append(
                Indicator(
                    Kind.RATE_CHANGE,
                    time,
                    f"The frame rate changes from about {was:.1f} to {now:.1f} frames a "
                    f"second at {time:.0f} s: footage of two rates was joined, or frames were "
                    "dropped or doubled; phones vary their rate in low light.",
                    {"fps_before": round(was, 3), "fps_after": round(now, 3)},
                )
            )
            k += hold
            continue
        k += 1
    return found


def audio_anomalies(frames: StreamFrames, config: TimelineConfig = TIMELINE) -> list[Indicator]:
    """Holes in the sound's packets, and sound that starts or ends apart from the picture."""
    audio = np.isfinite(frames.audio_pts)
    pts = frames.audio_pts[audio]
    if pts.size < 2:
        return []
    order = np.argsort(pts, kind="stable")
    pts = pts[order]
    duration = np.nan_to_num(frames.audio_duration[audio][order], nan=0.0)
    found: list[Indicator] = []
    # A codec frame covers a fixed number of samples (1024 for AAC): a step between
    # packets longer than that is a hole, whether the muxer left it as a gap or
    # stretched the packet before it over it (MP4 does).
    known = duration[duration > 0]
    frame = float(numeric.median(known)) if known.size else float(numeric.median(np.diff(pts)))
    holes = np.diff(pts) - frame
    for i in np.flatnonzero(holes > config.audio_gap_s):
        start = float(pts[i] + frame)
        found.append(
            Indicator(
                Kind.AUDIO_GAP,
                start,
                f"The sound has a hole of {holes[i]:.3f} s at {start:.3f} s: a section of "
                "sound was cut out or lost; some recorders pause the sound track briefly.",
                {"gap_s": round(float(holes[i]), 4)},
                float(pts[i + 1]),
            )
        )
    video = frames.pts[np.isfinite(frames.pts)]
    if video.size:
        step = _typical_step(frames)
        start_offset = float(pts[0] - video.min())
        length_offset = float((pts[-1] + duration[-1]) - (video.max() + step)) - start_offset
        if abs(start_offset) > config.av_offset_s or abs(length_offset) > config.av_length_s:
            found.append(
                Indicator(
                    Kind.AV_OFFSET,
                    float(min(pts[0], video.min())),
                    f"Sound and picture start {start_offset:+.3f} s apart and their lengths "
                    f"differ by {length_offset:+.3f} s: the sound may have been laid under "
                    "the picture or edited apart from it; recorders that start the sound "
                    "late, or a track padded to a length, do this too.",
                    {
                        "start_offset_s": round(start_offset, 4),
                        "length_difference_s": round(length_offset, 4),
                    },
                )
            )
    return found


# Findings of the stream's structure, one of which a splice candidate needs.
STRUCTURAL = frozenset({
    Kind.GOP_CHANGE, Kind.TIMESTAMP_GAP, Kind.TIMESTAMP_BACK, Kind.RATE_CHANGE, Kind.AUDIO_GAP,
    Kind.ENCODER_CHANGE, Kind.ENCODER_RESTART, Kind.PARAMETER_CHANGE,
})  # fmt: skip


def splice_candidates(
    indicators: list[Indicator], config: TimelineConfig = TIMELINE
) -> list[Indicator]:
    """Places where indicators of different kinds meet within ``splice_window_s``,
    or where a second encoder session starts: where footage may have been joined."""
    # Whole-file findings have no place of their own.
    unplaced = (
        Kind.SPLICE_CANDIDATE, Kind.AV_OFFSET, Kind.DUPLICATED_FRAMES, Kind.RECOMPRESSION,
    )  # fmt: skip
    placed = sorted((i for i in indicators if i.kind not in unplaced), key=lambda i: i.time)
    found: list[Indicator] = []
    used: set[int] = set()
    for n, first in enumerate(placed):
        if n in used:
            continue
        group = [n]
        while group[-1] + 1 < len(placed) and (
            placed[group[-1] + 1].time - first.time <= config.splice_window_s
        ):
            group.append(group[-1] + 1)
        kinds = sorted({placed[m].kind.value for m in group})
        encoder = any(
            placed[m].kind in (Kind.ENCODER_CHANGE, Kind.ENCODER_RESTART, Kind.PARAMETER_CHANGE)
            for m in group
        )
        # A cut and a still picture meet in any edited film: the stream's own
        # structure (GOP, timestamps, sound, encoder) must take part.
        structural = any(placed[m].kind in STRUCTURAL for m in group)
        if not structural or (len(kinds) < 2 and not encoder):
            continue
        used.update(group)
        time = float(np.mean([placed[m].time for m in group]))
        found.append(
            Indicator(
                Kind.SPLICE_CANDIDATE,
                time,
                f"Possible splice at {time:.3f} s: "
                + ", ".join(k.replace("_", " ") for k in kinds)
                + " meet here. Footage joined at this point would leave these marks; "
                "look at the frames either side.",
                {"indicators": kinds},
            )
        )
    return found


@dataclasses.dataclass(frozen=True)
class _Periodicity:
    """The strongest periodic rise in P-frame sizes: every ``period`` frames from
    frame ``phase``, ``z`` standard errors above the residuals' mean."""

    period: int
    phase: int
    z: float


def _residual_sizes(frames: StreamFrames, config: TimelineConfig) -> tuple[np.ndarray, np.ndarray]:
    """The P-frames that take part (frame numbers) and their log sizes against
    the median of the P-frames around them (a scene's detail changes slowly).

    The P-frame right after each of the stream's own keyframes is left out:
    it is coded against a fresh picture, and its size follows the stream's
    own GOP, not an earlier one.
    """
    positions = np.flatnonzero((frames.kind == "P") & (frames.size > 0))
    after_key = np.zeros(frames.count, bool)
    after_key[1:] = frames.key[:-1]
    positions = positions[~after_key[positions]]
    if positions.size == 0:
        return positions, np.zeros(0)
    sizes = np.log(frames.size[positions].astype(np.float64))
    half = config.recompression_window // 2
    padded = np.pad(sizes, half, mode="edge")
    around = np.lib.stride_tricks.sliding_window_view(padded, 2 * half + 1)
    residuals = sizes - numeric.percentile(around, 50, axis=1)
    # A scene change or a flash makes one P-frame huge: clipped to 3 robust
    # standard deviations, one frame cannot make a phase stand out.
    spread = 1.4826 * float(numeric.percentile(np.abs(residuals), 50))
    return positions, np.clip(residuals, -3 * spread, 3 * spread)


def _strongest_period(
    positions: np.ndarray, residuals: np.ndarray, periods: list[int]
) -> _Periodicity | None:
    """The best (period, phase) over ``periods``; None when the sizes do not vary."""
    spread = float(np.std(residuals))
    best: _Periodicity | None = None
    if spread <= 0:
        return None
    for period in periods:
        phase_of = positions % period
        counts = np.bincount(phase_of, minlength=period)
        sums = np.bincount(phase_of, weights=residuals, minlength=period)
        with np.errstate(divide="ignore", invalid="ignore"):
            z = np.where(counts >= 4, sums / np.sqrt(np.maximum(counts, 1)) / spread, -np.inf)
        phase = int(np.argmax(z))
        if best is None or z[phase] > best.z:
            best = _Periodicity(period, phase, float(z[phase]))
    return best


def recompression(
    frames: StreamFrames, gop: GopSummary, config: TimelineConfig = TIMELINE
) -> list[Indicator]:
    """A first encoding's keyframe period showing through the P-frame sizes.

    When a file is re-encoded, the frames its first encoder made keyframes
    were better pictures than their neighbours; the new encoder's P-frames
    there carry more bits, every first-GOP frames. The period and phase whose
    P-frames stand out most is kept if it reaches ``recompression_min_z`` and
    beats random re-orderings of the same sizes (``recompression_max_p``),
    and is not the stream's own keyframe interval (``gop``, its `gop_summary`).
    """
    positions, residuals = _residual_sizes(frames, config)
    low, high = config.recompression_periods
    high = min(high, frames.count // config.recompression_min_repeats)
    if positions.size < config.recompression_min_frames or high < low:
        return []
    # The stream's own regular GOP shapes its P-frames too (the second P-frame
    # after a keyframe is often the largest): its period, its divisors and
    # multiples say nothing of an earlier encoding.
    own = gop.interval if gop.keyframes >= 3 and (gop.regular_share or 0) >= 0.5 else None
    periods = [t for t in range(low, high + 1) if own is None or (t % own and own % t)]
    best = _strongest_period(positions, residuals, periods)
    if best is None or best.z < config.recompression_min_z:
        return []
    # p = (beaten + 1) / (permutations + 1) must stay within recompression_max_p:
    # the count stops as soon as chance has done as well too often.
    rng = np.random.default_rng(0)  # the same file gives the same answer
    beaten, allowed = 0, config.recompression_max_p * (config.recompression_permutations + 1) - 1
    for _ in range(config.recompression_permutations):
        chance = _strongest_period(positions, rng.permutation(residuals), periods)
        beaten += chance is not None and chance.z >= best.z
        if beaten > allowed:
            return []
    p = (beaten + 1) / (config.recompression_permutations + 1)
    times = filled_times(frames.pts)
    step = _typical_step(frames)
    seconds = best.period * step if step > 0 else float("nan")
    period_text = f"{best.period} frames" + (f" ({seconds:.2f} s)" if step > 0 else "")
    return [
        Indicator(
            Kind.RECOMPRESSION,
            float(times[best.phase]),
            f"P-frames are larger every {period_text}, a pattern this stream's own "
            "keyframes do not explain: an earlier encoding with a keyframe every "
            f"{best.period} frames shows through, as when a file is re-encoded (by a "
            "platform, an editor or a converter). Content that repeats on a cycle "
            "(slow motion made by repeating frames) can do it too; a re-encode with "
            "B-frames usually hides it.",
            {
                "period_frames": best.period,
                "period_s": round(seconds, 3),  # NaN (null in JSON) without a frame step
                "z": round(best.z, 2),
                "p": round(p, 4),
                "p_frames": int(positions.size),
            },
            end=float(times[-1]),
        )
    ]
