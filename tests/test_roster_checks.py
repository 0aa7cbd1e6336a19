"""Roster checks (issue 12, item 4), shared by plan and whatif.

A roster region no account has is an error with did-you-mean; an empty region is an error
unless written '*'; duplicate emails and a manager who is also a rep in another region are
warned. Scenario rosters go through the same check.
"""

from __future__ import annotations

from pathlib import Path

import pytest

import territory
from territory.errors import InputError
from territory.scenarios import apply_scenario, parse_scenario

from scenario_data import ROSTER, ROSTER_HEADER, write_csv, write_inputs


def with_roster(tmp_path: Path, rows: list[list[str]]) -> tuple[Path, Path]:
    a, _ = write_inputs(tmp_path / "in")
    return a, write_csv(tmp_path / "roster.csv", ROSTER_HEADER, rows)


def load_error(a: Path, r: Path) -> str:
    with pytest.raises(InputError) as e:
        territory.load_input(a, r, territory.PlanConfig())
    return str(e.value)


def test_a_misspelt_region_is_an_error_with_did_you_mean(tmp_path: Path) -> None:
    rows = [row[:] for row in ROSTER]
    rows[1][4] = "Wset"
    text = load_error(*with_roster(tmp_path, rows))
    assert (
        "row 3, column 'region': region 'Wset' of rep R2 is no account's region; did you mean 'West'? "
        "(value: 'Wset')\n      hint: regions in the accounts: East, West; fix the spelling, or take the "
        "region off the rep" in text
    )


def test_one_unknown_region_in_a_list_is_found(tmp_path: Path) -> None:
    rows = [row[:] for row in ROSTER]
    rows[0][4] = "West;Centrl"
    text = load_error(*with_roster(tmp_path, rows))
    assert "region 'Centrl' of rep R1 is no account's region (value: 'West;Centrl')" in text


def test_an_empty_region_is_an_error_and_star_means_every_region(tmp_path: Path) -> None:
    rows = [row[:] for row in ROSTER]
    rows[3][4] = ""
    text = load_error(*with_roster(tmp_path, rows))
    assert "row 5, column 'region': rep R4 has no region (value: '')" in text
    assert "or '*' for every region; an empty cell no longer means every region" in text
    rows[3][4] = "*"
    a, r = with_roster(tmp_path, rows)
    plan = territory.solve_input(territory.load_input(a, r, territory.PlanConfig()))
    assert set(plan.accounts.loc[plan.accounts["owner_id"] == "R4", "region"]) <= {"West", "East"}


def test_duplicate_emails_and_managers_carrying_a_book_elsewhere_are_warned(tmp_path: Path) -> None:
    rows = [row[:] for row in ROSTER]
    rows[1][2] = "ANA@example.com"  # R2 has R1's email
    rows[2][1] = "Mia"  # R3 (East) is Mia, who manages the West reps R1 and R2
    a, r = with_roster(tmp_path, rows)
    inp = territory.load_input(a, r, territory.PlanConfig())
    warnings = [w.format() for w in inp.warnings]
    assert (
        "row 3, column 'email': reps R1 (row 2) and R2 have the same email (value: 'ANA@example.com')\n"
        "    hint: an email names one person: HubSpot matches owners by email, so an owner update would "
        "give both reps' accounts to one of them; fix the email"
    ) in warnings
    assert any(
        w.startswith(
            "row 4, column 'manager': manager 'Mia' is also rep R3 in region 'East', but manages reps in 'West'"
        )
        for w in warnings
    ), warnings


def test_a_manager_who_sells_in_their_own_region_is_fine(tmp_path: Path) -> None:
    rows = [row[:] for row in ROSTER]
    rows[0][1] = "Mia"  # R1 (West) is Mia, who manages R1 and R2 (West)
    a, r = with_roster(tmp_path, rows)
    inp = territory.load_input(a, r, territory.PlanConfig())
    assert not [w for w in inp.warnings if "manager" in w.message]


def test_whatif_scenarios_go_through_the_same_check(tmp_path: Path) -> None:
    a, r = with_roster(tmp_path, ROSTER)
    inp = territory.load_input(a, r, territory.PlanConfig())
    with pytest.raises(InputError) as e:
        apply_scenario(inp, parse_scenario("add empty: add-rep=Zed,,1"))
    assert "rep NEW01 has no region" in str(e.value)
    out = apply_scenario(inp, parse_scenario("add everywhere: add-rep=Zed,*,1"))
    assert "NEW01" in set(out.reps["rep_id"])
    # a misspelt region: the roster check's did-you-mean, naming the scenario
    with pytest.raises(InputError) as e:
        apply_scenario(inp, parse_scenario("add typo: add-rep=Zed,Wset,1"))
    (p,) = e.value.problems
    assert p.message == (
        "scenario 'add typo': region 'Wset' of rep NEW01 is no account's region; did you mean 'West'?"
    )
    # a rep covering several regions, as in the roster ('|' in --scenario, where ';' ends a step)
    out = apply_scenario(inp, parse_scenario("both: add-rep=Zed,West|East,1"))
    assert out.reps.set_index("rep_id").loc["NEW01", "region"] == "West|East"
    with pytest.raises(InputError) as e:
        apply_scenario(inp, parse_scenario("both typo: add-rep=Zed,West|Eats,1"))
    assert "region 'Eats' of rep NEW01 is no account's region; did you mean 'East'?" in str(e.value)


def test_regions_separated_by_commas_get_a_precise_hint(tmp_path: Path) -> None:
    rows = [row[:] for row in ROSTER]
    rows[0][4] = "West, East"
    text = load_error(*with_roster(tmp_path, rows))
    assert (
        "region 'West, East' of rep R1 is no account's region; several regions are separated by ';': 'West; East'"
        in text
    )


def test_a_rep_listed_once_per_product_is_told_a_rep_carries_one_product(tmp_path: Path) -> None:
    """The hint for a rep listed twice said to merge the regions with ';', which does not
    apply when the two rows carry two products."""
    import pandas as pd

    from territory.io.loading import parse_roster

    raw = pd.DataFrame(
        {
            "rep_id": ["R1", "R2", "R1"],
            "region": ["West", "West", "West"],
            "product": ["core", "core", "insights"],
        }
    )
    (p,) = [p for p in parse_roster(raw, "r.csv")[1] if p.severity == "error"]
    assert p.message == "rep listed twice (first on row 2), with products 'core' and 'insights'"
    assert p.hint == (
        "a rep carries one product's ICP: keep one row per rep, with the product they carry "
        "(or 'auto' to let the plan choose)"
    )
    raw["product"] = ["core", "core", "core"]
    (p,) = [p for p in parse_roster(raw, "r.csv")[1] if p.severity == "error"]
    assert p.message == "rep listed twice (first on row 2)"
    assert p.hint == "keep one row per rep; merge their regions with ';'"
