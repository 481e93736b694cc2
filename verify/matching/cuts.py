"""Stage 7 of matching: in a compilation, the edge between two known videos goes at the cut."""

from __future__ import annotations

import dataclasses
import itertools

import numpy as np

from verify.config import MATCH, MatchConfig
from verify.hashing.forms import Form, FrameTable
from verify.matching.results import Match
from verify.matching.segments import Segment


def meet_at_cuts(
    matches: list[Match], clip: FrameTable, config: MatchConfig = MATCH
) -> list[Match]:
    """Put the edge between consecutive segments of different alignments at the cut.

    Where one alignment hands over to another (a compilation: footage of one
    known video, then of another, or another part), the clip's own frames
    place the cut more precisely than the sparser known frames can: between
    the last frame matched by the first segment and the first frame matched
    by the next, where the clip's picture changes most (`cut_between`).
    Each edge moves there when the two segments overlap or almost meet (less
    than one bank interval apart). Where their matched frames overlap too
    (footage alike on both sides of the cut: two bank videos from one
    camera), the edges move only to a `clear_cut` in the seconds both claim.
    Segments showing the same known moments over most of the clip seconds
    they share (`same_footage`: one video held twice, collected from two
    channels, perhaps aligned in pieces) hand nothing over to each other:
    they move as one group, to the cut with the next group.
    """
    placed = [(m, i) for m in matches for i in range(len(m.segments))]
    placed.sort(key=lambda p: p[0].segments[p[1]].query_start)
    # Copies of the same footage move as one: a segment joins a group when it
    # shows the same footage as any segment in it.
    groups: list[list[tuple[Match, int]]] = []
    for m, i in placed:
        for group in groups:
            if any(
                same_footage(n.segments[j], m.segments[i], max(n.known_interval, m.known_interval))
                for n, j in group
            ):
                group.append((m, i))
                break
        else:
            groups.append([(m, i)])
    edited = {id(m): list(m.segments) for m in matches}
    for first, second in itertools.pairwise(groups):
        # The first group's latest end meets the second group's earliest start.
        m1, i1 = max(first, key=lambda p: edited[id(p[0])][p[1]].query_end)
        m2, i2 = min(second, key=lambda p: edited[id(p[0])][p[1]].query_start)
        a, b = edited[id(m1)][i1], edited[id(m2)][i2]
        interval = max(m1.known_interval, m2.known_interval)
        if a.query_end < b.query_start - interval:
            continue
        if a.last_match < b.first_match:
            cut = cut_between(clip, a.last_match, b.first_match, config)
        else:
            # Both claim the seconds where they overlap: footage alike on either
            # side of the cut (two videos from one camera). Only a clear cut there
            # settles it.
            cut = clear_cut(clip, b.query_start, min(a.query_end, b.query_end), config)
            earliest = min(edited[id(m)][i].query_start for m, i in first)
            if cut is None or not earliest < cut < b.query_end:
                continue
        # Each segment of a group at the meeting (or across the cut) gets the cut
        # as its edge, as long as it keeps some length.
        for m, i in first:
            segment = edited[id(m)][i]
            at_edge = segment.query_end >= a.query_end - interval or segment.query_end > cut
            if at_edge and segment.query_start < cut:
                edited[id(m)][i] = segment.moved(end=cut, known_duration=m.video.duration)
        for m, i in second:
            segment = edited[id(m)][i]
            at_edge = segment.query_start <= b.query_start + interval or segment.query_start < cut
            if at_edge and cut < segment.query_end:
                edited[id(m)][i] = segment.moved(start=cut, known_duration=m.video.duration)
    return [dataclasses.replace(m, segments=tuple(edited[id(m)])) for m in matches]


def same_footage(a: Segment, b: Segment, interval: float) -> bool:
    """Whether two segments (of two known videos) show the same known moments at the
    same clip seconds over at least half of the shorter one (to within
    ``interval`` at both ends of the seconds they share, or at one end when
    their rates differ, see below): copies of the same footage (one video
    held twice, perhaps aligned in pieces), not a compilation handing over
    from one to the other.

    Two copies of still footage may be read at different rates (one copy's
    frames fitting a re-timed line, the other's not quite): such readings
    meet at one end of the seconds they share and part, towards the other,
    by as much as their rates differ over those seconds.
    """
    low, high = max(a.query_start, b.query_start), min(a.query_end, b.query_end)
    shorter = min(a.query_length, b.query_length)
    if shorter <= 0 or high - low < 0.5 * shorter:
        return False

    def known_at(segment: Segment, time: float) -> float:
        return segment.ref_end - (segment.query_end - time) * segment.rate

    gaps = [abs(known_at(a, t) - known_at(b, t)) for t in (low, high)]
    drift = abs(a.rate - b.rate) * (high - low)
    return min(gaps) <= interval and max(gaps) <= interval + drift


def cut_between(clip: FrameTable, first: float, last: float, config: MatchConfig = MATCH) -> float:
    """Where the clip cuts between times ``first`` and ``last``: the `clear_cut`
    there, else halfway between them."""
    cut = clear_cut(clip, first, last, config)
    return (first + last) / 2 if cut is None else cut


def clear_cut(
    clip: FrameTable, first: float, last: float, config: MatchConfig = MATCH
) -> float | None:
    """Halfway between the two neighbouring frames within ``first``..``last`` that
    differ most, if they differ like different shots (``cut_bits``) and clearly
    more than any other two (``cut_dominance``; fast footage changes as much
    from frame to frame); else None."""
    inside = np.flatnonzero((clip.time >= first - 1e-6) & (clip.time <= last + 1e-6))
    if inside.size >= 2:
        inside = inside[np.argsort(clip.time[inside])]
        hashes = clip.forms[Form.PHASH][inside]
        change = np.bitwise_count(hashes[1:] ^ hashes[:-1]).astype(np.float64)
        i = int(np.argmax(change))
        others = np.delete(change, i)
        runner_up = float(others.max()) if others.size else 0.0
        if change[i] >= config.cut_bits and change[i] >= config.cut_dominance * runner_up:
            return float(clip.time[inside[i]] + clip.time[inside[i + 1]]) / 2
    return None
