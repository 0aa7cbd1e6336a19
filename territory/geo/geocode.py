"""Offline geocoding: every account gets latitude/longitude and, in the US, a county FIPS code.

In this order, per account:

1. the account's own ``latitude``/``longitude`` columns (Salesforce BillingLatitude/
   BillingLongitude, or any column mapped to them), when they hold a sane point; the county
   is the one whose (2 km-simplified) outline contains the point;
2. else its US postal code (ZIP, ZIP+4, or a ZIP that lost its leading zeros), from the
   ``zipcodes`` package's ZIP table (centroid and county name; the county name is matched
   to its Census FIPS code);
3. else its city and state, matched in USPS spelling ('St. Louis' = 'Saint Louis').

Nothing is fetched from the network: the ZIP data is inside the ``zipcodes`` wheel, the
county outlines in ``territory/geo/data``.
"""

from __future__ import annotations

import csv
import io
import re
import statistics
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from functools import cache, lru_cache
from typing import Any

import numpy as np
import pandas as pd

from ..errors import Problem, more_problems, rows_note, rows_text
from .address import Addresses
from .places import _plain, city_key, group_codes
from .projection import project
from .units import counties, shapes

PLACED_BY = ("coordinates", "postal code", "city")


# --------------------------------------------------------------------------- county lookup


def _county_name_key(name: str) -> str:
    t = _plain(name)
    t = re.sub(r"^(MUNICIPALITY|CITY AND BOROUGH|BOROUGH) OF ", "", t)
    t = re.sub(r"\b(COUNTY|PARISH|BOROUGH|CENSUS AREA|MUNICIPALITY|MUNICIPIO|CITY AND BOROUGH)\b", "", t)
    t = re.sub(r"\bSAINT\b", "ST", t)
    return t.replace(" ", "")


# County names in the ZIP data that changed after the packaged 2016 county list.
_RENAMED = {
    ("AK", "CHUGACH"): "02261",  # Valdez-Cordova Census Area was split in 2019
    ("AK", "COPPERRIVER"): "02261",
    ("AK", "PRINCEOFWALESOUTERKETCHIKAN"): "02198",
}


@lru_cache(maxsize=1)
def _county_index() -> dict[tuple[str, str, bool], str]:
    out: dict[tuple[str, str, bool], str] = {}
    for fips, c in sorted(counties().items()):
        is_city = c.name.lower().endswith(" city")
        out.setdefault((c.state, _county_name_key(c.name), is_city), fips)
    return out


@cache
def county_fips(state: str, name: str) -> str:
    """The FIPS code of county ``name`` ('Harris County', 'St. Louis city') in ``state``."""
    if not name:
        return ""
    key = _county_name_key(name)
    if (state, key) in _RENAMED:
        return _RENAMED[(state, key)]
    is_city = name.lower().endswith(" city")
    idx = _county_index()
    return idx.get((state, key, is_city)) or idx.get((state, key, not is_city)) or ""


@lru_cache(maxsize=1)
def _county_polygons() -> tuple[list[str], np.ndarray, list[tuple[np.ndarray, np.ndarray]]]:
    """County ids, their boxes (km) and edge arrays, from the finest packaged outlines."""
    s = shapes()
    g = s.grid_km
    ids, boxes, edges = [], [], []
    for fips, rings in sorted(s.table("county").items()):
        a = [r * g for r in rings]
        pts = np.concatenate(a)
        ids.append(fips)
        boxes.append((pts[:, 0].min(), pts[:, 1].min(), pts[:, 0].max(), pts[:, 1].max()))
        start = np.concatenate([r for r in a])
        end = np.concatenate([np.roll(r, -1, axis=0) for r in a])
        edges.append((start, end))
    return ids, np.asarray(boxes, dtype=float), edges


def county_at(lon: np.ndarray, lat: np.ndarray, *, near_km: float = 10.0) -> np.ndarray:
    """The county FIPS containing each point ('' when none: outside the US or at sea).

    A point within ``near_km`` of a county outline but inside none (a pier, a point the
    simplified coastline cut off) gets the nearest county.
    """
    lon = np.asarray(lon, dtype=float)
    lat = np.asarray(lat, dtype=float)
    out = np.full(len(lon), "", dtype=object)
    ok = np.isfinite(lon) & np.isfinite(lat)
    if not ok.any():
        return out
    x, y, _frame = project(np.where(ok, lon, 0.0), np.where(ok, lat, 0.0))
    x = np.where(ok, x, np.nan)
    y = np.where(ok, y, np.nan)
    todo = np.flatnonzero(np.isfinite(x))
    if not len(todo):
        return out
    ids, boxes, edges = _county_polygons()
    order = todo[np.argsort(x[todo], kind="stable")]
    xs = x[order]
    found = np.zeros(len(x), dtype=bool)
    for k, fips in enumerate(ids):
        x0, y0, x1, y1 = boxes[k]
        lo, hi = np.searchsorted(xs, x0), np.searchsorted(xs, x1, side="right")
        if lo == hi:
            continue
        cand = order[lo:hi]
        cand = cand[(y[cand] >= y0) & (y[cand] <= y1) & ~found[cand]]
        if not len(cand):
            continue
        (sx, sy), (ex, ey) = edges[k][0].T, edges[k][1].T
        px, py = x[cand][:, None], y[cand][:, None]
        crosses = (sy > py) != (ey > py)
        with np.errstate(divide="ignore", invalid="ignore"):
            xi = sx + (py - sy) * (ex - sx) / (ey - sy)
        inside = (np.count_nonzero(crosses & (px < xi), axis=1) % 2) == 1
        hit = cand[inside]
        out[hit] = fips
        found[hit] = True
    rest = todo[~found[todo]]
    if len(rest):
        best = np.full(len(x), np.inf)
        rest_order = rest[np.argsort(x[rest], kind="stable")]
        rxs = x[rest_order]
        for k, fips in enumerate(ids):
            x0, y0, x1, y1 = boxes[k]
            lo = np.searchsorted(rxs, x0 - near_km)
            hi = np.searchsorted(rxs, x1 + near_km, side="right")
            if lo == hi:
                continue
            cand = rest_order[lo:hi]
            cand = cand[(y[cand] >= y0 - near_km) & (y[cand] <= y1 + near_km)]
            if not len(cand):
                continue
            vx, vy = edges[k][0].T
            d = np.min(np.hypot(x[cand][:, None] - vx, y[cand][:, None] - vy), axis=1)
            better = (d < best[cand]) & (d <= near_km)
            out[cand[better]] = fips
            best[cand[better]] = d[better]
    return out


# --------------------------------------------------------------------------- ZIP and city tables


@dataclass(frozen=True)
class ZipTable:
    """ZIP -> (lat, lon, state, county FIPS), and (state, city key) -> (lat, lon, county)."""

    zips: dict[str, tuple[float, float, str, str]]
    cities: dict[tuple[str, str], tuple[float, float, str]]
    source: str = field(default="")


ZIP_TABLE_FILES = ("zips.csv.gz", "cities.csv.gz")


@lru_cache(maxsize=1)
def zip_table() -> ZipTable:
    """The packaged ZIP and city table, read once per process (about 0.1 s).

    ``scripts/build_zip_table.py`` writes it from ``build_zip_table()``; building it from the
    ``zipcodes`` package at every run took 2-3 s, more than the rest of geocoding a million
    accounts. ``tests/test_geo_geocode.py`` checks that the two agree.
    """
    from .units import _read_text

    zips_text, cities_text = (_read_text(name) for name in ZIP_TABLE_FILES)
    source, _, zips_text = zips_text.partition("\n")
    zips: dict[str, tuple[float, float, str, str]] = {}
    for row in csv.reader(io.StringIO(zips_text)):
        if row and row[0] != "zip":
            zips[row[0]] = (float(row[1]), float(row[2]), row[3], row[4])
    cities: dict[tuple[str, str], tuple[float, float, str]] = {}
    for row in csv.reader(io.StringIO(cities_text)):
        if row and row[0] != "state":
            cities[(row[0], row[1])] = (float(row[2]), float(row[3]), row[4])
    return ZipTable(zips, cities, source=source.removeprefix("# "))


def zip_table_csv(table: ZipTable) -> tuple[str, str]:
    """The two packaged files of ``table`` as text (floats written exactly, rows sorted)."""
    zips = io.StringIO()
    zips.write(f"# {table.source}\n")
    w = csv.writer(zips, lineterminator="\n")
    w.writerow(["zip", "latitude", "longitude", "state", "county"])
    for code in sorted(table.zips):
        lat, lon, state, county = table.zips[code]
        w.writerow([code, repr(lat), repr(lon), state, county])
    cities = io.StringIO()
    w = csv.writer(cities, lineterminator="\n")
    w.writerow(["state", "city_key", "latitude", "longitude", "county"])
    for key in sorted(table.cities):
        lat, lon, county = table.cities[key]
        w.writerow([key[0], key[1], repr(lat), repr(lon), county])
    return zips.getvalue(), cities.getvalue()


def build_zip_table() -> ZipTable:
    """The ZIP and city table, built from the ``zipcodes`` package (2-3 s)."""
    import zipcodes

    rows = zipcodes.list_all()
    zips: dict[str, tuple[float, float, str, str]] = {}
    no_county: list[str] = []
    primary: dict[tuple[str, str], list[tuple[float, float, str, bool]]] = defaultdict(list)
    alias: dict[tuple[str, str], list[tuple[float, float, str, bool]]] = defaultdict(list)
    key_of = lru_cache(maxsize=None)(city_key)  # ~20,000 distinct names for 42,000 ZIPs
    for d in rows:
        try:
            lat, lon = float(d["lat"]), float(d["long"])
        except (TypeError, ValueError):
            continue
        state, code = str(d["state"]), str(d["zip_code"])
        fips = county_fips(state, str(d["county"] or ""))
        zips[code] = (lat, lon, state, fips)
        if not fips:
            no_county.append(code)
        entry = (lat, lon, code, d["zip_code_type"] == "STANDARD")
        primary[(state, key_of(d["city"]))].append(entry)
        for alt in d.get("acceptable_cities") or ():
            alias[(state, key_of(alt))].append(entry)
    # ZIPs whose county name is missing or belongs to another state: the county under the centroid
    if no_county:
        found = county_at(
            np.array([zips[z][1] for z in no_county]), np.array([zips[z][0] for z in no_county])
        )
        for z, f in zip(no_county, found.tolist()):
            a, b, st, _ = zips[z]
            if f and counties()[f].state == st:
                zips[z] = (a, b, st, f)
    cities: dict[tuple[str, str], tuple[float, float, str]] = {}
    for table in (primary, alias):
        for key, entries in table.items():
            if key in cities or not key[1]:
                continue
            # a postal city: the median of its standard (street-delivery) ZIP centroids, and
            # the county holding most of its ZIPs
            if len(entries) == 1:
                e = entries[0]
                cities[key] = (e[0], e[1], zips[e[2]][3])
                continue
            std = [e for e in entries if e[3]] or entries
            votes = Counter(zips[e[2]][3] for e in std if zips[e[2]][3])
            county = min(votes, key=lambda f: (-votes[f], f)) if votes else ""
            cities[key] = (
                round(statistics.median(e[0] for e in std), 4),
                round(statistics.median(e[1] for e in std), 4),
                county,
            )
    return ZipTable(zips, cities, source=f"zipcodes {zipcodes.__version__}")


@dataclass(frozen=True)
class _ZipColumns:
    """The ZIP table as arrays, for looking up a million accounts at once; each array has one
    entry more than ``position``, the one for a ZIP that is not in the table."""

    position: dict[str, int]  # ZIP -> its entry
    lat: np.ndarray
    lon: np.ndarray
    state: np.ndarray
    county: np.ndarray
    source: str

    def lookup(self, zips: np.ndarray) -> np.ndarray:
        """The entry of each of ``zips`` (text), -1 for a ZIP not in the table (one hash
        lookup each, in Arrow)."""
        import pyarrow as pa
        import pyarrow.compute as pc

        keys = pa.array(list(self.position), type=pa.string())
        at = pc.index_in(pa.array(zips.tolist(), type=pa.string()), value_set=keys)
        return np.asarray(at.fill_null(-1).to_numpy(zero_copy_only=False), dtype=np.int64)


@lru_cache(maxsize=1)
def _zip_columns() -> _ZipColumns:
    """The packaged ZIP file read straight into arrays by pyarrow (about 0.02 s; through
    ``zip_table()``, which also reads the cities, 0.3 s). ``tests/test_geo_geocode.py`` checks
    that the two agree."""
    import pyarrow as pa
    import pyarrow.csv as pacsv

    from .units import _read_text

    text = _read_text(ZIP_TABLE_FILES[0])
    source, _, body = text.partition("\n")
    names = ["zip", "latitude", "longitude", "state", "county"]
    table = pacsv.read_csv(
        pa.py_buffer(body.encode("utf-8")),
        read_options=pacsv.ReadOptions(column_names=names, skip_rows=1),
        convert_options=pacsv.ConvertOptions(
            column_types={
                "zip": pa.string(),
                "latitude": pa.float64(),
                "longitude": pa.float64(),
                "state": pa.string(),
                "county": pa.string(),
            },
            strings_can_be_null=False,
        ),
    )
    codes = table["zip"].to_pylist()

    def column(name: str, last: Any, dtype: Any) -> np.ndarray:
        return np.array(table[name].to_pylist() + [last], dtype=dtype)

    return _ZipColumns(
        {code: i for i, code in enumerate(codes)},
        column("latitude", np.nan, float),
        column("longitude", np.nan, float),
        column("state", "", object),
        column("county", "", object),
        source.removeprefix("# "),
    )


# --------------------------------------------------------------------------- coordinates


# Cells of a coordinate or county column that mean "no value" (read as empty, not as bad).
NO_VALUE = ["na", "n/a", "null", "none", "-", "#n/a", "nan"]


def parse_coordinate(series: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """(values with NaN for empty or bad, mask of cells that are not numbers)."""
    s = series.astype(str).str.strip()
    empty = s.eq("") | s.str.lower().isin(NO_VALUE)
    t = s.where(~s.str.fullmatch(r"-?\d+,\d+"), s.str.replace(",", ".", regex=False))
    v = np.array(pd.to_numeric(t, errors="coerce"), dtype=float)
    bad = np.isnan(v) & ~empty.to_numpy()
    v[empty.to_numpy()] = np.nan
    v[~np.isfinite(v)] = np.nan
    return v, bad


def _in_us_box(lat: np.ndarray, lon: np.ndarray) -> np.ndarray:
    """Loosely where US addresses can be: the 50 states, DC and the territories."""
    west = (lon >= -180) & (lon <= -64)
    aleutians = lon >= 172
    pacific = (lon >= 144) & (lon <= 146.5) & (lat >= 13) & (lat <= 21)  # Guam, N. Marianas
    return (lat >= -15) & (lat <= 72) & (west | aleutians | pacific)


# --------------------------------------------------------------------------- a county column


def read_county_column(series: pd.Series, rows: np.ndarray, file: str) -> tuple[np.ndarray, list[Problem]]:
    """An input ``county_fips`` column as 5-digit FIPS codes ('' where empty), and its problems.

    A 4-digit code lost its leading zero in a spreadsheet ('6037' is Los Angeles County,
    '06037'): the zero is put back, with a warning. A code that is no US county, or not a
    code at all, is an error: the account would silently follow no county."""
    text = series.astype(str).str.strip().str.replace(r"\.0+$", "", regex=True)
    empty = text.eq("") | text.str.lower().isin(NO_VALUE)
    short = text.str.fullmatch(r"\d{4}") & ~empty
    fips = text.where(~short, text.str.zfill(5)).where(~empty, "")
    known = counties()
    bad = (~empty & ~fips.isin(list(known))).to_numpy()
    problems: list[Problem] = []
    # one problem per distinct bad code, with its rows (a code copied down a column is one fix)
    at = np.flatnonzero(bad)
    codes, values = pd.factorize(series.astype(str).to_numpy(dtype=object)[at])
    for k, value in enumerate(values[:20].tolist()):
        hit = rows[at[codes == k]]
        n = len(hit)
        problems.append(
            Problem(
                file,
                f"'{value}' is not a US county FIPS code, so the "
                + ("account's county is unknown" if n == 1 else f"county of {n:,} accounts is unknown")
                + rows_note(hit),
                row=int(hit[0]),
                column="county_fips",
                value=value,
                hint="give the county's 5-digit FIPS code (state 2 digits + county 3, e.g. '06037' "
                "for Los Angeles County, CA), or leave the cell empty to place the account by its address",
            )
        )
    if len(values) > 20:
        rest = int(np.isin(codes, np.arange(20, len(values))).sum())
        problems.append(
            more_problems(
                file,
                len(values) - 20,
                f"county_fips values that are not US county FIPS codes (on {rest:,} rows)",
                column="county_fips",
                hint="give 5-digit county FIPS codes, or leave the cells empty",
            )
        )
    restored = short.to_numpy() & ~bad
    if restored.any():
        first = int(np.flatnonzero(restored)[0])
        n = int(restored.sum())
        problems.append(
            Problem(
                file,
                f"{n:,} county FIPS code{'s' if n != 1 else ''} had lost {'their' if n != 1 else 'its'} "
                f"leading zero; read with the zero back (e.g. '{text.iat[first]}' as '{fips.iat[first]}')"
                + rows_note(rows[restored]),
                row=int(rows[first]),
                column="county_fips",
                value=str(series.iat[first]),
                severity="warning",
                hint="format the column as Text before saving in a spreadsheet",
            )
        )
    return np.where(bad, "", fips.to_numpy(dtype=object)).astype(object), problems


# --------------------------------------------------------------------------- placing


# Why an account is not placed, in the order the first that fits wins (code 0: it is placed).
REASONS = (
    "",
    "outside the US (offline data covers US addresses only)",
    "military mail or special-use address (APO/FPO/DPO): no place on the map",
    "city not found",
    "postal code of another state than the state column",
    "postal code that lost its leading zeros, with no state to confirm it",
    "postal code not found",
    "city without a state",
    "postal code not read as a US ZIP",
    "no address",
)
_HOW = np.array(("", *PLACED_BY), dtype=object)  # placed_by by code (0: not placed)
_REASONS = np.array(REASONS, dtype=object)


@dataclass
class Placement:
    """Where each account is, how it was found, and what went wrong, per row.

    The text per row (``county``, ``placed_by``, ``reason``) is kept as codes into short
    lists of values, and spelt out when asked for."""

    latitude: np.ndarray
    longitude: np.ndarray
    county_code: np.ndarray  # per row, into county_values
    county_values: np.ndarray  # FIPS codes ('' first: no county)
    how: np.ndarray  # per row, 0 (not placed) or 1 + the index in PLACED_BY
    reason_code: np.ndarray  # per row, into REASONS (0 when placed)
    problems: list[Problem]
    restored_zips: int = 0
    source: str = ""
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def county(self) -> np.ndarray:
        return self.county_values[self.county_code]

    @property
    def placed_by(self) -> np.ndarray:  # 'coordinates', 'postal code', 'city' or ''
        return _HOW[self.how]

    @property
    def reason(self) -> np.ndarray:  # why an account is not placed ('' when placed)
        return _REASONS[self.reason_code]

    def keep_given_county(self, given: np.ndarray) -> None:
        """Each row's county from ``given`` (the file's own county column) where it has one."""
        has = given != ""
        codes, values = pd.factorize(given[has], sort=False)
        self.county_code = self.county_code.copy()
        self.county_code[has] = len(self.county_values) + codes
        self.county_values = np.concatenate([self.county_values, np.asarray(values, dtype=object)])

    def county_column(self, index: pd.Index) -> pd.Series:
        """``county`` as a text column (what a frame makes of the array) on ``index``."""
        return text_column(self.county_values, self.county_code, index)

    def placed_by_column(self, index: pd.Index) -> pd.Series:
        return text_column(_HOW, self.how, index)


def text_column(values: np.ndarray, codes: np.ndarray, index: pd.Index) -> pd.Series:
    """``values[codes]`` as the text column a frame makes of that array, built by one take in
    Arrow from the few distinct values (a million Python strings converted one by one cost
    0.1-0.3 s a column)."""
    dtype = pd.Series(np.array([""], dtype=object)).dtype
    if isinstance(dtype, pd.StringDtype) and dtype.storage == "pyarrow":
        import pyarrow as pa

        taken = pa.array(values.tolist(), type=pa.large_string()).take(pa.array(codes, type=pa.int64()))
        return pd.Series(pd.array(taken, dtype=dtype), index=index)
    return pd.Series(values[codes], index=index)


@dataclass(frozen=True)
class _TakeAt:
    """``values[codes]`` one item at a time, without building the whole array."""

    values: np.ndarray
    codes: np.ndarray

    def __getitem__(self, i: int) -> Any:
        return self.values[self.codes[i]]


def _warn(
    file: str,
    mask: np.ndarray,
    rows: np.ndarray,
    message: str,
    hint: str,
    column: str,
    values: np.ndarray | _TakeAt,
) -> list[Problem]:
    idx = np.flatnonzero(mask)
    if not len(idx):
        return []
    n = len(idx)
    return [
        Problem(
            file,
            f"{n:,} account{'s' if n != 1 else ''} {message.format(has='has' if n == 1 else 'have')}"
            + rows_note(rows[idx]),
            row=int(rows[idx[0]]),
            column=column,
            value=str(values[idx[0]]),
            severity="warning",
            hint=hint,
        )
    ]


def _lost_zeros(
    file: str, addr: Addresses, rows: np.ndarray, other_state: np.ndarray, unconfirmed: np.ndarray, used: int
) -> Problem:
    """One warning for every US ZIP that lost its leading zeros: how it was read, and which of
    them were not used (read so, they lie in another state than the account's, or the account
    has no state to confirm them)."""
    lost = np.flatnonzero(addr.zip_restored)
    n, first = len(lost), int(lost[0])
    # the one value shown, read by its codes (not the per-account text arrays, a million long)
    shown = addr.postal_text_values[addr.postal_at[first]]
    message = (
        f"{n:,} US postal code{'s' if n != 1 else ''} had lost leading zeros; read with the zeros back "
        f"(e.g. '{shown}' as '{addr.zip_values[addr.zip_at[first]]}')"
    )
    groups = (
        (addr.zip_restored & other_state, "then in another state than the account's state column"),
        (addr.zip_restored & unconfirmed, "without a state column to confirm them"),
    )
    k = sum(int(mask.sum()) for mask, _what in groups)
    if k:
        message += f"; {k:,} of them not used: " + ", ".join(
            f"{int(mask.sum()):,} {what} ({rows_text(rows[mask])})" for mask, what in groups if mask.any()
        )
    elif used == n:
        message += f", and {'it matches' if n == 1 else 'each matches'} the account's state"
    message += rows_note(rows[lost])
    return Problem(
        file,
        message,
        row=int(rows[first]),
        column="postal_code",
        value=str(shown),
        severity="warning",
        hint="format the column as Text before saving in a spreadsheet, or export straight from the CRM",
    )


def place_accounts(accounts: pd.DataFrame, addr: Addresses, rows: np.ndarray, file: str) -> Placement:
    """Geocode every account offline (see the module docstring for the order).

    Every lookup is made once per distinct ZIP or (state, city); the accounts take the answer
    by their codes (``Addresses``), so no text is compared or hashed per account."""
    n = len(accounts)
    lat = np.full(n, np.nan)
    lon = np.full(n, np.nan)
    how = np.zeros(n, dtype=np.int8)  # 0, or 1 + the index in PLACED_BY
    county_code = np.zeros(n, dtype=np.int64)
    county_parts: list[np.ndarray] = [np.array([""], dtype=object)]  # the values county_code points into
    offset = 1
    no_location = np.zeros(n, dtype=bool)  # a ZIP the table lists without a place
    problems: list[Problem] = []

    # 1. the account's own coordinates
    if "latitude" in accounts.columns or "longitude" in accounts.columns:
        empty = pd.Series([""] * n, index=accounts.index)
        la, bad_la = parse_coordinate(accounts["latitude"] if "latitude" in accounts.columns else empty)
        lo, bad_lo = parse_coordinate(accounts["longitude"] if "longitude" in accounts.columns else empty)
        shown = np.array(
            [
                f"{a}, {b}"
                for a, b in zip(
                    (accounts["latitude"] if "latitude" in accounts.columns else empty).astype(str),
                    (accounts["longitude"] if "longitude" in accounts.columns else empty).astype(str),
                )
            ],
            dtype=object,
        )
        bad_text = bad_la | bad_lo
        one = (np.isnan(la) != np.isnan(lo)) & ~bad_text
        both = np.isfinite(la) & np.isfinite(lo)
        zero = both & (la == 0) & (lo == 0)
        in_range = both & (np.abs(la) <= 90) & (np.abs(lo) <= 180) & ~zero
        # lat/long the wrong way round: the swapped pair is where the address is
        swap_ok = both & (np.abs(lo) <= 90) & (np.abs(la) <= 180) & _in_us_box(lo, la)
        swapped = both & ~zero & swap_ok & (~in_range | (addr.us & ~_in_us_box(la, lo)))
        out_of_range = both & ~zero & ~in_range & ~swapped
        cand = in_range & ~swapped
        where = county_at(np.where(cand, lo, np.nan), np.where(cand, la, np.nan))
        off_us = cand & addr.us & (where == "")
        good = cand & ~off_us
        lat[good], lon[good] = la[good], lo[good]
        codes, values = pd.factorize(where[good], sort=False)
        county_code[good] = offset + codes
        county_parts.append(np.asarray(values, dtype=object))
        offset += len(values)
        how[good] = 1 + PLACED_BY.index("coordinates")
        c = "latitude"
        hint_fallback = "placed by postal code or city instead where possible; fix the coordinates in the CRM"
        problems += _warn(
            file,
            bad_text,
            rows,
            "{has} a latitude or longitude that is not a number",
            hint_fallback,
            c,
            shown,
        )
        problems += _warn(
            file, one, rows, "{has} only one of latitude and longitude", hint_fallback, c, shown
        )
        problems += _warn(
            file,
            zero,
            rows,
            "{has} latitude and longitude 0, 0 (a placeholder, not a place)",
            hint_fallback,
            c,
            shown,
        )
        problems += _warn(
            file,
            swapped,
            rows,
            "{has} latitude and longitude the wrong way round (e.g. a US address at latitude "
            "-100); they were not used",
            "swap the two columns in the export (latitude is north-south, -90 to 90; US longitudes are negative)",
            c,
            shown,
        )
        problems += _warn(
            file,
            out_of_range,
            rows,
            "{has} coordinates out of range (latitude -90..90, longitude -180..180)",
            hint_fallback,
            c,
            shown,
        )
        problems += _warn(
            file,
            off_us,
            rows,
            "{has} a US address but coordinates outside the US (a lost minus sign?); they were not used",
            hint_fallback,
            c,
            shown,
        )

    # 2. postal code, 3. city and state
    need_zip = (how == 0) & addr.has_zip
    source = ""
    restored_used = 0
    other_state = np.zeros(n, dtype=bool)  # a ZIP of another state than the state column
    unconfirmed = np.zeros(n, dtype=bool)  # a ZIP read with its zeros back, and no state to confirm it
    if need_zip.any():
        z = _zip_columns()
        source = z.source
        # one lookup per distinct ZIP (-1: not in the table), then whole-array operations
        at_value = z.lookup(addr.zip_values)
        idx = np.flatnonzero(need_zip)
        at = at_value[addr.zip_at[idx]]
        found = at >= 0
        row = np.where(found, at, len(z.position))  # (the last entry: not found)
        u_lat, u_lon = z.lat[row], z.lon[row]
        # states compared as codes: the ZIP's state as the account's state code (-1: none has it)
        z_state = pd.Index(addr.state_values).get_indexer(z.state)
        state_now = addr.state_id[idx]
        same_state = state_now == z_state[row]
        restored = addr.zip_restored[idx]
        # a ZIP in another state is not trusted; a ZIP whose zeros were put back must be
        # confirmed by the account's state
        mismatch = found & addr.has_state[idx] & ~same_state
        # military mail (AE, AA, AP) and some special-use ZIPs are listed at 0, 0: no place
        unlocated = found & (u_lat == 0) & (u_lon == 0)
        use = found & ~unlocated & ~mismatch & (~restored | same_state)
        no_location[idx[unlocated]] = True
        hit = idx[use]
        lat[hit], lon[hit] = u_lat[use], u_lon[use]
        county_code[hit] = offset + row[use]
        county_parts.append(z.county)
        offset += len(z.county)
        how[hit] = 1 + PLACED_BY.index("postal code")
        restored_used = int((use & restored).sum())
        other_state[idx[mismatch & ~unlocated]] = True
        unconfirmed[idx[restored & found & ~unlocated & ~use & ~mismatch]] = True
        full_mismatch = np.zeros(n, dtype=bool)
        full_mismatch[idx[mismatch & ~restored]] = True
        problems += _warn(
            file,
            full_mismatch,
            rows,
            "{has} a postal code that belongs to another state than their state column; the "
            "postal code was not used",
            "check the state and the postal code in the CRM",
            "postal_code",
            _TakeAt(addr.postal_text_values, addr.postal_at),
        )
    need_city = (how == 0) & addr.us & addr.has_city & addr.has_state
    if need_city.any():
        table = zip_table()
        source = table.source
        idx = np.flatnonzero(need_city)
        codes, first = group_codes(addr.state_id[idx], addr.city_at[idx])
        state_values, city_values = addr.state_values, addr.city_values
        cinfo = [
            table.cities.get((state_values[addr.state_id[idx[i]]], city_values[addr.city_at[idx[i]]]))
            for i in first
        ]
        nowhere = np.array([r is not None and r[0] == 0 and r[1] == 0 for r in cinfo], dtype=bool)
        no_location[idx[nowhere[codes]]] = True  # APO/FPO/DPO: listed at 0, 0
        cinfo = [None if gone else r for r, gone in zip(cinfo, nowhere.tolist())]
        found = np.array([r is not None for r in cinfo], dtype=bool)[codes]
        hit = idx[found]
        lat[hit] = np.array([r[0] if r else np.nan for r in cinfo], dtype=float)[codes][found]
        lon[hit] = np.array([r[1] if r else np.nan for r in cinfo], dtype=float)[codes][found]
        county_code[hit] = offset + codes[found]
        county_parts.append(np.array([r[2] if r else "" for r in cinfo] + [""], dtype=object)[:-1])
        how[hit] = 1 + PLACED_BY.index("city")
    if addr.zip_restored.any():
        problems.append(_lost_zeros(file, addr, rows, other_state, unconfirmed, restored_used))
    return Placement(
        latitude=lat,
        longitude=lon,
        county_code=county_code,
        county_values=np.concatenate(county_parts),
        how=how,
        reason_code=_reasons(how, addr, no_location, other_state, unconfirmed),
        problems=problems,
        restored_zips=restored_used,
        source=source,
    )


def _reasons(
    how: np.ndarray,
    addr: Addresses,
    no_location: np.ndarray,
    other_state: np.ndarray,
    unconfirmed: np.ndarray,
) -> np.ndarray:
    """The REASONS code of each account (0 for the placed ones)."""
    out = np.zeros(len(how), dtype=np.int8)
    todo = how == 0
    non_us = todo & ~addr.us & (addr.country_values != "")[addr.country_at]
    out[non_us] = REASONS.index("outside the US (offline data covers US addresses only)")
    at = np.flatnonzero(todo & ~non_us)  # the rows left; the first reason that fits wins
    left = np.ones(len(at), dtype=bool)
    has_city = addr.has_city[at]
    has_state = addr.has_state[at]
    for reason, fits in (
        ("military mail or special-use address (APO/FPO/DPO): no place on the map", no_location[at]),
        ("city not found", has_city & has_state & addr.us[at]),
        ("postal code of another state than the state column", other_state[at]),
        ("postal code that lost its leading zeros, with no state to confirm it", unconfirmed[at]),
        ("postal code not found", addr.has_zip[at]),
        ("city without a state", has_city & ~has_state),
        ("postal code not read as a US ZIP", (addr.postal_values != "")[addr.postal_at[at]]),
        ("no address", True),
    ):
        hit = left & fits
        out[at[hit]] = REASONS.index(reason)
        left &= ~hit
    return out


def coverage(p: Placement, rows: np.ndarray) -> dict[str, Any]:
    """The summary.json record of how many accounts were placed, and how."""
    n = len(p.how)
    count = np.bincount(p.how, minlength=len(_HOW))  # counts per code, not per text
    placed = n - int(count[0])
    reasons: list[dict[str, Any]] = []
    if placed < n:
        r_count = np.bincount(p.reason_code, minlength=len(REASONS))
        rows = np.asarray(rows)
        for code in np.flatnonzero(r_count[1:]) + 1:
            members = np.flatnonzero(p.reason_code == code)[:20]
            reasons.append(
                {
                    "reason": REASONS[code],
                    "accounts": int(r_count[code]),
                    "rows": [int(r) for r in rows[members]],
                }
            )
        reasons.sort(key=lambda r: (-int(r["accounts"]), str(r["reason"])))
    return {
        "accounts": n,
        "placed": placed,
        "by": {k.replace(" ", "_"): int(count[1 + i]) for i, k in enumerate(PLACED_BY)},
        "with_county": int((p.county_values != "")[p.county_code].sum()),
        "not_placed": n - placed,
        "not_placed_reasons": reasons,
        "leading_zeros_restored": p.restored_zips,
        "data": p.source,
    }


def coverage_sentence(cov: dict[str, Any]) -> str:
    """'974 of 1,000 accounts placed: 950 by postal code, 24 by city; 26 not placed: rows ...'"""
    by = cov["by"]
    parts = [f"{by[k.replace(' ', '_')]:,} by {k}" for k in PLACED_BY if by.get(k.replace(" ", "_"))]
    text = f"{cov['placed']:,} of {cov['accounts']:,} accounts placed on the map"
    if parts:
        text += ": " + ", ".join(parts)
    if cov["not_placed"]:
        listed = sorted(r for g in cov["not_placed_reasons"] for r in g["rows"])[:10]
        rest = cov["not_placed"] - len(listed)
        shown = rows_text(listed, 10) + (f" and {rest:,} more" if rest > 0 else "")
        groups = cov["not_placed_reasons"]
        if len(groups) == 1:
            why = groups[0]["reason"]
        else:
            why = "; ".join(f"{g['accounts']:,} {g['reason']}" for g in groups[:3])
            if len(groups) > 3:
                why += f"; {sum(g['accounts'] for g in groups[3:]):,} for other reasons"
        text += f"; {cov['not_placed']:,} not placed ({why}): {shown}"
    return text + "."


@lru_cache(maxsize=1)
def zip3_centroids() -> dict[str, tuple[float, float, str, int]]:
    """ZIP3 prefix -> (latitude, longitude, state, ZIPs): the median of its ZIP centroids and
    the state most of its ZIPs are in. The units for ZIP3 territories (issue 15, phase B)."""
    groups: dict[str, list[tuple[float, float, str]]] = defaultdict(list)
    for z, (lat, lon, state, _county) in zip_table().zips.items():
        if lat == 0 and lon == 0:  # military mail and special-use ZIPs: no place
            continue
        groups[z[:3]].append((lat, lon, state))
    out: dict[str, tuple[float, float, str, int]] = {}
    for prefix, items in sorted(groups.items()):
        votes = Counter(s for _a, _b, s in items)
        state = min(votes, key=lambda s: (-votes[s], s))
        out[prefix] = (
            round(statistics.median(a for a, _b, _s in items), 4),
            round(statistics.median(b for _a, b, _s in items), 4),
            state,
            len(items),
        )
    return out
