"""Optional: each rep's workload (tier-weighted effort) within ``balance.workload_band``."""

from __future__ import annotations

import numpy as np

from ...config import PlanConfig
from ..state import PoolState
from .base import Build, Family, PairSum, Tracker, Violation, band_hint, band_rows, register


@register
class WorkloadBalance(Family):
    """(1 - band) <= sum_i (comp_i . w) y[i,r] / W[r] <= (1 + band), W[r] the fair workload;
    the slack is priced like one account outside a tier band per 1 % (penalty x 100 per
    100 %); scaled by z for reps with product = auto."""

    name = "workload_balance"
    order = 45
    hard = False

    @classmethod
    def active(cls, cfg: PlanConfig) -> bool:
        return cfg.balance.workload_band is not None

    def emit(self, b: Build) -> None:
        p, it, cfg = b.pool, b.items, b.cfg
        band = cfg.balance.workload_band
        assert band is not None
        w = np.asarray(cfg.balance.workload_weights[:3], dtype=float)
        cr, cq, pc = b.combos()
        fair = p.fair_tier_p[cr, cq] @ w
        sel, k, rows = b.combo_rows(fair)
        n = len(sel)
        coef = np.round((it.comp[it.pair_i[k]] @ w) / fair[pc[k]], 9)
        cr_r, cq_r = cr[sel], cq[sel]
        zc = b.z[cr_r, cq_r] if b.z.size else np.full(n, -1)
        zr = np.flatnonzero(zc >= 0)
        lo, hi = round(1 - band, 9), round(1 + band, 9)
        band_rows(
            b,
            self.name,
            "workload_band",
            "workload",
            n,
            (rows, b.y[k], coef),
            np.full(n, lo),
            np.full(n, hi),
            penalty=cfg.balance.tier_penalty * 100,
            labels=b.rep_labels(cr_r, cq_r),
            info={"rep": cr_r, "product": cq_r, "fair": fair[sel]},
            z_terms=(zr, zc[zr], np.full(zr.size, lo), np.full(zr.size, hi)),
        )

    def tracker(self, st: PoolState) -> Tracker:
        return _Workload(self, st)


class _Workload(PairSum):
    def __init__(self, family: Family, st: PoolState):
        b = st.cfg.balance
        assert b.workload_band is not None
        self.w = np.asarray(b.workload_weights[:3], dtype=float)
        fair = st.shares.fair_tier @ self.w
        self.has = fair > 0
        self.fair = fair
        self.inv = np.where(self.has, 1.0 / np.where(self.has, fair, 1.0), 0.0)
        self.band = b.workload_band
        super().__init__(family, st)

    def amount(self, u: np.ndarray, r: np.ndarray) -> np.ndarray:
        return self.st.pool.comp[u] @ self.w

    def _excess(self, r: np.ndarray, total: np.ndarray) -> np.ndarray:
        share = total * self.inv[r]
        return (
            np.maximum(1 - self.band - share, 0) * self.has[r]
            + np.maximum(share - 1 - self.band, 0) * self.has[r]
        )

    def cost(self, r: np.ndarray, total: np.ndarray) -> np.ndarray:
        return 100.0 * self.st.cfg.balance.tier_penalty * self._excess(r, total)

    def allowed(self, r: np.ndarray, new: np.ndarray, old: np.ndarray) -> np.ndarray:
        if not self.st.cfg.balance.hard_bands:
            return np.ones(np.shape(r), dtype=bool)
        e = self._excess(r, new)
        return (e <= 0) | (e <= self._excess(r, old))

    def excess(self) -> float:
        hard = self.st.cfg.balance.hard_bands
        return float(self._excess(np.arange(self.st.R), self.T).sum()) if hard else 0.0

    def violations(self, exact: bool = False) -> list[Violation]:
        st = self.st
        out = []
        ex = self._excess(np.arange(st.R), self.T)
        for r in np.flatnonzero(ex > 1e-12).tolist():
            rep = st.pool.rep_ids[r]
            out.append(
                Violation(
                    self.family.name,
                    f"{rep}: workload {self.T[r]:,.1f} is {self.T[r] * self.inv[r] - 1:+.1%} from the "
                    f"fair share {self.fair[r]:,.1f}, outside the band",
                    hint=band_hint(st.cfg, "widen balance.workload_band"),
                    hard=bool(st.cfg.balance.hard_bands),
                    rep=rep,
                    amount=float(ex[r]),
                )
            )
        return out
