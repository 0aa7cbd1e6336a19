"""Infeasible asks, explained in the user's terms.

When the hard rules of a pool cannot all hold, the pool is solved again in elastic form
(bands soft, every hard cap with a heavily priced slack). Every slack left above zero is a
rule that had to bend; this module words it: which rule, for whom, by how much, and the
setting that would make room.
"""

from __future__ import annotations

import math

import numpy as np

from .config import PlanConfig
from .model.build import build_model
from .model.problem import PoolProblem
from .solve import solve_problem

EPS = 1e-6


def _needed_band(count: float, fair: float) -> float:
    return abs(count - fair) / fair if fair > 0 else math.inf


def explain_pool(pool: PoolProblem, cfg: PlanConfig) -> list[str]:
    """Sentences saying which rules cannot hold together in ``pool`` and what would help."""
    m = build_model(pool, cfg, elastic=True)
    report = solve_problem(m.prob, cfg.solver)
    if not report.has_solution:
        return [
            f"{pool.name}: even with every limit relaxed the solver found no plan "
            f"({report.describe(cfg.solver.time_limit)}); check the locks and eligibility."
        ]
    x = np.array([v.varValue or 0.0 for v in m.x])
    by_rep = m.pairs_of_rep()
    sentences: list[str] = []
    band_needed: dict[int, float] = {}
    pot_needed = 0.0
    for name, var in m.slacks.items():
        val = var.varValue or 0.0
        if val <= EPS:
            continue
        family, info = m.slack_info.get(name, ("", {}))
        rep = pool.rep_ids[int(info["rep"])] if "rep" in info else ""
        if family in ("tier_under", "tier_over"):
            t = int(info["tier"])
            r = int(info["rep"])
            idx = by_rep[r]
            count = float((x[idx] * pool.unit_tiers[pool.pair_u[idx], t - 1]).sum())
            fair = float(info["fair"])
            need = _needed_band(count, fair)
            band_needed[t] = max(band_needed.get(t, 0.0), need)
            lo, hi = float(info["lo"]), float(info["hi"])
            allows = (
                f"the band allows {lo:.0f}-{hi:.0f}"
                if lo < hi
                else f"the band allows exactly {lo:.0f}"
                if lo == hi
                else "no whole number of accounts fits the band"
            )
            sentences.append(
                f"Tier {t} band +-{cfg.balance.tier_band:.0%} cannot hold for {rep} in {pool.name}: "
                f"the best split gives {count:.0f} Tier {t} accounts where {allows} "
                f"(fair share {fair:.1f})."
            )
        elif family in ("potential_under", "potential_over"):
            r = int(info["rep"])
            idx = by_rep[r]
            pot = float((x[idx] * pool.unit_potential[pool.pair_u[idx]]).sum())
            fair = float(info["fair"])
            need = _needed_band(pot, fair)
            pot_needed = max(pot_needed, need)
            biggest = float(pool.unit_potential[pool.pair_u[idx]][x[idx] > 0.5].max(initial=0.0))
            sentences.append(
                f"Potential band +-{cfg.balance.potential_band:.0%} cannot hold for {rep} in {pool.name}: "
                f"{pot:,.0f} against a fair share of {fair:,.0f} ({pot / fair - 1:+.1%}); its largest "
                f"account or family alone is {biggest:,.0f}."
            )
        elif family == "max_accounts":
            sentences.append(
                f"{rep} may hold at most {info['limit']:.0f} accounts (max_accounts in the roster), but "
                f"the plan needs {info['limit'] + val:.0f} there; raise max_accounts or add a rep."
            )
        elif family == "move_limit":
            limit = float(info["limit"])
            total = float(pool.unit_size.sum())
            need = (limit + val) / total if total else 0.0
            sentences.append(
                f"At most {info['share']:.1%} of accounts may move in {pool.name} ({limit:.0f}), but the "
                f"locks and hard rules need {limit + val:.0f}; raise continuity.max_moved_share to "
                f"{math.ceil(need * 1000) / 10:.1f} % or relax the rules."
            )
        elif family == "potential_move_limit":
            share = float(info["share"])
            sentences.append(
                f"At most {share:.1%} of potential may move in {pool.name}, but the hard rules need "
                f"{share + val:.1%}; raise continuity.max_potential_moved_share."
            )
        elif family == "moves_per_rep":
            verb = "gain" if info.get("direction") == "gain" else "lose"
            n = float(info["limit"]) + val
            sentences.append(
                f"{rep} would have to {verb} {n:.0f} account{'s' if round(n) != 1 else ''}, but "
                f"continuity.max_moves_per_rep is {info['limit']}; raise it."
            )
    for t, need in sorted(band_needed.items()):
        sentences.append(
            f"Widen balance.tier_band to +-{math.ceil(need * 100)} % for Tier {t} to accept "
            "this split, or set balance.hard_bands = false to let the bands bend at a price."
        )
    if pot_needed > 0:
        sentences.append(
            f"Widen balance.potential_band to +-{math.ceil(pot_needed * 100)} %, or set "
            "balance.hard_bands = false."
        )
    if not sentences:
        sentences.append(
            f"{pool.name}: the hard rules conflict, but no single rule explains it; "
            "relax the caps one at a time to find the conflict."
        )
    return sentences
