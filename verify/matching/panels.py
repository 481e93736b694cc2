"""Known footage in part of the clip's frame: an inset over moving video, a split screen.

`verify.hashing.panels.propose_panels` lists, per shot of the clip, the
rectangles whose sides are borders between pictures. `PanelSearch` hashes
each on a few anchor pictures of its shot and adds those hashes to the
clip's lookups: footage shown only in a panel shares no keys with the
clip's whole frame. For a candidate known video, it picks per shot the
proposal whose anchors come within ``match_distance`` of the most known
frames, moves its edges (up to four pixels, one at a time) to fit them
best, and hashes every
frame of the shot through it: the clip's `Form.PANEL` for that candidate,
compared with the known frames like any other form.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from typing import Any

import cv2
import numpy as np

from verify import numeric
from verify.config import HASH, MATCH, HashConfig, MatchConfig
from verify.hashing.fingerprint import ShotRegion
from verify.hashing.normalise import is_uniform
from verify.hashing.panels import propose
from verify.hashing.phash import nearest_hashes, phash_windows_stack


def best_windows(
    distance: np.ndarray, config: MatchConfig = MATCH
) -> tuple[np.ndarray, np.ndarray]:
    """Windows best first, from each anchor's bits to its nearest known frame through
    each (anchors x windows): most anchors within ``match_distance``, then fewest bits
    in all (each capped at 32). Returns that order and each window's count of close
    anchors."""
    close = (distance <= config.match_distance).sum(axis=0)
    spread = np.minimum(distance, 32).sum(axis=0)
    return np.lexsort((spread, -close)), close


# The shape of the picture whose filled parts of the bands are looked up in the
# bank (`PanelSearch.probe_hashes`): most footage is 16:9.
_LOOKED_UP_SHAPE = 16 / 9


@dataclasses.dataclass(frozen=True)
class _Shot:
    """One shot's pictures (indices first..end), proposals and anchor hashes."""

    first: int
    end: int
    region: ShotRegion | None
    boxes: np.ndarray  # (proposals, 4): left, top, right, bottom in the shot's pixels
    anchors: list[int]  # picture indices
    stack: np.ndarray  # (anchors, rows, columns): the anchors' pictures, stacked once
    hashes: np.ndarray  # (anchors, proposals) uint64
    # (anchors, proposals): False where the panel shows a flat picture (a dark
    # corner, a bar: grey deviation under uniform_std), which meets dark known
    # frames by chance.
    usable: np.ndarray
    # (bands, 4): rectangles across the whole width or height (`propose`).
    bands: np.ndarray = dataclasses.field(default_factory=lambda: np.zeros((0, 4)))


@dataclasses.dataclass(frozen=True)
class PanelChoice:
    """The panel chosen in each shot that has one: shot index -> pixel box."""

    boxes: dict[int, np.ndarray]
    # Where the panel sits in the clip's frame, as fractions (of its longest shot).
    region: dict[str, float]
    # The part of the known picture the panel shows (left, top, width, height, as
    # fractions) when it shows it zoomed to fill (`PanelSearch.choose_filled`).
    shows: tuple[float, float, float, float] | None = None


class PanelSearch:
    """A clip's panel proposals and the search for the one that shows a known video."""

    def __init__(
        self,
        pictures: Sequence[np.ndarray],
        times: Sequence[float],
        shots: Sequence[ShotRegion],
        config: MatchConfig = MATCH,
        hash_config: HashConfig = HASH,
        *,
        flat: Sequence[bool | None] | None = None,
        frame_aspect: float = 16 / 9,
    ):
        """``flat``: whether each picture is near-uniform (`is_uniform`), where known;
        ``frame_aspect``: the clip frame's width/height (display size)."""
        self.pictures = pictures
        known = list(flat) if flat is not None else [None] * len(pictures)
        if len(known) != len(pictures):
            raise ValueError("flat must say one thing per picture")

        def is_flat(i: int) -> bool:
            return known[i] if known[i] is not None else is_uniform(pictures[i], hash_config)

        self.config = config
        self.uniform_std = hash_config.uniform_std
        self.frame_aspect = frame_aspect
        self._filled_cache: dict[tuple[int, float], tuple[np.ndarray, ...]] = {}
        self.shots: list[_Shot] = []
        stamps = np.asarray(times, np.float64)
        starts = [int(np.searchsorted(stamps, s.start - 1e-6)) for s in shots] or [0]
        regions: Sequence[ShotRegion | None] = shots or [None]
        for region, first, end in zip(regions, starts, [*starts[1:], len(pictures)], strict=True):
            group = pictures[first:end]
            if len(group) < hash_config.inset_min_frames:
                continue
            proposals, bands = propose(group, hash_config)
            if not proposals:
                continue
            boxes, band_boxes = (
                np.array(
                    [(p.x, p.y, p.x + p.width, p.y + p.height) for p in found], np.float64
                ).reshape(-1, 4)
                for found in (proposals, bands)
            )
            lively = [i for i in range(first, end) if not is_flat(i)]
            if not lively:
                continue  # a shot of black or flat frames: nothing to look for
            picks = np.linspace(0, len(lively) - 1, min(config.panel_anchors, len(lively)))
            anchors = [lively[round(float(k))] for k in picks]
            stack = np.stack([pictures[a] for a in anchors])
            # Scored and looked up by the folded hashes; the chosen box is refined exactly.
            hashes = phash_windows_stack(stack, boxes, exact=False)
            usable = _box_std(stack, boxes) >= hash_config.uniform_std
            self.shots.append(
                _Shot(first, end, region, boxes, anchors, stack, hashes, usable, band_boxes)
            )

    def probe_hashes(self) -> list[int]:
        """Every proposal's hash on ``panel_probe_anchors`` of the anchors (every other
        one), and those of the bands' parts that would show a 16:9 picture's centre
        70 % zoomed to fill them (the shape of most footage; `choose_filled`): looked
        up with the clip's own frames."""
        probes = self.config.panel_probe_anchors
        tables = [(shot.hashes, shot.usable) for shot in self.shots]
        tables += [self._filled(shot, _LOOKED_UP_SHAPE)[2:] for shot in self.shots]
        return [
            int(v) for hashes, usable in tables
            for v in numeric.distinct(hashes[::2][:probes][usable[::2][:probes]])
        ]  # fmt: skip

    def choose(self, known: np.ndarray) -> PanelChoice | None:
        """Per shot, the proposal through which the most anchors show ``known`` hashes.

        A shot's winner needs ``reframe_min_anchors`` anchors within
        ``match_distance`` of a known frame, found as proposed or, failing
        that, after refining a near miss (`_near_miss`); None when no shot has one.
        """
        return self._choose(known, lambda shot: (shot.boxes, None, shot.hashes, shot.usable))

    def choose_filled(self, known_centre70: np.ndarray, aspect: float) -> PanelChoice | None:
        """Per shot, the proposal that shows the known picture (of width/height ``aspect``)
        zoomed to fill it and cut to its shape in the middle, as short-video re-frames
        and compilations fill a window: the part of each such proposal that shows the
        known centre 70 % (`filled_boxes`) is chosen as `choose` chooses a proposal,
        against the known ``known_centre70`` hashes. The shot's bands are tried (a
        re-frame fills the frame's width with footage zoomed in; `propose`), those
        whose shape is ``panel_fill_min_change`` or more from the known picture's
        (the others show it whole, `choose`'s case). The choice's boxes are those
        parts, its region the whole band."""
        aspect = round(aspect, 3)
        choice = self._choose(known_centre70, lambda shot: self._filled(shot, aspect))
        if choice is None:
            return None
        region = choice.region
        width, height = shown_shares(region["width"] / region["height"] * self.frame_aspect, aspect)
        shows = ((1 - width) / 2, (1 - height) / 2, width, height)
        return dataclasses.replace(choice, shows=tuple(round(float(v), 4) for v in shows))

    def _filled(
        self, shot: _Shot, aspect: float
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """The shot's bands of another shape than ``aspect`` for `_choose`: (the parts
        that show the known centre 70 % filled in, the bands, the parts' folded hashes
        on the anchors, whether usable), made once per shape."""
        aspect = round(aspect, 3)
        key = (shot.first, aspect)
        if key not in self._filled_cache:  # candidates of one shape share them
            boxes = shot.bands
            shape = (boxes[:, 2] - boxes[:, 0]) / (boxes[:, 3] - boxes[:, 1])
            outer = boxes[
                np.abs(np.log(shape / aspect)) >= np.log1p(self.config.panel_fill_min_change)
            ]
            inner = filled_boxes(outer, aspect)
            if len(inner):
                hashes = phash_windows_stack(shot.stack, inner, exact=False)
                usable = _box_std(shot.stack, inner) >= self.uniform_std
            else:  # nothing to try in this shot
                hashes = np.zeros((len(shot.stack), 0), np.uint64)
                usable = np.zeros(hashes.shape, bool)
            self._filled_cache[key] = (inner, outer, hashes, usable)
        return self._filled_cache[key]

    def _choose(
        self,
        known: np.ndarray,
        boxes_of: Callable[[_Shot], tuple[np.ndarray, np.ndarray | None, np.ndarray, np.ndarray]],
    ) -> PanelChoice | None:
        """`choose` over each shot's boxes as ``boxes_of`` gives them: (the boxes hashed,
        the panels they lie in or None when they are the panels, their folded hashes on
        the anchors, whether usable).

        A shot none of whose boxes brings ``reframe_min_anchors`` anchors within
        ``match_distance + panel_near_bits`` by the folded hashes is passed over
        before anything is hashed exactly: it could not be a near miss, and a box
        could win only if, on some anchor, its exact hash lay ``panel_near_bits`` + 1
        bits or more nearer the known frame than its folded one (they lie within a
        bit of each other on average). Most candidates are passed over so."""
        config = self.config
        known = np.asarray(known, np.uint64)
        if known.size == 0:
            return None
        chosen: dict[int, np.ndarray] = {}
        panels: dict[int, np.ndarray] = {}
        for index, shot in enumerate(self.shots):
            boxes, outer, hashes, usable = boxes_of(shot)
            if not len(boxes):
                continue
            distance, _nearest = nearest_hashes(hashes, known, config.distance_block_cells)
            distance = np.where(usable, distance, 64)
            # Anchors each box brings within reach of a near miss (`_near_miss`).
            near = (distance <= config.match_distance + config.panel_near_bits).sum(axis=0)
            if near.max() < config.reframe_min_anchors:
                continue
            # The folded hashes' best few proposals, ranked again through exact hashes.
            top = best_windows(distance, config)[0][: config.window_rescore]
            exact, _nearest = nearest_hashes(
                phash_windows_stack(shot.stack, boxes[top]), known, config.distance_block_cells
            )
            exact = np.where(usable[:, top], exact, 64)
            order, close = best_windows(exact, config)
            best = int(order[0])
            index_of_box = int(top[best])
            matched = np.flatnonzero(exact[:, best] <= config.match_distance)
            if close[best] < config.reframe_min_anchors:
                missed = self._near_miss(shot, boxes, usable, distance, near, known)
                if missed is None:
                    continue
                box, matched, index_of_box = missed
            else:
                box = boxes[index_of_box]
            # Anchors that all show one picture and meet one known picture count:
            # still footage does that, and a chance meeting of a still picture is
            # left to the match's distance (`MatchConfig.panel_max_mean_distance`)
            # and to `drop_nested`.
            height, width = shot.stack.shape[1:3]
            refined = _refine(box, list(shot.stack[matched]), known, config.distance_block_cells)
            chosen[index] = np.clip(refined, 0.0, [width, height, width, height])
            panels[index] = chosen[index] if outer is None else outer[index_of_box]
        if not chosen:
            return None
        longest = max(chosen, key=lambda i: self.shots[i].end - self.shots[i].first)
        return PanelChoice(chosen, self._region(longest, panels[longest]))

    def _near_miss(
        self, shot: _Shot, boxes: np.ndarray, usable_boxes: np.ndarray, distance: np.ndarray,
        near: np.ndarray, known: np.ndarray,
    ) -> tuple[np.ndarray, np.ndarray, int] | None:  # fmt: skip
        """A proposal a few pixels off that fits once refined: (its refined box, the
        anchors then within ``match_distance``, the proposal's index), or None.

        A proposal's edges follow its evidence lines, which may lie a pixel or
        two inside a rim; its anchors then miss their known frames by a few bits.
        The ``panel_near_tries`` nearest proposals (fewest bits over the anchors)
        with ``reframe_min_anchors`` anchors, and half their usable ones, within
        ``match_distance + panel_near_bits`` (``near``: each proposal's count) are
        refined on their usable anchors and counted again;
        the refined box must bring half of them within ``panel_near_fit_bits``
        (a box moved to fit is held to fitting closely). A proposal whose anchors
        mostly lie beyond a few pixels' miss is not refined: the half that must
        fit would have to come from further than a near miss was measured to lie.
        """
        config = self.config
        cells = config.distance_block_cells
        spread = np.minimum(distance, 32).sum(axis=0)
        usable_count = usable_boxes.sum(axis=0)
        tries = [
            int(b) for b in np.argsort(spread, kind="stable")
            if near[b] >= max(config.reframe_min_anchors, usable_count[b] / 2)
        ][: config.panel_near_tries]  # fmt: skip
        for b in tries:
            usable = np.flatnonzero(usable_boxes[:, b])
            stack = shot.stack[usable]
            box = _refine(boxes[b], list(stack), known, cells)
            bits, _nearest = nearest_hashes(phash_windows_stack(stack, box[None, :]), known, cells)
            hit = usable[bits[:, 0] <= config.match_distance]
            fits = float(numeric.median(bits[:, 0])) <= config.panel_near_fit_bits
            if hit.size >= config.reframe_min_anchors and fits:
                return box, hit, b
        return None

    def hashes(self, choice: PanelChoice, fallback: np.ndarray) -> np.ndarray:
        """Every clip frame's hash through its shot's chosen panel.

        An inset stays where it is while the video around it cuts: frames of
        the other shots (none of whose proposals fitted, or too short to have
        any) go through the panel of the nearest shot that has one, as long as
        what it shows goes on from frame to frame (each within
        ``extend_distance`` bits of the one before, outward from that shot).
        Other frames keep ``fallback``.
        """
        out = np.array(fallback, np.uint64, copy=True)
        for index, box in choice.boxes.items():
            shot = self.shots[index]
            stack = np.stack(self.pictures[shot.first : shot.end])
            out[shot.first : shot.end] = phash_windows_stack(stack, box[None, :])[:, 0]
        chosen = sorted(
            (self.shots[i].first, self.shots[i].end, b) for i, b in choice.boxes.items()
        )
        for row, (first, end, box) in enumerate(chosen):
            # Outward to the neighbouring chosen shots, halfway where two meet.
            low = (chosen[row - 1][1] + first + 1) // 2 if row else 0
            high = (end + chosen[row + 1][0]) // 2 if row + 1 < len(chosen) else len(out)
            for step, start, stop in ((-1, first - 1, low - 1), (1, end, high)):
                previous = out[start - step]
                for i in range(start, stop, step):
                    picture = self.pictures[i]
                    if picture.shape != self.pictures[first].shape:
                        break
                    value = phash_windows_stack(picture[None], box[None, :])[0, 0]
                    if int(value ^ previous).bit_count() > self.config.extend_distance:
                        break
                    out[i] = previous = value
        return out

    def _region(self, index: int, box: np.ndarray) -> dict[str, Any]:
        """A shot's panel as fractions of the clip's frame (through the shot's bars)."""
        shot = self.shots[index]
        height, width = self.pictures[shot.first].shape[:2]
        crop = (shot.region.crop if shot.region else None) or {
            "x": 0.0, "y": 0.0, "width": 1.0, "height": 1.0,
        }  # fmt: skip
        left, top, right, bottom = (float(v) for v in box)
        return {
            "x": round(crop["x"] + left / width * crop["width"], 4),
            "y": round(crop["y"] + top / height * crop["height"], 4),
            "width": round((right - left) / width * crop["width"], 4),
            "height": round((bottom - top) / height * crop["height"], 4),
        }


def shown_shares(shape: Any, aspect: float) -> tuple[Any, Any]:
    """The shares of a picture's width and height (of width/height ``aspect``) that a
    panel of width/height ``shape`` shows when the picture is scaled to fill it: one
    of them is 1. Arrays of shapes give arrays."""
    return np.minimum(1.0, shape / aspect), np.minimum(1.0, aspect / shape)


def filled_boxes(panels: np.ndarray, aspect: float, inner: tuple[float, float] = (0.15, 0.85)
                 ) -> np.ndarray:  # fmt: skip
    """The part of each panel (left, top, right, bottom) that shows the ``inner`` span
    (fractions) of a picture of width/height ``aspect`` scaled to fill the panel and cut
    to its shape in the middle: a panel narrower than the picture shows its middle
    columns, a wider one its middle rows."""
    panels = np.asarray(panels, np.float64).reshape(-1, 4)
    left, top, right, bottom = panels.T
    width, height = right - left, bottom - top
    across, down = shown_shares(width / height, aspect)
    low, high = inner

    def span(start: np.ndarray, size: np.ndarray, shown: np.ndarray) -> tuple[np.ndarray, ...]:
        cut = (1.0 - shown) / 2
        return start + (low - cut) / shown * size, start + (high - cut) / shown * size

    x0, x1 = span(left, width, across)
    y0, y1 = span(top, height, down)
    return np.stack([x0, y0, x1, y1], axis=1)


def _box_std(pictures: np.ndarray, boxes: np.ndarray) -> np.ndarray:
    """Grey standard deviation inside each box (rounded to whole pixels) of each
    picture of a stack: (pictures, boxes), from summed-area tables."""
    count, height, width = pictures.shape
    tables = np.empty((2, count, height + 1, width + 1))
    for i, picture in enumerate(pictures):  # opencv's tables: the same exact sums, faster
        tables[0, i], tables[1, i] = cv2.integral2(
            np.ascontiguousarray(picture), sdepth=cv2.CV_64F, sqdepth=cv2.CV_64F
        )
    left, top, right, bottom = (
        np.clip(
            np.rint(np.asarray(boxes, np.float64).reshape(-1, 4)), 0, [width, height, width, height]
        )
        .astype(np.intp)
        .T
    )
    sums = (
        tables[:, :, bottom, right] - tables[:, :, top, right]
        - tables[:, :, bottom, left] + tables[:, :, top, left]
    )  # fmt: skip
    area = np.maximum((right - left) * (bottom - top), 1)
    mean = sums[0] / area
    return np.sqrt(np.maximum(sums[1] / area - mean * mean, 0.0))


def _refine(
    box: np.ndarray, pictures: list[np.ndarray], known: np.ndarray, cells: int
) -> np.ndarray:
    """``box`` with each edge moved by up to four pixels, one edge at a time, to where
    the pictures come fewest bits from ``known`` hashes (each its nearest one).

    Each try is held to the known frames nearest to it, not to those nearest to
    the unrefined box: through a box a few pixels off, slowly changing footage
    (a time-lapse, a still camera) is nearest to other moments of the known
    video than the ones it shows, and a box refined towards those stays off.
    """
    stack = np.stack(pictures).astype(np.float64)  # once, not once a try

    def bits(boxes: np.ndarray) -> np.ndarray:
        distance, _nearest = nearest_hashes(phash_windows_stack(stack, boxes), known, cells)
        return distance.sum(axis=0, dtype=np.int64)

    best, score = box, int(bits(box[None, :])[0])
    for step in (2.0, 1.0, 1.0):
        for edge in range(4):  # each edge in turn, either way, keeping what helps
            move = np.zeros(4)
            move[edge] = step
            tried = np.array([best + move, best - move])
            tried = tried[(tried[:, 2] - tried[:, 0] >= 8) & (tried[:, 3] - tried[:, 1] >= 8)]
            if tried.size == 0:
                continue
            found = bits(tried)
            choice = int(np.argmin(found))
            if found[choice] < score:
                best, score = tried[choice], int(found[choice])
    return best
