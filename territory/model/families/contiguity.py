"""Contiguity (``geo.units``): each rep's geographic units form one connected piece.

The graph is the units' adjacency (``Units.nbrs``: states, counties or ZIP3 areas, those
without accounts included: they are units of the model with nothing to balance, see
``territory.geo.territories``). Units that are not geographic (locked accounts, which stay
account-level) are not in it.

The family writes no rows into the model the methods solve: each method solves the model
without it, then ``connect`` gives every piece of a territory but its largest to a touching
rep (the one that raises the objective least), and the local search improves the plan with
moves that keep every territory in one piece (this tracker's ``delta``, checked locally by
``keeps_one_piece``) and with ejection chains along touching territories (``chain_moves``). On small pools the
cut loop (``territory.model.contiguous``) then solves the per-unit MIP with contiguity
written in as separator rows, added as broken plans show them; its bound is a bound of the
model with contiguity. The final verification checks every territory with networkx and
refuses a plan with a broken one.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ...config import PlanConfig
from ...geo.territories import bfs_pieces
from ..state import PoolState
from .base import Build, Family, Tracker, Violation, register

BIG = 1e12  # a hard rule broken while a piece moves weighs more than any band


@register
class Contiguity(Family):
    name = "contiguity"
    order = 95
    hard = True

    @classmethod
    def active(cls, cfg: PlanConfig) -> bool:
        return cfg.geo.units != "none"

    def emit(self, b: Build) -> None:
        """No rows: the cut loop adds its own (see the module docstring)."""

    def tracker(self, st: PoolState) -> Pieces:
        return Pieces(self, st)


class Pieces(Tracker):
    """Each rep's geographic units and the number of pieces they form."""

    def __init__(self, family: Family, st: PoolState):
        super().__init__(family, st)
        p, units = st.pool, st.units
        glob = np.asarray(p.units, dtype=np.int64)
        self.geo = np.zeros(p.n_units, dtype=bool)
        self.nb: list[list[int]] = [[] for _ in range(p.n_units)]
        if units.nbr_ptr is not None:
            local = {g: i for i, g in enumerate(glob.tolist())}
            self.geo = np.array(
                [str(units.unit_ids[g]).startswith("geo:") for g in glob.tolist()], dtype=bool
            )
            for i, g in enumerate(glob.tolist()):
                self.nb[i] = [local[v] for v in units.nbrs(g).tolist() if v in local]
        self.empty = self.geo & (p.size == 0)  # geographic units without accounts
        self.members: list[set[int]] = [set() for _ in range(st.R)]
        for u in np.flatnonzero(self.geo).tolist():
            self.members[int(st.rep_of_unit[u])].add(u)
        self.count = Counts(self)

    def pieces_of(self, nodes: set[int]) -> list[list[int]]:
        return bfs_pieces(self.nb, nodes)

    def count_of(self, nodes: set[int]) -> int:
        return len(self.pieces_of(nodes))

    def delta(
        self, a: np.ndarray, r: Any, r2: Any, b: np.ndarray | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        n = max(np.size(a), np.size(r), np.size(r2), np.size(b) if b is not None else 1)
        aa = np.broadcast_to(np.asarray(a, dtype=np.int64), (n,))
        rr = np.broadcast_to(np.asarray(r, dtype=np.int64), (n,))
        rr2 = np.broadcast_to(np.asarray(r2, dtype=np.int64), (n,))
        bb = np.broadcast_to(np.asarray(b, dtype=np.int64), (n,)) if b is not None else None
        ok = np.ones(n, dtype=bool)
        touched = self.geo[aa] | (self.geo[bb] if bb is not None else False)
        for k in np.flatnonzero(touched & (rr != rr2)).tolist():
            u, x, y = int(aa[k]), int(rr[k]), int(rr2[k])
            if bb is None and self.count[x] == 1 and self.count[y] <= 1:
                ok[k] = keeps_one_piece(self.nb, self.members[x], self.members[y], u)
                continue
            v = int(bb[k]) if bb is not None and self.geo[bb[k]] else -1
            if self.count[x] == 1 and self.count[y] == 1:  # a swap of two one-piece territories
                uu = u if self.geo[u] else -1
                ok[k] = after_swap(self.nb, self.members[x], uu, v) and after_swap(
                    self.nb, self.members[y], v, uu
                )
                continue
            mx, my = set(self.members[x]), set(self.members[y])
            if self.geo[u]:
                mx.discard(u)
                my.add(u)
            if v >= 0:
                my.discard(v)
                mx.add(v)
            ok[k] = self.count_of(mx) <= max(self.count[x], 1) and self.count_of(my) <= max(self.count[y], 1)
        return np.zeros(n), ok

    def move(self, u: int, r1: int, r2: int) -> None:
        if r1 != r2 and self.geo[u]:
            mx, my = self.members[r1], self.members[r2]
            # both one piece before and after (the local check): no need to count them again;
            # else both are counted when next asked for (a piece moved unit by unit is
            # counted once, not once per unit)
            c = self.count
            local = c.known(r1) == 1 and c.known(r2) in (0, 1) and keeps_one_piece(self.nb, mx, my, u)
            mx.discard(u)
            my.add(u)
            if local:
                c[r1], c[r2] = (1 if mx else 0), 1
            else:
                c.forget(r1, r2)

    def excess(self) -> float:
        """0: a broken territory is mended by ``connect``, not by giving units back."""
        return 0.0

    def violations(self, exact: bool = False) -> list[Violation]:
        st = self.st
        out = []
        for r, nodes in enumerate(self.members):
            n_pieces = self._nx_pieces(nodes) if exact else self.count[r]
            if n_pieces > 1:
                rep = st.pool.rep_ids[r]
                out.append(
                    Violation(
                        self.family.key,
                        f"{rep}'s territory is in {n_pieces} pieces that do not touch (geo.units)",
                        hint="a rep's units must form one connected piece",
                        rep=rep,
                        amount=float(n_pieces - 1),
                    )
                )
        return out

    def _nx_pieces(self, nodes: set[int]) -> int:
        """The number of pieces, counted by networkx (the final verification's own count)."""
        import networkx as nx

        g = nx.Graph()
        g.add_nodes_from(nodes)
        g.add_edges_from((u, v) for u in nodes for v in self.nb[u] if v in nodes and u < v)
        return nx.number_connected_components(g)


class Counts:
    """Each rep's number of pieces, counted when asked for after a move the local check
    could not settle (``Pieces.move``)."""

    def __init__(self, tr: Pieces):
        self.tr = tr
        self.n = [tr.count_of(m) for m in tr.members]
        self.stale: set[int] = set()

    def __getitem__(self, r: int) -> int:
        if r in self.stale:
            self.n[r] = self.tr.count_of(self.tr.members[r])
            self.stale.discard(r)
        return self.n[r]

    def __setitem__(self, r: int, value: int) -> None:
        self.n[r] = value
        self.stale.discard(r)

    def __len__(self) -> int:
        return len(self.n)

    def __iter__(self):  # type: ignore[no-untyped-def]
        return (self[r] for r in range(len(self.n)))

    def known(self, r: int) -> int:
        """The count when it is known without counting, else -1."""
        return -1 if r in self.stale else self.n[r]

    def forget(self, *reps: int) -> None:
        self.stale.update(reps)


def after_swap(nb: list[list[int]], m: set[int], out: int, inn: int) -> bool:
    """Whether territory ``m`` (one piece) stays one piece, or empty, when unit ``out`` (-1:
    none) leaves it and unit ``inn`` (-1: none) comes in, checked locally: ``inn`` must
    touch what stays, and ``out``'s neighbours (``inn`` among them) must still reach each
    other without it (a search that stops once it has found them all). The same answer as
    counting the pieces after the swap, without visiting the whole territory."""
    stays = len(m) - (out in m)
    if inn >= 0:
        if not stays:
            return True
        if not any(v in m and v != out for v in nb[inn]):
            return False  # touches nothing of what stays: two pieces
    if out < 0:
        return True
    ends = [v for v in nb[out] if v in m or v == inn]
    if len(ends) <= 1:
        return True
    want = set(ends[1:])
    seen, todo = {out, ends[0]}, [ends[0]]
    while todo and want:
        w = todo.pop()
        for v in nb[w]:
            if v not in seen and (v in m or v == inn):
                seen.add(v)
                want.discard(v)
                todo.append(v)
    return not want


def keeps_one_piece(nb: list[list[int]], mx: set[int], my: set[int], u: int) -> bool:
    """Whether unit ``u`` may go from territory ``mx`` to ``my`` when both are one piece (or
    ``my`` is empty) and both stay so, checked locally: ``my`` stays one piece when it is
    empty or ``u`` touches it; ``mx`` when ``u``'s neighbours in it still reach each other
    without ``u`` (a search from one of them that stops once it has found them all). The
    same answer as counting the pieces of both territories after the move, usually without
    visiting more than a few units."""
    if my and not any(v in my for v in nb[u]):
        return False
    ends = [v for v in nb[u] if v in mx]
    if len(ends) <= 1:
        return True  # a leaf of mx (or its last unit): the rest stays one piece
    want = set(ends[1:])
    seen, todo = {u, ends[0]}, [ends[0]]
    while todo and want:
        w = todo.pop()
        for v in nb[w]:
            if v in mx and v not in seen:
                seen.add(v)
                want.discard(v)
                todo.append(v)
    return not want


def connect(obj: Any, bridging: bool = False) -> int:
    """Give every piece of a territory but its largest (accounts, then potential) to a rep
    whose territory touches it and who may hold all of it, the one that raises the
    objective least; repeat until every territory is one piece or no piece can move.
    ``bridging``: first join a territory's pieces through units without accounts where
    that costs nothing (``bridge``). Returns the number of pieces moved."""
    tr = obj.find("contiguity")
    if tr is None:
        return 0
    st = obj.st
    p = st.pool
    elig = st.items.eligible()
    moved = 0
    for _round in range(50):
        changed = False
        for r in range(st.R):
            if bridging:
                changed |= bridge(obj, tr, r) > 0
            comps = tr.pieces_of(tr.members[r])
            if len(comps) <= 1:
                continue
            weight = [
                (int(p.size[c].sum()), float(p.value[c, 0].sum()) if p.value.shape[1] else 0.0) for c in comps
            ]
            main = max(range(len(comps)), key=lambda i: (weight[i], -min(comps[i])))
            for i in sorted(range(len(comps)), key=lambda i: (weight[i], min(comps[i]))):
                if i == main:
                    continue
                piece = comps[i]
                touching = {int(st.rep_of_unit[v]) for u in piece for v in tr.nb[u] if v not in piece}
                touching.discard(r)
                cands = [x for x in sorted(touching) if all(elig[st.item_of_unit[u], x] for u in piece)]
                best, best_score = -1, np.inf
                for x in cands:
                    for u in piece:
                        obj.move(u, x)
                    score = obj.penalty() + BIG * obj.excess()
                    for u in piece:
                        obj.move(u, r)
                    if score < best_score - 1e-12:
                        best, best_score = x, score
                if best >= 0:
                    for u in piece:
                        obj.move(u, best)
                    moved += 1
                    changed = True
        if not changed:
            break
    return moved


def bridge(obj: Any, tr: Pieces, r: int) -> int:
    """Join the pieces of rep ``r``'s territory through units without accounts: for each
    piece but the largest (accounts), the shortest path of units without accounts that
    ``r`` may hold, each of whose owners stays one piece without it, from the piece to the
    rest of the territory; taken when no territory ends in more pieces and the objective
    does not go up (units without accounts cost nothing). ``connect`` tries this before it
    hands a piece with accounts to a neighbour at a loss. Returns the paths taken."""
    from collections import deque

    st = obj.st
    p = st.pool
    empty = tr.empty
    if not empty.any():
        return 0
    elig = st.items.eligible()
    rou = st.rep_of_unit
    taken = 0
    for _ in range(len(tr.members[r])):
        comps = tr.pieces_of(tr.members[r])
        if len(comps) <= 1:
            break
        sizes = [int(p.size[c].sum()) for c in comps]
        main = max(range(len(comps)), key=lambda i: (sizes[i], -min(comps[i])))
        done = False
        for i in sorted(range(len(comps)), key=lambda i: (-sizes[i], min(comps[i]))):
            if i == main:
                continue
            inside = set(comps[i])
            prev: dict[int, int] = {u: -1 for u in comps[i]}
            todo = deque(comps[i])
            path: list[int] | None = None
            while todo and path is None:
                w = todo.popleft()
                for v in tr.nb[w]:
                    if v in prev:
                        continue
                    if v in tr.members[r] and v not in inside:  # another piece reached
                        path = []
                        while w not in inside:
                            path.append(w)
                            w = prev[w]
                        break
                    o = int(rou[v])
                    if (
                        empty[v]
                        and o != r
                        and elig[st.item_of_unit[v], r]
                        and keeps_one_piece(tr.nb, tr.members[o], set(), v)
                    ):
                        prev[v] = w
                        todo.append(v)
            if not path:
                continue
            was = [int(rou[v]) for v in path]
            owners = set(was)
            before = {o: tr.count[o] for o in owners | {r}}
            cost = obj.penalty() + BIG * obj.excess()
            for v in path:
                obj.move(v, r)
            if (
                tr.count[r] < before[r]
                and all(tr.count[o] <= before[o] for o in owners)
                and obj.penalty() + BIG * obj.excess() <= cost + 1e-9
            ):
                taken += 1
                done = True
                break
            for v, o in zip(reversed(path), reversed(was)):
                obj.move(v, o)
        if not done:
            break
    return taken


def boundary_moves(obj: Any, passes: int = 20) -> int:
    """Local search on the territories' borders: a unit goes to a touching rep when every
    family allows it (contiguity included: both territories stay one piece) and the objective
    goes down, the best move of each unit first. Returns the moves taken."""
    tr = obj.find("contiguity")
    if tr is None:
        return 0
    st = obj.st
    elig = st.items.eligible()
    taken = 0
    # a unit without accounts (geo.units) costs nothing anywhere: moving it alone never
    # lowers the objective (``corridor_moves`` moves them with a unit that has accounts)
    mine = np.flatnonzero(tr.geo & (st.pool.size > 0)).tolist()
    for _ in range(passes):
        step = 0
        for u in mine:
            r = int(st.rep_of_unit[u])
            cands = sorted({int(st.rep_of_unit[v]) for v in tr.nb[u]} - {r})
            cands = [x for x in cands if elig[st.item_of_unit[u], x]]
            if not cands:
                continue
            dpen, ok = obj.delta(np.full(len(cands), u), r, np.asarray(cands))
            gain = np.where(ok, -dpen, -np.inf)
            k = int(np.argmax(gain))
            if gain[k] > 1e-9:
                obj.move(u, cands[k])
                step += 1
        taken += step
        if not step:
            break
    return taken


def chain_moves(obj: Any, depth: int = 3, passes: int = 10) -> int:
    """Ejection chains on the territories' borders: rep r0 gives a border unit to a touching
    rep r1, r1 one to r2, ... (up to ``depth`` moves along a path of touching reps, each unit
    the best of its step for the objective, every family allowing it: both territories stay
    one piece). A chain is kept when the objective goes down at its end, the best chain from
    each rep first. Where single moves are stuck (a rep over its band whose neighbours are
    all full, an empty rep far from the reps who have too much), a chain passes the surplus
    on. After the first pass, only chains from reps next to a change are looked for again.
    Returns the chains taken."""
    tr = obj.find("contiguity")
    if tr is None:
        return 0
    st = obj.st
    elig = st.items.eligible()
    rou = st.rep_of_unit
    nb, geo = tr.nb, tr.geo
    taken = 0

    def touching(a: int) -> list[int]:
        return sorted({int(rou[v]) for u in tr.members[a] for v in nb[u] if geo[v]} - {a})

    def steps(a: int, bs: list[int], used: set[int]) -> list[tuple[int, int, float]]:
        """For each rep b of ``bs``, the best unit for rep ``a`` to give it and the change of
        objective: (b, unit, change), for the reps some unit may go to."""
        us, rs = [], []
        for u in sorted(tr.members[a] - used):
            for b in sorted({int(rou[v]) for v in nb[u]}.intersection(bs)):
                if elig[st.item_of_unit[u], b]:
                    us.append(u)
                    rs.append(b)
        if not us:
            return []
        dpen, ok = obj.delta(np.asarray(us), a, np.asarray(rs))
        best: dict[int, tuple[int, float]] = {}
        for u, b, d, o in zip(us, rs, dpen.tolist(), ok.tolist()):
            if o and (b not in best or d < best[b][1] - 1e-12):
                best[b] = (u, d)
        return [(b, u, d) for b, (u, d) in sorted(best.items())]

    def best_chain(r0: int) -> list[tuple[int, int, int]]:
        """The chain from ``r0`` that lowers the objective most: (unit, from, to) per move
        (empty when none lowers it). Every move is undone before it returns."""
        best: tuple[float, list[tuple[int, int, int]]] = (-1e-9, [])
        path: list[tuple[int, int, int]] = []

        def grow(a: int, total: float, on_path: set[int]) -> None:
            nonlocal best
            bs = [b for b in touching(a) if b not in on_path]
            for b, u, d in steps(a, bs, {m[0] for m in path}):
                obj.move(u, b)
                path.append((u, a, b))
                if total + d < best[0]:
                    best = (total + d, list(path))
                if len(path) < depth:
                    grow(b, total + d, on_path | {b})
                path.pop()
                obj.move(u, a)

        grow(r0, 0.0, {r0})
        return best[1]

    dirty = set(range(st.R))
    for _ in range(passes):
        found = 0
        for r0 in range(st.R):
            if r0 not in dirty:
                continue
            dirty.discard(r0)
            chain = best_chain(r0)
            for u, a, b in chain:
                obj.move(u, b)
                dirty.update((a, b), touching(a), touching(b))
            found += bool(chain)
        taken += found
        if not found:
            break
    return taken


def spread_empty(tr: Pieces, elig: np.ndarray, item_of_unit: np.ndarray, plan: np.ndarray) -> np.ndarray:
    """``plan`` (local rep per unit) with every geographic unit without accounts given to the
    rep of the nearest unit with accounts (breadth first from all of them at once, in unit
    order), when that rep may hold it; a unit no such rep reaches keeps its rep. A plan
    without contiguity leaves those units anywhere (they cost nothing); this is the start
    the grouped model made of the same owners (each unit without accounts with its nearest
    unit with accounts), from which ``connect`` and the local search go on unit by unit."""
    from collections import deque

    p = tr.st.pool
    empty = tr.empty
    got = np.full(p.n_units, -1, dtype=np.int64)
    seeds = np.flatnonzero(tr.geo & ~empty)
    got[seeds] = plan[seeds]
    todo = deque(seeds.tolist())
    while todo:
        u = todo.popleft()
        r = int(got[u])
        for v in tr.nb[u]:
            if got[v] < 0 and empty[v] and elig[item_of_unit[v], r]:
                got[v] = r
                todo.append(v)
    return np.where(empty & (got >= 0), got, plan)


def corridor_moves(obj: Any, passes: int = 5, longest: int = 40) -> int:
    """Moves through units without accounts: a unit with accounts goes from rep r1 to a rep
    r2 whose territory it does not touch, together with the shortest path of r1's units
    without accounts that joins it to r2's territory, when the objective goes down, every
    family allows it and both territories stay one piece. Units without accounts cost
    nothing, so a single move of one never lowers the objective and the other moves leave
    them where they are; this lets a territory grow through them to the accounts it needs
    (the Florida rep of the example reaching Georgia's accounts through empty counties).
    The most promising moves first (the change of objective of the unit alone, without
    contiguity). Returns the moves taken."""
    from collections import deque

    tr = obj.find("contiguity")
    if tr is None:
        return 0
    st = obj.st
    p = st.pool
    empty = tr.empty
    if not empty.any():
        return 0
    elig = st.items.eligible()
    others = [t for t in obj.trackers if t is not tr]
    rou = st.rep_of_unit
    taken = 0

    def path_to(u: int, r1: int, r2: int) -> list[int] | None:
        """r1's units without accounts from r2's border to ``u`` (nearest r2 first), or None."""
        prev = {u: -1}
        todo = deque([u])
        while todo:
            w = todo.popleft()
            if any(rou[v] == r2 for v in tr.nb[w]):
                out = []
                while w != u:
                    out.append(w)
                    w = prev[w]
                return out if len(out) <= longest else None
            for v in tr.nb[w]:
                if v not in prev and empty[v] and rou[v] == r1 and elig[st.item_of_unit[v], r2]:
                    prev[v] = w
                    todo.append(v)
        return None

    for _ in range(passes):
        # (a unit that touches none of its rep's units without accounts has no corridor)
        cand = [
            u
            for u in np.flatnonzero(tr.geo & ~empty & ~p.locked).tolist()
            if any(empty[v] and rou[v] == rou[u] for v in tr.nb[u])
        ]
        us, a, b = [], [], []
        for u in cand:
            r1 = int(rou[u])
            for r2 in np.flatnonzero(elig[st.item_of_unit[u]]).tolist():
                if r2 != r1:
                    us.append(u)
                    a.append(r1)
                    b.append(r2)
        if not us:
            return taken
        ua, ra, rb = np.asarray(us), np.asarray(a), np.asarray(b)
        dpen, ok = np.zeros(ua.size), np.ones(ua.size, dtype=bool)
        for t in others:
            d, o = t.delta(ua, ra, rb)
            dpen, ok = dpen + d, ok & o
        good = np.flatnonzero(ok & (dpen < -1e-9))
        step = 0
        for k in good[np.argsort(dpen[good], kind="stable")].tolist():
            u, r1, r2 = int(ua[k]), int(ra[k]), int(rb[k])
            if int(rou[u]) != r1:
                continue
            path = path_to(u, r1, r2)
            if not path:  # none, or a plain move (``boundary_moves``)
                continue
            before = obj.penalty() + BIG * obj.excess()
            for w in (*path, u):
                obj.move(w, r2)
            if tr.count[r1] <= 1 and tr.count[r2] == 1 and obj.penalty() + BIG * obj.excess() < before - 1e-9:
                step += 1
                continue
            for w in (u, *reversed(path)):
                obj.move(w, r1)
        taken += step
        if not step:
            break
    return taken
