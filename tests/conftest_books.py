"""Helpers shared by the book tests (imported explicitly; not a pytest conftest).

``render_checked`` renders a context to PDF while collecting every record of the
"weasyprint" logger, and fails on any warning: WeasyPrint's own ``assert_no_logs`` idea.

Two optional system packages change what WeasyPrint can do, and the tests must pass without
them (the README's `pip install -e '.[test]' && pytest -q` on a fresh machine):

- without HarfBuzz-subset (Debian: libharfbuzz-subset0), WeasyPrint subsets fonts with
  fontTools and warns "Using fontTools instead of HarfBuzz-Subset" for every font. The PDF
  says the same; that one warning is tolerated, and the test that wants a warning-free
  render skips (``skip_without_harfbuzz_subset``);
- without a CJK font (Debian: fonts-wqy-microhei), Chinese and Japanese names print as
  boxes and WeasyPrint warns once per character; those warnings are tolerated for characters
  no installed font covers, and assertions on such text skip (``skip_without_cjk_font``).
"""

from __future__ import annotations

import datetime as dt
import io
import logging
import re
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pypdf
import pytest

from territory.reporting.fonts import installed_coverage, uncovered
from territory.reporting.render import AssetFetcher, make_environment, render_pdf

FIXTURE = Path(__file__).parent / "fixtures" / "plan_small"
GENERATED_ON = dt.date(2026, 11, 23)


class _Collect(logging.Handler):
    def __init__(self) -> None:
        super().__init__(level=logging.DEBUG)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


@contextmanager
def weasyprint_logs() -> Iterator[list[logging.LogRecord]]:
    """Collect the records logged by WeasyPrint inside the block."""
    logger = logging.getLogger("weasyprint")
    handler = _Collect()
    old_level = logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG)
    try:
        yield handler.records
    finally:
        logger.removeHandler(handler)
        logger.setLevel(old_level)


HARFBUZZ_SUBSET_PACKAGE = "libharfbuzz-subset0"
CJK_FONT_PACKAGE = "fonts-wqy-microhei"
# The one warning WeasyPrint gives without HarfBuzz-subset (once per font and PDF).
NO_HARFBUZZ_SUBSET = re.compile(r"^Using fontTools instead of HarfBuzz-Subset for font ")
# The warning WeasyPrint gives for every character no font has (an empty box in the PDF).
NO_GLYPH = re.compile(r"^\.notdef glyph rendered for Unicode string unsupported by fonts: ")


def _tolerated(message: str) -> bool:
    """A warning that only says an optional system package is missing: no HarfBuzz-subset,
    or a character that no installed font covers (``territory books`` says that once)."""
    if NO_HARFBUZZ_SUBSET.match(message):
        return True
    if NO_GLYPH.match(message):
        coverage = installed_coverage()
        chars = [chr(int(h, 16)) for h in re.findall(r"U\+([0-9A-Fa-f]+)", message)]
        return coverage is not None and bool(chars) and uncovered(chars, coverage) == sorted(set(chars))
    return False


def has_harfbuzz_subset() -> bool:
    """Whether WeasyPrint found HarfBuzz-subset >= 4.1 (else it subsets with fontTools)."""
    from weasyprint.pdf import fonts

    return bool(fonts.harfbuzz_subset) and bool(fonts.harfbuzz.hb_version_atleast(4, 1, 0))


def has_cjk_font(sample: str = "北京科技有限公司株式会社テスト") -> bool:
    """Whether an installed font covers ``sample`` (unknown without fontconfig: assume so)."""
    coverage = installed_coverage()
    return coverage is None or not uncovered(sample, coverage)


def skip_without_harfbuzz_subset() -> None:
    if not has_harfbuzz_subset():
        pytest.skip(
            f"needs HarfBuzz-subset (Debian/Ubuntu: apt install {HARFBUZZ_SUBSET_PACKAGE}); "
            "without it WeasyPrint warns for every font"
        )


def skip_without_cjk_font(why: str = "") -> None:
    if not has_cjk_font():
        pytest.skip(f"needs a CJK font (Debian/Ubuntu: apt install {CJK_FONT_PACKAGE}){why}")


@contextmanager
def assert_no_logs(strict: bool = False) -> Iterator[None]:
    """Fail if WeasyPrint logs any warning or error inside the block; unless ``strict``, the
    warnings of a machine without the optional packages (``_tolerated``) are let through."""
    with weasyprint_logs() as records:
        yield
    bad = [r for r in records if r.levelno >= logging.WARNING and (strict or not _tolerated(r.getMessage()))]
    assert not bad, "WeasyPrint warned:\n" + "\n".join(r.getMessage() for r in bad)


def render_checked(
    context: Any, fetcher: AssetFetcher | None = None, env: Any = None, strict: bool = False
) -> bytes:
    """Render ``context`` to PDF bytes; any WeasyPrint warning fails the test (see
    ``assert_no_logs`` for the one tolerated unless ``strict``)."""
    with assert_no_logs(strict):
        data, _ = render_pdf(context, None, env=env or make_environment(), fetcher=fetcher)
    return data


def pdf_pages_text(data: bytes) -> list[str]:
    reader = pypdf.PdfReader(io.BytesIO(data))
    return [page.extract_text() or "" for page in reader.pages]


def pdf_text(data: bytes) -> str:
    return "\n".join(pdf_pages_text(data))


def copy_fixture(dest: Path) -> Path:
    """A writable copy of tests/fixtures/plan_small."""
    target = dest / "plan"
    shutil.copytree(FIXTURE, target)
    return target
