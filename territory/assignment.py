"""The result of planning: who owns what, why, and how good the split is."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from .config import PlanConfig
from .errors import Problem
from .model.solution import PoolResult

FIXED_COLUMNS = ["account_id", "name", "tier", "region", "potential", "previous_owner_id", "owner_id", "moved"]


@dataclass(frozen=True)
class InputFile:
    label: str
    path: str
    sha256: str
    rows: int


@dataclass
class Plan:
    """A solved plan.

    ``accounts`` has one row per account with ``owner_id`` (new), ``previous_owner_id``,
    ``moved`` and ``reason``; ``reps`` is the roster with per-rep fair shares, bands and
    before/after totals as columns.
    """

    accounts: pd.DataFrame
    reps: pd.DataFrame
    config: PlanConfig
    pools: list[PoolResult]
    inputs: list[InputFile]
    metrics: dict[str, Any]
    warnings: list[Problem] = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=dict)
    extras: dict[str, Any] = field(default_factory=dict)

    @property
    def status(self) -> str:
        order = ["infeasible", "no_solution", "time_limit", "feasible", "optimal"]
        statuses = [p.report.status for p in self.pools] or ["optimal"]
        return min(statuses, key=order.index)

    @property
    def objective(self) -> float | None:
        vals = [p.report.objective for p in self.pools]
        return None if any(v is None for v in vals) else float(sum(v for v in vals if v is not None))

    @property
    def bound(self) -> float | None:
        vals = [p.report.bound for p in self.pools]
        return None if any(v is None for v in vals) else float(sum(v for v in vals if v is not None))

    @property
    def gap(self) -> float | None:
        obj, bound = self.objective, self.bound
        if obj is None or bound is None:
            return None
        return max(0.0, (obj - bound) / max(abs(obj), 1e-9))

    @property
    def moved(self) -> int:
        return int(self.accounts["moved"].sum())

    def status_text(self) -> str:
        if self.status == "optimal":
            gap = self.gap or 0.0
            return "Optimal (proven)" if gap < 5e-5 else f"Optimal within {gap:.2%} (proven)"
        limit = self.config.solver.time_limit
        if self.status == "time_limit":
            g = f"gap {self.gap:.1%}, " if self.gap is not None else "no bound, "
            return f"Feasible, not proven optimal ({g}stopped at the {limit:g} s limit)"
        if self.status == "feasible":
            return "Feasible, not proven optimal"
        return self.status.replace("_", " ").capitalize()

    def assignment(self) -> dict[str, str]:
        return dict(zip(self.accounts["account_id"], self.accounts["owner_id"]))

    def __repr__(self) -> str:
        return (f"<Plan [{len(self.accounts):,} accounts, {len(self.reps)} reps, "
                f"{self.status_text()}, {self.moved:,} moved]>")


def reason_texts(
    *,
    moved: np.ndarray,
    prev: np.ndarray,
    new: np.ndarray,
    prev_on_roster: np.ndarray,
    prev_eligible: np.ndarray,
    locked: np.ndarray,
    tier: np.ndarray,
    region: np.ndarray,
    prev_over_tier: np.ndarray,
    prev_over_potential: np.ndarray,
    new_under_tier: np.ndarray,
) -> np.ndarray:
    """Plain-words reason for every account's owner (vectorised over accounts)."""
    n = len(moved)
    out = np.empty(n, dtype=object)
    tier_s = np.array([f"Tier {t}" for t in tier], dtype=object)
    conds = [
        locked,
        prev == "",
        ~prev_on_roster,
        ~moved,
        ~prev_eligible,
        prev_over_tier,
        prev_over_potential,
        new_under_tier,
    ]
    texts = [
        "locked to " + new.astype(object),
        np.full(n, "new account with no owner; placed to balance " ) + tier_s,
        "owner " + prev.astype(object) + " left the roster",
        np.full(n, "kept with current owner", dtype=object),
        "current owner " + prev.astype(object) + " does not cover " + region.astype(object) + ", from " + prev.astype(object),
        "moved to restore " + tier_s + " balance, from " + prev.astype(object),
        "moved to balance potential, from " + prev.astype(object),
        "moved to fill " + new.astype(object) + "'s " + tier_s + " share, from " + prev.astype(object),
    ]
    out[:] = "moved to balance the books, from " + prev.astype(object)
    done = np.zeros(n, dtype=bool)
    for c, t in zip(conds, texts):
        sel = c & ~done
        out[sel] = np.asarray(t, dtype=object)[sel]
        done |= sel
    return out
