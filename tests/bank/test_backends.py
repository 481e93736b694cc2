"""One suite, both banks: SQLite and a real PostgreSQL server answer the same way.

Every test here runs twice, once per backend (`tests.conftest.BACKENDS`); the
PostgreSQL runs start a server on 127.0.0.1 for the session.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import BACKENDS, validate

pytestmark = pytest.mark.parametrize("backend", BACKENDS)


def _json(result) -> dict:
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout)


def _comparable(match_document: dict) -> list[tuple]:
    """What a match says, without where the bank lives."""
    return [
        (
            Path(m["path"]).name, m["sha256"], round(m["score"], 6), m["mirrored"],
            [(s["query_start"], s["query_end"], s["ref_start"], s["ref_end"])
             for s in m["segments"]],
        )
        for m in match_document["matches"]
    ]  # fmt: skip


@pytest.fixture(scope="module")
def matches_by_backend() -> dict[str, list]:
    return {}


def test_index_and_match_give_the_same_answers(
    backend, bank_location, run_cli, samples, matches_by_backend
):
    bank = bank_location("known")
    added = _json(run_cli("index", "add", "--json", "--db", bank, "--source", "archive",
                          str(samples / "original.mov")))  # fmt: skip
    validate(added, "index")
    assert added["added"] is True and added["video"]["added_by"]
    again = _json(run_cli("index", "add", "--json", "--db", bank, str(samples / "original.mov")))
    assert again["added"] is False
    match = _json(run_cli("match", "--json", "--db", bank, str(samples / "telegram_reencode.mp4")))
    validate(match, "match")
    assert [Path(m["path"]).name for m in match["matches"]] == ["original.mov"]
    matches_by_backend[backend] = _comparable(match)
    if len(matches_by_backend) == len(BACKENDS):
        first, second = matches_by_backend.values()
        assert first == second


def test_list_filters_show_stats_and_remove(backend, bank_location, run_cli, samples, tmp_path):
    bank = bank_location("listing")
    run_cli("index", "add", "--db", bank, "--source", "archive", str(samples / "original.mov"))
    run_cli(
        "index", "add", "--db", bank, "--source", "channel", str(samples / "vertical_rotated.mp4")
    )
    everything = _json(run_cli("index", "list", "--json", "--db", bank))
    validate(everything, "index")
    assert len(everything["videos"]) == 2
    archive = _json(run_cli("index", "list", "--json", "--db", bank, "--source", "archive"))
    assert [Path(v["path"]).name for v in archive["videos"]] == ["original.mov"]
    adder = everything["videos"][0]["added_by"]
    mine = _json(run_cli("index", "list", "--json", "--db", bank, "--added-by", adder))
    assert len(mine["videos"]) == 2
    nobody = _json(run_cli("index", "list", "--json", "--db", bank, "--added-by", "nobody-else"))
    assert nobody["videos"] == []
    sha = everything["videos"][0]["sha256"]
    shown = _json(run_cli("index", "show", "--json", "--db", bank, sha[:10]))
    validate(shown, "index")
    stats = _json(run_cli("index", "stats", "--json", "--db", bank))
    validate(stats, "index")
    assert stats["videos"] == 2 and stats["postings"] > 0
    removed = run_cli("index", "remove", "--db", bank, sha)
    assert removed.exit_code == 0, removed.stderr
    after = _json(run_cli("index", "stats", "--json", "--db", bank))
    assert after["videos"] == 1 and 0 < after["postings"] < stats["postings"]


def test_two_writers_adding_the_same_file_leave_one_row(backend, bank_location, samples, tmp_path):
    bank = bank_location("race")
    # Create the bank first, so both writers race on the video, not the schema.
    subprocess.run(
        [sys.executable, "-m", "verify.cli", "index", "list", "--db", bank],
        capture_output=True, check=False,
    )  # fmt: skip
    command = [sys.executable, "-m", "verify.cli", "index", "add", "--json", "--db", bank,
               str(samples / "original.mov")]  # fmt: skip
    writers = [subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
               for _ in range(3)]  # fmt: skip
    outcomes = []
    for writer in writers:
        out, err = writer.communicate(timeout=120)
        assert writer.returncode == 0, err.decode()
        outcomes.append(json.loads(out)["added"])
    assert sorted(outcomes) == [False, False, True]
    listing = subprocess.run(
        [sys.executable, "-m", "verify.cli", "index", "list", "--json", "--db", bank],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    assert len(json.loads(listing.stdout)["videos"]) == 1


def test_report_and_batch_against_the_bank(backend, bank_location, run_cli, samples, tmp_path):
    bank = bank_location("team")
    run_cli("index", "add", "--db", bank, str(samples / "original.mov"))
    report = tmp_path / "report.json"
    made = run_cli("report", str(samples / "telegram_reencode.mp4"), "-o", str(report),
                   "--db", bank)  # fmt: skip
    assert made.exit_code == 0, made.stderr
    document = json.loads(report.read_text())
    assert [Path(m["path"]).name for m in document["matching"]["matches"]] == ["original.mov"]
    folder = tmp_path / "incoming"
    folder.mkdir()
    (folder / "copy.mp4").write_bytes((samples / "telegram_reencode.mp4").read_bytes())
    out = tmp_path / "batch.jsonl"
    ran = run_cli("batch", str(folder), "--db", bank, "--add-to-bank", "--out", str(out),
                  "--workers", "1")  # fmt: skip
    assert ran.exit_code == 0, ran.stderr
    rows = [json.loads(line) for line in out.read_text().splitlines()]
    (row,) = [r for r in rows if r["kind"] == "file"]
    assert [Path(m["path"]).name for m in row["bank_matches"]] == ["original.mov"]
    listing = _json(run_cli("index", "list", "--json", "--db", bank))
    assert len(listing["videos"]) == 2
    text = report.read_text() + out.read_text()
    if backend == "postgresql":
        assert "s3cret-pass" not in text
        assert "***" in text or "analyst@" in text


def test_export_import_round_trip_between_backends(
    backend, bank_location, run_cli, samples, tmp_path, request
):
    """A bank moved to the other backend and back matches as before, every record intact."""
    other = "sqlite" if backend == "postgresql" else "postgresql"
    source = bank_location("origin")
    run_cli("index", "add", "--db", source, "--source", "archive", str(samples / "original.mov"))
    run_cli("index", "add", "--db", source, str(samples / "vertical_rotated.mp4"))
    listing = tmp_path / "list.txt"
    listing.write_text(run_cli("hash", "--format", "pytx", str(samples / "original.mov")).stdout)
    run_cli("index", "import-hashes", "--db", source, "--format", "pytx", "--source", "partner",
            str(listing))  # fmt: skip
    export = tmp_path / "bank.jsonl"
    written = _json(run_cli("index", "export", "--json", "--db", source, "-o", str(export)))
    validate(written, "index")
    assert (written["videos"], written["list_entries"]) == (2, 2)
    for line in export.read_text("utf-8").splitlines():
        validate(json.loads(line), "bank-export")
    if other == "postgresql":
        target = request.getfixturevalue("postgres_server").create_database(f"moved_{backend}")
    else:
        target = str(tmp_path / "moved.sqlite")
    imported = _json(run_cli("index", "import", "--json", "--db", target, str(export)))
    validate(imported, "index")
    assert (imported["added"], imported["already_there"]) == (2, 0)
    assert (imported["list_entries"], imported["list_entries_added"]) == (2, 2)
    again = _json(run_cli("index", "import", "--json", "--db", target, str(export)))
    assert (again["added"], again["already_there"], again["list_entries_added"]) == (0, 2, 0)
    before = _json(run_cli("index", "list", "--json", "--db", source))["videos"]
    after = _json(run_cli("index", "list", "--json", "--db", target))["videos"]
    assert before == after  # who added, when, from where: all kept
    clip = str(samples / "telegram_reencode.mp4")
    first = _json(run_cli("match", "--json", "--db", source, clip))
    second = _json(run_cli("match", "--json", "--db", target, clip))
    assert _comparable(first) == _comparable(second) != []
    # The shared list came along, with who imported it and when.
    listed = [{k: v for k, v in m.items() if k != "id"} for m in first["list_matches"]]
    assert listed == [{k: v for k, v in m.items() if k != "id"} for m in second["list_matches"]]
    assert [m["list"] for m in listed] == ["partner"]


def test_damaged_export_imports_nothing(backend, bank_location, run_cli, samples, tmp_path):
    source = bank_location("exported")
    run_cli("index", "add", "--db", source, str(samples / "original.mov"))
    run_cli("index", "add", "--db", source, str(samples / "vertical_rotated.mp4"))
    export = tmp_path / "bank.jsonl"
    run_cli("index", "export", "--db", source, "-o", str(export))
    lines = export.read_text("utf-8").splitlines()
    changed = tmp_path / "changed.jsonl"
    changed.write_text("\n".join([lines[0], lines[1], lines[2].replace('"path":"', '"path":"X')]))
    cut = tmp_path / "cut.jsonl"
    cut.write_text("\n".join(lines[:2]) + "\n")
    target = bank_location("target")
    run_cli("index", "add", "--db", target, str(samples / "telegram_reencode.mp4"))
    for bad, reason in ((changed, "line 3 fails its checksum"), (cut, "incomplete")):
        result = run_cli("index", "import", "--db", target, str(bad))
        assert result.exit_code == 3, result.stderr
        assert reason in result.stderr and "Traceback" not in result.stderr
    listing = _json(run_cli("index", "list", "--json", "--db", target))
    assert len(listing["videos"]) == 1


def test_export_is_one_snapshot_while_others_write(backend, bank_location, run_cli, samples):
    """A video removed by another analyst mid-export is still exported whole: the export
    reads the bank as it stood at its first read."""
    from verify import open_bank

    location = bank_location("busy")
    for name in ("original.mov", "vertical_rotated.mp4"):
        run_cli("index", "add", "--db", location, str(samples / name))
    with open_bank(location) as exporting, open_bank(location) as other:
        with exporting.snapshot():
            listed = exporting.videos()
            assert len(listed) == 2
            other.remove(listed[0].sha256)
            assert other.video_count() == 1
            assert exporting.frame_rows(listed[0].id).size > 0
            assert len(exporting.videos()) == 2
        assert exporting.video_count() == 1  # after it, the removal shows


def test_lists_are_listed_and_a_withdrawn_list_is_removed(
    backend, bank_location, run_cli, samples, tmp_path
):
    """`index lists` counts each list's entries; `index remove-list` takes one list away
    (its entries no longer match) and leaves the other lists and the videos alone."""
    bank = bank_location("withdrawn")
    run_cli("index", "add", "--db", bank, str(samples / "original.mov"))
    listing = tmp_path / "list.txt"
    listing.write_text(run_cli("hash", "--format", "pytx", str(samples / "original.mov")).stdout)
    for name in ("partner", "other partner"):
        run_cli("index", "import-hashes", "--db", bank, "--format", "pytx", "--source", name,
                str(listing))  # fmt: skip
    lists = _json(run_cli("index", "lists", "--json", "--db", bank))
    validate(lists, "index")
    assert [(s["list"], s["entries"], s["signal_types"]) for s in lists["lists"]] == [
        ("other partner", 2, {"video_md5": 1, "video_vpdq": 1}),
        ("partner", 2, {"video_md5": 1, "video_vpdq": 1}),
    ]
    assert all(s["added_by"] and s["first_added"] <= s["last_added"] for s in lists["lists"])
    clip = str(samples / "telegram_reencode.mp4")
    before = _json(run_cli("match", "--json", "--db", bank, clip))
    assert sorted({m["list"] for m in before["list_matches"]}) == ["other partner", "partner"]

    removed = _json(run_cli("index", "remove-list", "--json", "--db", bank, "partner"))
    validate(removed, "index")
    assert (removed["list"], removed["entries"]) == ("partner", 2)
    after = _json(run_cli("match", "--json", "--db", bank, clip))
    assert {m["list"] for m in after["list_matches"]} == {"other partner"}
    assert _comparable(after) == _comparable(before) != []  # the bank's videos still match
    left = _json(run_cli("index", "lists", "--json", "--db", bank))["lists"]
    assert [s["list"] for s in left] == ["other partner"]
    stats = _json(run_cli("index", "stats", "--json", "--db", bank))
    assert stats["list_entries"] == 2
    # The removed entries' postings went with them: lookups find only entries that exist.
    from verify.bank import open_bank
    from verify.lists.signals import file_signals
    from verify.lists.stored import pdq_keys

    hashed = file_signals(samples / "original.mov").vpdq
    with open_bank(bank, readonly=True) as opened:
        found = opened.list_candidates(pdq_keys(f.pdq.value for f in hashed.features), limit=10)
        assert len(found) == 1
        [(record, _hashes)] = opened.list_entries([found[0][0]]).values()
        assert record.list == "other partner"

    again = run_cli("index", "remove-list", "--db", bank, "partner")
    assert again.exit_code == 7, again.stderr
    assert "no list 'partner' in the bank" in again.stderr
    assert len(again.stderr.strip().splitlines()) == 1


def test_sound_is_stored_moved_and_removed_with_its_video(
    backend, bank_location, run_cli, tmp_path, ffmpeg, request
):
    """A video's sound goes into the bank with it, is found by its posted landmarks, moves
    through an export to the other backend, and leaves with the video."""
    from tests.audio.tunes import tune, write_wav
    from tests.conftest import run_ffmpeg
    from verify import open_bank

    sound = write_wav(tmp_path / "tune.wav", tune(7, 8.0))
    known, clip = tmp_path / "known.mp4", tmp_path / "clip.mp4"
    run_ffmpeg(ffmpeg, "-f", "lavfi", "-i", "mandelbrot=size=160x120:rate=25", "-i", sound,
               "-t", "8", "-c:v", "libx264", "-preset", "veryfast", "-c:a", "aac",
               known)  # fmt: skip
    # Its sound alone, under a picture nobody knows.
    run_ffmpeg(ffmpeg, "-f", "lavfi", "-i", "testsrc2=size=160x120:rate=25", "-i", known,
               "-map", "0:v", "-map", "1:a", "-t", "8", "-c:v", "libx264", "-preset", "veryfast",
               "-c:a", "aac", "-b:a", "48k", clip)  # fmt: skip
    bank = bank_location("sound")
    added = _json(run_cli("index", "add", "--json", "--db", bank, str(known)))
    validate(added, "index")
    assert added["sound_landmarks"] > 100
    stats = _json(run_cli("index", "stats", "--json", "--db", bank))
    validate(stats, "index")
    assert stats["sound_videos"] == 1 and 0 < stats["sound_postings"] < added["sound_landmarks"]
    heard = _json(run_cli("match", "--json", "--db", bank, str(clip)))
    assert [(Path(m["path"]).name, m["relation"]) for m in heard["sound"]["matches"]] == [
        ("known.mp4", "sound_only")
    ]

    export = tmp_path / "bank.jsonl"
    _json(run_cli("index", "export", "--json", "--db", bank, "-o", str(export)))
    lines = [json.loads(line) for line in export.read_text("utf-8").splitlines()]
    for line in lines:
        validate(line, "bank-export")
    assert "landmarks" in lines[1]["sound"]
    if backend == "sqlite":
        target = request.getfixturevalue("postgres_server").create_database("moved_sound")
    else:
        target = str(tmp_path / "moved.sqlite")
    _json(run_cli("index", "import", "--json", "--db", target, str(export)))
    moved = _json(run_cli("match", "--json", "--db", target, str(clip)))
    strip = ("path",)
    assert [{k: v for k, v in m.items() if k not in strip} for m in moved["sound"]["matches"]] == [
        {k: v for k, v in m.items() if k not in strip} for m in heard["sound"]["matches"]
    ]

    with open_bank(bank, readonly=True) as opened:
        video_id = opened.find(added["video"]["sha256"]).id
        assert opened.known_audio([video_id])[video_id].count == added["sound_landmarks"]
    removed = run_cli("index", "remove", "--db", bank, added["video"]["sha256"])
    assert removed.exit_code == 0, removed.stderr
    after = _json(run_cli("index", "stats", "--json", "--db", bank))
    assert (after["sound_videos"], after["sound_postings"]) == (0, 0)
    with open_bank(bank, readonly=True) as opened:
        assert opened.known_audio([video_id]) == {}
