"""Build examples/geo/ from the bundled example: territories of whole counties.

    python examples/geo/make_geo_example.py

accounts.csv: the 1,000 example accounts without their region column (the regions come from
``--region-rules us-census-divisions``), less the 8 whose misspelt city cannot be placed
(a county territory needs every account that follows a county on the map).
roster.csv: the same 16 reps, each given the Census division where most of their region's
accounts are (New England 1, Middle Atlantic 2, East North Central 2, West North Central 1,
South Atlantic 3, East South Central 1, West South Central 2, Pacific 3, Mountain 1).
Byte-identical every time (stdlib only).
"""

from __future__ import annotations

import csv
from pathlib import Path

HERE = Path(__file__).resolve().parent
UNPLACED = {"A00266", "A00279", "A00339", "A00625", "A00737", "A00798", "A00833", "A00919"}
DIVISION = {
    "R01": "New England",
    "R02": "Middle Atlantic",
    "R03": "Middle Atlantic",
    "R04": "East North Central",
    "R05": "East North Central",
    "R06": "West North Central",
    "R07": "South Atlantic",
    "R08": "South Atlantic",
    "R09": "South Atlantic",
    "R10": "East South Central",
    "R11": "West South Central",
    "R12": "West South Central",
    "R13": "Pacific",
    "R14": "Pacific",
    "R15": "Pacific",
    "R16": "Mountain",
}


def main() -> None:
    with (HERE.parent / "accounts.csv").open(newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    cols = [c for c in rows[0] if c != "region"]
    with (HERE / "accounts.csv").open("w", newline="", encoding="utf-8") as fh:
        w = csv.DictWriter(fh, cols, extrasaction="ignore", lineterminator="\n")
        w.writeheader()
        w.writerows(r for r in rows if r["account_id"] not in UNPLACED)
    with (HERE.parent / "roster.csv").open(newline="", encoding="utf-8") as fh:
        reps = list(csv.DictReader(fh))
    with (HERE / "roster.csv").open("w", newline="", encoding="utf-8") as fh:
        w = csv.DictWriter(fh, list(reps[0]), lineterminator="\n")
        w.writeheader()
        for r in reps:
            w.writerow({**r, "region": DIVISION[r["rep_id"]]})


if __name__ == "__main__":
    main()
