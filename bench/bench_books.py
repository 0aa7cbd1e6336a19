"""Benchmark: render every book of a synthetic 200-rep x 250-account plan.

    python bench/bench_books.py                      # 200 reps x 250 accounts, all cores
    python bench/bench_books.py --reps 20 --jobs 1   # quick look
    python bench/bench_books.py --no-maps            # without the map pages (territory.geo)

Writes a seeded synthetic plan directory (docs/plan-output.md) under /tmp, renders all
books with ``territory.reporting.render_books`` and prints wall time, books/s, pages/s and
the split between layout and PDF writing (summed over workers). Target: the whole set
(200 rep books + manager roll-ups + plan summary) in <= 120 s on 2 cores.

``write_synthetic_plan`` is also how tests/fixtures/plan_small was first drafted.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import json
import math
import random
import shutil
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
REGIONS = ("West", "Central", "East", "South", "North")
INDUSTRIES = (
    "Software",
    "Manufacturing",
    "Healthcare",
    "Financial services",
    "Retail",
    "Logistics",
    "Education",
    "Energy",
    "Media",
    "Construction",
)
CITIES = (
    ("Seattle", "WA"),
    ("Denver", "CO"),
    ("Austin", "TX"),
    ("Boston", "MA"),
    ("Chicago", "IL"),
    ("Atlanta", "GA"),
    ("Phoenix", "AZ"),
    ("Columbus", "OH"),
    ("Portland", "OR"),
    ("Miami", "FL"),
)
WORDS = (
    "Acme",
    "Blue",
    "Cedar",
    "Delta",
    "Summit",
    "Harbor",
    "Pioneer",
    "Granite",
    "Maple",
    "Orbit",
    "Vertex",
    "Lumen",
    "Nimbus",
    "Atlas",
    "Beacon",
    "Crescent",
    "Falcon",
    "Northwind",
    "Quarry",
)
SUFFIX = ("Systems", "Labs", "Holdings", "Group", "Partners", "Industries", "Health", "Logistics")
FIRST = ("Ana", "Ben", "Chloe", "Dev", "Elif", "Farid", "Grace", "Hiro", "Ines", "Jon", "Kemi", "Liam")
LAST = ("Ortiz", "Baker", "Chen", "Diallo", "Evans", "Fischer", "Gupta", "Haddad", "Ito", "Jensen")


def neutralise(value: Any) -> str:
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_START) else text


def r6(x: float) -> float:
    return float(f"{x:.6g}")


def write_synthetic_plan(
    path: str | Path,
    n_reps: int = 200,
    accounts_per_rep: int = 250,
    seed: int = 7,
    period_label: str = "FY27 Q1",
    with_icp: bool = True,
) -> Path:
    """Write a seeded plan directory that follows docs/plan-output.md; returns its path."""
    rng = random.Random(seed)
    root = Path(path)
    root.mkdir(parents=True, exist_ok=True)
    reps = []
    for i in range(n_reps):
        rid = f"R{i + 1:03d}"
        reps.append(
            {
                "rep_id": rid,
                "name": f"{FIRST[i % len(FIRST)]} {LAST[(i // len(FIRST)) % len(LAST)]}",
                "email": f"{rid.lower()}@example.com",
                "manager": f"Manager {chr(65 + (i // 8) % 26)}{'' if i < 208 else i // 208}",
                "region": REGIONS[i % len(REGIONS)],
                "capacity": 0.5 if i % 7 == 6 else 1.0,
                "product": None,
            }
        )
    by_region: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for r in reps:
        by_region[r["region"]].append(r)

    rows: list[dict[str, Any]] = []
    n = 0
    for r in reps:
        count = max(1, round(accounts_per_rep * r["capacity"] * rng.uniform(0.9, 1.1)))
        k = 0
        while k < count:
            fam_size = 3 if rng.random() < 0.05 else 1
            parent = ""
            for j in range(min(fam_size, count - k)):
                n += 1
                aid = f"A{n:06d}"
                tier = rng.choices((1, 2, 3), (0.15, 0.35, 0.5))[0]
                score = {1: 80, 2: 55, 3: 25}[tier] + rng.uniform(-10, 15)
                city, state = CITIES[rng.randrange(len(CITIES))]
                prev = r["rep_id"]
                reason = "kept with current owner"
                roll = rng.random()
                if j == 0 and roll < 0.04:
                    others = [o for o in by_region[r["region"]] if o is not r] or [r]
                    prev = rng.choice(others)["rep_id"]
                    reason = f"moved to restore Tier {tier} balance, from {prev}"
                elif j == 0 and roll < 0.06:
                    prev = "X900"
                    reason = "owner left the roster"
                elif j > 0:
                    reason = f"follows parent {parent}" if prev != rows[-1]["previous_owner_id"] else reason
                    prev = rows[-1]["previous_owner_id"]
                name = f"{WORDS[rng.randrange(len(WORDS))]} {WORDS[rng.randrange(len(WORDS))]} {SUFFIX[rng.randrange(len(SUFFIX))]}"
                rows.append(
                    {
                        "account_id": aid,
                        "name": name if j == 0 else f"{name} ({city})",
                        "tier": tier,
                        "region": r["region"],
                        "potential": round(rng.lognormvariate(10, 0.8) * (1.6 if tier == 1 else 1), 2),
                        "previous_owner_id": prev,
                        "owner_id": r["rep_id"],
                        "moved": "true" if prev != r["rep_id"] else "false",
                        "reason": reason,
                        "owner_name": r["name"],
                        "previous_owner_name": "Pat Former"
                        if prev == "X900"
                        else next((o["name"] for o in reps if o["rep_id"] == prev), ""),
                        "family_id": parent or (aid if fam_size > 1 else ""),
                        "score": round(score, 1),
                        "industry": INDUSTRIES[rng.randrange(len(INDUSTRIES))],
                        "employees": int(rng.lognormvariate(5, 1.2)) + 5,
                        "annual_revenue": round(rng.lognormvariate(16, 1.1), -3),
                        "country": "US",
                        "state": state,
                        "city": city,
                        "parent_id": parent,
                        "locked": "false",
                        "why": f"{INDUSTRIES[rng.randrange(len(INDUSTRIES))]} fit; {rng.choice(('strong', 'some', 'weak'))} size match",
                    }
                )
                if j == 0 and fam_size > 1:
                    parent = aid
                k += 1
    rows.sort(key=lambda x: x["account_id"])
    write_plan(root, reps, rows, period_label=period_label, with_icp=with_icp)
    return root


def write_plan(
    root: Path,
    reps: list[dict[str, Any]],
    rows: list[dict[str, Any]],
    *,
    period_label: str = "FY27 Q1",
    with_icp: bool = True,
    band: float = 0.10,
) -> None:
    """Write assignments.csv, owner_changes.csv, summary.json (and icp.json) for ``rows``."""
    fixed = [
        "account_id",
        "name",
        "tier",
        "region",
        "potential",
        "previous_owner_id",
        "owner_id",
        "moved",
        "reason",
        "owner_name",
        "previous_owner_name",
        "family_id",
    ]
    extra = [c for c in rows[0] if c not in fixed] if rows else []
    with open(root / "assignments.csv", "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(fixed + extra)
        for row in rows:
            w.writerow([neutralise(row.get(c, "")) for c in fixed + extra])
    with open(root / "owner_changes.csv", "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(["account_id", "owner_id"])
        for row in rows:
            if row["owner_id"] != row["previous_owner_id"]:
                w.writerow([neutralise(row["account_id"]), neutralise(row["owner_id"])])

    ids = {r["rep_id"] for r in reps}
    pool_cap: dict[str, float] = defaultdict(float)
    for r in reps:
        pool_cap[r["region"]] += r["capacity"]
    pool_tier: dict[tuple[str, int], int] = defaultdict(int)
    pool_pot: dict[str, float] = defaultdict(float)
    for a in rows:
        pool_tier[(a["region"], int(a["tier"]))] += 1
        pool_pot[a["region"]] += float(a["potential"])
    rep_out = []
    devs: dict[int, list[float]] = defaultdict(list)
    pdevs: list[float] = []
    pots: list[float] = []
    for r in reps:
        mine = [a for a in rows if a["owner_id"] == r["rep_id"]]
        share = r["capacity"] / pool_cap[r["region"]]
        counts = {t: sum(1 for a in mine if int(a["tier"]) == t) for t in (1, 2, 3)}
        fair = {t: pool_tier[(r["region"], t)] * share for t in (1, 2, 3)}
        dev = {t: (counts[t] - fair[t]) / fair[t] if fair[t] else 0.0 for t in (1, 2, 3)}
        pot = sum(float(a["potential"]) for a in mine)
        fpot = pool_pot[r["region"]] * share
        for t in (1, 2, 3):
            devs[t].append(abs(dev[t]))
        pdevs.append(abs((pot - fpot) / fpot) if fpot else 0.0)
        pots.append(pot / r["capacity"])
        rep_out.append(
            {
                **r,
                "accounts": len(mine),
                "tier_counts": {str(t): counts[t] for t in (1, 2, 3)},
                "fair_tier": {str(t): r6(fair[t]) for t in (1, 2, 3)},
                "tier_band": {
                    str(t): [
                        max(0, math.floor(min(fair[t] * (1 - band), fair[t] - 1))),
                        math.ceil(max(fair[t] * (1 + band), fair[t] + 1)),
                    ]
                    for t in (1, 2, 3)
                },
                "tier_deviation": {str(t): r6(dev[t]) for t in (1, 2, 3)},
                "potential": r6(pot),
                "fair_potential": r6(fpot),
                "potential_deviation": r6((pot - fpot) / fpot) if fpot else 0.0,
                "moves_in": sum(1 for a in mine if a["previous_owner_id"] != r["rep_id"]),
                "moves_out": sum(
                    1 for a in rows if a["previous_owner_id"] == r["rep_id"] and a["owner_id"] != r["rep_id"]
                ),
                "kept": sum(1 for a in mine if a["previous_owner_id"] == r["rep_id"]),
            }
        )
    nrep = max(1, len(reps))
    moved = [a for a in rows if a["owner_id"] != a["previous_owner_id"]]
    total_pot = sum(float(a["potential"]) for a in rows) or 1.0
    mean = sum(pots) / len(pots) if pots else 0.0
    cv = math.sqrt(sum((p - mean) ** 2 for p in pots) / len(pots)) / mean if mean else 0.0
    summary = {
        "format": "territory-plan/1",
        "territory_version": "0.1.0",
        "period_label": period_label,
        "inputs": {
            "accounts": {"file": "accounts.csv", "sha256": "0" * 64, "rows": len(rows)},
            "roster": {"file": "roster.csv", "sha256": "1" * 64, "rows": len(reps)},
        },
        "config": {
            "period_label": period_label,
            "balance": {"tier_band": band, "measures": {"potential": {"band": 0.1}}},
        },
        "solver": {
            "name": "highs",
            "status": "optimal",
            "status_text": "Optimal (proven)",
            "objective": r6(len(moved) * 1.0),
            "bound": r6(len(moved) * 0.98),
            "gap": 0.02,
            "pools": 5,
        },
        "overall": {
            "accounts": len(rows),
            "reps": len(reps),
            "accounts_moved": len(moved),
            "moved_share": r6(len(moved) / max(1, len(rows))),
            "potential_moved_share": r6(sum(float(a["potential"]) for a in moved) / total_pot),
            "orphaned_accounts": sum(1 for a in rows if a["previous_owner_id"] not in ids),
            "max_tier_deviation": {str(t): r6(max(devs[t], default=0.0)) for t in (1, 2, 3)},
            "max_potential_deviation": r6(max(pdevs, default=0.0)),
            "potential_cv": r6(cv),
            "baseline": {
                "accounts_moved": int(len(moved) * 1.4) + 1,
                "max_tier_deviation": {"1": 0.3, "2": 0.2, "3": 0.15},
                "max_potential_deviation": 0.25,
            },
        },
        "team_average": {
            "accounts": r6(len(rows) / nrep),
            "tier_counts": {
                str(t): r6(sum(1 for a in rows if int(a["tier"]) == t) / nrep) for t in (1, 2, 3)
            },
            "potential": r6(total_pot / nrep),
        },
        "reps": rep_out,
        "warnings": [
            f"{sum(1 for a in rows if a['previous_owner_id'] not in ids and a['previous_owner_id'])} accounts "
            "owned by X900, who is not on the roster, were reassigned"
        ],
        "run": {
            "generated_at": "2026-11-23T20:00:00+00:00",
            "seconds": {"load": 0.1, "solve": 0.5, "write": 0.1, "total": 0.8},
        },
    }
    (root / "summary.json").write_text(
        json.dumps(summary, indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
    )
    if with_icp:
        icp = {
            "products": {
                "core": {
                    "title": "Core platform: mid-market operations teams",
                    "profile": {
                        "industry": "Software, manufacturing and logistics companies with complex operations.",
                        "company_size": "200 to 5,000 employees; USD 20M to 1B annual revenue.",
                        "geography": "United States, with a regional sales presence.",
                        "roles": "VP Operations, Head of RevOps, IT director.",
                        "needs": "One place to plan, track and report operational work.",
                        "pain_points": "Spreadsheets that break at scale; no shared view of capacity.",
                        "buying_behaviour": "Committee purchase, 60-120 day cycle, pilot first.",
                        "product_usage": "Daily by team leads; weekly by executives for reporting.",
                        "customer_value": "Fewer missed deadlines and 10-20 % less overtime.",
                    },
                    "criteria": [
                        {"label": "Industry is software, manufacturing or logistics", "points": 30},
                        {"label": "200-5,000 employees", "points": 25},
                        {"label": "Uses a modern CRM", "points": 15},
                        {"label": "Hiring operations roles", "points": 10},
                    ],
                    "thresholds": {"tier1": 70, "tier2": 45},
                }
            },
            "default_product": "core",
        }
        (root / "icp.json").write_text(json.dumps(icp, indent=2) + "\n", encoding="utf-8")


def add_coordinates(plan: Path, seed: int) -> None:
    """Place the synthetic accounts as a plan would (by city), spread over ~50 km around each
    city so the map has more than ten dots, with the county under each point."""
    import numpy as np
    import pandas as pd

    from territory.geo.address import read_addresses
    from territory.geo.geocode import county_at, place_accounts

    path = plan / "assignments.csv"
    a = pd.read_csv(path, dtype=str, keep_default_na=False)
    p = place_accounts(a, read_addresses(a), np.arange(len(a)) + 2, str(path))
    rng = np.random.default_rng(seed)
    lat = np.round(p.latitude + rng.normal(0, 0.25, len(a)), 5)
    lon = np.round(p.longitude + rng.normal(0, 0.3, len(a)), 5)
    a["latitude"], a["longitude"] = lat.astype(str), lon.astype(str)
    a["county_fips"] = county_at(lon, lat)
    a["placed_by"] = "coordinates"
    a.to_csv(path, index=False, lineterminator="\n")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--reps", type=int, default=200)
    ap.add_argument("--accounts", type=int, default=250, help="accounts per full-capacity rep")
    ap.add_argument("--jobs", type=int, default=None)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--page-size", default="letter")
    ap.add_argument("--keep", action="store_true", help="keep the plan and books under /tmp")
    ap.add_argument(
        "--no-maps", action="store_true", help="leave out latitude/longitude, so the books have no map page"
    )
    args = ap.parse_args(argv)

    from territory.reporting import render_books

    work = Path(tempfile.mkdtemp(prefix="territory-bench-"))
    t = time.perf_counter()
    plan = write_synthetic_plan(work / "plan", args.reps, args.accounts, args.seed)
    if not args.no_maps:
        add_coordinates(plan, args.seed)
    print(
        f"synthetic plan: {plan} ({args.reps} reps, ~{args.accounts} accounts each) in {time.perf_counter() - t:.1f} s"
    )

    def progress(stage: str, done: int, total: int, item: str = "") -> None:
        if done and (done % 20 == 0 or done == total):
            print(f"  {done}/{total} books", file=sys.stderr)

    result = render_books(
        plan,
        work / "books",
        jobs=args.jobs,
        page_size=args.page_size,
        generated_on=dt.date(2026, 11, 23),
        progress=progress,
    )
    reps = [o for o in result.outcomes if o.job.kind == "rep"]
    layout = sum(o.seconds_layout for o in result.outcomes)
    write = sum(o.seconds_write for o in result.outcomes)
    busy = sum(o.seconds_total for o in result.outcomes)
    cpu = sum(o.cpu_seconds for o in result.outcomes)
    print(
        f"books: {len(result.outcomes)} ({len(reps)} rep books), failed: {len(result.failures)}, workers: {result.jobs}"
    )
    print(
        f"wall: {result.seconds:.1f} s; {len(result.outcomes) / result.seconds:.2f} books/s; "
        f"{result.pages} pages, {result.pages / result.seconds:.1f} pages/s"
    )
    if reps:
        rp = sum(o.pages for o in reps) / len(reps)
        rt = sum(o.seconds_total for o in reps) / len(reps)
        print(f"rep book: {rp:.1f} pages, {rt:.2f} s of worker time each")
    print(
        f"worker time: {busy:.1f} s = layout {layout:.1f} s ({layout / busy:.0%}) + write_pdf {write:.1f} s "
        f"({write / busy:.0%}) + context/template/other {busy - layout - write:.1f} s"
    )
    print(
        f"worker CPU time: {cpu:.1f} s ({cpu / max(busy, 1e-9):.0%} of worker wall time; below 100 % means "
        f"the workers were waiting for a core); on {result.jobs} idle cores the set would take "
        f"~{cpu / result.jobs:.0f} s"
    )
    # CPU time per book is what compares runs on a busy machine (wall time does not)
    for kind, label in (("rep", "rep book"), ("manager", "manager roll-up"), ("summary", "plan summary")):
        done = [o for o in result.outcomes if o.job.kind == kind]
        if done:
            print(f"{label} CPU: {sum(o.cpu_seconds for o in done) / len(done):.2f} s each")
    for f in result.failures[:10]:
        print(f"FAILED {f.job.filename}: {f.error}")
    if not args.keep:
        shutil.rmtree(work, ignore_errors=True)
    else:
        print(f"kept: {work}")
    return 0 if result.ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
