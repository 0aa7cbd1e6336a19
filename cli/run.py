"""`territory run plan.toml`: the whole quarterly rebuild from one settings file."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from .errors import report_errors
from .options import (
    CONTEXT_SETTINGS,
    StageBars,
    allow_mass_change_option,
    lock_rule_options,
    lock_rule_overrides,
    mass_change_overrides,
    replaced_note,
)
from .plan import format_crm_guard, format_summary


@click.command("run", context_settings=CONTEXT_SETTINGS)
@click.argument("plan_file", type=click.Path(dir_okay=False))
@click.option(
    "--set",
    "settings",
    multiple=True,
    metavar="KEY=VALUE",
    help="Override one setting of the file, e.g. --set outputs.dir=q2 (repeatable).",
)
@click.option(
    "--books/--no-books", default=None, help="Render the PDF books (default: outputs.books in the file)."
)
@lock_rule_options
@allow_mass_change_option
@click.option("-q", "--quiet", is_flag=True, help="Print only errors and the final line.")
@report_errors
def run(
    plan_file: str,
    settings: tuple[str, ...],
    books: bool | None,
    as_of: Any,
    opportunities: str | None,
    allow_mass_change: bool,
    quiet: bool,
) -> None:
    """Run the rebuild a plan file describes: load, score, plan, write and print books.

    The file holds [inputs] (accounts, roster, icp, preset), [outputs] (dir, books), lock
    rules ([locks], [[locks.rules]]) and any plan settings; paths are relative to the file.
    Precedence: defaults < file < --set.

    Example:

    \b
        territory run examples/plan.toml
        territory run examples/plan.toml --set balance.tier_band=0.05 --set outputs.dir=tight-out
        territory run examples/lock-rules/plan.toml --as-of 2026-12-03
    """
    from territory.runner import run_plan_file

    overrides = list(settings) + mass_change_overrides(allow_mass_change)
    overrides += lock_rule_overrides(as_of, opportunities)
    with StageBars(quiet) as bars:
        result = run_plan_file(plan_file, overrides, books=books, progress=bars)
    out = Path(result.out_dir)
    if not quiet:
        click.echo(format_summary(result.summary, out))
        note = replaced_note(result.folder)
        if note:
            click.echo(note)
    guard = format_crm_guard(result.summary)
    if guard:
        click.echo(guard, err=True)
    for note in result.notes:
        click.echo(f"Note: {note}", err=True)
    if result.books is not None:
        b = result.books
        for warning in b.warnings:
            click.echo(f"Warning: {warning}", err=True)
        failed = f", {len(b.failures)} failed" if b.failures else ""
        click.echo(f"Books: {len(b.written)} written to {b.out_dir}{failed}.")
        for f in b.failures:
            click.echo(f"  {f.job.filename}: {f.error}", err=True)
    if result.report is not None:
        click.echo(f"Review page: {result.report.path}")
    click.echo(f"Done in {result.seconds:.1f} s: {out}")
    if result.books is not None and result.books.failures:
        raise click.exceptions.Exit(1)
