"""Contiguous territories (``geo.units``): guided starts, and the per-unit model with separator cuts.

Every pool first gets a connected plan from the repair heuristic (``connect`` and the local
search, ``_mend``). Its start is what decides how good that plan is: the plan without
contiguity has many optima of one cost, whose territories lie scattered in pieces, and
``connect`` hands the pieces out at a loss. So the heuristic also starts from *guided* plans
(``guided_starts``, after Hess's districting model): the pool solved again without
contiguity with a price on each unit's distance to its rep's centre (the compactness family
with ``Pool.anchors``: the centres of the plan without contiguity, then of the best connected
plan), whose optima lie around those centres and need little mending. The price guides the
search only: every plan is evaluated on the true objective, and the best connected one kept.

A pool small enough (at most ``CUT_LOOP_MAX_PAIRS`` eligible (unit, rep) pairs) is solved
again, after the repair heuristic (``connect`` and the local search, ``_mend``) has made its
plan connected, as the exact per-unit MIP with contiguity enforced lazily:

1. solve the MIP (started from the best connected plan known);
2. find each rep's pieces; if every territory is one piece, stop;
3. otherwise add, for every piece ``S`` of a rep and every other piece ``T`` of the same rep
   (``a``: the first unit of S, ``b``: the first unit of T), the *a-b separator* rows

       x[a, r'] + x[b, r'] - 1 <= sum of x[c, r'] over c in C      (every rep r')

   where ``C`` is the minimal separator of ``S`` and ``b`` inside the boundary ``N(S)`` (the
   units of ``N(S)`` that touch the part of the graph ``b`` reaches without crossing
   ``N(S)``). Any rep holding ``a`` and ``b`` in one piece holds a path between them, and
   every such path crosses ``C``: the row keeps every connected plan and cuts off this one.
   The rows hold for every rep, not only the one whose territory broke, so all are added;
4. mend the broken plan with the heuristic and keep it if it is the best connected plan;
   solve again; repeat.

Every solve is a relaxation of the model *with* contiguity (its rows keep every connected
plan), so its dual bound is a proven bound of that model; the bound reported is the largest
of them and of the bound without contiguity. When the loop ends with a connected plan that
the MIP proved optimal, or the best connected plan meets the bound, the plan is proven
optimal with contiguity. Otherwise (``CUT_LOOP_ROUNDS`` solves, or the bound has not risen
for ``CUT_LOOP_STALL`` solves) one closing solve of the flow formulation (``add_flow``: every
solution connected) with every row found starts from the best connected plan. The loop never
ends worse than it began.

Limits that do not depend on the machine stop it: solves of at most ``CUT_LOOP_NODES``
branch-and-bound nodes (``FLOW_NODES`` for the closing one). What is left of the pool's
``solver.time_limit`` is a safety net only (``budget``): a solve stopped by the clock would
make the plan depend on the machine's speed, so the loop's result (or the closing solve's)
is then dropped (as ``polish`` does) and the pool's status says ``time_limit``. Why cuts
first and flow only to close, with measurements: docs/geography.md.
"""

from __future__ import annotations

import math
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from ..config import PlanConfig
from ..errors import InfeasiblePlanError
from ..geo.territories import bfs_pieces
from ..solve import SolveReport, highs_report
from .budget import MIN_SECONDS, STOPPED_STATUS, Budget
from .build import build_model, owners_from
from .families import Build, Family, active_families
from .items import singletons
from .pools import Pool
from .units import Units
from .verify import check_all, evaluate, pool_state

PoolSolver = Callable[[Pool, Units, PlanConfig], tuple[np.ndarray, np.ndarray, SolveReport]]
Mend = Callable[[np.ndarray], "tuple[np.ndarray, float] | None"]

CUT_LOOP_MAX_PAIRS = 250  # per-unit (unit, rep) pairs of a pool the loop may take on
CUT_LOOP_ROUNDS = 8  # solves of the MIP, each with the rows the previous ones found
CUT_LOOP_NODES = 20  # branch-and-bound nodes per solve (a limit that is the same everywhere)
CUT_LOOP_STALL = 2  # ... ended early when the bound has not risen for this many solves
FLOW_MAX_PAIRS = 100  # ... and only on pools this small (its big-M rows make each node slow)
FLOW_NODES = 20  # the closing solve of the flow formulation: branch-and-bound nodes
ENDS = 1  # separator rows per pair of pieces: for the first units of the piece
GUIDE_PRICES = (0.1, 1.0)  # the guided starts: compactness prices per 100 km (a move costs 1)
GUIDE_ROUNDS = 2  # ... guided solves per price, each from the centres of the best plan so far
BRIDGE_SHARE = 0.1  # units without accounts of a pool from which ``_mend`` also tries bridging
SMALL_POOL_PAIRS = 2_000  # pools this small: every price, and the plan without contiguity mended
# too; larger ones the first price alone (each round there costs seconds)


@dataclass(frozen=True)
class Cut:
    """``x[a, r] + x[b, r] - 1 <= sum of x[c, r] over c in sep``, for every rep ``r``."""

    a: int
    b: int
    sep: tuple[int, ...]


@dataclass
class LoopResult:
    """What the cut loop achieved on one pool.

    ``rep_of_unit`` is a connected plan better than the start (None when the loop found
    none); ``bound`` a proven lower bound of the model with contiguity (None when no solve
    finished within its limits); ``proven``: the loop ended with a connected plan the MIP
    proved optimal (within ``solver.gap``), so ``bound`` is that optimum's bound."""

    rep_of_unit: np.ndarray | None
    objective: float
    bound: float | None
    proven: bool
    rounds: int
    cuts: int
    seconds: float
    note: str
    timed_out: bool = False  # the time limit (a safety net) stopped a solve: its answer was dropped


def solve_contiguous(
    solve_one: PoolSolver,
    pool: Pool,
    units: Units,
    cfg: PlanConfig,
    *,
    max_pairs: int = CUT_LOOP_MAX_PAIRS,
    guided: bool = True,
) -> tuple[np.ndarray, np.ndarray, SolveReport]:
    """A pool of geographic units: the method solves the model without contiguity, every
    territory is made one piece (``contiguity.connect``) and the local search improves it
    with moves that keep it so, from that plan (on pools of at most ``SMALL_POOL_PAIRS``
    pairs, or with ``guided=False``) and from the guided starts (``guided_starts``), the best
    kept; then, when the pool's per-unit model has at most ``max_pairs`` pairs (and the
    solver is HiGHS), the cut loop solves the model with contiguity from that plan (see the
    module).

    The report's ``bound`` is the best proven bound of the model *with* contiguity (at least
    the bound without it); ``bound_without_contiguity`` keeps the latter."""
    no_geo = replace(cfg, geo=replace(cfg.geo, units="none"))
    loose, chosen, report = solve_one(pool, units, no_geo)
    if not pool.n_units:
        return loose, chosen, replace(report, bound_without_contiguity=report.bound)
    t0 = time.perf_counter()
    budget = Budget(cfg.solver.time_limit, spent=report.seconds)
    fams = active_families(cfg)
    guide = guided and (pool.rep_product >= 0).all() and pool.place is not None
    rep_of_unit, objective, connected = loose, math.inf, False
    small = pairs_of(pool) <= SMALL_POOL_PAIRS
    if not guide or small:  # the plan without contiguity, mended
        rep_of_unit, objective, connected = _mend(pool, units, cfg, fams, loose, chosen, spread=True)
    if guide:
        rep_of_unit, objective, connected = guided_starts(
            pool,
            units,
            cfg,
            fams,
            loose,
            chosen,
            (rep_of_unit, objective, connected),
            budget,
            GUIDE_PRICES if small else GUIDE_PRICES[:1],
        )
    if not connected and objective == math.inf:  # no guided start kept every rule
        rep_of_unit, objective, connected = _mend(pool, units, cfg, fams, loose, chosen, spread=True)
    bound = report.bound
    log = report.log
    loop = (
        cfg.solver.name == "highs"
        and any(f.name == "contiguity" for f in fams)
        and (pool.rep_product >= 0).all()
    )
    tie = tied_units(pool, units) if loop else None
    if tie is not None and 0 < pairs_of(pool, tie < 0) <= max_pairs:
        # The grouped model (each unit without accounts tied to its nearest unit with
        # accounts), when small enough for the loop: a restriction of the pool's model, so its
        # connected plan is a plan of the pool, mended further unit by unit here, but its
        # bound is no bound of the pool's model, and is not used. (The loop on the whole
        # model, when it is small enough too, goes on from the best plan.)
        gpool, gunits, keep = grouped_pool(pool, units, tie)
        grou, _c, grep = solve_contiguous(solve_one, gpool, gunits, cfg, max_pairs=max_pairs, guided=guided)
        full = np.full(pool.n_units, -1, dtype=np.int64)
        full[keep] = grou
        full[tie >= 0] = full[tie[tie >= 0]]
        found = _mend(pool, units, cfg, fams, full, chosen)
        if found[2] and (not connected or found[1] < objective - 1e-9):
            rep_of_unit, objective, connected = found
        log += (
            f"\nthe grouped model (each unit without accounts tied to its nearest unit with accounts; "
            f"its bound not used): {grep.objective}, mended unit by unit {found[1]:.6g}"
        )
        budget.note("the grouped model", grep.status == STOPPED_STATUS)
    if loop and 0 < pairs_of(pool) <= max_pairs:

        def mend(plan: np.ndarray) -> tuple[np.ndarray, float] | None:
            rou, obj, ok = _mend(pool, units, cfg, fams, plan, chosen)
            return (rou, obj) if ok else None

        res = cut_loop(
            pool,
            units,
            cfg,
            fams,
            rep_of_unit,
            objective if connected else math.inf,
            budget,
            seed_plans=(spread_out(pool, units, cfg, fams, loose, chosen),),
            mend=mend,
        )
        if res.rep_of_unit is not None:
            rep_of_unit, objective = res.rep_of_unit, res.objective
        if res.bound is not None:
            bound = res.bound if bound is None else max(bound, res.bound)
        log += (
            f"\ncontiguity cut loop: {res.rounds} solves, {res.cuts} separator rows, "
            f"{res.seconds:.2f} s: {res.note}"
        )
        budget.note("the contiguity cut loop", res.timed_out)
    bound = bound if bound is None else min(bound, objective)
    status = report.status
    if bound is not None and objective - bound <= _slack(cfg, objective) and report.has_solution:
        status = "optimal"
    elif status == "optimal":
        status = "feasible"
    if budget.stopped or report.status == STOPPED_STATUS:  # the safety net stopped a solve
        status = STOPPED_STATUS  # (the plan may depend on the machine: say so)
        log += "\n" + budget.log() if budget.stopped else ""
    seconds = report.seconds + time.perf_counter() - t0
    return (
        rep_of_unit,
        chosen,
        SolveReport(
            report.solver, status, objective, bound, seconds, log, bound_without_contiguity=report.bound
        ),
    )


def centres(pool: Pool, plan: np.ndarray) -> np.ndarray:
    """(R, 2): each rep's centre in ``plan`` (local rep per unit), the account-weighted mean
    latitude and longitude of its geographic units; NaN for a rep who holds none."""
    out = np.full((pool.n_reps, 2), np.nan)
    if pool.place is None:
        return out
    geo = ~np.isnan(pool.place[:, 0])
    w = pool.size[geo].astype(float)
    held = np.bincount(plan[geo], weights=w, minlength=pool.n_reps)
    for k in range(2):
        tot = np.bincount(plan[geo], weights=w * pool.place[geo, k], minlength=pool.n_reps)
        out[:, k] = np.divide(tot, held, out=np.full(pool.n_reps, np.nan), where=held > 0)
    return out


def guided_starts(
    pool: Pool,
    units: Units,
    cfg: PlanConfig,
    fams: list[Family],
    loose: np.ndarray,
    chosen: np.ndarray,
    best: tuple[np.ndarray, float, bool],
    budget: Budget,
    prices: tuple[float, ...] = GUIDE_PRICES,
) -> tuple[np.ndarray, float, bool]:
    """Better starts for ``_mend`` (Hess's districting heuristic): the pool solved again by the
    scale method without contiguity but with distance priced (the compactness family at each
    of ``prices`` per 100 km in turn, ``GUIDE_ROUNDS`` times each: measured from each rep's
    centre in the plan without contiguity, then in the best connected plan so far), then
    mended. The plan without contiguity has many optima of the same cost, its territories
    scattered in pieces that ``connect`` hands out at a loss; among those optima the guided
    solve takes ones whose territories lie around a centre, which the repair makes one piece
    at little cost. The price is only a guide: each mended plan is evaluated on the true
    objective, and kept when it keeps every hard rule and costs less than ``best`` (rep per
    unit, objective, whether it keeps every hard rule). Returns the best of them."""
    for price in prices:
        best = _guided(pool, units, cfg, fams, loose, chosen, best, budget, price)
    return best


def _guided(
    pool: Pool,
    units: Units,
    cfg: PlanConfig,
    fams: list[Family],
    loose: np.ndarray,
    chosen: np.ndarray,
    best: tuple[np.ndarray, float, bool],
    budget: Budget,
    price: float,
) -> tuple[np.ndarray, float, bool]:
    """``guided_starts`` at one price."""
    from .scale import solve_pool_scale

    guide = replace(cfg, geo=replace(cfg.geo, compactness_penalty=cfg.geo.compactness_penalty + price))
    from_plan = loose
    for _ in range(GUIDE_ROUNDS):
        try:
            plan, _chosen, rep = solve_pool_scale(
                replace(pool, anchors=centres(pool, from_plan)), units, guide, drop=frozenset({"contiguity"})
            )
        except InfeasiblePlanError:  # the guide found no plan where the unguided solve did:
            break  # no start from it (the plan without contiguity is mended instead)
        if rep.status == STOPPED_STATUS:  # the plan would depend on the machine: dropped
            budget.note("a guided start")
            break
        if not rep.has_solution or (plan < 0).any():
            break
        found = _mend(pool, units, cfg, fams, plan, chosen, spread=True)
        if found[2] and (not best[2] or found[1] < best[1] - 1e-9):
            best = found
        from_plan = best[0]
    return best


def _mend(
    pool: Pool,
    units: Units,
    cfg: PlanConfig,
    fams: list[Family],
    plan: np.ndarray,
    chosen: np.ndarray,
    *,
    spread: bool = False,
) -> tuple[np.ndarray, float, bool]:
    """A plan made connected by the heuristic (``connect``, then the local search with moves
    that keep every territory one piece): (rep per unit, objective, whether it keeps every
    hard rule, contiguity included). ``spread``: ``plan`` comes from a model without
    contiguity, whose units without accounts lie anywhere: each first goes to the rep of
    its nearest unit with accounts (``spread_empty``)."""
    from .families.contiguity import boundary_moves, chain_moves, connect, corridor_moves
    from .repair import Objective
    from .search import improve

    start = spread_out(pool, units, cfg, fams, plan, chosen) if spread else plan.copy()
    best: tuple[np.ndarray, float, bool] | None = None
    connected: list[np.ndarray] = []
    # with many units without accounts, ``connect`` also tries joining pieces through them
    # (``bridge``); either may end better (on the example's West South Central 4 against 230,
    # on Pacific 180 against 6,309), so both are searched from; with few (the county
    # benchmark: 7 of 588 in South Atlantic) the second search would double the cost for little
    many = (pool.size == 0).sum() >= BRIDGE_SHARE * pool.n_units
    for bridging in (False, True) if many else (False,):
        st = pool_state(pool, units, cfg, start.copy(), chosen)
        obj = Objective(st, fams)
        connect(obj, bridging)
        if any(np.array_equal(st.rep_of_unit, c) for c in connected):
            continue  # no bridge taken: the same plan as without
        connected.append(st.rep_of_unit.copy())
        for _ in range(3):  # again while a round finds something: a border move can open a swap
            if not improve(obj) + boundary_moves(obj) + chain_moves(obj) + corridor_moves(obj):
                break
        ok = not any(v.hard for v in check_all(st, fams))
        found = (st.rep_of_unit, evaluate(st, fams), ok)
        if best is None or (found[2], -found[1]) > (best[2], -best[1] + 1e-9):
            best = found
    assert best is not None
    return best


def spread_out(
    pool: Pool, units: Units, cfg: PlanConfig, fams: list[Family], plan: np.ndarray, chosen: np.ndarray
) -> np.ndarray:
    """``plan`` with each geographic unit without accounts given to the rep of its nearest
    unit with accounts (``contiguity.spread_empty``)."""
    from .families.contiguity import Pieces, spread_empty

    family = next((f for f in fams if f.name == "contiguity"), None)
    if family is None:
        return plan.copy()
    st = pool_state(pool, units, cfg, plan.copy(), chosen)
    return spread_empty(Pieces(family, st), st.items.eligible(), st.item_of_unit, plan)


def separators(nb: list[list[int]], owned: list[int] | set[int]) -> list[Cut]:
    """The separator rows that cut off a territory ``owned`` in several pieces (none for one
    piece): for each ordered pair of pieces (S, T), with ``b`` the first unit of T, the
    minimal separator of S and b inside N(S), once for every a in S."""
    pieces = bfs_pieces(nb, owned)
    if len(pieces) < 2:
        return []
    out: list[Cut] = []
    for s in pieces:
        in_s = set(s)
        boundary = {v for u in s for v in nb[u] if v not in in_s}
        for t in pieces:
            if t is s:
                continue
            b = t[0]
            # the part of the graph b reaches without entering N(S) (it cannot enter S either)
            seen, todo = {b}, deque([b])
            while todo:
                u = todo.popleft()
                for v in nb[u]:
                    if v not in seen and v not in boundary:
                        seen.add(v)
                        todo.append(v)
            sep = tuple(sorted(c for c in boundary if any(v in seen for v in nb[c])))
            out.extend(Cut(a, b, sep) for a in s[:ENDS])
    return out


def territory_pieces(nb: list[list[int]], geo: np.ndarray, rep_of_unit: np.ndarray, n_reps: int) -> list[int]:
    """The number of pieces of each rep's geographic units."""
    members: list[list[int]] = [[] for _ in range(n_reps)]
    for u in np.flatnonzero(geo).tolist():
        members[int(rep_of_unit[u])].append(u)
    return [len(bfs_pieces(nb, m)) for m in members]


def pairs_of(pool: Pool, which: np.ndarray | None = None) -> int:
    """Eligible (unit, rep) pairs of a pool (of its units ``which``): the size of its per-unit model."""
    if not pool.n_units:
        return 0
    sizes = np.array([len(r) for r in pool.sig_reps], dtype=np.int64)
    return int(sizes[pool.sig if which is None else pool.sig[which]].sum())


def grouped_pool(pool: Pool, units: Units, tie: np.ndarray) -> tuple[Pool, Units, np.ndarray]:
    """The grouped model of ``pool``: its units not tied to another (``tied_units``), each
    with the units tied to it, which it touches through them. Returns that pool, the units
    with the groups' adjacency, and the positions in ``pool`` of the units it keeps."""
    keep = np.flatnonzero(tie < 0)
    new = np.full(pool.n_units, -1, dtype=np.int64)
    new[keep] = np.arange(keep.size)
    cls = np.searchsorted(pool.class_start, np.arange(pool.n_units), side="right") - 1
    kc = cls[keep]
    first = np.flatnonzero(np.r_[True, kc[1:] != kc[:-1]]) if keep.size else np.zeros(0, dtype=np.int64)
    assert units.nbr_ptr is not None
    root = np.where(tie >= 0, tie, np.arange(pool.n_units))
    local = {int(g): i for i, g in enumerate(pool.units.tolist())}
    lists = [units.nbrs(g).tolist() for g in range(units.n_units)]
    touch: dict[int, set[int]] = {int(u): set() for u in keep.tolist()}
    for i, g in enumerate(pool.units.tolist()):
        a = int(root[i])
        touch[a].update(int(root[local[v]]) for v in lists[g] if v in local and int(root[local[v]]) != a)
    for a, bs in touch.items():
        lists[int(pool.units[a])] = sorted(int(pool.units[b]) for b in bs)
    gunits = replace(
        units,
        nbr_ptr=np.concatenate([[0], np.cumsum([len(x) for x in lists])]).astype(np.int64),
        nbr_idx=np.asarray([v for x in lists for v in x], dtype=np.int64),
    )
    gpool = replace(
        pool,
        units=pool.units[keep],
        unit_ids=[pool.unit_ids[i] for i in keep.tolist()],
        size=pool.size[keep],
        comp=pool.comp[keep],
        value=pool.value[keep],
        owner=pool.owner[keep],
        forced=pool.forced[keep],
        locked=pool.locked[keep],
        product=pool.product[keep],
        lock_auto=pool.lock_auto[keep],
        sig=pool.sig[keep],
        class_start=np.append(first, keep.size).astype(np.int64),
        own_u=new[pool.own_u],
        acc_local_unit=new[pool.acc_local_unit],
        place=None if pool.place is None else pool.place[keep],
        anchors=None,
    )
    return gpool, gunits, keep


def tied_units(pool: Pool, units: Units) -> np.ndarray | None:
    """Per unit of the pool, the unit with accounts that a geographic unit without accounts is
    tied to in the grouped model (the nearest, breadth first from all of them at once in the
    order of their ids, among those with the same eligible reps), -1 for the others; None
    when the pool has no unit without accounts."""
    empty = pool.size == 0
    if units.nbr_ptr is None or not empty.any():
        return None
    glob = pool.units.tolist()
    local = {g: i for i, g in enumerate(glob)}
    rank = np.empty(pool.n_units, dtype=np.int64)  # the units' order by id (FIPS, state code)
    rank[np.argsort(np.asarray(pool.unit_ids, dtype=object), kind="stable")] = np.arange(pool.n_units)
    nb = [
        sorted((local[v] for v in units.nbrs(g).tolist() if v in local), key=rank.__getitem__) for g in glob
    ]
    tie = np.full(pool.n_units, -1, dtype=np.int64)
    seeds = np.flatnonzero(~empty)
    seeds = seeds[np.argsort(rank[seeds], kind="stable")]
    root = np.full(pool.n_units, -1, dtype=np.int64)
    root[seeds] = seeds
    todo = deque(seeds.tolist())
    while todo:
        u = todo.popleft()
        for v in nb[u]:
            if root[v] < 0 and pool.sig[v] == pool.sig[u]:
                root[v] = root[u]
                todo.append(v)
    tie[empty] = root[empty]
    return tie


def cut_loop(
    pool: Pool,
    units: Units,
    cfg: PlanConfig,
    fams: list[Family],
    start: np.ndarray,
    start_objective: float,
    budget: Budget,
    *,
    seed_plans: tuple[np.ndarray, ...] = (),
    mend: Mend | None = None,
    rounds: int = CUT_LOOP_ROUNDS,
    nodes: int = CUT_LOOP_NODES,
    flow_nodes: int = FLOW_NODES,
    stall: int = CUT_LOOP_STALL,
) -> LoopResult:
    """The per-unit MIP of ``pool`` with contiguity by separator rows (see the module).

    ``start`` is a connected plan (local rep per unit) whose objective is
    ``start_objective``; ``seed_plans`` are broken plans whose separator rows are added
    before the first solve (the plan without contiguity); ``mend`` (rep_of_unit ->
    (connected rep_of_unit, objective)) turns a round's broken plan into a connected one."""
    import highspy

    t0 = time.perf_counter()
    tracker_st = pool_state(pool, units, cfg, start.copy(), np.maximum(pool.rep_product, 0))
    from .families.contiguity import Pieces

    geo_family = next(f for f in fams if f.name == "contiguity")
    tr = Pieces(geo_family, tracker_st)
    nb, geo = tr.nb, tr.geo
    items = singletons(pool)
    b = build_model(items, cfg, families=fams)
    col = {(int(i), int(r)): int(c) for i, r, c in zip(items.pair_i, items.pair_r, b.y)}
    h = _highs(b, cfg, nodes)
    reps = range(pool.n_reps)
    known: list[Cut] = []
    seen: set[Cut] = set()

    def add(cuts: list[Cut]) -> int:
        new = [c for c in dict.fromkeys(cuts) if c not in seen]
        seen.update(new)
        known.extend(new)
        return _add_rows(h, separator_rows(new, col, pool.n_reps))

    def cuts_of(rep_of_unit: np.ndarray) -> list[Cut]:
        members: list[list[int]] = [[] for _ in reps]
        for u in np.flatnonzero(geo).tolist():
            members[int(rep_of_unit[u])].append(u)
        return [c for m in members for c in separators(nb, m)]

    n_rows = sum(add(cuts_of(p)) for p in seed_plans)
    best, best_obj = start.copy(), float(start_objective)
    improved, bound, proven = False, None, False
    note = f"the loop's {rounds} solves ran out with a territory still in pieces"
    done = stalled = 0
    for done in range(1, rounds + 1):
        status = _run(h, b, best, budget.left())
        if status is None:  # stopped by the clock: the answer depends on the machine; dropped
            return _dropped(start_objective, done, n_rows, t0, "stopped by the time limit: not used")
        rep = highs_report(h, 0.0)
        if status == highspy.HighsModelStatus.kInfeasible or not rep.has_solution:
            note = f"solve {done}: {rep.status}"
            break
        if rep.bound is not None:
            if bound is not None and rep.bound <= bound + _slack(
                cfg, best_obj if math.isfinite(best_obj) else bound
            ):
                stalled += 1
            else:
                stalled = 0
            bound = rep.bound if bound is None else max(bound, rep.bound)
        x = np.asarray(h.getSolution().col_value)
        rou, chosen = owners_from(b, x)
        found = cuts_of(rou)
        if not found:
            st = pool_state(pool, units, cfg, rou, chosen, items)
            if not any(v.hard for v in check_all(st, fams)):
                obj = evaluate(st, fams)
                if obj < best_obj - 1e-9:
                    best, best_obj, improved = st.rep_of_unit.copy(), obj, True
                proven = status == highspy.HighsModelStatus.kOptimal
            note = (
                "ended with every territory one piece, proven optimal"
                if proven
                else "ended with every territory one piece, not proven optimal (node limit)"
            )
            break
        if mend is not None:
            mended = mend(rou)
            if mended is not None and mended[1] < best_obj - 1e-9:
                best, best_obj, improved = mended[0].copy(), float(mended[1]), True
        if bound is not None and best_obj - bound <= _slack(cfg, best_obj):
            proven = True  # the best connected plan meets the bound: nothing left to find
            note = "ended when a connected plan met the bound, proven optimal"
            break
        if stalled >= stall:
            note = f"the bound stopped rising for {stall} solves with a territory still in pieces"
            break
        n_rows += add(found)
    if not proven and flow_nodes > 0 and math.isfinite(best_obj) and pairs_of(pool) <= FLOW_MAX_PAIRS:
        # The closing solve: the flow formulation (every solution connected) with every
        # separator row found, from the best connected plan.
        bf = build_model(items, cfg, families=fams)
        start_of = add_flow(bf, nb, geo)
        hf = _highs(bf, cfg, flow_nodes)
        _add_rows(hf, separator_rows(known, col, pool.n_reps))
        status = _run(hf, bf, best, budget.left(), start_of)
        if status is None:
            note += "; the closing flow solve was stopped by the time limit: not used"
            budget.note("the contiguity cut loop")
        elif status != highspy.HighsModelStatus.kInfeasible:
            rep = highs_report(hf, 0.0)
            if rep.bound is not None:
                bound = rep.bound if bound is None else max(bound, rep.bound)
            if rep.has_solution:
                rou, chosen = owners_from(bf, np.asarray(hf.getSolution().col_value))
                st = pool_state(pool, units, cfg, rou, chosen, items)
                if not any(v.hard for v in check_all(st, fams)):
                    obj = evaluate(st, fams)
                    if obj < best_obj - 1e-9:
                        best, best_obj, improved = st.rep_of_unit.copy(), obj, True
            proven = bound is not None and best_obj - bound <= _slack(cfg, best_obj)
            note += "; the closing flow solve " + (
                "proved the plan optimal" if proven else f"stopped at its node limit ({rep.status})"
            )
    return LoopResult(
        best if improved else None,
        best_obj,
        None if bound is None else min(bound, best_obj),
        proven,
        done,
        n_rows,
        time.perf_counter() - t0,
        note,
    )


def _highs(b: Build, cfg: PlanConfig, nodes: int, heuristics: bool = True) -> Any:
    h = b.m.to_highs()
    if not heuristics:  # the loop's solves are for the bound and the rows: plans come from mending
        h.setOptionValue("mip_heuristic_effort", 0.0)
    h.setOptionValue("mip_rel_gap", float(cfg.solver.gap))
    h.setOptionValue("mip_max_nodes", int(nodes))
    h.setOptionValue("threads", int(cfg.solver.threads))
    h.setOptionValue("random_seed", int(cfg.solver.seed))
    return h


def _run(h: Any, b: Build, plan: np.ndarray, left: float, flow: FlowStart | None = None) -> Any:
    """Solve from ``plan`` (local rep per unit); the model status, or None when the clock
    (``left`` seconds, a safety net) stopped it."""
    import highspy

    h.setOptionValue("time_limit", float(max(left, MIN_SECONDS)))
    it = b.items
    x0 = np.zeros(b.m.n_cols)
    x0[b.y[it.pair_r == plan[it.pair_i]]] = 1.0
    if flow is not None:
        flow(plan, x0)
    sol = h.getSolution()
    sol.col_value = x0.tolist()
    sol.value_valid = True
    h.setSolution(sol)
    h.run()
    status = h.getModelStatus()
    return None if status == highspy.HighsModelStatus.kTimeLimit else status


def separator_rows(cuts: list[Cut], col: dict[tuple[int, int], int], n_reps: int) -> tuple[np.ndarray, ...]:
    """The rows of ``cuts`` for every rep that may hold both ``a`` and ``b``, as CSR arrays
    (upper bound, row starts, columns, values): ``x[a] + x[b] - sum x[sep] <= 1``."""
    hi: list[float] = []
    starts: list[int] = []
    idx: list[int] = []
    val: list[float] = []
    for c in cuts:
        for r in range(n_reps):
            ka, kb = col.get((c.a, r)), col.get((c.b, r))
            if ka is None or kb is None:
                continue  # r cannot hold both: nothing to cut
            seps = [col[(s, r)] for s in c.sep if (s, r) in col]
            starts.append(len(idx))
            idx += [ka, kb, *seps]
            val += [1.0, 1.0, *([-1.0] * len(seps))]
            hi.append(1.0)
    return (
        np.asarray(hi),
        np.asarray(starts, dtype=np.int32),
        np.asarray(idx, dtype=np.int32),
        np.asarray(val),
    )


def _add_rows(h: object, rows: tuple[np.ndarray, ...]) -> int:
    hi, starts, idx, val = rows
    if len(hi):
        lo = np.full(len(hi), -np.inf)
        h.addRows(len(hi), lo, hi, len(idx), starts, idx, val)  # type: ignore[attr-defined]
    return len(hi)


FlowStart = Callable[[np.ndarray, np.ndarray], None]


def add_flow(b: Build, nb: list[list[int]], geo: np.ndarray) -> FlowStart:
    """Contiguity as a single-commodity flow per rep (Shirabe's formulation): rep r picks at
    most one root among its units (``root[u, r] <= x[u, r]``, ``sum root <= 1``); the root
    sends up to n - 1 units of flow (n: the units r may hold) along arcs between units r
    holds (``flow[u, v, r] <= (n - 1) x[u, r]`` and ``<= (n - 1) x[v, r]``), and every unit
    r holds keeps one (``inflow - outflow >= x[u, r] - n root[u, r]``). A held unit the root
    cannot reach would have no flow to keep, so every solution is connected.

    Returns a function that fills a connected plan's root and flow columns into a start
    vector (the root: the rep's smallest unit; the flow: a breadth-first tree from it)."""
    it, m = b.items, b.m
    per_rep: list[tuple[int, list[int], np.ndarray, dict[tuple[int, int], int]]] = []
    col = {(int(i), int(r)): int(c) for i, r, c in zip(it.pair_i, it.pair_r, b.y)}
    rep_ids = b.rep_ids
    for r in range(b.pool.n_reps):
        nodes = [u for u in np.flatnonzero(geo).tolist() if (u, r) in col]
        if len(nodes) <= 1:
            continue
        n = len(nodes)
        pos = {u: k for k, u in enumerate(nodes)}
        arcs = [(u, v) for u in nodes for v in nb[u] if v in pos]
        labels = {"rep": rep_ids[r]}
        x = np.array([col[(u, r)] for u in nodes])
        root = m.add_cols("root", n, hi=1.0, integer=True, family="contiguity", labels=labels)
        ar = np.arange(n)
        per_rep.append((r, nodes, root, {}))
        m.add_rows("contiguity", "one_root", 1, np.zeros(n, dtype=np.int64), root, np.ones(n), -np.inf, 1.0)
        m.add_rows(
            "contiguity",
            "root_held",
            n,
            np.r_[ar, ar],
            np.r_[root, x],
            np.r_[np.ones(n), -np.ones(n)],
            -np.inf,
            0.0,
        )
        if not arcs:
            continue
        A = len(arcs)
        flow = m.add_cols("flow", A, hi=float(n - 1), family="contiguity", labels=labels)
        per_rep[-1][3].update({arc: int(c) for arc, c in zip(arcs, flow.tolist())})
        aa = np.arange(A)
        tail = np.array([col[(u, r)] for u, _ in arcs])
        head = np.array([col[(v, r)] for _, v in arcs])
        big = np.full(A, -float(n - 1))
        for kind, end in (("flow_out", tail), ("flow_in", head)):
            m.add_rows(
                "contiguity", kind, A, np.r_[aa, aa], np.r_[flow, end], np.r_[np.ones(A), big], -np.inf, 0.0
            )
        into = np.array([pos[v] for _, v in arcs])
        out = np.array([pos[u] for u, _ in arcs])
        m.add_rows(
            "contiguity",
            "flow_keep",
            n,
            np.r_[into, out, ar, ar],
            np.r_[flow, flow, x, root],
            np.r_[np.ones(A), -np.ones(A), -np.ones(n), np.full(n, float(n))],
            0.0,
            np.inf,
        )

    def fill(plan: np.ndarray, x0: np.ndarray) -> None:
        for r, nodes, root, arc_col in per_rep:
            held = [u for u in nodes if plan[u] == r]
            if not held:
                continue
            x0[root[nodes.index(held[0])]] = 1.0
            for u, v, below in _tree_flows(nb, held):
                if (u, v) in arc_col:
                    x0[arc_col[(u, v)]] = float(below)

    return fill


def _tree_flows(nb: list[list[int]], held: list[int]) -> list[tuple[int, int, int]]:
    """(parent, child, units in the child's subtree) of a breadth-first tree of ``held``
    from its first unit (the flow a root sends so that every unit keeps one)."""
    inside = set(held)
    parent = {held[0]: -1}
    order = [held[0]]
    for u in order:
        for v in nb[u]:
            if v in inside and v not in parent:
                parent[v] = u
                order.append(v)
    size = dict.fromkeys(order, 1)
    out = []
    for v in reversed(order[1:]):
        size[parent[v]] += size[v]
        out.append((parent[v], v, size[v]))
    return out


def _slack(cfg: PlanConfig, objective: float) -> float:
    """How far a plan may sit above a bound and still count as proven optimal: the gap asked
    for, plus a millionth (the model's coefficients are rounded to 9 decimals, so its bound
    may sit a few millionths below a plan's exact objective: that is no gap)."""
    return cfg.solver.gap * max(abs(objective), 1e-9) + 1e-6 * max(abs(objective), 1.0)


def _dropped(objective: float, rounds: int, cuts: int, t0: float, note: str) -> LoopResult:
    return LoopResult(None, objective, None, False, rounds, cuts, time.perf_counter() - t0, note, True)
