"""What the terminal prints about a plan: the rep table with long ids and real names, the
"Largest gap" lines in accounts and percent, and the band rule shared with the PDFs."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from territory.balance import Gap, largest_gaps, outside_bands
from territory.plan_result import PlanSummary, Rep
from territory_cli.compare import format_comparison
from territory_cli.plan import format_summary
from territory_cli.text import rep_label

SF_ID = "0055e000001AbCdEFG"  # an 18-character Salesforce user id
LONG_NAME = "Maria-Fernanda Castillo Villanueva"  # 34 characters


def rep(
    rep_id: str,
    name: str,
    counts: tuple[int, int, int],
    fair: tuple[float, float, float],
    *,
    before: tuple[int, int, int] | None = None,
    capacity: float = 1.0,
    potential: float = 100.0,
    fair_potential: float = 100.0,
    band: tuple[tuple[int, int], ...] | None = None,
) -> dict[str, Any]:
    t = ("1", "2", "3")
    b = before if before is not None else counts
    return {  # a rep record as summary.json holds it (territory.plan_result.Rep)
        "rep_id": rep_id,
        "name": name,
        "email": "",
        "manager": "",
        "region": "West",
        "capacity": capacity,
        "product": None,
        "accounts": sum(counts),
        "tier_counts": dict(zip(t, counts)),
        "fair_tier": dict(zip(t, fair)),
        "tier_band": dict(zip(t, [list(x) for x in band])) if band else {},
        "tier_deviation": {k: (c - f) / f if f else None for k, c, f in zip(t, counts, fair)},
        "potential": potential,
        "fair_potential": fair_potential,
        "potential_deviation": potential / fair_potential - 1,
        "moves_in": 0,
        "moves_out": 0,
        "kept": sum(counts),
        "before": {
            "accounts": sum(b),
            "tier_counts": dict(zip(t, b)),
            "potential": potential if sum(b) else 0.0,
        },
    }


GOLDEN = Path(__file__).resolve().parent / "goldens" / "example_summary.json"


def summary(reps: list[dict[str, Any]]) -> dict[str, Any]:
    """A whole summary.json (the example's) with these reps and nothing moved."""
    s = json.loads(GOLDEN.read_text(encoding="utf-8"))
    s["overall"].update(
        accounts=sum(r["accounts"] for r in reps),
        reps=len(reps),
        accounts_moved=0,
        moved_share=0.0,
        potential_moved_share=0.0,
        orphaned_accounts=0,
        owner_changes=0,
        owner_changes_share=0.0,
    )
    del s["overall"]["baseline"], s["geography"]
    s["solver"]["pools"] = s["solver"]["pools"][:1]
    s.update(reps=reps, warnings=[], run={"seconds": {}})
    return s


def typed(reps: list[dict[str, Any]]) -> tuple[Rep, ...]:
    """The reps as the plan result reads them."""
    return PlanSummary.from_dict(summary(reps)).reps


# --------------------------------------------------------------------------- long ids, real names


def test_a_name_with_a_line_break_or_a_direction_override_stays_on_its_row():
    """A roster name from a quoted CRM cell holding a line break ('Ana\\nOrtiz') split the rep
    table's row in two, the numbers under a line that named only 'Ortiz'; a right-to-left
    override (U+202E) showed the numbers after it in reverse order."""
    reps = [
        rep("R01", "Ana\nOrtiz", (5, 5, 5), (5, 5, 5)),
        rep("R02", "Ben\t\u202eLi", (4, 5, 6), (5, 5, 5), potential=90.0),
    ]
    text = format_summary(summary(reps), Path("out"))
    rows = [x for x in text.splitlines() if x.startswith(("R01", "R02"))]
    assert [r.split("  ")[0] for r in rows] == ["R01 Ana Ortiz", "R02 Ben Li"]
    assert "Ortiz" not in [x.split(" ")[0] for x in text.splitlines()]
    assert "\u202e" not in text
    assert "(-10.0%), Ben Li" in text  # the largest gap names the rep on one line too


def test_rep_table_keeps_an_18_character_id_and_the_whole_name():
    text = format_summary(summary([rep(SF_ID, LONG_NAME, (5, 5, 5), (5, 5, 5))]), Path("out"))
    line = next(x for x in text.splitlines() if x.startswith(SF_ID))
    assert line.startswith(f"{SF_ID} {LONG_NAME} ")
    header = next(x for x in text.splitlines() if x.startswith("Rep "))
    assert header.index("Accounts") + len("Accounts") == line.index(" 15 ") + len(" 15")


def test_rep_label_never_cuts_a_name_below_20_characters():
    name = "A" * 200
    label = rep_label(SF_ID, name, " (0.5)", limit=30)
    assert label == f"{SF_ID} {'A' * 19}\u2026 (0.5)"
    assert rep_label("R01", "Ana Ortiz", " (0.5)") == "R01 Ana Ortiz (0.5)"
    assert rep_label("R01", "R01") == "R01"


def test_comparison_table_keeps_long_ids_and_names():
    class Cmp:
        names = ["baseline", "west+2"]

        def plan_rows(self):
            return [("accounts", "Accounts", [10, 10])]

        def rep_rows(self):
            return [(SF_ID, LONG_NAME, {"accounts": [10, 12], "tier_1": [2, 3]})]

    text = format_comparison(Cmp())
    line = next(x for x in text.splitlines() if x.startswith(SF_ID))
    assert line.startswith(f"{SF_ID} {LONG_NAME} ") and line.endswith("12/3 (+2)")


def test_comparison_columns_line_up_under_a_long_measure_label():
    long = "Largest gap in % of fair share, Renewals next 2q (measure)"

    class Cmp:
        names = ["baseline", "west+2"]

        def plan_rows(self):
            return [("accounts", "Accounts", [10, 10]), ("renewals", long, [1234.0, 1500.0])]

        def rep_rows(self):
            return [("R01", "Ana", {"accounts": [10, 12], "tier_1": [2, 3]})]

    lines = format_comparison(Cmp()).splitlines()
    rows = [x for x in lines if x.startswith(("Accounts", long, "R01"))]
    assert len(rows) == 3 and len({len(x) for x in rows}) == 1, rows  # every column ends in one place
    assert len(lines[0]) == len(rows[0])


# --------------------------------------------------------------------------- largest gap


def test_largest_gap_says_accounts_and_percent():
    reps = [
        rep("R01", "Ana", (6, 10, 10), (5.0, 10.0, 10.0), capacity=0.5),
        rep("R02", "Ben", (10, 11, 9), (10.0, 10.0, 10.0)),
    ]
    gaps = largest_gaps(typed(reps))
    assert gaps[0] == Gap("Tier 1", "R01", pytest.approx(0.2), pytest.approx(1.0))
    assert gaps[0].units_text() == "+1 account"
    assert gaps[2].units_text() == "-1 account" and gaps[2].rep_id == "R02"
    text = format_summary(summary(reps), Path("out"))
    assert "Tier 1     +1 account (+20.0%), Ana" in text
    assert "Tier 2     +1 account (+10.0%), Ben" in text


def test_gap_in_accounts_keeps_fractions():
    gaps = largest_gaps(typed([rep("R01", "Ana", (10, 5, 5), (8.2, 5.0, 5.0))]))
    assert gaps[0].units_text() == "+1.8 accounts"


def test_before_leaves_out_reps_who_had_nothing():
    """A new rep's empty book (-100 %) must not stand for "before"."""
    reps = [
        rep("R01", "Ana", (5, 5, 5), (5.0, 5.0, 5.0), before=(8, 6, 5)),
        rep("R02", "Ben", (5, 5, 5), (5.0, 5.0, 5.0), before=(7, 5, 6)),
        rep("NEW", "Cleo", (5, 5, 5), (5.0, 5.0, 5.0), before=(0, 0, 0)),
    ]
    before = largest_gaps(typed(reps), before=True)
    assert [g.rep_id for g in before if g] == ["R01", "R01", "R02", "R01"]
    assert before[0].relative == pytest.approx(0.6) and before[0].units_text() == "+3 accounts"
    text = format_summary(summary(reps), Path("out"))
    assert "-100" not in text
    assert "Today's books (reps who own accounts today)" in text
    assert "+3 accounts (+60.0%), Ana" in text


def test_before_when_nobody_owned_anything():
    reps = [rep("R01", "Ana", (5, 5, 5), (5.0, 5.0, 5.0), before=(0, 0, 0))]
    assert largest_gaps(typed(reps), before=True) == [None, None, None, None]
    text = format_summary(summary(reps), Path("out"))
    assert "(no rep on the roster owns accounts today)" in text


# --------------------------------------------------------------------------- band rule


def test_inside_the_one_account_band_is_not_outside_even_when_over_ten_percent():
    r = rep("R01", "Ana", (6, 9, 20), (5.0, 8.2, 18.0), band=((4, 6), (7, 9), (16, 19)))
    assert outside_bands(typed([r])[0], 0.10) == (False, False, True, False)
    r["potential"] = 111.0
    assert outside_bands(typed([r])[0], 0.10)[3] is True
    assert outside_bands(typed([r])[0], 0.15)[3] is False


def test_the_moves_lock_rule_team_and_continuity_lines_read_the_typed_plan_result() -> None:
    """The "Moved N", lock-rule, team and continuity lines take the plan result
    (territory.plan_result.PlanSummary), like the rep table, not summary.json as a dict."""
    from dataclasses import replace

    from territory_cli.plan import format_continuity, format_lock_rules, format_moves, format_teams

    root = Path(__file__).resolve().parents[1]
    golden = json.loads((root / "tests" / "goldens" / "example_summary.json").read_text(encoding="utf-8"))
    lock_rules = {
        "unit": "accounts",
        "as_of": "2026-12-03",
        "as_of_from": "locks.as_of",
        "rules": [
            {
                "rule": 1,
                "name": "renewal",
                "text": 'column = "renewal_date", within_days = 90',
                "matched": 116,
                "kept": 108,
                "kept_anyway": 104,
                "not_kept": {"owner_left_or_none": 8, "moved": 1},
            }
        ],
        "kept": 108,
        "kept_anyway": 104,
        "successors": [{"rep_id": "R08", "successor": "R12", "accounts": 49, "to_successor": 1}],
    }
    continuity = {
        "previous": "plan-q1",
        "repeat_move_weight": 2,
        "moved_in_previous_and_here": 101,
        "moved_again": 1,
        "moved_again_owner_left": 1,
        "moved_again_accounts": ["A00041"],
    }
    team = {"pool": "West", "manager": "Kenji Watanabe", "reps": ["R13", "R14"]}
    team |= {"tier_counts": {"1": 20, "2": 50, "3": 70}, "fair_tier": {"1": 20.0, "2": 50.0, "3": 70.0}}
    team |= {"tier_band": {"1": [18, 22], "2": [45, 55], "3": [63, 77]}}
    team |= {"measures": {"potential": {"deviation": 0.0125}}}
    config = {**golden["config"], "balance": {**golden["config"]["balance"], "team_band": 0.1}}
    result = replace(
        PlanSummary.from_dict(golden),
        lock_rules=lock_rules,
        continuity=continuity,
        teams=(team, {**team, "manager": "Ana", "reps": ["R15"]}),
        config=config,
    )
    assert format_moves(result) == (
        "Moved 101 accounts (10.1%; 15.6% of potential), 40 of them because their owner left the roster."
    )
    assert format_lock_rules(result) == [
        "Lock rules as of 2026-12-03: 108 accounts kept with their owner, 104 of them would have stayed anyway.",
        '  rule 1 "renewal" (column = "renewal_date", within_days = 90): 116 matched, 108 kept (104 anyway); '
        "8 not kept: no owner on the roster; 1 moved (pinned to another rep)",
        "R08 leaves: 1 of 49 accounts goes to the named successor R12.",
    ]
    assert format_continuity(result) == [
        "Previous plan plan-q1: 101 of these accounts moved there; 1 of them moves again, 1 because their "
        "owner left the roster (a repeat move costs 2 moves): A00041."
    ]
    assert format_teams(result) == [
        "Teams sharing a pool (band +-10% around each team's fair share):",
        "  Kenji Watanabe (West, 2 reps): Tier 1 20 (fair 20.0, band 18-22), Tier 2 50 (fair 50.0, band "
        "45-55), Tier 3 70 (fair 70.0, band 63-77), Potential +1.2% vs fair",
        "  Ana (West, 1 rep): Tier 1 20 (fair 20.0, band 18-22), Tier 2 50 (fair 50.0, band 45-55), "
        "Tier 3 70 (fair 70.0, band 63-77), Potential +1.2% vs fair",
    ]
