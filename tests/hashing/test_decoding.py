"""The decoder runs behind hashing: started early, drained ahead, handed over."""

from __future__ import annotations

import dataclasses
import os
import shutil
import time

import numpy as np
import pytest

from verify.config import HASH
from verify.hashing.phash import phash_windows, phash_windows_stack
from verify.matching.panels import _box_std
from verify.media import decode, ffmpeg
from verify.media.decode import DecoderRun, build_command, decode_frames, start_early
from verify.media.sampling import Sampling

FPS4 = Sampling.parse("fps=4")


def grey_frames(path, sampling=FPS4):
    return [(f.time, f.pixels.copy()) for f in decode_frames(path, sampling, 160)]


@pytest.fixture(autouse=True)
def no_waiting_runs():
    decode.EARLY_DECODERS.stop_all()
    ffmpeg.EARLY_TOOLS.stop_all()
    yield
    decode.EARLY_DECODERS.stop_all()
    ffmpeg.EARLY_TOOLS.stop_all()


def test_an_early_run_is_taken_over(samples):
    clip = samples / "original.mov"
    fresh = grey_frames(clip)
    start_early(clip, FPS4)
    (waiting,) = decode.EARLY_DECODERS.waiting()
    taken = grey_frames(clip)
    assert not decode.EARLY_DECODERS.waiting(), "the run was left waiting"
    assert waiting.proc.returncode == 0  # it was this run that decoded them
    assert [t for t, _ in taken] == [t for t, _ in fresh]
    assert all(np.array_equal(a, b) for (_, a), (_, b) in zip(taken, fresh, strict=True))


def test_the_early_probe_is_taken_over(samples, tmp_path):
    clip = shutil.copy(samples / "telegram_reencode.mp4", tmp_path / "clip.mp4")
    fresh = ffmpeg.ffprobe_json(samples / "telegram_reencode.mp4", timeout=30)
    start_early(clip, FPS4)
    (probe,) = ffmpeg.EARLY_TOOLS.waiting()
    assert ffmpeg.ffprobe_json(clip, timeout=30)["streams"] == fresh["streams"]
    assert not ffmpeg.EARLY_TOOLS.waiting() and probe.returncode == 0


def test_a_file_probed_already_starts_no_early_probe(samples, tmp_path):
    clip = shutil.copy(samples / "telegram_reencode.mp4", tmp_path / "clip.mp4")
    ffmpeg.ffprobe_json(clip, timeout=30)
    ffmpeg.probe_early(os.path.abspath(os.fsencode(clip)))
    assert not ffmpeg.EARLY_TOOLS.waiting()


def test_a_file_written_since_is_probed_again(samples, tmp_path):
    clip = tmp_path / "clip"
    shutil.copy(samples / "original.mov", clip)
    before = ffmpeg.ffprobe_json(clip, timeout=30)
    shutil.copy(samples / "telegram_reencode.mp4", clip)  # the same file, written over
    after = ffmpeg.ffprobe_json(clip, timeout=30)
    assert before["format"]["size"] != after["format"]["size"] == str(clip.stat().st_size)
    assert after == ffmpeg.ffprobe_json(clip, timeout=30)


def test_an_early_run_for_other_options_is_not_used(samples):
    clip = samples / "original.mov"
    start_early(clip, Sampling.parse("fps=2"))
    (waiting,) = decode.EARLY_DECODERS.waiting()
    grey_frames(clip)  # fps=4: another command
    assert decode.EARLY_DECODERS.waiting() == [waiting]


def test_a_third_early_run_stops_the_oldest(samples):
    clips = [samples / "original.mov", samples / "telegram_reencode.mp4"]
    start_early(clips[0], FPS4)
    start_early(clips[1], FPS4)
    oldest = decode.EARLY_DECODERS.waiting()[0]
    start_early(clips[0], Sampling.parse("fps=2"))
    assert len(decode.EARLY_DECODERS.waiting()) == 2
    assert oldest.proc.returncode is not None  # killed and reaped
    assert oldest.proc.stdout.closed


def test_missing_files_and_pattern_names_start_nothing(samples, tmp_path):
    start_early(tmp_path / "absent.mp4", FPS4)
    odd = tmp_path / "clip%03d.mov"
    odd.write_bytes((samples / "original.mov").read_bytes())
    start_early(odd, FPS4)
    assert not decode.EARLY_DECODERS.waiting()


def test_a_reader_holding_back_is_not_a_stall(samples):
    """Output held unread (the buffer full) keeps the watchdog fed: a slow reader
    is not a hung decoder, and every byte still arrives in order."""
    clip = samples / "original.mov"
    args = build_command(clip, FPS4, None, colour=True)
    fresh = [f.pixels for f in decode_frames(clip, FPS4, None, colour=True)]
    run = DecoderRun(args, stall_timeout=0.5, buffer_limit=1)
    got = []
    for index in range(len(fresh)):
        _time, _key, width, height = run.stamps.get(timeout=10)
        if index == 1:
            # ffmpeg waits on us four times the stall limit: its log has long
            # gone quiet (every frame filtered), only its output is held back.
            time.sleep(2.0)
        got.append(np.frombuffer(run.take(width * height * 3), np.uint8))
    assert run.stamps.get(timeout=10) is None
    run.finish()
    run.stop()
    assert not run.fired
    assert all(np.array_equal(a.ravel(), b) for a, b in zip(fresh, got, strict=True))


def test_window_hashes_of_a_stack_are_each_images(samples):
    frames = [p for _, p in grey_frames(samples / "original.mov")][:5]
    height, width = frames[0].shape
    boxes = np.array([(0, 0, width, height), (10.5, 3.2, 120.0, 80.7), (40, 20, 100, 60)])
    stacked = phash_windows_stack(np.stack(frames), boxes)
    assert stacked.shape == (len(frames), len(boxes))
    for picture, row in zip(frames, stacked, strict=True):
        assert np.array_equal(phash_windows(picture, boxes), row)


def test_box_deviation_from_summed_areas():
    rng = np.random.default_rng(7)
    pictures = rng.integers(0, 256, (3, 30, 50), dtype=np.uint8)
    pictures[1, :, :25] = 17  # a flat half
    boxes = np.array([(0, 0, 50, 30), (0, 0, 25, 30), (3.4, 2.6, 40.5, 20.2), (10, 10, 11, 11)])
    found = _box_std(pictures, boxes)
    for i, picture in enumerate(pictures):
        for j, box in enumerate(boxes):
            left, top, right, bottom = (round(float(v)) for v in box)
            assert found[i, j] == pytest.approx(picture[top:bottom, left:right].std(), abs=1e-6)
    assert found[1, 1] < HASH.uniform_std


def test_a_forked_child_hashes_with_threads_of_its_own(samples):
    """The probe/digest threads and the early runs are per process: a child forked
    after the parent hashed (a worker pool started by fork) hashes too."""
    import multiprocessing

    from verify.hashing.fingerprint import fingerprint_video

    clip = samples / "telegram_reencode.mp4"
    here = fingerprint_video(clip)
    start_early(clip, FPS4)
    context = multiprocessing.get_context("fork")
    with context.Pool(1) as pool:
        there = pool.apply_async(fingerprint_video, (clip,)).get(timeout=60)
    assert there.to_dict() == here.to_dict()
    assert len(decode.EARLY_DECODERS.waiting()) == 1  # the parent's run, still the parent's


def test_keyframes_and_small_files_decode_on_one_thread_with_the_same_frames(samples):
    """Keyframes and files under ``single_thread_below_bytes`` get one decoder
    thread; larger files keep ffmpeg's frame threads. Either way the same frames."""
    clip = samples / "original.mov"
    keyframes = Sampling.parse("keyframes")
    big = dataclasses.replace(HASH, single_thread_below_bytes=0)  # every file counts as large
    assert "-threads:v" in build_command(clip, FPS4, 160)
    assert "-threads:v" not in build_command(clip, FPS4, 160, config=big)
    assert "-threads:v" in build_command(clip, keyframes, 160, config=big)
    assert "-threads:v" not in build_command(clip, Sampling("every"), 160)
    one = [(f.time, f.pixels.copy()) for f in decode_frames(clip, FPS4, 160)]
    many = [(f.time, f.pixels.copy()) for f in decode_frames(clip, FPS4, 160, config=big)]
    assert [t for t, _ in one] == [t for t, _ in many]
    assert all(np.array_equal(a, b) for (_, a), (_, b) in zip(one, many, strict=True))
