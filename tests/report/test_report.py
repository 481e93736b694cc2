"""`verify report`: the provenance report (JSON, contact sheet, HTML) for one item."""

from __future__ import annotations

import base64
import errno
import hashlib
import json
import os
import re
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from tests.conftest import sha256_of, validate
from verify.bank import KnownVideo
from verify.config import MATCH
from verify.errors import ExitCode
from verify.hashing.fingerprint import fingerprint_video
from verify.hashing.phash import FrameHash
from verify.report.build import _Gallery
from verify.report.model import MAX_SHOWN_FRAMES, known_since, verify_digest

POSTED = "2022-04-03T07:00:00Z"  # --posted 2022-04-03T10:00:00+03:00, in UTC


@pytest.fixture(scope="module")
def report_bank(tmp_path_factory, samples) -> Path:
    """A real bank made with `verify index add`: the original (posted) and a stripped copy."""
    from click.testing import CliRunner

    from verify.cli import main

    bank = tmp_path_factory.mktemp("report-bank") / "bank.sqlite"
    runner = CliRunner()
    for args in (
        ["--source", "archive 2022", "--posted", "2022-04-03T10:00:00+03:00", "original.mov"],
        ["stripped.mp4"],
    ):
        *options, name = args
        result = runner.invoke(
            main, ["index", "add", "--db", str(bank), *options, str(samples / name)]
        )
        assert result.exit_code == 0, result.stderr
    return bank


def make_report(run_cli, source: Path, out: Path, *extra: str) -> dict:
    """Run `verify report --json`; check stdout is the written file, and the schemas."""
    result = run_cli("report", str(source), "-o", str(out), "--json", *extra)
    assert result.exit_code == 0, result.stderr
    document = json.loads(result.stdout)
    assert json.loads(out.read_text("utf-8")) == document
    validate(document, "report")
    validate(document["inspection"], "inspect")
    return document


def events(document: dict) -> list[str]:
    return [e["event"] for e in document["custody"]["events"]]


# --- the report -----------------------------------------------------------------


def test_report_without_bank(run_cli, samples, tmp_path):
    source = samples / "original.mov"
    before = sha256_of(source)
    document = make_report(run_cli, source, tmp_path / "report.json")

    custody = document["custody"]
    assert custody["file"]["sha256"] == before
    assert custody["file"]["size"] == source.stat().st_size
    assert re.fullmatch(r"[0-9a-f]{32}", custody["file"]["md5"])
    assert custody["options"]["sample"] == "keyframes"
    assert custody["options"]["db"] is None
    assert custody["environment"]["tools"]["ffprobe"]["version"].startswith("ffprobe version")
    assert events(document) == [
        "collected", "hashed", "inspected", "analysed", "keyframes", "reported",
    ]  # fmt: skip
    times = [e["at"] for e in custody["events"]]
    assert times == sorted(times)

    assert document["inspection"]["capture"]["device"]["model"] == "iPhone 12 Pro"
    matching = document["matching"]
    assert matching["performed"] is False
    assert "--db" in matching["reason"]
    assert matching["earliest_copy"] is None

    keyframes = document["keyframes"]
    assert keyframes["available"] is True
    # The frames `verify hash --sample keyframes` takes, hashed alike (the report's come
    # from full-size colour frames reduced in Python, so a bit or two may differ).
    expected = fingerprint_video(source, "keyframes").frames
    assert [f["time"] for f in keyframes["frames"]] == [round(f.time, 4) for f in expected]
    for frame, reference in zip(keyframes["frames"], expected, strict=True):
        assert FrameHash.from_hex(frame["phash"]) - reference.phash <= MATCH.match_distance
    assert {0.0, 2.0, 4.0, 6.0} <= {f["time"] for f in keyframes["frames"]}  # the shot cuts
    assert all(f["shown"] for f in keyframes["frames"])
    sheet = tmp_path / keyframes["contact_sheet"]["file"]
    assert sheet.name == "report.sheet.jpg"
    assert hashlib.sha256(sheet.read_bytes()).hexdigest() == keyframes["contact_sheet"]["sha256"]
    assert Image.open(sheet).format == "JPEG"
    assert sha256_of(source) == before  # the input is never modified


def test_report_with_bank_names_the_earliest_copy(run_cli, samples, report_bank, tmp_path):
    source = samples / "telegram_reencode.mp4"
    before = sha256_of(source)
    out, page = tmp_path / "report.json", tmp_path / "report.html"
    document = make_report(run_cli, source, out, "--db", str(report_bank), "--html", str(page))

    assert events(document) == [
        "collected", "hashed", "inspected", "analysed", "keyframes", "matched", "reported",
    ]  # fmt: skip
    matching = document["matching"]
    assert matching["performed"] is True
    assert matching["bank_videos"] == 2
    assert matching["sampling"] == MATCH.query_sampling
    by_name = {Path(m["path"]).name: m for m in matching["matches"]}
    original = by_name["original.mov"]
    assert original["segments"]
    assert original["segments"][0]["query_start"] == pytest.approx(0.0, abs=0.3)
    assert original["segments"][-1]["query_end"] == pytest.approx(8.0, abs=0.3)
    assert original["known_since"] == {
        "time": POSTED,
        "evidence": "posted_at",
        "explanation": original["known_since"]["explanation"],
    }
    # The stripped copy has no posting time and no creation time: only when it was added.
    assert by_name["stripped.mp4"]["known_since"]["evidence"] == "added_at"
    earliest = matching["earliest_copy"]
    assert Path(earliest["path"]).name == "original.mov"
    assert (earliest["time"], earliest["evidence"], earliest["source"]) == (
        POSTED,
        "posted_at",
        "archive 2022",
    )
    flags = {f["code"] for f in document["inspection"]["flags"]}
    assert "reencoded_ffmpeg" in flags
    assert page.is_file()
    assert sha256_of(source) == before


def test_text_summary(run_cli, samples, report_bank, tmp_path):
    out = tmp_path / "r.json"
    result = run_cli(
        "report", str(samples / "telegram_reencode.mp4"), "-o", str(out), "--db", str(report_bank)
    )
    assert result.exit_code == 0, result.stderr
    assert "red flags     reencoded_ffmpeg" in result.stdout
    assert re.search(
        r"earliest\s+\S*original\.mov\s+\(posted_at 2022-04-03T07:00:00Z\)", result.stdout
    )
    assert f"wrote {out}" in result.stdout
    assert f"wrote {tmp_path / 'r.sheet.jpg'}" in result.stdout
    assert result.stderr == ""


def test_still_gets_a_report_without_frames(run_cli, samples, report_bank, tmp_path):
    page = tmp_path / "photo.html"
    document = make_report(
        run_cli, samples / "photo.jpg", tmp_path / "photo.json",
        "--db", str(report_bank), "--html", str(page),
    )  # fmt: skip
    assert document["inspection"]["media_kind"] == "image"
    assert document["keyframes"]["available"] is False
    assert "still image" in document["keyframes"]["reason"]
    assert document["keyframes"]["contact_sheet"] is None
    assert document["matching"]["performed"] is False
    assert "only videos" in document["matching"]["reason"]
    assert "matched" not in events(document)
    assert not (tmp_path / "photo.sheet.jpg").exists()
    assert document["inspection"]["capture"]["device"]["model"] == "Pixel 6"
    html = page.read_text("utf-8")
    assert 'alt="the picture"' in html  # the photo itself, reduced
    assert "Pixel 6" in html


def test_picture_structure_and_hostile_xmp_on_the_page(run_cli, samples, report_bank, tmp_path):
    from tests.inspection import exif_builder as eb

    hostile = '<img src=x onerror=alert(1)> & "quoted"'
    packet = eb.xmp_packet(
        'xmp:CreatorTool="Editor &lt;b&gt;X&lt;/b&gt;">'
        '<xmpMM:History><rdf:Seq><rdf:li stEvt:action="saved" '
        'stEvt:softwareAgent="Adobe Photoshop 25.0"/></rdf:Seq></xmpMM:History>'
    )
    photo = tmp_path / "edited.jpg"
    photo.write_bytes(
        eb.jpeg_with(
            (samples / "photo.jpg").read_bytes(),
            [eb.xmp_segment(packet), eb.segment(0xFE, hostile.encode())],
        )
    )
    page = tmp_path / "edited.html"
    document = make_report(
        run_cli, photo, tmp_path / "edited.json", "--db", str(report_bank), "--html", str(page)
    )
    assert document["inspection"]["xmp"]["creator_tool"] == "Editor <b>X</b>"
    assert document["inspection"]["still"]["comments"] == [hostile]
    html = page.read_text("utf-8")
    assert "What the picture's own structure and XMP say" in html
    assert "saved by Adobe Photoshop 25.0" in html
    assert "Editor &lt;b&gt;X&lt;/b&gt;" in html and "<b>X</b>" not in html
    assert "&lt;img src=x onerror=alert(1)&gt; &amp; &quot;quoted&quot;" in html
    assert "<img src=x" not in html


def test_audio_only_gets_a_report_without_frames(run_cli, media, report_bank, tmp_path):
    audio = media("tone.m4a", "-c:a", "aac", src=("-f", "lavfi", "-i", "sine=duration=2"))
    document = make_report(run_cli, audio, tmp_path / "r.json", "--db", str(report_bank))
    assert document["inspection"]["media_kind"] == "audio"
    assert "no video stream" in document["keyframes"]["reason"]
    # Compared by its sound alone: a plain tone has too few peaks to match anything.
    matching = document["matching"]
    assert matching["performed"] is True and matching["matches"] == []
    assert matching["sound"]["state"] in ("no_match", "no_sound"), matching["sound"]
    assert matching["sound"]["matches"] == []


def test_damaged_video_data_is_reported_not_fatal(run_cli, samples, report_bank, tmp_path):
    """Zeroed media data behind an intact index: the report says what could not be done."""
    data = bytearray((samples / "original.mov").read_bytes())
    start = data.index(b"mdat") + 4
    data[start : start + 400_000] = bytes(400_000)
    broken = tmp_path / "zeroed.mov"
    broken.write_bytes(bytes(data))
    out = tmp_path / "r.json"
    document = make_report(
        run_cli, broken, out, "--db", str(report_bank), "--html", str(tmp_path / "r.html")
    )
    keyframes, matching = document["keyframes"], document["matching"]
    if keyframes["available"]:
        assert any("damaged" in note for note in keyframes["notes"])
    else:
        assert "could not be decoded" in keyframes["reason"]
        assert matching["performed"] is False
        assert matching["reason"] == keyframes["reason"]
    assert verify_digest(document)


# --- the digest -----------------------------------------------------------------


def test_digest_recomputes_and_reveals_tampering(run_cli, samples, tmp_path):
    out = tmp_path / "report.json"
    make_report(run_cli, samples / "telegram_reencode.mp4", out)
    document = json.loads(out.read_text("utf-8"))
    assert verify_digest(document)

    # Recomputed by hand, exactly as the README and the document describe it.
    body = {k: v for k, v in document.items() if k != "digest"}
    canonical = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    assert hashlib.sha256(canonical.encode("utf-8")).hexdigest() == document["digest"]["value"]

    # Layout does not matter: re-indented, reordered JSON still verifies.
    relaid = json.loads(json.dumps(dict(reversed(list(document.items()))), indent=7))
    assert verify_digest(relaid)

    for tamper in (
        lambda d: d["custody"]["file"].update(sha256="0" * 64),
        lambda d: d["inspection"]["flags"].pop(0),
        lambda d: d["custody"]["events"][0].update(at="2020-01-01T00:00:00.000Z"),
        lambda d: d["keyframes"]["frames"][0].update(phash="ffffffffffffffff"),
    ):
        changed = json.loads(out.read_text("utf-8"))
        tamper(changed)
        assert not verify_digest(changed)
    assert not verify_digest({k: v for k, v in document.items() if k != "digest"})


# --- the HTML page --------------------------------------------------------------


@pytest.fixture(scope="module")
def matched_page(tmp_path_factory, samples, report_bank) -> tuple[Path, dict]:
    from click.testing import CliRunner

    from verify.cli import main

    folder = tmp_path_factory.mktemp("page")
    out, page = folder / "report.json", folder / "report.html"
    result = CliRunner().invoke(
        main,
        ["report", str(samples / "telegram_reencode.mp4"), "-o", str(out), "--html", str(page),
         "--db", str(report_bank)],
    )  # fmt: skip
    assert result.exit_code == 0, result.stderr
    return page, json.loads(out.read_text("utf-8"))


def test_html_is_self_contained(matched_page):
    page, document = matched_page
    html = page.read_text("utf-8")
    assert "<script" not in html.lower()
    assert "<link" not in html.lower()
    assert "default-src 'none'" in html  # the browser may load nothing else
    references = re.findall(r"""(?:src|href|xlink:href)\s*=\s*["']([^"']*)""", html)
    references += re.findall(r"url\(\s*['\"]?([^)'\"]*)", html)
    assert references, "the page embeds its images"
    for reference in references:
        assert reference.startswith("data:image/"), reference
    images = re.findall(r'src="data:image/jpeg;base64,([^"]+)"', html)
    shown = sum(f["shown"] for f in document["keyframes"]["frames"])
    assert len(images) == shown + 1  # each shown frame, and the contact sheet
    for encoded in images:
        assert base64.b64decode(encoded)[:2] == b"\xff\xd8"  # JPEG


def test_html_reads_summary_first(matched_page):
    page, document = matched_page
    html = page.read_text("utf-8")
    order = [
        html.index("What this file is"),
        html.index("Red flags"),
        html.index("Earliest known copy"),
        html.index("Which seconds match which known video"),
        html.index("<h2>Details</h2>"),
        html.index("Chain of custody"),
    ]
    assert order == sorted(order)
    assert "original.mov" in html
    assert "2022-04-03 07:00:00 UTC" in html
    assert document["digest"]["value"] in html
    assert document["custody"]["file"]["sha256"] in html
    # The timeline strip: one row per known copy, a block per segment.
    svg = html[html.index("<svg") : html.index("</svg>")]
    assert svg.count("<title>") == sum(len(m["segments"]) for m in document["matching"]["matches"])
    assert "known 0:00" in svg
    # Each segment's speed: a re-encode plays at the known speed, said in its table.
    assert {s["rate"] for m in document["matching"]["matches"] for s in m["segments"]} == {1.0}
    assert "<th>speed (known seconds a second)</th>" in html and "<td>1.00x</td>" in html
    assert "the known speed" not in svg  # words only where the speed differs


def _chromium() -> str | None:
    for name in ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable"):
        found = shutil.which(name)
        if found:
            return found
    return None


def test_html_renders_in_a_real_browser(matched_page, tmp_path):
    browser = _chromium()
    if browser is None:
        pytest.skip(
            "no Chromium to render the page: install Debian's `chromium` package "
            "(.ci/run does when it runs as root with apt-get)"
        )
    page, _document = matched_page
    shot = tmp_path / "page.png"
    command = [
        browser, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
        "--no-first-run", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", f"--user-data-dir={tmp_path / 'profile'}", f"--screenshot={shot}",
        "--window-size=1200,1600", page.resolve().as_uri(),
    ]  # fmt: skip
    process = subprocess.Popen(
        command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True
    )
    try:
        _out, errors = process.communicate(timeout=120)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.communicate()
        pytest.fail("Chromium did not render the page within 120 s")
    assert shot.is_file(), errors.decode(errors="replace")[-2000:]
    pixels = np.asarray(Image.open(shot).convert("RGB"))
    assert pixels.shape[:2] == (1600, 1200)
    assert pixels.std() > 20, "the screenshot is blank"
    colours = np.unique(pixels[::4, ::4].reshape(-1, 3), axis=0)
    assert len(colours) > 50, "the screenshot has almost no content"
    # The red-flag bar (#b3261e) is drawn: the CSS and the summary rendered.
    red = np.all(np.abs(pixels.astype(int) - [0xB3, 0x26, 0x1E]) < 12, axis=-1)
    assert red.sum() > 500


# --- bad input and failed writes -----------------------------------------------


def _one_error_line(stderr: str, name: str) -> str:
    lines = [line for line in stderr.splitlines() if line.strip()]
    assert len(lines) == 1, stderr
    assert name in lines[0]
    assert "Traceback" not in stderr
    return lines[0]


@pytest.mark.parametrize(
    ("kind", "exit_code", "phrase"),
    [
        ("missing", ExitCode.INPUT, "no such file"),
        ("folder", ExitCode.INPUT, "is a directory"),
        ("empty", ExitCode.INPUT, "empty file"),
        ("text", ExitCode.MEDIA, "plain text"),
        ("truncated", ExitCode.MEDIA, "moov"),
    ],
)
def test_bad_input(run_cli, samples, tmp_path, kind, exit_code, phrase):
    inputs = tmp_path / "in"
    inputs.mkdir()
    path = {
        "missing": inputs / "missing.mp4",
        "folder": inputs / "a folder",
        "empty": inputs / "empty.mp4",
        "text": inputs / "notes.mp4",
        "truncated": samples / "truncated.mp4",
    }[kind]
    if kind == "folder":
        path.mkdir()
    elif kind == "empty":
        path.write_bytes(b"")
    elif kind == "text":
        path.write_text("Meeting notes, not a video.\n" * 20)
    before = sha256_of(path) if path.is_file() else None
    out = tmp_path / "out"
    out.mkdir()
    result = run_cli(
        "report", str(path), "-o", str(out / "report.json"), "--html", str(out / "r.html")
    )
    assert result.exit_code == exit_code
    assert phrase in _one_error_line(result.stderr, path.name)
    assert result.stdout == ""
    assert list(out.iterdir()) == []
    if before:
        assert sha256_of(path) == before


def test_missing_bank(run_cli, samples, tmp_path):
    result = run_cli(
        "report", str(samples / "original.mov"), "-o", str(tmp_path / "r.json"),
        "--db", str(tmp_path / "none.sqlite"),
    )  # fmt: skip
    assert result.exit_code == ExitCode.BANK
    _one_error_line(result.stderr, "none.sqlite")
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    ("target", "phrase"),
    [
        ("no-such-folder/report.json", "does not exist"),
        ("a-file/report.json", "is a file, not a folder"),
        ("a-folder", "is a folder"),
    ],
)
def test_output_path_problems(run_cli, samples, tmp_path, target, phrase):
    (tmp_path / "a-file").write_text("not a folder")
    (tmp_path / "a-folder").mkdir()
    result = run_cli("report", str(samples / "original.mov"), "-o", str(tmp_path / target))
    assert result.exit_code == ExitCode.OUTPUT
    assert phrase in _one_error_line(result.stderr, target.split("/")[-1])
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a-file", "a-folder"]
    assert list((tmp_path / "a-folder").iterdir()) == []


def test_output_never_overwrites_the_input(run_cli, samples, tmp_path):
    source = tmp_path / "clip.mp4"
    shutil.copy(samples / "telegram_reencode.mp4", source)
    before = sha256_of(source)
    for args in (["-o", str(source)], ["-o", str(tmp_path / "r.json"), "--html", str(source)]):
        result = run_cli("report", str(source), *args)
        assert result.exit_code == ExitCode.OUTPUT
        assert "overwrite the input file" in _one_error_line(result.stderr, "clip.mp4")
    assert sha256_of(source) == before


def test_unwritable_folder(samples, tmp_path):
    folder = tmp_path / "locked"
    folder.mkdir()
    folder.chmod(0o555)
    command = [
        sys.executable, "-m", "verify.cli", "report", str(samples / "photo.jpg"),
        "-o", str(folder / "report.json"), "--html", str(folder / "report.html"),
    ]  # fmt: skip
    if os.geteuid() == 0:
        # root writes anywhere; drop that power, as the bank's read-only test does.
        setpriv = shutil.which("setpriv")
        if setpriv is None:
            pytest.skip("running as root without setpriv: cannot make a folder unwritable")
        command = [setpriv, "--bounding-set", "-dac_override", "--", *command]
    try:
        done = subprocess.run(command, capture_output=True, text=True, check=False, timeout=120)
        assert done.returncode == ExitCode.OUTPUT, done.stderr
        assert "Permission denied" in _one_error_line(done.stderr, "report.json")
        assert list(folder.iterdir()) == []
    finally:
        folder.chmod(0o755)


def test_disk_full_keeps_the_previous_report(run_cli, samples, tmp_path, monkeypatch):
    """A write that fails part-way (ENOSPC) replaces nothing and leaves no temporary files."""
    out, page = tmp_path / "report.json", tmp_path / "report.html"
    make_report(run_cli, samples / "original.mov", out, "--html", str(page))
    previous = {p.name: p.read_bytes() for p in tmp_path.iterdir()}
    assert set(previous) == {"report.json", "report.sheet.jpg", "report.html"}

    real_fsync, calls = os.fsync, []

    def fsync_then_disk_full(fd: int) -> None:
        calls.append(fd)
        if len(calls) > 1:  # the JSON is written; the next file meets a full disk
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        real_fsync(fd)

    monkeypatch.setattr(os, "fsync", fsync_then_disk_full)
    result = run_cli(
        "report", str(samples / "telegram_reencode.mp4"), "-o", str(out), "--html", str(page)
    )
    monkeypatch.undo()
    assert result.exit_code == ExitCode.OUTPUT
    assert "No space left on device" in _one_error_line(result.stderr, "report")
    assert {p.name: p.read_bytes() for p in tmp_path.iterdir()} == previous
    assert verify_digest(json.loads(out.read_text("utf-8")))


# --- pieces ---------------------------------------------------------------------


def _known(**fields) -> KnownVideo:
    base = dict(
        id=1, sha256="a" * 64, path="/k.mp4", size=1, duration=8.0, width=640, height=360,
        sampling="fps=2", added_at="2024-05-01T00:00:00Z", source=None, posted_at=None, url=None,
        summary={}, frame_count=16,
    )  # fmt: skip
    return KnownVideo(**{**base, **fields})


def test_known_since_prefers_posting_then_trustworthy_creation_time():
    created = {"creation_time": {"utc": "2021-01-01T00:00:00Z"}, "flags": []}
    assert known_since(_known(posted_at="2022-01-01T00:00:00Z", summary=created)).evidence == (
        "posted_at"
    )
    since = known_since(_known(summary=created))
    assert (since.time, since.evidence) == ("2021-01-01T00:00:00Z", "creation_time")
    epoch = {"creation_time": {"utc": "1904-01-01T00:00:00Z"}, "flags": ["creation_time_epoch"]}
    since = known_since(_known(summary=epoch))
    assert (since.time, since.evidence) == ("2024-05-01T00:00:00Z", "added_at")


def test_gallery_keeps_few_frames_spread_over_the_video():
    gallery = _Gallery()
    frame = np.zeros((90, 160, 3), np.uint8)
    for i in range(1000):
        gallery.add(i * 0.5, frame)
    assert len(gallery.kept) < 2 * MAX_SHOWN_FRAMES  # memory stays bounded
    times = [time for time, _thumb in gallery.chosen()]
    assert len(times) == MAX_SHOWN_FRAMES
    assert times[0] == 0.0
    assert times[-1] > 0.9 * 999 * 0.5
    gaps = np.diff(times)
    assert gaps.max() <= 2 * gaps.min()


def test_list_matches_in_the_report_and_a_hostile_list_name(run_cli, samples, tmp_path):
    """A shared list's entry shows in the report; its name, from someone else, stays text."""
    bank = tmp_path / "lists.sqlite"
    listing = tmp_path / "list.txt"
    listing.write_text(run_cli("hash", "--format", "pytx", str(samples / "original.mov")).stdout)
    hostile = "<script>alert(1)</script> list"
    imported = run_cli("index", "import-hashes", "--db", str(bank), "--format", "pytx",
                       "--source", hostile, str(listing))  # fmt: skip
    assert imported.exit_code == 0, imported.stderr
    out, page = tmp_path / "r.json", tmp_path / "r.html"
    document = make_report(run_cli, samples / "telegram_reencode.mp4", out, "--db", str(bank),
                           "--html", str(page))  # fmt: skip
    (found,) = document["matching"]["list_matches"]
    assert (found["list"], found["rule"]) == (hostile, "vpdq")
    html = page.read_text("utf-8")
    assert "Shared hash lists" in html
    assert "<script>alert(1)</script>" not in html and "&lt;script&gt;" in html
