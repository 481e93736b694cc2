"""Shared hash lists in the bank, on both backends: import, match, refuse bad lists."""

from __future__ import annotations

import json

import pytest

from tests.conftest import BACKENDS, ROOT, validate
from verify.errors import ExitCode

pytestmark = pytest.mark.parametrize("backend", BACKENDS)

UNRELATED = ROOT / "bench" / "footage" / "parking_overhead_cars.mp4"
OTHER = ROOT / "bench" / "footage" / "dashcam_highway_day.mp4"


def _json(result) -> dict:
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout)


@pytest.fixture
def listed_bank(backend, bank_location, run_cli, samples, tmp_path):
    """A bank holding no videos, only two partners' lists."""
    bank = bank_location("lists")
    pytx = tmp_path / "gifct.txt"
    pytx.write_text(run_cli("hash", "--format", "pytx", str(samples / "original.mov"),
                            str(samples / "photo.jpg")).stdout)  # fmt: skip
    vpdq = tmp_path / "dashcam.vpdq"
    vpdq.write_text(run_cli("hash", "--format", "vpdq", str(OTHER)).stdout)
    first = _json(run_cli("index", "import-hashes", "--json", "--db", bank, "--format", "pytx",
                          "--source", "GIFCT sample", str(pytx)))  # fmt: skip
    validate(first, "index")
    assert (first["entries"], first["added"], first["already_there"]) == (3, 3, 0)
    second = _json(run_cli("index", "import-hashes", "--json", "--db", bank, "--format", "vpdq",
                           "--source", "partner", str(vpdq)))  # fmt: skip
    assert second["added"] == 1
    return bank, pytx


def test_a_reencode_matches_its_list_entry(listed_bank, run_cli, samples):
    bank, _ = listed_bank
    document = _json(
        run_cli("match", "--json", "--db", bank, str(samples / "telegram_reencode.mp4"))
    )
    validate(document, "match")
    assert document["matches"] == []  # the bank has no videos of its own
    (found,) = document["list_matches"]
    assert (found["list"], found["signal_type"], found["rule"]) == (
        "GIFCT sample", "video_vpdq", "vpdq",
    )  # fmt: skip
    assert found["query_percent"] >= 80 and found["label"] == "gifct.txt:2"
    text = run_cli("match", "--db", bank, str(samples / "telegram_reencode.mp4")).stdout
    assert "shared-list entry matched (hash only)" in text and "'GIFCT sample'" in text


def test_the_same_bytes_match_by_md5_too(listed_bank, run_cli, samples):
    bank, _ = listed_bank
    document = _json(run_cli("match", "--json", "--db", bank, str(samples / "original.mov")))
    assert [(m["rule"], m["signal_type"]) for m in document["list_matches"]] == [
        ("md5", "video_md5"), ("vpdq", "video_vpdq"),
    ]  # fmt: skip


def test_unrelated_footage_matches_no_entry(listed_bank, run_cli):
    bank, _ = listed_bank
    for clip in (UNRELATED, ROOT / "bench" / "footage" / "room_static_people_walking.mp4"):
        document = _json(run_cli("match", "--json", "--db", bank, str(clip)))
        assert document["list_matches"] == [], clip.name


def test_importing_again_adds_nothing_and_stats_count_entries(listed_bank, run_cli):
    bank, pytx = listed_bank
    again = _json(run_cli("index", "import-hashes", "--json", "--db", bank, "--format", "pytx",
                          "--source", "GIFCT sample", str(pytx)))  # fmt: skip
    assert (again["added"], again["already_there"]) == (0, 3)
    other = _json(run_cli("index", "import-hashes", "--json", "--db", bank, "--format", "pytx",
                          "--source", "another list", str(pytx)))  # fmt: skip
    assert other["added"] == 3  # the same hashes, shared by a second list: its own entries
    stats = _json(run_cli("index", "stats", "--json", "--db", bank))
    validate(stats, "index")
    assert stats["list_entries"] == 7 and stats["videos"] == 0


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (b"pdq " + b"a" * 64 + b"\npdq 12345\n", "line 2"),
        (b"tmk 0123abcd\n", "signal type 'tmk'"),
        (b"video_md5 not-an-md5\n", "not an MD5"),
        (b'video_vpdq ["' + b"0" * 64 + b',101,0.0"]\n', "line 1"),
        (b"pdq \xff\xfe\n", "not UTF-8"),
        (b"\n# only a comment\n", "no signals"),
    ],
)
def test_a_bad_list_is_refused_whole(backend, bank_location, run_cli, tmp_path, content, reason):
    bank = bank_location("refusing")
    good = tmp_path / "good.txt"
    good.write_text("pdq " + "ab" * 32 + "\n")
    bad = tmp_path / "bad.txt"
    bad.write_bytes(content)
    result = run_cli("index", "import-hashes", "--db", bank, "--format", "pytx", "--source", "x",
                     str(good), str(bad))  # fmt: skip
    assert result.exit_code == ExitCode.INPUT, result.stderr
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and reason in lines[0] and "bad.txt" in lines[0], result.stderr
    stats = run_cli("index", "stats", "--json", "--db", bank)
    if stats.exit_code == 0:  # the bank may not even have been created
        assert json.loads(stats.stdout)["list_entries"] == 0


def test_a_list_name_cannot_drive_the_terminal(backend, bank_location, run_cli, samples, tmp_path):
    """A list's name comes from whoever shared it: `index lists` prints its control
    characters as escapes, and JSON keeps the name as it was given."""
    bank = bank_location("hostile")
    pytx = tmp_path / "list.txt"
    pytx.write_text(run_cli("hash", "--format", "pytx", str(samples / "photo.jpg")).stdout)
    name = "evil\x1b]0;owned\x07\x1b[2J"
    run_cli("index", "import-hashes", "--db", bank, "--format", "pytx", "--source", name,
            str(pytx))  # fmt: skip
    shown = run_cli("index", "lists", "--db", bank)
    assert shown.exit_code == 0, shown.stderr
    assert "\x1b" not in shown.stdout and "\x07" not in shown.stdout
    assert "evil\\x1b]0;owned\\x07\\x1b[2J" in shown.stdout
    assert "pdq 1" in shown.stdout
    listed = _json(run_cli("index", "lists", "--json", "--db", bank))
    assert [s["list"] for s in listed["lists"]] == [name]
    removed = _json(run_cli("index", "remove-list", "--json", "--db", bank, name))
    assert removed["entries"] == 1
    assert run_cli("index", "lists", "--db", bank).stdout.strip() == "no shared hash lists"
