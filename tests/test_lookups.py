"""Per-distinct-value look-ups of the plan assembly agree with the pandas operations they
replace (they exist because those hash every one of a million rows)."""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from territory.accountstate import AccountState
from territory.assignment import _reasons_of
from territory.pipeline import _mapped

IDS = st.sampled_from(["A1", "A2", "P1", "P2", "", "a1", "A1 "])


@settings(max_examples=200, deadline=None)
@given(st.lists(IDS, min_size=1, max_size=10, unique=True), st.lists(IDS, min_size=1, max_size=10))
def test_reasons_of_is_reindex(row_ids, wanted):
    """The reason of the row holding each wanted id; NaN where no row holds it."""
    rows = np.array(row_ids, dtype=object)
    reasons = np.array([f"reason {i}" for i in range(len(rows))], dtype=object)
    want = np.array(wanted, dtype=object)
    expected = pd.Series(reasons, index=rows).reindex(want).to_numpy(dtype=object)
    got = _reasons_of(reasons, rows, want)
    assert got.dtype == object
    assert [None if pd.isna(x) else x for x in got] == [None if pd.isna(x) else x for x in expected]


def test_reasons_of_with_an_id_on_two_rows_fails_as_reindex_does():
    rows = np.array(["P1", "P1", "A2"], dtype=object)
    reasons = np.array(["a", "b", "c"], dtype=object)
    try:
        pd.Series(reasons, index=rows).reindex(np.array(["P1"], dtype=object))
    except ValueError as e:
        expected = str(e)
    try:
        _reasons_of(reasons, rows, np.array(["P1"], dtype=object))
    except ValueError as e:
        assert str(e) == expected
    else:
        raise AssertionError("no error")


@settings(max_examples=200, deadline=None)
@given(st.lists(st.one_of(IDS, st.none()), min_size=0, max_size=12))
def test_mapped_is_map_then_fillna(values):
    """Rep ids to positions and names: unknown ids, missing cells and a missing name all give
    the default, as ``map(...).fillna(default)`` does."""
    column = pd.Series(values, dtype="str")
    names = {"A1": "Ann", "P1": "Pat", "": "blank", "a1": None}
    expected = column.map(names).fillna("").tolist()
    assert _mapped(column, names, "").tolist() == expected
    pos = {"A1": 0, "P2": 3}
    assert (
        _mapped(column, pos, -1).astype(np.int64).tolist() == column.map(pos).fillna(-1).astype(int).tolist()
    )


@settings(max_examples=300, deadline=None)
@given(st.lists(st.one_of(IDS, st.text(max_size=4)), min_size=0, max_size=12))
def test_sorted_codes_are_factorize_sorted(values):
    """Unit codes in sorted order of the unit ids, for any text (accents, CJK, emoji,
    control characters: UTF-8 byte order is Python's code point order)."""
    from territory.model.units import sorted_codes

    arr = np.array(values, dtype=object)
    expected_codes, expected_uniques = pd.factorize(pd.Series(arr, dtype=object), sort=True)
    codes, uniques = sorted_codes(arr)
    assert codes.dtype == np.int64 and uniques.dtype == object
    assert codes.tolist() == expected_codes.tolist()
    assert uniques.tolist() == list(expected_uniques)


def test_sorted_codes_of_values_that_are_not_all_text_fall_back_to_pandas():
    from territory.model.units import sorted_codes

    arr = np.array(["b", 3, "a", None], dtype=object)
    expected_codes, expected_uniques = pd.factorize(pd.Series(arr), sort=True)
    codes, uniques = sorted_codes(arr)
    assert codes.tolist() == expected_codes.tolist() and uniques.tolist() == list(expected_uniques)


def test_model_input_owners_and_locks_are_roster_positions():
    """model_input's owner and lock target per account: the rep's row in the roster, -1 for
    an owner not on it, a blank owner or a missing cell (looked up once per distinct id)."""
    from territory.config import PlanConfig
    from territory.pipeline import model_input

    accounts = pd.DataFrame(
        {
            "account_id": ["A1", "A2", "A3", "A4", "A5"],
            "region": "West",
            "tier": [1, 2, 3, 1, 2],
            "potential": [1.0, 2.0, 3.0, 4.0, 5.0],
            "owner_id": pd.Series(["R2", "GONE", "", None, "R1"], dtype="str"),
            "locked": [False, False, False, False, True],
            "family_id": ["A1", "A2", "A3", "A4", "A5"],
        }
    )
    reps = pd.DataFrame({"rep_id": ["R1", "R2"], "region": "West", "capacity": 1.0, "max_accounts": np.inf})
    state = AccountState.empty(5)
    state = dataclasses.replace(state, lock_to=np.array(["", "R1", "", "", ""], dtype=object))
    mi = model_input(accounts, reps, PlanConfig(), state=state)
    assert mi.owner.tolist() == [1, -1, -1, -1, 0]
    assert mi.lock_target.tolist() == [-1, 0, -1, -1, 0]
