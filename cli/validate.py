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
    "1y, or a number of days.",
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
    help="Column naming the account in both files (e.g. 'account' for the Maven data).",
)
@click.option(
    "--date-column",
    default="created_date",
    show_default=True,
    help="Opportunity column holding the date it was created (e.g. 'engage_date').",
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
) -> None:
    """Check that better tiers convert better: accounts with a new opportunity, per tier.

    For each tier: the accounts, how many had at least one opportunity created in the
    window, that conversion rate and its Wilson 95 % interval. Warns when a lower tier
    converts better than a higher one.

    Example:

    \b
        territory validate examples/accounts.csv --icp examples/icp.toml \\
            --opportunities examples/opportunities.csv --window 90d
    """
    from territory.conversion import conversion_by_tier
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
    click.echo(
        f"{report.accounts:,} accounts; {report.opportunities:,} opportunities, "
        f"{report.opportunities_in_window:,} of them created in the window."
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
            lo, hi = t.interval
            interval = "-" if math.isnan(lo) else f"{_pct(lo)} to {_pct(hi)}"
            click.echo(
                f"  {TIER_WORDS[t.tier]:<18} {t.accounts:>9,} {t.converted:>20,} "
                f"{_pct(t.rate):>11}   {interval}"
            )
        if p.warnings:
            for w in p.warnings:
                click.echo(f"  Warning: {w}")
        else:
            click.echo("  The tiers convert in the expected order (Tier 1 best).")
    if report.notes:
        click.echo("")
        click.echo("Notes:")
        for note in report.notes:
            click.echo(f"  - {note}")
