"""The scale method's bound: the count-only class model with the owner aggregated away.

The classes of ``items.classes`` differ by their current owner, so a pool of R reps has about
R times as many classes as kinds of unit, and R^2 times as many (class, rep) pairs: the
count LP over them grew as N^1.8 and was most of the solve at 10^6 accounts. Here the
classes that differ only by their (discretionary) owner form one **type**, with

- a *gain* pair to every eligible rep (``y`` = units the rep receives of the type, at the
  move cost when the units have an owner who may keep them), and
- a *keep* pair to every owner of some of its units (cost 0, at most the units it owns).

For a type whose units all have an eligible owner, the units gained add up to the units
lost (both are the type's units minus those kept), so pricing gains prices the moves. Every
plan of the class model projects onto the type model with the same objective and every row
holding (keep = what an owner keeps, gain = what a rep receives from others), so the type
LP's optimum is a lower bound for the class model's and so for the full model's; and every
type LP point splits back into class flows (owners keep what the keep pairs say, the rest
is shipped in any order), so the two LPs have the same optimum. Mixed-owner units keep
their own items. See docs/model.md, "The bound on types".
"""

from __future__ import annotations

import dataclasses

import numpy as np

from ..config import PlanConfig
from .build import build_model
from .classlp import ClassLP, solve_class
from .families import Build, Family
from .items import Items, _expand
from .turnover import add_turnover_cuts


def count_bound(items: Items, cfg: PlanConfig, fams: list[Family], limit: float) -> ClassLP:
    """The count-only class LP's solution (flows, reduced costs, value = bound) over every
    eligible pair of ``items``' classes, solved on types where that is smaller."""
    # Types price a move by the type's move cost: repeat moves (--previous) cost more per class,
    # so with them the bound stays on classes (on types it would be valid but weaker).
    use_types = (
        not any(f.name == "potential_move_limit" for f in fams)
        and not (items.pool.rep_product < 0).any()
        and not (items.pair_repeat.size and items.pair_repeat.any())
    )
    if not use_types:
        b = _count_model(items, cfg, fams)
        return _raised(solve_class(b, cfg, limit), b, cfg, fams, limit)
    types, type_of = owner_free(items)
    b = _count_model(types, cfg, fams)
    sol = solve_class(b, cfg, limit)
    if sol.status != "lp":
        K = items.n_pairs
        return dataclasses.replace(
            sol, y=np.zeros(K), rc=np.zeros(K), received=np.zeros((sol.received.shape[0], K))
        )
    return to_classes(items, types, type_of, _raised(sol, b, cfg, fams, limit))


def _count_model(items: Items, cfg: PlanConfig, fams: list[Family]) -> Build:
    return build_model(items, cfg, families=fams, measures="none", integer=False)


def _raised(sol: ClassLP, b: Build, cfg: PlanConfig, fams: list[Family], limit: float) -> ClassLP:
    """``sol``, the count LP's solution of ``b``, with its bound raised by the measure bands'
    turnover cuts (``turnover``): ``b`` again with the cuts, whose value is a bound too. The
    flows stay the count LP's: the plans that followed the flows with the cuts were worse
    (7,624 against 7,600 moves on the 100,000-account families instance), as the cuts'
    fractional flows chase measure bands that the plan model and the search settle anyway."""
    if sol.status != "lp":
        return sol
    rows, charge = add_turnover_cuts(b, fams, at=sol.y)
    if not rows or charge <= 1e-9:  # the LP's point pays no cut: it is optimal with them
        return sol
    cut = solve_class(b, cfg, limit)
    if cut.status != "lp" or cut.bound <= sol.bound:
        return sol
    return dataclasses.replace(sol, value=cut.value, bound=cut.bound)


def owner_free(items: Items) -> tuple[Items, np.ndarray]:
    """The type model's items (see the module's text) and the type of each class."""
    pool = items.pool
    C = items.n_items
    first = items.start[:-1]
    disc = pool.disc[first] if C else np.zeros(0)
    kind = np.where(items.owner >= 0, 1, np.where(items.owner == -1, 0, 2 + np.arange(C)))
    key = np.column_stack(
        [
            pool.sig[first] if C else np.zeros(0, dtype=np.int64),
            items.comp.astype(np.int64),
            items.product,
            items.lock_auto,
            kind,
            np.rint(disc).astype(np.int64),
        ]
    )
    _, rep_c, type_of = np.unique(key, axis=0, return_index=True, return_inverse=True)
    type_of = type_of.reshape(-1)
    T = len(rep_c)
    n = np.bincount(type_of, weights=items.n, minlength=T)
    mixed_t = items.owner[rep_c] == -2
    # Gain pairs: every eligible rep of the type (mixed-owner types: their class's own pairs).
    g_i, g_r = _expand(pool.sig[first[rep_c]], pool.sig_reps)
    plain = ~mixed_t[g_i]
    g_i, g_r = g_i[plain], g_r[plain]
    has_owner = items.owner[rep_c] >= 0
    g_cost = np.where(has_owner[g_i], disc[rep_c][g_i], 0.0)
    # Keep pairs: every class with an owner, to that owner.
    kc = np.flatnonzero(items.owner >= 0)
    kp = _pair_of(items, kc, items.owner[kc])
    # Mixed-owner classes: verbatim.
    mc = np.flatnonzero(items.owner == -2)
    mk = np.flatnonzero(np.isin(items.pair_i, mc))
    pair_i = np.concatenate([g_i, type_of[kc], type_of[items.pair_i[mk]]])
    pair_r = np.concatenate([g_r, items.owner[kc], items.pair_r[mk]])
    g_pot = np.where(has_owner[g_i], _vmin(items, type_of, T)[g_i, 0] if items.vlo.shape[1] else 0.0, 0.0)
    kind_p = np.concatenate([np.zeros(g_i.size), np.ones(kc.size), np.zeros(mk.size)])
    order = np.lexsort((kind_p, pair_r, pair_i))
    cat = np.concatenate
    zg = np.zeros(g_i.size)
    # The type's units sorted by each measure (for envelopes: any k units of the type).
    unit_type = type_of[np.repeat(np.arange(C), np.diff(items.start))]
    vals = pool.value
    vm = vals.shape[1]
    sorted_values = np.zeros((vm, unit_type.size))
    prefix = np.zeros((vm, unit_type.size + 1))
    for m in range(vm):
        o = np.lexsort((vals[:, m], unit_type))
        sorted_values[m] = vals[o, m]
        prefix[m, 1:] = np.cumsum(sorted_values[m])
    start = np.concatenate([[0], np.cumsum(np.bincount(unit_type, minlength=T))]).astype(np.int64)
    vtot = (prefix[:, start[1:]] - prefix[:, start[:-1]]).T
    types = Items(
        pool=pool,
        kind="type",
        start=start,
        n=n,
        size=items.size[rep_c],
        comp=items.comp[rep_c],
        product=items.product[rep_c],
        lock_auto=items.lock_auto[rep_c],
        owner=np.where(items.owner[rep_c] == -1, -1, -2),
        ids=np.arange(T).astype(str).astype(object),
        pair_i=pair_i[order],
        pair_r=pair_r[order],
        pair_keep=cat([zg, items.pair_keep[kp], items.pair_keep[mk]])[order],
        pair_cost=cat([g_cost, np.zeros(kc.size), items.pair_cost[mk]])[order],
        pair_pot_moved=cat([g_pot, np.zeros(kc.size), items.pair_pot_moved[mk]])[order],
        vlo=sorted_values[:, start[:-1]].T,
        vhi=sorted_values[:, start[1:] - 1].T,
        vtot=vtot,
        sorted_values=sorted_values,
        prefix=prefix,
        pair_hi=cat([n[g_i], items.n[kc], items.n[items.pair_i[mk]]])[order],
        pair_kind=kind_p[order].astype(np.int8),
    )
    return types, type_of


def to_classes(items: Items, types: Items, type_of: np.ndarray, sol: ClassLP) -> ClassLP:
    """The type LP's solution as class flows: owners keep what their keep pair says, the rest
    of each type goes to the gain pairs in order (same objective, every row holds); reduced
    costs are the type pairs' (the keep pair's for an owner's own class)."""
    K = items.n_pairs
    y = np.zeros(K)
    rc = np.zeros(K)
    keep = types.pair_kind == 1
    mixed_t = np.zeros(types.n_items, dtype=bool)
    mixed_t[type_of[items.owner == -2]] = True
    gain = ~keep & ~mixed_t[types.pair_i]
    # rc of every class pair from its type's gain pair, then the owner pairs from the keep pairs
    g_key = types.pair_i[gain] * types.pool.n_reps + types.pair_r[gain]
    c_key = type_of[items.pair_i] * types.pool.n_reps + items.pair_r
    pos = np.clip(np.searchsorted(g_key, c_key), 0, max(g_key.size - 1, 0))
    found = g_key[pos] == c_key if g_key.size else np.zeros(K, dtype=bool)
    rc[found] = sol.rc[np.flatnonzero(gain)[pos[found]]]
    # Keep pairs: class c of owner o keeps y_keep units.
    kc = np.flatnonzero(items.owner >= 0)
    kt = np.flatnonzero(keep)
    # keep pairs are sorted by (type, rep); a class is the one (type, owner) pair
    k_key = types.pair_i[kt] * types.pool.n_reps + types.pair_r[kt]
    c_own = type_of[kc] * types.pool.n_reps + items.owner[kc]
    kpos = np.searchsorted(k_key, c_own)
    own_pair = _pair_of(items, kc, items.owner[kc])
    kept = np.minimum(np.maximum(sol.y[kt[kpos]], 0.0), items.n[kc])
    y[own_pair] += kept
    # A class its owner keeps whole (keep pair at its upper bound, reduced cost < 0) has the
    # class dual pi_c = pi_t + rc_keep, so its other pairs cost -rc_keep more than the type's:
    # the class LP's own reduced costs (a dual-feasible point of it).
    rk = sol.rc[kt[kpos]]
    adj = np.zeros(items.n_items)
    adj[kc] = np.minimum(rk, 0.0)
    rc -= adj[items.pair_i]
    rc[own_pair] = rk
    # Mixed-owner classes: their pairs verbatim.
    mk = np.flatnonzero(items.owner[items.pair_i] == -2)
    if mk.size:
        t_key = types.pair_i * types.pool.n_reps + types.pair_r
        mpos = np.searchsorted(t_key, c_key[mk])
        y[mk] = sol.y[mpos]
        rc[mk] = sol.rc[mpos]
    # Ship the rest: supplies (classes, by type) against demands (gain pairs, by type).
    supply = items.n.copy()
    supply[kc] -= kept
    supply[items.owner == -2] = 0.0
    sc = np.argsort(type_of, kind="stable")
    gi = np.flatnonzero(gain)
    if not gi.size or not sc.size:  # nothing to ship (every class mixed-owner, or no class)
        return dataclasses.replace(sol, y=y, rc=rc, received=np.zeros((sol.received.shape[0], K)))
    demand = np.maximum(sol.y[gi], 0.0)
    S = np.cumsum(supply[sc])
    D = np.cumsum(demand)
    cuts = np.union1d(S, D)
    lo = np.concatenate([[0.0], cuts[:-1]])
    amt = cuts - lo
    a = np.minimum(np.searchsorted(S, lo, side="right"), sc.size - 1)
    d = np.minimum(np.searchsorted(D, lo, side="right"), gi.size - 1)
    cls = sc[a]
    ok = (amt > 1e-12) & (type_of[cls] == types.pair_i[gi[d]])
    pk = _pair_of(items, cls[ok], types.pair_r[gi[d[ok]]])
    np.add.at(y, pk, amt[ok])
    return dataclasses.replace(sol, y=y, rc=rc, received=np.zeros((sol.received.shape[0], K)))


def _pair_of(items: Items, cls: np.ndarray, reps: np.ndarray) -> np.ndarray:
    """Index of each (class, rep) pair (pairs are sorted by item, then rep)."""
    R = items.pool.n_reps
    key = items.pair_i * R + items.pair_r
    return np.searchsorted(key, cls * R + reps)


def _vmin(items: Items, type_of: np.ndarray, T: int) -> np.ndarray:
    out = np.full((T, items.vlo.shape[1]), np.inf)
    np.minimum.at(out, type_of, items.vlo)
    return out
