"""Per-file work on a Dask distributed cluster, for `verify batch --scheduler`.

The coordinating process (the one running `verify batch`) keeps everything
that writes: the output file, resume, progress, groups, the CSV and the
bank. The cluster's workers only run `verify.batch.worker.run_task` on one
file at a time and send back its row, exactly as local worker processes do,
so the results are the same. Workers must reach the files under the same
paths (a shared folder mounted at one place) and have this `verify`
installed.

A worker that dies mid-file is Dask's to handle: the scheduler gives the
file to another worker. A file that takes down workers again and again
(``distributed.scheduler.allowed-failures`` times) comes back as
`KilledWorker`, and becomes an error row instead of stalling the run.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import os
import time
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from verify.config import BATCH, BatchConfig
from verify.errors import ClusterError

T = TypeVar("T")
R = TypeVar("R")


def connect(address: str, config: BatchConfig = BATCH) -> Any:
    """A `distributed.Client` for ``address``; `ClusterError` with the reason if not."""
    try:
        from distributed import Client
    except ImportError:
        raise ClusterError(
            "a Dask cluster needs dask and distributed: pip install 'verify[dask]'", address
        ) from None
    try:
        client = Client(address, timeout=config.scheduler_timeout_s)
    except ValueError as exc:  # not an address distributed understands
        raise ClusterError(f"not a Dask scheduler address ({exc})", address) from None
    except (OSError, TimeoutError, asyncio.TimeoutError) as exc:
        raise ClusterError(
            f"cannot reach the Dask scheduler ({' '.join(str(exc).split())[:200]}); is it running?",
            address,
        ) from None
    try:
        client.wait_for_workers(1, timeout=config.scheduler_timeout_s)
    except (OSError, TimeoutError, asyncio.TimeoutError):
        client.close()
        raise ClusterError(
            f"the Dask scheduler has no workers after {config.scheduler_timeout_s:g} s", address
        ) from None
    return client


def _on_worker(function: Callable[[T], R], task: T) -> R:
    """What each cluster task runs: ``function(task)`` in a worker made ready for it."""
    _single_threaded_blas()
    return function(task)


@functools.cache
def _single_threaded_blas() -> None:
    """Limit numpy's BLAS to one thread in this worker process, once.

    Local workers inherit ``OPENBLAS_NUM_THREADS=1`` from the command; a Dask
    worker is started by someone else, and its BLAS threads spin on the small
    matrix products of hashing while ffmpeg needs the cores: two workers on 2
    cores took 1.7x the wall time and 3x the CPU of local ones (bench_team). A
    worker started with its own ``OPENBLAS_NUM_THREADS`` keeps it.
    """
    if os.environ.get("OPENBLAS_NUM_THREADS"):
        return
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:  # verify[dask] installs it; without, the run is only slower
        return
    threadpool_limits(1, user_api="blas")


def cluster_threads(client: Any) -> int:
    """How many tasks the cluster runs at once (its workers' threads)."""
    return max(1, sum(client.nthreads().values()))


def run_on_cluster(
    function: Callable[[T], R],
    tasks: Sequence[T],
    client: Any,
    handle: Callable[[T, R], None],
    tick: Callable[[], None],
    *,
    on_lost: Callable[[T, str], R],
    config: BatchConfig = BATCH,
) -> None:
    """Run ``function`` on each task on the cluster; ``handle`` results here, as they finish.

    Like `verify.batch.pool.run_in_workers`: ``function`` returns errors as
    values; ``tick`` runs at least twice a second. A task whose workers kept
    dying is handed to ``on_lost`` for the result that stands in for it.
    ``handle`` or ``tick`` raising cancels what is still queued.
    """
    from distributed import wait

    if not tasks:
        return
    window = cluster_threads(client) * config.queue_per_worker
    pending = list(reversed(tasks))
    running: dict[Any, T] = {}
    alone_since: float | None = None  # when the cluster was last seen with no worker
    resent: dict[int, int] = {}  # tasks run again because their result was lost
    try:
        while pending or running:
            while pending and len(running) < window:
                task = pending.pop()
                running[client.submit(_on_worker, function, task, pure=False)] = task
            try:
                done, _ = wait(list(running), timeout=0.5, return_when="FIRST_COMPLETED")
            except (TimeoutError, asyncio.TimeoutError):  # nothing finished in this half second
                done = set()
            except Exception as exc:  # cancelled futures, a lost scheduler
                raise ClusterError(f"the Dask cluster stopped answering ({_reason(exc)})") from None
            for future in done:
                task = running.pop(future)
                if future.status == "cancelled":
                    raise ClusterError("the Dask scheduler cancelled the work (connection lost?)")
                if future.status == "error":
                    handle(task, on_lost(task, _reason(future.exception())))
                    continue
                try:
                    result = future.result() if future.status == "finished" else None
                except Exception:  # the result died with its worker before it came back
                    result = None
                if result is not None:
                    handle(task, result)
                elif resent.get(id(task), 0) < config.pool_restarts:
                    resent[id(task)] = resent.get(id(task), 0) + 1
                    pending.append(task)  # its worker died holding the result: run it again
                else:
                    handle(task, on_lost(task, "its result was lost with its Dask worker, again"))
            if not done:
                alone_since = _check_workers(client, alone_since, config)
            tick()
    finally:
        if running:
            with contextlib.suppress(Exception):
                client.cancel(list(running))


def _check_workers(client: Any, since: float | None, config: BatchConfig) -> float | None:
    """`ClusterError` once the cluster has had no worker for ``scheduler_timeout_s``."""
    if client.nthreads():
        return None
    now = time.monotonic()
    if since is not None and now - since > config.scheduler_timeout_s:
        raise ClusterError(
            f"every Dask worker has left, and none joined for {config.scheduler_timeout_s:g} s; "
            "the rows written so far are kept: rerun to resume"
        )
    return since if since is not None else now


def _reason(exc: BaseException | None) -> str:
    name = type(exc).__name__ if exc is not None else "an unknown failure"
    if name == "KilledWorker":
        return (
            "the Dask workers running this file kept dying (killed, or out of memory); "
            "it was not finished"
        )
    return f"the Dask cluster could not run this file ({name}: {exc})"
