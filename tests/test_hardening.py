"""The cases of the outside fault campaign, one test (or a few) for each.

Evidence never overwritten; no internal error on bad tags, exports or bank
rows; nothing that hangs on a pipe; a damaged bank never written and never
described wrongly; JSON on failure; workers that start from the installed
package; links that stay inside; odd names; quiet logs.
"""

from __future__ import annotations

import json
import os
import re
import resource
import shutil
import signal
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import ROOT, load_schema, sha256_of, validate
from tests.faults import bad_gps_blocks, good_gps, jpeg_with_gps
from verify.bank import SqliteBank as Bank
from verify.bank.store import slice_keys
from verify.errors import ExitCode

# A hang shows as this subprocess timeout, far above any honest run's time.
HANG_S = 120


def verify_process(*args: str, cwd: Path | None = None, **options) -> subprocess.CompletedProcess:
    """The installed `verify` in a process of its own (for pipes, limits and folders)."""
    command = [str(Path(sys.executable).with_name("verify")), *args]
    return subprocess.run(
        command, cwd=cwd, capture_output=True, text=True, timeout=HANG_S, check=False, **options
    )


def tree_digests(folder: Path) -> dict[str, str]:
    return {
        str(p.relative_to(folder)): sha256_of(p) for p in sorted(folder.rglob("*")) if p.is_file()
    }


def one_clean_error(stderr: str) -> str:
    lines = [line for line in stderr.splitlines() if line.strip()]
    assert len(lines) == 1, stderr
    assert lines[0].startswith("verify: error: ")
    assert "Traceback" not in stderr
    return lines[0]


@pytest.fixture
def folder(tmp_path, samples) -> Path:
    """A small folder of evidence for batch."""
    here = tmp_path / "evidence"
    here.mkdir()
    shutil.copy(samples / "telegram_reencode.mp4", here / "clip.mp4")
    shutil.copy(samples / "photo.jpg", here / "photo.jpg")
    return here


# --------------------------------------------------------------------------- 0. no overwrite


def test_keyframes_never_overwrites_its_input(run_cli, samples, tmp_path):
    clip = tmp_path / "clip.mov"
    shutil.copy(samples / "original.mov", clip)
    before = sha256_of(clip)
    result = run_cli("keyframes", str(clip), "-o", str(tmp_path / "out"), "--sheet", str(clip))
    assert result.exit_code == ExitCode.OUTPUT
    assert "--sheet would overwrite the input file" in one_clean_error(result.stderr)
    # A hard link to the input is the input too.
    os.link(clip, tmp_path / "link.jpg")
    result = run_cli(
        "keyframes", str(clip), "-o", str(tmp_path / "out"), "--sheet", str(tmp_path / "link.jpg")
    )
    assert result.exit_code == ExitCode.OUTPUT
    # A link to the input under the name of its first frame, in the frames' folder.
    (tmp_path / "out").mkdir()
    os.link(clip, tmp_path / "out" / "clip_00-00-00.000.jpg")
    result = run_cli("keyframes", str(clip), "-o", str(tmp_path / "out"))
    assert result.exit_code == ExitCode.OUTPUT
    assert "would overwrite the input file" in one_clean_error(result.stderr)
    os.unlink(tmp_path / "out" / "clip_00-00-00.000.jpg")
    # A sheet named like a frame would be overwritten by one.
    result = run_cli(
        "keyframes", str(clip), "-o", str(tmp_path / "out"),
        "--sheet", str(tmp_path / "out" / "clip_00-00-01.000.jpg"),
    )  # fmt: skip
    assert result.exit_code == ExitCode.OUTPUT
    assert sha256_of(clip) == before
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").iterdir())


@pytest.mark.parametrize(
    ("case", "phrase"),
    [
        ("csv_on_a_video", "--csv is inside the folder"),
        ("csv_is_out", "--csv would overwrite --out"),
        ("out_inside", "--out is inside the folder"),
        ("bank_inside", "the bank (--db) is inside the folder"),
        ("csv_is_bank", "--csv would overwrite the bank (--db)"),
        ("out_is_bank", "--out would overwrite the bank (--db)"),
    ],
)
def test_batch_outputs_never_overwrite_evidence(run_cli, folder, tmp_path, samples, case, phrase):
    bank = tmp_path / "bank.sqlite"
    with Bank(bank) as opened:
        assert opened.video_count() == 0
    args = {
        "csv_on_a_video": ["--csv", str(folder / "clip.mp4")],
        "csv_is_out": ["--csv", str(tmp_path / "r.jsonl"), "--out", str(tmp_path / "r.jsonl")],
        "out_inside": ["--out", str(folder / "results.jsonl")],
        "bank_inside": ["--db", str(folder / "bank.sqlite"), "--add-to-bank"],
        "csv_is_bank": ["--db", str(bank), "--csv", str(bank)],
        "out_is_bank": ["--db", str(bank), "--out", str(bank)],
    }[case]
    before, bank_before = tree_digests(folder), sha256_of(bank)
    result = run_cli("batch", str(folder), "--quiet", *args)
    assert result.exit_code == ExitCode.OUTPUT, result.stderr
    assert phrase in one_clean_error(result.stderr)
    assert tree_digests(folder) == before
    assert sha256_of(bank) == bank_before
    assert not (tmp_path / "evidence.verify.batch.jsonl").exists()


def test_index_add_never_writes_the_bank_over_an_input(run_cli, samples, tmp_path):
    clip = tmp_path / "clip.mov"
    shutil.copy(samples / "original.mov", clip)
    result = run_cli("index", "add", str(clip), "--db", str(clip), "--json")
    assert result.exit_code == ExitCode.OUTPUT
    validate(json.loads(result.stdout), "index")
    result = run_cli("index", "add", str(tmp_path), "--db", str(tmp_path / "bank.sqlite"))
    assert result.exit_code == ExitCode.OUTPUT
    assert "inside the folder" in one_clean_error(result.stderr)
    assert sha256_of(clip) == sha256_of(samples / "original.mov")
    assert not (tmp_path / "bank.sqlite").exists()


def test_report_never_overwrites_its_input_or_bank(run_cli, samples, tmp_path):
    clip = tmp_path / "clip.mp4"
    shutil.copy(samples / "telegram_reencode.mp4", clip)
    result = run_cli("report", str(clip), "-o", str(tmp_path / "r.json"), "--html", str(clip))
    assert result.exit_code == ExitCode.OUTPUT
    assert sha256_of(clip) == sha256_of(samples / "telegram_reencode.mp4")


# --------------------------------------------------------------------------- 1. no internal error


@pytest.mark.parametrize(("name", "gps"), list(bad_gps_blocks()), ids=lambda v: str(v)[:30])
def test_a_bad_gps_tag_is_skipped_and_named(run_cli, samples, tmp_path, name, gps):
    photo = jpeg_with_gps(samples / "photo.jpg", tmp_path / "photo.jpg", gps)
    result = run_cli("inspect", str(photo), "--json")
    assert result.exit_code == 0, result.stderr
    assert result.stderr == ""
    document = json.loads(result.stdout)
    validate(document, "inspect")
    assert document["capture"]["device"]["make"] == "FaultCam"  # the rest is still read
    assert any("EXIF GPS" in note for note in document["notes"]), document["notes"]


def test_good_gps_is_read_and_bad_gps_still_reports(run_cli, samples, tmp_path):
    photo = jpeg_with_gps(samples / "photo.jpg", tmp_path / "good.jpg", good_gps())
    document = json.loads(run_cli("inspect", str(photo), "--json").stdout)
    assert document["notes"] == []
    location = document["capture"]["location"]
    assert (round(location["latitude"], 4), round(location["longitude"], 4)) == (50.4501, 30.5234)
    bad = jpeg_with_gps(samples / "photo.jpg", tmp_path / "bad.jpg", next(bad_gps_blocks())[1])
    result = run_cli("report", str(bad), "-o", str(tmp_path / "report.json"))
    assert result.exit_code == 0, result.stderr
    report = json.loads((tmp_path / "report.json").read_text("utf-8"))
    validate(report, "report")
    assert report["inspection"]["capture"]["location"] is None


def test_exif_reader_warnings_are_notes_not_stderr(run_cli, samples, tmp_path):
    photo = jpeg_with_gps(
        samples / "photo.jpg", tmp_path / "photo.jpg", good_gps(), make=b"\xff\xfeCam\0"
    )
    result = run_cli("inspect", str(photo), "--json")
    assert result.exit_code == 0
    assert result.stderr == ""
    notes = json.loads(result.stdout)["notes"]
    assert any("Possibly corrupted field Make" in note for note in notes), notes
    png = tmp_path / "picture.png"
    from PIL import Image

    Image.open(samples / "photo.jpg").save(png)
    result = run_cli("inspect", str(png))
    assert result.exit_code == 0
    assert result.stderr == ""  # exifread's "PNG file does not have exif data." is not ours


def export_with(folder: Path, samples: Path, document: object) -> Path:
    (folder / "video_files").mkdir(parents=True)
    shutil.copy(samples / "telegram_reencode.mp4", folder / "video_files" / "clip.mp4")
    text = document if isinstance(document, str) else json.dumps(document)
    (folder / "result.json").write_text(text, "utf-8")
    return folder


MESSAGE = {
    "id": 5,
    "type": "message",
    "date_unixtime": "1648893600",
    "file": "video_files/clip.mp4",
}


@pytest.mark.parametrize(
    ("document", "outcome"),
    [
        ({"name": "C", "messages": [{**MESSAGE, "text": [1, 2, 3]}]}, "posts"),
        ({"name": "C", "messages": [{**MESSAGE, "text": {"a": 1}, "id": "x"}]}, "posts"),
        ({"name": ["not", "text"], "id": 10**40, "messages": [{**MESSAGE, "from": 7}]}, "posts"),
        ({"messages": [{**MESSAGE, "date_unixtime": "9" * 5000}]}, "posts"),
        ({"messages": [{**MESSAGE, "duration_seconds": 1e308 * 10, "file_size": -4}]}, "posts"),
        (
            '{"messages": [{"id": 5, "type": "message", "file": "video_files/clip.mp4", '
            '"text": "\\ud800 lone"}]}',
            "posts",
        ),
        ({"messages": 7}, "error"),
        ({"chats": {"list": 7}}, "error"),
        ({"chats": 3}, "error"),
        ({"about": "no messages at all"}, "error"),
        ("[" * 100_000 + "]" * 100_000, "error"),
        ('{"messages": [], "id": ' + "1" * 5000 + "}", "error"),
        ("[1, 2, 3]", "error"),
    ],
)
def test_telegram_exports_of_any_shape(run_cli, samples, tmp_path, document, outcome):
    export = export_with(tmp_path / "export", samples, document)
    out = tmp_path / "out.jsonl"
    result = run_cli("batch", str(export), "--out", str(out), "--quiet", "--json")
    assert "Traceback" not in result.stderr
    summary = json.loads(result.stdout)
    validate(summary, "batch")
    if outcome == "error":
        assert result.exit_code == ExitCode.INPUT
        assert "result.json" in one_clean_error(result.stderr)
        assert summary["ok"] is False
    else:
        assert result.exit_code == 0, result.stderr
        assert summary["ok"] == 1
        rows = [json.loads(line) for line in out.read_text("utf-8").splitlines()]
        for row in rows:
            validate(row, "batch")
        assert rows[1]["telegram"]["message_id"] in {5, 0}


def bank_with_videos(path: Path, samples: Path) -> Path:
    from verify.bank.indexing import index_file

    with Bank(path) as bank:
        for name in ("original.mov", "cropped.mp4"):
            index_file(bank, samples / name)
    return path


@pytest.fixture(scope="module")
def bank_file(tmp_path_factory, samples) -> Path:
    return bank_with_videos(tmp_path_factory.mktemp("bank") / "bank.sqlite", samples)


@pytest.mark.parametrize(
    ("column", "value", "phrase"),
    [
        ("summary", "{not json", "metadata summary is not a JSON object"),
        ("frames", b"\x01\x02\x03", "frame data has the wrong length"),
        ("frames", b"\xff" * 56 * 3, "frame times are not numbers"),
        ("added_at", "yesterday-ish", "is not a UTC time"),
        ("posted_at", "2022-13-99", "is not a UTC time"),
        ("sha256", "zz", "SHA-256 is not 64 hex digits"),
        ("path", b"\xff\xfe not text", "damaged"),
    ],
)
def test_a_damaged_row_is_a_bank_error_naming_the_video(
    run_cli, samples, bank_file, tmp_path, column, value, phrase
):
    bank = tmp_path / "bank.sqlite"
    shutil.copy(bank_file, bank)
    with sqlite3.connect(bank) as db:
        (frame_size,) = db.execute("SELECT length(frames) / frame_count FROM videos").fetchone()
        if column == "frames" and len(value) == 168:
            value = b"\xff" * frame_size  # one frame whose time is NaN
        video = db.execute("SELECT sha256 FROM videos WHERE path LIKE '%original.mov'").fetchone()
        db.execute(f"UPDATE videos SET {column} = ? WHERE sha256 = ?", (value, video[0]))
    for args in (
        ["match", str(samples / "telegram_reencode.mp4")],
        ["index", "list"],
        ["report", str(samples / "telegram_reencode.mp4"), "-o", str(tmp_path / "r.json")],
    ):
        if column == "frames" and args[0] == "index":
            continue  # listing reads no frames
        result = run_cli(*args, "--db", str(bank), "--json")
        assert result.exit_code == ExitCode.BANK, (args, result.stderr)
        line = one_clean_error(result.stderr)
        assert phrase in line
        if column != "sha256":
            assert video[0][:12] in line
        validate(
            json.loads(result.stdout), {"match": "match", "index": "index"}.get(args[0], "report")
        )
    # The damaged record can be removed, and the bank works again.
    key = video[0][:12] if column != "sha256" else "zz"
    if column != "sha256":
        removed = run_cli("index", "remove", key, "--db", str(bank))
        assert removed.exit_code == 0, removed.stderr
        result = run_cli("match", str(samples / "telegram_reencode.mp4"), "--db", str(bank))
        assert result.exit_code == 0, result.stderr


def _limit_file_size(limit: int):
    def apply() -> None:
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a write past the limit fails instead
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    return apply


def test_a_full_disk_while_adding_is_a_bank_error_with_json(samples, tmp_path):
    bank = bank_with_videos(tmp_path / "bank.sqlite", samples)
    files = [str(samples / "telegram_reencode.mp4"), str(samples / "vertical_rotated.mp4")]
    # The bank's write-ahead log may grow to its size and 4 kB more: room for the first
    # video, not for both.
    result = verify_process(
        "index", "add", *files, "--db", str(bank), "--json",
        preexec_fn=_limit_file_size(bank.stat().st_size + 4_000),
    )  # fmt: skip
    assert result.returncode == ExitCode.BANK, result.stderr
    line = one_clean_error(result.stderr)
    assert "rolled back" in line or "left unchanged" in line
    document = json.loads(result.stdout)
    validate(document, "index")
    added = [entry["video"]["sha256"] for entry in document if entry.get("ok")]
    with Bank(bank, readonly=True) as opened:
        stored = {video.sha256 for video in opened.videos()}
    assert len(stored) == 2 + len(added)  # what was said to be added is there, and no more
    assert set(added) <= stored
    with sqlite3.connect(bank) as db:
        assert db.execute("PRAGMA integrity_check").fetchone() == ("ok",)


# --------------------------------------------------------------------------- 2. no hang


def test_a_pipe_named_result_json_is_refused_at_once(folder, tmp_path):
    os.mkfifo(folder / "result.json")
    result = verify_process("batch", str(folder), "--quiet", "--out", str(tmp_path / "o.jsonl"))
    assert result.returncode == ExitCode.INPUT
    assert "not a regular file" in one_clean_error(result.stderr)


@pytest.mark.parametrize("command", ["match", "report", "index list", "batch"])
def test_a_pipe_as_the_bank_is_refused_at_once(samples, folder, tmp_path, command):
    pipe = tmp_path / "bank.sqlite"
    os.mkfifo(pipe)
    args = {
        "match": ["match", str(samples / "telegram_reencode.mp4")],
        "report": ["report", str(samples / "telegram_reencode.mp4"), "-o", str(tmp_path / "r")],
        "index list": ["index", "list"],
        "batch": ["batch", str(folder), "--quiet", "--out", str(tmp_path / "o.jsonl")],
    }[command]
    result = verify_process(*args, "--db", str(pipe))
    assert result.returncode == ExitCode.BANK, result.stderr
    assert "not a regular file" in one_clean_error(result.stderr)


def test_a_pipe_as_an_output_is_refused_at_once(samples, folder, tmp_path):
    pipe = tmp_path / "results.jsonl"
    os.mkfifo(pipe)
    result = verify_process("batch", str(folder), "--quiet", "--out", str(pipe))
    assert result.returncode == ExitCode.OUTPUT
    assert "not a regular file" in one_clean_error(result.stderr)
    result = verify_process("keyframes", str(samples / "original.mov"), "-o", str(tmp_path),
                            "--sheet", str(pipe))  # fmt: skip
    assert result.returncode == ExitCode.OUTPUT


# --------------------------------------------------------------------------- 3. damaged banks


def damaged_copies(bank: Path, folder: Path) -> list[Path]:
    """Copies of ``bank`` with flipped bits, or a page of garbage, at many places."""
    import random

    data = bank.read_bytes()
    pages = len(data) // 4096
    copies = []
    for number in range(24):
        rng = random.Random(number)
        damaged = bytearray(data)
        if number % 2:
            for _ in range(8):
                damaged[rng.randrange(len(damaged))] ^= 1 << rng.randrange(8)
        else:
            page = number // 2 % pages
            damaged[page * 4096 : (page + 1) * 4096] = rng.randbytes(4096)
        copy = folder / f"damaged_{number}.sqlite"
        copy.write_bytes(bytes(damaged))
        copies.append(copy)
    return copies


@pytest.mark.slow
def test_a_damaged_bank_is_never_changed_by_a_failed_write(run_cli, samples, bank_file, tmp_path):
    """Every outcome is honest: added (exit 0), or refused with the file's bytes as they were."""
    outcomes = set()
    for copy in damaged_copies(bank_file, tmp_path):
        before = sha256_of(copy)
        result = run_cli("index", "add", str(samples / "vertical_rotated.mp4"), "--db", str(copy))
        assert result.exit_code in {0, ExitCode.BANK}, result.stderr
        assert "Traceback" not in result.stderr
        if result.exit_code == ExitCode.BANK:
            one_clean_error(result.stderr)
            assert sha256_of(copy) == before, f"{copy.name}: {result.stderr}"
        outcomes.add(result.exit_code)
    assert ExitCode.BANK in outcomes


def test_a_damaged_bank_is_refused_before_writing(run_cli, samples, bank_file, tmp_path):
    """A garbage first page (the header and schema) is refused, and nothing is written."""
    import random

    copy = tmp_path / "bank.sqlite"
    data = bytearray(bank_file.read_bytes())
    for start in (0, 100):  # the file header, then page 1's tables
        data[start : start + 3000] = random.Random(start).randbytes(3000)
        copy.write_bytes(bytes(data))
        before = sha256_of(copy)
        result = run_cli("index", "add", str(samples / "vertical_rotated.mp4"), "--db", str(copy))
        assert result.exit_code == ExitCode.BANK
        assert "left unchanged" in one_clean_error(result.stderr)
        assert sha256_of(copy) == before


def postings_damaged_bank(bank_file: Path, folder: Path, samples: Path) -> Path:
    """A copy whose header and tables are fine but whose postings index is garbage."""
    from verify.hashing.fingerprint import fingerprint_video

    hashes = [f.phash.value for f in fingerprint_video(samples / "telegram_reencode.mp4").frames]
    data = bank_file.read_bytes()
    for page in range(len(data) // 4096 - 1, 0, -1):
        copy = folder / f"postings_{page}.sqlite"
        damaged = bytearray(data)
        damaged[page * 4096 + 8 : (page + 1) * 4096] = bytes(4096 - 8)
        copy.write_bytes(bytes(damaged))
        try:
            with Bank(copy, readonly=True) as bank:
                bank.candidates(slice_keys(hashes), min_votes=1, limit=10)
        except Exception as exc:  # this page is one the lookup reads
            if "damaged" in str(exc):
                return copy
    raise AssertionError("no page of the postings index could be damaged")


def test_batch_stops_at_once_on_a_damaged_bank(samples, folder, bank_file, tmp_path):
    bank = postings_damaged_bank(bank_file, tmp_path, samples)
    shutil.copy(samples / "cropped.mp4", folder / "another.mp4")
    out = tmp_path / "o.jsonl"
    result = verify_process("batch", str(folder), "--db", str(bank), "--out", str(out))
    assert result.returncode == ExitCode.BANK, result.stderr
    errors = [line for line in result.stderr.splitlines() if line.startswith("verify: error")]
    assert len(errors) == 1 and "damaged" in errors[0], result.stderr
    assert "Traceback" not in result.stderr


# --------------------------------------------------------------------------- 4. JSON on failure


@pytest.mark.parametrize(
    "args",
    [
        ["match", "{missing}", "--db", "{bank}"],
        ["match", "{text}", "--db", "{bank}"],
        ["match", "{clip}", "--db", "{text}"],
        ["keyframes", "{missing}", "-o", "{tmp}/frames"],
        ["keyframes", "{text}", "-o", "{tmp}/frames"],
        ["report", "{text}", "-o", "{tmp}/r.json"],
        ["index", "list", "--db", "{missing}"],
        ["index", "show", "abcdef12", "--db", "{missing}"],
        ["index", "stats", "--db", "{text}"],
        ["batch", "{missing}"],
        ["keyframes", "{text}"],  # a usage error: -o is missing
        ["match", "{text}", "--sample", "fps=zero"],
    ],
)
def test_json_is_printed_whatever_fails(run_cli, samples, tmp_path, args):
    text = tmp_path / "notes.mp4"
    text.write_text("not a video\n" * 50)
    names = {
        "missing": str(tmp_path / "missing.mp4"), "text": str(text), "tmp": str(tmp_path),
        "bank": str(tmp_path / "none.sqlite"), "clip": str(samples / "telegram_reencode.mp4"),
    }  # fmt: skip
    result = run_cli(*[a.format(**names) for a in args], "--json")
    assert result.exit_code not in {0, ExitCode.ERROR}, result.stderr
    document = json.loads(result.stdout)
    validate(document, "failure")
    assert document["error"]["exit_code"] == result.exit_code
    assert document["command"] == " ".join(args[:2] if args[0] == "index" else args[:1])
    validate(document, args[0])  # each command's schema names the failure form


# --------------------------------------------------------------------------- 5. worker start-up


@pytest.mark.parametrize("decoy", ["empty folder", "broken checkout"])
def test_batch_workers_start_whatever_the_current_folder(folder, tmp_path, decoy):
    here = tmp_path / "elsewhere"
    (here / "verify").mkdir(parents=True)
    if decoy == "broken checkout":
        shutil.copytree(ROOT / "verify", here / "verify", dirs_exist_ok=True)
        for module in ("batch_worker.py", "cli.py", "__init__.py"):
            (here / "verify" / module).write_text("raise SystemExit('the wrong verify')\n")
    result = verify_process(
        "batch", str(folder), "--workers", "2", "--quiet", "--out", str(tmp_path / "o.jsonl"),
        cwd=here,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "wrong verify" not in result.stderr


@pytest.mark.parametrize("method", ["forkserver", "spawn"])
def test_workers_import_this_package_with_either_start_method(
    folder, tmp_path, monkeypatch, method
):
    import multiprocessing

    from verify.batch.run import run_batch

    here = tmp_path / "elsewhere"
    shutil.copytree(ROOT / "verify", here / "verify")
    (here / "verify" / "batch_worker.py").write_text("raise SystemExit('the wrong verify')\n")
    monkeypatch.chdir(here)
    if method == "spawn":
        monkeypatch.setattr(multiprocessing, "get_all_start_methods", lambda: ["fork", "spawn"])
    summary = run_batch(folder, tmp_path / f"{method}.jsonl", workers=2)
    assert summary.ok == 2 and not summary.failed


# --------------------------------------------------------------------------- 6. links


def rows_by_path(out: Path) -> dict[str, dict]:
    rows = [json.loads(line) for line in out.read_text("utf-8").splitlines()]
    return {row["path"]: row for row in rows if row["kind"] in {"file", "error"}}


def test_links_out_of_the_folder_are_not_followed(run_cli, samples, folder, tmp_path):
    outside = tmp_path / "outside"
    outside.mkdir()
    shutil.copy(samples / "original.mov", outside / "private.mov")
    (folder / "linked.mp4").symlink_to(outside / "private.mov")
    (folder / "passwd.mp4").symlink_to("/etc/passwd")
    (folder / "dir").symlink_to(outside, target_is_directory=True)
    (folder / "inner.mp4").symlink_to(folder / "clip.mp4")  # inside: followed
    out = tmp_path / "o.jsonl"
    result = run_cli("batch", str(folder), "--quiet", "--out", str(out))
    assert result.exit_code == ExitCode.PARTIAL
    rows = rows_by_path(out)
    for name in ("linked.mp4", "passwd.mp4", "dir/"):
        assert rows[name]["kind"] == "error"
        assert "not" in rows[name]["error"]["message"]
        assert "outside the folder" in rows[name]["error"]["message"]
        assert rows[name]["size"] is None  # nothing about the target was read
    assert rows["inner.mp4"]["kind"] == "file"
    followed = tmp_path / "followed.jsonl"
    result = run_cli("batch", str(folder), "--quiet", "--out", str(followed), "--follow-links")
    rows = rows_by_path(followed)
    assert rows["linked.mp4"]["kind"] == "file"
    assert rows["dir/private.mov"]["kind"] == "file"
    assert rows["passwd.mp4"]["kind"] == "error"  # followed, and not media


def test_export_names_outside_the_export_are_one_kind_of_error(run_cli, samples, tmp_path):
    secret = tmp_path / "secret.mp4"
    shutil.copy(samples / "original.mov", secret)
    messages = [
        {**MESSAGE, "id": 1, "file": "../secret.mp4"},  # exists
        {**MESSAGE, "id": 2, "file": "../absent.mp4"},  # does not
        {**MESSAGE, "id": 3, "file": str(secret)},  # absolute
        {**MESSAGE, "id": 4, "file": "video_files/clip.mp4"},
    ]
    export = export_with(tmp_path / "export", samples, {"name": "C", "messages": messages})
    out = tmp_path / "o.jsonl"
    result = run_cli("batch", str(export), "--quiet", "--out", str(out))
    assert result.exit_code == ExitCode.PARTIAL
    rows = [json.loads(line) for line in out.read_text("utf-8").splitlines()]
    errors = [row for row in rows if row["kind"] == "error"]
    assert sorted(row["telegram"]["message_id"] for row in errors) == [1, 2, 3]
    messages_seen = {row["error"]["message"].replace(str(row["telegram"]["message_id"]), "N")
                     for row in errors}  # fmt: skip
    assert len(messages_seen) == 1  # the same words whether the file exists or not
    assert all(row["size"] is None for row in errors)


# --------------------------------------------------------------------------- 7. names


def test_keyframes_json_with_a_non_utf8_name(samples, tmp_path):
    name = os.fsencode(tmp_path) + b"/clip-\xff\xfe.mov"
    shutil.copy(samples / "original.mov", name)
    result = subprocess.run(
        [str(Path(sys.executable).with_name("verify")).encode(), b"keyframes", name,
         b"-o", os.fsencode(tmp_path / "frames"), b"--json"],
        capture_output=True, timeout=HANG_S, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    document = json.loads(result.stdout.decode("utf-8"))  # strict UTF-8: no raw bytes
    validate(document, "keyframes")
    assert "\\xff\\xfe" in document["path"]
    assert all("\\xff\\xfe" in frame["path"] for frame in document["frames"])


@pytest.mark.parametrize("name", ["img%d.jpg", "pat%03d.png", "frame[1].jpg", "a*b?.jpg"])
def test_still_names_that_look_like_patterns(run_cli, samples, tmp_path, name):
    photo = tmp_path / name
    from PIL import Image

    Image.open(samples / "photo.jpg").save(photo)
    for args in (["inspect"], ["hash"], ["keyframes", "-o", str(tmp_path / "frames")]):
        result = run_cli(args[0], str(photo), *args[1:], "--json")
        assert result.exit_code == 0, (args, result.stderr)
    document = json.loads(run_cli("inspect", str(photo), "--json").stdout)
    assert document["streams"] and document["container"]["format_name"] != "unknown"
    assert not list(Path("/tmp").glob("verify-input-*/input*"))  # the links were removed


# --------------------------------------------------------------------------- 8. noise


def test_keyframes_output_error_leaves_no_thread_traceback(samples, tmp_path):
    """A full disk stops the export mid-decode: one clean line, every time."""
    for attempt in range(12):
        result = verify_process(
            "keyframes", str(samples / "original.mov"), "-o", str(tmp_path / f"f{attempt}"),
            "--sample", "fps=8", preexec_fn=_limit_file_size(8_000),
        )  # fmt: skip
        assert result.returncode == ExitCode.OUTPUT, result.stderr
        one_clean_error(result.stderr)


def test_many_missing_files_are_summarised(run_cli, samples, tmp_path):
    messages = [{**MESSAGE, "id": n, "file": f"video_files/gone_{n}.mp4"} for n in range(1, 2001)]
    export = export_with(
        tmp_path / "export", samples, {"name": "C", "messages": [*messages, MESSAGE]}
    )
    out = tmp_path / "o.jsonl"
    result = run_cli("batch", str(export), "--quiet", "--out", str(out))
    assert result.exit_code == ExitCode.PARTIAL
    lines = result.stderr.splitlines()
    assert len(lines) <= 12, lines[:20]
    assert "1,990 more file(s) like that" in lines[-1]
    rows = [json.loads(line) for line in out.read_text("utf-8").splitlines()]
    assert sum(row["kind"] == "error" for row in rows) == 2000  # every one is still a row
    assert "… and 1,950 more" in result.stdout


@pytest.mark.parametrize(
    ("seconds", "label"),
    [(0.0, "00:00:00.000"), (3723.5, "01:02:03.500"), (8_946_648.567, "2485:10:48.567"),
     (-0.25, "-00:00:00.250")],
)  # fmt: skip
def test_keyframe_labels_of_damaged_times_keep_their_shape(seconds, label):
    # A bit-flipped AVI gave frame times of 2 485 hours: the file name had
    # four hour digits and broke the keyframes document's schema.
    from verify.hashing.keyframes import frame_file_name
    from verify.timestamps import timestamp_label

    assert timestamp_label(seconds) == label
    name = frame_file_name("clip", seconds)
    result = load_schema("keyframes")["$defs"]["result"]
    assert re.search(result["properties"]["frames"]["items"]["properties"]["path"]["pattern"], name)
