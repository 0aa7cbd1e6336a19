"""Families and locks (issue 13, item 7).

Conflicting locks inside one family are an error naming both; the locks file reports the
right account and rows; a very deep parent chain is handled without recursion (families and
books); reasons are right for ids containing '::' and for a parent that moves because a
subsidiary is pinned.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

import territory
from territory.errors import InputError

from scenario_data import ROSTER, ROSTER_HEADER, write_csv

HEADER = ["account_id", "name", "region", "tier", "potential", "owner_id", "parent_id", "locked"]


def accounts(tmp_path: Path, rows: list[list[str]]) -> Path:
    """West and East accounts around the rows given (so the book has something to balance)."""
    base = [
        [f"W{i:02d}", f"West {i}", "West", str(1 + i % 3), str(100 + i), "R1" if i % 2 else "R2", "", "false"]
        for i in range(12)
    ] + [
        [f"E{i:02d}", f"East {i}", "East", str(1 + i % 3), str(100 + i), "R3" if i % 2 else "R4", "", "false"]
        for i in range(12)
    ]
    return write_csv(tmp_path / "accounts.csv", HEADER, rows + base)


def roster(tmp_path: Path) -> Path:
    return write_csv(tmp_path / "roster.csv", ROSTER_HEADER, ROSTER)


def load(tmp_path: Path, rows: list[list[str]], locks: str | None = None) -> territory.PlanInput:
    lock_path = None
    if locks is not None:
        lock_path = tmp_path / "locks.csv"
        lock_path.write_text(locks)
    return territory.load_input(
        accounts(tmp_path, rows), roster(tmp_path), territory.PlanConfig(), locks_path=lock_path
    )


FAMILY = [
    ["P1", "Parent", "West", "1", "500", "R1", "", "false"],
    ["C1", "Child", "West", "2", "300", "R2", "P1", "false"],
]


def test_family_locked_to_two_reps_by_the_locked_column(tmp_path: Path) -> None:
    rows = [r[:] for r in FAMILY]
    rows[0][7] = rows[1][7] = "true"  # each stays with its own owner: R1 and R2
    with pytest.raises(InputError) as e:
        load(tmp_path, rows)
    assert (
        "row 3, column 'locked': accounts of family P1 are locked to different reps: P1 (row 2) is locked "
        "to R1 by its locked column, C1 (row 3) is locked to R2 by its locked column (value: 'C1')"
    ) in str(e.value)
    assert "--set families.mode=free" in str(e.value)
    # Split families may be locked apart.
    territory.load_input(
        tmp_path / "accounts.csv",
        tmp_path / "roster.csv",
        territory.load_config(overrides=["families.mode=free"]),
    )


def test_family_locked_to_two_reps_by_the_locks_file(tmp_path: Path) -> None:
    with pytest.raises(InputError) as e:
        load(tmp_path, FAMILY, "account_id,rep_id\nP1,R1\nC1,R2\n")
    text = str(e.value)
    assert "accounts of family P1 are locked to different reps: P1 (row 2) is locked to R1 in " in text
    assert "C1 (row 3) is locked to R2 in " in text and "locks.csv" in text


def test_a_family_conflict_names_the_locks_files_rows(tmp_path: Path) -> None:
    """The accounts file's rows and the locks file's rows differ: both are named, apart."""
    with pytest.raises(InputError) as e:
        load(tmp_path, FAMILY, "account_id,rep_id\nW03,R1\nC1,R2\n\nP1,R1\n")
    lock_file = tmp_path / "locks.csv"
    assert (
        f"P1 (row 2) is locked to R1 in {lock_file} (its row 5), C1 (row 3) is locked to R2 in "
        f"{lock_file} (its row 3)"
    ) in str(e.value)


def test_locks_file_reports_the_right_account_and_rows(tmp_path: Path) -> None:
    """A repeated line, a blank line and a conflict: the conflict is W03's, on row 6."""
    locks = "account_id,rep_id\nW01,R1\nW01,R1\n\nW03,R2\nW03,R1\nNOPE,R1\n"
    with pytest.raises(InputError) as e:
        load(tmp_path, FAMILY, locks)
    text = str(e.value)
    assert (
        "row 6, column 'account_id': account is locked to R1 here and to R2 on row 5 (value: 'W03')" in text
    )
    assert "row 7, column 'account_id': account is not in the accounts file (value: 'NOPE')" in text
    assert "W01" not in text


def test_a_deep_parent_chain_needs_no_recursion(tmp_path: Path) -> None:
    """5,000 accounts each the parent of the next: one family, found without recursion, and
    the book lists it without recursion too."""
    from territory.reporting.context import AccountRow, _sections

    n = 5000
    rows = [
        [f"D{i:05d}", f"Deep {i}", "West", "1", "1", "R1", f"D{i - 1:05d}" if i else "", "false"]
        for i in range(n)
    ]
    inp = load(tmp_path, rows)
    fam = inp.accounts.set_index("account_id")["family_id"]
    assert fam[f"D{n - 1:05d}"] == "D00000"
    items = [
        (
            AccountRow(
                account_id=r[0],
                name=r[1],
                tier=1,
                industry="",
                employees=None,
                annual_revenue=None,
                location="",
                score=None,
                potential=1.0,
                why="",
                status="kept",
                is_new=False,
                depth=0,
                locked=False,
            ),
            r[6],
            "D00000",
        )
        for r in rows
    ]
    (section,) = _sections(items, has_score=False)
    assert [r.account_id for r in section.rows] == [r[0] for r in rows]
    assert section.rows[-1].depth == 3


def plan_rows(tmp_path: Path, rows: list[list[str]], locks: str | None = None) -> pd.DataFrame:
    inp = load(tmp_path, rows, locks)
    territory.write_plan(territory.solve_input(inp), tmp_path / "out")
    return pd.read_csv(tmp_path / "out" / "assignments.csv", dtype=str, keep_default_na=False).set_index(
        "account_id"
    )


def test_reasons_for_ids_containing_double_colons(tmp_path: Path) -> None:
    rows = [
        ["ACME::1", "Acme", "West", "1", "500", "R1", "", "true"],
        ["ACME::2", "Acme West", "West", "2", "300", "R1", "ACME::1", "false"],
    ]
    got = plan_rows(tmp_path, rows)
    assert got.loc["ACME::2", "family_id"] == "ACME::1"
    assert got.loc["ACME::2", "reason"] == "follows parent ACME::1; locked to R1"


def test_a_parent_moved_by_its_pinned_subsidiary_says_so(tmp_path: Path) -> None:
    got = plan_rows(tmp_path, FAMILY, "account_id,rep_id\nC1,R2\n")
    assert got.loc["C1", "owner_id"] == got.loc["P1", "owner_id"] == "R2"
    assert got.loc["C1", "reason"] == "locked to R2"
    assert got.loc["P1", "reason"] == "family follows C1, locked to R2, from R1"
