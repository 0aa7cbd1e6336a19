"""Books for reps at the extremes: no accounts at all, a pool of one rep."""

from __future__ import annotations

import json
from pathlib import Path

from conftest_books import GENERATED_ON
from test_geo_maps import plan_with_coordinates

from territory.reporting import build_rep_book, load_plan_dir, render_html


def test_a_rep_without_accounts_gets_no_empty_map(tmp_path: Path) -> None:
    """A rep who owns nothing had a whole page of an empty map of the US captioned '0 of 0
    accounts on the map, by tier; shaded: the 0 counties where you have accounts'."""
    d = plan_with_coordinates(tmp_path)
    summary = json.loads((d / "summary.json").read_text(encoding="utf-8"))
    empty = dict(summary["reps"][-1], rep_id="R99", name="Nobody Here", accounts=0, kept=0, moves_in=0)
    empty.update(moves_out=0, potential=0, tier_counts={k: 0 for k in empty["tier_counts"]})
    summary["reps"].append(empty)
    (d / "summary.json").write_text(json.dumps(summary), encoding="utf-8")
    plan = load_plan_dir(d)
    assert build_rep_book(plan, "R01", generated_on=GENERATED_ON).geo_map is not None
    ctx = build_rep_book(plan, "R99", generated_on=GENERATED_ON)
    assert ctx.geo_map is None
    assert "on the map" not in render_html(ctx)


def test_a_pool_of_one_rep_is_worded_in_the_singular(tmp_path: Path) -> None:
    """'The pool average is the plain average over those 1 rep': alone in the pool, the rep is told so."""
    from conftest_books import copy_fixture

    plan = load_plan_dir(copy_fixture(tmp_path))
    ctx = build_rep_book(plan, "R01", generated_on=GENERATED_ON)
    import dataclasses

    one = dataclasses.replace(ctx, pool=dataclasses.replace(ctx.pool, reps=1))
    html = render_html(one)
    assert "The pool average is your own book: you are the only rep in your pool." in html
    assert "those 1 rep" not in html
    many = render_html(dataclasses.replace(ctx, pool=dataclasses.replace(ctx.pool, reps=4)))
    assert "the plain average over those 4 reps, whatever their capacity" in many
