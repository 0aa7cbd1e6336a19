"""Each rep's count of each tier stays within its band around the fair share."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from ...config import PlanConfig
from ..pools import TIERS
from ..state import PoolState
from .base import (
    Build,
    Family,
    PairSum,
    Solution,
    Tracker,
    Violation,
    band_excess,
    band_hint,
    band_rows,
    register,
)


@register
class TierBalance(Family):
    """lo[r,t] <= sum_i comp[i,t] y[i,r] <= hi[r,t]: soft (slack priced at
    ``balance.tier_penalty`` per account) or hard with ``balance.hard_bands``. For a rep whose
    product the model chooses (product = auto) the band of product q is scaled by z[r, q]:
    sum - lo z >= 0 and sum - hi z <= 0, so it applies only if the rep carries q."""

    name = "tier_balance"
    order = 20
    hard = False

    def emit(self, b: Build) -> None:
        p, it = b.pool, b.items
        cr, cq, pc = b.combos()
        C = len(cr)
        k = np.flatnonzero(pc >= 0)
        ri, cj, vv = [], [], []
        for t in range(3):
            coef = it.comp[it.pair_i[k], t]
            nz = coef > 0
            ri.append(pc[k[nz]] * 3 + t)
            cj.append(b.y[k[nz]])
            vv.append(coef[nz])
        rows = np.concatenate(ri)
        lo = p.tier_lo_p[cr, cq].reshape(-1).astype(np.float64)
        hi = p.tier_hi_p[cr, cq].reshape(-1).astype(np.float64)
        fair = p.fair_tier_p[cr, cq].reshape(-1)
        keep = (fair > 0) | (np.bincount(rows, minlength=3 * C) > 0)
        sel = np.flatnonzero(keep)
        n = len(sel)
        rowmap = np.full(3 * C, -1)
        rowmap[sel] = np.arange(n)
        rows, cols, vals = rowmap[rows], np.concatenate(cj), np.concatenate(vv)
        cr_r, cq_r, t_r = cr[sel // 3], cq[sel // 3], sel % 3
        zc = b.z[cr_r, cq_r] if b.z.size else np.full(n, -1)
        zr = np.flatnonzero(zc >= 0)
        band_rows(
            b,
            self.name,
            "tier_band",
            "tier",
            n,
            (rows, cols, vals),
            lo[sel],
            hi[sel],
            penalty=b.cfg.balance.tier_penalty,
            labels={**b.rep_labels(cr_r, cq_r), "tier": t_r + 1},
            info={
                "rep": cr_r,
                "product": cq_r,
                "tier": t_r + 1,
                "lo": lo[sel],
                "hi": hi[sel],
                "fair": fair[sel],
            },
            z_terms=(zr, zc[zr], lo[sel][zr], hi[sel][zr]),
        )

    def tracker(self, st: PoolState) -> Tracker:
        return _Tiers(self, st)

    def explain(self, info: dict[str, Any], amount: float, sol: Solution, notes: dict[str, Any]) -> list[str]:
        b = sol.b
        r, q, t = int(info["rep"]), int(info["product"]), int(info["tier"])
        count = sol.rep_sum(r, b.items.comp[b.items.pair_i, t - 1], q)
        fair = float(info["fair"])
        need = abs(count - fair) / fair if fair > 0 else math.inf
        notes.setdefault("tier_band", {})
        notes["tier_band"][t] = max(notes["tier_band"].get(t, 0.0), need)
        lo, hi = float(info["lo"]), float(info["hi"])
        allows = (
            f"the band allows {lo:.0f}-{hi:.0f}"
            if lo < hi
            else f"the band allows exactly {lo:.0f}"
            if lo == hi
            else "no whole number of accounts fits the band"
        )
        rep = b.pool.rep_ids[r]
        return [
            f"Tier {t} band +-{b.cfg.balance.tier_band:.0%} cannot hold for {rep} in {b.pool.name}: "
            f"the best split gives {count:.0f} Tier {t} accounts where {allows} (fair share {fair:.1f})."
        ]

    def summarize(self, notes: dict[str, Any], cfg: PlanConfig) -> list[str]:
        return [
            f"Widen balance.tier_band to +-{math.ceil(need * 100)} % for Tier {t} to accept "
            "this split, or set balance.hard_bands = false to let the bands bend at a price."
            for t, need in sorted(notes.get("tier_band", {}).items())
        ]


class _Tiers(PairSum):
    def amount(self, u: np.ndarray, r: np.ndarray) -> np.ndarray:
        return self.st.pool.comp[u].astype(np.float64)

    def cost(self, r: np.ndarray, total: np.ndarray) -> np.ndarray:
        sh = self.st.shares
        return self.st.cfg.balance.tier_penalty * band_excess(total, sh.tier_lo[r], sh.tier_hi[r]).sum(
            axis=-1
        )

    def allowed(self, r: np.ndarray, new: np.ndarray, old: np.ndarray) -> np.ndarray:
        if not self.st.cfg.balance.hard_bands:
            return np.ones(np.shape(r), dtype=bool)
        sh = self.st.shares
        e_new = band_excess(new, sh.tier_lo[r], sh.tier_hi[r]).sum(axis=-1)
        return (e_new <= 0) | (e_new <= band_excess(old, sh.tier_lo[r], sh.tier_hi[r]).sum(axis=-1))

    def excess(self) -> float:
        if not self.st.cfg.balance.hard_bands:
            return 0.0
        sh = self.st.shares
        return float(band_excess(self.T, sh.tier_lo, sh.tier_hi).sum())

    def violations(self, exact: bool = False) -> list[Violation]:
        st, sh = self.st, self.st.shares
        hard = bool(st.cfg.balance.hard_bands)
        out = []
        for r, ti in zip(*np.nonzero(band_excess(self.T, sh.tier_lo, sh.tier_hi) > 0)):
            c, lo, hi = int(round(self.T[r, ti])), int(sh.tier_lo[r, ti]), int(sh.tier_hi[r, ti])
            rep = st.pool.rep_ids[r]
            out.append(
                Violation(
                    self.family.name,
                    f"{rep}: Tier {TIERS[ti]} accounts {c} is outside the band {lo}-{hi} "
                    f"(fair share {sh.fair_tier[r, ti]:.1f})",
                    hint=band_hint(
                        st.cfg,
                        "locks, families or eligibility leave no better split; widen "
                        "balance.tier_band or review the locks",
                    ),
                    hard=hard,
                    rep=rep,
                    amount=float(max(lo - c, c - hi)),
                )
            )
        return out
