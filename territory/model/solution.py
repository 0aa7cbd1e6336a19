"""What a solving method hands back to the pipeline, whatever the method."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ..solve import SolveReport


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
    (``N`` accounts). ``owner`` holds a rep index per account, never -1.
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

    @classmethod
    def empty(cls, n_accounts: int, n_reps: int) -> SolvedPools:
        return cls(
            owner=np.full(n_accounts, -1, dtype=np.int64),
            fair_tier=np.zeros((n_reps, 3)),
            fair_potential=np.zeros(n_reps),
            tier_lo=np.zeros((n_reps, 3), dtype=np.int64),
            tier_hi=np.zeros((n_reps, 3), dtype=np.int64),
            pot_lo=np.zeros(n_reps),
            pot_hi=np.zeros(n_reps),
            pool_of_rep=np.full(n_reps, "", dtype=object),
        )
