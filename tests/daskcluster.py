"""A real Dask cluster for the tests: a scheduler and workers as processes on 127.0.0.1.

Workers run without a nanny, so a worker that is killed stays dead (the
scheduler then gives its file to another). ``env`` lets a test start
workers with other settings (an ffprobe wrapper that kills its worker on
one file, to play a file that takes workers down).
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _dask() -> list[str]:
    return [str(Path(sys.executable).with_name("dask"))]


class DaskCluster:
    """``address`` is the scheduler's; `add_worker` and `kill` manage workers."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.port = _free_port()
        self.address = f"tcp://127.0.0.1:{self.port}"
        self.workers: dict[str, subprocess.Popen] = {}
        command = [*_dask(), "scheduler", "--host", "127.0.0.1", "--port", str(self.port)]
        self.scheduler = self._start("scheduler", [*command, "--no-dashboard"], os.environ)

    def _start(self, name: str, command: list[str], env) -> subprocess.Popen:
        log = open(self.folder / f"{name}.log", "wb")  # noqa: SIM115 (kept open for the process)
        return subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, env=dict(env))

    def add_worker(self, name: str, env: dict[str, str] | None = None) -> None:
        command = [
            *_dask(),
            "worker",
            self.address,
            "--nthreads",
            "1",
            "--no-nanny",
            "--name",
            name,
        ]
        command += ["--no-dashboard", "--local-directory", str(self.folder)]
        # As a worker someone starts by hand: without the thread limit the `verify`
        # command sets for itself (and this test process may carry).
        inherited = {k: v for k, v in os.environ.items() if k != "OPENBLAS_NUM_THREADS"}
        self.workers[name] = self._start(name, command, {**inherited, **(env or {})})

    def wait_for_workers(self, count: int, timeout: float = 60.0) -> None:
        from distributed import Client

        with Client(self.address, timeout=timeout) as client:
            client.wait_for_workers(count, timeout=timeout)

    def kill(self, name: str) -> None:
        self.workers[name].send_signal(signal.SIGKILL)
        self.workers[name].wait()

    def stop(self) -> None:
        for process in [*self.workers.values(), self.scheduler]:
            if process.poll() is None:
                process.terminate()
        deadline = time.monotonic() + 10
        for process in [*self.workers.values(), self.scheduler]:
            try:
                process.wait(max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                process.kill()
