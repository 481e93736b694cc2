"""Generate the synthetic sample media in samples/ with ffmpeg's built-in sources.

Run from the repository root::

    python samples/make_samples.py [--out DIR]

Everything is drawn by lavfi sources (mandelbrot, testsrc2, life, gradients,
cellauto, sine), so nothing real is depicted. The functions are reusable:
`render_source` draws a clip of a given character and duration, the transforms
(`reencode`, `crop`, `scale`, `letterbox`, `strip_metadata`, `remux`,
`truncate`, `rotate_display`) each go from an input path to an output path, and
`make_samples` builds the committed set.
"""

from __future__ import annotations

import argparse
import hashlib
import io
import json
import math
import subprocess
import sys
import tempfile
from collections.abc import Mapping, Sequence
from fractions import Fraction
from pathlib import Path
from typing import Any

# Make `verify` importable when run as `python samples/make_samples.py`.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import exifread
from PIL import ExifTags, Image
from PIL.TiffImagePlugin import IFDRational

from verify.media.ffmpeg import find_tool

SAMPLES_DIR = Path(__file__).resolve().parent
MAX_BYTES = 1_000_000
SIZE = (640, 360)
FPS = 30

BITEXACT = ["-fflags", "+bitexact", "-flags:v", "+bitexact", "-flags:a", "+bitexact"]
# Drop both global and per-stream metadata: a bare `-map_metadata -1` still
# copies stream tags such as handler_name and encoder.
NO_METADATA = ["-map_metadata", "-1", "-map_metadata:s", "-1"]
FFMPEG_TRACES = (b"Lavf", b"Lavc", b"x264", b"FFMP")

# What an iPhone 12 Pro writes into a QuickTime original (as mdta keys).
IPHONE_METADATA: dict[str, str] = {
    "creation_time": "2022-04-02T06:41:27Z",
    "com.apple.quicktime.creationdate": "2022-04-02T09:41:27+0300",
    "com.apple.quicktime.make": "Apple",
    "com.apple.quicktime.model": "iPhone 12 Pro",
    "com.apple.quicktime.software": "15.4",
    "com.apple.quicktime.location.ISO6709": "+50.4501+030.5234+150.000/",
}
IPHONE_STREAM_METADATA: dict[str, dict[str, str]] = {
    "v:0": {"encoder": "H.264", "handler_name": "Core Media Video"},
    "a:0": {"handler_name": "Core Media Audio"},
}

# Shot kinds `render_source` understands; "montage" cycles through MONTAGE.
SHOT_KINDS = ("mandelbrot", "testsrc2", "life", "gradients", "cellauto")
MONTAGE = ("mandelbrot", "testsrc2", "life", "gradients")

# Gradient colours, rotated by seed. They must be explicit: the gradients
# source's default colour "random" is drawn from the OS, ignoring its seed.
_GRADIENT_COLOURS = ("0x8a1a5c", "0xd65db1", "0x2f6fd6", "0x1fb58f", "0xf2c14e", "0x5b2a86")

# Points of the Mandelbrot set worth zooming into, picked by seed.
_MANDEL_POINTS = (
    (-0.743643887037158704752191506114774, -0.131825904205311970493132056385139),
    (-0.7453, 0.1127),
    (-1.25066, 0.02012),
    (-0.16, 1.0405),
)


class SampleError(RuntimeError):
    """A sample could not be made or failed its self-check."""


# --------------------------------------------------------------------------- tools


def run_ffmpeg(args: Sequence[str]) -> subprocess.CompletedProcess[bytes]:
    """Run ffmpeg with ``args`` (after the global flags); raise `SampleError` on failure."""
    cmd = [find_tool("ffmpeg").path, "-hide_banner", "-nostdin", "-loglevel", "error", "-y"]
    cmd += list(args)
    done = subprocess.run(cmd, capture_output=True, check=False)
    if done.returncode != 0:
        err = done.stderr.decode("utf-8", "replace").strip()
        raise SampleError(f"ffmpeg failed ({done.returncode}): {' '.join(cmd)}\n{err}")
    return done


def run_ffprobe(path: Path) -> subprocess.CompletedProcess[bytes]:
    """Run ffprobe on ``path`` for format, streams and side data as JSON (no check)."""
    cmd = [
        find_tool("ffprobe").path, "-v", "error", "-hide_banner", "-print_format", "json",
        "-show_format", "-show_streams", _file(path),
    ]  # fmt: skip
    return subprocess.run(cmd, capture_output=True, check=False)


def probe(path: Path) -> dict:
    """ffprobe's format and streams for ``path``; raise `SampleError` if unreadable."""
    done = run_ffprobe(path)
    if done.returncode != 0:
        raise SampleError(f"ffprobe cannot read {path}: {done.stderr.decode(errors='replace')}")
    return json.loads(done.stdout)


def _file(path: Path | str) -> str:
    """Absolute path behind ``file:`` so no name is read as an option or protocol."""
    return "file:" + str(Path(path).resolve())


def sha256(path: Path) -> str:
    """Hex SHA-256 of a file."""
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


# ------------------------------------------------------------------------- sources


def _shot_graph(
    kind: str, label: str, size: tuple[int, int], fps: int, frames: int, seed: int
) -> str:
    """A filtergraph fragment drawing ``frames`` RGB frames of one shot into ``[label]``."""
    w, h = size
    tail = f"trim=end_frame={frames},setpts=PTS-STARTPTS,format=rgb24[{label}]"
    if kind == "mandelbrot":
        x, y = _MANDEL_POINTS[seed % len(_MANDEL_POINTS)]
        return (
            f"mandelbrot=size={w}x{h}:rate={fps}:maxiter=128:start_x={x}:start_y={y}"
            f":start_scale=2.5:end_scale=0.3:end_pts={frames},{tail}"
        )
    if kind == "testsrc2":
        hue = f"hue=h={seed * 47 % 360}," if seed else ""
        return f"testsrc2=size={w}x{h}:rate={fps},{hue}{tail}"
    if kind == "life":
        # Coarse cells, a new generation every third frame: rich but compressible.
        return (
            f"life=size={max(w // 8, 8)}x{max(h // 8, 8)}:rate={fps}/3:seed={42 + seed}"
            ":ratio=0.2:mold=8:life_color=0x40ff90:death_color=0x200040:mold_color=0xff7000,"
            f"fps={fps},scale={w}:{h}:flags=neighbor,{tail}"
        )
    if kind == "gradients":
        bw, bh, sq = w * 3 // 16, h * 7 // 18, h // 4
        colours = ":".join(
            f"c{i}={_GRADIENT_COLOURS[(seed + i) % len(_GRADIENT_COLOURS)]}" for i in range(4)
        )
        return (
            f"gradients=size={w}x{h}:rate={fps}:{colours}:n=4:x0=0:y0=0:x1={w - 1}:y1={h - 1}"
            f":speed=0.05[{label}g];"
            f"color=c=yellow:size={bw}x{bh}:rate={fps}[{label}y];"
            f"color=c=0x1040c0:size={sq}x{sq}:rate={fps}[{label}b];"
            f"[{label}g][{label}y]overlay=x='mod(t*{w * 3 // 8},{w + bw})-{bw}':y={h * 3 // 10}"
            f"[{label}gy];"
            f"[{label}gy][{label}b]overlay=x={w * 2 // 3}:y='mod(t*{h // 2},{h + sq})-{sq}',"
            f"{tail}"
        )
    if kind == "cellauto":
        return (
            f"cellauto=size={max(w // 4, 8)}x{max(h // 4, 8)}:rate={fps}:rule=110"
            f":random_seed={1 + seed}:scroll=1:full=1,format=rgb24,"
            f"colorchannelmixer=rr=1:gg=0.55:bb=0.1,scale={w}:{h}:flags=neighbor,{tail}"
        )
    raise ValueError(f"unknown shot kind {kind!r}; choose from {SHOT_KINDS} or 'montage'")


def source_graph(
    character: str,
    duration: float,
    *,
    size: tuple[int, int] = SIZE,
    fps: int = FPS,
    seed: int = 0,
    shot_seconds: float = 2.0,
    post_filter: str | None = None,
    tone_hz: float = 440.0,
) -> str:
    """The ``-filter_complex`` graph for `render_source`, with outputs ``[v]`` and ``[a]``.

    ``character`` is a shot kind from `SHOT_KINDS`, or ``"montage"`` for hard
    cuts every ``shot_seconds`` between the kinds in `MONTAGE`.
    """
    total = round(duration * fps)
    if character == "montage":
        per_shot = max(round(shot_seconds * fps), 1)
        lengths = [min(per_shot, total - start) for start in range(0, total, per_shot)]
        kinds = [MONTAGE[i % len(MONTAGE)] for i in range(len(lengths))]
    else:
        lengths, kinds = [total], [character]
    # Each round through MONTAGE takes new seeds, so a long montage never
    # shows the same shot twice (a repeat would be a second true match).
    parts = [
        _shot_graph(kind, f"s{i}", size, fps, n, seed + 101 * (i // len(MONTAGE)))
        for i, (kind, n) in enumerate(zip(kinds, lengths, strict=True))
    ]
    inputs = "".join(f"[s{i}]" for i in range(len(parts)))
    post = f"{post_filter}," if post_filter else ""
    parts.append(
        f"{inputs}concat=n={len(parts)}:v=1:a=0,{post}"
        "scale=out_color_matrix=bt709:out_range=tv,format=yuv420p[v]"
    )
    parts.append(f"sine=frequency={tone_hz}:beep_factor=4:sample_rate=44100:duration={duration}[a]")
    return ";".join(parts)


def render_source(
    out: Path,
    character: str = "montage",
    duration: float = 8.0,
    *,
    size: tuple[int, int] = SIZE,
    fps: int = FPS,
    seed: int = 0,
    shot_seconds: float = 2.0,
    post_filter: str | None = None,
    tone_hz: float = 440.0,
    gop: int = 30,
    extra_args: Sequence[str] = (),
) -> Path:
    """Render a synthetic H.264 High / AAC mono clip to ``out`` (container from its suffix).

    Bit-exact (no Lavf/Lavc tags), ``-threads 1`` and fixed seeds, so the same
    arguments give the same bytes. ``post_filter`` runs after the shots are
    joined (e.g. ``transpose=clock``); ``extra_args`` go before the output name.
    """
    graph = source_graph(
        character,
        duration,
        size=size,
        fps=fps,
        seed=seed,
        shot_seconds=shot_seconds,
        post_filter=post_filter,
        tone_hz=tone_hz,
    )
    run_ffmpeg([
        "-filter_complex", graph, "-map", "[v]", "-map", "[a]",
        "-c:v", "libx264", "-profile:v", "high", "-pix_fmt", "yuv420p", "-preset", "medium",
        "-crf", "23", "-maxrate", "500k", "-bufsize", "1000k", "-g", str(gop), "-threads", "1",
        "-colorspace", "bt709", "-color_primaries", "bt709", "-color_trc", "bt709",
        "-color_range", "tv",
        "-c:a", "aac", "-b:a", "64k", "-ac", "1", "-ar", "44100",
        *BITEXACT, *extra_args, _file(out),
    ])  # fmt: skip
    return Path(out)


def camera_original(
    out: Path,
    character: str = "montage",
    duration: float = 8.0,
    *,
    metadata: Mapping[str, str] = IPHONE_METADATA,
    stream_metadata: Mapping[str, Mapping[str, str]] = IPHONE_STREAM_METADATA,
    seed: int = 0,
) -> Path:
    """Render a clip dressed as an unedited camera original (QuickTime, moov at the end).

    Writes ``metadata`` as mdta keys, sets per-stream tags, drops x264's SEI
    (the "x264 - core ..." text), patches the muxer's ``FFMP`` vendor id to
    ``appl`` and checks no FFmpeg trace is left.
    """
    extra = ["-bsf:v", "filter_units=remove_types=6", "-movflags", "use_metadata_tags"]
    for key, value in metadata.items():
        extra += ["-metadata", f"{key}={value}"]
    for spec, tags in stream_metadata.items():
        for key, value in tags.items():
            extra += [f"-metadata:s:{spec}", f"{key}={value}"]
    render_source(out, character, duration, seed=seed, extra_args=extra)
    patch_vendor_id(out)
    check_no_ffmpeg_traces(out)
    return Path(out)


def patch_vendor_id(path: Path, old: bytes = b"FFMP", new: bytes = b"appl") -> int:
    """Replace every ``old`` inside the moov box with ``new`` (same length); return the count.

    The mov muxer always writes ``FFMP`` as the vendor of video sample
    descriptions; a camera writes its own (Apple: ``appl``). Only the moov box
    (the index, where sample descriptions live) is touched, never media data.
    """
    if len(old) != len(new):
        raise ValueError("replacement must keep the length")
    data = bytearray(Path(path).read_bytes())
    start, end = _top_level_box(data, b"moov")
    count = data.count(old, start, end)
    if count == 0:
        raise SampleError(f"{path}: no {old!r} to patch in moov")
    data[start:end] = data[start:end].replace(old, new)
    Path(path).write_bytes(data)
    return count


def _top_level_box(data: bytes | bytearray, kind: bytes) -> tuple[int, int]:
    """Byte range of the first top-level ISO BMFF box of type ``kind``."""
    pos = 0
    while pos + 8 <= len(data):
        size, box = int.from_bytes(data[pos : pos + 4], "big"), bytes(data[pos + 4 : pos + 8])
        if size == 1:
            size = int.from_bytes(data[pos + 8 : pos + 16], "big")
        elif size == 0:
            size = len(data) - pos
        if size < 8:
            break
        if box == kind:
            return pos, min(pos + size, len(data))
        pos += size
    raise SampleError(f"no top-level {kind.decode()} box")


def render_photo(
    out: Path,
    *,
    size: tuple[int, int] = (640, 480),
    seed: int = 1,
    exif: Image.Exif | None = None,
    quality: int = 90,
) -> Path:
    """Render one mandelbrot frame with ffmpeg and save it as a JPEG with EXIF via Pillow."""
    x, y = _MANDEL_POINTS[seed % len(_MANDEL_POINTS)]
    w, h = size
    done = run_ffmpeg([
        "-f", "lavfi", "-i",
        f"mandelbrot=size={w}x{h}:rate=1:maxiter=256:start_x={x}:start_y={y}:start_scale=0.05",
        "-frames:v", "1", "-pix_fmt", "rgb24", "-c:v", "png", *BITEXACT, "-f", "image2pipe", "-",
    ])  # fmt: skip
    image = Image.open(io.BytesIO(done.stdout)).convert("RGB")
    exif = pixel6_exif() if exif is None else exif
    image.save(out, "JPEG", quality=quality, exif=exif.tobytes())
    return Path(out)


def _dms(value: float) -> tuple[IFDRational, IFDRational, IFDRational]:
    """Degrees as EXIF (degrees, minutes, seconds) rationals, exact for decimal input."""
    exact = abs(Fraction(str(value)))
    degrees = math.floor(exact)
    minutes = math.floor((exact - degrees) * 60)
    seconds = ((exact - degrees) * 60 - minutes) * 60
    return (
        IFDRational(degrees, 1),
        IFDRational(minutes, 1),
        IFDRational(seconds.numerator, seconds.denominator),
    )


def pixel6_exif(
    *,
    lat: float = 50.4501,
    lon: float = 30.5234,
    alt_m: float = 150.0,
    when: str = "2022:04:02 09:45:00",
    offset: str = "+03:00",
) -> Image.Exif:
    """EXIF as a Pixel 6 writes it: make, model, software, capture time and GPS."""
    base, gps = ExifTags.Base, ExifTags.GPS
    exif = Image.Exif()
    exif[base.Make] = "Google"
    exif[base.Model] = "Pixel 6"
    exif[base.Software] = "HDR+ 1.0.412204366"
    exif[base.DateTime] = when
    exif[ExifTags.IFD.Exif] = {
        base.DateTimeOriginal: when,
        base.DateTimeDigitized: when,
        base.OffsetTimeOriginal: offset,
    }
    altitude = Fraction(str(abs(alt_m)))
    exif[ExifTags.IFD.GPSInfo] = {
        gps.GPSVersionID: b"\x02\x02\x00\x00",
        gps.GPSLatitudeRef: "N" if lat >= 0 else "S",
        gps.GPSLatitude: _dms(lat),
        gps.GPSLongitudeRef: "E" if lon >= 0 else "W",
        gps.GPSLongitude: _dms(lon),
        gps.GPSAltitudeRef: 0 if alt_m >= 0 else 1,
        gps.GPSAltitude: IFDRational(altitude.numerator, altitude.denominator),
    }
    return exif


# ---------------------------------------------------------------------- transforms


def reencode(
    src: Path,
    dst: Path,
    *,
    video_filter: str | None = None,
    crf: int = 23,
    preset: str = "medium",
    audio_bitrate: str | None = None,
    audio_rate: int | None = None,
    faststart: bool = False,
    keep_metadata: bool = False,
    bitexact: bool = False,
) -> Path:
    """Re-encode to H.264/AAC the way a plain ffmpeg call would (Lavf/Lavc tags kept).

    Metadata (global and per stream) is dropped unless ``keep_metadata``;
    ``bitexact`` drops ffmpeg's own encoder tags too.
    """
    args = ["-i", _file(src), "-map", "0:v:0", "-map", "0:a?"]
    if video_filter:
        args += ["-vf", video_filter]
    args += ["-c:v", "libx264", "-crf", str(crf), "-preset", preset, "-threads", "1", "-c:a", "aac"]
    if audio_bitrate:
        args += ["-b:a", audio_bitrate]
    if audio_rate:
        args += ["-ar", str(audio_rate)]
    if not keep_metadata:
        args += NO_METADATA
    if faststart:
        args += ["-movflags", "+faststart"]
    if bitexact:
        args += BITEXACT
    run_ffmpeg([*args, _file(dst)])
    return Path(dst)


def telegram_reencode(src: Path, dst: Path, *, height: int = 270) -> Path:
    """Imitate a messenger re-encode: scale down, CRF 28, AAC 48 kHz 48 kb/s, faststart."""
    return reencode(
        src,
        dst,
        video_filter=f"scale=-2:{height}",
        crf=28,
        audio_bitrate="48k",
        audio_rate=48000,
        faststart=True,
    )


def crop(src: Path, dst: Path, fraction: float = 0.85, **kwargs: Any) -> Path:
    """Centre-crop to ``fraction`` of width and height (even sizes), then `reencode`."""
    vf = f"crop=trunc(iw*{fraction}/2)*2:trunc(ih*{fraction}/2)*2"
    return reencode(src, dst, video_filter=vf, **kwargs)


def scale(src: Path, dst: Path, width: int, height: int, **kwargs: Any) -> Path:
    """Scale to exactly ``width`` x ``height``, then `reencode`."""
    return reencode(src, dst, video_filter=f"scale={width}:{height}", **kwargs)


def letterbox(src: Path, dst: Path, width: int = 640, height: int = 640, **kwargs: Any) -> Path:
    """Fit inside ``width`` x ``height`` keeping aspect, pad with black bars, `reencode`."""
    vf = (
        f"scale={width}:{height}:force_original_aspect_ratio=decrease:force_divisible_by=2,"
        f"pad={width}:{height}:(ow-iw)/2:(oh-ih)/2:color=black,setsar=1"
    )
    return reencode(src, dst, video_filter=vf, **kwargs)


def strip_metadata(src: Path, dst: Path, *, bitexact: bool = False) -> Path:
    """Copy all streams unchanged, dropping global and per-stream metadata."""
    args = ["-i", _file(src), "-map", "0", "-c", "copy", *NO_METADATA]
    run_ffmpeg([*args, *(BITEXACT if bitexact else []), _file(dst)])
    return Path(dst)


def remux(src: Path, dst: Path, *, faststart: bool = False, bitexact: bool = True) -> Path:
    """Copy all streams and metadata into the container named by ``dst``'s suffix."""
    args = ["-i", _file(src), "-map", "0", "-c", "copy", "-map_metadata", "0"]
    if faststart:
        args += ["-movflags", "+faststart"]
    run_ffmpeg([*args, *(BITEXACT if bitexact else []), _file(dst)])
    return Path(dst)


def truncate(src: Path, dst: Path, fraction: float = 0.5) -> Path:
    """Write the first ``fraction`` of ``src``'s bytes to ``dst``."""
    data = Path(src).read_bytes()
    Path(dst).write_bytes(data[: int(len(data) * fraction)])
    return Path(dst)


def rotate_display(src: Path, dst: Path, degrees: float = 90, *, bitexact: bool = True) -> Path:
    """Stream-copy with a display matrix rotating ``degrees`` counter-clockwise."""
    args = ["-display_rotation", f"{degrees:g}", "-i", _file(src), "-map", "0", "-c", "copy"]
    run_ffmpeg([*args, *(BITEXACT if bitexact else []), _file(dst)])
    return Path(dst)


# -------------------------------------------------------------------------- checks


def check_no_ffmpeg_traces(path: Path, needles: Sequence[bytes] = FFMPEG_TRACES) -> None:
    """Fail if the bytes or the ffprobe tags of ``path`` show it came from FFmpeg."""
    data = Path(path).read_bytes()
    found = {needle.decode(): data.find(needle) for needle in needles if needle in data}
    if found:
        raise SampleError(f"{path}: FFmpeg traces at byte offsets {found}")
    doc = probe(path)
    tags = [doc["format"].get("tags", {})] + [s.get("tags", {}) for s in doc["streams"]]
    for tag in tags:
        if "Lav" in tag.get("encoder", "") or tag.get("vendor_id") == "FFMP":
            raise SampleError(f"{path}: FFmpeg tag {tag}")


def check_lavf_tag(path: Path) -> str:
    """Return the format-level ``encoder`` tag; fail unless it starts with ``Lavf``."""
    encoder = probe(path)["format"].get("tags", {}).get("encoder", "")
    if not encoder.startswith("Lavf"):
        raise SampleError(f"{path}: expected an encoder=Lavf... tag, got {encoder!r}")
    return encoder


def check_moov_missing(path: Path) -> None:
    """Fail unless ffprobe rejects ``path`` with "moov atom not found"."""
    done = run_ffprobe(path)
    message = done.stderr.decode("utf-8", "replace")
    if done.returncode == 0 or "moov atom not found" not in message:
        raise SampleError(f"{path}: ffprobe should fail with 'moov atom not found': {message}")


def check_rotation(path: Path) -> float:
    """Return the video stream's display-matrix rotation; fail unless it is +-90."""
    video = next(s for s in probe(path)["streams"] if s["codec_type"] == "video")
    for side in video.get("side_data_list", []):
        if side.get("side_data_type") == "Display Matrix":
            rotation = float(side.get("rotation", 0))
            if abs(rotation) == 90:
                return rotation
    raise SampleError(f"{path}: no 90-degree Display Matrix in {video.get('side_data_list')}")


def check_photo_exif(path: Path) -> dict[str, str]:
    """Read the photo's EXIF back with exifread; fail unless the Pixel 6 tags are present."""
    with open(path, "rb") as handle:
        tags = exifread.process_file(handle, details=False)
    expected = {
        "Image Make": "Google",
        "Image Model": "Pixel 6",
        "Image Software": "HDR+ 1.0.412204366",
        "EXIF DateTimeOriginal": "2022:04:02 09:45:00",
        "EXIF OffsetTimeOriginal": "+03:00",
        "GPS GPSLatitudeRef": "N",
        "GPS GPSLongitudeRef": "E",
    }
    got = {key: str(tags[key]) if key in tags else None for key in expected}
    if got != expected:
        raise SampleError(f"{path}: EXIF mismatch: {got}")

    def degrees(key: str) -> float:
        d, m, s = (float(v) for v in tags[key].values)
        return d + m / 60 + s / 3600

    lat, lon = degrees("GPS GPSLatitude"), degrees("GPS GPSLongitude")
    alt = float(tags["GPS GPSAltitude"].values[0])
    if abs(lat - 50.4501) > 1e-6 or abs(lon - 30.5234) > 1e-6 or alt != 150:
        raise SampleError(f"{path}: GPS reads back as {lat}, {lon}, {alt} m")
    return {**got, "lat": f"{lat:.6f}", "lon": f"{lon:.6f}", "alt": f"{alt:g}"}


# ---------------------------------------------------------------------------- main


def make_samples(out_dir: Path = SAMPLES_DIR) -> list[Path]:
    """Build the committed sample set in ``out_dir`` and self-check each file."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    made: list[Path] = []

    def done(path: Path, note: str = "") -> None:
        size = path.stat().st_size
        if size >= MAX_BYTES:
            raise SampleError(f"{path}: {size} bytes, over the {MAX_BYTES} byte budget")
        made.append(path)
        print(f"{path.name:24} {size:>8} B  sha256 {sha256(path)}  {note}".rstrip())

    original = camera_original(out_dir / "original.mov")
    done(original, "camera original, no FFmpeg traces")

    telegram = telegram_reencode(original, out_dir / "telegram_reencode.mp4")
    done(telegram, f"encoder={check_lavf_tag(telegram)}")

    cropped = crop(original, out_dir / "cropped.mp4")
    done(cropped, f"encoder={check_lavf_tag(cropped)}")

    stripped = strip_metadata(original, out_dir / "stripped.mp4")
    done(stripped, "streams copied, metadata stripped")

    photo = render_photo(out_dir / "photo.jpg")
    check_photo_exif(photo)
    done(photo, "EXIF Google Pixel 6 + GPS read back")

    with tempfile.TemporaryDirectory(prefix="verify-samples-") as tmp:
        moov_last = remux(original, Path(tmp) / "moov_last.mp4")
        truncated = truncate(moov_last, out_dir / "truncated.mp4", 0.5)
        check_moov_missing(truncated)
        done(truncated, "ffprobe: moov atom not found")

        # A portrait scene (red bar on top) turned clockwise into landscape
        # pixels; the display matrix turns it back counter-clockwise, so
        # players show it upright at 360x640.
        w, h = SIZE
        landscape = render_source(
            Path(tmp) / "landscape.mp4",
            "cellauto",
            4.0,
            size=(h, w),
            seed=3,
            tone_hz=660,
            post_filter=f"drawbox=x=0:y=0:w={h}:h={w // 10}:color=red:t=fill,"
            f"drawbox=x=0:y={w - w // 10}:w={h // 3}:h={w // 10}:color=0x00c040:t=fill,"
            "transpose=clock",
        )
        vertical = rotate_display(landscape, out_dir / "vertical_rotated.mp4", 90)
        done(vertical, f"display matrix rotation {check_rotation(vertical):g}")
    return made


def main(argv: Sequence[str] | None = None) -> int:
    """Command-line entry point: build the sample set into ``--out`` (default samples/)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--out", type=Path, default=SAMPLES_DIR, help="output folder (default: %(default)s)"
    )
    args = parser.parse_args(argv)
    try:
        make_samples(args.out)
    except SampleError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
