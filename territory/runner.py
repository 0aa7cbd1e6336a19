"""Config as code: one plan.toml runs the whole quarterly rebuild.

``run_plan_file("plan.toml")`` loads the inputs named in ``[inputs]`` (a CRM export through
its preset, or a database table), scores them with the ICP, solves, writes the plan
directory named in ``[outputs]`` and, when ``outputs.books`` is true, renders the books.

Precedence is defaults < file < overrides (``--set key=value``). Paths in the file are
relative to the file's folder; paths given as overrides are relative to where you run.
"""

from __future__ import annotations

import dataclasses
import os
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .assignment import Plan
from .config import PlanConfig, apply_override, load_config
from .errors import ConfigError, InputError
from .geo.regions import is_builtin
from .io.sql import is_database_url
from .pipeline import PlanInput, load_input, solve_input, write_plan_files
from .progress import ANYWAY, Progress, reporter


@dataclass
class RunResult:
    """What ``territory run`` did: the plan, where it went, and the books."""

    config: PlanConfig
    plan: Plan
    summary: dict[str, Any]
    out_dir: Path
    books: Any = None
    notes: list[str] = field(default_factory=list)
    seconds: float = 0.0
    folder: Any = None  # the FolderResult: whether an earlier plan (and its books) was replaced
    report: Any = None  # the ReviewResult when outputs.report is true

    def __repr__(self) -> str:
        return f"<RunResult {self.plan!r} -> {self.out_dir}>"


def _resolve(base: Path, value: str) -> str:
    if not value:
        return value
    if is_database_url(value):
        # sqlite:///crm.db is relative to the working directory in SQLAlchemy; in plan.toml it
        # is relative to the file, like every other path there.
        prefix = "sqlite:///"
        rest = value[len(prefix) :]
        if value.startswith(prefix) and rest and not rest.startswith("/") and rest != ":memory:":
            return prefix + str((base / rest).resolve())
        return value
    p = Path(value).expanduser()
    return os.path.normpath(p if p.is_absolute() else (base / p))


def _with_paths(cfg: PlanConfig, base: Path) -> PlanConfig:
    inputs = dataclasses.replace(
        cfg.inputs,
        accounts=_resolve(base, cfg.inputs.accounts),
        roster=_resolve(base, cfg.inputs.roster),
        icp=_resolve(base, cfg.inputs.icp),
        requests=_resolve(base, cfg.inputs.requests),
        region_rules=cfg.inputs.region_rules
        if is_builtin(cfg.inputs.region_rules)
        else _resolve(base, cfg.inputs.region_rules),
    )
    outputs = dataclasses.replace(
        cfg.outputs,
        dir=_resolve(base, cfg.outputs.dir),
        report_previous=_resolve(base, cfg.outputs.report_previous),
    )
    locks = dataclasses.replace(cfg.locks, opportunities=_resolve(base, cfg.locks.opportunities))
    continuity = dataclasses.replace(cfg.continuity, previous=_resolve(base, cfg.continuity.previous))
    return dataclasses.replace(cfg, inputs=inputs, outputs=outputs, locks=locks, continuity=continuity)


def files_read(cfg: PlanConfig) -> tuple[str, ...]:
    """The files and folders the settings name that a run reads (inputs, ICP, requests, region
    rules, opportunities, last quarter's plan, the review page's previous plan): an output
    folder must not hold or be any of them, or the run would replace what it reads."""
    named = (
        cfg.inputs.accounts,
        cfg.inputs.roster,
        cfg.inputs.icp,
        cfg.inputs.requests,
        "" if is_builtin(cfg.inputs.region_rules) else cfg.inputs.region_rules,
        cfg.locks.opportunities,
        cfg.continuity.previous,
        cfg.outputs.report_previous,
    )
    return tuple(p for p in named if p)


def load_plan_file(
    path: str | Path,
    overrides: Sequence[str] = (),
    *,
    required: Sequence[str] = ("inputs.accounts", "inputs.roster", "outputs.dir"),
    command: str = "territory run",
) -> PlanConfig:
    """The plan file's settings with paths resolved, then ``overrides`` on top.

    :param required: settings ``command`` needs from the file (an error names the first missing).
    """
    p = Path(path)
    if os.path.isdir(p):  # (False, not an error, for a name too long: the reader says so)
        raise ConfigError(f"{p}: is a folder; give the plan file, e.g. {p / 'plan.toml'}")
    cfg = _with_paths(load_config(p), p.resolve().parent)
    for item in overrides:
        cfg = apply_override(cfg, item)
    wrong = cfg.outputs.problem()  # again: --set may have changed the outputs
    if wrong:
        raise ConfigError(f"{p}: 'outputs': {wrong}")
    missing = [
        k
        for k, v in (
            ("inputs.accounts", cfg.inputs.accounts),
            ("inputs.roster", cfg.inputs.roster),
            ("outputs.dir", cfg.outputs.dir),
        )
        if not v and k in required
    ]
    if missing:
        raise ConfigError(
            f"{p}: setting '{missing[0]}' is required for '{command}'; e.g. "
            + {
                "inputs.accounts": '[inputs] accounts = "accounts.csv"',
                "inputs.roster": '[inputs] roster = "roster.csv"',
                "outputs.dir": '[outputs] dir = "plan-out"',
            }[missing[0]]
        )
    return cfg


@dataclass
class FolderResult:
    """A plan written as one folder: the plan, its summary, and what else went in with it."""

    plan: Plan
    summary: dict[str, Any]
    out_dir: Path
    replaced: bool = False
    books_removed: int = 0
    lp_files: list[str] = field(default_factory=list)
    sweep: list[Any] | None = None
    books: Any = None
    report: Any = None
    notes: list[str] = field(default_factory=list)

    def __repr__(self) -> str:
        return f"<FolderResult {self.plan!r} -> {self.out_dir}>"


def plan_to_folder(
    inp: PlanInput,
    out: str | Path,
    *,
    export_lp: str | Path | None = None,
    sweep_caps: Sequence[float | None] | None = None,
    books: bool = False,
    protect: Sequence[str | Path | None] = (),
    progress: Progress | None = None,
    books_format: Sequence[str] = ("pdf",),
    review_page: bool = False,
    review_previous: str | Path | None = None,
) -> FolderResult:
    """Solve ``inp`` and write the plan folder ``out`` as one unit, with what goes with it.

    Everything lands in a temporary folder beside ``out`` that replaces it only when
    complete (see ``territory.io.staging``): the plan files, the balance-versus-moves table
    (``sweep_caps``, as sweep.csv), LP files exported inside ``out`` and, with ``books``,
    the PDF books in ``out/books`` (``books_format``: "pdf" and/or "xlsx") and, with
    ``review_page``, the review page ``out/report.html`` (``review_previous``: the plan folder
    it lists the differences to). A failure or a kill at any point leaves ``out`` as it was.

    :param protect: the run's input files; ``out`` must not hold any of them.
    :param progress: see ``territory.progress``; stages "solve", "anyway" (the plan without
        the lock rules, for summary.json's kept_anyway), "requests" (each request priced, see
        ``territory.requests``), "sweep" and "books".
    """
    from .io.staging import check_output_file, staged_folder

    report = reporter(progress)
    out = Path(out)
    if export_lp is not None:
        check_output_file(export_lp, protect, example="model.lp", out_folder=out)
    with staged_folder(out, protect=protect) as stage:
        lp_target = stage.map(export_lp) or export_lp
        if "requests" in inp.extras:  # managers' requests: honoured or refused, each priced
            from .requests import solve_with_requests

            plan = solve_with_requests(inp, report, export_lp=lp_target)
        else:
            plan = solve_input(inp, report, export_lp=lp_target)
        if inp.config.locks.kept_anyway:
            from .lockrules import kept_anyway_owners  # "how many would have stayed anyway"

            t0 = time.perf_counter()
            anyway = kept_anyway_owners(
                inp, lambda _s, done, total, item="": report(ANYWAY, done, total, item)
            )
            if anyway is not None:
                plan.extras["kept_anyway_owners"] = anyway
                plan.timings["kept_anyway"] = time.perf_counter() - t0
        extra: list[tuple[str, Any]] = []
        lp_files = []
        for f in plan.extras.get("lp_files", []):
            inside = Path(f).resolve()
            if inside.is_relative_to(stage.path.resolve()):
                rel = inside.relative_to(stage.path.resolve())
                extra.append((rel.as_posix(), inside))
                lp_files.append(str(out / rel))
            else:
                lp_files.append(f)
        points = None
        if sweep_caps:
            from .sweep import sweep_frame, sweep_moves

            points = sweep_moves(inp, list(sweep_caps), progress=report, known=plan)  # its own cap: this plan
            extra.append(("sweep.csv", sweep_frame(points)))
        summary = write_plan_files(plan, stage.path, extra)
        result = FolderResult(plan, summary, out, lp_files=lp_files, sweep=points)
        if books:
            _render_books_into(stage.path, stage.real, result, report, books_format)
        if review_page:
            _write_report_into(stage.path, stage.real, result, review_previous)
    result.replaced, result.books_removed = stage.replaced, stage.books_removed
    return result


def _write_report_into(
    folder: Path, shown_as: Path, result: FolderResult, previous: str | Path | None
) -> None:
    """Write the review page of the plan in ``folder`` to ``folder/report.html``."""
    from .reporting.review import REPORT_NAME, write_review

    done = write_review(folder, folder / REPORT_NAME, previous=previous or None, plan_name=shown_as.name)
    result.report = dataclasses.replace(done, path=result.out_dir / REPORT_NAME)


def _render_books_into(
    folder: Path, shown_as: Path, result: FolderResult, report: Progress, formats: Sequence[str] = ("pdf",)
) -> None:
    """Render the books of the plan in ``folder`` into ``folder/books`` (named as ``shown_as``)."""
    try:
        from .reporting import load_plan_dir, render_books
    except ImportError as e:  # reporting needs WeasyPrint's system libraries
        result.notes.append(f"books were not rendered: {e}")
        return
    # Books name the plan folder by its final name, not the temporary one it is built in.
    plan_dir = dataclasses.replace(load_plan_dir(folder), path=shown_as)
    result.books = render_books(plan_dir, folder / "books", progress=report, formats=formats)
    result.books = dataclasses.replace(result.books, out_dir=result.out_dir / "books")


def run_plan_file(
    path: str | Path,
    overrides: Sequence[str] = (),
    *,
    books: bool | None = None,
    progress: Progress | None = None,
) -> RunResult:
    """Load, score, plan and (optionally) render books, all as ``path`` says.

    :param books: overrides ``outputs.books``.
    :param progress: see ``territory.progress``; stages "solve" and "books".
    """
    from .io.staging import check_output_folder

    t0 = time.perf_counter()
    cfg = load_plan_file(path, overrides)
    inputs = (path, *files_read(cfg))
    check_output_folder(cfg.outputs.dir, inputs)  # before any work
    if cfg.outputs.report and cfg.outputs.report_previous:
        from .io.plandir import read_plan_folder

        try:  # a missing or broken previous plan stops the run now, not after the solve
            read_plan_folder(cfg.outputs.report_previous)
        except InputError as e:
            raise InputError(
                e.problems, summary="cannot read the previous plan named by outputs.report_previous"
            ) from None
    inp = load_input(cfg.inputs.accounts, cfg.inputs.roster, cfg, icp_path=cfg.inputs.icp or None)
    from .config import settings_record

    inp.extras["settings"] = settings_record(path, overrides)  # summary.json: which setting won
    done = plan_to_folder(
        inp,
        cfg.outputs.dir,
        books=cfg.outputs.books if books is None else books,
        protect=inputs,
        progress=progress,
        books_format=cfg.outputs.books_format,
        review_page=cfg.outputs.report,
        review_previous=cfg.outputs.report_previous or None,
    )
    result = RunResult(cfg, done.plan, done.summary, done.out_dir, done.books, done.notes)
    result.folder = done
    result.report = done.report
    result.seconds = time.perf_counter() - t0
    return result
