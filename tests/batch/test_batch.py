"""`verify batch`: folders and Telegram exports, error rows, resume, groups, bank, bad output."""

from __future__ import annotations

import csv
import dataclasses
import io
import json
import os
import resource
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner
from PIL import Image

from tests.conftest import sha256_of, validate
from verify.bank import SqliteBank as Bank
from verify.bank.indexing import index_file
from verify.batch.jsonl import read_lines
from verify.batch.progress import ProgressState
from verify.batch.run import default_output, run_batch
from verify.batch.table import TABLE_COLUMNS
from verify.cli import main
from verify.cli.batch import exit_code as batch_exit_code
from verify.cli.progress import ProgressLine, describe
from verify.config import MATCH
from verify.errors import ExitCode, OutputError
from verify.hashing.fingerprint import fingerprint_video, thin_to_rate

ODD_NAME = "cropped copy 'quoted' \"twice\" $HOME.mp4"
DOWNLOAD_NAME = "video_2022-04-02_09-41-27.mp4"


def make_plain_folder(folder: Path, samples: Path) -> Path:
    """Copies of one recording, an unrelated clip, two versions of a photo and bad files."""
    (folder / "sub").mkdir(parents=True)
    shutil.copy(samples / "original.mov", folder / "original.mov")
    shutil.copy(samples / "original.mov", folder / "sub" / "same bytes.mov")
    shutil.copy(samples / "telegram_reencode.mp4", folder / DOWNLOAD_NAME)
    shutil.copy(samples / "cropped.mp4", folder / ODD_NAME)
    shutil.copy(samples / "vertical_rotated.mp4", folder / "unrelated.mp4")
    shutil.copy(samples / "photo.jpg", folder / "photo.jpg")
    Image.open(samples / "photo.jpg").resize((320, 240)).save(
        folder / "photo small.jpg", quality=70
    )
    (folder / "notes.mp4").write_text("not a video, just text renamed\n" * 20)
    (folder / "empty.mp4").write_bytes(b"")
    (folder / "readme.txt").write_text("not media by name: skipped")
    return folder


def read_rows(path: Path) -> list[dict]:
    """Every line of a results file, each checked against the schema."""
    lines = path.read_text("utf-8").splitlines()
    rows = [json.loads(line) for line in lines]
    for row in rows:
        validate(row, "batch")
    return rows


def by_path(rows: list[dict]) -> dict[str, dict]:
    """File and error rows by path; fails on a path written twice."""
    found: dict[str, dict] = {}
    for row in rows:
        if row["kind"] in {"file", "error"}:
            assert row["path"] not in found, f"{row['path']} written twice"
            found[row["path"]] = row
    return found


def summary_of(rows: list[dict]) -> dict:
    assert rows[-1]["kind"] == "summary"
    assert [r["kind"] for r in rows].count("summary") == 1
    return rows[-1]


def cluster_paths(summary: dict) -> list[list[str]]:
    return [[m["path"] for m in c["members"]] for c in summary["clusters"]]


def digests(folder: Path) -> dict[str, str]:
    return {
        str(p.relative_to(folder)): sha256_of(p) for p in sorted(folder.rglob("*")) if p.is_file()
    }


@pytest.fixture(scope="module")
def plain(tmp_path_factory, samples):
    """One clean run over the plain folder, with a CSV; inputs hashed before and after."""
    root = tmp_path_factory.mktemp("plain")
    folder = make_plain_folder(root / "Telegram Desktop", samples)
    before = digests(folder)
    out, table = root / "results.jsonl", root / "results.csv"
    result = CliRunner().invoke(
        main,
        ["batch", str(folder), "--out", str(out), "--csv", str(table), "--workers", "2"],
        catch_exceptions=False,
    )
    return {
        "folder": folder, "out": out, "csv": table, "result": result, "rows": read_rows(out),
        "before": before, "after": digests(folder),
    }  # fmt: skip


# --- a plain folder ------------------------------------------------------------------


def test_plain_folder_rows_and_errors(plain):
    assert plain["result"].exit_code == ExitCode.PARTIAL, plain["result"].stderr
    rows = plain["rows"]
    assert rows[0]["kind"] == "run"
    found = by_path(rows)
    ok = {path for path, row in found.items() if row["kind"] == "file"}
    assert ok == {
        "original.mov", "sub/same bytes.mov", DOWNLOAD_NAME, ODD_NAME, "unrelated.mp4",
        "photo.jpg", "photo small.jpg",
    }  # fmt: skip
    assert found["notes.mp4"]["error"]["code"] == "media"
    assert found["empty.mp4"]["error"]["code"] == "input"
    assert "readme.txt" not in found
    original = found["original.mov"]
    assert original["sha256"] == sha256_of(plain["folder"] / "original.mov")
    assert original["device"]["model"] == "iPhone 12 Pro"
    assert original["creation_time"]["utc"] == "2022-04-02T06:41:27Z"
    assert original["fingerprint"]["sampling"] == MATCH.query_sampling
    assert found["photo.jpg"]["media_kind"] == "image"
    summary = summary_of(rows)
    assert (summary["files"], summary["ok"], summary["errors"]) == (9, 7, 2)
    assert {f["path"] for f in summary["failed"]} == {"notes.mp4", "empty.mp4"}


def test_download_names_are_not_capture_times(plain):
    row = by_path(plain["rows"])[DOWNLOAD_NAME]
    assert row["download_name"]["local_time"] == "2022-04-02T09:41:27"
    assert "not when it was posted" in row["download_name"]["note"]
    assert row["creation_time"] is None  # the name is not taken for a capture time
    assert summary_of(plain["rows"])["download_named"] == 1
    assert "when they were downloaded" in plain["result"].stdout


def test_plain_folder_groups(plain):
    summary = summary_of(plain["rows"])
    videos, pictures = summary["clusters"]
    # The original first (its claimed capture time), its identical copy next
    # (same time, by path), then the undated copies by path; the unrelated clip
    # is in no group.
    assert cluster_paths(summary)[0] == [
        "original.mov",
        "sub/same bytes.mov",
        ODD_NAME,
        DOWNLOAD_NAME,
    ]
    assert videos["members"][0]["evidence"] == {
        "kind": "capture_time",
        "time": "2022-04-02T06:41:27Z",
        "source": "com.apple.quicktime.creationdate",
    }
    assert videos["members"][-1]["evidence"]["kind"] == "none"
    kinds = {(link["a"], link["b"]): link["kind"] for link in videos["links"]}
    assert kinds[("original.mov", "sub/same bytes.mov")] == "identical"
    assert kinds[(ODD_NAME, "original.mov")] == "footage"
    assert pictures["media_kind"] == "image"
    assert [m["path"] for m in pictures["members"]] == ["photo.jpg", "photo small.jpg"]
    assert "unrelated.mp4" not in json.dumps(summary["clusters"])


def test_inputs_are_unchanged(plain):
    assert plain["before"] == plain["after"]


def test_progress_and_text_summary(plain):
    result = plain["result"]
    assert "batch  9/9 files" in result.stderr
    assert "2 errors" in result.stderr
    assert "verify: error: empty.mp4: empty file" in result.stderr
    assert "2 group(s) of copies" in result.stdout
    assert "1. original.mov  recorded 2022-04-02T06:41:27Z" in result.stdout
    assert "2 file(s) failed:" in result.stdout


def test_csv_table(plain):
    with open(plain["csv"], encoding="utf-8-sig", newline="") as handle:
        table = list(csv.DictReader(handle))
    assert tuple(table[0].keys()) == TABLE_COLUMNS
    assert len(table) == 9
    assert [r["path"] for r in table[:4]] == cluster_paths(summary_of(plain["rows"]))[0]
    assert table[0]["cluster"] == "1" and table[0]["evidence"] == "capture_time"
    assert {r["path"] for r in table if r["status"] == "error"} == {"notes.mp4", "empty.mp4"}


def test_one_worker_gives_the_same_results(plain, run_cli, tmp_path):
    out = tmp_path / "one.jsonl"
    result = run_cli("batch", str(plain["folder"]), "--out", str(out), "--workers", "1", "-q")
    assert result.exit_code == ExitCode.PARTIAL
    assert "batch  " not in result.stderr  # --quiet: no progress
    rows = read_rows(out)
    assert by_path(rows) == by_path(plain["rows"])
    assert summary_of(rows)["clusters"] == summary_of(plain["rows"])["clusters"]


def test_summary_as_json(plain, run_cli, tmp_path):
    out = tmp_path / "again.jsonl"
    shutil.copy(plain["out"], out)
    result = run_cli("batch", str(plain["folder"]), "--out", str(out), "--json", "-q")
    document = json.loads(result.stdout)
    validate(document, "batch")
    assert (document["skipped"], document["processed"]) == (7, 2)  # error rows are retried
    assert document["clusters"] == summary_of(plain["rows"])["clusters"]


# --- a Telegram Desktop export ---------------------------------------------------------


@pytest.fixture
def export(tmp_path, samples) -> Path:
    folder = tmp_path / "ChatExport_2022-04-05"
    for name in ("video_files", "photos", "files"):
        (folder / name).mkdir(parents=True)
    shutil.copy(samples / "telegram_reencode.mp4", folder / "video_files" / "IMG_4412.MP4")
    shutil.copy(samples / "cropped.mp4", folder / "video_files" / "clip_2.mp4")
    shutil.copy(samples / "original.mov", folder / "files" / "not in any message.mov")
    shutil.copy(samples / "photo.jpg", folder / "photos" / "photo_1@02-04-2022_09-45-00.jpg")
    Image.open(samples / "photo.jpg").resize((90, 68)).save(
        folder / "video_files" / "IMG_4412.MP4_thumb.jpg"
    )
    message = {"type": "message", "from": "Frontline News", "from_id": "channel1234567890"}
    result = {
        "name": "Frontline News",
        "type": "public_channel",
        "id": 1234567890,
        "messages": [
            {"id": 1, "type": "service", "date": "2022-04-01T08:00:00", "action": "create_channel"},
            {
                **message, "id": 40, "date": "2022-04-01T11:00:00", "date_unixtime": "1648800000",
                "file": "video_files/clip_2.mp4", "media_type": "video_file",
                "text": "=HYPERLINK(\"http://example.invalid\")",
            },
            {
                **message, "id": 41, "date": "2022-04-02T12:00:00", "date_unixtime": "1648893600",
                "forwarded_from": "Eyewitness", "file": "video_files/IMG_4412.MP4",
                "thumbnail": "video_files/IMG_4412.MP4_thumb.jpg", "file_name": "IMG_4412.MOV",
                "file_size": 364301, "media_type": "video_file", "duration_seconds": 8,
                "text": ["Shelling near ", {"type": "bold", "text": "the bridge"}],
            },
            {
                **message, "id": 42, "date_unixtime": "1648893700",
                "photo": "photos/photo_1@02-04-2022_09-45-00.jpg", "text": "",
            },
            {
                **message, "id": 43, "date_unixtime": "1648893800",
                "file": "(File not included. Change data exporting settings to download.)",
            },
            {**message, "id": 44, "date_unixtime": "1648893900", "file": "video_files/gone.mp4"},
        ],
    }  # fmt: skip
    (folder / "result.json").write_text(json.dumps(result), "utf-8")
    return folder


def test_telegram_export(run_cli, export, tmp_path):
    out, table = tmp_path / "export.jsonl", tmp_path / "export.csv"
    result = run_cli("batch", str(export), "--out", str(out), "--csv", str(table))
    assert result.exit_code == ExitCode.PARTIAL, result.stderr  # the missing file
    rows = read_rows(out)
    found = by_path(rows)
    post = found["video_files/IMG_4412.MP4"]["telegram"]
    assert post == {
        "chat_name": "Frontline News", "chat_id": 1234567890, "message_id": 41,
        "posted_at": "2022-04-02T10:00:00Z", "sender": "Frontline News",
        "sender_id": "channel1234567890", "forwarded_from": "Eyewitness",
        "text": "Shelling near the bridge", "original_name": "IMG_4412.MOV",
        "duration": 8.0, "size": 364301,
    }  # fmt: skip
    assert found["photos/photo_1@02-04-2022_09-45-00.jpg"]["telegram"]["message_id"] == 42
    assert found["files/not in any message.mov"]["telegram"] is None
    assert "video_files/IMG_4412.MP4_thumb.jpg" not in found  # Telegram's preview
    missing = found["video_files/gone.mp4"]
    assert missing["kind"] == "error" and missing["telegram"]["message_id"] == 44
    assert "result.json names this file (message 44)" in missing["error"]["message"]
    summary = summary_of(rows)
    assert summary["telegram_exports"] == ["."]
    assert summary["telegram_thumbnails_skipped"] == 1
    # Earliest evidence first: a post on 1 April, the capture time the
    # unposted original claims (2 April 06:41), then the post of 2 April 10:00.
    (cluster,) = summary["clusters"]
    assert [
        (m["path"], m["evidence"]["kind"], m["evidence"]["time"]) for m in cluster["members"]
    ] == [
        ("video_files/clip_2.mp4", "telegram_post", "2022-04-01T08:00:00Z"),
        ("files/not in any message.mov", "capture_time", "2022-04-02T06:41:27Z"),
        ("video_files/IMG_4412.MP4", "telegram_post", "2022-04-02T10:00:00Z"),
    ]
    assert cluster["members"][0]["evidence"]["source"] == "Frontline News, message 40"
    with open(table, encoding="utf-8-sig", newline="") as handle:
        cells = {row["path"]: row for row in csv.DictReader(handle)}
    # A message text that a spreadsheet would run as a formula is kept as text.
    assert cells["video_files/clip_2.mp4"]["telegram_text"].startswith("'=HYPERLINK")
    assert cells["video_files/IMG_4412.MP4"]["telegram_forwarded_from"] == "Eyewitness"


@pytest.mark.parametrize("content", ["{not json", "[1, 2]", ""])
def test_malformed_result_json_fails_the_run(run_cli, export, tmp_path, content):
    (export / "result.json").write_text(content)
    out = tmp_path / "out.jsonl"
    result = run_cli("batch", str(export), "--out", str(out))
    assert result.exit_code == ExitCode.INPUT
    assert "result.json" in result.stderr
    assert not out.exists()


# --- bad folders and outputs -------------------------------------------------------------


def test_bad_folders(run_cli, tmp_path, samples):
    missing = run_cli("batch", str(tmp_path / "nowhere"))
    assert missing.exit_code == ExitCode.INPUT and "no such folder" in missing.stderr
    a_file = run_cli("batch", str(samples / "original.mov"))
    assert a_file.exit_code == ExitCode.INPUT and "not a folder" in a_file.stderr
    (tmp_path / "empty").mkdir()
    nothing = run_cli("batch", str(tmp_path / "empty"))
    assert nothing.exit_code == ExitCode.INPUT and "no videos or photos" in nothing.stderr
    assert not (tmp_path / "empty.verify.batch.jsonl").exists()


def test_default_output_is_beside_the_folder(tmp_path):
    assert (
        default_output(tmp_path / "Telegram Desktop")
        == tmp_path / "Telegram Desktop.verify.batch.jsonl"
    )


def test_output_not_writable(run_cli, plain, tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    result = run_cli("batch", str(plain["folder"]), "--out", str(blocker / "out.jsonl"))
    assert result.exit_code == ExitCode.OUTPUT
    assert "is a file, not a folder" in result.stderr
    # Someone else's file is never taken over.
    other = tmp_path / "notes.jsonl"
    other.write_text("my own notes\n")
    result = run_cli("batch", str(plain["folder"]), "--out", str(other))
    assert result.exit_code == ExitCode.OUTPUT
    assert "not a verify batch output" in result.stderr
    assert other.read_text() == "my own notes\n"


def test_read_only_results_are_left_intact(plain, tmp_path):
    out = tmp_path / "done.jsonl"
    shutil.copy(plain["out"], out)
    lines = out.read_text().splitlines(keepends=True)
    out.write_text("".join(lines[:4]))  # an interrupted run: some rows to resume from
    before = sha256_of(out)
    out.chmod(0o444)
    command = [sys.executable, "-m", "verify.cli", "batch", str(plain["folder"]), "--out", str(out)]
    if os.geteuid() == 0:  # root writes anywhere; drop that power as the bank tests do
        if shutil.which("setpriv") is None:
            pytest.skip("running as root without setpriv")
        command = ["setpriv", "--bounding-set", "-dac_override", "--", *command]
    done = subprocess.run(command, capture_output=True, text=True, check=False, timeout=120)
    out.chmod(0o644)
    assert done.returncode == ExitCode.OUTPUT, done.stderr
    assert str(out) in done.stderr
    assert sha256_of(out) == before


def test_disk_full_keeps_complete_lines(plain, tmp_path):
    out = tmp_path / "full.jsonl"
    limit = len(plain["out"].read_bytes()) // 2

    def small_files() -> None:  # in the child: writes past `limit` bytes fail (EFBIG)
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    command = [sys.executable, "-m", "verify.cli", "batch", str(plain["folder"]), "--out", str(out)]
    done = subprocess.run(
        command, capture_output=True, text=True, check=False, timeout=120, preexec_fn=small_files
    )
    assert done.returncode == ExitCode.OUTPUT, done.stderr
    assert "the disk is full" in done.stderr
    data = out.read_bytes()
    assert data.endswith(b"\n") and len(data) <= limit
    partial = read_rows(out)
    assert 1 < len(partial) < len(plain["rows"])
    # With space again, the same command finishes the job.
    subprocess.run(command, capture_output=True, check=False, timeout=120)
    rows = read_rows(out)
    assert by_path(rows) == by_path(plain["rows"])
    # The rows written before the disk filled up were kept, not redone.
    assert summary_of(rows)["skipped"] == sum(1 for row in partial if row["kind"] == "file")


# --- resuming --------------------------------------------------------------------------


def test_resume_after_a_torn_line(run_cli, plain, tmp_path):
    out = tmp_path / "torn.jsonl"
    lines = plain["out"].read_bytes().splitlines(keepends=True)
    kept = lines[:5]  # the header and four rows
    out.write_bytes(b"".join(kept) + lines[5][: len(lines[5]) // 2])
    result = run_cli("batch", str(plain["folder"]), "--out", str(out), "-q", "--json")
    assert result.exit_code == ExitCode.PARTIAL
    rows = read_rows(out)
    # The file rows written before stay, first and unchanged (error rows are retried).
    file_rows = [line for line in kept[1:] if json.loads(line)["kind"] == "file"]
    assert out.read_bytes().startswith(kept[0] + b"".join(file_rows))
    assert by_path(rows) == by_path(plain["rows"])
    assert summary_of(rows)["clusters"] == summary_of(plain["rows"])["clusters"]
    done_before = len(file_rows)
    summary = json.loads(result.stdout)
    assert summary["skipped"] == done_before
    assert summary["processed"] == 9 - done_before


def test_resume_after_sigkill(plain, tmp_path):
    out = tmp_path / "killed.jsonl"
    command = [
        sys.executable, "-m", "verify.cli", "batch", str(plain["folder"]), "--out", str(out),
        "--workers", "1", "-q",
    ]  # fmt: skip
    proc = subprocess.Popen(
        command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True
    )
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and proc.poll() is None:
        if out.exists() and out.read_bytes().count(b"\n") >= 3:  # the header and two rows
            break
        time.sleep(0.02)
    os.kill(proc.pid, signal.SIGKILL)  # the parent only, as the out-of-memory killer does
    proc.wait()
    before = read_lines(out)
    assert not any(line.record["kind"] == "summary" for line in before.lines), "not killed mid-way"
    assert all_gone(proc.pid)  # its workers noticed and ended (and their ffmpeg)
    finished = subprocess.run(command, capture_output=True, text=True, check=False, timeout=120)
    assert finished.returncode == ExitCode.PARTIAL, finished.stderr
    rows = read_rows(out)
    assert by_path(rows) == by_path(plain["rows"])
    file_rows = [line.raw for line in before.lines if line.record["kind"] == "file"]
    assert file_rows
    assert out.read_bytes().startswith(before.lines[0].raw + b"".join(file_rows))
    assert summary_of(rows)["skipped"] == len(file_rows)


def session_processes(session: int) -> list[int]:
    """Processes still alive in ``session`` (zombies waiting to be reaped are not)."""
    alive = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            state = (entry / "stat").read_text().rsplit(")", 1)[1].split()[0]
            if os.getsid(int(entry.name)) == session and state != "Z":
                alive.append(int(entry.name))
        except (OSError, IndexError):
            continue
    return alive


def all_gone(session: int, wait: float = 10.0) -> bool:
    """True once no process of ``session`` is left (signals and exits take a moment)."""
    deadline = time.monotonic() + wait
    while session_processes(session):
        if time.monotonic() > deadline:
            return False
        time.sleep(0.1)
    return True


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="needs /proc")
def test_terminate_stops_workers_and_keeps_rows(plain, tmp_path):
    out = tmp_path / "stopped.jsonl"
    command = [
        sys.executable, "-m", "verify.cli", "batch", str(plain["folder"]), "--out", str(out),
        "--workers", "2",
    ]  # fmt: skip
    proc = subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True
    )
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and proc.poll() is None:
        if out.exists() and out.read_bytes().count(b"\n") >= 2:
            break
        time.sleep(0.02)
    os.kill(proc.pid, signal.SIGTERM)  # the parent only, as `kill PID` does
    _, stderr = proc.communicate(timeout=60)
    assert proc.returncode == 130, stderr
    assert b"run the same command again to resume" in stderr
    assert all_gone(proc.pid)
    assert read_lines(out).torn_tail is False
    read_rows(out)


@pytest.mark.skipif(os.geteuid() == 0 and shutil.which("setpriv") is None, reason="no setpriv")
def test_unreadable_folders(samples, tmp_path):
    folder = tmp_path / "folder"
    (folder / "locked").mkdir(parents=True)
    shutil.copy(samples / "photo.jpg", folder / "photo.jpg")
    shutil.copy(samples / "photo.jpg", folder / "locked" / "hidden.jpg")
    prefix = ["setpriv", "--bounding-set", "-dac_override,-dac_read_search", "--"]
    prefix = prefix if os.geteuid() == 0 else []

    def batch(target: Path) -> subprocess.CompletedProcess:
        command = [sys.executable, "-m", "verify.cli", "batch", str(target), "-q"]
        command += ["--out", str(tmp_path / f"{target.name}.jsonl")]
        return subprocess.run(prefix + command, capture_output=True, text=True, timeout=120)

    (folder / "locked").chmod(0)
    try:
        inner = batch(folder)
        folder.chmod(0)
        outer = batch(folder)
    finally:
        folder.chmod(0o755)
        (folder / "locked").chmod(0o755)
    assert inner.returncode == ExitCode.PARTIAL, inner.stderr
    rows = by_path(read_rows(tmp_path / "folder.jsonl"))
    assert rows["photo.jpg"]["kind"] == "file"
    assert "cannot be listed" in rows["locked/"]["error"]["message"]
    assert outer.returncode == ExitCode.INPUT, outer.stderr
    assert "permission denied" in outer.stderr


def test_a_changed_file_is_redone(run_cli, samples, tmp_path):
    folder = tmp_path / "folder"
    folder.mkdir()
    shutil.copy(samples / "original.mov", folder / "a.mov")
    shutil.copy(samples / "stripped.mp4", folder / "b.mp4")
    out = tmp_path / "out.jsonl"
    assert run_cli("batch", str(folder), "--out", str(out), "-q").exit_code == 0
    first = by_path(read_rows(out))
    # Same size and mtime, different bytes: only the SHA-256 check can tell.
    target = folder / "b.mp4"
    stat = target.stat()
    data = bytearray(target.read_bytes())
    data[-100] ^= 0xFF
    target.write_bytes(bytes(data))
    os.utime(target, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    result = run_cli("batch", str(folder), "--out", str(out), "-q", "--json")
    assert result.exit_code == 0
    summary = json.loads(result.stdout)
    assert (summary["skipped"], summary["processed"]) == (1, 1)
    second = by_path(read_rows(out))
    assert second["a.mov"] == first["a.mov"]
    assert second["b.mp4"]["sha256"] == sha256_of(target) != first["b.mp4"]["sha256"]


def test_a_file_vanishing_during_the_run(plain, tmp_path):
    folder = tmp_path / "folder"
    shutil.copytree(plain["folder"], folder)
    last = folder / DOWNLOAD_NAME  # last in path order: not started when the first finishes

    def remove_once(state: ProgressState) -> None:
        if state.processed >= 1 and last.exists():
            last.unlink()

    summary = run_batch(folder, tmp_path / "out.jsonl", workers=1, on_progress=remove_once)
    rows = by_path(read_rows(tmp_path / "out.jsonl"))
    assert rows[DOWNLOAD_NAME]["kind"] == "error"
    assert "no such file" in rows[DOWNLOAD_NAME]["error"]["message"]
    assert summary.ok == 6 and batch_exit_code(summary) == ExitCode.PARTIAL


def test_other_folder_or_bank_is_refused(run_cli, plain, tmp_path, samples):
    out = tmp_path / "out.jsonl"
    shutil.copy(plain["out"], out)
    other = tmp_path / "other"
    other.mkdir()
    shutil.copy(samples / "photo.jpg", other)
    result = run_cli("batch", str(other), "--out", str(out))
    assert result.exit_code == ExitCode.OUTPUT and "another folder" in result.stderr
    Bank(tmp_path / "b.sqlite").close()
    result = run_cli(
        "batch", str(plain["folder"]), "--out", str(out), "--db", str(tmp_path / "b.sqlite")
    )
    assert result.exit_code == ExitCode.OUTPUT and "another bank" in result.stderr
    assert out.read_bytes() == plain["out"].read_bytes()


def test_output_of_another_version_is_refused(run_cli, plain, tmp_path):
    """Rows of schema 1.0 lack the upper 75 % hash: the file is left alone, not mixed."""
    out = tmp_path / "out.jsonl"
    lines = plain["out"].read_text().splitlines()
    header = json.loads(lines[0])
    header["schema_version"] = "1.0"
    out.write_text("\n".join([json.dumps(header), *lines[1:]]) + "\n")
    before = out.read_bytes()
    result = run_cli("batch", str(plain["folder"]), "--out", str(out))
    assert result.exit_code == ExitCode.OUTPUT and "another version" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert out.read_bytes() == before


# --- the bank --------------------------------------------------------------------------


def test_matching_and_adding_to_a_bank(run_cli, samples, tmp_path):
    bank = tmp_path / "bank.sqlite"
    with Bank(bank) as known:
        index_file(known, samples / "original.mov", source="archive")
    folder = tmp_path / "folder"
    folder.mkdir()
    shutil.copy(samples / "telegram_reencode.mp4", folder / "copy.mp4")
    shutil.copy(samples / "vertical_rotated.mp4", folder / "other.mp4")
    shutil.copy(samples / "photo.jpg", folder / "photo.jpg")
    out = tmp_path / "out.jsonl"
    args = ("batch", str(folder), "--out", str(out), "--db", str(bank), "-q")
    result = run_cli(*args, "--add-to-bank")
    assert result.exit_code == 0, result.stderr
    rows = by_path(read_rows(out))
    (match,) = rows["copy.mp4"]["bank_matches"]
    assert match["sha256"] == sha256_of(samples / "original.mov")
    assert match["source"] == "archive" and match["score"] > 0.8
    assert rows["other.mp4"]["bank_matches"] == []
    assert rows["photo.jpg"]["bank_matches"] is None
    assert summary_of(read_rows(out))["bank"] == {
        "path": str(bank), "matched": 1, "added": 2, "already_known": 0,
    }  # fmt: skip
    with Bank(bank, readonly=True) as known:
        videos = {v.sha256: v for v in known.videos()}
    assert set(videos) == {
        sha256_of(p) for p in (samples / "original.mov", folder / "copy.mp4", folder / "other.mp4")
    }
    added = videos[sha256_of(folder / "copy.mp4")]
    assert added.sampling == "fps=2" and added.path == str(folder / "copy.mp4")
    # A second run on another output: the folder's own videos, now in the
    # bank, are not reported as matches (that is what the groups are for).
    again = tmp_path / "again.jsonl"
    assert (
        run_cli("batch", str(folder), "--out", str(again), "--db", str(bank), "-q").exit_code == 0
    )
    assert by_path(read_rows(again))["copy.mp4"]["bank_matches"] == rows["copy.mp4"]["bank_matches"]


def test_added_videos_keep_the_sound_matching_heard(run_cli, samples, tmp_path, monkeypatch):
    """With a bank that holds sound, matching hears each file's sound, and `--add-to-bank`
    stores those landmarks (the same a fresh decode gives) without decoding the sound
    again; into a bank without sound, where matching hears nothing, the sound is decoded
    for the bank."""
    import verify.batch.run
    from verify.bank.indexing import sound_of

    folder = tmp_path / "folder"
    folder.mkdir()
    shutil.copy(samples / "telegram_reencode.mp4", folder / "copy.mp4")
    fresh = sound_of(folder / "copy.mp4", timeout=30)

    def stored_sound(bank: Path):
        with Bank(bank, readonly=True) as known:
            added = known.find(sha256_of(folder / "copy.mp4"))
            return known.known_audio([added.id]).get(added.id)

    def add(bank: Path) -> None:
        out = tmp_path / f"{bank.stem}.jsonl"
        result = run_cli("batch", str(folder), "--out", str(out), "--db", str(bank), "-q",
                         "--workers", "1", "--add-to-bank")  # fmt: skip
        assert result.exit_code == 0, result.stderr

    with_sound = tmp_path / "with-sound.sqlite"
    with Bank(with_sound) as known:
        index_file(known, samples / "original.mov", source="archive")
        assert known.has_audio()

    def no_second_decode(*_args, **_kwargs):
        raise AssertionError("the sound was decoded again")

    with monkeypatch.context() as patch:
        patch.setattr(verify.batch.run, "sound_of", no_second_decode)
        add(with_sound)
    stored = stored_sound(with_sound)
    assert stored is not None and stored.count == fresh.count > 0
    assert (stored.hashes == fresh.hashes).all() and (stored.times == fresh.times).all()

    without_sound = tmp_path / "without-sound.sqlite"
    Bank(without_sound).close()
    add(without_sound)
    decoded = stored_sound(without_sound)
    assert decoded is not None and (decoded.hashes == fresh.hashes).all()


def test_missing_bank(run_cli, plain, tmp_path):
    result = run_cli(
        "batch",
        str(plain["folder"]),
        "--out",
        str(tmp_path / "o"),
        "--db",
        str(tmp_path / "none.sqlite"),
    )
    assert result.exit_code == ExitCode.BANK
    assert not (tmp_path / "o").exists()


# --- pieces ------------------------------------------------------------------------------


def test_thinning_equals_sampling_at_the_lower_rate(samples):
    dense = fingerprint_video(samples / "original.mov", MATCH.query_sampling)
    sparse = fingerprint_video(samples / "original.mov", "fps=2")
    thinned = thin_to_rate(dense, 2.0)
    # The same frames and hashes; the shots are those of the denser scan, whose
    # cuts are found between frames 1/16 s apart rather than 0.5 s.
    assert dataclasses.replace(thinned, shots=sparse.shots) == sparse
    assert thinned.shots == dense.shots


def test_progress_text():
    running = ProgressState(total=200, done=50, errors=2, processed=40, elapsed=20.0)
    assert describe(running) == "batch  50/200 files  2 files/s  ETA 0:01:15  2 errors"
    finished = ProgressState(total=3, done=3, errors=1, processed=3, elapsed=61.0)
    assert describe(finished) == "batch  3/3 files  0.049 files/s  took 0:01:01  1 error"


def test_progress_line_on_a_terminal():
    stream = io.StringIO()
    line = ProgressLine(stream, tty=True)
    line.update(ProgressState(total=10, done=1, errors=0, processed=1, elapsed=2.0))
    line.message("verify: error: x.mp4: bad")
    line.update(ProgressState(total=10, done=2, errors=1, processed=2, elapsed=3.0))
    line.finish()
    text = stream.getvalue()
    # Redrawn in place; the error on a line of its own; the final state kept.
    assert text.startswith("\rbatch  1/10 files")
    assert "\rverify: error: x.mp4: bad\n" in text
    assert text.endswith("\rbatch  2/10 files  0.67 files/s  ETA 0:00:12  1 error\n")


def test_read_lines_drops_only_a_torn_tail(tmp_path):
    path = tmp_path / "rows.jsonl"
    path.write_bytes(b'{"a": 1}\n{"b": 2}\n{"c": ')
    found = read_lines(path)
    assert [line.record for line in found.lines] == [{"a": 1}, {"b": 2}]
    assert found.torn_tail
    path.write_bytes(b'{"a": 1}\n\x00\x00\x00\n')  # a torn write that ends in a newline
    assert read_lines(path).torn_tail
    path.write_bytes(b'{"a": 1}\nedited by hand\n{"b": 2}\n')
    with pytest.raises(OutputError, match="line 2 is not a JSON object"):
        read_lines(path)


def test_file_rows_round_trip(plain):
    """A row read back is the row written: one serialisation, one reader."""
    from verify.batch.rows import FileRow

    records = [json.loads(line) for line in plain["out"].read_text().splitlines()]
    files = [r for r in records if r["kind"] == "file"]
    assert files
    for record in files:
        row = FileRow.from_dict(record)
        assert row.to_dict() == record
        assert FileRow.from_dict(row.to_dict()) == row
    broken = {**files[0], "sha256": 7}
    with pytest.raises(ValueError):
        FileRow.from_dict(broken)


def test_rows_carry_shared_list_matches(run_cli, samples, tmp_path):
    bank = tmp_path / "bank.sqlite"
    listing = tmp_path / "list.txt"
    listing.write_text(run_cli("hash", "--format", "pytx", str(samples / "original.mov")).stdout)
    imported = run_cli("index", "import-hashes", "--db", str(bank), "--format", "pytx",
                       "--source", "partner", str(listing))  # fmt: skip
    assert imported.exit_code == 0, imported.stderr
    folder = tmp_path / "folder"
    folder.mkdir()
    shutil.copy(samples / "telegram_reencode.mp4", folder / "copy.mp4")
    shutil.copy(samples / "vertical_rotated.mp4", folder / "other.mp4")
    shutil.copy(samples / "photo.jpg", folder / "photo.jpg")
    out = tmp_path / "out.jsonl"
    result = run_cli("batch", str(folder), "--out", str(out), "--db", str(bank), "-q")
    assert result.exit_code == 0, result.stderr
    rows = by_path(read_rows(out))
    (found,) = rows["copy.mp4"]["list_matches"]
    assert (found["list"], found["rule"]) == ("partner", "vpdq")
    assert rows["other.mp4"]["list_matches"] == []
    assert rows["photo.jpg"]["list_matches"] is None
    table = tmp_path / "table.csv"
    again = run_cli("batch", str(folder), "--out", str(out), "--db", str(bank), "-q",
                    "--csv", str(table))  # fmt: skip
    assert again.exit_code == 0, again.stderr
    cells = {Path(r["path"]).name: r["list_matches"]
             for r in csv.DictReader(table.read_text("utf-8-sig").splitlines())}  # fmt: skip
    assert cells == {"copy.mp4": f"partner #{found['id']} (vpdq)", "other.mp4": "",
                     "photo.jpg": ""}  # fmt: skip
