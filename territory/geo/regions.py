"""Regions from addresses: first-match-wins rules on country, state and postal code.

A rule file is CSV (one rule per row: ``region`` plus any of ``country``, ``state``,
``postal_code``) or TOML (``[[rule]]`` tables with the same keys, and ``use = "NAME"`` to
splice in a built-in set at that point). A cell holds one or more values separated by ``;``,
``|`` or ``,``; each value is exact (``CA``), a prefix (``94*``) or a range of postal-code
prefixes of equal length (``010-069`` or ``010..069``); an empty cell or ``*`` matches
anything. Built-in sets: ``us-census-regions`` and ``us-census-divisions``.

See docs/geography.md for the full format and examples.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..errors import InputError, Problem, more_problems, rows_note, rows_text, some_of
from .address import Addresses
from .places import TERRITORY_COUNTRIES, US, _plain, country_code, group_codes, postal_key, state_code
from .units import states

BUILTIN_SETS = ("us-census-regions", "us-census-divisions")
FIELDS = ("country", "state", "postal_code")
_FIELD_ALIASES = {
    "region": "region",
    "territory": "region",
    "country": "country",
    "state": "state",
    "state/province": "state",
    "province": "state",
    "postal_code": "postal_code",
    "postalcode": "postal_code",
    "postal code": "postal_code",
    "zip": "postal_code",
    "zip_code": "postal_code",
    "zip code": "postal_code",
    "note": "note",
    "notes": "note",
    "comment": "note",
}
_SPLIT = re.compile(r"\s*[;|,]\s*")
_RANGE = re.compile(r"^([0-9A-Za-z]+)\s*(?:-|\.\.)\s*([0-9A-Za-z]+)$")
CENSUS_CAVEAT = (
    "Census regions and divisions cover the 50 states and DC only; Puerto Rico, the other "
    "territories and addresses outside the US need a rule of your own"
)


@dataclass(frozen=True)
class Condition:
    """What one field must be: any of ``exact``, a ``prefixes`` match, or within ``ranges``."""

    exact: frozenset[str] = frozenset()
    prefixes: tuple[str, ...] = ()
    ranges: tuple[tuple[str, str], ...] = ()

    def matches(self, value: str) -> bool:
        if value in self.exact or any(value.startswith(p) for p in self.prefixes):
            return True
        return any(len(value) >= len(lo) and lo <= value[: len(lo)] <= hi for lo, hi in self.ranges)

    def mask(self, values: np.ndarray) -> np.ndarray:
        """``matches`` for a whole array of distinct values at once."""
        v = pd.Series(values, dtype=object).astype(str)
        out = np.array(v.isin(self.exact), dtype=bool)
        if self.prefixes:
            out |= v.str.startswith(self.prefixes).to_numpy(dtype=bool)
        for lo, hi in self.ranges:
            head = v.str.slice(0, len(lo))
            out |= ((v.str.len() >= len(lo)) & (head >= lo) & (head <= hi)).to_numpy(dtype=bool)
        return out


@dataclass(frozen=True)
class Rule:
    """One rule: the region it gives and the conditions (missing field = anything)."""

    region: str
    conditions: Mapping[str, Condition]
    where: str  # 'row 5' or 'rule 3' or 'us-census-regions'
    builtin: bool = False

    def matches(self, country: str, state: str, postal: str) -> bool:
        values = {"country": country, "state": state, "postal_code": postal}
        return all(c.matches(values[f]) for f, c in self.conditions.items())


@dataclass(frozen=True)
class RuleSet:
    """Rules in order (first match wins), and where they came from."""

    name: str  # the file path or the built-in set's name
    rules: tuple[Rule, ...]
    sha256: str = ""
    file: str = field(default="")

    def __repr__(self) -> str:
        return f"<RuleSet {self.name} [{len(self.rules)} rules]>"

    @property
    def regions(self) -> list[str]:
        """Regions the rules can give, in first-appearance order."""
        return list(dict.fromkeys(r.region for r in self.rules))


def is_builtin(spec: str) -> bool:
    return spec.strip().lower() in BUILTIN_SETS


def builtin_rules(name: str) -> tuple[Rule, ...]:
    """The Census rule set ``name``: one rule per state (50 states and DC), country US."""
    key = name.strip().lower()
    column = "region" if key == "us-census-regions" else "division"
    out = []
    for code, st in sorted(states().items()):
        region = getattr(st, column)
        if region:
            out.append(
                Rule(
                    region=region,
                    conditions={"country": Condition(frozenset({US})), "state": Condition(frozenset({code}))},
                    where=key,
                    builtin=True,
                )
            )
    return tuple(out)


# --------------------------------------------------------------------------- reading


def _values(raw: Any) -> list[str]:
    if raw is None:
        return []
    if isinstance(raw, (list, tuple)):
        out: list[str] = []
        for v in raw:
            out += _values(v)
        return out
    if isinstance(raw, (int, float)) and not isinstance(raw, bool):
        raw = str(raw)
    if not isinstance(raw, str):
        raise ValueError(f"expected text, not {raw!r}")
    return [v for v in _SPLIT.split(raw.strip()) if v]


def _condition(
    fld: str, raw: Any, country_values: list[str], label: str, where: int | None, problems: list[Problem]
) -> Condition | None:
    """Parse one cell; ``None`` means 'anything'."""

    def bad(value: str, message: str, hint: str) -> None:
        problems.append(Problem(label, message, row=where, column=fld, value=value, hint=hint))

    try:
        tokens = _values(raw)
    except ValueError as e:
        bad(str(raw), f"'{fld}' must be text or a list of text", str(e))
        return None
    if not tokens or "*" in tokens:
        return None
    exact: set[str] = set()
    prefixes: list[str] = []
    ranges: list[tuple[str, str]] = []
    us_only = bool(country_values) and all(c == US for c in country_values)
    for tok in tokens:
        if fld == "postal_code":
            m = _RANGE.match(tok)
            if tok.endswith("*"):
                prefixes.append(postal_key(tok[:-1]))
            elif m:
                lo, hi = postal_key(m.group(1)), postal_key(m.group(2))
                if len(lo) != len(hi) or lo > hi:
                    bad(
                        tok,
                        "a postal-code range needs two ends of the same length, low to high",
                        "write e.g. 010-069 (3-digit ZIP prefixes) or 01000-06999",
                    )
                    continue
                ranges.append((lo, hi))
            else:
                exact.add(postal_key(tok))
        elif tok.endswith("*"):
            bad(tok, f"prefixes only work on postal codes, not on '{fld}'", "list the values one by one")
        elif fld == "country":
            code = country_code(tok)
            if code in TERRITORY_COUNTRIES:
                bad(
                    tok,
                    f"{tok} is a US territory: its addresses count as US addresses",
                    f'match it with state = "{code}" (and country US or empty)',
                )
                continue
            exact.add(code)
        else:  # state
            code = state_code(tok)
            if not code and us_only:
                bad(
                    tok,
                    "not a US state or territory",
                    "use the two-letter code (CA) or the full name (California)",
                )
                continue
            exact.add(code or " ".join(_plain(tok).split()))
    return Condition(frozenset(exact), tuple(prefixes), tuple(ranges))


def _rule(
    row: Mapping[str, Any], label: str, where: int | None, where_text: str, problems: list[Problem]
) -> Rule | None:
    region = row.get("region")
    region_text = region.strip() if isinstance(region, str) else ""
    if not region_text:
        problems.append(
            Problem(
                label,
                "rule has no region",
                row=where,
                column="region",
                hint='every rule names the region it gives, e.g. region = "West"',
            )
        )
        return None
    n_before = len(problems)
    country_values = [country_code(v) for v in _values(row.get("country"))] if row.get("country") else []
    conds: dict[str, Condition] = {}
    for fld in FIELDS:
        c = _condition(fld, row.get(fld), country_values, label, where, problems)
        if c is not None:
            conds[fld] = c
    if len(problems) > n_before:
        return None
    return Rule(region=region_text, conditions=conds, where=where_text)


def _read_csv_rules(path: Path, label: str, problems: list[Problem]) -> list[Rule]:
    from ..io.loading import read_table

    raw = read_table(path)
    problems += list(raw.attrs.get("problems", []))
    cols: dict[str, str] = {}
    for c in raw.columns:
        key = _FIELD_ALIASES.get(str(c).strip().lower().lstrip("\ufeff"))
        if key is None:
            problems.append(
                Problem(
                    label,
                    f"unknown column '{c}'",
                    row=1,
                    column=str(c),
                    hint="a rules file has the columns region, country, state, postal_code (and note)",
                )
            )
        else:
            cols[str(c)] = key
    if "region" not in cols.values():
        problems.append(
            Problem(label, "required column 'region' is missing", row=1, hint="add a region column")
        )
        return []
    rules = []
    for i, rec in zip(raw.index, raw.to_dict("records")):
        row = {cols[k]: v for k, v in rec.items() if k in cols}
        line = int(i) + 2
        r = _rule(row, label, line, f"row {line}", problems)
        if r is not None:
            rules.append(r)
    return rules


def _read_toml_rules(path: Path, label: str, problems: list[Problem]) -> list[Rule]:
    from ..io.safe_read import UnreadableFile, read_toml

    try:  # the careful reader: a FIFO, a huge file, deep nesting or non-UTF-8 bytes are refused
        data = read_toml(path, what="region rules file")
    except UnreadableFile as e:
        problems.append(Problem(label, e.message, hint=e.hint or "see docs/geography.md for the format"))
        return []
    except OSError as e:
        problems.append(Problem(label, f"cannot be read: {e.strerror or e}", hint="check the path"))
        return []
    unknown = sorted(set(data) - {"rule"})
    for k in unknown:
        problems.append(
            Problem(label, f"unknown key '{k}'", column=k, hint="a rules file holds [[rule]] tables only")
        )
    entries = data.get("rule", [])
    if not isinstance(entries, list):
        problems.append(Problem(label, "'rule' must be a list of [[rule]] tables"))
        return []
    rules: list[Rule] = []
    for n, entry in enumerate(entries, start=1):
        if not isinstance(entry, dict):
            problems.append(Problem(label, f"rule {n} is not a table"))
            continue
        extra = sorted(set(entry) - {"region", "country", "state", "postal_code", "note", "use"})
        if extra:
            problems.append(
                Problem(
                    label,
                    f"rule {n} has an unknown key '{extra[0]}'",
                    column=extra[0],
                    hint='a rule has region, country, state, postal_code and note (or use = "SET")',
                )
            )
            continue
        if "use" in entry:
            name = str(entry["use"])
            if not is_builtin(name) or len(entry) > 1 + ("note" in entry):
                problems.append(
                    Problem(
                        label,
                        f"rule {n}: use = {name!r} must name a built-in set and stand alone",
                        column="use",
                        value=name,
                        hint=f"built-in sets: {', '.join(BUILTIN_SETS)}",
                    )
                )
                continue
            rules += builtin_rules(name)
            continue
        # The Nth [[rule]] table is not the file's Nth line: say "rule N", not "row N".
        mine: list[Problem] = []
        r = _rule(entry, label, None, f"rule {n}", mine)
        problems += [replace(p, message=f"rule {n}: {p.message}") for p in mine]
        if r is not None:
            rules.append(r)
    return rules


def load_rules(spec: str | Path) -> RuleSet:
    """A built-in set by name, or a CSV/TOML rules file; raises ``InputError`` listing every
    problem in the file."""
    text = str(spec).strip()
    if is_builtin(text):
        key = text.lower()
        return RuleSet(key, builtin_rules(key))
    path = Path(text)
    label = str(path)
    try:
        os.stat(path)
    except (FileNotFoundError, NotADirectoryError):
        pass
    except OSError as e:  # a loop of links, a name too long
        raise InputError(
            [Problem(label, f"cannot be opened: {e.strerror or e}", hint="check the path")]
        ) from None
    if not path.exists():
        raise InputError(
            [
                Problem(
                    label,
                    "region rules file not found",
                    hint=f"check the path, or use a built-in set: {', '.join(BUILTIN_SETS)}",
                )
            ]
        )
    problems: list[Problem] = []
    if path.suffix.lower() == ".toml":
        rules = _read_toml_rules(path, label, problems)
    else:
        try:
            rules = _read_csv_rules(path, label, problems)
        except InputError as e:
            raise InputError(e.problems + e.warnings) from None
    if not rules and not any(p.severity == "error" for p in problems):
        problems.append(
            Problem(label, "the file holds no rules", hint="add one rule per row (CSV) or [[rule]] (TOML)")
        )
    if any(p.severity == "error" for p in problems):
        raise InputError(problems)
    from ..pipeline import sha256_file

    return RuleSet(label, tuple(rules), sha256=sha256_file(path), file=label)


# --------------------------------------------------------------------------- applying


@dataclass(frozen=True)
class RegionResult:
    regions: np.ndarray  # region per account ('' when no rule matched)
    rule_index: np.ndarray  # index of the matching rule, -1 for none
    problems: list[Problem]
    counts: dict[str, int]


def rule_postal(addr: Addresses) -> np.ndarray:
    """The postal value rules see: the 5-digit ZIP for US addresses, else the postal key."""
    return np.where(addr.zip5 != "", addr.zip5, addr.postal)


def apply_rules(
    rules: RuleSet, addr: Addresses, rows: np.ndarray, accounts_file: str, *, need: np.ndarray | None = None
) -> RegionResult:
    """First matching rule per account; unmatched accounts are errors (grouped by value),
    except those outside ``need`` (accounts whose region comes from elsewhere)."""
    postal = rule_postal(addr)
    # Each field's distinct values are tested once per rule; a rule's match over the distinct
    # (country, state, postal) combinations is the AND of its fields (fast for 10^6 accounts).
    fields = {"country": addr.country, "state": addr.state, "postal_code": postal}
    field_codes: dict[str, tuple[np.ndarray, np.ndarray]] = {}
    for f, col in fields.items():
        c, u = pd.factorize(pd.Series(col, dtype=object), sort=False)
        field_codes[f] = (c.astype(np.int64), np.asarray(u, dtype=object))
    codes, rep_rows = group_codes(addr.country, addr.state, postal)
    combo = {f: field_codes[f][0][rep_rows] for f in fields}
    first = np.full(len(rep_rows), -1, dtype=np.int64)
    for k, rule in enumerate(rules.rules):
        open_ = first < 0
        if not open_.any():
            break
        hit = open_.copy()
        for f, cond in rule.conditions.items():
            hit &= cond.mask(field_codes[f][1])[combo[f]]
        first[hit] = k
    idx = first[codes] if len(rep_rows) else np.zeros(0, dtype=np.int64)
    names = np.array([r.region for r in rules.rules] + [""], dtype=object)
    regions = names[idx]
    problems: list[Problem] = []
    miss = np.flatnonzero((idx < 0) & (need if need is not None else True))
    if len(miss):
        problems += _unmatched(addr, miss, rows, accounts_file, rules)
    used = set(np.unique(idx[idx >= 0]).tolist())
    counts_per_combo = np.bincount(codes, minlength=len(rep_rows)) if len(rep_rows) else np.zeros(0, np.int64)
    for k, rule in enumerate(rules.rules):
        if k not in used and not rule.builtin:
            # A CSV rule is a row of its file; a TOML rule is the Nth [[rule]] table, not a line.
            row = int(rule.where.split()[1]) if rule.where.startswith("row ") else None
            name = f"rule for region '{rule.region}'" if row else f"{rule.where} (region '{rule.region}')"
            # Would it match accounts on its own? Then an earlier rule takes them (first match wins).
            alone = np.ones(len(rep_rows), dtype=bool)
            for f, cond in rule.conditions.items():
                alone &= cond.mask(field_codes[f][1])[combo[f]]
            if alone.any():
                n = int(counts_per_combo[alone].sum())
                first_rules = [rules.rules[int(j)] for j in np.unique(first[alone])]
                takers = _takers(first_rules)
                said = "; ".join(takers[:3]) + (f"; and {len(takers) - 3} more" if len(takers) > 3 else "")
                problems.append(
                    Problem(
                        rules.name,
                        f"{name} is never used: the {n:,} account"
                        f"{'s' if n != 1 else ''} it matches {'are' if n != 1 else 'is'} taken first by "
                        f"{'an earlier rule' if len(first_rules) == 1 else 'earlier rules'}: {said}",
                        row=row,
                        column="region",
                        value=rule.region,
                        severity="warning",
                        hint="the first rule that matches wins: move this rule above the one that takes "
                        "its accounts, or narrow that rule",
                    )
                )
                continue
            problems.append(
                Problem(
                    rules.name,
                    f"{name} matches no account",
                    row=row,
                    column="region",
                    value=rule.region,
                    severity="warning",
                    hint="the values may be misspelt, or no account is there",
                )
            )
    counts = {str(k): int(v) for k, v in pd.Series(regions[idx >= 0]).value_counts().sort_index().items()}
    return RegionResult(regions, idx, problems, counts)


def _takers(rules: list[Rule]) -> list[str]:
    """The rules that take a shadowed rule's accounts, one entry per source: a built-in set's
    many per-state rules are one entry with its distinct regions ('us-census-regions (regions
    'South', 'West')'), not the same name once per state."""
    regions: dict[str, list[str]] = {}
    for t in rules:
        got = regions.setdefault(t.where, [])
        if t.region not in got:
            got.append(t.region)
    out = []
    for where, names in regions.items():
        quoted = ", ".join(f"'{r}'" for r in names)
        out.append(f"{where} (region{'s' if len(names) > 1 else ''} {quoted})")
    return out


def _unmatched(
    addr: Addresses, miss: np.ndarray, rows: np.ndarray, file: str, rules: RuleSet
) -> list[Problem]:
    """One error per distinct (country, state) that no rule matched, with counts and rows."""
    frame = pd.DataFrame(
        {
            "country": addr.country_text[miss],
            "state": addr.state_text[miss],
            "postal": addr.postal_text[miss],
            "row": rows[miss],
        }
    )
    groups = frame.groupby(["country", "state"], sort=True)
    out: list[Problem] = []
    builtin_only = all(r.builtin for r in rules.rules)
    for (country, state), g in list(groups)[:20]:
        shown = (
            ", ".join(f"{k} '{v}'" for k, v in (("country", country), ("state", state)) if v)
            or "no country or state"
        )
        postals = sorted(set(g["postal"]) - {""})
        if postals:
            shown += f", postal code{'s' if len(postals) > 1 else ''} " + ", ".join(
                f"'{p}'" for p in postals[:5]
            )
            shown += " ..." if len(postals) > 5 else ""
        row_list = g["row"].tolist()
        hint = (
            CENSUS_CAVEAT + "; add them in a TOML rules file that uses the built-in set, "
            'e.g. [[rule]] use = "'
            + rules.name
            + '" followed by [[rule]] region = "International" country = "*"'
            if builtin_only
            else "add a rule for these values, or a last catch-all rule (region only, every other cell empty)"
        )
        out.append(
            Problem(
                file,
                f"{len(g):,} account{'s match' if len(g) != 1 else ' matches'} no region rule ({shown}"
                + (f"; {rows_text(row_list)}" if len(row_list) > 1 else "")
                + ")",
                row=int(row_list[0]),
                column="state" if state else "country",
                value=state or country,
                hint=hint,
            )
        )
    n_groups = groups.ngroups
    if n_groups > 20:
        out.append(more_problems(file, n_groups - 20, "address groups that match no region rule"))
    return out


def check_roster_regions(rules: RuleSet, reps: pd.DataFrame, roster_file: str) -> list[Problem]:
    """Every region a rep covers must be one the rules can give (else nobody gets it)."""
    from ..io.loading import rep_regions, spreadsheet_rows
    from ..io.validation import region_key

    produced = {region_key(r) for r in rules.regions}
    rows = spreadsheet_rows(reps)
    ids = reps["rep_id"].astype(str).tolist() if "rep_id" in reps.columns else [""] * len(reps)
    # one problem per region name, with the reps and rows that give it (a roster often
    # repeats a region down the column)
    missing: dict[str, list[int]] = {}
    spelt: dict[str, str] = {}
    for i, cell in enumerate(reps["region"].astype(str)):
        for part in rep_regions(cell):
            key = region_key(part)
            if part != "*" and key not in produced:
                at = missing.setdefault(key, [])
                spelt.setdefault(key, part)
                if i not in at:
                    at.append(i)

    def given(i: int) -> bool:  # the rep covers some region the rules give (or every one)
        return any(q == "*" or region_key(q) in produced for q in rep_regions(str(reps["region"].iat[i])))

    out: list[Problem] = []
    for key, at in missing.items():
        part = spelt[key]
        who = [ids[i] or f"row {int(rows[i])}" for i in at]
        idle = [ids[i] or f"row {int(rows[i])}" for i in at if not given(i)]
        out.append(
            Problem(
                roster_file,
                f"region '{part}' is not given by any region rule, so "
                + (
                    f"{'rep' if len(who) == 1 else 'reps'} {some_of(who)} would get no accounts"
                    if idle == who
                    else f"no account is in it ({'rep' if len(who) == 1 else 'reps'} {some_of(who)}"
                    + (f"; {some_of(idle)} would get no accounts" if idle else "")
                    + ")"
                )
                + rows_note([int(rows[i]) for i in at]),
                row=int(rows[at[0]]),
                column="region",
                value=part,
                hint=f"the rules in {rules.name} give: "
                + ", ".join(rules.regions[:12])
                + (" ..." if len(rules.regions) > 12 else ""),
            )
        )
    return out


def describe(rules: RuleSet, result: RegionResult) -> dict[str, Any]:
    """The summary.json record of how regions were assigned."""
    return {
        "rules": rules.name if not rules.file else Path(rules.file).name,
        "rule_count": len(rules.rules),
        "accounts_by_region": result.counts,
    }
