"""Jinja environment, number filters, the locked-down URL fetcher and atomic PDF writes.

WeasyPrint is imported lazily (``import territory`` stays fast and never loads it). The
only URLs a book may fetch are ``territory-asset:NAME`` for CSS and font files packaged in
``territory.report_templates``; everything else, ``file://`` and ``data:`` included, is
refused and recorded, so tests can assert nothing else was asked for.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import gc
import math
import os
import re
import time
import xml.etree.ElementTree as ElementTree
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import jinja2

from ..errors import RenderError
from ..io.writing import write_bytes

__all__ = [
    "ASSET_SCHEME",
    "AssetFetcher",
    "RenderStats",
    "make_environment",
    "render_html",
    "html_to_pdf",
    "is_packaged",
    "packaged_tree",
    "render_pdf",
    "write_atomic",
    "safe_filename",
    "FILTERS",
]

TEMPLATE_PACKAGE = "territory.report_templates"
ASSET_SCHEME = "territory-asset:"
PACKAGED_CSS = ASSET_SCHEME + "print.css"  # what base.html links
ASSET_TYPES = {
    ".css": "text/css",
    ".woff": "font/woff",
    ".woff2": "font/woff2",
    ".ttf": "font/ttf",
    ".otf": "font/otf",
}
NAME_LIMIT = 160  # characters of an account name shown before it is shortened


# --------------------------------------------------------------------------- filters


def _number(value: Any) -> float | None:
    if value is None or isinstance(value, bool):
        return None
    try:
        out = float(value)
    except (TypeError, ValueError):
        return None
    return out if math.isfinite(out) else None


def money(value: Any, dash: str = "\u2014") -> str:
    """1234567.8 -> '1,234,568'; no currency symbol (the plan does not record one)."""
    n = _number(value)
    return dash if n is None else f"{n:,.0f}"


def amount(value: Any, dash: str = "\u2014") -> str:
    """A measure's amount in its own units, as the terminal and summary sentences print it:
    1204000.0 -> '1,204,000', 12.5 -> '12.5'."""
    from ..plan_result import amount_text

    n = _number(value)
    return dash if n is None else amount_text(n)


def money_short(value: Any, dash: str = "\u2014") -> str:
    """1234567.8 -> '1.23M', 12345 -> '12.3k', 950 -> '950'."""
    n = _number(value)
    if n is None:
        return dash
    a = abs(n)
    for div, suffix in ((1e9, "B"), (1e6, "M"), (1e3, "k")):
        if a >= div:
            return f"{n / div:,.3g}{suffix}" if a < div * 1000 else f"{n / div:,.0f}{suffix}"
    return f"{n:,.0f}"


def pct(value: Any, digits: int = 1, signed: bool = False, dash: str = "\u2014") -> str:
    """0.0412 -> '4.1 %'; with ``signed`` -0.028 -> '-2.8 %'."""
    n = _number(value)
    if n is None:
        return dash
    text = f"{n * 100:+.{digits}f}" if signed else f"{n * 100:.{digits}f}"
    return text.replace("-", "\u2212") + "\u00a0%"


def int_commas(value: Any, dash: str = "\u2014") -> str:
    """12345.0 -> '12,345'."""
    n = _number(value)
    return dash if n is None else f"{round(n):,}"


def num(value: Any, digits: int = 2, dash: str = "\u2014") -> str:
    """A count or average without trailing zeros: 14.0 -> '14', 13.50 -> '13.5'."""
    n = _number(value)
    if n is None:
        return dash
    text = f"{n:,.{digits}f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def longdate(value: dt.date) -> str:
    """2026-11-23 -> '23 November 2026' (locale-independent)."""
    months = ("January February March April May June July August September October November December").split()
    return f"{value.day} {months[value.month - 1]} {value.year}"


def clip(value: Any, limit: int = NAME_LIMIT) -> str:
    """Shorten very long text (hostile or broken CRM data) so a cell stays on one page."""
    text = "" if value is None else str(value)
    if len(text) <= limit:
        return text
    return text[: limit - 1] + "\u2026"


# Direction controls (embeddings, overrides, isolates) in CRM text: dropped, as one U+202E in a
# name reversed the rest of its line ('potential 10,296' printed as '692,01'). Right-to-left
# text is then isolated (U+2068 ... U+2069), so it cannot pull the neutral text and numbers
# beside it ('<industry> · 99 employees') to its own side.
_BIDI_CONTROLS = re.compile("[\u202a-\u202e\u2066-\u2069]")
_RIGHT_TO_LEFT = re.compile(
    "[\u0590-\u08ff\u200f\ufb1d-\ufdff\ufe70-\ufefc\U00010800-\U00010fff\U0001e800-\U0001efff]"
)


def without_direction_controls(text: str) -> str:
    """``text`` without bidirectional embeddings, overrides and isolates (U+202A-U+202E,
    U+2066-U+2069): from CRM data they would reorder the text and numbers after them."""
    return _BIDI_CONTROLS.sub("", text)


def isolate_bidi(value: Any) -> Any:
    """Every ``{{ value }}`` of a template: text without direction controls, right-to-left
    text isolated; anything else (numbers, already-safe markup) as it is."""
    if not isinstance(value, str) or hasattr(value, "__html__"):
        return value
    text = without_direction_controls(value)
    return f"\u2068{text}\u2069" if _RIGHT_TO_LEFT.search(text) else text


FILTERS: dict[str, Callable[..., str]] = {
    "money": money,
    "money_short": money_short,
    "amount": amount,
    "pct": pct,
    "int_commas": int_commas,
    "num": num,
    "longdate": longdate,
    "clip": clip,
}


# --------------------------------------------------------------------------- environment


def make_environment(templates_dir: str | Path | None = None) -> jinja2.Environment:
    """The Jinja environment: packaged templates, optionally overridden by ``templates_dir``.

    Names in ``templates_dir`` win; ``default:NAME`` always reaches the packaged template,
    so a custom ``rep_book.html`` can ``{% extends "default:rep_book.html" %}``.
    """
    packaged = jinja2.PackageLoader(TEMPLATE_PACKAGE, ".")
    loaders: list[jinja2.BaseLoader] = []
    if templates_dir is not None:
        path = Path(templates_dir)
        if not path.is_dir():
            raise RenderError(f"{path}: templates directory not found")
        loaders.append(jinja2.FileSystemLoader(str(path)))
    loaders += [packaged, jinja2.PrefixLoader({"default": packaged}, delimiter=":")]
    env = jinja2.Environment(
        loader=jinja2.ChoiceLoader(loaders),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        auto_reload=False,
        finalize=isolate_bidi,
    )
    env.filters.update(FILTERS)
    return env


def is_packaged(env: jinja2.Environment) -> bool:
    """Whether ``env`` renders the packaged templates only (no ``templates_dir``)."""
    loader = env.loader
    return isinstance(loader, jinja2.ChoiceLoader) and not any(
        isinstance(part, jinja2.FileSystemLoader) for part in loader.loaders
    )


def render_html(context: Any, env: jinja2.Environment | None = None) -> str:
    """Render a context dataclass with its ``documented_template``; fields become names."""
    env = env or make_environment()
    template_name = type(context).documented_template
    names = {f.name: getattr(context, f.name) for f in dataclasses.fields(context)}
    try:
        return env.get_template(template_name).render(**names)
    except jinja2.TemplateError as e:
        lineno = getattr(e, "lineno", None)
        where = f" (line {lineno})" if lineno else ""
        raise RenderError(f"template {template_name}{where}: {e}") from e


# --------------------------------------------------------------------------- URL fetcher


class AssetFetcher:
    """A WeasyPrint ``url_fetcher`` that serves packaged CSS/fonts and refuses the rest.

    Every URL asked for is appended to ``requested``; refused ones also to ``refused``.
    """

    def __init__(self) -> None:
        self.requested: list[str] = []
        self.refused: list[str] = []
        self._root = resources.files(TEMPLATE_PACKAGE)
        self._allowed = {
            entry.name
            for entry in self._root.iterdir()
            if entry.is_file() and Path(entry.name).suffix.lower() in ASSET_TYPES
        }

    def resolve(self, url: str) -> tuple[bytes, str]:
        """(body, mime type) for an allowed asset URL; raises ``RenderError`` otherwise."""
        self.requested.append(url)
        name = url[len(ASSET_SCHEME) :] if url.startswith(ASSET_SCHEME) else None
        if name is None or name not in self._allowed:
            self.refused.append(url)
            # WeasyPrint turns this into a logged warning and leaves the resource out.
            raise RenderError(f"refused to fetch {url[:80]!r}: books only load packaged assets")
        return self._root.joinpath(name).read_bytes(), ASSET_TYPES[Path(name).suffix.lower()]

    def weasyprint_fetcher(self) -> Any:
        """This policy as a ``weasyprint.URLFetcher`` (WeasyPrint 70 requires that class)."""
        return _fetcher_class()(self)


_FETCHER_CLASS: Any = None


def _fetcher_class() -> Any:
    """Build the URLFetcher subclass on first use, so WeasyPrint stays a lazy import."""
    global _FETCHER_CLASS
    if _FETCHER_CLASS is None:
        from weasyprint.urls import URLFetcher, URLFetcherResponse

        class _LockedFetcher(URLFetcher):  # type: ignore[misc]
            # No urllib handlers at all (no file:, data:, http:); only fetch() below.
            def __init__(self, policy: AssetFetcher) -> None:
                super().__init__(allowed_protocols=(), allow_redirects=False)
                self.handlers: list[Any] = []
                self.handle_open: dict[str, Any] = {}
                self.policy = policy

            def fetch(self, url: str, headers: Any = None) -> Any:
                body, mime = self.policy.resolve(url)
                charset = "; charset=utf-8" if mime == "text/css" else ""
                return URLFetcherResponse(url, body, {"Content-Type": mime + charset})

            def open(self, url: Any, data: Any = None, timeout: Any = None) -> Any:
                return self.fetch(getattr(url, "full_url", url))

        _FETCHER_CLASS = _LockedFetcher
    return _FETCHER_CLASS


# --------------------------------------------------------------------------- PDF


@dataclass(frozen=True)
class RenderStats:
    """What one rendered book cost."""

    pages: int
    seconds_template: float
    seconds_layout: float
    seconds_write: float
    size: int


@contextmanager
def _gc_paused() -> Iterator[None]:
    """Pause Python's cyclic garbage collector while one book is laid out and written.

    WeasyPrint builds a large graph of boxes per book that is freed as a whole afterwards;
    the collector's repeated passes over it cost 15-20 % of the render time (measured on a
    250-account book: 0.84 s -> 0.71 s). Memory is reclaimed once the collector is back on.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


@contextmanager
def _fixed_font_timestamps() -> Iterator[None]:
    """Without HarfBuzz-subset (Debian: libharfbuzz-subset0) WeasyPrint subsets fonts with
    fontTools, which stamps each subset with the current time, so two renders of one book
    differed. fontTools honours SOURCE_DATE_EPOCH (the reproducible-builds convention); it is
    set for the render unless the caller set it already."""
    if "SOURCE_DATE_EPOCH" in os.environ:
        yield
        return
    os.environ["SOURCE_DATE_EPOCH"] = "0"
    try:
        yield
    finally:
        os.environ.pop("SOURCE_DATE_EPOCH", None)


_SVG = "{http://www.w3.org/2000/svg}"
_XMLNS = "{http://www.w3.org/2000/xmlns/}xmlns"
_VOID = re.compile(r"<(meta|link|col|br|img|hr|wbr)\b([^<>]*?)\s*/?>")


def packaged_tree(html: str) -> ElementTree.Element | None:
    """The document tree of a book made from the packaged templates, parsed with expat.

    WeasyPrint parses HTML with tinyhtml5, a pure-Python HTML5 parser: about 50 ms of a
    1.1 s rep book and 100 ms of a manager roll-up. The packaged templates write well-formed
    markup (every element closed except the void ones, no named entities; the data in it is
    escaped by Jinja), so the XML parser in the standard library reads it in 2-3 ms once the
    void elements are closed. The tree is made to match tinyhtml5's to the last whitespace
    (tests/test_books_parse.py compares them for every kind of book): SVG elements in the
    SVG namespace, no text before <head>, what follows </body> moved into the body.
    ``None`` when the markup is not XML (a control character, a lone surrogate or an entity
    in the data): the caller then lets WeasyPrint parse it as HTML. Custom templates never
    come here (``is_packaged``): XML that is not the HTML they mean, such as a table without
    <tbody>, would parse without an error into another tree.
    """
    try:
        root = ElementTree.fromstring(_VOID.sub(r"<\1\2/>", html))
    except (ElementTree.ParseError, ValueError):  # ValueError: a lone surrogate
        return None
    body = root.find("body")
    if root.tag != "html" or root.find("head") is None or body is None:
        return None

    def adopt_svg(element: ElementTree.Element, inside: bool) -> None:
        if element.tag == _SVG + "svg" and not inside:
            element.set(_XMLNS, "http://www.w3.org/2000/svg")  # as tinyhtml5 records it
            inside = True
        elif element.tag == "svg":
            inside = True
        if inside and not element.tag.startswith("{"):
            element.tag = _SVG + element.tag
        for child in element:
            adopt_svg(child, inside)

    adopt_svg(root, False)
    root.text = None
    tail, body.tail = body.tail or "", None
    if tail and len(body):
        body[-1].tail = (body[-1].tail or "") + tail
    elif tail:
        body.text = (body.text or "") + tail
    return root


# The packaged stylesheet, parsed once per process: {css text: weasyprint.CSS}
_PARSED_CSS: dict[str, Any] = {}


def _packaged_stylesheet(root: ElementTree.Element, fetcher: AssetFetcher) -> list[Any]:
    """Take the packaged stylesheet's ``<link>`` out of the tree and return it parsed.

    Parsing print.css and indexing its selectors cost about 3 % of a rep book, the same work
    for every book. The CSS is still fetched through ``fetcher`` (so the fetch policy applies
    and ``requested`` says what a book used) and parsed again only when its text changes.
    Only when the link is the first stylesheet of <head>: WeasyPrint applies stylesheets
    passed to ``render`` at the "user" origin, below every author stylesheet, which is where
    a first stylesheet stands when nothing in it conflicts with the ``<style>`` after it
    (the page size); tests/test_books_parse.py checks the PDFs are the same.
    """
    import weasyprint

    head = root.find("head")
    assert head is not None  # packaged_tree checked
    first = next((e for e in head if e.tag in ("link", "style")), None)
    href = first.get("href", "") if first is not None else ""
    if first is None or first.tag != "link" or first.get("rel") != "stylesheet" or href != PACKAGED_CSS:
        return []
    body, _ = fetcher.resolve(href)
    text = body.decode("utf-8")
    css = _PARSED_CSS.get(text)
    if css is None:
        css = weasyprint.CSS(string=text, url_fetcher=fetcher.weasyprint_fetcher(), media_type="print")
        _PARSED_CSS.clear()
        _PARSED_CSS[text] = css
    head.remove(first)
    return [css]


# One FontConfiguration per process, by pid: a forked worker makes its own.
_FONT_CONFIG: dict[int, Any] = {}


def _shared_font_config() -> Any:
    """The process's ``weasyprint.text.fonts.FontConfiguration`` for packaged books.

    WeasyPrint makes a new one per document unless given one: a new Pango font map whose
    fonts fontconfig finds again for every book (about 2.4 % of a rep book's instructions).
    The packaged stylesheet has no @font-face, so the configuration holds nothing a book
    adds; the PDFs are byte-identical (tests/test_books_parse.py)."""
    from weasyprint.text.fonts import FontConfiguration

    pid = os.getpid()
    if pid not in _FONT_CONFIG:
        _FONT_CONFIG.clear()
        _FONT_CONFIG[pid] = FontConfiguration()
    return _FONT_CONFIG[pid]


_FAST_ATTRIBUTES = frozenset({"base_url", "url_fetcher", "media_type", "wrapper_element", "etree_element"})
_FAST_PATH_FITS: list[bool] = []  # once per process: does this WeasyPrint set those attributes?


def _fast_path_fits() -> bool:
    """Whether ``weasyprint.HTML.__init__`` of the installed release sets exactly the
    attributes ``_weasyprint_html`` sets; checked once per process on a one-line document,
    so a release that changes them gets the ordinary (slower) path, not broken books."""
    if not _FAST_PATH_FITS:
        import weasyprint

        try:
            probe = weasyprint.HTML(string="<p>x</p>", base_url=None)
            _FAST_PATH_FITS.append(set(vars(probe)) == _FAST_ATTRIBUTES)
        except Exception:  # pragma: no cover - a release whose HTML() differs
            _FAST_PATH_FITS.append(False)
    return _FAST_PATH_FITS[0]


def _weasyprint_html(html: str, fetcher: AssetFetcher, packaged: bool) -> tuple[Any, list[Any]]:
    """A ``weasyprint.HTML`` of ``html`` and the stylesheets to pass to its ``render``: from
    ``packaged_tree`` when ``packaged`` and the markup is XML, else parsed by WeasyPrint. The
    first sets the attributes that ``HTML.__init__`` sets after parsing (as in WeasyPrint 70;
    tests/test_books_parse.py checks they are still the same ones)."""
    import cssselect2
    import weasyprint

    fetch = fetcher.weasyprint_fetcher()
    root = packaged_tree(html) if packaged and _fast_path_fits() else None
    if root is None:
        return weasyprint.HTML(string=html, base_url=None, url_fetcher=fetch), []
    stylesheets = _packaged_stylesheet(root, fetcher)
    document = weasyprint.HTML.__new__(weasyprint.HTML)
    document.base_url = None  # the templates have no <base>
    document.url_fetcher = fetch
    document.media_type = "print"
    document.wrapper_element = cssselect2.ElementWrapper.from_html_root(root, content_language=None)
    document.etree_element = document.wrapper_element.etree_element
    return document, stylesheets


def html_to_pdf(
    html: str, fetcher: AssetFetcher | None = None, *, packaged: bool = False
) -> tuple[bytes, int, float, float]:
    """Lay out ``html`` and write the PDF: (pdf bytes, pages, layout s, write s).

    ``packaged``: the HTML comes from the packaged templates only (see ``packaged_tree``).
    """
    import weasyprint  # noqa: F401  - lazy: costs ~0.5 s; imported once per worker process

    with _gc_paused(), _fixed_font_timestamps():
        t0 = time.perf_counter()
        source, stylesheets = _weasyprint_html(html, fetcher or AssetFetcher(), packaged)
        fonts = _shared_font_config() if stylesheets else None  # only with the packaged stylesheet
        document = source.render(stylesheets=stylesheets, font_config=fonts)
        t1 = time.perf_counter()
        # the PDF identifier is derived from the content by pydyf and the creation date comes
        # from the <meta name="dcterms.created"> we print, so the same inputs give the same bytes
        data = document.write_pdf()
        t2 = time.perf_counter()
        pages = len(document.pages)
        # Drop the box graph while the collector is still paused: the first collection then
        # finds it as garbage and frees it in one pass. Still referenced when the collector
        # resumed, it was scanned alive, moved to an older generation and scanned again
        # when that one was collected (about 5 % of a rep book's time).
        del document
    assert isinstance(data, bytes)
    return data, pages, t1 - t0, t2 - t1


def write_atomic(path: str | Path, data: bytes) -> None:
    """Write ``data`` to a temp file in the same directory, fsync, then rename (see
    ``territory.io.writing.atomic_path``)."""
    write_bytes(data, path)


def render_pdf(
    context: Any,
    path: str | Path | None = None,
    *,
    env: jinja2.Environment | None = None,
    fetcher: AssetFetcher | None = None,
) -> tuple[bytes, RenderStats]:
    """Render a context to PDF bytes, and write them atomically to ``path`` when given."""
    t0 = time.perf_counter()
    env = env or make_environment()
    html = render_html(context, env)
    t1 = time.perf_counter()
    try:
        data, pages, t_layout, t_write = html_to_pdf(html, fetcher, packaged=is_packaged(env))
    except RenderError:
        raise
    except Exception as e:  # WeasyPrint/pango failures become our error with the cause
        raise RenderError(f"layout failed: {type(e).__name__}: {e}") from e
    if path is not None:
        write_atomic(path, data)
    return data, RenderStats(pages, t1 - t0, t_layout, t_write, len(data))


def safe_filename(text: str, limit: int = 80) -> str:
    """An id made safe for a file name: letters, digits, '.', '_' and '-' only."""
    out = "".join(c if (c.isascii() and (c.isalnum() or c in "._-")) else "_" for c in text)
    out = out.strip(".")[:limit] or "_"
    return out
