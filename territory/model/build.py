"""Assemble the model for one pool from the constraint families."""

from __future__ import annotations

import pulp

from ..config import PlanConfig
from .constraints import (
    ModelBuilder,
    add_account_balance,
    add_assign_once,
    add_auto_locks,
    add_max_accounts,
    add_move_cost,
    add_move_limit,
    add_moves_per_rep,
    add_potential_balance,
    add_potential_move_limit,
    add_product_choice,
    add_tier_balance,
    add_workload_balance,
    new_builder,
)
from .problem import PoolProblem

# Every family the full model is built from, in build order. Tests drop one at a time.
FAMILIES = (
    "assign_once",
    "tier_balance",
    "potential_balance",
    "account_balance",
    "workload_balance",
    "product_choice",
    "auto_locks",
    "max_accounts",
    "move_limit",
    "potential_move_limit",
    "moves_per_rep",
)


def build_model(
    pool: PoolProblem,
    cfg: PlanConfig,
    *,
    drop: frozenset[str] = frozenset(),
    hard: bool | None = None,
    elastic: bool = False,
) -> ModelBuilder:
    """The pool's MIP: one owner per unit, bands with penalised slack, moves as the cost.

    ``drop`` leaves out named constraint families (used by the tests that prove each family
    matters); ``hard`` overrides ``balance.hard_bands``. ``elastic`` builds the explaining
    version: bands soft and every hard cap with a heavily priced slack.
    """
    b = cfg.balance
    hard_bands = (b.hard_bands if hard is None else hard) and not elastic
    m = new_builder(pool, b.potential_band)
    m.elastic = elastic
    if "assign_once" not in drop:
        add_assign_once(m)
    if "tier_balance" not in drop:
        add_tier_balance(m, b.tier_penalty, hard=hard_bands)
    if "potential_balance" not in drop:
        add_potential_balance(m, b.potential_penalty, hard=hard_bands)
    if b.account_band is not None and "account_balance" not in drop:
        add_account_balance(m, b.account_band, b.tier_penalty, hard=hard_bands)
    if b.workload_band is not None and "workload_balance" not in drop:
        add_workload_balance(m, b.workload_band, b.workload_weights, b.tier_penalty, hard=hard_bands)
    if "product_choice" not in drop:
        add_product_choice(m)
    if "auto_locks" not in drop:
        add_auto_locks(m)
    if "max_accounts" not in drop:
        add_max_accounts(m)
    if cfg.continuity.max_moved_share is not None and "move_limit" not in drop:
        add_move_limit(m, cfg.continuity.max_moved_share)
    c = cfg.continuity
    if c.max_potential_moved_share is not None and "potential_move_limit" not in drop:
        add_potential_move_limit(m, c.max_potential_moved_share)
    if c.max_moves_per_rep is not None and "moves_per_rep" not in drop:
        add_moves_per_rep(m, c.max_moves_per_rep)
    add_move_cost(m, cfg.continuity.move_cost)
    m.prob.extend(m.rows)
    m.prob.setObjective(pulp.LpAffineExpression(m.objective))
    return m
