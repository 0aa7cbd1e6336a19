"""A plan never replaces the folder it reads as last quarter's plan (or any other input)."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from click.testing import CliRunner

from territory_cli.main import cli

ROOT = Path(__file__).resolve().parents[1]
ACCOUNTS = str(ROOT / "examples" / "accounts.csv")
ROSTER = str(ROOT / "examples" / "roster.csv")


def _fingerprint(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir())}


@pytest.fixture(scope="module")
def last_quarter(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("q") / "plan-q1"
    r = CliRunner().invoke(cli, ["plan", ACCOUNTS, ROSTER, "--out", str(out), "-q"])
    assert r.exit_code == 0, r.output
    return out


@pytest.mark.parametrize("how", [["--previous", "{p}"], ["--set", "continuity.previous={p}"]])
def test_plan_refuses_to_replace_its_previous_plan(last_quarter: Path, how: list[str]) -> None:
    """--out plan-q1 --previous plan-q1 replaced last quarter's plan with this one: run again,
    the 'previous' plan was this quarter's and every count of repeat moves changed."""
    before = _fingerprint(last_quarter)
    args = [a.replace("{p}", str(last_quarter)) for a in how]
    r = CliRunner().invoke(cli, ["plan", ACCOUNTS, ROSTER, "--out", str(last_quarter), "-q", *args])
    assert r.exit_code == 2, r.output
    assert r.output == (
        f"Error: cannot write {last_quarter}: the input {last_quarter} is inside it, and a new plan "
        "replaces the whole folder\n  hint: write the plan to another folder\n"
    )
    assert _fingerprint(last_quarter) == before


def test_run_refuses_to_replace_its_previous_plan(last_quarter: Path, tmp_path: Path) -> None:
    toml = tmp_path / "plan.toml"
    toml.write_text(
        f'[inputs]\naccounts = "{ACCOUNTS}"\nroster = "{ROSTER}"\n[outputs]\ndir = "{last_quarter}"\n'
        f'[continuity]\nprevious = "{last_quarter}"\n',
        encoding="utf-8",
    )
    before = _fingerprint(last_quarter)
    r = CliRunner().invoke(cli, ["run", str(toml), "-q"])
    assert r.exit_code == 2, r.output
    assert f"cannot write {last_quarter}: the input {last_quarter} is inside it" in r.output
    assert _fingerprint(last_quarter) == before


@pytest.mark.parametrize("command", ["whatif", "capacity"])
def test_whatif_and_capacity_keep_out_of_their_previous_plan(tmp_path: Path, command: str) -> None:
    """A settings file whose continuity.previous lies inside --out: refused before any work."""
    out = tmp_path / "out"
    toml = tmp_path / "plan.toml"
    toml.write_text(f'[continuity]\nprevious = "{out / "baseline"}"\n', encoding="utf-8")
    extra = ["--remove-rep", "R01"] if command == "whatif" else []
    r = CliRunner().invoke(
        cli, [command, ACCOUNTS, ROSTER, "--out", str(out), "-q", "--config", str(toml), *extra]
    )
    assert r.exit_code == 2, r.output
    assert r.output.startswith(f"Error: cannot write {out}: the input {out / 'baseline'} is inside it")
