"""Shared fixtures: the committed samples, generated media, the CLI runner."""

from __future__ import annotations

import hashlib
import itertools
import subprocess
from collections.abc import Callable
from pathlib import Path

import jsonschema
import pytest
from click.testing import CliRunner

from verify.cli import main
from verify.media.ffmpeg import find_tool
from verify.schemas import load_schema, schema_registry

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "samples"


@pytest.fixture(scope="session")
def samples() -> Path:
    return SAMPLES


@pytest.fixture(scope="session")
def ffmpeg() -> str:
    return find_tool("ffmpeg").path


@pytest.fixture
def run_cli() -> Callable[..., object]:
    """Invoke the real CLI in-process; stdout and stderr kept apart."""

    def invoke(*args: str, env: dict[str, str] | None = None):
        return CliRunner().invoke(main, list(args), env=env, catch_exceptions=False)

    return invoke


def validate(document: object, kind: str) -> None:
    """Fail the test unless ``document`` follows the repo's schema for ``kind``."""
    validator = jsonschema.Draft202012Validator(load_schema(kind), registry=_REGISTRY)
    error = jsonschema.exceptions.best_match(validator.iter_errors(document))
    if error is not None:
        raise error


_REGISTRY = schema_registry()


def sha256_of(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def run_ffmpeg(ffmpeg: str, *args: object) -> None:
    """Run ffmpeg quietly with ``args`` (paths may be Path objects); fail the test on error."""
    subprocess.run([ffmpeg, "-v", "error", "-y", *map(str, args)], check=True, capture_output=True)


@pytest.fixture(scope="session")
def media(tmp_path_factory: pytest.TempPathFactory, ffmpeg: str) -> Callable[..., Path]:
    """Generate a clip once per session: ``media(name, *ffmpeg_output_args, src=...)``.

    ``src`` are ffmpeg input arguments (default: 4 s of testsrc2 and a sine).
    """
    folder = tmp_path_factory.mktemp("media")
    default_src = (
        "-f",
        "lavfi",
        "-i",
        "testsrc2=size=320x240:rate=25:duration=4",
        "-f",
        "lavfi",
        "-i",
        "sine=frequency=440:duration=4",
    )

    def make(name: str, *out_args: str, src: tuple[str, ...] = default_src) -> Path:
        target = folder / name
        if not target.exists():
            cmd = [ffmpeg, "-v", "error", "-y", *src, *out_args, str(target)]
            subprocess.run(cmd, check=True, capture_output=True)
        return target

    return make


BACKENDS = ("sqlite", "postgresql")
_DATABASES = itertools.count()


@pytest.fixture(scope="session")
def postgres_server():
    """A real PostgreSQL server on 127.0.0.1 for the session (skips where none is installed)."""
    from tests.pgserver import PostgresServer, find_binaries

    binaries = find_binaries()
    if binaries is None:
        pytest.skip(
            "no PostgreSQL server to start: install Debian's `postgresql` package "
            "(.ci/run does when it runs as root with apt-get)"
        )
    try:
        import psycopg  # noqa: F401
    except ImportError:
        pytest.skip("psycopg is not installed: pip install 'verify[postgres]'")
    server = PostgresServer(binaries).start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def bank_location(request, tmp_path) -> Callable[[str], str]:
    """``make(name)``: a fresh, empty bank location of the backend the test is run for.

    The test takes a ``backend`` argument: ``pytest.mark.parametrize("backend", BACKENDS)``.
    """
    backend = request.getfixturevalue("backend")

    def make(name: str = "bank") -> str:
        if backend == "sqlite":
            return str(tmp_path / f"{name}.sqlite")
        server = request.getfixturevalue("postgres_server")
        return server.create_database(f"{name}_{next(_DATABASES)}")

    return make
