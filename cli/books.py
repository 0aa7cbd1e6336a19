"""`territory books`: render the PDF books of a plan directory."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

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
@click.option(
    "--format",
    "formats",
    default="pdf",
    show_default=True,
    metavar="FORMATS",
    callback=lambda _ctx, _param, value: _formats(value),
    help="pdf, xlsx, or both as pdf,xlsx: xlsx writes each rep's accounts and each manager's "
    "team as an Excel workbook (rep-<name>-<id>.xlsx, manager-<name>.xlsx).",
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
    formats: tuple[str, ...],
    quiet: bool,
) -> None:
    """Render a PDF book per rep, a roll-up per manager and a plan summary.

    Example:

    \b
        territory books plan-out --out plan-out/books
        territory books plan-out --rep R07 --rep "Grace Nguyen" --rep mei.chen@example.com
        territory books plan-out --format pdf,xlsx

    Books are named rep-<name>-<id>.pdf, manager-<name>.pdf and plan-summary.pdf; workbooks
    rep-<name>-<id>.xlsx and manager-<name>.xlsx.
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
            formats=formats,
        )
    for warning in result.warnings:
        click.echo(f"Warning: {warning}", err=True)
    if not result.untouched:
        click.echo(
            f"Wrote {_written(result)} to {result.out_dir} in {result.seconds:.1f} s with {result.jobs} "
            f"process{'es' if result.jobs != 1 else ''}."
        )
    if result.failures:
        n = len(result.failures)
        total = f"{n} of {len(result.outcomes)} book{'s' if len(result.outcomes) != 1 else ''} failed"
        head = (
            f"{total}; no book was written, and {result.out_dir} is as it was (the books of a plan "
            "are replaced as one set)"
            if result.untouched
            else f"{total}; the others were written."
        )
        lines = "".join(f"\n  failed: {f.job.filename}: {f.error}" for f in result.failures)
        raise click.ClickException(head + lines)


def _formats(value: str) -> tuple[str, ...]:
    """'pdf', 'xlsx' or 'pdf,xlsx' as a tuple; anything else is a usage error (exit 2)."""
    from territory.reporting.books import FORMATS

    chosen = [v.strip().lower() for v in value.split(",") if v.strip()]
    wrong = [v for v in chosen if v not in FORMATS]
    if wrong or not chosen:
        raise click.BadParameter(
            f"{value!r}: the formats are {' and '.join(FORMATS)}, e.g. --format pdf,xlsx",
            param_hint="'--format'",
        )
    return tuple(dict.fromkeys(chosen))


def _written(result: Any) -> str:
    """'16 books (123 pages)', or with workbooks '16 books (123 pages) and 20 workbooks'."""
    pdfs = [p for p in result.written if p.suffix == ".pdf"]
    sheets = len(result.written) - len(pdfs)
    parts = []
    if pdfs or not sheets:
        parts.append(f"{len(pdfs)} book{'s' if len(pdfs) != 1 else ''} ({result.pages:,} pages)")
    if sheets:
        parts.append(f"{sheets} workbook{'s' if sheets != 1 else ''}")
    return " and ".join(parts)
