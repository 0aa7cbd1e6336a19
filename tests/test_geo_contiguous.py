"""Contiguity inside the MIP (geo.units): the separator-cut loop (issue 15, items 4-6)."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

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
    mi = model_input(
        inp.accounts,
        inp.reps,
        cfg,
        geo_setup(inp.accounts, inp.reps, "state", "", state=inp.state),
        state=inp.state,
    )
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


def grid(n: int) -> list[list[int]]:
    """An n x n grid of units, each touching the units left, right, above and below."""
    nb: list[list[int]] = [[] for _ in range(n * n)]
    for i, j in itertools.product(range(n), range(n)):
        for di, dj in ((0, 1), (1, 0)):
            if i + di < n and j + dj < n:
                a, b = i * n + j, (i + di) * n + j + dj
                nb[a].append(b)
                nb[b].append(a)
    return nb


@given(st.integers(0, 2**32 - 1), st.integers(2, 6))
@settings(max_examples=40, deadline=None)
def test_the_local_one_piece_check_agrees_with_counting_pieces(seed: int, n_reps: int) -> None:
    """``keeps_one_piece`` (the local search's check) says a move keeps both territories one
    piece exactly when counting their pieces after the move (breadth-first) says so, for every
    unit and every other rep on random connected plans of a 6 x 6 grid (grown from seeds);
    and the tracker's answer for swaps agrees with counting as well."""
    from territory.geo.territories import bfs_pieces
    from territory.model.families.contiguity import Pieces, keeps_one_piece

    rng = np.random.default_rng(seed)
    nb = grid(6)
    rep = np.full(36, -1)
    rep[rng.choice(36, n_reps, replace=False)] = np.arange(n_reps)
    while (rep < 0).any():  # grow: a random free unit next to a territory joins it
        edge = [(u, rep[v]) for u in np.flatnonzero(rep < 0).tolist() for v in nb[u] if rep[v] >= 0]
        u, r = edge[int(rng.integers(len(edge)))]
        rep[u] = r
    members = [set(np.flatnonzero(rep == r).tolist()) for r in range(n_reps)]
    for u, y in itertools.product(range(36), range(n_reps)):
        x = int(rep[u])
        if x == y:
            continue
        mx, my = members[x] - {u}, members[y] | {u}
        counted = len(bfs_pieces(nb, mx)) <= 1 and len(bfs_pieces(nb, my)) == 1
        assert keeps_one_piece(nb, members[x], members[y], u) == counted, (u, x, y)
    # swaps (u to y while v comes to x): the tracker's quick refusal agrees with counting too
    tr = Pieces.__new__(Pieces)
    tr.nb, tr.geo, tr.members, tr.count = nb, np.ones(36, dtype=bool), members, [1] * n_reps
    for u, v in rng.integers(36, size=(150, 2)).tolist():
        x, y = int(rep[u]), int(rep[v])
        if x == y:
            continue
        mx, my = members[x] - {u} | {v}, members[y] - {v} | {u}
        counted = len(bfs_pieces(nb, mx)) == 1 and len(bfs_pieces(nb, my)) == 1
        _, ok = tr.delta(np.array([u]), x, y, np.array([v]))
        assert bool(ok[0]) == counted, (u, v, x, y)


def bench_pools(tmp_path, n_accounts: int, n_reps: int, seed: int, kind: str, division: str):
    """bench/geo_units.py's seeded instance, one Census division of it alone, loaded with
    ``geo.units = kind``: (config, units, pools)."""
    import importlib.util
    import sys
    from pathlib import Path

    import pandas as pd

    import territory

    path = Path(__file__).resolve().parents[1] / "bench" / "geo_units.py"
    spec = importlib.util.spec_from_file_location("bench_geo_units", path)
    assert spec and spec.loader
    bench = importlib.util.module_from_spec(spec)
    sys.modules["bench_geo_units"] = bench
    spec.loader.exec_module(bench)
    acc, ros = bench.generate(tmp_path, n_accounts, n_reps, seed)
    for f in (acc, ros):
        frame = pd.read_csv(f, dtype=str, keep_default_na=False)
        frame[frame["region"] == division].to_csv(f, index=False)
    cfg = territory.load_config(None, [f"geo.units={kind}"])
    inp = territory.load_input(acc, ros, cfg)
    mi = model_input(
        inp.accounts,
        inp.reps,
        cfg,
        geo_setup(inp.accounts, inp.reps, kind, "", state=inp.state),
        state=inp.state,
    )
    units = build_units(mi, cfg)
    return cfg, units, build_pools(mi, cfg, units)


def test_chains_pass_a_surplus_on_where_single_moves_are_stuck(tmp_path) -> None:
    """bench/geo_units.py's generator, 3,000 accounts x 30 reps, state units: in South
    Atlantic (8 states, 5 reps) the repair and the local search (single moves and swaps that
    keep every territory one piece) get stuck; an ejection chain (one rep gives a border state
    to a neighbour, who passes one on) lowers the objective, and every territory stays one
    piece with every hard rule kept."""
    from dataclasses import replace

    from territory.geo.territories import bfs_pieces
    from territory.model.families.contiguity import boundary_moves, chain_moves, connect
    from territory.model.repair import Objective
    from territory.model.scale import solve_pool_scale
    from territory.model.search import improve

    cfg, units, (pool,) = bench_pools(tmp_path, 3000, 30, 1, "state", "South Atlantic")
    fams = active_families(cfg)
    no_geo = replace(cfg, geo=replace(cfg.geo, units="none"))
    loose, chosen, _ = solve_pool_scale(pool, units, no_geo)
    st = pool_state(pool, units, cfg, loose.copy(), chosen)
    obj = Objective(st, fams)
    connect(obj)
    while improve(obj) + boundary_moves(obj):
        pass
    stuck = evaluate(st, fams)
    assert chain_moves(obj) >= 1
    assert evaluate(st, fams) < stuck - 1.0
    assert not [v for v in check_all(st, fams) if v.hard]
    tr = obj.find("contiguity")
    assert all(len(bfs_pieces(tr.nb, m)) <= 1 for m in tr.members)


def test_the_cut_loop_takes_a_pool_of_some_200_pairs(tmp_path) -> None:
    """bench/geo_units.py's instance (100,000 accounts x 100 reps, seed 15), its New England
    division alone: 67 county units (one without accounts) x 3 reps = 201 pairs. The repair
    and the local search end at 445 (accounts moved) from the plan without contiguity and
    from the guided starts (1,059 and 529 when the county without accounts was joined to a
    neighbour beforehand); the grouped model's cut loop (that county tied to its nearest
    county with accounts) finds a contiguous plan of 410, kept, and the loop on the whole
    model, which takes pools of up to 250 pairs, goes on from it (the bound without
    contiguity is 362)."""

    from territory.model.contiguous import CUT_LOOP_MAX_PAIRS, pairs_of
    from territory.model.scale import solve_pool_scale

    cfg, units, (pool,) = bench_pools(tmp_path, 100_000, 100, 15, "county", "New England")
    assert pairs_of(pool) == 201 <= CUT_LOOP_MAX_PAIRS
    assert int((pool.size == 0).sum()) == 1
    _, _, plain = solve_contiguous(solve_pool_scale, pool, units, cfg, max_pairs=0, guided=False)
    _, _, heuristic = solve_contiguous(solve_pool_scale, pool, units, cfg, max_pairs=0)
    rep_of_unit, chosen, report = solve_contiguous(solve_pool_scale, pool, units, cfg)
    assert plain.objective == pytest.approx(445.0)
    assert heuristic.objective == pytest.approx(445.0)
    assert report.objective == pytest.approx(410.0)
    assert report.bound_without_contiguity == pytest.approx(362.0)
    assert "the grouped model" in report.log and "contiguity cut loop" in report.log
    st = pool_state(pool, units, cfg, rep_of_unit, chosen)
    assert not [v for v in check_all(st, active_families(cfg)) if v.hard]


def brute_force_connected(pool, units, cfg) -> float:
    """``brute_force`` over the plans whose territories are each one piece (counted first, so
    that only those are checked against every family)."""
    from territory.geo.territories import bfs_pieces
    from territory.model.families.contiguity import Pieces

    fams = active_families(cfg)
    chosen = np.zeros(pool.n_reps, dtype=np.int64)
    start = pool_state(pool, units, cfg, np.zeros(pool.n_units, dtype=np.int64), chosen)
    nb = Pieces(next(f for f in fams if f.name == "contiguity"), start).nb
    best = np.inf
    for combo in itertools.product(range(pool.n_reps), repeat=pool.n_units):
        held = [[u for u, r in enumerate(combo) if r == rep] for rep in range(pool.n_reps)]
        if any(len(bfs_pieces(nb, m)) > 1 for m in held):
            continue
        st = pool_state(pool, units, cfg, np.array(combo), chosen)
        if not any(v.hard for v in check_all(st, fams)):
            best = min(best, evaluate(st, fams))
    return float(best)


def test_guided_starts_find_the_optimum_the_repair_alone_misses(tmp_path) -> None:
    """bench/geo_units.py's generator, 3,000 accounts x 30 reps, seed 2, state units: Mountain
    (8 states, 3 reps). Mending the plan without contiguity (connect, local search, chains)
    ends at 2,375; the guided starts (the pool solved again with distance to each rep's
    centre priced, then mended) find 1,486.5, the optimum: brute force over every plan whose
    territories are each one piece. The cut loop is off (max_pairs = 0): this is the
    heuristic alone, as on pools too large for the loop."""
    from territory.geo.territories import bfs_pieces
    from territory.model.repair import Objective
    from territory.model.scale import solve_pool_scale

    cfg, units, (pool,) = bench_pools(tmp_path, 3000, 30, 2, "state", "Mountain")
    assert (pool.n_units, pool.n_reps) == (8, 3)
    optimum = brute_force_connected(pool, units, cfg)
    _, _, plain = solve_contiguous(solve_pool_scale, pool, units, cfg, max_pairs=0, guided=False)
    rep_of_unit, chosen, guided = solve_contiguous(solve_pool_scale, pool, units, cfg, max_pairs=0)
    assert optimum == pytest.approx(1486.495, abs=1e-3)
    assert plain.objective == pytest.approx(2375.0)
    assert guided.objective == pytest.approx(optimum)
    fams = active_families(cfg)
    st = pool_state(pool, units, cfg, rep_of_unit, chosen)
    assert not [v for v in check_all(st, fams) if v.hard]
    nb = Objective(st, fams).find("contiguity").nb
    assert all(len(bfs_pieces(nb, [u for u in range(8) if rep_of_unit[u] == r])) == 1 for r in range(3))


def test_guided_starts_are_deterministic_and_never_worse(tmp_path) -> None:
    """The same pool twice gives the same plan; and the guided starts never end above the
    mended plan without contiguity (Mountain, seed 1: 2,484.4 mended, 1,180 guided; the
    optimum, by brute force, is 1,116)."""
    from territory.model.scale import solve_pool_scale

    cfg, units, (pool,) = bench_pools(tmp_path, 3000, 30, 1, "state", "Mountain")
    runs = [solve_contiguous(solve_pool_scale, pool, units, cfg, max_pairs=0) for _ in range(2)]
    (a, _, ra), (b, _, rb) = runs
    assert a.tolist() == b.tolist() and ra.objective == rb.objective
    _, _, plain = solve_contiguous(solve_pool_scale, pool, units, cfg, max_pairs=0, guided=False)
    assert plain.objective == pytest.approx(2484.362, abs=1e-3)
    assert ra.objective == pytest.approx(1180.0)


def test_the_compactness_family_measures_from_the_pools_anchors() -> None:
    """With ``Pool.anchors`` (the guided starts' centres) distance is measured from them,
    not from what each rep holds today; a rep without an anchor (NaN) costs nothing."""
    from dataclasses import replace

    from territory.model.families.compactness import distance_cost

    pool, _units, _cfg = one_pool(seven_states())
    anchors = np.array([pool.place[3], [np.nan, np.nan]])
    d = distance_cost(replace(pool, anchors=anchors))
    assert d[3, 0] == 0.0 and (d[np.arange(7) != 3, 0] > 0).all()
    assert (d[:, 1] == 0).all()
    assert not np.allclose(distance_cost(pool), d)


def test_a_guided_solve_that_finds_no_plan_leaves_the_mended_plan(tmp_path, monkeypatch) -> None:
    """If a guided solve fails (the scale method finds no plan under the guide's prices),
    the pool keeps the plan without contiguity, mended, instead of failing the plan."""
    import territory.model.scale as scale
    from territory.errors import InfeasiblePlanError

    cfg, units, (pool,) = bench_pools(tmp_path, 3000, 30, 2, "state", "Mountain")
    real = scale.solve_pool_scale
    _, _, plain = solve_contiguous(real, pool, units, cfg, max_pairs=0, guided=False)

    def no_plan(*args, **kwargs):
        raise InfeasiblePlanError("no plan")

    monkeypatch.setattr(scale, "solve_pool_scale", no_plan)
    _, _, report = solve_contiguous(real, pool, units, cfg, max_pairs=0)
    assert report.objective == pytest.approx(plain.objective) == pytest.approx(2375.0)
