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
from .inputs import ModelInput


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
    acc_repeat: np.ndarray = field(default_factory=lambda: np.zeros(0))  # (N,) 1.0: moved in the last plan
    repeat: np.ndarray = field(default_factory=lambda: np.zeros(0))  # (U,) such accounts per unit
    # geo.units: the units each unit touches, as CSR arrays (``nbrs(u)``); None otherwise
    nbr_ptr: np.ndarray | None = None
    nbr_idx: np.ndarray | None = None
    lat: np.ndarray | None = None  # (U,) the unit's centre, NaN for a unit that is not geographic
    lon: np.ndarray | None = None

    def nbrs(self, u: int) -> np.ndarray:
        assert self.nbr_ptr is not None and self.nbr_idx is not None
        return self.nbr_idx[self.nbr_ptr[u] : self.nbr_ptr[u + 1]]


def sorted_codes(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``pd.factorize(values, sort=True)`` for an array of text: int64 codes and the distinct
    values (object array) in sorted order. pyarrow hashes and sorts a million distinct ids in
    a fraction of the time numpy takes to sort Python strings; UTF-8 byte order is code point
    order, the order Python sorts ``str`` in, so the codes are the same."""
    import pyarrow as pa
    import pyarrow.compute as pc

    try:
        encoded = pa.array(values, pa.large_string()).dictionary_encode()
    except (pa.ArrowInvalid, pa.ArrowTypeError):  # not all text: pandas does it
        codes, uniq = pd.factorize(pd.Series(values), sort=True)
        return codes.astype(np.int64), np.asarray(uniq, dtype=object)
    if encoded.null_count:  # a missing value: pandas does it (code -1)
        codes, uniq = pd.factorize(pd.Series(values), sort=True)
        return codes.astype(np.int64), np.asarray(uniq, dtype=object)
    order = pc.sort_indices(encoded.dictionary).to_numpy()
    rank = np.empty(order.size, dtype=np.int64)
    rank[order] = np.arange(order.size, dtype=np.int64)
    codes = rank[encoded.indices.to_numpy(zero_copy_only=False)]
    uniq = np.asarray(encoded.dictionary.take(order).to_numpy(zero_copy_only=False), dtype=object)
    return codes, uniq


def build_units(mi: ModelInput, cfg: PlanConfig) -> Units:
    """Units, their eligibility signatures and today's owners, vectorised (numpy group-bys).

    With ``geo.units``, the units without accounts (``ModelInput.empty_units``) come after the
    units of the rows: no accounts, no owner today, the eligibility and product of their
    ``empty_like``."""
    measures = measures_of(cfg)
    acc_unit, uniq = sorted_codes(mi.unit_key)
    U0 = len(uniq)  # units that rows follow; the units without accounts come after them
    if mi.empty_units is not None and len(mi.empty_units):
        uniq = np.concatenate([uniq, np.asarray(mi.empty_units, dtype=object)])
    U = len(uniq)
    tiers = np.asarray(mi.tier, dtype=np.int64)
    values = mi.values
    owner_pos = mi.owner
    lock_target = mi.lock_target
    locked_acc = lock_target >= 0

    size = np.bincount(acc_unit, minlength=U).astype(np.int64)
    comp = np.zeros((U, 3), dtype=np.int64)
    for ti in range(3):
        comp[:, ti] = np.bincount(acc_unit, weights=(tiers == ti + 1), minlength=U).astype(np.int64)
    value = np.zeros((U, len(measures)))
    for mi_ in range(len(measures)):
        value[:, mi_] = np.bincount(acc_unit, weights=values[:, mi_], minlength=U)
    omin = np.full(U, np.iinfo(np.int64).max)
    omax = np.full(U, np.iinfo(np.int64).min)
    np.minimum.at(omin, acc_unit, owner_pos)
    np.maximum.at(omax, acc_unit, owner_pos)
    owner = np.where(omin == omax, omin, -2)
    owner[U0:] = -1  # a unit without accounts has no owner today
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
    if mi.product is not None:
        pcode, puniq = pd.factorize(pd.Series(mi.product, dtype=object).astype(str), sort=True)
        prod = np.zeros(U, dtype=np.int64)
        prod[acc_unit] = pcode
        product_names = [str(x) for x in puniq] or [""]
    else:
        prod, product_names = np.zeros(U, dtype=np.int64), [""]
    lock_auto = np.full(U, -1, dtype=np.int64)
    la_rows = np.flatnonzero(mi.lock_auto >= 0)  # the first such row of a unit
    if la_rows.size:
        la_units, first_i = np.unique(acc_unit[la_rows], return_index=True)
        lock_auto[la_units] = mi.lock_auto[la_rows[first_i]]
        lock_auto[locked] = -1  # a pinned lock wins

    # Eligibility: key per account -> key set per unit -> rep signature.
    keys, cover_sets = mi.keys, mi.cover
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
    mixed_keys = np.flatnonzero(kmin[:U0] != kmax[:U0])
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
    if U > U0:  # units without accounts: the reps (and product) of their ``empty_like``
        at = {str(k): i for i, k in enumerate(uniq[:U0].tolist())}
        like = np.array([at[str(k)] for k in np.asarray(mi.empty_like).tolist()], dtype=np.int64)
        sig[U0:] = sig[like]
        prod[U0:] = prod[like]
    sig_reps = [np.asarray(t, dtype=np.int64) for t in sig_list]
    sig_len = np.array([len(t) for t in sig_list], dtype=np.int64)
    n_pairs = int(sig_len[sig].sum()) if U else 0
    acc_repeat = (
        np.zeros(len(acc_unit)) if mi.moved_before is None else np.asarray(mi.moved_before, dtype=np.float64)
    )
    nbr_ptr = nbr_idx = None
    if mi.unit_nbrs is not None:  # the contiguity family's graph, over unit indices
        pos = {str(k): i for i, k in enumerate(uniq)}
        lists = [sorted(pos[v] for v in mi.unit_nbrs.get(str(k), ()) if v in pos) for k in uniq]
        nbr_ptr = np.concatenate([[0], np.cumsum([len(x) for x in lists])]).astype(np.int64)
        nbr_idx = np.asarray([v for x in lists for v in x], dtype=np.int64)
    lat = lon = None
    if mi.unit_place is not None:
        place = [mi.unit_place.get(str(k), (np.nan, np.nan)) for k in uniq]
        lat = np.array([p[0] for p in place], dtype=float)
        lon = np.array([p[1] for p in place], dtype=float)
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
        acc_repeat=acc_repeat,
        repeat=np.bincount(acc_unit, weights=acc_repeat, minlength=U),
        nbr_ptr=nbr_ptr,
        nbr_idx=nbr_idx,
        lat=lat,
        lon=lon,
    )
