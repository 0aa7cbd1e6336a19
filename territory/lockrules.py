"""Lock rules from the data, and named successors for reps who leave.

``[[locks.rules]]`` tables in the plan settings keep the accounts they match with their
current owner: a renewal within N days of the as-of date, an owner who took the account in
the last N days, a column holding a value (strategic = true), an open opportunity at a late
stage. They work through the accounts' ``locked`` column, so families, product ICPs and the
model treat them exactly as the locked column: a family follows its kept member, and with
product ICPs the account stays with its owner for the product that owner carries.

A rep with a ``successor`` in the roster is leaving: the rep plans no book, and the accounts
they own go to the successor, pinned as a locks file pins them (see docs/lock-rules.md for
why a pin rather than a price).

Everything the rules decide is kept in the accounts' record (``territory.accountstate``),
so a what-if scenario (which re-validates the accounts) and the summary see the same facts:

- ``rule_match``: the rules (1-based, ";"-joined) whose test the account meets;
- ``lock_by_rule``: the rules set ``locked`` (the account was not locked already);
- ``lock_reason``: "kept: renewal on 2027-01-15, within 90 days of 2026-12-03";
- ``lock_src`` / ``lock_why``: where a ``lock_to`` pin came from ("file" or
  "successor") and how an error about a family names it.
"""

from __future__ import annotations

import dataclasses
import difflib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

if TYPE_CHECKING:
    from .progress import Progress

from .accountstate import AccountState
from .config import LockRule, PlanConfig
from .errors import ConfigError, InputError, Problem, more_problems
from .io.loading import FALSE_WORDS, TRUE_WORDS, spreadsheet_rows

SUCCEEDS = "_succeeds"  # on the roster: the leavers (";"-joined) whose accounts this rep takes
SHOWN = 20  # rows listed per kind of problem

_EMPTY = frozenset({"", "nan", "nat", "none", "null", "n/a", "na", "-"})
_BOOL_WORDS = (TRUE_WORDS | FALSE_WORDS) - {"", "locked"}


# --------------------------------------------------------------------------- successors


@dataclass(frozen=True)
class Leaver:
    """A rep who leaves, and the rep on the roster who takes their accounts."""

    rep_id: str
    name: str
    successor: str  # the final successor (a chain R07 -> R08 -> R12 ends on R12)
    named: str  # the successor the roster names on the leaver's row
    row: int

    def as_dict(self) -> dict[str, Any]:
        return {"rep_id": self.rep_id, "name": self.name, "successor": self.successor, "named": self.named}


def split_leavers(reps: pd.DataFrame, file: str) -> tuple[pd.DataFrame, list[Leaver], list[Problem]]:
    """Take the reps with a ``successor`` off the roster; mark each successor with whom it succeeds.

    A successor must be on the roster; a successor who leaves too passes the accounts on
    (R07 -> R08 -> R12: R12 takes both books). A rep named as their own successor, or a
    loop of successors, is an error.
    """
    if "successor" not in reps.columns:
        return reps, [], []
    succ = reps["successor"].astype(str).str.strip()
    succ = succ.where(~succ.str.casefold().isin(_EMPTY), "")
    reps = reps.drop(columns=["successor"])
    if not succ.ne("").any():
        return reps, [], []
    ids = reps["rep_id"].astype(str).tolist()
    rows = spreadsheet_rows(reps)
    roster = set(ids)
    named = dict(zip(ids, succ.tolist()))
    problems: list[Problem] = []
    for i, (rep, s) in enumerate(zip(ids, succ.tolist())):
        if not s:
            continue
        if s == rep:
            problems.append(
                Problem(
                    file,
                    "a rep cannot be their own successor",
                    row=int(rows[i]),
                    column="successor",
                    value=s,
                    hint=f"name the rep on the roster who takes {rep}'s accounts, or leave the cell "
                    f"empty if {rep} stays",
                )
            )
        elif s not in roster:
            close = difflib.get_close_matches(s, sorted(roster), n=1)
            problems.append(
                Problem(
                    file,
                    f"the successor of {rep} is not on the roster",
                    row=int(rows[i]),
                    column="successor",
                    value=s,
                    hint=(f"did you mean '{close[0]}'? " if close else "")
                    + "a successor is the rep_id of a rep on the roster who takes over the leaving "
                    "rep's accounts; add them to the roster, or leave the cell empty",
                )
            )
    if problems:
        return reps, [], problems
    leavers: list[Leaver] = []
    reported: set[frozenset[str]] = set()
    for i, rep in enumerate(ids):
        if not named[rep]:
            continue
        chain = [rep]
        while named.get(chain[-1]) and named[chain[-1]] not in chain:
            chain.append(named[chain[-1]])
        if named.get(chain[-1]):  # the chain came back on itself
            loop = chain[chain.index(named[chain[-1]]) :]
            if frozenset(loop) not in reported:
                reported.add(frozenset(loop))
                problems.append(
                    Problem(
                        file,
                        "successors form a loop: " + " -> ".join(loop + [loop[0]]),
                        row=int(rows[ids.index(loop[0])]),
                        column="successor",
                        value=named[loop[0]],
                        hint="one rep of the loop stays: clear their successor cell",
                    )
                )
            continue
        leavers.append(Leaver(rep, str(reps["name"].iat[i]), chain[-1], named[rep], int(rows[i])))
    if problems:
        return reps, [], problems
    gone = {lv.rep_id for lv in leavers}
    heirs: dict[str, list[str]] = {}
    for lv in leavers:
        heirs.setdefault(lv.successor, []).append(lv.rep_id)
    reps = reps.loc[~reps["rep_id"].isin(gone)].reset_index(drop=True)
    reps[SUCCEEDS] = [";".join(heirs.get(r, [])) for r in reps["rep_id"].astype(str)]
    return reps, leavers, []


def heir_of(reps: pd.DataFrame) -> dict[str, str]:
    """Leaver -> the successor on this roster who takes their accounts."""
    if SUCCEEDS not in reps.columns:
        return {}
    out: dict[str, str] = {}
    for rep, cell in zip(reps["rep_id"].astype(str), reps[SUCCEEDS].astype(str)):
        for leaver in cell.split(";"):
            if leaver:
                out[leaver] = rep
    return out


def successor_pins(rows: pd.DataFrame, reps: pd.DataFrame, state: AccountState) -> AccountState:
    """Pin the accounts of leavers to their successor (``state.lock_to``), afresh for this roster.

    Called on the rows the model plans (accounts, or account-product rows): a pin from an
    earlier roster (a scenario that removes the successor) is cleared first, and a locks
    file's pin wins over a successor's. With product ICPs, a successor keeps the rows of
    the product they carry (or may choose, with product = auto).
    """
    heirs = heir_of(reps)
    had = bool((state.lock_src == "successor").any())
    if not heirs and not had:
        return state
    out = rows
    lock_to = state.lock_to.copy()
    src = np.where((state.lock_src == "") & (lock_to != ""), "file", state.lock_src).astype(object)
    why = state.lock_why.copy()
    auto = state.lock_auto.copy()
    stale = src == "successor"
    lock_to[stale], why[stale], src[stale] = "", "", ""
    auto[stale & (auto != "")] = ""
    owner = out["owner_id"].astype(str).to_numpy(dtype=object)
    target = np.array([heirs.get(o, "") for o in owner], dtype=object)
    pin = (target != "") & (lock_to == "")
    if "product" in out.columns:  # product rows: the successor's product decides
        carried = dict(zip(reps["rep_id"].astype(str), reps["product"].astype(str).str.strip()))
        prod = out["product"].astype(str).to_numpy(dtype=object)
        theirs = np.array([carried.get(t, "") for t in target], dtype=object)
        is_auto = np.array([str(c).lower() == "auto" for c in theirs], dtype=bool)
        take_auto = pin & is_auto & (auto == "")
        auto[take_auto] = target[take_auto]
        src[take_auto] = "successor"
        why[take_auto] = "goes to " + target[take_auto] + ", the named successor of " + owner[take_auto]
        pin &= ~is_auto & (theirs == prod)
    lock_to[pin] = target[pin]
    src[pin] = "successor"
    why[pin] = "goes to " + target[pin] + ", the named successor of " + owner[pin]
    return dataclasses.replace(state, lock_to=lock_to, lock_src=src, lock_why=why, lock_auto=auto)


def without_successor_warnings(warnings: list[Problem], reps: pd.DataFrame) -> list[Problem]:
    """Drop "owner R07 is not on the roster: N accounts will be reassigned" for leavers with a
    successor: their accounts go to the successor, as the summary says."""
    heirs = heir_of(reps)
    if not heirs:
        return warnings
    return [
        w for w in warnings if not (w.column == "owner_id" and w.value in heirs and w.severity != "error")
    ]


# --------------------------------------------------------------------------- rules


@dataclass
class RulesApplied:
    """The accounts (their ``locked`` column) and their record with the rules' decisions,
    and what to report."""

    accounts: pd.DataFrame
    state: AccountState
    problems: list[Problem] = field(default_factory=list)
    info: dict[str, Any] | None = None  # summary.json's "lock_rules" (without the counts)
    opportunities: tuple[str, str, int] | None = None  # (path, sha256, rows) when read


def rule_columns(cfg: PlanConfig, mapping: Mapping[str, str] | None) -> dict[str, str] | None:
    """The accounts' header mapping with every column a lock rule reads kept as it is.

    A rule's column is read by the rule: the reader must not take ``owner_since`` for a
    second owner column and refuse it. Canonical columns (segment, industry) stay canonical.
    """
    from .io.loading import ACCOUNT_COLUMNS, IGNORE, _key

    known = {_key(a) for aliases in ACCOUNT_COLUMNS.values() for a in aliases} | set(ACCOUNT_COLUMNS)
    given = {_key(k) for k in (mapping or {})}
    extra = {
        r.column.strip(): IGNORE
        for r in cfg.locks.rules
        if r.column.strip() and _key(r.column) not in known and _key(r.column) not in given
    }
    if not extra:
        return dict(mapping) if mapping is not None else None
    return {**(mapping or {}), **extra}


def resolve_column(df: pd.DataFrame, name: str) -> str | None:
    """The column ``name``, or the one column equal to it ignoring case, spaces, '_' and '-'."""
    from .conversion import _resolve

    if name.startswith("_"):
        return None
    return _resolve(df, name)


def _column_problem(rule: LockRule, index: int, df: pd.DataFrame, name: str, file: str) -> Problem:
    cols = [str(c) for c in df.columns if not str(c).startswith("_")]
    close = difflib.get_close_matches(name, cols, n=1, cutoff=0.6)
    return Problem(
        file,
        f"{rule.describe(index)} reads column '{name}', which the accounts do not have",
        row=1,
        column=name,
        hint=(f"did you mean '{close[0]}'? " if close else "")
        + "columns: "
        + ", ".join(cols[:30])
        + (", ..." if len(cols) > 30 else ""),
    )


def _as_of(cfg: PlanConfig, today: date | None) -> tuple[date, str]:
    if cfg.locks.as_of:
        return date.fromisoformat(cfg.locks.as_of.strip()), "locks.as_of"
    return (today or date.today()), "today"


EXCEL_EPOCH = date(1899, 12, 30)  # Excel's day 0 (its day numbers count from here)


def date_noun(column: str) -> str:
    """'renewal_date' -> 'renewal', 'owner_since' -> 'owner since', 'Contract End Date' -> 'contract end'."""
    words = column.replace("_", " ").replace("-", " ").split()
    if len(words) > 1 and words[-1].lower() == "date":
        words = words[:-1]
    return " ".join(words).lower() or column


def _listed(idx: np.ndarray, make: Any, file: str, what: str, column: str | None = None) -> list[Problem]:
    out = [make(int(i)) for i in idx[:SHOWN]]
    if len(idx) > SHOWN:
        out.append(more_problems(file, len(idx) - SHOWN, what, column=column))
    return out


def _bad_cells(
    df: pd.DataFrame,
    mask: np.ndarray,
    col: str,
    cells: pd.Series,
    file: str,
    message: str,
    hint: str,
    what: str,
) -> list[Problem]:
    """One problem per cell of ``col`` where ``mask`` holds (the first 20, then a count)."""
    rows = spreadsheet_rows(df)
    return _listed(
        np.flatnonzero(mask),
        lambda i: Problem(file, message, row=int(rows[i]), column=col, value=str(cells.iat[i]), hint=hint),
        file,
        what,
        col,
    )


def _date_rule(
    rule: LockRule, index: int, df: pd.DataFrame, col: str, as_of: date, file: str
) -> tuple[np.ndarray, np.ndarray, list[Problem]]:
    from .conversion import parse_dates

    label = rule.describe(index)
    text = df[col].astype(str).str.strip()
    filled = ~text.str.casefold().isin(_EMPTY)
    rows = spreadsheet_rows(df)
    n = len(df)
    try:
        dates, _notes = parse_dates(text.where(filled, ""), rule.date_format or None, file=file, column=col)
    except InputError as e:
        fix = 'add date_format = "%d/%m/%Y" (day first) or "%m/%d/%Y" (month first) to the rule'
        return (
            np.zeros(n, dtype=bool),
            np.full(n, "", dtype=object),
            [
                dataclasses.replace(
                    p,
                    message=f"{label}: {p.message}",
                    hint=(p.hint or "").replace(
                        "pass --date-format %d/%m/%Y (day first) or --date-format %m/%d/%Y (month first)",
                        fix,
                    ),
                )
                for p in e.problems
            ],
        )
    except ConfigError as e:
        raise ConfigError(f"{label}: {e}".replace("--date-format", "date_format")) from None
    values = dates.to_numpy(dtype="datetime64[ns]")
    unread = np.isnat(values) & filled.to_numpy()
    problems: list[Problem] = []
    if unread.any():
        year = text.str.extract(r"(?<!\d)(\d{4})(?!\d)")[0]
        yr = pd.to_numeric(year, errors="coerce").to_numpy()
        placeholder = unread & ~np.isnan(yr) & ((yr < 1900) | (yr > 2199))
        bad = unread & ~placeholder
        # Excel's day numbers (46439 is 2027-02-21): a date column saved without its format.
        number = pd.to_numeric(text.where(bad, ""), errors="coerce").to_numpy(dtype=float)
        serial = bad & (number >= 20_000) & (number < 80_000) & (number == np.floor(number))
        if serial.any():
            first = int(np.flatnonzero(serial)[0])
            when = EXCEL_EPOCH + timedelta(days=int(number[first]))
            problems += _bad_cells(
                df,
                serial,
                col,
                text,
                file,
                f"{label} needs a date here, not a spreadsheet's day number",
                f"Excel writes a date it does not format as its day number ({text.iat[first]} is "
                f"{when.isoformat()}): format the column as a date (YYYY-MM-DD) before saving, or "
                "export the file from the CRM again",
                f"cells of '{col}' that are day numbers",
            )
            bad = bad & ~serial
        fmt = f"dates as {rule.date_format}" if rule.date_format else "dates as YYYY-MM-DD"
        problems += _bad_cells(
            df,
            bad,
            col,
            text,
            file,
            f"{label} needs a date here",
            f"write {fmt}, or leave the cell empty (an empty cell matches no date rule)",
            f"cells of '{col}' that are not dates",
        )
        if placeholder.any():
            first = int(np.flatnonzero(placeholder)[0])
            k = int(placeholder.sum())
            problems.append(
                Problem(
                    file,
                    f"{k:,} account{'s have' if k != 1 else ' has'} a {col} before 1900 or after 2199 "
                    f"(a placeholder, not a date); {label} treats {'them' if k != 1 else 'it'} as empty",
                    row=int(rows[first]),
                    column=col,
                    value=str(text.iat[first]),
                    severity="warning",
                    hint="clear placeholder dates in the CRM export",
                )
            )
    day = np.datetime64(as_of, "D")
    d = values.astype("datetime64[D]")
    ok = ~np.isnat(d)
    if rule.within_days is not None:
        delta = (d - day).astype("int64")
        match = ok & (delta >= 0) & (delta <= rule.within_days)
        span = f"within {rule.within_days} days of {as_of.isoformat()}"
    else:
        delta = (day - d).astype("int64")
        match = ok & (delta >= 0) & (delta <= int(rule.within_last_days or 0))
        span = f"within {rule.within_last_days} days before {as_of.isoformat()}"
    noun = date_noun(col)
    joint = " " if noun.endswith(" since") else " on "
    detail = np.full(n, "", dtype=object)
    idx = np.flatnonzero(match)
    if len(idx):
        shown = pd.Series(d[idx]).dt.strftime("%Y-%m-%d").to_numpy(dtype=object)
        detail[idx] = noun + joint + shown + ", " + span
    return match, detail, problems


def _value_rule(
    rule: LockRule, index: int, df: pd.DataFrame, col: str, file: str
) -> tuple[np.ndarray, np.ndarray, list[Problem]]:
    label = rule.describe(index)
    cells = df[col].astype(str).str.strip()
    key = cells.str.casefold()
    filled = ~key.isin(_EMPTY)
    n = len(df)
    problems: list[Problem] = []
    seen = [str(v) for v in pd.unique(cells[filled])[:8]]
    if rule.equals is not None:
        want = ("true" if rule.equals else "false") if isinstance(rule.equals, bool) else rule.equals
        want_key = want.strip().casefold()
        boolish = bool(filled.any()) and bool(key[filled].isin(_BOOL_WORDS).all())
        if isinstance(rule.equals, bool) and not boolish:
            problems += _bad_cells(
                df,
                (filled & ~key.isin(_BOOL_WORDS)).to_numpy(),
                col,
                cells,
                file,
                f"{label} compares with true/false, but this cell is not true or false",
                f'write true or false (yes/no, 1/0), or compare as text: equals = "{want}"',
                f"cells of '{col}' that are not true or false",
            )
            return np.zeros(n, dtype=bool), np.full(n, "", dtype=object), problems
        if boolish and want_key in _BOOL_WORDS:
            match = (filled & key.isin(TRUE_WORDS - {""}).eq(want_key in TRUE_WORDS)).to_numpy()
        else:
            match = (filled & key.eq(want_key)).to_numpy()
        wanted = repr(want)
    else:
        wants = [v.strip().casefold() for v in rule.in_]
        match = (filled & key.isin(wants)).to_numpy()
        wanted = "one of " + ", ".join(repr(v) for v in rule.in_)
    detail = np.full(n, "", dtype=object)
    idx = np.flatnonzero(match)
    if len(idx):
        detail[idx] = col + " is " + cells.to_numpy(dtype=object)[idx]
        if rule.in_:
            detail[idx] = detail[idx] + " (" + ", ".join(rule.in_) + ")"
    elif n:
        problems.append(
            Problem(
                file,
                f"{label} matches no account: no '{col}' cell is {wanted}",
                column=col,
                severity="warning",
                hint="values seen: "
                + (", ".join(repr(v) for v in seen) if seen else "none (the column is empty)"),
            )
        )
    return match, detail, problems


# The opportunities file: one row per opportunity, with its account and stage.
OPP_ID_NAMES = ("opportunityid", "opportunity", "oppid", "dealid", "recordid", "id")


@dataclass
class _Opportunities:
    label: str
    table: pd.DataFrame
    account: np.ndarray  # position of the account in the accounts frame, -1 = not there
    stage: pd.Series  # as written
    stage_key: pd.Series  # normalised
    opp_id: pd.Series | None
    stage_column: str
    closed: np.ndarray
    sha256: str


def _read_opportunities(
    path: str, accounts: pd.DataFrame, cfg: PlanConfig, limits: Any
) -> tuple[_Opportunities | None, list[Problem]]:
    from .conversion import LOST_STAGES, STAGE_NAMES, WON_STAGES, _find, _norm, _resolve
    from .io.loading import read_table
    from .pipeline import sha256_file

    label = str(path)
    try:
        raw = read_table(path, limits=limits)
    except InputError as e:
        return None, e.problems + e.warnings
    problems: list[Problem] = list(raw.attrs.get("problems", []))
    key = _resolve(raw, cfg.locks.opportunity_account)
    stage = (
        _resolve(raw, cfg.locks.opportunity_stage) if cfg.locks.opportunity_stage else _find(raw, STAGE_NAMES)
    )
    cols = ", ".join(str(c) for c in raw.columns)
    if key is None:
        problems.append(
            Problem(
                label,
                f"no column '{cfg.locks.opportunity_account}' naming the opportunity's account",
                row=1,
                column=cfg.locks.opportunity_account,
                hint=f"set locks.opportunity_account to the column that holds the account id; columns: {cols}",
            )
        )
    if stage is None:
        want = cfg.locks.opportunity_stage or "stage"
        problems.append(
            Problem(
                label,
                f"no column '{want}' with the opportunity's stage",
                row=1,
                column=want,
                hint=f"set locks.opportunity_stage to the column that holds the stage; columns: {cols}",
            )
        )
    if key is None or stage is None:
        return None, problems
    ids = raw[key].astype(str).str.strip()
    pos = pd.Series(np.arange(len(accounts)), index=pd.Index(accounts["account_id"].astype(str)))
    pos = pos[~pos.index.duplicated()]
    account = ids.map(pos).fillna(-1).to_numpy(dtype=np.int64)
    stage_text = raw[stage].astype(str).str.strip()
    stage_key = stage_text.map(_norm)
    closed = stage_key.isin(WON_STAGES + LOST_STAGES).to_numpy()
    opp_col = _find(raw, OPP_ID_NAMES)
    opp_id = raw[opp_col].astype(str).str.strip() if opp_col and opp_col != key else None
    unknown = np.flatnonzero((account < 0) & ids.ne("").to_numpy())
    if len(unknown):
        rows = np.asarray(raw.index, dtype=np.int64) + 2
        problems.append(
            Problem(
                label,
                f"{len(unknown):,} opportunit{'ies name accounts' if len(unknown) != 1 else 'y names an account'} "
                "not in the accounts file; the lock rules leave "
                f"{'them' if len(unknown) != 1 else 'it'} out (first: row {int(rows[unknown[0]])})",
                row=int(rows[unknown[0]]),
                column=key,
                value=str(ids.iat[unknown[0]]),
                severity="warning",
                hint="an export of every opportunity may hold accounts outside this plan; nothing to do if so",
            )
        )
    return (
        _Opportunities(label, raw, account, stage_text, stage_key, opp_id, stage, closed, sha256_file(path)),
        problems,
    )


def _stage_rule(
    rule: LockRule, index: int, cfg: PlanConfig, opps: _Opportunities, n: int
) -> tuple[np.ndarray, np.ndarray, list[Problem]]:
    from .conversion import _norm

    label = rule.describe(index)
    order = list(rule.stages or cfg.locks.stages)
    file = opps.label
    open_ = ~opps.closed
    problems: list[Problem] = []
    none = (np.zeros(n, dtype=bool), np.full(n, "", dtype=object))
    if not order:
        found = [str(s) for s in pd.unique(opps.stage[open_ & opps.stage_key.ne("").to_numpy()])[:12]]
        raise ConfigError(
            f"{label}: give the order of the opportunity stages, earliest first, in the rule "
            f"(stages = [...]) or in [locks] stages = [...]; open stages in {file}: "
            + (", ".join(found) if found else "none")
        )
    keys = [_norm(s) for s in order]
    if _norm(rule.stage_at_least) not in keys:
        raise ConfigError(
            f"{label}: stage '{rule.stage_at_least}' is not in the stage order " + ", ".join(order)
        )
    rank = {k: i for i, k in enumerate(keys)}
    threshold = rank[_norm(rule.stage_at_least)]
    rows = np.asarray(opps.table.index, dtype=np.int64) + 2
    mine = open_ & (opps.account >= 0)
    empty = np.flatnonzero(mine & opps.stage_key.eq("").to_numpy())
    problems += _listed(
        empty,
        lambda i: Problem(
            file,
            f"opportunity has no stage, so {label} cannot tell whether it is open and how far along",
            row=int(rows[i]),
            column=opps.stage_column,
            hint="fill in the stage (or Closed Won / Closed Lost), or remove the row",
        ),
        file,
        "opportunities without a stage",
        opps.stage_column,
    )
    stage_rank = opps.stage_key.map(rank)
    unknown = mine & opps.stage_key.ne("").to_numpy() & stage_rank.isna().to_numpy()
    if unknown.any():
        counts = opps.stage[unknown].value_counts(sort=False)
        for name, k in list(counts.items())[:SHOWN]:
            first = int(np.flatnonzero(unknown & opps.stage.eq(name).to_numpy())[0])
            problems.append(
                Problem(
                    file,
                    f"{k:,} open opportunit{'ies are' if k != 1 else 'y is'} at stage '{name}', which is "
                    f"not in the stage order of {label}",
                    row=int(rows[first]),
                    column=opps.stage_column,
                    value=str(name),
                    hint="add the stage in its place to stages (earliest first): "
                    + ", ".join(order)
                    + "; won and lost stages (Won, Closed Won, Lost, Closed Lost) are recognised",
                )
            )
    if problems:
        return *none, problems
    r = stage_rank.fillna(-1).to_numpy(dtype=np.int64)
    late = np.flatnonzero(mine & (r >= threshold))
    match = np.zeros(n, dtype=bool)
    detail = np.full(n, "", dtype=object)
    if len(late):
        # The most advanced open opportunity of each account (the first listed on a tie).
        pick = pd.DataFrame({"acc": opps.account[late], "rank": r[late], "i": late})
        pick = pick.sort_values(["acc", "rank", "i"], ascending=[True, False, True], kind="stable")
        pick = pick.drop_duplicates("acc")
        for a, i in zip(pick["acc"].tolist(), pick["i"].tolist()):
            match[a] = True
            oid = f" {opps.opp_id.iat[i]}" if opps.opp_id is not None and opps.opp_id.iat[i] else ""
            detail[a] = f"open opportunity{oid} at {opps.stage.iat[i]} ({rule.stage_at_least} or later)"
    return match, detail, problems


def apply_lock_rules(
    accounts: pd.DataFrame,
    reps: pd.DataFrame,
    cfg: PlanConfig,
    file: str,
    state: AccountState,
    *,
    limits: Any = None,
    today: date | None = None,
) -> RulesApplied:
    """Evaluate every ``[[locks.rules]]`` table on the accounts and lock what they keep.

    An account a rule matches is locked (kept with its owner) when its owner is on the
    roster and no locks file names another rep for it; the summary counts the rest. Every
    problem of every rule is collected: unknown columns, cells that are not dates, unknown
    opportunity stages. ``today`` stands in for the day the plan runs (tests).
    """
    rules = cfg.locks.rules
    out = RulesApplied(accounts, state)
    stage_rules = [i for i, r in enumerate(rules, 1) if r.stage_at_least]
    if cfg.locks.opportunities and not stage_rules:
        out.problems.append(
            Problem(
                cfg.locks.opportunities,
                "an opportunities file is given, but no lock rule reads it (stage_at_least)",
                severity="warning",
                hint='add a rule such as [[locks.rules]] stage_at_least = "Proposal", or leave out --opportunities',
            )
        )
    if not rules:
        return out
    n = len(accounts)
    needs_date = any(r.within_days is not None or r.within_last_days is not None for r in rules)
    as_of, as_of_from = _as_of(cfg, today)
    opps = None
    if stage_rules:
        if not cfg.locks.opportunities:
            first = rules[stage_rules[0] - 1]
            raise ConfigError(
                f"{first.describe(stage_rules[0])} needs the opportunities file: pass --opportunities "
                'FILE, or set opportunities = "FILE" under [locks]'
            )
        opps, p = _read_opportunities(cfg.locks.opportunities, accounts, cfg, limits)
        out.problems += p
        if opps is not None:
            out.opportunities = (opps.label, opps.sha256, len(opps.table))
    matches: list[np.ndarray] = []
    details: list[np.ndarray] = []
    described = []
    for i, rule in enumerate(rules, start=1):
        match = np.zeros(n, dtype=bool)
        detail = np.full(n, "", dtype=object)
        if rule.stage_at_least:
            if opps is not None:
                match, detail, p = _stage_rule(rule, i, cfg, opps, n)
                out.problems += p
                if not match.any() and not p:
                    out.problems.append(
                        Problem(
                            opps.label,
                            f"{rule.describe(i)} matches no account: no open opportunity is at "
                            f"{rule.stage_at_least} or later",
                            severity="warning",
                        )
                    )
        else:
            col = resolve_column(accounts, rule.column.strip())
            if col is None:
                out.problems.append(_column_problem(rule, i, accounts, rule.column.strip(), file))
            elif rule.within_days is not None or rule.within_last_days is not None:
                match, detail, p = _date_rule(rule, i, accounts, col, as_of, file)
                out.problems += p
                if not match.any() and not [q for q in p if q.severity == "error"] and n:
                    out.problems.append(
                        Problem(
                            file,
                            f"{rule.describe(i)} matches no account: no '{col}' date is "
                            + (
                                f"within {rule.within_days} days of {as_of.isoformat()}"
                                if rule.within_days is not None
                                else f"within {rule.within_last_days} days before {as_of.isoformat()}"
                            ),
                            column=col,
                            severity="warning",
                            hint="check the as-of date (--as-of) and the number of days",
                        )
                    )
            else:
                match, detail, p = _value_rule(rule, i, accounts, col, file)
                out.problems += p
        matches.append(match)
        details.append(detail)
        test = rule.tests()[0]
        described.append(
            {
                "rule": i,
                "name": rule.name,
                "text": rule.text(),
                "test": test,
                "column": rule.column if not rule.stage_at_least else "",
            }
        )
    # The same test twice keeps the same accounts twice: say so (it is harmless but double-counts).
    texts = [r.text() for r in rules]
    for i, t in enumerate(texts, start=1):
        j = texts.index(t) + 1
        if j != i:
            out.problems.append(
                Problem(
                    file,
                    f"{rules[i - 1].describe(i)} repeats lock rule {j}",
                    severity="warning",
                    hint="remove one of the two",
                )
            )
    if any(p.severity == "error" for p in out.problems):
        return out
    m = np.column_stack(matches) if matches else np.zeros((n, 0), dtype=bool)
    any_match = m.any(axis=1)
    owner = accounts["owner_id"].astype(str).to_numpy(dtype=object)
    on_roster = np.isin(owner, reps["rep_id"].astype(str).to_numpy(dtype=object))
    lock_to = state.lock_to
    given = accounts["locked"].to_numpy(dtype=bool)
    elsewhere = any_match & on_roster & (lock_to != "") & (lock_to != owner)
    keep = any_match & on_roster & (lock_to == "")
    by_rule = keep & ~given
    labels = [r.describe(i) for i, r in enumerate(rules, start=1)]
    rule_ids = np.full(n, "", dtype=object)
    reason = np.full(n, "", dtype=object)
    why = np.full(n, "", dtype=object)
    for a in np.flatnonzero(any_match).tolist():
        hit = np.flatnonzero(m[a])
        rule_ids[a] = ";".join(str(k + 1) for k in hit)
        if by_rule[a]:
            reason[a] = "kept: " + "; ".join(str(details[k][a]) for k in hit)
            why[a] = f"is kept with {owner[a]} by {labels[hit[0]]}"
    acc = accounts.copy()
    acc["locked"] = given | keep
    prior = state.lock_why
    out.state = dataclasses.replace(
        state,
        rule_match=rule_ids,
        lock_by_rule=by_rule,
        lock_reason=reason,
        lock_why=np.where(prior != "", prior, why).astype(object),
    )
    if elsewhere.any():
        rows = spreadsheet_rows(accounts)
        at = int(np.flatnonzero(elsewhere)[0])
        k = int(elsewhere.sum())
        out.problems.append(
            Problem(
                file,
                f"{k:,} account{'s' if k != 1 else ''} that lock rules keep with the owner "
                f"{'are' if k != 1 else 'is'} pinned to another rep in the locks file; the locks file wins "
                f"(first: {accounts['account_id'].iat[at]}, kept by {labels[int(np.flatnonzero(m[at])[0])]}, "
                f"pinned to {lock_to[at]})",
                row=int(rows[at]),
                column="account_id",
                value=str(accounts["account_id"].iat[at]),
                severity="warning",
                hint="remove the line from the locks file to keep the account with its owner",
            )
        )
    out.accounts = acc
    out.info = {
        "as_of": as_of.isoformat() if needs_date else None,
        "as_of_from": as_of_from if needs_date else None,
        "rules": described,
    }
    return out


# --------------------------------------------------------------------------- after the solve


def rule_reasons(rows: pd.DataFrame, state: AccountState, reasons: np.ndarray, new: np.ndarray) -> np.ndarray:
    """Reasons that say which rule kept an account, or that a successor took it.

    Replaces the "locked to R05" the plan gives a pinned account (a product suffix such as
    "; core fit Tier 1" stays), and "family follows A1, locked to R05" for its family.
    """
    by_rule = state.lock_by_rule
    succ = state.lock_src == "successor"
    if not by_rule.any() and not succ.any():
        return reasons
    out = reasons.copy()
    n = len(rows)
    text = np.full(n, "", dtype=object)
    text[by_rule] = state.lock_reason[by_rule]
    if succ.any():
        prev = rows["owner_id"].astype(str).to_numpy(dtype=object)
        if "previous_owner_id" in rows.columns:
            prev = rows["previous_owner_id"].astype(str).to_numpy(dtype=object)
        text[succ] = prev[succ] + " left the roster; to the named successor " + new[succ]
    ids = rows["account_id"].astype(str).to_numpy(dtype=object)
    family = rows["family_id"].astype(str).to_numpy(dtype=object) if "family_id" in rows.columns else ids
    # A family's members name the pinned member: "family follows A1, locked to R05" (pinned
    # through a subsidiary) or "follows parent A1; locked to R05" (the parent is pinned).
    by_family: dict[object, list[tuple[str, str]]] = {}
    for i in np.flatnonzero(text != "").tolist():
        head = f"locked to {new[i]}"
        was = str(out[i])
        if was.startswith(head):
            out[i] = text[i] + was[len(head) :]
            by_family.setdefault(family[i], []).append(
                (f"family follows {ids[i]}, locked to {new[i]}", f"family follows {ids[i]} ({text[i]})")
            )
            by_family[family[i]].append(("; " + was, "; " + str(out[i])))
    if by_family:
        for i in np.flatnonzero(pd.Series(family).isin(list(by_family)).to_numpy()).tolist():
            reason = str(out[i])
            for old, repl in by_family[family[i]]:
                if reason.startswith(old):
                    out[i] = repl + reason[len(old) :]
                    break
                if reason.startswith("follows parent ") and reason.endswith(old):
                    out[i] = reason[: -len(old)] + repl
                    break
    return out


def without_rule_locks(rows: pd.DataFrame, state: AccountState) -> tuple[pd.DataFrame, AccountState]:
    """The rows and their record as they were before the lock rules: locks the rules added
    are taken off."""
    by_rule = state.lock_by_rule
    out = rows.assign(locked=rows["locked"].to_numpy(dtype=bool) & ~by_rule)
    # product = auto reps: a rule's lock became a conditional pin
    auto = np.where(by_rule & (state.lock_src != "successor"), "", state.lock_auto).astype(object)
    return out, dataclasses.replace(state, lock_auto=auto, lock_by_rule=np.zeros(len(rows), dtype=bool))


def kept_anyway_owners(inp: Any, progress: Progress | None = None) -> np.ndarray | None:
    """The owner of every planned row in the plan the same input gives without the lock rules.

    ``None`` when no rule locked anything (the plan is the same) or the plan without them
    cannot be solved (it is then not a measure of anything).
    """
    from .errors import InfeasiblePlanError
    from .pipeline import PlanInput, solve_input
    from .progress import reporter

    if not inp.state.lock_by_rule.any():
        return None
    acc, state = without_rule_locks(inp.accounts, inp.state)
    free = PlanInput(acc, inp.reps, inp.config, inp.inputs, inp.warnings, state=state, roster=inp.roster)
    free.extras.update({k: v for k, v in inp.extras.items() if k != "lock_rules"})
    try:
        plan = solve_input(free, reporter(progress))
    except InfeasiblePlanError:
        return None
    return plan.accounts["owner_id"].astype(str).to_numpy(dtype=object)


def lock_rules_summary(p: Any) -> dict[str, Any] | None:
    """summary.json's "lock_rules": per rule, the accounts it matched, kept and kept anyway.

    ``kept``: matched accounts that stay with their current owner (on the roster) in this
    plan; ``kept_anyway``: of those, the ones the plan without the lock rules keeps with that
    owner too (``None`` when that plan was not solved); ``not_kept``: matched accounts whose
    owner left the roster (or who have none), or that a locks file pins to another rep.
    """
    info = p.extras.get("lock_rules")
    leavers: Sequence[Mapping[str, Any]] = p.extras.get("successors") or ()
    if not info and not leavers:
        return None
    a = p.accounts
    prev = a["previous_owner_id"].astype(str).to_numpy(dtype=object)
    new = a["owner_id"].astype(str).to_numpy(dtype=object)
    roster = set(p.reps["rep_id"].astype(str))
    on_roster = np.array([x in roster for x in prev], dtype=bool)
    stays = on_roster & (new == prev)
    anyway = p.extras.get("kept_anyway_owners")
    anyway_stays = (anyway == prev) & on_roster if anyway is not None and len(anyway) == len(a) else None
    product = "product" in a.columns
    out: dict[str, Any] = {"unit": "account-product rows" if product else "accounts"}
    if info:
        out["as_of"] = info["as_of"]
        out["as_of_from"] = info["as_of_from"]
        sets = [frozenset(c.split(";")) - {""} for c in p.state.rule_match.tolist()]
        rules = []
        for r in info["rules"]:
            k = str(r["rule"])
            m = np.array([k in s for s in sets], dtype=bool)
            kept = m & stays
            rules.append(
                {
                    **r,
                    "matched": int(m.sum()),
                    "kept": int(kept.sum()),
                    "kept_anyway": int((kept & anyway_stays).sum()) if anyway_stays is not None else None,
                    "not_kept": {
                        "owner_left_or_none": int((m & ~on_roster).sum()),
                        "moved": int((m & on_roster & (new != prev)).sum()),
                    },
                }
            )
        matched = np.array([bool(s) for s in sets], dtype=bool)
        kept_all = matched & stays
        out["rules"] = rules
        out["kept"] = int(kept_all.sum())
        out["kept_anyway"] = int((kept_all & anyway_stays).sum()) if anyway_stays is not None else None
    if leavers:
        out["successors"] = [
            {
                **lv,
                "accounts": int((prev == lv["rep_id"]).sum()),
                "to_successor": int(((prev == lv["rep_id"]) & (new == lv["successor"])).sum()),
            }
            for lv in leavers
        ]
    return out


def successor_cover_warnings(
    accounts: pd.DataFrame, reps: pd.DataFrame, config: PlanConfig, file: str, state: AccountState
) -> list[Problem]:
    """A successor's pin wins over eligibility, but say so: the successor does not cover the account."""
    succ = state.lock_src == "successor"
    if not succ.any():
        return []
    from .eligibility import eligibility
    from .pipeline import owner_covers

    keys, cover_sets = eligibility(accounts, reps, config)
    rep_pos = {r: i for i, r in enumerate(reps["rep_id"].astype(str))}
    lock_to = state.lock_to
    target = pd.Series(lock_to).map(rep_pos).fillna(-1).to_numpy(dtype=np.int64)
    outside = succ & (target >= 0) & ~owner_covers(target, keys, cover_sets)
    if not outside.any():
        return []
    rows = spreadsheet_rows(accounts)
    owner = accounts["owner_id"].astype(str).to_numpy(dtype=object)
    out = []
    for successor in sorted(set(lock_to[outside])):
        mine = np.flatnonzero(outside & (lock_to == successor))
        i = int(mine[0])
        out.append(
            Problem(
                file,
                f"{len(mine):,} account{'s' if len(mine) != 1 else ''} of {owner[i]} go{'' if len(mine) != 1 else 'es'} "
                f"to the named successor {successor}, who does not cover "
                f"{'their' if len(mine) != 1 else 'its'} region (first: {accounts['account_id'].iat[i]}, "
                f"region '{accounts['region'].iat[i]}'); the successor takes them anyway",
                row=int(rows[i]),
                column="owner_id",
                value=str(owner[i]),
                severity="warning",
                hint=f"give {successor} the region in the roster, or name another successor",
            )
        )
    return out
