"""Assemble a pool's model from the constraint families, for any items, and solve it.

``build_model(singletons(pool), cfg)`` is the exact per-unit MIP; over ``classes(pool)`` with
``measures="envelope"`` it is the class model of the scale method, and with
``measures="none"`` its count-only relaxation. Every family of ``active_families(cfg)``
writes its rows into the same ``ArrayModel``.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np

from ..config import PlanConfig, SolverConfig
from ..solve import SolveReport, highs_report, solve_problem
from .arrays import ELASTIC_PENALTY, ArrayModel, lp_name
from .families import Build, Family, active_families
from .items import Items


def build_model(
    items: Items,
    cfg: PlanConfig,
    *,
    drop: frozenset[str] = frozenset(),
    families: list[Family] | None = None,
    elastic: bool = False,
    measures: str = "exact",
    integer: bool = True,
    links: str = "all",
    y_bounds: tuple[np.ndarray, np.ndarray] | None = None,
    move_pot: np.ndarray | None = None,
    integer_z: bool | None = None,
    bend: frozenset[str] = frozenset(),
    bend_cost: float = ELASTIC_PENALTY,
) -> Build:
    """The model of ``items``' pool: one owner per unit, bands with priced slack, moves as cost.

    ``drop`` leaves out named families (the tests that prove each family matters);
    ``elastic`` builds the explaining version: bands soft and every cap with a heavily priced
    slack. ``integer``: y (and z, unless ``integer_z`` says otherwise) integral (a MIP) or
    continuous (its LP relaxation). ``y_bounds`` boxes the y columns and ``bend`` lets the
    named families' caps stretch at ``bend_cost`` (the rounding step of the scale method).
    """
    pool = items.pool
    fams = active_families(cfg, drop) if families is None else families
    bends = frozenset(f.name for f in fams if f.bends) if elastic else frozenset(bend)
    m = ArrayModel(lp_name("territory", pool=pool.name), elastic=bends, bend_cost=bend_cost)
    K = items.n_pairs
    most = items.n[items.pair_i] if items.pair_hi is None else items.pair_hi
    lo, hi = (np.zeros(K), most) if y_bounds is None else y_bounds
    y = m.add_cols(
        "x" if items.kind == "unit" else "y",
        K,
        lo=lo,
        hi=hi,
        integer=integer,
        labels={
            items.kind: items.ids[items.pair_i],
            "rep": np.asarray(pool.rep_ids, dtype=object)[items.pair_r],
        },
    )
    P = len(pool.products)
    z = np.full((pool.n_reps, P), -1, dtype=np.int64)
    auto = np.flatnonzero(pool.rep_product < 0)
    if auto.size:
        cols = m.add_cols(
            "carries",
            auto.size * P,
            hi=1.0,
            integer=integer if integer_z is None else integer_z,
            labels={
                "rep": np.asarray([pool.rep_ids[r] for r in np.repeat(auto, P).tolist()], dtype=object),
                "product": np.asarray(
                    [pool.products[q] for q in np.tile(np.arange(P), auto.size)], dtype=object
                ),
            },
        )
        z[auto] = cols.reshape(auto.size, P)
    M = pool.value.shape[1]
    means = pool.value.mean(axis=0) if pool.n_units else np.ones(M)
    ps = np.where(means > 0, means, 1.0)
    q = np.full((M, K), -1, dtype=np.int64)
    b = Build(m, items, cfg, y, z, q, ps, measures=measures, links=links, move_pot=move_pot, elastic=elastic)
    if measures == "envelope":
        _add_envelopes(b, fams)
    for fam in fams:
        before = (m.n_rows, m.n_cols, len(m._extra_cost))
        fam.emit(b)
        if (m.n_rows, m.n_cols, len(m._extra_cost)) != before:
            b.emitted.add(fam.key)
    return b


def _add_envelopes(b: Build, fams: list[Family]) -> None:
    """Columns q[m, k] for the measures that vary within an item, tied to y by the envelope of
    the item's sorted values: the k smallest units <= q <= the k largest, and the q of an
    item add up to its total. Every whole plan satisfies these rows, so the model stays a
    relaxation of the per-unit model (tangent cuts tighten the envelope, see ``cuts``)."""
    it, m = b.items, b.m
    need = {getattr(f, "index", None) for f in fams if f.name == "measure_balance"}
    if any(f.name == "team_balance" for f in fams):  # team rows sum every balanced measure
        need |= {k for k, m in enumerate(b.pool.measures) if m.balanced}
    if any(f.name == "potential_move_limit" for f in fams):
        need.add(0)
    varied = it.varied
    for mi in sorted(x for x in need if x is not None):
        k = np.flatnonzero(varied[it.pair_i, mi])
        if not k.size:
            continue
        ps = b.ps[mi]
        i = it.pair_i[k]
        n = len(k)
        cols = m.add_cols(f"q{mi}", n, hi=it.vtot[i, mi] / ps, family="envelope")
        b.q[mi, k] = cols
        items_q = np.flatnonzero(varied[:, mi])
        rowmap = np.full(it.n_items, -1)
        rowmap[items_q] = np.arange(items_q.size)
        tot = it.vtot[items_q, mi] / ps
        m.add_rows("envelope", f"total{mi}", items_q.size, rowmap[i], cols, np.ones(n), tot, tot)
        lo_v, hi_v, nn, tt = it.vlo[i, mi] / ps, it.vhi[i, mi] / ps, it.n[i], it.vtot[i, mi] / ps
        ar = np.arange(n)
        m.add_rows(
            "envelope",
            f"low{mi}",
            n,
            np.concatenate([ar, ar]),
            np.concatenate([cols, b.y[k]]),
            np.concatenate([np.ones(n), -lo_v]),
            0.0,
            tt - lo_v * nn,
        )
        m.add_rows(
            "envelope",
            f"high{mi}",
            n,
            np.concatenate([ar, ar]),
            np.concatenate([cols, b.y[k]]),
            np.concatenate([np.ones(n), -hi_v]),
            tt - hi_v * nn,
            0.0,
        )


# --------------------------------------------------------------------------- solving


@dataclass
class Solved:
    """A solved model: the solver's report and the column values (None without a solution)."""

    report: SolveReport
    x: np.ndarray | None


def solve_model(
    b: Build,
    solver: SolverConfig,
    *,
    mip: bool = True,
    time_limit: float | None = None,
    gap: float | None = None,
    options: dict[str, object] | None = None,
) -> Solved:
    """Solve ``b``'s model with HiGHS (directly, from arrays) or CBC (through pulp)."""
    limit = solver.time_limit if time_limit is None else time_limit
    if solver.name == "cbc":
        import dataclasses

        prob = b.m.to_pulp()
        cfg = dataclasses.replace(solver, time_limit=limit, gap=solver.gap if gap is None else gap)
        report = solve_problem(prob, cfg, mip=mip)
        x = np.array([v.varValue or 0.0 for v in prob._territory_vars]) if report.has_solution else None
        return Solved(report, x)
    start = time.perf_counter()
    h = b.m.to_highs(relax=not mip)
    h.setOptionValue("time_limit", float(limit))
    h.setOptionValue("mip_rel_gap", float(solver.gap if gap is None else gap))
    h.setOptionValue("threads", int(solver.threads))
    h.setOptionValue("random_seed", int(solver.seed))
    for k, v in (options or {}).items():
        h.setOptionValue(k, v)
    h.run()
    report = highs_report(h, time.perf_counter() - start, mip=mip)
    x = np.asarray(h.getSolution().col_value) if report.has_solution else None
    return Solved(report, x)


def owners_from(b: Build, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """From a whole solution of a per-unit model: the local rep per unit, and the product
    each rep carries (auto reps: the z that is set)."""
    it, pool = b.items, b.pool
    yv = x[b.y]
    owner = np.full(it.n_items, -1, dtype=np.int64)
    # the pair with the largest value per item (ties: the first)
    order = np.lexsort((np.arange(it.n_pairs), -yv, it.pair_i))
    first = np.searchsorted(it.pair_i[order], np.arange(it.n_items))
    ok = first < len(order)
    owner[ok] = it.pair_r[order[first[ok]]]
    chosen = pool.rep_product.copy()
    auto = np.flatnonzero(chosen < 0)
    if auto.size:
        chosen[auto] = np.argmax(x[b.z[auto]], axis=1)
    return owner, np.maximum(chosen, 0)
