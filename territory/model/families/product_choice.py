"""Reps with product = auto carry exactly one product each; each product gets its share of
them (tier-weighted demand, per capacity level); a rep only holds rows of its product."""

from __future__ import annotations

from typing import Any

import numpy as np

from ..state import PoolState
from .base import Build, Family, Tracker, Violation, register


@register
class ProductChoice(Family):
    """sum_q z[r,q] = 1 per auto rep; sum of z[r,q] over the auto reps of a capacity level =
    the reps that level gives q (``product_fair_shares``); y[i,r] <= n_i z[r, q(i)]."""

    name = "product_choice"
    order = 50

    def emit(self, b: Build) -> None:
        p, it = b.pool, b.items
        auto = np.flatnonzero(p.rep_product < 0)
        if not auto.size:
            return
        P = len(p.products)
        A = len(auto)
        b.m.add_rows(
            self.name,
            "one_product",
            A,
            np.repeat(np.arange(A), P),
            b.z[auto].reshape(-1),
            np.ones(A * P),
            1.0,
            1.0,
            labels={"rep": np.asarray([p.rep_ids[r] for r in auto.tolist()], dtype=object)},
            hard=True,
        )
        L = p.auto_count.shape[1]
        rows_q = np.repeat(np.arange(P), L)
        rows_l = np.tile(np.arange(L), P)
        lv = p.rep_level[auto]
        i_ = (np.arange(P)[None, :] * L + lv[:, None]).reshape(-1)
        labels: dict[str, Any] = {
            "product": np.asarray([p.products[q] for q in rows_q.tolist()], dtype=object)
        }
        if L > 1:
            labels["level"] = rows_l
        count = p.auto_count.astype(np.float64).reshape(-1)
        b.m.add_rows(
            self.name,
            "reps_per_product",
            P * L,
            i_,
            b.z[auto].reshape(-1),
            np.ones(A * P),
            count,
            count,
            labels=labels,
            hard=True,
        )
        # y <= n z on the pairs of auto reps (with links = "owned" only where it binds: a rep
        # keeps its own items at no cost without the row; elsewhere the bands scaled by z and
        # the move cost hold y back, and leaving the rows out keeps a relaxation).
        k = np.flatnonzero(p.rep_product[it.pair_r] < 0)
        if b.links == "owned":
            i = it.pair_i[k]
            k = k[(it.owner[i] == it.pair_r[k]) | (it.lock_auto[i] == it.pair_r[k])]
        n = len(k)
        zc = b.z[it.pair_r[k], it.product[it.pair_i[k]]]
        b.m.add_rows(
            self.name,
            "carries",
            n,
            np.concatenate([np.arange(n), np.arange(n)]),
            np.concatenate([b.y[k], zc]),
            np.concatenate([np.ones(n), -it.n[it.pair_i[k]]]),
            -np.inf,
            0.0,
            labels={
                **b.item_labels(it.pair_i[k]),
                "rep": b.rep_ids[it.pair_r[k]],
            },
            hard=True,
        )

    def tracker(self, st: PoolState) -> Tracker:
        return _Carried(self, st)


class _Carried(Tracker):
    """A unit may only go to a rep carrying its product."""

    def delta(
        self, a: np.ndarray, r: Any, r2: Any, b: np.ndarray | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        prod, ch = self.st.pool.product, self.st.chosen
        a = np.asarray(a, dtype=np.int64)
        ok = prod[a] == ch[r2]
        if b is not None:
            ok = ok & (prod[np.asarray(b, dtype=np.int64)] == ch[r])
        return np.zeros(np.shape(ok)), np.asarray(ok, dtype=bool)

    def excess(self) -> float:
        """(moves are only taken where this rule allows them, so only the start can break it)"""
        if not hasattr(self, "_start_excess"):
            self._start_excess = float(len(self.violations()))
        return self._start_excess

    def violations(self, exact: bool = False) -> list[Violation]:
        st, p = self.st, self.st.pool
        out: list[Violation] = []
        if len(p.products) <= 1:
            return out
        auto = np.flatnonzero(p.rep_product < 0)
        for lv in range(p.auto_count.shape[1]):
            at = auto[p.rep_level[auto] == lv]
            got = np.bincount(st.chosen[at], minlength=len(p.products))
            for q in np.flatnonzero(got != p.auto_count[:, lv]).tolist():
                out.append(
                    Violation(
                        self.family.name,
                        f"{got[q]} reps with product = auto carry {p.products[q]} in {p.name}, "
                        f"where its share of them is {p.auto_count[q, lv]}",
                    )
                )
        wrong = np.flatnonzero(p.product != st.chosen[st.rep_of_unit])
        for u in wrong[:20].tolist():
            rep = p.rep_ids[int(st.rep_of_unit[u])]
            out.append(
                Violation(
                    self.family.name,
                    f"{p.unit_ids[u]} ({p.products[p.product[u]]}) is given to {rep}, who carries "
                    f"{p.products[st.chosen[st.rep_of_unit[u]]]}",
                    rep=rep,
                )
            )
        return out
