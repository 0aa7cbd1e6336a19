"""The plan does not depend on how busy the machine is (territory/model/budget.py).

Every stage of the scale method and of the contiguity loop stops on work limits (iterations,
nodes, steps); ``solver.time_limit`` is a safety net only, and when it stops a stage the plan
says so (status ``time_limit`` and a warning). Here the clock is made slow (every reading 10 s
after the last), as on a machine too busy to give the solve any time: the plan must be the
same as with the real clock, or say that the time limit stopped it."""

from __future__ import annotations

import dataclasses
import itertools
import sys
import time
import types
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))

from generate import generate, write_instance  # noqa: E402
from test_geo_contiguous import seven_states  # noqa: E402

from territory.config import PlanConfig  # noqa: E402
from territory.pipeline import load_input, plan_result, solve_input  # noqa: E402

WARNING = (
    "{} stopped by the time limit (60 s a pool): a faster or quieter machine may give a "
    "different plan (plan). Hint: raise --time-limit"
)


def slow_clock(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every module of the solve reads a clock that runs 10 s per reading."""
    ticks = itertools.count()
    fake = types.SimpleNamespace(perf_counter=lambda: time.perf_counter() + 10.0 * next(ticks))
    for name, mod in list(sys.modules.items()):
        if name.startswith(("territory.model", "territory.solve")) and getattr(mod, "time", None) is time:
            monkeypatch.setattr(mod, "time", fake)


def scale_input(tmp_path: Path):
    """One pool the scale method leaves with a gap, closed by the exact MIP from its plan
    (tests/test_polish.py): every stage of the scale method runs."""
    write_instance(*generate((1600, 7, 1), 4, children=0.08, locks=0.02), tmp_path)
    c = PlanConfig()
    cfg = dataclasses.replace(c, solver=dataclasses.replace(c.solver, method="aggregate"))
    return load_input(tmp_path / "accounts.csv", tmp_path / "roster.csv", cfg)


def outcome(plan) -> tuple:
    (pool,) = plan.pools
    return plan.assignment(), pool.report.status, pool.report.objective, pool.report.bound


def same_or_said(quiet, busy) -> None:
    """The busy run's plan is the quiet one's, or it says the time limit stopped it."""
    (pool,) = busy.pools
    if pool.report.status == "time_limit":  # the real clock ran out too (a very busy machine)
        assert [w.sentence() for w in busy.warnings][-1] == WARNING.format(pool.name)
    else:
        assert outcome(busy) == outcome(quiet)
        assert not any("time limit" in w.message for w in busy.warnings)


def test_a_scale_plan_does_not_depend_on_the_clock(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    inp = scale_input(tmp_path)
    quiet = solve_input(inp)
    assert quiet.status == "optimal"  # (the exact MIP from the scale plan closed the gap)
    slow_clock(monkeypatch)
    same_or_said(quiet, solve_input(inp))


def test_a_geo_units_plan_does_not_depend_on_the_clock(monkeypatch: pytest.MonkeyPatch) -> None:
    inp = seven_states()
    inp.config = dataclasses.replace(
        inp.config, solver=dataclasses.replace(inp.config.solver, method="aggregate")
    )
    quiet = solve_input(inp)
    assert quiet.objective == pytest.approx(5.0)  # (the cut loop found the contiguous optimum)
    slow_clock(monkeypatch)
    same_or_said(quiet, solve_input(inp))


def test_a_plan_the_time_limit_stopped_says_so(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The safety net really hit (no time at all once the clock has run out): the exact MIP
    from the scale plan is dropped, and the plan says so in its status and its warnings."""
    import territory.model.budget as budget

    inp = scale_input(tmp_path)
    slow_clock(monkeypatch)
    monkeypatch.setattr(budget, "MIN_SECONDS", 0.0)
    plan = solve_input(inp)
    (pool,) = plan.pools
    assert pool.report.status == plan.status == "time_limit"
    assert "exact MIP from the scale plan: time_limit" in pool.report.log
    assert "stopped by the time limit in: " in pool.report.log
    result = plan_result(plan)
    assert result.solver.status == "time_limit"
    assert result.solver.pools[0].status == "time_limit"
    assert result.warnings[-1] == WARNING.format(pool.name)
    assert plan.status_text().endswith("stopped at the 60 s limit)")


def test_a_plan_of_many_territories_does_not_depend_on_the_clock(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """bench/geo_units.py's generator at 3,000 accounts x 30 reps, its South Atlantic
    division (8 states, 5 reps) with state units, where the local search's chains are at
    work (tests/test_geo_contiguous.py): the repair, the local search and the cut loop stop
    on steps, never on the clock, so a busy machine gives the same owner for every account."""
    import pandas as pd
    from geo_units import generate as generate_geo

    import territory

    acc, ros = generate_geo(tmp_path, 3000, 30, 1)
    for f in (acc, ros):  # South Atlantic alone
        frame = pd.read_csv(f, dtype=str, keep_default_na=False)
        frame[frame["region"] == "South Atlantic"].to_csv(f, index=False)
    inp = territory.load_input(acc, ros, territory.load_config(None, ["geo.units=state"]))
    quiet = solve_input(inp)
    slow_clock(monkeypatch)
    busy = solve_input(inp)
    stopped = [p.name for p in busy.pools if p.report.status == "time_limit"]
    assert busy.assignment() == quiet.assignment() or stopped
    assert [p.report.objective for p in busy.pools if p.name not in stopped] == [
        p.report.objective for p in quiet.pools if p.name not in stopped
    ]
    assert quiet.extras["geography"]["territories"]["every_territory_one_piece"] is True
