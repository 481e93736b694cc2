"""The `verify` command line: parse options, call the library, render results.

Errors from the library (`verify.errors.VerifyError`) become one line on
stderr and an exit code here, in `VerifyGroup.invoke`, and nowhere else.
A command given ``--json`` that stops without printing its result prints a
failure document on stdout instead, so a script reading stdout always gets
JSON.
"""

from __future__ import annotations

import atexit
import os
import sys
import threading
import time
import traceback
from typing import Any

import click

from verify.cli.analyse import analyse
from verify.cli.bank import index_group, match
from verify.cli.batch import batch
from verify.cli.case import case_group
from verify.cli.common import (
    EXIT_CODES_HELP,
    emit_failure,
    report_error,
    wants_json,
)
from verify.cli.doctor import doctor
from verify.cli.hashing import hash_command, keyframes
from verify.cli.inspect import inspect
from verify.cli.report import report, timestamp_group
from verify.errors import ExitCode, ToolMissing, VerifyError
from verify.media.ffmpeg import find_tool
from verify.pools import close_pools
from verify.version import __version__


def debug_enabled() -> bool:
    """True when tracebacks were asked for (``--debug`` or ``VERIFY_DEBUG=1``)."""
    ctx = click.get_current_context(silent=True)
    root = ctx.find_root() if ctx else None
    flag = bool(root and root.obj and root.obj.get("debug"))
    return flag or os.environ.get("VERIFY_DEBUG", "") not in {"", "0"}


class VerifyGroup(click.Group):
    """Click group that maps errors to exit codes (and JSON failures), in one place."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        ctx.meta["verify.argv"] = list(args)  # to tell --json on a command line Click refused
        if ctx.parent is None:
            args = _case_first(args, set(self.commands))
        return super().parse_args(ctx, args)

    def invoke(self, ctx: click.Context) -> Any:
        if ctx.parent is not None:  # a command group inside (index): the root records
            return self._invoke(ctx)
        code = ExitCode.OK
        try:
            return self._invoke(ctx)
        except click.exceptions.Exit as done:
            code = done.exit_code
            raise
        except click.exceptions.UsageError:
            code = ExitCode.USAGE
            raise
        except BaseException:
            code = ExitCode.ERROR
            raise
        finally:
            case = (ctx.obj or {}).get("case")
            if case and not ctx.resilient_parsing:
                _journal(ctx, case, int(code))

    def _invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except VerifyError as error:
            report_error(error)
            if wants_json(ctx):
                emit_failure(ctx, error.code, error.message, error.exit_code, error.path)
            ctx.exit(error.exit_code)
        except click.exceptions.UsageError as error:
            if wants_json(ctx):
                emit_failure(ctx, "usage", error.format_message(), ExitCode.USAGE)
            raise
        except (click.exceptions.ClickException, click.exceptions.Exit, click.Abort):
            raise
        except KeyboardInterrupt:
            click.echo("verify: interrupted", err=True)
            if wants_json(ctx):
                emit_failure(ctx, "interrupted", "interrupted", ExitCode.INTERRUPTED)
            ctx.exit(ExitCode.INTERRUPTED)
        except Exception as error:  # a bug: keep the user's terminal clean unless asked
            if debug_enabled():
                traceback.print_exc()
            message = (
                f"internal error: {type(error).__name__}: {error} "
                "(rerun with --debug for the traceback and please report it)"
            )
            click.echo(f"verify: {message}", err=True)
            if wants_json(ctx):
                emit_failure(ctx, "internal", message, ExitCode.ERROR)
            ctx.exit(ExitCode.ERROR)


def _case_first(args: list[str], commands: set[str]) -> list[str]:
    """``--case DIR`` may follow the command (``verify inspect F --case D``): move it to the
    group's options, where Click reads it."""
    if "--case" not in args and not any(a.startswith("--case=") for a in args):
        return args
    head, rest = [], list(args)
    while rest and rest[0] not in commands and rest[0] != "--":
        head.append(rest.pop(0))
    moved, kept, index = [], [], 0
    while index < len(rest):
        token = rest[index]
        if token == "--":
            kept += rest[index:]
            break
        if token == "--case" and index + 1 < len(rest):
            moved += rest[index : index + 2]
            index += 2
            continue
        if token.startswith("--case="):
            moved.append(token)
        else:
            kept.append(token)
        index += 1
    return [*head, *moved, *kept]


class _RecordedContext(click.Context):
    """Every command's context leaves itself in the run's shared meta: the case journal
    reads the inputs and outputs from their parameters."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.meta.setdefault("verify.contexts", []).append(self)


# Parameters naming what a command reads and what it writes, for the case journal.
_INPUT_PARAMS = {"files", "paths", "file", "source", "sources", "folder", "report_file", "reply",
                 "ca"}  # fmt: skip
_OUTPUT_PARAMS = {"out", "output_dir", "out_dir", "sheet", "html_path", "csv_path",
                  "extract_embedded"}  # fmt: skip


def _journal(ctx: click.Context, case: str, code: int) -> None:
    """Append this command's entry to the case journal; a failure is exit 9."""
    from verify.bank.store import is_url, url_secrets
    from verify.journal import append_entry, files_written_since, record

    params: dict[str, Any] = {}
    for context in ctx.meta.get("verify.contexts", []):
        params.update(context.params)
    argv = ["verify", *ctx.meta.get("verify.argv", [])]
    urls = [a.split("=", 1)[1] if a.startswith("--") and "=" in a else a for a in argv]
    for secret in {s for u in urls if "://" in u for s in url_secrets(u)}:
        argv = [a.replace(secret, "***") for a in argv]
    started = ctx.meta.get("verify.started_ns", 0)
    inputs, outputs = [], []
    for name, value in sorted(params.items()):
        values = value if isinstance(value, (tuple, list)) else (value,)
        paths = [v for v in values if isinstance(v, str) and v and not is_url(v)]
        if name in _INPUT_PARAMS:
            inputs += [record(p) for p in paths]
        elif name in _OUTPUT_PARAMS:
            for path in paths:
                if os.path.isdir(path):
                    outputs += [record(f) for f in files_written_since(path, started)]
                else:
                    outputs.append(record(path))
        elif name == "db_path" and paths:
            outputs.append(record(paths[0]))  # the bank, as it stands after the command
    named = {r.path for r in outputs}
    for path in ctx.meta.get("verify.written", []):  # written where no option says (`wrote`)
        found = record(path)
        if found.path not in named:
            named.add(found.path)
            outputs.append(found)
    try:
        tools: dict[str, str | None] = {
            "verify": __version__,
            "ffmpeg": find_tool("ffmpeg").version,
        }
    except ToolMissing:
        tools = {"verify": __version__, "ffmpeg": None}
    try:
        append_entry(case, command=argv, exit_code=code, inputs=inputs, outputs=outputs,
                     tools=tools)  # fmt: skip
    except VerifyError as error:
        report_error(error)
        if code == ExitCode.OK:
            ctx.exit(error.exit_code)


def _version_callback(ctx: click.Context, _param: click.Parameter, value: bool) -> None:
    if not value or ctx.resilient_parsing:
        return
    click.echo(f"verify {__version__}")
    for name in ("ffmpeg", "ffprobe"):
        try:
            tool = find_tool(name)
            click.echo(f"{name}: {tool.version} [{tool.source}: {tool.path}]")
        except ToolMissing as error:
            click.echo(f"{name}: {error}")
    ctx.exit()


@click.group(
    cls=VerifyGroup,
    epilog=EXIT_CODES_HELP,
    context_settings={"help_option_names": ["-h", "--help"]},
)
@click.option(
    "--version", is_flag=True, expose_value=False, is_eager=True, callback=_version_callback,
    help="Show the version of verify and of the ffmpeg/ffprobe in use, then exit.",
)  # fmt: skip
@click.option(
    "--debug", is_flag=True, help="Show tracebacks for internal errors (env VERIFY_DEBUG=1)."
)
@click.option(
    "--case", "case", type=click.Path(file_okay=False, path_type=str), envvar="VERIFY_CASE",
    help="Record this command in DIR/journal.jsonl (a hash chain; `verify case check DIR`). "
    "May follow the command. Env VERIFY_CASE.",
)  # fmt: skip
@click.pass_context
def main(ctx: click.Context, debug: bool, case: str | None) -> None:
    """Establish what a video or photo is and where it came from, offline."""
    ctx.ensure_object(dict)["debug"] = debug
    ctx.obj["case"] = case
    ctx.meta["verify.started_ns"] = time.time_ns()
    # The hashing's matrix products are small (32 x 160), and ffmpeg decodes on
    # the other cores meanwhile: BLAS threads only contend (about 5-10 % slower
    # when matching and hashing real clips). Set before numpy is first imported,
    # which the commands do; batch workers inherit it. A user's setting wins.
    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")


for _command in (
    inspect, analyse, hash_command, keyframes, index_group, match, batch, report, doctor,
    case_group, timestamp_group,
):  # fmt: skip
    main.add_command(_command)


def _record_contexts(command: click.Command) -> None:
    command.context_class = _RecordedContext
    for sub in getattr(command, "commands", {}).values():
        _record_contexts(sub)


_record_contexts(main)


def run() -> None:
    """The `verify` command: `main`, then `quick_exit` with its exit code."""
    code: int | str | None = 0
    try:
        main()  # Click's standalone mode always ends in SystemExit
    except SystemExit as done:
        code = done.code
    quick_exit(code)


def quick_exit(code: int | str | None) -> None:
    """End the process with exit status ``code`` once the command is done, without
    Python's teardown of every module it imported.

    That teardown (numpy, OpenCV and some 370 modules after a match) frees
    memory the process is about to give back anyway; skipping it saves about
    60 ms a match. What Python's exit does before it is done here, in its
    order: verify's idle worker threads end (`close_pools`), the exit handlers
    run (temporary files, early decoders, worker pools, logging) and output is
    flushed. A thread still working, output that cannot be flushed, or a
    ``code`` that is not a number take Python's normal exit, which then
    behaves as it always did.
    """
    if code is None:
        code = 0
    close_pools()
    others = [t for t in threading.enumerate() if t is not threading.main_thread()]
    handlers = getattr(atexit, "_run_exitfuncs", None)  # CPython's; absent: normal exit
    if not isinstance(code, int) or handlers is None or any(not t.daemon for t in others):
        sys.exit(code)
    try:
        handlers()
        sys.stdout.flush()
        sys.stderr.flush()
    except (OSError, ValueError):
        sys.exit(code)  # a closed pipe: Python's exit reports it, as it always did
    os._exit(code)


if __name__ == "__main__":  # pragma: no cover
    run()
