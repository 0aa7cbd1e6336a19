"""`territory compare` (plans side by side) and `territory diff` (who changed owner)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from .errors import report_errors
from .options import CONTEXT_SETTINGS
from .text import column_width, one_line, pad, rep_label

SHARE_KEYS = {
    "owner_changes_share",
    "moved_share",
    "potential_moved_share",
    "max_tier_deviation",
    "max_tier_deviation_1",
    "max_tier_deviation_2",
    "max_tier_deviation_3",
    "max_potential_deviation",
    "potential_cv",
    "gap",
}


def _cell(key: str, v: Any) -> str:
    if v is None:
        return "-"
    if (key in SHARE_KEYS or key.endswith(("_deviation", "_cv"))) and isinstance(v, (int, float)):
        return f"{v:.1%}" if key != "gap" else f"{v:.2%}"
    if isinstance(v, float):
        return f"{v:,.0f}" if abs(v) >= 100 else f"{v:g}"
    if isinstance(v, int):
        return f"{v:,}"
    return str(v)


def format_comparison(cmp: Any, *, reps: bool = True) -> str:
    """The side-by-side table: plan metrics, then per-rep accounts and Tier 1 with changes."""
    names = list(cmp.names)
    width = max(14, *(len(n) + 2 for n in names))
    rep_rows = cmp.rep_rows() if reps else []
    rep_labels = [rep_label(str(rid), str(name or "")) for rid, name, _ in rep_rows]
    plan_rows = list(cmp.plan_rows())
    # one first column for both tables, as wide as the longest label of either (a measure's
    # label, 'Largest gap, Renewals next 2q', pushed its row's numbers out of their columns)
    labels = rep_labels + [label for _key, label, _values in plan_rows]
    first_w = column_width(labels, "Rep: accounts / Tier 1 (change)", 30) + 1
    lines = [f"{'':<{first_w}}" + "".join(f"{n:>{width}}" for n in names)]
    lines.append("-" * len(lines[0]))
    for key, label, values in plan_rows:
        lines.append(pad(label, first_w) + "".join(f"{_cell(key, v):>{width}}" for v in values))
    lines += format_request_changes(cmp)
    notes = getattr(cmp, "notes", [])  # any comparison-like object
    if notes:
        lines += ["", *notes]
    if reps:
        lines.append("")
        lines.append(
            f"{'Rep: accounts / Tier 1 (change)':<{first_w}}" + "".join(f"{n:>{width}}" for n in names)
        )
        lines.append("-" * len(lines[0]))
        for label, (_rid, _name, m) in zip(rep_labels, rep_rows):
            cells = []
            base_acc = m["accounts"][0]
            for i, (acc, t1) in enumerate(zip(m["accounts"], m["tier_1"])):
                if acc is None:
                    cells.append("-")
                    continue
                text = f"{acc}/{t1}"
                if i and base_acc is not None and acc != base_acc:
                    text += f" ({acc - base_acc:+d})"
                elif i and base_acc is None:
                    text += " (new)"
                cells.append(text)
            lines.append(pad(label, first_w) + "".join(f" {c:>{width - 1}}" for c in cells))
    return "\n".join(lines)


def format_request_changes(cmp: Any) -> list[str]:
    """The requests honoured in some plans and refused in others, one line each."""
    changes = cmp.request_changes() if hasattr(cmp, "request_changes") else []  # any comparison-like object
    if not changes:
        return []
    labels = [f"{a} -> {r}" for a, r, _ in changes]
    w = max(len(t) for t in labels)
    lines = ["", "Requests honoured in some plans and refused in others:"]
    for label, (_, _, by) in zip(labels, changes):
        said = "; ".join(f"{status} in {', '.join(plans)}" for status, plans in by.items())
        lines.append(f"  {label:<{w}}  {said}")
    return lines


@click.command("compare", context_settings=CONTEXT_SETTINGS)
@click.argument("plan_dirs", nargs=-1, required=True, type=click.Path(file_okay=False))
@click.option(
    "-o",
    "--out",
    "out_path",
    type=click.Path(dir_okay=False),
    default="compare.csv",
    show_default=True,
    help="Write the comparison table here.",
)
@click.option("--no-reps", is_flag=True, help="Print only the plan-level rows (compare.csv keeps every rep).")
@report_errors
def compare(plan_dirs: tuple[str, ...], out_path: str, no_reps: bool) -> None:
    """Print plans side by side and write the comparison to compare.csv.

    Shows, per plan: moves, the largest tier and potential deviations from fair share, the
    solver gap and, per rep, accounts and Tier 1 accounts with the change from the first plan.

    Example:

    \b
        territory whatif examples/accounts.csv examples/roster.csv --out whatif-out --remove-rep R07
        territory compare whatif-out/baseline whatif-out/scenario --out compare.csv
    """
    from territory.compare import compare_plans, write_compare
    from territory.io.staging import check_output_file

    check_output_file(out_path, plan_dirs, example="compare.csv")
    cmp = compare_plans([Path(d) for d in plan_dirs])
    write_compare(cmp, out_path)
    click.echo(format_comparison(cmp, reps=not no_reps))
    click.echo("")
    click.echo(f"Wrote {out_path}.")


@click.command("diff", context_settings=CONTEXT_SETTINGS)
@click.argument("plans", nargs=-1, required=True, type=click.Path(file_okay=False))
@click.option(
    "-o",
    "--out",
    "out_path",
    type=click.Path(dir_okay=False),
    default=None,
    help="Also write the changes to this CSV file.",
)
@click.option(
    "--limit",
    type=click.IntRange(min=0),
    default=50,
    show_default=True,
    help="Print at most this many accounts (0 = all).",
)
@report_errors
def diff(plans: tuple[str, ...], out_path: str | None, limit: int) -> None:
    """List the accounts whose owner differs between two plans, with the reason; or follow
    each account's owner through several plans (three or more, oldest first).

    Use it quarter over quarter: the first plan is last quarter's plan directory, the second
    this quarter's.
    A reason says "owner changed in the CRM between the plans" only when the plans read
    different accounts files (summary.json inputs.accounts.sha256) and the account's owner
    differs between them; otherwise it says what each plan did.

    With three or more plans (each planned with --previous the one before), it prints each
    moved account's owner after every plan and counts the accounts moved by two or more
    plans in a row:

    \b
        territory diff plan-q1 plan-q2 plan-q3 --out chain.csv

    Example:

    \b
        territory plan examples/accounts.csv examples/roster.csv --out q1
        territory plan examples/accounts.csv examples/roster.csv --out q2 --set balance.tier_band=0.05
        territory diff q1 q2 --out changes.csv

    Both plans read the same accounts file, so A00009 differs because the plans do:

    \b
        A00009  QEO Group  R12 -> R07  both plans start from R07 (same accounts
        file); old plan: moved to restore Tier 2 balance, from R07; new plan: kept with
        current owner
    """
    if len(plans) < 2:
        raise click.UsageError("give two plan folders (old, new), or three or more to follow a chain")
    if len(plans) > 2:
        _chain(plans, out_path, limit)
        return
    old, new = plans
    from territory.compare import diff_plans
    from territory.io.staging import check_output_file
    from territory.io.writing import write_csv

    if out_path is not None:  # (an empty --out "" is a bad path, not "no file")
        check_output_file(out_path, (old, new), example="changes.csv")
    changes = diff_plans(old, new)
    if out_path is not None:
        write_csv(changes, out_path)
    records = changes.to_dict("records")
    counts = {k: sum(1 for r in records if r["change"] == k) for k in ("moved", "added", "removed")}
    unit = "account-product rows" if "product" in changes.columns else "accounts"
    click.echo(
        f"{counts['moved']:,} {unit} changed owner between {old} and {new}"
        + (f"; {counts['added']:,} added" if counts["added"] else "")
        + (f"; {counts['removed']:,} removed" if counts["removed"] else "")
        + "."
    )
    shown = records if limit == 0 else records[:limit]
    for r in shown:
        frm = r["old_owner_id"] or "-"
        to = r["new_owner_id"] or "-"
        key = f"{r['account_id']} [{r['product']}]" if r.get("product") else r["account_id"]
        click.echo(f"  {key:<20} {one_line(str(r['name']))[:28]:<28} {frm:>8} -> {to:<8} {r['reason']}")
    _tail(len(records) - len(shown), out_path)


def _chain(plans: tuple[str, ...], out_path: str | None, limit: int) -> None:
    """``territory diff P1 P2 P3 ...``: owners over time and repeat moves."""
    from territory.continuity import plan_chain
    from territory.io.staging import check_output_file
    from territory.io.writing import write_csv

    if out_path is not None:
        check_output_file(out_path, plans, example="chain.csv")
    chain = plan_chain(plans)
    frame = chain.to_frame()
    if out_path is not None:
        write_csv(frame, out_path)
    moved = chain.moved[chain.names]
    click.echo(f"{len(chain.names)} plans, oldest first: {', '.join(chain.names)}.")
    click.echo(
        "Accounts moved by each plan: " + ", ".join(f"{n} {int(moved[n].sum()):,}" for n in chain.names) + "."
    )
    repeats = chain.repeat_counts()
    total = sum(repeats.values())
    click.echo(
        f"Moved by 2 or more plans in a row: {total:,} account{'s' if total != 1 else ''}"
        + (" (" + ", ".join(f"{k} in a row: {v:,}" for k, v in repeats.items()) + ")" if total else "")
        + "."
    )
    rows = frame[frame["moved_in"] != ""].sort_values(
        ["consecutive_moves", "account_id"], ascending=[False, True], kind="stable"
    )
    shown = rows if limit == 0 else rows.head(limit)
    for r in shown.to_dict("records"):
        owners = " -> ".join(str(r[n]) or "-" for n in chain.names)
        runs = f" ({r['consecutive_moves']} in a row)" if r["consecutive_moves"] >= 2 else ""
        click.echo(f"  {r['account_id']:<20} {owners}   moved by {r['moved_in'].replace(';', ', ')}{runs}")
    _tail(len(rows) - len(shown), out_path)


def _tail(left: int, out_path: str | None) -> None:
    """The closing lines of a listing: how many were not printed, and the file written."""
    if left > 0:
        click.echo(f"  ... and {left:,} more" + ("" if out_path is not None else "; use --out FILE for all"))
    if out_path is not None:
        click.echo(f"Wrote {out_path}.")
