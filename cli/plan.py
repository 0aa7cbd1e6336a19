"""`territory plan`: accounts + roster in, a balanced plan directory out."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import click

from .errors import report_errors
from .options import CONTEXT_SETTINGS, config_options, solver_options, solver_overrides
from .sources import source_kwargs, source_options


def _pct(x: float | None) -> str:
    return "-" if x is None else f"{x:.1%}"


def format_summary(s: dict[str, Any], out_dir: Path) -> str:
    """The short plain-words summary printed after a plan."""
    o = s["overall"]
    lines = []
    pools = s["solver"]["pools"]
    secs = s["run"]["seconds"]
    total = secs.get("load", 0) + secs.get("total_solve", 0) + secs.get("write", 0)
    what = f"{o['accounts']:,} accounts"
    if "products" in o:  # product ICPs: one row per account and product it fits
        what = (
            f"{o['accounts']:,} account-product rows ("
            + ", ".join(f"{p} {n:,}" for p, n in o["products"].items())
            + ")"
        )
    lines.append(
        f"Planned {what} for {o['reps']} reps in {len(pools)} "
        f"pool{'s' if len(pools) != 1 else ''}: {s['solver']['status_text']} ({total:.1f} s)."
    )
    unit = "rows" if "products" in o else "accounts"
    moved = (
        f"Moved {o['accounts_moved']:,} {unit} ({o['moved_share']:.1%}; "
        f"{o['potential_moved_share']:.1%} of potential)"
    )
    if o["orphaned_accounts"]:
        moved += f", {o['orphaned_accounts']:,} of them because their owner left the roster"
    lines.append(moved + ".")
    lines.append("")
    header = f"{'Rep':<26} {'Accounts':>8}  {'Tier 1':>11}  {'Tier 2':>11}  {'Tier 3':>11}  {'Potential vs fair':>17}  {'In/Out':>7}"
    lines.append(header)
    lines.append("-" * len(header))
    for r in s["reps"]:
        label = f"{r['rep_id']} {r['name']}"
        if "products" in o and r.get("product"):
            label += f" [{r['product']}]"
        if r["capacity"] != 1:
            label += f" ({r['capacity']:g})"
        cells = []
        for t in ("1", "2", "3"):
            cells.append(f"{r['tier_counts'][t]:>4} ({r['fair_tier'][t]:>4.1f})")
        dev = r["potential_deviation"]
        dev_s = "-" if dev is None else f"{dev:+.1%}"
        lines.append(
            f"{label[:26]:<26} {r['accounts']:>8}  {cells[0]:>11}  {cells[1]:>11}  {cells[2]:>11}  "
            f"{dev_s:>17}  {r['moves_in']:>3}/{r['moves_out']:<3}"
        )
    lines.append("(fair share in brackets)")
    lines.append("")
    mt, bt = o["max_tier_deviation"], o["before"]["max_tier_deviation"]
    lines.append(
        "Largest gap to fair share, now (before): "
        + ", ".join(f"Tier {t} {_pct(mt[t])} ({_pct(bt[t])})" for t in ("1", "2", "3"))
        + f", potential {_pct(o['max_potential_deviation'])} ({_pct(o['before']['max_potential_deviation'])})."
    )
    if "baseline" in o:
        b = o["baseline"]
        lines.append(
            f"Spreadsheet-style baseline: {b['accounts_moved']:,} moved, largest gaps "
            + ", ".join(f"Tier {t} {_pct(b['max_tier_deviation'][t])}" for t in ("1", "2", "3"))
            + f", potential {_pct(b['max_potential_deviation'])}."
        )
    if s.get("geography"):
        from territory.geo import coverage_lines

        lines += coverage_lines(s["geography"])
    for w in s["warnings"]:
        lines.append(f"Warning: {w}")
    lines.append("")
    lines.append(
        f"Wrote {out_dir / 'assignments.csv'}, {out_dir / 'owner_changes.csv'} and {out_dir / 'summary.json'}."
    )
    return "\n".join(lines)


def format_sweep(points: list[Any]) -> str:
    """The balance-versus-moves table, one line per move cap."""
    lines = [
        "Balance versus moves (forced moves of departed owners not capped):",
        f"{'Move cap':>9}  {'Moved':>7}  {'Share':>6}  {'Worst tier gap':>14}  {'Worst potential gap':>19}  "
        f"{'Outside bands':>13}  Status",
    ]
    for p in points:
        cap = (
            "none" if p.cap is None else f"{p.cap:.0%}" if p.cap * 100 == int(p.cap * 100) else f"{p.cap:.1%}"
        )
        if p.status == "infeasible":
            lines.append(
                f"{cap:>9}  {'-':>7}  {'-':>6}  {'-':>14}  {'-':>19}  {'-':>13}  infeasible: {p.note}"
            )
            continue
        lines.append(
            f"{cap:>9}  {p.accounts_moved:>7,}  {p.moved_share:>6.1%}  {p.max_tier_deviation:>14.1%}  "
            f"{p.max_potential_deviation:>19.1%}  {p.accounts_outside_tier_bands:>13,}  {p.status}"
        )
    return "\n".join(lines)


@click.command("plan", context_settings=CONTEXT_SETTINGS)
@click.argument("accounts", type=click.Path(dir_okay=False))
@click.argument("roster", type=click.Path(dir_okay=False))
@click.option(
    "-o",
    "--out",
    "out_dir",
    required=True,
    type=click.Path(file_okay=False),
    help="Folder for assignments.csv, owner_changes.csv and summary.json.",
)
@click.option(
    "--icp",
    "icp_path",
    type=click.Path(dir_okay=False),
    default=None,
    help="Tier the accounts with this ICP file (see 'territory score').",
)
@click.option(
    "--region-rules",
    "region_rules",
    default=None,
    metavar="FILE|SET",
    help="Give each account its region from country/state/postal code rules: a CSV or TOML "
    "file, or us-census-regions / us-census-divisions (docs/geography.md).",
)
@click.option(
    "--locks",
    "locks_path",
    type=click.Path(dir_okay=False),
    default=None,
    help="CSV of account_id,rep_id: accounts pinned to a rep whatever the balance.",
)
@source_options
@config_options
@solver_options
@click.option(
    "--export-lp",
    type=click.Path(dir_okay=False),
    default=None,
    metavar="FILE",
    help="Also write the model in LP format for inspection (one file per pool).",
)
@click.option(
    "--sweep-moves",
    "sweep",
    default=None,
    metavar="CAPS",
    help="Also solve under each cap on accounts moved, e.g. 0,2%,5%,10%,20%, and write "
    "the balance-versus-moves table to sweep.csv.",
)
@click.option("-q", "--quiet", is_flag=True, help="Print only errors.")
@report_errors
def plan(
    accounts: str,
    roster: str,
    out_dir: str,
    icp_path: str | None,
    region_rules: str | None,
    locks_path: str | None,
    config_path: str | None,
    settings: tuple[str, ...],
    preset: str | None,
    sheet: str | None,
    table: str | None,
    query: str | None,
    solver: str | None,
    time_limit: float | None,
    gap: float | None,
    threads: int | None,
    export_lp: str | None,
    sweep: str | None,
    quiet: bool,
) -> None:
    """Split the accounts into balanced books, one per rep on the roster.

    ACCOUNTS is the CRM export (CSV or XLSX) with account_id, tier and, as available,
    region, potential, owner_id, parent_id and locked; ROSTER lists the reps with rep_id,
    region and capacity (1.0 full, 0.5 ramping).

    Example:

    \b
        territory plan examples/accounts.csv examples/roster.csv --out plan-out
        territory plan examples/accounts.csv examples/roster.csv --out plan-out \\
            --set balance.tier_band=0.05 --time-limit 30
        territory plan examples/accounts.csv examples/roster.csv --out plan-out \\
            --sweep-moves 0,2%,5%,10%,20%
    """
    import territory

    overrides = list(settings) + solver_overrides(solver, time_limit, gap, threads)
    if region_rules:
        overrides.append(f"inputs.region_rules={region_rules}")
    cfg = territory.load_config(config_path, overrides)
    inp = territory.load_input(
        accounts,
        roster,
        cfg,
        icp_path=icp_path,
        locks_path=locks_path,
        **source_kwargs(preset, sheet, table, query),
    )
    bar_ctx: dict[str, Any] = {}

    def progress(stage: str, done: int, total: int) -> None:
        if quiet or total <= 1:
            return
        if "bar" not in bar_ctx:
            bar_ctx["bar"] = click.progressbar(length=total, label="Solving pools", file=sys.stderr)
            bar_ctx["bar"].__enter__()
            bar_ctx["done"] = 0
        bar = bar_ctx["bar"]
        bar.update(done - bar_ctx["done"])
        bar_ctx["done"] = done
        if done >= total:
            bar.__exit__(None, None, None)

    result = territory.solve_input(inp, progress, export_lp=export_lp)
    out = Path(out_dir)
    summary = territory.write_plan(result, out)
    if not quiet:
        click.echo(format_summary(summary, out))
        if export_lp:
            click.echo(f"Model written to {', '.join(result.extras.get('lp_files', []))}.")
    if sweep:
        from territory.io.writing import write_csv
        from territory.sweep import parse_caps, sweep_frame, sweep_moves

        caps = parse_caps(sweep)
        with click.progressbar(length=len(caps), label="Sweeping move caps", file=sys.stderr) as bar:
            points = sweep_moves(inp, caps, progress=lambda done, total: bar.update(done - bar.pos))
        write_csv(sweep_frame(points), out / "sweep.csv")
        if not quiet:
            click.echo("")
            click.echo(format_sweep(points))
            click.echo(f"Wrote {out / 'sweep.csv'}.")
