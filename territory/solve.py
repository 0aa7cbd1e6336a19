"""Choosing and running the solver, and saying honestly what it proved.

pulp maps a HiGHS time-limit stop to ``LpStatusOptimal`` with an integer-feasible solution,
and a CBC time-limited run to "Optimal" too, so the status is read from the solver itself
(HiGHS model status, MIP dual bound and gap) or from ``sol_status``, never from
``LpStatus`` alone.
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import pulp

from .config import SolverConfig
from .errors import SolverUnavailableError

STATUS_TEXT = {
    "optimal": "Optimal (proven)",
    "feasible": "Feasible, not proven optimal",
    "time_limit": "Stopped at the time limit",
    "infeasible": "Infeasible",
    "no_solution": "No solution found",
}


@dataclass(frozen=True)
class SolveReport:
    """What one solve achieved. ``bound`` is a proven lower bound on the objective."""

    solver: str
    status: str  # optimal | feasible | time_limit | infeasible | no_solution
    objective: float | None
    bound: float | None
    seconds: float
    log: str = ""
    # geo.units: the bound of the model without contiguity (``bound`` is then the best
    # proven bound of the model with it, at least this one); None otherwise
    bound_without_contiguity: float | None = None

    @property
    def gap(self) -> float | None:
        if self.objective is None or self.bound is None:
            return None
        denom = max(abs(self.objective), 1e-9)
        return max(0.0, (self.objective - self.bound) / denom)

    @property
    def has_solution(self) -> bool:
        return self.status in ("optimal", "feasible", "time_limit")

    def describe(self, time_limit: float | None = None) -> str:
        return describe_status(self.status, self.gap, time_limit, objective=self.objective, bound=self.bound)


def describe_status(
    status: str,
    gap: float | None,
    time_limit: float | None = None,
    *,
    objective: float | None = None,
    bound: float | None = None,
) -> str:
    """Plain words for a solve outcome, for one pool or a whole plan. With the objective and
    the bound, a plan not proven optimal says how far it may be off, absolute and relative:
    "objective 730 against a proven bound of 723: 7 (0.96 %)"."""
    if status == "optimal":
        g = gap or 0.0
        return "Optimal (proven)" if g < 5e-5 else f"Optimal within {g:.2%} (proven)"
    if status == "time_limit":
        g_text = f"gap {gap:.1%}, " if gap is not None else "no bound, "
        limit = f"the {time_limit:g} s limit" if time_limit else "the time limit"
        return f"Feasible, not proven optimal ({g_text}stopped at {limit})"
    if status == "feasible" and objective is not None and bound is not None and gap is not None:
        return (
            f"Feasible, not proven optimal (objective {objective:,.1f} against a proven bound of "
            f"{bound:,.1f}: {objective - bound:,.1f} ({gap:.2%}))"
        )
    return STATUS_TEXT.get(status, status.replace("_", " ").capitalize())


def available_solvers() -> list[str]:
    out = []
    if pulp.HiGHS().available():
        out.append("highs")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        if pulp.PULP_CBC_CMD(msg=False).available():
            out.append("cbc")
    return out


@contextmanager
def _quiet_stdout() -> Iterator[list[str]]:
    """HiGHS prints a banner on stdout when created, whatever its options; keep it as log."""
    captured: list[str] = []
    try:
        fd = sys.stdout.fileno()
    except (AttributeError, ValueError, OSError):
        fd = 1  # stdout replaced (a notebook, a test runner): HiGHS still writes to descriptor 1
    try:
        sys.stdout.flush()
        saved = os.dup(fd)
    except (OSError, ValueError):
        yield captured
        return
    with tempfile.TemporaryFile(mode="w+b") as tmp:
        os.dup2(tmp.fileno(), fd)
        try:
            yield captured
        finally:
            sys.stdout.flush()
            os.dup2(saved, fd)
            os.close(saved)
            tmp.seek(0)
            captured.append(tmp.read().decode("utf-8", "replace"))


def solve_problem(prob: pulp.LpProblem, cfg: SolverConfig, *, mip: bool = True) -> SolveReport:
    """Solve ``prob`` in place with the configured solver and classify the outcome."""
    name = cfg.name
    start = time.perf_counter()
    if name == "highs":
        solver = pulp.HiGHS(
            mip=mip,
            msg=False,
            timeLimit=cfg.time_limit,
            gapRel=cfg.gap,
            threads=cfg.threads,
            random_seed=cfg.seed,
        )
        with _quiet_stdout() as log:
            prob.solve(solver)
        return _highs_report(prob, time.perf_counter() - start, "".join(log))
    if name == "cbc":
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)
            solver = pulp.PULP_CBC_CMD(
                mip=mip,
                msg=False,
                timeLimit=cfg.time_limit,
                gapRel=cfg.gap,
                threads=cfg.threads,
                options=[f"randomSeed {cfg.seed + 1}", f"randomCbcSeed {cfg.seed + 1}"],
            )
            if not solver.available():
                raise SolverUnavailableError(
                    "CBC is not available in this installation of pulp; use --solver highs"
                )
            prob.solve(solver)
        return _cbc_report(prob, time.perf_counter() - start)
    raise SolverUnavailableError(f"unknown solver {name!r}; choose highs or cbc")


def _highs_report(prob: pulp.LpProblem, seconds: float, log: str) -> SolveReport:
    return highs_report(prob.solverModel, seconds, log)


def highs_report(h: Any, seconds: float, log: str = "", *, mip: bool = True) -> SolveReport:
    """Classify a finished ``highspy.Highs`` run (model status, solution status, dual bound)."""
    status = h.getModelStatus()
    info = h.getInfo()
    S = type(status)
    has_sol = info.primal_solution_status == 2  # kSolutionStatusFeasible
    obj = float(info.objective_function_value) if has_sol else None
    bound = info.mip_dual_bound if (mip and info.mip_node_count >= 0) else None
    if bound is not None and (bound != bound or abs(bound) == float("inf")):
        bound = None
    if status == S.kOptimal:
        kind = "optimal"
        if bound is None:  # an LP: the optimum is its own bound
            bound = obj
    elif status == S.kInfeasible:
        kind, obj, bound = "infeasible", None, None
    elif status in (S.kTimeLimit, S.kIterationLimit, S.kSolutionLimit, S.kInterrupt):
        kind = "time_limit" if has_sol else "no_solution"
    else:
        kind = "feasible" if has_sol else "no_solution"
    return SolveReport("highs", kind, obj, None if bound is None else float(bound), seconds, log)


def _cbc_report(prob: pulp.LpProblem, seconds: float) -> SolveReport:
    obj = pulp.value(prob.objective)
    obj_f = float(obj) if obj is not None else 0.0
    if prob.status == pulp.LpStatusInfeasible:
        return SolveReport("cbc", "infeasible", None, None, seconds)
    if prob.status == pulp.LpStatusOptimal and prob.sol_status == pulp.LpSolutionOptimal:
        return SolveReport("cbc", "optimal", obj_f, obj_f, seconds)
    if prob.sol_status in (pulp.LpSolutionIntegerFeasible, pulp.LpSolutionOptimal):
        # CBC through pulp gives no bound for a stopped run: report none rather than guess.
        return SolveReport("cbc", "time_limit", obj_f, None, seconds)
    return SolveReport("cbc", "no_solution", None, None, seconds)
