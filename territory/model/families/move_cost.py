"""The objective's main term: the price of every account taken from an owner who may keep it.

Forced moves (the owner left the roster or no longer covers the account) cost the same
whatever the plan, so they are neither priced nor capped (they are reported, not optimised).
"""

from __future__ import annotations

import numpy as np

from ...config import PlanConfig
from ..state import PoolState
from .base import Build, Family, PairSum, Tracker, register


@register
class MoveCost(Family):
    """Objective: ``continuity.move_cost`` x discretionary accounts moved, an account that
    moved in the previous plan (``continuity.previous``) counting
    ``continuity.repeat_move_weight`` times."""

    name = "move_cost"
    order = 5
    hard = False

    def emit(self, b: Build) -> None:
        it = b.items
        weighted = it.pair_cost + _extra(b.cfg) * it.pair_repeat if it.pair_repeat.size else it.pair_cost
        k = np.flatnonzero(weighted > 0)
        b.m.add_cost(b.y[k], b.cfg.continuity.move_cost * weighted[k])

    def tracker(self, st: PoolState) -> Tracker:
        return _Weighted(self, st, price=st.cfg.continuity.move_cost)


def _extra(cfg: PlanConfig) -> float:
    """What a repeat move costs on top of a move, in moves."""
    return float(cfg.continuity.repeat_move_weight) - 1.0


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


class _Weighted(Moved):
    """Moves priced with repeat moves weighted: the objective's move term."""

    def __init__(self, family: Family, st: PoolState, price: float = 0.0):
        self.extra = _extra(st.cfg)
        self.disc_rep = (
            np.bincount(st.pool.own_u, weights=st.pool.own_rn, minlength=st.pool.n_units)
            if st.pool.own_rn.size
            else None
        )
        super().__init__(family, st, price)

    def amount(self, u: np.ndarray, r: np.ndarray) -> np.ndarray:
        base = super().amount(u, r)
        if self.disc_rep is None or not self.extra:
            return base
        return base + self.extra * (self.disc_rep[u] - self.st.keep_repeat(u, r))
