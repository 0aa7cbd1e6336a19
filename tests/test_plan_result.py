"""summary.json as one typed object: written and read through territory.plan_result."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from territory.io.writing import json_text
from territory.plan_result import PlanSummary, SummaryError

ROOT = Path(__file__).resolve().parents[1]
GOLDEN = ROOT / "tests" / "goldens" / "example_summary.json"


def golden() -> dict:
    return json.loads(GOLDEN.read_text(encoding="utf-8"))


def test_the_golden_summary_reads_and_writes_back_byte_for_byte() -> None:
    result = PlanSummary.from_dict(golden(), strict=True)
    assert json_text(result.to_dict()) == GOLDEN.read_text(encoding="utf-8")
    rep = result.reps[0]
    assert (rep.rep_id, rep.accounts, rep.tier_counts["1"]) == ("R01", 68, 12)
    assert rep.measures is not None and rep.measures["potential"].value == 81486400
    assert result.overall.measures is not None and result.overall.measures["potential"].balanced


def test_a_missing_key_is_named() -> None:
    data = golden()
    del data["reps"][3]["moves_in"]
    with pytest.raises(SummaryError) as e:
        PlanSummary.from_dict(data)
    assert str(e.value) == "reps[3].moves_in: is missing"


def test_a_value_of_another_kind_is_named() -> None:
    data = golden()
    data["overall"]["accounts_moved"] = "many"
    with pytest.raises(SummaryError) as e:
        PlanSummary.from_dict(data)
    assert str(e.value) == "overall.accounts_moved: must be a whole number, not 'many'"


def test_the_writer_refuses_a_key_no_field_declares() -> None:
    data = golden()
    data["overall"]["surprise"] = 1
    PlanSummary.from_dict(data)  # readers let a newer plan's extra keys pass
    with pytest.raises(SummaryError) as e:
        PlanSummary.from_dict(data, strict=True)
    assert e.value.key == "overall.surprise"


def test_the_writer_writes_each_value_as_its_field_declares_it() -> None:
    """Records are built by the writer, not read: a whole number in a float field is written
    as a float, and a value of another kind (a NumPy integer, text) is refused with its key."""
    import dataclasses

    import numpy as np

    result = PlanSummary.from_dict(golden())
    zero = dataclasses.replace(result.overall, moved_share=0, max_potential_deviation=1)
    out = dataclasses.replace(result, overall=zero).to_dict()["overall"]
    assert (repr(out["moved_share"]), repr(out["max_potential_deviation"])) == ("0.0", "1.0")
    reps = list(result.reps)
    reps[2] = dataclasses.replace(reps[2], accounts=np.int64(3))
    with pytest.raises(SummaryError) as e:
        dataclasses.replace(result, reps=tuple(reps)).to_dict()
    assert str(e.value) == "reps[2].accounts: must be a whole number, not np.int64(3)"


def test_the_writer_refuses_a_metric_no_field_declares() -> None:
    from territory.pipeline import _overall_record

    metrics = golden()["overall"]
    assert _overall_record(metrics) == PlanSummary.from_dict(golden()).overall
    with pytest.raises(TypeError, match="surprise"):
        _overall_record({**metrics, "surprise": 1})


def test_a_plan_written_before_measures_still_reads_with_potential_as_its_measure() -> None:
    data = golden()
    for rep in data["reps"]:
        del rep["measures"], rep["pool"], rep["before"], rep["workload"], rep["fair_workload"]
    del data["overall"]["measures"], data["team_average"]["measures"]
    result = PlanSummary.from_dict(data)
    name, m = result.reps[0].measure_items()[0]
    assert (name, m.value, m.fair, m.band) == ("potential", 81486400, 80270566.666667, None)
    assert result.measure_names() == ["potential"]


def test_docs_list_every_field_of_the_plan_result() -> None:
    run = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "gen_plan_output_doc.py"), "--check"],
        capture_output=True,
        text=True,
    )
    assert run.returncode == 0, run.stderr
    text = (ROOT / "docs" / "plan-output.md").read_text(encoding="utf-8")
    for key in ("`moves_in`", "`summary_sha256`", "`reps_outside_band`", "### RepMeasure"):
        assert key in text


@pytest.mark.parametrize("command", ["books", "compare"])
def test_an_old_plan_missing_a_key_is_refused_with_the_key_named(tmp_path: Path, command: str) -> None:
    """A plan written before checksums, whose summary lacks a key every version wrote."""
    import shutil

    from click.testing import CliRunner

    from territory_cli.main import cli

    plan = tmp_path / "plan"
    shutil.copytree(ROOT / "tests" / "fixtures" / "plan_small", plan)
    data = json.loads((plan / "summary.json").read_text(encoding="utf-8"))
    del data["reps"][1]["tier_counts"]
    (plan / "summary.json").write_text(json.dumps(data), encoding="utf-8")
    args = [command, str(plan), "--out", str(tmp_path / "out")]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 2, result.output
    assert (
        "column 'reps[1].tier_counts': summary.json is not one this version of territory can read: is missing"
        in result.output
    )
    assert "plan again with this version" in result.output
    assert "Traceback" not in result.output
