"""Stage 2 of matching: the frame pairs of a clip and one known video that look alike.

A frame pair counts when one of its hash pairings (`verify.hashing.forms.pairings`:
full frame to full frame, to the known centre 85 %, centre 70 % to centre
70 %, picture-in-picture either way round, upper part to upper part, and
the same with the clip mirrored) is within ``match_distance`` bits. Only
close pairs are kept, so memory stays small however long both videos are.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

import numpy as np

from verify.config import MATCH, MatchConfig
from verify.hashing.forms import Form, FrameTable, pairings
from verify.hashing.phash import distance_table

FAR = 64  # bits apart given to frames that cannot be evidence (uniform frames)


@dataclasses.dataclass(frozen=True)
class Pairs:
    """Frame pairs within the match distance: clip index, known index, bits apart."""

    q: np.ndarray
    k: np.ndarray
    distance: np.ndarray

    @classmethod
    def empty(cls) -> Pairs:
        none = np.zeros(0, np.int64)
        return cls(none, none, np.zeros(0, np.int16))

    @property
    def size(self) -> int:
        return int(self.q.size)


def form_pairings(
    clip: FrameTable, known: FrameTable, *, mirrored: bool
) -> list[tuple[Form, Form]]:
    """The (clip form, known form) pairings compared, one way round."""
    return pairings(clip.forms, known.forms, mirrored=mirrored)


def frame_distances(clip: FrameTable, known: FrameTable, *, mirrored: bool) -> np.ndarray:
    """Best pairing distance for every (clip frame, known frame); `FAR` where unusable."""
    distances = np.minimum.reduce([
        distance_table(clip.forms[a], known.forms[b])
        for a, b in form_pairings(clip, known, mirrored=mirrored)
    ])  # fmt: skip
    distances[~clip.usable, :] = FAR
    distances[:, ~known.usable] = FAR
    return distances


def paired_distances(
    clip: FrameTable, known: FrameTable, qs: np.ndarray, ks: np.ndarray, *, mirrored: bool
) -> np.ndarray:
    """Best pairing distance of clip frames ``qs`` with known frames ``ks``, pair by pair."""
    distances = np.minimum.reduce([
        np.bitwise_count(clip.forms[a][qs] ^ known.forms[b][ks]).astype(np.int16)
        for a, b in form_pairings(clip, known, mirrored=mirrored)
    ])  # fmt: skip
    distances[~(clip.usable[qs] & known.usable[ks])] = FAR
    return distances


def close_pairs(
    clip: FrameTable, known: FrameTable, *, mirrored: bool, config: MatchConfig = MATCH
) -> Pairs:
    """Every (clip frame, known frame) pair within ``config.match_distance``.

    Computed in blocks of clip frames (``config.distance_block_cells`` cells
    at a time), keeping only the close pairs.
    """
    block = max(1, config.distance_block_cells // max(1, known.size))
    found = []
    for start in range(0, clip.size, block):
        distances = frame_distances(
            clip.take(slice(start, start + block)), known, mirrored=mirrored
        )
        qi, ki = np.nonzero(distances <= config.match_distance)
        found.append((qi + start, ki, distances[qi, ki]))
    if not found:
        return Pairs.empty()
    return Pairs(*(np.concatenate(column) for column in zip(*found, strict=True)))


def pair_counts(
    clip: FrameTable, knowns: Sequence[FrameTable], *, mirrored: bool,
    config: MatchConfig = MATCH,
) -> np.ndarray:  # fmt: skip
    """How many `close_pairs` the clip has with each of ``knowns``: the same count,
    taken over all of them at once (known videos with the same forms share one
    distance table, where a table each costs more in calls than in arithmetic)."""
    counts = np.zeros(len(knowns), np.int64)
    groups: dict[frozenset[Form], list[int]] = {}
    for index, known in enumerate(knowns):
        groups.setdefault(frozenset(known.forms), []).append(index)
    for members in groups.values():
        tables = [knowns[i] for i in members]
        owner = np.repeat(np.arange(len(members)), [t.size for t in tables])
        pairs = close_pairs(clip, FrameTable.joined(tables), mirrored=mirrored, config=config)
        counts[members] = np.bincount(owner[pairs.k], minlength=len(members))
    return counts
