"""The solving step of the pipeline: choose the method, solve every pool, verify the plan.

- ``exact`` (``territory.model.exact``): one MIP per pool over every (family, rep) pair; for
  small pools (what-ifs, ~10^4 pairs);
- ``aggregate`` (the scale method): classes of interchangeable families, for anything larger.

Whatever the method, the finished plan is checked against every family
(``territory.model.verify``): a hard rule broken by any amount stops the plan with a message;
the bands it bends come back as warnings.
"""

from __future__ import annotations

import multiprocessing as mp
import os
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from functools import partial
from pathlib import Path
from typing import Any

import numpy as np

from ..config import PlanConfig
from ..progress import SOLVE, Progress, no_progress
from ..solve import SolveReport
from .inputs import ModelInput
from .pools import Pool, build_pools
from .solution import SolvedPools
from .units import Units, build_units
from .verify import refuse, verify


def choose_method(cfg: PlanConfig, n_pairs: int, n_units: int, export_lp: bool = False) -> str:
    """``solver.method``, with ``auto`` resolved: exact for small instances (at most
    ``solver.exact_max_pairs`` eligible pairs and ``solver.exact_max_units`` families) or when
    an LP file is asked for, the scale method otherwise."""
    method = cfg.solver.method
    if method != "auto":
        return method
    if export_lp:
        return "exact"
    small = n_pairs <= cfg.solver.exact_max_pairs and n_units <= cfg.solver.exact_max_units
    return "exact" if small else "aggregate"


def solve_pools(
    mi: ModelInput,
    cfg: PlanConfig,
    *,
    progress: Progress = no_progress,
    export_lp: str | Path | None = None,
    method: str | None = None,
    workers: int | None = None,
) -> SolvedPools:
    """Solve every pool with the method ``cfg.solver.method`` asks for (or ``method``), then
    verify the plan. ``export_lp`` writes each pool's per-unit model in LP format first."""
    units = build_units(mi, cfg)
    # (units without accounts, geo.units, are free columns of one row each that presolve
    # takes out: the size that chooses the method is that of the units with accounts)
    sized = units.size > 0
    lens = np.array([len(s) for s in units.sig_reps], dtype=np.int64)
    pairs = int(lens[units.sig[sized]].sum()) if sized.any() else 0
    method = method or choose_method(cfg, pairs, int(sized.sum()), export_lp is not None)
    pools = build_pools(mi, cfg, units)
    out = SolvedPools.empty(mi.n_accounts, mi.n_reps, [m.name for m in units.measures])
    out.method = method
    if export_lp is not None:
        from .build import build_model
        from .exact import export_lp_file
        from .items import singletons

        for pool in pools:
            prob = build_model(singletons(pool), cfg).m.to_pulp()
            out.lp_files.append(export_lp_file(prob, Path(export_lp), pool.name, len(pools)))
    from .exact import solve_pool_exact
    from .scale import solve_pool_scale

    solve_one: PoolSolver = solve_pool_exact if method == "exact" else solve_pool_scale
    if units.nbr_ptr is not None:  # geo.units: contiguity by repair, or by cuts in the MIP
        from .contiguous import solve_contiguous

        solve_one = partial(solve_contiguous, solve_one)
    results = run_pools(pools, units, cfg, solve_one, progress, workers)
    owner_of_unit = np.full(units.n_units, -1, dtype=np.int64)
    product_mode = mi.product_mode
    for pool, (rep_of_unit, chosen, report) in zip(pools, results):
        out.record(pool, rep_of_unit, chosen, report, owner_of_unit, product_mode)
    out.owner = owner_of_unit[units.acc_unit]
    violations = verify(out, units, cfg)
    refuse(violations)
    out.warnings = [v for v in violations if not v.hard]
    return out


PoolSolver = Callable[[Pool, Units, PlanConfig], tuple[np.ndarray, np.ndarray, SolveReport]]
_STATE: dict[str, Any] = {}


def run_pools(
    pools: list[Pool],
    units: Units,
    cfg: PlanConfig,
    solve_one: PoolSolver,
    progress: Progress = no_progress,
    workers: int | None = None,
) -> list[tuple[np.ndarray, np.ndarray, SolveReport]]:
    """``solve_one`` on every pool: in parallel processes (``solver.workers``, 0 = one per CPU)
    when at least two pools are big enough to pay for it, largest first; the results are
    keyed by pool, so they do not depend on the number of workers or the finishing order."""
    n_workers = workers if workers is not None else cfg.solver.workers
    if not n_workers:
        n_workers = os.cpu_count() or 1
    size = [len(p.class_start) * p.n_reps for p in pools]
    results: dict[int, tuple[np.ndarray, np.ndarray, SolveReport]] = {}
    progress(SOLVE, 0, len(pools))
    big = sum(s >= 2_000 for s in size)
    if n_workers > 1 and big > 1 and "fork" in mp.get_all_start_methods():
        _STATE.update(pools=pools, units=units, cfg=cfg, solve=solve_one)
        try:
            todo = sorted(range(len(pools)), key=lambda p: -size[p])
            ctx = mp.get_context("fork")
            with ProcessPoolExecutor(max_workers=min(n_workers, len(todo)), mp_context=ctx) as ex:
                for p, res in zip(todo, ex.map(_solve_one, todo)):
                    results[p] = res
                    progress(SOLVE, len(results), len(pools))
        finally:
            _STATE.clear()
    else:
        for p, pool in enumerate(pools):
            results[p] = solve_one(pool, units, cfg)
            progress(SOLVE, p + 1, len(pools))
    return [results[p] for p in range(len(pools))]


def _solve_one(p: int) -> tuple[np.ndarray, np.ndarray, SolveReport]:
    solve: PoolSolver = _STATE["solve"]
    return solve(_STATE["pools"][p], _STATE["units"], _STATE["cfg"])
