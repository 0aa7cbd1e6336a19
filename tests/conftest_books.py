"""Helpers shared by the book tests (imported explicitly; not a pytest conftest).

``render_checked`` renders a context to PDF while collecting every record of the
"weasyprint" logger, and fails on any warning: WeasyPrint's own ``assert_no_logs`` idea.
"""

from __future__ import annotations

import datetime as dt
import io
import logging
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pypdf

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


@contextmanager
def assert_no_logs() -> Iterator[None]:
    """Fail if WeasyPrint logs any warning or error inside the block."""
    with weasyprint_logs() as records:
        yield
    bad = [r for r in records if r.levelno >= logging.WARNING]
    assert not bad, "WeasyPrint warned:\n" + "\n".join(r.getMessage() for r in bad)


def render_checked(context: Any, fetcher: AssetFetcher | None = None, env: Any = None) -> bytes:
    """Render ``context`` to PDF bytes; any WeasyPrint warning fails the test."""
    with assert_no_logs():
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
