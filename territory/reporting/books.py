"""Render every book of a plan: which books, in parallel, with progress and collected failures.

One failing book never stops the others: ``render_books`` returns a ``BooksResult`` listing
what was written and what failed, with why. Workers are forked processes that import
WeasyPrint once each (about 0.5 s) and render one book per task (``chunksize`` 1), because
layout time varies with book length.
"""

from __future__ import annotations

import datetime as dt
import difflib
import multiprocessing
import os
import time
import unicodedata
from collections.abc import Sequence
from concurrent.futures import Future, as_completed
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from ..errors import InputError, OutputError, Problem, RenderError
from ..plan_result import Rep
from ..progress import BOOKS, Progress, reporter
from ..workers import process_pool
from .context import (
    NO_MANAGER,
    PlanDir,
    build_manager_rollup,
    build_plan_summary,
    build_rep_book,
    fingerprint_on_disk,
    load_plan_dir,
    manager_slug,
    managers_of,
    name_slug,
)
from .fonts import font_warning

__all__ = [
    "BookJob",
    "BookOutcome",
    "BooksResult",
    "plan_book_jobs",
    "rep_book_stem",
    "render_books",
    "render_one",
    "select_reps",
]

BookKind = Literal["rep", "manager", "summary"]
PAGE_SIZES = ("letter", "a4")
FORMATS = ("pdf", "xlsx")  # xlsx: rep and manager workbooks (territory.reporting.workbooks)


@dataclass(frozen=True)
class BookJob:
    """One book to render: its kind, the rep id or manager name, and its file name."""

    kind: BookKind
    key: str
    filename: str

    @property
    def format(self) -> str:
        """'pdf' or 'xlsx', from the file name."""
        return self.filename.rsplit(".", 1)[-1]


@dataclass(frozen=True)
class BookOutcome:
    """What happened to one book."""

    job: BookJob
    path: Path | None
    ok: bool
    error: str = ""
    pages: int = 0
    size: int = 0
    seconds_layout: float = 0.0
    seconds_write: float = 0.0
    seconds_total: float = 0.0
    cpu_seconds: float = 0.0


@dataclass(frozen=True)
class BooksResult:
    """Every outcome of a ``render_books`` run, in job order."""

    outcomes: tuple[BookOutcome, ...]
    out_dir: Path
    seconds: float
    jobs: int
    warnings: tuple[str, ...] = ()  # said once per run, e.g. characters no installed font has
    # Books were rendered as one set and some failed: none was written, out_dir is as it was.
    untouched: bool = False

    @property
    def written(self) -> list[Path]:
        return [o.path for o in self.outcomes if o.ok and o.path is not None]

    @property
    def failures(self) -> list[BookOutcome]:
        return [o for o in self.outcomes if not o.ok]

    @property
    def pages(self) -> int:
        return sum(o.pages for o in self.outcomes)

    @property
    def ok(self) -> bool:
        return not self.failures

    def __repr__(self) -> str:
        return (
            f"<BooksResult [{len(self.written)} written, {len(self.failures)} failed, "
            f"{self.pages} pages, {self.seconds:.1f} s]>"
        )


def _unique(names: list[str]) -> list[str]:
    """Make sanitised file stems unique ('R_1', 'R_1-2', ...) without reordering."""
    seen: dict[str, int] = {}
    out = []
    for n in names:
        k = n.lower()
        if k in seen:
            seen[k] += 1
            n = f"{n}-{seen[k]}"
        else:
            seen[k] = 1
        out.append(n)
    return out


def rep_book_stem(rep_id: str, name: str) -> str:
    """``rep-<name-slug>-<id>``: the name first so a folder of books sorts by name, the id so
    two reps with one name never share a file. ``rep-<id>`` when the name has no ASCII
    letters or digits (or is the id itself)."""
    from .render import safe_filename

    slug = name_slug(name) if name and name != rep_id else ""
    safe_id = safe_filename(rep_id)
    return f"rep-{slug}-{safe_id}" if slug else f"rep-{safe_id}"


def _fold(text: str) -> str:
    """Case- and spacing-insensitive form of an id, email or name for matching."""
    return " ".join(unicodedata.normalize("NFKC", text).casefold().split())


def _describe(rep: Rep) -> str:
    rep_id, name, email = rep.rep_id, rep.name, rep.email
    text = f"{rep_id} {name}" if name and name != rep_id else rep_id
    return text + (f" <{email}>" if email else "")


def select_reps(plan: PlanDir, keys: Sequence[str]) -> list[str]:
    """The rep ids that ``keys`` name, in the order given (duplicates dropped).

    A key is a rep id (exact; else ignoring case; a 15-character Salesforce id also finds its
    18-character form), an email (ignoring case) or a name (ignoring case and extra spaces).
    Every key that names no rep, or a name several reps share, is one ``Problem`` of the
    ``InputError`` raised, which lists the matching reps so the user can pick an id.
    """
    reps = plan.reps
    ids = [r.rep_id for r in reps]
    problems: list[Problem] = []
    chosen: list[str] = []
    where = str(plan.path / "summary.json")
    for key in keys:
        k = key.strip()
        fk = _fold(k)
        tries = (
            [i for i in ids if i == k],
            [i for i in ids if _fold(i) == fk],
            [i for i in ids if len(k) == 15 and len(i) == 18 and i[:15] == k],
            [r.rep_id for r in reps if r.email and _fold(r.email) == fk],
            [r.rep_id for r in reps if r.name and _fold(r.name) == fk],
        )
        found = next((t for t in tries if t), [])
        if len(found) == 1:
            chosen.append(found[0])
            continue
        if found:
            by_id = {r.rep_id: r for r in reps}
            problems.append(
                Problem(
                    file=where,
                    value=key,
                    message=f"{len(found)} reps match {key!r}: "
                    + "; ".join(_describe(by_id[i]) for i in found),
                    hint="pass the rep id or email instead, e.g. --rep " + found[0],
                )
            )
            continue
        names = {_fold(r.name): _describe(r) for r in reps}
        close = difflib.get_close_matches(fk, [*names, *(_fold(i) for i in ids)], n=3, cutoff=0.75)
        hint = (
            "did you mean " + " or ".join(names.get(c, c) for c in close) + "?"
            if close
            else "reps in this plan: "
            + ", ".join(ids[:8])
            + (f" ... ({len(ids)} in all)" if len(ids) > 8 else "")
        )
        problems.append(
            Problem(file=where, value=key, message=f"no rep has the id, email or name {key!r}", hint=hint)
        )
    if problems:
        n = len(problems)
        raise InputError(
            problems, summary=f"{n} --rep value{'s match' if n != 1 else ' matches'} no single rep"
        )
    return list(dict.fromkeys(chosen))


def plan_book_jobs(
    plan: PlanDir,
    rep_ids: Sequence[str] | None = None,
    *,
    reps: bool = True,
    managers: bool = True,
    summary: bool = True,
    formats: Sequence[str] = ("pdf",),
) -> list[BookJob]:
    """The books of a plan: ``rep-<name-slug>-<id>.pdf``, ``manager-<slug>.pdf``,
    ``plan-summary.pdf``; with "xlsx" in ``formats`` also ``rep-<name-slug>-<id>.xlsx`` and
    ``manager-<slug>.xlsx`` (the same names; no spreadsheet of the plan summary).

    With ``rep_ids``, only those reps' books: each is a rep id, email or name (see
    ``select_reps``; unknown or ambiguous ones raise ``InputError``).
    """
    unknown = [f for f in formats if f not in FORMATS]
    if unknown or not formats:
        raise RenderError(f"book formats are {', '.join(FORMATS)}, not {', '.join(unknown) or 'none'}")
    if rep_ids:
        chosen = select_reps(plan, rep_ids)
        managers = summary = False
    else:
        chosen = plan.rep_ids if reps else []
    jobs: list[BookJob] = []
    names = plan.rep_names
    stems = _unique([rep_book_stem(r, names.get(r, "")) for r in chosen])
    mgrs = managers_of(plan) if managers else []
    first_rep: dict[str, str] = {}
    for r in plan.reps:
        first_rep.setdefault(r.manager.strip() or NO_MANAGER, r.rep_id)
    mstems = _unique([f"manager-{manager_slug(m, first_rep.get(m, ''))}" for m in mgrs])
    for fmt in (f for f in FORMATS if f in formats):
        jobs += [BookJob("rep", r, f"{s}.{fmt}") for r, s in zip(chosen, stems)]
        jobs += [BookJob("manager", m, f"{s}.{fmt}") for m, s in zip(mgrs, mstems)]
    if summary and "pdf" in formats:
        jobs.append(BookJob("summary", "", "plan-summary.pdf"))
    return jobs


# --------------------------------------------------------------------------- worker state

# Set in the parent before forking, so workers inherit the loaded plan without pickling it.
_STATE: dict[str, Any] = {}


def _init_worker() -> None:
    if not _STATE.get("pdf", True):
        return  # spreadsheets only: no WeasyPrint
    import weasyprint  # noqa: F401  - once per worker, not once per book

    from .render import make_environment

    _STATE["env"] = make_environment(_STATE.get("templates_dir"))


def render_one(
    plan: PlanDir,
    job: BookJob,
    out_dir: Path,
    *,
    page_size: str = "letter",
    generated_on: dt.date | None = None,
    env: Any = None,
) -> BookOutcome:
    """Render one book to ``out_dir/job.filename``; errors become a failed ``BookOutcome``."""
    from .render import render_pdf

    t0 = time.perf_counter()
    c0 = time.process_time()
    target = out_dir / job.filename
    if job.format == "xlsx":
        return _write_workbook(plan, job, target, generated_on or dt.date.today(), t0, c0)
    try:
        context: Any
        if job.kind == "rep":
            context = build_rep_book(plan, job.key, generated_on=generated_on, page_size=page_size)
        elif job.kind == "manager":
            context = build_manager_rollup(plan, job.key, generated_on=generated_on, page_size=page_size)
        else:
            context = build_plan_summary(plan, generated_on=generated_on, page_size=page_size)
        _, stats = render_pdf(context, target, env=env)
    except Exception as e:  # one failing book must not stop the others
        text = str(e) if isinstance(e, (RenderError, InputError, OutputError)) else f"{type(e).__name__}: {e}"
        return BookOutcome(job, None, False, error=text, seconds_total=time.perf_counter() - t0)
    return BookOutcome(
        job,
        target,
        True,
        pages=stats.pages,
        size=stats.size,
        seconds_layout=stats.seconds_layout,
        seconds_write=stats.seconds_write,
        seconds_total=time.perf_counter() - t0,
        cpu_seconds=time.process_time() - c0,
    )


def _write_workbook(
    plan: PlanDir, job: BookJob, target: Path, generated_on: dt.date, t0: float, c0: float
) -> BookOutcome:
    from .workbooks import write_workbook

    try:
        size = write_workbook(plan, job.kind, job.key, target, generated_on=generated_on)
    except Exception as e:  # one failing book must not stop the others
        text = str(e) if isinstance(e, (RenderError, InputError, OutputError)) else f"{type(e).__name__}: {e}"
        return BookOutcome(job, None, False, error=text, seconds_total=time.perf_counter() - t0)
    seconds = time.perf_counter() - t0
    return BookOutcome(
        job,
        target,
        True,
        size=size,
        seconds_write=seconds,
        seconds_total=seconds,
        cpu_seconds=time.process_time() - c0,
    )


def _work(job: BookJob) -> BookOutcome:
    return render_one(
        _STATE["plan"],
        job,
        _STATE["out_dir"],
        page_size=_STATE["page_size"],
        generated_on=_STATE["generated_on"],
        env=_STATE.get("env"),
    )


def render_books(
    plan_dir: str | Path | PlanDir,
    out_dir: str | Path | None = None,
    *,
    rep_ids: Sequence[str] | None = None,
    jobs: int | None = None,
    page_size: str = "letter",
    templates_dir: str | Path | None = None,
    generated_on: dt.date | None = None,
    progress: Progress | None = None,
    reps: bool = True,
    managers: bool = True,
    summary: bool = True,
    formats: Sequence[str] = ("pdf",),
) -> BooksResult:
    """Render the books of a plan directory into ``out_dir`` (default ``PLAN_DIR/books``).

    ``formats``: "pdf" and/or "xlsx" (a workbook per rep and per manager, see
    ``territory.reporting.workbooks``), rendered in the same worker pool.

    :param jobs: worker processes (default: all cores); 1 renders in this process.
    :param progress: see ``territory.progress``: stage "books", the book's file name as item;
        a book that failed is in the result's ``failures``.
    :param generated_on: the date printed on the books (and in the PDF metadata); fix it
        to make two renders of the same plan byte-identical.
    """
    plan = plan_dir if isinstance(plan_dir, PlanDir) else load_plan_dir(plan_dir)
    if page_size.lower() not in PAGE_SIZES:
        raise RenderError(f"page size must be one of {', '.join(PAGE_SIZES)}, not {page_size!r}")
    out = Path(out_dir) if out_dir is not None else plan.path / "books"
    generated_on = generated_on or dt.date.today()
    todo = plan_book_jobs(plan, rep_ids, reps=reps, managers=managers, summary=summary, formats=formats)
    pdf = any(j.format == "pdf" for j in todo)
    only = [j.key for j in todo if j.kind == "rep"] if rep_ids else None
    notes = tuple(w for w in [font_warning(plan, only) if pdf else None] if w)
    n_workers = max(1, min(jobs or os.cpu_count() or 1, len(todo) or 1))

    from .render import make_environment

    env = make_environment(templates_dir) if pdf else None  # fail early on a bad --templates dir
    if _in_another_plan(plan, out):  # an --out naming another plan's folder: exit 2
        raise OutputError(
            f"{out} is in the folder of another plan ({out.parent}), so the books of the plan in "
            f"{plan.path} would not match the plan beside them; write them elsewhere, e.g. "
            f"{plan.path / 'books'}"
        )
    args = (plan, todo, out, n_workers, notes)
    kw: dict[str, Any] = dict(
        page_size=page_size,
        generated_on=generated_on,
        env=env,
        templates_dir=templates_dir,
        progress=progress,
        pdf=pdf,
    )
    if rep_ids is None and reps and managers and summary and pdf and _books_only(out):
        return _render_set(*args, **kw)
    # Only now, with every option checked (--rep, --templates), is the folder made.
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise RenderError(f"{out}: cannot create the output directory: {e.strerror}") from e
    return _render(*args, **kw)


def _in_another_plan(plan: PlanDir, out: Path) -> bool:
    """Whether ``out`` lies in a plan folder (books/ beside a summary.json) that holds another
    plan than ``plan``: its books there would not match the plan beside them."""
    home = out.parent
    return (home / "summary.json").is_file() and fingerprint_on_disk(home) != plan.fingerprint


def _books_only(out: Path) -> bool:
    """Whether ``out`` can be replaced as a whole by a new set of books: it is new, or holds
    nothing but book PDFs (and leftovers of a killed render), and the shell is not in it."""
    from ..io.staging import BOOK_PATTERNS, _inside, _is_leftover, _matches

    try:
        if _inside(Path(os.getcwd()), Path(os.path.realpath(out))):
            return False
        if not os.path.lexists(out):
            return True
        if out.is_symlink() or not out.is_dir():
            return False
        return all(
            _is_leftover(e.name) or (e.is_file(follow_symlinks=False) and _matches(e.name, BOOK_PATTERNS))
            for e in os.scandir(out)
        )
    except OSError:
        return False  # the per-file path reports what is wrong with the folder


class _SetFailed(Exception):
    """Some books of a whole set failed: the staged folder is not swapped in."""


def _render_set(
    plan: PlanDir, todo: list[BookJob], out: Path, n_workers: int, notes: tuple[str, ...], **kw: Any
) -> BooksResult:
    """Render every book into a new folder beside ``out`` and swap it in only when all were
    written: the books folder holds one plan's books, whole, or is left as it was (a full
    disk, a failing book or a kill never leaves new books beside an earlier plan's)."""
    import dataclasses

    from ..io.staging import staged_folder

    result: BooksResult | None = None
    where = ""
    try:
        with staged_folder(out) as stage:
            where = str(stage.path)
            result = _render(plan, todo, stage.path, n_workers, notes, **kw)
            if not result.ok:
                raise _SetFailed
            if _in_another_plan(plan, out):  # `territory plan` replaced the folder meanwhile
                raise RenderError(
                    f"the plan in {plan.path} was replaced while its books were rendered (by another "
                    f"territory run), so they were not written; run `territory books {plan.path}` again"
                )
    except _SetFailed:
        assert result is not None
        # Name the books as the user knows them, not by the temporary folder they were in.
        failed = tuple(
            dataclasses.replace(o, path=None, error=o.error.replace(where, str(out))) for o in result.outcomes
        )
        return dataclasses.replace(result, outcomes=failed, out_dir=out, untouched=True)
    except OutputError as e:
        raise RenderError(str(e)) from None
    assert result is not None
    moved = tuple(
        dataclasses.replace(o, path=out / o.path.name) if o.path is not None else o for o in result.outcomes
    )
    return dataclasses.replace(result, outcomes=moved, out_dir=out)


def _render(
    plan: PlanDir,
    todo: list[BookJob],
    out: Path,
    n_workers: int,
    notes: tuple[str, ...],
    *,
    page_size: str,
    generated_on: dt.date,
    env: Any,
    templates_dir: str | Path | None,
    progress: Progress | None,
    pdf: bool,
) -> BooksResult:
    t0 = time.perf_counter()
    results: dict[BookJob, BookOutcome] = {}

    report = reporter(progress)
    report(BOOKS, 0, len(todo))

    def done(outcome: BookOutcome) -> None:
        results[outcome.job] = outcome
        report(BOOKS, len(results), len(todo), outcome.job.filename)

    if n_workers == 1 or "fork" not in multiprocessing.get_all_start_methods():
        for job in todo:
            done(render_one(plan, job, out, page_size=page_size, generated_on=generated_on, env=env))
    else:
        plan.warm()  # build the per-owner indexes once, before forking
        _STATE.clear()
        _STATE.update(
            plan=plan,
            out_dir=out,
            page_size=page_size,
            generated_on=generated_on,
            templates_dir=templates_dir,
            pdf=pdf,
        )
        try:
            # Workers stop with this process, however it ends (territory.workers).
            with process_pool(n_workers, initializer=_init_worker) as pool:
                # longest books first, so a long tail does not leave one core busy alone
                sizes = {r.rep_id: r.accounts for r in plan.reps}
                order = sorted(todo, key=lambda j: -_weight(j, sizes, len(plan.reps)))
                futures: dict[Future[BookOutcome], BookJob] = {pool.submit(_work, j): j for j in order}
                for fut in as_completed(futures):
                    job = futures[fut]
                    try:
                        done(fut.result())
                    except BrokenProcessPool as e:
                        done(BookOutcome(job, None, False, error=f"worker process died: {e}"))
                    except Exception as e:
                        done(BookOutcome(job, None, False, error=f"{type(e).__name__}: {e}"))
        finally:
            _STATE.clear()
    outcomes = tuple(results[j] for j in todo)
    return BooksResult(outcomes, out, time.perf_counter() - t0, n_workers, notes)


def _weight(job: BookJob, sizes: dict[str, int], n_reps: int) -> float:
    """Rough cost of a book, to start the longest first."""
    if job.kind == "summary":
        return 2.0 * n_reps
    if job.kind == "manager":
        return 50.0
    return float(sizes.get(job.key, 0))
