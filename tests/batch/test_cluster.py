"""`verify batch --scheduler`: the per-file work on a real Dask cluster on 127.0.0.1."""

from __future__ import annotations

import json
import os
import shutil
import signal
import stat
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.batch.test_batch import by_path, make_plain_folder, read_rows, summary_of
from verify.errors import ExitCode
from verify.media.ffmpeg import find_tool

distributed = pytest.importorskip("distributed", reason="pip install 'verify[dask]'")

from tests.daskcluster import DaskCluster  # noqa: E402


def _batch(*args: str) -> list[str]:
    return [sys.executable, "-m", "verify.cli", "batch", *args]


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    cluster = DaskCluster(tmp_path_factory.mktemp("dask"))
    try:
        cluster.add_worker("w1")
        cluster.add_worker("w2")
        cluster.wait_for_workers(2)
        yield cluster
    finally:
        cluster.stop()


def _without_times(rows: list[dict]) -> dict[str, dict]:
    return by_path(rows)


def test_cluster_gives_the_same_results_as_local_workers(cluster, samples, tmp_path):
    folder = make_plain_folder(tmp_path / "incoming", samples)
    local, remote = tmp_path / "local.jsonl", tmp_path / "remote.jsonl"
    ran = subprocess.run(_batch(str(folder), "--out", str(local), "--workers", "2", "-q"),
                         capture_output=True, text=True)  # fmt: skip
    assert ran.returncode == ExitCode.PARTIAL, ran.stderr
    ran = subprocess.run(_batch(str(folder), "--out", str(remote), "--scheduler", cluster.address,
                                "-q"), capture_output=True, text=True)  # fmt: skip
    assert ran.returncode == ExitCode.PARTIAL, ran.stderr
    here, there = read_rows(local), read_rows(remote)
    assert _without_times(here) == _without_times(there)
    assert summary_of(here)["clusters"] == summary_of(there)["clusters"]
    summary = summary_of(there)
    assert (summary["scheduler"], summary["workers"]) == (cluster.address, 2)
    assert summary_of(here)["scheduler"] is None


def _clips(folder: Path, samples: Path, count: int) -> Path:
    folder.mkdir()
    for index in range(count):
        source = ("original.mov", "telegram_reencode.mp4", "vertical_rotated.mp4")[index % 3]
        shutil.copy(samples / source, folder / f"clip {index:02d}{Path(source).suffix}")
    return folder


def _wait_for_rows(out: Path, count: int, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if out.exists() and out.read_text().count('"kind":"file"') >= count:
            return
        time.sleep(0.05)
    raise AssertionError(f"no {count} rows in {out} after {timeout} s")


def test_a_worker_killed_mid_run_costs_nothing(tmp_path, samples):
    (tmp_path / "dask").mkdir()
    cluster = DaskCluster(tmp_path / "dask")
    try:
        cluster.add_worker("w1")
        cluster.add_worker("w2")
        cluster.wait_for_workers(2)
        folder = _clips(tmp_path / "clips", samples, 8)
        out = tmp_path / "out.jsonl"
        run = subprocess.Popen(_batch(str(folder), "--out", str(out), "--scheduler",
                                      cluster.address, "-q"),
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE)  # fmt: skip
        _wait_for_rows(out, 1)
        cluster.kill("w1")
        _, err = run.communicate(timeout=300)
        assert run.returncode == 0, err.decode()
        rows = read_rows(out)
        files = [r for r in rows if r["kind"] == "file"]
        assert len(files) == 8 and not [r for r in rows if r["kind"] == "error"]
    finally:
        cluster.stop()


def _killing_ffprobe(folder: Path) -> Path:
    """An ffprobe that kills the worker running it when given a file named *killer*."""
    real = find_tool("ffprobe").path
    script = folder / "ffprobe"
    script.write_text(
        "#!/bin/sh\n"
        'for arg in "$@"; do case "$arg" in *killer*) kill -9 $PPID; sleep 5;; esac; done\n'
        f'exec "{real}" "$@"\n'
    )
    script.chmod(script.stat().st_mode | stat.S_IEXEC)
    return script


def test_a_file_that_keeps_killing_workers_becomes_an_error_row(tmp_path, samples):
    (tmp_path / "dask").mkdir()
    wrapper = _killing_ffprobe(tmp_path)
    # Two deaths are allowed, so the file dies a third time. A worker holds no
    # more files than it runs (saturation 1.0, as the README advises): a clip
    # queued behind the killer would die with it, and count deaths too.
    settings = {
        "DASK_DISTRIBUTED__SCHEDULER__ALLOWED_FAILURES": "2",
        "DASK_DISTRIBUTED__SCHEDULER__WORKER_SATURATION": "1.0",
    }
    os.environ.update(settings)
    try:
        cluster = DaskCluster(tmp_path / "dask")
    finally:
        for name in settings:
            del os.environ[name]
    try:
        for name in ("w1", "w2", "w3", "w4"):
            cluster.add_worker(name, env={"VERIFY_FFPROBE": str(wrapper)})
        cluster.wait_for_workers(4)
        folder = _clips(tmp_path / "clips", samples, 3)
        shutil.copy(samples / "original.mov", folder / "killer.mov")
        out = tmp_path / "out.jsonl"
        ran = subprocess.run(_batch(str(folder), "--out", str(out), "--scheduler", cluster.address,
                                    "-q"), capture_output=True, text=True, timeout=300)  # fmt: skip
        assert ran.returncode == ExitCode.PARTIAL, ran.stderr
        rows = by_path(read_rows(out))
        assert rows["killer.mov"]["kind"] == "error"
        assert "kept dying" in rows["killer.mov"]["error"]["message"]
        clips = {name: row for name, row in rows.items() if name.startswith("clip")}
        assert len(clips) == 3
        errors = {n: r["error"]["message"] for n, r in clips.items() if r["kind"] == "error"}
        assert errors == {}
    finally:
        cluster.stop()


def test_resume_after_the_coordinator_is_killed(cluster, tmp_path, samples):
    folder = _clips(tmp_path / "clips", samples, 6)
    out = tmp_path / "out.jsonl"
    command = _batch(str(folder), "--out", str(out), "--scheduler", cluster.address, "-q")
    run = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    _wait_for_rows(out, 2)
    run.send_signal(signal.SIGKILL)
    run.wait()
    again = subprocess.run(_batch(str(folder), "--out", str(out), "--scheduler", cluster.address,
                                  "--json", "-q"), capture_output=True, text=True)  # fmt: skip
    assert again.returncode == 0, again.stderr
    summary = json.loads(again.stdout)
    assert summary["skipped"] >= 2 and summary["ok"] == 6
    assert len([r for r in read_rows(out) if r["kind"] == "file"]) == 6


def test_a_scheduler_that_is_down(tmp_path, samples, run_cli):
    folder = _clips(tmp_path / "clips", samples, 1)
    result = run_cli("batch", str(folder), "--out", str(tmp_path / "o.jsonl"),
                     "--scheduler", "tcp://127.0.0.1:1")  # fmt: skip
    assert result.exit_code == ExitCode.CLUSTER
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and "cannot reach the Dask scheduler" in lines[0], result.stderr
    assert not (tmp_path / "o.jsonl").exists()


def test_workers_and_scheduler_are_alternatives(tmp_path, samples, run_cli):
    folder = _clips(tmp_path / "clips", samples, 1)
    result = run_cli("batch", str(folder), "--workers", "2", "--scheduler", "tcp://127.0.0.1:1")
    assert result.exit_code == ExitCode.USAGE


def test_an_unreachable_scheduler_creates_no_bank(tmp_path, samples, run_cli):
    folder = _clips(tmp_path / "clips", samples, 1)
    bank = tmp_path / "new.sqlite"
    result = run_cli("batch", str(folder), "--out", str(tmp_path / "o.jsonl"), "--db", str(bank),
                     "--add-to-bank", "--scheduler", "tcp://127.0.0.1:1")  # fmt: skip
    assert result.exit_code == ExitCode.CLUSTER
    assert not bank.exists()
    bad = run_cli("batch", str(folder), "--out", str(tmp_path / "o.jsonl"),
                  "--scheduler", "http://not a scheduler")  # fmt: skip
    assert bad.exit_code == ExitCode.CLUSTER, bad.stderr


def test_a_team_bank_over_the_cluster(cluster, postgres_server, samples, tmp_path):
    """Workers match against a PostgreSQL bank; the password they need is never written, and
    the user is told it travels with the work."""
    from tests.pgserver import PASSWORD

    url = postgres_server.create_database("cluster_bank")
    index = [sys.executable, "-m", "verify.cli", "index", "add", "--db", url]
    added = subprocess.run([*index, str(samples / "original.mov")], capture_output=True, text=True)
    assert added.returncode == 0, added.stderr
    folder = _clips(tmp_path / "clips", samples, 2)
    out = tmp_path / "o.jsonl"
    command = _batch(str(folder), "--out", str(out), "--db", url, "--scheduler", cluster.address)
    ran = subprocess.run(command, capture_output=True, text=True)
    assert ran.returncode == 0, ran.stderr
    assert "password goes to the Dask workers" in ran.stderr and PASSWORD not in ran.stderr
    assert PASSWORD not in out.read_text()
    rows = read_rows(out)
    found = {Path(r["path"]).name: [m["path"] for m in r["bank_matches"]]
             for r in rows if r.get("kind") == "file"}  # fmt: skip
    assert all(len(paths) == 1 and paths[0].endswith("original.mov") for paths in found.values())
    assert len(found) == 2


def test_workers_run_blas_on_one_thread(cluster):
    """A Dask worker's BLAS would spin threads against ffmpeg; its tasks run with one."""
    from verify.batch.cluster import connect, run_on_cluster

    def blas_threads(_task):
        from threadpoolctl import threadpool_info

        return sorted({pool["num_threads"] for pool in threadpool_info()
                       if pool["user_api"] == "blas"})  # fmt: skip

    found = []
    with connect(cluster.address) as client:
        run_on_cluster(blas_threads, [0, 1], client, lambda _t, result: found.append(result),
                       lambda: None, on_lost=lambda _t, why: why)  # fmt: skip
    assert found == [[1], [1]]
