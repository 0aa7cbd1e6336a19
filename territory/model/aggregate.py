"""Plans at scale: the aggregated class model, solved per pool with highspy arrays.

``solve_pools`` is the solving step of the pipeline. It dispatches between

- ``exact``: ``territory.pipeline.solve_exact``, one pulp MIP over (family, rep) pairs per pool;
  best for small pools (what-ifs, ~10^4 pairs), where pulp's overhead is small;
- ``aggregate``: this module, for anything larger (10^5 .. 10^6 accounts).

The aggregated method (see docs/benchmarks.md for measurements):

1. *Units* are families (or accounts when families are free), built with numpy group-bys.
   Locked units keep their owner; units of departed owners must move (forced, free).
2. *Pools* are connected components of (eligibility signature, rep) as in ``build_pools``;
   fair shares and bands use the same definitions (``tier_band``), so numbers compare.
3. *Classes* are units that are interchangeable for every count row and for the move cost:
   same pool, eligibility signature, tier composition and current owner. ``y[c, r]`` is how
   many units of class c rep r gets. Potential is not aggregated away: ``q[c, r]`` is the
   potential rep r receives from class c, tied to ``y`` by the exact envelope of the class's
   sorted potentials (the k smallest <= q <= the k largest units, convex/concave piecewise
   linear, added as tangent cuts on demand) and ``sum_r q[c, r] = P_c``.
4. The class model has the same objective as the exact model (move cost, tier-band slack,
   potential-band slack in shares of fair potential), so **its LP relaxation is a lower bound
   for the full, unaggregated model**: any account-level plan projects onto a feasible point
   with the same objective. The MIP over the class model gives integer counts; its dual bound
   is valid too (the class MIP is still a relaxation of the full model).
5. *Disaggregation*: within each class, units sorted by potential; each receiving rep takes
   the contiguous window of the remaining units whose potential is closest to its ``q``.
   Retention is exact: a rep keeps ``y[c, own]`` of its own units by construction.
6. *Local search*: swaps of two units of the same class between two reps are neutral for
   moves and tier counts, so they are used to pull every rep's potential into its band.
7. The plan is then evaluated exactly on accounts with the full model's objective, and the
   report gives that objective, the bound and the gap.

Why highspy here and pulp in the exact path: at 10^5 columns pulp's hand-off to HiGHS (one
``addCol`` per variable plus name sorts) costs tens of seconds, while ``Highs.passModel`` from
numpy CSC arrays costs a fraction of a second (perf-notes.md §3), and the cut loop re-solves
the same model warm, which pulp cannot do (it rebuilds the model on every solve).
"""

from __future__ import annotations

import dataclasses
import math
import multiprocessing as mp
import os
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..config import PlanConfig
from ..errors import InfeasiblePlanError
from ..progress import SOLVE, Progress, no_progress
from ..solve import SolveReport
from .problem import pool_products, product_fair_shares, tier_band
from .solution import PoolResult, SolvedPools

INF = math.inf


# --------------------------------------------------------------------------- dispatch


def solve_pools(
    accounts: pd.DataFrame,
    reps: pd.DataFrame,
    cfg: PlanConfig,
    *,
    progress: Progress = no_progress,
    export_lp: str | Path | None = None,
) -> SolvedPools:
    """Solve every pool with the method ``cfg.solver.method`` asks for.

    ``auto`` uses the exact per-pair MIP when the instance is small (at most
    ``solver.exact_max_pairs`` eligible (unit, rep) pairs and ``solver.exact_max_units``
    units) or when an LP file is requested, and the aggregated model otherwise.
    """
    method = getattr(cfg.solver, "method", "auto")
    if method == "auto":
        if export_lp is not None:
            method = "exact"
        else:
            units = build_units(accounts, reps, cfg)
            max_pairs = getattr(cfg.solver, "exact_max_pairs", 15_000)
            max_units = getattr(cfg.solver, "exact_max_units", 3_000)
            method = "exact" if (units.n_pairs <= max_pairs and units.n_units <= max_units) else "aggregate"
            if method == "aggregate":
                return solve_aggregate(accounts, reps, cfg, progress=progress, units=units)
    if method == "exact":
        from ..pipeline import solve_exact  # lazy: pipeline imports this module

        return solve_exact(accounts, reps, cfg, progress=progress, export_lp=export_lp)
    return solve_aggregate(accounts, reps, cfg, progress=progress)


# --------------------------------------------------------------------------- units and pools


@dataclass
class Units:
    """Units (families or accounts) with their signature, pool and class, as flat arrays."""

    n_units: int
    acc_unit: np.ndarray  # (N,) unit code per account
    size: np.ndarray  # (U,)
    comp: np.ndarray  # (U, 3) tier counts
    pot: np.ndarray  # (U,)
    forced: np.ndarray  # (U,) accounts whose owner left
    owner: np.ndarray  # (U,) global owner rep: >=0 uniform on roster, -1 departed/none, -2 mixed
    locked: np.ndarray  # (U,) bool
    sig: np.ndarray  # (U,) signature id
    sig_reps: list[np.ndarray]  # rep indices per signature
    n_pairs: int
    unit_ids: np.ndarray  # (U,) object
    prod: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))  # (U,) product code
    product_names: list[str] = field(default_factory=lambda: [""])
    lock_auto: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))  # (U,) rep or -1


def build_units(accounts: pd.DataFrame, reps: pd.DataFrame, cfg: PlanConfig) -> Units:
    """Vectorised counterpart of the unit/eligibility part of ``build_pools``."""

    row_key = accounts["_row_id"] if "_row_id" in accounts.columns else accounts["account_id"]
    key_col = accounts["family_id"] if cfg.families.mode == "together" else row_key
    acc_unit, uniq = pd.factorize(key_col, sort=True)
    acc_unit = acc_unit.astype(np.int64)
    U = len(uniq)
    tiers = accounts["tier"].to_numpy(dtype=np.int64)
    potential = accounts["potential"].to_numpy(dtype=np.float64)
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
    pot = np.bincount(acc_unit, weights=potential, minlength=U)
    forced = np.bincount(acc_unit, weights=(owner_pos < 0), minlength=U).astype(np.int64)
    omin = np.full(U, np.iinfo(np.int64).max)
    omax = np.full(U, np.iinfo(np.int64).min)
    np.minimum.at(omin, acc_unit, owner_pos)
    np.maximum.at(omax, acc_unit, owner_pos)
    owner = np.where(omin == omax, omin, -2)
    # Locked units: the owner of the first locked member (as build_pools).
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
    if "_lock_auto" in accounts.columns:  # the first such row of a unit, as build_pools
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
        if not elig:
            elig = set.union(*sets)
        return tuple(sorted(elig))

    key_sig = np.array([sig_id(elig_of([str(k)])) for k in kuniq], dtype=np.int64)
    sig = key_sig[np.where(kmin == kmax, kmin, 0)]
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
    n_pairs = int(sig_len[sig].sum())
    return Units(
        U,
        acc_unit,
        size,
        comp,
        pot,
        forced,
        owner,
        locked,
        sig,
        sig_reps,
        n_pairs,
        np.asarray(uniq, dtype=object),
        prod,
        product_names,
        lock_auto,
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


@dataclass
class PoolData:
    """One pool's class model data (all indices local to the pool unless said otherwise)."""

    name: str
    reps: np.ndarray  # (R,) global rep indices
    rep_ids: list[str]
    capacity: np.ndarray
    max_accounts: np.ndarray
    fair_tier: np.ndarray
    fair_potential: np.ndarray
    tier_lo: np.ndarray
    tier_hi: np.ndarray
    pot_lo: np.ndarray
    pot_hi: np.ndarray
    units: np.ndarray  # (U,) global unit indices, sorted by (class, potential)
    unit_class: np.ndarray  # (U,) class of each unit (local)
    unit_pot: np.ndarray  # (U,)
    class_start: np.ndarray  # (C+1,) offsets into ``units``
    class_comp: np.ndarray  # (C, 3)
    class_size: np.ndarray  # (C,) accounts per unit of the class
    class_owner: np.ndarray  # (C,) local owner rep (-1: none in this pool / departed / mixed)
    pair_c: np.ndarray  # (K,) eligible (class, rep) pairs
    pair_r: np.ndarray
    pair_cost: np.ndarray  # (K,) discretionary moves per unit on this pair
    n_accounts: int = 0
    mixed_units: dict[int, np.ndarray] = field(default_factory=dict)
    mixed_pot: dict[int, np.ndarray] = field(default_factory=dict)  # account potentials
    # Product ICPs (one product "" without them), as in ``PoolProblem``. The per-rep fair
    # shares and bands above are those of each rep's product; for reps with product = auto
    # (``rep_product`` -1) they hold only once ``_fix_products`` has chosen one.
    products: list[str] = field(default_factory=lambda: [""])
    class_product: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))  # (C,)
    class_lock_auto: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))  # (C,)
    rep_product: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))  # (R,)
    auto_count: np.ndarray = field(default_factory=lambda: np.zeros((0, 0), dtype=np.int64))  # (P, L)
    rep_level: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))  # (R,)
    fair_tier_p: np.ndarray = field(default_factory=lambda: np.zeros((0, 0, 3)))  # (R, P, 3)
    fair_pot_p: np.ndarray = field(default_factory=lambda: np.zeros((0, 0)))  # (R, P)
    tier_lo_p: np.ndarray = field(default_factory=lambda: np.zeros((0, 0, 3), dtype=np.int64))
    tier_hi_p: np.ndarray = field(default_factory=lambda: np.zeros((0, 0, 3), dtype=np.int64))


def build_pool_data(
    accounts: pd.DataFrame, reps: pd.DataFrame, cfg: PlanConfig, units: Units
) -> list[PoolData]:
    import networkx as nx

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
    # Owner key: uniform owner rep, -1 for departed; mixed-owner units get a class of their own.
    okey = units.owner.copy()
    mixed = np.flatnonzero(okey == -2)
    okey[mixed] = -3 - mixed
    prod_u, lock_auto_u = units.prod, units.lock_auto
    order = np.lexsort((units.pot, lock_auto_u, okey, prod_u, comp_id, units.sig, unit_pool))
    up = unit_pool[order]
    pool_bounds = np.searchsorted(up, np.arange(len(comps) + 1))

    acc_per_unit = units.size
    pools: list[PoolData] = []
    for p, (comp_reps, _sigs) in enumerate(comps):
        R = len(comp_reps)
        if R == 0:
            continue
        cap = capacity_all[comp_reps]
        if math.isnan(cap.sum()):
            continue
        uidx = order[pool_bounds[p] : pool_bounds[p + 1]]
        local = np.full(n_reps, -1, dtype=np.int64)
        local[comp_reps] = np.arange(R)
        # Classes: runs of equal (sig, comp, owner key) in the sorted order.
        s_, c_, o_ = units.sig[uidx], comp_id[uidx], okey[uidx]
        p_, l_ = prod_u[uidx], lock_auto_u[uidx]
        new = np.ones(len(uidx), dtype=bool)
        new[1:] = (
            (s_[1:] != s_[:-1])
            | (c_[1:] != c_[:-1])
            | (o_[1:] != o_[:-1])
            | (p_[1:] != p_[:-1])
            | (l_[1:] != l_[:-1])
        )
        starts = np.flatnonzero(new)
        C = len(starts)
        class_start = np.append(starts, len(uidx)).astype(np.int64)
        unit_class = np.cumsum(new) - 1
        first = uidx[starts]
        class_comp = units.comp[first]
        class_size = units.size[first]
        gown = units.owner[first]
        class_owner = np.where(gown >= 0, local[np.maximum(gown, 0)], -1)
        class_sig = units.sig[first]
        # Pairs: every class with every rep of its signature.
        lens = np.array([len(units.sig_reps[s]) for s in class_sig.tolist()], dtype=np.int64)
        pair_c = np.repeat(np.arange(C), lens)
        pair_r = (
            local[np.concatenate([units.sig_reps[s] for s in class_sig.tolist()])]
            if C
            else np.zeros(0, dtype=np.int64)
        )
        is_own = pair_r == class_owner[pair_c]
        # An owner who left the roster, or who no longer covers the unit, forces the move: such
        # moves cost nothing (as in the exact model); the class then has no owner here.
        has_own = np.bincount(pair_c[is_own], minlength=C) > 0
        class_owner = np.where(has_own, class_owner, -1)
        # Discretionary moves: accounts owned by an eligible rep other than the new one.
        pair_cost = np.where(class_owner[pair_c] >= 0, class_size[pair_c], 0) * (~is_own)
        mixed_units: dict[int, np.ndarray] = {}
        mixed_pot: dict[int, np.ndarray] = {}
        mix_cls = np.flatnonzero(gown == -2)
        if mix_cls.size:
            acc_rows = pd.Series(np.arange(len(units.acc_unit))).groupby(units.acc_unit).indices
            owner_pos = pd.Index(reps["rep_id"].astype(str)).get_indexer(accounts["owner_id"].astype(str))
            for c in mix_cls.tolist():
                u = int(uidx[class_start[c]])
                ow = owner_pos[acc_rows[u]]
                ks = np.flatnonzero(pair_c == c)
                elig_g = np.asarray(comp_reps)[pair_r[ks]]
                ow = np.where(np.isin(ow, elig_g), ow, -1)  # owners not covering it: forced
                owned = np.array([(ow == g).sum() for g in elig_g.tolist()])
                pair_cost[ks] = (ow >= 0).sum() - owned
                mixed_units[c] = ow
                mixed_pot[c] = accounts["potential"].to_numpy(dtype=np.float64)[acc_rows[u]]
        # Fair shares exactly as ``build_pools`` computes them (``product_fair_shares``: reps
        # with product = auto shared between products by tier-weighted demand, per capacity
        # level), from class totals.
        n_cls = np.diff(class_start)
        prods, class_product, rep_prod = pool_products(
            [units.product_names[i] for i in prod_u[first].tolist()],
            [rep_product_all[r] for r in comp_reps],
            product_mode,
        )
        class_pot = np.add.reduceat(units.pot[uidx], class_start[:-1]) if C else np.zeros(0)
        fair_tier_p, fair_pot_p, auto_count, rep_level = product_fair_shares(
            cap,
            rep_prod,
            class_product,
            class_comp * n_cls[:, None],
            class_pot,
            len(prods),
            cfg.products.tier_weights,
        )
        lo_p, hi_p = tier_band(fair_tier_p, cfg.balance.tier_band, cfg.balance.tier_band_min_accounts)
        own_p = np.where(rep_prod >= 0, rep_prod, 0)
        ar = np.arange(R)
        fair_tier, fair_pot = fair_tier_p[ar, own_p], fair_pot_p[ar, own_p]
        lo, hi = lo_p[ar, own_p], hi_p[ar, own_p]
        tau = cfg.balance.potential_band
        gla = lock_auto_u[first]
        class_lock_auto = np.where(gla >= 0, local[np.maximum(gla, 0)], -1)
        covered = sorted({region_names[r] or "all regions" for r in comp_reps})
        name = " + ".join(covered) if len(covered) <= 3 else f"{covered[0]} + {len(covered) - 1} more"
        if product_mode:
            name += " / " + ", ".join(prods)
        pools.append(
            PoolData(
                name=name,
                reps=np.asarray(comp_reps, dtype=np.int64),
                rep_ids=[rep_ids_all[r] for r in comp_reps],
                capacity=cap,
                max_accounts=max_acc_all[comp_reps],
                fair_tier=fair_tier,
                fair_potential=fair_pot,
                tier_lo=lo,
                tier_hi=hi,
                pot_lo=(1 - tau) * fair_pot,
                pot_hi=(1 + tau) * fair_pot,
                units=uidx,
                unit_class=unit_class,
                unit_pot=units.pot[uidx],
                class_start=class_start,
                class_comp=class_comp,
                class_size=class_size,
                class_owner=class_owner,
                pair_c=pair_c,
                pair_r=pair_r,
                pair_cost=pair_cost.astype(np.float64),
                n_accounts=int(acc_per_unit[uidx].sum()),
                mixed_units=mixed_units,
                mixed_pot=mixed_pot,
                products=prods,
                class_product=class_product,
                class_lock_auto=class_lock_auto,
                rep_product=rep_prod,
                auto_count=auto_count,
                rep_level=rep_level,
                fair_tier_p=fair_tier_p,
                fair_pot_p=fair_pot_p,
                tier_lo_p=lo_p,
                tier_hi_p=hi_p,
            )
        )
    seen: dict[str, int] = {}
    for pd_ in pools:
        seen[pd_.name] = seen.get(pd_.name, 0) + 1
        if seen[pd_.name] > 1:
            pd_.name = f"{pd_.name} ({seen[pd_.name]})"
    return pools


# --------------------------------------------------------------------------- the class model


@dataclass
class ClassSolution:
    y: np.ndarray  # (K,) integer counts per pair
    q: np.ndarray  # (K,) potential per pair (targets for disaggregation)
    bound: float
    lp_seconds: float
    mip_seconds: float
    cut_rounds: int
    status: str
    qv: np.ndarray | None = None  # LP potential per pair (``integer=False``)
    z: np.ndarray | None = None  # (auto reps, products): the product choice (``choice=True``)


def _class_model(
    pd_: PoolData,
    cfg: PlanConfig,
    time_limit: float,
    *,
    count_only: bool = False,
    integer: bool = True,
    max_cuts: int = 0,
    mip_cap: float = 3.0,
    y_bounds: tuple[np.ndarray, np.ndarray] | None = None,
    move_pot: np.ndarray | None = None,
    choice: bool = False,
    lp_solver: str = "auto",
    elastic_pot_cap: bool = False,
    choice_exact: bool = False,
    iteration_limit: int | None = None,
) -> ClassSolution:
    """Build the class model as CSC arrays and solve it.

    ``count_only`` drops the potential rows (what is left is a relaxation of the full model
    whose constraint matrix is totally unimodular, so its LP is fast and its optimum a valid
    bound). Otherwise potential enters through per-pair columns ``q`` tied to ``y`` by the
    envelope rows (plus up to ``max_cuts`` rounds of tangent cuts). ``integer`` rounds the
    LP: pairs of classes whose LP counts are all integral are fixed, and a small MIP settles
    the rest. ``move_pot`` (per pair) is the potential per unit the potential-move cap counts
    in a count-only model (default: the class's smallest unit potential, which keeps the
    count-only model a relaxation).

    ``choice`` (count-only LP only) adds the product choice of reps with product = auto, as in
    the exact model but relaxed: ``z[rep, product]`` in [0, 1], one product per rep, each
    product its ``auto_count`` reps of every capacity level, ``y[c, rep] <= n_c z[rep, product(c)]`` (``=`` for classes
    locked to the rep) and the tier bands of every (rep, product) scaled by ``z``. Any plan
    of the full model, with its binary choice, projects onto a feasible point with the same
    moves and tier slack, so the LP value is a lower bound for the full model. (The account
    band rows of auto reps are left out: dropping rows keeps it a bound.) ``choice_exact``
    links every pair (not only owned classes) and makes z binary: a small MIP whose z is a
    product choice that has a plan whenever one exists (the fallback when rounding fails).
    """
    import highspy

    b = cfg.balance
    R, K = len(pd_.rep_ids), len(pd_.pair_c)
    C = len(pd_.class_start) - 1
    n_c = np.diff(pd_.class_start).astype(np.float64)
    # Potential enters in units of the pool's mean unit potential (ps): in currency units
    # the coefficients of the potential-moved row (1 / pool potential) fall below HiGHS's
    # small_matrix_value (1e-9) at 10^9 of potential and are silently dropped.
    ps = float(pd_.unit_pot.mean()) if len(pd_.unit_pot) and pd_.unit_pot.mean() > 0 else 1.0
    sp = pd_.unit_pot / ps  # sorted ascending within each class
    lo_p = sp[pd_.class_start[:-1]] if C else np.zeros(0)
    hi_p = sp[pd_.class_start[1:] - 1] if C else np.zeros(0)
    P_c = np.add.reduceat(sp, pd_.class_start[:-1]) if C else np.zeros(0)
    prefix = np.concatenate([[0.0], np.cumsum(sp)])
    varied = (hi_p - lo_p) > 1e-9 * np.maximum(1.0, np.abs(hi_p))
    if count_only:
        varied[:] = False
    fair = pd_.fair_potential / ps if not count_only else np.zeros(R)
    pot_rows = np.flatnonzero(fair > 0)
    inv_fair = np.zeros(R)
    inv_fair[pot_rows] = 1.0 / fair[pot_rows]

    qk = np.flatnonzero(varied[pd_.pair_c])  # pairs with a potential column
    Kq = len(qk)
    hard = b.hard_bands
    # Columns: y (K) | q (Kq) | tier slack under/over (3R each) | pot slack under/over (R each)
    n_col = K + Kq + 6 * R + 2 * R
    cost = np.concatenate(
        [
            cfg.continuity.move_cost * pd_.pair_cost,
            np.zeros(Kq),
            np.full(6 * R, b.tier_penalty),
            np.full(2 * R, 0.0 if count_only else b.potential_penalty),
        ]
    )
    col_lo = np.zeros(n_col)
    col_hi = np.concatenate([n_c[pd_.pair_c], P_c[pd_.pair_c[qk]], np.full(8 * R, 0.0 if hard else INF)])
    if y_bounds is not None:
        col_lo[:K], col_hi[:K] = y_bounds
    # Rows: class totals (C) | class potential (Cq) | tier (3R) | potential (R) | extras | cuts
    rows_i: list[np.ndarray] = []
    rows_j: list[np.ndarray] = []
    rows_v: list[np.ndarray] = []
    rlo: list[np.ndarray] = []
    rhi: list[np.ndarray] = []
    nrow = 0

    def add(i: np.ndarray, j: np.ndarray, v: np.ndarray, lo: np.ndarray, hi: np.ndarray) -> None:
        nonlocal nrow
        rows_i.append(i + nrow)
        rows_j.append(j)
        rows_v.append(v)
        rlo.append(lo)
        rhi.append(hi)
        nrow += len(lo)

    kk = np.arange(K)
    add(pd_.pair_c, kk, np.ones(K), n_c, n_c)
    cls_q = np.flatnonzero(varied)
    qrow = np.full(C, -1)
    qrow[cls_q] = np.arange(len(cls_q))
    add(qrow[pd_.pair_c[qk]], K + np.arange(Kq), np.ones(Kq), P_c[cls_q], P_c[cls_q])
    # Tier band rows: sum comp*y + under - over in [lo, hi]
    ti_i, ti_j, ti_v = [], [], []
    for t in range(3):
        coef = pd_.class_comp[pd_.pair_c, t].astype(np.float64)
        nz = coef > 0
        ti_i.append(3 * pd_.pair_r[nz] + t)
        ti_j.append(kk[nz])
        ti_v.append(coef[nz])
    s0 = K + Kq
    ti_i += [np.arange(3 * R), np.arange(3 * R)]
    ti_j += [s0 + np.arange(3 * R), s0 + 3 * R + np.arange(3 * R)]
    ti_v += [np.ones(3 * R), -np.ones(3 * R)]
    tl, th = pd_.tier_lo.astype(np.float64), pd_.tier_hi.astype(np.float64)
    auto = np.flatnonzero(pd_.rep_product < 0) if choice else np.zeros(0, dtype=np.int64)
    tl[auto], th[auto] = -INF, INF  # auto reps: bands per (rep, product) below
    add(np.concatenate(ti_i), np.concatenate(ti_j), np.concatenate(ti_v), tl.ravel(), th.ravel())
    # Potential rows (in shares of fair potential): fixed-potential pairs via y, others via q.
    fixed = np.flatnonzero(~varied[pd_.pair_c])
    s1 = s0 + 6 * R
    pi = np.concatenate([pd_.pair_r[fixed], pd_.pair_r[qk], np.arange(R), np.arange(R)])
    pj = np.concatenate([fixed, K + np.arange(Kq), s1 + np.arange(R), s1 + R + np.arange(R)])
    pv = np.concatenate(
        [
            lo_p[pd_.pair_c[fixed]] * inv_fair[pd_.pair_r[fixed]],
            inv_fair[pd_.pair_r[qk]],
            np.ones(R),
            -np.ones(R),
        ]
    )
    keep = inv_fair[pi] > 0
    plo = np.where(fair > 0, pd_.pot_lo / ps * inv_fair, -INF)
    phi = np.where(fair > 0, pd_.pot_hi / ps * inv_fair, INF)
    add(pi[keep], pj[keep], pv[keep], plo, phi)
    # Optional account rows.
    sizes = pd_.class_size[pd_.pair_c].astype(np.float64)
    if b.account_band is not None:
        alo_i, ahi_i = tier_band(pd_.fair_tier.sum(axis=1), b.account_band, 1.0)
        alo, ahi = alo_i.astype(np.float64), ahi_i.astype(np.float64)
        alo[auto], ahi[auto] = -INF, INF
        # soft: reuse the tier penalty through two extra slack columns per rep
        extra_cols = 2 * R
        cost = np.concatenate([cost, np.full(extra_cols, b.tier_penalty)])
        col_lo = np.concatenate([col_lo, np.zeros(extra_cols)])
        col_hi = np.concatenate([col_hi, np.full(extra_cols, 0.0 if hard else INF)])
        a0 = n_col
        n_col += extra_cols
        add(
            np.concatenate([pd_.pair_r, np.arange(R), np.arange(R)]),
            np.concatenate([kk, a0 + np.arange(R), a0 + R + np.arange(R)]),
            np.concatenate([sizes, np.ones(R), -np.ones(R)]),
            alo,
            ahi,
        )
    if b.workload_band is not None:
        # As add_workload_balance: tier-weighted effort per rep within +-band of its fair
        # share, in shares of it, slack priced like 1 account outside a tier band per 1 %.
        w = np.asarray(b.workload_weights[:3], dtype=np.float64)
        fair_w = pd_.fair_tier @ w
        has_w = fair_w > 0
        has_w[auto] = False  # (auto reps in the choice LP: left out, which keeps it a bound)
        inv_w = np.where(has_w, 1.0 / np.where(has_w, fair_w, 1.0), 0.0)
        coef = (pd_.class_comp[pd_.pair_c] @ w) * inv_w[pd_.pair_r]
        nzw = coef > 0
        w0 = n_col
        cost = np.concatenate([cost, np.full(2 * R, 100.0 * b.tier_penalty)])
        col_lo = np.concatenate([col_lo, np.zeros(2 * R)])
        col_hi = np.concatenate([col_hi, np.full(2 * R, 0.0 if hard else INF)])
        n_col += 2 * R
        add(
            np.concatenate([pd_.pair_r[nzw], np.arange(R), np.arange(R)]),
            np.concatenate([kk[nzw], w0 + np.arange(R), w0 + R + np.arange(R)]),
            np.concatenate([coef[nzw], np.ones(R), -np.ones(R)]),
            np.where(has_w, 1 - b.workload_band, -INF),
            np.where(has_w, 1 + b.workload_band, INF),
        )
    caps = np.flatnonzero(~np.isnan(pd_.max_accounts))
    if caps.size:
        capped = np.isin(pd_.pair_r, caps)
        rowmap = np.full(R, -1)
        rowmap[caps] = np.arange(caps.size)
        add(
            rowmap[pd_.pair_r[capped]],
            kk[capped],
            sizes[capped],
            np.full(caps.size, -INF),
            pd_.max_accounts[caps],
        )
    if cfg.continuity.max_moved_share is not None:
        limit = math.floor(cfg.continuity.max_moved_share * pd_.n_accounts + 1e-9)
        nzc = pd_.pair_cost > 0
        add(
            np.zeros(int(nzc.sum()), dtype=np.int64),
            kk[nzc],
            pd_.pair_cost[nzc],
            np.array([-INF]),
            np.array([float(limit)]),
        )
    _add_cap_rows(
        pd_, cfg, add, K, qk, varied, lo_p, count_only, None if move_pot is None else move_pot / ps, ps
    )
    share = cfg.continuity.max_potential_moved_share
    if elastic_pot_cap and share is not None and float(pd_.unit_pot.sum()) > 0:
        # The potential-move row is the last one _add_cap_rows added: let it stretch at a
        # price far above any band, so that rounding always finds a plan; the repair step
        # then gives units back until the cap holds.
        rows_i.append(np.array([nrow - 1]))
        rows_j.append(np.array([n_col]))
        rows_v.append(np.array([-1.0]))
        cost = np.concatenate([cost, [1e3 * max(b.potential_penalty, b.tier_penalty, 1.0)]])
        col_lo = np.concatenate([col_lo, [0.0]])
        col_hi = np.concatenate([col_hi, [INF]])
        n_col += 1
    z0 = nz = 0
    if choice and auto.size:
        A, P = len(auto), len(pd_.products)
        aidx = np.full(R, -1)
        aidx[auto] = np.arange(A)
        z0, nz = n_col, A * P
        # columns: z (A*P) | tier slack under (3 A P) | tier slack over (3 A P)
        cost = np.concatenate([cost, np.zeros(nz), np.full(6 * nz, b.tier_penalty)])
        col_lo = np.concatenate([col_lo, np.zeros(7 * nz)])
        col_hi = np.concatenate([col_hi, np.ones(nz), np.full(6 * nz, 0.0 if hard else INF)])
        n_col += 7 * nz
        ka = np.flatnonzero(aidx[pd_.pair_r] >= 0)
        seat = aidx[pd_.pair_r[ka]] * P + pd_.class_product[pd_.pair_c[ka]]
        seat_rows = np.arange(3 * nz)
        for is_lo in (True, False):
            ci: list[np.ndarray] = []
            cj: list[np.ndarray] = []
            cv: list[np.ndarray] = []
            for t in range(3):
                coef = pd_.class_comp[pd_.pair_c[ka], t].astype(np.float64)
                nzc = coef > 0
                ci.append(seat[nzc] * 3 + t)
                cj.append(ka[nzc])
                cv.append(coef[nzc])
            band = (pd_.tier_lo_p if is_lo else pd_.tier_hi_p)[auto].reshape(nz * 3).astype(np.float64)
            slack0 = z0 + nz if is_lo else z0 + 4 * nz
            ci += [seat_rows, seat_rows]
            cj += [slack0 + seat_rows, z0 + seat_rows // 3]
            cv += [np.ones(3 * nz) if is_lo else -np.ones(3 * nz), -band]
            lo_r = np.zeros(3 * nz) if is_lo else np.full(3 * nz, -INF)
            hi_r = np.full(3 * nz, INF) if is_lo else np.zeros(3 * nz)
            add(np.concatenate(ci), np.concatenate(cj), np.concatenate(cv), lo_r, hi_r)
        # y <= n_c z (and = for classes locked to the rep), on the pairs where it binds: a
        # rep's own classes, which it would keep at no cost without the row. Elsewhere the
        # tier bands scaled by z and the move cost hold y back; leaving those rows out keeps
        # the LP a relaxation (measured at L: the same bound, 4-10x faster).
        nck = n_c[pd_.pair_c[ka]]
        held = pd_.class_lock_auto[pd_.pair_c[ka]] == pd_.pair_r[ka]
        sel = held | (pd_.class_owner[pd_.pair_c[ka]] == pd_.pair_r[ka]) | choice_exact
        m = int(sel.sum())
        add(
            np.concatenate([np.arange(m), np.arange(m)]),
            np.concatenate([ka[sel], z0 + seat[sel]]),
            np.concatenate([np.ones(m), -nck[sel]]),
            np.where(held[sel], 0.0, -INF),
            np.zeros(m),
        )
        add(np.repeat(np.arange(A), P), z0 + np.arange(nz), np.ones(nz), np.ones(A), np.ones(A))
        L = pd_.auto_count.shape[1]
        lv = pd_.rep_level[auto]
        cnt = pd_.auto_count.astype(np.float64).ravel()  # row q * L + level
        add(np.tile(np.arange(P), A) * L + np.repeat(lv, P), z0 + np.arange(nz), np.ones(nz), cnt, cnt)
    # Envelope rows for potential pairs: q - lo_p*y in [0, P - lo_p*n]; q - hi_p*y in [P - hi_p*n, 0]
    if Kq:
        cq = pd_.pair_c[qk]
        ar = np.arange(Kq)
        add(
            np.concatenate([ar, ar]),
            np.concatenate([K + ar, qk]),
            np.concatenate([np.ones(Kq), -lo_p[cq]]),
            np.zeros(Kq),
            P_c[cq] - lo_p[cq] * n_c[cq],
        )
        add(
            np.concatenate([ar, ar]),
            np.concatenate([K + ar, qk]),
            np.concatenate([np.ones(Kq), -hi_p[cq]]),
            P_c[cq] - hi_p[cq] * n_c[cq],
            np.zeros(Kq),
        )

    ri = np.concatenate(rows_i).astype(np.int64)
    J = np.concatenate(rows_j).astype(np.int64)
    V = np.concatenate(rows_v)
    ordr = np.lexsort((ri, J))
    ri, J, V = ri[ordr], J[ordr], V[ordr]
    start = np.searchsorted(J, np.arange(n_col + 1)).astype(np.int32)
    row_lo = np.concatenate(rlo)
    row_hi = np.concatenate(rhi)

    from ..solve import _quiet_stdout

    with _quiet_stdout():
        h = highspy.Highs()
    h.silent()
    h.setOptionValue("threads", 1)
    h.setOptionValue("random_seed", int(cfg.solver.seed))
    h.setOptionValue("time_limit", float(time_limit))
    integ = np.zeros(n_col, dtype=np.int32)
    if iteration_limit is not None:
        h.setOptionValue("simplex_iteration_limit", int(iteration_limit))
    # Interior point for big LPs, except where simplex measured faster: the choice LP (its z
    # columns: 4.3 s vs 1.9 s at L) and callers that ask for it.
    if n_col > 20_000 and lp_solver != "simplex" and not choice:
        h.setOptionValue("solver", "ipm")
        h.setOptionValue("run_crossover", "on")
    elif choice or lp_solver == "simplex":
        h.setOptionValue("solver", "simplex")
    h.passModel(
        n_col,
        nrow,
        len(V),
        1,
        1,
        0.0,
        cost,
        col_lo,
        col_hi,
        row_lo,
        row_hi,
        start[:-1],
        ri.astype(np.int32),
        V,
        integ,
    )
    t0 = time.perf_counter()
    h.run()
    rounds = 0
    bound = _lp_value(h)
    # Cut loop: tangents of the convex lower envelope S_low(k) and the concave upper S_high(k).
    if Kq:
        cq = pd_.pair_c[qk]
        cs = pd_.class_start[cq]
        nq = n_c[cq]
        for rounds in range(1, max_cuts + 1):  # noqa: B007 - the count is reported
            sol = np.asarray(h.getSolution().col_value)
            y = np.clip(sol[qk], 0, nq)
            q = sol[K + np.arange(Kq)]
            k = np.minimum(np.floor(y + 1e-9), nq - 1).astype(np.int64)
            kf = k.astype(np.float64)
            slope_lo = sp[cs + k]
            low_k = prefix[cs + k] - prefix[cs]
            s_low = low_k + slope_lo * (y - kf)
            slope_hi = sp[cs + nq.astype(np.int64) - 1 - k]
            high_k = (prefix[cs + nq.astype(np.int64)] - prefix[cs]) - (
                prefix[cs + nq.astype(np.int64) - k] - prefix[cs]
            )
            s_high = high_k + slope_hi * (y - kf)
            tol = 1e-7 * np.maximum(1.0, P_c[cq])
            vlo = np.flatnonzero(q < s_low - tol)
            vhi = np.flatnonzero(q > s_high + tol)
            if not vlo.size and not vhi.size:
                break
            new_i: list[np.ndarray] = []
            new_j: list[np.ndarray] = []
            new_v: list[np.ndarray] = []
            nlo: list[np.ndarray] = []
            nhi: list[np.ndarray] = []
            for arr, slope, base, is_lo in ((vlo, slope_lo, low_k, True), (vhi, slope_hi, high_k, False)):
                if not arr.size:
                    continue
                m = arr.size
                rr = np.arange(m) + sum(len(x) for x in nlo)
                new_i += [rr, rr]
                new_j += [K + arr, qk[arr]]
                new_v += [np.ones(m), -slope[arr]]
                rhs = base[arr] - slope[arr] * kf[arr]
                nlo.append(rhs if is_lo else np.full(m, -INF))
                nhi.append(np.full(m, INF) if is_lo else rhs)
            ii = np.concatenate(new_i)
            jj = np.concatenate(new_j)
            vv = np.concatenate(new_v)
            o = np.argsort(ii, kind="stable")
            ii, jj, vv = ii[o], jj[o], vv[o]
            nr = int(ii.max()) + 1
            rs = np.searchsorted(ii, np.arange(nr)).astype(np.int32)
            h.addRows(nr, np.concatenate(nlo), np.concatenate(nhi), len(vv), rs, jj.astype(np.int32), vv)
            h.setOptionValue("solver", "simplex")
            h.run()
            bound = max(bound, _lp_value(h))
    lp_seconds = time.perf_counter() - t0
    sol = np.asarray(h.getSolution().col_value)
    if not integer:
        rc = np.asarray(h.getSolution().col_dual)[:K]
        qv = np.zeros(K)
        qv[qk] = sol[K : K + Kq] * ps
        qv[fixed] = lo_p[pd_.pair_c[fixed]] * sol[fixed] * ps
        st = "infeasible" if h.getModelStatus() == highspy.HighsModelStatus.kInfeasible else "lp"
        if choice_exact and nz and st != "infeasible":
            h.changeColsIntegrality(nz, (z0 + np.arange(nz)).astype(np.int32), np.ones(nz, dtype=np.int32))
            h.setOptionValue("mip_rel_gap", 0.05)  # any feasible choice near the best will do
            h.run()
            ok = h.getInfo().primal_solution_status == 2
            sol = np.asarray(h.getSolution().col_value) if ok else sol
            st = "choice mip" if ok else "infeasible"
            if ok:  # (z binary, y continuous: still a relaxation, so its dual bound holds)
                bound = max(bound, float(h.getInfo().mip_dual_bound))
        zc = sol[z0 : z0 + nz].reshape(len(auto), -1) if nz else None
        return ClassSolution(sol[:K], rc, bound, lp_seconds, 0.0, rounds, st, qv, zc)
    # Round: fix the pairs of classes whose LP counts are all integral, MIP over the rest.
    t1 = time.perf_counter()
    yl = sol[:K]
    frac = np.abs(yl - np.round(yl)) > 1e-6
    frac_cls = np.zeros(C, dtype=bool)
    frac_cls[pd_.pair_c[frac]] = True
    fix = np.flatnonzero(~frac_cls[pd_.pair_c])
    if fix.size:
        v = np.round(yl[fix])
        h.changeColsBounds(fix.size, fix.astype(np.int32), v, v)
    h.changeColsIntegrality(K, np.arange(K, dtype=np.int32), np.ones(K, dtype=np.int32))
    h.setOptionValue("mip_rel_gap", max(cfg.solver.gap, 2e-3))
    # The rounding MIP only settles a few hundred fractional counts; a short cap is enough
    # (the caller falls back to the count-only vertex if no incumbent turns up).
    h.setOptionValue("time_limit", float(max(min(time_limit - lp_seconds, mip_cap), 0.5)))
    h.run()
    info = h.getInfo()
    status = "optimal" if h.getModelStatus() == highspy.HighsModelStatus.kOptimal else "feasible"
    # (the MIP's dual bound is not used: with fixed columns it bounds a restriction only)
    if info.primal_solution_status != 2 and fix.size:  # fixing cut off every plan: free all
        h.changeColsBounds(fix.size, fix.astype(np.int32), np.zeros(fix.size), n_c[pd_.pair_c[fix]])
        h.run()
        info = h.getInfo()
    sol = np.asarray(h.getSolution().col_value)
    if info.primal_solution_status != 2:
        return ClassSolution(
            np.zeros(0), np.zeros(0), bound, lp_seconds, time.perf_counter() - t1, rounds, "no_solution"
        )
    y = np.round(sol[:K]).astype(np.int64)
    q = np.zeros(K)
    q[qk] = sol[K : K + Kq] * ps
    q[fixed] = lo_p[pd_.pair_c[fixed]] * y[fixed] * ps
    return ClassSolution(y, q, bound, lp_seconds, time.perf_counter() - t1, rounds, status)


# --------------------------------------------------------------------------- product choice


def _choose_products(
    pd_: PoolData, cfg: PlanConfig, time_limit: float, exact: bool = False
) -> tuple[np.ndarray, ClassSolution | None]:
    """A product for every rep with product = auto: the count LP with the choice relaxed
    (``_class_model(choice=True)``, whose value is a bound for the full model), then the
    integral choice nearest to it (``_round_choice``); with ``exact``, the choice MIP
    instead. Returns the product per local rep."""
    chosen = pd_.rep_product.copy()
    auto = np.flatnonzero(chosen < 0)
    P = len(pd_.products)
    if not auto.size:
        return chosen, None
    if P == 1:
        chosen[auto] = 0
        return chosen, None
    cs = _class_model(pd_, cfg, time_limit, count_only=True, integer=False, choice=True, choice_exact=exact)
    if cs.status == "infeasible" or cs.z is None:
        raise InfeasiblePlanError(_choice_message(pd_))
    if exact:
        chosen[auto] = np.argmax(cs.z, axis=1)
        return chosen, cs
    # Tie-break: the product the rep owns most of today (continuity), then product order.
    owned = np.zeros((len(pd_.rep_ids), P))
    n_c = np.diff(pd_.class_start).astype(np.float64)
    ok = pd_.class_owner >= 0
    np.add.at(owned, (pd_.class_owner[ok], pd_.class_product[ok]), n_c[ok] * pd_.class_size[ok])
    share = owned[auto] / np.maximum(owned[auto].sum(axis=1, keepdims=True), 1.0)
    w = cs.z + 1e-3 * share
    for lv in range(pd_.auto_count.shape[1]):  # one transportation problem per capacity level
        at = np.flatnonzero(pd_.rep_level[auto] == lv)
        chosen[auto[at]] = _round_choice(w[at], pd_.auto_count[:, lv])
    return chosen, cs


def _settle_products(
    pd_: PoolData,
    cfg: PlanConfig,
    limit: float,
) -> tuple[PoolData, np.ndarray, float | None, ClassSolution]:
    """Fix the product of every auto rep: the rounded relaxed choice, or, when that split
    has no plan (a product no rep may carry where it is needed, or caps and locks that need
    another split), the choice MIP's. Returns the fixed pool, the choice, the bound the
    choice LPs prove, and the fixed pool's count LP (step 1 of ``_solve_one``)."""
    chosen, csz = _choose_products(pd_, cfg, limit)
    bound = csz.bound if csz is not None else None
    fixed: PoolData | None = None
    cs0: ClassSolution | None = None
    try:
        fixed = _fix_products(pd_, chosen, cfg)
        cs0 = _class_model(fixed, cfg, limit, count_only=True, integer=False)
    except InfeasiblePlanError:
        if csz is None:  # nothing was chosen: nothing else to try
            raise
    if csz is not None and (cs0 is None or cs0.status == "infeasible"):
        chosen, cse = _choose_products(pd_, cfg, limit, exact=True)
        fixed = _fix_products(pd_, chosen, cfg)
        cs0 = _class_model(fixed, cfg, limit, count_only=True, integer=False)
        if cse is not None:
            bound = max(bound if bound is not None else -INF, cse.bound)
    assert fixed is not None and cs0 is not None
    return fixed, chosen, bound, cs0


def _round_choice(w: np.ndarray, count: np.ndarray) -> np.ndarray:
    """The 0/1 choice (one product per rep, ``count[q]`` reps on product q) of largest weight.

    A transportation problem: its LP has integral vertices, so a simplex solve returns the
    integral optimum.
    """
    import highspy

    A, P = w.shape
    n = A * P
    rows = np.concatenate([np.repeat(np.arange(A), P), A + np.tile(np.arange(P), A)])
    cols = np.concatenate([np.arange(n), np.arange(n)])
    order = np.argsort(cols, kind="stable")
    start = np.searchsorted(cols[order], np.arange(n + 1)).astype(np.int32)
    rhs = np.concatenate([np.ones(A), count.astype(np.float64)])
    cost = -w.ravel()
    from ..solve import _quiet_stdout

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
        cost,
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
        # (cannot happen for a consistent count; a safe fallback all the same)
        pick = np.argmax(w, axis=1)
    return pick.astype(np.int64)


def _fix_products(pd_: PoolData, chosen: np.ndarray, cfg: PlanConfig) -> PoolData:
    """The pool with every rep's product fixed to ``chosen``: pairs of other products go,
    units locked to an auto rep that took their product stay with it only, and fair shares
    and bands become those of each rep's product (the exact model's, with ``z`` fixed)."""
    rp = np.asarray(chosen, dtype=np.int64)
    keep = pd_.class_product[pd_.pair_c] == rp[pd_.pair_r]
    la = pd_.class_lock_auto[pd_.pair_c]
    held = (la >= 0) & (rp[np.maximum(la, 0)] == pd_.class_product[pd_.pair_c])
    keep &= ~held | (pd_.pair_r == la)
    C = len(pd_.class_start) - 1
    has = np.bincount(pd_.pair_c[keep], minlength=C) > 0
    if not has.all():
        lost = sorted({pd_.products[int(q)] for q in pd_.class_product[~has].tolist()})
        raise InfeasiblePlanError(
            f"In {pd_.name} no rep carries {', '.join(lost)} once reps with product = auto are "
            "shared between products by demand; add a rep for it, or give some reps that "
            "product in the roster."
        )
    ar = np.arange(len(pd_.rep_ids))
    fair_t, fair_p = pd_.fair_tier_p[ar, rp], pd_.fair_pot_p[ar, rp]
    tau = cfg.balance.potential_band
    return dataclasses.replace(
        pd_,
        pair_c=pd_.pair_c[keep],
        pair_r=pd_.pair_r[keep],
        pair_cost=pd_.pair_cost[keep],
        rep_product=rp,
        fair_tier=fair_t,
        fair_potential=fair_p,
        tier_lo=pd_.tier_lo_p[ar, rp],
        tier_hi=pd_.tier_hi_p[ar, rp],
        pot_lo=(1 - tau) * fair_p,
        pot_hi=(1 + tau) * fair_p,
    )


def _choice_message(pd_: PoolData) -> str:
    auto = [pd_.rep_ids[r] for r in np.flatnonzero(pd_.rep_product < 0).tolist()]
    counts = ", ".join(f"{q}: {int(n)}" for q, n in zip(pd_.products, pd_.auto_count.sum(axis=1)))
    return (
        f"No plan for {pd_.name} keeps every hard rule: the {len(auto)} reps with product = auto "
        f"({', '.join(auto[:5])}{' ...' if len(auto) > 5 else ''}) are shared between products "
        f"by demand ({counts}), and no such split holds the locks, max_accounts, continuity "
        "caps and hard bands together. Give some of them their product in the roster, or "
        "relax those rules."
    )


def _mixed_owned(pd_: PoolData) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(class, local rep, accounts) for the discretionary owners of mixed-owner classes."""
    local = {int(g): i for i, g in enumerate(pd_.reps.tolist())}
    mc, mr, mn = [], [], []
    for c, ow in pd_.mixed_units.items():
        for g, n in zip(*np.unique(ow[ow >= 0], return_counts=True)):
            if int(g) in local:
                mc.append(c)
                mr.append(local[int(g)])
                mn.append(int(n))
    return (np.asarray(mc, dtype=np.int64), np.asarray(mr, dtype=np.int64), np.asarray(mn, dtype=np.float64))


def _add_cap_rows(
    pd_: PoolData,
    cfg: PlanConfig,
    add: Callable[..., None],
    K: int,
    qk: np.ndarray,
    varied: np.ndarray,
    lo_p: np.ndarray,
    count_only: bool,
    move_pot: np.ndarray | None,
    ps: float = 1.0,
) -> None:
    """Rows for ``continuity.max_moves_per_rep`` and ``continuity.max_potential_moved_share``.

    Definitions as in the exact model (``add_moves_per_rep``, ``add_potential_move_limit``):
    a move is discretionary when the account's owner is on the roster and still eligible for
    the unit (``class_owner >= 0``, or an eligible owner inside a mixed-owner family); forced
    moves are neither priced nor capped.

    - moves into rep r: ``sum_k pair_cost[k] * y[k]`` over the pairs of r <= cap;
    - moves out of rep o: its discretionary accounts minus those it keeps, i.e.
      ``sum_{classes owned by o} size * y[c, o] >= owned(o) - cap`` (pairs missing from a
      restricted model keep nothing, so the row stays exact for it);
    - potential moved: ``q[k]`` (or potential per unit x ``y[k]``) over the pairs that take a
      unit away from its owner, <= share x the pool's potential. In the count-only model the
      potential per unit is the class's smallest, so every full plan still projects onto it.

    Potentials (``lo_p``, ``move_pot``, the ``q`` columns) come in units of ``ps``; the
    potential row is written in those units too (coefficients near 1, not 1 / total).
    """
    c = cfg.continuity
    M = getattr(c, "max_moves_per_rep", None)
    share = getattr(c, "max_potential_moved_share", None)
    if M is None and share is None:
        return
    R = len(pd_.rep_ids)
    C = len(pd_.class_start) - 1
    kk = np.arange(K)
    n_c = np.diff(pd_.class_start).astype(np.float64)
    mixed = np.zeros(C, dtype=bool)
    mixed[list(pd_.mixed_units)] = True
    mc, mr, mn = _mixed_owned(pd_)
    if M is not None:
        gain = pd_.pair_cost > 0
        if gain.any():
            add(pd_.pair_r[gain], kk[gain], pd_.pair_cost[gain], np.full(R, -INF), np.full(R, float(M)))
        # keep coefficients: own pairs of uniform classes, and owners' pairs of mixed classes
        keep_coef = np.where(
            (pd_.pair_r == pd_.class_owner[pd_.pair_c]) & ~mixed[pd_.pair_c],
            pd_.class_size[pd_.pair_c].astype(np.float64),
            0.0,
        )
        if mc.size:
            lut = {(int(a), int(b)): float(n) for a, b, n in zip(mc, mr, mn)}
            for k in np.flatnonzero(mixed[pd_.pair_c]).tolist():
                keep_coef[k] = lut.get((int(pd_.pair_c[k]), int(pd_.pair_r[k])), 0.0)
        owned = np.zeros(R)
        uni = np.flatnonzero((pd_.class_owner >= 0) & ~mixed)
        np.add.at(owned, pd_.class_owner[uni], pd_.class_size[uni] * n_c[uni])
        np.add.at(owned, mr, mn)
        rows = np.flatnonzero(owned > 0)
        if rows.size:
            rowmap = np.full(R, -1)
            rowmap[rows] = np.arange(rows.size)
            nz = keep_coef > 0
            add(
                rowmap[pd_.pair_r[nz]], kk[nz], keep_coef[nz], owned[rows] - float(M), np.full(rows.size, INF)
            )
    total = float(pd_.unit_pot.sum())
    if share is not None and total > 0:
        own = pd_.class_owner[pd_.pair_c]
        away = (own >= 0) & (own != pd_.pair_r) & ~mixed[pd_.pair_c]
        per_unit = lo_p[pd_.pair_c] if move_pot is None or not count_only else move_pot
        qpos = np.full(K, -1)
        qpos[qk] = np.arange(len(qk))
        by_q = away & (qpos >= 0)
        by_y = away & (qpos < 0)
        ii = [np.zeros(int(by_q.sum()), dtype=np.int64), np.zeros(int(by_y.sum()), dtype=np.int64)]
        jj = [K + qpos[by_q], kk[by_y]]
        vv = [np.ones(int(by_q.sum())), per_unit[by_y]]
        for cc in pd_.mixed_units:
            ow = pd_.mixed_units[cc]
            local = pd_.reps.tolist()
            for k in np.flatnonzero(pd_.pair_c == cc).tolist():
                g = local[int(pd_.pair_r[k])]
                v = float(pd_.mixed_pot[cc][(ow >= 0) & (ow != g)].sum())
                if v > 0:
                    ii.append(np.zeros(1, dtype=np.int64))
                    jj.append(np.array([k]))
                    vv.append(np.array([v / ps]))
        add(
            np.concatenate(ii),
            np.concatenate(jj),
            np.concatenate(vv),
            np.array([-INF]),
            np.array([float(share) * total / ps]),
        )


def _eligible(pd_: PoolData) -> np.ndarray:
    """(classes, reps) bool: which reps may hold units of each class (the pool's pairs)."""
    elig = np.zeros((len(pd_.class_start) - 1, len(pd_.rep_ids)), dtype=bool)
    elig[pd_.pair_c, pd_.pair_r] = True
    return elig


def _counts_ok(pd_: PoolData, y: np.ndarray) -> bool:
    """Integral, non-negative counts that add up to every class's size."""
    if y.shape != pd_.pair_c.shape or (y < 0).any():
        return False
    tot = np.bincount(pd_.pair_c, weights=y, minlength=len(pd_.class_start) - 1)
    return bool(np.array_equal(tot, np.diff(pd_.class_start).astype(np.float64)))


def _lp_value(h: Any) -> float:
    import highspy

    if h.getModelStatus() != highspy.HighsModelStatus.kOptimal:
        return -INF
    return float(h.getInfo().objective_function_value)


# --------------------------------------------------------------------------- disaggregation


def _disaggregate(pd_: PoolData, cs: ClassSolution) -> np.ndarray:
    """Local rep per unit (in ``pd_.units`` order): windows of sorted potential per class."""
    U = len(pd_.units)
    out = np.full(U, -1, dtype=np.int64)
    sp = pd_.unit_pot
    pos = np.flatnonzero(cs.y > 0)
    pc, pr, py, pq = pd_.pair_c[pos], pd_.pair_r[pos], cs.y[pos], cs.q[pos]
    # group pairs by class
    cb = np.searchsorted(pc, np.arange(len(pd_.class_start)))
    single = np.diff(cb) == 1
    # classes with one receiver: all units to it, vectorised
    one = np.flatnonzero(single)
    if one.size:
        rep_of_class = np.full(len(pd_.class_start) - 1, -1, dtype=np.int64)
        rep_of_class[one] = pr[cb[one]]
        out = rep_of_class[pd_.unit_class]
    for c in np.flatnonzero(np.diff(cb) > 1).tolist():
        a, z = pd_.class_start[c], pd_.class_start[c + 1]
        idx = np.arange(a, z)
        js = np.arange(cb[c], cb[c + 1])
        # extreme targets first (small units to reps over band, big to reps under), then the
        # biggest receivers (the owner usually); ties by rep
        js = js[np.lexsort((pr[js], -py[js], ~np.isinf(pq[js])))]
        for j in js[:-1].tolist():
            k = int(py[j])
            vals = sp[idx]
            if pq[j] == -INF:
                i = 0
            elif pq[j] == INF:
                i = len(vals) - k
            else:
                pre = np.concatenate([[0.0], np.cumsum(vals)])
                sums = pre[k:] - pre[: len(vals) - k + 1]
                i = int(np.argmin(np.abs(sums - pq[j])))
            take = idx[i : i + k]
            out[take] = pr[j]
            idx = np.concatenate([idx[:i], idx[i + k :]])
        out[idx] = pr[js[-1]]
    return out


# --------------------------------------------------------------------------- local search


class _CapTrack:
    """Moves into and out of every rep and the potential moved, as the exact model counts them
    (``add_moves_per_rep``, ``add_potential_move_limit``), kept current by the repair steps so
    that none of them takes a step that would break ``continuity.max_moves_per_rep`` or
    ``continuity.max_potential_moved_share``."""

    def __init__(self, pd_: PoolData, rep_of_unit: np.ndarray, cfg: PlanConfig, units: Units):
        c = cfg.continuity
        self.M = getattr(c, "max_moves_per_rep", None)
        share = getattr(c, "max_potential_moved_share", None)
        total = float(pd_.unit_pot.sum())
        self.pot_limit = share * total + 1e-9 * max(total, 1.0) if share is not None and total > 0 else None
        self.active = self.M is not None or self.pot_limit is not None
        self.pd = pd_
        self.R = len(pd_.rep_ids)
        self.mixed = np.isin(pd_.unit_class, list(pd_.mixed_units))
        self.own = np.where(self.mixed, -1, pd_.class_owner[pd_.unit_class])
        self.size = units.size[pd_.units].astype(np.float64)
        self.pot = pd_.unit_pot
        if self.active:
            self.recount(rep_of_unit)

    def recount(self, rou: np.ndarray) -> None:
        own, R = self.own, self.R
        away = (own >= 0) & (rou != own)
        self.inn = np.bincount(rou[away], weights=self.size[away], minlength=R)
        self.out = np.bincount(own[away], weights=self.size[away], minlength=R)
        self.potmv = float(self.pot[away].sum())
        local = {int(g): i for i, g in enumerate(self.pd.reps.tolist())}
        for c, ow in self.pd.mixed_units.items():
            r = int(rou[self.pd.class_start[c]])
            g = int(self.pd.reps[r])
            mv = (ow >= 0) & (ow != g)
            self.inn[r] += mv.sum()
            for o in ow[mv].tolist():
                self.out[local[int(o)]] += 1
            self.potmv += float(self.pd.mixed_pot[c][mv].sum())

    def ok(self) -> bool:
        if not self.active:
            return True
        if self.M is not None and (self.inn.max(initial=0) > self.M or self.out.max(initial=0) > self.M):
            return False
        return self.pot_limit is None or self.potmv <= self.pot_limit

    def swap_ok(self, a: np.ndarray, r: Any, r2: Any, b: np.ndarray | None = None) -> np.ndarray:
        """Whether units ``a`` (at ``r``) may go to ``r2`` while units ``b`` (at ``r2``, or
        none) go to ``r``: no count that rises may end above its cap."""
        if not self.active:
            return np.ones(np.shape(a), dtype=bool)
        oa, sa, pa = self.own[a], self.size[a], self.pot[a]
        if b is None:
            ob, sb, pb = np.full(np.shape(a), -1), np.zeros(np.shape(a)), np.zeros(np.shape(a))
        else:
            ob, sb, pb = self.own[b], self.size[b], self.pot[b]
        ok = ~self.mixed[a] if b is None else ~self.mixed[a] & ~self.mixed[b]
        if self.M is not None:
            M = self.M
            din_r = sb * ((ob >= 0) & (ob != r)) - sa * ((oa >= 0) & (oa != r))
            din_r2 = sa * ((oa >= 0) & (oa != r2)) - sb * ((ob >= 0) & (ob != r2))
            dout_r = sa * (oa == r) - sb * (ob == r)
            dout_r2 = sb * (ob == r2) - sa * (oa == r2)
            ok &= (din_r <= 0) | (self.inn[r] + din_r <= M)
            ok &= (din_r2 <= 0) | (self.inn[r2] + din_r2 <= M)
            ok &= (dout_r <= 0) | (self.out[r] + dout_r <= M)
            ok &= (dout_r2 <= 0) | (self.out[r2] + dout_r2 <= M)
        if self.pot_limit is not None:
            dp = pa * (oa == r) - pa * (oa == r2) + pb * (ob == r2) - pb * (ob == r)
            ok &= (dp <= 0) | (self.potmv + dp <= self.pot_limit)
        return ok

    def move(self, u: int, r1: int, r2: int) -> None:
        o = int(self.own[u])
        if not self.active or o < 0 or r1 == r2:
            return
        s, p = self.size[u], float(self.pot[u])
        if r1 != o:
            self.inn[r1] -= s
            self.out[o] -= s
            self.potmv -= p
        if r2 != o:
            self.inn[r2] += s
            self.out[o] += s
            self.potmv += p


def _cap_message(pd_: PoolData, cfg: PlanConfig, units: Units) -> str:
    c = cfg.continuity
    caps = []
    if c.max_moves_per_rep is not None:
        caps.append(f"continuity.max_moves_per_rep = {c.max_moves_per_rep}")
    if c.max_potential_moved_share is not None:
        caps.append(f"continuity.max_potential_moved_share = {c.max_potential_moved_share:.1%}")
    lines = [
        f"No plan for {pd_.name} keeps every hard rule: {' and '.join(caps)} cannot hold "
        "together with the other hard rules (max_accounts, locks, hard bands)."
    ]
    if c.max_moves_per_rep is not None:
        own = np.where(np.isin(pd_.unit_class, list(pd_.mixed_units)), -1, pd_.class_owner[pd_.unit_class])
        held = np.bincount(own[own >= 0], weights=units.size[pd_.units][own >= 0], minlength=len(pd_.rep_ids))
        for r in np.flatnonzero(~np.isnan(pd_.max_accounts)).tolist():
            shed = held[r] - pd_.max_accounts[r]
            if shed > c.max_moves_per_rep:
                lines.append(
                    f"{pd_.rep_ids[r]} holds {held[r]:.0f} accounts today but may hold at "
                    f"most {pd_.max_accounts[r]:.0f} (max_accounts in the roster), so it "
                    f"must lose {shed:.0f}, above continuity.max_moves_per_rep = "
                    f"{c.max_moves_per_rep}."
                )
    lines.append("Raise the cap or relax those rules.")
    return " ".join(lines)


def _cap_repair(pd_: PoolData, rep_of_unit: np.ndarray, cfg: PlanConfig, units: Units) -> int:
    """Give moved units back to their owners (largest potential first) until every per-rep
    and potential-move cap holds; each return lowers every count, so nothing else breaks.
    Raises ``InfeasiblePlanError`` when the caps cannot be met that way."""
    tr = _CapTrack(pd_, rep_of_unit, cfg, units)
    if tr.ok():
        return 0
    R = len(pd_.rep_ids)
    acc = np.bincount(rep_of_unit, weights=tr.size, minlength=R)
    cap_acc = np.where(np.isnan(pd_.max_accounts), INF, pd_.max_accounts)
    cand = np.flatnonzero((tr.own >= 0) & (rep_of_unit != tr.own) & ~units.locked[pd_.units])
    cand = cand[_eligible(pd_)[pd_.unit_class[cand], tr.own[cand]]]  # (an auto rep may have left the product)
    cand = cand[np.argsort(-tr.pot[cand], kind="stable")]
    done = 0
    for u in cand.tolist():
        if tr.ok():
            break
        r, o = int(rep_of_unit[u]), int(tr.own[u])
        hit = tr.pot_limit is not None and tr.potmv > tr.pot_limit
        hit |= tr.M is not None and (tr.inn[r] > tr.M or tr.out[o] > tr.M)
        if not hit or acc[o] + tr.size[u] > cap_acc[o]:
            continue
        rep_of_unit[u] = o
        tr.move(u, r, o)
        acc[r] -= tr.size[u]
        acc[o] += tr.size[u]
        done += 1
    if not tr.ok():
        raise InfeasiblePlanError(_cap_message(pd_, cfg, units))
    return done


def _objective_parts(
    pd_: PoolData, rep_of_unit: np.ndarray, cfg: PlanConfig, units: Units
) -> tuple[float, np.ndarray, np.ndarray, float]:
    """(objective, tier counts (R,3), potential (R,), discretionary moves) on the units."""
    R = len(pd_.rep_ids)
    comp = units.comp[pd_.units]
    counts = np.zeros((R, 3))
    for t in range(3):
        counts[:, t] = np.bincount(rep_of_unit, weights=comp[:, t], minlength=R)
    pot = np.bincount(rep_of_unit, weights=pd_.unit_pot, minlength=R)
    moves = _unit_moves(pd_, rep_of_unit, units)
    return _objective(pd_, counts, pot, moves, cfg), counts, pot, moves


def _unit_moves(pd_: PoolData, rep_of_unit: np.ndarray, units: Units) -> float:
    cls = pd_.unit_class
    own = pd_.class_owner[cls]
    gown = units.owner[pd_.units]
    size = units.size[pd_.units]
    mv = np.where((gown >= 0) & (own >= 0) & (own != rep_of_unit), size, 0).sum()
    for c, ow in pd_.mixed_units.items():
        u = np.flatnonzero(cls == c)
        for uu in u.tolist():
            mv += int(((ow >= 0) & (ow != pd_.reps[rep_of_unit[uu]])).sum())
    return float(mv)


def _objective(pd_: PoolData, counts: np.ndarray, pot: np.ndarray, moves: float, cfg: PlanConfig) -> float:
    b = cfg.balance
    tier_slack = (np.maximum(pd_.tier_lo - counts, 0) + np.maximum(counts - pd_.tier_hi, 0)).sum()
    fair = pd_.fair_potential
    ok = fair > 0
    pslack = (np.maximum(pd_.pot_lo[ok] - pot[ok], 0) + np.maximum(pot[ok] - pd_.pot_hi[ok], 0)) / fair[ok]
    aslack = 0.0
    if b.account_band is not None:  # as in _class_model / add_account_balance
        alo, ahi = tier_band(pd_.fair_tier.sum(axis=1), b.account_band, 1.0)
        n_acc = counts.sum(axis=1)
        aslack = float((np.maximum(alo - n_acc, 0) + np.maximum(n_acc - ahi, 0)).sum())
    wslack = 0.0
    if b.workload_band is not None:
        w = np.asarray(b.workload_weights[:3], dtype=np.float64)
        fair_w = pd_.fair_tier @ w
        okw = fair_w > 0
        share = (counts @ w)[okw] / fair_w[okw]
        wslack = float(
            (np.maximum(1 - b.workload_band - share, 0) + np.maximum(share - 1 - b.workload_band, 0)).sum()
        )
    return float(
        cfg.continuity.move_cost * moves
        + b.tier_penalty * tier_slack
        + b.potential_penalty * pslack.sum()
        + 100.0 * b.tier_penalty * wslack
        + b.tier_penalty * aslack
    )


def _tier_repair(
    pd_: PoolData, rep_of_unit: np.ndarray, cfg: PlanConfig, units: Units, max_rounds: int = 1000
) -> int:
    """Move single accounts of a tier from reps above their band to reps below it (or with
    room), cheapest in moves first; each such move removes penalised band slack."""
    if cfg.balance.tier_penalty <= cfg.continuity.move_cost:
        return 0
    capped = cfg.continuity.max_moved_share is not None
    tr = _CapTrack(pd_, rep_of_unit, cfg, units)
    R = len(pd_.rep_ids)
    comp = units.comp[pd_.units]
    single = (units.size[pd_.units] == 1) & ~np.isin(pd_.unit_class, list(pd_.mixed_units))
    single &= ~units.locked[pd_.units]
    own = np.where(pd_.class_owner[pd_.unit_class] >= 0, pd_.class_owner[pd_.unit_class], -5)
    counts = np.zeros((R, 3), dtype=np.int64)
    for t in range(3):
        counts[:, t] = np.bincount(rep_of_unit, weights=comp[:, t], minlength=R).astype(np.int64)
    elig: dict[int, set[int]] = {}  # class -> set of eligible local reps
    for c, r in zip(pd_.pair_c.tolist(), pd_.pair_r.tolist()):
        elig.setdefault(c, set()).add(r)
    done = 0
    for _ in range(max_rounds):
        over = counts - pd_.tier_hi
        under = pd_.tier_lo - counts
        worst = np.maximum(over, under)
        flat = int(np.argmax(worst))
        r, t = flat // 3, flat % 3
        if worst[r, t] <= 0:
            break
        if over[r, t] > 0:
            givers, takers = np.array([r]), np.flatnonzero(counts[:, t] < pd_.tier_hi[:, t])
        else:
            givers, takers = np.flatnonzero(counts[:, t] > pd_.tier_lo[:, t]), np.array([r])
        cand = np.flatnonzero(single & (comp[:, t] == 1) & np.isin(rep_of_unit, givers))
        best = None
        cur = rep_of_unit[cand]
        o = own[cand]
        for r2 in takers.tolist():
            ok = (cur != r2) & np.array(
                [r2 in elig.get(int(c), ()) for c in pd_.unit_class[cand].tolist()], dtype=bool
            )
            if not ok.any():
                continue
            dm = ((o != -5) & (o != r2)).astype(int) - ((o != -5) & (o != cur)).astype(int)
            dm = np.where(ok, dm, 99)
            if capped:
                dm = np.where(dm > 0, 99, dm)
            if tr.active:
                dm = np.where(tr.swap_ok(cand, cur, r2), dm, 99)
            i = int(np.argmin(dm))
            key = (int(dm[i]), -int(counts[r2, t] < pd_.tier_lo[r2, t]), r2)
            if best is None or key < best[0]:
                best = (key, int(cand[i]), r2)
        if best is None or best[0][0] >= 99:
            break
        _, u, r2 = best
        counts[rep_of_unit[u], t] -= 1
        counts[r2, t] += 1
        tr.move(u, int(rep_of_unit[u]), r2)
        rep_of_unit[u] = r2
        done += 1
    return done


def _move_polish(
    pd_: PoolData, rep_of_unit: np.ndarray, cfg: PlanConfig, units: Units, passes: int = 3
) -> int:
    """Take moves back where the bands allow: a moved unit returns to its owner, alone when
    the tier and potential bands of both reps allow it, or in exchange for a unit of the same
    tier composition that the owner received from someone else (one or two moves fewer)."""
    R = len(pd_.rep_ids)
    sp = pd_.unit_pot
    comp = units.comp[pd_.units]
    gown = units.owner[pd_.units]
    own = np.where(gown >= 0, pd_.class_owner[pd_.unit_class], -1)
    own[np.isin(pd_.unit_class, list(pd_.mixed_units))] = -1
    own[units.locked[pd_.units]] = -1
    # Returns and same-composition exchanges never add a move, nor move potential away from an
    # owner; only exchanges of mixed-owner families could, and they are skipped under caps.
    c = cfg.continuity
    capped = c.max_moves_per_rep is not None or c.max_potential_moved_share is not None
    mixed_set = set(np.flatnonzero(np.isin(pd_.unit_class, list(pd_.mixed_units))).tolist())
    ckey = comp @ np.array([1_000_003**2, 1_000_003, 1])
    elig: dict[int, set[int]] = {}
    for c, r in zip(pd_.pair_c.tolist(), pd_.pair_r.tolist()):
        elig.setdefault(c, set()).add(r)
    counts = np.zeros((R, 3), dtype=np.int64)
    for t in range(3):
        counts[:, t] = np.bincount(rep_of_unit, weights=comp[:, t], minlength=R).astype(np.int64)
    pot = np.bincount(rep_of_unit, weights=sp, minlength=R)
    lo, hi, plo, phi = pd_.tier_lo, pd_.tier_hi, pd_.pot_lo, pd_.pot_hi
    fair = pd_.fair_potential
    plo_ok = np.where(fair > 0, plo, -INF)
    phi_ok = np.where(fair > 0, phi, INF)
    wb = cfg.balance.workload_band
    wts = np.asarray(cfg.balance.workload_weights[:3], dtype=np.float64)
    fair_w = pd_.fair_tier @ wts

    def work_ok(r: int, c: np.ndarray) -> bool:
        """A return keeps the rep's workload in its band (when there is one)."""
        return wb is None or fair_w[r] <= 0 or abs(float(c @ wts) / fair_w[r] - 1) <= wb + 1e-9

    done = 0
    for _ in range(passes):
        changed = 0
        moved = np.flatnonzero((own >= 0) & (rep_of_unit != own))
        if not moved.size:
            break
        # units each rep received from someone else, by tier composition, sorted by potential
        recv = np.flatnonzero(rep_of_unit != own)
        order = np.lexsort((sp[recv], ckey[recv], rep_of_unit[recv]))
        recv = recv[order]
        groups: dict[tuple[int, int], np.ndarray] = {}
        if recv.size:
            k1, k2 = rep_of_unit[recv], ckey[recv]
            cut = np.flatnonzero((k1[1:] != k1[:-1]) | (k2[1:] != k2[:-1])) + 1
            for seg in np.split(recv, cut):
                groups[(int(rep_of_unit[seg[0]]), int(ckey[seg[0]]))] = seg
        for u in moved.tolist():
            r, o = int(rep_of_unit[u]), int(own[u])
            if r == o or o not in elig.get(int(pd_.unit_class[u]), ()):
                continue
            cu, pu = comp[u], sp[u]
            if (
                ((counts[r] - cu >= lo[r]) | (cu == 0)).all()
                and ((counts[o] + cu <= hi[o]) | (cu == 0)).all()
                and pot[r] - pu >= plo_ok[r]
                and pot[o] + pu <= phi_ok[o]
                and work_ok(r, counts[r] - cu)
                and work_ok(o, counts[o] + cu)
            ):
                rep_of_unit[u] = o
                counts[r] -= cu
                counts[o] += cu
                pot[r] -= pu
                pot[o] += pu
                changed += 1
                continue
            cand = groups.get((o, int(ckey[u])))
            if cand is None or not cand.size:
                continue
            j = int(np.searchsorted(sp[cand], pu))
            for w in cand[max(j - 3, 0) : j + 3].tolist():
                if rep_of_unit[w] != o or own[w] == o or w == u:
                    continue
                if capped and w in mixed_set:  # moving a mixed family could add moves
                    continue
                if r not in elig.get(int(pd_.unit_class[w]), ()):
                    continue
                d = pu - sp[w]  # potential r loses, o gains
                if (
                    pot[r] - d < plo_ok[r]
                    or pot[r] - d > phi_ok[r]
                    or pot[o] + d > phi_ok[o]
                    or pot[o] + d < plo_ok[o]
                ):
                    continue
                rep_of_unit[u], rep_of_unit[w] = o, r
                pot[r] -= d
                pot[o] += d
                changed += 1
                break
        done += changed
        if not changed:
            break
    return done


def _local_search(
    pd_: PoolData, rep_of_unit: np.ndarray, cfg: PlanConfig, units: Units, max_rounds: int = 2000
) -> int:
    """Swaps of two units of the same tier composition between two reps, to bring every rep's
    potential into its band at the least cost in moves.

    Two units of the same class are interchangeable for moves and tier counts, so such a
    swap costs nothing; a swap across classes may cost (or save) moves and is taken only when
    the potential penalty it removes is worth more than the moves it adds.
    """
    R = len(pd_.rep_ids)
    sp = pd_.unit_pot
    cls = pd_.unit_class
    b = cfg.balance
    mc = cfg.continuity.move_cost
    comp_key = units.comp[pd_.units] @ np.array([1_000_003**2, 1_000_003, 1])
    own = np.where(pd_.class_owner[cls] >= 0, pd_.class_owner[cls], -5)  # local owner, -5 none
    own[np.isin(cls, list(pd_.mixed_units))] = -9  # mixed-owner families are left alone
    size = units.size[pd_.units].astype(np.float64)
    movable = own != -9
    pot = np.bincount(rep_of_unit, weights=sp, minlength=R)
    fair = pd_.fair_potential
    inv = np.where(fair > 0, 1.0 / np.where(fair > 0, fair, 1.0), 0.0)
    margin = 0.002 * fair
    lo_t, hi_t = pd_.pot_lo, pd_.pot_hi

    def pen(r: Any, p: Any) -> Any:
        return b.potential_penalty * (np.maximum(lo_t[r] - p, 0) + np.maximum(p - hi_t[r], 0)) * inv[r]

    def mcost(u: np.ndarray, r: Any) -> np.ndarray:
        return np.where((own[u] != -5) & (own[u] != r), size[u], 0.0)

    capped = cfg.continuity.max_moved_share is not None
    tr = _CapTrack(pd_, rep_of_unit, cfg, units)
    elig_mat = _eligible(pd_)
    swaps = 0
    stuck = np.zeros(R, dtype=bool)
    span = float(sp.max() - sp.min() + 1.0) * 4 if sp.size else 1.0
    for _ in range(max_rounds):
        viol = np.maximum(pot - hi_t, lo_t - pot) * inv
        viol[(fair <= 0) | stuck] = -1
        r = int(np.argmax(viol))
        if viol[r] <= 1e-12:
            break
        down = pot[r] > hi_t[r]
        want_r = (pot[r] - (hi_t[r] - margin[r])) if down else ((lo_t[r] + margin[r]) - pot[r])
        mine = np.flatnonzero((rep_of_unit == r) & movable)
        room = ((hi_t - margin) - pot) if down else (pot - (lo_t + margin))
        room[r] = -INF
        # only reps that may hold some of r's classes can swap with it (with product ICPs,
        # reps of the other product never can)
        room[~elig_mat[np.unique(cls[mine])].any(axis=0)] = -INF
        sign = 1.0 if down else -1.0
        best = None  # (gain, a, b, r2)
        for r2 in np.argsort(-room, kind="stable")[:6].tolist():
            if room[r2] <= 0:
                break
            want = min(want_r, room[r2])
            theirs = np.flatnonzero((rep_of_unit == r2) & movable)
            if not theirs.size or not mine.size:
                continue
            for key_a, key_b in ((cls[mine], cls[theirs]), (comp_key[mine], comp_key[theirs])):
                bo = np.lexsort((sp[theirs], key_b))
                bu = theirs[bo]
                bk = key_b[bo] * span + sp[bu]
                ak = key_a * span + sp[mine] - sign * want
                j0 = np.searchsorted(bk, ak)
                for dj in (-1, 0):
                    j = np.clip(j0 + dj, 0, len(bu) - 1)
                    bb = bu[j]
                    same = key_b[bo][j] == key_a
                    d = sp[mine] - sp[bb]  # potential leaving r
                    dm = (mcost(mine, r2) + mcost(bb, r) - mcost(mine, r) - mcost(bb, r2)) * mc
                    if capped:  # a move cap is a hard rule: only swaps that add no move
                        dm = np.where(dm > 0, INF, dm)
                    gain = pen(r, pot[r]) + pen(r2, pot[r2]) - pen(r, pot[r] - d) - pen(r2, pot[r2] + d) - dm
                    ok = same & elig_mat[cls[mine], r2] & elig_mat[cls[bb], r]
                    if tr.active:
                        ok &= tr.swap_ok(mine, r, r2, bb)
                    gain = np.where(ok, gain, -INF)
                    i = int(np.argmax(gain))
                    if gain[i] > 1e-9 and (best is None or gain[i] > best[0]):
                        best = (float(gain[i]), int(mine[i]), int(bb[i]), r2)
            if best is not None and best[0] >= pen(r, pot[r]) - 1e-9:
                break
        if best is None:
            stuck[r] = True
            continue
        _, a, bb, r2 = best
        tr.move(a, r, r2)
        tr.move(bb, r2, r)
        rep_of_unit[a], rep_of_unit[bb] = r2, r
        delta = sp[a] - sp[bb]
        pot[r] -= delta
        pot[r2] += delta
        swaps += 1
    return swaps


# --------------------------------------------------------------------------- per pool, in parallel


_STATE: dict[str, Any] = {}

# With a cap on potential moved: pools up to this many (class, rep) pairs also solve the
# potential-aware LP over every pair, for a bound that sees the potential bands.
POTENTIAL_BOUND_MAX_PAIRS = 30_000


def _solve_one(p: int) -> tuple[np.ndarray, SolveReport, dict[str, float], np.ndarray | None]:
    pools: list[PoolData] = _STATE["pools"]
    units: Units = _STATE["units"]
    cfg: PlanConfig = _STATE["cfg"]
    pd_ = pools[p]
    t0 = time.perf_counter()
    if len(pd_.pair_c) == 0:
        return np.zeros(0, dtype=np.int64), SolveReport("highs", "optimal", 0.0, 0.0, 0.0), {}, None
    limit = float(cfg.solver.time_limit)
    # 0. Product ICPs with product = auto: choose every such rep's product on the count LP
    #    with the choice relaxed (its value is the bound), then plan with the choice fixed.
    chosen: np.ndarray | None = None
    choice_bound: float | None = None
    cs0: ClassSolution | None = None
    if (pd_.rep_product < 0).any():
        pd_, chosen, choice_bound, cs0 = _settle_products(pd_, cfg, limit)
    t_choice = time.perf_counter() - t0
    # 1. The bound: count-only class LP over every eligible pair (a relaxation of the full model).
    if cs0 is None:
        cs0 = _class_model(pd_, cfg, limit, count_only=True, integer=False)
    cc = cfg.continuity
    if cs0.status == "infeasible" and chosen is not None and choice_bound is not None:
        raise InfeasiblePlanError(_choice_message(pools[p]))
    if cs0.status == "infeasible" and (
        cc.max_moves_per_rep is not None or cc.max_potential_moved_share is not None
    ):
        raise InfeasiblePlanError(_cap_message(pd_, cfg, units))
    # 2. The plan: the potential-aware class model over the pairs that can matter: today's
    #    owners, the count LP's choice and the pairs tied with it (reduced cost ~ 0).
    #    With a cap on the potential moved, balance and continuity compete for potential,
    #    which the count LP does not see, so its bound ignores the potential bands (L, 5 %
    #    cap: gaps of 13-82 %). Then the potential-aware LP also runs over every pair: it is
    #    a relaxation of the full model too (the envelope rows hold for every whole plan), so
    #    its value is a bound, and its flows give a second plan; the better plan is kept.
    #    Simplex, not interior point, for it: 0.7-3.4 s against 2.7-10 s per pool at L. It
    #    grows fast with the pool (XL: 12 s at 37k pairs, over 60 s at 84k), so larger pools
    #    keep the count bound, and the LP gets at most a third of the time limit and 100,000
    #    simplex iterations.
    cuts = int(os.environ.get("TERRITORY_AGG_CUTS", "1"))
    plans = []
    if cc.max_potential_moved_share is not None and len(pd_.pair_c) <= POTENTIAL_BOUND_MAX_PAIRS:
        left = max(limit - (time.perf_counter() - t0), 1.0)
        # An iteration cap, not only a time cap, so whether the bound and second plan count
        # does not depend on how busy the machine is (measured: 2,000-5,000 iterations).
        full = _class_model(
            pd_, cfg, left / 3, max_cuts=cuts, integer=False, lp_solver="simplex", iteration_limit=100_000
        )
        if full.status != "infeasible" and full.qv is not None and _counts_ok_lp(pd_, full.y):
            cs0 = dataclasses.replace(cs0, bound=max(cs0.bound, full.bound))
            plans.append(
                _finish_pool(pd_, pd_, full, cs0, cfg, units, t0, limit, chosen, choice_bound, t_choice)
            )
    theta = float(os.environ.get("TERRITORY_AGG_THETA", "1e-6"))
    base = (pd_.pair_r == pd_.class_owner[pd_.pair_c]) | (cs0.y > 1e-9)
    tied = (cs0.q <= theta) & ~base
    # At most ``per_class`` tied pairs per class, to the reps the count plan leaves poorest.
    per_class = int(os.environ.get("TERRITORY_AGG_TIED", "3"))
    R = len(pd_.rep_ids)
    fair = np.where(pd_.fair_potential > 0, pd_.fair_potential, 1.0)
    mean0 = np.add.reduceat(pd_.unit_pot, pd_.class_start[:-1]) / np.diff(pd_.class_start)
    est = np.bincount(pd_.pair_r, weights=cs0.y * mean0[pd_.pair_c], minlength=R) / fair
    ti = np.flatnonzero(tied)
    o = np.lexsort((pd_.pair_r[ti], est[pd_.pair_r[ti]], pd_.pair_c[ti]))
    ti = ti[o]
    first = np.searchsorted(pd_.pair_c[ti], pd_.pair_c[ti], side="left")
    rank = np.arange(ti.size) - first
    keep = base.copy()
    keep[ti[rank < per_class]] = True
    sub = dataclasses.replace(
        pd_, pair_c=pd_.pair_c[keep], pair_r=pd_.pair_r[keep], pair_cost=pd_.pair_cost[keep]
    )
    left = max(limit - (time.perf_counter() - t0), 1.0)
    lp = _class_model(sub, cfg, min(left, 20.0), max_cuts=cuts, integer=False)
    plans.append(_finish_pool(pd_, sub, lp, cs0, cfg, units, t0, limit, chosen, choice_bound, t_choice))
    return min(plans, key=lambda pl: float(pl[1].objective or 0.0))  # (first on a tie)


def _counts_ok_lp(pd_: PoolData, y: np.ndarray) -> bool:
    """LP counts that add up to every class's size (a solve that did not stop early)."""
    tot = np.bincount(pd_.pair_c, weights=y, minlength=len(pd_.class_start) - 1)
    return bool(np.allclose(tot, np.diff(pd_.class_start), atol=1e-6))


def _finish_pool(
    pd_: PoolData,
    sub: PoolData,
    lp: ClassSolution,
    cs0: ClassSolution,
    cfg: PlanConfig,
    units: Units,
    t0: float,
    limit: float,
    chosen: np.ndarray | None,
    choice_bound: float | None,
    t_choice: float,
) -> tuple[np.ndarray, SolveReport, dict[str, float], np.ndarray | None]:
    """Steps 3-5 of ``_solve_one``: round the potential-aware LP over ``sub``'s pairs,
    disaggregate, repair and polish; evaluate the plan against the bound."""
    left = max(limit - (time.perf_counter() - t0), 1.0)
    # 3. Round: the count model with every count boxed in [floor, ceil] of the potential-aware
    #    LP is still totally unimodular, so its LP vertex is integral and stays within one
    #    unit of the LP's flows on every pair (no branching needed).
    #    (Cap rows for moves per rep or potential moved can break that; a MIP then settles it.)
    assert lp.qv is not None
    ratio = np.divide(lp.qv, lp.y, out=np.zeros_like(lp.qv), where=lp.y > 1e-9)
    mean_s = (np.add.reduceat(sub.unit_pot, sub.class_start[:-1]) / np.diff(sub.class_start))[sub.pair_c]
    per_unit = np.where(lp.y > 1e-9, ratio, mean_s)
    box = (np.floor(lp.y + 1e-7), np.ceil(lp.y - 1e-7))
    rnd = _class_model(
        sub, cfg, left, count_only=True, integer=False, y_bounds=box, move_pot=per_unit, elastic_pot_cap=True
    )
    y = np.round(rnd.y).astype(np.int64)
    if np.abs(rnd.y - y).max(initial=0) > 1e-6:  # not a vertex: settle it with a MIP
        y = _class_model(
            sub,
            cfg,
            left,
            count_only=True,
            integer=True,
            y_bounds=box,
            move_pot=per_unit,
            elastic_pot_cap=True,
        ).y
    q = y * per_unit
    cs = ClassSolution(
        y, q, cs0.bound, lp.lp_seconds + rnd.lp_seconds, 0.0, lp.cut_rounds, "lp + tu rounding"
    )
    if not _counts_ok(sub, y):  # a solve stopped early: fall back on the count LP's vertex
        y = np.round(cs0.y).astype(np.int64)
        if not _counts_ok(pd_, y):
            y = _class_model(pd_, cfg, limit, count_only=True, integer=True).y
        mean = np.add.reduceat(pd_.unit_pot, pd_.class_start[:-1]) / np.diff(pd_.class_start)
        cs = ClassSolution(y, y * mean[pd_.pair_c], cs0.bound, cs0.lp_seconds, 0.0, 0, "count vertex")
        sub = pd_
    cs.bound = cs0.bound if choice_bound is None else choice_bound
    t1 = time.perf_counter()
    rep_of_unit = _disaggregate(sub, cs)
    t2 = time.perf_counter()
    # Rounding and windows may overshoot the potential-move cap: give units back first, so
    # the steps after it (each of which keeps the caps) start from a plan that holds them.
    fixes = _cap_repair(pd_, rep_of_unit, cfg, units)
    fixes += _tier_repair(pd_, rep_of_unit, cfg, units)
    swaps = _local_search(pd_, rep_of_unit, cfg, units) + fixes
    swaps += _move_polish(pd_, rep_of_unit, cfg, units)
    swaps += _cap_repair(pd_, rep_of_unit, cfg, units)  # a safety net: nothing to do normally
    t3 = time.perf_counter()
    obj, _, _, moves = _objective_parts(pd_, rep_of_unit, cfg, units)
    bound = min(cs.bound, obj)
    gap = (obj - bound) / max(abs(obj), 1e-9)
    status = "optimal" if gap <= cfg.solver.gap + 1e-12 else "feasible"
    log = (
        f"aggregate: {len(pd_.class_start) - 1} classes, {len(pd_.pair_c)} pairs "
        f"({len(sub.pair_c)} in the plan model), "
        f"{cs.cut_rounds} cut rounds, class MIP {cs.status}, {swaps} swaps, {moves:.0f} moves"
    )
    rep = SolveReport("highs", status, obj, bound, t3 - t0, log)
    stats = {
        "choice": t_choice,
        "bound_lp": cs0.lp_seconds,
        "class_lp": cs.lp_seconds,
        "class_mip": cs.mip_seconds,
        "disaggregate": t2 - t1,
        "local_search": t3 - t2,
    }
    return rep_of_unit, rep, stats, chosen


def solve_aggregate(
    accounts: pd.DataFrame,
    reps: pd.DataFrame,
    cfg: PlanConfig,
    *,
    progress: Progress = no_progress,
    workers: int | None = None,
    units: Units | None = None,
) -> SolvedPools:
    """The aggregated method for every pool; pools run in parallel processes when worthwhile."""
    if units is None:
        units = build_units(accounts, reps, cfg)
    pools = build_pool_data(accounts, reps, cfg, units)
    out = SolvedPools.empty(len(accounts), len(reps))
    out.method = "aggregate"
    _STATE.update(pools=pools, units=units, cfg=cfg)
    n_workers = workers if workers is not None else getattr(cfg.solver, "workers", 0)
    if not n_workers:
        n_workers = os.cpu_count() or 1
    big = [p for p, x in enumerate(pools) if len(x.pair_c) >= 2_000]
    results: dict[int, tuple[np.ndarray, SolveReport, dict[str, float], np.ndarray | None]] = {}
    progress(SOLVE, 0, len(pools))
    try:
        if n_workers > 1 and len(big) > 1 and "fork" in mp.get_all_start_methods():
            # Largest pools first so the tail is short; results are keyed by pool, so the
            # outcome does not depend on the number of workers or on completion order.
            todo = sorted(range(len(pools)), key=lambda p: -len(pools[p].pair_c))
            with ProcessPoolExecutor(
                max_workers=min(n_workers, len(todo)), mp_context=mp.get_context("fork")
            ) as ex:
                for p, res in zip(todo, ex.map(_solve_one, todo)):
                    results[p] = res
                    progress(SOLVE, len(results), len(pools))
        else:
            for p in range(len(pools)):
                results[p] = _solve_one(p)
                progress(SOLVE, p + 1, len(pools))
    finally:
        _STATE.clear()
    owner_of_unit = np.full(units.n_units, -1, dtype=np.int64)
    for p, pd_ in enumerate(pools):
        rep_of_unit, report, _stats, chosen = results[p]
        gidx = pd_.reps
        if chosen is not None:
            pd_ = _fix_products(pd_, chosen, cfg)
        if "product" in accounts.columns:
            if out.rep_product is None:
                out.rep_product = np.full(len(reps), "", dtype=object)
            out.rep_product[gidx] = [pd_.products[q] for q in np.maximum(pd_.rep_product, 0).tolist()]
        owner_of_unit[pd_.units] = gidx[rep_of_unit]
        out.fair_tier[gidx] = pd_.fair_tier
        out.fair_potential[gidx] = pd_.fair_potential
        out.tier_lo[gidx] = pd_.tier_lo
        out.tier_hi[gidx] = pd_.tier_hi
        out.pot_lo[gidx] = pd_.pot_lo
        out.pot_hi[gidx] = pd_.pot_hi
        out.pool_of_rep[gidx] = pd_.name
        out.pools.append(PoolResult(pd_.name, pd_.rep_ids, report, pd_.n_accounts, len(pd_.units)))
    out.owner = owner_of_unit[units.acc_unit]
    return out
