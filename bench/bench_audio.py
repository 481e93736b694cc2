"""Benchmark audio fingerprints on real recordings: recall per transform, false
matches, offset error, and speed against real time.

Sources are the speech recordings of `bench/audio/` (SOURCES.md there: who
made them, their licence, and the roles fixed before anything was matched):
16 go into a bank of fingerprints, split into a tuning part and a held-back
part; 16 others never do. Each bank recording is put through transforms
(AAC and Opus at 32-64 kb/s, MP3, mono/stereo and 16-48 kHz resampling, volume
changes, an excerpt, another recording and music mixed in at -10 dB) and
looked up among all 16; it is found when its own recording is the best
alignment and the offset is within 0.1 s. The 16 others, as they are and
through AAC at 32 kb/s, must match nothing. Both parts are printed
separately; nothing is asserted.

The same queries are then run the way a user runs them: the 16 recordings
added to an SQLite bank with `index_file` (sound files are stored for their
sound) and each query matched with `match_file`, so the bank's lookup of
posted landmarks and its candidate limit are part of the figure.

Last, the sound of real videos (`bench/footage/`, SOURCES.md there), none
of it speech but the presenter: the two long ones (thunder and rain at
night, a plane's engine and wind) join the bank and go through six of the
transforms; the three short ones (a dog by a fireplace, a phone against a
wall, a presenter), as they are and through AAC at 32 kb/s, must match
nothing. Roles were fixed before anything was matched; no setting was
chosen on them.

    .venv/bin/python bench/bench_audio.py [--workdir bench/out/audio] [--json FILE]
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from verify import (  # noqa: E402
    AUDIO,
    decode_audio,
    find_tool,
    fingerprint_audio,
    fingerprint_samples,
    index_file,
    match_file,
    open_bank,
)
from verify import align_audio as align  # noqa: E402

SOURCES = sorted((HERE / "audio").glob("*.flac"))
FOOTAGE = HERE / "footage"
REAL_KNOWN = [FOOTAGE / "lightning_night_streetlamp.mp4", FOOTAGE / "plane_sky_handheld_pan.mp4"]
REAL_OTHERS = [FOOTAGE / f"{name}.mp4" for name in
               ("dog_fireplace_phone_short", "wall_portrait_iphone_short",
                "presenter_white_backdrop_short")]  # fmt: skip
REAL_TRANSFORMS = ("aac32_16k", "opus32", "quieter_10db", "excerpt", "speech_mixed", "music_mixed")
KNOWN, OTHERS = SOURCES[:16], SOURCES[16:]
PART = {path.stem: ("tuning" if i % 2 == 0 else "held-back") for i, path in enumerate(KNOWN)}

# name -> (ffmpeg output options, seconds the excerpt starts at in the source)
TRANSFORMS: dict[str, tuple[list[str], float]] = {
    "aac32_16k": (["-c:a", "aac", "-b:a", "32k", "-ar", "16000"], 0.0),
    "aac64_stereo48k": (["-c:a", "aac", "-b:a", "64k", "-ar", "48000", "-ac", "2"], 0.0),
    "opus32": (["-c:a", "libopus", "-b:a", "32k"], 0.0),
    "mp3_64": (["-c:a", "libmp3lame", "-b:a", "64k", "-ar", "22050"], 0.0),
    "quieter_10db": (["-af", "volume=-10dB", "-c:a", "aac", "-b:a", "48k"], 0.0),
    "louder_6db": (["-af", "volume=6dB", "-c:a", "aac", "-b:a", "48k"], 0.0),
    "excerpt": (["-c:a", "aac", "-b:a", "48k"], 1.0),
    "speech_mixed": ([], 0.0),
    "music_mixed": ([], 0.0),
}
EXTENSION = {"opus32": "ogg", "mp3_64": "mp3"}


def run(args: list[str]) -> None:
    subprocess.run([find_tool("ffmpeg").path, "-v", "error", "-y", *args], check=True)


def make(source: Path, name: str, folder: Path, other: Path) -> Path:
    target = folder / f"{source.stem}__{name}.{EXTENSION.get(name, 'm4a')}"
    if target.exists():
        return target
    options, start = TRANSFORMS[name]
    options = ["-vn", *options]
    if name == "excerpt":
        run(["-ss", str(start), "-t", "3", "-i", str(source), *options, str(target)])
    elif name == "speech_mixed":
        run(["-i", str(source), "-i", str(other), "-filter_complex",
             "[1:a]volume=-10dB[b];[0:a][b]amix=inputs=2:duration=first:normalize=0",
             "-vn", "-c:a", "aac", "-b:a", "48k", str(target)])  # fmt: skip
    elif name == "music_mixed":
        music = "aevalsrc=0.3*sin(2*PI*(220+110*floor(mod(t*2\\,4)))*t)+0.2*sin(2*PI*330*t):s=16000"
        run(["-i", str(source), "-f", "lavfi", "-i", music, "-filter_complex",
             "[1:a]volume=-10dB[b];[0:a][b]amix=inputs=2:duration=first:normalize=0",
             "-vn", "-c:a", "aac", "-b:a", "48k", str(target)])  # fmt: skip
    else:
        run(["-i", str(source), *options, str(target)])
    return target


def negatives_heard(store: object, paths: list[Path], folder: Path) -> list[dict[str, object]]:
    """Each recording never in the bank, as it is and through AAC at 32 kb/s, matched
    with `match_file`: the known sounds it was taken for (none, if all is well)."""
    found = []
    for path in paths:
        for query_path in (path, make(path, "aac32_16k", folder, path)):
            heard = match_file(query_path, store).sound.matches
            found.append({"query": query_path.name, "matched": [m.video.path for m in heard]})
    return found


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workdir", type=Path, default=HERE / "out" / "audio")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    args.workdir.mkdir(parents=True, exist_ok=True)
    bank = {path.stem: fingerprint_audio(path) for path in KNOWN}
    rows = []
    for i, source in enumerate(KNOWN):
        other = OTHERS[i % len(OTHERS)]
        for name, (_options, start) in TRANSFORMS.items():
            query = fingerprint_audio(make(source, name, args.workdir, other))
            found = {known: align(query, fp) for known, fp in bank.items()}
            best = max((m.votes, k) for k, m in found.items() if m is not None) if any(
                found.values()) else None  # fmt: skip
            match = found[source.stem]
            error = None if match is None else abs(float(match.offset) - start)
            ok = bool(best is not None and best[1] == source.stem and error is not None
                      and error <= 0.1)  # fmt: skip
            wrong = [k for k, m in found.items() if m is not None and k != source.stem]
            rows.append({"source": source.stem, "part": PART[source.stem], "transform": name,
                         "found": ok, "offset_error_s": error, "wrong_sources": wrong})  # fmt: skip
    negatives = []
    for path in OTHERS:
        for query_path in (path, make(path, "aac32_16k", args.workdir, path)):
            query = fingerprint_audio(query_path)
            hits = [k for k, fp in bank.items() if align(query, fp) is not None]
            negatives.append({"query": query_path.name, "matched": hits})
    # Through the bank, as `verify index add` and `verify match` do it.
    bank_path = args.workdir / "bank.sqlite"
    for stale in (bank_path, Path(f"{bank_path}-wal"), Path(f"{bank_path}-shm")):
        stale.unlink(missing_ok=True)
    banked = []
    with open_bank(bank_path) as store:
        for source in KNOWN:
            index_file(store, source)
        for row in rows:
            source = HERE / "audio" / f"{row['source']}.flac"
            other = OTHERS[KNOWN.index(source) % len(OTHERS)]
            query = make(source, row["transform"], args.workdir, other)
            heard = match_file(query, store).sound.matches
            start = TRANSFORMS[row["transform"]][1]
            best = heard[0] if heard else None
            ok = bool(best and Path(best.video.path).stem == row["source"]
                      and abs(float(best.match.offset) - start) <= 0.1)  # fmt: skip
            wrong = [m.video.path for m in heard if Path(m.video.path).stem != row["source"]]
            banked.append({**row, "found": ok, "wrong_sources": wrong})
        banked_negatives = negatives_heard(store, OTHERS, args.workdir)
        # The sound of real videos, through the same bank.
        for source in REAL_KNOWN:
            index_file(store, source)
        real_rows = []
        for source in REAL_KNOWN:
            for name in REAL_TRANSFORMS:
                query = make(source, name, args.workdir, OTHERS[0])
                heard = match_file(query, store).sound.matches
                best = heard[0] if heard else None
                start = TRANSFORMS[name][1]
                ok = bool(best and Path(best.video.path).stem == source.stem
                          and abs(float(best.match.offset) - start) <= 0.1)  # fmt: skip
                real_rows.append({"source": source.stem, "transform": name, "found": ok,
                                  "matched": [m.video.path for m in heard]})  # fmt: skip
        real_negatives = negatives_heard(store, REAL_OTHERS, args.workdir)

    # Speed: fingerprinting decoded samples on this process's one thread, and a
    # whole file (the ffmpeg decode runs in its own process), against real time.
    samples = [decode_audio(path, AUDIO.rate) for path in SOURCES]
    seconds = sum(s.size for s in samples) / AUDIO.rate
    started = time.process_time()
    for s in samples:
        fingerprint_samples(s)
    compute = time.process_time() - started
    started = time.perf_counter()
    for path in SOURCES:
        fingerprint_audio(path)
    whole = time.perf_counter() - started

    summary = {}
    for part in ("tuning", "held-back", "both"):
        chosen = [r for r in rows if part == "both" or r["part"] == part]
        per = {t: statistics.mean(r["found"] for r in chosen if r["transform"] == t)
               for t in TRANSFORMS}  # fmt: skip
        errors = [r["offset_error_s"] for r in chosen if r["found"]]
        summary[part] = {
            "queries": len(chosen),
            "recall": round(statistics.mean(r["found"] for r in chosen), 3),
            "recall_per_transform": {t: round(v, 3) for t, v in per.items()},
            "wrong_sources": sum(bool(r["wrong_sources"]) for r in chosen),
            "offset_error_max_s": round(max(errors), 4) if errors else None,
        }
    through_bank = {}
    for part in ("tuning", "held-back"):
        chosen = [r for r in banked if r["part"] == part]
        through_bank[part] = {
            "recall": round(statistics.mean(r["found"] for r in chosen), 3),
            "wrong_sources": sum(bool(r["wrong_sources"]) for r in chosen),
            "missed": [f"{r['source']}:{r['transform']}" for r in chosen if not r["found"]],
        }
    through_bank["negatives_matched"] = sum(bool(n["matched"]) for n in banked_negatives)
    false = sum(bool(n["matched"]) for n in negatives)
    figures = {
        "summary": summary,
        "negatives": len(negatives),
        "negatives_matched": false,
        "audio_seconds": round(seconds, 1),
        "fingerprint_x_real_time_one_core": round(seconds / compute, 1),
        "file_x_real_time_with_decode": round(seconds / whole, 1),
        "through_bank": through_bank,
        "real_video_sound": {
            "recall": round(statistics.mean(r["found"] for r in real_rows), 3),
            "rows": real_rows,
            "negatives_matched": sum(bool(n["matched"]) for n in real_negatives),
            "negative_rows": real_negatives,
        },
        "rows": rows,
        "negative_rows": negatives,
    }
    for part in ("tuning", "held-back", "both"):
        s = summary[part]
        worst = min(s["recall_per_transform"].items(), key=lambda kv: kv[1])
        print(f"{part:>9}: recall {s['recall']:.3f} of {s['queries']} queries; worst transform "
              f"{worst[0]} {worst[1]:.3f}; wrong sources {s['wrong_sources']}; largest offset "
              f"error {s['offset_error_max_s']} s")  # fmt: skip
        print(
            "           " + ", ".join(f"{t} {v:.2f}" for t, v in s["recall_per_transform"].items())
        )
    print(f"negatives: {false} of {len(negatives)} matched anything (goal 0)")
    print(f"speed: fingerprinting {figures['fingerprint_x_real_time_one_core']}x real time on one "
          f"core (goal >= 50x); whole files with the ffmpeg decode "
          f"{figures['file_x_real_time_with_decode']}x ({seconds:.0f} s of sound)")  # fmt: skip
    missed = [f"{r['source']}:{r['transform']}" for r in rows if not r["found"]]
    print("missed: " + (", ".join(missed) or "none"))
    for part in ("tuning", "held-back"):
        s = through_bank[part]
        print(f"through the bank, {part}: recall {s['recall']:.3f}; wrong sources "
              f"{s['wrong_sources']}; missed: {', '.join(s['missed']) or 'none'}")  # fmt: skip
    print(f"through the bank: {through_bank['negatives_matched']} of {len(banked_negatives)} "
          "negatives matched anything")  # fmt: skip
    real = figures["real_video_sound"]
    real_missed = [f"{r['source']}:{r['transform']}" for r in real_rows if not r["found"]]
    print(f"sound of real videos: recall {real['recall']:.3f} of {len(real_rows)} queries "
          f"(missed: {', '.join(real_missed) or 'none'}); {real['negatives_matched']} of "
          f"{len(real_negatives)} negatives matched anything")  # fmt: skip
    if args.json:
        args.json.write_text(json.dumps(figures, indent=1, default=float))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
