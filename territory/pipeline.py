"""From files to a plan: load, validate, build pools, solve, explain, write.

This module only orchestrates; each step's logic lives in its own module.
"""

from __future__ import annotations

import dataclasses
import hashlib
import time
from collections.abc import Mapping, Sequence
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from . import __version__
from .accountstate import AccountState, RosterState
from .assignment import FIXED_COLUMNS, InputFile, Plan, family_reasons, reason_texts
from .balance import balance_metrics, book_stats, measure_metrics, measure_totals
from .config import PlanConfig, config_to_dict
from .errors import ConfigError, InfeasiblePlanError, InputError, Problem, more_problems
from .hierarchy import family_roots
from .io.frames import copy_frame
from .io.loading import parse_accounts, parse_roster, read_table, spreadsheet_rows
from .io.validation import check_inputs
from .io.writing import FileRecord, write_csv, write_json
from .locks import family_lock_conflicts
from .model import ModelInput, solve_pools
from .model.pools import TIERS
from .model.units import measures_of
from .plan_result import (
    PLAN_FORMAT,
    BalanceMetrics,
    BaselineMeasure,
    BaselineMetrics,
    FileEntry,
    MeasureOverall,
    Overall,
    PlanSummary,
    PoolResult,
    Rep,
    RepBefore,
    RepMeasure,
    SolverResult,
    TeamAverage,
)
from .plan_result import InputFile as ResultInput
from .products import check_products, expand_products, product_mode, product_owner_problems
from .progress import Progress, no_progress
from .updates import OwnerUpdates, owner_updates, owner_value_problems

if TYPE_CHECKING:
    from .geo.territories import GeoSetup, ProductGeo
    from .model.solution import PoolResult as SolvedPool


def sha256_file(path: str | Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


class PlanInput:
    """Validated accounts and roster, with families resolved and input fingerprints, and what
    the planner knows about each accounts row (``state``) and each rep (``roster``)."""

    def __init__(
        self,
        accounts: pd.DataFrame,
        reps: pd.DataFrame,
        config: PlanConfig,
        inputs: list[InputFile],
        warnings: list[Problem],
        seconds: float = 0.0,
        *,
        state: AccountState,
        roster: RosterState,
    ):
        self.seconds = seconds
        self.extras: dict[str, Any] = {}
        self.accounts = accounts
        # the planner's facts about each accounts row (territory.accountstate), aligned with it
        if state.rows != len(accounts):
            raise ValueError(f"the AccountState has {state.rows} rows, the accounts {len(accounts)}")
        self.state = state
        self.reps = reps
        self.roster = roster  # the planner's facts about each rep (territory.accountstate), by rep id
        self.config = config
        self.inputs = inputs
        self.warnings = warnings

    def __repr__(self) -> str:
        return f"<PlanInput [{len(self.accounts):,} accounts, {len(self.reps)} reps]>"


def prepare_input(
    accounts: pd.DataFrame,
    reps: pd.DataFrame,
    config: PlanConfig,
    *,
    state: AccountState,
    roster: RosterState,
    accounts_file: str = "accounts",
    roster_file: str = "roster",
    inputs: list[InputFile] | None = None,
    extra_problems: list[Problem] | None = None,
) -> PlanInput:
    """Validate parsed frames together; raise one ``InputError`` listing every problem.

    ``state`` holds the input's facts about each row of ``accounts`` (its locks; see
    ``territory.accountstate``); the facts derived here (a family's region, the previous
    plan's moves, product rows) are made afresh. ``roster`` holds the facts about each rep
    (``RosterState.split`` takes them off a roster as the loader reads it)."""
    reps = roster.frame(reps)  # the checks below name the roster's rows and read the successors
    state = dataclasses.replace(
        state, moved_before=None, unit_region=None, row_id=None, family_base=None, owner_any=None
    )
    if "_row" not in accounts.columns:  # a plan input's accounts again (a scenario): their file rows
        accounts = accounts.assign(_row=state.source_row)
    given = accounts, state
    problems = list(extra_problems or [])
    if "tier" not in accounts.columns and not product_mode(reps):
        problems.append(
            Problem(
                accounts_file,
                "required column 'tier' is missing",
                row=1,
                hint="give each account a tier (1, 2 or 3), or tier them from an ICP file with --icp",
            )
        )
    roots, fam_problems = family_roots(accounts, accounts_file)
    families = pd.Series(accounts["account_id"].array.take(roots), index=accounts.index, name="family_id")
    problems += fam_problems
    problems += check_inputs(accounts, reps, accounts_file, roster_file)
    locks_file = next((f.path for f in inputs or [] if f.label == "locks"), "")
    from .lockrules import successor_cover_warnings, successor_pins, without_successor_warnings

    if not product_mode(reps):  # a leaver's accounts go to the successor (product rows: below)
        state = successor_pins(accounts, reps, state)
        problems += successor_cover_warnings(accounts, reps, config, accounts_file, state)
    if config.families.mode == "together" and not product_mode(reps):
        problems += family_lock_conflicts(accounts, reps, families, accounts_file, state, locks_file)
    from .eligibility import account_segments, eligibility, rep_segments, uncovered

    if account_segments(accounts, config) is not None or any(s is not None for s in rep_segments(reps)):
        keyed = accounts.assign(family_id=families)
        if config.families.mode == "together":
            keyed["region"] = keyed["family_id"].map(accounts.set_index("account_id")["region"])
        if not [p for p in problems if p.severity == "error" and p.column == "region"]:
            problems += uncovered(keyed, *eligibility(keyed, reps, config), accounts_file)
    from .model.measures import prepare_measures

    accounts, measure_problems = prepare_measures(accounts, config, accounts_file)
    problems += measure_problems
    errors = [p for p in problems if p.severity == "error"]
    if errors:
        raise InputError(problems)
    warnings = [p for p in problems if p.severity != "error"]
    accounts = copy_frame(accounts)
    accounts["family_id"] = families
    if config.families.mode == "together":
        # A family is owned as one: its members take the top parent's region for eligibility.
        state = dataclasses.replace(state, unit_region=accounts["region"].array.take(roots))
    warnings += _locks_outside_cover(accounts, reps, config, accounts_file, state)
    warnings += owner_value_problems(reps, config, roster_file)
    extras: dict[str, Any] = {}
    if product_mode(reps):
        problems = check_products(accounts, reps, accounts_file, roster_file)
        problems += product_owner_problems(accounts, reps, config, accounts_file, roster_file)
        if [p for p in problems if p.severity == "error"]:
            raise InputError(problems)
        rows, state, extras, warnings = _product_rows(
            given, accounts, reps, config, state, warnings, accounts_file
        )
        accounts = rows
        # A product no rep of a region carries (its only rep removed in a scenario, say): said
        # here, by product, instead of rows the model cannot give to anyone.
        problems = uncovered(
            rows, *eligibility(rows, reps, config), accounts_file, rows=rows["_row"].to_numpy()
        )
        if problems:
            raise InputError(problems + warnings)
        state = successor_pins(accounts, reps, state)
        if config.families.mode == "together":  # per product: a lock holds for its rep's product
            problems = family_lock_conflicts(
                accounts, reps, accounts["family_id"], accounts_file, state, locks_file
            )
            if problems:
                raise InputError(problems)
    elif config.outputs.product_owner_fields:
        warnings.append(
            Problem(
                "plan",
                "outputs.product_owner_fields is set but no rep carries a product, so "
                "owner_changes.csv updates the account owner",
                severity="warning",
                hint="give the reps their product in the roster's product column, or remove the setting",
            )
        )
    if config.continuity.previous:  # quarter after quarter: the accounts the last plan moved
        from .continuity import previous_moves

        moved_before, prev_warnings, extras["previous"] = previous_moves(
            config.continuity.previous, accounts["account_id"]
        )
        state = dataclasses.replace(state, moved_before=moved_before)
        warnings += prev_warnings
    # The file rows go into the record: no helper column reaches the model or the outputs.
    state = dataclasses.replace(state, source_row=spreadsheet_rows(accounts))
    accounts = accounts.drop(columns=["_row"])
    warnings = without_successor_warnings(warnings, reps)
    reps, roster = RosterState.split(reps)
    inp = PlanInput(accounts, reps, config, inputs or [], warnings, state=state, roster=roster)
    inp.extras.update(extras)
    return inp


def _product_rows(
    given: tuple[pd.DataFrame, AccountState],
    accounts: pd.DataFrame,
    reps: pd.DataFrame,
    config: PlanConfig,
    state: AccountState,
    warnings: list[Problem],
    accounts_file: str,
) -> tuple[pd.DataFrame, AccountState, dict[str, Any], list[Problem]]:
    """Product ICPs: the rows to plan and their record, the accounts that fit no product,
    honest warnings."""
    from .products import (
        ROLE_PREFIX,
        departed_owner_warnings,
        no_fit_rows,
        planned_products,
        product_owner_column,
    )
    from .updates import check_product_owner_fields

    products = planned_products(accounts, reps)
    check_product_owner_fields(config, products)
    rows, row_state = expand_products(accounts, reps, config, state)
    no_fit = no_fit_rows(accounts, reps, config)
    warnings = departed_owner_warnings(warnings, rows, no_fit, reps, config, accounts_file)
    for prod, field_name in sorted(config.outputs.product_owner_fields.items()):
        if not field_name.startswith(ROLE_PREFIX) and product_owner_column(accounts, prod, config) is None:
            warnings.append(
                Problem(
                    accounts_file,
                    f"the accounts have no '{field_name}' column, so the current {prod} owners are "
                    f"taken from owner_id (where that rep carries {prod}); owner_changes_{prod}.csv "
                    f"may overwrite {field_name} values the CRM already has",
                    severity="warning",
                    hint=f"export {field_name} with the accounts so the plan starts from it",
                )
            )
    # Scenarios re-expand from the accounts as given (see scenarios.apply_scenario).
    return rows, row_state, {"no_fit": no_fit, "product_source": given}, warnings


def given_accounts(inp: PlanInput) -> tuple[pd.DataFrame, AccountState]:
    """The accounts as given to ``prepare_input`` and their record: with product ICPs the
    accounts before they became account-product rows, else the plan input's own."""
    given: tuple[pd.DataFrame, AccountState] | None = inp.extras.get("product_source")
    return given if given is not None else (inp.accounts, inp.state)


def owner_covers(owner: np.ndarray, keys: np.ndarray, cover_sets: list[frozenset[str] | None]) -> np.ndarray:
    """Whether each account's rep (index, -1 = none) covers the account's key.

    Evaluated once per distinct (rep, key) pair, so it stays fast at a million accounts.
    """
    from .geo.places import group_codes

    codes, first = group_codes(np.asarray(owner), np.asarray(keys, dtype=object))
    ok = np.array(
        [
            owner[i] < 0 or cover_sets[owner[i]] is None or keys[i] in cover_sets[owner[i]]  # type: ignore[operator]
            for i in first.tolist()
        ],
        dtype=bool,
    )
    return ok[codes] if len(first) else np.ones(0, dtype=bool)


def _locks_outside_cover(
    accounts: pd.DataFrame, reps: pd.DataFrame, config: PlanConfig, file: str, state: AccountState
) -> list[Problem]:
    """A lock wins over eligibility, but say so: the rep does not cover the account."""
    from .eligibility import eligibility

    locked = accounts["locked"].to_numpy(dtype=bool)
    if not locked.any():
        return []
    # Only the locked accounts are looked at (a rep's cover of the regions of the locked
    # accounts is the same whichever other accounts there are).
    at = np.flatnonzero(locked)
    part = state.eligibility_view(accounts).iloc[at]
    keys, cover_sets = eligibility(part, reps, config)
    rep_pos = {r: i for i, r in enumerate(reps["rep_id"])}
    owner = part["owner_id"].map(rep_pos).fillna(-1).to_numpy(dtype=np.int64)
    outside = at[(owner >= 0) & ~owner_covers(owner, keys, cover_sets)]
    rows = spreadsheet_rows(accounts)
    out = [
        Problem(
            file,
            f"account {accounts['account_id'].iat[i]} is locked to "
            f"{accounts['owner_id'].iat[i]}, who does not cover its region "
            f"'{accounts['region'].iat[i]}'; the lock wins",
            row=int(rows[i]),
            column="locked",
            severity="warning",
            hint="unlock it if the rep should give it up",
        )
        for i in outside[:20]
    ]
    if len(outside) > 20:
        out.append(
            more_problems(
                file, len(outside) - 20, "locked accounts outside their rep's region", severity="warning"
            )
        )
    return out


def load_input(
    accounts_path: str | Path,
    roster_path: str | Path,
    config: PlanConfig,
    *,
    icp_path: str | Path | None = None,
    account_columns: Mapping[str, str] | None = None,
    roster_columns: Mapping[str, str] | None = None,
    preset: str | None = None,
    sheet: str | None = None,
    table: str | None = None,
    query: str | None = None,
    locks_path: str | Path | None = None,
    requests_path: str | Path | None = None,
) -> PlanInput:
    """Read and validate both files, collecting all problems before raising.

    ``preset`` ('salesforce' or 'hubspot', default ``inputs.preset``) reads a CRM export as
    it is (see ``territory.io.presets``); ``accounts_path`` may be a database URL read with
    ``table`` or ``query`` (see ``territory.io.sql``).

    With an ICP file (``icp_path`` or ``inputs.icp``) the accounts are scored and tiered
    here; ``tiering.source`` decides what happens when they also carry a tier.
    """
    t0 = time.perf_counter()
    problems: list[Problem] = []
    a_label, r_label = str(accounts_path), str(roster_path)
    raw_a = raw_r = None
    from .io.presets import (
        config_with_preset,
        detect_export,
        finish_accounts,
        prepare_raw_accounts,
        read_accounts,
        source_options,
    )

    opts = source_options(
        config,
        preset=preset,
        sheet=sheet,
        table=table,
        query=query,
        account_columns=account_columns,
        roster_columns=roster_columns,
    )
    a_sha = ""
    try:
        raw_a, a_label, a_sha = read_accounts(accounts_path, opts)
        # A CRM export read without a preset: its preset is applied when that is clear, or
        # the read stops and asks (territory.io.presets.detect_export).
        opts, p = detect_export(raw_a, opts, a_label)
        problems += p
        raw_a = prepare_raw_accounts(raw_a, opts.preset)
    except InputError as e:
        problems += e.problems + e.warnings
    config = config_with_preset(config, opts.preset)
    account_columns, roster_columns = opts.account_columns, opts.roster_columns
    try:
        raw_r = read_table(roster_path, limits=opts.limits)
    except InputError as e:
        problems += e.problems + e.warnings
    accounts = reps = None
    geo = None
    icp_path = icp_path or config.inputs.icp or None
    icp = tier_source = None
    if icp_path:
        from .icp import load_icp

        icp = load_icp(icp_path)
    if raw_a is not None:
        from .lockrules import rule_columns  # the columns lock rules read are read as they are

        # with geo.locate the geography says how it read ZIPs that lost their zeros (once)
        accounts, p = parse_accounts(
            raw_a, a_label, rule_columns(config, account_columns), zip_zeros=not config.geo.locate
        )
        if icp is not None:
            from .icp import choose_tier_source

            tier_source = choose_tier_source("tier" in accounts.columns, True, config.tiering.source)
            if tier_source == "icp":  # the CRM tier is replaced, so its problems do not count
                p = [q for q in p if q.column != "tier"]
                accounts = accounts.drop(columns=[c for c in ("tier", "score") if c in accounts.columns])
        problems += p
    leavers: list[Any] = []
    roster_rows = 0
    if raw_r is not None:
        reps, p = parse_roster(raw_r, r_label, roster_columns)
        problems += p
        roster_rows = len(reps)
        if not [q for q in p if q.severity == "error"]:
            from .lockrules import split_leavers  # reps with a successor leave the roster

            reps, leavers, p = split_leavers(reps, r_label)
            problems += p
    if accounts is not None and "account_id" in accounts.columns:
        accounts, p = finish_accounts(accounts, reps, opts.preset, a_label, r_label)
        problems += p
        from .geo import apply_geography  # regions from rules, accounts placed on the map

        geo = apply_geography(accounts, reps, config, a_label, r_label)
        accounts, problems = geo.accounts, problems + geo.problems
    # what the planner learns about each row on the way (locks, rules), next to the table
    state = AccountState.empty(len(accounts) if accounts is not None else 0)
    if accounts is not None:
        state = dataclasses.replace(state, source_row=spreadsheet_rows(accounts))
    if (
        locks_path is not None
        and accounts is not None
        and reps is not None
        and "account_id" in accounts.columns
    ):
        from .locks import read_locks

        try:
            lock_to, p = read_locks(locks_path, accounts, reps, limits=opts.limits)
            pinned = lock_to.to_numpy(dtype=object)
            state = dataclasses.replace(
                state,
                lock_to=pinned,
                lock_row=np.asarray(lock_to.attrs["rows"], dtype=np.int64),  # for messages naming its row
                lock_src=np.where(pinned != "", "file", "").astype(object),
            )
            problems += p
        except InputError as e:
            problems += e.problems + e.warnings
    rules = None
    if accounts is not None and reps is not None and "account_id" in accounts.columns:
        from .lockrules import apply_lock_rules  # [[locks.rules]]: keep with the owner

        try:
            rules = apply_lock_rules(accounts, reps, config, a_label, state, limits=opts.limits)
            accounts, state = rules.accounts, rules.state
            problems += rules.problems
        except InputError as e:
            problems += e.problems + e.warnings
    requests = None
    requests_path = requests_path or config.inputs.requests or None
    if (
        requests_path is not None
        and accounts is not None
        and reps is not None
        and "account_id" in accounts.columns
    ):
        from .requests import read_requests  # managers' requests: checked with everything else

        try:
            requests, p = read_requests(
                requests_path,
                accounts,
                state,
                reps,
                config,
                a_label,
                limits=opts.limits,
                problems_so_far=problems,
            )
            problems += p
        except InputError as e:
            problems += e.problems + e.warnings
    if accounts is not None and config.geo.units != "none" and "account_id" in accounts.columns:
        from .geo.territories import unit_problems  # territories of whole geographic units

        problems += unit_problems(accounts, state, config.geo.units, a_label, config.geo.locate)
    if any(p.severity == "error" for p in problems) or accounts is None or reps is None:
        raise InputError(problems)
    inputs = [
        InputFile("accounts", a_label, a_sha, len(accounts)),
        InputFile("roster", r_label, sha256_file(roster_path), roster_rows),
    ]
    extras: dict[str, Any] = {}
    if rules is not None and rules.info is not None:
        extras["lock_rules"] = rules.info
    if rules is not None and rules.opportunities is not None:
        inputs.append(InputFile("opportunities", *rules.opportunities))
    if leavers:
        extras["successors"] = [lv.as_dict() for lv in leavers]
    if geo is not None and geo.summary:
        extras["geography"] = geo.summary
    if geo is not None and geo.rules_file:
        inputs.append(InputFile("region_rules", *geo.rules_file))
    if icp is not None and icp_path is not None:
        from .icp import icp_book_data, score_accounts

        inputs.append(InputFile("icp", str(icp_path), sha256_file(icp_path), len(icp.products)))
        extras["icp"] = icp_book_data(icp)
        if tier_source == "icp":
            accounts = score_accounts(accounts, icp, overwrite=True, source=a_label)
            if "tier" not in accounts.columns and not product_mode(reps):
                names = ", ".join(p.name for p in icp.products)
                raise ConfigError(
                    f"{icp_path}: the ICP has several products ({names}); a plan needs one tier per "
                    "account: give each rep a product in the roster (product ICPs), or keep one "
                    "product in the ICP file"
                )
    if locks_path is not None:
        inputs.append(
            InputFile("locks", str(locks_path), sha256_file(locks_path), int((state.lock_to != "").sum()))
        )
    if requests is not None:
        inputs.append(InputFile("requests", requests.file, requests.sha256, len(requests.requests)))
        extras["requests"] = requests
    reps, roster = RosterState.split(reps)
    inp = prepare_input(
        accounts,
        reps,
        config,
        state=state,
        roster=roster,
        accounts_file=a_label,
        roster_file=r_label,
        inputs=inputs,
        extra_problems=problems,
    )
    if requests is not None and product_mode(reps):  # requests name account-product rows
        from .requests import product_requests

        inp.extras["requests"] = requests
        p = product_requests(inp)
        if any(q.severity == "error" for q in p):
            raise InputError(p + inp.warnings)
        extras["requests"] = inp.extras["requests"]
    inp.extras.update(extras)
    inp.seconds = time.perf_counter() - t0
    return inp


def model_input(
    accounts: pd.DataFrame,
    reps: pd.DataFrame,
    cfg: PlanConfig,
    geo: GeoSetup | ProductGeo | None = None,
    *,
    state: AccountState,
) -> ModelInput:
    """The accounts and the roster as the model reads them (``territory.model.ModelInput``).

    ``state`` (aligned with ``accounts``; ``AccountState.empty(n)`` when nothing is known)
    gives each row's key (an account-product row with product ICPs), its locks (a pinned rep,
    a lock held by a rep with product = auto only if it takes the row's product), the accounts
    the previous plan moved and a family's region.
    """
    if state.rows != len(accounts):
        raise ValueError(f"the AccountState has {state.rows} rows, the accounts {len(accounts)}")
    rep_index = pd.Index(reps["rep_id"].astype(str))

    def rep_of(values: pd.Series | np.ndarray) -> np.ndarray:
        # once per distinct value: a million cells name a thousand reps
        codes, names = pd.factorize(pd.Series(values).astype(str))
        return np.append(rep_index.get_indexer(names), -1).astype(np.int64)[codes]

    row_key = pd.Series(state.keys(accounts), index=accounts.index)
    unit_key = accounts["family_id"] if cfg.families.mode == "together" else row_key
    if geo is not None:  # accounts follow their geographic unit; locked ones stay account-level
        unit_key = pd.Series(np.where(geo.follows, geo.key, unit_key.astype(str)), index=accounts.index)
    owner = rep_of(accounts["owner_id"])
    lock_to = rep_of(state.lock_to)
    target = np.where(lock_to >= 0, lock_to, owner)
    locked = (accounts["locked"].to_numpy(dtype=bool) | (lock_to >= 0)) & (target >= 0)
    keyed = state.eligibility_view(accounts)
    keys, cover = _eligibility_by_combination(keyed, reps, cfg)
    products = "product" in accounts.columns
    return ModelInput(
        unit_key=unit_key.astype(str).to_numpy(dtype=object),
        tier=accounts["tier"].to_numpy(dtype=np.int64),
        values=np.column_stack(
            [
                pd.to_numeric(accounts[m.name], errors="coerce").fillna(0.0).to_numpy(dtype=float)
                if m.name in accounts.columns
                else np.zeros(len(accounts))
                for m in measures_of(cfg)
            ]
        ),
        owner=owner,
        lock_target=np.where(locked, target, -1),
        lock_auto=rep_of(state.lock_auto),
        product=accounts["product"].astype(str).to_numpy(dtype=object) if products else None,
        keys=keys,
        cover=cover,
        rep_ids=reps["rep_id"].astype(str).tolist(),
        capacity=reps["capacity"].to_numpy(dtype=np.float64),
        max_accounts=reps["max_accounts"].to_numpy(dtype=np.float64),
        rep_region=reps["region"].astype(str).tolist(),
        rep_product=(
            reps["product"].astype(str).str.strip().replace("", "auto").tolist()
            if products and "product" in reps.columns
            else [""] * len(reps)
        ),
        moved_before=state.moved_before,
        rep_manager=(
            reps["manager"].fillna("").astype(str).str.strip().tolist() if "manager" in reps.columns else None
        ),
        unit_nbrs=geo.group_nbrs() if geo is not None else None,
        unit_place=geo.places() if geo is not None else None,
        **(dict(zip(("empty_units", "empty_like"), geo.empty_units())) if geo is not None else {}),
    )


def _eligibility_by_combination(
    accounts: pd.DataFrame, reps: pd.DataFrame, cfg: PlanConfig
) -> tuple[np.ndarray, list[frozenset[str] | None]]:
    """``territory.eligibility.eligibility`` evaluated once per distinct (region, segment,
    product) combination rather than once per account (keys are per-row string work; at 10^6
    accounts that is seconds), when segments come from columns only."""
    from .eligibility import eligibility

    if cfg.segments:
        keys, cover = eligibility(accounts, reps, cfg)
        return np.asarray(keys, dtype=object), cover
    cols = [c for c in ("region", "segment", "product") if c in accounts.columns]
    codes = np.zeros(len(accounts), dtype=np.int64)
    for c in cols:
        cc, uu = pd.factorize(accounts[c].astype(str))
        codes = codes * (len(uu) + 1) + cc
    _uniq, first_row, inv = np.unique(codes, return_index=True, return_inverse=True)
    small = accounts.iloc[first_row][cols].reset_index(drop=True)
    keys_u, cover = eligibility(small, reps, cfg)
    return np.asarray(keys_u, dtype=object)[inv.reshape(-1)], cover


def solve_input(
    inp: PlanInput, progress: Progress = no_progress, *, export_lp: str | Path | None = None
) -> Plan:
    """Build the pools, solve each, and assemble the plan with reasons and metrics.

    ``export_lp`` writes each pool's model in LP format (``model.lp``, or ``model-<pool>.lp``
    when there are several pools) before solving.
    """
    cfg = inp.config
    timings: dict[str, float] = {"load": inp.seconds}
    t0 = time.perf_counter()
    accounts = inp.accounts.copy()
    state = inp.state
    reps = inp.reps.reset_index(drop=True)
    geo = None
    if cfg.geo.units != "none":
        from .geo.territories import geo_setup

        geo = geo_setup(accounts, reps, cfg.geo.units, cfg.inputs.region_rules, state=state)
    solved = solve_pools(
        model_input(accounts, reps, cfg, geo, state=state), cfg, progress=progress, export_lp=export_lp
    )
    timings["solve"] = time.perf_counter() - t0
    new_owner = solved.owner
    fair_tier, fair_pot = solved.fair_tier, solved.fair_potential
    tier_lo, tier_hi, pot_lo, pot_hi = solved.tier_lo, solved.tier_hi, solved.pot_lo, solved.pot_hi
    pool_of_rep, results, lp_files = solved.pool_of_rep, solved.pools, solved.lp_files
    rep_pos = {r: i for i, r in enumerate(reps["rep_id"])}
    n_reps = len(reps)

    if (new_owner < 0).any():  # never leave an account silently unassigned
        missing = accounts["account_id"][new_owner < 0].head(5).tolist()
        raise InfeasiblePlanError(
            f"{int((new_owner < 0).sum())} accounts got no owner (e.g. {missing}); "
            "this is a bug, please report it with your inputs"
        )

    rep_ids = reps["rep_id"].to_numpy(dtype=object)
    prev = accounts["owner_id"].astype(str).to_numpy(dtype=object)
    prev_pos = _mapped(accounts["owner_id"], rep_pos, -1).astype(np.int64)
    tier = accounts["tier"].to_numpy(dtype=np.int64)
    potential = accounts["potential"].to_numpy(dtype=np.float64)
    before = book_stats(tier, potential, prev_pos, n_reps)
    after = book_stats(tier, potential, new_owner, n_reps)
    measure_values = np.column_stack(
        [
            pd.to_numeric(accounts[m], errors="coerce").fillna(0.0).to_numpy(dtype=float)
            for m in solved.measures
        ]
    )
    after_values = measure_totals(measure_values, new_owner, n_reps)
    before_values = measure_totals(measure_values, prev_pos, n_reps)
    new_ids = rep_ids[new_owner]
    # A move takes an account away from a previous owner; an unowned account getting its
    # first owner is not a move (it is still an owner change for the CRM).
    moved = (prev != new_ids) & (prev != "")

    # Reasons, from the books as they were before the plan.
    region = accounts["region"].astype(str).to_numpy(dtype=object)
    # (as before the typed record: a family's region counts here only with [segments] rules)
    keys, cover_sets = _eligibility_by_combination(
        state.eligibility_view(accounts) if cfg.segments else accounts, reps, cfg
    )
    prev_eligible = owner_covers(prev_pos, keys, cover_sets)
    tidx = tier - 1
    safe_prev = np.where(prev_pos >= 0, prev_pos, 0)
    prev_over_tier = (prev_pos >= 0) & (before.tier_counts[safe_prev, tidx] > tier_hi[safe_prev, tidx])
    prev_over_pot = (prev_pos >= 0) & (before.potential[safe_prev] > pot_hi[safe_prev] + 1e-9)
    new_under = before.tier_counts[new_owner, tidx] < tier_lo[new_owner, tidx]
    from .plan_result import measure_label

    prev_over_measures = [  # each other measure: its previous owner above its band, and it carries some
        (
            measure_label(m),
            (prev_pos >= 0)
            & (before_values[safe_prev, k] > solved.value_hi[safe_prev, k] + 1e-9)
            & (measure_values[:, k] > 0),
        )
        for k, m in enumerate(solved.measures)
        if m != "potential"
    ]
    lock_to = state.lock_to
    # The model honours every lock, so a locked account's new owner is its lock target.
    locked = (lock_to != "") | (accounts["locked"].to_numpy(dtype=bool) & (prev_pos >= 0))
    # product = auto: the lock held where the rep took the product
    kept_auto = state.lock_auto == new_ids
    locked |= kept_auto
    reasons = reason_texts(
        moved=moved,
        prev=prev,
        new=new_ids,
        prev_on_roster=(prev_pos >= 0) | (prev == ""),
        prev_eligible=prev_eligible,
        locked=locked,
        tier=tier,
        region=region,
        prev_over_tier=prev_over_tier,
        prev_over_potential=prev_over_pot,
        new_under_tier=new_under,
        prev_over_measures=prev_over_measures,
    )
    if "product" in accounts.columns:  # product ICPs: say which product fit put the row here
        product = accounts["product"].astype(str).to_numpy(dtype=object)
        fit = product + " fit Tier " + tier.astype(str).astype(object)
        owner_any = np.asarray(state.owner_any, dtype=object)
        other = (prev == "") & (owner_any != "")
        reasons[other] = (
            "first owner for " + product[other] + " (" + owner_any[other] + " carries another product)"
        )
        reasons = reasons + "; " + fit
    if cfg.families.mode == "together":
        # (each column turned into Python strings once: 0.3-0.5 s a column at 10^6 accounts)
        family = accounts["family_id"].astype(str).to_numpy(dtype=object)
        account_ids = accounts["account_id"].astype(str).to_numpy(dtype=object)
        ids = state.row_id if state.row_id is not None else account_ids
        family_base = state.family_base if state.family_base is not None else family
        reasons = family_reasons(
            reasons,
            row_ids=ids,
            account_ids=account_ids,
            family=family,
            family_base=family_base,
            locked=locked,
            new=new_ids,
            prev=prev,
            moved=moved,
        )

    from .lockrules import rule_reasons  # "kept: renewal on ...", "... to the named successor R12"

    reasons = rule_reasons(accounts, state, reasons, new_ids)
    if state.moved_before is not None:
        again = moved & state.moved_before
        reasons = np.where(again, reasons + "; moved in the previous plan too", reasons)
    names = dict(zip(reps["rep_id"], reps["name"]))
    accounts["previous_owner_id"] = accounts["owner_id"].astype(str)
    accounts["owner_id"] = new_ids
    accounts["moved"] = moved
    accounts["reason"] = reasons
    accounts["owner_name"] = _mapped(accounts["owner_id"], names, "")
    accounts["previous_owner_name"] = _mapped(accounts["previous_owner_id"], names, "")

    reps_out = reps.copy()
    reps_out["pool"] = pool_of_rep
    forced = int((moved & (prev_pos < 0) & (prev != "")).sum())
    changed = prev != new_ids
    moved_pot = float(potential[moved].sum())
    total_pot = float(potential.sum())
    metrics: dict[str, Any] = {
        "accounts": int(len(accounts)),
        "reps": int(n_reps),
        "accounts_moved": int(moved.sum()),
        "moved_share": float(moved.mean()) if len(moved) else 0.0,
        "potential_moved_share": moved_pot / total_pot if total_pot > 0 else 0.0,
        "orphaned_accounts": forced,
        # Rows of the owner-update file(s): a first owner is an owner change in the CRM too.
        "owner_changes": int(changed.sum()),
        "owner_changes_share": float(changed.mean()) if len(changed) else 0.0,
        "first_owners": int((prev == "").sum()),
        **balance_metrics(after, fair_tier, fair_pot, tier_lo, tier_hi, pot_lo, pot_hi),
        "max_workload_deviation": _max_rel(
            after.tier_counts @ np.asarray(cfg.balance.workload_weights[:3]),
            fair_tier @ np.asarray(cfg.balance.workload_weights[:3]),
        ),
        "before": {
            **balance_metrics(before, fair_tier, fair_pot, tier_lo, tier_hi, pot_lo, pot_hi),
        },
    }
    metrics["measures"] = measure_metrics(
        solved.measures,
        after_values,
        before_values,
        solved.fair_value,
        solved.value_lo,
        solved.value_hi,
        solved.balanced,
    )
    arrays = {
        "measures": solved.measures,
        "fair_value": solved.fair_value,
        "value_lo": solved.value_lo,
        "value_hi": solved.value_hi,
        "after_values": after_values,
        "before_values": before_values,
        "rep_product": solved.rep_product,
        "fair_tier": fair_tier,
        "fair_potential": fair_pot,
        "tier_lo": tier_lo,
        "tier_hi": tier_hi,
        "pot_lo": pot_lo,
        "pot_hi": pot_hi,
        "before": before,
        "after": after,
        # Accounts new to the rep: taken from another owner, or nobody's before (a rep who
        # gets an unowned account gains it; "kept" is what the rep owned and keeps).
        "moves_in": np.bincount(new_owner[changed], minlength=n_reps),
        "moves_out": np.bincount(prev_pos[moved & (prev_pos >= 0)], minlength=n_reps),
    }
    if "product" in accounts.columns:
        metrics["products"] = {
            str(k): int(v) for k, v in accounts["product"].value_counts().sort_index().items()
        }
        metrics["no_product_fit"] = len(inp.extras.get("no_fit", ()))
    if "product" not in accounts.columns:
        prev_text = accounts["previous_owner_id"]  # prev as a text column (owner_id is the new owner now)
        metrics["baseline"] = _baseline_metrics(
            accounts, reps, cfg, tier, potential, prev_text, arrays, measure_values, solved.balanced, state
        )
    # The plan was checked against every rule (territory.model.verify): the bands it bends.
    warnings = list(inp.warnings) + [
        Problem("plan", v.message, severity="warning", hint=v.hint) for v in solved.warnings
    ]
    warnings += stopped_warning(results, cfg.solver.time_limit)
    timings["total_solve"] = time.perf_counter() - t0
    accounts["locked"] = accounts["locked"].to_numpy(dtype=bool) | (lock_to != "") | kept_auto
    extras = {"arrays": arrays, "lp_files": lp_files, "method": solved.method, **inp.extras}
    if geo is not None:  # geo.units: every unit's owner, each territory checked to be one piece
        from .geo.territories import territories

        extras["territories"], terr = territories(
            geo,
            accounts,
            new_owner,
            reps["rep_id"].astype(str).tolist(),
            [pr.report for pr in results],
            solved.unit_owners(),
            list(cfg.balance.measures),
        )
        extras["geography"] = {**extras.get("geography", {}), "territories": terr}
    return Plan(
        accounts=accounts,
        reps=reps_out,
        config=cfg,
        pools=results,
        inputs=inp.inputs,
        metrics=metrics,
        warnings=warnings,
        timings=timings,
        extras=extras,
        state=state,
    )


def _mapped(column: pd.Series, mapping: Mapping[Any, Any], default: Any) -> np.ndarray:
    """``column.map(mapping).fillna(default)`` as an object array, looked up once per distinct
    value (a million accounts have a thousand owners)."""
    codes, uniques = pd.factorize(column)
    values = [mapping.get(u, default) for u in uniques]
    values = [default if v is None or (isinstance(v, float) and np.isnan(v)) else v for v in values]
    return np.array([*values, default], dtype=object)[codes]  # a code of -1 (missing) takes default


def stopped_warning(pools: Sequence[SolvedPool], time_limit: float) -> list[Problem]:
    """The warning for pools the time limit stopped (a safety net: normally work limits stop
    every solve, so the plan does not depend on the machine's speed; this one may)."""
    names = [p.name for p in pools if p.report.status == "time_limit"]
    if not names:
        return []
    where = f"{names[0]}" if len(names) == 1 else f"{len(names)} pools ({', '.join(names)})"
    return [
        Problem(
            "plan",
            f"{where} stopped by the time limit ({time_limit:g} s a pool): a faster or quieter "
            "machine may give a different plan",
            severity="warning",
            hint="raise --time-limit",
        )
    ]


def _max_rel(actual: np.ndarray, fair: np.ndarray) -> float:
    ok = fair > 0
    return float(np.abs(actual[ok] / fair[ok] - 1).max()) if ok.any() else 0.0


def _baseline_metrics(
    accounts: pd.DataFrame,
    reps: pd.DataFrame,
    cfg: PlanConfig,
    tier: np.ndarray,
    potential: np.ndarray,
    prev_owner: pd.Series,
    arrays: dict[str, Any],
    measure_values: np.ndarray,
    balanced: list[bool],
    state: AccountState,
) -> dict[str, Any]:
    """The spreadsheet-style greedy baseline on the same input, measured with the same code.

    ``prev_owner``: today's owner of every account, as text (``accounts["owner_id"]`` may
    already hold the plan's); ``measure_values``: (accounts, measures) as the plan's."""
    from .baseline import greedy_owner_positions

    # Same eligibility as the plan (families by their top parent's region), today's owners;
    # only the columns the baseline reads (no copy of the others).
    cols = ["account_id", "region", "tier", "potential", "locked"]
    base_in = accounts[[c for c in cols if c in accounts.columns]]
    base_in = base_in.assign(owner_id=prev_owner)
    if cfg.families.mode == "together" and state.unit_region is not None:
        base_in = base_in.assign(region=state.unit_region, family_id=accounts["family_id"])
    pos = greedy_owner_positions(
        base_in, reps, tier_band=cfg.balance.tier_band, min_band_accounts=cfg.balance.tier_band_min_accounts
    )
    stats = book_stats(tier, potential, pos, len(reps))
    prev = prev_owner.to_numpy(dtype=object)
    moved = (reps["rep_id"].astype(str).to_numpy(dtype=object)[pos] != prev) & (prev != "")
    out = {
        "accounts_moved": int(moved.sum()),
        **balance_metrics(
            stats,
            arrays["fair_tier"],
            arrays["fair_potential"],
            arrays["tier_lo"],
            arrays["tier_hi"],
            arrays["pot_lo"],
            arrays["pot_hi"],
        ),
    }
    names = list(arrays["measures"])
    if len(names) > 1:  # (potential alone: the figures above are all there is)
        totals = measure_totals(measure_values, pos, len(reps))
        every = measure_metrics(
            names, totals, totals, arrays["fair_value"], arrays["value_lo"], arrays["value_hi"], balanced
        )
        keep = ("max_deviation", "cv", "reps_outside_band")
        out["measures"] = {n: {k: m[k] for k in keep if k in m} for n, m in every.items()}
    return out


def plan(
    accounts_path: str | Path,
    roster_path: str | Path,
    config: PlanConfig | None = None,
    *,
    icp_path: str | Path | None = None,
    progress: Progress = no_progress,
) -> Plan:
    """Load, validate and solve: the whole planning job from two files (and an ICP file)."""
    config = config or PlanConfig()
    inp = load_input(accounts_path, roster_path, config, icp_path=icp_path)
    return solve_input(inp, progress)


# --------------------------------------------------------------------------- outputs


def assignments_frame(p: Plan) -> pd.DataFrame:
    a = p.accounts
    first = [c for c in FIXED_COLUMNS]
    then = ["reason", "owner_name", "previous_owner_name", "family_id"]
    if "product" in a.columns:  # product ICPs: one row per account and product
        first = first + ["product"]
        a = a.assign(family_id=p.state.family_base)
    canonical = [
        "score",
        "industry",
        "employees",
        "annual_revenue",
        "country",
        "state",
        "city",
        "postal_code",
        "parent_id",
        "locked",
        "segment",
    ]
    if "product" in a.columns and len(p.extras.get("no_fit", ())):
        # Every input account is listed: those that fit no product ICP too (products.no_fit).
        names = dict(zip(p.reps["rep_id"], p.reps["name"]))
        no_fit = p.extras["no_fit"].copy()
        no_fit["owner_name"] = no_fit["owner_id"].map(names).fillna("")
        no_fit["previous_owner_name"] = no_fit["previous_owner_id"].map(names).fillna("")
        a = pd.concat([a, no_fit[[c for c in a.columns if c in no_fit.columns]]], ignore_index=True)
    rest = [c for c in a.columns if c not in first + then + canonical and not c.startswith("_")]
    cols = first + then + [c for c in canonical if c in a.columns] + rest
    out = a[cols].copy()
    out["tier"] = out["tier"].astype("int64")
    keys = ["account_id", "product"] if "product" in out.columns else ["account_id"]
    return out.sort_values(keys, kind="stable").reset_index(drop=True)


def _rep_measures(arr: Mapping[str, Any], r: int) -> dict[str, RepMeasure]:
    """Every measure of one rep: total, fair share, deviation, band (None when not balanced)
    and the total before the plan."""
    out: dict[str, RepMeasure] = {}
    for m, name in enumerate(arr.get("measures", [])):
        value, fair = float(arr["after_values"][r, m]), float(arr["fair_value"][r, m])
        lo, hi = float(arr["value_lo"][r, m]), float(arr["value_hi"][r, m])
        out[name] = RepMeasure(
            value=value,
            fair=fair,
            deviation=value / fair - 1 if fair > 0 else None,
            band=(lo, hi) if np.isfinite(lo) and np.isfinite(hi) and fair > 0 else None,
            before=float(arr["before_values"][r, m]),
        )
    return out


def team_balance_summary(reps: Sequence[Rep], cfg: PlanConfig) -> list[dict[str, Any]] | None:
    """Balance per manager's team in each pool, with ``balance.team_band`` set (else None):
    tier counts and every balanced measure against the team's fair share, as the model's
    ``team_balance`` family defines it (team capacity / pool capacity x the pool's total;
    every account of a pool is held by a rep of it), and the team band it was held to.

    With product ICPs a team is balanced within each product its reps carry: one entry per
    manager, pool and product, whose fair share is the sum of its reps' fair shares of that
    product."""
    band = cfg.balance.team_band
    if band is None:
        return None
    from .model.pools import tier_band

    tiers = [str(t) for t in TIERS]
    balanced = list(cfg.balance.measures)
    pools: dict[str, list[Rep]] = {}
    for rep in reps:
        pools.setdefault(rep.pool, []).append(rep)

    def total(rows: Sequence[Rep], name: str) -> float:
        return sum(r.measures[name].value for r in rows if r.measures and name in r.measures)

    out = []
    for pool, members in pools.items():
        cap = sum(r.capacity for r in members)
        n_t = np.array([sum(r.tier_counts[t] for r in members) for t in tiers], dtype=float)
        v_m = {m: total(members, m) for m in balanced}
        teams: dict[tuple[str, str], list[Rep]] = {}
        for r in members:
            manager = r.manager.strip()
            if manager:
                teams.setdefault((manager, r.product or ""), []).append(r)
        for (manager, product), rows in teams.items():
            if product:  # the sum of the reps' fair shares of their product
                fair_t = np.array([sum(r.fair_tier[t] for r in rows) for t in tiers], dtype=float)
                fair_m = {
                    m: sum(r.measures[m].fair or 0.0 for r in rows if r.measures and m in r.measures)
                    for m in balanced
                }
            else:
                share = sum(r.capacity for r in rows) / cap if cap > 0 else 0.0
                fair_t = n_t * share
                fair_m = {m: v_m[m] * share for m in balanced}
            lo, hi = tier_band(fair_t, band, cfg.balance.tier_band_min_accounts)
            measures = {}
            for name in balanced:
                value = total(rows, name)
                fair = fair_m[name]
                measures[name] = {
                    "value": value,
                    "fair": fair,
                    "deviation": value / fair - 1 if fair > 0 else None,
                    "band": [(1 - band) * fair, (1 + band) * fair] if fair > 0 else None,
                }
            out.append(
                {
                    "manager": manager,
                    "pool": pool,
                    **({"product": product} if product else {}),
                    "reps": [r.rep_id for r in rows],
                    "capacity": float(sum(r.capacity for r in rows)),
                    "accounts": sum(r.accounts for r in rows),
                    "tier_counts": {t: sum(r.tier_counts[t] for r in rows) for t in tiers},
                    "fair_tier": {t: float(f) for t, f in zip(tiers, fair_t)},
                    "tier_band": {t: [int(a), int(b)] for t, a, b in zip(tiers, lo, hi)},
                    "measures": measures,
                }
            )
    return out


def _rep_records(p: Plan) -> tuple[Rep, ...]:
    """summary.json's ``reps``: every rep of the roster and the rep's book, in roster order."""
    arr = p.extras["arrays"]
    after, before = arr["after"], arr["before"]
    t = [str(x) for x in TIERS]
    weights = np.asarray(p.config.balance.workload_weights[:3], dtype=float)
    out = []
    for r, row in enumerate(p.reps.to_dict("records")):
        fair_t = arr["fair_tier"][r]
        counts = after.tier_counts[r]
        fair_p = float(arr["fair_potential"][r])
        out.append(
            Rep(
                rep_id=row["rep_id"],
                name=row["name"],
                email=row["email"],
                manager=row["manager"],
                region=row["region"],
                capacity=float(row["capacity"]),
                product=(
                    str(arr["rep_product"][r])
                    if arr.get("rep_product") is not None
                    else (row["product"] or None)
                ),
                pool=row["pool"],
                accounts=int(after.accounts[r]),
                tier_counts={k: int(c) for k, c in zip(t, counts)},
                fair_tier={k: float(f) for k, f in zip(t, fair_t)},
                tier_band={
                    k: (int(lo), int(hi)) for k, lo, hi in zip(t, arr["tier_lo"][r], arr["tier_hi"][r])
                },
                tier_deviation={
                    k: (float((c - f) / f) if f > 0 else None) for k, c, f in zip(t, counts, fair_t)
                },
                workload=float(counts @ weights),
                fair_workload=float(fair_t @ weights),
                potential=float(after.potential[r]),
                fair_potential=fair_p,
                potential_deviation=(float(after.potential[r] / fair_p - 1) if fair_p > 0 else None),
                measures=_rep_measures(arr, r),
                moves_in=int(arr["moves_in"][r]),
                moves_out=int(arr["moves_out"][r]),
                kept=int(after.accounts[r] - arr["moves_in"][r]),
                before=RepBefore(
                    accounts=int(before.accounts[r]),
                    tier_counts={k: int(c) for k, c in zip(t, before.tier_counts[r])},
                    potential=float(before.potential[r]),
                ),
            )
        )
    return tuple(out)


def _overall_record(metrics: Mapping[str, Any]) -> Overall:
    """summary.json's ``overall`` from the plan's metrics (``Plan.metrics``, as the solve
    computed them); a metric no field of ``Overall`` declares stops here (TypeError)."""
    before, measures, baseline = (metrics.get(k) for k in ("before", "measures", "baseline"))
    return Overall(
        **{
            **metrics,
            "before": BalanceMetrics(**before) if before is not None else None,
            "measures": {k: MeasureOverall(**v) for k, v in measures.items()}
            if measures is not None
            else None,
            "baseline": BaselineMetrics(
                **{
                    **baseline,
                    "measures": {k: BaselineMeasure(**v) for k, v in baseline["measures"].items()}
                    if baseline.get("measures") is not None
                    else None,
                }
            )
            if baseline is not None
            else None,
        }
    )


def _solver_record(p: Plan) -> SolverResult:
    return SolverResult(
        name=p.config.solver.name,
        status=p.status,
        status_text=p.status_text(),
        objective=p.objective,
        bound=p.bound,
        gap=p.gap,
        pools=tuple(
            PoolResult(
                name=pr.name,
                reps=len(pr.rep_ids),
                accounts=pr.accounts,
                units=pr.units,
                status=pr.report.status,
                objective=pr.report.objective,
                bound=pr.report.bound,
                gap=pr.report.gap,
            )
            for pr in p.pools
        ),
    )


def plan_result(
    p: Plan,
    *,
    generated_at: datetime | None = None,
    updates: OwnerUpdates | None = None,
    files: Mapping[str, FileRecord] | None = None,
) -> PlanSummary:
    """The plan result (summary.json), built record by record; ``files`` (the plan folder's
    other files as written) is recorded with the summary's checksum of itself, before ``run``."""
    result = _unchecked_result(p, generated_at, updates, files)
    if files is not None:
        from .io.plandir import summary_checksum

        # Of summary.json itself (all but "run"): books, compare and diff refuse an edited one.
        result = dataclasses.replace(result, summary_sha256=summary_checksum(result.to_dict()))
    return result


def _unchecked_result(
    p: Plan,
    generated_at: datetime | None,
    updates: OwnerUpdates | None,
    files: Mapping[str, FileRecord] | None,
) -> PlanSummary:
    """``plan_result`` but its checksum of itself."""
    arr = p.extras["arrays"]
    after = arr["after"]
    reps = _rep_records(p)
    n = max(len(reps), 1)
    continuity = None
    if "previous" in p.extras:
        from .continuity import continuity_summary

        a = p.accounts
        assert p.state.moved_before is not None  # (a previous plan gives every row's moves)
        continuity = continuity_summary(
            p.extras["previous"],
            a["account_id"].astype(str).to_numpy(dtype=object),
            a["moved"].to_numpy(dtype=bool),
            p.state.moved_before,
            ~a["previous_owner_id"].astype(str).isin(p.reps["rep_id"].astype(str)).to_numpy(dtype=bool),
            p.config.continuity.repeat_move_weight,
        )
    teams = team_balance_summary(reps, p.config)
    from .lockrules import lock_rules_summary

    requests = None
    if "requests" in p.extras and "request_outcomes" in p.extras:
        from .requests import requests_summary

        requests = requests_summary(p)
    result = PlanSummary(
        format=PLAN_FORMAT,
        territory_version=__version__,
        period_label=p.config.period_label,
        inputs={
            f.label: ResultInput(file=Path(f.path).name, sha256=f.sha256, rows=f.rows, path=_input_path(f))
            for f in p.inputs
        },
        config=config_to_dict(p.config),
        solver=_solver_record(p),
        overall=_overall_record(p.metrics),
        team_average=TeamAverage(
            accounts=float(after.accounts.sum() / n),
            tier_counts={str(k): float(after.tier_counts[:, i].sum() / n) for i, k in enumerate(TIERS)},
            potential=float(after.potential.sum() / n),
            measures={
                name: float(arr["after_values"][:, m].sum() / n) for m, name in enumerate(arr["measures"])
            },
        ),
        reps=reps,
        crm_update=(updates or owner_updates(p)).record(),
        warnings=tuple(_without_folders(w.sentence(), p.inputs) for w in p.warnings),
        geography=p.extras.get("geography"),
        settings=p.extras.get("settings"),
        continuity=continuity,
        teams=tuple(teams) if teams is not None else None,
        lock_rules=lock_rules_summary(p),
        requests=requests,
    )
    if files is not None:
        result = dataclasses.replace(
            result,
            files={
                name: FileEntry(sha256=rec.sha256, bytes=rec.bytes, rows=rec.rows)
                for name, rec in files.items()
            },
        )
    result = dataclasses.replace(
        result,
        run={
            "generated_at": (generated_at or datetime.now(timezone.utc)).isoformat(timespec="seconds"),
            "seconds": {k: round(v, 3) for k, v in sorted(p.timings.items())},
            "solver_seconds": [round(pr.report.seconds, 3) for pr in p.pools],
        },
    )
    return result


def summary_dict(
    p: Plan,
    *,
    generated_at: datetime | None = None,
    updates: OwnerUpdates | None = None,
    files: Mapping[str, FileRecord] | None = None,
) -> dict[str, Any]:
    """The summary.json object: ``plan_result(...).to_dict()``, with the records converted
    once (not once for the checksum and again for the file: 1,000 reps are 10^5 values)."""
    from .io.plandir import UNCHECKED_KEYS, summary_checksum

    if files is None:
        return plan_result(p, generated_at=generated_at, updates=updates).to_dict()
    whole = _unchecked_result(p, generated_at, updates, files).to_dict()
    body = {k: v for k, v in whole.items() if k not in UNCHECKED_KEYS}
    # summary_sha256 and run are the last fields, in this order
    return {**body, "summary_sha256": summary_checksum(body), "run": whole["run"]}


def _without_folders(text: str, inputs: list[InputFile]) -> str:
    """A warning as summary.json keeps it: input files by name, as ``inputs`` names them, so
    the same inputs give the same summary whether given by a relative or an absolute path."""
    from .io.sql import is_database_url

    for path in sorted({f.path for f in inputs}, key=len, reverse=True):
        name = Path(path).name
        if path and path != name and not is_database_url(path):
            text = text.replace(path, name)
    return text


def _input_path(f: InputFile) -> str | None:
    """Where an input file was read from (absolute), so `territory explain` can read it again."""
    from .io.sql import is_database_url

    if not f.path or is_database_url(f.path):
        return None
    return str(Path(f.path).resolve())


PlanFiles = list[tuple[str, Any]]


def plan_files(p: Plan, updates: OwnerUpdates | None = None) -> PlanFiles:
    """The files of a plan folder besides summary.json, in writing order.

    Each is ``(file name, content)``: a DataFrame (written as CSV), a ``Path`` of a file
    already in the folder (only recorded, e.g. an LP export), or a JSON-able object. Add to
    the list to write more files: summary.json records a checksum of every one of them.
    The owner-update files are owner_changes.csv, or owner_changes_<product>.csv per
    product; the guard in ``territory.updates`` may withhold them (summary.json's
    ``crm_update`` says why).
    """
    updates = updates or owner_updates(p)
    files: PlanFiles = [("assignments.csv", assignments_frame(p))]
    files += list(updates.frames().items())
    if "territories" in p.extras:  # geo.units: one row per geographic unit
        files.append(("territories.csv", p.extras["territories"]))
    if "icp" in p.extras:
        files.append(("icp.json", p.extras["icp"]))
    if "request_outcomes" in p.extras:
        from .requests import REQUESTS_FILE, requests_frame

        files.append((REQUESTS_FILE, requests_frame(p)))
    return files


def write_plan_files(p: Plan, folder: str | Path, extra: Sequence[tuple[str, Any]] = ()) -> dict[str, Any]:
    """Write ``plan_files(p)``, then ``extra``, then summary.json into ``folder``, as they are.

    summary.json comes last and lists every other file with its sha256, size and rows, so
    books, compare and diff can tell a complete, unedited plan folder from anything else.
    Use ``write_plan`` to replace a folder as one unit.
    """
    from .io.writing import sha256_of

    folder = Path(folder)
    t0 = time.perf_counter()
    updates = owner_updates(p)
    records: dict[str, FileRecord] = {}
    for name, content in [*plan_files(p, updates), *extra]:
        target = folder / name
        if isinstance(content, pd.DataFrame):
            records[name] = write_csv(content, target)
        elif isinstance(content, Path):
            records[name] = sha256_of(content)
        else:
            records[name] = write_json(content, target)
    p.timings["write"] = time.perf_counter() - t0
    summary = summary_dict(p, updates=updates, files=records)
    write_json(summary, folder / "summary.json")
    return summary


def write_plan(
    p: Plan,
    out_dir: str | Path,
    *,
    extra: Sequence[tuple[str, Any]] = (),
    protect: Sequence[str | Path | None] = (),
) -> dict[str, Any]:
    """Write the plan folder ``out_dir`` as one unit; returns the summary as written.

    The files are written to a temporary folder beside ``out_dir`` that then replaces it
    whole (see ``territory.io.staging``): after a crash, a full disk or a kill, ``out_dir``
    holds either its earlier plan or this one, complete. ``out_dir`` must be new, empty or
    an earlier territory output; ``protect`` (input files) must not lie inside it.
    """
    from .io.staging import staged_folder

    with staged_folder(out_dir, protect=protect) as stage:
        summary = write_plan_files(p, stage.path, extra)
    return summary
