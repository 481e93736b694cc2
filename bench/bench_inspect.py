"""Benchmark `verify inspect`: memory must stay flat in file size, speed is relative.

The script generates a short clip and a >= 1 GiB video made by looping that
clip without re-encoding, then times ``verify inspect FILE --json`` on both
next to two references measured in the same run on the same files:

* ``sha256sum FILE``: one sequential read plus SHA-256, the floor for any tool
  that hashes the whole file (``verify`` hashes with SHA-256 *and* MD5);
* ``ffprobe ... -show_format -show_streams FILE``: the header probe that
  ``verify`` runs internally.

Times are medians over ``--repeat`` runs and are reported as ratios, never
asserted, since absolute figures depend on the machine. Peak RSS comes from
``os.wait4``, which returns the rusage of the measured child; on Linux its
``ru_maxrss`` (KiB) also covers the child's own children once they have been
reaped, so the ffprobe that ``verify`` starts is included.

Usage::

    .venv/bin/python bench/bench_inspect.py [--size-gb 1.0] [--repeat 3]
        [--workdir bench/out] [--faststart] [--json]

Exit status is 0 unless a command failed to run (1).
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import math
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from verify import find_tool

GIB = 1 << 30
MB = 1_000_000
RSS_GOAL_MB = 200.0
DEFAULT_WORKDIR = Path(__file__).resolve().parent / "out"
CLIP_SECONDS = 10
# Lossless x264 (qp 0) on testsrc2 gives ~20 MB per 10 s of real coded data
# (no filler NAL units), so ~50 stream copies reach 1 GiB in a few seconds.
CLIP_ENCODE_ARGS = [
    "-c:v", "libx264", "-preset", "ultrafast", "-qp", "0", "-pix_fmt", "yuv420p",
    "-c:a", "aac", "-b:a", "128k",
]  # fmt: skip
READ_CHUNK = 1 << 20


class BenchError(Exception):
    """A command the benchmark depends on failed; the message says which and why."""


@dataclasses.dataclass(frozen=True)
class Run:
    """One finished subprocess: wall time, peak RSS and its output."""

    wall_s: float
    max_rss_kib: int
    returncode: int
    stdout: bytes
    stderr: bytes

    @property
    def max_rss_mb(self) -> float:
        return self.max_rss_kib * 1024 / MB


@dataclasses.dataclass
class Samples:
    """Repeated runs of one command on one file."""

    runs: list[Run] = dataclasses.field(default_factory=list)

    @property
    def median_wall_s(self) -> float:
        return statistics.median(run.wall_s for run in self.runs)

    @property
    def peak_rss_mb(self) -> float:
        """The highest peak over all runs: the conservative figure for a memory goal."""
        return max(run.max_rss_mb for run in self.runs)

    def to_dict(self) -> dict[str, Any]:
        return {
            "median_wall_s": round(self.median_wall_s, 4),
            "peak_rss_mb": round(self.peak_rss_mb, 1),
            "wall_s": [round(run.wall_s, 4) for run in self.runs],
            "max_rss_mb": [round(run.max_rss_mb, 1) for run in self.runs],
        }


# --------------------------------------------------------------------------- running


def run_measured(argv: Sequence[str]) -> Run:
    """Run ``argv`` to completion; return its wall time, peak RSS, status and output.

    Output goes to temporary files rather than pipes so that ``os.wait4`` can
    reap the child directly (and hand back its rusage) without a pipe filling up.
    """
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        start = time.perf_counter()
        try:
            proc = subprocess.Popen(list(argv), stdin=subprocess.DEVNULL, stdout=out, stderr=err)
        except OSError as exc:
            raise BenchError(f"cannot run {argv[0]}: {exc}") from exc
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - start
        proc.returncode = os.waitstatus_to_exitcode(status)  # tell Popen it is reaped
        out.seek(0)
        err.seek(0)
        return Run(wall, usage.ru_maxrss, proc.returncode, out.read(), err.read())


def run_checked(argv: Sequence[str], what: str) -> Run:
    """`run_measured`, raising `BenchError` with the command's stderr if it fails."""
    run = run_measured(argv)
    if run.returncode != 0:
        stderr = run.stderr.decode("utf-8", "replace").strip()
        raise BenchError(f"{what} failed with exit code {run.returncode}:\n{stderr}")
    return run


def warm_page_cache(path: Path) -> None:
    """Read ``path`` once, untimed, so every measured command finds it cached."""
    with open(path, "rb", buffering=0) as handle:
        buffer = bytearray(READ_CHUNK)
        while handle.readinto(buffer):
            pass


# --------------------------------------------------------------------------- inputs


def atomic_output(target: Path) -> Path:
    """A temporary name next to ``target``; rename it into place when complete.

    An interrupted run then never leaves a half-written file that a rerun
    would mistake for a finished one.
    """
    return target.with_name(f".{target.stem}.partial{target.suffix}")


def make_clip(ffmpeg: str, clip: Path) -> bool:
    """Encode the short test clip (video + audio) unless it exists; True if made now."""
    if clip.is_file() and clip.stat().st_size > 0:
        return False
    partial = atomic_output(clip)
    lavfi_video = f"testsrc2=size=1280x720:rate=30:duration={CLIP_SECONDS}"
    lavfi_audio = f"sine=frequency=440:sample_rate=48000:duration={CLIP_SECONDS}"
    argv = [
        ffmpeg, "-hide_banner", "-v", "error", "-y",
        "-f", "lavfi", "-i", lavfi_video, "-f", "lavfi", "-i", lavfi_audio,
        *CLIP_ENCODE_ARGS,
        "-metadata", "creation_time=2024-01-01T12:00:00Z",
        "-f", "mp4", str(partial),
    ]  # fmt: skip
    run_checked(argv, "encoding the test clip")
    partial.replace(clip)
    return True


def make_big(ffmpeg: str, clip: Path, big: Path, target_bytes: int) -> bool:
    """Loop ``clip`` by stream copy into ``big`` of at least ``target_bytes``.

    Reuses an existing ``big`` that is already large enough; returns True if
    the file was written now.
    """
    if big.is_file() and big.stat().st_size >= target_bytes:
        return False
    copies = math.ceil(target_bytes / clip.stat().st_size) + 1  # +1: container overhead
    partial = atomic_output(big)
    argv = [
        ffmpeg, "-hide_banner", "-v", "error", "-y",
        "-stream_loop", str(copies - 1), "-i", str(clip),
        "-map", "0", "-c", "copy", "-map_metadata", "0",
        "-f", "mp4", str(partial),
    ]  # fmt: skip
    run_checked(argv, "looping the clip into the big file")
    size = partial.stat().st_size
    if size < target_bytes:
        raise BenchError(f"looped file is {size} bytes, short of the {target_bytes} target")
    partial.replace(big)
    return True


def make_faststart(ffmpeg: str, source: Path, target: Path) -> bool:
    """Copy ``source`` with its moov index moved to the front; True if made now."""
    if target.is_file() and target.stat().st_size >= source.stat().st_size:
        return False
    partial = atomic_output(target)
    argv = [
        ffmpeg, "-hide_banner", "-v", "error", "-y", "-i", str(source),
        "-map", "0", "-c", "copy", "-map_metadata", "0", "-movflags", "+faststart",
        "-f", "mp4", str(partial),
    ]  # fmt: skip
    run_checked(argv, "writing the faststart copy")
    partial.replace(target)
    return True


def prepare_inputs(
    ffmpeg: str, workdir: Path, size_gb: float, faststart: bool
) -> tuple[list[Path], dict[str, Any]]:
    """Create (or reuse) the benchmark files; return them and generation timings."""
    workdir.mkdir(parents=True, exist_ok=True)
    clip, big = workdir / "clip.mp4", workdir / "big.mp4"
    timings: dict[str, Any] = {}

    start = time.perf_counter()
    made = make_clip(ffmpeg, clip)
    timings["clip"] = {"seconds": round(time.perf_counter() - start, 2), "generated": made}

    start = time.perf_counter()
    made = make_big(ffmpeg, clip, big, math.ceil(size_gb * GIB))
    timings["big"] = {"seconds": round(time.perf_counter() - start, 2), "generated": made}

    files = [clip, big]
    if faststart:
        fast = workdir / "big_faststart.mp4"
        start = time.perf_counter()
        made = make_faststart(ffmpeg, big, fast)
        timings["big_faststart"] = {
            "seconds": round(time.perf_counter() - start, 2),
            "generated": made,
        }
        files.append(fast)
    return files, timings


# --------------------------------------------------------------------------- measuring


def verify_exe() -> str:
    """The ``verify`` script next to this interpreter, else the one on PATH."""
    exe = Path(sys.executable).with_name("verify")
    if exe.is_file():
        return str(exe)
    found = shutil.which("verify")
    if found is None:
        raise BenchError("the verify command is not installed in this environment")
    return found


def verify_argv(path: Path) -> list[str]:
    """The command under test."""
    return [verify_exe(), "inspect", str(path), "--json"]


def check_verify_run(run: Run, path: Path) -> dict[str, Any]:
    """Raise `BenchError` unless ``verify inspect`` succeeded; return its JSON report."""
    if run.returncode != 0:
        stderr = run.stderr.decode("utf-8", "replace").strip()
        raise BenchError(
            f"verify inspect {path.name} failed with exit code {run.returncode}:\n{stderr}"
        )
    try:
        report = json.loads(run.stdout)
    except json.JSONDecodeError as exc:
        raise BenchError(f"verify inspect {path.name} printed invalid JSON: {exc}") from exc
    if not isinstance(report, dict):
        kind = type(report).__name__
        raise BenchError(f"verify inspect {path.name} printed a JSON {kind}, not a report")
    return report


def check_digest(report: dict[str, Any], sha_run: Run, path: Path) -> None:
    """Raise `BenchError` unless ``verify`` hashed the whole file: same SHA-256 and size.

    Guards the timings: a fast result that skipped part of the file is no result.
    """
    expected = sha_run.stdout.split(maxsplit=1)[0].decode("ascii", "replace")
    file_info = report.get("file") or {}
    got, size = file_info.get("sha256"), file_info.get("size")
    if got != expected or size != path.stat().st_size:
        raise BenchError(
            f"verify inspect {path.name} reports sha256={got} size={size}; "
            f"sha256sum says {expected}, stat says {path.stat().st_size}"
        )


def measure_file(path: Path, ffprobe: str, sha256sum: str, repeat: int) -> dict[str, Any]:
    """Time ``verify inspect`` and the references on one file, interleaved per repeat.

    Interleaving (ours, sha256sum, ffprobe, ours, ...) spreads any drift in
    machine load evenly over the three commands.
    """
    commands = {
        "verify": verify_argv(path),
        "sha256sum": [sha256sum, str(path)],
        "ffprobe": [
            ffprobe, "-v", "error", "-show_format", "-show_streams",
            "-print_format", "json", str(path),
        ],
    }  # fmt: skip
    warm_page_cache(path)
    samples = {name: Samples() for name in commands}
    for _ in range(repeat):
        for name, argv in commands.items():
            if name == "verify":
                run = run_measured(argv)
                check_verify_run(run, path)
            else:
                run = run_checked(argv, f"{name} {path.name}")
            samples[name].runs.append(run)
    report = check_verify_run(samples["verify"].runs[0], path)
    check_digest(report, samples["sha256sum"].runs[0], path)
    verify_s = samples["verify"].median_wall_s
    sha_s = samples["sha256sum"].median_wall_s
    return {
        "file": path.name,
        "size_bytes": path.stat().st_size,
        "commands": {name: sample.to_dict() for name, sample in samples.items()},
        "ratio_verify_over_sha256sum": round(verify_s / sha_s, 3) if sha_s > 0 else None,
    }


def measure_startup(repeat: int) -> dict[str, Any]:
    """``verify --help``: interpreter and import cost, the floor under every inspect."""
    argv = [verify_exe(), "--help"]
    samples = Samples([run_checked(argv, "verify --help") for _ in range(repeat)])
    return samples.to_dict()


# --------------------------------------------------------------------------- reporting


def summarise(results: list[dict[str, Any]]) -> dict[str, Any]:
    """The memory verdict: peak RSS of the largest file vs the goal, and big/small ratio."""
    small = min(results, key=lambda item: item["size_bytes"])
    big = max(results, key=lambda item: item["size_bytes"])
    small_rss = small["commands"]["verify"]["peak_rss_mb"]
    big_rss = big["commands"]["verify"]["peak_rss_mb"]
    return {
        "big_file": big["file"],
        "big_size_gib": round(big["size_bytes"] / GIB, 3),
        "big_peak_rss_mb": big_rss,
        "rss_goal_mb": RSS_GOAL_MB,
        "under_goal": big_rss < RSS_GOAL_MB,
        "rss_ratio_big_over_small": round(big_rss / small_rss, 3) if small_rss else None,
    }


def format_table(
    results: list[dict[str, Any]],
    summary: dict[str, Any],
    startup: dict[str, Any],
    generation: dict[str, Any],
    repeat: int,
) -> str:
    """Human-readable report: one row per file, then the memory verdict."""
    header = (
        f"{'file':<20} {'size':>9} {'verify s':>9} {'sha256 s':>9} {'ratio':>6} "
        f"{'ffprobe s':>9} {'verify RSS MB':>13} {'sha256 RSS MB':>13}"
    )
    lines = [f"verify inspect FILE --json  (median of {repeat} runs, peak RSS = max)", header]
    lines.append("-" * len(header))
    for item in results:
        cmds = item["commands"]
        size = item["size_bytes"]
        size_text = f"{size / GIB:.2f} GiB" if size >= GIB else f"{size / MB:.1f} MB"
        ratio = item["ratio_verify_over_sha256sum"]
        lines.append(
            f"{item['file']:<20} {size_text:>9} "
            f"{cmds['verify']['median_wall_s']:>9.3f} "
            f"{cmds['sha256sum']['median_wall_s']:>9.3f} "
            f"{(f'{ratio:.2f}x' if ratio is not None else 'n/a'):>6} "
            f"{cmds['ffprobe']['median_wall_s']:>9.3f} "
            f"{cmds['verify']['peak_rss_mb']:>13.1f} "
            f"{cmds['sha256sum']['peak_rss_mb']:>13.1f}"
        )
    lines.append("")
    lines.append(
        f"start-up floor (verify --help): {startup['median_wall_s']:.3f} s, "
        f"{startup['peak_rss_mb']:.1f} MB peak RSS"
    )
    verdict = "yes" if summary["under_goal"] else "NO"
    lines.append(
        f"peak RSS on {summary['big_file']} ({summary['big_size_gib']:.2f} GiB): "
        f"{summary['big_peak_rss_mb']:.1f} MB; under {RSS_GOAL_MB:.0f} MB goal: {verdict}"
    )
    ratio = summary["rss_ratio_big_over_small"]
    lines.append(
        "RSS ratio big/small (flatness, 1.00 = flat): "
        + (f"{ratio:.2f}" if ratio is not None else "n/a")
    )
    made = ", ".join(
        f"{name} {info['seconds']:.1f} s ({'generated' if info['generated'] else 'reused'})"
        for name, info in generation.items()
    )
    lines.append(f"generation: {made}")
    return "\n".join(lines)


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--workdir", type=Path, default=DEFAULT_WORKDIR, help="where generated files go"
    )
    parser.add_argument(
        "--size-gb", type=float, default=1.0, help="minimum size of the big file in GiB"
    )
    parser.add_argument("--repeat", type=int, default=3, help="runs per command (median)")
    parser.add_argument(
        "--faststart", action="store_true", help="also measure a copy with moov at the start"
    )
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args(argv)
    if args.repeat < 1:
        parser.error("--repeat must be at least 1")
    if args.size_gb <= 0:
        parser.error("--size-gb must be positive")
    return args


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    try:
        ffmpeg = find_tool("ffmpeg").path
        ffprobe = find_tool("ffprobe").path
        sha256sum = shutil.which("sha256sum")
        if sha256sum is None:
            raise BenchError("sha256sum is not on PATH")
        files, generation = prepare_inputs(ffmpeg, args.workdir, args.size_gb, args.faststart)
        # One untimed run so imports and shared libraries are cached before timing.
        check_verify_run(run_measured(verify_argv(files[0])), files[0])
        startup = measure_startup(args.repeat)
        results = [measure_file(path, ffprobe, sha256sum, args.repeat) for path in files]
    except BenchError as exc:
        print(f"bench_inspect: {exc}", file=sys.stderr)
        return 1
    summary = summarise(results)
    if args.json:
        doc = {
            "repeat": args.repeat,
            "generation": generation,
            "startup_verify_help": startup,
            "files": results,
            "summary": summary,
        }
        print(json.dumps(doc, indent=2))
    else:
        print(format_table(results, summary, startup, generation, args.repeat))
    return 0


if __name__ == "__main__":
    sys.exit(main())
