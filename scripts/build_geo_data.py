"""Build the packaged US geography in territory/geo/data/ (run once; the output is committed).

Needs dev-only packages that territory does not use at run time:

    pip install plotly-geo==1.0.0 pyshp shapely

and the public tables in ../shared/data (see territory/geo/data/SOURCES.md). It:

* reads the Census 2016 cartographic boundary counties (cb_2016_us_county_500k, public domain,
  shipped in the plotly-geo wheel), keeping the 50 states, DC and Puerto Rico;
* projects them into the map frame of ``territory.geo.projection`` (Albers, with Alaska,
  Hawaii and Puerto Rico as insets), simplifies them as one coverage (shared borders stay
  shared, so no gaps or overlaps open between neighbours), and rounds them to a 0.5 km grid;
* dissolves the simplified counties into states, so state outlines and county areas agree;
* writes county and state tables (FIPS, names, Census region and division, centroids) and
  the Census county adjacency pairs, recoded to the 2016 county list.

The output is deterministic: the same inputs give the same bytes.
"""

from __future__ import annotations

import csv
import gzip
import io
import json
import sys
from collections import defaultdict
from pathlib import Path

import numpy as np
import shapefile  # pyshp
import shapely
from shapely.geometry import Polygon, shape

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from territory.geo.projection import FRAMES  # noqa: E402

SHARED = ROOT.parent / "shared" / "data"
OUT = ROOT / "territory" / "geo" / "data"
GRID_KM = 0.5  # coordinates are stored as integers in units of 0.5 km
# Coverage simplification tolerances: a map picks the coarsest level whose tolerance is under
# one printed point (a US map 500 pt wide: 1 pt = 11 km; a region 1,000 km wide: 1 pt = 2 km).
# WeasyPrint spends ~40 us per vertex, so fewer vertices keep a book with a map fast.
STATE_LEVELS_KM = (2.0, 5.0, 10.0)
COUNTY_LEVELS_KM = (2.0, 5.0)

# 2010 Census adjacency codes that changed by 2016 (Census "substantial changes to counties").
RECODE = {"46113": "46102", "02270": "02158", "51515": "51019"}
ISLAND_AREAS = {"60", "66", "69", "78"}  # American Samoa, Guam, N. Marianas, US Virgin Islands


def frame_for(state_fips: str) -> str:
    return {"02": "AK", "15": "HI", "72": "PR"}.get(state_fips, "L48")


def project_geom(geom: shapely.Geometry, frame: str) -> shapely.Geometry:
    proj = FRAMES[frame]

    def tx(coords: np.ndarray) -> np.ndarray:
        x, y = proj(coords[:, 0], coords[:, 1])
        return np.column_stack([x, y])

    return shapely.transform(geom, tx)


def quantize_rings(geom: shapely.Geometry, min_km2: float) -> list[list[int]]:
    """Outer and inner rings as flat delta-encoded integer lists [x0, y0, dx1, dy1, ...].

    Islands and holes smaller than ``min_km2`` are dropped, except a unit's largest part.
    """
    polys = [g for g in (geom.geoms if hasattr(geom, "geoms") else [geom]) if isinstance(g, Polygon)]
    out: list[list[int]] = []
    for k, poly in enumerate(sorted(polys, key=lambda p: (-p.area, p.bounds))):
        if poly.is_empty or (k > 0 and poly.area < min_km2):
            continue
        rings = [poly.exterior, *[r for r in poly.interiors if Polygon(r).area >= min_km2]]
        for ring in rings:
            pts = np.rint(np.asarray(ring.coords) / GRID_KM).astype(np.int64)
            keep = np.ones(len(pts), dtype=bool)
            keep[1:] = np.any(pts[1:] != pts[:-1], axis=1)
            pts = pts[keep]
            if len(pts) < 4:
                continue
            # twice the ring's area in grid units; drop specks under ~1 km2
            a = abs(np.dot(pts[:-1, 0], pts[1:, 1]) - np.dot(pts[1:, 0], pts[:-1, 1]))
            if a < 8:
                continue
            pts = pts[:-1]  # the closing point is implied
            flat = np.concatenate([pts[:1], np.diff(pts, axis=0)]).ravel()
            out.append([int(v) for v in flat])
    return out


def read_counties() -> list[dict]:
    import _plotly_geo

    base = Path(_plotly_geo.__file__).parent / "package_data" / "cb_2016_us_county_500k"
    r = shapefile.Reader(str(base))
    rows = []
    for sr in r.iterShapeRecords():
        rec = sr.record.as_dict()
        if rec["STATEFP"] in ISLAND_AREAS:
            continue
        geom = shape(sr.shape.__geo_interface__)
        if rec["STATEFP"] == "15":  # the inset shows the main islands, not the NW chain
            geom = geom.intersection(shapely.box(-160.6, 18.0, -154.0, 22.6))
        rows.append(
            {
                "fips": rec["GEOID"],
                "state_fips": rec["STATEFP"],
                "name": rec["NAME"],
                "lsad": rec["LSAD"],
                "aland": int(rec["ALAND"]),
                "geom": geom,
            }
        )
    rows.sort(key=lambda c: c["fips"])
    return rows


LSAD_WORD = {
    "06": "County",
    "15": "Parish",
    "04": "Borough",
    "05": "Census Area",
    "12": "Municipality",
    "13": "Municipio",
    "25": "city",
    "03": "City and Borough",
    "00": "",
    "07": "District",
}


def centroid_lonlat(geom: shapely.Geometry) -> tuple[float, float]:
    # the Aleutians cross 180 degrees: shift east longitudes before taking the centroid
    g = shapely.transform(
        geom, lambda c: np.column_stack([np.where(c[:, 0] > 0, c[:, 0] - 360, c[:, 0]), c[:, 1]])
    )
    p = g.centroid
    return round(p.x, 4), round(p.y, 4)


def census_regions() -> dict[str, tuple[str, str]]:
    path = SHARED / "us-census-regions" / "us census bureau regions and divisions.csv"
    out = {}
    with open(path, newline="", encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            if row["Region"] != "Oceania":  # territories are in no Census region (SOURCES.md)
                out[row["State Code"]] = (row["Region"], row["Division"])
    return out


def read_adjacency(known: set[str]) -> list[tuple[str, str]]:
    pairs: set[tuple[str, str]] = set()
    current = ""
    with open(SHARED / "us-county-adjacency" / "county_adjacency.txt", encoding="latin-1") as fh:
        for line in fh:
            parts = line.rstrip("\n").split("\t")
            if parts[1].strip():
                current = parts[1].strip()
            other = parts[3].strip()
            a, b = RECODE.get(current, current), RECODE.get(other, other)
            if a != b and a in known and b in known:
                pairs.add((min(a, b), max(a, b)))
    return sorted(pairs)


def write_gz(path: Path, text: str) -> None:
    # mtime=0 and no file name in the header: the same text gives the same bytes
    buf = io.BytesIO()
    with gzip.GzipFile(filename="", mode="wb", fileobj=buf, mtime=0, compresslevel=9) as gz:
        gz.write(text.encode("utf-8"))
    path.write_bytes(buf.getvalue())


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    counties = read_counties()
    import _plotly_geo

    sbase = Path(_plotly_geo.__file__).parent / "package_data" / "cb_2016_us_state_500k"
    states_meta = {}
    for rec in shapefile.Reader(str(sbase)).records():
        d = rec.as_dict()
        if d["STATEFP"] not in ISLAND_AREAS:
            states_meta[d["STATEFP"]] = (d["STUSPS"], d["NAME"])
    regions = census_regions()

    by_frame: dict[str, list[dict]] = defaultdict(list)
    for c in counties:
        by_frame[frame_for(c["state_fips"])].append(c)
    projected = {
        frame: [project_geom(c["geom"], frame) for c in items] for frame, items in sorted(by_frame.items())
    }
    sreader = shapefile.Reader(str(sbase))
    state_geoms: dict[str, dict[str, shapely.Geometry]] = defaultdict(dict)
    for sr in sreader.iterShapeRecords():
        rec = sr.record.as_dict()
        if rec["STATEFP"] in ISLAND_AREAS:
            continue
        geom = shape(sr.shape.__geo_interface__)
        if rec["STATEFP"] == "15":
            geom = geom.intersection(shapely.box(-160.6, 18.0, -154.0, 22.6))
        frame = frame_for(rec["STATEFP"])
        state_geoms[frame][rec["STUSPS"]] = project_geom(geom, frame)
    geometry: dict[str, dict[str, list]] = {"counties": {}, "states": {}}
    for tol in sorted(set(STATE_LEVELS_KM) | set(COUNTY_LEVELS_KM)):
        simplified: dict[str, shapely.Geometry] = {}
        for frame, items in sorted(by_frame.items()):
            simple = shapely.coverage_simplify(np.array(projected[frame], dtype=object), tol)
            for c, g in zip(items, simple):
                simplified[c["fips"]] = shapely.make_valid(g)
        key = f"{tol:g}"
        if tol in COUNTY_LEVELS_KM:
            geometry["counties"][key] = [
                {"id": c["fips"], "rings": quantize_rings(simplified[c["fips"]], tol * tol)} for c in counties
            ]
        if tol in STATE_LEVELS_KM:
            items = []
            for _frame, geoms in sorted(state_geoms.items()):
                codes = sorted(geoms)
                simple = shapely.coverage_simplify(np.array([geoms[c] for c in codes], dtype=object), tol)
                items += [(c, shapely.make_valid(g)) for c, g in zip(codes, simple)]
            geometry["states"][key] = [
                {"id": c, "rings": quantize_rings(g, tol * tol)} for c, g in sorted(items)
            ]
    county_rows = []
    for c in counties:
        code = states_meta[c["state_fips"]][0]
        lon, lat = centroid_lonlat(c["geom"])
        word = LSAD_WORD.get(c["lsad"], "")
        full = c["name"] if (not word or c["name"].lower().endswith(word.lower())) else f"{c['name']} {word}"
        county_rows.append([c["fips"], code, full, lat, lon, c["aland"]])

    write_gz(OUT / "geometry.json.gz", json.dumps({"grid_km": GRID_KM, **geometry}, separators=(",", ":")))

    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(["fips", "state", "name", "latitude", "longitude", "land_km2"])
    for fips, code, full, lat, lon, aland in county_rows:
        w.writerow([fips, code, full, f"{lat:.4f}", f"{lon:.4f}", round(aland / 1e6)])
    write_gz(OUT / "counties.csv.gz", buf.getvalue())

    known = {c["fips"] for c in counties}
    adj = read_adjacency(known)
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(["fips", "neighbour_fips"])
    w.writerows(adj)
    write_gz(OUT / "county_adjacency.csv.gz", buf.getvalue())

    state_of = {c["fips"]: states_meta[c["state_fips"]][0] for c in counties}
    state_pairs = sorted(
        {tuple(sorted((state_of[a], state_of[b]))) for a, b in adj if state_of[a] != state_of[b]}
    )
    state_centroid = {}
    for sfips, (code, _name) in states_meta.items():
        geoms = [c["geom"] for c in counties if c["state_fips"] == sfips]
        state_centroid[code] = centroid_lonlat(shapely.union_all(geoms))
    with open(OUT / "states.csv", "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(["fips", "code", "name", "region", "division", "latitude", "longitude", "neighbours"])
        for sfips, (code, name) in sorted(states_meta.items()):
            region, division = regions.get(code, ("", ""))
            lon, lat = state_centroid[code]
            nb = ";".join(sorted({b if a == code else a for a, b in state_pairs if code in (a, b)}))
            w.writerow([sfips, code, name, region, division, f"{lat:.4f}", f"{lon:.4f}", nb])
    for kind, levels in geometry.items():
        for key, items in levels.items():
            n = sum(len(r) // 2 for it in items for r in it["rings"])
            print(f"{kind} at {key} km: {n:,} vertices")
    lonely = sorted(known - {x for p in adj for x in p})
    print(
        f"{len(counties)} counties, {len(adj)} adjacent pairs, {len(state_pairs)} state pairs; "
        f"counties without neighbours: {', '.join(lonely)}"
    )
    for p in sorted(OUT.iterdir()):
        print(f"{p.name}: {p.stat().st_size:,} bytes")


if __name__ == "__main__":
    main()
