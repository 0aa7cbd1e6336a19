"""The balance-versus-moves curve."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from click.testing import CliRunner

from territory.errors import ConfigError
from territory.sweep import parse_caps, sweep_moves
from territory_cli.main import cli

from helpers import make_input

ROOT = Path(__file__).resolve().parents[1]


def test_parse_caps():
    assert parse_caps("0, 2%,5%,0.1,none") == [0.0, 0.02, 0.05, 0.1, None]
    with pytest.raises(ConfigError, match="'lots' is not a share"):
        parse_caps("lots")
    with pytest.raises(ConfigError, match="between 0 % and 100 %"):
        parse_caps("150%")


def test_tighter_caps_trade_balance_for_moves(solver):
    """
        R1: a1..a6 (Tier 1)     R2: nothing
    No cap: balance needs 2 moves (band [2, 4]). Cap 0: no move, band broken by 2 accounts.
    """
    rows = [{"account_id": f"a{i}", "tier": 1, "owner_id": "R1", "region": "West"} for i in range(6)]
    reps = [{"rep_id": "R1", "region": "West"}, {"rep_id": "R2", "region": "West"}]
    points = sweep_moves(make_input(rows, reps, solver=solver), [0.0, 1 / 6, None])
    assert [p.accounts_moved for p in points] == [0, 1, 2]
    assert [p.accounts_outside_tier_bands for p in points] == [4, 2, 0]
    devs = [p.max_tier_deviation for p in points]
    assert devs[0] > devs[1] > devs[2]


def test_cli_sweep_writes_table(tmp_path):
    out = tmp_path / "plan"
    result = CliRunner().invoke(
        cli,
        [
            "plan",
            str(ROOT / "examples/accounts.csv"),
            str(ROOT / "examples/roster.csv"),
            "--out",
            str(out),
            "--sweep-moves",
            "5%,none",
        ],
    )
    assert result.exit_code == 0, result.output
    assert "Balance versus moves" in result.output
    rows = list(csv.DictReader(open(out / "sweep.csv", encoding="utf-8")))
    assert [r["cap"] for r in rows] == ["0.05", "none"]
    assert int(rows[0]["accounts_moved"]) <= int(rows[1]["accounts_moved"])
