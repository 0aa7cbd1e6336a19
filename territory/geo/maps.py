"""SVG maps: a pure function from projected points and shaded areas to SVG text.

The SVG is self-contained (no external references, no scripts, no user text except an
escaped title), deterministic (same input, same bytes) and small: every marker of one series
is one ``<path>`` (two for round markers), every outline layer one ``<path>``, every shaded
colour one ``<path>`` of the dissolved outline (the borders between the units it joins are
left out), all state labels one ``<text>``. Outline path strings are built once per process and
reused by every map (``functools.lru_cache``).

WeasyPrint draws SVG in Python, so what a map costs is the number of elements and commands
it parses: a ``<text>`` element costs about as much as 40 outline vertices (it is laid out
once whole and once per letter with Pango), a circle of two arcs about 17 (each arc is
converted to Bezier curves point by point). So circles are written as four Bezier curves
(10 vertices' worth) and the labels share one ``<text>`` with a position per letter.

Colours follow the Okabe-Ito palette, which stays distinguishable for the common forms of
colour blindness; beyond its seven colours a series also changes marker shape, so up to 35
series are told apart by colour and shape together.
"""

from __future__ import annotations

import html
import re
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import cache, lru_cache

import numpy as np

from .projection import FRAMES
from .units import shapes, states

# Okabe & Ito (2008), "Color Universal Design", without black (kept for outlines and text).
PALETTE: tuple[str, ...] = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442")
SHAPES: tuple[str, ...] = ("circle", "square", "triangle", "diamond", "triangle-down")
MAX_DISTINCT = len(PALETTE) * len(SHAPES)

LAND = "#f2f2f2"
BORDER = "#9a9a9a"
LABEL = "#8a8a8a"
LABEL_FONT = "DejaVu Sans"
# Advance widths of DejaVu Sans capitals (font units of 1/2048 em), to centre each state code
# letter by letter in the one <text> of the labels (SVG text-anchor works per text chunk).
_CAPS_WIDTH = dict(
    zip(
        "ABCDEFGHIJKLMNOPQRSTUVWXYZ",
        (1401, 1405, 1430, 1577, 1294, 1178, 1587, 1540, 604, 604, 1343, 1141, 1767)
        + (1532, 1612, 1235, 1612, 1423, 1300, 1251, 1499, 1401, 2025, 1403, 1251, 1403),
    )
)
_HEX = re.compile(r"#[0-9a-fA-F]{6}")


@dataclass(frozen=True)
class Series:
    """How one group of markers looks (a tier, a rep, a team)."""

    label: str
    colour: str
    shape: str = "circle"
    size: float = 1.0


def series_style(i: int) -> tuple[str, str]:
    """Colour and shape of the ``i``-th series: colours first, then shapes (i < 35 distinct)."""
    return PALETTE[i % len(PALETTE)], SHAPES[(i // len(PALETTE)) % len(SHAPES)]


def tint(colour: str, amount: float = 0.65) -> str:
    """``colour`` mixed with white (for shaded areas under the markers)."""
    if not _HEX.fullmatch(colour):
        raise ValueError(f"not a #rrggbb colour: {colour!r}")
    rgb = [int(colour[i : i + 2], 16) for i in (1, 3, 5)]
    mixed = [round(c + (255 - c) * amount) for c in rgb]
    return "#" + "".join(f"{c:02x}" for c in mixed)


# --------------------------------------------------------------------------- geometry


def _ring_path(ring: np.ndarray) -> str:
    d = np.diff(ring, axis=0)
    return f"M{ring[0, 0]} {ring[0, 1]}l" + " ".join(f"{a} {b}" for a, b in d.tolist()) + "z"


@cache
def unit_path(level: str, unit_id: str, tolerance: float) -> str:
    """Path data of one state or county outline in grid units (cached per process)."""
    return "".join(_ring_path(r) for r in shapes().table(level, tolerance)[unit_id])


def area_path(level: str, ids: Iterable[str], tolerance: float) -> str:
    """Path data of the area the units ``ids`` cover together, in grid units: the outline of
    their union, with the borders between them left out (draw with ``fill-rule="evenodd"``).

    The packaged outlines are a coverage (a border shared by two units has the same vertices
    in both), so a border is inside the area exactly when two of its units use it: every
    edge used an odd number of times is kept, and the kept edges are chained into rings. A
    rep's 60 counties make about half the vertices of 60 county outlines, which WeasyPrint
    would parse one by one.
    """
    table = shapes().table(level, tolerance)
    count: dict[tuple[int, int, int, int], int] = {}
    for uid in ids:
        for ring in table.get(uid, ()):
            pts = ring.tolist()
            for (ax, ay), (bx, by) in zip(pts, pts[1:] + pts[:1]):
                if (ax, ay) == (bx, by):
                    continue
                key = (ax, ay, bx, by) if (ax, ay) < (bx, by) else (bx, by, ax, ay)
                count[key] = count.get(key, 0) + 1
    nbrs: dict[tuple[int, int], list[tuple[int, int]]] = defaultdict(list)
    for (ax, ay, bx, by), n in count.items():
        if n % 2:
            nbrs[(ax, ay)].append((bx, by))
            nbrs[(bx, by)].append((ax, ay))
    # every vertex of the kept edges has an even degree, so walking always closes a ring;
    # how rings are split at a vertex where two meet does not change the even-odd fill
    out = []
    for start in sorted(nbrs):
        while nbrs[start]:
            walk = [start]
            prev, cur = start, nbrs[start].pop()
            nbrs[cur].remove(prev)
            while cur != start:
                walk.append(cur)
                prev, cur = cur, nbrs[cur].pop()
                nbrs[cur].remove(prev)
            out.append(_ring_path(np.array(walk, dtype=np.int64)))
    return "".join(out)


@cache
def unit_bounds(level: str, unit_id: str) -> tuple[float, float, float, float]:
    """(x0, y0, x1, y1) of a unit outline in kilometres (finest outline)."""
    s = shapes()
    pts = np.concatenate(s.table(level)[unit_id])
    g = s.grid_km
    return (
        float(pts[:, 0].min()) * g,
        float(pts[:, 1].min()) * g,
        float(pts[:, 0].max()) * g,
        float(pts[:, 1].max()) * g,
    )


def unit_ids(level: str) -> list[str]:
    return sorted(shapes().table(level))


@cache
def unit_id_set(level: str) -> frozenset[str]:
    """The units of ``level`` that have an outline."""
    return frozenset(shapes().table(level))


@lru_cache(maxsize=1)
def national_view() -> tuple[float, float, float, float]:
    """The whole map (lower 48 and the insets) in kilometres, with a small margin."""
    boxes = [unit_bounds("state", code) for code in unit_ids("state")]
    x0, y0 = min(b[0] for b in boxes), min(b[1] for b in boxes)
    x1, y1 = max(b[2] for b in boxes), max(b[3] for b in boxes)
    m = 0.02 * (x1 - x0)
    return x0 - m, y0 - m, x1 + m, y1 + m


@lru_cache(maxsize=1)
def inset_boxes() -> tuple[tuple[float, float, float, float], ...]:
    """Frames drawn around the Alaska, Hawaii and Puerto Rico insets (km)."""
    out = []
    for code in ("AK", "HI", "PR"):
        if code in unit_ids("state"):
            x0, y0, x1, y1 = unit_bounds("state", code)
            m = 40.0
            out.append((x0 - m, y0 - m, x1 + m, y1 + m))
    return tuple(out)


@lru_cache(maxsize=1)
def state_label_points() -> dict[str, tuple[float, float]]:
    """Where each state's code is printed (its projected centroid, km)."""
    out = {}
    for code, st in states().items():
        x, y = FRAMES[state_frame(code)](np.array([st.longitude]), np.array([st.latitude]))
        out[code] = (float(x[0]), float(y[0]))
    return out


def state_frame(code: str) -> str:
    """The map frame a state is drawn in: 'AK', 'HI', 'PR' or 'L48'."""
    return code if code in ("AK", "HI", "PR") else "L48"


@lru_cache(maxsize=1)
def _county_states() -> dict[str, str]:
    from .units import counties

    return {fips: c.state for fips, c in counties().items()}


def unit_state(level: str, uid: str) -> str:
    """The state (USPS code) a state, county or ZIP3 area is in ('' if unknown)."""
    if level == "state":
        return uid
    if level == "zip3":
        from .units import zip3_areas

        return zip3_areas().state.get(uid, "")
    return _county_states().get(uid, "")


def fit_view(
    x: np.ndarray, y: np.ndarray, aspect: float, *, min_km: float = 700.0, margin: float = 0.12
) -> tuple[float, float, float, float]:
    """A view around the points with ``aspect`` = width / height, at least ``min_km`` wide."""
    if len(x) == 0:
        return national_view()
    x0, x1, y0, y1 = float(np.min(x)), float(np.max(x)), float(np.min(y)), float(np.max(y))
    w = max(x1 - x0, min_km) * (1 + 2 * margin)
    h = max(y1 - y0, min_km / aspect) * (1 + 2 * margin)
    w, h = max(w, h * aspect), max(h, w / aspect)
    cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
    nv = national_view()
    if w >= nv[2] - nv[0]:
        return nv
    return cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2


def _overlaps(a: tuple[float, float, float, float], b: tuple[float, float, float, float]) -> bool:
    return a[0] <= b[2] and b[0] <= a[2] and a[1] <= b[3] and b[1] <= a[3]


# --------------------------------------------------------------------------- markers


def _marker(shape: str, x: float, y: float, r: float) -> str:
    if shape == "square":
        s = r * 0.9
        return f"M{x - s:.1f} {y - s:.1f}h{2 * s:.1f}v{2 * s:.1f}h{-2 * s:.1f}z"
    if shape == "triangle":
        return f"M{x:.1f} {y - 1.2 * r:.1f}l{1.1 * r:.1f} {1.9 * r:.1f}h{-2.2 * r:.1f}z"
    if shape == "triangle-down":
        return f"M{x:.1f} {y + 1.2 * r:.1f}l{1.1 * r:.1f} {-1.9 * r:.1f}h{-2.2 * r:.1f}z"
    if shape == "diamond":
        s = 1.25 * r
        return f"M{x:.1f} {y - s:.1f}l{s:.1f} {s:.1f}l{-s:.1f} {s:.1f}l{-s:.1f} {-s:.1f}z"
    # a circle as four cubic Bezier quarters (one 'c', then 's' reflects the control point):
    # WeasyPrint turns an arc ('a') into curves point by point, which costs twice as much
    k, j = 0.5523 * r, r - 0.5523 * r
    return (
        f"M{x - r:.1f} {y:.1f}c0 {-k:.1f} {j:.1f} {-r:.1f} {r:.1f} {-r:.1f}"
        f"s{r:.1f} {j:.1f} {r:.1f} {r:.1f}s{-j:.1f} {r:.1f} {-r:.1f} {r:.1f}s{-r:.1f} {-j:.1f} {-r:.1f} {-r:.1f}z"
    )


def _markers(s: Series, pts: list[list[float]], r: float, outline: float) -> list[str]:
    """The markers of one series at ``pts``, radius ``r``, with a dark ``outline``: one path."""
    d = "".join(_marker(s.shape, px, py, r) for px, py in pts)
    return [f'<path d="{d}" fill="{s.colour}" stroke="#333333" stroke-width="{outline:.2f}"/>']


def label_text(labels: Sequence[tuple[str, float, float]], font: float) -> str:
    """One ``<text>`` of all ``labels`` (code, x, y centre of its baseline), each letter at
    its own position, so WeasyPrint sets up the text once, not once per label."""
    xs: list[str] = []
    ys: list[str] = []
    chars: list[str] = []
    for code, lx, ly in labels:
        widths = [font * _CAPS_WIDTH.get(c, 1400) / 2048 for c in code]
        left = lx - sum(widths) / 2
        for c, w in zip(code, widths):
            xs.append(f"{left:.1f}")
            ys.append(f"{ly:.1f}")
            chars.append(c)
            left += w
    if not chars:
        return ""
    return (
        f'<text x="{" ".join(xs)}" y="{" ".join(ys)}" font-family="{LABEL_FONT}" '
        f'font-size="{font:.1f}" fill="{LABEL}">{html.escape("".join(chars))}</text>'
    )


def glyph(s: Series, size_pt: float = 9.0) -> str:
    """A small standalone SVG of one series' marker, for legends."""
    if not _HEX.fullmatch(s.colour) or s.shape not in SHAPES:
        raise ValueError(f"bad series style: {s.colour!r} {s.shape!r}")
    c = size_pt / 2
    d = _marker(s.shape, c, c, size_pt * 0.36)
    return (
        f'<svg width="{size_pt:g}pt" height="{size_pt:g}pt" viewBox="0 0 {size_pt:g} {size_pt:g}">'
        f'<path d="{d}" fill="{s.colour}" stroke="#333333" stroke-width="0.3"/></svg>'
    )


# --------------------------------------------------------------------------- the map


def render_map(
    x: np.ndarray,
    y: np.ndarray,
    series_index: np.ndarray,
    series: Sequence[Series],
    *,
    state_fill: Mapping[str, str] | None = None,
    county_fill: Mapping[str, str] | None = None,
    zip3_fill: Mapping[str, str] | None = None,
    view: tuple[float, float, float, float] | None = None,
    width_pt: float = 500.0,
    height_pt: float = 320.0,
    marker_pt: float = 2.6,
    title: str = "",
    labels: bool = True,
    frames: frozenset[str] | None = None,
) -> str:
    """An SVG map of points (``x``, ``y`` in map km, from ``projection.project``).

    ``series_index[i]`` picks the style of point ``i`` from ``series``; series are drawn
    last to first, so ``series[0]`` ends up on top. ``state_fill``, ``county_fill`` and
    ``zip3_fill`` shade whole units (state code, county FIPS or ZIP3 prefix -> #rrggbb). ``view`` is (x0, y0, x1, y1) in km
    (default: the whole country with the insets). Points outside the view are not drawn.
    ``frames`` limits the outlines to some of 'L48', 'AK', 'HI', 'PR' (a map zoomed into the
    lower 48 must not show an inset that happens to lie in its corner).
    """
    nv = national_view()
    view = view or nv
    vx0, vy0, vx1, vy1 = view
    scale = width_pt / (vx1 - vx0)  # pt per km
    height_pt = (vy1 - vy0) * scale if height_pt <= 0 else height_pt
    g = shapes().grid_km
    out: list[str] = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width_pt:.1f}pt" height="{height_pt:.1f}pt" '
        f'viewBox="{vx0:.1f} {vy0:.1f} {vx1 - vx0:.1f} {vy1 - vy0:.1f}" preserveAspectRatio="xMidYMid meet" '
        f'role="img" aria-label="{html.escape(title, quote=True)}">'
    ]
    stroke = 0.5 / scale  # 0.5 pt outlines at any zoom
    km_per_pt = 1 / scale
    s_tol = shapes().tolerance_for("state", km_per_pt)
    c_tol = shapes().tolerance_for("county", km_per_pt)
    z_tol = shapes().tolerance_for("zip3", km_per_pt) if zip3_fill else c_tol
    in_view = [
        code
        for code in unit_ids("state")
        if _overlaps(unit_bounds("state", code), view) and (frames is None or state_frame(code) in frames)
    ]
    out.append(f'<g transform="scale({g:g})">')
    # one path for land and borders (WeasyPrint parses every vertex in Python, ~40 us each);
    # shaded areas go on top and cover the inner half of a border line
    out.append(
        f'<path d="{"".join(unit_path("state", c, s_tol) for c in in_view)}" fill="{LAND}" '
        f'stroke="{BORDER}" stroke-width="{stroke / g:.3f}" stroke-linejoin="round"/>'
    )
    layers = (("county", county_fill, c_tol), ("zip3", zip3_fill, z_tol), ("state", state_fill, s_tol))
    for level, fills, tol in layers:
        if not fills:
            continue
        known = set(unit_ids(level))
        by_colour: dict[str, list[str]] = {}
        for uid, colour in sorted((fills or {}).items()):
            if not _HEX.fullmatch(colour):
                raise ValueError(f"not a #rrggbb colour: {colour!r}")
            code = unit_state(level, uid)
            if uid in known and code in in_view and _overlaps(unit_bounds(level, uid), view):
                by_colour.setdefault(colour.lower(), []).append(uid)
        for colour, uids in sorted(by_colour.items()):
            d = area_path(level, uids, tol)
            out.append(f'<path d="{d}" fill="{colour}" fill-rule="evenodd" stroke="none"/>')
    out.append("</g>")
    if view == nv:
        for bx0, by0, bx1, by1 in inset_boxes():
            out.append(
                f'<rect x="{bx0:.1f}" y="{by0:.1f}" width="{bx1 - bx0:.1f}" height="{by1 - by0:.1f}" '
                f'fill="none" stroke="#c8c8c8" stroke-width="{stroke:.2f}"/>'
            )
    if labels:
        font = 6.5 / scale
        shown = [
            (code, lx, ly + font / 3)
            for code, (lx, ly) in sorted(state_label_points().items())
            if code in in_view
            and (view != nv or code not in ("DC", "RI", "DE"))
            and vx0 < lx < vx1
            and vy0 < ly < vy1
        ]
        out.append(label_text(shown, font))
    x = np.asarray(x, dtype=float)
    y = np.asarray(y, dtype=float)
    idx = np.asarray(series_index, dtype=np.int64)
    inside = np.isfinite(x) & np.isfinite(y) & (x >= vx0) & (x <= vx1) & (y >= vy0) & (y <= vy1)
    r_km = marker_pt / scale
    for k in range(len(series) - 1, -1, -1):
        s = series[k]
        if not _HEX.fullmatch(s.colour) or s.shape not in SHAPES:
            raise ValueError(f"bad series style: {s.colour!r} {s.shape!r}")
        m = inside & (idx == k)
        if not m.any():
            continue
        # one marker per cell of 3/4 of a marker's radius: markers that would cover each other
        # add bytes and layout time, not information (10,000 accounts on a US map: ~1,000 marks)
        cell = max(r_km * s.size * 0.75, 0.1)
        pts = np.unique(np.round(np.column_stack([x[m], y[m]]) / cell), axis=0) * cell
        out += _markers(s, pts.tolist(), r_km * s.size, 0.25 / scale)
    out.append("</svg>")
    return "".join(out)
