"""What a model assigns: items of a pool, each a run of interchangeable units.

The exact method's items are single units (``singletons``); the scale method's are classes
of interchangeable units (``classes``), with ``n`` units each. Every constraint family writes
its rows over the generic (item, rep) pairs with ``y[item, rep]`` = how many of the item's
units the rep gets, so one definition serves both: with singletons ``y`` is the binary
``x[unit, rep]`` of the per-unit model.

A measure (potential, ARR, ...) may differ between the units of a class. Its rows then use a
column ``q[item, rep]`` (the measure the rep receives from the item), tied to ``y`` by the
envelope of the item's sorted values (``envelope``); single units have one value and need
none.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import numpy as np

from .pools import Pool


@dataclass
class Items:
    """Items of a pool with their eligible (item, rep) pairs; per-unit amounts throughout."""

    pool: Pool
    kind: str  # "unit" or "class" (the label in row names)
    start: np.ndarray  # (I+1,) offsets into the pool's unit order
    n: np.ndarray  # (I,) units per item
    size: np.ndarray  # (I,) accounts per unit
    comp: np.ndarray  # (I, 3) tier counts per unit
    product: np.ndarray  # (I,)
    lock_auto: np.ndarray  # (I,) local rep with product = auto that keeps the item, or -1
    owner: np.ndarray  # (I,) uniform discretionary owner, -1 none, -2 mixed (single units only)
    ids: np.ndarray  # (I,) object: unit ids, or class numbers
    pair_i: np.ndarray  # (K,) eligible pairs, sorted by item then rep
    pair_r: np.ndarray
    pair_keep: np.ndarray  # (K,) accounts of a unit the pair's rep owns (and keeps)
    pair_cost: np.ndarray  # (K,) accounts of a unit taken from another (eligible) owner
    pair_pot_moved: np.ndarray  # (K,) potential taken from other owners, per unit (lowest unit's)
    vlo: np.ndarray  # (I, M) smallest unit value per measure
    vhi: np.ndarray  # (I, M) largest
    vtot: np.ndarray  # (I, M) item total
    sorted_values: np.ndarray  # (M, U) unit values sorted ascending within each item
    prefix: np.ndarray  # (M, U+1) their running sums
    # (K,) of pair_cost, the accounts that moved in the previous plan too (a repeat move)
    pair_repeat: np.ndarray = dataclasses.field(default_factory=lambda: np.zeros(0))
    pair_hi: np.ndarray | None = None  # (K,) most units a pair may take (default: the item's n)
    pair_kind: np.ndarray | None = None  # (K,) 1 for an owner's keep pair of a type (``bound``)

    @property
    def n_items(self) -> int:
        return len(self.n)

    @property
    def n_pairs(self) -> int:
        return len(self.pair_i)

    @property
    def varied(self) -> np.ndarray:
        """(I, M) bool: the measure differs between the item's units (envelope needed)."""
        return (self.vhi - self.vlo) > 1e-9 * np.maximum(1.0, np.abs(self.vhi))

    def eligible(self) -> np.ndarray:
        """(I, R) bool: which reps may hold units of each item."""
        out = np.zeros((self.n_items, self.pool.n_reps), dtype=bool)
        out[self.pair_i, self.pair_r] = True
        return out

    def restrict(self, keep: np.ndarray) -> Items:
        """The same items over a subset of pairs (``keep``: bool per pair)."""
        return dataclasses.replace(
            self,
            pair_i=self.pair_i[keep],
            pair_r=self.pair_r[keep],
            pair_keep=self.pair_keep[keep],
            pair_cost=self.pair_cost[keep],
            pair_pot_moved=self.pair_pot_moved[keep],
            pair_repeat=self.pair_repeat[keep],
            pair_hi=None if self.pair_hi is None else self.pair_hi[keep],
            pair_kind=None if self.pair_kind is None else self.pair_kind[keep],
        )

    def with_products(self, chosen: np.ndarray) -> Items:
        """Pairs of the product each rep carries (``chosen`` per local rep); an item locked to
        an auto rep that took its product stays with that rep only."""
        rp = np.asarray(chosen, dtype=np.int64)
        prod = self.product[self.pair_i]
        keep = prod == rp[self.pair_r]
        la = self.lock_auto[self.pair_i]
        held = (la >= 0) & (rp[np.maximum(la, 0)] == prod)
        keep &= ~held | (self.pair_r == la)
        return self.restrict(keep)

    def __repr__(self) -> str:
        return f"<Items {self.kind} [{self.n_items:,} items, {self.n_pairs:,} pairs] of {self.pool.name!r}>"


def singletons(pool: Pool) -> Items:
    """Every unit its own item: the per-unit (exact) model."""
    return _items(pool, np.arange(pool.n_units + 1, dtype=np.int64), "unit")


def classes(pool: Pool) -> Items:
    """Runs of interchangeable units: the class model of the scale method."""
    return _items(pool, pool.class_start, "class")


def _items(pool: Pool, start: np.ndarray, kind: str) -> Items:
    n_it = len(start) - 1
    R = pool.n_reps
    first = start[:-1]
    n = np.diff(start).astype(np.float64)
    M = pool.value.shape[1]
    U = pool.n_units
    item_of_unit = np.repeat(np.arange(n_it), np.diff(start))
    # Pairs: every item with every rep of its signature.
    sig = pool.sig[first] if n_it else np.zeros(0, dtype=np.int64)
    pair_i, pair_r = _expand(sig, pool.sig_reps)
    # Discretionary ownership per unit of each item (the same for every unit of a class:
    # classes share their owner; mixed owners only occur in single-unit items).
    own_item = item_of_unit[pool.own_u]
    first_unit = pool.own_u == first[own_item]
    oi, orr = own_item[first_unit], pool.own_r[first_unit]
    on, ov = pool.own_n[first_unit], pool.own_v[first_unit]
    key_own = oi * R + orr
    key_pair = pair_i * R + pair_r
    pos = np.searchsorted(key_own, key_pair)
    pos = np.minimum(pos, max(len(key_own) - 1, 0))
    hit = (key_own[pos] == key_pair) if len(key_own) else np.zeros(len(key_pair), dtype=bool)
    pair_keep = np.where(hit, on[pos] if len(on) else 0.0, 0.0)
    pair_keep_v = np.where(hit, ov[pos] if len(ov) else 0.0, 0.0)
    disc = np.bincount(oi, weights=on, minlength=n_it)
    disc_v = np.bincount(oi, weights=ov, minlength=n_it)
    pair_cost = disc[pair_i] - pair_keep
    orn = pool.own_rn[first_unit] if pool.own_rn.size else np.zeros(len(oi))
    pair_keep_rep = np.where(hit, orn[pos] if len(orn) else 0.0, 0.0)
    pair_repeat = np.bincount(oi, weights=orn, minlength=n_it)[pair_i] - pair_keep_rep
    owner = pool.owner[first] if n_it else np.zeros(0, dtype=np.int64)
    # Measures: per item range and total; values sorted within each item (for envelopes).
    vals = pool.value
    sorted_values = np.zeros((M, U))
    prefix = np.zeros((M, U + 1))
    vlo = np.zeros((n_it, M))
    vhi = np.zeros((n_it, M))
    vtot = np.zeros((n_it, M))
    for m in range(M):
        o = np.lexsort((vals[:, m], item_of_unit))
        sv = vals[o, m]
        sorted_values[m] = sv
        prefix[m, 1:] = np.cumsum(sv)
        if n_it:
            vlo[:, m] = sv[first]
            vhi[:, m] = sv[start[1:] - 1]
            vtot[:, m] = prefix[m, start[1:]] - prefix[m, first]
    # Potential taken from other owners per unit: exact for single units (mixed owners
    # included); for a class with one owner, the potential of its smallest unit (a lower
    # bound: every unit it gives away carries at least that much).
    mixed = owner[pair_i] == -2
    pot_lo = vlo[pair_i, 0] if M else np.zeros(len(pair_i))
    away = (owner[pair_i] >= 0) & (pair_r != owner[pair_i])
    pair_pot_moved = np.where(mixed, disc_v[pair_i] - pair_keep_v, np.where(away, pot_lo, 0.0))
    ids = (
        np.asarray(pool.unit_ids, dtype=object)[first]
        if kind == "unit"
        else np.arange(n_it).astype(str).astype(object)
    )
    return Items(
        pool=pool,
        kind=kind,
        start=start,
        n=n,
        size=pool.size[first].astype(np.float64) if n_it else np.zeros(0),
        comp=pool.comp[first].astype(np.float64) if n_it else np.zeros((0, 3)),
        product=pool.product[first] if n_it else np.zeros(0, dtype=np.int64),
        lock_auto=pool.lock_auto[first] if n_it else np.zeros(0, dtype=np.int64),
        owner=owner,
        ids=ids,
        pair_i=pair_i,
        pair_r=pair_r,
        pair_keep=pair_keep,
        pair_cost=pair_cost,
        pair_pot_moved=pair_pot_moved,
        vlo=vlo,
        vhi=vhi,
        vtot=vtot,
        sorted_values=sorted_values,
        prefix=prefix,
        pair_repeat=pair_repeat,
    )


def _expand(sig: np.ndarray, sig_reps: list[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """(item, rep) for every item and every rep of its signature, vectorised."""
    lens = np.array([len(x) for x in sig_reps], dtype=np.int64)
    flat = np.concatenate(sig_reps).astype(np.int64) if sig_reps else np.zeros(0, dtype=np.int64)
    offs = np.concatenate([[0], np.cumsum(lens)])
    n = lens[sig]
    pair_i = np.repeat(np.arange(len(sig)), n)
    within = np.arange(int(n.sum())) - np.repeat(np.cumsum(n) - n, n)
    return pair_i, flat[np.repeat(offs[sig], n) + within]
