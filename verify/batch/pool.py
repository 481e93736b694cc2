"""Worker processes for per-file work, stopped cleanly however the run ends.

Workers come from a fork server (spawned where there is none): they start
fast and inherit none of this process's threads, open files or SQLite
connections. Ctrl-C and SIGTERM are the parent's to handle: workers ignore
SIGINT, and the parent kills them when it stops. A parent killed outright
(SIGKILL, out of memory) cannot, so each worker watches a pipe only the
parent writes to and exits when it reads end-of-file. A worker that dies
breaks the pool; it is restarted and the unfinished tasks resubmitted, a
few times per run.
"""

from __future__ import annotations

import collections
import concurrent.futures
import contextlib
import multiprocessing
import os
import signal
import threading
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures.process import BrokenProcessPool
from typing import Any, TypeVar

from verify.config import BATCH, BatchConfig
from verify.errors import VerifyError

T = TypeVar("T")
R = TypeVar("R")


def resolve_workers(workers: int) -> int:
    """``workers``, or one per CPU core this process may use when 0."""
    if workers > 0:
        return workers
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)


def _init_worker(environment: dict[str, str], parent: Any) -> None:
    # Ctrl-C is the parent's to handle: it stops the workers itself, and
    # writes nothing after. The environment is the parent's as of this run
    # (a fork server started earlier may hold an older one).
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    os.environ.clear()
    os.environ.update(environment)
    threading.Thread(target=_exit_with_parent, args=(parent,), daemon=True).start()


def _exit_with_parent(parent: Any) -> None:
    """End this worker when the parent is gone (killed: it could not stop us itself).

    ``parent`` is the read end of a pipe only the parent can write to: it
    reads end-of-file when the parent exits, however it exits.
    """
    try:
        parent.recv()
    except (EOFError, OSError):
        os._exit(1)


def _pool_context(preload: Sequence[str]) -> multiprocessing.context.BaseContext:
    # A fork server: workers start fast without inheriting this process's
    # threads, open files or SQLite connections. Spawn where there is none.
    if "forkserver" in multiprocessing.get_all_start_methods():
        context = multiprocessing.get_context("forkserver")
        context.set_forkserver_preload(list(preload))
        return context
    return multiprocessing.get_context("spawn")


@contextlib.contextmanager
def _from_package_folder() -> Iterator[None]:
    """Start worker processes (and the fork server) where they import this `verify`.

    A new process runs ``python -c ...``, whose first import path is the
    current folder (and a fork server on Python 3.11 gets nothing else):
    started from a folder holding a checkout, or any folder named
    ``verify``, it would import that instead of this package. So processes
    are started from the folder that holds this package; the parent's own
    relative paths are not used meanwhile (only ``submit`` runs inside).
    """
    import verify

    home = os.path.dirname(os.path.dirname(os.path.abspath(verify.__file__)))
    try:
        here = os.getcwd()
    except OSError:  # the current folder is gone: it cannot hold a `verify` either
        yield
        return
    os.chdir(home)
    try:
        yield
    finally:
        os.chdir(here)


def _stop_workers(executor: concurrent.futures.ProcessPoolExecutor) -> None:
    """End the workers now (Ctrl-C): cancel queued files, kill running ones."""
    terminate = getattr(executor, "terminate_workers", None)  # Python 3.14+
    if terminate is not None:
        terminate()
    else:
        for process in list((getattr(executor, "_processes", None) or {}).values()):
            process.terminate()
    executor.shutdown(wait=False, cancel_futures=True)


def run_in_workers(
    function: Callable[[T], R],
    tasks: Sequence[T],
    workers: int,
    handle: Callable[[T, R], None],
    tick: Callable[[], None],
    *,
    preload: Sequence[str] = (),
    config: BatchConfig = BATCH,
) -> None:
    """Run ``function`` on each task in ``workers`` processes; ``handle`` results here.

    ``function`` must not raise (return errors as values) and must be
    importable by the workers; ``preload`` names the modules a fork server
    imports once for all of them. ``tick`` runs at least twice a second.
    ``handle`` and ``tick`` may raise: the workers are then stopped at once.
    """
    if not tasks:
        return
    workers = min(workers, len(tasks))
    window = workers * config.queue_per_worker
    queue = collections.deque(tasks)
    running: dict[concurrent.futures.Future[R], T] = {}

    context = _pool_context(preload)
    lifeline, held = context.Pipe(duplex=False)  # workers hold one end, we the other

    def start() -> concurrent.futures.ProcessPoolExecutor:
        return concurrent.futures.ProcessPoolExecutor(
            max_workers=workers, mp_context=context, initializer=_init_worker,
            initargs=(dict(os.environ), lifeline),
        )  # fmt: skip

    executor = start()
    restarts = 0
    try:
        while queue or running:
            broken = False
            with _from_package_folder():  # submit starts the processes
                while queue and len(running) < window and not broken:
                    try:
                        running[executor.submit(function, queue[0])] = queue[0]
                        queue.popleft()
                    except BrokenProcessPool:  # a worker died since the last look
                        broken = True
            done, _ = concurrent.futures.wait(
                running, timeout=0.5, return_when=concurrent.futures.FIRST_COMPLETED
            )
            for future in done:
                task = running.pop(future)
                try:
                    result = future.result()
                except BrokenProcessPool:
                    queue.appendleft(task)
                    broken = True
                    continue
                handle(task, result)
            if broken:
                restarts += 1
                if restarts > config.pool_restarts:
                    raise VerifyError(
                        "worker processes keep dying (killed, or out of memory); the rows "
                        "written so far are kept: rerun with fewer --workers to resume"
                    )
                queue.extendleft(reversed(list(running.values())))
                running.clear()
                executor.shutdown(wait=False, cancel_futures=True)
                executor = start()
            tick()
    except BaseException:
        _stop_workers(executor)
        raise
    else:
        executor.shutdown(wait=True)
    finally:
        held.close()
        lifeline.close()
