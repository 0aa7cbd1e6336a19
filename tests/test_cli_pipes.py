"""`territory ... | head`: a reader that stops early ends the command quietly (exit 1).

Python ignores SIGPIPE, so writing to a closed pipe raises BrokenPipeError; the command group
handles it once for every command. Tested through real pipes.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from folder_helpers import EXE

from territory_cli.main import cli

from scenario_data import write_inputs

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="POSIX pipes")


@pytest.fixture(scope="module")
def plans(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    tmp = tmp_path_factory.mktemp("pipes")
    a, r = write_inputs(tmp / "in")
    roster = tmp / "in" / "roster_q2.csv"
    roster.write_text("".join(x for x in r.read_text().splitlines(True) if not x.startswith("R4,")))
    for name, ros in (("q1", r), ("q2", roster)):
        res = CliRunner().invoke(cli, ["plan", str(a), str(ros), "--out", str(tmp / name), "-q"])
        assert res.exit_code == 0, res.output
    return tmp / "q1", tmp / "q2"


def _env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if k != "TERRITORY_DEBUG"}


def _args(command: str, plans: tuple[Path, Path]) -> list[str]:
    return ["settings"] if command == "settings" else ["diff", str(plans[0]), str(plans[1]), "--limit", "0"]


@pytest.mark.parametrize("command", ["settings", "diff"])
def test_a_reader_gone_before_the_first_line(plans: tuple[Path, Path], command: str) -> None:
    proc = subprocess.Popen(
        [EXE, *_args(command, plans)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=_env()
    )
    assert proc.stdout is not None and proc.stderr is not None
    proc.stdout.close()  # before the command has even started writing
    err = proc.stderr.read().decode()
    proc.stderr.close()
    assert proc.wait(timeout=60) == 1
    assert err == "", err


def test_head_in_a_shell(plans: tuple[Path, Path]) -> None:
    quoted = " ".join(f"'{a}'" for a in [EXE, *_args("diff", plans)])
    cmd = f'{quoted} | head -1; echo "status ${{PIPESTATUS[0]}}" >&2'
    proc = subprocess.run(["bash", "-c", cmd], capture_output=True, text=True, env=_env(), timeout=60)
    assert len(proc.stdout.splitlines()) == 1
    assert proc.stderr in ("status 0\n", "status 1\n"), proc.stderr  # 0 when it all fitted in the pipe
