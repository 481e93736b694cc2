"""A real PostgreSQL server for the tests, in a temporary folder on a loopback port.

`PostgresServer.start` runs Debian's ``initdb`` and ``pg_ctl`` (as the
``postgres`` user when the tests run as root, since the server refuses to
run as root), listening on 127.0.0.1 only; `stop` shuts it down and removes
the folder. Local connections are trusted (the tests' admin work); TCP
connections need a password (scram-sha-256), as a team server would.
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path

ROLE, PASSWORD = "analyst", "s3cret-pass"


def find_binaries() -> Path | None:
    """The folder holding initdb and pg_ctl, or None if PostgreSQL is not installed."""
    versions = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    if versions:  # Debian's versioned folder holds all three tools
        return Path(versions[-1]).parent
    found = shutil.which("initdb")
    return Path(os.path.realpath(found)).parent if found else None


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _runuser() -> str:
    """util-linux's runuser, which root's PATH may leave out (it lives in /usr/sbin)."""
    for candidate in (shutil.which("runuser"), "/usr/sbin/runuser", "/sbin/runuser"):
        if candidate and os.access(candidate, os.X_OK):
            return candidate
    raise RuntimeError(
        "runuser not found (util-linux, usually /usr/sbin/runuser): tests run as root "
        "start PostgreSQL as the postgres user with it"
    )


class PostgresServer:
    """One throwaway server; `url` names a database on it."""

    def __init__(self, binaries: Path) -> None:
        self.binaries = binaries
        self.port = free_port()
        self.folder = Path(tempfile.mkdtemp(prefix="verify-pg-"))
        self.data = self.folder / "data"
        self._as = []
        if os.geteuid() == 0:
            user = pwd.getpwnam("postgres")
            os.chown(self.folder, user.pw_uid, user.pw_gid)
            self._as = [_runuser(), "-u", "postgres", "--"]

    def _run(self, *args: str) -> subprocess.CompletedProcess:
        done = subprocess.run(
            [*self._as, *args], capture_output=True, text=True, check=False, cwd=self.folder
        )
        if done.returncode:
            raise RuntimeError(f"{Path(args[0]).name} failed: {done.stderr.strip()}")
        return done

    def start(self, settings: dict[str, str] | None = None) -> PostgresServer:
        """Create and start the server; ``settings`` are extra ``-c`` options (the benches
        raise memory limits for bulk loads)."""
        self._run(
            str(self.binaries / "initdb"), "-D", str(self.data), "-U", "postgres",
            "--auth-local=trust", "--auth-host=scram-sha-256", "--no-sync",
        )  # fmt: skip
        options = f"-p {self.port} -k {self.folder} -c listen_addresses=127.0.0.1 -c fsync=off"
        options += "".join(f" -c {name}={value}" for name, value in (settings or {}).items())
        self._run(
            str(self.binaries / "pg_ctl"), "-D", str(self.data), "-l", str(self.folder / "log"),
            "-o", options, "-w", "start",
        )  # fmt: skip
        try:
            self.admin(f"CREATE ROLE {ROLE} LOGIN CREATEDB PASSWORD '{PASSWORD}'")
        except BaseException:
            self.stop()  # a server that started must not outlive a failed setup
            raise
        return self

    def admin(self, sql: str, database: str = "postgres") -> str:
        """Run ``sql`` as the superuser over the local socket; its output."""
        return self._run(
            str(self.binaries / "psql"), "-h", str(self.folder), "-p", str(self.port),
            "-U", "postgres", "-d", database, "-v", "ON_ERROR_STOP=1", "-qAt", "-c", sql,
        ).stdout  # fmt: skip

    def create_database(self, name: str) -> str:
        """A new empty database owned by the test role; its URL (with the password)."""
        self.admin(f"CREATE DATABASE {name} OWNER {ROLE}")
        return self.url(name)

    def url(self, database: str, *, password: str | None = PASSWORD) -> str:
        secret = f":{password}" if password is not None else ""
        return f"postgresql://{ROLE}{secret}@127.0.0.1:{self.port}/{database}"

    def stop(self) -> None:
        subprocess.run(
            [*self._as, str(self.binaries / "pg_ctl"), "-D", str(self.data), "-m", "immediate",
             "stop"],
            capture_output=True, check=False, cwd=self.folder,
        )  # fmt: skip
        shutil.rmtree(self.folder, ignore_errors=True)
