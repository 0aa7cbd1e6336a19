"""Repair and local search of the scale method, through the families' trackers only.

After disaggregation a plan may break a cap by a little (rounding) and leave reps a little
outside a band (the class model's envelopes are not the units themselves). Every step here
proposes moves or swaps of units and takes one only when ``Objective.delta`` says every
family allows it (hard rules) and it lowers the objective (move cost plus band penalties),
so the search applies the families' own definitions; none is written again here.

Candidates are screened in batches (numpy over every candidate at once) and re-checked one
by one against the current plan before they are taken.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .families.base import PairSum, band_excess
from .pools import primary_measure, tier_mixes
from .repair import Objective, give_back

INF = np.inf


def improve(obj: Objective) -> int:
    """Repair and polish a plan in place: caps first, tier bands, measure bands, then moves
    given back where the bands allow. Returns the number of moves and swaps taken."""
    done = give_back(obj)
    for _ in range(3):  # again while a round finds something: a polish can open a swap
        step = tier_repair(obj) + class_swaps(obj) + balance_swaps(obj) + transfers(obj)
        step += team_repair(obj) + move_polish(obj)
        done += step
        if not step:
            break
    done += give_back(obj)  # a safety net: nothing to do normally
    return done


def _take(obj: Objective, moves: list[tuple[int, int]]) -> None:
    for u, r in moves:
        obj.move(u, r)


def _gain(
    obj: Objective,
    a: np.ndarray,
    r: Any,
    r2: Any,
    b: np.ndarray | None = None,
    ignore: frozenset[str] = frozenset(),
) -> np.ndarray:
    """Objective decrease of each candidate, -inf where some rule forbids it."""
    dpen, ok = obj.delta(a, r, r2, b, ignore)
    return np.where(ok, -dpen, -INF)


def tier_repair(obj: Objective, max_rounds: int = 1000) -> int:
    """Move single accounts of a tier from a rep outside its band to reps with room (or to a
    rep below its band from reps with some to spare), the best for the objective first. The
    measure bands are left to the swaps that follow (which keep the tier counts), so a move
    that mends a tier band is not refused for the measure it shifts."""
    tt: Any = obj.find("tier_balance")
    st = obj.st
    cfg = st.cfg
    if tt is None or cfg.balance.tier_penalty <= cfg.continuity.move_cost:
        return 0
    p, sh = st.pool, st.shares
    single = (p.size == 1) & (p.owner != -2) & ~p.locked
    stuck = np.zeros((st.R, 3), dtype=bool)
    done = 0
    for _ in range(max_rounds):
        counts = tt.T
        over = counts - sh.tier_hi
        under = sh.tier_lo - counts
        worst = np.where(stuck, -1, np.maximum(over, under))
        flat = int(np.argmax(worst))
        r, t = flat // 3, flat % 3
        if worst[r, t] <= 0:
            break
        if over[r, t] > 0:
            givers, takers = np.array([r]), np.flatnonzero(counts[:, t] < sh.tier_hi[:, t])
        else:
            givers, takers = np.flatnonzero(counts[:, t] > sh.tier_lo[:, t]), np.array([r])
        cand = np.flatnonzero(single & (p.comp[:, t] == 1) & np.isin(st.rep_of_unit, givers))
        if not cand.size or not takers.size:
            stuck[r, t] = True
            continue
        a = np.repeat(cand, takers.size)
        r2 = np.tile(takers, cand.size)
        cur = st.rep_of_unit[a]
        gain = np.where(cur != r2, _gain(obj, a, cur, r2, ignore=frozenset({"measure_balance"})), -INF)
        i = int(np.argmax(gain))
        if gain[i] <= 1e-9:
            stuck[r, t] = True
            continue
        obj.move(int(a[i]), int(r2[i]))
        done += 1
    return done


def class_swaps(
    obj: Objective,
    max_rounds: int = 500,
    per_round: int = 16,
    offer: int = 48,
    most: int = 100_000,
    screen: int = 8,
) -> int:
    """Trades that change only the measures: two units of one class between the reps holding
    them (free in moves, tier counts, accounts and workload: a class's units are
    interchangeable for those), or two moved units of the same tier mix between their new
    holders (free in tier counts, and in moves unless one goes back to its owner: with a
    cap on moves, the trades left). This is
    how the choice of *which* units each rep gets, which the class model leaves open, serves
    every measure, not only the primary one the disaggregation sorts by.

    Each round, the costliest reps outside a measure band offer their units in trade for
    every such partner unit; the candidates are screened on the measures, the best of each
    rep weighed on the whole objective (every family, every measure at once), and the best
    trade of each rep is taken, costliest reps first, each re-checked against the plan as it
    is then, at most one per rep and round. Rounds repeat while some rep can still gain."""
    st = obj.st
    p = st.pool
    meas: list[Any] = [t for t in obj.trackers if t.family.name == "measure_balance"]
    if not meas:
        return 0
    R = st.R
    reps = np.arange(R)
    item = st.item_of_unit
    own = np.where(p.locked, -2, p.owner)  # uniform owners only (mixed: -2, none: -1)
    ck = tier_mixes(p.comp)[0]
    stuck = np.zeros(R, dtype=bool)
    done = 0
    for _ in range(max_rounds):
        cost = np.where(stuck, 0.0, sum(t.cost(reps, t.T) for t in meas))
        if cost.max(initial=0.0) <= 1e-9:
            break
        rou = st.rep_of_unit
        worst = np.argsort(-cost, kind="stable")[:per_round]
        worst = worst[cost[worst] > 1e-9]
        mine = np.flatnonzero(np.isin(rou, worst))
        # of each rep, the units it would best give away: high in what it has too much of,
        # low in what it lacks (in shares of its fair shares, weighted by the penalties)
        lean = np.stack(
            [
                t.meas.penalty * t.inv * np.sign(np.maximum(t.T - t.hi, 0) - np.maximum(t.lo - t.T, 0))
                for t in meas
            ],
            axis=1,
        )
        score = (p.value[mine][:, [t.m for t in meas]] * lean[rou[mine]]).sum(axis=1)
        o = np.lexsort((mine, -score, rou[mine]))
        first = np.searchsorted(rou[mine][o], rou[mine][o], side="left")
        mine = np.sort(mine[o[(np.arange(o.size) - first) < offer]])
        moved = np.flatnonzero((own >= 0) & (rou != own))
        # same class (units in pool order, so a class is a run) / moved units of one tier mix:
        # every moved unit of the reps outside their bands, not only the ones they offer (at
        # a cap on moves these trades are what is left)
        a1, b1 = _same_key(mine, item[mine], np.arange(p.n_units), item, most)
        mm = moved[np.isin(rou[moved], worst)]
        a2, b2 = _same_key(mm, ck[mm], moved, ck[moved], most)
        a, b = np.concatenate([a1, a2]), np.concatenate([b1, b2])
        keep = rou[b] != rou[a]
        a, b = a[keep], b[keep]
        r1, r2 = rou[a], rou[b]
        # screened on the measures, the best ``screen`` of each rep weighed on everything
        dm = sum(t.delta(a, r1, r2, b)[0] for t in meas)
        o = np.lexsort((b, a, dm, r1))
        first = np.searchsorted(r1[o], r1[o], side="left")
        sel = o[(np.arange(o.size) - first) < screen]
        a, b, r1, r2 = a[sel], b[sel], r1[sel], r2[sel]
        g = _gain(obj, a, r1, r2, b)
        good = g > 1e-9
        stuck[worst] = True
        stuck[np.unique(r1[good])] = False
        if not good.any():
            continue
        a, b, r1, g = a[good], b[good], r1[good], g[good]
        o = np.lexsort((b, a, -g, -cost[r1]))  # per rep its best candidate, costliest reps first
        used = np.zeros(R, dtype=bool)
        for k in o.tolist():
            u, w = int(a[k]), int(b[k])
            ra, rb = int(st.rep_of_unit[u]), int(st.rep_of_unit[w])
            if used[ra] or used[rb] or ra == rb:
                continue
            if _gain(obj, np.array([u]), ra, rb, np.array([w]))[0] > 1e-9:
                _take(obj, [(u, rb), (w, ra)])
                used[[ra, rb]] = True
                done += 1
        stuck[used] = False  # a trade changes what its partner can do next
    return done


def _same_key(
    a: np.ndarray, ka: np.ndarray, b: np.ndarray, kb: np.ndarray, most: int
) -> tuple[np.ndarray, np.ndarray]:
    """Every pair (a, b) with the same key, as two arrays; when there are more than ``most``,
    every n-th b of each key (deterministically) so that about ``most`` remain."""
    o = np.argsort(kb, kind="stable")
    b, kb = b[o], kb[o]
    lo = np.searchsorted(kb, ka, side="left")
    cnt = np.searchsorted(kb, ka, side="right") - lo
    step = max(1, -(-int(cnt.sum()) // most))
    take = -(-cnt // step)
    within = np.arange(int(take.sum())) - np.repeat(np.cumsum(take) - take, take)
    return np.repeat(a, take), b[np.repeat(lo, take) + within * step]


def balance_swaps(obj: Objective, max_rounds: int = 2000, partners: int = 6, screen: int = 16) -> int:
    """Swaps that bring every rep's measures into their bands: the rep furthest outside a
    band swaps a unit with one of the reps with the most room, two units of the same class
    (free in moves and tiers) or of the same tier mix, whose difference in that measure is
    closest to what the rep must shed or gain. The candidates are screened on that measure's
    change and the best of them weighed on the whole objective, once per round."""
    st = obj.st
    p = st.pool
    meas: list[Any] = [t for t in obj.trackers if t.family.name == "measure_balance"]
    if not meas:
        return 0
    R = st.R
    item = st.item_of_unit
    ckey = tier_mixes(p.comp)[0]
    movable = p.owner != -2  # mixed-owner families are left alone
    elig = st.items.eligible()
    stuck = np.zeros((R, len(meas)), dtype=bool)
    swaps = 0
    for _ in range(max_rounds):
        viol = np.stack([np.maximum(t.T - t.hi, t.lo - t.T) * t.inv for t in meas], axis=1)
        has = np.stack([t.has for t in meas], axis=1)
        viol[~has | stuck] = -1
        flat = int(np.argmax(viol))
        r, j = flat // len(meas), flat % len(meas)
        if viol[r, j] <= 1e-12:
            break
        t = meas[j]
        vals = p.value[:, t.m]
        T, lo, hi, fair = t.T, t.lo, t.hi, t.fair
        margin = 0.002 * fair
        down = T[r] > hi[r]
        want_r = (T[r] - (hi[r] - margin[r])) if down else ((lo[r] + margin[r]) - T[r])
        mine = np.flatnonzero((st.rep_of_unit == r) & movable)
        room = ((hi - margin) - T) if down else (T - (lo + margin))
        room[r] = -INF
        if mine.size:
            room[~elig[np.unique(item[mine])].any(axis=0)] = -INF
        sign = 1.0 if down else -1.0
        span = float(vals.max() - vals.min() + 1.0) * 4 if vals.size else 1.0
        ca: list[np.ndarray] = []
        cb: list[np.ndarray] = []
        c2: list[np.ndarray] = []
        for r2 in np.argsort(-room, kind="stable")[:partners].tolist():
            if room[r2] <= 0 or not mine.size:
                break
            want = min(want_r, room[r2])
            theirs = np.flatnonzero((st.rep_of_unit == r2) & movable)
            if not theirs.size:
                continue
            for key_a, key_b in ((item[mine], item[theirs]), (ckey[mine], ckey[theirs])):
                bo = np.lexsort((vals[theirs], key_b))
                bu = theirs[bo]
                bk = key_b[bo] * span + vals[bu]
                j0 = np.searchsorted(bk, key_a * span + vals[mine] - sign * want)
                for dj in (-1, 0):
                    jj = np.clip(j0 + dj, 0, len(bu) - 1)
                    cand = np.flatnonzero(key_b[bo][jj] == key_a)
                    if not cand.size:
                        continue
                    bb = bu[jj[cand]]
                    dm, _ = t.delta(mine[cand], r, r2, bb)  # screen on the measure's own change
                    best = np.argsort(dm, kind="stable")[:screen]
                    ca.append(mine[cand[best]])
                    cb.append(bb[best])
                    c2.append(np.full(best.size, r2))
        if not ca:
            stuck[r, j] = True
            continue
        A, B, R2 = np.concatenate(ca), np.concatenate(cb), np.concatenate(c2)
        g = _gain(obj, A, r, R2, B)
        i = int(np.argmax(g))
        if g[i] <= 1e-9:
            stuck[r, j] = True
            continue
        _take(obj, [(int(A[i]), int(R2[i])), (int(B[i]), r)])
        swaps += 1
    return swaps


def transfers(obj: Objective, max_rounds: int = 500, most: int = 256, screen: int = 64) -> int:
    """Single units into or out of the rep whose bands cost most, the best for the objective
    first: what the swaps cannot mend (an account band, a workload band, a measure band that
    needs one more or one less unit, not a trade). Candidates are the rep's largest units to
    any rep, and the largest units of the costliest other reps to it; they are screened on the
    family that costs the rep most, then weighed on the whole objective."""
    st = obj.st
    p = st.pool
    soft = [t for t in obj.trackers if isinstance(t, PairSum) and not t.total_rule and not t.family.hard]
    if not soft:
        return 0
    R = st.R
    reps = np.arange(R)
    movable = (p.owner != -2) & ~p.locked
    prim = p.value[:, primary_measure(p.measures)] if p.value.shape[1] else np.zeros(p.n_units)
    elig = st.items.eligible()
    stuck = np.zeros(R, dtype=bool)
    done = 0
    for _ in range(max_rounds):
        parts = np.stack([t.cost(reps, t.T) for t in soft])
        cost = np.where(stuck, 0.0, parts.sum(axis=0))
        r = int(np.argmax(cost))
        if cost[r] <= 1e-9:
            break
        t = soft[int(np.argmax(parts[:, r]))]
        rou = st.rep_of_unit
        mine = np.flatnonzero((rou == r) & movable)
        mine = mine[np.argsort(-prim[mine], kind="stable")[:most]]
        others = np.argsort(-np.where(reps == r, -1.0, parts.sum(axis=0)), kind="stable")[:8]
        theirs = np.flatnonzero(np.isin(rou, others) & movable)
        theirs = theirs[elig[st.item_of_unit[theirs], r]]
        theirs = theirs[np.argsort(-prim[theirs], kind="stable")[:most]]
        a = np.concatenate([np.repeat(mine, R), theirs])
        src = np.concatenate([np.full(mine.size * R, r), rou[theirs]])
        dst = np.concatenate([np.tile(reps, mine.size), np.full(theirs.size, r)])
        keep = src != dst
        a, src, dst = a[keep], src[keep], dst[keep]
        if not a.size:
            stuck[r] = True
            continue
        d_t, ok_t = t.delta(a, src, dst)
        sel = np.flatnonzero(ok_t)
        sel = sel[np.argsort(d_t[sel], kind="stable")[:screen]]
        gain = _gain(obj, a[sel], src[sel], dst[sel])
        i = int(np.argmax(gain)) if gain.size else 0
        if not gain.size or gain[i] <= 1e-9:
            stuck[r] = True
            continue
        u, r1, r2 = int(a[sel[i]]), int(src[sel[i]]), int(dst[sel[i]])
        obj.move(u, r2)
        stuck[[r1, r2]] = False
        done += 1
    return done


def move_polish(obj: Objective, passes: int = 3) -> int:
    """Take moves back where the objective allows: a moved unit returns to its owner alone,
    or in exchange for a unit the owner holds (``exchanges``)."""
    st = obj.st
    p = st.pool
    own = np.where(p.locked, -1, p.owner)  # uniform owners only (mixed: -2, none: -1)
    if not (own >= 0).any():
        return 0
    elig = st.items.eligible()
    item = st.item_of_unit
    done = 0
    for _ in range(passes):
        changed = 0
        rou = st.rep_of_unit
        moved = np.flatnonzero((own >= 0) & (rou != own))
        moved = moved[elig[item[moved], own[moved]]]
        if not moved.size:
            break
        # 1. returns, best first; each re-checked against the plan as it is then
        g = _gain(obj, moved, rou[moved], own[moved])
        for k in np.argsort(-g, kind="stable").tolist():
            if g[k] <= 1e-9:
                break
            u = int(moved[k])
            if _gain(obj, np.array([u]), rou[u], own[u])[0] > 1e-9:
                obj.move(u, int(own[u]))
                changed += 1
        # 2. exchanges with a unit the owner holds
        if not changed:  # returns first; exchanges where they leave nothing more to return
            changed += exchanges(obj, own, moved[st.rep_of_unit[moved] != own[moved]], elig)
        done += changed
        if not changed:
            break
    return done


def exchanges(obj: Objective, own: np.ndarray, moved: np.ndarray, elig: np.ndarray, near: int = 2) -> int:
    """Moved units go back to their owners, each in exchange for a unit the owner holds,
    where the objective allows: any unit the owner received from someone else (one move
    fewer), or, for a family, a smaller unit of its own (a family of 4 returns and a single
    goes in its place: 3 moves fewer; of each tier mix, the ``near`` units closest in the
    primary measure on either side). The bands decide, not the tier mix. The best exchange of the plan is taken first, each re-checked against the plan
    as it is then. Returns the number taken."""
    st = obj.st
    p = st.pool
    if not moved.size:
        return 0
    rou = st.rep_of_unit
    item = st.item_of_unit
    movable = (p.owner != -2) & ~p.locked
    o = own[moved]
    # 1. units the owner received: every one of them, for every moved unit of that owner
    # (units without accounts, geo.units, have no owner today and nothing to give back)
    recv = np.flatnonzero(movable & (rou != own) & (p.size > 0))
    recv = recv[np.argsort(rou[recv], kind="stable")]
    lo = np.searchsorted(rou[recv], o, side="left")
    n = np.searchsorted(rou[recv], o, side="right") - lo
    cu = np.repeat(moved, n)
    cw = recv[np.repeat(lo - np.cumsum(n) + n, n) + np.arange(int(n.sum()))]
    # 2. families: smaller units of the owner's own, of every tier mix, closest in value
    fam = moved[p.size[moved] >= 2]
    if fam.size:
        prim = p.value[:, primary_measure(p.measures)] if p.value.shape[1] else np.zeros(p.n_units)
        rank = np.empty(p.n_units)
        rank[np.lexsort((np.arange(p.n_units), prim))] = np.arange(p.n_units) / (p.n_units + 1.0)
        mix, first = tier_mixes(p.comp)
        n_mix = len(first)
        mine = np.flatnonzero(movable & (own == rou))
        key = (rou[mine] * n_mix + mix[mine]) + rank[mine]
        order = np.argsort(key, kind="stable")
        mine, key = mine[order], key[order]
        fu, fm = np.nonzero(p.comp[first].sum(axis=1)[None, :] < p.size[fam][:, None])
        want = (own[fam[fu]] * n_mix + fm) + rank[fam[fu]]
        offs = np.arange(-near, near)
        jj = np.clip(np.searchsorted(key, want)[:, None] + offs[None, :], 0, max(mine.size - 1, 0))
        if mine.size:
            ok = np.floor(key[jj]) == np.floor(want)[:, None]
            cu = np.concatenate([cu, np.repeat(fam[fu], offs.size)[ok.reshape(-1)]])
            cw = np.concatenate([cw, mine[jj][ok]])
    keep = (cw != cu) & elig[item[cw], rou[cu]]
    cu, cw = cu[keep], cw[keep]
    if not cu.size:
        return 0
    g = _gain(obj, cu, rou[cu], own[cu], cw)
    used: set[int] = set()
    taken = 0
    for k in np.argsort(-g, kind="stable").tolist():
        if g[k] <= 1e-9:
            break
        uu, ww = int(cu[k]), int(cw[k])
        if uu in used or ww in used:
            continue
        r_u, o_u = int(st.rep_of_unit[uu]), int(own[uu])
        if st.rep_of_unit[ww] != o_u or r_u == o_u:
            continue
        if _gain(obj, np.array([uu]), r_u, o_u, np.array([ww]))[0] > 1e-9:
            _take(obj, [(uu, o_u), (ww, r_u)])
            used.update((uu, ww))
            taken += 1
    return taken


def team_repair(obj: Objective, max_rounds: int = 500, most: int = 48) -> int:
    """Transfers and swaps across teams that bring each manager's team into its bands: the
    team furthest outside (by the price of its bands) gives or takes single units, or trades
    one with another team, the candidates being the units that carry most of the dimension
    it is outside on; the best for the whole objective is taken while it lowers it."""
    tt: Any = obj.find("team_balance")
    if tt is None or not tt.sh.G:
        return 0
    st, sh = obj.st, tt.sh
    p = st.pool
    movable = (p.owner != -2) & ~p.locked
    elig = st.items.eligible()
    item = st.item_of_unit
    amounts = sh.amounts(p, np.arange(p.n_units))
    teams = np.arange(sh.G)
    stuck = np.zeros(sh.G, dtype=bool)
    done = 0
    for _ in range(max_rounds):
        cost = np.where(stuck, 0.0, tt._cost(teams, tt.T))
        g = int(np.argmax(cost))
        if cost[g] <= 1e-9:
            break
        d = int(np.argmax(band_excess(tt.T[g], sh.lo[g], sh.hi[g]) * sh.weight[g]))
        rou = st.rep_of_unit
        inside = sh.rep_team[rou] == g
        by = np.argsort(-amounts[:, d], kind="stable")
        mine = by[(inside & movable)[by]][:most]
        theirs = by[(~inside & movable)[by]][:most]
        out_reps = np.flatnonzero(sh.rep_team != g)
        in_reps = np.flatnonzero(sh.rep_team == g)
        a = np.concatenate([np.repeat(mine, out_reps.size), np.repeat(theirs, in_reps.size)])
        dst = np.concatenate([np.tile(out_reps, mine.size), np.tile(in_reps, theirs.size)])
        sa, sb = np.repeat(mine, theirs.size), np.tile(theirs, mine.size)
        a_all = np.concatenate([a, sa])
        dst_all = np.concatenate([dst, rou[sb]])
        b_all = np.concatenate([np.full(a.size, -1), sb])
        ok = elig[item[a_all], dst_all]
        swap = b_all >= 0
        ok[swap] &= elig[item[b_all[swap]], rou[a_all[swap]]]
        a_all, dst_all, b_all, swap = a_all[ok], dst_all[ok], b_all[ok], swap[ok]
        if not a_all.size:
            stuck[g] = True
            continue
        gain = np.full(a_all.size, -INF)
        one = np.flatnonzero(~swap)
        two = np.flatnonzero(swap)
        if one.size:
            gain[one] = _gain(obj, a_all[one], rou[a_all[one]], dst_all[one])
        if two.size:
            gain[two] = _gain(obj, a_all[two], rou[a_all[two]], dst_all[two], b_all[two])
        i = int(np.argmax(gain))
        if gain[i] <= 1e-9:
            stuck[g] = True
            continue
        u, r1, r2 = int(a_all[i]), int(rou[a_all[i]]), int(dst_all[i])
        moves = [(u, r2)] + ([(int(b_all[i]), r1)] if swap[i] else [])
        _take(obj, moves)
        stuck[:] = False
        done += 1
    return done
