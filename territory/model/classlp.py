"""The class model of the scale method, solved as an LP (with envelope cuts) and rounded.

The class model is ``build_model`` over ``classes(pool)``: the same families as the per-unit
model, with ``y[c, r]`` units of class c to rep r. Its LP relaxation is a lower bound for the
full model: any account-level plan projects onto a feasible point with the same objective
(counts, moves and caps are exact at class level; a measure that varies within a class is
carried by ``q`` columns whose envelope holds for every whole plan; in the count-only model
the measure rows are left out, which only lowers the optimum).

HiGHS gets the model from arrays (``Highs.passModel``): the class models have 10^4-10^5
columns and are re-solved after cuts, where pulp's hand-off alone would cost more than the
solve (perf-notes §3).
"""

from __future__ import annotations

import dataclasses
import math
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..config import PlanConfig
from .families import Build

INF = math.inf


@dataclass
class ClassLP:
    """A solved class model: counts per pair, the LP value (a bound when the model is a
    relaxation), reduced costs, the measures each pair receives, the product choice."""

    y: np.ndarray  # (K,) counts per pair (fractional for an LP)
    value: float  # objective (-inf unless solved to optimality)
    bound: float  # a lower bound on the model's optimum (the LP value, or the MIP's dual bound)
    status: str  # "lp" | "mip" | "infeasible" | "stopped"
    rc: np.ndarray  # (K,) reduced costs of y (LP only)
    received: np.ndarray  # (M, K) measure each pair receives, in the measure's units
    z: np.ndarray | None  # (auto reps, products): the product choice, if any
    seconds: float
    cut_rounds: int = 0
    timed_out: bool = False  # stopped by the time limit (the safety net): see ``Budget``


def solve_class(
    b: Build,
    cfg: PlanConfig,
    time_limit: float,
    *,
    mip: bool = False,
    cuts: int = 0,
    lp_solver: str = "auto",
    iteration_limit: int | None = None,
    node_limit: int | None = None,
    gap: float | None = None,
    checkpoints: int | None = None,
) -> ClassLP:
    """Solve ``b``'s model with HiGHS: an LP (``mip=False``; interior point for big ones, with
    crossover for a vertex) followed by up to ``cuts`` rounds of envelope cuts, or a MIP
    (with ``cuts``: over the LP's cut rounds first, so the MIP has their tangents too).

    ``time_limit`` is a safety net only (``timed_out`` says when it stopped the solve: the
    caller must then drop the result or say so); ``iteration_limit`` (simplex iterations) and
    ``node_limit`` (branch-and-bound nodes) and ``checkpoints`` (a MIP's calls of HiGHS's
    interrupt callback, ``budget.Checkpoints``) are limits that do not depend on the machine."""
    import highspy

    cut_first = mip and cuts > 0 and bool((b.q >= 0).any())
    h = b.m.to_highs(relax=not mip or cut_first)
    h.setOptionValue("threads", 1)
    h.setOptionValue("random_seed", int(cfg.solver.seed))
    h.setOptionValue("time_limit", float(max(time_limit, 0.5)))
    if iteration_limit is not None:
        h.setOptionValue("simplex_iteration_limit", int(iteration_limit))
    if node_limit is not None:
        h.setOptionValue("mip_max_nodes", int(node_limit))
    if mip and not cut_first:
        h.setOptionValue("mip_rel_gap", float(cfg.solver.gap if gap is None else gap))
        if checkpoints is not None:
            from .budget import Checkpoints

            Checkpoints(h, checkpoints)
    has_z = bool((b.z >= 0).any())
    # Interior point for big LPs, except where simplex measured faster: with the product
    # choice (its z columns: 4.3 s vs 1.9 s at L) and where the caller asks for it.
    if (not mip or cut_first) and b.m.n_cols > 20_000 and lp_solver != "simplex" and not has_z:
        h.setOptionValue("solver", "ipm")
        h.setOptionValue("run_crossover", "on")
    elif (not mip or cut_first) and (has_z or lp_solver == "simplex"):
        h.setOptionValue("solver", "simplex")
    t0 = time.perf_counter()
    h.run()
    timed_out = h.getModelStatus() == highspy.HighsModelStatus.kTimeLimit
    value = _value(h)
    rounds = 0
    if (not mip or cut_first) and (b.q >= 0).any():
        for rounds in range(1, cuts + 1):  # noqa: B007 - the count is reported
            if not _add_cuts(b, h):
                break
            h.setOptionValue("solver", "simplex")
            h.run()
            timed_out |= h.getModelStatus() == highspy.HighsModelStatus.kTimeLimit
            value = max(value, _value(h))
    if cut_first:  # the same model with its cuts, now with whole counts
        integ = b.m.arrays()[3]
        cols = np.flatnonzero(integ).astype(np.int32)
        h.changeColsIntegrality(cols.size, cols, np.asarray(integ)[cols].astype(np.uint8))
        h.setOptionValue("solver", "choose")
        h.setOptionValue("mip_rel_gap", float(cfg.solver.gap if gap is None else gap))
        if checkpoints is not None:
            from .budget import Checkpoints

            Checkpoints(h, checkpoints)
        h.run()
        timed_out |= h.getModelStatus() == highspy.HighsModelStatus.kTimeLimit
        value = _value(h)
    seconds = time.perf_counter() - t0
    st = h.getModelStatus()
    S = highspy.HighsModelStatus
    has_sol = h.getInfo().primal_solution_status == 2
    if st == S.kInfeasible:
        status = "infeasible"
    elif st == S.kOptimal:
        status = "mip" if mip else "lp"
    else:
        status = "stopped"
    K = len(b.y)
    bound = value
    if mip:
        db = float(h.getInfo().mip_dual_bound)
        bound = db if math.isfinite(db) else -INF
    if not has_sol:
        st_ = status if status == "infeasible" else "stopped"
        return ClassLP(
            np.zeros(K),
            value,
            bound,
            st_,
            np.zeros(K),
            np.zeros((b.q.shape[0], K)),
            None,
            seconds,
            rounds,
            timed_out,
        )
    sol = np.asarray(h.getSolution().col_value)
    rc = np.asarray(h.getSolution().col_dual)[b.y] if not mip else np.zeros(K)
    auto = np.flatnonzero((b.z >= 0).any(axis=1)) if b.z.size else np.zeros(0, dtype=np.int64)
    z = sol[b.z[auto]] if auto.size else None
    return ClassLP(sol[b.y], value, bound, status, rc, received(b, sol), z, seconds, rounds, timed_out)


def received(b: Build, sol: np.ndarray) -> np.ndarray:
    """(M, K): the measure each pair's rep receives from the item, in the measure's units."""
    it = b.items
    y = sol[b.y]
    out = it.vlo[it.pair_i].T * y[None, :]
    for m in range(b.q.shape[0]):
        k = np.flatnonzero(b.q[m] >= 0)
        out[m, k] = sol[b.q[m, k]] * b.ps[m]
    return out


def _value(h: Any) -> float:
    import highspy

    if h.getModelStatus() != highspy.HighsModelStatus.kOptimal:
        return -INF
    return float(h.getInfo().objective_function_value)


def _add_cuts(b: Build, h: Any) -> bool:
    """Tangents of the convex lower envelope S_low(k) (the k smallest units) and the concave
    upper one S_high(k) (the k largest) of each item's sorted values, at the LP's y, where the
    LP's q lies outside them. Valid for every whole plan. Returns whether any was added."""
    it = b.items
    sol = np.asarray(h.getSolution().col_value)
    new_i: list[np.ndarray] = []
    new_j: list[np.ndarray] = []
    new_v: list[np.ndarray] = []
    nlo: list[np.ndarray] = []
    nhi: list[np.ndarray] = []
    nrows = 0
    for m in range(b.q.shape[0]):
        qk = np.flatnonzero(b.q[m] >= 0)
        if not qk.size:
            continue
        ps = b.ps[m]
        sv = it.sorted_values[m] / ps
        prefix = it.prefix[m] / ps
        i = it.pair_i[qk]
        cs = it.start[i]
        nq = it.n[i]
        y = np.clip(sol[b.y[qk]], 0, nq)
        q = sol[b.q[m, qk]]
        k = np.minimum(np.floor(y + 1e-9), nq - 1).astype(np.int64)
        kf = k.astype(np.float64)
        nqi = nq.astype(np.int64)
        slope_lo = sv[cs + k]
        low_k = prefix[cs + k] - prefix[cs]
        slope_hi = sv[cs + nqi - 1 - k]
        high_k = (prefix[cs + nqi] - prefix[cs]) - (prefix[cs + nqi - k] - prefix[cs])
        tol = 1e-7 * np.maximum(1.0, it.vtot[i, m] / ps)
        for sel, slope, base, is_lo in (
            (q < low_k + slope_lo * (y - kf) - tol, slope_lo, low_k, True),
            (q > high_k + slope_hi * (y - kf) + tol, slope_hi, high_k, False),
        ):
            arr = np.flatnonzero(sel)
            if not arr.size:
                continue
            rr = nrows + np.arange(arr.size)
            nrows += arr.size
            new_i += [rr, rr]
            new_j += [b.q[m, qk[arr]], b.y[qk[arr]]]
            new_v += [np.ones(arr.size), -slope[arr]]
            rhs = base[arr] - slope[arr] * kf[arr]
            nlo.append(rhs if is_lo else np.full(arr.size, -INF))
            nhi.append(np.full(arr.size, INF) if is_lo else rhs)
    if not nrows:
        return False
    ii, jj, vv = np.concatenate(new_i), np.concatenate(new_j), np.concatenate(new_v)
    o = np.argsort(ii, kind="stable")
    ii, jj, vv = ii[o], jj[o], vv[o]
    rs = np.searchsorted(ii, np.arange(nrows)).astype(np.int32)
    h.addRows(nrows, np.concatenate(nlo), np.concatenate(nhi), len(vv), rs, jj.astype(np.int32), vv)
    return True


def counts_ok(b: Build, y: np.ndarray) -> bool:
    """Whole, non-negative counts that add up to every item's units."""
    it = b.items
    if y.shape != it.pair_i.shape or (y < 0).any():
        return False
    tot = np.bincount(it.pair_i, weights=y, minlength=it.n_items)
    return bool(np.array_equal(tot, it.n))


def counts_add_up(b: Build, y: np.ndarray) -> bool:
    """LP counts that add up to every item's units (a solve that did not stop early)."""
    it = b.items
    tot = np.bincount(it.pair_i, weights=y, minlength=it.n_items)
    return bool(np.allclose(tot, it.n, atol=1e-6))


def solve_class_mip_cuts(
    b: Build,
    cfg: PlanConfig,
    time_limit: float,
    *,
    rounds: int,
    checkpoints: int,
    node_limit: int,
    done: Callable[[ClassLP], bool],
) -> ClassLP:
    """``b``'s model (the class model with measure envelopes) as a MIP, with the envelopes'
    tangents added at each MIP solution and the MIP solved again, until its solution lies on
    every envelope, ``done`` says so (it gets each round's solution, whose ``bound`` is the
    best so far) or ``rounds`` solves are spent. Every round's model is a relaxation of the
    full model (whole counts; tangents valid for every whole plan), so the bound is the
    largest of the rounds' dual bounds. ``checkpoints`` (HiGHS's, ``budget.Checkpoints``) is
    shared by all rounds and ``node_limit`` is per round: limits that do not depend on the
    machine; ``time_limit`` is a safety net (``timed_out``: the caller drops the result)."""
    import highspy

    from .budget import Checkpoints

    h = b.m.to_highs()
    h.setOptionValue("threads", 1)
    h.setOptionValue("random_seed", int(cfg.solver.seed))
    h.setOptionValue("time_limit", float(max(time_limit, 0.5)))
    h.setOptionValue("mip_max_nodes", int(node_limit))
    h.setOptionValue("mip_rel_gap", float(cfg.solver.gap))
    work = Checkpoints(h, checkpoints)
    S = highspy.HighsModelStatus
    t0 = time.perf_counter()
    K = len(b.y)
    out = ClassLP(np.zeros(K), -INF, -INF, "stopped", np.zeros(K), np.zeros((b.q.shape[0], K)), None, 0.0)
    auto = np.flatnonzero((b.z >= 0).any(axis=1)) if b.z.size else np.zeros(0, dtype=np.int64)
    for n in range(1, rounds + 1):
        h.run()
        st = h.getModelStatus()
        info = h.getInfo()
        db = float(info.mip_dual_bound) if st != S.kInfeasible else -INF
        bound = max(out.bound, db if math.isfinite(db) else -INF)
        out = dataclasses.replace(out, bound=bound, cut_rounds=n, timed_out=st == S.kTimeLimit)
        if st == S.kInfeasible or out.timed_out or info.primal_solution_status != 2:
            out.status = "infeasible" if st == S.kInfeasible else "stopped"
            break
        sol = np.asarray(h.getSolution().col_value)
        out = dataclasses.replace(
            out,
            y=sol[b.y],
            value=float(info.objective_function_value),
            status="mip" if st == S.kOptimal else "stopped",
            received=received(b, sol),
            z=sol[b.z[auto]] if auto.size else None,
        )
        if done(out) or work.hit or not _add_cuts(b, h):
            break
    out.seconds = time.perf_counter() - t0
    return out
