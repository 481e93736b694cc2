"""The `verify` command line: parse options, call the library, render results.

Errors from the library (`verify.errors.VerifyError`) become one line on
stderr and an exit code here, in `VerifyGroup.invoke`, and nowhere else.
"""

from __future__ import annotations

import json
import os
import sys
import traceback
from collections.abc import Callable
from typing import Any, TypeVar

import click

from verify import __version__, defaults
from verify.environment import describe_environment
from verify.errors import ExitCode, ToolMissing, VerifyError
from verify.ffmpeg_tools import find_tool
from verify.fingerprint import fingerprint_video
from verify.frames import Sampling
from verify.inspection import error_entry, inspect_file
from verify.keyframes import export_keyframes, timestamp_label
from verify.render import render_fingerprint, render_inspection

F = TypeVar("F", bound=Callable[..., Any])

EXIT_CODES_HELP = "\b\nExit codes:\n" + "\n".join(
    f"  {code.value}  {text}"
    for code, text in (
        (ExitCode.OK, "success"),
        (ExitCode.ERROR, "internal error (a bug; rerun with --debug and report it)"),
        (ExitCode.USAGE, "bad command line"),
        (ExitCode.INPUT, "input missing, a directory, unreadable or empty"),
        (ExitCode.MEDIA, "input is not readable media (corrupt, truncated, timeout)"),
        (ExitCode.PARTIAL, "several inputs: some succeeded, some failed"),
        (ExitCode.TOOL_MISSING, "ffmpeg/ffprobe not found or not working"),
        (ExitCode.BANK, "the bank of known copies is unusable"),
        (ExitCode.NO_MATCH, "match --fail-on-no-match found no match"),
        (ExitCode.OUTPUT, "an output file could not be written"),
    )
)


def debug_enabled() -> bool:
    """True when tracebacks were asked for (``--debug`` or ``VERIFY_DEBUG=1``)."""
    ctx = click.get_current_context(silent=True)
    root = ctx.find_root() if ctx else None
    flag = bool(root and root.obj and root.obj.get("debug"))
    return flag or os.environ.get("VERIFY_DEBUG", "") not in {"", "0"}


def report_error(error: VerifyError) -> None:
    """The one-line stderr message for a library error."""
    click.echo(f"verify: error: {error}", err=True)


class VerifyGroup(click.Group):
    """Click group that maps `VerifyError` to its exit code, in one place."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except VerifyError as error:
            report_error(error)
            ctx.exit(error.exit_code)
        except (click.exceptions.ClickException, click.exceptions.Exit, click.Abort):
            raise
        except KeyboardInterrupt:
            click.echo("verify: interrupted", err=True)
            ctx.exit(130)
        except Exception as error:  # a bug: keep the user's terminal clean unless asked
            if debug_enabled():
                traceback.print_exc()
            click.echo(
                f"verify: internal error: {type(error).__name__}: {error} "
                "(rerun with --debug for the traceback and please report it)",
                err=True,
            )
            ctx.exit(ExitCode.ERROR)


def json_option(func: F) -> F:
    """The ``--json`` flag, spelled the same on every command that reports."""
    return click.option(
        "--json", "as_json", is_flag=True, help="Print one JSON document on stdout instead of text."
    )(func)


def timeout_option(func: F) -> F:
    return click.option(
        "--timeout",
        type=click.FloatRange(min=0.1),
        default=defaults.PROBE_TIMEOUT_S,
        show_default=True,
        envvar="VERIFY_TIMEOUT",
        help="Seconds ffprobe/ffmpeg may spend on one file (env VERIFY_TIMEOUT).",
    )(func)


def _parse_sampling(_ctx: click.Context, _param: click.Parameter, value: str) -> Sampling:
    try:
        return Sampling.parse(value)
    except ValueError as error:
        raise click.BadParameter(str(error)) from None


def _sample_option(default: str) -> Callable[[F], F]:
    return click.option(
        "--sample",
        default=default,
        show_default=True,
        callback=_parse_sampling,
        help="Which frames: keyframes, fps=N (N per second) or scenes (one per shot).",
    )


sample_option = _sample_option(defaults.DEFAULT_SAMPLING)
sample_option_keyframes = _sample_option("keyframes")


def for_each_file(
    files: tuple[str, ...],
    work: Callable[[str], Any],
    render: Callable[[Any], str],
    *,
    as_json: bool,
) -> None:
    """Run ``work`` on each file; a failure becomes an error line (and entry), not a stop."""
    documents: list[dict[str, Any]] = []
    failures: list[VerifyError] = []
    for index, path in enumerate(files):
        try:
            result = work(path)
        except ToolMissing:
            raise
        except VerifyError as error:
            report_error(error)
            failures.append(error)
            documents.append(error_entry(path, error))
            continue
        if as_json:
            documents.append(result.to_dict())
        else:
            if index:
                click.echo()
            click.echo(render(result))
    if as_json:
        emit_json(documents[0] if len(files) == 1 else documents)
    finish(failures, len(files))


def emit_json(document: Any) -> None:
    click.echo(json.dumps(document, indent=2, ensure_ascii=False))


def finish(failures: list[VerifyError], total: int) -> None:
    """Exit with the documented code for a run over ``total`` inputs."""
    if not failures:
        return
    ctx = click.get_current_context()
    ctx.exit(failures[0].exit_code if len(failures) == total else ExitCode.PARTIAL)


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


@main.command(epilog=EXIT_CODES_HELP)
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=str, readable=False))
@json_option
@timeout_option
@click.option(
    "--tags", "show_tags", is_flag=True, help="Also list every raw tag in the text output."
)
def inspect(files: tuple[str, ...], as_json: bool, timeout: float, show_tags: bool) -> None:
    """Report metadata, file hashes and forensic flags for each FILE.

    Videos (mp4, mov, m4v, mkv, webm, avi, 3gp, ts) and stills (jpg, png,
    heic, webp). A file that cannot be read gets one line on stderr (and an
    error entry under --json); the others are still reported.
    """
    for_each_file(
        files,
        lambda path: inspect_file(path, timeout=timeout),
        lambda result: render_inspection(result, show_tags=show_tags),
        as_json=as_json,
    )


@main.command("hash", epilog=EXIT_CODES_HELP)
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=str, readable=False))
@sample_option
@json_option
@timeout_option
def hash_command(files: tuple[str, ...], sample: Sampling, as_json: bool, timeout: float) -> None:
    """Perceptual hashes (pHash, dHash) of sampled frames, with timestamps.

    Frames are taken by --sample: the coded keyframes, N frames per second
    (fps=N), or one frame per shot (scenes). Black or blurred bars are cropped
    before hashing; near-uniform frames (black, fades) are marked "uniform"
    and never count as match evidence.
    """
    for_each_file(
        files,
        lambda path: fingerprint_video(path, sample, timeout=timeout),
        render_fingerprint,
        as_json=as_json,
    )


@main.command(epilog=EXIT_CODES_HELP)
@click.argument("file", type=click.Path(path_type=str, readable=False))
@click.option(
    "-o", "--out", "out_dir", required=True, type=click.Path(file_okay=False, path_type=str),
    help="Folder for the frame images (created if missing).",
)  # fmt: skip
@click.option(
    "--sheet", type=click.Path(dir_okay=False, path_type=str),
    help="Also write a contact sheet (JPEG) of all frames with their times.",
)  # fmt: skip
@sample_option_keyframes
@json_option
@timeout_option
def keyframes(
    file: str, out_dir: str, sheet: str | None, sample: Sampling, as_json: bool, timeout: float
) -> None:
    """Save FILE's keyframes as JPEGs named by timestamp, for reverse image search.

    Frames are written at full display size (rotation applied) as
    NAME_HH-MM-SS.mmm.jpg in the --out folder.
    """
    fingerprint, exported = export_keyframes(
        file, out_dir, sampling=sample, sheet=sheet, timeout=timeout
    )
    if as_json:
        emit_json(
            {
                "schema_version": "1.0",
                "path": fingerprint.path,
                "sampling": fingerprint.sampling,
                "frames": [e.to_dict() for e in exported],
                "sheet": sheet,
            }
        )
        return
    for item in exported:
        click.echo(f"{timestamp_label(item.time)}  {item.path}")
    if sheet:
        click.echo(f"contact sheet: {sheet}")
    click.echo(f"{len(exported)} frame(s) written to {out_dir}", err=True)


@main.command(epilog=EXIT_CODES_HELP)
@json_option
def doctor(as_json: bool) -> None:
    """Show which ffmpeg/ffprobe and library versions verify is using."""
    env = describe_environment()
    if as_json:
        emit_json({"schema_version": "1.0", **env})
    else:
        click.echo(f"verify     {env['verify']}")
        click.echo(f"python     {env['python']} ({env['platform']})")
        for name, tool in env["tools"].items():
            text = (
                f"{tool['version']}\n           {tool['source']}: {tool['path']}"
                if tool
                else "NOT FOUND"
            )
            click.echo(f"{name:<10} {text}")
        for name, version in env["libraries"].items():
            click.echo(f"{name:<24} {version or 'not installed'}")
    missing = [name for name, tool in env["tools"].items() if tool is None]
    if missing:
        find_tool(missing[0])  # raises ToolMissing with the fix


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
