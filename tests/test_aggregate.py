"""The aggregated method: valid bound, near-exact objective, hard rules held."""

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
from territory.pipeline import load_input, solve_input  # noqa: E402


def _cfg(method: str, solver: str = "highs") -> PlanConfig:
    c = PlanConfig()
    return dataclasses.replace(c, solver=dataclasses.replace(c.solver, method=method, name=solver,
                                                             time_limit=30.0))


def _plan(tmp: Path, size: tuple[int, int, int], seed: int, method: str, solver: str = "highs"):
    d = tmp / f"{size}-{seed}"
    if not (d / "accounts.csv").exists():
        write_instance(*generate(size, seed), d)
    inp = load_input(d / "accounts.csv", d / "roster.csv", _cfg(method, solver))
    return inp, solve_input(inp)


def _total(plan, attr: str) -> float:
    return float(sum(getattr(p.report, attr) for p in plan.pools))


@pytest.mark.parametrize("seed", range(1, 9))
def test_bound_is_valid_and_objective_close(tmp_path: Path, seed: int) -> None:
    size = (300 + 40 * seed, 4 + seed % 3, 1 + seed % 2)
    _, exact = _plan(tmp_path, size, seed, "exact")
    _, agg = _plan(tmp_path, size, seed, "aggregate")
    assert all(p.report.status == "optimal" for p in exact.pools)
    opt = _total(exact, "objective")
    bound = _total(agg, "bound")
    assert bound <= opt + 1e-6, (bound, opt)  # valid for the full (unaggregated) model
    assert _total(agg, "objective") <= opt * 1.10 + 3.0


def test_hard_rules_hold(tmp_path: Path) -> None:
    inp, plan = _plan(tmp_path, (2_000, 12, 3), 5, "aggregate")
    a = plan.accounts
    assert a["account_id"].is_unique and len(a) == len(inp.accounts)
    assert a["owner_id"].isin(plan.reps["rep_id"]).all()
    # families never split
    assert (a.groupby("family_id")["owner_id"].nunique() == 1).all()
    # locks held (locked accounts whose owner is on the roster stay)
    on_roster = a["previous_owner_id"].isin(plan.reps["rep_id"])
    locked = a["locked"].astype(bool) & on_roster
    assert (a.loc[locked, "owner_id"] == a.loc[locked, "previous_owner_id"]).all()
    # eligibility: the new owner covers the account's (family's) region
    region_of = dict(zip(plan.reps["rep_id"], plan.reps["region"].astype(str).str.casefold()))
    fam_region = a.set_index("account_id")["region"].astype(str).str.casefold()
    unit_region = a["family_id"].map(fam_region)
    assert (a["owner_id"].map(region_of) == unit_region).all()


def test_deterministic_across_workers(tmp_path: Path) -> None:
    from territory.model.aggregate import solve_aggregate

    inp, _ = _plan(tmp_path, (3_000, 15, 4), 2, "aggregate")
    acc = inp.accounts.assign(region=inp.accounts["_unit_region"])
    reps = inp.reps.reset_index(drop=True)
    one = solve_aggregate(acc, reps, inp.config, workers=1)
    two = solve_aggregate(acc, reps, inp.config, workers=2)
    assert np.array_equal(one.owner, two.owner)


def test_auto_dispatch(tmp_path: Path) -> None:
    _, small = _plan(tmp_path, (500, 5, 1), 3, "auto")
    assert small.extras["method"] == "exact"
    from territory.model.aggregate import build_units

    inp, _ = _plan(tmp_path, (500, 5, 1), 3, "exact")
    u = build_units(inp.accounts, inp.reps.reset_index(drop=True), inp.config)
    assert u.n_units <= 500 and u.n_pairs <= 500 * 5


def test_segments_caps_and_locks_at_scale(tmp_path: Path) -> None:
    """Segment eligibility from the roster, max_accounts and locks hold with the aggregate method."""
    acc, roster = generate((4_000, 16, 2), 11)
    acc = acc.copy()
    roster = roster.copy()
    acc["segment"] = np.where(acc["employees"].to_numpy() >= 500, "ent", "smb")
    roster["segment"] = np.where(np.arange(len(roster)) % 2 == 0, "smb", "ent")
    capped = roster["rep_id"].iloc[1]
    roster["max_accounts"] = roster["max_accounts"].astype(object)
    roster.loc[roster.index[1], "max_accounts"] = 120
    d = tmp_path / "seg"
    write_instance(acc, roster, d)
    inp = load_input(d / "accounts.csv", d / "roster.csv", _cfg("aggregate"))
    plan = solve_input(inp)
    a = plan.accounts
    seg_of = dict(zip(plan.reps["rep_id"], plan.reps["segment"].astype(str)))
    # accounts on their own (families whose members span segments may go to either, and
    # locked accounts stay put) go to a rep of their segment
    single = (a["family_id"] == a["account_id"]) & ~a["locked"].astype(bool)
    single &= ~a["account_id"].isin(a.loc[a["family_id"] != a["account_id"], "family_id"])
    assert (a.loc[single, "owner_id"].map(seg_of) == a.loc[single, "segment"]).all()
    assert (a["owner_id"] == capped).sum() <= 120
    assert (a.groupby("family_id")["owner_id"].nunique() == 1).all()
    on_roster = a["previous_owner_id"].isin(plan.reps["rep_id"])
    locked = a["locked"].astype(bool) & on_roster
    assert (a.loc[locked, "owner_id"] == a.loc[locked, "previous_owner_id"]).all()
