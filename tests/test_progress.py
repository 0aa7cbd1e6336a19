"""One progress-callback protocol (territory.progress), used by every long-running function.

Every library function with a ``progress`` parameter takes a ``territory.progress.Progress``
and calls it as ``progress(stage, done, total, item)``; the CLI's StageBars is the one adapter.
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil
from pathlib import Path

import pytest
from click.testing import CliRunner

import territory
from territory.icp import load_icp, read_accounts_table, score_accounts
from territory.progress import BOOKS, SCENARIOS, SCORE, SOLVE, STAGES, SWEEP, Progress, no_progress
from territory.scenarios import parse_scenario, run_scenarios, with_baseline
from territory.sweep import sweep_moves
from territory_cli.options import StageBars

from scenario_data import write_inputs


class Recorder:
    """A progress callback that keeps every call."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, int, int, str]] = []

    def __call__(self, stage: str, done: int, total: int, item: str = "") -> None:
        self.calls.append((stage, done, total, item))

    def stage(self, name: str) -> list[tuple[int, int, str]]:
        return [(d, t, i) for s, d, t, i in self.calls if s == name]


def assert_well_formed(steps: list[tuple[int, int, str]]) -> None:
    """Steps of one stage: announced at 0, counting up to the total, never past it."""
    assert steps, "the stage was never reported"
    assert steps[0][0] == 0 and steps[-1][0] == steps[-1][1]
    assert all(0 <= d <= t for d, t, _ in steps)
    assert [d for d, _, _ in steps] == sorted(d for d, _, _ in steps)


def every_territory_module() -> list[str]:
    names = ["territory"]
    for info in pkgutil.walk_packages(territory.__path__, "territory."):
        if info.name.startswith("territory.report_templates"):
            continue
        names.append(info.name)
    return names


def test_every_progress_parameter_is_the_one_protocol() -> None:
    """No second shape sneaks back: each ``progress`` parameter is annotated ``Progress``."""
    found = []
    for name in every_territory_module():
        try:
            module = importlib.import_module(name)
        except ImportError:  # a module needing an optional system library (WeasyPrint)
            continue
        for fname, fn in inspect.getmembers(module, inspect.isfunction):
            if fn.__module__ != name or "progress" not in inspect.signature(fn).parameters:
                continue
            found.append(f"{name}.{fname}")
            annotation = str(inspect.signature(fn).parameters["progress"].annotation)
            assert annotation in ("Progress", "Progress | None"), f"{name}.{fname}: progress is {annotation}"
    for expected in (
        "territory.pipeline.solve_input",
        "territory.sweep.sweep_moves",
        "territory.scenarios.run_scenarios",
        "territory.reporting.books.render_books",
        "territory.icp.score_accounts",
        "territory.runner.plan_to_folder",
    ):
        assert expected in found


def test_the_cli_adapter_and_the_silent_default_fit_the_protocol() -> None:
    def takes(p: Progress) -> Progress:
        return p

    for cb in (StageBars(quiet=True), no_progress, Recorder()):
        takes(cb)("solve", 0, 2)
        takes(cb)("books", 1, 2, "rep-a.pdf")
    assert set(StageBars.LABELS) == set(STAGES)


@pytest.fixture
def inp(tmp_path: Path) -> territory.pipeline.PlanInput:
    a, r = write_inputs(tmp_path / "in")
    return territory.load_input(a, r, territory.PlanConfig())


def test_solve_sweep_and_scenarios_report_their_stages(inp: territory.pipeline.PlanInput) -> None:
    rec = Recorder()
    territory.solve_input(inp, rec)
    assert_well_formed(rec.stage(SOLVE))
    rec = Recorder()
    sweep_moves(inp, [None, 0.1], progress=rec)
    assert rec.stage(SWEEP) == [(0, 2, ""), (1, 2, "none"), (2, 2, "10%")]  # each cap as it is done
    rec = Recorder()
    todo = with_baseline([parse_scenario("lose: remove-rep=R3")])
    run_scenarios(inp, todo, jobs=1, progress=rec)
    assert rec.stage(SCENARIOS) == [(0, 2, ""), (1, 2, "baseline"), (2, 2, "lose")]


def test_scoring_reports_each_product() -> None:
    root = Path(__file__).resolve().parents[1] / "examples"
    icp = load_icp(root / "icp.toml")  # two products: core and insights
    rec = Recorder()
    score_accounts(read_accounts_table(root / "accounts.csv"), icp, overwrite=True, progress=rec)
    assert rec.stage(SCORE) == [(0, 2, ""), (1, 2, "core"), (2, 2, "insights")]


def test_plan_shows_one_bar_per_stage_on_stderr(tmp_path: Path) -> None:
    a, r = write_inputs(tmp_path / "in")
    result = CliRunner().invoke(
        territory_cli_main(),
        ["plan", str(a), str(r), "--out", str(tmp_path / "out"), "--sweep-moves", "0,5%"],
    )
    assert result.exit_code == 0, result.output
    # (outside a terminal click prints each bar's label once)
    assert result.output.startswith("Solving pools\nSweeping move caps\n")


def territory_cli_main():  # type: ignore[no-untyped-def]
    from territory_cli.main import cli

    return cli


def test_books_stage_is_named_in_the_protocol() -> None:
    assert BOOKS == "books" and BOOKS in STAGES
