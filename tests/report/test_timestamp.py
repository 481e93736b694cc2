"""RFC 3161 timestamps of reports, against a real authority made here with openssl."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.conftest import validate
from verify.errors import ExitCode

pytest.importorskip("rfc3161_client", reason="pip install 'verify[timestamps]'")
OPENSSL = shutil.which("openssl")
pytestmark = pytest.mark.skipif(OPENSSL is None, reason="the test authority needs openssl")

TSA_CONFIG = """
[ tsa ]
default_tsa = test_tsa
[ test_tsa ]
dir = {folder}
serial = $dir/serial
crypto_device = builtin
signer_digest = sha256
default_policy = 1.2.3.4.1
digests = sha256, sha384, sha512
accuracy = secs:1
ordering = yes
tsa_name = yes
ess_cert_id_chain = no
ess_cert_id_alg = sha256
"""


def _openssl(*args: str, cwd: Path) -> None:
    done = subprocess.run([OPENSSL, *args], cwd=cwd, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr


class Authority:
    """A CA, and a timestamping authority it certified, in a folder."""

    def __init__(self, folder: Path, name: str = "Test TSA") -> None:
        self.folder = folder
        folder.mkdir()
        _openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca.key",
                 "-out", "ca.crt", "-subj", f"/CN={name} CA", "-days", "2",
                 "-addext", "basicConstraints=critical,CA:TRUE",
                 "-addext", "keyUsage=critical,keyCertSign,cRLSign", cwd=folder)  # fmt: skip
        (folder / "ext.cnf").write_text(
            "basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\n"
            "extendedKeyUsage=critical,timeStamping\n"
        )
        _openssl("req", "-newkey", "rsa:2048", "-nodes", "-keyout", "tsa.key", "-out", "tsa.csr",
                 "-subj", f"/CN={name}", cwd=folder)  # fmt: skip
        _openssl("x509", "-req", "-in", "tsa.csr", "-CA", "ca.crt", "-CAkey", "ca.key",
                 "-CAcreateserial", "-out", "tsa.crt", "-days", "2", "-extfile", "ext.cnf",
                 cwd=folder)  # fmt: skip
        (folder / "serial").write_text("01\n")
        (folder / "tsa.cnf").write_text(TSA_CONFIG.format(folder=folder))

    def reply(self, request: Path, out: Path) -> Path:
        _openssl("ts", "-reply", "-config", "tsa.cnf", "-queryfile", str(request),
                 "-signer", "tsa.crt", "-inkey", "tsa.key", "-out", str(out),
                 cwd=self.folder)  # fmt: skip
        return out


@pytest.fixture(scope="module")
def stamped(tmp_path_factory, samples):
    """A report with its request, and the authority's reply to it."""
    from click.testing import CliRunner

    from verify.cli import main

    folder = tmp_path_factory.mktemp("stamped")
    report = folder / "report.json"
    result = CliRunner().invoke(main, ["report", str(samples / "original.mov"), "-o", str(report),
                                       "--timestamp-request"])  # fmt: skip
    assert result.exit_code == 0, result.output
    request = folder / "report.tsq"
    assert request.is_file() and "report.tsq" in result.output
    authority = Authority(folder / "tsa")
    return report, authority.reply(request, folder / "report.tsr"), authority


def test_a_reply_from_a_real_authority_checks_out(stamped, run_cli):
    report, reply, authority = stamped
    result = run_cli("timestamp", "check", "--json", str(report), str(reply),
                     "--ca", str(authority.folder / "ca.crt"))  # fmt: skip
    assert result.exit_code == 0, result.stdout + result.stderr
    document = json.loads(result.stdout)
    validate(document, "timestamp")
    assert document["covers_report"] and document["signature"] == "verified"
    assert "Test TSA" in document["authority"] and document["time"].endswith("Z")
    text = run_cli("timestamp", "check", str(report), str(reply)).stdout
    assert "covers these bytes: yes" in text and "not checked" in text


def test_a_changed_report_is_not_covered(stamped, run_cli, tmp_path):
    report, reply, authority = stamped
    changed = tmp_path / "report.json"
    changed.write_bytes(report.read_bytes().replace(b'"', b"'", 1))
    result = run_cli("timestamp", "check", str(changed), str(reply),
                     "--ca", str(authority.folder / "ca.crt"))  # fmt: skip
    assert result.exit_code == ExitCode.CHECK
    assert "NO: it is a timestamp of other bytes" in result.stdout


def test_a_tampered_reply_or_another_authority_does_not_verify(stamped, run_cli, tmp_path):
    report, reply, authority = stamped
    raw = bytearray(reply.read_bytes())
    raw[-40] ^= 0x01  # inside the signature
    tampered = tmp_path / "tampered.tsr"
    tampered.write_bytes(bytes(raw))
    result = run_cli("timestamp", "check", "--json", str(report), str(tampered),
                     "--ca", str(authority.folder / "ca.crt"))  # fmt: skip
    assert result.exit_code in (ExitCode.CHECK, ExitCode.INPUT), result.stderr
    if result.exit_code == ExitCode.CHECK:
        assert json.loads(result.stdout)["signature"].startswith("does not verify")
    other = Authority(tmp_path / "other", name="Other TSA")
    result = run_cli("timestamp", "check", str(report), str(reply),
                     "--ca", str(other.folder / "ca.crt"))  # fmt: skip
    assert result.exit_code == ExitCode.CHECK
    assert "does not verify" in result.stdout


def test_not_a_reply_is_one_clear_error(stamped, run_cli, samples):
    report, _, _ = stamped
    result = run_cli("timestamp", "check", str(report), str(samples / "photo.jpg"))
    assert result.exit_code == ExitCode.INPUT
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and "not an RFC 3161 timestamp reply" in lines[0]
