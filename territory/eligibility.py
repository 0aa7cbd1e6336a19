"""Who may own what: eligibility keys for accounts and the keys each rep covers.

An account's key names everything that restricts its owner (today its region; segments
and products add to it). A rep covers a set of keys, or every key. The model only ever
compares keys, so a new rule is a new part of the key, not a new code path.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .config import PlanConfig
from .io.loading import rep_regions
from .io.validation import region_key


def account_keys(accounts: pd.DataFrame, cfg: PlanConfig) -> np.ndarray:
    """Eligibility key per account (families take their top parent's region when kept together)."""
    region = accounts["_unit_region"] if "_unit_region" in accounts.columns else accounts["region"]
    return region.astype(str).map(region_key).to_numpy(dtype=object)


def rep_cover(reps: pd.DataFrame, cfg: PlanConfig) -> list[frozenset[str] | None]:
    """Keys each rep covers; ``None`` means every key (an empty or '*' region cell)."""
    out: list[frozenset[str] | None] = []
    for cell in reps["region"].astype(str):
        parts = rep_regions(cell)
        out.append(None if (not parts or "*" in parts) else frozenset(region_key(p) for p in parts))
    return out


def covers(cover: frozenset[str] | None, key: str) -> bool:
    return cover is None or key in cover
