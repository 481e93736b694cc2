"""Match a clip against the bank: which known videos it copies, and where.

Candidates come from the bank's hash-slice postings; each candidate is then
compared frame by frame. A frame pair counts when one of its hash pairings
is within `MATCH_DISTANCE` bits: full frame to full frame, full frame to the
known video's centre 85 % (a cropped copy), centre 70 % to centre 70 %
(logos and captions at the edges), the same with the clip mirrored, and a
picture-in-picture window to the other side's full frame; for an
off-centre crop, the clip through the window that shows the known centre
70 % (`verify.reframe`) to that centre.
Pairs are then required to line up in time: a real copy's matching frames
share one time offset, so offsets are voted on and each well-supported
offset yields segments ("clip seconds a-b are known seconds c-d"). A bag of
similar frames at random offsets is not a match.
"""

from __future__ import annotations

import dataclasses
import itertools
from typing import Any

import numpy as np

from verify import defaults
from verify.bank import FLAG_NO_UPPER, FLAG_UNIFORM, Bank, KnownVideo, slice_keys
from verify.fingerprint import VideoFingerprint
from verify.perceptual import distance_table
from verify.reframe import Framing, Reframer

SCHEMA_VERSION = "1.1"


@dataclasses.dataclass(frozen=True)
class Segment:
    """Clip seconds [query_start, query_end] show known seconds [ref_start, ref_end]."""

    query_start: float
    query_end: float
    ref_start: float
    ref_end: float
    frames: int  # matched frame pairs supporting it
    mean_distance: float
    # Clip times of the first and last matched frames: the edges lie beyond.
    first_match: float = dataclasses.field(default=0.0, compare=False)
    last_match: float = dataclasses.field(default=0.0, compare=False)
    # Usable known frames within the segment, and how many of them a clip
    # frame matched: a copy matches nearly all of them.
    known_frames: int = dataclasses.field(default=0, compare=False)
    known_matched: int = dataclasses.field(default=0, compare=False)

    @property
    def query_length(self) -> float:
        return self.query_end - self.query_start

    def to_dict(self) -> dict[str, Any]:
        return {
            "query_start": round(float(self.query_start), 3),
            "query_end": round(float(self.query_end), 3),
            "ref_start": round(float(self.ref_start), 3),
            "ref_end": round(float(self.ref_end), 3),
            "frames": int(self.frames),
            "mean_distance": round(float(self.mean_distance), 2),
        }


@dataclasses.dataclass(frozen=True)
class Match:
    """One known video the clip copies."""

    video: KnownVideo
    score: float
    mirrored: bool
    segments: tuple[Segment, ...]
    framing: Framing | None = None  # the part of the known picture an off-centre crop shows

    @property
    def coverage(self) -> float:
        """Seconds of the clip its segments cover."""
        return sum(s.query_length for s in self.segments)

    def to_dict(self) -> dict[str, Any]:
        video = self.video
        return {
            "path": video.path,
            "sha256": video.sha256,
            "score": round(float(self.score), 4),
            "mirrored": self.mirrored,
            "framing": self.framing.to_dict() if self.framing else None,
            "duration": video.duration,
            "source": video.source,
            "posted_at": video.posted_at,
            "url": video.url,
            "added_at": video.added_at,
            "segments": [s.to_dict() for s in self.segments],
        }


@dataclasses.dataclass(frozen=True)
class MatchReport:
    """Everything `verify match` found for one clip."""

    query: VideoFingerprint
    bank: str
    matches: tuple[Match, ...]
    candidates: int

    def to_dict(self) -> dict[str, Any]:
        return {
            "schema_version": SCHEMA_VERSION,
            "path": self.query.path,
            "sha256": self.query.sha256,
            "duration": self.query.duration,
            "sampling": self.query.sampling,
            "bank": self.bank,
            "candidates": int(self.candidates),
            "matches": [m.to_dict() for m in self.matches],
        }


@dataclasses.dataclass(frozen=True)
class _Frames:
    """Times, hash forms and usability of one side's frames as arrays."""

    time: np.ndarray
    forms: dict[str, np.ndarray]
    usable: np.ndarray

    @classmethod
    def of_query(cls, query: VideoFingerprint) -> _Frames:
        frames = query.frames
        forms = {"phash": np.array([f.phash.value for f in frames], np.uint64)}
        for name in ("centre70", "mirror", "mirror_centre70", "inset", "upper"):
            forms[name] = np.array([f.variants[name].value for f in frames], np.uint64)
        return cls(
            np.array([f.time for f in frames], np.float64),
            forms,
            np.array([not f.uniform for f in frames], bool),
        )

    @classmethod
    def of_known(cls, rows: np.ndarray) -> _Frames:
        names = ("phash", "centre85", "centre70", "inset", "upper")
        if rows.size and rows["flags"][0] & FLAG_NO_UPPER:  # stored before schema 3
            names = names[:-1]
        forms = {name: rows[name].astype(np.uint64) for name in names}
        return cls(rows["time"].astype(np.float64), forms, (rows["flags"] & FLAG_UNIFORM) == 0)

    def with_window(self, hashes: np.ndarray) -> _Frames:
        """These frames with their hashes through a framing (`verify.reframe`) as one more form."""
        return dataclasses.replace(self, forms={**self.forms, "window": hashes})


@dataclasses.dataclass(frozen=True)
class _Pairs:
    """Frame pairs within the match distance: clip index, known index, bits apart."""

    q: np.ndarray
    k: np.ndarray
    distance: np.ndarray


def _pairings(query: _Frames, known: _Frames, mirrored: bool) -> list[tuple[str, str]]:
    """(clip form, known form) pairs compared; a frame pair counts by its best one."""
    full = "mirror" if mirrored else "phash"
    centre = "mirror_centre70" if mirrored else "centre70"
    pairings = [(full, "phash"), (full, "centre85"), (centre, "centre70")]
    if not mirrored:  # picture-in-picture, either way round
        pairings += [("inset", "phash"), ("phash", "inset")]
    if not mirrored and "upper" in query.forms and "upper" in known.forms:  # a lower third
        pairings.append(("upper", "upper"))
    if not mirrored and "window" in query.forms:  # an off-centre crop, reframed
        pairings.append(("window", "centre70"))
    return pairings


def frame_distances(query: _Frames, known: _Frames, *, mirrored: bool) -> np.ndarray:
    """Best pairing distance for every (clip frame, known frame); 64 where unusable."""
    distances = np.minimum.reduce([
        distance_table(query.forms[a], known.forms[b])
        for a, b in _pairings(query, known, mirrored)
    ])  # fmt: skip
    distances[~query.usable, :] = 64
    distances[:, ~known.usable] = 64
    return distances


def paired_distances(
    query: _Frames, known: _Frames, qs: np.ndarray, ks: np.ndarray, *, mirrored: bool
) -> np.ndarray:
    """Best pairing distance of clip frames ``qs`` with known frames ``ks``, pair by pair."""
    distances = np.minimum.reduce([
        np.bitwise_count(query.forms[a][qs] ^ known.forms[b][ks]).astype(np.int16)
        for a, b in _pairings(query, known, mirrored)
    ])  # fmt: skip
    distances[~(query.usable[qs] & known.usable[ks])] = 64
    return distances


def close_pairs(query: _Frames, known: _Frames, *, mirrored: bool) -> _Pairs:
    """Every (clip frame, known frame) pair within `MATCH_DISTANCE`, by blocks of clip frames.

    Only the close pairs are kept, so memory stays small however long the
    clip and the known video are.
    """
    block = max(1, defaults.DISTANCE_BLOCK_CELLS // max(1, known.time.size))
    found = []
    for start in range(0, query.time.size, block):
        part = _Frames(
            query.time[start : start + block],
            {name: form[start : start + block] for name, form in query.forms.items()},
            query.usable[start : start + block],
        )
        distances = frame_distances(part, known, mirrored=mirrored)
        qi, ki = np.nonzero(distances <= defaults.MATCH_DISTANCE)
        found.append((qi + start, ki, distances[qi, ki]))
    if not found:
        empty = np.zeros(0, np.int64)
        return _Pairs(empty, empty, np.zeros(0, np.int16))
    return _Pairs(*(np.concatenate(column) for column in zip(*found, strict=True)))


@dataclasses.dataclass(frozen=True)
class _Alignment:
    """One clip against one known video, one way round: what aligning needs."""

    query: _Frames
    known: _Frames
    pairs: _Pairs
    offsets: np.ndarray  # known time - clip time, per pair
    mirrored: bool
    query_duration: float
    known_duration: float


def align_segments(
    query: _Frames, known: _Frames, pairs: _Pairs, *, mirrored: bool, query_duration: float,
    known_duration: float,
) -> list[Segment]:  # fmt: skip
    """Segments where matching frames line up along one time offset each."""
    if pairs.q.size < defaults.MIN_SEGMENT_FRAMES:
        return []
    offsets = known.time[pairs.k] - query.time[pairs.q]
    weights = 1.0 - pairs.distance / (defaults.MATCH_DISTANCE + 1)
    alignment = _Alignment(
        query, known, pairs, offsets, mirrored, query_duration, known_duration
    )  # fmt: skip
    free = np.ones(query.time.size, bool)  # clip frames not yet in a segment
    segments: list[Segment] = []
    while True:
        active = free[pairs.q]
        if active.sum() < defaults.MIN_SEGMENT_FRAMES:
            break
        peak = _offset_peak(offsets[active], weights[active])
        chosen = _pairs_at_offset(pairs, offsets, free, peak)
        found = _runs(alignment, chosen, free)
        if not found:
            # The strongest offset is no real alignment: nothing weaker is either.
            break
        for segment, members in found:
            segments.append(segment)
            free[members] = False
    return sorted(_drop_shadowed(segments), key=lambda s: s.query_start)


def _offset_peak(offsets: np.ndarray, weights: np.ndarray) -> float:
    """The time offset most frame pairs agree on (weighted vote, smoothed bins)."""
    width = defaults.OFFSET_BIN_SECONDS
    bins = np.round(offsets / width).astype(np.int64)
    low = bins.min()
    votes = np.bincount(bins - low, weights=weights)
    smoothed = np.convolve(votes, [0.5, 1.0, 0.5], mode="same")
    best = int(np.argmax(smoothed))
    near = np.abs(bins - low - best) <= 1
    return float(np.average(offsets[near], weights=weights[near]))


def _pairs_at_offset(
    pairs: _Pairs, offsets: np.ndarray, free: np.ndarray, peak: float
) -> dict[int, tuple[int, float, int]]:
    """For each free clip frame, its best known frame near ``peak``: {q: (k, offset, bits)}."""
    gap = np.abs(offsets - peak)
    near = np.flatnonzero(free[pairs.q] & (gap <= defaults.OFFSET_TOLERANCE_SECONDS))
    # Closest in time, then in bits: the first row of each clip frame after sorting.
    order = near[np.lexsort((pairs.distance[near], gap[near], pairs.q[near]))]
    first = np.ones(order.size, bool)
    first[1:] = pairs.q[order][1:] != pairs.q[order][:-1]
    return {
        int(pairs.q[i]): (int(pairs.k[i]), float(offsets[i]), int(pairs.distance[i]))
        for i in order[first]
    }


def _runs(
    alignment: _Alignment, chosen: dict[int, tuple[int, float, int]], free: np.ndarray
) -> list[tuple[Segment, list[int]]]:
    """Split the chosen clip frames into time runs and turn good runs into segments."""
    query, known = alignment.query, alignment.known
    order = sorted(chosen, key=lambda q: query.time[q])
    runs: list[list[int]] = []
    for q in order:
        if runs and query.time[q] - query.time[runs[-1][-1]] <= defaults.MAX_SEGMENT_GAP_SECONDS:
            runs[-1].append(q)
        else:
            runs.append([q])
    results = []
    for run in runs:
        span = query.time[run[-1]] - query.time[run[0]]
        if len(run) < defaults.MIN_SEGMENT_FRAMES or span < defaults.MIN_SEGMENT_SECONDS:
            continue
        bits = np.array([chosen[q][2] for q in run], np.float64)
        offset, sharp = _exact_offset(np.array([chosen[q][1] for q in run]), bits)
        if not sharp:
            offset = _middle_offset(run, offset, alignment)
        offset = _prefer_same_timeline(
            run, offset, alignment,
            (0.0, alignment.known_duration - alignment.query_duration), sharp=sharp,
        )  # fmt: skip
        members = _extend(alignment, run, offset, free)
        first, last = query.time[members[0]], query.time[members[-1]]
        edges = _Edges(query, known, offset, alignment.known_duration)
        start = edges.find(first, forward=False, limit=0.0)
        end = edges.find(last, forward=True, limit=alignment.query_duration)
        ref_start = max(0.0, start + offset)
        ref_end = end + offset
        if alignment.known_duration:
            ref_end = min(alignment.known_duration, ref_end)
        # Bits apart at the same moment: each known frame's closest clip frame.
        closest: dict[int, int] = {}
        for q in run:
            k, _, distance = chosen[q]
            closest[k] = min(distance, closest.get(k, distance))
        spanned = known.usable & (known.time >= ref_start) & (known.time <= ref_end)
        segment = Segment(
            start, end, ref_start, ref_end, len(run), float(np.mean(list(closest.values()))),
            float(first), float(last), int(spanned.sum()), len(closest),
        )  # fmt: skip
        results.append((segment, members))
    return results


def _extend(alignment: _Alignment, run: list[int], offset: float, free: np.ndarray) -> list[int]:
    """The run (clip frames in time order) grown along its offset over less alike frames.

    Once an offset is established by frames within `MATCH_DISTANCE`, a
    neighbouring clip frame that shows the known frame at that offset within
    `EXTEND_DISTANCE` bits (a caption appears, a crop bites deeper, fast
    motion) belongs to the same copy: the run grows over such frames,
    across gaps of at most `MAX_SEGMENT_GAP_SECONDS`, never into frames of
    another segment. Returns the run's clip frames in time order.
    """
    query, known = alignment.query, alignment.known
    usable_known = np.flatnonzero(known.usable)
    if usable_known.size == 0:
        return run
    aligned = query.time + offset
    times = known.time[usable_known]
    after = np.minimum(np.searchsorted(times, aligned), times.size - 1)
    before = np.maximum(after - 1, 0)
    pick = np.where(np.abs(times[after] - aligned) < np.abs(times[before] - aligned), after, before)
    close_in_time = np.abs(times[pick] - aligned) <= _sampling_interval(known.time) / 2
    qs = np.arange(query.time.size)
    distances = paired_distances(query, known, qs, usable_known[pick], mirrored=alignment.mirrored)
    fits = close_in_time & (distances <= defaults.EXTEND_DISTANCE) & free
    members = set(run)  # all free: the run was chosen among free frames
    gap = defaults.MAX_SEGMENT_GAP_SECONDS
    for step, edge in ((-1, run[0]), (1, run[-1])):
        reach = query.time[edge]
        q = edge + step
        while 0 <= q < query.time.size and abs(query.time[q] - reach) <= gap:
            if not free[q]:
                break
            if fits[q]:
                members.add(q)
                reach = query.time[q]
            q += step
    return sorted(members, key=lambda q: query.time[q])


def _support(
    run: list[int], offsets: np.ndarray, alignment: _Alignment, own: float
) -> np.ndarray:  # fmt: skip
    """How well the run's clip frames agree with each of ``offsets``: the sum, over
    clip frames, of the closeness of the frame's best pair within ``own`` of it."""
    pairs = alignment.pairs
    lo, hi = float(offsets.min()) - own, float(offsets.max()) + own
    mine = np.flatnonzero(
        np.isin(pairs.q, run) & (alignment.offsets >= lo) & (alignment.offsets <= hi)
    )
    if mine.size == 0:
        return np.zeros(offsets.size)
    mine = mine[np.argsort(pairs.q[mine], kind="stable")]
    closeness = 1.0 - pairs.distance[mine] / (defaults.MATCH_DISTANCE + 1)
    found = alignment.offsets[mine]
    starts = np.flatnonzero(np.r_[True, pairs.q[mine][1:] != pairs.q[mine][:-1]])
    rows = max(1, defaults.DISTANCE_BLOCK_CELLS // mine.size)  # bounded memory
    totals = []
    for part in np.array_split(offsets, -(-offsets.size // rows)):
        weighted = np.where(np.abs(found[None, :] - part[:, None]) <= own, closeness, 0.0)
        totals.append(np.maximum.reduceat(weighted, starts, axis=1).sum(axis=1))
    return np.concatenate(totals)


def _prefer_same_timeline(
    run: list[int], offset: float, alignment: _Alignment, preferred: tuple[float, ...], *,
    sharp: bool,
) -> float:  # fmt: skip
    """``offset``, or a preferred one (the copy starts or ends where the known video does)
    that the frames support as well.

    Still footage (a static shot, a text slide) matches at any offset nearby,
    so its pairs cannot place it to better than a few tenths of a second; a
    moving picture can, and then only the true offset is supported. Where the
    frames cannot tell, a copy keeping the known video's timeline is the
    likelier reading. Moving footage is held to the known frame nearest in
    time; still footage (not ``sharp``) to either known frame around each
    clip frame, since a slide's change falls anywhere between the two.
    """
    interval = _sampling_interval(alignment.known.time)
    own = interval / 2 if sharp else interval
    near = [
        c for c in preferred if c != offset and abs(c - offset) <= defaults.OFFSET_TOLERANCE_SECONDS
    ]
    if not near:
        return offset
    here, *there = _support(run, np.array([offset, *near]), alignment, own)
    for candidate, support in zip(near, there, strict=True):
        if support >= defaults.SAME_TIMELINE_SUPPORT * here:
            return candidate
    return offset


def _exact_offset(offsets: np.ndarray, distances: np.ndarray) -> tuple[float, bool]:
    """The run's time offset, to a fraction of a frame, and whether the frames pin it.

    Pairs are sampled up to half an interval apart, so their offsets scatter;
    but pairs showing the very same source frame (copies keep the frame
    timing, trimmed or not) share the exact offset. The most common offset,
    counted in 1/60 s bins and weighted towards closer hashes, is that one.
    It is pinned (moving footage) when no offset more than two bins away
    gets `OFFSET_SHARPNESS` of its votes; still footage gets as many at any
    nearby offset.
    """
    width = defaults.OFFSET_PRECISION_SECONDS
    bins = np.round(offsets / width).astype(np.int64)
    weights = 1.0 / (1.0 + distances)
    low = bins.min()
    votes = np.bincount(bins - low, weights=weights)
    best = int(np.argmax(votes))
    far = np.abs(np.arange(votes.size) - best) > 2
    sharp = not far.any() or votes[far].max() < defaults.OFFSET_SHARPNESS * votes[best]
    near = bins == best + low
    return float(np.average(offsets[near], weights=weights[near])), bool(sharp)


def _middle_offset(run: list[int], offset: float, alignment: _Alignment) -> float:
    """For footage that does not pin its offset: the middle of the offsets the frames
    support best, near ``offset``.

    A text slide or a still shot matches at any offset within it; only its
    changes (the next slide, a cut) bound the offset, and the bank's sparse
    frames place a change only to within their interval. Every offset
    between those bounds explains the frames equally well (each clip frame
    meets its own picture at the known frame nearest in time); the middle
    of that range is off by at most half the bank's interval.
    """
    own = _sampling_interval(alignment.known.time) / 2
    step = defaults.OFFSET_PRECISION_SECONDS
    reach = round(defaults.OFFSET_TOLERANCE_SECONDS / step)
    grid = offset + step * np.arange(-reach, reach + 1)
    support = _support(run, grid, alignment, own)
    good = support >= defaults.OFFSET_PLATEAU * support.max()
    peak = int(np.argmax(support))
    start, end = peak, peak
    while start > 0 and good[start - 1]:
        start -= 1
    while end < grid.size - 1 and good[end + 1]:
        end += 1
    return float((grid[start] + grid[end]) / 2)


@dataclasses.dataclass(frozen=True)
class _Edges:
    """Where a segment really starts and ends, beyond its outermost matches.

    The bank samples known videos more sparsely than the clip, so an edge
    lies between the known frame the clip's outermost match showed and the
    next known frame, which no clip frame matched (else the segment would go
    on). Halfway between the two is the best estimate: off by at most half
    the bank's sampling interval. Known frames within half an interval of
    the matched moment are that moment's own frame, not the next one. Where
    no next known frame exists, the known video ends there, or the clip
    does, and that is the edge.

    A known frame the clip cannot show is no evidence either way: in fast
    footage (or at a cut) its moment falls between two clip frames that
    differ by more than `EXTEND_DISTANCE`, and unless a clip frame lies
    within half a source frame of it, no clip frame could have matched it.
    Such a frame is passed over for the next one.
    """

    query: _Frames
    known: _Frames
    offset: float
    known_duration: float

    def find(self, t: float, *, forward: bool, limit: float) -> float:
        """The edge past clip time ``t`` (a matched frame); ``limit`` is the clip's end."""
        aligned = t + self.offset
        times = self.known.time[self.known.usable]
        own = _sampling_interval(self.known.time) / 2
        if forward:
            hard = min(limit, self.known_duration - self.offset)
            for moment in np.sort(times[times > aligned + own]) - self.offset:
                if moment > hard + 1e-6:
                    break
                if self._observable(moment):
                    return max(t, (t + moment) / 2)
            return max(t, hard)
        hard = max(limit, -self.offset)
        for moment in np.sort(times[times < aligned - own])[::-1] - self.offset:
            if moment < hard - 1e-6:
                break
            if self._observable(moment):
                return min(t, (t + moment) / 2)
        return min(t, hard)

    def _observable(self, moment: float) -> bool:
        """Whether the clip shows clip time ``moment`` closely enough to match a frame of it."""
        times = self.query.time
        after = int(np.searchsorted(times, moment))
        if after == 0 or after == times.size:
            return True
        before = after - 1
        if min(moment - times[before], times[after] - moment) <= defaults.OFFSET_PRECISION_SECONDS:
            return True
        hashes = self.query.forms["phash"]
        return int(hashes[before] ^ hashes[after]).bit_count() <= defaults.EXTEND_DISTANCE


def _sampling_interval(times: np.ndarray) -> float:
    """The typical spacing of sampled frame times (0.5 s for the bank's fps=2)."""
    if times.size < 2:
        return 1.0
    return float(np.median(np.diff(np.sort(times))))


def _drop_shadowed(segments: list[Segment]) -> list[Segment]:
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


def _moved(segment: Segment, *, start: float | None = None, end: float | None = None) -> Segment:
    """The segment with new clip edges, its known edges moved along its offset."""
    offset = segment.ref_start - segment.query_start
    start = segment.query_start if start is None else start
    end = segment.query_end if end is None else end
    return dataclasses.replace(
        segment, query_start=start, query_end=end, ref_start=max(0.0, start + offset),
        ref_end=end + offset,
    )  # fmt: skip


def _meet_at_cuts(matches: list[Match], clip: _Frames) -> list[Match]:
    """Put the edge between consecutive segments of different alignments at the cut.

    Where one alignment hands over to another (a compilation: footage of one
    known video, then of another, or another part), the clip's own frames
    place the cut more precisely than the sparser known frames can: between
    the last frame matched by the first segment and the first frame matched
    by the next, where the clip's picture changes most (`_cut_between`).
    Each edge moves there when the two segments overlap or almost meet (less
    than one bank interval apart).
    """
    placed = [(m, i) for m in matches for i in range(len(m.segments))]
    placed.sort(key=lambda p: p[0].segments[p[1]].query_start)
    edited = {id(m): list(m.segments) for m in matches}
    for (m1, i1), (m2, i2) in itertools.pairwise(placed):
        a, b = edited[id(m1)][i1], edited[id(m2)][i2]
        if not a.last_match < b.first_match or a.query_end < b.query_start - 0.5:
            continue
        cut = _cut_between(clip, a.last_match, b.first_match)
        edited[id(m1)][i1] = _moved(a, end=cut)
        edited[id(m2)][i2] = _moved(
            b, start=max(b.query_start, cut) if b.query_start < cut else cut
        )
    return [dataclasses.replace(m, segments=tuple(edited[id(m)])) for m in matches]


def _cut_between(clip: _Frames, first: float, last: float) -> float:
    """Where the clip cuts between times ``first`` and ``last``.

    Halfway between the two neighbouring frames that differ most, if they
    differ like different shots (`CUT_BITS`) and clearly more than any other
    two (`CUT_DOMINANCE`; fast footage changes as much from frame to frame);
    else halfway between ``first`` and ``last``.
    """
    inside = np.flatnonzero((clip.time >= first - 1e-6) & (clip.time <= last + 1e-6))
    if inside.size >= 2:
        inside = inside[np.argsort(clip.time[inside])]
        hashes = clip.forms["phash"][inside]
        change = np.bitwise_count(hashes[1:] ^ hashes[:-1]).astype(np.float64)
        i = int(np.argmax(change))
        others = np.delete(change, i)
        runner_up = float(others.max()) if others.size else 0.0
        if change[i] >= defaults.CUT_BITS and change[i] >= defaults.CUT_DOMINANCE * runner_up:
            return float(clip.time[inside[i]] + clip.time[inside[i + 1]]) / 2
    return (first + last) / 2


# The clip's hash forms looked up in the postings (full frame, centre 70 %,
# each also mirrored, and the picture-in-picture window).
PROBE_FORMS = ("phash", "mirror", "inset", "centre70", "mirror_centre70")


def probe_hashes(clip: _Frames) -> list[int]:
    """The hashes looked up in the postings: every form of the usable probe frames.

    Probe frames are at least `PROBE_RATE` a second, plus every frame that
    differs from the last probe frame by `PROBE_CHANGE_BITS` or more: fast
    footage is probed densely, still footage (whose neighbouring frames share
    slices anyway) sparsely, which keeps lookups few on a large bank.
    """
    phash = clip.forms["phash"]
    bins = np.floor(clip.time * defaults.PROBE_RATE)
    keep = np.zeros(clip.time.size, bool)
    last: int | None = None
    for i in np.flatnonzero(clip.usable).tolist():
        if (
            last is None
            or bins[i] != bins[last]
            or int(phash[i] ^ phash[last]).bit_count() >= defaults.PROBE_CHANGE_BITS
        ):
            keep[i] = True
            last = i
    return [int(v) for form in PROBE_FORMS for v in clip.forms[form][keep]]


def lookup_hashes(clip: _Frames, reframer: Reframer | None = None) -> list[int]:
    """Every hash `match_clip` looks up: the probe frames', and for a clip whose own
    give few keys (still footage), its most detailed anchor through a grid of framings."""
    probes = probe_hashes(clip)
    if reframer is not None and len(slice_keys(probes)) < defaults.REFRAME_PROBE_BELOW_KEYS:
        probes += reframer.probe_hashes()
    return probes


def match_clip(
    query: VideoFingerprint, bank: Bank, reframer: Reframer | None = None
) -> MatchReport:
    """Every known video in ``bank`` that ``query`` copies, best first.

    With a ``reframer`` (the clip's anchor pictures, see `verify.reframe`),
    off-centre crops are found too: a candidate the clip's own forms cover
    poorly is searched for a framing, and aligned again through it.
    """
    clip = _Frames.of_query(query)
    candidates = bank.candidates(
        lookup_hashes(clip, reframer),
        min_votes=defaults.MIN_CANDIDATE_VOTES,
        limit=defaults.MAX_CANDIDATES,
    )
    duration = query.duration or (float(clip.time.max()) if clip.time.size else 0.0)
    found: dict[int, Match] = {}
    reframe: list[tuple[KnownVideo, _Frames, Framing]] = []
    for video_id, _votes in candidates:
        rows = bank.frames(video_id)
        if rows.size == 0:
            continue
        known = _Frames.of_known(rows)
        video = bank.video_by_id(video_id)
        match = _best_match(clip, known, video, duration)
        if match is not None:
            found[video_id] = match
        if reframer is None or (match is not None and _is_firm(match, duration)):
            continue
        framing = reframer.find_framing(known.forms["centre70"][known.usable])
        if framing is not None:
            reframe.append((video, known, framing))
    windows = reframer.window_hashes([f for *_, f in reframe]) if reframe and reframer else []
    for (video, known, framing), hashes in zip(reframe, windows, strict=True):
        match = _best_match(
            clip.with_window(hashes), known, video, duration, ways=(False,), framing=framing
        )
        previous = found.get(video.id)
        if match is not None and (previous is None or match.score > previous.score):
            found[video.id] = match
    matches = _meet_at_cuts(list(found.values()), clip)
    matches.sort(key=lambda m: m.score, reverse=True)
    return MatchReport(query, str(bank.path), tuple(matches), len(candidates))


def _is_firm(match: Match, duration: float) -> bool:
    """Whether a match covers the clip with close frames: no framing search needed.

    Its segments must cover `REFRAME_BELOW_COVERAGE` of the clip, and that
    share of the known frames within them must have a clip frame within
    `MATCH_DISTANCE` (an off-centre crop may still be aligned, loosely, over
    its whole length, by a few close frames and others up to
    `EXTEND_DISTANCE` apart).
    """
    spanned = sum(s.known_frames for s in match.segments)
    matched = sum(s.known_matched for s in match.segments)
    return (
        match.coverage >= defaults.REFRAME_BELOW_COVERAGE * duration
        and matched >= defaults.REFRAME_BELOW_COVERAGE * spanned
    )


def _best_match(
    clip: _Frames, known: _Frames, video: KnownVideo, duration: float, *,
    ways: tuple[bool, ...] = (False, True), framing: Framing | None = None,
) -> Match | None:  # fmt: skip
    """The clip aligned with one known video, as is or mirrored (``ways``), whichever scores best.

    The score is the share of the clip the segments cover, discounted by how
    many bits apart their frames are.
    """
    known_duration = video.duration or float(known.time.max())
    best: Match | None = None
    for mirrored in ways:
        pairs = close_pairs(clip, known, mirrored=mirrored)
        segments = align_segments(
            clip, known, pairs, mirrored=mirrored, query_duration=duration,
            known_duration=known_duration,
        )  # fmt: skip
        if not segments:
            continue
        covered = sum(s.query_length for s in segments)
        mean_distance = np.average(
            [s.mean_distance for s in segments], weights=[s.frames for s in segments]
        )
        score = min(1.0, covered / duration if duration else 0.0) * (1 - mean_distance / 64)
        if best is None or score > best.score:
            best = Match(video, float(score), mirrored, tuple(segments), framing)
    return best
