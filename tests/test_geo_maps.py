"""SVG maps: the pure renderer, and the map pages of the rep book, roll-up and plan summary."""

from __future__ import annotations

import csv
import re
import socket
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from conftest_books import GENERATED_ON, copy_fixture, pdf_pages_text, render_checked

from territory.geo import maps
from territory.geo.address import read_addresses
from territory.geo.book_maps import TIER_SERIES, plan_map, rep_map
from territory.geo.geocode import place_accounts
from territory.geo.projection import project
from territory.reporting import build_manager_rollup, build_plan_summary, build_rep_book, load_plan_dir
from territory.reporting.render import AssetFetcher

SERIES = [maps.Series("A", "#0072B2", "circle"), maps.Series("B", "#E69F00", "square")]


def points(lat: list[float], lon: list[float]) -> tuple[np.ndarray, np.ndarray]:
    x, y, _ = project(np.array(lon), np.array(lat))
    return x, y


# --------------------------------------------------------------------------- the renderer


def test_render_is_deterministic_self_contained_and_small() -> None:
    x, y = points([40.7, 34.05, 61.2], [-74.0, -118.25, -149.9])
    a = maps.render_map(x, y, np.array([0, 1, 0]), SERIES, county_fill={"36061": "#aabbcc"}, title="T")
    b = maps.render_map(x, y, np.array([0, 1, 0]), SERIES, county_fill={"36061": "#aabbcc"}, title="T")
    assert a == b
    assert a.startswith('<svg xmlns="http://www.w3.org/2000/svg"') and a.endswith("</svg>")
    for needle in ("href", "url(", "<image", "<script", "file:", "data:", "<use", "<foreignObject"):
        assert needle not in a
    assert len(a) < 40_000  # national view: the 10 km outlines
    assert a.count("<path") == 1 + 1 + 2  # land and borders, one shaded colour, two series


def test_title_is_escaped_and_styles_are_checked() -> None:
    x, y = points([40.7], [-74.0])
    svg = maps.render_map(x, y, np.array([0]), SERIES, title='"><script>alert(1)</script>')
    assert "<script>" not in svg and "&lt;script&gt;" in svg
    with pytest.raises(ValueError):
        maps.render_map(x, y, np.array([0]), [maps.Series("x", "red; stroke:url(#a)", "circle")])
    with pytest.raises(ValueError):
        maps.render_map(x, y, np.array([0]), SERIES, state_fill={"CA": "javascript:1"})


def test_points_outside_the_view_are_left_out_and_stacked_points_drawn_once() -> None:
    x, y = points([40.7, 40.7, 40.7, 34.05], [-74.0, -74.0, -74.0, -118.25])
    view = maps.fit_view(x[:1], y[:1], 1.5)
    svg = maps.render_map(x, y, np.array([0, 0, 0, 1]), SERIES, view=view)
    assert svg.count('fill="#E69F00"') == 0  # Los Angeles is outside a New York view
    marker_path = re.search(r'<path d="([^"]*)" fill="#0072B2"', svg)
    assert marker_path is not None and marker_path.group(1).count("M") == 1


def test_zoomed_maps_use_finer_outlines_than_the_national_map() -> None:
    s = maps.shapes()
    assert s.tolerance_for("state", 11.0) == 10.0
    assert s.tolerance_for("state", 2.5) == 2.0
    assert s.tolerance_for("county", 1.0) == 2.0


def test_35_series_are_all_different_then_they_repeat() -> None:
    styles = [maps.series_style(i) for i in range(maps.MAX_DISTINCT)]
    assert len(set(styles)) == maps.MAX_DISTINCT == 35
    assert maps.series_style(35) == maps.series_style(0)


def test_palette_is_okabe_ito() -> None:
    assert maps.PALETTE[:3] == ("#0072B2", "#E69F00", "#009E73")
    assert maps.tint("#000000", 0.5) == "#808080"


# --------------------------------------------------------------------------- book pages

HOSTILE_NAME = '<img src="file:///etc/passwd"> Evil Map Co'


def plan_with_coordinates(dest: Path, *, coordinates: bool = True) -> Path:
    """The small fixture plan, placed by city/state, with a hostile off-map account."""
    d = copy_fixture(dest)
    path = d / "assignments.csv"
    a = pd.read_csv(path, dtype=str, keep_default_na=False)
    r01 = a.index[a["owner_id"] == "R01"]
    a.loc[r01[0], ["name", "country", "state", "city"]] = [HOSTILE_NAME, "Canada", "ON", "Toronto"]
    r02 = a.index[a["owner_id"] == "R02"]
    a.loc[r02[0], ["name", "country", "state", "city"]] = ["Aloha Inc", "US", "HI", "Honolulu"]
    if coordinates:
        p = place_accounts(a, read_addresses(a), np.arange(len(a)) + 2, "assignments.csv")
        a["latitude"] = [f"{v:.5f}" if np.isfinite(v) else "" for v in p.latitude]
        a["longitude"] = [f"{v:.5f}" if np.isfinite(v) else "" for v in p.longitude]
        a["county_fips"] = p.county
    a.to_csv(path, index=False, quoting=csv.QUOTE_MINIMAL, lineterminator="\n")
    return d


@pytest.fixture(scope="module")
def geo_plan(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    return load_plan_dir(plan_with_coordinates(tmp_path_factory.mktemp("geo")))


def test_rep_book_has_a_map_page(geo_plan) -> None:  # type: ignore[no-untyped-def]
    ctx = build_rep_book(geo_plan, "R01", generated_on=GENERATED_ON)
    fig = ctx.geo_map
    assert fig is not None
    mine = geo_plan.assignments[geo_plan.assignments["owner_id"] == "R01"]
    assert fig.accounts == len(mine) and fig.on_map == len(mine) - 1
    assert fig.off_map == ('<img src="file:///etc/passwd"> Evil Map Co (Toronto, ON, Canada)',)
    assert [(i.label, i.count) for i in fig.legend] == [
        (s.label, int((pd.to_numeric(mine["tier"]) == k + 1).sum()))
        for k, s in enumerate(TIER_SERIES[:3])
        if (pd.to_numeric(mine["tier"]) == k + 1).any()
    ]
    fetcher = AssetFetcher()
    pages = pdf_pages_text(render_checked(ctx, fetcher=fetcher))
    page = next(p for p in pages if "Your territory on the map" in p)
    assert f"{fig.on_map} of {fig.accounts} accounts on the map, by tier" in page
    assert "Not on this map (1)" in page
    assert '<img src="file:///etc/passwd"> Evil Map Co (Toronto, ON, Canada)' in page
    assert fetcher.requested == ["territory-asset:print.css"] and fetcher.refused == []


def test_a_rep_map_zooms_to_the_lower_48_and_lists_the_insets(geo_plan) -> None:  # type: ignore[no-untyped-def]
    fig = rep_map(geo_plan, "R02")
    assert fig is not None
    assert fig.off_map == ("Aloha Inc (Honolulu, HI, US)",)
    mine = int((geo_plan.assignments["owner_id"] == "R02").sum())
    assert fig.on_map == mine - 1
    summary = plan_map(geo_plan)
    assert summary is not None and "Aloha Inc (Honolulu, HI, US)" not in summary.off_map  # drawn in its inset


def test_roll_up_and_summary_have_team_maps(geo_plan) -> None:  # type: ignore[no-untyped-def]
    rollup = build_manager_rollup(geo_plan, geo_plan.reps[0].manager, generated_on=GENERATED_ON)
    assert rollup.geo_map is not None
    team = [r.rep_id for r in rollup.reps]
    assert [i.label.split(" (")[-1].rstrip(")") for i in rollup.geo_map.legend] == [
        r for r in team if (geo_plan.assignments["owner_id"] == r).any()
    ]
    fetcher = AssetFetcher()
    text = "\n".join(pdf_pages_text(render_checked(rollup, fetcher=fetcher)))
    assert "The team on the map" in text and "each rep has its own colour and marker" in text
    summary = build_plan_summary(geo_plan, generated_on=GENERATED_ON)
    assert summary.geo_map is not None and summary.geo_map.accounts == len(geo_plan.assignments)
    text = "\n".join(pdf_pages_text(render_checked(summary, fetcher=fetcher)))
    assert "Every territory on the map" in text
    assert fetcher.refused == []


def test_no_coordinates_no_map_page(tmp_path: Path) -> None:
    plan = load_plan_dir(plan_with_coordinates(tmp_path, coordinates=False))
    assert rep_map(plan, "R01") is None and plan_map(plan) is None
    empty = tmp_path / "empty"
    plan_with_coordinates(empty)
    a = pd.read_csv(empty / "plan" / "assignments.csv", dtype=str, keep_default_na=False)
    a["latitude"] = a["longitude"] = ""  # placing ran, nothing was placed: no empty map either
    a.to_csv(empty / "plan" / "assignments.csv", index=False, lineterminator="\n")
    assert rep_map(load_plan_dir(empty / "plan"), "R01") is None
    ctx = build_rep_book(plan, "R01", generated_on=GENERATED_ON)
    assert not any("on the map" in p for p in pdf_pages_text(render_checked(ctx)))


def test_many_reps_are_grouped_by_team_on_the_summary_map(geo_plan, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setattr(maps, "MAX_DISTINCT", 1)
    fig = plan_map(geo_plan)
    assert fig is not None and fig.title == "Every territory on the map, by team"
    managers = {r.manager for r in geo_plan.reps}
    assert {i.label for i in fig.legend} <= {f"{m}'s team" for m in managers}


def test_no_network_while_drawing(geo_plan, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    def refuse(*a, **k):  # type: ignore[no-untyped-def]
        raise AssertionError("a socket was opened")

    monkeypatch.setattr(socket, "socket", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    render_checked(build_rep_book(geo_plan, "R02", generated_on=GENERATED_ON))


def test_packaged_geography_is_small() -> None:
    data = Path(maps.__file__).parent / "data"
    total = sum(p.stat().st_size for p in data.iterdir() if p.is_file())
    assert total < 2_000_000, total


def labels(svg: str) -> dict[str, tuple[float, float]]:
    """State code -> (x of its first letter, y) from the one <text> of a map's labels."""
    m = re.search(r'<text x="([^"]*)" y="([^"]*)"[^>]*>([A-Z]*)</text>', svg)
    assert m is not None and svg.count("<text") == 1
    xs = [float(v) for v in m.group(1).split()]
    ys = [float(v) for v in m.group(2).split()]
    text = m.group(3)
    assert len(xs) == len(ys) == len(text) and len(text) % 2 == 0  # a position per letter
    return {text[i : i + 2]: (xs[i], ys[i]) for i in range(0, len(text), 2)}


def test_a_zoomed_map_leaves_out_the_insets_in_its_corner() -> None:
    x, y = points([34.05, 47.6], [-118.25, -122.3])
    view = (-2700.0, -1600.0, 0.0, 1200.0)  # the West, down to the Alaska inset under it
    ax, ay = maps.state_label_points()["AK"]
    assert view[0] < ax < view[2] and view[1] < ay < view[3]
    with_insets = maps.render_map(x, y, np.array([0, 0]), SERIES, view=view)
    lower48 = maps.render_map(x, y, np.array([0, 0]), SERIES, view=view, frames=frozenset({"L48"}))
    assert "AK" in labels(with_insets) and "AK" not in labels(lower48) and "CA" in labels(lower48)


# --------------------------------------------------------------------------- cost of a map
# WeasyPrint parses SVG in Python: every element and path command costs (docs/geography.md).


def ring_areas(d: str) -> list[float]:
    """Signed areas (grid units) of the rings of a path written by maps._ring_path."""
    out = []
    for ring in re.findall(r"M([^z]*)z", d):
        head, _, rest = ring.partition("l")
        x, y = (float(v) for v in head.split())
        pts = [(x, y)]
        nums = [float(v) for v in rest.split()]
        for dx, dy in zip(nums[::2], nums[1::2]):
            x, y = x + dx, y + dy
            pts.append((x, y))
        out.append(sum(a[0] * b[1] - b[0] * a[1] for a, b in zip(pts, pts[1:] + pts[:1])) / 2)
    return out


def test_a_shaded_area_is_one_outline_without_the_borders_inside_it() -> None:
    # Los Angeles County and its neighbour Orange County; and three in a row with a middle
    la, orange = "06037", "06059"
    one = [abs(a) for a in ring_areas(maps.area_path("county", [la], 2.0))]
    two = [abs(a) for a in ring_areas(maps.area_path("county", [orange], 2.0))]
    both = maps.area_path("county", [la, orange], 2.0)
    # the islands of LA County stay rings of their own; the mainland parts become one
    assert len(ring_areas(both)) == len(one) + len(two) - 1
    assert sum(abs(a) for a in ring_areas(both)) == pytest.approx(sum(one) + sum(two))
    separate = maps.unit_path("county", la, 2.0) + maps.unit_path("county", orange, 2.0)
    assert both.count(" ") < separate.count(" ")  # the shared border is gone
    # a hole: Fairfax County, VA round the independent city of Fairfax (51600); shaded
    # together they are one ring, the county alone a ring with the city's ring inside it
    county = sorted(abs(a) for a in ring_areas(maps.area_path("county", ["51059"], 2.0)))
    city = [abs(a) for a in ring_areas(maps.area_path("county", ["51600"], 2.0))]
    assert len(county) == 2 and county[0] == pytest.approx(city[0])
    whole = [abs(a) for a in ring_areas(maps.area_path("county", ["51059", "51600"], 2.0))]
    assert whole == [pytest.approx(county[1])]
    assert maps.area_path("county", [], 2.0) == ""


def test_a_map_shades_each_colour_as_one_even_odd_outline() -> None:
    x, y = points([34.05], [-118.25])
    svg = maps.render_map(x, y, np.array([0]), SERIES, county_fill={"06037": "#aabbcc", "06059": "#aabbcc"})
    shade = re.findall(r'<path d="([^"]*)" fill="#aabbcc" fill-rule="evenodd" stroke="none"/>', svg)
    assert shade == [maps.area_path("county", ["06037", "06059"], 5.0)]


def test_labels_are_one_text_and_circles_are_curves_not_arcs() -> None:
    x, y = points([40.7, 34.05], [-74.0, -118.25])
    svg = maps.render_map(x, y, np.array([0, 1]), SERIES)
    found = labels(svg)
    assert {"CA", "TX", "NY"} <= set(found) and "RI" not in found  # small states left out nationally
    # each code centred on its state's label point: its first letter starts half its width
    # (DejaVu Sans: C 1430, A 1401 units of 1/2048 em) left of the point
    cx, _cy = maps.state_label_points()["CA"]
    font = float(re.search(r'<text [^>]*font-size="([^"]*)"', svg).group(1))  # type: ignore[union-attr]
    assert found["CA"][0] == pytest.approx(cx - font * (1430 + 1401) / 2048 / 2, abs=0.1)
    circles = re.search(r'<path d="([^"]*)" fill="#0072B2"', svg)
    assert circles is not None and "a" not in circles.group(1) and circles.group(1).count("c") == 1
    assert "a" not in re.search(r'd="([^"]*)"', maps.glyph(SERIES[0])).group(1)  # type: ignore[union-attr]


def test_a_zoomed_map_holds_the_whole_territory_and_says_what_is_in_an_inset(tmp_path: Path) -> None:
    """With territories of whole units, the rep's map was zoomed to the rep's accounts, so
    the part of the territory without accounts was cut off at the map's edge (the example's
    R07: Florida shown, its 50 Georgia counties half out of the frame); and the units in
    Alaska were shaded nowhere without a word."""
    import json

    d = plan_with_coordinates(tmp_path / "plan")
    a = pd.read_csv(d / "assignments.csv", dtype=str, keep_default_na=False)
    mine = a["owner_id"] == "R03"
    a.loc[mine, ["country", "state", "city", "latitude", "longitude"]] = [
        "US",
        "OR",
        "Portland",
        "45.52",
        "-122.68",
    ]
    a.to_csv(d / "assignments.csv", index=False, lineterminator="\n")
    summary = json.loads((d / "summary.json").read_text())
    summary["geography"] = {"territories": {"units": "state"}}
    (d / "summary.json").write_text(json.dumps(summary))
    owners = {"WA": "R03", "OR": "R03", "ID": "R03", "MT": "R03", "ND": "R03", "AK": "R03", "CA": "R01"}
    pd.DataFrame({"unit_id": list(owners), "owner_id": list(owners.values())}).to_csv(
        d / "territories.csv", index=False
    )
    fig = rep_map(load_plan_dir(d), "R03")
    assert fig is not None
    x, y, w, h = (float(v) for v in re.search(r'viewBox="([^"]+)"', str(fig.svg)).group(1).split())  # type: ignore[union-attr]
    for state in ("WA", "OR", "ID", "MT", "ND"):
        x0, y0, x1, y1 = maps.unit_bounds("state", state)
        assert x <= x0 and x1 <= x + w and y <= y0 and y1 <= y + h, state
    assert fig.caption.endswith(" 29 shaded counties, in Alaska, are not on this map.")
    assert fig.on_map == int(mine.sum())


def test_touching_territories_never_share_a_colour() -> None:
    """Colours went by rep order, so the 8th rep took the 1st rep's colour wherever it was:
    in the example's plan summary R02 (Middle Atlantic) and R09 (South Atlantic) touch at
    Pennsylvania's border and were both orange, one area without a line between them."""
    from territory.geo.book_maps import neighbour_styles
    from territory.geo.units import counties

    by_state: dict[str, list[str]] = {}
    for fips, c in counties().items():
        by_state.setdefault(c.state, []).append(fips)
    # 9 reps; rep 0 (PA) and rep 7 (MD) touch, as do rep 1 (NY) and rep 8 (NJ)
    states = ["PA", "NY", "TX", "CA", "WA", "FL", "ME", "MD", "NJ"]
    shaded = {f: g for g, st in enumerate(states) for f in by_state[st]}
    plain = [maps.series_style(i) for i in range(9)]
    assert plain[0][0] == plain[7][0] and plain[1][0] == plain[8][0]  # what the map drew
    styles = neighbour_styles(9, shaded, "county")
    assert styles[0][0] != styles[7][0] and styles[1][0] != styles[8][0]
    touching = {(0, 1), (0, 7), (0, 8), (1, 8)}  # PA-NY, PA-MD, PA-NJ, NY-NJ
    for a, b in touching:
        assert styles[a][0] != styles[b][0], (a, b)
    assert len(set(styles)) == 9  # every rep still has a style of its own
    # seven reps or fewer, or neighbours already apart: the palette order is kept
    assert neighbour_styles(7, {f: g for f, g in shaded.items() if g < 7}, "county") == plain[:7]
    assert neighbour_styles(9, {f: g for f, g in shaded.items() if g not in (7, 8)}, "county") == plain


def test_touching_territories_avoid_colours_whose_tints_are_close() -> None:
    """Blue and sky blue shade to nearly the same light blue: two touching territories in them
    read as one (the example's R07 in Florida and R10 next door, once recoloured)."""
    from territory.geo.book_maps import TWIN_COLOURS, neighbour_styles
    from territory.geo.units import counties

    by_state: dict[str, list[str]] = {}
    for fips, c in counties().items():
        by_state.setdefault(c.state, []).append(fips)
    # rep 0 (GA) touches rep 4 (FL): blue next to sky blue in the palette order
    states = ["GA", "TX", "WA", "ME", "FL"]
    shaded = {f: g for g, st in enumerate(states) for f in by_state[st]}
    colours = [maps.PALETTE.index(c) for c, _shape in neighbour_styles(5, shaded, "county")]
    assert (min(colours[0], colours[4]), max(colours[0], colours[4])) not in TWIN_COLOURS
    assert colours[0] != colours[4] and len(set(colours)) == 5


def test_a_rep_with_many_accounts_in_the_insets_gets_the_whole_country(tmp_path: Path) -> None:
    """Half of a rep's accounts in Alaska: the map was zoomed to the ones in Seattle and
    listed the others under it, so much of the book was not on its map."""
    d = plan_with_coordinates(tmp_path / "plan")
    a = pd.read_csv(d / "assignments.csv", dtype=str, keep_default_na=False)
    mine = np.flatnonzero((a["owner_id"] == "R03").to_numpy())
    assert len(mine) >= 4
    seattle, juneau = ["WA", "Seattle", "47.61", "-122.33"], ["AK", "Juneau", "58.30", "-134.42"]
    cols = ["state", "city", "latitude", "longitude"]
    a.loc[mine, ["country", *cols]] = ["US", *seattle]

    def view(in_alaska: int):  # type: ignore[no-untyped-def]
        a.loc[mine, cols] = seattle
        a.loc[mine[:in_alaska], cols] = juneau
        a.to_csv(d / "assignments.csv", index=False, lineterminator="\n")
        fig = rep_map(load_plan_dir(d), "R03")
        assert fig is not None
        box = [float(v) for v in re.search(r'viewBox="([^"]+)"', str(fig.svg)).group(1).split()]  # type: ignore[union-attr]
        return fig, box

    x0, y0, x1, y1 = maps.national_view()
    fig, box = view(len(mine) // 2)
    assert fig.off_map == () and fig.on_map == len(mine)
    assert box == pytest.approx([x0, y0, x1 - x0, y1 - y0], abs=0.1)
    # one account in Alaska: still zoomed to the lower 48, that one listed
    fig, box = view(1)
    assert fig.on_map == len(mine) - 1 and len(fig.off_map) == 1 and "Juneau, AK" in fig.off_map[0]
    assert box[2] < (x1 - x0) / 2
