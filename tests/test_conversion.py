"""Conversion by tier: window arithmetic, Wilson intervals, warnings and `validate`."""

from __future__ import annotations

import math
from datetime import date
from pathlib import Path

import click
import pandas as pd
import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

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
    assert e.value.problems[0].hint == (
        "pass --account-key with a column both files share (account_id), or "
        "ACCOUNTS_COLUMN=OPPORTUNITIES_COLUMN when they differ"
    )
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
    assert "Tier 1 and Tier 2 are not separated at this sample size (100.0% vs 100.0%)" in result.output
    assert (
        "Win rate (won / closed) and mean won deal: deals closed (won or lost) in the window, by close_date."
        in (result.output)
    )
    assert "  Tier 1 (best fit)      725    419     57.8%   54.2% to 61.3%" in result.output
    assert "2,424   2,221 to 2,627" in result.output


# --------------------------------------------------------------------------- no false comfort (issue 12)


def _accounts(tiers: dict[int, int]) -> pd.DataFrame:
    """Accounts T<tier>-<i>: ``tiers`` maps a tier to how many accounts it has."""
    rows = [(f"T{t}-{i}", str(t)) for t, n in tiers.items() for i in range(n)]
    return pd.DataFrame(rows, columns=["account_id", "tier"])


def _opps(converted: dict[int, int], date: str = "2024-03-31") -> pd.DataFrame:
    """One opportunity on ``date`` for the first ``converted[t]`` accounts of each tier."""
    rows = [(f"T{t}-{i}", date) for t, n in converted.items() for i in range(n)]
    return pd.DataFrame(rows, columns=["account_id", "created_date"])


def test_zero_matched_opportunities_is_an_error_with_examples() -> None:
    opps = OPPS.assign(account_id=OPPS["account_id"].str.lower())
    with pytest.raises(InputError) as e:
        conversion_by_tier(ACCOUNTS, opps, accounts_file="a.csv", opportunities_file="o.csv")
    (p,) = e.value.problems
    assert (p.file, p.column) == ("o.csv", "account_id")
    assert p.message == "no opportunity matches an account: no account_id value is an account_id in a.csv"
    assert p.hint == (
        "the accounts' account_id looks like 'A1', 'A2', 'A3'; the opportunities' account_id looks like "
        "'a1', 'a2', 'a3'; some match when upper and lower case are ignored: export both files with the "
        "same ids"
    )
    with pytest.raises(InputError) as e:
        conversion_by_tier(ACCOUNTS, OPPS.assign(account_id="0061x"), opportunities_file="o.csv")
    assert e.value.problems[0].hint.endswith(
        "looks like '0061x'; pass --account-key ACCOUNTS_COLUMN=OPPORTUNITIES_COLUMN to match other columns"
    )


def test_no_matched_opportunity_in_the_window_is_an_error() -> None:
    with pytest.raises(InputError) as e:
        conversion_by_tier(ACCOUNTS, OPPS, as_of="2025-06-30", opportunities_file="o.csv")
    (p,) = e.value.problems
    assert p.message == (
        "none of the 6 opportunities of known accounts was created in the 90 days from 2025-04-02 to "
        "2025-06-30 (the latest is 2024-03-31)"
    )
    assert p.hint == "widen --window or move --as-of"


def test_no_readable_date_names_a_row_and_its_value() -> None:
    """Epoch seconds, Excel serials, time-zone names: none reads as a date; the message
    shows the first one and where it is, so the user sees what the column holds."""
    for value in ("1767225600", "46023", "2024-03-01 10:00 EST"):
        opps = OPPS.assign(created_date=value)
        with pytest.raises(InputError) as e:
            conversion_by_tier(ACCOUNTS, opps, opportunities_file="o.csv")
        (p,) = e.value.problems
        assert (p.row, p.column, p.value) == (2, "created_date", value)
        assert p.message == "none of the 7 opportunities of known accounts has a readable created_date"


def test_account_key_with_two_column_names() -> None:
    opps = OPPS.rename(columns={"account_id": "AccountId"})
    r = conversion_by_tier(ACCOUNTS, opps, account_key="account_id=AccountId")
    assert (r.account_key, r.opportunity_key) == ("account_id", "AccountId")
    assert [t.converted for t in r.products[0].tiers] == [1, 1, 2]
    # Names are matched ignoring case, spaces and '_' when there is exactly one such column.
    r = conversion_by_tier(ACCOUNTS, opps, account_key=("Account ID", "accountid"))
    assert [t.converted for t in r.products[0].tiers] == [1, 1, 2]
    with pytest.raises(ConfigError, match="write ACCOUNTS_COLUMN=OPPORTUNITIES_COLUMN"):
        conversion_by_tier(ACCOUNTS, opps, account_key="account_id=")


def _wilson_by_hand(p: float, n: int) -> tuple[float, float]:
    z = 1.959963984540054
    c = (p + z * z / (2 * n)) / (1 + z * z / n)
    h = z / (1 + z * z / n) * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    return c - h, c + h


def test_accounts_to_separate_is_the_smallest_such_sample() -> None:
    from territory.conversion import accounts_to_separate

    n = accounts_to_separate(0.5, 0.3)
    assert n is not None
    assert _wilson_by_hand(0.5, n)[0] > _wilson_by_hand(0.3, n)[1]
    assert _wilson_by_hand(0.5, n - 1)[0] <= _wilson_by_hand(0.3, n - 1)[1]
    assert n == 93
    assert accounts_to_separate(0.3, 0.3) is None and accounts_to_separate(0.2, 0.3) is None
    assert accounts_to_separate(0.3000001, 0.3) is None  # more than 10,000,000 per tier


def test_overlapping_intervals_are_not_called_the_expected_order() -> None:
    # 40 % / 30 % / 20 % of 20 accounts each: in order, but every interval overlaps the next.
    r = conversion_by_tier(_accounts({1: 20, 2: 20, 3: 20}), _opps({1: 8, 2: 6, 3: 4}))
    (p,) = r.products
    assert [round(t.rate, 2) for t in p.tiers] == [0.4, 0.3, 0.2] and not p.warnings
    assert not p.ordered
    from territory.conversion import product_verdict

    need_12 = p.separations[0].accounts_needed
    assert need_12 is not None and _wilson_by_hand(0.4, need_12)[0] > _wilson_by_hand(0.3, need_12)[1]
    assert product_verdict(p) == [
        f"Tier 1 and Tier 2 are not separated at this sample size (40.0% vs 30.0%): at these rates, about "
        f"{need_12:,} accounts per tier would separate them (you have 20 and 20)",
        f"Tier 2 and Tier 3 are not separated at this sample size (30.0% vs 20.0%): at these rates, about "
        f"{p.separations[1].accounts_needed:,} accounts per tier would separate them (you have 20 and 20)",
    ]
    # All opportunities are on one day, so every window gives the same counts: one is tried.
    assert [str(w) for w in p.windows_tried] == ["30 days"] and p.separating_window is None


def test_separated_tiers_are_the_expected_order() -> None:
    r = conversion_by_tier(_accounts({1: 50, 2: 50, 3: 50}), _opps({1: 45, 2: 25, 3: 5}))
    (p,) = r.products
    assert p.ordered and p.windows_tried == ()
    from territory.conversion import product_verdict

    assert product_verdict(p) == [
        "The tiers convert in the expected order (Tier 1 best): the 95 % intervals of adjacent tiers do not overlap."
    ]


def test_the_shortest_separating_window_is_found() -> None:
    """Tier 1 converts early in the year, so only a window reaching back that far separates it."""
    accounts = _accounts({1: 30, 2: 30})
    recent = _opps({1: 6, 2: 6}, "2024-12-20")  # the last 30 days: 20 % vs 20 %
    earlier = _opps({1: 30}, "2024-05-01")  # within 1 year, not within 6 months
    r = conversion_by_tier(accounts, pd.concat([recent, earlier]), window="30d")
    (p,) = r.products
    assert not p.ordered
    assert [str(w) for w in p.windows_tried] == ["30 days", "60 days", "90 days", "6 months", "1 year"]
    assert p.separating_window == Window(1, "y")
    from territory.conversion import describe_window_search

    assert describe_window_search(p).startswith(
        "Of the windows 30 days, 60 days, 90 days, 6 months, 1 year, the shortest that separates every "
        "adjacent pair of tiers in the expected order is 1 year (--window 1y)"
    )


def _deals() -> pd.DataFrame:
    """A1 (T1): won 100, won 200, won 300, lost; A3 (T2): lost, open; A5 (T3): Closed Won 50.

    One won deal (A1, 900) closed before the window and does not count.
    """
    return pd.DataFrame(
        {
            "account_id": ["A1", "A1", "A1", "A1", "A1", "A3", "A3", "A5"],
            "created_date": ["2024-03-01"] * 8,
            "StageName": [
                "Won",
                "won",
                "Closed Won",
                "Closed Lost",
                "Won",
                "Lost",
                "Negotiation",
                "closedwon",
            ],
            "Amount": ["100", "$200", "300", "0", "900", "0", "5000", "50"],
            "CloseDate": [
                "2024-03-10",
                "2024-03-11",
                "2024-03-12",
                "2024-03-13",
                "2023-01-01",
                "2024-03-20",
                "",
                "2024-03-21",
            ],
        }
    )


def test_win_rate_and_mean_won_deal_per_tier() -> None:
    r = conversion_by_tier(ACCOUNTS, _deals(), as_of="2024-03-31")
    assert (r.stage_column, r.amount_column) == ("StageName", "Amount")
    assert r.deals_basis == "deals closed (won or lost) in the window, by CloseDate"
    t1, t2, t3 = r.products[0].deals  # type: ignore[misc]
    assert (t1.won, t1.lost, t2.won, t2.lost, t3.won, t3.lost) == (3, 1, 0, 1, 1, 0)
    assert t1.win_rate == 0.75 and t1.win_interval == wilson_interval(3, 4)
    assert t1.mean_value == 200.0
    lo, hi = t1.value_interval  # mean 200, sd 100, t(2) = 4.3027: 200 -+ 248.42
    assert (round(lo, 2), round(hi, 2)) == (-48.42, 448.42)
    assert math.isnan(t2.mean_value) and t3.mean_value == 50.0 and math.isnan(t3.value_interval[0])


def test_win_rate_without_a_close_date_uses_the_created_window() -> None:
    r = conversion_by_tier(ACCOUNTS, _deals().drop(columns=["CloseDate"]), as_of="2024-03-31")
    assert r.deals_basis.startswith("deals created in the window that have closed")
    assert [d.won for d in r.products[0].deals] == [4, 0, 1]  # type: ignore[union-attr]


def test_a_stage_column_without_won_or_lost_is_refused_when_named() -> None:
    deals = _deals().assign(StageName="Open")
    with pytest.raises(InputError) as e:
        conversion_by_tier(ACCOUNTS, deals, stage_column="StageName", opportunities_file="o.csv")
    assert e.value.problems[0].message == "no opportunity in 'StageName' is won or lost"
    r = conversion_by_tier(ACCOUNTS, deals)  # found by name only: a note, no win rate
    assert r.products[0].deals is None
    assert any("has no Won / Lost" in n for n in r.notes)


def test_student_t_quantiles() -> None:
    from territory.conversion import _t975

    # Published 97.5 % quantiles.
    for df, t in [(1, 12.7062), (2, 4.3027), (9, 2.2622), (10, 2.2281), (30, 2.0423), (120, 1.9799)]:
        assert abs(_t975(df) - t) < 1e-4, df


# --------------------------------------------------------------------------- dates (issue 13)


def test_mixed_time_zone_offsets_give_the_days_as_written() -> None:
    opps = pd.DataFrame(
        {
            "account_id": ["A1", "A3", "A5"],
            "created_date": ["2024-03-31T23:30:00-05:00", "2024-03-31T01:00:00+02:00", "2024-03-30"],
        }
    )
    r = conversion_by_tier(ACCOUNTS, opps)
    assert r.as_of == pd.Timestamp("2024-03-31")  # 23:30 at UTC-5 is March 31 where it was written
    assert [t.converted for t in r.products[0].tiers] == [1, 1, 1]


def _numeric_dates(*values: str) -> pd.DataFrame:
    return pd.DataFrame(
        {"account_id": [f"A{i + 1}" for i in range(len(values))], "created_date": list(values)}
    )


def test_ambiguous_day_month_dates_are_refused() -> None:
    with pytest.raises(InputError) as e:
        conversion_by_tier(ACCOUNTS, _numeric_dates("03/04/2024", "05/04/2024"), opportunities_file="o.csv")
    (p,) = e.value.problems
    assert p.message == (
        "'created_date' has dates such as '03/04/2024' that read as day/month or month/day, and no value tells which"
    )
    assert p.hint == (
        "pass --date-format %d/%m/%Y (day first) or --date-format %m/%d/%Y (month first), or export the "
        "dates as YYYY-MM-DD"
    )
    r = conversion_by_tier(ACCOUNTS, _numeric_dates("03/04/2024", "05/04/2024"), date_format="%d/%m/%Y")
    assert r.as_of == pd.Timestamp("2024-04-05")
    r = conversion_by_tier(ACCOUNTS, _numeric_dates("03/04/2024", "05/04/2024"), date_format="%m/%d/%Y")
    assert r.as_of == pd.Timestamp("2024-05-04")
    with pytest.raises(ConfigError) as e:
        conversion_by_tier(ACCOUNTS, _numeric_dates("03/04/2024"), date_format="%Q")
    assert str(e.value) == (
        "--date-format '%Q': 'Q' is a bad directive in format '%Q'; use strftime codes such as %d/%m/%Y"
    )


def test_day_first_is_read_from_the_column() -> None:
    # 13/04 can only be day-first, so 03/04 is 3 April, not 4 March (pandas alone reads it as March).
    r = conversion_by_tier(ACCOUNTS, _numeric_dates("13/04/2024", "03/04/2024"), window="5d")
    assert r.as_of == pd.Timestamp("2024-04-13")
    assert [t.converted for t in r.products[0].tiers] == [1, 0, 0]  # 3 April is outside 5 days
    r = conversion_by_tier(ACCOUNTS, _numeric_dates("04/13/2024", "04/03/24"), window="11d")
    assert [t.converted for t in r.products[0].tiers] == [2, 0, 0]  # month first: 13 and 3 April
    with pytest.raises(InputError) as e:
        conversion_by_tier(ACCOUNTS, _numeric_dates("13/04/2024", "04/13/2024"), opportunities_file="o.csv")
    assert e.value.problems[0].message == (
        "'created_date' mixes day-first and month-first dates (row 2: '13/04/2024', row 3: '04/13/2024')"
    )


def test_placeholder_dates_are_left_out_with_a_note() -> None:
    r = conversion_by_tier(ACCOUNTS, _numeric_dates("2024-03-31", "0001-01-01", "9999-12-31"))
    assert r.as_of == pd.Timestamp("2024-03-31")
    assert (
        "2 opportunities have a created_date before 1900 or after 2199 (row 3: '0001-01-01', "
        "row 4: '9999-12-31') and are left out."
    ) in r.notes


def test_windows_and_as_of_beyond_a_sane_range_are_refused() -> None:
    assert parse_window("36525d") == Window(36525, "d") and parse_window("100y") == Window(100, "y")
    for bad in ("36526d", "5219w", "1201m", "101y", "99999999999999999999y"):
        with pytest.raises(ValueError, match="too long a window; the longest is 100 years"):
            parse_window(bad)
    with pytest.raises(ConfigError, match=r"--as-of: 0001-01-01 is outside 1900-01-01 to 2199-12-31"):
        conversion_by_tier(ACCOUNTS, OPPS, as_of="0001-01-01")


def test_validate_cli_new_options(cli: click.Group, tmp_path: Path) -> None:
    ACCOUNTS.to_csv(tmp_path / "a.csv", index=False)
    _numeric_dates("03/04/2024", "05/04/2024").rename(columns={"account_id": "Account"}).to_csv(
        tmp_path / "o.csv", index=False
    )
    base = ["validate", str(tmp_path / "a.csv"), "--opportunities", str(tmp_path / "o.csv")]
    result = CliRunner().invoke(cli, [*base, "--account-key", "account_id=Account"])
    assert result.exit_code == 2
    assert "no value tells which" in result.output and "Traceback" not in result.output
    result = CliRunner().invoke(
        cli, [*base, "--account-key", "account_id=Account", "--date-format", "%d/%m/%Y"]
    )
    assert result.exit_code == 0, result.output
    assert "(as of 2024-04-05, the latest created_date" in result.output
    assert "matched on account_id = Account." in result.output
    result = CliRunner().invoke(cli, [*base, "--account-key", "Account"])
    assert result.exit_code == 2
    result = CliRunner().invoke(cli, [*base, "--window", "200y"])
    assert result.exit_code == 2 and "'200y' is too long a window" in result.output


def test_validate_on_the_bundled_example_is_honest(cli: click.Group) -> None:
    """examples/: core's tiers are in order but overlap at 90 days; the old report called that fine."""
    result = CliRunner().invoke(
        cli,
        [
            "validate",
            str(ROOT / "examples/accounts.csv"),
            "--icp",
            str(ROOT / "examples/icp.toml"),
            "--opportunities",
            str(ROOT / "examples/opportunities.csv"),
        ],
    )
    assert result.exit_code == 0, result.output
    core = result.output.split("Product 'core'")[1].split("Product 'insights'")[0]
    assert "The tiers convert in the expected order" not in core
    assert "Tier 1 and Tier 2 are not separated at this sample size (27.6% vs 23.6%)" in core
    assert "the shortest that separates every adjacent pair of tiers in the expected order is 1 year" in core


@settings(max_examples=40, deadline=None)
@given(
    days=st.lists(
        st.dates(min_value=date(1990, 1, 1), max_value=date(2100, 12, 31)), min_size=1, max_size=30
    ),
    day_first=st.booleans(),
)
def test_numeric_dates_read_back_exactly(days: list[date], day_first: bool) -> None:
    """Written day- or month-first with one day above 12 to tell, every date reads back as written."""
    from territory.conversion import parse_dates

    days = [*days, date(2020, 1, 25)]
    fmt = "%d/%m/%Y" if day_first else "%m/%d/%Y"
    parsed, notes = parse_dates(pd.Series([d.strftime(fmt) for d in days]))
    assert notes == []
    assert [ts.date() for ts in parsed] == days


@pytest.mark.parametrize(
    "written",
    [
        "2026-03-31T23:00:00-05:00",
        "2026-03-31 23:00:00-0500",
        "2026-03-31T23:30:00.000+00:00",
        "2026-03-31T00:30:00+09:00",
        "2026-03-31T23:59:59Z",
        "March 31, 2026 11:00 PM -05:00",
        "2026-03-31",
    ],
)
def test_a_date_with_a_utc_offset_is_the_day_as_written(written: str) -> None:
    """The day is the one the CRM shows: '2026-03-31T23:00:00-05:00' is March 31, not April 1 in UTC."""
    from territory.conversion import parse_dates

    other = "2026-04-01T01:00:00+02:00"  # a second offset in the column: still the day written
    parsed, notes = parse_dates(pd.Series([written, other]))
    assert notes == []
    assert [ts.date() for ts in parsed] == [date(2026, 3, 31), date(2026, 4, 1)]


def test_time_zone_aware_timestamps_keep_their_local_day() -> None:
    """A Parquet column of zone-aware timestamps gives the day in that zone, not the UTC day."""
    from territory.conversion import parse_dates

    stamps = pd.Series(
        pd.to_datetime(["2026-03-31 23:00", "2026-04-01 00:30"]).tz_localize("America/Chicago")
    )
    parsed, notes = parse_dates(stamps)
    assert notes == []
    assert [ts.date() for ts in parsed] == [date(2026, 3, 31), date(2026, 4, 1)]


def test_a_date_format_with_an_offset_reads_the_day_as_written() -> None:
    """--date-format with %z: the offset is dropped from the format as from the values."""
    from territory.conversion import parse_dates

    values = pd.Series(["2026-03-31T23:00:00-0500", "2026-04-01T01:00:00+0200", "31/03/2026 23:00 -05:00"])
    parsed, notes = parse_dates(values[:2], "%Y-%m-%dT%H:%M:%S%z")
    assert notes == [] and [ts.date() for ts in parsed] == [date(2026, 3, 31), date(2026, 4, 1)]
    parsed, notes = parse_dates(values[2:], "%d/%m/%Y %H:%M %z")
    assert notes == [] and [ts.date() for ts in parsed] == [date(2026, 3, 31)]
