"""Cap the share of potential that changes owner (forced moves not counted).

The row is written in units of the pool's mean unit potential (coefficients near 1): in
currency units its coefficients, 1 / pool potential, fall below HiGHS's matrix tolerance
(1e-9) at 10^9 of potential and are silently dropped. Whether a plan keeps the cap is
decided exactly, on the accounts' potentials (``check``): a solver's tolerance may let a
plan through that breaks the cap by a millionth, and that plan is then not accepted.
"""

from __future__ import annotations

from fractions import Fraction
from typing import Any

import numpy as np

from ...config import PlanConfig
from ..state import PoolState
from .base import Build, Family, PairSum, Solution, Tracker, Violation, register


@register
class PotentialMoveLimit(Family):
    """sum over pairs of the potential taken from its owner <= share x the pool's potential."""

    name = "potential_move_limit"
    order = 75
    bends = True

    @classmethod
    def active(cls, cfg: PlanConfig) -> bool:
        return cfg.continuity.max_potential_moved_share is not None

    def emit(self, b: Build) -> None:
        it, p = b.items, b.pool
        share = b.cfg.continuity.max_potential_moved_share
        assert share is not None
        total = float(p.value[:, 0].sum()) if p.value.shape[1] else 0.0
        if total <= 0:
            return
        ps = float(b.ps[0])
        own = it.owner[it.pair_i]
        away = (own >= 0) & (own != it.pair_r)
        qcol = b.q[0] if b.q.size else np.full(it.n_pairs, -1)
        by_q = np.flatnonzero(away & (qcol >= 0))
        per_unit = (
            it.pair_pot_moved if b.move_pot is None else np.where(own == -2, it.pair_pot_moved, b.move_pot)
        )
        by_y = np.flatnonzero((away & (qcol < 0)) | ((own == -2) & (per_unit > 0)))
        b.m.add_rows(
            self.name,
            "potential_move_limit",
            1,
            np.zeros(len(by_q) + len(by_y), dtype=np.int64),
            np.concatenate([qcol[by_q], b.y[by_y]]),
            np.concatenate([np.ones(len(by_q)), per_unit[by_y] / ps]),
            -np.inf,
            share * total / ps,
            labels={"pool": p.name},
            info={"share": share, "total": total, "scale": ps},
            hard=True,
        )

    def tracker(self, st: PoolState) -> Tracker:
        return _PotMoved(self, st)

    def tighten(self, b: Build, v: Violation) -> bool:
        rows = b.m.rows_of(self.name)
        if not rows:
            return False
        row = rows[0].start
        lo, hi = b.m.row_bounds(row)
        step = v.amount / float(b.ps[0])
        b.m.set_row_bounds(row, lo, hi - step - 1e-9 * max(abs(hi), 1.0))
        return True

    def explain(self, info: dict[str, Any], amount: float, sol: Solution, notes: dict[str, Any]) -> list[str]:
        share = float(info["share"])
        need = share + amount * float(info["scale"]) / float(info["total"])
        return [
            f"At most {share:.1%} of potential may move in {sol.b.pool.name}, but the hard rules need "
            f"{need:.1%}; raise continuity.max_potential_moved_share."
        ]


class _PotMoved(PairSum):
    """Potential taken from owners who may keep it, pool-wide."""

    total_rule = True

    def __init__(self, family: Family, st: PoolState):
        share = st.cfg.continuity.max_potential_moved_share
        assert share is not None
        p = st.pool
        self.share = share
        self.total = float(p.value[:, 0].sum()) if p.value.shape[1] else 0.0
        self.limit = share * self.total
        # moves are taken against a limit a billionth inside the cap, so that float sums
        # of the running total can never carry a plan past it (the check is exact)
        self.safe = self.limit - 1e-9 * max(self.limit, 1.0)
        self.disc_v = np.bincount(p.own_u, weights=p.own_v, minlength=p.n_units)
        super().__init__(family, st)

    def amount(self, u: np.ndarray, r: np.ndarray) -> np.ndarray:
        return self.disc_v[u] - self.st.keep_value(u, r)

    def allowed(self, r: np.ndarray, new: np.ndarray, old: np.ndarray) -> np.ndarray:
        return (new <= self.safe) | (new <= old)

    def _exact(self) -> tuple[Fraction, Fraction]:
        st = self.st
        p = st.pool
        moved = (p.acc_owner >= 0) & (p.acc_owner != st.account_reps())
        return st.exact_sum(0, moved), st.exact_sum(0, np.ones(len(p.acc_rows), dtype=bool))

    def excess(self) -> float:
        return max(float(self.T.sum()) - self.safe, 0.0) if self.total > 0 else 0.0

    def violations(self, exact: bool = False) -> list[Violation]:
        if self.total <= 0:
            return []
        moved = float(self.T.sum())
        over = moved > self.limit
        if exact and abs(moved - self.limit) <= 1e-9 * max(self.limit, 1.0):
            m_e, t_e = self._exact()
            over = m_e > Fraction(self.share) * t_e
            moved = float(m_e)
        if not over:
            return []
        p = self.st.pool
        return [
            Violation(
                self.family.name,
                f"{_beyond(moved / self.total, self.share)} of potential moves in {p.name}, above "
                f"continuity.max_potential_moved_share = {self.share:.1%}",
                amount=moved - self.limit,
            )
        ]


def _beyond(value: float, limit: float) -> str:
    """``value`` as a percentage with as many decimals as it takes to show it above ``limit``
    (30.000003 % against 30 %, not 30.0 % against 30 %)."""
    for d in range(1, 12):
        if round(value * 100, d) > round(limit * 100, d):
            return f"{value:.{d}%}"
    return f"{value:.12%}"
