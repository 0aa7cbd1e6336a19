"""Locks files: accounts pinned to a rep whatever the balance says."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from .accountstate import AccountState
from .errors import Problem, more_problems
from .io.loading import canonicalise_headers, missing_columns_problem, read_table, spreadsheet_rows
from .io.sheets import ReadLimits
from .io.textops import isin

LOCK_COLUMNS: dict[str, tuple[str, ...]] = {
    "account_id": ("account_id", "accountid", "id", "account"),
    "rep_id": ("rep_id", "repid", "owner_id", "ownerid", "owner", "rep"),
}


def read_locks(
    path: str | Path,
    accounts: pd.DataFrame,
    reps: pd.DataFrame,
    *,
    limits: ReadLimits | None = None,
) -> tuple[pd.Series, list[Problem]]:
    """The rep each account is locked to ('' = none), aligned with ``accounts``.

    The file has two columns, account_id and rep_id. Unknown accounts, reps not on the roster
    and an account locked to two different reps are problems; every one is reported, with
    the row numbers a spreadsheet shows (blank lines keep their numbers). The result's
    ``attrs["rows"]`` holds the locks file's row of each lock (0 = none), for messages.
    """
    label = str(path)
    raw = read_table(path, limits=limits)
    table, problems = canonicalise_headers(raw, LOCK_COLUMNS, label)
    problems = list(raw.attrs.get("problems", [])) + problems
    out = pd.Series("", index=accounts.index, dtype=object)
    out.attrs["rows"] = np.zeros(len(accounts), dtype=np.int64)  # also when the file is refused
    bad_file = missing_columns_problem(
        label,
        raw,
        table,
        LOCK_COLUMNS,
        ("account_id", "rep_id"),
        "a locks file has two columns: account_id,rep_id; ",
    )
    if bad_file is not None:
        return out, [*problems, bad_file]
    rows = np.asarray(table.index, dtype=np.int64) + 2
    ids = table["account_id"].astype(str).str.strip().reset_index(drop=True)
    reps_col = table["rep_id"].astype(str).str.strip().reset_index(drop=True)
    known_accounts = pd.Index(accounts["account_id"])
    roster = set(reps["rep_id"])

    def each(mask: np.ndarray, what: str, make: object) -> None:
        idx = np.flatnonzero(mask)
        for i in idx[:20]:
            problems.append(make(int(i)))  # type: ignore[operator]
        if len(idx) > 20:
            problems.append(more_problems(label, len(idx) - 20, what))

    each(
        ~ids.isin(known_accounts).to_numpy(),
        "lines whose account is not in the accounts file",
        lambda i: Problem(
            label,
            "account is not in the accounts file",
            row=int(rows[i]),
            column="account_id",
            value=ids.iat[i],
            hint="check the id, or remove the line",
        ),
    )
    each(
        ~reps_col.isin(roster).to_numpy(),
        "lines whose rep is not on the roster",
        lambda i: Problem(
            label,
            "rep is not on the roster",
            row=int(rows[i]),
            column="rep_id",
            value=reps_col.iat[i],
            hint="lock accounts only to reps on the roster",
        ),
    )
    # An account on several lines with different reps: report each later line against the
    # first one (same account, same rep twice is harmless).
    first_rep: dict[str, tuple[str, int]] = {}
    conflict = np.zeros(len(ids), dtype=bool)
    against: dict[int, tuple[str, int]] = {}
    for i, (a, r) in enumerate(zip(ids.tolist(), reps_col.tolist())):
        if a not in first_rep:
            first_rep[a] = (r, int(rows[i]))
        elif first_rep[a][0] != r:
            conflict[i] = True
            against[i] = first_rep[a]
    each(
        conflict,
        "accounts locked to two different reps",
        lambda i: Problem(
            label,
            f"account is locked to {reps_col.iat[i]} here and to {against[i][0]} on row {against[i][1]}",
            row=int(rows[i]),
            column="account_id",
            value=ids.iat[i],
            hint="keep one line per account",
        ),
    )
    pairs = pd.DataFrame({"a": ids, "r": reps_col})
    ok = pairs[ids.isin(known_accounts) & reps_col.isin(roster)].drop_duplicates("a", keep="first")
    target = dict(zip(ok["a"], ok["r"]))
    line = dict(zip(ok["a"], rows[ok.index.to_numpy()].tolist()))
    out[:] = [target.get(a, "") for a in accounts["account_id"].tolist()]
    out.attrs["rows"] = np.array([line.get(a, 0) for a in accounts["account_id"].tolist()], dtype=np.int64)
    return out, problems


def lock_targets(accounts: pd.DataFrame, reps: pd.DataFrame, state: AccountState) -> np.ndarray:
    """The rep each account is pinned to ('' = not pinned), as the model reads the locks.

    A pin (``state.lock_to``: a locks file, a successor) names the rep; a ``locked`` account
    stays with its owner when the owner is on the roster (a lock to a rep who left cannot hold).
    """
    roster = set(reps["rep_id"].astype(str))
    out = np.full(len(accounts), "", dtype=object)
    lock_to = state.lock_to
    by_file = lock_to != ""
    out[by_file] = lock_to[by_file]
    # the owners of the (few) locked accounts, when on the roster
    at = np.flatnonzero(accounts["locked"].to_numpy(dtype=bool) & ~by_file)
    owner = accounts["owner_id"].iloc[at].astype(str).to_numpy(dtype=object)
    keep = isin(owner, roster)
    out[at[keep]] = owner[keep]
    return out


def family_lock_conflicts(
    accounts: pd.DataFrame,
    reps: pd.DataFrame,
    families: pd.Series,
    file: str,
    state: AccountState,
    locks_file: str = "",
) -> list[Problem]:
    """Accounts of one family pinned to different reps: a family has one owner, so both
    locks cannot hold (the model would keep one and break the other without a word)."""
    target = lock_targets(accounts, reps, state)
    pinned = np.flatnonzero(target != "")
    if len(pinned) < 2:
        return []
    # Only the pinned rows are looked at (a few percent of the accounts): every array below
    # is of them, indexed by position among the pinned.
    part = accounts.iloc[pinned]
    facts = state.take(pinned)
    target = target[pinned]
    fam = families.iloc[pinned].astype(str).to_numpy(dtype=object)
    shown = fam
    if facts.family_base is not None:  # product rows: "A001::core" is family A001, product core
        shown = (
            facts.family_base.astype(str) + " (" + part["product"].astype(str).to_numpy(dtype=object) + ")"
        )
    ids = part["account_id"].astype(str).to_numpy(dtype=object)
    rows = spreadsheet_rows(accounts)[pinned]
    from_file = facts.lock_to != ""

    # Pins that lock rules or successors made say so ("is kept with R01 by lock rule 2 (...)").
    why = facts.lock_why
    lock_rows = facts.lock_row
    by_rule = False

    def how(i: int) -> str:
        nonlocal by_rule
        if why[i] and (not from_file[i] or why[i].startswith("goes to")):
            by_rule = by_rule or "lock rule" in why[i]
            return f"{ids[i]} (row {rows[i]}) {why[i]}"
        if from_file[i] and locks_file:
            # "(row 2)" is the accounts file's row; the locks file's row is named apart.
            src = f"in {locks_file}" + (f" (its row {lock_rows[i]})" if lock_rows[i] else "")
        else:
            src = "by its locked column"
        return f"{ids[i]} (row {rows[i]}) is locked to {target[i]} {src}"

    first: dict[str, int] = {}
    out: list[Problem] = []
    n = 0
    for i in range(len(pinned)):
        f = fam[i]
        if f not in first:
            first[f] = i
            continue
        j = first[f]
        if target[i] == target[j]:
            continue
        n += 1
        if n > 20:
            continue
        by_rule = False
        text = f"accounts of family {shown[i]} are locked to different reps: {how(j)}, {how(i)}"
        out.append(
            Problem(
                file,
                text,
                row=int(rows[i]),
                column="locked",
                value=str(ids[i]),
                hint="a family (a parent and its subsidiaries) has one owner: lock them to the "
                "same rep, unlock one, "
                + ("narrow the lock rule, " if by_rule else "")
                + "or let families split with --set families.mode=free",
            )
        )
    if n > 20:
        out.append(more_problems(file, n - 20, "families locked to different reps", column="locked"))
    return out
