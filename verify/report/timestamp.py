"""Trusted timestamps (RFC 3161) for reports: a request to send, a reply to check.

A timestamping authority signs "this digest existed at this time". `verify`
never contacts one: `write_request` writes an RFC 3161 request over the
SHA-256 of the report file's bytes (``REPORT.tsq``, beside it), which the
investigator submits where a network is allowed (``curl`` or ``openssl
ts``); `check_reply` reads the authority's reply offline and says who signed
it, when, whether it covers these very bytes, and, given the authority's CA
certificate, whether its signature and certificate chain verify.

Uses the ``rfc3161-client`` package (``verify[timestamps]``).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import os
from pathlib import Path
from typing import Any

from verify.errors import InputError, VerifyError
from verify.output import atomic_write_bytes
from verify.timestamps import format_utc

CHECK_VERSION = "1.0"  # of `verify timestamp check --json` (timestamp.schema.json)
# Message-imprint algorithms by OID.
_HASHES = {
    "2.16.840.1.101.3.4.2.1": hashlib.sha256,
    "2.16.840.1.101.3.4.2.2": hashlib.sha384,
    "2.16.840.1.101.3.4.2.3": hashlib.sha512,
}


def _library() -> Any:
    try:
        import rfc3161_client
    except ImportError:
        raise VerifyError(
            "trusted timestamps need rfc3161-client: pip install 'verify[timestamps]'"
        ) from None
    return rfc3161_client


def request_path(report: str | os.PathLike[str]) -> Path:
    """Where the request for ``report`` goes: beside it, ``.tsq``."""
    return Path(report).with_suffix(".tsq")


def write_request(report: str | os.PathLike[str]) -> Path:
    """Write the RFC 3161 request (SHA-256 of the report's bytes, a nonce, asking for the
    authority's certificate) beside ``report``; its path."""
    lib = _library()
    data = _read(report, "report")
    built = lib.TimestampRequestBuilder(
        data=data, hash_algorithm=lib.HashAlgorithm.SHA256, nonce=True, cert_req=True
    ).build()
    target = request_path(report)
    atomic_write_bytes(target, built.as_bytes())
    return target


@dataclasses.dataclass(frozen=True)
class TimestampCheck:
    """What a timestamp reply says about a report."""

    report: str
    reply: str
    authority: str | None  # the TSA's name, or its certificate's subject
    time: str | None  # UTC, as the authority signed it
    serial_number: int | None
    covers_report: bool  # the signed digest is the SHA-256 of the report's bytes
    signature: str  # "verified", "not checked" (no --ca) or why it failed
    problems: tuple[str, ...]

    @property
    def ok(self) -> bool:
        return not self.problems

    def to_dict(self) -> dict[str, Any]:
        return {"schema_version": CHECK_VERSION, "ok": self.ok, **dataclasses.asdict(self),
                "problems": list(self.problems)}  # fmt: skip


def _read(path: str | os.PathLike[str], what: str) -> bytes:
    try:
        return Path(path).read_bytes()
    except FileNotFoundError:
        raise InputError(f"no such {what}", path) from None
    except OSError as exc:
        raise InputError(f"cannot read the {what}: {exc.strerror}", path) from None


def check_reply(
    report: str | os.PathLike[str],
    reply: str | os.PathLike[str],
    ca: str | os.PathLike[str] | None = None,
) -> TimestampCheck:
    """Check a timestamp reply against the report's bytes (and ``ca``'s certificate)."""
    lib = _library()
    from cryptography import x509

    data = _read(report, "report")
    try:
        response = lib.decode_timestamp_response(_read(reply, "timestamp reply"))
    except (ValueError, TypeError) as exc:
        raise InputError(f"not an RFC 3161 timestamp reply ({exc})", reply) from None
    problems = []
    status = int(response.status)
    if status not in (0, 1):  # granted, granted with modifications
        text = response.status_string or []
        raise InputError(f"the authority refused the request (status {status}: {text})", reply)
    info = response.tst_info
    imprint = info.message_imprint
    # The request asks for SHA-256; a reply to another tool's request may use SHA-512.
    algorithm = _HASHES.get(imprint.hash_algorithm.dotted_string)
    covers = algorithm is not None and bytes(imprint.message) == algorithm(data).digest()
    if not covers:
        problems.append("the reply does not cover this report: its digest is of other bytes")
    certificates = list(response.signed_data.certificates)
    authority = None
    tsa_cert = None
    for raw in certificates:
        cert = x509.load_der_x509_certificate(raw)
        purposes = _purposes(cert)
        if x509.ExtendedKeyUsageOID.TIME_STAMPING in purposes:
            tsa_cert = cert
            authority = cert.subject.rfc4514_string()
    if info.name is not None and authority is None:
        authority = str(info.name)
    signature = "not checked (give the authority's CA certificate with --ca)"
    if ca is not None:
        try:
            roots = x509.load_pem_x509_certificates(_read(ca, "CA certificate"))
        except ValueError as exc:
            raise InputError(f"not a PEM certificate ({exc})", ca) from None
        builder = lib.VerifierBuilder()
        for root in roots:
            builder = builder.add_root_certificate(root)
        if tsa_cert is not None:
            builder = builder.tsa_certificate(tsa_cert)
        try:
            builder.build().verify_message(response, data)
            signature = "verified"
        except lib.VerificationError as exc:
            signature = f"does not verify: {exc}"
            problems.append(f"the signature does not verify against {Path(ca).name}: {exc}")
    when = info.gen_time
    if when.tzinfo is None:
        when = when.replace(tzinfo=dt.timezone.utc)
    return TimestampCheck(
        str(report), str(reply), authority, format_utc(when), int(info.serial_number), covers,
        signature, tuple(problems),
    )  # fmt: skip


def _purposes(cert: Any) -> list[Any]:
    from cryptography import x509

    try:
        return list(cert.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value)
    except x509.ExtensionNotFound:
        return []
