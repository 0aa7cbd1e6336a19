"""`territory score`: add ICP scores, tiers and reasons to an accounts file."""

from __future__ import annotations

import click

from .errors import report_errors
from .options import CONTEXT_SETTINGS, StageBars


def _pct(n: int, total: int) -> str:
    return f"{n / total:.1%}" if total else "-"


@click.command(context_settings=CONTEXT_SETTINGS)
@click.argument("accounts", type=click.Path(dir_okay=False))
@click.option(
    "--icp",
    "icp_path",
    required=True,
    type=click.Path(dir_okay=False),
    help="ICP file (TOML) with one or more products; see docs/icp.md.",
)
@click.option(
    "--out",
    "-o",
    required=True,
    type=click.Path(dir_okay=False),
    help="Write the scored accounts to this CSV file.",
)
@click.option(
    "--overwrite",
    is_flag=True,
    help="Replace score/tier/why columns the accounts already have (e.g. a CRM tier).",
)
@report_errors
def score(accounts: str, icp_path: str, out: str, overwrite: bool) -> None:
    """Score and tier accounts against every product of an ICP file.

    Adds score_<product>, tier_<product> (1 = best fit, 2 = good fit, 3 = bad fit) and
    why_<product> (each criterion matched or missed, with its points) for every product,
    plus score, tier and why when the file has a single product.

    Example:

    \b
        territory score examples/accounts.csv --icp examples/icp.toml --out scored.csv
    """
    from territory.icp import load_icp, read_accounts_table, score_accounts, score_columns, tier_distribution
    from territory.io.staging import check_output_file
    from territory.io.writing import write_csv

    check_output_file(out, (accounts, icp_path), example="scored.csv")
    icp = load_icp(icp_path)
    table = read_accounts_table(accounts)
    with StageBars(False) as bars:
        scored = score_accounts(table, icp, overwrite=overwrite, source=accounts, progress=bars)
    write_csv(scored, out)
    counts = tier_distribution(scored, icp)

    n = len(scored)
    added = score_columns(icp)
    products = len(icp.products)
    click.echo(
        f"Scored {n:,} accounts from {accounts} against {products} product"
        f"{'s' if products != 1 else ''} in {icp_path}."
    )
    click.echo(f"Wrote {out} (adds {', '.join(added)}).")
    click.echo("")
    width = max(len("product"), *(len(p) for p in counts))
    heads = ("Tier 1 (best fit)", "Tier 2 (good fit)", "Tier 3 (bad fit)", "disqualified")
    click.echo(f"{'product':<{width}}  " + "  ".join(f"{h:>17}" for h in heads))
    for name, c in counts.items():
        cells = [
            f"{c['tier1']:,} ({_pct(c['tier1'], n)})",
            f"{c['tier2']:,} ({_pct(c['tier2'], n)})",
            f"{c['tier3']:,} ({_pct(c['tier3'], n)})",
            f"{c['disqualified']:,}",
        ]
        click.echo(f"{name:<{width}}  " + "  ".join(f"{x:>17}" for x in cells))
