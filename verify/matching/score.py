"""Stage 6 of matching: one known video's best alignment with the clip, and its score."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

import numpy as np

from verify.bank.store import KnownVideo
from verify.config import MATCH, MatchConfig
from verify.hashing.forms import FrameTable
from verify.matching.offsets import playback_rate
from verify.matching.pairs import close_pairs, pair_counts
from verify.matching.reframe import Framing
from verify.matching.results import Match
from verify.matching.segments import align_segments


def best_match(
    clip: FrameTable, known: FrameTable, video: KnownVideo, duration: float, *,
    mirrored: tuple[bool, ...] | None = None, framing: Framing | None = None,
    config: MatchConfig = MATCH,
) -> Match | None:  # fmt: skip
    """The clip aligned with one known video, as is or mirrored, whichever scores best.

    ``mirrored`` lists the ways tried (default: as is, and mirrored if the
    mirror stage is on). The score is the share of the clip the segments
    cover, discounted by how many bits apart their frames are.
    """
    ways = mirrored if mirrored is not None else (False, True) if config.mirror_stage else (False,)
    known_duration = video.duration or float(known.time.max())
    best: Match | None = None
    for way in ways:
        pairs = close_pairs(clip, known, mirrored=way, config=config)
        rate = (
            playback_rate(clip, known, pairs, config, mirrored=way,
                          durations=(duration, known_duration))
            if config.rate_stage
            else 1.0
        )  # fmt: skip
        # A copy played at another speed is aligned on its times x rate, where
        # it plays at the known speed, and its segments brought back.
        timed = clip if rate == 1.0 else dataclasses.replace(clip, time=clip.time * rate)
        segments = align_segments(
            timed, known, pairs, mirrored=way, clip_duration=duration * rate,
            known_duration=known_duration, config=config,
        )  # fmt: skip
        if not segments:
            continue
        if rate != 1.0:
            segments = [s.at_rate(rate) for s in segments]
        covered = sum(s.query_length for s in segments)
        mean_distance = np.average(
            [s.mean_distance for s in segments], weights=[s.frames for s in segments]
        )
        score = min(1.0, covered / duration if duration else 0.0) * (1 - mean_distance / 64)
        if best is None or score > best.score:
            best = Match(
                video, float(score), way, tuple(segments), framing, known_interval=known.interval
            )
    return best


def could_match(
    clip: FrameTable, knowns: Sequence[FrameTable], config: MatchConfig = MATCH
) -> np.ndarray:
    """Which of ``knowns`` `best_match` may align with the clip (a mask): those with
    ``min_segment_frames`` close pairs one way or the other. With fewer, no segment
    can form, so the rest would give None; checked for all at once, this spares a
    large bank's chance candidates the per-video work."""
    ways = (False, True) if config.mirror_stage else (False,)
    hopeful = np.zeros(len(knowns), bool)
    for way in ways:
        counts = pair_counts(clip, knowns, mirrored=way, config=config)
        hopeful |= counts >= config.min_segment_frames
    return hopeful


def is_firm(match: Match, duration: float, config: MatchConfig = MATCH) -> bool:
    """Whether a match covers the clip with close frames: no framing search needed.

    Its segments must cover ``reframe_below_coverage`` of the clip, and that
    share of the known frames within them must have a clip frame within
    ``match_distance`` (an off-centre crop may still be aligned, loosely,
    over its whole length, by a few close frames and others up to
    ``extend_distance`` apart).
    """
    spanned = sum(s.known_frames for s in match.segments)
    matched = sum(s.known_matched for s in match.segments)
    return (
        match.coverage >= config.reframe_below_coverage * duration
        and matched >= config.reframe_below_coverage * spanned
    )
