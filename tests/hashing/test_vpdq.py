"""vPDQ hashing and the hash-list formats: Meta's vPDQ lines and python-threatexchange's."""

from __future__ import annotations

import json
import re

import cv2
import numpy as np
import pytest

from tests.conftest import ROOT
from verify.errors import ExitCode
from verify.hashing.pdq import PdqHash
from verify.hashing.vpdq import VpdqHash, compare, vpdq_hash
from verify.lists.signals import file_signals, parse_pytx

CLIP = ROOT / "bench" / "footage" / "dashcam_highway_day.mp4"
OTHER_CLIP = CLIP
VPDQ_LINE = re.compile(r"(\d+),(\d{1,3}),([0-9a-f]{64}),(\d+\.\d{3})")


def _reference_pdq(picture_rgb: np.ndarray) -> PdqHash:
    pdqhash = pytest.importorskip("pdqhash")
    bits, quality = pdqhash.compute(np.ascontiguousarray(picture_rgb))
    return PdqHash(int("".join(str(int(b)) for b in bits), 2), int(quality))


def test_vpdq_lines_pick_one_frame_a_second_as_meta_does(run_cli):
    result = run_cli("hash", "--format", "vpdq", str(CLIP))
    assert result.exit_code == 0, result.stderr
    lines = result.stdout.splitlines()
    capture = cv2.VideoCapture(str(CLIP))
    rate = capture.get(cv2.CAP_PROP_FPS)
    step = int(rate)
    assert len(lines) >= 5
    for index, line in enumerate(lines):
        match = VPDQ_LINE.fullmatch(line)
        assert match, line
        number, quality, hex_digits, seconds = match.groups()
        assert int(number) == index * step
        assert seconds == f"{np.float32(int(number)) / np.float32(rate):.3f}"
        # The same frame decoded by OpenCV, hashed by Meta's C++: the same PDQ.
        capture.set(cv2.CAP_PROP_POS_FRAMES, int(number))
        ok, frame = capture.read()
        assert ok
        theirs = _reference_pdq(cv2.cvtColor(frame, cv2.COLOR_BGR2RGB))
        assert PdqHash.from_hex(hex_digits) - theirs <= 2
        assert abs(int(quality) - theirs.quality) <= 1
    capture.release()


def test_vpdq_equals_meta_vpdq_on_real_footage():
    """Meta's own vPDQ (the ``vpdq`` package, its C++ on libav; installed by .ci/run where
    it builds): the same frames, times and qualities, the same PDQ on every frame of
    quality 10 or more (flatter ones are ties, and vPDQ's rule drops them under 50)."""
    meta = pytest.importorskip("vpdq", reason="Meta's vPDQ: apt libav*-dev, pip install vpdq")
    clips = [*sorted((ROOT / "bench" / "footage").glob("*.mp4")), ROOT / "samples" / "original.mov"]
    compared = 0
    for clip in clips:
        theirs = meta.computeHash(str(clip), seconds_per_hash=1)
        ours = vpdq_hash(clip).features
        assert [f.frame_number for f in ours] == [f.frame_number for f in theirs], clip.name
        for mine, reference in zip(ours, theirs, strict=True):
            assert f"{mine.timestamp:.3f}" == f"{reference.timestamp:.3f}"
            assert mine.quality == reference.quality, (clip.name, mine.frame_number)
            if reference.quality >= 10:
                assert mine.pdq - PdqHash.from_hex(reference.hex) == 0, (
                    clip.name,
                    mine.frame_number,
                )
                compared += 1
    assert compared >= 100


def test_pytx_lines_are_python_threatexchange_signals(run_cli, samples):
    result = run_cli("hash", "--format", "pytx", str(samples / "photo.jpg"),
                     str(samples / "original.mov"))  # fmt: skip
    assert result.exit_code == 0, result.stderr
    photo, md5, vpdq = result.stdout.splitlines()
    assert re.fullmatch(r"pdq [0-9a-f]{64}", photo)
    assert re.fullmatch(r"video_md5 [0-9a-f]{32}", md5)
    kind, _, signal = vpdq.partition(" ")
    assert kind == "video_vpdq"
    items = json.loads(signal)
    assert signal == json.dumps(items)  # json.dumps' own spacing, as pytx writes it
    for item in items:
        hex_digits, quality, seconds = item.split(",")
        assert re.fullmatch(r"[0-9a-f]{64}", hex_digits) and 0 <= int(quality) <= 100
        assert seconds == format(float(seconds), ".3")  # three significant digits
    entries = list(parse_pytx(result.stdout))
    assert [e.signal_type for e in entries] == ["pdq", "video_md5", "video_vpdq"]
    read_back = entries[2].vpdq
    direct = vpdq_hash(samples / "original.mov")
    assert [f.pdq for f in read_back.features] == [f.pdq for f in direct.features]


def test_python_threatexchange_reads_our_signals(samples):
    """pytx itself parses our lines and matches our vPDQ against Meta's vPDQ of a re-encode."""
    pytest.importorskip("vpdq", reason="Meta's vPDQ: apt libav*-dev, pip install vpdq")
    pytest.importorskip("threatexchange", reason="pip install threatexchange")
    from threatexchange.extensions.vpdq.vpdq import VPDQSignal
    from threatexchange.signal_type.pdq.signal import PdqSignal

    signals = file_signals(samples / "original.mov")
    ours = signals.pytx_lines()[1].split(" ", 1)[1]
    assert VPDQSignal.validate_signal_str(ours)
    copy = VPDQSignal.compare_hash(
        ours, VPDQSignal.hash_from_file(samples / "telegram_reencode.mp4")
    )
    other = VPDQSignal.compare_hash(ours, VPDQSignal.hash_from_file(OTHER_CLIP))
    assert copy.match and not other.match
    photo = file_signals(samples / "photo.jpg").pytx_lines()[0].split(" ", 1)[1]
    assert PdqSignal.validate_signal_str(photo) == photo
    # pytx 1.2 calls the type "vpdq"; such lines are read as video_vpdq.
    (entry,) = parse_pytx(f"{VPDQSignal.get_name()} {ours}\n")
    assert entry.signal_type == "video_vpdq"
    assert [f.pdq for f in entry.vpdq.features] == [f.pdq for f in signals.vpdq.features]


def test_vpdq_matches_a_reencode_and_not_other_footage(samples):
    original = vpdq_hash(samples / "original.mov")
    copy = vpdq_hash(samples / "telegram_reencode.mp4")
    other = vpdq_hash(CLIP)
    assert compare(copy.words(), original.words()).matches()
    assert not compare(other.words(), original.words()).matches()
    assert compare(other.words(), original.words()).query_percent == 0.0


def test_vpdq_text_round_trips_and_bad_lines_are_named():
    hashed = file_signals(CLIP).vpdq
    assert VpdqHash.from_text(hashed.to_text()) == hashed
    from verify.errors import InputError

    with pytest.raises(InputError) as caught:
        VpdqHash.from_text("0,100," + "a" * 64 + ",0.000\n1,100,zz,1.000\n", "list.txt")
    assert "line 2" in str(caught.value)
    with pytest.raises(InputError):
        list(parse_pytx("tmk 0123\n", "list.txt"))


def test_vpdq_files_for_several_videos_are_written_and_never_replaced(run_cli, samples, tmp_path):
    clips = [str(samples / "original.mov"), str(samples / "cropped.mp4")]
    assert run_cli("hash", "--format", "vpdq", *clips).exit_code == ExitCode.USAGE
    out = tmp_path / "hashes"
    first = run_cli("hash", "--format", "vpdq", "-o", str(out), *clips)
    assert first.exit_code == 0, first.stderr
    written = sorted(p.name for p in out.iterdir())
    assert written == ["cropped.mp4.vpdq", "original.mov.vpdq"]
    again = run_cli("hash", "--format", "vpdq", "-o", str(out), *clips)
    assert again.exit_code == 0  # the same hashes: kept as they are
    (out / "original.mov.vpdq").write_text("0,100," + "0" * 64 + ",0.000\n")
    clash = run_cli("hash", "--format", "vpdq", "-o", str(out), clips[0])
    assert clash.exit_code == ExitCode.OUTPUT
    assert "not replaced" in clash.stderr
    assert (out / "original.mov.vpdq").read_text().startswith("0,100,0000")


def test_a_photo_has_no_vpdq(run_cli, samples):
    result = run_cli("hash", "--format", "vpdq", str(samples / "photo.jpg"))
    assert result.exit_code == ExitCode.INPUT
    assert "vPDQ is for videos" in result.stderr and "Traceback" not in result.stderr


def test_seconds_per_hash_spaces_the_frames(run_cli, samples):
    result = run_cli("hash", "--format", "vpdq", "--seconds-per-hash", "2",
                     str(samples / "original.mov"))  # fmt: skip
    assert result.exit_code == 0, result.stderr
    numbers = [int(line.split(",")[0]) for line in result.stdout.splitlines()]
    assert numbers == [0, 60, 120, 180]  # 30 frames a second: every 60th
