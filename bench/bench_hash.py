"""Benchmark `verify hash`: fingerprint time next to plain ffmpeg decoding, and the default N.

Section 1 generates H.264 clips (720p and 1080p, 30 s and 3 min, constant and
variable frame rate; ``--quick`` keeps the 30 s ones) and, per clip, times
`fingerprint_video` in each sampling mode next to an ffmpeg reference
measured in the same run on the same (page-cached) file:

* ``keyframes`` against ``ffmpeg -skip_frame nokey -i F -f null -`` (goal <= 1.3x);
* ``fps=2``, the default, against ``ffmpeg -i F -f null -`` (goal <= 0.8x);
* ``scenes`` against ``ffmpeg -i F -f null -`` (reported, no goal).

"Our time" leaves out Python start-up, as a single ``verify hash`` call over
many files pays it once: each measurement is a child Python process that
imports verify, warms up with one call on a tiny clip, then times one
`fingerprint_video` call with `time.perf_counter`. The child's peak RSS comes
from ``os.wait4``; on Linux that is the larger of the child's own peak and
that of its largest reaped child (ffprobe, ffmpeg). The child also reports
both peaks, and their sum bounds what Python and its decoder held together.
Finally one ``verify hash ALL_CLIPS --sample keyframes --json`` call is timed
against the sum of the per-file ``-skip_frame nokey`` references, to show
that start-up is paid once per call, not once per file.

Section 2, choosing the default N, takes the 720p 30 s clip and Telegram-like
re-encodes of it (270p, CRF 28, ``-g 47 -bf 3``: keyframes elsewhere), one on
the same timeline and several trimmed by a few frames (a copy cut from the
original, so every frame sits elsewhere on the timeline; compared in content
time). For fps=N in 0.5, 1, 2, 4 (plus keyframes and scenes for contrast) it
pairs every original frame with the re-encode frame nearest in time and
reports the time gaps, the pHash distances of the pairs, the fraction of
original frames with some re-encode frame within ``MATCH_DISTANCE`` bits and
0.5 s, and the time per video.

Times are medians over ``--repeat`` runs and are reported as ratios, never
asserted. Generated files are cached in ``--workdir`` and reused.
``--breakdown`` also times the parts of one fingerprint on their own (our
exact ffmpeg command line, the ffprobe header probe, SHA-256) to show where
the time goes.

Usage::

    .venv/bin/python bench/bench_hash.py [--quick] [--repeat 3] [--breakdown]
        [--workdir bench/out/hash] [--json]

Exit status is 0 unless a command failed to run (1).
"""

from __future__ import annotations

import argparse
import bisect
import dataclasses
import hashlib
import itertools
import json
import math
import os
import resource
import statistics
import sys
import time
from collections.abc import Sequence
from fractions import Fraction
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))  # bench_inspect, if imported
sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "samples"))  # make_samples

import make_samples
from bench_inspect import (
    MB,
    BenchError,
    Run,
    Samples,
    atomic_output,
    measure_startup,
    run_checked,
    verify_exe,
    warm_page_cache,
)

from verify import (
    HASH,
    INSPECT,
    MATCH,
    HashedFrame,
    Sampling,
    VideoFingerprint,
    decoder_command,
    find_tool,
    fingerprint_video,
)

BENCH_DIR = Path(__file__).resolve().parent
DEFAULT_WORKDIR = BENCH_DIR / "out" / "hash"
WORKER = "_worker"  # argv[1] that makes this script a measuring child

FPS = 30
GOP = 2 * FPS  # a keyframe every 2 s (plus x264's scene-cut keyframes)
SHOT_SECONDS = 4.0
# Temporal grain, as a camera sensor gives: keeps the bitrate realistic.
NOISE = "noise=alls=6:allf=t"
RESOLUTIONS = {"720p": (1280, 720), "1080p": (1920, 1080)}
DURATIONS = {"30s": 30, "3min": 180}
# Typical footage: x264 veryfast (3 B-frames, CABAC, in-loop deblocking), CRF 23.
ENCODE_ARGS = [
    "-c:v", "libx264", "-preset", "veryfast", "-crf", "23", "-g", str(GOP),
    "-profile:v", "high", "-pix_fmt", "yuv420p", "-c:a", "aac", "-b:a", "128k",
]  # fmt: skip
# VFR without a second encode: the setts bitstream filter rewrites timestamps.
# Each frame is moved by up to 6 ms (jitter), and irregularly (~0.3 per
# second) the timeline skips one frame period, as a dropped frame leaves it.
# The shift is monotonic in the original time, so applying it to PTS and DTS
# alike keeps decode order and DTS <= PTS. The expression has no commas (bsf
# separator) and no colons (option separator).
_VFR_SHIFT = "(0.006*sin(X*TB*116.49)+floor(0.3*X*TB+0.3*sin(0.9*X*TB))/30)/TB"
VFR_BSF = "setts=pts=PTS+{}:dts=DTS+{}".format(
    _VFR_SHIFT.replace("X", "PTS"), _VFR_SHIFT.replace("X", "DTS")
)

MODES = ("keyframes", "fps=2", "scenes")
REFERENCE_FOR = {"keyframes": "ref_nokey", "fps=2": "ref_decode", "scenes": "ref_decode"}
GOALS = {"keyframes": 1.3, "fps=2": 0.8}

CHOOSE_BASE = ("720p", "30s")
CHOOSE_RATES = (0.5, 1.0, 2.0, 4.0)
CHOOSE_EXTRA = ("keyframes", "scenes")
# Trims, in frames, of the re-encodes cut from the original: every 4 frames
# over a second, so the offsets fall evenly within the 0.25 s, 0.5 s and 1 s
# sampling bins (modulo 15 frames they are 2, 6, 10, 14, 3, 7, 11, 0).
CHOOSE_TRIMS = (2, 6, 10, 14, 18, 22, 26, 30)
TELEGRAM_HEIGHT = 270
TELEGRAM_ARGS = [
    "-c:v", "libx264", "-preset", "medium", "-crf", "28", "-g", "47", "-bf", "3",
    "-pix_fmt", "yuv420p", "-c:a", "aac", "-b:a", "48k", "-ar", "48000",
    "-movflags", "+faststart",
]  # fmt: skip
MATCH_WINDOW_S = 0.5


# --------------------------------------------------------------------------- inputs


@dataclasses.dataclass(frozen=True)
class ClipSpec:
    """One generated benchmark clip."""

    resolution: str
    duration: str
    vfr: bool

    @property
    def size(self) -> tuple[int, int]:
        return RESOLUTIONS[self.resolution]

    @property
    def seconds(self) -> int:
        return DURATIONS[self.duration]

    @property
    def name(self) -> str:
        return f"{self.resolution}_{self.duration}_{'vfr' if self.vfr else 'cfr'}.mp4"

    @property
    def cfr(self) -> ClipSpec:
        return dataclasses.replace(self, vfr=False)


def clip_specs(quick: bool) -> list[ClipSpec]:
    """The clips to measure: 30 s ones only with ``quick``."""
    durations = ["30s"] if quick else list(DURATIONS)
    return [
        ClipSpec(resolution, duration, vfr)
        for duration in durations
        for resolution in RESOLUTIONS
        for vfr in (False, True)
    ]


def ffmpeg_argv(ffmpeg: str, *args: str) -> list[str]:
    """An ffmpeg command line that overwrites its output and only logs errors."""
    return [ffmpeg, "-hide_banner", "-nostdin", "-v", "error", "-y", *args]


def make_cfr(ffmpeg: str, spec: ClipSpec, target: Path) -> bool:
    """Encode a constant-rate montage clip unless ``target`` exists; True if made now.

    The picture is the samples' montage (mandelbrot zoom, testsrc2, life,
    gradients; a hard cut every few seconds) with temporal noise on top.
    """
    if target.is_file() and target.stat().st_size > 0:
        return False
    graph = make_samples.source_graph(
        "montage", spec.seconds, size=spec.size, fps=FPS, shot_seconds=SHOT_SECONDS,
        post_filter=NOISE,
    )  # fmt: skip
    partial = atomic_output(target)
    argv = ffmpeg_argv(
        ffmpeg, "-filter_complex", graph, "-map", "[v]", "-map", "[a]", *ENCODE_ARGS,
        "-f", "mp4", str(partial),
    )  # fmt: skip
    run_checked(argv, f"encoding {target.name}")
    partial.replace(target)
    return True


def make_vfr(ffmpeg: str, source: Path, target: Path) -> bool:
    """Copy ``source`` with variable timestamps (see `VFR_BSF`); True if made now."""
    if target.is_file() and target.stat().st_size > 0:
        return False
    partial = atomic_output(target)
    argv = ffmpeg_argv(
        ffmpeg, "-i", str(source), "-map", "0", "-c", "copy", "-bsf:v", VFR_BSF,
        "-f", "mp4", str(partial),
    )  # fmt: skip
    run_checked(argv, f"writing {target.name}")
    partial.replace(target)
    return True


def make_warmup(ffmpeg: str, target: Path) -> bool:
    """A 2 s 320x180 clip the measuring children warm up on; True if made now."""
    if target.is_file() and target.stat().st_size > 0:
        return False
    partial = atomic_output(target)
    argv = ffmpeg_argv(
        ffmpeg, "-f", "lavfi", "-i", f"testsrc2=size=320x180:rate={FPS}:duration=2",
        "-c:v", "libx264", "-preset", "veryfast", "-g", str(FPS), "-pix_fmt", "yuv420p",
        "-f", "mp4", str(partial),
    )  # fmt: skip
    run_checked(argv, "encoding the warm-up clip")
    partial.replace(target)
    return True


def make_telegram_copy(ffmpeg: str, source: Path, target: Path, trim_frames: int) -> bool:
    """A Telegram-like re-encode of ``source`` starting ``trim_frames`` in; True if made now.

    Timestamps restart at zero, so frame ``t`` of the copy shows what the
    original shows at ``t + trim_frames / FPS``.
    """
    if target.is_file() and target.stat().st_size > 0:
        return False
    partial = atomic_output(target)
    video = f"trim=start_frame={trim_frames},setpts=PTS-STARTPTS,scale=-2:{TELEGRAM_HEIGHT}"
    audio = f"atrim=start={trim_frames / FPS:.6f},asetpts=PTS-STARTPTS"
    argv = ffmpeg_argv(
        ffmpeg, "-i", str(source), "-map", "0:v:0", "-map", "0:a:0",
        "-vf", video, "-af", audio, *TELEGRAM_ARGS, "-f", "mp4", str(partial),
    )  # fmt: skip
    run_checked(argv, f"re-encoding {target.name}")
    partial.replace(target)
    return True


def probe_timing(ffprobe: str, path: Path) -> dict[str, Any]:
    """Frame rates as ffprobe reports them and the spread of frame durations."""
    argv = [
        ffprobe, "-v", "error", "-select_streams", "v:0", "-print_format", "json",
        "-show_entries", "stream=r_frame_rate,avg_frame_rate,time_base,nb_frames",
        "-show_entries", "packet=pts", str(path),
    ]  # fmt: skip
    doc = json.loads(run_checked(argv, f"ffprobe {path.name}").stdout)
    stream = doc["streams"][0]
    base = Fraction(stream["time_base"])
    pts = sorted(int(p["pts"]) for p in doc.get("packets", []) if "pts" in p)
    steps = [float((b - a) * base) for a, b in itertools.pairwise(pts)]
    return {
        "r_frame_rate": stream["r_frame_rate"],
        "avg_frame_rate": stream["avg_frame_rate"],
        "frames": len(pts),
        "frame_duration_ms": {
            "min": round(min(steps) * 1000, 2) if steps else None,
            "max": round(max(steps) * 1000, 2) if steps else None,
            "distinct": len(set(steps)),
        },
    }


def is_vfr(timing: dict[str, Any]) -> bool:
    """ffprobe's two rates disagree, or the frame durations vary."""
    durations = timing["frame_duration_ms"]
    rates_differ = Fraction(timing["r_frame_rate"]) != Fraction(timing["avg_frame_rate"])
    return rates_differ or durations["min"] != durations["max"]


def timed(generation: dict[str, Any], name: str, make: Any, *args: Any) -> None:
    """Call ``make(*args)`` and note how long it took and whether it wrote the file."""
    start = time.perf_counter()
    made = make(*args)
    generation[name] = {"seconds": round(time.perf_counter() - start, 2), "generated": made}


def prepare_clips(
    ffmpeg: str, ffprobe: str, workdir: Path, specs: Sequence[ClipSpec]
) -> tuple[dict[ClipSpec, Path], dict[str, dict[str, Any]], dict[str, Any]]:
    """Create (or reuse) the clips; return their paths, ffprobe timing and generation times."""
    workdir.mkdir(parents=True, exist_ok=True)
    generation: dict[str, Any] = {}
    paths: dict[ClipSpec, Path] = {}
    timing: dict[str, dict[str, Any]] = {}
    timed(generation, "warmup.mp4", make_warmup, ffmpeg, workdir / "warmup.mp4")
    for spec in specs:
        cfr = workdir / spec.cfr.name
        if cfr.name not in generation:
            progress(f"generating {cfr.name}" if not cfr.is_file() else f"reusing {cfr.name}")
            timed(generation, cfr.name, make_cfr, ffmpeg, spec.cfr, cfr)
        path = workdir / spec.name
        if spec.vfr:
            timed(generation, spec.name, make_vfr, ffmpeg, cfr, path)
        paths[spec] = path
        timing[spec.name] = probe_timing(ffprobe, path)
        if spec.vfr and not is_vfr(timing[spec.name]):
            raise BenchError(f"{spec.name} came out with constant timestamps: {timing[spec.name]}")
    return paths, timing, generation


# --------------------------------------------------------------------------- measuring


def progress(message: str) -> None:
    """A progress line on stderr: full runs take minutes."""
    print(f"bench_hash: {message}", file=sys.stderr, flush=True)


@dataclasses.dataclass(frozen=True)
class OurRun:
    """One measuring child: in-process time of one `fingerprint_video` call and peaks."""

    seconds: float
    frames: int
    notes: tuple[str, ...]
    wall_s: float  # the whole child, start-up and warm-up included
    max_rss_mb: float  # os.wait4: max of the child and its reaped children
    python_rss_mb: float  # the child's own peak
    children_rss_mb: float  # the largest peak among its ffprobe/ffmpeg runs

    def to_dict(self) -> dict[str, Any]:
        return {
            "seconds": round(self.seconds, 4),
            "frames": self.frames,
            "wall_s": round(self.wall_s, 4),
            "max_rss_mb": round(self.max_rss_mb, 1),
            "python_rss_mb": round(self.python_rss_mb, 1),
            "children_rss_mb": round(self.children_rss_mb, 1),
            "notes": list(self.notes),
        }


def summarise_ours(runs: Sequence[OurRun]) -> dict[str, Any]:
    """Median time and the highest peaks over repeated runs."""
    return {
        "median_s": round(statistics.median(r.seconds for r in runs), 4),
        "frames": runs[0].frames,
        "peak_rss_mb": round(max(r.max_rss_mb for r in runs), 1),
        "python_plus_ffmpeg_rss_mb": round(
            max(r.python_rss_mb + r.children_rss_mb for r in runs), 1
        ),
        "runs": [r.to_dict() for r in runs],
    }


def worker_argv(sampling: str, warmup: Path, path: Path) -> list[str]:
    """The measuring child for one file in one sampling mode."""
    return [sys.executable, str(Path(__file__).resolve()), WORKER, sampling, str(warmup), str(path)]


def run_ours(sampling: str, warmup: Path, path: Path) -> OurRun:
    """Run one measuring child; raise `BenchError` unless it reported a time."""
    run = run_checked(worker_argv(sampling, warmup, path), f"fingerprint {sampling} {path.name}")
    try:
        report = json.loads(run.stdout)
    except json.JSONDecodeError as exc:
        raise BenchError(f"measuring child for {path.name} printed invalid JSON: {exc}") from exc
    return OurRun(
        seconds=report["seconds"],
        frames=report["frames"],
        notes=tuple(report["notes"]),
        wall_s=run.wall_s,
        max_rss_mb=run.max_rss_mb,
        python_rss_mb=report["python_rss_kib"] * 1024 / MB,
        children_rss_mb=report["children_rss_kib"] * 1024 / MB,
    )


def worker_main(argv: Sequence[str]) -> int:
    """The measuring child: warm up, time one `fingerprint_video`, print JSON.

    ``argv`` is ``SAMPLING WARMUP_CLIP FILE``. Imports happened at module
    load; the warm-up call fills the remaining lazy caches (tool lookup,
    first use of opencv and imagehash) so only the file's own cost is timed.
    """
    sampling, warmup, path = argv
    fingerprint_video(warmup, sampling)
    start = time.perf_counter()
    fingerprint = fingerprint_video(path, sampling)
    seconds = time.perf_counter() - start
    print(
        json.dumps(
            {
                "seconds": seconds,
                "frames": len(fingerprint.frames),
                "notes": list(fingerprint.notes),
                "python_rss_kib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
                "children_rss_kib": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss,
            }
        )
    )
    return 0


def reference_argvs(ffmpeg: str, path: Path) -> dict[str, list[str]]:
    """The plain ffmpeg decodes we compare against."""
    return {
        "ref_nokey": [
            ffmpeg, "-v", "error", "-nostdin", "-skip_frame", "nokey", "-i", str(path),
            "-f", "null", "-",
        ],
        "ref_decode": [ffmpeg, "-v", "error", "-nostdin", "-i", str(path), "-f", "null", "-"],
    }  # fmt: skip


def breakdown_argvs(ffprobe: str, spec: ClipSpec, path: Path) -> dict[str, list[str]]:
    """The parts of a fingerprint run on their own: our ffmpeg command lines and the probe."""
    argvs = {}
    for mode in MODES:
        sampling = Sampling.parse(mode)
        dense = HASH.scene_scan_fps if sampling.mode == "scenes" else None
        command = decoder_command(path, sampling, HASH.working_long_side, dense_rate=dense)
        argvs[f"ffmpeg_{mode}"] = [os.fsdecode(arg) for arg in command]
    argvs["ffprobe"] = [
        ffprobe, "-v", "error", "-hide_banner", "-print_format", "json",
        "-show_format", "-show_streams", "-show_chapters", "-show_error", str(path),
    ]  # fmt: skip
    return argvs


def time_sha256(path: Path) -> float:
    """Seconds to SHA-256 ``path`` in this process, as `fingerprint_video` does."""
    start = time.perf_counter()
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while chunk := handle.read(INSPECT.hash_chunk_bytes):
            digest.update(chunk)
    return time.perf_counter() - start


def measure_clip(
    ffmpeg: str,
    ffprobe: str,
    spec: ClipSpec,
    path: Path,
    warmup: Path,
    repeat: int,
    breakdown: bool,
) -> dict[str, Any]:
    """Time our three modes and the references on one clip, interleaved per repeat.

    Interleaving (reference, ours, reference, ours, ...) spreads any drift
    in machine load evenly over the commands.
    """
    warm_page_cache(path)
    refs = reference_argvs(ffmpeg, path)
    parts = breakdown_argvs(ffprobe, spec, path) if breakdown else {}
    samples = {name: Samples() for name in [*refs, *parts]}
    ours: dict[str, list[OurRun]] = {mode: [] for mode in MODES}
    sha_times: list[float] = []
    for _ in range(repeat):
        samples["ref_nokey"].runs.append(run_checked(refs["ref_nokey"], f"nokey {path.name}"))
        ours["keyframes"].append(run_ours("keyframes", warmup, path))
        samples["ref_decode"].runs.append(run_checked(refs["ref_decode"], f"decode {path.name}"))
        ours["fps=2"].append(run_ours("fps=2", warmup, path))
        ours["scenes"].append(run_ours("scenes", warmup, path))
        for name, argv in parts.items():
            samples[name].runs.append(run_checked(argv, f"{name} {path.name}"))
        if breakdown:
            sha_times.append(time_sha256(path))
    result: dict[str, Any] = {
        "file": spec.name,
        "size_bytes": path.stat().st_size,
        "references": {name: samples[name].to_dict() for name in refs},
        "ours": {mode: summarise_ours(runs) for mode, runs in ours.items()},
        "ratios": {},
    }
    for mode in MODES:
        ref_s = samples[REFERENCE_FOR[mode]].median_wall_s
        ours_s = result["ours"][mode]["median_s"]
        result["ratios"][mode] = round(ours_s / ref_s, 3) if ref_s > 0 else None
    result["peak_rss_mb"] = max(result["ours"][m]["peak_rss_mb"] for m in MODES)
    result["python_plus_ffmpeg_rss_mb"] = max(
        result["ours"][m]["python_plus_ffmpeg_rss_mb"] for m in MODES
    )
    if breakdown:
        result["breakdown"] = {name: samples[name].to_dict() for name in parts}
        result["breakdown"]["sha256_in_process"] = {
            "median_wall_s": round(statistics.median(sha_times), 4)
        }
    return result


def measure_single_call(paths: Sequence[Path], repeat: int) -> dict[str, Any]:
    """One ``verify hash ALL --sample keyframes --json`` call over every clip."""
    argv = [verify_exe(), "hash", *map(str, paths), "--sample", "keyframes", "--json"]
    for path in paths:
        warm_page_cache(path)
    runs: list[Run] = []
    for index in range(repeat + 1):  # the first run is untimed: it warms the caches
        run = run_checked(argv, "verify hash over all clips")
        documents = json.loads(run.stdout)
        if not isinstance(documents, list) or len(documents) != len(paths):
            raise BenchError("verify hash over all clips did not report one entry per file")
        if not all(doc.get("ok") for doc in documents):
            raise BenchError("verify hash over all clips reported a failure")
        if index:
            runs.append(run)
    return Samples(runs).to_dict()


# --------------------------------------------------------------------------- choosing N


@dataclasses.dataclass(frozen=True)
class Pairing:
    """Original frames paired with the nearest re-encode frame in content time."""

    gaps: list[float]
    distances: list[int]
    matched: int

    @property
    def count(self) -> int:
        return len(self.gaps)


def pair_frames(
    original: Sequence[HashedFrame], copy: Sequence[HashedFrame], offset: float
) -> Pairing:
    """Pair each original frame with the copy's frame nearest in content time.

    Copy frame ``t`` shows the original's ``t + offset``. Original frames
    outside the stretch the copy covers are left out. An original frame is
    matched when some copy frame within `MATCH_WINDOW_S` is within
    ``MATCH_DISTANCE`` pHash bits of it.
    """
    if not copy:
        return Pairing([], [], 0)
    times = [frame.time + offset for frame in copy]
    first, last = times[0], times[-1]
    gaps: list[float] = []
    distances: list[int] = []
    matched = 0
    for frame in original:
        if not first - 1e-6 <= frame.time <= last + 1e-6:
            continue
        index = bisect.bisect_left(times, frame.time)
        near = [i for i in (index - 1, index) if 0 <= i < len(times)]
        best = min(near, key=lambda i: abs(times[i] - frame.time))
        gaps.append(abs(times[best] - frame.time))
        distances.append(frame.phash - copy[best].phash)
        low = bisect.bisect_left(times, frame.time - MATCH_WINDOW_S - 1e-9)
        high = bisect.bisect_right(times, frame.time + MATCH_WINDOW_S + 1e-9)
        if any(frame.phash - copy[i].phash <= MATCH.match_distance for i in range(low, high)):
            matched += 1
    return Pairing(gaps, distances, matched)


def shot_kind(time_s: float) -> str:
    """Which montage shot (see `make_samples.source_graph`) shows at ``time_s``."""
    montage = make_samples.MONTAGE
    return montage[int(time_s // SHOT_SECONDS) % len(montage)]


def matched_by_shot(
    original: Sequence[HashedFrame], copies: Sequence[tuple[Sequence[HashedFrame], float]]
) -> dict[str, float | None]:
    """Matched fraction per montage shot kind, pooled over ``(copy frames, offset)`` pairs."""
    fractions: dict[str, float | None] = {}
    for kind in make_samples.MONTAGE:
        frames = [frame for frame in original if shot_kind(frame.time) == kind]
        pairings = [pair_frames(frames, copy, offset) for copy, offset in copies]
        count = sum(p.count for p in pairings)
        fractions[kind] = round(sum(p.matched for p in pairings) / count, 4) if count else None
    return fractions


def pairing_row(pairings: Sequence[Pairing]) -> dict[str, Any]:
    """Pooled statistics over one or more pairings."""
    gaps = [g for p in pairings for g in p.gaps]
    distances = [d for p in pairings for d in p.distances]
    count = len(gaps)
    matched = sum(p.matched for p in pairings)
    return {
        "pairs": count,
        "gap_mean_s": round(statistics.fmean(gaps), 4) if gaps else None,
        "gap_max_s": round(max(gaps), 4) if gaps else None,
        "phash_mean": round(statistics.fmean(distances), 2) if distances else None,
        "phash_max": max(distances) if distances else None,
        "matched_fraction": round(matched / count, 4) if count else None,
    }


def choose_n(
    ffmpeg: str, workdir: Path, base: Path, warmup: Path, repeat: int
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Section 2: how well fps=N (and keyframes, scenes) pairs a clip with its re-encodes."""
    generation: dict[str, Any] = {}
    copies: dict[int, Path] = {}
    for trim in (0, *CHOOSE_TRIMS):
        target = workdir / f"{base.stem}_telegram_trim{trim}.mp4"
        timed(generation, target.name, make_telegram_copy, ffmpeg, base, target, trim)
        copies[trim] = target
    samplings = [f"fps={rate:g}" for rate in CHOOSE_RATES] + list(CHOOSE_EXTRA)
    fingerprint_video(warmup, "fps=2")  # this process is the measuring one here
    warm_page_cache(base)
    rows: list[dict[str, Any]] = []
    for sampling in samplings:
        progress(f"choosing N: {sampling}")
        seconds: list[float] = []
        original: VideoFingerprint | None = None
        for _ in range(repeat):
            start = time.perf_counter()
            original = fingerprint_video(base, sampling)
            seconds.append(time.perf_counter() - start)
        assert original is not None
        frames = original.usable_frames
        copy_frames = {
            trim: fingerprint_video(path, sampling).usable_frames for trim, path in copies.items()
        }
        pairings = {
            trim: pair_frames(frames, copy, trim / FPS) for trim, copy in copy_frames.items()
        }
        time_s = round(statistics.median(seconds), 4)
        common = {"sampling": sampling, "frames": len(original.frames), "seconds": time_s}
        groups = {"same timeline": [0], f"trimmed x{len(CHOOSE_TRIMS)}": list(CHOOSE_TRIMS)}
        for label, trims in groups.items():
            by_shot = matched_by_shot(frames, [(copy_frames[t], t / FPS) for t in trims])
            row = pairing_row([pairings[t] for t in trims])
            rows.append({"copy": label, **common, **row, "matched_by_shot": by_shot})
    report = {
        "base": base.name,
        "copies": {str(trim): path.name for trim, path in copies.items()},
        "trim_offsets_s": [round(trim / FPS, 4) for trim in CHOOSE_TRIMS],
        "match_distance": MATCH.match_distance,
        "match_window_s": MATCH_WINDOW_S,
        "rows": sorted(rows, key=lambda row: row["copy"] != "same timeline"),
    }
    return report, generation


# --------------------------------------------------------------------------- reporting


def ratio_text(value: float | None) -> str:
    return f"{value:.2f}" if value is not None else "n/a"


def format_clips(
    results: Sequence[dict[str, Any]], timing: dict[str, dict[str, Any]], repeat: int
) -> list[str]:
    """Section 1 table: one row per clip, then the goal verdicts."""
    header = (
        f"{'clip':<18} {'MB':>6} {'frames':>6} | {'key s':>6} {'nokey s':>7} {'ratio':>5} | "
        f"{'fps2 s':>6} {'decode s':>8} {'ratio':>5} | {'scn s':>6} {'ratio':>5} | "
        f"{'RSS MB':>6} {'py+ff MB':>8}"
    )
    lines = [
        f"Section 1: fingerprint_video in-process time / plain ffmpeg decode "
        f"(median of {repeat} runs; RSS = highest peak over all modes and runs)",
        header,
        "-" * len(header),
    ]
    for item in results:
        ours, refs, ratios = item["ours"], item["references"], item["ratios"]
        lines.append(
            f"{item['file']:<18} {item['size_bytes'] / MB:>6.1f} "
            f"{timing[item['file']]['frames']:>6} | "
            f"{ours['keyframes']['median_s']:>6.3f} {refs['ref_nokey']['median_wall_s']:>7.3f} "
            f"{ratio_text(ratios['keyframes']):>5} | "
            f"{ours['fps=2']['median_s']:>6.3f} {refs['ref_decode']['median_wall_s']:>8.3f} "
            f"{ratio_text(ratios['fps=2']):>5} | "
            f"{ours['scenes']['median_s']:>6.3f} {ratio_text(ratios['scenes']):>5} | "
            f"{item['peak_rss_mb']:>6.1f} {item['python_plus_ffmpeg_rss_mb']:>8.1f}"
        )
    lines.append("")
    for mode, goal in GOALS.items():
        met = [r["file"] for r in results if (r["ratios"][mode] or math.inf) <= goal]
        missed = [r["file"] for r in results if r["file"] not in met]
        verdict = f"met on {len(met)}/{len(results)} clips"
        if missed:
            verdict += f"; missed on {', '.join(missed)}"
        ref = "nokey" if mode == "keyframes" else "decode"
        lines.append(f"goal {mode} / {ref} <= {goal}: {verdict}")
    lines.append(
        "RSS MB: os.wait4 peak of the measuring child (max of Python and its ffmpeg); "
        "py+ff MB: Python's peak + ffmpeg's peak (bound on both together)"
    )
    for item in results:
        info = timing[item["file"]]
        if item["file"].endswith("_vfr.mp4"):
            durations = info["frame_duration_ms"]
            lines.append(
                f"{item['file']}: r_frame_rate {info['r_frame_rate']}, avg_frame_rate "
                f"{float(Fraction(info['avg_frame_rate'])):.3f}, frame durations "
                f"{durations['min']:.1f}-{durations['max']:.1f} ms "
                f"({durations['distinct']} distinct)"
            )
    return lines


def format_breakdown(results: Sequence[dict[str, Any]]) -> list[str]:
    """Where the time goes: our run next to its parts timed on their own."""
    header = (
        f"{'clip':<18} {'mode':<9} {'ours s':>7} {'ffmpeg s':>8} {'ffprobe s':>9} "
        f"{'sha256 s':>8} {'rest s':>7} {'ref s':>6}"
    )
    lines = [
        "Breakdown: our exact ffmpeg command alone (output to a file), the ffprobe probe, "
        "SHA-256 in-process (runs beside ffmpeg); rest = ours - ffmpeg - ffprobe",
        header,
        "-" * len(header),
    ]
    for item in results:
        parts = item["breakdown"]
        probe_s = parts["ffprobe"]["median_wall_s"]
        sha_s = parts["sha256_in_process"]["median_wall_s"]
        for mode in MODES:
            ours_s = item["ours"][mode]["median_s"]
            ffmpeg_s = parts[f"ffmpeg_{mode}"]["median_wall_s"]
            ref_s = item["references"][REFERENCE_FOR[mode]]["median_wall_s"]
            lines.append(
                f"{item['file']:<18} {mode:<9} {ours_s:>7.3f} {ffmpeg_s:>8.3f} {probe_s:>9.3f} "
                f"{sha_s:>8.3f} {ours_s - ffmpeg_s - probe_s:>7.3f} {ref_s:>6.3f}"
            )
    return lines


def format_single_call(single: dict[str, Any], startup: dict[str, Any]) -> list[str]:
    """The one-call-over-all-clips line."""
    return [
        f"verify hash <{single['files']} clips> --sample keyframes --json, one call: "
        f"{single['call']['median_wall_s']:.3f} s "
        f"(peak RSS {single['call']['peak_rss_mb']:.1f} MB)",
        f"  sum of per-file ffmpeg -skip_frame nokey: {single['sum_ref_nokey_s']:.3f} s  "
        f"-> ratio {ratio_text(single['ratio_over_sum_ref_nokey'])}",
        f"  sum of in-process keyframes times: {single['sum_ours_keyframes_s']:.3f} s; "
        f"the call's extra {single['call_minus_ours_s']:.3f} s is paid once "
        f"(verify --help start-up alone: {startup['median_wall_s']:.3f} s)",
    ]


def format_choose(report: dict[str, Any]) -> list[str]:
    """Section 2 table."""
    header = (
        f"{'copy':<14} {'sampling':<9} {'frames':>6} {'pairs':>5} {'gap mean':>8} "
        f"{'gap max':>7} {'pHash mean':>10} {'pHash max':>9} {'matched':>8} {'s/video':>7}"
    )
    offsets = ", ".join(f"{o:.3f}" for o in report["trim_offsets_s"])
    lines = [
        f"Section 2: choosing the default N on {report['base']} vs Telegram-like re-encodes "
        "(270p, CRF 28, -g 47 -bf 3)",
        f"  same timeline: frames at the same times; trimmed: cut {offsets} s in, "
        "compared in content time (pooled)",
        f"  pairs: each original frame with the re-encode frame nearest in time; matched: some "
        f"re-encode frame within {report['match_window_s']:g} s and "
        f"<= {report['match_distance']} pHash bits",
        f"  frames and s/video: the original ({report['base']}), in-process, median",
        header,
        "-" * len(header),
    ]
    for row in report["rows"]:
        if row["pairs"] == 0:
            lines.append(f"{row['copy']:<14} {row['sampling']:<9} {row['frames']:>6}     0")
            continue
        lines.append(
            f"{row['copy']:<14} {row['sampling']:<9} {row['frames']:>6} {row['pairs']:>5} "
            f"{row['gap_mean_s']:>8.3f} {row['gap_max_s']:>7.3f} {row['phash_mean']:>10.2f} "
            f"{row['phash_max']:>9} {row['matched_fraction'] * 100:>7.1f}% {row['seconds']:>7.3f}"
        )
    kinds = list(make_samples.MONTAGE)
    header = f"{'copy':<14} {'sampling':<9} " + " ".join(f"{kind:>10}" for kind in kinds)
    lines += [
        "",
        "  matched by shot kind (mandelbrot: slow zoom; testsrc2, gradients: objects crossing "
        "the frame; life: a new generation every 0.1 s)",
        header,
        "-" * len(header),
    ]
    for row in report["rows"]:
        cells = [row["matched_by_shot"][kind] for kind in kinds]
        text = " ".join(f"{c * 100:>9.1f}%" if c is not None else f"{'n/a':>10}" for c in cells)
        lines.append(f"{row['copy']:<14} {row['sampling']:<9} {text}")
    return lines


def format_generation(generation: dict[str, Any]) -> str:
    total = sum(info["seconds"] for info in generation.values())
    made = [name for name, info in generation.items() if info["generated"]]
    return (
        f"generation: {total:.1f} s ({len(made)} file(s) generated, "
        f"{len(generation) - len(made)} reused)"
    )


# --------------------------------------------------------------------------- main


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--workdir", type=Path, default=DEFAULT_WORKDIR, help="where generated files go"
    )
    parser.add_argument("--repeat", type=int, default=3, help="runs per command (median)")
    parser.add_argument("--quick", action="store_true", help="only the 30 s clips")
    parser.add_argument(
        "--breakdown", action="store_true", help="also time the parts of a run on their own"
    )
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    parser.add_argument("--json-out", type=Path, help="also write the figures as JSON to this file")
    args = parser.parse_args(argv)
    if args.repeat < 1:
        parser.error("--repeat must be at least 1")
    return args


def main(argv: Sequence[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    if argv[:1] == [WORKER]:
        return worker_main(argv[1:])
    args = parse_args(argv)
    started = time.perf_counter()
    try:
        ffmpeg = find_tool("ffmpeg").path
        ffprobe = find_tool("ffprobe").path
        specs = clip_specs(args.quick)
        paths, timing, generation = prepare_clips(ffmpeg, ffprobe, args.workdir, specs)
        warmup = args.workdir / "warmup.mp4"
        results = []
        for number, spec in enumerate(specs, 1):
            progress(f"[{number}/{len(specs)}] measuring {spec.name}")
            results.append(
                measure_clip(
                    ffmpeg, ffprobe, spec, paths[spec], warmup, args.repeat, args.breakdown
                )
            )
        progress("one verify hash call over all clips")
        call = measure_single_call(list(paths.values()), args.repeat)
        startup = measure_startup(args.repeat)
        sum_ref = sum(r["references"]["ref_nokey"]["median_wall_s"] for r in results)
        sum_ours = sum(r["ours"]["keyframes"]["median_s"] for r in results)
        single = {
            "files": len(paths),
            "call": call,
            "sum_ref_nokey_s": round(sum_ref, 4),
            "ratio_over_sum_ref_nokey": round(call["median_wall_s"] / sum_ref, 3),
            "sum_ours_keyframes_s": round(sum_ours, 4),
            "call_minus_ours_s": round(call["median_wall_s"] - sum_ours, 4),
        }
        base = paths[ClipSpec(*CHOOSE_BASE, vfr=False)]
        choose, choose_generation = choose_n(ffmpeg, args.workdir, base, warmup, args.repeat)
        generation.update(choose_generation)
    except BenchError as exc:
        print(f"bench_hash: {exc}", file=sys.stderr)
        return 1
    total_s = round(time.perf_counter() - started, 1)
    doc = {
        "repeat": args.repeat,
        "quick": args.quick,
        "total_s": total_s,
        "generation": generation,
        "clip_timing": timing,
        "clips": results,
        "single_call": single,
        "startup_verify_help": startup,
        "goals": GOALS,
        "choose_n": choose,
    }
    if args.json_out:
        args.json_out.write_text(json.dumps(doc, indent=2) + "\n")
    if args.json:
        print(json.dumps(doc, indent=2))
        return 0
    lines = format_clips(results, timing, args.repeat)
    lines += ["", *format_single_call(single, startup)]
    if args.breakdown:
        lines += ["", *format_breakdown(results)]
    lines += ["", *format_choose(choose), "", format_generation(generation)]
    lines.append(f"total run time: {total_s:.1f} s (generation included)")
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
