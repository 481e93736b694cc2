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
def inspect(files: tuple[str, ...], as_json: bool, timeout: float, show_tags: bool) -> None:
    """Report metadata, file hashes and forensic flags for each FILE.

    Videos (mp4, mov, m4v, mkv, webm, avi, 3gp, ts) and stills (jpg, png,
    heic, webp). A file that cannot be read gets one line on stderr (and an
    error entry under --json); the others are still reported.
    """
    from verify.inspection.inspect import inspect_file

    for_each_file(
        files,
        lambda path: inspect_file(path, timeout=timeout),
        lambda result: render_inspection(result, show_tags=show_tags),
        as_json=as_json,
    )
