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
    fair_tier: np.ndarray  # (R, 3)
    fair_potential: np.ndarray  # (R,)
    tier_lo: np.ndarray  # (R, 3) ints
    tier_hi: np.ndarray
    pot_lo: np.ndarray
    pot_hi: np.ndarray
    account_index: list[np.ndarray] = field(default_factory=list)  # rows of accounts per unit

    @property
    def n_units(self) -> int:
        return len(self.unit_ids)

    @property
    def n_reps(self) -> int:
        return len(self.rep_ids)

    def __repr__(self) -> str:
        return (f"<PoolProblem {self.name!r} [{int(self.unit_size.sum()):,} accounts in "
                f"{self.n_units:,} units, {self.n_reps} reps, {len(self.pair_u):,} pairs]>")


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


def build_pools(accounts: pd.DataFrame, reps: pd.DataFrame, cfg: PlanConfig,
                keys: np.ndarray | None = None,
                cover_sets: list[frozenset[str] | None] | None = None) -> list[PoolProblem]:
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
        cover_sets = rep_cover(reps, cfg)
    rep_ids = reps["rep_id"].tolist()
    rep_pos = {r: i for i, r in enumerate(rep_ids)}
    n_reps = len(rep_ids)
    all_cover = np.array([c is None for c in cover_sets], dtype=bool)
    cover: dict[str, list[int]] = {}
    for i, cs in enumerate(cover_sets):
        for k in sorted(cs or ()):
            cover.setdefault(k, []).append(i)

    unit_key = accounts["family_id"] if cfg.families.mode == "together" else accounts["account_id"]
    codes, uniques = pd.factorize(unit_key, sort=True)
    n_units = len(uniques)
    order = np.argsort(codes, kind="stable")
    bounds = np.searchsorted(codes[order], np.arange(n_units + 1))

    tiers = accounts["tier"].to_numpy(dtype=np.int64)
    potential = accounts["potential"].to_numpy(dtype=np.float64)
    owner_pos = accounts["owner_id"].map(rep_pos).fillna(-1).to_numpy(dtype=np.int64)
    locked = accounts["locked"].to_numpy(dtype=bool) & (owner_pos >= 0)
    region_keys = np.asarray(keys, dtype=object)

    # Eligible rep set per unit: reps covering every member's region; locked units: the owner.
    signature_of_unit: list[tuple[int, ...]] = []
    sig_cache: dict[frozenset[str], tuple[int, ...]] = {}
    all_idx = set(np.flatnonzero(all_cover).tolist())
    for u in range(n_units):
        rows = order[bounds[u]:bounds[u + 1]]
        lk = locked[rows]
        if lk.any():
            signature_of_unit.append((int(owner_pos[rows[lk][0]]),))
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
        acc_index: list[np.ndarray] = []
        pu: list[int] = []
        pr: list[int] = []
        pc: list[int] = []
        for j, u in enumerate(units):
            rows = order[bounds[u]:bounds[u + 1]]
            acc_index.append(rows)
            for t in TIERS:
                unit_tiers[j, t - 1] = int((tiers[rows] == t).sum())
            unit_pot[j] = float(potential[rows].sum())
            unit_size[j] = len(rows)
            unit_locked[j] = bool(locked[rows].any())
            owners = owner_pos[rows]
            unit_forced[j] = int((owners < 0).sum())
            for r in signature_of_unit[u]:
                pu.append(j)
                pr.append(local[r])
                pc.append(int((owners != r).sum()))
        cap = capacity_all[comp_reps]
        C = cap.sum()
        N_t = unit_tiers.sum(axis=0).astype(np.float64)
        P = unit_pot.sum()
        fair_tier = np.outer(cap / C, N_t) if C > 0 else np.zeros((R, 3))
        fair_pot = cap / C * P if C > 0 else np.zeros(R)
        lo, hi = tier_band(fair_tier, cfg.balance.tier_band, cfg.balance.tier_band_min_accounts)
        tau = cfg.balance.potential_band
        covered = sorted({region_names[r] or "all regions" for r in comp_reps})
        name = " + ".join(covered) if len(covered) <= 3 else f"{covered[0]} + {len(covered) - 1} more"
        pools.append(PoolProblem(
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
            pair_u=np.asarray(pu, dtype=np.int64),
            pair_r=np.asarray(pr, dtype=np.int64),
            pair_cost=np.asarray(pc, dtype=np.int64),
            fair_tier=fair_tier,
            fair_potential=fair_pot,
            tier_lo=lo,
            tier_hi=hi,
            pot_lo=(1 - tau) * fair_pot,
            pot_hi=(1 + tau) * fair_pot,
            account_index=acc_index,
        ))
    # Name clashes (two pools over the same region) get a number.
    seen: dict[str, int] = {}
    for p in pools:
        seen[p.name] = seen.get(p.name, 0) + 1
        if seen[p.name] > 1:
            p.name = f"{p.name} ({seen[p.name]})"
    return [p for p in pools if p.n_reps > 0 and not math.isnan(p.capacity.sum())]
