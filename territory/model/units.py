"""Units: what gets one owner (an account family, or an account), as flat arrays.

``build_units`` reads the accounts once, with numpy group-bys: each unit's size, tier
composition, measure sums, current owner (one rep, none, or mixed), lock, product and the
set of reps that may hold it (its eligibility *signature*). ``territory.model.pools`` cuts
them into independent pools.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ..config import PlanConfig


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
