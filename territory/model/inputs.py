"""What the model reads about the accounts and the roster: one typed object of arrays.

The pipeline builds a ``ModelInput`` from its frames (``territory.pipeline.model_input`` reads
their helper columns, such as ``_lock_to`` and ``_unit_region``, which the locks, lock rules,
product ICPs and requests modules also write and read: they are not typed yet, issue 14 item 3)
and hands it to ``territory.model.solve_pools``; the model reads nothing else.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class ModelInput:
    """The accounts (``N`` rows: accounts, or account-product rows with product ICPs) and the
    roster (``R`` reps), as the model needs them. Rep references are roster indices, -1 for
    none."""

    unit_key: np.ndarray  # (N,) what makes a unit: the row's family, or the row itself
    tier: np.ndarray  # (N,) 1, 2 or 3
    values: np.ndarray  # (N, M) the measures, potential first (``units.measures_of``)
    owner: np.ndarray  # (N,) current owner, -1 when not on the roster or none
    lock_target: np.ndarray  # (N,) the rep the row is locked to, -1 when not locked
    lock_auto: np.ndarray  # (N,) rep with product = auto that keeps the row if it takes its product
    product: np.ndarray | None  # (N,) object: the row's product (product ICPs), else None
    keys: np.ndarray  # (N,) object: eligibility key region|segment|product
    cover: list[frozenset[str] | None]  # (R,) the keys each rep covers (None: every key)
    rep_ids: list[str]
    capacity: np.ndarray  # (R,)
    max_accounts: np.ndarray  # (R,) NaN = no cap
    rep_region: list[str]  # (R,) as the roster gives it (pool names)
    rep_product: list[str]  # (R,) product carried, "auto", or "" without product ICPs
    rep_manager: list[str] | None = None  # (R,) the rep's manager (its team), "" for none
    moved_before: np.ndarray | None = None  # (N,) bool: the row moved in the previous plan
    # geo.units: unit key -> the keys of the units it touches (the contiguity family's graph)
    unit_nbrs: dict[str, tuple[str, ...]] | None = None
    unit_place: dict[str, tuple[float, float]] | None = None  # unit key -> (latitude, longitude)
    # geo.units: units of the model that no row follows (units without accounts), by key, and
    # the key of the unit with accounts whose eligibility and product each takes
    empty_units: np.ndarray | None = None  # (E,) object
    empty_like: np.ndarray | None = None  # (E,) object

    @property
    def n_accounts(self) -> int:
        return len(self.tier)

    @property
    def n_reps(self) -> int:
        return len(self.rep_ids)

    @property
    def product_mode(self) -> bool:
        return self.product is not None

    def __repr__(self) -> str:
        return f"<ModelInput [{self.n_accounts:,} rows, {self.n_reps} reps]>"
