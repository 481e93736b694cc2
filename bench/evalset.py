"""The evaluation set of `bench_match_accuracy.py`: sources, copies, negatives, ground truth.

Everything is drawn by ffmpeg's lavfi sources through the samples/ tooling
(`make_samples.run_ffmpeg`, `render_source`, `source_graph` and the
transforms `reencode`, `telegram_reencode`, `crop`, `scale`, `letterbox`),
so nothing real is depicted and every run draws the same pictures.

* Sources (the bank): clips of 12-20 s at 30 fps, each of a distinct
  character: a moving camera (a pan across a large fractal still), a static
  scene (a still with sensor noise and one small moving element), text slides,
  a dark low-light scene, fast action (rotating Life with quick cuts), a
  montage with hard cuts (1280x720) and a handheld-like shaky shot.
* Positives: every source through every transform in `TRANSFORMS`, trims
  (excerpts at known offsets) and two-source compilations (known offsets).
* Negatives: unrelated clips that are not in the bank, including the usual
  traps: very short clips, dark clips, low-detail clips (gradients, flat
  colour with noise, fades) and clips of the same kind of synthetic source as
  a bank source with different content or seed.

Generated files are cached: each file has a ``.key`` sidecar holding a hash
of its recipe (and of its inputs' recipes), and is only made again when that
changes. Files are written under a temporary name and renamed into place, so
an interrupted run never leaves a half-written file behind.
"""

from __future__ import annotations

import concurrent.futures
import dataclasses
import hashlib
import random
import shutil
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
REPO_ROOT = BENCH_DIR.parent
sys.path.insert(0, str(REPO_ROOT / "samples"))

import make_samples  # noqa: E402  (needs the samples/ folder on sys.path)

FPS = 30
SIZE = (640, 360)
# Bank sources are encoded like a decent upload: x264 CRF 20, a keyframe every 2 s.
SOURCE_ENCODE = [
    "-c:v", "libx264", "-profile:v", "high", "-pix_fmt", "yuv420p", "-preset", "medium",
    "-crf", "20", "-g", str(2 * FPS), "-threads", "1",
    "-c:a", "aac", "-b:a", "64k", "-ac", "1", "-ar", "44100",
    *make_samples.BITEXACT,
]  # fmt: skip
COPY_CRF = 23  # copies made by the transforms, as a plain ffmpeg call would
FONT_CANDIDATES = (
    "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
    "/usr/share/fonts/TTF/DejaVuSans.ttf",
    "/usr/share/fonts/dejavu/DejaVuSans.ttf",
    "/usr/share/fonts/truetype/liberation/LiberationSans-Regular.ttf",
)
_STATEMENT = (
    "the council said on monday that roads into the north of the city remain closed after "
    "heavy rain overnight residents were told to avoid travel while crews clear debris and "
    "check bridges officials expect power to return to most homes by thursday evening schools "
    "will stay shut until further notice and the regional hospital has opened a second "
    "emergency ward volunteers gathered at the sports hall with food water and blankets"
)
_MARKETS = (
    "market prices for grain rose sharply this week as exporters waited for new shipping "
    "routes farmers in the south reported a strong harvest but storage is scarce analysts "
    "warned that fuel costs could double before winter while the ministry promised support "
    "for small producers and a review of import rules at the border crossings"
)
WORDS = tuple(_STATEMENT.split(" "))
OTHER_WORDS = tuple(_MARKETS.split(" "))


def font_option() -> str:
    """The drawtext option naming a font: a DejaVu/Liberation file if found, else fontconfig."""
    for candidate in FONT_CANDIDATES:
        if Path(candidate).is_file():
            return f"fontfile={candidate}"
    fc_match = shutil.which("fc-match")
    if fc_match:
        done = subprocess.run(
            [fc_match, "-f", "%{file}", "sans"], capture_output=True, text=True, check=False
        )
        path = done.stdout.strip()
        if done.returncode == 0 and path and Path(path).is_file() and ":" not in path:
            return f"fontfile={path}"
    return "font=Sans"


FONT = font_option()


def text(value: str, x: str, y: str, size: int, colour: str, extra: str = "") -> str:
    """A drawtext filter; ``value`` must only hold letters, digits, spaces and dots."""
    if any(not (c.isalnum() or c in " .@") for c in value):
        raise ValueError(f"text needs escaping: {value!r}")
    more = f":{extra}" if extra else ""
    return f"drawtext={FONT}:text='{value}':x={x}:y={y}:fontsize={size}:fontcolor={colour}{more}"


# ---------------------------------------------------------------------- data model


@dataclasses.dataclass(frozen=True)
class Item:
    """One generated file: where it goes, how to make it and what it depends on."""

    path: Path
    recipe: str  # everything that determines the bytes, for the cache key
    make: Callable[[Path], object]  # writes the file to the path it is given
    deps: tuple[Item, ...] = ()

    @property
    def key(self) -> str:
        digest = hashlib.sha256(self.recipe.encode())
        for dep in self.deps:
            digest.update(dep.key.encode())
        return digest.hexdigest()[:20]

    @property
    def key_file(self) -> Path:
        return self.path.with_suffix(".key")

    def is_current(self) -> bool:
        return (
            self.path.is_file()
            and self.path.stat().st_size > 0
            and self.key_file.is_file()
            and self.key_file.read_text().strip() == self.key
        )

    def build(self) -> bool:
        """Make the file unless a current copy exists; True if it was made now."""
        if self.is_current():
            return False
        partial = self.path.with_name(f".{self.path.stem}.partial{self.path.suffix}")
        partial.unlink(missing_ok=True)
        self.make(partial)
        partial.replace(self.path)
        self.key_file.write_text(self.key + "\n")
        return True


@dataclasses.dataclass(frozen=True)
class Source:
    """A bank video: its character, length and picture size."""

    name: str
    character: str
    duration: float
    size: tuple[int, int]
    item: Item

    @property
    def path(self) -> Path:
        return self.item.path


@dataclasses.dataclass(frozen=True)
class Truth:
    """Clip seconds [query_start, query_end] show seconds [ref_start, ref_end] of a source."""

    source: str
    query_start: float
    query_end: float
    ref_start: float
    ref_end: float

    def to_dict(self) -> dict[str, object]:
        return dataclasses.asdict(self)


@dataclasses.dataclass(frozen=True)
class Case:
    """One query clip and what the matcher should say about it."""

    name: str
    transform: str  # "negative" for clips that must not match
    item: Item
    truth: tuple[Truth, ...]  # empty for negatives
    mirrored: bool = False
    note: str = ""
    # The real-footage set's split: "tuning" (thresholds may be chosen on it)
    # or "held-back" (never looked at while tuning); empty for the synthetic set.
    part: str = ""

    @property
    def path(self) -> Path:
        return self.item.path

    @property
    def positive(self) -> bool:
        return bool(self.truth)


@dataclasses.dataclass(frozen=True)
class EvalSet:
    """The sources to index and the queries to match."""

    workdir: Path
    sources: tuple[Source, ...]
    cases: tuple[Case, ...]

    def items(self) -> list[Item]:
        """Every file to generate, each once, dependencies before dependants."""
        seen: dict[Path, Item] = {}

        def visit(item: Item) -> None:
            for dep in item.deps:
                visit(dep)
            seen.setdefault(item.path, item)

        for source in self.sources:
            visit(source.item)
        for case in self.cases:
            visit(case.item)
        return list(seen.values())


# ------------------------------------------------------------------------- sources


def encode_graph(out: Path, graph: str, duration: float, *, tone_hz: float = 440.0) -> Path:
    """Encode a filtergraph with a ``[v]`` output, plus a beeping tone, as a bank source."""
    audio = f"sine=frequency={tone_hz}:beep_factor=4:sample_rate=44100:duration={duration}[a]"
    make_samples.run_ffmpeg([
        "-filter_complex", f"{graph};{audio}", "-map", "[v]", "-map", "[a]",
        *SOURCE_ENCODE, "-t", f"{duration}", str(out),
    ])  # fmt: skip
    return out


def _finish(frames: int, size: tuple[int, int]) -> str:
    """The tail of a source graph: exact length, size and pixel format, output ``[v]``."""
    w, h = size
    return (
        f"trim=end_frame={frames},setpts=N/{FPS}/TB,scale={w}:{h},setsar=1,"
        "scale=out_color_matrix=bt709:out_range=tv,format=yuv420p[v]"
    )


def _still(first_frame: str, frames: int) -> str:
    """Repeat the first frame of a lavfi chain ``frames`` times at the source rate."""
    return f"{first_frame},trim=end_frame=1,loop=loop={frames - 1}:size=1,setpts=N/{FPS}/TB"


def pan_graph(
    duration: float, size: tuple[int, int], *, point: tuple[float, float], scale: float
) -> str:
    """Moving camera: a 640x360 window panning and drifting across a 2560x1440 fractal still."""
    frames = round(duration * FPS)
    x, y = point
    still = _still(
        f"mandelbrot=size=2560x1440:rate={FPS}:maxiter=400:start_x={x}:start_y={y}"
        f":start_scale={scale}:end_scale={scale}",
        frames,
    )
    return (
        f"{still},crop=640:360:x='1900*t/{duration}':y='540+480*sin(t*0.45)',"
        f"{_finish(frames, size)}"
    )


def static_graph(
    duration: float,
    size: tuple[int, int],
    *,
    point: tuple[float, float],
    scale: float,
    hue: int,
    mover_y: float = 0.7,
) -> str:
    """Static scene: a fixed fractal still, sensor noise, one small box crossing slowly."""
    frames = round(duration * FPS)
    w, h = size
    x, y = point
    still = _still(
        f"mandelbrot=size={w}x{h}:rate={FPS}:maxiter=300:start_x={x}:start_y={y}"
        f":start_scale={scale}:end_scale={scale},hue=h={hue}:s=0.8",
        frames,
    )
    box = max(8, w // 28)
    return (
        f"{still}[still];color=c=white:size={box}x{box}:rate={FPS}[mover];"
        f"[still][mover]overlay=x='{w // 10}+t*{w * 0.7 / duration:.3f}':y={round(h * mover_y)},"
        f"noise=alls=4:allf=t,{_finish(frames, size)}"
    )


def slide_lines(seed: int, words: Sequence[str], count: int) -> list[str]:
    """``count`` lines of 3-7 words drawn from ``words`` with a fixed seed."""
    rng = random.Random(seed)
    return [" ".join(rng.choice(words) for _ in range(rng.randint(3, 7))) for _ in range(count)]


def text_graph(
    duration: float,
    size: tuple[int, int],
    *,
    seed: int,
    words: Sequence[str] = WORDS,
    slide_seconds: float = 3.0,
    background: str = "0x14213d",
    band: str = "0xfca311",
    roll_last: bool = True,
) -> str:
    """Text-heavy: slides of a statement (a header band, 3-6 lines each), the last one rolling."""
    frames = round(duration * FPS)
    w, h = size
    slides = max(1, round(duration / slide_seconds))
    rng = random.Random(seed)
    parts = [f"color=c={background}:size={w}x{h}:rate={FPS}", f"drawbox=0:0:{w}:60:{band}:t=fill"]
    for i in range(slides):
        start, end = i * slide_seconds, min(duration, (i + 1) * slide_seconds)
        enable = f"enable='between(t,{start},{end - 0.001})'"
        header = f"STATEMENT {i + 1} OF {slides}"
        parts.append(text(header, "24", "16", 28, "0x14213d", enable))
        lines = slide_lines(seed * 100 + i, words, rng.randint(3, 6))
        roll = roll_last and i == slides - 1
        for j, line in enumerate(lines):
            top = f"'{h}-{h * 0.9 / slide_seconds:.2f}*(t-{start})+{40 * j}'" if roll else None
            y = top or str(90 + 44 * j)
            parts.append(text(line, "40", y, 30, "white", enable))
    parts.append(f"noise=alls=2:allf=t,{_finish(frames, size)}")
    return ",".join(parts)


def dark_graph(duration: float, size: tuple[int, int], *, seed: int) -> str:
    """Low light: slow clouds (Perlin noise), moving lights and shapes, darkened, grainy."""
    frames = round(duration * FPS)
    w, h = size
    rng = random.Random(seed)
    parts = [
        f"perlin=size={w}x{h}:rate={FPS}:octaves=4:persistence=0.6:xscale=2:yscale=2"
        f":tscale=0.4:random_mode=seed:random_seed={seed},format=rgb24,eq=contrast=2.2,"
        "colorchannelmixer=rr=0.5:gg=0.6:bb=1.0[b0]"
    ]
    lights = 6
    for k in range(lights):
        bw, bh = rng.randint(w // 24, w // 6), rng.randint(h // 24, h // 5)
        speed = rng.choice((-1, 1)) * rng.uniform(w / 8, w / 3)
        y0 = rng.randint(0, h - bh)
        colour = rng.choice(("0xffe8a0", "0xff4040", "0xa0c8ff", "0xffffff"))
        x = f"'mod({rng.randint(0, w)}+t*{speed:.1f},{w + bw})-{bw}'"
        parts.append(f"color=c={colour}:size={bw}x{bh}:rate={FPS}[l{k}]")
        parts.append(f"[b{k}][l{k}]overlay=x={x}:y={y0}[b{k + 1}]")
    parts.append(
        f"[b{lights}]eq=brightness=-0.32:contrast=0.8:saturation=0.7,noise=alls=7:allf=t,"
        f"{_finish(frames, size)}"
    )
    return ";".join(parts)


def action_graph(duration: float, size: tuple[int, int], *, seed: int, cut: float = 1.5) -> str:
    """Fast action: Life stepping every other frame, rotating and zooming, a cut every 1.5 s."""
    frames = round(duration * FPS)
    per_shot = round(cut * FPS)
    shots = -(-frames // per_shot)
    palette = (("0xffd000", "0x101830"), ("0x30ff90", "0x300020"), ("0xff5080", "0x002030"))
    graphs = []
    for i in range(shots):
        alive, dead = palette[i % len(palette)]
        direction = 1 if i % 2 == 0 else -1
        graphs.append(
            f"life=size=100x100:rate={FPS}/2:seed={seed + i}:ratio=0.3:mold=10"
            f":life_color={alive}:death_color={dead}:mold_color=0x806040,fps={FPS},"
            f"scale=800:800:flags=neighbor,rotate=a='{direction * 1.3}*t+{i}',"
            f"crop=640:360,trim=end_frame={per_shot},setpts=PTS-STARTPTS[s{i}]"
        )
    inputs = "".join(f"[s{i}]" for i in range(shots))
    return ";".join(graphs) + f";{inputs}concat=n={shots}:v=1:a=0,{_finish(frames, size)}"


def shaky_filter(size: tuple[int, int], margin: tuple[int, int]) -> str:
    """A handheld-like crop: a ``size`` window wobbling within ``margin`` pixels."""
    w, h = size
    mx, my = margin
    return (
        f"crop={w}:{h}:x='{mx // 2}+{mx * 0.3:.1f}*sin(t*7.3)+{mx * 0.15:.1f}*sin(t*17.1)'"
        f":y='{my // 2}+{my * 0.3:.1f}*sin(t*5.1+1)+{my * 0.15:.1f}*sin(t*13.7)'"
    )


def shaky_graph(duration: float, size: tuple[int, int]) -> str:
    """Handheld: a slow fractal zoom seen through a wobbling crop, with grain."""
    frames = round(duration * FPS)
    return (
        f"mandelbrot=size=720x405:rate={FPS}:maxiter=300:start_x=-0.1011:start_y=0.9563"
        f":start_scale=0.15:end_scale=0.01:end_pts={frames},"
        f"{shaky_filter(SIZE, (80, 45))},noise=alls=3:allf=t,{_finish(frames, size)}"
    )


def montage_graph(duration: float, size: tuple[int, int], *, seed: int) -> str:
    """A montage of kinds absent from the bank's montage: a fractal zoom, Life, cellauto."""
    frames = round(duration * FPS)
    w, h = size
    per_shot = 2 * FPS
    shots = -(-frames // per_shot)
    graphs = []
    for i in range(shots):
        kind = i % 3
        if kind == 0:
            graphs.append(
                f"mandelbrot=size={w}x{h}:rate={FPS}:maxiter=200:start_x=-1.7686"
                f":start_y=0.00173:start_scale={0.05 / (i + 1)}:end_scale=0.001"
                f":end_pts={per_shot * 4},trim=end_frame={per_shot},setpts=PTS-STARTPTS,"
                f"format=rgb24[s{i}]"
            )
        else:
            kind_name = "life" if kind == 1 else "cellauto"
            graphs.append(
                make_samples._shot_graph(kind_name, f"s{i}", size, FPS, per_shot, seed + i)
            )
    inputs = "".join(f"[s{i}]" for i in range(shots))
    return ";".join(graphs) + f";{inputs}concat=n={shots}:v=1:a=0,{_finish(frames, size)}"


def graph_item(path: Path, graph: str, duration: float, tone_hz: float = 440.0) -> Item:
    """An item encoding ``graph`` (output ``[v]``) for ``duration`` seconds."""
    return Item(
        path,
        f"graph|{graph}|{duration}|{tone_hz}|{SOURCE_ENCODE}",
        lambda out: encode_graph(out, graph, duration, tone_hz=tone_hz),
    )


def render_item(path: Path, **kwargs: object) -> Item:
    """An item made by `make_samples.render_source` with ``kwargs``."""
    recipe = "render_source|v2|" + "|".join(f"{k}={kwargs[k]!r}" for k in sorted(kwargs))
    return Item(path, recipe, lambda out: make_samples.render_source(out, **kwargs))


def build_sources(folder: Path, quick: bool) -> list[Source]:
    """The bank: seven sources of distinct character (three with ``quick``)."""
    big = (1280, 720)
    specs: list[tuple[str, str, float, tuple[int, int], Callable[[Path], Item]]] = [
        ("pan", "moving camera: pan across a fractal still", 16.0, SIZE,
         lambda p: graph_item(p, pan_graph(16.0, SIZE, point=(-0.7453, 0.1127), scale=0.006),
                              16.0, 330)),
        ("static", "static scene: still, sensor noise, one small mover", 14.0, SIZE,
         lambda p: graph_item(
             p, static_graph(14.0, SIZE, point=(-0.16, 1.0405), scale=0.03, hue=200), 14.0, 350)),
        ("text", "text-heavy: statement slides, last one rolling", 15.0, SIZE,
         lambda p: graph_item(p, text_graph(15.0, SIZE, seed=3), 15.0, 370)),
        ("dark", "dark: low-light clouds and lights, grainy", 16.0, SIZE,
         lambda p: graph_item(p, dark_graph(16.0, SIZE, seed=21), 16.0, 390)),
        ("action", "fast action: rotating Life, cut every 1.5 s", 12.0, SIZE,
         lambda p: graph_item(p, action_graph(12.0, SIZE, seed=500), 12.0, 410)),
        ("montage", "montage: hard cuts every 2 s, 1280x720", 20.0, big,
         lambda p: render_item(p, character="montage", duration=20.0, size=big, seed=1,
                               shot_seconds=2.0, tone_hz=430.0)),
        ("shaky", "handheld: shaky crop over a slow fractal zoom", 18.0, SIZE,
         lambda p: graph_item(p, shaky_graph(18.0, SIZE), 18.0, 450)),
    ]  # fmt: skip
    if quick:
        specs = [s for s in specs if s[0] in ("text", "dark", "montage")]
    return [
        Source(name, character, duration, size, make(folder / f"src_{name}.mp4"))
        for name, character, duration, size, make in specs
    ]


# ---------------------------------------------------------------------- transforms


def _scaled(source: Source, value: float) -> int:
    """A pixel measure given for 640 px wide pictures, scaled to the source's width."""
    return max(1, round(value * source.size[0] / 640))


def logo_filter(source: Source) -> str:
    """Corner branding: a channel bug top left, a watermark top right, a tag bottom right."""
    s = lambda v: _scaled(source, v)  # noqa: E731
    w, h = source.size
    return ",".join([
        f"drawbox=x={s(14)}:y={s(12)}:w={s(120)}:h={s(36)}:color=0xd01010@0.9:t=fill",
        text("NEWS 24", str(s(22)), str(s(18)), s(24), "white"),
        text("@channel.world", f"{w}-tw-{s(14)}", str(s(16)), s(20), "white@0.7"),
        f"drawbox=x={w - s(70)}:y={h - s(40)}:w={s(56)}:h={s(28)}:color=black@0.6:t=fill",
        text("HD", str(w - s(60)), str(h - s(36)), s(20), "white"),
    ])  # fmt: skip


def caption_filter(source: Source) -> str:
    """A lower-third caption bar covering the bottom 20 % with two lines of text."""
    s = lambda v: _scaled(source, v)  # noqa: E731
    w, h = source.size
    top = round(h * 0.8)
    return ",".join([
        f"drawbox=x=0:y={top}:w={w}:h={h - top}:color=black@0.75:t=fill",
        f"drawbox=x=0:y={top}:w={s(8)}:h={h - top}:color=0xffc000:t=fill",
        text("BREAKING. Roads closed after storm", str(s(20)), str(top + s(8)), s(22), "white"),
        text("Footage shared online on Monday", str(s(20)), str(top + s(40)), s(16),
             "0xd0d0d0"),
    ])  # fmt: skip


def pip_graph(source: Source, *, ticker: bool) -> str:
    """A static news frame (640x360) with the footage at 50 % width in a window."""
    w, h = SIZE
    parts = [
        f"color=c=0x0b2a5b:size={w}x{h}:rate={FPS}[bg]",
        f"[0:v]scale={w // 2}:{h // 2},setsar=1[fg]",
        "[bg][fg]overlay=x=40:y=70:shortest=1,"
        + ",".join([
            f"drawbox=x=0:y=0:w={w}:h=52:color=0x14417f:t=fill",
            "drawbox=x=16:y=12:w=130:h=30:color=0xd01010:t=fill",
            text("WORLD NEWS", "24", "18", 20, "white"),
            "drawbox=x=36:y=66:w=328:h=188:color=white@0.8:t=2",
            text("STORM HITS COAST", "384", "90", 22, "white"),
            text("Residents film", "384", "130", 18, "0xc8d8ff"),
            text("flooded streets", "384", "156", 18, "0xc8d8ff"),
            "drawbox=x=384:y=190:w=220:h=4:color=0xffc000:t=fill",
        ]),
    ]  # fmt: skip
    if ticker:
        news = "Markets close lower . Weather warning for the north . Transport strike ends"
        parts[-1] += f",drawbox=x=0:y={h - 40}:w={w}:h=40:color=0xffc000:t=fill," + text(
            news, f"'{w}-mod(t*90,{w}+tw)'", str(h - 30), 20, "black"
        )
    parts[-1] += ",format=yuv420p[v]"
    return ";".join(parts)


def filter_copy(src: Path, dst: Path, graph: str, *, crf: int = COPY_CRF) -> Path:
    """Re-encode ``src`` through a ``-filter_complex`` graph with a ``[v]`` output."""
    make_samples.run_ffmpeg([
        "-i", str(src), "-filter_complex", graph, "-map", "[v]", "-map", "0:a?",
        "-c:v", "libx264", "-crf", str(crf), "-preset", "medium", "-threads", "1",
        "-c:a", "aac", *make_samples.NO_METADATA, str(dst),
    ])  # fmt: skip
    return dst


@dataclasses.dataclass(frozen=True)
class Transform:
    """A full-length copy of a source: same timeline, changed picture."""

    name: str
    description: str
    recipe: Callable[[Source], str]  # a stable text describing what `apply` does
    apply: Callable[[Source, Path], object]
    mirrored: bool = False


def _vf(name: str, description: str, vf: Callable[[Source], str], **kw: bool) -> Transform:
    """A transform that is `make_samples.reencode` with a ``-vf`` filter."""
    return Transform(
        name,
        description,
        lambda s: f"reencode|{vf(s)}",
        lambda s, out: make_samples.reencode(s.path, out, video_filter=vf(s)),
        **kw,
    )


def _crop_at(
    fraction: float, x: float, y: float, fraction_y: float | None = None
) -> Callable[[Source], str]:
    """Keep ``fraction`` of the width (``fraction_y`` of the height, else the same),
    starting ``x`` and ``y`` of the way in."""
    high = fraction if fraction_y is None else fraction_y
    return lambda s: f"crop=trunc(iw*{fraction}/2)*2:trunc(ih*{high}/2)*2:x=iw*{x}:y=ih*{y}"


TRANSFORMS: tuple[Transform, ...] = (
    Transform("telegram", "messenger re-encode: 270 px high, CRF 28",
              lambda s: "telegram_reencode|270",
              lambda s, out: make_samples.telegram_reencode(s.path, out)),
    Transform("scale50", "scaled to 50 %", lambda s: "scale|0.5",
              lambda s, out: make_samples.scale(s.path, out, s.size[0] // 2, s.size[1] // 2)),
    Transform("crop10", "centre crop keeping 90 %", lambda s: "crop|0.90",
              lambda s, out: make_samples.crop(s.path, out, 0.90)),
    Transform("crop15", "centre crop keeping 85 %", lambda s: "crop|0.85",
              lambda s, out: make_samples.crop(s.path, out, 0.85)),
    _vf("crop_offcentre", "88 % crop, 2 % off left and 10 % off top", _crop_at(0.88, 0.02, 0.10)),
    _vf("crop_corner", "top-right corner kept: 87 % of the width, 90 % of the height",
        _crop_at(0.87, 0.13, 0.0, 0.90)),
    Transform("letterbox", "fitted into 640x640 with black bars", lambda s: "letterbox|640x640",
              lambda s, out: make_samples.letterbox(s.path, out, 640, 640)),
    Transform("pillarbox", "fitted into 852x360 with black bars", lambda s: "letterbox|852x360",
              lambda s, out: make_samples.letterbox(s.path, out, 852, 360)),
    _vf("logo", "channel bug, watermark and tag in three corners", logo_filter),
    _vf("caption", "lower-third caption bar over the bottom 20 %", caption_filter),
    _vf("grey", "greyscale", lambda s: "hue=s=0"),
    _vf("grade_eq", "grade: eq contrast/saturation/gamma + colorbalance",
        lambda s: "eq=contrast=1.25:brightness=0.04:saturation=1.6:gamma=0.85,"
                  "colorbalance=rs=0.2:gs=0.05:bs=-0.2:rh=0.1:bh=-0.1"),
    _vf("grade_curves", "grade: curves vintage preset", lambda s: "curves=preset=vintage"),
    _vf("mirror", "horizontal flip", lambda s: "hflip", mirrored=True),
    _vf("fps25", "frame rate 30 -> 25", lambda s: "fps=25"),
    _vf("fps24", "frame rate 30 -> 24", lambda s: "fps=24"),
    Transform("pip", "picture-in-picture: 50 % window in a static news frame",
              lambda s: "pip|" + pip_graph(s, ticker=False),
              lambda s, out: filter_copy(s.path, out, pip_graph(s, ticker=False))),
    Transform("pip_ticker", "picture-in-picture with a scrolling ticker",
              lambda s: "pip|" + pip_graph(s, ticker=True),
              lambda s, out: filter_copy(s.path, out, pip_graph(s, ticker=True))),
)  # fmt: skip


def transform_case(folder: Path, source: Source, transform: Transform) -> Case:
    """``source`` through ``transform``: the whole timeline, unchanged."""
    item = Item(
        folder / f"q_{source.name}__{transform.name}.mp4",
        f"transform|{transform.name}|{transform.recipe(source)}",
        lambda out: transform.apply(source, out),
        (source.item,),
    )
    d = source.duration
    truth = (Truth(source.name, 0.0, d, 0.0, d),)
    return Case(item.path.stem[2:], transform.name, item, truth, transform.mirrored,
                transform.description)  # fmt: skip


def trim_copy(src: Path, dst: Path, start: float, length: float, *, telegram: bool) -> Path:
    """Frame-exact excerpt [start, start + length) of ``src``, re-encoded."""
    scale = ",scale=-2:270" if telegram else ""
    graph = (
        f"[0:v]trim=start={start}:duration={length},setpts=PTS-STARTPTS{scale}[v];"
        f"[0:a]atrim=start={start}:duration={length},asetpts=PTS-STARTPTS[a]"
    )
    make_samples.run_ffmpeg([
        "-i", str(src), "-filter_complex", graph, "-map", "[v]", "-map", "[a]",
        "-c:v", "libx264", "-crf", "28" if telegram else str(COPY_CRF), "-preset", "medium",
        "-threads", "1", "-c:a", "aac", *make_samples.NO_METADATA, str(dst),
    ])  # fmt: skip
    return dst


def trim_cases(folder: Path, source: Source) -> list[Case]:
    """Three excerpts per source at known offsets; the middle one Telegram-like."""
    d = source.duration
    plans = [(2.4, 5.0, False), (round(d / 2 + 0.3, 2), 4.0, True), (round(d - 6.7, 2), 6.0, False)]
    cases = []
    for start, length, telegram in plans:
        label = f"trim{start:g}+{length:g}{'_tg' if telegram else ''}"
        item = Item(
            folder / f"q_{source.name}__{label}.mp4",
            f"trim|{start}|{length}|{telegram}",
            lambda out, s=start, n=length, t=telegram: trim_copy(source.path, out, s, n,
                                                                 telegram=t),
            (source.item,),
        )  # fmt: skip
        truth = (Truth(source.name, 0.0, length, start, start + length),)
        note = f"excerpt {start:g}-{start + length:g} s" + (", 270p CRF 28" if telegram else "")
        cases.append(Case(item.path.stem[2:], "trim", item, truth, note=note))
    return cases


def compilation_copy(parts: Sequence[tuple[Path, float, float]], dst: Path) -> Path:
    """Join excerpts (path, start, length) of several files at 640x360, re-encoded."""
    args: list[str] = []
    chains = []
    for i, (path, start, length) in enumerate(parts):
        args += ["-i", str(path)]
        chains.append(
            f"[{i}:v]trim=start={start}:duration={length},setpts=PTS-STARTPTS,"
            f"scale={SIZE[0]}:{SIZE[1]},setsar=1,fps={FPS}[v{i}];"
            f"[{i}:a]atrim=start={start}:duration={length},asetpts=PTS-STARTPTS,"
            f"aresample=44100,aformat=channel_layouts=mono[a{i}]"
        )
    joined = "".join(f"[v{i}][a{i}]" for i in range(len(parts)))
    graph = ";".join(chains) + f";{joined}concat=n={len(parts)}:v=1:a=1[v][a]"
    make_samples.run_ffmpeg([
        *args, "-filter_complex", graph, "-map", "[v]", "-map", "[a]",
        "-c:v", "libx264", "-crf", str(COPY_CRF), "-preset", "medium", "-threads", "1",
        "-c:a", "aac", *make_samples.NO_METADATA, str(dst),
    ])  # fmt: skip
    return dst


def compilation_cases(folder: Path, sources: Sequence[Source]) -> list[Case]:
    """Two-source compilations A[a0:a0+4] + B[b0:b0+4]: neighbours, then every other one."""
    cases = []
    n = len(sources)
    steps = (1, 2) if n > 2 else (1,)
    for step in steps:
        for i, a in enumerate(sources):
            b = sources[(i + step) % n]
            if a is b:
                continue
            a0 = round(1.5 + 1.3 * i + 0.7 * step, 2) % (a.duration - 4.5)
            b0 = round(3.1 + 0.9 * i + 1.1 * step, 2) % (b.duration - 4.5)
            a0, b0 = round(a0, 2), round(b0, 2)
            parts = [(a.path, a0, 4.0), (b.path, b0, 4.0)]
            item = Item(
                folder / f"q_comp_{a.name}+{b.name}_{a0:g}_{b0:g}.mp4",
                f"compilation|{a0}|{b0}|4",
                lambda out, p=parts: compilation_copy(p, out),
                (a.item, b.item),
            )
            truth = (
                Truth(a.name, 0.0, 4.0, a0, a0 + 4.0),
                Truth(b.name, 4.0, 8.0, b0, b0 + 4.0),
            )
            note = f"{a.name}[{a0:g}-{a0 + 4:g}] + {b.name}[{b0:g}-{b0 + 4:g}]"
            cases.append(Case(item.path.stem[2:], "compilation", item, truth, note=note))
    return cases


# ----------------------------------------------------------------------- negatives


def _lavfi(chain: str, duration: float, size: tuple[int, int] = SIZE) -> str:
    """A one-chain graph: ``chain`` then the standard tail."""
    return f"{chain},{_finish(round(duration * FPS), size)}"


def negative_specs() -> list[tuple[str, str, str, float]]:
    """(name, trap, graph, seconds) of each negative; the first eight form the quick set."""
    w, h = SIZE
    specs = [
        ("short_life_2s", "short", _lavfi(
            f"life=size={w // 8}x{h // 8}:rate={FPS}/3:seed=9001:ratio=0.2:mold=8"
            f":life_color=0x40ff90:death_color=0x200040:mold_color=0xff7000,fps={FPS},"
            f"scale={w}:{h}:flags=neighbor", 2.0), 2.0),
        ("dark_clouds", "dark, same kind as 'dark'", dark_graph(10.0, SIZE, seed=77), 10.0),
        ("flat_noise", "low detail: flat colour + grain", _lavfi(
            f"color=c=0x406080:size={w}x{h}:rate={FPS},noise=alls=8:allf=t", 10.0), 10.0),
        ("text_same_template", "same template as 'text', other words",
         text_graph(12.0, SIZE, seed=8, words=OTHER_WORDS), 12.0),
        ("montage_other", "hard cuts, other kinds and seeds", montage_graph(12.0, SIZE, seed=300),
         12.0),
        ("fade", "low detail: slow fades", _lavfi(
            f"color=c=0x808080:size={w}x{h}:rate={FPS},drawbox=x={w // 3}:y={h // 3}"
            f":w={w // 3}:h={h // 3}:color=0xa0a0a0:t=fill,fade=t=in:d=4,"
            "fade=t=out:st=4:d=4,noise=alls=2:allf=t", 8.0), 8.0),
        ("pan_other_region", "same kind as 'pan', other fractal region",
         pan_graph(12.0, SIZE, point=(-0.743643887, -0.131825904), scale=0.008), 12.0),
        ("short_text_3s", "short, text slide", text_graph(
            3.0, SIZE, seed=41, words=OTHER_WORDS, roll_last=False), 3.0),
        # ---- full set only
        ("short_cellauto_3s", "short", _lavfi(
            f"cellauto=size={w // 4}x{h // 4}:rate={FPS}:rule=30:random_seed=17:scroll=1:full=1,"
            f"format=rgb24,scale={w}:{h}:flags=neighbor", 3.0), 3.0),
        ("short_mandel_4s", "short, fractal zoom", _lavfi(
            f"mandelbrot=size={w}x{h}:rate={FPS}:maxiter=200:start_x=-1.25066:start_y=0.02012"
            ":start_scale=0.05:end_scale=0.01:end_pts=120", 4.0), 4.0),
        ("dark_noise", "dark: near black with grain", _lavfi(
            f"color=c=0x0c0c10:size={w}x{h}:rate={FPS},noise=alls=10:allf=t", 8.0), 8.0),
        ("dark_life", "dark, Life", _lavfi(
            f"life=size={w // 4}x{h // 4}:rate={FPS}/2:seed=4242:ratio=0.3:mold=6"
            f":life_color=0x70a070:death_color=0x000000,fps={FPS},scale={w}:{h}:flags=neighbor,"
            "eq=brightness=-0.3,noise=alls=6:allf=t", 8.0), 8.0),
        ("dark_fractal", "dark, fractal zoom", _lavfi(
            f"mandelbrot=size={w}x{h}:rate={FPS}:maxiter=200:start_x=-0.77568377"
            ":start_y=0.13646737:start_scale=0.05:end_scale=0.005:end_pts=240,"
            "eq=brightness=-0.35:contrast=0.7,noise=alls=6:allf=t", 8.0), 8.0),
        ("gradient_slow", "low detail: slow gradients", _lavfi(
            f"gradients=size={w}x{h}:rate={FPS}:c0=0x203060:c1=0x6080c0:c2=0x304020:c3=0xa08040"
            ":n=4:speed=0.01:seed=5", 10.0), 10.0),
        ("soft_blobs", "low detail: soft drifting blobs", _lavfi(
            f"perlin=size={w}x{h}:rate={FPS}:octaves=1:xscale=1:yscale=1:tscale=0.2"
            ":random_mode=seed:random_seed=99,format=rgb24", 10.0), 10.0),
        ("static_other", "same kind as 'static', other still", static_graph(
            12.0, SIZE, point=(-1.25066, 0.02012), scale=0.01, hue=120, mover_y=0.3), 12.0),
        ("text_other_layout", "text, white page subtitles", _lavfi(
            f"color=c=0xf4f4f0:size={w}x{h}:rate={FPS},"
            + ",".join(text(line, "(w-tw)/2", str(60 + 50 * j), 26, "0x202020")
                       for j, line in enumerate(slide_lines(5, OTHER_WORDS, 5))), 10.0), 10.0),
        ("action_other", "same kind as 'action', other seeds", action_graph(10.0, SIZE, seed=900),
         10.0),
        ("shaky_other", "same kind as 'shaky', other fractal point", _lavfi(
            f"mandelbrot=size=720x405:rate={FPS}:maxiter=300:start_x=-1.401155:start_y=0"
            f":start_scale=0.05:end_scale=0.005:end_pts=360,{shaky_filter(SIZE, (80, 45))},"
            "noise=alls=3:allf=t", 12.0), 12.0),
        ("zoneplate", "synthetic pattern", _lavfi(
            f"zoneplate=size={w}x{h}:rate={FPS}:kx2=40:ky2=40:kt2=3:ku=64:kv=128,format=rgb24",
            8.0), 8.0),
        ("sierpinski", "synthetic pattern", _lavfi(
            f"sierpinski=size={w}x{h}:rate={FPS}:seed=7:jump=40", 8.0), 8.0),
        ("hdbars", "static bars with grain", _lavfi(
            f"smptehdbars=size={w}x{h}:rate={FPS},noise=alls=5:allf=t", 6.0), 6.0),
        ("testsrc", "classic test pattern with counter", _lavfi(
            f"testsrc=size={w}x{h}:rate={FPS}", 8.0), 8.0),
        ("colorchart", "colour chart, slow drift", _lavfi(
            f"colorchart=rate={FPS}:patch_size=48x48,scale={w + 40}:{h + 24},"
            f"crop={w}:{h}:x='20+10*sin(t)':y=12,noise=alls=3:allf=t", 8.0), 8.0),
    ]  # fmt: skip
    return specs


def pip_negative(folder: Path, inner: Item, *, ticker: bool) -> Item:
    """Unrelated footage in the same news frame as the picture-in-picture positives."""
    fake = Source("neg", "", 0.0, SIZE, inner)
    graph = pip_graph(fake, ticker=ticker)
    return Item(
        folder / f"neg_pip_{inner.path.stem.removeprefix('neg_')}.mp4",
        f"pip|{graph}",
        lambda out: filter_copy(inner.path, out, graph),
        (inner,),
    )


def negative_cases(folder: Path, quick: bool) -> list[Case]:
    """Unrelated clips, none of which is in the bank."""
    specs = negative_specs()
    if quick:
        specs = specs[:8]
    cases = []
    items: dict[str, Item] = {}
    for i, (name, trap, graph, seconds) in enumerate(specs):
        item = graph_item(folder / f"neg_{name}.mp4", graph, seconds, 500 + 10 * i)
        items[name] = item
        cases.append(Case(name, "negative", item, (), note=trap))
    if not quick:
        derived = [
            ("montage_other_telegram", "a messenger copy of an unrelated montage",
             Item(folder / "neg_montage_other_telegram.mp4", "telegram_reencode|270",
                  lambda out: make_samples.telegram_reencode(items["montage_other"].path, out),
                  (items["montage_other"],))),
            ("pip_action_other", "unrelated footage in the positives' news frame",
             pip_negative(folder, items["action_other"], ticker=True)),
            ("letterbox_pan_other", "unrelated footage letterboxed like the positives",
             Item(folder / "neg_letterbox_pan_other.mp4", "letterbox|640x640",
                  lambda out: make_samples.letterbox(items["pan_other_region"].path, out),
                  (items["pan_other_region"],))),
        ]  # fmt: skip
        cases += [Case(name, "negative", item, (), note=trap) for name, trap, item in derived]
    return cases


# ---------------------------------------------------------------------------- build


def build_evalset(workdir: Path, *, quick: bool = False) -> EvalSet:
    """Describe the whole evaluation set (nothing is generated yet)."""
    media = workdir / "media"
    sources = build_sources(media, quick)
    cases: list[Case] = []
    for source in sources:
        cases += [transform_case(media, source, t) for t in TRANSFORMS]
    for source in sources:
        cases += trim_cases(media, source)
    cases += compilation_cases(media, sources)
    cases += negative_cases(media, quick)
    return EvalSet(workdir, tuple(sources), tuple(cases))


@dataclasses.dataclass
class GenerationReport:
    """What `generate` did: counts, wall time and failures (item path -> message)."""

    made: int = 0
    cached: int = 0
    seconds: float = 0.0
    failed: dict[str, str] = dataclasses.field(default_factory=dict)


def generate(
    evalset: EvalSet, *, jobs: int = 2, progress: Callable[[str], None] | None = None
) -> GenerationReport:
    """Make every missing or stale file, ``jobs`` ffmpeg processes at a time (at most 2).

    Items whose inputs failed are skipped and reported as failed too.
    """
    jobs = max(1, min(jobs, 2))
    report = GenerationReport()
    started = time.perf_counter()
    items = evalset.items()
    for item in items:
        item.path.parent.mkdir(parents=True, exist_ok=True)
    pending = {item.path: item for item in items}
    done: set[Path] = set()
    with concurrent.futures.ThreadPoolExecutor(max_workers=jobs) as pool:
        running: dict[concurrent.futures.Future[bool], Item] = {}
        while pending or running:
            for path, item in list(pending.items()):
                if any(str(dep.path) in report.failed for dep in item.deps):
                    report.failed[str(path)] = "an input failed"
                    del pending[path]
                elif all(dep.path in done for dep in item.deps):
                    running[pool.submit(item.build)] = item
                    del pending[path]
            if not running:
                break
            finished, _ = concurrent.futures.wait(
                running, return_when=concurrent.futures.FIRST_COMPLETED
            )
            for future in finished:
                item = running.pop(future)
                try:
                    made = future.result()
                except Exception as exc:
                    report.failed[str(item.path)] = str(exc).strip().splitlines()[-1][:300]
                    if progress:
                        progress(f"FAILED {item.path.name}: {exc}")
                    continue
                done.add(item.path)
                if made:
                    report.made += 1
                    if progress:
                        progress(f"made {item.path.name}")
                else:
                    report.cached += 1
    report.seconds = time.perf_counter() - started
    return report


def contact_sheet(video: Path, out: Path, *, columns: int = 6, rows: int = 3) -> Path:
    """A grid of frames, one per second, for looking at a generated clip."""
    make_samples.run_ffmpeg([
        "-i", str(video), "-vf", f"fps=1,scale=213:-2,tile={columns}x{rows}", "-frames:v", "1",
        str(out),
    ])  # fmt: skip
    return out


def main(argv: Sequence[str] | None = None) -> int:
    """Generate the set (``--quick`` for the small one) and print what it holds."""
    import argparse

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--workdir", type=Path, default=BENCH_DIR / "out" / "match")
    parser.add_argument("--sheets", action="store_true", help="write contact sheets of sources")
    args = parser.parse_args(argv)
    evalset = build_evalset(args.workdir, quick=args.quick)
    report = generate(evalset, progress=print)
    print(f"{report.made} made, {report.cached} cached in {report.seconds:.1f} s")
    for source in evalset.sources:
        print(f"source {source.name:8} {source.duration:5.1f} s  {source.character}")
    if args.sheets:
        sheets = args.workdir / "sheets"
        sheets.mkdir(parents=True, exist_ok=True)
        for case in [*evalset.sources, *(c for c in evalset.cases if not c.positive)]:
            if case.path.is_file():
                contact_sheet(case.path, sheets / f"{case.path.stem}.png")
    return 1 if report.failed else 0


if __name__ == "__main__":
    sys.exit(main())
