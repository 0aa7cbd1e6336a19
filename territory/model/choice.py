"""Reps with product = auto at scale: choose each one's product, then plan with it fixed.

The class model's count LP with the product choice relaxed (z in [0, 1]; the product-choice
rows only where they bind, ``links="owned"``) is a relaxation of the full model: any plan,
with its binary choice, projects onto it with the same moves and tier slack, so its value is
the bound the plan's gap is measured against. Its z is rounded to whole products with the
product-choice family's own rows (a transportation problem per capacity level, integral at
its vertices), weighted by the LP's z and, to break ties, by the share of each product the
rep owns today. When that split has no plan,
the choice MIP (z binary, every link) settles it.
"""

from __future__ import annotations

import dataclasses

import numpy as np

from ..config import PlanConfig
from ..errors import InfeasiblePlanError
from .build import build_model
from .classlp import ClassLP, solve_class
from .families import Family
from .items import Items
from .pools import Pool


def fix_products(items: Items, chosen: np.ndarray) -> Items:
    """The pool's items with every rep's product fixed: pairs of other products go, and fair
    shares and bands become those of each rep's product (the exact model's, with z fixed)."""
    pool = dataclasses.replace(items.pool, rep_product=np.asarray(chosen, dtype=np.int64))
    return dataclasses.replace(items.with_products(chosen), pool=pool)


def choose_products(
    items: Items, cfg: PlanConfig, fams: list[Family], time_limit: float, exact: bool = False
) -> tuple[np.ndarray, ClassLP | None]:
    """A product for every rep with product = auto, and the choice LP (None when there was
    nothing to choose). The LP can be infeasible: the caller explains."""
    pool = items.pool
    chosen = pool.rep_product.copy()
    auto = np.flatnonzero(chosen < 0)
    P = len(pool.products)
    if not auto.size:
        return chosen, None
    if P == 1:
        chosen[auto] = 0
        return chosen, None
    b = build_model(
        items,
        cfg,
        families=fams,
        measures="none",
        integer=False,
        integer_z=exact,
        links="all" if exact else "owned",
    )
    lp = solve_class(b, cfg, time_limit, mip=exact, gap=0.05)  # (exact: any split near the best will do)
    if lp.status in ("infeasible", "stopped") or lp.z is None:
        return chosen, lp
    if exact:
        chosen[auto] = np.argmax(lp.z, axis=1)
        return chosen, lp
    # Tie-break: the product the rep owns most of today (continuity), then product order.
    owned = np.zeros((pool.n_reps, P))
    ok = items.owner >= 0
    np.add.at(owned, (items.owner[ok], items.product[ok]), items.n[ok] * items.size[ok])
    share = owned[auto] / np.maximum(owned[auto].sum(axis=1, keepdims=True), 1.0)
    chosen[auto] = round_choice(items, cfg, lp.z + 1e-3 * share)
    return chosen, lp


def round_choice(items: Items, cfg: PlanConfig, w: np.ndarray) -> np.ndarray:
    """The whole choice of largest weight ``w`` (auto reps x products) that keeps the
    product-choice rows: one product per rep, each product its reps of every capacity level.

    The family's own rows (``product_choice`` over z alone, no pairs): a transportation
    problem per capacity level, whose LP has integral vertices, so simplex returns a choice.
    """
    from .families.product_choice import ProductChoice

    auto = np.flatnonzero(items.pool.rep_product < 0)
    b = build_model(
        items.restrict(np.zeros(items.n_pairs, dtype=bool)), cfg, families=[ProductChoice()], integer=False
    )
    b.m.add_cost(b.z[auto].reshape(-1), -np.asarray(w, dtype=float).reshape(-1))
    lp = solve_class(b, cfg, cfg.solver.time_limit, lp_solver="simplex")
    z = lp.z if lp.z is not None else np.zeros_like(w)
    if lp.status != "lp" or np.abs(z - np.round(z)).max(initial=0) > 1e-6:
        raise InfeasiblePlanError(
            f"In {items.pool.name} the reps with product = auto cannot be shared between products "
            "as demand asks; give some of them their product in the roster."
        )
    return np.argmax(z, axis=1).astype(np.int64)


def lost_products(pool: Pool, items: Items) -> list[str]:
    """Products some of whose items no rep may hold once every rep's product is fixed."""
    has = np.bincount(items.pair_i, minlength=items.n_items) > 0
    return sorted({pool.products[int(q)] for q in items.product[~has].tolist()})
