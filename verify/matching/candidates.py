"""Stage 1 of matching: which known videos are worth comparing frame by frame.

The bank keeps postings of 16-bit slices of its frames' indexed hashes
(multi-index hashing): two hashes within a few bits share a slice with high
probability. The clip looks up its probe frames' forms (`probe_hashes`);
videos sharing at least ``min_candidate_votes`` keys (one, for a clip of
fewer than ``single_vote_below_keys``: still footage) are candidates, at
most ``max_candidates`` of them, most votes first.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from verify.bank.store import BankStore, slice_keys
from verify.config import MATCH, MatchConfig
from verify.hashing.forms import PROBED_FORMS, Form, FrameTable


def probe_frames(clip: FrameTable, config: MatchConfig = MATCH) -> np.ndarray:
    """Which usable clip frames are looked up (a mask).

    At least ``probe_rate`` a second (the bank's own rate), plus, with the
    dense-probe stage, every frame that differs from the last probe frame by
    ``probe_change_bits`` or more: fast footage is probed densely, still
    footage (whose neighbouring frames share slices anyway) sparsely, which
    keeps lookups few on a large bank.
    """
    phash = clip.forms[Form.PHASH]
    bins = np.floor(clip.time * config.probe_rate)
    keep = np.zeros(clip.size, bool)
    last: int | None = None
    for i in np.flatnonzero(clip.usable).tolist():
        changed = (
            config.dense_probe_stage
            and last is not None
            and int(phash[i] ^ phash[last]).bit_count() >= config.probe_change_bits
        )
        if last is None or bins[i] != bins[last] or changed:
            keep[i] = True
            last = i
    return keep


def probe_hashes(clip: FrameTable, config: MatchConfig = MATCH) -> list[int]:
    """The hashes looked up in the postings: every probed form of the probe frames."""
    keep = probe_frames(clip, config)
    return [int(v) for form in PROBED_FORMS for v in clip.forms[form][keep]]


def lookup_hashes(
    clip: FrameTable,
    extra: Callable[[], list[int]] | None = None,
    config: MatchConfig = MATCH,
) -> list[int]:
    """Every hash looked up: the probe frames', and ``extra()`` (the clip's most detailed
    picture through a grid of framings, `Reframer.probe_hashes`) when the probe frames
    give fewer than ``reframe_probe_below_keys`` keys (still footage)."""
    probes = probe_hashes(clip, config)
    if extra is not None and len(slice_keys(probes)) < config.reframe_probe_below_keys:
        probes += extra()
    return probes


def find_candidates(
    bank: BankStore, hashes: list[int], config: MatchConfig = MATCH
) -> list[tuple[int, int]]:
    """Candidate videos for these lookup hashes: (video id, votes), most votes first."""
    keys = sorted(slice_keys(hashes))
    votes = 1 if len(keys) < config.single_vote_below_keys else config.min_candidate_votes
    keys = thin_keys(bank, keys, config)
    return bank.candidates(keys, min_votes=votes, limit=config.max_candidates)


def thin_keys(bank: BankStore, keys: list[int], config: MatchConfig = MATCH) -> list[int]:
    """``keys``, or an even share of them when looking all up would read more than
    ``max_probe_postings`` postings (a large bank, where each key has many).

    The postings per key are measured on ``probe_density_keys`` keys spread over
    the sorted list; the share kept is chosen by a fixed mix of each key's bits,
    so it favours no slice position, form or part of the clip, and the same clip
    keeps the same keys every time.
    """
    sample = keys[:: max(1, len(keys) // config.probe_density_keys)][: config.probe_density_keys]
    if len(keys) <= len(sample):
        return keys
    per_key = bank.posting_count(sample) / len(sample)
    if per_key * len(keys) <= config.max_probe_postings:
        return keys
    wanted = max(len(sample), int(config.max_probe_postings / per_key))
    return sorted(sorted(keys, key=_mixed)[:wanted])


def _mixed(key: int) -> int:
    """A fixed permutation of 64-bit values (Fibonacci hashing): an order unrelated to
    the keys' own."""
    return (key * 0x9E3779B97F4A7C15) & 0xFFFFFFFFFFFFFFFF
