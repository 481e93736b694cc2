"""Parsers for the text formats metadata comes in: ISO 6709, dates, magic bytes."""

from __future__ import annotations

import pytest

from verify.inspection.geo import parse_iso6709
from verify.media.filetype import _classify
from verify.timestamps import parse_recorded_time


@pytest.mark.parametrize(
    ("text", "lat", "lon", "alt"),
    [
        ("+50.4501+030.5234+150.000/", 50.4501, 30.5234, 150.0),
        ("+40.6894-074.0447/", 40.6894, -74.0447, None),
        ("-33.8568+151.2153+005.5/", -33.8568, 151.2153, 5.5),
        ("+5027.006+03031.404/", 50.4501, 30.5234, None),  # degrees and minutes
        ("+502700.36+0303124.24/", 50.4501, 30.5234, None),  # degrees, minutes, seconds
    ],
)
def test_iso6709(text, lat, lon, alt):
    point = parse_iso6709(text, "location")
    assert point is not None
    assert point.latitude == pytest.approx(lat, abs=1e-4)
    assert point.longitude == pytest.approx(lon, abs=1e-4)
    assert point.altitude == alt


@pytest.mark.parametrize("text", ["", "garbage", "+95.0+010.0/", "+10.0+190.0/"])
def test_iso6709_rejects_junk(text):
    assert parse_iso6709(text, "location") is None


def test_quicktime_creationdate_keeps_zone():
    recorded = parse_recorded_time("2022-04-02T09:41:27+0300", "com.apple.quicktime.creationdate")
    assert recorded.utc_iso == "2022-04-02T06:41:27Z"
    assert recorded.zone == "+03:00"
    assert recorded.local == "2022-04-02T09:41:27"
    assert not recorded.assumed_utc


def test_exif_date_with_separate_offset():
    recorded = parse_recorded_time("2022:04:02 09:45:00", "EXIF DateTimeOriginal", zone="+03:00")
    assert recorded.utc_iso == "2022-04-02T06:45:00Z"


def test_exif_date_without_zone_has_no_utc():
    recorded = parse_recorded_time("2022:04:02 09:45:00", "EXIF DateTimeOriginal")
    assert recorded.utc is None
    assert recorded.local == "2022-04-02T09:45:00"


def test_container_time_is_utc_by_format():
    recorded = parse_recorded_time("2022-04-02 06:41:27", "creation_time", naive_is_utc=True)
    assert recorded.assumed_utc
    assert recorded.utc_iso == "2022-04-02T06:41:27Z"


@pytest.mark.parametrize(
    "text", ["2022", "yesterday", "2022-13-40T00:00:00Z", "0000:00:00 00:00:00"]
)
def test_dates_that_are_not_dates(text):
    assert parse_recorded_time(text, "x") is None


@pytest.mark.parametrize(
    ("head", "kind"),
    [
        (b"\x00\x00\x00\x20ftypisom\x00\x00\x02\x00", "mp4"),
        (b"\x00\x00\x00\x14ftypqt  \x00\x00\x02\x00", "mov"),
        (b"\x00\x00\x00\x18ftyp3gp4\x00\x00\x00\x00", "3gp"),
        (b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00", "heic"),
        (b"\x1a\x45\xdf\xa3\x9f\x42\x86\x81\x01\x42\x82\x84webm", "webm"),
        (b"RIFF\x00\x00\x00\x00AVI LIST", "avi"),
        (b"RIFF\x00\x00\x00\x00WEBPVP8 ", "webp"),
        (b"\xff\xd8\xff\xe1\x00\x10Exif", "jpeg"),
        (b"\x89PNG\r\n\x1a\n\x00\x00", "png"),
        (b"G" + bytes(187) + b"G" + bytes(187) + b"G" + bytes(10), "mpegts"),
        (b"just some words\n", "text"),
        (bytes(range(256)), "unknown"),
        (b"", "empty"),
    ],
)
def test_sniffing(head, kind):
    assert _classify(head)[0] == kind
