"""Benchmark: score N synthetic accounts against examples/icp.toml (both products).

    python bench/bench_score.py               # 1,000,000 accounts, seed 0
    python bench/bench_score.py --n 200000 --seed 3

Prints accounts, seconds for ``score_accounts`` (both products, with why-text), accounts per
second and the peak resident memory of the process. The generator is seeded, so the data
are the same on every run.
"""

from __future__ import annotations

import argparse
import resource
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from territory.icp import load_icp, score_accounts  # noqa: E402

INDUSTRIES = [
    "Software",
    "IT Services",
    "IT Management",
    "Health",
    "Business Products & Services",
    "Advertising & Marketing",
    "Construction",
    "Financial Services",
    "Logistics & Transportation",
    "Government Services",
    "Retail",
    "Real Estate",
]
TOOLS = ["Salesforce", "HubSpot", "AWS", "Azure", "Slack", "Snowflake", "NetSuite", "Zendesk"]


def make_accounts(n: int, seed: int) -> pd.DataFrame:
    """Seeded synthetic accounts in the canonical layout, with some missing values."""
    rng = np.random.default_rng(seed)
    employees = np.round(rng.lognormal(4.0, 1.5, n)).astype("float64")
    employees[rng.random(n) < 0.02] = np.nan
    revenue = np.round(employees * rng.lognormal(12.0, 0.6, n), -5)
    # Tech stacks: 0-4 tools joined with ';' (built per distinct combination, not per row).
    masks = rng.random((n, len(TOOLS))) < 0.3
    codes = masks @ (1 << np.arange(len(TOOLS)))
    combos = np.array(
        [";".join(t for i, t in enumerate(TOOLS) if c >> i & 1) for c in range(1 << len(TOOLS))], dtype=object
    )
    stack = combos[codes]
    industry = np.array(INDUSTRIES, dtype=object)[rng.integers(0, len(INDUSTRIES), n)]
    industry[rng.random(n) < 0.01] = None
    return pd.DataFrame(
        {
            "account_id": pd.Series(np.arange(n)).map("A{:07d}".format),
            "industry": industry,
            "employees": employees,
            "annual_revenue": revenue,
            "country": np.where(rng.random(n) < 0.9, "US", "CA"),
            "parent_id": np.where(rng.random(n) < 0.1, "A0000001", None),
            "tech_stack": stack,
        }
    )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=1_000_000)
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()
    icp = load_icp(ROOT / "examples" / "icp.toml")
    t0 = time.perf_counter()
    accounts = make_accounts(args.n, args.seed)
    t_gen = time.perf_counter() - t0
    t0 = time.perf_counter()
    scored = score_accounts(accounts, icp)
    t_score = time.perf_counter() - t0
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux
    tiers = scored["tier_core"].value_counts().sort_index().to_dict()
    print(f"accounts:        {args.n:,} (seed {args.seed}; generated in {t_gen:.1f} s)")
    print(
        f"products:        {', '.join(icp.names)} "
        f"({sum(len(p.criteria) + len(p.disqualifiers) for p in icp)} rules)"
    )
    print(f"score_accounts:  {t_score:.2f} s ({args.n / t_score:,.0f} accounts/s)")
    print(f"peak RSS:        {peak_mb:,.0f} MB")
    print(f"tier_core:       {tiers}")


if __name__ == "__main__":
    main()
