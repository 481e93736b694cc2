"""`verify report`: the provenance report for one item (JSON, contact sheet, HTML)."""

from __future__ import annotations

import click

from verify.cli.common import (
    EXIT_CODES_HELP,
    decode_ahead,
    json_option,
    sample_option_keyframes,
    timeout_option,
    wrote,
)
from verify.config import MATCH, QUERY_HASH
from verify.media.sampling import Sampling


@click.command(epilog=EXIT_CODES_HELP)
@click.argument("file", type=click.Path(path_type=str, readable=False))
@click.option(
    "-o", "--out", required=True, type=click.Path(path_type=str),
    help="The JSON report to write; the contact sheet goes beside it as NAME.sheet.jpg.",
)  # fmt: skip
@click.option(
    "--html", "html_path", type=click.Path(path_type=str),
    help="Also write the report as one self-contained HTML page, for people.",
)  # fmt: skip
@click.option(
    "--db", "db_path", type=click.Path(path_type=str),
    help="The bank of known copies to match against (without it, no matching).",
)  # fmt: skip
@click.option(
    "--timestamp-request", is_flag=True,
    help="Also write NAME.tsq beside the report: an RFC 3161 request over the report's bytes "
    "to send to a timestamping authority (verify sends nothing).",
)  # fmt: skip
@sample_option_keyframes
@json_option
@timeout_option
def report(
    file: str, out: str, html_path: str | None, db_path: str | None,
    timestamp_request: bool, sample: Sampling, as_json: bool, timeout: float,
) -> None:  # fmt: skip
    """Write the provenance report for FILE: custody, metadata, frames, known copies.

    The JSON (-o) holds the chain of custody (SHA-256 and MD5, who, when,
    with which versions and options, each step's UTC time), everything
    `verify inspect` reports, the sampled frames (--sample, default the
    keyframes) with their hashes, and the matches against --db with the
    earliest known copy. It ends in the SHA-256 digest of its own body, so a
    later change is evident. All files are written together or not at all.
    With --json the report is also printed on stdout.
    """
    if db_path is not None:
        # The decode matching will ask for starts now, beside the report's own
        # reading of the file (digests, metadata, structure, keyframes); the
        # report's inspection probes the file and hands matching that probe.
        decode_ahead((file,), Sampling.parse(MATCH.query_sampling), timeout,
                     config=QUERY_HASH, probe=False)  # fmt: skip
    from verify.report.build import (
        build_report,
        check_outputs,
        render_json,
        summary_text,
        write_report,
    )
    from verify.report.model import ReportOptions

    options = ReportOptions(
        out=out, html=html_path, db=db_path, sampling=str(sample),
        match_sampling=MATCH.query_sampling, timeout=timeout,
    )  # fmt: skip
    check_outputs(file, options)
    result = build_report(file, options)
    written = write_report(result)
    request = None
    if timestamp_request:
        from verify.report.timestamp import write_request

        request = write_request(out)
    wrote(*written, request)
    if as_json:
        click.echo(render_json(result), nl=False)
    else:
        click.echo(summary_text(result, written))
        if request is not None:
            click.echo(f"timestamp request: {request} (submit it; check the reply with "
                       "`verify timestamp check`)")  # fmt: skip


@click.group("timestamp", epilog=EXIT_CODES_HELP)
def timestamp_group() -> None:
    """Trusted timestamps (RFC 3161) of reports, checked offline."""


@timestamp_group.command("check", epilog=EXIT_CODES_HELP)
@click.argument("report_file", metavar="REPORT", type=click.Path(path_type=str, dir_okay=False))
@click.argument("reply", type=click.Path(path_type=str, dir_okay=False))
@click.option(
    "--ca", type=click.Path(path_type=str, dir_okay=False),
    help="The authority's CA certificate (PEM): also verify the reply's signature and chain.",
)  # fmt: skip
@json_option
def timestamp_check(report_file: str, reply: str, ca: str | None, as_json: bool) -> None:
    """Check a timestamping authority's REPLY (.tsr) for REPORT: who signed it, when, and
    whether it covers the report's very bytes (exit 11 if it does not, or does not verify)."""
    from verify.cli.common import emit_json
    from verify.errors import ExitCode
    from verify.report.timestamp import check_reply

    result = check_reply(report_file, reply, ca)
    if as_json:
        emit_json(result.to_dict())
    else:
        click.echo(f"{report_file}: timestamped {result.time} by {result.authority or 'unnamed'}")
        covered = "yes" if result.covers_report else "NO: it is a timestamp of other bytes"
        click.echo(f"  covers these bytes: {covered}")
        click.echo(f"  signature: {result.signature}")
    if not result.ok:
        click.get_current_context().exit(ExitCode.CHECK)
