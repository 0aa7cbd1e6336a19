"""Books made from the packaged templates are parsed with expat, not WeasyPrint's HTML5 parser
(territory.reporting.render.packaged_tree): the same tree, the same PDF, and a fallback to
the HTML parser for markup that is not XML."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest
import tinyhtml5
from conftest_books import FIXTURE, GENERATED_ON
from test_geo_maps import plan_with_coordinates

from territory.reporting import build_manager_rollup, build_plan_summary, build_rep_book, load_plan_dir
from territory.reporting.context import managers_of
from territory.reporting.render import (
    AssetFetcher,
    _weasyprint_html,
    html_to_pdf,
    is_packaged,
    make_environment,
    packaged_tree,
    render_html,
)


@pytest.fixture(scope="module")
def books(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """The HTML of every kind of book: with maps and a hostile name, and without maps."""
    env = make_environment()
    out: dict[str, str] = {}
    geo = load_plan_dir(plan_with_coordinates(tmp_path_factory.mktemp("geo")))
    for label, plan in (("geo", geo), ("small", load_plan_dir(FIXTURE))):
        for rep_id in plan.rep_ids[:2]:
            out[f"{label}-rep-{rep_id}"] = render_html(
                build_rep_book(plan, rep_id, generated_on=GENERATED_ON), env
            )
        manager = managers_of(plan)[0]
        out[f"{label}-manager"] = render_html(
            build_manager_rollup(plan, manager, generated_on=GENERATED_ON), env
        )
        out[f"{label}-summary"] = render_html(build_plan_summary(plan, generated_on=GENERATED_ON), env)
    return out


def flat(element: Any, depth: int = 0, out: list[Any] | None = None) -> list[Any]:
    """Every element in document order: depth, tag, attributes, text and tail."""
    out = [] if out is None else out
    out.append((depth, element.tag, sorted(element.attrib.items()), element.text, element.tail))
    for child in element:
        flat(child, depth + 1, out)
    return out


def test_the_tree_is_tinyhtml5s_for_every_kind_of_book(books: dict[str, str]) -> None:
    assert len(books) == 8
    for name, html in books.items():
        fast = packaged_tree(html)
        assert fast is not None, name
        slow = tinyhtml5.parse(html, namespace_html_elements=False)
        assert flat(fast) == flat(slow), name


def test_a_map_book_gives_the_same_pdf_either_way(books: dict[str, str]) -> None:
    for name in ("geo-rep-R01", "geo-manager"):
        html = books[name]
        assert html_to_pdf(html, packaged=True)[0] == html_to_pdf(html, packaged=False)[0], name


def test_markup_that_is_not_xml_is_left_to_the_html_parser(books: dict[str, str]) -> None:
    html = books["small-rep-R01"]
    marker = "Your accounts"
    assert marker in html
    for odd in ("\x01", "\ud800", "&nbsp;", "<br>x</p>"):
        assert packaged_tree(html.replace(marker, marker + odd, 1)) is None, repr(odd)
    assert packaged_tree("<p>not a book</p>") is None
    # the HTML parser then reads it; the book still renders
    data, pages, _, _ = html_to_pdf(html.replace(marker, marker + "\x01", 1), packaged=True)
    assert data.startswith(b"%PDF") and pages > 1


def test_the_document_has_the_attributes_weasyprint_sets(books: dict[str, str]) -> None:
    """Catches a WeasyPrint release that sets other attributes in ``HTML.__init__``."""
    html = books["small-summary"]
    (fast, sheets), (slow, none) = (
        _weasyprint_html(html, AssetFetcher(), True),
        _weasyprint_html(html, AssetFetcher(), False),
    )
    assert len(sheets) == 1 and none == []
    assert type(fast) is type(slow)
    assert sorted(vars(fast)) == sorted(vars(slow))
    assert (fast.base_url, fast.media_type) == (slow.base_url, slow.media_type)


def test_only_the_packaged_templates_skip_the_html_parser(tmp_path: Path) -> None:
    assert is_packaged(make_environment())
    (tmp_path / "rep_book.html").write_text('{% extends "default:rep_book.html" %}', encoding="utf-8")
    assert not is_packaged(make_environment(tmp_path))


def test_the_packaged_stylesheet_is_fetched_for_every_book_and_parsed_once(books: dict[str, str]) -> None:
    from territory.reporting import render

    render._PARSED_CSS.clear()
    fetchers = [AssetFetcher(), AssetFetcher()]
    first = [
        html_to_pdf(books[name], f, packaged=True)[0]
        for name, f in zip(("small-rep-R01", "small-manager"), fetchers)
    ]
    parsed = list(render._PARSED_CSS.values())
    assert len(parsed) == 1
    assert [f.requested for f in fetchers] == [["territory-asset:print.css"]] * 2
    again = html_to_pdf(books["small-rep-R01"], AssetFetcher(), packaged=True)[0]
    assert list(render._PARSED_CSS.values()) == parsed  # the same object: not parsed again
    assert again == first[0] == html_to_pdf(books["small-rep-R01"], AssetFetcher(), packaged=False)[0]


def test_books_share_one_font_configuration_per_process(books: dict[str, str]) -> None:
    from territory.reporting import render

    render._FONT_CONFIG.clear()
    first = html_to_pdf(books["geo-rep-R01"], packaged=True)[0]
    shared = list(render._FONT_CONFIG.values())
    assert len(shared) == 1
    assert (
        html_to_pdf(books["geo-manager"], packaged=True)[0]
        == html_to_pdf(books["geo-manager"], packaged=False)[0]
    )
    assert html_to_pdf(books["geo-rep-R01"], packaged=True)[0] == first
    assert list(render._FONT_CONFIG.values()) == shared
    render._FONT_CONFIG[-1] = render._FONT_CONFIG.pop(next(iter(render._FONT_CONFIG)))  # as if forked
    assert html_to_pdf(books["geo-rep-R01"], packaged=True)[0] == first
    assert list(render._FONT_CONFIG) == [os.getpid()] and render._FONT_CONFIG[os.getpid()] is not shared[0]


def test_a_weasyprint_that_sets_other_attributes_gets_the_ordinary_parser(
    books: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from territory.reporting import render

    monkeypatch.setattr(render, "_FAST_ATTRIBUTES", frozenset({"base_url"}))
    monkeypatch.setattr(render, "_FAST_PATH_FITS", [])
    source, sheets = _weasyprint_html(books["small-summary"], AssetFetcher(), True)
    assert sheets == [] and render._FAST_PATH_FITS == [False]
    monkeypatch.setattr(render, "_FAST_ATTRIBUTES", frozenset(vars(source)))
    monkeypatch.setattr(render, "_FAST_PATH_FITS", [])
    assert len(_weasyprint_html(books["small-summary"], AssetFetcher(), True)[1]) == 1
