"""Thread pools kept for a whole process, and their orderly end.

A file's probe, digest, sound and list hashes run beside its decoding and
matching; starting threads for each file cost more than a short clip's
hashing, so each pool starts once a process (`shared_pool`). `close_pools`
lets them finish their work and end, as Python's exit would, before the
command line's quick exit (`verify.cli.app.quick_exit`).
"""

from __future__ import annotations

import os
import threading
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from concurrent.futures import ThreadPoolExecutor

_pools: dict[str, ThreadPoolExecutor] = {}
_lock = threading.Lock()


def shared_pool(name: str, workers: int = 2) -> ThreadPoolExecutor:
    """The process's pool called ``name`` (threads ``verify-NAME_i``), started on first use."""
    from concurrent.futures import ThreadPoolExecutor  # not on the --help path

    with _lock:
        pool = _pools.get(name)
        if pool is None:
            pool = _pools[name] = ThreadPoolExecutor(workers, thread_name_prefix=f"verify-{name}")
        return pool


def close_pools() -> None:
    """Let every shared pool finish what it was given; its threads then end."""
    with _lock:
        pools = list(_pools.values())
        _pools.clear()
    for pool in pools:
        pool.shutdown(wait=True)


def _forget() -> None:
    global _lock
    _pools.clear()
    _lock = threading.Lock()


# A forked child (a batch worker) has none of its parent's threads: it starts its own.
os.register_at_fork(after_in_child=_forget)
