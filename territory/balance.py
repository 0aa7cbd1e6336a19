"""Fairness metrics for any assignment: today's books, the baseline and the plan alike.

No pulp here, so "before" and "after" are measured with the same code.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from .model.pools import TIERS

if TYPE_CHECKING:
    from .plan_result import Rep


@dataclass(frozen=True)
class BookStats:
    """Per-rep totals for one assignment, aligned with the roster order."""

    tier_counts: np.ndarray  # (R, 3)
    potential: np.ndarray  # (R,)
    accounts: np.ndarray  # (R,)


def book_stats(tier: np.ndarray, potential: np.ndarray, owner_pos: np.ndarray, n_reps: int) -> BookStats:
    """Totals per rep; ``owner_pos`` is the rep index per account, -1 for nobody on the roster."""
    ok = owner_pos >= 0
    counts = np.zeros((n_reps, 3), dtype=np.int64)
    for ti, t in enumerate(TIERS):
        sel = ok & (tier == t)
        counts[:, ti] = np.bincount(owner_pos[sel], minlength=n_reps)[:n_reps]
    pot = np.bincount(owner_pos[ok], weights=potential[ok], minlength=n_reps)[:n_reps]
    return BookStats(counts, pot, counts.sum(axis=1))


def relative_deviation(actual: np.ndarray, fair: np.ndarray) -> np.ndarray:
    """(actual - fair) / fair, NaN where the fair share is zero."""
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(fair > 0, (actual - fair) / np.where(fair > 0, fair, 1), np.nan)


def _nanmax_abs(a: np.ndarray) -> float:
    a = np.abs(a[~np.isnan(a)])
    return float(a.max()) if a.size else 0.0


def balance_metrics(
    stats: BookStats,
    fair_tier: np.ndarray,
    fair_potential: np.ndarray,
    tier_lo: np.ndarray | None = None,
    tier_hi: np.ndarray | None = None,
    pot_lo: np.ndarray | None = None,
    pot_hi: np.ndarray | None = None,
) -> dict[str, object]:
    """Max relative deviation per tier and for potential, the potential CV, band compliance."""
    tier_dev = relative_deviation(stats.tier_counts.astype(float), fair_tier)
    pot_dev = relative_deviation(stats.potential, fair_potential)
    ratio = np.where(
        fair_potential > 0, stats.potential / np.where(fair_potential > 0, fair_potential, 1), np.nan
    )
    ratio = ratio[~np.isnan(ratio)]
    cv = float(ratio.std() / ratio.mean()) if ratio.size and ratio.mean() > 0 else 0.0
    out: dict[str, object] = {
        "max_tier_deviation": {str(t): _nanmax_abs(tier_dev[:, ti]) for ti, t in enumerate(TIERS)},
        "max_potential_deviation": _nanmax_abs(pot_dev),
        "potential_cv": cv,
    }
    if tier_lo is not None and tier_hi is not None:
        c = stats.tier_counts
        outside = np.maximum(tier_lo - c, 0) + np.maximum(c - tier_hi, 0)
        out["accounts_outside_tier_bands"] = int(outside.sum())
    if pot_lo is not None and pot_hi is not None:
        has = fair_potential > 0
        off = has & ((stats.potential < pot_lo - 1e-6) | (stats.potential > pot_hi + 1e-6))
        out["reps_outside_potential_band"] = int(off.sum())
    return out


def measure_totals(values: np.ndarray, owner_pos: np.ndarray, n_reps: int) -> np.ndarray:
    """(R, M) totals of each measure per rep; ``owner_pos`` -1 counts for nobody."""
    ok = owner_pos >= 0
    out = np.zeros((n_reps, values.shape[1]))
    for m in range(values.shape[1]):
        out[:, m] = np.bincount(owner_pos[ok], weights=values[ok, m], minlength=n_reps)[:n_reps]
    return out


def measure_metrics(
    names: list[str],
    after: np.ndarray,
    before: np.ndarray,
    fair: np.ndarray,
    lo: np.ndarray,
    hi: np.ndarray,
    balanced: list[bool],
) -> dict[str, dict[str, object]]:
    """Per measure: the largest relative deviation from fair share, the CV of the ratio to fair
    share, reps outside the band (balanced measures), and the same three for today's books
    (``before``)."""
    out: dict[str, dict[str, object]] = {}
    for m, name in enumerate(names):
        f, band = fair[:, m], (lo[:, m], hi[:, m])
        entry: dict[str, object] = {
            "max_deviation": _nanmax_abs(relative_deviation(after[:, m], f)),
            "cv": _ratio_cv(after[:, m], f),
            "balanced": bool(balanced[m]),
            "before_max_deviation": _nanmax_abs(relative_deviation(before[:, m], f)),
            "before_cv": _ratio_cv(before[:, m], f),
        }
        if balanced[m]:
            entry["reps_outside_band"] = _outside(after[:, m], f, band)
            entry["before_reps_outside_band"] = _outside(before[:, m], f, band)
        out[name] = entry
    return out


def _ratio_cv(totals: np.ndarray, fair: np.ndarray) -> float:
    """The coefficient of variation of total / fair share over the reps with a fair share."""
    has = fair > 0
    ratio = totals[has] / fair[has]
    return float(ratio.std() / ratio.mean()) if ratio.size and ratio.mean() > 0 else 0.0


def _outside(totals: np.ndarray, fair: np.ndarray, band: tuple[np.ndarray, np.ndarray]) -> int:
    """Reps with a fair share whose total is outside [low, high]."""
    return int(((fair > 0) & ((totals < band[0]) | (totals > band[1]))).sum())


# --------------------------------------------------------------------------- a written plan's reps
#
# The functions below read the per-rep records of summary.json (``territory.plan_result.Rep``,
# see docs/plan-output.md), so the terminal summary, the books and the plan summary PDF word
# the same facts alike.

MEASURES: tuple[str, ...] = ("Tier 1", "Tier 2", "Tier 3", "potential")
POTENTIAL_TOLERANCE = 1e-6  # money; the same slack the plan's band warnings allow


def _finite(value: float | None) -> float | None:
    return value if value is not None and np.isfinite(value) else None


@dataclass(frozen=True)
class Gap:
    """The rep furthest from fair share on one measure, in % of the fair share and in units."""

    measure: str  # "Tier 1", "Tier 2", "Tier 3" or "potential"
    rep_id: str
    relative: float  # (actual - fair) / fair, signed
    amount: float  # actual - fair: accounts for a tier, money for potential

    def units_text(self) -> str:
        """'+1 account', '-2.8 accounts' (tiers) or '+4,203,990' (potential, ARR, ...)."""
        if self.measure not in MEASURES[:3]:
            return f"{self.amount:+,.0f}" if abs(self.amount) >= 100 else f"{self.amount:+,.2f}"
        text = f"{self.amount:+.1f}"
        text = text[:-2] if text.endswith(".0") else text
        return f"{text} account{'' if abs(self.amount) == 1 else 's'}"


def gap_measures(reps: Sequence[Rep]) -> list[str]:
    """The measures besides potential that the reps' ``measures`` records list (ARR, ...)."""
    names: dict[str, None] = {}
    for rep in reps:
        if rep.measures:
            names.update(dict.fromkeys(k for k in rep.measures if k != "potential"))
    return list(names)


def gap_labels(reps: Sequence[Rep]) -> list[str]:
    """The row labels of ``largest_gaps``: Tier 1, 2, 3, Potential, then each other measure."""
    from .plan_result import measure_label

    return ["Tier 1", "Tier 2", "Tier 3", "Potential", *(measure_label(n) for n in gap_measures(reps))]


def _owned_today(rep: Rep) -> bool:
    return rep.before is not None and rep.before.accounts > 0


def largest_gaps(reps: Sequence[Rep], *, before: bool = False) -> list[Gap | None]:
    """Per measure (Tier 1, 2, 3, potential, then each other measure of the reps' ``measures``
    records, named as ``gap_labels`` names them), the rep with the largest relative gap to fair
    share.

    Ties go to the larger gap in accounts (or money), then to roster order. Reps whose fair share
    is zero have no relative gap and are left out. With ``before``, today's books (each rep's
    ``before`` record) are measured against the plan's fair shares, over the reps who own at
    least one account today: a new rep's empty book is not a gap anyone can close by moving
    accounts between today's owners, and would read -100 % whatever the plan.
    """

    def best_of(label: str, pairs: Iterable[tuple[Rep, float | None, float | None]]) -> Gap | None:
        best: Gap | None = None
        for rep, actual, fair in pairs:
            if actual is None or fair is None or fair <= 0:
                continue
            gap = Gap(label, rep.rep_id, (actual - fair) / fair, actual - fair)
            if best is None or (abs(gap.relative), abs(gap.amount)) > (abs(best.relative), abs(best.amount)):
                best = gap
        return best

    books = [(rep, rep.before if before else rep) for rep in reps if not before or _owned_today(rep)]
    out: list[Gap | None] = []
    for mi, measure in enumerate(MEASURES):
        if mi < 3:
            key = str(mi + 1)
            pairs = [
                (rep, _finite(book.tier_counts.get(key)), _finite(rep.fair_tier.get(key)))
                for rep, book in books
                if book is not None
            ]
        else:
            pairs = [
                (rep, _finite(book.potential), _finite(rep.fair_potential))
                for rep, book in books
                if book is not None
            ]
        out.append(best_of(measure, pairs))
    for name, label in zip(gap_measures(reps), gap_labels(reps)[4:]):
        entries = [(rep, rep.measures.get(name)) for rep, _ in books if rep.measures]
        out.append(
            best_of(
                label,
                [
                    (rep, _finite(m.before if before else m.value), _finite(m.fair))
                    for rep, m in entries
                    if m is not None
                ],
            )
        )
    return out


def outside_bands(rep: Rep, potential_band: float | None) -> tuple[bool, bool, bool, bool]:
    """Whether the rep's Tier 1, 2, 3 count and potential break the plan's own bands.

    The tier bands are the integer ``tier_band`` [lo, hi] recorded for the rep (+-tier_band or
    +-tier_band_min_accounts, whichever is wider); the potential band is +-``potential_band``
    of the fair share. This is the rule behind the plan's "outside the band" warnings.
    """
    flags: list[bool] = []
    for t in TIERS:
        count, lohi = rep.tier_counts.get(str(t)), rep.tier_band.get(str(t))
        flags.append(count is not None and lohi is not None and not lohi[0] <= count <= lohi[1])
    pot, fair = rep.potential, rep.fair_potential
    if fair <= 0 or potential_band is None:
        flags.append(False)
    else:
        flags.append(
            pot < (1 - potential_band) * fair - POTENTIAL_TOLERANCE
            or pot > (1 + potential_band) * fair + POTENTIAL_TOLERANCE
        )
    return (flags[0], flags[1], flags[2], flags[3])
