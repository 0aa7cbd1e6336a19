"""Territories made of whole geographic units (``geo.units``: state, county or ZIP3).

The plan's territories are built from units of a *graph*: the units of the covered area and
which of them touch. This module gives the graph (``unit_graph``), each account's unit
(``account_units``), the units of the model (``free_units``: those with accounts, and those
without accounts that a unit with accounts of their region reaches inside the region, each
eligible to the reps of that unit), the attachment of the few others to a neighbouring unit
of the model (``attach_empty``: so every unit of the map has an owner and a territory never
has a hole), and the checks and measures of a finished plan (``pieces``, ``compactness``).
The contiguity family (``territory.model.families.contiguity``) works on the graph of the
units of the model. See docs/geography.md.
"""

from __future__ import annotations

import dataclasses
import math
from collections import deque
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    import pandas as pd

    from ..accountstate import AccountState
    from ..solve import SolveReport

ROW_SEP = "::"  # (territory.products.ROW_SEP: an account-product row's key)
UNIT_KINDS = ("state", "county", "zip3")
KIND_WORDS = {"state": "state", "county": "county", "zip3": "ZIP3 area"}
KIND_PLURAL = {"state": "states", "county": "counties", "zip3": "ZIP3 areas"}


@dataclass(frozen=True)
class UnitGraph:
    """The units of the covered area: ids, names, states, centroids and neighbours.

    ``links`` are the pairs the graph adds so that it is connected: each group of units
    that touches no other (Hawaii, Alaska, Puerto Rico, an island county) is linked to the
    nearest unit outside it, by centroid (``join_components``)."""

    kind: str
    ids: tuple[str, ...]
    names: tuple[str, ...]
    state: tuple[str, ...]
    lat: np.ndarray
    lon: np.ndarray
    nbrs: tuple[tuple[int, ...], ...]
    links: tuple[tuple[str, str], ...]

    def index(self) -> dict[str, int]:
        return {u: i for i, u in enumerate(self.ids)}

    @property
    def n(self) -> int:
        return len(self.ids)


def km(lat1: np.ndarray, lon1: np.ndarray, lat2: np.ndarray, lon2: np.ndarray) -> np.ndarray:
    """Great-circle distance in km (haversine, Earth radius 6,371 km)."""
    p1, p2 = np.radians(lat1), np.radians(lat2)
    dp, dl = p2 - p1, np.radians(np.asarray(lon2) - np.asarray(lon1))
    a = np.sin(dp / 2) ** 2 + np.cos(p1) * np.cos(p2) * np.sin(dl / 2) ** 2
    return 2 * 6371.0 * np.arcsin(np.sqrt(np.minimum(a, 1.0)))


@lru_cache(maxsize=4)
def _all_units(
    kind: str,
) -> tuple[list[str], list[str], list[str], np.ndarray, np.ndarray, dict[str, tuple[str, ...]]]:
    """Every unit of ``kind`` in the packaged data: ids, names, states, centroids, neighbours."""
    from . import units

    if kind == "state":
        st = units.states()
        ids = sorted(st)
        return (
            ids,
            [st[s].name for s in ids],
            ids,
            np.array([st[s].latitude for s in ids]),
            np.array([st[s].longitude for s in ids]),
            units.adjacency("state"),
        )
    if kind == "county":
        co = units.counties()
        ids = sorted(co)
        return (
            ids,
            [f"{co[f].name}, {co[f].state}" for f in ids],
            [co[f].state for f in ids],
            np.array([co[f].latitude for f in ids]),
            np.array([co[f].longitude for f in ids]),
            units.adjacency("county"),
        )
    from .geocode import zip3_centroids

    z3 = zip3_centroids()
    ids = sorted(z3)
    lat = np.array([z3[z][0] for z in ids])
    lon = np.array([z3[z][1] for z in ids])
    return ids, [f"ZIP {z}xx" for z in ids], [z3[z][2] for z in ids], lat, lon, _zip3_adjacency(ids)


def _zip3_adjacency(ids: list[str]) -> dict[str, tuple[str, ...]]:
    """ZIP3 areas have no published adjacency: two touch when the packaged ZIP3 areas (the
    outlines the maps draw, ``units.zip3_areas``) share a border, so a territory that is one
    piece in the graph is one piece on the map. A ZIP3 without an area of its own touches the
    area around its centre; one without any link is joined by ``join_components``."""
    from .units import zip3_areas

    nb: dict[str, set[str]] = {z: set() for z in ids}
    for a, b in zip3_areas().adjacency:
        if a in nb and b in nb:
            nb[a].add(b)
            nb[b].add(a)
    return {z: tuple(sorted(v)) for z, v in nb.items()}


def unit_graph(kind: str, states: set[str]) -> UnitGraph:
    """The graph of every unit of ``kind`` in ``states`` (the covered area), connected by
    linking each group of units that touches no other to its nearest unit outside it."""
    ids, names, st, lat, lon, adj = _all_units(kind)
    keep = [i for i, s in enumerate(st) if s in states]
    sub_ids = [ids[i] for i in keep]
    pos = {u: k for k, u in enumerate(sub_ids)}
    nbrs = [sorted(pos[v] for v in adj.get(u, ()) if v in pos) for u in sub_ids]
    la, lo = lat[keep], lon[keep]
    links = join_components(nbrs, la, lo)
    for a, b in links:
        nbrs[a].append(b)
        nbrs[b].append(a)
    return UnitGraph(
        kind=kind,
        ids=tuple(sub_ids),
        names=tuple(names[i] for i in keep),
        state=tuple(st[i] for i in keep),
        lat=la,
        lon=lo,
        nbrs=tuple(tuple(sorted(set(n))) for n in nbrs),
        links=tuple((sub_ids[a], sub_ids[b]) for a, b in links),
    )


def bfs_pieces(nbrs: list[list[int]] | tuple[tuple[int, ...], ...], nodes: Iterable[int]) -> list[list[int]]:
    """Connected pieces of the subgraph on ``nodes``, in order of their smallest node, each in
    breadth-first order from it (the contiguity family's check and repair use this order)."""
    allowed = set(nodes)
    seen: set[int] = set()
    out = []
    for s in sorted(allowed):
        if s in seen:
            continue
        comp, todo = [], deque([s])
        seen.add(s)
        while todo:
            u = todo.popleft()
            comp.append(u)
            for v in nbrs[u]:
                if v in allowed and v not in seen:
                    seen.add(v)
                    todo.append(v)
        out.append(comp)
    return out


def components(
    nbrs: list[list[int]] | tuple[tuple[int, ...], ...], nodes: list[int] | None = None
) -> list[list[int]]:
    """Connected components of the subgraph on ``nodes`` (default: all), each sorted,
    in order of their smallest node."""
    return [sorted(c) for c in bfs_pieces(nbrs, range(len(nbrs)) if nodes is None else nodes)]


def join_components(nbrs: list[list[int]], lat: np.ndarray, lon: np.ndarray) -> list[tuple[int, int]]:
    """Links that make the graph connected: while there are several components, the
    smallest one is linked to the nearest unit of another (by centroid)."""
    links: list[tuple[int, int]] = []
    work = [list(n) for n in nbrs]
    while True:
        comps = components(work)
        if len(comps) <= 1:
            return links
        small = min(comps, key=lambda c: (len(c), c[0]))
        inside = np.zeros(len(work), dtype=bool)
        inside[small] = True
        outside = np.flatnonzero(~inside)
        d = km(lat[small][:, None], lon[small][:, None], lat[outside][None, :], lon[outside][None, :])
        i, j = np.unravel_index(int(np.argmin(d)), d.shape)
        a, b = small[int(i)], int(outside[int(j)])
        links.append((min(a, b), max(a, b)))
        work[a].append(b)
        work[b].append(a)


def free_units(g: UnitGraph, has_accounts: np.ndarray, zone: np.ndarray) -> np.ndarray:
    """For each unit, the unit with accounts of its own region (``zone``) nearest to it in the
    graph without leaving the region (breadth first from every unit with accounts at once,
    ties to the smaller unit index); itself for a unit with accounts; -1 for a unit without
    accounts that no unit with accounts of its region reaches inside the region (or whose
    region is unknown, ''). A unit with a ``like`` is a unit of the model: units without
    accounts take the eligibility of their ``like`` (the reps who may hold a unit of that
    region)."""
    like = np.full(g.n, -1, dtype=np.int64)
    seeds = np.flatnonzero(has_accounts).tolist()
    like[seeds] = seeds
    todo: deque[int] = deque(seeds)
    while todo:
        u = todo.popleft()
        for v in g.nbrs[u]:
            if like[v] < 0 and zone[v] != "" and zone[v] == zone[u]:
                like[v] = like[u]
                todo.append(v)
    return like


def attach_empty(g: UnitGraph, has_accounts: np.ndarray, zone: np.ndarray | None = None) -> np.ndarray:
    """The unit of the model that each unit joins (itself when it is one, ``has_accounts``):
    a breadth-first search from every unit of the model at once, a unit outside it joining
    the first to reach it (ties: the smaller unit index). Each group is connected.

    With ``zone`` (each unit's region), the search first stays inside each zone, so a unit
    joins a group of its own region (whose reps may hold it); units it cannot reach so
    then join any neighbour. (Since units without accounts are units of the model
    (``free_units``), only the units that no unit with accounts of their own region reaches
    are joined so: a region known to no account, or a unit cut off from its region.)"""
    anchor = np.full(g.n, -1, dtype=np.int64)
    seeds = np.flatnonzero(has_accounts).tolist()
    anchor[seeds] = seeds
    for same_zone in (True, False) if zone is not None else (False,):
        todo: deque[int] = deque(u for u in range(g.n) if anchor[u] >= 0)
        while todo:
            u = todo.popleft()
            for v in g.nbrs[u]:
                if anchor[v] < 0 and (not same_zone or zone[v] == zone[u]):  # type: ignore[index]
                    anchor[v] = anchor[u]
                    todo.append(v)
    return anchor


def group_adjacency(g: UnitGraph, anchor: np.ndarray) -> dict[int, set[int]]:
    """Anchor -> the anchors of the groups its group touches."""
    out: dict[int, set[int]] = {int(a): set() for a in np.unique(anchor[anchor >= 0]).tolist()}
    for u in range(g.n):
        a = int(anchor[u])
        if a < 0:
            continue
        for v in g.nbrs[u]:
            b = int(anchor[v])
            if b >= 0 and b != a:
                out[a].add(b)
    return out


def pieces(g: UnitGraph, owner: np.ndarray) -> dict[int, list[list[int]]]:
    """Owner -> the connected pieces of its units (a contiguous territory has one)."""
    by: dict[int, list[int]] = {}
    for u, o in enumerate(owner.tolist()):
        if o >= 0:
            by.setdefault(int(o), []).append(u)
    import networkx as nx

    out: dict[int, list[list[int]]] = {}
    for o, nodes in by.items():
        h = nx.Graph()
        h.add_nodes_from(nodes)
        ns = set(nodes)
        h.add_edges_from((u, v) for u in nodes for v in g.nbrs[u] if v in ns and u < v)
        out[o] = sorted((sorted(c) for c in nx.connected_components(h)), key=lambda c: c[0])
    return out


def compactness(g: UnitGraph, owner: np.ndarray, weight: np.ndarray, n_reps: int) -> np.ndarray:
    """Per rep: the potential-weighted mean distance (km) of its units' centroids to the
    territory's centre (the potential-weighted mean of those centroids); NaN without weight."""
    out = np.full(n_reps, np.nan)
    for r in range(n_reps):
        sel = np.flatnonzero(owner == r)
        w = weight[sel]
        if not sel.size or w.sum() <= 0:
            continue
        clat = float((g.lat[sel] * w).sum() / w.sum())
        clon = float((g.lon[sel] * w).sum() / w.sum())
        d = km(g.lat[sel], g.lon[sel], np.full(sel.size, clat), np.full(sel.size, clon))
        out[r] = float((d * w).sum() / w.sum())
    return out


def contiguity_bounds(reports: list[SolveReport]) -> dict:
    """summary.json's bounds of a plan of whole units: the solver's ``bound`` is the best
    proven bound of the model *with* contiguity (the cut loop's, where it ran, else the
    bound without it); this adds the bound of the model without contiguity, summed over the
    pools, and how many pools the cut loop proved optimal with contiguity."""
    without = [r.bound_without_contiguity for r in reports]
    with_ = [r.bound for r in reports]
    return {
        "bound_with_contiguity": None if None in with_ else round(float(sum(with_)), 6),  # type: ignore[arg-type]
        "bound_without_contiguity": None if None in without else round(float(sum(without)), 6),  # type: ignore[arg-type]
        "pools_proven_optimal_with_contiguity": sum(r.status == "optimal" for r in reports),
        "pools": len(reports),
        "bound_meaning": "solver.bound and solver.gap are against the model with contiguity: the "
        "largest proven bound of the separator-cut MIP (docs/geography.md) and of the model without "
        "contiguity, whose bound is bound_without_contiguity",
    }


def fmt_km(x: float) -> float | None:
    return None if math.isnan(x) else round(x, 1)


# --------------------------------------------------------------------------- the plan's units


@dataclass(frozen=True)
class GeoSetup:
    """The geographic units of one plan: the graph, each unit's anchor (the unit of the model
    it is, or joins: see ``free_units`` and ``attach_empty``; -1 when nothing reaches it), and
    each account row's unit (-1 for an account that stays account-level: locked, or in a
    locked family).

    Units of the model are the units with accounts and the units without accounts that a
    unit with accounts of their region reaches inside the region (``like``: the unit with
    accounts whose eligibility they take); each goes to one rep. The few others (a region no
    account names, a unit cut off from its region) join the group of a unit of the model."""

    graph: UnitGraph
    anchor: np.ndarray  # (G,)
    row_unit: np.ndarray  # (N,) graph index of the account's own unit, -1 when not placed
    follows: np.ndarray  # (N,) bool: the account follows a unit (not locked)
    key: np.ndarray  # (N,) object: the model unit key of rows that follow a unit
    like: np.ndarray  # (G,) the unit with accounts whose eligibility a unit of the model takes, else -1
    has: np.ndarray  # (G,) bool: accounts follow the unit
    product: str = ""  # with product ICPs: the product whose rows these are (keys end in ::product)

    @property
    def suffix(self) -> str:
        return ROW_SEP + self.product if self.product else ""

    def places(self) -> dict[str, tuple[float, float]]:
        """Model unit key -> the centre (latitude, longitude) of its own unit."""
        g = self.graph
        return {
            unit_key(g.ids[a]) + self.suffix: (float(g.lat[a]), float(g.lon[a]))
            for a in np.unique(self.anchor[self.anchor >= 0]).tolist()
        }

    def group_nbrs(self) -> dict[str, tuple[str, ...]]:
        """Model unit key -> the keys of the groups it touches."""
        adj = group_adjacency(self.graph, self.anchor)
        ids, sfx = self.graph.ids, self.suffix
        return {
            unit_key(ids[a]) + sfx: tuple(sorted(unit_key(ids[b]) + sfx for b in bs)) for a, bs in adj.items()
        }

    def empty_units(self) -> tuple[np.ndarray, np.ndarray]:
        """The units of the model without accounts: their keys, and the keys of the units with
        accounts whose eligibility each takes (its ``like``), in unit order."""
        ids, sfx = self.graph.ids, self.suffix
        sel = np.flatnonzero((self.anchor == np.arange(self.graph.n)) & ~self.has).tolist()
        return (
            np.array([unit_key(ids[u]) + sfx for u in sel], dtype=object),
            np.array([unit_key(ids[int(self.like[u])]) + sfx for u in sel], dtype=object),
        )


@dataclass(frozen=True)
class ProductGeo:
    """Geographic units with product ICPs: each product's reps split that product's units, so
    every product has its own ``GeoSetup`` over its rows (``parts``; ``rows``: their positions
    among the plan's rows). The model's unit keys end in ``::product``, so a unit is one per
    product and the contiguity family sees one graph per product."""

    parts: dict[str, GeoSetup]
    rows: dict[str, np.ndarray]
    follows: np.ndarray  # (N,)
    key: np.ndarray  # (N,)

    def places(self) -> dict[str, tuple[float, float]]:
        return {k: v for part in self.parts.values() for k, v in part.places().items()}

    def group_nbrs(self) -> dict[str, tuple[str, ...]]:
        return {k: v for part in self.parts.values() for k, v in part.group_nbrs().items()}

    def empty_units(self) -> tuple[np.ndarray, np.ndarray]:
        got = [part.empty_units() for part in self.parts.values()]
        return (
            np.concatenate([k for k, _ in got]).astype(object),
            np.concatenate([like for _, like in got]).astype(object),
        )


def unit_key(unit_id: str) -> str:
    return f"geo:{unit_id}"


def locked_rows(accounts: pd.DataFrame, state: AccountState) -> np.ndarray:
    """Rows locked to a rep (the ``locked`` flag, a lock rule, or a pin: a locks file, a
    successor)."""
    locked = (
        accounts["locked"].to_numpy(dtype=bool)
        if "locked" in accounts.columns
        else np.zeros(len(accounts), bool)
    )
    return locked | (state.lock_to != "")


def account_unit_ids(accounts: pd.DataFrame, kind: str) -> np.ndarray:
    """Each account's unit id ('' when not placed): its county's state or FIPS code, or
    the ZIP3 of its US ZIP code (else of the nearest ZIP3 centroid in its state)."""
    from . import units

    n = len(accounts)
    county = (
        accounts["county_fips"].astype(str).to_numpy(dtype=object)
        if "county_fips" in accounts.columns
        else np.full(n, "", dtype=object)
    )
    if kind == "county":
        return county
    if kind == "state":
        co = units.counties()
        return np.array([co[c].state if c in co else "" for c in county.tolist()], dtype=object)
    from .address import read_addresses
    from .geocode import zip3_centroids

    z3 = zip3_centroids()
    addr = read_addresses(accounts)
    out = np.full(n, "", dtype=object)
    ids = sorted(z3)
    zl = np.array([z3[z][0] for z in ids])
    zo = np.array([z3[z][1] for z in ids])
    zs = np.array([z3[z][2] for z in ids], dtype=object)
    lat = pd_num(accounts, "latitude")
    lon = pd_num(accounts, "longitude")
    for i in range(n):
        p = str(addr.postal[i])[:3] if bool(addr.us[i]) else ""
        if len(p) == 3 and p in z3 and str(addr.postal[i])[:5].isdigit():
            out[i] = p
        elif not (math.isnan(lat[i]) or math.isnan(lon[i])) and county[i]:
            state = units.counties()[county[i]].state if county[i] in units.counties() else ""
            sel = np.flatnonzero(zs == state) if state else np.arange(len(ids))
            if sel.size:
                d = km(np.full(sel.size, lat[i]), np.full(sel.size, lon[i]), zl[sel], zo[sel])
                out[i] = ids[int(sel[int(np.argmin(d))])]
    return out


def pd_num(accounts: pd.DataFrame, col: str) -> np.ndarray:
    import pandas as pd

    if col not in accounts.columns:
        return np.full(len(accounts), np.nan)
    return pd.to_numeric(accounts[col], errors="coerce").to_numpy(dtype=float)


def covered_states(unit_states: set[str], region_rules: str, roster_regions: set[str]) -> set[str]:
    """The states whose units the plan assigns: every state that holds an account that follows
    a unit, and with a built-in Census rule set every state of a roster region."""
    from . import units

    out = set(unit_states)
    spec = region_rules.strip()
    if spec in ("us-census-regions", "us-census-divisions"):
        for code, s in units.states().items():
            name = s.region if spec == "us-census-regions" else s.division
            if name and name in roster_regions:
                out.add(code)
    return out


def unit_zones(
    g: UnitGraph, accounts: pd.DataFrame, own: np.ndarray, state_of: dict[str, str], region_rules: str
) -> np.ndarray:
    """Each unit's region for ``free_units`` and ``attach_empty``: a built-in Census set's region or division
    of its state; else the region of the accounts in its state when they all have one
    ('' when they differ or the state has none)."""
    from . import units

    spec = region_rules.strip()
    if spec in ("us-census-regions", "us-census-divisions"):
        st = units.states()
        zone_of = {c: (s.region if spec == "us-census-regions" else s.division) for c, s in st.items()}
    else:
        import pandas as pd

        regions = (
            accounts["region"].astype(str).to_numpy()
            if "region" in accounts.columns
            else np.full(len(own), "")
        )
        seen: dict[str, set[str]] = {}
        pairs = pd.DataFrame({"unit": own, "region": regions}).drop_duplicates()  # each pair once
        for u, r in zip(pairs["unit"].tolist(), pairs["region"].tolist()):
            if u in state_of:
                seen.setdefault(state_of[u], set()).add(r)
        zone_of = {s: next(iter(rs)) for s, rs in seen.items() if len(rs) == 1}
    return np.array([zone_of.get(s, "") for s in g.state], dtype=object)


def geo_setup(
    accounts: pd.DataFrame, reps: pd.DataFrame, kind: str, region_rules: str, *, state: AccountState
) -> GeoSetup | ProductGeo:
    """The graph and the units of a plan with ``geo.units = kind`` (accounts already checked:
    every account that follows a unit has one, see ``unit_problems``). With product ICPs
    (a ``product`` column: account-product rows) one setup per product, over its rows and the
    area of its accounts and of its reps' regions (``ProductGeo``)."""
    if "product" not in accounts.columns:
        return _geo_setup(accounts, state, reps, kind, region_rules)
    n = len(accounts)
    prods = accounts["product"].astype(str).to_numpy(dtype=object)
    carried = reps["product"].astype(str).str.strip() if "product" in reps.columns else None
    parts: dict[str, GeoSetup] = {}
    rows: dict[str, np.ndarray] = {}
    follows = np.zeros(n, dtype=bool)
    key = np.full(n, "", dtype=object)
    for prod in sorted(set(prods.tolist())):
        at = np.flatnonzero(prods == prod)
        mine = reps if carried is None else reps[carried.isin([prod, "auto", "AUTO", "Auto"]).to_numpy()]
        part = dataclasses.replace(
            _geo_setup(accounts.iloc[at], state.take(at), mine, kind, region_rules), product=prod
        )
        sfx = part.suffix
        part = dataclasses.replace(part, key=np.where(part.key != "", part.key + sfx, "").astype(object))
        parts[prod], rows[prod] = part, at
        follows[at] = part.follows
        key[at] = part.key
    return ProductGeo(parts, rows, follows, key)


def _geo_setup(
    accounts: pd.DataFrame, state: AccountState, reps: pd.DataFrame, kind: str, region_rules: str
) -> GeoSetup:
    """``geo_setup`` for one set of rows (all of them, or one product's)."""
    import pandas as pd

    ids, _names, st, *_ = _all_units(kind)
    state_of = dict(zip(ids, st))
    own = account_unit_ids(accounts, kind)
    locked = locked_rows(accounts, state)
    if "family_id" in accounts.columns:  # a family with a locked account stays account-level
        fam = accounts["family_id"].astype(str)
        locked = fam.isin(set(fam[locked])).to_numpy()
    follows = ~locked & (own != "")
    roster_regions = set(reps["region"].astype(str)) if "region" in reps.columns else set()
    states = covered_states(
        {state_of[u] for u in pd.unique(own[follows]).tolist() if u in state_of}, region_rules, roster_regions
    )
    g = unit_graph(kind, states)
    row_unit = pd.Index(g.ids).get_indexer(pd.Index(own)).astype(np.int64)
    unit_of_row = family_units(accounts, state, row_unit, follows)
    has = np.zeros(g.n, dtype=bool)
    has[unit_of_row[follows & (unit_of_row >= 0)]] = True
    zone = unit_zones(g, accounts, own, state_of, region_rules)
    like = free_units(g, has, zone)
    anchor = attach_empty(g, like >= 0, zone)
    key = np.full(len(accounts), "", dtype=object)
    sel = np.flatnonzero(follows & (unit_of_row >= 0))
    key[sel] = np.array([unit_key(u) for u in g.ids], dtype=object)[unit_of_row[sel]]
    return GeoSetup(g, anchor, row_unit, follows & (unit_of_row >= 0), key, like, has)


def family_units(
    accounts: pd.DataFrame, state: AccountState, row_unit: np.ndarray, follows: np.ndarray
) -> np.ndarray:
    """The unit each row follows: a family follows one unit, its head's (the row whose key,
    ``state.row_id`` with product ICPs, else ``account_id``, is the family id), else the smallest
    unit of its members; rows without a family (or whose family has no unit) keep their own
    (``row_unit``, -1 for none). Only rows that ``follows`` and have a unit vote."""
    import pandas as pd

    if "family_id" not in accounts.columns:
        return row_unit.copy()
    fam = accounts["family_id"].astype(str)
    rid = state.keys(accounts)
    code, names = pd.factorize(fam)
    ok = follows & (row_unit >= 0)
    head = ok & (rid == fam.to_numpy())
    big = np.iinfo(np.int64).max
    smallest = np.full(len(names), big, dtype=np.int64)
    np.minimum.at(smallest, code[ok], row_unit[ok])
    chosen = smallest.copy()
    chosen[code[head]] = row_unit[head]  # the head's unit wins (one head per family)
    return np.where(chosen[code] != big, chosen[code], row_unit).astype(np.int64)


def unit_problems(accounts: pd.DataFrame, state: AccountState, kind: str, file: str, locate: bool) -> list:
    """Input problems of ``geo.units``: accounts that should follow a unit but have none."""
    from ..errors import Problem
    from ..io.loading import spreadsheet_rows

    if not locate:
        return [
            Problem(
                file,
                f"geo.units = {kind} needs the accounts placed on the map, but geo.locate is false",
                hint="set geo.locate = true, or geo.units = none",
            )
        ]
    own = account_unit_ids(accounts, kind)
    missing = (own == "") & ~locked_rows(accounts, state)
    if not missing.any():
        return []
    word = KIND_WORDS[kind]
    # Placed but in no unit: the US territories but Puerto Rico have no county in the data.
    placed = ~np.isnan(pd_num(accounts, "latitude")) & ~np.isnan(pd_num(accounts, "longitude"))
    out = []
    for mask, why in (
        (missing & ~placed, "not placed on the map"),
        (
            missing & placed,
            f"placed on the map, but outside the 50 states, DC and Puerto Rico, where the offline "
            f"data has no {KIND_PLURAL[kind]}",
        ),
    ):
        if not mask.any():
            continue
        rows = spreadsheet_rows(accounts)[mask]
        shown = ", ".join(str(int(r)) for r in rows[:20]) + (
            f" and {len(rows) - 20} more" if len(rows) > 20 else ""
        )
        out.append(
            Problem(
                file,
                f"{len(rows):,} {'account has' if len(rows) == 1 else 'accounts have'} no {word} ({why}), "
                f"so {'it' if len(rows) == 1 else 'they'} cannot follow a {word} "
                f"(geo.units = {kind}): {'row' if len(rows) == 1 else 'rows'} {shown}",
                column="postal_code",
                hint="give them a US postal code, city and state, or latitude/longitude; or lock them "
                "to a rep (locked accounts stay with their rep)"
                if why == "not placed on the map"
                else "lock them to a rep (locked accounts stay with their rep), or plan them without "
                "geo.units in a plan of their own",
            )
        )
    return out


def territories(
    geo: GeoSetup | ProductGeo,
    accounts: pd.DataFrame,
    new_owner: np.ndarray,
    rep_ids: list[str],
    reports: list[SolveReport] | None = None,
    unit_owner: dict[str, int] | None = None,
    measures: Sequence[str] = (),
) -> tuple[pd.DataFrame, dict]:
    """territories.csv (one row per unit: its owner, the accounts that follow it, their
    tiers, potential and the sum of every other balanced ``measures`` column) and summary.json's ``geography.territories``, with the bounds of
    the pools' ``reports`` with and without contiguity. ``unit_owner`` (model unit key -> rep
    index) gives the owners of the units of the model without accounts. Raises
    ``InfeasiblePlanError`` if a unit has no owner or a territory is not one piece.

    With product ICPs: one row per unit and product (a ``product`` column after ``state``),
    and the summary per product (``products``) with every rep's compactness and units."""
    if isinstance(geo, GeoSetup):
        return _territories(geo, accounts, new_owner, rep_ids, reports, unit_owner, measures)
    import pandas as pd

    frames, per = [], {}
    for prod, part in geo.parts.items():
        at = geo.rows[prod]
        frame, summary = _territories(
            part, accounts.iloc[at], new_owner[at], rep_ids, None, unit_owner, measures
        )
        frame.insert(3, "product", prod)
        frames.append(frame)
        held = set(np.unique(new_owner[at]).tolist())
        summary["compactness_km"]["per_rep"] = {
            r: v for i, (r, v) in enumerate(summary["compactness_km"]["per_rep"].items()) if i in held
        }
        summary["units_per_rep"] = {
            r: v for i, (r, v) in enumerate(summary["units_per_rep"].items()) if i in held
        }
        for k in ("every_territory_one_piece", "units", *contiguity_bounds([])):
            summary.pop(k)
        per[prod] = summary
    kind = next(iter(geo.parts.values())).graph.kind
    return pd.concat(frames, ignore_index=True), {
        "units": kind,
        "products": per,
        "every_territory_one_piece": True,
        **contiguity_bounds(reports or []),
    }


def _territories(
    geo: GeoSetup,
    accounts: pd.DataFrame,
    new_owner: np.ndarray,
    rep_ids: list[str],
    reports: list[SolveReport] | None = None,
    unit_owner: dict[str, int] | None = None,
    measures: Sequence[str] = (),
) -> tuple[pd.DataFrame, dict]:
    """``territories`` for one set of rows (all of them, or one product's)."""
    import pandas as pd

    from ..errors import InfeasiblePlanError

    g = geo.graph
    pos = g.index()
    rows = np.flatnonzero(geo.follows)
    cut = len(geo.suffix)
    key_unit = np.array([pos[k[4 : len(k) - cut]] for k in geo.key[rows].tolist()], dtype=np.int64)
    owner_of_anchor = np.full(g.n, -1, dtype=np.int64)
    owner_of_anchor[key_unit] = new_owner[rows]
    keys, _like = geo.empty_units()
    empty = [pos[k[4 : len(k) - cut]] for k in keys.tolist()]
    owner_of_anchor[empty] = [(unit_owner or {}).get(k, -1) for k in keys.tolist()]
    owner = np.where(geo.anchor >= 0, owner_of_anchor[np.maximum(geo.anchor, 0)], -1)
    tier = accounts["tier"].to_numpy(dtype=np.int64)[rows]
    pot = pd.to_numeric(accounts["potential"], errors="coerce").fillna(0.0).to_numpy(dtype=float)[rows]
    n_acc = np.bincount(key_unit, minlength=g.n)
    tiers = [np.bincount(key_unit, weights=(tier == t), minlength=g.n).astype(np.int64) for t in (1, 2, 3)]
    potential = np.bincount(key_unit, weights=pot, minlength=g.n)
    if (owner < 0).any():
        missing = [g.ids[u] for u in np.flatnonzero(owner < 0)[:10].tolist()]
        raise InfeasiblePlanError(
            f"{int((owner < 0).sum())} units got no owner (e.g. {missing}); this is a bug, please report it"
        )
    broken = {o: ps for o, ps in pieces(g, owner).items() if len(ps) > 1}
    if broken:
        lines = [
            f"{rep_ids[o]}: {len(ps)} pieces ({', '.join(g.ids[p[0]] for p in ps[:5])} ...)"
            for o, ps in sorted(broken.items())
        ]
        raise InfeasiblePlanError(
            "A territory is not one connected piece, so the plan is not written:\n  - "
            + "\n  - ".join(lines)
            + "\nThis is a bug; please report it with your inputs."
        )
    rep_arr = np.asarray(rep_ids, dtype=object)
    frame = pd.DataFrame(
        {
            "unit_id": list(g.ids),
            "unit_name": list(g.names),
            "state": list(g.state),
            "owner_id": rep_arr[owner],
            "accounts": n_acc,
            "tier_1": tiers[0],
            "tier_2": tiers[1],
            "tier_3": tiers[2],
            "potential": np.round(potential, 2),
        }
    )
    for name in measures:  # every other balanced measure, summed like potential
        if name == "potential" or name not in accounts.columns:
            continue
        vals = pd.to_numeric(accounts[name], errors="coerce").fillna(0.0).to_numpy(dtype=float)[rows]
        col = name if name not in frame.columns else f"{name}_total"
        frame[col] = np.round(np.bincount(key_unit, weights=vals, minlength=g.n), 2)
    comp = compactness(g, owner, potential, len(rep_ids))
    units_per_rep = np.bincount(owner, minlength=len(rep_ids))
    summary = {
        "units": g.kind,
        "units_total": g.n,
        "units_with_accounts": int((n_acc > 0).sum()),
        "units_without_accounts": int((n_acc == 0).sum()),
        "accounts_following_units": int(rows.size),
        "accounts_account_level": int(len(accounts) - rows.size),
        "added_links": [list(x) for x in g.links],
        # an added link (units that share no border) inside one territory: that territory is
        # one piece only through it, which the terminal says
        "links_inside_territories": [
            [a, b, rep_ids[int(owner[pos[a]])]] for a, b in g.links if owner[pos[a]] == owner[pos[b]]
        ],
        "every_territory_one_piece": True,
        **contiguity_bounds(reports or []),
        "compactness_km": {
            "meaning": "potential-weighted mean distance of a territory's unit centres to its centre",
            "mean": fmt_km(float(np.nanmean(comp))) if np.isfinite(comp).any() else None,
            "per_rep": {rep_ids[r]: fmt_km(float(comp[r])) for r in range(len(rep_ids))},
        },
        "units_per_rep": {rep_ids[r]: int(units_per_rep[r]) for r in range(len(rep_ids))},
    }
    return frame, summary
