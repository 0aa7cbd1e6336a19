"""The README's terminal session is real: its commands run on the bundled data and print
what the README shows (timings aside)."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest
from click.testing import CliRunner

from territory_cli.main import cli

ROOT = Path(__file__).resolve().parents[1]
TIME = re.compile(r"\d+\.\d s")


def sessions() -> list[tuple[str, list[str]]]:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    out = []
    for block in re.findall(r"```console\n(.*?)```", text, flags=re.S):
        cmd, lines = None, []
        for line in block.splitlines():
            if line.startswith("$ "):
                if cmd:
                    out.append((cmd, lines))
                cmd, lines = line[2:], []
            elif cmd:
                lines.append(line)
        if cmd:
            out.append((cmd, lines))
    return [(c, lines) for c, lines in out if "examples/" in c or c.startswith("territory books plan-out")]


@pytest.mark.parametrize("command,expected", sessions(), ids=lambda v: v if isinstance(v, str) else "")
def test_readme_session(command, expected, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "examples").symlink_to(ROOT / "examples")
    runner = CliRunner()
    if command.startswith("territory books"):  # needs the plan first
        runner.invoke(
            cli, ["plan", "examples/accounts.csv", "examples/roster.csv", "--out", "plan-out", "-q"]
        )
        args = shlex.split(command)[1:] + ["--rep", "R01"]
        result = runner.invoke(cli, args)
        assert result.exit_code == 0, result.output
        return
    result = runner.invoke(cli, shlex.split(command)[1:])
    assert result.exit_code == 0, result.output
    actual = [TIME.sub("T s", line.rstrip()) for line in result.output.splitlines()]
    for line in expected:
        if line.strip() in ("", "..."):
            continue
        assert TIME.sub("T s", line.rstrip()) in actual, f"README line not in output: {line!r}"
