"""Decode the frames that identify a video: one ffmpeg run per file.

ffmpeg (driven through ffmpeg-python) selects the frames, applies the display
rotation, scales them down and converts them to grey before they reach
Python, so only small frames cross the pipe unless an export asks for full
size. Each frame's presentation time is read from the stream (via the
``showinfo`` filter), never computed as frame number x frame rate, so it is
right on variable-frame-rate phone footage.
"""

from __future__ import annotations

import dataclasses
import os
import queue
import re
import subprocess
import threading
from collections.abc import Iterator

import numpy as np

from verify.config import INSPECT
from verify.errors import ProbeTimeout, UnreadableMedia, VerifyError
from verify.media.ffmpeg import find_tool, media_arg, media_input, signal_group
from verify.media.sampling import Sampling

_SHOWINFO_RE = re.compile(
    rb"\bn:\s*(\d+)\s+pts:\s*(\S+)\s+pts_time:(\S+).*?\bs:(\d+)x(\d+).*?\biskey:(\d)"
)
_LEVEL_RE = re.compile(rb"\[(?:error|fatal|panic)\] (.*)")


@dataclasses.dataclass(frozen=True)
class DecodedFrame:
    """One frame as it left the decoder: time in seconds and its pixels."""

    index: int
    time: float
    keyframe: bool
    pixels: np.ndarray  # (h, w) uint8 grey, or (h, w, 3) uint8 BGR for exports


@dataclasses.dataclass(frozen=True)
class FrameSize:
    width: int
    height: int


def working_size(display_width: int, display_height: int, long_side: int) -> FrameSize:
    """Scale a display size so its long side is ``long_side``; even numbers."""
    scale = long_side / max(display_width, display_height)
    width = max(2, round(display_width * scale / 2) * 2)
    height = max(2, round(display_height * scale / 2) * 2)
    return FrameSize(width, height)


def build_command(
    path: str | os.PathLike[str] | bytes,
    sampling: Sampling,
    long_side: int | None,
    *,
    colour: bool = False,
    dense_rate: float | None = None,
) -> list[str | bytes]:
    """The ffmpeg command line for one decoder run (built with ffmpeg-python).

    Frames come out at display size (rotation and sample aspect ratio
    applied), scaled so the long side is ``long_side`` (None: full size).
    ffmpeg works the size out itself, so no probe has to run first; the
    size of each frame is read from its showinfo line. ``dense_rate``
    overrides the rate for ``scenes``, which scans frames at a fixed rate
    and picks representatives in Python.
    """
    import ffmpeg  # ffmpeg-python builds the filter graph; only decoding needs it

    input_options: dict[str, str] = {}
    rate = sampling.rate if sampling.mode == "fps" else dense_rate
    if sampling.mode == "keyframes":
        # Skip non-key frames inside the decoder: they are never decoded.
        input_options["skip_frame:v"] = "nokey"
    else:
        # Frames we will not keep need not be exact: skipping the in-loop
        # deblocking filter and frames nothing references makes decoding
        # markedly cheaper, and the small grey frames we hash cannot show the
        # difference. Kept frames still carry their own stream timestamps.
        input_options["skip_loop_filter:v"] = "all"
        input_options["skip_frame:v"] = "noref"
    stream = ffmpeg.input("INPUT", **input_options).video
    if rate:
        # The first frame in each 1/rate-second bin, keeping its true time.
        step = f"{rate:g}"
        stream = stream.filter(
            "select", f"isnan(prev_selected_t)+gt(floor(t*{step}),floor(prev_selected_t*{step}))"
        )
    # Square pixels first (anamorphic video), as players show it.
    stream = stream.filter("scale", "if(gt(sar,0),iw*sar,iw)", "ih", flags="area").filter(
        "setsar", "1"
    )
    if long_side is not None:
        stream = stream.filter(
            "scale", long_side, long_side, force_original_aspect_ratio="decrease",
            force_divisible_by=2, flags="area",
        )  # fmt: skip
    stream = stream.filter("format", "bgr24" if colour else "gray").filter("showinfo")
    out = ffmpeg.output(stream, "pipe:", format="rawvideo", fps_mode="passthrough", an=None)
    args = out.compile(cmd=find_tool("ffmpeg").path)
    # ffmpeg-python quotes nothing; swap our placeholder for the real input
    # argument (bytes, so non-UTF-8 names survive) and keep logs to showinfo.
    args = [media_arg(path) if a == "INPUT" else a for a in args]
    # "level+info" prefixes each log line with its level, so decoder errors
    # can be told apart from the showinfo lines that carry the timestamps.
    return [args[0], "-hide_banner", "-nostats", "-nostdin", "-loglevel", "level+info", *args[1:]]


def decode_frames(
    path: str | os.PathLike[str] | bytes,
    sampling: Sampling,
    long_side: int | None,
    *,
    colour: bool = False,
    dense_rate: float | None = None,
    stall_timeout: float = INSPECT.probe_timeout_s,
    errors: list[str] | None = None,
) -> Iterator[DecodedFrame]:
    """Yield frames with stream timestamps from one ffmpeg run.

    ``stall_timeout`` bounds how long ffmpeg may go without producing a frame
    or a log line; a hung decoder is killed and reported as `ProbeTimeout`.
    ``errors``, if given, receives the error lines ffmpeg logged (damaged
    data it skipped), complete once the iterator is exhausted.
    """
    with media_input(path) as source:
        yield from _decode(
            source, path, sampling, long_side, colour, dense_rate, stall_timeout, errors
        )


def _decode(
    source: bytes,
    path: str | os.PathLike[str] | bytes,
    sampling: Sampling,
    long_side: int | None,
    colour: bool,
    dense_rate: float | None,
    stall_timeout: float,
    errors: list[str] | None,
) -> Iterator[DecodedFrame]:
    """`decode_frames` on ``source`` (the path ffmpeg reads); errors name ``path``."""
    args = build_command(source, sampling, long_side, colour=colour, dense_rate=dense_rate)
    channels = 3 if colour else 1
    proc = subprocess.Popen(
        args, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        start_new_session=True, bufsize=0,
    )  # fmt: skip
    stamps: queue.Queue[tuple[float | None, bool, int, int] | None] = queue.Queue()
    errors = [] if errors is None else errors
    activity = threading.Event()
    reader = threading.Thread(target=_read_log, args=(proc, stamps, errors, activity), daemon=True)
    reader.start()
    watchdog = _Watchdog(proc, activity, stall_timeout)
    watchdog.start()
    try:
        count = 0
        while True:
            # Each frame's showinfo line is logged before its pixels are
            # written, and tells their size.
            stamp = stamps.get(timeout=stall_timeout + 5)
            if stamp is None:
                break
            pts_time, key, width, height = stamp
            data = _read_exact(proc.stdout, width * height * channels)
            if data is None:
                break
            activity.set()
            shape = (height, width, 3) if colour else (height, width)
            pixels = np.frombuffer(data, np.uint8).reshape(shape)
            yield DecodedFrame(
                count, pts_time if pts_time is not None else float("nan"), key, pixels
            )
            count += 1
        proc.wait()
        reader.join(timeout=5)
        if watchdog.fired:
            raise ProbeTimeout(
                f"ffmpeg produced nothing for {stall_timeout:g} s while decoding (raise --timeout "
                "for very slow files)",
                path,
            )
        if proc.returncode != 0 and count == 0:
            reason = errors[-1] if errors else f"exit code {proc.returncode}"
            raise UnreadableMedia(f"ffmpeg cannot decode it: {reason}", path)
    except queue.Empty:
        raise VerifyError("frame timestamps missing from ffmpeg's log", path) from None
    finally:
        watchdog.stop()
        if proc.poll() is None:
            # Stopped early (an error, or the caller had enough): kill, reap, and
            # let the log reader finish its pipe alone; reading it from here too
            # would pull the pipe from under that thread.
            signal_group(proc)
            proc.wait()
        reader.join(timeout=5)
        proc.stdout.close()
        proc.stderr.close()


def _read_exact(pipe, count: int) -> bytes | None:
    chunks = []
    remaining = count
    while remaining:
        chunk = pipe.read(remaining)
        if not chunk:
            return None
        chunks.append(chunk)
        remaining -= len(chunk)
    return b"".join(chunks)


def _read_log(proc, stamps: queue.Queue, errors: list[str], activity: threading.Event) -> None:
    """Parse showinfo lines into (n, pts_time, key); keep error-level lines.

    Runs in its own thread until ffmpeg's log ends; it always ends by
    queueing None, so the reading side never waits for a line that cannot come.
    """
    try:
        _parse_log(proc, stamps, errors, activity)
    except (OSError, ValueError):  # the pipe went away under us: the run is over
        pass
    finally:
        stamps.put(None)


def _parse_log(proc, stamps: queue.Queue, errors: list[str], activity: threading.Event) -> None:
    for line in proc.stderr:
        activity.set()
        match = _SHOWINFO_RE.search(line)
        if match:
            raw_time = match.group(3)
            try:
                pts_time = float(raw_time)
            except ValueError:  # NOPTS: the stream has no timestamp for it
                pts_time = None
            width, height = int(match.group(4)), int(match.group(5))
            stamps.put((pts_time, match.group(6) == b"1", width, height))
        else:
            level = _LEVEL_RE.search(line)
            if level:
                errors.append(level.group(1).decode("utf-8", "replace").strip())


class _Watchdog(threading.Thread):
    """Kill the decoder when it has shown no activity for ``limit`` seconds."""

    def __init__(self, proc, activity: threading.Event, limit: float) -> None:
        super().__init__(daemon=True)
        self.proc, self.activity, self.limit = proc, activity, limit
        self.fired = False
        self._stop_event = threading.Event()

    def run(self) -> None:
        while not self._stop_event.is_set():
            if not self.activity.wait(self.limit):
                if self._stop_event.is_set() or self.proc.poll() is not None:
                    return
                self.fired = True
                signal_group(self.proc)
                return
            self.activity.clear()

    def stop(self) -> None:
        self._stop_event.set()
        self.activity.set()
