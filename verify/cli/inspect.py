"""`verify inspect`: metadata, file hashes and forensic flags."""

from __future__ import annotations

import click

from verify.cli.common import (
    EXIT_CODES_HELP,
    files_argument,
    for_each_file,
    json_option,
    timeout_option,
)
from verify.cli.render import render_inspection


@click.command(epilog=EXIT_CODES_HELP)
@files_argument
@json_option
@timeout_option
@click.option(
    "--tags", "show_tags", is_flag=True, help="Also list every raw tag in the text output."
)
@click.option(
    "--extract-embedded",
    "extract_to",
    metavar="DIR",
    type=click.Path(file_okay=False),
    help="Write the files embedded in each still (a motion photo's video) into DIR.",
)
def inspect(
    files: tuple[str, ...], as_json: bool, timeout: float, show_tags: bool, extract_to: str | None
) -> None:
    """Report metadata, file hashes and forensic flags for each FILE.

    Videos (mp4, mov, m4v, mkv, webm, avi, 3gp, ts) and stills (jpg, png,
    heic, webp). A file that cannot be read gets one line on stderr (and an
    error entry under --json); the others are still reported.
    """
    from verify.inspection.inspect import inspect_file

    def work(path: str):
        result = inspect_file(path, timeout=timeout)
        if extract_to and result.still and result.still.embedded:
            from verify.inspection.still import extract_embedded

            for written in extract_embedded(path, result.still, extract_to):
                click.echo(f"embedded file: {written}", err=True)
        return result

    for_each_file(
        files,
        work,
        lambda result: render_inspection(result, show_tags=show_tags),
        as_json=as_json,
    )
