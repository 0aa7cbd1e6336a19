"""Product ICPs: every rep carries one product, every account gets one owner per product.

When the roster names products, each account becomes one row per product it fits (its
``tier_<product>`` at or better than ``products.min_tier``), and the model assigns those
rows: a rep only owns rows of the product it carries (given in the roster, or chosen by the
model for ``product = auto``).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .config import PlanConfig
from .errors import Problem
from .io.loading import parse_tier

ROW_SEP = "::"


def product_mode(reps: pd.DataFrame) -> bool:
    return "product" in reps.columns and bool(reps["product"].astype(str).str.strip().ne("").any())


def roster_products(reps: pd.DataFrame) -> list[str]:
    vals = reps["product"].astype(str).str.strip()
    return sorted({v for v in vals if v and v.lower() != "auto"})


def account_products(accounts: pd.DataFrame) -> list[str]:
    return sorted(c[len("tier_") :] for c in accounts.columns if c.startswith("tier_") and len(c) > 5)


def check_products(
    accounts: pd.DataFrame, reps: pd.DataFrame, accounts_file: str, roster_file: str
) -> list[Problem]:
    """Every product a rep carries has a tier column; every rep has a product or 'auto'."""
    problems: list[Problem] = []
    have = set(account_products(accounts))
    vals = reps["product"].astype(str).str.strip()
    for i in np.flatnonzero(vals.eq("").to_numpy()):
        problems.append(
            Problem(
                roster_file,
                "rep has no product, but other reps do",
                row=int(i) + 2,
                column="product",
                value=str(reps["rep_id"].iat[i]),
                hint="give every rep the product they carry, or 'auto' to let the plan choose",
            )
        )
    for prod in roster_products(reps):
        if prod not in have:
            rows = np.flatnonzero(vals.eq(prod).to_numpy())
            problems.append(
                Problem(
                    roster_file,
                    f"reps carry product '{prod}' but the accounts have no tier_{prod} column",
                    row=int(rows[0]) + 2,
                    column="product",
                    value=prod,
                    hint=f"score the accounts with an ICP file that has product '{prod}' (--icp), "
                    f"or add a tier_{prod} column; products found: {', '.join(sorted(have)) or 'none'}",
                )
            )
    if vals.str.lower().eq("auto").any() and not have:
        problems.append(
            Problem(
                accounts_file,
                "reps have product = auto but the accounts carry no tier_<product> columns",
                hint="score them with an ICP file (--icp)",
            )
        )
    return problems


def expand_products(accounts: pd.DataFrame, reps: pd.DataFrame, cfg: PlanConfig) -> pd.DataFrame:
    """One row per (account, product it fits), keyed by ``_row_id`` = ``account::product``.

    ``tier`` (and ``score``/``why`` when scored) become the product's; the current owner for a
    product is ``owner_id_<product>`` when given, else ``owner_id`` if that rep carries the
    product (or chooses it: auto, or has left the roster), else nobody.
    """
    products = sorted(
        set(account_products(accounts)) & set(roster_products(reps))
        | (
            set(account_products(accounts))
            if reps["product"].astype(str).str.lower().eq("auto").any()
            else set()
        )
    )
    rep_prod = dict(zip(reps["rep_id"], reps["product"].astype(str).str.strip()))
    frames = []
    for prod in products:
        tier, _bad, _empty = parse_tier(accounts[f"tier_{prod}"].astype(str))
        fits = tier.notna().to_numpy() & (tier.fillna(9).to_numpy() <= cfg.products.min_tier)
        part = accounts.loc[fits].copy()
        part["tier"] = tier[fits].astype("int64").to_numpy()
        for col in ("score", "why"):
            if f"{col}_{prod}" in part.columns:
                part[col] = part[f"{col}_{prod}"]
        if f"potential_{prod}" in part.columns:
            part["potential"] = pd.to_numeric(part[f"potential_{prod}"], errors="coerce").fillna(0.0)
        if f"owner_id_{prod}" in part.columns:
            owner = part[f"owner_id_{prod}"].astype(str).str.strip()
        else:
            owner = part["owner_id"].astype(str)
            carried = owner.map(rep_prod)
            keep = carried.isna() | carried.isin([prod, "auto", "AUTO", "Auto"])
            owner = owner.where(keep, "")
        part["_owner_any"] = part["owner_id"].astype(str)
        part["owner_id"] = owner.to_numpy()
        _product_locks(part, prod, rep_prod)
        part["product"] = prod
        part["_row_id"] = part["account_id"].astype(str) + ROW_SEP + prod
        part["_family_base"] = part["family_id"]
        part["family_id"] = part["family_id"].astype(str) + ROW_SEP + prod
        # A family whose parent does not fit the product: members stand on their own.
        orphan_child = ~part["family_id"].isin(set(part["_row_id"]))
        part.loc[orphan_child, "family_id"] = part.loc[orphan_child, "_row_id"]
        frames.append(part)
    out = (
        pd.concat(frames, ignore_index=True)
        if frames
        else accounts.iloc[0:0].assign(product="", _lock_auto="")
    )
    return out.sort_values(["account_id", "product"], kind="stable").reset_index(drop=True)


def _product_locks(part: pd.DataFrame, prod: str, rep_prod: dict) -> None:
    """A lock holds for the product rows its rep carries.

    The rep is the one a locks file names (``_lock_to``), else the row's owner for ``prod``.
    A rep who carries another product cannot keep this row, so the lock does not apply to it;
    a rep with product = auto keeps the row exactly when the plan gives it this product
    (``_lock_auto`` names the rep; the model ties the row to the rep's product choice).
    """
    lock_to = part["_lock_to"].astype(str) if "_lock_to" in part.columns else pd.Series("", index=part.index)
    target = lock_to.where(lock_to != "", part["owner_id"].astype(str))
    lockish = part["locked"].astype(bool) | (lock_to != "")
    carried = target.map(rep_prod).astype(str)
    on_roster = target.isin(rep_prod.keys())
    auto = lockish & on_roster & carried.str.lower().isin(["auto", ""])
    other = lockish & on_roster & ~auto & (carried != prod)
    part["_lock_auto"] = np.where(auto, target, "")
    drop = (auto | other).to_numpy()
    if drop.any():
        part.loc[drop, "locked"] = False
        if "_lock_to" in part.columns:
            part.loc[drop, "_lock_to"] = ""
