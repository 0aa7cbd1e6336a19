"""The scale method: the class model per pool, rounded, split back to units and polished.

1. *Classes* are runs of interchangeable units (``items.classes``): same eligibility, tier
   composition, current owner, product and auto lock; ``y[c, r]`` counts the units of class c
   that rep r gets. Every family writes its rows over them as over single units.
2. *Bound*: the class model without the measure rows (``measures="none"``) as an LP over
   every eligible pair: a relaxation of the full model (dropping priced rows lowers the
   optimum; counts, moves and caps are exact at class level; a measure a cap counts enters at
   each class's smallest unit), totally unimodular without caps, so it solves fast. With
   ``continuity.max_potential_moved_share`` on pools up to ``POTENTIAL_BOUND_MAX_PAIRS``
   pairs, the class model with its measure envelopes over every pair is solved as well: a
   relaxation too, and its flows give a second plan.
3. *Plan*: the class model with measure envelopes over the pairs that can matter (today's
   owners, the count LP's flows and up to ``TIED_PER_CLASS`` pairs per class tied with them),
   then a TU rounding: the count model with every ``y`` boxed in [floor, ceil] of that LP has
   an integral vertex (caps may break that: a small MIP settles it).
4. *Disaggregation* (``disaggregate``), then *repair and local search* (``search``) through
   the families' trackers, then the plan is evaluated with the families' own objective.
5. Reps with product = auto: before step 2 their products are chosen (``choice``).

Every stage stops on work limits (simplex iterations, branch-and-bound nodes, search steps);
``solver.time_limit`` per pool is a safety net only: a stage it stops is noted and the pool's
status is then ``time_limit`` (``budget``), so the plan does not silently depend on the
machine's speed or load.

Pools run in parallel processes (``dispatch.run_pools``). When a pool has no plan that keeps the hard rules, the
class model is solved again in elastic form and the bent rows are worded as in the exact
method (``explain``).
"""

from __future__ import annotations

import dataclasses
import time

import numpy as np

from ..config import PlanConfig
from ..errors import InfeasiblePlanError
from ..solve import SolveReport
from . import polish
from .bound import count_bound
from .budget import STOPPED_STATUS, Budget
from .build import build_model
from .choice import choose_products, fix_products, lost_products
from .classlp import ClassLP, counts_add_up, counts_ok, solve_class, solve_class_mip_cuts
from .disaggregate import disaggregate
from .families import Build, Family, active_families
from .items import Items, classes
from .polish import polish_exact, unit_pairs
from .pools import Pool, primary_measure
from .repair import Objective
from .search import improve
from .state import PoolState
from .units import Units

POTENTIAL_BOUND_MAX_PAIRS = 30_000  # with a potential cap: the envelope LP over every pair
CUT_ROUNDS = 1  # rounds of tangent cuts on the measure envelopes
TIED_PER_CLASS = 3  # pairs tied with the count LP's flows kept per class
TIED = 1e-6  # reduced cost below which a pair is tied with the count LP's optimum
ENVELOPE_ITERATIONS = 100_000  # simplex iterations of the envelope LP over every pair
ROUNDING_NODES = 500  # branch-and-bound nodes of the MIPs that settle a rounding
ROUNDING_CHECKPOINTS = 30  # ... and HiGHS's checkpoints of the class MIP (``budget.Checkpoints``)
MOVE_CAPS = ("move_limit", "moves_per_rep", "potential_move_limit")  # the caps on moves
BOX_LOST = 1e-4  # the box rounding costs this much more than its LP: try the class MIP too
# Under a cap on moves, a small pool left with a gap: the class MIP over every pair with its
# envelopes' tangents added at each solution (``_class_mip_bound``), at most this many solves
# sharing this many of HiGHS's checkpoints (limits that do not depend on the machine).
CLASS_MIP_ROUNDS = 20
CLASS_MIP_CHECKPOINTS = 2_000


def solve_pool_scale(
    pool: Pool, units: Units, cfg: PlanConfig, *, drop: frozenset[str] = frozenset()
) -> tuple[np.ndarray, np.ndarray, SolveReport]:
    """One pool by the scale method: (rep per unit, product per rep, report). ``drop`` leaves
    families out (the tests that show each one matters)."""
    if not pool.n_units:
        empty = SolveReport("highs", "optimal", 0.0, 0.0, 0.0)
        return np.zeros(0, dtype=np.int64), np.maximum(pool.rep_product, 0), empty
    fams = active_families(cfg, drop)
    budget = Budget(cfg.solver.time_limit)
    items = classes(pool)
    chosen = np.maximum(pool.rep_product, 0)
    bound0: float | None = None
    cs0: ClassLP | None = None
    if (pool.rep_product < 0).any():
        items, chosen, bound0, cs0 = settle_products(items, cfg, fams, budget)
    # 1. The bound: the count-only class LP over every eligible pair.
    if cs0 is None:
        cs0 = count_bound(items, cfg, fams, budget.left())
        budget.note("the count LP (the bound)", cs0.timed_out)
    if cs0.status == "infeasible":
        raise infeasible(pool, cfg)
    # With products chosen here, the models below have them fixed: restrictions of the full
    # model, so only the choice models' value is a bound (``settle_products``).
    chosen_here = bound0 is not None
    bound: float = bound0 if bound0 is not None else cs0.bound
    plans = []
    # 2. With a cap on potential moved, balance and continuity compete for potential, which
    #    the count LP does not see (L, 5 % cap: gaps of 13-82 % against it). The envelope LP
    #    over every pair is a relaxation too, so its value is a bound, and its flows a second
    #    plan. Simplex (0.7-3.4 s against 2.7-10 s for interior point per pool at L), with an
    #    iteration cap, so whether it counts does not depend on how busy the machine is.
    if cfg.continuity.max_potential_moved_share is not None and items.n_pairs <= POTENTIAL_BOUND_MAX_PAIRS:
        bf = build_model(items, cfg, families=fams, measures="envelope", integer=False)
        full = solve_class(
            bf, cfg, budget.left(), cuts=CUT_ROUNDS, lp_solver="simplex", iteration_limit=ENVELOPE_ITERATIONS
        )
        budget.note("the envelope LP over every pair", full.timed_out)
        if full.status == "lp" and counts_add_up(bf, full.y):
            if not chosen_here:
                bound = max(bound, full.bound)
            plans.append(_finish(pool, items, items, full, cs0, cfg, fams, units, budget, chosen, bound))
    # 3. The plan model over the pairs that can matter.
    sub = items.restrict(_pairs_that_matter(items, cs0, chosen))
    bs = build_model(sub, cfg, families=fams, measures="envelope", integer=False)
    lp = solve_class(bs, cfg, budget.left(), cuts=CUT_ROUNDS)
    budget.note("the plan LP", lp.timed_out)
    plans.append(_finish(pool, items, sub, lp, cs0, cfg, fams, units, budget, chosen, bound))
    kept = [pl for pl in plans if pl[1].has_solution]
    if not kept:
        logs = [budget.log() + "; raise --time-limit"] if budget.stopped else []
        raise infeasible(pool, cfg, left=logs + [pl[1].log for pl in plans if pl[1].log])
    rep_of_unit, report = min(kept, key=lambda pl: float(pl[1].objective or 0.0))  # (first on a tie)
    if not drop:  # a small pool left with a gap: the exact MIP from this plan (``polish``)
        # With several balanced measures the MIP over a larger pool's neighbourhood is not
        # tried: at L it took 19-40 s a pool (1.5-2 s with one measure), past its 5 s cap, and
        # so was dropped after costing most of the solve (docs/benchmarks.md).
        single = sum(m.balanced for m in pool.measures) <= 1
        # At a cap on moves the local search has little left to trade (every step that moves
        # one more unit is refused), so the MIP over a neighbourhood runs on any gap.
        rep_of_unit, report = polish_exact(
            pool,
            units,
            cfg,
            fams,
            rep_of_unit,
            chosen,
            report,
            budget.left(),
            neighbourhood=single,
            min_gap=cfg.solver.gap if caps_moves(fams) else None,
            capped=caps_moves(fams),
        )
        budget.note("the exact MIP from the scale plan", report.status == STOPPED_STATUS)
    if not drop and not chosen_here and caps_moves(fams):  # still a gap: the class MIP's bound
        rep_of_unit, report = _class_mip_bound(
            pool, items, units, cfg, fams, cs0, budget, chosen, rep_of_unit, report
        )
    if budget.stopped:  # the safety net stopped a stage: the plan may depend on the machine
        report = dataclasses.replace(
            report, status=STOPPED_STATUS, log="\n".join(x for x in (report.log, budget.log()) if x)
        )
    return rep_of_unit, chosen, report


def _pairs_that_matter(items: Items, cs0: ClassLP, chosen: np.ndarray) -> np.ndarray:
    """Today's owners, the count LP's flows, and per class up to ``TIED_PER_CLASS`` pairs with
    a reduced cost of about 0, to the reps the count plan leaves poorest."""
    pool = items.pool
    base = (items.pair_r == items.owner[items.pair_i]) | (cs0.y > 1e-9)
    tied = (cs0.rc <= TIED) & ~base
    prim = primary_measure(pool.measures)
    fair = pool.shares(chosen).fair_value[:, prim]
    fair = np.where(fair > 0, fair, 1.0)
    mean = items.vtot[:, prim] / np.maximum(items.n, 1)
    est = np.bincount(items.pair_r, weights=cs0.y * mean[items.pair_i], minlength=pool.n_reps) / fair
    ti = np.flatnonzero(tied)
    ti = ti[np.lexsort((items.pair_r[ti], est[items.pair_r[ti]], items.pair_i[ti]))]
    first = np.searchsorted(items.pair_i[ti], items.pair_i[ti], side="left")
    keep = base.copy()
    keep[ti[(np.arange(ti.size) - first) < TIED_PER_CLASS]] = True
    return keep


def _finish(
    pool: Pool,
    items: Items,
    sub: Items,
    lp: ClassLP,
    cs0: ClassLP,
    cfg: PlanConfig,
    fams: list[Family],
    units: Units,
    budget: Budget,
    chosen: np.ndarray,
    bound: float,
) -> tuple[np.ndarray, SolveReport]:
    """Round the envelope LP over ``sub``'s pairs, disaggregate, repair and polish; evaluate
    the plan against the bound. (``items``: the pool's classes with every product fixed;
    ``pool``: the pool as given, whose product rules the plan is checked against.)"""
    prim = primary_measure(items.pool.measures)
    # TU rounding: the count model with every count boxed in [floor, ceil] of the LP keeps an
    # integral vertex within one unit of the LP's flows on every pair. The potential cap
    # counts each pair's units at the LP's potential per unit and may stretch at a price far
    # above any band (the repair gives units back until it holds).
    per_unit = np.divide(lp.received, lp.y, out=np.zeros_like(lp.received), where=lp.y > 1e-9)
    mean = (sub.vtot / np.maximum(sub.n, 1)[:, None])[sub.pair_i].T
    per_unit = np.where(lp.y > 1e-9, per_unit, mean)
    box = (np.floor(lp.y + 1e-7), np.ceil(lp.y - 1e-7))
    b = cfg.balance
    price = 1e3 * max([b.tier_penalty, 1.0] + [m.penalty for m in b.measures.values()])

    def rounding(integer: bool) -> Build:
        return build_model(
            sub,
            cfg,
            families=fams,
            measures="none",
            integer=integer,
            y_bounds=box,
            move_pot=per_unit[0],
            bend=frozenset({"potential_move_limit"}),
            bend_cost=price,
        )

    br = rounding(False)
    rnd = solve_class(br, cfg, budget.left())
    budget.note("the rounding LP", rnd.timed_out)
    y = np.round(rnd.y).astype(np.int64)
    boxed: ClassLP | None = None
    if np.abs(rnd.y - y).max(initial=0) > 1e-6:  # not a vertex: settle it with a MIP
        boxed = solve_class(
            rounding(True),
            cfg,
            budget.left(),
            mip=True,
            gap=max(cfg.solver.gap, 2e-3),
            node_limit=ROUNDING_NODES,
        )
        budget.note("the rounding MIP", boxed.timed_out)
        y = np.round(boxed.y).astype(np.int64)
    target = y * per_unit[prim]
    use = sub
    if not counts_ok(br, y):  # a solve stopped early: the count LP's vertex, or the count MIP
        use = items
        b0 = build_model(items, cfg, families=fams, measures="none", integer=True)
        y = np.round(cs0.y).astype(np.int64)
        if not counts_ok(b0, y):
            count = solve_class(
                b0, cfg, budget.left(), mip=True, gap=max(cfg.solver.gap, 2e-3), node_limit=ROUNDING_NODES
            )
            budget.note("the count MIP", count.timed_out)
            y = np.round(count.y).astype(np.int64)
        target = y * (items.vtot[:, prim] / np.maximum(items.n, 1))[items.pair_i]
    t1 = time.perf_counter()
    candidates = [(use, y, target)]
    if (
        caps_moves(fams)
        and boxed is not None
        and use is sub
        and boxed.value > rnd.value + BOX_LOST * max(abs(rnd.value), 1.0)
    ):
        # A cap (moves, potential moved) made the LP fractional and the box [floor, ceil]
        # around it costs more than the LP (on the families instance with a 4 % move cap, four
        # accounts outside a tier band that the class model can keep in): the class model
        # over the same pairs as a MIP, counts free, every cap held and the measures through
        # their envelopes. Both plans are finished; the better one is kept.
        free = _capped_mip(sub, cfg, fams, budget)
        if free is not None:
            candidates.append((sub, np.round(free.y).astype(np.int64), free.received[prim]))
    steps = 0
    best: tuple[np.ndarray, float | None, str] | None = None  # (plan, objective, what is broken)
    for use_c, y_c, target_c in candidates:
        rep_of_unit = disaggregate(use_c, y_c, target_c)
        if (rep_of_unit < 0).any():  # counts that do not add up: a model without assign_once
            # (the tests that drop it) leaves those units unowned, which is then its plan.
            status = "no_solution" if any(f.name == "assign_once" for f in fams) else "feasible"
            return rep_of_unit, SolveReport("highs", status, None, None, time.perf_counter() - budget.t0)
        st = PoolState(pool, units, items, cfg, rep_of_unit, chosen)
        obj = Objective(st, fams)
        steps += improve(obj)
        hard = [v for v in obj.violations() if v.hard]
        # a plan that leaves a hard rule broken is no plan (see solve_pool_scale)
        plan = (st.rep_of_unit, None if hard else obj.penalty(), "; ".join(v.message for v in hard[:3]))
        if best is None or (plan[1] is not None and (best[1] is None or plan[1] < best[1] - 1e-9)):
            best = plan
    assert best is not None
    rep_of_unit, found, broken = best
    if found is None:  # the rounding and repair left a hard rule broken
        return rep_of_unit, SolveReport(
            "highs", "no_solution", None, None, time.perf_counter() - budget.t0, broken
        )
    objective = found
    bound = min(bound, objective)
    gap = (objective - bound) / max(abs(objective), 1e-9)
    status = "optimal" if gap <= cfg.solver.gap + 1e-12 else "feasible"
    log = (
        f"aggregate: {items.n_items} classes, {items.n_pairs} pairs ({sub.n_pairs} in the plan model), "
        f"{lp.cut_rounds} cut rounds, {steps} repair and search steps in {time.perf_counter() - t1:.2f} s"
        + (f", {len(candidates)} roundings finished" if len(candidates) > 1 else "")
    )
    return rep_of_unit, SolveReport("highs", status, objective, bound, time.perf_counter() - budget.t0, log)


def caps_moves(fams: list[Family]) -> bool:
    """Whether a cap on moves is active (``MOVE_CAPS``)."""
    return any(f.name in MOVE_CAPS for f in fams)


def _capped_mip(sub: Items, cfg: PlanConfig, fams: list[Family], budget: Budget) -> ClassLP | None:
    """The class model over ``sub``'s pairs as a MIP: whole counts, measures through their
    envelopes (with the plan LP's round of tangent cuts), every cap a hard row; stopped at ``ROUNDING_NODES`` nodes and
    ``ROUNDING_CHECKPOINTS`` of HiGHS's checkpoints (limits that do not depend on the
    machine). None when it found no whole plan, or the time limit stopped it."""
    b = build_model(sub, cfg, families=fams, measures="envelope", integer=True)
    sol = solve_class(
        b,
        cfg,
        budget.left(),
        mip=True,
        gap=max(cfg.solver.gap, 2e-3),
        node_limit=ROUNDING_NODES,
        checkpoints=ROUNDING_CHECKPOINTS,
        cuts=CUT_ROUNDS,
    )
    budget.note("the class MIP over the plan's pairs", sol.timed_out)
    if sol.timed_out or sol.status not in ("mip", "stopped") or not counts_ok(b, np.round(sol.y)):
        return None
    return sol


def _class_mip_bound(
    pool: Pool,
    items: Items,
    units: Units,
    cfg: PlanConfig,
    fams: list[Family],
    cs0: ClassLP,
    budget: Budget,
    chosen: np.ndarray,
    rep_of_unit: np.ndarray,
    report: SolveReport,
) -> tuple[np.ndarray, SolveReport]:
    """Under a cap on moves, a pool whose per-unit model has at most
    ``polish.EXACT_POLISH_MAX_PAIRS`` pairs (those the whole pool's MIP ran on), still left with
    a gap: the class model over every pair as a MIP (whole counts, every cap a
    hard row, the measures through their envelopes, tangents added at each solution,
    ``solve_class_mip_cuts``). It is a relaxation of the full model, so its dual bound is a
    bound; the LP bounds lose what whole units cost under the cap (5000x20 seed 2, West: 1,409.5
    against a plan of 1,484.8; the MIP proves 1,484.0). Its solution is finished into a plan
    too, kept when it costs less. The per-unit MIP (``polish``) works on the same question with
    one column per unit and rep, whose symmetric units its branching cannot tell apart: on
    3500x14 seed 3, East, its bound stayed at the LP's for 300 checkpoints, the class MIP
    proves the plan's 13 at its root."""
    gap = report.gap
    if (
        gap is None
        or gap <= cfg.solver.gap
        or (pool.rep_product < 0).any()  # products chosen here: a restriction, not a bound
        or unit_pairs(pool) > polish.EXACT_POLISH_MAX_PAIRS
    ):
        return rep_of_unit, report
    b = build_model(items, cfg, families=fams, measures="envelope", integer=True)
    out, objective = rep_of_unit, float(report.objective or 0.0)
    old = float(report.bound if report.bound is not None else -np.inf)

    def finish(sol: ClassLP) -> bool:
        """Finish the round's counts into a plan when they promise a better one; whether the
        bound now proves the best plan within ``solver.gap``."""
        nonlocal out, objective
        if sol.value < objective - 1e-9 and counts_ok(b, np.round(sol.y)):
            plan, rep = _finish(pool, items, items, sol, cs0, cfg, fams, units, budget, chosen, sol.bound)
            if rep.objective is not None and rep.objective < objective - 1e-9:
                out, objective = plan, float(rep.objective)
        return max(old, sol.bound) >= objective - cfg.solver.gap * max(abs(objective), 1e-9)

    sol = solve_class_mip_cuts(
        b,
        cfg,
        budget.left(),
        rounds=CLASS_MIP_ROUNDS,
        checkpoints=CLASS_MIP_CHECKPOINTS,
        node_limit=ROUNDING_NODES,
        done=finish,
    )
    budget.note("the class MIP over every pair", sol.timed_out)
    if sol.timed_out:  # dropped: a quieter machine would have found another plan
        return rep_of_unit, report
    bound = min(max(old, sol.bound), objective)
    gap2 = (objective - bound) / max(abs(objective), 1e-9)
    status = "optimal" if gap2 <= cfg.solver.gap + 1e-12 else "feasible"
    log = (
        f"{report.log}\nclass MIP over every pair: {sol.cut_rounds} solves, bound {sol.bound:.4f}"
        f" in {sol.seconds:.2f} s"
    )
    return out, SolveReport(report.solver, status, objective, bound, time.perf_counter() - budget.t0, log)


def settle_products(
    items: Items, cfg: PlanConfig, fams: list[Family], budget: Budget
) -> tuple[Items, np.ndarray, float | None, ClassLP]:
    """Fix the product of every auto rep: the rounded relaxed choice, or, when that split has
    no plan, the choice MIP's. Returns the items with products fixed, the choice, the bound
    the choice models prove, and the fixed items' count LP."""
    pool = items.pool
    chosen, lpz = choose_products(items, cfg, fams, budget.left())
    budget.note("the product choice LP", lpz is not None and lpz.timed_out)
    if lpz is not None and lpz.status != "lp":
        raise infeasible(pool, cfg)
    bound = lpz.bound if lpz is not None else None
    fixed = fix_products(items, chosen)
    cs0 = None
    if not lost_products(pool, fixed):
        b0 = build_model(fixed, cfg, families=fams, measures="none", integer=False)
        cs0 = solve_class(b0, cfg, budget.left())
        budget.note("the count LP (the bound)", cs0.timed_out)
    if lpz is not None and (cs0 is None or cs0.status == "infeasible"):
        chosen, lpe = choose_products(items, cfg, fams, budget.left(), exact=True)
        budget.note("the product choice MIP", lpe is not None and lpe.timed_out)
        if lpe is None or lpe.z is None:
            raise infeasible(pool, cfg)
        fixed = fix_products(items, chosen)
        lost = lost_products(pool, fixed)
        if lost:
            raise InfeasiblePlanError(
                f"In {pool.name} no rep carries {', '.join(lost)} once reps with product = auto are "
                "shared between products by demand; add a rep for it, or give some reps that "
                "product in the roster."
            )
        b0 = build_model(fixed, cfg, families=fams, measures="none", integer=False)
        cs0 = solve_class(b0, cfg, budget.left())
        budget.note("the count LP (the bound)", cs0.timed_out)
        bound = max(bound if bound is not None else -np.inf, lpe.bound)
    assert cs0 is not None
    return fixed, chosen, bound, cs0


def infeasible(pool: Pool, cfg: PlanConfig, left: list[str] | None = None) -> InfeasiblePlanError:
    """No plan keeps the hard rules: the elastic class model says which rule, for whom, by how
    much (the same words as the exact method's). If nothing has to bend there, the rules can
    hold and the scale method failed to find such a plan: say so, and what to do."""
    from .explain import explain_bends

    lines = explain_bends(pool, cfg, items=classes(pool), measures="envelope")
    if not lines and left:
        return InfeasiblePlanError(
            f"The scale method found no plan for {pool.name} that keeps every hard rule "
            f"({left[0]}), though one may exist; solve it with --set solver.method=exact "
            "(slower), or relax that rule."
        )
    if not lines:
        lines = [
            f"{pool.name}: the hard rules conflict, but no single rule explains it; "
            "relax the caps one at a time to find the conflict."
        ]
    return InfeasiblePlanError(f"No plan for {pool.name} keeps every hard rule:\n  - " + "\n  - ".join(lines))
