"""A finished (or in-progress) plan of one pool, for checks, trackers and local search.

``PoolState`` holds who owns each unit of a pool and the products reps carry. Families read
it twice: their *checks* evaluate it in exact arithmetic (counts are integers; sums of
account values are compared with ``math.fsum`` and, near a limit, ``fractions.Fraction``),
and their *trackers* keep running totals of it for the local search, updated move by move.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

import numpy as np

from ..config import PlanConfig
from .items import Items
from .pools import Pool, Shares
from .units import Units


@dataclass
class PoolState:
    """Who holds each unit (``rep_of_unit``, local rep indices) and what each rep carries."""

    pool: Pool
    units: Units
    items: Items  # the pairs that may hold each unit (eligibility, products)
    cfg: PlanConfig
    rep_of_unit: np.ndarray  # (U,)
    chosen: np.ndarray  # (R,) product per rep
    item_of_unit: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    _keys: np.ndarray | None = None

    def __post_init__(self) -> None:
        if not self.item_of_unit.size and self.pool.n_units:
            self.item_of_unit = np.repeat(np.arange(self.items.n_items), np.diff(self.items.start))
        self.shares: Shares = self.pool.shares(self.chosen)

    @property
    def R(self) -> int:
        return self.pool.n_reps

    # ------------------------------------------------------------ ownership lookups

    def keep(self, u: np.ndarray, r: np.ndarray) -> np.ndarray:
        """Accounts of unit ``u`` that rep ``r`` owns today and may keep (vectorised)."""
        return self._own_lookup(u, r, self.pool.own_n)

    def keep_repeat(self, u: np.ndarray, r: np.ndarray) -> np.ndarray:
        """Of those accounts, the ones that moved in the previous plan too."""
        if not self.pool.own_rn.size:
            return np.zeros(np.broadcast(np.asarray(u), np.asarray(r)).shape)
        return self._own_lookup(u, r, self.pool.own_rn)

    def keep_value(self, u: np.ndarray, r: np.ndarray) -> np.ndarray:
        """Potential of those accounts."""
        return self._own_lookup(u, r, self.pool.own_v)

    def _own_lookup(self, u: np.ndarray, r: np.ndarray, what: np.ndarray) -> np.ndarray:
        p = self.pool
        if self._keys is None:
            self._keys = p.own_u * (p.n_reps + 1) + p.own_r
        u, r = np.broadcast_arrays(np.asarray(u, dtype=np.int64), np.asarray(r, dtype=np.int64))
        if not self._keys.size:
            return np.zeros(u.shape)
        key = u * (p.n_reps + 1) + r
        pos = np.minimum(np.searchsorted(self._keys, key), len(self._keys) - 1)
        return np.where(self._keys[pos] == key, what[pos], 0.0)

    # ------------------------------------------------------------ exact sums

    def account_reps(self) -> np.ndarray:
        """Local rep of every account of the pool (aligned with ``pool.acc_rows``)."""
        return self.rep_of_unit[self.pool.acc_local_unit]

    def exact_sum(self, m: int, mask: np.ndarray) -> Fraction:
        """Exact sum of measure ``m`` over the pool's accounts selected by ``mask``."""
        vals = self.units.acc_values[self.pool.acc_rows[mask], m]
        return sum((Fraction(v) for v in vals.tolist()), Fraction(0))

    def within(self, m: int, tot: float, lo: float, hi: float, mask: Any, exact: bool) -> tuple[bool, float]:
        """Whether a sum ``tot`` of measure ``m`` lies in [lo, hi], and the sum: within a
        billionth of an end, with ``exact``, decided on the accounts' own values (``mask()``
        selects them among the pool's accounts) in exact arithmetic."""
        near = min(abs(tot - lo), abs(tot - hi)) <= 1e-9 * max(abs(lo), abs(hi), 1.0)
        if exact and near:
            s = self.exact_sum(m, mask())
            return Fraction(lo) <= s <= Fraction(hi), float(s)
        return lo <= tot <= hi, tot
