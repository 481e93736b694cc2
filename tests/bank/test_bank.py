"""The bank of known copies (`verify index`) and matching (`verify match`)."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from tests.conftest import run_ffmpeg, sha256_of, validate
from verify.bank.records import FLAG_NO_UPPER, FLAG_UNIFORM, FRAME_DTYPE_2
from verify.bank.sqlite import SCHEMA_VERSION
from verify.bank.sqlite import SqliteBank as Bank
from verify.bank.store import slice_keys
from verify.config import MATCH
from verify.errors import ExitCode
from verify.hashing.fingerprint import fingerprint_video
from verify.matching.match import match_fingerprint

# Segment edges must land within this many seconds of the truth (issue goal).
EDGE_TOLERANCE = 0.3


@pytest.fixture(scope="session")
def known_bank(tmp_path_factory, samples) -> Path:
    """A bank holding the original sample and the vertical clip."""
    path = tmp_path_factory.mktemp("bank") / "known.sqlite"
    with Bank(path) as bank:
        from verify.bank.indexing import index_file

        index_file(
            bank, samples / "original.mov", source="archive", posted_at="2022-04-03T07:00:00Z"
        )
        index_file(bank, samples / "vertical_rotated.mp4", source="archive")
    return path


@pytest.fixture
def bank_copy(known_bank, tmp_path) -> Path:
    target = tmp_path / "bank.sqlite"
    target.write_bytes(known_bank.read_bytes())
    return target


def run_match(run_cli, bank: Path, clip: Path, *extra: str) -> dict:
    result = run_cli("match", "--json", "--db", str(bank), str(clip), *extra)
    assert result.exit_code == 0, result.stderr
    document = json.loads(result.stdout)
    validate(document, "match")
    return document


def assert_segment(segment: dict, query: tuple[float, float], ref: tuple[float, float]) -> None:
    """Segment edges within the goal's tolerance of the truth."""
    assert segment["query_start"] == pytest.approx(query[0], abs=EDGE_TOLERANCE)
    assert segment["query_end"] == pytest.approx(query[1], abs=EDGE_TOLERANCE)
    assert segment["ref_start"] == pytest.approx(ref[0], abs=EDGE_TOLERANCE)
    assert segment["ref_end"] == pytest.approx(ref[1], abs=EDGE_TOLERANCE)


# --- index ---------------------------------------------------------------------


def test_add_is_idempotent(run_cli, samples, tmp_path):
    bank = tmp_path / "b.sqlite"
    first = run_cli("index", "add", "--json", "--db", str(bank), str(samples / "original.mov"))
    assert first.exit_code == 0, first.stderr
    document = json.loads(first.stdout)
    validate(document, "index")
    assert document["added"] is True
    assert document["video"]["summary"]["device"]["model"] == "iPhone 12 Pro"
    before = sha256_of(bank)
    again = run_cli("index", "add", "--json", "--db", str(bank), str(samples / "original.mov"))
    assert json.loads(again.stdout)["added"] is False
    assert sha256_of(bank) == before
    listing = json.loads(run_cli("index", "list", "--json", "--db", str(bank)).stdout)
    validate(listing, "index")
    assert len(listing["videos"]) == 1


def test_add_folder_with_a_bad_file(run_cli, samples, tmp_path):
    bank = tmp_path / "b.sqlite"
    result = run_cli("index", "add", "--json", "--db", str(bank), str(samples))
    assert result.exit_code == ExitCode.PARTIAL  # truncated.mp4 cannot be read
    entries = json.loads(result.stdout)
    validate(entries, "index")
    failed = [e for e in entries if not e["ok"]]
    assert [Path(e["path"]).name for e in failed] == ["truncated.mp4"]
    assert "truncated.mp4" in result.stderr


def test_add_records_provenance(run_cli, samples, tmp_path):
    bank = tmp_path / "b.sqlite"
    result = run_cli(
        "index",
        "add",
        "--db",
        str(bank),
        "--source",
        "t.me/somechannel",
        "--posted",
        "2022-04-03T10:00:00+03:00",
        "--url",
        "https://t.me/somechannel/42",
        str(samples / "original.mov"),
    )
    assert result.exit_code == 0, result.stderr
    shown = json.loads(run_cli("index", "show", "--json", "--db", str(bank), "54849b69").stdout)
    validate(shown, "index")
    assert shown["source"] == "t.me/somechannel"
    assert shown["posted_at"] == "2022-04-03T07:00:00Z"
    assert shown["url"] == "https://t.me/somechannel/42"
    assert len(shown["frames"]) == shown["frame_count"] == 16


def test_bad_posted_time_is_a_usage_error(run_cli, samples, tmp_path):
    result = run_cli(
        "index",
        "add",
        "--db",
        str(tmp_path / "b.sqlite"),
        "--posted",
        "last tuesday",
        str(samples / "original.mov"),
    )
    assert result.exit_code == ExitCode.USAGE


def test_remove_and_stats(run_cli, bank_copy):
    stats = json.loads(run_cli("index", "stats", "--json", "--db", str(bank_copy)).stdout)
    validate(stats, "index")
    assert stats["videos"] == 2
    removed = run_cli("index", "remove", "--db", str(bank_copy), "54849b69")
    assert removed.exit_code == 0, removed.stderr
    after = json.loads(run_cli("index", "stats", "--json", "--db", str(bank_copy)).stdout)
    assert after["videos"] == 1
    assert after["postings"] < stats["postings"]
    missing = run_cli("index", "remove", "--db", str(bank_copy), "54849b69")
    assert missing.exit_code == ExitCode.BANK


def test_default_bank_location_from_environment(run_cli, samples, tmp_path):
    env = {"VERIFY_DB": str(tmp_path / "env-bank.sqlite")}
    result = run_cli("index", "add", str(samples / "original.mov"), env=env)
    assert result.exit_code == 0, result.stderr
    assert (tmp_path / "env-bank.sqlite").exists()


# --- match -----------------------------------------------------------------------


def test_reencode_matches_whole_original(run_cli, known_bank, samples):
    document = run_match(run_cli, known_bank, samples / "telegram_reencode.mp4")
    assert len(document["matches"]) == 1
    best = document["matches"][0]
    assert Path(best["path"]).name == "original.mov"
    assert best["score"] > 0.9
    assert best["posted_at"] == "2022-04-03T07:00:00Z"
    (segment,) = best["segments"]
    assert_segment(segment, (0, 8), (0, 8))


def test_excerpt_is_located(run_cli, known_bank, samples, ffmpeg, tmp_path):
    excerpt = tmp_path / "excerpt.mp4"
    run_ffmpeg(
        ffmpeg,
        "-ss",
        "2.5",
        "-i",
        str(samples / "original.mov"),
        "-t",
        "4",
        "-vf",
        "scale=480:270",
        "-c:v",
        "libx264",
        "-crf",
        "27",
        str(excerpt),
    )
    best = run_match(run_cli, known_bank, excerpt)["matches"][0]
    (segment,) = best["segments"]
    assert_segment(segment, (0, 4), (2.5, 6.5))


def test_compilation_of_two_known_videos(run_cli, known_bank, samples, ffmpeg, tmp_path):
    """Clip = original 1-4 s, then the vertical clip 0.5-3 s (pillarboxed)."""
    clip = tmp_path / "compilation.mp4"
    graph = (
        "[0:v]trim=1:4,setpts=PTS-STARTPTS,scale=640:360,setsar=1[a];"
        "[1:v]trim=0.5:3,setpts=PTS-STARTPTS,scale=-2:360,pad=640:360:(ow-iw)/2:0,setsar=1[b];"
        "[a][b]concat=n=2:v=1:a=0"
    )
    run_ffmpeg(
        ffmpeg,
        "-i",
        str(samples / "original.mov"),
        "-i",
        str(samples / "vertical_rotated.mp4"),
        "-filter_complex",
        graph,
        "-c:v",
        "libx264",
        "-crf",
        "24",
        str(clip),
    )
    matches = {Path(m["path"]).name: m for m in run_match(run_cli, known_bank, clip)["matches"]}
    assert set(matches) == {"original.mov", "vertical_rotated.mp4"}
    first = matches["original.mov"]["segments"][0]
    assert (first["query_start"], first["ref_start"]) == pytest.approx((0, 1), abs=EDGE_TOLERANCE)
    assert first["query_end"] == pytest.approx(3, abs=EDGE_TOLERANCE)
    second = matches["vertical_rotated.mp4"]["segments"][0]
    assert second["query_start"] == pytest.approx(3, abs=EDGE_TOLERANCE)
    assert second["ref_start"] == pytest.approx(0.5, abs=EDGE_TOLERANCE)


@pytest.mark.parametrize(
    ("name", "filters"),
    [
        ("mirror", "hflip"),
        ("crop", "crop=iw*0.86:ih*0.86,scale=640:360"),
        (
            "caption",
            "drawbox=x=0:y=ih-60:w=iw:h=60:color=black@0.7:t=fill,"
            "drawbox=x=iw-120:y=12:w=100:h=40:color=white@0.9:t=fill",
        ),
        ("grey-graded", "hue=s=0,eq=contrast=1.25:brightness=0.05"),
        ("pip", "scale=320:180,pad=640:360:40:60:color=0x203040"),
    ],
)
def test_transformed_copies_match(run_cli, known_bank, samples, ffmpeg, tmp_path, name, filters):
    copy = tmp_path / f"{name}.mp4"
    run_ffmpeg(
        ffmpeg,
        "-i",
        str(samples / "original.mov"),
        "-vf",
        filters,
        "-c:v",
        "libx264",
        "-crf",
        "25",
        str(copy),
    )
    matches = run_match(run_cli, known_bank, copy)["matches"]
    assert [Path(m["path"]).name for m in matches] == ["original.mov"]
    assert matches[0]["mirrored"] is (name == "mirror")
    covered = sum(s["query_end"] - s["query_start"] for s in matches[0]["segments"])
    assert covered > 6


def test_unrelated_clip_does_not_match(run_cli, known_bank, media):
    src = ("-f", "lavfi", "-i", "cellauto=rule=110:size=640x360:rate=25", "-t", "6")
    clip = media("unrelated.mp4", "-c:v", "libx264", src=src)
    assert run_match(run_cli, known_bank, clip)["matches"] == []
    result = run_cli("match", "--db", str(known_bank), "--fail-on-no-match", str(clip))
    assert result.exit_code == ExitCode.NO_MATCH
    assert "no match" in result.stdout


def test_dark_low_detail_clip_does_not_match(run_cli, known_bank, media):
    src = (
        "-f",
        "lavfi",
        "-i",
        "color=0x101010:size=640x360:rate=25:duration=6,noise=alls=6:allf=t",
    )
    clip = media("dark.mp4", "-c:v", "libx264", src=src)
    assert run_match(run_cli, known_bank, clip)["matches"] == []


def test_match_text_output(run_cli, known_bank, samples):
    result = run_cli("match", "--db", str(known_bank), str(samples / "telegram_reencode.mp4"))
    assert result.exit_code == 0
    assert "1 known video matched" in result.stdout
    assert "clip 00:00:00.000-00:00:08.000  =  known 00:00:00.000-00:00:08.000" in result.stdout


# --- bad banks and queries ---------------------------------------------------------


def test_bank_in_missing_folder(run_cli, samples, tmp_path):
    result = run_cli(
        "index", "add", "--db", str(tmp_path / "nope" / "b.sqlite"), str(samples / "original.mov")
    )
    assert result.exit_code == ExitCode.BANK
    assert "does not exist" in result.stderr
    assert not (tmp_path / "nope").exists()


def run_without_write_power(run_cli, *args: str):
    """Run the CLI unable to write read-only files, even as root."""
    if os.geteuid() != 0:
        return run_cli(*args)
    result = subprocess.run(
        ["setpriv", "--bounding-set", "-dac_override", "--", sys.executable, "-m", "verify.cli",
         *args],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    result.exit_code = result.returncode  # type: ignore[attr-defined]
    return result


def test_read_only_bank_is_left_unchanged(run_cli, samples, bank_copy):
    before = sha256_of(bank_copy)
    bank_copy.chmod(0o444)
    try:
        result = run_without_write_power(
            run_cli, "index", "add", "--db", str(bank_copy), str(samples / "cropped.mp4")
        )
        assert result.exit_code == ExitCode.BANK
        assert "read-only" in result.stderr
        assert sha256_of(bank_copy) == before
        # Reading still works.
        assert run_cli("index", "list", "--db", str(bank_copy)).exit_code == 0
    finally:
        bank_copy.chmod(0o644)


def test_not_a_bank(run_cli, samples, tmp_path):
    text = tmp_path / "notes.sqlite"
    text.write_text("this is not a database, just text " * 100)
    before = sha256_of(text)
    result = run_cli("index", "add", "--db", str(text), str(samples / "original.mov"))
    assert result.exit_code == ExitCode.BANK
    assert "not a verify bank" in result.stderr
    assert sha256_of(text) == before
    other = tmp_path / "other.sqlite"
    with sqlite3.connect(other) as db:
        db.execute("CREATE TABLE t (x)")
    result = run_cli("match", "--db", str(other), str(samples / "original.mov"))
    assert result.exit_code == ExitCode.BANK
    assert "not a verify bank" in result.stderr


def test_bank_from_newer_version(run_cli, samples, bank_copy):
    with sqlite3.connect(bank_copy) as db:
        db.execute("PRAGMA user_version = 99")
    before = sha256_of(bank_copy)
    result = run_cli("index", "add", "--db", str(bank_copy), str(samples / "cropped.mp4"))
    assert result.exit_code == ExitCode.BANK
    assert "newer" in result.stderr
    assert sha256_of(bank_copy) == before


def _downgrade(bank: Path, version: int) -> set[tuple[int, int]]:
    """Make a bank look like schema ``version`` (1: no centre 70 % postings; 1 and 2: frames
    stored without the upper 75 % hash; 1 to 3: no added_by; 1 to 4: no list tables; 1 to 5:
    no sound tables); return its full postings."""
    with Bank(bank) as opened:
        frames = {v.id: opened.frame_rows(v.id) for v in opened.videos()}
    with sqlite3.connect(bank) as db:
        full = set(db.execute("SELECT key, video_id FROM postings"))
        db.execute("DROP TABLE audio_postings")
        db.execute("DROP TABLE audio")
        if version == 5:
            db.execute("PRAGMA user_version = 5")
            return full
        db.execute("DROP TABLE list_postings")
        db.execute("DROP TABLE list_entries")
        if version == 4:
            db.execute("PRAGMA user_version = 4")
            return full
        db.execute("ALTER TABLE videos DROP COLUMN added_by")
        if version == 3:
            db.execute("PRAGMA user_version = 3")
            return full
        for video_id, rows in frames.items():
            old = np.zeros(rows.size, FRAME_DTYPE_2)
            for name in FRAME_DTYPE_2.names:
                old[name] = rows[name]
            db.execute("UPDATE videos SET frames = ? WHERE id = ?", (old.tobytes(), video_id))
        if version == 1:
            db.execute("DELETE FROM postings")
            for video_id, rows in frames.items():
                usable = rows[(rows["flags"] & FLAG_UNIFORM) == 0]
                keys = slice_keys(
                    int(v) for form in ("phash", "centre85", "inset") for v in usable[form]
                )
                db.executemany(
                    "INSERT OR IGNORE INTO postings VALUES (?, ?)", ((k, video_id) for k in keys)
                )
        db.execute(f"PRAGMA user_version = {version}")
    return full


def test_schema_1_bank_is_upgraded_when_read(run_cli, samples, bank_copy):
    full = _downgrade(bank_copy, 1)
    with sqlite3.connect(bank_copy) as db:
        assert len(full) > db.execute("SELECT count(*) FROM postings").fetchone()[0]
    document = run_match(run_cli, bank_copy, samples / "telegram_reencode.mp4")
    assert document["matches"]
    with sqlite3.connect(bank_copy) as db:
        assert db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
        assert set(db.execute("SELECT key, video_id FROM postings")) == full


def test_schema_2_frames_are_kept_without_the_upper_hash(run_cli, samples, bank_copy):
    """Frames stored before schema 3 have no upper 75 % hash: flagged, and matching does without."""
    with Bank(bank_copy) as opened:
        before = {v.id: opened.frame_rows(v.id) for v in opened.videos()}
    _downgrade(bank_copy, 2)
    document = run_match(run_cli, bank_copy, samples / "telegram_reencode.mp4")
    assert [Path(m["path"]).name for m in document["matches"]] == ["original.mov"]
    with Bank(bank_copy, readonly=True) as opened:
        for video_id, rows in before.items():
            after = opened.frame_rows(video_id)
            assert np.all(after["flags"] & FLAG_NO_UPPER)
            assert np.array_equal(after["flags"] ^ FLAG_NO_UPPER, rows["flags"])
            for name in FRAME_DTYPE_2.names:
                if name != "flags":
                    assert np.array_equal(after[name], rows[name])


def test_schema_3_bank_learns_who_adds(run_cli, samples, bank_copy, tmp_path):
    _downgrade(bank_copy, 3)
    listed = run_cli("index", "list", "--json", "--db", str(bank_copy))
    assert listed.exit_code == 0, listed.stderr
    assert {v["added_by"] for v in json.loads(listed.stdout)["videos"]} == {None}
    clip = tmp_path / "copy.mp4"
    clip.write_bytes((samples / "telegram_reencode.mp4").read_bytes())
    added = run_cli("index", "add", "--json", "--db", str(bank_copy), str(clip))
    assert json.loads(added.stdout)["video"]["added_by"]
    with sqlite3.connect(bank_copy) as db:
        assert db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION


def test_read_only_schema_1_bank_is_left_unchanged(run_cli, samples, bank_copy):
    _downgrade(bank_copy, 1)
    before = sha256_of(bank_copy)
    bank_copy.chmod(0o444)
    try:
        result = run_without_write_power(
            run_cli, "match", "--db", str(bank_copy), str(samples / "telegram_reencode.mp4")
        )
    finally:
        bank_copy.chmod(0o644)
    assert result.exit_code == ExitCode.BANK
    assert "cannot be upgraded" in result.stderr
    assert sha256_of(bank_copy) == before


def test_query_that_is_not_a_video(run_cli, known_bank, tmp_path):
    text = tmp_path / "clip.mp4"
    text.write_text("not a video")
    result = run_cli("match", "--db", str(known_bank), str(text))
    assert result.exit_code == ExitCode.MEDIA
    assert len(result.stderr.strip().splitlines()) == 1


class _NoJson:
    """An SQLite connection as one built without JSON answers: statements reading
    ``json_each`` fail as they would there; everything else goes to the real one."""

    def __init__(self, db: sqlite3.Connection, message: str = "no such table: json_each"):
        self._db, self._message = db, message

    def execute(self, sql: str, *args):
        if "json_each" in sql:
            raise sqlite3.OperationalError(self._message)
        return self._db.execute(sql, *args)

    def __getattr__(self, name: str):
        return getattr(self._db, name)


def test_lookups_count_the_same_votes_without_sqlite_json(known_bank, samples):
    """Lookups pass their keys as JSON; an SQLite built without JSON gets them through a
    temporary table, with the same votes; any other error is the bank's error."""
    from verify.errors import BankError

    clip = fingerprint_video(samples / "telegram_reencode.mp4")
    keys = slice_keys(clip.table().indexed_hashes())
    with Bank(known_bank, readonly=True) as bank:
        by_json = bank.candidates(keys, min_votes=1, limit=10)
        assert bank._json_keys  # the JSON way was taken
        original = Path(bank.video_by_id(by_json[0][0]).path).name
        real = bank._db
        bank._db = _NoJson(real, "disk I/O error")
        with pytest.raises(BankError, match="disk I/O error"):
            bank.candidates(keys, min_votes=1, limit=10)
        assert bank._json_keys  # not taken for a missing JSON
        bank._db = _NoJson(real)
        by_table = bank.candidates(keys, min_votes=1, limit=10)
        assert not bank._json_keys  # from now on, the temporary table
        by_table_again = bank.candidates(sorted(keys)[:40], min_votes=1, limit=10)
        bank._db = real
    assert by_json == by_table
    assert original == "original.mov" and by_json[0][1] > 100
    assert 1 <= by_table_again[0][1] <= 40  # the table holds the new keys only


def test_match_without_a_bank(run_cli, samples, tmp_path):
    result = run_cli("match", "--db", str(tmp_path / "none.sqlite"), str(samples / "original.mov"))
    assert result.exit_code == ExitCode.BANK
    assert "no bank here yet" in result.stderr


def test_two_writers_at_once(samples, tmp_path, ffmpeg):
    """Two `index add` processes on one bank: no corruption, no lost rows."""
    bank = tmp_path / "shared.sqlite"
    folders = [tmp_path / "a", tmp_path / "b"]
    for n, folder in enumerate(folders):
        folder.mkdir()
        for k in range(3):
            run_ffmpeg(
                ffmpeg,
                "-f",
                "lavfi",
                "-i",
                f"testsrc2=size=320x180:rate=25:duration={2 + k + 3 * n}",
                "-c:v",
                "libx264",
                str(folder / f"clip{k}.mp4"),
            )
    procs = [
        subprocess.Popen(
            [sys.executable, "-m", "verify.cli", "index", "add", "--db", str(bank), str(folder)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        for folder in folders
    ]
    for proc in procs:
        _, err = proc.communicate(timeout=300)
        assert proc.returncode == 0, err.decode()
    with sqlite3.connect(bank) as db:
        assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert db.execute("SELECT count(*) FROM videos").fetchone()[0] == 6


def test_library_match_api(known_bank, samples):
    with Bank(known_bank, readonly=True) as bank:
        report = match_fingerprint(fingerprint_video(samples / "stripped.mp4"), bank)
    assert report.matches and report.matches[0].video.path.endswith("original.mov")


# --- hard footage: still pictures in a news frame, fast motion --------------------


@pytest.fixture(scope="module")
def hard_bank(tmp_path_factory, samples, ffmpeg) -> dict[str, Path]:
    """A bank of a still shot (the sample photo, grain only) and a fast-turning pattern."""
    folder = tmp_path_factory.mktemp("hard")
    still = folder / "still.mp4"
    run_ffmpeg(
        ffmpeg, "-loop", "1", "-framerate", "30", "-i", str(samples / "photo.jpg"), "-t", "8",
        "-vf", "scale=640:360,noise=alls=4:allf=t,format=yuv420p", "-c:v", "libx264", str(still),
    )  # fmt: skip
    turning = folder / "turning.mp4"
    run_ffmpeg(
        ffmpeg, "-f", "lavfi", "-i", "testsrc2=size=640x360:rate=30:duration=10",
        "-vf", "rotate=a=1.3*t,format=yuv420p", "-c:v", "libx264", str(turning),
    )  # fmt: skip
    plain = folder / "plain.mp4"  # a detailed shot, then soft drifting shades
    shades = "geq=lum='128+90*sin(X/60+T)*sin(Y/45-T*0.5)':cb=128:cr=128"
    run_ffmpeg(
        ffmpeg, "-f", "lavfi", "-i", "testsrc2=size=640x360:rate=30:duration=3",
        "-f", "lavfi", "-i", f"color=c=gray:size=640x360:rate=30:duration=5,{shades}",
        "-filter_complex", "[0:v][1:v]concat=n=2:v=1:a=0,noise=alls=3:allf=t,format=yuv420p[v]",
        "-map", "[v]", "-c:v", "libx264", str(plain),
    )  # fmt: skip
    slides = folder / "slides.mp4"
    run_ffmpeg(
        ffmpeg, "-f", "lavfi", "-i", f"{slide_show(4)},format=yuv420p", "-t", "12",
        "-c:v", "libx264", str(slides),
    )  # fmt: skip
    bank = folder / "hard.sqlite"
    with Bank(bank) as opened:
        from verify.bank.indexing import index_file

        for video in (still, turning, plain, slides):
            index_file(opened, video)
    return {"bank": bank, "still": still, "turning": turning, "plain": plain, "slides": slides}


def slide_show(count: int, seconds: float = 3.0) -> str:
    """A lavfi graph of ``count`` statement slides (a flat title band, lines of 'text' as
    bars), each shown for ``seconds``: changes fall on the bank's 0.5 s grid."""
    parts = ["color=c=0x14213d:size=640x360:rate=30", "drawbox=0:0:640:60:0xfca311:t=fill"]
    for i in range(count):
        enable = f"enable='between(t,{i * seconds},{(i + 1) * seconds - 0.001})'"
        parts.append(f"drawbox=24:18:{120 + 60 * i}:24:0x14213d:t=fill:{enable}")
        for j in range(3 + i % 3):
            width = 160 + (97 * (i + 1) * (j + 2)) % 400
            parts.append(f"drawbox=40:{90 + 44 * j}:{width}:26:white:t=fill:{enable}")
    return ",".join([*parts, "noise=alls=2:allf=t"])


def test_still_footage_in_a_news_frame_matches(run_cli, hard_bank, samples, ffmpeg, tmp_path):
    """No motion to find the window by: its outline is found instead."""
    copy = tmp_path / "news.mp4"
    graph = (
        "[0:v]scale=320:180[inset];[1:v]scale=200:150[thumb];"
        "color=c=0x0b2a5b:size=640x360:rate=30[bg];"
        "[bg][inset]overlay=x=40:y=70:shortest=1[a];[a][thumb]overlay=x=400:y=150,"
        "drawbox=x=36:y=66:w=328:h=188:color=white@0.8:t=2,"
        "drawbox=x=0:y=0:w=640:h=52:color=0x14417f:t=fill,"
        "drawbox=x=16:y=12:w=130:h=30:color=0xd01010:t=fill,format=yuv420p[v]"
    )
    run_ffmpeg(
        ffmpeg, "-i", str(hard_bank["still"]), "-loop", "1", "-i", str(samples / "photo.jpg"),
        "-filter_complex", graph, "-map", "[v]", "-t", "8", "-c:v", "libx264", str(copy),
    )  # fmt: skip
    fingerprint = fingerprint_video(copy, "fps=2")
    assert fingerprint.inset is not None
    assert fingerprint_video(hard_bank["still"], "fps=2").inset is None
    matches = run_match(run_cli, hard_bank["bank"], copy)["matches"]
    assert [Path(m["path"]).name for m in matches] == ["still.mp4"]


def test_still_footage_keeps_the_known_timeline(run_cli, hard_bank, ffmpeg, tmp_path):
    """A re-encoded still shot could align anywhere nearby; the same timeline is reported."""
    copy = tmp_path / "still_copy.mp4"
    run_ffmpeg(ffmpeg, "-i", str(hard_bank["still"]), "-c:v", "libx264", "-crf", "28", str(copy))
    matches = run_match(run_cli, hard_bank["bank"], copy)["matches"]
    assert [Path(m["path"]).name for m in matches] == ["still.mp4"]
    (segment,) = matches[0]["segments"]
    assert_segment(segment, (0, 8), (0, 8))


@pytest.mark.parametrize(
    ("known", "start", "length"),
    [
        # Cut 0.1 s off the bank's 0.5 s grid from footage turning 75 degrees a second.
        ("turning", 2.4, 5),
        # Slides match at any offset within them; their changes, seen only every
        # 0.5 s in the bank, still place the excerpt within the tolerance.
        ("slides", 4.4, 5),
    ],
)
def test_excerpt_is_placed(run_cli, hard_bank, ffmpeg, tmp_path, known, start, length):
    """An excerpt re-encoded from fast footage or from slides: its edges within tolerance."""
    excerpt = tmp_path / "excerpt.mp4"
    run_ffmpeg(
        ffmpeg, "-ss", str(start), "-i", str(hard_bank[known]), "-t", str(length),
        "-c:v", "libx264", "-crf", "26", str(excerpt),
    )  # fmt: skip
    matches = run_match(run_cli, hard_bank["bank"], excerpt)["matches"]
    assert [Path(m["path"]).name for m in matches] == [f"{known}.mp4"]
    (segment,) = matches[0]["segments"]
    assert_segment(segment, (0, length), (start, start + length))


def test_captioned_copy_matches_throughout(run_cli, hard_bank, ffmpeg, tmp_path):
    """A lower-third caption over plain footage moves every hash but the upper part's.

    The detailed first shot makes the known video a candidate (the upper hash is
    compared, not looked up); the plain shot after it is matched by the upper hash.
    """
    copy = tmp_path / "captioned.mp4"
    caption = (
        "drawbox=x=0:y=288:w=640:h=72:color=black@0.75:t=fill,"
        "drawbox=x=0:y=288:w=8:h=72:color=0xffc000:t=fill,"
        "drawbox=x=20:y=298:w=380:h=20:color=white:t=fill,"
        "drawbox=x=20:y=328:w=300:h=14:color=0xd0d0d0:t=fill,format=yuv420p"
    )
    run_ffmpeg(
        ffmpeg, "-i", str(hard_bank["plain"]), "-vf", caption, "-c:v", "libx264", "-crf", "24",
        str(copy),
    )  # fmt: skip
    matches = run_match(run_cli, hard_bank["bank"], copy)["matches"]
    assert [Path(m["path"]).name for m in matches] == ["plain.mp4"]
    (segment,) = matches[0]["segments"]
    assert_segment(segment, (0, 8), (0, 8))


def test_compilation_of_slides_and_fast_footage(run_cli, hard_bank, ffmpeg, tmp_path):
    """The cut is placed by the clip's own frames; the fast part runs to the clip's end
    although the bank's last frame inside it falls between two clip frames."""
    clip = tmp_path / "compilation.mp4"
    graph = (
        "[0:v]trim=start=4.4:duration=3,setpts=PTS-STARTPTS[a];"
        "[1:v]trim=start=6.1:duration=3,setpts=PTS-STARTPTS[b];"
        "[a][b]concat=n=2:v=1:a=0,format=yuv420p[v]"
    )
    run_ffmpeg(
        ffmpeg, "-i", str(hard_bank["slides"]), "-i", str(hard_bank["turning"]),
        "-filter_complex", graph, "-map", "[v]", "-c:v", "libx264", "-crf", "24", str(clip),
    )  # fmt: skip
    matches = {
        Path(m["path"]).name: m for m in run_match(run_cli, hard_bank["bank"], clip)["matches"]
    }
    assert sorted(matches) == ["slides.mp4", "turning.mp4"]
    (slides,) = matches["slides.mp4"]["segments"]
    assert_segment(slides, (0, 3), (4.4, 7.4))
    (turning,) = matches["turning.mp4"]["segments"]
    assert_segment(turning, (3, 6), (6.1, 9.1))


def crop_filter(left: float, top: float, width: float, height: float) -> str:
    """ffmpeg's crop of the given fractions of the picture (even sizes)."""
    return f"crop=trunc(iw*{width}/2)*2:trunc(ih*{height}/2)*2:iw*{left}:ih*{top}"


@pytest.mark.parametrize(
    ("known", "framing"),
    [
        ("still", (0.02, 0.10, 0.88, 0.88)),  # still footage: no candidate of its own at all
        ("turning", (0.13, 0.0, 0.87, 0.90)),  # fast footage, a corner kept, aspect changed
    ],
)
def test_off_centre_crop_is_reframed(run_cli, hard_bank, ffmpeg, tmp_path, known, framing):
    """A crop off the centre shows the known centre 70 % in a window of its own: found."""
    copy = tmp_path / "cropped.mp4"
    run_ffmpeg(
        ffmpeg, "-i", str(hard_bank[known]), "-vf", f"{crop_filter(*framing)},format=yuv420p",
        "-c:v", "libx264", "-crf", "24", str(copy),
    )  # fmt: skip
    with Bank(hard_bank["bank"], readonly=True) as bank:
        plain = match_fingerprint(fingerprint_video(copy, MATCH.query_sampling), bank)
    # Without reframing the known video is not found, or only through a few
    # close frames (which is what sends it to the framing search).
    for match in plain.matches:
        if match.video.path.endswith(f"{known}.mp4"):
            matched = sum(s.known_matched for s in match.segments)
            assert matched < MATCH.reframe_below_coverage * sum(
                s.known_frames for s in match.segments
            )
    matches = run_match(run_cli, hard_bank["bank"], copy)["matches"]
    assert [Path(m["path"]).name for m in matches] == [f"{known}.mp4"]
    found = [matches[0]["framing"][k] for k in ("left", "top", "width", "height")]
    assert found == pytest.approx(framing, abs=0.02)
    (segment,) = matches[0]["segments"]
    length = 8 if known == "still" else 10
    assert_segment(segment, (0, length), (0, length))


def test_batch_groups_an_off_centre_crop_with_its_original(hard_bank, ffmpeg, tmp_path):
    """`verify batch` groups through `match_file` too: the crop is found by its framing."""
    from verify import run_batch

    folder = tmp_path / "folder"
    folder.mkdir()
    original = folder / "still.mp4"  # still footage: no candidate through its own frames
    original.write_bytes(hard_bank["still"].read_bytes())
    run_ffmpeg(
        ffmpeg, "-i", str(original), "-vf", f"{crop_filter(0.02, 0.10, 0.88, 0.88)},format=yuv420p",
        "-c:v", "libx264", "-crf", "24", str(folder / "cropped.mp4"),
    )  # fmt: skip
    summary = run_batch(folder, tmp_path / "out.jsonl", workers=1)
    groups = [sorted(m["path"] for m in c["members"]) for c in summary.to_dict()["clusters"]]
    assert ["cropped.mp4", "still.mp4"] in groups
    # From the fingerprints alone (what the rows hold) the two are not linked:
    # the framing search needs the clip's pictures, which match_file keeps.
    from verify.batch.clustering import Item, find_groups
    from verify.batch.rows import FileRow

    rows = [json.loads(line) for line in (tmp_path / "out.jsonl").read_text().splitlines()]
    items = [
        Item(r["path"], r["sha256"], FileRow.from_dict(r).fingerprint, False)  # no path
        for r in rows
        if r.get("kind") == "file"
    ]
    assert find_groups(items) == []


def test_schema_4_bank_gains_list_tables(run_cli, samples, bank_copy, tmp_path):
    _downgrade(bank_copy, 4)
    listing = tmp_path / "list.txt"
    listing.write_text(run_cli("hash", "--format", "pytx", str(samples / "original.mov")).stdout)
    imported = run_cli("index", "import-hashes", "--db", str(bank_copy), "--format", "pytx",
                       "--source", "partner", str(listing))  # fmt: skip
    assert imported.exit_code == 0, imported.stderr
    with sqlite3.connect(bank_copy) as db:
        assert db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
        assert db.execute("SELECT count(*) FROM list_entries").fetchone()[0] == 2
    document = run_match(run_cli, bank_copy, samples / "telegram_reencode.mp4")
    assert [m["rule"] for m in document["list_matches"]] == ["vpdq"]


def test_schema_5_bank_gains_sound_tables(run_cli, samples, bank_copy, tmp_path):
    """A bank made before sound keeps matching pictures, says it holds no sound, and
    stores the sound of videos added from then on."""
    _downgrade(bank_copy, 5)
    document = run_match(run_cli, bank_copy, samples / "telegram_reencode.mp4")
    assert [Path(m["path"]).name for m in document["matches"]] == ["original.mov"]
    assert document["sound"]["state"] == "bank_has_none"
    with sqlite3.connect(bank_copy) as db:
        assert db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
        assert db.execute("SELECT count(*) FROM audio").fetchone()[0] == 0
    clip = tmp_path / "copy.mp4"
    clip.write_bytes((samples / "cropped.mp4").read_bytes())
    added = run_cli("index", "add", "--json", "--db", str(bank_copy), str(clip))
    assert json.loads(added.stdout)["sound_landmarks"] > 0
    with sqlite3.connect(bank_copy) as db:
        assert db.execute("SELECT count(*) FROM audio").fetchone()[0] == 1
