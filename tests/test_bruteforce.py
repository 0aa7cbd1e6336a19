"""The MIP's optimum equals a brute-force enumeration on instances up to 8 accounts x 3 reps.

The enumeration scores every possible assignment with the objective written out by hand
(moves + penalised band excess), independently of the model code.
"""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest

from territory.model.pools import tier_band
from territory.pipeline import solve_input

from helpers import make_input


def brute_force(
    tiers,
    pots,
    owners,
    locked,
    caps,
    tier_band_rel=0.10,
    pot_band=0.10,
    tier_pen=100.0,
    pot_pen=1000.0,
    move_cost=1.0,
):
    R = len(caps)
    n = len(tiers)
    cap = np.array(caps, dtype=float)
    N_t = np.array([sum(1 for t in tiers if t == k) for k in (1, 2, 3)], dtype=float)
    fair_t = np.outer(cap / cap.sum(), N_t)
    lo, hi = tier_band(fair_t, tier_band_rel, 1.0)
    fair_p = cap / cap.sum() * sum(pots)
    best = math.inf
    choices = [[owners[i]] if locked[i] and owners[i] >= 0 else range(R) for i in range(n)]
    for assign in itertools.product(*choices):
        cost = 0.0
        for i, r in enumerate(assign):
            if owners[i] >= 0 and owners[i] != r:
                cost += move_cost
        for r in range(R):
            for k in range(3):
                c = sum(1 for i in range(n) if assign[i] == r and tiers[i] == k + 1)
                cost += tier_pen * (max(0, lo[r, k] - c) + max(0, c - hi[r, k]))
            if fair_p[r] > 0:
                p = sum(pots[i] for i in range(n) if assign[i] == r)
                cost += pot_pen * (
                    max(0.0, (1 - pot_band) - p / fair_p[r]) + max(0.0, p / fair_p[r] - (1 + pot_band))
                )
        best = min(best, cost)
    return best


@pytest.mark.parametrize("seed", range(12))
def test_mip_matches_brute_force(seed, solver):
    rng = np.random.default_rng(seed)
    n = int(rng.integers(4, 9))
    R = 3
    tiers = rng.integers(1, 4, n).tolist()
    pots = rng.choice([0, 10, 50, 200, 1000], n).tolist()
    owners = rng.integers(-1, R, n).tolist()  # -1: owner left the roster
    locked = (rng.random(n) < 0.15).tolist()
    caps = rng.choice([1.0, 1.0, 0.5], R).tolist()
    rows = [
        {
            "account_id": f"a{i}",
            "tier": tiers[i],
            "potential": pots[i],
            "region": "West",
            "owner_id": f"R{owners[i]}" if owners[i] >= 0 else "R9",
            "locked": "true" if locked[i] else "false",
        }
        for i in range(n)
    ]
    reps = [{"rep_id": f"R{r}", "region": "West", "capacity": caps[r]} for r in range(R)]
    inp = make_input(rows, reps, solver=solver)
    plan = solve_input(inp)
    expected = brute_force(tiers, pots, owners, [lk and o >= 0 for lk, o in zip(locked, owners)], caps)
    assert plan.status == "optimal"
    assert plan.objective == pytest.approx(expected, abs=1e-4), (
        f"{solver}: objective {plan.objective} but brute force finds {expected}"
    )
    # the plan's own moves are consistent with the objective's move term
    assert plan.moved >= sum(1 for o in owners if o < 0)
