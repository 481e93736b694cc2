"""Benchmark shared hash lists: importing a 100 k-entry vPDQ list, then matching against it.

A python-threatexchange list of ``--entries`` synthetic ``video_vpdq``
signals (20-40 frames each: PDQ hashes that drift a few bits from second to
second and jump at cuts, as real ones do) is written, with the real vPDQ of
the committed ``samples/original.mov`` among them. Then, whole commands,
process start included:

- ``verify index import-hashes`` of the list into a new SQLite bank
  (wall time, entries a second, the bank's size);
- ``verify match`` of each ``--queries`` clip against that bank (a re-encode
  of the listed sample, which must match its entry, and real clips that are
  in no list, which must match none): median and p95 wall time, and the
  same over a plain ``ffmpeg -i CLIP -f null -`` decode of the same clip,
  measured in the same run, and the same ``verify match`` against an empty
  bank (no lists: what the lists add to a query);
- in one process, the list part of each query alone: hashing the clip for
  the lists and looking its PDQs up among the entries.

Synthetic entries tell nothing of accuracy (no threshold is chosen on them);
the matching itself is checked in tests/lists on real footage. Figures are
printed, never asserted.

    .venv/bin/python bench/bench_lists.py [--entries 100000] [--repeat 3]
        [--workdir bench/out/lists] [--json FILE]
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))

from verify import find_tool, open_bank  # noqa: E402

FRAMES = (20, 40)  # seconds of video an entry covers (one PDQ a second)
DRIFT_BITS = (0, 12)  # bits a hash moves from one second to the next within a shot
CUT_PROBABILITY = 0.15  # a new shot (a new random hash) at a second
LISTED = ROOT / "samples" / "original.mov"
QUERIES = [
    ROOT / "samples" / "telegram_reencode.mp4",  # listed: the re-encode of LISTED
    *sorted((ROOT / "bench" / "footage").glob("*.mp4")),  # in no list
]


def synthetic_signal(rng: np.random.Generator) -> str:
    """One ``video_vpdq`` signal: drifting PDQ hashes, quality 60-100."""
    count = int(rng.integers(*FRAMES))
    value = int.from_bytes(rng.bytes(32), "big")
    items = []
    for second in range(count):
        if second and rng.random() < CUT_PROBABILITY:
            value = int.from_bytes(rng.bytes(32), "big")
        else:
            for bit in rng.choice(256, int(rng.integers(*DRIFT_BITS)), replace=False):
                value ^= 1 << int(bit)
        items.append(f"{value:064x},{int(rng.integers(60, 101))},{format(float(second), '.3')}")
    return json.dumps(items)


def write_list(path: Path, entries: int, seed: int) -> None:
    listed = subprocess.run(
        [sys.executable, "-m", "verify.cli", "hash", "--format", "pytx", str(LISTED)],
        capture_output=True, text=True, check=True, cwd=ROOT,
    ).stdout.splitlines()  # fmt: skip
    rng = np.random.default_rng(seed)
    with open(path, "w", encoding="ascii") as out:
        out.write("# synthetic list for bench_lists.py\n")
        for index in range(entries - 1):
            if index == entries // 2:
                out.write(next(line for line in listed if line.startswith("video_vpdq")) + "\n")
            out.write(f"video_vpdq {synthetic_signal(rng)}\n")


def timed(command: list[str]) -> tuple[float, subprocess.CompletedProcess]:
    start = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True, check=False, cwd=ROOT)
    return time.perf_counter() - start, done


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--entries", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--seed", type=int, default=5)
    parser.add_argument("--workdir", type=Path, default=HERE / "out" / "lists")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    args.workdir.mkdir(parents=True, exist_ok=True)
    listing = args.workdir / f"list-{args.entries}.txt"
    if not listing.exists():
        print(f"writing a list of {args.entries:,} entries ...", file=sys.stderr)
        write_list(listing, args.entries, args.seed)
    bank = args.workdir / f"bank-{args.entries}.sqlite"
    for stale in (bank, Path(f"{bank}-wal"), Path(f"{bank}-shm")):
        stale.unlink(missing_ok=True)
    verify = [sys.executable, "-m", "verify.cli"]
    # As `make setup` leaves an install: verify's modules compiled, so no run pays that.
    subprocess.run([sys.executable, "-m", "compileall", "-q", str(ROOT / "verify")], check=True)
    # The same queries against a bank with no lists: what a query costs without them.
    plain = args.workdir / "bank-empty.sqlite"
    for stale in (plain, Path(f"{plain}-wal"), Path(f"{plain}-shm")):
        stale.unlink(missing_ok=True)
    open_bank(str(plain)).close()
    print("importing ...", file=sys.stderr)
    import_s, done = timed([*verify, "index", "import-hashes", "--db", str(bank), "--format",
                            "pytx", "--source", "bench", str(listing)])  # fmt: skip
    if done.returncode:
        raise SystemExit(f"import failed: {done.stderr[-2000:]}")
    ffmpeg = find_tool("ffmpeg").path
    rows = []
    for clip in QUERIES:
        match_s, plain_s, decode_s, found = [], [], [], None
        for _ in range(args.repeat):
            seconds, done = timed([*verify, "match", "--json", "--db", str(bank), str(clip)])
            if done.returncode:
                raise SystemExit(f"match failed on {clip.name}: {done.stderr[-2000:]}")
            match_s.append(seconds)
            found = len(json.loads(done.stdout)["list_matches"])
            plain_s.append(timed([*verify, "match", "--json", "--db", str(plain), str(clip)])[0])
            decode_s.append(timed([ffmpeg, "-v", "error", "-i", str(clip), "-f", "null", "-"])[0])
        rows.append({"clip": clip.name, "listed": clip == QUERIES[0], "list_matches": found,
                     "match_s": statistics.median(match_s),
                     "no_lists_s": statistics.median(plain_s),
                     "decode_s": statistics.median(decode_s)})  # fmt: skip
    # In one process: the list part of a query alone, hashing the clip for the lists
    # and looking its PDQs up among the entries (the second run of each, warm).
    from verify.lists.matching import match_lists
    from verify.lists.signals import file_signals

    with open_bank(str(bank), readonly=True) as opened:
        for row, clip in zip(rows, QUERIES, strict=True):
            for _ in range(2):
                start = time.perf_counter()
                signals = file_signals(clip)
                hashed = time.perf_counter()
                match_lists(opened, signals)
                row["list_hash_s"], row["list_lookup_s"] = (
                    hashed - start,
                    time.perf_counter() - hashed,
                )
    times = [r["match_s"] for r in rows]
    ratios = [r["match_s"] / r["decode_s"] for r in rows]
    document = {
        "entries": args.entries,
        "import_s": import_s,
        "entries_per_s": args.entries / import_s,
        "bank_mb": bank.stat().st_size / 1e6,
        "queries": rows,
        "match_p50_s": statistics.median(times),
        "match_p95_s": float(np.percentile(times, 95)),
        "no_lists_p50_s": statistics.median(r["no_lists_s"] for r in rows),
        "lists_add_p50_s": statistics.median(r["match_s"] - r["no_lists_s"] for r in rows),
        "over_decode_p50": statistics.median(ratios),
        "over_decode_p95": float(np.percentile(ratios, 95)),
        "list_hash_p50_s": statistics.median(r["list_hash_s"] for r in rows),
        "list_lookup_p50_s": statistics.median(r["list_lookup_s"] for r in rows),
        "list_lookup_max_s": max(r["list_lookup_s"] for r in rows),
        "listed_found": rows[0]["list_matches"] == 1,
        "false_matches": sum(1 for r in rows[1:] if r["list_matches"]),
    }
    print(
        f"list of {args.entries:,} vPDQ entries: import {import_s:.1f} s "
        f"({document['entries_per_s']:,.0f} entries/s, bank {document['bank_mb']:.0f} MB)\n"
        f"verify match over {len(rows)} clips: p50 {document['match_p50_s']:.3f} s, "
        f"p95 {document['match_p95_s']:.3f} s; over a plain decode of the same clip: p50 "
        f"{document['over_decode_p50']:.2f}x, p95 {document['over_decode_p95']:.2f}x\n"
        f"the same queries against a bank without lists: p50 {document['no_lists_p50_s']:.3f} s "
        f"(the lists add p50 {document['lists_add_p50_s']:.3f} s)\n"
        f"the list part alone: hashing for it p50 {document['list_hash_p50_s']:.3f} s, lookup "
        f"among the entries p50 {document['list_lookup_p50_s']:.4f} s (max "
        f"{document['list_lookup_max_s']:.4f} s)\n"
        f"the listed clip's re-encode found: {document['listed_found']}; "
        f"clips in no list matched: {document['false_matches']} of {len(rows) - 1}"
    )
    if args.json:
        args.json.write_text(json.dumps(document, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
