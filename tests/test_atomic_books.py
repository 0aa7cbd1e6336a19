"""A `territory books` killed with SIGKILL part-way leaves every PDF complete or absent.

Run 1 renders the bundled example's books; run 2 (the same plan, so the same bytes with a
fixed --date) is killed at several moments. Each final-named PDF must then be the complete
file from run 1; stray ``.*.tmp`` files may remain but never under a final name.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from territory_cli.main import cli

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL is POSIX")
ROOT = Path(__file__).resolve().parents[1]


def _books_cmd(plan: Path, out: Path) -> list[str]:
    exe = Path(sys.executable).parent / "territory"
    return [str(exe), "books", str(plan), "--out", str(out), "--date", "2026-11-23", "-q", "--jobs", "2"]


def test_sigkill_during_books_leaves_complete_pdfs(tmp_path: Path) -> None:
    plan = tmp_path / "plan"
    r = CliRunner().invoke(
        cli,
        [
            "plan",
            str(ROOT / "examples/accounts.csv"),
            str(ROOT / "examples/roster.csv"),
            "--out",
            str(plan),
            "-q",
        ],
    )
    assert r.exit_code == 0, r.output
    out = tmp_path / "books"
    subprocess.run(_books_cmd(plan, out), check=True, capture_output=True, timeout=300)
    complete = {p.name: p.read_bytes() for p in out.glob("*.pdf")}
    assert len(complete) == 21 and all(
        b.startswith(b"%PDF") and b.rstrip().endswith(b"%%EOF") for b in complete.values()
    )
    for delay in (0.8, 2.5, 5.0):
        fresh = tmp_path / f"fresh-{delay}"
        for target in (out, fresh):  # over a previous output, and into an empty folder
            proc = subprocess.Popen(
                _books_cmd(plan, target),
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                start_new_session=True,
            )
            time.sleep(delay)
            # kill the whole process group: the parent and its render workers
            try:
                os.killpg(proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            proc.wait(timeout=30)
            for p in target.iterdir() if target.exists() else []:
                if p.suffix == ".pdf":
                    assert p.read_bytes() == complete[p.name], f"{p.name} is not the complete book"
                else:
                    assert p.name.startswith(".") and p.name.endswith(".tmp"), f"stray {p.name}"


def test_a_book_that_cannot_be_written_says_why_in_plain_words(tmp_path: Path, monkeypatch) -> None:
    """A full disk while a book is written: the reason, as the plan says it, not the name of
    an exception class ("OutputError: cannot write ...")."""
    from territory.errors import OutputError
    from territory.reporting import render

    def full(context, target, **kw):  # type: ignore[no-untyped-def]
        raise OutputError(f"cannot write {target}: the disk is full (no space left on device)", exit_code=1)

    monkeypatch.setattr(render, "render_pdf", full)
    out = tmp_path / "books"
    r = CliRunner().invoke(
        cli,
        [
            "books",
            str(ROOT / "tests/fixtures/plan_small"),
            "--out",
            str(out),
            "-j",
            "1",
            "-q",
            "--rep",
            "R01",
        ],
    )
    assert r.exit_code == 1
    assert r.output.endswith(
        f"\n  failed: rep-ana-ortiz-R01.pdf: cannot write {out}/rep-ana-ortiz-R01.pdf: the disk is full "
        "(no space left on device)\n"
    ), r.output
