"""Benchmark: county territories for the whole US (issue 15 item 6).

    python bench/geo_units.py                         # 100,000 accounts x 100 reps
    python bench/geo_units.py --accounts 20000 --reps 30

Generates a seeded instance: accounts spread over the US counties (log-normal weights, so
^some counties hold many more accounts than others), each with its county's latitude/longitude,
state and Census division as region; 100 reps over the nine divisions in proportion to
their accounts; today's owners by state (so a plan has real moves to weigh). Then plans it
with ``geo.units = county`` through the library (load, place, solve, territories) and
prints the time of each stage, the status, the gaps against the bounds with contiguity (the
separator-cut MIP's, on pools small enough for it) and without it,
and the pieces per territory (every one must be 1). Target: under 60 s on this machine.
"""

from __future__ import annotations

import argparse
import csv
import random
import sys
import tempfile
import time
from pathlib import Path


def placed_at_centroid(counties: list) -> set[str]:
    """Counties whose own centroid the geocoder puts in them (a few island and coastal
    centroids lie off the simplified outlines, e.g. Keweenaw, MI)."""
    import numpy as np
    import pandas as pd

    from territory.geo.address import read_addresses
    from territory.geo.geocode import place_accounts

    df = pd.DataFrame(
        {
            "country": "US",
            "state": [c.state for c in counties],
            "latitude": [str(c.latitude) for c in counties],
            "longitude": [str(c.longitude) for c in counties],
        }
    )
    pl = place_accounts(df, read_addresses(df), np.arange(len(df)) + 2, "centroids")
    return {c.fips for c, got in zip(counties, pl.county.tolist()) if got == c.fips}


def generate(
    folder: Path, n_accounts: int, n_reps: int, seed: int, regions: str = "division"
) -> tuple[Path, Path]:
    """Write accounts.csv and roster.csv into ``folder``; each account's region is its
    state's Census ``regions`` ("division", 9, or "region", 4)."""
    from territory.geo import units

    rng = random.Random(seed)
    counties = [c for c in units.counties().values() if units.states()[c.state].division]
    placed = placed_at_centroid(counties)
    counties = [c for c in counties if c.fips in placed]
    weights = [rng.lognormvariate(0.0, 1.0) for _ in counties]
    picks = rng.choices(counties, weights=weights, k=n_accounts)
    division = {code: getattr(s, regions) for code, s in units.states().items()}
    per_div: dict[str, int] = {}
    for c in picks:
        per_div[division[c.state]] = per_div.get(division[c.state], 0) + 1
    divs = sorted(per_div)
    # reps per division in proportion to accounts (largest remainder, at least 1 each)
    share = {d: max(1, int(n_reps * per_div[d] / n_accounts)) for d in divs}
    while sum(share.values()) < n_reps:
        d = max(divs, key=lambda d: per_div[d] / share[d])
        share[d] += 1
    reps = [(f"R{i:03d}", d) for i, d in enumerate((d for d in divs for _ in range(share[d])), 1)]
    by_div: dict[str, list[str]] = {}
    for rid, d in reps:
        by_div.setdefault(d, []).append(rid)
    owner_of_state = {
        s: by_div[division[s]][k % len(by_div[division[s]])]
        for k, s in enumerate(sorted(division))
        if division[s] in by_div
    }
    acc = folder / "accounts.csv"
    with acc.open("w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(
            ["account_id", "state", "latitude", "longitude", "region", "tier", "potential", "owner_id"]
        )
        for i, c in enumerate(picks):
            tier = rng.choices((1, 2, 3), weights=(15, 35, 50))[0]
            pot = round(rng.lognormvariate(11 - tier * 0.4, 0.8), 2)
            w.writerow(
                [
                    f"A{i:06d}",
                    c.state,
                    c.latitude,
                    c.longitude,
                    division[c.state],
                    tier,
                    pot,
                    owner_of_state.get(c.state, ""),
                ]
            )
    ros = folder / "roster.csv"
    with ros.open("w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["rep_id", "region", "capacity"])
        for rid, d in reps:
            w.writerow([rid, d, 1.0])
    return acc, ros


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--accounts", type=int, default=100_000)
    ap.add_argument("--reps", type=int, default=100)
    ap.add_argument("--seed", type=int, default=15)
    ap.add_argument("--units", default="county", choices=("state", "county", "zip3"))
    args = ap.parse_args()
    import territory
    from territory.pipeline import solve_input

    with tempfile.TemporaryDirectory() as tmp:
        acc, ros = generate(Path(tmp), args.accounts, args.reps, args.seed)
        cfg = territory.load_config(None, [f"geo.units={args.units}"])
        t0 = time.perf_counter()
        inp = territory.load_input(acc, ros, cfg)
        t1 = time.perf_counter()
        plan = solve_input(inp)
        t2 = time.perf_counter()
    terr = plan.extras["geography"]["territories"]
    gap = plan.gap
    print(
        f"{args.accounts:,} accounts x {args.reps} reps, {args.units} units: "
        f"{terr['units_total']:,} units ({terr['units_with_accounts']:,} with accounts)"
    )
    print(f"load + place {t1 - t0:.1f} s, solve + territories {t2 - t1:.1f} s, total {t2 - t0:.1f} s")
    without = terr.get("bound_without_contiguity", plan.bound)  # (older plans: the only bound)
    gap_without = None if without is None else (plan.objective - without) / max(abs(plan.objective), 1e-9)
    print(
        f"method {plan.extras['method']}, status {plan.status}, objective {plan.objective:,.1f}, "
        f"bound with contiguity {plan.bound:,.1f} (gap {'-' if gap is None else f'{gap:.1%}'}), "
        f"bound without contiguity {without:,.1f} (gap {'-' if gap_without is None else f'{gap_without:.1%}'}); "
        f"pools proven optimal with contiguity: {terr.get('pools_proven_optimal_with_contiguity', '-')} "
        f"of {len(plan.pools)}"
    )
    print(
        f"every territory one piece: {terr['every_territory_one_piece']}; "
        f"compactness (mean, km): {terr['compactness_km']['mean']}"
    )
    m = plan.metrics
    print("max deviation:", {k: m[k] for k in m if k.startswith("max_") and isinstance(m[k], (int, float))})
    return 0


if __name__ == "__main__":
    sys.exit(main())
