"""`territory explain`: what giving one account to a rep would cost a plan."""

from __future__ import annotations

import click

from .errors import report_errors
from .options import CONTEXT_SETTINGS, StageBars


def _input_pairs(ctx: click.Context, param: click.Parameter, value: tuple[str, ...]) -> dict[str, str]:
    out = {}
    for item in value:
        label, sep, path = item.partition("=")
        if not sep or not label.strip() or not path.strip():
            raise click.BadParameter(f"{item!r}: write LABEL=FILE, e.g. accounts=examples/accounts.csv")
        out[label.strip()] = path.strip()
    return out


@click.command("explain", context_settings=CONTEXT_SETTINGS)
@click.argument("plan_dir", metavar="PLAN", type=click.Path(file_okay=False))
@click.argument("account")
@click.option(
    "--to",
    "rep",
    required=True,
    metavar="REP",
    help="The rep the account would go to, or keep (its current owner).",
)
@click.option(
    "--input",
    "inputs",
    multiple=True,
    metavar="LABEL=FILE",
    callback=_input_pairs,
    help="Read this input of the plan from FILE instead of where summary.json says it was "
    "(labels: accounts, roster, icp, locks, requests, opportunities, region_rules; previous=DIR "
    "for the previous plan's folder). Repeatable.",
)
@click.option(
    "--product",
    default="",
    metavar="PRODUCT",
    help="With product ICPs: the product whose owner is asked for (needed for keep or a rep "
    "with product = auto when the account fits several products).",
)
@click.option("-q", "--quiet", is_flag=True, help="No progress bars.")
@report_errors
def explain(plan_dir: str, account: str, rep: str, inputs: dict[str, str], product: str, quiet: bool) -> None:
    """Say what giving ACCOUNT to a rep would cost the plan in PLAN, without changing it.

    The plan is solved again from its own inputs and settings, then with ACCOUNT pinned to
    the rep: the answer is the price (moves, the rep's tier count against its band) or why
    the request would be refused, exactly as --requests would say it.

    Example:

    \b
        territory plan examples/accounts.csv examples/roster.csv --out plan-out
        territory explain plan-out A00222 --to R16
    """
    from territory.requests import explain_request

    with StageBars(quiet) as bars:
        answer = explain_request(plan_dir, account, rep, inputs=inputs, progress=bars, product=product)
    o = answer.outcome
    q = o.request
    asked = f"keep with {q.target}" if q.keep else q.target
    click.echo(f"{q.label} -> {asked} (the plan gives it to {o.planned_owner}): {o.reason}")
    for note in answer.notes:
        click.echo(f"Note: {note}")
