"""The planner's facts about each accounts row travel in a typed record next to the table
(territory.accountstate.AccountState), not as hidden '_' columns of it (issue 14 item 3)."""

from __future__ import annotations

import numpy as np
import pytest
from test_continuity import REPS, previous_plan, rows

from territory.accountstate import AccountState
from territory.pipeline import solve_input

from helpers import make_input


def test_take_keeps_the_record_aligned_with_filtered_and_reordered_rows():
    state = AccountState(4, moved_before=np.array([True, False, False, True]))
    assert state.take(np.array([3, 0, 2])).moved_before.tolist() == [True, True, False]
    assert state.take(np.array([3, 0, 2])).rows == 3
    assert state.take(np.array([False, True, True, True])).moved_before.tolist() == [False, False, True]
    assert AccountState(4).take(np.array([1])) == AccountState(1)


def test_a_record_of_another_length_is_refused():
    with pytest.raises(ValueError, match="AccountState.moved_before has 3 rows, the accounts 4"):
        AccountState(4, moved_before=np.zeros(3, dtype=bool))


def test_the_previous_plans_moves_travel_in_the_record_not_in_a_column(tmp_path):
    before = previous_plan(tmp_path)
    inp = make_input(rows("R1"), REPS, f"continuity.previous={before}")
    assert inp.state.moved_before.tolist() == [True, False, False, False]
    assert not [c for c in inp.accounts.columns if c == "_moved_before"]
    plan = solve_input(inp)
    assert plan.state is not None and plan.state.moved_before.tolist() == [True, False, False, False]
    assert "_moved_before" not in plan.accounts.columns
