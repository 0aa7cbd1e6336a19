"""Spreadsheet books: a rep's accounts, or a manager's team, as an Excel workbook.

For reps who work from a spreadsheet. A rep's workbook has the PDF book's account list (the
same columns, in the same order: tier sections, families under their parent), the rep's
balance, and the accounts leaving the book; a manager's workbook has the team's reps, every
account of the team and the team's moves (joining, leaving, within, as the roll-up counts
them). Both are built from the same contexts as the PDFs (``territory.reporting.context``).

Every text cell is written as text, never as a formula (a name like ``=HYPERLINK(...)``
stays a string; its data type is set explicitly), characters XML cannot hold are replaced,
and the file is deterministic: fixed document properties and zip timestamps, so the same
plan and date give byte-identical files.
"""

from __future__ import annotations

import datetime as dt
import io
import re
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .context import (
    AccountRow,
    MoveRow,
    PlanDir,
    RepBookContext,
    build_manager_rollup,
    build_rep_book,
)

__all__ = ["ACCOUNT_COLUMNS", "rep_workbook", "manager_workbook", "workbook_bytes"]

CELL_LIMIT = 32_767  # characters Excel keeps in a cell
# Characters XML 1.0 cannot hold (openpyxl refuses them): C0 controls but tab, LF and CR.
_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
ZIP_TIME = (1980, 1, 1, 0, 0, 0)

MONEY = "#,##0"
COUNT = "#,##0"
DECIMAL = "#,##0.0"
SHARE = "+0.0%;-0.0%;0.0%"


@dataclass(frozen=True)
class Column:
    """One column of a sheet: its header, how to get the value and its number format."""

    header: str
    width: float
    number_format: str = ""


# The PDF's account list (report_templates/_account_list.html), one column per fact it prints.
ACCOUNT_COLUMNS: tuple[Column, ...] = (
    Column("Section", 18),
    Column("Account ID", 16),
    Column("Name", 40),
    Column("Tier", 6, COUNT),
    Column("Score", 8, DECIMAL),
    Column("Potential", 14, MONEY),
    Column("Status", 34),
    Column("Locked", 8),
    Column("Industry", 20),
    Column("Employees", 11, COUNT),
    Column("Annual revenue", 16, MONEY),
    Column("Location", 26),
    Column("Why it fits", 50),
)
MOVE_COLUMNS: tuple[Column, ...] = (
    Column("Account ID", 16),
    Column("Name", 40),
    Column("Tier", 6, COUNT),
    Column("Region", 14),
    Column("Potential", 14, MONEY),
    Column("From", 30),
    Column("To", 30),
    Column("Reason", 50),
)


def _text(value: str) -> str:
    value = _ILLEGAL.sub("\ufffd", value)
    return value if len(value) <= CELL_LIMIT else value[: CELL_LIMIT - 1] + "\u2026"


class _Sheet:
    """Rows written one after another; text is always a string cell, never a formula."""

    def __init__(self, ws: Any, columns: Sequence[Column]):
        from openpyxl.styles import Font

        self.ws = ws
        self.columns = list(columns)
        self.row = 1
        for j, c in enumerate(self.columns, start=1):
            cell = ws.cell(row=1, column=j)
            self._put(cell, c.header)
            cell.font = Font(bold=True)
            ws.column_dimensions[cell.column_letter].width = c.width
        ws.freeze_panes = "A2"

    @staticmethod
    def _put(cell: Any, value: Any, number_format: str = "") -> None:
        if value is None or value == "":
            return
        if isinstance(value, bool):
            value = "yes" if value else ""
        if isinstance(value, (int, float)):
            cell.value = value
            if number_format:
                cell.number_format = number_format
            return
        cell.value = _text(str(value))
        cell.data_type = "s"  # "=..." would otherwise become a formula

    def add(self, values: Sequence[Any], indent: int = 0) -> None:
        from openpyxl.styles import Alignment

        self.row += 1
        for j, (c, v) in enumerate(zip(self.columns, values), start=1):
            cell = self.ws.cell(row=self.row, column=j)
            self._put(cell, v, c.number_format)
        if indent:
            name = self.ws.cell(row=self.row, column=self._name_col())
            name.alignment = Alignment(indent=min(indent, 3) * 2)
            self.ws.row_dimensions[self.row].outline_level = min(indent, 7)

    def _name_col(self) -> int:
        return next(j for j, c in enumerate(self.columns, start=1) if c.header == "Name")

    def finish(self) -> None:
        if self.row > 1:
            self.ws.auto_filter.ref = self.ws.dimensions


def _account_values(section: str, a: AccountRow, has_score: bool) -> list[Any]:
    score = [a.score] if has_score else []
    return [
        section,
        a.account_id,
        a.name,
        a.tier,
        *score,
        a.potential,
        a.status,
        a.locked,
        a.industry,
        a.employees,
        a.annual_revenue,
        a.location,
        a.why,
    ]


def _move_values(m: MoveRow, measures: Sequence[str] = ()) -> list[Any]:
    """A move's cells; ``measures``: the labels of the measure columns after Potential."""
    amounts = dict(m.measures)
    return [
        m.account_id,
        m.name,
        m.tier,
        m.region,
        m.potential,
        *(amounts.get(label, 0.0) for label in measures),
        m.from_rep,
        m.to_rep,
        m.reason,
    ]


def _move_columns(measures: Sequence[str]) -> list[Column]:
    """MOVE_COLUMNS with a column per other balance measure after Potential."""
    at = [c.header for c in MOVE_COLUMNS].index("Potential") + 1
    return [*MOVE_COLUMNS[:at], *(Column(label, 14, MONEY) for label in measures), *MOVE_COLUMNS[at:]]


def _columns(has_score: bool, extra: Sequence[Column] = (), measures: Sequence[str] = ()) -> list[Column]:
    """The account sheet's columns; ``measures``: the other balance measures' labels, each a
    column after Potential."""
    out = [*extra]
    for c in ACCOUNT_COLUMNS:
        if has_score or c.header != "Score":
            out.append(c)
        if c.header == "Potential":
            out += [Column(label, 14, MONEY) for label in measures]
    return out


def _other_measures(book: RepBookContext) -> list[str]:
    """The labels of the book's balance measures other than potential."""
    return [m.label for m in book.measures if m.name != "potential"]


def _account_rows(
    book: RepBookContext,
    sheet: _Sheet,
    has_score: bool,
    prefix: Sequence[Any] = (),
    measures: Sequence[str] = (),
) -> None:
    """The book's accounts in the PDF's order: tier sections, subsidiaries under their parent;
    ``measures``: the labels of the measure columns (0 where the book lists no amount)."""
    for section in book.sections:
        for a in section.rows:
            values = _account_values(section.title, a, has_score)
            at = 6 if has_score else 5  # after Potential (see _account_values)
            amounts = dict(a.measures)
            values[at:at] = [amounts.get(label, 0.0) for label in measures]
            sheet.add([*prefix, *values], indent=a.depth)


def _workbook() -> Any:
    from openpyxl import Workbook

    wb = Workbook()
    wb.remove(wb.active)
    return wb


def workbook_bytes(wb: Any, generated_on: dt.date) -> bytes:
    """The workbook as .xlsx bytes, the same for the same content and date.

    Document properties carry ``generated_on`` (not the clock) and every zip entry a fixed
    timestamp.
    """
    from openpyxl.writer.excel import ExcelWriter

    when = dt.datetime(generated_on.year, generated_on.month, generated_on.day)
    wb.properties.creator = "territory"
    wb.properties.lastModifiedBy = "territory"
    wb.properties.created = when
    wb.properties.modified = when
    raw = io.BytesIO()
    with zipfile.ZipFile(raw, "w", zipfile.ZIP_DEFLATED) as archive:
        ExcelWriter(wb, archive).write_data()
    out = io.BytesIO()
    with zipfile.ZipFile(raw) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            fixed = zipfile.ZipInfo(info.filename, date_time=ZIP_TIME)
            fixed.compress_type = zipfile.ZIP_DEFLATED
            fixed.external_attr = 0o644 << 16
            dst.writestr(fixed, src.read(info.filename))
    return out.getvalue()


def _balance_sheet(wb: Any, book: RepBookContext) -> None:
    sheet = _Sheet(
        wb.create_sheet("Balance"),
        (
            Column("Measure", 14),
            Column("Your book", 14, DECIMAL),
            Column("Fair share", 14, DECIMAL),
            Column("Band low", 12, DECIMAL),
            Column("Band high", 12, DECIMAL),
            Column("Pool average", 14, DECIMAL),
            Column("Gap (% of fair share)", 20, SHARE),
        ),
    )
    for t in book.tiers:
        sheet.add(
            [f"Tier {t.tier}", t.count, t.fair_share, t.band_lo, t.band_hi, t.pool_average, t.deviation]
        )
    sheet.add(
        [
            "Potential",
            book.potential,
            book.fair_potential,
            None,
            None,
            book.pool.average_potential,
            book.potential_deviation,
        ]
    )
    for m in book.measures:  # every other balance measure (ARR, pipeline, ...)
        if m.name != "potential":
            sheet.add([m.label, m.value, m.fair, m.band_lo, m.band_hi, None, m.deviation])
    sheet.add(["Accounts", book.accounts, book.fair_accounts, None, None, book.pool.average_accounts, None])
    for label, value in (("New to you", book.moves_in), ("Leaving you", book.moves_out), ("Kept", book.kept)):
        sheet.add([label, value])


def rep_workbook(plan: PlanDir, rep_id: str, *, generated_on: dt.date) -> bytes:
    """One rep's workbook: Accounts (the PDF's account list), Balance and Leaving sheets."""
    book = build_rep_book(plan, rep_id, generated_on=generated_on, maps=False)
    wb = _workbook()
    others = _other_measures(book)
    accounts = _Sheet(wb.create_sheet("Accounts"), _columns(book.has_score, (), others))
    _account_rows(book, accounts, book.has_score, (), others)
    accounts.finish()
    _balance_sheet(wb, book)
    leaving = _Sheet(wb.create_sheet("Leaving"), _move_columns(others))
    for m in book.leaving:
        leaving.add(_move_values(m, others))
    leaving.finish()
    return workbook_bytes(wb, generated_on)


def manager_workbook(plan: PlanDir, manager: str, *, generated_on: dt.date) -> bytes:
    """A manager's workbook: Team (one line per rep), Accounts (every rep's book, the rep's
    columns first) and Moves (joining, leaving and within the team)."""
    rollup = build_manager_rollup(plan, manager, generated_on=generated_on, maps=False)
    others = [label for label in rollup.measure_labels if label != "Potential"]  # ARR, pipeline, ...
    wb = _workbook()
    team = _Sheet(
        wb.create_sheet("Team"),
        (
            Column("Rep ID", 14),
            Column("Rep", 26),
            Column("Region", 16),
            Column("Capacity", 9, "0.0#"),
            Column("Accounts", 10, COUNT),
            Column("Tier 1", 8, COUNT),
            Column("Tier 2", 8, COUNT),
            Column("Tier 3", 8, COUNT),
            Column("Fair Tier 1", 11, DECIMAL),
            Column("Fair Tier 2", 11, DECIMAL),
            Column("Fair Tier 3", 11, DECIMAL),
            Column("Potential", 14, MONEY),
            Column("Fair potential", 14, MONEY),
            Column("Potential gap", 13, SHARE),
            Column("New to the rep", 14, COUNT),
            Column("Leaving the rep", 15, COUNT),
            Column("Kept", 8, COUNT),
            *(
                Column(f"{head}{label}{tail}", width, fmt)
                for label in others
                for head, tail, width, fmt in (
                    ("", "", 14, MONEY),
                    ("Fair ", "", 14, MONEY),
                    ("", " gap", 13, SHARE),
                )
            ),
        ),
    )
    for r, row in zip(rollup.reps, rollup.rep_measures):
        extra = [
            value
            for cell, label in zip(row.cells, rollup.measure_labels)
            if label in others
            for value in ((cell.value, cell.fair, cell.deviation) if cell is not None else (None, None, None))
        ]
        team.add(
            [
                r.rep_id,
                r.name,
                r.region,
                r.capacity,
                r.accounts,
                *r.tier_counts,
                *r.fair_tier,
                r.potential,
                r.fair_potential,
                r.potential_deviation,
                r.moves_in,
                r.moves_out,
                r.kept,
                *extra,
            ]
        )
    team.finish()
    books = [build_rep_book(plan, r.rep_id, generated_on=generated_on, maps=False) for r in rollup.reps]
    has_score = any(b.has_score for b in books)
    others = _other_measures(books[0]) if books else []
    accounts = _Sheet(
        wb.create_sheet("Accounts"), _columns(has_score, (Column("Rep ID", 14), Column("Rep", 26)), others)
    )
    for book in books:
        _account_rows(book, accounts, has_score, (book.rep.rep_id, book.rep.name), others)
    accounts.finish()
    moves = _Sheet(wb.create_sheet("Moves"), (Column("Move", 10), *_move_columns(others)))
    for label, rows in (
        ("joining", rollup.moves_in),
        ("leaving", rollup.moves_out),
        ("within", rollup.moves_within),
    ):
        for m in rows:
            moves.add([label, *_move_values(m, others)])
    moves.finish()
    return workbook_bytes(wb, generated_on)


def write_workbook(plan: PlanDir, kind: str, key: str, path: Path, *, generated_on: dt.date) -> int:
    """Write a rep's (``kind`` "rep") or manager's workbook to ``path`` atomically; its size."""
    from ..io.writing import write_bytes

    data = (rep_workbook if kind == "rep" else manager_workbook)(plan, key, generated_on=generated_on)
    write_bytes(data, path)
    return len(data)
