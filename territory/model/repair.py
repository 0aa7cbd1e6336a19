"""The families' trackers together: the objective and the hard rules of a plan of units.

``Objective`` sums every active family's tracker: the penalty of a move or swap, whether every
hard rule allows it, and the hard excess (how far the plan is past its caps). The repair and
local search of the scale method, and the repair of an exact plan that a solver's tolerance
let past a cap, move units only through it, so they apply the families' own definitions.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .families import Family, Tracker, Violation
from .state import PoolState


class Objective:
    """All trackers of a plan of units, kept current by ``move``."""

    def __init__(self, st: PoolState, fams: list[Family]):
        self.st = st
        self.fams = fams
        self.trackers: list[Tracker] = [f.tracker(st) for f in fams]

    def penalty(self) -> float:
        return float(sum(t.penalty() for t in self.trackers))

    def find(self, name: str) -> Tracker | None:
        """The tracker of the family called ``name`` (the first, for per-measure families)."""
        return next((t for t in self.trackers if t.family.name == name), None)

    def excess(self) -> float:
        """How far the plan is past the hard rules, summed over families (0: it keeps them)."""
        return float(sum(t.excess() for t in self.trackers))

    def delta(
        self, a: Any, r: Any, r2: Any, b: Any = None, ignore: frozenset[str] = frozenset()
    ) -> tuple[np.ndarray, np.ndarray]:
        """Change of objective, and whether every rule allows it, of units ``a`` going from
        ``r`` to ``r2`` while units ``b`` go from ``r2`` to ``r`` (element-wise). The
        penalties of the families in ``ignore`` are left out (their rules still apply)."""
        dpen: np.ndarray | float = 0.0
        ok: np.ndarray | bool = True
        for t in self.trackers:
            d, o = t.delta(a, r, r2, b)
            if t.family.name not in ignore:
                dpen = dpen + d
            ok = ok & o
        return np.asarray(dpen, dtype=float), np.asarray(ok, dtype=bool)

    def move(self, u: int, r2: int) -> None:
        r1 = int(self.st.rep_of_unit[u])
        if r1 == r2:
            return
        for t in self.trackers:
            t.move(u, r1, r2)
        self.st.rep_of_unit[u] = r2

    def violations(self, exact: bool = False) -> list[Violation]:
        return [v for t in self.trackers for v in t.violations(exact)]

    def hard_violations(self) -> list[Violation]:
        return [v for v in self.violations() if v.hard]


def give_back(obj: Objective, max_steps: int | None = None) -> int:
    """Return moved units to their owners (largest potential first) while a hard rule is
    broken, each return taken only if every rule allows it and it shrinks the breach. A
    return never adds a move, so caps on moves only come closer. Returns the units given back."""
    st = obj.st
    p = st.pool
    excess = obj.excess()
    if excess <= 0:
        return 0
    own = p.owner
    cand = np.flatnonzero((own >= 0) & (st.rep_of_unit != own) & ~p.locked)
    cand = cand[st.items.eligible()[st.item_of_unit[cand], own[cand]]]
    cand = cand[np.argsort(-p.value[cand, 0], kind="stable")] if p.value.shape[1] else cand
    done = 0
    for u in cand.tolist():
        if excess <= 0 or (max_steps is not None and done >= max_steps):
            break
        r, o = int(st.rep_of_unit[u]), int(own[u])
        _, ok = obj.delta(np.array([u]), r, o)
        if not ok[0]:
            continue
        obj.move(u, o)
        after = obj.excess()
        if after < excess:
            excess = after
            done += 1
        else:
            obj.move(u, r)
    return done
