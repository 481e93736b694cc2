"""The CLI surface: help, version, doctor, exit-code documentation."""

from __future__ import annotations

import json

from tests.conftest import validate
from verify import __version__
from verify.errors import ExitCode


def test_version_names_ffmpeg(run_cli):
    result = run_cli("--version")
    assert result.exit_code == 0
    assert f"verify {__version__}" in result.stdout
    assert "ffmpeg: ffmpeg version" in result.stdout
    assert "ffprobe: ffprobe version" in result.stdout


def test_help_documents_every_exit_code(run_cli):
    result = run_cli("--help")
    assert result.exit_code == 0
    for code in ExitCode:
        assert f"  {code.value}  " in result.stdout


def test_doctor_json(run_cli):
    result = run_cli("doctor", "--json")
    assert result.exit_code == 0, result.stderr
    document = json.loads(result.stdout)
    validate(document, "doctor")
    assert document["tools"]["ffprobe"]["version"].startswith("ffprobe version")


def test_doctor_without_ffmpeg(run_cli, tmp_path):
    result = run_cli("doctor", env={"VERIFY_FFMPEG": str(tmp_path / "absent")})
    assert result.exit_code == ExitCode.TOOL_MISSING
    assert "NOT FOUND" in result.stdout
    assert "VERIFY_FFMPEG" in result.stderr


def test_usage_error_exit_code(run_cli):
    assert run_cli("inspect").exit_code == ExitCode.USAGE
    assert run_cli("no-such-command").exit_code == ExitCode.USAGE
