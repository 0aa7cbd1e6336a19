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

import numpy as np
import pandas as pd

from ..config import PlanConfig
from ..errors import InfeasiblePlanError

TIERS = (1, 2, 3)


@dataclass(frozen=True)
class Measure:
    """A numeric account column summed per rep. ``balanced``: it has a band and a penalty."""

    name: str
    band: float
    penalty: float
    balanced: bool = True


def measures_of(cfg: PlanConfig) -> list[Measure]:
    """The measures the model carries: potential first (the potential-move cap counts it,
    balanced or not), then every other measure of ``balance.measures`` in its order."""
    out = []
    conf = dict(cfg.balance.measures)
    pot = conf.pop("potential", None)
    out.append(
        Measure("potential", pot.band, pot.penalty, True)
        if pot is not None
        else Measure("potential", 0.0, 0.0, False)
    )
    out += [Measure(name, m.band, m.penalty, True) for name, m in conf.items()]
    return out


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


# --------------------------------------------------------------------------- units


@dataclass
class Units:
    """Every unit of the plan (families or accounts), as flat arrays over all pools."""

    n_units: int
    acc_unit: np.ndarray  # (N,) unit code per account
    acc_owner: np.ndarray  # (N,) current owner (rep index), -1 when not on the roster
    acc_values: np.ndarray  # (N, M) the measures per account
    size: np.ndarray  # (U,)
    comp: np.ndarray  # (U, 3) tier counts
    value: np.ndarray  # (U, M) measure sums
    owner: np.ndarray  # (U,) owner rep: >= 0 uniform on roster, -1 departed/none, -2 mixed
    locked: np.ndarray  # (U,) bool
    sig: np.ndarray  # (U,) signature id
    sig_reps: list[np.ndarray]  # rep indices per signature
    n_pairs: int
    unit_ids: np.ndarray  # (U,) object
    measures: list[Measure]
    prod: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))  # (U,) product code
    product_names: list[str] = field(default_factory=lambda: [""])
    lock_auto: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))  # (U,) rep or -1


def measure_values(accounts: pd.DataFrame, measures: list[Measure]) -> np.ndarray:
    """(N, M) float values of the measures (columns are numeric by the time they get here)."""
    out = np.zeros((len(accounts), len(measures)))
    for k, m in enumerate(measures):
        if m.name in accounts.columns:
            out[:, k] = pd.to_numeric(accounts[m.name], errors="coerce").fillna(0.0).to_numpy(dtype=float)
    return out


def build_units(accounts: pd.DataFrame, reps: pd.DataFrame, cfg: PlanConfig) -> Units:
    """Units, their eligibility signatures and today's owners, vectorised (numpy group-bys).

    ``accounts`` needs account_id, tier, potential, owner_id, locked, family_id (and region
    or _unit_region, segment, product when used); ``reps`` needs rep_id, region, capacity,
    max_accounts.
    """
    measures = measures_of(cfg)
    row_key = accounts["_row_id"] if "_row_id" in accounts.columns else accounts["account_id"]
    key_col = accounts["family_id"] if cfg.families.mode == "together" else row_key
    acc_unit, uniq = pd.factorize(key_col, sort=True)
    acc_unit = acc_unit.astype(np.int64)
    U = len(uniq)
    tiers = accounts["tier"].to_numpy(dtype=np.int64)
    values = measure_values(accounts, measures)
    rep_index = pd.Index(reps["rep_id"].astype(str))
    owner_pos = rep_index.get_indexer(accounts["owner_id"].astype(str)).astype(np.int64)
    # A lock keeps the account with its owner, or with the rep a locks file names (_lock_to).
    if "_lock_to" in accounts.columns:
        lock_to = rep_index.get_indexer(accounts["_lock_to"].astype(str)).astype(np.int64)
    else:
        lock_to = np.full(len(accounts), -1, dtype=np.int64)
    lock_target = np.where(lock_to >= 0, lock_to, owner_pos)
    locked_acc = (accounts["locked"].to_numpy(dtype=bool) | (lock_to >= 0)) & (lock_target >= 0)

    size = np.bincount(acc_unit, minlength=U).astype(np.int64)
    comp = np.zeros((U, 3), dtype=np.int64)
    for ti in range(3):
        comp[:, ti] = np.bincount(acc_unit, weights=(tiers == ti + 1), minlength=U).astype(np.int64)
    value = np.zeros((U, len(measures)))
    for mi in range(len(measures)):
        value[:, mi] = np.bincount(acc_unit, weights=values[:, mi], minlength=U)
    omin = np.full(U, np.iinfo(np.int64).max)
    omax = np.full(U, np.iinfo(np.int64).min)
    np.minimum.at(omin, acc_unit, owner_pos)
    np.maximum.at(omax, acc_unit, owner_pos)
    owner = np.where(omin == omax, omin, -2)
    # Locked units: the target of the first locked member.
    locked = np.zeros(U, dtype=bool)
    lock_owner = np.full(U, -1, dtype=np.int64)
    lk_rows = np.flatnonzero(locked_acc)
    if lk_rows.size:
        lu = acc_unit[lk_rows]
        first = np.unique(lu, return_index=True)
        locked[first[0]] = True
        lock_owner[first[0]] = lock_target[lk_rows[first[1]]]

    # Product ICPs: the unit's product (every row of a unit has the same one) and the rep with
    # product = auto that keeps it if it carries that product (``products._product_locks``).
    if "product" in accounts.columns:
        pcode, puniq = pd.factorize(accounts["product"].astype(str), sort=True)
        prod = np.zeros(U, dtype=np.int64)
        prod[acc_unit] = pcode
        product_names = [str(x) for x in puniq] or [""]
    else:
        prod, product_names = np.zeros(U, dtype=np.int64), [""]
    lock_auto = np.full(U, -1, dtype=np.int64)
    if "_lock_auto" in accounts.columns:  # the first such row of a unit
        la_acc = rep_index.get_indexer(accounts["_lock_auto"].astype(str)).astype(np.int64)
        la_rows = np.flatnonzero(la_acc >= 0)
        la_units, first_i = np.unique(acc_unit[la_rows], return_index=True)
        lock_auto[la_units] = la_acc[la_rows[first_i]]
        lock_auto[locked] = -1  # a pinned lock wins

    # Eligibility: key per account -> key set per unit -> rep signature.
    keys, cover_sets = _eligibility(accounts, reps, cfg)
    kcode, kuniq = pd.factorize(pd.Series(keys), sort=True)
    kcode = kcode.astype(np.int64)
    kmin = np.full(U, np.iinfo(np.int64).max)
    kmax = np.full(U, -1, dtype=np.int64)
    np.minimum.at(kmin, acc_unit, kcode)
    np.maximum.at(kmax, acc_unit, kcode)
    all_idx = frozenset(i for i, c in enumerate(cover_sets) if c is None)
    cover: dict[str, set[int]] = {}
    for i, cs in enumerate(cover_sets):
        for k in cs or ():
            cover.setdefault(k, set()).add(i)

    sig_index: dict[tuple[int, ...], int] = {}
    sig_list: list[tuple[int, ...]] = []

    def sig_id(t: tuple[int, ...]) -> int:
        s = sig_index.get(t)
        if s is None:
            s = sig_index[t] = len(sig_list)
            sig_list.append(t)
        return s

    def elig_of(kset: list[str]) -> tuple[int, ...]:
        sets = [cover.get(k, set()) | all_idx for k in kset]
        elig = set.intersection(*sets) if sets else set(all_idx)
        if not elig:  # members in regions no single rep covers: fall back to the union
            elig = set.union(*sets)
        return tuple(sorted(elig))

    key_sig = np.array([sig_id(elig_of([str(k)])) for k in kuniq], dtype=np.int64)
    sig = key_sig[np.where(kmin == kmax, kmin, 0)] if U else np.zeros(0, dtype=np.int64)
    mixed_keys = np.flatnonzero(kmin != kmax)
    if mixed_keys.size:  # families spanning keys (rare): one Python pass over them only
        rows = np.flatnonzero(np.isin(acc_unit, mixed_keys))
        by_unit: dict[int, set[str]] = {}
        for u, k in zip(acc_unit[rows].tolist(), kcode[rows].tolist()):
            by_unit.setdefault(u, set()).add(str(kuniq[k]))
        for u, ks in by_unit.items():
            sig[u] = sig_id(elig_of(sorted(ks)))
    for u in np.flatnonzero(lock_auto >= 0).tolist():  # the lock wins over coverage
        if int(lock_auto[u]) not in sig_list[sig[u]]:
            sig[u] = sig_id(tuple(sorted((*sig_list[sig[u]], int(lock_auto[u])))))
    if locked.any():
        lu = np.flatnonzero(locked)
        lo_owners = lock_owner[lu]
        ls = np.array([sig_id((int(o),)) for o in np.unique(lo_owners)], dtype=np.int64)
        sig[lu] = ls[np.searchsorted(np.unique(lo_owners), lo_owners)]
    sig_reps = [np.asarray(t, dtype=np.int64) for t in sig_list]
    sig_len = np.array([len(t) for t in sig_list], dtype=np.int64)
    n_pairs = int(sig_len[sig].sum()) if U else 0
    return Units(
        n_units=U,
        acc_unit=acc_unit,
        acc_owner=owner_pos,
        acc_values=values,
        size=size,
        comp=comp,
        value=value,
        owner=owner,
        locked=locked,
        sig=sig,
        sig_reps=sig_reps,
        n_pairs=n_pairs,
        unit_ids=np.asarray(uniq, dtype=object),
        measures=measures,
        prod=prod,
        product_names=product_names,
        lock_auto=lock_auto,
    )


def _eligibility(
    accounts: pd.DataFrame, reps: pd.DataFrame, cfg: PlanConfig
) -> tuple[np.ndarray, list[frozenset[str] | None]]:
    """``territory.eligibility.eligibility`` evaluated once per distinct (region, segment,
    product) combination rather than once per account (keys are per-row string work; at 10^6
    accounts that is seconds), when segments come from columns only."""
    from .. import eligibility as elig_mod

    if getattr(cfg, "segments", None):
        keys, cover = elig_mod.eligibility(accounts, reps, cfg)
        return np.asarray(keys, dtype=object), cover
    cols = [c for c in ("region", "_unit_region", "segment", "product") if c in accounts.columns]
    sub = accounts[cols].astype(str)
    _uniq, first_row, inv = np.unique(_combo_codes(sub, cols), return_index=True, return_inverse=True)
    small = accounts.iloc[first_row][cols].reset_index(drop=True)
    keys_u, cover = elig_mod.eligibility(small, reps, cfg)
    return np.asarray(keys_u, dtype=object)[inv.reshape(-1)], cover


def _combo_codes(sub: pd.DataFrame, cols: list[str]) -> np.ndarray:
    codes = np.zeros(len(sub), dtype=np.int64)
    for c in cols:
        cc, uu = pd.factorize(sub[c])
        codes = codes * (len(uu) + 1) + cc
    return codes


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

    @property
    def n_units(self) -> int:
        return len(self.units)

    @property
    def n_reps(self) -> int:
        return len(self.rep_ids)

    @property
    def unit_class(self) -> np.ndarray:
        return np.repeat(np.arange(len(self.class_start) - 1), np.diff(self.class_start))

    @property
    def disc(self) -> np.ndarray:
        """(U,) accounts of each unit whose owner may keep them (discretionary)."""
        return np.bincount(self.own_u, weights=self.own_n, minlength=self.n_units)

    def rep_products(self, r: int) -> list[int]:
        """Products rep ``r`` may carry: its own, or all of them for product = auto."""
        p = int(self.rep_product[r])
        return list(range(len(self.products))) if p < 0 else [p]

    def eligible(self) -> np.ndarray:
        """(U, R) bool: who may hold each unit."""
        out = np.zeros((self.n_units, self.n_reps), dtype=bool)
        lens = np.array([len(self.sig_reps[s]) for s in self.sig.tolist()], dtype=np.int64)
        if self.n_units:
            out[
                np.repeat(np.arange(self.n_units), lens), np.concatenate([self.sig_reps[s] for s in self.sig])
            ] = True
        return out

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


def primary_measure(measures: list[Measure]) -> int:
    """The measure units are sorted by within their class (the first balanced one)."""
    return next((k for k, m in enumerate(measures) if m.balanced), 0)


def build_pools(
    accounts: pd.DataFrame, reps: pd.DataFrame, cfg: PlanConfig, units: Units | None = None
) -> list[Pool]:
    """Split the plan into independent pools and compute fair shares and bands for each."""
    import networkx as nx

    if units is None:
        units = build_units(accounts, reps, cfg)
    n_reps = len(reps)
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

    rep_ids_all = reps["rep_id"].astype(str).tolist()
    capacity_all = reps["capacity"].to_numpy(dtype=np.float64)
    max_acc_all = reps["max_accounts"].to_numpy(dtype=np.float64)
    region_names = reps["region"].astype(str).tolist()
    product_mode = "product" in accounts.columns
    rep_product_all = (
        reps["product"].astype(str).str.strip().replace("", "auto").tolist()
        if product_mode and "product" in reps.columns
        else [""] * n_reps
    )
    # Tier composition id per unit (few distinct).
    comp_key = units.comp[:, 0] * 1_000_003**2 + units.comp[:, 1] * 1_000_003 + units.comp[:, 2]
    _, comp_id = np.unique(comp_key, return_inverse=True)
    comp_id = comp_id.reshape(-1)
    # Owner key: uniform owner rep, -1 for departed; mixed-owner units get a class of their own.
    okey = units.owner.copy()
    mixed = np.flatnonzero(okey == -2)
    okey[mixed] = -3 - mixed
    prim = primary_measure(units.measures)
    pv = units.value[:, prim] if units.value.shape[1] else np.zeros(units.n_units)
    order = np.lexsort((pv, units.lock_auto, okey, units.prod, comp_id, units.sig, unit_pool))
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
        keys = (units.sig[uidx], comp_id[uidx], okey[uidx], units.prod[uidx], units.lock_auto[uidx])
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
        p_index = {q: i for i, q in enumerate(prods)}
        unit_prod = np.array(
            [p_index[units.product_names[i]] for i in units.prod[uidx].tolist()], dtype=np.int64
        )
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
        pools.append(
            Pool(
                name=name,
                reps=np.asarray(comp_reps, dtype=np.int64),
                rep_ids=[rep_ids_all[r] for r in comp_reps],
                capacity=cap,
                max_accounts=max_acc_all[comp_reps],
                units=uidx,
                unit_ids=[str(x) for x in units.unit_ids[uidx].tolist()],
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
            )
        )
    seen: dict[str, int] = {}
    for pool in pools:
        seen[pool.name] = seen.get(pool.name, 0) + 1
        if seen[pool.name] > 1:
            pool.name = f"{pool.name} ({seen[pool.name]})"
    return pools
