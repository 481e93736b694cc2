"""`fingerprint_video`: timestamps and perceptual hashes of a video's frames.

This is the core the bank and the matcher stand on: one decoder run per
file (see `verify.media.decode`), the frames split into shots at cuts, bars
and a picture-in-picture window found per shot and cropped, uniform frames
marked (see `verify.hashing.normalise`), then the hash forms of each frame
(`verify.hashing.forms`). Per shot, because a compilation changes shape from
shot to shot: a letterboxed landscape clip, then a pillarboxed portrait one.
The fingerprint records each shot's regions (`ShotRegion`).
"""

from __future__ import annotations

import bisect
import concurrent.futures
import dataclasses
import functools
import itertools
import math
import operator
import os
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import cv2
import numpy as np

from verify.config import HASH, INSPECT, HashConfig
from verify.errors import NoVideo, UnreadableMedia, VerifyError, display_path
from verify.hashing.forms import STORED_FORMS, Form, FrameForms, FrameTable, stack_forms
from verify.hashing.normalise import (
    BarProfile,
    CropBox,
    FrameRows,
    detect_inset,
    detect_window,
    is_uniform,
)
from verify.hashing.pdq import PdqHash
from verify.hashing.phash import FrameHash
from verify.hashing.scenes import FrameChanges, ShotDetector, sharpness, shot_starts
from verify.inspection.metadata import StreamInfo, parse_container, parse_streams
from verify.media.decode import (
    DecodedFrame,
    FrameSize,
    decode_frames,
    hashing_decode,
    working_size,
)
from verify.media.ffmpeg import ffprobe_json
from verify.media.filehash import sha256_file
from verify.media.sampling import SOUND_ONLY, Sampling
from verify.media.walk import check_readable_file
from verify.pools import shared_pool

if TYPE_CHECKING:  # annotations only: hashing and matching load no inspection code
    from verify.inspection.inspect import Inspection

SCHEMA_VERSION = "1.3"  # 1.1 the upper 75 %; 1.2 shot regions; 1.3 each frame's PDQ
# Decoders and displays top out well below this; larger is a corrupt header.
MAX_DIMENSION = 16384

ExportSink = Callable[[float, np.ndarray], None]
# Receives each selected frame as hashed: its time and its grey working-size
# picture with the video's bars cropped.
PictureSink = Callable[[float, np.ndarray], None]


@dataclasses.dataclass(frozen=True)
class HashedFrame:
    """One sampled frame: its time in seconds and its hashes."""

    time: float
    forms: FrameForms
    uniform: bool  # near-uniform (black, fade): never used as match evidence
    keyframe: bool

    @property
    def phash(self) -> FrameHash:
        return self.forms[Form.PHASH]

    @property
    def dhash(self) -> FrameHash:
        return self.forms[Form.DHASH]

    def to_dict(self) -> dict[str, Any]:
        forms = self.forms.to_dict()
        return {
            "time": round(self.time, 4),
            "phash": forms["phash"],
            "dhash": forms["dhash"],
            "uniform": self.uniform,
            "keyframe": self.keyframe,
            "variants": forms["variants"],
            "pdq": forms["pdq"],
        }

    def to_row(self) -> list[Any]:
        """The compact form a batch row keeps: ``[time, *hex of STORED_FORMS, flags,
        pdq hex, pdq quality]``, flags 1 near-uniform, 2 keyframe (rows written before
        the PDQ form end at the flags)."""
        flags = (1 if self.uniform else 0) | (2 if self.keyframe else 0)
        row = [round(self.time, 4), *(str(h) for h in self.forms.hashes), flags]
        pdq = self.forms.pdq
        return row if pdq is None else [*row, str(pdq), pdq.quality]

    @classmethod
    def from_row(cls, row: list[Any]) -> HashedFrame:
        count = len(STORED_FORMS)
        time, hashes, flags, rest = row[0], row[1 : count + 1], row[count + 1], row[count + 2 :]
        pdq = PdqHash.from_hex(rest[0], int(rest[1])) if rest else None
        forms = FrameForms(tuple(FrameHash.from_hex(h) for h in hashes), pdq)
        return cls(float(time), forms, bool(flags & 1), bool(flags & 2))

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> HashedFrame:
        return cls(
            float(data["time"]), FrameForms.from_dict(data), bool(data["uniform"]),
            bool(data["keyframe"]),
        )  # fmt: skip


@dataclasses.dataclass(frozen=True)
class ShotRegion:
    """Where one shot's frames were hashed from: seconds [start, end], the picture
    inside its bars (fractions of the frame, None without bars) and its
    picture-in-picture window (fractions of that picture, None without one)."""

    start: float
    end: float
    crop: dict[str, float] | None
    inset: dict[str, float] | None

    def to_dict(self) -> dict[str, Any]:
        return {
            "start": round(self.start, 4), "end": round(self.end, 4),
            "crop": self.crop, "inset": self.inset,
        }  # fmt: skip

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ShotRegion:
        return cls(float(data["start"]), float(data["end"]), data["crop"], data["inset"])


@dataclasses.dataclass(frozen=True)
class VideoFingerprint:
    """All hashed frames of one video and how they were taken."""

    path: str
    sha256: str
    size: int
    duration: float | None
    sampling: str
    width: int  # display size, after rotation
    height: int
    crop: dict[str, float] | None  # picture area as fractions, None if no bars
    frames: tuple[HashedFrame, ...]
    notes: tuple[str, ...] = ()
    inset: dict[str, float] | None = None  # picture-in-picture window within the crop
    # Each shot's regions; ``crop`` and ``inset`` above are those of the shot
    # with the most frames. Empty in fingerprints made before shots were kept.
    shots: tuple[ShotRegion, ...] = ()

    @property
    def usable_frames(self) -> tuple[HashedFrame, ...]:
        return tuple(f for f in self.frames if not f.uniform)

    def table(self) -> FrameTable:
        """The frames as arrays, as matching compares them."""
        return FrameTable.of_frames(self.frames)

    def to_dict(self) -> dict[str, Any]:
        return {
            "schema_version": SCHEMA_VERSION,
            "path": self.path,
            "ok": True,
            "sha256": self.sha256,
            "size": self.size,
            "duration": self.duration,
            "sampling": self.sampling,
            "width": self.width,
            "height": self.height,
            "crop": self.crop,
            "inset": self.inset,
            "shots": [s.to_dict() for s in self.shots],
            "frames": [f.to_dict() for f in self.frames],
            "notes": list(self.notes),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> VideoFingerprint:
        return cls(
            data["path"], data["sha256"], data["size"], data["duration"], data["sampling"],
            data["width"], data["height"], data["crop"],
            tuple(HashedFrame.from_dict(f) for f in data["frames"]), tuple(data["notes"]),
            data["inset"], tuple(ShotRegion.from_dict(s) for s in data.get("shots", ())),
        )  # fmt: skip


def video_stream(
    path: str | os.PathLike[str] | bytes,
    timeout: float,
    probed: Inspection | None = None,
) -> tuple[StreamInfo, float | None]:
    """The first real video stream and the container duration; errors for anything else.

    ``probed``, an inspection of the same file, saves running ffprobe again.
    """
    if probed is not None and probed.container is not None:
        every, duration = list(probed.streams), probed.container.duration
    else:
        doc = ffprobe_json(path, timeout=timeout)
        every, duration = parse_streams(doc), parse_container(doc).duration
    streams = [s for s in every if s.kind == "video" and not s.attached_picture]
    if not streams:
        kinds = sorted({s.kind for s in every}) or ["none"]
        raise NoVideo(f"no video stream (streams: {', '.join(kinds)})", path)
    stream = streams[0]
    size = stream.display_size
    if size is None or min(size) <= 0:
        raise UnreadableMedia("the video stream has no picture size (0x0)", path)
    if max(size) > MAX_DIMENSION:
        raise UnreadableMedia(f"implausible picture size {size[0]}x{size[1]}", path)
    return stream, duration


def _display_size(stream: StreamInfo) -> tuple[int, int]:
    width, height = stream.display_size
    # Anamorphic video: apply the sample aspect ratio, as players do.
    sar = stream.sample_aspect_ratio
    if sar and ":" in sar:
        num, den = (int(x) for x in sar.split(":"))
        if num > 0 and den > 0 and num != den:
            if round(stream.rotation or 0) % 180 == 90:
                height = round(height * num / den)
            else:
                width = round(width * num / den)
    return width, height


def fingerprint_video(
    path: str | os.PathLike[str] | bytes,
    sampling: Sampling | str | None = None,
    *,
    timeout: float = INSPECT.probe_timeout_s,
    export: ExportSink | None = None,
    known_digest: tuple[str, int] | None = None,
    probed: Inspection | None = None,
    pictures: PictureSink | None = None,
    config: HashConfig = HASH,
) -> VideoFingerprint:
    """Sample, normalise and hash the frames of one video.

    ``sampling`` defaults to ``config.sampling`` (what the bank stores).

    ``export``, if given, receives each selected frame at full display size
    (BGR) with its time, e.g. to write keyframe images; ``pictures`` receives
    each one as it is hashed (grey, working size, bars cropped). ``known_digest``
    (SHA-256, size) skips re-reading a file whose digest the caller has;
    ``probed``, the file's inspection, skips probing it again.
    """
    sampling = config.sampling if sampling is None else sampling
    sampling = Sampling.parse(sampling) if isinstance(sampling, str) else sampling
    check_readable_file(path)
    decode_errors: list[str] = []
    resized: list[float] = []  # times of frames whose picture size changed mid-stream
    # The probe and SHA-256 run beside the decoder: ffmpeg sizes frames
    # itself, and hashlib releases the GIL.
    pool = _beside_decoder()
    probe = pool.submit(video_stream, path, timeout, probed)
    digest = None if known_digest else pool.submit(sha256_file, path)
    try:
        selected, every, measured = _collect(
            path, sampling, timeout, export, decode_errors, resized, config
        )
    except VerifyError:
        probe.result()  # the probe's reason (no video stream, bad size) is clearer
        raise
    finally:
        if digest is not None:
            concurrent.futures.wait([digest])  # never left reading the file
    stream, duration = probe.result()
    sha256, size = known_digest or digest.result()
    display = _display_size(stream)
    scanned = [f.pixels for f in every]
    scanned_times = _repair_times([f.time for f in every], stream.frame_rate, [])
    height, width = scanned[0].shape[:2] if scanned else (display[1], display[0])
    work = FrameSize(width, height)
    notes: list[str] = []
    if decode_errors:
        notes.append(
            f"the decoder reported {len(decode_errors)} error(s) (first: {decode_errors[0]}): "
            "the video data is damaged and some frames may be missing"
        )
    if resized:
        notes.append(
            f"the picture size changed mid-stream ({len(resized)} frame(s), first at "
            f"{resized[0]:.3f} s), as damaged or spliced streams do: those frames were "
            f"scaled to the first frame's {width}x{height} to be hashed"
        )
    if not selected:
        notes.append("no frames could be decoded from the video stream")
    times = _repair_times([f.time for f in selected], stream.frame_rate, notes)
    regions = _shot_regions(scanned_times, scanned, work, config, measured)
    firsts = [first for first, _region, _crop, _inset in regions]
    position = {id(f): i for i, f in enumerate(every)}  # selected frames are scanned ones
    frames: list[HashedFrame] = []
    counts = [0] * len(regions)
    shot_of = [bisect.bisect_right(firsts, position[id(f)]) - 1 for f in selected]
    # One shot's frames at a time: they share a crop, so a size, and hash together.
    for shot, group in itertools.groupby(range(len(selected)), key=shot_of.__getitem__):
        members = list(group)
        _first, _region, crop, inset = regions[shot]
        counts[shot] += len(members)
        stack = np.stack([crop.apply(selected[i].pixels) for i in members])
        insets = np.ascontiguousarray(inset.apply_all(stack)) if inset else None
        hashed = stack_forms(stack, insets, pdq=config.frame_pdq)
        for i, picture, forms in zip(members, stack, hashed, strict=True):
            if pictures is not None:
                pictures(times[i], picture)
            uniform = is_uniform(picture, config)
            frames.append(HashedFrame(times[i], forms, uniform, selected[i].keyframe))
    main = regions[counts.index(max(counts))][1] if regions else None
    return VideoFingerprint(
        path=display_path(path), sha256=sha256, size=size, duration=duration,
        sampling=str(sampling), width=display[0], height=display[1],
        crop=main.crop if main else None, frames=tuple(frames), notes=tuple(notes),
        inset=main.inset if main else None,
        shots=tuple(region for _first, region, _crop, _inset in regions),
    )  # fmt: skip


def sound_only_fingerprint(
    path: str | os.PathLike[str] | bytes, sha256: str, size: int, duration: float | None
) -> VideoFingerprint:
    """The fingerprint of a file without pictures (a voice message, a sound track): no
    frames, no size; the bank keeps it for its sound, matching compares only that."""
    return VideoFingerprint(
        path=display_path(path), sha256=sha256, size=size, duration=duration,
        sampling=SOUND_ONLY, width=0, height=0, crop=None, frames=(),
    )  # fmt: skip


def _beside_decoder() -> concurrent.futures.ThreadPoolExecutor:
    """The threads that probe and digest a file while it decodes, started once a
    process (starting two per file cost more than a short clip's hashing)."""
    return shared_pool("beside-decoder")


def _shot_regions(
    times: list[float], scanned: list[np.ndarray], work: FrameSize, config: HashConfig,
    measured: _Measured,
) -> list[tuple[int, ShotRegion, CropBox, CropBox | None]]:  # fmt: skip
    """Each shot's first scanned frame and region, with its crop and inset as boxes.

    Bars and the inset are judged over the shot's frames; a shot of fewer
    than ``shot_min_frames`` takes those judged over the whole video (too few
    frames tell bars from a dark sky, or an inset from a moving object, badly),
    and a shot that finds no bars of its own may keep the video's
    (`BarProfile.crop`).
    ``measured``: the frames' rows and changes, measured as they were decoded.
    """
    if not scanned:
        return []
    spans = shot_spans(times, scanned, config, changes=measured.changes)
    rows = measured.rows()
    profiles = [BarProfile.of_rows(rows, first, end) for first, end in spans]
    whole = functools.reduce(operator.add, profiles).crop(config)
    whole_inset = functools.cache(lambda: _find_inset(scanned, whole, config))  # short shots'
    regions = []
    for (first, end), profile in zip(spans, profiles, strict=True):
        frames = scanned[first:end]
        if len(spans) == 1 or len(frames) >= config.shot_min_frames:
            crop = profile.crop(config, video=whole)
            inset = _find_inset(frames, crop, config)
        else:
            crop, inset = whole, whole_inset()
        bars = (crop.width, crop.height) != (work.width, work.height)
        region = ShotRegion(
            times[first], times[end - 1],
            crop.relative(work.width, work.height) if bars else None,
            inset.relative(crop.width, crop.height) if inset else None,
        )  # fmt: skip
        regions.append((first, region, crop, inset))
    return regions


def shot_spans(
    times: list[float], frames: list[np.ndarray], config: HashConfig = HASH, *,
    changes: FrameChanges | None = None,
) -> list[tuple[int, int]]:  # fmt: skip
    """(first, end) indices of each shot among frames in time order, split at cuts
    (``changes``: the frames' changes, if measured already)."""
    starts = shot_starts(times, frames, config, changes=changes)
    return list(itertools.pairwise([*starts, len(frames)]))


# Scanned frames measured together while the decoder runs (`_Measured`).
_MEASURE_CHUNK = 16


class _Measured:
    """What bars and cuts are judged by, measured on the scanned frames as they
    arrive, a few at a time: the main thread would otherwise wait on the decoder.

    ``each_frame``: each frame's change is measured as it arrives and `add`
    returns it, for a shot detector that decides frame by frame (``--sample
    scenes``); the shot detection and the cuts then share one measurement.
    """

    def __init__(self, *, each_frame: bool = False) -> None:
        self.changes = FrameChanges()
        self._each_frame = each_frame
        self._rows: list[FrameRows] = []
        self._waiting: list[np.ndarray] = []

    def add(self, grey: np.ndarray) -> tuple[float, float] | None:
        """Take the next frame; with ``each_frame``, its change from the one before."""
        change = self.changes.add_one(grey) if self._each_frame else None
        self._waiting.append(grey)
        if len(self._waiting) >= _MEASURE_CHUNK:
            self.flush()
        return change

    def flush(self) -> None:
        if self._waiting:
            stack = np.stack(self._waiting)
            if not self._each_frame:
                self.changes.add(stack)
            self._rows.append(FrameRows.of(stack))
            self._waiting = []

    def rows(self) -> FrameRows:
        self.flush()
        return FrameRows.join(self._rows)


def _collect(
    path: str | os.PathLike[str] | bytes,
    sampling: Sampling,
    timeout: float,
    export: ExportSink | None,
    decode_errors: list[str],
    resized: list[float],
    config: HashConfig,
) -> tuple[list[DecodedFrame], list[DecodedFrame], _Measured]:
    """Decode; return the selected frames (grey, working size), every scanned frame,
    and their measures.

    With ``export``, frames arrive in colour at full size for the export and
    are reduced to working size here; otherwise ffmpeg reduces them. Every
    frame is brought to the first frame's working size (``resized`` gets the
    times of those that had another), so that one video's frames compare.
    """
    colour = export is not None
    long_side, scan_rate = hashing_decode(sampling, config, colour=colour)
    detector = ShotDetector(config) if sampling.mode == "scenes" else None
    scanned: list[DecodedFrame] = []
    measured = _Measured(each_frame=detector is not None)
    pending: tuple[float, np.ndarray] | None = None  # best full frame of the open shot
    frames = decode_frames(
        path, sampling, long_side, colour=colour, dense_rate=scan_rate, stall_timeout=timeout,
        errors=decode_errors, config=config,
    )  # fmt: skip
    for frame in frames:
        grey = _working_grey(frame.pixels, config) if colour else frame.pixels
        if scanned and grey.shape != scanned[0].pixels.shape:
            height, width = scanned[0].pixels.shape
            grey = cv2.resize(grey, (width, height), interpolation=cv2.INTER_AREA)
            resized.append(frame.time)
        scanned.append(DecodedFrame(frame.index, frame.time, frame.keyframe, grey))
        change = measured.add(grey)
        if detector is None:
            if export is not None:
                export(frame.time, frame.pixels)
            continue
        if (
            detector.observe(frame.time, change, sharpness(grey))
            and pending is not None
            and export is not None
        ):
            export(*pending)  # the previous shot just closed
        if export is not None and detector.latest_is_best:
            pending = (frame.time, frame.pixels)
    measured.flush()
    if detector is None:
        return scanned, scanned, measured
    if pending is not None and export is not None:
        export(*pending)
    selected = [scanned[shot.best_index] for shot in detector.finish()]
    return selected, scanned, measured


def _find_inset(scanned: list[np.ndarray], crop: CropBox, config: HashConfig) -> CropBox | None:
    """The picture-in-picture window inside ``crop``: by its outline, else by its motion.

    The outline gives the whole window even where only part of the footage
    moves (a text slide); motion finds windows drawn without a clear edge.
    The outline is looked for in the whole frame: flat graphics around a
    window may have been taken for bars, and the crop may run along it.
    """
    moving = detect_inset([crop.apply(f) for f in scanned], config)
    outlined = detect_window(scanned, config)
    if outlined is not None:
        outlined = outlined.within(crop)
    if outlined is not None and (moving is None or outlined.contains(moving)):
        return outlined
    return moving


def _working_grey(bgr: np.ndarray, config: HashConfig) -> np.ndarray:
    height, width = bgr.shape[:2]
    work = working_size(width, height, config.working_long_side)
    small = cv2.resize(bgr, (work.width, work.height), interpolation=cv2.INTER_AREA)
    return cv2.cvtColor(small, cv2.COLOR_BGR2GRAY)


def _repair_times(times: list[float], rate: float | None, notes: list[str]) -> list[float]:
    """Fill frames the stream left without a timestamp; note what was done."""
    missing = [i for i, t in enumerate(times) if math.isnan(t)]
    if missing:
        step = 1.0 / rate if rate else 1.0 / 25
        repaired = list(times)
        for i in missing:
            previous = repaired[i - 1] if i else -step
            repaired[i] = previous + step
        notes.append(f"{len(missing)} frame(s) had no timestamp in the stream; times estimated")
        times = repaired
    if any(b < a for a, b in itertools.pairwise(times)):
        notes.append("timestamps go backwards in the stream: times are as the stream gives them")
    return times


def thin_to_rate(fingerprint: VideoFingerprint, rate: float) -> VideoFingerprint:
    """The frames ``fps=rate`` sampling would have kept, taken from a denser ``fps=N`` run.

    ``fps=N`` keeps the first frame of every 1/N-second bin; for N a multiple
    of ``rate``, the first frame of each 1/rate-second bin is the first kept
    frame in it, so this is the same selection without decoding again. (Shots,
    bars and insets were judged on the denser scan, which can only make them
    more reliable; the shots are kept as found there.)
    """
    kept: list[HashedFrame] = []
    last_bin: int | None = None
    for frame in fingerprint.frames:
        current = math.floor(frame.time * rate)
        if last_bin is None or current > last_bin:
            kept.append(frame)
            last_bin = current
    return dataclasses.replace(fingerprint, frames=tuple(kept), sampling=f"fps={rate:g}")
