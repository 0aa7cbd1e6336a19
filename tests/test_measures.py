"""Several measures balanced at once (balance.measures): settings, input checks, outputs."""

from __future__ import annotations

import dataclasses
import json
import sys
from pathlib import Path

import numpy as np
import pytest

from territory.config import PlanConfig, load_config
from territory.errors import ConfigError
from territory.pipeline import load_input, solve_input, summary_dict

from helpers import make_input

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))

from generate import add_measures, generate, write_instance  # noqa: E402


def test_default_measure_is_potential() -> None:
    cfg = PlanConfig()
    assert list(cfg.balance.measures) == ["potential"]
    assert cfg.balance.measures["potential"].band == 0.1
    assert cfg.balance.measures["potential"].penalty == 1000.0


def test_a_measures_table_lists_every_balanced_measure(tmp_path: Path) -> None:
    """In plan.toml the table is the list: potential is balanced only if it is listed;
    --set adds or changes one entry."""
    (tmp_path / "plan.toml").write_text("[balance.measures.arr]\nband = 0.15\npenalty = 500\n")
    cfg = load_config(tmp_path / "plan.toml")
    assert {k: (m.band, m.penalty) for k, m in cfg.balance.measures.items()} == {"arr": (0.15, 500.0)}
    cfg = load_config(tmp_path / "plan.toml", ["balance.measures.pipeline.band=0.2"])
    assert list(cfg.balance.measures) == ["arr", "pipeline"]
    assert cfg.balance.measures["pipeline"].penalty == 1000.0


def test_old_potential_settings_say_where_they_went(tmp_path: Path) -> None:
    (tmp_path / "plan.toml").write_text("[balance]\npotential_band = 0.2\n")
    with pytest.raises(ConfigError) as e:
        load_config(tmp_path / "plan.toml")
    assert str(e.value) == (
        f"{tmp_path / 'plan.toml'}: unknown setting 'balance.potential_band'. It is now "
        "balance.measures.potential.band. Run 'territory settings' to list them."
    )
    with pytest.raises(ConfigError, match="It is now balance.measures.potential.penalty"):
        load_config(None, ["balance.potential_penalty=10"])


def _rows():
    """R1 holds the ARR (and half the potential), R2 the rest: balancing ARR moves accounts."""
    out = []
    for i in range(1, 9):
        out.append(
            {
                "account_id": f"a{i}",
                "tier": 3,
                "owner_id": "R1" if i <= 4 else "R2",
                "potential": 100,
                "ARR": 1000 if i <= 4 else 10,
                "region": "West",
            }
        )
    return out


REPS = [{"rep_id": "R1", "region": "West"}, {"rep_id": "R2", "region": "West"}]


@pytest.mark.parametrize("method", ["exact", "aggregate"])
def test_summary_has_every_measure(method: str) -> None:
    """summary.json: per rep and overall, every measure (the potential keys stay)."""
    inp = make_input(
        _rows(),
        REPS,
        "balance.measures.arr.band=0.25",
        "balance.tier_band=100%",
        "balance.tier_band_min_accounts=8",
        f"solver.method={method}",
    )
    plan = solve_input(inp)
    s = json.loads(json.dumps(summary_dict(plan)))
    r1 = next(r for r in s["reps"] if r["rep_id"] == "R1")
    assert set(r1["measures"]) == {"potential", "arr"}
    arr = r1["measures"]["arr"]
    assert arr["fair"] == pytest.approx(2020.0)
    assert arr["band"] == pytest.approx([1515.0, 2525.0])
    assert arr["before"] == 4000.0
    assert 1515.0 <= arr["value"] <= 2525.0  # balanced: R1 gave ARR away
    assert arr["deviation"] == pytest.approx(arr["value"] / 2020.0 - 1)
    assert "potential" in r1 and "potential_deviation" in r1  # the old keys are kept
    overall = s["overall"]["measures"]
    assert overall["arr"]["reps_outside_band"] == 0
    assert overall["arr"]["before_max_deviation"] == pytest.approx(4000 / 2020 - 1)
    assert overall["potential"]["balanced"] is True
    assert s["team_average"]["measures"]["arr"] == pytest.approx(2020.0)


def test_a_measure_that_is_not_balanced_has_no_band(tmp_path: Path) -> None:
    """Potential left out of balance.measures: reported, but without a band, and the plan
    moves accounts for ARR alone."""
    inp = make_input(_rows(), REPS, "balance.tier_band=100%", "balance.tier_band_min_accounts=8")
    cfg = dataclasses.replace(
        inp.config,
        balance=dataclasses.replace(
            inp.config.balance, measures={"arr": inp.config.balance.measures["potential"]}
        ),
    )
    from territory.pipeline import prepare_input

    inp = prepare_input(
        inp.accounts.drop(columns=["family_id"]), inp.reps, cfg, state=inp.state, roster=inp.roster
    )
    s = summary_dict(solve_input(inp))
    r1 = next(r for r in s["reps"] if r["rep_id"] == "R1")
    assert r1["measures"]["potential"]["band"] is None
    assert s["overall"]["measures"]["potential"]["balanced"] is False
    assert "reps_outside_band" not in s["overall"]["measures"]["potential"]
    assert r1["measures"]["arr"]["band"] is not None


@pytest.mark.parametrize("seed", [1, 2])
def test_several_measures_bound_valid_at_scale(tmp_path: Path, seed: int) -> None:
    """Three measures: the scale method's bound (envelopes per measure) stays below the exact
    optimum, and its plan is near it."""
    acc, roster = generate((260 + 40 * seed, 4 + seed % 2, 1), seed)
    d = tmp_path / f"m{seed}"
    write_instance(add_measures(acc, seed), roster, d)
    sets = ["balance.measures.arr.band=0.1", "balance.measures.pipeline.band=0.1", "solver.time_limit=30"]
    out = {}
    for method in ("exact", "aggregate"):
        cfg = load_config(None, [*sets, f"solver.method={method}"])
        out[method] = solve_input(load_input(d / "accounts.csv", d / "roster.csv", cfg))
    exact, agg = out["exact"], out["aggregate"]
    assert all(p.report.status == "optimal" for p in exact.pools)
    assert agg.bound <= exact.objective + 1e-6
    assert agg.objective <= exact.objective * 1.10 + 3.0
    assert exact.objective * (1 - exact.config.solver.gap) - 1e-6 <= agg.objective
    assert set(agg.metrics["measures"]) == {"potential", "arr", "pipeline"}
    assert np.isfinite(agg.metrics["measures"]["pipeline"]["max_deviation"])
