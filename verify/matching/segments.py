"""Stage 4 of matching: segments, "clip seconds a-b show known seconds c-d".

`align_segments` takes the close pairs of one clip and one known video,
finds the offset most of them agree on, splits the frames at it into runs
in time, and turns each good run into a segment (its exact offset from
`verify.matching.offsets`, grown by `extend`, its edges placed by
`verify.matching.edges`); then the next offset among the frames left, until
none gives a segment. Echoes of a stronger segment are dropped
(`drop_shadowed`).
"""

from __future__ import annotations

import dataclasses
from typing import Any

import numpy as np

from verify.config import MATCH, MatchConfig
from verify.hashing.forms import FrameTable
from verify.matching.edges import Edges
from verify.matching.offsets import Alignment, offset_peak, pairs_at_offset, run_offset
from verify.matching.pairs import Pairs, paired_distances


@dataclasses.dataclass(frozen=True)
class Segment:
    """Clip seconds [query_start, query_end] show known seconds [ref_start, ref_end]."""

    query_start: float
    query_end: float
    ref_start: float
    ref_end: float
    frames: int  # matched frame pairs supporting it
    mean_distance: float
    # Clip times of the first and last matched frames (within the edges, where the
    # known video lasts): the edges lie beyond.
    first_match: float = dataclasses.field(default=0.0, compare=False)
    last_match: float = dataclasses.field(default=0.0, compare=False)
    # Usable known frames within the segment, and how many of them a clip
    # frame matched: a copy matches nearly all of them.
    known_frames: int = dataclasses.field(default=0, compare=False)
    known_matched: int = dataclasses.field(default=0, compare=False)
    # Known seconds per clip second (1: the copy plays at the known speed).
    rate: float = dataclasses.field(default=1.0, compare=False)
    # Known seconds the segment's edges could be moved either way (whole, or one
    # edge: another speed) and fit as well (`placement_slack`): 0 where its
    # pictures pin it, seconds for still footage.
    slack: float = dataclasses.field(default=0.0, compare=False)

    @property
    def query_length(self) -> float:
        return self.query_end - self.query_start

    def moved(
        self, *, start: float | None = None, end: float | None = None,
        known_duration: float | None = None,
    ) -> Segment:  # fmt: skip
        """The segment with new clip edges, its known edges moved along its offset and
        rate; an edge that would pass the known video's start (or its end, when
        ``known_duration`` is given) stops there."""
        start = self.query_start if start is None else start
        end = self.query_end if end is None else end
        ref_start = self.ref_start + (start - self.query_start) * self.rate
        if ref_start < 0.0:  # the known video starts later along this alignment
            start -= ref_start / self.rate
            ref_start = 0.0
        ref_end = self.ref_end + (end - self.query_end) * self.rate
        if known_duration and ref_end > known_duration:  # and ends sooner
            end -= (ref_end - known_duration) / self.rate
            ref_end = known_duration
        return dataclasses.replace(
            self, query_start=start, query_end=end, ref_start=ref_start, ref_end=ref_end
        )

    def at_rate(self, rate: float) -> Segment:
        """A segment found on clip times multiplied by ``rate``, on the clip's own times."""
        return dataclasses.replace(
            self, query_start=self.query_start / rate, query_end=self.query_end / rate,
            first_match=self.first_match / rate, last_match=self.last_match / rate, rate=rate,
        )  # fmt: skip

    def to_dict(self) -> dict[str, Any]:
        return {
            "query_start": round(float(self.query_start), 3),
            "query_end": round(float(self.query_end), 3),
            "ref_start": round(float(self.ref_start), 3),
            "ref_end": round(float(self.ref_end), 3),
            "frames": int(self.frames),
            "mean_distance": round(float(self.mean_distance), 2),
            "rate": round(float(self.rate), 3),
            "placement_slack_s": round(float(self.slack), 2),
        }


def align_segments(
    clip: FrameTable, known: FrameTable, pairs: Pairs, *, mirrored: bool, clip_duration: float,
    known_duration: float, config: MatchConfig = MATCH,
) -> list[Segment]:  # fmt: skip
    """Segments where matching frames line up along one time offset each."""
    if pairs.size < config.min_segment_frames:
        return []
    offsets = known.time[pairs.k] - clip.time[pairs.q]
    weights = 1.0 - pairs.distance / (config.match_distance + 1)
    alignment = Alignment(
        clip, known, pairs, offsets, mirrored, clip_duration, known_duration, config
    )  # fmt: skip
    free = np.ones(clip.size, bool)  # clip frames not yet in a segment
    segments: list[Segment] = []
    while True:
        active = free[pairs.q]
        if active.sum() < config.min_segment_frames:
            break
        peak = offset_peak(offsets[active], weights[active], config)
        chosen = pairs_at_offset(pairs, offsets, free, peak, config)
        found = segment_runs(alignment, chosen, free)
        if not found:
            # The strongest offset is no real alignment: nothing weaker is either.
            break
        for segment, members in found:
            segments.append(segment)
            free[members] = False
    if config.drop_shadowed_stage:
        segments = drop_shadowed(segments)
    return sorted(segments, key=lambda s: s.query_start)


def segment_runs(
    alignment: Alignment, chosen: dict[int, tuple[int, float, int]], free: np.ndarray
) -> list[tuple[Segment, list[int]]]:
    """Split the chosen clip frames into runs in time and turn good runs into segments.

    Frames further apart than ``max_segment_gap_seconds`` start a new run; a
    run needs ``min_segment_frames`` frames spanning ``min_segment_seconds``,
    matching ``min_segment_known_frames`` different known frames.
    """
    clip, known, config = alignment.clip, alignment.known, alignment.config
    order = sorted(chosen, key=lambda q: clip.time[q])
    runs: list[list[int]] = []
    for q in order:
        if runs and clip.time[q] - clip.time[runs[-1][-1]] <= config.max_segment_gap_seconds:
            runs[-1].append(q)
        else:
            runs.append([q])
    results = []
    for run in runs:
        span = clip.time[run[-1]] - clip.time[run[0]]
        if len(run) < config.min_segment_frames or span < config.min_segment_seconds:
            continue
        offset = run_offset(run, chosen, alignment)
        members = extend(alignment, run, offset, free) if config.extend_stage else run
        first, last = clip.time[members[0]], clip.time[members[-1]]
        if config.edges_stage:
            edges = Edges(clip, known, offset, alignment.known_duration, config)
            start = edges.find(first, forward=False, limit=0.0)
            end = edges.find(last, forward=True, limit=alignment.clip_duration)
        else:
            start, end = float(first), float(last)
        # The clip shows the known video only where the known video lasts along the
        # offset: still footage placed by its offset alone may have matched frames
        # beyond either end of it.
        start = max(start, -offset)
        if alignment.known_duration:
            end = min(end, alignment.known_duration - offset)
        if end <= start:
            continue
        ref_start, ref_end = max(0.0, start + offset), end + offset  # max: rounding
        # Bits apart at the same moment: each known frame's closest clip frame.
        closest: dict[int, int] = {}
        for q in run:
            k, _, distance = chosen[q]
            closest[k] = min(distance, closest.get(k, distance))
        if len(closest) < config.min_segment_known_frames:
            continue  # one known picture met many times: a still, not a copy
        spanned = known.usable & (known.time >= ref_start) & (known.time <= ref_end)
        segment = Segment(
            start, end, ref_start, ref_end, len(run), float(np.mean(list(closest.values()))),
            max(float(first), start), min(float(last), end), int(spanned.sum()), len(closest),
            slack=placement_slack(alignment, run, offset),
        )  # fmt: skip
        results.append((segment, members))
    return results


def nearest_in_time(
    times: np.ndarray, moments: np.ndarray, interval: float
) -> tuple[np.ndarray, np.ndarray]:
    """For each moment: the index of the nearest of ``times`` (sorted; the earlier one on
    a tie), and whether it lies within half an ``interval`` of the moment."""
    after = np.minimum(np.searchsorted(times, moments), times.size - 1)
    before = np.maximum(after - 1, 0)
    nearest = np.where(
        np.abs(times[after] - moments) < np.abs(times[before] - moments), after, before
    )
    return nearest, np.abs(times[nearest] - moments) <= interval / 2


# Clip frames a segment's slack is scored on at most (a minute's at the query's 16 a
# second): the score is a mean, and a long run's frames would make a large table.
_SLACK_FRAMES = 1024


def placement_slack(alignment: Alignment, run: list[int], offset: float) -> float:
    """Known seconds the run's edges could be moved either way and fit as well.

    Two kinds of move are scored, a known frame interval at a time (up to
    ``placement_max_seconds``): the whole run shifted along the known video,
    and one edge held while the other moves (the run at another speed, within
    ``rate_range`` of its own: still footage fits a copy played 1.1x as fast
    as well at the known speed, its far edge a second off). Each move is
    scored by the run's frames' mean bits to the known frame at their moment,
    from the close pairs (a frame with no close pair there counts
    ``match_distance + 1``, as does a moment outside the known video). The
    slack is the largest move of an edge, unbroken from zero on its side,
    that scores within ``placement_margin_bits`` of none (half that when one
    edge is held): 0 where the pictures pin the run, up to the maximum for
    still footage. The edges moved are the run's first and last matched
    frames; a segment's own edges may lie a little beyond them.
    """
    clip, known, pairs, config = alignment.clip, alignment.known, alignment.pairs, alignment.config
    usable = np.flatnonzero(known.usable)
    if usable.size == 0 or not run:
        return 0.0
    step = known.interval
    reach = int(config.placement_max_seconds / step)
    moves = step * np.arange(-reach, reach + 1)
    frames = np.asarray(run)
    if frames.size > _SLACK_FRAMES:  # a mean: evenly spread frames tell it as well
        frames = frames[np.linspace(0, frames.size - 1, _SLACK_FRAMES).astype(int)]
    # The close pairs of these frames, by (frame's row, usable known frame's column).
    row = np.full(clip.size, -1)
    row[frames] = np.arange(frames.size)
    column = np.full(known.size, -1)
    column[usable] = np.arange(usable.size)
    keep = (row[pairs.q] >= 0) & (column[pairs.k] >= 0)
    keys = row[pairs.q[keep]] * (usable.size + 1) + column[pairs.k[keep]]
    order = np.argsort(keys, kind="stable")
    keys, bits = keys[order], pairs.distance[keep][order]
    # How far each frame moves when the moved edge moves by one second: all of
    # them by as much for a shift; from nothing at the held edge to as much at
    # the moved one for a change of speed.
    times = clip.time[frames]
    span = float(times[-1] - times[0])
    share = (times - times[0]) / span if span > 0 else np.ones(times.size)
    shares = np.stack([np.ones(times.size), share, 1.0 - share])
    # (kinds, moves, frames): each frame's known moment under each move.
    moments = times + offset + shares[:, None, :] * moves[None, :, None]
    nearest, within = nearest_in_time(known.time[usable], moments, step)
    nearest = np.where(within, nearest, usable.size)
    wanted = np.arange(frames.size) * (usable.size + 1) + nearest
    at = np.minimum(np.searchsorted(keys, wanted), max(keys.size - 1, 0))
    paired = (keys[at] == wanted) if keys.size else np.zeros(wanted.shape, bool)
    far = config.match_distance + 1  # no close pair there, or no known frame
    score = np.where(paired, bits[at] if keys.size else far, far).mean(axis=2)  # (kinds, moves)
    # An edge moved with the other held moves the frames half as far on average
    # as a shift does, so it is held to half the margin: changes spread evenly
    # (slides) then bound both kinds of move alike, while footage that changes
    # at one end only (people walking in, then nothing) leaves the other free.
    margin = config.placement_margin_bits * np.array([1.0, 0.5, 0.5])[:, None]
    fits = score <= score[:, reach : reach + 1] + margin
    # A speed outside the rate range (times the run's own) is no reading of the
    # copy: moving the end by m makes the run (span + m) / span as fast, moving
    # the start by m, (span - m) / span.
    # Bounds rounded, as (1 - 0.8) x 2.5 is 0.49999999999999994: a move that
    # makes exactly the range's end is in it, on either side.
    low, high = config.rate_range
    slower, faster = round((low - 1.0) * span, 9), round((high - 1.0) * span, 9)
    fits[1] &= (moves >= slower) & (moves <= faster)
    fits[2] &= (moves >= -faster) & (moves <= -slower)
    steps = 0
    for kind in fits:
        later = np.flatnonzero(~kind[reach:])
        earlier = np.flatnonzero(~kind[reach::-1])
        steps = max(
            steps,
            int(later[0]) - 1 if later.size else reach,
            int(earlier[0]) - 1 if earlier.size else reach,
        )
    return float(steps * step)


def extend(alignment: Alignment, run: list[int], offset: float, free: np.ndarray) -> list[int]:
    """The run (clip frames in time order) grown along its offset over less alike frames.

    Once an offset is established by frames within ``match_distance``, a
    neighbouring clip frame that shows the known frame at that offset within
    ``extend_distance`` bits (a caption appears, a crop bites deeper, fast
    motion) belongs to the same copy: the run grows over such frames,
    across gaps of at most ``max_segment_gap_seconds``, never into frames of
    another segment. Returns the run's clip frames in time order.
    """
    clip, known, config = alignment.clip, alignment.known, alignment.config
    usable_known = np.flatnonzero(known.usable)
    if usable_known.size == 0:
        return run
    pick, close_in_time = nearest_in_time(
        known.time[usable_known], clip.time + offset, known.interval
    )
    qs = np.arange(clip.size)
    distances = paired_distances(clip, known, qs, usable_known[pick], mirrored=alignment.mirrored)
    fits = close_in_time & (distances <= config.extend_distance) & free
    members = set(run)  # all free: the run was chosen among free frames
    gap = config.max_segment_gap_seconds
    for step, edge in ((-1, run[0]), (1, run[-1])):
        reach = clip.time[edge]
        q = edge + step
        while 0 <= q < clip.size and abs(clip.time[q] - reach) <= gap:
            if not free[q]:
                break
            if fits[q]:
                members.add(q)
                reach = clip.time[q]
            q += step
    return sorted(members, key=lambda q: clip.time[q])


def drop_shadowed(segments: list[Segment]) -> list[Segment]:
    """Remove segments that mostly repeat a stronger segment's clip seconds.

    Static or slowly changing footage can line up at a second, weaker offset
    over the same clip seconds; the stronger alignment (more matched frames,
    then closer hashes) is the copy, the other an echo of it.
    """
    kept: list[Segment] = []
    for segment in sorted(segments, key=lambda s: (-s.frames, s.mean_distance)):
        length = max(segment.query_length, 1e-6)
        shadowed = any(
            min(segment.query_end, k.query_end) - max(segment.query_start, k.query_start)
            > 0.5 * length
            for k in kept
        )
        if not shadowed:
            kept.append(segment)
    return kept
