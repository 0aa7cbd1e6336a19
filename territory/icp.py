"""Ideal Customer Profiles: loading ICP files, scoring accounts and cutting tiers.

An ICP file (TOML, see ``docs/icp.md``) holds one or more products. Each product has
criteria (a column, one operator and the points a match earns), disqualifiers (a match
forces Tier 3 whatever the score), two thresholds (score >= ``tier1`` is Tier 1, score >=
``tier2`` is Tier 2, anything lower is Tier 3) and the profile text a rep reads.

Scoring is vectorised: one pass of numpy/pandas operations per criterion, including the
"why" text, so a million accounts take seconds. Nothing here mutates its input.
"""

from __future__ import annotations

import dataclasses
import math
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd

from .config import Range, check_number
from .errors import ConfigError, InputError, Problem
from .progress import SCORE, Progress, reporter

__all__ = [
    "OPERATORS",
    "PROFILE_KEYS",
    "Criterion",
    "Product",
    "IcpSet",
    "load_icp",
    "parse_icp",
    "score_accounts",
    "tier_distribution",
    "score_columns",
    "icp_book_data",
    "choose_tier_source",
]

#: The operators a criterion or disqualifier may use; exactly one per rule.
OPERATORS: tuple[str, ...] = (
    "in",
    "not_in",
    "equals",
    "between",
    "at_least",
    "at_most",
    "contains",
    "missing",
)

#: The profile sections a rep reads on the ICP one-pager, in print order.
PROFILE_KEYS: tuple[str, ...] = (
    "industry",
    "company_size",
    "geography",
    "roles",
    "needs",
    "pain_points",
    "buying_behaviour",
    "product_usage",
    "customer_value",
)

TIER_NAMES = {1: "best fit", 2: "good fit", 3: "bad fit"}

#: Points of one criterion and the two thresholds: ICP scales are in the tens or hundreds, and a
#: bound keeps every sum of points finite (1e308 + 1e308 would be infinity).
SCORE_RANGE = Range(-1_000_000.0, 1_000_000.0)

_NAME_RE = re.compile(r"^[A-Za-z0-9_]+$")
_CRITERION_KEYS = ("column", "points", "label", "display", "separator")
_DISQUALIFIER_KEYS = ("column", "reason", "label", "display", "separator")
_PRODUCT_KEYS = ("name", "title", "thresholds", "profile", "criteria", "disqualifiers")
# Numbers shown in why-text and labels: whole numbers without ".0", others to 2 decimals.
_LIST_SHOWN = 3


# --------------------------------------------------------------------------- model


@dataclass(frozen=True)
class Criterion:
    """One rule of a product: a column, an operator and its operand.

    For a scoring criterion ``points`` is what a match adds to the score; for a disqualifier
    (``kind == "disqualifier"``) ``points`` is 0 and a match forces Tier 3.
    """

    column: str
    op: str
    operand: Any
    points: float
    display: str
    label: str
    index: int
    kind: Literal["criterion", "disqualifier"] = "criterion"
    separator: str = ";"
    reason: str = ""

    def where(self, source: str, product: str) -> str:
        """Where this rule is, for error messages: ``file: product 'p', criterion 3 ('col')``."""
        return f"{source}: product '{product}', {self.kind} {self.index} ('{self.column}')"


@dataclass(frozen=True)
class Product:
    """One product's ICP: criteria, disqualifiers, thresholds and profile text."""

    name: str
    title: str
    criteria: tuple[Criterion, ...]
    disqualifiers: tuple[Criterion, ...]
    tier1: float
    tier2: float
    profile: Mapping[str, str] = field(default_factory=dict)

    @property
    def max_score(self) -> float:
        """The highest score an account can reach (the sum of the positive points)."""
        return float(sum(c.points for c in self.criteria if c.points > 0))

    @property
    def columns(self) -> tuple[str, ...]:
        """Every account column this product's rules read, in first-use order."""
        seen: dict[str, None] = {}
        for c in (*self.criteria, *self.disqualifiers):
            seen.setdefault(c.column, None)
        return tuple(seen)

    def __repr__(self) -> str:
        return (
            f"<Product {self.name!r} [{len(self.criteria)} criteria, "
            f"{len(self.disqualifiers)} disqualifiers, tier1>={_num(self.tier1)}, "
            f"tier2>={_num(self.tier2)}]>"
        )


@dataclass(frozen=True)
class IcpSet:
    """The products of one ICP file, in file order; the first is the default product."""

    source: str
    products: tuple[Product, ...]

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(p.name for p in self.products)

    @property
    def default_product(self) -> str:
        return self.products[0].name

    def __getitem__(self, name: str) -> Product:
        for p in self.products:
            if p.name == name:
                return p
        raise KeyError(name)

    def __iter__(self) -> Iterator[Product]:
        return iter(self.products)

    def __len__(self) -> int:
        return len(self.products)

    def __repr__(self) -> str:
        n = len(self.products)
        return f"<IcpSet {self.source} [{n} product{'s' if n != 1 else ''}: {', '.join(self.names)}]>"


# --------------------------------------------------------------------------- loading


def load_icp(path: str | Path) -> IcpSet:
    """Read and check an ICP file; every mistake raises ``ConfigError`` naming file, product and key."""
    from .io.safe_read import read_toml_setting

    return parse_icp(read_toml_setting(path, "ICP file"), str(path))


def parse_icp(data: Mapping[str, Any], source: str = "<icp>") -> IcpSet:
    """Check an already-parsed ICP mapping (as ``tomllib`` returns it) and build the ``IcpSet``."""
    unknown = sorted(set(data) - {"product"})
    if unknown:
        raise ConfigError(
            f"{source}: unknown top-level key '{unknown[0]}'; an ICP file holds only "
            "[[product]] tables (see docs/icp.md)"
        )
    raw_products = data.get("product")
    if not raw_products:
        raise ConfigError(
            f"{source}: no products; add at least one [[product]] table with a name, "
            "criteria and thresholds (see examples/icp.toml)"
        )
    if not isinstance(raw_products, list) or not all(isinstance(p, Mapping) for p in raw_products):
        raise ConfigError(f"{source}: 'product' must be written as [[product]] tables")
    products: list[Product] = []
    first_seen: dict[str, int] = {}
    for i, raw in enumerate(raw_products, start=1):
        product = _parse_product(raw, source, i)
        if product.name in first_seen:
            raise ConfigError(
                f"{source}: duplicate product '{product.name}' (products {first_seen[product.name]} "
                f"and {i}); give each product a unique name"
            )
        first_seen[product.name] = i
        products.append(product)
    return IcpSet(source=source, products=tuple(products))


def _parse_product(raw: Mapping[str, Any], source: str, position: int) -> Product:
    name = raw.get("name")
    if not isinstance(name, str) or not name:
        raise ConfigError(
            f'{source}: product {position} has no name; add name = "core" (letters, digits '
            "and _ only, it becomes the column suffix score_<name>)"
        )
    if not _NAME_RE.match(name):
        raise ConfigError(
            f"{source}: product '{name}': name may hold only letters, digits and _ because it "
            f"becomes the column names score_{name} and tier_{name}"
        )
    where = f"{source}: product '{name}'"
    unknown = sorted(set(raw) - set(_PRODUCT_KEYS))
    if unknown:
        raise ConfigError(
            f"{where}: unknown key '{unknown[0]}'{_did_you_mean(unknown[0], _PRODUCT_KEYS)}; "
            f"a product has {', '.join(_PRODUCT_KEYS)}"
        )
    title = raw.get("title", name)
    if not isinstance(title, str):
        raise ConfigError(f"{where}: 'title' must be text")

    raw_criteria = raw.get("criteria", [])
    if not isinstance(raw_criteria, list) or not all(isinstance(c, Mapping) for c in raw_criteria):
        raise ConfigError(f"{where}: 'criteria' must be written as [[product.criteria]] tables")
    if not raw_criteria:
        raise ConfigError(
            f'{where}: no criteria; add [[product.criteria]] tables, e.g. column = "industry", '
            'in = ["Software"], points = 30'
        )
    criteria = tuple(_parse_rule(c, where, i, "criterion") for i, c in enumerate(raw_criteria, start=1))
    raw_disq = raw.get("disqualifiers", [])
    if not isinstance(raw_disq, list) or not all(isinstance(c, Mapping) for c in raw_disq):
        raise ConfigError(f"{where}: 'disqualifiers' must be written as [[product.disqualifiers]] tables")
    disqualifiers = tuple(_parse_rule(c, where, i, "disqualifier") for i, c in enumerate(raw_disq, start=1))

    thresholds = raw.get("thresholds")
    if not isinstance(thresholds, Mapping):
        raise ConfigError(
            f"{where}: missing [product.thresholds]; add tier1 = <score for Tier 1> and "
            "tier2 = <score for Tier 2>"
        )
    bad = sorted(set(thresholds) - {"tier1", "tier2"})
    if bad:
        raise ConfigError(
            f"{where}: thresholds: unknown key '{bad[0]}'; use tier1 and tier2 (Tier 3 is "
            "everything below tier2)"
        )
    tiers: dict[str, float] = {}
    for key in ("tier1", "tier2"):
        value = thresholds.get(key)
        if value is None:
            raise ConfigError(f"{where}: thresholds: '{key}' is missing")
        tiers[key] = float(check_number(value, SCORE_RANGE, f"{where}: thresholds: '{key}'"))
    if tiers["tier1"] <= tiers["tier2"]:
        raise ConfigError(
            f"{where}: thresholds out of order: tier1 ({_num(tiers['tier1'])}) must be above "
            f"tier2 ({_num(tiers['tier2'])}), because Tier 1 is the best fit"
        )
    product = Product(
        name=name,
        title=title,
        criteria=criteria,
        disqualifiers=disqualifiers,
        tier1=tiers["tier1"],
        tier2=tiers["tier2"],
        profile=_parse_profile(raw.get("profile", {}), where),
    )
    if tiers["tier1"] > product.max_score:
        raise ConfigError(
            f"{where}: thresholds: tier1 ({_num(tiers['tier1'])}) is above the highest possible "
            f"score ({_num(product.max_score)}, the sum of the positive points), so no account "
            "could reach Tier 1; lower tier1 or add points"
        )
    return product


def _parse_profile(raw: Any, where: str) -> dict[str, str]:
    if not isinstance(raw, Mapping):
        raise ConfigError(f"{where}: 'profile' must be a table ([product.profile])")
    unknown = sorted(set(raw) - set(PROFILE_KEYS))
    if unknown:
        raise ConfigError(
            f"{where}: profile: unknown key '{unknown[0]}'"
            f"{_did_you_mean(unknown[0], PROFILE_KEYS)}; the profile has {', '.join(PROFILE_KEYS)}"
        )
    out: dict[str, str] = {}
    for key in PROFILE_KEYS:
        value = raw.get(key, "")
        if not isinstance(value, str):
            raise ConfigError(f"{where}: profile: '{key}' must be text")
        out[key] = value.strip()
    return out


def _parse_rule(
    raw: Mapping[str, Any],
    product_where: str,
    index: int,
    kind: Literal["criterion", "disqualifier"],
) -> Criterion:
    column = raw.get("column")
    col_text = column if isinstance(column, str) else "?"
    where = f"{product_where}, {kind} {index} ('{col_text}')"
    if not isinstance(column, str) or not column.strip():
        raise ConfigError(f"{where}: 'column' is missing; name the accounts column this rule reads")
    allowed = _CRITERION_KEYS if kind == "criterion" else _DISQUALIFIER_KEYS
    ops = [k for k in raw if k in OPERATORS]
    unknown = [k for k in raw if k not in OPERATORS and k not in allowed]
    if unknown:
        key = unknown[0]
        if kind == "disqualifier" and key == "points":
            raise ConfigError(
                f"{where}: a disqualifier has no points (it forces Tier 3); remove 'points' or "
                "make it a criterion with negative points"
            )
        if not ops:
            raise ConfigError(
                f"{where}: unknown operator '{key}'{_did_you_mean(key, OPERATORS)}; use one of "
                f"{', '.join(OPERATORS)}"
            )
        raise ConfigError(
            f"{where}: unknown key '{key}'{_did_you_mean(key, allowed)}; allowed: "
            f"{', '.join(allowed)} and one operator"
        )
    if not ops:
        raise ConfigError(f"{where}: no operator; add one of {', '.join(OPERATORS)}")
    if len(ops) > 1:
        hint = " (use between = [min, max] for a range)" if {"at_least", "at_most"} <= set(ops) else ""
        raise ConfigError(f"{where}: {len(ops)} operators ({', '.join(ops)}); use exactly one per rule{hint}")
    op = ops[0]
    operand = _parse_operand(op, raw[op], where)

    points = 0.0
    if kind == "criterion":
        if "points" not in raw:
            raise ConfigError(f"{where}: 'points' is missing; say what a match adds to the score")
        points = float(check_number(raw["points"], SCORE_RANGE, f"{where}: 'points'"))

    separator = raw.get("separator", ";")
    if "separator" in raw and op != "contains":
        raise ConfigError(f"{where}: 'separator' only applies to the 'contains' operator")
    if not isinstance(separator, str) or not separator:
        raise ConfigError(f"{where}: 'separator' must be a non-empty text, e.g. \";\"")
    for key in ("label", "display", "reason"):
        if key in raw and not isinstance(raw[key], str):
            raise ConfigError(f"{where}: '{key}' must be text")
    display = str(raw.get("display") or column.replace("_", " ").strip())
    rule = Criterion(
        column=column,
        op=op,
        operand=operand,
        points=points,
        display=display,
        label="",
        index=index,
        kind=kind,
        separator=separator,
        reason=str(raw.get("reason", "")).strip(),
    )
    return dataclasses.replace(rule, label=str(raw.get("label") or _default_label(rule)))


def _is_number(v: Any) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v)


def _parse_operand(op: str, value: Any, where: str) -> Any:
    if op in ("in", "not_in"):
        if isinstance(value, (str, int, float)) and not isinstance(value, bool):
            raise ConfigError(f"{where}: '{op}' needs a list, e.g. {op} = [{_toml(value)}]")
        if not isinstance(value, list) or not value:
            raise ConfigError(f"{where}: '{op}' needs a non-empty list of values")
        if not all(isinstance(v, str) or _is_number(v) for v in value):
            raise ConfigError(f"{where}: '{op}' values must be text or numbers")
        return tuple(value)
    if op == "equals":
        if not (isinstance(value, (str, bool)) or _is_number(value)):
            raise ConfigError(f"{where}: 'equals' needs one text, number or true/false value")
        return value
    if op == "between":
        if not isinstance(value, list) or len(value) != 2 or not all(_is_number(v) for v in value):
            raise ConfigError(f"{where}: 'between' needs two numbers [min, max], e.g. between = [100, 500]")
        lo, hi = float(value[0]), float(value[1])
        if lo > hi:
            raise ConfigError(f"{where}: range min {_num(lo)} is above max {_num(hi)}; swap them")
        return (lo, hi)
    if op in ("at_least", "at_most"):
        if not _is_number(value):
            raise ConfigError(f"{where}: '{op}' needs a number, not {value!r}")
        return float(value)
    if op == "contains":
        items = [value] if isinstance(value, str) else value
        if (
            not isinstance(items, list)
            or not items
            or not all(isinstance(v, str) and v.strip() for v in items)
        ):
            raise ConfigError(
                f"{where}: 'contains' needs a text or a list of texts, e.g. contains = \"Salesforce\""
            )
        return tuple(v.strip() for v in items)
    if op == "missing":
        if not isinstance(value, bool):
            raise ConfigError(f"{where}: 'missing' must be true or false, not {value!r}")
        return value
    raise AssertionError(op)  # pragma: no cover - OPERATORS is exhaustive


def _did_you_mean(key: str, options: Sequence[str]) -> str:
    import difflib

    close = difflib.get_close_matches(key, list(options), n=1, cutoff=0.6)
    return f" (did you mean '{close[0]}'?)" if close else ""


def _toml(v: Any) -> str:
    return f'"{v}"' if isinstance(v, str) else _num(float(v))


# --------------------------------------------------------------------------- text helpers


def _num(x: float) -> str:
    """A number as a person reads it: 500, 2.5, 1100.04, 19.1M, 3.6B."""
    x = float(x)
    for scale, suffix in ((1e9, "B"), (1e6, "M")):
        if abs(x) >= scale:
            return _plain(x / scale) + suffix
    return _plain(x)


def _plain(x: float) -> str:
    x = round(x, 2)
    if x.is_integer() and abs(x) < 1e15:
        return str(int(x))
    return f"{x:g}"


def _points(p: float) -> str:
    return "0" if p == 0 else (f"+{_num(p)}" if p > 0 else _num(p))


def _cap(text: str) -> str:
    return text[:1].upper() + text[1:]


def _list_text(values: Sequence[Any], limit: int | None = _LIST_SHOWN) -> str:
    shown = [v if isinstance(v, str) else _num(v) for v in values]
    if limit is not None and len(shown) > limit:
        return f"{', '.join(shown[:limit])} and {len(shown) - limit} more"
    return ", ".join(shown)


def _not_list(values: Sequence[Any]) -> str:
    """The 'not ...' tail of a missed 'in' rule; long lists are in the book, not every row."""
    if len(values) <= 2:
        return "not " + " or ".join(v if isinstance(v, str) else _num(v) for v in values)
    return f"not one of the {len(values)} listed"


def _items_text(items: Sequence[str]) -> str:
    return " or ".join(items)


def _operand_text(v: Any) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    return v if isinstance(v, str) else _num(v)


def _default_label(c: Criterion) -> str:
    """How the rule reads on the ICP one-pager."""
    d, op, x = _cap(c.display), c.op, c.operand
    if op == "in":
        return f"{d} in {_list_text(x, None)}"
    if op == "not_in":
        return f"{d} not in {_list_text(x, None)}"
    if op == "equals":
        return f"{d} is {_operand_text(x)}"
    if op == "between":
        return f"{d} {_num(x[0])}-{_num(x[1])}"
    if op == "at_least":
        return f"{d} at least {_num(x)}"
    if op == "at_most":
        return f"{d} at most {_num(x)}"
    if op == "contains":
        return f"{_items_text(x)} in {c.display}"
    return f"{d} {'missing' if x else 'present'}"


# --------------------------------------------------------------------------- scoring


def choose_tier_source(
    has_tier_column: bool, icp_given: bool, source: str = "auto"
) -> Literal["input", "icp", "none"]:
    """Decide where tiers come from for a plan, following ``tiering.source``.

    ``auto`` uses the ICP when one is given and the accounts carry no tier, the input tier
    when there is no ICP, and refuses to guess when both exist.
    """
    if source == "input":
        if not has_tier_column:
            raise ConfigError(
                "tiering.source is 'input' but the accounts have no 'tier' column; add one, "
                'or give an ICP file and set tiering.source = "icp"'
            )
        return "input"
    if source == "icp":
        if not icp_given:
            raise ConfigError(
                "tiering.source is 'icp' but no ICP file was given; pass --icp FILE or set inputs.icp"
            )
        return "icp"
    if source != "auto":
        raise ConfigError(f"tiering.source must be 'auto', 'input' or 'icp', not {source!r}")
    if has_tier_column and icp_given:
        raise ConfigError(
            "the accounts already have a 'tier' column and an ICP file was given; say which "
            'wins: set tiering.source = "input" (keep the CRM tiers) or tiering.source = '
            '"icp" (re-tier with the ICP), e.g. --set tiering.source=icp'
        )
    if icp_given:
        return "icp"
    return "input" if has_tier_column else "none"


@dataclass
class _Eval:
    matched: np.ndarray  # bool; False where the value is unknown
    known: np.ndarray  # bool
    hit: pd.Series  # why-text when matched
    miss: pd.Series  # why-text when known and not matched


def score_accounts(
    accounts: pd.DataFrame,
    icp: IcpSet,
    *,
    overwrite: bool = False,
    source: str = "accounts",
    progress: Progress | None = None,
) -> pd.DataFrame:
    """Score and tier every account against every product; return a new frame.

    Adds ``score_<product>``, ``tier_<product>`` (1, 2 or 3) and ``why_<product>`` per
    product, plus ``score``/``tier``/``why`` when the ICP has exactly one product. The
    input frame is never modified.

    :param overwrite: replace output columns the accounts already have (e.g. a CRM ``tier``);
        without it such a clash raises ``ConfigError`` rather than silently dropping data.
    :param source: the accounts file name, used in error messages.
    :param progress: see ``territory.progress``: stage "score", one step per product.
    """
    _check_columns(accounts, icp)
    new_cols = score_columns(icp)
    clash = [c for c in new_cols if c in accounts.columns]
    if clash and not overwrite:
        raise ConfigError(
            f"{source}: the accounts already have column{'s' if len(clash) > 1 else ''} "
            f"{', '.join(repr(c) for c in clash)}; scoring would replace "
            f"{'them' if len(clash) > 1 else 'it'}. Pass --overwrite (overwrite=True) to "
            "re-tier with the ICP, or rename the column in the input"
        )

    numeric_cache: dict[Any, Any] = {}
    problems: list[Problem] = []
    added: dict[str, Any] = {}
    report = reporter(progress)
    report(SCORE, 0, len(icp))
    for k, p in enumerate(icp):
        score, tier, why = _score_product(accounts, p, numeric_cache, problems, source)
        added[f"score_{p.name}"] = score
        added[f"tier_{p.name}"] = tier
        added[f"why_{p.name}"] = why
        report(SCORE, k + 1, len(icp), p.name)
    if problems:
        raise InputError(
            problems,
            f"{len(problems)} problem{'s' if len(problems) != 1 else ''} found while scoring the accounts",
        )
    if len(icp) == 1:
        only = icp.products[0].name
        added["score"] = added[f"score_{only}"]
        added["tier"] = added[f"tier_{only}"]
        added["why"] = added[f"why_{only}"]
    out = accounts.drop(columns=[c for c in clash], errors="ignore").copy()
    new = pd.DataFrame(added, index=accounts.index)
    return pd.concat([out, new], axis=1)


def score_columns(icp: IcpSet) -> list[str]:
    """The columns ``score_accounts`` adds, in order."""
    cols: list[str] = []
    for p in icp:
        cols += [f"score_{p.name}", f"tier_{p.name}", f"why_{p.name}"]
    if len(icp) == 1:
        cols += ["score", "tier", "why"]
    return cols


def _check_columns(accounts: pd.DataFrame, icp: IcpSet) -> None:
    available = [str(c) for c in accounts.columns]
    lower = {c.lower(): c for c in available}
    for p in icp:
        for rule in (*p.criteria, *p.disqualifiers):
            if rule.column in accounts.columns:
                continue
            guess = lower.get(rule.column.lower())
            if guess is None:
                import difflib

                close = difflib.get_close_matches(rule.column, available, n=1, cutoff=0.6)
                guess = close[0] if close else None
            hint = f" Did you mean '{guess}'?" if guess else ""
            raise ConfigError(
                f"{rule.where(icp.source, p.name)}: column '{rule.column}' is not in the "
                f"accounts.{hint} Available columns: {', '.join(available)}"
            )


def _score_product(
    accounts: pd.DataFrame,
    product: Product,
    numeric_cache: dict[Any, Any],
    problems: list[Problem],
    source: str,
) -> tuple[pd.Series, pd.Series, pd.Series]:
    n = len(accounts)
    index = accounts.index
    score = np.zeros(n, dtype="float64")
    segments: list[pd.Series] = []
    for c in product.criteria:
        ev = _evaluate(c, accounts[c.column], numeric_cache, problems, source)
        if c.points != 0:
            score += np.where(ev.matched, c.points, 0.0)
        pts = _points(c.points)
        text = (ev.hit + f" ({pts})").where(ev.matched, ev.miss + " (0)")
        text = text.where(ev.known, f"{_cap(c.display)} unknown (0)")
        segments.append(text)
    disqualified = np.zeros(n, dtype=bool)
    prefix = pd.Series("", index=index, dtype="str")
    for d in product.disqualifiers:
        ev = _evaluate(d, accounts[d.column], numeric_cache, problems, source)
        fired = ev.matched
        disqualified |= fired
        reason = pd.Series(d.reason, index=index, dtype="str") if d.reason else ev.hit
        prefix = prefix + ("DISQUALIFIED: " + reason + "; ").where(fired, "")
    why = segments[0]
    for seg in segments[1:]:
        why = why + "; " + seg
    why = (prefix + why).astype("str")

    tier = np.where(score >= product.tier1, 1, np.where(score >= product.tier2, 2, 3))
    tier = np.where(disqualified, 3, tier).astype("int64")
    integral = all(float(c.points).is_integer() for c in product.criteria)
    score_s = pd.Series(score.astype("int64") if integral else score, index=index)
    return score_s, pd.Series(tier, index=index), why.set_axis(index)


def _numeric(
    column: str,
    series: pd.Series,
    cache: dict[Any, Any],
    problems: list[Problem],
    source: str,
) -> pd.Series:
    """The column as float64 (NaN = unknown); non-numeric text is reported, not guessed."""
    if column in cache:
        return cache[column]
    if pd.api.types.is_bool_dtype(series):
        values = series.astype("float64")
    elif pd.api.types.is_numeric_dtype(series):
        values = series.astype("float64")
    else:
        from .io.loading import parse_number

        values, bad = parse_number(series)
        bad_idx = np.flatnonzero(bad.to_numpy())
        for i in bad_idx[:20]:
            problems.append(
                Problem(
                    source,
                    "not a number, but an ICP rule compares it with numbers",
                    row=int(i) + 2,
                    column=column,
                    value=str(series.iat[i]),
                    hint="write plain numbers such as 1200 or 1.2M, or leave the cell empty "
                    "(scored as unknown)",
                )
            )
        if len(bad_idx) > 20:
            problems.append(
                Problem(
                    source,
                    f"... and {len(bad_idx) - 20} more rows like this in column '{column}'",
                    column=column,
                    count=len(bad_idx) - 20,
                )
            )
        # Amounts in several currencies, or with dots grouping thousands, are refused as
        # the plan refuses them (territory.io.numbers), rows counted as above.
        from .io.numbers import currency_problems, grouping_problems

        frame = pd.DataFrame({column: series.to_numpy()})
        values, bad = values.reset_index(drop=True), bad.reset_index(drop=True)
        for found in (
            currency_problems(frame, source, column),
            grouping_problems(frame, source, column, values, bad, european_file=False),
        ):
            if found is not None:
                values = values.where(~found[0].to_numpy())
                problems += found[1]
    values = values.set_axis(series.index)
    cache[column] = values
    return values


def _num_text(values: pd.Series) -> pd.Series:
    """Vectorised ``_num``: whole numbers without ".0", 2 decimals, M/B for millions/billions."""
    v = values.to_numpy(dtype="float64", na_value=np.nan)
    v = np.where(np.isfinite(v), v, 0.0)
    size = np.abs(v)
    scale = np.where(size >= 1e9, 1e9, np.where(size >= 1e6, 1e6, 1.0))
    scaled = np.round(v / scale, 2)
    integral = (scaled == np.round(scaled)) & (np.abs(scaled) < 1e15)
    int_txt = pd.Series(np.round(scaled).astype("int64"), index=values.index).astype("str")
    flt_txt = pd.Series(scaled, index=values.index).astype("str")
    text = int_txt.where(integral, flt_txt)
    suffix = np.where(scale == 1e9, "B", np.where(scale == 1e6, "M", ""))
    if (scale != 1.0).any():
        text = text + pd.Series(suffix, index=values.index, dtype="str")
    return text


def _text(series: pd.Series) -> tuple[pd.Series, pd.Series]:
    """(trimmed text with "" for missing, lower-cased copy) of any column."""
    if pd.api.types.is_numeric_dtype(series) and not pd.api.types.is_bool_dtype(series):
        t = _num_text(series).where(series.notna(), "")
    else:
        t = series.astype("str").fillna("").str.strip()
    return t, t.str.lower()


def _missing(series: pd.Series) -> np.ndarray:
    miss = series.isna().to_numpy(dtype=bool)
    if series.dtype == object or pd.api.types.is_string_dtype(series):
        blank = series.astype("str").fillna("").str.strip().eq("").to_numpy(dtype=bool)
        miss = miss | blank
    return miss


def _evaluate(
    c: Criterion,
    series: pd.Series,
    numeric_cache: dict[Any, Any],
    problems: list[Problem],
    source: str,
) -> _Eval:
    index = series.index
    op, x = c.op, c.operand
    D, d = _cap(c.display), c.display
    known = _cached(numeric_cache, ("missing", c.column), lambda: ~_missing(series))

    if op == "missing":
        missing = ~known
        matched = missing if x else known
        hit_word, miss_word = ("missing", "present") if x else ("present", "missing")
        return _Eval(
            matched=matched,
            known=np.ones(len(series), dtype=bool),
            hit=pd.Series(f"{D} {hit_word}", index=index, dtype="str"),
            miss=pd.Series(f"{D} {miss_word}", index=index, dtype="str"),
        )

    if op in ("between", "at_least", "at_most") or (
        op in ("in", "not_in", "equals") and _all_numeric_operand(x)
    ):
        values = _numeric(c.column, series, numeric_cache, problems, source)
        known = values.notna().to_numpy(dtype=bool)
        arr = values.to_numpy(dtype="float64", na_value=np.nan)
        vtext = _cached(numeric_cache, ("numtext", c.column), lambda: _num_text(values))
        if op == "between":
            lo, hi = x
            matched = (arr >= lo) & (arr <= hi)
            rng = f"{_num(lo)}-{_num(hi)}"
            hit, miss = vtext + f" {d} in {rng}", vtext + f" {d}, outside {rng}"
        elif op == "at_least":
            matched = arr >= x
            hit, miss = vtext + f" {d}, at least {_num(x)}", vtext + f" {d}, below {_num(x)}"
        elif op == "at_most":
            matched = arr <= x
            hit, miss = vtext + f" {d}, at most {_num(x)}", vtext + f" {d}, above {_num(x)}"
        else:
            targets = [float(v) for v in (x if isinstance(x, tuple) else (x,))]
            matched, hit, miss = _membership(op, np.isin(arr, targets), x, f"{D} " + vtext)
        return _Eval(matched & known, known, hit, miss)

    text, lower = _cached(numeric_cache, ("text", c.column), lambda: _text(series))
    if op == "contains":
        sep = c.separator
        # Compare whole items: ";salesforce;" inside ";hubspot;salesforce;" (items trimmed).
        norm = _cached(numeric_cache, ("items", c.column, sep), lambda: _item_list(lower, sep))
        matched = np.zeros(len(series), dtype=bool)
        for item in x:
            matched |= norm.str.contains(f"{sep}{item.lower()}{sep}", regex=False).to_numpy(dtype=bool)
        items = _items_text(x)
        hit = pd.Series(f"{items} in {d}", index=index, dtype="str")
        miss = pd.Series(f"no {items} in {d}", index=index, dtype="str")
        return _Eval(matched & known, known, hit, miss)

    targets_s = [_operand_text(v).lower() for v in (x if isinstance(x, tuple) else (x,))]
    member = lower.isin(targets_s).to_numpy(dtype=bool)
    matched, hit, miss = _membership(op, member, x, f"{D} " + text)
    return _Eval(matched & known, known, hit, miss)


def _membership(op: str, member: np.ndarray, x: Any, lead: Any) -> tuple[np.ndarray, Any, Any]:
    """``in``/``equals``/``not_in`` on a membership mask: (matched, hit text, miss text)."""
    if op == "not_in":
        return ~member, lead + f", {_not_list(x)}", lead + " is excluded"
    wanted = _not_list(x) if op == "in" else f"not {_operand_text(x)}"
    return member, lead, lead + f", {wanted}"


def _item_list(lower: pd.Series, sep: str) -> pd.Series:
    """Cells as ``;a;b;c;`` with spaces around separators removed, for whole-item matching."""
    # Literal replaces stay on pandas' fast string path (a regex falls back to Python per row);
    # repeat until no padded separator is left, which is one or two passes in practice.
    t = lower
    for _ in range(64):
        padded = t.str.contains(" " + sep, regex=False) | t.str.contains(sep + " ", regex=False)
        if not padded.any():
            break
        t = t.str.replace(" " + sep, sep, regex=False).str.replace(sep + " ", sep, regex=False)
    return sep + t + sep


def _cached(cache: dict[Any, Any], key: Any, make: Any) -> Any:
    if key not in cache:
        cache[key] = make()
    return cache[key]


def _all_numeric_operand(x: Any) -> bool:
    values = x if isinstance(x, tuple) else (x,)
    return all(_is_number(v) for v in values)


# --------------------------------------------------------------------------- summaries


def tier_distribution(scored: pd.DataFrame, icp: IcpSet) -> dict[str, dict[str, int]]:
    """Per product: the count of accounts in each tier, and how many of Tier 3 were disqualified."""
    out: dict[str, dict[str, int]] = {}
    for p in icp:
        tiers = scored[f"tier_{p.name}"].to_numpy()
        why = scored[f"why_{p.name}"]
        out[p.name] = {
            "tier1": int((tiers == 1).sum()),
            "tier2": int((tiers == 2).sum()),
            "tier3": int((tiers == 3).sum()),
            "disqualified": int(why.str.startswith("DISQUALIFIED").sum()),
            "accounts": len(tiers),
        }
    return out


def icp_book_data(icp: IcpSet) -> dict[str, Any]:
    """The JSON-able ICP block for the books' one-pager (shape documented in docs/icp.md)."""
    products: dict[str, Any] = {}
    for p in icp:
        products[p.name] = {
            "title": p.title,
            "profile": {k: p.profile.get(k, "") for k in PROFILE_KEYS},
            "criteria": [{"label": c.label, "points": float(c.points)} for c in p.criteria],
            "thresholds": {"tier1": float(p.tier1), "tier2": float(p.tier2)},
        }
    return {"products": products, "default_product": icp.default_product}


def read_accounts_table(path: str | Path) -> pd.DataFrame:
    """Read an accounts file as text with canonical headers (``sector`` -> ``industry``, ...).

    ICP criteria name columns as ``territory plan`` sees them, so the same ICP file works for
    ``score``, ``validate`` and ``plan --icp``. Columns with no canonical name keep theirs.
    """
    from .errors import InputError
    from .io.loading import ACCOUNT_COLUMNS, canonicalise_headers, read_table

    raw = read_table(path)
    table, problems = canonicalise_headers(raw, ACCOUNT_COLUMNS, str(path))
    if problems:
        raise InputError(problems)
    return table
