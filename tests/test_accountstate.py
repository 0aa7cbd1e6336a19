"""The planner's facts about each accounts row travel in a typed record next to the table
(territory.accountstate.AccountState), not as hidden '_' columns of it (issue 14 item 3)."""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest
from test_constraints import acc, rep
from test_continuity import REPS, previous_plan, rows

from territory.accountstate import AccountState
from territory.pipeline import solve_input

from helpers import make_input


def test_take_keeps_the_record_aligned_with_filtered_and_reordered_rows():
    state = dataclasses.replace(AccountState.empty(4), moved_before=np.array([True, False, False, True]))
    assert state.take(np.array([3, 0, 2])).moved_before.tolist() == [True, True, False]
    assert state.take(np.array([3, 0, 2])).rows == 3
    assert state.take(np.array([False, True, True, True])).moved_before.tolist() == [False, False, True]
    assert AccountState.empty(4).take(np.array([0])).digest() == AccountState.empty(1).digest()
    assert AccountState.empty(4).take(np.array([3, 1])).source_row.tolist() == [5, 3]


def test_a_record_of_another_length_is_refused():
    with pytest.raises(ValueError, match="AccountState.moved_before has 3 rows, the accounts 4"):
        dataclasses.replace(AccountState.empty(4), moved_before=np.zeros(3, dtype=bool))


def test_the_previous_plans_moves_travel_in_the_record_not_in_a_column(tmp_path):
    before = previous_plan(tmp_path)
    inp = make_input(rows("R1"), REPS, f"continuity.previous={before}")
    assert inp.state.moved_before.tolist() == [True, False, False, False]
    assert not [c for c in inp.accounts.columns if c == "_moved_before"]
    plan = solve_input(inp)
    assert plan.state.moved_before.tolist() == [True, False, False, False]
    assert "_moved_before" not in plan.accounts.columns


def test_a_familys_region_travels_in_the_record_and_decides_eligibility():
    """c1's top parent p1 is in West: c1 is owned with it by the West rep, though its own row
    says East (and keeps saying so in the table and the plan)."""
    accounts = [acc("p1", 1, "R1", region="West"), acc("c1", 1, "R2", region="East", parent_id="p1")]
    reps = [rep("R1", "West"), rep("R2", "East")]
    inp = make_input(accounts, reps, "families.mode=together")
    assert inp.state.unit_region.tolist() == ["West", "West"]
    assert inp.accounts["region"].tolist() == ["West", "East"]
    assert [c for c in inp.accounts.columns if c.startswith("_unit")] == []
    plan = solve_input(inp)
    assert plan.accounts["owner_id"].tolist() == ["R1", "R1"]
    assert plan.accounts["region"].tolist() == ["West", "East"]


def test_account_product_rows_carry_their_accounts_facts():
    """Product ICPs: every account-product row takes its account's unit region (take by the
    row's account), whatever order the rows come in."""
    accounts = [
        acc("p1", 1, "R1", region="West", tier_core=1, tier_analytics=2),
        acc("c1", 1, "R1", region="East", parent_id="p1", tier_core=2, tier_analytics=1),
        acc("e1", 1, "R2", region="East", tier_core=1, tier_analytics=1),
    ]
    reps = [rep("R1", "West|East", product="core"), rep("R2", "West|East", product="analytics")]
    inp = make_input(
        [{k: v for k, v in a.items() if k != "tier"} for a in accounts], reps, "families.mode=together"
    )
    region_of = {"p1": "West", "c1": "West", "e1": "East"}
    got = dict(zip(inp.accounts["account_id"] + "/" + inp.accounts["product"], inp.state.unit_region))
    assert got == {
        f"{a}/{p}": region_of[a] for a, p in zip(inp.accounts["account_id"], inp.accounts["product"])
    }
    assert len(got) == 6 and inp.state.rows == len(inp.accounts)


def test_inputs_that_differ_only_in_their_record_do_not_share_a_plan():
    """Batch solves share one plan between inputs of one key: the record is part of it."""
    import dataclasses

    from territory.batch import plan_key
    from territory.pipeline import PlanInput

    inp = make_input(rows("R1"), REPS)
    again = dataclasses.replace(inp.state, moved_before=np.array([True, False, False, False]))
    moved = PlanInput(
        inp.accounts, inp.reps, inp.config, inp.inputs, inp.warnings, state=again, roster=inp.roster
    )
    same = PlanInput(
        inp.accounts, inp.reps, inp.config, inp.inputs, inp.warnings, state=inp.state, roster=inp.roster
    )
    assert plan_key(moved) != plan_key(inp) == plan_key(same)


def test_the_rosters_facts_follow_the_rep_id_not_a_position():
    """The roster's row numbers and successors leave the frame (RosterState.split) and come
    back by rep id (frame): a scenario's roster, reordered, without the successor and with a
    new rep, gets each rep's own row and no heir that left."""
    from territory.accountstate import RosterState

    reps = pd.DataFrame(
        {"rep_id": ["R1", "R2", "R3"], "region": "West", "_row": [2, 4, 5], "_succeeds": ["", "R9;R8", ""]}
    )
    bare, roster = RosterState.split(reps)
    assert list(bare.columns) == ["rep_id", "region"]
    assert roster.source_row == {"R1": 2, "R2": 4, "R3": 5}
    assert roster.heirs(bare) == {"R9": "R2", "R8": "R2"}
    again = roster.frame(pd.DataFrame({"rep_id": ["R3", "R1", "NEW01"], "region": "West"}))
    assert again["_row"].tolist()[:2] == [5, 2] and pd.isna(again["_row"].iat[2])
    assert again["_succeeds"].tolist() == ["", "", ""]
    assert roster.heirs(again) == {}
    assert roster.frame(bare)["_row"].dtype == np.int64


def test_an_empty_record_costs_no_memory_per_row_and_cannot_be_changed_in_place():
    """A million accounts without locks carry no million-cell lock arrays (XL's memory), and a
    record is never changed in place: setting a lock builds a new array."""
    state = AccountState.empty(1_000_000)
    for name in ("lock_to", "lock_row", "lock_src", "lock_why", "lock_by_rule", "lock_reason", "rule_match"):
        value = getattr(state, name)
        assert value.strides == (0,) and not value.flags.writeable, name
    with pytest.raises(ValueError, match="read-only"):
        state.lock_to[0] = "R1"
