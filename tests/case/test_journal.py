"""The case journal: one chained entry per command, and a check that finds tampering."""

from __future__ import annotations

import json
import shutil

import pytest

from tests.conftest import validate
from verify.errors import ExitCode
from verify.journal import append_entry, check_journal


def _entries(case) -> list[dict]:
    lines = (case / "journal.jsonl").read_text("utf-8").splitlines()
    entries = [json.loads(line) for line in lines]
    for entry in entries:
        validate(entry, "journal")
    return entries


@pytest.fixture
def worked_case(run_cli, samples, tmp_path):
    """A case folder after four commands: inspect, hash (option after the command), a report
    with its page, a command that failed."""
    case = tmp_path / "case"
    clip = tmp_path / "evidence.mp4"
    shutil.copy(samples / "telegram_reencode.mp4", clip)
    assert run_cli("--case", str(case), "inspect", str(clip)).exit_code == 0
    assert run_cli("hash", str(clip), "--case", str(case)).exit_code == 0
    report = run_cli("report", str(clip), "-o", str(tmp_path / "r.json"), "--html",
                     str(tmp_path / "r.html"), env={"VERIFY_CASE": str(case)})  # fmt: skip
    assert report.exit_code == 0, report.stderr
    missing = run_cli("--case", str(case), "inspect", str(tmp_path / "nothing.mp4"))
    assert missing.exit_code == ExitCode.INPUT
    return case, clip


def test_each_command_is_one_chained_entry(worked_case, tmp_path):
    case, clip = worked_case
    entries = _entries(case)
    assert [e["number"] for e in entries] == [1, 2, 3, 4]
    assert [e["exit_code"] for e in entries] == [0, 0, 0, ExitCode.INPUT]
    assert entries[0]["previous"] is None and all(e["previous"] for e in entries[1:])
    assert entries[1]["command"][:2] == ["verify", "hash"]
    (first,) = entries[0]["inputs"]
    assert first["path"] == str(clip) and first["kind"] == "file" and first["size"] > 0
    written = {o["path"]: o for o in entries[2]["outputs"]}
    # The contact sheet too, which no option names (it goes beside the report).
    sheet = str(tmp_path / "r.sheet.jpg")
    assert {str(tmp_path / "r.json"), str(tmp_path / "r.html"), sheet} == set(written)
    assert written[sheet]["kind"] == "file" and written[sheet]["size"] > 0
    assert entries[3]["inputs"][0]["kind"] == "missing"
    assert all(e["tools"]["verify"] and e["operator"]["user"] for e in entries)


def test_an_untouched_case_checks_out(worked_case, run_cli):
    case, _ = worked_case
    result = run_cli("case", "check", "--json", str(case))
    assert result.exit_code == 0, result.stdout
    document = json.loads(result.stdout)
    validate(document, "journal")
    assert document["ok"] and document["entries"] == 4 and document["files_checked"] >= 3


def test_a_changed_output_is_named(worked_case, run_cli, tmp_path):
    case, _ = worked_case
    with open(tmp_path / "r.html", "a", encoding="utf-8") as page:
        page.write("<!-- edited -->")
    result = run_cli("case", "check", str(case))
    assert result.exit_code == ExitCode.CHECK
    assert "r.html: its bytes changed" in result.stdout and "entry 3" in result.stdout


def test_an_edited_or_removed_entry_breaks_the_chain(worked_case, run_cli):
    case, _ = worked_case
    journal = case / "journal.jsonl"
    lines = journal.read_text("utf-8").splitlines()
    journal.write_text("\n".join([lines[0], lines[1].replace('"exit_code":0', '"exit_code":1'),
                                  *lines[2:]]) + "\n")  # fmt: skip
    edited = check_journal(case)
    assert [(f.entry, "chain is broken" in f.problem) for f in edited.findings] == [(3, True)]
    journal.write_text("\n".join([lines[0], *lines[2:]]) + "\n")
    removed = check_journal(case)
    assert any(f.entry == 2 and "chain is broken" in f.problem for f in removed.findings)


def test_a_line_cut_short_is_kept_and_reported(tmp_path):
    """A crash mid-append leaves a partial line: it is never removed, the next entry chains to
    the last whole one, and the check names the cut line."""
    case = tmp_path / "case"
    kwargs = {"command": ["verify", "x"], "exit_code": 0, "inputs": [], "outputs": [],
              "tools": {"verify": "0", "ffmpeg": None}}  # fmt: skip
    append_entry(case, **kwargs)
    with open(case / "journal.jsonl", "ab") as journal:
        journal.write(b'{"kind":"entry","number":2,"ti')
    append_entry(case, **kwargs)
    raw = (case / "journal.jsonl").read_bytes()
    assert b'{"kind":"entry","number":2,"ti\n' in raw
    result = check_journal(case)
    assert result.entries == 2
    assert [(f.line, f.entry) for f in result.findings] == [(2, None)]


def test_passwords_never_reach_the_journal(run_cli, tmp_path):
    case = tmp_path / "case"
    url = "postgresql://analyst:hunter2-secret@127.0.0.1:1/bank"
    result = run_cli("--case", str(case), "index", "list", "--db", url)
    assert result.exit_code == ExitCode.BANK
    joined = run_cli("--case", str(case), "index", "list", f"--db={url}")
    assert joined.exit_code == ExitCode.BANK
    text = (case / "journal.jsonl").read_text("utf-8")
    assert "hunter2-secret" not in text and text.count("***") == 2


def test_an_unwritable_journal_is_an_error(run_cli, samples, tmp_path):
    case = tmp_path / "case"
    case.mkdir()
    (case / "journal.jsonl").mkdir()  # a folder where the journal should be
    result = run_cli("--case", str(case), "inspect", str(samples / "photo.jpg"))
    assert result.exit_code == ExitCode.OUTPUT
    assert "journal" in result.stderr and "Traceback" not in result.stderr


def test_a_batch_default_output_is_recorded(run_cli, samples, tmp_path):
    """A batch without --out writes FOLDER.verify.batch.jsonl beside the folder: the
    journal records that file's digest, once."""
    case = tmp_path / "case"
    folder = tmp_path / "folder"
    folder.mkdir()
    shutil.copy(samples / "telegram_reencode.mp4", folder / "clip.mp4")
    result = run_cli("--case", str(case), "batch", str(folder), "-q")
    assert result.exit_code == 0, result.stderr
    (entry,) = _entries(case)
    outputs = [o for o in entry["outputs"] if o["path"].endswith(".verify.batch.jsonl")]
    assert len(outputs) == 1 and outputs[0]["kind"] == "file" and outputs[0]["size"] > 0
    assert [i["kind"] for i in entry["inputs"]] == ["folder"]


def test_a_timestamp_request_is_recorded(run_cli, samples, tmp_path):
    case = tmp_path / "case"
    out = tmp_path / "r.json"
    result = run_cli("--case", str(case), "report", str(samples / "telegram_reencode.mp4"),
                     "-o", str(out), "--timestamp-request")  # fmt: skip
    assert result.exit_code == 0, result.stderr
    (entry,) = _entries(case)
    paths = [o["path"] for o in entry["outputs"]]
    assert str(tmp_path / "r.tsq") in paths and len(paths) == len(set(paths))
