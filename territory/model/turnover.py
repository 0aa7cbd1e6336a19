"""Turnover cuts: what the count-only bound must charge a rep whose measure band needs whole units.

The count-only bound (``bound.count_bound``) leaves the measure rows out, so a rep whose
potential is 20 % above its band today costs it nothing as long as its tier counts hold. Its
LP relaxation also lets a rep shed a third of a family worth three times its excess. Every
whole plan is charged for that, and so is this bound after these cuts.

For a rep r with a fixed product and a balanced measure m (fair share F, band [lo, hi], price
p per 100 % of F), let P be the measure of the units r owns today (uniform owner r), ``lost``
the number of those units r gives away and ``gained`` the number of other units r receives.
In every whole plan r ends with its kept units plus its gained ones, so

- if P > hi, r's total is at least P minus the k largest of its own units it can give away,
  k = ``lost``: its penalty is at least f(k) = p/F * max(0, P - hi - S(k)), S(k) the sum of
  those k largest;
- if P < lo, r's total is at most P plus the k largest units it may receive, k = ``gained``:
  its penalty is at least f(k) = p/F * max(0, lo - P - G(k)).

S and G are concave in k (sums of the k largest), so f is convex on the integers and every
line through two neighbouring points (k, f(k)), (k+1, f(k+1)) lies below it at every integer:
``w_r >= f(k) + (f(k+1) - f(k)) (lost - k)`` (or ``gained``), with ``w_r >= 0`` priced at 1 in
the objective, is a valid cut for every whole plan, and w_r is at most r's real penalty for m.
The count model's other terms are the plan's own (docs/model.md, "Why the class model's
value is a bound"), so the bound with the cuts stays a bound. What the LP loses is the
fraction: one third of a family no longer sheds a third of its measure at a third of its
moves. A rep inside its band today gets no cut. ``lost`` and ``gained`` are linear in y on
any items: a rep's keep pairs (its own class, or a type's keep pair) and the other pairs.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from .families import Build, Family
from .families.base import MeasureFamily
from .pools import Pool

MAX_STEPS = 64  # cuts per rep and measure: the first points of f (fewer is weaker, still valid)


def add_turnover_cuts(b: Build, fams: list[Family]) -> int:
    """Write the cuts (module text) for every balanced measure into ``b``; returns how many.
    Left out with hard bands (no price to charge) and for reps with product = auto (their
    fair share depends on the product the plan gives them)."""
    if b.cfg.balance.hard_bands:
        return 0
    it = b.items
    pool = it.pool
    if not pool.n_units:
        return 0
    keep_pair = it.pair_kind == 1 if it.pair_kind is not None else it.owner[it.pair_i] == it.pair_r
    sh = pool.shares()
    fixed = pool.rep_product >= 0
    owner = pool.owner
    n_own = np.bincount(owner[owner >= 0], minlength=pool.n_reps).astype(np.float64)
    receivable = _receivable(pool)
    total = 0
    for f in fams:
        if f.name != "measure_balance" or not isinstance(f, MeasureFamily):
            continue
        m = f.index
        band, price = f.measure.band, f.measure.penalty
        vals = pool.value[:, m]
        fair = sh.fair_value[:, m]
        P = np.bincount(owner[owner >= 0], weights=vals[owner >= 0], minlength=pool.n_reps)
        rows: list[tuple[int, np.ndarray, np.ndarray, float]] = []  # (rep, cols, coefs, rhs)
        for r in np.flatnonzero(fixed & (fair > 0)).tolist():
            lo, hi = (1 - band) * fair[r], (1 + band) * fair[r]
            if P[r] > hi:
                mine = (owner == r) & ~pool.locked
                top = -np.sort(-vals[mine])[:MAX_STEPS]
                gap, pairs, base = P[r] - hi, keep_pair & (it.pair_r == r), n_own[r]
                sign = -1.0  # lost = n_own - (kept on r's keep pairs)
            elif P[r] < lo:
                top = receivable(r, vals)
                gap, pairs, base = lo - P[r], ~keep_pair & (it.pair_r == r), 0.0
                sign = 1.0  # gained = units on r's other pairs
            else:
                continue
            f_k = price / fair[r] * np.maximum(0.0, gap - np.concatenate([[0.0], np.cumsum(top)]))
            k_cols = b.y[np.flatnonzero(pairs)]
            for k in range(len(f_k) - 1):
                s = f_k[k + 1] - f_k[k]  # <= 0
                if s > -1e-12:
                    break
                # w - s * (base + sign * sum y) >= f(k) - s k
                rows.append((r, k_cols, np.full(k_cols.size, -s * sign), f_k[k] - s * k + s * base))
                if f_k[k + 1] <= 0:
                    break
        if not rows:
            continue
        reps = np.unique([r for r, *_ in rows])
        w = b.m.add_cols(
            "turnover",
            reps.size,
            cost=1.0,
            family=f.name,
            labels={"rep": np.asarray(pool.rep_ids, dtype=object)[reps], "measure": f.measure.name},
        )
        col_of = dict(zip(reps.tolist(), w.tolist()))
        ii = np.concatenate([np.full(c.size + 1, k) for k, (_, c, _, _) in enumerate(rows)])
        jj = np.concatenate([np.concatenate([[col_of[r]], c]) for r, c, _, _ in rows])
        vv = np.concatenate([np.concatenate([[1.0], v]) for _, _, v, _ in rows])
        rhs = np.array([x for *_, x in rows])
        b.m.add_rows(f.name, "turnover", len(rows), ii, jj, vv, rhs, np.inf)
        total += len(rows)
    return total


def _receivable(pool: Pool) -> Callable[[int, np.ndarray], np.ndarray]:
    """``top(r, vals)``: the ``MAX_STEPS`` largest values among the units rep r may receive
    (eligible for r, not owned by r), largest first."""
    by_sig: dict[int, np.ndarray] = {}
    sig_of_rep: list[list[int]] = [[] for _ in range(pool.n_reps)]
    for s in np.unique(pool.sig).tolist():
        by_sig[s] = np.flatnonzero(pool.sig == s)
        for r in pool.sig_reps[s].tolist():
            sig_of_rep[r].append(s)

    def top(r: int, vals: np.ndarray) -> np.ndarray:
        units = [by_sig[s] for s in sig_of_rep[r]]
        u = np.concatenate(units) if units else np.zeros(0, dtype=np.int64)
        u = u[pool.owner[u] != r]
        return -np.sort(-vals[u])[:MAX_STEPS]

    return top
