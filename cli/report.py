"""`territory report`: the review page of a plan folder, one self-contained HTML file."""

from __future__ import annotations

from pathlib import Path

import click

from .errors import report_errors
from .options import CONTEXT_SETTINGS


@click.command("report", context_settings=CONTEXT_SETTINGS)
@click.argument("plan_dir", type=click.Path(file_okay=False, path_type=Path))
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="The HTML file to write. Default: PLAN_DIR/report.html.",
)
@click.option(
    "--previous",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Another plan folder (last quarter's): list the accounts whose owner differs, and why.",
)
@report_errors
def report(plan_dir: Path, out: Path | None, previous: Path | None) -> None:
    """Write the review page of a plan: one HTML file that opens offline in any browser.

    It shows every rep's balance against their band, the accounts (sortable, filterable, with
    the reason for each owner), moves by manager, the map when the plan placed its accounts,
    and with --previous the accounts whose owner differs from another plan. The file fetches
    nothing and runs no code from the data.

    Example:

    \b
        territory report plan-out --out plan-out/report.html
        territory report plan-out --previous last-quarter --out review.html
    """
    from territory.io.staging import check_output_file
    from territory.reporting.review import REPORT_NAME, write_review

    target = out if out is not None else plan_dir / REPORT_NAME
    check_output_file(target, example=REPORT_NAME)
    result = write_review(plan_dir, target, previous=previous)
    parts = [f"{result.accounts:,} accounts", f"{result.reps:,} reps"]
    if result.has_map:
        parts.append("a map")
    if result.differences is not None:
        n = result.differences
        parts.append(f"{n:,} difference{'s' if n != 1 else ''} to {previous}")
    click.echo(f"Wrote {result.path} ({result.size / 1e6:.1f} MB: {', '.join(parts)}).")
