"""`verify analyse`: the forensic timeline of a video's stream."""

from __future__ import annotations

import click

from verify.cli.common import (
    EXIT_CODES_HELP,
    files_argument,
    for_each_file,
    json_option,
    timeout_option,
)
from verify.cli.render import render_timeline


@click.command(epilog=EXIT_CODES_HELP)
@files_argument
@json_option
@timeout_option
def analyse(files: tuple[str, ...], as_json: bool, timeout: float) -> None:
    """Look inside each FILE's stream for signs of editing.

    Reads every frame's type, size and timestamps (one ffprobe pass) and the
    encoder settings strings, and lists indicators with their time: a change
    of keyframe pattern, timestamp gaps and jumps, frame-rate changes, holes
    in the sound, a second encoding session; where indicators of different
    kinds meet, a splice candidate. Indicators, not verdicts: each says what
    innocent causes it can have.
    """
    from verify.forensics.timeline import analyse_file

    for_each_file(
        files, lambda path: analyse_file(path, timeout=timeout), render_timeline, as_json=as_json
    )
