"""The parts every family shares: the build context, trackers, violations, the registry."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, ClassVar

import numpy as np

from ...config import PlanConfig
from ..arrays import ArrayModel
from ..items import Items
from ..pools import Pool
from ..state import PoolState
from ..units import Measure

registry: dict[str, type[Family]] = {}


def register(cls: type[Family]) -> type[Family]:
    """Class decorator: make a family known to every method."""
    if cls.name in registry and registry[cls.name] is not cls:
        raise ValueError(f"two families named {cls.name!r}")
    registry[cls.name] = cls
    return cls


@dataclass(frozen=True)
class Violation:
    """A rule a plan does not keep: which rule, for whom, by how much, in plain words."""

    family: str
    message: str
    hint: str = ""
    hard: bool = True
    rep: str = ""
    amount: float = 0.0  # how far past the limit, in the rule's own unit
    side: str = ""  # for a band: "lo" (below it) or "hi" (above it)

    def __str__(self) -> str:
        return self.message


def band_hint(cfg: PlanConfig, hint: str) -> str:
    """The hint of a bent band: the family's own ``hint``, or, with territories of whole units
    (geo.units), the reason it does not know: whole units in one piece, as the plan found
    them (docs/geography.md, "How contiguity is kept")."""
    if cfg.geo.units == "none":
        return hint
    from ...geo.territories import KIND_PLURAL

    units = KIND_PLURAL.get(cfg.geo.units, cfg.geo.units)
    return (
        f"territories of whole {units}, each one connected piece: the plan found no better split "
        "here (docs/geography.md, 'How contiguity is kept'). Widen the band, or plan without "
        "--geo-units"
    )


# --------------------------------------------------------------------------- building


@dataclass
class Build:
    """What a family needs to write its rows: the model, the items and their columns.

    ``y[k]`` is the column of pair k (units of item ``pair_i[k]`` that rep ``pair_r[k]``
    gets), ``z[r, q]`` the column "rep r carries product q" (-1 when r's product is given)
    and ``q[m, k]`` the column of measure m that pair k receives when the item's units differ
    in it (-1 otherwise; such columns hold the measure in units of ``ps[m]``).

    ``measures``: ``"exact"`` (items with one value per unit; the per-unit model),
    ``"envelope"`` (class model: ``q`` columns where needed) or ``"none"`` (the count-only
    relaxation: measure rows are left out and caps count each unit's smallest value).
    ``links``: the product-choice rows ``y <= n z`` on every pair (``"all"``) or only on the
    pairs where they bind, a rep's own and locked items (``"owned"``; a relaxation).
    ``move_pot`` overrides the potential taken per unit on each pair (a rounding heuristic).
    """

    m: ArrayModel
    items: Items
    cfg: PlanConfig
    y: np.ndarray
    z: np.ndarray
    q: np.ndarray
    ps: np.ndarray
    measures: str = "exact"
    links: str = "all"
    move_pot: np.ndarray | None = None
    elastic: bool = False
    emitted: set[str] = field(default_factory=set)  # keys of the families that wrote something
    _by_rep: list[np.ndarray] | None = None
    _combos: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None

    @property
    def pool(self) -> Pool:
        return self.items.pool

    @property
    def hard_bands(self) -> bool:
        """Bands as hard rows (``balance.hard_bands``), except in the elastic re-solve."""
        return bool(self.cfg.balance.hard_bands) and not self.elastic

    def rep_labels(self, r: np.ndarray, q: np.ndarray | None = None) -> dict[str, Any]:
        """Row labels for (rep, product) rows: the product only when there are products."""
        p = self.pool
        out: dict[str, Any] = {"rep": self.rep_ids[r]}
        if q is not None and (len(p.products) > 1 or p.products[0]):
            out["product"] = np.asarray(p.products, dtype=object)[q]
        return out

    def item_labels(self, i: np.ndarray) -> dict[str, Any]:
        return {self.items.kind: self.items.ids[i]}

    @property
    def rep_ids(self) -> np.ndarray:
        return np.asarray(self.pool.rep_ids, dtype=object)

    def pairs_of_rep(self) -> list[np.ndarray]:
        if self._by_rep is None:
            it = self.items
            order = np.argsort(it.pair_r, kind="stable")
            bnd = np.searchsorted(it.pair_r[order], np.arange(self.pool.n_reps + 1))
            self._by_rep = [order[bnd[r] : bnd[r + 1]] for r in range(self.pool.n_reps)]
        return self._by_rep

    def combos(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Every (rep, product) a rep may carry, as arrays ``(rep, product)``, and the combo of
        each pair (-1 for a pair of a product its rep cannot carry)."""
        if self._combos is None:
            p = self.pool
            cr, cq = [], []
            for r in range(p.n_reps):
                for q in p.rep_products(r):
                    cr.append(r)
                    cq.append(q)
            cr_a, cq_a = np.asarray(cr, dtype=np.int64), np.asarray(cq, dtype=np.int64)
            P = len(p.products)
            index = np.full((p.n_reps, P), -1, dtype=np.int64)
            index[cr_a, cq_a] = np.arange(len(cr_a))
            it = self.items
            prod = it.product[it.pair_i] if P > 1 else np.zeros(it.n_pairs, dtype=np.int64)
            self._combos = (cr_a, cq_a, index[it.pair_r, prod])
        return self._combos

    def combo_rows(self, fair: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """One row per (rep, product) with a positive fair share: the combos kept (``sel``),
        the pairs that enter them and each such pair's row."""
        _cr, _cq, pc = self.combos()
        sel = np.flatnonzero(fair > 0)
        rowmap = np.full(len(fair), -1)
        rowmap[sel] = np.arange(len(sel))
        k = np.flatnonzero(pc >= 0)
        k = k[rowmap[pc[k]] >= 0]
        return sel, k, rowmap[pc[k]]

    def measure_terms(self, m: int, pairs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(columns, coefficients) of the measure ``m`` that each pair's rep receives, in the
        measure's own units: ``q`` where the item's units differ, ``value x y`` elsewhere."""
        it = self.items
        qcol = self.q[m, pairs] if self.q.size else np.full(len(pairs), -1)
        has_q = qcol >= 0
        cols = np.where(has_q, qcol, self.y[pairs])
        coef = np.where(has_q, self.ps[m], it.vlo[it.pair_i[pairs], m])
        return cols, coef


def band_rows(
    b: Build,
    family: str,
    kind: str,
    slack: str,
    n: int,
    terms: tuple[np.ndarray, np.ndarray, np.ndarray],
    lo: np.ndarray,
    hi: np.ndarray,
    *,
    penalty: float,
    labels: dict[str, Any],
    info: dict[str, Any],
    z_terms: tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray] | None = None,
    z_ends: bool = False,
) -> None:
    """A band ``lo <= sum <= hi`` per row, with priced slacks (``<slack>_under`` and
    ``<slack>_over``) unless the bands are hard.

    ``terms`` are the (row, column, coefficient) triples of the sum. A band is one ranged
    row ``lo <= sum + under - over <= hi`` (exported as ``<kind>_lo`` and ``<kind>_hi``).
    ``z_terms`` (row, z column, lo coefficient, hi coefficient) scale the band's ends by the
    product choice of a rep with product = auto: such rows are two one-sided rows,
    sum - lo z >= 0 and sum - hi z <= 0; with ``z_ends`` they keep ``lo`` and ``hi`` as the
    part of the band that does not depend on the choice (sum - lo_z z >= lo, a row may hold
    several z terms: a team with several such reps).
    """
    i, j, v = terms
    if z_terms is None:
        z_terms = (np.zeros(0, dtype=np.int64),) * 2 + (np.zeros(0),) * 2
    zr, zc, zlo, zhi = z_terms
    hard = b.hard_bands
    under = over = np.full(n, -1, dtype=np.int64)
    if not hard:
        under = b.m.add_cols(f"{slack}_under", n, cost=penalty, family=family, labels=labels, info=info)
        over = b.m.add_cols(f"{slack}_over", n, cost=penalty, family=family, labels=labels, info=info)
    scaled = np.zeros(n, dtype=bool)
    scaled[zr] = True
    ranged = ~scaled & (lo <= hi)  # (a band with no whole number in it needs two rows to bend)
    for rows, parts in ((np.flatnonzero(ranged), ("",)), (np.flatnonzero(~ranged), ("_lo", "_hi"))):
        if not rows.size:
            continue
        local = np.full(n, -1, dtype=np.int64)
        local[rows] = np.arange(rows.size)
        sub_labels = {k: (x[rows] if isinstance(x, np.ndarray) else x) for k, x in labels.items()}
        sub_info = {k: (x[rows] if isinstance(x, np.ndarray) else x) for k, x in info.items()}
        t = local[i] >= 0
        for part in parts:
            row_lo: Any
            row_hi: Any
            i_, j_, v_ = [local[i[t]]], [j[t]], [v[t]]
            if not hard and part != "_hi":
                i_.append(np.arange(rows.size))
                j_.append(under[rows])
                v_.append(np.ones(rows.size))
            if not hard and part != "_lo":
                i_.append(np.arange(rows.size))
                j_.append(over[rows])
                v_.append(-np.ones(rows.size))
            if part:  # z-scaled rows: the band's end moves to the left, the row's bound is 0
                zt = local[zr] >= 0
                i_.append(local[zr[zt]])
                j_.append(zc[zt])
                v_.append(-np.asarray(zlo if part == "_lo" else zhi, dtype=np.float64)[zt])
                end = (lo if part == "_lo" else hi)[rows]
                end = end if z_ends else np.where(scaled[rows], 0.0, end)
                row_lo, row_hi = (end, np.inf) if part == "_lo" else (-np.inf, end)
            else:
                row_lo, row_hi = lo[rows], hi[rows]
            b.m.add_rows(
                family,
                kind + part,
                rows.size,
                np.concatenate(i_),
                np.concatenate(j_),
                np.concatenate(v_),
                row_lo,
                row_hi,
                labels=sub_labels,
                info=sub_info,
                hard=hard,
                split=None if part else (f"{kind}_lo", f"{kind}_hi", under[rows], over[rows]),
            )


class Solution:
    """A solved model read per rep (for explanations)."""

    def __init__(self, b: Build, x: np.ndarray):
        self.b = b
        self.x = np.asarray(x, dtype=float)
        self.y = self.x[b.y]

    def rep_sum(self, r: int, coef: np.ndarray, q: int | None = None) -> float:
        """sum over rep r's pairs (of product q) of coef[pair] * y[pair]."""
        idx = self.b.pairs_of_rep()[r]
        if q is not None and len(self.b.pool.products) > 1:
            idx = idx[self.b.items.product[self.b.items.pair_i[idx]] == q]
        return float((coef[idx] * self.y[idx]).sum())

    def rep_measure(self, m: int, r: int, q: int | None = None) -> float:
        idx = self.b.pairs_of_rep()[r]
        if q is not None and len(self.b.pool.products) > 1:
            idx = idx[self.b.items.product[self.b.items.pair_i[idx]] == q]
        cols, coef = self.b.measure_terms(m, idx)
        return float((self.x[cols] * coef).sum())

    def largest(self, m: int, r: int) -> float:
        """The largest unit value of measure m among the items rep r holds."""
        idx = self.b.pairs_of_rep()[r]
        held = idx[self.y[idx] > 0.5]
        return float(self.b.items.vhi[self.b.items.pair_i[held], m].max(initial=0.0))


# --------------------------------------------------------------------------- trackers


def _n(*xs: Any) -> int:
    return max((np.size(x) for x in xs if x is not None), default=1)


class Tracker:
    """Running totals of one family on a plan of units (see ``PairSum``)."""

    def __init__(self, family: Family, st: PoolState):
        self.family = family
        self.st = st

    def penalty(self) -> float:
        """The family's share of the objective (0 for hard rules)."""
        return 0.0

    def violations(self, exact: bool = False) -> list[Violation]:
        return []

    def delta(
        self, a: np.ndarray, r: Any, r2: Any, b: np.ndarray | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        """Change of penalty, and whether the rule allows it, if units ``a`` go from ``r`` to
        ``r2`` while units ``b`` (if given) go from ``r2`` to ``r`` (element-wise)."""
        n = _n(a, r, r2, b)
        return np.zeros(n), np.ones(n, dtype=bool)

    def move(self, u: int, r1: int, r2: int) -> None:
        return None

    def excess(self) -> float:
        """How far the plan is past this family's hard limits (0 when it keeps them)."""
        return float(sum(v.amount for v in self.violations() if v.hard))


class PairSum(Tracker):
    """Per-rep totals ``T[x] = sum of amount(u, x) over the units u that rep x holds``.

    Subclasses give ``amount`` and, for soft rules, ``cost(r, total)`` (vectorised penalty of
    rep r at that total) and, for hard rules, ``allowed(r, new, old)``; ``total_rule`` makes
    the rule apply to the sum over all reps instead (a pool-wide cap or cost).
    """

    total_rule: ClassVar[bool] = False

    def __init__(self, family: Family, st: PoolState):
        super().__init__(family, st)
        u = np.arange(st.pool.n_units)
        vals = self.amount(u, st.rep_of_unit)
        self.T = np.zeros((st.R,) + vals.shape[1:])
        np.add.at(self.T, st.rep_of_unit, vals)

    def amount(self, u: np.ndarray, r: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    def cost(self, r: np.ndarray, total: np.ndarray) -> np.ndarray:
        return np.zeros(np.shape(r))

    def allowed(self, r: np.ndarray, new: np.ndarray, old: np.ndarray) -> np.ndarray:
        return np.ones(np.shape(r), dtype=bool)

    def penalty(self) -> float:
        if self.total_rule:
            return float(self.cost(np.zeros(1, dtype=np.int64), np.array([self.T.sum(axis=0)]))[0])
        return float(self.cost(np.arange(self.st.R), self.T).sum())

    def move(self, u: int, r1: int, r2: int) -> None:
        if r1 != r2:
            uu = np.array([u])
            self.T[r1] -= self.amount(uu, np.array([r1]))[0]
            self.T[r2] += self.amount(uu, np.array([r2]))[0]

    def delta(
        self, a: np.ndarray, r: Any, r2: Any, b: np.ndarray | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        n = _n(a, r, r2, b)
        a = np.broadcast_to(np.asarray(a, dtype=np.int64), (n,))
        r = np.broadcast_to(np.asarray(r, dtype=np.int64), (n,))
        r2 = np.broadcast_to(np.asarray(r2, dtype=np.int64), (n,))
        same = r == r2
        d_r = -self.amount(a, r)
        d_r2 = self.amount(a, r2)
        if b is not None:
            b = np.broadcast_to(np.asarray(b, dtype=np.int64), (n,))
            d_r = d_r + self.amount(b, r)
            d_r2 = d_r2 - self.amount(b, r2)
        shape = (n,) + (1,) * (d_r.ndim - 1)
        d_r = np.where(same.reshape(shape), 0, d_r)
        d_r2 = np.where(same.reshape(shape), 0, d_r2)
        if self.total_rule:
            old = np.broadcast_to(self.T.sum(axis=0), d_r.shape)
            new = old + d_r + d_r2
            z = np.zeros(n, dtype=np.int64)
            dpen = self.cost(z, new) - self.cost(z, old)
            return dpen, self.allowed(z, new, old)
        old_r, old_r2 = self.T[r], self.T[r2]
        new_r, new_r2 = old_r + d_r, old_r2 + d_r2
        dpen = self.cost(r, new_r) + self.cost(r2, new_r2) - self.cost(r, old_r) - self.cost(r2, old_r2)
        ok = self.allowed(r, new_r, old_r) & self.allowed(r2, new_r2, old_r2)
        return np.where(same, 0.0, dpen), ok | same


def band_excess(total: np.ndarray, lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
    """How far ``total`` lies outside [lo, hi] (0 inside)."""
    return np.maximum(lo - total, 0) + np.maximum(total - hi, 0)


# --------------------------------------------------------------------------- families


class Family:
    """One rule of the model (see the package docstring)."""

    name: ClassVar[str] = ""
    order: ClassVar[int] = 100
    hard: ClassVar[bool] = True  # a hard rule (kept exactly) rather than a priced band
    bends: ClassVar[bool] = False  # its rows get a priced slack in the explaining re-solve

    @property
    def key(self) -> str:
        return self.name

    @classmethod
    def active(cls, cfg: PlanConfig) -> bool:
        return True

    @classmethod
    def instances(cls, cfg: PlanConfig) -> list[Family]:
        return [cls()] if cls.active(cfg) else []

    def emit(self, b: Build) -> None:
        raise NotImplementedError

    def tracker(self, st: PoolState) -> Tracker:
        raise NotImplementedError

    def check(self, st: PoolState) -> list[Violation]:
        """The finished plan's violations of this rule, decided exactly."""
        return self.tracker(st).violations(exact=True)

    def explain(self, info: dict[str, Any], amount: float, sol: Solution, notes: dict[str, Any]) -> list[str]:
        """Sentences for a row of this family that bent by ``amount`` in the elastic re-solve."""
        return []

    def summarize(self, notes: dict[str, Any], cfg: PlanConfig) -> list[str]:
        """Closing sentences after every bent row was explained (e.g. 'Widen the band to ...')."""
        return []

    def tighten(self, b: Build, v: Violation) -> bool:
        """Narrow this family's row that a solved plan broke by ``v.amount`` (within the
        solver's tolerance), so that solving again keeps it exactly; False if it cannot."""
        return False

    def __repr__(self) -> str:
        return f"<Family {self.key}>"


@dataclass
class MeasureFamily(Family):
    """A family with one instance per measure (``key``: ``name[measure]``)."""

    index: int = 0
    measure: Measure = field(default_factory=lambda: Measure("potential", 0.1, 1000.0))

    @property
    def key(self) -> str:
        return f"{self.name}[{self.measure.name}]"
