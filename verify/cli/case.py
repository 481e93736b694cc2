"""`verify case check`: re-hash a case journal (`--case DIR`) and the files it names."""

from __future__ import annotations

import click

from verify.cli.common import EXIT_CODES_HELP, emit_json, json_option
from verify.errors import ExitCode


@click.group("case", epilog=EXIT_CODES_HELP)
def case_group() -> None:
    """The case journal that --case DIR keeps (DIR/journal.jsonl)."""


@case_group.command("check", epilog=EXIT_CODES_HELP)
@click.argument("folder", type=click.Path(path_type=str, file_okay=False))
@json_option
def case_check(folder: str, as_json: bool) -> None:
    """Re-hash the journal's chain and every file its entries name; say what no longer
    matches (exit 11), entry by entry."""
    from verify.journal import check_journal

    result = check_journal(folder)
    if as_json:
        emit_json(result.to_dict())
    else:
        state = "checks out" if result.ok else f"{len(result.findings)} problem(s)"
        click.echo(
            f"{result.journal}: {result.entries} entries, {result.files_checked} file(s) "
            f"re-hashed: {state}"
        )
        if result.head:
            click.echo(f"  last entry's SHA-256 (keep it elsewhere): {result.head}")
        for finding in result.findings:
            where = f"entry {finding.entry}" if finding.entry else "no entry"
            click.echo(f"  line {finding.line} ({where}): {finding.problem}")
    if not result.ok:
        click.get_current_context().exit(ExitCode.CHECK)
