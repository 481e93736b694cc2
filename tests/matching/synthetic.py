"""Small synthetic frame tables for the matcher's stages: no ffmpeg, no pictures.

A *source* is footage as a sequence of 64-bit hashes, one per source frame
at `SOURCE_FPS`; moving footage drifts a bit or two per frame (as real
footage's pHashes do), a cut jumps to an unrelated hash, a still shot keeps
one. Known videos sample a source at the bank's 2 frames a second, clips at
the matcher's 16, as `verify` does; a copy adds a little noise.
"""

from __future__ import annotations

import dataclasses

import numpy as np

from verify import Form, FrameForms, FrameHash, FrameTable, HashedFrame, VideoFingerprint

SOURCE_FPS = 30.0
BANK_FPS = 2.0
CLIP_FPS = 16.0


@dataclasses.dataclass(frozen=True)
class Source:
    """Footage: one hash per source frame (every stored form gets its own hash)."""

    hashes: np.ndarray  # (frames, forms) uint64; column i is STORED form i

    @property
    def duration(self) -> float:
        return self.hashes.shape[0] / SOURCE_FPS

    def at(self, seconds: float) -> np.ndarray:
        """The forms of the source frame shown at ``seconds``."""
        index = min(max(int(seconds * SOURCE_FPS + 1e-9), 0), self.hashes.shape[0] - 1)
        return self.hashes[index]


FORMS = [f for f in Form if f.stored]


def random_hashes(rng: np.random.Generator, count: int) -> np.ndarray:
    shape = (count, len(FORMS))
    high = rng.integers(0, 2**63, size=shape, dtype=np.int64).astype(np.uint64)
    return high * np.uint64(2) + rng.integers(0, 2, size=shape).astype(np.uint64)


def flip(rng: np.random.Generator, values: np.ndarray, bits: int) -> np.ndarray:
    """``values`` with ``bits`` random bits flipped in each."""
    out = values.copy()
    for i in np.ndindex(out.shape):
        for bit in rng.choice(64, size=bits, replace=False):
            out[i] ^= np.uint64(1) << np.uint64(int(bit))
    return out


def moving(rng: np.random.Generator, seconds: float, drift: int = 1) -> Source:
    """Moving footage: each source frame ``drift`` bits from the one before."""
    count = round(seconds * SOURCE_FPS)
    hashes = np.empty((count, len(FORMS)), np.uint64)
    hashes[0] = random_hashes(rng, 1)[0]
    for i in range(1, count):
        hashes[i] = flip(rng, hashes[i - 1 : i], drift)[0]
    return Source(hashes)


def slides(rng: np.random.Generator, seconds: float, every: float) -> Source:
    """Still footage: one unrelated picture every ``every`` seconds (text slides)."""
    count = round(seconds * SOURCE_FPS)
    per = round(every * SOURCE_FPS)
    pictures = random_hashes(rng, -(-count // per))
    return Source(np.repeat(pictures, per, axis=0)[:count])


def joined(*parts: Source) -> Source:
    return Source(np.concatenate([p.hashes for p in parts]))


def frames_of(hashes: list[np.ndarray], times: list[float]) -> tuple[HashedFrame, ...]:
    return tuple(
        HashedFrame(t, FrameForms(tuple(FrameHash(int(v)) for v in h)), False, False)
        for t, h in zip(times, hashes, strict=True)
    )


def sample(
    source: Source,
    fps: float,
    *,
    start: float = 0.0,
    end: float | None = None,
    noise: int = 0,
    rng: np.random.Generator | None = None,
    phase: float = 0.0,
) -> tuple[HashedFrame, ...]:
    """Frames of ``source`` seconds ``start``-``end`` as a copy sampled at ``fps`` shows them.

    The copy's time 0 is the source's ``start``; ``phase`` delays the sampling
    grid; ``noise`` flips that many bits of every hash (a re-encode).
    """
    end = source.duration if end is None else end
    times = list(np.arange(phase, end - start - 1e-9, 1.0 / fps))
    hashes = [source.at(start + t) for t in times]
    if noise:
        assert rng is not None
        hashes = [flip(rng, h[None, :], noise)[0] for h in hashes]
    return frames_of(hashes, [float(t) for t in times])


def fingerprint(frames: tuple[HashedFrame, ...], duration: float, name: str) -> VideoFingerprint:
    """A fingerprint of synthetic frames (the SHA-256 is made from the name)."""
    import hashlib

    return VideoFingerprint(
        path=name, sha256=hashlib.sha256(name.encode()).hexdigest(), size=1, duration=duration,
        sampling=f"fps={CLIP_FPS:g}", width=160, height=90, crop=None, frames=frames,
    )  # fmt: skip


def table(frames: tuple[HashedFrame, ...]) -> FrameTable:
    return FrameTable.of_frames(frames)
