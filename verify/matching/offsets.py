"""Stage 3 of matching: the time offset along which a copy's frames line up.

A real copy's matching frames share one offset (known time minus clip
time); a bag of similar frames at random offsets is no match. A copy
played at another speed lines up along a rate too (`playback_rate`).
Offsets are voted on coarsely to find alignments (`offset_peak`), then each run of
frames gets its exact offset: to a fraction of a frame where the footage
moves (`exact_offset`), the middle of the equally good offsets where it is
still (`middle_offset`), and the copy's own timeline where the frames
cannot tell (`prefer_same_timeline`).
"""

from __future__ import annotations

import dataclasses

import numpy as np

from verify import numeric
from verify.config import MATCH, MatchConfig
from verify.hashing.forms import Form, FrameTable
from verify.hashing.phash import distance_table
from verify.matching.pairs import Pairs


@dataclasses.dataclass(frozen=True)
class Alignment:
    """One clip against one known video, one way round: what aligning needs."""

    clip: FrameTable
    known: FrameTable
    pairs: Pairs
    offsets: np.ndarray  # known time - clip time, per pair
    mirrored: bool
    clip_duration: float
    known_duration: float
    config: MatchConfig = MATCH


def offset_peak(offsets: np.ndarray, weights: np.ndarray, config: MatchConfig = MATCH) -> float:
    """The time offset most frame pairs agree on (weighted vote in smoothed bins).

    Bins are ``offset_bin_seconds`` wide (a quarter of the bank's interval);
    the winner is the weighted mean of the pairs in its bin and its two
    neighbours.
    """
    bins = np.round(offsets / config.offset_bin_seconds).astype(np.int64)
    low = bins.min()
    votes = np.bincount(bins - low, weights=weights)
    smoothed = np.convolve(votes, [0.5, 1.0, 0.5], mode="same")
    best = int(np.argmax(smoothed))
    near = np.abs(bins - low - best) <= 1
    return float(np.average(offsets[near], weights=weights[near]))


def playback_rate(
    clip: FrameTable, known: FrameTable, pairs: Pairs, config: MatchConfig = MATCH, *,
    mirrored: bool = False, durations: tuple[float, float] | None = None,
) -> float:  # fmt: skip
    """Known seconds per clip second: 1.0, or the rate a copy was re-timed by.

    A copy played at another speed drifts off any one offset. Where the
    footage moves, a known frame is shown best by one moment of the clip
    (every clip frame further than ``rate_pin_seconds`` from it at least
    ``rate_pin_bits`` further off): a point (clip time, known time). Those
    points lie on the line known = rate x clip + offset, found robustly
    (the median of the slopes between points ``rate_slope_seconds`` apart or
    more, then the median offset). A copy at the known speed gives a rate
    near 1 and keeps 1.0 (see ``rate_min_points`` and the settings after
    it). Still footage pins too few points, and points may lie along no one
    line (rate 1 or another): the rate is then fitted over all the frames
    (`fitted_rate`) when ``durations`` (the clip's and the known video's)
    are given, else it stays 1.0.
    """
    if pairs.size < config.rate_min_points:
        return 1.0
    rate = pinned_rate(clip, known, pairs, config)
    if rate is not None:
        return rate
    if durations is None or not config.rate_fit_stage:
        return 1.0
    return fitted_rate(clip, known, pairs, durations, mirrored=mirrored, config=config)


def pinned_rate(
    clip: FrameTable, known: FrameTable, pairs: Pairs, config: MatchConfig = MATCH
) -> float | None:
    """The rate the pinned points of `playback_rate` give; 1.0 when they lie along rate
    1; None when they decide nothing (too few, too close in time, or along neither)."""
    clip_times = clip.time[pairs.q]
    # Each known frame's best pair: fewest bits, then earliest.
    order = np.lexsort((clip_times, pairs.distance, pairs.k))
    first = np.r_[True, pairs.k[order][1:] != pairs.k[order][:-1]]
    best = order[first]
    group = np.cumsum(first) - 1  # for each pair in `order`, its known frame's row in `best`
    close = (np.abs(clip_times[order] - clip_times[best][group]) > config.rate_pin_seconds) & (
        pairs.distance[order] < pairs.distance[best][group] + config.rate_pin_bits
    )
    pinned = best[np.bincount(group, weights=close, minlength=best.size) == 0]
    if pinned.size > config.rate_fit_points:  # evenly spread, in bounded memory
        by_time = pinned[np.argsort(clip_times[pinned], kind="stable")]
        pinned = by_time[np.linspace(0, pinned.size - 1, config.rate_fit_points).astype(int)]
    x, y = clip_times[pinned], known.time[pairs.k[pinned]]
    if x.size < config.rate_min_points or np.ptp(x) < config.rate_min_span_seconds:
        return None
    i, j = np.triu_indices(x.size, 1)
    apart = np.abs(x[j] - x[i]) >= config.rate_slope_seconds
    if not apart.any():
        return None
    rate = float(numeric.median((y[j] - y[i])[apart] / (x[j] - x[i])[apart]))
    residual = float(numeric.median(np.abs(y - rate * x - numeric.median(y - rate * x))))
    at_one = float(numeric.median(np.abs(y - x - numeric.median(y - x))))
    low, high = config.rate_range
    if (
        low <= rate <= high
        and abs(rate - 1.0) >= config.rate_min_change
        and residual <= config.rate_max_residual_seconds
        and at_one >= config.rate_min_gain * max(residual, 1e-3)
    ):
        return round(rate, 3)
    if at_one <= config.rate_max_residual_seconds:
        return 1.0
    return None


# What `fitted_rate` compares, clip form -> known form: the whole picture's forms, or
# their mirror images when the clip is tried mirrored. The gradient hash is matched
# nowhere else, but it times a frame as well. A panel's or a reframed window's
# hashes are not fitted: they are noisier (a 1x Telegram copy of the time-lapse,
# through its 35 % inset, fitted 0.805x by 0.6 bits), and no copy of the tuning
# part needs it.
_FIT_PLAIN = {Form.PHASH: Form.PHASH, Form.DHASH: Form.DHASH, Form.CENTRE70: Form.CENTRE70,
              Form.UPPER: Form.UPPER}  # fmt: skip
_FIT_MIRRORED = {Form.MIRROR: Form.PHASH, Form.MIRROR_CENTRE70: Form.CENTRE70}


def _fit_forms(clip: FrameTable, known: FrameTable, mirrored: bool) -> dict[Form, Form]:
    """The comparisons `fitted_rate` makes, of the forms both sides have (none for a
    clip seen through a panel or a window)."""
    if Form.PANEL in clip.forms or Form.WINDOW in clip.forms:
        return {}
    chosen = _FIT_MIRRORED if mirrored else _FIT_PLAIN
    return {a: b for a, b in chosen.items() if a in clip.forms and b in known.forms}


def fitted_rate(
    clip: FrameTable, known: FrameTable, pairs: Pairs, durations: tuple[float, float], *,
    mirrored: bool = False, config: MatchConfig = MATCH,
) -> float:  # fmt: skip
    """The rate whose lines the clip's frames fit best, for footage that pins none; 1.0
    unless it fits ``rate_fit_gain_bits`` better than rate 1.

    A line (rate, offset) maps each clip frame to a known moment; its score is
    the mean bits apart, over frames and forms, of the frame and the known
    frame nearest that moment (``rate_fit_cap_bits`` at most, and outside the
    known video). Where several rates fit alike, the one that maps the clip
    onto the whole known video is taken (see ``rate_fit_whole_bits``). When
    rate 1 already comes within the gain of each frame's nearest known frame,
    the other rates are not tried: none could win.
    """
    forms = _fit_forms(clip, known, mirrored)
    usable = np.flatnonzero(clip.usable)
    if not forms or usable.size < config.rate_min_points or known.size == 0:
        return 1.0
    picked = usable[np.linspace(0, usable.size - 1, min(usable.size, config.rate_fit_frames))
                    .astype(int)]  # fmt: skip
    times = clip.time[picked]
    cap = config.rate_fit_cap_bits
    # Bits apart of each picked frame and each known frame, mean over forms, capped.
    table = np.zeros((picked.size, known.size), np.float32)
    for form, partner in forms.items():
        table += np.minimum(distance_table(clip.forms[form][picked], known.forms[partner]), cap)
    table /= len(forms)
    table[:, ~known.usable] = cap
    # Columns: outside the known video before it, each known frame, outside after it.
    far = np.full((picked.size, 1), cap, np.float32)
    table = np.concatenate([far, table, far], axis=1)
    low, high = config.rate_range
    rate_step = config.rate_fit_step
    # Steps from 1.0 to the range's ends; rounded first, as (0.8 - 1) / 0.005 is -39.99...
    first_step, last_step = round((low - 1) / rate_step, 9), round((high - 1) / rate_step, 9)
    rates = 1.0 + rate_step * np.arange(np.ceil(first_step), np.floor(last_step) + 1)
    # Offsets the pairs suggest at any rate in range, a little beyond.
    pair_times, pair_known = clip.time[pairs.q], known.time[pairs.k]
    first = float(np.min(pair_known - high * pair_times)) - 1.0
    last = float(np.max(pair_known - low * pair_times)) + 1.0
    # Offsets on a grid through 0: a copy may start with the video.
    offset_step = config.rate_fit_offset_step
    lowest, highest = np.floor(first / offset_step), np.ceil(last / offset_step)
    if not highest - lowest < config.rate_fit_max_offsets:  # also when not finite
        return 1.0
    offsets = offset_step * np.arange(lowest, highest + 1)
    half = known.interval / 2
    start, end = float(known.time[0]) - half, float(known.time[-1]) + half
    rows = np.arange(picked.size)[None, :]
    # A moment's column: how many of these lie before it. Before the video's
    # start, none; then one more for each midpoint between known frames passed
    # (a moment halfway goes to the earlier frame); after its end, all.
    bounds = np.concatenate([
        [np.nextafter(start, -np.inf)], (known.time[1:] + known.time[:-1]) / 2, [end]
    ])  # fmt: skip

    def fit(rate: float) -> float:
        """The best score of the lines of this rate."""
        moments = offsets[:, None] + rate * times[None, :]
        return float(table[rows, np.searchsorted(bounds, moments)].mean(axis=1).min())

    one = fit(1.0)
    # No line scores better than each frame's nearest known frame does: where rate
    # 1 is within the gain of that, no other rate can win, and none need be tried
    # (a copy at the known speed, most of all). A hair of margin for rounding.
    floor = float(table.min(axis=1).mean())
    if one - floor < config.rate_fit_gain_bits - 1e-3:
        return 1.0
    by_rate = np.array([one if rate == 1.0 else fit(rate) for rate in rates])
    best = int(np.argmin(by_rate))
    rate = float(rates[best])
    if one - by_rate[best] < config.rate_fit_gain_bits:
        return 1.0
    clip_duration, known_duration = durations
    whole = known_duration / clip_duration if clip_duration > 0 else 0.0
    if low <= whole <= high and fit(whole) - by_rate[best] <= config.rate_fit_whole_bits:
        rate = whole
    if abs(rate - 1.0) < config.rate_min_change:
        return 1.0
    return round(rate, 3)


def pairs_at_offset(
    pairs: Pairs, offsets: np.ndarray, free: np.ndarray, peak: float, config: MatchConfig = MATCH
) -> dict[int, tuple[int, float, int]]:
    """For each free clip frame, its best known frame near ``peak``: {q: (k, offset, bits)}.

    Near means within ``offset_tolerance_seconds`` (frames of two copies are
    sampled up to one interval apart); closest in time wins, then in bits.
    """
    gap = np.abs(offsets - peak)
    near = np.flatnonzero(free[pairs.q] & (gap <= config.offset_tolerance_seconds))
    order = near[np.lexsort((pairs.distance[near], gap[near], pairs.q[near]))]
    first = np.ones(order.size, bool)
    first[1:] = pairs.q[order][1:] != pairs.q[order][:-1]
    return {
        int(pairs.q[i]): (int(pairs.k[i]), float(offsets[i]), int(pairs.distance[i]))
        for i in order[first]
    }


def exact_offset(
    offsets: np.ndarray, distances: np.ndarray, config: MatchConfig = MATCH
) -> tuple[float, bool]:
    """A run's time offset, to a fraction of a frame, and whether the frames pin it.

    Pairs are sampled up to half an interval apart, so their offsets scatter;
    but pairs showing the very same source frame (copies keep the frame
    timing, trimmed or not) share the exact offset. The most common offset,
    counted in ``offset_precision_seconds`` bins and weighted towards closer
    hashes, is that one. It is pinned (moving footage) when no offset more
    than two bins away gets ``offset_sharpness`` of its votes; still footage
    gets as many at any nearby offset.
    """
    bins = np.round(offsets / config.offset_precision_seconds).astype(np.int64)
    weights = 1.0 / (1.0 + distances)
    low = bins.min()
    votes = np.bincount(bins - low, weights=weights)
    best = int(np.argmax(votes))
    far = np.abs(np.arange(votes.size) - best) > 2
    sharp = not far.any() or votes[far].max() < config.offset_sharpness * votes[best]
    near = bins == best + low
    return float(np.average(offsets[near], weights=weights[near])), bool(sharp)


def support(run: list[int], offsets: np.ndarray, alignment: Alignment, own: float) -> np.ndarray:
    """How well the run's clip frames agree with each of ``offsets``: the sum, over clip
    frames, of the closeness of the frame's best pair within ``own`` seconds of it."""
    pairs, config = alignment.pairs, alignment.config
    lo, hi = float(offsets.min()) - own, float(offsets.max()) + own
    mine = np.flatnonzero(
        np.isin(pairs.q, run) & (alignment.offsets >= lo) & (alignment.offsets <= hi)
    )
    if mine.size == 0:
        return np.zeros(offsets.size)
    mine = mine[np.argsort(pairs.q[mine], kind="stable")]
    closeness = 1.0 - pairs.distance[mine] / (config.match_distance + 1)
    found = alignment.offsets[mine]
    starts = np.flatnonzero(np.r_[True, pairs.q[mine][1:] != pairs.q[mine][:-1]])
    rows = max(1, config.distance_block_cells // mine.size)  # bounded memory
    totals = []
    for part in np.array_split(offsets, -(-offsets.size // rows)):
        weighted = np.where(np.abs(found[None, :] - part[:, None]) <= own, closeness, 0.0)
        totals.append(np.maximum.reduceat(weighted, starts, axis=1).sum(axis=1))
    return np.concatenate(totals)


def middle_offset(run: list[int], offset: float, alignment: Alignment) -> float:
    """For footage that does not pin its offset: the middle of the offsets the frames
    support best, near ``offset``.

    A text slide or a still shot matches at any offset within it; only its
    changes (the next slide, a cut) bound the offset, and the bank's sparse
    frames place a change only to within their interval. Every offset
    between those bounds explains the frames equally well (support at least
    ``offset_plateau`` of the best); the middle of that range is off by at
    most half the bank's interval.
    """
    config = alignment.config
    own = alignment.known.interval / 2
    step = config.offset_precision_seconds
    reach = round(config.offset_tolerance_seconds / step)
    grid = offset + step * np.arange(-reach, reach + 1)
    found = support(run, grid, alignment, own)
    good = found >= config.offset_plateau * found.max()
    peak = int(np.argmax(found))
    start, end = peak, peak
    while start > 0 and good[start - 1]:
        start -= 1
    while end < grid.size - 1 and good[end + 1]:
        end += 1
    return float((grid[start] + grid[end]) / 2)


def prefer_same_timeline(
    run: list[int], offset: float, alignment: Alignment, preferred: tuple[float, ...], *,
    sharp: bool,
) -> float:  # fmt: skip
    """``offset``, or a preferred one (the copy starts or ends where the known video does)
    that the frames support as well.

    Still footage matches at any offset nearby, so its pairs cannot place it
    to better than a few tenths of a second; a moving picture can, and then
    only the true offset is supported. Where the frames cannot tell (support
    at least ``same_timeline_support`` of the found offset's), a copy keeping
    the known video's timeline is the likelier reading. Moving footage is
    held to the known frame nearest in time; still footage (not ``sharp``)
    to either known frame around each clip frame, since a slide's change
    falls anywhere between the two.
    """
    config = alignment.config
    interval = alignment.known.interval
    own = interval / 2 if sharp else interval
    near = [
        c for c in preferred if c != offset and abs(c - offset) <= config.offset_tolerance_seconds
    ]
    if not near:
        return offset
    here, *there = support(run, np.array([offset, *near]), alignment, own)
    for candidate, supported in zip(near, there, strict=True):
        if supported >= config.same_timeline_support * here:
            return candidate
    return offset


def run_offset(
    run: list[int], chosen: dict[int, tuple[int, float, int]], alignment: Alignment
) -> float:
    """The offset of one run of clip frames, through the offset stages ``config`` allows."""
    config = alignment.config
    bits = np.array([chosen[q][2] for q in run], np.float64)
    found = np.array([chosen[q][1] for q in run])
    if config.exact_offset_stage:
        offset, sharp = exact_offset(found, bits, config)
    else:
        offset, sharp = float(np.average(found, weights=1.0 / (1.0 + bits))), True
    if not sharp and config.middle_offset_stage:
        offset = middle_offset(run, offset, alignment)
    if config.same_timeline_stage:
        ends = (0.0, alignment.known_duration - alignment.clip_duration)
        offset = prefer_same_timeline(run, offset, alignment, ends, sharp=sharp)
    return offset
