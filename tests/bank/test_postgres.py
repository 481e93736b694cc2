"""What only a server bank can get wrong: reaching it, its password, someone else's database."""

from __future__ import annotations

import json

import pytest

from tests.pgserver import PASSWORD
from verify.errors import ExitCode


@pytest.fixture
def server(postgres_server):
    return postgres_server


def _one_line(result) -> str:
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    assert "Traceback" not in result.stderr
    return lines[0]


def test_server_that_is_down(run_cli, server):
    url = server.url("nothing").replace(f":{server.port}/", ":1/")
    result = run_cli("index", "list", "--db", url)
    assert result.exit_code == ExitCode.BANK
    line = _one_line(result)
    assert "cannot reach the PostgreSQL server" in line
    assert PASSWORD not in line and "***" in line


def test_wrong_password_is_refused_and_never_shown(run_cli, server):
    url = server.create_database("guarded").replace(PASSWORD, "wrong-guess")
    result = run_cli("index", "list", "--db", url)
    assert result.exit_code == ExitCode.BANK
    line = _one_line(result)
    assert "refused the password" in line
    assert "wrong-guess" not in line


def test_password_from_the_environment(run_cli, server, samples, monkeypatch):
    url = server.create_database("envpass")
    plain = server.url(url.rsplit("/", 1)[1], password=None)
    monkeypatch.setenv("PGPASSWORD", PASSWORD)
    result = run_cli("index", "add", "--json", "--db", plain, str(samples / "original.mov"))
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["video"]["added_by"] == "analyst"


def test_database_of_another_application_is_left_alone(run_cli, server):
    url = server.create_database("payroll")
    name = url.rsplit("/", 1)[1]
    server.admin("CREATE TABLE salaries (who text, amount int)", database=name)
    result = run_cli("index", "list", "--db", url)
    assert result.exit_code == ExitCode.BANK
    assert "not a verify bank" in _one_line(result)
    tables = server.admin("SELECT count(*) FROM pg_tables WHERE schemaname = 'public'", name)
    assert tables.strip() == "1"


def test_bank_from_a_newer_version(run_cli, server, samples):
    url = server.create_database("future")
    assert run_cli("index", "add", "--db", url, str(samples / "original.mov")).exit_code == 0
    name = url.rsplit("/", 1)[1]
    server.admin("UPDATE verify_bank SET value = '99' WHERE key = 'schema'", database=name)
    result = run_cli("match", "--db", url, str(samples / "telegram_reencode.mp4"))
    assert result.exit_code == ExitCode.BANK
    assert "newer than this verify understands" in _one_line(result)


def test_read_only_commands_create_nothing(run_cli, server):
    url = server.create_database("untouched")
    result = run_cli("index", "list", "--db", url)
    assert result.exit_code == ExitCode.BANK
    assert "no bank here yet" in _one_line(result)
    name = url.rsplit("/", 1)[1]
    tables = server.admin("SELECT count(*) FROM pg_tables WHERE schemaname = 'public'", name)
    assert tables.strip() == "0"


def test_bank_in_the_environment(run_cli, server, samples, monkeypatch):
    url = server.create_database("fromenv")
    monkeypatch.setenv("VERIFY_DB", url)
    added = run_cli("index", "add", "--json", str(samples / "original.mov"))
    assert added.exit_code == 0, added.stderr
    listed = json.loads(run_cli("index", "list", "--json").stdout)
    assert listed["bank"].endswith(url.rsplit("/", 1)[1]) and PASSWORD not in listed["bank"]
    assert len(listed["videos"]) == 1


def test_doctor_masks_the_bank_password(run_cli, server, monkeypatch):
    from tests.conftest import validate

    monkeypatch.setenv("VERIFY_DB", server.url("anything"))
    result = run_cli("doctor", "--json")
    document = json.loads(result.stdout)
    validate(document, "doctor")
    assert document["bank"] == server.url("anything").replace(PASSWORD, "***")
    assert PASSWORD not in result.stdout + result.stderr


def test_connection_lost_mid_write_leaves_nothing_half_written(server, samples):
    from verify.bank import open_bank
    from verify.errors import BankError
    from verify.hashing.fingerprint import fingerprint_video

    url = server.create_database("cutoff")
    fingerprint = fingerprint_video(samples / "original.mov")
    with open_bank(url) as bank:
        # The server drops this session, as a restart or a network cut would.
        server.admin(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            f"WHERE datname = '{url.rsplit('/', 1)[1]}' AND pid <> pg_backend_pid()"
        )
        with pytest.raises(BankError) as caught:
            bank.add_video(fingerprint)
    assert "connection to the bank was lost" in caught.value.message
    assert "rolled back" in caught.value.message
    assert PASSWORD not in str(caught.value)
    with open_bank(url) as bank:
        assert bank.video_count() == 0
        assert bank.stats()["postings"] == 0


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        ("postgresql://a:pw@h:5432/d", "postgresql://a:***@h:5432/d"),
        (
            "postgresql://a@h/d?password=pw&sslmode=require",
            "postgresql://a@h/d?password=***&sslmode=require",
        ),
        ("postgresql://a:pw@[::1]:5432/d", "postgresql://a:***@[::1]:5432/d"),
        ("postgresql://a:pw@h:notaport/d", "postgresql://a:***@h:notaport/d"),
        ("postgresql://h/d", "postgresql://h/d"),
    ],
)
def test_masked_urls(url, shown):
    from verify.bank.store import masked_url

    assert masked_url(url) == shown


def test_stats_count_the_bank_not_the_whole_database(server, samples):
    """A team database may hold other tables: the bank's size is its own tables'."""
    from verify import open_bank
    from verify.hashing.fingerprint import fingerprint_video

    url = server.create_database("shared_db")
    name = url.rsplit("/", 1)[1]
    with open_bank(url) as bank:
        bank.add_video(fingerprint_video(samples / "original.mov"))
        alone = bank.stats()["file_bytes"]
    server.admin(
        "CREATE TABLE other_app AS SELECT repeat('x', 500) AS t FROM generate_series(1, 20000)",
        name,
    )
    whole = int(server.admin("SELECT pg_database_size(current_database())", name))
    with open_bank(url) as bank:
        stats = bank.stats()
    assert 0 < stats["file_bytes"] == alone < whole - 5_000_000


def test_schema_1_bank_is_upgraded_even_by_a_read_only_command(run_cli, server, samples):
    """A team bank made before shared lists gains their tables the first time any verify
    opens it, a `verify match` included, and keeps its videos."""
    url = server.create_database("older_bank")
    name = url.rsplit("/", 1)[1]
    assert run_cli("index", "add", "--db", url, str(samples / "original.mov")).exit_code == 0
    server.admin("DROP TABLE list_postings, list_entries, audio_postings, audio", name)
    server.admin("UPDATE verify_bank SET value = '1' WHERE key = 'schema'", name)
    result = run_cli("match", "--json", "--db", url, str(samples / "telegram_reencode.mp4"))
    assert result.exit_code == 0, result.stderr
    document = json.loads(result.stdout)
    assert [m["sha256"][:8] for m in document["matches"]] and document["list_matches"] == []
    assert document["sound"]["state"] == "bank_has_none"  # its video came before sound
    assert server.admin("SELECT value FROM verify_bank WHERE key = 'schema'", name).strip() == "4"
    assert server.admin("SELECT count(*) FROM list_entries", name).strip() == "0"
    assert server.admin("SELECT count(*) FROM audio_postings", name).strip() == "0"


def test_schema_2_bank_loses_the_list_postings_foreign_key(run_cli, server, samples, tmp_path):
    """Schema 3: a list's postings are removed with it in one statement, so the foreign
    key that checked each removed entry by scanning every list posting is dropped; the
    bank's entries stay and still match."""
    url = server.create_database("schema_2_bank")
    name = url.rsplit("/", 1)[1]
    listing = tmp_path / "list.txt"
    listing.write_text(run_cli("hash", "--format", "pytx", str(samples / "original.mov")).stdout)
    run_cli("index", "import-hashes", "--db", url, "--format", "pytx", "--source", "partner",
            str(listing))  # fmt: skip
    server.admin(
        "ALTER TABLE list_postings ADD CONSTRAINT list_postings_entry_id_fkey FOREIGN KEY "
        "(entry_id) REFERENCES list_entries (id) ON DELETE CASCADE",
        name,
    )
    server.admin("DROP TABLE audio_postings, audio", name)
    server.admin("UPDATE verify_bank SET value = '2' WHERE key = 'schema'", name)
    foreign = "SELECT count(*) FROM pg_constraint WHERE conrelid = 'list_postings'::regclass"
    assert server.admin(f"{foreign} AND contype = 'f'", name).strip() == "1"
    result = run_cli("match", "--json", "--db", url, str(samples / "telegram_reencode.mp4"))
    assert result.exit_code == 0, result.stderr
    assert [m["list"] for m in json.loads(result.stdout)["list_matches"]] == ["partner"]
    assert server.admin("SELECT value FROM verify_bank WHERE key = 'schema'", name).strip() == "4"
    assert server.admin(f"{foreign} AND contype = 'f'", name).strip() == "0"
