"""From accounts and reps to independent pools of units, for every solving method.

A *unit* is what gets one owner: an account family (a parent with all its subsidiaries) by
default, or a single account when families are free. A *pool* is a set of units and reps
that no eligibility link connects to any other pool; pools are solved separately, which is
exact: fair shares are computed per pool and no row spans two pools.

Within a pool, units are sorted so that *interchangeable* units (same eligibility, tier
composition, current owner, product and auto lock) are contiguous: these runs are the
classes of the scale method. The exact method treats every unit as its own class
(``territory.model.items``), so both methods read the same pools, fair shares and bands.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..config import PlanConfig
from ..errors import InfeasiblePlanError
from .inputs import ModelInput
from .units import Measure, Units, build_units

TIERS = (1, 2, 3)


def tier_band(fair: np.ndarray, band: float, min_accounts: float) -> tuple[np.ndarray, np.ndarray]:
    """Integer band [lo, hi] around fair shares: +-band or +-min_accounts, whichever is wider.

    Rounded inwards; with min_accounts >= 1 the band always holds at least two integers, and
    the sum of the lower ends never exceeds the total (so the bands are jointly feasible when
    eligibility does not get in the way).
    """
    width = np.maximum(fair * band, min_accounts)
    lo = np.maximum(np.ceil(fair - width - 1e-9), 0)
    hi = np.floor(fair + width + 1e-9)
    return lo.astype(np.int64), hi.astype(np.int64)


def apportion(total: int, weights: np.ndarray) -> np.ndarray:
    """Split ``total`` whole items in proportion to ``weights`` (largest remainder, ties by index)."""
    w = np.maximum(np.asarray(weights, dtype=float), 0)
    if total <= 0 or w.sum() <= 0:
        return np.zeros(len(w), dtype=np.int64)
    share = total * w / w.sum()
    base = np.floor(share).astype(np.int64)
    rest = total - int(base.sum())
    order = np.lexsort((np.arange(len(w)), -(share - base)))
    base[order[:rest]] += 1
    return base


def product_fair_shares(
    cap: np.ndarray,
    rep_prod: np.ndarray,
    unit_prod: np.ndarray,
    unit_tiers: np.ndarray,
    unit_values: np.ndarray,
    n_products: int,
    tier_weights: tuple[float, ...],
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Capacity-proportional fair shares per (rep, product), and auto reps per product.

    Reps with product = auto are shared between products in proportion to tier-weighted
    demand (sum over tiers of weight x accounts), after the reps who already carry a product.
    The split is made per capacity level (all auto reps of capacity 1.0, then 0.5, ...), each
    level apportioned by the capacity each product still needs, so the capacity that carries
    every product is known whichever reps the plan picks: each product's accounts are split
    over exactly that capacity, and the fair shares of the reps who carry it add up to its
    accounts (so the bands can all be met).

    ``unit_values`` is (U,) or (U, M), one column per measure. Returns ``(fair_tier (R, P, 3),
    fair_values (R, P) or (R, P, M), auto_count (P, L), rep_level (R,))``: ``auto_count[q, l]``
    reps of capacity level ``l`` carry product ``q``; ``rep_level`` is each auto rep's level
    (-1 for reps with a product).
    """
    vals = np.asarray(unit_values, dtype=float)
    flat = vals.ndim == 1
    vals = vals[:, None] if flat else vals
    R = len(cap)
    N = np.zeros((n_products, 3))
    Tot = np.zeros((n_products, vals.shape[1]))
    for q in range(n_products):
        sel = unit_prod == q
        N[q] = unit_tiers[sel].sum(axis=0)
        Tot[q] = vals[sel].sum(axis=0)
    fixed_cap = np.array([cap[rep_prod == q].sum() for q in range(n_products)])
    auto = rep_prod < 0
    levels = np.unique(np.round(cap[auto], 9))[::-1]  # largest capacity first
    rep_level = np.full(R, -1, dtype=np.int64)
    if auto.any():
        rep_level[auto] = np.searchsorted(-levels, -np.round(cap[auto], 9))
    auto_count = np.zeros((n_products, len(levels)), dtype=np.int64)
    carried = fixed_cap.copy()
    if auto.any():
        w = np.asarray(tier_weights[:3], dtype=float)
        demand = N @ w
        target = cap.sum() * demand / demand.sum() if demand.sum() > 0 else np.zeros(n_products)
        need = np.maximum(target - fixed_cap, 0)
        if need.sum() <= 0:
            need = demand
        for li, lv in enumerate(levels.tolist()):
            n_l = int((rep_level == li).sum())
            weights = np.maximum(need, 0)
            auto_count[:, li] = apportion(n_l, weights if weights.sum() > 0 else demand)
            need = need - auto_count[:, li] * lv
        carried = fixed_cap + auto_count @ levels
    per_cap_t = np.divide(N, carried[:, None], out=np.zeros_like(N), where=carried[:, None] > 0)
    per_cap_v = np.divide(Tot, carried[:, None], out=np.zeros_like(Tot), where=carried[:, None] > 0)
    fair_t = cap[:, None, None] * per_cap_t[None, :, :]
    fair_v = cap[:, None, None] * per_cap_v[None, :, :]
    # A rep with a fixed product has no share of the other products.
    fixed = ~auto
    mask = np.zeros((R, n_products), dtype=bool)
    mask[auto] = True
    mask[np.flatnonzero(fixed), rep_prod[fixed]] = True
    fair_t[~mask] = 0
    fair_v[~mask] = 0
    return fair_t, (fair_v[:, :, 0] if flat else fair_v), auto_count, rep_level


def pool_products(
    unit_products: list[str], rep_products: list[str], product_mode: bool
) -> tuple[list[str], np.ndarray, np.ndarray]:
    """A pool's products (sorted), each unit's product index and each rep's (-1: the model
    chooses, for product = auto). Without product ICPs there is one product "" for all."""
    prods = sorted(set(unit_products)) or [""]
    p_index = {q: i for i, q in enumerate(prods)}
    unit_prod = np.array([p_index[q] for q in unit_products], dtype=np.int64)
    rep_prod = np.array([p_index.get(q, -1) if q != "auto" else -1 for q in rep_products], dtype=np.int64)
    if not product_mode:
        rep_prod[:] = 0
    return prods, unit_prod, rep_prod


# --------------------------------------------------------------------------- pools


@dataclass
class Pool:
    """One independent assignment problem (indices local to the pool unless said otherwise).

    Units are sorted by class, then by the primary measure (``units.measures``' first
    balanced one); ``class_start`` cuts them into runs of interchangeable units. ``owner`` is
    a unit's current owner when all its accounts have one owner who may keep it
    (discretionary), -1 when nobody may (departed or no longer covering: a forced move), -2 for
    mixed owners; ``own_*`` lists who owns what discretionarily, per unit.
    """

    name: str
    reps: np.ndarray  # (R,) global rep indices
    rep_ids: list[str]
    capacity: np.ndarray  # (R,)
    max_accounts: np.ndarray  # (R,) NaN = no cap
    units: np.ndarray  # (U,) global unit indices
    unit_ids: list[str]
    size: np.ndarray  # (U,) accounts per unit
    comp: np.ndarray  # (U, 3) tier counts
    value: np.ndarray  # (U, M) measure sums
    owner: np.ndarray  # (U,) local owner, -1 none, -2 mixed
    forced: np.ndarray  # (U,) accounts that move whatever the plan
    locked: np.ndarray  # (U,) bool
    product: np.ndarray  # (U,)
    lock_auto: np.ndarray  # (U,) local rep or -1
    sig: np.ndarray  # (U,) signature id (into sig_reps)
    sig_reps: list[np.ndarray]  # local rep indices per signature
    class_start: np.ndarray  # (C+1,)
    own_u: np.ndarray  # (J,) discretionary ownership: unit, local rep, accounts, potential
    own_r: np.ndarray
    own_n: np.ndarray
    own_v: np.ndarray
    measures: list[Measure]
    products: list[str]
    rep_product: np.ndarray  # (R,), -1 = auto
    auto_count: np.ndarray  # (P, L)
    rep_level: np.ndarray  # (R,)
    fair_tier_p: np.ndarray  # (R, P, 3)
    fair_value_p: np.ndarray  # (R, P, M)
    tier_lo_p: np.ndarray  # (R, P, 3)
    tier_hi_p: np.ndarray
    n_accounts: int = 0
    # accounts of the pool (global rows), their local unit and their owner today when that
    # owner may keep them (a discretionary move if they go elsewhere), else -1
    acc_rows: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    acc_local_unit: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    acc_owner: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))  # discretionary, or -1
    # each rep's team (its manager on the roster): index into ``teams``, -1 for none
    rep_team: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    teams: list[str] = field(default_factory=list)
    # of the discretionary accounts (own_u, own_r): how many moved in the previous plan too
    own_rn: np.ndarray = field(default_factory=lambda: np.zeros(0))
    place: np.ndarray | None = None  # (U, 2) latitude, longitude of geographic units (geo.units); NaN others
    # (R, 2) latitude, longitude that the compactness family measures each rep from, instead
    # of the centre of what the rep holds today (the guided starts of ``contiguous``); NaN:
    # the rep's units cost nothing
    anchors: np.ndarray | None = None

    @property
    def n_units(self) -> int:
        return len(self.units)

    @property
    def n_reps(self) -> int:
        return len(self.rep_ids)

    @property
    def disc(self) -> np.ndarray:
        """(U,) accounts of each unit whose owner may keep them (discretionary)."""
        return np.bincount(self.own_u, weights=self.own_n, minlength=self.n_units)

    def rep_products(self, r: int) -> list[int]:
        """Products rep ``r`` may carry: its own, or all of them for product = auto."""
        p = int(self.rep_product[r])
        return list(range(len(self.products))) if p < 0 else [p]

    def shares(self, chosen: np.ndarray | None = None) -> Shares:
        """Fair shares and bands per rep for the product each rep carries (``chosen``, or the
        roster's; auto reps without a choice read product 0)."""
        rp = self.rep_product if chosen is None else np.asarray(chosen, dtype=np.int64)
        rp = np.where(rp >= 0, rp, 0)
        ar = np.arange(self.n_reps)
        return Shares(
            product=rp,
            fair_tier=self.fair_tier_p[ar, rp],
            fair_value=self.fair_value_p[ar, rp],
            tier_lo=self.tier_lo_p[ar, rp],
            tier_hi=self.tier_hi_p[ar, rp],
        )

    def __repr__(self) -> str:
        return (
            f"<Pool {self.name!r} [{self.n_accounts:,} accounts in {self.n_units:,} units, "
            f"{len(self.class_start) - 1:,} classes, {self.n_reps} reps]>"
        )


@dataclass
class Shares:
    """Per-rep fair shares and bands, for the product each rep carries."""

    product: np.ndarray  # (R,)
    fair_tier: np.ndarray  # (R, 3)
    fair_value: np.ndarray  # (R, M)
    tier_lo: np.ndarray  # (R, 3)
    tier_hi: np.ndarray


def tier_mixes(comp: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Each unit's tier mix (its Tier 1/2/3 account counts, ``comp``) as an id 0..k-1 in the
    order of the mixes, and the first unit of each mix."""
    key = comp[:, 0] * 1_000_003**2 + comp[:, 1] * 1_000_003 + comp[:, 2]
    _, first, ids = np.unique(key, return_index=True, return_inverse=True)
    return ids.reshape(-1), first


def _as_text(ids: list[Any]) -> list[str]:
    """``ids`` as text; the list itself when it is text already (the pipeline's unit ids are:
    a str() of each of a million ids costs 0.5 s)."""
    if all(type(x) is str for x in ids):
        return ids
    return [str(x) for x in ids]


def primary_measure(measures: list[Measure]) -> int:
    """The measure units are sorted by within their class (the first balanced one)."""
    return next((k for k, m in enumerate(measures) if m.balanced), 0)


def build_pools(mi: ModelInput, cfg: PlanConfig, units: Units | None = None) -> list[Pool]:
    """Split the plan into independent pools and compute fair shares and bands for each."""
    import networkx as nx

    if units is None:
        units = build_units(mi, cfg)
    n_reps = mi.n_reps
    g = nx.Graph()
    used = np.unique(units.sig)
    for s in used.tolist():
        g.add_node(("s", s))
        for r in units.sig_reps[s].tolist():
            g.add_edge(("s", s), ("r", r))
    for r in range(n_reps):
        g.add_node(("r", r))
    comps = sorted(
        (sorted(n[1] for n in comp if n[0] == "r"), sorted(n[1] for n in comp if n[0] == "s"))
        for comp in nx.connected_components(g)
    )
    sig_pool = np.full(len(units.sig_reps), -1, dtype=np.int64)
    for p, (_, sigs) in enumerate(comps):
        sig_pool[sigs] = p
    unit_pool = sig_pool[units.sig]
    if unit_pool.size and (unit_pool < 0).any():
        raise InfeasiblePlanError("some accounts have no eligible rep")

    rep_ids_all = mi.rep_ids
    capacity_all = np.asarray(mi.capacity, dtype=np.float64)
    max_acc_all = np.asarray(mi.max_accounts, dtype=np.float64)
    region_names = mi.rep_region
    product_mode = mi.product_mode
    rep_product_all = mi.rep_product
    # Tier composition id per unit (few distinct).
    comp_id = tier_mixes(units.comp)[0]
    # Owner key: uniform owner rep, -1 for departed; mixed-owner units get a class of their own.
    okey = units.owner.copy()
    mixed = np.flatnonzero(okey == -2)
    okey[mixed] = -3 - mixed
    prim = primary_measure(units.measures)
    pv = units.value[:, prim] if units.value.shape[1] else np.zeros(units.n_units)
    repeat = units.repeat if units.repeat.size else np.zeros(units.n_units)
    order = np.lexsort((pv, repeat, units.lock_auto, okey, units.prod, comp_id, units.sig, unit_pool))
    up = unit_pool[order]
    pool_bounds = np.searchsorted(up, np.arange(len(comps) + 1))
    # Accounts per pool, for exact sums and for the mixed-owner units.
    acc_pool = unit_pool[units.acc_unit] if units.acc_unit.size else np.zeros(0, dtype=np.int64)
    acc_order = np.argsort(acc_pool, kind="stable")
    acc_bounds = np.searchsorted(acc_pool[acc_order], np.arange(len(comps) + 1))
    local_of_unit = np.full(units.n_units, -1, dtype=np.int64)

    pools: list[Pool] = []
    for p, (comp_reps, _sigs) in enumerate(comps):
        R = len(comp_reps)
        if R == 0:
            continue
        cap = capacity_all[comp_reps]
        if math.isnan(cap.sum()):
            continue
        uidx = order[pool_bounds[p] : pool_bounds[p + 1]]
        U = len(uidx)
        local_of_unit[uidx] = np.arange(U)
        local = np.full(n_reps, -1, dtype=np.int64)
        local[comp_reps] = np.arange(R)
        # Classes: runs of equal (sig, comp, owner key, product, auto lock) in the sorted order.
        keys = (
            units.sig[uidx],
            comp_id[uidx],
            okey[uidx],
            units.prod[uidx],
            units.lock_auto[uidx],
            repeat[uidx],
        )
        new = np.zeros(U, dtype=bool)
        new[:1] = True
        for k in keys:
            new[1:] |= k[1:] != k[:-1]
        starts = np.flatnonzero(new)
        class_start = np.append(starts, U).astype(np.int64)
        # Signatures in local rep numbering.
        sig_u = units.sig[uidx]
        sigs_here, sig_local = np.unique(sig_u, return_inverse=True)
        sig_local = sig_local.reshape(-1)
        sig_reps = [local[units.sig_reps[s]] for s in sigs_here.tolist()]
        sig_len = np.array([len(s) for s in sig_reps], dtype=np.int64)
        # Eligible owners: a uniform owner in the unit's signature (else the move is forced).
        gown = units.owner[uidx]
        lown = np.where(gown >= 0, local[np.maximum(gown, 0)], -1)
        elig_own = np.zeros(U, dtype=bool)
        cand = np.flatnonzero(lown >= 0)
        if cand.size:
            sig_start = np.concatenate([[0], np.cumsum(sig_len)])
            flat = np.concatenate(sig_reps) if sig_reps else np.zeros(0, dtype=np.int64)
            # is lown[u] among its signature's reps? (signatures are sorted)
            s_of = sig_local[cand]
            for s in np.unique(s_of).tolist():
                sel = cand[s_of == s]
                elig_own[sel] = np.isin(lown[sel], flat[sig_start[s] : sig_start[s + 1]])
        owner = np.where(gown == -2, -2, np.where(elig_own, lown, -1))
        size = units.size[uidx]
        value = units.value[uidx]
        forced = np.where(owner >= 0, 0, np.where(owner == -1, size, 0)).astype(np.int64)
        ou = [np.flatnonzero(owner >= 0)]
        orr = [owner[ou[0]]]
        on = [size[ou[0]].astype(np.float64)]
        ov = [value[ou[0], 0] if value.shape[1] else np.zeros(len(ou[0]))]
        orn = [repeat[uidx][ou[0]]]
        # Pool accounts (global rows), local units, and per-account owners of mixed units.
        arows = acc_order[acc_bounds[p] : acc_bounds[p + 1]]
        a_unit = local_of_unit[units.acc_unit[arows]]
        acc_owner = np.where(owner[a_unit] >= 0, owner[a_unit], -1) if U else np.zeros(0, dtype=np.int64)
        mixed_u = np.flatnonzero(owner == -2)
        if mixed_u.size:
            sel = np.isin(a_unit, mixed_u)
            rows_m, au = arows[sel], a_unit[sel]
            ow = units.acc_owner[rows_m]
            low = np.where(ow >= 0, local[np.maximum(ow, 0)], -1)
            elig = np.zeros(len(rows_m), dtype=bool)
            for i, (u, r) in enumerate(zip(au.tolist(), low.tolist())):
                elig[i] = r >= 0 and r in sig_reps[sig_local[u]]
            forced[mixed_u] = np.bincount(au[~elig], minlength=U)[mixed_u]
            acc_owner[np.flatnonzero(sel)] = np.where(elig, low, -1)
            key = au[elig] * (R + 1) + low[elig]
            uk, inv = np.unique(key, return_inverse=True)
            pv_m = (
                units.acc_values[rows_m[elig], 0] if units.acc_values.shape[1] else np.zeros(int(elig.sum()))
            )
            ou.append(uk // (R + 1))
            orr.append(uk % (R + 1))
            on.append(np.bincount(inv.reshape(-1), minlength=len(uk)).astype(np.float64))
            ov.append(np.bincount(inv.reshape(-1), weights=pv_m, minlength=len(uk)))
            rep_m = units.acc_repeat[rows_m[elig]] if units.acc_repeat.size else np.zeros(int(elig.sum()))
            orn.append(np.bincount(inv.reshape(-1), weights=rep_m, minlength=len(uk)))
        own_u = np.concatenate(ou).astype(np.int64)
        own_o = np.argsort(own_u, kind="stable")
        # Fair shares exactly as for every method: reps with product = auto shared between
        # products by tier-weighted demand, per capacity level.
        first = uidx[starts]
        prods, _cls_prod, rep_prod = pool_products(
            [units.product_names[i] for i in units.prod[first].tolist()],
            [rep_product_all[r] for r in comp_reps],
            product_mode,
        )
        # (a lookup per product name, not per unit: classes split by product, so every
        # unit's product is one of prods)
        p_index = {q: i for i, q in enumerate(prods)}
        unit_prod = np.array([p_index.get(n, -1) for n in units.product_names], dtype=np.int64)[
            units.prod[uidx]
        ]
        assert (unit_prod >= 0).all()
        fair_tier_p, fair_value_p, auto_count, rep_level = product_fair_shares(
            cap,
            rep_prod,
            unit_prod,
            units.comp[uidx],
            value,
            len(prods),
            cfg.products.tier_weights,
        )
        lo_p, hi_p = tier_band(fair_tier_p, cfg.balance.tier_band, cfg.balance.tier_band_min_accounts)
        gla = units.lock_auto[uidx]
        covered = sorted({region_names[r] or "all regions" for r in comp_reps})
        name = " + ".join(covered) if len(covered) <= 3 else f"{covered[0]} + {len(covered) - 1} more"
        if product_mode:
            name += " / " + ", ".join(prods)
        managers = [(mi.rep_manager or [""] * n_reps)[r] for r in comp_reps]
        teams = sorted({m for m in managers if m})
        rep_team = np.array([teams.index(m) if m else -1 for m in managers], dtype=np.int64)
        pools.append(
            Pool(
                name=name,
                reps=np.asarray(comp_reps, dtype=np.int64),
                rep_ids=[rep_ids_all[r] for r in comp_reps],
                capacity=cap,
                max_accounts=max_acc_all[comp_reps],
                units=uidx,
                unit_ids=_as_text(units.unit_ids[uidx].tolist()),
                size=size,
                comp=units.comp[uidx],
                value=value,
                owner=owner,
                forced=forced,
                locked=units.locked[uidx],
                product=unit_prod,
                lock_auto=np.where(gla >= 0, local[np.maximum(gla, 0)], -1),
                sig=sig_local,
                sig_reps=sig_reps,
                class_start=class_start,
                own_u=own_u[own_o],
                own_r=np.concatenate(orr).astype(np.int64)[own_o],
                own_n=np.concatenate(on)[own_o],
                own_v=np.concatenate(ov)[own_o],
                measures=units.measures,
                products=prods,
                rep_product=rep_prod,
                auto_count=auto_count,
                rep_level=rep_level,
                fair_tier_p=fair_tier_p,
                fair_value_p=fair_value_p,
                tier_lo_p=lo_p,
                tier_hi_p=hi_p,
                n_accounts=int(size.sum()),
                acc_rows=arows,
                acc_local_unit=a_unit,
                acc_owner=acc_owner,
                rep_team=rep_team,
                teams=teams,
                own_rn=np.concatenate(orn)[own_o],
                place=None
                if units.lat is None or units.lon is None
                else np.column_stack([units.lat[uidx], units.lon[uidx]]),
            )
        )
    seen: dict[str, int] = {}
    for pool in pools:
        seen[pool.name] = seen.get(pool.name, 0) + 1
        if seen[pool.name] > 1:
            pool.name = f"{pool.name} ({seen[pool.name]})"
    return pools
