"""Impossible asks fail with an explanation in plain words, never a solver status."""

from __future__ import annotations

import pytest

from territory.errors import InfeasiblePlanError
from territory.pipeline import solve_input

from helpers import make_input


def acc(aid, tier, owner, potential=0, **kw):
    return {
        "account_id": aid,
        "tier": tier,
        "owner_id": owner,
        "potential": potential,
        "region": "West",
        **kw,
    }


def test_hard_tier_band_explained(solver):
    """
        7 Tier 1 accounts, 3 equal reps, hard band +-10 % with no +-1 account floor.
    Fair share 2.33 each: [2.1, 2.57] holds no whole number, so no split keeps the band;
    the message says which rep, the count, and how wide the band must be.
    """
    rows = [acc(f"a{i}", 1, "R1") for i in range(7)]
    reps = [{"rep_id": f"R{i}", "region": "West"} for i in (1, 2, 3)]
    inp = make_input(rows, reps, "balance.hard_bands=true", "balance.tier_band_min_accounts=0", solver=solver)
    with pytest.raises(InfeasiblePlanError) as e:
        solve_input(inp)
    text = str(e.value)
    assert "No plan for West keeps every hard rule" in text
    assert "Tier 1 band +-10% cannot hold for R" in text
    assert "Widen balance.tier_band to +-29 % for Tier 1" in text  # 3 vs 2.33 is +28.6 %
    assert "hard_bands = false" in text


def test_max_accounts_and_locks_conflict(solver):
    """Three accounts locked to R1 whose max_accounts is 2: the lock wins, the cap is named."""
    rows = [acc(f"a{i}", 3, "R1", locked="true") for i in range(3)]
    reps = [{"rep_id": "R1", "region": "West", "max_accounts": 2}, {"rep_id": "R2", "region": "West"}]
    inp = make_input(rows, reps, solver=solver)
    with pytest.raises(InfeasiblePlanError) as e:
        solve_input(inp)
    assert "R1 may hold at most 2 accounts (max_accounts in the roster), but the plan needs 3" in str(e.value)


def test_moves_per_rep_conflicts_with_max_accounts(solver):
    """R1 owns 3 accounts but may hold 1 (max_accounts), so it must lose 2; the cap on moves
    per rep is 1. One of the two rules has to bend, and the message names it."""
    rows = [acc(f"a{i}", 3, "R1") for i in range(3)]
    reps = [{"rep_id": "R1", "region": "West", "max_accounts": 1}, {"rep_id": "R2", "region": "West"}]
    inp = make_input(rows, reps, "continuity.max_moves_per_rep=1", solver=solver)
    with pytest.raises(InfeasiblePlanError) as e:
        solve_input(inp)
    text = str(e.value)
    assert (
        "R1 would have to lose 2 accounts, but continuity.max_moves_per_rep is 1" in text
        or "R1 may hold at most 1 accounts (max_accounts in the roster), but the plan needs 2" in text
    )


@pytest.mark.parametrize("method", ["exact", "aggregate"])
def test_hard_team_band_explained(method):
    """
        team M1: R1 a0 a1 a2   R2 a3 a4 a5   (Tier 1, locked)     team M2: R3 b0   R4 b1 (Tier 1)
    and c0 (Tier 3, free, so that the four reps plan in one pool). Team fair share 4 Tier 1
    accounts (half the capacity), hard team band +-10 % or +-1 account: 3-5. M1 keeps 6
    locked accounts, so the band cannot hold; both methods say which team, the count and how
    wide the band must be (6 vs 4 is +50 %).
    """
    rows = [acc(f"a{i}", 1, "R1" if i < 3 else "R2", locked="true") for i in range(6)]
    rows += [acc("b0", 1, "R3"), acc("b1", 1, "R4"), acc("c0", 3, "R1")]
    reps = [
        {"rep_id": r, "region": "West", "manager": m}
        for r, m in (("R1", "M1"), ("R2", "M1"), ("R3", "M2"), ("R4", "M2"))
    ]
    inp = make_input(
        rows,
        reps,
        "balance.hard_bands=true",
        "balance.tier_band=100%",
        "balance.team_band=0.1",
        f"solver.method={method}",
    )
    with pytest.raises(InfeasiblePlanError) as e:
        solve_input(inp)
    text = str(e.value)
    assert (
        "Team band +-10% cannot hold for M1's team in West: the best split gives it 6 Tier 1 "
        "accounts where the band allows 3-5 (fair share 4.0)." in text
    )
    assert "Widen balance.team_band to +-50 %, or set balance.hard_bands = false." in text


@pytest.mark.parametrize("method", ["exact", "aggregate"])
def test_soft_bands_are_not_named_as_a_cause(method):
    """R1 owns six Tier 1 accounts but may hold 5 (max_accounts), and no rep may lose any
    (max_moves_per_rep = 0): the two caps conflict. The bands are soft (the default), so the
    plan could bend them at a price whatever happens: they are not why there is no plan, and
    the message names only the caps, never "set balance.hard_bands = false" (it is already)."""
    rows = [acc(f"a{i}", 1, "R1") for i in range(6)]
    reps = [{"rep_id": "R1", "region": "West", "max_accounts": 5}, {"rep_id": "R2", "region": "West"}]
    inp = make_input(rows, reps, "continuity.max_moves_per_rep=0", f"solver.method={method}")
    with pytest.raises(InfeasiblePlanError) as e:
        solve_input(inp)
    text = str(e.value)
    assert text.startswith("No plan for West keeps every hard rule:"), text
    assert "band" not in text and "hard_bands" not in text, text
    assert (
        "R1 would have to lose 1 accounts, but continuity.max_moves_per_rep is 0" in text
        or "R1 may hold at most 5 accounts (max_accounts in the roster), but the plan needs 6" in text
    ), text
