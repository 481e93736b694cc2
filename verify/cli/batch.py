"""`verify batch`: a whole folder or Telegram export, in parallel, resumable."""

from __future__ import annotations

import collections
import contextlib
import re
import signal
import sys
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

import click

from verify.cli.common import (
    EXIT_CODES_HELP,
    emit_failure,
    emit_json,
    json_option,
    timeout_option,
    working_on,
    wrote,
)
from verify.cli.progress import ProgressLine
from verify.config import BATCH
from verify.errors import ExitCode, display_path

if TYPE_CHECKING:
    from verify.batch.run import BatchSummary


@click.command(epilog=EXIT_CODES_HELP)
@click.argument("folder", type=click.Path(path_type=str, readable=False))
@click.option(
    "--db", "db_path", type=click.Path(dir_okay=False, path_type=str),
    help="Match every video against this bank of known copies.",
)  # fmt: skip
@click.option(
    "--add-to-bank", is_flag=True,
    help="Also add every video to the bank (--db, else $VERIFY_DB or the per-user bank).",
)  # fmt: skip
@click.option(
    "--out", type=click.Path(dir_okay=False, path_type=str),
    help="The results, one JSON line per file (default: FOLDER.verify.batch.jsonl beside FOLDER). "
    "Rerunning with the same --out resumes.",
)  # fmt: skip
@click.option(
    "--csv", "csv_path", type=click.Path(dir_okay=False, path_type=str),
    help="Also write a table for spreadsheets (UTF-8 CSV), copies grouped together.",
)  # fmt: skip
@click.option(
    "--workers", type=click.IntRange(min=0), default=BATCH.workers, show_default=True,
    help="Worker processes; 0 means one per CPU core.",
)  # fmt: skip
@click.option(
    "--scheduler", metavar="ADDRESS",
    help="Send the per-file work to this Dask scheduler (tcp://HOST:8786) instead of local "
    "worker processes. The workers must see FOLDER at the same path; the output, resume, "
    "groups and bank writes stay on this machine.",
)  # fmt: skip
@click.option(
    "--follow-links", is_flag=True,
    help="Also read files that symbolic links inside FOLDER point to outside it "
    "(by default each such link is an error row, not followed).",
)  # fmt: skip
@click.option("--quiet", "-q", is_flag=True, help="No progress line on stderr (errors still are).")
@json_option
@timeout_option
@click.pass_context
def batch(
    ctx: click.Context, folder: str, db_path: str | None, add_to_bank: bool, out: str | None,
    csv_path: str | None, workers: int, scheduler: str | None, follow_links: bool, quiet: bool,
    as_json: bool, timeout: float,
) -> None:  # fmt: skip
    """Inspect, hash, match and group every video and photo in FOLDER.

    FOLDER may be a download folder or a Telegram Desktop export (a folder
    with result.json), whose files are linked to the messages they came
    with. Results are appended to --out as each file finishes, so an
    interrupted run resumes where it stopped when run again. Copies of the
    same footage are grouped, earliest evidence first (the Telegram post
    time, else the capture time the file claims).
    """
    from verify.bank import default_bank_path
    from verify.batch.run import default_output, run_batch

    working_on(folder)
    bank = db_path or (str(default_bank_path()) if add_to_bank else None)
    if scheduler is not None and ctx.get_parameter_source("workers").name != "DEFAULT":
        raise click.UsageError("--workers and --scheduler are alternatives: give one")
    target = out or str(default_output(folder))
    wrote(target)
    progress = None if quiet else ProgressLine(sys.stderr)

    def say(text: str) -> None:
        if progress is not None:
            progress.message(text)
        else:
            click.echo(text, err=True)

    errors = RepeatedErrors(say)
    show_error = errors.show

    def note(text: str) -> None:
        if progress is not None:
            progress.message(f"verify: {text}")

    try:
        with _terminate_as_interrupt():
            try:
                summary = run_batch(
                    folder, target, bank=bank, add_to_bank=add_to_bank, csv_path=csv_path,
                    workers=workers, timeout=timeout, follow_links=follow_links,
                    on_progress=progress.update if progress else None, on_error=show_error,
                    report=note, scheduler=scheduler,
                )  # fmt: skip
            finally:
                errors.finish()
                if progress is not None:
                    progress.finish()
    except KeyboardInterrupt:
        message = (
            f"interrupted; the rows written so far are kept in {display_path(target)}: "
            "run the same command again to resume"
        )
        click.echo(f"verify: {message}", err=True)
        if as_json:
            emit_failure(ctx, "interrupted", message, ExitCode.INTERRUPTED, display_path(folder))
        ctx.exit(ExitCode.INTERRUPTED)
    if as_json:
        emit_json(summary.to_dict())
    else:
        click.echo(render_summary(summary))
    code = exit_code(summary)
    if code:
        ctx.exit(code)


def exit_code(summary: BatchSummary) -> ExitCode:
    """OK; PARTIAL when some files failed; the first error's code when all did."""
    if not summary.failed:
        return ExitCode.OK
    if summary.ok == 0:
        return ExitCode(summary.failed[0]["error"]["exit_code"])
    return ExitCode.PARTIAL


class RepeatedErrors:
    """One stderr line per failed file, until the same problem has been told often.

    An export naming 200 000 missing files must not print 200 000 lines:
    after `SHOWN_PER_KIND` lines of one kind (the message with its numbers
    left out), the rest are counted and told in one line at the end. Every
    failure is still a row of the results.
    """

    SHOWN_PER_KIND = 10

    def __init__(self, say: Callable[[str], None]):
        self.say = say
        self.counts: collections.Counter[str] = collections.Counter()
        self.examples: dict[str, str] = {}

    def show(self, path: str, error: dict[str, Any]) -> None:
        kind = re.sub(r"\d+", "N", f"{error['code']}: {error['message']}")
        self.counts[kind] += 1
        if self.counts[kind] <= self.SHOWN_PER_KIND:
            self.say(f"verify: error: {path}: {error['message']}")
        else:
            self.examples.setdefault(kind, error["message"])

    def finish(self) -> None:
        for kind, message in self.examples.items():
            more = self.counts[kind] - self.SHOWN_PER_KIND
            self.say(
                f"verify: error: {more:,} more file(s) like that ({message}); "
                "each is an error row in the results"
            )
        self.examples.clear()


@contextlib.contextmanager
def _terminate_as_interrupt() -> Iterator[None]:
    """SIGTERM (``kill``, ``timeout``, a service manager) stops the run as Ctrl-C does."""

    def interrupt(_signum: int, _frame: object) -> None:
        raise KeyboardInterrupt

    try:
        previous = signal.signal(signal.SIGTERM, interrupt)
        installed = True
    except ValueError:  # not the main thread: leave SIGTERM as it is
        installed = False
    try:
        yield
    finally:
        if installed:
            signal.signal(signal.SIGTERM, previous)


# Failures listed by name in the text summary; the results file has them all.
FAILURES_LISTED = 50


def render_summary(summary: BatchSummary) -> str:
    """The text report: counts, where the results are, groups of copies, failures."""
    counts = f"{summary.ok} ok, {len(summary.failed)} failed"
    if summary.skipped:
        counts += f", {summary.skipped} already done"
    lines = [f"{summary.folder}: {summary.files} files ({counts}) in {summary.seconds:.1f} s"]
    if summary.exports:
        lines.append(f"Telegram export: {', '.join(summary.exports)}")
    lines.append(f"results   {summary.out}")
    if summary.csv:
        lines.append(f"table     {summary.csv}")
    if summary.bank:
        bank = summary.bank
        text = f"bank      {bank['path']}: {bank['matched']} file(s) match known videos"
        if bank["added"] is not None:
            text += f"; {bank['added']} added, {bank['already_known']} already there"
        lines.append(text)
    if summary.download_named:
        lines.append(
            f"note: {summary.download_named} file(s) are named like video_2022-04-02_09-41-27.mp4: "
            "that is when they were downloaded, in the downloader's local time, not when they "
            "were posted or recorded"
        )
    if summary.clusters:
        lines.append(f"{len(summary.clusters)} group(s) of copies, earliest evidence first:")
    for cluster in summary.clusters:
        lines.append(f"  #{cluster.id}  {len(cluster.members)} {cluster.media_kind} files")
        for rank, member in enumerate(cluster.members, start=1):
            found = member["evidence"]
            when = {
                "telegram_post": f"posted {found['time']} ({found['source']})",
                "capture_time": f"recorded {found['time']} (claimed by {found['source']})",
            }.get(found["kind"], "no date")
            lines.append(f"      {rank}. {member['path']}  {when}")
    if summary.failed:
        lines.append(f"{len(summary.failed)} file(s) failed:")
        for failure in summary.failed[:FAILURES_LISTED]:
            lines.append(f"  {failure['path']}: {failure['error']['message']}")
        if len(summary.failed) > FAILURES_LISTED:
            more = len(summary.failed) - FAILURES_LISTED
            lines.append(f"  … and {more:,} more: every one is an error row in {summary.out}")
    return "\n".join(lines)
