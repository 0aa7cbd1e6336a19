"""The review page (territory report): its data, its safety as a file, and the CLI.

What the page does in a real browser is tested in tests/test_review_browser.py.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
from html import unescape
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import given
from hypothesis import strategies as st

from territory.balance import outside_bands
from territory.compare import diff_plans
from territory.config import load_config
from territory.errors import ConfigError, RenderError
from territory.io.staging import foreign_entries
from territory.reporting import build_manager_rollup, load_plan_dir
from territory.reporting.context import managers_of
from territory.reporting.render import without_direction_controls
from territory.reporting.review import json_for_html, render_review, review_data, write_review
from territory_cli.main import cli

from review_plans import (
    HOSTILE_MANAGER,
    HOSTILE_NAMES,
    HOSTILE_REASON,
    HOSTILE_REP_NAME,
    PLAN_SMALL,
    hostile_plan,
)

DATA_BLOCK = re.compile(r'<script type="application/json" id="plan-data">(.*?)</script>', re.S)


@pytest.fixture(scope="module")
def plans(review_example) -> tuple[Path, Path]:
    return review_example


@pytest.fixture(scope="module")
def example(plans):
    return load_plan_dir(plans[0])


@pytest.fixture(scope="module")
def hostile(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return hostile_plan(tmp_path_factory.mktemp("hostile"))


def embedded(html: str) -> dict:
    (block,) = DATA_BLOCK.findall(html)
    return json.loads(block)


# --------------------------------------------------------------------------- inert data


@given(st.text())
def test_json_for_html_cannot_leave_its_script_element(text):
    out = json_for_html({"name": text, "list": [text, 1.5, None]})
    assert not set(out) & {"<", ">", "&", "\u2028", "\u2029"}
    shown = without_direction_controls(text)
    assert json.loads(out) == {"name": shown, "list": [shown, 1.5, None]}


def test_json_for_html_drops_direction_controls():
    """A right-to-left override in a rep's name reversed the count the map legend shows after
    it in the browser ('Evil (31)' read as 'Evil )13('); the page's data has none."""
    out = json_for_html({"name": "Evil\u202eexe.fdp", "rtl": "\u2067\u05e9\u05dc\u05d5\u05dd\u2069"})
    assert not set(out) & {"\u202e", "\u2067", "\u2069"}
    assert json.loads(out) == {"name": "Evilexe.fdp", "rtl": "\u05e9\u05dc\u05d5\u05dd"}


def test_plan_text_is_only_in_the_json_block(hostile):
    html = render_review(load_plan_dir(hostile))
    block = DATA_BLOCK.search(html)
    assert block is not None
    outside = html[: block.start()] + html[block.end() :]
    for text in [*HOSTILE_NAMES.values(), HOSTILE_REP_NAME, HOSTILE_MANAGER, HOSTILE_REASON, "__pwned"]:
        assert text not in outside
        assert text[:12] not in outside
    assert "<" not in block.group(1) and "\u2028" not in block.group(1)
    data = embedded(html)
    shown = {without_direction_controls(n) for n in HOSTILE_NAMES.values()}  # '\u202eevil.exe\u202c ...'
    assert shown <= {row[1] for row in data["accounts"]["rows"]}
    assert data["people"][0]["name"] == HOSTILE_REP_NAME
    assert data["plan"]["name"] == hostile.name


def test_csp_allows_only_the_pages_own_script_and_style(example):
    html = render_review(example)
    (csp,) = re.findall(r'<meta http-equiv="Content-Security-Policy" content="([^"]+)">', html)
    csp = unescape(csp)
    scripts = re.findall(r"<script>(.*?)</script>", html, re.S)
    styles = re.findall(r"<style>(.*?)</style>", html, re.S)
    assert len(scripts) == 1 and len(styles) == 1
    assert html.count("<script") == 2  # the page's script and the JSON block

    def digest(text: str) -> str:
        return "sha256-" + base64.b64encode(hashlib.sha256(text.encode()).digest()).decode()

    rules = dict(r.strip().split(" ", 1) for r in csp.split(";"))
    assert rules["default-src"] == "'none'"
    assert rules["script-src"] == f"'{digest(scripts[0])}'"
    assert rules["style-src"] == f"'{digest(styles[0])}'"
    assert "unsafe" not in csp and "http" not in csp
    for attribute in (" onload=", " onclick=", " onerror=", " style=", ' href="http', " src="):
        assert attribute not in html
    assert ".innerHTML" not in scripts[0] and "eval(" not in scripts[0]


def test_a_map_that_could_fetch_is_refused(example, monkeypatch):
    from territory.geo import book_maps

    real = book_maps.plan_map

    def poisoned(plan):
        figure = real(plan)
        return type(figure)(**{**figure.__dict__, "svg": figure.svg + '<image href="http://x/y.png"/>'})

    monkeypatch.setattr(book_maps, "plan_map", poisoned)
    with pytest.raises(RenderError, match="the map holds markup the review page does not allow"):
        render_review(example)


# --------------------------------------------------------------------------- what the page says


def test_every_rep_number_is_the_one_in_summary_json(example):
    data = review_data(example)
    summary = example.summary
    band = summary["config"]["balance"]["measures"]["potential"]["band"]
    assert [m["label"] for m in data["measures"]] == ["Tier 1", "Tier 2", "Tier 3", "Potential"]
    for rep, row in zip(summary["reps"], data["reps"]):
        assert data["people"][row["person"]]["id"] == rep["rep_id"]
        assert row["accounts"] == rep["accounts"]
        cells = row["cells"]
        for t in (1, 2, 3):
            c = cells[t - 1]
            assert c["value"] == rep["tier_counts"][str(t)]
            assert c["fair"] == rep["fair_tier"][str(t)]
            assert [c["lo"], c["hi"]] == rep["tier_band"][str(t)]
            assert c["dev"] == rep["tier_deviation"][str(t)]
        assert cells[3]["value"] == rep["potential"] and cells[3]["fair"] == rep["fair_potential"]
        assert cells[3]["text"] == f"{rep['potential']:,.0f}"
        assert [c["out"] for c in cells] == list(outside_bands(example.rep(rep["rep_id"]), band))
    facts = dict(data["facts"])
    overall = summary["overall"]
    assert facts["Accounts"] == "1,000" and facts["Reps"] == "16"
    assert facts["Accounts moved"].startswith(f"{overall['accounts_moved']:,} (")
    assert facts["Moved because their owner left"] == f"{overall['orphaned_accounts']:,}"


def test_bands_broken_in_the_small_plan_are_marked():
    data = review_data(load_plan_dir(PLAN_SMALL))
    out = {data["people"][r["person"]]["id"]: [c["out"] for c in r["cells"]] for r in data["reps"]}
    # plan_small/README.md: R01 10 Tier 2 of 5-8, R05 2 of 3-6, R06 7 of 3-6; R05's 3 Tier 1
    # (+80 %) is inside its band 0-3
    assert out["R01"] == [False, True, False, False]
    assert out["R05"] == [False, True, False, False]
    assert out["R06"] == [False, True, False, False]
    assert dict(data["facts"])["Reps with a number outside their band"] == "3 of 6"


def test_any_measure_in_summary_json_gets_a_column(tmp_path):
    """Measures are read from each rep's 'measures' record, whatever their names."""
    import shutil

    d = tmp_path / "plan"
    shutil.copytree(PLAN_SMALL, d)
    summary = json.loads((d / "summary.json").read_text())
    for i, rep in enumerate(summary["reps"]):
        value = 1000.0 + 100 * i
        rep["measures"] = {
            "potential": {
                "value": rep["potential"],
                "fair": rep["fair_potential"],
                "deviation": rep["potential_deviation"],
                "band": [rep["fair_potential"] * 0.9, rep["fair_potential"] * 1.1],
                "before": 0,
            },
            "arr": {
                "value": value,
                "fair": 1200.0,
                "deviation": value / 1200 - 1,
                "band": [1100, 1300],
                "before": 0,
            },
        }
    (d / "summary.json").write_text(json.dumps(summary))
    lines = (d / "assignments.csv").read_text().splitlines()
    lines = [lines[0] + ",ARR"] + [line + f",{i}" for i, line in enumerate(lines[1:])]
    (d / "assignments.csv").write_text("\n".join(lines) + "\n")
    data = review_data(load_plan_dir(d))
    assert [m["label"] for m in data["measures"]] == ["Tier 1", "Tier 2", "Tier 3", "Potential", "ARR"]
    arr = [r["cells"][4] for r in data["reps"]]
    assert [c["value"] for c in arr] == [1000, 1100, 1200, 1300, 1400, 1500]
    assert [c["out"] for c in arr] == [True, False, False, False, True, True]
    assert arr[0]["band_text"] == "1.1k\u20131.3k"
    assert data["accounts"]["amount_labels"] == {"m:potential": "Potential", "m:ARR": "ARR"}
    col = data["accounts"]["columns"].index("m:ARR")
    assert [row[col] for row in data["accounts"]["rows"][:3]] == [0, 1, 2]


def test_moves_by_manager_count_as_the_rollups_do(example):
    data = review_data(example)
    assert [t["name"] for t in data["teams"]] == managers_of(example)
    for team in data["teams"]:
        rollup = build_manager_rollup(example, team["name"], maps=False)
        assert team["joining"]["accounts"] == len(rollup.moves_in)
        assert team["leaving"]["accounts"] == len(rollup.moves_out)
        assert team["within"]["accounts"] == len(rollup.moves_within)
        assert team["joining"]["potential"] == pytest.approx(sum(m.potential or 0 for m in rollup.moves_in))
        assert team["accounts"] == rollup.team_accounts


def test_account_rows_say_owner_change_and_reason(example):
    data = review_data(example)
    cols = data["accounts"]["columns"]
    assert cols[:7] == ["account_id", "name", "tier", "region", "owner", "previous_owner", "change"]
    a = example.assignments
    rows = data["accounts"]["rows"]
    assert len(rows) == len(a) == 1000
    people = data["people"]
    change = cols.index("change")
    for row, rec in zip(rows, a.to_dict("records")):
        assert row[0] == rec["account_id"] and row[1] == rec["name"]
        assert people[row[4]]["id"] == rec["owner_id"]
        assert (people[row[5]]["id"] if row[5] >= 0 else "") == rec["previous_owner_id"]
        assert row[change] == (0 if rec["owner_id"] == rec["previous_owner_id"] else 1)
        assert data["texts"][row[cols.index("reason")]] == rec["reason"]
    left = [p for p in people if p["left"]]
    assert [p["id"] for p in left] == ["R99"]


def test_differences_are_the_ones_diff_lists(plans, example):
    now, before = plans
    data = review_data(example, previous=before)
    expected = diff_plans(before, now)
    prev = data["previous"]
    assert prev["name"] == "previous"
    assert len(prev["rows"]) == len(expected) > 0
    assert prev["moved"] == int((expected["change"] == "moved").sum())
    assert [r[0] for r in prev["rows"]] == expected["account_id"].tolist()
    assert [data["texts"][r[-1]] for r in prev["rows"]] == expected["reason"].tolist()


def test_the_map_is_there_when_the_plan_has_places(example):
    data = review_data(example)
    assert data["map"] is not None and data["map"]["title"] == "Every territory on the map"
    assert sum(n for _label, n in data["map"]["legend"]) == 1000
    assert "<svg" in render_review(example).split('id="plan-data"')[0]
    assert review_data(load_plan_dir(PLAN_SMALL))["map"] is None


def test_same_plan_same_bytes(example):
    assert render_review(example) == render_review(load_plan_dir(example.path))


# --------------------------------------------------------------------------- the command


def test_report_command_writes_the_page(plans, tmp_path):
    now, before = plans
    target = tmp_path / "review.html"
    result = CliRunner().invoke(cli, ["report", str(now), "--previous", str(before), "--out", str(target)])
    assert result.exit_code == 0, result.output
    n = len(diff_plans(before, now))
    assert result.output.startswith(f"Wrote {target} (")
    assert f"1,000 accounts, 16 reps, a map, {n} differences to {before})." in result.output
    assert target.read_text(encoding="utf-8") == render_review(load_plan_dir(now), before)
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")]


def test_report_defaults_to_the_plan_folder_and_a_new_plan_may_replace_it(plans, tmp_path):
    import shutil

    d = tmp_path / "plan"
    shutil.copytree(plans[0], d)
    result = CliRunner().invoke(cli, ["report", str(d)])
    assert result.exit_code == 0, result.output
    assert (d / "report.html").is_file()
    assert foreign_entries(d) == []  # the page is part of the plan folder: a rerun replaces it


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["{plan}", "--out", "{plan}/summary.json"], "summary.json: it is part of the plan in "),
        (["{plan}", "--out", "{plan}"], "is a directory"),
        (["{missing}"], "plan directory not found"),
        (
            ["{plan}", "--previous", "{missing}", "--out", "{tmp}/r.html"],
            "missing:\n  - plan directory not found",
        ),
    ],
)
def test_report_refuses_bad_paths(plans, tmp_path, args, message):
    fill = {"plan": str(plans[0]), "missing": str(tmp_path / "missing"), "tmp": str(tmp_path)}
    result = CliRunner().invoke(cli, ["report", *(a.format(**fill) for a in args)])
    assert result.exit_code == 2, result.output
    assert message in result.output
    assert "Traceback" not in result.output
    assert not (tmp_path / "r.html").exists()


def test_a_failed_page_leaves_the_old_file(example, tmp_path, monkeypatch):
    from territory.reporting import review

    target = tmp_path / "report.html"
    target.write_text("the page of last week")

    def broken(*_a, **_k):
        raise RenderError("layout failed")

    monkeypatch.setattr(review, "_review_data", broken)
    with pytest.raises(RenderError):
        write_review(example, target)
    assert target.read_text() == "the page of last week"
    assert [p.name for p in tmp_path.iterdir()] == ["report.html"]


# --------------------------------------------------------------------------- plan.toml


def test_run_writes_the_page_into_the_plan_folder(tmp_path, plans):
    import shutil

    from territory.runner import run_plan_file

    for name in ("accounts.csv", "roster.csv"):
        shutil.copy(Path(__file__).resolve().parents[1] / "examples" / name, tmp_path / name)
    (tmp_path / "plan.toml").write_text(
        '[inputs]\naccounts = "accounts.csv"\nroster = "roster.csv"\n'
        f'[outputs]\ndir = "out"\nreport = true\nreport_previous = "{plans[1]}"\n'
    )
    result = run_plan_file(tmp_path / "plan.toml")
    assert result.report.path == tmp_path / "out" / "report.html"
    data = embedded((tmp_path / "out" / "report.html").read_text(encoding="utf-8"))
    assert data["plan"]["name"] == "out"  # the folder's final name, not the one it was built in
    assert (
        len(data["previous"]["rows"])
        == result.report.differences
        == len(diff_plans(plans[1], tmp_path / "out"))
    )


def test_report_settings_are_checked():
    cfg = load_config(None, ["outputs.report=true", "outputs.books_format=pdf,xlsx"])
    assert cfg.outputs.report and cfg.outputs.books_format == ("pdf", "xlsx")
    with pytest.raises(
        ConfigError, match="setting 'outputs.books_format' must be one of 'pdf', 'xlsx', not 'html'"
    ):
        load_config(None, ["outputs.books_format=pdf,html"])


def test_report_previous_without_report_is_refused(tmp_path):
    (tmp_path / "plan.toml").write_text('[outputs]\nreport_previous = "q1"\n')
    with pytest.raises(ConfigError, match="report_previous is set but report is false; set report = true"):
        load_config(tmp_path / "plan.toml")


def test_a_product_plan_lists_each_account_per_product(tmp_path):
    """With product ICPs an account has a row per product it fits; differences are per product."""
    from scenario_data import product_inputs

    a, r = product_inputs(tmp_path)
    for name in ("q1", "q2"):
        extra = ["--set", "balance.tier_band=0.3"] if name == "q2" else []
        result = CliRunner().invoke(
            cli, ["plan", str(a), str(r), "--out", str(tmp_path / name), "-q", *extra]
        )
        assert result.exit_code == 0, result.output
    plan = load_plan_dir(tmp_path / "q2")
    data = review_data(plan, previous=tmp_path / "q1")
    cols = data["accounts"]["columns"]
    assert cols[4] == "product"
    assert [(row[0], row[4]) for row in data["accounts"]["rows"]] == list(
        zip(plan.assignments["account_id"], plan.assignments["product"])
    )
    assert data["previous"]["columns"][:2] == ["account_id", "product"]
    assert len(data["previous"]["rows"]) == len(diff_plans(tmp_path / "q1", tmp_path / "q2"))


def test_books_and_the_page_read_the_typed_plan_result_only(example):
    """Every figure comes from the typed plan result (``PlanDir.result``), none from the raw
    summary.json dict, so a renamed field fails type-checking instead of showing nothing."""
    import dataclasses
    import datetime as dt

    from territory.reporting.context import build_manager_rollup, build_plan_summary, build_rep_book

    blind = dataclasses.replace(example, summary={})
    day = dt.date(2026, 1, 5)
    rep_id, manager = example.reps[0].rep_id, example.reps[0].manager
    assert review_data(blind) == review_data(example)
    assert build_plan_summary(blind, generated_on=day) == build_plan_summary(example, generated_on=day)
    assert build_rep_book(blind, rep_id, generated_on=day) == build_rep_book(
        example, rep_id, generated_on=day
    )
    rollups = [build_manager_rollup(p, manager, generated_on=day) for p in (blind, example)]
    assert rollups[0] == rollups[1]
