"""Every unit (family or account) gets exactly one owner, among the reps who may hold it."""

from __future__ import annotations

from typing import Any

import numpy as np

from ..state import PoolState
from .base import Build, Family, Tracker, Violation, register


@register
class AssignOnce(Family):
    """sum_r y[i, r] = n_i for every item; pairs exist only for eligible reps (region, segment,
    product, locks), so the owner is always one who may hold the unit."""

    name = "assign_once"
    order = 10

    def emit(self, b: Build) -> None:
        it = b.items
        k = np.arange(it.n_pairs)
        b.m.add_rows(
            self.name,
            "assign_once",
            it.n_items,
            it.pair_i,
            b.y[k],
            np.ones(len(k)),
            it.n,
            it.n,
            labels=b.item_labels(np.arange(it.n_items)),
            hard=True,
        )

    def tracker(self, st: PoolState) -> Tracker:
        return _Eligible(self, st)


class _Eligible(Tracker):
    def __init__(self, family: Family, st: PoolState):
        super().__init__(family, st)
        self.elig = st.items.eligible()

    def delta(
        self, a: np.ndarray, r: Any, r2: Any, b: np.ndarray | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        iu = self.st.item_of_unit
        a = np.asarray(a, dtype=np.int64)
        ok = self.elig[iu[a], r2]
        if b is not None:
            ok = ok & self.elig[iu[np.asarray(b, dtype=np.int64)], r]
        return np.zeros(np.shape(ok)), np.asarray(ok, dtype=bool)

    def excess(self) -> float:
        """(moves are only taken where this rule allows them, so only the start can break it)"""
        if not hasattr(self, "_start_excess"):
            self._start_excess = float(len(self.violations()))
        return self._start_excess

    def violations(self, exact: bool = False) -> list[Violation]:
        st, p = self.st, self.st.pool
        rou = st.rep_of_unit
        out = []
        bad = np.flatnonzero((rou < 0) | (rou >= st.R))
        for u in bad[:20].tolist():
            out.append(Violation(self.family.name, f"{p.unit_ids[u]} got no owner in {p.name}", rep=""))
        ok_rows = np.flatnonzero((rou >= 0) & (rou < st.R))
        wrong = ok_rows[~self.elig[st.item_of_unit[ok_rows], rou[ok_rows]]]
        for u in wrong[:20].tolist():
            rep = p.rep_ids[int(rou[u])]
            out.append(
                Violation(
                    self.family.name,
                    f"{p.unit_ids[u]} is given to {rep}, who may not hold it (region, segment, "
                    "product or lock)",
                    rep=rep,
                    amount=float(p.size[u]),
                )
            )
        return out
