"""The exact method: one MIP per pool over every eligible (unit, rep) pair.

The per-unit model is the class model with every unit its own class (``singletons``), built
by the same families. It is solved by HiGHS from arrays, or by CBC through pulp; its plan is
then checked exactly against every family. A cap the solver's tolerance let slip (a plan
that moves 1e-6 of the pool's potential too much, say) is tightened by the excess and the
pool solved again; if that does not settle it, units go back to their owners until the plan
keeps every rule. The bound reported is the first solve's: the tightened models are
restrictions, the first one a relaxation (its tolerance only widens it).
"""

from __future__ import annotations

import re
import time
from pathlib import Path

import numpy as np

from ..config import PlanConfig
from ..errors import InfeasiblePlanError
from ..solve import SolveReport
from .build import build_model, owners_from, solve_model
from .families import active_families
from .items import singletons
from .pools import Pool
from .repair import Objective, give_back
from .units import Units
from .verify import check_all, evaluate, pool_state

# HiGHS options for a second solve when a plan broke a rule inside the solver's tolerance.
FINE_TOLERANCES: dict[str, object] = {
    "primal_feasibility_tolerance": 1e-10,
    "mip_feasibility_tolerance": 1e-10,
}


def solve_pool_exact(
    pool: Pool, units: Units, cfg: PlanConfig, *, attempts: int = 3
) -> tuple[np.ndarray, np.ndarray, SolveReport]:
    """Solve one pool's MIP and return (rep per unit, product per rep, report) for a plan
    that keeps every hard rule exactly."""
    if not pool.n_units:  # reps with nothing to hold in their region: nothing to solve
        empty = SolveReport(cfg.solver.name, "optimal", 0.0, 0.0, 0.0)
        return np.zeros(0, dtype=np.int64), np.maximum(pool.rep_product, 0), empty
    items = singletons(pool)
    fams = active_families(cfg)
    b = build_model(items, cfg, families=fams)
    t0 = time.perf_counter()
    sol = solve_model(b, cfg.solver)
    first = sol.report
    if not first.has_solution or sol.x is None:
        raise InfeasiblePlanError(no_solution_message(pool, units, cfg, first.status))
    rep_of_unit, chosen = owners_from(b, sol.x)
    st = pool_state(pool, units, cfg, rep_of_unit, chosen, items)
    bound_report = first
    notes = []
    for attempt in range(attempts):
        hard = [v for v in check_all(st, fams) if v.hard]
        if not hard:
            break
        notes.append("; ".join(v.message for v in hard))
        if attempt == 0 and cfg.solver.name == "highs":
            # The same model with HiGHS's feasibility tolerances 1000x finer: still a
            # relaxation of the exact rules, so its bound stays valid.
            again = solve_model(b, cfg.solver, options=FINE_TOLERANCES)
            if again.report.has_solution and again.report.bound is not None:
                bound_report = again.report
        elif any(f.tighten(b, v) for f in fams for v in hard if v.family in (f.name, f.key)):
            # Rows narrowed by the excess: a restriction, whose bound is not used.
            again = solve_model(
                b, cfg.solver, options=FINE_TOLERANCES if cfg.solver.name == "highs" else None
            )
        else:
            break
        if not again.report.has_solution or again.x is None:
            break
        rep_of_unit, chosen = owners_from(b, again.x)
        st = pool_state(pool, units, cfg, rep_of_unit, chosen, items)
    if [v for v in check_all(st, fams) if v.hard]:
        give_back(Objective(st, fams))
    objective = evaluate(st, fams)
    bound = bound_report.bound if bound_report.bound is None else min(bound_report.bound, objective)
    status = first.status
    # (the model's coefficients are rounded to 9 decimals, so its bound may sit a few
    # millionths below a plan's exact objective: that is no gap)
    slack = cfg.solver.gap * max(abs(objective), 1e-9) + 1e-6 * max(abs(objective), 1.0)
    if status == "optimal" and bound is not None and objective - bound > slack:
        status = "feasible"
    log = first.log + ("" if not notes else "\nsolved again after: " + " | ".join(notes))
    report = SolveReport(first.solver, status, objective, bound, time.perf_counter() - t0, log)
    return st.rep_of_unit, st.chosen, report


def no_solution_message(pool: Pool, units: Units, cfg: PlanConfig, status: str) -> str:
    if status == "infeasible":
        from .explain import explain_pool

        lines = explain_pool(pool, cfg, units)
        return f"No plan for {pool.name} keeps every hard rule:\n  - " + "\n  - ".join(lines)
    return f"The solver found no plan for {pool.name} within {cfg.solver.time_limit:g} s. Raise --time-limit."


def export_lp_file(prob: object, path: Path, pool_name: str, n_pools: int) -> str:
    """Write one pool's model in LP format: ``model.lp``, or ``model-<pool>.lp`` for several."""
    if n_pools > 1:
        slug = re.sub(r"[^A-Za-z0-9]+", "-", pool_name).strip("-").lower() or "pool"
        path = path.with_name(f"{path.stem}-{slug}{path.suffix or '.lp'}")
    import os
    import secrets

    from ..io.writing import output_error

    tmp = path.with_name(f".{path.name}.{secrets.token_hex(4)}.tmp")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        prob.writeLP(str(tmp))  # type: ignore[attr-defined]  # then renamed: never half a model
        os.replace(tmp, path)
    except OSError as e:
        if tmp.is_file():
            tmp.unlink()
        raise output_error(path, e) from None
    return str(path)
