"""`territory books`: render the PDF books of a plan directory."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import click

from .errors import report_errors
from .options import CONTEXT_SETTINGS, StageBars


@click.command("books", context_settings=CONTEXT_SETTINGS)
@click.argument("plan_dir", type=click.Path(file_okay=False, path_type=Path))
@click.option(
    "--out",
    "out_dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Directory for the PDFs (created if needed). Default: PLAN_DIR/books.",
)
@click.option(
    "-j",
    "--jobs",
    type=click.IntRange(min=1),
    default=None,
    help="Books rendered in parallel (processes). Default: all cores.",
)
@click.option(
    "--rep",
    "rep_ids",
    multiple=True,
    metavar="REP",
    help="Render only this rep's book; REP is a rep id, email or name (repeatable). Skips "
    "manager roll-ups and the plan summary.",
)
@click.option(
    "--page-size",
    type=click.Choice(["letter", "a4"], case_sensitive=False),
    default="letter",
    show_default=True,
    help="Paper size.",
)
@click.option(
    "--templates",
    "templates_dir",
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    default=None,
    help="Directory of templates that override the packaged ones; a custom book can "
    '{% extends "default:rep_book.html" %}.',
)
@click.option(
    "--date",
    "generated_on",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    default=None,
    help="Generation date printed on the books (YYYY-MM-DD). Default: today. Fix it for "
    "byte-identical re-renders.",
)
@click.option("--quiet", "-q", is_flag=True, help="No progress bar.")
@report_errors
def books(
    plan_dir: Path,
    out_dir: Path | None,
    jobs: int | None,
    rep_ids: tuple[str, ...],
    page_size: str,
    templates_dir: Path | None,
    generated_on: dt.datetime | None,
    quiet: bool,
) -> None:
    """Render a PDF book per rep, a roll-up per manager and a plan summary.

    Example:

    \b
        territory books plan-out --out plan-out/books
        territory books plan-out --rep R07 --rep "Grace Nguyen" --rep mei.chen@example.com

    Books are named rep-<name>-<id>.pdf, manager-<name>.pdf and plan-summary.pdf.
    """
    from territory.io.staging import check_folder_writable

    target = out_dir if out_dir is not None else plan_dir / "books"
    check_folder_writable(target)
    from territory.reporting import load_plan_dir, render_books

    plan = load_plan_dir(plan_dir)  # read (and report problems) before any progress bar shows
    with StageBars(quiet) as bars:
        result = render_books(
            plan,
            target,
            rep_ids=list(rep_ids) or None,
            jobs=jobs,
            page_size=page_size.lower(),
            templates_dir=templates_dir,
            generated_on=generated_on.date() if generated_on else None,
            progress=bars,
        )
    for warning in result.warnings:
        click.echo(f"Warning: {warning}", err=True)
    written = len(result.written)
    click.echo(
        f"Wrote {written} book{'s' if written != 1 else ''} ({result.pages:,} pages) to "
        f"{result.out_dir} in {result.seconds:.1f} s with {result.jobs} "
        f"process{'es' if result.jobs != 1 else ''}."
    )
    if result.failures:
        for f in result.failures:
            click.echo(f"  failed: {f.job.filename}: {f.error}", err=True)
        n = len(result.failures)
        raise click.ClickException(
            f"{n} of {len(result.outcomes)} book{'s' if len(result.outcomes) != 1 else ''} failed; "
            "the others were written."
        )
