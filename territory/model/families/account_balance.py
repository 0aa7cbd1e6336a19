"""Optional: each rep's total number of accounts within ``balance.account_band`` of its share."""

from __future__ import annotations

import numpy as np

from ...config import PlanConfig
from ..pools import tier_band
from ..state import PoolState
from .base import Build, Family, PairSum, Tracker, Violation, band_excess, band_hint, band_rows, register


def account_bands(fair_total: np.ndarray, band: float) -> tuple[np.ndarray, np.ndarray]:
    """Integer band around a fair number of accounts: +-band, at least +-1 account."""
    return tier_band(fair_total, band, 1.0)


@register
class AccountBalance(Family):
    """lo[r] <= sum_i size_i y[i,r] <= hi[r], slack priced like an account outside a tier band;
    for an auto rep, the band of the product it takes (sum - sum_q lo[r,q] z[r,q] >= 0)."""

    name = "account_balance"
    order = 40
    hard = False

    @classmethod
    def active(cls, cfg: PlanConfig) -> bool:
        return cfg.balance.account_band is not None

    def emit(self, b: Build) -> None:
        p, it, cfg = b.pool, b.items, b.cfg
        R = p.n_reps
        assert cfg.balance.account_band is not None
        lo_p, hi_p = account_bands(p.fair_tier_p.sum(axis=2), cfg.balance.account_band)
        k = np.arange(it.n_pairs)
        own = np.maximum(p.rep_product, 0)
        ar, aq = np.nonzero(b.z >= 0)
        band_rows(
            b,
            self.name,
            "account_band",
            "accounts",
            R,
            (it.pair_r, b.y[k], it.size[it.pair_i]),
            lo_p[np.arange(R), own].astype(np.float64),
            hi_p[np.arange(R), own].astype(np.float64),
            penalty=cfg.balance.tier_penalty,
            labels={"rep": np.asarray(p.rep_ids, dtype=object)},
            info={"rep": np.arange(R)},
            z_terms=(ar, b.z[ar, aq], lo_p[ar, aq].astype(np.float64), hi_p[ar, aq].astype(np.float64)),
        )

    def tracker(self, st: PoolState) -> Tracker:
        return _Accounts(self, st)


class _Accounts(PairSum):
    def __init__(self, family: Family, st: PoolState):
        band = st.cfg.balance.account_band
        assert band is not None
        self.lo, self.hi = account_bands(st.shares.fair_tier.sum(axis=1), band)
        super().__init__(family, st)

    def amount(self, u: np.ndarray, r: np.ndarray) -> np.ndarray:
        return self.st.pool.size[u].astype(np.float64)

    def cost(self, r: np.ndarray, total: np.ndarray) -> np.ndarray:
        return self.st.cfg.balance.tier_penalty * band_excess(total, self.lo[r], self.hi[r])

    def allowed(self, r: np.ndarray, new: np.ndarray, old: np.ndarray) -> np.ndarray:
        if not self.st.cfg.balance.hard_bands:
            return np.ones(np.shape(r), dtype=bool)
        e = band_excess(new, self.lo[r], self.hi[r])
        return (e <= 0) | (e <= band_excess(old, self.lo[r], self.hi[r]))

    def excess(self) -> float:
        hard = self.st.cfg.balance.hard_bands
        return float(band_excess(self.T, self.lo, self.hi).sum()) if hard else 0.0

    def violations(self, exact: bool = False) -> list[Violation]:
        st = self.st
        out = []
        for r in np.flatnonzero(band_excess(self.T, self.lo, self.hi) > 0).tolist():
            rep = st.pool.rep_ids[r]
            n = int(round(self.T[r]))
            out.append(
                Violation(
                    self.family.name,
                    f"{rep}: {n} accounts is outside the account band {self.lo[r]}-{self.hi[r]}",
                    hint=band_hint(st.cfg, "widen balance.account_band"),
                    hard=bool(st.cfg.balance.hard_bands),
                    rep=rep,
                    amount=float(max(self.lo[r] - n, n - self.hi[r])),
                )
            )
        return out
