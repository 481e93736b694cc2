"""vPDQ: a video as one PDQ hash a second, the form shared hash lists use for video.

Meta's vPDQ decodes every frame, hashes every ``round-down(seconds x frame
rate)``-th one (frame 0 first) at its stored size and orientation, and
records each as ``frame_number,quality,pdq_hex,timestamp`` with the time as
frame number / average frame rate. `vpdq_hash` makes the same choice of
frames through ffmpeg and hashes them with `verify.hashing.pdq`.

Matching follows vPDQ's published rule (`ListConfig`): frames of quality
under 50 are dropped; a query frame matches when any frame of the other
video is within 31 bits; the videos match when at least 80 % of the query's
frames do. `compare` gives both percentages, as Meta's tool does.
"""

from __future__ import annotations

import dataclasses
import json
import math
import os
from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np

from verify.config import INSPECT, LISTS, ListConfig
from verify.errors import InputError, UnreadableMedia
from verify.hashing.pdq import PDQ_BITS, PdqHash, pdq_hash

WORDS = PDQ_BITS // 64  # a PDQ hash as four 64-bit words, for numpy distances


@dataclasses.dataclass(frozen=True)
class VpdqFeature:
    """One hashed frame: its number among the decoded frames, quality, PDQ and time."""

    frame_number: int
    quality: int
    pdq: PdqHash
    timestamp: float

    def to_line(self) -> str:
        """Meta's text form: ``frame_number,quality,pdq_hex,timestamp`` (3 decimals)."""
        return f"{self.frame_number},{self.quality},{self.pdq},{self.timestamp:.3f}"

    @classmethod
    def from_line(cls, line: str) -> VpdqFeature:
        """Read one line of Meta's form; `ValueError` saying what is wrong."""
        parts = line.strip().split(",")
        if len(parts) != 4:
            raise ValueError(f"expected frame_number,quality,pdq_hex,timestamp: {line.strip()!r}")
        number, quality, hex_digits, timestamp = parts
        seconds = float(timestamp)
        if not math.isfinite(seconds) or seconds < 0:
            raise ValueError(f"not a time in seconds: {timestamp!r}")
        frame = int(number)
        if frame < 0:
            raise ValueError(f"a frame number is not negative: {number!r}")
        level = int(quality)
        return cls(frame, level, PdqHash.from_hex(hex_digits, level), seconds)

    def to_dict(self) -> dict[str, Any]:
        return {
            "frame_number": self.frame_number,
            "quality": self.quality,
            "pdq": str(self.pdq),
            "timestamp": round(self.timestamp, 3),
        }


@dataclasses.dataclass(frozen=True)
class VpdqHash:
    """A video's vPDQ: its hashed frames in order."""

    features: tuple[VpdqFeature, ...]

    def to_text(self) -> str:
        """Meta's vPDQ file: one line a frame."""
        return "".join(f"{f.to_line()}\n" for f in self.features)

    @classmethod
    def from_text(cls, text: str, name: str = "") -> VpdqHash:
        """Read a vPDQ file; `InputError` naming the line that is not one."""
        features = []
        for number, line in enumerate(text.splitlines(), 1):
            if not line.strip():
                continue
            try:
                features.append(VpdqFeature.from_line(line))
            except ValueError as exc:
                raise InputError(f"line {number} is not a vPDQ line ({exc})", name) from None
        return cls(tuple(features))

    def words(self, config: ListConfig = LISTS) -> np.ndarray:
        """The distinct hashes of frames good enough to match, as (frames x 4) uint64 words
        (a still scene's repeated hash counts once, as in Meta's matcher)."""
        usable = (f.pdq.value for f in self.features if f.quality >= config.vpdq_min_quality)
        return pdq_words(dict.fromkeys(usable))

    def to_pytx(self) -> str:
        """python-threatexchange's ``video_vpdq`` signal: a JSON list of
        ``"pdq_hex,quality,timestamp"`` strings, the time to 3 significant digits."""
        return json.dumps(
            [f"{f.pdq},{f.quality},{format(f.timestamp, '.3')}" for f in self.features]
        )

    @classmethod
    def from_pytx(cls, signal: str, name: str = "") -> VpdqHash:
        """Read a ``video_vpdq`` signal (frame numbers are not in it: they count from 0)."""
        try:
            items = json.loads(signal)
            if not isinstance(items, list):
                raise ValueError("not a JSON list")
            features = []
            for number, item in enumerate(items):
                hex_digits, quality, timestamp = str(item).split(",")
                features.append(
                    VpdqFeature.from_line(f"{number},{quality},{hex_digits},{timestamp}")
                )
        except ValueError as exc:
            raise InputError(f"not a video_vpdq signal ({exc})", name) from None
        return cls(tuple(features))


def pdq_words(values: Iterable[int]) -> np.ndarray:
    """256-bit ints as rows of four uint64 words (least significant first)."""
    rows = [[(v >> (64 * w)) & 0xFFFFFFFFFFFFFFFF for w in range(WORDS)] for v in values]
    return np.array(rows, dtype=np.uint64).reshape(-1, WORDS)


def distances(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Hamming distances between every row of ``a`` and every row of ``b`` (words)."""
    total = np.zeros((a.shape[0], b.shape[0]), np.int32)
    for w in range(WORDS):
        total += np.bitwise_count(np.bitwise_xor.outer(a[:, w], b[:, w]))
    return total


@dataclasses.dataclass(frozen=True)
class VpdqComparison:
    """How much of each video the other covers, in percent of its usable frames."""

    query_percent: float
    target_percent: float

    def matches(self, config: ListConfig = LISTS) -> bool:
        return self.query_percent >= config.vpdq_match_percent


def compare(query: np.ndarray, target: np.ndarray, config: ListConfig = LISTS) -> VpdqComparison:
    """vPDQ's comparison of two videos' usable frame words (`VpdqHash.words`)."""
    if query.shape[0] == 0 or target.shape[0] == 0:
        return VpdqComparison(0.0, 0.0)
    near = distances(query, target) <= config.vpdq_max_distance
    return VpdqComparison(100.0 * near.any(axis=1).mean(), 100.0 * near.any(axis=0).mean())


def frame_step(frame_rate: float, config: ListConfig = LISTS) -> int:
    """Hash every this-many decoded frames (at least every frame)."""
    return max(1, int(config.vpdq_seconds_per_hash * frame_rate))


def vpdq_hash(
    path: str | os.PathLike[str] | bytes,
    *,
    timeout: float = INSPECT.probe_timeout_s,
    config: ListConfig = LISTS,
) -> VpdqHash:
    """The vPDQ of a video file, as Meta's tool makes it."""
    from verify.hashing.fingerprint import video_stream
    from verify.media.decode import decode_every_nth

    stream, _ = video_stream(path, timeout)
    rate = stream.frame_rate
    if not rate or not math.isfinite(rate) or rate <= 0:
        raise UnreadableMedia("the video stream has no frame rate to space vPDQ frames by", path)
    step = frame_step(rate, config)
    features = []
    frames = decode_every_nth(
        path, step, stream.index, pixel_format=stream.pixel_format, stall_timeout=timeout
    )
    for frame in frames:
        number = frame.index * step
        hashed = pdq_hash(frame.pixels)
        # Meta's tool divides in single precision; so do we, for the same third decimal.
        seconds = float(np.float32(number) / np.float32(rate))
        features.append(VpdqFeature(number, hashed.quality, hashed, seconds))
    if not features:
        raise UnreadableMedia("ffmpeg decoded no frames to hash", path)
    return VpdqHash(tuple(features))


def best_matches(
    query: VpdqHash, targets: Sequence[tuple[Any, np.ndarray]], config: ListConfig = LISTS
) -> list[tuple[Any, VpdqComparison]]:
    """The targets (key, words) the query matches by vPDQ's rule, best first."""
    words = query.words(config)
    found = [(key, compare(words, target, config)) for key, target in targets]
    hits = [(key, c) for key, c in found if c.matches(config)]
    return sorted(hits, key=lambda kc: (-kc[1].query_percent, -kc[1].target_percent))
