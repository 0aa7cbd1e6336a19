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


def add_turnover_cuts(b: Build, fams: list[Family], at: np.ndarray | None = None) -> tuple[int, float]:
    """Write the cuts (module text) for every balanced measure into ``b``; returns how many,
    and what they charge at the counts ``at`` (``y`` per pair, e.g. the LP's without them:
    when 0, that point is optimal with the cuts too). Left out with hard bands (no price to
    charge) and for reps with product = auto (their fair share depends on the product the
    plan gives them)."""
    if b.cfg.balance.hard_bands:
        return 0, 0.0
    it = b.items
    pool = it.pool
    if not pool.n_units:
        return 0, 0.0
    charge = 0.0
    keep_pair = it.pair_kind == 1 if it.pair_kind is not None else it.owner[it.pair_i] == it.pair_r
    sh = pool.shares()
    fixed = pool.rep_product >= 0
    owner = pool.owner
    n_own = np.bincount(owner[owner >= 0], minlength=pool.n_reps).astype(np.float64)
    total = 0
    for f in fams:
        if f.name != "measure_balance" or not isinstance(f, MeasureFamily):
            continue
        m = f.index
        band, price = f.measure.band, f.measure.penalty
        vals = pool.value[:, m]
        fair = sh.fair_value[:, m]
        P = np.bincount(owner[owner >= 0], weights=vals[owner >= 0], minlength=pool.n_reps)
        receivable = _receivable(pool, vals)
        reps: list[int] = []  # reps with cuts, each with its units lost or gained ...
        defs: list[tuple[np.ndarray, float, float]] = []  # ... as (y columns, sign, base)
        cuts: list[tuple[int, float, float]] = []  # (index into reps, slope, rhs)
        for r in np.flatnonzero(fixed & (fair > 0)).tolist():
            lo, hi = (1 - band) * fair[r], (1 + band) * fair[r]
            if P[r] > hi:  # lost = n_own - (units kept on r's keep pairs)
                top = -np.sort(-vals[(owner == r) & ~pool.locked])[:MAX_STEPS]
                gap, pairs, sign, base = P[r] - hi, keep_pair & (it.pair_r == r), -1.0, n_own[r]
            elif P[r] < lo:  # gained = units on r's other pairs
                top = receivable(r)
                gap, pairs, sign, base = lo - P[r], ~keep_pair & (it.pair_r == r), 1.0, 0.0
            else:
                continue
            f_k = price / fair[r] * np.maximum(0.0, gap - np.concatenate([[0.0], np.cumsum(top)]))
            slopes = np.diff(f_k)  # <= 0, rising to 0 (f is convex)
            flat = np.flatnonzero((slopes > -1e-12) | (f_k[:-1] <= 0))
            n = int(flat[0]) if flat.size else slopes.size  # the points down to f = 0
            if not n:
                continue
            reps.append(r)
            defs.append((b.y[np.flatnonzero(pairs)], sign, base))
            k = np.arange(n)
            if at is not None:
                t_r = base + sign * float(at[np.flatnonzero(pairs)].sum())
                charge += max(0.0, float((f_k[:n] + slopes[:n] * (t_r - k)).max()))
            cuts += [(len(reps) - 1, sl, rhs) for sl, rhs in zip(slopes[:n], f_k[:n] - slopes[:n] * k)]
        if not reps:
            continue
        # w[r] >= 0 at cost 1 and t[r] = units lost (or gained): t - sign * sum y = base;
        # each cut w - slope * t >= f(k) - slope * k
        R = len(reps)
        labels = {"rep": np.asarray(pool.rep_ids, dtype=object)[reps], "measure": f.measure.name}
        w = b.m.add_cols("turnover", R, cost=1.0, family=f.name, labels=labels)
        t = b.m.add_cols("turnover_units", R, family=f.name, labels=labels)
        sizes = np.array([c.size for c, _, _ in defs])
        ii = np.concatenate([np.arange(R), np.repeat(np.arange(R), sizes)])
        jj = np.concatenate([t] + [c for c, _, _ in defs])
        vv = np.concatenate([np.ones(R)] + [np.full(c.size, -sg) for c, sg, _ in defs])
        base_r = np.array([bs for _, _, bs in defs])
        b.m.add_rows(f.name, "turnover_units", R, ii, jj, vv, base_r, base_r)
        ci = np.array([c for c, _, _ in cuts])
        n_c = len(cuts)
        ii = np.concatenate([np.arange(n_c), np.arange(n_c)])
        jj = np.concatenate([w[ci], t[ci]])
        vv = np.concatenate([np.ones(n_c), -np.array([sl for _, sl, _ in cuts])])
        b.m.add_rows(f.name, "turnover", n_c, ii, jj, vv, np.array([x for *_, x in cuts]), np.inf)
        total += n_c
    return total, charge


def _receivable(pool: Pool, vals: np.ndarray) -> Callable[[int], np.ndarray]:
    """``top(r)``: the ``MAX_STEPS`` largest ``vals`` among the units rep r may receive
    (eligible for r, not owned by r), largest first."""
    sig_of_rep: list[list[int]] = [[] for _ in range(pool.n_reps)]
    by_sig: dict[int, np.ndarray] = {}
    for s in np.unique(pool.sig).tolist():
        u = np.flatnonzero(pool.sig == s)
        by_sig[s] = u[np.argsort(-vals[u], kind="stable")]
        for r in pool.sig_reps[s].tolist():
            sig_of_rep[r].append(s)

    def top(r: int) -> np.ndarray:
        # of each signature's units, largest first, the first MAX_STEPS that r does not own
        parts = []
        for s in sig_of_rep[r]:
            units = by_sig[s]
            others = np.cumsum(pool.owner[units] != r)
            take = units[: int(np.searchsorted(others, MAX_STEPS)) + 1]
            parts.append(vals[take[pool.owner[take] != r]])
        return -np.sort(-np.concatenate(parts))[:MAX_STEPS] if parts else np.zeros(0)

    return top
