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
from folder_helpers import EXE, alive, children

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
    return subprocess.Popen([EXE, *args], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env)


def _wait_for(what: str, test, timeout: float = 60) -> None:
    t0 = time.monotonic()
    while not test():
        assert time.monotonic() - t0 < timeout, f"timed out waiting for {what}"
        time.sleep(0.02)


def _files(folder: Path) -> dict[str, int]:
    return {p.name: p.stat().st_size for p in folder.iterdir()} if folder.exists() else {}


def _kill_all(proc: subprocess.Popen, workers: set[int]) -> None:
    """Clean up after a failed test: no process of ours may outlive it."""
    for pid in [proc.pid, *workers]:
        if alive(pid):
            os.kill(pid, signal.SIGKILL)
    proc.wait()


def _stop_parent_and_check(proc: subprocess.Popen, sig: signal.Signals, workers: set[int], out: Path) -> str:
    proc.send_signal(sig)
    proc.wait(timeout=30)
    _wait_for("the workers to stop", lambda: not any(alive(w) for w in workers), timeout=5)
    seen = _files(out)
    time.sleep(0.5)  # an orphan still rendering would add a book here
    assert _files(out) == seen, "a worker kept writing after its parent was stopped"
    assert not [n for n in seen if n.endswith(".tmp")], f"temporary files left: {seen}"
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
        time.sleep(0.3)  # importing WeasyPrint, or rendering the first books
        _stop_parent_and_check(proc, sig, workers, out)
        assert len([n for n in _files(out) if n.endswith(".pdf")]) < 21  # it was really stopped mid-way
    finally:
        _kill_all(proc, workers)


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
