"""Write territory/geo/data/zips.csv.gz and cities.csv.gz from the pinned ``zipcodes`` package.

    python scripts/build_zip_table.py

Run it after changing the ``zipcodes`` pin in pyproject.toml (and regenerate the goldens);
``tests/test_geo_geocode.py`` fails while the packaged table and the package disagree. The
output is deterministic: the same package gives the same bytes.
"""

from __future__ import annotations

import gzip
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from territory.geo.geocode import ZIP_TABLE_FILES, build_zip_table, zip_table_csv  # noqa: E402

OUT = ROOT / "territory" / "geo" / "data"


def main() -> None:
    table = build_zip_table()
    for name, text, rows in zip(ZIP_TABLE_FILES, zip_table_csv(table), (len(table.zips), len(table.cities))):
        # mtime=0: the same table gives the same bytes
        (OUT / name).write_bytes(gzip.compress(text.encode("utf-8"), mtime=0))
        print(f"{OUT / name}: {rows:,} rows")


if __name__ == "__main__":
    main()
