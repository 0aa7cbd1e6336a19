"""The turnover cuts of the count bound (territory/model/turnover.py): they charge a rep whose
measure band needs whole units to move, and the bound stays at or below the exact optimum."""

from __future__ import annotations

import dataclasses
import sys
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))
sys.path.insert(0, str(ROOT / "tests"))

from generate import generate, write_instance  # noqa: E402

from territory.accountstate import AccountState  # noqa: E402
from territory.config import MeasureConfig, PlanConfig  # noqa: E402
from territory.model.bound import count_bound  # noqa: E402
from territory.model.build import build_model  # noqa: E402
from territory.model.classlp import solve_class  # noqa: E402
from territory.model.exact import solve_pool_exact  # noqa: E402
from territory.model.families import active_families  # noqa: E402
from territory.model.items import classes, singletons  # noqa: E402
from territory.model.pools import build_pools  # noqa: E402
from territory.model.turnover import add_turnover_cuts  # noqa: E402
from territory.model.units import build_units  # noqa: E402
from territory.pipeline import load_input, model_input  # noqa: E402

from helpers import make_input  # noqa: E402


def _pools(accounts, reps, cfg: PlanConfig, state: AccountState):  # type: ignore[no-untyped-def]
    mi = model_input(accounts, reps.reset_index(drop=True), cfg, state=state)
    units = build_units(mi, cfg)
    return units, build_pools(mi, cfg, units)


def _plain(items, cfg: PlanConfig, fams) -> float:  # type: ignore[no-untyped-def]
    """The count LP without the cuts."""
    return solve_class(build_model(items, cfg, families=fams, measures="none", integer=False), cfg, 30).bound


def test_a_rep_above_its_potential_band_today_must_give_a_whole_unit_away() -> None:
    """
        R1: a1 (potential 1,000), a2 a3 a4 (100 each)   = 1,300
        R2: b1 b2 b3 b4 (175 each)                      =   700
    Fair potential 1,000 each, band [900, 1,100]; every account Tier 3 and the tier bands wide,
    so the count LP (tiers and moves only) moves nothing: bound 0. Every whole plan must take
    at least one account from R1 (R1 keeps 1,300 otherwise: a penalty of 200), so the cuts
    charge 200 - 200 x (accounts R1 loses): the LP moves one account, bound 1. The optimum
    moves two (a2 and a3 to R2: 1,100 and 900; a1 alone leaves R1 at 300).
    """
    rows = [
        {"account_id": "a1", "name": "A1", "tier": 3, "owner_id": "R1", "potential": 1000, "region": "West"}
    ]
    rows += [
        {
            "account_id": f"a{i}",
            "name": f"A{i}",
            "tier": 3,
            "owner_id": "R1",
            "potential": 100,
            "region": "West",
        }
        for i in (2, 3, 4)
    ]
    rows += [
        {
            "account_id": f"b{i}",
            "name": f"B{i}",
            "tier": 3,
            "owner_id": "R2",
            "potential": 175,
            "region": "West",
        }
        for i in (1, 2, 3, 4)
    ]
    roster = [{"rep_id": r, "name": r, "region": "West", "capacity": 1.0} for r in ("R1", "R2")]
    inp = make_input(rows, roster, "balance.tier_band=90%")
    cfg = inp.config
    fams = active_families(cfg)
    units, (pool,) = _pools(inp.accounts, inp.reps, cfg, inp.state)
    items = classes(pool)
    assert _plain(items, cfg, fams) == pytest.approx(0.0, abs=1e-9)
    assert count_bound(items, cfg, fams, 30).bound == pytest.approx(1.0)
    exact = solve_pool_exact(pool, units, cfg)[2]
    assert exact.status == "optimal" and exact.objective == pytest.approx(2.0)


def _families_instance(tmp: Path, seed: int) -> Path:
    """Families (8 % children), locks (2 %) and departed owners, skewed books: bench/gaps.py's
    family, small enough for the exact method."""
    d = tmp / f"inst-{seed}"
    write_instance(
        *generate((240 + 30 * seed, 3 + seed % 3, 1 + seed % 2), seed, children=0.08, locks=0.02), d
    )
    return d


TIGHT = {"potential": MeasureConfig(band=0.05)}
CASES = [
    {},
    {"balance": {"tier_band": 0.3}},  # tiers loose: the potential bands drive the moves
    {"balance": {"measures": TIGHT}, "continuity": {"max_moved_share": 0.08}},
    {"balance": {"measures": TIGHT, "team_band": 0.2}},
]


@pytest.mark.parametrize("seed", [1, 2, 3, 5, 7, 10, 11, 12])
def test_the_bound_with_cuts_stays_at_or_below_the_exact_optimum(tmp_path: Path, seed: int) -> None:
    c = PlanConfig()
    over = CASES[seed % len(CASES)]
    for section, values in over.items():
        c = dataclasses.replace(c, **{section: dataclasses.replace(getattr(c, section), **values)})
    d = _families_instance(tmp_path, seed)
    inp = load_input(d / "accounts.csv", d / "roster.csv", c)
    fams = active_families(c)
    units, pools = _pools(inp.accounts.copy(), inp.reps, c, inp.state)
    raised = 0
    for pool in pools:
        items = classes(pool)
        plain = _plain(items, c, fams)
        bound = count_bound(items, c, fams, 30).bound
        exact = solve_pool_exact(pool, units, c)[2]
        assert exact.status == "optimal", (seed, pool.name)
        # the exact optimum within its own proven gap (solver.gap): its dual bound
        assert bound <= exact.bound + 1e-6, (seed, over, pool.name, bound, exact.bound)
        assert bound >= plain - 1e-9
        raised += bound > plain + 1e-6
    if seed in (1, 5, 10, 11, 12):  # (measured: the cuts bind on these; without them, no raise)
        assert raised, (seed, over)


def test_the_cuts_hold_on_every_whole_plan_of_a_pool(tmp_path: Path) -> None:
    """Each cut row, evaluated at random whole plans of the per-unit model (y binary), holds
    with w at that plan's own measure penalty for the rep: the rows never cut off a plan."""
    from territory.model.state import PoolState
    from territory.model.verify import pool_state

    rng = np.random.default_rng(3)
    d = _families_instance(tmp_path, 2)  # 5 reps, one 50 % above its potential band today
    cfg = PlanConfig()
    inp = load_input(d / "accounts.csv", d / "roster.csv", cfg)
    fams = active_families(cfg)
    units, pools = _pools(inp.accounts.copy(), inp.reps, cfg, inp.state)
    pool = max(pools, key=lambda p: p.n_reps)
    items = singletons(pool)
    b = build_model(items, cfg, families=fams, measures="none", integer=False)
    first_row, first_col = b.m.n_rows, b.m.n_cols
    assert add_turnover_cuts(b, fams)[0] > 0
    row_lo, rows_i, cols_j, vals = (b.m.arrays()[k] for k in (4, 6, 7, 8))
    blk = b.m.col_blocks[-2]  # w per rep, then t per rep (the units it loses or gains)
    assert (blk.kind, b.m.col_blocks[-1].kind) == ("turnover", "turnover_units")
    w_reps = [pool.rep_ids.index(r) for r in blk.labels["rep"]]
    R = len(w_reps)
    w_cols, t_cols = first_col + np.arange(R), first_col + R + np.arange(R)
    measure = next(f for f in fams if f.name == "measure_balance")
    owner_pair = items.pair_r == np.maximum(pool.owner[items.pair_i], 0)
    sel = rows_i >= first_row

    def _lhs(x: np.ndarray) -> np.ndarray:
        w = vals[sel] * x[cols_j[sel]]
        return np.bincount(rows_i[sel] - first_row, weights=w, minlength=b.m.n_rows - first_row)

    charged = 0
    for trial in range(40):
        # whole plans near today's books: each unit stays with its owner, or (10 %) moves
        y = np.zeros(items.n_pairs)
        start = np.searchsorted(items.pair_i, np.arange(items.n_items))
        count = np.diff(np.append(start, items.n_pairs))
        pick = start + rng.integers(0, count)
        stay = np.flatnonzero(owner_pair)
        mine = np.full(items.n_items, -1)
        mine[items.pair_i[stay]] = stay
        keep = (mine >= 0) & (rng.random(items.n_items) >= 0.1 * (trial % 4))
        pick[keep] = mine[keep]
        y[pick] = 1.0
        rep_of_unit = items.pair_r[pick]
        st: PoolState = pool_state(pool, units, cfg, rep_of_unit.copy(), np.maximum(pool.rep_product, 0))
        tr = measure.tracker(st)
        pen = tr.cost(np.arange(pool.n_reps), tr.T)  # type: ignore[attr-defined]
        x = np.zeros(b.m.n_cols)
        x[b.y] = y
        lo = row_lo[first_row:]
        x[t_cols] = lo[:R] - _lhs(x)[:R]  # t as its defining rows say (t - sign sum y = base)
        x[w_cols] = pen[w_reps]  # w at the plan's own penalty: every cut holds
        assert (_lhs(x)[R:] >= lo[R:] - 1e-6).all(), trial
        x[w_cols] = 0.0
        charged += int((_lhs(x)[R:] < lo[R:] - 1e-6).any())
    assert charged  # on some of these plans the cuts charge a penalty (and the plan pays it)
