"""Audio landmarks find a recording's sound through re-encodes, resampling,
volume, a trim and a second sound mixed in, at the right offset; unrelated
sound of the same character does not match."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.audio.tunes import tune, write_wav
from tests.conftest import run_ffmpeg
from verify.audio.landmarks import align, fingerprint_audio
from verify.errors import UnreadableMedia


@pytest.fixture(scope="module")
def sounds(tmp_path_factory: pytest.TempPathFactory, ffmpeg: str) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("audio")
    out = {f"tune{i}": write_wav(folder / f"tune{i}.wav", tune(i)) for i in range(8)}
    known = out["tune0"]
    transforms = {
        "aac32": ("-i", known, "-c:a", "aac", "-b:a", "32k", "-ar", "16000", "aac32.m4a"),
        "opus": ("-i", known, "-c:a", "libopus", "-b:a", "32k", "opus.ogg"),
        "stereo48": ("-i", known, "-af", "volume=0.3", "-ar", "48000", "-ac", "2", "stereo48.wav"),
        "mixed": ("-i", known, "-i", out["tune1"], "-filter_complex",
                  "[1:a]volume=-10dB[b];[0:a][b]amix=inputs=2:normalize=0", "-c:a", "aac",
                  "-b:a", "48k", "mixed.m4a"),
        "trim": ("-ss", "5", "-t", "8", "-i", known, "-c:a", "aac", "-b:a", "64k", "trim.m4a"),
        "video": ("-f", "lavfi", "-i", "testsrc2=size=160x120:rate=25", "-i", known, "-t", "20",
                  "-c:v", "libx264", "-preset", "veryfast", "-c:a", "aac", "-b:a", "64k",
                  "-shortest", "video.mp4"),
    }  # fmt: skip
    for name, args in transforms.items():
        *inputs, target = args
        run_ffmpeg(ffmpeg, *inputs, folder / target)
        out[name] = folder / target
    run_ffmpeg(ffmpeg, "-f", "lavfi", "-i", "anoisesrc=duration=10:amplitude=0.3",
               folder / "noise.wav")  # fmt: skip
    run_ffmpeg(ffmpeg, "-f", "lavfi", "-i", "anullsrc=duration=10", folder / "silence.wav")
    run_ffmpeg(ffmpeg, "-f", "lavfi", "-i", "testsrc2=duration=2", folder / "mute.mp4")
    out.update(noise=folder / "noise.wav", silence=folder / "silence.wav", mute=folder / "mute.mp4")
    return out


@pytest.mark.parametrize("name", ["aac32", "opus", "stereo48", "mixed", "video"])
def test_the_whole_recording_is_found_at_offset_zero(sounds, name):
    match = align(fingerprint_audio(sounds[name]), fingerprint_audio(sounds["tune0"]))
    assert match is not None, name
    assert match.offset == pytest.approx(0.0, abs=0.1)
    covered = sum(s.query_end - s.query_start for s in match.segments)
    assert covered >= 15.0, (name, match.segments)
    for segment in match.segments:
        assert segment.known_start - segment.query_start == pytest.approx(0.0, abs=0.1)


def test_an_excerpt_is_aligned_to_its_place(sounds):
    match = align(fingerprint_audio(sounds["trim"]), fingerprint_audio(sounds["tune0"]))
    assert match is not None
    assert match.offset == pytest.approx(5.0, abs=0.1)
    assert match.segments[0].known_start == pytest.approx(5.0 + match.segments[0].query_start,
                                                          abs=0.1)  # fmt: skip


def test_unrelated_sound_of_the_same_character_does_not_match(sounds):
    known = [fingerprint_audio(sounds[f"tune{i}"]) for i in range(8)]
    for i, reference in enumerate(known):
        for j, other in enumerate(known):
            if i != j:
                assert align(other, reference) is None, (i, j)
        for name in ("noise", "silence"):
            assert align(fingerprint_audio(sounds[name]), reference) is None, (i, name)


def test_a_file_without_sound_is_a_clear_error(sounds):
    with pytest.raises(UnreadableMedia, match="no audio stream"):
        fingerprint_audio(sounds["mute"])
