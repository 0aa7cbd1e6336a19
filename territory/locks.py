"""Locks files: accounts pinned to a rep whatever the balance says."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from .errors import Problem
from .io.loading import canonicalise_headers, read_table

LOCK_COLUMNS: dict[str, tuple[str, ...]] = {
    "account_id": ("account_id", "accountid", "id", "account"),
    "rep_id": ("rep_id", "repid", "owner_id", "ownerid", "owner", "rep"),
}


def read_locks(
    path: str | Path, accounts: pd.DataFrame, reps: pd.DataFrame
) -> tuple[pd.Series, list[Problem]]:
    """The rep each account is locked to ('' = none), aligned with ``accounts``.

    The file has two columns, account_id and rep_id. Unknown accounts, reps not on the roster
    and an account locked twice to different reps are problems; every one is reported.
    """
    label = str(path)
    raw, problems = canonicalise_headers(read_table(path), LOCK_COLUMNS, label)
    out = pd.Series("", index=accounts.index, dtype=object)
    missing = [c for c in ("account_id", "rep_id") if c not in raw.columns]
    if missing:
        problems.append(
            Problem(
                label,
                f"required column{'s' if len(missing) > 1 else ''} "
                f"{', '.join(repr(m) for m in missing)} missing",
                row=1,
                hint="a locks file has two columns: account_id,rep_id",
            )
        )
        return out, problems
    ids = raw["account_id"].astype(str).str.strip()
    reps_col = raw["rep_id"].astype(str).str.strip()
    known_accounts = pd.Index(accounts["account_id"])
    roster = set(reps["rep_id"])
    for i in np.flatnonzero(~ids.isin(known_accounts).to_numpy())[:20]:
        problems.append(
            Problem(
                label,
                "account is not in the accounts file",
                row=int(i) + 2,
                column="account_id",
                value=ids.iat[i],
                hint="check the id, or remove the line",
            )
        )
    for i in np.flatnonzero(~reps_col.isin(roster).to_numpy())[:20]:
        problems.append(
            Problem(
                label,
                "rep is not on the roster",
                row=int(i) + 2,
                column="rep_id",
                value=reps_col.iat[i],
                hint="lock accounts only to reps on the roster",
            )
        )
    pairs = pd.DataFrame({"a": ids, "r": reps_col})
    conflict = pairs.drop_duplicates().duplicated("a", keep=False)
    for i in np.flatnonzero(conflict.to_numpy())[:20]:
        problems.append(
            Problem(
                label,
                "account is locked to two different reps",
                row=int(i) + 2,
                column="account_id",
                value=ids.iat[i],
                hint="keep one line per account",
            )
        )
    ok = pairs[ids.isin(known_accounts) & reps_col.isin(roster)].drop_duplicates("a", keep="first")
    target = dict(zip(ok["a"], ok["r"]))
    out[:] = [target.get(a, "") for a in accounts["account_id"].tolist()]
    return out, problems
