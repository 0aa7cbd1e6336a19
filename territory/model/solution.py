"""What a solving method hands back to the pipeline, whatever the method."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

from ..solve import SolveReport

if TYPE_CHECKING:
    from .families import Violation
    from .pools import Pool


@dataclass
class PoolResult:
    """One pool's outcome: its reps, its size and what the solver proved."""

    name: str
    rep_ids: list[str]
    report: SolveReport
    accounts: int
    units: int


@dataclass
class SolvedPools:
    """An owner for every account plus the fair shares and bands used, per rep.

    Arrays are aligned with the roster order (``R`` reps) and the accounts frame order
    (``N`` accounts). ``owner`` holds a rep index per account, never -1. Measures (``M``,
    potential first) have per-rep fair shares and bands in ``fair_value``, ``value_lo`` and
    ``value_hi``; ``fair_potential``, ``pot_lo`` and ``pot_hi`` are the potential column of
    those (kept for the readers of the potential figures).
    """

    owner: np.ndarray  # (N,) int64
    fair_tier: np.ndarray  # (R, 3)
    fair_potential: np.ndarray  # (R,)
    tier_lo: np.ndarray  # (R, 3) int64
    tier_hi: np.ndarray  # (R, 3) int64
    pot_lo: np.ndarray  # (R,)
    pot_hi: np.ndarray  # (R,)
    pool_of_rep: np.ndarray  # (R,) object: pool name
    rep_product: np.ndarray | None = None  # (R,) object: the product each rep carries (product ICPs)
    pools: list[PoolResult] = field(default_factory=list)
    lp_files: list[str] = field(default_factory=list)
    method: str = "exact"
    measures: list[str] = field(default_factory=lambda: ["potential"])
    balanced: list[bool] = field(default_factory=lambda: [True])
    fair_value: np.ndarray = field(default_factory=lambda: np.zeros((0, 1)))  # (R, M)
    value_lo: np.ndarray = field(default_factory=lambda: np.zeros((0, 1)))  # (R, M)
    value_hi: np.ndarray = field(default_factory=lambda: np.zeros((0, 1)))  # (R, M)
    warnings: list[Violation] = field(default_factory=list)  # soft rules the plan bends
    # per pool (in ``pools`` order): the local rep of each unit and the product of each rep
    plans: list[tuple[Pool, np.ndarray, np.ndarray]] = field(default_factory=list)

    def unit_owners(self) -> dict[str, int]:
        """Unit key -> its owner (rep index), for every unit of every pool (units without
        accounts included: ``geo.units``)."""
        return {
            u: int(pool.reps[r]) for pool, rou, _ in self.plans for u, r in zip(pool.unit_ids, rou.tolist())
        }

    @classmethod
    def empty(cls, n_accounts: int, n_reps: int, measures: list[str] | None = None) -> SolvedPools:
        M = len(measures or ["potential"])
        return cls(
            owner=np.full(n_accounts, -1, dtype=np.int64),
            fair_tier=np.zeros((n_reps, 3)),
            fair_potential=np.zeros(n_reps),
            tier_lo=np.zeros((n_reps, 3), dtype=np.int64),
            tier_hi=np.zeros((n_reps, 3), dtype=np.int64),
            pot_lo=np.zeros(n_reps),
            pot_hi=np.zeros(n_reps),
            pool_of_rep=np.full(n_reps, "", dtype=object),
            measures=list(measures or ["potential"]),
            fair_value=np.zeros((n_reps, M)),
            value_lo=np.full((n_reps, M), -np.inf),
            value_hi=np.full((n_reps, M), np.inf),
        )

    def record(
        self,
        pool: Pool,
        rep_of_unit: np.ndarray,
        chosen: np.ndarray,
        report: SolveReport,
        owner_of_unit: np.ndarray,
        product_mode: bool,
    ) -> None:
        """Store one pool's plan: owners of its units, and its reps' shares and bands for the
        products they carry."""
        gidx = pool.reps
        owner_of_unit[pool.units] = gidx[rep_of_unit]
        sh = pool.shares(chosen)
        self.fair_tier[gidx] = sh.fair_tier
        self.tier_lo[gidx] = sh.tier_lo
        self.tier_hi[gidx] = sh.tier_hi
        self.fair_value[gidx] = sh.fair_value
        self.balanced = [m.balanced for m in pool.measures]
        for k, m in enumerate(pool.measures):
            if m.balanced:
                self.value_lo[gidx, k] = (1 - m.band) * sh.fair_value[:, k]
                self.value_hi[gidx, k] = (1 + m.band) * sh.fair_value[:, k]
        self.fair_potential[gidx] = sh.fair_value[:, 0]
        self.pot_lo[gidx] = self.value_lo[gidx, 0]
        self.pot_hi[gidx] = self.value_hi[gidx, 0]
        if product_mode:
            if self.rep_product is None:
                self.rep_product = np.full(len(self.pool_of_rep), "", dtype=object)
            self.rep_product[gidx] = [pool.products[q] for q in np.asarray(chosen).tolist()]
        self.pool_of_rep[gidx] = pool.name
        self.pools.append(PoolResult(pool.name, pool.rep_ids, report, pool.n_accounts, pool.n_units))
        self.plans.append((pool, np.asarray(rep_of_unit), np.asarray(chosen)))
