"""Keeping the ICP honest: account-to-opportunity conversion by tier over a window.

For every tier: how many accounts there are, how many had at least one opportunity created
in the window, that share (the conversion rate) and its Wilson 95 % interval. Tier 1
should convert best. The tiers count as "in the expected order" only when the 95 % intervals
of adjacent tiers do not overlap; otherwise the report says they are not separated at this
sample size, how many accounts per tier would separate them at the observed rates, and which
of a set of standard windows (if any) separates them. When the opportunities carry a stage
and an amount, it adds the win rate (won / closed) and the mean value of won deals per tier.

Window arithmetic, precisely: the window ends on ``as_of`` (included) and starts the day
after ``as_of`` minus the window, so ``90d`` covers exactly 90 calendar days. ``Nd`` is N
days, ``Nw`` is 7*N days, ``Nm`` is N calendar months and ``Ny`` is N calendar years
(``pandas.DateOffset``, so 6m before 2017-12-27 is 2017-06-27 and the window starts
2017-06-28); a bare number is days. A window is at most 100 years.

Dates: ISO dates (with or without a time and a UTC offset; the day is the one written, not
the UTC day), numeric day/month dates when the column shows which comes first (a value above 12),
and dates with month names. A column of numeric dates where every value reads both ways
(03/04/2024) is refused unless ``date_format`` says which.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import pandas as pd

from .errors import ConfigError, InputError, Problem, more_problems
from .icp import IcpSet, score_accounts

__all__ = [
    "Window",
    "parse_window",
    "wilson_interval",
    "accounts_to_separate",
    "TierConversion",
    "TierDeals",
    "Separation",
    "ProductConversion",
    "ConversionReport",
    "conversion_by_tier",
    "split_account_key",
    "parse_dates",
]

Z95 = 1.959963984540054

_WINDOW_RE = re.compile(r"^\s*(\d+)\s*([dwmy]?)\s*$", re.IGNORECASE)
_UNIT_WORDS = {"d": "day", "w": "week", "m": "month", "y": "year"}
#: The longest window in each unit: 100 years. Longer looks back before any CRM existed, and
#: date arithmetic on it would leave the calendar pandas can represent.
WINDOW_MAX = {"d": 36_525, "w": 5_218, "m": 1_200, "y": 100}
#: Dates outside these are data-entry placeholders (0001-01-01, 9999-12-31), not real events.
FIRST_DAY = pd.Timestamp("1900-01-01")
LAST_DAY = pd.Timestamp("2199-12-31")
#: The windows tried when the tiers are not separated, shortest first.
CANDIDATE_WINDOWS = ("30d", "60d", "90d", "6m", "1y", "2y", "3y", "5y")
#: Accounts per tier beyond which "more accounts would separate them" is not worth saying.
MAX_ACCOUNTS_NEEDED = 10_000_000

# Column names recognised without an option, compared without case, spaces, '_' or '-'.
STAGE_NAMES = ("dealstage", "stage", "stagename", "opportunitystage")
AMOUNT_NAMES = ("closevalue", "amount", "dealvalue", "dealamount", "value")
CLOSE_DATE_NAMES = ("closedate", "closeddate", "dateclosed")
WON_STAGES = ("won", "closedwon")
LOST_STAGES = ("lost", "closedlost")


def _norm(name: object) -> str:
    return re.sub(r"[\s_\-]+", "", str(name).strip().lower())


@dataclass(frozen=True)
class Window:
    """A look-back window: ``amount`` days, weeks, calendar months or calendar years."""

    amount: int
    unit: Literal["d", "w", "m", "y"]

    def start(self, as_of: pd.Timestamp) -> pd.Timestamp:
        """The first day inside the window that ends on ``as_of`` (included)."""
        if self.unit == "d":
            before = as_of - pd.Timedelta(days=self.amount)
        elif self.unit == "w":
            before = as_of - pd.Timedelta(days=7 * self.amount)
        elif self.unit == "m":
            before = as_of - pd.DateOffset(months=self.amount)
        else:
            before = as_of - pd.DateOffset(years=self.amount)
        return before + pd.Timedelta(days=1)

    def __str__(self) -> str:
        word = _UNIT_WORDS[self.unit]
        return f"{self.amount} {word}{'s' if self.amount != 1 else ''}"


def parse_window(text: str | int | Window) -> Window:
    """Parse "90d", "12w", "6m", "1y" or a number of days; raise ``ValueError`` otherwise."""
    if isinstance(text, Window):
        return text
    m = _WINDOW_RE.match(str(text))
    if not m or int(m.group(1)) <= 0:
        raise ValueError(
            f"{text!r} is not a window; use a positive number of days (90 or 90d), weeks (12w), "
            "calendar months (6m) or years (1y)"
        )
    unit = (m.group(2) or "d").lower()
    if int(m.group(1)) > WINDOW_MAX[unit]:
        raise ValueError(
            f"{text!r} is too long a window; the longest is 100 years (36525d, 5218w, 1200m or 100y)"
        )
    return Window(int(m.group(1)), unit)  # type: ignore[arg-type]


def _wilson(p: float, n: float, z: float = Z95) -> tuple[float, float]:
    """Wilson score interval for a rate ``p`` observed on ``n`` trials (n may be any size)."""
    z2 = z * z
    denom = 1 + z2 / n
    centre = (p + z2 / (2 * n)) / denom
    half = z * math.sqrt(p * (1 - p) / n + z2 / (4 * n * n)) / denom
    return max(0.0, centre - half), min(1.0, centre + half)


def wilson_interval(successes: int, n: int, z: float = Z95) -> tuple[float, float]:
    """Wilson score interval for a proportion (95 % by default); (nan, nan) when n is 0."""
    if n <= 0:
        return (math.nan, math.nan)
    lo, hi = _wilson(successes / n, n, z)
    return (0.0 if successes == 0 else lo, 1.0 if successes == n else hi)


def accounts_to_separate(p_high: float, p_low: float) -> int | None:
    """Accounts per tier at which the 95 % intervals of two observed rates stop overlapping.

    The smallest ``n`` with ``Wilson(p_high, n).lo > Wilson(p_low, n).hi``, both tiers of ``n``
    accounts converting at the rates seen. ``None`` when ``p_high <= p_low`` (no number of
    accounts separates them in that order) or when it would take more than
    ``MAX_ACCOUNTS_NEEDED``.
    """
    if not p_high > p_low:
        return None

    def apart(n: int) -> bool:
        return _wilson(p_high, n)[0] > _wilson(p_low, n)[1]

    if not apart(MAX_ACCOUNTS_NEEDED):
        return None
    lo, hi = 1, MAX_ACCOUNTS_NEEDED  # the intervals narrow as n grows, so apart() is monotone
    while lo < hi:
        mid = (lo + hi) // 2
        if apart(mid):
            hi = mid
        else:
            lo = mid + 1
    return lo


# 97.5 % quantiles of Student's t for 1-9 degrees of freedom; above, the Cornish-Fisher
# expansion below is within 1e-5 of the exact value (2.22814 at 10, 2.04227 at 30).
_T975 = (12.7062, 4.3027, 3.1824, 2.7764, 2.5706, 2.4469, 2.3646, 2.3060, 2.2622)


def _t975(df: int) -> float:
    if df <= len(_T975):
        return _T975[df - 1]
    z = Z95
    return (
        z
        + (z**3 + z) / (4 * df)
        + (5 * z**5 + 16 * z**3 + 3 * z) / (96 * df**2)
        + (3 * z**7 + 19 * z**5 + 17 * z**3 - 15 * z) / (384 * df**3)
        + (79 * z**9 + 776 * z**7 + 1482 * z**5 - 1920 * z**3 - 945 * z) / (92160 * df**4)
    )


@dataclass(frozen=True)
class TierConversion:
    """One tier's row: accounts, accounts with an opportunity in the window, rate and interval."""

    tier: int
    accounts: int
    converted: int

    @property
    def rate(self) -> float:
        return self.converted / self.accounts if self.accounts else math.nan

    @property
    def interval(self) -> tuple[float, float]:
        return wilson_interval(self.converted, self.accounts)


@dataclass(frozen=True)
class TierDeals:
    """One tier's closed opportunities: won, lost, and the values of the won ones."""

    tier: int
    won: int
    lost: int
    won_values: tuple[float, ...] = ()

    @property
    def closed(self) -> int:
        return self.won + self.lost

    @property
    def win_rate(self) -> float:
        return self.won / self.closed if self.closed else math.nan

    @property
    def win_interval(self) -> tuple[float, float]:
        return wilson_interval(self.won, self.closed)

    @property
    def mean_value(self) -> float:
        return float(np.mean(self.won_values)) if self.won_values else math.nan

    @property
    def value_interval(self) -> tuple[float, float]:
        """Student-t 95 % interval of the mean won value; (nan, nan) below two values."""
        n = len(self.won_values)
        if n < 2:
            return (math.nan, math.nan)
        half = _t975(n - 1) * float(np.std(self.won_values, ddof=1)) / math.sqrt(n)
        return (self.mean_value - half, self.mean_value + half)


@dataclass(frozen=True)
class Separation:
    """Two adjacent tiers (``higher`` is the better fit) compared by their 95 % intervals."""

    higher: TierConversion
    lower: TierConversion

    @property
    def separated(self) -> bool:
        """The better tier converts better and the intervals do not overlap."""
        return self.higher.interval[0] > self.lower.interval[1]

    @property
    def reversed(self) -> bool:
        """The worse tier converts better and the intervals do not overlap."""
        return self.lower.interval[0] > self.higher.interval[1]

    @property
    def accounts_needed(self) -> int | None:
        """Accounts per tier that would separate them at the observed rates (see ``accounts_to_separate``)."""
        return accounts_to_separate(self.higher.rate, self.lower.rate)


@dataclass(frozen=True)
class ProductConversion:
    """Conversion per tier for one product's tiers (or the input's own tier column)."""

    product: str
    title: str
    tiers: tuple[TierConversion, ...]
    warnings: tuple[str, ...] = ()
    separations: tuple[Separation, ...] = ()
    #: The shortest of ``windows_tried`` that separates every adjacent pair in order, if any.
    separating_window: Window | None = None
    windows_tried: tuple[Window, ...] = ()
    deals: tuple[TierDeals, ...] | None = None

    @property
    def ordered(self) -> bool:
        """True only when every adjacent pair of tiers is separated in the expected order."""
        return bool(self.separations) and all(s.separated for s in self.separations)


@dataclass(frozen=True)
class ConversionReport:
    """Everything ``territory validate`` prints, as data."""

    as_of: pd.Timestamp
    as_of_from_data: bool
    window: Window
    window_start: pd.Timestamp
    account_key: str
    date_column: str
    accounts: int
    opportunities: int
    opportunities_in_window: int
    products: tuple[ProductConversion, ...]
    notes: tuple[str, ...] = field(default=())
    opportunity_key: str = ""
    #: How the win rate picks its opportunities, in words ('' when there is no stage column).
    deals_basis: str = ""
    stage_column: str = ""
    amount_column: str = ""

    def __repr__(self) -> str:
        return (
            f"<ConversionReport [{self.accounts:,} accounts, {self.opportunities_in_window:,} "
            f"opportunities in {self.window} to {self.as_of.date()}, "
            f"{sum(len(p.warnings) for p in self.products)} warnings]>"
        )


def split_account_key(spec: str | tuple[str, str]) -> tuple[str, str]:
    """'account_id' -> (account_id, account_id); 'account_id=Account' -> (account_id, Account).

    The first name is the accounts file's column, the second the opportunities file's.
    """
    if isinstance(spec, tuple):
        return spec
    if "=" in spec:
        left, right = (s.strip() for s in spec.split("=", 1))
        if not left or not right:
            raise ConfigError(
                f"--account-key {spec!r}: write ACCOUNTS_COLUMN=OPPORTUNITIES_COLUMN, e.g. account_id=Account"
            )
        return left, right
    return spec.strip(), spec.strip()


def _resolve(df: pd.DataFrame, name: str) -> str | None:
    """The column called ``name``, or the one column equal to it ignoring case, spaces, '_', '-'."""
    if name in df.columns:
        return name
    hits = [str(c) for c in df.columns if _norm(c) == _norm(name)]
    return hits[0] if len(hits) == 1 else None


def _find(df: pd.DataFrame, names: Sequence[str]) -> str | None:
    for want in names:
        for c in df.columns:
            if _norm(c) == want:
                return str(c)
    return None


def conversion_by_tier(
    accounts: pd.DataFrame,
    opportunities: pd.DataFrame,
    icp: IcpSet | None = None,
    *,
    window: str | int | Window = "90d",
    as_of: str | pd.Timestamp | None = None,
    account_key: str | tuple[str, str] = "account_id",
    date_column: str = "created_date",
    date_format: str | None = None,
    stage_column: str | None = None,
    amount_column: str | None = None,
    close_date_column: str | None = None,
    accounts_file: str = "accounts",
    opportunities_file: str = "opportunities",
) -> ConversionReport:
    """Conversion rate per tier: the share of accounts with an opportunity created in the window.

    With an ``icp`` the accounts are scored and every product's tiers are checked; without
    one, the accounts' own ``tier`` column (1/2/3, "Tier 1", "T1") is used.

    :param as_of: the window's last day; default the latest date in ``date_column``.
    :param account_key: the column that names the account in both files, or a pair
        (accounts column, opportunities column), or the text "ACCOUNTS_COLUMN=OPPS_COLUMN".
    :param date_format: a strftime pattern (e.g. ``%d/%m/%Y``) for the date columns; needed
        when day and month cannot be told apart from the data.
    :param stage_column: the opportunity stage (won / lost / open); found by name when not
        given (deal_stage, StageName, ...). With it, the report adds win rates per tier.
    :param amount_column: the deal value (close_value, Amount, ...), for the mean won deal.
    :param close_date_column: when the deal closed; the win rate then counts deals closed in
        the window, else deals created in the window that have closed.
    """
    try:
        win = parse_window(window)
    except ValueError as e:
        raise ConfigError(f"--window: {e}") from None
    acc_key_name, opp_key_name = split_account_key(account_key)
    problems: list[Problem] = []
    acc_key = _resolve(accounts, acc_key_name)
    opp_key = _resolve(opportunities, opp_key_name)
    if acc_key is None:
        problems.append(_missing_key(accounts_file, acc_key_name, accounts, opportunities))
    if opp_key is None:
        problems.append(_missing_key(opportunities_file, opp_key_name, opportunities, accounts))
    date_col = _resolve(opportunities, date_column)
    if date_col is None:
        datey = [str(c) for c in opportunities.columns if "date" in str(c).lower()]
        problems.append(
            Problem(
                opportunities_file,
                f"no column '{date_column}' for the opportunity's creation date",
                row=1,
                column=date_column,
                hint=(
                    f"pass --date-column with one of: {', '.join(datey)}"
                    if datey
                    else f"columns found: {', '.join(map(str, opportunities.columns))}"
                ),
            )
        )
    for option, given in (
        ("--stage-column", stage_column),
        ("--amount-column", amount_column),
        ("--close-date-column", close_date_column),
    ):
        if given and _resolve(opportunities, given) is None:
            problems.append(
                Problem(
                    opportunities_file,
                    f"no column '{given}' (from {option})",
                    row=1,
                    column=given,
                    hint=f"columns found: {', '.join(map(str, opportunities.columns))}",
                )
            )
    if problems:
        raise InputError(problems)
    assert acc_key is not None and opp_key is not None and date_col is not None

    keys = accounts[acc_key].astype("str").fillna("").str.strip()
    dup = keys.duplicated(keep=False) & keys.ne("")
    if dup.any():
        idx = np.flatnonzero(dup.to_numpy())
        for i in idx[:20]:
            problems.append(
                Problem(
                    accounts_file,
                    f"account key '{acc_key}' appears more than once",
                    row=int(i) + 2,
                    column=acc_key,
                    value=str(keys.iat[i]),
                    hint="conversion is counted per account, so each key must be unique; pass "
                    "--account-key with a unique column",
                )
            )
        if len(idx) > 20:
            problems.append(more_problems(accounts_file, len(idx) - 20, "rows with a repeated key"))
        raise InputError(problems)

    tier_sets = _tier_sets(accounts, icp, accounts_file)

    # Opportunities: keep those with a known account and a readable date.
    notes: list[str] = []
    opp_keys = opportunities[opp_key].astype("str").fillna("").str.strip()
    dates, date_notes = parse_dates(
        opportunities[date_col], date_format, file=opportunities_file, column=date_col
    )
    notes += date_notes
    n_opps = len(opportunities)
    no_key = opp_keys.eq("").to_numpy()
    if no_key.any():
        notes.append(f"{int(no_key.sum()):,} of {n_opps:,} opportunities have no {opp_key} and are left out.")
    key_index = pd.Series(np.arange(len(keys)), index=keys.where(keys.ne(""), None))
    key_index = key_index[key_index.index.notna()]
    account_of = opp_keys.map(key_index).to_numpy(dtype="float64")  # NaN: not in the accounts
    matched = ~np.isnan(account_of)
    if not matched.any():
        raise InputError(
            [_no_match_problem(keys, opp_keys, acc_key, opp_key, accounts_file, opportunities_file)]
        )
    usable = matched & dates.notna().to_numpy()
    if not usable.any():
        from .io.loading import spreadsheet_rows

        first = int(np.flatnonzero(matched)[0])  # the first such opportunity, as an example
        raise InputError(
            [
                Problem(
                    opportunities_file,
                    f"none of the {int(matched.sum()):,} opportunities of known accounts has a readable {date_col}",
                    row=spreadsheet_rows(opportunities)[first],
                    column=date_col,
                    value=str(opportunities[date_col].iat[first]),
                    hint="check --date-column (and --date-format); dates read are YYYY-MM-DD (with a "
                    "time and UTC offset or not), or day/month/year and month/day/year",
                )
            ]
        )

    d = dates.to_numpy(dtype="datetime64[ns]")
    if as_of is None:
        end = pd.Timestamp(d[usable].max()).normalize()
        from_data = True
    else:
        try:
            end = pd.Timestamp(as_of).normalize()
        except (ValueError, TypeError, OverflowError):
            raise ConfigError(f"--as-of: {as_of!r} is not a date; write YYYY-MM-DD") from None
        if not FIRST_DAY <= end <= LAST_DAY:
            raise ConfigError(f"--as-of: {end.date()} is outside {FIRST_DAY.date()} to {LAST_DAY.date()}")
        from_data = False
    start = win.start(end)
    in_window = usable & (d >= start.to_datetime64()) & (d <= end.to_datetime64())
    if not from_data and (d[usable] > end.to_datetime64()).any():
        later = int((d[usable] > end.to_datetime64()).sum())
        notes.append(f"{later:,} opportunities are dated after --as-of {end.date()} and are not counted.")
    dated_in_window = dates.notna().to_numpy() & (d >= start.to_datetime64()) & (d <= end.to_datetime64())
    unknown = pd.unique(opp_keys[~matched & ~no_key & dated_in_window])
    if len(unknown):
        shown = ", ".join(repr(k) for k in unknown[:3])
        notes.append(
            f"{len(unknown):,} accounts with opportunities in the window are not in the accounts file "
            f"(e.g. {shown}); their opportunities are not counted."
        )
    if not in_window.any():
        latest = pd.Timestamp(d[usable].max()).date()
        raise InputError(
            [
                Problem(
                    opportunities_file,
                    f"none of the {int(usable.sum()):,} opportunities of known accounts was created in "
                    f"the {win} from {start.date()} to {end.date()} (the latest is {latest})",
                    column=date_col,
                    hint="widen --window or move --as-of",
                )
            ]
        )

    # Per account, the latest opportunity date on or before the window's end: an account
    # converted in a window ending there iff that date is on or after the window's start.
    acc_idx = account_of[usable].astype(np.int64)
    on_time = d[usable] <= end.to_datetime64()
    nat = np.datetime64("NaT", "ns").astype(np.int64)  # the smallest int64, below every date
    latest_ns = np.full(len(keys), nat, dtype=np.int64)
    np.maximum.at(latest_ns, acc_idx[on_time], d[usable][on_time].astype(np.int64))
    latest = latest_ns.astype("datetime64[ns]")
    earliest_date = pd.Timestamp(d[usable][on_time].min()) if on_time.any() else end

    deals, deals_basis, stage_name, amount_name, deal_notes = _deal_inputs(
        opportunities,
        account_of,
        d,
        start,
        end,
        stage_column,
        amount_column,
        close_date_column,
        date_format,
        opportunities_file,
    )
    notes += deal_notes

    products: list[ProductConversion] = []
    for name, title, tiers in tier_sets:
        rows = _tier_rows(tiers, latest, start)
        separations = _separations(rows)
        tried: list[Window] = []
        best: Window | None = None
        if not (separations and all(s.separated for s in separations)):
            tried, best = _window_search(tiers, latest, end, earliest_date)
        tier_deals = None
        if deals is not None:
            acc, won, lost, value = deals
            t = tiers[acc]
            tier_deals = tuple(
                TierDeals(
                    k,
                    int((won & (t == k)).sum()),
                    int((lost & (t == k)).sum()),
                    tuple(float(v) for v in value[won & (t == k) & ~np.isnan(value)]),
                )
                for k in (1, 2, 3)
            )
        products.append(
            ProductConversion(
                name,
                title,
                rows,
                tuple(_order_warnings(rows)),
                separations,
                best,
                tuple(tried),
                tier_deals,
            )
        )
        filled = [r for r in rows if r.accounts]
        if filled and all(r.rate >= 0.95 for r in filled):
            notes.append(
                f"{name}: every tier converts at 95 % or more in this window, so the "
                "window is too long to tell the tiers apart; try a shorter --window."
            )
    return ConversionReport(
        as_of=end,
        as_of_from_data=from_data,
        window=win,
        window_start=start,
        account_key=acc_key,
        date_column=date_col,
        accounts=len(accounts),
        opportunities=n_opps,
        opportunities_in_window=int((~no_key & dated_in_window).sum()),
        products=tuple(products),
        notes=tuple(notes),
        opportunity_key=opp_key,
        deals_basis=deals_basis,
        stage_column=stage_name,
        amount_column=amount_name,
    )


def _tier_sets(
    accounts: pd.DataFrame, icp: IcpSet | None, accounts_file: str
) -> list[tuple[str, str, np.ndarray]]:
    """(product, title, tier per account) for every product of the ICP, or the tier column."""
    if icp is not None:
        scored = score_accounts(accounts, icp, overwrite=True, source=accounts_file)
        return [(p.name, p.title, scored[f"tier_{p.name}"].to_numpy()) for p in icp]
    if "tier" not in accounts.columns:
        raise InputError(
            [
                Problem(
                    accounts_file,
                    "no 'tier' column and no ICP file",
                    row=1,
                    column="tier",
                    hint="pass --icp FILE to tier the accounts, or add a tier column (1, 2 or 3)",
                )
            ]
        )
    from .io.loading import parse_tier

    tier, bad, empty = parse_tier(accounts["tier"])
    idx = np.flatnonzero((bad | empty).to_numpy())
    if len(idx):
        problems = [
            Problem(
                accounts_file,
                "tier must be 1, 2 or 3",
                row=int(i) + 2,
                column="tier",
                value=str(accounts["tier"].iat[i]),
                hint="write 1, 2 or 3 (or 'Tier 1')",
            )
            for i in idx[:20]
        ]
        if len(idx) > 20:
            problems.append(more_problems(accounts_file, len(idx) - 20, "rows like this in column 'tier'"))
        raise InputError(problems)
    return [("tier", "the accounts' tier column", tier.to_numpy(dtype="int64"))]


def _tier_rows(tiers: np.ndarray, latest: np.ndarray, start: pd.Timestamp) -> tuple[TierConversion, ...]:
    converted = ~np.isnat(latest) & (latest >= start.to_datetime64())
    return tuple(
        TierConversion(t, int((tiers == t).sum()), int(((tiers == t) & converted).sum())) for t in (1, 2, 3)
    )


def _separations(rows: Sequence[TierConversion]) -> tuple[Separation, ...]:
    """Adjacent tiers among those with accounts: 1 vs 2 and 2 vs 3 (1 vs 3 when Tier 2 is empty)."""
    filled = [r for r in rows if r.accounts]
    return tuple(Separation(a, b) for a, b in zip(filled, filled[1:]))


def _window_search(
    tiers: np.ndarray, latest: np.ndarray, end: pd.Timestamp, earliest: pd.Timestamp
) -> tuple[list[Window], Window | None]:
    """Try the standard windows, shortest first; the first that separates every adjacent pair.

    Windows reaching back before the earliest opportunity all give the same counts, so the
    search stops at the first of them.
    """
    tried: list[Window] = []
    for text in CANDIDATE_WINDOWS:
        w = parse_window(text)
        tried.append(w)
        seps = _separations(_tier_rows(tiers, latest, w.start(end)))
        if seps and all(s.separated for s in seps):
            return tried, w
        if w.start(end) <= earliest:
            break
    return tried, None


def _deal_inputs(
    opportunities: pd.DataFrame,
    account_of: np.ndarray,
    created: np.ndarray,
    start: pd.Timestamp,
    end: pd.Timestamp,
    stage_column: str | None,
    amount_column: str | None,
    close_date_column: str | None,
    date_format: str | None,
    file: str,
) -> tuple[tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray] | None, str, str, str, list[str]]:
    """The closed opportunities the win rate counts: (account index, won, lost, value), basis, notes."""
    stage = _resolve(opportunities, stage_column) if stage_column else _find(opportunities, STAGE_NAMES)
    if stage is None:
        return None, "", "", "", []
    notes: list[str] = []
    text = opportunities[stage].astype("str").fillna("").map(_norm)
    won = text.isin(WON_STAGES).to_numpy()
    lost = text.isin(LOST_STAGES).to_numpy()
    if not (won | lost).any():
        seen = ", ".join(repr(v) for v in pd.unique(opportunities[stage].astype("str"))[:8])
        if stage_column:
            raise InputError(
                [
                    Problem(
                        file,
                        f"no opportunity in '{stage}' is won or lost",
                        column=stage,
                        hint=f"won deals say Won or Closed Won, lost ones Lost or Closed Lost; values seen: {seen}",
                    )
                ]
            )
        notes.append(
            f"column '{stage}' has no Won / Lost (or Closed Won / Closed Lost) values (seen: {seen}), "
            "so there is no win rate."
        )
        return None, "", "", "", notes
    close = (
        _resolve(opportunities, close_date_column)
        if close_date_column
        else _find(opportunities, CLOSE_DATE_NAMES)
    )
    if close is not None:
        # Open deals have no close date yet, so only the closed ones are read (and noted).
        closed_on, close_notes = parse_dates(
            opportunities[close][won | lost], date_format, file=file, column=close
        )
        notes += [n.replace("opportunities have", "won or lost deals have", 1) for n in close_notes]
        when = closed_on.reindex(opportunities.index).to_numpy(dtype="datetime64[ns]")
        basis = f"deals closed (won or lost) in the window, by {close}"
    else:
        when = created
        basis = "deals created in the window that have closed (won or lost); no close-date column"
    in_window = ~np.isnat(when) & (when >= start.to_datetime64()) & (when <= end.to_datetime64())
    keep = ~np.isnan(account_of) & in_window & (won | lost)
    amount = _resolve(opportunities, amount_column) if amount_column else _find(opportunities, AMOUNT_NAMES)
    value = np.full(len(opportunities), np.nan)
    if amount is not None:
        from .io.loading import parse_number

        parsed, bad = parse_number(opportunities[amount].astype("str").fillna(""))
        value = parsed.to_numpy(dtype="float64")
        missing = keep & won & np.isnan(value)
        if missing.any():
            notes.append(
                f"{int(missing.sum()):,} won deals in the window have no readable {amount} and are left "
                "out of the mean deal value."
            )
    return (
        (account_of[keep].astype(np.int64), won[keep], lost[keep], value[keep]),
        basis,
        stage,
        amount or "",
        notes,
    )


def _order_warnings(rows: Sequence[TierConversion]) -> list[str]:
    out: list[str] = []
    for hi in rows:
        for lo in rows:
            if lo.tier <= hi.tier or not hi.accounts or not lo.accounts:
                continue
            if lo.rate > hi.rate:
                clear = lo.interval[0] > hi.interval[1]
                why = (
                    "the 95 % intervals do not overlap, so this is unlikely to be chance"
                    if clear
                    else "the 95 % intervals overlap, so this may be chance; more accounts "
                    "or another window would tell"
                )
                out.append(
                    f"Tier {lo.tier} converts better than Tier {hi.tier} "
                    f"({lo.rate:.1%} vs {hi.rate:.1%}): the ICP may need refining ({why})."
                )
    return out


def _missing_key(file: str, key: str, df: pd.DataFrame, other: pd.DataFrame) -> Problem:
    common = [str(c) for c in df.columns if c in set(other.columns)]
    hint = (
        f"pass --account-key with a column both files share ({', '.join(common)}), or "
        "ACCOUNTS_COLUMN=OPPORTUNITIES_COLUMN when they differ"
        if common
        else f"columns found: {', '.join(map(str, df.columns))}; pass --account-key "
        "ACCOUNTS_COLUMN=OPPORTUNITIES_COLUMN"
    )
    return Problem(
        file, f"no column '{key}' to match accounts and opportunities", row=1, column=key, hint=hint
    )


def _no_match_problem(
    keys: pd.Series,
    opp_keys: pd.Series,
    acc_key: str,
    opp_key: str,
    accounts_file: str,
    opportunities_file: str,
) -> Problem:
    acc_examples = [k for k in pd.unique(keys) if k][:3]
    opp_examples = [k for k in pd.unique(opp_keys) if k][:3]
    hint = (
        f"the accounts' {acc_key} looks like {', '.join(map(repr, acc_examples)) or '(all empty)'}; "
        f"the opportunities' {opp_key} looks like {', '.join(map(repr, opp_examples)) or '(all empty)'}"
    )
    folded = set(keys.str.casefold()) - {""}
    if folded & set(opp_keys.str.casefold()):
        hint += "; some match when upper and lower case are ignored: export both files with the same ids"
    else:
        hint += "; pass --account-key ACCOUNTS_COLUMN=OPPORTUNITIES_COLUMN to match other columns"
    return Problem(
        opportunities_file,
        f"no opportunity matches an account: no {opp_key} value is an {acc_key} in {accounts_file}",
        column=opp_key,
        hint=hint,
    )


# A UTC offset after a time of day ("T23:00:00-05:00", "11:00 PM -0500", "23:59:59Z"): dropped, so
# the day is the one written. A bare date has no time, so "2026-03-31" keeps its "-31".
_OFFSET = re.compile(
    r"(?<=\d:\d\d)((?::\d\d(?:\.\d+)?)?(?:\s*[AaPp][Mm])?)\s*(?:Z|UTC|GMT|[+-]\d\d(?::?\d\d)?)$"
)
_DMY = re.compile(r"^\s*(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{4}|\d{2})\b")


def parse_dates(
    series: pd.Series,
    date_format: str | None = None,
    *,
    file: str = "opportunities",
    column: str = "date",
) -> tuple[pd.Series, list[str]]:
    """Dates (midnight, no time zone) and notes about the values that were left out.

    A date with a time and a UTC offset is the day as written (the local day the CRM shows:
    ``2026-03-31T23:00:00-05:00`` is March 31, not April 1 in UTC). Numeric dates such as
    03/04/2024 are day-first or month-first as the column shows (a value above 12 in the
    first or second place); when no value tells, or the column shows both, ``InputError``
    asks for ``date_format``. Dates before 1900 or after 2199 are left out as placeholders.
    """
    index = series.index
    series = series.reset_index(drop=True)  # labels are positions: row = label + 2
    dates, notes = _parse_dates(series, date_format, file, column)
    return dates.set_axis(index), notes


def _parse_dates(
    series: pd.Series, date_format: str | None, file: str, column: str
) -> tuple[pd.Series, list[str]]:
    if pd.api.types.is_datetime64_any_dtype(series):
        out = series.dt.tz_localize(None) if getattr(series.dt, "tz", None) else series  # the local day
        return _sane(out.dt.normalize(), series.astype("str"), column)
    text = series.astype("str").fillna("").str.strip()
    written = text.str.replace(_OFFSET, r"\1", regex=True)  # the day as written, not the UTC day
    nonempty = text.ne("") & ~text.str.lower().isin(["nan", "nat", "none"])
    if date_format:
        try:
            # the offset is dropped from the values (the day as written), so from the format too
            fmt = re.sub(r"\s*%[zZ]", "", date_format)
            out = pd.to_datetime(written.where(nonempty), errors="coerce", format=fmt, utc=True)
        except ValueError as e:
            raise ConfigError(
                f"--date-format {date_format!r}: {e}; use strftime codes such as %d/%m/%Y"
            ) from None
    else:
        out = _to_utc(pd.to_datetime(written.where(nonempty), errors="coerce", format="ISO8601", utc=True))
        rest = out.isna() & nonempty
        if rest.any():
            out = out.copy()
            out[rest] = _parse_other(written[rest], file, column)
    out = _to_utc(out).dt.tz_localize(None).dt.normalize()
    notes: list[str] = []
    empty = ~nonempty
    if empty.any():
        notes.append(f"{int(empty.sum()):,} opportunities have no {column} and are left out.")
    bad = out.isna() & nonempty
    if bad.any():
        rows = ", ".join(str(int(i) + 2) for i in np.flatnonzero(bad.to_numpy())[:5])
        fix = f"check --date-format {date_format}" if date_format else "write dates as YYYY-MM-DD"
        notes.append(
            f"{int(bad.sum()):,} opportunities have an unreadable {column} "
            f"(rows {rows}{', ...' if bad.sum() > 5 else ''}) and are left out; {fix}."
        )
    sane, sane_notes = _sane(out, text, column)
    return sane, notes + sane_notes


def _to_utc(s: pd.Series) -> pd.Series:
    return s.dt.tz_convert("UTC") if getattr(s.dt, "tz", None) is not None else s.dt.tz_localize("UTC")


def _sane(dates: pd.Series, text: pd.Series, column: str) -> tuple[pd.Series, list[str]]:
    """Leave out dates before 1900 or after 2199 (placeholders such as 0001-01-01), with a note."""
    off = dates.notna() & ((dates < FIRST_DAY) | (dates > LAST_DAY))
    if not off.any():
        return dates, []
    idx = np.flatnonzero(off.to_numpy())
    shown = ", ".join(f"row {int(i) + 2}: {text.iat[i]!r}" for i in idx[:3])
    note = (
        f"{len(idx):,} opportunities have a {column} before {FIRST_DAY.year} or after {LAST_DAY.year} "
        f"({shown}{', ...' if len(idx) > 3 else ''}) and are left out."
    )
    return dates.where(~off), [note]


def _parse_other(text: pd.Series, file: str, column: str) -> pd.Series:
    """Non-ISO dates: numeric day/month ones by the order the column shows, the rest by pandas."""
    parts = text.str.extract(_DMY)
    numeric = parts[0].notna()
    out = pd.Series(pd.NaT, index=text.index, dtype="datetime64[ns, UTC]")
    if numeric.any():
        first = parts.loc[numeric, 0].astype(int)
        second = parts.loc[numeric, 1].astype(int)
        day_first = first.gt(12) & second.le(12)
        month_first = second.gt(12) & first.le(12)
        if day_first.any() and month_first.any():
            i, j = day_first.idxmax(), month_first.idxmax()
            raise InputError(
                [
                    Problem(
                        file,
                        f"'{column}' mixes day-first and month-first dates "
                        f"(row {int(i) + 2}: {text[i]!r}, row {int(j) + 2}: {text[j]!r})",
                        column=column,
                        hint="export the dates as YYYY-MM-DD",
                    )
                ]
            )
        if not (day_first.any() or month_first.any()):
            i = first.index[0]
            raise InputError(
                [
                    Problem(
                        file,
                        f"'{column}' has dates such as {text[i]!r} that read as day/month or month/day, "
                        "and no value tells which",
                        column=column,
                        value=str(text[i]),
                        hint="pass --date-format %d/%m/%Y (day first) or --date-format %m/%d/%Y "
                        "(month first), or export the dates as YYYY-MM-DD",
                    )
                ]
            )
        year = parts.loc[numeric, 2]
        d_, m_ = (first, second) if day_first.any() else (second, first)
        y_ = year.astype(int).where(year.str.len() == 4, 2000 + year.astype(int))
        built = pd.to_datetime(
            pd.DataFrame({"year": y_, "month": m_, "day": d_}), errors="coerce"
        ).dt.tz_localize("UTC")
        out[numeric] = built
    other = ~numeric
    if other.any():
        out[other] = _to_utc(pd.to_datetime(text[other], errors="coerce", format="mixed", utc=True))
    return out


def describe_separation(s: Separation) -> str:
    """One line on two adjacent tiers that are not separated, for the report."""
    a, b = s.higher, s.lower
    head = f"Tier {a.tier} and Tier {b.tier} are not separated at this sample size ({a.rate:.1%} vs {b.rate:.1%})"
    if s.reversed:
        return f"Tier {b.tier} converts clearly better than Tier {a.tier} ({b.rate:.1%} vs {a.rate:.1%})"
    need = s.accounts_needed
    if need is None:
        if a.rate <= b.rate:
            return head + (
                f": Tier {a.tier} does not convert better, so more accounts at these rates would not "
                "separate them in the expected order"
            )
        return (
            head
            + f": the rates are too close to separate with up to {MAX_ACCOUNTS_NEEDED:,} accounts per tier"
        )
    return (
        head + f": at these rates, about {need:,} accounts per tier would separate them (you have "
        f"{a.accounts:,} and {b.accounts:,})"
    )


def describe_window_search(p: ProductConversion) -> str:
    """Which of the standard windows separates every adjacent pair, if any."""
    tried = ", ".join(str(w) for w in p.windows_tried)
    if p.separating_window is not None:
        return (
            f"Of the windows {tried}, the shortest that separates every adjacent pair of tiers in the "
            f"expected order is {p.separating_window} (--window {p.separating_window.amount}"
            f"{p.separating_window.unit}); trying several windows and keeping one that separates "
            "can be luck, so confirm on a later period."
        )
    return f"None of the windows {tried} separates every adjacent pair of tiers in the expected order."


def product_verdict(p: ProductConversion) -> list[str]:
    """The lines that say whether the tiers are separated, for the report."""
    if p.ordered:
        return [
            "The tiers convert in the expected order (Tier 1 best): the 95 % intervals of adjacent tiers do not overlap."
        ]
    if not p.separations:
        return ["Only one tier has accounts, so there is nothing to compare."]
    return [describe_separation(s) for s in p.separations if not s.separated]
