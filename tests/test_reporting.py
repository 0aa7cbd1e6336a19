"""PDF books: context contract, content checked by text extraction, files, parallel runs, CLI.

Renders only a handful of small books from tests/fixtures/plan_small (6 reps, 80 accounts),
each once per module, so the file stays fast.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import io
import json
import re
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pypdf
import pytest
from click.testing import CliRunner
from conftest_books import (
    FIXTURE,
    GENERATED_ON,
    assert_no_logs,
    copy_fixture,
    pdf_pages_text,
    pdf_text,
    render_checked,
    skip_without_harfbuzz_subset,
)
from hypothesis import given, settings
from hypothesis import strategies as st

from territory.errors import InputError, RenderError
from territory.reporting import (
    ManagerRollupContext,
    PlanSummaryContext,
    RepBookContext,
    build_manager_rollup,
    build_plan_summary,
    build_rep_book,
    load_plan_dir,
    plan_book_jobs,
    render_books,
    render_html,
)
from territory.reporting.books import rep_book_stem, select_reps
from territory.reporting.context import managers_of, name_slug, undocumented_fields
from territory.reporting.render import (
    int_commas,
    make_environment,
    money,
    money_short,
    num,
    pct,
    safe_filename,
)

CONTEXTS = (RepBookContext, ManagerRollupContext, PlanSummaryContext)


@pytest.fixture(scope="module")
def plan():
    return load_plan_dir(FIXTURE)


@pytest.fixture(scope="module")
def summary():
    return json.loads((FIXTURE / "summary.json").read_text())


@pytest.fixture(scope="module")
def rows():
    import csv

    with open(FIXTURE / "assignments.csv", newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


@pytest.fixture(scope="module")
def r01_pdf(plan):
    return render_checked(build_rep_book(plan, "R01", generated_on=GENERATED_ON))


@pytest.fixture(scope="module")
def r02_pdf(plan):
    return render_checked(build_rep_book(plan, "R02", generated_on=GENERATED_ON, page_size="a4"))


# --------------------------------------------------------------------------- context contract


@pytest.mark.parametrize("cls", CONTEXTS, ids=lambda c: c.__name__)
def test_every_context_field_has_help(cls):
    assert undocumented_fields(cls) == []


@pytest.mark.parametrize("cls", CONTEXTS, ids=lambda c: c.__name__)
def test_context_names_its_template(cls):
    assert cls.documented_template in make_environment().list_templates()


def test_templates_render_with_strict_undefined(plan):
    env = make_environment()
    assert env.undefined.__name__ == "StrictUndefined" and env.autoescape is True
    contexts = [build_rep_book(plan, r, generated_on=GENERATED_ON) for r in plan.rep_ids]
    contexts += [build_manager_rollup(plan, m, generated_on=GENERATED_ON) for m in managers_of(plan)]
    contexts.append(build_plan_summary(plan, generated_on=GENERATED_ON))
    for ctx in contexts:
        assert "<html" in render_html(ctx, env)


def test_typo_in_a_template_fails(tmp_path, plan):
    (tmp_path / "rep_book.html").write_text(
        '{% extends "default:rep_book.html" %}{% block cover %}{{ rep.nmae }}{% endblock %}'
    )
    with pytest.raises(RenderError, match="nmae"):
        render_html(build_rep_book(plan, "R01"), make_environment(tmp_path))


def test_custom_template_extends_default(tmp_path, plan):
    (tmp_path / "rep_book.html").write_text(
        '{% extends "default:rep_book.html" %}'
        "{% block cover %}<section class='page'><h1>Custom cover for {{ rep.name }}</h1></section>{% endblock %}"
    )
    html = render_html(build_rep_book(plan, "R01"), make_environment(tmp_path))
    assert "Custom cover for Ana Ortiz" in html and "Your accounts" in html


def test_import_territory_does_not_import_weasyprint_or_click():
    code = (
        "import sys, territory, territory.reporting, territory.reporting.render;"
        "assert 'weasyprint' not in sys.modules, 'weasyprint imported';"
        "assert 'click' not in sys.modules, 'click imported'"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


# --------------------------------------------------------------------------- loader


def test_plan_dir_keeps_ids_and_prefixed_cells_as_strings(plan):
    a = plan.assignments
    assert a["account_id"].tolist()[:2] == ["A-001", "A-002"]
    assert "'+Plus Freight" in a["name"].tolist()  # formula-neutralised cell, shown as-is
    assert (a["family_id"] == "").sum() > 0  # empty stays empty, not NaN
    assert len(plan.fingerprint) == 12


def test_missing_plan_dir_is_an_input_error(tmp_path):
    with pytest.raises(InputError) as e:
        load_plan_dir(tmp_path / "nope")
    (p,) = e.value.problems
    assert p.file == str(tmp_path / "nope") and "not found" in p.message
    assert "territory plan" in p.hint


def test_unreadable_summary_json_names_the_file(tmp_path):
    d = copy_fixture(tmp_path)
    (d / "summary.json").write_text("{ not json")
    with pytest.raises(InputError) as e:
        load_plan_dir(d)
    (p,) = e.value.problems
    assert p.file == str(d / "summary.json") and p.hint


def test_every_problem_is_reported_at_once(tmp_path):
    d = copy_fixture(tmp_path)
    (d / "summary.json").unlink()
    (d / "assignments.csv").write_text("account_id,name\nA-1,x\n")
    with pytest.raises(InputError) as e:
        load_plan_dir(d)
    files = {Path(p.file).name for p in e.value.problems}
    assert files == {"summary.json", "assignments.csv"}
    assert len(e.value.problems) == 1 + 6  # summary missing + six missing columns


def test_unknown_rep_is_an_input_error(plan):
    with pytest.raises(InputError, match="R77"):
        plan_book_jobs(plan, ["R77"])


# --------------------------------------------------------------------------- rep book content


def test_cover(r01_pdf, plan):
    cover = pdf_pages_text(r01_pdf)[0]
    for text in (
        "Ana Ortiz",
        "R01",
        "Maya Lindqvist",
        "West",
        "FY27 Q1",
        "23 November 2026",
        plan.fingerprint,
    ):
        assert text in cover


def test_summary_numbers_equal_summary_json(r01_pdf, r02_pdf, summary):
    for pdf, rep_id in ((r01_pdf, "R01"), (r02_pdf, "R02")):
        rep = next(r for r in summary["reps"] if r["rep_id"] == rep_id)
        pool = [r for r in summary["reps"] if r["pool"] == rep["pool"]]
        text = " ".join(pdf_pages_text(pdf)[1].split())
        for t in ("1", "2", "3"):
            lo, hi = rep["tier_band"][t]
            avg = sum(r["tier_counts"][t] for r in pool) / len(pool)
            line = (
                f"Tier {t} accounts: {rep['tier_counts'][t]} (your fair share {num(rep['fair_tier'][t], 1)}, "
                f"band {lo}–{hi}; West pool average {num(avg, 1)} per rep)."
            )
            assert line in text
        assert f"Accounts in total: {rep['accounts']} (your fair share 16;" in text
        assert f"you keep {rep['kept']}, gain {rep['moves_in']} and hand over {rep['moves_out']}" in text


def test_rep_book_compares_with_the_pool_not_the_company():
    """R01's West pool averages 5.7 Tier 2 accounts per rep; the company average is 5."""
    ctx = build_rep_book(load_plan_dir(FIXTURE), "R01", generated_on=GENERATED_ON)
    assert ctx.pool.label == "West pool" and ctx.pool.reps == 3
    assert [round(t.pool_average, 2) for t in ctx.tiers] == [1.67, 5.67, 6.0]
    html = render_html(ctx)
    assert "Tier 2 accounts: 10</b> (your fair share 6.8, band 5–8; West pool average 5.7 per rep)" in html
    assert "team average" not in html.lower()
    assert "West pool average per rep" in html  # the chart legend and the table header


def test_ramping_rep_is_told_to_compare_with_the_fair_share(plan):
    html = render_html(build_rep_book(plan, "R03", generated_on=GENERATED_ON))
    assert "±10\u00a0% of the fair share or ±1 account, whichever is wider" in html
    html = " ".join(html.split())
    assert "at capacity 0.5, compare your accounts with your fair share, not with the pool average" in html
    assert "compare your accounts with your fair share" not in render_html(build_rep_book(plan, "R01"))


def test_pool_average_of_a_product_plan_counts_reps_of_the_same_product(tmp_path):
    d = copy_fixture(tmp_path)
    s = json.loads((d / "summary.json").read_text())
    s["overall"]["products"] = {"core": 60, "growth": 20}
    for r in s["reps"]:
        r["product"] = "growth" if r["rep_id"] == "R02" else "core"
    (d / "summary.json").write_text(json.dumps(s))
    ctx = build_rep_book(load_plan_dir(d), "R01")
    assert ctx.pool.label == "West pool, core reps" and ctx.pool.reps == 2
    assert ctx.tiers[1].pool_average == 6.0  # (10 + 2) / 2: R01 and R03, not R02


def test_sections_say_where_subsidiaries_of_another_tier_are_listed(plan):
    """A-010 (Tier 1) is R01's parent of A-011 and A-012 (Tier 2): listed in Tier 1."""
    ctx = build_rep_book(plan, "R01")
    t1, t2 = ctx.sections[0], ctx.sections[1]
    assert (t1.count, len(t1.rows), t1.other_tiers_here, t1.listed_elsewhere) == (2, 4, 2, 0)
    assert (t2.count, t2.listed_elsewhere) == (10, 2) and len(t2.rows) == 8
    for sec in ctx.sections:
        assert sec.count == sum(r.tier == sec.tier for r in sec.rows) + sec.listed_elsewhere
    html = " ".join(render_html(ctx).split())
    assert (
        'Tier 1 – best fit · 2 accounts</h3> <p class="muted small">Also listed here: 2 subsidiaries' in html
    )
    assert "2 of them are listed under their parents in another tier's section." in html


def test_every_account_of_the_rep_appears_exactly_once(r01_pdf, r02_pdf, rows):
    for pdf, rep_id in ((r01_pdf, "R01"), (r02_pdf, "R02")):
        text = pdf_text(pdf)
        mine = [r["account_id"] for r in rows if r["owner_id"] == rep_id]
        assert mine
        for aid in mine:
            assert len(re.findall(rf"\b{re.escape(aid)}\b", text)) == 1, aid


def test_status_says_kept_or_from_whom(r01_pdf):
    text = " ".join(pdf_text(r01_pdf).split())
    assert "new to you, from Ben Baker (R02)" in text
    assert "kept" in text


def test_departed_owner_is_named(plan):
    # A-008 came from R99, who left the roster
    owner = plan.assignments.set_index("account_id").loc["A-008", "owner_id"]
    html = render_html(build_rep_book(plan, owner, generated_on=GENERATED_ON))
    assert "from Sam Gone (R99), left the team" in html


def test_family_is_shown_parent_first_with_indented_subsidiaries(plan):
    ctx = build_rep_book(plan, "R01")
    rows = [r for s in ctx.sections for r in s.rows]
    order = [r.account_id for r in rows]
    i = order.index("A-010")
    assert order[i : i + 3] == ["A-010", "A-011", "A-012"]
    assert [r.depth for r in rows[i : i + 3]] == [0, 1, 2]
    html = render_html(ctx)
    assert re.search(r'class="a d1[^"]*"><b>↳ Northwind Logistics</b>', html)


def _walk(box):  # type: ignore[no-untyped-def]
    yield box
    for child in getattr(box, "children", ()):
        yield from _walk(child)


def _laid_out(html: str):  # type: ignore[no-untyped-def]
    """Every box of every page of ``html`` as WeasyPrint lays it out, with the book's assets."""
    import weasyprint

    from territory.reporting.render import AssetFetcher

    document = weasyprint.HTML(string=html, url_fetcher=AssetFetcher().weasyprint_fetcher()).render()
    for page in document.pages:
        yield from _walk(page._page_box)


def test_an_account_entry_is_three_pieces_of_text(plan):
    """Each separate piece of text costs WeasyPrint a text layout to place it and another to
    draw it, whatever its length: an entry is the bold name (with a subsidiary's arrow), the
    rest of its first line, and its second line; only a new account's status adds a piece,
    for its colour."""
    from weasyprint.formatting_structure import boxes

    pieces = {}
    for box in _laid_out(render_html(build_rep_book(plan, "R01", generated_on=GENERATED_ON))):
        classes = (box.element.get("class") or "").split() if box.element is not None else []
        if type(box) is boxes.BlockBox and box.element_tag == "div" and "a" in classes:
            texts = [b.text for b in _walk(box) if isinstance(b, boxes.TextBox)]
            # the entry's own block, not the anonymous block of its first line (the same element)
            n = len(texts) - any(
                isinstance(b, boxes.InlineBox) and "new" in (b.element.get("class") or "") for b in _walk(box)
            )
            pieces[texts[0]] = max(n, pieces.get(texts[0], 0))
    assert "↳ Northwind Logistics" in pieces
    assert set(pieces.values()) == {3}, {k: v for k, v in pieces.items() if v != 3}


def test_leaving_page_lists_accounts_and_new_owner(r02_pdf, rows):
    pages = pdf_pages_text(r02_pdf)
    leaving = " ".join(pages[-1].split())
    assert "Leaving your book" in leaving
    out = [r for r in rows if r["previous_owner_id"] == "R02" and r["owner_id"] != "R02"]
    assert len(out) == 6
    for r in out:
        assert r["account_id"] in leaving
    assert "Ana Ortiz (R01)" in leaving


def test_icp_page_when_icp_json_exists(r01_pdf, tmp_path):
    assert "Ideal Customer Profile" in pdf_text(r01_pdf)
    d = copy_fixture(tmp_path)
    (d / "icp.json").unlink()
    html = render_html(build_rep_book(load_plan_dir(d), "R01"))
    assert "Ideal Customer Profile" not in html


def test_formula_prefixed_names_are_shown_as_is(plan):
    html = render_html(build_rep_book(plan, "R03", generated_on=GENERATED_ON))
    assert "&#39;+Plus Freight" in html


def test_running_header_footer_and_page_x_of_y(r01_pdf, plan):
    pages = pdf_pages_text(r01_pdf)
    n = len(pages)
    for i, text in enumerate(pages, 1):
        assert f"Page {i} of {n}" in text
    assert "Ana Ortiz (R01) · territory book" in pages[2]
    assert f"Plan {plan.fingerprint}" in pages[2]


def test_letter_and_a4(r01_pdf, r02_pdf):
    letter = pypdf.PdfReader(io.BytesIO(r01_pdf)).pages[0].mediabox
    a4 = pypdf.PdfReader(io.BytesIO(r02_pdf)).pages[0].mediabox
    assert (round(letter.width), round(letter.height)) == (612, 792)
    assert (round(a4.width), round(a4.height)) == (595, 842)


def test_same_plan_renders_byte_identical_with_fixed_date(plan, r01_pdf):
    again = render_checked(build_rep_book(plan, "R01", generated_on=GENERATED_ON))
    assert again == r01_pdf
    meta = pypdf.PdfReader(io.BytesIO(r01_pdf)).metadata
    assert meta.creation_date.date() == GENERATED_ON


# --------------------------------------------------------------------------- roll-up, summary


def test_manager_rollup(plan, summary):
    pdf = render_checked(build_manager_rollup(plan, "Maya Lindqvist", generated_on=GENERATED_ON))
    text = " ".join(pdf_text(pdf).split())
    for rep in summary["reps"][:3]:
        assert rep["name"] in text and rep["rep_id"] in text
    assert "Farid Fischer" not in text  # another manager's rep
    assert "Accounts joining the team" in text and "Accounts leaving the team" in text
    assert "A-010" in text  # family moving R02 -> R01 inside the team


def test_moves_inside_the_team_are_counted_once(plan, summary):
    ctx = build_manager_rollup(plan, "Maya Lindqvist", generated_on=GENERATED_ON)
    within = sorted(m.account_id for m in ctx.moves_within)
    assert within == ["A-005", "A-010", "A-011", "A-012", "A-017", "A-029"]
    assert sorted(m.account_id for m in ctx.moves_in) == ["A-008", "A-023", "A-036"]
    assert ctx.moves_out == ()
    team = [r for r in summary["reps"] if r["manager"] == "Maya Lindqvist"]
    assert len(ctx.moves_in) + len(ctx.moves_within) == sum(r["moves_in"] for r in team)
    assert len(ctx.moves_out) + len(ctx.moves_within) == sum(r["moves_out"] for r in team)
    text = " ".join(pdf_text(render_checked(ctx)).split())
    assert (
        "Moves: 3 accounts join the team, 0 leave it for another team, and 6 move between the team's reps."
        in text
    )
    assert "Moves between the team's reps" in text
    assert "Company average" not in text
    assert "Tier 1 5, Tier 2 17, Tier 3 18 (the team's fair share: 5, 17, 18)" in text


def test_plan_summary(plan, summary):
    pdf = render_checked(build_plan_summary(plan, generated_on=GENERATED_ON))
    text = " ".join(pdf_text(pdf).split())
    assert summary["solver"]["status_text"] in text
    assert f"Accounts moved from another owner: {summary['overall']['accounts_moved']}" in text
    assert "Accounts moved because their owner left the roster: 4." in text
    assert f", {summary['solver']['pools']} pools." in text
    assert "Moves by region" in text and "West" in text and "East" in text
    for rep in summary["reps"]:
        assert rep["rep_id"] in text


def test_plan_summary_counts_owner_changes_like_the_terminal(plan, summary, tmp_path):
    """plan_small has 2 accounts that had no owner: "Accounts moved" (13, taken from another
    owner) is not the number of CRM owner changes (15), and the summary says both."""
    o = summary["overall"]
    assert (o["accounts_moved"], o["first_owners"], o["owner_changes"]) == (13, 2, 15)
    text = " ".join(pdf_text(render_checked(build_plan_summary(plan, generated_on=GENERATED_ON))).split())
    assert "Accounts moved from another owner: 13 (" in text
    assert (
        "Accounts that had no owner and get one: 2. Owner changes for the CRM (rows of the "
        "update file): 15." in text
    )
    ctx = build_plan_summary(plan, generated_on=GENERATED_ON)
    assert sum(r.moved for r in ctx.moves_by_region) == 15  # the region table counts owner changes
    assert "Moved counts every owner change in the region, the accounts that had no owner" in text
    # without first owners, the line stays as it was
    d = copy_fixture(tmp_path)
    s = json.loads((d / "summary.json").read_text())
    s["overall"].update(first_owners=0, owner_changes=13)
    (d / "summary.json").write_text(json.dumps(s))
    text = " ".join(
        pdf_text(render_checked(build_plan_summary(load_plan_dir(d), generated_on=GENERATED_ON))).split()
    )
    assert "Accounts moved: 13 (" in text and "had no owner" not in text


def test_plan_summary_counts_the_pools_listed_in_summary_json(tmp_path):
    d = copy_fixture(tmp_path)
    s = json.loads((d / "summary.json").read_text())
    pool = {"reps": 3, "accounts": 40, "units": 40, "status": "optimal", "objective": 1, "bound": 1, "gap": 0}
    s["solver"]["pools"] = [{"name": "West", **pool}, {"name": "East", **pool}]  # as `territory plan` writes
    (d / "summary.json").write_text(json.dumps(s))
    assert build_plan_summary(load_plan_dir(d)).solver.pools == 2


def test_plan_summary_colours_only_numbers_outside_the_reps_own_band(plan):
    """R05 has 3 Tier 1 accounts, +80 % of its fair share 1.67 but inside its band 0-3 (the
    +-1 account rule); its 2 Tier 2 accounts are below its band 3-6."""
    ctx = build_plan_summary(plan, generated_on=GENERATED_ON)
    by_id = {r.rep_id: r for r in ctx.reps}
    colours = {r.rep_id: [b.css_class for b in r.bars] for r in ctx.reps}
    assert colours["R05"] == ["ok", "over", "ok", "ok"]
    assert colours["R06"] == ["ok", "over", "ok", "ok"]  # Tier 1 -100 % (0 of band 0-3) is inside
    assert colours["R01"] == ["ok", "over", "ok", "ok"]
    assert {rid for rid, c in colours.items() if "over" in c} == {"R01", "R05", "R06"}
    assert ctx.reps_outside == 3
    assert by_id["R05"].zones[0].value_text == "-100% to +80%"
    html = render_html(ctx)
    assert ">+80%</text>" not in html and ">-54%</text>" in html
    assert "The shaded zone is the rep's own band: ±10\u00a0% of the fair share or ±1 account" in html


def test_plan_summary_largest_gaps_in_accounts_and_percent(plan):
    text = " ".join(pdf_text(render_checked(build_plan_summary(plan, generated_on=GENERATED_ON))).split())
    after = "\u22121.7 accounts (\u2212100.0 %), Farid Fischer (R06)"
    # today's books: R01 owned 1 Tier 1 account (fair share 2); R06's -100 % after the plan
    # is not a "before" figure
    before = "\u22121 account (\u221250.0 %), Ana Ortiz (R01)"
    assert f"Tier 1 {after} {before}" in text
    assert "Potential \u221216,230 (\u22126.8 %), Chloe Chen (R03)" in text


# --------------------------------------------------------------------------- filters, names


def test_filters():
    assert money(1234567.8) == "1,234,568" and money(None) == "—"
    assert money_short(1_234_567) == "1.23M" and money_short(950) == "950"
    assert pct(0.0412) == "4.1\u00a0%" and pct(-0.028, signed=True) == "\u22122.8\u00a0%"
    assert int_commas(12345.0) == "12,345"
    assert num(14.0) == "14" and num(13.5) == "13.5" and num(1.66667) == "1.67"


@pytest.mark.parametrize(
    "raw, safe",
    [("R01", "R01"), ("../../etc/passwd", "_.._etc_passwd"), ("a b/c", "a_b_c"), ("", "_"), ("...", "_")],
)
def test_safe_filename(raw, safe):
    assert safe_filename(raw) == safe


def test_book_file_names(plan):
    names = [j.filename for j in plan_book_jobs(plan)]
    assert names == [
        "rep-ana-ortiz-R01.pdf",
        "rep-ben-baker-R02.pdf",
        "rep-chloe-chen-R03.pdf",
        "rep-dev-diallo-R04.pdf",
        "rep-elif-evans-R05.pdf",
        "rep-farid-fischer-R06.pdf",
        "manager-maya-lindqvist.pdf",
        "manager-tom-okafor.pdf",
        "plan-summary.pdf",
    ]


SF_IDS = ("0055e000001AbCdEFG", "0055e000004XyZwXYZ", "0055e000002QrStUVW")


def _salesforce_plan(tmp_path, names=("José Núñez", "王小明", "Ana Ortiz"), managers=None):
    """plan_small with 18-character Salesforce ids and the given names for R01-R03."""
    d = copy_fixture(tmp_path)
    s = json.loads((d / "summary.json").read_text())
    renamed = {}
    for r, rid, name in zip(s["reps"], SF_IDS, names):
        renamed[r["rep_id"]] = rid
        r["rep_id"], r["name"] = rid, name
    # the owners in assignments.csv too, or the folder no longer belongs together
    frame = pd.read_csv(d / "assignments.csv", dtype=str, keep_default_na=False)
    for col in ("owner_id", "previous_owner_id"):
        frame[col] = frame[col].replace(renamed)
    frame.to_csv(d / "assignments.csv", index=False)
    if managers:
        for r, m in zip(s["reps"], managers):
            r["manager"] = m
    (d / "summary.json").write_text(json.dumps(s, ensure_ascii=False))
    return load_plan_dir(d)


def test_book_file_names_carry_the_name_and_the_18_character_id(tmp_path):
    plan = _salesforce_plan(tmp_path, managers=["Zoë Ångström"] * 3)
    names = [j.filename for j in plan_book_jobs(plan)]
    assert names[:4] == [
        "rep-jose-nunez-0055e000001AbCdEFG.pdf",
        "rep-0055e000004XyZwXYZ.pdf",  # no ASCII letters in the name: the id alone
        "rep-ana-ortiz-0055e000002QrStUVW.pdf",
        "rep-dev-diallo-R04.pdf",
    ]
    assert "manager-zoe-angstrom.pdf" in names


def test_reps_with_the_same_name_get_different_files(tmp_path):
    plan = _salesforce_plan(tmp_path, names=("Ana Ortiz", "Ana Ortiz", "ANA  ORTIZ"))
    names = [j.filename for j in plan_book_jobs(plan)][:3]
    assert len({n.lower() for n in names}) == 3
    assert all(n.startswith("rep-ana-ortiz-0055e") for n in names)


@settings(max_examples=200, deadline=None)
@given(name=st.text(max_size=300), rep_id=st.text(min_size=1, max_size=40))
def test_rep_file_names_are_ascii_bounded_and_deterministic(name, rep_id):
    stem = rep_book_stem(rep_id, name)
    assert stem == rep_book_stem(rep_id, name)
    assert stem.isascii() and len(stem) <= 4 + 41 + 80
    assert re.fullmatch(r"rep-[A-Za-z0-9._-]+", stem) and "/" not in stem
    assert name_slug(name) == "" or re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", name_slug(name))


def test_rep_is_found_by_id_email_or_name(tmp_path):
    plan = _salesforce_plan(tmp_path)
    assert select_reps(plan, ["0055e000001AbCdEFG"]) == ["0055e000001AbCdEFG"]
    assert select_reps(plan, ["0055e000001abcdefg"]) == ["0055e000001AbCdEFG"]  # 18-char ids ignore case
    assert select_reps(plan, ["0055e000001AbCd"]) == ["0055e000001AbCdEFG"]  # the 15-character form
    assert select_reps(plan, ["DEV@example.com", "  ana   ortiz ", "R04"]) == [
        "R04",
        "0055e000002QrStUVW",
    ]
    assert select_reps(plan, ["josé núñez"]) == ["0055e000001AbCdEFG"]


def test_ambiguous_or_unknown_rep_lists_every_problem(tmp_path):
    plan = _salesforce_plan(tmp_path, names=("Ana Ortiz", "Ana Ortiz", "Chloe Chen"))
    with pytest.raises(InputError) as e:
        select_reps(plan, ["Ana Ortiz", "Chloe Chne", "nobody"])
    assert [p.message for p in e.value.problems] == [
        "2 reps match 'Ana Ortiz': 0055e000001AbCdEFG Ana Ortiz <ana@example.com>; "
        "0055e000004XyZwXYZ Ana Ortiz <ben@example.com>",
        "no rep has the id, email or name 'Chloe Chne'",
        "no rep has the id, email or name 'nobody'",
    ]
    assert e.value.problems[0].hint == "pass the rep id or email instead, e.g. --rep 0055e000001AbCdEFG"
    assert e.value.problems[1].hint == "did you mean 0055e000002QrStUVW Chloe Chen <chloe@example.com>?"
    assert e.value.problems[2].hint.startswith("reps in this plan: 0055e000001AbCdEFG, ")
    assert e.value.exit_code == 2


def test_cli_rep_by_name_and_email(tmp_path):
    r = CliRunner().invoke(
        _cli(),
        [str(FIXTURE), "--out", str(tmp_path), "--rep", "elif evans", "--rep", "dev@example.com", "-q"],
    )
    assert r.exit_code == 0, r.output
    assert sorted(p.name for p in tmp_path.iterdir()) == ["rep-dev-diallo-R04.pdf", "rep-elif-evans-R05.pdf"]


def test_cli_ambiguous_rep_name_is_exit_2_listing_the_matches(tmp_path):
    plan = _salesforce_plan(tmp_path / "p", names=("Ana Ortiz", "Ana Ortiz", "Chloe Chen"))
    r = CliRunner().invoke(_cli(), [str(plan.path), "--out", str(tmp_path / "b"), "--rep", "Ana Ortiz"])
    assert r.exit_code == 2 and "Traceback" not in r.output
    assert "2 reps match 'Ana Ortiz': 0055e000001AbCdEFG Ana Ortiz <ana@example.com>; " in r.output
    assert "1 --rep value matches no single rep." in r.output
    # Every option is checked before anything is made: no empty books folder, no progress label.
    assert r.output.startswith("Error: "), r.output
    assert not (tmp_path / "b").exists()


# --------------------------------------------------------------------------- orchestration


def test_render_books_parallel_one_failure_does_not_stop_the_others(tmp_path):
    templates = tmp_path / "templates"
    templates.mkdir()
    # R03's book fails on purpose (StrictUndefined); the others must still be written
    (templates / "rep_book.html").write_text(
        '{% extends "default:rep_book.html" %}'
        '{% block cover %}{% if rep.rep_id == "R03" %}{{ rep.no_such_field }}{% endif %}{{ super() }}{% endblock %}'
    )
    out = tmp_path / "books"
    seen = []
    result = render_books(
        FIXTURE,
        out,
        jobs=2,
        templates_dir=templates,
        generated_on=GENERATED_ON,
        progress=lambda stage, done, total, item="": seen.append((stage, done, total, item)),
    )
    assert {s for s, _, _, _ in seen} == {"books"} and {t for _, _, t, _ in seen} == {9}
    assert [d for _, d, _, _ in seen] == list(range(0, 10))  # announced at 0, then book by book
    assert "rep-chloe-chen-R03.pdf" in {i for _, _, _, i in seen}  # a failed book is a step too
    assert [f.job.filename for f in result.failures] == ["rep-chloe-chen-R03.pdf"]
    assert "no_such_field" in result.failures[0].error
    # A whole set of books is written as one: with one failed, none is, and the folder is
    # as it was (here: not made); the others were rendered all the same.
    assert result.untouched and result.written == [] and not out.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["templates"]  # no stage left behind
    assert result.jobs == 2 and result.pages > 0
    # Into a folder of other files (not only books) they are written one by one, as before.
    out.mkdir()
    (out / "notes.txt").write_text("mine")
    result = render_books(FIXTURE, out, jobs=2, templates_dir=templates, generated_on=GENERATED_ON)
    written = sorted(p.name for p in out.iterdir())
    assert not result.untouched and "rep-chloe-chen-R03.pdf" not in written and len(written) == 9


def test_a_new_set_of_books_replaces_an_earlier_plans_books(tmp_path):
    """Books of a rep who is not in the new plan do not survive next to the new books."""
    out = tmp_path / "books"
    out.mkdir()
    (out / "rep-someone-gone-R99.pdf").write_bytes(b"%PDF-1.7 an earlier plan's book")
    result = render_books(FIXTURE, out, jobs=1, generated_on=GENERATED_ON, managers=True)
    assert result.ok and not result.untouched
    names = sorted(p.name for p in out.iterdir())
    assert "rep-someone-gone-R99.pdf" not in names and names == sorted(p.name for p in result.written)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["books"]


def test_render_single_rep_in_process(tmp_path):
    result = render_books(FIXTURE, tmp_path, rep_ids=["R05"], jobs=1, generated_on=GENERATED_ON)
    assert result.ok and [p.name for p in result.written] == ["rep-elif-evans-R05.pdf"]


# --------------------------------------------------------------------------- CLI


def _cli():
    from territory_cli.books import books

    return books


def test_cli_help_has_an_example():
    r = CliRunner().invoke(_cli(), ["--help"])
    assert r.exit_code == 0
    assert "Example:" in r.output and "territory books plan-out --out plan-out/books" in r.output


def test_cli_single_rep(tmp_path):
    r = CliRunner().invoke(
        _cli(),
        [
            str(FIXTURE),
            "--out",
            str(tmp_path),
            "--rep",
            "R04",
            "--page-size",
            "a4",
            "--date",
            "2026-11-23",
            "-q",
        ],
    )
    assert r.exit_code == 0, r.output
    assert "Wrote 1 book " in r.output and (tmp_path / "rep-dev-diallo-R04.pdf").exists()


def test_cli_option_misuse_is_a_usage_error(tmp_path):
    r = CliRunner().invoke(_cli(), [str(FIXTURE), "--jobs", "0"])
    assert r.exit_code == 2 and "--jobs" in r.output
    r = CliRunner().invoke(_cli(), [str(FIXTURE), "--page-size", "legal"])
    assert r.exit_code == 2


def test_cli_missing_plan_dir_is_a_clean_input_error(tmp_path):
    missing = tmp_path / "missing"
    r = CliRunner().invoke(_cli(), [str(missing), "--out", str(tmp_path / "b")])
    assert r.exit_code == 2 and "Traceback" not in r.output
    assert f"{missing}:" in r.output and "plan directory not found" in r.output
    assert "hint: run `territory plan" in r.output


def test_cli_failures_exit_non_zero_and_list_why(tmp_path):
    templates = tmp_path / "t"
    templates.mkdir()
    (templates / "rep_book.html").write_text("{{ nope }}")
    r = CliRunner().invoke(
        _cli(),
        [str(FIXTURE), "--out", str(tmp_path / "b"), "--rep", "R01", "--templates", str(templates), "-q"],
    )
    assert r.exit_code == 1
    assert "failed: rep-ana-ortiz-R01.pdf" in r.output and "nope" in r.output
    assert "1 of 1 book failed" in r.output


def test_no_weasyprint_warnings_for_manager_and_summary_a4(plan):
    skip_without_harfbuzz_subset()
    with assert_no_logs(strict=True):
        for ctx in (
            build_rep_book(plan, "R01", generated_on=GENERATED_ON),
            build_manager_rollup(plan, "Tom Okafor", page_size="a4", generated_on=GENERATED_ON),
            build_plan_summary(plan, page_size="a4", generated_on=dt.date(2027, 1, 1)),
        ):
            render_checked(ctx, strict=True)


def test_generated_on_defaults_to_today(plan):
    ctx = build_rep_book(plan, "R01")
    assert ctx.meta.generated_on == dt.date.today()
    assert dataclasses.is_dataclass(ctx)


# --------------------------------------------------------------------------- render cost


def test_a_books_boxes_are_freed_before_the_collector_resumes(plan):
    """WeasyPrint's box graph of a book is garbage the moment the PDF is written. Freed while
    the cyclic collector is still paused, it is collected once, as garbage; freed after, it is
    first scanned alive by the collection that resumes (and moved to an older generation),
    then scanned again when that generation is collected: about 5 % of a rep book's time."""
    import gc

    from weasyprint.formatting_structure.boxes import Box

    from territory.reporting.render import html_to_pdf

    html = render_html(build_rep_book(plan, "R01", generated_on=GENERATED_ON))
    html_to_pdf(html)  # warm (fonts, stylesheet caches)
    gc.collect()
    assert gc.isenabled()
    html_to_pdf(html)
    survivors = [o for g in (1, 2) for o in gc.get_objects(generation=g) if isinstance(o, Box)]
    assert survivors == []
    assert gc.isenabled()


def test_books_do_not_measure_text_for_auto_widths(plan, monkeypatch):
    """Margin boxes and tables with automatic widths make WeasyPrint measure the min- and
    max-content width of their text (a text layout per word, on every page): about a fifth of
    a rep book's text layouts. The books give them set widths; what is left is the cover's
    labels (floats) and the summary's chart caption: a handful of texts per book."""
    from weasyprint.layout import preferred

    calls: list[int] = []
    measure = preferred.inline_line_widths

    def counted(*args, **kw):  # type: ignore[no-untyped-def]
        calls.append(1)
        return measure(*args, **kw)

    monkeypatch.setattr(preferred, "inline_line_widths", counted)
    for context in (
        build_rep_book(plan, "R01", generated_on=GENERATED_ON),
        build_manager_rollup(plan, managers_of(plan)[0], generated_on=GENERATED_ON),
        build_plan_summary(plan, generated_on=GENERATED_ON),
    ):
        calls.clear()
        render_checked(context)
        assert len(calls) <= 10, type(context).__name__


def _cell_overflows(html: str, table_class: str) -> list[str]:
    """Text of the cells of ``table.<table_class>`` that reaches outside its cell's content box
    (a number written over its neighbour's), from WeasyPrint's laid-out boxes."""
    from weasyprint.formatting_structure import boxes

    found = []
    for table in _laid_out(html):
        if not (isinstance(table, boxes.TableBox) and table_class in (table.element.get("class") or "")):
            continue
        for cell in (b for b in _walk(table) if isinstance(b, boxes.TableCellBox)):
            left, right = cell.content_box_x(), cell.content_box_x() + cell.width
            # a space left hanging at a wrap is drawn as nothing
            for text in (
                b
                for b in _walk(cell)
                if (isinstance(b, boxes.TextBox) and b.text.strip()) or isinstance(b, boxes.InlineReplacedBox)
            ):
                if text.position_x < left - 0.01 or text.position_x + text.width > right + 0.01:
                    found.append(getattr(text, "text", text.element_tag))  # a mix bar: its <svg>
    return found


@pytest.mark.parametrize("page_size", ["letter", "a4"])
def test_rollup_numbers_with_fair_shares_fit_their_cells(plan, page_size):
    """A team of 1,882 accounts showed its Team row as '271 (280.4)59 (655.9)952 (934.8)':
    the tier cells were narrower than a count with its fair share, and did not wrap."""
    ctx = build_manager_rollup(plan, "Maya Lindqvist", generated_on=GENERATED_ON, page_size=page_size)
    big = dataclasses.replace(
        ctx,
        reps=tuple(
            dataclasses.replace(
                r,
                region="Mid-Atlantic",
                capacity=0.75,
                accounts=2882,
                tier_counts=(271, 1659, 952),
                fair_tier=(280.4, 1655.9, 934.8),
                potential=123_456_789,
                potential_deviation=-0.114,
                moves_in=104,
                moves_out=180,
            )
            for r in ctx.reps
        ),
        team_tier_counts=(12154, 21659, 9952),
        team_fair_tiers=(12626.8, 21655.9, 9934.8),
    )
    assert _cell_overflows(render_html(big), "list") == []
    text = pdf_text(render_checked(big))
    words = text.split()  # overlapping cells came out of the PDF glued: '(279.2)54'
    for count, fair in zip(
        ("12,154", "21,659", "9,952"), ("(12,626.8)", "(21,655.9)", "(9,934.8)"), strict=True
    ):
        assert count in words and fair in words
    assert text.count("Mid-Atlantic") == len(ctx.reps)  # a region is not broken inside a word
