"""Every balance measure is shown: terminal table, compare (and compare.csv), books."""

from __future__ import annotations

import csv
import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from territory_cli.main import cli

ROOT = Path(__file__).resolve().parents[1]
MEASURES = ["--set", "balance.measures.arr.band=0.1", "--set", "balance.measures.pipeline.band=0.15"]


def _accounts_with_measures(path: Path) -> None:
    """The example's accounts with ARR and open pipeline (derived from potential and the row,
    so every rep's book holds some)."""
    with open(ROOT / "examples" / "accounts.csv", encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    with open(path, "w", encoding="utf-8", newline="") as fh:
        w = csv.DictWriter(fh, [*rows[0], "arr", "pipeline"])
        w.writeheader()
        for i, r in enumerate(rows):
            pot = int(r["potential"])
            w.writerow({**r, "arr": pot // (5 + i % 7) // 100 * 100, "pipeline": (i * 7919) % 50 * 1000})


@pytest.fixture(scope="module")
def plan3(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    tmp = tmp_path_factory.mktemp("measures")
    accounts = tmp / "accounts.csv"
    _accounts_with_measures(accounts)
    out = tmp / "plan"
    args = ["plan", str(accounts), str(ROOT / "examples" / "roster.csv"), "--out", str(out), *MEASURES]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0, result.output
    return out, result.output


def test_the_terminal_table_has_a_column_per_measure(plan3: tuple[Path, str]) -> None:
    _, output = plan3
    header = next(line for line in output.splitlines() if line.startswith("Rep "))
    assert re.search(r"Potential vs fair\s+ARR vs fair\s+Pipeline vs fair\s+In/Out", header)
    assert "Potential band ±10 %, ARR band ±10 %, Pipeline band ±15 %" in output


def test_compare_shows_every_measure(plan3: tuple[Path, str], tmp_path: Path) -> None:
    plan, _ = plan3
    out = tmp_path / "compare.csv"
    result = CliRunner().invoke(
        cli, ["compare", str(plan), str(ROOT / "tests" / "fixtures" / "plan_small"), "-o", str(out)]
    )
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    arr = next(line for line in lines if line.startswith("Max ARR deviation"))
    assert arr.split()[-1] == "-"  # the older plan has no ARR
    assert any(line.startswith("  reps outside the Pipeline band") for line in lines)
    with open(out, encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    metrics = {(r["section"], r["metric"]) for r in rows}
    for name in ("arr", "pipeline"):
        assert ("plan", f"max_{name}_deviation") in metrics
        assert ("plan", f"{name}_reps_outside_band") in metrics
        for suffix in ("", "_fair_share", "_deviation"):
            assert ("rep", f"{name}{suffix}") in metrics
    r01 = {r["metric"]: r[plan.name] for r in rows if r["rep_id"] == "R01"}
    summary = json.loads((plan / "summary.json").read_text(encoding="utf-8"))
    arr01 = summary["reps"][0]["measures"]["arr"]
    assert float(r01["arr"]) == arr01["value"] and float(r01["arr_fair_share"]) == pytest.approx(
        arr01["fair"]
    )
