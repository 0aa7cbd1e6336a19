"""Product ICPs: every rep carries one product, every account gets one owner per product.

When the roster names products, each account becomes one row per product it fits (its
``tier_<product>`` at or better than ``products.min_tier``), and the model assigns those
rows: a rep only owns rows of the product it carries (given in the roster, or chosen by the
model for ``product = auto``). An account that fits no product is not planned but still
listed (``no_fit_rows``), so every input account appears in assignments.csv.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import numpy as np
import pandas as pd

from .accountstate import AccountState
from .config import PlanConfig
from .errors import Problem
from .io.loading import parse_tier

ROW_SEP = "::"
# outputs.product_owner_fields: "role:<Team Role>" is a Salesforce account-team role, not a field.
ROLE_PREFIX = "role:"


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


def expand_products(
    accounts: pd.DataFrame, reps: pd.DataFrame, cfg: PlanConfig, state: AccountState
) -> tuple[pd.DataFrame, AccountState]:
    """One row per (account, product it fits), and the rows' record: each row carries its
    account's facts, keyed by ``row_id`` = ``account::product``.

    ``tier`` (and ``score``/``why`` when scored) become the product's; the current owner for a
    product is ``owner_id_<product>`` when given, else ``owner_id`` if that rep carries the
    product (or chooses it: auto, or has left the roster), else nobody.
    """
    rep_prod = dict(zip(reps["rep_id"], reps["product"].astype(str).str.strip()))
    frames = []
    facts: list[AccountState] = []
    for prod in planned_products(accounts, reps):
        tier, fits = product_fit(accounts, prod, cfg)
        part = accounts.loc[fits].copy()
        part_state = state.take(fits)
        part["tier"] = tier[fits].astype("int64").to_numpy()
        for col in ("score", "why"):
            if f"{col}_{prod}" in part.columns:
                part[col] = part[f"{col}_{prod}"]
        if f"potential_{prod}" in part.columns:
            part["potential"] = pd.to_numeric(part[f"potential_{prod}"], errors="coerce").fillna(0.0)
        given = product_owner_column(part, prod, cfg)
        if given is not None:
            from .io.presets import resolve_owner_ids

            owner = resolve_owner_ids(part[given].astype(str).str.strip(), reps)
        else:
            owner = part["owner_id"].astype(str)
            carried = owner.map(rep_prod)
            keep = carried.isna() | carried.isin([prod, "auto", "AUTO", "Auto"])
            owner = owner.where(keep, "")
        owner_any = part["owner_id"].astype(str).to_numpy(dtype=object)
        part["owner_id"] = owner.to_numpy()
        lock_to, lock_auto = _product_locks(part, part_state.lock_to, prod, rep_prod)
        part["product"] = prod
        row_id = (part["account_id"].astype(str) + ROW_SEP + prod).to_numpy(dtype=object)
        family_base = part["family_id"].to_numpy(dtype=object)
        part["family_id"] = part["family_id"].astype(str) + ROW_SEP + prod
        # A family whose parent does not fit the product: members stand on their own.
        orphan_child = ~part["family_id"].isin(set(row_id)).to_numpy()
        part.loc[orphan_child, "family_id"] = row_id[orphan_child]
        frames.append(part)
        facts.append(
            dataclasses.replace(
                part_state,
                lock_to=lock_to,
                lock_auto=lock_auto,
                row_id=row_id,
                family_base=family_base,
                owner_any=owner_any,
            )
        )
    if not frames:
        none = state.take(np.zeros(0, dtype=np.int64))
        empty = np.zeros(0, dtype=object)
        return accounts.iloc[0:0].assign(product=""), dataclasses.replace(
            none, row_id=empty, family_base=empty, owner_any=empty
        )
    out = pd.concat(frames, ignore_index=True)
    order = out.sort_values(["account_id", "product"], kind="stable").index.to_numpy()
    every = facts[0] if len(facts) == 1 else _concat(facts)
    return out.iloc[order].reset_index(drop=True), every.take(order)


def _concat(parts: list[AccountState]) -> AccountState:
    """One record of the rows of ``parts``, one after the other."""
    arrays: dict[str, Any] = {}
    for f in dataclasses.fields(AccountState)[1:]:
        values = [getattr(p, f.name) for p in parts]
        if any(v is None for v in values):
            arrays[f.name] = None
        elif isinstance(values[0], np.ndarray):
            arrays[f.name] = np.concatenate(values)
        else:  # a pandas array (a family's region): kept as pandas holds it
            arrays[f.name] = pd.concat([pd.Series(v) for v in values], ignore_index=True).array
    return AccountState(sum(p.rows for p in parts), **arrays)


def planned_products(accounts: pd.DataFrame, reps: pd.DataFrame) -> list[str]:
    """The products a plan has books for: those reps carry (all scored ones with 'auto')."""
    scored = set(account_products(accounts))
    auto = reps["product"].astype(str).str.lower().eq("auto").any()
    return sorted(scored if auto else scored & set(roster_products(reps)))


def product_fit(accounts: pd.DataFrame, prod: str, cfg: PlanConfig) -> tuple[pd.Series, np.ndarray]:
    """The accounts' tier for ``prod`` and whether they fit it (at or better than min_tier)."""
    tier, _bad, _empty = parse_tier(accounts[f"tier_{prod}"].astype(str))
    fits = tier.notna().to_numpy() & (tier.fillna(9).to_numpy() <= cfg.products.min_tier)
    return tier, fits


def product_owner_column(accounts: pd.DataFrame, prod: str, cfg: PlanConfig) -> str | None:
    """The accounts column holding the current owner for ``prod``, if the file has one.

    ``owner_id_<product>``, else the CRM field named in ``outputs.product_owner_fields`` (the
    field the update file writes, so an export of it round-trips), matched ignoring case.
    """
    if f"owner_id_{prod}" in accounts.columns:
        return f"owner_id_{prod}"
    field = cfg.outputs.product_owner_fields.get(prod, "")
    if not field or field.startswith(ROLE_PREFIX):
        return None
    by_key = {str(c).strip().casefold(): str(c) for c in accounts.columns}
    return by_key.get(field.strip().casefold())


def product_owner_problems(
    accounts: pd.DataFrame, reps: pd.DataFrame, cfg: PlanConfig, accounts_file: str, roster_file: str
) -> list[Problem]:
    """The owner column's checks on each product's owner column (``owner_id_<product>`` or the
    CRM field of ``outputs.product_owner_fields``): a name two reps share, a name spelt
    another way than the roster's, a column none of whose owners is a rep. Read wrongly, every
    account of the product would get a new owner for it."""
    import dataclasses

    from .io.presets import owners_match_nearly, owners_match_nothing, owners_match_several, resolve_owner_ids

    out: list[Problem] = []
    for prod in planned_products(accounts, reps):
        col = product_owner_column(accounts, prod, cfg)
        if col is None:
            continue
        frame = accounts.assign(owner_id=resolve_owner_ids(accounts[col].astype(str).str.strip(), reps))
        found = (
            owners_match_several(frame, reps, accounts_file)
            + owners_match_nothing(frame, reps, accounts_file)
            + owners_match_nearly(frame, reps, accounts_file, roster_file)
        )
        out += [dataclasses.replace(p, column=col) for p in found]
    return out


def no_fit_rows(accounts: pd.DataFrame, reps: pd.DataFrame, cfg: PlanConfig) -> pd.DataFrame:
    """One row per account that fits no planned product, for assignments.csv.

    ``product`` is empty, ``tier`` the best of its product tiers; with ``products.no_fit =
    'keep'`` the account keeps its owner, with 'unassigned' it is listed without one. Either
    way nothing changes in the CRM, so ``moved`` is false and no update file lists it.
    """
    fits_any = np.zeros(len(accounts), dtype=bool)
    best = np.full(len(accounts), 3, dtype=np.int64)
    for prod in planned_products(accounts, reps):
        tier, fits = product_fit(accounts, prod, cfg)
        fits_any |= fits
        best = np.minimum(best, tier.fillna(3).to_numpy(dtype=np.int64))
    out = accounts.loc[~fits_any].copy()
    owner = out["owner_id"].astype(str).to_numpy(dtype=object)
    on_roster = np.isin(owner, reps["rep_id"].astype(str).to_numpy(dtype=object))
    keep = cfg.products.no_fit == "keep"
    out["tier"] = best[~fits_any]
    out["product"] = ""
    out["previous_owner_id"] = owner
    out["owner_id"] = owner if keep else ""
    out["moved"] = False
    reason = np.where(
        owner == "",
        "fits no product ICP; no owner",
        np.where(
            keep,
            "fits no product ICP; kept with current owner"
            + np.where(on_roster, "", " " + owner + " (not on the roster)"),
            "fits no product ICP; listed without an owner (was " + owner + ")",
        ),
    )
    out["reason"] = reason
    if "score" in out.columns:  # a score is a product's; these rows have no product
        out["score"] = np.nan
    if "why" in out.columns:
        out["why"] = ""
    return out.reset_index(drop=True)


def departed_owner_warnings(
    warnings: list[Problem],
    rows: pd.DataFrame,
    no_fit: pd.DataFrame,
    reps: pd.DataFrame,
    cfg: PlanConfig,
    accounts_file: str,
) -> list[Problem]:
    """The warnings with "owner X is not on the roster" counted as the product plan does it.

    With product ICPs a departed owner's account is reassigned per product it fits (one row
    each), while one that fits no product keeps its owner or goes unowned (products.no_fit).
    """
    on_roster = set(reps["rep_id"].astype(str))
    prev = rows["owner_id"].astype(str)
    left = prev.ne("") & ~prev.isin(on_roster)
    nf_owner = no_fit["previous_owner_id"].astype(str)
    nf_left = nf_owner.ne("") & ~nf_owner.isin(on_roster)
    departed = sorted(set(prev[left]) | set(nf_owner[nf_left]))
    if not departed:
        return warnings
    replaced = [
        w for w in warnings if w.column == "owner_id" and w.severity == "warning" and w.value in departed
    ]
    old = {w.value: w for w in replaced}
    out = [w for w in warnings if w not in replaced]
    for owner in departed:
        mine = rows.loc[left & prev.eq(owner)]
        per_product = mine["product"].value_counts().sort_index()
        n_nofit = int((nf_owner == owner).sum())
        n_acc = int(mine["account_id"].nunique())
        parts = []
        if n_acc:
            rows_text = ", ".join(f"{p} {n:,}" for p, n in per_product.items())
            parts.append(
                (f"{n_acc:,} accounts get" if n_acc != 1 else "1 account gets")
                + f" a new owner ({len(mine):,} account-product row{'s' if len(mine) != 1 else ''}: "
                f"{rows_text})"
            )
        if n_nofit:
            one = n_nofit == 1
            fate = (
                f"{'keeps' if one else 'keep'} '{owner}' as owner"
                if cfg.products.no_fit == "keep"
                else f"{'is' if one else 'are'} listed without an owner"
            )
            parts.append(f"{n_nofit:,} {'fits' if one else 'fit'} no product ICP and {fate}")
        first = old.get(owner)
        out.append(
            Problem(
                accounts_file,
                f"owner '{owner}' is not on the roster: " + "; ".join(parts),
                row=first.row if first is not None else None,
                column="owner_id",
                value=owner,
                severity="warning",
                hint=(
                    first.hint
                    if first is not None and first.hint
                    else f"if '{owner}' is still with the team, add them to the roster"
                )
                + (
                    "; --set products.no_fit=unassigned lists accounts that fit no product without an owner"
                    if n_nofit and cfg.products.no_fit == "keep"
                    else ""
                ),
            )
        )
    return out


def _product_locks(
    part: pd.DataFrame, pins: np.ndarray, prod: str, rep_prod: dict
) -> tuple[np.ndarray, np.ndarray]:
    """A lock holds for the product rows its rep carries: the rows' pins (``lock_to``) and
    conditional pins (``lock_auto``); ``part["locked"]`` is updated in place.

    The rep is the one a pin names (``pins``: a locks file), else the row's owner for ``prod``.
    A rep who carries another product cannot keep this row, so the lock does not apply to it;
    a rep with product = auto keeps the row exactly when the plan gives it this product
    (``lock_auto`` names the rep; the model ties the row to the rep's product choice).
    """
    lock_to = pd.Series(pins, index=part.index, dtype=object)
    target = lock_to.where(lock_to != "", part["owner_id"].astype(str))
    lockish = part["locked"].astype(bool) | (lock_to != "")
    carried = target.map(rep_prod).astype(str)
    on_roster = target.isin(rep_prod.keys())
    auto = lockish & on_roster & carried.str.lower().isin(["auto", ""])
    other = lockish & on_roster & ~auto & (carried != prod)
    lock_auto = np.where(auto, target, "").astype(object)
    drop = (auto | other).to_numpy()
    pins = np.asarray(pins, dtype=object).copy()
    if drop.any():
        part.loc[drop, "locked"] = False
        pins[drop] = ""
    return pins, lock_auto
