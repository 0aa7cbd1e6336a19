"""territory.memory: the CLI process (and what it forks) takes ordinary pages, not huge ones."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from territory import memory

ROOT = Path(__file__).resolve().parents[1]

linux_with_status = pytest.mark.skipif(
    not Path("/proc/self/status").exists() or "THP_enabled" not in Path("/proc/self/status").read_text(),
    reason="needs Linux >= 5.0 (THP_enabled in /proc/self/status)",
)


# The setting passes to child processes, and this test process may have run the CLI already:
# each child turns huge pages back on first, and checks that they are.
_FRESH = (
    "import ctypes\n"
    "assert ctypes.CDLL(None).prctl(41, 0, 0, 0, 0) == 0\n"
    "assert 'THP_enabled:\\t1' in open('/proc/self/status').read()\n"
)


def _status_after(code: str) -> str:
    run = subprocess.run(
        [sys.executable, "-c", _FRESH + code + "\nprint(open('/proc/self/status').read())"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=True,
    )
    return run.stdout


@linux_with_status
def test_the_cli_turns_transparent_huge_pages_off_for_its_process():
    code = (
        "from click.testing import CliRunner\n"
        "from territory_cli.main import cli\n"
        "assert CliRunner().invoke(cli, ['--version']).exit_code == 0"
    )
    assert "THP_enabled:\t0" in _status_after(code)


@linux_with_status
def test_a_library_user_keeps_the_process_as_it_was():
    assert "THP_enabled:\t1" in _status_after("import territory.pipeline")


@linux_with_status
def test_forked_workers_inherit_it():
    code = (
        "import os\n"
        "from territory.memory import prefer_small_pages\n"
        "assert prefer_small_pages()\n"
        "pid = os.fork()\n"
        "if pid == 0:\n"
        "    ok = 'THP_enabled:\\t0' in open('/proc/self/status').read()\n"
        "    os._exit(0 if ok else 3)\n"
        "assert os.waitpid(pid, 0)[1] == 0"
    )
    assert "THP_enabled:\t0" in _status_after(code)


def test_elsewhere_it_does_nothing(monkeypatch):
    monkeypatch.setattr(memory, "_done", False)
    monkeypatch.setattr(memory.sys, "platform", "darwin")
    assert memory.prefer_small_pages() is False
