"""Benchmark the `recompression` indicator of `verify analyse`: a first encoding's
GOP found through a re-encode, and single encodes left alone.

Each source is encoded once with a fixed GOP (no B-frames, scene cuts off,
as phone cameras write), then a few frames are dropped (so the first GOP's
phase is not the re-encode's) and the result re-encoded with x264 without
B-frames and with x264's defaults (B-frames). A re-encode is *found* when
the indicator names the first GOP (or a multiple of it) at the right phase;
a single encode (generated footage encoded once, camera originals of
tests/data) must raise nothing. Committed real footage has been encoded at
least twice before it reaches us, so its first encodes are no negatives.

Roles were fixed before the indicator was run on the held-back part; the
settings (`TimelineConfig.recompression_*`) were chosen on the tuning part.
Both parts are printed separately; nothing is asserted.

    .venv/bin/python bench/bench_recompression.py [--workdir bench/out/recompression] [--json FILE]
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from verify import TIMELINE, analyse_file, find_tool  # noqa: E402

FOOTAGE = HERE / "footage"
CAMERA = HERE.parent / "tests" / "data" / "metadata"

# (name, ffmpeg lavfi source (16 s of it), first GOP, frames dropped, part)
GENERATED = [
    ("life", "life=s=640x360:mold=10:r=25:ratio=0.1,format=yuv420p", 15, 7, "tuning"),
    ("mandelbrot", "mandelbrot=s=640x360:r=25", 15, 7, "tuning"),
    ("cellauto", "cellauto=s=640x360:r=25:rule=110,format=yuv420p", 12, 5, "held-back"),
    ("testsrc2", "testsrc2=s=640x360:r=30", 30, 11, "held-back"),
]  # fmt: skip
REAL = [
    ("dashcam_highway_day", 15, 7, "tuning"),
    ("plane_sky_handheld_pan", 15, 7, "tuning"),
    ("room_static_people_walking", 15, 7, "tuning"),
    ("bottles_table_plain_wall", 15, 7, "tuning"),
    ("screen_recording_vscode", 15, 7, "tuning"),
    ("parking_overhead_cars", 15, 7, "tuning"),
    ("lightning_night_streetlamp", 15, 7, "tuning"),
    ("sign_language_person_short", 12, 5, "held-back"),
    ("presenter_white_backdrop_short", 30, 11, "held-back"),
    ("wall_portrait_iphone_short", 12, 5, "held-back"),
    ("dog_fireplace_phone_short", 12, 5, "held-back"),
]
CAMERA_FILES = ["mei/mov_with-gps.mov", "mei/mp4_with-gps.mp4", "mei/mov_xmp480qt.mov"]
SECOND = {
    "x264, no B-frames": ["-crf", "23", "-bf", "0"],
    "x264 defaults (B-frames)": ["-crf", "23"],
}


@dataclasses.dataclass
class Row:
    name: str
    part: str
    kind: str  # "single" or the second encoder's name
    expected: int | None  # the first GOP a re-encode should show; None for a single encode
    found: int | None = None
    z: float | None = None
    phase_ok: bool | None = None
    p: float | None = None
    assessed: bool = True

    @property
    def right(self) -> bool:
        if self.expected is None:
            return self.found is None
        return self.found is not None and self.found % self.expected == 0 and bool(self.phase_ok)


def ffmpeg(*args: str) -> None:
    subprocess.run([find_tool("ffmpeg").path, "-v", "error", "-y", *args], check=True)


def first_encode(inputs: list[str], gop: int, out: Path) -> None:
    if not out.exists():
        ffmpeg(*inputs, "-an", "-c:v", "libx264", "-crf", "18", "-g", str(gop),
               "-keyint_min", str(gop), "-sc_threshold", "0", "-bf", "0", str(out))  # fmt: skip


def second_encode(first: Path, dropped: int, args: list[str], out: Path) -> None:
    if not out.exists():
        ffmpeg("-i", str(first), "-vf", f"select=gte(n\\,{dropped}),setpts=N/FRAME_RATE/TB",
               "-an", "-c:v", "libx264", *args, str(out))  # fmt: skip


def judge(path: Path, row: Row, gop: int | None = None, dropped: int = 0) -> Row:
    timeline = analyse_file(path)
    frames = timeline.frames
    low = TIMELINE.recompression_periods[0]
    if frames.count // TIMELINE.recompression_min_repeats < max(low, gop or 0):
        row.assessed = False  # too few frames for 8 repeats of the period sought
    found = [i for i in timeline.indicators if i.kind.value == "recompression"]
    if found:
        evidence = found[0].evidence
        row.found, row.z = int(evidence["period_frames"]), float(evidence["z"])
        row.p = float(evidence["p"])
        if gop is not None:
            # The first encode's keyframes were at multiples of gop; `dropped`
            # frames later they sit at (gop - dropped) mod gop.
            first = (gop - dropped) % gop
            times = frames.pts
            step = (times[-1] - times[0]) / max(1, frames.count - 1)
            frame = round((found[0].time - times[0]) / step)
            row.phase_ok = (frame - first) % gop == 0
    return row


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workdir", type=Path, default=HERE / "out" / "recompression")
    parser.add_argument("--json", type=Path)
    options = parser.parse_args(argv)
    work = options.workdir
    work.mkdir(parents=True, exist_ok=True)
    rows: list[Row] = []
    sources = [(name, ["-f", "lavfi", "-i", graph, "-t", "16"], gop, dropped, part, True)
               for name, graph, gop, dropped, part in GENERATED]  # fmt: skip
    sources += [(name, ["-i", str(FOOTAGE / f"{name}.mp4")], gop, dropped, part, False)
                for name, gop, dropped, part in REAL]  # fmt: skip
    for name, inputs, gop, dropped, part, generated in sources:
        first = work / f"{name}_gop{gop}.mp4"
        first_encode(inputs, gop, first)
        if generated:  # encoded once: a clean single encode
            rows.append(judge(first, Row(name, part, "single", None)))
        for label, args in SECOND.items():
            out = work / f"{name}_gop{gop}_{'nobf' if '-bf' in args else 'bf'}.mp4"
            second_encode(first, dropped, args, out)
            rows.append(judge(out, Row(name, part, label, gop), gop, dropped))
    for relative in CAMERA_FILES:
        rows.append(judge(CAMERA / relative, Row(Path(relative).name, "held-back", "single", None)))
    for part in ("tuning", "held-back"):
        print(f"######## part: {part} ########")
        for kind in ("single", *SECOND):
            every = [r for r in rows if r.part == part and r.kind == kind]
            chosen = [r for r in every if r.assessed or kind == "single"]
            right = sum(r.right for r in chosen)
            what = "raised nothing" if kind == "single" else "found the first GOP"
            short = len(every) - len(chosen)
            print(
                f"  {kind:26s} {right}/{len(chosen)} {what}"
                + (f" ({short} more too short to assess)" if short else "")
            )
            for r in every:
                mark = ("ok " if r.right else "-- ") if r in chosen else ".. "
                phase = "" if r.phase_ok is None else f"  phase {'ok' if r.phase_ok else 'wrong'}"
                print(
                    f"      {mark}{r.name:32s} expected {r.expected}  found {r.found}"
                    f"  z {r.z}  p {r.p}{phase}"
                )
    if options.json:
        options.json.write_text(json.dumps([dataclasses.asdict(r) for r in rows], indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
