"""The data contract across files: what the accounts and roster must satisfy together."""

from __future__ import annotations

import pandas as pd

from ..errors import Problem
from .loading import rep_regions


def region_key(name: str) -> str:
    return name.strip().casefold()


def covered_regions(reps: pd.DataFrame) -> tuple[set[str], bool]:
    """Region keys the roster covers, and whether some rep covers every region."""
    keys: set[str] = set()
    covers_all = False
    for cell in reps["region"].astype(str):
        parts = rep_regions(cell)
        if not parts or any(p == "*" for p in parts):
            covers_all = True
        keys.update(region_key(p) for p in parts)
    return keys, covers_all


def check_inputs(accounts: pd.DataFrame, reps: pd.DataFrame, accounts_file: str,
                 roster_file: str) -> list[Problem]:
    """Cross-file checks: every account region has a rep; owners on the roster (warning)."""
    problems: list[Problem] = []
    keys, covers_all = covered_regions(reps)
    if not covers_all:
        regions = accounts["region"].astype(str)
        rk = regions.map(region_key)
        missing = rk[~rk.isin(keys)]
        for key, count in missing.value_counts().sort_index().items():
            first = int(missing.index[missing == key][0])
            shown = regions.iat[first] if regions.iat[first] else "(empty)"
            problems.append(Problem(
                accounts_file,
                f"{count} account{'s' if count != 1 else ''} in region '{shown}', which no rep covers",
                row=first + 2, column="region", value=regions.iat[first],
                hint=f"add a rep for '{shown}' to {roster_file}, add the region to a rep's region "
                     "list (e.g. 'West;Midwest'), or fix the account's region"))
    rep_ids = set(reps["rep_id"])
    owners = accounts["owner_id"].astype(str)
    orphan = owners.ne("") & ~owners.isin(rep_ids)
    if orphan.any():
        for owner, count in owners[orphan].value_counts().sort_index().items():
            first = int(owners.index[owners == owner][0])
            problems.append(Problem(
                accounts_file,
                f"owner '{owner}' is not on the roster: {count} account{'s' if count != 1 else ''} "
                "will be reassigned",
                row=first + 2, column="owner_id", value=str(owner), severity="warning",
                hint=f"if '{owner}' is still with the team, add them to {roster_file}"))
    locked_orphan = accounts["locked"].astype(bool) & (owners.eq("") | orphan)
    if locked_orphan.any():
        first = int(accounts.index[locked_orphan][0])
        problems.append(Problem(
            accounts_file,
            f"{int(locked_orphan.sum())} locked account(s) have no owner on the roster; the lock "
            "is ignored and they are reassigned",
            row=first + 2, column="locked", severity="warning",
            hint="lock accounts only to reps on the roster"))
    return problems
