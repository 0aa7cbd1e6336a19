"""The documented contract between a plan directory and the book templates.

``load_plan_dir`` reads a plan directory (see ``docs/plan-output.md``) into a ``PlanDir``;
``build_rep_book``, ``build_manager_rollup`` and ``build_plan_summary`` turn it into frozen
dataclasses. Templates receive one of those objects (its fields as top-level names) and
nothing else; every field carries ``metadata={"help": ...}`` and each class names the template
it is documented for, so ``tests/test_reporting.py`` can check both.

This module reads metrics from ``summary.json``; it does not compute new ones. It only
groups, sorts and lays out (chart geometry) what the plan already says.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import json
import math
import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any, ClassVar

import pandas as pd

from ..assignment import FIXED_COLUMNS
from ..balance import gap_labels, largest_gaps, outside_bands
from ..errors import InputError, Problem
from ..geo.book_maps import MapFigure, plan_map, rep_map, team_map
from ..geo.book_maps import warm as warm_maps
from ..plan_result import PlanSummary, Rep

__all__ = [
    "PlanDir",
    "load_plan_dir",
    "BookMeta",
    "RepInfo",
    "TierLine",
    "ChartBar",
    "IcpPage",
    "AccountRow",
    "TierSection",
    "MoveRow",
    "RepBookContext",
    "RepLine",
    "ManagerRollupContext",
    "SolverInfo",
    "OverallInfo",
    "RepBalance",
    "RegionMoves",
    "PlanSummaryContext",
    "build_rep_book",
    "build_manager_rollup",
    "build_plan_summary",
    "manager_slug",
    "name_slug",
    "managers_of",
    "team_moves",
    "undocumented_fields",
]

TIERS: tuple[int, ...] = (1, 2, 3)
REQUIRED_COLUMNS: tuple[str, ...] = tuple(FIXED_COLUMNS)  # the plan's fixed first columns
NO_MANAGER = "(no manager)"


def doc(help: str, **kw: Any) -> Any:
    """A dataclass field documented with ``help`` (no default)."""
    return field(metadata={"help": help}, **kw)


# --------------------------------------------------------------------------- plan directory


@dataclass(frozen=True)
class PlanDir:
    """A plan directory read from disk: ``summary.json``, ``assignments.csv``, ``icp.json``."""

    path: Path
    summary: Mapping[str, Any]
    assignments: pd.DataFrame
    icp: Mapping[str, Any] | None
    fingerprint: str
    result: PlanSummary  # summary.json, typed (``summary`` is the same file as read)

    def __repr__(self) -> str:
        return (
            f"<PlanDir {self.path} [{len(self.assignments):,} accounts, "
            f"{len(self.reps)} reps, {self.fingerprint}]>"
        )

    @cached_property
    def rep_names(self) -> dict[str, str]:
        """rep id -> name, from the roster in summary.json, then from assignments.csv."""
        return _names(self)

    @cached_property
    def rows_by_owner(self) -> dict[str, pd.DataFrame]:
        """owner_id -> that owner's rows (computed once; forked workers inherit it)."""
        return {str(k): g for k, g in self.assignments.groupby("owner_id", sort=False)}

    @cached_property
    def moved_rows(self) -> pd.DataFrame:
        """Rows whose owner changes."""
        a = self.assignments
        return a[a["owner_id"] != a["previous_owner_id"]]

    @cached_property
    def leaving_by_rep(self) -> dict[str, pd.DataFrame]:
        """previous_owner_id -> rows moving away from that owner."""
        return {str(k): g for k, g in self.moved_rows.groupby("previous_owner_id", sort=False)}

    def warm(self) -> PlanDir:
        """Compute the cached indexes now (before forking workers)."""
        _ = (self.rep_names, self.rows_by_owner, self.leaving_by_rep)
        warm_maps(self)  # outlines and projected accounts, once for every forked worker
        return self

    @property
    def reps(self) -> tuple[Rep, ...]:
        return self.result.reps

    @property
    def rep_ids(self) -> list[str]:
        return [r.rep_id for r in self.reps]

    def rep(self, rep_id: str) -> Rep:
        found = self.result.rep(rep_id)
        if found is not None:
            return found
        raise InputError(
            [
                Problem(
                    file=str(self.path / "summary.json"),
                    message=f"no rep {rep_id!r} in this plan",
                    value=rep_id,
                    hint="reps in this plan: " + _preview(self.rep_ids),
                )
            ],
            summary="unknown rep",
        )


def _preview(items: Sequence[str], n: int = 8) -> str:
    shown = ", ".join(items[:n])
    return shown + (f", ... ({len(items)} in all)" if len(items) > n else "")


def load_plan_dir(path: str | Path) -> PlanDir:
    """Read a plan directory; every problem found is reported in one ``InputError``.

    Reading and checking (files that belong together, checksums) is
    ``territory.io.plandir.read_plan_folder``, shared with compare and diff.
    """
    from ..io.plandir import read_plan_folder

    f = read_plan_folder(path, REQUIRED_COLUMNS)
    frame = f.assignments
    if "product" in frame.columns:
        # Product ICPs: a row without a product is an account that fits no product ICP; it
        # is listed for completeness but is in nobody's book (summary.json counts none).
        frame = frame[frame["product"] != ""].reset_index(drop=True)
    return PlanDir(
        path=f.path,
        summary=f.summary,
        assignments=frame,
        icp=f.icp,
        fingerprint=plan_fingerprint(f.summary, f.assignments_bytes),
        result=f.result,
    )


def plan_fingerprint(summary: Mapping[str, Any], assignments: bytes) -> str:
    """The plan's fingerprint printed on its books: the first 12 hex digits of a hash of
    summary.json and assignments.csv. It identifies the plan content, not the run: the "run"
    object (timestamps) is left out so re-rendering the same plan prints the same fingerprint."""
    stable = {k: v for k, v in summary.items() if k != "run"}
    h = hashlib.sha256(json.dumps(stable, sort_keys=True, ensure_ascii=True).encode())
    h.update(assignments)
    return h.hexdigest()[:12]


def fingerprint_on_disk(path: str | Path) -> str | None:
    """The fingerprint of the plan in ``path`` as it is now (None when it cannot be read)."""
    folder = Path(path)
    try:
        summary = json.loads((folder / "summary.json").read_bytes())
        return plan_fingerprint(summary, (folder / "assignments.csv").read_bytes())
    except (OSError, ValueError, AttributeError):
        return None


# --------------------------------------------------------------------------- small helpers


def _num(value: Any) -> float | None:
    """A number from a JSON value or CSV cell; ``None`` when empty or not a number."""
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return float(value) if math.isfinite(value) else None
    text = str(value).strip()
    if text.startswith("'"):
        # formula neutralisation prefix ("'-5"); the number itself is still meant
        text = text[1:]
    text = text.replace(",", "")
    if not text:
        return None
    try:
        out = float(text)
    except ValueError:
        return None
    return out if math.isfinite(out) else None


def _tier(value: Any) -> int | None:
    n = _num(value)
    if n is None or n != int(n) or int(n) not in TIERS:
        return None
    return int(n)


def _s(value: Any) -> str:
    return "" if value is None else str(value)


def _truthy(value: Any) -> bool:
    return str(value).strip().lower() in {"true", "1", "yes", "y", "t"}


# Latin letters that Unicode does not decompose into an ASCII base letter plus accents.
_ASCII_LETTERS = str.maketrans(
    {"ß": "ss", "æ": "ae", "œ": "oe", "ø": "o", "ł": "l", "đ": "d", "ð": "d", "þ": "th", "ı": "i", "ħ": "h"}
)


def name_slug(text: str, limit: int = 40) -> str:
    """A person's name as an ASCII file-name part: 'José Núñez-Łukasz' -> 'jose-nunez-lukasz'.

    Accents are dropped, other characters (CJK, punctuation) become '-', at most ``limit``
    characters, never starting or ending with '-'; empty when nothing ASCII is left.
    """
    flat = unicodedata.normalize("NFKD", text.lower().translate(_ASCII_LETTERS))
    ascii_text = flat.encode("ascii", "ignore").decode("ascii").lower()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text).strip("-")[:limit].strip("-")


def manager_slug(manager: str, first_rep: str = "") -> str:
    """A filename-safe slug for a manager name (``manager-<slug>.pdf``). A name without ASCII
    letters or digits ('经理') is ``team-<first_rep>``, so each such roll-up says whose it is."""
    slug = name_slug(manager, 60)
    if not slug or manager == NO_MANAGER:
        if manager in ("", NO_MANAGER):
            slug = "no-manager"
        else:
            from .render import safe_filename

            slug = f"team-{safe_filename(first_rep)}" if first_rep else "manager"
    return slug


def managers_of(plan: PlanDir) -> list[str]:
    """Manager names in roster order, ``(no manager)`` last for reps without one."""
    seen: dict[str, None] = {}
    for r in plan.reps:
        seen.setdefault(r.manager.strip() or NO_MANAGER, None)
    names = [m for m in seen if m != NO_MANAGER]
    return names + ([NO_MANAGER] if NO_MANAGER in seen else [])


# --------------------------------------------------------------------------- shared pieces


@dataclass(frozen=True)
class BookMeta:
    period_label: str = doc("Planning period printed on every page, e.g. 'FY27 Q1' (may be empty).")
    generated_on: dt.date = doc("Date the books were generated; fixed in tests for byte-identical PDFs.")
    fingerprint: str = doc(
        "First 12 hex digits of a hash of summary.json (without 'run') and assignments.csv."
    )
    plan_name: str = doc("Name of the plan directory the book was made from.")
    territory_version: str = doc("Version of territory that wrote the plan.")
    page_size: str = doc("CSS page size: 'letter' or 'A4'.")


@dataclass(frozen=True)
class RepInfo:
    rep_id: str = doc("The rep's id from the roster.")
    name: str = doc("The rep's name.")
    email: str = doc("The rep's email (may be empty).")
    manager: str = doc("The rep's manager (may be empty).")
    region: str = doc("Region or regions the rep covers (the territory).")
    capacity: float | None = doc("Capacity: 1.0 = full quota-carrying rep, 0.5 = ramping.")
    product: str = doc("Product ICP the rep carries (the plan's default product when the roster names none).")


@dataclass(frozen=True)
class TierLine:
    tier: int = doc("Tier number, 1 (best fit) to 3.")
    count: int = doc("Accounts of this tier in the rep's book.")
    fair_share: float | None = doc("Capacity-proportional fair share of this tier for the rep.")
    band_lo: float | None = doc("Lower end of the tolerance band around the fair share.")
    band_hi: float | None = doc("Upper end of the tolerance band around the fair share.")
    pool_average: float | None = doc(
        "Average count of this tier per rep in the rep's pool (see ``RepBookContext.pool``)."
    )
    deviation: float | None = doc("(count - fair share) / fair share, as in summary.json.")


@dataclass(frozen=True)
class ChartBar:
    label: str = doc("Text under or beside the bar.")
    value_text: str = doc("The value printed on the bar, already formatted.")
    x: float = doc("Left edge in SVG user units.")
    y: float = doc("Top edge in SVG user units.")
    width: float = doc("Width in SVG user units.")
    height: float = doc("Height in SVG user units.")
    css_class: str = doc("CSS class that colours the bar (book, fair, team, t1, t2, t3, ok, over).")
    label_x: float = doc("x of the bar's value label in SVG units (deviation strips).", default=0.0)
    anchor: str = doc("SVG text-anchor of the value label: start, middle or end.", default="middle")


@dataclass(frozen=True)
class IcpPage:
    product: str = doc("Product the ICP is for.")
    title: str = doc("Title of the ICP.")
    profile: tuple[tuple[str, str], ...] = doc(
        "(heading, text) pairs: industry, company size, geography, ..."
    )
    criteria: tuple[tuple[str, float], ...] = doc("(label, points) scoring criteria.")
    tier1_threshold: float | None = doc("Score at or above which an account is Tier 1.")
    tier2_threshold: float | None = doc("Score at or above which an account is Tier 2.")


@dataclass(frozen=True)
class AccountRow:
    account_id: str = doc("Account id, as in the CRM.")
    name: str = doc("Account name, shown as-is (escaped by the template).")
    tier: int | None = doc("Tier 1-3, None if the plan had no valid tier.")
    industry: str = doc("Industry (may be empty).")
    employees: float | None = doc("Employee count.")
    annual_revenue: float | None = doc("Annual revenue.")
    location: str = doc("City, state and country joined with commas.")
    score: float | None = doc("ICP score when assignments.csv has a score column.")
    potential: float | None = doc("Potential (money).")
    why: str = doc("Why this account fits the ICP (the 'why' column), may be empty.")
    status: str = doc("'kept' or 'new to you, from ...' in plain words.")
    is_new: bool = doc("True when the account is new to this rep.")
    depth: int = doc("0 for a top-level account, 1+ for subsidiaries shown under their parent.")
    locked: bool = doc("True when the account is locked to its owner.")
    measures: tuple[tuple[str, float], ...] = doc(
        "The account's amount of each other balance measure (ARR, pipeline, ...) that is not "
        "zero, as (label, amount).",
        default=(),
    )


@dataclass(frozen=True)
class TierSection:
    tier: int | None = doc("Tier of the section (None for accounts without a valid tier).")
    title: str = doc("Section heading, e.g. 'Tier 1 - best fit'.")
    count: int = doc("Accounts of this tier in the book.")
    rows: tuple[AccountRow, ...] = doc("Rows in order: families keep their subsidiaries under the parent.")
    other_tiers_here: int = doc(
        "Subsidiaries of another tier listed in this section, under a parent of this tier."
    )
    listed_elsewhere: int = doc(
        "Accounts of this tier listed in another section, under their parent of another tier."
    )


@dataclass(frozen=True)
class MoveRow:
    account_id: str = doc("Account id.")
    name: str = doc("Account name.")
    tier: int | None = doc("Tier 1-3.")
    region: str = doc("Account region.")
    potential: float | None = doc("Potential (money).")
    from_rep: str = doc("Previous owner, 'Name (ID)', or 'unassigned'.")
    to_rep: str = doc("New owner, 'Name (ID)'.")
    reason: str = doc("Why the account moves, from the plan's reason column.")
    measures: tuple[tuple[str, float], ...] = doc(
        "The account's amount of each other balance measure that is not zero, as (label, amount).",
        default=(),
    )


# --------------------------------------------------------------------------- rep book


@dataclass(frozen=True)
class PoolInfo:
    name: str = doc(
        "The rep's pool: the reps who can own the same accounts (same region(s), and same "
        "product when reps carry products), as named in summary.json."
    )
    label: str = doc("The pool as the book names it, e.g. 'West pool' or 'West pool, core reps'.")
    reps: int = doc("Reps in the pool (of the rep's product), the rep included.")
    average_accounts: float | None = doc("Average accounts per rep in the pool.")
    average_tiers: tuple[float | None, float | None, float | None] = doc(
        "Average Tier 1, 2, 3 counts per rep in the pool."
    )
    average_potential: float | None = doc("Average potential per rep in the pool.")


@dataclass(frozen=True)
class MeasureLine:
    """One rep's number for one balance measure (potential, ARR, pipeline, ...)."""

    name: str = doc("The measure's column, as in balance.measures ('arr').")
    label: str = doc("The measure as a sales-ops person reads it ('ARR').")
    value: float = doc("The rep's total after the plan.")
    fair: float = doc("The rep's fair share.")
    deviation: float | None = doc("(value - fair) / fair; None when the fair share is 0.")
    band_lo: float | None = doc("Low end of the rep's band; None when the measure is not balanced.")
    band_hi: float | None = doc("High end of the rep's band; None when the measure is not balanced.")
    band_text: str = doc("The band in words: 'band ±10 %' or 'not balanced'.")
    before: float | None = doc("The rep's total today.")
    outside: bool = doc("True when the value is outside the rep's band (shown red).")
    sentence: str = doc("'ARR: 1,204,000 (fair share 1,150,000, band ±10 %)'.")
    pool_average: float | None = doc(
        "The measure's average per rep in the rep's pool (rep books; None elsewhere).", default=None
    )


@dataclass(frozen=True)
class RepMeasures:
    """Every measure of one rep, in the plan's order (a row of the measures table)."""

    rep_id: str = doc("Rep id.")
    name: str = doc("Rep name.")
    cells: tuple[MeasureLine | None, ...] = doc("One per measure of the table; None where the rep has none.")


def measure_lines(plan: PlanDir, rep_id: str) -> tuple[MeasureLine, ...]:
    """Every measure of one rep (potential alone for plans written before measures)."""
    from ..plan_result import band_text, measure_label, measure_sentence

    rep = plan.result.rep(rep_id)
    if rep is None:
        return ()
    out = []
    for name, m in rep.measure_items():
        if m.band is None and rep.measures is None and m.fair > 0:
            # plans written before measures: potential's band is its setting around the fair share
            older = plan.result.measure_band(name)
            if older is not None:
                m = dataclasses.replace(m, band=((1 - older) * m.fair, (1 + older) * m.fair))
        share = plan.result.measure_band(name) if m.band is not None else None
        out.append(
            MeasureLine(
                name=name,
                label=measure_label(name),
                value=m.value,
                fair=m.fair,
                deviation=m.deviation,
                band_lo=m.band[0] if m.band is not None else None,
                band_hi=m.band[1] if m.band is not None else None,
                band_text=band_text(share) if m.band is not None else "not balanced",
                before=m.before if math.isfinite(m.before) else None,
                outside=m.outside(),
                sentence=measure_sentence(name, m, share),
            )
        )
    return tuple(out)


def measures_table(
    plan: PlanDir, rep_ids: Sequence[str]
) -> tuple[tuple[str, ...], str, tuple[RepMeasures, ...]]:
    """The labels of every measure of the plan, their bands in words, and per rep its line
    for each."""
    from ..plan_result import band_text, measure_label

    names = plan.result.measure_names()
    rows = []
    for rid in rep_ids:
        by_name = {line.name: line for line in measure_lines(plan, rid)}
        rows.append(
            RepMeasures(
                rep_id=rid,
                name=plan.rep_names.get(rid, rid),
                cells=tuple(by_name.get(n) for n in names),
            )
        )
    legend = "; ".join(f"{measure_label(n)}: {band_text(plan.result.measure_band(n))}" for n in names)
    return tuple(measure_label(n) for n in names), legend, tuple(rows)


@dataclass(frozen=True)
class RepBookContext:
    """Everything ``rep_book.html`` shows for one rep."""

    documented_template: ClassVar[str] = "rep_book.html"

    meta: BookMeta = doc("Period, date, fingerprint and page size.")
    rep: RepInfo = doc("Who the book is for.")
    tiers: tuple[TierLine, ...] = doc("Tier mix against fair share, band and pool average, tiers 1-3.")
    tier_chart: tuple[ChartBar, ...] = doc("Bars of the tier-mix chart (book, fair share, pool average).")
    chart_width: float = doc("Width of the tier-mix chart in SVG units.")
    chart_height: float = doc("Height of the tier-mix chart in SVG units.")
    chart_baseline: float = doc("y of the chart's zero line in SVG units.")
    accounts: int = doc("Accounts in the book.")
    fair_accounts: float | None = doc("The rep's fair share of accounts (the sum of the tier fair shares).")
    pool: PoolInfo = doc("The rep's pool and its averages per rep.")
    band_rule: str = doc(
        "The tier band in words, e.g. '±10 % of the fair share or ±1 account, whichever is wider'."
    )
    potential: float | None = doc("Total potential of the book.")
    fair_potential: float | None = doc("The rep's fair share of potential.")
    potential_deviation: float | None = doc("(potential - fair) / fair.")
    moves_in: int = doc("Accounts new to the rep.")
    moves_out: int = doc("Accounts leaving the rep's book.")
    kept: int = doc("Accounts the rep keeps.")
    icp: IcpPage | None = doc("ICP one-pager for the rep's product; None when the plan had no icp.json.")
    sorted_by: str = doc("'score' or 'potential': how rows are sorted inside each tier.")
    has_score: bool = doc("True when assignments.csv has a score column.")
    sections: tuple[TierSection, ...] = doc("The account list, one section per tier.")
    leaving: tuple[MoveRow, ...] = doc("Accounts moving out of the book, for hand-over.")
    geo_map: MapFigure | None = doc(
        "The rep's accounts by tier on a map (territory.geo); None when the plan has no coordinates.",
        default=None,
    )
    measures: tuple[MeasureLine, ...] = doc(
        "Every balance measure of the rep (potential, ARR, ...) against fair share and band.", default=()
    )


def _meta(plan: PlanDir, generated_on: dt.date | None, page_size: str) -> BookMeta:
    return BookMeta(
        period_label=plan.result.period_label or _s(plan.result.config.get("period_label")),
        generated_on=generated_on or dt.date.today(),
        fingerprint=plan.fingerprint,
        plan_name=plan.path.resolve().name,
        territory_version=plan.result.territory_version,
        page_size="A4" if page_size.lower() == "a4" else "letter",
    )


def _names(plan: PlanDir) -> dict[str, str]:
    """rep id -> name, from the roster in summary.json, then from assignments.csv."""
    out: dict[str, str] = {}
    a = plan.assignments
    for id_col, name_col in (("previous_owner_id", "previous_owner_name"), ("owner_id", "owner_name")):
        if id_col in a.columns and name_col in a.columns:
            for rid, name in zip(a[id_col], a[name_col]):
                if rid and name:
                    out[rid] = name
    for r in plan.reps:
        if r.name:
            out[r.rep_id] = r.name
    return out


def _who(rep_id: str, names: Mapping[str, str], roster: set[str]) -> str:
    if not rep_id:
        return "unassigned"
    name = names.get(rep_id, "")
    text = f"{name} ({rep_id})" if name and name != rep_id else rep_id
    if rep_id not in roster:
        text += ", left the team"
    return text


def _col(row: Mapping[str, Any], name: str) -> str:
    return _s(row.get(name, ""))


def _location(row: Mapping[str, Any]) -> str:
    parts = [_col(row, c).strip() for c in ("city", "state", "country")]
    return ", ".join(p for p in parts if p)


def _rep_info(plan: PlanDir, rep: Rep) -> RepInfo:
    return RepInfo(
        rep_id=rep.rep_id,
        name=rep.name or rep.rep_id,
        email=rep.email,
        manager=rep.manager,
        region=rep.region,
        capacity=_num(rep.capacity),
        product=rep.product or _default_product(plan),
    )


def _balance_config(plan: PlanDir) -> Mapping[str, Any]:
    balance = plan.result.config.get("balance")
    return balance if isinstance(balance, Mapping) else {}


def _band_rule(plan: PlanDir) -> str:
    """The plan's tier band in words (from the settings recorded in summary.json)."""
    b = _balance_config(plan)
    band, floor = _num(b.get("tier_band")), _num(b.get("tier_band_min_accounts"))
    if band is None:
        return "the range the plan aims to keep you in"
    text = f"\u00b1{band * 100:.0f}\u00a0% of the fair share"
    if floor:
        unit = "account" if floor == 1 else "accounts"
        text += f" or \u00b1{_short_number(floor)} {unit}, whichever is wider"
    return text


def _pool_key(plan: PlanDir, rep: Rep) -> tuple[str, str]:
    """(pool, product) of a rep: the reps a book compares it with. Plans written before
    summary.json recorded pools fall back to the rep's region(s)."""
    return rep.pool or rep.region, (rep.product or "") if _products_plan(plan) else ""


def _products_plan(plan: PlanDir) -> bool:
    return plan.result.overall.products is not None


def _mean(values: Sequence[float | None]) -> float | None:
    known = [v for v in values if v is not None]
    return sum(known) / len(known) if known else None


def _pool_info(plan: PlanDir, rep: Rep) -> PoolInfo:
    key = _pool_key(plan, rep)
    peers = [r for r in plan.reps if _pool_key(plan, r) == key]
    pool, product = key
    label = f"{pool} pool" if pool else "pool"
    if product:
        label += f", {product} reps"
    avg = [_mean([_num(r.tier_counts.get(str(t))) for r in peers]) for t in TIERS]
    return PoolInfo(
        name=pool,
        label=label,
        reps=len(peers),
        average_accounts=_mean([r.accounts for r in peers]),
        average_tiers=(avg[0], avg[1], avg[2]),
        average_potential=_mean([_num(r.potential) for r in peers]),
    )


def _default_product(plan: PlanDir) -> str:
    if plan.icp:
        return _s(plan.icp.get("default_product"))
    return ""


_PROFILE_HEADINGS: tuple[tuple[str, str], ...] = (
    ("industry", "Industry"),
    ("company_size", "Company size"),
    ("geography", "Geography"),
    ("roles", "Roles we sell to"),
    ("needs", "Needs"),
    ("pain_points", "Pain points"),
    ("buying_behaviour", "Buying behaviour"),
    ("product_usage", "Product usage"),
    ("customer_value", "Customer value"),
)


def _icp_page(plan: PlanDir, product: str) -> IcpPage | None:
    if not plan.icp:
        return None
    products = plan.icp.get("products")
    if not isinstance(products, Mapping):
        return None
    key = product or _s(plan.icp.get("default_product"))
    spec = products.get(key)
    if not isinstance(spec, Mapping):
        return None
    profile = spec.get("profile") if isinstance(spec.get("profile"), Mapping) else {}
    assert isinstance(profile, Mapping)
    pairs = tuple((h, _s(profile.get(k))) for k, h in _PROFILE_HEADINGS if _s(profile.get(k)).strip())
    criteria: list[tuple[str, float]] = []
    for c in spec.get("criteria") or []:
        if isinstance(c, Mapping):
            criteria.append((_s(c.get("label")), _num(c.get("points")) or 0.0))
    thresholds = spec.get("thresholds") if isinstance(spec.get("thresholds"), Mapping) else {}
    assert isinstance(thresholds, Mapping)
    return IcpPage(
        product=key,
        title=_s(spec.get("title")) or key,
        profile=pairs,
        criteria=tuple(criteria),
        tier1_threshold=_num(thresholds.get("tier1")),
        tier2_threshold=_num(thresholds.get("tier2")),
    )


def _tier_chart(tiers: Sequence[TierLine]) -> tuple[tuple[ChartBar, ...], float, float, float]:
    """Grouped bars per tier: this book, fair share, pool average per rep."""
    width, height, top, bottom = 480.0, 200.0, 22.0, 30.0
    base = height - bottom
    values = [v for t in tiers for v in (t.count, t.fair_share, t.pool_average, t.band_hi) if v is not None]
    vmax = max([1.0, *values]) * 1.08
    scale = (base - top) / vmax
    group_w = (width - 20) / max(1, len(tiers))
    bar_w = min(38.0, group_w / 4.2)
    bars: list[ChartBar] = []
    for i, t in enumerate(tiers):
        gx = 20 + i * group_w + (group_w - 3 * bar_w - 8) / 2
        series = (
            ("This book", float(t.count), "book"),
            ("Fair share", t.fair_share, "fair"),
            ("Pool average", t.pool_average, "team"),
        )
        for j, (label, value, css) in enumerate(series):
            if value is None:
                continue
            h = max(0.0, value * scale)
            bars.append(
                ChartBar(
                    label=f"Tier {t.tier}" if j == 0 else label,
                    value_text=_short_number(value),
                    x=round(gx + j * (bar_w + 4), 2),
                    y=round(base - h, 2),
                    width=round(bar_w, 2),
                    height=round(h, 2),
                    css_class=css,
                )
            )
    return tuple(bars), width, height, base


def _short_number(value: float) -> str:
    if value == int(value):
        return f"{int(value):,}"
    return f"{value:,.1f}"


def _sort_key(has_score: bool):  # type: ignore[no-untyped-def]
    def key(row: AccountRow) -> tuple[float, float, str]:
        s = row.score if (has_score and row.score is not None) else -math.inf
        p = row.potential if row.potential is not None else -math.inf
        return (-s, -p, row.account_id) if has_score else (-p, -s, row.account_id)

    return key


def measure_column(frame: pd.DataFrame, name: str) -> str | None:
    """The assignments column holding a measure (exact name, else as the CSV writer
    neutralised it, '=x' -> "'=x", else ignoring case)."""
    from ..io.writing import neutralise_cell

    for header in (name, neutralise_cell(name)):
        if header in frame.columns:
            return header
    folded = [c for c in frame.columns if str(c).casefold() == name.casefold()]
    return folded[0] if len(folded) == 1 else None


def _measure_columns(plan: PlanDir, frame: pd.DataFrame) -> list[tuple[str, str]]:
    """(label, column of ``frame``) of each balance measure of ``plan`` other than potential."""
    from ..plan_result import measure_label

    names = [n for n in plan.result.measure_names() if n != "potential"]
    return [(measure_label(n), c) for n in names if (c := measure_column(frame, n)) is not None]


def _account_rows(
    frame: pd.DataFrame,
    rep_id: str,
    names: Mapping[str, str],
    roster: set[str],
    plan: PlanDir | None = None,
) -> list[tuple[AccountRow, str, str]]:
    """(row, parent_id, family_id) for each account in the book, each with its amounts of the
    other measures of ``plan``."""
    out: list[tuple[AccountRow, str, str]] = []
    has_score = "score" in frame.columns
    columns = _measure_columns(plan, frame) if plan is not None else []
    for rec in frame.to_dict("records"):
        amounts = ((label, _num(rec.get(c))) for label, c in columns)
        prev = _col(rec, "previous_owner_id")
        if prev == rep_id:
            status, is_new = "kept", False
        elif not prev:
            status, is_new = "new to you (was unassigned)", True
        else:
            status, is_new = f"new to you, from {_who(prev, names, roster)}", True
        out.append(
            (
                AccountRow(
                    account_id=_col(rec, "account_id"),
                    name=_col(rec, "name"),
                    tier=_tier(rec.get("tier")),
                    industry=_col(rec, "industry"),
                    employees=_num(rec.get("employees")),
                    annual_revenue=_num(rec.get("annual_revenue")),
                    location=_location(rec),
                    score=_num(rec.get("score")) if has_score else None,
                    potential=_num(rec.get("potential")),
                    why=_col(rec, "why"),
                    status=status,
                    is_new=is_new,
                    depth=0,
                    locked=_truthy(rec.get("locked", "")),
                    measures=tuple((label, v) for label, v in amounts if v),
                ),
                _col(rec, "parent_id"),
                _col(rec, "family_id"),
            )
        )
    return out


def _sections(items: list[tuple[AccountRow, str, str]], has_score: bool) -> tuple[TierSection, ...]:
    """Group by tier; a family is listed once, in its top account's tier, subsidiaries indented."""
    key = _sort_key(has_score)
    by_id = {row.account_id: row for row, _, _ in items}
    children: dict[str, list[AccountRow]] = {}
    tops: list[AccountRow] = []
    for row, parent, _family in items:
        if parent and parent in by_id and parent != row.account_id:
            children.setdefault(parent, []).append(row)
        else:
            tops.append(row)

    placed: set[str] = set()

    def walk(row: AccountRow, depth: int, acc: list[AccountRow]) -> None:
        # Depth first with a stack, not recursion: a parent chain thousands deep is data.
        stack = [(row, depth)]
        while stack:
            row, depth = stack.pop()
            if row.account_id in placed:
                continue
            placed.add(row.account_id)
            acc.append(dataclasses.replace(row, depth=min(depth, 3)))
            kids = sorted(children.get(row.account_id, []), key=key)
            stack.extend((child, depth + 1) for child in reversed(kids))

    grouped: dict[int | None, list[AccountRow]] = {}
    for top in sorted(tops, key=key):
        walk(top, 0, grouped.setdefault(top.tier, []))
    # parent_id cycles leave accounts unplaced; list them at the top level so none is lost
    for row, _, _ in items:
        if row.account_id not in placed:
            walk(row, 0, grouped.setdefault(row.tier, []))

    counts: dict[int | None, int] = {}
    for row, _, _ in items:
        counts[row.tier] = counts.get(row.tier, 0) + 1
    # a subsidiary is listed under its parent, in the parent's section, whatever its own tier
    here: dict[int | None, int] = {}
    elsewhere: dict[int | None, int] = {}
    for section_tier, rows in grouped.items():
        for row in rows:
            if row.tier != section_tier:
                here[section_tier] = here.get(section_tier, 0) + 1
                elsewhere[row.tier] = elsewhere.get(row.tier, 0) + 1
    titles = {1: "Tier 1 \u2013 best fit", 2: "Tier 2 \u2013 good fit", 3: "Tier 3 \u2013 weaker fit"}
    sections = []
    for tier in (*TIERS, None):
        rows = grouped.get(tier, [])
        if not rows and not counts.get(tier):
            continue
        sections.append(
            TierSection(
                tier=tier,
                title=titles.get(tier, "Not tiered") if tier is not None else "Not tiered",
                count=counts.get(tier, 0),
                rows=tuple(rows),
                other_tiers_here=here.get(tier, 0),
                listed_elsewhere=elsewhere.get(tier, 0),
            )
        )
    return tuple(sections)


def _move_rows(
    frame: pd.DataFrame, names: Mapping[str, str], roster: set[str], plan: PlanDir | None = None
) -> tuple[MoveRow, ...]:
    """The moves of ``frame``, each with its amounts of the other measures of ``plan``."""
    columns = _measure_columns(plan, frame) if plan is not None else []
    rows = []
    for rec in frame.to_dict("records"):
        amounts = ((label, _num(rec.get(c))) for label, c in columns)
        rows.append(
            MoveRow(
                account_id=_col(rec, "account_id"),
                name=_col(rec, "name"),
                tier=_tier(rec.get("tier")),
                region=_col(rec, "region"),
                potential=_num(rec.get("potential")),
                from_rep=_who(_col(rec, "previous_owner_id"), names, roster),
                to_rep=_who(_col(rec, "owner_id"), names, roster),
                reason=_col(rec, "reason"),
                measures=tuple((label, v) for label, v in amounts if v),
            )
        )
    rows.sort(key=lambda m: (m.tier or 9, -(m.potential or 0.0), m.account_id))
    return tuple(rows)


def _moved_mask(frame: pd.DataFrame) -> pd.Series:
    return frame["owner_id"] != frame["previous_owner_id"]


def build_rep_book(
    plan: PlanDir,
    rep_id: str,
    *,
    generated_on: dt.date | None = None,
    page_size: str = "letter",
    maps: bool = True,
) -> RepBookContext:
    """The context for one rep's book (``maps=False``: no map, e.g. for a spreadsheet)."""
    rep = plan.rep(rep_id)
    names = plan.rep_names
    roster = set(plan.rep_ids)
    frame = plan.assignments
    pool = _pool_info(plan, rep)
    mine = plan.rows_by_owner.get(rep_id, frame.iloc[0:0])
    tiers = []
    for t in TIERS:
        lohi = rep.tier_band.get(str(t))
        count = rep.tier_counts.get(str(t))
        if count is None:  # fall back to counting the CSV when summary.json has no count
            count = int((mine["tier"].map(_tier) == t).sum())
        tiers.append(
            TierLine(
                tier=t,
                count=count,
                fair_share=_num(rep.fair_tier.get(str(t))),
                band_lo=_num(lohi[0]) if lohi is not None else None,
                band_hi=_num(lohi[1]) if lohi is not None else None,
                pool_average=pool.average_tiers[t - 1],
                deviation=_num(rep.tier_deviation.get(str(t))),
            )
        )
    chart, cw, ch, cb = _tier_chart(tiers)
    has_score = "score" in frame.columns and bool((mine["score"] != "").any()) if len(mine) else False
    items = _account_rows(mine, rep_id, names, roster, plan)
    leaving = plan.leaving_by_rep.get(rep_id, frame.iloc[0:0])
    info = _rep_info(plan, rep)
    return RepBookContext(
        meta=_meta(plan, generated_on, page_size),
        rep=info,
        tiers=tuple(tiers),
        tier_chart=chart,
        chart_width=cw,
        chart_height=ch,
        chart_baseline=cb,
        accounts=rep.accounts,
        fair_accounts=(
            sum(t.fair_share for t in tiers if t.fair_share is not None)
            if any(t.fair_share is not None for t in tiers)
            else None
        ),
        pool=pool,
        band_rule=_band_rule(plan),
        potential=_num(rep.potential),
        fair_potential=_num(rep.fair_potential),
        potential_deviation=_num(rep.potential_deviation),
        moves_in=rep.moves_in,
        moves_out=rep.moves_out,
        kept=rep.kept if rep.kept is not None else sum(1 for r, _, _ in items if not r.is_new),
        icp=_icp_page(plan, info.product),
        sorted_by="score" if has_score else "potential",
        has_score=has_score,
        sections=_sections(items, has_score),
        leaving=_move_rows(leaving, names, roster, plan),
        geo_map=rep_map(plan, rep_id) if maps else None,
        measures=_with_pool_averages(plan, rep, measure_lines(plan, rep_id)),
    )


def _with_pool_averages(plan: PlanDir, rep: Rep, lines: Sequence[MeasureLine]) -> tuple[MeasureLine, ...]:
    """``lines`` with each measure's average per rep over the rep's pool (as the tiers have)."""
    key = _pool_key(plan, rep)
    peers = [dict(r.measure_items()) for r in plan.reps if _pool_key(plan, r) == key]
    return tuple(
        dataclasses.replace(
            line, pool_average=_mean([p[line.name].value if line.name in p else None for p in peers])
        )
        for line in lines
    )


# --------------------------------------------------------------------------- manager roll-up


@dataclass(frozen=True)
class RepLine:
    rep_id: str = doc("Rep id.")
    name: str = doc("Rep name.")
    region: str = doc("Region(s) covered.")
    capacity: float | None = doc("Capacity (1.0 = full).")
    accounts: int = doc("Accounts in the book.")
    tier_counts: tuple[int, int, int] = doc("Tier 1, 2, 3 counts.")
    fair_tier: tuple[float | None, float | None, float | None] = doc("Fair share per tier.")
    tier_deviation: tuple[float | None, float | None, float | None] = doc("Relative deviation per tier.")
    potential: float | None = doc("Total potential.")
    fair_potential: float | None = doc("Fair share of potential.")
    potential_deviation: float | None = doc("Relative potential deviation.")
    moves_in: int = doc("Accounts new to the rep.")
    moves_out: int = doc("Accounts leaving the rep.")
    kept: int = doc("Accounts kept.")
    mix: tuple[ChartBar, ...] = doc("Stacked tier-mix bar (x and width in percent of the row's bar).")


@dataclass(frozen=True)
class GapLine:
    measure: str = doc("'Tier 1', 'Tier 2', 'Tier 3', 'potential', or another measure in words ('ARR').")
    amount: str = doc(
        "The gap in accounts ('+1 account', '-2.8 accounts') or the measure's units ('+4,203,990')."
    )
    relative: float = doc("The gap in % of the rep's fair share, signed (0.2 = 20 % over).")
    rep: str = doc("The rep with that gap, 'Name (ID)'.")


def _gap_lines(plan: PlanDir, reps: Sequence[Rep], *, before: bool = False) -> tuple[GapLine, ...]:
    names = plan.rep_names
    return tuple(
        GapLine(
            g.measure,
            g.units_text().replace("-", "\u2212"),
            g.relative,
            _who(g.rep_id, names, set(plan.rep_ids)),
        )
        for g in largest_gaps(reps, before=before)
        if g is not None
    )


@dataclass(frozen=True)
class TeamBandLine:
    """One dimension of a team's balance in one pool, against the team band (plans with
    ``balance.team_band``)."""

    pool: str = doc(
        'The pool (region) the team\'s reps plan in; with product ICPs followed by the product, e.g. "West / core, insights (core)".'
    )
    what: str = doc("'Tier 1', 'Tier 2', 'Tier 3' or a measure's label ('ARR').")
    value: float = doc("The team's count (tiers) or total (measures).")
    fair: float = doc("The team's fair share: team capacity / pool capacity x the pool's total.")
    low: float = doc("The team band's lower end.")
    high: float = doc("The team band's upper end.")
    money: bool = doc("A measure (shown as an amount) rather than a count of accounts.")

    @property
    def inside(self) -> bool:
        return self.low <= self.value <= self.high


def _team_bands(plan: PlanDir, manager: str) -> tuple[TeamBandLine, ...]:
    from ..plan_result import measure_label

    out = []
    for t in plan.result.teams or ():
        if _s(t.get("manager")).strip() != manager:
            continue
        pool = _s(t.get("pool")) + (f" ({_s(t.get('product'))})" if t.get("product") else "")
        for k in ("1", "2", "3"):
            fair = _num(t["fair_tier"].get(k)) or 0.0
            if fair > 0:
                lo, hi = t["tier_band"][k]
                out.append(
                    TeamBandLine(
                        pool=pool,
                        what=f"Tier {k}",
                        value=float(t["tier_counts"][k]),
                        fair=fair,
                        low=float(lo),
                        high=float(hi),
                        money=False,
                    )
                )
        for name, m in (t.get("measures") or {}).items():
            if m.get("band"):
                lo, hi = m["band"]
                out.append(
                    TeamBandLine(
                        pool=pool,
                        what=measure_label(str(name)),
                        value=float(m["value"]),
                        fair=float(m["fair"]),
                        low=float(lo),
                        high=float(hi),
                        money=True,
                    )
                )
    return tuple(out)


@dataclass(frozen=True)
class TeamMeasure:
    """One balance measure summed over a manager's team."""

    label: str = doc("The measure as a sales-ops person reads it ('ARR').")
    value: float = doc("The team's total after the plan (the sum of its reps' totals).")
    fair: float = doc("The sum of the team's reps' fair shares.")


def _team_measures(plan: PlanDir, reps: Sequence[Rep]) -> tuple[TeamMeasure, ...]:
    """Every measure of the plan summed over ``reps`` (potential alone for older plans)."""
    from ..plan_result import measure_label

    value: dict[str, float] = {}
    fair: dict[str, float] = {}
    for r in reps:
        for name, m in r.measure_items():
            value[name] = value.get(name, 0.0) + m.value
            fair[name] = fair.get(name, 0.0) + m.fair
    names = [n for n in plan.result.measure_names() if n in value]
    return tuple(TeamMeasure(label=measure_label(n), value=value[n], fair=fair[n]) for n in names)


@dataclass(frozen=True)
class ManagerRollupContext:
    """Everything ``manager_rollup.html`` shows for one manager's team."""

    documented_template: ClassVar[str] = "manager_rollup.html"

    meta: BookMeta = doc("Period, date, fingerprint and page size.")
    manager: str = doc("Manager name, or '(no manager)'.")
    reps: tuple[RepLine, ...] = doc("One line per rep on the team, roster order.")
    team_accounts: int = doc("Accounts across the team.")
    team_tier_counts: tuple[int, int, int] = doc("Tier 1, 2, 3 counts across the team.")
    team_potential: float = doc("Potential across the team.")
    team_fair_tiers: tuple[float | None, float | None, float | None] = doc(
        "The sum of the team's reps' fair shares, tiers 1-3."
    )
    team_fair_potential: float | None = doc("The sum of the team's reps' fair shares of potential.")
    moves_in: tuple[MoveRow, ...] = doc(
        "Accounts joining the team: moving to a rep on the team from anyone else (another "
        "team's rep, a rep who left, or nobody)."
    )
    moves_out: tuple[MoveRow, ...] = doc(
        "Accounts leaving the team: moving from a rep on the team to another team's rep."
    )
    moves_within: tuple[MoveRow, ...] = doc(
        "Accounts moving between two reps of the team (counted once, neither in nor out)."
    )
    gaps: tuple[GapLine, ...] = doc(
        "Per Tier 1, 2, 3 and potential, the team's rep furthest from fair share."
    )
    geo_map: MapFigure | None = doc(
        "The team's accounts on a map, a colour per rep (territory.geo); None without coordinates.",
        default=None,
    )
    measure_labels: tuple[str, ...] = doc("Every balance measure of the plan, as column heads.", default=())
    measure_legend: str = doc("Each measure's band in words ('ARR: band ±10 %; ...').", default="")
    rep_measures: tuple[RepMeasures, ...] = doc(
        "Per rep, each measure against fair share and band (a row of the measures table).", default=()
    )
    team_bands: tuple[TeamBandLine, ...] = doc(
        "The team's balance against its own band (balance.team_band), per pool, tier and "
        "measure; empty when the plan does not balance teams.",
        default=(),
    )
    team_measures: tuple[TeamMeasure, ...] = doc(
        "Every balance measure (potential first) summed over the team, against the sum of its "
        "reps' fair shares.",
        default=(),
    )


def _rep_line(rep: Rep) -> RepLine:
    fair = [_num(rep.fair_tier.get(str(t))) for t in TIERS]
    dev = [_num(rep.tier_deviation.get(str(t))) for t in TIERS]
    c = tuple(rep.tier_counts.get(str(t), 0) for t in TIERS)
    total = sum(c) or 1
    mix, x = [], 0.0
    for t, n in zip(TIERS, c):
        w = 100.0 * n / total
        mix.append(
            ChartBar(
                label=f"Tier {t}",
                value_text=f"{n:,}",
                x=round(x, 3),
                y=0.0,
                width=round(w, 3),
                height=10.0,
                css_class=f"t{t}",
            )
        )
        x += w
    return RepLine(
        rep_id=rep.rep_id,
        name=rep.name or rep.rep_id,
        region=rep.region,
        capacity=_num(rep.capacity),
        accounts=rep.accounts,
        tier_counts=(c[0], c[1], c[2]),
        fair_tier=(fair[0], fair[1], fair[2]),
        tier_deviation=(dev[0], dev[1], dev[2]),
        potential=_num(rep.potential),
        fair_potential=_num(rep.fair_potential),
        potential_deviation=_num(rep.potential_deviation),
        moves_in=rep.moves_in,
        moves_out=rep.moves_out,
        kept=rep.kept or 0,
        mix=tuple(mix),
    )


def team_moves(plan: PlanDir, rep_ids: Iterable[str]) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """A team's moves as the roll-up counts them: (joining, leaving, within).

    Joining: to a rep of the team from anyone else (another team's rep, a rep who left, or
    nobody). Leaving: from a rep of the team to anyone else. Within: between two of its reps.
    """
    ids = set(rep_ids)
    moved = plan.moved_rows
    to_team = moved["owner_id"].isin(ids)
    from_team = moved["previous_owner_id"].isin(ids)
    return moved[to_team & ~from_team], moved[from_team & ~to_team], moved[to_team & from_team]


def build_manager_rollup(
    plan: PlanDir,
    manager: str,
    *,
    generated_on: dt.date | None = None,
    page_size: str = "letter",
    maps: bool = True,
) -> ManagerRollupContext:
    """The context for one manager's roll-up (``manager`` as returned by ``managers_of``;
    ``maps=False``: no map)."""
    reps = [r for r in plan.reps if (r.manager.strip() or NO_MANAGER) == manager]
    if not reps:
        raise InputError(
            [
                Problem(
                    file=str(plan.path / "summary.json"),
                    message=f"no rep has manager {manager!r}",
                    value=manager,
                    hint="managers in this plan: " + _preview(managers_of(plan)),
                )
            ],
            summary="unknown manager",
        )
    lines = tuple(_rep_line(r) for r in reps)
    ids = {line.rep_id for line in lines}
    names = plan.rep_names
    roster = set(plan.rep_ids)
    joining, leaving, within = team_moves(plan, ids)

    def total(values: Iterable[float | None]) -> float | None:
        known = [v for v in values if v is not None]
        return sum(known) if known else None

    return ManagerRollupContext(
        meta=_meta(plan, generated_on, page_size),
        manager=manager,
        reps=lines,
        team_accounts=sum(line.accounts for line in lines),
        team_tier_counts=(
            sum(line.tier_counts[0] for line in lines),
            sum(line.tier_counts[1] for line in lines),
            sum(line.tier_counts[2] for line in lines),
        ),
        team_potential=sum(line.potential or 0.0 for line in lines),
        team_fair_tiers=(
            total(line.fair_tier[0] for line in lines),
            total(line.fair_tier[1] for line in lines),
            total(line.fair_tier[2] for line in lines),
        ),
        team_fair_potential=total(line.fair_potential for line in lines),
        moves_in=_move_rows(joining, names, roster, plan),
        moves_out=_move_rows(leaving, names, roster, plan),
        moves_within=_move_rows(within, names, roster, plan),
        gaps=_gap_lines(plan, reps),
        geo_map=team_map(plan, [line.rep_id for line in lines]) if maps else None,
        **_measures_fields(plan, [line.rep_id for line in lines]),
        team_bands=_team_bands(plan, manager),
        team_measures=_team_measures(plan, reps),
    )


# --------------------------------------------------------------------------- plan summary


@dataclass(frozen=True)
class SolverInfo:
    name: str = doc("Solver used (highs or cbc).")
    status: str = doc("Machine status, e.g. 'optimal'.")
    status_text: str = doc("Status in words, e.g. 'Optimal (proven)'.")
    objective: float | None = doc("Objective value of the plan.")
    bound: float | None = doc("Best proven lower bound.")
    gap: float | None = doc("Relative gap between objective and bound.")
    pools: int | None = doc("Independent pools (blocks) solved.")


@dataclass(frozen=True)
class OverallInfo:
    accounts: int = doc("Accounts in the plan.")
    reps: int = doc("Reps in the plan.")
    accounts_moved: int = doc("Accounts taken from a current owner and given to another rep.")
    moved_share: float | None = doc("Share of accounts taken from a current owner.")
    potential_moved_share: float | None = doc("Share of potential taken from a current owner.")
    first_owners: int = doc("Accounts that had no owner and get one (an owner change in the CRM too).")
    owner_changes: int = doc(
        "Owner changes for the CRM: accounts_moved + first_owners, the rows of owner_changes.csv."
    )
    orphaned_accounts: int = doc("Accounts moved because their owner is not on the roster (left the team).")
    max_tier_deviation: tuple[float | None, float | None, float | None] = doc(
        "Worst relative deviation per tier."
    )
    max_potential_deviation: float | None = doc("Worst relative potential deviation.")
    potential_cv: float | None = doc("Coefficient of variation of potential per capacity.")
    baseline_moved: int | None = doc("Accounts the greedy baseline would move.")
    baseline_tier_deviation: tuple[float | None, float | None, float | None] = doc(
        "Baseline's worst tier deviation."
    )
    baseline_potential_deviation: float | None = doc("Baseline's worst potential deviation.")
    baseline_measures: tuple[tuple[str, float | None], ...] = doc(
        "Baseline's worst deviation of each measure after potential, as (label, deviation)."
    )
    measure_cvs: tuple[tuple[str, float | None], ...] = doc(
        "Per measure (potential first), the coefficient of variation of each rep's total ÷ fair "
        "share, as (label, cv); potential alone for plans written before measures.",
        default=(),
    )


@dataclass(frozen=True)
class RepBalance:
    rep_id: str = doc("Rep id.")
    name: str = doc("Rep name.")
    manager: str = doc("Manager.")
    region: str = doc("Region(s).")
    accounts: int = doc("Accounts in the book.")
    tier_counts: tuple[int, int, int] = doc("Tier 1, 2, 3 counts.")
    deviations: tuple[float | None, float | None, float | None, float | None] = doc(
        "Relative deviation for tier 1, 2, 3 and potential."
    )
    bars: tuple[ChartBar, ...] = doc(
        "Deviation bars (x and width in SVG units of the balance strip); class 'over' when the "
        "number breaks the rep's band, 'ok' otherwise."
    )
    zones: tuple[ChartBar, ...] = doc(
        "The rep's own band per cell (Tier 1, 2, 3, potential) as shaded zones, in SVG units."
    )
    outside: tuple[bool, bool, bool, bool] = doc(
        "Whether Tier 1, 2, 3 and potential break the rep's band (the rule of the plan's warnings)."
    )


@dataclass(frozen=True)
class RegionMoves:
    region: str = doc("Account region ('(none)' when empty).")
    accounts: int = doc("Accounts in the region.")
    moved: int = doc("Accounts in the region that change owner.")
    moved_share: float = doc("moved / accounts.")
    potential_moved: float = doc("Potential of the moved accounts.")


@dataclass(frozen=True)
class PlanSummaryContext:
    """Everything ``plan_summary.html`` shows to sales ops."""

    documented_template: ClassVar[str] = "plan_summary.html"

    meta: BookMeta = doc("Period, date, fingerprint and page size.")
    solver: SolverInfo = doc("Solver status, objective, bound and gap.")
    overall: OverallInfo = doc("Plan-wide balance and disruption metrics.")
    team_average_accounts: float | None = doc("Average accounts per rep over the whole plan (all pools).")
    team_average_tiers: tuple[float | None, float | None, float | None] = doc(
        "Average tier counts per rep over the whole plan (all pools)."
    )
    team_average_potential: float | None = doc("Average potential per rep over the whole plan (all pools).")
    gaps: tuple[GapLine, ...] = doc("Per Tier 1, 2, 3 and potential, the rep furthest from fair share.")
    gaps_before: tuple[GapLine, ...] | None = doc(
        "The same for today's books, over the reps who own accounts today (empty when none does; "
        "None when summary.json has no 'before' records)."
    )
    band_rule: str = doc(
        "The tier band in words, e.g. '±10 % of the fair share or ±1 account, whichever is wider'."
    )
    potential_band: float | None = doc(
        "The potential band (0.10 = +-10 % of the fair share); None if not recorded."
    )
    reps_outside: int = doc("Reps with a tier count or potential outside their band (the red bars).")
    strip_width: float = doc("Width of each rep's balance strip in SVG units.")
    strip_scale: float = doc("Deviation shown at the strip's edge (0.3 = +-30 %).")
    reps: tuple[RepBalance, ...] = doc("Every rep's balance.")
    moves_by_region: tuple[RegionMoves, ...] = doc("Moves grouped by account region.")
    warnings: tuple[str, ...] = doc("Warnings recorded by the plan.")
    managers: tuple[str, ...] = doc("Managers, in roster order.")
    geo_map: MapFigure | None = doc(
        "Every territory on a map (territory.geo); None when the plan has no coordinates.",
        default=None,
    )
    measure_labels: tuple[str, ...] = doc("Every balance measure of the plan, as column heads.", default=())
    measure_legend: str = doc("Each measure's band in words ('ARR: band ±10 %; ...').", default="")
    reps_outside_any: int = doc(
        "Reps with any number outside their band: a tier count or any measure.", default=0
    )
    gap_measures: tuple[str, ...] = doc(
        "The rows of the largest-gap table: 'Tier 1', 'Tier 2', 'Tier 3', 'potential', then each other measure.",
        default=("Tier 1", "Tier 2", "Tier 3", "potential"),
    )
    rep_measures: tuple[RepMeasures, ...] = doc(
        "Per rep, each measure against fair share and band (a row of the measures table).", default=()
    )
    team_average_measures: tuple[tuple[str, float | None], ...] = doc(
        "Per measure (potential first), its average per rep over the whole plan, as (label, "
        "amount); potential alone for plans written before measures.",
        default=(),
    )


STRIP_CELL = 60.0  # width of one deviation cell in the balance strip (4 cells: T1 T2 T3 potential)


def _deviation_bars(
    devs: Sequence[float | None], outside: Sequence[bool], scale: float
) -> tuple[ChartBar, ...]:
    bars = []
    labels = ("Tier 1", "Tier 2", "Tier 3", "Potential")
    for i, d in enumerate(devs):
        if d is None:
            continue
        mid = i * STRIP_CELL + STRIP_CELL / 2
        half = STRIP_CELL / 2 - 3
        w = min(abs(d), scale) / scale * half
        x = mid if d >= 0 else mid - w
        bars.append(
            ChartBar(
                label=labels[i],
                value_text=f"{d * 100:+.0f}%",
                x=round(x, 2),
                y=2.0,
                width=round(max(w, 0.6), 2),
                height=8.0,
                css_class="over" if outside[i] else "ok",
                label_x=round(mid - 2 if d >= 0 else mid + 2, 2),
                anchor="end" if d >= 0 else "start",
            )
        )
    return tuple(bars)


def _band_zones(rep: Rep, potential_band: float | None, scale: float) -> tuple[ChartBar, ...]:
    """Each cell's shaded zone: the rep's own band as deviations from its fair share."""
    ranges: list[tuple[str, float, float] | None] = []
    for t in TIERS:
        f, lohi = _num(rep.fair_tier.get(str(t))), rep.tier_band.get(str(t))
        if f is None or f <= 0 or lohi is None:
            ranges.append(None)
            continue
        lo, hi = lohi
        ranges.append((f"Tier {t}", (lo - f) / f, (hi - f) / f))
    has_pot = potential_band is not None and (_num(rep.fair_potential) or 0) > 0
    ranges.append(
        ("Potential", -potential_band, potential_band) if has_pot and potential_band is not None else None
    )
    zones = []
    half = STRIP_CELL / 2 - 3
    for i, r in enumerate(ranges):
        if r is None:
            continue
        label, lo_d, hi_d = r
        mid = i * STRIP_CELL + STRIP_CELL / 2
        x0 = mid + max(lo_d, -scale) / scale * half
        x1 = mid + min(hi_d, scale) / scale * half
        zones.append(
            ChartBar(
                label=label,
                value_text=f"{lo_d * 100:+.0f}% to {hi_d * 100:+.0f}%",
                x=round(x0, 2),
                y=1.0,
                width=round(max(x1 - x0, 0.0), 2),
                height=10.0,
                css_class="band",
            )
        )
    return tuple(zones)


def build_plan_summary(
    plan: PlanDir, *, generated_on: dt.date | None = None, page_size: str = "letter"
) -> PlanSummaryContext:
    """The context for the sales-ops plan summary."""
    from ..plan_result import measure_label

    result = plan.result
    solver, overall, team = result.solver, result.overall, result.team_average
    band = _num(_balance_config(plan).get("tier_band"))
    band = 0.10 if band is None else band
    potential_band = result.measure_band("potential")
    baseline = overall.baseline

    def tiers3(mapping: Mapping[str, float | None] | None) -> tuple[float | None, float | None, float | None]:
        got = [_num(mapping.get(str(t))) if mapping is not None else None for t in TIERS]
        return (got[0], got[1], got[2])

    devs_all: list[float] = []
    raw = []
    for r in plan.reps:
        t1, t2, t3 = tiers3(r.tier_deviation)
        devs = (t1, t2, t3, _num(r.potential_deviation))
        devs_all.extend(abs(x) for x in devs if x is not None)
        raw.append((r, devs))
    # the strip shows at least +-2 bands, more when a rep is further out, capped at +-50 %
    # so the band stays readable; bars beyond the cap stop at the edge and keep their label
    scale = min(0.5, max(2 * band, 0.05, *devs_all)) if devs_all else max(2 * band, 0.05)
    reps = []
    for r, devs in raw:
        line = _rep_line(r)
        outside = outside_bands(r, potential_band)
        reps.append(
            RepBalance(
                rep_id=line.rep_id,
                name=line.name,
                manager=r.manager,
                region=line.region,
                accounts=line.accounts,
                tier_counts=line.tier_counts,
                deviations=devs,
                bars=_deviation_bars(devs, outside, scale),
                zones=_band_zones(r, potential_band, scale),
                outside=outside,
            )
        )

    frame = plan.assignments
    moved = _moved_mask(frame)
    pot = frame["potential"].map(_num).fillna(0.0) if len(frame) else pd.Series(dtype=float)
    regions: list[RegionMoves] = []
    if len(frame):
        key = frame["region"].where(frame["region"] != "", "(none)")
        for region, idx in sorted(key.groupby(key).groups.items(), key=lambda kv: str(kv[0])):
            m = moved.loc[idx]
            n = len(idx)
            regions.append(
                RegionMoves(
                    region=str(region),
                    accounts=n,
                    moved=int(m.sum()),
                    moved_share=float(m.sum()) / n if n else 0.0,
                    potential_moved=float(pot.loc[idx][m].sum()),
                )
            )

    pools = solver.pools  # summary.json lists the pools (older plans gave their number)
    return PlanSummaryContext(
        meta=_meta(plan, generated_on, page_size),
        solver=SolverInfo(
            name=solver.name,
            status=solver.status,
            status_text=solver.status_text or solver.status,
            objective=_num(solver.objective),
            bound=_num(solver.bound),
            gap=_num(solver.gap),
            pools=pools if isinstance(pools, int) else len(pools),
        ),
        overall=OverallInfo(
            accounts=overall.accounts,
            reps=overall.reps,
            accounts_moved=overall.accounts_moved,
            moved_share=_num(overall.moved_share),
            potential_moved_share=_num(overall.potential_moved_share),
            orphaned_accounts=overall.orphaned_accounts,
            first_owners=overall.first_owners or 0,
            owner_changes=(
                overall.owner_changes
                if overall.owner_changes is not None
                else overall.accounts_moved + (overall.first_owners or 0)
            ),
            max_tier_deviation=tiers3(overall.max_tier_deviation),
            max_potential_deviation=_num(overall.max_potential_deviation),
            potential_cv=_num(overall.potential_cv),
            baseline_moved=baseline.accounts_moved if baseline is not None else None,
            baseline_tier_deviation=tiers3(baseline.max_tier_deviation if baseline is not None else None),
            baseline_potential_deviation=_num(baseline.max_potential_deviation)
            if baseline is not None
            else None,
            baseline_measures=tuple(
                (measure_label(n), _num(m.max_deviation))
                for n, m in (baseline.measures or {} if baseline is not None else {}).items()
                if n != "potential"
            ),
            measure_cvs=tuple((measure_label(n), _num(m.cv)) for n, m in overall.measures.items())
            if overall.measures
            else (("Potential", _num(overall.potential_cv)),),
        ),
        team_average_accounts=_num(team.accounts),
        team_average_tiers=tiers3(team.tier_counts),
        team_average_potential=_num(team.potential),
        team_average_measures=tuple((measure_label(n), _num(v)) for n, v in team.measures.items())
        if team.measures
        else (("Potential", _num(team.potential)),),
        gaps=_gap_lines(plan, plan.reps),
        gaps_before=(
            _gap_lines(plan, plan.reps, before=True) if any(r.before is not None for r in plan.reps) else None
        ),
        band_rule=_band_rule(plan),
        potential_band=potential_band,
        reps_outside=sum(1 for r in reps if any(r.outside)),
        strip_width=4 * STRIP_CELL,
        strip_scale=scale,
        reps=tuple(reps),
        moves_by_region=tuple(regions),
        warnings=result.warnings,
        managers=tuple(managers_of(plan)),
        geo_map=plan_map(plan),
        **_measures_fields(plan, plan.rep_ids),
        gap_measures=("Tier 1", "Tier 2", "Tier 3", "potential", *gap_labels(plan.reps)[4:]),
        reps_outside_any=sum(
            1 for r in reps if any(r.outside) or any(m.outside for m in measure_lines(plan, r.rep_id))
        ),
    )


def _measures_fields(plan: PlanDir, rep_ids: Sequence[str]) -> dict[str, Any]:
    labels, legend, rows = measures_table(plan, rep_ids)
    return {"measure_labels": labels, "measure_legend": legend, "rep_measures": rows}


# --------------------------------------------------------------------------- introspection


def undocumented_fields(cls: type, _seen: set[type] | None = None) -> list[str]:
    """Dotted names of context fields (recursively) that lack ``help`` metadata."""
    seen = _seen if _seen is not None else set()
    if cls in seen or not dataclasses.is_dataclass(cls):
        return []
    seen.add(cls)
    missing: list[str] = []
    hints = __import__("typing").get_type_hints(cls)
    for f in dataclasses.fields(cls):
        if not f.metadata.get("help"):
            missing.append(f"{cls.__name__}.{f.name}")
        for inner in _dataclasses_in(hints.get(f.name)):
            missing.extend(undocumented_fields(inner, seen))
    return missing


def _dataclasses_in(tp: Any) -> Iterable[type]:
    import typing

    if isinstance(tp, type) and dataclasses.is_dataclass(tp):
        yield tp
    for arg in typing.get_args(tp):
        yield from _dataclasses_in(arg)
