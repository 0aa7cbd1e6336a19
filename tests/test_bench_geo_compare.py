"""bench/geo_compare.py's own helpers: shared accounts, matching, moves and the metrics.

The regionalisation libraries (spopt, GerryChain) are not needed; the matching needs scipy
(in the optional extra bench-geo), so its tests skip without it.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import numpy as np
import pytest

from territory.geo.territories import unit_graph

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def gc() -> ModuleType:
    spec = importlib.util.spec_from_file_location("bench_geo_compare", ROOT / "bench" / "geo_compare.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules["bench_geo_compare"] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


def west(gc):
    """CA - OR - WA (a path: WA does not touch CA), one region, two reps. Today R1 (rep 0)
    holds CA and WA, R2 (rep 1) holds OR; two tier-1 accounts of potential 100 per state."""
    g = unit_graph("state", {"WA", "OR", "CA"})
    assert g.ids == ("CA", "OR", "WA")
    acc_unit = np.array([0, 0, 1, 1, 2, 2])
    return gc.Instance(
        graph=g,
        unit_region=np.array(["West"] * 3, dtype=object),
        unit_tiers=np.array([[2, 0, 0], [2, 0, 0], [2, 0, 0]]),
        unit_potential=np.array([200.0, 200.0, 200.0]),
        acc_unit=acc_unit,
        acc_owner=np.array([0, 0, 1, 1, 0, 0]),
        acc_tier=np.ones(6, dtype=np.int64),
        acc_potential=np.full(6, 100.0),
        rep_ids=("R1", "R2"),
        rep_region=np.array(["West", "West"], dtype=object),
    )


def test_unit_owner_counts_and_shared_accounts(gc) -> None:
    inst = west(gc)
    counts = inst.unit_owner_counts(np.arange(3), np.arange(2))
    assert counts.tolist() == [[2, 0], [0, 2], [2, 0]]
    # library territory 0 = WA, territory 1 = CA + OR
    assert gc.shared_accounts(np.array([1, 1, 0]), counts, 2).tolist() == [[2, 0], [2, 2]]


def test_evaluate_counts_moves_balance_and_split_territories(gc) -> None:
    inst = west(gc)
    today = gc.evaluate(inst, np.array([0, 1, 0]))
    assert today["moves"] == 0
    assert today["territories_split"] == 1  # R1: CA and WA do not touch
    assert today["max_potential_deviation"] == pytest.approx(1 / 3)  # 400 against a fair 300
    assert today["reps_outside_potential_band"] == 2
    moved = gc.evaluate(inst, np.array([0, 0, 1]))  # R1: CA + OR, R2: WA
    assert moved["moves"] == 4 and moved["moved_share"] == pytest.approx(4 / 6)
    assert moved["territories_split"] == 0
    assert moved["max_tier_deviation"]["1"] == pytest.approx(1 / 3)
    assert moved["compactness_km"] > 0


def test_fair_shares_split_each_region_over_its_reps(gc) -> None:
    fair_tier, fair_pot = gc.fair_shares(west(gc))
    assert fair_tier.tolist() == [[3, 0, 0], [3, 0, 0]]
    assert fair_pot.tolist() == [300.0, 300.0]


def test_matching_keeps_most_accounts_with_their_owner(gc) -> None:
    pytest.importorskip("scipy", reason="scipy (pip install -e '.[bench-geo]') does the matching")
    inst = west(gc)
    labels = np.array([1, 1, 0])  # territory 0 = WA, territory 1 = CA + OR
    shared = gc.shared_accounts(labels, inst.unit_owner_counts(np.arange(3), np.arange(2)), 2)
    match = gc.match_reps(shared)
    assert match.tolist() == [0, 1]  # WA to R1 and CA + OR to R2 keep 4; the other way 2
    assert gc.kept_after_matching(shared, match) == 4
    owner, notes = gc.owner_from_labels(inst, {"West": labels})
    assert owner.tolist() == [1, 1, 0]
    assert notes == {"territories": 2, "reps": 2}
    assert gc.evaluate(inst, owner)["moves"] == 2


def test_more_territories_than_reps_leave_one_without_a_rep(gc) -> None:
    pytest.importorskip("scipy", reason="scipy (pip install -e '.[bench-geo]') does the matching")
    shared = np.array([[5, 0], [0, 1], [0, 4]])
    match = gc.match_reps(shared)
    assert match.tolist() == [0, -1, 1]
    assert gc.kept_after_matching(shared, match) == 9


def test_missing_libraries_name_the_pip_command(gc, monkeypatch, capsys) -> None:
    monkeypatch.setattr(gc, "NEEDS", {**gc.NEEDS, "skater": ("no_such_package_for_territory",)})
    assert gc.missing_packages(["territory", "skater"]) == ["no_such_package_for_territory"]
    monkeypatch.setattr(gc, "missing_packages", lambda tools: ["gerrychain", "spopt"])
    monkeypatch.setattr(sys, "argv", ["geo_compare.py", "--tools", "skater,gerrychain"])
    assert gc.main() == 2
    err = capsys.readouterr().err
    assert err == (
        "bench/geo_compare.py needs gerrychain, spopt for skater, gerrychain; install the optional "
        "libraries with:\n    pip install -e '.[bench-geo]'\n(or run only --tools territory)\n"
    )
