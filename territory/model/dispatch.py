"""The solving step of the pipeline: choose the method, solve every pool, verify the plan.

- ``exact`` (``territory.model.exact``): one MIP per pool over every (family, rep) pair; for
  small pools (what-ifs, ~10^4 pairs);
- ``aggregate`` (the scale method): classes of interchangeable families, for anything larger.

Whatever the method, the finished plan is checked against every family
(``territory.model.verify``): a hard rule broken by any amount stops the plan with a message;
the bands it bends come back as warnings.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from ..config import PlanConfig
from .pools import build_units
from .solution import Progress, SolvedPools, no_progress
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
    accounts: pd.DataFrame,
    reps: pd.DataFrame,
    cfg: PlanConfig,
    *,
    progress: Progress = no_progress,
    export_lp: str | Path | None = None,
) -> SolvedPools:
    """Solve every pool with the method ``cfg.solver.method`` asks for, then verify the plan."""
    units = build_units(accounts, reps, cfg)
    method = choose_method(cfg, units.n_pairs, units.n_units, export_lp is not None)
    if method == "exact":
        from .exact import solve_exact

        solved = solve_exact(accounts, reps, cfg, progress=progress, export_lp=export_lp, units=units)
    else:
        from .aggregate import solve_aggregate

        solved = solve_aggregate(accounts, reps, cfg, progress=progress)
    violations = verify(solved, units, cfg)
    refuse(violations)
    solved.warnings = [v for v in violations if not v.hard]
    return solved
