"""Build the ZIP3 area outlines and their adjacency (territory/geo/data/zip3_areas.json.gz).

Run once; the output is committed. Needs shapely (dev-only, ``pip install -e '.[geo-build]'``)
and only what territory already ships: the state outlines of ``geometry.json.gz`` (2 km) and
the ZIP table of ``zips.csv.gz``. ZIP3 areas have no published outlines, so:

* every 5-digit ZIP centroid of a state gets the part of that state nearer to it than to any
  other ZIP centroid of the state (a Voronoi cell clipped to the state outline); a point
  shared by several ZIPs goes to the ZIP3 with most ZIPs there (ties: the smaller prefix);
* a ZIP3 area is the union of the cells of its ZIPs, in every state it has ZIPs in;
* the areas are simplified as one coverage per map frame at 2 and 5 km (shared borders stay
  shared) and rounded to the 0.5 km grid of the other outlines;
* two ZIP3 areas are neighbours when their simplified 2 km outlines share a border (not just
  a corner); a ZIP3 whose ZIPs all sit on points another ZIP3 won (PO boxes and unique ZIPs
  of one building), or whose area is under about 1 km2, has no area and is linked to the
  ZIP3 whose area holds its centre (or is nearest to it).

The output is deterministic: the same inputs give the same bytes.
"""

from __future__ import annotations

import json
import sys
from collections import Counter, defaultdict
from functools import reduce
from pathlib import Path

import numpy as np
import shapely
from shapely.geometry import MultiPoint, Polygon

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))

from build_geo_data import quantize_rings, write_gz  # noqa: E402

from territory.geo.geocode import zip3_centroids, zip_table  # noqa: E402
from territory.geo.maps import state_frame  # noqa: E402
from territory.geo.projection import project  # noqa: E402
from territory.geo.units import shapes  # noqa: E402

OUT = ROOT / "territory" / "geo" / "data" / "zip3_areas.json.gz"
LEVELS_KM = (2.0, 5.0)


def state_polygons() -> dict[str, shapely.Geometry]:
    """The packaged 2 km state outlines (km) as polygons: rings combined even-odd."""
    s = shapes()
    out = {}
    for code, rings in s.table("state", 2.0).items():
        polys = [shapely.make_valid(Polygon(r * s.grid_km)) for r in rings if len(r) >= 3]
        out[code] = shapely.make_valid(reduce(shapely.symmetric_difference, polys))
    return out


def zip3_cells(states: dict[str, shapely.Geometry]) -> dict[str, tuple[str, shapely.Geometry]]:
    """ZIP3 -> (its state, its area in km) from the Voronoi cells of the ZIP centroids."""
    table = zip_table().zips
    lat = np.array([v[0] for v in table.values()])
    lon = np.array([v[1] for v in table.values()])
    x, y, frame = project(lon, lat)
    votes: dict[str, dict[tuple[float, float], Counter[str]]] = defaultdict(lambda: defaultdict(Counter))
    for (code, (_lat, _lon, state, _county)), px, py, fr in zip(table.items(), x, y, frame):
        if state in states and fr == state_frame(state):
            votes[state][(round(float(px), 3), round(float(py), 3))][code[:3]] += 1
    parts: dict[str, list[shapely.Geometry]] = defaultdict(list)
    for state, points in sorted(votes.items()):
        poly = states[state]
        keys = sorted(points)
        owner = [min(points[k], key=lambda p: (-points[k][p], p)) for k in keys]
        if len(keys) == 1:
            parts[owner[0]].append(poly)
            continue
        box = shapely.box(*poly.buffer(50.0).bounds)
        cells = shapely.voronoi_polygons(MultiPoint(keys), extend_to=box, ordered=True).geoms
        for z, cell in zip(owner, cells):
            part = shapely.intersection(cell, poly)
            if not part.is_empty:
                parts[z].append(part)
    home = {z: v[2] for z, v in zip3_centroids().items()}
    return {z: (home.get(z, ""), shapely.make_valid(shapely.union_all(g))) for z, g in sorted(parts.items())}


def main() -> None:
    states = state_polygons()
    areas = zip3_cells(states)
    ids = sorted(areas)
    frame_of = {z: state_frame(areas[z][0]) for z in ids}
    levels: dict[str, list[dict]] = {}
    for tol in LEVELS_KM:
        simplified: dict[str, shapely.Geometry] = {}
        for fr in sorted(set(frame_of.values())):
            members = [z for z in ids if frame_of[z] == fr]
            simple = shapely.coverage_simplify(np.array([areas[z][1] for z in members], dtype=object), tol)
            simplified.update({z: shapely.make_valid(g) for z, g in zip(members, simple)})
        levels[f"{tol:g}"] = [
            {"id": z, "state": areas[z][0], "rings": quantize_rings(simplified[z], tol * tol)} for z in ids
        ]
    # an area under about 1 km2 (a federal building's ZIP3 in DC) keeps no ring: no area
    empty = {it["id"] for items in levels.values() for it in items if not it["rings"]}
    levels = {k: [it for it in items if it["id"] not in empty] for k, items in levels.items()}
    ids = [z for z in ids if z not in empty]
    # neighbours: an edge of the 2 km outlines used by two different ZIP3 areas
    users: dict[tuple[int, int, int, int], set[str]] = defaultdict(set)
    for item in levels["2"]:
        for flat in item["rings"]:
            pts = np.cumsum(np.asarray(flat, dtype=np.int64).reshape(-1, 2), axis=0).tolist()
            for (ax, ay), (bx, by) in zip(pts, pts[1:] + pts[:1]):
                key = (ax, ay, bx, by) if (ax, ay) < (bx, by) else (bx, by, ax, ay)
                users[key].add(item["id"])
    pairs = {tuple(sorted(u)) for u in users.values() if len(u) == 2}
    # ZIP3s without an area: linked to the area that holds their centre
    lost = []
    cent = zip3_centroids()
    for z, (la, lo, _state, _n) in sorted(cent.items()):
        if z in ids:
            continue
        px, py, fr = project(np.array([lo]), np.array([la]))
        if fr[0] == "":
            continue  # military and overseas ZIP3s: off every map
        pt = shapely.Point(float(px[0]), float(py[0]))
        # the area round its centre (a centre just off the coast: the nearest area)
        holder = min(ids, key=lambda a: (areas[a][1].distance(pt), a))
        pairs.add(tuple(sorted((z, holder))))
        lost.append(z)
    data = {
        "grid_km": shapes().grid_km,
        "levels": levels,
        "adjacency": sorted(list(p) for p in pairs),
        "without_area": lost,
    }
    write_gz(OUT, json.dumps(data, separators=(",", ":")))
    for key, items in levels.items():
        n = sum(len(r) // 2 for it in items for r in it["rings"])
        print(f"ZIP3 areas at {key} km: {len(items)} areas, {n:,} vertices")
    print(
        f"{len(pairs)} neighbouring pairs; without an area (linked to the area around them): {', '.join(lost)}"
    )
    print(f"{OUT.name}: {OUT.stat().st_size:,} bytes")


if __name__ == "__main__":
    main()
