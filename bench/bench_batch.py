"""Benchmark `verify batch`: files per second at 1 and 2 workers, and peak memory.

The script generates ``--count`` Telegram-like clips (default 200): one
synthetic source per four clips (seeded ``life`` or ``cellauto`` footage, so
sources differ from each other), each copied four ways the way a messenger
re-encodes (H.264 CRF 28, AAC 48 kHz, faststart): 270p, 360p, cropped to
90 %, and cut one second later. They are named like Telegram Desktop
downloads (``video_2022-04-02_09-41-27.mp4``) and cached under
``--workdir``; a run links the first ``--count`` of them into a folder of
their own.

It then times, in the same run and on the same (page-cached) files:

* the reference: ``ffmpeg -i F -f null -`` over every file, one after the
  other (a plain full decode, what any per-file video tool pays at least);
* ``verify batch FOLDER --workers N --quiet`` with a fresh output, for each
  N in ``--workers`` (default 1 and 2).

Figures are files per second, the ratio of each run's time to the
reference, and the speed-up of the most workers over one (with N workers
the ideal is N). Times are medians over ``--repeat`` runs, never asserted.

Memory: ``os.wait4`` gives the peak RSS of the largest single process of the
run (the parent, a worker, or an ffmpeg it reaped). Workers run beside each
other, so the whole tree is also sampled every 50 ms from ``/proc``: the sum
of the PSS of every process in the run's session (shared pages divided among
the processes sharing them, so the sum is what the run really holds; RSS
where PSS is unavailable).

Usage::

    .venv/bin/python bench/bench_batch.py [--count 200] [--workers 1,2] [--repeat 1]
        [--workdir bench/out/batch] [--json]

Exit status is 0 unless a command failed to run (1).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
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

sys.path.insert(0, str(Path(__file__).resolve().parent))  # bench_inspect
sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "samples"))  # make_samples

import make_samples
from bench_inspect import (
    MB,
    BenchError,
    Run,
    atomic_output,
    run_checked,
    verify_exe,
    warm_page_cache,
)

from verify import find_tool

DEFAULT_WORKDIR = Path(__file__).resolve().parent / "out" / "batch"
CLIPS_PER_SOURCE = 4
SOURCE_SECONDS = 6.0
SOURCE_SIZE = (640, 360)
SAMPLE_INTERVAL_S = 0.05
# A messenger's re-encode: smaller, CRF 28, keyframes elsewhere, AAC 48 kHz, index first.
TELEGRAM_ARGS = [
    "-c:v", "libx264", "-preset", "veryfast", "-crf", "28", "-g", "47", "-bf", "3",
    "-pix_fmt", "yuv420p", "-threads", "1", "-c:a", "aac", "-b:a", "48k", "-ar", "48000",
    "-movflags", "+faststart", "-map_metadata", "-1",
]  # fmt: skip
# The four copies of each source: (input options, video filter).
COPIES = (
    ([], "scale=-2:270"),
    ([], "scale=-2:360"),
    ([], "crop=trunc(iw*0.9/2)*2:trunc(ih*0.9/2)*2,scale=-2:270"),
    (["-ss", "1"], "scale=-2:270"),
)
DOWNLOAD_EPOCH = dt.datetime(2022, 4, 2, 9, 0, 0)


def progress(message: str) -> None:
    print(f"bench_batch: {message}", file=sys.stderr, flush=True)


# --------------------------------------------------------------------------- inputs


def clip_name(index: int) -> str:
    """A Telegram Desktop download name, 37 s apart: ``video_2022-04-02_09-00-37.mp4``."""
    moment = DOWNLOAD_EPOCH + dt.timedelta(seconds=37 * index)
    return f"video_{moment:%Y-%m-%d_%H-%M-%S}.mp4"


def make_source(group: int, target: Path) -> bool:
    """Render the synthetic footage four clips are copied from, unless cached."""
    if target.is_file() and target.stat().st_size > 0:
        return False
    partial = atomic_output(target)
    character = ("life", "cellauto")[group % 2]
    make_samples.render_source(
        partial, character, SOURCE_SECONDS, size=SOURCE_SIZE, seed=group, gop=60
    )
    partial.replace(target)
    return True


def make_copy(ffmpeg: str, source: Path, variant: int, target: Path) -> bool:
    """One Telegram-like re-encode of ``source``, unless cached."""
    if target.is_file() and target.stat().st_size > 0:
        return False
    partial = atomic_output(target)
    input_options, video_filter = COPIES[variant]
    argv = [
        ffmpeg, "-hide_banner", "-nostdin", "-v", "error", "-y", *input_options,
        "-i", str(source), "-vf", video_filter, *TELEGRAM_ARGS, "-f", "mp4", str(partial),
    ]  # fmt: skip
    run_checked(argv, f"encoding {target.name}")
    partial.replace(target)
    return True


def prepare_folder(ffmpeg: str, workdir: Path, count: int) -> tuple[Path, int]:
    """The folder of ``count`` clips (links to the cache); and how many clips were made now."""
    sources, clips = workdir / "sources", workdir / "clips"
    sources.mkdir(parents=True, exist_ok=True)
    clips.mkdir(parents=True, exist_ok=True)
    made = 0
    for index in range(count):
        group, variant = divmod(index, CLIPS_PER_SOURCE)
        source = sources / f"source_{group:04d}.mp4"
        make_source(group, source)
        made += make_copy(ffmpeg, source, variant, clips / clip_name(index))
        if made and made % 20 == 0:
            progress(f"generated {made} clips")
    folder = workdir / f"Telegram Desktop {count}"
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir()
    for index in range(count):
        name = clip_name(index)
        try:
            os.link(clips / name, folder / name)
        except OSError:
            shutil.copy2(clips / name, folder / name)
    return folder, made


# --------------------------------------------------------------------------- measuring


def _session_memory_kib(session: int) -> tuple[int, int]:
    """(sum of PSS, sum of RSS) in KiB of the processes in ``session``, from /proc."""
    pss = rss = 0
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            if os.getsid(int(entry.name)) != session:
                continue
            with open(f"/proc/{entry.name}/smaps_rollup") as handle:
                fields = dict(line.split(":", 1) for line in handle if ":" in line)
        except (OSError, ValueError):
            continue
        rss += int(fields.get("Rss", "0 kB").split()[0])
        pss += int(fields.get("Pss", fields.get("Rss", "0 kB")).split()[0])
    return pss, rss


def run_sampled(argv: Sequence[str]) -> tuple[Run, int, int]:
    """Run ``argv`` in a session of its own; its `Run`, and the peak PSS and RSS sums (KiB)."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        start = time.perf_counter()
        proc = subprocess.Popen(
            list(argv), stdin=subprocess.DEVNULL, stdout=out, stderr=err, start_new_session=True
        )
        peak_pss = peak_rss = 0
        while True:
            pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
            if pid:
                break
            pss, rss = _session_memory_kib(proc.pid)
            peak_pss, peak_rss = max(peak_pss, pss), max(peak_rss, rss)
            time.sleep(SAMPLE_INTERVAL_S)
        wall = time.perf_counter() - start
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        run = Run(wall, usage.ru_maxrss, proc.returncode, out.read(), err.read())
    return run, peak_pss, peak_rss


def measure_reference(ffmpeg: str, files: Sequence[Path], repeat: int) -> float:
    """Median time of plain full decodes of every file, one after another."""
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        for path in files:
            run_checked([ffmpeg, "-v", "error", "-nostdin", "-i", str(path), "-f", "null", "-"],
                        f"decoding {path.name}")  # fmt: skip
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def measure_batch(folder: Path, workers: int, repeat: int) -> dict[str, Any]:
    """``verify batch`` with a fresh output, ``repeat`` times: time, memory, what it found."""
    walls, singles, pss, rss = [], [], [], []
    summary: dict[str, Any] = {}
    with tempfile.TemporaryDirectory(prefix="bench-batch-") as scratch:
        for attempt in range(repeat):
            out = Path(scratch) / f"run{attempt}.jsonl"
            argv = [
                verify_exe(), "batch", str(folder), "--out", str(out), "--workers", str(workers),
                "--quiet", "--json",
            ]  # fmt: skip
            run, peak_pss, peak_rss = run_sampled(argv)
            if run.returncode != 0:
                stderr = run.stderr.decode("utf-8", "replace").strip()
                raise BenchError(
                    f"verify batch --workers {workers} exited {run.returncode}:\n{stderr}"
                )
            summary = json.loads(run.stdout)
            walls.append(run.wall_s)
            singles.append(run.max_rss_mb)
            pss.append(peak_pss * 1024 / MB)
            rss.append(peak_rss * 1024 / MB)
    return {
        "workers": workers,
        "median_wall_s": round(statistics.median(walls), 3),
        "wall_s": [round(w, 3) for w in walls],
        "files_per_s": round(summary["files"] / statistics.median(walls), 3),
        "largest_process_rss_mb": round(max(singles), 1),
        "tree_pss_mb": round(max(pss), 1),
        "tree_rss_mb": round(max(rss), 1),
        "ok": summary["ok"],
        "errors": summary["errors"],
        "groups": len(summary["clusters"]),
        "group_sizes": sorted(len(c["members"]) for c in summary["clusters"]),
    }


# --------------------------------------------------------------------------- report


def format_report(report: dict[str, Any]) -> str:
    count, reference = report["count"], report["reference_s"]
    lines = [
        f"verify batch over {count} Telegram-like clips "
        f"({SOURCE_SECONDS:g} s sources, 270p/360p copies), median of {report['repeat']} run(s)",
        f"reference: ffmpeg -i F -f null - over the same files, one after another: "
        f"{reference:.2f} s ({count / reference:.1f} files/s)",
        f"{'workers':>7} {'seconds':>8} {'files/s':>8} {'/ ref':>6} {'tree PSS MB':>11} "
        f"{'tree RSS MB':>11} {'largest MB':>10} {'groups':>6}",
    ]
    for run in report["runs"]:
        lines.append(
            f"{run['workers']:>7} {run['median_wall_s']:>8.2f} {run['files_per_s']:>8.2f} "
            f"{run['median_wall_s'] / reference:>6.2f} {run['tree_pss_mb']:>11.1f} "
            f"{run['tree_rss_mb']:>11.1f} {run['largest_process_rss_mb']:>10.1f} "
            f"{run['groups']:>6}"
        )
    speedup = report.get("speedup")
    if speedup:
        lines.append(
            f"speed-up {speedup['workers']} workers vs 1: {speedup['ratio']:.2f}x "
            f"(ideal {speedup['workers']}x; scaling efficiency {speedup['efficiency']:.0%})"
        )
    lines.append(
        f"groups expected: {report['expected_groups']} (the clips come in fours, one source "
        f"each); cpu cores: {os.cpu_count()}; clips generated now: {report['generated']}"
    )
    lines.append(
        "tree PSS/RSS: sum over the run's processes, sampled every 50 ms; largest: "
        "os.wait4 peak of the largest single process"
    )
    return "\n".join(lines)


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=200, help="clips in the folder")
    parser.add_argument("--workers", default="1,2", help="worker counts to time, comma-separated")
    parser.add_argument("--repeat", type=int, default=1, help="runs per measurement (median)")
    parser.add_argument("--workdir", type=Path, default=DEFAULT_WORKDIR, help="cache of clips")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args(argv)
    try:
        args.workers = [int(n) for n in args.workers.split(",")]
    except ValueError:
        parser.error("--workers takes numbers such as 1,2")
    if args.count < 1 or args.repeat < 1 or min(args.workers) < 1:
        parser.error("--count, --repeat and --workers must be at least 1")
    return args


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    try:
        ffmpeg = find_tool("ffmpeg").path
        progress(f"preparing {args.count} clips in {args.workdir}")
        folder, generated = prepare_folder(ffmpeg, args.workdir, args.count)
        files = sorted(folder.iterdir())
        for path in files:
            warm_page_cache(path)
        progress("timing the reference decodes")
        reference = measure_reference(ffmpeg, files, args.repeat)
        runs = []
        for workers in args.workers:
            progress(f"timing verify batch --workers {workers}")
            runs.append(measure_batch(folder, workers, args.repeat))
    except BenchError as exc:
        print(f"bench_batch: {exc}", file=sys.stderr)
        return 1
    report: dict[str, Any] = {
        "count": args.count,
        "repeat": args.repeat,
        "generated": generated,
        "reference_s": round(reference, 3),
        "expected_groups": args.count // CLIPS_PER_SOURCE + (args.count % CLIPS_PER_SOURCE >= 2),
        "runs": runs,
    }
    single = next((r for r in runs if r["workers"] == 1), None)
    most = max(runs, key=lambda r: r["workers"])
    if single is not None and most is not single:
        ratio = single["median_wall_s"] / most["median_wall_s"]
        report["speedup"] = {
            "workers": most["workers"],
            "ratio": round(ratio, 3),
            "efficiency": round(ratio / most["workers"], 3),
        }
    print(json.dumps(report, indent=2) if args.json else format_report(report))
    return 0


if __name__ == "__main__":
    sys.exit(main())
