"""A file's sound as samples: ffmpeg decodes the first audio stream to mono at a
fixed rate, whatever the codec, channels and rate it was stored with."""

from __future__ import annotations

import os

import numpy as np

from verify.config import INSPECT
from verify.errors import UnreadableMedia
from verify.media.ffmpeg import find_tool, media_arg, media_input, run_tool


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
        named = os.fsdecode(media_arg(source))
    if done.returncode != 0:
        lines = [ln for ln in done.stderr.decode("utf-8", "replace").splitlines() if ln.strip()]
        reason = (lines[-1].strip() if lines else "unknown error").removeprefix(f"{named}: ")
        if any("matches no streams" in line for line in lines):
            reason = "there is no audio stream"
        raise UnreadableMedia(f"ffmpeg cannot decode its sound: {reason}", path)
    samples = np.frombuffer(done.stdout, dtype="<i2")
    return samples.astype(np.float32) / 32768.0
