"""The greedy "snake draft" baseline: what a spreadsheet would do.

Plans must beat it on balance at equal or fewer moves (PRODUCT.md, "Quality words"). It uses no
solver, so it also serves as a sanity check and as a fallback at any size: it is
O(N log N + D log R) for N accounts, D dealt accounts and R reps, and runs in a few seconds
at 1,000,000 accounts x 1,000 reps.
"""

from __future__ import annotations

import heapq
import re

import numpy as np
import numpy.typing as npt
import pandas as pd

__all__ = ["greedy_baseline"]

# The roster's region cell may list several regions: "West;Central" or "West|Central"
# (the same separators as territory.io.loading); '*' (or an empty cell) means every region.
_REGION_SEP = re.compile(r"\s*[;|]\s*")
_TRUE_WORDS = frozenset({"true", "yes", "y", "1", "x", "t", "locked"})
_EPS = 1e-9

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]


def greedy_baseline(
    accounts: pd.DataFrame,
    reps: pd.DataFrame,
    *,
    tier_band: float = 0.10,
    min_band_accounts: float = 1.0,
) -> pd.Series:
    """Assign every account to a rep the way a careful spreadsheet would; no solver.

    Returns a Series indexed by ``account_id`` (in the order of ``accounts``) whose values are
    the new owners' ``rep_id``.

    Inputs. ``accounts`` needs ``account_id``, ``region``, ``tier`` and ``potential``; it may
    have ``owner_id`` (the current owner), ``locked`` (bool, or true/false text) and
    ``family_id`` (the ultimate parent's account id). ``reps`` needs ``rep_id`` and
    ``region`` and may have ``capacity`` (missing or empty means 1.0). ``max_accounts``,
    ``segment`` and ``product`` are ignored.

    Eligibility and pools. A rep may own an account when the rep's ``region`` list (regions
    separated by ``;`` or ``|``; an empty cell means every region) covers the account's region
    and the rep's capacity is above 0. A *pool* is a region, or several regions joined by reps
    who cover more than one. Fair shares are capacity-proportional within the pool::

        F[r, t] = N[pool, t] * c_r / C[pool]        accounts of tier t
        P[r]    = potential[pool] * c_r / C[pool]   potential

    and the upper edge of rep r's tier-t band is
    ``F[r, t] + max(tier_band * F[r, t], min_band_accounts)``.

    Units. Without a ``family_id`` column every account is a unit. With one, each family
    is one unit: its potential is the sum of its accounts' potentials, its accounts count in
    their own tiers, it is dealt with the family's best (lowest) tier, and it takes the parent's
    region and current owner (the account whose id is the ``family_id``; the first member if the
    parent is absent). A family is locked when any of its accounts is.

    The rule, in three steps:

    1. **Locks.** A locked unit stays with its current owner if that owner is on the roster
       (even outside the owner's regions: a lock is the user's decision).
    2. **Keep.** Each rostered, eligible owner keeps its units, best tier first (Tier 1, 2, 3)
       and within a tier in descending potential, while its count in the unit's best tier stays
       within the band's upper edge. It stops at the first unit that would cross it.
    3. **Deal.** The rest (departed owners, no owner, ineligible owners, units over the
       band) are dealt Tier 1 first and in descending potential, each to the eligible rep
       that is most under-loaded in that tier: lowest ``count[r, t] / F[r, t]``, ties by
       lowest ``potential[r] / P[r]``, then lowest ``rep_id``.

    Ties in potential are broken by position in ``accounts``, so the result is deterministic.

    Example: six accounts in one region, two reps with capacity 1.0, all owned by R1,
    nothing locked::

        account  tier  potential  owner        fair share per rep: Tier 1 1.0, Tier 2 2.0
        A1       1     90         R1           band upper edge: 2.0 (Tier 1), 3.0 (Tier 2)
        A2       1     80         R1
        A3       2     50         R1           keep: R1 keeps A1, A2 (Tier 1 count 2 <= 2.0)
        A4       2     40         R1                 and A3, A4, A5 (Tier 2 count 3 <= 3.0)
        A5       2     30         R1           deal: A6 goes to R2 (0/2.0 beats 3/2.0)
        A6       2     20         R1           -> R1: A1-A5, R2: A6

    With ``tier_band=0`` and ``min_band_accounts=0`` R1 keeps only A1, A3, A4 and R2 gets
    A2 (Tier 1), A5, A6.

    :raises ValueError: an account's region is covered by no rep with capacity above 0 (the
        message names the regions), duplicate ids, or a missing required column or tier.
    """
    acc_ids, rep_order, owner = _greedy(accounts, reps, tier_band, min_band_accounts)
    owner_ids = pd.Index(_text(reps["rep_id"])[rep_order]).take(owner)
    return pd.Series(owner_ids, index=acc_ids, name="owner_id")


def greedy_owner_positions(
    accounts: pd.DataFrame,
    reps: pd.DataFrame,
    *,
    tier_band: float = 0.10,
    min_band_accounts: float = 1.0,
) -> npt.NDArray[np.int64]:
    """``greedy_baseline``'s new owner of every account (in the order of ``accounts``) as a
    row position in ``reps``: the same plan without turning a million rep ids into text and
    back (the pipeline measures the baseline by positions)."""
    _acc_ids, rep_order, owner = _greedy(accounts, reps, tier_band, min_band_accounts)
    return rep_order[owner]


def _greedy(
    accounts: pd.DataFrame, reps: pd.DataFrame, tier_band: float, min_band_accounts: float
) -> tuple[pd.Index, IntArray, IntArray]:
    """The account ids, the reps' order by rep_id and each account's new owner as a position
    in that order (see ``greedy_baseline``)."""
    for col in ("account_id", "region", "tier", "potential"):
        if col not in accounts.columns:
            raise ValueError(f"accounts need a {col!r} column")
    for col in ("rep_id", "region"):
        if col not in reps.columns:
            raise ValueError(f"reps need a {col!r} column")

    # Account columns stay pandas (arrow-backed strings in pandas 3): converting 1M ids to
    # numpy strings costs more than the whole deal.
    acc_ids = pd.Index(_str_col(accounts["account_id"]), name="account_id")
    if acc_ids.has_duplicates:
        raise ValueError("account_id values must be unique")
    n_acc = len(acc_ids)

    # --- reps, sorted by rep_id so that the rep index order is the rep_id tie-break -----------
    rep_ids_raw = _text(reps["rep_id"])
    rep_order = np.argsort(rep_ids_raw, kind="stable")
    rep_ids = rep_ids_raw[rep_order]
    n_reps = rep_ids.size
    if n_reps > 1 and (rep_ids[1:] == rep_ids[:-1]).any():
        raise ValueError("rep_id values must be unique")
    rep_region_cells = _text(reps["region"])[rep_order]
    if "capacity" in reps.columns:
        cap = pd.to_numeric(reps["capacity"], errors="coerce").to_numpy(dtype=float)[rep_order]
        capacity: FloatArray = np.where(np.isnan(cap), 1.0, cap)
    else:
        capacity = np.ones(n_reps)
    active = capacity > 0

    # --- accounts ------------------------------------------------------------------------------
    region_codes, region_names = pd.factorize(_str_col(accounts["region"]), sort=True)
    region_code: IntArray = np.asarray(region_codes, dtype=np.int64)
    n_regions = len(region_names)
    tier_raw = pd.to_numeric(accounts["tier"], errors="coerce")
    if tier_raw.isna().any():
        raise ValueError("every account needs a tier (1, 2 or 3)")
    tier_values, tier_code_raw = np.unique(tier_raw.to_numpy(dtype=float), return_inverse=True)
    tier_code: IntArray = tier_code_raw.astype(np.int64)
    n_tiers = max(1, tier_values.size)
    potential: FloatArray = (
        pd.to_numeric(accounts["potential"], errors="coerce").fillna(0.0).to_numpy(dtype=float)
    )
    owner_acc: IntArray = np.full(n_acc, -1, dtype=np.int64)  # -1: no owner, or not on the roster
    if "owner_id" in accounts.columns:  # looked up once per distinct owner, not per account
        owner_code, owner_names = pd.factorize(_str_col(accounts["owner_id"]))
        owner_of_name = pd.Index(rep_ids).get_indexer(owner_names).astype(np.int64)
        owner_of_name[np.asarray(owner_names == "", dtype=bool)] = -1
        owner_acc = np.append(owner_of_name, -1)[owner_code]  # (a code of -1 takes the -1 at the end)
    locked_acc = _as_bool(accounts["locked"]) if "locked" in accounts.columns else np.zeros(n_acc, bool)

    # --- eligibility: rep x region --------------------------------------------------------------
    eligible = np.zeros((n_reps, n_regions), dtype=bool)
    region_pos = {name: i for i, name in enumerate(region_names)}
    for r, cell in enumerate(rep_region_cells.tolist()):
        if not active[r]:
            continue
        parts = [p for p in _REGION_SEP.split(cell.strip()) if p]
        if not parts or "*" in parts:
            eligible[r, :] = True
        for p in parts:
            g = region_pos.get(p)
            if g is not None:
                eligible[r, g] = True
    uncovered = np.flatnonzero(~eligible.any(axis=0))
    if uncovered.size:
        names = ", ".join(repr(region_names[g]) for g in uncovered.tolist())
        raise ValueError(f"no rep with capacity above 0 covers region(s) {names}")

    # --- pools: regions joined by reps who cover several of them (union-find) -----------------
    parent = list(range(n_regions))

    def find(x: int) -> int:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for r in np.flatnonzero(eligible.sum(axis=1) > 1).tolist():
        gs = np.flatnonzero(eligible[r]).tolist()
        for g in gs[1:]:
            a, b = find(gs[0]), find(g)
            if a != b:
                parent[max(a, b)] = min(a, b)
    region_pool = np.array([find(g) for g in range(n_regions)], dtype=np.int64)
    rep_pool = np.full(n_reps, -1, dtype=np.int64)
    has_region = eligible.any(axis=1)
    rep_pool[has_region] = region_pool[eligible[has_region].argmax(axis=1)]

    # --- units (families or accounts) ---------------------------------------------------------
    if "family_id" in accounts.columns:
        fam = accounts["family_id"]
        fam_text = _str_col(fam.where(fam.notna() & fam.astype(str).ne(""), accounts["account_id"]))
        is_parent_acc = fam_text.eq(pd.Series(acc_ids.array)).to_numpy(dtype=bool)
        unit: IntArray = _family_units(fam_text, acc_ids, is_parent_acc)
        n_units = int(unit.max()) + 1 if n_acc else 0
        head = np.full(n_units, n_acc, dtype=np.int64)
        np.minimum.at(head, unit, np.arange(n_acc, dtype=np.int64))  # first member
        is_parent = np.flatnonzero(is_parent_acc)
        head[unit[is_parent]] = is_parent  # the parent, when present
        unit_locked = np.bincount(unit, weights=locked_acc, minlength=n_units) > 0
    else:
        unit = np.arange(n_acc, dtype=np.int64)
        n_units = n_acc
        head = unit
        unit_locked = locked_acc
    u_pot = np.bincount(unit, weights=potential, minlength=n_units).astype(np.float64)
    u_tiers = (
        np.bincount(unit * n_tiers + tier_code, minlength=n_units * n_tiers)
        .reshape(n_units, n_tiers)
        .astype(np.float64)
    )
    u_best = (u_tiers > 0).argmax(axis=1).astype(np.int64)
    u_region = region_code[head]
    u_owner = owner_acc[head]
    u_size = u_tiers.sum(axis=1)

    # --- fair shares --------------------------------------------------------------------------
    # accounts count in the pool of their unit (a child in another region follows its parent)
    u_pool = region_pool[u_region]
    pool_tier = _group_sum(u_pool, u_tiers, n_regions)
    pool_pot = np.bincount(u_pool, weights=u_pot, minlength=n_regions)
    pool_cap = np.bincount(rep_pool[has_region], weights=capacity[has_region], minlength=n_regions)
    share = np.zeros(n_reps)
    share[has_region] = capacity[has_region] / pool_cap[rep_pool[has_region]]
    fair = np.zeros((n_reps, n_tiers))
    fair[has_region] = pool_tier[rep_pool[has_region]] * share[has_region, None]
    fair_pot = np.zeros(n_reps)
    fair_pot[has_region] = pool_pot[rep_pool[has_region]] * share[has_region]
    upper = fair + np.maximum(tier_band * fair, min_band_accounts)

    assign = np.full(n_units, -1, dtype=np.int64)
    count = np.zeros((n_reps, n_tiers))
    rep_pot = np.zeros(n_reps)

    def take(units: IntArray, owners: IntArray) -> None:
        assign[units] = owners
        count[:] += _group_sum(owners, u_tiers[units], n_reps)
        rep_pot[:] += np.bincount(owners, weights=u_pot[units], minlength=n_reps)

    # 1. locks
    lock_units = np.flatnonzero(unit_locked & (u_owner >= 0))
    take(lock_units, u_owner[lock_units])

    # 2. keep, best tier first, descending potential, while within the band's upper edge
    owner_ok = (u_owner >= 0) & (assign < 0)
    owner_ok[owner_ok] = eligible[u_owner[owner_ok], u_region[owner_ok]]
    for t in range(n_tiers):
        cand = np.flatnonzero(owner_ok & (u_best == t))
        if not cand.size:
            continue
        cand = cand[np.lexsort((cand, -u_pot[cand], u_owner[cand]))]
        own = u_owner[cand]
        load = np.cumsum(u_tiers[cand, t])
        starts = np.flatnonzero(np.r_[True, own[1:] != own[:-1]])
        before = np.repeat(np.r_[0.0, load[starts[1:] - 1]], np.diff(np.r_[starts, cand.size]))
        within = count[own, t] + (load - before) <= upper[own, t] + _EPS
        take(cand[within], own[within])

    # 3. deal the rest: best tier first, descending potential, most under-loaded eligible rep
    rest = np.flatnonzero(assign < 0)
    rest = rest[np.lexsort((rest, -u_pot[rest], u_best[rest]))]
    _deal(rest, assign, count, rep_pot, fair, fair_pot, eligible, u_best, u_region, u_tiers, u_pot, u_size)

    return acc_ids, rep_order, assign[unit]


def _deal(
    order: IntArray,
    assign: IntArray,
    count: FloatArray,
    rep_pot: FloatArray,
    fair: FloatArray,
    fair_pot: FloatArray,
    eligible: BoolArray,
    u_best: IntArray,
    u_region: IntArray,
    u_tiers: FloatArray,
    u_pot: FloatArray,
    u_size: FloatArray,
) -> None:
    """Deal ``order`` (already sorted) one unit at a time to the most under-loaded eligible rep.

    One lazy min-heap per (region, tier) holds (count/fair, potential/fair potential, rep).
    Loads only grow, so a stored key is a lower bound of the rep's current key: pop, and if the
    key is stale push the current one back and pop again. Each deal costs O(log R) amortised.
    """
    n_tiers = count.shape[1]
    # a zero fair share cannot meet a dealt unit (its tier has accounts in the pool), but keep
    # the key finite anyway: 0 * inf would be NaN and break the heap order
    inv_fair = np.divide(1.0, fair, out=np.full_like(fair, 1e18), where=fair > 0).tolist()
    inv_fpot = np.divide(1.0, fair_pot, out=np.zeros_like(fair_pot), where=fair_pot > 0).tolist()
    cnt: list[list[float]] = count.tolist()
    pot: list[float] = rep_pot.tolist()
    heaps: dict[tuple[int, int], list[tuple[float, float, int]]] = {}
    best_l = u_best[order].tolist()
    region_l = u_region[order].tolist()
    pot_l = u_pot[order].tolist()
    multi_l = (u_size[order] > 1).tolist()
    out = np.empty(order.size, dtype=np.int64)
    heappop, heappush = heapq.heappop, heapq.heappush
    for i in range(order.size):
        t, g = best_l[i], region_l[i]
        heap = heaps.get((g, t))
        if heap is None:
            heap = [
                (cnt[r][t] * inv_fair[r][t], pot[r] * inv_fpot[r], r)
                for r in np.flatnonzero(eligible[:, g]).tolist()
            ]
            heapq.heapify(heap)
            heaps[(g, t)] = heap
        while True:
            key = heappop(heap)
            r = key[2]
            now = (cnt[r][t] * inv_fair[r][t], pot[r] * inv_fpot[r], r)
            if now == key:
                break
            heappush(heap, now)
        out[i] = r
        if multi_l[i]:
            row = u_tiers[order[i]].tolist()
            c = cnt[r]
            for s in range(n_tiers):
                c[s] += row[s]
        else:
            cnt[r][t] += 1.0
        pot[r] += pot_l[i]
        heappush(heap, (cnt[r][t] * inv_fair[r][t], pot[r] * inv_fpot[r], r))
    assign[order] = out
    count[:] = np.asarray(cnt, dtype=np.float64).reshape(count.shape)
    rep_pot[:] = pot


def _family_units(fam_text: pd.Series, acc_ids: pd.Index, is_parent: BoolArray) -> IntArray:
    """``pd.factorize(fam_text)``'s codes (a unit per distinct family, numbered in order of
    first appearance), without hashing a million distinct ids: a family is its parent's row
    (looked up among the few distinct families of subsidiaries) or, when the parent is not
    among the accounts, its id."""
    import pyarrow as pa
    import pyarrow.compute as pc

    n = len(fam_text)
    root = np.arange(n, dtype=np.int64)  # a parent (or a stand-alone account) is its own family
    child = np.flatnonzero(~is_parent)
    if child.size:
        child_fam = pa.array(fam_text.iloc[child], pa.large_string(), from_pandas=True)
        names = pc.unique(child_fam)
        hit = pc.index_in(pa.array(acc_ids.array, pa.large_string(), from_pandas=True), value_set=names)
        found = hit.is_valid().to_numpy(zero_copy_only=False)
        row_of_name = np.full(len(names), -1, dtype=np.int64)
        row_of_name[hit.filter(found).to_numpy()] = np.flatnonzero(found)  # ids are unique
        absent = row_of_name < 0  # a family whose parent is not an account: keyed by its id
        row_of_name[absent] = n + np.arange(int(absent.sum()), dtype=np.int64)
        root[child] = row_of_name[pc.index_in(child_fam, value_set=names).to_numpy()]
    keys, first, inverse = np.unique(root, return_index=True, return_inverse=True)
    rank = np.empty(keys.size, dtype=np.int64)
    rank[np.argsort(first)] = np.arange(keys.size, dtype=np.int64)
    return rank[inverse.reshape(-1)]


def _group_sum(keys: IntArray, rows: FloatArray, n_groups: int) -> FloatArray:
    """Sum the rows of a 2-D array per key (``np.add.at`` without its slowness)."""
    out = np.empty((n_groups, rows.shape[1]))
    for j in range(rows.shape[1]):
        out[:, j] = np.bincount(keys, weights=rows[:, j], minlength=n_groups)
    return out


def _str_col(series: pd.Series) -> pd.Series:
    """A column as stripped pandas strings, missing values as '' (arrow-backed: cheap at 1M)."""
    return series.astype("str").fillna("").str.strip().reset_index(drop=True)


def _text(series: pd.Series) -> npt.NDArray[np.str_]:
    """A column as a numpy array of stripped strings, missing values as ''."""
    return series.astype(object).where(series.notna(), "").astype(str).str.strip().to_numpy(dtype=str)


def _as_bool(series: pd.Series) -> BoolArray:
    if pd.api.types.is_bool_dtype(series.dtype):
        return series.fillna(False).to_numpy(dtype=bool)
    if pd.api.types.is_numeric_dtype(series.dtype):
        return (series.fillna(0) != 0).to_numpy(dtype=bool)
    return np.isin(np.char.lower(_text(series)), list(_TRUE_WORDS))
