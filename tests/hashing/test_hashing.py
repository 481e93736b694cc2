"""Frame sampling and perceptual hashes (`verify hash`, `verify keyframes`)."""

from __future__ import annotations

import itertools
import json
import re
import subprocess
from dataclasses import replace
from pathlib import Path

import cv2
import imagehash
import numpy as np
import pytest
from PIL import Image

from tests.conftest import run_ffmpeg, validate
from verify.config import HASH, MATCH, QUERY_HASH
from verify.errors import ExitCode
from verify.hashing.fingerprint import HashedFrame, VideoFingerprint, fingerprint_video
from verify.hashing.normalise import CropBox, detect_bars, is_uniform
from verify.hashing.pdq import pdq_hash
from verify.hashing.phash import FrameHash, phash, phash_windows
from verify.media.decode import Sampling
from verify.media.ffmpeg import find_tool

GOLDEN = Path(__file__).parent.parent / "golden" / "original_keyframes.json"


def nearest_distances(reference: VideoFingerprint, copy: VideoFingerprint, window: float = 0.1):
    """pHash distance from each reference frame to the copy's frame at the same time."""
    distances = []
    for frame in reference.usable_frames:
        near = min(copy.frames, key=lambda other: abs(other.time - frame.time))
        if abs(near.time - frame.time) <= window:
            distances.append(frame.phash - near.phash)
    return distances


# --- the hash value object ----------------------------------------------------


def test_frame_hash_value_object():
    one = FrameHash.from_hex("e4cd97924c699333")
    assert str(one) == "e4cd97924c699333"
    assert one - one == 0
    assert one - FrameHash(one.value ^ 0b1011) == 3
    assert FrameHash.from_signed(one.signed) == one
    assert one.signed < 0  # top bit set: stored negative in SQLite
    with pytest.raises(ValueError):
        FrameHash.from_hex("abc")
    with pytest.raises(ValueError):
        FrameHash(1 << 64)


def test_window_hashes_are_phash_of_the_resized_window(samples):
    """Windows (fractional pixels too) hash as pHash of Pillow's reduction of them."""
    grey = np.asarray(Image.open(samples / "photo.jpg").convert("L").resize((160, 90)))
    height, width = grey.shape
    boxes = np.array([
        (0, 0, width, height), (24, 13, 136, 76), (10.3, 5.7, 150.2, 85.1), (3.3, 0.1, 140.9, 77.7),
    ])  # fmt: skip
    found = phash_windows(grey, boxes)
    image = Image.fromarray(grey)
    for box, value in zip(boxes, found, strict=True):
        reduced = image.resize((32, 32), Image.Resampling.LANCZOS, box=tuple(box))
        assert FrameHash(int(value)) == FrameHash.from_image_hash(imagehash.phash(reduced))
    assert FrameHash(int(found[0])) == phash(grey)


def test_folded_window_hashes_stay_within_two_bits_of_pillows(samples):
    """Without the roundings between passes, windows hash as pHash of Pillow's reduction
    to within 2 bits each, a fraction of a bit on average."""
    grey = np.asarray(Image.open(samples / "photo.jpg").convert("L").resize((160, 90)))
    height, width = grey.shape
    rng = np.random.default_rng(7)
    size = rng.uniform(1 / 3, 1, (60, 2)) * (width, height)
    corner = rng.uniform(0, 1, (60, 2)) * ((width, height) - size)
    boxes = np.hstack([corner, corner + size])
    folded = phash_windows(grey, boxes, exact=False)
    exact = phash_windows(grey, boxes)
    image = Image.fromarray(grey)
    apart = []
    for box, value in zip(boxes, folded, strict=True):
        reduced = image.resize((32, 32), Image.Resampling.LANCZOS, box=tuple(box))
        apart.append(FrameHash(int(value)) - FrameHash.from_image_hash(imagehash.phash(reduced)))
    assert max(apart) <= 2
    assert np.mean(apart) <= 0.5
    assert not np.array_equal(folded, exact)  # the roundings do show, now and then


@pytest.mark.parametrize("text", ["keyframes", "scenes", "fps=2", "fps=0.5"])
def test_sampling_round_trip(text):
    assert str(Sampling.parse(text)) == text


@pytest.mark.parametrize("text", ["fps=0", "fps=100", "every", "fps="])
def test_sampling_rejects(text):
    with pytest.raises(ValueError):
        Sampling.parse(text)


# --- determinism ---------------------------------------------------------------


def test_same_file_same_hashes(samples):
    first = fingerprint_video(samples / "original.mov", "keyframes")
    second = fingerprint_video(samples / "original.mov", "keyframes")
    assert first.frames == second.frames


def test_golden_hashes(samples):
    """Keyframe hashes of the committed original match the committed golden values.

    Exact with the ffmpeg build that recorded them; another build may scale
    pixels marginally differently, so then each hash may move by 2 bits.
    """
    golden = json.loads(GOLDEN.read_text())
    result = fingerprint_video(samples / "original.mov", "keyframes")
    assert [round(f.time, 3) for f in result.frames] == [f["time"] for f in golden["frames"]]
    exact = find_tool("ffmpeg").version == golden["ffmpeg"]
    for frame, expected in zip(result.frames, golden["frames"], strict=True):
        distance = frame.phash - FrameHash.from_hex(expected["phash"])
        assert distance == 0 if exact else distance <= 2


def test_frames_carry_the_pdq_of_the_picture_their_forms_come_from(samples):
    """Each frame's PDQ form is the PDQ of the grey picture its pHash forms are taken
    from (hashed as a shot's stack, equal to one at a time), and it serialises in
    JSON and batch rows and back."""
    pictures = {}
    result = fingerprint_video(
        samples / "original.mov", "fps=2", pictures=lambda t, p: pictures.__setitem__(t, p)
    )
    assert len(result.frames) >= 10
    for frame in result.frames:
        assert frame.forms.pdq == pdq_hash(pictures[frame.time])
        assert HashedFrame.from_dict(frame.to_dict()).forms == frame.forms
        assert HashedFrame.from_row(json.loads(json.dumps(frame.to_row()))).forms == frame.forms
    qualities = [f.forms.pdq.quality for f in result.usable_frames]
    # Real footage: most frames have the detail shared lists ask for (quality 50).
    assert np.median(qualities) >= 50, qualities
    # Moving footage: the PDQ changes along the clip, as the pHash does.
    assert len({f.forms.pdq for f in result.frames}) > len(result.frames) // 2
    # A batch row written before the PDQ form (it ends at the flags) still reads.
    old = result.frames[0].to_row()[:-2]
    assert HashedFrame.from_row(old).forms.pdq is None
    assert HashedFrame.from_row(old).forms.hashes == result.frames[0].forms.hashes


def test_a_clip_being_matched_is_hashed_without_pdq_and_with_the_same_forms(samples):
    """`QUERY_HASH` (what `verify match` and the report's matching hash with) leaves
    out each frame's PDQ, which matching never compares, and nothing else."""
    full = fingerprint_video(samples / "original.mov", "fps=2")
    query = fingerprint_video(samples / "original.mov", "fps=2", config=QUERY_HASH)
    assert all(f.forms.pdq is not None for f in full.frames)
    assert all(f.forms.pdq is None for f in query.frames)
    assert [(f.time, f.forms.hashes, f.uniform) for f in query.frames] == [
        (f.time, f.forms.hashes, f.uniform) for f in full.frames
    ]
    assert query.table().forms.keys() == full.table().forms.keys()


# --- robustness to what channels do to footage ----------------------------------


@pytest.fixture(scope="session")
def copies(tmp_path_factory, ffmpeg, samples) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("copies")
    src = str(samples / "original.mov")
    recipes = {
        "half.mp4": ["-vf", "scale=320:180"],
        "letterbox.mp4": ["-vf", "pad=640:640:(ow-iw)/2:(oh-ih)/2:black"],
    }
    made = {"telegram": samples / "telegram_reencode.mp4"}
    for name, args in recipes.items():
        target = folder / name
        run_ffmpeg(ffmpeg, "-i", src, *args, "-c:v", "libx264", "-crf", "26", target)
        made[name.split(".")[0]] = target
    return made


@pytest.mark.parametrize("copy", ["telegram", "half", "letterbox"])
def test_copies_hash_within_threshold(samples, copies, copy):
    reference = fingerprint_video(samples / "original.mov", "fps=2")
    other = fingerprint_video(copies[copy], "fps=2")
    distances = nearest_distances(reference, other)
    assert len(distances) >= 12  # most of the 16 sampled frames have a same-time partner
    # Measured: at most 6 bits on these copies; the threshold (10) keeps a
    # margin of 4 bits above that.
    assert max(distances) <= MATCH.match_distance - 4


def test_letterbox_is_cropped(copies):
    result = fingerprint_video(copies["letterbox"], "keyframes")
    assert result.crop is not None
    assert result.crop["y"] == pytest.approx((640 - 360) / 2 / 640, abs=0.01)
    assert result.crop["height"] == pytest.approx(360 / 640, abs=0.01)
    assert result.crop["x"] == 0 and result.crop["width"] == 1


def test_vertical_video_in_blurred_frame(samples, ffmpeg, tmp_path):
    """A phone video pasted into a 16:9 frame over a blurred copy of itself."""
    target = tmp_path / "blurred-pillarbox.mp4"
    graph = (
        "[0:v]split[a][b];[a]scale=640:360,boxblur=20:5[bg];"
        "[b]scale=-2:360[fg];[bg][fg]overlay=(W-w)/2:0"
    )
    run_ffmpeg(
        ffmpeg,
        "-i",
        samples / "vertical_rotated.mp4",
        "-filter_complex",
        graph,
        "-c:v",
        "libx264",
        "-crf",
        "24",
        target,
    )
    framed = fingerprint_video(target, "fps=2")
    assert framed.crop is not None
    assert framed.crop["width"] == pytest.approx(202 / 640, abs=0.03)
    original = fingerprint_video(samples / "vertical_rotated.mp4", "fps=2")
    assert original.crop is None
    assert (original.width, original.height) == (360, 640)
    distances = nearest_distances(original, framed)
    assert len(distances) >= 6
    assert max(distances) <= MATCH.match_distance


SLIDE = (
    "color=c=0x14213d:size=640x360:rate=25,drawbox=0:0:640:60:0xfca311:t=fill,"
    "drawbox=40:90:420:24:white:t=fill,drawbox=40:140:300:24:white:t=fill,"
    "drawbox=40:190:360:24:white:t=fill,noise=alls=2:allf=t"
)


def test_flat_graphics_are_not_bars(media):
    """A slide's flat title band and dark-blue page are picture; a pillarbox around it is not."""
    src = ("-f", "lavfi", "-i", SLIDE, "-t", "3")
    plain = fingerprint_video(media("slide.mp4", "-c:v", "libx264", src=src), "fps=2")
    assert plain.crop is None
    boxed = media("slide-pillarbox.mp4", "-vf", "pad=852:360:106:0:black", "-c:v", "libx264",
                  src=src)  # fmt: skip
    crop = fingerprint_video(boxed, "fps=2").crop
    assert crop is not None
    assert (crop["y"], crop["height"]) == (0.0, 1.0)  # the band and the page stay
    assert crop["x"] == pytest.approx(106 / 852, abs=0.01)
    assert crop["width"] == pytest.approx(640 / 852, abs=0.01)


# A bright wall (brighter to the right) with a moving pattern in the middle and a band
# of fine stripes across the frame: the stripes are the picture's most detailed rows.
WALL = (
    "-f", "lavfi", "-i", "color=c=0xd0d0d0:size=640x360:rate=25,geq=lum='190+30*X/W':cb=128:cr=128",
    "-f", "lavfi", "-i", "testsrc2=size=200x200:rate=25",
    "-f", "lavfi", "-i", "color=white:size=640x60:rate=25,drawgrid=w=6:h=1000:t=3:c=black",
)  # fmt: skip
WALL_SCENE = "[0:v][1:v]overlay=220:80:shortest=1[a];[a][2:v]overlay=0:150:shortest=1"


def test_a_plain_wall_beside_detail_is_not_a_bar(media):
    """Plain wall rows run into plain picture rows: no sharp picture starts where they
    end, so they are not a blurred bar, however detailed the middle is; the same scene
    over its own blurred copy loses the blurred bars."""
    wall = media("wall.mp4", "-filter_complex", f"{WALL_SCENE},noise=alls=3:allf=t", "-t", "3",
                 "-c:v", "libx264", src=WALL)  # fmt: skip
    assert fingerprint_video(wall, "fps=2").crop is None
    # Without the rule the wall above and below is cropped (the old behaviour).
    cropped = fingerprint_video(wall, "fps=2", config=replace(HASH, bar_picture_fraction=0.0))
    assert cropped.crop is not None and cropped.crop["height"] < 0.6
    blurred = (
        f"{WALL_SCENE},split[s][t];[s]scale=640:640,boxblur=18:2[bg];"
        "[bg][t]overlay=0:140,noise=alls=3:allf=t"
    )
    framed = media("wall-blurred.mp4", "-filter_complex", blurred, "-t", "3", "-c:v", "libx264",
                   src=WALL)  # fmt: skip
    crop = fingerprint_video(framed, "fps=2").crop
    # The blurred bars go (the picture's own wall rows may go with them).
    assert crop is not None
    assert crop["y"] >= 140 / 640 - 0.02 and crop["y"] + crop["height"] <= 500 / 640 + 0.02


def _reframed(kind: str, rng: np.random.Generator) -> np.ndarray:
    """A 160x90 working frame: a detailed picture (rows 14-75) over a blurred copy of
    itself; "band": the picture starts with a flat caption band; "wall below": its
    lower part is a plain wall (brighter to the right, a dark stick across it), and the
    rows below the picture are that wall, not a blurred copy."""
    noise = cv2.GaussianBlur(rng.integers(0, 256, (62, 160)).astype(np.uint8), (3, 3), 0)
    picture = cv2.normalize(noise, None, 0, 255, cv2.NORM_MINMAX)
    frame = cv2.GaussianBlur(cv2.resize(picture, (160, 90)), (0, 0), 6)
    frame[14:76] = picture
    if kind == "band":
        frame[14:18] = 250
    if kind == "wall below":
        frame[50:90] = np.linspace(150, 190, 160).astype(np.uint8)[None, :]
        frame[50:76, 79:82] = 20
    return frame


def test_each_blurred_bar_must_end_at_the_picture():
    """Blurred bars are cropped where a detailed or flat (graphics) line starts the
    picture; a "bar" on one side that runs into plain picture keeps both."""
    rng = np.random.default_rng(3)
    for kind in ("plain", "band"):
        assert detect_bars([_reframed(kind, rng) for _ in range(8)]) == CropBox(0, 14, 160, 62)
    walled = [_reframed("wall below", rng) for _ in range(8)]
    assert detect_bars(walled) == CropBox(0, 0, 160, 90)
    # Without the rule the wall below is taken for the lower bar.
    assert detect_bars(walled, replace(HASH, bar_picture_fraction=0.0)) == CropBox(0, 14, 160, 62)


def _strip_over_blur(
    rng: np.random.Generator, blur: float, spread: float = 100, detail: float = 30
) -> np.ndarray:
    """A 90x160 portrait frame: a landscape strip (rows 54-105, random grey of
    ``detail`` levels) over a blurred random picture (``blur``, ``spread`` levels)."""
    noise = rng.random((160, 90)).astype(np.float32)
    picture = cv2.GaussianBlur(noise, (0, 0), blur) * spread + 100
    picture[54:105] = 60 + rng.random((51, 90)) * detail
    return np.clip(picture, 0, 255).astype(np.uint8)


def test_a_plain_shot_keeps_the_videos_bars_when_no_picture_lies_beyond_them():
    """A 9:16 re-frame's plain shot (little detail of its own) over its blurred copy:
    the copy is detailed enough, next to it, for its own profile to find no
    bars; the bars found over the whole video are kept, as nothing beyond them
    is as detailed as picture. A shot with picture there keeps its whole frame."""
    from verify.hashing.normalise import BarProfile

    rng = np.random.default_rng(4)
    video = CropBox(0, 54, 90, 51)
    plain = BarProfile.of([_strip_over_blur(rng, 1.5) for _ in range(12)])
    assert plain.crop() == CropBox(0, 0, 90, 160)
    assert plain.crop(video=video) == video
    pictured = BarProfile.of([_strip_over_blur(rng, 1.0) for _ in range(12)])  # sharper beyond
    assert pictured.crop(video=video) == CropBox(0, 0, 90, 160)
    # The same turned on its side: pillarbox bars (columns).
    sideways = BarProfile.of([_strip_over_blur(rng, 1.5).T.copy() for _ in range(12)])
    assert sideways.crop(video=CropBox(54, 0, 51, 90)) == CropBox(54, 0, 51, 90)


def test_a_videos_plain_shot_is_cropped_at_its_other_shots_bars():
    """Through the fingerprint's shot regions: a re-frame whose first shot shows its
    blurred bars and whose second, plain shot does not, has both cropped alike."""
    from verify.hashing.fingerprint import _Measured, _shot_regions
    from verify.hashing.normalise import BarProfile
    from verify.media.decode import FrameSize

    rng = np.random.default_rng(4)
    shown = [_strip_over_blur(rng, 2.0, spread=120, detail=120) for _ in range(12)]
    frames = shown + [_strip_over_blur(rng, 1.5) for _ in range(12)]
    assert BarProfile.of(frames[12:]).crop() == CropBox(0, 0, 90, 160)  # alone: no bars
    measured = _Measured()
    for picture in frames:
        measured.add(picture)
    measured.flush()
    times = [i / 2 for i in range(len(frames))]
    regions = _shot_regions(times, frames, FrameSize(90, 160), HASH, measured)
    assert [first for first, *_ in regions] == [0, 12]
    assert [crop for _first, _region, crop, _inset in regions] == [CropBox(0, 54, 90, 51)] * 2


def test_unrelated_video_is_far(samples, media):
    # A source the original's montage does not use (it has testsrc2 in it).
    src = ("-f", "lavfi", "-i", "cellauto=rule=110:size=320x240:rate=25", "-t", "4")
    reference = fingerprint_video(samples / "original.mov", "fps=2")
    other = fingerprint_video(media("cellauto.mp4", "-c:v", "libx264", src=src), "fps=2")
    closest = min(a.phash - b.phash for a in reference.usable_frames for b in other.usable_frames)
    assert closest > MATCH.match_distance


# --- sampling modes -------------------------------------------------------------


def test_keyframes_mode_takes_only_keyframes(samples):
    result = fingerprint_video(samples / "original.mov", "keyframes")
    assert result.frames and all(f.keyframe for f in result.frames)
    assert result.sampling == "keyframes"


def test_fps_mode_spacing(samples):
    result = fingerprint_video(samples / "original.mov", "fps=2")
    times = [f.time for f in result.frames]
    assert len(times) == 16  # 8 s at 2 per second
    assert all(0.4 <= b - a <= 0.6 for a, b in itertools.pairwise(times))


def test_scenes_mode_one_frame_per_shot(samples):
    result = fingerprint_video(samples / "original.mov", "scenes")
    # The original has four 2-second shots.
    assert [int(f.time // 2) for f in result.frames] == [0, 1, 2, 3]


def test_times_come_from_the_stream_on_vfr(media, ffmpeg):
    """Keyframe times equal the stream's own timestamps on variable-rate video."""
    clip = media(
        "vfr-key.mp4",
        "-vf",
        "setpts='N/25/TB+if(gte(N,50),0.37/TB,0)'",
        "-fps_mode",
        "vfr",
        "-c:v",
        "libx264",
        "-g",
        "20",
        "-an",
    )
    probe = subprocess.run(
        [
            find_tool("ffprobe").path,
            "-v",
            "error",
            "-select_streams",
            "v",
            "-skip_frame",
            "nokey",
            "-show_entries",
            "frame=pts_time",
            "-of",
            "json",
            str(clip),
        ],
        capture_output=True,
        check=True,
        text=True,
    )
    expected = [float(f["pts_time"]) for f in json.loads(probe.stdout)["frames"]]
    result = fingerprint_video(clip, "keyframes")
    assert [round(f.time, 3) for f in result.frames] == [round(t, 3) for t in expected]
    assert any(t > 2.3 for t in expected)  # the jump is really there


def test_uniform_frames_are_marked(media):
    src = ("-f", "lavfi", "-i", "color=black:size=320x240:rate=25:duration=2")
    result = fingerprint_video(media("black.mp4", "-c:v", "libx264", src=src), "fps=2")
    assert result.frames and all(f.uniform for f in result.frames)
    assert result.usable_frames == ()


# --- CLI -------------------------------------------------------------------------


def test_hash_cli_json(run_cli, samples):
    result = run_cli("hash", "--json", "--sample", "keyframes", str(samples / "original.mov"))
    assert result.exit_code == 0, result.stderr
    document = json.loads(result.stdout)
    validate(document, "hash")
    assert VideoFingerprint.from_dict(document).to_dict() == document


def test_hash_cli_text(run_cli, samples):
    result = run_cli("hash", str(samples / "original.mov"))
    assert result.exit_code == 0
    assert "sampling fps=2" in result.stdout
    assert re.search(r"00:00:00\.000\s+[0-9a-f]{16}\s+[0-9a-f]{16}", result.stdout)


def test_keyframes_export_and_sheet(run_cli, samples, tmp_path):
    out, sheet = tmp_path / "frames", tmp_path / "sheet.jpg"
    result = run_cli(
        "keyframes", str(samples / "original.mov"), "-o", str(out), "--sheet", str(sheet), "--json"
    )
    assert result.exit_code == 0, result.stderr
    document = json.loads(result.stdout)
    validate(document, "keyframes")
    names = sorted(p.name for p in out.iterdir())
    assert names[0] == "original_00-00-00.000.jpg"
    assert len(names) == len(document["frames"]) == 9
    with Image.open(out / names[1]) as image:
        assert image.size == (640, 360)
    with Image.open(sheet) as image:
        image.load()
        assert image.format == "JPEG" and image.width > 640
        assert (
            image.convert("L").getextrema()[1] - image.convert("L").getextrema()[0] > 100
        )  # not a blank page


def test_keyframes_rotated_export_is_upright(run_cli, samples, tmp_path):
    result = run_cli("keyframes", str(samples / "vertical_rotated.mp4"), "-o", str(tmp_path))
    assert result.exit_code == 0, result.stderr
    with Image.open(sorted(tmp_path.iterdir())[0]) as image:
        assert image.size == (360, 640)


# --- bad input -------------------------------------------------------------------


def test_audio_only(run_cli, media):
    audio = media("tone.m4a", "-c:a", "aac", src=("-f", "lavfi", "-i", "sine=duration=2"))
    result = run_cli("hash", str(audio))
    assert result.exit_code == ExitCode.MEDIA
    assert "no video stream" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_single_frame_video(media):
    clip = media(
        "one.mp4", "-frames:v", "1", "-c:v", "libx264", src=("-f", "lavfi", "-i", "testsrc2")
    )
    result = fingerprint_video(clip, "fps=2")
    assert len(result.frames) == 1


def test_zero_frames(run_cli, ffmpeg, tmp_path):
    empty = tmp_path / "empty-stream.mp4"
    run_ffmpeg(ffmpeg, "-f", "lavfi", "-i", "testsrc2", "-frames:v", "0", str(empty))
    result = run_cli("hash", str(empty))
    assert result.exit_code == ExitCode.MEDIA
    assert len(result.stderr.strip().splitlines()) == 1


def test_absurd_dimensions(run_cli, tmp_path):
    huge = tmp_path / "huge.y4m"
    huge.write_bytes(b"YUV4MPEG2 W20000 H20000 F25:1 C420jpeg\nFRAME\n" + bytes(4096))
    result = run_cli("hash", str(huge))
    assert result.exit_code == ExitCode.MEDIA
    assert "huge.y4m" in result.stderr


def test_stream_without_timestamps(media, ffmpeg):
    # A raw H.264 elementary stream carries no container timestamps.
    raw = media("raw.h264", "-c:v", "libx264", "-an", "-f", "h264")
    result = fingerprint_video(raw, "keyframes")
    times = [f.time for f in result.frames]
    assert times and times == sorted(times)


def test_corrupt_media_data(samples, tmp_path, run_cli):
    """Zeroed media data: ffmpeg decodes nothing; a reason, not a traceback."""
    data = bytearray((samples / "original.mov").read_bytes())
    start = data.index(b"mdat") + 4
    data[start : start + 400_000] = bytes(400_000)
    broken = tmp_path / "zeroed.mov"
    broken.write_bytes(bytes(data))
    result = run_cli("hash", "--json", str(broken))
    document = json.loads(result.stdout)
    validate(document, "hash")
    if result.exit_code == 0:
        assert any("damaged" in note for note in document["notes"])
    else:
        assert result.exit_code == ExitCode.MEDIA
        assert "zeroed.mov" in result.stderr


def test_hash_several_files_with_a_bad_one(run_cli, samples, tmp_path):
    text = tmp_path / "notes.mp4"
    text.write_text("not a video\n")
    result = run_cli(
        "hash", "--json", "--sample", "keyframes", str(samples / "original.mov"), str(text)
    )
    assert result.exit_code == ExitCode.PARTIAL
    documents = json.loads(result.stdout)
    validate(documents, "hash")
    assert [d["ok"] for d in documents] == [True, False]


def test_keyframes_output_not_writable(run_cli, samples, tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    result = run_cli("keyframes", str(samples / "original.mov"), "-o", str(blocker / "frames"))
    assert result.exit_code == ExitCode.OUTPUT
    assert "cannot create the output folder" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_uniform_frames_are_told_as_the_definition_tells_them():
    """OpenCV measures is_uniform's spread and detail; the verdicts are numpy's."""
    rng = np.random.default_rng(4)
    ramp = np.tile(np.arange(160, dtype=np.uint8), (90, 1))
    frames = {
        "black": np.zeros((90, 160), np.uint8),
        "faint noise": (128 + rng.integers(-4, 5, (90, 160))).astype(np.uint8),
        "smooth ramp": ramp,  # spread 46, no detail
        "footage-like": cv2.GaussianBlur(rng.integers(0, 256, (90, 160), np.uint8), (5, 5), 1),
        "mirrored view": ramp[:, ::-1],
        "floats": ramp.astype(np.float64) / 2,
    }
    verdicts = {}
    for name, frame in frames.items():
        detail = np.abs(cv2.Laplacian(frame.astype(np.float32), cv2.CV_32F, ksize=3)).mean()
        expected = float(frame.std()) < HASH.uniform_std or float(detail) < HASH.uniform_detail
        assert is_uniform(frame) == expected, name
        verdicts[name] = expected
    assert verdicts == {"black": True, "faint noise": True, "smooth ramp": True,
                        "footage-like": False, "mirrored view": True, "floats": True}  # fmt: skip


def _pillow_line_weights(size: int, out: int) -> np.ndarray:
    """Pillow's 8-bit Lanczos coefficients, one output pixel at a time, as its
    ``precompute_coeffs`` computes them: the oracle for the vectorised ones."""
    scale = size / out
    stretch = max(scale, 1.0)
    weights = np.zeros((out, size))
    for i in range(out):
        centre = (i + 0.5) * scale
        low = max(int(centre - 3.0 * stretch + 0.5), 0)
        high = min(int(centre + 3.0 * stretch + 0.5), size)
        t = (np.arange(low, high) - centre + 0.5) * (1.0 / stretch)
        kernel = np.where((t >= -3.0) & (t < 3.0), np.sinc(t) * np.sinc(t / 3.0), 0.0)
        if kernel.sum() != 0.0:
            kernel = kernel / kernel.sum()
        scaled = kernel * (1 << 22)
        weights[i, low:high] = np.trunc(np.where(scaled < 0, scaled - 0.5, scaled + 0.5))
    return weights


@pytest.mark.parametrize("out", [8, 9, 32])
def test_lanczos_weights_are_pillows_to_the_bit(out):
    from verify.hashing.phash import _fixed_weights

    sizes = [*range(1, 400), 479, 640, 1080, 1279, 1920, 4032]  # enlarging too (size < out)
    for size in sizes:
        assert np.array_equal(_fixed_weights(size, out), _pillow_line_weights(size, out)), size
