"""The data contract across files: what the accounts and roster must satisfy together."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..errors import Problem
from .loading import rep_regions, spreadsheet_rows


def region_key(name: str) -> str:
    return name.strip().casefold()


def region_keys(regions: pd.Series) -> np.ndarray:
    """``region_key`` for a whole column, computed once per distinct value."""
    codes, uniques = pd.factorize(regions.astype(str), sort=False)
    keys = np.array([region_key(u) for u in uniques], dtype=object)
    return keys[codes] if len(uniques) else np.zeros(0, dtype=object)


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


def check_inputs(
    accounts: pd.DataFrame, reps: pd.DataFrame, accounts_file: str, roster_file: str
) -> list[Problem]:
    """Cross-file checks: every account region has a rep; owners on the roster (warning)."""
    problems: list[Problem] = []
    rows = spreadsheet_rows(accounts)
    keys, covers_all = covered_regions(reps)
    if not covers_all:
        regions = accounts["region"].astype(str)
        rk = regions.map(region_key)
        missing = rk[~rk.isin(keys)]
        for key, count in missing.value_counts().sort_index().items():
            first = int(np.flatnonzero((rk == key).to_numpy())[0])
            shown = regions.iat[first] if regions.iat[first] else "(empty)"
            problems.append(
                Problem(
                    accounts_file,
                    f"{count} account{'s' if count != 1 else ''} in region '{shown}', which no rep covers",
                    row=int(rows[first]),
                    column="region",
                    value=regions.iat[first],
                    hint=f"add a rep for '{shown}' to {roster_file}, add the region to a rep's region "
                    "list (e.g. 'West;Midwest'), or fix the account's region",
                )
            )
    rep_ids = set(reps["rep_id"])
    owners = accounts["owner_id"].astype(str)
    orphan = owners.ne("") & ~owners.isin(rep_ids)
    if orphan.any():
        unzeroed: dict[str, str] = {}
        for r in sorted(rep_ids):
            unzeroed.setdefault(str(r).lstrip("0"), str(r))
        for owner, count in owners[orphan].value_counts().sort_index().items():
            first = int(np.flatnonzero((owners == owner).to_numpy())[0])
            twin = unzeroed.get(str(owner).lstrip("0"))
            hint = (
                f"'{owner}' matches rep '{twin}' once leading zeros are ignored: the ids probably "
                "lost their zeros in a spreadsheet; fix owner_id (read ids as text), or the "
                "accounts will be reassigned"
                if twin
                else f"if '{owner}' is still with the team, add them to {roster_file}"
            )
            problems.append(
                Problem(
                    accounts_file,
                    f"owner '{owner}' is not on the roster: {count} account{'s' if count != 1 else ''} "
                    "will be reassigned",
                    row=int(rows[first]),
                    column="owner_id",
                    value=str(owner),
                    severity="warning",
                    hint=hint,
                )
            )
    locked_orphan = accounts["locked"].astype(bool) & (owners.eq("") | orphan)
    if locked_orphan.any():
        first = int(np.flatnonzero(locked_orphan.to_numpy())[0])
        problems.append(
            Problem(
                accounts_file,
                f"{int(locked_orphan.sum())} locked account(s) have no owner on the roster; the lock "
                "is ignored and they are reassigned",
                row=int(rows[first]),
                column="locked",
                severity="warning",
                hint="lock accounts only to reps on the roster",
            )
        )
    return problems
