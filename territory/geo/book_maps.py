"""Map figures for the books: the rep's territory, a manager's team, every territory.

Built from a plan directory's ``assignments.csv`` (the ``latitude``, ``longitude`` and
``county_fips`` columns the plan writes when it places accounts). Each builder returns a
``MapFigure`` (documented like every book context field) or ``None`` when the plan has no
coordinates, so templates show the map page only when there is something to show.

The outlines, their path strings and each plan's projected points are computed once per
process and reused by every book (forked book workers inherit them when the parent warmed
them; see ``warm``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
from markupsafe import Markup

from . import maps
from .projection import project

if TYPE_CHECKING:
    from ..reporting.context import PlanDir

TIER_SERIES = (
    maps.Series("Tier 1", "#0072B2", "circle", 1.2),
    maps.Series("Tier 2", "#E69F00", "square", 1.0),
    maps.Series("Tier 3", "#009E73", "triangle", 1.0),
    maps.Series("No tier", "#999999", "diamond", 0.9),
)
REP_AREA = maps.tint("#0072B2", 0.82)
OFF_MAP_SHOWN = 12
MAP_WIDTH_PT = 500.0
MAP_HEIGHT_PT = 330.0
# A zoomed map leaves out the accounts in Alaska, Hawaii and Puerto Rico (listed under it)
# only while they are one account, or at most this share of the map's accounts.
OUTSIDE_FEW = 0.1


def _doc(help: str, **kw: Any) -> Any:
    return field(metadata={"help": help}, **kw)


@dataclass(frozen=True)
class LegendItem:
    label: str = _doc("What the marker stands for (a tier, a rep, a team), escaped by the template.")
    glyph: Markup = _doc("The marker as a small inline SVG (no user text inside).")
    count: int = _doc("Accounts drawn with this marker (on the map or listed under it).")


@dataclass(frozen=True)
class MapFigure:
    """One map page: the SVG, its legend and the accounts that are not on it."""

    title: str = _doc("Heading of the map page.")
    svg: Markup = _doc(
        "The map as inline SVG: self-contained, no external references, no user text inside "
        "(built by territory.geo.maps.render_map)."
    )
    caption: str = _doc("One sentence under the map: what is drawn and what is shaded.")
    legend: tuple[LegendItem, ...] = _doc("Marker legend, in drawing priority order.")
    on_map: int = _doc("Accounts drawn on the map.")
    accounts: int = _doc("Accounts the map is about (on the map or not).")
    off_map: tuple[str, ...] = _doc(
        "Accounts not drawn (outside the US, not placed, or in Alaska, Hawaii or Puerto Rico "
        "when the map is zoomed to the lower 48), as 'name (where)', at most 12."
    )
    off_map_more: int = _doc("Further accounts not on the map beyond those listed.")


# --------------------------------------------------------------------------- per-plan arrays


@dataclass(frozen=True)
class _Points:
    x: np.ndarray
    y: np.ndarray
    frame: np.ndarray
    county: np.ndarray
    owner: np.ndarray
    tier: np.ndarray
    label: np.ndarray


_CACHE: dict[tuple[int, str], _Points] = {}


def _num(series: pd.Series) -> np.ndarray:
    text = series.astype(str).str.strip().str.lstrip("'")
    return np.array(pd.to_numeric(text, errors="coerce"), dtype=float)


def has_coordinates(plan: PlanDir) -> bool:
    """Whether the plan placed any account on the map (else the books get no map page)."""
    a = plan.assignments
    if "latitude" not in a.columns or "longitude" not in a.columns:
        return False
    return bool(np.isfinite(_points(plan).x).any())


def _points(plan: PlanDir) -> _Points:
    key = (id(plan.assignments), plan.fingerprint)
    hit = _CACHE.get(key)
    if hit is not None:
        return hit
    a = plan.assignments
    lat, lon = _num(a["latitude"]), _num(a["longitude"])
    x, y, frame = project(lon, lat)
    tier = _num(a["tier"]) if "tier" in a.columns else np.full(len(a), np.nan)
    tier_idx = np.where(np.isin(tier, (1, 2, 3)), np.nan_to_num(tier, nan=4) - 1, 3).astype(np.int64)
    county = (
        a["county_fips"].astype(str).to_numpy(dtype=object)
        if "county_fips" in a.columns
        else np.full(len(a), "", dtype=object)
    )
    # accounts outside the US (or outside every map frame) are listed, not drawn
    off = (frame == "") | ~np.isfinite(x)
    x = np.where(off, np.nan, x)
    y = np.where(off, np.nan, y)
    where = []
    for rec in (
        a[[c for c in ("name", "city", "state", "country") if c in a.columns]].astype(str).to_dict("records")
    ):
        place = ", ".join(v for k, v in rec.items() if k != "name" and v.strip())
        where.append(f"{rec.get('name', '')} ({place or 'no address'})")
    pts = _Points(
        x=x,
        y=y,
        frame=frame,
        county=county,
        owner=a["owner_id"].astype(str).to_numpy(dtype=object),
        tier=tier_idx,
        label=np.array(where, dtype=object),
    )
    _CACHE.clear()  # one plan at a time
    _CACHE[key] = pts
    return pts


def warm(plan: PlanDir) -> None:
    """Load the outlines and this plan's points now (before forking book workers)."""
    if has_coordinates(plan):
        _points(plan)
        maps.unit_path("state", "CA", 10.0)
        maps.national_view()


# --------------------------------------------------------------------------- figures


def _view(
    p: _Points, mask: np.ndarray, zoom: bool, level: str = "county", area: Sequence[str] = ()
) -> tuple[tuple[float, float, float, float], np.ndarray, frozenset[str] | None]:
    """The view and which of the points it draws.

    Zoomed (rep and team maps): around the points in the lower 48 and the units of ``area``
    there (a territory of whole units: the map holds all of it, not only the part with
    accounts), and the few points in Alaska, Hawaii or Puerto Rico (one, or at most ``OUTSIDE_FEW``
    of them; more, and the map is the whole country with its insets) are listed under the
    map rather than shrinking the map to the whole country; only when every point (or, without
    points, every unit) is in one inset does the view go there. Not zoomed (the plan
    summary): the whole country with its insets.
    """
    on = mask & np.isfinite(p.x)
    known = maps.unit_id_set(level) if len(area) else frozenset()
    unit_frames = {u: maps.state_frame(maps.unit_state(level, u)) for u in area if u in known}
    frames = set(p.frame[on].tolist()) or set(unit_frames.values())
    aspect = MAP_WIDTH_PT / MAP_HEIGHT_PT
    # more than a few accounts in the insets: the whole country with its insets, not a
    # zoomed lower 48 with most of the book listed under it
    outside = int((on & (p.frame != "L48")).sum())
    many_outside = outside > 1 and outside > OUTSIDE_FEW * int(on.sum())
    if not zoom or not frames or ("L48" in frames and len(frames) > 1 and many_outside):
        return maps.national_view(), on, None
    main = "L48" if "L48" in frames else sorted(frames)[0]
    drawn = on & (p.frame == main)
    boxes = [maps.unit_bounds(level, u) for u, f in unit_frames.items() if f == main]
    xs = np.concatenate([p.x[drawn], [b[0] for b in boxes], [b[2] for b in boxes]])
    ys = np.concatenate([p.y[drawn], [b[1] for b in boxes], [b[3] for b in boxes]])
    min_km = 700.0 if main == "L48" else 400.0
    return maps.fit_view(xs, ys, aspect, min_km=min_km), drawn, frozenset({main})


FRAME_NAMES = {"L48": "the lower 48", "AK": "Alaska", "HI": "Hawaii", "PR": "Puerto Rico"}


def _area_off_map(level: str, area: Sequence[str], frames: frozenset[str] | None) -> str:
    """' 29 of its counties, in Alaska, are not on this map.' for the units of a zoomed map's
    territory outside its frame ('' when every unit is drawn)."""
    if frames is None:
        return ""
    off = [maps.state_frame(maps.unit_state(level, u)) for u in area]
    off = [f for f in off if f not in frames]
    if not off:
        return ""
    where = [FRAME_NAMES[f] for f in sorted(set(off), key=list(FRAME_NAMES).index)]
    places = where[0] if len(where) == 1 else ", ".join(where[:-1]) + " and " + where[-1]
    word = UNIT_WORDS[level][0 if len(off) == 1 else 1]
    return f" {len(off):,} shaded {word}, in {places}, {'is' if len(off) == 1 else 'are'} not on this map."


def _off_map(p: _Points, mask: np.ndarray, drawn: np.ndarray) -> tuple[tuple[str, ...], int]:
    off = np.flatnonzero(mask & ~drawn)
    shown = tuple(str(v) for v in p.label[off[:OFF_MAP_SHOWN]])
    return shown, max(0, len(off) - OFF_MAP_SHOWN)


def _legend(series: Sequence[maps.Series], idx: np.ndarray) -> tuple[LegendItem, ...]:
    counts = np.bincount(idx, minlength=len(series)) if len(idx) else np.zeros(len(series), dtype=int)
    return tuple(
        LegendItem(label=s.label, glyph=Markup(maps.glyph(s)), count=int(counts[k]))
        for k, s in enumerate(series)
        if counts[k] > 0
    )


def _figure(
    title: str,
    p: _Points,
    mask: np.ndarray,
    series: Sequence[maps.Series],
    idx: np.ndarray,
    fill: Mapping[str, str],
    caption: str,
    aria: str,
    *,
    zoom: bool = True,
    level: str = "county",
    area: Sequence[str] = (),
) -> MapFigure:
    """``fill`` shades units of ``level`` ('county' or 'zip3'); ``area``: the units of the
    territories drawn (plans of whole units), which a zoomed map shows whole."""
    view, drawn, frames = _view(p, mask, zoom, level, area)
    svg = maps.render_map(
        p.x[drawn],
        p.y[drawn],
        idx[drawn],
        series,
        county_fill=fill if level == "county" else None,
        zip3_fill=fill if level == "zip3" else None,
        view=view,
        width_pt=MAP_WIDTH_PT,
        height_pt=MAP_HEIGHT_PT,
        title=aria,
        frames=frames,
    )
    shown, more = _off_map(p, mask, drawn)
    on_map = int(drawn.sum())
    return MapFigure(
        title=title,
        svg=Markup(svg),
        caption=caption.format(on_map=f"{on_map:,}") + _area_off_map(level, area, frames),
        legend=_legend(series, idx[mask]),
        on_map=on_map,
        accounts=int(mask.sum()),
        off_map=shown,
        off_map_more=more,
    )


def territory_units(plan: PlanDir, reps: Sequence[str] | None = None) -> tuple[str, dict[str, str]] | None:
    """('county' or 'zip3', unit -> owner) of the plan's territories (territories.csv of a plan
    made with geo.units = county, state or zip3; a state's owner holds all its counties),
    else None.

    With product ICPs every product's reps split the map, so a unit has one owner per
    product: the map is that of the product ``reps`` carry (all reps when None), and None
    when they carry several (the map then shades each county by its accounts)."""
    terr = (plan.result.geography or {}).get("territories") or {}
    kind = terr.get("units")
    path = plan.path / "territories.csv"
    if kind not in ("county", "state", "zip3") or not path.is_file():
        return None
    t = pd.read_csv(path, dtype=str, keep_default_na=False)
    if "product" in t.columns:
        carried = {r.rep_id: r.product or "" for r in plan.reps}
        wanted = {carried.get(r, "") for r in (carried if reps is None else reps)} - {""}
        if len(wanted) != 1:
            return None
        t = t[t["product"] == wanted.pop()]
    own = dict(zip(t["unit_id"], t["owner_id"]))
    if kind != "state":
        return kind, own
    from .units import counties

    return "county", {f: own[c.state] for f, c in counties().items() if c.state in own}


UNIT_WORDS = {"county": ("county", "counties"), "zip3": ("ZIP3 area", "ZIP3 areas")}


def rep_map(plan: PlanDir, rep_id: str) -> MapFigure | None:
    """The rep's accounts by tier, over state outlines, the counties they are in shaded (with
    territories of whole units: every county of the territory)."""
    if not has_coordinates(plan):
        return None
    p = _points(plan)
    mask = p.owner == rep_id
    terr = territory_units(plan, [rep_id])
    if terr is None and not mask.any():
        return None  # no accounts and no territory: nothing to draw
    level = "county"
    if terr is not None:
        level, owners = terr
        counties = sorted(c for c, o in owners.items() if o == rep_id)
        word = UNIT_WORDS[level][0 if len(counties) == 1 else 1]
        caption = (
            f"{{on_map}} of {int(mask.sum()):,} accounts on the map, by tier; shaded: your "
            f"territory, {len(counties):,} {word}."
        )
    else:
        counties = sorted({c for c in p.county[mask & np.isfinite(p.x)].tolist() if c})
        caption = (
            f"{{on_map}} of {int(mask.sum()):,} accounts on the map, by tier; shaded: the "
            f"{len(counties):,} count{'y' if len(counties) == 1 else 'ies'} where you have accounts."
        )
    return _figure(
        "Your territory on the map",
        p,
        mask,
        TIER_SERIES,
        p.tier,
        {c: REP_AREA for c in counties},
        caption,
        "Map of the accounts in this book",
        level=level,
        area=counties if terr is not None else (),
    )


def _group_map(
    title: str,
    p: _Points,
    mask: np.ndarray,
    keys: np.ndarray,
    labels: Sequence[tuple[str, str]],
    what: str,
    *,
    zoom: bool = True,
    unit_group: tuple[str, Mapping[str, str]] | None = None,
) -> MapFigure:
    """Each group (rep or team) a colour and shape; each county shaded by the group with most
    accounts there, or with territories of whole units (``unit_group``: 'county' or 'zip3' and
    unit -> group), by the group whose territory it is."""
    order = {k: i for i, (k, _label) in enumerate(labels)}
    idx = np.array([order.get(k, -1) for k in keys.tolist()], dtype=np.int64)
    on = mask & np.isfinite(p.x) & (idx >= 0) & (p.county != "")
    level = "county" if unit_group is None else unit_group[0]
    shaded: dict[str, int] = {}  # unit -> the group it is shaded for
    if unit_group is not None:
        for unit, g in sorted(unit_group[1].items()):
            if g in order:
                shaded[unit] = order[g]
    elif on.any():
        tab = pd.DataFrame({"county": p.county[on], "g": idx[on]})
        counts = tab.groupby(["county", "g"]).size().reset_index(name="n")
        counts = counts.sort_values(["county", "n", "g"], ascending=[True, False, True])
        for county, g in counts.drop_duplicates("county")[["county", "g"]].itertuples(index=False):
            shaded[str(county)] = int(g)
    styles = neighbour_styles(len(labels), shaded, level)
    series = [maps.Series(label, *styles[i]) for i, (_k, label) in enumerate(labels)]
    fill = {unit: maps.tint(series[g].colour, 0.7) for unit, g in shaded.items()}
    capped = len(labels) > maps.MAX_DISTINCT
    caption = (
        f"{{on_map}} of {int(mask.sum()):,} accounts on the map; each "
        f"{what} has its own colour and marker; each {UNIT_WORDS[level][0]} is shaded in the colour of the {what} "
        + ("whose territory it is." if unit_group is not None else "with most accounts there.")
        + (
            f" With more than {maps.MAX_DISTINCT} {what}s some markers repeat: read the legend with care."
            if capped
            else ""
        )
    )
    return _figure(
        title,
        p,
        mask,
        series,
        np.where(idx >= 0, idx, 0),
        fill,
        caption,
        title,
        zoom=zoom,
        level=level,
        area=sorted(fill) if unit_group is not None else (),
    )


# Palette colours whose light tints (the shaded areas) are close: blue and sky blue, orange and
# vermillion, orange and yellow. Touching areas avoid them where the palette allows.
TWIN_COLOURS = frozenset({(0, 4), (1, 5), (1, 6)})


@cache
def _neighbour_pairs(level: str) -> tuple[tuple[str, str], ...]:
    if level == "zip3":
        from .units import zip3_areas

        return zip3_areas().adjacency
    from .units import county_adjacency

    return county_adjacency()


def neighbour_styles(n: int, shaded: Mapping[str, int], level: str) -> list[tuple[str, str]]:
    """Colour and marker shape of ``n`` groups (reps or teams) whose areas are ``shaded``
    (unit -> group), so that two groups whose areas touch never share a colour: a shade is
    one even-odd outline per colour, so two touching areas of one colour would read as one,
    with no line between them (in order, the 8th rep takes the 1st rep's colour, and the
    example's R02 and R09 touch at Pennsylvania's border).

    The plain order (``maps.series_style``) is kept when it keeps neighbours apart (no shared
    colour, no two colours whose tints are close, ``TWIN_COLOURS``). Else groups are coloured
    most-neighbours first, each with a colour its neighbours do not use: the one close to
    fewest of its neighbours' colours, then the one fewest groups have so far, then palette
    order; a colour's groups then take the shapes in turn. Falls back to the plain order when the palette cannot keep every pair of
    neighbours apart and every style distinct."""
    plain = [maps.series_style(i) for i in range(n)]
    if n <= 1 or not shaded:
        return plain
    nb: list[set[int]] = [set() for _ in range(n)]
    for a, b in _neighbour_pairs(level):
        ga, gb = shaded.get(a), shaded.get(b)
        if ga is not None and gb is not None and ga != gb:
            nb[ga].add(gb)
            nb[gb].add(ga)
    k = len(maps.PALETTE)

    def alike(c: int, d: int) -> bool:  # one colour, or two whose tints are close
        return c == d or (min(c, d), max(c, d)) in TWIN_COLOURS

    if not any(alike(g % k, h % k) for g in range(n) for h in nb[g]):
        return plain  # the plain order keeps every pair of neighbours apart already
    colour = [-1] * n
    used = [0] * k
    for g in sorted(range(n), key=lambda g: (-len(nb[g]), g)):
        taken = {colour[h] for h in nb[g]}
        free = [c for c in range(k) if c not in taken]
        if not free:
            return plain
        c = min(free, key=lambda c: (sum(alike(c, colour[h]) for h in nb[g] if colour[h] >= 0), used[c], c))
        colour[g] = c
        used[c] += 1
    styles = []
    seen = [0] * k
    for g in range(n):
        c = colour[g]
        styles.append((maps.PALETTE[c], maps.SHAPES[seen[c] % len(maps.SHAPES)]))
        seen[c] += 1
    if n <= maps.MAX_DISTINCT and len(set(styles)) < n:
        return plain
    return styles


def team_map(plan: PlanDir, rep_ids: Sequence[str]) -> MapFigure | None:
    """A manager's reps, each a colour (and a marker shape beyond seven reps)."""
    if not has_coordinates(plan):
        return None
    p = _points(plan)
    names = plan.rep_names
    labels = [(r, f"{names.get(r, r)} ({r})" if names.get(r, r) != r else r) for r in rep_ids]
    mask = np.isin(p.owner, list(rep_ids))
    terr = territory_units(plan, rep_ids)
    return _group_map("The team on the map", p, mask, p.owner, labels, "rep", unit_group=terr)


def plan_map(plan: PlanDir) -> MapFigure | None:
    """Every territory: by rep when the legend stays readable, else by team (manager)."""
    if not has_coordinates(plan):
        return None
    p = _points(plan)
    reps = plan.reps
    mask = np.ones(len(p.x), dtype=bool)
    terr = territory_units(plan)
    if len(reps) <= maps.MAX_DISTINCT:
        names = plan.rep_names
        ids = [r.rep_id for r in reps]
        labels = [(r, f"{names.get(r, r)} ({r})" if names.get(r, r) != r else r) for r in ids]
        return _group_map(
            "Every territory on the map", p, mask, p.owner, labels, "rep", zoom=False, unit_group=terr
        )
    manager_of = {r.rep_id: (r.manager.strip() or "(no manager)") for r in reps}
    keys = np.array([manager_of.get(o, "(no manager)") for o in p.owner.tolist()], dtype=object)
    teams = list(dict.fromkeys(manager_of.values()))
    labels = [(t, f"{t}'s team" if t != "(no manager)" else t) for t in teams]
    by_team = (
        None
        if terr is None
        else (terr[0], {c: manager_of.get(o, "(no manager)") for c, o in terr[1].items()})
    )
    return _group_map(
        "Every territory on the map, by team", p, mask, keys, labels, "team", zoom=False, unit_group=by_team
    )
