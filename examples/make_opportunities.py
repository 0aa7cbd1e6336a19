"""Write examples/opportunities.csv: synthetic opportunities for examples/accounts.csv.

Seeded and documented so `territory validate` has something to check from a fresh clone.
Rule: each account opens opportunities over 2026 at a rate that falls with its bundled
`tier` (Tier 1: 40 % chance of at least one in a quarter, Tier 2: 25 %, Tier 3: 12 %),
with 1-3 opportunities when it does; dates uniform within the quarter. It is NOT real
pipeline data; it shows what a validation run looks like.

    python examples/make_opportunities.py
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

HERE = Path(__file__).resolve().parent
RATE = {1: 0.40, 2: 0.25, 3: 0.12}


def main() -> None:
    rng = np.random.default_rng(2027)
    accounts = pd.read_csv(HERE / "accounts.csv", dtype=str, keep_default_na=False)
    rows = []
    quarters = pd.date_range("2026-01-01", periods=4, freq="QS")
    for q in quarters:
        days = (q + pd.offsets.QuarterEnd(0) - q).days + 1
        for aid, tier in zip(accounts["account_id"], accounts["tier"].astype(int)):
            if rng.random() < RATE[tier]:
                for _ in range(int(rng.integers(1, 4))):
                    date = q + pd.Timedelta(days=int(rng.integers(0, days)))
                    rows.append((aid, date.strftime("%Y-%m-%d")))
    opps = pd.DataFrame(rows, columns=["account_id", "created_date"]).sort_values(
        ["created_date", "account_id"], kind="stable"
    )
    opps.insert(0, "opportunity_id", [f"OP{i:05d}" for i in range(1, len(opps) + 1)])
    opps.to_csv(HERE / "opportunities.csv", index=False, lineterminator="\n")
    print(f"wrote {len(opps):,} opportunities to {HERE / 'opportunities.csv'}")


if __name__ == "__main__":
    main()
