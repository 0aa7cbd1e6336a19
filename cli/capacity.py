"""`territory capacity`: how many reps each region (team, product) needs, with the plans to show it."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import click

from .errors import report_errors
from .options import (
    CONTEXT_SETTINGS,
    SettingValue,
    StageBars,
    config_options,
    lock_rule_options,
    lock_rule_overrides,
    solver_options,
    solver_overrides,
)
from .sources import source_kwargs, source_options
from .text import column_width, display_width, pad, rjust

BY_WORD = {"region": "Region", "manager": "Team", "product": "Product"}


def _num(x: float | None, fmt: str = ",.1f") -> str:
    return "-" if x is None or (isinstance(x, float) and math.isnan(x)) else format(x, fmt)


def _target(x: float) -> str:
    """The target per full rep: one decimal, or as given below 1 (0.25 is not '0.2')."""
    return f"{x:,.1f}" if abs(x) >= 1 else f"{x:.3g}"


def _pct(x: float | None) -> str:
    return "-" if x is None or (isinstance(x, float) and math.isnan(x)) else f"{x:.1%}"


def format_capacity(c: Any) -> str:
    """The two tables: the need per group, then one line per plan."""
    word = BY_WORD[c.by]
    if c.measure == "workload":
        w = c.weights
        unit = "workload"
        what = f"{_target(c.target)} workload (Tier 1 = {w[0]:g}, Tier 2 = {w[1]:g}, Tier 3 = {w[2]:g} per account)"
    else:
        unit = "accounts"
        what = f"{_target(c.target)} accounts"
    source = "today's average" if c.target_from == "today's average" else c.target_from
    lines = [f"Headcount by {c.by}: a full rep (capacity 1.0) should carry {what}; from {source}.", ""]
    names = [n.group for n in c.needs]
    gw = column_width(names, word)
    per = f"{unit.capitalize()} per FTE"
    lines.append(
        f"{word:<{gw}}  {'Accounts':>8}  {'Workload':>9}  {'Reps (FTE)':>10}  {per:>17}  "
        f"{'FTE needed':>10}  {'Full reps needed':>16}  Versus FTE today"
    )
    for n in c.needs:
        change = n.needed_reps - n.fte
        lines.append(
            f"{pad(n.group, gw)}  {n.accounts:>8,}  {n.workload:>9,.0f}  {f'{n.reps} ({n.fte:g})':>10}  "
            f"{_num(n.per_fte):>17}  {n.needed_fte:>10.2f}  {n.needed_reps:>16}  "
            + (f"{change:+g}" if change else "0")
        )
    lines += [
        "",
        f"Plans with fewer and more reps: {unit} per FTE and of the busiest rep (per FTE); accounts moved "
        "to or from the group's reps, their worst gap to fair share (a tier's count, each balance "
        "measure) and accounts outside the tier bands.",
        "",
    ]
    whos = []
    for r in c.rows:
        who = ", ".join(r.removed) + (" leaves" if len(r.removed) == 1 else " leave" if r.removed else "")
        whos.append(", ".join(r.added) + " hired" if r.added else who)
    ww = column_width(whos, "Leaves / hired")
    from territory.capacity import measure_names
    from territory.plan_result import measure_label

    others = measure_names(c)
    heads = [f"{measure_label(n)} gap" for n in others]
    widths = [max(8, display_width(h)) for h in heads]
    head = (
        f"{word:<{gw}}  {'Change':>6}  {'Reps (FTE)':>10}  {'Leaves / hired':<{ww}}  {'Per FTE':>8}  "
        f"{'Busiest':>8}  {'Moved':>6}  {'Tier gap':>8}  {'Potential gap':>13}  "
        + "".join(f"{rjust(h, w)}  " for h, w in zip(heads, widths))
        + f"{'Outside bands':>13}  Status"
    )
    lines.append(head)
    lines.append("-" * display_width(head))
    last = None
    for r, who in zip(c.rows, whos):
        name = r.group if r.group != last else ""
        last = r.group
        change = "now" if r.change == 0 else f"{r.change:+d}"
        fte = "-" if r.fte is None or math.isnan(r.fte) else f"{r.reps} ({r.fte:g})"
        status = r.status + (f": {r.note}" if r.note else "")
        gaps = dict(r.measure_deviations)
        lines.append(
            f"{pad(name, gw)}  {change:>6}  {fte:>10}  {pad(who, ww)}  {_num(r.per_fte):>8}  "
            f"{_num(r.busiest_per_fte):>8}  {_num(r.accounts_moved, ','):>6}  {_pct(r.max_tier_deviation):>8}  "
            f"{_pct(r.max_potential_deviation):>13}  "
            + "".join(f"{_pct(gaps.get(n)):>{w}}  " for n, w in zip(others, widths))
            + f"{_num(r.accounts_outside_tier_bands, ','):>13}  {status}"
        )
    return "\n".join(lines)


@click.command("capacity", context_settings=CONTEXT_SETTINGS)
@click.argument("accounts", type=click.Path(dir_okay=False), required=False)
@click.argument("roster", type=click.Path(dir_okay=False), required=False)
@click.option(
    "-o",
    "--out",
    "out_dir",
    required=True,
    type=click.Path(file_okay=False),
    help="Folder for capacity.csv (one row per group and headcount) and capacity.json.",
)
@click.option(
    "--by",
    type=click.Choice(["region", "manager", "product"]),
    default=None,
    help="Group the reps by region (default, capacity.by), by manager (team) or by product.",
)
@click.option(
    "--target-workload",
    type=SettingValue("capacity.target_workload"),
    default=None,
    metavar="N",
    help="Workload a full rep should carry (tier-weighted accounts, balance.workload_weights). "
    "Default: capacity.target_workload, else today's average.",
)
@click.option(
    "--target-accounts",
    type=SettingValue("capacity.target_accounts"),
    default=None,
    metavar="N",
    help="Accounts a full rep should own, instead of a workload.",
)
@click.option(
    "--remove-rep",
    "remove",
    multiple=True,
    metavar="REP_ID",
    help="The rep who leaves in their group's plan with one rep fewer (repeatable). Default: the "
    "smallest capacity, then the smallest book.",
)
@click.option(
    "-j",
    "--jobs",
    type=click.IntRange(min=1),
    default=None,
    help="Plans solved in parallel (processes). Default: one per core.",
)
@click.option(
    "--icp",
    "icp_path",
    type=click.Path(dir_okay=False),
    default=None,
    help="Tier the accounts with this ICP file.",
)
@source_options
@config_options
@lock_rule_options
@solver_options
@click.option("-q", "--quiet", is_flag=True, help="Print only errors and the final line.")
@report_errors
def capacity(
    accounts: str | None,
    roster: str | None,
    out_dir: str,
    by: str | None,
    target_workload: str | None,
    target_accounts: str | None,
    remove: tuple[str, ...],
    jobs: int | None,
    icp_path: str | None,
    preset: str | None,
    sheet: str | None,
    table: str | None,
    query: str | None,
    config_path: str | None,
    settings: tuple[str, ...],
    as_of: Any,
    opportunities: str | None,
    solver: str | None,
    time_limit: str | None,
    gap: str | None,
    threads: str | None,
    quiet: bool,
) -> None:
    """Say how many reps each region needs, and plan one rep fewer, today's reps and one or two more.

    The need is each region's workload (Tier 1/2/3 accounts weighted by
    balance.workload_weights) over the target per full rep; the plans (one per region and
    headcount, solved in parallel) show the balance and moves each headcount gives. Without
    ACCOUNTS and ROSTER, the plan file given with --config names them ([inputs], paths
    relative to the file), with its [capacity] and [locks] settings.

    Example:

    \b
        territory capacity examples/accounts.csv examples/roster.csv --out capacity-out \\
            --target-workload 150
        territory capacity examples/accounts.csv examples/roster.csv --out capacity-out \\
            --by manager --target-accounts 60 --remove-rep R16
        territory capacity --config examples/lock-rules/plan.toml --out capacity-out
    """
    import os

    import territory
    from territory.capacity import plan_capacity, write_capacity
    from territory.config import settings_record
    from territory.io.staging import check_output_folder
    from territory.runner import files_read

    if target_workload is not None and target_accounts is not None:
        raise click.UsageError("give --target-workload or --target-accounts, not both")
    if (accounts is None) != (roster is None) or (accounts is None and not config_path):
        raise click.UsageError("give ACCOUNTS and ROSTER, or a plan file with [inputs] as --config FILE")
    overrides = list(settings) + solver_overrides(solver, time_limit, gap, threads)
    overrides += lock_rule_overrides(as_of, opportunities)
    if accounts is None or roster is None:  # the plan file names the inputs
        from territory.runner import load_plan_file

        cfg = load_plan_file(
            str(config_path),
            overrides,
            required=("inputs.accounts", "inputs.roster"),
            command="territory capacity",
        )
        accounts, roster = cfg.inputs.accounts, cfg.inputs.roster
        opportunities = cfg.locks.opportunities or None
    else:
        cfg = territory.load_config(config_path, overrides)
    protect = (accounts, roster, icp_path, config_path, opportunities, *files_read(cfg))
    check_output_folder(out_dir, protect)  # before any work
    inp = territory.load_input(
        accounts, roster, cfg, icp_path=icp_path, **source_kwargs(preset, sheet, table, query)
    )
    inp.extras["settings"] = settings_record(config_path, overrides)  # capacity.json: which won
    with StageBars(quiet) as bars:
        result = plan_capacity(
            inp,
            by=by,
            target_workload=float(target_workload) if target_workload is not None else None,
            target_accounts=float(target_accounts) if target_accounts is not None else None,
            remove=remove,
            jobs=jobs or (os.cpu_count() or 1),
            progress=bars,
        )
    out = write_capacity(result, inp, out_dir, protect=protect)
    if not quiet:
        click.echo(format_capacity(result))
        for w in result.warnings:
            click.echo(f"Warning: {w}")
        click.echo("")
    click.echo(
        f"Solved {result.plans} plans in {result.seconds:.1f} s; wrote {Path(out) / 'capacity.csv'} "
        f"and {Path(out) / 'capacity.json'}."
    )
