"""Geographic territories: territory against spopt (SKATER, AZP) and GerryChain (ReCom).

    pip install -e '.[bench-geo]'                                      # the optional libraries
    python bench/geo_compare.py --accounts 20000 --reps 24 --regions region   # (a) 4 Census regions
    python bench/geo_compare.py                                        # (b) 100,000 x 100, 9 divisions
    python bench/geo_compare.py --tools territory,skater --steps 200   # a subset, a shorter chain

One seeded instance (bench/geo_units.py's generator: accounts over the US counties, each
with its state's Census division or region as region, reps per region in proportion to
its accounts, today's owners by state) is loaded once with territory's own loader and
``geo.units = county``; ``territory.geo.territories.geo_setup`` gives the unit graph (the
Census county adjacency plus territory's links for islands), each account's county and the
region of every county (counties without accounts take their neighbour's, as in a plan).
Every tool then gets the same counties, adjacency and per-county data, one region at a
time, with as many territories as the region has reps:

territory   ``solve_input`` (the balancing model, contiguity and local search): tier bands
            and potential band +-10 % (priced), moves vs today's owners priced.
skater      spopt ``Skater``: minimum spanning tree on the counties' km coordinates, cut
            into k trees minimising within-territory dissimilarity; its floor counts
            counties (spopt has no floor on an attribute sum), here half the mean per
            territory. Optimises compactness only.
azp         spopt ``AZPOrig`` (automatic zoning) from a random contiguous start, with an
            objective of our own: the sum over territories of (total / fair share - 1)^2
            for tier 1, 2, 3 counts and potential. Optimises balance only.
gerrychain  ``recursive_tree_part`` (potential within +-10 % of the fair share, a hard
            constraint), then a ReCom chain of ``--steps`` steps (always accept, the
            potential tolerance kept); the plan reported is the chain's state with the
            fewest moves. Balances potential (hard), then picks on moves.

The libraries know nothing of today's owners: each library territory goes to the rep of its
region who shares the most accounts with it (Hungarian matching, maximising accounts kept),
and moves are counted after that matching. Every tool runs in a fresh child process (time
of the tool's own work after loading; peak RSS of that process). Every territory is checked
for contiguity with networkx (territory.geo.territories.pieces), and compactness is
territory's own measure (territory.geo.territories.compactness). See docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
TOOLS = ("territory", "skater", "azp", "gerrychain")
NEEDS = {
    "territory": (),
    "skater": ("spopt", "libpysal", "scipy"),
    "azp": ("spopt", "scipy"),
    "gerrychain": ("gerrychain", "scipy"),
}
BAND = 0.10  # territory's default tier band and potential band; GerryChain's tolerance
PIP = "pip install -e '.[bench-geo]'"


# --------------------------------------------------------------------------- the instance


@dataclass(frozen=True)
class Instance:
    """The units and accounts every tool sees (numpy arrays over units U and accounts N)."""

    graph: object  # territory.geo.territories.UnitGraph
    unit_region: np.ndarray  # (U,) str: the region whose reps may hold the unit
    unit_tiers: np.ndarray  # (U, 3) accounts of tier 1, 2, 3 that follow the unit
    unit_potential: np.ndarray  # (U,)
    acc_unit: np.ndarray  # (N,) the unit each account follows
    acc_owner: np.ndarray  # (N,) today's owner (rep index), -1 for none
    acc_tier: np.ndarray  # (N,) 1..3
    acc_potential: np.ndarray  # (N,)
    rep_ids: tuple[str, ...]
    rep_region: np.ndarray  # (R,) str

    def regions(self) -> list[str]:
        return sorted(set(self.rep_region.tolist()))

    def region_units(self, region: str) -> np.ndarray:
        return np.flatnonzero(self.unit_region == region)

    def region_reps(self, region: str) -> np.ndarray:
        return np.flatnonzero(self.rep_region == region)

    def unit_owner_counts(self, units: np.ndarray, reps: np.ndarray) -> np.ndarray:
        """(len(units), len(reps)): accounts of each unit owned today by each rep."""
        pos_u = np.full(len(self.unit_region), -1)
        pos_u[units] = np.arange(units.size)
        pos_r = np.full(len(self.rep_ids), -1)
        pos_r[reps] = np.arange(reps.size)
        sel = (pos_u[self.acc_unit] >= 0) & (self.acc_owner >= 0)
        sel &= pos_r[np.where(self.acc_owner >= 0, self.acc_owner, 0)] >= 0
        out = np.zeros((units.size, reps.size), dtype=np.int64)
        np.add.at(out, (pos_u[self.acc_unit[sel]], pos_r[self.acc_owner[sel]]), 1)
        return out


def load_instance(accounts: Path, roster: Path, time_limit: float | None = None):
    """territory's own loading and units: the plan input and the Instance built from it
    (``time_limit``: territory's solver.time_limit, default its own 60 s per solve)."""
    import pandas as pd

    import territory
    from territory.geo.territories import geo_setup

    sets = ["geo.units=county"] + ([] if time_limit is None else [f"solver.time_limit={time_limit:g}"])
    cfg = territory.load_config(None, sets)
    inp = territory.load_input(accounts, roster, cfg)
    acc, reps = inp.accounts, inp.reps.reset_index(drop=True)
    geo = geo_setup(acc, reps, "county", cfg.inputs.region_rules, state=inp.state)
    g = geo.graph
    if not geo.follows.all():
        raise SystemExit("every account of the instance should follow its county")
    pos = g.index()
    acc_unit = np.array([pos[k[4:]] for k in geo.key.tolist()], dtype=np.int64)
    region = acc["region"].astype(str).to_numpy(dtype=object)
    own_region = np.full(g.n, "", dtype=object)
    own_region[acc_unit] = region  # one state per county, so one region per county
    # a county without accounts: the region of the county with accounts whose reps may hold it
    # (its ``like``, or that of the unit of the model it was joined to)
    src = np.where(geo.like >= 0, geo.like, geo.like[np.maximum(geo.anchor, 0)])
    if (geo.anchor < 0).any() or (src < 0).any():
        raise SystemExit("a county joined no group of counties with accounts")
    unit_region = own_region[src]
    tier = acc["tier"].to_numpy(dtype=np.int64)
    pot = pd.to_numeric(acc["potential"]).to_numpy(dtype=float)
    unit_tiers = np.stack([np.bincount(acc_unit[tier == t], minlength=g.n) for t in (1, 2, 3)], axis=1)
    rep_ids = tuple(reps["rep_id"].astype(str))
    rep_pos = {r: i for i, r in enumerate(rep_ids)}
    owner = np.array([rep_pos.get(o, -1) for o in acc["owner_id"].astype(str).tolist()], dtype=np.int64)
    inst = Instance(
        graph=g,
        unit_region=unit_region,
        unit_tiers=unit_tiers,
        unit_potential=np.bincount(acc_unit, weights=pot, minlength=g.n),
        acc_unit=acc_unit,
        acc_owner=owner,
        acc_tier=tier,
        acc_potential=pot,
        rep_ids=rep_ids,
        rep_region=reps["region"].astype(str).to_numpy(dtype=object),
    )
    return inp, inst


# --------------------------------------------------------------------------- matching and metrics


def shared_accounts(labels: np.ndarray, counts: np.ndarray, k: int) -> np.ndarray:
    """(k, reps): accounts that library territory l (``labels`` per unit, 0..k-1) shares with
    each rep's book today (``counts``: accounts per unit and rep)."""
    out = np.zeros((k, counts.shape[1]), dtype=np.int64)
    np.add.at(out, labels, counts)
    return out


def match_reps(shared: np.ndarray) -> np.ndarray:
    """Territory label -> rep column, keeping as many accounts with their owner as possible
    (Hungarian matching; -1 for a label left without a rep when there are more labels)."""
    from scipy.optimize import linear_sum_assignment

    rows, cols = linear_sum_assignment(shared, maximize=True)
    out = np.full(shared.shape[0], -1, dtype=np.int64)
    out[rows] = cols
    return out


def kept_after_matching(shared: np.ndarray, match: np.ndarray) -> int:
    """Accounts whose owner stays the same when label l goes to rep ``match[l]``."""
    ok = match >= 0
    return int(shared[np.flatnonzero(ok), match[ok]].sum())


def moved_accounts(inst: Instance, unit_owner: np.ndarray) -> np.ndarray:
    """(N,) bool: accounts with an owner today whose new owner (their unit's) differs."""
    new = unit_owner[inst.acc_unit]
    return (inst.acc_owner >= 0) & (new != inst.acc_owner)


def fair_shares(inst: Instance) -> tuple[np.ndarray, np.ndarray]:
    """Per rep: fair tier counts (R, 3) and fair potential (R,): the region's totals split
    evenly over its reps (every rep of these instances has capacity 1)."""
    r = len(inst.rep_ids)
    fair_tier, fair_pot = np.zeros((r, 3)), np.zeros(r)
    for region in inst.regions():
        units, reps = inst.region_units(region), inst.region_reps(region)
        fair_tier[reps] = inst.unit_tiers[units].sum(axis=0) / reps.size
        fair_pot[reps] = inst.unit_potential[units].sum() / reps.size
    return fair_tier, fair_pot


def evaluate(inst: Instance, unit_owner: np.ndarray) -> dict:
    """Balance, moves, compactness and contiguity of one plan (a rep index per unit, -1 for a
    unit no rep got), each with territory's own functions."""
    from territory.balance import balance_metrics, book_stats, relative_deviation
    from territory.geo.territories import compactness, pieces

    g = inst.graph
    n_reps = len(inst.rep_ids)
    owner = unit_owner[inst.acc_unit]
    stats = book_stats(inst.acc_tier, inst.acc_potential, owner, n_reps)
    fair_tier, fair_pot = fair_shares(inst)
    bal = balance_metrics(stats, fair_tier, fair_pot)
    pot_dev = np.abs(relative_deviation(stats.potential, fair_pot))
    tier_dev = np.abs(relative_deviation(stats.tier_counts.astype(float), fair_tier))
    comp = compactness(g, unit_owner, inst.unit_potential, n_reps)  # type: ignore[arg-type]
    parts = pieces(g, unit_owner)  # type: ignore[arg-type]
    moved = moved_accounts(inst, unit_owner)
    return {
        "units_without_rep": int((unit_owner < 0).sum()),
        "reps_without_units": int(n_reps - len(parts)),
        "territories_split": int(sum(len(p) > 1 for p in parts.values())),
        "moves": int(moved.sum()),
        "moved_share": float(moved.mean()),
        "max_tier_deviation": bal["max_tier_deviation"],
        "max_potential_deviation": bal["max_potential_deviation"],
        "potential_cv": bal["potential_cv"],
        "reps_outside_potential_band": int((pot_dev > BAND + 1e-9).sum()),
        "reps_outside_tier_band": int((tier_dev > BAND + 1e-9).any(axis=1).sum()),
        "compactness_km": float(np.nanmean(comp)) if np.isfinite(comp).any() else float("nan"),
    }


def owner_from_labels(inst: Instance, labels_by_region: dict[str, np.ndarray]) -> tuple[np.ndarray, dict]:
    """Unit -> rep index from each region's library labels (per region unit, 0..), by the
    Hungarian matching on shared accounts; and what the matching left over."""
    owner = np.full(len(inst.unit_region), -1, dtype=np.int64)
    notes = {"territories": 0, "reps": 0}
    for region, labels in labels_by_region.items():
        units, reps = inst.region_units(region), inst.region_reps(region)
        k = int(labels.max()) + 1
        shared = shared_accounts(labels, inst.unit_owner_counts(units, reps), k)
        match = match_reps(shared)
        owner[units] = np.where(match[labels] >= 0, reps[np.maximum(match[labels], 0)], -1)
        notes["territories"] += k
        notes["reps"] += int(reps.size)
    return owner, notes


# --------------------------------------------------------------------------- the tools


def region_graph(inst: Instance, units: np.ndarray) -> list[list[int]]:
    """Neighbours (local indices) of the region's units, inside the region."""
    g = inst.graph
    pos = {int(u): i for i, u in enumerate(units.tolist())}
    return [sorted(pos[v] for v in g.nbrs[u] if v in pos) for u in units.tolist()]  # type: ignore[attr-defined]


def km_xy(inst: Instance, units: np.ndarray) -> np.ndarray:
    """(n, 2) km coordinates of the units' centres (equirectangular at the region's mean latitude)."""
    g = inst.graph
    lat, lon = g.lat[units], g.lon[units]  # type: ignore[attr-defined]
    c = np.cos(np.radians(lat.mean()))
    return np.column_stack([lon * c * 111.32, lat * 110.57])


def check_connected(nbrs: list[list[int]], region: str) -> None:
    from territory.geo.territories import components

    if len(components(nbrs)) > 1:
        raise SystemExit(f"the counties of region {region!r} are not one connected piece")


def run_skater(inst: Instance, region: str, k: int, seed: int, args) -> np.ndarray:
    import pandas as pd
    from libpysal.weights import W
    from spopt.region import Skater

    units = inst.region_units(region)
    nbrs = region_graph(inst, units)
    check_connected(nbrs, region)
    w = W({i: n for i, n in enumerate(nbrs)}, silence_warnings=True)
    xy = km_xy(inst, units)
    df = pd.DataFrame({"x": xy[:, 0], "y": xy[:, 1]})
    floor = max(1, int(0.5 * units.size / k))
    model = Skater(df, w, ["x", "y"], n_clusters=k, floor=floor, islands="increase")
    model.solve()
    return np.asarray(model.labels_, dtype=np.int64)


def balance_attributes(inst: Instance, units: np.ndarray, k: int) -> np.ndarray:
    """(n, 4): each unit's tier 1, 2, 3 counts and potential as shares of a territory's fair
    share (so a territory on its fair share sums to 1 in every column)."""
    vals = np.column_stack([inst.unit_tiers[units].astype(float), inst.unit_potential[units]])
    fair = vals.sum(axis=0) / k
    return vals / np.where(fair > 0, fair, 1.0)


def run_azp(inst: Instance, region: str, k: int, seed: int, args) -> np.ndarray:
    import scipy.sparse as sp
    from spopt.region.azp import AZPOrig
    from spopt.region.objective_function import ObjectiveFunction

    class Balance(ObjectiveFunction):
        """Sum over territories of (total / fair share - 1)^2, over tiers 1-3 and potential."""

        def __call__(self, labels, attr):
            sums = np.zeros((int(labels.max()) + 1, attr.shape[1]))
            np.add.at(sums, labels.astype(np.int64), attr)
            return float(((sums - 1.0) ** 2).sum())

        def update(self, moving_area, recipient_region, labels, attr):
            donor = labels[moving_area]
            a = attr[moving_area]
            d = attr[labels == donor].sum(axis=0)
            r = attr[labels == recipient_region].sum(axis=0)
            before = ((d - 1) ** 2).sum() + ((r - 1) ** 2).sum()
            after = ((d - a - 1) ** 2).sum() + ((r + a - 1) ** 2).sum()
            return float(after - before)

    units = inst.region_units(region)
    nbrs = region_graph(inst, units)
    check_connected(nbrs, region)
    rows = [i for i, n in enumerate(nbrs) for _ in n]
    cols = [j for n in nbrs for j in n]
    adj = sp.csr_matrix((np.ones(len(rows)), (rows, cols)), shape=(units.size, units.size))
    model = AZPOrig(random_state=seed)
    model.fit_from_scipy_sparse_matrix(adj, balance_attributes(inst, units, k), k, objective_func=Balance())
    return np.asarray(model.labels_, dtype=np.int64)


def run_gerrychain(inst: Instance, region: str, k: int, seed: int, args) -> np.ndarray:
    import random
    from functools import partial

    import networkx as nx
    from gerrychain import Graph, MarkovChain, Partition
    from gerrychain.accept import always_accept
    from gerrychain.constraints import within_percent_of_ideal_population
    from gerrychain.partition import recursive_tree_part
    from gerrychain.proposals import recom
    from gerrychain.tree import bipartition_tree
    from gerrychain.updaters import Tally

    units = inst.region_units(region)
    nbrs = region_graph(inst, units)
    check_connected(nbrs, region)
    h = nx.Graph()
    for i, u in enumerate(units.tolist()):
        h.add_node(i, pot=float(inst.unit_potential[u]))
    h.add_edges_from((i, j) for i, n in enumerate(nbrs) for j in n if i < j)
    graph = Graph.from_networkx(h)
    target = float(inst.unit_potential[units].sum()) / k
    rng = random.Random(seed)
    try:  # GerryChain's default is 100,000 spanning trees per split, which can run for hours
        split = partial(bipartition_tree, max_attempts=args.attempts)
        start = recursive_tree_part(graph, range(k), target, "pot", BAND, bipartition_tree_fn=split, rng=rng)
    except Exception as e:  # noqa: BLE001 (GerryChain raises several kinds)
        raise SystemExit(
            f"GerryChain found no first plan of {region} ({k} territories, potential within "
            f"+-{BAND:.0%}) in {args.attempts:,} spanning trees per split: {type(e).__name__}"
        ) from None
    part = Partition(graph, start, updaters={"pot": Tally("pot", alias="pot")})
    counts = inst.unit_owner_counts(units, inst.region_reps(region))
    chain = MarkovChain(
        proposal_fn=partial(recom, pop_col="pot", pop_target=target, epsilon=BAND),
        constraints=[within_percent_of_ideal_population(part, BAND, pop_key="pot")],
        acceptance_fn=always_accept,
        initial_partition=part,
        total_steps=args.steps,
        rng=rng,
    )
    best, best_kept = None, -1
    for state in chain:
        labels = labels_of(state, units.size)
        shared = shared_accounts(labels, counts, k)
        kept = kept_after_matching(shared, match_reps(shared))
        if kept > best_kept:
            best, best_kept = labels, kept
    assert best is not None
    return best


def labels_of(partition, n: int) -> np.ndarray:
    """A GerryChain partition's parts as labels 0..k-1 per node (nodes are 0..n-1)."""
    out = np.full(n, -1, dtype=np.int64)
    for label, nodes in partition.parts.items():
        out[list(nodes)] = int(label)
    return out


RUNNERS = {"skater": run_skater, "azp": run_azp, "gerrychain": run_gerrychain}


def rss_mb() -> float:
    with open("/proc/self/statm") as fh:
        return int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def child(args) -> int:
    """Run one tool on the instance in ``args.folder``; write its unit owners as JSON."""
    inp, inst = load_instance(args.folder / "accounts.csv", args.folder / "roster.csv", args.time_limit)
    rss0 = rss_mb()
    out: dict = {"tool": args.child}
    if args.child == "territory":
        from territory.pipeline import solve_input

        t0 = time.perf_counter()
        plan = solve_input(inp)
        out["seconds"] = time.perf_counter() - t0
        terr = plan.extras["territories"]
        rep_pos = {r: i for i, r in enumerate(inst.rep_ids)}
        owner = [rep_pos[o] for o in terr["owner_id"].astype(str).tolist()]
        if tuple(terr["unit_id"].astype(str)) != tuple(inst.graph.ids):  # type: ignore[attr-defined]
            raise SystemExit("territories.csv lists other units than the instance")
        out["owner"] = owner
        out["plan"] = {
            "objective": plan.objective,
            "bound": plan.bound,
            "moved": plan.moved,
            "max_potential_deviation": plan.metrics["max_potential_deviation"],
        }
    else:
        t0 = time.perf_counter()
        labels = {}
        for i, region in enumerate(inst.regions()):
            k = int(inst.region_reps(region).size)
            labels[region] = RUNNERS[args.child](inst, region, k, args.seed + i, args)
        out["seconds"] = time.perf_counter() - t0
        owner_arr, out["matching"] = owner_from_labels(inst, labels)
        out["owner"] = owner_arr.tolist()
    out["rss_before_mb"] = rss0
    out["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    args.result.write_text(json.dumps(out))
    return 0


# --------------------------------------------------------------------------- the table


def missing_packages(tools: list[str]) -> list[str]:
    import importlib.util

    need = sorted({p for t in tools for p in NEEDS[t]})
    return [p for p in need if importlib.util.find_spec(p) is None]


def row(tool: str, res: dict, ev: dict) -> list[str]:
    tiers = ev["max_tier_deviation"]
    return [
        tool,
        f"{res['seconds']:.1f}",
        f"{res['peak_rss_mb']:.0f}",
        f"{ev['moves']:,} ({ev['moved_share']:.1%})",
        f"{tiers['1']:.1%}",
        f"{max(tiers.values()):.1%}",
        f"{ev['reps_outside_tier_band']}",
        f"{ev['max_potential_deviation']:.1%}",
        f"{ev['reps_outside_potential_band']}",
        f"{ev['potential_cv']:.3f}",
        f"{ev['compactness_km']:.0f}",
        f"{ev['territories_split']}",
    ]


HEADER = [
    "tool",
    "time s",
    "peak RSS MB",
    "moves",
    "max tier-1 dev",
    "max tier dev",
    "reps off tier band",
    "max potential dev",
    "reps off potential band",
    "potential CV",
    "compactness km",
    "split territories",
]


def markdown(rows: list[list[str]]) -> str:
    lines = ["| " + " | ".join(HEADER) + " |", "|" + "---|" * len(HEADER)]
    lines += ["| " + " | ".join(r) + " |" for r in rows]
    return "\n".join(lines)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--accounts", type=int, default=100_000)
    ap.add_argument("--reps", type=int, default=100)
    ap.add_argument("--seed", type=int, default=15)
    ap.add_argument("--regions", default="division", choices=("division", "region"))
    ap.add_argument("--tools", default=",".join(TOOLS))
    ap.add_argument("--steps", type=int, default=100, help="ReCom chain length per region")
    ap.add_argument(
        "--attempts", type=int, default=10_000, help="GerryChain: spanning trees per split of its first plan"
    )
    ap.add_argument(
        "--time-limit",
        type=float,
        help="territory's solver.time_limit (wall clock per solve; default 60 s): on a loaded "
        "machine the default cuts territory's solves short",
    )
    ap.add_argument("--timeout", type=float, default=1800.0, help="seconds per tool before it is stopped")
    ap.add_argument("--child", choices=TOOLS, help=argparse.SUPPRESS)
    ap.add_argument("--folder", type=Path, help=argparse.SUPPRESS)
    ap.add_argument("--result", type=Path, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        return child(args)
    tools = [t.strip() for t in args.tools.split(",") if t.strip()]
    unknown = [t for t in tools if t not in TOOLS]
    if unknown:
        ap.error(f"unknown tool(s) {', '.join(unknown)}; choose from {', '.join(TOOLS)}")
    missing = missing_packages(tools)
    if missing:
        print(
            f"bench/geo_compare.py needs {', '.join(missing)} for {', '.join(tools)}; install the "
            f"optional libraries with:\n    {PIP}\n(or run only --tools territory)",
            file=sys.stderr,
        )
        return 2
    sys.path.insert(0, str(HERE))
    from geo_units import generate

    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        generate(folder, args.accounts, args.reps, args.seed, args.regions)
        _, inst = load_instance(folder / "accounts.csv", folder / "roster.csv")
        g = inst.graph
        per_region = {r: (inst.region_units(r).size, inst.region_reps(r).size) for r in inst.regions()}
        print(
            f"{args.accounts:,} accounts x {args.reps} reps over {g.n:,} counties "  # type: ignore[attr-defined]
            f"in {len(per_region)} regions (Census {args.regions}s), seed {args.seed}"
        )
        print(f"load average at start: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores", flush=True)
        print("counties / reps per region: " + "; ".join(f"{r} {u}/{k}" for r, (u, k) in per_region.items()))
        rows, results = [], {}
        for tool in tools:
            out = folder / f"{tool}.json"
            cmd = [sys.executable, __file__, "--child", tool, "--folder", str(folder), "--result", str(out)]
            cmd += ["--seed", str(args.seed), "--steps", str(args.steps), "--attempts", str(args.attempts)]
            cmd += [] if args.time_limit is None else ["--time-limit", str(args.time_limit)]
            t0 = time.perf_counter()
            try:
                proc = subprocess.run(cmd, capture_output=True, text=True, timeout=args.timeout)
            except subprocess.TimeoutExpired:
                print(f"{tool}: did not finish in {args.timeout:.0f} s (stopped)", flush=True)
                rows.append([tool, f"> {args.timeout:.0f}"] + ["did not finish"] + [""] * (len(HEADER) - 3))
                continue
            wall = time.perf_counter() - t0
            if proc.returncode != 0:
                tail = (proc.stderr or proc.stdout).strip().splitlines()[-3:]
                print(f"{tool}: failed after {wall:.0f} s: {' | '.join(tail)}")
                continue
            res = json.loads(out.read_text())
            ev = evaluate(inst, np.asarray(res["owner"], dtype=np.int64))
            results[tool] = {**res, "eval": ev, "process_seconds": wall}
            rows.append(row(tool, res, ev))
            note = f"{tool}: {wall:.0f} s in its process"
            if "plan" in res:
                p = res["plan"]
                note += (
                    f"; objective {p['objective']:,.1f}, bound without contiguity {p['bound']:,.1f}"
                    f"; its own max potential deviation {p['max_potential_deviation']:.1%}"
                )
            if "matching" in res:
                m = res["matching"]
                note += f"; {m['territories']} territories found for {m['reps']} reps"
            if ev["units_without_rep"] or ev["reps_without_units"]:
                note += f"; {ev['units_without_rep']} counties without a rep, {ev['reps_without_units']} reps without counties"
            note += f"; load average {os.getloadavg()[0]:.1f}"
            print(note, flush=True)
            print("  | " + " | ".join(rows[-1]) + " |", flush=True)
    print()
    print(markdown(rows))
    return 0


if __name__ == "__main__":
    sys.exit(main())
