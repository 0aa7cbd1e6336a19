"""The greedy snake-draft baseline (territory/baseline.py) on hand-checkable cases."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from territory.baseline import greedy_baseline

ROOT = Path(__file__).resolve().parents[1]


def _bench_generate() -> ModuleType:
    spec = importlib.util.spec_from_file_location("bench_generate", ROOT / "bench" / "generate.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def accounts_frame(rows: list[tuple], columns: str = "account_id tier potential owner_id") -> pd.DataFrame:
    df = pd.DataFrame(rows, columns=columns.split())
    if "region" not in df.columns:
        df["region"] = "West"
    return df


def reps_frame(rows: list[tuple], columns: str = "rep_id region capacity") -> pd.DataFrame:
    return pd.DataFrame(rows, columns=columns.split())


@pytest.fixture
def six_two() -> tuple[pd.DataFrame, pd.DataFrame]:
    """Six accounts in one region, all owned by R1; two full-capacity reps.

    account  tier  potential  owner      fair share per rep: Tier 1 = 1, Tier 2 = 2
    A1       1     90         R1         band upper edge (10 %, at least 1 account):
    A2       1     80         R1           Tier 1: 2.0, Tier 2: 3.0
    A3       2     50         R1
    A4       2     40         R1         R1 keeps A1 A2 (Tier 1) and A3 A4 A5 (Tier 2);
    A5       2     30         R1         A6 is dealt to R2.
    A6       2     20         R1
    """
    accounts = accounts_frame(
        [
            ("A1", 1, 90.0, "R1"),
            ("A2", 1, 80.0, "R1"),
            ("A3", 2, 50.0, "R1"),
            ("A4", 2, 40.0, "R1"),
            ("A5", 2, 30.0, "R1"),
            ("A6", 2, 20.0, "R1"),
        ]
    )
    reps = reps_frame([("R1", "West", 1.0), ("R2", "West", 1.0)])
    return accounts, reps


def test_six_accounts_two_reps(six_two):
    accounts, reps = six_two
    owners = greedy_baseline(accounts, reps)
    assert owners.index.name == "account_id"
    assert owners.to_dict() == {"A1": "R1", "A2": "R1", "A3": "R1", "A4": "R1", "A5": "R1", "A6": "R2"}


def test_six_accounts_zero_band_deals_down_to_fair_share(six_two):
    accounts, reps = six_two
    owners = greedy_baseline(accounts, reps, tier_band=0.0, min_band_accounts=0.0)
    # R1 keeps one Tier 1 (the best) and two Tier 2 (the best two); the rest is dealt:
    # A2 -> R2 (0/1 < 1/1), A5 -> R2 (0/2 < 2/2), A6 -> R2 (1/2 < 2/2).
    assert owners.tolist() == ["R1", "R2", "R1", "R1", "R2", "R2"]


def test_deal_tie_breaks_by_potential_then_rep_id():
    """No owners: Tier 1 is dealt first, then Tier 2 to the rep with less potential so far.

    A1 tier 1 pot 10 -> R1 (all equal: lowest rep_id)
    A2 tier 1 pot  5 -> R2 (count 0/1 beats 1/1)
    A3 tier 2 pot  1 -> R2 (counts equal 0/1; R2 has potential 5 < 10)
    A4 tier 2 pot  1 -> R1
    """
    accounts = accounts_frame(
        [("A1", 1, 10.0, ""), ("A2", 1, 5.0, ""), ("A3", 2, 1.0, ""), ("A4", 2, 1.0, "")]
    )
    reps = reps_frame([("R2", "West", 1.0), ("R1", "West", 1.0)])
    assert greedy_baseline(accounts, reps).tolist() == ["R1", "R2", "R2", "R1"]


def test_locked_accounts_stay_even_over_the_band(six_two):
    accounts, reps = six_two
    accounts["locked"] = ["false", "false", "false", "false", "false", "true"]
    owners = greedy_baseline(accounts, reps, tier_band=0.0, min_band_accounts=0.0)
    assert owners["A6"] == "R1"
    # the lock counts against R1's Tier 2 share, so R1 keeps only A3 of A3-A5
    assert owners[["A3", "A4", "A5"]].tolist() == ["R1", "R2", "R2"]


def test_lock_to_a_departed_owner_is_released():
    accounts = accounts_frame([("A1", 1, 5.0, "GONE"), ("A2", 1, 4.0, "R1")])
    accounts["locked"] = [True, False]
    reps = reps_frame([("R1", "West", 1.0), ("R2", "West", 1.0)])
    owners = greedy_baseline(accounts, reps, tier_band=0.0, min_band_accounts=0.0)
    assert owners.tolist() == ["R2", "R1"]


def test_departed_owners_accounts_are_reassigned_evenly():
    """R9 left: its 8 Tier 3 accounts are dealt; R1 already holds 2, R2 none.

    Fair share is 5 each; dealing by under-load gives R2 five and R1 three.
    """
    rows = [(f"A{i}", 3, float(100 - i), "R9") for i in range(8)]
    rows += [("B1", 3, 1.0, "R1"), ("B2", 3, 1.0, "R1")]
    owners = greedy_baseline(accounts_frame(rows), reps_frame([("R1", "West", 1.0), ("R2", "West", 1.0)]))
    assert "R9" not in set(owners)
    assert owners.value_counts().to_dict() == {"R1": 5, "R2": 5}
    assert owners[["B1", "B2"]].tolist() == ["R1", "R1"]


def test_eligibility_by_region_lists():
    """24 accounts alternating West/East, all owned by R3 (who covers both).

    Per tier (8 accounts, potentials falling W E W E ...): fair share 8/3 = 2.67, upper edge
    3.67, so R3 keeps its best three (W E W). The rest, E W E W E, can only go to R2 (East)
    or R1 (West), since R3 is over its share: R1 gets 2, R2 gets 3, in every tier.
    """
    accounts = pd.DataFrame(
        {
            "account_id": [f"A{i:02d}" for i in range(24)],
            "region": ["West", "East"] * 12,
            "tier": [1, 1, 2, 2, 3, 3] * 4,
            "potential": np.arange(24, 0, -1, dtype=float),
            "owner_id": ["R3"] * 24,
        }
    )
    reps = reps_frame([("R1", "West", 1.0), ("R2", "East", 1.0), ("R3", "West; East", 1.0)])
    owners = greedy_baseline(accounts, reps)
    region_of = {"R1": {"West"}, "R2": {"East"}, "R3": {"West", "East"}}
    for acc_region, owner in zip(accounts["region"], owners, strict=True):
        assert acc_region in region_of[owner]
    assert owners.value_counts().to_dict() == {"R3": 9, "R2": 9, "R1": 6}


def test_owner_outside_its_region_loses_the_account():
    accounts = pd.DataFrame(
        {"account_id": ["A1"], "region": ["East"], "tier": [1], "potential": [1.0], "owner_id": ["R1"]}
    )
    reps = reps_frame([("R1", "West", 1.0), ("R2", "East", 1.0)])
    assert greedy_baseline(accounts, reps).tolist() == ["R2"]


def test_empty_region_cell_covers_every_region():
    accounts = pd.DataFrame(
        {"account_id": ["A1", "A2"], "region": ["East", "North"], "tier": [1, 1], "potential": [1.0, 1.0]}
    )
    reps = pd.DataFrame({"rep_id": ["R1"], "region": [""]})
    assert greedy_baseline(accounts, reps).tolist() == ["R1", "R1"]


def test_uncovered_region_raises_naming_it():
    accounts = pd.DataFrame(
        {"account_id": ["A1", "A2"], "region": ["West", "Atlantis"], "tier": [1, 2], "potential": [1.0, 2.0]}
    )
    reps = reps_frame([("R1", "West", 1.0), ("R2", "Atlantis", 0.0)])  # capacity 0 covers nothing
    with pytest.raises(ValueError, match="'Atlantis'"):
        greedy_baseline(accounts, reps)


def test_ramping_rep_gets_about_half():
    rng = np.random.default_rng(0)
    n = 300
    accounts = pd.DataFrame(
        {
            "account_id": [f"A{i:03d}" for i in range(n)],
            "region": "West",
            "tier": rng.choice([1, 2, 3], size=n, p=[0.15, 0.35, 0.5]),
            "potential": rng.lognormal(10, 1, n).round(2),
            "owner_id": rng.choice(["R1", "R2", "GONE"], size=n),
        }
    )
    reps = reps_frame([("R1", "West", 1.0), ("R2", "West", 0.5)])
    owners = greedy_baseline(accounts, reps)
    counts = pd.crosstab(owners.to_numpy(), accounts["tier"].to_numpy())
    total = accounts["tier"].value_counts()
    for tier in (1, 2, 3):
        fair_r2 = total[tier] / 3
        assert abs(counts.loc["R2", tier] - fair_r2) <= max(0.1 * fair_r2, 1.0) + 1
    assert 0.4 < owners.eq("R2").sum() / owners.eq("R1").sum() < 0.6


def test_new_rep_with_no_accounts_gets_a_share():
    rows = [(f"A{i}", 1 + i % 3, float(i), "R1") for i in range(30)]
    reps = reps_frame([("R1", "West", 1.0), ("R2", "West", 1.0)])
    # fair share 5 per tier; R1 keeps up to the band's upper edge, 5 + max(0.5, 1) = 6 per tier
    assert greedy_baseline(accounts_frame(rows), reps).value_counts().to_dict() == {"R1": 18, "R2": 12}
    exact = greedy_baseline(accounts_frame(rows), reps, tier_band=0.0, min_band_accounts=0.0)
    assert exact.value_counts().to_dict() == {"R1": 15, "R2": 15}


def test_families_move_as_one_unit_with_the_parents_owner():
    """F1 = {P1 (tier 1), C1 (tier 2)} owned by departed R9 with a child listed as R1's:
    the family follows its parent, so both are dealt together."""
    accounts = pd.DataFrame(
        {
            "account_id": ["P1", "C1", "A1", "A2"],
            "family_id": ["P1", "P1", None, "A2"],
            "region": "West",
            "tier": [1, 2, 1, 2],
            "potential": [10.0, 5.0, 8.0, 7.0],
            "owner_id": ["R9", "R1", "R1", "R1"],
        }
    )
    reps = reps_frame([("R1", "West", 1.0), ("R2", "West", 1.0)])
    owners = greedy_baseline(accounts, reps)
    assert owners["P1"] == owners["C1"]
    # R1 keeps A1 and A2; the family (Tier 1 first) goes to the rep most under-loaded in Tier 1
    assert owners.to_dict() == {"P1": "R2", "C1": "R2", "A1": "R1", "A2": "R1"}


def test_generated_instance_invariants_and_determinism():
    gen = _bench_generate()
    accounts, roster = gen.generate("S", seed=3)
    accounts["family_id"] = accounts["parent_id"].fillna(accounts["account_id"])
    owners = greedy_baseline(accounts, roster)
    assert owners.equals(greedy_baseline(accounts, roster))
    assert owners.index.tolist() == accounts["account_id"].tolist()

    region_of = dict(zip(roster["rep_id"], roster["region"], strict=True))
    new = owners.to_numpy()
    assert set(new) <= set(roster["rep_id"])  # departed reps gone
    assert (pd.Series(new).map(region_of).to_numpy() == accounts["region"].to_numpy()).all()
    locked = accounts["locked"].to_numpy()
    assert (new[locked] == accounts["owner_id"].to_numpy()[locked]).all()  # locks honoured
    assert accounts.assign(new=new).groupby("family_id")["new"].nunique().max() == 1
    # shuffling the rows does not change the plan (potentials are distinct here)
    shuffled = accounts.sample(frac=1.0, random_state=1)
    assert greedy_baseline(shuffled, roster).sort_index().equals(owners.sort_index())


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.tuples(st.sampled_from(["", "P1", "P2", "A3", "GONE", " P1 "]), st.booleans()),
        min_size=1,
        max_size=12,
    )
)
def test_family_units_number_families_as_factorize_does(rows):
    """A unit per distinct family id, numbered in order of first appearance (the order that
    breaks ties in the deal): parents listed after their subsidiaries, parents that are not
    accounts, blank family cells (the account is its own family) and padded ids."""
    from territory.baseline import _family_units, _str_col

    ids = [f"A{i}" for i in range(len(rows))]
    ids[: min(2, len(ids))] = ["P1", "P2"][: min(2, len(ids))]
    fam = pd.Series([f if use else None for f, use in rows], dtype="str")
    account_id = pd.Series(ids, dtype="str")
    fam_text = _str_col(fam.where(fam.notna() & fam.astype(str).ne(""), account_id))
    acc_ids = pd.Index(_str_col(account_id))
    is_parent = fam_text.eq(pd.Series(acc_ids.array)).to_numpy(dtype=bool)
    expected, _ = pd.factorize(fam_text)
    assert _family_units(fam_text, acc_ids, is_parent).tolist() == expected.tolist()


def test_owner_positions_are_the_baselines_owners_as_roster_rows():
    """``greedy_owner_positions`` is ``greedy_baseline`` by roster row (the roster here is not
    sorted by rep_id, which is the baseline's own tie-break order)."""
    from territory.baseline import greedy_owner_positions

    gen = _bench_generate()
    accounts, roster = gen.generate("S", seed=5)
    accounts["family_id"] = accounts["parent_id"].fillna(accounts["account_id"])
    roster = roster.iloc[::-1].reset_index(drop=True)
    pos = greedy_owner_positions(accounts, roster)
    owners = greedy_baseline(accounts, roster)
    assert pos.dtype == np.int64
    assert roster["rep_id"].to_numpy()[pos].tolist() == owners.tolist()
