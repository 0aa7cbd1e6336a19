"""Units without accounts are units of the model (geo.units; issue 15 item 4).

Each of them goes to one rep of its region, and a territory may reach further through them;
before, each was joined beforehand to its nearest unit with accounts, and the groups were
fixed (a restriction: see the Mountain instance below)."""

from __future__ import annotations

import itertools

import networkx as nx
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from territory.geo.territories import geo_setup, territories
from territory.model import solve_pools
from territory.model.contiguous import solve_contiguous
from territory.model.exact import solve_pool_exact
from territory.model.families import active_families
from territory.model.pools import build_pools
from territory.model.units import build_units
from territory.model.verify import check_all, evaluate, pool_state
from territory.pipeline import model_input

from helpers import make_input

# the Mountain division's eight states, one county each (an account's unit is its state)
COUNTY = {
    "MT": "30001",
    "ID": "16001",
    "WY": "56001",
    "NV": "32001",
    "UT": "49001",
    "CO": "08001",
    "AZ": "04001",
    "NM": "35001",
}
RULES = "us-census-divisions"  # the covered area: every state of the roster's division


def mountain(accounts: list[tuple[str, int, str]], n_reps: int = 2, *sets: str):
    rows = [
        {
            "account_id": f"{s}{i}",
            "region": "Mountain",
            "tier": t,
            "potential": 100,
            "owner_id": o,
            "county_fips": COUNTY[s],
            "locked": "false",
        }
        for i, (s, t, o) in enumerate(accounts)
    ]
    reps = [{"rep_id": f"R{k + 1}", "region": "Mountain"} for k in range(n_reps)]
    return make_input(rows, reps, "geo.units=state", *sets)


def setup(inp):
    cfg = inp.config
    geo = geo_setup(inp.accounts, inp.reps, "state", RULES, state=inp.state)
    mi = model_input(inp.accounts, inp.reps, cfg, geo, state=inp.state)
    units = build_units(mi, cfg)
    (pool,) = build_pools(mi, cfg, units)
    return geo, mi, units, pool, cfg


def brute_force(pool, units, cfg, allowed=None) -> float:
    """The best objective over every assignment of the pool's units to its reps that keeps
    every hard rule (contiguity counted by networkx), among those ``allowed`` keeps."""
    fams = active_families(cfg)
    best = np.inf
    for combo in itertools.product(range(pool.n_reps), repeat=pool.n_units):
        plan = np.array(combo)
        if allowed is not None and not allowed(plan):
            continue
        st_ = pool_state(pool, units, cfg, plan, np.zeros(pool.n_reps, dtype=np.int64))
        if not any(v.hard for v in check_all(st_, fams)):
            best = min(best, evaluate(st_, fams))
    return float(best)


def one_piece_each(pool, units, plan) -> bool:
    """Every rep's units are one connected piece of the pool's graph (networkx)."""
    local = {int(g): i for i, g in enumerate(pool.units.tolist())}
    for r in range(pool.n_reps):
        held = [u for u in range(pool.n_units) if plan[u] == r]
        g = nx.Graph()
        g.add_nodes_from(held)
        g.add_edges_from(
            (u, local[v])
            for u in held
            for v in units.nbrs(int(pool.units[u])).tolist()
            if plan[local.get(v, -1)] == r
        )
        if held and not nx.is_connected(g):
            return False
    return True


# AZ holds three accounts of R2 (Tier 2, 1, 1), NM two of R1 (Tier 2, 1), NV one of R2 (Tier 3);
# the other five states have none.
#
#     MT - ID - NV            grouped before the solve (each empty state with its nearest
#      \   |  \  |            state with accounts, breadth first in code order): AZ with CO,
#       WY - UT - AZ          UT and WY; NV with ID and MT; NM alone. NM touches only AZ's
#        \   |  / |           group, so NM and NV in one territory need AZ too: no plan keeps
#          CO --- NM          the tier bands. With the empty states free, R1 holds NM, CO, UT,
#                             NV and the rest, R2 holds AZ alone: one move (NV to R1), bands kept.
HAND = [("AZ", 2, "R2"), ("NM", 2, "R1"), ("NV", 3, "R2"), ("AZ", 1, "R2"), ("NM", 1, "R1"), ("AZ", 1, "R2")]


def test_empty_states_are_units_of_the_model_and_free_beats_grouped() -> None:
    geo, _mi, units, pool, cfg = setup(mountain(HAND))
    assert sorted(pool.unit_ids) == sorted(f"geo:{s}" for s in COUNTY)  # all eight, accounts or not
    key = {k: i for i, k in enumerate(pool.unit_ids)}
    empty = [key[f"geo:{s}"] for s in ("CO", "ID", "MT", "UT", "WY")]
    assert (pool.size[empty] == 0).all() and (pool.comp[empty] == 0).all() and (pool.owner[empty] == -1).all()
    # the groups the model used to fix before the solve
    groups = {"CO": "AZ", "UT": "AZ", "WY": "AZ", "ID": "NV", "MT": "NV"}
    pairs = [(key[f"geo:{e}"], key[f"geo:{a}"]) for e, a in groups.items()]
    free = brute_force(pool, units, cfg)
    grouped = brute_force(pool, units, cfg, lambda plan: all(plan[a] == plan[b] for a, b in pairs))
    assert free == pytest.approx(1.0)  # one move, every band kept
    assert grouped > 400  # accounts outside the bands (each priced at 100 moves)
    rep_of_unit, _chosen, report = solve_contiguous(solve_pool_exact, pool, units, cfg)
    assert report.objective == pytest.approx(free)
    assert report.bound <= free + 1e-6
    assert one_piece_each(pool, units, rep_of_unit)
    assert [
        pool.unit_ids[u] for u in range(pool.n_units) if rep_of_unit[u] == rep_of_unit[key["geo:AZ"]]
    ] == ["geo:AZ"]


def test_a_pool_too_large_for_the_cut_loop_tries_the_grouped_model_and_keeps_a_valid_bound() -> None:
    """With the loop's limit below the pool's 16 pairs but above the 6 of its units with
    accounts, the grouped model (a restriction) is solved as a start: its plan (cost over 400
    here) is mended unit by unit, the free plan kept, and the bound stays one of the whole
    model (the grouped model's is not used)."""
    _geo, _mi, units, pool, cfg = setup(mountain(HAND))
    rep_of_unit, _chosen, report = solve_contiguous(solve_pool_exact, pool, units, cfg, max_pairs=10)
    assert "the grouped model" in report.log
    assert report.objective == pytest.approx(1.0)
    assert report.bound <= 1.0 + 1e-6
    assert one_piece_each(pool, units, rep_of_unit)


def test_every_unit_has_an_owner_in_territories_csv() -> None:
    inp = mountain(HAND)
    geo, mi, _units, _pool, cfg = setup(inp)
    solved = solve_pools(mi, cfg)
    frame, summary = territories(
        geo, inp.accounts, solved.owner, inp.reps["rep_id"].tolist(), None, solved.unit_owners()
    )
    assert sorted(frame["unit_id"]) == sorted(COUNTY)
    owner = dict(zip(frame["unit_id"], frame["owner_id"]))
    assert owner["AZ"] == "R2" and {owner[s] for s in COUNTY if s != "AZ"} == {"R1"}
    assert summary["units_without_accounts"] == 5 and summary["every_territory_one_piece"]


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(
        st.tuples(
            st.sampled_from(sorted(COUNTY)), st.sampled_from([1, 1, 2, 3]), st.sampled_from(["R1", "R2"])
        ),
        min_size=2,
        max_size=8,
    )
)
def test_random_mountain_plans_are_connected_and_their_bound_is_valid(accounts) -> None:
    """Any accounts over the eight states: every state is a unit of the pool, the plan keeps
    every territory one piece (networkx) and costs no less than the best connected plan
    (brute force), and the bound reported is at most that optimum."""
    _geo, _mi, units, pool, cfg = setup(mountain(accounts))
    assert pool.n_units == len(COUNTY)
    rep_of_unit, _chosen, report = solve_contiguous(solve_pool_exact, pool, units, cfg)
    optimum = brute_force(pool, units, cfg)
    assert one_piece_each(pool, units, rep_of_unit)
    assert report.objective >= optimum - 1e-6
    assert report.bound <= optimum + 1e-6


@settings(max_examples=200, deadline=None)
@given(st.integers(4, 12), st.integers(0, 10_000))
def test_the_local_swap_check_agrees_with_counting_pieces(n, seed) -> None:
    """``after_swap`` (a swap checked locally, not by counting every piece of a territory)
    gives the same answer as counting the pieces after the swap, on random graphs and
    one-piece territories."""
    import random

    from territory.geo.territories import bfs_pieces
    from territory.model.families.contiguity import after_swap

    rng = random.Random(seed)
    g = nx.gnp_random_graph(n, 0.35, seed=seed)
    nb = [sorted(g.neighbors(u)) for u in range(n)]
    nodes = list(range(n))
    rng.shuffle(nodes)
    m = set(nodes[: rng.randint(1, n - 1)])
    if len(bfs_pieces(nb, m)) != 1:
        return
    out = rng.choice([-1, *sorted(m)])
    inn = rng.choice([-1, *sorted(set(range(n)) - m)])
    after = (m - {out}) | ({inn} if inn >= 0 else set())
    assert after_swap(nb, m, out, inn) == (len(bfs_pieces(nb, after)) <= 1)
