"""A fault campaign: damaged files in ten containers through every command that takes a file.

The samples are turned into ten containers (MP4, MOV, MKV, WebM, AVI,
MPEG-TS, 3GP, JPEG, PNG, WebP) and each is damaged fourteen ways
(`tests.faults.FAULTS`: truncations, flipped bits, garbage blocks, a box
claiming 2^62 bytes, 5 000 tiny boxes, random bytes ...), with hostile
names among them. Every file goes through `inspect`, `hash`, `index add`
and `batch`, and a share of them (all of them in the slow run) through
`keyframes`, `match` and `report`. Whatever the file, each run must end in
bounded time with a documented exit code other than 1, print no traceback,
print one schema-valid JSON document under ``--json``, and leave every
input byte as it was.

The default run damages each container once (140 files); ``-m slow``
draws three times (420 files) and sends every file through every command.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import threading
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner

from tests.conftest import run_ffmpeg, sha256_of, validate
from tests.faults import FAULTS, media_faults
from verify.cli import main
from verify.errors import ExitCode

# Exit codes a damaged file may lead to (README's table): never 1, never 2.
ALLOWED = {
    ExitCode.OK, ExitCode.INPUT, ExitCode.MEDIA, ExitCode.PARTIAL, ExitCode.NO_MATCH,
}  # fmt: skip
# A run that takes longer than this is a hang: ffprobe and ffmpeg get --timeout 20.
HANG_S = 90
_FRAMES_WRITTEN = re.compile(r"^\d+ frame\(s\) written to ")
TOOL_TIMEOUT = "20"
# Names a hostile sender could choose (each given to one damaged file).
HOSTILE_NAMES = [
    "-rf --json.mp4", "a;b $(touch pwned) `id`.mov", "<img src=x onerror=alert(1)>.mkv",
    "img%d.jpg", "pat%03d.png", "concat:x.mp4", "ünïcödé видео 视频.webm", "many...dots...avi",
]  # fmt: skip


def _containers(ffmpeg: str, samples: Path, folder: Path) -> dict[str, Path]:
    """Short clips and stills of the samples in ten containers."""
    original = samples / "original.mov"
    clip = ["-t", "3", "-vf", "scale=320:180"]
    made = {
        "clip.mp4": [*clip, "-c:v", "libx264", "-preset", "ultrafast", "-c:a", "aac"],
        "clip.mov": ["-t", "3", "-c", "copy"],
        "clip.mkv": [*clip, "-c:v", "libx264", "-preset", "ultrafast", "-c:a", "aac"],
        "clip.webm": [*clip, "-c:v", "libvpx", "-b:v", "300k", "-deadline", "realtime", "-an"],
        "clip.avi": [*clip, "-c:v", "mpeg4", "-c:a", "mp3"],
        "clip.ts": [*clip, "-c:v", "libx264", "-preset", "ultrafast", "-c:a", "aac"],
        "clip.3gp": [*clip, "-c:v", "libx264", "-preset", "ultrafast", "-an"],
        "still.png": ["-frames:v", "1", "-vf", "scale=320:180"],
        "still.webp": ["-frames:v", "1", "-vf", "scale=320:180"],
    }
    sources = {}
    for name, args in made.items():
        run_ffmpeg(ffmpeg, "-i", original, *args, folder / name)
        sources[name] = folder / name
    shutil.copy(samples / "photo.jpg", folder / "still.jpg")
    sources["still.jpg"] = folder / "still.jpg"
    return sources


class Campaign:
    """The damaged files, their bytes before, and the bank to match against."""

    def __init__(self, root: Path, ffmpeg: str, samples: Path, seeds: int):
        sources_dir, self.folder = root / "sources", root / "faults"
        sources_dir.mkdir()
        self.folder.mkdir()
        self.files = media_faults(
            _containers(ffmpeg, samples, sources_dir), self.folder, seeds=seeds
        )
        for index, name in enumerate(HOSTILE_NAMES):  # rename a few to hostile names
            hostile = self.folder / name
            self.files[index * 7].rename(hostile)
            self.files[index * 7] = hostile
        self.before = {path: sha256_of(path) for path in self.files}
        self.bank = root / "bank.sqlite"
        result = invoke("index", "add", str(samples / "original.mov"), "--db", str(self.bank))
        assert result.exit_code == 0, result.stderr

    def unchanged(self) -> list[str]:
        """Files whose bytes differ from before (should be none)."""
        return [str(p) for p, digest in self.before.items() if sha256_of(p) != digest]


def invoke(*args: str):
    """The CLI in-process on a thread; a run still going after HANG_S fails the test."""
    outcome: dict[str, object] = {}

    def run() -> None:
        outcome["result"] = CliRunner().invoke(main, list(args), catch_exceptions=True)

    worker = threading.Thread(target=run, daemon=True)
    worker.start()
    worker.join(HANG_S)
    assert not worker.is_alive(), f"hung for {HANG_S} s: verify {' '.join(args)}"
    return outcome["result"]


def check_run(result, args: tuple[str, ...], kind: str, *, allowed: set[int] = ALLOWED) -> object:
    """The invariants of one run: its exit code, clean stderr, and a valid JSON document."""
    where = f"verify {' '.join(args)}"
    assert result.exception is None or isinstance(result.exception, SystemExit), (
        where, result.exception,
    )  # fmt: skip
    assert result.exit_code in allowed, (where, result.exit_code, result.stderr)
    assert "Traceback" not in result.stderr, (where, result.stderr)
    assert "internal error" not in result.stderr, (where, result.stderr)
    for line in result.stderr.splitlines():  # our own lines only, no tool's noise
        assert line.startswith("verify: ") or _FRAMES_WRITTEN.match(line), (where, line)
    document = json.loads(result.stdout)
    validate(document, kind)
    return document


@pytest.fixture(scope="module")
def campaign(tmp_path_factory, ffmpeg, samples) -> Campaign:
    return Campaign(tmp_path_factory.mktemp("campaign"), ffmpeg, samples, seeds=1)


@pytest.fixture(scope="module")
def full_campaign(tmp_path_factory, ffmpeg, samples) -> Campaign:
    return Campaign(tmp_path_factory.mktemp("full_campaign"), ffmpeg, samples, seeds=3)


def test_the_campaign_is_broad(campaign):
    suffixes = {path.suffix for path in campaign.files}
    assert len(campaign.files) >= 140
    assert len(suffixes) >= 10
    assert len(FAULTS) >= 14


def _many_files_commands(campaign: Campaign, tmp_path: Path) -> None:
    """inspect, hash and index add over every file in one call each, and batch over the folder."""
    files = [str(path) for path in campaign.files]
    for command, kind in (("inspect", "inspect"), ("hash", "hash")):
        args = (command, *files, "--json", "--timeout", TOOL_TIMEOUT)
        document = check_run(invoke(*args), args, kind)
        assert len(document) == len(files)
        assert {entry["ok"] for entry in document} == {True, False}  # some read, some not
    bank = tmp_path / "added.sqlite"
    args = ("index", "add", *files, "--db", str(bank), "--json", "--timeout", TOOL_TIMEOUT)
    document = check_run(invoke(*args), args, "index")
    assert len(document) == len(files)
    out = tmp_path / "batch.jsonl"
    args = ("batch", str(campaign.folder), "--out", str(out), "--db", str(campaign.bank),
            "--workers", "2", "--quiet", "--json", "--timeout", TOOL_TIMEOUT)  # fmt: skip
    summary = check_run(invoke(*args), args, "batch")
    assert summary["files"] == len(files)
    for line in out.read_text("utf-8").splitlines():
        validate(json.loads(line), "batch")


def _match(path: str, bank: Path, _out: Path) -> tuple[str, ...]:
    return ("match", path, "--db", str(bank))


def _keyframes(path: str, _bank: Path, out: Path) -> tuple[str, ...]:
    return ("keyframes", path, "-o", str(out / "frames"), "--sheet", str(out / "sheet.jpg"))


def _report(path: str, bank: Path, out: Path) -> tuple[str, ...]:
    html = str(out / "report.html")
    return ("report", path, "-o", str(out / "report.json"), "--html", html, "--db", str(bank))


SINGLE_FILE: dict[str, Callable[[str, Path, Path], tuple[str, ...]]] = {
    "match": _match,
    "keyframes": _keyframes,
    "report": _report,
}


def _single_file_commands(campaign: Campaign, files: list[Path], tmp_path: Path) -> int:
    runs = 0
    for number, path in enumerate(files):
        out = tmp_path / f"out{number}"
        out.mkdir()
        for kind, build in SINGLE_FILE.items():
            args = (*build(str(path), campaign.bank, out), "--json", "--timeout", TOOL_TIMEOUT)
            check_run(invoke(*args), args, kind)
            runs += 1
    return runs


def test_damaged_files_through_every_command(campaign, tmp_path):
    _many_files_commands(campaign, tmp_path)
    # One file in seven through the single-file commands: every fault and container meets them.
    share = campaign.files[::7]
    assert {p.suffix for p in share} >= {".mp4", ".jpg", ".png", ".mkv"}
    assert _single_file_commands(campaign, share, tmp_path) == 3 * len(share)
    assert campaign.unchanged() == []


@pytest.mark.slow
def test_full_campaign_through_every_command(full_campaign, tmp_path):
    assert len(full_campaign.files) >= 420
    _many_files_commands(full_campaign, tmp_path)
    runs = _single_file_commands(full_campaign, full_campaign.files, tmp_path)
    assert runs == 3 * len(full_campaign.files)
    assert full_campaign.unchanged() == []


def test_names_reach_no_shell_and_no_pattern(campaign, tmp_path):
    """Hostile names are only ever file names: nothing ran, nothing was created beside them."""
    assert not (Path.cwd() / "pwned").exists()
    assert not (campaign.folder / "pwned").exists()
    listed = sorted(os.listdir(campaign.folder))
    assert len(listed) == len(campaign.files)  # no stray file appeared in the folder
