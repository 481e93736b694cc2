"""`verify report`: the provenance report for one item (JSON, contact sheet, HTML)."""

from __future__ import annotations

import click

from verify.cli.common import (
    EXIT_CODES_HELP,
    json_option,
    sample_option_keyframes,
    timeout_option,
)
from verify.config import MATCH
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
@sample_option_keyframes
@json_option
@timeout_option
def report(
    file: str, out: str, html_path: str | None, db_path: str | None, sample: Sampling,
    as_json: bool, timeout: float,
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
    if as_json:
        click.echo(render_json(result), nl=False)
    else:
        click.echo(summary_text(result, written))
