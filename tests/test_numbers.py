"""Numeric account columns declared once (territory.io.numbers): any balance measure is read
with the rules and messages of potential."""

from __future__ import annotations

import pandas as pd

from territory.io.loading import parse_accounts
from territory.io.numbers import ACCOUNT_NUMBERS, POTENTIAL, measure_column


def frame(**cols: list[str]) -> pd.DataFrame:
    n = len(next(iter(cols.values())))
    return pd.DataFrame({"account_id": [f"A{i}" for i in range(n)], "tier": ["1"] * n, **cols}, dtype="str")


def messages(problems: list) -> list[str]:
    return [f"{p.severity}: row {p.row}, {p.column}: {p.message} | {p.hint}" for p in problems]


def test_a_measure_is_read_like_potential() -> None:
    raw = frame(arr=["1,200", "", "-5", "TBD", "$1.2M", "12%"], potential=["1", "2", "3", "4", "5", "6"])
    df, problems = parse_accounts(raw, "a.csv", measures=["arr"])
    assert df["arr"].tolist()[:2] == [1200.0, 0.0] and df["arr"].iat[4] == 1_200_000.0
    got = messages(problems)
    assert (
        "error: row 4, arr: 'arr' is negative | arr cannot be below 0; leave the cell empty if unknown" in got
    )
    assert any(m.startswith("error: row 5, arr: 'arr' is not a number") for m in got)
    assert any(m.startswith("error: row 7, arr: 'arr' is a percentage") for m in got)
    assert (
        "warning: row 3, arr: 1 account(s) have no arr; they count as 0 when balancing arr | "
        "fill in arr, or drop the column to balance on tiers only"
    ) in got


def test_a_measure_too_small_to_count_in_its_total() -> None:
    raw = frame(arr=["900000000000000", "0.000001"])
    _, problems = parse_accounts(raw, "a.csv", measures=["arr"])
    assert [p.message for p in problems] == [
        "1 arr(s) are too small to count next to the total of 900,000,000,000,000: a sum keeps "
        "about 15 significant digits"
    ]


def test_a_measure_the_file_lacks_is_named() -> None:
    _, problems = parse_accounts(frame(potential=["1"]), "a.csv", measures=["arr", "potential"])
    assert [(p.message, p.column) for p in problems] == [
        ("balance measure 'arr' is not a column of the accounts file", "arr")
    ]
    assert "columns found: account_id, tier, potential" in problems[0].hint


def test_potential_is_a_measure_of_the_contract() -> None:
    assert POTENTIAL in ACCOUNT_NUMBERS and POTENTIAL.measure
    m = measure_column("renewals_next_2q")
    assert m.measure and m.lo > 0 and not m.negative_ok and "renewals_next_2q" in m.negative_hint
