"""Contiguity inside the MIP (geo.units): the separator-cut loop (issue 15, items 4-6)."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from territory.geo.territories import geo_setup
from territory.model.contiguous import Cut, separators, solve_contiguous
from territory.model.exact import solve_pool_exact
from territory.model.families import active_families
from territory.model.pools import build_pools
from territory.model.units import build_units
from territory.model.verify import check_all, evaluate, pool_state
from territory.pipeline import model_input, solve_input

from helpers import make_input

# one county per state (the account's unit is its county's state with geo.units = state)
COUNTY = {
    "WA": "53001",
    "OR": "41001",
    "CA": "06001",
    "NV": "32001",
    "ID": "16001",
    "UT": "49001",
    "AZ": "04001",
}


def seven_states():
    """Seven western states, two reps, today's owners mixed (WA-OR-CA down the coast, NV and
    ID inland, UT and AZ to the south-east):

        WA - ID          account (tier, potential, owner today)
        |  \\  |  \\       WA0 (2, 50, R2)   WA1 (2, 100, R1)   OR0 (1, 400, R2)
        OR - NV - UT      CA0 (1, 200, R2)  NV0 (1, 200, R1)   NV1 (1, 200, R2)
        |  /   \\ |        ID0 (1, 200, R2)  ID1 (3, 200, R1)   UT0 (3, 400, R1)
        CA ---- AZ        UT1 (1, 100, R2)  UT2 (2, 50, R2)    AZ0 (2, 200, R1)

    The best plan without contiguity (objective 4) splits a territory; the best contiguous
    one costs 5, and the repair heuristic alone ends far above it."""
    accounts = [
        ("WA0", 2, 50, "R2"),
        ("WA1", 2, 100, "R1"),
        ("OR0", 1, 400, "R2"),
        ("CA0", 1, 200, "R2"),
        ("NV0", 1, 200, "R1"),
        ("NV1", 1, 200, "R2"),
        ("ID0", 1, 200, "R2"),
        ("ID1", 3, 200, "R1"),
        ("UT0", 3, 400, "R1"),
        ("UT1", 1, 100, "R2"),
        ("UT2", 2, 50, "R2"),
        ("AZ0", 2, 200, "R1"),
    ]
    rows = [
        {
            "account_id": a,
            "region": "West",
            "tier": t,
            "potential": p,
            "owner_id": o,
            "county_fips": COUNTY[a[:2]],
            "locked": "false",
        }
        for a, t, p, o in accounts
    ]
    reps = [{"rep_id": "R1", "region": "West"}, {"rep_id": "R2", "region": "West"}]
    return make_input(rows, reps, "geo.units=state")


def one_pool(inp):
    cfg = inp.config
    mi = model_input(inp.accounts, inp.reps, cfg, geo_setup(inp.accounts, inp.reps, "state", ""))
    units = build_units(mi, cfg)
    (pool,) = build_pools(mi, cfg, units)
    return pool, units, cfg


def brute_force(pool, units, cfg) -> float:
    """The best objective over every assignment of units to reps that keeps every hard rule
    (contiguity checked by networkx)."""
    fams = active_families(cfg)
    best = np.inf
    for combo in itertools.product(range(pool.n_reps), repeat=pool.n_units):
        st = pool_state(pool, units, cfg, np.array(combo), np.zeros(pool.n_reps, dtype=np.int64))
        if not any(v.hard for v in check_all(st, fams)):
            best = min(best, evaluate(st, fams))
    return float(best)


def test_separators_use_the_minimal_boundary_between_two_pieces() -> None:
    """0 - 1 - 3 - 4 with 2 hanging off 0: a rep holding 0 and 4 must hold 1 or 3 (2 touches
    0's piece but not 4's side, so it is no part of the separator)."""
    nb = [[1, 2], [0, 3], [0], [1, 4], [3]]
    assert separators(nb, {0, 4}) == [Cut(0, 4, (1,)), Cut(4, 0, (3,))]
    assert separators(nb, {0, 1, 3}) == []  # one piece: nothing to cut


def test_the_cut_loop_finds_the_contiguous_optimum_checked_by_brute_force() -> None:
    pool, units, cfg = one_pool(seven_states())
    optimum = brute_force(pool, units, cfg)
    rep_of_unit, _chosen, report = solve_contiguous(solve_pool_exact, pool, units, cfg)
    assert optimum == pytest.approx(5.0)
    assert report.objective == pytest.approx(optimum)
    assert report.status == "optimal"
    assert report.bound == pytest.approx(optimum)  # the bound with contiguity: the optimum
    assert report.bound_without_contiguity == pytest.approx(4.0)  # the disconnected optimum
    assert "proven optimal" in report.log
    st = pool_state(pool, units, cfg, rep_of_unit, np.zeros(2, dtype=np.int64))
    assert not [v for v in check_all(st, active_families(cfg)) if v.hard]


def test_dropping_the_cut_loop_changes_the_answer() -> None:
    """Without the cut loop (max_pairs = 0) the repair heuristic's plan is kept: connected,
    but far from the optimum, and its gap is only against the bound without contiguity."""
    pool, units, cfg = one_pool(seven_states())
    _rou, _ch, report = solve_contiguous(solve_pool_exact, pool, units, cfg, max_pairs=0)
    assert report.objective > 5.0 + 1
    assert report.status == "feasible"
    assert report.bound == pytest.approx(4.0) == report.bound_without_contiguity


def test_the_cut_loop_is_deterministic() -> None:
    pool, units, cfg = one_pool(seven_states())
    runs = [solve_contiguous(solve_pool_exact, pool, units, cfg) for _ in range(2)]
    (a, ca, ra), (b, cb, rb) = runs
    assert a.tolist() == b.tolist() and ca.tolist() == cb.tolist()
    assert (ra.status, ra.objective, ra.bound) == (rb.status, rb.objective, rb.bound)


def test_the_plan_reports_both_bounds() -> None:
    """summary.json's solver bound is the bound with contiguity; geography.territories keeps
    the bound without it, labelled, and says how many pools are proven optimal with it."""
    plan = solve_input(seven_states())
    terr = plan.extras["geography"]["territories"]
    assert plan.status == "optimal"
    assert plan.objective == pytest.approx(5.0) and plan.bound == pytest.approx(5.0)
    assert terr["bound_with_contiguity"] == pytest.approx(5.0)
    assert terr["bound_without_contiguity"] == pytest.approx(4.0)
    assert terr["pools_proven_optimal_with_contiguity"] == terr["pools"] == 1
    from territory.geo import coverage_lines

    lines = coverage_lines(plan.extras["geography"])
    assert lines[-1].endswith(
        "The bound and gap are against the model with contiguity (without contiguity the bound "
        "is 4.0); 1 of 1 pool proven optimal with contiguity."
    )
