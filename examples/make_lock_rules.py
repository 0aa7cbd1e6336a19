"""Write examples/lock-rules/: the bundled example with the data lock rules read.

Seeded and documented (see examples/lock-rules/README.md) so `territory run
examples/lock-rules/plan.toml` shows lock rules and a named successor from a fresh clone.
Everything added is synthetic:

* accounts.csv = examples/accounts.csv plus three columns:
  - renewal_date: half the accounts renew on a day drawn uniformly from 2026-12-04 to
    2027-12-03 (a year after the example's as-of date, 2026-12-03); the rest have none;
  - owner_since: the day the current owner took the account, uniform over 2023-01-01 to
    2026-12-03 (empty for accounts without an owner);
  - strategic: true for 40 % of Tier 1 accounts and 2 % of the others, else false;
  a family (parent and subsidiaries) shares its parent's three values, as it shares its owner.
* roster.csv = examples/roster.csv plus a successor column: R08 Luis Hernandez leaves and
  R12 Omar Haddad (new, no accounts) takes his book.
* opportunities.csv: 200 opportunities on random accounts, stage Prospecting 30 %,
  Qualification 25 %, Proposal 15 %, Negotiation 10 %, Closed Won 10 %, Closed Lost 10 %.

    python examples/make_lock_rules.py            # rewrites examples/lock-rules/*.csv
    python examples/make_lock_rules.py --out DIR  # somewhere else
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
import pandas as pd

HERE = Path(__file__).resolve().parent
AS_OF = pd.Timestamp("2026-12-03")
STAGES = ["Prospecting", "Qualification", "Proposal", "Negotiation", "Closed Won", "Closed Lost"]
STAGE_P = [0.30, 0.25, 0.15, 0.10, 0.10, 0.10]
LEAVER, SUCCESSOR = "R08", "R12"


def _days(rng: np.random.Generator, start: pd.Timestamp, end: pd.Timestamp, n: int) -> pd.Series:
    span = (end - start).days + 1
    return pd.Series(start + pd.to_timedelta(rng.integers(0, span, n), unit="D")).dt.strftime("%Y-%m-%d")


def build(src: Path = HERE) -> dict[str, pd.DataFrame]:
    rng = np.random.default_rng(2027)
    a = pd.read_csv(src / "accounts.csv", dtype=str, keep_default_na=False)
    n = len(a)
    renews = rng.random(n) < 0.5
    renewal = _days(rng, AS_OF + pd.Timedelta(days=1), AS_OF + pd.DateOffset(years=1), n)
    since = _days(rng, pd.Timestamp("2023-01-01"), AS_OF, n)
    tier1 = a["tier"].eq("1").to_numpy()
    strategic = rng.random(n) < np.where(tier1, 0.40, 0.02)
    extra = pd.DataFrame(
        {
            "renewal_date": np.where(renews, renewal, ""),
            "owner_since": np.where(a["owner_id"].ne(""), since, ""),
            "strategic": np.where(strategic, "true", "false"),
        },
        index=a["account_id"],
    )
    # Subsidiaries take their parent's values (one parent level in the example).
    child = a["parent_id"].ne("").to_numpy()
    extra.iloc[np.flatnonzero(child)] = extra.loc[a.loc[child, "parent_id"]].to_numpy()
    accounts = pd.concat([a, extra.reset_index(drop=True)], axis=1)

    roster = pd.read_csv(src / "roster.csv", dtype=str, keep_default_na=False)
    roster["successor"] = np.where(roster["rep_id"].eq(LEAVER), SUCCESSOR, "")

    k = 200
    opps = pd.DataFrame(
        {
            "opportunity_id": [f"OPP{i:04d}" for i in range(1, k + 1)],
            "account_id": a["account_id"].to_numpy()[rng.integers(0, n, k)],
            "stage": np.array(STAGES)[rng.choice(len(STAGES), size=k, p=STAGE_P)],
        }
    )
    return {"accounts.csv": accounts, "roster.csv": roster, "opportunities.csv": opps}


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, default=HERE / "lock-rules")
    args = ap.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    for name, frame in build().items():
        frame.to_csv(args.out / name, index=False, lineterminator="\n")
        print(f"wrote {len(frame):,} rows to {args.out / name}")


if __name__ == "__main__":
    main()
