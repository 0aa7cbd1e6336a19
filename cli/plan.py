"""`territory plan`: accounts + roster in, a balanced plan directory out."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from .errors import report_errors
from .options import (
    CONTEXT_SETTINGS,
    StageBars,
    allow_mass_change_option,
    config_options,
    lock_rule_options,
    lock_rule_overrides,
    mass_change_overrides,
    replaced_note,
    solver_options,
    solver_overrides,
)
from .sources import source_kwargs, source_options
from .text import column_width, display_width, one_line, pad, rep_label, rjust

if TYPE_CHECKING:
    from territory.plan_result import PlanSummary

GEO_UNITS = ("state", "county", "zip3", "none")


def _pct(x: float | None) -> str:
    return "-" if x is None else f"{x:.1%}"


def format_gaps(reps: Any) -> list[str]:
    """The "Largest gap to fair share" table: after the plan, and today's books (``reps``: the
    plan result's ``Rep`` records)."""
    from territory.balance import gap_labels, largest_gaps

    names = {r.rep_id: one_line(r.name or r.rep_id) for r in reps}

    def cell(g: Any) -> str:
        if g is None:
            return "-"
        return f"{g.units_text()} ({g.relative:+.1%}), {names.get(g.rep_id, g.rep_id)}"

    after, before = largest_gaps(reps), largest_gaps(reps, before=True)
    left = [cell(g) for g in after]
    right = [cell(g) for g in before] if any(before) else ["-"] * len(left)
    w = column_width(left, "After the plan")
    labels = gap_labels(reps)
    lw = max(10, *(display_width(x) for x in labels))
    units = (
        "potential: in money" if len(labels) == 4 else "potential and the other measures: in their own units"
    )
    lines = [
        f"Largest gap to fair share: the rep furthest off, in accounts ({units}) and in % "
        "of that rep's fair share.",
        f"{'':<{lw}} {'After the plan':<{w}}   Today's books (reps who own accounts today)",
    ]
    for measure, a, b in zip(labels, left, right):
        lines.append(f"{pad(measure, lw)} {pad(a, w)}   {b}".rstrip())
    if not any(before):
        lines.append("(no rep on the roster owns accounts today)")
    return lines


def format_rep_table(result: Any, labels: list[str], name_w: int) -> list[str]:
    """Per rep of ``result`` (the plan's PlanSummary): accounts, tiers (fair share in
    brackets), each measure against its fair share ("!" outside the measure's band), moves in
    and out."""
    from territory.plan_result import band_text, measure_label

    names = result.measure_names()
    heads = [f"{measure_label(n)} vs fair" for n in names]
    widths = [max(display_width(h), 9) for h in heads]
    header = f"{'Rep':<{name_w}} {'Accounts':>8}  {'Tier 1':>11}  {'Tier 2':>11}  {'Tier 3':>11}  "
    header += "".join(f"{rjust(h, w)}  " for h, w in zip(heads, widths)) + f"{'In/Out':>7}"
    lines = [header, "-" * display_width(header)]
    outside = False
    for label, r in zip(labels, result.reps):
        cells = [f"{r.tier_counts[t]:>4} ({r.fair_tier[t]:>4.1f})" for t in ("1", "2", "3")]
        measures = dict(r.measure_items())
        devs = []
        for n, w in zip(names, widths):
            m = measures.get(n)
            text = "-" if m is None or m.deviation is None else f"{m.deviation:+.1%}"
            if m is not None and m.outside():
                text, outside = text + " !", True
            devs.append(f"{text:>{w}}  ")
        lines.append(
            f"{pad(label, name_w)} {r.accounts:>8}  {cells[0]:>11}  {cells[1]:>11}  {cells[2]:>11}  "
            + "".join(devs)
            + f"{r.moves_in:>3}/{r.moves_out:<3}".rstrip()
        )
    bands = ", ".join(f"{measure_label(n)} {band_text(result.measure_band(n))}" for n in names)
    lines.append("(fair share in brackets; measures: % above or below the rep's fair share; " + bands + ")")
    if outside:
        lines.append("(! outside the rep's band)")
    return lines


def settings_lines(settings: Any) -> list[str]:
    """One line per setting the command line gave over the settings file's own value."""
    if not settings:
        return []
    name = settings.get("file", "the settings file")
    said = [
        f"{key} = {e['value']!r} (the file said {e['file_value']!r})"
        for key, e in (settings.get("command_line") or {}).items()
        if "file_value" in e and e["file_value"] != e["value"]
    ]
    if not said:
        return []
    return [f"Settings from the command line over {name}: " + "; ".join(said) + "."]


def format_summary(s: dict[str, Any], out_dir: Path) -> str:
    """The short plain-words summary printed after a plan (``s``: summary.json as written)."""
    from territory.plan_result import PlanSummary

    result = PlanSummary.from_dict(s)
    o = result.overall
    lines = []
    pools = result.solver.pools
    n_pools = pools if isinstance(pools, int) else len(pools)
    secs = (result.run or {}).get("seconds", {})
    total = secs.get("load", 0) + secs.get("total_solve", 0) + secs.get("write", 0)
    what = f"{o.accounts:,} accounts"
    if o.products is not None:  # product ICPs: one row per account and product it fits
        what = (
            f"{o.accounts:,} account-product rows ("
            + ", ".join(f"{p} {n:,}" for p, n in o.products.items())
            + ")"
        )
    lines.append(
        f"Planned {what} for {o.reps} reps in {n_pools} "
        f"pool{'s' if n_pools != 1 else ''}: {result.solver.status_text} ({total:.1f} s)."
    )
    lines.append(format_moves(result))
    lines += format_lock_rules(result)
    lines += format_requests(s)
    if o.no_product_fit:
        n = o.no_product_fit
        keep = result.config["products"].get("no_fit", "keep") == "keep"
        lines.append(
            f"{n:,} account{'s' if n != 1 else ''} fit no product ICP: listed in assignments.csv "
            + ("with their current owner" if keep else "without an owner (the CRM keeps its owner)")
            + ", in no update file."
        )
    lines.append("")
    labels = []
    for r in result.reps:
        suffix = f" [{r.product}]" if o.products is not None and r.product else ""
        if r.capacity != 1:
            suffix += f" ({r.capacity:g})"
        labels.append(rep_label(r.rep_id, r.name or "", suffix))
    name_w = column_width(labels, "Rep", 26)
    lines += format_rep_table(result, labels, name_w)
    lines.append("")
    lines.extend(format_gaps(result.reps))
    lines += format_teams(result)
    lines += format_continuity(result)
    lines.append("")
    if o.baseline is not None:
        from territory.plan_result import measure_label

        b = o.baseline
        # The baseline gives the unowned accounts an owner too; its number, like the plan's
        # "from another owner", counts the accounts it takes away from someone.
        what = "moved from another owner (" if o.first_owners else "moved; "
        lines.append(
            f"Spreadsheet-style baseline: {b.accounts_moved:,} {what}largest gap in % of fair share: "
            + ", ".join(f"Tier {t} {_pct(b.max_tier_deviation[t])}" for t in ("1", "2", "3"))
            + f", potential {_pct(b.max_potential_deviation)}"
            + "".join(
                f", {measure_label(n)} {_pct(m.max_deviation)}"
                for n, m in (b.measures or {}).items()
                if n != "potential"
            )
            + (")." if o.first_owners else ".")
        )
    if result.geography:
        from territory.geo import coverage_lines

        lines += coverage_lines(result.geography)
    lines += settings_lines(result.settings)
    for w in result.warnings:
        lines.append(f"Warning: {w}")
    lines.append("")
    files = [str(out_dir / "assignments.csv")]
    crm = result.crm_update
    if crm is None or crm.written:
        names = [f.file for f in crm.files] if crm is not None else ["owner_changes.csv"]
        files += [str(out_dir / name) for name in names]
    lines.append(f"Wrote {', '.join(files)} and {out_dir / 'summary.json'}.")
    return "\n".join(lines)


def format_teams(result: PlanSummary) -> list[str]:
    """One line per manager's team when the plan balances teams (``balance.team_band``):
    each tier's count against the team's fair share and band, each measure's gap to fair."""
    from territory.plan_result import measure_label

    teams = result.teams
    if not teams:
        return []
    band = result.config["balance"]["team_band"]
    per_pool: dict[tuple[str, str], int] = {}
    for t in teams:  # (with product ICPs a team is balanced within each product)
        key = (t["pool"], t.get("product") or "")
        per_pool[key] = per_pool.get(key, 0) + 1
    # a team alone holds its pool's whole share
    shared = [t for t in teams if per_pool[(t["pool"], t.get("product") or "")] > 1]
    if not shared:
        return ["Teams: no pool has two managers' teams, so each team holds its whole pool's share."]
    out = [f"Teams sharing a pool (band +-{band:.0%} around each team's fair share):"]
    for t in shared:
        parts = [
            f"Tier {k} {t['tier_counts'][k]} (fair {t['fair_tier'][k]:.1f}, band "
            f"{t['tier_band'][k][0]}-{t['tier_band'][k][1]})"
            for k in ("1", "2", "3")
            if t["fair_tier"][k] > 0
        ]
        parts += [
            f"{measure_label(name)} {m['deviation']:+.1%} vs fair"
            for name, m in t["measures"].items()
            if m["deviation"] is not None
        ]
        product = f" [{t['product']}]" if t.get("product") else ""
        n = len(t["reps"])
        out.append(
            f"  {t['manager']}{product} ({t['pool']}, {n} rep{'s' if n != 1 else ''}): " + ", ".join(parts)
        )
    return out


def format_continuity(result: PlanSummary) -> list[str]:
    """With a previous plan: the accounts this plan moves that the previous one moved too."""
    c = result.continuity
    if not c:
        return []
    n, left, w = c["moved_again"], c["moved_again_owner_left"], c["repeat_move_weight"]
    listed = ", ".join(c["moved_again_accounts"][:10]) + (", ..." if n > 10 else "")
    because = f", {left:,} because their owner left the roster" if left else ""
    return [
        f"Previous plan {c['previous']}: {c['moved_in_previous_and_here']:,} of these accounts moved "
        f"there; {n:,} of them move{'s' if n == 1 else ''} again{because} (a repeat move costs "
        f"{w:g} move{'' if w == 1 else 's'})" + (f": {listed}." if n else ".")
    ]


def format_moves(result: PlanSummary) -> str:
    """The "Moved N" line: N is always the number of rows in the owner-update file(s).

    A first owner (an account nobody owned) is an owner change in the CRM, so it counts;
    the line says how many of the N were taken from another owner and how many had none.
    """
    o = result.overall
    unit = "account-product rows" if o.products is not None else "accounts"
    moved, first = o.accounts_moved, o.first_owners or 0
    changes = o.owner_changes if o.owner_changes is not None else moved + first
    share = o.owner_changes_share if o.owner_changes_share is not None else o.moved_share
    left = o.orphaned_accounts
    because = f", {left:,} of them because their owner left the roster" if left else ""
    if not first:
        return f"Moved {changes:,} {unit} ({share:.1%}; {o.potential_moved_share:.1%} of potential){because}."
    product = " for their product" if o.products is not None else ""
    if not moved:
        return f"Moved {changes:,} {unit} ({share:.1%}): all {first:,} had no owner{product}."
    return (
        f"Moved {changes:,} {unit} ({share:.1%}): {moved:,} from another owner "
        f"({o.potential_moved_share:.1%} of potential){because}; {first:,} had no owner{product}."
    )


def format_lock_rules(result: PlanSummary) -> list[str]:
    """What the lock rules kept, per rule, and where leavers' accounts went (summary.json's lock_rules)."""
    lr = result.lock_rules
    if not lr:
        return []
    unit = lr.get("unit", "accounts")
    lines = []

    def units(n: int) -> str:
        return f"{n:,} {unit if n != 1 else unit[:-1]}"

    def anyway(n: int | None) -> str:
        return "" if n is None else f", {n:,} of them would have stayed anyway"

    if lr.get("rules"):
        when = ""
        if lr.get("as_of"):
            when = f" as of {lr['as_of']}" + (
                " (today; give --as-of for a plan that does not change with the day)"
                if lr.get("as_of_from") == "today"
                else ""
            )
        lines.append(
            f"Lock rules{when}: {units(lr['kept'])} kept with their owner{anyway(lr['kept_anyway'])}."
        )
        for r in lr["rules"]:
            name = f'"{r["name"]}" ' if r.get("name") else ""
            text = f"  rule {r['rule']} {name}({r['text']}): {r['matched']:,} matched, {r['kept']:,} kept"
            if r.get("kept_anyway") is not None:
                text += f" ({r['kept_anyway']:,} anyway)"
            left = r["not_kept"]["owner_left_or_none"]
            if left:
                text += f"; {left:,} not kept: no owner on the roster"
            moved = r["not_kept"]["moved"]
            if moved:
                text += f"; {moved:,} moved (pinned to another rep)"
            lines.append(text)
    for lv in lr.get("successors", []):
        lines.append(
            f"{lv['rep_id']} leaves: {lv['to_successor']:,} of {units(lv['accounts'])} go"
            + ("es" if lv["to_successor"] == 1 else "")
            + f" to the named successor {lv['successor']}."
        )
    return lines


def format_requests(s: dict[str, Any]) -> list[str]:
    """Managers' requests: honoured or refused, each with its price (summary.json's requests)."""
    rq = s.get("requests")
    if not rq:
        return []
    extra = rq.get("extra_moves")
    lines = [
        f"Requests ({rq['file']}): {rq['honoured']} of {rq['requests']} honoured, {rq['refused']} refused"
        + (
            f"; with them the plan moves {abs(extra):,} account{'s' if abs(extra) != 1 else ''} "
            f"{'more' if extra >= 0 else 'fewer'} than without."
            if extra is not None
            else "."
        )
    ]
    rows = [
        (
            f"row {r['row']}" if r.get("row") else "",
            r["account_id"] + (f" ({r['product']})" if r.get("product") else ""),
            f"keep ({r['rep_id']})" if r["requested_rep"] == "keep" else r["requested_rep"],
            r,
        )
        for r in rq["list"]
    ]
    w = max(len(f"{a} -> {b}") for _, a, b, _ in rows)
    for row, a, b, r in rows:
        lines.append(f"  {row:<7} {a + ' -> ' + b:<{w}}  {r['reason']}")
    return lines


def format_crm_guard(s: dict[str, Any]) -> str | None:
    """The guard's message when it withheld the update file(s), or let them through anyway."""
    crm = s.get("crm_update") or {}
    names = ", ".join(f["file"] for f in crm.get("files", []))
    if crm.get("withheld_because"):
        lines = [f"CRM UPDATE WITHHELD: {names} not written, because"]
        lines += [f"  - {r}" for r in crm["withheld_because"]]
        lines.append(
            "  Check assignments.csv and summary.json before loading anything into the CRM; to "
            "write the update anyway, run again with --allow-mass-change (or set "
            "outputs.allow_mass_change = true)."
        )
        return "\n".join(lines)
    if crm.get("written_despite"):
        lines = [f"Mass change: {names} written because mass changes are allowed, although"]
        lines += [f"  - {r}" for r in crm["written_despite"]]
        return "\n".join(lines)
    return None


def format_sweep(points: list[Any]) -> str:
    """The balance-versus-moves table, one line per move cap (with requests: how many each
    cap honours, then the requests refused at some caps)."""
    from territory.plan_result import measure_label
    from territory.sweep import cap_label, sweep_measures

    asked = any(p.requests is not None for p in points)
    head = f"{'Requests':>9}  " if asked else ""
    others = sweep_measures(points)
    heads = [f"Worst {measure_label(n)} gap" for n in others]
    widths = [display_width(h) for h in heads]
    lines = [
        "Balance versus moves (forced moves of departed owners not capped):",
        f"{'Move cap':>9}  {'Moved':>7}  {'Share':>6}  {'Worst tier gap':>14}  {'Worst potential gap':>19}  "
        + "".join(f"{rjust(h, w)}  " for h, w in zip(heads, widths))
        + f"{'Outside bands':>13}  {head}Status",
    ]
    for p in points:
        cap = cap_label(p.cap)
        if p.status == "infeasible":
            cells = f"{'-':>9}  " if asked else ""
            lines.append(
                f"{cap:>9}  {'-':>7}  {'-':>6}  {'-':>14}  {'-':>19}  "
                + "".join(f"{'-':>{w}}  " for w in widths)
                + f"{'-':>13}  {cells}infeasible: {p.note}"
            )
            continue
        cells = f"{f'{p.requests_honoured} of {p.requests}':>9}  " if asked else ""
        gaps = dict(p.measure_deviations)
        lines.append(
            f"{cap:>9}  {p.accounts_moved:>7,}  {p.moved_share:>6.1%}  {p.max_tier_deviation:>14.1%}  "
            f"{p.max_potential_deviation:>19.1%}  "
            + "".join(f"{_pct(gaps.get(n)):>{w}}  " for n, w in zip(others, widths))
            + f"{p.accounts_outside_tier_bands:>13,}  {cells}{p.status}"
        )
    refused: dict[str, list[str]] = {}
    for p in points:
        for r in (p.requests_refused or "").split("; "):
            if r:
                refused.setdefault(r, []).append(cap_label(p.cap))
    if refused:
        lines.append("Requests refused, by move cap:")
        w = max(len(r) for r in refused)
        lines += [f"  {r:<{w}}  refused at {', '.join(caps)}" for r, caps in refused.items()]
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
    help="Folder for assignments.csv, owner_changes.csv (one per product with product ICPs) "
    "and summary.json.",
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
    "--previous",
    "previous",
    type=click.Path(file_okay=False),
    default=None,
    metavar="DIR",
    help="Last quarter's plan folder: an account it moved costs continuity.repeat_move_weight "
    "moves to move again, and the summary counts accounts moved twice in a row.",
)
@click.option(
    "--geo-units",
    "geo_units",
    default=None,
    metavar="state|county|zip3",
    help="Make territories from whole states, counties or ZIP3 areas, each rep's one connected "
    "piece (setting geo.units; docs/geography.md).",
)
@click.option(
    "--locks",
    "locks_path",
    type=click.Path(dir_okay=False),
    default=None,
    help="CSV of account_id,rep_id: accounts pinned to a rep whatever the balance.",
)
@click.option(
    "--requests",
    "requests_path",
    type=click.Path(dir_okay=False),
    default=None,
    help="Managers' requests (CSV/XLSX): account_id,rep_id,requested_by,note, rep_id 'keep' "
    "for the current owner. Each is honoured when the rules allow, refused otherwise, and "
    "priced (requests.csv).",
)
@source_options
@config_options
@lock_rule_options
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
@allow_mass_change_option
@click.option("-q", "--quiet", is_flag=True, help="Print only errors.")
@report_errors
def plan(
    accounts: str,
    roster: str,
    out_dir: str,
    icp_path: str | None,
    region_rules: str | None,
    previous: str | None,
    geo_units: str | None,
    locks_path: str | None,
    requests_path: str | None,
    config_path: str | None,
    settings: tuple[str, ...],
    as_of: Any,
    opportunities: str | None,
    preset: str | None,
    sheet: str | None,
    table: str | None,
    query: str | None,
    solver: str | None,
    time_limit: str | None,
    gap: str | None,
    threads: str | None,
    export_lp: str | None,
    sweep: str | None,
    allow_mass_change: bool,
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
        territory plan q2-accounts.csv q2-roster.csv --out plan-q2 --previous plan-q1
    """
    import territory
    from territory.config import settings_record
    from territory.io.staging import check_output_file, check_output_folder
    from territory.runner import files_read, plan_to_folder
    from territory.sweep import parse_caps

    # Every option is checked before anything is read, solved or written.
    caps = parse_caps(sweep) if sweep is not None else None
    protect = (accounts, roster, icp_path, locks_path, config_path, opportunities, requests_path)
    check_output_folder(out_dir, protect)
    if export_lp:
        check_output_file(export_lp, protect, example="model.lp", out_folder=out_dir)
    overrides = list(settings) + solver_overrides(solver, time_limit, gap, threads)
    overrides += mass_change_overrides(allow_mass_change) + lock_rule_overrides(as_of, opportunities)
    if region_rules:
        overrides.append(f"inputs.region_rules={region_rules}")
    if previous:
        overrides.append(f"continuity.previous={previous}")
    if geo_units is not None:
        if geo_units not in GEO_UNITS:
            raise territory.ConfigError(
                f"--geo-units must be one of {', '.join(map(repr, GEO_UNITS))}, not {geo_units!r}"
            )
        overrides.append(f"geo.units={geo_units}")
    cfg = territory.load_config(config_path, overrides)
    protect += files_read(cfg)  # last quarter's plan, region rules...: also from --config or --set
    check_output_folder(out_dir, protect)
    inp = territory.load_input(
        accounts,
        roster,
        cfg,
        icp_path=icp_path,
        locks_path=locks_path,
        requests_path=requests_path,
        **source_kwargs(preset, sheet, table, query),
    )
    inp.extras["settings"] = settings_record(config_path, overrides)  # summary.json: which won
    with StageBars(quiet) as bars:
        result = plan_to_folder(
            inp, out_dir, export_lp=export_lp, sweep_caps=caps, protect=protect, progress=bars
        )
    out = Path(out_dir)
    guard = format_crm_guard(result.summary)
    if not quiet:
        click.echo(format_summary(result.summary, out))
    if guard:  # even with --quiet: the update file someone may be waiting for is not there
        click.echo(guard, err=True)
    if quiet:
        return
    if export_lp:
        click.echo(f"Model written to {', '.join(result.lp_files)}.")
    if result.sweep is not None:
        click.echo("")
        click.echo(format_sweep(result.sweep))
        click.echo(f"Wrote {out / 'sweep.csv'}.")
    note = replaced_note(result)
    if note:
        click.echo(note)
