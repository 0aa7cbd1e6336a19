"""Cap the share of accounts that change owner, not counting forced moves (the owner left the
roster or no longer covers the account)."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from ...config import PlanConfig
from ..state import PoolState
from .base import Build, Family, Solution, Tracker, Violation, register
from .move_cost import Moved


def move_limit(share: float, accounts: int) -> float:
    return float(np.floor(share * float(accounts) + 1e-9))


@register
class MoveLimit(Family):
    """sum_k moves_k y_k <= floor(max_moved_share x accounts in the pool)."""

    name = "move_limit"
    order = 70
    bends = True

    @classmethod
    def active(cls, cfg: PlanConfig) -> bool:
        return cfg.continuity.max_moved_share is not None

    def emit(self, b: Build) -> None:
        it, p = b.items, b.pool
        share = b.cfg.continuity.max_moved_share
        assert share is not None
        limit = move_limit(share, p.n_accounts)
        k = np.flatnonzero(it.pair_cost > 0)
        b.m.add_rows(
            self.name,
            "move_limit",
            1,
            np.zeros(len(k), dtype=np.int64),
            b.y[k],
            it.pair_cost[k],
            -np.inf,
            limit,
            labels={"pool": p.name},
            info={"limit": limit, "share": share},
            hard=True,
        )

    def tracker(self, st: PoolState) -> Tracker:
        return _Limit(self, st)

    def explain(self, info: dict[str, Any], amount: float, sol: Solution, notes: dict[str, Any]) -> list[str]:
        p = sol.b.pool
        limit = float(info["limit"])
        need = (limit + amount) / p.n_accounts if p.n_accounts else 0.0
        return [
            f"At most {info['share']:.1%} of accounts may move in {p.name} ({limit:.0f}), but the "
            f"locks and hard rules need {limit + amount:.0f}; raise continuity.max_moved_share to "
            f"{math.ceil(need * 1000) / 10:.1f} % or relax the rules."
        ]


class _Limit(Moved):
    def __init__(self, family: Family, st: PoolState):
        share = st.cfg.continuity.max_moved_share
        assert share is not None
        self.share = share
        self.limit = move_limit(share, st.pool.n_accounts)
        super().__init__(family, st)

    def allowed(self, r: np.ndarray, new: np.ndarray, old: np.ndarray) -> np.ndarray:
        return (new <= self.limit) | (new <= old)

    def excess(self) -> float:
        return max(float(self.T.sum()) - self.limit, 0.0)

    def violations(self, exact: bool = False) -> list[Violation]:
        moved = float(self.T.sum())
        if moved <= self.limit:
            return []
        p = self.st.pool
        return [
            Violation(
                self.family.name,
                f"{moved:.0f} accounts move in {p.name}, above continuity.max_moved_share = "
                f"{self.share:.1%} ({self.limit:.0f} accounts)",
                amount=moved - self.limit,
            )
        ]
