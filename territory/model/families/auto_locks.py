"""A unit locked to a rep with product = auto stays with that rep when it carries the unit's
product: y[i, r] >= n_i z[r, q(i)] (with y <= n z from the product choice, y = n z)."""

from __future__ import annotations

from typing import Any

import numpy as np

from ..state import PoolState
from .base import Build, Family, Tracker, Violation, register


@register
class AutoLocks(Family):
    name = "auto_locks"
    order = 55

    def emit(self, b: Build) -> None:
        it = b.items
        if not b.z.size or not (it.lock_auto >= 0).any():
            return
        i, r = it.pair_i, it.pair_r
        zc = np.where(it.lock_auto[i] == r, b.z[r, it.product[i]], -1)
        k = np.flatnonzero(zc >= 0)
        n = len(k)
        b.m.add_rows(
            self.name,
            "keeps_locked",
            n,
            np.concatenate([np.arange(n), np.arange(n)]),
            np.concatenate([b.y[k], zc[k]]),
            np.concatenate([np.ones(n), -it.n[i[k]]]),
            0.0,
            np.inf,
            labels={
                **b.item_labels(i[k]),
                "rep": b.rep_ids[r[k]],
            },
            hard=True,
        )

    def tracker(self, st: PoolState) -> Tracker:
        return _Held(self, st)


class _Held(Tracker):
    def __init__(self, family: Family, st: PoolState):
        super().__init__(family, st)
        p = st.pool
        la = p.lock_auto
        self.held = (la >= 0) & (st.chosen[np.maximum(la, 0)] == p.product)

    def delta(
        self, a: np.ndarray, r: Any, r2: Any, b: np.ndarray | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        la = self.st.pool.lock_auto
        a = np.asarray(a, dtype=np.int64)
        ok = ~self.held[a] | (la[a] == r2)
        if b is not None:
            b = np.asarray(b, dtype=np.int64)
            ok = ok & (~self.held[b] | (la[b] == r))
        return np.zeros(np.shape(ok)), np.asarray(ok, dtype=bool)

    def excess(self) -> float:
        """(moves are only taken where this rule allows them, so only the start can break it)"""
        if not hasattr(self, "_start_excess"):
            self._start_excess = float(len(self.violations()))
        return self._start_excess

    def violations(self, exact: bool = False) -> list[Violation]:
        st, p = self.st, self.st.pool
        bad = np.flatnonzero(self.held & (st.rep_of_unit != p.lock_auto))
        return [
            Violation(
                self.family.name,
                f"{p.unit_ids[u]} is locked to {p.rep_ids[p.lock_auto[u]]}, who carries its product, "
                f"but is given to {p.rep_ids[st.rep_of_unit[u]]}",
                rep=p.rep_ids[p.lock_auto[u]],
            )
            for u in bad[:20].tolist()
        ]
