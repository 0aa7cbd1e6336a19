"""Infeasible asks, explained in the user's terms.

When the hard rules of a pool cannot all hold, the pool is solved again in elastic form
(bands soft, every cap with a heavily priced slack). Every slack left above zero is a rule
that had to bend; the family that owns the row words it: which rule, for whom, by how much,
and the setting that would make room. The same works on the per-unit model and on the class
model of the scale method (the bent rows carry the same information).
"""

from __future__ import annotations

from typing import Any

from ..config import PlanConfig
from .build import build_model, solve_model
from .families import Family, active_families
from .families.base import Solution
from .items import Items, singletons
from .pools import Pool

EPS = 1e-6


def explain_pool(
    pool: Pool, cfg: PlanConfig, units: Any = None, *, items: Items | None = None, measures: str = "exact"
) -> list[str]:
    """Sentences saying which rules cannot hold together in ``pool`` and what would help.

    ``items``/``measures`` choose the model (default: the per-unit model; the scale method
    passes its classes with ``measures="envelope"``).
    """
    return explain_bends(pool, cfg, items=items, measures=measures) or [
        f"{pool.name}: the hard rules conflict, but no single rule explains it; "
        "relax the caps one at a time to find the conflict."
    ]


def explain_bends(
    pool: Pool, cfg: PlanConfig, *, items: Items | None = None, measures: str = "exact"
) -> list[str]:
    """The sentences for every row that bends in the elastic re-solve ([] if none does)."""
    items = items if items is not None else singletons(pool)
    fams = active_families(cfg)
    b = build_model(items, cfg, families=fams, elastic=True, measures=measures)
    sol = solve_model(b, cfg.solver)
    if not sol.report.has_solution or sol.x is None:
        return [
            f"{pool.name}: even with every limit relaxed the solver found no plan "
            f"({sol.report.describe(cfg.solver.time_limit)}); check the locks and eligibility."
        ]
    view = Solution(b, sol.x)
    # Bands are soft unless ``balance.hard_bands``: the plan may bend them at a price anyway,
    # so a band the elastic solve bends is no cause of the conflict and is not named.
    causes = [f for f in fams if f.hard or cfg.balance.hard_bands]
    owner: dict[tuple[str, str], Family] = {(f.name, _measure_of(f)): f for f in causes}
    sentences: list[str] = []
    notes: dict[str, Any] = {}
    for blk in b.m.col_blocks:
        if not blk.family or blk.family == "envelope":
            continue
        vals = sol.x[blk.start : blk.start + blk.n]
        for k in (vals > EPS).nonzero()[0].tolist():
            info = blk.info_at(k)
            fam = owner.get((blk.family, str(info.get("measure", ""))))
            if fam is not None:
                sentences += fam.explain(info, float(vals[k]), view, notes)
    for f in causes:
        sentences += f.summarize(notes, cfg)
    return sentences


def _measure_of(f: Family) -> str:
    m = getattr(f, "measure", None)
    return str(m.name) if m is not None else ""
