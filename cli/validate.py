"""`territory validate`: does Tier 1 really convert better than Tier 3?"""

from __future__ import annotations

import math
from typing import Any

import click

from .errors import report_errors
from .options import CONTEXT_SETTINGS


class WindowType(click.ParamType):
    """90d, 12w, 6m, 1y or a number of days."""

    name = "window"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        from territory.conversion import parse_window

        try:
            return parse_window(value)
        except ValueError as e:
            self.fail(str(e), param, ctx)


def _pct(x: float) -> str:
    return "-" if math.isnan(x) else f"{x:.1%}"


TIER_WORDS = {1: "Tier 1 (best fit)", 2: "Tier 2 (good fit)", 3: "Tier 3 (bad fit)"}


@click.command(context_settings=CONTEXT_SETTINGS)
@click.argument("accounts", type=click.Path(dir_okay=False))
@click.option(
    "--opportunities",
    "opportunities",
    required=True,
    type=click.Path(dir_okay=False),
    help="Opportunities (CSV/XLSX): one row per opportunity, with its account and creation date.",
)
@click.option(
    "--icp",
    "icp_path",
    type=click.Path(dir_okay=False),
    help="ICP file to tier the accounts with; without it the accounts' tier column is checked.",
)
@click.option(
    "--window",
    type=WindowType(),
    default="90d",
    show_default=True,
    help="Look-back window ending on --as-of: 90d (days), 12w (weeks), 6m (calendar months), "
    "1y, or a number of days; at most 100 years.",
)
@click.option(
    "--as-of",
    "as_of",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    help="Last day of the window (YYYY-MM-DD). Default: the latest date in --date-column.",
)
@click.option(
    "--account-key",
    default="account_id",
    show_default=True,
    help="Column naming the account in both files (e.g. 'account' for the Maven data), or "
    "ACCOUNTS_COLUMN=OPPORTUNITIES_COLUMN when the files name it differently "
    "(e.g. account_id=AccountId).",
)
@click.option(
    "--date-column",
    default="created_date",
    show_default=True,
    help="Opportunity column holding the date it was created (e.g. 'engage_date').",
)
@click.option(
    "--date-format",
    default=None,
    metavar="FORMAT",
    help="How the dates are written when it is not YYYY-MM-DD, e.g. %d/%m/%Y (day first) or "
    "%m/%d/%Y (month first). Needed when no date shows which comes first.",
)
@click.option(
    "--stage-column",
    default=None,
    help="Opportunity stage column (Won / Lost / open stages), for the win rate per tier. "
    "Default: found by name (deal_stage, StageName, Deal Stage, ...).",
)
@click.option(
    "--amount-column",
    default=None,
    help="Deal value column, for the mean won deal per tier. Default: found by name "
    "(close_value, Amount, ...).",
)
@click.option(
    "--close-date-column",
    default=None,
    help="When the deal closed; the win rate then counts deals closed in the window. "
    "Default: found by name (close_date, CloseDate, ...).",
)
@report_errors
def validate(
    accounts: str,
    opportunities: str,
    icp_path: str | None,
    window: Any,
    as_of: Any,
    account_key: str,
    date_column: str,
    date_format: str | None,
    stage_column: str | None,
    amount_column: str | None,
    close_date_column: str | None,
) -> None:
    """Check that better tiers convert better: accounts with a new opportunity, per tier.

    For each tier: the accounts, how many had at least one opportunity created in the
    window, that conversion rate and its Wilson 95 % interval. The tiers count as in the
    expected order only when the intervals of adjacent tiers do not overlap; otherwise it
    says how many accounts, or which window, would separate them. With a stage column it
    adds the win rate (won / closed) and the mean won deal per tier.

    Example:

    \b
        territory validate examples/accounts.csv --icp examples/icp.toml \\
            --opportunities examples/opportunities.csv --window 90d
    """
    from territory.conversion import conversion_by_tier, describe_window_search, product_verdict
    from territory.icp import load_icp, read_accounts_table
    from territory.io.loading import read_table

    icp = load_icp(icp_path) if icp_path else None
    report = conversion_by_tier(
        read_accounts_table(accounts),
        read_table(opportunities),
        icp,
        window=window,
        as_of=as_of,
        account_key=account_key,
        date_column=date_column,
        date_format=date_format,
        stage_column=stage_column,
        amount_column=amount_column,
        close_date_column=close_date_column,
        accounts_file=accounts,
        opportunities_file=opportunities,
    )

    end = report.as_of.date()
    why_end = (
        f"the latest {report.date_column} in {opportunities}; set --as-of to change it"
        if report.as_of_from_data
        else "from --as-of"
    )
    click.echo(
        f"Conversion by tier: accounts with at least one opportunity created in the "
        f"{report.window} from {report.window_start.date()} to {end}"
    )
    click.echo(f"(as of {end}, {why_end}).")
    keys = (
        report.account_key
        if report.account_key == report.opportunity_key
        else f"{report.account_key} = {report.opportunity_key}"
    )
    click.echo(
        f"{report.accounts:,} accounts; {report.opportunities:,} opportunities, "
        f"{report.opportunities_in_window:,} of them created in the window; matched on {keys}."
    )
    for p in report.products:
        click.echo("")
        label = (
            "Tiers from the accounts' tier column"
            if p.product == "tier" and icp is None
            else (f"Product '{p.product}' ({p.title})" if p.title != p.product else f"Product '{p.product}'")
        )
        click.echo(label)
        click.echo(
            f"  {'tier':<18} {'accounts':>9} {'with an opportunity':>20} {'conversion':>11}   95 % interval"
        )
        for t in p.tiers:
            click.echo(
                f"  {TIER_WORDS[t.tier]:<18} {t.accounts:>9,} {t.converted:>20,} "
                f"{_pct(t.rate):>11}   {_interval(t.interval, _pct)}"
            )
        for w in p.warnings:
            click.echo(f"  Warning: {w}")
        for line in product_verdict(p):
            click.echo(f"  {line}")
        if p.windows_tried:
            click.echo(f"  {describe_window_search(p)}")
        if p.deals is not None:
            click.echo("")
            click.echo(f"  Win rate (won / closed) and mean won deal: {report.deals_basis}.")
            value_head = f"mean won {report.amount_column}" if report.amount_column else ""
            click.echo(
                f"  {'tier':<18} {'closed':>7} {'won':>6} {'win rate':>9}   {'95 % interval':<16}"
                + (f" {value_head:>22}   95 % interval" if value_head else "")
            )
            for dl in p.deals:
                line = (
                    f"  {TIER_WORDS[dl.tier]:<18} {dl.closed:>7,} {dl.won:>6,} {_pct(dl.win_rate):>9}   "
                    f"{_interval(dl.win_interval, _pct):<16}"
                )
                if value_head:
                    line += f" {_money(dl.mean_value):>22}   {_interval(dl.value_interval, _money)}"
                click.echo(line.rstrip())
    if report.notes:
        click.echo("")
        click.echo("Notes:")
        for note in report.notes:
            click.echo(f"  - {note}")


def _interval(iv: tuple[float, float], fmt: Any) -> str:
    return "-" if math.isnan(iv[0]) else f"{fmt(iv[0])} to {fmt(iv[1])}"


def _money(x: float) -> str:
    return "-" if math.isnan(x) else f"{x:,.0f}"
