"""Who may own what: eligibility keys for accounts and the keys each rep covers.

An account's key names everything that restricts its owner: its region, its segment when
segments are in use, its product when reps carry products. A rep covers a set of keys, or
every key. The model only ever compares keys, so a new rule is a new part of the key, not a
new code path.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .config import PlanConfig
from .errors import Problem
from .io.loading import REGION_SEP, rep_regions
from .io.validation import region_key, region_keys

SEP = "|"


def account_segments(accounts: pd.DataFrame, cfg: PlanConfig) -> np.ndarray | None:
    """Segment name per account ('' = none), or ``None`` when segments are not in use.

    A non-empty ``segment`` column wins; otherwise the first rule of ``[segments]`` the
    account fits.
    """
    given = accounts["segment"].astype(str).str.strip() if "segment" in accounts.columns else None
    if not cfg.segments and (given is None or not given.ne("").any()):
        return None
    seg = np.full(len(accounts), "", dtype=object)
    if cfg.segments:
        done = np.zeros(len(accounts), dtype=bool)
        for name, rule in cfg.segments.items():
            if rule.column not in accounts.columns:
                continue
            v = pd.to_numeric(accounts[rule.column], errors="coerce").to_numpy(dtype=float)
            hit = ~np.isnan(v) & ~done
            if rule.min is not None:
                hit &= v >= rule.min
            if rule.max is not None:
                hit &= v < rule.max
            seg[hit] = name
            done |= hit
    if given is not None:
        g = given.to_numpy(dtype=object)
        seg = np.where(g != "", g, seg)
    return np.array([s.strip().casefold() for s in seg], dtype=object)


def rep_segments(reps: pd.DataFrame) -> list[frozenset[str] | None]:
    out: list[frozenset[str] | None] = []
    for cell in reps["segment"].astype(str) if "segment" in reps.columns else [""] * len(reps):
        parts = [p.strip().casefold() for p in REGION_SEP.split(cell.strip()) if p.strip()]
        out.append(frozenset(parts) if parts else None)
    return out


def _unit_regions(accounts: pd.DataFrame) -> np.ndarray:
    # (families kept together: the caller passes each row in its top parent's region,
    # territory.accountstate.AccountState.eligibility_view)
    return region_keys(accounts["region"])


def account_keys(accounts: pd.DataFrame, cfg: PlanConfig) -> np.ndarray:
    """Key per account: ``region|segment|product`` (empty parts when not in use).

    Families kept together take their top parent's region.
    """
    keys = _unit_regions(accounts).astype(object)
    segs = account_segments(accounts, cfg)
    keys = keys + SEP + (segs if segs is not None else "")
    if "product" in accounts.columns:
        keys = keys + SEP + accounts["product"].astype(str).to_numpy(dtype=object)
    else:
        keys = keys + SEP
    return np.asarray(keys, dtype=object)


def rep_cover(
    reps: pd.DataFrame, cfg: PlanConfig, accounts: pd.DataFrame | None = None
) -> list[frozenset[str] | None]:
    """The keys each rep covers; ``None`` means every key.

    ``accounts`` gives the universe of regions, segments and products for a rep who covers
    every region but only some segments or products.
    """
    reg_cover = [
        None if (not parts or "*" in parts) else frozenset(region_key(p) for p in parts)
        for parts in (rep_regions(c) for c in reps["region"].astype(str))
    ]
    rep_segs = rep_segments(reps)
    product_mode = accounts is not None and "product" in accounts.columns
    rep_prods: list[frozenset[str] | None] = [None] * len(reps)
    if product_mode and "product" in reps.columns:
        for i, cell in enumerate(reps["product"].astype(str)):
            p = cell.strip()
            rep_prods[i] = None if p.lower() in ("", "auto") else frozenset([p])
    all_regions: frozenset[str] = frozenset()
    all_segs: frozenset[str] = frozenset()
    all_products: frozenset[str] = frozenset([""])
    if accounts is not None:
        all_regions = frozenset(_unit_regions(accounts).tolist())
        segs = account_segments(accounts, cfg)
        all_segs = frozenset(segs.tolist()) if segs is not None else frozenset()
        if product_mode:
            all_products = frozenset(accounts["product"].astype(str).tolist())
    out: list[frozenset[str] | None] = []
    for i in range(len(reps)):
        if reg_cover[i] is None and rep_segs[i] is None and rep_prods[i] is None:
            out.append(None)
            continue
        if accounts is None:
            raise ValueError("rep_cover needs the accounts to expand 'every region'")
        rset = reg_cover[i] or all_regions
        # Unsegmented accounts ('' segment) may go to any rep.
        sset = (rep_segs[i] or all_segs) | {""}
        pset = rep_prods[i] or all_products
        out.append(frozenset(f"{r}{SEP}{s}{SEP}{p}" for r in rset for s in sset for p in pset))
    return out


def eligibility(
    accounts: pd.DataFrame, reps: pd.DataFrame, cfg: PlanConfig
) -> tuple[np.ndarray, list[frozenset[str] | None]]:
    """Key per account and the set of keys per rep (``None`` = every key)."""
    return account_keys(accounts, cfg), rep_cover(reps, cfg, accounts)


def uncovered(
    accounts: pd.DataFrame,
    keys: np.ndarray,
    covers: list[frozenset[str] | None],
    file: str,
    rows: np.ndarray | None = None,
) -> list[Problem]:
    """Accounts whose key (region, segment, product) no rep covers, grouped by key; ``rows``
    are the file's row numbers (default: the frame's index + 2). With product rows (one per
    account and product it fits) the count is of accounts, and the hint names the product."""
    if any(c is None for c in covers):
        return []
    allowed = frozenset().union(*[c for c in covers if c is not None])
    file_rows = rows if rows is not None else accounts.index.to_numpy() + 2
    missed = np.flatnonzero(~pd.Series(keys).isin(allowed).to_numpy())
    by_key: dict[str, list[int]] = {}  # one pass over the missing rows, not one per key
    for i, key in zip(missed.tolist(), np.asarray(keys, dtype=object)[missed].tolist()):
        by_key.setdefault(str(key), []).append(i)
    out = []
    for key in sorted(by_key):
        at = by_key[key]
        count = len(at)
        parts = str(key).split(SEP)
        if "region" in accounts.columns:  # the key is normalised ('northeast'): say it as written
            parts[0] = str(accounts["region"].iloc[at[0]]).strip() or parts[0]
        what = f"region '{parts[0]}'" + (f", segment '{parts[1]}'" if len(parts) > 1 and parts[1] else "")
        hint = (
            "give a rep that region/segment (roster 'segment' column, several as 'smb;mid'), or change "
            "the [segments] rules"
        )
        if len(parts) > 2 and parts[2]:
            what += f" that fit product '{parts[2]}'"
            hint = (
                f"give a rep of region '{parts[0]}' the product '{parts[2]}' (or 'auto') in the roster's "
                f"product column, or add '{parts[0]}' to the region list of a rep who carries '{parts[2]}'"
            )
        out.append(
            Problem(
                file,
                f"{count} account{'s' if count != 1 else ''} in {what}, which no rep covers",
                row=int(file_rows[at[0]]),
                hint=hint,
            )
        )
    return out
