"""Compactness (``geo.units`` with ``geo.compactness_penalty``): a price on distance.

Each geographic unit a rep holds costs ``compactness_penalty`` x (its potential / the pool's
mean unit potential) x (km from the unit's centre to the rep's *anchor*) / 100. The anchor is
the potential-weighted centre of the units the rep holds today, fixed before the solve, so
the term is linear and the same in every method. A rep who holds no unit today has no
anchor, and their units cost nothing here. (The guided starts of contiguous territories set
the anchors themselves, ``Pool.anchors``: see ``territory.model.contiguous``.) In the class
model a class's units may lie apart: each pair is priced at the class's nearest unit, which
only lowers the model's value, so its bound stays valid. (The compactness the plan *reports* is measured on the plan itself, around
each territory's own centre: ``territory.geo.territories.compactness``.)
"""

from __future__ import annotations

import numpy as np

from ...config import PlanConfig
from ..pools import Pool
from ..state import PoolState
from .base import Build, Family, PairSum, Tracker, register


def distance_cost(p: Pool) -> np.ndarray:
    """(U, R): each pool unit's price per unit of penalty, for each rep."""
    from ...geo.territories import km

    U, R = p.n_units, p.n_reps
    out = np.zeros((U, R))
    if p.place is None or not U:
        return out
    lat, lon = p.place[:, 0], p.place[:, 1]
    pot = p.value[:, 0] if p.value.shape[1] else np.zeros(U)
    w = pot if pot.sum() > 0 else p.size.astype(float)
    sized = p.size > 0  # the mean unit is a unit with accounts (geo.units: not the empty ones)
    w = w / max(float(w[sized].mean()) if sized.any() else 0.0, 1e-12)
    geo = ~np.isnan(lat)
    if p.anchors is not None:  # the guided starts' centres (``territory.model.contiguous``)
        for r in np.flatnonzero(~np.isnan(p.anchors[:, 0])).tolist():
            alat, alon = float(p.anchors[r, 0]), float(p.anchors[r, 1])
            d = km(lat[geo], lon[geo], np.full(int(geo.sum()), alat), np.full(int(geo.sum()), alon))
            out[geo, r] = w[geo] * d / 100.0
        return out
    for r in range(R):
        mine = p.own_u[(p.own_r == r)]
        mine = mine[geo[mine]]
        if not mine.size:
            continue
        ww = p.own_v[(p.own_r == r)][geo[p.own_u[(p.own_r == r)]]]
        ww = ww if ww.sum() > 0 else np.ones(mine.size)
        alat = float((lat[mine] * ww).sum() / ww.sum())
        alon = float((lon[mine] * ww).sum() / ww.sum())
        d = km(lat[geo], lon[geo], np.full(int(geo.sum()), alat), np.full(int(geo.sum()), alon))
        out[geo, r] = w[geo] * d / 100.0
    return out


@register
class Compactness(Family):
    name = "compactness"
    order = 7
    hard = False

    @classmethod
    def active(cls, cfg: PlanConfig) -> bool:
        return cfg.geo.units != "none" and cfg.geo.compactness_penalty > 0

    def emit(self, b: Build) -> None:
        it = b.items
        D = distance_cost(b.pool)
        # each item's cheapest unit for each rep (a class's units may lie apart)
        per_item = (
            np.minimum.reduceat(D, it.start[:-1], axis=0) if it.n_items else np.zeros((0, b.pool.n_reps))
        )
        cost = per_item[it.pair_i, it.pair_r] * b.cfg.geo.compactness_penalty
        k = np.flatnonzero(cost > 0)
        b.m.add_cost(b.y[k], cost[k])

    def tracker(self, st: PoolState) -> Tracker:
        return Distance(self, st)


class Distance(PairSum):
    """Pool-wide: the priced distance of every unit to its rep's anchor."""

    total_rule = True

    def __init__(self, family: Family, st: PoolState):
        self.D = distance_cost(st.pool)
        self.price = st.cfg.geo.compactness_penalty
        super().__init__(family, st)

    def amount(self, u: np.ndarray, r: np.ndarray) -> np.ndarray:
        return self.D[u, r]

    def cost(self, r: np.ndarray, total: np.ndarray) -> np.ndarray:
        return self.price * np.asarray(total, dtype=float)

    def excess(self) -> float:
        return 0.0
