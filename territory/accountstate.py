"""What the planner knows about each accounts row beyond the CRM's columns.

The accounts table holds what the user gave (and what the plan writes back: owner, reason).
Facts the planner derives on the way -- the accounts the previous plan moved, and (moving here
step by step) locks, a family's region, an account-product row's key -- travel in one typed
record next to the table, never as hidden columns of it: a column can be overwritten by an
input file that happens to use its name, silently survives into outputs, and says nothing
about its type.

``AccountState`` is aligned with the accounts table's rows: row ``i`` of every array describes
row ``i`` of the table. Whoever filters or reorders the table filters or reorders the record
with the same positions (``take``).
"""

from __future__ import annotations

import dataclasses
import hashlib
from dataclasses import dataclass

import numpy as np
import pandas as pd


@dataclass(frozen=True, slots=True)
class AccountState:
    """Per-row planning facts, aligned with an accounts table of ``rows`` rows.

    ``moved_before``: the previous plan moved the row's account (``continuity.previous``);
    None when no previous plan is given.
    ``unit_region``: with families kept together, the region of the row's top parent -- the
    region a rep must cover to own the row (the whole family goes to one rep); None otherwise.
    """

    rows: int
    moved_before: np.ndarray | None = None
    unit_region: np.ndarray | None = None

    def __post_init__(self) -> None:
        for f in dataclasses.fields(self):
            value = getattr(self, f.name)
            if isinstance(value, np.ndarray) and len(value) != self.rows:
                raise ValueError(f"AccountState.{f.name} has {len(value)} rows, the accounts {self.rows}")

    def eligibility_view(self, accounts: pd.DataFrame) -> pd.DataFrame:
        """``accounts`` as eligibility reads them: each row in its unit's region (the table's
        own ``region`` stays what the CRM says, for messages and outputs)."""
        return accounts if self.unit_region is None else accounts.assign(region=self.unit_region)

    def digest(self) -> bytes:
        """A fingerprint of every fact (for keys of what a solve depends on)."""
        h = hashlib.sha256(str(self.rows).encode())
        for f in dataclasses.fields(self)[1:]:
            value = getattr(self, f.name)
            h.update(f.name.encode())
            if value is not None:
                h.update(str(value.dtype).encode())
                h.update(pd.util.hash_array(np.asarray(value)).tobytes())
        return h.digest()

    def take(self, idx: np.ndarray) -> AccountState:
        """The record of the rows at positions ``idx`` (a filter or a new order), as
        ``frame.iloc[idx]`` is of the table."""
        idx = np.asarray(idx)
        if idx.dtype == bool:
            idx = np.flatnonzero(idx)
        arrays = {
            f.name: getattr(self, f.name)[idx]
            for f in dataclasses.fields(self)
            if isinstance(getattr(self, f.name), np.ndarray)
        }
        return dataclasses.replace(self, rows=len(idx), **arrays)
