"""One model, as arrays: columns with bounds, cost and integrality; rows as COO blocks.

Every method builds its model here (the constraint families write into it, see
``territory.model.families``) and hands it to a solver in one piece:

- ``to_highs``: numpy CSC arrays into ``Highs.passModel`` (perf-notes §3: 0.2 s where pulp's
  hand-off takes a minute at 2M columns);
- ``to_pulp``: the same model as a ``pulp.LpProblem`` with readable, unique names, for CBC and
  for ``--export-lp``.

Names and explanations are kept per *block* of rows or columns (the family, a name prefix,
per-row labels such as the rep and tier, and per-row info such as the band's ends), and are
only turned into strings on demand, so a class model of 10^5 rows pays nothing for them.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from typing import Any

import numpy as np

INF = math.inf
ELASTIC_PENALTY = 1e4  # per unit a hard rule bends in the elastic re-solve (above any band penalty)
_UNSAFE = re.compile(r"[^A-Za-z0-9_]")


def lp_name(family: str, **labels: object) -> str:
    """``tier_band_hi`` + rep=R04, tier=1 -> ``tier_band_hi__rep_R04__tier_1`` (LP-safe)."""
    parts = [_UNSAFE.sub("_", family)] + [f"{k}_{_UNSAFE.sub('_', str(v))}" for k, v in labels.items()]
    return "__".join(parts)


def _per(value: Any, n: int) -> Any:
    """A label or info value for ``n`` rows: an array of n, or one scalar for all."""
    if isinstance(value, np.ndarray) or isinstance(value, list):
        arr = np.asarray(value, dtype=object if isinstance(value, list) else None)
        if len(arr) != n:
            raise ValueError(f"{len(arr)} values for {n} rows")
        return arr
    return value


@dataclass
class Block:
    """A run of rows (or columns) written by one family with one name prefix."""

    family: str
    kind: str
    start: int
    n: int
    labels: dict[str, Any] = field(default_factory=dict)
    info: dict[str, Any] = field(default_factory=dict)
    hard: bool = False
    # A band written as one ranged row lo <= sum + under - over <= hi: for LP export it is
    # two rows (``lo_kind`` with the under slack, ``hi_kind`` with the over slack).
    split: tuple[str, str, np.ndarray, np.ndarray] | None = None

    def labels_at(self, k: int) -> dict[str, object]:
        return {key: (v[k] if isinstance(v, np.ndarray) else v) for key, v in self.labels.items()}

    def info_at(self, k: int) -> dict[str, Any]:
        out = {key: (v[k] if isinstance(v, np.ndarray) else v) for key, v in self.info.items()}
        return {key: (v.item() if isinstance(v, np.generic) else v) for key, v in out.items()}

    def name(self, k: int) -> str:
        return lp_name(self.kind, **self.labels_at(k))


class ArrayModel:
    """A minimisation model built from array blocks (see the module docstring).

    ``elastic`` names the families whose hard rows get a slack column priced at
    ``ELASTIC_PENALTY`` (the explaining re-solve: an impossible ask still solves, and the
    slack says which rule had to bend, for whom, and by how much).
    """

    def __init__(
        self, name: str, *, elastic: frozenset[str] = frozenset(), bend_cost: float = ELASTIC_PENALTY
    ):
        self.name = name
        self.elastic = elastic
        self.bend_cost = bend_cost
        self.n_cols = 0
        self.n_rows = 0
        self.col_blocks: list[Block] = []
        self.row_blocks: list[Block] = []
        self._lo: list[np.ndarray] = []
        self._hi: list[np.ndarray] = []
        self._cost: list[np.ndarray] = []
        self._int: list[np.ndarray] = []
        self._ri: list[np.ndarray] = []
        self._cj: list[np.ndarray] = []
        self._v: list[np.ndarray] = []
        self._rlo: list[np.ndarray] = []
        self._rhi: list[np.ndarray] = []
        self._extra_cost: list[tuple[np.ndarray, np.ndarray]] = []
        self.bends: list[Block] = []  # the elastic slack blocks

    # ----------------------------------------------------------------- building

    def add_cols(
        self,
        kind: str,
        n: int,
        *,
        lo: Any = 0.0,
        hi: Any = INF,
        cost: Any = 0.0,
        integer: bool = False,
        family: str = "",
        labels: dict[str, Any] | None = None,
        info: dict[str, Any] | None = None,
    ) -> np.ndarray:
        """Append ``n`` columns; returns their indices."""
        start = self.n_cols
        self._lo.append(np.broadcast_to(np.asarray(lo, dtype=np.float64), (n,)).copy())
        self._hi.append(np.broadcast_to(np.asarray(hi, dtype=np.float64), (n,)).copy())
        self._cost.append(np.broadcast_to(np.asarray(cost, dtype=np.float64), (n,)).copy())
        self._int.append(np.full(n, 1 if integer else 0, dtype=np.int32))
        self.col_blocks.append(
            Block(
                family,
                kind,
                start,
                n,
                {k: _per(v, n) for k, v in (labels or {}).items()},
                {k: _per(v, n) for k, v in (info or {}).items()},
            )
        )
        self.n_cols += n
        return np.arange(start, start + n)

    def add_rows(
        self,
        family: str,
        kind: str,
        n: int,
        i: np.ndarray,
        j: np.ndarray,
        v: np.ndarray,
        lo: Any,
        hi: Any,
        *,
        labels: dict[str, Any] | None = None,
        info: dict[str, Any] | None = None,
        hard: bool = False,
        split: tuple[str, str, np.ndarray, np.ndarray] | None = None,
    ) -> np.ndarray:
        """Append ``n`` rows ``lo <= sum_j v x_j <= hi`` given as COO triples (``i`` in 0..n-1).

        Zero coefficients are dropped; NaN is refused (a NaN row is a bug, never data).
        """
        i = np.asarray(i, dtype=np.int64)
        j = np.asarray(j, dtype=np.int64)
        v = np.asarray(v, dtype=np.float64)
        if np.isnan(v).any():
            raise ValueError(f"NaN coefficient in {family} ({kind})")
        keep = v != 0
        start = self.n_rows
        lo_a = np.broadcast_to(np.asarray(lo, dtype=np.float64), (n,)).copy()
        hi_a = np.broadcast_to(np.asarray(hi, dtype=np.float64), (n,)).copy()
        self._ri.append(i[keep] + start)
        self._cj.append(j[keep])
        self._v.append(v[keep])
        self._rlo.append(lo_a)
        self._rhi.append(hi_a)
        labels_n = {k: _per(x, n) for k, x in (labels or {}).items()}
        info_n = {k: _per(x, n) for k, x in (info or {}).items()}
        self.row_blocks.append(Block(family, kind, start, n, labels_n, info_n, hard, split))
        self.n_rows += n
        if hard and family in self.elastic and n:
            # A priced slack on every one-sided row: -1 on a <= row, +1 on a >= row.
            one_sided = np.isinf(lo_a) != np.isinf(hi_a)
            rows = np.flatnonzero(one_sided)
            if rows.size:
                sub = {k: (x[rows] if isinstance(x, np.ndarray) else x) for k, x in labels_n.items()}
                sub_info = {k: (x[rows] if isinstance(x, np.ndarray) else x) for k, x in info_n.items()}
                sub_info["row"] = start + rows
                cols = self.add_cols(
                    "bend__" + kind,
                    rows.size,
                    cost=self.bend_cost,
                    family=family,
                    labels=sub,
                    info=sub_info,
                )
                self.bends.append(self.col_blocks[-1])
                sign = np.where(np.isinf(lo_a[rows]), -1.0, 1.0)
                self._ri.append(start + rows)
                self._cj.append(cols)
                self._v.append(sign)
        return np.arange(start, start + n)

    def add_cost(self, cols: np.ndarray, vals: np.ndarray) -> None:
        """Add ``vals`` to the cost of ``cols`` (repeats add up)."""
        self._extra_cost.append((np.asarray(cols, dtype=np.int64), np.asarray(vals, dtype=np.float64)))

    # ----------------------------------------------------------------- reading

    def arrays(self) -> tuple[np.ndarray, ...]:
        """(cost, col_lo, col_hi, integrality, row_lo, row_hi, row, col, value)."""
        cat = np.concatenate
        cost = cat(self._cost) if self._cost else np.zeros(0)
        for cols, vals in self._extra_cost:
            np.add.at(cost, cols, vals)
        empty_i = np.zeros(0, dtype=np.int64)
        return (
            cost,
            cat(self._lo) if self._lo else np.zeros(0),
            cat(self._hi) if self._hi else np.zeros(0),
            cat(self._int) if self._int else np.zeros(0, dtype=np.int32),
            cat(self._rlo) if self._rlo else np.zeros(0),
            cat(self._rhi) if self._rhi else np.zeros(0),
            cat(self._ri) if self._ri else empty_i,
            cat(self._cj) if self._cj else empty_i,
            cat(self._v) if self._v else np.zeros(0),
        )

    def row_bounds(self, row: int) -> tuple[float, float]:
        k, local = self._locate(row)
        return float(self._rlo[k][local]), float(self._rhi[k][local])

    def set_row_bounds(self, row: int, lo: float, hi: float) -> None:
        k, local = self._locate(row)
        self._rlo[k][local] = lo
        self._rhi[k][local] = hi

    def _locate(self, row: int) -> tuple[int, int]:
        for k, b in enumerate(self.row_blocks):
            if b.start <= row < b.start + b.n:
                return k, row - b.start
        raise IndexError(row)

    def rows_of(self, family: str) -> list[Block]:
        return [b for b in self.row_blocks if b.family == family]

    def col_names(self) -> list[str]:
        return _unique([b.name(k) for b in self.col_blocks for k in range(b.n)])

    def row_names(self) -> list[str]:
        return _unique([b.name(k) for b in self.row_blocks for k in range(b.n)])

    # ----------------------------------------------------------------- solvers

    def to_highs(self, *, relax: bool = False) -> Any:
        """A ``highspy.Highs`` holding the model (``relax``: every column continuous)."""
        import highspy

        from ..solve import _quiet_stdout

        cost, clo, chi, integ, rlo, rhi, ri, cj, v = self.arrays()
        order = np.lexsort((ri, cj))
        ri, cj, v = ri[order], cj[order], v[order]
        start = np.searchsorted(cj, np.arange(self.n_cols + 1)).astype(np.int32)
        with _quiet_stdout():
            h = highspy.Highs()
        h.silent()
        h.passModel(
            self.n_cols,
            self.n_rows,
            len(v),
            1,  # column-wise
            1,  # minimise
            0.0,
            cost,
            clo,
            chi,
            rlo,
            rhi,
            start[:-1],
            ri.astype(np.int32),
            v,
            np.zeros_like(integ) if relax else integ,
        )
        return h

    def to_pulp(self) -> Any:
        """The same model as a ``pulp.LpProblem`` with readable unique names (CBC, LP export).

        Idioms from perf-notes.md: variables through ``prob.add_variable``, rows as
        ``LpAffineExpression(zip(vars, coefs))``, added with one ``prob.extend``.
        """
        import pulp

        cost, clo, chi, integ, rlo, rhi, ri, cj, v = self.arrays()
        prob = pulp.LpProblem(self.name, pulp.LpMinimize)
        xs = [
            prob.add_variable(
                name,
                None if math.isinf(lo) else float(lo),
                None if math.isinf(hi) else float(hi),
                pulp.LpInteger if k else pulp.LpContinuous,
            )
            for name, lo, hi, k in zip(self.col_names(), clo.tolist(), chi.tolist(), integ.tolist())
        ]
        order = np.lexsort((cj, ri))
        ri, cj, v = ri[order], cj[order], v[order]
        bounds = np.searchsorted(ri, np.arange(self.n_rows + 1))
        rows: dict[str, Any] = {}
        names = iter(self.row_names())
        cj_l, v_l = cj.tolist(), v.tolist()

        def add(name: str, terms: list[tuple[Any, float]], sense: int, rhs: float) -> None:
            rows[name] = pulp.LpConstraint(pulp.LpAffineExpression(terms), sense, name, rhs)

        for blk in self.row_blocks:
            for k in range(blk.n):
                r = blk.start + k
                name = next(names)
                a, b = int(bounds[r]), int(bounds[r + 1])
                terms = [(xs[c], float(x)) for c, x in zip(cj_l[a:b], v_l[a:b])]
                lo, hi = float(rlo[r]), float(rhi[r])
                if lo == hi:
                    add(name, terms, pulp.LpConstraintEQ, lo)
                elif not math.isinf(lo) and not math.isinf(hi):  # a ranged row: two rows
                    if blk.split is not None:
                        lo_kind, hi_kind, lo_only, hi_only = blk.split
                        labels = blk.labels_at(k)
                        lo_terms = (
                            [(x, c) for x, c in terms if x is not xs[hi_only[k]]]
                            if hi_only[k] >= 0
                            else terms
                        )
                        hi_terms = (
                            [(x, c) for x, c in terms if x is not xs[lo_only[k]]]
                            if lo_only[k] >= 0
                            else terms
                        )
                        add(lp_name(lo_kind, **labels), lo_terms, pulp.LpConstraintGE, lo)
                        add(lp_name(hi_kind, **labels), hi_terms, pulp.LpConstraintLE, hi)
                    else:
                        add(name + "__lo", terms, pulp.LpConstraintGE, lo)
                        add(name + "__hi", terms, pulp.LpConstraintLE, hi)
                elif math.isinf(lo) and not math.isinf(hi):
                    add(name, terms, pulp.LpConstraintLE, hi)
                elif not math.isinf(lo):
                    add(name, terms, pulp.LpConstraintGE, lo)
        prob.extend(rows)
        nz = np.flatnonzero(cost)
        prob.setObjective(pulp.LpAffineExpression([(xs[j], float(cost[j])) for j in nz.tolist()]))
        prob._territory_vars = xs  # column order, for reading the solution back
        return prob

    def __repr__(self) -> str:
        return f"<ArrayModel {self.name!r} [{self.n_cols:,} columns, {self.n_rows:,} rows]>"


def _unique(names: list[str]) -> list[str]:
    """LP formats need unique names: a repeated one gets ``__<n>``."""
    seen: set[str] = set()
    out = []
    for k, name in enumerate(names):
        if name in seen:
            name = f"{name}__{k}"
        seen.add(name)
        out.append(name)
    return out
