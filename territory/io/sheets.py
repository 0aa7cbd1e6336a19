"""Opening input files safely: what may be read, and how much of it, before parsing starts.

A named pipe or a device (``/dev/zero``) never ends, a file far larger than any CRM export
fills the memory, and an XLSX of a few kilobytes can unzip to millions of rows: each is
refused here, before pandas sees a byte. XLSX cells whose formula has no saved result are
found in the sheet's XML (openpyxl would read them as empty), and Parquet columns are turned
into text the way a CSV would hold them (an integer id stays ``2``, not ``2.0``).
"""

from __future__ import annotations

import dataclasses
import os
import re
import stat
import zipfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from xml.etree import ElementTree

import pandas as pd

from ..errors import InputError, Problem, more_problems

MB = 1_000_000


@dataclass(frozen=True)
class ReadLimits:
    """How much one input file may hold (``inputs.max_file_mb`` and ``inputs.max_rows``)."""

    max_bytes: int = 1024 * MB
    max_rows: int = 5_000_000

    @classmethod
    def from_config(cls, config: object) -> ReadLimits:
        inputs = getattr(config, "inputs", None)
        mb = getattr(inputs, "max_file_mb", 1024)
        rows = getattr(inputs, "max_rows", 5_000_000)
        return cls(max_bytes=int(mb) * MB, max_rows=int(rows))

    @property
    def mb(self) -> str:
        return f"{self.max_bytes / MB:,.0f} MB"


def _mb(n: int) -> str:
    return f"{n / MB:,.1f} MB" if n < 10 * MB else f"{n / MB:,.0f} MB"


def check_file(path: Path, limits: ReadLimits) -> int:
    """The file's size; refuse what is not a regular file or is larger than the limit."""
    label = str(path)
    try:
        st = os.stat(path)
    except FileNotFoundError:
        raise InputError([Problem(label, "file not found", hint="check the path")]) from None
    except OSError as e:
        raise InputError([Problem(label, f"cannot open: {e.strerror or e}")]) from None
    if stat.S_ISDIR(st.st_mode):
        raise InputError([Problem(label, "is a folder, not a file", hint="name a CSV or XLSX file")])
    if not stat.S_ISREG(st.st_mode):
        kind = (
            "a named pipe (FIFO)"
            if stat.S_ISFIFO(st.st_mode)
            else "a device"
            if stat.S_ISCHR(st.st_mode) or stat.S_ISBLK(st.st_mode)
            else "a socket"
            if stat.S_ISSOCK(st.st_mode)
            else "not a regular file"
        )
        raise InputError(
            [
                Problem(
                    label,
                    f"is {kind}, not a file: territory reads files only (a stream may never end)",
                    hint="save the data to a CSV or XLSX file and name that file",
                )
            ]
        )
    if st.st_size > limits.max_bytes:
        raise InputError([_too_big(label, f"is {_mb(st.st_size)}", limits)])
    return int(st.st_size)


def _too_big(label: str, what: str, limits: ReadLimits) -> Problem:
    return Problem(
        label,
        f"{what}, more than the {limits.mb} an input file may hold (inputs.max_file_mb)",
        hint="check that this is the right file; if it is, raise the limit, e.g. "
        f"--set inputs.max_file_mb={max(2 * limits.max_bytes // MB, 1)}",
    )


def too_many_rows(label: str, rows: int, limits: ReadLimits, *, at_least: bool = False) -> Problem:
    """More rows than ``inputs.max_rows``; ``at_least`` when counting stopped at the limit."""
    held = (
        f"more than the {limits.max_rows:,} rows"
        if at_least
        else f"{rows:,} rows, more than the {limits.max_rows:,}"
    )
    return Problem(
        label,
        f"holds {held} an input file may hold (inputs.max_rows)",
        hint="check that this is the right file; if it is, raise the limit, e.g. "
        f"--set inputs.max_rows={2 * limits.max_rows}",
    )


# --------------------------------------------------------------------------- XLSX

_NS = {
    "m": "http://schemas.openxmlformats.org/spreadsheetml/2006/main",
    "r": "http://schemas.openxmlformats.org/officeDocument/2006/relationships",
    "rel": "http://schemas.openxmlformats.org/package/2006/relationships",
}
_ROW_TAGS = (b"<row ", b"<row>", b":row ", b":row>")  # <row r="1">, with or without a prefix
_DIMENSION = re.compile(rb'<(?:\w+:)?dimension\s+ref="[A-Z]*\d*:?[A-Z]*(\d+)"')
_CELL = re.compile(rb"<(?:\w+:)?c\b([^>]*?)(?:/>|>(.*?)</(?:\w+:)?c>)", re.DOTALL)
_FORMULA = re.compile(rb"<(?:\w+:)?f\b[^>]*?(?:/>|>(.*?)</(?:\w+:)?f>)", re.DOTALL)
_VALUE = re.compile(rb"<(?:\w+:)?v\s*/>|<(?:\w+:)?v>(.*?)</(?:\w+:)?v>", re.DOTALL)
_STRING_TYPE = re.compile(rb'\bt="str"')
_REF = re.compile(rb'\br="([A-Z]+)(\d+)"')
_MERGE = re.compile(rb'<(?:\w+:)?mergeCell\b[^>]*?\bref="([A-Z]+)(\d+):([A-Z]+)(\d+)"')
_MERGE_TAGS = (b"<mergeCell", b":mergeCell")
_HIDDEN_TAGS = (b'hidden="1"', b'hidden="true"')
_ROW_TAG = re.compile(rb"<(?:\w+:)?row\b([^>]*)>")
_ROW_NUMBER = re.compile(rb'\br="(\d+)"')
_ROW_HIDDEN = re.compile(rb'\bhidden="(?:1|true)"')
_CHUNK = 1 << 22
# An Excel sheet holds at most 1,048,576 rows; a workbook with more was not made by Excel
# (and would take openpyxl minutes to parse).
EXCEL_MAX_ROWS = 1_048_576


def _excel_rows(label: str, rows: int, *, at_least: bool) -> Problem:
    return Problem(
        label,
        f"a sheet holds {'more than ' if at_least else ''}{rows:,} rows, more than an Excel sheet "
        f"can ({EXCEL_MAX_ROWS:,}): this workbook was not saved by Excel",
        hint="export the data again as CSV",
    )


@dataclass(frozen=True)
class UnsavedFormula:
    """A cell with a formula and no saved result (``column`` is the letter, ``row`` 1-based)."""

    column: str
    row: int
    formula: str


def _sheet_paths(book: zipfile.ZipFile) -> dict[str, str]:
    """Sheet name -> the member holding its XML, from workbook.xml and its relationships."""
    try:
        wb = ElementTree.fromstring(book.read("xl/workbook.xml"))
        rels = ElementTree.fromstring(book.read("xl/_rels/workbook.xml.rels"))
    except (KeyError, ElementTree.ParseError):
        return {}
    targets = {r.get("Id"): r.get("Target", "") for r in rels.findall("rel:Relationship", _NS)}
    out: dict[str, str] = {}
    for sh in wb.findall("m:sheets/m:sheet", _NS):
        target = targets.get(sh.get(f"{{{_NS['r']}}}id"), "")
        if target:
            member = target.lstrip("/") if target.startswith("/") else f"xl/{target}"
            out[sh.get("name", "")] = str(PurePosixPath(member))
    return out


def hidden_sheets(book: zipfile.ZipFile) -> set[str]:
    """Names of the sheets Excel does not show (state hidden or veryHidden)."""
    try:
        wb = ElementTree.fromstring(book.read("xl/workbook.xml"))
    except (KeyError, ElementTree.ParseError):
        return set()
    return {
        sh.get("name", "")
        for sh in wb.findall("m:sheets/m:sheet", _NS)
        if sh.get("state") in ("hidden", "veryHidden")
    }


@dataclass(frozen=True)
class MergedRange:
    """Merged cells of a sheet: ``first``/``last`` column letters, 1-based rows."""

    first: str
    top: int
    last: str
    bottom: int


@dataclass
class XlsxScan:
    """What scan_xlsx found, per sheet name: formulas without a result, merged cells; and the
    hidden sheets."""

    unsaved: dict[str, list[UnsavedFormula]]
    merged: dict[str, list[MergedRange]]
    hidden: set[str]
    hidden_rows: dict[str, list[int]] = dataclasses.field(default_factory=dict)  # 1-based, per sheet


def scan_xlsx(path: Path, limits: ReadLimits) -> XlsxScan:
    """Check an XLSX's unzipped size and row count before parsing it.

    Every worksheet is streamed through the decompressor once: a sheet that declares or holds
    more than ``limits.max_rows`` rows, or that unzips to more than ``limits.max_bytes``, stops
    the read there (a zip bomb costs a fraction of a second, not minutes). Returns, per sheet
    name, the formula cells that have no saved result and the merged cells (a sheet is read a
    second time only when it has some), and the hidden sheets.
    """
    label = str(path)
    try:
        book = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as e:
        raise InputError(
            [
                Problem(
                    label,
                    f"cannot read as an Excel workbook: BadZipFile: {e}",
                    hint="open it in Excel and save it again as .xlsx, or as 'CSV UTF-8'",
                )
            ]
        ) from None
    with book:
        infos = book.infolist()
        declared = sum(i.file_size for i in infos)
        if declared > limits.max_bytes:
            raise InputError([_too_big(label, f"unzips to {_mb(declared)}", limits)])
        names = {member: name for name, member in _sheet_paths(book).items()}
        out = XlsxScan({}, {}, hidden_sheets(book))
        unzipped = 0
        for info in infos:
            if not (info.filename.startswith("xl/worksheets/") and info.filename.endswith(".xml")):
                continue
            has_formula, has_merge, has_hidden, unzipped = _stream_sheet(book, info, label, limits, unzipped)
            name = names.get(info.filename, info.filename)
            if has_formula or has_merge or has_hidden:
                xml = book.read(info)
                if has_hidden:
                    out.hidden_rows[name] = [
                        int(n.group(1))
                        for m in _ROW_TAG.finditer(xml)
                        if _ROW_HIDDEN.search(m.group(1)) and (n := _ROW_NUMBER.search(m.group(1)))
                    ]
                if has_formula:
                    out.unsaved[name] = _unsaved_formulas(xml)
                if has_merge:
                    out.merged[name] = [
                        MergedRange(a.decode(), int(t), b.decode(), int(d))
                        for a, t, b, d in _MERGE.findall(xml)
                    ]
        return out


def _stream_sheet(
    book: zipfile.ZipFile, info: zipfile.ZipInfo, label: str, limits: ReadLimits, unzipped: int
) -> tuple[bool, bool, bool, int]:
    rows = 0
    tail = b""
    has_formula = False
    has_merge = False
    has_hidden = False
    first = True
    try:
        with book.open(info) as fh:
            while chunk := fh.read(_CHUNK):
                unzipped += len(chunk)
                if unzipped > limits.max_bytes:  # the sizes in the zip's directory can lie
                    raise InputError([_too_big(label, f"unzips to more than {_mb(unzipped)}", limits)])
                if first:
                    m = _DIMENSION.search(chunk[:4096])
                    if m and int(m.group(1)) - 1 > limits.max_rows:
                        raise InputError([too_many_rows(label, int(m.group(1)) - 1, limits)])
                    if m and int(m.group(1)) > EXCEL_MAX_ROWS:
                        raise InputError([_excel_rows(label, int(m.group(1)), at_least=False)])
                    first = False
                text = tail + chunk
                rows += sum(text.count(t) - tail.count(t) for t in _ROW_TAGS)
                has_formula = has_formula or b"<f" in text or b":f>" in text or b":f " in text
                has_merge = has_merge or any(t in text for t in _MERGE_TAGS)
                has_hidden = has_hidden or any(t in text for t in _HIDDEN_TAGS)
                if rows - 1 > limits.max_rows:
                    raise InputError([too_many_rows(label, rows - 1, limits, at_least=True)])
                if rows > EXCEL_MAX_ROWS:
                    raise InputError([_excel_rows(label, EXCEL_MAX_ROWS, at_least=True)])
                tail = chunk[-16:]
    except (zipfile.BadZipFile, OSError, EOFError) as e:
        raise InputError(
            [
                Problem(
                    label,
                    f"cannot read as an Excel workbook: {type(e).__name__}: {e}",
                    hint="open it in Excel and save it again as .xlsx, or as 'CSV UTF-8'",
                )
            ]
        ) from None
    return has_formula, has_merge, has_hidden, unzipped


def _unsaved_formulas(xml: bytes) -> list[UnsavedFormula]:
    out: list[UnsavedFormula] = []
    for m in _CELL.finditer(xml):
        inner = m.group(2)
        if not inner:
            continue
        f = _FORMULA.search(inner)
        if f is None:
            continue
        v = _VALUE.search(inner)
        # A saved result is a non-empty <v>; an empty one counts only for a text result
        # (t="str": the formula gave ""). openpyxl writes <v /> for every formula.
        if v is not None and (v.group(1) or _STRING_TYPE.search(m.group(1))):
            continue
        ref = _REF.search(m.group(1))
        if ref is None:
            continue
        formula = (f.group(1) or b"").decode("utf-8", "replace")
        out.append(UnsavedFormula(ref.group(1).decode(), int(ref.group(2)), formula))
    return out


def column_index(letters: str) -> int:
    """0-based index of a spreadsheet column: A -> 0, Z -> 25, AA -> 26."""
    n = 0
    for ch in letters:
        n = n * 26 + ord(ch) - 64
    return n - 1


def column_letters(index: int) -> str:
    """Spreadsheet letters of a 0-based column index: 0 -> A, 26 -> AA."""
    out = ""
    index += 1
    while index:
        index, rem = divmod(index - 1, 26)
        out = chr(65 + rem) + out
    return out


def formula_problems(label: str, cells: list[UnsavedFormula], headers: list[str]) -> list[Problem]:
    """One problem per formula cell without a saved result (20 listed, the rest counted)."""
    hint = (
        "the file was written by a program that saves formulas without their results; open it "
        "in Excel or LibreOffice and save it (they compute and store the results), or paste "
        "the values over the formulas"
    )
    out: list[Problem] = []
    for c in cells[:20]:
        i = column_index(c.column)
        out.append(
            Problem(
                label,
                f"cell {c.column}{c.row} holds a formula with no saved result, so its value is unknown",
                row=c.row,
                column=headers[i] if 0 <= i < len(headers) else None,
                value="=" + c.formula if c.formula else None,
                hint=hint,
            )
        )
    if len(cells) > 20:
        out.append(more_problems(label, len(cells) - 20, "formula cells without a saved result"))
    return out


def merged_problems(label: str, ranges: list[MergedRange], headers: list[str]) -> list[Problem]:
    """One error per merged range that covers data cells: Excel keeps a merged range's value in
    its top-left cell only, so the other cells read as empty (20 listed, the rest counted)."""
    out: list[Problem] = []
    data = [m for m in ranges if m.bottom >= 2]  # a merged title in the header row is not data
    for m in data[:20]:
        cols = [
            headers[i]
            for i in range(column_index(m.first), column_index(m.last) + 1)
            if 0 <= i < len(headers)
        ]
        rows = f"row {m.top}" if m.top == m.bottom else f"rows {m.top}-{m.bottom}"
        out.append(
            Problem(
                label,
                f"cells {m.first}{m.top}:{m.last}{m.bottom} are merged ({rows}); a merged range keeps "
                f"its value in {m.first}{m.top} only, so the other cells would read as empty",
                row=m.top,
                column=", ".join(cols) if cols else None,
                hint="unmerge the cells (Home > Merge & Center > Unmerge Cells) and fill the value into "
                "every row (select the range, then Fill > Down)",
            )
        )
    if len(data) > 20:
        out.append(more_problems(label, len(data) - 20, "merged cell ranges"))
    return out


def hidden_row_problems(label: str, rows: list[int]) -> list[Problem]:
    """One error for data rows Excel does not show (hidden by hand or by a filter): they
    would be planned though the person who saved the sheet did not see them."""
    data = sorted(r for r in rows if r >= 2)
    if not data:
        return []
    shown = ", ".join(str(r) for r in data[:20]) + (f" and {len(data) - 20} more" if len(data) > 20 else "")
    n = len(data)
    return [
        Problem(
            label,
            f"{n:,} row{'s' if n != 1 else ''} of the sheet {'are' if n != 1 else 'is'} hidden (by a filter "
            f"or by hand), so whether {'they' if n != 1 else 'it'} should be planned is not clear: "
            f"row{'s' if n != 1 else ''} {shown}",
            row=data[0],
            hint="to plan them, clear the filter (Data > Clear) or unhide the rows; to leave them out, "
            "delete them (or copy only the visible cells to a new sheet), then save",
        )
    ]


# --------------------------------------------------------------------------- Parquet


def read_parquet_text(path: Path, limits: ReadLimits) -> pd.DataFrame:
    """A Parquet file as text columns, each value written the way a CSV would hold it.

    Integers stay integers (``2``, never ``2.0``, also where a column has empty cells), whole
    floats lose their ``.0``, dates come out as ISO text. Binary and nested columns have no
    text form and are refused, before the data is read.
    """
    label = str(path)
    try:
        import pyarrow as pa
        import pyarrow.compute as pc
        import pyarrow.parquet as pq
    except ImportError:
        raise InputError(
            [Problem(label, "reading Parquet needs pyarrow", hint="pip install pyarrow")]
        ) from None
    try:
        meta = pq.read_metadata(path)
        schema = meta.schema.to_arrow_schema()
    except Exception as e:  # noqa: BLE001 - any reader failure is an input problem
        raise InputError([Problem(label, f"cannot read Parquet file: {e}")]) from None
    problems: list[Problem] = []
    for field in schema:
        t = field.type
        if pa.types.is_dictionary(t):
            t = t.value_type
        if pa.types.is_binary(t) or pa.types.is_large_binary(t) or pa.types.is_fixed_size_binary(t):
            problems.append(
                Problem(
                    label,
                    "column holds binary data, which has no text form",
                    column=field.name,
                    hint="store it as text, or leave the column out of the export",
                )
            )
        elif pa.types.is_nested(t):
            problems.append(
                Problem(
                    label,
                    f"column holds nested values ({t}), not one value per cell",
                    column=field.name,
                    hint="flatten it into plain columns, or leave it out of the export",
                )
            )
    if problems:
        raise InputError(problems)
    if meta.num_rows > limits.max_rows:
        raise InputError([too_many_rows(label, meta.num_rows, limits)])
    try:
        table = pq.read_table(path)
    except Exception as e:  # noqa: BLE001
        raise InputError([Problem(label, f"cannot read Parquet file: {e}")]) from None
    columns: dict[int, pd.Series] = {}
    for i, col in enumerate(table.columns):
        if pa.types.is_dictionary(col.type):
            col = col.cast(col.type.value_type)
        if pa.types.is_null(col.type):
            text = pa.array([""] * len(col), pa.string())
        else:
            text = pc.fill_null(pc.cast(col, pa.string()), "")
        columns[i] = text.to_pandas()  # pandas' own text dtype, as the CSV reader gives
    df = pd.DataFrame(columns)
    df.columns = [str(f.name) for f in table.schema]
    return df
