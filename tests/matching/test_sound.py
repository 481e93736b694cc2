"""`verify match` hears the clip's sound too: it says when picture and sound of a known
video agree, when only the sound matches (the picture replaced or covered), when one
known video's sound lies under another's footage, when the sound is shifted against
the picture, and when a known picture's sound is missing. Made with ffmpeg from two
known videos with generated tunes; nothing is mocked."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.audio.tunes import tune, write_wav
from tests.conftest import run_ffmpeg, validate
from verify import find_tool, index_file, open_bank

SECONDS = 12
X264 = ("-c:v", "libx264", "-preset", "veryfast", "-pix_fmt", "yuv420p")


@pytest.fixture(scope="module")
def scene(tmp_path_factory: pytest.TempPathFactory, ffmpeg: str) -> dict[str, Path]:
    """Two known videos (picture and tune each) in a bank, and clips made from them."""
    folder = tmp_path_factory.mktemp("sound")
    tunes = {i: write_wav(folder / f"tune{i}.wav", tune(40 + i, SECONDS)) for i in range(3)}
    pictures = {
        "a": f"mandelbrot=size=320x240:rate=25,trim=duration={SECONDS}",
        "b": f"cellauto=size=320x240:rate=25:rule=30,trim=duration={SECONDS}",
        "other": f"testsrc2=size=320x240:rate=25,trim=duration={SECONDS}",
    }
    out: dict[str, Path] = {}
    for name, tune_index in (("a", 0), ("b", 1)):
        out[name] = folder / f"{name}.mp4"
        run_ffmpeg(ffmpeg, "-f", "lavfi", "-i", pictures[name], "-i", tunes[tune_index],
                   *X264, "-c:a", "aac", "-b:a", "128k", "-shortest", out[name])  # fmt: skip
    clips = {
        # A whole re-encode: A's picture and sound, at low rates.
        "reencode": ("-i", out["a"], *X264, "-crf", "32", "-s", "256x192", "-c:a", "aac",
                     "-b:a", "48k", "-ar", "22050"),
        # A's sound under footage nobody knows.
        "sound_only": ("-f", "lavfi", "-i", pictures["other"], "-i", out["a"], "-map", "0:v",
                       "-map", "1:a", *X264, "-c:a", "aac", "-b:a", "64k", "-shortest"),
        # A's sound under B's footage.
        "under_b": ("-i", out["b"], "-i", out["a"], "-map", "0:v", "-map", "1:a", *X264,
                    "-c:a", "aac", "-b:a", "64k", "-shortest"),
        # A's picture with a sound of its own.
        "swapped": ("-i", out["a"], "-i", tunes[2], "-map", "0:v", "-map", "1:a", *X264,
                    "-c:a", "aac", "-b:a", "64k", "-shortest"),
        # A's picture, its sound 2 s late.
        "late": ("-i", out["a"], "-map", "0:v", "-map", "0:a", "-af", "adelay=2000:all=1",
                 *X264, "-c:a", "aac", "-b:a", "64k", "-t", str(SECONDS)),
        # A's picture without sound.
        "mute": ("-i", out["a"], "-an", *X264),
        # Neither picture nor sound known.
        "unrelated": ("-f", "lavfi", "-i", pictures["other"], "-i", tunes[2], *X264,
                      "-c:a", "aac", "-b:a", "64k", "-shortest"),
    }  # fmt: skip
    for name, args in clips.items():
        out[name] = folder / f"{name}.mp4"
        run_ffmpeg(ffmpeg, *args, out[name])
    out["bank"] = folder / "bank.sqlite"
    with open_bank(out["bank"]) as bank:
        for name in ("a", "b"):
            added = index_file(bank, out[name], source=f"known {name}")
            assert added.sound_landmarks and added.sound_landmarks > 100
    return out


def _match(run_cli, scene: dict[str, Path], clip: str) -> dict:
    result = run_cli("match", "--json", "--db", str(scene["bank"]), str(scene[clip]))
    assert result.exit_code == 0, result.stderr
    document = json.loads(result.stdout)
    validate(document, "match")
    return document


def _pictures(document: dict) -> list[str]:
    return [Path(m["path"]).stem for m in document["matches"]]


def _sounds(document: dict) -> list[tuple[str, str]]:
    return [(Path(m["path"]).stem, m["relation"]) for m in document["sound"]["matches"]]


def test_a_reencode_shows_picture_and_sound_in_step(run_cli, scene):
    document = _match(run_cli, scene, "reencode")
    assert _pictures(document) == ["a"]
    assert document["sound"]["state"] == "matched"
    assert _sounds(document) == [("a", "agrees")]
    (heard,) = document["sound"]["matches"]
    assert abs(heard["offset"]) <= 0.1
    covered = sum(s["query_end"] - s["query_start"] for s in heard["segments"])
    assert covered >= 0.8 * SECONDS
    assert document["sound"]["unheard"] == []


def test_sound_over_unknown_footage_is_sound_only(run_cli, scene):
    document = _match(run_cli, scene, "sound_only")
    assert _pictures(document) == []
    assert _sounds(document) == [("a", "sound_only")]
    text = run_cli("match", "--db", str(scene["bank"]), str(scene["sound_only"])).stdout
    assert "no match" in text and "only the sound matches" in text


def test_sound_of_one_known_video_under_another(run_cli, scene):
    document = _match(run_cli, scene, "under_b")
    assert _pictures(document) == ["b"]
    (heard,) = document["sound"]["matches"]
    assert (Path(heard["path"]).stem, heard["relation"]) == ("a", "under_other_footage")
    assert heard["picture_sha256"] == document["matches"][0]["sha256"]
    # B's own stored sound is not in the clip: listed as unheard.
    assert [Path(v["path"]).stem for v in document["sound"]["unheard"]] == ["b"]


def test_a_known_picture_with_another_sound(run_cli, scene):
    document = _match(run_cli, scene, "swapped")
    assert _pictures(document) == ["a"]
    assert document["sound"]["state"] == "no_match"
    assert [Path(v["path"]).stem for v in document["sound"]["unheard"]] == ["a"]
    text = run_cli("match", "--db", str(scene["bank"]), str(scene["swapped"])).stdout
    assert "its stored sound was not recognised" in text


def test_a_sound_moved_against_its_picture_is_shifted(run_cli, scene):
    document = _match(run_cli, scene, "late")
    assert _pictures(document) == ["a"]
    (heard,) = document["sound"]["matches"]
    assert heard["relation"] == "shifted"
    assert heard["offset"] == pytest.approx(-2.0, abs=0.1)
    assert heard["shift"] == pytest.approx(-2.0, abs=0.3)
    assert heard["segments"][0]["query_start"] == pytest.approx(2.0, abs=0.3)


def test_a_clip_without_sound_says_so(run_cli, scene):
    document = _match(run_cli, scene, "mute")
    assert _pictures(document) == ["a"]
    assert (document["sound"]["state"], document["sound"]["matches"]) == ("no_sound", [])
    assert document["sound"]["unheard"] == []


def _logged_tool(folder: Path, name: str) -> tuple[Path, Path]:
    """A wrapper that writes each command line it is run with to a log, then runs
    the real tool; (the wrapper, its log)."""
    log, wrapper = folder / f"{name}.log", folder / name
    real = find_tool(name).path
    wrapper.write_text(f"#!/bin/sh\necho \"$*\" >> '{log}'\nexec '{real}' \"$@\"\n")
    wrapper.chmod(0o755)
    return wrapper, log


def test_a_clip_without_sound_is_not_decoded_for_it(run_cli, scene, tmp_path):
    ffmpeg, ffmpeg_log = _logged_tool(tmp_path, "ffmpeg")
    ffprobe, ffprobe_log = _logged_tool(tmp_path, "ffprobe")
    env = {"VERIFY_FFMPEG": str(ffmpeg), "VERIFY_FFPROBE": str(ffprobe)}
    for clip, sound_runs in (("mute", 0), ("reencode", 1)):
        for log in (ffmpeg_log, ffprobe_log):
            log.unlink(missing_ok=True)
        result = run_cli("match", "--json", "--db", str(scene["bank"]), str(scene[clip]), env=env)
        assert result.exit_code == 0, result.stderr
        runs = ffmpeg_log.read_text().splitlines()
        assert sum("-map 0:a:0" in run for run in runs) == sound_runs, runs
        assert len(ffprobe_log.read_text().splitlines()) == 1  # shared by picture and sound
        assert _pictures(json.loads(result.stdout)) == ["a"]


def test_unrelated_picture_and_sound_match_nothing(run_cli, scene):
    document = _match(run_cli, scene, "unrelated")
    assert _pictures(document) == []
    assert (document["sound"]["state"], document["sound"]["matches"]) == ("no_match", [])


def test_a_bank_without_sound_says_it_was_not_compared(run_cli, scene, tmp_path):
    bank = tmp_path / "mute.sqlite"
    with open_bank(bank) as opened:
        added = index_file(opened, scene["mute"])
        assert added.sound_landmarks is None
    result = run_cli("match", "--json", "--db", str(bank), str(scene["reencode"]))
    document = json.loads(result.stdout)
    assert _pictures(document) == ["mute"]
    assert document["sound"]["state"] == "bank_has_none"


def test_a_voice_message_is_matched_by_its_sound(run_cli, scene, ffmpeg, tmp_path):
    """A sound file (no picture) is compared by its sound alone: Opus at 24 kb/s."""
    voice = tmp_path / "voice.ogg"
    run_ffmpeg(ffmpeg, "-i", scene["a"], "-vn", "-c:a", "libopus", "-b:a", "24k", voice)
    result = run_cli("match", "--json", "--db", str(scene["bank"]), str(voice))
    assert result.exit_code == 0, result.stderr
    document = json.loads(result.stdout)
    validate(document, "match")
    assert (document["matches"], document["sampling"]) == ([], "sound only")
    assert _sounds(document) == [("a", "same_recording")]
    text = run_cli("match", "--db", str(scene["bank"]), str(voice)).stdout
    assert "a sound file: no picture to compare" in text and "no match" not in text


def test_a_sound_file_in_the_bank_is_found_under_a_video(run_cli, scene, ffmpeg, tmp_path):
    """A sound file is stored for its sound alone; a video playing it finds it."""
    bank = tmp_path / "sounds.sqlite"
    track = tmp_path / "track.m4a"
    run_ffmpeg(ffmpeg, "-i", scene["b"], "-vn", "-c:a", "aac", "-b:a", "96k", track)
    added = run_cli("index", "add", "--json", "--db", str(bank), str(track))
    assert added.exit_code == 0, added.stderr
    entry = json.loads(added.stdout)
    validate(entry, "index")
    assert entry["video"]["frame_count"] == 0 and entry["sound_landmarks"] > 100
    document = _match(run_cli, {**scene, "bank": bank}, "under_b")
    assert _pictures(document) == []
    assert document["sound"]["matches"] == []  # under_b plays A's sound, not B's
    document = _match(run_cli, {**scene, "bank": bank}, "b")
    assert _sounds(document) == [("track", "same_recording")]


def test_a_file_with_neither_picture_nor_sound_is_refused(run_cli, scene, ffmpeg, tmp_path):
    silent = tmp_path / "silent.m4a"
    run_ffmpeg(ffmpeg, "-f", "lavfi", "-i", "anullsrc=duration=3", "-c:a", "aac", silent)
    result = run_cli("index", "add", "--db", str(scene["bank"]), str(silent))
    assert result.exit_code == 4, result.stderr
    assert "no video stream, and its sound is silent" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_report_and_batch_say_what_the_sound_matched(run_cli, scene, tmp_path):
    """`verify report` (JSON and page) and `verify batch` (rows and CSV) carry the same
    sound findings as `verify match`."""
    import csv

    report = tmp_path / "report.json"
    made = run_cli("report", str(scene["under_b"]), "-o", str(report), "--db",
                   str(scene["bank"]), "--html", str(tmp_path / "report.html"))  # fmt: skip
    assert made.exit_code == 0, made.stderr
    document = json.loads(report.read_text())
    validate(document, "report")
    sound = document["matching"]["sound"]
    assert [(Path(m["path"]).stem, m["relation"]) for m in sound["matches"]] == [
        ("a", "under_other_footage")
    ]
    page = (tmp_path / "report.html").read_text("utf-8")
    assert "<h3>Sound</h3>" in page and "laid under footage of another known video" in page

    folder = tmp_path / "incoming"
    folder.mkdir()
    for name in ("under_b", "sound_only", "unrelated"):
        (folder / f"{name}.mp4").write_bytes(scene[name].read_bytes())
    out, table = tmp_path / "rows.jsonl", tmp_path / "rows.csv"
    ran = run_cli("batch", str(folder), "--db", str(scene["bank"]), "--out", str(out),
                  "--csv", str(table), "--workers", "1")  # fmt: skip
    assert ran.exit_code == 0, ran.stderr
    rows = {}
    for line in out.read_text().splitlines():
        record = json.loads(line)
        validate(record, "batch")
        if record["kind"] == "file":
            rows[Path(record["path"]).stem] = record
    relations = {k: [m["relation"] for m in r["sound"]["matches"]] for k, r in rows.items()}
    assert relations == {"under_b": ["under_other_footage"], "sound_only": ["sound_only"],
                         "unrelated": []}  # fmt: skip
    with table.open(newline="", encoding="utf-8") as handle:
        cells = {Path(r["path"]).stem: r["sound_matches"] for r in csv.DictReader(handle)}
    assert cells["sound_only"].endswith("a.mp4 (sound_only)") and cells["unrelated"] == ""


def test_batch_adds_videos_with_their_sound(run_cli, scene, tmp_path):
    folder = tmp_path / "archive"
    folder.mkdir()
    for name in ("a", "mute"):
        (folder / f"{name}.mp4").write_bytes(scene[name].read_bytes())
    bank = tmp_path / "grown.sqlite"
    ran = run_cli("batch", str(folder), "--db", str(bank), "--add-to-bank", "--out",
                  str(tmp_path / "rows.jsonl"), "--workers", "1")  # fmt: skip
    assert ran.exit_code == 0, ran.stderr
    stats = json.loads(run_cli("index", "stats", "--json", "--db", str(bank)).stdout)
    assert (stats["videos"], stats["sound_videos"]) == (2, 1)  # the mute one has none
    document = _match(run_cli, {**scene, "bank": bank}, "sound_only")
    assert _sounds(document) == [("a", "sound_only")]


def test_a_report_on_a_voice_message_compares_its_sound(run_cli, scene, ffmpeg, tmp_path):
    voice = tmp_path / "voice.m4a"
    run_ffmpeg(ffmpeg, "-i", scene["a"], "-vn", "-c:a", "aac", "-b:a", "32k", voice)
    out, page = tmp_path / "voice.json", tmp_path / "voice.html"
    made = run_cli("report", str(voice), "-o", str(out), "--html", str(page), "--db",
                   str(scene["bank"]))  # fmt: skip
    assert made.exit_code == 0, made.stderr
    assert "known recording(s) heard (same recording)" in made.stdout
    document = json.loads(out.read_text())
    validate(document, "report")
    matching = document["matching"]
    assert matching["performed"] and matching["matches"] == []
    assert [m["relation"] for m in matching["sound"]["matches"]] == ["same_recording"]
    assert "it was compared by its sound" in page.read_text("utf-8")
