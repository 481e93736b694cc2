"""Off-centre crops: where a clip's picture sits inside a known video's picture.

A copy cropped off-centre (a corner cut away with a watermark) matches none
of the forms the bank stores: its full frame is no longer the known centre
85 %, nor its centre 70 % the known centre 70 %. It still shows the known
centre 70 % though, shifted and scaled to a window of its own. That window,
the *framing*, is the same in every frame of the copy, so it is searched for
once per candidate on a few anchor pictures of the clip (a grid of framings,
then a finer search around the best); the clip's frames are then hashed
through it and compared with the known centre 70 % like any other form.

The clip's pictures are kept as it is fingerprinted (`Reframer.fingerprint`):
`fingerprint_video` holds every sampled picture until it has seen them all
(bars are judged over the whole video), so keeping them through matching
raises its peak memory little, and spares a second decoding run.
"""

from __future__ import annotations

import dataclasses
import itertools
import os
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from verify.config import HASH, INSPECT, MATCH, HashConfig, MatchConfig
from verify.hashing.fingerprint import VideoFingerprint, fingerprint_video
from verify.hashing.forms import Form, FrameTable, stack_forms
from verify.hashing.normalise import is_uniform
from verify.hashing.phash import (
    distance_blocks,
    nearest_hashes,
    phash_windows,
    phash_windows_stack,
)
from verify.matching.bands import Band, fill_band, find_band
from verify.matching.describe import describe_framing
from verify.matching.panels import PanelSearch, best_windows
from verify.media.sampling import Sampling

if TYPE_CHECKING:  # annotations only: hashing and matching load no inspection code
    from verify.inspection.inspect import Inspection

# The known picture's centre 70 % (the centre70 form's crop), as fractions.
INNER = (0.15, 0.85)


@dataclasses.dataclass(frozen=True)
class Framing:
    """The part of the known picture a clip shows, in fractions of its width and height."""

    left: float
    top: float
    width: float
    height: float

    @classmethod
    def of_row(cls, row: np.ndarray) -> Framing:
        return cls(*(round(float(v), 4) for v in row))

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    def describe(self) -> str:
        """In words, e.g. "a crop: 88 % x 88 % of the known picture, from 2 % left, 10 % top"."""
        return describe_framing(self.to_dict())

    @property
    def is_whole(self) -> bool:
        """The whole known picture, or as good as: no reframing needed."""
        return self.width > 0.99 and self.height > 0.99


def framing_grid(max_crop: float, step: float) -> np.ndarray:
    """Framings (left, top, width, height) of every crop keeping the aspect, ``step`` apart."""
    rows = []
    for size in np.arange(1.0 - max_crop, 1.0 + 1e-9, step):
        places = np.linspace(0.0, 1.0 - size, round((1.0 - size) / step) + 1)
        rows += [(left, top, size, size) for left in places for top in places]
    return np.array(rows, np.float64)


def window_boxes(framings: np.ndarray, width: int, height: int) -> np.ndarray:
    """Boxes in the clip's pixels that show the known centre 70 %, one per framing."""
    left, top, w, h = np.asarray(framings, np.float64).reshape(-1, 4).T
    low, high = INNER
    boxes = np.stack(
        [(low - left) / w * width, (low - top) / h * height,
         (high - left) / w * width, (high - top) / h * height],
        axis=1,
    )  # fmt: skip
    return np.clip(boxes, 0.0, [width, height, width, height])


# Bytes of products (pictures x framings x rows x 32 floats, or 8 folded) that
# `through_framings` hashes at once: within the processor's cache, a stack of
# pictures costs less than one call each; past it, more. (Measured folded on the
# 140 framings of the grid, 32 pictures of 160x90: one picture a call 20 ms, 4 a
# call 15 ms, 32 a call 21 ms; on 160 pictures through 2 framings: 4 a call
# 4.2 ms, 64 a call 3.1 ms.)
_STACK_BYTES = 4_000_000
# Pictures filled in and hashed at a time by `Reframer.through_band` (an hour's at
# the query's 16 a second, at once, would take gigabytes).
_BAND_CHUNK = 256


def through_framings(
    pictures: Sequence[np.ndarray], framings: np.ndarray, *, exact: bool = True
) -> np.ndarray:
    """pHash of each picture through each framing row (pictures x framings), pictures
    of one size hashed as a stack: the same values as one `phash_windows` call each
    (``exact`` as there)."""
    out = np.zeros((len(pictures), len(framings)), np.uint64)
    by_size: dict[tuple[int, ...], list[int]] = {}
    for i, picture in enumerate(pictures):
        by_size.setdefault(picture.shape, []).append(i)
    for (height, width, *_), members in by_size.items():
        boxes = window_boxes(framings, width, height)
        side = 32 if exact else 8
        step = max(1, _STACK_BYTES // (len(boxes) * height * side * 8))
        for start in range(0, len(members), step):
            chunk = members[start : start + step]
            stack = np.stack([pictures[i] for i in chunk])
            out[chunk] = phash_windows_stack(stack, boxes, exact=exact)
    return out


class _Spread:
    """Pictures kept evenly spread over a clip of unknown length: at most 2 x ``need``."""

    def __init__(self, need: int, spacing: float) -> None:
        self.need = need
        self.kept: list[tuple[float, np.ndarray]] = []
        self.spacing = spacing
        self.next = float("-inf")

    def offer(self, time: float, picture: np.ndarray) -> None:
        if time < self.next:
            return
        self.kept.append((time, picture))
        self.next = time + self.spacing
        if len(self.kept) >= 2 * self.need:
            self.kept = self.kept[::2]
            self.spacing *= 2

    def pick(self) -> list[tuple[float, np.ndarray]]:
        """``need`` of the kept pictures (or all there are), evenly spread."""
        if not self.kept:
            return []
        picks = np.linspace(0, len(self.kept) - 1, min(self.need, len(self.kept)))
        return [self.kept[i] for i in picks.round().astype(int)]


def _any_within(hashes: np.ndarray, known: np.ndarray, bits: int, cells: int) -> bool:
    """Whether any hash is within ``bits`` of any known hash."""
    return any((table <= bits).any() for _, table in distance_blocks(hashes, known, cells))


class Reframer:
    """One clip's anchor pictures, and the framing searches made with them."""

    def __init__(
        self,
        path: str | os.PathLike[str] | bytes,
        sampling: Sampling | str,
        *,
        timeout: float = INSPECT.probe_timeout_s,
        known_digest: tuple[str, int] | None = None,
        probed: Inspection | None = None,
        config: MatchConfig = MATCH,
        hash_config: HashConfig = HASH,
    ):
        self.path = path
        self.config = config
        self.hash_config = hash_config
        # Seconds between the frames the bank keeps: it stores every video at
        # the hashing config's sampling (fps=2 by default).
        rate = Sampling.parse(hash_config.sampling).rate
        self.interval = 1.0 / rate if rate else 0.5
        self.sampling = Sampling.parse(sampling) if isinstance(sampling, str) else sampling
        self.timeout = timeout
        self.known_digest = known_digest
        self.probed = probed
        share = config.reframe_anchors // config.reframe_phases
        self._phases = [_Spread(share, self.interval) for _ in range(config.reframe_phases)]
        self._grid = framing_grid(config.reframe_max_crop, config.reframe_grid_step)
        self._anchors: list[tuple[float, np.ndarray]] | None = None
        self._screen: list[int] = []  # the anchors a candidate is first screened with
        self._rows: dict[int, np.ndarray] = {}  # anchor -> its pHash through every grid framing
        self._pictures: list[np.ndarray] = []  # every clip frame's, in order
        self._times: list[float] = []
        self._flat: list[bool | None] = []  # whether each picture is near-uniform, if known
        self._panels: PanelSearch | None = None

    def fingerprint(self) -> VideoFingerprint:
        """Fingerprint the clip (as `fingerprint_video`), keeping its pictures."""
        kept: list[tuple[float, np.ndarray]] = []
        fingerprint = fingerprint_video(
            self.path, self.sampling, timeout=self.timeout, known_digest=self.known_digest,
            probed=self.probed, pictures=lambda time, picture: kept.append((time, picture)),
            config=self.hash_config,
        )  # fmt: skip
        # One picture a frame, in order; each frame knows whether its picture is flat.
        for (time, picture), frame in zip(kept, fingerprint.frames, strict=True):
            self.add(time, picture, flat=frame.uniform)
        return fingerprint

    def add(self, time: float, picture: np.ndarray, *, flat: bool | None = None) -> None:
        """Keep one clip picture (they arrive in order), and consider it as an anchor.

        ``flat`` says whether it is near-uniform (`is_uniform`), when known. On
        fast footage a clip frame only looks like the known frame of the very
        same moment, and the bank holds one frame every ``interval``: anchors
        are taken at ``reframe_phases`` evenly spaced phases of that interval
        (so that, whatever the clip's phase against the known video, some
        anchors fall on known frames), each phase's anchors spread over the
        whole clip.
        """
        self._pictures.append(picture)
        self._times.append(time)
        self._flat.append(flat)  # None: judged if the panel search needs it
        phase = (time % self.interval) / self.interval * len(self._phases)
        nearest = round(phase)
        if abs(phase - nearest) > 0.25:
            return
        if flat if flat is not None else is_uniform(picture, self.hash_config):
            return
        self._phases[nearest % len(self._phases)].offer(time, picture)
        self._anchors = None

    @property
    def anchors(self) -> list[tuple[float, np.ndarray]]:
        """Up to ``reframe_anchors`` detailed clip pictures spread over the clip, by phase."""
        if self._anchors is None:
            self._anchors, self._screen, self._rows = [], [], {}
            for spread in self._phases:
                picked = spread.pick()
                if picked:  # each phase's first and last anchor screen candidates
                    self._screen += sorted(
                        {len(self._anchors), len(self._anchors) + len(picked) - 1}
                    )
                self._anchors += picked
        return self._anchors

    def _grid_hashes(self, which: Sequence[int]) -> np.ndarray:
        """pHashes of anchors ``which`` through every grid framing (anchors x framings)."""
        anchors = self.anchors
        missing = [i for i in dict.fromkeys(which) if i not in self._rows]
        # A search over 140 framings: the folded hashes (the winner is refined exactly).
        rows = through_framings([anchors[i][1] for i in missing], self._grid, exact=False)
        self._rows.update(zip(missing, rows, strict=True))
        return np.array([self._rows[i] for i in which], np.uint64).reshape(-1, len(self._grid))

    def probe_hashes(self) -> list[int]:
        """Hashes to look up in the postings: the most detailed anchor through a coarse grid.

        Still footage offers few distinct hashes of its own, so without these
        an off-centre crop of it may find no candidate at all. The grid is
        twice as coarse as the search's: every lookup costs time on a large
        bank.
        """
        anchors = self.anchors
        if not anchors:
            return []
        picture = max((p for _, p in anchors), key=lambda p: float(p.std()))
        config = self.config
        coarse = framing_grid(config.reframe_max_crop, 2 * config.reframe_grid_step)
        return [int(v) for v in phash_windows(picture, window_boxes(coarse, *picture.shape[::-1]))]

    def find_framing(self, known_centre70: np.ndarray) -> Framing | None:
        """The framing through which the anchors show ``known_centre70`` hashes, if any.

        The grid framing that puts the most anchors within ``match_distance`` of
        a known frame wins (ties: fewer bits in all); it must reach
        ``reframe_min_anchors``. It is then refined in finer steps, each anchor
        held to the known frame it found. None when nothing reaches the
        threshold or the winner is the whole picture (the matcher's own
        centre 70 % comparison already covers that). A few anchors screen
        the candidate first: when none of them comes within ``match_distance``
        through any framing, the others are not tried.
        """
        config = self.config
        cells = config.distance_block_cells
        known = np.asarray(known_centre70, np.uint64)
        anchors = self.anchors
        if known.size == 0 or len(anchors) < config.reframe_min_anchors:
            return None
        if not _any_within(self._grid_hashes(self._screen), known, config.match_distance, cells):
            return None
        distance, _where = nearest_hashes(self._grid_hashes(range(len(anchors))), known, cells)
        # The folded search's best few, ranked again through exact hashes.
        top = best_windows(distance, config)[0][: config.window_rescore]
        exact = through_framings([picture for _, picture in anchors], self._grid[top])
        distance, where = nearest_hashes(exact, known, cells)
        order, close = best_windows(distance, config)
        best = int(order[0])
        if close[best] < config.reframe_min_anchors:
            return None
        matched = np.flatnonzero(distance[:, best] <= config.match_distance)
        targets = known[where[matched, best]]
        pictures = [anchors[a][1] for a in matched]
        start = self._grid[top[best]]
        framing, bits = self._refine(start, pictures, targets, config.reframe_grid_step)
        if (bits <= config.match_distance).sum() < config.reframe_min_anchors:
            return None
        found = Framing.of_row(framing)
        return None if found.is_whole else found

    @staticmethod
    def _refine(
        start: np.ndarray, pictures: list[np.ndarray], targets: np.ndarray, grid_step: float
    ) -> tuple[np.ndarray, np.ndarray]:
        """Local search around ``start``: each of the four numbers moved by half, then
        a quarter of the grid step, keeping the framing with the fewest bits in all."""
        framing = start
        bits = Reframer._bits(framing[None, :], pictures, targets)[:, 0]
        for step in (grid_step / 2, grid_step / 4):
            moves = np.array(list(itertools.product((-step, 0.0, step), repeat=4)))
            tried = framing + moves
            tried = tried[(tried[:, 2] > 0.5) & (tried[:, 3] > 0.5)]
            found = Reframer._bits(tried, pictures, targets)
            choice = int(np.argmin(found.sum(axis=0)))
            if found[:, choice].sum() < bits.sum():
                framing, bits = tried[choice], found[:, choice]
        return framing, bits

    @staticmethod
    def _bits(framings: np.ndarray, pictures: list[np.ndarray], targets: np.ndarray) -> np.ndarray:
        """Bits apart of each picture through each framing from its target (pictures x framings)."""
        found = through_framings(pictures, framings) ^ np.asarray(targets, np.uint64)[:, None]
        return np.bitwise_count(found).astype(np.int16)

    def panels(self, fingerprint: VideoFingerprint) -> PanelSearch:
        """The panel search over the clip's pictures (made once)."""
        if self._panels is None:
            self._panels = PanelSearch(
                self._pictures,
                self._times,
                fingerprint.shots,
                self.config,
                self.hash_config,
                flat=self._flat,
                frame_aspect=(fingerprint.width or 16) / (fingerprint.height or 9),
            )
        return self._panels

    def through_band(self, clip: FrameTable) -> tuple[Band, FrameTable] | None:
        """The band across the clip's pictures (`find_band`), if any, and the clip's frames
        with it filled in: their stored forms but the picture-in-picture window's
        (pictures of another size keep theirs). ``clip`` must be the frames these
        pictures were added for, one each."""
        if len(self._pictures) != clip.size:
            return None
        band = find_band(self._pictures, self.config)
        if band is None:
            return None
        rows = [i for i, p in enumerate(self._pictures) if p.shape == band.shape]
        forms = {form: column.copy() for form, column in clip.forms.items()}
        filled_forms = [f for f in forms if f.stored and f is not Form.INSET]
        for start in range(0, len(rows), _BAND_CHUNK):  # in bounded memory
            chunk = rows[start : start + _BAND_CHUNK]
            pictures = np.stack([self._pictures[i] for i in chunk])
            hashed = stack_forms(fill_band(pictures, band, self.config.band_fill_rows), pdq=False)
            for form in filled_forms:
                forms[form][chunk] = [frame[form].value for frame in hashed]
        return band, dataclasses.replace(clip, forms=forms)

    def window_hashes(self, framings: Sequence[Framing]) -> list[np.ndarray]:
        """Every clip frame's pHash through each framing (one array per framing)."""
        rows = np.array([(f.left, f.top, f.width, f.height) for f in framings], np.float64)
        table = through_framings(self._pictures, rows)
        return [table[:, i].copy() for i in range(len(rows))]
