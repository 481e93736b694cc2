"""`verify inspect` on the committed samples reports what the samples script wrote."""

from __future__ import annotations

import json
import shutil
import subprocess

import pytest

from tests.conftest import sha256_of, validate


def inspect_json(run_cli, path) -> dict:
    result = run_cli("inspect", "--json", str(path))
    assert result.exit_code == 0, result.stderr
    document = json.loads(result.stdout)
    validate(document, "inspect")
    return document


def flag_codes(document: dict) -> set[str]:
    return {flag["code"] for flag in document["flags"]}


def test_original_reports_capture_metadata(run_cli, samples):
    document = inspect_json(run_cli, samples / "original.mov")
    capture = document["capture"]
    created = capture["creation_time"]
    assert created["utc"] == "2022-04-02T06:41:27Z"
    assert created["original"] == "2022-04-02T09:41:27+0300"
    assert created["zone"] == "+03:00"
    assert created["source"] == "com.apple.quicktime.creationdate"
    assert capture["device"]["make"] == "Apple"
    assert capture["device"]["model"] == "iPhone 12 Pro"
    assert capture["device"]["software"] == "15.4"
    assert capture["location"]["latitude"] == pytest.approx(50.4501)
    assert capture["location"]["longitude"] == pytest.approx(30.5234)
    assert capture["location"]["altitude"] == pytest.approx(150.0)
    assert document["file"]["detected"] == "mov"
    assert document["layout"]["moov_before_mdat"] is False


def test_reencode_flag_only_on_the_reencode(run_cli, samples):
    original = flag_codes(inspect_json(run_cli, samples / "original.mov"))
    reencode = flag_codes(inspect_json(run_cli, samples / "telegram_reencode.mp4"))
    assert "reencoded_ffmpeg" in reencode
    assert "software_encoder" in reencode
    assert "capture_metadata_absent" in reencode
    assert not original & {"reencoded_ffmpeg", "software_encoder", "capture_metadata_absent"}


def test_stripped_copy_lost_its_metadata(run_cli, samples):
    document = inspect_json(run_cli, samples / "stripped.mp4")
    assert document["capture"]["device"]["make"] is None
    assert document["capture"]["location"] is None
    assert {"capture_metadata_absent", "reencoded_ffmpeg"} <= flag_codes(document)


def test_photo_exif(run_cli, samples):
    document = inspect_json(run_cli, samples / "photo.jpg")
    capture = document["capture"]
    assert document["media_kind"] == "image"
    assert capture["device"]["make"] == "Google"
    assert capture["device"]["model"] == "Pixel 6"
    assert capture["creation_time"]["utc"] == "2022-04-02T06:45:00Z"
    assert capture["creation_time"]["zone"] == "+03:00"
    assert capture["location"]["latitude"] == pytest.approx(50.4501, abs=1e-5)
    assert capture["location"]["longitude"] == pytest.approx(30.5234, abs=1e-5)
    assert capture["location"]["altitude"] == pytest.approx(150.0)
    assert document["exif"]["Image Model"] == "Pixel 6"


def test_vertical_clip_rotation(run_cli, samples):
    document = inspect_json(run_cli, samples / "vertical_rotated.mp4")
    video = next(s for s in document["streams"] if s["type"] == "video")
    assert abs(video["rotation"]) == 90
    assert (video["display_width"], video["display_height"]) == (360, 640)
    assert "rotation" in flag_codes(document)


@pytest.mark.skipif(shutil.which("sha256sum") is None, reason="coreutils sha256sum not installed")
def test_sha256_equals_sha256sum(run_cli, samples):
    for path in sorted(samples.glob("*.mov")) + sorted(samples.glob("*.mp4")):
        if path.name == "truncated.mp4":
            continue
        document = inspect_json(run_cli, path)
        reference = subprocess.run(
            ["sha256sum", str(path)], capture_output=True, text=True, check=True
        ).stdout.split()[0]
        assert document["file"]["sha256"] == reference
        assert document["file"]["size"] == path.stat().st_size


def test_text_summary_sections(run_cli, samples):
    result = run_cli("inspect", str(samples / "original.mov"))
    assert result.exit_code == 0
    for heading in ("File", "Media", "Capture", "Flags (1)"):
        assert heading in result.stdout.splitlines()
    assert "iPhone 12 Pro" in result.stdout
    assert sha256_of(samples / "original.mov") in result.stdout


def test_several_files_give_a_list(run_cli, samples):
    result = run_cli("inspect", "--json", str(samples / "original.mov"), str(samples / "photo.jpg"))
    assert result.exit_code == 0
    documents = json.loads(result.stdout)
    validate(documents, "inspect")
    assert [d["media_kind"] for d in documents] == ["video", "image"]
