"""`verify doctor`: which ffmpeg and libraries are in use."""

from __future__ import annotations

import click

from verify.cli.common import EXIT_CODES_HELP, emit_json, json_option
from verify.media.environment import describe_environment
from verify.media.ffmpeg import find_tool


@click.command(epilog=EXIT_CODES_HELP)
@json_option
def doctor(as_json: bool) -> None:
    """Show which ffmpeg/ffprobe and library versions verify is using, and the default bank."""
    from verify.bank.store import default_bank_path, is_url, masked_url

    env = describe_environment()
    location = default_bank_path()
    env["bank"] = masked_url(location) if is_url(location) else str(location)
    if as_json:
        emit_json({"schema_version": "1.0", **env})
    else:
        click.echo(f"verify     {env['verify']}")
        click.echo(f"bank       {env['bank']}  (--db, else $VERIFY_DB)")
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
