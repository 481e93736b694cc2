"""Benchmark `verify inspect` on public camera files, next to ExifTool in the same run.

Two figures the metadata issue sets, each as a ratio against ``exiftool -j``
on the same files, measured here and now:

* one small file: median wall time of ``verify inspect --json FILE`` over
  ``--repeat`` runs for a JPEG, a PNG, a WebP, a HEIC and an MP4 of the
  corpus (goal: under 0.25 s);
* many stills in one call: ``verify inspect --json`` over ``--count`` stills of
  the corpus (cycled when it holds fewer), in files per second (goal: at
  least 20), with the number of stderr lines that were not error lines.

Python's module cache is turned on for the measured commands (some sandboxes
turn it off, which adds ~45 ms to every start). Nothing is asserted: the
figures are printed, as JSON with ``--json``.

    .venv/bin/python bench/bench_metadata.py [--repeat 7] [--count 500] [--json]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT / "tests" / "data" / "metadata"
VERIFY = [sys.executable, "-m", "verify.cli"]
SINGLES = (
    "exiftool/Apple.jpg",
    "exiftool/PNG.png",
    "mei/webp_HTC Desire.webp",
    "mei/heic_exif-at-eof.heic",
    "mei/mp4_with-gps.mp4",
)
STILL_SUFFIXES = {".jpg", ".jpeg", ".png", ".webp", ".heic", ".heif", ".gif"}


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    return env


def _wall(command: list[str]) -> tuple[float, str]:
    start = time.perf_counter()
    run = subprocess.run(command, capture_output=True, text=True, env=_env(), check=False)
    return time.perf_counter() - start, run.stderr


def single_file(repeat: int) -> list[dict[str, object]]:
    rows = []
    for name in SINGLES:
        path = str(CORPUS / name)
        _wall([*VERIFY, "inspect", "--json", path])  # warm the module cache
        ours = statistics.median(
            _wall([*VERIFY, "inspect", "--json", path])[0] for _ in range(repeat)
        )
        theirs = statistics.median(_wall(["exiftool", "-j", path])[0] for _ in range(repeat))
        rows.append({"file": name, "verify_s": ours, "exiftool_s": theirs, "ratio": ours / theirs})
    return rows


def many_stills(count: int) -> dict[str, object]:
    stills = sorted(str(p) for p in CORPUS.rglob("*") if p.suffix.lower() in STILL_SUFFIXES)
    files = [stills[i % len(stills)] for i in range(count)]
    ours, stderr = _wall([*VERIFY, "inspect", "--json", *files])
    theirs, _ = _wall(["exiftool", "-j", *files])
    stray = [line for line in stderr.splitlines() if line and not line.startswith("verify: error:")]
    return {
        "files": count,
        "distinct": len(stills),
        "verify_s": ours,
        "exiftool_s": theirs,
        "verify_files_per_s": count / ours,
        "exiftool_files_per_s": count / theirs,
        "ratio": ours / theirs,
        "stray_stderr_lines": len(stray),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--count", type=int, default=500)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    if shutil.which("exiftool") is None:
        print("exiftool is not on PATH (Debian: libimage-exiftool-perl)", file=sys.stderr)
        return 1
    result = {"single": single_file(args.repeat), "many": many_stills(args.count)}
    if args.json:
        print(json.dumps(result, indent=1))
        return 0
    print(f"{'one file':<28}{'verify s':>10}{'exiftool s':>12}{'ratio':>8}")
    for row in result["single"]:
        print(
            f"{row['file'][:27]:<28}{row['verify_s']:>10.3f}{row['exiftool_s']:>12.3f}"
            f"{row['ratio']:>7.2f}x"
        )
    median = statistics.median(r["verify_s"] for r in result["single"])
    print(f"median one-file verify inspect: {median:.3f} s (goal < 0.25 s)")
    many = result["many"]
    print(
        f"{many['files']} stills ({many['distinct']} distinct) in one call: verify "
        f"{many['verify_files_per_s']:.1f} files/s, exiftool {many['exiftool_files_per_s']:.1f} "
        f"files/s, ratio {many['ratio']:.2f}x (goal >= 20 files/s); stray stderr lines: "
        f"{many['stray_stderr_lines']}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
