"""The hostile-input corpus: every broken CRM file gets a specific message, never a traceback.

Cases are listed in tests/corpus/cases.toml (one line each on what is wrong); generated inputs
(binary, huge, line-ending-sensitive) come from tests/corpus_generators.py.
"""

from __future__ import annotations

import csv
import os
import subprocess
import sys
from pathlib import Path

import pytest
import tomllib
from click.testing import CliRunner
from folder_helpers import snapshot

from territory_cli.main import cli

from corpus_generators import CORPUS, GENERATORS, SETUPS, UNMOUNT
from helpers import assert_moved_agrees

ALL_CASES = tomllib.loads((CORPUS / "cases.toml").read_text(encoding="utf-8"))["case"]
CASES = [c for c in ALL_CASES if "argv" not in c]  # `territory plan ACCOUNTS ROSTER` cases
COMMAND_CASES = [c for c in ALL_CASES if "argv" in c]  # any command line (see corpus_generators)
BASE_ROSTER = CORPUS / "_base" / "roster.csv"
BASE_ACCOUNTS = CORPUS / "_base" / "accounts.csv"


def case_files(case: dict, tmp_path: Path) -> tuple[Path, Path]:
    """The accounts and roster paths for a case (generated into tmp_path when needed)."""
    if case["id"] in GENERATORS:
        gen_dir = tmp_path / "input"
        gen_dir.mkdir()
        return GENERATORS[case["id"]](gen_dir), BASE_ROSTER
    folder = CORPUS / case["id"]
    if not folder.is_dir() and case.get("args"):  # only the arguments are hostile
        return BASE_ACCOUNTS, BASE_ROSTER
    assert folder.is_dir(), f"case {case['id']}: no folder {folder} and no generator"
    accounts = sorted(p for p in folder.iterdir() if p.name.startswith("accounts"))
    roster = folder / "roster.csv"
    return (accounts[0] if accounts else BASE_ACCOUNTS), (roster if roster.exists() else BASE_ROSTER)


def loader_warnings(accounts: Path, roster: Path) -> list:
    from territory.io.loading import parse_accounts, parse_roster, read_table

    _, pa = parse_accounts(read_table(accounts), str(accounts))
    _, pr = parse_roster(read_table(roster), str(roster))
    return [p for p in pa + pr if p.severity == "warning"]


def read_assignments(path: Path) -> dict[str, dict[str, str]]:
    with open(path, newline="", encoding="utf-8") as fh:
        return {row["account_id"]: row for row in csv.DictReader(fh)}


def test_corpus_is_big_enough() -> None:
    ids = [c["id"] for c in ALL_CASES]
    assert len(ids) == len(set(ids)), "case ids must be unique"
    assert len(ids) >= 40
    assert all(c.get("what") for c in ALL_CASES), "every case needs a one-line 'what'"
    folders = {p.name for p in CORPUS.iterdir() if p.is_dir() and not p.name.startswith("_")}
    assert folders <= set(ids), f"corpus folders without a case: {folders - set(ids)}"


def test_docs_list_every_message_the_corpus_checks() -> None:
    """docs/input-errors.md shows every message a case checks: one of its expected fragments
    as written, or its ``doc`` fragment (the message without the case's own rows and values),
    which must be part of a fragment the case checks."""
    docs = (CORPUS.parents[1] / "docs" / "input-errors.md").read_text(encoding="utf-8")
    missing = []
    for case in ALL_CASES:
        checked = case.get("expect", []) + case.get("warn", [])
        if not checked:
            continue  # an input read as it is (the table at the top of the page)
        if "doc" in case:
            assert any(case["doc"] in f for f in checked), f"{case['id']}: 'doc' is not a fragment it checks"
            shown = [case["doc"]]
        else:
            shown = checked
        if not any(f in docs for f in shown):
            missing.append(f"{case['id']}: {shown[0]!r}")
    assert not missing, "not in docs/input-errors.md:\n" + "\n".join(missing)


@pytest.mark.parametrize("case", CASES, ids=[c["id"] for c in CASES])
def test_corpus_case(case: dict, tmp_path: Path) -> None:
    accounts, roster = case_files(case, tmp_path)
    out = tmp_path / "out"
    # Optional extra arguments (a settings file, an ICP file, --set); {case} is the case's folder.
    extra = [a.replace("{case}", str(CORPUS / case["id"])) for a in case.get("args", [])]
    result = CliRunner().invoke(cli, ["plan", str(accounts), str(roster), "--out", str(out), *extra])
    text = result.output
    assert "Traceback" not in text
    assert "Unexpected error" not in text, text
    assert not isinstance(result.exception, Exception) or isinstance(result.exception, SystemExit), (
        f"{case['id']}: exception escaped: {result.exception!r}\n{text}"
    )
    assert result.exit_code == case["exit"], f"{case['id']} ({case['what']}):\n{text}"
    for fragment in case.get("expect", []):
        assert fragment in text, f"{case['id']}: {fragment!r} not in output:\n{text}"
    if case["exit"] == 2:
        # A rejected input leaves nothing behind: no output folder, so no half-written plan.
        assert not out.exists(), f"{case['id']}: output folder created for a rejected input"
        assert text.startswith("Error: ")
        if not case.get("args"):  # a settings or ICP error is one line, or ends with its count
            assert "problem" in text.splitlines()[-1]
        return
    if case.get("warn"):
        found = "\n".join(p.format() for p in loader_warnings(accounts, roster))
        for fragment in case["warn"]:
            assert fragment in found, f"{case['id']}: {fragment!r} not among warnings:\n{found}"
        for fragment in case["warn"]:  # and the user sees them in the plan's summary
            assert fragment in text, f"{case['id']}: warning {fragment!r} not shown:\n{text}"
    rows = read_assignments(out / "assignments.csv")
    assert len(rows) == 8, f"{case['id']}: every account must come through: {sorted(rows)}"
    assert_moved_agrees(text, out)
    for account_id, expected in case.get("check", {}).items():
        for column, value in expected.items():
            assert rows[account_id][column] == value, (
                f"{case['id']}: {account_id}.{column} is {rows[account_id][column]!r}, expected {value!r}"
            )


@pytest.mark.parametrize("case", COMMAND_CASES, ids=[c["id"] for c in COMMAND_CASES])
def test_corpus_command_case(case: dict, tmp_path: Path) -> None:
    """A command line against a hostile path, plan folder or settings file: a clean exit 1/2
    with the expected message, and nothing in its folder written or changed."""
    import shutil

    (tmp_path / "in").mkdir()
    for name in ("accounts.csv", "roster.csv"):
        shutil.copy(CORPUS / "_base" / name, tmp_path / "in" / name)
    try:
        if case.get("setup"):
            SETUPS[case["setup"]](tmp_path)
        _run_command_case(case, tmp_path)
    finally:
        while UNMOUNT:
            subprocess.run(["umount", "-l", str(UNMOUNT.pop())], check=False)


def _run_command_case(case: dict, tmp_path: Path) -> None:
    fill = {
        "tmp": str(tmp_path),
        "accounts": str(tmp_path / "in" / "accounts.csv"),
        "roster": str(tmp_path / "in" / "roster.csv"),
        "out": str(tmp_path / "out"),
        "case": str(CORPUS / case["id"]),
        "examples": str(CORPUS.parents[1] / "examples"),
    }
    argv = [a.format(**fill) for a in case["argv"]]
    before = snapshot(tmp_path)
    result = CliRunner().invoke(cli, argv)
    text = result.output
    assert "Traceback" not in text and "Unexpected error" not in text, text
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    assert result.exit_code == case["exit"], f"{case['id']} ({case['what']}):\n{text}"
    assert text.startswith("Error: "), text
    for fragment in case.get("expect", []):
        assert fragment in text, f"{case['id']}: {fragment!r} not in output:\n{text}"
    assert snapshot(tmp_path) == before, f"{case['id']}: files were written or changed"


# A handful through a real process: nothing but the message reaches stderr.
SUBPROCESS_CASES = [
    "latin1",
    "truncated_quote",
    "huge_cell",
    "xlsx_sheets",
    "parent_cycle",
    "three_problems",
    "formula_cells",
]


@pytest.mark.parametrize("case_id", SUBPROCESS_CASES)
def test_corpus_case_in_a_real_process(case_id: str, tmp_path: Path) -> None:
    case = next(c for c in CASES if c["id"] == case_id)
    accounts, roster = case_files(case, tmp_path)
    exe = Path(sys.executable).parent / "territory"
    env = {k: v for k, v in os.environ.items() if k != "TERRITORY_DEBUG"}
    proc = subprocess.run(
        [str(exe), "plan", str(accounts), str(roster), "--out", str(tmp_path / "out"), "-q"],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert proc.returncode == case["exit"], proc.stderr
    assert "Traceback" not in proc.stderr + proc.stdout
    if case["exit"] == 2:
        assert proc.stderr.startswith("Error: ")
        for fragment in case.get("expect", []):
            assert fragment in proc.stderr
