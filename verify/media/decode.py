"""Decode the frames that identify a video: one ffmpeg run per file.

ffmpeg (driven through ffmpeg-python) selects the frames, applies the display
rotation, scales them down and converts them to grey before they reach
Python, so only small frames cross the pipe unless an export asks for full
size. Each frame's presentation time is read from the stream (via the
``showinfo`` filter), never computed as frame number x frame rate, so it is
right on variable-frame-rate phone footage.

A run can be started before it is needed (`start_early`): the command line
starts the first file's decoder before its own imports, and the next file's
while the current one is hashed, so that ffmpeg decodes while Python works.
"""

from __future__ import annotations

import dataclasses
import os
import queue
import re
import selectors
import subprocess
import threading
import time
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING

from verify.config import HASH, INSPECT, HashConfig
from verify.errors import ProbeTimeout, ToolMissing, UnreadableMedia, VerifyError
from verify.media.ffmpeg import (
    EarlyRuns,
    find_tool,
    media_arg,
    media_input,
    needs_link,
    probe_early,
    signal_group,
)
from verify.media.sampling import Sampling

if TYPE_CHECKING:
    import numpy as np

_SHOWINFO_RE = re.compile(
    rb"\bn:\s*(\d+)\s+pts:\s*(\S+)\s+pts_time:(\S+).*?\bs:(\d+)x(\d+).*?\biskey:(\d)"
)
_LEVEL_RE = re.compile(rb"\[(?:error|fatal|panic)\] (.*)")
# The frame's quantiser, from the encoding parameters the decoder exports
# (H.264, HEVC, VP9...): showinfo logs them under the frame's own line.
_QP_RE = re.compile(rb"side data - Video encoding parameters: type \d+; qp=(-?\d+)")


@dataclasses.dataclass(frozen=True)
class DecodedFrame:
    """One frame as it left the decoder: time in seconds and its pixels."""

    index: int
    time: float
    keyframe: bool
    pixels: np.ndarray  # (h, w) uint8 grey, or (h, w, 3) uint8: BGR for exports, RGB for vPDQ


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
    quantisers: bool = False,
    config: HashConfig = HASH,
) -> list[str | bytes]:
    """The ffmpeg command line for one decoder run (built with ffmpeg-python).

    Frames come out at display size (rotation and sample aspect ratio
    applied), scaled so the long side is ``long_side`` (None: full size).
    ffmpeg works the size out itself, so no probe has to run first; the
    size of each frame is read from its showinfo line. ``dense_rate``
    overrides the rate for ``scenes``, which scans frames at a fixed rate
    and picks representatives in Python. ``quantisers``: the decoder exports
    each frame's encoding parameters, whose quantiser showinfo then logs.
    Keyframes and small files decode on one thread
    (``config.single_thread_below_bytes``).
    """
    import ffmpeg  # ffmpeg-python builds the filter graph; only decoding needs it

    input_options: dict[str, str] = {}
    if quantisers:
        input_options["export_side_data"] = "venc_params"
    rate = sampling.rate if sampling.mode == "fps" else dense_rate
    if sampling.mode == "keyframes":
        # Skip non-key frames inside the decoder: they are never decoded.
        input_options["skip_frame:v"] = "nokey"
    elif sampling.mode == "every":
        pass  # every frame, exactly as a player shows it: nothing skipped
    else:
        # Frames we will not keep need not be exact: skipping the in-loop
        # deblocking filter and frames nothing references makes decoding
        # markedly cheaper, and the small grey frames we hash cannot show the
        # difference. Kept frames still carry their own stream timestamps.
        input_options["skip_loop_filter:v"] = "all"
        input_options["skip_frame:v"] = "noref"
    if sampling.mode == "keyframes" or (
        sampling.mode != "every" and _file_size(path) < config.single_thread_below_bytes
    ):
        input_options["threads:v"] = "1"  # see HashConfig.single_thread_below_bytes
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


def _file_size(path: str | os.PathLike[str] | bytes) -> int:
    """Bytes in ``path`` (0 if it cannot be read: the decoder then says why)."""
    try:
        return os.stat(path).st_size
    except OSError:
        return 0


def every_nth_command(
    path: str | os.PathLike[str] | bytes, step: int, stream: int, *, full_range: bool = False
) -> list[str | bytes]:
    """ffmpeg for decoded frames 0, ``step``, 2 x ``step`` ... of stream number ``stream``,
    as stored: full size, no rotation, exact decoding (no skipped filters), in colour.

    vPDQ's choice of frames, and its conversion to RGB: libswscale's area filter
    and its defaults, BT.601 and the range the pixel format implies
    (``full_range`` for the JPEG ``yuvj`` formats), whatever the stream's own
    colour tags say; so the pixels, and the PDQ hashes, are those Meta's tool
    hashes.
    """
    tool = find_tool("ffmpeg").path
    convert = (
        f"scale=flags=area:in_color_matrix=bt601:in_range={'pc' if full_range else 'tv'}"
        ":out_range=pc,format=rgb24"
    )
    return [
        tool, "-hide_banner", "-nostats", "-nostdin", "-loglevel", "level+info",
        "-noautorotate", "-i", media_arg(path), "-map", f"0:{stream}",
        "-vf", f"select=not(mod(n\\,{step})),{convert},showinfo",
        "-fps_mode", "passthrough", "-an", "-f", "rawvideo", "pipe:",
    ]  # fmt: skip


def decode_every_nth(
    path: str | os.PathLike[str] | bytes,
    step: int,
    stream: int,
    *,
    pixel_format: str | None = None,
    stall_timeout: float = INSPECT.probe_timeout_s,
    errors: list[str] | None = None,
) -> Iterator[DecodedFrame]:
    """Every ``step``-th decoded frame of the first video stream (RGB, stored size and
    orientation, `every_nth_command`); ``index`` counts the frames yielded, so frame
    ``index * step``."""
    with media_input(path) as source:
        full_range = (pixel_format or "").startswith("yuvj")  # the JPEG formats' full range
        run = DecoderRun(every_nth_command(source, step, stream, full_range=full_range),
                         stall_timeout)  # fmt: skip
        yield from _frames(run, path, True, errors)


def hashing_decode(
    sampling: Sampling, config: HashConfig = HASH, *, colour: bool = False
) -> tuple[int | None, float | None]:
    """``(long_side, dense_rate)`` for the decoder run that hashing ``sampling`` makes.

    Grey frames at ``config.working_long_side``, or full size in colour for an
    export; ``scenes`` scans at ``config.scene_scan_fps``. One place, so that a
    run started early (`start_early`) has the very command hashing asks for.
    """
    long_side = None if colour else config.working_long_side
    dense_rate = config.scene_scan_fps if sampling.mode == "scenes" else None
    return long_side, dense_rate


def decode_frames(
    path: str | os.PathLike[str] | bytes,
    sampling: Sampling,
    long_side: int | None,
    *,
    colour: bool = False,
    dense_rate: float | None = None,
    stall_timeout: float = INSPECT.probe_timeout_s,
    errors: list[str] | None = None,
    quantisers: dict[int, int] | None = None,
    config: HashConfig = HASH,
) -> Iterator[DecodedFrame]:
    """Yield frames with stream timestamps from one ffmpeg run.

    ``stall_timeout`` bounds how long ffmpeg may go without producing a frame
    or a log line; a hung decoder is killed and reported as `ProbeTimeout`.
    ``errors``, if given, receives the error lines ffmpeg logged (damaged
    data it skipped), complete once the iterator is exhausted. A run that
    `start_early` began for the same command is taken over, not started again.
    ``quantisers``, if given, receives each frame's quantiser by frame number
    (frames whose codec exports none have no entry), complete once the
    iterator is exhausted.
    """
    with media_input(path) as source:
        args = build_command(
            source, sampling, long_side, colour=colour, dense_rate=dense_rate,
            quantisers=quantisers is not None, config=config,
        )  # fmt: skip
        run = EARLY_DECODERS.claim(args) or DecoderRun(args, stall_timeout)
        yield from _frames(run, path, colour, errors, quantisers)


def start_early(
    path: str | os.PathLike[str] | bytes,
    sampling: Sampling,
    config: HashConfig = HASH,
    *,
    stall_timeout: float = INSPECT.probe_timeout_s,
    probe: bool = True,
) -> None:
    """Start the decoder that hashing ``path`` at ``sampling`` will ask for, now.

    It then decodes while the caller does other work (its imports, the
    previous file), its frames held in memory until `decode_frames` takes
    the run over; the file's ffprobe run starts too, unless ``probe`` is
    False (a caller that inspects the file first hands hashing its probe).
    At most two runs wait (the current file's and the next one's): starting
    a third kills the oldest, whose file failed some check before decoding,
    and those left at exit are killed. Names ffmpeg would read as a pattern
    are passed through a temporary link (see `media_input`); those start late.
    """
    source = os.path.abspath(os.fsencode(path))
    if not os.path.isfile(source) or needs_link(source):
        return
    long_side, dense_rate = hashing_decode(sampling, config)
    try:
        args = build_command(source, sampling, long_side, dense_rate=dense_rate, config=config)
        EARLY_DECODERS.start(args, lambda: DecoderRun(args, stall_timeout))
        if probe:
            probe_early(source)  # hashing probes the file too
    except VerifyError:
        pass  # no ffmpeg: the real start says so, with the file's name


class DecoderRun:
    """One ffmpeg process, its log and pixels read by one thread as they come.

    Reading ahead into memory lets ffmpeg run ahead of Python instead of
    waiting on a full pipe; ``buffer_limit`` bytes held unread make it wait
    (a full-size colour export must not pile up a whole video). The same
    thread is the watchdog: ffmpeg silent on both pipes for ``stall_timeout``
    seconds, while not held back, is killed (`fired`).
    """

    def __init__(
        self, args: Sequence[str | bytes], stall_timeout: float, *, buffer_limit: int = 64 << 20
    ) -> None:
        self.stall_timeout = stall_timeout
        try:
            self.proc = subprocess.Popen(
                list(args), stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                stderr=subprocess.PIPE, start_new_session=True, bufsize=0,
            )  # fmt: skip
        except OSError as exc:
            raise ToolMissing(f"cannot run {os.fsdecode(args[0])}: {exc.strerror}") from exc
        self.stamps: queue.Queue[tuple[float | None, bool, int, int] | None] = queue.Queue()
        self.errors: list[str] = []
        self.quantisers: dict[int, int] = {}  # frame number -> quantiser, where logged
        self._frame_number = -1
        self.fired = False
        self._buffer = bytearray()
        self._limit = buffer_limit
        self._wanted = 0  # bytes the reader waits for: the limit never holds those back
        self._ready = threading.Condition()
        self._drained = False
        self._stopping = False
        self._pump = threading.Thread(target=self._run, daemon=True)
        self._pump.start()

    def take(self, count: int) -> bytes | None:
        """The next ``count`` bytes of pixels; None when the output ends first."""
        with self._ready:
            self._wanted = count
            while len(self._buffer) < count and not self._drained:
                self._ready.wait()
            self._wanted = 0
            if len(self._buffer) < count:
                return None
            data = bytes(self._buffer[:count])
            del self._buffer[:count]
            return data

    def finish(self) -> None:
        """Wait for ffmpeg and the thread to end (the output has been read)."""
        self.proc.wait()
        self._pump.join(timeout=5)

    def stop(self) -> None:
        """Kill ffmpeg if it still runs, reap it and close its pipes."""
        self._stopping = True
        if self.proc.poll() is None:
            signal_group(self.proc)  # stopped early: an error, or the caller had enough
            self.proc.wait()
        with self._ready:
            self._buffer.clear()
            self._ready.notify_all()
        self._pump.join(timeout=5)
        self.proc.stdout.close()
        self.proc.stderr.close()

    def _held_back(self) -> bool:
        with self._ready:
            return len(self._buffer) > max(self._limit, self._wanted - 1)

    def _run(self) -> None:
        """Read both pipes until they end; queue None on ``stamps`` whatever happens."""
        try:
            self._read_pipes()
        except (OSError, ValueError):  # the pipes went away under us: the run is over
            pass
        finally:
            self.stamps.put(None)
            with self._ready:
                self._drained = True
                self._ready.notify_all()

    def _read_pipes(self) -> None:
        pixels, log = self.proc.stdout.fileno(), self.proc.stderr.fileno()
        watching = selectors.DefaultSelector()
        watching.register(pixels, selectors.EVENT_READ)
        watching.register(log, selectors.EVENT_READ)
        open_pipes, paused, partial = {pixels, log}, False, b""
        quiet_since = time.monotonic()
        while open_pipes and not self._stopping:
            if pixels in open_pipes and paused != self._held_back():
                paused = not paused
                if paused:
                    watching.unregister(pixels)
                else:
                    watching.register(pixels, selectors.EVENT_READ)
            # Held back, the pipe is looked at again soon: the reader may have taken some.
            events = watching.select(timeout=0.02 if paused else min(self.stall_timeout, 1.0))
            now = time.monotonic()
            if not events:
                if paused:
                    quiet_since = now  # waiting on the reader is not a stall
                elif now - quiet_since >= self.stall_timeout and self.proc.poll() is None:
                    self.fired = True
                    signal_group(self.proc)
                    return
                continue
            quiet_since = now
            for key, _mask in events:
                chunk = os.read(key.fd, 1 << 20)
                if not chunk:
                    watching.unregister(key.fd)
                    open_pipes.discard(key.fd)
                    if key.fd == log and partial:
                        self._log_line(partial)
                elif key.fd == pixels:
                    with self._ready:
                        self._buffer += chunk
                        self._ready.notify_all()
                else:
                    *lines, partial = (partial + chunk).split(b"\n")
                    for line in lines:
                        self._log_line(line)

    def _log_line(self, line: bytes) -> None:
        """A showinfo line becomes (pts_time, key, width, height); error-level lines are kept."""
        match = _SHOWINFO_RE.search(line)
        if match:
            try:
                pts_time: float | None = float(match.group(3))
            except ValueError:  # NOPTS: the stream has no timestamp for it
                pts_time = None
            width, height = int(match.group(4)), int(match.group(5))
            self._frame_number = int(match.group(1))
            self.stamps.put((pts_time, match.group(6) == b"1", width, height))
            return
        qp = _QP_RE.search(line)
        if qp:  # logged after its frame's line
            self.quantisers[self._frame_number] = int(qp.group(1))
            return
        level = _LEVEL_RE.search(line)
        if level:
            self.errors.append(level.group(1).decode("utf-8", "replace").strip())


def _frames(
    run: DecoderRun,
    path: str | os.PathLike[str] | bytes,
    colour: bool,
    errors: list[str] | None,
    quantisers: dict[int, int] | None = None,
) -> Iterator[DecodedFrame]:
    """The frames of ``run``; errors name ``path``."""
    import numpy as np

    channels = 3 if colour else 1
    stall_timeout = run.stall_timeout
    try:
        count = 0
        while True:
            # Each frame's showinfo line is logged before its pixels are
            # written, and tells their size.
            stamp = run.stamps.get(timeout=stall_timeout + 5)
            if stamp is None:
                break
            pts_time, key, width, height = stamp
            data = run.take(width * height * channels)
            if data is None:
                break
            shape = (height, width, 3) if colour else (height, width)
            pixels = np.frombuffer(data, np.uint8).reshape(shape)
            yield DecodedFrame(
                count, pts_time if pts_time is not None else float("nan"), key, pixels
            )
            count += 1
        run.finish()
        if run.fired:
            raise ProbeTimeout(
                f"ffmpeg produced nothing for {stall_timeout:g} s while decoding (raise --timeout "
                "for very slow files)",
                path,
            )
        if run.proc.returncode != 0 and count == 0:
            reason = run.errors[-1] if run.errors else f"exit code {run.proc.returncode}"
            raise UnreadableMedia(f"ffmpeg cannot decode it: {reason}", path)
    except queue.Empty:
        raise VerifyError("frame timestamps missing from ffmpeg's log", path) from None
    finally:
        run.stop()
        if errors is not None:
            errors.extend(run.errors)
        if quantisers is not None:
            quantisers.update(run.quantisers)


# Decoder runs started early (`start_early`), taken over by `decode_frames`.
EARLY_DECODERS: EarlyRuns[DecoderRun] = EarlyRuns(DecoderRun.stop)
