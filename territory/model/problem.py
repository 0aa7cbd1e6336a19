"""From validated accounts and reps to independent pools of units and eligible reps.

A *unit* is what the model assigns as one piece: an account family (a parent with all its
subsidiaries) by default, or a single account when families are free. A *pool* is a set of
units and reps that no eligibility link connects to any other pool. Pools are solved
separately, which is exact: fair shares are computed per pool and no row spans two pools.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import networkx as nx
import numpy as np
import pandas as pd

from ..config import PlanConfig

TIERS = (1, 2, 3)


@dataclass
class PoolProblem:
    """One independent assignment problem, as numpy arrays.

    ``pair_u``/``pair_r`` list the eligible (unit, rep) pairs, sorted by unit then rep;
    ``pair_cost`` is the number of the unit's accounts that would change owner on that pair.
    """

    name: str
    rep_ids: list[str]
    capacity: np.ndarray
    max_accounts: np.ndarray
    unit_ids: list[str]
    unit_tiers: np.ndarray  # (U, 3) account counts per tier
    unit_potential: np.ndarray  # (U,)
    unit_size: np.ndarray  # (U,) accounts in the unit
    unit_locked: np.ndarray  # (U,) bool
    unit_forced: np.ndarray  # (U,) accounts that must move whatever happens (owner left)
    pair_u: np.ndarray
    pair_r: np.ndarray
    pair_cost: np.ndarray
    pair_pot_moved: np.ndarray  # (pairs,) potential moved away from owners still on the roster
    own_u: np.ndarray  # (unit, rep, accounts) triples: who owns the unit's accounts today
    own_r: np.ndarray
    own_n: np.ndarray
    fair_tier: np.ndarray  # (R, 3) each rep's own product's shares (see fair_tier_p)
    account_index: list[np.ndarray] = field(default_factory=list)  # rows of accounts per unit
    # Product ICPs. Without them there is one product "" and every rep carries it.
    products: list[str] = field(default_factory=lambda: [""])
    unit_product: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))  # (U,)
    rep_product: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))  # (R,), -1 = auto
    # (P, L) auto reps per product and capacity level; rep_level: (R,) level of each auto rep, -1 fixed
    auto_count: np.ndarray = field(default_factory=lambda: np.zeros((0, 0), dtype=np.int64))
    rep_level: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    fair_tier_p: np.ndarray = field(default_factory=lambda: np.zeros((0, 0, 3)))  # (R, P, 3)
    fair_pot_p: np.ndarray = field(default_factory=lambda: np.zeros((0, 0)))  # (R, P)
    tier_lo_p: np.ndarray = field(default_factory=lambda: np.zeros((0, 0, 3), dtype=np.int64))
    tier_hi_p: np.ndarray = field(default_factory=lambda: np.zeros((0, 0, 3), dtype=np.int64))
    # (U,) local rep with product = auto that keeps the unit if it carries the unit's product
    unit_lock_auto: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))

    def rep_products(self, r: int) -> list[int]:
        """Products rep ``r`` may carry: its own, or all of them for product = auto."""
        p = int(self.rep_product[r])
        return list(range(len(self.products))) if p < 0 else [p]

    @property
    def n_units(self) -> int:
        return len(self.unit_ids)

    @property
    def n_reps(self) -> int:
        return len(self.rep_ids)

    def __repr__(self) -> str:
        return (
            f"<PoolProblem {self.name!r} [{int(self.unit_size.sum()):,} accounts in "
            f"{self.n_units:,} units, {self.n_reps} reps, {len(self.pair_u):,} pairs]>"
        )


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
    unit_pot: np.ndarray,
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

    Returns ``(fair_tier (R, P, 3), fair_potential (R, P), auto_count (P, L), rep_level (R,))``:
    ``auto_count[q, l]`` reps of capacity level ``l`` carry product ``q``; ``rep_level`` is
    each auto rep's level (-1 for reps with a product).
    """
    R = len(cap)
    N = np.zeros((n_products, 3))
    Pot = np.zeros(n_products)
    for q in range(n_products):
        sel = unit_prod == q
        N[q] = unit_tiers[sel].sum(axis=0)
        Pot[q] = unit_pot[sel].sum()
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
    per_cap_p = np.divide(Pot, carried, out=np.zeros_like(Pot), where=carried > 0)
    fair_t = cap[:, None, None] * per_cap_t[None, :, :]
    fair_p = cap[:, None] * per_cap_p[None, :]
    # A rep with a fixed product has no share of the other products.
    fixed = ~auto
    mask = np.zeros((R, n_products), dtype=bool)
    mask[auto] = True
    mask[np.flatnonzero(fixed), rep_prod[fixed]] = True
    fair_t[~mask] = 0
    fair_p[~mask] = 0
    return fair_t, fair_p, auto_count, rep_level


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


def build_pools(
    accounts: pd.DataFrame,
    reps: pd.DataFrame,
    cfg: PlanConfig,
    keys: np.ndarray | None = None,
    cover_sets: list[frozenset[str] | None] | None = None,
) -> list[PoolProblem]:
    """Split the plan into independent pools and compute fair shares and bands for each.

    ``accounts`` needs: account_id, tier, potential, owner_id, locked, family_id (and region
    when ``keys`` is not given). ``reps`` needs: rep_id, region, capacity, max_accounts.
    ``keys``/``cover_sets`` come from ``territory.eligibility``: an account may go to the reps
    whose cover set holds its key (``None`` covers every key).
    """
    from ..eligibility import account_keys, rep_cover

    if keys is None:
        keys = account_keys(accounts, cfg)
    if cover_sets is None:
        cover_sets = rep_cover(reps, cfg, accounts)
    rep_ids = reps["rep_id"].tolist()
    rep_pos = {r: i for i, r in enumerate(rep_ids)}
    n_reps = len(rep_ids)
    all_cover = np.array([c is None for c in cover_sets], dtype=bool)
    cover: dict[str, list[int]] = {}
    for i, cs in enumerate(cover_sets):
        for k in sorted(cs or ()):
            cover.setdefault(k, []).append(i)

    row_key = accounts["_row_id"] if "_row_id" in accounts.columns else accounts["account_id"]
    unit_key = accounts["family_id"] if cfg.families.mode == "together" else row_key
    codes, uniques = pd.factorize(unit_key, sort=True)
    n_units = len(uniques)
    order = np.argsort(codes, kind="stable")
    bounds = np.searchsorted(codes[order], np.arange(n_units + 1))

    tiers = accounts["tier"].to_numpy(dtype=np.int64)
    potential = accounts["potential"].to_numpy(dtype=np.float64)
    owner_pos = accounts["owner_id"].map(rep_pos).fillna(-1).to_numpy(dtype=np.int64)
    # A lock keeps the account with its owner, or with the rep a locks file names (_lock_to).
    lock_to = (
        accounts["_lock_to"].map(rep_pos).fillna(-1).to_numpy(dtype=np.int64)
        if "_lock_to" in accounts.columns
        else np.full(len(accounts), -1, dtype=np.int64)
    )
    lock_target = np.where(lock_to >= 0, lock_to, owner_pos)
    locked = (accounts["locked"].to_numpy(dtype=bool) | (lock_to >= 0)) & (lock_target >= 0)
    # Product ICPs: a row locked to a rep with product = auto stays with that rep exactly when
    # the rep carries the row's product (see ``territory.products._product_locks``).
    lock_auto = (
        accounts["_lock_auto"].map(rep_pos).fillna(-1).to_numpy(dtype=np.int64)
        if "_lock_auto" in accounts.columns
        else np.full(len(accounts), -1, dtype=np.int64)
    )
    region_keys = np.asarray(keys, dtype=object)

    # Eligible rep set per unit: reps covering every member's region; locked units: the owner.
    signature_of_unit: list[tuple[int, ...]] = []
    lock_auto_of_unit = np.full(n_units, -1, dtype=np.int64)  # (a pinned lock wins over it)
    sig_cache: dict[frozenset[str], tuple[int, ...]] = {}
    all_idx = set(np.flatnonzero(all_cover).tolist())
    for u in range(n_units):
        rows = order[bounds[u] : bounds[u + 1]]
        lk = locked[rows]
        if lk.any():
            signature_of_unit.append((int(lock_target[rows[lk][0]]),))
            continue
        regs = frozenset(region_keys[rows].tolist())
        sig = sig_cache.get(regs)
        if sig is None:
            sets = [set(cover.get(k, [])) | all_idx for k in regs]
            elig = set.intersection(*sets) if sets else set(all_idx)
            if not elig:  # members in regions no single rep covers: fall back to the union
                elig = set.union(*sets)
            sig = tuple(sorted(elig))
            sig_cache[regs] = sig
        la = lock_auto[rows]
        if (la >= 0).any():
            lock_auto_of_unit[u] = la[la >= 0][0]
            if lock_auto_of_unit[u] not in sig:  # the lock wins over coverage
                sig = tuple(sorted((*sig, int(lock_auto_of_unit[u]))))
        signature_of_unit.append(sig)

    # Pools: connected components of signatures and reps.
    g = nx.Graph()
    sigs = sorted(set(signature_of_unit))
    for s in sigs:
        g.add_node(("s", s))
        for r in s:
            g.add_edge(("s", s), ("r", r))
    for r in range(n_reps):
        g.add_node(("r", r))
    components = sorted(
        (sorted(n[1] for n in comp if n[0] == "r"), [n[1] for n in comp if n[0] == "s"])
        for comp in nx.connected_components(g)
    )

    sig_to_units: dict[tuple[int, ...], list[int]] = {}
    for u, s in enumerate(signature_of_unit):
        sig_to_units.setdefault(s, []).append(u)

    pools: list[PoolProblem] = []
    product_mode = "product" in accounts.columns
    # A unit's product: every row of a unit shares it (product rows are keyed per product).
    row_product = (
        accounts["product"].astype(str).to_numpy(dtype=object)
        if product_mode
        else np.full(len(accounts), "", dtype=object)
    )
    unit_product_all = row_product[order[bounds[:-1]]] if n_units else np.zeros(0, dtype=object)
    rep_product_all = (
        reps["product"].astype(str).str.strip().replace("", "auto").tolist()
        if product_mode and "product" in reps.columns
        else [""] * n_reps
    )
    capacity_all = reps["capacity"].to_numpy(dtype=np.float64)
    max_acc_all = reps["max_accounts"].to_numpy(dtype=np.float64)
    region_names = reps["region"].astype(str).tolist()
    for comp_reps, comp_sigs in components:
        units = sorted(u for s in comp_sigs for u in sig_to_units[s])
        local = {r: i for i, r in enumerate(comp_reps)}
        R, U = len(comp_reps), len(units)
        unit_tiers = np.zeros((U, 3), dtype=np.int64)
        unit_pot = np.zeros(U)
        unit_size = np.zeros(U, dtype=np.int64)
        unit_locked = np.zeros(U, dtype=bool)
        unit_forced = np.zeros(U, dtype=np.int64)
        unit_lock_auto = np.full(U, -1, dtype=np.int64)
        acc_index: list[np.ndarray] = []
        pu: list[int] = []
        pr: list[int] = []
        pc: list[int] = []
        ppot: list[float] = []
        ou: list[int] = []
        orr: list[int] = []
        on: list[int] = []
        for j, u in enumerate(units):
            rows = order[bounds[u] : bounds[u + 1]]
            acc_index.append(rows)
            for t in TIERS:
                unit_tiers[j, t - 1] = int((tiers[rows] == t).sum())
            unit_pot[j] = float(potential[rows].sum())
            unit_size[j] = len(rows)
            unit_locked[j] = bool(locked[rows].any())
            if lock_auto_of_unit[u] >= 0:
                unit_lock_auto[j] = local[int(lock_auto_of_unit[u])]
            owners = owner_pos[rows]
            sig = signature_of_unit[u]
            # Forced moves: the owner left the roster, or no longer covers the account (region,
            # segment or product changed). They happen whatever the plan, so they are neither
            # priced nor capped.
            eligible_owner = np.isin(owners, sig)
            unit_forced[j] = int((~eligible_owner).sum())
            pots = potential[rows]
            for r in sig:
                pu.append(j)
                pr.append(local[r])
                pc.append(int((owners != r).sum()))
                ppot.append(float(pots[eligible_owner & (owners != r)].sum()))
            for r, n in zip(*np.unique(owners[eligible_owner], return_counts=True)):
                ou.append(j)
                orr.append(local[int(r)])
                on.append(int(n))
        cap = capacity_all[comp_reps]
        # Products in this pool; reps carry one each (-1 = the model chooses).
        prods, unit_prod, rep_prod = pool_products(
            unit_product_all[units].tolist(), [rep_product_all[r] for r in comp_reps], product_mode
        )
        fair_tier_p, fair_pot_p, auto_count, rep_level = product_fair_shares(
            cap, rep_prod, unit_prod, unit_tiers, unit_pot, len(prods), cfg.products.tier_weights
        )
        lo_p, hi_p = tier_band(fair_tier_p, cfg.balance.tier_band, cfg.balance.tier_band_min_accounts)
        # Per-rep view (each rep's own product; auto reps get theirs once the model has chosen).
        own = np.where(rep_prod >= 0, rep_prod, 0)
        fair_tier = fair_tier_p[np.arange(R), own]
        covered = sorted({region_names[r] or "all regions" for r in comp_reps})
        name = " + ".join(covered) if len(covered) <= 3 else f"{covered[0]} + {len(covered) - 1} more"
        if product_mode:
            name += " / " + ", ".join(prods)
        pools.append(
            PoolProblem(
                name=name,
                rep_ids=[rep_ids[r] for r in comp_reps],
                capacity=cap,
                max_accounts=max_acc_all[comp_reps],
                unit_ids=[str(uniques[u]) for u in units],
                unit_tiers=unit_tiers,
                unit_potential=unit_pot,
                unit_size=unit_size,
                unit_locked=unit_locked,
                unit_forced=unit_forced,
                unit_lock_auto=unit_lock_auto,
                pair_u=np.asarray(pu, dtype=np.int64),
                pair_r=np.asarray(pr, dtype=np.int64),
                pair_cost=np.asarray(pc, dtype=np.int64),
                pair_pot_moved=np.asarray(ppot, dtype=np.float64),
                own_u=np.asarray(ou, dtype=np.int64),
                own_r=np.asarray(orr, dtype=np.int64),
                own_n=np.asarray(on, dtype=np.int64),
                fair_tier=fair_tier,
                account_index=acc_index,
                products=prods,
                unit_product=unit_prod,
                rep_product=rep_prod,
                auto_count=auto_count,
                rep_level=rep_level,
                fair_tier_p=fair_tier_p,
                fair_pot_p=fair_pot_p,
                tier_lo_p=lo_p,
                tier_hi_p=hi_p,
            )
        )
    # Name clashes (two pools over the same region) get a number.
    seen: dict[str, int] = {}
    for p in pools:
        seen[p.name] = seen.get(p.name, 0) + 1
        if seen[p.name] > 1:
            p.name = f"{p.name} ({seen[p.name]})"
    return [p for p in pools if p.n_reps > 0 and not math.isnan(p.capacity.sum())]
