"""Same inputs and config give byte-identical plan files; run details live in one field."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from territory_cli.main import cli

ROOT = Path(__file__).resolve().parent.parent
ACCOUNTS = ROOT / "examples" / "accounts.csv"
ROSTER = ROOT / "examples" / "roster.csv"


def _plan(out: Path) -> None:
    result = CliRunner().invoke(cli, ["plan", str(ACCOUNTS), str(ROSTER), "--out", str(out), "-q"])
    assert result.exit_code == 0, result.output


def test_two_runs_are_byte_identical(tmp_path: Path) -> None:
    _plan(tmp_path / "a")
    _plan(tmp_path / "b")
    for name in ("assignments.csv", "owner_changes.csv"):
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes(), name
    sa = json.loads((tmp_path / "a" / "summary.json").read_text())
    sb = json.loads((tmp_path / "b" / "summary.json").read_text())
    assert list(sa)[-1] == "run", "the run details must be the one last key"
    assert "generated_at" in sa["run"]
    sa.pop("run")
    sb.pop("run")
    assert json.dumps(sa, sort_keys=False) == json.dumps(sb, sort_keys=False)
    # Nothing time-like outside "run": the rest of the file is the same text, not just equal.
    ta = (tmp_path / "a" / "summary.json").read_text()
    tb = (tmp_path / "b" / "summary.json").read_text()
    assert ta[: ta.index('"run"')] == tb[: tb.index('"run"')]


def test_row_order_does_not_change_the_plan(tmp_path: Path) -> None:
    """Tie-breaking is by id, not by file order: a shuffled export gives the same files."""
    lines = ACCOUNTS.read_text(encoding="utf-8").splitlines()
    shuffled = tmp_path / "shuffled.csv"
    body = lines[1:]
    shuffled.write_text("\n".join([lines[0], *body[1::2], *body[0::2][::-1]]) + "\n", encoding="utf-8")
    _plan(tmp_path / "a")
    result = CliRunner().invoke(cli, ["plan", str(shuffled), str(ROSTER), "--out", str(tmp_path / "b"), "-q"])
    assert result.exit_code == 0, result.output
    for name in ("assignments.csv", "owner_changes.csv"):
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes(), name
