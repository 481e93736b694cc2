"""Start-up stays light: help and option parsing load none of the heavy libraries.

The command line imports the bank, the decoder and the matcher (numpy,
OpenCV, SQLite, Pillow, exifread) only inside the commands that run them,
and the package exports its public names lazily; both are checked here in
a fresh interpreter, since this test process has long loaded everything.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

import verify
from tests.conftest import ROOT

HEAVY = ("numpy", "cv2", "scipy", "PIL", "imagehash", "exifread", "sqlite3", "ffmpeg")
COMMANDS = ([], ["match"], ["index", "add"], ["batch"], ["report"], ["hash"], ["inspect"])


def after_help(argv: list[str], printed: str, env: dict[str, str] | None = None) -> str:
    """The value of the expression ``printed`` (as printed) once ``verify ARGV --help``
    has run in a fresh interpreter (the group runs, then the command's help)."""
    script = (
        "import json, os, sys\n"
        "from verify.cli.app import main\n"
        "try:\n"
        f"    main({[*argv, '--help']!r}, prog_name='verify')\n"
        "except SystemExit:\n"
        "    pass\n"
        f"print({printed})\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, env=env, capture_output=True, text=True,
        check=True,
    )  # fmt: skip
    return done.stdout.strip().splitlines()[-1]


def loaded_after(argv: list[str]) -> list[str]:
    """The heavy modules loaded once ``verify ARGV --help`` has run."""
    return json.loads(
        after_help(argv, f"json.dumps(sorted(m for m in {HEAVY!r} if m in sys.modules))")
    )


@pytest.mark.parametrize("argv", COMMANDS, ids=lambda a: " ".join(a) or "verify")
def test_help_loads_no_heavy_library(argv):
    assert loaded_after(argv) == []


def test_the_check_sees_a_heavy_import():
    # The probe above must be able to fail: importing the matcher loads numpy.
    script = "import sys, verify.matching.match; print('numpy' in sys.modules)"
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert done.stdout.strip() == "True"


@pytest.mark.parametrize("name", sorted(verify.__all__))
def test_every_public_name_resolves(name):
    assert getattr(verify, name) is not None


def test_unknown_names_are_attribute_errors():
    with pytest.raises(AttributeError, match="no_such_thing"):
        _ = verify.no_such_thing  # type: ignore[attr-defined]


def test_commands_keep_numpy_to_one_blas_thread_unless_told():
    # A second BLAS thread only contends with ffmpeg (see `main` in verify/cli/app.py).
    env = {k: v for k, v in os.environ.items() if k != "OPENBLAS_NUM_THREADS"}
    threads = "os.environ.get('OPENBLAS_NUM_THREADS')"  # before any command imports numpy
    assert after_help(["hash"], threads, env) == "1"
    assert after_help(["hash"], threads, {**env, "OPENBLAS_NUM_THREADS": "3"}) == "3"
