"""Numeric account columns, declared once and parsed alike: potential, employees, revenue,
score, and any balance measure (ARR, renewals, pipeline, ...).

A ``NumberColumn`` says what a column may hold (its range, whether it may be negative) and,
for a measure that is balanced across reps, that an empty cell counts as 0 (with a warning)
and that the column's total must stay a number a sum can hold. ``parse_number_columns``
parses every declared column present in the frame with the same rules and messages
(``territory.io.loading.parse_number``: '1,200', '$1.2M', '(300)'; percentages, NaN, decimal
commas and spreadsheet errors named as such).

To read more measures, pass ``measure_column(name)`` for each; see ``parse_accounts``'s
``measures`` argument.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..errors import Problem

MONEY_MAX = 1e15  # a quadrillion: above any account's worth in any currency
SMALLEST = 1e-6  # a non-zero amount below this is a unit mistake (cents given in millions)


@dataclass(frozen=True)
class NumberColumn:
    """One numeric column of the accounts and the values it may hold."""

    name: str
    lo: float  # smallest value allowed (0 is allowed besides, unless ``zero_ok`` is False)
    hi: float
    hint: str  # what the column holds, shown when a value is out of range
    negative_ok: bool = False
    negative_hint: str = ""  # shown for a negative value (when ``negative_ok`` is False)
    zero_ok: bool = True
    # A measure balanced across reps: an empty cell counts as 0 (said once), and the column's
    # total must be a number a sum can hold, with no value too small to count in it.
    measure: bool = False
    plural: str = ""  # "potentials": how messages about the whole column name its values


def measure_column(name: str) -> NumberColumn:
    """A money-like balance measure (``potential``, ``arr``, ``pipeline``...): 0 or more."""
    return NumberColumn(
        name,
        SMALLEST,
        MONEY_MAX,
        f"{name} is money (or points): 0 or more, at most a quadrillion",
        negative_hint=f"{name} cannot be below 0; leave the cell empty if unknown",
        measure=True,
        plural=f"values of '{name}'",
    )


# The data contract's own numeric columns.
_CONTRACT_NEGATIVE = "potential, employees and revenue cannot be below 0; leave the cell empty if unknown"


POTENTIAL = NumberColumn(
    "potential",
    SMALLEST,
    MONEY_MAX,
    "potential is money (or points): 0 or more, at most a quadrillion",
    negative_hint=_CONTRACT_NEGATIVE,
    measure=True,
    plural="potentials",
)
EMPLOYEES = NumberColumn(
    "employees", 1, 1e8, "a head count: 0 or more, at most 100 million", negative_hint=_CONTRACT_NEGATIVE
)
ANNUAL_REVENUE = NumberColumn(
    "annual_revenue",
    SMALLEST,
    MONEY_MAX,
    "revenue in money: 0 or more, at most a quadrillion",
    negative_hint=_CONTRACT_NEGATIVE,
)
SCORE = NumberColumn("score", -1e9, 1e9, "a fit score; leave the cell empty if unknown", negative_ok=True)

# The numeric columns of the data contract, in the order they are parsed.
ACCOUNT_NUMBERS = (EMPLOYEES, ANNUAL_REVENUE, POTENTIAL, SCORE)


def parse_number_columns(df: pd.DataFrame, file: str, columns: Sequence[NumberColumn]) -> list[Problem]:
    """Parse each of ``columns`` present in ``df`` into float64 in place; every problem found.

    Bad cells (text, percentages, out of range, negative where not allowed) are reported
    and left empty; a measure's empty cells become 0 with one warning, and its total is checked.
    """
    from .loading import _bad_cells, _range_problems, number_problems

    problems: list[Problem] = []
    present = [c for c in columns if c.name in df.columns]
    unread: dict[str, pd.Series] = {}
    for col in present:  # every cell of every column first, then what measures add
        vals, bad = _parse(df[col.name])
        unread[col.name] = bad
        problems += number_problems(file, df, col.name, bad)
        in_range = vals
        if not col.negative_ok:
            neg = (vals < 0).fillna(False)
            problems += _bad_cells(file, df, col.name, neg, f"'{col.name}' is negative", col.negative_hint)
            in_range = vals.where(~neg)
        problems += _range_problems(
            file, df, col.name, in_range, col.lo, col.hi, zero_ok=col.zero_ok, hint=col.hint
        )
        df[col.name] = vals
    for col in present:
        if col.measure:
            vals = df[col.name]
            problems += _empty_as_zero(file, df, col, vals.isna() & ~unread[col.name])
            vals = vals.fillna(0.0)
            clean = vals.where((vals == 0) | ((vals >= col.lo) & (vals <= col.hi)), 0.0)
            problems += measure_total_problems(file, df, col, clean.to_numpy(dtype=float))
            df[col.name] = vals
    return problems


def _parse(series: pd.Series) -> tuple[pd.Series, pd.Series]:
    from .loading import parse_number

    return parse_number(series)


def _empty_as_zero(file: str, df: pd.DataFrame, col: NumberColumn, missing: pd.Series) -> list[Problem]:
    from .loading import spreadsheet_rows

    n = int(missing.sum())
    if not n or n == len(df):  # a column with no value at all says nothing about an account
        return []
    first = int(np.flatnonzero(missing.to_numpy())[0])
    return [
        Problem(
            file,
            f"{n} account(s) have no {col.name}; they count as 0 when balancing {col.name}",
            row=int(spreadsheet_rows(df)[first]),
            column=col.name,
            severity="warning",
            hint=f"fill in {col.name}, or drop the column to balance on tiers only",
        )
    ]


def measure_total_problems(file: str, df: pd.DataFrame, col: NumberColumn, v: np.ndarray) -> list[Problem]:
    """A measure whose sum overflows, or with values too small to count next to it."""
    from .loading import spreadsheet_rows

    with np.errstate(over="ignore", invalid="ignore"):
        total = float(v.sum())
    if not np.isfinite(total):
        return [
            Problem(
                file,
                f"the {col.plural} add up to more than a computer number can hold",
                column=col.name,
                hint=f"give {col.name} in a larger unit (thousands or millions)",
            )
        ]
    # Adding less than half a unit in the last place of the total leaves the total as it was.
    tiny = (v > 0) & (v < np.spacing(total) / 2)
    if not tiny.any():
        return []
    i = int(np.flatnonzero(tiny)[0])
    return [
        Problem(
            file,
            f"{int(tiny.sum())} {col.name}(s) are too small to count next to the total of "
            f"{total:,.0f}: a sum keeps about 15 significant digits",
            row=int(spreadsheet_rows(df)[i]),
            column=col.name,
            value=str(v[i]),
            hint=f"give {col.name} in one unit for every account (e.g. all in dollars), or leave "
            "negligible values empty",
        )
    ]


def missing_measure(file: str, raw: pd.DataFrame, name: str) -> Problem:
    """A balance measure the accounts file has no column for."""
    from .loading import columns_found

    return Problem(
        file,
        f"balance measure '{name}' is not a column of the accounts file",
        row=1,
        column=name,
        hint=f"columns found: {columns_found(raw)}; add the column to the export, or take {name} "
        "off balance.measures",
    )
