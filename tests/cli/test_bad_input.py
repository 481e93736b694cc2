"""Every kind of bad input: one stderr line, a documented exit code, no traceback."""

from __future__ import annotations

import json
import os
import random
import shutil
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import sha256_of, validate
from verify.errors import ExitCode


def _one_error_line(stderr: str, name: str) -> str:
    lines = [line for line in stderr.splitlines() if line.strip()]
    assert len(lines) == 1, stderr
    assert name in lines[0]
    assert "Traceback" not in stderr
    return lines[0]


@pytest.fixture
def bad_files(tmp_path: Path, samples: Path) -> dict[str, Path]:
    files = {
        "empty": tmp_path / "empty.mp4",
        "text": tmp_path / "notes.mp4",
        "random": tmp_path / "noise.mp4",
        "random_bin": tmp_path / "noise.bin",
        "truncated": samples / "truncated.mp4",
        "folder": tmp_path / "a folder",
        "missing": tmp_path / "missing.mp4",
    }
    files["empty"].write_bytes(b"")
    files["text"].write_text("Meeting notes, not a video.\n" * 20)
    rng = random.Random(7)
    files["random"].write_bytes(bytes(rng.randrange(256) for _ in range(64_000)))
    files["random_bin"].write_bytes(files["random"].read_bytes())
    files["folder"].mkdir()
    return files


@pytest.mark.parametrize(
    ("key", "exit_code", "phrase"),
    [
        ("missing", ExitCode.INPUT, "no such file"),
        ("folder", ExitCode.INPUT, "is a directory"),
        ("empty", ExitCode.INPUT, "empty file"),
        ("text", ExitCode.MEDIA, "plain text"),
        ("random", ExitCode.MEDIA, "not a recognisable media file"),
        ("random_bin", ExitCode.MEDIA, "not a recognisable media file"),
        ("truncated", ExitCode.MEDIA, "moov"),
    ],
)
def test_bad_input_gets_one_line_and_exit_code(run_cli, bad_files, key, exit_code, phrase):
    path = bad_files[key]
    result = run_cli("inspect", str(path))
    assert result.exit_code == exit_code
    line = _one_error_line(result.stderr, path.name)
    assert phrase in line
    assert result.stdout == ""

    as_json = run_cli("inspect", "--json", str(path))
    assert as_json.exit_code == exit_code
    document = json.loads(as_json.stdout)
    validate(document, "inspect")
    assert document["ok"] is False
    assert document["error"]["exit_code"] == exit_code
    assert phrase in document["error"]["message"]


def test_good_and_bad_files_together(run_cli, samples, bad_files):
    good = samples / "original.mov"
    result = run_cli(
        "inspect", "--json", str(good), str(bad_files["text"]), str(bad_files["missing"])
    )
    assert result.exit_code == ExitCode.PARTIAL
    documents = json.loads(result.stdout)
    validate(documents, "inspect")
    assert [d["ok"] for d in documents] == [True, False, False]
    assert len(result.stderr.strip().splitlines()) == 2

    text = run_cli("inspect", str(good), str(bad_files["empty"]))
    assert text.exit_code == ExitCode.PARTIAL
    assert "sha256" in text.stdout


def test_all_bad_exits_with_first_failure_code(run_cli, bad_files):
    result = run_cli("inspect", str(bad_files["missing"]), str(bad_files["text"]))
    assert result.exit_code == ExitCode.INPUT


@pytest.mark.parametrize(
    "name",
    ["with space.mov", 'quote\'s "double".mov', "dollar $HOME.mov", "-dash.mov", "concat:x|y.mov"],
)
def test_odd_file_names(run_cli, samples, tmp_path, name):
    target = tmp_path / name
    shutil.copy(samples / "original.mov", target)
    result = run_cli("inspect", "--json", str(target))
    assert result.exit_code == 0, result.stderr
    document = json.loads(result.stdout)
    validate(document, "inspect")
    assert document["file"]["name"] == name
    assert document["capture"]["device"]["model"] == "iPhone 12 Pro"


def test_non_utf8_file_name(samples, tmp_path):
    raw_dir = os.fsencode(tmp_path)
    raw_name = raw_dir + b"/caf\xe9 \xff.mov"
    shutil.copy(samples / "original.mov", raw_name)
    done = subprocess.run(
        [sys.executable, "-m", "verify.cli", "inspect", "--json", raw_name],
        capture_output=True,
        check=False,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    document = json.loads(done.stdout)
    validate(document, "inspect")
    assert document["file"]["name"] == "caf\\xe9 \\xff.mov"

    missing = raw_dir + b"/gon\xe9.mp4"
    done = subprocess.run(
        [sys.executable, "-m", "verify.cli", "inspect", missing],
        capture_output=True,
        check=False,
        timeout=120,
    )
    assert done.returncode == ExitCode.INPUT
    _one_error_line(done.stderr.decode(), "gon\\xe9.mp4")


def test_unreadable_file(samples, tmp_path):
    target = tmp_path / "locked.mov"
    shutil.copy(samples / "original.mov", target)
    target.chmod(0)
    command = [sys.executable, "-m", "verify.cli", "inspect", str(target)]
    if os.geteuid() == 0:
        # root reads anything; drop the capabilities that let it, as setpriv can.
        setpriv = shutil.which("setpriv")
        if setpriv is None:
            pytest.skip("running as root without setpriv: cannot make a file unreadable")
        command = [setpriv, "--bounding-set", "-dac_override,-dac_read_search", "--", *command]
    done = subprocess.run(command, capture_output=True, text=True, check=False, timeout=120)
    assert done.returncode == ExitCode.INPUT, done.stderr
    assert "permission denied" in _one_error_line(done.stderr, "locked.mov")


def test_hung_decoder_is_killed_after_timeout(samples, tmp_path):
    """An ffmpeg that never writes a frame (started early, before the imports) is
    killed once it has been silent for --timeout seconds; the error names the file."""
    pid_file = tmp_path / "pids"
    fake = tmp_path / "ffmpeg-hangs"
    fake.write_text(f"#!/bin/sh\necho $$ >> '{pid_file}'\nexec sleep 300\n")
    fake.chmod(fake.stat().st_mode | stat.S_IXUSR)
    env = {**os.environ, "VERIFY_FFMPEG": str(fake)}
    command = [sys.executable, "-m", "verify.cli", "hash", "--timeout", "1"]
    done = subprocess.run(
        [*command, str(samples / "original.mov")],
        capture_output=True, text=True, check=False, timeout=120, env=env,
    )  # fmt: skip
    assert done.returncode == ExitCode.MEDIA, done.stderr
    line = _one_error_line(done.stderr, "original.mov")
    assert "ffmpeg produced nothing for 1 s" in line
    pids = [int(p) for p in pid_file.read_text().split()]
    assert len(pids) == 1  # the early run was the one used
    for pid in pids:
        with pytest.raises(ProcessLookupError):
            os.kill(pid, 0)


def test_hung_ffprobe_is_killed_after_timeout(samples, tmp_path):
    # Stand-in for an ffprobe stuck on a file: a script that records its pid
    # and sleeps. The real ffprobe is used everywhere else.
    pid_file = tmp_path / "pid"
    fake = tmp_path / "ffprobe-hangs"
    fake.write_text(f"#!/bin/sh\necho $$ > '{pid_file}'\nexec sleep 300\n")
    fake.chmod(fake.stat().st_mode | stat.S_IXUSR)
    env = {**os.environ, "VERIFY_FFPROBE": str(fake)}
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "verify.cli",
            "inspect",
            "--timeout",
            "1",
            str(samples / "original.mov"),
        ],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
        env=env,
    )
    assert done.returncode == ExitCode.MEDIA
    line = _one_error_line(done.stderr, "original.mov")
    assert "did not finish within 1 s" in line
    pid = int(pid_file.read_text())
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)


def test_missing_ffprobe_is_reported(samples, tmp_path, run_cli):
    result = run_cli(
        "inspect", str(samples / "original.mov"), env={"VERIFY_FFPROBE": str(tmp_path / "nope")}
    )
    assert result.exit_code == ExitCode.TOOL_MISSING
    assert "VERIFY_FFPROBE" in _one_error_line(result.stderr, "VERIFY_FFPROBE")


def test_inputs_are_never_modified(run_cli, samples, bad_files):
    paths = sorted(p for p in samples.iterdir() if p.suffix in {".mov", ".mp4", ".jpg"})
    assert paths
    before = {p: (p.stat().st_mtime_ns, sha256_of(p)) for p in paths}
    run_cli("inspect", "--json", *map(str, paths))
    after = {p: (p.stat().st_mtime_ns, sha256_of(p)) for p in paths}
    assert before == after
