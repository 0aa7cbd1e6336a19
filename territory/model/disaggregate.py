"""From class counts back to units: who gets which units of each class.

Units of a class are sorted by the primary measure (``pools.primary_measure``). Each rep
that receives part of a class takes the contiguous window of the remaining units whose sum is
closest to what the class model gave it (``target``): extreme targets first (the smallest
units to reps above their band, the largest to reps below), then the largest receivers; the
last receiver (usually the owner) keeps the rest, so retention is exact: a rep keeps
``y[c, own]`` of its own units.
"""

from __future__ import annotations

import numpy as np

from .items import Items
from .pools import primary_measure

INF = np.inf


def disaggregate(items: Items, y: np.ndarray, target: np.ndarray) -> np.ndarray:
    """Local rep per unit (pool order) from whole counts ``y`` and measure targets per pair."""
    pool = items.pool
    out = np.full(pool.n_units, -1, dtype=np.int64)
    sp = pool.value[:, primary_measure(pool.measures)] if pool.value.shape[1] else np.zeros(pool.n_units)
    pos = np.flatnonzero(y > 0)
    pc, pr, py, pq = items.pair_i[pos], items.pair_r[pos], y[pos], target[pos]
    cb = np.searchsorted(pc, np.arange(items.n_items + 1))
    single = np.flatnonzero(np.diff(cb) == 1)
    if single.size:  # items with one receiver: all units to it, vectorised
        rep_of_item = np.full(items.n_items, -1, dtype=np.int64)
        rep_of_item[single] = pr[cb[single]]
        out = np.repeat(rep_of_item, np.diff(items.start))
    for c in np.flatnonzero(np.diff(cb) > 1).tolist():
        idx = np.arange(items.start[c], items.start[c + 1])
        js = np.arange(cb[c], cb[c + 1])
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
            out[idx[i : i + k]] = pr[j]
            idx = np.concatenate([idx[:i], idx[i + k :]])
        out[idx] = pr[js[-1]]
    return out
