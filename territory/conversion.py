"""Keeping the ICP honest: account-to-opportunity conversion by tier over a window.

For every tier: how many accounts there are, how many had at least one opportunity created
in the window, that share (the conversion rate) and its Wilson 95 % interval. Tier 1
should convert best; when a lower tier converts better than a higher one the report
carries a warning that the ICP may need refining, and says whether the gap could be chance.

Window arithmetic, precisely: the window ends on ``as_of`` (included) and starts the day
after ``as_of`` minus the window, so ``90d`` covers exactly 90 calendar days. ``Nd`` is N
days, ``Nw`` is 7*N days, ``Nm`` is N calendar months and ``Ny`` is N calendar years
(``pandas.DateOffset``, so 6m before 2017-12-27 is 2017-06-27 and the window starts
2017-06-28); a bare number is days.
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
    "TierConversion",
    "ProductConversion",
    "ConversionReport",
    "conversion_by_tier",
]

Z95 = 1.959963984540054

_WINDOW_RE = re.compile(r"^\s*(\d+)\s*([dwmy]?)\s*$", re.IGNORECASE)
_UNIT_WORDS = {"d": "day", "w": "week", "m": "month", "y": "year"}


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
    return Window(int(m.group(1)), unit)  # type: ignore[arg-type]


def wilson_interval(successes: int, n: int, z: float = Z95) -> tuple[float, float]:
    """Wilson score interval for a proportion (95 % by default); (nan, nan) when n is 0."""
    if n <= 0:
        return (math.nan, math.nan)
    p = successes / n
    z2 = z * z
    denom = 1 + z2 / n
    centre = (p + z2 / (2 * n)) / denom
    half = z * math.sqrt(p * (1 - p) / n + z2 / (4 * n * n)) / denom
    lo = 0.0 if successes == 0 else max(0.0, centre - half)
    hi = 1.0 if successes == n else min(1.0, centre + half)
    return (lo, hi)


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
class ProductConversion:
    """Conversion per tier for one product's tiers (or the input's own tier column)."""

    product: str
    title: str
    tiers: tuple[TierConversion, ...]
    warnings: tuple[str, ...] = ()

    @property
    def ordered(self) -> bool:
        """True when no lower tier converts better than a higher one."""
        return not self.warnings


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

    def __repr__(self) -> str:
        return (
            f"<ConversionReport [{self.accounts:,} accounts, {self.opportunities_in_window:,} "
            f"opportunities in {self.window} to {self.as_of.date()}, "
            f"{sum(len(p.warnings) for p in self.products)} warnings]>"
        )


def conversion_by_tier(
    accounts: pd.DataFrame,
    opportunities: pd.DataFrame,
    icp: IcpSet | None = None,
    *,
    window: str | int | Window = "90d",
    as_of: str | pd.Timestamp | None = None,
    account_key: str = "account_id",
    date_column: str = "created_date",
    accounts_file: str = "accounts",
    opportunities_file: str = "opportunities",
) -> ConversionReport:
    """Conversion rate per tier: the share of accounts with an opportunity created in the window.

    With an ``icp`` the accounts are scored and every product's tiers are checked; without
    one, the accounts' own ``tier`` column (1/2/3, "Tier 1", "T1") is used.

    :param as_of: the window's last day; default the latest date in ``date_column``.
    :param account_key: the column that names the account in both files.
    """
    try:
        win = parse_window(window)
    except ValueError as e:
        raise ConfigError(f"--window: {e}") from None
    problems: list[Problem] = []
    if account_key not in accounts.columns:
        problems.append(_missing_key(accounts_file, account_key, accounts, opportunities))
    if account_key not in opportunities.columns:
        problems.append(_missing_key(opportunities_file, account_key, opportunities, accounts))
    if date_column not in opportunities.columns:
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
    if problems:
        raise InputError(problems)

    keys = accounts[account_key].astype("str").fillna("").str.strip()
    dup = keys.duplicated(keep=False) & keys.ne("")
    if dup.any():
        idx = np.flatnonzero(dup.to_numpy())
        for i in idx[:20]:
            problems.append(
                Problem(
                    accounts_file,
                    f"account key '{account_key}' appears more than once",
                    row=int(i) + 2,
                    column=account_key,
                    value=str(keys.iat[i]),
                    hint="conversion is counted per account, so each key must be unique; pass "
                    "--account-key with a unique column",
                )
            )
        if len(idx) > 20:
            problems.append(more_problems(accounts_file, len(idx) - 20, "rows with a repeated key"))
        raise InputError(problems)

    # Tiers per product.
    tier_sets: list[tuple[str, str, np.ndarray]] = []
    if icp is not None:
        scored = score_accounts(accounts, icp, overwrite=True, source=accounts_file)
        for p in icp:
            tier_sets.append((p.name, p.title, scored[f"tier_{p.name}"].to_numpy()))
    else:
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
            for i in idx[:20]:
                problems.append(
                    Problem(
                        accounts_file,
                        "tier must be 1, 2 or 3",
                        row=int(i) + 2,
                        column="tier",
                        value=str(accounts["tier"].iat[i]),
                        hint="write 1, 2 or 3 (or 'Tier 1')",
                    )
                )
            if len(idx) > 20:
                problems.append(
                    more_problems(accounts_file, len(idx) - 20, "rows like this in column 'tier'")
                )
            raise InputError(problems)
        tier_sets.append(("tier", "the accounts' tier column", tier.to_numpy(dtype="int64")))

    # Opportunities: keep those with an account and a readable date.
    notes: list[str] = []
    opp_keys = opportunities[account_key].astype("str").fillna("").str.strip()
    raw_dates = opportunities[date_column]
    dates = _parse_dates(raw_dates)
    date_text = raw_dates.astype("str").fillna("").str.strip()
    no_key = opp_keys.eq("").to_numpy()
    no_date = date_text.eq("").to_numpy()
    bad_date = dates.isna().to_numpy() & ~no_date
    n_opps = len(opportunities)
    if no_key.any():
        notes.append(
            f"{int(no_key.sum()):,} of {n_opps:,} opportunities have no {account_key} and are left out."
        )
    if no_date.any():
        notes.append(f"{int(no_date.sum()):,} opportunities have no {date_column} and are left out.")
    if bad_date.any():
        rows = ", ".join(str(int(i) + 2) for i in np.flatnonzero(bad_date)[:5])
        notes.append(
            f"{int(bad_date.sum()):,} opportunities have an unreadable {date_column} "
            f"(rows {rows}{', ...' if bad_date.sum() > 5 else ''}) and are left out; "
            "write dates as YYYY-MM-DD."
        )
    usable = ~no_key & dates.notna().to_numpy()
    if not usable.any():
        raise InputError(
            [
                Problem(
                    opportunities_file,
                    f"no opportunity has both an {account_key} and a readable {date_column}",
                    column=date_column,
                    hint="check --account-key and --date-column",
                )
            ]
        )

    if as_of is None:
        end = pd.Timestamp(dates[usable].max()).normalize()
        from_data = True
    else:
        try:
            end = pd.Timestamp(as_of).normalize()
        except (ValueError, TypeError):
            raise ConfigError(f"--as-of: {as_of!r} is not a date; write YYYY-MM-DD") from None
        from_data = False
    start = win.start(end)
    d = dates.to_numpy(dtype="datetime64[ns]")
    in_window = usable & (d >= start.to_datetime64()) & (d <= end.to_datetime64())
    if from_data is False and (d[usable] > end.to_datetime64()).any():
        later = int((d[usable] > end.to_datetime64()).sum())
        notes.append(f"{later:,} opportunities are dated after --as-of {end.date()} and are not counted.")

    window_keys = pd.unique(opp_keys[in_window])
    known = set(keys.tolist())
    unknown_keys = [k for k in window_keys if k not in known]
    if unknown_keys:
        shown = ", ".join(repr(k) for k in unknown_keys[:3])
        notes.append(
            f"{len(unknown_keys):,} accounts with opportunities in the window are not in "
            f"the accounts file (e.g. {shown}); their opportunities are not counted."
        )
    converted = keys.isin(window_keys).to_numpy() & keys.ne("").to_numpy()

    products: list[ProductConversion] = []
    for name, title, tiers in tier_sets:
        tier_rows = tuple(
            TierConversion(t, int((tiers == t).sum()), int(((tiers == t) & converted).sum()))
            for t in (1, 2, 3)
        )
        products.append(ProductConversion(name, title, tier_rows, tuple(_order_warnings(tier_rows))))
        filled = [r for r in tier_rows if r.accounts]
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
        account_key=account_key,
        date_column=date_column,
        accounts=len(accounts),
        opportunities=n_opps,
        opportunities_in_window=int(in_window.sum()),
        products=tuple(products),
        notes=tuple(notes),
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
        f"pass --account-key with a column both files share: {', '.join(common)}"
        if common
        else f"columns found: {', '.join(map(str, df.columns))}"
    )
    return Problem(
        file, f"no column '{key}' to match accounts and opportunities", row=1, column=key, hint=hint
    )


def _parse_dates(series: pd.Series) -> pd.Series:
    """ISO dates fast; anything else through pandas' mixed-format parser; NaT when unreadable."""
    if pd.api.types.is_datetime64_any_dtype(series):
        return series.dt.tz_localize(None) if getattr(series.dt, "tz", None) else series
    text = series.astype("str").fillna("").str.strip()
    out = pd.to_datetime(text, errors="coerce", format="ISO8601")
    rest = out.isna() & text.ne("")
    if rest.any():
        out = out.copy()
        out[rest] = pd.to_datetime(text[rest], errors="coerce", format="mixed")
    if getattr(out.dt, "tz", None) is not None:
        out = out.dt.tz_localize(None)
    return out.dt.normalize()
