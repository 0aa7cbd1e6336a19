"""Fairness metrics for any assignment: today's books, the baseline and the plan alike.

No pulp here, so "before" and "after" are measured with the same code.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .model.pools import TIERS


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
    share, reps outside the band (balanced measures), and the largest deviation before."""
    out: dict[str, dict[str, object]] = {}
    for m, name in enumerate(names):
        ratio = np.where(fair[:, m] > 0, after[:, m] / np.where(fair[:, m] > 0, fair[:, m], 1), np.nan)
        ratio = ratio[~np.isnan(ratio)]
        entry: dict[str, object] = {
            "max_deviation": _nanmax_abs(relative_deviation(after[:, m], fair[:, m])),
            "cv": float(ratio.std() / ratio.mean()) if ratio.size and ratio.mean() > 0 else 0.0,
            "balanced": bool(balanced[m]),
            "before_max_deviation": _nanmax_abs(relative_deviation(before[:, m], fair[:, m])),
        }
        if balanced[m]:
            has = fair[:, m] > 0
            entry["reps_outside_band"] = int(
                (has & ((after[:, m] < lo[:, m]) | (after[:, m] > hi[:, m]))).sum()
            )
        out[name] = entry
    return out
