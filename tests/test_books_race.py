"""Books are never swapped into a plan folder that another run replaced while they rendered."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest_books import copy_fixture

from territory.errors import OutputError, RenderError
from territory.reporting import books


def test_books_of_a_replaced_plan_are_not_swapped_in(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """`territory books race` ran while `territory plan --out race` replaced the folder: the old
    plan's books (fingerprint 560754f5984e) ended in the new plan's books/ (77a6adffa5a0)."""
    plan = copy_fixture(tmp_path)
    real = books._render

    def render_then_replan(*args, **kw):  # type: ignore[no-untyped-def]
        result = real(*args, **kw)
        summary = json.loads((plan / "summary.json").read_text(encoding="utf-8"))
        summary["reps"][0]["accounts"] += 1  # another run's plan, written meanwhile
        (plan / "summary.json").write_text(json.dumps(summary), encoding="utf-8")
        return result

    monkeypatch.setattr(books, "_render", render_then_replan)
    before = sorted(p.name for p in plan.iterdir())
    with pytest.raises(RenderError) as e:
        books.render_books(plan, jobs=1)
    assert str(e.value) == (
        f"the plan in {plan} was replaced while its books were rendered (by another territory run), "
        f"so they were not written; run `territory books {plan}` again"
    )
    assert sorted(p.name for p in plan.iterdir()) == before  # no books/, no leftovers


def test_books_do_not_go_into_another_plan_s_folder(tmp_path: Path) -> None:
    """`territory books q1 --out q2/books` put q1's books in q2's folder, beside q2's plan."""
    q1 = copy_fixture(tmp_path / "a")
    q2 = copy_fixture(tmp_path / "b")
    summary = json.loads((q2 / "summary.json").read_text(encoding="utf-8"))
    summary["reps"][0]["accounts"] += 1
    (q2 / "summary.json").write_text(json.dumps(summary), encoding="utf-8")
    with pytest.raises(OutputError) as e:
        books.render_books(q1, q2 / "books", jobs=1, rep_ids=["R01"])
    assert str(e.value) == (
        f"{q2 / 'books'} is in the folder of another plan ({q2}), so the books of the plan in {q1} "
        f"would not match the plan beside them; write them elsewhere, e.g. {q1 / 'books'}"
    )
    assert not (q2 / "books").exists()
