"""The result of planning: who owns what, why, and how good the split is."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from .accountstate import AccountState
from .config import PlanConfig
from .errors import Problem
from .io.textops import isin
from .model.solution import PoolResult
from .solve import describe_status

FIXED_COLUMNS = [
    "account_id",
    "name",
    "tier",
    "region",
    "potential",
    "previous_owner_id",
    "owner_id",
    "moved",
]


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
    # the planner's facts about each row of ``accounts`` (territory.accountstate), aligned with it
    state: AccountState
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
        return describe_status(
            self.status, self.gap, self.config.solver.time_limit, objective=self.objective, bound=self.bound
        )

    def assignment(self) -> dict[str, str]:
        return dict(zip(self.accounts["account_id"], self.accounts["owner_id"]))

    def __repr__(self) -> str:
        return (
            f"<Plan [{len(self.accounts):,} accounts, {len(self.reps)} reps, "
            f"{self.status_text()}, {self.moved:,} moved]>"
        )


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
    prev_over_measures: Sequence[tuple[str, np.ndarray]] = (),
) -> np.ndarray:
    """Plain-words reason for every account's owner (vectorised over accounts).

    The first rule that applies wins; each text is built only for the rows it applies to.
    ``prev_over_measures``: per other balanced measure, its label and the accounts whose
    previous owner held more of it than their band and that carry some of it.
    """
    n = len(moved)
    out = np.full(n, "kept with current owner", dtype=object)
    tier_s = np.array(["Tier 1", "Tier 2", "Tier 3"], dtype=object)[np.clip(tier, 1, 3) - 1]
    rules = [
        (locked, lambda i: "locked to " + new[i]),
        (prev == "", lambda i: "new account with no owner; placed to balance " + tier_s[i]),
        (~prev_on_roster, lambda i: "owner " + prev[i] + " left the roster"),
        (~moved, None),
        (
            ~prev_eligible,
            lambda i: "current owner " + prev[i] + " does not cover " + region[i] + ", from " + prev[i],
        ),
        (prev_over_tier, lambda i: "moved to restore " + tier_s[i] + " balance, from " + prev[i]),
        (prev_over_potential, lambda i: "moved to balance potential, from " + prev[i]),
        *[
            (over, lambda i, label=label: "moved to balance " + label + ", from " + prev[i])
            for label, over in prev_over_measures
        ],
        (new_under_tier, lambda i: "moved to fill " + new[i] + "'s " + tier_s[i] + " share, from " + prev[i]),
        (np.ones(n, dtype=bool), lambda i: "moved to balance the books, from " + prev[i]),
    ]
    done = np.zeros(n, dtype=bool)
    for cond, text in rules:
        idx = np.flatnonzero(cond & ~done)
        if text is not None and len(idx):
            out[idx] = text(idx)
        done[idx] = True
    return out


def family_reasons(
    reasons: np.ndarray,
    *,
    row_ids: np.ndarray,
    account_ids: np.ndarray,
    family: np.ndarray,
    family_base: np.ndarray,
    locked: np.ndarray,
    new: np.ndarray,
    prev: np.ndarray,
    moved: np.ndarray,
) -> np.ndarray:
    """Reasons for accounts owned with their family (families kept together).

    A subsidiary "follows parent P" and takes the parent's reason. When a member of the
    family is pinned (locked, or named in a locks file), the whole family goes where the pin
    says: the pinned account keeps its own "locked to R" and every other member, the parent
    included, says which member pinned it. ``family_base`` is the top parent's account id
    (``family`` may carry a product suffix); ids are never split, so ``::`` in an id is safe.
    """
    out = reasons.copy()
    is_child = family != row_ids
    # Families pinned through a subsidiary (a pinned parent needs no more words: its
    # subsidiaries "follow parent P; locked to R").
    pinned_roots = set(family[locked & ~is_child].tolist())
    pin_of: dict[object, int] = {}
    for i in np.flatnonzero(locked & is_child).tolist():
        if family[i] not in pinned_roots:
            pin_of.setdefault(family[i], i)
    by_pin = np.array([f in pin_of for f in family], dtype=bool) & ~locked
    for i in np.flatnonzero(by_pin).tolist():
        j = pin_of[family[i]]
        text = f"family follows {account_ids[j]}, locked to {new[j]}"
        out[i] = text + (f", from {prev[i]}" if moved[i] and prev[i] else "")
    rest = is_child & ~by_pin & ~locked
    if rest.any():
        fam_reason = _reasons_of(reasons, row_ids, family[rest])
        out[rest] = "follows parent " + family_base[rest] + "; " + fam_reason
    return out


def _reasons_of(reasons: np.ndarray, row_ids: np.ndarray, wanted: np.ndarray) -> np.ndarray:
    """``pd.Series(reasons, index=row_ids).reindex(wanted)`` as an object array, without
    building an index of every row (the rows are checked against the few distinct
    ``wanted`` ids, the parents, by ``isin``)."""
    rows = np.flatnonzero(isin(row_ids, set(wanted.tolist())))
    of_id = dict(zip(row_ids[rows].tolist(), reasons[rows].tolist()))
    if len(of_id) != rows.size:  # an id on several rows: let reindex say so
        return pd.Series(reasons, index=row_ids).reindex(wanted).to_numpy(dtype=object)
    return np.array([of_id.get(w, np.nan) for w in wanted.tolist()], dtype=object)
