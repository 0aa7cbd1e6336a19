"""`territory plan`: accounts + roster in, a balanced plan directory out."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from .errors import report_errors
from .options import config_options, solver_options, solver_overrides


def _pct(x: float | None) -> str:
    return "-" if x is None else f"{x:.1%}"


def format_summary(s: dict[str, Any], out_dir: Path) -> str:
    """The short plain-words summary printed after a plan."""
    o = s["overall"]
    lines = []
    pools = s["solver"]["pools"]
    secs = s["run"]["seconds"]
    total = secs.get("load", 0) + secs.get("total_solve", 0) + secs.get("write", 0)
    lines.append(
        f"Planned {o['accounts']:,} accounts for {o['reps']} reps in {len(pools)} "
        f"pool{'s' if len(pools) != 1 else ''}: {s['solver']['status_text']} ({total:.1f} s)."
    )
    moved = f"Moved {o['accounts_moved']:,} accounts ({o['moved_share']:.1%}; {o['potential_moved_share']:.1%} of potential)"
    if o["orphaned_accounts"]:
        moved += f", {o['orphaned_accounts']:,} of them because their owner left the roster"
    lines.append(moved + ".")
    lines.append("")
    header = f"{'Rep':<26} {'Accounts':>8}  {'Tier 1':>11}  {'Tier 2':>11}  {'Tier 3':>11}  {'Potential vs fair':>17}  {'In/Out':>7}"
    lines.append(header)
    lines.append("-" * len(header))
    for r in s["reps"]:
        label = f"{r['rep_id']} {r['name']}"
        if r["capacity"] != 1:
            label += f" ({r['capacity']:g})"
        cells = []
        for t in ("1", "2", "3"):
            cells.append(f"{r['tier_counts'][t]:>4} ({r['fair_tier'][t]:>4.1f})")
        dev = r["potential_deviation"]
        dev_s = "-" if dev is None else f"{dev:+.1%}"
        lines.append(f"{label[:26]:<26} {r['accounts']:>8}  {cells[0]:>11}  {cells[1]:>11}  {cells[2]:>11}  "
                     f"{dev_s:>17}  {r['moves_in']:>3}/{r['moves_out']:<3}")
    lines.append("(fair share in brackets)")
    lines.append("")
    mt, bt = o["max_tier_deviation"], o["before"]["max_tier_deviation"]
    lines.append("Largest gap to fair share, now (before): "
                 + ", ".join(f"Tier {t} {_pct(mt[t])} ({_pct(bt[t])})" for t in ("1", "2", "3"))
                 + f", potential {_pct(o['max_potential_deviation'])} ({_pct(o['before']['max_potential_deviation'])}).")
    if "baseline" in o:
        b = o["baseline"]
        lines.append(f"Spreadsheet-style baseline: {b['accounts_moved']:,} moved, largest gaps "
                     + ", ".join(f"Tier {t} {_pct(b['max_tier_deviation'][t])}" for t in ("1", "2", "3"))
                     + f", potential {_pct(b['max_potential_deviation'])}.")
    for w in s["warnings"]:
        lines.append(f"Warning: {w}")
    lines.append("")
    lines.append(f"Wrote {out_dir / 'assignments.csv'}, {out_dir / 'owner_changes.csv'} and {out_dir / 'summary.json'}.")
    return "\n".join(lines)


@click.command("plan")
@click.argument("accounts", type=click.Path(dir_okay=False))
@click.argument("roster", type=click.Path(dir_okay=False))
@click.option("-o", "--out", "out_dir", required=True, type=click.Path(file_okay=False),
              help="Folder for assignments.csv, owner_changes.csv and summary.json.")
@config_options
@solver_options
@click.option("--export-lp", type=click.Path(dir_okay=False), default=None, metavar="FILE",
              help="Also write the model in LP format for inspection (one file per pool).")
@click.option("-q", "--quiet", is_flag=True, help="Print only errors.")
@report_errors
def plan(accounts: str, roster: str, out_dir: str, config_path: str | None, settings: tuple[str, ...],
         solver: str | None, time_limit: float | None, gap: float | None, threads: int | None,
         export_lp: str | None, quiet: bool) -> None:
    """Split the accounts into balanced books, one per rep on the roster.

    ACCOUNTS is the CRM export (CSV or XLSX) with account_id, tier and, as available,
    region, potential, owner_id, parent_id and locked; ROSTER lists the reps with rep_id,
    region and capacity (1.0 full, 0.5 ramping).

    Example:

    \b
        territory plan examples/accounts.csv examples/roster.csv --out plan-out
        territory plan examples/accounts.csv examples/roster.csv --out plan-out \\
            --set balance.tier_band=0.05 --time-limit 30
    """
    import territory

    overrides = list(settings) + solver_overrides(solver, time_limit, gap, threads)
    cfg = territory.load_config(config_path, overrides)
    inp = territory.load_input(accounts, roster, cfg)
    bar_ctx: dict[str, Any] = {}

    def progress(stage: str, done: int, total: int) -> None:
        if quiet or total <= 1:
            return
        if "bar" not in bar_ctx:
            bar_ctx["bar"] = click.progressbar(length=total, label="Solving pools", file=click.get_text_stream("stderr"))
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
