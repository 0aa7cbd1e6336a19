"""Managers' requests: an account to a named rep (or kept with its owner), and their price.

A requests file has one line per request: ``account_id``, ``rep_id`` (the rep asked for, or
``keep`` for the current owner), ``requested_by`` and ``note``. ``read_requests`` checks it
with the other inputs (unknown ids, conflicting lines, locks, eligibility) so every problem is
reported at once.

``solve_with_requests`` plans as ``solve_input`` does and honours each request the rules
allow, as a pin (the way a locks file pins an account). Each request is priced on its own
against the plan without requests: one extra solve per request that the plan does not
already grant. A request is refused when the hard rules cannot hold with it, or (with
``requests.bands = "hold"``, the default) when it would put a rep outside a tier or
potential band, or further outside, than the plan without it; the refusal says which rep,
by how much, and the band that would make room. ``price_request`` answers the same question
for one account (``territory explain PLAN ACCOUNT --to REP``).
"""

from __future__ import annotations

import dataclasses
import difflib
import math
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from .accountstate import AccountState
from .config import PlanConfig
from .errors import InfeasiblePlanError, InputError, Problem, more_problems
from .plan_result import measure_setting, plain_name
from .progress import REQUESTS, Progress, no_progress

REQUESTS_FILE = "requests.csv"
KEEP = "keep"
HONOURED = "honoured"
REFUSED = "refused"
SHOWN = 20  # problems listed per kind; the rest are counted
MEASURE_SLACK = (
    0.001  # a request may move a rep's measure (potential, ...) this far (of its fair share) outside
)

REQUEST_COLUMNS: dict[str, tuple[str, ...]] = {
    "account_id": ("account_id", "accountid", "id", "account"),
    "rep_id": ("rep_id", "repid", "rep", "requested_rep", "to_rep", "owner_id", "owner"),
    "requested_by": ("requested_by", "requestedby", "requester", "by", "manager"),
    "note": ("note", "notes", "comment", "comments", "why"),
    "product": ("product", "product_name"),  # with product ICPs: the account-product row asked for
}


@dataclass(frozen=True)
class Request:
    """One line of a requests file; ``target`` is the rep the account is pinned to."""

    row: int | None
    account_id: str
    rep: str  # as written: a rep id, or "keep"
    target: str
    requested_by: str = ""
    note: str = ""
    product: str = ""  # with product ICPs: the product whose owner is asked for

    @property
    def keep(self) -> bool:
        return self.rep.casefold() == KEEP

    @property
    def row_key(self) -> str:
        """The plan row the request is about: the account, or its product row (``A1::core``)."""
        from .products import ROW_SEP

        return self.account_id + (ROW_SEP + self.product if self.product else "")

    @property
    def label(self) -> str:
        """ "A00012", or "A00012 (core)" with product ICPs."""
        return self.account_id + (f" ({self.product})" if self.product else "")

    def reason(self) -> str:
        """The account's reason in assignments.csv: "requested by Rachel Goldberg: <note>"."""
        text = "requested" + (f" by {self.requested_by}" if self.requested_by else "")
        if self.keep:
            text += " (keep with the owner)"
        return text + (f": {self.note}" if self.note else "")


@dataclass(frozen=True)
class RequestSet:
    """The checked requests of one file, in file order."""

    file: str
    sha256: str
    requests: tuple[Request, ...]


@dataclass
class RequestOutcome:
    """A request, honoured or refused, with its price against the plan without requests.

    ``moves``: accounts moved in the plan with the request minus the plan without it;
    ``changed``: accounts whose owner differs between the two plans (the requested account
    and its family included); ``cost``: the plan's objective with minus without (in moves);
    ``rep`` / ``giver``: the requested rep's and the planned owner's count of the account's
    tier with the request, and their band; ``breaches``: where the request pushes a rep
    outside a band (refused with ``requests.bands = "hold"``); ``needs``: the setting values
    that make room.
    """

    request: Request
    status: str
    planned_owner: str
    reason: str
    moves: int | None = None
    changed: int | None = None
    cost: float | None = None
    rep: dict[str, Any] | None = None
    giver: dict[str, Any] | None = None
    breaches: list[dict[str, Any]] = field(default_factory=list)
    needs: dict[str, float] = field(default_factory=dict)
    already: bool = False

    @property
    def honoured(self) -> bool:
        return self.status == HONOURED

    def as_dict(self) -> dict[str, Any]:
        r = self.request
        return {
            "row": r.row,
            "account_id": r.account_id,
            **({"product": r.product} if r.product else {}),
            "requested_rep": r.rep,
            "rep_id": r.target,
            "requested_by": r.requested_by,
            "note": r.note,
            "status": self.status,
            "planned_owner": self.planned_owner,
            "price": {
                "moves": self.moves,
                "owners_changed": self.changed,
                "cost": None if self.cost is None else round(self.cost, 6),
                "rep": self.rep,
                "giver": self.giver,
            },
            "breaches": self.breaches,
            "needs": self.needs,
            "reason": self.reason,
        }


# --------------------------------------------------------------------------- reading


def _clean(text: str) -> str:
    """A cell as one line of plain text (control characters become spaces)."""
    return re.sub(r"[\x00-\x1f\x7f]+", " ", text).strip()


def did_you_mean(value: str, known: Sequence[str], names: Mapping[str, str] | None = None) -> str:
    """ "did you mean 'A00012'?" for an id that is not known ('' when nothing is close)."""
    v = value.strip()
    folded = {k.casefold(): k for k in known}
    if v.casefold() in folded:
        return f"did you mean '{folded[v.casefold()]}'? "
    if names:
        by_name = {n.casefold(): k for k, n in names.items() if n}
        if v.casefold() in by_name:
            return f"did you mean '{by_name[v.casefold()]}' ({names[by_name[v.casefold()]]})? "
    # Only ids of about the same length are compared, so a million accounts stay fast.
    pool = [k for k in known if abs(len(k) - len(v)) <= 2]
    if len(pool) > 200_000:
        return ""
    close = difflib.get_close_matches(v, pool, n=1, cutoff=0.6)
    return f"did you mean '{close[0]}'? " if close else ""


def read_requests(
    path: str | Path,
    accounts: pd.DataFrame,
    state: AccountState,
    reps: pd.DataFrame,
    cfg: PlanConfig,
    accounts_file: str,
    *,
    limits: Any = None,
    problems_so_far: Sequence[Problem] = (),
) -> tuple[RequestSet, list[Problem]]:
    """Read and check a requests file against the loaded accounts and roster.

    Every problem is returned (none raised, except for a file that cannot be read at all):
    unknown accounts and reps (with a did-you-mean), an account asked for twice with
    different reps, requests against a lock, a locks file, a named successor or a locked
    family member, ``keep`` for an account without an owner on the roster, and a rep who
    cannot carry the account (region, segment). The eligibility checks run only when the
    accounts have no other errors (their regions may not be right yet).
    """
    from .io.loading import canonicalise_headers, missing_columns_problem, read_table
    from .pipeline import sha256_file

    label = str(path)
    raw = read_table(path, limits=limits)
    table, problems = canonicalise_headers(raw, REQUEST_COLUMNS, label)
    problems = list(raw.attrs.get("problems", [])) + problems
    empty = RequestSet(label, sha256_file(path), ())
    bad_file = missing_columns_problem(
        label,
        raw,
        table,
        REQUEST_COLUMNS,
        ("account_id", "rep_id"),
        "a requests file has the columns account_id,rep_id,requested_by,note; ",
    )
    if bad_file is not None:
        return empty, [*problems, bad_file]
    rows = [int(i) + 2 for i in table.index]

    def col(name: str) -> list[str]:
        if name not in table.columns:
            return [""] * len(table)
        return [_clean(str(x)) for x in table[name].fillna("").astype(str).tolist()]

    wanted = [
        Request(row, a, r, r, by, note, prod)
        for row, a, r, by, note, prod in zip(
            rows, col("account_id"), col("rep_id"), col("requested_by"), col("note"), col("product")
        )
    ]
    from .products import product_mode

    if product_mode(reps):
        # Checked once the accounts are product rows (``check_product_requests``).
        return dataclasses.replace(empty, requests=tuple(wanted)), problems
    for q in wanted:
        if q.product:
            problems.append(
                Problem(
                    label,
                    "the line names a product, but no rep carries a product (product ICPs)",
                    row=q.row,
                    column="product",
                    value=q.product,
                    hint="leave the product column empty, or give the reps their product in the "
                    "roster's product column",
                )
            )
    found, p = check_requests(wanted, accounts, state, reps, cfg, label, accounts_file, problems_so_far)
    return dataclasses.replace(empty, requests=tuple(found)), problems + p


def check_requests(
    wanted: Sequence[Request],
    accounts: pd.DataFrame,
    state: AccountState,
    reps: pd.DataFrame,
    cfg: PlanConfig,
    label: str,
    accounts_file: str,
    problems_so_far: Sequence[Problem] = (),
    families: Sequence[str] | None = None,
) -> tuple[list[Request], list[Problem]]:
    """The requests that can be planned (``target`` filled in), and the problems of the rest.

    ``families``: each row's family when the rows are not the accounts file's (product rows,
    whose families are per product); else families come from ``parent_id``."""
    ids = accounts["account_id"].astype(str).tolist()
    pos = {a: i for i, a in enumerate(ids)}
    rep_ids = reps["rep_id"].astype(str).tolist()
    names = dict(zip(rep_ids, reps["name"].astype(str).tolist())) if "name" in reps.columns else {}
    owner = accounts["owner_id"].astype(str).tolist() if "owner_id" in accounts.columns else [""] * len(ids)
    acc_rows = state.source_row
    kinds: dict[str, list[Problem]] = {}

    def add(kind: str, p: Problem) -> None:
        kinds.setdefault(kind, []).append(p)

    ok: list[Request] = []
    first: dict[str, Request] = {}
    for q in wanted:
        if not q.account_id:
            add(
                "no account",
                Problem(
                    label,
                    "the line names no account",
                    row=q.row,
                    column="account_id",
                    hint="give the account_id of the account the request is about",
                ),
            )
            continue
        if q.account_id not in pos:
            add(
                "unknown accounts",
                Problem(
                    label,
                    "account is not in the accounts file",
                    row=q.row,
                    column="account_id",
                    value=q.account_id,
                    hint=did_you_mean(q.account_id, ids) + "check the id, or remove the line",
                ),
            )
            continue
        i = pos[q.account_id]
        if not q.rep:
            add(
                "no rep",
                Problem(
                    label,
                    "the line names no rep",
                    row=q.row,
                    column="rep_id",
                    value=q.account_id,
                    hint="give the rep_id of the rep asked for, or keep to keep the current owner",
                ),
            )
            continue
        if q.keep:
            o = owner[i]
            if not o:
                add(
                    "keep without owner",
                    Problem(
                        label,
                        f"keep asks to keep {q.account_id} with its owner, but it has none",
                        row=q.row,
                        column="rep_id",
                        value=q.rep,
                        hint="name the rep the account should go to instead of keep",
                    ),
                )
                continue
            if o not in names and o not in rep_ids:
                add(
                    "keep without owner",
                    Problem(
                        label,
                        f"keep asks to keep {q.account_id} with its owner {o}, who is not on the roster",
                        row=q.row,
                        column="rep_id",
                        value=q.rep,
                        hint="name a rep on the roster instead of keep",
                    ),
                )
                continue
            q = dataclasses.replace(q, rep=KEEP, target=o)
        elif q.rep not in names and q.rep not in rep_ids:
            add(
                "unknown reps",
                Problem(
                    label,
                    "rep is not on the roster",
                    row=q.row,
                    column="rep_id",
                    value=q.rep,
                    hint=did_you_mean(q.rep, rep_ids, names)
                    + "name a rep on the roster, or keep for the current owner",
                ),
            )
            continue
        seen = first.get(q.account_id)
        if seen is not None:
            if seen.target != q.target:
                add(
                    "conflicting requests",
                    Problem(
                        label,
                        f"{q.account_id} is requested for {q.target} here and for {seen.target} on row {seen.row}",
                        row=q.row,
                        column="rep_id",
                        value=q.rep,
                        hint="keep one line per account: decide between the two requests",
                    ),
                )
            continue  # the same request twice is harmless: the first line counts
        first[q.account_id] = q
        ok.append(q)
    # Locks: a request cannot move an account a lock keeps elsewhere (name both).
    lock_to = state.lock_to.tolist()
    src = state.lock_src.tolist()
    locked = (
        accounts["locked"].to_numpy(dtype=bool) if "locked" in accounts.columns else np.zeros(len(ids), bool)
    )
    rule = state.lock_reason.tolist()
    by_rule = state.lock_by_rule
    roster = set(rep_ids)

    def pin_of(i: int) -> tuple[str, str]:
        """The rep account ``i`` is pinned to and how ('' when free)."""
        if lock_to[i]:
            if src[i] == "successor":
                return lock_to[i], f"goes to the named successor {lock_to[i]} (its owner {owner[i]} leaves)"
            return lock_to[i], f"is pinned to {lock_to[i]} in the locks file"
        if locked[i] and owner[i] in roster:
            how = f"by lock rule ({rule[i]})" if by_rule[i] and rule[i] else "by its locked column"
            return owner[i], f"is locked to its owner {owner[i]} {how}"
        return "", ""

    fam = None
    if families is not None and cfg.families.mode == "together":
        fam = [str(f) for f in families]
    elif "parent_id" in accounts.columns and cfg.families.mode == "together":
        from .hierarchy import resolve_families

        fam = resolve_families(accounts, accounts_file)[0].astype(str).tolist()
    members: dict[str, list[int]] = {}
    if fam is not None:
        for i, f in enumerate(fam):
            members.setdefault(f, []).append(i)
    kept: list[Request] = []
    asked: dict[str, Request] = {}
    for q in ok:
        i = pos[q.account_id]
        to, how = pin_of(i)
        if to and to != q.target:
            add(
                "requests against a lock",
                Problem(
                    label,
                    f"{q.account_id} {how} (accounts file row {acc_rows[i]}), but this line asks for {q.target}",
                    row=q.row,
                    column="rep_id",
                    value=q.rep,
                    hint="remove the request, or lift the lock (locked column, locks file or lock rule)",
                ),
            )
            continue
        family = members.get(fam[i], [i]) if fam is not None else [i]
        clash = ""
        for j in family:
            if j == i:
                continue
            to, how = pin_of(j)
            if to and to != q.target:
                clash = (
                    f"{q.account_id} is in the family of {fam[i] if fam else ''}, and {ids[j]} "
                    f"(accounts file row {acc_rows[j]}) {how}; a family has one owner"
                )
                break
            other = asked.get(ids[j])
            if other is not None and other.target != q.target:
                clash = (
                    f"{q.account_id} is in one family with {ids[j]}, which row {other.row} asks for "
                    f"{other.target}; a family has one owner"
                )
                break
        if clash:
            add(
                "requests against a family",
                Problem(
                    label,
                    clash,
                    row=q.row,
                    column="rep_id",
                    value=q.rep,
                    hint="ask for the same rep for the whole family, or let families split with "
                    "--set families.mode=free",
                ),
            )
            continue
        asked[q.account_id] = q
        kept.append(q)
    if not [p for p in problems_so_far if p.severity == "error"] and kept:
        kept = _eligible(kept, accounts, reps, cfg, fam, members, pos, label, add)
    out: list[Problem] = []
    for kind, found in kinds.items():
        out += found[:SHOWN]
        if len(found) > SHOWN:
            out.append(more_problems(label, len(found) - SHOWN, f"lines with {kind}"))
    out.sort(key=lambda p: p.row or 0)
    return kept, out


def _eligible(
    kept: list[Request],
    accounts: pd.DataFrame,
    reps: pd.DataFrame,
    cfg: PlanConfig,
    fam: list[str] | None,
    members: dict[str, list[int]],
    pos: dict[str, int],
    label: str,
    add: Callable[[str, Problem], None],
) -> list[Request]:
    """Requests whose rep covers the account (for a family: its top parent's region)."""
    from .eligibility import account_segments, eligibility

    keyed = accounts
    if fam is not None:
        root_region = accounts.set_index("account_id")["region"]
        keyed = accounts.assign(region=pd.Series(fam, index=accounts.index).map(root_region))
    keys, cover = eligibility(keyed, reps, cfg)
    rep_pos = {r: k for k, r in enumerate(reps["rep_id"].astype(str))}
    region = keyed["region"].astype(str).tolist()
    segs = account_segments(keyed, cfg)
    out = []
    for q in kept:
        i = pos[q.account_id]
        family = members.get(fam[i], [i]) if fam is not None else [i]
        cs = cover[rep_pos[q.target]]
        if cs is None or all(keys[j] in cs for j in family):
            out.append(q)
            continue
        r = reps.iloc[rep_pos[q.target]]
        seg = f", segment '{segs[i]}'" if segs is not None and segs[i] else ""
        covers = f"region '{r['region']}'" + (
            f", segment '{r['segment']}'" if "segment" in reps.columns and str(r["segment"]) else ""
        )
        whose = f"its family's region '{region[i]}'" if len(family) > 1 else f"region '{region[i]}'"
        add(
            "reps who cannot carry the account",
            Problem(
                label,
                f"{q.target} cannot carry {q.account_id}: the account is in {whose}{seg}, {q.target} covers {covers}",
                row=q.row,
                column="rep_id",
                value=q.rep,
                hint="ask for a rep who covers the account, or change the rep's region in the roster",
            ),
        )
    return out


# --------------------------------------------------------------------------- product ICPs


def check_product_requests(
    wanted: Sequence[Request],
    rows: pd.DataFrame,
    row_state: AccountState,
    given: pd.DataFrame,
    given_state: AccountState,
    reps: pd.DataFrame,
    cfg: PlanConfig,
    label: str,
    accounts_file: str,
) -> tuple[list[Request], list[Problem]]:
    """Requests when reps carry products: each names an account-product row.

    The product is the requested rep's (a rep with product = auto, or ``keep``: the line's
    ``product`` column, or the account's only product row, or for ``keep`` its only row with an
    owner on the roster). Problems: the checks of ``check_requests`` on the product rows, an
    unknown product, a product the line names that is not the rep's, an account that does not
    fit the product, and a request whose product is ambiguous. ``rows`` are the plan's product
    rows, ``given`` the accounts as read (their ``tier_<product>`` columns), each with its
    record."""
    from .products import ROW_SEP, planned_products

    ids = given["account_id"].astype(str).tolist()
    known = set(ids)
    rep_ids = reps["rep_id"].astype(str).tolist()
    rep_prod = dict(zip(rep_ids, reps["product"].astype(str).str.strip()))
    products = planned_products(given, reps)
    row_acc = rows["account_id"].astype(str).tolist()
    row_prod = rows["product"].astype(str).tolist()
    row_owner = rows["owner_id"].astype(str).tolist()
    of_account: dict[str, list[str]] = {}
    owned: dict[str, list[str]] = {}
    for a, q, o in zip(row_acc, row_prod, row_owner):
        of_account.setdefault(a, []).append(q)
        if o in rep_prod:
            owned.setdefault(a, []).append(q)
    problems: list[Problem] = []
    name_it = (
        "name the product with --product"
        if label == "--to"
        else "add a product column to the requests file and name the product on this line"
    )

    def bad(q: Request, message: str, hint: str, column: str = "rep_id", value: str | None = None) -> None:
        problems.append(
            Problem(
                label, message, row=q.row, column=column, value=q.rep if value is None else value, hint=hint
            )
        )

    def fits_text(a: str) -> str:
        have = of_account.get(a, [])
        return f"it fits {', '.join(have)}" if have else "it fits no product ICP"

    def tier_text(a: str, prod: str) -> str:
        col = f"tier_{prod}"
        i = ids.index(a)
        tier = str(given[col].iat[i]).strip() if col in given.columns else ""
        shown = f"its {prod} tier is {tier}" if tier else f"it has no {prod} tier"
        return f"{shown}; products.min_tier = {cfg.products.min_tier}"

    out: list[Request] = []
    basic: list[Request] = []  # unknown ids: worded by check_requests as without products
    for q in wanted:
        if not q.account_id or q.account_id not in known or not q.rep or not (q.keep or q.rep in rep_prod):
            basic.append(q)
            continue
        a, asked = q.account_id, q.product
        if asked and asked not in products:
            bad(
                q,
                f"product '{asked}' is not a product of the plan",
                "the plan's products are " + ", ".join(products),
                column="product",
                value=asked,
            )
            continue
        have = of_account.get(a, [])
        if not have:
            bad(
                q,
                f"{a} fits no product ICP (products.min_tier = {cfg.products.min_tier}), so the plan "
                "gives it no owner to request",
                "remove the line, or score the account so it fits a product",
            )
            continue
        if q.keep:
            with_owner = owned.get(a, [])
            prod = asked or (have[0] if len(have) == 1 else with_owner[0] if len(with_owner) == 1 else "")
            if not prod:
                bad(
                    q,
                    f"keep asks to keep {a} with its owner, but it fits "
                    + ", ".join(have)
                    + (f" and has an owner for each of {', '.join(with_owner)}" if with_owner else "")
                    + ": say which product's owner to keep",
                    name_it,
                )
                continue
        elif rep_prod[q.rep].lower() != "auto":
            prod = rep_prod[q.rep]
            if asked and asked != prod:
                bad(
                    q,
                    f"{q.rep} carries {prod}, but the line asks for {a}'s {asked} owner",
                    f"ask for a rep who carries {asked}, or leave the product column empty",
                )
                continue
        else:
            prod = asked or (have[0] if len(have) == 1 else "")
            if not prod:
                bad(
                    q,
                    f"{q.rep} has product = auto (the plan chooses it) and {a} fits {', '.join(have)}: "
                    f"say which product's owner {q.rep} should be",
                    name_it,
                )
                continue
        if prod not in have:
            who = f"{q.rep} carries {prod}, but " if not q.keep and not asked else ""
            bad(
                q,
                f"{who}{a} does not fit {prod} ({tier_text(a, prod)}), so it has no {prod} owner to "
                f"request; {fits_text(a)}",
                "ask for a rep of a product the account fits, or remove the line",
            )
            continue
        out.append(dataclasses.replace(q, product=prod))
    _none, first = check_requests(
        basic,
        given,
        given_state,
        reps,
        cfg,
        label,
        accounts_file,
        families=given["account_id"].astype(str).tolist(),
    )
    keyed = rows.assign(account_id=row_state.keys(rows))
    found, more = check_requests(
        [dataclasses.replace(q, account_id=q.row_key) for q in out],
        keyed,
        row_state,
        reps,
        cfg,
        label,
        accounts_file,
        families=rows["family_id"].astype(str).tolist(),
    )
    # Back to account ids; the messages name a product row as "A00012 (core)".
    shown = {q.row_key: q.label for q in out}

    def words(text: str | None) -> str | None:
        if not text or ROW_SEP not in text:
            return text
        return re.sub(
            r"[^\s,;:()']+" + re.escape(ROW_SEP) + r"[^\s,;:()']+",
            lambda m: shown.get(m.group(0), m.group(0).replace(ROW_SEP, " (") + ")"),
            text,
        )

    more = first + [
        dataclasses.replace(p, message=words(p.message) or "", hint=words(p.hint), value=words(p.value))
        for p in more
    ]
    back = {q.row_key: q for q in out}
    found = [
        dataclasses.replace(f, account_id=back[f.account_id].account_id, product=back[f.account_id].product)
        if f.account_id in back
        else f
        for f in found
    ]
    problems = sorted(problems + more, key=lambda p: p.row or 0)
    return found, problems


def product_requests(inp: Any) -> list[Problem]:
    """With product ICPs: check the plan input's requests against its product rows and keep
    those that can be planned (``inp.extras["requests"]``); returns the problems."""
    rs: RequestSet | None = inp.extras.get("requests")
    if rs is None or "product" not in inp.accounts.columns:
        return []
    from .pipeline import given_accounts

    accounts_file = next((f.path for f in inp.inputs if f.label == "accounts"), "accounts")
    found, problems = check_product_requests(
        rs.requests,
        inp.accounts,
        inp.state,
        *given_accounts(inp),
        inp.reps,
        inp.config,
        rs.file,
        accounts_file,
    )
    inp.extras["requests"] = dataclasses.replace(rs, requests=tuple(found))
    return problems


# --------------------------------------------------------------------------- solving and pricing


def pinned(inp: Any, requests: Sequence[Request]) -> Any:
    """A copy of the plan input with each request's account pinned to its rep."""
    from .pipeline import PlanInput

    lock_to = inp.state.lock_to.copy()
    target = {q.row_key: q.target for q in requests}
    ids = inp.state.keys(inp.accounts)
    hit = np.array([a in target for a in ids], dtype=bool)
    lock_to[hit] = [target[a] for a in ids[hit]]
    state = dataclasses.replace(inp.state, lock_to=lock_to)
    out = PlanInput(
        inp.accounts,
        inp.reps,
        inp.config,
        inp.inputs,
        inp.warnings,
        inp.seconds,
        state=state,
        roster=inp.roster,
    )
    out.extras.update(inp.extras)
    return out


def _outside(plan: Any) -> tuple[np.ndarray, np.ndarray]:
    """Accounts outside each rep's tier bands (reps x 3), and each balanced measure outside
    its band in shares of the rep's fair share of it (reps x measures; 0 for a measure that is
    not balanced)."""
    arr = plan.extras["arrays"]
    c = arr["after"].tier_counts
    tier = np.maximum(arr["tier_lo"] - c, 0) + np.maximum(c - arr["tier_hi"], 0)
    fair = arr["fair_value"]
    v = arr["after_values"]
    with np.errstate(invalid="ignore"):
        off = np.maximum(arr["value_lo"] - v, 0) + np.maximum(v - arr["value_hi"], 0)
    off = np.nan_to_num(off, nan=0.0, posinf=0.0, neginf=0.0)
    share = np.where(fair > 0, off / np.where(fair > 0, fair, 1), 0.0)
    return tier, share


def _ceil_share(x: float) -> float:
    return math.ceil(x * 100 - 1e-9) / 100


def breaches(base: Any, plan: Any) -> tuple[list[dict[str, Any]], dict[str, float]]:
    """Where ``plan`` puts a rep outside a band, or further outside, than ``base`` does, and
    the band settings under which ``plan``'s split fits those bands."""
    bt, bp = _outside(base)
    pt, pp = _outside(plan)
    arr = plan.extras["arrays"]
    reps = plan.reps["rep_id"].astype(str).tolist()
    out: list[dict[str, Any]] = []
    needs: dict[str, float] = {}
    for r, t in zip(*np.nonzero(pt > bt)):
        c = int(arr["after"].tier_counts[r, t])
        lo, hi, fair = int(arr["tier_lo"][r, t]), int(arr["tier_hi"][r, t]), float(arr["fair_tier"][r, t])
        out.append(
            {
                "rep_id": reps[r],
                "measure": f"Tier {t + 1}",
                "count": c,
                "band": [lo, hi],
                "fair": round(fair, 6),
                "outside": int(pt[r, t]),
                "direction": "over" if c > hi else "under",
            }
        )
        if fair > 0:
            needs["balance.tier_band"] = max(
                needs.get("balance.tier_band", 0.0), _ceil_share(abs(c - fair) / fair)
            )
    names = [str(n) for n in arr.get("measures", [])]
    for r, m in zip(*np.nonzero(pp > bp + MEASURE_SLACK)):
        p, fair = float(arr["after_values"][r, m]), float(arr["fair_value"][r, m])
        out.append(
            {
                "rep_id": reps[r],
                "measure": names[m],
                "value": round(p, 2),
                "fair": round(fair, 2),
                "outside": round(float(pp[r, m]), 6),
                "direction": "over" if p > fair else "under",
            }
        )
        key = f"{measure_setting(names[m])}.band"
        needs[key] = max(needs.get(key, 0.0), _ceil_share(abs(p / fair - 1)))
    return out, needs


def _tier_cell(plan: Any, rep: str, tier: int) -> dict[str, Any] | None:
    reps = plan.reps["rep_id"].astype(str).tolist()
    if rep not in reps:
        return None
    r = reps.index(rep)
    arr = plan.extras["arrays"]
    return {
        "rep_id": rep,
        "tier": tier,
        "count": int(arr["after"].tier_counts[r, tier - 1]),
        "band": [int(arr["tier_lo"][r, tier - 1]), int(arr["tier_hi"][r, tier - 1])],
    }


def _breach_text(b: dict[str, Any]) -> str:
    if not b["measure"].startswith("Tier "):
        dev = b["value"] / b["fair"] - 1 if b["fair"] else 0.0
        return (
            f"{b['rep_id']}'s {plain_name(b['measure'])} would be {b['outside']:.1%} of its fair share {b['direction']} "
            f"its band ({dev:+.1%} from fair share)"
        )
    n = b["outside"]
    return (
        f"{b['rep_id']} would be {n} {b['measure']} account{'s' if n != 1 else ''} {b['direction']} its band "
        f"({b['count']}, band {b['band'][0]}-{b['band'][1]})"
    )


def _needs_text(needs: Mapping[str, float]) -> str:
    parts = []
    for k, v in sorted(needs.items()):
        shown = f"{v:.2f}" if v < 1 else f"{v:.0%}"
        parts.append(f"{k} >= {shown}")
    return "honouring it needs " + " and ".join(parts) if parts else ""


def _cell_text(cell: dict[str, Any] | None) -> str:
    if not cell:
        return ""
    return (
        f"{cell['rep_id']} Tier {cell['tier']} now {cell['count']} (band {cell['band'][0]}-{cell['band'][1]})"
    )


def _signed(n: int, unit: str) -> str:
    return f"{n:+d} {unit}{'s' if abs(n) != 1 else ''}"


def price_request(
    inp: Any,
    base: Any,
    q: Request,
    *,
    others: Sequence[Request] = (),
    solve: Callable[[Any], Any] | None = None,
) -> RequestOutcome:
    """Honour or refuse one request against ``base`` (the plan of ``inp`` pinned with ``others``).

    One solve, unless ``base`` already gives the account to the rep asked for.
    """
    from .pipeline import solve_input

    solve = solve or (lambda i: solve_input(i))
    ids = _row_keys(base)
    i = ids.index(q.row_key)
    planned = str(base.accounts["owner_id"].iat[i])
    tier = int(base.accounts["tier"].iat[i])
    if planned == q.target:
        return RequestOutcome(
            q,
            HONOURED,
            planned,
            f"honoured: the plan gives {q.label} to {q.target} anyway; no price",
            moves=0,
            changed=0,
            cost=0.0,
            rep=_tier_cell(base, q.target, tier),
            already=True,
        )
    cfg = inp.config
    trial = pinned(inp, [*others, q])
    try:
        plan = solve(trial)
    except InfeasiblePlanError as e:
        if not cfg.balance.hard_bands:
            return RequestOutcome(q, REFUSED, planned, "refused: " + _infeasible_text(e) + _auto_note(inp, q))
        # Hard bands: price the request with the bands bending, to say how far they would bend.
        soft = dataclasses.replace(cfg, balance=dataclasses.replace(cfg.balance, hard_bands=False))
        soft_base_inp = pinned(_with_config(inp, soft), others)
        try:
            soft_base, soft_plan = solve(soft_base_inp), solve(_with_config(trial, soft))
        except InfeasiblePlanError as e2:
            return RequestOutcome(q, REFUSED, planned, f"refused: {str(e2).splitlines()[0]}")
        found, needs = breaches(soft_base, soft_plan)
        text = "; ".join(_breach_text(b) for b in found[:3]) or "the hard bands cannot all hold with it"
        return RequestOutcome(
            q,
            REFUSED,
            planned,
            "refused: " + text + (f"; {_needs_text(needs)}" if needs else ""),
            breaches=found,
            needs=needs,
        )
    return judge(q, base, plan, planned, tier, cfg)


def _auto_note(inp: Any, q: Request) -> str:
    """Why a request to a rep with product = auto can be refused outright."""
    reps = inp.reps
    if not q.product or "product" not in reps.columns:
        return ""
    carried = dict(zip(reps["rep_id"].astype(str), reps["product"].astype(str).str.strip().str.lower()))
    if carried.get(q.target) != "auto":
        return ""
    return (
        f"; {q.target} has product = auto, and the plan shares such reps between products by "
        f"demand (products.tier_weights), which may leave no {q.product} place for {q.target}: give "
        f"{q.target} {q.product} in the roster's product column to ask for this"
    )


def _row_keys(plan: Any) -> list[str]:
    """Each plan row's key: the account id, or ``A1::core`` for an account-product row."""
    return list(plan.state.keys(plan.accounts))


def _infeasible_text(e: Exception) -> str:
    """ "the hard rules cannot all hold with it: <the explanation's sentences>"."""
    lines = [s.strip().lstrip("- ").strip() for s in str(e).splitlines()]
    lines = [s for s in lines if s]
    said = "; ".join(lines[1:] if len(lines) > 1 else lines)
    return f"the hard rules cannot all hold with it: {said}"


def judge(q: Request, base: Any, plan: Any, planned: str, tier: int, cfg: PlanConfig) -> RequestOutcome:
    """The outcome of ``q`` given the plan without it (``base``) and the plan with it."""
    moves = int(plan.metrics["accounts_moved"]) - int(base.metrics["accounts_moved"])
    changed = int(
        (
            plan.accounts["owner_id"].astype(str).to_numpy()
            != base.accounts["owner_id"].astype(str).to_numpy()
        ).sum()
    )
    cost = None
    if plan.objective is not None and base.objective is not None:
        cost = float(plan.objective) - float(base.objective)
    rep, giver = _tier_cell(plan, q.target, tier), _tier_cell(plan, planned, tier)
    found, needs = breaches(base, plan)
    common = dict(moves=moves, changed=changed, cost=cost, rep=rep, giver=giver, breaches=found, needs=needs)
    if found and cfg.requests.bands == "hold":
        text = "; ".join(_breach_text(b) for b in found[:3])
        if len(found) > 3:
            text += f" (and {len(found) - 3} more)"
        reason = "refused: " + text + (f"; {_needs_text(needs)}" if needs else "")
        return RequestOutcome(q, REFUSED, planned, reason, **common)  # type: ignore[arg-type]
    parts = [_signed(moves, "move")]
    parts += [t for t in (_cell_text(rep), _cell_text(giver)) if t]
    if found:
        parts.append("bands bend: " + "; ".join(_breach_text(b) for b in found[:3]))
    return RequestOutcome(q, HONOURED, planned, "honoured: " + ", ".join(parts), **common)  # type: ignore[arg-type]


def _with_config(inp: Any, cfg: PlanConfig) -> Any:
    from .pipeline import PlanInput

    out = PlanInput(
        inp.accounts, inp.reps, cfg, inp.inputs, inp.warnings, inp.seconds, state=inp.state, roster=inp.roster
    )
    out.extras.update(inp.extras)
    return out


def solve_with_requests(
    inp: Any, progress: Progress = no_progress, *, export_lp: str | Path | None = None
) -> Any:
    """Plan ``inp`` honouring each of its requests (``inp.extras["requests"]``) the rules allow.

    Solves the plan without requests (``progress`` stage "solve"), then each request that
    plan does not grant already, on its own (stage "requests"), then, when any is honoured,
    the plan with every honoured request. If the honoured requests cannot hold together,
    they are taken in file order and a later one that breaks the plan is refused. Raises
    what ``solve_input`` raises when the plan without requests cannot be made.
    """
    import time

    from .pipeline import solve_input

    rs: RequestSet = inp.extras["requests"]
    base = solve_input(inp, progress, export_lp=export_lp)
    t0 = time.perf_counter()
    todo = list(rs.requests)
    outcomes: list[RequestOutcome] = []
    progress(REQUESTS, 0, len(todo))
    for k, q in enumerate(todo, start=1):
        outcomes.append(price_request(inp, base, q))
        progress(REQUESTS, k, len(todo), str(q.account_id))
    return with_requests(inp, base, outcomes, export_lp=export_lp, seconds=time.perf_counter() - t0)


def with_requests(
    inp: Any,
    base: Any,
    outcomes: list[RequestOutcome],
    *,
    export_lp: str | Path | None = None,
    seconds: float = 0.0,
) -> Any:
    """The plan with every request of ``outcomes`` that is honoured (each priced against
    ``base``, the plan of ``inp`` without requests), with the requests' reasons and extras.

    Solves once when a request the plan does not grant anyway is honoured (more when they
    clash: see ``_together``), else returns ``base`` itself. ``seconds``: the time spent
    pricing, added to the plan's ``requests`` timing.
    """
    import time

    t0 = time.perf_counter()
    honoured = [o for o in outcomes if o.honoured]
    plan = base
    if any(not o.already for o in honoured):
        plan = _together(inp, base, honoured, export_lp)
    plan.extras["request_outcomes"] = outcomes
    plan.extras["requests_base"] = {
        "accounts_moved": int(base.metrics["accounts_moved"]),
        "objective": base.objective,
    }
    _request_reasons(plan, inp, [o.request for o in outcomes if o.honoured])
    plan.timings["requests"] = seconds + time.perf_counter() - t0  # pricing and the plan with them
    return plan


def _together(inp: Any, base: Any, honoured: list[RequestOutcome], export_lp: str | Path | None) -> Any:
    """The plan with every honoured request; a later request that breaks it is refused."""
    from .pipeline import solve_input

    cfg = inp.config

    def holds(plan: Any) -> bool:
        return cfg.requests.bands != "hold" or not breaches(base, plan)[0]

    try:
        plan = solve_input(pinned(inp, [o.request for o in honoured]), export_lp=export_lp)
        if holds(plan):
            return plan
    except InfeasiblePlanError:
        pass
    kept = [o.request for o in honoured if o.already]
    plan = base
    for o in honoured:
        if o.already:
            continue
        rows = ", ".join(str(r) for r in sorted(q.row for q in kept if q.row is not None))
        try:
            trial = solve_input(pinned(inp, [*kept, o.request]), export_lp=export_lp)
        except InfeasiblePlanError as e:
            o.status = REFUSED
            o.moves = o.changed = o.cost = o.rep = o.giver = None
            o.reason = f"refused: together with the requests honoured before it (rows {rows}), " + (
                _infeasible_text(e)
            )
            continue
        if holds(trial):
            kept.append(o.request)
            plan = trial
            continue
        found, needs = breaches(base, trial)
        o.status, o.breaches, o.needs = REFUSED, found, needs
        o.moves = o.changed = o.cost = o.rep = o.giver = None  # its price alone no longer applies
        o.reason = (
            f"refused: together with the requests honoured before it (rows {rows}), "
            + "; ".join(_breach_text(b) for b in found[:3])
            + (f"; {_needs_text(needs)}" if needs else "")
        )
    if plan is base and kept:
        plan = solve_input(pinned(inp, kept), export_lp=export_lp)
    return plan


def _request_reasons(plan: Any, inp: Any, honoured: Sequence[Request]) -> None:
    """ "requested by <manager>: <note>" for honoured requests (and "family follows ...")."""
    if not honoured:
        return
    a = plan.accounts
    ids = _row_keys(plan)
    pos = {x: i for i, x in enumerate(ids)}
    reasons = a["reason"].astype(str).to_numpy(dtype=object).copy()
    family = a["family_id"].astype(str).to_numpy(dtype=object) if "family_id" in a.columns else None
    given_locked = inp.accounts["locked"].to_numpy(dtype=bool)
    given_pin = inp.state.lock_to != ""
    locked = a["locked"].to_numpy(dtype=bool).copy()
    for q in honoured:
        i = pos[q.row_key]
        reasons[i] = q.reason()
        # The request pinned the account; its "locked" cell says what the CRM export said.
        locked[i] = given_locked[i] or given_pin[i]
        if family is None:
            continue
        head = f"locked to {q.target}"
        for j in np.flatnonzero(family == family[i]).tolist():
            if j == i or given_pin[j] or given_locked[j]:
                continue
            short = "requested" + (f" by {q.requested_by}" if q.requested_by else "")
            reasons[j] = str(reasons[j]).replace(head, short, 1)
    plan.accounts = a.assign(reason=reasons, locked=locked)


# --------------------------------------------------------------------------- outputs


def requests_summary(plan: Any) -> dict[str, Any]:
    """summary.json's "requests": counts, the plan's extra moves, and each request's outcome."""
    outcomes: list[RequestOutcome] = plan.extras["request_outcomes"]
    rs: RequestSet = plan.extras["requests"]
    base = plan.extras.get("requests_base") or {}
    honoured = [o for o in outcomes if o.honoured]
    extra = None
    if "accounts_moved" in base:
        extra = int(plan.metrics["accounts_moved"]) - int(base["accounts_moved"])
    return {
        "file": Path(rs.file).name,
        "bands": plan.config.requests.bands,
        "requests": len(outcomes),
        "honoured": len(honoured),
        "refused": len(outcomes) - len(honoured),
        "moves_without_requests": base.get("accounts_moved"),
        "extra_moves": extra,
        "list": [o.as_dict() for o in outcomes],
    }


def requests_frame(plan: Any) -> pd.DataFrame:
    """requests.csv: one row per request, in file order."""
    rows = []
    for o in plan.extras["request_outcomes"]:
        r = o.request
        rows.append(
            {
                "row": r.row if r.row is not None else "",
                "account_id": r.account_id,
                "product": r.product,
                "requested_rep": r.rep,
                "rep_id": r.target,
                "requested_by": r.requested_by,
                "note": r.note,
                "status": o.status,
                "planned_owner": o.planned_owner,
                "extra_moves": "" if o.moves is None else o.moves,
                "owners_changed": "" if o.changed is None else o.changed,
                "extra_cost": np.nan if o.cost is None else round(o.cost, 2),
                "reason": o.reason,
            }
        )
    products = any(o.request.product for o in plan.extras["request_outcomes"])
    cols = [
        "row",
        "account_id",
        *(["product"] if products else []),
        "requested_rep",
        "rep_id",
        "requested_by",
        "note",
        "status",
        "planned_owner",
        "extra_moves",
        "owners_changed",
        "extra_cost",
        "reason",
    ]
    return pd.DataFrame(rows, columns=cols)


# --------------------------------------------------------------------------- one account, from a plan folder


@dataclass
class ExplainAnswer:
    """``territory explain PLAN ACCOUNT --to REP``: the price of one request against a plan."""

    plan_dir: Path
    outcome: RequestOutcome
    differs: int = 0  # accounts whose owner in the re-solved plan differs from the plan folder
    notes: list[str] = field(default_factory=list)


HINT_INPUT = (
    "pass --input {label}=FILE naming the file the plan was made from, or make the plan again "
    "(`territory plan ...`) and ask that plan"
)


def _plan_config(recorded: Mapping[str, Any], where: str) -> PlanConfig:
    """The settings a plan folder records (summary.json ``config``), as a ``PlanConfig``
    (unset values left out)."""
    from .config import config_from_dict

    def strip(v: Any) -> Any:
        if isinstance(v, dict):
            return {k: strip(x) for k, x in v.items() if x is not None}
        if isinstance(v, list):
            return [strip(x) for x in v]
        return v

    return config_from_dict(PlanConfig, strip(dict(recorded or {})), where)


def plan_inputs(
    folder: Any, overrides: Mapping[str, str] | None = None
) -> tuple[dict[str, str], list[Problem]]:
    """The input files a plan folder was made from, checked against the checksums it records."""
    from .pipeline import sha256_file

    spath = str(Path(folder.path) / "summary.json")
    recorded = folder.result.inputs
    overrides = dict(overrides or {})
    problems: list[Problem] = []
    for label in sorted(set(overrides) - set(recorded)):
        problems.append(
            Problem(
                "--input",
                f"the plan has no '{label}' input",
                value=f"{label}={overrides[label]}",
                hint="the plan's inputs are: " + ", ".join(recorded),
            )
        )
    paths: dict[str, str] = {}
    for label, rec in recorded.items():
        path = overrides.get(label) or rec.path
        hint = HINT_INPUT.format(label=label)
        if not path:
            problems.append(
                Problem(spath, f"summary.json does not say where the {label} input was read from", hint=hint)
            )
            continue
        p = Path(path)
        if not p.is_file():
            problems.append(Problem(path, f"the plan's {label} file is not there any more", hint=hint))
            continue
        if rec.sha256 and sha256_file(p) != rec.sha256:
            problems.append(
                Problem(
                    path,
                    f"the {label} file has changed since the plan was made (its checksum differs from "
                    "the one summary.json records)",
                    hint=hint,
                )
            )
            continue
        paths[label] = str(p)
    return paths, problems


def _previous_problems(folder: Any, recorded: str, given: str) -> list[Problem]:
    """The previous plan (continuity.previous) a plan was made with, or ``given`` instead,
    checked against the fingerprint of it the plan records (summary.json ``continuity``)."""
    from .continuity import previous_fingerprint

    hint = (
        "pass --input previous=DIR naming the plan folder the plan was made from, or make the plan "
        "again (`territory plan ...`) and ask that plan"
    )
    if given and not recorded:
        return [
            Problem(
                "--input",
                "the plan was made without a previous plan",
                value=f"previous={given}",
                hint="leave it out",
            )
        ]
    fingerprint = (folder.result.continuity or {}).get("previous_sha256")
    path = given or recorded
    if not fingerprint or not path:
        return []  # no previous plan, or a plan written before the fingerprint was recorded
    if not (Path(path) / "assignments.csv").is_file():
        return [Problem(path, "the previous plan (continuity.previous) is not there any more", hint=hint)]
    if previous_fingerprint(path) != fingerprint:
        return [
            Problem(
                path,
                "the previous plan (continuity.previous) has changed since the plan was made (its "
                "assignments.csv checksum differs from the one the plan records)",
                hint=hint,
            )
        ]
    return []


def _plan_keys(frame: pd.DataFrame) -> list[str]:
    """(account, product) keys of a plan's rows, as text."""
    from .products import ROW_SEP

    acc = frame["account_id"].astype(str)
    if "product" not in frame.columns:
        return acc.tolist()
    return (acc + ROW_SEP + frame["product"].fillna("").astype(str)).tolist()


def explain_request(
    plan_dir: str | Path,
    account_id: str,
    rep: str,
    *,
    inputs: Mapping[str, str] | None = None,
    progress: Progress = no_progress,
    product: str = "",
) -> ExplainAnswer:
    """What giving ``account_id`` to ``rep`` (or ``keep``) would cost the plan in ``plan_dir``.

    With product ICPs the question is about one account-product row: the rep's product, or
    ``product`` (needed for a rep with product = auto, or ``keep``, when the account fits
    several products).

    The plan folder is read and verified; its inputs (from the paths summary.json records, or
    ``inputs`` = label -> path) must match their recorded checksums. The plan is solved
    again from them with its own settings (its requests honoured as before), then once more
    with the account pinned to ``rep``; nothing is written. Unknown accounts or reps, a rep
    who cannot carry the account and a lock that keeps it elsewhere raise ``InputError``.
    """
    import dataclasses as dc

    from .io.plandir import read_plan_folder
    from .pipeline import given_accounts, load_input, solve_input

    folder = read_plan_folder(plan_dir)
    where = str(Path(plan_dir) / "summary.json")
    ids = folder.assignments["account_id"].astype(str).tolist()
    reps = [r.rep_id for r in folder.result.reps]
    names = {r.rep_id: r.name for r in folder.result.reps}
    problems = []
    if product and "product" not in folder.assignments.columns:
        problems.append(
            Problem(
                "--product",
                "the plan's reps carry no products (product ICPs)",
                value=product,
                hint="leave out --product",
            )
        )
    if account_id not in ids:
        problems.append(
            Problem(
                "ACCOUNT",
                f"account is not in the plan in {plan_dir}",
                value=account_id,
                hint=did_you_mean(account_id, ids) + "give an account_id from the plan's assignments.csv",
            )
        )
    if rep.casefold() != KEEP and rep not in reps:
        problems.append(
            Problem(
                "--to",
                "rep is not in the plan",
                value=rep,
                hint=did_you_mean(rep, reps, names) + "name a rep of the plan, or keep for the current owner",
            )
        )
    if problems:
        raise InputError(problems, summary="cannot answer the question")
    given = dict(inputs or {})
    previous = given.pop("previous", "")
    paths, problems = plan_inputs(folder, given)
    cfg = _plan_config(folder.result.config, where)
    problems += _previous_problems(folder, cfg.continuity.previous, previous)
    if problems:
        raise InputError(problems, summary=f"cannot solve the plan in {plan_dir} again")
    if previous:
        cfg = dc.replace(cfg, continuity=dc.replace(cfg.continuity, previous=previous))
    lock_info = folder.result.lock_rules or {}
    locks_cfg = cfg.locks
    if not locks_cfg.as_of and lock_info.get("as_of"):  # the day the plan's date rules counted from
        locks_cfg = dc.replace(locks_cfg, as_of=str(lock_info["as_of"]))
    if "opportunities" in paths:
        locks_cfg = dc.replace(locks_cfg, opportunities=paths["opportunities"])
    in_cfg = dc.replace(
        cfg.inputs,
        icp="",
        requests="",
        region_rules=paths.get("region_rules", cfg.inputs.region_rules),
    )
    # The recorded settings describe the plan as made; the kept-anyway count is not needed.
    cfg = dc.replace(cfg, inputs=in_cfg, locks=dc.replace(locks_cfg, kept_anyway=False))
    inp = load_input(
        paths["accounts"],
        paths["roster"],
        cfg,
        icp_path=paths.get("icp"),
        locks_path=paths.get("locks"),
        requests_path=paths.get("requests"),
    )
    asked = Request(None, account_id, rep, rep, product=product)
    if "product" in inp.accounts.columns:
        found, problems = check_product_requests(
            [asked],
            inp.accounts,
            inp.state,
            *given_accounts(inp),
            inp.reps,
            cfg,
            "--to",
            paths["accounts"],
        )
    else:
        found, problems = check_requests(
            [asked], inp.accounts, inp.state, inp.reps, cfg, "--to", paths["accounts"]
        )
    if problems:
        raise InputError(problems, summary=f"{asked.label} cannot go to {rep}")
    asked = found[0]
    rs: RequestSet | None = inp.extras.get("requests")
    if rs is not None:
        made = solve_with_requests(inp, progress)
        others = [
            o.request
            for o in made.extras["request_outcomes"]
            if o.honoured and o.request.row_key != asked.row_key
        ]
    else:
        made = solve_input(inp, progress)
        others = []
    honoured = [o for o in made.extras.get("request_outcomes", []) if o.honoured]
    base = made if len(others) == len(honoured) else solve_input(pinned(inp, others))
    outcome = price_request(inp, base, asked, others=others)
    given = dict(zip(_plan_keys(folder.assignments), folder.assignments["owner_id"].astype(str).tolist()))
    now = dict(zip(_plan_keys(made.accounts), made.accounts["owner_id"].astype(str)))
    answer = ExplainAnswer(Path(plan_dir), outcome, sum(1 for a, o in now.items() if given.get(a) != o))
    if answer.differs:
        answer.notes.append(
            f"solving the plan's inputs again gives {answer.differs:,} account"
            f"{'s' if answer.differs != 1 else ''} another owner than the plan folder (the solver "
            "stopped at its time limit or gap); the price is measured against the plan as solved again"
        )
    return answer
