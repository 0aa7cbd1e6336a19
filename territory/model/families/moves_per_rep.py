"""No rep gains more than ``max_moves_per_rep`` accounts from, or loses more to, other reps.

Gains count accounts whose current owner is another rep who may keep them; losses count the
rep's own such accounts going elsewhere: owned(r) - kept(r).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ...config import PlanConfig
from ..state import PoolState
from .base import Build, Family, PairSum, Solution, Tracker, Violation, register


@register
class MovesPerRep(Family):
    """sum_{pairs of r} gain y <= M (moves in); sum_{pairs of r} keep y >= owned(r) - M (out)."""

    name = "moves_per_rep"
    order = 80
    bends = True

    @classmethod
    def active(cls, cfg: PlanConfig) -> bool:
        return cfg.continuity.max_moves_per_rep is not None

    def emit(self, b: Build) -> None:
        it, p = b.items, b.pool
        M = b.cfg.continuity.max_moves_per_rep
        assert M is not None
        ids = np.asarray(p.rep_ids, dtype=object)
        k = np.flatnonzero(it.pair_cost > 0)
        reps = np.unique(it.pair_r[k])
        rowmap = np.full(p.n_reps, -1)
        rowmap[reps] = np.arange(reps.size)
        b.m.add_rows(
            self.name,
            "moves_in",
            reps.size,
            rowmap[it.pair_r[k]],
            b.y[k],
            it.pair_cost[k],
            -np.inf,
            float(M),
            labels={"rep": ids[reps]},
            info={"rep": reps, "limit": M, "direction": "gain"},
            hard=True,
        )
        owned = np.bincount(p.own_r, weights=p.own_n, minlength=p.n_reps)
        reps = np.flatnonzero(owned > 0)
        rowmap[:] = -1
        rowmap[reps] = np.arange(reps.size)
        k = np.flatnonzero((it.pair_keep > 0) & (rowmap[it.pair_r] >= 0))
        b.m.add_rows(
            self.name,
            "moves_out",
            reps.size,
            rowmap[it.pair_r[k]],
            b.y[k],
            it.pair_keep[k],
            owned[reps] - float(M),
            np.inf,
            labels={"rep": ids[reps]},
            info={"rep": reps, "limit": M, "direction": "lose"},
            hard=True,
        )

    def tracker(self, st: PoolState) -> Tracker:
        return _PerRep(self, st)

    def explain(self, info: dict[str, Any], amount: float, sol: Solution, notes: dict[str, Any]) -> list[str]:
        verb = "gain" if info.get("direction") == "gain" else "lose"
        n = float(info["limit"]) + amount
        rep = sol.b.pool.rep_ids[int(info["rep"])]
        return [
            f"{rep} would have to {verb} {n:.0f} account{'s' if round(n) != 1 else ''}, but "
            f"continuity.max_moves_per_rep is {info['limit']}; raise it."
        ]


class _Gained(PairSum):
    def __init__(self, family: Family, st: PoolState):
        self.disc = st.pool.disc
        super().__init__(family, st)

    def amount(self, u: np.ndarray, r: np.ndarray) -> np.ndarray:
        return self.disc[u] - self.st.keep(u, r)


class _Kept(PairSum):
    def amount(self, u: np.ndarray, r: np.ndarray) -> np.ndarray:
        return self.st.keep(u, r)


class _PerRep(Tracker):
    def __init__(self, family: Family, st: PoolState):
        super().__init__(family, st)
        M = st.cfg.continuity.max_moves_per_rep
        assert M is not None
        self.M = float(M)
        p = st.pool
        self.owned = np.bincount(p.own_r, weights=p.own_n, minlength=p.n_reps)
        self.gain = _Gained(family, st)
        self.kept = _Kept(family, st)

    def delta(
        self, a: np.ndarray, r: Any, r2: Any, b: np.ndarray | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        a = np.asarray(a, dtype=np.int64)
        n = max(np.size(a), np.size(r), np.size(r2))
        a = np.broadcast_to(a, (n,))
        r = np.broadcast_to(np.asarray(r, dtype=np.int64), (n,))
        r2 = np.broadcast_to(np.asarray(r2, dtype=np.int64), (n,))
        g, k = self.gain, self.kept
        gin_r = -g.amount(a, r)
        gin_r2 = g.amount(a, r2)
        kp_r = -k.amount(a, r)
        kp_r2 = k.amount(a, r2)
        if b is not None:
            bb = np.broadcast_to(np.asarray(b, dtype=np.int64), (n,))
            gin_r = gin_r + g.amount(bb, r)
            gin_r2 = gin_r2 - g.amount(bb, r2)
            kp_r = kp_r + k.amount(bb, r)
            kp_r2 = kp_r2 - k.amount(bb, r2)
        M, same = self.M, r == r2

        def fine(new: np.ndarray, old: np.ndarray) -> np.ndarray:
            return (new <= M) | (new <= old)

        ok = fine(g.T[r] + gin_r, g.T[r]) & fine(g.T[r2] + gin_r2, g.T[r2])
        out_r, out_r2 = self.owned[r] - k.T[r], self.owned[r2] - k.T[r2]
        ok &= fine(out_r - kp_r, out_r) & fine(out_r2 - kp_r2, out_r2)
        return np.zeros(n), ok | same

    def move(self, u: int, r1: int, r2: int) -> None:
        self.gain.move(u, r1, r2)
        self.kept.move(u, r1, r2)

    def excess(self) -> float:
        lost = self.owned - self.kept.T
        return float(np.maximum(self.gain.T - self.M, 0).sum() + np.maximum(lost - self.M, 0).sum())

    def violations(self, exact: bool = False) -> list[Violation]:
        p = self.st.pool
        gained = self.gain.T
        lost = self.owned - self.kept.T
        out = []
        for r in np.flatnonzero((gained > self.M) | (lost > self.M)).tolist():
            out.append(
                Violation(
                    self.family.name,
                    f"{p.rep_ids[r]} loses {lost[r]:.0f} and gains {gained[r]:.0f} accounts, above "
                    f"continuity.max_moves_per_rep = {self.M:.0f}",
                    rep=p.rep_ids[r],
                    amount=float(max(gained[r], lost[r]) - self.M),
                )
            )
        return out
