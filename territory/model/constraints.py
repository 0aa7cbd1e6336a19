"""The balancing model, one constraint family per function.

Every ``add_*`` function takes the ``ModelBuilder`` and the ``PoolProblem`` and returns the
names of the rows it added (unique, LP-format safe, e.g. ``tier_band_hi[rep=R04,tier=1]`` is
written ``tier_band_hi__rep_R04__tier_1``). Soft families add penalised slack columns instead
of failing; ``hard=True`` drops the slack.

Idioms follow the measurements in perf-notes.md: variables through ``prob.add_variable``,
rows as ``LpAffineExpression(zip(vars, coefs))`` collected in a dict and added with one
``prob.extend``; never built-in ``sum()`` and never ``lpSum([(x, c)])`` (silently wrong in
pulp 3.3).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import numpy as np
import pulp

from .problem import TIERS, PoolProblem

EQ, GE, LE = pulp.LpConstraintEQ, pulp.LpConstraintGE, pulp.LpConstraintLE
_UNSAFE = re.compile(r"[^A-Za-z0-9_]")


def lp_name(family: str, **labels: object) -> str:
    """``tier_band_hi`` + rep=R04, tier=1 -> ``tier_band_hi__rep_R04__tier_1`` (LP-safe)."""
    parts = [family] + [f"{k}_{_UNSAFE.sub('_', str(v))}" for k, v in labels.items()]
    return "__".join(parts)


@dataclass
class ModelBuilder:
    """The pulp problem for one pool plus the index that maps columns back to pairs."""

    pool: PoolProblem
    prob: pulp.LpProblem
    x: list[pulp.LpVariable]
    rows: dict[str, pulp.LpConstraint] = field(default_factory=dict)
    objective: dict[pulp.LpVariable, float] = field(default_factory=dict)
    families: dict[str, list[str]] = field(default_factory=dict)
    slacks: dict[str, pulp.LpVariable] = field(default_factory=dict)

    def add_row(self, family: str, name: str, expr: pulp.LpAffineExpression, sense: int,
                rhs: float) -> str:
        if name in self.rows:
            name = f"{name}__{len(self.rows)}"
        self.rows[name] = pulp.LpConstraint(expr, sense, name, rhs)
        self.families.setdefault(family, []).append(name)
        return name

    def slack(self, name: str, cost: float) -> pulp.LpVariable:
        v = self.prob.add_variable(name, 0, None, pulp.LpContinuous)
        self.slacks[name] = v
        if cost:
            self.objective[v] = self.objective.get(v, 0.0) + float(cost)
        return v

    def pairs_of_rep(self) -> list[np.ndarray]:
        p = self.pool
        order = np.argsort(p.pair_r, kind="stable")
        b = np.searchsorted(p.pair_r[order], np.arange(p.n_reps + 1))
        return [order[b[r]:b[r + 1]] for r in range(p.n_reps)]


def new_builder(pool: PoolProblem) -> ModelBuilder:
    prob = pulp.LpProblem(lp_name("territory", pool=pool.name), pulp.LpMinimize)
    x = [
        prob.add_variable(lp_name("x", unit=pool.unit_ids[u], rep=pool.rep_ids[r]), 0, 1, pulp.LpInteger)
        for u, r in zip(pool.pair_u.tolist(), pool.pair_r.tolist())
    ]
    return ModelBuilder(pool=pool, prob=prob, x=x)


def add_assign_once(m: ModelBuilder) -> list[str]:
    """Every unit (family or account) gets exactly one owner."""
    p = m.pool
    b = np.searchsorted(p.pair_u, np.arange(p.n_units + 1))
    names = []
    for u in range(p.n_units):
        expr = pulp.LpAffineExpression(dict.fromkeys(m.x[b[u]:b[u + 1]], 1))
        names.append(m.add_row("assign_once", lp_name("assign_once", unit=p.unit_ids[u]), expr, EQ, 1))
    return names


def add_tier_balance(m: ModelBuilder, penalty: float, hard: bool = False) -> list[str]:
    """Each rep's count of each tier stays within its band around the fair share."""
    p = m.pool
    names = []
    by_rep = m.pairs_of_rep()
    for r in range(p.n_reps):
        idx = by_rep[r]
        for ti, t in enumerate(TIERS):
            coef = p.unit_tiers[p.pair_u[idx], ti]
            keep = coef > 0
            if p.fair_tier[r, ti] <= 0 and not keep.any():
                continue
            terms = [(m.x[i], float(c)) for i, c in zip(idx[keep].tolist(), coef[keep].tolist())]
            lo_expr = pulp.LpAffineExpression(terms)
            hi_expr = pulp.LpAffineExpression(terms)
            rep = p.rep_ids[r]
            if not hard:
                lo_expr[m.slack(lp_name("tier_under", rep=rep, tier=t), penalty)] = 1.0
                hi_expr[m.slack(lp_name("tier_over", rep=rep, tier=t), penalty)] = -1.0
            names.append(m.add_row("tier_balance", lp_name("tier_band_lo", rep=rep, tier=t),
                                   lo_expr, GE, float(p.tier_lo[r, ti])))
            names.append(m.add_row("tier_balance", lp_name("tier_band_hi", rep=rep, tier=t),
                                   hi_expr, LE, float(p.tier_hi[r, ti])))
    return names


def add_potential_balance(m: ModelBuilder, penalty: float, hard: bool = False) -> list[str]:
    """Each rep's potential stays within its band; slack is measured in shares of fair potential."""
    p = m.pool
    names = []
    by_rep = m.pairs_of_rep()
    for r in range(p.n_reps):
        fair = float(p.fair_potential[r])
        if fair <= 0:
            continue
        idx = by_rep[r]
        # Scale the row by 1/fair so coefficients are shares of fair potential (well conditioned).
        coef = p.unit_potential[p.pair_u[idx]] / fair
        terms = [(m.x[i], round(float(c), 9)) for i, c in zip(idx.tolist(), coef.tolist()) if c != 0]
        lo_expr = pulp.LpAffineExpression(terms)
        hi_expr = pulp.LpAffineExpression(terms)
        rep = p.rep_ids[r]
        if not hard:
            lo_expr[m.slack(lp_name("potential_under", rep=rep), penalty)] = 1.0
            hi_expr[m.slack(lp_name("potential_over", rep=rep), penalty)] = -1.0
        names.append(m.add_row("potential_balance", lp_name("potential_band_lo", rep=rep), lo_expr, GE,
                               round(float(p.pot_lo[r]) / fair, 9)))
        names.append(m.add_row("potential_balance", lp_name("potential_band_hi", rep=rep), hi_expr, LE,
                               round(float(p.pot_hi[r]) / fair, 9)))
    return names


def add_account_balance(m: ModelBuilder, band: float, penalty: float, hard: bool = False) -> list[str]:
    """Optional: each rep's total account count within +-band of its fair share."""
    p = m.pool
    names = []
    fair_total = p.fair_tier.sum(axis=1)
    width = np.maximum(fair_total * band, 1.0)
    lo = np.maximum(np.ceil(fair_total - width - 1e-9), 0)
    hi = np.floor(fair_total + width + 1e-9)
    for r, idx in enumerate(m.pairs_of_rep()):
        terms = list(zip([m.x[i] for i in idx.tolist()], p.unit_size[p.pair_u[idx]].astype(float).tolist()))
        lo_expr = pulp.LpAffineExpression(terms)
        hi_expr = pulp.LpAffineExpression(terms)
        rep = p.rep_ids[r]
        if not hard:
            lo_expr[m.slack(lp_name("accounts_under", rep=rep), penalty)] = 1.0
            hi_expr[m.slack(lp_name("accounts_over", rep=rep), penalty)] = -1.0
        names.append(m.add_row("account_balance", lp_name("account_band_lo", rep=rep), lo_expr, GE, float(lo[r])))
        names.append(m.add_row("account_balance", lp_name("account_band_hi", rep=rep), hi_expr, LE, float(hi[r])))
    return names


def add_max_accounts(m: ModelBuilder) -> list[str]:
    """Hard cap on a rep's number of accounts where the roster gives ``max_accounts``."""
    p = m.pool
    names = []
    for r, idx in enumerate(m.pairs_of_rep()):
        cap = p.max_accounts[r]
        if np.isnan(cap):
            continue
        terms = list(zip([m.x[i] for i in idx.tolist()], p.unit_size[p.pair_u[idx]].astype(float).tolist()))
        names.append(m.add_row("max_accounts", lp_name("max_accounts", rep=p.rep_ids[r]),
                               pulp.LpAffineExpression(terms), LE, float(cap)))
    return names


def add_move_limit(m: ModelBuilder, max_share: float) -> list[str]:
    """Cap the share of accounts that change owner, not counting moves forced by departures."""
    p = m.pool
    discretionary = p.pair_cost - p.unit_forced[p.pair_u]
    keep = discretionary > 0
    terms = [(m.x[i], float(c)) for i, c in zip(np.flatnonzero(keep).tolist(), discretionary[keep].tolist())]
    limit = np.floor(max_share * float(p.unit_size.sum()) + 1e-9)
    return [m.add_row("move_limit", lp_name("move_limit", pool=p.name),
                      pulp.LpAffineExpression(terms), LE, float(limit))]


def add_move_cost(m: ModelBuilder, move_cost: float) -> None:
    """Objective: the price of every account moved away from a current owner still on the roster.

    Moves forced by a departed owner cost the same wherever the account goes, so they are
    left out of the objective (they are reported, not optimised).
    """
    p = m.pool
    discretionary = p.pair_cost - p.unit_forced[p.pair_u]
    for i in np.flatnonzero(discretionary > 0).tolist():
        v = m.x[i]
        m.objective[v] = m.objective.get(v, 0.0) + move_cost * float(discretionary[i])
