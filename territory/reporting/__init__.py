"""PDF books for a plan: one per rep, one per manager and a plan summary.

``render_books(plan_dir, out_dir, ...)`` renders them all; the context builders and
``render_pdf`` are here for custom pipelines. Importing this package does not import
WeasyPrint; rendering does, lazily.
"""

from __future__ import annotations

from .books import BookJob, BookOutcome, BooksResult, plan_book_jobs, render_books, render_one
from .context import (
    ManagerRollupContext,
    PlanDir,
    PlanSummaryContext,
    RepBookContext,
    build_manager_rollup,
    build_plan_summary,
    build_rep_book,
    load_plan_dir,
)
from .render import AssetFetcher, make_environment, render_html, render_pdf

__all__ = [
    "AssetFetcher",
    "BookJob",
    "BookOutcome",
    "BooksResult",
    "ManagerRollupContext",
    "PlanDir",
    "PlanSummaryContext",
    "RepBookContext",
    "build_manager_rollup",
    "build_plan_summary",
    "build_rep_book",
    "load_plan_dir",
    "make_environment",
    "plan_book_jobs",
    "render_books",
    "render_html",
    "render_one",
    "render_pdf",
]
