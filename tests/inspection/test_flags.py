"""Forensic flags on media generated with ffmpeg for each situation."""

from __future__ import annotations

import datetime as dt
import json
import os

import pytest

from tests.conftest import validate
from verify.inspection.inspect import inspect_file

ENCODE = ("-c:v", "libx264", "-preset", "ultrafast", "-c:a", "aac")


def codes(path) -> set[str]:
    return {flag.code for flag in inspect_file(path).flags}


def test_ffmpeg_encode_is_flagged(media):
    clip = media("plain.mp4", *ENCODE)
    found = codes(clip)
    assert {"reencoded_ffmpeg", "software_encoder", "capture_metadata_absent"} <= found
    assert "index_first" not in found  # ffmpeg puts moov last unless asked


def test_faststart_layout_is_reported(media):
    clip = media("fast.mp4", *ENCODE, "-movflags", "+faststart")
    result = inspect_file(clip)
    assert result.layout.moov_before_mdat is True
    assert "index_first" in {f.code for f in result.flags}


@pytest.mark.parametrize(
    ("tag", "stamp", "code"),
    [
        # ffmpeg treats an exact Unix epoch as "unset", so stamp a second after.
        ("creation_time", "1970-01-01T00:00:01Z", "creation_time_epoch"),
        ("date", "1904-01-01T00:00:00Z", "creation_time_epoch"),
        ("creation_time", "2099-06-01T12:00:00Z", "creation_time_future"),
    ],
)
def test_suspicious_creation_times(media, tag, stamp, code):
    clip = media(f"time-{stamp[:4]}.mp4", *ENCODE, "-metadata", f"{tag}={stamp}")
    assert code in codes(clip)


def test_creation_after_mtime(media, tmp_path):
    clip = media("recent.mp4", *ENCODE, "-metadata", "creation_time=2024-05-01T10:00:00Z")
    copy = tmp_path / "copy.mp4"
    copy.write_bytes(clip.read_bytes())
    earlier = dt.datetime(2023, 1, 1, tzinfo=dt.timezone.utc).timestamp()
    os.utime(copy, (earlier, earlier))
    assert "creation_after_mtime" in codes(copy)
    assert "creation_after_mtime" not in codes(clip)


def test_missing_creation_time(media):
    clip = media("no-time.mp4", *ENCODE, "-map_metadata", "-1")
    result = inspect_file(clip)
    assert result.capture.creation_time is None
    assert "creation_time_missing" in {f.code for f in result.flags}


def test_extension_mismatch(media, tmp_path):
    webm = media("real.webm", "-c:v", "libvpx", "-b:v", "200k", "-c:a", "libopus")
    renamed = tmp_path / "looks-like.mp4"
    renamed.write_bytes(webm.read_bytes())
    result = inspect_file(renamed)
    assert result.filetype.kind == "webm"
    assert "extension_mismatch" in {f.code for f in result.flags}
    assert "extension_mismatch" not in codes(webm)


def test_audio_video_duration_mismatch(media):
    src = (
        "-f",
        "lavfi",
        "-i",
        "testsrc2=size=320x240:rate=25:duration=3",
        "-f",
        "lavfi",
        "-i",
        "sine=duration=6",
    )
    clip = media("longer-audio.mp4", *ENCODE, src=src)
    assert "av_duration_mismatch" in codes(clip)
    assert "av_duration_mismatch" not in codes(media("plain.mp4", *ENCODE))


def test_rotation_and_display_size(media, ffmpeg):
    base = media("plain.mp4", *ENCODE)
    rotated = media("rotated.mp4", "-c", "copy", src=("-display_rotation", "90", "-i", str(base)))
    result = inspect_file(rotated)
    video = next(s for s in result.streams if s.kind == "video")
    assert abs(video.rotation) == 90
    assert video.display_size == (240, 320)
    assert "rotation" in {f.code for f in result.flags}


def test_two_video_streams(media):
    src = (
        "-f",
        "lavfi",
        "-i",
        "testsrc2=size=320x240:duration=2",
        "-f",
        "lavfi",
        "-i",
        "testsrc=size=320x240:rate=25:duration=2",
    )
    clip = media("two-video.mkv", "-map", "0", "-map", "1", "-c:v", "libx264", "-t", "2", src=src)
    assert "multiple_video_streams" in codes(clip)


def test_variable_frame_rate(media):
    # Drop frames unevenly so timestamps keep gaps: a VFR stream.
    clip = media(
        "vfr.mp4",
        "-vf",
        "select='not(mod(n\\,3))+eq(mod(n\\,7)\\,1)'",
        "-fps_mode",
        "vfr",
        "-an",
        "-c:v",
        "libx264",
        "-preset",
        "ultrafast",
    )
    result = inspect_file(clip)
    video = next(s for s in result.streams if s.kind == "video")
    assert video.frame_rate_mode == "variable"
    assert "variable_frame_rate" in {f.code for f in result.flags}
    plain = next(s for s in inspect_file(media("plain.mp4", *ENCODE)).streams if s.kind == "video")
    assert plain.frame_rate_mode == "constant"


def test_cut_by_stream_copy_has_edit_list(media):
    base = media("gop.mp4", "-c:v", "libx264", "-g", "100", "-preset", "ultrafast", "-an")
    cut = media("cut.mp4", "-c", "copy", src=("-ss", "1.3", "-i", str(base)))
    result = inspect_file(cut)
    assert result.layout.edit_lists
    assert "edit_list" in {f.code for f in result.flags}


def test_editor_name_in_encoder_tag(media):
    clip = media(
        "edited.mov",
        *ENCODE,
        "-movflags",
        "use_metadata_tags",
        "-metadata",
        "com.apple.quicktime.software=Adobe Premiere Pro 2023",
    )
    flags = {f.code: f for f in inspect_file(clip).flags}
    assert "edited_with_software" in flags
    assert "Premiere" in flags["edited_with_software"].evidence


def test_png_without_exif(media, run_cli):
    still = media("frame.png", "-frames:v", "1", src=("-f", "lavfi", "-i", "testsrc2=size=320x240"))
    result = run_cli("inspect", "--json", str(still))
    assert result.exit_code == 0, result.stderr
    document = json.loads(result.stdout)
    validate(document, "inspect")
    assert document["media_kind"] == "image"
    assert "capture_metadata_absent" in {f["code"] for f in document["flags"]}


@pytest.mark.parametrize(
    ("name", "args", "kind"),
    [
        ("clip.mkv", ("-c:v", "libx264", "-c:a", "aac"), "matroska"),
        ("clip.webm", ("-c:v", "libvpx", "-b:v", "200k", "-c:a", "libopus"), "webm"),
        ("clip.avi", ("-c:v", "mpeg4", "-c:a", "mp3"), "avi"),
        ("clip.3gp", ("-c:v", "libx264", "-c:a", "aac", "-ar", "16000"), "3gp"),
        ("clip.ts", ("-c:v", "libx264", "-c:a", "aac"), "mpegts"),
        ("clip.m4v", ("-c:v", "libx264", "-c:a", "aac"), "mp4"),
    ],
)
def test_every_video_container(media, run_cli, name, args, kind):
    clip = media(name, "-t", "2", *args)
    result = run_cli("inspect", "--json", str(clip))
    assert result.exit_code == 0, result.stderr
    document = json.loads(result.stdout)
    validate(document, "inspect")
    assert document["media_kind"] == "video"
    assert document["file"]["detected"] == kind
    assert document["file"]["extension_matches"] is True
    assert document["container"]["duration"] == pytest.approx(2.0, abs=0.2)


@pytest.mark.parametrize("name", ["frame.webp", "frame.jpg"])
def test_other_stills(media, run_cli, name):
    still = media(name, "-frames:v", "1", src=("-f", "lavfi", "-i", "testsrc2=size=320x240"))
    result = run_cli("inspect", "--json", str(still))
    assert result.exit_code == 0, result.stderr
    document = json.loads(result.stdout)
    validate(document, "inspect")
    assert document["media_kind"] == "image"
    assert document["streams"][0]["width"] == 320
