"""Panels: rectangles of one video shown inside a picture made of several.

Re-uploads put footage in part of a frame whose surroundings move too: an
inset over a presenter or a street, a split screen, a vertical re-frame over
a blurred copy. Neither the motion test of `normalise.detect_inset` (the
surroundings must be still) nor the outline in the mean frame of
`normalise.detect_window` (moving surroundings and footage both average out)
sees those. What gives the border away is how the pixels change: on one
side of it they change with one picture, on the other with another, so
neighbours across it change independently where neighbours within a picture
change together (`border_evidence`). `propose_panels` lists rectangles whose
four sides are such borders (or the frame's own sides); the matcher tries
them against each candidate known video (`verify.matching.panels`).
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Sequence

import numpy as np

from verify.config import HASH, HashConfig
from verify.hashing.normalise import CropBox, strongest_lines


def border_evidence(
    frames: Sequence[np.ndarray], config: HashConfig = HASH
) -> tuple[np.ndarray, np.ndarray]:
    """Per pixel, whether a border between two pictures runs across it, and whether
    nothing there tells: two (2, rows, columns) masks, (border, silent).

    ``out[0][y, x]`` judges rows y - 1 and y + 1, ``out[1][y, x]`` columns x - 1
    and x + 1, over the frames' changes from one to the next. Within one
    picture, neighbouring pixels change together (the camera moves, a
    scene dissolves); across a border they change independently, or one side
    is still while the other moves. A border is where that decorrelation
    stands out from the pixels ``panel_ridge`` further on at least one side,
    which lie within one picture: busy footage, whose own pixels decorrelate,
    shows no border within itself, yet its border with calmer footage shows.
    A frozen side (no change at all: a still picture, a near-still clip scaled
    down until its noise is gone) beside one that changes however little is a
    border too. Where both sides are still, a persistent edge stands in
    (below); where both are still with no such edge (a plain wall running
    from one picture into its blurred copy), the pixel is *silent*: no
    evidence either way.
    """
    step = max(1, len(frames) // config.panel_max_frames)
    stack = np.stack(frames[::step]).astype(np.float32)
    change = np.diff(stack, axis=0)
    energy = np.einsum("tyx,tyx->yx", change, change) / max(1, change.shape[0])
    out = np.zeros((2, *energy.shape), bool)
    silent = np.zeros((2, *energy.shape), bool)
    for axis in (0, 1):
        moved = np.moveaxis(change, axis + 1, 1)
        power = np.moveaxis(energy, axis, 0)
        a, b = moved[:, :-2], moved[:, 2:]
        ea, eb = power[:-2], power[2:]
        together = np.einsum("tyx,tyx->yx", a, b) / max(1, change.shape[0])
        floor = config.panel_still_energy
        both = (ea > floor) & (eb > floor)
        apart = np.where(both, 1.0 - together / np.sqrt(np.maximum(ea * eb, 1e-6)), 0.0)
        frozen = config.panel_frozen_energy
        lone = (
            ((ea > config.panel_moving_energy) & (eb <= floor))
            | ((eb > config.panel_moving_energy) & (ea <= floor))
            | ((ea > floor) & (eb <= frozen))
            | ((eb > floor) & (ea <= frozen))
        )
        apart = np.where(lone, 1.0, apart)
        line = np.zeros_like(power, dtype=np.float64)
        line[1:-1] = apart
        r = config.panel_ridge
        padded = np.pad(line, ((r, r), (0, 0)), mode="edge")
        beside = np.minimum(padded[: -2 * r], padded[2 * r :])  # rows y - r and y + r
        border = (line >= config.panel_min_decorrelation) & (
            line - beside >= config.panel_min_ridge
        )
        # Where both sides are still, a drawn rim or the step between two
        # pictures shows as an edge in (nearly) every frame.
        sides = np.moveaxis(stack, axis + 1, 1)
        steps = np.zeros_like(border)
        steps[1:-1] = (np.abs(sides[:, 2:] - sides[:, :-2]) > config.window_edge_step).mean(
            axis=0
        ) >= config.panel_step_persistence
        out[axis] = np.moveaxis(border | steps, 0, axis)
        quiet = np.zeros_like(border)
        quiet[1:-1] = (ea <= floor) & (eb <= floor)
        silent[axis] = np.moveaxis(quiet & ~steps, 0, axis)
    return out, silent


def propose_panels(frames: Sequence[np.ndarray], config: HashConfig = HASH) -> list[CropBox]:
    """Rectangles bounded by borders or the frame's sides, the likeliest first
    (`propose`'s panels)."""
    return propose(frames, config)[0]


def propose(
    frames: Sequence[np.ndarray], config: HashConfig = HASH
) -> tuple[list[CropBox], list[CropBox]]:
    """(panels, bands): rectangles bounded by borders or the frame's sides, the
    likeliest first, and, of all those considered, the bands across the frame's
    whole width or height, at most ``panel_bands``.

    Each side is a border for at least ``panel_side_coverage`` of its length
    (the frame's own sides count whole), and each covers ``panel_min_share``
    to ``panel_max_share`` of the frame; the whole frame is never one. Ranked
    two ways, taken in turn (see below), then by size; at most
    ``panel_proposals``, none within a pixel of a better one on every side.
    Proposals, not answers: which (if any) shows known footage is for the
    bank to say (`verify.matching.panels`). Empty for fewer than
    ``inset_min_frames`` frames.

    Bands lie between the ``panel_band_lines`` strongest lines (not
    ``window_max_lines``) and are ranked by the third ranking alone (the drawn
    sides' share over their pixels that tell), rows and columns together,
    none within a pixel of a better one on every side: a re-frame's footage
    between rows of its own blurred copy, whose captions over the blur draw
    lines that outrank its two sides among the panels.
    """
    if len(frames) < config.inset_min_frames:
        return [], []
    height, width = frames[0].shape[:2]
    if height < 16 or width < 16:
        return [], []
    (rows, columns), (quiet_rows, quiet_columns) = border_evidence(frames, config)
    # Where each side's border lines lie exactly, over the side's own length (`_placed`).
    exact_rows, exact_columns = _running(rows, axis=1), _running(columns, axis=0)
    # A side may sit one pixel either way of the line it is measured on.
    rows = rows | np.roll(rows, 1, axis=0) | np.roll(rows, -1, axis=0)
    columns = columns | np.roll(columns, 1, axis=1) | np.roll(columns, -1, axis=1)
    # Silent only where the line and its neighbours either way are.
    quiet_rows = quiet_rows & np.roll(quiet_rows, 1, axis=0) & np.roll(quiet_rows, -1, axis=0)
    quiet_columns = (
        quiet_columns & np.roll(quiet_columns, 1, axis=1) & np.roll(quiet_columns, -1, axis=1)
    )
    along_rows, along_columns = _running(rows, axis=1), _running(columns, axis=0)
    quiet_along_rows, quiet_along_columns = (
        _running(quiet_rows & ~rows, axis=1), _running(quiet_columns & ~columns, axis=0),
    )  # fmt: skip

    def lines(counts: np.ndarray, length: int, size: int, limit: int) -> list[int]:
        # The frame's own sides bound panels too (a split screen's halves).
        strongest = strongest_lines(counts, config.panel_min_side * length, limit)
        return sorted({0, *strongest, size - 1})

    def rectangles(ys: list[int], xs: list[int]) -> tuple[list[list[int]], list[np.ndarray]]:
        """The rectangles on lines ``ys`` and ``xs`` that fit, as placed edges, and their
        scores: the three rankings' (below) and their areas, an array each."""
        top, bottom = np.array([(a, b) for a in ys for b in ys if b - a >= 0.15 * height]).T
        left, right = np.array([(a, b) for a in xs for b in xs if b - a >= 0.15 * width]).T
        if top.size == 0 or left.size == 0:
            return [], [np.zeros(0)] * 4
        ty, by, lx, rx = top[:, None], bottom[:, None], left[None, :], right[None, :]
        span_x, span_y = rx - lx + 1, by - ty + 1
        borders = np.broadcast_arrays(ty == 0, by == height - 1, lx == 0, rx == width - 1)

        def side_share(along: np.ndarray, quiet: np.ndarray, across: bool, at, lo, hi, span):
            """Border pixels along one side: over its length, and over its pixels that
            tell (at least panel_min_telling of its length counts, however silent the
            rest)."""
            if across:
                found = along[at, hi + 1] - along[at, lo]
                silent = quiet[at, hi + 1] - quiet[at, lo]
            else:
                found = along[hi + 1, at] - along[lo, at]
                silent = quiet[hi + 1, at] - quiet[lo, at]
            return found / span, found / np.maximum(span - silent, config.panel_min_telling * span)

        sides = [
            side_share(along_rows, quiet_along_rows, True, ty, lx, rx, span_x),
            side_share(along_rows, quiet_along_rows, True, by, lx, rx, span_x),
            side_share(along_columns, quiet_along_columns, False, lx, ty, by, span_y),
            side_share(along_columns, quiet_along_columns, False, rx, ty, by, span_y),
        ]
        covered, telling = (
            np.stack(np.broadcast_arrays(*kind)) for kind in zip(*sides, strict=True)
        )
        on_border = np.stack(borders)
        # Silent stretches do not count against a side; the ranking below still
        # prefers sides that are border along their whole length.
        weakest = np.where(on_border, 1.0, telling).min(axis=0)
        drawn = (~on_border).sum(axis=0)  # sides that are borders within the frame
        # Three rankings, taken in turn: how much of the sides drawn inside the
        # frame is border (a split screen's half, closed by the frame on three
        # sides, ranks high), and how much of all four sides is, the frame's own
        # counting half (an inset drawn on four sides ranks high).
        drawn_share = np.where(on_border, 0.0, covered).sum(axis=0) / np.maximum(drawn, 1)
        all_sides = np.where(on_border, 0.5, covered).sum(axis=0)
        # A third: the drawn sides' share over their pixels that tell (a picture
        # beside its own blurred copy, where a plain wall runs across the border).
        drawn_telling = np.where(on_border, 0.0, telling).sum(axis=0) / np.maximum(drawn, 1)
        area = ((rx - lx + 1) * (by - ty + 1)).astype(np.float64)
        share = area / (width * height)
        fits = (
            (weakest >= config.panel_side_coverage)
            & (share >= config.panel_min_share)
            & (share <= config.panel_max_share)
            & (drawn > 0)
        )
        candidates = np.argwhere(fits)
        # Every candidate's edges (left, top, right, bottom), each side placed to the
        # pixel (`_placed`); a line on the frame's own side is that side.
        ty, by = top[candidates[:, 0]], bottom[candidates[:, 0]]
        lx, rx = left[candidates[:, 1]], right[candidates[:, 1]]
        left_at = _placed(exact_columns, lx, ty, by, rows=False, inner=True)
        top_at = _placed(exact_rows, ty, lx, rx, rows=True, inner=True)
        right_at = _placed(exact_columns, rx, ty, by, rows=False, inner=False)
        bottom_at = _placed(exact_rows, by, lx, rx, rows=True, inner=False)
        placed = np.stack([
            np.where(lx == 0, 0, left_at),
            np.where(ty == 0, 0, top_at),
            np.where(rx == width - 1, width, right_at),
            np.where(by == height - 1, height, bottom_at),
        ], axis=1).tolist()  # fmt: skip
        return placed, [score[fits] for score in (drawn_share, all_sides, drawn_telling, area)]

    def ranked(score: np.ndarray, area: np.ndarray) -> list[int]:
        """Indices by ``score`` to a tenth, best first, then by area, largest first."""
        return np.lexsort((-area, -np.round(score, 1))).tolist()

    row_counts, column_counts = rows.sum(1), columns.sum(0)
    limit = config.window_max_lines
    ys, xs = lines(row_counts, width, height, limit), lines(column_counts, height, width, limit)
    placed, (*scores, area) = rectangles(ys, xs)
    orders = [ranked(score, area) for score in scores]
    panels = _distinct(placed, itertools.chain.from_iterable(zip(*orders, strict=True)),
                       config.panel_proposals)  # fmt: skip
    # Bands: between more lines (captions over a re-frame's blur draw several),
    # across the frame; rows and columns ranked together, by the third ranking.
    more = config.panel_band_lines
    across = rectangles(lines(row_counts, width, height, more), [0, width - 1])
    down = rectangles([0, height - 1], lines(column_counts, height, width, more))
    edges = across[0] + down[0]
    telling, areas = (np.concatenate([across[1][i], down[1][i]]) for i in (2, 3))
    bands = _distinct(edges, ranked(telling, areas), config.panel_bands)
    return panels, bands


def _distinct(placed: list[list[int]], order: Iterable[int], limit: int) -> list[CropBox]:
    """Up to ``limit`` of the ``placed`` edges (left, top, right, bottom) in ``order``,
    each as a box, none within a pixel of an earlier one on every side: sides are
    placed to the pixel, so two pixels apart is another placement (an inset's bottom
    two pixels above the frame's)."""
    chosen: list[CropBox] = []
    if limit <= 0:
        return chosen
    ends: dict[tuple[int, int], list[tuple[int, int]]] = {}  # chosen (right, bottom) by (left, top)
    seen: set[int] = set()  # the rankings list each placement once each: once will do
    for k in order:
        if k in seen:
            continue
        seen.add(k)
        x0, y0, x1, y1 = placed[k]
        x1, y1 = max(x0 + 1, x1), max(y0 + 1, y1)
        if not _near_any(ends, x0, y0, x1, y1):
            chosen.append(CropBox(x0, y0, x1 - x0, y1 - y0))
            if len(chosen) == limit:
                break
            ends.setdefault((x0, y0), []).append((x1, y1))
    return chosen


def _near_any(ends: dict[tuple[int, int], list[tuple[int, int]]], x0: int, y0: int, x1: int,
              y1: int) -> bool:  # fmt: skip
    """Whether a box in ``ends`` lies within a pixel of (x0, y0, x1, y1) on every side."""
    return any(
        abs(x1 - right) <= 1 and abs(y1 - bottom) <= 1
        for left in (x0 - 1, x0, x0 + 1)
        for top in (y0 - 1, y0, y0 + 1)
        for right, bottom in ends.get((left, top), ())
    )


def _running(mask: np.ndarray, *, axis: int) -> np.ndarray:
    """Counts of ``mask`` along ``axis`` up to each index, with a 0 in front."""
    pad = [(0, 0), (0, 0)]
    pad[axis] = (1, 0)
    return np.pad(mask.cumsum(axis, dtype=np.int32), pad)


def _placed(
    running: np.ndarray, lines: np.ndarray, low: np.ndarray, high: np.ndarray, *,
    rows: bool, inner: bool,
) -> np.ndarray:  # fmt: skip
    """Where the picture inside each side begins (``inner``: a left or top side) or
    ends (a right or bottom one, exclusive): sides on ``lines``, each running
    along pixels ``low`` to ``high`` (columns for a row's side, ``rows``, else
    rows), from the border pixels counted along them (``running``: `_running`
    counts of the unwidened evidence), near each widened line.

    Each line judges the pixels either side of it: a border between pixels p
    and p + 1 shows on lines p and p + 1. A border across pixel m, which then
    mixes both pictures, shows on m, and more on the neighbouring line whose
    far pixel's picture m holds less of. The strongest two adjacent lines, a
    and a + 1 (within two of the line), make a + 1 the first pixel inside a
    left or top side and a the last inside a right or bottom one; a mixed
    pixel goes to the picture it mostly shows. (Stepping a fixed two pixels
    off a widened line left small panels a pixel or two short of their
    picture, a few bits off its hashes.) On a tie, the pair further inside.
    """
    size = running.shape[0] if rows else running.shape[1]
    near = lines[:, None] + np.arange(-2, 3)  # lines - 2 .. lines + 2
    at = np.clip(near, 0, size - 1)
    if rows:
        counts = running[at, high[:, None] + 1] - running[at, low[:, None]]
    else:
        counts = running[high[:, None] + 1, at] - running[low[:, None], at]
    counts = np.where((near >= 0) & (near < size), counts, 0)
    first = near[:, :-1]  # a, for the pairs (a, a + 1)
    pairs = np.where((first >= 0) & (first <= size - 2), counts[:, :-1] + counts[:, 1:], -1)
    best = 3 - np.argmax(pairs[:, ::-1], axis=1) if inner else np.argmax(pairs, axis=1)
    return first[np.arange(len(first)), best] + 1
