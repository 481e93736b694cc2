"""`verify hash` and `verify keyframes`: perceptual hashes and frame exports."""

from __future__ import annotations

import dataclasses

import click

from verify.cli.common import (
    EXIT_CODES_HELP,
    decode_ahead,
    emit_json,
    files_argument,
    for_each_file,
    json_option,
    sample_option,
    sample_option_keyframes,
    timeout_option,
    working_on,
)
from verify.cli.render import render_fingerprint
from verify.config import LISTS, ListConfig
from verify.errors import display_path
from verify.media.sampling import Sampling
from verify.timestamps import timestamp_label


@click.command("hash", epilog=EXIT_CODES_HELP)
@files_argument
@sample_option
@click.option(
    "--format",
    "output_format",
    type=click.Choice(["verify", "vpdq", "pytx"]),
    default="verify",
    show_default=True,
    help="verify: pHash/dHash listing; vpdq: Meta's vPDQ lines; pytx: python-threatexchange "
    "signal lines (pdq for photos, video_md5 and video_vpdq for videos).",
)
@click.option(
    "--seconds-per-hash",
    type=click.FloatRange(min=0.01, max=3600),
    default=LISTS.vpdq_seconds_per_hash,
    show_default=True,
    help="With --format vpdq or pytx: seconds between hashed frames (Meta's default is 1).",
)
@click.option(
    "-o",
    "--output-dir",
    type=click.Path(path_type=str, file_okay=False),
    help="With --format vpdq: write NAME.vpdq files here (needed for several files).",
)
@json_option
@timeout_option
def hash_command(
    files: tuple[str, ...],
    sample: Sampling,
    output_format: str,
    seconds_per_hash: float,
    output_dir: str | None,
    as_json: bool,
    timeout: float,
) -> None:
    """Perceptual hashes (pHash, dHash) of sampled frames, with timestamps.

    Frames are taken by --sample: the coded keyframes, N frames per second
    (fps=N), or one frame per shot (scenes). Black or blurred bars are cropped
    before hashing; near-uniform frames (black, fades) are marked "uniform"
    and never count as match evidence. --format vpdq and pytx write the
    hashes shared lists exchange instead (PDQ, one frame a second).
    """
    if output_format != "verify":
        config = dataclasses.replace(LISTS, vpdq_seconds_per_hash=seconds_per_hash)
        _list_formats(files, output_format, output_dir, as_json, timeout, config)
        return
    if output_dir is not None:
        raise click.UsageError("--output-dir goes with --format vpdq")
    prepare = decode_ahead(files, sample, timeout)
    from verify.hashing.fingerprint import fingerprint_video

    for_each_file(
        files,
        lambda path: fingerprint_video(path, sample, timeout=timeout),
        render_fingerprint,
        as_json=as_json,
        prepare=prepare,
    )


def _list_formats(
    files: tuple[str, ...],
    output_format: str,
    output_dir: str | None,
    as_json: bool,
    timeout: float,
    config: ListConfig,
) -> None:
    """`verify hash --format vpdq|pytx`: the signals of each file, in that format."""
    if as_json:
        raise click.UsageError("--json goes with --format verify (vpdq and pytx are formats)")
    if output_format == "pytx" and output_dir is not None:
        raise click.UsageError("--output-dir goes with --format vpdq")
    if output_format == "vpdq" and output_dir is None and len(files) > 1:
        raise click.UsageError("vPDQ files hold one video each: give --output-dir for several")
    from verify.errors import InputError
    from verify.lists.signals import file_signals, write_vpdq_file

    def work(path: str) -> str:
        signals = file_signals(path, timeout=timeout, config=config)
        if output_format == "pytx":
            return "\n".join(signals.pytx_lines())
        if signals.vpdq is None:
            raise InputError("a photo: vPDQ is for videos (--format pytx gives its PDQ)", path)
        if output_dir is not None:
            return write_vpdq_file(signals, output_dir)
        return signals.vpdq.to_text().rstrip("\n")

    for_each_file(files, work, str, as_json=False, blank_lines=False)


@click.command(epilog=EXIT_CODES_HELP)
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
    from verify.hashing.keyframes import export_keyframes

    working_on(file)
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
                "sheet": display_path(sheet) if sheet is not None else None,
            }
        )
        return
    for item in exported:
        click.echo(f"{timestamp_label(item.time)}  {item.path}")
    if sheet:
        click.echo(f"contact sheet: {display_path(sheet)}")
    click.echo(f"{len(exported)} frame(s) written to {display_path(out_dir)}", err=True)
