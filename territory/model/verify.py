"""Every finished plan, whatever the method, is checked against every rule of every family.

Checks are exact (integer counts; sums of account values decided with ``fractions`` near a
limit) and have no tolerance: a solver may accept a plan that breaks a cap by a millionth of
the pool's potential, inside its own tolerance (issue 14); such a plan is repaired (the unit
that tips the cap goes back) or refused, never accepted silently.
"""

from __future__ import annotations

import numpy as np

from ..config import PlanConfig
from ..errors import InfeasiblePlanError
from .families import Family, Violation, active_families
from .items import Items, classes
from .pools import Pool
from .solution import SolvedPools
from .state import PoolState
from .units import Units


def check_all(st: PoolState, fams: list[Family]) -> list[Violation]:
    """Every family's violations on one pool's plan."""
    return [v for f in fams for v in f.check(st)]


def evaluate(st: PoolState, fams: list[Family]) -> float:
    """The plan's objective: every family's penalty (move cost, band slack) on its units."""
    return float(sum(f.tracker(st).penalty() for f in fams))


def pool_state(
    pool: Pool,
    units: Units,
    cfg: PlanConfig,
    rep_of_unit: np.ndarray,
    chosen: np.ndarray,
    items: Items | None = None,
) -> PoolState:
    """A pool's plan to check; eligibility comes from ``items`` (by default the pool's
    classes, whose pairs are every unit's eligible reps)."""
    return PoolState(pool, units, items if items is not None else classes(pool), cfg, rep_of_unit, chosen)


def verify(solved: SolvedPools, units: Units, cfg: PlanConfig) -> list[Violation]:
    """Check the finished plan: every family on every pool, from the owners per account.

    Hard violations come first; soft ones (bands the plan bends at a price) follow.
    """
    fams = active_families(cfg)
    hard: list[Violation] = []
    soft: list[Violation] = []
    for pool, plan, chosen in solved.plans:
        owners = solved.owner[pool.acc_rows]
        pos = np.searchsorted(pool.reps, owners)
        pos = np.minimum(pos, len(pool.reps) - 1)
        local = np.where(pool.reps[pos] == owners, pos, -1)
        # units without accounts (geo.units) keep the plan's owner; the others their accounts'
        rep_of_unit = np.asarray(plan, dtype=np.int64).copy()
        rep_of_unit[pool.acc_local_unit] = local
        split = local != rep_of_unit[pool.acc_local_unit]
        for u in np.unique(pool.acc_local_unit[split])[:20].tolist():
            hard.append(
                Violation("assign_once", f"{pool.unit_ids[u]} is split between owners in {pool.name}")
            )
        st = pool_state(pool, units, cfg, rep_of_unit, chosen)
        for v in check_all(st, fams):
            (hard if v.hard else soft).append(v)
    return hard + soft


def refuse(violations: list[Violation]) -> None:
    """Raise if a plan breaks a hard rule (after every repair the method could make)."""
    hard = [v for v in violations if v.hard]
    if hard:
        lines = "\n  - ".join(v.message for v in hard[:10])
        raise InfeasiblePlanError(
            "The plan breaks a hard rule, so it is not written:\n  - "
            + lines
            + "\nThis is a bug; please report it with your inputs (meanwhile relax the rule named)."
        )
