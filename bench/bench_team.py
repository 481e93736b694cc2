"""Benchmark the team features: a PostgreSQL bank beside SQLite, and batches on Dask.

Section 1, for each of ``--sizes`` (default 10 k and 100 k videos): the same
synthetic bank (the generator of ``bench_match_scale.py``: 45-75 frames a
video, hashes that drift within shots and jump at cuts) is loaded into an
SQLite file and into a PostgreSQL database on a server this script starts
on 127.0.0.1 (Debian's PostgreSQL, as the tests start it). Then, per
backend, in a child process: ``--queries`` synthetic clips through
``match_fingerprint`` (half copies of stored videos, half unrelated), with
median and p95 latency, recall and false matches, and the child's peak RSS;
and indexing throughput: 1 and 4 writer processes each storing
``--writes`` new videos through the bank's own ``import_videos`` (one
transaction a video, postings included).

Section 2: ``verify batch`` over ``--clips`` short real clips (copies of the
committed samples) with 2 local worker processes, then on a Dask cluster of
2 single-thread workers started here; files per second of each, their
ratio, and the coordinating process's peak RSS.

Figures are printed, never asserted.

    .venv/bin/python bench/bench_team.py [--sizes 10000,100000] [--queries 20]
        [--writes 200] [--clips 200] [--workdir bench/out/team] [--json FILE]
        [--skip-banks] [--skip-batch]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import shutil
import statistics
import struct
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(ROOT))

import bench_match_scale as scale  # noqa: E402  (its generator and clips)
from bench_inspect import run_measured, warm_page_cache  # noqa: E402

from verify import Form, KnownVideo, find_candidates, open_bank, probe_hashes  # noqa: E402

CHILD = "_child"


def load_sqlite(path: Path, size: int, seed: int) -> float:
    """The scale bench's bulk loader; seconds."""
    start = time.perf_counter()
    scale.build_bank(path, size, seed)
    return time.perf_counter() - start


# Binary COPY of postings (key integer, video_id bigint): a header, then per row a
# field count and each field's length and big-endian value; numpy writes a whole
# chunk at once (per-row Python was most of the 100 k load's 534 s).
COPY_HEADER = b"PGCOPY\n\xff\r\n\x00" + struct.pack("!ii", 0, 0)
COPY_TRAILER = struct.pack("!h", -1)
POSTING_ROW = np.dtype(
    [("fields", ">i2"), ("key_len", ">i4"), ("key", ">i4"), ("id_len", ">i4"), ("id", ">i8")]
)
# For the bulk load and the 1 M bank: memory for the index builds, no WAL for
# tables filled in the transaction that emptied them.
SERVER_SETTINGS = {
    "maintenance_work_mem": "2GB",
    "max_parallel_maintenance_workers": "2",
    "shared_buffers": "1GB",
    "wal_level": "minimal",
    "max_wal_senders": "0",
    "max_wal_size": "20GB",
}


def posting_copy(packed: np.ndarray) -> bytes:
    """``key << 32 | id`` postings as one binary COPY stream."""
    rows = np.empty(packed.size, POSTING_ROW)
    rows["fields"], rows["key_len"], rows["id_len"] = 2, 4, 8
    rows["key"] = packed >> np.uint64(32)
    rows["id"] = packed & np.uint64(0xFFFFFFFF)
    return COPY_HEADER + rows.tobytes() + COPY_TRAILER


def load_postgres(url: str, size: int, seed: int) -> float:
    """The same videos and postings, COPYed into a new PostgreSQL bank; seconds.

    The library creates the schema; the postings' keys are then dropped, the
    rows copied frozen into the tables emptied in the same transaction, and the
    keys rebuilt from their saved definitions (the bank ends exactly as the
    library made it)."""
    import psycopg

    open_bank(url).close()
    rng = np.random.default_rng([seed, size])
    added_at = dt.datetime(2024, 1, 1, tzinfo=dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    start = time.perf_counter()
    with psycopg.connect(url) as db, db.cursor() as cursor:
        cursor.execute(
            "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
            "WHERE conrelid = 'postings'::regclass ORDER BY contype = 'f'"
        )
        constraints = cursor.fetchall()
        cursor.execute(
            "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'postings' "
            "AND indexname NOT IN (SELECT conname FROM pg_constraint)"
        )
        indexes = cursor.fetchall()
        for name, _ in reversed(constraints):
            cursor.execute(f"ALTER TABLE postings DROP CONSTRAINT {name}")
        for name, _ in indexes:
            cursor.execute(f"DROP INDEX {name}")
        cursor.execute("TRUNCATE postings, videos")
        for first in range(1, size + 1, scale.CHUNK_VIDEOS):
            count = min(scale.CHUNK_VIDEOS, size + 1 - first)
            rows, counts = scale.synthetic_videos(rng, count)
            with cursor.copy(
                "COPY videos (id, sha256, path, size, duration, width, height, sampling, "
                "added_at, source, posted_at, url, summary, frame_count, frames) "
                "FROM STDIN WITH (FREEZE)"
            ) as copy:
                for record in scale.video_rows(rows, counts, first, seed, added_at):
                    copy.write_row(record)
            with cursor.copy("COPY postings FROM STDIN WITH (FORMAT binary, FREEZE)") as copy:
                copy.write(posting_copy(scale.posting_keys(rows, counts, first)))
            if first // scale.CHUNK_VIDEOS % 10 == 9:
                print(f"  {first + count - 1:,} videos copied", file=sys.stderr)
        for name, definition in constraints:
            cursor.execute(f"ALTER TABLE postings ADD CONSTRAINT {name} {definition}")
        for _, definition in indexes:
            cursor.execute(definition)
        cursor.execute("SELECT setval('videos_id_seq', (SELECT max(id) FROM videos))")
        db.commit()
        db.autocommit = True
        cursor.execute("VACUUM ANALYZE")
    return time.perf_counter() - start


def warm_postgres(server: Any, database: str) -> None:
    """Read what a query touches (postings key, videos and their frames) into the page cache."""
    server.admin("CREATE EXTENSION IF NOT EXISTS pg_prewarm", database)
    server.admin(
        "SELECT pg_prewarm('postings_pkey', 'read'), pg_prewarm('videos', 'read'), "
        "pg_prewarm(reltoastrelid, 'read') FROM pg_class WHERE relname = 'videos'",
        database,
    )


# The per-frame test both confirmations below apply: a probe hash is confirmed by a
# candidate when one of its stored frames is within this many bits.
CONFIRM_BITS = 10
# Queries confirmed both ways (the SQL unpacking takes some 20 s a query).
CONFIRM_QUERIES = 6
# SQL confirmation: the candidate's stored pHash (8 little-endian bytes of each
# packed row) against every probe hash. Both sides go byte-swapped (the probes
# in Python, the rows by reading them as big-endian bits): the same permutation
# of bits on both sides leaves every distance as it was.
CONFIRM_SQL = """
SELECT v.id, count(DISTINCT q.i) FROM videos AS v
CROSS JOIN LATERAL generate_series(0, v.frame_count - 1) AS f(n)
CROSS JOIN unnest(%s::bigint[]) WITH ORDINALITY AS q(h, i)
WHERE v.id = ANY(%s) AND bit_count(
    ('x' || encode(substring(v.frames FROM n * %s + %s FOR 8), 'hex'))::bit(64)
    # q.h::bit(64)) <= %s
GROUP BY v.id
"""
# The same test against frames already one bigint a row (as a per-frame table would
# hold them): the cost of bit_count itself, without unpacking the stored rows.
FRAMES_TABLE_SQL = """
CREATE TEMP TABLE candidate_frames AS SELECT v.id, ('x' || encode(
    substring(v.frames FROM n * %s + %s FOR 8), 'hex'))::bit(64)::bigint AS h
FROM videos AS v CROSS JOIN LATERAL generate_series(0, v.frame_count - 1) AS f(n)
WHERE v.id = ANY(%s)
"""
CONFIRM_TABLE_SQL = """
SELECT c.id, count(DISTINCT q.i) FROM candidate_frames AS c
CROSS JOIN unnest(%s::bigint[]) WITH ORDINALITY AS q(h, i)
WHERE bit_count((c.h # q.h)::bit(64)) <= %s GROUP BY c.id
"""


def confirm_both_ways(bank: Any, made: list[Any]) -> list[dict[str, Any]]:
    """Time confirming each query's candidates in Python (fetch the frames, numpy) and
    in SQL (`bit_count` in the server); the two must count the same."""
    from verify.bank.records import FRAME_DTYPE

    results = []
    for query in made[:CONFIRM_QUERIES]:
        probes = np.array(probe_hashes(query.fingerprint.table()), np.uint64)
        found = find_candidates(bank, probes.tolist())
        ids = [video for video, _ in found]
        start = time.perf_counter()
        python = {}
        for video_id, (_, frames) in bank.known_videos(ids).items():
            near = np.bitwise_count(np.bitwise_xor.outer(probes, frames.forms[Form.PHASH]))
            confirmed = int((near.min(axis=1) <= CONFIRM_BITS).sum())
            if confirmed:
                python[video_id] = confirmed
        python_s = time.perf_counter() - start
        swapped = probes.byteswap().view(np.int64).tolist()
        at = FRAME_DTYPE.fields["phash"][1] + 1  # substring counts from 1
        params = (swapped, ids, FRAME_DTYPE.itemsize, at, CONFIRM_BITS)
        start = time.perf_counter()
        sql = {int(v): int(n) for v, n in bank._query(CONFIRM_SQL, params)}
        sql_s = time.perf_counter() - start
        with bank._db.cursor() as cursor:  # bench only: a scratch table on the bank's session
            cursor.execute(FRAMES_TABLE_SQL, (FRAME_DTYPE.itemsize, at, ids))
        start = time.perf_counter()
        table = {int(v): int(n) for v, n in bank._query(CONFIRM_TABLE_SQL, (swapped, CONFIRM_BITS))}
        table_s = time.perf_counter() - start
        with bank._db.cursor() as cursor:
            cursor.execute("DROP TABLE candidate_frames")
        if not sql == table == python:
            raise SystemExit(f"confirmations disagree: {len(sql)}, {len(table)}, {len(python)}")
        results.append(
            {"candidates": len(ids), "python_s": python_s, "sql_s": sql_s, "table_s": table_s}
        )
    return results


def child(argv: list[str]) -> int:
    """Queries, then writes, against one bank; JSON on stdout."""
    location, size, queries, seed, fps = argv[0], int(argv[1]), int(argv[2]), int(argv[3]), argv[4]
    with open_bank(location, readonly=True) as bank:
        made = scale.make_queries(bank, size, queries, seed, float(fps))
        results = scale.run_library_queries(bank, made)
        rss_kib = scale.own_peak_rss_kib()
        confirm = confirm_both_ways(bank, made) if location.startswith("postgresql") else []
    print(json.dumps({"queries": results, "rss_kib": rss_kib, "confirm": confirm}))
    return 0


def writer(argv: list[str]) -> int:
    """Store ``count`` new synthetic videos, one transaction each; prints seconds."""
    location, count, seed = argv[0], int(argv[1]), int(argv[2])

    rng = np.random.default_rng([seed, 777])
    rows, counts = scale.synthetic_videos(rng, count)
    with open_bank(location) as bank:
        start = time.perf_counter()
        for index in range(count):
            sha = scale.video_sha256(seed + 10_000, index)
            frames = rows[index, : counts[index]].copy()
            video = KnownVideo(
                0, sha, f"/new/{seed}/{index}.mp4", 1000, float(counts[index]) / 2, 1280, 720,
                "fps=2", "2024-01-01T00:00:00Z", "bench", None, None, {}, int(counts[index]),
            )  # fmt: skip
            bank.import_videos([(video, frames, None)])
        print(time.perf_counter() - start)
    return 0


def run(command: list[str]) -> tuple[float, float]:
    """Run ``command`` to completion; (wall seconds, peak RSS in MB of it and its children)."""
    done = run_measured(command)
    if done.returncode not in (0, 5):  # 5: some files failed, which is a result too
        raise SystemExit(f"{command[:5]} failed: {done.stderr.decode()[-2000:]}")
    return done.wall_s, done.max_rss_mb


def measure_backend(location: str, size: int, args: argparse.Namespace) -> dict[str, Any]:
    command = [sys.executable, __file__, CHILD, location, str(size), str(args.queries),
               str(args.seed), str(scale.MATCH_FPS)]  # fmt: skip
    start = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode:
        raise SystemExit(f"queries failed: {done.stderr[-2000:]}")
    report = json.loads(done.stdout)
    seconds = [q["seconds"] for q in report["queries"]]
    copies = [q for q in report["queries"] if q["kind"] == "copy"]
    unrelated = [q for q in report["queries"] if q["kind"] == "unrelated"]
    figures = {
        "p50_s": statistics.median(seconds),
        "p95_s": float(np.percentile(seconds, 95)),
        "candidates_p50_s": statistics.median(q["candidates_s"] for q in report["queries"]),
        "recall": sum(q["found"] for q in copies) / max(1, len(copies)),
        "false_matches": sum(q["matches"] > 0 for q in unrelated),
        "peak_rss_mb": report["rss_kib"] / 1024,
        "child_wall_s": time.perf_counter() - start,
    }
    if report["confirm"]:
        for side in ("python", "sql", "table"):
            figures[f"confirm_{side}_p50_s"] = statistics.median(
                c[f"{side}_s"] for c in report["confirm"]
            )
        figures["confirm_candidates_p50"] = statistics.median(
            c["candidates"] for c in report["confirm"]
        )
    for writers in (1, 4):
        procs = [
            subprocess.Popen(
                [
                    sys.executable,
                    __file__,
                    "_writer",
                    location,
                    str(args.writes),
                    str(args.seed * 100 + writers * 10 + w),
                ],
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
            for w in range(writers)
        ]
        start = time.perf_counter()
        for proc in procs:
            _, err = proc.communicate()
            if proc.returncode:
                raise SystemExit(f"writer failed: {err[-2000:]}")
        wall = time.perf_counter() - start
        figures[f"writes_{writers}_per_s"] = writers * args.writes / wall
    return figures


def section_banks(args: argparse.Namespace, workdir: Path) -> dict[str, Any]:
    from tests.pgserver import PostgresServer, find_binaries

    binaries = find_binaries()
    if binaries is None:
        raise SystemExit("no PostgreSQL server to start (Debian: apt install postgresql)")
    server = PostgresServer(binaries).start(SERVER_SETTINGS)
    out: dict[str, Any] = {}
    try:
        for size in args.sizes:
            sqlite_path = workdir / f"bank-{size}.sqlite"
            if sqlite_path.exists():
                sqlite_path.unlink()
            print(f"loading {size} videos into SQLite ...", file=sys.stderr)
            sqlite_load = load_sqlite(sqlite_path, size, args.seed)
            url = server.create_database(f"bank_{size}")
            print(f"loading {size} videos into PostgreSQL ...", file=sys.stderr)
            pg_load = load_postgres(url, size, args.seed)
            rows = {}
            for name, location in (("sqlite", str(sqlite_path)), ("postgresql", url)):
                print(f"measuring {name} at {size} ...", file=sys.stderr)
                # Each warmed just before its queries: both may not fit in memory at once.
                if name == "sqlite":
                    warm_page_cache(sqlite_path)
                else:
                    warm_postgres(server, f"bank_{size}")
                rows[name] = measure_backend(location, size, args)
            rows["sqlite"]["load_s"], rows["postgresql"]["load_s"] = sqlite_load, pg_load
            out[str(size)] = rows
    finally:
        server.stop()
    return out


def section_batch(args: argparse.Namespace, workdir: Path) -> dict[str, Any]:
    from tests.daskcluster import DaskCluster

    folder = workdir / "clips"
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    names = ("original.mov", "telegram_reencode.mp4", "vertical_rotated.mp4", "cropped.mp4")
    for index in range(args.clips):
        source = ROOT / "samples" / names[index % len(names)]
        shutil.copy(source, folder / f"clip-{index:04d}{source.suffix}")
    results = {}
    verify = [sys.executable, "-m", "verify.cli", "batch", str(folder), "-q", "--json"]
    out = workdir / "local.jsonl"
    out.unlink(missing_ok=True)
    wall, rss = run([*verify, "--out", str(out), "--workers", "2"])
    results["local"] = {"files_per_s": args.clips / wall, "wall_s": wall, "peak_rss_mb": rss}
    (workdir / "dask").mkdir(exist_ok=True)
    cluster = DaskCluster(workdir / "dask")
    try:
        cluster.add_worker("w1")
        cluster.add_worker("w2")
        cluster.wait_for_workers(2)
        out = workdir / "dask.jsonl"
        out.unlink(missing_ok=True)
        wall, rss = run([*verify, "--out", str(out), "--scheduler", cluster.address])
        results["dask"] = {"files_per_s": args.clips / wall, "wall_s": wall, "peak_rss_mb": rss}
    finally:
        cluster.stop()
    results["dask_over_local_time"] = results["dask"]["wall_s"] / results["local"]["wall_s"]
    return results


def main() -> int:
    if len(sys.argv) > 1 and sys.argv[1] == CHILD:
        return child(sys.argv[2:])
    if len(sys.argv) > 1 and sys.argv[1] == "_writer":
        return writer(sys.argv[2:])
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=scale.parse_sizes, default=[10_000, 100_000])
    parser.add_argument("--queries", type=int, default=20)
    parser.add_argument("--writes", type=int, default=200)
    parser.add_argument("--clips", type=int, default=200)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--workdir", type=Path, default=HERE / "out" / "team")
    parser.add_argument("--skip-batch", action="store_true")
    parser.add_argument("--skip-banks", action="store_true")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    args.workdir.mkdir(parents=True, exist_ok=True)
    document = {"banks": {} if args.skip_banks else section_banks(args, args.workdir)}
    if not args.skip_batch:
        document["batch"] = section_batch(args, args.workdir)
    for size, rows in document["banks"].items():
        print(f"bank of {int(size):,} videos")
        for name, f in rows.items():
            print(
                f"  {name:<11} load {f['load_s']:.0f} s; match p50 {f['p50_s']:.3f} s, "
                f"p95 {f['p95_s']:.3f} s (candidates p50 {f['candidates_p50_s']:.3f} s); "
                f"recall {f['recall']:.2f}, false {f['false_matches']}; "
                f"peak RSS {f['peak_rss_mb']:.0f} MB; writes 1: {f['writes_1_per_s']:.1f}/s, "
                f"4: {f['writes_4_per_s']:.1f}/s"
            )
            if "confirm_sql_p50_s" in f:
                print(
                    f"  {'':<11} confirming {f['confirm_candidates_p50']:.0f} candidates "
                    f"(p50): Python {f['confirm_python_p50_s']:.3f} s, SQL bit_count "
                    f"{f['confirm_sql_p50_s']:.3f} s (on frames already a bigint a row: "
                    f"{f['confirm_table_p50_s']:.3f} s)"
                )
    if "batch" in document:
        b = document["batch"]
        print(
            f"batch of {args.clips} clips: local 2 workers {b['local']['files_per_s']:.2f} files/s "
            f"(peak RSS {b['local']['peak_rss_mb']:.0f} MB), Dask 2 workers "
            f"{b['dask']['files_per_s']:.2f} files/s (peak RSS {b['dask']['peak_rss_mb']:.0f} MB); "
            f"Dask takes {b['dask_over_local_time']:.2f}x the local time"
        )
    if args.json:
        args.json.write_text(json.dumps(document, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
