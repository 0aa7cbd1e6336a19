"""bench/geo_free_units.py: the diagnostic that reshapes territories with empty counties free."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import networkx as nx
import numpy as np
import pytest

from territory.model.pools import tier_band

ROOT = Path(__file__).resolve().parents[1]


def _load():
    spec = importlib.util.spec_from_file_location(
        "bench_geo_free_units", ROOT / "bench" / "geo_free_units.py"
    )
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("fair", [0.4, 1.0, 4.0, 10.666666, 28.666666, 35.666666, 120.0])
def test_band_is_the_plans_tier_band(fair):
    lo, hi = tier_band(np.array([fair]), 0.10, 1.0)
    assert _load().band(fair) == (int(lo[0]), int(hi[0]))


def test_anneal_uses_empty_counties_to_meet_the_bands():
    """A 2 x 3 grid; the Tier 1 accounts sit in the top corners, the rest is empty:

        T1 . T1        start: rep 0 the top row (2 Tier 1), rep 1 the bottom row (none);
        .  .  .        each rep's band is exactly 1 Tier 1 account.

    Only by taking empty counties can rep 1 reach a corner while both stay one piece."""
    nbrs = [[1, 3], [0, 2, 4], [1, 5], [0, 4], [1, 3, 5], [2, 4]]
    comp = [[1, 0, 0], [0, 0, 0], [1, 0, 0], [0, 0, 0], [0, 0, 0], [0, 0, 0]]
    bands = [[(1, 1), (0, 0), (0, 0)]] * 2
    owner, left = _load().anneal(nbrs, comp, [0, 0, 0, 1, 1, 1], bands, 5_000)
    assert left == 0
    for r in (0, 1):
        nodes = [u for u in range(6) if owner[u] == r]
        h = nx.Graph()
        h.add_nodes_from(nodes)
        h.add_edges_from((u, v) for u in nodes for v in nbrs[u] if owner[v] == r)
        assert nx.is_connected(h)
        assert sum(comp[u][0] for u in nodes) == 1
