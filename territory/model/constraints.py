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
from typing import Any

import numpy as np
import pulp

from .problem import TIERS, PoolProblem, tier_band

EQ, GE, LE = pulp.LpConstraintEQ, pulp.LpConstraintGE, pulp.LpConstraintLE
ELASTIC_PENALTY = 1e4  # per unit a hard rule bends in the elastic re-solve (above any band penalty)
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
    z: dict[tuple[int, int], pulp.LpVariable] = field(default_factory=dict)  # (rep, product) for auto reps
    potential_band: float = 0.10
    # Elastic mode: hard rows get a heavily priced slack, so an impossible ask still solves and
    # the slack says which rule had to bend, and by how much.
    elastic: bool = False
    slack_info: dict[str, tuple[str, dict[str, Any]]] = field(default_factory=dict)

    def add_row(
        self,
        family: str,
        name: str,
        expr: pulp.LpAffineExpression,
        sense: int,
        rhs: float,
        *,
        hard: bool = False,
        info: dict[str, Any] | None = None,
    ) -> str:
        if name in self.rows:
            name = f"{name}__{len(self.rows)}"
        if self.elastic and hard and sense != EQ:
            s = self.slack(f"bend__{name}", ELASTIC_PENALTY, family=family, info=info)
            expr[s] = -1.0 if sense == LE else 1.0
        self.rows[name] = pulp.LpConstraint(expr, sense, name, rhs)
        self.families.setdefault(family, []).append(name)
        return name

    def slack(
        self, name: str, cost: float, *, family: str = "", info: dict[str, Any] | None = None
    ) -> pulp.LpVariable:
        v = self.prob.add_variable(name, 0, None, pulp.LpContinuous)
        self.slacks[name] = v
        self.slack_info[name] = (family, dict(info or {}))
        if cost:
            self.objective[v] = self.objective.get(v, 0.0) + float(cost)
        return v

    def pairs_of_rep(self) -> list[np.ndarray]:
        p = self.pool
        order = np.argsort(p.pair_r, kind="stable")
        b = np.searchsorted(p.pair_r[order], np.arange(p.n_reps + 1))
        return [order[b[r] : b[r + 1]] for r in range(p.n_reps)]


def new_builder(pool: PoolProblem, potential_band: float = 0.10) -> ModelBuilder:
    prob = pulp.LpProblem(lp_name("territory", pool=pool.name), pulp.LpMinimize)
    x = [
        prob.add_variable(lp_name("x", unit=pool.unit_ids[u], rep=pool.rep_ids[r]), 0, 1, pulp.LpInteger)
        for u, r in zip(pool.pair_u.tolist(), pool.pair_r.tolist())
    ]
    m = ModelBuilder(pool=pool, prob=prob, x=x, potential_band=potential_band)
    for r in range(pool.n_reps):
        if pool.rep_product[r] < 0:
            for q, prod in enumerate(pool.products):
                m.z[(r, q)] = prob.add_variable(
                    lp_name("carries", rep=pool.rep_ids[r], product=prod), 0, 1, pulp.LpInteger
                )
    return m


def add_assign_once(m: ModelBuilder) -> list[str]:
    """Every unit (family or account) gets exactly one owner."""
    p = m.pool
    b = np.searchsorted(p.pair_u, np.arange(p.n_units + 1))
    names = []
    for u in range(p.n_units):
        expr = pulp.LpAffineExpression(dict.fromkeys(m.x[b[u] : b[u + 1]], 1))
        names.append(m.add_row("assign_once", lp_name("assign_once", unit=p.unit_ids[u]), expr, EQ, 1))
    return names


def _rep_product_pairs(m: ModelBuilder) -> list[tuple[int, int, np.ndarray]]:
    """(rep, product, pair indices) for every product a rep may carry."""
    p = m.pool
    out = []
    for r, idx in enumerate(m.pairs_of_rep()):
        prods = p.unit_product[p.pair_u[idx]] if len(p.products) > 1 else np.zeros(len(idx), dtype=np.int64)
        for q in p.rep_products(r):
            out.append((r, q, idx[prods == q]))
    return out


def _label(p: PoolProblem, r: int, q: int, **more: object) -> dict[str, object]:
    labels: dict[str, object] = {"rep": p.rep_ids[r]}
    if len(p.products) > 1 or p.products[0]:
        labels["product"] = p.products[q]
    labels.update(more)
    return labels


def add_tier_balance(m: ModelBuilder, penalty: float, hard: bool = False) -> list[str]:
    """Each rep's count of each tier stays within its band around the fair share.

    For a rep whose product the model chooses (product = auto), the band for product q is
    scaled by z[rep, q]: it applies only if the rep carries q.
    """
    p = m.pool
    names = []
    for r, q, idx in _rep_product_pairs(m):
        z = m.z.get((r, q))
        for ti, t in enumerate(TIERS):
            coef = p.unit_tiers[p.pair_u[idx], ti]
            keep = coef > 0
            lo_v, hi_v = float(p.tier_lo_p[r, q, ti]), float(p.tier_hi_p[r, q, ti])
            if p.fair_tier_p[r, q, ti] <= 0 and not keep.any():
                continue
            terms = [(m.x[i], float(c)) for i, c in zip(idx[keep].tolist(), coef[keep].tolist())]
            lo_expr = pulp.LpAffineExpression(terms)
            hi_expr = pulp.LpAffineExpression(terms)
            lo_rhs, hi_rhs = lo_v, hi_v
            if z is not None:  # move the band's ends to the left: sum - lo*z >= 0, sum - hi*z <= 0
                lo_expr[z] = -lo_v
                hi_expr[z] = -hi_v
                lo_rhs = hi_rhs = 0.0
            lab = _label(p, r, q, tier=t)
            if not hard:
                info = {
                    "rep": r,
                    "product": q,
                    "tier": t,
                    "lo": lo_v,
                    "hi": hi_v,
                    "fair": float(p.fair_tier_p[r, q, ti]),
                }
                lo_expr[m.slack(lp_name("tier_under", **lab), penalty, family="tier_under", info=info)] = 1.0
                hi_expr[m.slack(lp_name("tier_over", **lab), penalty, family="tier_over", info=info)] = -1.0
            names.append(m.add_row("tier_balance", lp_name("tier_band_lo", **lab), lo_expr, GE, lo_rhs))
            names.append(m.add_row("tier_balance", lp_name("tier_band_hi", **lab), hi_expr, LE, hi_rhs))
    return names


def add_potential_balance(m: ModelBuilder, penalty: float, hard: bool = False) -> list[str]:
    """Each rep's potential stays within its band; slack is measured in shares of fair potential."""
    p = m.pool
    tau = m.potential_band
    names = []
    for r, q, idx in _rep_product_pairs(m):
        fair = float(p.fair_pot_p[r, q])
        if fair <= 0:
            continue
        z = m.z.get((r, q))
        # Scale the row by 1/fair so coefficients are shares of fair potential (well conditioned).
        coef = p.unit_potential[p.pair_u[idx]] / fair
        terms = [(m.x[i], round(float(c), 9)) for i, c in zip(idx.tolist(), coef.tolist()) if c != 0]
        lo_expr = pulp.LpAffineExpression(terms)
        hi_expr = pulp.LpAffineExpression(terms)
        lo_rhs, hi_rhs = 1 - tau, 1 + tau
        if z is not None:
            lo_expr[z] = -lo_rhs
            hi_expr[z] = -hi_rhs
            lo_rhs = hi_rhs = 0.0
        lab = _label(p, r, q)
        if not hard:
            info = {"rep": r, "product": q, "fair": fair}
            lo_expr[
                m.slack(lp_name("potential_under", **lab), penalty, family="potential_under", info=info)
            ] = 1.0
            hi_expr[
                m.slack(lp_name("potential_over", **lab), penalty, family="potential_over", info=info)
            ] = -1.0
        names.append(
            m.add_row("potential_balance", lp_name("potential_band_lo", **lab), lo_expr, GE, round(lo_rhs, 9))
        )
        names.append(
            m.add_row("potential_balance", lp_name("potential_band_hi", **lab), hi_expr, LE, round(hi_rhs, 9))
        )
    return names


def add_product_choice(m: ModelBuilder) -> list[str]:
    """Reps with product = auto carry exactly one product, each product gets its share of
    them (tier-weighted demand), and a rep only owns accounts of the product it carries."""
    p = m.pool
    names: list[str] = []
    auto = [r for r in range(p.n_reps) if p.rep_product[r] < 0]
    if not auto:
        return names
    for r in auto:
        expr = pulp.LpAffineExpression({m.z[(r, q)]: 1 for q in range(len(p.products))})
        names.append(m.add_row("product_choice", lp_name("one_product", rep=p.rep_ids[r]), expr, EQ, 1))
    # Each product gets its share of the auto reps of every capacity level (product_fair_shares).
    for q, prod in enumerate(p.products):
        for lv in range(p.auto_count.shape[1]):
            at = [r for r in auto if p.rep_level[r] == lv]
            expr = pulp.LpAffineExpression({m.z[(r, q)]: 1 for r in at})
            label = {"product": prod} if p.auto_count.shape[1] == 1 else {"product": prod, "level": lv}
            names.append(
                m.add_row(
                    "product_choice",
                    lp_name("reps_per_product", **label),
                    expr,
                    EQ,
                    float(p.auto_count[q, lv]),
                )
            )
    auto_set = set(auto)
    for i, (u, r) in enumerate(zip(p.pair_u.tolist(), p.pair_r.tolist())):
        if r in auto_set:
            q = int(p.unit_product[u])
            expr = pulp.LpAffineExpression({m.x[i]: 1, m.z[(r, q)]: -1})
            names.append(
                m.add_row(
                    "product_choice", lp_name("carries", unit=p.unit_ids[u], rep=p.rep_ids[r]), expr, LE, 0
                )
            )
    return names


def add_auto_locks(m: ModelBuilder) -> list[str]:
    """A unit locked to a rep with product = auto stays with that rep when the rep carries
    the unit's product: x[u, r] >= z[r, q(u)] (with x <= z from the product choice, x = z)."""
    p = m.pool
    names: list[str] = []
    if not p.unit_lock_auto.size or (p.unit_lock_auto < 0).all():
        return names
    for i, (u, r) in enumerate(zip(p.pair_u.tolist(), p.pair_r.tolist())):
        q = int(p.unit_product[u])
        if p.unit_lock_auto[u] == r and (r, q) in m.z:
            expr = pulp.LpAffineExpression({m.x[i]: 1, m.z[(r, q)]: -1})
            names.append(
                m.add_row(
                    "auto_locks", lp_name("keeps_locked", unit=p.unit_ids[u], rep=p.rep_ids[r]), expr, GE, 0
                )
            )
    return names


def add_account_balance(m: ModelBuilder, band: float, penalty: float, hard: bool = False) -> list[str]:
    """Optional: each rep's total account count within +-band of its fair share."""
    p = m.pool
    names = []
    # per (rep, product): a rep with product = auto gets the band of the product it takes
    fair_total = p.fair_tier_p.sum(axis=2) if p.fair_tier_p.size else p.fair_tier.sum(axis=1)[:, None]
    lo_p, hi_p = tier_band(fair_total, band, 1.0)
    for r, idx in enumerate(m.pairs_of_rep()):
        terms = list(zip([m.x[i] for i in idx.tolist()], p.unit_size[p.pair_u[idx]].astype(float).tolist()))
        lo_expr = pulp.LpAffineExpression(terms)
        hi_expr = pulp.LpAffineExpression(terms)
        rep = p.rep_ids[r]
        zs = [(q, m.z[(r, q)]) for q in range(lo_p.shape[1]) if (r, q) in m.z]
        if zs:  # sum - sum_q lo[r,q] z[r,q] >= 0, likewise for hi
            for q, z in zs:
                lo_expr[z] = -float(lo_p[r, q])
                hi_expr[z] = -float(hi_p[r, q])
            lo_r = hi_r = 0.0
        else:
            own = (
                int(p.rep_product[r])
                if p.rep_product.size and p.rep_product[r] >= 0 and lo_p.shape[1] > 1
                else 0
            )
            lo_r, hi_r = float(lo_p[r, own]), float(hi_p[r, own])
        if not hard:
            lo_expr[m.slack(lp_name("accounts_under", rep=rep), penalty)] = 1.0
            hi_expr[m.slack(lp_name("accounts_over", rep=rep), penalty)] = -1.0
        names.append(m.add_row("account_balance", lp_name("account_band_lo", rep=rep), lo_expr, GE, lo_r))
        names.append(m.add_row("account_balance", lp_name("account_band_hi", rep=rep), hi_expr, LE, hi_r))
    return names


def add_workload_balance(
    m: ModelBuilder, band: float, weights: tuple[float, ...], penalty: float, hard: bool = False
) -> list[str]:
    """Optional: each rep's tier-weighted effort within +-band of its fair share (soft by default)."""
    p = m.pool
    w = np.asarray(weights[:3], dtype=float)
    unit_work = p.unit_tiers @ w
    names = []
    for r, q, idx in _rep_product_pairs(m):
        fair = float(p.fair_tier_p[r, q] @ w)
        if fair <= 0:
            continue
        z = m.z.get((r, q))
        coef = unit_work[p.pair_u[idx]] / fair
        terms = [(m.x[i], round(float(c), 9)) for i, c in zip(idx.tolist(), coef.tolist()) if c]
        lo_expr, hi_expr = pulp.LpAffineExpression(terms), pulp.LpAffineExpression(terms)
        lo_rhs, hi_rhs = 1 - band, 1 + band
        if z is not None:
            lo_expr[z], hi_expr[z] = -lo_rhs, -hi_rhs
            lo_rhs = hi_rhs = 0.0
        lab = _label(p, r, q)
        if not hard:
            info = {"rep": r, "product": q, "fair": fair}
            # penalty per 1 % outside the band, like one account outside a tier band
            lo_expr[
                m.slack(lp_name("workload_under", **lab), penalty * 100, family="workload_under", info=info)
            ] = 1.0
            hi_expr[
                m.slack(lp_name("workload_over", **lab), penalty * 100, family="workload_over", info=info)
            ] = -1.0
        names.append(
            m.add_row("workload_balance", lp_name("workload_band_lo", **lab), lo_expr, GE, round(lo_rhs, 9))
        )
        names.append(
            m.add_row("workload_balance", lp_name("workload_band_hi", **lab), hi_expr, LE, round(hi_rhs, 9))
        )
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
        names.append(
            m.add_row(
                "max_accounts",
                lp_name("max_accounts", rep=p.rep_ids[r]),
                pulp.LpAffineExpression(terms),
                LE,
                float(cap),
                hard=True,
                info={"rep": r, "limit": float(cap)},
            )
        )
    return names


def add_move_limit(m: ModelBuilder, max_share: float) -> list[str]:
    """Cap the share of accounts that change owner, not counting forced moves (owner left the
    roster or no longer covers the account)."""
    p = m.pool
    discretionary = p.pair_cost - p.unit_forced[p.pair_u]
    keep = discretionary > 0
    terms = [(m.x[i], float(c)) for i, c in zip(np.flatnonzero(keep).tolist(), discretionary[keep].tolist())]
    limit = np.floor(max_share * float(p.unit_size.sum()) + 1e-9)
    return [
        m.add_row(
            "move_limit",
            lp_name("move_limit", pool=p.name),
            pulp.LpAffineExpression(terms),
            LE,
            float(limit),
            hard=True,
            info={"limit": float(limit), "share": max_share},
        )
    ]


def add_potential_move_limit(m: ModelBuilder, max_share: float) -> list[str]:
    """Cap the share of potential that changes owner (forced moves not counted)."""
    p = m.pool
    total = float(p.unit_potential.sum())
    if total <= 0:
        return []
    keep = p.pair_pot_moved > 0
    terms = [
        (m.x[i], round(float(c) / total, 9))
        for i, c in zip(np.flatnonzero(keep).tolist(), p.pair_pot_moved[keep].tolist())
    ]
    return [
        m.add_row(
            "potential_move_limit",
            lp_name("potential_move_limit", pool=p.name),
            pulp.LpAffineExpression(terms),
            LE,
            float(max_share),
            hard=True,
            info={"share": max_share},
        )
    ]


def add_moves_per_rep(m: ModelBuilder, cap: int) -> list[str]:
    """No rep gains more than ``cap`` accounts from, or loses more than ``cap`` to, other reps.

    Gains count accounts whose current owner is another rep on the roster; losses count the
    rep's own accounts going elsewhere: own_n * (1 - x[unit, rep]).
    """
    p = m.pool
    names: list[str] = []
    by_rep = m.pairs_of_rep()
    # index of the pair (unit, rep) if eligible
    pair_index = {(int(u), int(r)): i for i, (u, r) in enumerate(zip(p.pair_u, p.pair_r))}
    owned_by_roster = np.bincount(p.own_u, weights=p.own_n, minlength=p.n_units)
    for r, idx in enumerate(by_rep):
        rep = p.rep_ids[r]
        # accounts in the unit owned by other reps on the roster
        gain = np.zeros(len(idx))
        own_here = {int(u): int(n) for u, rr, n in zip(p.own_u, p.own_r, p.own_n) if rr == r}
        for k, i in enumerate(idx.tolist()):
            u = int(p.pair_u[i])
            gain[k] = owned_by_roster[u] - own_here.get(u, 0)
        keep = gain > 0
        if keep.any():
            terms = list(zip([m.x[i] for i in idx[keep].tolist()], gain[keep].tolist()))
            names.append(
                m.add_row(
                    "moves_per_rep",
                    lp_name("moves_in", rep=rep),
                    pulp.LpAffineExpression(terms),
                    LE,
                    float(cap),
                    hard=True,
                    info={"rep": r, "limit": cap, "direction": "gain"},
                )
            )
        if own_here:
            # loses = sum(own) - sum(own * x[u, r]) <= cap
            terms, const = [], 0.0
            for u, n in sorted(own_here.items()):
                const += n
                i = pair_index.get((u, r))
                if i is not None:
                    terms.append((m.x[i], float(n)))
            names.append(
                m.add_row(
                    "moves_per_rep",
                    lp_name("moves_out", rep=rep),
                    pulp.LpAffineExpression(terms),
                    GE,
                    const - float(cap),
                    hard=True,
                    info={"rep": r, "limit": cap, "direction": "lose"},
                )
            )
    return names


def add_move_cost(m: ModelBuilder, move_cost: float) -> None:
    """Objective: the price of every account moved away from a current owner still on the roster.

    Forced moves (owner left the roster or no longer covers the account) cost the same wherever
    the account goes, so they are left out of the objective (they are reported, not optimised).
    """
    p = m.pool
    discretionary = p.pair_cost - p.unit_forced[p.pair_u]
    for i in np.flatnonzero(discretionary > 0).tolist():
        v = m.x[i]
        m.objective[v] = m.objective.get(v, 0.0) + move_cost * float(discretionary[i])
