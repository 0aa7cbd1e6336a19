"""Reps with product = auto at scale: choose each one's product, then plan with it fixed.

The class model's count LP with the product choice relaxed (z in [0, 1]; the product-choice
rows only where they bind, ``links="owned"``) is a relaxation of the full model: any plan,
with its binary choice, projects onto it with the same moves and tier slack, so its value is
the bound the plan's gap is measured against. Its z is rounded to whole products per capacity
level (a transportation problem, integral at its vertices), weighted by the LP's z and, to
break ties, by the share of each product the rep owns today. When that split has no plan,
the choice MIP (z binary, every link) settles it.
"""

from __future__ import annotations

import dataclasses

import numpy as np

from ..config import PlanConfig
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
    w = lp.z + 1e-3 * share
    for lv in range(pool.auto_count.shape[1]):  # one transportation problem per capacity level
        at = np.flatnonzero(pool.rep_level[auto] == lv)
        chosen[auto[at]] = round_choice(w[at], pool.auto_count[:, lv])
    return chosen, lp


def round_choice(w: np.ndarray, count: np.ndarray) -> np.ndarray:
    """The 0/1 choice (one product per rep, ``count[q]`` reps on product q) of largest weight.

    A transportation problem: its LP has integral vertices, so a simplex solve returns the
    integral optimum.
    """
    import highspy

    from ..solve import _quiet_stdout

    A, P = w.shape
    n = A * P
    rows = np.concatenate([np.repeat(np.arange(A), P), A + np.tile(np.arange(P), A)])
    cols = np.concatenate([np.arange(n), np.arange(n)])
    order = np.argsort(cols, kind="stable")
    start = np.searchsorted(cols[order], np.arange(n + 1)).astype(np.int32)
    rhs = np.concatenate([np.ones(A), count.astype(np.float64)])
    with _quiet_stdout():
        h = highspy.Highs()
    h.silent()
    h.setOptionValue("solver", "simplex")
    h.passModel(
        n,
        A + P,
        2 * n,
        1,
        1,
        0.0,
        -w.ravel(),
        np.zeros(n),
        np.ones(n),
        rhs,
        rhs,
        start[:-1],
        rows[order].astype(np.int32),
        np.ones(2 * n),
        np.zeros(n, dtype=np.int32),
    )
    h.run()
    z = np.asarray(h.getSolution().col_value).reshape(A, P)
    pick = np.argmax(z, axis=1)
    if h.getModelStatus() != highspy.HighsModelStatus.kOptimal or np.abs(z - np.round(z)).max() > 1e-6:
        pick = np.argmax(w, axis=1)  # (cannot happen for a consistent count; a safe fallback)
    return pick.astype(np.int64)


def lost_products(pool: Pool, items: Items) -> list[str]:
    """Products some of whose items no rep may hold once every rep's product is fixed."""
    has = np.bincount(items.pair_i, minlength=items.n_items) > 0
    return sorted({pool.products[int(q)] for q in items.product[~has].tolist()})
