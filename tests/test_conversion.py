"""Conversion by tier: window arithmetic, Wilson intervals, warnings and `validate`."""

from __future__ import annotations

import math
from pathlib import Path

import click
import pandas as pd
import pytest
from click.testing import CliRunner

from territory.conversion import Window, conversion_by_tier, parse_window, wilson_interval
from territory.errors import ConfigError, InputError
from territory.icp import parse_icp

ROOT = Path(__file__).resolve().parent.parent
MAVEN = Path(__file__).resolve().parents[2] / "shared" / "data" / "maven-crm-sales"

# Six accounts, tiers given:      opportunities (created):
#   A1 T1  A2 T1                 A1 2024-03-30, A2 2024-01-01 (outside 90d), A3 2024-03-31
#   A3 T2  A4 T2                 A5 2024-02-01, A6 2024-03-01, A6 2024-03-02 (one account)
#   A5 T3  A6 T3                 (blank) 2024-03-01, A1 (no date), ZZ 2024-03-01 (unknown)
ACCOUNTS = pd.DataFrame(
    {"account_id": [f"A{i}" for i in range(1, 7)], "tier": ["1", "Tier 1", "2", "2", "3", "T3"]}
)
OPPS = pd.DataFrame(
    {
        "account_id": ["A1", "A2", "A3", "A5", "A6", "A6", "", "A1", "ZZ"],
        "created_date": [
            "2024-03-30",
            "2024-01-01",
            "2024-03-31",
            "2024-02-01",
            "2024-03-01",
            "2024-03-02",
            "2024-03-01",
            "",
            "2024-03-01",
        ],
    }
)


def test_parse_window() -> None:
    assert parse_window("90d") == Window(90, "d")
    assert parse_window("12w") == Window(12, "w")
    assert parse_window("6M") == Window(6, "m")
    assert parse_window(30) == Window(30, "d")
    assert str(parse_window("1y")) == "1 year"
    for bad in ("0d", "-5", "3q", "ninety"):
        with pytest.raises(ValueError, match="is not a window"):
            parse_window(bad)


def test_window_start_is_inclusive_and_exact() -> None:
    as_of = pd.Timestamp("2017-12-27")
    assert parse_window("90d").start(as_of) == pd.Timestamp("2017-09-29")  # 90 days incl.
    assert parse_window("12w").start(as_of) == pd.Timestamp("2017-10-05")
    assert parse_window("6m").start(as_of) == pd.Timestamp("2017-06-28")
    assert parse_window("1m").start(pd.Timestamp("2024-03-31")) == pd.Timestamp("2024-03-01")


def test_wilson_interval_known_values() -> None:
    lo, hi = wilson_interval(8, 10)
    assert (round(lo, 4), round(hi, 4)) == (0.4902, 0.9433)
    assert wilson_interval(0, 10)[0] == 0.0
    assert wilson_interval(10, 10)[1] == 1.0
    assert all(math.isnan(x) for x in wilson_interval(0, 0))


def test_conversion_by_tier_hand_checked() -> None:
    r = conversion_by_tier(ACCOUNTS, OPPS, window="90d")
    assert r.as_of == pd.Timestamp("2024-03-31") and r.as_of_from_data
    assert r.window_start == pd.Timestamp("2024-01-02")
    (p,) = r.products
    assert [(t.tier, t.accounts, t.converted) for t in p.tiers] == [(1, 2, 1), (2, 2, 1), (3, 2, 2)]
    assert p.warnings == (
        "Tier 3 converts better than Tier 1 (100.0% vs 50.0%): the ICP may need refining (the "
        "95 % intervals overlap, so this may be chance; more accounts or another window would "
        "tell).",
        "Tier 3 converts better than Tier 2 (100.0% vs 50.0%): the ICP may need refining (the "
        "95 % intervals overlap, so this may be chance; more accounts or another window would "
        "tell).",
    )
    assert r.opportunities_in_window == 6  # A1, A3, A5, A6 x2, ZZ
    assert any("1 of 9 opportunities have no account_id" in n for n in r.notes)
    assert any("not in the accounts file (e.g. 'ZZ')" in n for n in r.notes)


def test_as_of_and_window_edges() -> None:
    r = conversion_by_tier(ACCOUNTS, OPPS, window="30d", as_of="2024-03-30")
    assert [t.converted for t in r.products[0].tiers] == [1, 0, 1]
    assert any("dated after --as-of 2024-03-30" in n for n in r.notes)


def test_with_icp_scores_accounts() -> None:
    icp = parse_icp(
        {
            "product": [
                {
                    "name": "p",
                    "criteria": [{"column": "account_id", "in": ["A1", "A2"], "points": 10}],
                    "thresholds": {"tier1": 10, "tier2": 5},
                }
            ]
        },
        "t.toml",
    )
    r = conversion_by_tier(ACCOUNTS, OPPS, icp)
    assert [(t.accounts, t.converted) for t in r.products[0].tiers] == [(2, 1), (0, 0), (4, 3)]


def test_missing_columns_are_input_errors() -> None:
    with pytest.raises(InputError) as e:
        conversion_by_tier(
            ACCOUNTS, OPPS.rename(columns={"created_date": "engage_date"}), opportunities_file="o.csv"
        )
    assert e.value.problems[0].hint == "pass --date-column with one of: engage_date"
    with pytest.raises(InputError) as e:
        conversion_by_tier(ACCOUNTS, OPPS, account_key="account")
    assert e.value.problems[0].hint == "pass --account-key with a column both files share: account_id"
    with pytest.raises(ConfigError, match="--window: 'x' is not a window"):
        conversion_by_tier(ACCOUNTS, OPPS, window="x")


@pytest.fixture
def cli() -> click.Group:
    from territory_cli.main import cli as territory_cli

    return territory_cli


def test_validate_command(cli: click.Group, tmp_path: Path) -> None:
    ACCOUNTS.to_csv(tmp_path / "a.csv", index=False)
    OPPS.to_csv(tmp_path / "o.csv", index=False)
    result = CliRunner().invoke(
        cli, ["validate", str(tmp_path / "a.csv"), "--opportunities", str(tmp_path / "o.csv")]
    )
    assert result.exit_code == 0, result.output
    assert "in the 90 days from 2024-01-02 to 2024-03-31" in result.output
    assert "the latest created_date in" in result.output
    assert "  Tier 1 (best fit)          2                    1       50.0%   9.5% to 90.5%" in (
        result.output
    )
    assert "Warning: Tier 3 converts better than Tier 1" in result.output


def test_validate_bad_window_exit_2(cli: click.Group) -> None:
    result = CliRunner().invoke(cli, ["validate", "a.csv", "--opportunities", "o.csv", "--window", "3q"])
    assert result.exit_code == 2
    assert "'3q' is not a window" in result.output


@pytest.mark.skipif(not MAVEN.exists(), reason="shared Maven data not present")
def test_validate_on_maven_data(cli: click.Group) -> None:
    result = CliRunner().invoke(
        cli,
        [
            "validate",
            str(MAVEN / "accounts.csv"),
            "--icp",
            str(ROOT / "examples/maven/icp.toml"),
            "--opportunities",
            str(MAVEN / "sales_pipeline.csv"),
            "--account-key",
            "account",
            "--date-column",
            "engage_date",
            "--window",
            "90d",
        ],
    )
    assert result.exit_code == 0, result.output
    assert "as of 2017-12-27, the latest engage_date" in result.output
    assert "85 accounts; 8,800 opportunities" in result.output
    assert "1,425 of 8,800 opportunities have no account" in result.output
    assert "too long to tell the tiers apart" in result.output
