"""Loaders against hostile files (issue 13, item 6): refused before reading, or read right.

NUL anywhere, pipes and devices, files over ``inputs.max_file_mb``, XLSX zip bombs and
formulas without saved results, repeated and look-alike headers, columns named like the
tool's own, Parquet ids and binary columns, report footers that are really accounts.
"""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import territory
from territory.errors import InputError
from territory.io.loading import parse_accounts, read_table
from territory.io.presets import prepare_raw_accounts, salesforce_id18
from territory.io.sheets import ReadLimits

from corpus_generators import write_xlsx
from scenario_data import ACCOUNT_HEADER, ROSTER, ROSTER_HEADER, account_rows, write_csv, write_inputs

HEADER = "account_id,name,tier,region,potential,owner_id\n"


def problems_of(path: Path, **kw: object) -> str:
    with pytest.raises(InputError) as e:
        read_table(path, **kw)  # type: ignore[arg-type]
    return str(e.value)


# --------------------------------------------------------------------------- NUL, pipes, size


def test_nul_far_into_the_file_is_refused(tmp_path: Path) -> None:
    rows = "".join(f"A{i:05d},Company {i},1,West,100,R1\n" for i in range(4000))  # ~130 kB
    p = tmp_path / "a.csv"
    p.write_bytes((HEADER + rows).encode() + b"A99999,Bad\x00Name,1,West,100,R1\n")
    text = problems_of(p)
    assert "row 4002: contains NUL bytes (binary data) on line 4002" in text


def test_nul_in_utf16_text_is_refused(tmp_path: Path) -> None:
    p = tmp_path / "a.csv"
    p.write_bytes((HEADER + "A1,Bo\x00b,1,West,100,R1\n").encode("utf-16"))
    assert "row 2: contains NUL bytes (binary data) on line 2" in problems_of(p)


def _alarm(seconds: int) -> None:
    def boom(signum: int, frame: object) -> None:
        raise TimeoutError("the loader blocked")

    signal.signal(signal.SIGALRM, boom)
    signal.alarm(seconds)


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no named pipes on this system")
def test_a_named_pipe_is_refused_without_blocking(tmp_path: Path) -> None:
    fifo = tmp_path / "accounts.csv"
    os.mkfifo(fifo)
    _alarm(5)
    try:
        text = problems_of(fifo)
    finally:
        signal.alarm(0)
    assert "is a named pipe (FIFO), not a file: territory reads files only" in text


@pytest.mark.skipif(not Path("/dev/zero").exists(), reason="no /dev/zero")
def test_dev_zero_is_refused_without_reading() -> None:
    _alarm(5)
    try:
        text = problems_of(Path("/dev/zero"))
    finally:
        signal.alarm(0)
    assert "/dev/zero:\n  - is a device, not a file" in text


def test_a_file_over_the_limit_is_refused_before_reading(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    p = tmp_path / "a.csv"
    p.write_text(HEADER + "A1,x,1,West,100,R1\n" * 80_000)  # 1.5 MB
    monkeypatch.setattr(pd, "read_csv", lambda *a, **k: pytest.fail("read the file"))
    text = problems_of(p, limits=ReadLimits(max_bytes=1_000_000))
    assert "is 1.5 MB, more than the 1 MB an input file may hold (inputs.max_file_mb)" in text
    assert "--set inputs.max_file_mb=2" in text


def test_the_file_limit_is_a_setting(tmp_path: Path) -> None:
    a, r = write_inputs(tmp_path)
    with pytest.raises(InputError) as e:
        territory.load_input(a, r, territory.load_config(overrides=["inputs.max_rows=10"]))
    assert "holds more than the 10 rows an input file may hold (inputs.max_rows)" in str(e.value)
    assert territory.load_input(a, r, territory.load_config(overrides=["inputs.max_rows=48"]))


# --------------------------------------------------------------------------- XLSX

GOOD = [["account_id", "name", "tier", "potential"], ["A1", "Acme", "1", "100"], ["A2", "Bolt", "2", "200"]]


def test_a_hand_written_workbook_reads(tmp_path: Path) -> None:
    df = read_table(write_xlsx(tmp_path / "a.xlsx", GOOD))
    assert df.columns.tolist() == GOOD[0] and df["name"].tolist() == ["Acme", "Bolt"]


def test_a_declared_million_rows_is_refused_at_once(tmp_path: Path) -> None:
    p = write_xlsx(tmp_path / "a.xlsx", GOOD, dimension="A1:D6000001")
    t0 = time.perf_counter()
    text = problems_of(p)
    assert time.perf_counter() - t0 < 1.0
    assert "holds 6,000,000 rows, more than the 5,000,000 an input file may hold (inputs.max_rows)" in text


def test_a_small_workbook_that_unzips_to_many_rows_is_refused_quickly(tmp_path: Path) -> None:
    """No dimension to trust: the rows are counted while unzipping, and the count stops
    at the limit (openpyxl would parse every row first)."""
    p = write_xlsx(tmp_path / "a.xlsx", GOOD, extra_rows=60_000)
    assert p.stat().st_size < 400_000
    t0 = time.perf_counter()
    text = problems_of(p, limits=ReadLimits(max_rows=10_000))
    assert time.perf_counter() - t0 < 2.0
    assert "holds more than the 10,000 rows an input file may hold (inputs.max_rows)" in text


def test_a_workbook_that_unzips_past_the_size_limit_is_refused(tmp_path: Path) -> None:
    p = write_xlsx(tmp_path / "a.xlsx", GOOD, extra_rows=40_000)  # ~2.5 MB of XML
    text = problems_of(p, limits=ReadLimits(max_bytes=1_000_000))
    assert "unzips to 2.8 MB, more than the 1 MB an input file may hold (inputs.max_file_mb)" in text


def test_formulas_without_a_saved_result_are_reported_not_read_as_empty(tmp_path: Path) -> None:
    rows = [
        ["account_id", "name", "tier", "potential"],
        ["A1", "Acme", "1", "=SUM(100,200)|300"],  # saved result: read as 300
        ["A2", "Bolt", "2", "=B9*2"],  # no saved result
    ]
    df = read_table(write_xlsx(tmp_path / "a.xlsx", rows))
    (p,) = df.attrs["problems"]
    assert p.format() == (
        "row 3, column 'potential': cell D3 holds a formula with no saved result, so its value is unknown "
        "(value: '=B9*2')\n    hint: the file was written by a program that saves formulas without their "
        "results; open it in Excel or LibreOffice and save it (they compute and store the results), or "
        "paste the values over the formulas"
    )
    assert df["potential"].iat[0] == "300"


def test_openpyxl_formulas_are_reported(tmp_path: Path) -> None:
    openpyxl = pytest.importorskip("openpyxl")
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["account_id", "tier", "potential"])
    ws.append(["A1", 1, "=10*10"])
    wb.save(tmp_path / "a.xlsx")
    _, problems = parse_accounts(read_table(tmp_path / "a.xlsx"), "a.xlsx")
    assert [p.message for p in problems] == [
        "cell C2 holds a formula with no saved result, so its value is unknown"
    ]


# --------------------------------------------------------------------------- headers


def test_revenue_and_revenue_2024_are_two_columns(tmp_path: Path) -> None:
    p = tmp_path / "a.csv"
    p.write_text("account_id,tier,revenue,revenue.2024\nA1,1,100,200\n")
    df, problems = parse_accounts(read_table(p), str(p))
    assert not problems
    assert df["annual_revenue"].tolist() == [100.0] and df["revenue.2024"].tolist() == ["200"]


def test_a_repeated_header_names_both_positions(tmp_path: Path) -> None:
    p = tmp_path / "a.csv"
    p.write_text("account_id,tier,revenue,region,revenue\nA1,1,100,West,200\n")
    _, problems = parse_accounts(read_table(p), str(p))
    (e,) = [q for q in problems if q.severity == "error"]
    assert e.message == "column 'revenue' appears more than once: columns 3 (C) and 5 (E)"


def test_a_repeated_header_in_a_workbook_names_both_positions(tmp_path: Path) -> None:
    rows = [["account_id", "tier", "x", "x"], ["A1", "1", "a", "b"]]
    (e,) = read_table(write_xlsx(tmp_path / "a.xlsx", rows)).attrs["problems"]
    assert e.message == "column 'x' appears more than once: columns 3 (C) and 4 (D)"


def test_columns_named_like_the_tools_own_cannot_steer_the_plan(tmp_path: Path) -> None:
    """'_lock_to' would pin accounts, 'reason' would be overwritten, 'product' switched the
    plan into product mode and crashed."""
    rows = [r[:6] + ["R2" if r[0] == "A001" else "", "keep me", "Core"] for r in account_rows()]
    a = write_csv(tmp_path / "a.csv", ACCOUNT_HEADER[:6] + ["_lock_to", "reason", "product"], rows)
    r = write_csv(tmp_path / "r.csv", ROSTER_HEADER, ROSTER)
    inp = territory.load_input(a, r, territory.PlanConfig())
    assert "_lock_to" not in inp.accounts.columns
    warn = [w for w in inp.warnings if "territory uses for its own columns" in w.message]
    assert warn[0].message == (
        "columns '_lock_to', 'reason', 'product' have names territory uses for its own columns; kept as "
        "extra columns: '_lock_to' as 'input__lock_to', 'reason' as 'input_reason', 'product' as 'input_product'"
    )
    plan = territory.solve_input(inp)
    out = territory.write_plan(plan, tmp_path / "out")
    assert out["overall"]["accounts"] == 48
    got = pd.read_csv(tmp_path / "out" / "assignments.csv", dtype=str, keep_default_na=False)
    assert got["input_reason"].eq("keep me").all()
    assert not got["reason"].eq("keep me").any()
    assert not got.loc[got["account_id"] == "A001", "reason"].item().startswith("locked")


# --------------------------------------------------------------------------- Parquet


def test_parquet_ids_keep_their_text_form(tmp_path: Path) -> None:
    pytest.importorskip("pyarrow")
    sf = salesforce_id18("001Wj00000tQWvr")
    df = pd.DataFrame(
        {
            "account_id": [1, 2, 3],
            "parent_id": [np.nan, 1.0, 1.0],  # a float column because of the empty cell
            "owner_id": [sf, sf, sf],
            "tier": [1, 2, 3],
            "potential": [100.5, 200.0, None],
            "locked": [True, False, None],
        }
    )
    df.to_parquet(tmp_path / "a.parquet")
    got = read_table(tmp_path / "a.parquet")
    assert got["account_id"].tolist() == ["1", "2", "3"]
    assert got["parent_id"].tolist() == ["", "1", "1"]  # not "1.0"
    assert got["owner_id"].tolist() == [sf] * 3  # 18 characters, unchanged
    assert got["potential"].tolist() == ["100.5", "200", ""]
    assert got["locked"].tolist() == ["true", "false", ""]
    acc, problems = parse_accounts(got, "a.parquet")
    assert not [p for p in problems if p.severity == "error"]
    assert acc["parent_id"].tolist() == ["", "1", "1"]


def test_parquet_binary_and_nested_columns_are_refused_before_reading(tmp_path: Path) -> None:
    pa = pytest.importorskip("pyarrow")
    import pyarrow.parquet as pq

    table = pa.table(
        {
            "account_id": ["A1"],
            "logo": pa.array([b"\x89PNG\x00"], pa.binary()),
            "tags": pa.array([["a", "b"]]),
        }
    )
    pq.write_table(table, tmp_path / "a.parquet")
    text = problems_of(tmp_path / "a.parquet")
    assert "column 'logo': column holds binary data, which has no text form" in text
    assert "column 'tags': column holds nested values (list<element: string>), not one value per cell" in text


def test_parquet_text_with_nul_is_refused(tmp_path: Path) -> None:
    pytest.importorskip("pyarrow")
    pd.DataFrame({"account_id": ["A1", "A2"], "name": ["ok", "b\x00d"]}).to_parquet(tmp_path / "a.parquet")
    _, problems = parse_accounts(read_table(tmp_path / "a.parquet"), "a.parquet")
    assert "1 cell(s) in column 'name' hold NUL characters (binary data)" in [p.message for p in problems]


# --------------------------------------------------------------------------- footers and totals


def _report(rows: list[list[str]], footer: bool = True) -> pd.DataFrame:
    cols = ["Account Owner", "Account Name", "Account ID", "Tier"]
    df = pd.DataFrame(rows, columns=cols)
    if footer:
        tail = [
            ["", "", "", ""],
            ["Grand Totals (3 records)", "", "", ""],
            ["Confidential Information - Do Not Distribute", "", "", ""],
            ["Copyright (c) 2000-2026 salesforce.com, inc. All rights reserved.", "", "", ""],
        ]
        df = pd.concat([df, pd.DataFrame(tail, columns=cols)], ignore_index=True)
    return df


def test_the_preset_never_drops_real_accounts_as_footer() -> None:
    rows = [
        ["Ana", "Total Wine", "001Wj00000tQWv1", "1"],
        ["", "Copyright Clearance Center", "001Wj00000tQWv2", "2"],  # unowned: first cell empty
        ["", "Generated By Design", "001Wj00000tQWv3", "3"],
    ]
    kept = prepare_raw_accounts(_report(rows), "salesforce")
    assert kept["Account Name"].tolist() == [
        "Total Wine",
        "Copyright Clearance Center",
        "Generated By Design",
    ]
    assert len(prepare_raw_accounts(_report(rows, footer=False), "salesforce")) == 3


def test_a_footer_line_in_the_middle_is_not_a_footer(tmp_path: Path) -> None:
    p = tmp_path / "a.csv"
    p.write_text("account_id,name,tier\nTotal,,\nA2,Bolt,2\nA3,Cobalt,3\n")
    df = read_table(p)
    assert df["account_id"].tolist() == ["Total", "A2", "A3"]
    assert not df.attrs["footer"]


def test_a_totals_row_at_the_end_is_refused(tmp_path: Path) -> None:
    p = tmp_path / "a.csv"
    p.write_text("name,account_id,tier,potential\nAcme,A1,1,100\nBolt,A2,2,200\nTotal,,,300\n")
    (e,) = read_table(p).attrs["problems"]
    assert e.format() == (
        "row 4: the last row looks like a totals row ('Total'), not an account (value: 'Total | 300')\n"
        "    hint: delete the totals row: read as an account it would add its sums to the plan"
    )


# --------------------------------------------------------------------------- 18-character ids


@pytest.mark.parametrize("kind", ["csv", "xlsx", "parquet", "sqlite"])
def test_18_character_salesforce_ids_survive_every_loader(tmp_path: Path, kind: str) -> None:
    ids = [salesforce_id18(f"001Wj0000{i:06d}") for i in range(1, 5)]
    frame = pd.DataFrame(
        {"Id": ids, "Name": list("abcd"), "Tier__c": ["1", "2", "3", "1"], "ParentId": ["", ids[0], "", ""]}
    )
    if kind == "csv":
        src: str | Path = tmp_path / "a.csv"
        frame.to_csv(src, index=False)
    elif kind == "xlsx":
        src = write_xlsx(tmp_path / "a.xlsx", [list(frame.columns)] + frame.to_numpy().tolist())
    elif kind == "parquet":
        pytest.importorskip("pyarrow")
        src = tmp_path / "a.parquet"
        frame.to_parquet(src)
    else:
        pytest.importorskip("sqlalchemy")
        import sqlite3

        with sqlite3.connect(tmp_path / "crm.db") as con:
            frame.to_sql("accounts", con, index=False)
        src = f"sqlite:///{tmp_path / 'crm.db'}"
    from territory.io.presets import read_accounts, source_options

    opts = source_options(
        territory.PlanConfig(), preset="salesforce", table="accounts" if kind == "sqlite" else None
    )
    raw, label, _ = read_accounts(src, opts)
    acc, problems = parse_accounts(raw, label, opts.account_columns)
    assert not [p for p in problems if p.severity == "error"], problems
    assert acc["account_id"].tolist() == ids
    assert acc["parent_id"].tolist() == ["", ids[0], "", ""]


def test_excels_separator_hint_line_is_read_as_a_hint(tmp_path: Path) -> None:
    p = tmp_path / "a.csv"
    p.write_text("sep=;\naccount_id;name;tier\nA1;Acme, Inc;1\n")
    df = read_table(p)
    assert df.columns.tolist() == ["account_id", "name", "tier"]
    assert df["name"].tolist() == ["Acme, Inc"]


def test_more_rows_than_an_excel_sheet_can_hold_is_refused(tmp_path: Path) -> None:
    """Under inputs.max_rows but over Excel's own 1,048,576: not a workbook Excel saved."""
    p = write_xlsx(tmp_path / "a.xlsx", GOOD, dimension="A1:D2000000")
    assert "a sheet holds 2,000,000 rows, more than an Excel sheet can (1,048,576)" in problems_of(p)


# --------------------------------------------------------------------------- width


def test_a_table_wider_than_a_spreadsheet_is_refused_at_once(tmp_path: Path) -> None:
    """200,000 columns in a 2.5 MB file: refused from its header (it took minutes)."""
    n = 200_000
    p = tmp_path / "wide.csv"
    p.write_text(",".join(f"c{i}" for i in range(n)) + "\n" + ",".join("1" * n) + "\n")
    t0 = time.perf_counter()
    text = problems_of(p)
    # a guard against a quadratic pass (that took minutes), roomy enough for a busy machine
    assert time.perf_counter() - t0 < 60
    assert f"{p}:\n  - row 1: has 200,000 columns, more than a spreadsheet holds (16,384)" in text


def test_thousands_of_empty_columns_are_dropped_quickly(tmp_path: Path) -> None:
    """A sheet formatted out to its last column saves 16,000 empty columns on every row:
    they are dropped in a moment (each was looked up in a list rebuilt per column)."""
    pad = "," * 16_000
    p = tmp_path / "padded.csv"
    p.write_text(HEADER.rstrip("\n") + pad + "\n" + "A1,Acme,1,West,100,R1" + pad + "\n")
    t0 = time.perf_counter()
    df = read_table(p)
    # a guard against a quadratic pass (that took minutes), roomy enough for a busy machine
    assert time.perf_counter() - t0 < 60
    assert df.columns.tolist() == HEADER.strip().split(",")
