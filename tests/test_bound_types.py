"""The scale method's bound on types (classes with the owner aggregated away): the same LP
value as the count LP over every (class, rep) pair, and never above the exact optimum."""

from __future__ import annotations

import dataclasses
import sys
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))

from generate import generate, write_instance  # noqa: E402

from territory.config import PlanConfig  # noqa: E402
from territory.model.bound import count_bound, owner_free  # noqa: E402
from territory.model.build import build_model  # noqa: E402
from territory.model.classlp import counts_add_up, solve_class  # noqa: E402
from territory.model.exact import solve_pool_exact  # noqa: E402
from territory.model.families import active_families  # noqa: E402
from territory.model.items import classes  # noqa: E402
from territory.model.pools import build_pools  # noqa: E402
from territory.model.turnover import add_turnover_cuts  # noqa: E402
from territory.model.units import build_units  # noqa: E402
from territory.pipeline import load_input, model_input  # noqa: E402

SETTINGS = [
    {},
    {"continuity": {"max_moves_per_rep": 3}},
    {"continuity": {"max_moved_share": 0.04}},
    {"balance": {"account_band": 0.05, "workload_band": 0.08}},
]


def _cfg(over: dict) -> PlanConfig:
    c = PlanConfig()
    for section, values in over.items():
        c = dataclasses.replace(c, **{section: dataclasses.replace(getattr(c, section), **values)})
    return c


def _instance(tmp: Path, seed: int) -> Path:
    """A small instance with families, locks, departed owners and mixed-owner families."""
    rng = np.random.default_rng(seed)
    acc, reps = generate((220 + 20 * seed, 4 + seed % 3, 1 + seed % 2), seed)
    child = np.flatnonzero(acc["parent_id"].notna().to_numpy())
    flip = child[rng.random(child.size) < 0.3]  # some children with another owner
    acc.loc[flip, "owner_id"] = rng.choice(reps["rep_id"].to_numpy(), flip.size)
    acc.loc[flip, "locked"] = False
    d = tmp / f"inst-{seed}"
    write_instance(acc, reps, d)
    return d


def _pools(d: Path, cfg: PlanConfig):
    inp = load_input(d / "accounts.csv", d / "roster.csv", cfg)
    mi = model_input(inp.accounts.copy(), inp.reps.reset_index(drop=True), cfg, state=inp.state)
    units = build_units(mi, cfg)
    return units, build_pools(mi, cfg, units)


@pytest.mark.parametrize("seed", range(1, 7))
def test_type_bound_equals_class_bound_and_stays_below_the_optimum(tmp_path: Path, seed: int) -> None:
    d = _instance(tmp_path, seed)
    over = SETTINGS[seed % len(SETTINGS)]
    cfg = _cfg(over)
    fams = active_families(cfg)
    units, pools = _pools(d, cfg)
    assert any((p.owner == -2).any() for p in pools) or seed > 2  # mixed owners are exercised
    for pool in pools:
        items = classes(pool)
        types, _ = owner_free(items)
        assert types.n_pairs < items.n_pairs or items.n_pairs < 40
        # the class LP with the same turnover cuts: the cuts count units kept and gained,
        # the same on classes and on types
        class_model = build_model(items, cfg, families=fams, measures="none", integer=False)
        add_turnover_cuts(class_model, fams)
        by_class = solve_class(class_model, cfg, 30)
        by_type = count_bound(items, cfg, fams, 30)
        assert by_type.bound == pytest.approx(by_class.bound, rel=1e-9, abs=1e-6), over
        # its flows split back into whole classes
        assert counts_add_up(build_model(items, cfg, families=fams, measures="none"), by_type.y)
        exact = solve_pool_exact(pool, units, cfg)[2]
        assert exact.status == "optimal"
        assert by_type.bound <= exact.objective + 1e-6, (over, by_type.bound, exact.objective)


def test_a_pool_of_mixed_owner_classes_only_gets_its_bound(tmp_path: Path) -> None:
    """Every class of the pool is a family whose accounts have different owners: the type LP
    has no gain pair, and splitting its flows back into classes indexed an empty array
    (IndexError: 'index -1 is out of bounds'). The example with --geo-units state crashed so
    (a Middle Atlantic pool of three states, each with accounts of both reps)."""
    (tmp_path / "accounts.csv").write_text(
        "account_id,name,region,tier,potential,owner_id,parent_id\n"
        "P1,a,East,1,100,R1,\nC1,b,East,2,100,R2,P1\nP2,c,East,1,100,R2,\nC2,d,East,3,100,R1,P2\n"
        "P3,e,East,2,100,R1,\nC3,f,East,2,100,R2,P3\n",
        encoding="utf-8",
    )
    (tmp_path / "roster.csv").write_text("rep_id,name,region\nR1,Ann,East\nR2,Bo,East\n", encoding="utf-8")
    cfg = PlanConfig()
    fams = active_families(cfg)
    units, pools = _pools(tmp_path, cfg)
    (pool,) = pools
    items = classes(pool)
    assert (items.owner == -2).all()
    by_type = count_bound(items, cfg, fams, 30)
    class_model = build_model(items, cfg, families=fams, measures="none", integer=False)
    add_turnover_cuts(class_model, fams)
    assert by_type.bound == pytest.approx(solve_class(class_model, cfg, 30).bound, rel=1e-9, abs=1e-6)
    assert counts_add_up(build_model(items, cfg, families=fams, measures="none"), by_type.y)
