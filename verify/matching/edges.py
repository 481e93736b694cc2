"""Stage 5 of matching: where a segment really starts and ends, beyond its outermost matches."""

from __future__ import annotations

import dataclasses

import numpy as np

from verify.config import MATCH, MatchConfig
from verify.hashing.forms import Form, FrameTable


@dataclasses.dataclass(frozen=True)
class Edges:
    """Finds the edges of one alignment (clip against a known video at ``offset``).

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
    differ by more than ``extend_distance``, and unless a clip frame lies
    within ``offset_precision_seconds`` of it, no clip frame could have
    matched it. Such a frame is passed over for the next one.
    """

    clip: FrameTable
    known: FrameTable
    offset: float
    known_duration: float
    config: MatchConfig = MATCH

    def find(self, t: float, *, forward: bool, limit: float) -> float:
        """The edge past clip time ``t`` (a matched frame); ``limit`` is the clip's end."""
        aligned = t + self.offset
        times = self.known.time[self.known.usable]
        own = self.known.interval / 2
        if forward:
            hard = min(limit, self.known_duration - self.offset)
            for moment in np.sort(times[times > aligned + own]) - self.offset:
                if moment > hard + 1e-6:
                    break
                if self.observable(moment):
                    return max(t, (t + moment) / 2)
            return max(t, hard)
        hard = max(limit, -self.offset)
        for moment in np.sort(times[times < aligned - own])[::-1] - self.offset:
            if moment < hard - 1e-6:
                break
            if self.observable(moment):
                return min(t, (t + moment) / 2)
        return min(t, hard)

    def observable(self, moment: float) -> bool:
        """Whether the clip shows clip time ``moment`` closely enough to match a frame of it."""
        times = self.clip.time
        after = int(np.searchsorted(times, moment))
        if after == 0 or after == times.size:
            return True
        before = after - 1
        if (
            min(moment - times[before], times[after] - moment)
            <= self.config.offset_precision_seconds
        ):
            return True
        hashes = self.clip.forms[Form.PHASH]
        return int(hashes[before] ^ hashes[after]).bit_count() <= self.config.extend_distance
