"""Diagnostic: how much of a county plan's tier imbalance comes from the fixed groups of empty counties.

    python bench/geo_free_units.py /tmp/geo-plan examples/geo/roster.csv
    python bench/geo_free_units.py /tmp/geo-plan examples/geo/roster.csv --region "South Atlantic"

Written when the plan's model saw only the counties with accounts, each with the empty
counties joined to it beforehand: a territory could reach another county only through whole
groups, accounts included. The issue's problem is freer: every county goes to one rep and
each territory is one piece, so an empty county may go to any rep whose territory it
connects. Since the empty counties are units of the model (docs/geography.md), this is a
check of a plan from outside: on the example's plan it should find no better split.

For each region (the roster's ``region``: one pool per region, as with a built-in Census
rule set) this reads the plan's territories.csv, takes its territories as the start and
searches (simulated annealing with a fixed seed and a fixed number of steps, so the same
folder gives the same figures) over single-county moves on the *whole* county graph that
keep both territories one piece, for the fewest accounts outside the tier bands
(balance.tier_band 10 %, at least 1 account, capacity-proportional fair shares). Moves of
accounts and the potential band are not counted: the figure is how far the tier bands
could be met, not a plan. Every territory found is checked to be one piece with networkx.
"""

from __future__ import annotations

import argparse
import csv
import math
import random
from pathlib import Path


def band(fair: float, share: float = 0.10, min_accounts: float = 1.0) -> tuple[int, int]:
    width = max(fair * share, min_accounts)
    return max(math.ceil(fair - width - 1e-9), 0), math.floor(fair + width + 1e-9)


def outside(t: list[int], bands: list[tuple[int, int]]) -> int:
    return sum(max(lo - x, 0) + max(x - hi, 0) for x, (lo, hi) in zip(t, bands))


def anneal(
    nbrs: list[list[int]],
    comp: list[list[int]],
    owner: list[int],
    bands: list[list[tuple[int, int]]],
    steps: int,
) -> tuple[list[int], int]:
    """The fewest accounts outside the bands found from ``owner`` (local rep per county)."""
    n, reps = len(nbrs), len(bands)
    tot = [[0, 0, 0] for _ in range(reps)]
    for u in range(n):
        for t in range(3):
            tot[owner[u]][t] += comp[u][t]
    cur = sum(outside(tot[r], bands[r]) for r in range(reps))
    best, best_owner = cur, list(owner)
    rng = random.Random(0)

    def still_one_piece(u: int, r: int) -> bool:
        rest = {v for v in range(n) if owner[v] == r and v != u}
        if not rest:
            return False  # a rep keeps at least one county
        start = next(iter(sorted(rest)))
        seen, todo = {start}, [start]
        while todo:
            a = todo.pop()
            for b in nbrs[a]:
                if b in rest and b not in seen:
                    seen.add(b)
                    todo.append(b)
        return len(seen) == len(rest)

    for k in range(steps):
        if best == 0:
            break
        u = rng.randrange(n)
        r1 = owner[u]
        choices = sorted({owner[v] for v in nbrs[u]} - {r1})
        if not choices:
            continue
        r2 = rng.choice(choices)
        t1 = [tot[r1][t] - comp[u][t] for t in range(3)]
        t2 = [tot[r2][t] + comp[u][t] for t in range(3)]
        d = (
            outside(t1, bands[r1])
            + outside(t2, bands[r2])
            - outside(tot[r1], bands[r1])
            - outside(tot[r2], bands[r2])
        )
        temp = max(0.05, 1.0 - k / steps)
        if d > 0 and rng.random() > math.exp(-d / temp):
            continue
        if not still_one_piece(u, r1):
            continue
        owner[u], tot[r1], tot[r2], cur = r2, t1, t2, cur + d
        if cur < best:
            best, best_owner = cur, list(owner)
    return best_owner, best


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("plan", type=Path, help="a plan folder written with --geo-units county")
    ap.add_argument("roster", type=Path)
    ap.add_argument("--region", action="append", help="only these regions (default: every region)")
    ap.add_argument("--steps", type=int, default=600_000)
    args = ap.parse_args()

    import networkx as nx

    from territory.geo.territories import unit_graph

    with open(args.roster, newline="", encoding="utf-8") as f:
        roster = list(csv.DictReader(f))
    with open(args.plan / "territories.csv", newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    regions = sorted({r["region"] for r in roster})
    for region in args.region or regions:
        reps = [r for r in roster if r["region"] == region]
        ids = [r["rep_id"] for r in reps]
        mine = [row for row in rows if row["owner_id"] in ids]
        g = unit_graph("county", {row["state"] for row in mine})
        pos = g.index()
        comp = [[0, 0, 0] for _ in range(g.n)]
        owner = [-1] * g.n
        for row in mine:
            u = pos[row["unit_id"]]
            comp[u] = [int(row["tier_1"]), int(row["tier_2"]), int(row["tier_3"])]
            owner[u] = ids.index(row["owner_id"])
        if min(owner) < 0:
            raise SystemExit(f"{region}: the states of its territories hold counties of other regions")
        cap = [float(r["capacity"] or 1.0) for r in reps]
        totals = [sum(c[t] for c in comp) for t in range(3)]
        bands = [[band(totals[t] * c / sum(cap)) for t in range(3)] for c in cap]
        tiers = [
            [sum(comp[u][t] for u in range(g.n) if owner[u] == r) for t in range(3)] for r in range(len(ids))
        ]
        before = sum(outside(tiers[r], bands[r]) for r in range(len(ids)))
        found, after = anneal([list(x) for x in g.nbrs], comp, list(owner), bands, args.steps)
        for r in range(len(ids)):
            h = nx.Graph()
            nodes = [u for u in range(g.n) if found[u] == r]
            h.add_nodes_from(nodes)
            h.add_edges_from((u, v) for u in nodes for v in g.nbrs[u] if found[v] == r)
            assert nx.is_connected(h), f"{region}: {ids[r]} in pieces"
        tiers_after = [
            [sum(comp[u][t] for u in range(g.n) if found[u] == r) for t in range(3)] for r in range(len(ids))
        ]
        print(
            f"{region}: {len(ids)} reps, {g.n} counties; accounts outside the tier bands: plan {before}, "
            f"with empty counties free {after}"
        )
        for r, rid in enumerate(ids):
            print(f"  {rid}: Tier 1/2/3 plan {tiers[r]} -> {tiers_after[r]}  (bands {bands[r]})")


if __name__ == "__main__":
    main()
