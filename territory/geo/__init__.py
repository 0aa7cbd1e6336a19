"""Geography: regions from addresses (rules), offline geocoding, and maps for the books.

``apply_geography`` is the one entry point the loader calls; everything else lives in the
submodules (``regions``, ``geocode``, ``maps``, ``units``, ``projection``, ``places``).
See docs/geography.md.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from ..errors import InputError, Problem, rows_note

if TYPE_CHECKING:
    from ..config import PlanConfig

__all__ = ["GeoResult", "apply_geography", "coverage_lines", "GEO_COLUMNS"]

# Columns the plan adds to every account when it places them (and writes to assignments.csv).
GEO_COLUMNS = ("latitude", "longitude", "county_fips", "placed_by")


@dataclass
class GeoResult:
    """What geography did to the accounts: the new frame, problems, and the summary record."""

    accounts: pd.DataFrame
    problems: list[Problem]
    summary: dict[str, Any] = field(default_factory=dict)
    rules_file: tuple[str, str, int] | None = None  # (path, sha256, rules) for the input list


def _address_columns(accounts: pd.DataFrame) -> bool:
    return any(c in accounts.columns for c in ("latitude", "longitude", "postal_code", "city"))


def apply_geography(
    accounts: pd.DataFrame,
    reps: pd.DataFrame | None,
    config: PlanConfig,
    accounts_file: str,
    roster_file: str,
) -> GeoResult:
    """Assign regions from ``inputs.region_rules`` and place every account (``geo.locate``).

    Never raises for data problems, a bad rules file included: they come back as
    ``Problem``s for the loader to report with the rest.
    """
    from ..io.frames import copy_frame
    from ..io.loading import spreadsheet_rows
    from .address import read_addresses

    problems: list[Problem] = []
    summary: dict[str, Any] = {}
    rows = spreadsheet_rows(accounts)
    spec = config.inputs.region_rules.strip()
    geo = config.geo
    has_county = "county_fips" in accounts.columns
    if not spec and not (geo.locate and _address_columns(accounts)) and not has_county:
        return GeoResult(accounts, problems)
    addr = read_addresses(accounts)
    out = copy_frame(accounts)
    rules_file = None
    rules = None
    if spec:
        from .regions import apply_rules, check_roster_regions, describe, load_rules

        try:
            rules = load_rules(spec)
        except InputError as e:  # reported with every other input problem
            problems += e.problems + e.warnings
    if rules is not None:
        if rules.file:
            rules_file = (rules.file, rules.sha256, len(rules.rules))
        given = (
            out["region"].astype(str).str.strip()
            if "region" in out.columns
            else pd.Series("", index=out.index)
        )
        filled = given.ne("").to_numpy()
        source = geo.region_source
        # with region_source = "input", accounts whose file gives a region need no rule
        result = apply_rules(rules, addr, rows, accounts_file, need=~filled if source == "input" else None)
        problems += result.problems
        if reps is not None and "region" in reps.columns:
            problems += check_roster_regions(rules, reps, roster_file)
        if filled.any() and source == "auto":
            problems.append(
                Problem(
                    accounts_file,
                    f"the accounts have a region column ({int(filled.sum()):,} filled) and region rules "
                    f"are given ({rules.name}); which one wins is not clear",
                    row=1,
                    column="region",
                    hint='set geo.region_source = "rules" (the rules replace the column), "input" '
                    "(the column wins, the rules fill its empty cells), or drop one of them",
                )
            )
        new = result.regions.astype(object)
        if source == "input":
            new = np.where(filled, given.to_numpy(dtype=object), new)
        changed = filled & (given.to_numpy(dtype=object) != new) & (result.rule_index >= 0)
        final = pd.Series(new[new != ""], dtype=object).value_counts().sort_index()
        summary["regions"] = {
            **describe(rules, result),
            "accounts_by_region": {str(k): int(v) for k, v in final.items()},
            "source": "rules" if source != "input" else "input, rules where empty",
            "accounts_whose_file_region_differs": int(changed.sum()) if filled.any() else 0,
        }
        out["region"] = new
    given_county = None
    if has_county:  # the file's own county column: read as FIPS codes, never taken as it is
        from .geocode import read_county_column

        given_county, p = read_county_column(accounts["county_fips"], rows, accounts_file)
        problems += p
        out["county_fips"] = given_county
    if geo.locate and _address_columns(accounts):
        from .geocode import coverage, place_accounts

        placement = place_accounts(accounts, addr, rows, accounts_file)
        problems += placement.problems
        if given_county is not None:
            problems += _county_disagreements(given_county, placement.county, rows, accounts_file)
            placement.keep_given_county(given_county)
        out["latitude"] = np.round(placement.latitude, 5)
        out["longitude"] = np.round(placement.longitude, 5)
        out["county_fips"] = placement.county_column(out.index)
        out["placed_by"] = placement.placed_by_column(out.index)
        summary["placement"] = coverage(placement, rows)
    return GeoResult(out, problems, summary, rules_file)


def _county_disagreements(given: np.ndarray, found: np.ndarray, rows: np.ndarray, file: str) -> list[Problem]:
    """A warning for accounts whose county_fips column names another county than their address."""
    differ = np.flatnonzero((given != "") & (found != "") & (given != found))
    if not len(differ):
        return []
    first = int(differ[0])
    n = len(differ)
    return [
        Problem(
            file,
            f"{n:,} account{'s' if n != 1 else ''} {'have' if n != 1 else 'has'} a county_fips other "
            f"than the county of {'their' if n != 1 else 'its'} address ('{given[first]}' where the address "
            f"is in '{found[first]}'); the county_fips column is used" + rows_note(rows[differ]),
            row=int(rows[first]),
            column="county_fips",
            value=str(given[first]),
            severity="warning",
            hint="a ZIP code can cross a county line, so the column may be right; if it is not, fix "
            "it or leave it empty to place by address",
        )
    ]


def coverage_lines(geography: dict[str, Any]) -> list[str]:
    """Plain-words lines for the terminal, from summary.json's ``geography`` record."""
    from .geocode import coverage_sentence

    lines = []
    regions = geography.get("regions")
    if regions:
        counts = regions.get("accounts_by_region") or {}
        lines.append(
            f"Regions from rules ({regions['rules']}): "
            + ", ".join(f"{k} {v:,}" for k, v in counts.items())
            + "."
        )
    if geography.get("placement"):
        lines.append(coverage_sentence(geography["placement"]))
    terr = geography.get("territories")
    if terr:
        from .territories import KIND_PLURAL

        words = KIND_PLURAL[terr["units"]]

        def sentence(t: dict[str, Any]) -> str:
            mean = t["compactness_km"]["mean"]
            return f"{t['units_total']:,} {words} ({t['units_with_accounts']:,} with accounts)" + (
                f", on average {mean:,.0f} km from a territory's centre (potential-weighted)" if mean else ""
            )

        if "products" in terr:  # product ICPs: each product's reps split its own units
            lines.append(
                f"Territories of whole {words}, per product: "
                + "; ".join(f"{prod}: {sentence(t)}" for prod, t in terr["products"].items())
                + ". Every territory one connected piece."
                + contiguity_sentence(terr)
            )
        else:
            mean = terr["compactness_km"]["mean"]
            lines.append(
                f"Territories of whole {words}: {terr['units_total']:,} {words} "
                f"({terr['units_with_accounts']:,} with accounts), every territory one connected piece"
                + linked_pieces(terr.get("links_inside_territories") or [])
                + (
                    f"; on average {mean:,.0f} km from a territory's centre (potential-weighted)."
                    if mean is not None
                    else "."
                )
                + contiguity_sentence(terr)
            )
    return lines


def linked_pieces(links: list) -> str:
    """How territories are one piece across units that share no border (an island, or units
    with no covered unit between them), or '' when none is. Each rep is named once, with its
    links ('R15 across 15001-15009, 15003-15005 and 02130-53055')."""
    if not links:
        return ""
    by_rep: dict[str, list[str]] = {}
    for a, b, rep in links:
        by_rep.setdefault(str(rep), []).append(f"{a}-{b}")
    parts = []
    for rep, pairs in list(by_rep.items())[:5]:
        shown = pairs[:5] + ([f"{len(pairs) - 5} more"] if len(pairs) > 5 else [])
        parts.append(
            f"{rep} across " + (", ".join(shown[:-1]) + " and " + shown[-1] if len(shown) > 1 else shown[0])
        )
    more = f"; and {len(by_rep) - 5} more reps" if len(by_rep) > 5 else ""
    return (
        f" (counting {len(links):,} link{'s' if len(links) != 1 else ''} between units that share no "
        f"border, each to its nearest unit: {'; '.join(parts)}{more}; see geography.territories.added_links)"
    )


def contiguity_sentence(terr: dict) -> str:
    """What the bound and gap of a plan of whole units are measured against."""
    n, proven = terr.get("pools", 0), terr.get("pools_proven_optimal_with_contiguity", 0)
    without = terr.get("bound_without_contiguity")
    tail = f" (without contiguity the bound is {without:,.1f})" if without is not None else ""
    return (
        f" The bound and gap are against the model with contiguity{tail}; "
        f"{proven:,} of {n:,} {'pool' if n == 1 else 'pools'} proven optimal with contiguity."
    )
