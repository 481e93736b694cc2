"""Video containers the metadata issue names: AVCHD, AVI, MP4 times, edit lists, headers."""

from __future__ import annotations

from pathlib import Path

import pytest

from verify.inspection.inspect import inspect_file
from verify.media.filetype import sniff

CORPUS = Path(__file__).resolve().parents[1] / "data" / "metadata"


@pytest.mark.parametrize(
    ("name", "make", "model", "local", "zone"),
    [
        ("mei/mts_Sony ILCE-7M3 (A7M3).mts", "Sony", "ILCE-7M3", "2019-04-24T22:24:00", "+02:00"),
        ("exiftool/M2TS.mts", "Canon", None, "2008-12-31T23:16:24", "+01:00"),
    ],
)
def test_avchd_clips_are_read_with_their_camera_block(name, make, model, local, zone):
    path = CORPUS / name
    assert (sniff(path).kind, sniff(path).brand) == ("mpegts", "m2ts")
    result = inspect_file(path)
    assert (result.capture.device.make, result.capture.device.model) == (make, model)
    created = result.capture.creation_time
    assert (created.local, created.zone, created.source) == (local, zone, "AVCHD MDPM time")
    assert "capture_metadata_absent" not in {f.code for f in result.flags}


def test_avi_date_is_the_camera_clock_not_utc():
    created = inspect_file(CORPUS / "exiftool" / "Pentax.avi").capture.creation_time
    assert created.source == "AVI IDIT (camera clock)"
    assert (created.utc, created.assumed_utc, created.zone) == (None, False, None)
    assert created.local == "2009-10-27T12:14:34"


def test_avi_duration_from_its_main_header_when_the_media_is_gone():
    result = inspect_file(CORPUS / "exiftool" / "Pentax.avi")
    assert result.container.duration == pytest.approx(24.9996, abs=1e-3)
    assert any("AVI main header (avih)" in note for note in result.notes)


def test_movie_header_duration_wins_over_what_is_left_of_the_media():
    result = inspect_file(CORPUS / "exiftool" / "QuickTime.mov")
    assert result.container.duration == pytest.approx(4.9667, abs=1e-3)
    assert result.layout.movie_duration == pytest.approx(4.9667, abs=1e-3)
    assert any("movie header (mvhd)" in note for note in result.notes)
    assert "duration_mismatch" in {f.code for f in result.flags}


def test_zone_bearing_capture_key_is_the_primary_time():
    result = inspect_file(CORPUS / "mei" / "mov_with-gps.mov")
    created = result.capture.creation_time
    assert (created.source, created.zone) == ("com.apple.quicktime.creationdate", "+03:00")
    header = next(t for t in result.capture.other_times if t.source == "creation_time")
    assert header.assumed_utc and header.zone is None


def test_audio_starting_late_is_not_called_an_edit():
    result = inspect_file(CORPUS / "mei" / "mp4_FLIR Thermal.mp4")
    edits = [f for f in result.flags if f.code == "edit_list"]
    assert edits and all(f.severity == "info" for f in edits)
    delay = next(f for f in edits if "after the others" in f.message)
    assert "0.19 s" in delay.message and "nothing is cut" in delay.message
    assert not any("shifts the start" in f.message for f in edits)


def test_edit_list_that_plays_media_as_recorded_raises_nothing():
    result = inspect_file(CORPUS / "exiftool" / "QuickTime.mov")
    assert {e.kind for e in result.layout.edit_lists} == {"identity"}
    assert "edit_list" not in {f.code for f in result.flags}


def test_xmp_in_a_video_names_its_editor():
    result = inspect_file(CORPUS / "mei" / "mov_xmp480qt.mov")
    assert result.xmp.creator_tool == "Adobe After Effects 2020 (Macintosh)"
    assert result.xmp.document_id == "xmp.did:7e43e7d4-867d-4c5b-8c8d-2c615b893b41"
    assert [e.software for e in result.xmp.history] == [
        "Adobe After Effects 2020 (Macintosh)",
        "Adobe Bridge 2020 (Macintosh)",
    ]
    editing = next(f for f in result.flags if f.code == "edited_with_software")
    assert "XMP CreatorTool=Adobe After Effects" in editing.evidence


def test_live_photo_video_carries_its_content_identifier(media):
    identifier = "6C2B1F3E-0C9A-4C9E-9E52-2D3A1B0F4E77"
    clip = media(
        "live.mov", "-c:v", "libx264", "-preset", "ultrafast", "-an",
        "-metadata", f"com.apple.quicktime.content.identifier={identifier}",
        "-movflags", "use_metadata_tags",
    )  # fmt: skip
    assert inspect_file(clip).capture.device.content_identifier == identifier


def test_a_bad_xmp_packet_is_no_duration_mismatch(tmp_path):
    source = CORPUS / "mei" / "mov_xmp480qt.mov"
    data = source.read_bytes()
    at = data.find(b"<x:xmpmeta")
    assert at > 0
    broken = data[:at] + b"<x:xmpmeta><<" + data[at + 13 :]
    path = tmp_path / "broken-xmp.mov"
    path.write_bytes(broken)
    result = inspect_file(path)
    assert any("XMP" in note for note in result.notes)
    assert "duration_mismatch" not in {f.code for f in result.flags}
