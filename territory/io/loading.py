"""Reading accounts and rosters into canonical, typed DataFrames.

Every cell is read as text first (so ids keep their leading zeros and nothing is guessed),
then each canonical column is parsed with an explicit rule. Problems are collected, never
raised one at a time: the caller raises one ``InputError`` listing them all.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Mapping
from pathlib import Path

import numpy as np
import pandas as pd

from ..errors import InputError, Problem

# Canonical columns and the header spellings we accept for them (compared case-insensitively,
# ignoring spaces, dashes and underscores). CRM presets map further names onto these.
ACCOUNT_COLUMNS: dict[str, tuple[str, ...]] = {
    "account_id": ("account_id", "accountid", "id", "account id"),
    "name": ("name", "account_name", "account name", "company", "company name"),
    "tier": ("tier",),
    "score": ("score",),
    "industry": ("industry", "sector"),
    "employees": ("employees", "number_of_employees", "numberofemployees", "headcount"),
    "annual_revenue": ("annual_revenue", "annualrevenue", "revenue"),
    "country": ("country",),
    "state": ("state",),
    "city": ("city",),
    "region": ("region", "territory"),
    "postal_code": ("postal_code", "postalcode", "zip", "zip_code"),
    "parent_id": ("parent_id", "parentid", "parent"),
    "owner_id": ("owner_id", "ownerid", "owner"),
    "potential": ("potential",),
    "locked": ("locked", "lock"),
    "segment": ("segment",),
}

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
}

ACCOUNT_NUMERIC = ("employees", "annual_revenue", "potential", "score")
REP_NUMERIC = ("capacity", "max_accounts")

TRUE_WORDS = {"true", "yes", "y", "1", "x", "t", "locked"}
FALSE_WORDS = {"false", "no", "n", "0", "", "f"}

# Region lists in the roster: "West;Midwest" or "West|Midwest".
REGION_SEP = re.compile(r"\s*[;|]\s*")


def _key(header: str) -> str:
    return re.sub(r"[\s_\-]+", "", header.strip().lower())


def read_table(path: str | Path, *, sheet: str | int | None = None) -> pd.DataFrame:
    """Read a CSV or XLSX file with every cell as text; raise ``InputError`` if unreadable."""
    path = Path(path)
    label = str(path)
    if not path.exists():
        raise InputError([Problem(label, "file not found", hint="check the path")])
    if path.is_dir():
        raise InputError([Problem(label, "is a folder, not a file", hint="name a CSV or XLSX file")])
    suffix = path.suffix.lower()
    if suffix in (".xlsx", ".xlsm"):
        return _read_xlsx(path, sheet)
    if suffix == ".parquet":
        try:
            df = pd.read_parquet(path)
        except Exception as e:  # noqa: BLE001 - any reader failure is an input problem
            raise InputError([Problem(label, f"cannot read Parquet file: {e}")]) from None
        return df.astype(str).where(df.notna(), "")
    return _read_csv(path)


def _read_csv(path: Path) -> pd.DataFrame:
    label = str(path)
    raw = path.read_bytes()
    if not raw.strip():
        raise InputError(
            [Problem(label, "file is empty", hint="export the data again with a header row")]
        )
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        line = raw[: e.start].count(b"\n") + 1
        raise InputError(
            [
                Problem(
                    label,
                    f"not UTF-8 text (byte 0x{raw[e.start]:02x} on line {line})",
                    row=line,
                    hint="save the file as 'CSV UTF-8' in Excel, or convert it, e.g. "
                    "iconv -f latin1 -t utf-8 in.csv > out.csv",
                )
            ]
        ) from None
    first_line = text.split("\n", 1)[0]
    delimiter = ","
    if first_line.count(";") > first_line.count(",") and first_line.count(";") >= 1:
        delimiter = ";"
    elif first_line.count("\t") > first_line.count(","):
        delimiter = "\t"
    try:
        df = pd.read_csv(
            io.StringIO(text),
            dtype=str,
            keep_default_na=False,
            na_filter=False,
            sep=delimiter,
            quotechar='"',
            skipinitialspace=False,
            engine="c",
        )
    except (pd.errors.ParserError, csv.Error) as e:
        msg = str(e)
        m = re.search(r"line (\d+)", msg)
        raise InputError(
            [
                Problem(
                    label,
                    f"cannot parse as CSV: {msg}",
                    row=int(m.group(1)) if m else None,
                    hint="check for an unclosed quote or a row with extra separators",
                )
            ]
        ) from None
    except pd.errors.EmptyDataError:
        raise InputError([Problem(label, "file has no header row")]) from None
    return df


def _read_xlsx(path: Path, sheet: str | int | None) -> pd.DataFrame:
    label = str(path)
    try:
        book = pd.read_excel(path, sheet_name=None, dtype=str, keep_default_na=False, engine="openpyxl")
    except Exception as e:  # noqa: BLE001 - openpyxl raises many types for bad files
        raise InputError(
            [Problem(label, f"cannot read as an Excel workbook: {e}", hint="save it again as .xlsx")]
        ) from None
    names = list(book)
    if sheet is None:
        if len(names) > 1:
            raise InputError(
                [
                    Problem(
                        label,
                        f"workbook has {len(names)} sheets ({', '.join(names)}); which one holds the data?",
                        hint="name it, e.g. --sheet " + repr(names[0]),
                    )
                ]
            )
        return book[names[0]]
    key = names[sheet] if isinstance(sheet, int) and sheet < len(names) else sheet
    if key not in book:
        raise InputError([Problem(label, f"no sheet named {sheet!r}", hint=f"sheets: {', '.join(names)}")])
    return book[key]


def canonicalise_headers(
    df: pd.DataFrame,
    spec: Mapping[str, tuple[str, ...]],
    file: str,
    mapping: Mapping[str, str] | None = None,
) -> tuple[pd.DataFrame, list[Problem]]:
    """Rename headers to canonical names; report duplicates and ambiguous matches."""
    problems: list[Problem] = []
    headers = [str(h) for h in df.columns]
    stripped = [h.strip().lstrip("\ufeff") for h in headers]
    # pandas renames a repeated header "x" to "x.1"; report the repeat by its original text.
    dupes = sorted({re.sub(r"\.\d+$", "", h) for h in stripped
                    if re.fullmatch(r".+\.\d+", h) and re.sub(r"\.\d+$", "", h) in stripped})
    for d in dupes:
        problems.append(
            Problem(file, f"column '{d}' appears more than once", row=1, column=d,
                    hint="delete or rename the extra column")
        )
    user_map = {_key(k): v for k, v in (mapping or {}).items()}
    rename: dict[str, str] = {}
    claimed: dict[str, str] = {}
    for original, h in zip(headers, stripped):
        k = _key(h)
        target = user_map.get(k)
        if target is None:
            for canon, aliases in spec.items():
                if k in {_key(a) for a in aliases}:
                    target = canon
                    break
        if target is None:
            rename[original] = h
            continue
        if target in claimed:
            problems.append(
                Problem(
                    file,
                    f"columns '{claimed[target]}' and '{h}' both look like '{target}'",
                    row=1,
                    column=h,
                    hint=f"rename one of them, or map them explicitly in plan.toml [columns]",
                )
            )
            rename[original] = h
            continue
        claimed[target] = h
        rename[original] = target
    out = df.copy()
    out.columns = [rename[c] for c in headers]
    return out, problems


def parse_number(series: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Parse money/number text: '1,200', '$1.2M', '36.9 Million', '2.5k', '(300)'.

    Returns (values as float64 with NaN for empty, mask of cells that are not numbers).
    """
    s = series.astype(str).str.strip()
    empty = s.eq("") | s.str.lower().isin(["na", "n/a", "null", "none", "-", "nan"])
    t = s.str.replace(r"^[\$€£¥]\s*|\s*(?:usd|eur|gbp)$", "", regex=True, case=False)
    t = t.str.replace(r"(?<=\d)[,\u00a0\u202f ](?=\d{3}\b)", "", regex=True)
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
    values = pd.to_numeric(t, errors="coerce").astype("float64") * mult
    bad = values.isna() & ~empty
    inf = np.isinf(values.to_numpy())
    bad = bad | pd.Series(inf, index=s.index)
    values = values.where(~(empty | bad))
    return values, bad


def parse_bool(series: pd.Series) -> tuple[pd.Series, pd.Series]:
    s = series.astype(str).str.strip().str.lower()
    true = s.isin(TRUE_WORDS)
    bad = ~(true | s.isin(FALSE_WORDS))
    return true, bad


def parse_tier(series: pd.Series) -> tuple[pd.Series, pd.Series, pd.Series]:
    """Accept 1/2/3, '1.0', 'Tier 1', 'T1'; returns (tier Int8 with NA for empty, bad mask, empty mask)."""
    s = series.astype(str).str.strip().str.lower()
    s = s.str.replace(r"^(tier|t)\s*", "", regex=True).str.replace(r"\.0+$", "", regex=True)
    empty = s.eq("")
    ok = s.isin(["1", "2", "3"])
    tier = pd.Series(pd.NA, index=s.index, dtype="Int8")
    tier[ok] = s[ok].astype(int)
    return tier, ~ok & ~empty, empty


def _row_numbers(index: pd.Index) -> np.ndarray:
    # Spreadsheet row: header is row 1, first data row is row 2.
    return np.asarray(index) + 2


def _bad_cells(file: str, df: pd.DataFrame, column: str, mask: pd.Series, message: str,
               hint: str, limit: int = 20) -> list[Problem]:
    out: list[Problem] = []
    idx = np.flatnonzero(mask.to_numpy())
    for i in idx[:limit]:
        out.append(Problem(file, message, row=int(i) + 2, column=column,
                           value=str(df[column].iat[i]), hint=hint))
    if len(idx) > limit:
        out.append(Problem(file, f"... and {len(idx) - limit} more rows like this in column "
                           f"'{column}'", column=column, hint=hint))
    return out


def parse_accounts(raw: pd.DataFrame, file: str,
                   mapping: Mapping[str, str] | None = None) -> tuple[pd.DataFrame, list[Problem]]:
    """Turn a raw text table into the canonical accounts frame, collecting every problem."""
    df, problems = canonicalise_headers(raw, ACCOUNT_COLUMNS, file, mapping)
    df = df.reset_index(drop=True)
    if "account_id" not in df.columns:
        problems.append(Problem(
            file, "required column 'account_id' is missing", row=1,
            hint="the accounts file needs a unique id per account (Salesforce 'Id', HubSpot "
                 f"'Record ID'); columns found: {', '.join(map(str, raw.columns[:12]))}"))
        return df, problems
    if len(df) == 0:
        problems.append(Problem(file, "no data rows below the header",
                                hint="the export looks empty; check the report filters"))
        return df, problems
    ids = df["account_id"].astype(str).str.strip()
    df["account_id"] = ids
    problems += _bad_cells(file, df, "account_id", ids.eq(""), "account_id is empty",
                           "every account needs an id")
    dup = ids.duplicated(keep=False) & ids.ne("")
    if dup.any():
        first = ids[dup].groupby(ids[dup]).head(1)
        for i in first.index[:20]:
            rows = (np.flatnonzero((ids == ids[i]).to_numpy()) + 2).tolist()
            problems.append(Problem(file, f"duplicate account_id (rows {', '.join(map(str, rows[:6]))})",
                                    row=int(rows[1]), column="account_id", value=ids[i],
                                    hint="each account must appear once; remove the duplicate rows"))
    if "name" not in df.columns:
        df["name"] = ids
    for col in ACCOUNT_NUMERIC:
        if col in df.columns:
            vals, bad = parse_number(df[col])
            problems += _bad_cells(file, df, col, bad, f"'{col}' is not a number",
                                   "use plain numbers such as 1200 or 1.2M")
            if col in ("potential", "employees", "annual_revenue"):
                neg = vals < 0
                problems += _bad_cells(file, df, col, neg.fillna(False), f"'{col}' is negative",
                                       "potential, employees and revenue cannot be below 0")
            df[col] = vals
    if "potential" in df.columns:
        df["potential"] = df["potential"].fillna(0.0)
    else:
        df["potential"] = 0.0
    if "tier" in df.columns:
        tier, bad, empty = parse_tier(df["tier"])
        problems += _bad_cells(file, df, "tier", bad, "tier must be 1, 2 or 3",
                               "1 = best fit, 3 = bad fit; or score the accounts with --icp")
        problems += _bad_cells(file, df, "tier", empty, "tier is empty",
                               "give every account a tier 1-3, or tier them with --icp FILE")
        df["tier"] = tier
    if "locked" in df.columns:
        locked, bad = parse_bool(df["locked"])
        problems += _bad_cells(file, df, "locked", bad, "locked must be true or false",
                               "use true/false (or yes/no, 1/0)")
        df["locked"] = locked
    else:
        df["locked"] = False
    for col in ("name", "region", "owner_id", "parent_id", "industry", "country", "state",
                "city", "postal_code", "segment"):
        if col in df.columns:
            df[col] = df[col].astype(str).str.strip()
    if "region" not in df.columns:
        df["region"] = ""
    if "owner_id" not in df.columns:
        df["owner_id"] = ""
    if "parent_id" not in df.columns:
        df["parent_id"] = ""
    return df, problems


def parse_roster(raw: pd.DataFrame, file: str,
                 mapping: Mapping[str, str] | None = None) -> tuple[pd.DataFrame, list[Problem]]:
    """Turn a raw roster table into the canonical reps frame, collecting every problem."""
    df, problems = canonicalise_headers(raw, REP_COLUMNS, file, mapping)
    df = df.reset_index(drop=True)
    if "rep_id" not in df.columns:
        problems.append(Problem(file, "required column 'rep_id' is missing", row=1,
                                hint="the roster needs a rep_id per rep, matching owner_id in "
                                     "the accounts; columns found: "
                                     + ", ".join(map(str, raw.columns[:12]))))
        return df, problems
    if len(df) == 0:
        problems.append(Problem(file, "no reps listed below the header",
                                hint="a plan needs at least one rep"))
        return df, problems
    ids = df["rep_id"].astype(str).str.strip()
    df["rep_id"] = ids
    problems += _bad_cells(file, df, "rep_id", ids.eq(""), "rep_id is empty", "every rep needs an id")
    dup = ids.duplicated(keep="first") & ids.ne("")
    for i in np.flatnonzero(dup.to_numpy())[:20]:
        first = int(np.flatnonzero((ids == ids.iat[i]).to_numpy())[0]) + 2
        problems.append(Problem(file, f"rep listed twice (first on row {first})", row=int(i) + 2,
                                column="rep_id", value=ids.iat[i],
                                hint="keep one row per rep; merge their regions with ';'"))
    for col in ("name", "email", "manager", "region", "segment", "product"):
        if col in df.columns:
            df[col] = df[col].astype(str).str.strip()
        else:
            df[col] = ""
    name_empty = df["name"].eq("")
    df.loc[name_empty, "name"] = df.loc[name_empty, "rep_id"]
    if "capacity" in df.columns:
        cap, bad = parse_number(df["capacity"].astype(str).str.replace("%", "e-2", regex=False))
        problems += _bad_cells(file, df, "capacity", bad, "capacity is not a number",
                               "1.0 = full quota-carrying rep, 0.5 = ramping")
        nonpos = (cap <= 0).fillna(False)
        problems += _bad_cells(file, df, "capacity", nonpos, "capacity must be above 0",
                               "remove reps who carry no book from the roster, or give a share "
                               "such as 0.5 for a ramping rep")
        df["capacity"] = cap.fillna(1.0)
    else:
        df["capacity"] = 1.0
    if "max_accounts" in df.columns:
        mx, bad = parse_number(df["max_accounts"])
        problems += _bad_cells(file, df, "max_accounts", bad, "max_accounts is not a number",
                               "a whole number of accounts, or leave it empty")
        df["max_accounts"] = mx
    else:
        df["max_accounts"] = np.nan
    return df, problems


def rep_regions(region_cell: str) -> tuple[str, ...]:
    """A roster region cell as a tuple of region names; empty means every region."""
    parts = [p for p in REGION_SEP.split(region_cell.strip()) if p]
    return tuple(parts)
