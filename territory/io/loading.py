"""Reading accounts and rosters into canonical, typed DataFrames.

Every cell is read as text first (so ids keep their leading zeros and nothing is guessed),
then each canonical column is parsed with an explicit rule. Problems are collected, never
raised one at a time: the caller raises one ``InputError`` listing them all.
"""

from __future__ import annotations

import csv
import functools
import io
import re
import shlex
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from ..errors import InputError, Problem, more_problems
from . import sheets
from .crm import footer_patterns, header_key, preset_aliases
from .fast_csv import MAX_COLUMNS, read_well_formed, sniff_delimiter
from .frames import copy_frame
from .numbers import ACCOUNT_NUMBERS, parse_number_columns
from .sheets import (
    ReadLimits,
    check_file,
    column_letters,
    formula_problems,
    hidden_row_problems,
    merged_problems,
    read_parquet_text,
    scan_xlsx,
    too_many_rows,
)
from .textops import (
    any_byte_in,
    byte_table,
    grouped_amounts,
    longest_cell_bytes,
    plain_decimals,
    strip_text,
    whole_numbers,
)

# Canonical columns and the header spellings we accept for them (compared case-insensitively,
# ignoring spaces, dashes and underscores). CRM presets map further names onto these, and
# add the spellings of their exports that are read even without the preset
# (territory.io.crm: BillingCountry, Record ID, Country/Region, ...).
ACCOUNT_COLUMNS: dict[str, tuple[str, ...]] = preset_aliases(
    {
        "account_id": ("account_id", "accountid", "id", "account id"),
        "name": ("name", "account_name", "account name", "company", "company name"),
        "tier": ("tier",),
        "score": ("score",),
        "industry": ("industry", "sector"),
        "employees": ("employees", "number_of_employees", "numberofemployees", "headcount", "workers"),
        "annual_revenue": ("annual_revenue", "annualrevenue", "revenue"),
        "country": ("country",),
        "state": ("state", "state/province"),
        "city": ("city",),
        "region": ("region", "territory"),
        "postal_code": ("postal_code", "postalcode", "zip", "zip_code", "zip/postal code"),
        # Coordinates for maps (territory.geo): a CRM's geocoded address, or a custom
        # property (HubSpot has no standard latitude/longitude for companies).
        "latitude": ("latitude", "lat"),
        "longitude": ("longitude", "long", "lng", "lon"),
        "parent_id": ("parent_id", "parentid", "parent"),
        "owner_id": ("owner_id", "ownerid", "owner"),
        "potential": ("potential",),
        "locked": ("locked", "lock"),
        "segment": ("segment",),
    }
)

REP_COLUMNS: dict[str, tuple[str, ...]] = {
    "rep_id": ("rep_id", "repid", "id", "owner_id", "user_id"),
    "name": ("name", "rep_name", "full_name"),
    "email": ("email", "e-mail"),
    "manager": ("manager", "manager_name"),
    "region": ("region", "regions", "territory"),
    "segment": ("segment",),
    "capacity": ("capacity", "fte"),
    "product": ("product",),
    "max_accounts": ("max_accounts", "maxaccounts"),
    # A leaving rep's successor takes their accounts (territory.lockrules).
    "successor": ("successor", "successor_id", "successor_rep_id"),
}

REP_NUMERIC = ("capacity", "max_accounts")

# Cells that mean "no value" in real exports (fortune500-hq writes NOT AVAILABLE).
EMPTY_WORDS = ["na", "n/a", "null", "none", "-", "not available", "#n/a"]
# The currency of an amount, before or after it: a symbol ('$1,200', '€ 500') or an ISO code
# ('USD 1,200.00' as a multi-currency Salesforce org's report writes it, '500 EUR').
CURRENCY_CODES = (
    "usd|eur|gbp|jpy|cny|inr|cad|aud|nzd|chf|sek|nok|dkk|pln|czk|huf|brl|mxn|zar|sgd|hkd|krw|ils|aed|sar|try"
)
CURRENCY_MARK = (
    rf"^(?:us\$|[$€£¥₹]|(?:{CURRENCY_CODES})(?=\s*[\d(+\-.]))\s*|(?<=[\d)])\s*(?:{CURRENCY_CODES}|[$€£¥₹])$"
)

TRUE_WORDS = {"true", "yes", "y", "1", "x", "t", "locked"}
FALSE_WORDS = {"false", "no", "n", "0", "", "f"}

# Region lists in the roster: "West;Midwest" or "West|Midwest".
REGION_SEP = re.compile(r"\s*[;|]\s*")


_key = header_key  # headers compare as the CRM presets compare them


# Excel and most CRMs cap a cell at 32,767 characters; a longer cell is almost always a stray
# quote that swallowed the rows after it (https://support.microsoft.com/office/excel-specifications-and-limits).
MAX_CELL_CHARS = 32_767
# ... and a sheet at 16,384 columns (XFD, MAX_COLUMNS); a wider "table" is not an export, and
# reading its headers one by one would take minutes.

# Trailing lines of a report export, matched whole: "Grand Totals (1,000 records)", "Total",
# and the lines each CRM adds (territory.io.crm: Salesforce's two legal lines).
FOOTER_LINE = re.compile(
    "|".join([r"grand totals?(\s*\(\d[\d,.]*\s+records?\))?", r"totals?", *footer_patterns()]),
    re.IGNORECASE,
)
# First cell of a spreadsheet's sum row.
TOTALS_WORD = re.compile(r"(grand\s+)?(sub)?totals?:?(\s*\(.*\))?", re.IGNORECASE)

_XLSX_MAGIC = b"PK\x03\x04"
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # legacy .xls (and .doc)


def spreadsheet_rows(df: pd.DataFrame) -> np.ndarray:
    """Each row's number as a spreadsheet shows it (header = row 1), from ``_row`` if present."""
    if "_row" in df.columns:
        return df["_row"].to_numpy(dtype=np.int64)
    return np.arange(len(df), dtype=np.int64) + 2


def read_table(
    path: str | Path, *, sheet: str | int | None = None, limits: ReadLimits | None = None
) -> pd.DataFrame:
    """Read a CSV, XLSX or Parquet file with every cell as text; raise ``InputError`` if unreadable.

    The frame's index is the spreadsheet row minus 2 (blank rows are dropped but keep their
    numbers), its columns are the header row as written (a repeated header is reported and
    the repeat renamed), and ``df.attrs["problems"]`` holds problems found while reading
    (over-long cells, report footers, repeated headers) for the parser to report with the
    rest. ``limits`` (``inputs.max_file_mb``, ``inputs.max_rows``) are checked before reading:
    pipes and devices are refused outright.
    """
    path = Path(path)
    label = str(path)
    limits = limits or ReadLimits()
    check_file(path, limits)
    suffix = path.suffix.lower()
    with open(path, "rb") as fh:
        head = fh.read(8)
    if suffix == ".xls" or head.startswith(_OLE_MAGIC):
        raise InputError(
            [
                Problem(
                    label,
                    "this is an old-style Excel .xls workbook, which territory does not read",
                    hint="open it in Excel and save it as .xlsx or as 'CSV UTF-8'",
                )
            ]
        )
    if suffix in (".xlsx", ".xlsm") or (head.startswith(_XLSX_MAGIC) and suffix != ".parquet"):
        df = _read_xlsx(path, sheet, limits)
    elif suffix == ".parquet" or head.startswith(b"PAR1"):
        df = read_parquet_text(path, limits)
        df.attrs["problems"] = nul_problems(df, label)
    else:
        df = _read_csv(path, limits)
    df = _tidy(df, label)
    parquet = suffix == ".parquet" or head.startswith(b"PAR1")
    rows = df.index  # the spreadsheet row - 2, when the reader could number the rows
    if (
        len(df)
        and not parquet
        and pd.api.types.is_integer_dtype(rows)
        and rows[-1] + 2 == sheets.EXCEL_MAX_ROWS
    ):
        df.attrs["problems"].append(_cut_at_excel_limit(label))
    return df


def _cut_at_excel_limit(label: str) -> Problem:
    """A CSV or XLSX whose last row is an Excel sheet's last row: almost surely cut off."""
    return Problem(
        label,
        f"the file ends on row {sheets.EXCEL_MAX_ROWS:,}, the last row an Excel sheet holds: it was "
        "probably cut off when it was saved from Excel, and the rows after it are missing",
        row=sheets.EXCEL_MAX_ROWS,
        hint="export the file from the CRM again and do not open and save it in Excel; a complete "
        "file of exactly this many rows can be read as Parquet",
    )


def nul_problems(df: pd.DataFrame, label: str) -> list[Problem]:
    """Cells holding a NUL character (binary data), for sources read without a byte check."""
    out: list[Problem] = []
    for j, col in enumerate(df.columns):
        s = df.iloc[:, j].astype(str)
        if not any_byte_in(s, _NUL):
            continue
        hit = s.str.contains("\x00", regex=False).to_numpy()
        if hit.any():
            i = int(np.flatnonzero(hit)[0])
            out.append(
                Problem(
                    label,
                    f"{int(hit.sum())} cell(s) in column '{col}' hold NUL characters (binary data)",
                    row=int(df.index[i]) + 2 if pd.api.types.is_integer_dtype(df.index) else None,
                    column=str(col),
                    value=s.iat[i].replace("\x00", "\\0")[:60],
                    hint="export the data again as text; binary values have no place in an accounts file",
                )
            )
    return out


def unique_headers(headers: list[str], label: str) -> tuple[list[str], list[Problem]]:
    """The header row with repeats renamed, and one problem per repeated header.

    Headers are compared as written (after trimming): ``revenue`` and ``revenue.2024`` are
    two columns. A repeat is renamed ``<header> (column <letter>)`` so nothing downstream
    mistakes it for the first one; the problem names both positions.
    """
    seen: dict[str, int] = {}
    out: list[str] = []
    problems: list[Problem] = []
    taken = {h.strip().lstrip("\ufeff") for h in headers}
    for i, h in enumerate(headers):
        k = h.strip().lstrip("\ufeff")
        if not k or re.fullmatch(r"Unnamed: \d+", k):
            out.append(f"(no header, column {column_letters(i)})")
            continue
        if k in seen:
            first = seen[k]
            problems.append(
                Problem(
                    label,
                    f"column '{k}' appears more than once: columns {first + 1} ({column_letters(first)}) "
                    f"and {i + 1} ({column_letters(i)})",
                    row=1,
                    column=k,
                    hint="delete or rename the extra column",
                )
            )
            new = f"{k} (column {column_letters(i)})"
            while new in taken:
                new += "'"
            taken.add(new)
            out.append(new)
        else:
            seen[k] = i
            out.append(h)
    return out, problems


def check_columns(label: str, n: int) -> None:
    """Refuse a table wider than a spreadsheet can be (a file that is not an export)."""
    if n > MAX_COLUMNS:
        raise InputError(
            [
                Problem(
                    label,
                    f"has {n:,} columns, more than a spreadsheet holds ({MAX_COLUMNS:,})",
                    row=1,
                    hint="check that this is the right file: a CRM export has at most a few hundred columns",
                )
            ]
        )


def _blank_columns(df: pd.DataFrame, positions: list[int]) -> list[int]:
    """Which of the columns at ``positions`` hold nothing but white space.

    One pass over those cells together (a sheet formatted out to column XFD has 16,000 of
    them; a pandas call per column took 30 s), stopping at a column's first filled cell.
    """
    if not positions:
        return []
    cells = df.iloc[:, positions].to_numpy(dtype=object)
    nonempty = cells != ""
    return [j for k, j in enumerate(positions) if not any(str(v).strip() for v in cells[nonempty[:, k], k])]


def _tidy(df: pd.DataFrame, label: str) -> pd.DataFrame:
    """Drop blank rows (keeping row numbers), report footers, totals rows and over-long cells."""
    check_columns(label, len(df.columns))
    problems: list[Problem] = list(df.attrs.get("problems", []))
    headers, dupes = unique_headers([str(c) for c in df.columns], label)
    problems += dupes
    df.columns = headers
    # Columns with neither a header nor a value (a spreadsheet's formatted but empty columns).
    blank = _blank_columns(df, [j for j, h in enumerate(headers) if h.startswith("(no header, column ")])
    if blank:
        dropped = set(blank)
        df = df.iloc[:, [j for j in range(len(headers)) if j not in dropped]]
    footer: list[str] = []
    if len(df) and len(df.columns):
        # A row is filled when any cell holds more than white space. Nearly every row has
        # its first cell filled, so the other columns are looked at only for the rest
        # (one vectorised pass over one column instead of a strip of every cell: at 10^6
        # rows x 14 columns, 0.1 s instead of 4 s).
        first_col = df.iloc[:, 0]
        filled = (first_col.ne("") & ~first_col.str.isspace()).to_numpy(dtype=bool, copy=True)
        rest = np.flatnonzero(~filled)
        if rest.size:
            for col in df.columns[1:]:
                filled[rest] |= df[col].iloc[rest].str.strip().ne("").to_numpy()
        footer_rows = report_footer_rows(df, filled)
        if footer_rows:
            first = min(footer_rows)
            footer = [str(df.iat[i, 0]).strip() for i in sorted(footer_rows)]
            problems.append(
                Problem(
                    label,
                    f"ignored {len(footer_rows)} report footer line(s) at the end of the file",
                    row=int(df.index[first]) + 2,
                    value=str(df.iat[first, 0]),
                    severity="warning",
                    hint="a Salesforce report export adds totals and a copyright notice; "
                    "nothing else was skipped",
                )
            )
            filled[footer_rows] = False
        problems += _totals_row(df, filled, label)
        if not filled.all():
            df = df[filled]
        for col in df.columns:
            if longest_cell_bytes(df[col]) <= MAX_CELL_CHARS:  # (a character takes a byte or more)
                continue
            lengths = df[col].str.len()
            if len(lengths) and int(lengths.max()) > MAX_CELL_CHARS:
                long = np.flatnonzero((lengths > MAX_CELL_CHARS).to_numpy())
                for i in long[:5]:
                    n = int(lengths.iat[i])
                    problems.append(
                        Problem(
                            label,
                            f"cell is {n:,} characters long, more than a spreadsheet cell "
                            f"can hold ({MAX_CELL_CHARS:,})",
                            row=int(df.index[i]) + 2,
                            column=col,
                            value=str(df[col].iat[i])[:60],
                            hint='a stray double quote (") may have swallowed the rows after it; '
                            "check this row in a text editor",
                        )
                    )
                if len(long) > 5:
                    problems.append(
                        more_problems(label, len(long) - 5, "over-long cells in this column", column=col)
                    )
    df.attrs["problems"] = problems
    df.attrs["footer"] = footer
    return df


def report_footer_rows(df: pd.DataFrame, filled: np.ndarray | None = None) -> list[int]:
    """Positions of the report footer at the end of ``df``: known footer lines only.

    A footer line has text in its first cell and nothing in the others, and is one of the
    lines a Salesforce report export appends (``Grand Totals (N records)``, ``Total``,
    ``Confidential Information - Do Not Distribute``, ``Copyright (c) ... salesforce.com``).
    Only the lines after the last row that is anything else count, so an account row is
    never taken for a footer, wherever it is and whatever it is called.
    """
    if len(df.columns) < 2 or not len(df):
        return []
    if filled is None:
        filled = (df.astype(str).apply(lambda s: s.str.strip()) != "").any(axis=1).to_numpy()
    out: list[int] = []
    for i in np.flatnonzero(filled)[::-1]:
        others_empty = all(str(df.iat[i, j]).strip() == "" for j in range(1, len(df.columns)))
        if others_empty and FOOTER_LINE.fullmatch(str(df.iat[i, 0]).strip()):
            out.append(int(i))
        else:
            break
    return out


def _totals_row(df: pd.DataFrame, filled: np.ndarray, label: str) -> list[Problem]:
    """A last row that sums the columns above it ("Total", "Grand Total" and numbers)."""
    last = np.flatnonzero(filled)
    if not len(last) or len(df.columns) < 2:
        return []
    i = int(last[-1])
    cells = [str(df.iat[i, j]).strip() for j in range(len(df.columns))]
    words = [c for c in cells if c]
    # "Total" in the first column and nothing but numbers after it: the sums of the columns.
    if not TOTALS_WORD.fullmatch(cells[0]) or len(words) < 2:
        return []
    if not all(re.fullmatch(r"[-+$€£(]*[\d,. ]+[)%kKmM]*", w) for w in words[1:]):
        return []
    return [
        Problem(
            label,
            f"the last row looks like a totals row ('{words[0]}'), not an account",
            row=int(df.index[i]) + 2,
            value=" | ".join(words[:4]),
            hint="delete the totals row: read as an account it would add its sums to the plan",
        )
    ]


def _decode(raw: bytes, label: str) -> str:
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        # Excel's "Unicode text" export: UTF-16 with a byte-order mark, usually tab-separated.
        try:
            text = raw.decode("utf-16")
        except UnicodeDecodeError:
            raise InputError(
                [
                    Problem(
                        label,
                        "starts like UTF-16 text but cannot be decoded as UTF-16",
                        hint="save the file as 'CSV UTF-8' in Excel",
                    )
                ]
            ) from None
        if "\x00" in text:
            line = text[: text.index("\x00")].count("\n") + 1
            raise InputError([_nul_problem(label, line)])
        return text
    # A NUL anywhere in the file (not only near the start) means binary data.
    first_nul = raw.find(b"\x00")
    if first_nul >= 0:
        nul = raw.count(b"\x00", 0, 1 << 16)
        looks16 = nul * 3 > min(len(raw), 1 << 16)
        line = raw[:first_nul].count(b"\n") + 1
        raise InputError(
            [
                Problem(
                    label,
                    "looks like UTF-16 text without a byte-order mark"
                    if looks16
                    else f"contains NUL bytes (binary data) on line {line}",
                    row=None if looks16 else line,
                    hint="save the file as 'CSV UTF-8' in Excel"
                    if looks16
                    else "this does not look like a CSV export; export the data again as CSV or XLSX",
                )
            ]
        )
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        line = raw[: e.start].count(b"\n") + 1
        lo = raw.rfind(b"\n", 0, e.start) + 1
        hi = raw.find(b"\n", e.start)
        snippet = raw[lo : hi if hi >= 0 else len(raw)].decode("latin-1").strip()[:60]
        raise InputError(
            [
                Problem(
                    label,
                    f"not UTF-8 text (byte 0x{raw[e.start]:02x} on line {line}); it looks like a "
                    "Windows/Latin-1 export",
                    row=line,
                    value=snippet,
                    hint="save the file as 'CSV UTF-8' in Excel, or convert it, e.g. "
                    "iconv -f latin1 -t utf-8 in.csv > out.csv",
                )
            ]
        ) from None


def _nul_problem(label: str, line: int) -> Problem:
    return Problem(
        label,
        f"contains NUL bytes (binary data) on line {line}",
        row=line,
        hint="this does not look like a CSV export; export the data again as CSV or XLSX",
    )


def _read_csv(path: Path, limits: ReadLimits) -> pd.DataFrame:
    label = str(path)
    with open(path, "rb") as fh:  # the size was checked; a file that grew is cut at the limit
        raw = fh.read(limits.max_bytes + 1)
    if len(raw) > limits.max_bytes:
        raise InputError([Problem(label, f"grew past {limits.mb} while it was read (inputs.max_file_mb)")])
    if _blank(raw):
        raise InputError([Problem(label, "file is empty", hint="export the data again with a header row")])
    lines = raw.count(b"\n")
    if lines - 1 > limits.max_rows:  # each row takes at least one line
        # (a quoted cell may hold line breaks, so count the records before refusing)
        records = _count_records(raw, limits.max_rows + 2)
        if records - 1 > limits.max_rows:
            raise InputError([too_many_rows(label, records - 1, limits, at_least=True)])
    header_end = _header_over_empty_lines(raw)
    if header_end is not None:  # read as the header alone: the rows below it would all be dropped
        raw, lines = raw[:header_end], 1
    fast = read_well_formed(raw, lines)  # pyarrow, for files that need none of the checks below
    if fast is not None:
        fast.attrs["problems"] = []
        return fast
    text = _decode(raw, label)
    del raw
    first_line = text.split("\n", 1)[0]
    sep_line = re.fullmatch(r"\s*sep=(.)\s*", first_line)
    if sep_line:
        # Excel's separator hint ("sep=;"), which Excel hides: the header is the next line.
        text = text.split("\n", 1)[1] if "\n" in text else ""
        first_line = text.split("\n", 1)[0]
    delimiter = sep_line.group(1) if sep_line else sniff_delimiter(first_line)
    header = _header_record(text, delimiter)
    check_columns(label, len(header or ()))  # before pandas spends minutes on it
    try:
        df = pd.read_csv(
            io.StringIO(text),
            dtype=str,
            keep_default_na=False,
            na_filter=False,
            sep=delimiter,
            quotechar='"',
            skipinitialspace=False,
            skip_blank_lines=False,
            engine="c",
        )
    except (pd.errors.ParserError, csv.Error) as e:
        msg = str(e).replace("Error tokenizing data. C error: ", "")
        row = None
        hint = "check for an unclosed quote or a row with extra separators"
        m = re.search(r"Expected (\d+) fields in line (\d+), saw (\d+)", msg)
        if m:
            row = int(m.group(2))
            msg = f"row has {m.group(3)} fields but the header has {m.group(1)}"
            hint = (
                f"a value containing the separator '{delimiter}' (often a name or an amount "
                "like 1,200) must be in double quotes; re-export with quoting on"
            )
            if m.group(1) == "1":  # one cell on the first line: a report's title, not a header
                msg += f" ({first_line.strip()[:60]!r}): the first line looks like a report's title, not the header"
                hint = (
                    "delete the lines above the header so it is the first line (a Salesforce report: "
                    "export it as 'Details Only'), then read the file again"
                )
        m = re.search(r"EOF inside string starting at row (\d+)", msg)
        if m:
            row = int(m.group(1)) + 1
            msg = "a double quote opened on this row is never closed: the file may be truncated"
            hint = 're-export the file; if it is complete, close the quote or double it ("")'
        raise InputError([Problem(label, f"cannot parse as CSV: {msg}", row=row, hint=hint)]) from None
    except pd.errors.EmptyDataError:
        raise InputError([Problem(label, "file has no header row")]) from None
    # pandas pads a short row with empty cells; only then (last column has an empty cell)
    # is the slower record-by-record check worth running.
    if len(df) and len(df.columns) > 1 and df.iloc[:, -1].eq("").any():
        problems = _short_rows(text, delimiter, len(df.columns), label)
        if problems:
            raise InputError(problems)
    # Every row takes at least one line; with no more line breaks than rows no cell holds
    # one, and the per-column search for swallowed rows can be skipped (1 s at 10^6 rows).
    lines = text.count("\n") + (0 if text.endswith("\n") else 1)
    multiline = lines > len(df) + 1
    problems = _swallowed_rows(df, delimiter, label) if multiline else []
    if header is not None and len(header) == len(df.columns):
        df.columns = header  # as written: pandas renames a repeated 'x' to 'x.1'
    df.attrs["problems"] = problems
    df.attrs["delimiter"] = delimiter  # ';' is European Excel's, where a dot groups thousands
    return df


def _header_over_empty_lines(raw: bytes) -> int | None:
    """Where the header line ends when every line below it is empty ("\\n" or "\\r\\n", as a
    sheet with formatted but empty rows saves): the careful reader would read each as a row
    and drop it, seconds at 10^6 lines, to say there is no data row. None otherwise."""
    end = raw.find(b"\n")
    if end < 0 or raw[end + 1 : end + 2] not in (b"\n", b"\r"):  # (data on the second line)
        return None
    first = raw[:end].removeprefix(b"\xef\xbb\xbf")
    if first.count(b'"') % 2 or re.fullmatch(rb"\s*sep=.\s*", first):
        return None  # a header spanning lines, or Excel's sep= line above the header
    if not re.sub(rb'[\s",;]', b"", first):
        return None  # no column named: the careful reader keeps the rows (and says so)
    if raw[end + 1 :].replace(b"\r\n", b"\n").strip(b"\n"):
        return None
    return end + 1


_NOT_TEXT = b"\xef\xbb\xbf\xff\xfe\x00 \t\r\n"  # what a file holding no text is made of


def _blank(raw: bytes) -> bool:
    """Only white space, NUL bytes and byte-order marks (looked at in full only when the
    first 64 kB hold nothing else)."""
    if raw[: 1 << 16].strip().strip(_NOT_TEXT):  # a byte of text: neither white space nor the rest
        return False
    return not raw.strip() or not raw.strip(_NOT_TEXT)


def _header_record(text: str, delimiter: str) -> list[str] | None:
    try:
        return next(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
    except (csv.Error, StopIteration):
        return None


def _count_records(raw: bytes, stop: int) -> int:
    """CSV records in ``raw`` (quoted line breaks do not end one), counting up to ``stop``."""
    n = 0
    for _ in csv.reader(io.StringIO(raw.decode("utf-8", "replace"), newline="")):
        n += 1
        if n >= stop:
            break
    return n


def _swallowed_rows(df: pd.DataFrame, delimiter: str, label: str) -> list[Problem]:
    """Cells that hold whole rows: a stray quote made the parser read on to the next quote.

    A real multi-line cell (an address) does not hold lines with a full row's worth of
    separators; a swallowed row does. Without this check the swallowed accounts vanish.
    """
    problems: list[Problem] = []
    need = max(len(df.columns) - 1, 2)
    for col in df.columns:
        s = df[col]
        multi = s.str.contains("\n", regex=False)
        if not multi.any():
            continue
        for i in np.flatnonzero(multi.to_numpy()):
            cell = str(s.iat[i])
            rows_inside = [ln for ln in cell.split("\n")[1:] if ln.count(delimiter) >= need]
            if rows_inside:
                problems.append(
                    Problem(
                        label,
                        f"a double quote in column '{col}' is not closed on its own row, so "
                        f"{len(rows_inside)} following row(s) were read into this one cell",
                        row=int(df.index[i]) + 2,
                        column=str(col),
                        value=cell.split("\n")[0][:60],
                        hint='remove the stray " or double it ("") where it is part of the text, '
                        "then export again",
                    )
                )
    if len(problems) > 20:  # one stray quote can swallow rows in many columns
        return problems[:20] + [more_problems(label, len(problems) - 20, "cells that swallowed rows")]
    return problems


def _short_rows(text: str, delimiter: str, n_fields: int, label: str) -> list[Problem]:
    """Rows with fewer fields than the header (pandas pads them silently); a cut-off file."""
    problems: list[Problem] = []
    if n_fields <= 1:
        return problems
    short = []
    last = 0
    try:
        records = list(enumerate(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)))
    except csv.Error as e:
        return [
            Problem(
                label, f"cannot parse as CSV: {e}", hint="check for an unclosed quote or a stray line break"
            )
        ]
    for i, rec in records:
        last = i + 1
        if 0 < len(rec) < n_fields and not (len(rec) == 1 and rec[0] == ""):
            if len(rec) == 1 and FOOTER_LINE.fullmatch(rec[0].strip()):
                continue
            short.append((i + 1, len(rec)))
    if not short:
        return problems
    cut = not text.endswith(("\n", "\r")) and short[-1][0] == last
    for row, n in short[:20]:
        problems.append(
            Problem(
                label,
                f"row has {n} fields but the header has {n_fields}"
                + ("; the file looks cut off (truncated)" if cut and row == last else ""),
                row=row,
                hint="re-export the file completely"
                if cut and row == last
                else "a row is missing cells; check it for a stray line break",
            )
        )
    if len(short) > 20:
        problems.append(more_problems(label, len(short) - 20, "short rows"))
    return problems


def _read_xlsx(path: Path, sheet: str | int | None, limits: ReadLimits) -> pd.DataFrame:
    label = str(path)
    scan = scan_xlsx(path, limits)  # sizes and row counts first: a zip bomb stops here
    try:
        book = pd.read_excel(
            path,
            sheet_name=None,
            header=None,
            dtype=str,
            keep_default_na=False,
            na_filter=False,
            engine="openpyxl",
        )
    except Exception as e:  # noqa: BLE001 - openpyxl raises many types for bad files
        raise InputError(
            [
                Problem(
                    label,
                    f"cannot read as an Excel workbook: {type(e).__name__}: {e}",
                    hint="open it in Excel and save it again as .xlsx, or as 'CSV UTF-8'",
                )
            ]
        ) from None
    names = list(book)
    if sheet is None:
        # Blank sheets (Excel's default "Sheet2", "Sheet3") do not make the choice ambiguous.
        used = [n for n in names if len(book[n].columns) or len(book[n])]
        if len(used) > 1:
            shown = [f"{n} (hidden)" if n in scan.hidden else n for n in used]
            shown_hidden = [n for n in used if n in scan.hidden]
            raise InputError(
                [
                    Problem(
                        label,
                        f"workbook has {len(used)} sheets with data ({', '.join(shown)}); "
                        "which one holds the data is not clear"
                        + (
                            f" (Excel does not show hidden sheets: Home > Format > Hide & Unhide > Unhide "
                            f"Sheet shows {', '.join(repr(n) for n in shown_hidden)})"
                            if shown_hidden
                            else ""
                        ),
                        hint=f"for the accounts, name the sheet to read: --sheet {shlex.quote(([n for n in used if n not in scan.hidden] or used)[0])} "
                        "(inputs.sheet in plan.toml); or delete the other sheets, or save the data sheet "
                        "on its own (File > Save As > CSV UTF-8)",
                    )
                ]
            )
        if not used:
            raise InputError(
                [
                    Problem(
                        label,
                        "workbook has no data in any sheet",
                        hint="export the data again with a header row",
                    )
                ]
            )
        key = used[0]
    else:
        key = names[sheet] if isinstance(sheet, int) and sheet < len(names) else sheet
        if key not in book:
            raise InputError(
                [Problem(label, f"no sheet named {sheet!r}", hint=f"sheets: {', '.join(names)}")]
            )
    grid = book[key]
    grid = grid.astype(str).where(grid.notna(), "")
    # The first row is the header, taken as written (pandas would rename a repeated 'x' 'x.1').
    headers = [str(h) for h in grid.iloc[0].tolist()] if len(grid) else [str(c) for c in grid.columns]
    df = grid.iloc[1:].reset_index(drop=True)
    df.columns = headers
    df.attrs["problems"] = (
        formula_problems(label, scan.unsaved.get(str(key), []), headers)
        + merged_problems(label, scan.merged.get(str(key), []), headers)
        + hidden_row_problems(label, scan.hidden_rows.get(str(key), []))
        + nul_problems(df, label)
    )
    return df


# A mapping to this target keeps the column as it is, uninterpreted, and says so on purpose
# (an owner-like or unknown roster column must be mapped or declared ignored).
IGNORE = "ignore"


def columns_section(spec: Mapping[str, tuple[str, ...]]) -> str | None:
    """The plan.toml table that maps this file's headers: 'accounts', 'roster' or None."""
    return {id(ACCOUNT_COLUMNS): "accounts", id(REP_COLUMNS): "roster"}.get(id(spec))


def canonicalise_headers(
    df: pd.DataFrame,
    spec: Mapping[str, tuple[str, ...]],
    file: str,
    mapping: Mapping[str, str] | None = None,
) -> tuple[pd.DataFrame, list[Problem]]:
    """Rename headers to canonical names; report repeated and ambiguous headers.

    ``mapping`` (header -> canonical column, or ``"ignore"``) wins over the built-in
    spellings. A header mapped to ``"ignore"`` keeps its name and is recorded in
    ``df.attrs["ignored"]``.
    """
    problems: list[Problem] = []
    headers = [str(h) for h in df.columns]
    if len(set(headers)) < len(headers):  # e.g. a SQL query selecting two columns named id
        headers, problems = unique_headers(headers, file)
    stripped = [h.strip().lstrip("\ufeff") for h in headers]
    user_map = {_key(k): v for k, v in (mapping or {}).items()}
    alias_keys = {canon: {_key(a) for a in aliases} for canon, aliases in spec.items()}
    rename: list[str] = []
    claimed: dict[str, str] = {}
    ignored: list[str] = []
    conflicts: list[str] = []
    for h in stripped:
        k = _key(h)
        target = user_map.get(k)
        if target == IGNORE:
            ignored.append(h)
            rename.append(h)
            continue
        if target is None:
            target = next((canon for canon, keys in alias_keys.items() if k in keys), None)
        if target is None:
            rename.append(h)
            continue
        if target in claimed:
            conflicts.append(h)
            section = columns_section(spec)
            problems.append(
                Problem(
                    file,
                    f"columns '{claimed[target]}' and '{h}' both look like '{target}'",
                    row=1,
                    column=h,
                    hint=(
                        f'keep one: map the other to "ignore" in plan.toml [columns.{section}] (e.g. '
                        f'"{h}" = "ignore"), or --set "columns.{section}.{h}=ignore"; or rename one of them'
                        if section
                        else "keep one: delete or rename the other"
                    ),
                )
            )
            rename.append(h)
            continue
        claimed[target] = h
        rename.append(target)
    out = copy_frame(df)
    out.columns = rename
    out.attrs["ignored"] = ignored
    out.attrs["conflicts"] = conflicts
    out.attrs["claimed"] = claimed
    return out, problems


def _words(header: str) -> list[str]:
    """A header's words: 'Sales Region' -> sales, region; 'BillingState' -> billing, state."""
    spaced = re.sub(r"(?<=[a-z])(?=[A-Z])", " ", header.strip())
    return [w for w in re.split(r"[^0-9a-zA-Z]+", spaced.lower()) if w]


def looks_like(header: str, spec: Mapping[str, tuple[str, ...]]) -> list[str]:
    """The canonical columns a header that matched none looks like (may be empty).

    A header looks like a column when one of its words is that column's name or one of its
    one-word spellings ('Sales Region' -> region, 'REGION__C' -> region, 'Rep Email' ->
    email), or when it is a near miss of a spelling ('Regoin' -> region).
    """
    return list(_looks_like(header, _spec_key(spec)))


def _spec_key(spec: Mapping[str, tuple[str, ...]]) -> tuple[tuple[str, tuple[str, ...]], ...]:
    return tuple((canon, tuple(aliases)) for canon, aliases in spec.items())


# Cached per header and spec: a file with thousands of columns asks once per column and
# canonical name (a 16,000-column file took minutes before).
@functools.lru_cache(maxsize=65_536)
def _looks_like(header: str, spec: tuple[tuple[str, tuple[str, ...]], ...]) -> tuple[str, ...]:
    words = set(_words(header))
    single, keys = _spec_index(spec)
    out = tuple(canon for canon, names in single if words & names)
    if out:
        return out
    import difflib

    close = difflib.get_close_matches(_key(header), list(keys), n=1, cutoff=0.8)
    return (keys[close[0]],) if close else ()


@functools.lru_cache(maxsize=16)
def _spec_index(
    spec: tuple[tuple[str, tuple[str, ...]], ...],
) -> tuple[tuple[tuple[str, frozenset[str]], ...], dict[str, str]]:
    """Per canonical column, its one-word spellings; and every spelling's key -> column."""
    single = []
    for canon, aliases in spec:
        keys = {_key(a) for a in (canon, *aliases)}
        single.append((canon, frozenset(k for k in keys if re.fullmatch(r"[a-z]+", k))))
    keys_to = {_key(a): canon for canon, aliases in spec for a in (canon, *aliases)}
    return tuple(single), keys_to


def columns_found(raw: pd.DataFrame, limit: int = 30) -> str:
    cols = [str(c) for c in raw.columns if not str(c).startswith("(no header")]
    shown = ", ".join(cols[:limit])
    return shown + (f" and {len(cols) - limit} more" if len(cols) > limit else "")


def missing_columns_problem(
    label: str,
    raw: pd.DataFrame,
    table: pd.DataFrame,
    spec: Mapping[str, tuple[str, ...]],
    required: tuple[str, ...],
    hint: str,
) -> Problem | None:
    """The problem of a small side file (locks, requests) that lacks a required column, or
    None; ``hint`` says what the file holds, the closest header follows it."""
    missing = [c for c in required if c not in table.columns]
    if not missing:
        return None
    return Problem(
        label,
        f"required column{'s' if len(missing) > 1 else ''} "
        f"{', '.join(repr(m) for m in missing)} {'are' if len(missing) > 1 else 'is'} missing",
        row=1,
        hint=hint + missing_column_hint(raw, spec, missing[0]),
    )


def missing_column_hint(raw: pd.DataFrame, spec: Mapping[str, tuple[str, ...]], canon: str) -> str:
    """ "columns found: ...", and which of them looks like ``canon`` with how to map it.

    Only a column that is not read already is suggested ('parent_id' is the parent, whatever
    its 'id' looks like); the map goes in [columns.accounts] or [columns.roster].
    """
    known = {_key(a) for canon_, aliases in spec.items() for a in (canon_, *aliases)}
    candidates = [
        str(c) for c in raw.columns if _key(str(c)) not in known and canon in looks_like(str(c), spec)
    ]
    text = f"columns found: {columns_found(raw)}."
    if candidates:
        c = candidates[0]
        section = columns_section(spec)
        if section:
            text += (
                f' \'{c}\' looks like {canon}: map it with [columns.{section}] "{c}" = "{canon}" in '
                f'plan.toml, or --set "columns.{section}.{c}={canon}"'
            )
        else:
            text += f" '{c}' looks like {canon}: name the column {canon}"
    return text


def parse_number(series: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Parse money/number text: '1,200', '$1.2M', '36.9 Million', '2.5k', '(300)'.

    Returns (values as float64 with NaN for empty, mask of cells that are not numbers).
    """
    s = strip_text(series)
    # Plain decimals (nearly every cell of an export) are read by pyarrow in one pass;
    # only the other cells go through the rules below.
    values = plain_decimals(s)
    todo = np.isnan(values) & s.ne("").to_numpy(dtype=bool)
    if todo.any():  # '$1,200.50' and '1,200': a currency-formatted export's every cell
        grouped = np.flatnonzero(todo)
        values[grouped] = grouped_amounts(s.to_numpy(dtype=object)[grouped])
        todo = np.isnan(values) & todo
    bad = np.zeros(len(s), dtype=bool)
    if todo.any():
        rest_values, rest_bad = _parse_number_cells(s[todo])
        values[todo] = rest_values.to_numpy(dtype=float, na_value=np.nan)
        bad[todo] = rest_bad.to_numpy(dtype=bool)
    return pd.Series(values, index=s.index), pd.Series(bad, index=s.index)


def _parse_number_cells(s: pd.Series) -> tuple[pd.Series, pd.Series]:
    """``parse_number`` for stripped cells that are not plain decimals."""
    # Fast path: most cells are plain numbers; only the rest go through the text rules below
    # (which run row by row in Python and would take a minute on a million rows).
    fast = pd.to_numeric(s, errors="coerce").astype("float64")
    rest = fast.isna() & s.ne("")
    if not rest.any():
        bad = pd.Series(np.isinf(fast.to_numpy()), index=s.index)
        return fast.where(~bad), bad
    if rest.sum() < len(s):
        slow_values, slow_bad = _parse_number_text(s[rest])
        values = fast.copy()
        values[rest] = slow_values
        bad = pd.Series(np.isinf(fast.to_numpy()), index=s.index)
        bad[rest] = slow_bad
        return values.where(~bad), bad
    return _parse_number_text(s)


def _parse_number_text(s: pd.Series) -> tuple[pd.Series, pd.Series]:
    empty = s.eq("") | s.str.lower().isin(EMPTY_WORDS)
    t = s.str.replace(CURRENCY_MARK, "", regex=True, case=False)
    t = t.str.replace(r"(?<=\d)[,\u00a0\u202f '’](?=\d{3}\b)", "", regex=True)
    t = t.str.replace("$", "", regex=False)
    mult = pd.Series(1.0, index=s.index)
    lower = t.str.lower()
    for pattern, factor in (
        (r"\s*(?:k|thousand)$", 1e3),
        (r"\s*(?:m|mm|mn|million)$", 1e6),
        (r"\s*(?:b|bn|billion)$", 1e9),
    ):
        hit = lower.str.contains(pattern, regex=True)
        mult = mult.where(~hit, factor)
        t = t.where(~hit, lower.str.replace(pattern, "", regex=True))
        lower = t.str.lower()
    neg = t.str.fullmatch(r"\(.*\)")
    t = t.where(~neg, "-" + t.str.slice(1, -1))
    # pandas would read "nan", "inf" and "infinity" as numbers; in a CRM export they are a
    # broken formula or a bad join, never a real amount.
    t = t.where(~t.str.strip().str.lower().str.lstrip("+-").isin(["nan", "inf", "infinity"]), "x")
    values = pd.to_numeric(t, errors="coerce").astype("float64") * mult
    bad = values.isna() & ~empty
    inf = np.isinf(values.to_numpy())
    bad = bad | pd.Series(inf, index=s.index)
    values = values.where(~(empty | bad))
    return values, bad


def number_problems(
    file: str,
    df: pd.DataFrame,
    column: str,
    bad: pd.Series,
    what: str = "a number",
    example: str = "1200 or 1.2M",
) -> list[Problem]:
    """One problem per bad cell, worded for the kind of mistake (percent, NaN, decimal comma)."""
    out: list[Problem] = []
    idx = np.flatnonzero(bad.to_numpy())
    rows = spreadsheet_rows(df)
    for i in idx[:20]:
        v = str(df[column].iat[i])
        low = v.strip().lower().lstrip("+-")
        if v.strip().endswith("%"):
            msg, hint = (
                f"'{column}' is a percentage, not {what}",
                f"give {column} as an amount such as {example}; a share of a total "
                "cannot be balanced across reps",
            )
        elif low in ("nan", "inf", "infinity"):
            msg, hint = (
                f"'{column}' is '{v.strip()}', not {what}",
                "this usually comes from a broken formula or join in the export; "
                "leave the cell empty if the value is unknown",
            )
        elif re.fullmatch(r"-?\d{1,3}(\.\d{3})*,\d+", v.strip()) or re.fullmatch(r"-?\d+,\d{1,2}", v.strip()):
            msg, hint = (
                f"'{column}' uses a decimal comma",
                "export numbers with a dot as the decimal mark (e.g. 1200.50)",
            )
        elif re.fullmatch(r"-?[1-9]\d{0,2}(\.\d{3}){2,}", v.strip()):
            msg, hint = (
                f"'{column}' uses dots to group thousands",
                "export the numbers without thousands separators and with a dot as the decimal "
                "mark (e.g. 1234567 or 1200.50)",
            )
        elif re.fullmatch(r"#\w+[!?/]?\w*[!?]?", v.strip()):
            msg, hint = (
                f"'{column}' holds a spreadsheet error ({v.strip()})",
                "fix the formula in the source sheet, or leave the cell empty",
            )
        else:
            msg, hint = f"'{column}' is not {what}", f"use plain numbers such as {example}"
        out.append(Problem(file, msg, row=int(rows[i]), column=column, value=v, hint=hint))
    if len(idx) > 20:
        out.append(more_problems(file, len(idx) - 20, f"rows like this in column '{column}'", column=column))
    return out


def parse_bool(series: pd.Series) -> tuple[pd.Series, pd.Series]:
    s = series.astype(str).str.strip().str.lower()
    true = s.isin(TRUE_WORDS)
    bad = ~(true | s.isin(FALSE_WORDS))
    return true, bad


def parse_tier(series: pd.Series) -> tuple[pd.Series, pd.Series, pd.Series]:
    """Accept 1/2/3, '1.0', 'Tier 1', 'T1'; returns (tier Int8 with NA for empty, bad mask, empty mask)."""
    if series.isin(["1", "2", "3"]).all():  # the usual column: no text to take apart
        none = pd.Series(False, index=series.index)
        return pd.Series(whole_numbers(series, np.int8), index=series.index, dtype="Int8"), none, none
    s = series.astype(str).str.strip().str.lower()
    s = s.str.replace(r"^(tier|t)[\s_-]*", "", regex=True).str.replace(r"\.0+$", "", regex=True)
    empty = s.eq("")
    ok = s.isin(["1", "2", "3"])
    tier = pd.Series(pd.NA, index=s.index, dtype="Int8")
    tier[ok] = s[ok].astype(int)
    return tier, ~ok & ~empty, empty


def _bad_cells(
    file: str, df: pd.DataFrame, column: str, mask: pd.Series, message: str, hint: str, limit: int = 20
) -> list[Problem]:
    out: list[Problem] = []
    idx = np.flatnonzero(mask.to_numpy())
    rows = spreadsheet_rows(df)
    for i in idx[:limit]:
        out.append(
            Problem(file, message, row=int(rows[i]), column=column, value=str(df[column].iat[i]), hint=hint)
        )
    if len(idx) > limit:
        out.append(
            more_problems(
                file, len(idx) - limit, f"rows like this in column '{column}'", column=column, hint=hint
            )
        )
    return out


@dataclass(frozen=True)
class Headers:
    """What became of the header row: ignored on purpose, left unread, read as which column."""

    ignored: list[str]
    unread: list[str]
    read_from: dict[str, str]  # canonical column -> the header it was read from


def _start(
    raw: pd.DataFrame, spec: Mapping[str, tuple[str, ...]], file: str, mapping: Mapping[str, str] | None
) -> tuple[pd.DataFrame, list[Problem], Headers]:
    """Canonical headers, the ``_row`` column, and the problems ``read_table`` found.

    Also says which headers the user declared ignored, which matched no canonical column
    (for the parser's checks on what was left unread) and where each column was read from.
    """
    df, problems = canonicalise_headers(raw, spec, file, mapping)
    ignored = list(df.attrs.get("ignored", []))
    claimed = dict(df.attrs.get("claimed", {}))
    conflicts = set(df.attrs.get("conflicts", []))
    problems = list(raw.attrs.get("problems", [])) + problems
    if "_row" in raw.columns and not pd.api.types.is_integer_dtype(raw.index):
        rows = np.arange(len(raw), dtype=np.int64) + 2
    elif pd.api.types.is_integer_dtype(raw.index):
        rows = np.asarray(raw.index, dtype=np.int64) + 2
    else:
        rows = np.arange(len(raw), dtype=np.int64) + 2
    df = df.reset_index(drop=True)
    df, renamed = _protect_internal_names(df, file, spec)
    problems += renamed
    unread = [c for c in df.columns if c not in spec and c not in ignored and c not in conflicts]
    df["_row"] = rows
    df.attrs = {}
    return df, problems, Headers(ignored, unread, claimed)


# Columns territory adds to the accounts or writes into assignments.csv itself, and the
# names starting with "_" (the loader's "_row"; a name territory may take for itself). An
# input column by one of these names would be overwritten, or would be taken for territory's
# own: it is renamed "input_<name>" and kept as an extra column, with a warning.
RESERVED_COLUMNS = frozenset(
    {
        "family_id",
        "previous_owner_id",
        "moved",
        "reason",
        "why",
        "owner_name",
        "previous_owner_name",
        "product",
        "pool",
    }
)


def _protect_internal_names(
    df: pd.DataFrame, file: str, spec: Mapping[str, tuple[str, ...]]
) -> tuple[pd.DataFrame, list[Problem]]:
    clash = [c for c in df.columns if (c in RESERVED_COLUMNS and c not in spec) or c.startswith("_")]
    if not clash:
        return df, []
    taken = set(df.columns)
    rename: dict[str, str] = {}
    for c in clash:
        new = f"input_{c}"
        while new in taken:
            new = f"input_{new}"
        taken.add(new)
        rename[c] = new
    shown = ", ".join(f"'{a}' as '{b}'" for a, b in rename.items())
    return df.rename(columns=rename), [
        Problem(
            file,
            f"column{'s' if len(clash) > 1 else ''} {', '.join(repr(c) for c in clash)} "
            f"{'have names' if len(clash) > 1 else 'has a name'} territory uses for its own "
            f"columns; kept as extra column{'s' if len(clash) > 1 else ''}: {shown}",
            row=1,
            severity="warning",
            hint="territory computes these itself (a plan's assignments.csv given back as input "
            "has them); rename the column in the file if the new name does not suit you",
        )
    ]


# Excel shows a long number as 1.23457E+11 and saves it that way: the id's digits are gone.
_SCI_ID = r"[+-]?\d(?:[.,]\d+)?[eE][+-]?\d+"

# US states whose ZIP codes start with 0 (a ZIP read as a number loses it: 07407 -> 7407).
ZERO_ZIP_STATES = {"CT", "MA", "ME", "NH", "NJ", "PR", "RI", "VT", "VI", "AE", "APO"}


def _id_problems(file: str, df: pd.DataFrame, column: str, what: str) -> list[Problem]:
    ids = df[column]
    problems = _bad_cells(
        file,
        df,
        column,
        ids.str.fullmatch(_SCI_ID),
        f"{column} is in scientific notation",
        f"Excel rounded this {what} id and its real digits are lost; format the column as "
        "Text before saving, or export straight from the CRM",
    )
    formula = ids.str.len().gt(0) & ids.str[0].isin(list("=+-@\t\r"))
    if formula.any():
        first = int(np.flatnonzero(formula.to_numpy())[0])
        problems.append(
            Problem(
                file,
                f"{int(formula.sum())} {column} value(s) start with a formula character "
                "(= + - @); output files write them with a leading ' so no spreadsheet runs them",
                row=int(spreadsheet_rows(df)[first]),
                column=column,
                value=str(ids.iat[first]),
                severity="warning",
                hint="strip the ' again before loading owner_changes.csv into the CRM",
            )
        )
    return problems


def _postal_warnings(file: str, df: pd.DataFrame) -> list[Problem]:
    """ZIP codes that lost their leading zero (stored as numbers somewhere upstream)."""
    if "postal_code" not in df.columns:
        return []
    pc = df["postal_code"]
    us = pd.Series(True, index=df.index)
    if "country" in df.columns:
        c = df["country"].str.strip().str.upper()
        us = c.isin(["", "US", "USA", "UNITED STATES", "UNITED STATES OF AMERICA", "U.S.", "U.S.A."])
    # '2134', '2134-1234' and Excel's '2134.0' alike (as territory.geo.places.us_zip reads them),
    # so this count and the geography's "had lost leading zeros" count agree
    short = us & pc.str.strip().str.fullmatch(r"\d{3,4}(?:\.0+|[ -]\d{4})?")
    if not short.any():
        return []
    idx = np.flatnonzero(short.to_numpy())
    first = int(idx[0])
    state = str(df["state"].iat[first]).strip().upper() if "state" in df.columns else ""
    where = f" (a {state} ZIP starts with 0)" if state in ZERO_ZIP_STATES else ""
    value = str(pc.iat[first])
    fixed = re.split(r"[ .-]", value.strip())[0].zfill(5)
    return [
        Problem(
            file,
            f"{len(idx)} US postal code(s) have fewer than 5 digits{where}; they probably lost "
            "a leading zero when the file passed through a spreadsheet",
            row=int(spreadsheet_rows(df)[first]),
            column="postal_code",
            value=value,
            severity="warning",
            hint=f"'{value}' is probably '{fixed}'; format the column as Text before saving, or "
            "export straight from the CRM",
        )
    ]


def _swapped(
    raw: pd.DataFrame, file: str, missing: str, marks: tuple[str, ...], other: str
) -> Problem | None:
    """The one problem of a file that has the other file's columns (``marks``) and lacks its
    own id column ``missing``: the two were given the other way round. What else is wrong
    with it (its columns 'look like' an owner, an id) follows from that, so it is not listed."""
    found = [str(c) for c in raw.columns if _key(str(c)) in {_key(m) for m in marks}]
    if not found:
        return None
    return Problem(
        file,
        f"this looks like the {other} (it has {', '.join(found)}), not the "
        f"{'accounts file' if missing == 'account_id' else 'roster'}: are the accounts and roster swapped?",
        row=1,
        hint="give the accounts first: territory plan ACCOUNTS ROSTER --out DIR",
    )


def _header_below(
    raw: pd.DataFrame, file: str, spec: Mapping[str, tuple[str, ...]], missing: str
) -> Problem | None:
    """The one problem of a file whose header row is not its first: a report's title rows
    above the table ('Accounts by Region - Q1', 'Generated ...'), so the title was read as
    the header. Found when a row of the first 30 holds the missing id column's header."""
    names = {_key(a) for a in spec.get(missing, (missing,))} | {_key(missing)}
    head = raw.iloc[:30]
    for p in range(len(head)):
        cells = [str(v).strip() for v in head.iloc[p].tolist()]
        if not any(_key(c) in names for c in cells if c):
            continue
        index = raw.index
        row = int(index[p]) + 2 if pd.api.types.is_integer_dtype(index) else p + 2
        shown = ", ".join(repr(c) for c in cells if c)
        above = "row 1" if row == 2 else f"rows 1-{row - 1}"
        return Problem(
            file,
            f"the header is on row {row}, not row 1 ({shown[:200]}); {above} above it "
            + (
                "looks like a report's title, so it was"
                if row == 2
                else "look like a report's title, so they were"
            )
            + " read as the header",
            row=row,
            hint=f"delete {above} so the header is the first row (a Salesforce report: export it as "
            "'Details Only'), then read the file again",
        )
    return None


# Headers that name who owns an account: 'Account Owner', 'Owner', 'Company owner', 'Owner Id',
# 'Sales Rep', 'Account Manager', 'AE', ... (compared as ``_key``: lower case, no spaces).
OWNER_LIKE = re.compile(
    r"owner|salesrep|salesperson|accountmanager|accountexecutive|assignedto|"
    r"^(rep|reps|ae|am)(id|name|email)?$"
)
# ... but a date or time about the owner ('Owner Assigned Date' in HubSpot exports) is not one.
OWNER_WHEN = re.compile(r"date|time|since")

# Canonical account columns whose silent absence changes the plan: a header that looks like
# one of them but is not read is an error (the 'Sales Region' that made every account regionless).
_MUST_NOT_MISS = ("region", "tier", "potential", "parent_id", "locked")

# Characters no one types into an id: control characters, zero-width and direction marks.
_INVISIBLE = re.compile("[\x00-\x1f\x7f\u00ad\u200b-\u200f\u2028-\u202e\u2060-\u2064\ufeff]")
_INVISIBLE_BYTES = byte_table(controls=True, non_ascii=True)  # (bytes that may be one of them)
_NON_ASCII = byte_table(non_ascii=True)
_NUL = byte_table("\x00")
_UPPER = byte_table("ABCDEFGHIJKLMNOPQRSTUVWXYZ")
_LOWER = byte_table("abcdefghijklmnopqrstuvwxyz")

# The numbers a roster may hold, with the reason shown when one is outside (the accounts'
# numeric columns are declared in territory.io.numbers).
CAPACITY_MIN, CAPACITY_MAX = 0.01, 10.0
MAX_ACCOUNTS_MAX = 10_000_000


# Per-product columns (product ICPs): tier_core, owner_id_core, potential_core, ...
PRODUCT_COLUMN = re.compile(r"(tier|score|why|potential|owner_id)_.+")


def _header_problems(file: str, df: pd.DataFrame, headers: Headers) -> list[Problem]:
    """Headers the accounts reader did not read but should not skip silently."""
    problems: list[Problem] = []
    owner_from = headers.read_from.get("owner_id", "owner_id")
    unread = [h for h in headers.unread if not PRODUCT_COLUMN.fullmatch(h)]
    for h in unread:
        if h.startswith(("(no header", "input_")) or not OWNER_LIKE.search(_key(h)):
            continue
        if OWNER_WHEN.search(_key(h)):
            continue
        if "owner_id" in df.columns:
            message = (
                f"column '{h}' looks like an owner column, but owners are read from "
                f"'{owner_from}' and this one is not read"
            )
            hint = (
                f"if it is something else (another role, a name shown for reference), declare it "
                f'ignored: [columns.accounts] "{h}" = "ignore" in plan.toml, or '
                f'--set "columns.accounts.{h}=ignore"; if it holds the current owner, map it to '
                "owner_id instead"
            )
        else:
            message = (
                f"column '{h}' looks like the accounts' current owner, but it is not read: every "
                "account would count as unowned and be reassigned"
            )
            hint = (
                f'map it: [columns.accounts] "{h}" = "owner_id" in plan.toml, or --set '
                f'"columns.accounts.{h}=owner_id" (rep ids, names or emails all match the '
                f'roster); if it is not the owner, declare it ignored: "{h}" = "ignore"'
            )
        problems.append(Problem(file, message, row=1, column=h, hint=hint))
    for canon in _MUST_NOT_MISS:
        if canon in df.columns:
            continue
        for h in unread:
            if h.startswith(("(no header", "input_")) or canon not in looks_like(h, ACCOUNT_COLUMNS):
                continue
            if OWNER_LIKE.search(_key(h)):
                continue
            problems.append(
                Problem(
                    file,
                    f"column '{h}' looks like {canon}, but it is not read and the file has no {canon} column",
                    row=1,
                    column=h,
                    hint=f'map it: [columns.accounts] "{h}" = "{canon}" in plan.toml, or --set '
                    f'"columns.accounts.{h}={canon}"; if it is something else, declare it '
                    f'ignored: "{h}" = "ignore"',
                )
            )
    return problems


def _id_text_problems(file: str, df: pd.DataFrame, column: str) -> list[Problem]:
    """Ids with invisible characters: they look equal on screen and match nothing."""
    ids = df[column].astype(str)
    if not any_byte_in(ids, _INVISIBLE_BYTES):  # plain ASCII ids (nearly all): nothing to search
        return []
    bad = ids.str.contains(_INVISIBLE, regex=True)
    if not bad.any():
        return []
    out: list[Problem] = []
    rows = spreadsheet_rows(df)
    idx = np.flatnonzero(bad.to_numpy())
    for i in idx[:20]:
        v = ids.iat[i]
        ch = _INVISIBLE.search(v)
        code = f"U+{ord(ch.group(0)):04X}" if ch else "?"
        out.append(
            Problem(
                file,
                f"{column} holds an invisible character ({code}), so it cannot match the same id typed plainly",
                row=int(rows[i]),
                column=column,
                value=v,
                hint="remove the character in the source (it often comes from copying out of a web page)",
            )
        )
    if len(idx) > 20:
        out.append(more_problems(file, len(idx) - 20, f"ids like this in column '{column}'", column=column))
    return out


def _case_twins(file: str, df: pd.DataFrame, column: str, what: str) -> list[Problem]:
    """Distinct ids that differ only in letter case (one warning, with the first pair)."""
    ids = df[column].astype(str)
    # Ids in one case only (most: 'A0001234') cannot differ only in case: skip the search
    # (for ASCII ids, read off their bytes).
    if not any_byte_in(ids, _NON_ASCII) and not (any_byte_in(ids, _UPPER) and any_byte_in(ids, _LOWER)):
        return []
    folded = ids.str.lower()
    if bool((folded == ids).all()) or bool((ids.str.upper() == ids).all()):
        return []
    twins = folded.duplicated(keep=False) & ~ids.duplicated(keep=False) & ids.ne("")
    if not twins.any():
        return []
    idx = np.flatnonzero(twins.to_numpy())
    first = folded.iat[idx[0]]
    pair = [int(i) for i in idx if folded.iat[i] == first][:2]
    rows = spreadsheet_rows(df)
    return [
        Problem(
            file,
            f"{len(idx)} {what} ids differ from another only in letter case, e.g. "
            f"'{ids.iat[pair[0]]}' (row {rows[pair[0]]}) and '{ids.iat[pair[1]]}' (row {rows[pair[1]]}); "
            "they are kept apart",
            row=int(rows[pair[1]]),
            column=column,
            severity="warning",
            hint="ids are matched exactly, so this is right for case-sensitive ids (Salesforce's "
            "15-character ids); Excel lookups and some CRM imports ignore case and would mix "
            "them up (use Salesforce's 18-character ids there)",
        )
    ]


def _range_problems(
    file: str,
    df: pd.DataFrame,
    column: str,
    vals: pd.Series,
    lo: float,
    hi: float,
    *,
    zero_ok: bool = True,
    whole: bool = False,
    hint: str,
) -> list[Problem]:
    """Cells outside ``[lo, hi]`` (0 allowed when ``zero_ok``), or not whole when ``whole``."""
    v = vals.to_numpy(dtype=float, na_value=np.nan)
    known = ~np.isnan(v)
    bad = known & ((v < lo) | (v > hi))
    if zero_ok:
        bad &= v != 0
    if whole:
        bad |= known & (np.floor(v) != v)
    if not bad.any():
        return []
    allowed = f"{_num(lo)} to {_num(hi)}" + (" (or 0)" if zero_ok and lo > 0 else "")
    if whole:
        allowed = "a whole number from " + allowed
    return _bad_cells(
        file,
        df,
        column,
        pd.Series(bad, index=df.index),
        f"'{column}' is outside the allowed range: {allowed}",
        hint,
    )


def _num(x: float) -> str:
    if abs(x) >= 1 and float(x).is_integer():
        return f"{x:,.0f}"
    return np.format_float_positional(x, trim="-")


def parse_accounts(
    raw: pd.DataFrame,
    file: str,
    mapping: Mapping[str, str] | None = None,
    *,
    zip_zeros: bool = True,
) -> tuple[pd.DataFrame, list[Problem]]:
    """Turn a raw text table into the canonical accounts frame, collecting every problem.

    ``zip_zeros=False`` leaves ZIP codes that lost their leading zeros to the geography, which
    reads them with the zeros back and says so once (``geo.locate``).

    The frame keeps a ``_row`` column: each account's row number as a spreadsheet shows it.
    Balance measures besides potential are read later, by
    ``territory.model.measures.prepare_measures``.
    """
    delimiter = raw.attrs.get("delimiter")  # (a CSV file's separator; _start clears attrs)
    df, problems, headers = _start(raw, ACCOUNT_COLUMNS, file, mapping)
    problems += _header_problems(file, df, headers)
    if "account_id" not in df.columns:
        swapped = _swapped(raw, file, "account_id", ("rep_id", "capacity"), "roster")
        if swapped is not None:
            return df, [p for p in problems if p.row != 1] + [swapped]
        below = _header_below(raw, file, ACCOUNT_COLUMNS, "account_id")
        if below is not None:  # what else the title 'looks like' follows from it
            return df, [p for p in problems if p.row != 1] + [below]
        problems.append(
            Problem(
                file,
                "required column 'account_id' is missing",
                row=1,
                hint="the accounts file needs a unique id per account (Salesforce 'Id', HubSpot "
                f"'Record ID'); {missing_column_hint(raw, ACCOUNT_COLUMNS, 'account_id')}",
            )
        )
        return df, problems
    if len(df) == 0:
        problems.append(
            Problem(
                file, "no data rows below the header", hint="the export looks empty; check the report filters"
            )
        )
        return df, problems
    ids = strip_text(df["account_id"])
    df["account_id"] = ids
    rows = spreadsheet_rows(df)
    problems += _bad_cells(
        file, df, "account_id", ids.eq(""), "account_id is empty", "every account needs an id"
    )
    problems += _id_problems(file, df, "account_id", "account")
    unique = pd.Index(ids).is_unique  # (a hash of the ids, 3x faster than duplicated())
    dup = pd.Series(False, index=ids.index) if unique else ids.duplicated(keep=False) & ids.ne("")
    if dup.any():
        first = ids[dup].groupby(ids[dup]).head(1)
        for i in first.index[:20]:
            where = rows[np.flatnonzero((ids == ids[i]).to_numpy())].tolist()
            problems.append(
                Problem(
                    file,
                    f"duplicate account_id (rows {', '.join(map(str, where[:6]))})",
                    row=int(where[1]),
                    column="account_id",
                    value=ids[i],
                    hint="each account must appear once; remove the duplicate rows",
                )
            )
        if len(first) > 20:
            problems.append(
                more_problems(file, len(first) - 20, "duplicated account ids", column="account_id")
            )
    if "name" not in df.columns:
        df["name"] = ids
    problems += parse_number_columns(df, file, ACCOUNT_NUMBERS, delimiter=delimiter)
    if "potential" not in df.columns:
        df["potential"] = 0.0
    if "tier" in df.columns:
        tier, bad, empty = parse_tier(df["tier"])
        problems += _bad_cells(
            file,
            df,
            "tier",
            bad,
            "tier must be 1, 2 or 3",
            "1 = best fit, 3 = bad fit; or score the accounts with --icp",
        )
        problems += _bad_cells(
            file,
            df,
            "tier",
            empty,
            "tier is empty",
            "give every account a tier 1-3, or tier them with --icp FILE",
        )
        df["tier"] = tier
    if "locked" in df.columns:
        locked, bad = parse_bool(df["locked"])
        problems += _bad_cells(
            file, df, "locked", bad, "locked must be true or false", "use true/false (or yes/no, 1/0)"
        )
        df["locked"] = locked
    else:
        df["locked"] = False
    for col in (
        "name",
        "region",
        "owner_id",
        "parent_id",
        "industry",
        "country",
        "state",
        "city",
        "postal_code",
        "segment",
    ):
        if col in df.columns:
            df[col] = strip_text(df[col])
    for col in ("account_id", "owner_id", "parent_id"):
        if col in df.columns:
            problems += _id_text_problems(file, df, col)
    problems += _case_twins(file, df, "account_id", "account")
    if zip_zeros:
        problems += _postal_warnings(file, df)
    if "region" not in df.columns:
        df["region"] = ""
    if "owner_id" not in df.columns:
        df["owner_id"] = ""
    if "parent_id" not in df.columns:
        df["parent_id"] = ""
    return df, problems


def _roster_header_problems(file: str, unread: list[str]) -> list[Problem]:
    """Every roster column must be one territory reads, or be declared ignored."""
    out: list[Problem] = []
    for h in unread:
        if h.startswith("(no header"):
            continue
        like = looks_like(h, REP_COLUMNS)
        if OWNER_LIKE.search(_key(h)) and "rep_id" not in like:
            like = ["rep_id", *like]
        guess = f"; '{h}' looks like {' or '.join(like)}" if like else ""
        if like:
            hint = (
                f'map it: [columns.roster] "{h}" = "{like[0]}" in plan.toml, or --set '
                f'"columns.roster.{h}={like[0]}"; or declare it ignored: "{h}" = "ignore". '
            )
        else:  # (a guess such as rep_id for 'industry' would be no help)
            hint = (
                f'declare it ignored: [columns.roster] "{h}" = "ignore" in plan.toml, or --set '
                f'"columns.roster.{h}=ignore"; or map it onto the roster column it holds. '
            )
        out.append(
            Problem(
                file,
                f"column '{h}' is not a roster column territory reads{guess}",
                row=1,
                column=h,
                hint=hint + f"Roster columns: {', '.join(REP_COLUMNS)}",
            )
        )
    return out


def parse_roster(
    raw: pd.DataFrame, file: str, mapping: Mapping[str, str] | None = None
) -> tuple[pd.DataFrame, list[Problem]]:
    """Turn a raw roster table into the canonical reps frame, collecting every problem.

    Every column must be one territory reads (or be mapped onto one, or declared ignored):
    a roster is short and typed by hand, and a column read as nothing (a 'Sales Region'
    that is not 'region') would change whom each rep may own.
    """
    if "accountid" in {_key(str(c)) for c in raw.columns}:  # no roster has one: the accounts
        swapped = _swapped(raw, file, "rep_id", ("account_id", "tier", "potential"), "accounts file")
        assert swapped is not None
        return pd.DataFrame(columns=["rep_id"]), [swapped]
    df, problems, headers = _start(raw, REP_COLUMNS, file, mapping)
    problems += _roster_header_problems(file, headers.unread)
    df = df.drop(columns=[c for c in headers.ignored if c in df.columns])
    if "rep_id" not in df.columns:
        swapped = _swapped(raw, file, "rep_id", ("account_id", "tier", "potential"), "accounts file")
        if swapped is not None:
            return df, [p for p in problems if p.row != 1] + [swapped]
        below = _header_below(raw, file, REP_COLUMNS, "rep_id")
        if below is not None:
            return df, [p for p in problems if p.row != 1] + [below]
        problems.append(
            Problem(
                file,
                "required column 'rep_id' is missing",
                row=1,
                hint="the roster needs a rep_id per rep, matching owner_id in the accounts; "
                + missing_column_hint(raw, REP_COLUMNS, "rep_id"),
            )
        )
        return df, problems
    if len(df) == 0:
        problems.append(
            Problem(file, "no reps listed below the header", hint="a plan needs at least one rep")
        )
        return df, problems
    ids = df["rep_id"].astype(str).str.strip()
    df["rep_id"] = ids
    rows = spreadsheet_rows(df)
    problems += _bad_cells(file, df, "rep_id", ids.eq(""), "rep_id is empty", "every rep needs an id")
    problems += _id_problems(file, df, "rep_id", "rep")
    problems += _id_text_problems(file, df, "rep_id")
    problems += _case_twins(file, df, "rep_id", "rep")
    dup = ids.duplicated(keep="first") & ids.ne("")
    dup_idx = np.flatnonzero(dup.to_numpy())
    products = df["product"].astype(str).str.strip() if "product" in df.columns else None
    for i in dup_idx[:20]:
        j = int(np.flatnonzero((ids == ids.iat[i]).to_numpy())[0])
        message, hint = (
            f"rep listed twice (first on row {int(rows[j])})",
            "keep one row per rep; merge their regions with ';'",
        )
        if products is not None and products.iat[i] != products.iat[j]:
            # one row per product: a rep carries one product's ICP, so merging would not do
            message += f", with products '{products.iat[j]}' and '{products.iat[i]}'"
            hint = (
                "a rep carries one product's ICP: keep one row per rep, with the product they "
                "carry (or 'auto' to let the plan choose)"
            )
        problems.append(
            Problem(file, message, row=int(rows[i]), column="rep_id", value=ids.iat[i], hint=hint)
        )
    if len(dup_idx) > 20:
        problems.append(more_problems(file, len(dup_idx) - 20, "reps listed twice", column="rep_id"))
    for col in ("name", "email", "manager", "region", "segment", "product"):
        if col in df.columns:
            df[col] = df[col].astype(str).str.strip()
        else:
            df[col] = ""
    name_empty = df["name"].eq("")
    df.loc[name_empty, "name"] = df.loc[name_empty, "rep_id"]
    if "capacity" in df.columns:
        text = df["capacity"].astype(str).str.strip()
        pct = text.str.fullmatch(r"[\d.]+\s*%")
        cap, bad = parse_number(text.where(~pct, text.str.rstrip("% ")))
        cap = cap.where(~pct, cap / 100.0)
        problems += number_problems(file, df, "capacity", bad, "a number", "1.0 or 0.5")
        nonpos = (cap <= 0).fillna(False)
        problems += _bad_cells(
            file,
            df,
            "capacity",
            nonpos,
            "capacity must be above 0",
            "remove reps who carry no book from the roster, or give a share such as 0.5 for a ramping rep",
        )
        problems += _range_problems(
            file,
            df,
            "capacity",
            cap.where(~nonpos),
            CAPACITY_MIN,
            CAPACITY_MAX,
            zero_ok=False,
            hint="capacity is a share of a full book: 1.0 (or 100%) for a quota-carrying rep, "
            "0.5 (50%) for a ramping one",
        )
        if bool(nonpos.all()) and len(df) > 1:
            problems.append(
                Problem(
                    file,
                    "every rep on the roster has capacity 0, so nobody can own an account",
                    column="capacity",
                    hint="capacity is a share of a full book: 1.0 for a "
                    "quota-carrying rep, 0.5 for a ramping one",
                )
            )
        df["capacity"] = cap.fillna(1.0)
    else:
        df["capacity"] = 1.0
    if "max_accounts" in df.columns:
        mx, bad = parse_number(df["max_accounts"])
        problems += number_problems(file, df, "max_accounts", bad, "a whole number", "250, or leave it empty")
        neg = (mx < 0).fillna(False)
        problems += _bad_cells(
            file,
            df,
            "max_accounts",
            neg,
            "max_accounts is negative",
            "a whole number of accounts, or leave it empty",
        )
        problems += _range_problems(
            file,
            df,
            "max_accounts",
            mx.where(~neg),
            1,
            MAX_ACCOUNTS_MAX,
            zero_ok=False,
            whole=True,
            hint="the most accounts this rep may own; leave it empty for no limit (a rep who "
            "should own nothing does not belong on the roster)",
        )
        df["max_accounts"] = mx
    else:
        df["max_accounts"] = np.nan
    return df, problems


def rep_regions(region_cell: str) -> tuple[str, ...]:
    """A roster region cell as a tuple of region names; ``*`` means every region.

    An empty cell gives an empty tuple; validation refuses it when the accounts have regions.
    """
    parts = [p for p in REGION_SEP.split(region_cell.strip()) if p]
    return tuple(parts)
