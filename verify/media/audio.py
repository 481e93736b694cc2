"""A file's sound as samples: ffmpeg decodes the first audio stream to mono at a
fixed rate, whatever the codec, channels and rate it was stored with."""

from __future__ import annotations

import os

import numpy as np

from verify.config import INSPECT
from verify.errors import NoSound, UnreadableMedia
from verify.media.ffmpeg import failure_reason, find_tool, media_arg, media_input, run_tool


def decode_audio(
    path: str | os.PathLike[str] | bytes, rate: int, *, timeout: float = INSPECT.probe_timeout_s
) -> np.ndarray:
    """The first audio stream, mixed to mono at ``rate`` Hz, as float32 in -1..1."""
    with media_input(path) as source:
        command: list[str | bytes] = [
            find_tool("ffmpeg").path, "-hide_banner", "-nostdin", "-v", "error",
            "-i", media_arg(source), "-map", "0:a:0", "-vn", "-ac", "1", "-ar", str(rate),
            "-f", "s16le", "-acodec", "pcm_s16le", "pipe:",
        ]  # fmt: skip
        done = run_tool(command, timeout=timeout, path=path)
        if done.returncode != 0:
            if b"matches no streams" in done.stderr:
                raise NoSound("there is no audio stream", path)
            reason = failure_reason(done.stderr, source)
            raise UnreadableMedia(f"ffmpeg cannot decode its sound: {reason}", path)
    samples = np.frombuffer(done.stdout, dtype="<i2")
    return samples.astype(np.float32) / 32768.0
