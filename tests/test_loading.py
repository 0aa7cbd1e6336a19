"""Loader unit checks that the corpus does not pin exactly."""

from __future__ import annotations

import pandas as pd
import pytest

from territory.io.loading import parse_number


@pytest.mark.parametrize(
    "text,value",
    [
        ("1,200", 1200.0),
        ("$1.2M", 1.2e6),
        ("36.9 Million", 36.9e6),
        ("1.2 Billion", 1.2e9),
        ("2.5k", 2500.0),
        ("(300)", -300.0),
        ("€2,500", 2500.0),
        ("1e3", 1000.0),
        (" 42 ", 42.0),
    ],
)
def test_parse_number_reads_money_text(text: str, value: float) -> None:
    vals, bad = parse_number(pd.Series([text]))
    assert not bad.iat[0] and vals.iat[0] == pytest.approx(value)


@pytest.mark.parametrize("text", ["NaN", "inf", "-Infinity", "12%", "TBD", "#DIV/0!", "1.000,50"])
def test_parse_number_rejects(text: str) -> None:
    _, bad = parse_number(pd.Series([text, "5"]))
    assert bad.tolist() == [True, False]


@pytest.mark.parametrize("text", ["", "NOT AVAILABLE", "n/a", "-", "null"])
def test_parse_number_empty_words(text: str) -> None:
    vals, bad = parse_number(pd.Series([text]))
    assert not bad.iat[0] and pd.isna(vals.iat[0])


@pytest.mark.parametrize("eol", ["\n", "\r\n"])
@pytest.mark.parametrize("trailing", [True, False])
def test_one_swallowed_row_is_reported_with_or_without_a_final_newline(tmp_path, eol, trailing):
    """A stray quote that swallows a single row is reported whether or not the file ends
    with a line break (the quick line-count check must not skip it)."""
    from territory.io.loading import read_table

    lines = ["id,name,region,note", '1,Acme,EU,"x', '2,Beta,EU,y"', "3,Gamma,EU,z"]
    text = eol.join(lines) + (eol if trailing else "")
    path = tmp_path / "accounts.csv"
    path.write_bytes(text.encode())
    df = read_table(path)
    assert len(df) == 2
    msgs = [p.message for p in df.attrs["problems"]]
    assert any("following row(s) were read into this one cell" in m for m in msgs), msgs


def test_a_roster_with_a_title_row_names_the_row_of_its_header(tmp_path) -> None:
    """A roster saved from a report: 'Team roster FY27' above the header was read as the header,
    and the message asked to map it as a column."""
    import openpyxl
    from click.testing import CliRunner

    from territory_cli.main import cli

    wb = openpyxl.Workbook()
    ws = wb.active
    for row in (["Team roster FY27"], ["rep_id", "name", "region"], ["R1", "Ann", "West"]):
        ws.append(row)
    wb.save(tmp_path / "roster.xlsx")
    (tmp_path / "accounts.csv").write_text("account_id,name,region,tier,potential\nA1,a,West,1,10\n")
    r = CliRunner().invoke(
        cli,
        ["plan", str(tmp_path / "accounts.csv"), str(tmp_path / "roster.xlsx"), "--out", str(tmp_path / "o")],
    )
    assert r.exit_code == 2, r.output
    assert (
        "  - row 2: the header is on row 2, not row 1 ('rep_id', 'name', 'region'); row 1 above it looks "
        "like a report's title, so it was read as the header\n"
        "      hint: delete row 1 so the header is the first row (a Salesforce report: export it as "
        "'Details Only'), then read the file again\n1 problem found in the input." in r.output
    )
