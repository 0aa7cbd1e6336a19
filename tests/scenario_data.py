"""A small hand-made book for what-if, compare, preset, SQL and run tests (solves in well under 1 s).

48 accounts in two regions (West, East), tiers 1/2/3 in turn, potential 100..570; four reps,
two per region; A001 is the parent of A002. Owners are balanced except that R2 holds few.
"""

from __future__ import annotations

import csv
from pathlib import Path

ACCOUNT_HEADER = ["account_id", "name", "region", "tier", "potential", "owner_id", "parent_id", "industry"]
ROSTER_HEADER = ["rep_id", "name", "email", "manager", "region", "capacity"]


def account_rows(n: int = 48) -> list[list[str]]:
    rows = []
    for i in range(1, n + 1):
        region = "West" if i % 2 else "East"
        owner = (
            ("R1" if i % 4 == 1 else "R2" if i % 8 == 3 else "R1")
            if region == "West"
            else ("R3" if i % 4 == 0 else "R4")
        )
        parent = "A001" if i == 2 else ""
        rows.append(
            [
                f"A{i:03d}",
                f"Company {i}",
                region,
                str(1 + i % 3),
                str(100 + 10 * i),
                owner,
                parent,
                "Software" if i % 5 else "Retail",
            ]
        )
    # A002 is East but its parent A001 is West: keep the family in one region.
    rows[1][2] = "West"
    return rows


ROSTER = [
    ["R1", "Ana West", "ana@example.com", "Mia", "West", "1"],
    ["R2", "Bo West", "bo@example.com", "Mia", "West", "1"],
    ["R3", "Cy East", "cy@example.com", "Ned", "East", "1"],
    ["R4", "Di East", "di@example.com", "Ned", "East", "1"],
]


def write_csv(path: Path, header: list[str], rows: list[list[str]]) -> Path:
    with open(path, "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(header)
        w.writerows(rows)
    return path


def write_inputs(folder: Path) -> tuple[Path, Path]:
    folder.mkdir(parents=True, exist_ok=True)
    a = write_csv(folder / "accounts.csv", ACCOUNT_HEADER, account_rows())
    r = write_csv(folder / "roster.csv", ROSTER_HEADER, ROSTER)
    return a, r


def product_inputs(
    folder: Path, *, extra_header: tuple[str, ...] = (), extra: dict | None = None
) -> tuple[Path, Path]:
    """
    12 accounts, West, owned by R1 (core) or R3 (insights); tier_core / tier_insights given.
    a11 and a12 fit no product (tier 3 for both); a12 is owned by R9, who left.
    """
    header = [
        "account_id",
        "name",
        "region",
        "potential",
        "owner_id",
        "tier_core",
        "tier_insights",
        *extra_header,
    ]
    rows = []
    for i in range(1, 13):
        owner = "R9" if i == 12 else ("R1" if i % 2 else "R3")
        tc, ti = (3, 3) if i >= 11 else (1 + i % 2, 2 if i % 3 else 3)
        rows.append(
            [f"a{i:02d}", f"Co {i}", "West", str(100 * i), owner, str(tc), str(ti)]
            + [(extra or {}).get((i, h), "") for h in extra_header]
        )
    roster = [
        ["R1", "Ana", "ana@example.com", "Mia", "West", "1", "core"],
        ["R2", "Bo", "bo@example.com", "Mia", "West", "1", "core"],
        ["R3", "Cy", "cy@example.com", "Mia", "West", "1", "insights"],
    ]
    folder.mkdir(parents=True, exist_ok=True)
    a = write_csv(folder / "accounts.csv", header, rows)
    r = write_csv(folder / "roster.csv", [*ROSTER_HEADER, "product"], roster)
    return a, r
