"""Processes die together: stopping `territory books` or `whatif` stops their workers.

The parent alone is signalled (as `kill PID` does), never its process group: its workers must
notice and stop at once, leaving no new file and no `.tmp` behind.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner
from folder_helpers import EXE, alive, as_at_a_terminal, children

from territory_cli.main import cli

pytestmark = pytest.mark.skipif(sys.platform != "linux", reason="reads /proc; PR_SET_PDEATHSIG is Linux")
ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = (str(ROOT / "examples/accounts.csv"), str(ROOT / "examples/roster.csv"))


@pytest.fixture(scope="module")
def example_plan(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("workers") / "plan"
    r = CliRunner().invoke(cli, ["plan", *EXAMPLE, "--out", str(out), "-q"])
    assert r.exit_code == 0, r.output
    return out


def _start(args: list[str]) -> subprocess.Popen:
    env = {k: v for k, v in os.environ.items() if k != "TERRITORY_DEBUG"}
    return subprocess.Popen(
        [EXE, *args], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env, preexec_fn=as_at_a_terminal
    )


def _wait_for(what: str, test, timeout: float = 60) -> None:
    t0 = time.monotonic()
    while not test():
        assert time.monotonic() - t0 < timeout, f"timed out waiting for {what}"
        time.sleep(0.02)


def _files(folder: Path) -> dict[str, int]:
    """Every file under ``folder`` (books are rendered in a folder beside --out, then swapped in)."""
    out = {}
    for root, _dirs, names in os.walk(folder):
        for n in names:
            p = Path(root, n)
            try:
                out[str(p.relative_to(folder))] = p.stat().st_size
            except FileNotFoundError:  # removed while we looked
                pass
    return out


def _kill_all(proc: subprocess.Popen, workers: set[int]) -> None:
    """Clean up after a failed test: no process of ours may outlive it."""
    for pid in [proc.pid, *workers]:
        if alive(pid):
            os.kill(pid, signal.SIGKILL)
    proc.wait()


def _stop_parent_and_check(proc: subprocess.Popen, sig: signal.Signals, workers: set[int], out: Path) -> str:
    proc.send_signal(sig)
    proc.wait(timeout=60)
    # Deadlines, not fixed sleeps: on a loaded machine a stopped worker can take seconds to
    # be scheduled and die; the test waits for that, and fails only if it never happens.
    _wait_for("the workers to stop", lambda: not any(alive(w) for w in workers), 60)
    seen = _files(out)
    time.sleep(0.5)  # no process of the run is left, so nothing may change here any more
    assert _files(out) == seen, "a worker kept writing after its parent was stopped"
    if sig != signal.SIGKILL:  # (a killed run leaves its stage folder, for the next run to remove)
        assert not [n for n in seen if ".tmp" in n], f"temporary files left: {seen}"
    assert proc.stderr is not None
    err = proc.stderr.read().decode()
    proc.stderr.close()
    assert "Traceback" not in err, err
    return err


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT, signal.SIGKILL], ids=lambda s: s.name)
def test_stopping_books_stops_its_workers(example_plan: Path, tmp_path: Path, sig: signal.Signals) -> None:
    out = tmp_path / "books"
    proc = _start(
        ["books", str(example_plan), "--out", str(out), "--jobs", "2", "-q", "--date", "2026-01-05"]
    )
    workers: set[int] = set()
    try:
        _wait_for("the render workers", lambda: len(children(proc.pid)) == 2)
        workers = children(proc.pid)
        # Stop it mid-render: once a worker is writing a book (a .tmp) or has written one,
        # whatever the load on the machine.
        _wait_for("the first book", lambda: any(n.endswith((".tmp", ".pdf")) for n in _files(tmp_path)), 120)
        _stop_parent_and_check(proc, sig, workers, tmp_path)
        # Stopped mid-way, before the set was swapped in: --out was never made.
        assert not out.exists()
        leftovers = [p.name for p in tmp_path.iterdir()]
        if sig == signal.SIGKILL:  # no chance to tidy: the next render removes the stage
            assert all(n.startswith(".books.territory-") and n.endswith(".tmp") for n in leftovers), leftovers
        else:
            assert leftovers == []
    finally:
        _kill_all(proc, workers)


def test_stopping_books_as_its_workers_start(example_plan: Path, tmp_path: Path) -> None:
    """SIGTERM the moment the workers exist (before they set their own signal handlers):
    the run still stops cleanly, every worker with it, and nothing is printed but plain words."""
    for i in range(3):
        out = tmp_path / f"books{i}"
        proc = _start(["books", str(example_plan), "--out", str(out), "--jobs", "2", "-q"])
        workers: set[int] = set()
        try:
            _wait_for("a render worker", lambda p=proc: len(children(p.pid)) >= 1, 120)
            workers = children(proc.pid)
            err = _stop_parent_and_check(proc, signal.SIGTERM, workers, tmp_path)
            assert proc.returncode == 128 + signal.SIGTERM, err
        finally:
            _kill_all(proc, workers)


def test_a_stopped_pool_ends_its_manager_thread() -> None:
    """After stop_workers nothing of the pool runs on: a manager thread still closing its
    wake-up pipe at exit makes Python print a traceback after `kill PID`."""
    from territory.workers import process_pool

    for _ in range(3):
        with pytest.raises(SystemExit):
            with process_pool(2) as pool:
                pool.submit(time.sleep, 30)
                manager = pool._executor_manager_thread  # type: ignore[attr-defined]
                raise SystemExit(143)
        assert manager is not None and not manager.is_alive()


def test_killing_whatif_stops_its_solvers(tmp_path: Path) -> None:
    out = tmp_path / "wi"
    specs = [f"band {b}: set=balance.tier_band={b}" for b in (0.02, 0.03, 0.04, 0.06)]
    args = ["whatif", *EXAMPLE, "--out", str(out), "-j", "2", "-q"]
    for s in specs:
        args += ["--scenario", s]
    proc = _start(args)
    workers: set[int] = set()
    try:
        _wait_for("the solver processes", lambda: len(children(proc.pid)) >= 2)
        workers = children(proc.pid)
        _stop_parent_and_check(proc, signal.SIGKILL, workers, tmp_path)
        assert not out.exists()
    finally:
        _kill_all(proc, workers)


def test_a_worker_stopped_before_its_own_handler_ends_quietly(tmp_path: Path) -> None:
    """A forked worker inherits the command's SIGTERM handler until it sets its own: a
    SIGTERM in that moment ends it at once (no unwinding, so no logged traceback)."""
    import multiprocessing

    from territory_cli.main import _stop_on_sigterm

    marker = tmp_path / "unwound"

    def worker() -> None:
        try:
            _stop_on_sigterm(signal.SIGTERM, None)
        finally:
            marker.write_text("the worker unwound like the main process")

    p = multiprocessing.get_context("fork").Process(target=worker)
    p.start()
    p.join(60)
    assert p.exitcode == 128 + signal.SIGTERM
    assert not marker.exists()
