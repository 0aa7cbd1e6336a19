"""Account families (a parent with all its subsidiaries), resolved with networkx.

Knows nothing about reps, tiers or solvers.
"""

from __future__ import annotations

import networkx as nx
import numpy as np
import pandas as pd

from .errors import Problem
from .io.loading import spreadsheet_rows


def resolve_families(accounts: pd.DataFrame, file: str) -> tuple[pd.Series, list[Problem]]:
    """Return each account's family id (its ultimate parent's account_id) and any problems.

    Problems: a parent id that is not in the file (dangling), an account that is its own
    parent, and parent cycles. Accounts caught in a problem keep their own id as family id,
    so the rest of the checks can still run.
    """
    ids = accounts["account_id"].to_numpy(dtype=object)
    parents = accounts["parent_id"].astype(str).to_numpy(dtype=object)
    n = len(ids)
    problems: list[Problem] = []
    rows = spreadsheet_rows(accounts)
    pos = pd.Series(np.arange(n), index=pd.Index(ids))
    pos = pos[~pos.index.duplicated()]
    has_parent = parents != ""
    parent_pos = np.arange(n)
    if has_parent.any():
        looked = pos.reindex(parents[has_parent]).to_numpy()
        dangling = np.isnan(looked)
        child_rows = np.flatnonzero(has_parent)
        # An id that lost its leading zeros upstream ("00042" -> "42") still names its parent.
        unzeroed: dict[str, str] = {}
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
                Problem(
                    file,
                    f"... and {int(dangling.sum()) - 20} more dangling parent_id values",
                    column="parent_id",
                )
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
        # Cycles longer than one: find them on the (small) graph of child -> parent links.
        edges = [(int(c), int(parent_pos[c])) for c in ok_rows[~self_parent]]
        if edges:
            g = nx.DiGraph(edges)
            for cycle in nx.simple_cycles(g):
                members = sorted(cycle)
                names = " -> ".join(str(ids[m]) for m in cycle + [cycle[0]])
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
                parent_pos[members] = members  # break the loop so roots exist
                if len(problems) > 60:
                    break
    # Pointer jumping: log(depth) vectorised passes to the ultimate parent.
    root = parent_pos.copy()
    for _ in range(64):
        nxt = root[root]
        if np.array_equal(nxt, root):
            break
        root = nxt
    family = pd.Series(ids[root], index=accounts.index, name="family_id")
    return family, problems
