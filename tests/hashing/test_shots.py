"""Bars found per shot: a compilation that changes shape from shot to shot."""

from __future__ import annotations

import pytest

from tests.conftest import ROOT, run_ffmpeg
from verify import fingerprint_video

FOOTAGE = ROOT / "bench" / "footage"


@pytest.fixture(scope="module")
def compilation(tmp_path_factory, ffmpeg):
    """4 s of landscape footage letterboxed into 640x480, then 4 s of portrait
    footage pillarboxed into the same frame (black bars both times)."""
    out = tmp_path_factory.mktemp("shots") / "mixed.mp4"
    fitted = "scale=640:480:force_original_aspect_ratio=decrease:force_divisible_by=2"
    padded = f"{fitted},pad=640:480:(ow-iw)/2:(oh-ih)/2:color=black,setsar=1,fps=25"
    graph = (
        f"[0:v]trim=duration=4,setpts=PTS-STARTPTS,{padded}[a];"
        f"[1:v]trim=start=2:duration=4,setpts=PTS-STARTPTS,"
        f"crop=trunc(ih*9/16/2)*2:ih,{padded}[b];[a][b]concat=n=2:v=1:a=0[v]"
    )
    run_ffmpeg(
        ffmpeg, "-i", FOOTAGE / "dashcam_highway_day.mp4", "-i",
        FOOTAGE / "room_static_people_walking.mp4", "-filter_complex", graph, "-map", "[v]",
        "-c:v", "libx264", "-crf", "20", "-threads", "1", out,
    )  # fmt: skip
    return out


def test_each_shot_gets_its_own_bars(compilation):
    fingerprint = fingerprint_video(compilation, "fps=4")
    first, last = fingerprint.shots[0], fingerprint.shots[-1]
    assert len(fingerprint.shots) >= 2
    # Landscape 16:9 in 4:3: bars above and below, the picture 75 % high.
    assert first.crop is not None and first.crop["width"] == 1.0
    assert first.crop["height"] == pytest.approx(0.75, abs=0.03)
    # Portrait 9:16 in 4:3: bars left and right, the picture 9/16 x 3/4 = 42 % wide.
    assert last.crop is not None and last.crop["height"] == 1.0
    assert last.crop["width"] == pytest.approx(0.42, abs=0.04)
    assert last.start == pytest.approx(4.0, abs=0.3)


def test_a_shots_frames_hash_as_its_footage_alone(compilation, tmp_path, ffmpeg):
    # The portrait shot's frames, cropped to that shot's own bars, hash as the
    # portrait footage itself does: the copy the bank would hold.
    alone = tmp_path / "portrait.mp4"
    run_ffmpeg(
        ffmpeg, "-ss", "2", "-t", "4", "-i", FOOTAGE / "room_static_people_walking.mp4",
        "-vf", "crop=trunc(ih*9/16/2)*2:ih,fps=25", "-c:v", "libx264", "-crf", "20",
        "-threads", "1", alone,
    )  # fmt: skip
    frames = fingerprint_video(compilation, "fps=4").frames
    mixed = {round(f.time - 4.0, 2): f.phash for f in frames}
    own = {round(f.time, 2): f.phash for f in fingerprint_video(alone, "fps=4").frames}
    shared = sorted(set(mixed) & set(own))
    assert len(shared) >= 10
    bits = [mixed[t] - own[t] for t in shared]
    assert sorted(bits)[len(bits) // 2] <= 4, bits
