"""Benchmark `verify match` accuracy: recall per transform, false positives, segment error.

Two evaluation sets (``--set``, default ``real``):

* ``real`` (`realset.py`): real camera footage committed under
  ``bench/footage/``, split into a *tuning* part and a *held-back* part that
  no threshold was chosen on; each known clip through the layouts re-uploads
  use (insets over moving video, split screens, reaction layouts, a 9:16
  re-frame over a blurred copy, a phone screen recording, speed changes,
  text across the middle, classic edits), excerpts and mixed-shape
  compilations, and negatives made of the clips that are not in the bank.
  Every figure is printed for each part separately, then for both.
* ``synthetic`` (`evalset.py`, generated with the samples/ tooling): seven
  bank sources of distinct character, each put through every transform in
  ``evalset.TRANSFORMS``, three excerpts per source, two-source
  compilations, and 27 unrelated negatives (short, dark and low-detail clips
  among them). ``--quick`` uses three sources and eight negatives.

Generated files are cached under ``--workdir``.

The sources are indexed into a fresh bank with `verify.bank.indexing.index_file`
(the default ``fps=2`` sampling); each query is fingerprinted at the
matcher's sampling (``fps=16``, as `verify match` does) and run through
`verify.match_file`, in ``--workers`` processes.

Scoring, per query:

* a positive is *found* when every source of its ground truth is among the
  matches (for a compilation: both sources);
* a *false positive* is any match to a video that is not in the query's
  ground truth (every match of a negative is one);
* the *segment error* of a found truth interval is the largest of the four
  boundary errors (query start/end, reference start/end) between the ground
  truth and the matched segments of that source that overlap it, merged to
  one extent.

Goals (from the issue): recall >= 0.97 overall and >= 0.9 for every
transform, zero false positives, segment boundaries within 0.3 s.

``--second-copies`` also indexes each bank video's ``telegram`` copy (the
set's own re-encode of it) as a second copy of the same video, as a bank
that collected one video from two channels holds it. Either copy finds the
source; a query's segment error is the worse of the reported copies'; and
one more figure is printed: of the sources found, how many were reported
through both copies, and which were not.

Usage::

    .venv/bin/python bench/bench_match_accuracy.py [--set real|synthetic] [--quick] [--workers 2]
        [--workdir bench/out/match] [--json FILE] [--only NAME-SUBSTRING] [--second-copies]

Exit status: 0 when the run completed (whether or not the goals were met),
1 when the evaluation set could not be generated.
"""

from __future__ import annotations

import argparse
import concurrent.futures
import json
import os
import statistics
import sys
import time
from collections import defaultdict
from collections.abc import Sequence
from pathlib import Path
from typing import Any

BENCH_DIR = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH_DIR))

import evalset  # noqa: E402  (needs bench/ on sys.path)
import realset  # noqa: E402

from verify import HASH, MATCH, index_file, match_file, open_bank  # noqa: E402

GOAL_RECALL = 0.97
GOAL_RECALL_PER_TRANSFORM = 0.9
GOAL_SEGMENT_ERROR_S = 0.3
# A segment's placement slack from which the text output says its edges are uncertain
# (`SLACK_WORTH_SAYING_S` in verify's matching.describe).
SLACK_WORTH_SAYING_S = 1.0


def progress(message: str) -> None:
    """A progress line on stderr (stdout carries the report)."""
    print(f"[bench_match_accuracy] {message}", file=sys.stderr, flush=True)


def build_bank(path: Path, sources: Sequence[evalset.Source]) -> dict[str, str]:
    """A fresh bank holding the sources; returns sha256 -> source name."""
    for stale in (path, Path(f"{path}-wal"), Path(f"{path}-shm")):
        stale.unlink(missing_ok=True)
    names = {}
    with open_bank(path) as bank:
        for source in sources:
            added = index_file(bank, source.path, source=source.name)
            names[added.video.sha256] = source.name
    return names


def add_second_copies(path: Path, cases: Sequence[evalset.Case], names: dict[str, str]) -> int:
    """Index each source's ``telegram`` copy into the bank at ``path`` as a second copy
    of it (``names`` learns its SHA-256 under the source's name); how many."""
    added = 0
    with open_bank(path) as bank:
        for case in cases:
            if case.transform != "telegram" or len(case.truth) != 1:
                continue
            name = case.truth[0].source
            indexed = index_file(bank, case.path, source=f"{name} (second copy)")
            names[indexed.video.sha256] = name
            added += 1
    return added


def run_query(bank_path: str, query: str, sampling: str) -> dict[str, Any]:
    """Fingerprint one clip at ``sampling`` and match it (in a worker)."""
    started = time.perf_counter()
    with open_bank(bank_path, create=False, readonly=True) as bank:
        report = match_file(query, bank, sampling=sampling)
    document = report.to_dict()
    document["seconds"] = time.perf_counter() - started
    return document


def merged_extent(segments: Sequence[dict[str, float]], truth: evalset.Truth) -> dict[str, float]:
    """The matched segments that overlap the truth's clip interval, as one extent."""
    inside = [
        s for s in segments
        if s["query_end"] > truth.query_start and s["query_start"] < truth.query_end
    ]  # fmt: skip
    if not inside:
        return {}
    return {
        "query_start": min(s["query_start"] for s in inside),
        "query_end": max(s["query_end"] for s in inside),
        "ref_start": min(s["ref_start"] for s in inside),
        "ref_end": max(s["ref_end"] for s in inside),
    }


def score_case(case: evalset.Case, result: dict[str, Any], names: dict[str, str]) -> dict[str, Any]:
    """Compare one match report with the case's ground truth."""
    # Each source's reported copies, best first (a bank may hold one video twice).
    by_name: dict[str, list[dict[str, Any]]] = {}
    for m in result["matches"]:
        by_name.setdefault(names.get(m["sha256"], m["sha256"]), []).append(m)
    matched = {name: found[0] for name, found in by_name.items()}
    expected = {t.source for t in case.truth}
    row: dict[str, Any] = {
        "case": case.name,
        "part": case.part,
        "transform": case.transform,
        "positive": case.positive,
        "matched": sorted(matched),
        "scores": {name: m["score"] for name, m in matched.items()},
        "segments": {name: m["segments"] for name, m in matched.items()},
        "truth": [t.to_dict() for t in case.truth],
        "false_positives": sorted(set(matched) - expected),
        "seconds": round(result["seconds"], 3),
        "note": case.note,
        "copies": {name: len(by_name[name]) for name in sorted(matched)},
    }
    several = {name: found for name, found in sorted(by_name.items()) if len(found) > 1}
    if several:  # every copy's segments, best first
        row["copy_segments"] = {
            name: [m["segments"] for m in found] for name, found in several.items()
        }
    if not case.positive:
        return row
    row["found"] = expected <= set(matched)
    errors = []
    for truth in case.truth:
        # Every copy of the source that was reported must place its segments
        # (with --second-copies, the worse of the two counts).
        unmirrored = False
        for match in by_name.get(truth.source, []):
            extent = merged_extent(match["segments"], truth)
            if not extent:
                errors.append(None)
                continue
            errors.append(
                max(
                    abs(extent["query_start"] - truth.query_start),
                    abs(extent["query_end"] - truth.query_end),
                    abs(extent["ref_start"] - truth.ref_start),
                    abs(extent["ref_end"] - truth.ref_end),
                )
            )
            unmirrored |= case.mirrored and not match["mirrored"]
        if unmirrored:
            row.setdefault("warnings", []).append(f"{truth.source}: not reported as mirrored")
    row["segment_error_s"] = None if None in errors or not errors else round(max(errors), 3)
    # How far the true sources' segments say they could be moved (still footage).
    slack = [
        s.get("placement_slack_s", 0.0)
        for truth in case.truth for match in by_name.get(truth.source, [])
        for s in match["segments"]
    ]  # fmt: skip
    row["placement_slack_s"] = max(slack, default=None)
    return row


def summarise(rows: Sequence[dict[str, Any]], *, second_copies: bool = False) -> dict[str, Any]:
    """Recall per transform, false positives, segment errors and the goals' verdicts
    (and, with ``second_copies`` in the bank, how many found sources both reported)."""
    by_transform: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for row in rows:
        by_transform[row["transform"]].append(row)
    transforms = {}
    for name, group in by_transform.items():
        if name == "negative":
            continue
        errors = [r["segment_error_s"] for r in group if r.get("segment_error_s") is not None]
        transforms[name] = {
            "cases": len(group),
            "found": sum(r["found"] for r in group),
            "recall": sum(r["found"] for r in group) / len(group),
            "false_positives": sum(len(r["false_positives"]) for r in group),
            "segment_error_median_s": round(statistics.median(errors), 3) if errors else None,
            "segment_error_max_s": round(max(errors), 3) if errors else None,
            "over_goal": sum(e > GOAL_SEGMENT_ERROR_S for e in errors),
            "missed": [r["case"] for r in group if not r["found"]],
        }
    positives = [r for r in rows if r["positive"]]
    negatives = [r for r in rows if not r["positive"]]
    errors = [r["segment_error_s"] for r in positives if r.get("segment_error_s") is not None]
    placed = [r for r in positives if r.get("segment_error_s") is not None]
    over = [r for r in placed if r["segment_error_s"] > GOAL_SEGMENT_ERROR_S]
    within = [r for r in placed if r["segment_error_s"] <= GOAL_SEGMENT_ERROR_S]
    found = sum(r["found"] for r in positives)
    false_positives = sum(len(r["false_positives"]) for r in rows)
    recall = found / len(positives) if positives else 0.0
    worst = min((t["recall"] for t in transforms.values()), default=0.0)
    copies = None
    if second_copies:
        found_truths = [
            (r["case"], t["source"]) for r in positives for t in r["truth"]
            if t["source"] in r["matched"]
        ]  # fmt: skip
        rows_by_case = {r["case"]: r for r in positives}
        single = [(c, src) for c, src in found_truths if rows_by_case[c]["copies"][src] < 2]
        copies = {
            "found": len(found_truths),
            "both_reported": len(found_truths) - len(single),
            "one_only": [f"{c} ({src})" for c, src in single],
        }
    return {
        "second_copies": copies,
        "positives": len(positives),
        "negatives": len(negatives),
        "found": found,
        "recall": recall,
        "worst_transform_recall": worst,
        "false_positives": false_positives,
        "negatives_matched": sum(bool(r["matched"]) for r in negatives),
        "segment_error_median_s": round(statistics.median(errors), 3) if errors else None,
        "segment_error_p95_s": round(sorted(errors)[int(0.95 * (len(errors) - 1))], 3)
        if errors
        else None,
        "segment_error_max_s": round(max(errors), 3) if errors else None,
        "segments_over_goal": sum(e > GOAL_SEGMENT_ERROR_S for e in errors),
        # Segments that say their placement is uncertain (the text output says so from
        # SLACK_WORTH_SAYING_S), among the queries over the goal and within it.
        "slack_said_over_goal": sum(
            (r["placement_slack_s"] or 0.0) >= SLACK_WORTH_SAYING_S for r in over
        ),
        "slack_said_within_goal": sum(
            (r["placement_slack_s"] or 0.0) >= SLACK_WORTH_SAYING_S for r in within
        ),
        # Queries over the goal whose slack is at least their worst edge's error: the
        # segment says its edges could be that far off.
        "slack_covers_over_goal": sum(
            (r["placement_slack_s"] or 0.0) >= r["segment_error_s"] for r in over
        ),
        "segments_within_goal": len(within),
        "transforms": transforms,
        "goals": {
            "recall_overall": recall >= GOAL_RECALL,
            "recall_every_transform": worst >= GOAL_RECALL_PER_TRANSFORM,
            "zero_false_positives": false_positives == 0,
            "segments_within_0.3s": bool(errors) and max(errors) <= GOAL_SEGMENT_ERROR_S,
        },
    }


def format_report(summary: dict[str, Any], rows: Sequence[dict[str, Any]]) -> list[str]:
    """The printed tables."""
    lines = [
        f"== recall per transform (queries sampled at {summary['query_sampling']}, "
        f"bank at {HASH.sampling}) =="
    ]
    lines.append(
        f"{'transform':15} {'cases':>5} {'found':>5} {'recall':>7} {'FP':>3} "
        f"{'seg err median':>14} {'max':>6} {'>0.3s':>5}  missed"
    )
    for name, t in sorted(summary["transforms"].items()):
        med = "-" if t["segment_error_median_s"] is None else f"{t['segment_error_median_s']:.3f}"
        top = "-" if t["segment_error_max_s"] is None else f"{t['segment_error_max_s']:.3f}"
        lines.append(
            f"{name:15} {t['cases']:5} {t['found']:5} {t['recall']:7.3f} "
            f"{t['false_positives']:3} {med:>14} {top:>6} {t['over_goal']:5}  "
            + ", ".join(t["missed"])
        )
    lines.append("")
    lines.append("== negatives (unrelated clips, none in the bank) ==")
    for row in rows:
        if not row["positive"]:
            verdict = "MATCHED " + ", ".join(row["matched"]) if row["matched"] else "no match"
            lines.append(f"  {row['case']:28} {verdict:24} ({row['note']})")
    lines.append("")
    s = summary
    lines.append("== overall ==")
    lines.append(
        f"recall {s['recall']:.3f} ({s['found']}/{s['positives']}), worst transform "
        f"{s['worst_transform_recall']:.3f}; false positives {s['false_positives']} "
        f"({s['negatives_matched']}/{s['negatives']} negatives matched anything)"
    )
    lines.append(
        f"segment error: median {s['segment_error_median_s']} s, p95 "
        f"{s['segment_error_p95_s']} s, max {s['segment_error_max_s']} s, "
        f"{s['segments_over_goal']} over 0.3 s"
    )
    lines.append(
        f"segments saying their placement is uncertain (slack >= {SLACK_WORTH_SAYING_S:g} s): "
        f"{s['slack_said_over_goal']} of the {s['segments_over_goal']} queries over 0.3 s, "
        f"{s['slack_said_within_goal']} of the {s['segments_within_goal']} within; "
        f"{s['slack_covers_over_goal']} of those over 0.3 s have a slack as large as "
        "their error"
    )
    if s.get("second_copies"):
        c = s["second_copies"]
        lines.append(
            f"second copies: {c['both_reported']} of {c['found']} sources found were reported "
            f"through both copies"
            + (f"; one only: {', '.join(c['one_only'])}" if c["one_only"] else "")
        )
    goals = ", ".join(f"{k} {'PASS' if v else 'FAIL'}" for k, v in s["goals"].items())
    lines.append(f"goals: {goals}")
    return lines


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--set", dest="which", choices=("real", "synthetic"), default="real")
    parser.add_argument(
        "--quick", action="store_true", help="synthetic set: three sources, eight negatives"
    )
    parser.add_argument("--workers", type=int, default=min(2, os.cpu_count() or 1))
    parser.add_argument("--workdir", type=Path, help="default bench/out/match-SET")
    parser.add_argument("--json", type=Path, help="also write every row and the summary here")
    parser.add_argument(
        "--query-sampling", default=MATCH.query_sampling, help="how queries are sampled"
    )
    parser.add_argument("--only", help="run only the cases whose name contains this")
    parser.add_argument(
        "--second-copies", action="store_true",
        help="also index each source's telegram copy as a second copy of it",
    )  # fmt: skip
    args = parser.parse_args(argv)
    args.workdir = args.workdir or BENCH_DIR / "out" / f"match-{args.which}"
    return args


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    started = time.perf_counter()
    if args.which == "real":
        evaluation = realset.build_realset(args.workdir)
    else:
        evaluation = evalset.build_evalset(args.workdir, quick=args.quick)
    progress(f"generating the evaluation set in {args.workdir} (cached files are reused)")
    generation = evalset.generate(evaluation, progress=progress)
    if generation.failed:
        for path, message in generation.failed.items():
            print(f"bench_match_accuracy: could not make {path}: {message}", file=sys.stderr)
        return 1
    progress(f"{generation.made} files made, {generation.cached} cached")
    stem = "bank_quick" if args.quick else "bank"
    bank_path = args.workdir / f"{stem}{'_copies' if args.second_copies else ''}.sqlite"
    tick = time.perf_counter()
    names = build_bank(bank_path, evaluation.sources)
    if args.second_copies:
        count = add_second_copies(bank_path, evaluation.cases, names)
        progress(f"{count} second copies indexed")
    index_s = time.perf_counter() - tick
    cases = [c for c in evaluation.cases if not args.only or args.only in c.name]
    progress(f"{len(evaluation.sources)} sources indexed; matching {len(cases)} queries")
    rows = []
    with concurrent.futures.ProcessPoolExecutor(max_workers=max(1, args.workers)) as pool:
        futures = {
            pool.submit(run_query, str(bank_path), str(c.path), args.query_sampling): c
            for c in cases
        }
        for done, future in enumerate(concurrent.futures.as_completed(futures), 1):
            case = futures[future]
            rows.append(score_case(case, future.result(), names))
            if done % 20 == 0:
                progress(f"  {done}/{len(cases)} queries")
    order = {c.name: i for i, c in enumerate(cases)}
    rows.sort(key=lambda r: order[r["case"]])
    summary = summarise(rows, second_copies=args.second_copies)
    parts = sorted({r["part"] for r in rows if r["part"]}, key=lambda p: p != "tuning")
    summary["parts"] = {
        p: summarise([r for r in rows if r["part"] == p], second_copies=args.second_copies)
        for p in parts
    }
    summary["sources"] = [
        {"name": s.name, "character": s.character, "duration": s.duration}
        for s in evaluation.sources
    ]
    summary["index_seconds"] = round(index_s, 2)
    summary["query_sampling"] = args.query_sampling
    summary["total_seconds"] = round(time.perf_counter() - started, 1)
    if args.json:
        args.json.write_text(
            json.dumps({"summary": summary, "rows": rows}, indent=2, default=str) + "\n"
        )
    print(f"sources: {', '.join(s.name for s in evaluation.sources)}")
    for part, figures in summary["parts"].items():
        figures["query_sampling"] = args.query_sampling
        print(f"\n######## part: {part} ########")
        print("\n".join(format_report(figures, [r for r in rows if r["part"] == part])))
    if summary["parts"]:
        print("\n######## both parts ########")
    print("\n".join(format_report(summary, rows)))
    print(f"\ntotal run time: {summary['total_seconds']:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
