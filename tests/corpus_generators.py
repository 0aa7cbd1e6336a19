"""Corpus inputs that are generated at test time (binary, huge, or line-ending sensitive).

Each generator takes the base accounts/roster text and a target folder and returns the
path of the accounts file it wrote (the roster stays the base one unless noted).
"""

from __future__ import annotations

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


def xlsx_named_csv(d: Path) -> Path:
    """A real workbook saved with a .csv name: read by its content."""
    tmp = xlsx_single(d)
    p = d / "accounts.csv"
    tmp.rename(p)
    return p


GENERATORS = {
    f.__name__: f
    for f in (
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
        xlsx_named_csv,
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
    del summary["files"]  # as written before checksums were recorded
    (plan / "summary.json").write_text(json.dumps(summary))
    lines = (plan / "assignments.csv").read_text().splitlines(True)
    (plan / "assignments.csv").write_text("".join(lines[:-1]))


def summary_nested_deep(tmp: Path) -> None:
    (_plan(tmp) / "summary.json").write_text("[" * 100_000 + "]" * 100_000)


def summary_not_utf8(tmp: Path) -> None:
    path = _plan(tmp) / "summary.json"
    path.write_bytes(path.read_bytes().replace(b"Ana Ortiz", b"Ana Ort\xedz"))


def icp_is_a_fifo(tmp: Path) -> None:
    import os

    os.mkfifo(tmp / "icp.toml")


SETUPS = {
    f.__name__: f
    for f in (
        out_holds_other_files,
        plan_folder,
        plan_folder_edited,
        plan_folder_mixed,
        plan_folder_legacy_truncated,
        summary_nested_deep,
        summary_not_utf8,
        icp_is_a_fifo,
    )
}
