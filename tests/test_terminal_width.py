"""Terminal tables line up whatever script the names are written in."""

from __future__ import annotations

import csv
import re
from pathlib import Path

from click.testing import CliRunner

from territory_cli.main import cli
from territory_cli.text import display_width

NAMES = ["王小明", "Zoë 🚀 Smith\u200b", "José\u0301 Perez", "Ana Lopez"]


def test_display_width_counts_columns_not_characters() -> None:
    assert display_width("Ana") == 3
    assert display_width("王小明") == 6  # wide: two columns each
    assert display_width("e\u0301") == 1  # a combining accent takes no column
    assert display_width("a\u200bb") == 2  # nor does a zero-width space
    assert display_width("🚀") == 2


def test_the_rep_table_lines_up_with_wide_and_zero_width_names(tmp_path: Path) -> None:
    """'R1 王小明' took 9 columns but was padded as 6 characters, so its row's numbers stood
    three columns right of the others; a zero-width space or a combining accent pulled a row left."""
    with open(tmp_path / "accounts.csv", "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["account_id", "region", "tier", "potential", "owner_id"])
        w.writerows([f"A{i}", "West", 1 + i % 3, 100 + i, f"R{1 + i % 4}"] for i in range(24))
    with open(tmp_path / "roster.csv", "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["rep_id", "name", "region"])
        w.writerows([f"R{i + 1}", n, "West"] for i, n in enumerate(NAMES))
    out = tmp_path / "out"
    r = CliRunner().invoke(
        cli, ["plan", str(tmp_path / "accounts.csv"), str(tmp_path / "roster.csv"), "--out", str(out)]
    )
    assert r.exit_code == 0, r.output
    lines = r.output.splitlines()
    header = next(i for i, line in enumerate(lines) if line.startswith("Rep ") and "Accounts" in line)
    rows = lines[header + 2 : header + 2 + len(NAMES)]
    assert [row.split()[0] for row in rows] == ["R1", "R2", "R3", "R4"]
    # where each row's account count ends, in terminal columns, is where the header's 'Accounts' ends
    head = lines[header]
    accounts_end = display_width(head[: head.index("Accounts") + len("Accounts")])
    ends = [display_width(row[: re.match(r"^(R\d .*?)\s+(\d+)  ", row).end(2)]) for row in rows]
    assert ends == [accounts_end] * len(rows), "\n".join(rows)
