"""Account families (a parent with all its subsidiaries), resolved by pointer jumping.

Knows nothing about reps, tiers or solvers.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .errors import Problem, more_problems
from .io.loading import spreadsheet_rows
from .io.textops import positions


def resolve_families(accounts: pd.DataFrame, file: str) -> tuple[pd.Series, list[Problem]]:
    """Return each account's family id (its ultimate parent's account_id) and any problems.

    Problems: a parent id that is not in the file (dangling), an account that is its own
    parent, and parent cycles. Accounts caught in a problem keep their own id as family id,
    so the rest of the checks can still run.
    """
    root, problems = family_roots(accounts, file)
    ids = accounts["account_id"].to_numpy(dtype=object)
    return pd.Series(ids[root], index=accounts.index, name="family_id"), problems


def family_roots(accounts: pd.DataFrame, file: str) -> tuple[np.ndarray, list[Problem]]:
    """``resolve_families`` as positions: each account's top parent's row position."""
    id_col = accounts["account_id"]
    parent_col = accounts["parent_id"].astype(str)
    n = len(accounts)
    problems: list[Problem] = []
    rows = spreadsheet_rows(accounts)
    has_parent = parent_col.ne("").to_numpy(dtype=bool)
    parent_pos = np.arange(n)
    if has_parent.any():
        child_rows = np.flatnonzero(has_parent)
        parents = np.full(n, "", dtype=object)
        parents[child_rows] = parent_col.iloc[child_rows].to_numpy(dtype=object)
        looked = positions(parents[child_rows], id_col)  # the first account of that id
        dangling = looked < 0
        ids = id_col.to_numpy(dtype=object) if dangling.any() else np.zeros(0, dtype=object)
        # An id that lost its leading zeros upstream ("00042" -> "42") still names its parent.
        unzeroed: dict[str, str] = {}
        if dangling.any():
            for a in ids:
                unzeroed.setdefault(str(a).lstrip("0"), str(a))
        for i in child_rows[dangling][:20]:
            p = str(parents[i])
            twin = unzeroed.get(p.lstrip("0"))
            hint = (
                f"'{twin}' is in the file: one of the two lost or gained leading zeros; read "
                "ids as text in the tool that made the export"
                if twin
                else "add the parent account, or clear parent_id to treat this account on its own"
            )
            problems.append(
                Problem(
                    file,
                    "parent_id names an account that is not in the file",
                    row=int(rows[i]),
                    column="parent_id",
                    value=p,
                    hint=hint,
                )
            )
        if dangling.sum() > 20:
            problems.append(
                more_problems(file, int(dangling.sum()) - 20, "dangling parent_id values", column="parent_id")
            )
        ok_rows = child_rows[~dangling]
        parent_pos[ok_rows] = looked[~dangling].astype(np.int64)
        self_parent = parent_pos[ok_rows] == ok_rows
        for i in ok_rows[self_parent][:20]:
            problems.append(
                Problem(
                    file,
                    "account is its own parent",
                    row=int(rows[i]),
                    column="parent_id",
                    value=str(parents[i]),
                    hint="clear parent_id for a top-level account",
                )
            )
        parent_pos[ok_rows[self_parent]] = ok_rows[self_parent]
        # Loops longer than one. Each account has one parent, so following parents from any
        # account ends on a top parent or runs round a loop; log2(n) vectorised jumps land
        # every account on its end, and the ends that are not top parents lie on loops.
        # No recursion and no graph library: a 10^6-deep chain costs a few passes.
        loops = _loops(parent_pos)
        for members in loops[:60]:
            names = " -> ".join(str(id_col.iat[m]) for m in members + [members[0]])
            problems.append(
                Problem(
                    file,
                    f"parent_id links form a loop: {names}",
                    row=int(rows[members[0]]),
                    column="parent_id",
                    value=str(parents[members[0]]),
                    hint="one account in the loop must be the top parent: clear its parent_id",
                )
            )
        if len(loops) > 60:
            problems.append(more_problems(file, len(loops) - 60, "parent_id loops", column="parent_id"))
        for members in loops:
            parent_pos[members] = members  # break the loop so roots exist
    # Pointer jumping: log(depth) vectorised passes to the ultimate parent.
    return _ends(parent_pos), problems


def _ends(parent_pos: np.ndarray) -> np.ndarray:
    """Where following parents from each position ends (pointer jumping, log2(n) passes)."""
    root = parent_pos.copy()
    for _ in range(max(len(root), 2).bit_length() + 1):
        nxt = root[root]
        if np.array_equal(nxt, root):
            break
        root = nxt
    return root


def _loops(parent_pos: np.ndarray) -> list[list[int]]:
    """Each parent loop as its positions, starting at the smallest and following parents."""
    if not len(parent_pos):
        return []
    ends = _ends(parent_pos)
    on_loop = np.unique(ends[parent_pos[ends] != ends])
    seen: set[int] = set()
    loops: list[list[int]] = []
    for start in on_loop.tolist():
        if start in seen:
            continue
        members = [start]
        j = int(parent_pos[start])
        while j != start:
            members.append(j)
            j = int(parent_pos[j])
        seen.update(members)
        first = members.index(min(members))
        loops.append(members[first:] + members[:first])
    return sorted(loops)
