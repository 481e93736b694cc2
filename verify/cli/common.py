"""Pieces every command shares: output flags, per-file loops, exit codes."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any, TypeVar

import click

from verify.config import HASH, INSPECT, MATCH, HashConfig
from verify.errors import BankError, ExitCode, ToolMissing, VerifyError, display_path
from verify.media.sampling import Sampling

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
        (ExitCode.OUTPUT, "an output file could not be written, or would overwrite an input"),
        (
            ExitCode.CLUSTER,
            "batch --scheduler: the Dask scheduler is unreachable or has no workers",
        ),
        (ExitCode.CHECK, "case or timestamp check: what was recorded no longer matches"),
        (ExitCode.INTERRUPTED, "interrupted (Ctrl-C, SIGTERM); batch keeps its rows"),
    )
)


def report_error(error: VerifyError) -> None:
    """The one-line stderr message for a library error."""
    click.echo(f"verify: error: {error}", err=True)


FAILURE_SCHEMA_VERSION = "1.0"
# Errors that stop a run over several files: every later file would fail the same way.
_FATAL = (ToolMissing, BankError)


def _remember_json(ctx: click.Context, _param: click.Parameter, value: bool) -> bool:
    if value:
        ctx.meta["verify.json"] = True
        names = []
        current: click.Context | None = ctx
        while current is not None and current.parent is not None:
            names.append(current.info_name or "")
            current = current.parent
        ctx.meta["verify.command"] = " ".join(reversed(names))
    return value


def json_option(func: F) -> F:
    """The ``--json`` flag, spelled the same on every command that reports."""
    return click.option(
        "--json", "as_json", is_flag=True, callback=_remember_json,
        help="Print one JSON document on stdout instead of text (a failure document if "
        "the command fails).",
    )(func)  # fmt: skip


def working_on(path: str | bytes | None) -> None:
    """Name the input a failure document should name, if the command fails now."""
    ctx = click.get_current_context(silent=True)
    if ctx is not None:
        ctx.meta["verify.input"] = display_path(path) if path is not None else None


def wrote(*paths: str | None) -> None:
    """Name files a command writes that no option names (a report's contact sheet, a
    batch's default output): the case journal records them with the outputs."""
    ctx = click.get_current_context(silent=True)
    if ctx is not None:
        ctx.meta.setdefault("verify.written", []).extend(p for p in paths if p)


def wants_json(ctx: click.Context) -> bool:
    """True if ``--json`` was asked for and no document has been printed yet."""
    if ctx.meta.get("verify.json_emitted"):
        return False
    if ctx.meta.get("verify.json"):
        return True
    argv = ctx.meta.get("verify.argv") or []
    return "--json" in argv[: argv.index("--")] if "--" in argv else "--json" in argv


def _command_name(ctx: click.Context) -> str:
    if ctx.meta.get("verify.command"):
        return str(ctx.meta["verify.command"])
    words = [arg for arg in ctx.meta.get("verify.argv") or [] if not arg.startswith("-")]
    group = ctx.command
    if words and isinstance(group, click.Group):
        sub = group.commands.get(words[0])
        if isinstance(sub, click.Group) and len(words) > 1:
            return f"{words[0]} {words[1]}"
        return words[0]
    return ctx.info_name or "verify"


def emit_failure(
    ctx: click.Context, code: str, message: str, exit_code: int, path: str | None = None
) -> None:
    """Print the failure document (``failure.schema.json``) for a command given ``--json``."""
    emit_json(
        {
            "schema_version": FAILURE_SCHEMA_VERSION,
            "ok": False,
            "command": _command_name(ctx),
            "path": path if path is not None else ctx.meta.get("verify.input"),
            "error": {"code": code, "message": message, "exit_code": int(exit_code)},
        }
    )


def timeout_option(func: F) -> F:
    return click.option(
        "--timeout",
        type=click.FloatRange(min=0.1),
        default=INSPECT.probe_timeout_s,
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


sample_option = _sample_option(HASH.sampling)
sample_option_match = _sample_option(MATCH.query_sampling)
sample_option_keyframes = _sample_option("keyframes")


def decode_ahead(
    files: tuple[str, ...], sample: Sampling, timeout: float, *,
    config: HashConfig = HASH, probe: bool = True,
) -> Callable[[str], None]:  # fmt: skip
    """Start the first file's decoder now (before the command's heavy imports) and
    return what starts each next one: `for_each_file`'s ``prepare``.

    ffmpeg then decodes while Python imports, or hashes the file before
    (`verify.media.decode.start_early`); ``sample`` and ``config`` must be
    what the work decodes with, or the early run is simply not used.
    ``probe``: start the file's ffprobe too (not when the work inspects the
    file itself and hands hashing that probe).
    """
    from verify.media.decode import start_early

    def prepare(path: str) -> None:
        start_early(path, sample, config, stall_timeout=timeout, probe=probe)

    if files:
        prepare(files[0])
    return prepare


def for_each_file(
    files: tuple[str, ...],
    work: Callable[[str], Any],
    render: Callable[[Any], str],
    *,
    as_json: bool,
    blank_lines: bool = True,
    prepare: Callable[[str], None] | None = None,
) -> None:
    """Run ``work`` on each file; a failure becomes an error line (and entry), not a stop.

    A missing tool or an unusable bank stops the loop: every later file
    would fail the same way. Under ``--json`` the entries so far, the failed
    one included, are still printed. ``prepare``, if given, is called with
    each next file before ``work`` runs on the current one (see `decode_ahead`).
    """
    from verify.errors import error_entry

    documents: list[dict[str, Any]] = []
    failures: list[VerifyError] = []
    for index, path in enumerate(files):
        working_on(path)
        if prepare is not None and index + 1 < len(files):
            prepare(files[index + 1])
        try:
            result = work(path)
        except _FATAL as error:
            if as_json:
                documents.append(error_entry(path, error))
                emit_json(documents[0] if len(files) == 1 else documents)
            raise
        except VerifyError as error:
            report_error(error)
            failures.append(error)
            documents.append(error_entry(path, error))
            continue
        if as_json:
            documents.append(result.to_dict())
        else:
            if index and blank_lines:
                click.echo()
            click.echo(render(result))
    if as_json:
        emit_json(documents[0] if len(files) == 1 else documents)
    finish(failures, len(files))


def emit_json(document: Any) -> None:
    """Print one JSON document on stdout (once per command: see `wants_json`)."""
    ctx = click.get_current_context(silent=True)
    if ctx is not None:
        ctx.meta["verify.json_emitted"] = True
    text = json.dumps(document, indent=2, ensure_ascii=False)
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:  # a lone surrogate (a damaged name or text): escape it
        text = json.dumps(document, indent=2)
    click.echo(text)


def finish(failures: list[VerifyError], total: int) -> None:
    """Exit with the documented code for a run over ``total`` inputs."""
    if not failures:
        return
    ctx = click.get_current_context()
    ctx.exit(failures[0].exit_code if len(failures) == total else ExitCode.PARTIAL)


def files_argument(func: F) -> F:
    """FILE... arguments; existence is checked by the library, for one error format."""
    return click.argument(
        "files", nargs=-1, required=True, type=click.Path(path_type=str, readable=False)
    )(func)
