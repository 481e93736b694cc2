"""Benchmark `verify match` at scale: query latency and memory against big banks.

Section 1 builds banks of synthetic videos (``--sizes``, default 1 k, 100 k
and 1 M). Each video has 45-75 frames (60 on average) at 0.5 s, as the
default ``fps=2`` sampling stores them. Hashes are random 64-bit values that
behave like a video's: within a shot every hash form (pHash, dHash and each
variant) walks randomly, flipping 0-6 bits from one frame to the next, and
about every 4 s a cut jumps to new random values; 3 % of frames are uniform
(flag bit 1, zero hashes) and 1 % of videos have a picture-in-picture inset
of their own (otherwise ``inset`` equals ``phash``, as the library stores it).
The schema comes from ``verify.bank.sqlite.Bank``; rows are then bulk-loaded with
plain sqlite3 (journal off during the load, WAL afterwards as the library
leaves it): videos first, then every posting sorted in primary-key order and
inserted through ``json_each`` (``--compare-load`` measures why). Banks are
cached in ``--workdir`` with a sidecar JSON of their build figures.

Section 2 runs ``--queries`` synthetic clips per bank through
``verify.match_fingerprint`` in a child process (peak RSS from
``os.wait4``): half are copies of stored videos (10-20 s excerpts cut at a
random time and phase, sampled at ``--query-fps`` like `verify match`, every
hash form with 1-6 random bits flipped, as a re-encode does), half unrelated
clips from the same generator that should match nothing. Each clip comes
with anchor pictures for the off-centre crop search (`verify.matching.reframe`):
smooth random pictures, so the framing search against every candidate costs
what it does in `verify match` (these moving clips give more probe keys than
`REFRAME_PROBE_BELOW_KEYS`, so the anchor's own lookups are not added, as
for real moving footage). It reports median
and p95 latency, the share spent in ``Bank.candidates`` (the SQL), recall
on the copies and false matches on the unrelated clips. The bank file is
read once beforehand so the warm figures find it in the page cache; with
``--cold`` the same queries run again after ``posix_fadvise(DONTNEED)`` has
dropped the bank from the page cache.

Section 3 times ``verify.bank.indexing.index_file`` of a real 30 s 720p H.264
clip into the 100 k bank (else the largest one built) against
``verify.hashing.fingerprint.fingerprint_video`` of the same clip, in-process after
a warm-up, median of ``--repeat``; the video is removed from the bank
between runs. Goal: the ratio is close to 1.0.

Section 4 (``--profile``, on the largest bank) shows where a query's time
goes and what else would cost: ``EXPLAIN QUERY PLAN`` of the library's
candidate query and of alternatives, then the candidate retrieval alone for
each alternative on the same clips (the library's statement, which SQLite
runs as a scan of every posting, only on the first few clips; the same with
``ANALYZE temp`` after filling the probe table; the join order forced with
``CROSS JOIN``; ``key IN (SELECT ...)`` from the probe table or from
``json_each``; postings fetched and votes counted in numpy; fewer probe keys;
a bigger page cache; mmap), and finally the whole ``match_clip`` with the
``CROSS JOIN`` statement patched into this process's bank object, at the
default candidate limits and stricter ones, warm and with the bank dropped
from the page cache before every clip. Nothing here changes the library:
these are figures for its engineer to choose from.

Goals (from the issue): at 1 M videos, under 1 s a query and under 4 GB.

Usage::

    .venv/bin/python bench/bench_match_scale.py [--sizes 1000,100000,1000000]
        [--queries 20] [--query-fps 16] [--cold] [--profile] [--compare-load]
        [--repeat 3] [--workdir bench/out/scale] [--json FILE]

Exit status is 0 unless something failed to run (1).
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import datetime as dt
import hashlib
import json
import os
import resource
import sqlite3
import statistics
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

import cv2
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))  # bench_inspect

from bench_inspect import MB, BenchError, atomic_output, run_checked, warm_page_cache

from verify import (
    INDEXED_FORMS,
    MATCH,
    STORED_FORMS,
    Form,
    FrameForms,
    FrameHash,
    HashedFrame,
    MatchConfig,
    Reframer,
    Sampling,
    VideoFingerprint,
    find_tool,
    fingerprint_video,
    index_file,
    lookup_hashes,
    match_fingerprint,
    probe_hashes,
    slice_keys,
)

# The one exception to "benches use the public API": this bench builds banks
# of a million videos by writing the SQLite backend's own rows in bulk (the
# public `add_video` would take hours), so it reads that backend's layout.
from verify.bank.records import FLAG_KEYFRAME, FLAG_UNIFORM, FRAME_DTYPE
from verify.bank.sqlite import SqliteBank as Bank
from verify.timestamps import format_utc

BENCH_DIR = Path(__file__).resolve().parent
DEFAULT_WORKDIR = BENCH_DIR / "out" / "scale"
DEFAULT_SIZES = (1_000, 100_000, 1_000_000)
WORKER = "_query_worker"  # argv[1] that makes this script a measuring child
BUILDER = "_build_worker"  # argv[1] that makes this script build one bank

# --- the synthetic bank ---------------------------------------------------------------------
# Bump when the generator changes: cached banks of another version are rebuilt.
GENERATOR_VERSION = 4  # 2: centre 70 % hashes posted too (bank schema 2); 4: upper 75 % hashes
INTERVAL_S = 0.5  # fps=2, the default sampling of the bank
FRAMES_MIN, FRAMES_MAX = 45, 75  # 60 on average
CUT_PROBABILITY = 1 / 8  # a shot change every ~4 s
MAX_STEP_BITS = 6  # bits flipped between consecutive frames of a shot: 0..6
UNIFORM_FRACTION = 0.03
INSET_FRACTION = 0.01  # videos with a picture-in-picture window of their own
WALKED_FORMS = ("phash", "dhash", "centre85", "centre70", "mirror", "mirror_centre70")
INDEXED = tuple(form.value for form in INDEXED_FORMS)
CHUNK_VIDEOS = 20_000
LOAD_BATCH = 500_000  # postings per INSERT ... SELECT FROM json_each
NO_KEY = np.uint64(1 << 20)  # above every posting key: marks unused slots

# --- the queries ----------------------------------------------------------------------------
CLIP_SECONDS = (10.0, 20.0)
MATCH_FPS = Sampling.parse(MATCH.query_sampling).rate or 16.0
NOISE_BITS = (1, 6)  # a re-encode moves each hash by this many bits
GOAL_LATENCY_S = 1.0
GOAL_RSS_MB = 4000.0
GOAL_SIZE = 1_000_000

# --- the indexing clip ----------------------------------------------------------------------
INDEX_CLIP_SECONDS = 30
INDEX_CLIP_ENCODE = [
    "-c:v", "libx264", "-preset", "veryfast", "-crf", "23", "-g", "60",
    "-profile:v", "high", "-pix_fmt", "yuv420p", "-c:a", "aac", "-b:a", "128k",
]  # fmt: skip


def progress(message: str) -> None:
    """A progress line on stderr (stdout carries the report)."""
    print(f"[bench_match_scale] {message}", file=sys.stderr, flush=True)


def size_label(size: int) -> str:
    """1000 -> '1k', 1000000 -> '1M'."""
    if size >= 1_000_000 and size % 1_000_000 == 0:
        return f"{size // 1_000_000}M"
    if size >= 1_000 and size % 1_000 == 0:
        return f"{size // 1_000}k"
    return str(size)


# =========================================================================== synthetic hashes


def random_u64(rng: np.random.Generator, shape: tuple[int, ...]) -> np.ndarray:
    """Uniform random 64-bit values."""
    return rng.integers(0, np.iinfo(np.uint64).max, size=shape, dtype=np.uint64, endpoint=True)


def random_bits(
    rng: np.random.Generator, shape: tuple[int, ...], low: int, high: int
) -> np.ndarray:
    """Masks with ``low``..``high`` random bits set (fewer when positions coincide)."""
    count = rng.integers(low, high + 1, size=shape)
    positions = rng.integers(0, 64, size=(*shape, high), dtype=np.uint64)
    bits = np.left_shift(np.uint64(1), positions)
    bits[np.arange(high) >= count[..., None]] = 0
    return np.bitwise_or.reduce(bits, axis=-1)


def random_walk(rng: np.random.Generator, cuts: np.ndarray) -> np.ndarray:
    """Hashes (videos x frames) that drift a few bits a frame and jump at ``cuts``."""
    videos, frames = cuts.shape
    fresh = random_u64(rng, (videos, frames))
    steps = random_bits(rng, (videos, frames), 0, MAX_STEP_BITS)
    walk = np.empty((videos, frames), np.uint64)
    walk[:, 0] = fresh[:, 0]
    for i in range(1, frames):
        walk[:, i] = np.where(cuts[:, i], fresh[:, i], walk[:, i - 1] ^ steps[:, i])
    return walk


def synthetic_videos(rng: np.random.Generator, videos: int) -> tuple[np.ndarray, np.ndarray]:
    """Frame rows (videos x FRAMES_MAX, FRAME_DTYPE) and each video's frame count."""
    counts = rng.integers(FRAMES_MIN, FRAMES_MAX + 1, size=videos)
    cuts = rng.random((videos, FRAMES_MAX)) < CUT_PROBABILITY
    rows = np.zeros((videos, FRAMES_MAX), FRAME_DTYPE)
    rows["time"] = np.arange(FRAMES_MAX) * INTERVAL_S
    for name in WALKED_FORMS:
        rows[name] = random_walk(rng, cuts)
    # The upper 75 % hash (bank schema 3) from a stream of its own, so that the
    # banks and clips are those of generator 2 apart from it.
    rows["upper"] = random_walk(np.random.Generator(rng.bit_generator.jumped()), cuts)
    rows["inset"] = rows["phash"]
    with_inset = rng.random(videos) < INSET_FRACTION
    if with_inset.any():
        rows["inset"][with_inset] = random_walk(rng, cuts[with_inset])
    uniform = rng.random((videos, FRAMES_MAX)) < UNIFORM_FRACTION
    keyframe = cuts | (np.arange(FRAMES_MAX) % 4 == 0)  # a GOP of 2 s, and every cut
    rows["flags"] = np.where(uniform, FLAG_UNIFORM, 0) | np.where(keyframe, FLAG_KEYFRAME, 0)
    for name in (*WALKED_FORMS, "inset", "upper"):
        rows[name][uniform] = 0  # a black frame
    return rows, counts


def posting_keys(rows: np.ndarray, counts: np.ndarray, first_id: int) -> np.ndarray:
    """Every (key, video id) of these videos packed as ``key << 32 | id``, as Bank stores them.

    Same keys as ``verify.bank.sqlite._index_keys``: the 16-bit slices of the usable
    frames' indexed forms, each key once per video.
    """
    videos = rows.shape[0]
    frames = np.stack([rows[name] for name in INDEXED], axis=-1)  # videos x frames x forms
    positions = np.arange(4, dtype=np.uint64)
    keys = ((frames[..., None] >> (positions * np.uint64(16))) & np.uint64(0xFFFF)) | (
        positions << np.uint64(16)
    )
    usable = (np.arange(FRAMES_MAX)[None, :] < counts[:, None]) & (
        (rows["flags"] & FLAG_UNIFORM) == 0
    )
    keys = np.where(usable[..., None, None], keys, NO_KEY).reshape(videos, -1)
    keys.sort(axis=1)
    keep = keys != NO_KEY
    keep[:, 1:] &= keys[:, 1:] != keys[:, :-1]
    ids = np.arange(first_id, first_id + videos, dtype=np.uint64)
    return (keys << np.uint64(32) | ids[:, None])[keep]


def video_sha256(seed: int, video_id: int) -> str:
    """The synthetic SHA-256 of a stored video."""
    return hashlib.sha256(f"synthetic-{seed}-{video_id}".encode()).hexdigest()


def video_rows(
    rows: np.ndarray, counts: np.ndarray, first_id: int, seed: int, added_at: str
) -> Iterator[tuple[Any, ...]]:
    """`videos` table rows for a chunk, with metadata shaped like `index_file`'s."""
    for offset, (frames, count) in enumerate(zip(rows, counts.tolist(), strict=True)):
        video_id = first_id + offset
        sha256 = video_sha256(seed, video_id)
        summary = {
            "format": "mov,mp4,m4a,3gp,3g2,mj2",
            "creation_time": None,
            "device": {"make": None, "model": None, "software": None},
            "location": None,
            "flags": [],
            "md5": sha256[:32],
            "mtime": added_at,
        }
        yield (
            video_id, sha256, f"/archive/synthetic/{video_id:07d}.mp4", 4_000_000 + video_id,
            count * INTERVAL_S, 1280, 720, "fps=2", added_at, "synthetic", None, None,
            json.dumps(summary), count, frames[:count].tobytes(),
        )  # fmt: skip


# =========================================================================== building banks


def bank_path(workdir: Path, size: int) -> Path:
    return workdir / f"bank_{size_label(size)}.sqlite"


def bulk_connection(path: Path) -> sqlite3.Connection:
    """A connection for the bulk load: no journal, no syncs, a big page cache."""
    db = sqlite3.connect(path, isolation_level=None)
    db.execute("PRAGMA journal_mode=OFF")
    db.execute("PRAGMA synchronous=OFF")
    db.execute("PRAGMA cache_size=-1000000")  # 1 GB
    return db


def insert_postings_json(db: sqlite3.Connection, packed: np.ndarray) -> None:
    """Insert packed postings in their order, a batch per statement through json_each."""
    for start in range(0, packed.size, LOAD_BATCH):
        batch = packed[start : start + LOAD_BATCH]
        db.execute(
            "INSERT INTO postings (key, video_id) "
            "SELECT value >> 32, value & 4294967295 FROM json_each(?)",
            ("[" + ",".join(map(str, batch.tolist())) + "]",),
        )


def insert_postings_executemany(db: sqlite3.Connection, packed: np.ndarray) -> None:
    """Insert packed postings in their order with executemany."""
    for start in range(0, packed.size, LOAD_BATCH):
        batch = packed[start : start + LOAD_BATCH]
        db.executemany(
            "INSERT INTO postings (key, video_id) VALUES (?, ?)",
            zip(
                (batch >> np.uint64(32)).tolist(),
                (batch & np.uint64(0xFFFFFFFF)).tolist(),
                strict=True,
            ),
        )


def build_bank(path: Path, size: int, seed: int) -> dict[str, Any]:
    """Generate and bulk-load a bank of ``size`` synthetic videos; return build figures."""
    partial = atomic_output(path)
    for stale in (partial, Path(f"{partial}-wal"), Path(f"{partial}-shm")):
        stale.unlink(missing_ok=True)
    started = time.perf_counter()
    Bank(partial).close()  # the library's schema, application id and version
    db = bulk_connection(partial)
    added_at = format_utc(dt.datetime(2024, 1, 1, tzinfo=dt.timezone.utc))
    rng = np.random.default_rng([seed, size])
    chunks: list[np.ndarray] = []
    generate_s = videos_s = 0.0
    frames = 0
    db.execute("BEGIN")
    for first in range(1, size + 1, CHUNK_VIDEOS):
        count = min(CHUNK_VIDEOS, size + 1 - first)
        tick = time.perf_counter()
        rows, counts = synthetic_videos(rng, count)
        chunks.append(posting_keys(rows, counts, first))
        frames += int(counts.sum())
        generate_s += time.perf_counter() - tick
        tick = time.perf_counter()
        db.executemany(
            "INSERT INTO videos (id, sha256, path, size, duration, width, height, sampling, "
            "added_at, source, posted_at, url, summary, frame_count, frames) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            video_rows(rows, counts, first, seed, added_at),
        )
        videos_s += time.perf_counter() - tick
        if (first - 1) % (10 * CHUNK_VIDEOS) == 0 and size > 10 * CHUNK_VIDEOS:
            progress(f"  {size_label(size)}: {first - 1 + count} videos generated")
    tick = time.perf_counter()
    packed = np.concatenate(chunks)
    del chunks
    packed.sort()
    sort_s = time.perf_counter() - tick
    progress(f"  {size_label(size)}: inserting {packed.size:,} postings")
    tick = time.perf_counter()
    insert_postings_json(db, packed)
    db.execute("COMMIT")
    postings_s = time.perf_counter() - tick
    postings = int(packed.size)
    del packed
    db.execute("PRAGMA journal_mode=WAL")  # as Bank leaves it
    db.close()
    total_s = time.perf_counter() - started
    partial.replace(path)
    info = {
        "generator_version": GENERATOR_VERSION,
        "seed": seed,
        "videos": size,
        "frames": frames,
        "postings": postings,
        "file_bytes": path.stat().st_size,
        "build_s": round(total_s, 1),
        "generate_s": round(generate_s, 1),
        "insert_videos_s": round(videos_s, 1),
        "sort_postings_s": round(sort_s, 1),
        "insert_postings_s": round(postings_s, 1),
        "built_at": format_utc(dt.datetime.now(dt.timezone.utc)),
    }
    path.with_suffix(".json").write_text(json.dumps(info, indent=2) + "\n")
    return info


def ensure_bank(workdir: Path, size: int, seed: int) -> tuple[Path, dict[str, Any]]:
    """The cached bank of ``size`` videos, built now if missing or from another generator."""
    path = bank_path(workdir, size)
    sidecar = path.with_suffix(".json")
    if path.is_file() and sidecar.is_file():
        info = json.loads(sidecar.read_text())
        if info.get("generator_version") == GENERATOR_VERSION and info.get("seed") == seed:
            info["cached"] = True
            info["file_bytes"] = path.stat().st_size
            return path, info
    path.unlink(missing_ok=True)
    need = size * 9_000  # ~8.5 kB a video measured (frames blob + postings), with margin
    free = os_free_bytes(workdir)
    if free < need:
        raise BenchError(
            f"building the {size_label(size)} bank needs about {need / 1e9:.1f} GB, "
            f"{free / 1e9:.1f} GB free in {workdir}"
        )
    progress(f"building the {size_label(size)} bank ({size:,} videos)")
    # In a child, so this process stays small: a child's ru_maxrss starts at its parent's.
    argv = [sys.executable, str(Path(__file__).resolve()), BUILDER, str(path), str(size), str(seed)]
    run = run_checked(argv, f"building the {size_label(size)} bank")
    info = json.loads(run.stdout)
    info["build_peak_rss_mb"] = round(run.max_rss_mb, 1)
    sidecar.write_text(json.dumps(info, indent=2) + "\n")
    info["cached"] = False
    return path, info


def os_free_bytes(folder: Path) -> int:
    stat = os.statvfs(folder)
    return stat.f_bavail * stat.f_frsize


def compare_load_methods(workdir: Path, seed: int, videos: int = 20_000) -> dict[str, Any]:
    """Postings load rate by method, on the postings of ``videos`` synthetic videos.

    Each method loads the same postings into a fresh table of the library's
    schema: executemany in video order (as incremental adds arrive),
    executemany in key order, and ``INSERT ... SELECT FROM json_each`` in key
    order.
    """
    rng = np.random.default_rng([seed, 7])
    rows, counts = synthetic_videos(rng, videos)
    packed = np.sort(posting_keys(rows, counts, 1))
    by_video = packed[np.argsort(packed & np.uint64(0xFFFFFFFF), kind="stable")]
    methods: dict[str, tuple[np.ndarray, Callable[[sqlite3.Connection, np.ndarray], None]]] = {
        "executemany, video order": (by_video, insert_postings_executemany),
        "executemany, key order": (packed, insert_postings_executemany),
        "json_each, key order": (packed, insert_postings_json),
    }
    results = {}
    path = workdir / "load_compare.sqlite"
    for name, (order, insert) in methods.items():
        for stale in (path, Path(f"{path}-wal"), Path(f"{path}-shm")):
            stale.unlink(missing_ok=True)
        Bank(path).close()
        db = bulk_connection(path)
        start = time.perf_counter()
        db.execute("BEGIN")
        insert(db, order)
        db.execute("COMMIT")
        seconds = time.perf_counter() - start
        db.close()
        results[name] = {
            "postings": int(order.size),
            "seconds": round(seconds, 3),
            "postings_per_s": round(order.size / seconds),
            "bytes_per_posting": round(path.stat().st_size / order.size, 2),
        }
    for stale in (path, Path(f"{path}-wal"), Path(f"{path}-shm")):
        stale.unlink(missing_ok=True)
    return results


def drop_from_page_cache(path: Path) -> None:
    """Evict ``path`` (and its WAL) from the page cache, leaving other files alone."""
    for target in (path, Path(f"{path}-wal"), Path(f"{path}-shm")):
        if target.exists():
            fd = os.open(target, os.O_RDONLY)
            try:
                os.fsync(fd)
                os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
            finally:
                os.close(fd)


# =========================================================================== queries


@dataclasses.dataclass(frozen=True)
class Query:
    """A synthetic clip and the stored video it copies (None: unrelated)."""

    fingerprint: VideoFingerprint
    source_id: int | None
    source_sha256: str | None
    reframer: Reframer


def clip_from(
    rows: np.ndarray, rng: np.random.Generator, fps: float, name: str
) -> VideoFingerprint:
    """A 10-20 s excerpt of ``rows`` resampled at ``fps``, every hash moved by 1-6 bits."""
    stored_end = float(rows["time"][-1])
    seconds = min(float(rng.uniform(*CLIP_SECONDS)), stored_end)
    start = float(rng.uniform(0.0, max(0.0, stored_end - seconds)))
    count = max(1, int(seconds * fps))
    times = np.arange(count) / fps
    nearest = np.clip(np.round((start + times) / INTERVAL_S).astype(int), 0, rows.size - 1)
    source = rows[nearest]
    noise = {
        form.value: random_bits(rng, (count,), *NOISE_BITS)
        for form in STORED_FORMS
        if form is not Form.UPPER
    }
    noise["upper"] = random_bits(  # its own stream: the clips stay those of generator 2
        np.random.Generator(rng.bit_generator.jumped()), (count,), *NOISE_BITS
    )
    frames = []
    for i in range(count):
        uniform = bool(source["flags"][i] & FLAG_UNIFORM)

        def moved(form: str, i: int = i, uniform: bool = uniform) -> FrameHash:
            value = int(source[form][i])
            return FrameHash(value if uniform else value ^ int(noise[form][i]))

        forms = FrameForms(tuple(moved(form.value) for form in STORED_FORMS))
        frames.append(
            HashedFrame(float(times[i]), forms, uniform, bool(source["flags"][i] & FLAG_KEYFRAME))
        )
    return VideoFingerprint(
        path=name, sha256=hashlib.sha256(name.encode()).hexdigest(), size=0,
        duration=count / fps, sampling=f"fps={fps:g}", width=1280, height=720, crop=None,
        frames=tuple(frames),
    )  # fmt: skip


def synthetic_reframer(clip: VideoFingerprint, rng: np.random.Generator) -> Reframer:
    """The clip's anchor pictures as `verify match` keeps them, here smooth random pictures.

    The clip's hashes are random, so are its pictures: the window probes and
    the framing search against every candidate run at their real cost, and
    find no framing (so no clip frames are hashed through one).
    """
    reframer = Reframer(clip.path, clip.sampling)
    for frame in clip.frames:
        coarse = rng.integers(0, 256, (9, 16), dtype=np.uint8)
        reframer.add(frame.time, cv2.resize(coarse, (160, 90), interpolation=cv2.INTER_CUBIC))
    return reframer


def make_queries(bank: Bank, size: int, count: int, seed: int, fps: float) -> list[Query]:
    """Half copies of random stored videos, half unrelated clips (same generator, new seed)."""
    rng = np.random.default_rng([seed, size, 99])
    queries = []
    for i in range(count):
        pictures = np.random.default_rng([seed, size, 98, i])  # the clips stay as they were
        if i % 2 == 0:
            video_id = int(rng.integers(1, size + 1))
            rows = bank.frame_rows(video_id)
            sha256 = bank.video_by_id(video_id).sha256
            clip = clip_from(rows, rng, fps, f"copy-of-{video_id}.mp4")
            queries.append(Query(clip, video_id, sha256, synthetic_reframer(clip, pictures)))
        else:
            rows, counts = synthetic_videos(rng, 1)
            clip = clip_from(rows[0, : counts[0]], rng, fps, f"unrelated-{i}.mp4")
            queries.append(Query(clip, None, None, synthetic_reframer(clip, pictures)))
    return queries


def clip_probe_hashes(clip: VideoFingerprint) -> list[int]:
    """The hashes matching looks up in the postings for a clip's own frames."""
    return probe_hashes(clip.table())


CandidatesFn = Callable[..., list[tuple[int, int]]]


@contextlib.contextmanager
def timed_candidates(
    bank: Bank, spent: list[float], impl: CandidatesFn | None = None
) -> Iterator[None]:
    """Record the seconds each `Bank.candidates` call takes (instance patch, bench only).

    ``impl``, if given, answers instead of the library's method.
    """
    original = impl or bank.candidates

    def wrapper(*args: Any, **kwargs: Any) -> list[tuple[int, int]]:
        start = time.perf_counter()
        try:
            return original(*args, **kwargs)
        finally:
            spent.append(time.perf_counter() - start)

    bank.candidates = wrapper  # type: ignore[method-assign]
    try:
        yield
    finally:
        del bank.candidates


def run_library_queries(
    bank: Bank,
    queries: Sequence[Query],
    impl: CandidatesFn | None = None,
    config: MatchConfig = MATCH,
) -> list[dict[str, Any]]:
    """Time `match_clip` on every query; return per-query figures."""
    results = []
    for query in queries:
        spent: list[float] = []
        with timed_candidates(bank, spent, impl):
            start = time.perf_counter()
            report = match_fingerprint(query.fingerprint, bank, config, reframer=query.reframer)
            seconds = time.perf_counter() - start
        found = [m.video.sha256 for m in report.matches]
        results.append(
            {
                "kind": "copy" if query.source_id else "unrelated",
                "seconds": seconds,
                "candidates_s": sum(spent),
                "candidates": report.candidates,
                "probe_keys": len(
                    slice_keys(
                        lookup_hashes(query.fingerprint.table(), query.reframer.probe_hashes)
                    )
                ),
                "frames": len(query.fingerprint.frames),
                "matches": len(found),
                "found": query.source_sha256 in found if query.source_sha256 else None,
                "top1": bool(found) and found[0] == query.source_sha256,
            }
        )
    return results


# --------------------------------------------------------------------------- profiling

# The library's first candidate query, and the same with SQLite's join order
# forced by CROSS JOIN (probe keys outside, one primary-key range of postings
# per key inside); the library now runs that CROSS JOIN over the keys passed as
# JSON (CROSS_JSON_SQL, as verify.bank.sqlite.SqliteBank.candidates does).
LIBRARY_SQL = (
    "SELECT p.video_id, count(*) AS votes FROM temp.probe AS q "
    "JOIN postings AS p ON p.key = q.key GROUP BY p.video_id "
    "HAVING votes >= ? ORDER BY votes DESC LIMIT ?"
)
CROSS_JOIN_SQL = LIBRARY_SQL.replace("JOIN postings", "CROSS JOIN postings")
IN_PROBE_SQL = (
    "SELECT video_id, count(*) AS votes FROM postings "
    "WHERE key IN (SELECT key FROM temp.probe) GROUP BY video_id "
    "HAVING votes >= ? ORDER BY votes DESC LIMIT ?"
)
IN_JSON_SQL = (
    "SELECT video_id, count(*) AS votes FROM postings "
    "WHERE key IN (SELECT value FROM json_each(?)) GROUP BY video_id "
    "HAVING votes >= ? ORDER BY votes DESC LIMIT ?"
)
CROSS_JSON_SQL = (
    "SELECT p.video_id, count(*) AS votes FROM (SELECT value AS key FROM json_each(?)) AS q "
    "CROSS JOIN postings AS p ON p.key = q.key GROUP BY p.video_id "
    "HAVING votes >= ? ORDER BY votes DESC, p.video_id LIMIT ?"
)
# At most this many queries run through a plan that scans every posting.
SLOW_PLAN_QUERIES = 4


def fill_probe(db: sqlite3.Connection, keys: Sequence[int]) -> None:
    """The library's temporary probe table, filled with ``keys``."""
    db.execute("CREATE TEMP TABLE IF NOT EXISTS probe (key INTEGER PRIMARY KEY)")
    db.execute("DELETE FROM temp.probe")
    db.executemany("INSERT OR IGNORE INTO temp.probe VALUES (?)", ((k,) for k in keys))


def sql_candidates(
    db: sqlite3.Connection, sql: str, keys: Sequence[int], *, analyze: bool = False
) -> tuple[float, float, list[int]]:
    """Fill the probe table, run ``sql``: (fill seconds, query seconds, candidate ids)."""
    start = time.perf_counter()
    params: tuple[Any, ...] = (MATCH.min_candidate_votes, MATCH.max_candidates)
    if "json_each" in sql:
        params = (json.dumps(list(keys)), *params)
    else:
        fill_probe(db, keys)
        if analyze:
            db.execute("ANALYZE temp")
    filled = time.perf_counter()
    rows = db.execute(sql, params).fetchall()
    done = time.perf_counter()
    return filled - start, done - filled, [r[0] for r in rows]


def count_top(video_ids: np.ndarray, min_votes: int, limit: int) -> tuple[list[int], int]:
    """Top ``limit`` ids by votes among those with >= ``min_votes``; and how many qualify."""
    if video_ids.size == 0:
        return [], 0
    ids, votes = np.unique(video_ids, return_counts=True)
    qualified = votes >= min_votes
    ids, votes = ids[qualified], votes[qualified]
    order = np.argsort(-votes, kind="stable")[:limit]
    return ids[order].tolist(), int(qualified.sum())


def numpy_votes(db: sqlite3.Connection, keys: Sequence[int], how: str) -> dict[str, Any]:
    """Fetch the postings of ``keys`` (``how``: cross-join, per-key, json) and count in numpy."""
    start = time.perf_counter()
    if how == "per-key":
        parts = []
        for key in keys:
            rows = db.execute("SELECT video_id FROM postings WHERE key = ?", (key,)).fetchall()
            parts.append(np.fromiter((r[0] for r in rows), np.int64, len(rows)))
        ids = np.concatenate(parts) if parts else np.zeros(0, np.int64)
    else:
        if how == "json":
            sql = "SELECT video_id FROM postings WHERE key IN (SELECT value FROM json_each(?))"
            rows = db.execute(sql, (json.dumps(list(keys)),)).fetchall()
        else:
            fill_probe(db, keys)
            sql = "SELECT p.video_id FROM temp.probe AS q CROSS JOIN postings AS p ON p.key = q.key"
            rows = db.execute(sql).fetchall()
        ids = np.fromiter((r[0] for r in rows), np.int64, len(rows))
    fetched = time.perf_counter()
    top, qualified = count_top(ids, MATCH.min_candidate_votes, MATCH.max_candidates)
    return {
        "top": top,
        "fetch_s": fetched - start,
        "count_s": time.perf_counter() - fetched,
        "postings_fetched": int(ids.size),
        "qualified": qualified,
    }


def cross_join_candidates(db: sqlite3.Connection) -> CandidatesFn:
    """`Bank.candidates` with the join order forced (CROSS JOIN), for end-to-end runs."""

    def candidates(wanted: Any, *, min_votes: int, limit: int) -> list[tuple[int, int]]:
        keys = sorted(set(wanted))
        if not keys:
            return []
        fill_probe(db, keys)
        return db.execute(CROSS_JOIN_SQL, (min_votes, limit)).fetchall()

    return candidates


def explain(db: sqlite3.Connection, sql: str) -> str:
    """EXPLAIN QUERY PLAN of ``sql``, one line."""
    params: tuple[Any, ...] = ("[]", 2, 200) if "json_each" in sql else (2, 200)
    fill_probe(db, [])
    plan = db.execute("EXPLAIN QUERY PLAN " + sql, params).fetchall()
    return " | ".join(str(row[-1]) for row in plan)


def profile_queries(bank: Bank, queries: Sequence[Query]) -> dict[str, Any]:
    """Time each candidate-retrieval alternative on the same queries (see module doc)."""
    db = bank._db  # bench only: the library's own connection, to try statements and pragmas
    plans = {
        "first library query": explain(db, LIBRARY_SQL),
        "CROSS JOIN": explain(db, CROSS_JOIN_SQL),
        "IN (SELECT key FROM temp.probe)": explain(db, IN_PROBE_SQL),
        "IN json_each": explain(db, IN_JSON_SQL),
        "CROSS JOIN over json_each": explain(db, CROSS_JSON_SQL),
    }
    fill_probe(db, list(range(500)))
    db.execute("ANALYZE temp")
    plans["library after ANALYZE temp"] = explain(db, LIBRARY_SQL)
    db.execute("DROP TABLE temp.probe")  # and its statistics
    out: dict[str, Any] = {"plans": plans, "alternatives": {}}
    keysets = [sorted(slice_keys(clip_probe_hashes(q.fingerprint))) for q in queries]
    phash_only = [
        sorted(slice_keys(f.phash.value for f in q.fingerprint.frames if not f.uniform))
        for q in queries
    ]
    half_frames = [
        sorted(slice_keys(clip_probe_hashes(replace_frames(q.fingerprint, 2)))) for q in queries
    ]

    def record(name: str, func: Callable[[int], dict[str, Any]], subset: int | None = None) -> None:
        rows = []
        for i, query in enumerate(queries[:subset]):
            start = time.perf_counter()
            row = func(i)
            row["seconds"] = time.perf_counter() - start
            top = row.pop("top")
            row["kind"] = "copy" if query.source_id else "unrelated"
            row["candidates"] = len(top)
            if query.source_id:
                row["source_in_candidates"] = query.source_id in top
            rows.append(row)
        out["alternatives"][name] = rows

    def sql_row(sql: str, keys: Sequence[int], analyze: bool = False) -> dict[str, Any]:
        fill, run, top = sql_candidates(db, sql, keys, analyze=analyze)
        return {"top": top, "fill_s": fill, "query_s": run, "keys": len(keys)}

    progress("  profile: library plan (a few queries: it scans every posting)")
    record("library plan, as is", lambda i: sql_row(LIBRARY_SQL, keysets[i]), SLOW_PLAN_QUERIES)
    db.execute("PRAGMA mmap_size=34359738368")
    record(
        "library plan, mmap_size 32 GB",
        lambda i: sql_row(LIBRARY_SQL, keysets[i]),
        SLOW_PLAN_QUERIES,
    )
    db.execute("PRAGMA mmap_size=0")
    progress("  profile: other plans")
    record("library SQL after ANALYZE temp", lambda i: sql_row(LIBRARY_SQL, keysets[i], True))
    db.execute("DROP TABLE temp.probe")
    record("CROSS JOIN, GROUP BY", lambda i: sql_row(CROSS_JOIN_SQL, keysets[i]))
    record("IN (SELECT FROM probe), GROUP BY", lambda i: sql_row(IN_PROBE_SQL, keysets[i]))
    record("IN json_each, GROUP BY", lambda i: sql_row(IN_JSON_SQL, keysets[i]))
    record(
        "CROSS JOIN over json_each (the library's)", lambda i: sql_row(CROSS_JSON_SQL, keysets[i])
    )
    record("CROSS JOIN, count in numpy", lambda i: numpy_votes(db, keysets[i], "cross-join"))
    record("per-key SELECT, count in numpy", lambda i: numpy_votes(db, keysets[i], "per-key"))
    record("IN json_each, count in numpy", lambda i: numpy_votes(db, keysets[i], "json"))
    record("CROSS JOIN, probes pHash only", lambda i: sql_row(CROSS_JOIN_SQL, phash_only[i]))
    record("CROSS JOIN, every 2nd frame", lambda i: sql_row(CROSS_JOIN_SQL, half_frames[i]))
    db.execute("PRAGMA cache_size=-262144")
    record("CROSS JOIN, cache_size 256 MB", lambda i: sql_row(CROSS_JOIN_SQL, keysets[i]))
    db.execute("PRAGMA cache_size=-2000")
    db.execute("PRAGMA mmap_size=34359738368")
    record("CROSS JOIN, mmap_size 32 GB", lambda i: sql_row(CROSS_JOIN_SQL, keysets[i]))
    db.execute("PRAGMA mmap_size=0")

    # The whole match with the CROSS JOIN plan, and stricter candidate limits
    # (passed down in a MatchConfig).
    progress("  profile: match_clip with the CROSS JOIN plan")
    limits = {
        "defaults": (MATCH.min_candidate_votes, MATCH.max_candidates),
        "MAX_CANDIDATES 50": (MATCH.min_candidate_votes, 50),
        "MIN_CANDIDATE_VOTES 4": (4, MATCH.max_candidates),
        "MIN_CANDIDATE_VOTES 8": (8, MATCH.max_candidates),
    }
    impl = cross_join_candidates(db)
    out["match_clip"] = {}
    for name, (min_votes, limit) in limits.items():
        config = dataclasses.replace(MATCH, min_candidate_votes=min_votes, max_candidates=limit)
        out["match_clip"][name] = run_library_queries(bank, queries, impl, config)
    progress("  profile: match_clip with the CROSS JOIN plan, cold")
    rows = []
    for query in queries:
        drop_from_page_cache(bank.path)
        rows += run_library_queries(bank, [query], impl)
    out["match_clip"]["defaults, cold (bank dropped before each)"] = rows
    return out


def replace_frames(clip: VideoFingerprint, step: int) -> VideoFingerprint:
    """``clip`` with every ``step``-th frame only."""
    return dataclasses.replace(clip, frames=clip.frames[::step])


def own_peak_rss_kib() -> int:
    """This process's own peak RSS (VmHWM), in KiB.

    ``ru_maxrss`` (and so ``os.wait4``) would do, but Linux carries the
    parent's peak into a child across fork and exec, so the child of a big
    parent reports at least that; VmHWM belongs to the child's own memory.
    """
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def worker_main(argv: Sequence[str]) -> int:
    """The measuring child: build the clips, run the queries, print JSON.

    ``argv`` is ``BANK SIZE QUERIES SEED FPS MODE``; MODE is ``match`` or ``profile``.
    """
    path, size, count, seed, fps, mode = argv
    with Bank(Path(path), readonly=True) as bank:
        queries = make_queries(bank, int(size), int(count), int(seed), float(fps))
        rss_before = own_peak_rss_kib()
        if mode == "match":
            result: dict[str, Any] = {"queries": run_library_queries(bank, queries)}
        else:
            result = {"profile": profile_queries(bank, queries)}
    result["rss_before_queries_kib"] = rss_before
    result["rss_kib"] = own_peak_rss_kib()
    print(json.dumps(result))
    return 0


def run_worker(path: Path, size: int, args: argparse.Namespace, mode: str) -> dict[str, Any]:
    """One measuring child; its JSON plus wall time and peak RSS from os.wait4."""
    argv = [
        sys.executable, str(Path(__file__).resolve()), WORKER, str(path), str(size),
        str(args.queries), str(args.seed), str(args.query_fps), mode,
    ]  # fmt: skip
    run = run_checked(argv, f"{mode} queries on the {size_label(size)} bank")
    try:
        report = json.loads(run.stdout)
    except json.JSONDecodeError as exc:
        raise BenchError(f"the query child printed invalid JSON: {exc}") from exc
    report["wall_s"] = round(run.wall_s, 2)
    report["wait4_rss_mb"] = round(run.max_rss_mb, 1)
    report["peak_rss_mb"] = round(report["rss_kib"] * 1024 / MB, 1)
    return report


def percentile(values: Sequence[float], fraction: float) -> float:
    """Nearest-rank percentile (p95 of 20 values is the 19th)."""
    ordered = sorted(values)
    rank = max(1, int(np.ceil(fraction * len(ordered))))
    return ordered[rank - 1]


def summarise_queries(report: dict[str, Any]) -> dict[str, Any]:
    rows = report["queries"]
    seconds = [r["seconds"] for r in rows]
    copies = [r for r in rows if r["kind"] == "copy"]
    unrelated = [r for r in rows if r["kind"] == "unrelated"]
    return {
        "queries": len(rows),
        "p50_s": round(statistics.median(seconds), 4),
        "p95_s": round(percentile(seconds, 0.95), 4),
        "max_s": round(max(seconds), 4),
        "first_s": round(seconds[0], 4),
        "candidates_p50_s": round(statistics.median(r["candidates_s"] for r in rows), 4),
        "align_p50_s": round(statistics.median(r["seconds"] - r["candidates_s"] for r in rows), 4),
        "candidates_median": statistics.median(r["candidates"] for r in rows),
        "probe_keys_median": statistics.median(r["probe_keys"] for r in rows),
        "frames_median": statistics.median(r["frames"] for r in rows),
        "recall": f"{sum(r['found'] for r in copies)}/{len(copies)}",
        "top1": f"{sum(r['top1'] for r in copies)}/{len(copies)}",
        "false_matches": f"{sum(r['matches'] > 0 for r in unrelated)}/{len(unrelated)}",
        "peak_rss_mb": report["peak_rss_mb"],
        "wait4_rss_mb": report["wait4_rss_mb"],
        "rss_before_queries_mb": round(report["rss_before_queries_kib"] * 1024 / MB, 1),
    }


def measure_size(size: int, path: Path, args: argparse.Namespace) -> dict[str, Any]:
    """Warm (and with --cold, cold) query runs against one bank."""
    progress(f"{size_label(size)}: reading the bank into the page cache")
    warm_page_cache(path)
    progress(f"{size_label(size)}: {args.queries} queries, warm")
    result = {"warm": summarise_queries(run_worker(path, size, args, "match"))}
    if args.cold:
        drop_from_page_cache(path)
        progress(f"{size_label(size)}: {args.queries} queries, cold")
        result["cold"] = summarise_queries(run_worker(path, size, args, "match"))
    return result


# =========================================================================== indexing cost


def make_index_clip(ffmpeg: str, target: Path) -> bool:
    """A 30 s 720p H.264 clip: mandelbrot zoom, a cut, testsrc2, grain; True if made now."""
    if target.is_file() and target.stat().st_size > 0:
        return False
    half = INDEX_CLIP_SECONDS // 2
    graph = (
        f"mandelbrot=size=1280x720:rate=30,trim=duration={half},format=yuv420p[a];"
        f"testsrc2=size=1280x720:rate=30:duration={INDEX_CLIP_SECONDS - half},format=yuv420p[b];"
        f"[a][b]concat=n=2:v=1:a=0,noise=alls=6:allf=t[v];"
        f"sine=frequency=440:sample_rate=48000:duration={INDEX_CLIP_SECONDS}[s]"
    )
    partial = atomic_output(target)
    argv = [
        ffmpeg, "-hide_banner", "-nostdin", "-v", "error", "-y", "-filter_complex", graph,
        "-map", "[v]", "-map", "[s]", *INDEX_CLIP_ENCODE, "-f", "mp4", str(partial),
    ]  # fmt: skip
    run_checked(argv, f"encoding {target.name}")
    partial.replace(target)
    return True


def measure_indexing(bank_file: Path, size: int, clip: Path, repeat: int) -> dict[str, Any]:
    """index_file into the bank against fingerprint_video alone; median of ``repeat``."""
    warm_page_cache(clip)
    hash_s: list[float] = []
    index_s: list[float] = []
    remove_s: list[float] = []
    with Bank(bank_file) as bank:
        sha256 = fingerprint_video(clip).sha256  # warm-up (imports, tool lookup, caches)
        if bank.has(sha256):
            bank.remove(sha256)
        index_file(bank, clip)
        bank.remove(sha256)
        for _ in range(repeat):
            start = time.perf_counter()
            fingerprint_video(clip)
            hash_s.append(time.perf_counter() - start)
            start = time.perf_counter()
            result = index_file(bank, clip)
            index_s.append(time.perf_counter() - start)
            if not result.added:
                raise BenchError("index_file did not add the clip (was it left in the bank?)")
            start = time.perf_counter()
            bank.remove(sha256)
            remove_s.append(time.perf_counter() - start)
    hash_median = statistics.median(hash_s)
    index_median = statistics.median(index_s)
    return {
        "bank": size_label(size),
        "clip": clip.name,
        "repeat": repeat,
        "fingerprint_s": round(hash_median, 3),
        "index_file_s": round(index_median, 3),
        "ratio": round(index_median / hash_median, 3),
        "remove_s": round(statistics.median(remove_s), 3),
        "fingerprint_runs_s": [round(s, 3) for s in hash_s],
        "index_runs_s": [round(s, 3) for s in index_s],
    }


# =========================================================================== report


def format_report(doc: dict[str, Any]) -> list[str]:
    lines = ["== banks (synthetic, ~60 frames a video, fps=2) =="]
    lines.append(
        f"{'bank':>5} {'videos':>10} {'frames':>12} {'postings':>13} {'file GB':>8} "
        f"{'build s':>8}  (generate / videos / sort / postings)  cached"
    )
    for label, info in doc["banks"].items():
        lines.append(
            f"{label:>5} {info['videos']:>10,} {info['frames']:>12,} {info['postings']:>13,} "
            f"{info['file_bytes'] / 1e9:>8.2f} {info['build_s']:>8.1f}  "
            f"({info['generate_s']} / {info['insert_videos_s']} / {info['sort_postings_s']} / "
            f"{info['insert_postings_s']})  {'yes' if info.get('cached') else 'no'}"
        )
    for phase in ("warm", "cold"):
        rows = [(label, r[phase]) for label, r in doc["queries"].items() if phase in r]
        if not rows:
            continue
        lines += ["", f"== queries, {phase} page cache (match_clip in a child process) =="]
        lines.append(
            f"{'bank':>5} {'n':>3} {'p50 s':>7} {'p95 s':>7} {'max s':>7} {'1st s':>7} "
            f"{'SQL p50':>8} {'align p50':>9} {'cands':>6} {'keys':>5} {'RSS MB':>7} {'recall':>7} "
            f"{'top1':>6} {'false':>6}"
        )
        for label, s in rows:
            lines.append(
                f"{label:>5} {s['queries']:>3} {s['p50_s']:>7.3f} {s['p95_s']:>7.3f} "
                f"{s['max_s']:>7.3f} {s['first_s']:>7.3f} {s['candidates_p50_s']:>8.3f} "
                f"{s['align_p50_s']:>9.3f} "
                f"{s['candidates_median']:>6g} {s['probe_keys_median']:>5g} "
                f"{s['peak_rss_mb']:>7.1f} {s['recall']:>7} {s['top1']:>6} "
                f"{s['false_matches']:>6}"
            )
    if doc.get("goal"):
        goal = doc["goal"]
        lines += ["", f"goal at {size_label(GOAL_SIZE)}: {goal['text']}"]
    if doc.get("indexing"):
        ix = doc["indexing"]
        lines += [
            "",
            f"== indexing cost ({ix['clip']} into the {ix['bank']} bank, median of "
            f"{ix['repeat']}) ==",
            f"fingerprint_video {ix['fingerprint_s']:.3f} s, index_file {ix['index_file_s']:.3f} s"
            f" -> ratio {ix['ratio']:.2f} (goal ~1.0); bank.remove {ix['remove_s']:.3f} s",
        ]
    if doc.get("load_methods"):
        lines += ["", "== postings load methods (fresh table, journal off) =="]
        for name, r in doc["load_methods"].items():
            lines.append(
                f"{name:<28} {r['postings']:>10,} postings {r['seconds']:>7.2f} s "
                f"{r['postings_per_s']:>11,}/s {r['bytes_per_posting']:>6.2f} B/posting"
            )
    if doc.get("profile"):
        lines += ["", *format_profile(doc["profile"])]
    return lines


def median_of(rows: Sequence[dict[str, Any]], key: str) -> float:
    return statistics.median(r[key] for r in rows)


def format_profile(profile: dict[str, Any]) -> list[str]:
    data = profile["report"]["profile"]
    lines = [f"== profile on the {profile['bank']} bank (warm page cache) =="]
    lines += [f"plan, {name}: {plan}" for name, plan in data["plans"].items()]
    lines += [
        "",
        "candidate retrieval only (seconds a query):",
        f"{'alternative':<36} {'n':>3} {'p50 s':>7} {'p95 s':>7} {'cands':>6} {'src found':>9}"
        "  detail",
    ]
    for name, rows in data["alternatives"].items():
        seconds = [r["seconds"] for r in rows]
        copies = [r for r in rows if r["kind"] == "copy"]
        found = f"{sum(r['source_in_candidates'] for r in copies)}/{len(copies)}"
        if "fill_s" in rows[0]:
            detail = (
                f"fill {median_of(rows, 'fill_s'):.4f} s + query {median_of(rows, 'query_s'):.3f}"
                f" s, {median_of(rows, 'keys'):g} keys"
            )
        else:
            votes = MATCH.min_candidate_votes
            detail = (
                f"fetch {median_of(rows, 'fetch_s'):.3f} s + count {median_of(rows, 'count_s'):.3f}"
                f" s, {median_of(rows, 'postings_fetched'):,.0f} postings, "
                f"{median_of(rows, 'qualified'):,.0f} videos >= {votes} votes"
            )
        lines.append(
            f"{name:<36} {len(rows):>3} {statistics.median(seconds):>7.3f} "
            f"{percentile(seconds, 0.95):>7.3f} {median_of(rows, 'candidates'):>6g} {found:>9}"
            f"  {detail}"
        )
    lines += [
        "",
        "whole match_clip with the CROSS JOIN plan (seconds a query):",
        f"{'limits':<44} {'p50 s':>7} {'p95 s':>7} {'SQL p50':>8} {'align p50':>9} "
        f"{'cands':>6} {'recall':>7} {'false':>6}",
    ]
    for name, rows in data["match_clip"].items():
        seconds = [r["seconds"] for r in rows]
        copies = [r for r in rows if r["kind"] == "copy"]
        unrelated = [r for r in rows if r["kind"] == "unrelated"]
        align = statistics.median(r["seconds"] - r["candidates_s"] for r in rows)
        lines.append(
            f"{name:<44} {statistics.median(seconds):>7.3f} {percentile(seconds, 0.95):>7.3f} "
            f"{median_of(rows, 'candidates_s'):>8.3f} {align:>9.3f} "
            f"{median_of(rows, 'candidates'):>6g} "
            f"{sum(r['found'] for r in copies)}/{len(copies):<5} "
            f"{sum(r['matches'] > 0 for r in unrelated)}/{len(unrelated)}"
        )
    return lines


def goal_text(summary: dict[str, Any]) -> str:
    latency_ok = summary["p95_s"] < GOAL_LATENCY_S
    rss_ok = summary["peak_rss_mb"] < GOAL_RSS_MB
    return (
        f"latency p50 {summary['p50_s']:.3f} s / p95 {summary['p95_s']:.3f} s "
        f"(< {GOAL_LATENCY_S:g} s): {'PASS' if latency_ok else 'MISS'}; "
        f"peak RSS {summary['peak_rss_mb']:.0f} MB (< {GOAL_RSS_MB / 1000:g} GB): "
        f"{'PASS' if rss_ok else 'MISS'}"
    )


# =========================================================================== main


def parse_sizes(text: str) -> list[int]:
    try:
        sizes = sorted({int(part.replace("_", "")) for part in text.split(",") if part.strip()})
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"not a comma-separated list of integers: {text!r}"
        ) from None
    if not sizes or sizes[0] < 1:
        raise argparse.ArgumentTypeError("sizes must be positive")
    return sizes


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--sizes", type=parse_sizes, default=list(DEFAULT_SIZES),
        help="bank sizes in videos, comma-separated (default 1000,100000,1000000)",
    )  # fmt: skip
    parser.add_argument("--queries", type=int, default=20, help="clips per bank (half copies)")
    parser.add_argument(
        "--query-fps", type=float, default=MATCH_FPS,
        help=f"clip sampling rate (default {MATCH_FPS:g}, as verify match samples)",
    )  # fmt: skip
    parser.add_argument("--seed", type=int, default=1, help="generator seed")
    parser.add_argument("--repeat", type=int, default=3, help="indexing runs (median)")
    parser.add_argument("--cold", action="store_true", help="also run the queries page-cache cold")
    parser.add_argument(
        "--profile", action="store_true", help="time candidate-query alternatives (largest bank)"
    )
    parser.add_argument("--compare-load", action="store_true", help="time postings load methods")
    parser.add_argument("--no-indexing", action="store_true", help="skip the indexing section")
    parser.add_argument(
        "--workdir", type=Path, default=DEFAULT_WORKDIR, help="where banks and clips go"
    )
    parser.add_argument("--json", type=Path, metavar="FILE", help="also write the figures here")
    args = parser.parse_args(argv)
    if args.queries < 2:
        parser.error("--queries must be at least 2")
    if args.repeat < 1:
        parser.error("--repeat must be at least 1")
    return args


def main(argv: Sequence[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    if argv[:1] == [WORKER]:
        return worker_main(argv[1:])
    if argv[:1] == [BUILDER]:
        path, size, seed = argv[1:]
        print(json.dumps(build_bank(Path(path), int(size), int(seed))))
        return 0
    args = parse_args(argv)
    args.workdir.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    doc: dict[str, Any] = {
        "sizes": args.sizes,
        "queries_per_bank": args.queries,
        "query_fps": args.query_fps,
        "seed": args.seed,
        "banks": {},
        "queries": {},
    }
    try:
        if args.compare_load:
            progress("comparing postings load methods")
            doc["load_methods"] = compare_load_methods(args.workdir, args.seed)
        paths = {}
        for size in args.sizes:
            path, info = ensure_bank(args.workdir, size, args.seed)
            paths[size] = path
            doc["banks"][size_label(size)] = info
            doc["queries"][size_label(size)] = measure_size(size, path, args)
        if GOAL_SIZE in paths:
            summary = doc["queries"][size_label(GOAL_SIZE)]["warm"]
            doc["goal"] = {"text": goal_text(summary)}
        if args.profile:
            size = max(paths)
            progress(f"profiling the {size_label(size)} bank")
            warm_page_cache(paths[size])
            doc["profile"] = {
                "bank": size_label(size),
                "report": run_worker(paths[size], size, args, "profile"),
            }
        if not args.no_indexing:
            size = 100_000 if 100_000 in paths else max(paths)
            clip = args.workdir / "index_720p_30s.mp4"
            make_index_clip(find_tool("ffmpeg").path, clip)
            progress(f"indexing cost into the {size_label(size)} bank")
            doc["indexing"] = measure_indexing(paths[size], size, clip, args.repeat)
    except BenchError as exc:
        print(f"bench_match_scale: {exc}", file=sys.stderr)
        return 1
    doc["total_s"] = round(time.perf_counter() - started, 1)
    if args.json:
        args.json.write_text(json.dumps(doc, indent=2) + "\n")
    print("\n".join(format_report(doc)))
    print(f"\ntotal run time: {doc['total_s']:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
