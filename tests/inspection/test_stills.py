"""Still-image metadata: each case the metadata issue names, on made and public files."""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
from pathlib import Path

import cv2
import numpy as np
import pytest

from tests.conftest import run_ffmpeg, sha256_of, validate
from tests.inspection import exif_builder as eb
from verify.inspection.inspect import inspect_file
from verify.inspection.still import estimate_jpeg_quality, libjpeg_table
from verify.inspection.xmp import xmp_facts

CORPUS = Path(__file__).resolve().parents[1] / "data" / "metadata"
CAMERA = {"Make": "Acme", "Model": "Field 7"}


def _picture(quality: int = 90) -> bytes:
    rows = np.linspace(0, 255, 48 * 64, dtype=np.uint8).reshape(48, 64)
    ok, data = cv2.imencode(".jpg", cv2.merge([rows, rows[::-1], rows]), [1, quality])
    assert ok
    return data.tobytes()


def _jpeg(tmp_path: Path, name: str, *segments: bytes) -> Path:
    target = tmp_path / name
    target.write_bytes(eb.jpeg_with(_picture(), segments))
    return target


def _codes(result) -> set[str]:
    return {f.code for f in result.flags}


def test_exif_after_large_app_segments_is_read(tmp_path):
    # Huawei and Motorola phones write tens of KB of APP6-APP9 before APP1.
    filler = [eb.segment(marker, bytes([marker]) * 60000) for marker in (0xE6, 0xE7, 0xE8, 0xE9)]
    block = eb.tiff(CAMERA, {"DateTimeOriginal": "2024:03:01 10:00:00"})
    path = _jpeg(tmp_path, "phone.jpg", *filler, eb.exif_segment(block))
    result = inspect_file(path)
    assert (result.capture.device.make, result.capture.device.model) == ("Acme", "Field 7")
    assert result.capture.creation_time.local == "2024-03-01T10:00:00"
    assert not {"capture_metadata_absent", "creation_time_missing"} & _codes(result)
    assert result.still.exif_where == "JPEG APP1 at byte 240018"


def test_webp_exif_is_read():
    result = inspect_file(CORPUS / "mei" / "webp_HTC Desire.webp")
    assert (result.capture.device.make, result.capture.device.model) == ("HTC", "HTC Desire")
    assert result.capture.location.latitude == pytest.approx(45.50067, abs=1e-4)
    assert result.still.exif_where.startswith("WebP EXIF chunk")
    assert (result.still.width, result.still.height) == (776, 909)


@pytest.mark.parametrize(
    ("gps", "note"),
    [
        ({"GPSStatus": "V"}, "GPSStatus is V"),
        ({"GPSLatitude": (0, 0, 0), "GPSLongitude": (0, 0, 0)}, "both zero"),
    ],
)
def test_void_or_empty_gps_is_no_position(tmp_path, gps, note):
    position = {
        "GPSLatitudeRef": "N", "GPSLatitude": (50, 27, 0), "GPSLongitudeRef": "E",
        "GPSLongitude": (30, 31, 24), **gps,
    }  # fmt: skip
    path = _jpeg(tmp_path, "void.jpg", eb.exif_segment(eb.tiff(CAMERA, {}, position)))
    result = inspect_file(path)
    assert result.capture.location is None
    assert any(note in n for n in result.notes)


def test_a_fixed_position_is_kept(tmp_path):
    position = {
        "GPSStatus": "A", "GPSLatitudeRef": "S", "GPSLatitude": (33, 52, 4.8),
        "GPSLongitudeRef": "E", "GPSLongitude": (151, 12, 36),
    }  # fmt: skip
    path = _jpeg(tmp_path, "fix.jpg", eb.exif_segment(eb.tiff(CAMERA, {}, position)))
    location = inspect_file(path).capture.location
    assert (location.latitude, location.longitude) == pytest.approx((-33.868, 151.21), abs=1e-3)


def test_gps_clock_pins_the_zone_of_a_zoneless_time(tmp_path):
    stamp = {"GPSDateStamp": "2024:03:01", "GPSTimeStamp": (7, 59, 58)}
    block = eb.tiff(CAMERA, {"DateTimeOriginal": "2024:03:01 10:00:00"}, stamp)
    result = inspect_file(_jpeg(tmp_path, "zone.jpg", eb.exif_segment(block)))
    created = result.capture.creation_time
    assert (created.zone, created.zone_source) == ("+02:00", "GPS time of the fix")
    assert created.utc_iso == "2024-03-01T08:00:00Z"
    assert "gps_time_mismatch" not in _codes(result)
    assert any(t.source == "GPS GPSDateStamp" for t in result.capture.other_times)


def test_gps_clock_that_contradicts_the_capture_time_is_flagged(tmp_path):
    stamp = {"GPSDateStamp": "2023:11:20", "GPSTimeStamp": (18, 0, 0)}
    exif = {"DateTimeOriginal": "2024:03:01 10:00:00", "OffsetTimeOriginal": "+02:00"}
    block = eb.tiff(CAMERA, exif, stamp)
    result = inspect_file(_jpeg(tmp_path, "clash.jpg", eb.exif_segment(block)))
    assert "gps_time_mismatch" in _codes(result)


def test_empty_model_is_not_the_string_none():
    result = inspect_file(CORPUS / "mei" / "jpg_FLIR.jpg")
    assert result.capture.device.make == "FLIR Systems AB"
    assert result.capture.device.model is None


def test_lens_serials_and_unique_id(tmp_path):
    exif = {
        "LensMake": "Acme Optics", "LensModel": "24-70mm f/2.8", "BodySerialNumber": "B0042",
        "LensSerialNumber": "L77", "ImageUniqueID": "0123456789abcdef0123456789abcdef",
    }  # fmt: skip
    path = _jpeg(tmp_path, "lens.jpg", eb.exif_segment(eb.tiff(CAMERA, exif)))
    device = inspect_file(path).capture.device
    assert (device.lens_make, device.lens_model) == ("Acme Optics", "24-70mm f/2.8")
    assert (device.serial_number, device.lens_serial_number) == ("B0042", "L77")
    assert device.image_unique_id == "0123456789abcdef0123456789abcdef"


def test_live_photo_content_identifier_from_the_apple_maker_note(tmp_path):
    identifier = "6C2B1F3E-0C9A-4C9E-9E52-2D3A1B0F4E77"
    exif = {"DateTimeOriginal": "2024:03:01 10:00:00", "MakerNote": eb.apple_maker_note(identifier)}
    block = eb.tiff({"Make": "Apple", "Model": "iPhone 15"}, exif)
    result = inspect_file(_jpeg(tmp_path, "IMG_0001.jpg", eb.exif_segment(block)))
    assert result.capture.device.content_identifier == identifier


def test_xmp_editor_history_and_ids(tmp_path):
    packet = eb.xmp_packet(
        'xmp:CreatorTool="Adobe Photoshop 25.0 (Windows)" '
        'xmpMM:DocumentID="xmp.did:1" xmpMM:InstanceID="xmp.iid:2" '
        'xmpMM:OriginalDocumentID="xmp.did:0">'
        '<xmpMM:History><rdf:Seq><rdf:li stEvt:action="created" stEvt:softwareAgent="Camera"/>'
        '<rdf:li><rdf:Description stEvt:action="saved" stEvt:when="2024-03-02T09:00:00+01:00" '
        'stEvt:softwareAgent="Adobe Photoshop 25.0 (Windows)"/></rdf:li></rdf:Seq>'
        "</xmpMM:History>"
    )
    result = inspect_file(_jpeg(tmp_path, "xmp.jpg", eb.xmp_segment(packet)))
    xmp = result.xmp
    assert xmp.creator_tool == "Adobe Photoshop 25.0 (Windows)"
    assert (xmp.document_id, xmp.instance_id, xmp.original_document_id) == (
        "xmp.did:1", "xmp.iid:2", "xmp.did:0",
    )  # fmt: skip
    assert [(e.action, e.software) for e in xmp.history] == [
        ("created", "Camera"), ("saved", "Adobe Photoshop 25.0 (Windows)"),
    ]  # fmt: skip
    editing = next(f for f in result.flags if f.code == "edited_with_software")
    assert "XMP CreatorTool=Adobe Photoshop" in editing.evidence


def test_xmp_with_entities_is_refused():
    packet = (
        b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaaaaaaaa">]>'
        b'<x:xmpmeta xmlns:x="adobe:ns:meta/">&a;</x:xmpmeta>'
    )
    facts = xmp_facts([packet])
    assert facts.creator_tool is None
    assert any("DTD" in n for n in facts.notes)


def test_png_text_software_and_no_stray_stderr(tmp_path):
    _, data = cv2.imencode(".png", np.zeros((8, 8), np.uint8))
    body = eb.png_with(data.tobytes(), [eb.png_chunk(b"tEXt", b"Software\x00GIMP 2.10.36")])
    path = tmp_path / "drawn.png"
    path.write_bytes(body)
    result = inspect_file(path)
    assert result.capture.device.software == "GIMP 2.10.36"
    assert "edited_with_software" in _codes(result)
    # exifread used to print "PNG file does not have exif data." for every PNG.
    run = subprocess.run(
        [sys.executable, "-m", "verify.cli", "inspect", "--json", str(path)],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert run.returncode == 0, run.stderr
    assert run.stderr == ""


def test_ffmpeg_jpeg_comment_is_a_reencode(ffmpeg, tmp_path):
    frame = tmp_path / "frame.jpg"
    run_ffmpeg(ffmpeg, "-f", "lavfi", "-i", "testsrc2=size=64x48", "-frames:v", "1", frame)
    result = inspect_file(frame)
    assert result.still.comments and result.still.comments[0].startswith("Lavc")
    flag = next(f for f in result.flags if f.code == "reencoded_ffmpeg")
    assert "JPEG comment=Lavc" in flag.evidence


def test_jpeg_quality_estimate_matches_the_encoder_setting(tmp_path):
    for quality in (35, 75, 92):
        path = tmp_path / f"q{quality}.jpg"
        path.write_bytes(_picture(quality))
        estimate = inspect_file(path).still.jpeg_quality
        assert (estimate.estimate, estimate.standard_tables) == (quality, True)
    camera = estimate_jpeg_quality(((2,) * 64, (3,) * 64))
    assert camera is not None and not camera.standard_tables
    assert libjpeg_table((16,) * 64, 50) == (16,) * 64


@pytest.mark.parametrize(
    ("name", "profile"),
    [
        ("exiftool/ExifTool.jpg", "Adobe RGB (1998)"),
        ("mei/jpg_Apple iPhone 4.jpg", "sRGB IEC61966-2.1"),
    ],
)
def test_icc_profile_name(name, profile):
    # The names ExifTool prints as ProfileDescription for these files.
    assert inspect_file(CORPUS / name).still.icc_profile == profile


def test_heic_size_from_the_structure_and_no_stream_flag():
    result = inspect_file(CORPUS / "mei" / "heic_exif-at-eof.heic")
    assert (result.still.width, result.still.height) == (3024, 4032)
    assert result.still.size_source.startswith("HEIF ispe")
    assert "multiple_video_streams" not in _codes(result)
    assert result.capture.device.model == "iPhone 11 Pro"
    assert result.capture.creation_time.zone == "-04:00"


def _motion_photo(ffmpeg, tmp_path) -> tuple[Path, bytes]:
    clip = tmp_path / "clip.mp4"
    run_ffmpeg(
        ffmpeg, "-f", "lavfi", "-i", "testsrc2=size=64x48:rate=10:duration=1",
        "-c:v", "libx264", "-preset", "ultrafast", clip,
    )  # fmt: skip
    video = clip.read_bytes()
    packet = eb.xmp_packet(f'GCamera:MotionPhoto="1" GCamera:MicroVideoOffset="{len(video)}">')
    still = eb.jpeg_with(_picture(), [eb.xmp_segment(packet)])
    path = tmp_path / "PXL_motion.jpg"
    path.write_bytes(still + video)
    return path, video


def test_motion_photo_video_is_reported_and_extracted(ffmpeg, tmp_path, run_cli):
    path, video = _motion_photo(ffmpeg, tmp_path)
    before = sha256_of(path)
    result = inspect_file(path)
    assert result.still.xmp.motion_photo
    (embedded,) = result.still.embedded
    assert (embedded.kind, embedded.size) == ("mp4", len(video))
    assert embedded.sha256 == hashlib.sha256(video).hexdigest()
    assert "embedded_media" in _codes(result)
    out = tmp_path / "out"
    run = run_cli("inspect", "--json", "--extract-embedded", str(out), str(path))
    assert run.exit_code == 0, run.stderr
    document = json.loads(run.stdout)
    validate(document, "inspect")
    (written,) = sorted(out.iterdir())
    assert sha256_of(written) == embedded.sha256
    assert sha256_of(path) == before
    # A second run never overwrites what the first wrote.
    again = run_cli("inspect", "--extract-embedded", str(out), str(path))
    assert again.exit_code == 0
    assert len(list(out.iterdir())) == 1 and sha256_of(written) == embedded.sha256


def test_ai_generated_claim(tmp_path):
    source = "http://cv.iptc.org/newscodes/digitalsourcetype/trainedAlgorithmicMedia"
    packet = eb.xmp_packet(f'Iptc4xmpExt:DigitalSourceType="{source}">')
    result = inspect_file(_jpeg(tmp_path, "made.jpg", eb.xmp_segment(packet)))
    assert "ai_generated_claim" in _codes(result)


def test_hostile_strings_stay_text(tmp_path, run_cli):
    hostile = '<script>alert(1)</script>"; rm -rf ~'
    block = eb.tiff({"Make": hostile, "Model": "M"})
    comment = eb.segment(0xFE, hostile.encode())
    path = _jpeg(tmp_path, "hostile.jpg", eb.exif_segment(block), comment)
    run = run_cli("inspect", "--json", str(path))
    document = json.loads(run.stdout)
    assert document["capture"]["device"]["make"] == hostile
    validate(document, "inspect")


def test_heif_motion_photo_video_in_an_mpvd_box(ffmpeg, tmp_path):
    _, video = _motion_photo(ffmpeg, tmp_path)
    photo = (CORPUS / "mei" / "heic_cheers_1440x960.heic").read_bytes()
    box = (8 + len(video)).to_bytes(4, "big") + b"mpvd" + video
    path = tmp_path / "motion.heic"
    path.write_bytes(photo + box)
    result = inspect_file(path)
    (embedded,) = result.still.embedded
    assert (embedded.kind, embedded.offset, embedded.size) == ("mp4", len(photo) + 8, len(video))
    assert embedded.sha256 == hashlib.sha256(video).hexdigest()
    assert (result.still.width, result.still.height) == (1440, 960)


def test_deeply_nested_xmp_is_cut_not_fatal():
    nested = "<rdf:Description><xmp:Nested>" * 500 + "x" + "</xmp:Nested></rdf:Description>" * 500
    packet = eb.xmp_packet(f'xmp:CreatorTool="Tool">{nested}').encode()
    assert xmp_facts([packet]).creator_tool == "Tool"


def test_many_compressed_png_chunks_share_one_budget(tmp_path):
    import zlib

    _, data = cv2.imencode(".png", np.zeros((8, 8), np.uint8))
    bomb = zlib.compress(b"A" * (4 << 20), 9)
    chunks = [eb.png_chunk(b"zTXt", f"k{i}".encode() + b"\x00\x00" + bomb) for i in range(8)]
    path = tmp_path / "bombs.png"
    path.write_bytes(eb.png_with(data.tobytes(), chunks))
    still = inspect_file(path).still
    assert sum(len(text) for _, text in still.texts) <= 8 << 20
