"""The packaged US geographic units: states and counties with names, FIPS codes, Census
regions, centroids, adjacency and simplified outlines (built by ``scripts/build_geo_data.py``).

Unit ids are stable text keys that later features (territories made of whole units) can use
directly: a state's USPS code ('CA'), a county's 5-digit FIPS code ('06037'), a ZIP3 prefix
('941'). Everything is read once per process and cached.
"""

from __future__ import annotations

import csv
import gzip
import io
import json
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Any

import numpy as np

DATA_PACKAGE = "territory.geo.data"


def _read_text(name: str) -> str:
    raw = resources.files(DATA_PACKAGE).joinpath(name).read_bytes()
    if name.endswith(".gz"):
        raw = gzip.decompress(raw)
    return raw.decode("utf-8")


@dataclass(frozen=True)
class State:
    """A state, DC or Puerto Rico."""

    fips: str
    code: str
    name: str
    region: str  # Census region ('' for Puerto Rico, which is in none)
    division: str  # Census division ('' for Puerto Rico)
    latitude: float
    longitude: float
    neighbours: tuple[str, ...]  # state codes sharing a county border


@dataclass(frozen=True)
class County:
    """A county or county equivalent (parish, borough, census area, independent city)."""

    fips: str
    state: str
    name: str
    latitude: float
    longitude: float
    land_km2: int


@lru_cache(maxsize=1)
def states() -> dict[str, State]:
    """State code -> ``State`` for the 50 states, DC and PR."""
    out: dict[str, State] = {}
    for row in csv.DictReader(io.StringIO(_read_text("states.csv"))):
        out[row["code"]] = State(
            fips=row["fips"],
            code=row["code"],
            name=row["name"],
            region=row["region"],
            division=row["division"],
            latitude=float(row["latitude"]),
            longitude=float(row["longitude"]),
            neighbours=tuple(n for n in row["neighbours"].split(";") if n),
        )
    return out


@lru_cache(maxsize=1)
def counties() -> dict[str, County]:
    """5-digit FIPS -> ``County`` (Census 2016 county list, 3,220 counties incl. PR)."""
    out: dict[str, County] = {}
    for row in csv.DictReader(io.StringIO(_read_text("counties.csv.gz"))):
        out[row["fips"]] = County(
            fips=row["fips"],
            state=row["state"],
            name=row["name"],
            latitude=float(row["latitude"]),
            longitude=float(row["longitude"]),
            land_km2=int(row["land_km2"]),
        )
    return out


@lru_cache(maxsize=1)
def county_adjacency() -> tuple[tuple[str, str], ...]:
    """Pairs of neighbouring counties (FIPS, FIPS), each once, smaller code first.

    From the Census Bureau county adjacency file (2010), recoded to the 2016 county list.
    The Hawaiian counties of Hawaii, Honolulu and Kauai have no neighbour (islands).
    """
    rows = csv.reader(io.StringIO(_read_text("county_adjacency.csv.gz")))
    next(rows)
    return tuple((a, b) for a, b in rows)


def adjacency(level: str) -> dict[str, tuple[str, ...]]:
    """Unit id -> neighbouring unit ids, for ``level`` 'state' or 'county'."""
    if level == "state":
        return {code: s.neighbours for code, s in states().items()}
    if level == "county":
        nb: dict[str, list[str]] = {f: [] for f in counties()}
        for a, b in county_adjacency():
            nb[a].append(b)
            nb[b].append(a)
        return {k: tuple(sorted(v)) for k, v in nb.items()}
    raise ValueError(f"unknown unit level {level!r}: use 'state' or 'county'")


Rings = tuple[np.ndarray, ...]


@dataclass(frozen=True)
class Shapes:
    """Simplified outlines in the map frame (units of ``grid_km`` kilometres, y down), at
    several simplification tolerances (km): ``states[tolerance][code]``,
    ``counties[tolerance][fips]``, each a tuple of rings ((n, 2) integer arrays)."""

    grid_km: float
    states: dict[float, dict[str, Rings]]
    counties: dict[float, dict[str, Rings]]

    def _levels(self, level: str) -> dict[float, dict[str, Rings]]:
        if level == "zip3":
            return zip3_areas().outlines
        return self.states if level == "state" else self.counties

    def table(self, level: str, tolerance: float | None = None) -> dict[str, Rings]:
        """The outlines of ``level`` ('state', 'county' or 'zip3') at ``tolerance`` (default
        finest)."""
        levels = self._levels(level)
        return levels[min(levels) if tolerance is None else tolerance]

    def tolerance_for(self, level: str, km_per_pt: float) -> float:
        """The coarsest tolerance that stays under one printed point."""
        levels = sorted(self._levels(level))
        fitting = [t for t in levels if t <= km_per_pt]
        return fitting[-1] if fitting else levels[0]


def _rings(flat_rings: list[list[int]]) -> tuple[np.ndarray, ...]:
    out = []
    for flat in flat_rings:
        arr = np.asarray(flat, dtype=np.int64).reshape(-1, 2)
        out.append(np.cumsum(arr, axis=0))
    return tuple(out)


@lru_cache(maxsize=1)
def shapes() -> Shapes:
    """The packaged outlines, decoded once per process."""
    data: dict[str, Any] = json.loads(_read_text("geometry.json.gz"))
    return Shapes(
        grid_km=float(data["grid_km"]),
        states={float(k): {u["id"]: _rings(u["rings"]) for u in v} for k, v in data["states"].items()},
        counties={float(k): {u["id"]: _rings(u["rings"]) for u in v} for k, v in data["counties"].items()},
    )


@dataclass(frozen=True)
class Zip3Areas:
    """ZIP3 areas: outlines built from the ZIP centroids (``scripts/build_zip3_areas.py``:
    Voronoi cells of the ZIPs clipped to the state outlines, joined by ZIP3), on the grid of
    ``Shapes``, at 2 and 5 km; each area's state; and which areas share a border."""

    outlines: dict[float, dict[str, Rings]]
    state: dict[str, str]
    adjacency: tuple[tuple[str, str], ...]
    without_area: tuple[str, ...]  # ZIP3s on other ZIP3s' points, linked to the area round them


@lru_cache(maxsize=1)
def zip3_areas() -> Zip3Areas:
    """The packaged ZIP3 areas, decoded once per process (only maps and plans of ZIP3 units
    read them)."""
    data: dict[str, Any] = json.loads(_read_text("zip3_areas.json.gz"))
    if float(data["grid_km"]) != shapes().grid_km:
        raise ValueError("zip3_areas.json.gz and geometry.json.gz use different grids")
    return Zip3Areas(
        outlines={float(k): {u["id"]: _rings(u["rings"]) for u in v} for k, v in data["levels"].items()},
        state={u["id"]: u["state"] for u in next(iter(data["levels"].values()))},
        adjacency=tuple((a, b) for a, b in data["adjacency"]),
        without_area=tuple(data["without_area"]),
    )
