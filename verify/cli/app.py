"""The `verify` command line: parse options, call the library, render results.

Errors from the library (`verify.errors.VerifyError`) become one line on
stderr and an exit code here, in `VerifyGroup.invoke`, and nowhere else.
A command given ``--json`` that stops without printing its result prints a
failure document on stdout instead, so a script reading stdout always gets
JSON.
"""

from __future__ import annotations

import os
import sys
import traceback
from typing import Any

import click

from verify.cli.bank import index_group, match
from verify.cli.batch import batch
from verify.cli.common import (
    EXIT_CODES_HELP,
    emit_failure,
    report_error,
    wants_json,
)
from verify.cli.doctor import doctor
from verify.cli.hashing import hash_command, keyframes
from verify.cli.inspect import inspect
from verify.cli.report import report
from verify.errors import ExitCode, ToolMissing, VerifyError
from verify.media.ffmpeg import find_tool
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
        return super().parse_args(ctx, args)

    def invoke(self, ctx: click.Context) -> Any:
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
@click.pass_context
def main(ctx: click.Context, debug: bool) -> None:
    """Establish what a video or photo is and where it came from, offline."""
    ctx.ensure_object(dict)["debug"] = debug
    # The hashing's matrix products are small (32 x 160), and ffmpeg decodes on
    # the other cores meanwhile: BLAS threads only contend (about 5-10 % slower
    # when matching and hashing real clips). Set before numpy is first imported,
    # which the commands do; batch workers inherit it. A user's setting wins.
    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")


for _command in (inspect, hash_command, keyframes, index_group, match, batch, report, doctor):
    main.add_command(_command)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
