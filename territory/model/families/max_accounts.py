"""Hard cap on a rep's number of accounts where the roster gives ``max_accounts``."""

from __future__ import annotations

from typing import Any

import numpy as np

from ..state import PoolState
from .base import Build, Family, PairSum, Solution, Tracker, Violation, register


@register
class MaxAccounts(Family):
    """sum_i size_i y[i, r] <= max_accounts[r]."""

    name = "max_accounts"
    order = 60
    bends = True

    def emit(self, b: Build) -> None:
        p, it = b.pool, b.items
        capped = np.flatnonzero(~np.isnan(p.max_accounts))
        if not capped.size:
            return
        rowmap = np.full(p.n_reps, -1)
        rowmap[capped] = np.arange(capped.size)
        k = np.flatnonzero(rowmap[it.pair_r] >= 0)
        b.m.add_rows(
            self.name,
            "max_accounts",
            capped.size,
            rowmap[it.pair_r[k]],
            b.y[k],
            it.size[it.pair_i[k]],
            -np.inf,
            p.max_accounts[capped],
            labels={"rep": b.rep_ids[capped]},
            info={"rep": capped, "limit": p.max_accounts[capped]},
            hard=True,
        )

    def tracker(self, st: PoolState) -> Tracker:
        return _Cap(self, st)

    def explain(self, info: dict[str, Any], amount: float, sol: Solution, notes: dict[str, Any]) -> list[str]:
        rep = sol.b.pool.rep_ids[int(info["rep"])]
        return [
            f"{rep} may hold at most {info['limit']:.0f} accounts (max_accounts in the roster), but "
            f"the plan needs {info['limit'] + amount:.0f} there; raise max_accounts or add a rep."
        ]


class _Cap(PairSum):
    def __init__(self, family: Family, st: PoolState):
        self.cap = np.where(np.isnan(st.pool.max_accounts), np.inf, st.pool.max_accounts)
        super().__init__(family, st)

    def amount(self, u: np.ndarray, r: np.ndarray) -> np.ndarray:
        return self.st.pool.size[u].astype(np.float64)

    def allowed(self, r: np.ndarray, new: np.ndarray, old: np.ndarray) -> np.ndarray:
        return (new <= self.cap[r]) | (new <= old)

    def excess(self) -> float:
        return float(np.maximum(self.T - self.cap, 0).sum())

    def violations(self, exact: bool = False) -> list[Violation]:
        p = self.st.pool
        return [
            Violation(
                self.family.name,
                f"{p.rep_ids[r]} holds {self.T[r]:.0f} accounts, above its max_accounts of "
                f"{self.cap[r]:.0f} in the roster",
                hint="raise max_accounts or add a rep",
                rep=p.rep_ids[r],
                amount=float(self.T[r] - self.cap[r]),
            )
            for r in np.flatnonzero(self.T > self.cap).tolist()
        ]
