"""Benchmark the command line's speed on real footage, as ratios to ffmpeg in the same run.

Every figure is a whole command, process start included on both sides:

* start-up: ``verify --help`` (goal <= 0.2 s), beside ``python -c pass``;
* one query: ``verify match Q --db BANK`` over ``ffmpeg -i Q -f null -`` (a
  plain full decode of the same clip), per query; goal: median <= 2x. The
  bank holds the real-footage set's known clips (`realset.py`); the queries
  are that set's copies, one per transform and known clip of each part
  (640x360, as the footage is committed), and the same copies re-encoded at
  1280x720, where the decode costs what it costs on an HD clip and verify's
  fixed costs (start, imports, matching) stay what they are;
* many queries: one ``verify match Q1 Q2 ...`` call over the sum of the
  queries' decodes (start-up paid once);
* what matching adds per file to each command that matches, over the same
  queries, each command with and without ``--db``: one ``verify match`` call
  (without the bank: one ``verify hash`` call at the query sampling, the same
  decode and hashing), one ``verify batch --workers 1`` run over a folder of
  them, and one ``verify report`` process per query (without the bank it
  decodes only its keyframes, so its figure includes the matching's decode);
* hashing short real clips: one ``verify hash CLIPS --sample keyframes`` call
  over the sum of ``ffmpeg -skip_frame nokey -i F -f null -`` (goal <= 1.3x),
  and one ``verify hash CLIPS`` (fps=2) over the sum of ``ffmpeg -i F -f null
  -`` (goal <= 0.8x); the clips are the committed footage (2-20 s each).

Times are medians of ``--repeat`` runs (7 at least for the hashing rows), verify
and its reference taken in alternation so that a machine slower for a while
slows both (the files are page-cached, and Python's compiled modules cached,
by a first round). Medians and p95 of the
per-query ratios are printed; nothing is asserted.

Usage::

    .venv/bin/python bench/bench_match_speed.py [--repeat 3] [--workdir bench/out/match-real]
        [--limit N] [--json FILE] [--hash-only] [--commands-only]
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
from collections.abc import Callable, Sequence
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH_DIR))

import evalset  # noqa: E402
import realset  # noqa: E402

from verify import MATCH, find_tool, index_file, open_bank  # noqa: E402

VERIFY = str(Path(sys.executable).with_name("verify"))


# Commands run as on a user's machine: Python caches compiled modules (a
# PYTHONDONTWRITEBYTECODE=1 in this shell would have every run compile all of
# verify's modules again, about 45 ms a process).
ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}


def run(command: Sequence[str]) -> None:
    """Run one command as the user would, its output discarded; a failure stops the bench."""
    subprocess.run(command, capture_output=True, check=True, env=ENV)


def timed(command: Sequence[str], repeat: int) -> float:
    """Median wall time of ``command`` over ``repeat`` runs (after one warm-up run)."""
    run(command)
    runs = []
    for _ in range(repeat):
        started = time.perf_counter()
        run(command)
        runs.append(time.perf_counter() - started)
    return statistics.median(runs)


def timed_alternating(variants: dict[str, Callable[[], None]], repeat: int) -> dict[str, float]:
    """Median wall time of each variant, all taken in alternation (forwards, then
    backwards), ``repeat`` rounds after one warm-up round: a machine slower for a
    while slows every variant, not one."""
    times: dict[str, list[float]] = {name: [] for name in variants}
    for round_ in range(repeat + 1):
        order = list(variants) if round_ % 2 == 0 else list(reversed(variants))
        for name in order:
            started = time.perf_counter()
            variants[name]()
            if round_:  # the first round only warms the caches
                times[name].append(time.perf_counter() - started)
    return {name: statistics.median(runs) for name, runs in times.items()}


def timed_pair(
    ours: Sequence[Sequence[str]], reference: Sequence[Sequence[str]], repeat: int
) -> tuple[float, float]:
    """Median wall times of two command sequences (each run one command after the
    other), taken in alternation (`timed_alternating`)."""

    def one_after_another(commands: Sequence[Sequence[str]]) -> Callable[[], None]:
        def side() -> None:
            for command in commands:
                run(command)

        return side

    medians = timed_alternating(
        {"ours": one_after_another(ours), "reference": one_after_another(reference)}, repeat
    )
    return medians["ours"], medians["reference"]


def p95(values: Sequence[float]) -> float:
    ordered = sorted(values)
    return ordered[round(0.95 * (len(ordered) - 1))]


def pick_queries(evaluation: evalset.EvalSet, limit: int | None) -> list[evalset.Case]:
    """One positive per (transform, part), the first known clip that has it."""
    seen: set[tuple[str, str]] = set()
    picked = []
    for case in evaluation.cases:
        key = (case.transform, case.part)
        if case.positive and key not in seen:
            seen.add(key)
            picked.append(case)
    return picked[:limit] if limit else picked


def hd_queries(
    queries: Sequence[evalset.Case], bank: Path, ffmpeg: str, args: argparse.Namespace
) -> list[dict[str, object]]:
    """The same queries re-encoded at 1280x720 (H.264, as phones and messengers
    serve HD clips): the decode grows with the pixels, verify's fixed costs do not."""
    folder = args.workdir / "speed720"
    folder.mkdir(exist_ok=True)
    rows = []
    print(f"\n== the same queries at 1280x720 ==\n{'query':56} {'match s':>8} {'decode s':>8} "
          f"{'ratio':>6}")  # fmt: skip
    for case in queries:
        hd = folder / case.path.name
        if not hd.exists():
            subprocess.run(
                [ffmpeg, "-v", "error", "-y", "-i", str(case.path), "-vf",
                 "scale=1280:720:force_original_aspect_ratio=decrease:force_divisible_by=2",
                 "-c:v", "libx264", "-preset", "veryfast", "-crf", "23", "-c:a", "copy", str(hd)],
                check=True,
            )  # fmt: skip
        rows.append(query_row(case, hd, bank, ffmpeg, args.repeat))
    return rows


def query_row(
    case: evalset.Case, path: Path, bank: Path, ffmpeg: str, repeat: int
) -> dict[str, object]:
    """``verify match`` on ``path`` (a copy of ``case``) against its plain decode,
    timed in alternation; printed, and returned as the row the JSON keeps."""
    ours, decode = timed_pair(
        [[VERIFY, "match", str(path), "--db", str(bank), "--json"]],
        [[ffmpeg, "-v", "error", "-i", str(path), "-f", "null", "-"]], repeat,
    )  # fmt: skip
    print(f"{case.name[:56]:56} {ours:8.3f} {decode:8.3f} {ours / decode:6.2f}")
    return {"case": case.name, "part": case.part, "match_s": round(ours, 3),
            "decode_s": round(decode, 3), "ratio": round(ours / decode, 2)}  # fmt: skip


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--workdir", type=Path, default=BENCH_DIR / "out" / "match-real")
    parser.add_argument("--limit", type=int, help="at most this many queries")
    parser.add_argument("--json", type=Path, help="also write the figures here")
    parser.add_argument("--hash-only", action="store_true", help="only the hashing rows")
    parser.add_argument("--commands-only", action="store_true",
                        help="only what matching adds to match, batch and report")  # fmt: skip
    args = parser.parse_args(argv)
    ffmpeg = find_tool("ffmpeg").path
    figures: dict[str, object] = {}
    if args.hash_only:
        hash_rows(ffmpeg, args, figures)
        return 0
    evaluation = realset.build_realset(args.workdir)
    generation = evalset.generate(evaluation)
    if generation.failed:
        print(f"bench_match_speed: could not make {sorted(generation.failed)}", file=sys.stderr)
        return 1
    bank = args.workdir / "speed_bank.sqlite"
    for stale in (bank, Path(f"{bank}-wal"), Path(f"{bank}-shm")):
        stale.unlink(missing_ok=True)
    with open_bank(bank) as store:
        for source in evaluation.sources:
            index_file(store, source.path, source=source.name)

    help_s = timed([VERIFY, "--help"], 2 * args.repeat + 1)
    python_s = timed([sys.executable, "-c", "pass"], 2 * args.repeat + 1)
    figures["startup"] = {"verify_help_s": round(help_s, 3), "python_s": round(python_s, 3)}
    print(f"start-up: verify --help {help_s:.3f} s (python -c pass {python_s:.3f} s); "
          "goal <= 0.2 s")  # fmt: skip

    queries = pick_queries(evaluation, args.limit)
    if args.commands_only:
        command_rows(queries, bank, args, figures)
        if args.json:
            args.json.write_text(json.dumps(figures, indent=2) + "\n")
        return 0
    print(f"\n== one query per call: {len(queries)} queries, bank of {len(evaluation.sources)} ==")
    print(f"{'query':56} {'match s':>8} {'decode s':>8} {'ratio':>6}")
    rows = [query_row(case, case.path, bank, ffmpeg, args.repeat) for case in queries]
    ratios = [r["ratio"] for r in rows]
    figures["queries"] = rows
    figures["query_ratio"] = {"median": statistics.median(ratios), "p95": p95(ratios)}
    print(f"ratio match/decode: median {statistics.median(ratios):.2f}, p95 {p95(ratios):.2f} "
          "(goal: median <= 2)")  # fmt: skip

    figures["queries_720p"] = hd_rows = hd_queries(queries, bank, ffmpeg, args)
    hd_ratios = [r["ratio"] for r in hd_rows]
    figures["query_ratio_720p"] = {"median": statistics.median(hd_ratios), "p95": p95(hd_ratios)}
    print(f"at 1280x720: ratio match/decode median {statistics.median(hd_ratios):.2f}, "
          f"p95 {p95(hd_ratios):.2f} (the same queries re-encoded at HD size)")  # fmt: skip

    paths = [str(c.path) for c in queries]
    together = timed([VERIFY, "match", *paths, "--db", str(bank), "--json"], 1)
    decodes = sum(r["decode_s"] for r in rows)
    figures["one_call"] = {"match_s": round(together, 3), "decodes_s": round(decodes, 3)}
    print(f"\none call over all {len(paths)} queries: {together:.2f} s against "
          f"{decodes:.2f} s of decodes: {together / decodes:.2f}x")  # fmt: skip

    command_rows(queries, bank, args, figures)
    hash_rows(ffmpeg, args, figures)
    return 0


def command_rows(
    queries: Sequence[evalset.Case], bank: Path, args: argparse.Namespace,
    figures: dict[str, object],
) -> None:  # fmt: skip
    """What matching adds to each command that matches, per file: `verify match`,
    `verify batch` and `verify report` over the same queries with and without the
    bank, all six timed in alternation (``--repeat`` rounds after a warm-up)."""
    folder = args.workdir / "speed_batch"  # batch reads no links: copies
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir()
    for case in queries:
        shutil.copyfile(case.path, folder / case.path.name)
    files = sorted(str(p) for p in folder.iterdir())
    rows_file = args.workdir / "speed_batch.jsonl"  # beside the folder, never in it
    report_file = args.workdir / "speed_report.json"
    with_bank = ["--db", str(bank)]
    sampling = ["--sample", MATCH.query_sampling]

    def batch(extra: list[str]) -> None:
        rows_file.unlink(missing_ok=True)  # a fresh run, not a resumed one
        run([VERIFY, "batch", str(folder), "--workers", "1", "-q", "--out", str(rows_file),
             *extra])  # fmt: skip

    def reports(extra: list[str]) -> None:
        for path in files:
            run([VERIFY, "report", path, "-o", str(report_file), *extra])

    variants: dict[str, Callable[[], None]] = {
        # Text on both sides: hash's JSON (every frame's forms, 4 MB here) would
        # cost it more to write than match's.
        "match_with": lambda: run([VERIFY, "match", *files, *with_bank]),
        "match_without": lambda: run([VERIFY, "hash", *files, *sampling]),
        "batch_with": lambda: batch(with_bank),
        "batch_without": lambda: batch([]),
        "report_with": lambda: reports(with_bank),
        "report_without": lambda: reports([]),
    }
    medians = timed_alternating(variants, args.repeat)
    count = len(files)
    print(f"\n== what matching adds per file: {count} queries, each command with and "
          "without the bank ==")  # fmt: skip
    print(f"{'command':44} {'without s':>9} {'with s':>8} {'added per file s':>17}")
    labels = {
        "match": "verify match, one call (without: verify hash)",
        "batch": "verify batch --workers 1",
        "report": "verify report, a process per file",
    }
    table = {}
    for command, label in labels.items():
        without, with_ = medians[f"{command}_without"], medians[f"{command}_with"]
        added = (with_ - without) / count
        table[command] = {"without_s": round(without, 3), "with_s": round(with_, 3),
                          "added_per_file_s": round(added, 4)}  # fmt: skip
        print(f"{label:44} {without:9.2f} {with_:8.2f} {added:17.3f}")
    figures["matching_added"] = table


def hash_rows(ffmpeg: str, args: argparse.Namespace, figures: dict[str, object]) -> None:
    """One `verify hash` call over the committed clips against their decodes."""
    clips = sorted(str(p) for p in realset.FOOTAGE.glob("*.mp4"))
    # Each side is one run over all the clips: verify in one call, ffmpeg once per clip.
    rounds = max(args.repeat, 7)  # short runs: more rounds
    keyframes, nokey = timed_pair(
        [[VERIFY, "hash", *clips, "--sample", "keyframes", "--json"]],
        [[ffmpeg, "-v", "error", "-skip_frame", "nokey", "-i", c, "-f", "null", "-"]
         for c in clips], rounds,
    )  # fmt: skip
    default, full = timed_pair(
        [[VERIFY, "hash", *clips, "--json"]],
        [[ffmpeg, "-v", "error", "-i", c, "-f", "null", "-"] for c in clips], rounds,
    )  # fmt: skip
    figures["hash_short_clips"] = {
        "clips": len(clips), "keyframes_s": round(keyframes, 3), "nokey_decodes_s": round(nokey, 3),
        "default_s": round(default, 3), "decodes_s": round(full, 3),
    }  # fmt: skip
    print(f"\nverify hash over {len(clips)} real clips (2-20 s) in one call:")
    print(f"  --sample keyframes {keyframes:.2f} s / nokey decodes {nokey:.2f} s = "
          f"{keyframes / nokey:.2f}x (goal <= 1.3)")  # fmt: skip
    print(f"  default (fps=2)    {default:.2f} s / full decodes {full:.2f} s = "
          f"{default / full:.2f}x (goal <= 0.8)")  # fmt: skip
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2) + "\n")


if __name__ == "__main__":
    sys.exit(main())
