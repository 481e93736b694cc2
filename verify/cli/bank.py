"""`verify index ...` (manage the bank) and `verify match` (search it)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from verify.cli.common import (
    EXIT_CODES_HELP,
    decode_ahead,
    emit_json,
    files_argument,
    for_each_file,
    json_option,
    sample_option_match,
    timeout_option,
)
from verify.cli.render import (
    render_added,
    render_lists,
    render_match,
    render_video,
    render_video_list,
)
from verify.errors import ExitCode, display_path
from verify.media.sampling import Sampling
from verify.media.walk import find_media
from verify.output import check_distinct
from verify.timestamps import parse_recorded_time

if TYPE_CHECKING:
    from verify.bank import BankStore
    from verify.hashing.forms import FrameTable

# The bank and the matcher (numpy, OpenCV, SQLite) are imported by the
# commands that use them, so that start-up and --help stay light.


def db_option(func: Any) -> Any:
    return click.option(
        "--db",
        "db_path",
        type=click.Path(path_type=str),
        help="The bank: a file, or a postgresql://user@host:port/dbname URL for a team bank "
        "(default: $VERIFY_DB, else a file in a per-user data folder).",
    )(func)


def bank_from_option(db_path: str | None, *, readonly: bool = False) -> BankStore:
    """Open the bank named on the command line, or the default one."""
    from verify.bank import default_bank_path, is_url, open_bank

    if db_path:
        return open_bank(db_path if is_url(db_path) else Path(db_path), readonly=readonly)
    path = default_bank_path()
    if not readonly and not is_url(path):
        Path(path).parent.mkdir(parents=True, exist_ok=True)
    return open_bank(path, readonly=readonly)


def _parse_posted(_ctx: click.Context, _param: click.Parameter, value: str | None) -> str | None:
    if value is None:
        return None
    recorded = parse_recorded_time(value, "--posted", naive_is_utc=True)
    if recorded is None or recorded.utc_iso is None:
        raise click.BadParameter(f"{value!r} is not an ISO 8601 time (e.g. 2022-04-02T09:41:27Z)")
    return recorded.utc_iso


@click.group("index", epilog=EXIT_CODES_HELP)
def index_group() -> None:
    """Manage the bank of known copies (an SQLite file or a PostgreSQL database)."""


@index_group.command("add", epilog=EXIT_CODES_HELP)
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=str, readable=False))
@db_option
@click.option("--source", help="Where these videos came from (a channel, an archive, a person).")
@click.option(
    "--posted", callback=_parse_posted,
    help="When the source posted them, ISO 8601 (UTC unless a zone is given).",
)  # fmt: skip
@click.option("--url", help="Where they were found.")
@json_option
@timeout_option
def index_add(
    paths: tuple[str, ...], db_path: str | None, source: str | None, posted: str | None,
    url: str | None, as_json: bool, timeout: float,
) -> None:  # fmt: skip
    """Add videos (folders are searched recursively) to the bank.

    Adding bytes already in the bank (same SHA-256) changes nothing.
    """
    from verify.bank import default_bank_path, is_url
    from verify.bank.indexing import index_file

    files = tuple(find_media(paths))
    if not files:
        raise click.UsageError("no video files found in the given folders")
    location = db_path or default_bank_path()
    check_distinct(
        {} if is_url(location) else {"--db": location},
        inputs={display_path(f): f for f in files},
        folders={f"the folder {display_path(p)}": p for p in paths if os.path.isdir(p)},
    )
    with bank_from_option(db_path) as bank:
        for_each_file(
            files,
            lambda path: index_file(
                bank, path, source=source, posted_at=posted, url=url, timeout=timeout
            ),
            render_added,
            as_json=as_json,
            blank_lines=False,
        )


@index_group.command("list", epilog=EXIT_CODES_HELP)
@db_option
@click.option("--source", help="Only videos added with this --source.")
@click.option(
    "--added-by", "added_by", metavar="USER",
    help="Only videos this user added (the database user of a PostgreSQL bank, the login name "
    "for a file).",
)  # fmt: skip
@json_option
def index_list(
    db_path: str | None, source: str | None, added_by: str | None, as_json: bool
) -> None:
    """List the videos in the bank."""
    from verify.bank.store import BANK_DOCUMENT_VERSION

    with bank_from_option(db_path, readonly=True) as bank:
        videos = bank.videos(source=source, added_by=added_by)
        path = bank.location
    if as_json:
        emit_json(
            {
                "schema_version": BANK_DOCUMENT_VERSION,
                "bank": path,
                "videos": [v.to_dict() for v in videos],
            }
        )
    else:
        click.echo(render_video_list(videos))


@index_group.command("show", epilog=EXIT_CODES_HELP)
@click.argument("key")
@db_option
@json_option
def index_show(key: str, db_path: str | None, as_json: bool) -> None:
    """Show one video: KEY is its SHA-256 (or 8+ leading hex digits) or its path."""
    from verify.bank.store import BANK_DOCUMENT_VERSION

    with bank_from_option(db_path, readonly=True) as bank:
        video = bank.find(key)
        frames = bank.known_frames(video.id)
    if as_json:
        emit_json(
            {
                "schema_version": BANK_DOCUMENT_VERSION,
                **video.to_dict(),
                "frames": frame_rows(frames),
            }
        )
    else:
        click.echo(render_video(video))


def frame_rows(frames: FrameTable) -> list[dict[str, Any]]:
    """A stored video's frames as ``index show --json`` lists them."""
    from verify.hashing.forms import Form

    return [
        {"time": round(float(t), 4), "phash": f"{int(h):016x}", "uniform": not bool(u)}
        for t, h, u in zip(frames.time, frames.forms[Form.PHASH], frames.usable, strict=True)
    ]


@index_group.command("remove", epilog=EXIT_CODES_HELP)
@click.argument("keys", nargs=-1, required=True)
@db_option
def index_remove(keys: tuple[str, ...], db_path: str | None) -> None:
    """Remove videos (by SHA-256, prefix or path) and their hashes from the bank."""
    with bank_from_option(db_path) as bank:
        for key in keys:
            sha256, path = bank.remove(key)
            click.echo(f"removed {sha256[:12]}  {path}")


@index_group.command("stats", epilog=EXIT_CODES_HELP)
@db_option
@json_option
def index_stats(db_path: str | None, as_json: bool) -> None:
    """Counts and size of the bank."""
    from verify.bank.store import BANK_DOCUMENT_VERSION

    with bank_from_option(db_path, readonly=True) as bank:
        stats = bank.stats()
    if as_json:
        emit_json({"schema_version": BANK_DOCUMENT_VERSION, **stats})
    else:
        for name, value in stats.items():
            click.echo(f"{name:<16}{value}")


@index_group.command("export", epilog=EXIT_CODES_HELP)
@db_option
@click.option(
    "-o", "--out", "out", required=True, type=click.Path(dir_okay=False, path_type=str),
    help="The JSON Lines file to write (replaced only once it is complete).",
)  # fmt: skip
@json_option
def index_export(db_path: str | None, out: str, as_json: bool) -> None:
    """Write every video of the bank, with its frames, to a JSON Lines file.

    A plain-text backup, and how a bank moves between an SQLite file and a
    PostgreSQL server (`verify index import`). Each line carries its own
    SHA-256 checksum.
    """
    from verify.bank import default_bank_path, is_url
    from verify.bank.transfer import export_bank

    location = db_path or default_bank_path()
    check_distinct({"--out": out}, inputs={} if is_url(location) else {"--db": location})
    with bank_from_option(db_path, readonly=True) as bank:
        summary = export_bank(bank, out)
    if as_json:
        emit_json(summary.to_dict())
    else:
        click.echo(f"{summary.videos} video(s) written to {display_path(out)}")


@index_group.command("import", epilog=EXIT_CODES_HELP)
@click.argument("source", type=click.Path(dir_okay=False, path_type=str))
@db_option
@json_option
def index_import(source: str, db_path: str | None, as_json: bool) -> None:
    """Add the videos of an export file (`verify index export`) to the bank.

    Every line's checksum is checked before anything is written; then all
    videos are added in one transaction, or none. Videos already in the bank
    (same SHA-256) are left as they are.
    """
    from verify.bank import default_bank_path, is_url
    from verify.bank.transfer import import_bank

    location = db_path or default_bank_path()
    check_distinct({} if is_url(location) else {"--db": location}, inputs={"SOURCE": source})
    with bank_from_option(db_path) as bank:
        summary = import_bank(bank, source)
    if as_json:
        emit_json(summary.to_dict())
    else:
        click.echo(
            f"{summary.added} video(s) added, {summary.already_there} already in the bank "
            f"(of {summary.videos} in {display_path(source)})"
        )


@index_group.command("import-hashes", epilog=EXIT_CODES_HELP)
@click.argument("sources", nargs=-1, required=True, type=click.Path(path_type=str))
@click.option(
    "--format", "list_format", type=click.Choice(["vpdq", "pytx"]), required=True,
    help="vpdq: Meta's vPDQ file, one video each; pytx: python-threatexchange signal lines.",
)  # fmt: skip
@click.option(
    "--source", "list_name", required=True,
    help="The list's name, reported with every match (e.g. the organisation that shared it).",
)  # fmt: skip
@db_option
@json_option
def index_import_hashes(
    sources: tuple[str, ...], list_format: str, list_name: str, db_path: str | None,
    as_json: bool,
) -> None:  # fmt: skip
    """Add a shared hash list's entries to the bank: footage named by hash, without media.

    `verify match` and `verify batch` then report files that match an entry
    (vPDQ's rule: PDQ within 31 bits, quality >= 50, >= 80 % of the file's
    frames; or the same MD5) as list matches, beside the bank's own videos.
    Every file is checked before anything is written.
    """
    from verify.bank import default_bank_path, is_url
    from verify.lists.importing import import_lists

    location = db_path or default_bank_path()
    check_distinct(
        {} if is_url(location) else {"--db": location},
        inputs={f"SOURCE {i + 1}": s for i, s in enumerate(sources)},
    )
    with bank_from_option(db_path) as bank:
        summary = import_lists(bank, list(sources), list_format, list_name)
    if as_json:
        emit_json(summary.to_dict())
    else:
        click.echo(
            f"{summary.added} entr{'y' if summary.added == 1 else 'ies'} added to list "
            f"{summary.list!r}, {summary.already_there} already there "
            f"(of {summary.entries} in {summary.files} file(s))"
        )


@index_group.command("lists", epilog=EXIT_CODES_HELP)
@db_option
@json_option
def index_lists(db_path: str | None, as_json: bool) -> None:
    """Show the shared hash lists in the bank: entries by signal type, who added them, when."""
    from verify.lists.importing import LIST_DOCUMENT_VERSION

    with bank_from_option(db_path, readonly=True) as bank:
        found = bank.lists()
        location = bank.location
    if as_json:
        emit_json({"schema_version": LIST_DOCUMENT_VERSION, "kind": "lists", "bank": location,
                   "lists": [summary.to_dict() for summary in found]})  # fmt: skip
    else:
        click.echo(render_lists(found))


@index_group.command("remove-list", epilog=EXIT_CODES_HELP)
@click.argument("name")
@db_option
@json_option
def index_remove_list(name: str, db_path: str | None, as_json: bool) -> None:
    """Remove every entry of the shared hash list NAME (as imported with --source NAME).

    A partner that withdraws or replaces a list: remove it, then import the
    new one. The bank's own videos are untouched.
    """
    from verify.errors import BankError
    from verify.lists.importing import LIST_DOCUMENT_VERSION

    with bank_from_option(db_path) as bank:
        removed = bank.remove_list(name)
        location = bank.location
    if not removed:
        raise BankError(f"no list {name!r} in the bank (see verify index lists)", location)
    if as_json:
        emit_json({"schema_version": LIST_DOCUMENT_VERSION, "kind": "list_removal",
                   "bank": location, "list": name, "entries": removed})  # fmt: skip
    else:
        click.echo(f"removed list {name!r}: {removed} entr{'y' if removed == 1 else 'ies'}")


@click.command(epilog=EXIT_CODES_HELP)
@files_argument
@db_option
@sample_option_match
@json_option
@timeout_option
@click.option(
    "--fail-on-no-match", is_flag=True,
    help=f"Exit with code {int(ExitCode.NO_MATCH)} when a clip matches no known video.",
)  # fmt: skip
@click.pass_context
def match(
    ctx: click.Context, files: tuple[str, ...], db_path: str | None, sample: Sampling,
    as_json: bool, timeout: float, fail_on_no_match: bool,
) -> None:  # fmt: skip
    """Find the known videos each FILE copies, and which seconds match which.

    Each match has a score in 0..1 (the share of the clip covered by matching
    segments, discounted by how different the frames are) and segments:
    clip seconds query_start-query_end show known seconds ref_start-ref_end,
    at a rate (known seconds per clip second: 1.1 for a copy sped up 1.1x).
    A copy cropped off-centre, or shown inside a larger picture, also gets its
    framing: the part of the known picture it shows. Several FILEs are
    searched in one run (one start-up, one open bank); ``--json`` then prints
    a list with one document per file.
    """
    from verify.config import QUERY_HASH

    prepare = decode_ahead(files, sample, timeout, config=QUERY_HASH)
    from verify.matching.match import match_file

    unmatched: list[str] = []

    def search(path: str) -> Any:
        report = match_file(path, bank, sampling=sample, timeout=timeout, hash_config=QUERY_HASH)
        if not report.matches:
            unmatched.append(path)
        return report

    with bank_from_option(db_path, readonly=True) as bank:
        for_each_file(files, search, render_match, as_json=as_json, prepare=prepare)
    if fail_on_no_match and unmatched:
        ctx.exit(ExitCode.NO_MATCH)
