"""Every balance measure is shown: terminal table, compare (and compare.csv), books."""

from __future__ import annotations

import csv
import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest_books import pdf_text, render_checked

from territory.reporting import build_manager_rollup, build_plan_summary, build_rep_book, load_plan_dir
from territory_cli.main import cli

ROOT = Path(__file__).resolve().parents[1]
MEASURES = ["--set", "balance.measures.arr.band=0.1", "--set", "balance.measures.pipeline.band=0.02"]


REGIONS = ("Northeast", "West")  # two of the example's four pools keep the tests quick


def _accounts_with_measures(path: Path) -> None:
    """The example's accounts of two regions with ARR (derived from potential) and open
    pipeline on one account in ten, in lumps no plan can split within a ±2 % band for every
    rep; and their reps."""
    with open(ROOT / "examples" / "accounts.csv", encoding="utf-8", newline="") as fh:
        rows = [r for r in csv.DictReader(fh) if r["region"] in REGIONS]
    ids = {r["account_id"] for r in rows}
    with open(path, "w", encoding="utf-8", newline="") as fh:
        w = csv.DictWriter(fh, [*rows[0], "arr", "pipeline"])
        w.writeheader()
        for i, r in enumerate(rows):
            pot = int(r["potential"])
            w.writerow(
                {
                    **r,
                    "parent_id": r["parent_id"] if r["parent_id"] in ids else "",
                    "arr": pot // (5 + i % 7) // 100 * 100,
                    "pipeline": (i * 7919) % 50 * 1000 if i % 10 == 0 else 0,
                }
            )
    with open(ROOT / "examples" / "roster.csv", encoding="utf-8", newline="") as fh:
        reps = [r for r in csv.DictReader(fh) if r["region"] in REGIONS]
    with open(path.parent / "roster.csv", "w", encoding="utf-8", newline="") as fh:
        w = csv.DictWriter(fh, list(reps[0]))
        w.writeheader()
        w.writerows(reps)


@pytest.fixture(scope="module")
def plan3(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    tmp = tmp_path_factory.mktemp("measures")
    accounts = tmp / "accounts.csv"
    _accounts_with_measures(accounts)
    out = tmp / "plan"
    args = ["plan", str(accounts), str(tmp / "roster.csv"), "--out", str(out), *MEASURES]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0, result.output
    return out, result.output


def test_the_terminal_table_has_a_column_per_measure(plan3: tuple[Path, str]) -> None:
    _, output = plan3
    header = next(line for line in output.splitlines() if line.startswith("Rep "))
    assert re.search(r"Potential vs fair\s+ARR vs fair\s+Pipeline vs fair\s+In/Out", header)
    assert "Potential band ±10 %, ARR band ±10 %, Pipeline band ±2 %" in output
    gaps = output[output.index("Largest gap to fair share") :].splitlines()
    arr = next(line for line in gaps if line.startswith("ARR "))
    assert re.match(r"ARR\s+[+-][\d,]+ \([+-]\d+\.\d%\), \w+", arr), arr
    assert any(line.startswith("Pipeline ") for line in gaps)


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


def test_books_show_every_measure_red_only_outside_its_band(plan3: tuple[Path, str]) -> None:
    plan = load_plan_dir(plan3[0])
    summary = plan.result
    outside = [r for r in summary.reps if r.measures and r.measures["pipeline"].outside()]
    inside = [r for r in summary.reps if r.measures and not r.measures["pipeline"].outside()]
    assert outside and inside  # a ±2 % pipeline band is more than the plan can hold for everyone
    rep = outside[0]
    arr = rep.measures["arr"]
    text = pdf_text(render_checked(build_rep_book(plan, rep.rep_id)))
    flat = " ".join(text.split())
    assert f"ARR: {arr.value:,.0f} (your fair share {arr.fair:,.0f}, band ±10 %; " in flat
    assert "Pipeline: " in flat and "band ±2 %; " in flat and "outside your band" in flat
    ctx = build_rep_book(plan, inside[0].rep_id)
    assert [(m.label, m.outside) for m in ctx.measures] == [
        ("Potential", False),
        ("ARR", False),
        ("Pipeline", False),
    ]

    summary_ctx = build_plan_summary(plan)
    assert summary_ctx.measure_labels == ("Potential", "ARR", "Pipeline")
    red = {r.rep_id for r in summary_ctx.rep_measures if any(c is not None and c.outside for c in r.cells)}
    assert red == {r.rep_id for r in outside if any(m.outside() for m in r.measures.values())}
    text = " ".join(pdf_text(render_checked(summary_ctx)).split())
    any_out = {r.rep_id for r in summary.reps if r.measures and any(m.outside() for m in r.measures.values())}
    assert summary_ctx.reps_outside_any >= len(any_out) > summary_ctx.reps_outside
    assert (
        f"Reps with a number outside their band (a tier or any measure): {summary_ctx.reps_outside_any} of"
        in text
    )
    assert "Each rep's measures against fair share" in text
    assert summary_ctx.gap_measures == ("Tier 1", "Tier 2", "Tier 3", "potential", "ARR", "Pipeline")
    assert re.search(r"Largest gap to fair share .* ARR [+−][\d,]+ \([+−]\d+\.\d %\)", text)
    assert "Potential (vs fair) ARR (vs fair) Pipeline (vs fair)" in text
    assert "Potential: band ±10 %; ARR: band ±10 %; Pipeline: band ±2 %" in text
    from territory.reporting.render import render_html

    html = render_html(summary_ctx)
    assert html.count('class="n outside"') == sum(
        1 for r in summary_ctx.rep_measures for c in r.cells if c is not None and c.outside
    )

    manager = summary.reps[0].manager
    text = " ".join(pdf_text(render_checked(build_manager_rollup(plan, manager))).split())
    assert "Potential (vs fair) ARR (vs fair) Pipeline (vs fair)" in text


def test_whatif_side_by_side_shows_every_measure(plan3: tuple[Path, str], tmp_path: Path) -> None:
    accounts = plan3[0].parent / "accounts.csv"
    roster = str(plan3[0].parent / "roster.csv")
    config = tmp_path / "plan.toml"  # for the baseline and the scenario (--set is the scenario's)
    config.write_text(
        "[balance.measures.potential]\nband = 0.1\n[balance.measures.arr]\nband = 0.1\n"
        "[balance.measures.pipeline]\nband = 0.02\n",
        encoding="utf-8",
    )
    args = ["whatif", str(accounts), roster, "--out", str(tmp_path / "w"), "--remove-rep", "R15", "-j", "1"]
    args += ["--config", str(config)]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    for label in ("Max ARR deviation", "Max Pipeline deviation", "  reps outside the Potential band"):
        row = next(line for line in lines if line.startswith(label))
        values = row[len(label) :].split()  # one per plan: the baseline and the scenario
        assert len(values) == 2 and all(re.fullmatch(r"\d+(\.\d%)?", v) for v in values), row


def test_workbooks_list_every_measure(plan3: tuple[Path, str]) -> None:
    import datetime as dt
    import io

    import openpyxl

    from territory.reporting.workbooks import manager_workbook, rep_workbook

    plan = load_plan_dir(plan3[0])
    rep = plan.result.reps[0]
    on = dt.date(2026, 12, 3)
    balance = openpyxl.load_workbook(io.BytesIO(rep_workbook(plan, rep.rep_id, generated_on=on)))["Balance"]
    rows = {r[0]: r for r in balance.iter_rows(values_only=True)}
    arr = rep.measures["arr"]
    assert rows["ARR"][1:5] == (arr.value, arr.fair, arr.band[0], arr.band[1])
    assert "Pipeline" in rows
    team = openpyxl.load_workbook(io.BytesIO(manager_workbook(plan, rep.manager, generated_on=on)))["Team"]
    head, first = list(team.iter_rows(values_only=True, max_row=2))
    assert head[-6:] == ("ARR", "Fair ARR", "ARR gap", "Pipeline", "Fair Pipeline", "Pipeline gap")
    assert first[0] == rep.rep_id and first[-6] == arr.value


def test_the_baseline_is_measured_on_every_measure(plan3: tuple[Path, str]) -> None:
    """The spreadsheet-style baseline's balance is given for every measure, as the plan's is:
    summary.json, the terminal line and the plan summary book (they gave potential only)."""
    out, output = plan3
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    base = summary["overall"]["baseline"]
    assert list(base["measures"]) == ["potential", "arr", "pipeline"]
    assert base["measures"]["potential"]["max_deviation"] == base["max_potential_deviation"]
    for m in base["measures"].values():
        assert set(m) == {"max_deviation", "cv", "reps_outside_band"}
    arr, pipe = (base["measures"][k]["max_deviation"] for k in ("arr", "pipeline"))
    line = next(x for x in output.splitlines() if x.startswith("Spreadsheet-style baseline:"))
    assert line.endswith(
        f", potential {100 * base['max_potential_deviation']:.1f}%, ARR {100 * arr:.1f}%, "
        f"Pipeline {100 * pipe:.1f}%."
    ), line
    plan = load_plan_dir(out)
    text = " ".join(pdf_text(render_checked(build_plan_summary(plan))).split())
    assert re.search(
        r"The greedy baseline's largest gap in % of fair share: Tier 1 [\d.]+ %, Tier 2 [\d.]+ %, "
        r"Tier 3 [\d.]+ %, potential [\d.]+ %, ARR [\d.]+ %, Pipeline [\d.]+ %\.",
        text,
    ), text
