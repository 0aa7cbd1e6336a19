"""The review page: one self-contained HTML file to review a plan in a browser.

``write_review(plan_dir, out, previous=...)`` writes ``report.html``: every rep's balance
strip (tier counts and each balanced measure against the rep's own band), a sortable and
filterable account table with reasons, moves by manager (joining, leaving, within, as the
roll-ups count them), the map when the plan placed its accounts, and the accounts whose owner
differs from a previous plan (with the reasons ``territory diff`` gives).

The page works offline and fetches nothing. All plan data sits in one
``<script type="application/json">`` block (``<``, ``>``, ``&``, U+2028 and U+2029
escaped) that the page's own script reads and puts into the page with ``textContent`` only.
A Content-Security-Policy allows no network, no inline event handlers and only the page's
own script and style (by their sha256), so a hostile account name cannot run anything.

Measures are read generically: the tiers, then every measure each rep's ``measures`` record
in summary.json lists (``potential`` alone for plans written before measures existed).
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import pandas as pd
from markupsafe import Markup

from ..balance import POTENTIAL_TOLERANCE, outside_bands
from ..errors import RenderError
from ..geo.book_maps import MapFigure
from ..plan_result import Overall, Rep, SolverResult
from .context import (
    NO_MANAGER,
    PlanDir,
    _band_rule,
    _num,
    _s,
    _tier,
    _truthy,
    load_plan_dir,
    managers_of,
    measure_column,
    team_moves,
)
from .render import int_commas, money, money_short, num, pct

__all__ = ["REPORT_NAME", "ReviewResult", "review_data", "render_review", "write_review"]

REPORT_NAME = "report.html"
TIERS = (1, 2, 3)
ASSETS = "territory.report_templates"


@dataclass(frozen=True)
class ReviewResult:
    """What ``write_review`` wrote."""

    path: Path
    size: int
    accounts: int
    reps: int
    has_map: bool
    differences: int | None  # accounts whose owner differs from the previous plan; None without one
    seconds: float

    def __repr__(self) -> str:
        return f"<ReviewResult {self.path} [{self.accounts:,} accounts, {self.size:,} bytes]>"


# --------------------------------------------------------------------------- measures


@dataclass(frozen=True)
class _Measure:
    key: str  # "tier:1" or the measure's name in summary.json ("potential", "arr", ...)
    label: str
    kind: str  # "count" (accounts) or "amount" (money or any summed column)


def _measures(plan: PlanDir) -> list[_Measure]:
    """Tiers 1-3, then potential, then every other measure the reps' records list."""
    from ..plan_result import measure_label

    out = [_Measure(f"tier:{t}", f"Tier {t}", "count") for t in TIERS]
    for name in dict.fromkeys(["potential", *plan.result.measure_names()]):
        out.append(_Measure(name, measure_label(name), "amount"))
    return out


def _count(value: float | None) -> str:
    return num(value, 1)


def _cell(rep: Rep, m: _Measure, potential_band: float | None) -> dict[str, Any]:
    """One rep's number for one measure: value, fair share, band, deviation, outside the band.

    Tiers and potential follow ``territory.balance.outside_bands`` (the rule of the plan's
    warnings, the terminal summary and the plan summary PDF); another measure is outside
    when its value leaves the band its record gives.
    """
    flags = outside_bands(rep, potential_band)
    value: float | None
    fair: float | None
    dev: float | None
    lo: float | None
    hi: float | None
    if m.key.startswith("tier:"):
        t = m.key.split(":")[1]
        lohi = rep.tier_band.get(t)
        lo, hi = (float(lohi[0]), float(lohi[1])) if lohi is not None else (None, None)
        count = rep.tier_counts.get(t)
        value = float(count) if count is not None else None
        fair, dev = _num(rep.fair_tier.get(t)), _num(rep.tier_deviation.get(t))
        out = flags[int(t) - 1]
    else:
        entry = rep.measures.get(m.key) if rep.measures else None
        lo = hi = None
        if entry is not None:
            value, fair, dev = _num(entry.value), _num(entry.fair), _num(entry.deviation)
            if entry.band is not None:
                lo, hi = _num(entry.band[0]), _num(entry.band[1])
        elif m.key == "potential":
            value, fair = _num(rep.potential), _num(rep.fair_potential)
            dev = _num(rep.potential_deviation)
        else:
            value = fair = dev = None
        if (
            lo is None
            and m.key == "potential"
            and potential_band is not None
            and fair is not None
            and fair > 0
        ):
            lo, hi = (1 - potential_band) * fair, (1 + potential_band) * fair
        if m.key == "potential":
            out = flags[3]
        else:
            out = value is not None and (
                (lo is not None and value < lo - POTENTIAL_TOLERANCE)
                or (hi is not None and value > hi + POTENTIAL_TOLERANCE)
            )
    if dev is None and value is not None and fair is not None and fair > 0:
        dev = value / fair - 1
    fmt = _count if m.kind == "count" else money
    short = _count if m.kind == "count" else money_short
    return {
        "value": value,
        "fair": fair,
        "lo": lo,
        "hi": hi,
        "dev": dev,
        # deviation of the band's ends, for the strip (None when the fair share is 0)
        "lo_dev": lo / fair - 1 if lo is not None and fair else None,
        "hi_dev": hi / fair - 1 if hi is not None and fair else None,
        "out": bool(out),
        "text": fmt(value),
        "fair_text": fmt(fair),
        "band_text": (f"{short(lo)}\u2013{short(hi)}" if lo is not None and hi is not None else "no band"),
        "dev_text": pct(dev, 1, signed=True),
    }


# --------------------------------------------------------------------------- the data


class _Texts:
    """Repeated strings (reasons, why-fit texts) stored once, rows hold their index."""

    def __init__(self) -> None:
        self.items: list[str] = []
        self._index: dict[str, int] = {}

    def __call__(self, text: str) -> int:
        i = self._index.get(text)
        if i is None:
            i = self._index[text] = len(self.items)
            self.items.append(text)
        return i


def _column(frame: pd.DataFrame, name: str) -> pd.Series:
    if name in frame.columns:
        return frame[name].astype(str)
    return pd.Series([""] * len(frame), index=frame.index, dtype=object)


def _numbers(series: pd.Series) -> list[float | None]:
    return [_num(v) for v in series.tolist()]


def _people(plan: PlanDir, managers: list[str]) -> tuple[list[dict[str, Any]], dict[str, int]]:
    """Every owner the page names: the roster, then owners who left the team."""
    team = {m: i for i, m in enumerate(managers)}
    people: list[dict[str, Any]] = []
    index: dict[str, int] = {}
    for r in plan.reps:
        index[r.rep_id] = len(people)
        manager = r.manager.strip() or NO_MANAGER
        people.append(
            {"id": r.rep_id, "name": r.name or r.rep_id, "team": team.get(manager, -1), "left": False}
        )
    names = plan.rep_names
    a = plan.assignments
    for rid in sorted(set(a["previous_owner_id"].tolist()) | set(a["owner_id"].tolist())):
        if rid and rid not in index:
            index[rid] = len(people)
            people.append({"id": rid, "name": names.get(rid, rid), "team": -1, "left": True})
    return people, index


def _accounts(
    plan: PlanDir, measures: list[_Measure], who: Mapping[str, int], texts: _Texts
) -> dict[str, Any]:
    """The account table as columns and rows (arrays, not objects: a third of the bytes)."""
    a = plan.assignments
    columns = ["account_id", "name", "tier", "region"]
    if "product" in a.columns:
        columns.append("product")
    columns += ["owner", "previous_owner", "change"]
    amount_cols = []
    for m in measures:
        if m.kind == "amount":
            col = measure_column(a, m.key)
            if col is not None:
                amount_cols.append((m.label, col))
    has_score = "score" in a.columns and bool((a["score"] != "").any()) if len(a) else False
    data: list[list[Any]] = [
        _column(a, "account_id").tolist(),
        _column(a, "name").tolist(),
        [_tier(v) for v in _column(a, "tier").tolist()],
        _column(a, "region").tolist(),
    ]
    if "product" in a.columns:
        data.append(_column(a, "product").tolist())
    owner = _column(a, "owner_id").tolist()
    prev = _column(a, "previous_owner_id").tolist()
    data.append([who.get(o, -1) if o else -1 for o in owner])
    data.append([who.get(p, -1) if p else -1 for p in prev])
    # 0 kept, 1 moved from another owner, 2 first owner (was unassigned)
    data.append([0 if o == p else (2 if not p else 1) for o, p in zip(owner, prev)])
    for _label, col in amount_cols:
        columns.append("m:" + col)
        data.append(_numbers(a[col]))
    if has_score:
        columns.append("score")
        data.append(_numbers(a["score"]))
    columns.append("locked")
    data.append([1 if _truthy(v) else 0 for v in _column(a, "locked").tolist()])
    columns.append("reason")
    data.append([texts(v) for v in _column(a, "reason").tolist()])
    if "why" in a.columns:
        columns.append("why")
        data.append([texts(v) for v in _column(a, "why").tolist()])
    rows = [list(r) for r in zip(*data)] if len(a) else []
    return {
        "columns": columns,
        "amount_labels": {"m:" + col: label for label, col in amount_cols},
        "rows": rows,
    }


def _previous(plan: PlanDir, previous: str | Path, texts: _Texts) -> dict[str, Any]:
    """Accounts whose owner differs from the previous plan, as ``territory diff PREVIOUS PLAN``
    lists them (both folders read through the verified reader)."""
    from ..compare import diff_plans

    d = diff_plans(previous, plan.path)
    names = plan.rep_names

    def label(rid: str, name: str) -> str:
        name = name or names.get(rid, "")
        return f"{name} ({rid})" if name and name != rid else rid

    by_product = "product" in d.columns
    columns = ["account_id", *(["product"] if by_product else []), "name", "tier"]
    columns += ["old_owner", "new_owner", "change", "reason"]
    rows = []
    for rec in d.to_dict("records"):
        row: list[Any] = [_s(rec["account_id"]), *([_s(rec["product"])] if by_product else [])]
        row += [
            _s(rec["name"]),
            _tier(rec["tier"]),
            label(_s(rec["old_owner_id"]), _s(rec["old_owner_name"])),
            label(_s(rec["new_owner_id"]), _s(rec["new_owner_name"])),
            _s(rec["change"]),
            texts(_s(rec["reason"])),
        ]
        rows.append(row)
    counts = d["change"].value_counts().to_dict() if len(d) else {}
    return {
        "name": Path(previous).resolve().name,
        "columns": columns,
        "rows": rows,
        "moved": int(counts.get("moved", 0)),
        "added": int(counts.get("added", 0)),
        "removed": int(counts.get("removed", 0)),
    }


def _scale(cells: Sequence[Sequence[Mapping[str, Any]]], tier_band: float | None) -> float:
    """The deviation at a strip's edge: at least two tier bands, more when a rep is further
    out, at most 50 % (as the plan summary PDF draws it)."""
    band = 0.10 if tier_band is None else tier_band
    devs = [abs(c["dev"]) for row in cells for c in row if c["dev"] is not None]
    return min(0.5, max(2 * band, 0.05, *devs)) if devs else max(2 * band, 0.05)


def review_data(plan: PlanDir, previous: str | Path | None = None) -> dict[str, Any]:
    """Everything the page shows, as JSON-ready data (numbers and plain text only)."""
    return _review_data(plan, previous, _map_figure(plan), plan.path.resolve().name)


def _review_data(
    plan: PlanDir, previous: str | Path | None, figure: MapFigure | None, name: str
) -> dict[str, Any]:
    result = plan.result
    potential_band = result.measure_band("potential")
    measures = _measures(plan)
    managers = managers_of(plan)
    people, who = _people(plan, managers)
    texts = _Texts()

    rep_rows = []
    cells_all = []
    for r in plan.reps:
        cells = [_cell(r, m, potential_band) for m in measures]
        cells_all.append(cells)
        rep_rows.append(
            {
                "person": who[r.rep_id],
                "region": r.region,
                "capacity": _num(r.capacity),
                "accounts": r.accounts,
                "moves_in": r.moves_in,
                "moves_out": r.moves_out,
                "cells": cells,
            }
        )
    balance_cfg = result.config.get("balance")
    tier_band = _num(balance_cfg.get("tier_band")) if isinstance(balance_cfg, Mapping) else None

    pot = plan.assignments["potential"].map(_num).fillna(0.0) if len(plan.assignments) else None
    teams = []
    for manager in managers:
        ids = [r.rep_id for r in plan.reps if (r.manager.strip() or NO_MANAGER) == manager]
        joining, leaving, within = team_moves(plan, ids)

        def moved(frame: pd.DataFrame) -> dict[str, Any]:
            total = float(pot.loc[frame.index].sum()) if pot is not None else 0.0
            return {"accounts": len(frame), "potential": total, "potential_text": money(total)}

        teams.append(
            {
                "name": manager,
                "reps": [who[i] for i in ids],
                "accounts": sum(plan.rep(i).accounts for i in ids),
                "joining": moved(joining),
                "leaving": moved(leaving),
                "within": moved(within),
            }
        )

    return {
        "plan": {
            "name": name,
            "period_label": result.period_label,
            "fingerprint": plan.fingerprint,
            "territory_version": result.territory_version,
        },
        "facts": _facts(plan, result.overall, result.solver, rep_rows),
        "band_rule": _band_rule(plan),
        "potential_band": potential_band,
        # every balanced measure's band in words: 'Potential ±10 %, ARR ±15 %'
        "measure_bands": ", ".join(
            f"{m.label} ±{pct(band, 0)}"
            for m in measures
            if m.kind == "amount" and (band := result.measure_band(m.key)) is not None
        ),
        "scale": _scale(cells_all, tier_band),
        "measures": [{"key": m.key, "label": m.label, "kind": m.kind} for m in measures],
        "people": people,
        "managers": managers,
        "reps": rep_rows,
        "teams": teams,
        "accounts": _accounts(plan, measures, who, texts),
        "previous": _previous(plan, previous, texts) if previous is not None else None,
        "map": None
        if figure is None
        else {
            "title": figure.title,
            "caption": figure.caption,
            "legend": [[item.label, item.count] for item in figure.legend],
            "off_map": list(figure.off_map),
            "off_map_more": figure.off_map_more,
        },
        "warnings": list(result.warnings),
        "texts": texts.items,
    }


def _facts(
    plan: PlanDir, overall: Overall, solver: SolverResult, reps: list[dict[str, Any]]
) -> list[list[str]]:
    """(label, value) lines at the top of the page, worded as the plan summary PDF words them."""
    outside = sum(1 for r in reps if any(c["out"] for c in r["cells"]))
    status = solver.status_text or solver.status or "unknown"
    facts = [
        ["Accounts", int_commas(overall.accounts)],
        ["Reps", int_commas(overall.reps)],
        [
            "Accounts moved",
            f"{int_commas(overall.accounts_moved)} ({pct(overall.moved_share)} of accounts, "
            f"{pct(overall.potential_moved_share)} of potential)",
        ],
        ["Moved because their owner left", int_commas(overall.orphaned_accounts)],
        ["Reps with a number outside their band", f"{outside:,} of {len(reps):,}"],
        ["Solver", f"{status}, gap {pct(solver.gap, 2)}"],
    ]
    return facts


def _map_figure(plan: PlanDir) -> MapFigure | None:
    from ..geo.book_maps import plan_map

    return plan_map(plan)


# --------------------------------------------------------------------------- the page

_UNSAFE_SVG = re.compile(
    r"<\s*(script|foreignobject|iframe|image|a\b|use\b|style)|\son\w+\s*=|href|url\(", re.I
)


def _asset(name: str) -> str:
    return (resources.files(ASSETS) / name).read_text(encoding="utf-8")


def _sha256(text: str) -> str:
    return "sha256-" + base64.b64encode(hashlib.sha256(text.encode("utf-8")).digest()).decode("ascii")


def json_for_html(data: Any) -> str:
    """JSON that cannot end its ``<script>`` element or start markup inside it.

    ``<``, ``>`` and ``&`` become ``\\u003c`` ``\\u003e`` ``\\u0026``; U+2028 and U+2029
    (line terminators in older JavaScript) become escapes too. ``JSON.parse`` gives back
    the same values, less their direction controls (an override in a rep's name reversed the
    account count the map legend shows after it: '(31)' read '(13)').
    """
    from .render import without_direction_controls

    text = json.dumps(data, ensure_ascii=False, allow_nan=False, separators=(",", ":"), default=_plain)
    text = without_direction_controls(text)
    return (
        text.replace("<", "\\u003c")
        .replace(">", "\\u003e")
        .replace("&", "\\u0026")
        .replace("\u2028", "\\u2028")
        .replace("\u2029", "\\u2029")
    )


def _plain(value: Any) -> Any:
    if hasattr(value, "item"):
        return value.item()
    raise TypeError(f"not JSON: {type(value).__name__}")


def _page(plan: PlanDir, previous: str | Path | None, name: str | None = None) -> tuple[str, dict[str, Any]]:
    import jinja2

    figure = _map_figure(plan)
    data = _review_data(plan, previous, figure, name or plan.path.resolve().name)
    script, style = _asset("review.js"), _asset("review.css")
    map_svg = ""
    glyphs: list[str] = []
    if figure is not None:
        map_svg = str(figure.svg)
        glyphs = [str(item.glyph) for item in figure.legend]
        # Built by territory.geo.maps from numbers only; refuse anything that could fetch or run.
        for svg in (map_svg, *glyphs):
            if _UNSAFE_SVG.search(svg.replace('xmlns="http://www.w3.org/2000/svg"', "")):
                raise RenderError("the map holds markup the review page does not allow")
    csp = (
        "default-src 'none'; "
        f"script-src '{_sha256(script)}'; style-src '{_sha256(style)}'; "
        "img-src 'none'; font-src 'none'; connect-src 'none'; media-src 'none'; "
        "object-src 'none'; frame-src 'none'; worker-src 'none'; manifest-src 'none'; "
        "base-uri 'none'; form-action 'none'"
    )
    env = jinja2.Environment(
        loader=jinja2.PackageLoader(ASSETS, "."),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
    )
    html = env.get_template("review.html").render(
        csp=csp,
        style=Markup(style),
        script=Markup(script),
        data=Markup(json_for_html(data)),
        map_svg=Markup(map_svg),
        glyphs=[Markup(g) for g in glyphs],
    )
    return html, data


def render_review(plan: PlanDir, previous: str | Path | None = None) -> str:
    """The review page's HTML (deterministic: the same plan gives the same bytes)."""
    return _page(plan, previous)[0]


def write_review(
    plan_dir: str | Path | PlanDir,
    out: str | Path | None = None,
    *,
    previous: str | Path | None = None,
    plan_name: str | None = None,
) -> ReviewResult:
    """Write the review page of a plan folder to ``out`` (default ``PLAN_DIR/report.html``),
    atomically.

    :param previous: another plan folder (last quarter's): the page lists the accounts whose
        owner differs from it, with why.
    :param plan_name: the plan's name on the page (default: the folder's name).
    """
    from ..io.writing import write_text

    t0 = time.perf_counter()
    plan = plan_dir if isinstance(plan_dir, PlanDir) else load_plan_dir(plan_dir)
    target = Path(out) if out is not None else plan.path / REPORT_NAME
    html, data = _page(plan, previous, plan_name)
    record = write_text(html, target)
    return ReviewResult(
        path=target,
        size=record.bytes,
        accounts=len(plan.assignments),
        reps=len(plan.reps),
        has_map=data["map"] is not None,
        differences=None if data["previous"] is None else len(data["previous"]["rows"]),
        seconds=time.perf_counter() - t0,
    )
