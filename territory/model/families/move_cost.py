"""The objective's main term: the price of every account taken from an owner who may keep it.

Forced moves (the owner left the roster or no longer covers the account) cost the same
whatever the plan, so they are neither priced nor capped (they are reported, not optimised).
"""

from __future__ import annotations

import numpy as np

from ..state import PoolState
from .base import Build, Family, PairSum, Tracker, register


@register
class MoveCost(Family):
    """Objective: ``continuity.move_cost`` x discretionary accounts moved."""

    name = "move_cost"
    order = 5
    hard = False

    def emit(self, b: Build) -> None:
        it = b.items
        k = np.flatnonzero(it.pair_cost > 0)
        b.m.add_cost(b.y[k], b.cfg.continuity.move_cost * it.pair_cost[k])

    def tracker(self, st: PoolState) -> Tracker:
        return Moved(self, st, price=st.cfg.continuity.move_cost)


class Moved(PairSum):
    """Discretionary accounts moved, pool-wide: a unit held by r moves the accounts of it
    that another rep owns today and may keep."""

    total_rule = True

    def __init__(self, family: Family, st: PoolState, price: float = 0.0):
        self.price = price
        self.disc = st.pool.disc
        super().__init__(family, st)

    def amount(self, u: np.ndarray, r: np.ndarray) -> np.ndarray:
        return self.disc[u] - self.st.keep(u, r)

    def cost(self, r: np.ndarray, total: np.ndarray) -> np.ndarray:
        return self.price * np.asarray(total, dtype=float)

    def excess(self) -> float:
        return 0.0
