"""Benchmark `verify analyse` against the ffprobe pass it is built on, in the same run.

Generates (once, cached under ``--workdir``) a 3-minute 1080p H.264 clip with
sound, then times, median of ``--repeat`` runs, whole commands with process
start on both sides:

* ``verify analyse F --json`` (output discarded);
* ``ffprobe -select_streams v:0 -show_frames F`` (the reference the goal
  names: the frame pass alone);

and prints their ratio (goal: at most 1.3x; `verify analyse` also decodes
every frame small for its pictures' indicators) and the peak RSS of both.
Nothing is asserted.

    .venv/bin/python bench/bench_analyse.py [--seconds 180] [--repeat 3] [--json FILE]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from bench_inspect import atomic_output, run_checked, verify_exe, warm_page_cache  # noqa: E402

from verify import find_tool  # noqa: E402


def make_clip(path: Path, seconds: int) -> None:
    if path.exists():
        return
    partial = atomic_output(path)
    command = [
        find_tool("ffmpeg").path, "-v", "error", "-y",
        "-f", "lavfi", "-i", f"testsrc2=size=1920x1080:rate=30:duration={seconds}",
        "-f", "lavfi", "-i", f"sine=frequency=300:duration={seconds}",
        "-c:v", "libx264", "-preset", "veryfast", "-crf", "26", "-pix_fmt", "yuv420p",
        "-c:a", "aac", "-b:a", "64k", "-f", "mp4", str(partial),
    ]  # fmt: skip
    run_checked(command, "making the clip")
    partial.replace(path)


def measure(argv: list[str], repeat: int) -> tuple[float, float]:
    """Median wall seconds and largest peak RSS (MB) over ``repeat`` runs, after a warm-up."""
    run_checked(argv, argv[0])
    runs = [run_checked(argv, argv[0]) for _ in range(repeat)]
    return statistics.median(r.wall_s for r in runs), max(r.max_rss_mb for r in runs)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=180)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--workdir", type=Path, default=HERE / "out" / "analyse")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    args.workdir.mkdir(parents=True, exist_ok=True)
    clip = args.workdir / f"testsrc2-1080p-{args.seconds}s.mp4"
    make_clip(clip, args.seconds)
    warm_page_cache(clip)
    ours, ours_rss = measure([verify_exe(), "analyse", str(clip), "--json"], args.repeat)
    probe = [find_tool("ffprobe").path, "-v", "error", "-select_streams", "v:0", "-show_frames",
             "-of", "compact", str(clip)]  # fmt: skip
    reference, reference_rss = measure(probe, args.repeat)
    figures = {
        "clip": clip.name,
        "analyse_s": round(ours, 3),
        "show_frames_s": round(reference, 3),
        "ratio": round(ours / reference, 3),
        "analyse_peak_rss_mb": round(ours_rss, 1),
        "show_frames_peak_rss_mb": round(reference_rss, 1),
    }
    print(f"{clip.name}: verify analyse {ours:.2f} s / ffprobe -show_frames {reference:.2f} s "
          f"= {ours / reference:.2f}x (goal <= 1.3x); peak RSS {ours_rss:.0f} MB "
          f"(ffprobe {reference_rss:.0f} MB)")  # fmt: skip
    if args.json:
        args.json.write_text(json.dumps(figures, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
