"""C2PA manifests: files signed here through the c2pa library with a certificate made here."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.conftest import sha256_of, validate

c2pa = pytest.importorskip("c2pa", reason="pip install 'verify[c2pa]'")
OPENSSL = shutil.which("openssl")
pytestmark = pytest.mark.skipif(OPENSSL is None, reason="the test certificates need openssl")
AI = "http://cv.iptc.org/newscodes/digitalsourcetype/trainedAlgorithmicMedia"
CAMERA = "http://cv.iptc.org/newscodes/digitalsourcetype/digitalCapture"


def _openssl(*args: str, cwd: Path) -> None:
    done = subprocess.run([OPENSSL, *args], cwd=cwd, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr


@pytest.fixture(scope="module")
def signer(tmp_path_factory):
    """An ES256 signing certificate from a CA made here (untrusted: no known anchor)."""
    folder = tmp_path_factory.mktemp("c2pa-certs")
    _openssl("ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out", "ca.key", cwd=folder)
    _openssl("req", "-x509", "-new", "-key", "ca.key", "-out", "ca.crt", "-days", "3",
             "-subj", "/CN=Test C2PA CA/O=verify tests",
             "-addext", "basicConstraints=critical,CA:TRUE",
             "-addext", "keyUsage=critical,keyCertSign,cRLSign", cwd=folder)  # fmt: skip
    _openssl(
        "ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out", "signer.key", cwd=folder
    )
    _openssl("pkcs8", "-topk8", "-nocrypt", "-in", "signer.key", "-out", "signer.pk8", cwd=folder)
    _openssl("req", "-new", "-key", "signer.key", "-out", "signer.csr",
             "-subj", "/CN=Test Camera/O=verify tests", cwd=folder)  # fmt: skip
    (folder / "ext.cnf").write_text(
        "basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\n"
        "extendedKeyUsage=critical,emailProtection\nsubjectKeyIdentifier=hash\n"
        "authorityKeyIdentifier=keyid\n"
    )
    _openssl("x509", "-req", "-in", "signer.csr", "-CA", "ca.crt", "-CAkey", "ca.key",
             "-CAcreateserial", "-out", "signer.crt", "-days", "3", "-extfile", "ext.cnf",
             cwd=folder)  # fmt: skip
    chain = (folder / "signer.crt").read_bytes() + (folder / "ca.crt").read_bytes()
    info = c2pa.C2paSignerInfo(c2pa.C2paSigningAlg.ES256, chain,
                               (folder / "signer.pk8").read_bytes(), None)  # fmt: skip
    return c2pa.Signer.from_info(info)


def _sign(signer, source: Path, target: Path, *, ai: bool) -> Path:
    action = {"action": "c2pa.created", "digitalSourceType": AI if ai else CAMERA}
    manifest = {
        "claim_generator_info": [{"name": "verify-tests", "version": "1"}],
        "title": source.name,
        "assertions": [{"label": "c2pa.actions", "data": {"actions": [action]}}],
    }
    c2pa.Builder(manifest).sign_file(str(source), str(target), signer)
    return target


def _inspect(run_cli, path: Path) -> dict:
    result = run_cli("inspect", "--json", str(path))
    assert result.exit_code == 0, result.stderr
    document = json.loads(result.stdout)
    validate(document, "inspect")
    return document


METADATA = Path(__file__).resolve().parent.parent / "data" / "metadata"
SIGNED_KINDS = [
    "samples/photo.jpg", "samples/telegram_reencode.mp4", "samples/original.mov",
    "mei/png_Issue 204 (dotnet).png", "mei/heic_cheers_1440x960.heic", "exiftool/RIFF.webp",
]  # fmt: skip


@pytest.mark.parametrize("where", SIGNED_KINDS, ids=lambda w: w.rsplit(".", 1)[1])
def test_a_signed_file_is_valid_and_says_who_signed(run_cli, samples, signer, tmp_path, where):
    folder, name = where.split("/")
    source = (samples if folder == "samples" else METADATA / folder) / name
    before = sha256_of(source)
    signed = _sign(signer, source, tmp_path / f"signed{source.suffix}", ai=False)
    assert sha256_of(source) == before  # the library wrote a new file
    document = _inspect(run_cli, signed)
    found = document["c2pa"]
    assert found["state"] == "valid" and found["signer"] == "Test Camera"
    assert found["claim_generator"].startswith("verify-tests") and found["untrusted_signer"]
    assert found["actions"] == ["c2pa.created"] and not found["ai_generated"]
    codes = {f["code"]: f for f in document["flags"]}
    assert codes["c2pa_valid"]["severity"] == "info" and "c2pa_invalid" not in codes
    assert "ai_generated_claim" not in codes
    assert _inspect(run_cli, source)["c2pa"] is None  # the unsigned original


def test_one_changed_byte_makes_it_invalid(run_cli, samples, signer, tmp_path):
    signed = _sign(signer, samples / "photo.jpg", tmp_path / "signed.jpg", ai=False)
    data = bytearray(signed.read_bytes())
    data[-200] ^= 0xFF  # in the picture data, after the manifest
    tampered = tmp_path / "tampered.jpg"
    tampered.write_bytes(bytes(data))
    document = _inspect(run_cli, tampered)
    assert document["c2pa"]["state"] == "invalid" and document["c2pa"]["problems"]
    codes = {f["code"]: f for f in document["flags"]}
    assert codes["c2pa_invalid"]["severity"] == "warning" and "c2pa_valid" not in codes


def test_a_generative_ai_claim_is_a_warning(run_cli, samples, signer, tmp_path):
    signed = _sign(signer, samples / "photo.jpg", tmp_path / "made.jpg", ai=True)
    document = _inspect(run_cli, signed)
    assert document["c2pa"]["ai_generated"] and document["c2pa"]["digital_source_types"] == [AI]
    flag = next(f for f in document["flags"] if f["code"] == "ai_generated_claim")
    assert flag["severity"] == "warning" and "C2PA" in flag["message"]
