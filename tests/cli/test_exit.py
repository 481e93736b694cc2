"""The installed command's quick exit (`verify.cli.app.quick_exit`) loses nothing.

It skips Python's module teardown but not what Python's exit does before it:
each case runs in a fresh interpreter, since the exit ends the process.
"""

from __future__ import annotations

import os
import subprocess
import sys

from tests.conftest import ROOT


def _exit_after(setup: str, code: str) -> subprocess.CompletedProcess[str]:
    script = f"from verify.cli.app import quick_exit\n{setup}\nquick_exit({code})\n"
    env = {k: v for k, v in os.environ.items() if k != "PYTHONUNBUFFERED"}  # buffered, as usual
    return subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, env=env, capture_output=True, text=True,
        timeout=60,
    )  # fmt: skip


def test_output_and_exit_handlers_are_not_lost():
    # A pipe buffers stdout: what was printed, and what an exit handler prints
    # after, would both be lost without the flushes around the handlers.
    done = _exit_after(
        "import atexit\nprint('x' * 100000, end='')\natexit.register(print, 'handler ran')",
        "3",
    )
    assert done.returncode == 3
    assert done.stdout == "x" * 100000 + "handler ran\n"


def test_a_thread_still_working_is_waited_for():
    done = _exit_after(
        "import threading, time\n"
        "threading.Thread(target=lambda: (time.sleep(0.3), print('thread done'))).start()",
        "0",
    )
    assert (done.returncode, done.stdout) == (0, "thread done\n")


def test_work_given_to_a_shared_pool_is_finished():
    done = _exit_after(
        "import time\nfrom verify.pools import shared_pool\n"
        "shared_pool('test').submit(lambda: (time.sleep(0.3), print('pool done', flush=True)))",
        "5",
    )
    assert (done.returncode, done.stdout) == (5, "pool done\n")


def test_a_message_for_a_code_takes_the_normal_exit():
    done = _exit_after("", "'stopped: why'")
    assert (done.returncode, done.stderr) == (1, "stopped: why\n")


def test_no_code_is_success():
    assert _exit_after("", "None").returncode == 0


def test_closing_the_pools_ends_their_threads():
    import threading

    from verify.pools import close_pools, shared_pool

    assert shared_pool("test-close").submit(lambda: 7).result() == 7
    close_pools()
    assert not [t for t in threading.enumerate() if t.name.startswith("verify-test-close")]
