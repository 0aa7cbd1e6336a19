"""Product ICPs: each rep carries one product (given or chosen), one owner per product."""

from __future__ import annotations

import collections

from territory.pipeline import solve_input

from helpers import make_input


def rows_two_products():
    """
    8 accounts; tier_core / tier_insights. a7, a8 are bad fit (3) for insights, so they stay
    out of insights' books (products.min_tier = 2). Current owner R1 carries core.
    """
    out = []
    for i in range(1, 9):
        out.append({"account_id": f"a{i}", "region": "West", "potential": 10 * i, "owner_id": "R1",
                    "tier_core": 1 if i <= 2 else 2, "tier_insights": 3 if i >= 7 else 2})
    return out


def test_given_products(solver):
    reps = [{"rep_id": "R1", "region": "West", "product": "core"},
            {"rep_id": "R2", "region": "West", "product": "core"},
            {"rep_id": "R3", "region": "West", "product": "insights"}]
    inp = make_input(rows_two_products(), reps, solver=solver)
    plan = solve_input(inp)
    a = plan.accounts
    assert set(a["product"]) == {"core", "insights"}
    core = a[a["product"] == "core"]
    ins = a[a["product"] == "insights"]
    assert len(core) == 8 and len(ins) == 6  # a7, a8 left out of insights
    assert set(core["owner_id"]) <= {"R1", "R2"} and set(ins["owner_id"]) == {"R3"}
    # one owner per account and product
    assert not a.duplicated(["account_id", "product"]).any()
    # core split fairly between the two core reps; insights rows are new for R3, not moves
    counts = core["owner_id"].value_counts().to_dict()
    assert abs(counts["R1"] - counts["R2"]) <= 2
    assert ins["previous_owner_id"].eq("").all() and not ins["moved"].any()


def test_auto_products_chosen_by_demand(solver):
    """
    Four reps with product = auto. core demand (8 accounts, tiers 1-2) is larger than
    insights demand (6 accounts, tier 2), weights 3/2/1: core 2*3 + 6*2 = 18, insights 12,
    so 4 reps split 2.4 / 1.6 -> 2 core, 2 insights. Each rep ends with rows of one product.
    """
    reps = [{"rep_id": f"R{i}", "region": "West", "product": "auto"} for i in range(1, 5)]
    inp = make_input(rows_two_products(), reps, solver=solver)
    plan = solve_input(inp)
    a = plan.accounts
    per_rep = a.groupby("owner_id")["product"].nunique()
    assert (per_rep == 1).all()
    carried = collections.Counter(a.groupby("owner_id")["product"].first())
    assert carried == {"core": 2, "insights": 2}
    arr = plan.extras["arrays"]
    assert sorted(arr["rep_product"].tolist()) == ["core", "core", "insights", "insights"]


def test_product_choice_is_needed(solver):
    """Without the product-choice rows an auto rep would take rows of both products."""
    import numpy as np

    from territory.model.build import build_model
    from territory.model.problem import build_pools
    from territory.solve import solve_problem

    reps = [{"rep_id": f"R{i}", "region": "West", "product": "auto"} for i in range(1, 3)]
    inp = make_input(rows_two_products(), reps, solver=solver)
    pool = build_pools(inp.accounts, inp.reps, inp.config)[0]

    def products_per_rep(drop):
        m = build_model(pool, inp.config, drop=frozenset(drop))
        assert solve_problem(m.prob, inp.config.solver).status == "optimal"
        x = np.array([v.varValue or 0 for v in m.x]) > 0.5
        return [len(set(pool.unit_product[pool.pair_u[x & (pool.pair_r == r)]].tolist())) for r in range(2)]

    assert products_per_rep(set()) == [1, 1]
    assert max(products_per_rep({"product_choice"})) == 2


def test_given_products_with_the_scale_method(solver):
    """The aggregated method keeps one owner per account and product, and reps to their product
    (families free, so rows are keyed by account and product)."""
    reps = [{"rep_id": "R1", "region": "West", "product": "core"},
            {"rep_id": "R2", "region": "West", "product": "core"},
            {"rep_id": "R3", "region": "West", "product": "insights"}]
    inp = make_input(rows_two_products(), reps, "solver.method=aggregate", "families.mode=free",
                     solver=solver)
    plan = solve_input(inp)
    a = plan.accounts
    assert not a.duplicated(["account_id", "product"]).any()
    assert len(a) == 14
    assert set(a.loc[a["product"] == "core", "owner_id"]) <= {"R1", "R2"}
    assert set(a.loc[a["product"] == "insights", "owner_id"]) == {"R3"}


def test_auto_products_too_large_for_exact_say_so(monkeypatch):
    import pytest

    import territory.model.aggregate as agg
    from territory.errors import ConfigError

    monkeypatch.setattr(agg, "AUTO_PRODUCT_MAX_PAIRS", 5)
    reps = [{"rep_id": f"R{i}", "region": "West", "product": "auto"} for i in range(1, 5)]
    with pytest.raises(ConfigError, match="give each rep its product in the roster"):
        solve_input(make_input(rows_two_products(), reps))
