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
        out.append(
            {
                "account_id": f"a{i}",
                "region": "West",
                "potential": 10 * i,
                "owner_id": "R1",
                "tier_core": 1 if i <= 2 else 2,
                "tier_insights": 3 if i >= 7 else 2,
            }
        )
    return out


def test_given_products(solver):
    reps = [
        {"rep_id": "R1", "region": "West", "product": "core"},
        {"rep_id": "R2", "region": "West", "product": "core"},
        {"rep_id": "R3", "region": "West", "product": "insights"},
    ]
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

    from territory.model.build import build_model, solve_model
    from territory.model.items import singletons
    from territory.model.pools import build_pools
    from territory.pipeline import model_input

    reps = [{"rep_id": f"R{i}", "region": "West", "product": "auto"} for i in range(1, 3)]
    inp = make_input(rows_two_products(), reps, solver=solver)
    pool = build_pools(model_input(inp.accounts, inp.reps, inp.config, state=inp.state), inp.config)[0]
    items = singletons(pool)

    def products_per_rep(drop):
        b = build_model(items, inp.config, drop=frozenset(drop))
        sol = solve_model(b, inp.config.solver)
        assert sol.report.status == "optimal"
        x = sol.x[b.y] > 0.5
        return [len(set(items.product[items.pair_i[x & (items.pair_r == r)]].tolist())) for r in range(2)]

    assert products_per_rep(set()) == [1, 1]
    assert max(products_per_rep({"product_choice"})) == 2


def test_given_products_with_the_scale_method(solver):
    """The aggregated method keeps one owner per account and product, and reps to their product
    (families free, so rows are keyed by account and product)."""
    reps = [
        {"rep_id": "R1", "region": "West", "product": "core"},
        {"rep_id": "R2", "region": "West", "product": "core"},
        {"rep_id": "R3", "region": "West", "product": "insights"},
    ]
    inp = make_input(
        rows_two_products(), reps, "solver.method=aggregate", "families.mode=free", solver=solver
    )
    plan = solve_input(inp)
    a = plan.accounts
    assert not a.duplicated(["account_id", "product"]).any()
    assert len(a) == 14
    assert set(a.loc[a["product"] == "core", "owner_id"]) <= {"R1", "R2"}
    assert set(a.loc[a["product"] == "insights", "owner_id"]) == {"R3"}


def test_auto_products_with_the_scale_method(solver):
    """The aggregated method chooses products for auto reps as the exact model does: the same
    number of reps per product, one product per rep, and the exact model's fair shares."""
    import numpy as np

    reps = [{"rep_id": f"R{i}", "region": "West", "product": "auto"} for i in range(1, 5)]
    exact = solve_input(make_input(rows_two_products(), reps, "solver.method=exact", solver=solver))
    agg = solve_input(make_input(rows_two_products(), reps, "solver.method=aggregate", solver=solver))
    a = agg.accounts
    assert agg.extras["method"] == "aggregate"
    assert (a.groupby("owner_id")["product"].nunique() == 1).all()
    assert not a.duplicated(["account_id", "product"]).any() and len(a) == 14
    carried = dict(zip(agg.reps["rep_id"], agg.extras["arrays"]["rep_product"]))
    assert collections.Counter(carried.values()) == {"core": 2, "insights": 2}
    assert (a["owner_id"].map(carried) == a["product"]).all()
    for key in ("fair_tier", "fair_potential"):  # same definition, whichever reps took which product
        e, g = exact.extras["arrays"], agg.extras["arrays"]
        by_prod_e = sorted(map(tuple, np.c_[e[key]].round(9).tolist()))
        by_prod_g = sorted(map(tuple, np.c_[g[key]].round(9).tolist()))
        assert by_prod_e == by_prod_g


def test_auto_reps_shared_per_capacity_level():
    """Auto reps of different capacities are shared per capacity level, so the capacity that
    carries each product is fixed and the fair shares of its reps add up to its accounts."""
    import numpy as np

    from territory.model.pools import product_fair_shares

    cap = np.array([1.0, 1.0, 1.0, 0.5, 1.0])
    rep_prod = np.array([-1, -1, -1, -1, 0])  # four auto reps, one rep carries product 0
    unit_prod = np.array([0, 0, 1, 1])
    unit_tiers = np.array([[10, 20, 30], [0, 10, 0], [5, 5, 5], [5, 25, 10]])
    unit_pot = np.array([100.0, 50.0, 30.0, 70.0])
    fair_t, fair_p, count, level = product_fair_shares(
        cap, rep_prod, unit_prod, unit_tiers, unit_pot, 2, (3.0, 2.0, 1.0)
    )
    assert level.tolist() == [0, 0, 0, 1, -1]  # level 0 = capacity 1.0, level 1 = 0.5
    assert count.sum(axis=0).tolist() == [3, 1]  # every auto rep of each level is placed
    # demand (3,2,1 weights): product 0: 10*3+30*2+30 = 120; product 1: 10*3+30*2+15 = 105;
    # total capacity 4.5 -> targets 2.4 / 2.1; product 0 has 1.0 of its own -> needs 1.4 / 2.1.
    # Capacity 1.0: 3 reps split 1.2 / 1.8 -> 1 / 2, leaving 0.4 / 0.1; capacity 0.5: 1 -> product 0.
    assert count.tolist() == [[1, 1], [2, 0]]
    carried = [1.0 + 1.0 + 0.5, 2.0]  # 2.5 / 2.0 (2.0 / 2.5 would miss the targets by 0.4 each)
    supply = [(np.array([10, 30, 30]), 150.0), (np.array([10, 30, 15]), 100.0)]
    # Any choice that keeps the counts per level: e.g. R0 and R3 (auto) with R4 on product 0.
    for q, reps_on_q in ((0, [0, 3, 4]), (1, [1, 2])):
        assert np.allclose(fair_t[reps_on_q, q].sum(axis=0), supply[q][0])
        assert np.allclose(fair_p[reps_on_q, q].sum(), supply[q][1])
        assert np.allclose(fair_p[:4, q], cap[:4] * supply[q][1] / carried[q])
    assert np.allclose(fair_t[4, 1], 0) and fair_p[4, 1] == 0  # a given product has no share of the other


def test_mixed_capacity_auto_reps_meet_their_bands(solver):
    """A ramping auto rep (capacity 0.5) and three full ones: the plan's books fit the bands
    (no slack), which a split by rep count alone (average capacity) could not promise."""
    rows = []
    for i in range(1, 41):
        rows.append(
            {
                "account_id": f"a{i}",
                "region": "West",
                "potential": 10 + i % 7,
                "owner_id": "",
                "tier_core": 1 + i % 3,
                "tier_insights": 1 + (i // 2) % 3,
            }
        )
    reps = [
        {"rep_id": f"R{i}", "region": "West", "product": "auto", "capacity": 0.5 if i == 1 else 1.0}
        for i in range(1, 5)
    ]
    for method in ("exact", "aggregate"):
        plan = solve_input(
            make_input(rows, reps, f"solver.method={method}", "products.min_tier=3", solver=solver)
        )
        arr = plan.extras["arrays"]
        a = plan.accounts
        for q in ("core", "insights"):
            on_q = [i for i, p in enumerate(arr["rep_product"]) if p == q]
            # fair shares of the reps carrying q add up to q's rows, tier by tier
            want = a[a["product"] == q]["tier"].value_counts().reindex([1, 2, 3], fill_value=0).to_numpy()
            assert abs(arr["fair_tier"][on_q].sum(axis=0) - want).max() < 1e-6, (method, q)
        assert plan.pools[0].report.objective < 1.0, (method, plan.pools[0].report.objective)


def test_lock_with_an_auto_rep_holds_for_the_product_it_takes(solver):
    """A locked account owned by a rep with product = auto: the rep keeps the row of the
    product it carries; the other product's row goes to a rep carrying that product (before,
    the lock pinned both rows to one rep and no plan existed)."""
    rows = rows_two_products()
    rows[0]["locked"] = "true"  # a1: owned by R1, fits core and insights
    rows[1]["locked"] = "true"
    reps = [{"rep_id": f"R{i}", "region": "West", "product": "auto"} for i in range(1, 5)]
    for method in ("exact", "aggregate"):
        plan = solve_input(make_input(rows, reps, f"solver.method={method}", solver=solver))
        a = plan.accounts.set_index(["account_id", "product"])
        carried = dict(zip(plan.reps["rep_id"], plan.extras["arrays"]["rep_product"]))
        mine = carried["R1"]
        other = "insights" if mine == "core" else "core"
        for acc in ("a1", "a2"):
            assert a.loc[(acc, mine), "owner_id"] == "R1", method
            assert bool(a.loc[(acc, mine), "locked"]) is True
            assert a.loc[(acc, other), "owner_id"] != "R1"
            assert carried[a.loc[(acc, other), "owner_id"]] == other
            assert bool(a.loc[(acc, other), "locked"]) is False
        assert "locked" in a.loc[("a1", mine), "reason"]


def test_lock_with_auto_rep_needs_its_rows(solver):
    """Without the keeps_locked rows the lock would not bind: R1 (who owns every account)
    would give a locked row of its product away when that balances the books better."""
    import numpy as np

    from territory.model.build import build_model, solve_model
    from territory.model.items import singletons
    from territory.model.pools import build_pools
    from territory.pipeline import model_input

    rows = rows_two_products()
    for r in rows:
        r["locked"] = "true" if r["account_id"] in ("a1", "a2", "a3", "a4", "a5", "a6") else "false"
    reps = [{"rep_id": f"R{i}", "region": "West", "product": "auto"} for i in range(1, 5)]
    inp = make_input(rows, reps, solver=solver)
    pool = build_pools(model_input(inp.accounts, inp.reps, inp.config, state=inp.state), inp.config)[0]
    items = singletons(pool)
    r1 = pool.rep_ids.index("R1")
    locked_units = np.flatnonzero(items.lock_auto == r1)
    assert locked_units.size == 12  # a1..a6, each in core and in insights

    def kept(drop):
        b = build_model(items, inp.config, drop=frozenset(drop))
        sol = solve_model(b, inp.config.solver)
        assert sol.report.status == "optimal"
        x = sol.x[b.y] > 0.5
        q = int(np.argmax(sol.x[b.z[r1]]))
        mine = locked_units[items.product[locked_units] == q]
        held = [bool(x[(items.pair_i == u) & (items.pair_r == r1)].any()) for u in mine.tolist()]
        return sum(held), len(mine)

    held, n = kept(set())
    assert held == n  # every locked row of R1's product stays with R1
    held, n = kept({"auto_locks"})
    assert held < n  # without the rows R1 hands locked rows on to balance potential


def _choice_lp(inp, drop):
    """The scale method's choice model (classes, count rows, z relaxed, links where they bind)
    with some families dropped, solved: (items, build, solution)."""
    from territory.model.build import build_model
    from territory.model.classlp import solve_class
    from territory.model.families import active_families
    from territory.model.items import classes
    from territory.model.pools import build_pools
    from territory.pipeline import model_input

    pool = build_pools(model_input(inp.accounts, inp.reps, inp.config, state=inp.state), inp.config)[0]
    items = classes(pool)
    fams = active_families(inp.config, frozenset(drop))
    b = build_model(items, inp.config, families=fams, measures="none", integer=False, links="owned")
    return items, b, solve_class(b, inp.config, 30)


def test_product_choice_is_needed_at_scale():
    """In the scale method the choice model carries the product-choice rows: without them a
    rep with product = auto takes no product at all (z = 0 frees it from every band)."""
    import numpy as np

    reps = [{"rep_id": f"R{i}", "region": "West", "product": "auto"} for i in range(1, 5)]
    inp = make_input(rows_two_products(), reps)
    _, _, lp = _choice_lp(inp, set())
    assert np.allclose(lp.z.sum(axis=1), 1.0)
    _, _, lp = _choice_lp(inp, {"product_choice"})
    assert not np.allclose(lp.z.sum(axis=1), 1.0)


def test_lock_with_auto_rep_needs_its_rows_at_scale():
    """In the scale method's choice model the keeps_locked rows hold R1's locked classes to
    the product R1 takes: y = n z. R1 owns (and has locked) every account, far above its tier
    bands: without the rows R1 takes a product and hands locked rows of it on."""
    import numpy as np

    rows = rows_two_products()
    for r in rows:
        r["locked"] = "true"
    reps = [{"rep_id": f"R{i}", "region": "West", "product": "auto"} for i in range(1, 5)]
    inp = make_input(rows, reps)

    def gap_to_lock(drop):
        items, b, lp = _choice_lp(inp, drop)
        r1 = items.pool.rep_ids.index("R1")
        k = np.flatnonzero((items.lock_auto[items.pair_i] == r1) & (items.pair_r == r1))
        z = lp.z[0]  # R1 is the first auto rep
        want = items.n[items.pair_i[k]] * z[items.product[items.pair_i[k]]]
        return float(np.abs(lp.y[k] - want).max())

    assert gap_to_lock(set()) < 1e-6
    assert gap_to_lock({"auto_locks"}) > 0.5
