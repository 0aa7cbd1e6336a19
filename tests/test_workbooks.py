"""Spreadsheet books (territory books --format xlsx): the PDF's columns, formula-safe cells,
byte-identical files, the PDFs' names, written atomically in the same worker pool."""

from __future__ import annotations

import datetime as dt
import io

import openpyxl
import pytest
from click.testing import CliRunner

from territory.io.staging import foreign_entries
from territory.reporting import build_manager_rollup, build_rep_book, load_plan_dir
from territory.reporting.books import plan_book_jobs, render_books
from territory.reporting.workbooks import manager_workbook, rep_workbook
from territory_cli.main import cli

from review_plans import HOSTILE_NAMES, PLAN_SMALL, hostile_plan
from scenario_data import write_inputs

DAY = dt.date(2026, 11, 23)


@pytest.fixture(scope="module")
def small():
    return load_plan_dir(PLAN_SMALL)


def sheet_rows(data: bytes, sheet: str) -> list[list]:
    ws = openpyxl.load_workbook(io.BytesIO(data))[sheet]
    return [[c.value for c in row] for row in ws.iter_rows()]


def test_rep_workbook_lists_the_books_accounts_in_the_pdfs_order(small):
    data = rep_workbook(small, "R01", generated_on=DAY)
    rows = sheet_rows(data, "Accounts")
    assert rows[0] == [
        "Section", "Account ID", "Name", "Tier", "Score", "Potential", "Status", "Locked",
        "Industry", "Employees", "Annual revenue", "Location", "Why it fits",
    ]  # fmt: skip
    book = build_rep_book(small, "R01", maps=False)
    expected = [(s.title, a.account_id, a.name, a.status) for s in book.sections for a in s.rows]
    assert [(r[0], r[1], r[2], r[6]) for r in rows[1:]] == expected
    assert len(rows) - 1 == book.accounts == 20
    first = rows[1]
    a = book.sections[0].rows[0]
    assert first[3:6] == [a.tier, a.score, a.potential] and isinstance(first[5], float)
    # a family: subsidiaries follow their parent, indented
    ws = openpyxl.load_workbook(io.BytesIO(data))["Accounts"]
    ids = [r[1] for r in rows]
    sub = ids.index("A-011")
    assert ids[sub - 1] == "A-010" and ws.cell(row=sub + 1, column=3).alignment.indent > 0
    balance = sheet_rows(data, "Balance")
    assert balance[1][:5] == ["Tier 1", 2, 2, 1, 3]
    assert balance[2][:5] == ["Tier 2", 10, 6.8, 5, 8]
    leaving = sheet_rows(data, "Leaving")
    assert len(leaving) - 1 == len(book.leaving)


def test_manager_workbook_has_the_team_its_accounts_and_moves(small):
    data = manager_workbook(small, "Maya Lindqvist", generated_on=DAY)
    rollup = build_manager_rollup(small, "Maya Lindqvist", maps=False)
    team = sheet_rows(data, "Team")
    assert [r[0] for r in team[1:]] == ["R01", "R02", "R03"]
    assert team[1][4:8] == [20, 2, 10, 8]
    accounts = sheet_rows(data, "Accounts")
    assert accounts[0][:4] == ["Rep ID", "Rep", "Section", "Account ID"]
    assert len(accounts) - 1 == rollup.team_accounts
    moves = sheet_rows(data, "Moves")
    kinds = [r[0] for r in moves[1:]]
    assert kinds.count("joining") == len(rollup.moves_in)
    assert kinds.count("leaving") == len(rollup.moves_out)
    assert kinds.count("within") == len(rollup.moves_within)


def test_no_cell_is_ever_a_formula(tmp_path):
    plan = load_plan_dir(hostile_plan(tmp_path))
    # names a spreadsheet would run, not neutralised by a CSV writer
    frame = plan.assignments
    for i, text in enumerate(["=1+1", "+SUM(A1)", "-2+3", "@cmd", "\t=x", "\r=y"]):
        frame.loc[frame.index[frame["owner_id"] == "R01"][i], "name"] = text
    for data in (
        rep_workbook(plan, "R01", generated_on=DAY),
        manager_workbook(plan, plan.rep("R01").manager, generated_on=DAY),
    ):
        wb = openpyxl.load_workbook(io.BytesIO(data))
        cells = [c for ws in wb for row in ws.iter_rows() for c in row if c.value is not None]
        assert cells and not [c.coordinate for c in cells if c.data_type == "f"]
        values = {c.value for c in cells}
        assert {"=1+1", "+SUM(A1)", "-2+3", "@cmd", "\t=x"} <= values
        assert "\n=y" in values  # XML keeps a carriage return as a line break: text all the same
        assert HOSTILE_NAMES["A-039"] in values  # =HYPERLINK(...) kept as text
        assert "<b>bold?</b>\ufffd" in values  # a control character XML cannot hold is replaced
        assert "L" * 10_000 in values


def test_same_plan_same_bytes_and_the_date_is_the_only_clock(small):
    a = rep_workbook(small, "R02", generated_on=DAY)
    assert a == rep_workbook(small, "R02", generated_on=DAY)
    b = rep_workbook(small, "R02", generated_on=DAY + dt.timedelta(days=1))
    assert a != b
    props = openpyxl.load_workbook(io.BytesIO(a)).properties
    assert props.created == props.modified == dt.datetime(2026, 11, 23)
    assert props.creator == "territory"


def test_workbooks_are_named_like_the_pdfs(small):
    jobs = plan_book_jobs(small, formats=("pdf", "xlsx"))
    pdf = sorted(j.filename[:-4] for j in jobs if j.format == "pdf" and j.kind != "summary")
    xlsx = sorted(j.filename[:-5] for j in jobs if j.format == "xlsx")
    assert pdf == xlsx and "rep-ana-ortiz-R01" in xlsx and "manager-maya-lindqvist" in xlsx
    assert not [j for j in jobs if j.kind == "summary" and j.format == "xlsx"]
    assert [j.filename for j in plan_book_jobs(small, ["R03"], formats=("xlsx",))] == [
        "rep-chloe-chen-R03.xlsx"
    ]


def test_rendered_in_the_worker_pool_byte_identical(small, tmp_path):
    result = render_books(small, tmp_path / "a", jobs=2, formats=("xlsx",), generated_on=DAY)
    assert result.ok and result.jobs == 2
    names = sorted(p.name for p in result.written)
    assert len(names) == 8 and all(n.endswith(".xlsx") for n in names)
    again = render_books(small, tmp_path / "b", jobs=1, formats=("xlsx",), generated_on=DAY)
    assert again.ok
    for name in names:
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes()
    assert not [p for p in (tmp_path / "a").iterdir() if p.name.endswith(".tmp")]


def test_a_failing_workbook_leaves_the_old_file_and_the_others_are_written(small, tmp_path, monkeypatch):
    from territory.reporting import workbooks

    out = tmp_path / "books"
    out.mkdir()
    (out / "rep-ana-ortiz-R01.xlsx").write_bytes(b"last quarter")
    real = workbooks.rep_workbook

    def broken(plan, rep_id, **kw):
        if rep_id == "R01":
            raise MemoryError("out of memory")
        return real(plan, rep_id, **kw)

    monkeypatch.setattr(workbooks, "rep_workbook", broken)
    result = render_books(small, out, jobs=1, formats=("xlsx",), generated_on=DAY, managers=False)
    assert [f.job.filename for f in result.failures] == ["rep-ana-ortiz-R01.xlsx"]
    assert result.failures[0].error == "MemoryError: out of memory"
    assert (out / "rep-ana-ortiz-R01.xlsx").read_bytes() == b"last quarter"
    assert len(result.written) == 5


def test_books_command_writes_pdf_and_xlsx(tmp_path):
    out = tmp_path / "books"
    result = CliRunner().invoke(
        cli,
        [
            "books",
            str(PLAN_SMALL),
            "--out",
            str(out),
            "--format",
            "pdf,xlsx",
            "--rep",
            "R02",
            "-j",
            "1",
            "-q",
        ],
    )
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in out.iterdir()) == ["rep-ben-baker-R02.pdf", "rep-ben-baker-R02.xlsx"]
    assert result.output.startswith("Wrote 1 book (")
    assert " pages) and 1 workbook to " in result.output


def test_books_command_refuses_an_unknown_format(tmp_path):
    result = CliRunner().invoke(
        cli, ["books", str(PLAN_SMALL), "--out", str(tmp_path), "--format", "pdf,docx"]
    )
    assert result.exit_code == 2
    assert (
        "Invalid value for '--format': 'pdf,docx': the formats are pdf and xlsx, e.g. --format pdf,xlsx"
        in (result.output)
    )
    assert list(tmp_path.iterdir()) == []


def test_run_renders_the_formats_of_plan_toml(tmp_path):
    from territory.runner import run_plan_file

    write_inputs(tmp_path)
    (tmp_path / "plan.toml").write_text(
        '[inputs]\naccounts = "accounts.csv"\nroster = "roster.csv"\n'
        '[outputs]\ndir = "out"\nbooks = true\nbooks_format = ["xlsx"]\n'
    )
    result = run_plan_file(tmp_path / "plan.toml")
    names = sorted(p.name for p in (tmp_path / "out" / "books").iterdir())
    assert len(names) == 4 + 2 and all(n.endswith(".xlsx") for n in names)
    assert result.books.ok
    assert foreign_entries(tmp_path / "out") == []  # the next run may replace the folder, workbooks too
