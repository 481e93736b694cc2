"""Generated sound for the audio tests: tunes of random notes, written as WAV."""

from __future__ import annotations

import wave
from pathlib import Path

import numpy as np

RATE = 44100


def tune(seed: int, seconds: float = 20.0) -> np.ndarray:
    """Notes of random pitch and length with two overtones, over a little hiss."""
    rng = np.random.default_rng(seed)
    out = np.zeros(int(seconds * RATE), np.float64)
    t = 0.0
    while t < seconds:
        length, pitch = rng.uniform(0.08, 0.4), rng.uniform(150, 2500)
        x = np.arange(int(length * RATE)) / RATE
        envelope = np.clip(np.minimum(x / 0.01, (length - x) / 0.03), 0, 1)
        note = sum(0.6**h * np.sin(2 * np.pi * pitch * (h + 1) * x + rng.uniform(0, 6))
                   for h in range(3))  # fmt: skip
        start = int(t * RATE)
        piece = (envelope * note * rng.uniform(0.2, 0.6))[: max(0, out.size - start)]
        out[start : start + piece.size] += piece
        t += length * rng.uniform(0.5, 1.2)
    out += rng.normal(0, 0.01, out.size)
    return out / np.abs(out).max() * 0.8


def write_wav(path: Path, samples: np.ndarray) -> Path:
    with wave.open(str(path), "wb") as handle:
        handle.setnchannels(1)
        handle.setsampwidth(2)
        handle.setframerate(RATE)
        handle.writeframes((samples * 32767).astype("<i2").tobytes())
    return path
