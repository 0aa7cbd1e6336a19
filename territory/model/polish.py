"""The exact model on a small pool the scale method left with a gap.

When a pool's scale plan is not proven within ``solver.gap`` and the pool's per-unit model is
small (at most ``EXACT_POLISH_MAX_PAIRS`` eligible (unit, rep) pairs), the exact MIP is
solved from the scale plan as its start, for at most ``EXACT_POLISH_NODES`` branch-and-bound
nodes and ``EXACT_POLISH_CHECKPOINTS`` of HiGHS's checkpoints (``CAPPED_POLISH_CHECKPOINTS``
under a cap on moves; limits that do not depend on the machine; what is left of the pool's
time limit is a safety net only: an answer it stops is dropped and the report's status says
``time_limit``). Its plan is kept when it keeps every
hard rule exactly and costs less; its dual bound is a bound for the full model (the per-unit
model is the full model), so the pool's bound is the larger of the two. A larger pool left
above 1 % gets the MIP over a neighbourhood of the scale plan instead: each unit may stay with
its owner or go to any rep holding units of its class in the scale plan (a restriction of the
full model, so its plan counts and its bound does not). Whatever the MIP finds, the pool never ends up worse than
the scale plan.
"""

from __future__ import annotations

import time

import numpy as np

from ..config import PlanConfig
from ..solve import SolveReport, highs_report
from .budget import Checkpoints
from .build import build_model, owners_from
from .families import Family
from .items import Items, singletons
from .pools import Pool
from .units import Units
from .verify import check_all, evaluate, pool_state

EXACT_POLISH_MAX_PAIRS = 60_000  # per-unit pairs of a pool the exact MIP may try
EXACT_POLISH_NODES = 200  # branch-and-bound nodes: a limit that does not depend on the machine
EXACT_POLISH_CHECKPOINTS = 30  # ... and HiGHS's search checkpoints (``budget.Checkpoints``)
# The whole pool's MIP under a cap on moves gets more: there its root alone can take 31-200
# checkpoints (its cut rounds), and stopped at 30 it kept plans 6-20 % above the optimum
# (bench/caps.py, 3500x14 seed 1, East: 137.0 against 114.25). Only such pools of at most
# EXACT_POLISH_MAX_PAIRS pairs get it: L and XL (larger pools) and pools without a cap (the
# county bench, whose roots took 70-85 s of CPU for 200 nodes) keep the 30.
CAPPED_POLISH_CHECKPOINTS = 300
RESTRICTED_MIN_GAP = 0.01  # larger pools: the restricted MIP only above this gap (no cap on moves)
LP_AGREES = 1e-6  # a unit whose LP value on its plan's rep is at least 1 - this stays there


def polish_exact(
    pool: Pool,
    units: Units,
    cfg: PlanConfig,
    fams: list[Family],
    rep_of_unit: np.ndarray,
    chosen: np.ndarray,
    report: SolveReport,
    seconds_left: float,
    neighbourhood: bool = True,
    min_gap: float | None = None,
    capped: bool = False,
) -> tuple[np.ndarray, SolveReport]:
    """The better of the scale plan and the exact MIP started from it (see the module).
    ``neighbourhood=False``: only the whole pool's MIP, never the one over a neighbourhood;
    ``min_gap``: the gap above which a larger pool gets the one over a neighbourhood
    (``RESTRICTED_MIN_GAP`` unless said); ``capped``: a cap on moves is active (the whole
    pool's MIP then gets ``CAPPED_POLISH_CHECKPOINTS``)."""
    import highspy

    gap = report.gap
    if gap is None or gap <= cfg.solver.gap or cfg.solver.name != "highs" or (pool.rep_product < 0).any():
        return rep_of_unit, report
    whole = unit_pairs(pool) <= EXACT_POLISH_MAX_PAIRS
    if not whole and (gap <= (RESTRICTED_MIN_GAP if min_gap is None else min_gap) or not neighbourhood):
        return rep_of_unit, report
    items = singletons(pool)
    if not whole:
        # Too big for the whole MIP: units may go to their owner or to a rep who holds some of
        # their class in the scale plan (a restriction: its plan counts, its bound does not).
        cls = np.repeat(np.arange(len(pool.class_start) - 1), np.diff(pool.class_start))
        held = np.zeros((len(pool.class_start) - 1, pool.n_reps), dtype=bool)
        held[cls, rep_of_unit] = True
        items = items.restrict(
            held[cls[items.pair_i], items.pair_r] | (items.pair_r == pool.owner[items.pair_i])
        )
        if items.n_pairs > EXACT_POLISH_MAX_PAIRS:
            return rep_of_unit, report
    t0 = time.perf_counter()
    if not whole:
        free = _disagreeing(items, cfg, fams, rep_of_unit, seconds_left)
        if free is None:
            return rep_of_unit, report
        items = free
    b = build_model(items, cfg, families=fams)
    h = b.m.to_highs()
    h.setOptionValue("time_limit", float(seconds_left))
    h.setOptionValue("mip_rel_gap", float(cfg.solver.gap))
    h.setOptionValue("mip_max_nodes", EXACT_POLISH_NODES)
    work = Checkpoints(h, CAPPED_POLISH_CHECKPOINTS if whole and capped else EXACT_POLISH_CHECKPOINTS)
    h.setOptionValue("threads", int(cfg.solver.threads))
    h.setOptionValue("random_seed", int(cfg.solver.seed))
    start = np.zeros(b.m.n_cols)
    start[b.y[items.pair_r == rep_of_unit[items.pair_i]]] = 1.0
    sol = h.getSolution()
    sol.col_value = start.tolist()
    sol.value_valid = True
    h.setSolution(sol)
    h.run()
    # Stopped by the clock, the MIP's answer depends on the machine's speed and load: the same
    # input must give the same plan, so such an answer is dropped (the node limit, which does
    # not depend on the machine, is what normally stops it).
    timed_out = h.getModelStatus() == highspy.HighsModelStatus.kTimeLimit
    mip = highs_report(h, time.perf_counter() - t0)
    out = rep_of_unit
    objective = float(report.objective or 0.0)
    if mip.has_solution and not timed_out:
        x = np.asarray(h.getSolution().col_value)
        rep2, chosen2 = owners_from(b, x)
        st = pool_state(pool, units, cfg, rep2, chosen2, items)
        if not any(v.hard for v in check_all(st, fams)):
            obj2 = evaluate(st, fams)
            if obj2 < objective - 1e-9:
                out, objective = st.rep_of_unit, obj2
    bound = float(report.bound or 0.0)
    if whole and mip.bound is not None and not timed_out:
        bound = max(bound, mip.bound)
    bound = min(bound, objective)
    gap2 = (objective - bound) / max(abs(objective), 1e-9)
    status = "optimal" if gap2 <= cfg.solver.gap + 1e-12 else "feasible"
    if timed_out:  # dropped, but a quieter machine would have used it: the plan must say so
        status = "time_limit"
    what = "stopped at its work limit" if work.hit and not timed_out else mip.status
    log = f"{report.log}\nexact MIP from the scale plan: {what} in {mip.seconds:.2f} s" + (
        " (stopped by the time limit: not used)" if timed_out else ""
    )
    return out, SolveReport(report.solver, status, objective, bound, report.seconds + mip.seconds, log)


def unit_pairs(pool: Pool) -> int:
    """Eligible (unit, rep) pairs of the pool's per-unit model."""
    return int(np.array([len(r) for r in pool.sig_reps], dtype=np.int64)[pool.sig].sum())


def _disagreeing(
    items: Items, cfg: PlanConfig, fams: list[Family], rep_of_unit: np.ndarray, seconds: float
) -> Items | None:
    """The neighbourhood's pairs with every unit fixed to its rep in the plan, except the units
    the neighbourhood's LP relaxation places elsewhere (in part or whole): the MIP then works
    on those alone (relaxation induced neighbourhood search). On the families instances the
    MIP over the whole neighbourhood spent its time in the root's cuts (5-7 s per pool on a
    busy machine); over these units it finds the same plans in under a second. None when the
    LP is stopped by the clock (which would make the plan depend on the machine's speed)."""
    import highspy

    b = build_model(items, cfg, families=fams, integer=False)
    h = b.m.to_highs(relax=True)
    h.setOptionValue("threads", 1)
    h.setOptionValue("random_seed", int(cfg.solver.seed))
    h.setOptionValue("time_limit", float(seconds))
    h.run()
    if h.getModelStatus() != highspy.HighsModelStatus.kOptimal:
        return None
    x = np.asarray(h.getSolution().col_value)[b.y]
    here = items.pair_r == rep_of_unit[items.pair_i]
    agree = np.zeros(items.n_items, dtype=bool)
    agree[items.pair_i[here & (x >= 1.0 - LP_AGREES)]] = True
    return items.restrict(here | ~agree[items.pair_i])
