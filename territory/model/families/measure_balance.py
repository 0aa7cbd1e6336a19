"""Each rep's total of each balanced measure (potential, ARR, ...) stays within its band.

One instance per measure of ``balance.measures``; rows are scaled by 1 / fair share, so
coefficients are shares of the rep's fair share and the slack is priced per 100 % of it.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from ...config import PlanConfig
from ...plan_result import measure_label, measure_setting, plain_name
from ..state import PoolState
from ..units import measures_of
from .base import (
    Build,
    Family,
    MeasureFamily,
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
class MeasureBalance(MeasureFamily):
    """(1 - band) F[r] <= sum of the measure over rep r's units <= (1 + band) F[r]: soft
    (penalty per 100 % of F[r] outside) or hard with ``balance.hard_bands``; scaled by z for
    reps with product = auto, as the tier bands."""

    name = "measure_balance"
    order = 30
    hard = False

    @classmethod
    def instances(cls, cfg: PlanConfig) -> list[Family]:
        return [cls(index=k, measure=m) for k, m in enumerate(measures_of(cfg)) if m.balanced]

    def emit(self, b: Build) -> None:
        if b.measures == "none":  # the count-only relaxation leaves the measure rows out
            return
        p, mi, meas = b.pool, self.index, self.measure
        cr, cq, pc = b.combos()
        fair = p.fair_value_p[cr, cq, mi]
        sel, k, rows = b.combo_rows(fair)
        n = len(sel)
        cols, coef = b.measure_terms(mi, k)
        coef = np.round(coef / fair[pc[k]], 9)
        cr_r, cq_r = cr[sel], cq[sel]
        zc = b.z[cr_r, cq_r] if b.z.size else np.full(n, -1)
        zr = np.flatnonzero(zc >= 0)
        lo, hi = round(1 - meas.band, 9), round(1 + meas.band, 9)
        band_rows(
            b,
            self.name,
            f"{meas.name}_band",
            meas.name,
            n,
            (rows, cols, coef),
            np.full(n, lo),
            np.full(n, hi),
            penalty=meas.penalty,
            labels=b.rep_labels(cr_r, cq_r),
            info={"rep": cr_r, "product": cq_r, "fair": fair[sel], "measure": meas.name},
            z_terms=(zr, zc[zr], np.full(zr.size, lo), np.full(zr.size, hi)),
        )

    def tracker(self, st: PoolState) -> Tracker:
        return _Measure(self, st)

    def tighten(self, b: Build, v: Violation) -> bool:
        """A hard band broken within the solver's tolerance: narrow that rep's row."""
        name = f"{self.measure.name}_band"
        for blk in b.m.rows_of(self.name):
            if not blk.hard or blk.kind not in (name, f"{name}_{v.side}"):
                continue
            for k in np.flatnonzero(np.asarray(blk.labels["rep"]) == v.rep).tolist():
                row = blk.start + k
                lo, hi = b.m.row_bounds(row)
                step = v.amount / float(blk.info_at(k)["fair"]) + 1e-9
                if v.side == "lo":
                    b.m.set_row_bounds(row, lo + step, hi)
                else:
                    b.m.set_row_bounds(row, lo, hi - step)
                return True
        return False

    def explain(self, info: dict[str, Any], amount: float, sol: Solution, notes: dict[str, Any]) -> list[str]:
        b = sol.b
        r, q = int(info["rep"]), int(info["product"])
        total = sol.rep_measure(self.index, r, q)
        fair = float(info["fair"])
        need = abs(total - fair) / fair if fair > 0 else math.inf
        key = f"band:{self.measure.name}"
        notes[key] = max(notes.get(key, 0.0), need)
        biggest = sol.largest(self.index, r)
        name = measure_label(self.measure.name)
        # (in the class model the rep's largest unit is only known to be at most its class's)
        alone = "alone is" if b.items.kind == "unit" else "alone is at most"
        return [
            f"{name} band +-{self.measure.band:.0%} cannot hold for {b.pool.rep_ids[r]} in "
            f"{b.pool.name}: {total:,.0f} against a fair share of {fair:,.0f} ({total / fair - 1:+.1%}); "
            f"its largest account or family {alone} {biggest:,.0f}."
        ]

    def summarize(self, notes: dict[str, Any], cfg: PlanConfig) -> list[str]:
        need = notes.get(f"band:{self.measure.name}", 0.0)
        if need <= 0:
            return []
        return [
            f"Widen {measure_setting(self.measure.name)}.band to +-{math.ceil(need * 100)} %, or set "
            "balance.hard_bands = false."
        ]


class _Measure(PairSum):
    def __init__(self, family: MeasureBalance, st: PoolState):
        self.m = family.index
        self.meas = family.measure
        fair = st.shares.fair_value[:, self.m]
        self.fair = fair
        self.has = fair > 0
        self.inv = np.where(self.has, 1.0 / np.where(self.has, fair, 1.0), 0.0)
        self.lo = (1 - self.meas.band) * fair
        self.hi = (1 + self.meas.band) * fair
        super().__init__(family, st)

    def amount(self, u: np.ndarray, r: np.ndarray) -> np.ndarray:
        return self.st.pool.value[u, self.m]

    def cost(self, r: np.ndarray, total: np.ndarray) -> np.ndarray:
        return self.meas.penalty * band_excess(total, self.lo[r], self.hi[r]) * self.inv[r]

    def allowed(self, r: np.ndarray, new: np.ndarray, old: np.ndarray) -> np.ndarray:
        if not self.st.cfg.balance.hard_bands:
            return np.ones(np.shape(r), dtype=bool)
        e_new = band_excess(new, self.lo[r], self.hi[r]) * self.has[r]
        return (e_new <= 0) | (e_new <= band_excess(old, self.lo[r], self.hi[r]))

    def excess(self) -> float:
        if not self.st.cfg.balance.hard_bands:
            return 0.0
        return float((band_excess(self.T, self.lo, self.hi) * self.has).sum())

    def violations(self, exact: bool = False) -> list[Violation]:
        st = self.st
        hard = bool(st.cfg.balance.hard_bands)
        out = []
        reps = np.flatnonzero(self.has)
        for r in reps.tolist():
            tot, lo, hi = float(self.T[r]), float(self.lo[r]), float(self.hi[r])
            inside, tot = st.within(self.m, tot, lo, hi, lambda r=r: st.account_reps() == r, exact)
            if inside:
                continue
            fair = float(self.fair[r])
            rep = st.pool.rep_ids[r]
            name = plain_name(self.meas.name)
            out.append(
                Violation(
                    self.family.key,
                    f"{rep}: {name} {tot:,.0f} is {tot / fair - 1:+.1%} from the fair share "
                    f"{fair:,.0f}, outside the band",
                    hint=band_hint(
                        st.cfg,
                        "a few large accounts or families may make the band unreachable; widen "
                        f"{measure_setting(self.meas.name)}.band",
                    ),
                    hard=hard,
                    rep=rep,
                    amount=float(max(lo - tot, tot - hi)),
                    side="lo" if tot < lo else "hi",
                )
            )
        return out
