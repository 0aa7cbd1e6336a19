"""Each constraint family, on an instance small enough to check by hand, changes the answer
when it is dropped. Runs on both methods: the exact one on every available solver (HiGHS and
CBC), the scale method (classes, local search) on HiGHS."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from territory.model.build import build_model, solve_model
from territory.model.items import singletons
from territory.model.pools import build_pools
from territory.model.scale import solve_pool_scale
from territory.model.units import build_units
from territory.pipeline import PlanInput, model_input, solve_input

from helpers import make_input


def solve_pool(inp, engine, drop=frozenset()):
    """Solve the single pool of ``inp`` by ``engine`` = (solver, method) with some families
    dropped; return the owners of each unit, the discretionary moves and the report."""
    solver, method = engine
    cfg = dataclasses.replace(inp.config, solver=dataclasses.replace(inp.config.solver, name=solver))
    units = build_units(model_input(inp.accounts, inp.reps, cfg, state=inp.state), cfg)
    pools = build_pools(model_input(inp.accounts, inp.reps, cfg, state=inp.state), cfg, units)
    assert len(pools) == 1
    pool = pools[0]
    items = singletons(pool)
    if method == "exact":
        b = build_model(items, cfg, drop=frozenset(drop))
        sol = solve_model(b, cfg.solver)
        report = sol.report
        x = sol.x[b.y] > 0.5
        pairs = [(items.pair_i[k], items.pair_r[k]) for k in np.flatnonzero(x)]
    else:
        rep_of_unit, _chosen, report = solve_pool_scale(pool, units, cfg, drop=frozenset(drop))
        pairs = [(u, r) for u, r in enumerate(rep_of_unit.tolist()) if r >= 0]
    # (the scale method's bound ignores the measure bands, so on tiny instances it proves
    # less than the plan it finds: its plans are compared, not its status)
    assert report.status == ("optimal" if method == "exact" else report.status), (engine, report)
    owners: dict[str, list[str]] = {u: [] for u in pool.unit_ids}
    moved = 0.0
    cost = {(int(i), int(r)): c for i, r, c in zip(items.pair_i, items.pair_r, items.pair_cost)}
    for u, r in pairs:
        owners[pool.unit_ids[u]].append(pool.rep_ids[r])
        moved += cost[(int(u), int(r))]
    return owners, int(round(moved)), report


def plan_with(inp, engine):
    """The whole pipeline with ``engine``'s solver and method."""
    solver, method = engine
    cfg = inp.config
    cfg = dataclasses.replace(cfg, solver=dataclasses.replace(cfg.solver, name=solver, method=method))
    return solve_input(
        PlanInput(inp.accounts, inp.reps, cfg, inp.inputs, inp.warnings, state=inp.state, roster=inp.roster)
    )


def acc(aid, tier, owner, potential=0, region="West", **kw):
    return {
        "account_id": aid,
        "name": f"Acc {aid}",
        "tier": tier,
        "owner_id": owner,
        "potential": potential,
        "region": region,
        **kw,
    }


def rep(rid, region="West", capacity=1.0, **kw):
    return {"rep_id": rid, "name": f"Rep {rid}", "region": region, "capacity": capacity, **kw}


TWO_REPS = [rep("R1"), rep("R2")]


def test_assign_once(engine):
    """
    a1 (T3) owned by R9, who left; R1 and R2 stay. Bands are wide (+-100 %).
    With assign_once: a1 gets exactly one owner. Without: leaving it unowned is cheapest.
    """
    inp = make_input(
        [acc("a1", 3, "R9"), acc("a2", 3, "R1"), acc("a3", 3, "R2")],
        TWO_REPS,
        "balance.tier_band=100%",
        "balance.tier_band_min_accounts=3",
    )
    owners, _, _ = solve_pool(inp, engine)
    assert len(owners["a1"]) == 1
    owners, _, _ = solve_pool(inp, engine, drop={"assign_once"})
    assert len(owners["a1"]) != 1


def test_tier_balance(engine):
    """
        R1: a1 a2 a3 a4 (all Tier 1)     R2: a5 a6 (Tier 3)
    Fair Tier 1 share is 2 each, band [1, 3] (+-1 account): one Tier 1 account must move.
    Without tier balance nothing moves (moves cost, potential is 0).
    """
    rows = [acc(f"a{i}", 1, "R1") for i in range(1, 5)] + [acc("a5", 3, "R2"), acc("a6", 3, "R2")]
    inp = make_input(rows, TWO_REPS)
    owners, moved, _ = solve_pool(inp, engine)
    assert moved == 1
    assert sum(owners[f"a{i}"] == ["R2"] for i in range(1, 5)) == 1
    _, moved, _ = solve_pool(inp, engine, drop={"tier_balance"})
    assert moved == 0


def test_potential_balance(engine):
    """
        R1: a1 (100) a2 (100)     R2: a3 (1) a4 (1)      all Tier 3
    Fair potential 101 each, band +-10 % = [90.9, 111.1]. Moving a2 to R2 gives 100 / 102:
    one move. Without the potential rows nothing moves.
    """
    rows = [acc("a1", 3, "R1", 100), acc("a2", 3, "R1", 100), acc("a3", 3, "R2", 1), acc("a4", 3, "R2", 1)]
    inp = make_input(rows, TWO_REPS)
    owners, moved, _ = solve_pool(inp, engine)
    assert moved == 1
    assert sorted(o[0] for o in owners.values()) == ["R1", "R2", "R2", "R2"]
    _, moved, _ = solve_pool(inp, engine, drop={"measure_balance[potential]"})
    assert moved == 0


def test_account_balance(engine):
    """
        R1: a1..a6 (Tier 3)      R2: nothing
    Tier bands are switched off (+-100 %, +-6 accounts); the account band +-10 % (at least
    +-1) around 3 is [2, 4], so two accounts move. Without it, none.
    """
    rows = [acc(f"a{i}", 3, "R1") for i in range(1, 7)]
    inp = make_input(
        rows,
        TWO_REPS,
        "balance.tier_band=100%",
        "balance.tier_band_min_accounts=6",
        "balance.account_band=0.1",
    )
    _, moved, _ = solve_pool(inp, engine)
    assert moved == 2
    _, moved, _ = solve_pool(inp, engine, drop={"account_balance"})
    assert moved == 0


def test_max_accounts(engine):
    """
        R1: a1..a6 (Tier 3)      R2 (new, max_accounts 1): nothing
    Tier balance wants 3 each, band [2, 4]: two moves. R2's cap of 1 allows only one.
    """
    rows = [acc(f"a{i}", 3, "R1") for i in range(1, 7)]
    inp = make_input(rows, [rep("R1"), rep("R2", max_accounts=1)])
    owners, moved, _ = solve_pool(inp, engine)
    assert moved == 1 and sum(o == ["R2"] for o in owners.values()) == 1
    _, moved, _ = solve_pool(inp, engine, drop={"max_accounts"})
    assert moved == 2


def test_move_limit(engine):
    """
        R1: a1..a6 (Tier 1)      R2: nothing
    Tier balance wants two moves; continuity.max_moved_share = 1/6 allows one.
    """
    rows = [acc(f"a{i}", 1, "R1") for i in range(1, 7)]
    inp = make_input(rows, TWO_REPS, "continuity.max_moved_share=0.17")
    _, moved, _ = solve_pool(inp, engine)
    assert moved == 1
    _, moved, _ = solve_pool(inp, engine, drop={"move_limit"})
    assert moved == 2


def test_move_cost_keeps_owners(engine):
    """Balanced books stay exactly as they are: no move is free."""
    rows = [acc("a1", 1, "R1"), acc("a2", 1, "R2"), acc("a3", 3, "R1"), acc("a4", 3, "R2")]
    inp = make_input(rows, TWO_REPS)
    owners, moved, report = solve_pool(inp, engine)
    assert moved == 0 and report.objective == pytest.approx(0)
    assert owners == {"a1": ["R1"], "a2": ["R2"], "a3": ["R1"], "a4": ["R2"]}


def test_move_cost(engine):
    """The tier instance needs one move, which the plan pays for at ``move_cost``; without
    the family moves are free: the plan costs nothing, however many accounts it moves."""
    rows = [acc(f"a{i}", 1, "R1") for i in range(1, 5)] + [acc("a5", 3, "R2"), acc("a6", 3, "R2")]
    inp = make_input(rows, TWO_REPS, "continuity.move_cost=7")
    _, moved, report = solve_pool(inp, engine)
    assert moved == 1 and report.objective == pytest.approx(7)
    _, _, report = solve_pool(inp, engine, drop={"move_cost"})
    assert report.objective == pytest.approx(0)


def test_families_move_whole(engine):
    """
        R1: p (T1) + child c (T1), a3 (T1), a4 (T1)      R2: nothing
    Fair Tier 1 is 2 each, band [1, 3]: one move would do for single accounts, but
    whichever moves, the family p+c stays together.
    """
    rows = [acc("p", 1, "R1"), acc("c", 1, "R1", parent_id="p"), acc("a3", 1, "R1"), acc("a4", 1, "R1")]
    inp = make_input(rows, TWO_REPS)
    plan = plan_with(inp, engine)
    owners = plan.assignment()
    assert owners["p"] == owners["c"]
    reasons = dict(zip(plan.accounts["account_id"], plan.accounts["reason"]))
    assert reasons["c"].startswith("follows parent p")


def test_locked_accounts_stay(engine):
    """
        R1: a1..a4 (Tier 1, a1..a3 locked)      R2: nothing
    Balance wants two moves; only a4 may move, and the rest is reported as outside the band.
    """
    rows = [acc(f"a{i}", 1, "R1", locked="true" if i < 4 else "false") for i in range(1, 5)]
    rows += [acc("b1", 1, "R1", locked="true"), acc("b2", 1, "R1", locked="true")]
    inp = make_input(rows, TWO_REPS)
    plan = plan_with(inp, engine)
    owners = plan.assignment()
    assert all(owners[a] == "R1" for a in ("a1", "a2", "a3", "b1", "b2"))
    assert owners["a4"] == "R2"
    assert any("outside the band" in w.message for w in plan.warnings)


def test_eligibility_by_region(engine):
    """Accounts only go to reps who cover their region; regions are solved as separate pools."""
    rows = [
        acc("w1", 1, "R1", region="West"),
        acc("w2", 1, "R1", region="West"),
        acc("e1", 1, "R2", region="East"),
        acc("e2", 1, "R2", region="East"),
    ]
    reps = [rep("R1", region="West"), rep("R2", region="East"), rep("R3", region="East")]
    inp = make_input(rows, reps)
    plan = plan_with(inp, engine)
    owners = plan.assignment()
    assert {owners["w1"], owners["w2"]} == {"R1"}
    assert {owners["e1"], owners["e2"]} <= {"R2", "R3"}
    assert len(plan.pools) == 2


def test_multi_region_rep_merges_pools(engine):
    """A rep covering 'West;East' links both regions into one pool."""
    rows = [acc("w1", 1, "R1", region="West"), acc("e1", 1, "R2", region="East")]
    reps = [rep("R1", region="West"), rep("R2", region="East"), rep("R3", region="West;East")]
    inp = make_input(rows, reps)
    plan = plan_with(inp, engine)
    assert len(plan.pools) == 1


def test_ramping_rep_gets_proportional_share(engine):
    """Capacity 0.5 gets half the fair share of a full rep: 12 Tier 3 split 8 / 4 (band +-1)."""
    rows = [acc(f"a{i}", 3, "R1") for i in range(12)]
    reps = [rep("R1"), rep("R2", capacity=0.5)]
    inp = make_input(rows, reps)
    plan = plan_with(inp, engine)
    arr = plan.extras["arrays"]
    assert arr["fair_tier"][1, 2] == pytest.approx(4.0)
    counts = plan.accounts["owner_id"].value_counts().to_dict()
    assert counts["R2"] in (3, 4, 5)


def test_potential_move_limit(engine):
    """
        R1: a1 (100) a2 (100) a3 (100) a4 (100)     R2: b1 (1)      all Tier 3
    Balance wants two of R1's accounts to move (fair potential 200.5 each). With at most
    30 % of potential allowed to move (120 of 401), only one may move.
    """
    rows = [acc(f"a{i}", 3, "R1", 100) for i in range(1, 5)] + [acc("b1", 3, "R2", 1)]
    inp = make_input(
        rows,
        TWO_REPS,
        "balance.tier_band=100%",
        "balance.tier_band_min_accounts=5",
        "continuity.max_potential_moved_share=0.3",
    )
    _, moved, _ = solve_pool(inp, engine)
    assert moved == 1
    _, moved, _ = solve_pool(inp, engine, drop={"potential_move_limit"})
    assert moved == 2


def test_moves_per_rep(engine):
    """
        R1: a1..a4 (Tier 1)     R2: b1..b4 (Tier 1)     R3, R4: new (no accounts)
    With a zero-width band every rep must hold exactly 2: R1 and R2 each lose two (4 moves).
    With continuity.max_moves_per_rep = 1 each loses one and each new rep gains one; the
    band gives way instead (at a penalty).
    """
    rows = [acc(f"a{i}", 1, "R1") for i in range(1, 5)] + [acc(f"b{i}", 1, "R2") for i in range(1, 5)]
    reps = [rep("R1"), rep("R2"), rep("R3"), rep("R4")]
    inp = make_input(
        rows,
        reps,
        "balance.tier_band=0.0",
        "balance.tier_band_min_accounts=0",
        "continuity.max_moves_per_rep=1",
    )
    owners, moved, _ = solve_pool(inp, engine)
    lost_r1 = sum(1 for i in range(1, 5) if owners[f"a{i}"] != ["R1"])
    lost_r2 = sum(1 for i in range(1, 5) if owners[f"b{i}"] != ["R2"])
    assert (moved, lost_r1, lost_r2) == (2, 1, 1)
    _, moved, _ = solve_pool(inp, engine, drop={"moves_per_rep"})
    assert moved == 4


def test_locks_file_pins_accounts_to_named_rep(engine, tmp_path):
    """
        R1: a1..a4 (Tier 1)     R2: nothing      locks.csv: a1 -> R2, a2 -> R1
    a1 moves to R2 because the locks file says so; a2 stays; balance then needs no more moves.
    """
    from territory.config import load_config
    from territory.pipeline import load_input, solve_input

    (tmp_path / "a.csv").write_text(
        "account_id,tier,region,owner_id\na1,1,West,R1\na2,1,West,R1\na3,1,West,R1\na4,1,West,R1\n"
    )
    (tmp_path / "r.csv").write_text("rep_id,region\nR1,West\nR2,West\n")
    (tmp_path / "locks.csv").write_text("account_id,rep_id\na1,R2\na2,R1\n")
    cfg = load_config(None, [f"solver.name={engine[0]}", f"solver.method={engine[1]}"])
    plan = solve_input(
        load_input(tmp_path / "a.csv", tmp_path / "r.csv", cfg, locks_path=tmp_path / "locks.csv")
    )
    owners = plan.assignment()
    assert owners["a1"] == "R2" and owners["a2"] == "R1"
    assert plan.moved == 1
    reasons = dict(zip(plan.accounts["account_id"], plan.accounts["reason"]))
    assert reasons["a1"] == "locked to R2" and reasons["a2"] == "locked to R1"


def test_locks_file_problems_listed(tmp_path):
    from territory.config import load_config
    from territory.errors import InputError
    from territory.pipeline import load_input

    (tmp_path / "a.csv").write_text("account_id,tier,region,owner_id\na1,1,West,R1\n")
    (tmp_path / "r.csv").write_text("rep_id,region\nR1,West\n")
    (tmp_path / "locks.csv").write_text("account_id,rep_id\nzz,R1\na1,R7\n")
    with pytest.raises(InputError) as e:
        load_input(tmp_path / "a.csv", tmp_path / "r.csv", load_config(), locks_path=tmp_path / "locks.csv")
    text = e.value.render()
    assert "row 2, column 'account_id': account is not in the accounts file (value: 'zz')" in text
    assert "row 3, column 'rep_id': rep is not on the roster (value: 'R7')" in text


def test_segments_restrict_owners(engine):
    """
        Accounts: big1, big2 (5,000 employees), small1..small4 (50 employees), all Tier 3, owner R1
        Reps: R1 (segment smb), R2 (segment enterprise), R3 (no segment: any)
    [segments.enterprise] employees >= 1000; [segments.smb] employees < 1000.
    The big accounts may only go to R2 or R3, never to R1 (the smb rep).
    """
    rows = [acc("big1", 3, "R1", employees=5000), acc("big2", 3, "R1", employees=5000)]
    rows += [acc(f"small{i}", 3, "R1", employees=50) for i in range(1, 5)]
    reps = [rep("R1", segment="smb"), rep("R2", segment="enterprise"), rep("R3")]
    inp = make_input(rows, reps)
    import dataclasses

    from territory.config import SegmentRule
    from territory.pipeline import prepare_input

    cfg = dataclasses.replace(
        inp.config,
        segments={
            "enterprise": SegmentRule("employees", 1000, None),
            "smb": SegmentRule("employees", None, 1000),
        },
    )
    inp2 = prepare_input(
        inp.accounts.drop(columns=["family_id"]), inp.reps, cfg, state=inp.state, roster=inp.roster
    )
    plan = solve_input(inp2)
    owners = plan.assignment()
    assert owners["big1"] != "R1" and owners["big2"] != "R1"
    assert all(owners[f"small{i}"] in ("R1", "R3") for i in range(1, 5))
    reasons = dict(zip(plan.accounts["account_id"], plan.accounts["reason"]))
    assert reasons["big1"].startswith("current owner R1 does not cover")


def test_workload_balance(engine):
    """
        R1: a1 a2 (Tier 1)  b1 b2 (Tier 3)     R2: c1 c2 (Tier 2)  d1 d2 (Tier 3)
    Tier bands are off (+-100 %, +-4 accounts). Workload (3/2/1 per tier): R1 3+3+1+1 = 8,
    R2 2+2+1+1 = 6, fair 7 each; a +-5 % band [6.65, 7.35] is met by moving one of R1's
    Tier 3 accounts to R2 (7 / 7). Without the workload rows nothing moves.
    """
    rows = [
        acc("a1", 1, "R1"),
        acc("a2", 1, "R1"),
        acc("b1", 3, "R1"),
        acc("b2", 3, "R1"),
        acc("c1", 2, "R2"),
        acc("c2", 2, "R2"),
        acc("d1", 3, "R2"),
        acc("d2", 3, "R2"),
    ]
    inp = make_input(
        rows,
        TWO_REPS,
        "balance.tier_band=100%",
        "balance.tier_band_min_accounts=4",
        "balance.workload_band=0.05",
    )
    owners, moved, _ = solve_pool(inp, engine)
    assert moved == 1
    assert sorted(owners["b1"] + owners["b2"]) == ["R1", "R2"]
    _, moved, _ = solve_pool(inp, engine, drop={"workload_balance"})
    assert moved == 0


def test_second_measure_balance(engine):
    """
        R1: a1 (arr 100) a2 (arr 100)     R2: a3 (arr 1) a4 (arr 1)      all Tier 3, potential 0
    balance.measures.arr with a +-10 % band: fair ARR 101 each, so a2 moves to R2 (one move).
    Without the arr rows nothing moves (potential, the other measure, is 0 everywhere).
    """
    rows = [acc(f"a{i}", 3, "R1" if i <= 2 else "R2", arr=100 if i <= 2 else 1) for i in range(1, 5)]
    inp = make_input(rows, TWO_REPS, "balance.measures.arr.band=0.1")
    owners, moved, _ = solve_pool(inp, engine)
    assert moved == 1
    assert sorted(o[0] for o in owners.values()) == ["R1", "R2", "R2", "R2"]
    _, moved, _ = solve_pool(inp, engine, drop={"measure_balance[arr]"})
    assert moved == 0


TEAMS = [rep("R1", manager="M1"), rep("R2", manager="M1"), rep("R3", manager="M2"), rep("R4", manager="M2")]


def test_team_balance_tiers(engine):
    """
        team M1: R1 a1 a2 a3   R2 b1 b2 b3        team M2: R3 c1   R4 d1      (all Tier 1)
    Fair share 2 Tier 1 accounts per rep, band 1-3: every rep is inside its own band. Team
    fair share 4 (half the capacity), team band +-10 % or +-1 account: 3-5, so team M1 with 6
    is outside and one Tier 1 account moves from M1 to M2 (one move). Without the team rows
    nothing moves.
    """
    rows = [acc(f"a{i}", 1, "R1") for i in (1, 2, 3)] + [acc(f"b{i}", 1, "R2") for i in (1, 2, 3)]
    rows += [acc("c1", 1, "R3"), acc("d1", 1, "R4")]
    inp = make_input(rows, TEAMS, "balance.tier_band=0.5", "balance.team_band=0.1")
    owners, moved, _ = solve_pool(inp, engine)
    assert moved == 1
    team = {"R1": "M1", "R2": "M1", "R3": "M2", "R4": "M2"}
    assert sum(team[o[0]] == "M1" for o in owners.values()) == 5
    _, moved, _ = solve_pool(inp, engine, drop={"team_balance"})
    assert moved == 0


def test_team_balance_measures(engine):
    """
        team M1: R1 x1 (arr 60) x2 (arr 50)   R2 v1 (60) v2 (50)     rep ARR 110, 110
        team M2: R3 y1 (arr 50) y2 (arr 40)   R4 w1 (50) w2 (40)     rep ARR 90, 90
    Fair ARR 100 per rep, rep band +-15 % (85-115): every rep is inside. Team fair 200, team
    band +-5 % (190-210): M1 has 220. No single account of 10-30 exists, so two accounts swap
    teams (a 60 or 50 for a 40: two moves, M1 200 or 210). Without the team rows nothing moves.
    """
    rows = [
        acc("x1", 3, "R1", arr=60),
        acc("x2", 3, "R1", arr=50),
        acc("v1", 3, "R2", arr=60),
        acc("v2", 3, "R2", arr=50),
        acc("y1", 3, "R3", arr=50),
        acc("y2", 3, "R3", arr=40),
        acc("w1", 3, "R4", arr=50),
        acc("w2", 3, "R4", arr=40),
    ]
    inp = make_input(rows, TEAMS, "balance.measures.arr.band=0.15", "balance.team_band=0.05")
    owners, moved, _ = solve_pool(inp, engine)
    assert moved == 2
    team = {"R1": "M1", "R2": "M1", "R3": "M2", "R4": "M2"}
    arr = {r["account_id"]: r["arr"] for r in rows}
    assert 190 <= sum(arr[u] for u, o in owners.items() if team[o[0]] == "M1") <= 210
    _, moved, _ = solve_pool(inp, engine, drop={"team_balance"})
    assert moved == 0


PRODUCT_TEAMS = [
    rep("R1", manager="M1", product="core"),
    rep("R2", manager="M1", product="ins"),
    rep("R3", manager="M2", product="core"),
    rep("R4", manager="M2", product="auto"),
]


def test_team_balance_per_product(engine):
    """
        core (all Tier 1):  M1's R1 owns a1..a5     M2's R3 owns c1
        ins  (all Tier 1):  M1's R2 owns b1         M2's R4 (auto, takes ins) owns d1..d5
    Each product: 6 accounts over 2 reps, fair 3 per rep, rep band +-70 % (1-5): every rep
    is inside. Over both products each team holds 6 of 12 (its fair share), so a team band
    over the pool's rows sees nothing. Per product the team fair share is 3 with band 2-4:
    M1 has 5 core and 1 ins, so one core account moves from R1 to R3 and one ins account
    from R4 to R2 (two moves). Without the team rows nothing moves.
    """
    rows = [acc(f"a{i}", 1, "R1", tier_core=1, tier_ins="") for i in range(1, 6)]
    rows += [acc("c1", 1, "R3", tier_core=1, tier_ins="")]
    rows += [acc("b1", 1, "R2", tier_core="", tier_ins=1)]
    rows += [acc(f"d{i}", 1, "R4", tier_core="", tier_ins=1) for i in range(1, 6)]
    for r in rows:
        del r["tier"]
    inp = make_input(rows, PRODUCT_TEAMS, "balance.tier_band=0.7", "balance.team_band=0.1")
    owners, moved, _ = solve_pool(inp, engine)
    assert moved == 2
    assert sorted(o[0] for u, o in owners.items() if u.endswith("::core")) == ["R1"] * 4 + ["R3"] * 2
    assert sorted(o[0] for u, o in owners.items() if u.endswith("::ins")) == ["R2"] * 2 + ["R4"] * 4
    _, moved, _ = solve_pool(inp, engine, drop={"team_balance"})
    assert moved == 0
