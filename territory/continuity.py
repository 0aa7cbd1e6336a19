"""Quarter after quarter: the previous plan's moves, and chains of plans.

``previous_moves`` reads the previous plan folder (``--previous DIR``, ``continuity.previous``)
through the verified reader and marks the accounts it moved; the model prices moving one of
them again at ``continuity.repeat_move_weight`` moves, and ``continuity_summary`` counts the
accounts moved twice in a row. ``plan_chain`` lines up several plans: each account's owner in
each, and the accounts moved in two or more consecutive plans.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from .errors import InputError, Problem

PREVIOUS_SETTING = "--previous (continuity.previous)"


def _moved_flags(frame: pd.DataFrame) -> np.ndarray:
    col = frame["moved"]
    if col.dtype == bool:
        return col.to_numpy(dtype=bool)
    return col.astype(str).str.strip().str.lower().isin(["true", "1", "yes"]).to_numpy(dtype=bool)


def read_moves(path: str | Path, *, what: str = PREVIOUS_SETTING) -> tuple[Path, pd.DataFrame]:
    """A plan folder's assignments (account_id, owner_id, previous_owner_id, moved), through the
    verified reader: a folder edited after territory wrote it is refused."""
    from .io.plandir import read_plan_folder

    try:
        folder = read_plan_folder(path, required_columns=("account_id", "owner_id", "moved"))
    except InputError as e:
        raise InputError(e.problems, summary=f"cannot read the plan named by {what}") from None
    a = folder.assignments
    out = pd.DataFrame(
        {
            "account_id": a["account_id"].astype(str),
            "owner_id": a["owner_id"].fillna("").astype(str),
            "previous_owner_id": (
                a["previous_owner_id"].fillna("").astype(str) if "previous_owner_id" in a.columns else ""
            ),
            "moved": _moved_flags(a),
        }
    )
    # account-product rows (product ICPs): an account moved if any of its rows moved
    out = out.groupby("account_id", sort=False).agg(
        owner_id=("owner_id", lambda s: ";".join(sorted(set(s) - {""}))),
        previous_owner_id=("previous_owner_id", lambda s: ";".join(sorted(set(s) - {""}))),
        moved=("moved", "any"),
    )
    return folder.path, out


def previous_fingerprint(path: str | Path) -> str:
    """SHA-256 of a plan folder's assignments.csv: what a plan records of the previous plan it
    was made with, so solving it again (explain) can tell when that folder was replaced."""
    from .pipeline import sha256_file

    return sha256_file(Path(path) / "assignments.csv")


def previous_moves(
    path: str | Path, account_ids: pd.Series
) -> tuple[np.ndarray, list[Problem], dict[str, Any]]:
    """Per row of ``account_ids``: did the previous plan move that account? Accounts the
    previous plan does not have count as not moved; a warning gives the counts either way."""
    root, prev = read_moves(path)
    ids = account_ids.astype(str)
    moved_ids = prev.index[prev["moved"].to_numpy(dtype=bool)]
    moved_before = ids.isin(moved_ids).to_numpy(dtype=bool)
    here = pd.Index(ids.unique())
    new = int((~here.isin(prev.index)).sum())
    gone = int((~prev.index.isin(here)).sum())
    warnings = []
    if new or gone:
        parts = []
        if new:
            parts.append(
                f"{new:,} account{'s' if new != 1 else ''} of this plan {'are' if new != 1 else 'is'} not in it (counted as not moved there)"
            )
        if gone:
            parts.append(
                f"{gone:,} account{'s' if gone != 1 else ''} of it {'are' if gone != 1 else 'is'} not in this plan"
            )
        warnings.append(
            Problem(
                str(root),
                "the previous plan covers other accounts: " + "; ".join(parts),
                severity="warning",
                hint="check that --previous names the plan made from last quarter's export of the same CRM",
            )
        )
    info = {
        "previous": root.name,
        "previous_sha256": previous_fingerprint(root),
        "moved_in_previous": int(prev["moved"].sum()),
        "not_in_previous": new,
        "only_in_previous": gone,
    }
    return moved_before, warnings, info


def continuity_summary(
    info: dict[str, Any],
    account_ids: np.ndarray,
    moved: np.ndarray,
    moved_before: np.ndarray,
    owner_left: np.ndarray,
    weight: float,
) -> dict[str, Any]:
    """summary.json's ``continuity`` object: the accounts moved in the previous plan and again
    now, and how many of those moved again because their owner left the roster (a move no
    weight can spare)."""

    def distinct(mask: np.ndarray) -> list[str]:
        return sorted(pd.unique(pd.Series(account_ids[mask]).astype(str)).tolist())

    again = distinct(moved & moved_before)
    return {
        **info,
        "repeat_move_weight": float(weight),
        "moved_in_previous_and_here": len(distinct(moved_before)),
        "moved_again": len(again),
        "moved_again_owner_left": len(distinct(moved & moved_before & owner_left)),
        "moved_again_accounts": again,
    }


# --------------------------------------------------------------------------- chains


@dataclass
class PlanChain:
    """Several plans in order: each account's owner in each plan and the moves between."""

    names: list[str]
    owners: pd.DataFrame  # account_id, then one column per plan: its owner there ("" if absent)
    moved: pd.DataFrame  # account_id, then one column per plan: moved by that plan
    streaks: pd.Series  # per account: the longest run of consecutive plans that moved it

    def repeat_counts(self) -> dict[int, int]:
        """Accounts by their longest run of consecutive plans that moved them (2 or more)."""
        s = self.streaks[self.streaks >= 2]
        return {int(k): int(v) for k, v in s.value_counts().sort_index().items()}

    def to_frame(self) -> pd.DataFrame:
        """One row per account: its owner after each plan, the plans that moved it and its
        longest run of consecutive moves."""
        out = self.owners.copy()
        moved = self.moved[self.names].to_numpy(dtype=bool)
        names = np.asarray(self.names, dtype=object)
        out["moved_in"] = [";".join(names[row]) for row in moved]
        out["consecutive_moves"] = self.streaks.to_numpy()
        return out


def plan_chain(paths: Sequence[str | Path]) -> PlanChain:
    """Line up plans (oldest first); every folder is read through the verified reader and
    every problem of every folder is reported together."""
    frames, names, problems = [], [], []
    for i, p in enumerate(paths):
        try:
            root, moves = read_moves(p, what=f"plan {i + 1} ({p})")
        except InputError as e:
            problems += e.problems
            continue
        frames.append(moves)
        names.append(root.name)
    if problems:
        raise InputError(problems, summary="cannot read every plan of the chain")
    seen: dict[str, int] = {}
    for i, n in enumerate(names):  # two folders of one name: number them
        seen[n] = seen.get(n, 0) + 1
        if seen[n] > 1 or names.count(n) > 1:
            names[i] = f"{n} ({i + 1})"
    ids = pd.Index([])
    for f in frames:
        ids = ids.append(f.index[~f.index.isin(ids)])
    owners = pd.DataFrame({"account_id": ids.astype(str)})
    moved = pd.DataFrame({"account_id": ids.astype(str)})
    for n, f in zip(names, frames):
        owners[n] = f["owner_id"].reindex(ids).fillna("").to_numpy()
        moved[n] = f["moved"].reindex(ids).fillna(False).to_numpy(dtype=bool)
    m = moved[names].to_numpy(dtype=bool)
    run = np.zeros(len(ids), dtype=np.int64)
    best = np.zeros(len(ids), dtype=np.int64)
    for j in range(m.shape[1]):
        run = np.where(m[:, j], run + 1, 0)
        best = np.maximum(best, run)
    return PlanChain(names, owners, moved, pd.Series(best, index=ids))
