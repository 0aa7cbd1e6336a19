"""Seeded generator of realistic territory-planning instances (accounts + roster).

Writes ``accounts.csv`` and ``roster.csv`` in the canonical schema (PRODUCT.md, "Data contract")::

    python bench/generate.py --size M --seed 1 --out bench/data/M

or, from Python::

    from bench.generate import generate          # or: sys.path hack, see tests/test_generate.py
    accounts, roster = generate("S", seed=1)
    accounts, roster = generate((5_000, 20, 3), seed=7)  # (accounts, reps, regions)

What makes the instances realistic (and what a plan has to cope with):

- regions of unequal size (Dirichlet weights); reps are spread over the regions in proportion
  to their accounts, one region per rep;
- tiers drawn with shares of about 15 / 35 / 50 %; potential is lognormal, correlated with
  company size and scaled by tier (Tier 1 about 4x Tier 3);
- about 3 % of the accounts are children in families of 2-5 accounts (a parent and 1-4
  children), always in the parent's region and with the parent's owner; a parent's row comes
  before its children's rows, so ``parent_id`` never points forward;
- current owners are dealt per (region, tier) with mildly skewed weights, so today's books
  are a little unbalanced: about 2 % of the accounts belong to departed reps (owner ids not
  on the roster), about 3 % of the roster are new reps with no accounts, about 10 % are
  ramping (capacity 0.5). A rebuild has to move roughly 5-15 % of the accounts;
- about 1 % of the accounts are locked, only where the owner is on the roster.

Everything is numpy-vectorised; XL (1,000,000 accounts x 1,000 reps) generates in a few
seconds. Same size and seed give identical frames and byte-identical CSV files.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

SIZES: dict[str, tuple[int, int, int]] = {
    "S": (1_000, 10, 2),
    "M": (10_000, 50, 5),
    "L": (100_000, 500, 10),
    "XL": (1_000_000, 1_000, 20),
}

ACCOUNT_COLUMNS = [
    "account_id",
    "name",
    "industry",
    "employees",
    "annual_revenue",
    "country",
    "state",
    "region",
    "postal_code",
    "parent_id",
    "owner_id",
    "potential",
    "tier",
    "locked",
]
ROSTER_COLUMNS = [
    "rep_id",
    "name",
    "email",
    "manager",
    "region",
    "segment",
    "capacity",
    "product",
    "max_accounts",
]

# Realism knobs (shares are targets; the generator hits them up to sampling noise).
TIER_SHARES = (0.15, 0.35, 0.50)
TIER_POTENTIAL_SCALE = (4.0, 2.0, 1.0)
CHILD_SHARE = 0.03  # accounts that are children of a parent
DEPARTED_SHARE = 0.02  # accounts owned by reps who left the roster
NEW_REP_SHARE = 0.03  # reps on the roster with no accounts yet
RAMPING_SHARE = 0.10  # reps at capacity 0.5
LOCKED_SHARE = 0.01  # accounts locked to their (rostered) owner
OWNER_SKEW = 0.25  # sigma of the lognormal skew on current-owner weights (tuned: the
# baseline then moves ~7-10 % of accounts, ~12 % at zero band)

# (region, country, states); the first n regions are used for an n-region instance.
REGIONS: list[tuple[str, str, tuple[str, ...]]] = [
    ("West", "US", ("CA", "OR", "WA", "NV")),
    ("East", "US", ("NY", "NJ", "PA", "MA")),
    ("Central", "US", ("IL", "OH", "MI", "MN")),
    ("South", "US", ("TX", "FL", "GA", "NC")),
    ("Mountain", "US", ("CO", "AZ", "UT", "ID")),
    ("Canada", "CA", ("ON", "QC", "BC", "AB")),
    ("UK&I", "GB", ("ENG", "SCT", "WLS", "NIR")),
    ("DACH", "DE", ("BY", "BE", "HH", "NW")),
    ("France", "FR", ("IDF", "ARA", "PAC", "OCC")),
    ("Benelux", "NL", ("NH", "ZH", "UT", "NB")),
    ("Nordics", "SE", ("AB", "O", "M", "E")),
    ("Iberia", "ES", ("MD", "CT", "AN", "VC")),
    ("Italy", "IT", ("MI", "RM", "TO", "NA")),
    ("ANZ", "AU", ("NSW", "VIC", "QLD", "WA")),
    ("Japan", "JP", ("13", "27", "23", "14")),
    ("India", "IN", ("MH", "KA", "DL", "TN")),
    ("Brazil", "BR", ("SP", "RJ", "MG", "PR")),
    ("Mexico", "MX", ("CMX", "JAL", "NLE", "PUE")),
    ("SEA", "SG", ("01", "02", "03", "04")),
    ("Middle East", "AE", ("DU", "AZ", "SH", "AJ")),
]

INDUSTRIES = np.array(
    [
        "Software",
        "Financial Services",
        "Healthcare",
        "Manufacturing",
        "Retail",
        "Logistics",
        "Telecommunications",
        "Education",
        "Energy",
        "Media",
        "Professional Services",
        "Public Sector",
    ]
)
INDUSTRY_WEIGHTS = np.array([16, 12, 11, 13, 9, 7, 5, 6, 5, 5, 8, 3], dtype=float)

WORD_A = np.array(
    [
        "Acme",
        "Blue",
        "Cedar",
        "Delta",
        "Evergreen",
        "Falcon",
        "Granite",
        "Harbor",
        "Iron",
        "Juniper",
        "Keystone",
        "Lumen",
        "Maple",
        "Northwind",
        "Orion",
        "Pioneer",
        "Quartz",
        "River",
        "Summit",
        "Titan",
        "Union",
        "Vertex",
        "Willow",
        "Zenith",
        "Apex",
        "Beacon",
        "Cobalt",
        "Dune",
        "Ember",
        "Frontier",
        "Golden",
        "Horizon",
    ]
)
WORD_B = np.array(
    [
        "Analytics",
        "Bank",
        "Logistics",
        "Systems",
        "Foods",
        "Health",
        "Energy",
        "Labs",
        "Motors",
        "Networks",
        "Partners",
        "Retail",
        "Robotics",
        "Software",
        "Steel",
        "Telecom",
        "Textiles",
        "Works",
        "Media",
        "Capital",
        "Pharma",
        "Solutions",
        "Industries",
        "Group",
    ]
)
SUFFIX = np.array(["Inc", "LLC", "Ltd", "GmbH", "SA", "Corp", "plc", "AG", "BV", "Co"])

FIRST = np.array(
    [
        "Ana",
        "Ben",
        "Chloe",
        "Dev",
        "Elena",
        "Farid",
        "Grace",
        "Hiro",
        "Ines",
        "Jon",
        "Kara",
        "Luis",
        "Maya",
        "Nils",
        "Olga",
        "Priya",
        "Quinn",
        "Rosa",
        "Sam",
        "Tariq",
        "Uma",
        "Victor",
        "Wen",
        "Yara",
        "Zoe",
        "Marco",
        "Leila",
        "Tom",
        "Aisha",
        "Piotr",
    ]
)
LAST = np.array(
    [
        "Ortiz",
        "Nguyen",
        "Smith",
        "Kumar",
        "Rossi",
        "Schmidt",
        "Tanaka",
        "Silva",
        "Dubois",
        "Kowalski",
        "Okafor",
        "Andersen",
        "Haddad",
        "Lee",
        "Garcia",
        "Murphy",
        "Novak",
        "Patel",
        "Cohen",
        "Berg",
        "Costa",
        "Fischer",
        "Ivanova",
        "Jensen",
        "Moreau",
        "Sato",
        "Walker",
        "Yilmaz",
    ]
)


def _largest_remainder(total: int, weights: np.ndarray) -> np.ndarray:
    """Split ``total`` into integer counts proportional to ``weights`` (Hamilton's method)."""
    w = np.asarray(weights, dtype=float)
    if total <= 0 or w.sum() <= 0:
        return np.zeros(w.size, dtype=np.int64)
    exact = total * w / w.sum()
    counts = np.floor(exact).astype(np.int64)
    short = total - int(counts.sum())
    if short:
        # ties broken by position, so the split is deterministic
        order = np.argsort(-(exact - counts), kind="stable")
        counts[order[:short]] += 1
    return counts


def _ids(prefix: str, numbers: np.ndarray, width: int) -> np.ndarray:
    return np.array([f"{prefix}{n:0{width}d}" for n in numbers.tolist()], dtype=object)


def _person_names(rng: np.random.Generator, n: int) -> tuple[np.ndarray, np.ndarray]:
    first = FIRST[rng.integers(0, FIRST.size, n)]
    last = LAST[rng.integers(0, LAST.size, n)]
    return first, last


def _resolve_size(size: str | tuple[int, int, int]) -> tuple[int, int, int]:
    if isinstance(size, str):
        try:
            return SIZES[size.upper()]
        except KeyError:
            raise ValueError(
                f"unknown size {size!r}; use one of {', '.join(SIZES)} or a tuple (accounts, reps, regions)"
            ) from None
    n_acc, n_rep, n_reg = (int(x) for x in size)
    if n_reg < 1 or n_reg > len(REGIONS):
        raise ValueError(f"regions must be between 1 and {len(REGIONS)}, got {n_reg}")
    if n_rep < n_reg:
        raise ValueError(f"need at least one rep per region: {n_rep} reps for {n_reg} regions")
    if n_acc < 1:
        raise ValueError("need at least one account")
    return n_acc, n_rep, n_reg


def _roster(
    rng: np.random.Generator,
    n_rep: int,
    n_reg: int,
    region_w: np.ndarray,
) -> tuple[pd.DataFrame, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The roster, plus per-owner arrays (rostered reps + departed reps) for dealing books.

    Returns (roster, owner_ids, owner_region, owner_weight, owner_is_new).
    """
    # Reps per region in proportion to the region's accounts, at least one each.
    reps_per_region = 1 + _largest_remainder(n_rep - n_reg, region_w)
    rep_region = np.repeat(np.arange(n_reg), reps_per_region)
    # Departed reps: a few per region who still own ~2 % of the accounts.
    dep_per_region = np.maximum(1, np.round(DEPARTED_SHARE * 3 * reps_per_region)).astype(np.int64)
    dep_region = np.repeat(np.arange(n_reg), dep_per_region)
    n_dep = int(dep_per_region.sum())

    # Rep ids are handed out in a shuffled order over rostered + departed reps, so departed
    # ids look like ordinary ids with gaps in the roster.
    n_all = n_rep + n_dep
    width = max(4, len(str(n_all)))
    numbers = rng.permutation(n_all) + 1
    rep_ids = _ids("R", numbers[:n_rep], width)
    dep_ids = _ids("R", numbers[n_rep:], width)

    capacity = np.ones(n_rep)
    ramping = rng.random(n_rep) < RAMPING_SHARE
    capacity[ramping] = 0.5
    is_new = np.zeros(n_rep, dtype=bool)
    n_new = int(round(NEW_REP_SHARE * n_rep))
    if n_new:
        # never make the only rep of a region a new one
        candidates = np.flatnonzero(reps_per_region[rep_region] > 1)
        is_new[rng.choice(candidates, size=min(n_new, candidates.size), replace=False)] = True

    first, last = _person_names(rng, n_rep)
    names = np.char.add(np.char.add(first.astype(str), " "), last.astype(str))
    emails = [
        f"{f.lower()}.{la.lower()}.{i.lower()}@example.com"
        for f, la, i in zip(first.tolist(), last.tolist(), rep_ids.tolist(), strict=True)
    ]
    # First-line managers: teams of up to 8 reps within a region.
    team = np.concatenate([np.arange(k) // 8 for k in reps_per_region.tolist()])
    team_key = rep_region * 1000 + team
    uniq, team_idx = np.unique(team_key, return_inverse=True)
    mf, ml = _person_names(rng, uniq.size)
    managers = np.char.add(np.char.add(mf.astype(str), " "), ml.astype(str))[team_idx]

    region_names = np.array([r[0] for r in REGIONS[:n_reg]], dtype=object)
    roster = pd.DataFrame(
        {
            "rep_id": rep_ids,
            "name": names.astype(object),
            "email": np.array(emails, dtype=object),
            "manager": managers.astype(object),
            "region": region_names[rep_region],
            "segment": "",
            "capacity": capacity,
            "product": "",
            "max_accounts": np.full(n_rep, np.nan),
        },
        columns=ROSTER_COLUMNS,
    )
    roster = roster.sort_values("rep_id", kind="stable").reset_index(drop=True)

    # Owner weights for today's books: capacity x a mild lognormal skew; new reps own nothing;
    # departed reps share DEPARTED_SHARE of each region.
    weight = capacity * np.exp(OWNER_SKEW * rng.standard_normal(n_rep))
    # a region must keep at least one rep with a book
    has_book = np.bincount(rep_region, weights=~is_new, minlength=n_reg) > 0
    first_of_region = np.concatenate([[0], np.cumsum(reps_per_region)[:-1]])
    is_new[first_of_region[~has_book]] = False
    weight[is_new] = 0.0
    region_total = np.bincount(rep_region, weights=weight, minlength=n_reg)
    weight = weight / region_total[rep_region] * (1.0 - DEPARTED_SHARE)
    dep_weight = DEPARTED_SHARE / dep_per_region[dep_region]
    owner_ids = np.concatenate([rep_ids, dep_ids])
    owner_region = np.concatenate([rep_region, dep_region])
    owner_weight = np.concatenate([weight, dep_weight])
    owner_new = np.concatenate([is_new, np.zeros(n_dep, dtype=bool)])
    return roster, owner_ids, owner_region, owner_weight, owner_new


def generate(
    size: str | tuple[int, int, int],
    seed: int,
    *,
    children: float = CHILD_SHARE,
    locks: float = LOCKED_SHARE,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Generate ``(accounts, roster)`` for a named size (S, M, L, XL) or (accounts, reps, regions).

    ``children`` and ``locks`` are the shares of accounts that are children of a parent and
    that are locked (the "families" instances of bench/gaps.py: 8 % and 2 %). Same arguments
    give identical frames. ``locked`` is a bool column (``write_instance``
    writes it as true/false); ``parent_id`` is missing for accounts without a parent.
    """
    n_acc, n_rep, n_reg = _resolve_size(size)
    rng = np.random.default_rng(seed)

    region_w = rng.dirichlet(np.full(n_reg, 6.0)) if n_reg > 1 else np.ones(1)
    roster, owner_ids, owner_region, owner_weight, _ = _roster(rng, n_rep, n_reg, region_w)
    rostered = np.zeros(owner_ids.size, dtype=bool)
    rostered[:n_rep] = True  # _roster puts rostered reps first in the owner arrays

    # --- family structure: top-level accounts ("roots") and children -------------------------
    n_child_target = int(round(children * n_acc))
    n_fam = int(round(n_child_target / 2.5))  # 1-4 children per family, 2.5 on average
    kids = rng.integers(1, 5, n_fam) if n_fam else np.zeros(0, dtype=np.int64)
    # trim so that the roots plus children fit into n_acc
    while n_fam and kids.sum() + n_fam > n_acc:
        n_fam -= 1
        kids = kids[:n_fam]
    n_child = int(kids.sum())
    n_root = n_acc - n_child

    # --- root attributes ----------------------------------------------------------------------
    root_region = np.repeat(np.arange(n_reg), _largest_remainder(n_root, region_w))
    rng.shuffle(root_region)
    tier_root = rng.choice(3, size=n_root, p=TIER_SHARES) + 1

    parents = rng.choice(n_root, size=n_fam, replace=False) if n_fam else np.zeros(0, np.int64)
    child_parent = np.repeat(parents, kids)  # root index of each child's parent

    # --- owners: deal each (region, tier) by quota with skewed weights, then shuffle ---------
    owner_root = np.empty(n_root, dtype=np.int64)
    order = np.lexsort((rng.random(n_root), tier_root, root_region))
    group = root_region[order] * 3 + (tier_root[order] - 1)
    bounds = np.searchsorted(group, np.arange(n_reg * 3 + 1))
    for g in range(n_reg * 3):
        lo, hi = bounds[g], bounds[g + 1]
        if hi == lo:
            continue
        owners_here = np.flatnonzero(owner_region == g // 3)
        counts = _largest_remainder(hi - lo, owner_weight[owners_here])
        owner_root[order[lo:hi]] = np.repeat(owners_here, counts)

    # --- all accounts: roots, then children inheriting region and owner ----------------------
    region = np.concatenate([root_region, root_region[child_parent]])
    owner = np.concatenate([owner_root, owner_root[child_parent]])
    tier = np.concatenate([tier_root, rng.choice(3, size=n_child, p=TIER_SHARES) + 1])
    parent_row = np.concatenate([np.full(n_root, -1, dtype=np.int64), child_parent])

    # Row order: roots in random order; each child lands at a random later position than its
    # parent, so the file always lists parents first.
    root_key = rng.permutation(n_root).astype(float)
    child_key = root_key[child_parent] + rng.random(n_child) * (n_root - root_key[child_parent])
    perm = np.argsort(np.concatenate([root_key, child_key]), kind="stable")
    pos = np.empty(n_acc, dtype=np.int64)
    pos[perm] = np.arange(n_acc)  # old row -> new row
    region, owner, tier, parent_row = region[perm], owner[perm], tier[perm], parent_row[perm]
    parent_row = np.where(parent_row >= 0, pos[np.maximum(parent_row, 0)], -1)

    # --- firmographics and potential ------------------------------------------------------------
    size_z = rng.standard_normal(n_acc) + (3 - tier) * 0.35  # Tier 1 skews larger
    is_child = parent_row >= 0
    size_z[is_child] -= 0.7  # subsidiaries are smaller
    employees = np.maximum(1, np.round(np.exp(4.6 + 1.3 * size_z))).astype(np.int64)
    rev_per_emp = np.exp(rng.normal(np.log(180_000), 0.45, n_acc))
    annual_revenue = (np.round(employees * rev_per_emp / 1000.0) * 1000).astype(np.int64)
    scale = np.asarray(TIER_POTENTIAL_SCALE)[tier - 1]
    potential = np.round(15_000.0 * scale * np.exp(0.45 * size_z + 0.6 * rng.standard_normal(n_acc)), 2)

    industry_idx = rng.choice(INDUSTRIES.size, size=n_acc, p=INDUSTRY_WEIGHTS / INDUSTRY_WEIGHTS.sum())
    industry_idx = np.where(is_child, industry_idx[np.maximum(parent_row, 0)], industry_idx)
    countries = np.array([r[1] for r in REGIONS[:n_reg]], dtype=object)
    states = np.array([r[2] for r in REGIONS[:n_reg]], dtype=object)  # (n_reg, 4)
    state = states[region, rng.integers(0, 4, n_acc)]
    postal = rng.integers(1000, 99999, n_acc)

    a = WORD_A[rng.integers(0, WORD_A.size, n_acc)]
    b = WORD_B[rng.integers(0, WORD_B.size, n_acc)]
    s = SUFFIX[rng.integers(0, SUFFIX.size, n_acc)]
    names = np.char.add(np.char.add(np.char.add(np.char.add(a, " "), b), " "), s)

    # --- locks: ~1 % of accounts, only where the owner is on the roster ----------------------
    on_roster = rostered[owner]
    p_lock = locks * n_acc / max(1, int(on_roster.sum()))
    locked = on_roster & (rng.random(n_acc) < p_lock)

    width = max(6, len(str(n_acc)))
    account_ids = _ids("A", np.arange(1, n_acc + 1), width)
    parent_id = np.where(is_child, account_ids[np.maximum(parent_row, 0)], None)
    region_names = np.array([r[0] for r in REGIONS[:n_reg]], dtype=object)

    accounts = pd.DataFrame(
        {
            "account_id": account_ids,
            "name": names.astype(object),
            "industry": INDUSTRIES[industry_idx].astype(object),
            "employees": employees,
            "annual_revenue": annual_revenue,
            "country": countries[region],
            "state": state,
            "region": region_names[region],
            "postal_code": np.char.zfill(postal.astype(str), 5).astype(object),
            "parent_id": parent_id,
            "owner_id": owner_ids[owner],
            "potential": potential,
            "tier": tier.astype(np.int64),
            "locked": locked,
        },
        columns=ACCOUNT_COLUMNS,
    )
    for col in (
        "account_id",
        "name",
        "industry",
        "country",
        "state",
        "region",
        "postal_code",
        "parent_id",
        "owner_id",
    ):
        accounts[col] = accounts[col].astype("str")
    return accounts, roster


def add_products(
    accounts: pd.DataFrame,
    roster: pd.DataFrame,
    seed: int,
    products: tuple[str, ...] = ("core", "analytics"),
    auto_share: float = 1.0,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Product ICPs on top of a generated instance: one ``tier_<product>`` column per product
    and a ``product`` for every rep ("auto" for a share ``auto_share`` of them, the others
    dealt the products in turn).

    The first product's tier is the account's ``tier``; each further product agrees with it
    for about half of the accounts and is drawn afresh (15/35/50) for the rest, so products
    overlap but differ, as two ICPs of one company do. This is the "split generalists into
    product specialists" rebuild: today's owners carry every product of their accounts.
    """
    rng = np.random.default_rng([seed, 7919])
    acc = accounts.copy()
    ros = roster.copy()
    base = acc["tier"].to_numpy(dtype=np.int64)
    for i, prod in enumerate(products):
        if i == 0:
            t = base
        else:
            fresh = rng.choice(3, size=len(acc), p=TIER_SHARES) + 1
            t = np.where(rng.random(len(acc)) < 0.5, base, fresh)
        acc[f"tier_{prod}"] = t.astype(np.int64)
    n = len(ros)
    n_auto = int(round(auto_share * n))
    given = np.array([products[i % len(products)] for i in range(n - n_auto)], dtype=object)
    prod = np.concatenate([given, np.full(n_auto, "auto", dtype=object)])
    ros["product"] = prod[rng.permutation(n)]
    return acc, ros


def add_measures(
    accounts: pd.DataFrame, seed: int, measures: tuple[str, ...] = ("arr", "pipeline")
) -> pd.DataFrame:
    """Extra numeric account columns to balance besides potential (``balance.measures``).

    Each is lognormal and correlated with potential (rank correlation about 0.4-0.5), as ARR,
    open pipeline or renewals due are in a real book, with about 20 % of the accounts at 0
    (no contract, no open deal). Seeded by ``seed`` and the column's position.
    """
    acc = accounts.copy()
    pot = acc["potential"].to_numpy(dtype=np.float64)
    z_pot = (np.log(np.maximum(pot, 1.0)) - np.log(np.maximum(pot, 1.0)).mean()) / max(
        np.log(np.maximum(pot, 1.0)).std(), 1e-9
    )
    for k, name in enumerate(measures):
        rng = np.random.default_rng([seed, 104729, k])
        z = 0.75 * z_pot + 0.66 * rng.standard_normal(len(acc))
        value = np.round(4_000.0 * (k + 1) * np.exp(0.8 * z), 2)
        value[rng.random(len(acc)) < 0.2] = 0.0
        acc[name] = value
    return acc


def write_instance(accounts: pd.DataFrame, roster: pd.DataFrame, out: str | Path) -> tuple[Path, Path]:
    """Write ``accounts.csv`` and ``roster.csv`` into ``out`` (locked as true/false)."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    acc = accounts.copy()
    acc["locked"] = np.where(acc["locked"].to_numpy(dtype=bool), "true", "false")
    paths = out / "accounts.csv", out / "roster.csv"
    acc.to_csv(paths[0], index=False, lineterminator="\n")
    roster.to_csv(paths[1], index=False, lineterminator="\n")
    return paths


def _parse_size(text: str) -> str | tuple[int, int, int]:
    if text.upper() in SIZES:
        return text.upper()
    parts = text.lower().replace("x", ",").split(",")
    if len(parts) != 3:
        raise argparse.ArgumentTypeError(
            f"{text!r}: use S, M, L, XL or ACCOUNTS,REPS,REGIONS (e.g. 5000,20,3)"
        )
    return int(parts[0]), int(parts[1]), int(parts[2])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--size", type=_parse_size, default="S", help="S, M, L, XL, or ACCOUNTS,REPS,REGIONS (default S)"
    )
    parser.add_argument("--seed", type=int, default=1, help="random seed (default 1)")
    parser.add_argument("--out", required=True, help="output directory, e.g. bench/data/M")
    parser.add_argument(
        "--products", default="", help="product ICPs, e.g. core,analytics: adds tier_<product> columns"
    )
    parser.add_argument(
        "--auto-share",
        type=float,
        default=1.0,
        help="with --products: share of reps with product = auto (default 1)",
    )
    parser.add_argument("--children", type=float, default=CHILD_SHARE, help="share of child accounts")
    parser.add_argument("--locks", type=float, default=LOCKED_SHARE, help="share of locked accounts")
    parser.add_argument(
        "--measures", default="", help="extra numeric columns to balance, e.g. arr,pipeline (seeded)"
    )
    args = parser.parse_args(argv)
    t0 = time.perf_counter()
    accounts, roster = generate(args.size, args.seed, children=args.children, locks=args.locks)
    if args.products:
        accounts, roster = add_products(
            accounts,
            roster,
            args.seed,
            tuple(p.strip() for p in args.products.split(",") if p.strip()),
            args.auto_share,
        )
    if args.measures:
        accounts = add_measures(
            accounts, args.seed, tuple(m.strip() for m in args.measures.split(",") if m.strip())
        )
    t1 = time.perf_counter()
    acc_path, ros_path = write_instance(accounts, roster, args.out)
    t2 = time.perf_counter()
    print(
        f"{len(accounts):,} accounts -> {acc_path}\n{len(roster):,} reps -> {ros_path}\n"
        f"generate {t1 - t0:.2f} s, write {t2 - t1:.2f} s",
        file=sys.stderr,
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
