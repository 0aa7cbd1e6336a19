"""Numeric account columns declared once (territory.io.numbers): any balance measure is read
by the one reader plans use (territory.model.measures.prepare_measures) with the rules and
messages of potential."""

from __future__ import annotations

import pandas as pd

from territory.config import load_config
from territory.io.loading import parse_accounts
from territory.io.numbers import ACCOUNT_NUMBERS, POTENTIAL, measure_column
from territory.model.measures import prepare_measures


def frame(**cols: list[str]) -> pd.DataFrame:
    n = len(next(iter(cols.values())))
    return pd.DataFrame({"account_id": [f"A{i}" for i in range(n)], "tier": ["1"] * n, **cols}, dtype="str")


def messages(problems: list) -> list[str]:
    return [f"{p.severity}: row {p.row}, {p.column}: {p.message} | {p.hint}" for p in problems]


def measures(raw: pd.DataFrame, *names: str) -> tuple[pd.DataFrame, list]:
    """The accounts as a plan reads them, with ``names`` balanced."""
    df, problems = parse_accounts(raw, "a.csv")
    cfg = load_config(None, [f"balance.measures.{n}.band=0.1" for n in names])
    out, more = prepare_measures(df, cfg, "a.csv")
    return out, problems + more


def test_a_measure_is_read_like_potential() -> None:
    raw = frame(ARR=["1,200", "", "-5", "TBD", "$1.2M", "12%"], potential=["1", "2", "3", "4", "5", "6"])
    df, problems = measures(raw, "arr")
    assert df["arr"].tolist()[:2] == [1200.0, 0.0] and df["arr"].iat[4] == 1_200_000.0
    got = messages(problems)
    assert (
        "error: row 4, ARR: 'ARR' is negative | arr is balanced across reps, so it cannot be below 0; "
        "leave the cell empty if unknown"
    ) in got
    assert any(m.startswith("error: row 5, ARR: 'ARR' is not an amount") for m in got)
    assert any(m.startswith("error: row 7, ARR: 'ARR' is a percentage, not an amount") for m in got)
    assert (
        "warning: row 3, ARR: 1 account(s) have no ARR; they count as 0 when balancing arr | "
        "fill in ARR, or remove [balance.measures.arr] to stop balancing it"
    ) in got


def test_a_measure_out_of_range_is_named() -> None:
    _, problems = measures(frame(arr=["5", "2e15", "0.0000001"]), "arr")
    assert messages(problems) == [
        "error: row 3, arr: 'arr' is outside the allowed range: 0.000001 to 1,000,000,000,000,000 (or 0) "
        "| arr is money (or points): 0 or more, at most a quadrillion",
        "error: row 4, arr: 'arr' is outside the allowed range: 0.000001 to 1,000,000,000,000,000 (or 0) "
        "| arr is money (or points): 0 or more, at most a quadrillion",
    ]


def test_a_measure_too_small_to_count_in_its_total() -> None:
    _, problems = measures(frame(arr=["900000000000000", "0.000001"]), "arr")
    assert [p.message for p in problems] == [
        "1 arr(s) are too small to count next to the total of 900,000,000,000,000: a sum keeps "
        "about 15 significant digits"
    ]


def test_a_measure_the_file_lacks_is_named() -> None:
    _, problems = measures(frame(potential=["1"], pipeline=["5"]), "arr", "potential")
    assert [(p.message, p.column) for p in problems] == [
        ("balance.measures lists 'arr', but the accounts have no column 'arr'", "arr")
    ]
    assert problems[0].hint.endswith("numeric columns found: potential, pipeline")


def test_potential_is_a_measure_of_the_contract() -> None:
    assert POTENTIAL in ACCOUNT_NUMBERS and POTENTIAL.measure == "potential"
    m = measure_column("renewals_next_2q", "Renewals next 2Q")
    assert m.name == "Renewals next 2Q" and m.measure == "renewals_next_2q" and m.lo > 0
    assert not m.negative_ok and "renewals_next_2q" in m.negative_hint
