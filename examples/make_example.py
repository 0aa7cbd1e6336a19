#!/usr/bin/env python3
"""Build the bundled example (examples/accounts.csv, examples/roster.csv).

The accounts are ~1,000 real companies from Inc. magazine's 2019 "Inc 5000" list
(Maven Analytics data set); the state -> Census region map is the US Census Bureau
regions/divisions table.  Everything a CRM would add on top of firmographics
(tier, potential, tech stack, parent links, current owners, the rep roster) is
derived here by documented, seeded rules -- see examples/README.md.

Deterministic: a single ``numpy.random.default_rng(2027)`` drives every random
choice, and the draws happen in a fixed order, so running the script twice
writes byte-identical files.

Usage::

    python examples/make_example.py [--data DIR] [--out DIR]

``--data`` defaults to ``../shared/data`` relative to the repository root;
``--out`` defaults to the directory holding this script.
Only pandas, numpy and the standard library are used.
"""

from __future__ import annotations

import argparse
import re
from pathlib import Path

import numpy as np
import pandas as pd

SEED = 2027
REPO_ROOT = Path(__file__).resolve().parent.parent
INC_FILE = Path("inc5000-2019") / "INC 5000 Companies 2019.csv"
REGION_FILE = Path("us-census-regions") / "us census bureau regions and divisions.csv"

ACCOUNT_COLUMNS = [
    "account_id",
    "name",
    "industry",
    "employees",
    "annual_revenue",
    "country",
    "state",
    "city",
    "region",
    "postal_code",
    "parent_id",
    "owner_id",
    "potential",
    "tier",
    "tech_stack",
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
REGIONS = ["Northeast", "Midwest", "South", "West"]

# Accounts drawn per Census region (stratified sample, 1,000 in total).  The
# South holds 40 % of the list, so a proportional draw would leave the
# Northeast and Midwest with ~160 each; we lift them to 200.
SAMPLE_PER_REGION = {"Northeast": 200, "Midwest": 200, "South": 350, "West": 250}

# ---------------------------------------------------------------- roster
# 16 invented reps: 3 Northeast, 3 Midwest, 6 South, 4 West (roughly each
# region's account share).  (rep_id, first, last, region)
REPS = [
    ("R01", "Ana", "Ortiz", "Northeast"),
    ("R02", "David", "Kowalski", "Northeast"),
    ("R03", "Priya", "Raman", "Northeast"),
    ("R04", "Marcus", "Johnson", "Midwest"),
    ("R05", "Emily", "Larsen", "Midwest"),
    ("R06", "Tomasz", "Nowak", "Midwest"),
    ("R07", "Keisha", "Williams", "South"),
    ("R08", "Luis", "Hernandez", "South"),
    ("R09", "Grace", "Nguyen", "South"),
    ("R10", "Samuel", "Okafor", "South"),
    ("R11", "Hannah", "Brooks", "South"),
    ("R12", "Omar", "Haddad", "South"),  # new hire: owns nothing yet
    ("R13", "Mei", "Chen", "West"),
    ("R14", "Jake", "Thompson", "West"),
    ("R15", "Sofia", "Rossi", "West"),
    ("R16", "Daniel", "Yazzie", "West"),  # ramping: capacity 0.5
]
MANAGERS = {
    "Northeast": "Rachel Goldberg",
    "Midwest": "Brian O'Neill",
    "South": "Teresa Alvarez",
    "West": "Kenji Watanabe",
}
NEW_REP = "R12"
RAMPING_REP = "R16"
DEPARTED_REP = "R99"  # left the company; not in the roster
DEPARTED_REGION = "South"
DEPARTED_ACCOUNTS = 40

# Current-book skew: a fixed weight per rep (how big a share of the region's
# accounts they hold today) and a Tier-1 bias (some reps hoarded the best
# accounts).  Together with the random draw this leaves books realistic but
# somewhat unbalanced.
BOOK_WEIGHT = {
    "R01": 1.15,
    "R02": 1.00,
    "R03": 0.85,
    "R04": 0.90,
    "R05": 1.15,
    "R06": 0.95,
    "R07": 1.10,
    "R08": 0.95,
    "R09": 1.00,
    "R10": 1.05,
    "R11": 0.90,
    "R13": 1.10,
    "R14": 1.00,
    "R15": 0.95,
    "R16": 0.60,
}
TIER1_BIAS = {"R01": 1.4, "R05": 1.3, "R07": 1.4, "R13": 1.3}

# ---------------------------------------------------------------- tiering
# Industry fit for a B2B software ICP: 40 / 25 / 10 points.
INDUSTRY_FIT = {
    "Software": 40,
    "IT Management": 40,
    "IT System Development": 40,
    "IT Services": 40,
    "Business Products & Services": 40,
    "Health": 40,
    "Financial Services": 25,
    "Insurance": 25,
    "Security": 25,
    "Telecommunications": 25,
    "Advertising & Marketing": 25,
    "Human Resources": 25,
    "Computer Hardware": 25,
    "Government Services": 25,
    "Engineering": 25,
    "Logistics & Transportation": 25,
    "Education": 25,
    "Manufacturing": 25,
}
DEFAULT_FIT = 10
# Size band on employees: (lower bound, points); unknown size scores 0.
EMPLOYEE_BANDS = [(500, 30), (200, 25), (100, 20), (50, 12), (20, 6), (0, 0)]
# Revenue band on annual revenue in dollars.
REVENUE_BANDS = [(100e6, 30), (50e6, 25), (20e6, 18), (10e6, 12), (5e6, 6), (0, 0)]
TIER_SHARES = (0.15, 0.35)  # Tier 1, Tier 2; the rest is Tier 3

# ---------------------------------------------------------------- potential
POTENTIAL_FACTOR = {1: 0.05, 2: 0.03, 3: 0.015}
POTENTIAL_REVENUE_CAP = 250e6  # a few billion-dollar firms would dwarf the rest
POTENTIAL_SIGMA = 0.3

# ---------------------------------------------------------------- families
N_FAMILIES = 25

# ---------------------------------------------------------------- tech stack
TECH = [
    "Salesforce",
    "HubSpot",
    "Snowflake",
    "AWS",
    "Azure",
    "Slack",
    "Zendesk",
    "Shopify",
    "SAP",
    "NetSuite",
]
TECH_GROUP = {
    "tech": {
        "Software",
        "IT Management",
        "IT System Development",
        "IT Services",
        "Computer Hardware",
        "Telecommunications",
        "Security",
    },
    "commerce": {
        "Retail",
        "Consumer Products & Services",
        "Food & Beverage",
        "Travel & Hospitality",
        "Media",
    },
    "industrial": {
        "Manufacturing",
        "Construction",
        "Logistics & Transportation",
        "Energy",
        "Engineering",
        "Environmental Services",
    },
}
# probability of each TECH item (same order as TECH) per industry group
TECH_PROB = {
    "tech": [0.55, 0.30, 0.35, 0.75, 0.35, 0.75, 0.35, 0.03, 0.05, 0.20],
    "commerce": [0.25, 0.40, 0.08, 0.35, 0.15, 0.35, 0.35, 0.55, 0.05, 0.30],
    "industrial": [0.25, 0.15, 0.05, 0.20, 0.40, 0.20, 0.05, 0.02, 0.30, 0.35],
    "other": [0.40, 0.40, 0.08, 0.30, 0.30, 0.45, 0.20, 0.03, 0.05, 0.20],
}

CITY_ALIASES = {"SF": "San Francisco"}


def parse_revenue(text: str) -> int:
    """'36.9 Million' -> 36_900_000; '1.2 Billion' -> 1_200_000_000."""
    m = re.fullmatch(r"\s*([\d.]+)\s+(Million|Billion)\s*", str(text))
    if not m:
        raise ValueError(f"unparseable revenue {text!r}")
    scale = {"Million": 10**6, "Billion": 10**9}[m.group(2)]
    return int(round(float(m.group(1)) * scale))


def clean_city(city: str) -> str:
    """Tidy a city: drop a trailing ', ST 12345' / ', D.C.' / ',' (12 rows of the
    source carry one), expand 'SF', and title-case names written all upper / all
    lower or with a stray capital ('VIenna' -> 'Vienna', 'MCLEAN' -> 'McLean')."""
    city = str(city).strip()
    city = re.sub(r",\s*(D\.?C\.?|[A-Z]{2})?(\s+\d{5}(-\d{4})?)?\s*$", "", city).strip()
    if city in CITY_ALIASES:
        return CITY_ALIASES[city]
    if city.isupper() or city.islower() or re.match(r"^[A-Z]{2}[a-z]", city):
        city = re.sub(r"\bMc([a-z])", lambda m: "Mc" + m.group(1).upper(), city.title())
    return city


def band(value: float, bands: list[tuple[float, int]]) -> int:
    if pd.isna(value):
        return 0
    for lower, points in bands:
        if value >= lower:
            return points
    return 0


def load(data_dir: Path) -> pd.DataFrame:
    inc = pd.read_csv(data_dir / INC_FILE, dtype={"state": str, "city": str})
    regions = pd.read_csv(data_dir / REGION_FILE)
    state_region = dict(zip(regions["State Code"], regions["Region"], strict=True))
    inc = inc[inc["state"] != "PR"].copy()  # PR is not in a Census region
    inc["region"] = inc["state"].map(state_region)
    assert inc["region"].isin(REGIONS).all(), inc.loc[~inc["region"].isin(REGIONS), "state"]
    inc["_row"] = np.arange(len(inc))  # file order breaks rank ties
    return inc


def sample(inc: pd.DataFrame, rng: np.random.Generator) -> pd.DataFrame:
    picked = []
    for region in REGIONS:
        pool = inc[inc["region"] == region].sort_values(["rank", "_row"])
        idx = rng.choice(len(pool), size=SAMPLE_PER_REGION[region], replace=False)
        picked.append(pool.iloc[np.sort(idx)])
    df = pd.concat(picked).sort_values(["rank", "_row"]).reset_index(drop=True)
    df["account_id"] = [f"A{i:05d}" for i in range(1, len(df) + 1)]
    return df


def build_accounts(inc: pd.DataFrame, rng: np.random.Generator) -> pd.DataFrame:
    df = sample(inc, rng)
    out = pd.DataFrame({"account_id": df["account_id"]})
    out["name"] = df["name"].str.strip()
    out["industry"] = df["industry"]
    workers = pd.to_numeric(df["workers"], errors="coerce")
    out["employees"] = workers.where(workers > 0).astype("Int64")  # 0 / blank -> empty
    out["annual_revenue"] = df["revenue"].map(parse_revenue).astype("int64")
    out["country"] = "US"
    out["state"] = df["state"]
    out["city"] = df["city"].map(clean_city)
    out["region"] = df["region"]
    out["postal_code"] = ""

    # --- tier: ICP score = industry fit + size band + revenue band (0..100);
    # rank by (score, revenue, Inc rank) and cut 15 % / 35 % / 50 %.
    score = (
        out["industry"].map(INDUSTRY_FIT).fillna(DEFAULT_FIT)
        + out["employees"].astype("float").map(lambda v: band(v, EMPLOYEE_BANDS))
        + out["annual_revenue"].map(lambda v: band(v, REVENUE_BANDS))
    )
    order = pd.DataFrame({"s": score, "r": out["annual_revenue"], "k": np.arange(len(out))})
    order = order.sort_values(["s", "r", "k"], ascending=[False, False, True])
    n = len(out)
    n1, n2 = round(n * TIER_SHARES[0]), round(n * (TIER_SHARES[0] + TIER_SHARES[1]))
    tier = np.full(n, 3)
    tier[order.index[:n1]] = 1
    tier[order.index[n1:n2]] = 2
    out["tier"] = tier

    # --- potential: capped revenue x tier factor x lognormal noise, to $100.
    noise = rng.lognormal(mean=0.0, sigma=POTENTIAL_SIGMA, size=n)
    base = np.minimum(out["annual_revenue"].to_numpy(dtype=float), POTENTIAL_REVENUE_CAP)
    factor = out["tier"].map(POTENTIAL_FACTOR).to_numpy()
    out["potential"] = np.maximum(np.round(base * factor * noise, -2), 0).astype("int64")

    # --- tech stack (synthetic): independent draws per tool, industry-dependent.
    group = out["industry"].map(lambda ind: next((g for g, s in TECH_GROUP.items() if ind in s), "other"))
    draws = rng.random((n, len(TECH)))
    probs = np.array([TECH_PROB[g] for g in group])
    out["tech_stack"] = [
        ";".join(t for t, hit in zip(TECH, row, strict=True) if hit) for row in draws < probs
    ]

    out["parent_id"] = ""
    build_families(out, rng)
    out["owner_id"] = ""
    assign_owners(out, rng)
    return out[ACCOUNT_COLUMNS]


def build_families(out: pd.DataFrame, rng: np.random.Generator) -> None:
    """Synthetic parent links: pick N_FAMILIES (state, industry) groups with at
    least two accounts; in each the highest-revenue account is the parent of
    the next 1-3 largest (children share state, hence region)."""
    groups = [g.index.to_numpy() for _, g in out.groupby(["state", "industry"], sort=True) if len(g) >= 2]
    chosen = rng.choice(len(groups), size=N_FAMILIES, replace=False)
    for gi in np.sort(chosen):
        members = (
            out.loc[groups[gi]].sort_values(["annual_revenue", "account_id"], ascending=[False, True]).index
        )
        k = int(rng.integers(1, min(3, len(members) - 1) + 1))
        parent = out.at[members[0], "account_id"]
        out.loc[members[1 : 1 + k], "parent_id"] = parent


def assign_owners(out: pd.DataFrame, rng: np.random.Generator) -> None:
    """Current owners.  Families move as one unit (keyed by the parent's id).
    R99 (departed) first takes ~40 South units; every other unit goes to a rep of
    its region, drawn with probability ~ BOOK_WEIGHT x TIER1_BIAS (Tier 1 only).
    The new rep R12 gets nothing."""
    unit = out["parent_id"].where(out["parent_id"] != "", out["account_id"])
    units = (
        out.assign(unit=unit)
        .groupby("unit", sort=True)
        .agg(region=("region", "first"), tier=("tier", "min"), size=("account_id", "size"))
    )
    owner = pd.Series("", index=units.index)

    south = units.index[units["region"] == DEPARTED_REGION].to_numpy()
    taken = 0
    for u in rng.permutation(south):
        if taken >= DEPARTED_ACCOUNTS:
            break
        owner[u] = DEPARTED_REP
        taken += units.at[u, "size"]

    for region in REGIONS:
        reps = [r for r, *_, reg in REPS if reg == region and r != NEW_REP]
        for u in units.index[(units["region"] == region) & (owner == "")]:
            w = np.array(
                [BOOK_WEIGHT[r] * (TIER1_BIAS.get(r, 1.0) if units.at[u, "tier"] == 1 else 1.0) for r in reps]
            )
            owner[u] = reps[rng.choice(len(reps), p=w / w.sum())]
    out["owner_id"] = unit.map(owner).to_numpy()


def build_roster() -> pd.DataFrame:
    rows = []
    for rep_id, first, last, region in REPS:
        rows.append(
            {
                "rep_id": rep_id,
                "name": f"{first} {last}",
                "email": f"{first}.{last}@example.com".lower(),
                "manager": MANAGERS[region],
                "region": region,
                "segment": "",
                "capacity": 0.5 if rep_id == RAMPING_REP else 1.0,
                "product": "",
                "max_accounts": "",
            }
        )
    return pd.DataFrame(rows, columns=ROSTER_COLUMNS)


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument(
        "--data",
        type=Path,
        default=REPO_ROOT.parent / "shared" / "data",
        help="folder holding the shared public data (default: %(default)s)",
    )
    ap.add_argument(
        "--out",
        type=Path,
        default=Path(__file__).resolve().parent,
        help="where to write accounts.csv and roster.csv (default: %(default)s)",
    )
    args = ap.parse_args(argv)

    rng = np.random.default_rng(SEED)
    accounts = build_accounts(load(args.data), rng)
    roster = build_roster()
    args.out.mkdir(parents=True, exist_ok=True)
    accounts.to_csv(args.out / "accounts.csv", index=False, lineterminator="\n")
    roster.to_csv(args.out / "roster.csv", index=False, lineterminator="\n")
    print(f"wrote {len(accounts)} accounts and {len(roster)} reps to {args.out}")


if __name__ == "__main__":
    main()
