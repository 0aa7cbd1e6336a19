"""Numeric account columns, declared once and parsed alike: potential, employees, revenue,
score, and any balance measure (ARR, renewals, pipeline, ...).

A ``NumberColumn`` says what a column may hold (its range, whether it may be negative) and,
for a measure that is balanced across reps, that an empty cell counts as 0 (with a warning)
and that the column's total must stay a number a sum can hold. ``parse_number_columns``
parses every declared column present in the frame with the same rules and messages
(``territory.io.loading.parse_number``: '1,200', '$1.2M', '(300)'; percentages, NaN, decimal
commas and spreadsheet errors named as such).

A balance measure (``balance.measures``) is read by ``read_measure(measure_column(name,
column))`` with the same rules, from ``territory.model.measures.prepare_measures``.
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
    # The balance measure the column is read for ("potential", "arr"), empty for another
    # column: an empty cell counts as 0 (said once, with ``empty_hint``), and the column's
    # total must be a number a sum can hold, with no value too small to count in it.
    measure: str = ""
    plural: str = ""  # "potentials": how messages about the whole column name its values
    what: str = "a number"  # what a cell must be: "'arr' is not an amount"
    empty_hint: str = ""


def measure_column(name: str, column: str | None = None) -> NumberColumn:
    """The balance measure ``name`` (``arr``, ``pipeline``...), read from the accounts column
    ``column`` (default: the measure's name): money or points, 0 or more."""
    col = column or name
    return NumberColumn(
        col,
        SMALLEST,
        MONEY_MAX,
        f"{name} is money (or points): 0 or more, at most a quadrillion",
        negative_hint=f"{name} is balanced across reps, so it cannot be below 0; leave the cell empty if unknown",
        measure=name,
        plural=f"values of '{col}'",
        what="an amount",
        empty_hint=f"fill in {col}, or remove [balance.measures.{name}] to stop balancing it",
    )


# The data contract's own numeric columns.
_CONTRACT_NEGATIVE = "potential, employees and revenue cannot be below 0; leave the cell empty if unknown"


POTENTIAL = NumberColumn(
    "potential",
    SMALLEST,
    MONEY_MAX,
    "potential is money (or points): 0 or more, at most a quadrillion",
    negative_hint=_CONTRACT_NEGATIVE,
    measure="potential",
    plural="potentials",
    empty_hint="fill in potential, or drop the column to balance on tiers only",
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


def parse_number_columns(
    df: pd.DataFrame, file: str, columns: Sequence[NumberColumn], *, delimiter: str | None = None
) -> list[Problem]:
    """Parse each of ``columns`` present in ``df`` into float64 in place; every problem found.

    Bad cells (text, percentages, out of range, negative where not allowed) are reported
    and left empty; a measure's empty cells become 0 with one warning, and its total is checked.
    ``delimiter``: the CSV file's separator (None for other sources); with ';', European
    Excel's, a dot before three digits may group thousands (``grouping_problems``).
    """
    problems: list[Problem] = []
    present = [c for c in columns if c.name in df.columns]
    unread: dict[str, pd.Series] = {}
    for col in present:  # every cell of every column first, then what measures add
        vals, unread[col.name], p = _read_cells(df, file, col)
        problems += p
        more = grouping_problems(df, file, col.name, vals, unread[col.name], delimiter == ";")
        df[col.name] = vals
        if more:
            df[col.name] = df[col.name].where(~more[0])  # read neither way: reported
            unread[col.name] = unread[col.name] | more[0]
            problems += more[1]
    for col in present:
        if col.measure:
            df[col.name], p = _as_measure(df, file, col, df[col.name], unread[col.name])
            problems += p
    return problems


# A dot before exactly three digits: a decimal point (313.700 = 313.7) in most exports, a
# thousands separator (313.700 = 313700) in European ones. Two groups, or a decimal comma
# after them, can only be European.
_ONE_GROUP = r"[1-9]\d{0,2}\.\d{3}"
_EUROPEAN = r"-?[1-9]\d{0,2}(?:\.\d{3}){2,}(?:,\d+)?|-?\d{1,3}(?:\.\d{3})*,\d+"


def grouping_problems(
    df: pd.DataFrame, file: str, column: str, vals: pd.Series, bad: pd.Series, european_file: bool
) -> tuple[pd.Series, list[Problem]] | None:
    """Cells of the text column ``df[column]`` (parsed: ``vals``, ``bad``) such as '313.700'
    (or '2.000') that read as 313.7 (2) where the column or the file shows that a dot groups
    thousands: a bad cell writes '1.856.700' or '1.234,56', or the file is separated by ';'
    (European Excel) and no decimal of the column has other than three digits after its dot.
    Returns (the ambiguous cells, one problem each), or None.

    Only the text of cells between 1 and 1,000 is looked at: a column of amounts above that
    costs two comparisons per cell.
    """
    from .loading import _bad_cells
    from .textops import strip_text

    v = vals.to_numpy(dtype=float)
    with np.errstate(invalid="ignore"):
        small = (v >= 1) & (v < 1000)
        fraction = np.isfinite(v) & (v != np.floor(v))
    if not small.any():
        return None
    text = strip_text(df[column])
    ambiguous = pd.Series(False, index=df.index)
    ambiguous[small] = text[small].str.fullmatch(_ONE_GROUP)
    if not ambiguous.any():
        return None
    bad_text = text[bad.to_numpy(dtype=bool)]
    european = bad_text[bad_text.str.fullmatch(_EUROPEAN)]
    if len(european):
        row = int(df["_row"].loc[european.index[0]]) if "_row" in df.columns else int(european.index[0]) + 2
        why = f"row {row} writes '{european.iat[0]}'"
    elif european_file and not (fraction & ~ambiguous.to_numpy(dtype=bool)).any():  # no '5.5'
        why = "the file is separated by ';', as a European Excel writes it"
    else:
        return None
    problems = _bad_cells(
        file,
        df,
        column,
        ambiguous,
        f"'{column}' is ambiguous: its dot may group thousands ({why}), which makes it a "
        "thousand times what it reads as",
        "export the numbers without thousands separators and with a dot as the decimal mark "
        "(313700, or 313.7 if a decimal is meant)",
    )
    return ambiguous, problems


def read_measure(df: pd.DataFrame, file: str, col: NumberColumn) -> tuple[pd.Series, list[Problem]]:
    """The values of one balance measure's column (``measure_column``) as float64, an empty or
    bad cell as 0, and every problem found: the rules and messages of potential."""
    vals, bad, problems = _read_cells(df, file, col)
    grouped = grouping_problems(df, file, col.name, vals, bad, european_file=False)
    if grouped:
        vals, bad = vals.where(~grouped[0]), bad | grouped[0]
        problems += grouped[1]
    vals, more = _as_measure(df, file, col, vals, bad)
    return vals, problems + more


_MARK_BYTES = np.ones(256, dtype=bool)  # every byte but a plain number's
_MARK_BYTES[[ord(c) for c in "0123456789.,+-() \t"]] = False
_SAME_CURRENCY = {"$": "USD", "US$": "USD", "€": "EUR", "£": "GBP", "¥": "JPY", "₹": "INR"}


def currency_problems(df: pd.DataFrame, file: str, column: str) -> tuple[pd.Series, list[Problem]] | None:
    """Amounts of one column in different currencies ('$1,200' and '€900', 'USD 5' and
    'EUR 5'): read as numbers they would be added up as one currency. Returns (the cells in
    another currency than most, one problem each), or None when the column has one currency."""
    from .loading import CURRENCY_CODES, _bad_cells, spreadsheet_rows
    from .textops import any_byte_in, plain_decimals, strip_text

    if not any_byte_in(df[column], _MARK_BYTES):  # digits and signs only: no currency
        return None
    text = strip_text(df[column])
    # Only cells that are not plain numbers can carry a currency; they are looked at by their
    # first and last characters (a regular expression per cell takes seconds at a million).
    sub = text[np.isnan(plain_decimals(text)) & text.ne("").to_numpy(dtype=bool)]
    codes = [c.upper() for c in CURRENCY_CODES.split("|")]
    symbols = list(_SAME_CURRENCY)
    head3, tail3 = sub.str[:3].str.upper(), sub.str[-3:].str.upper()
    head1, tail1 = sub.str[:1], sub.str[-1:]
    mark = pd.Series("", index=sub.index, dtype=object)
    for part, known in ((tail3, codes), (tail1, symbols), (head3, codes), (head1, symbols), (head3, ["US$"])):
        hit = part.isin(known).to_numpy(dtype=bool)
        mark[hit] = part[hit].astype(object)
    mark = mark[mark.ne("")].replace(_SAME_CURRENCY)
    counts = mark.value_counts(sort=True)
    if len(counts) < 2:
        return None
    main = str(counts.index[0])
    first = mark.index[mark.eq(main)][0]
    row = int(spreadsheet_rows(df)[df.index.get_loc(first)])
    every = pd.Series(False, index=df.index)
    problems: list[Problem] = []
    for other in counts.index[1:]:
        cells = pd.Series(False, index=df.index)
        cells[mark.index[mark.eq(other)]] = True
        every |= cells
        problems += _bad_cells(
            file,
            df,
            column,
            cells,
            f"'{column}' mixes currencies: this amount is in {other}, the column's others in {main} "
            f"(row {row}: '{text[first]}')",
            "convert every amount to one currency before the export (a Salesforce report can show "
            "amounts converted to the corporate currency): amounts in different currencies cannot be added up or compared",
        )
    return every, problems


def _read_cells(df: pd.DataFrame, file: str, col: NumberColumn) -> tuple[pd.Series, pd.Series, list[Problem]]:
    """Every cell of one column parsed (bad cells empty), the bad cells, and their problems."""
    from .loading import _bad_cells, _range_problems, number_problems, parse_number

    vals, bad = parse_number(df[col.name])
    problems = number_problems(file, df, col.name, bad, what=col.what)
    mixed = currency_problems(df, file, col.name)
    if mixed is not None:
        vals, bad = vals.where(~mixed[0]), bad | mixed[0]
        problems += mixed[1]
    in_range = vals
    if not col.negative_ok:
        neg = (vals < 0).fillna(False)
        problems += _bad_cells(file, df, col.name, neg, f"'{col.name}' is negative", col.negative_hint)
        in_range = vals.where(~neg)
    problems += _range_problems(
        file, df, col.name, in_range, col.lo, col.hi, zero_ok=col.zero_ok, hint=col.hint
    )
    return vals, bad, problems


def _as_measure(
    df: pd.DataFrame, file: str, col: NumberColumn, vals: pd.Series, bad: pd.Series
) -> tuple[pd.Series, list[Problem]]:
    """A measure's empty cells as 0 (one warning), and its total checked."""
    problems = _empty_as_zero(file, df, col, vals.isna() & ~bad)
    vals = vals.fillna(0.0)
    clean = vals.where((vals == 0) | ((vals >= col.lo) & (vals <= col.hi)), 0.0)
    problems += measure_total_problems(file, df, col, clean.to_numpy(dtype=float))
    return vals, problems


def _empty_as_zero(file: str, df: pd.DataFrame, col: NumberColumn, missing: pd.Series) -> list[Problem]:
    from .loading import spreadsheet_rows

    n = int(missing.sum())
    if not n or n == len(df):  # a column with no value at all says nothing about an account
        return []
    first = int(np.flatnonzero(missing.to_numpy())[0])
    return [
        Problem(
            file,
            f"{n} account(s) have no {col.name}; they count as 0 when balancing {col.measure}",
            row=int(spreadsheet_rows(df)[first]),
            column=col.name,
            severity="warning",
            hint=col.empty_hint,
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
