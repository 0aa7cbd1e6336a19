"""Corpus inputs that are generated at test time (binary, huge, or line-ending sensitive).

Each generator takes the base accounts/roster text and a target folder and returns the
path of the accounts file it wrote (the roster stays the base one unless noted).
"""

from __future__ import annotations

import zipfile
from pathlib import Path

import pandas as pd

CORPUS = Path(__file__).parent / "corpus"
BASE_ACCOUNTS = (CORPUS / "_base" / "accounts.csv").read_text(encoding="utf-8")
BASE_ROSTER = (CORPUS / "_base" / "roster.csv").read_text(encoding="utf-8")


def _lines() -> list[str]:
    return BASE_ACCOUNTS.splitlines()


def excel_bom(d: Path) -> Path:
    """UTF-8 with the byte-order mark Excel writes for 'CSV UTF-8'."""
    p = d / "accounts.csv"
    p.write_bytes(b"\xef\xbb\xbf" + BASE_ACCOUNTS.encode("utf-8"))
    return p


def crlf(d: Path) -> Path:
    """Windows line ends (as in fortune500-hq-2017)."""
    p = d / "accounts.csv"
    p.write_bytes(BASE_ACCOUNTS.replace("\n", "\r\n").encode("utf-8"))
    return p


def utf16_excel(d: Path) -> Path:
    """Excel 'Unicode text': UTF-16 LE with a BOM, tab-separated, CRLF."""
    p = d / "accounts.txt"
    text = "\r\n".join(line.replace(",", "\t") for line in _lines()).replace("Echo Ltd", "Écho Ltd")
    p.write_bytes(text.encode("utf-16"))
    return p


def utf16_no_bom(d: Path) -> Path:
    p = d / "accounts.csv"
    p.write_bytes(BASE_ACCOUNTS.encode("utf-16-le"))
    return p


def latin1(d: Path) -> Path:
    """A Windows-1252/Latin-1 export with an accented name on data row 5 (line 6)."""
    p = d / "accounts.csv"
    p.write_bytes(BASE_ACCOUNTS.replace("Delta Co", "Délta Café").encode("latin-1"))
    return p


def nul_bytes(d: Path) -> Path:
    p = d / "accounts.csv"
    p.write_bytes(BASE_ACCOUNTS.replace("Bolt Inc", "Bolt\x00Inc").encode("utf-8"))
    return p


def huge_cell(d: Path) -> Path:
    """A 100,000-character name (more than a spreadsheet cell holds)."""
    p = d / "accounts.csv"
    p.write_text(BASE_ACCOUNTS.replace("Bolt Inc", "B" * 100_000), encoding="utf-8")
    return p


def long_cell_ok(d: Path) -> Path:
    """A 30,000-character name: long but legal; carried through unchanged."""
    p = d / "accounts.csv"
    p.write_text(BASE_ACCOUNTS.replace("Bolt Inc", "Bolt " + "x" * 29_995), encoding="utf-8")
    return p


def _frame() -> pd.DataFrame:
    from io import StringIO

    return pd.read_csv(StringIO(BASE_ACCOUNTS), dtype=str, keep_default_na=False)


def xlsx_single(d: Path) -> Path:
    """One sheet with data plus Excel's blank 'Sheet2': handled."""
    p = d / "accounts.xlsx"
    df = _frame()
    df["potential"] = df["potential"].astype(float)  # real numeric cells
    with pd.ExcelWriter(p, engine="openpyxl") as xw:
        df.to_excel(xw, sheet_name="Accounts", index=False)
        pd.DataFrame().to_excel(xw, sheet_name="Sheet2", index=False)
    return p


def xlsx_sheets(d: Path) -> Path:
    """A workbook with an accounts sheet, a pivot-ish notes sheet and a lookup sheet."""
    p = d / "accounts.xlsx"
    with pd.ExcelWriter(p, engine="openpyxl") as xw:
        _frame().to_excel(xw, sheet_name="Accounts", index=False)
        pd.DataFrame({"note": ["exported by ops"]}).to_excel(xw, sheet_name="Notes", index=False)
        pd.DataFrame({"region": ["West", "East"]}).to_excel(xw, sheet_name="Lookup", index=False)
    return p


def xlsx_hidden_sheet(d: Path) -> Path:
    """Last quarter's accounts left on a hidden sheet next to the visible one."""
    p = d / "accounts.xlsx"
    with pd.ExcelWriter(p, engine="openpyxl") as xw:
        _frame().to_excel(xw, sheet_name="Q4 old", index=False)
        _frame().to_excel(xw, sheet_name="Accounts", index=False)
        xw.book["Q4 old"].sheet_state = "hidden"
    return p


def xlsx_merged_cells(d: Path) -> Path:
    """The region typed once for three rows and the cells merged (C2:C4), as a report is laid out."""
    p = d / "accounts.xlsx"
    df = _frame()
    with pd.ExcelWriter(p, engine="openpyxl") as xw:
        df.to_excel(xw, sheet_name="Accounts", index=False)
        col = list(df.columns).index("region") + 1
        xw.book["Accounts"].merge_cells(start_row=2, start_column=col, end_row=4, end_column=col)
    return p


def xlsx_report_title(d: Path) -> Path:
    """A formatted report: a title, a 'generated' line and a blank row above the header."""
    import openpyxl

    p = d / "accounts.xlsx"
    df = _frame()
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Accounts"
    ws.append(["Accounts by Region - FY27 Q1"])
    ws.append(["Generated 2026-12-01 by Jane Ops"])
    ws.append([])
    ws.append(list(df.columns))
    for row in df.itertuples(index=False):
        ws.append(list(row))
    wb.save(p)
    return p


def xlsx_hidden_rows(d: Path) -> Path:
    """A sheet filtered to the West in Excel and saved: the East rows are hidden, not gone."""
    p = d / "accounts.xlsx"
    df = _frame()
    with pd.ExcelWriter(p, engine="openpyxl") as xw:
        df.to_excel(xw, sheet_name="Accounts", index=False)
        ws = xw.book["Accounts"]
        ws.auto_filter.ref = f"A1:J{len(df) + 1}"
        for i, region in enumerate(df["region"], start=2):
            if region != "West":
                ws.row_dimensions[i].hidden = True
    return p


def xlsx_named_csv(d: Path) -> Path:
    """A real workbook saved with a .csv name: read by its content."""
    tmp = xlsx_single(d)
    p = d / "accounts.csv"
    tmp.rename(p)
    return p


# ---------------------------------------------------------------- inputs: files (issue 13.6)


def _filler(n: int) -> list[str]:
    """The base accounts with ``n`` valid filler accounts after the header."""
    lines = _lines()
    return lines[:1] + [f"F{i:05d},Filler {i},3,West,1,R01,,CA,94105,false" for i in range(n)] + lines[1:]


def nul_late(d: Path) -> Path:
    """A NUL byte 80 kB into the file (past the first 64 kB the old check looked at)."""
    p = d / "accounts.csv"
    text = "\n".join(_filler(2000)) + "\n"
    p.write_bytes(text.replace("Gale Partners", "Gale\x00Partners").encode("utf-8"))
    return p


def fifo_accounts(d: Path) -> Path:
    """A named pipe where the accounts file should be: refused without waiting on it."""
    import os

    p = d / "accounts.csv"
    os.mkfifo(p)
    return p


def too_big(d: Path) -> Path:
    """A 1.9 MB file with inputs.max_file_mb = 1 (the case passes --set)."""
    p = d / "accounts.csv"
    p.write_text("\n".join(_filler(40_000)) + "\n", encoding="utf-8")
    return p


_CT = (
    '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
    "</Types>"
)
_RELS = (
    '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/>'
    "</Relationships>"
)
_WB = (
    '<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
    'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
    '<sheets><sheet name="Accounts" sheetId="1" r:id="rId1"/></sheets></workbook>'
)
_WB_RELS = (
    '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/>'
    "</Relationships>"
)


def _xml_cell(ref: str, v: str) -> str:
    return f'<c r="{ref}" t="inlineStr"><is><t>{v}</t></is></c>'


def write_xlsx(
    path: Path, rows: list[list[str]], *, dimension: str = "", extra_rows: int = 0, last_row: int = 0
) -> Path:
    """A minimal workbook written by hand, so a test controls every byte of the sheet XML.

    Cells starting with '=' are formulas; '=FORMULA|value' has a saved result. ``last_row``:
    the sheet row of the last of ``rows`` (the rows between are empty).
    """
    parts = []
    for i, row in enumerate(rows, 1):
        if last_row and i == len(rows):
            i = last_row
        cells = []
        for j, v in enumerate(row):
            ref = f"{chr(65 + j)}{i}"
            if v.startswith("="):
                f, _, saved = v[1:].partition("|")
                cells.append(f'<c r="{ref}"><f>{f}</f>' + (f"<v>{saved}</v>" if saved else "") + "</c>")
            else:
                cells.append(_xml_cell(ref, v))
        parts.append(f'<row r="{i}">{"".join(cells)}</row>')
    filler = "".join(
        f'<row r="{len(rows) + k + 1}">{_xml_cell(f"A{len(rows) + k + 1}", "x")}</row>'
        for k in range(extra_rows)
    )
    dim = f'<dimension ref="{dimension}"/>' if dimension else ""
    sheet = (
        '<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        f"{dim}<sheetData>{''.join(parts)}{filler}</sheetData></worksheet>"
    )
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", _CT)
        z.writestr("_rels/.rels", _RELS)
        z.writestr("xl/workbook.xml", _WB)
        z.writestr("xl/_rels/workbook.xml.rels", _WB_RELS)
        z.writestr("xl/worksheets/sheet1.xml", sheet)
    return path


def _xlsx(d: Path, rows: list[list[str]], *, dimension: str = "", extra_rows: int = 0) -> Path:
    return write_xlsx(d / "accounts.xlsx", rows, dimension=dimension, extra_rows=extra_rows)


def _base_rows() -> list[list[str]]:
    return [line.split(",") for line in _lines()]


def xlsx_declares_millions(d: Path) -> Path:
    """A 2 kB workbook whose sheet says it holds 6 million rows."""
    return _xlsx(d, _base_rows(), dimension="A1:J6000001")


def xlsx_unzips_to_many_rows(d: Path) -> Path:
    """A small workbook that unzips to 60,000 rows (the case passes inputs.max_rows = 1000)."""
    return _xlsx(d, _base_rows(), extra_rows=60_000)


def xlsx_formula_no_result(d: Path) -> Path:
    """A potential computed by a formula that was never calculated (written by a script)."""
    rows = _base_rows()
    rows[4][4] = "=E2*2"
    return _xlsx(d, rows)


def parquet_float_ids(d: Path) -> Path:
    """Numeric ids in Parquet, the parent column float because of its empty cells."""
    import numpy as np

    df = pd.read_csv(CORPUS / "_base" / "accounts.csv", dtype=str, keep_default_na=False)
    df["account_id"] = np.arange(1, 9)
    df["parent_id"] = [np.nan, 1.0] + [np.nan] * 6
    df["potential"] = df["potential"].astype(float)
    p = d / "accounts.parquet"
    df.to_parquet(p)
    return p


def parquet_binary(d: Path) -> Path:
    import pyarrow as pa
    import pyarrow.parquet as pq

    df = pd.read_csv(CORPUS / "_base" / "accounts.csv", dtype=str, keep_default_na=False)
    table = pa.Table.from_pandas(df).append_column("logo", pa.array([b"\x89PNG"] * 8, pa.binary()))
    p = d / "accounts.parquet"
    pq.write_table(table, p)
    return p


def many_problems(d: Path) -> Path:
    """500 accounts with tier 7: 20 listed, the rest counted, the total right."""
    p = d / "accounts.csv"
    rows = [f"B{i:04d},Bad {i},7,West,1,R01,,CA,94105,false" for i in range(500)]
    p.write_text("\n".join(_lines()[:1] + rows) + "\n", encoding="utf-8")
    return p


# --- issue 13 review (rev13)


def too_many_columns(d: Path) -> Path:
    """200,000 columns in a 2.5 MB file: not an export; refused from the header at once."""
    p = d / "accounts.csv"
    n = 200_000
    p.write_text(",".join(f"c{i}" for i in range(n)) + "\n" + ",".join("1" * n) + "\n", encoding="utf-8")
    return p


def padded_empty_columns(d: Path) -> Path:
    """Every row ends in 16,000 empty cells (a sheet formatted out to its last column)."""
    p = d / "accounts.csv"
    p.write_text("".join(line + "," * 16_000 + "\n" for line in _lines()), encoding="utf-8")
    return p


def cut_at_excel_limit(d: Path) -> Path:
    """A CSV whose last account is on row 1,048,576, an Excel sheet's last row (what Excel
    keeps of a longer file it saves); blank rows in between keep the file at 1 MB."""
    lines = _lines()
    p = d / "accounts.csv"
    p.write_text(
        "\n".join([*lines[:-1], *[""] * (1_048_576 - len(lines)), lines[-1]]) + "\n", encoding="utf-8"
    )
    return p


def empty_lines_below_header(d: Path) -> Path:
    """The header, then a million empty lines (a sheet formatted down to its last rows)."""
    p = d / "accounts.csv"
    p.write_bytes((_lines()[0] + "\r\n").encode("utf-8") + b"\r\n" * 1_000_000)
    return p


GENERATORS = {
    f.__name__: f
    for f in (
        too_many_columns,
        padded_empty_columns,
        excel_bom,
        crlf,
        utf16_excel,
        utf16_no_bom,
        latin1,
        nul_bytes,
        huge_cell,
        long_cell_ok,
        xlsx_single,
        xlsx_sheets,
        xlsx_hidden_sheet,
        xlsx_merged_cells,
        xlsx_report_title,
        xlsx_hidden_rows,
        xlsx_named_csv,
        nul_late,
        fifo_accounts,
        too_big,
        xlsx_declares_millions,
        xlsx_unzips_to_many_rows,
        xlsx_formula_no_result,
        parquet_float_ids,
        parquet_binary,
        many_problems,
        cut_at_excel_limit,
        empty_lines_below_header,
    )
}


# --------------------------------------------------------------------------- command cases
# Cases with an ``argv`` (output paths, plan folders, settings files) run that command line;
# a ``setup`` below prepares the folder it runs in. {tmp} is that folder, {accounts} and
# {roster} are copies of the base inputs in {tmp}/in, {out} is {tmp}/out and {case} the
# case's folder in tests/corpus.


def _plan(tmp: Path, name: str = "plan", roster: Path | None = None) -> Path:
    import territory

    out = tmp / name
    territory.write_plan(
        territory.plan(tmp / "in" / "accounts.csv", roster or tmp / "in" / "roster.csv"), out
    )
    return out


def out_holds_other_files(tmp: Path) -> None:
    (tmp / "out").mkdir()
    (tmp / "out" / "notes.txt").write_text("my notes")


def plan_folder(tmp: Path) -> None:
    _plan(tmp)


def plan_folder_edited(tmp: Path) -> None:
    """A manager gives one of R01's accounts to R02 by hand."""
    path = _plan(tmp) / "assignments.csv"
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    frame.loc[(frame["owner_id"] == "R01").idxmax(), "owner_id"] = "R02"
    frame.to_csv(path, index=False, lineterminator="\n")


def plan_folder_mixed(tmp: Path) -> None:
    import shutil

    roster = tmp / "in" / "roster_3.csv"
    roster.write_text("".join(x for x in (tmp / "in" / "roster.csv").read_text().splitlines(True)[:-1]))
    _plan(tmp)
    other = _plan(tmp, "plan2", roster)
    shutil.copy(other / "summary.json", tmp / "plan" / "summary.json")


def plan_folder_legacy_truncated(tmp: Path) -> None:
    import json

    plan = _plan(tmp)
    summary = json.loads((plan / "summary.json").read_text())
    del summary["files"], summary["summary_sha256"]  # as written before checksums were recorded
    (plan / "summary.json").write_text(json.dumps(summary))
    lines = (plan / "assignments.csv").read_text().splitlines(True)
    (plan / "assignments.csv").write_text("".join(lines[:-1]))


def plan_folder_legacy_swapped(tmp: Path) -> None:
    """A plan without checksums (older territory) where a manager swapped the owners of two
    accounts of different reps: every rep keeps its count of accounts."""
    import json

    plan = _plan(tmp)
    summary = json.loads((plan / "summary.json").read_text())
    del summary["files"], summary["summary_sha256"]  # as written before checksums were recorded
    (plan / "summary.json").write_text(json.dumps(summary))
    path = plan / "assignments.csv"
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    a = frame.index[frame["account_id"] == "A001"][0]
    b = frame.index[(frame["owner_id"] != frame.at[a, "owner_id"]) & (frame["tier"] != frame.at[a, "tier"])][
        0
    ]
    frame.loc[[a, b], "owner_id"] = frame.loc[[b, a], "owner_id"].to_numpy()
    frame.to_csv(path, index=False, lineterminator="\n")


def plan_folders_two_kinds(tmp: Path) -> None:
    """plan: one owner per account; products: an owner per account and product (product ICPs,
    every account fits both products, R01/R03 carry 'core' and R02/R04 'insights')."""
    import territory

    _plan(tmp)
    icp = tmp / "in" / "icp.toml"
    icp.write_text(
        "".join(
            f'[[product]]\nname = "{name}"\n[product.thresholds]\ntier1 = 10\ntier2 = 5\n'
            '[[product.criteria]]\ncolumn = "region"\nin = ["West", "East"]\npoints = 10\n'
            for name in ("core", "insights")
        ),
        encoding="utf-8",
    )
    lines = (tmp / "in" / "roster.csv").read_text().splitlines()
    products = [lines[0] + ",product"] + [
        f"{line},{'core' if i % 2 else 'insights'}" for i, line in enumerate(lines[1:], 1)
    ]
    roster = tmp / "in" / "roster_products.csv"
    roster.write_text("\n".join(products) + "\n")
    cfg = territory.load_config(None, ["tiering.source=icp"])
    territory.write_plan(
        territory.plan(tmp / "in" / "accounts.csv", roster, cfg, icp_path=icp), tmp / "products"
    )


def previous_plan_replaced(tmp: Path) -> None:
    """q2 planned with --previous q1; then q1 planned again, from a roster without its last rep."""
    import territory

    q1 = _plan(tmp, "q1")
    cfg = territory.load_config(None, [f"continuity.previous={q1}"])
    territory.write_plan(
        territory.plan(tmp / "in" / "accounts.csv", tmp / "in" / "roster.csv", cfg), tmp / "q2"
    )
    roster = tmp / "in" / "roster_3.csv"
    roster.write_text("".join((tmp / "in" / "roster.csv").read_text().splitlines(True)[:-1]))
    _plan(tmp, "q1", roster)


def summary_nested_deep(tmp: Path) -> None:
    (_plan(tmp) / "summary.json").write_text("[" * 100_000 + "]" * 100_000)


def summary_not_utf8(tmp: Path) -> None:
    path = _plan(tmp) / "summary.json"
    path.write_bytes(path.read_bytes().replace(b"Ana Ortiz", b"Ana Ort\xedz"))


def icp_is_a_fifo(tmp: Path) -> None:
    import os

    os.mkfifo(tmp / "icp.toml")


# --- issue 13 review (rev13)


def config_link_loop(tmp: Path) -> None:
    import os

    os.symlink(tmp / "b.toml", tmp / "a.toml")
    os.symlink(tmp / "a.toml", tmp / "b.toml")


def summary_edited(tmp: Path) -> None:
    """A rep's name changed by hand in summary.json: the counts still agree."""
    path = _plan(tmp) / "summary.json"
    path.write_bytes(path.read_bytes().replace(b'"Ana Ortiz"', b'"Ana Ortiz-Lee"'))


def crm_db_with_logo(tmp: Path) -> None:
    """The base accounts as a SQLite table, with a BLOB column of images."""
    import sqlite3

    frame = pd.read_csv(tmp / "in" / "accounts.csv", dtype=str, keep_default_na=False)
    with sqlite3.connect(tmp / "crm.db") as conn:
        frame.to_sql("accounts", conn, index=False)
        conn.execute("ALTER TABLE accounts ADD COLUMN logo BLOB")
        conn.execute("UPDATE accounts SET logo = ?", (b"\x89PNG\r\n\x1a\n\xff",))
    conn.close()


def books_on_a_full_disk(tmp: Path) -> None:
    """A plan, and a 16 kB file system mounted at {tmp}/full for its books (needs root)."""
    import os
    import shutil
    import subprocess

    import pytest

    _plan(tmp)
    if os.geteuid() != 0 or shutil.which("mount") is None:
        pytest.skip("needs root to mount a small tmpfs")
    (tmp / "full").mkdir()
    r = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=16k", "tmpfs", str(tmp / "full")], capture_output=True
    )
    if r.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {r.stderr.decode().strip()}")
    UNMOUNT.append(tmp / "full")


# Mounts made by setups, unmounted by the test when it ends.
UNMOUNT: list[Path] = []


def rules_nested_deep(tmp: Path) -> None:
    (tmp / "rules.toml").write_text("a = " + "[" * 100_000 + "]" * 100_000 + "\n")


SETUPS = {
    f.__name__: f
    for f in (
        config_link_loop,
        rules_nested_deep,
        books_on_a_full_disk,
        crm_db_with_logo,
        summary_edited,
        out_holds_other_files,
        plan_folder,
        plan_folder_edited,
        plan_folder_mixed,
        plan_folder_legacy_truncated,
        plan_folder_legacy_swapped,
        plan_folders_two_kinds,
        previous_plan_replaced,
        summary_nested_deep,
        summary_not_utf8,
        icp_is_a_fifo,
    )
}
