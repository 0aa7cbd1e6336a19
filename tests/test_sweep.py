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
    assert parse_caps("100%") == [1.0]
    share = "--sweep-moves: setting 'continuity.max_moved_share' must be a share from 0 % to 100 % (write 0.05 or 5%), or none (unset), not "
    for text, tail in [
        ("lots", "'lots'"),
        ("150%", "'150%'"),
        ("nan", "'nan'"),
        ("5", "'5': as a share, 5 means 500 %. Did you mean 5%?"),
        ("1", "'1': as a share, 1 means 100 %. Did you mean 1%? Write 100% to mean the whole."),
    ]:
        with pytest.raises(ConfigError) as e:
            parse_caps(f"0,{text}")
        assert str(e.value) == share + tail


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
