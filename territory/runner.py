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
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .assignment import Plan
from .config import PlanConfig, apply_override, load_config
from .errors import ConfigError
from .geo.regions import is_builtin
from .io.sql import is_database_url
from .pipeline import load_input, solve_input, write_plan

RunProgress = Callable[[str, int, int], None]


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
        region_rules=cfg.inputs.region_rules
        if is_builtin(cfg.inputs.region_rules)
        else _resolve(base, cfg.inputs.region_rules),
    )
    outputs = dataclasses.replace(cfg.outputs, dir=_resolve(base, cfg.outputs.dir))
    return dataclasses.replace(cfg, inputs=inputs, outputs=outputs)


def load_plan_file(path: str | Path, overrides: Sequence[str] = ()) -> PlanConfig:
    """The plan file's settings with paths resolved, then ``overrides`` on top."""
    p = Path(path)
    if p.is_dir():
        raise ConfigError(f"{p}: is a folder; give the plan file, e.g. {p / 'plan.toml'}")
    cfg = _with_paths(load_config(p), p.resolve().parent)
    for item in overrides:
        cfg = apply_override(cfg, item)
    missing = [
        k
        for k, v in (
            ("inputs.accounts", cfg.inputs.accounts),
            ("inputs.roster", cfg.inputs.roster),
            ("outputs.dir", cfg.outputs.dir),
        )
        if not v
    ]
    if missing:
        raise ConfigError(
            f"{p}: setting '{missing[0]}' is required for 'territory run'; e.g. "
            + {
                "inputs.accounts": '[inputs] accounts = "accounts.csv"',
                "inputs.roster": '[inputs] roster = "roster.csv"',
                "outputs.dir": '[outputs] dir = "plan-out"',
            }[missing[0]]
        )
    return cfg


def run_plan_file(
    path: str | Path,
    overrides: Sequence[str] = (),
    *,
    books: bool | None = None,
    progress: RunProgress | None = None,
) -> RunResult:
    """Load, score, plan and (optionally) render books, all as ``path`` says.

    :param books: overrides ``outputs.books``.
    :param progress: called as ``progress(stage, done, total)`` with stages "solve" and "books".
    """
    t0 = time.perf_counter()
    cfg = load_plan_file(path, overrides)
    report = progress or (lambda stage, done, total: None)
    inp = load_input(cfg.inputs.accounts, cfg.inputs.roster, cfg, icp_path=cfg.inputs.icp or None)
    plan = solve_input(inp, report)
    out = Path(cfg.outputs.dir)
    summary = write_plan(plan, out)
    result = RunResult(cfg, plan, summary, out)
    if cfg.outputs.books if books is None else books:
        try:
            from .reporting import render_books
        except ImportError as e:  # reporting needs WeasyPrint's system libraries
            result.notes.append(f"books were not rendered: {e}")
        else:
            result.books = render_books(out, out / "books", progress=lambda d, n, _o: report("books", d, n))
    result.seconds = time.perf_counter() - t0
    return result
