"""What-if sweeps on a Dask distributed cluster: a local two-worker cluster started by the test."""

from __future__ import annotations

from pathlib import Path

import pytest

import territory
from territory.errors import ConfigError
from territory.scenarios import parse_scenario, run_scenarios, with_baseline

from scenario_data import write_inputs

distributed = pytest.importorskip("distributed", reason="Dask sweeps need: pip install 'territory[dask]'")


def test_sweep_on_a_local_dask_cluster_matches_sequential(tmp_path: Path) -> None:
    a, r = write_inputs(tmp_path)
    inp = territory.load_input(a, r, territory.PlanConfig())
    todo = with_baseline(
        [
            parse_scenario("west+1: add-rep=Ana,West,1"),
            parse_scenario("lose: remove-rep=R3"),
            parse_scenario("bad: remove-rep=R2; set=continuity.max_moved_share=0"),
        ]
    )
    seen: list[str] = []
    with distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1", dashboard_address=None
    ) as cluster:
        on_dask = run_scenarios(
            inp,
            todo,
            scheduler=cluster.scheduler_address,
            progress=lambda stage, d, n, name="": seen.append(name) if d else None,
        )
    local = run_scenarios(inp, todo, jobs=1)
    assert [x.name for x in on_dask] == ["baseline", "west+1", "lose", "bad"]
    assert sorted(seen) == sorted(x.name for x in todo)
    for d, s in zip(on_dask, local):
        assert d.ok == s.ok and d.error == s.error
        if d.ok:
            assert d.plan.assignment() == s.plan.assignment()
            assert d.plan.metrics == s.plan.metrics


def test_unreachable_scheduler_is_a_clean_error(tmp_path: Path) -> None:
    a, r = write_inputs(tmp_path)
    inp = territory.load_input(a, r, territory.PlanConfig())
    with pytest.raises(ConfigError) as e:
        run_scenarios(
            inp, [parse_scenario("x: remove-rep=R1")], scheduler="tcp://127.0.0.1:9", scheduler_timeout=1.0
        )
    assert str(e.value).startswith("cannot reach the Dask scheduler at tcp://127.0.0.1:9")
