"""The data contract across files: what the accounts and roster must satisfy together."""

from __future__ import annotations

import difflib

import numpy as np
import pandas as pd

from ..errors import Problem
from .loading import rep_regions, spreadsheet_rows


def region_key(name: str) -> str:
    return name.strip().casefold()


def region_keys(regions: pd.Series) -> np.ndarray:
    """``region_key`` for a whole column, computed once per distinct value."""
    codes, uniques = pd.factorize(regions.astype(str), sort=False)
    keys = np.array([region_key(u) for u in uniques], dtype=object)
    return keys[codes] if len(uniques) else np.zeros(0, dtype=object)


def covered_regions(reps: pd.DataFrame) -> tuple[set[str], bool]:
    """Region keys the roster covers, and whether some rep covers every region."""
    keys: set[str] = set()
    covers_all = False
    for cell in reps["region"].astype(str):
        parts = rep_regions(cell)
        if not parts or any(p == "*" for p in parts):
            covers_all = True
        keys.update(region_key(p) for p in parts)
    return keys, covers_all


def _rep_rows(reps: pd.DataFrame) -> list[int | None]:
    """Each rep's roster row (``None`` for a rep a what-if scenario added)."""
    if "_row" not in reps.columns:
        return [i + 2 for i in range(len(reps))]
    return [None if pd.isna(r) else int(r) for r in reps["_row"].tolist()]


def check_roster(accounts: pd.DataFrame, reps: pd.DataFrame, roster_file: str) -> list[Problem]:
    """The roster against the accounts: regions that exist, no empty region, one email per rep.

    ``plan`` and ``whatif`` (every scenario's roster) go through this one check.
    """
    problems: list[Problem] = []
    rows = _rep_rows(reps)
    rep_ids = reps["rep_id"].astype(str).tolist()
    account_regions = accounts["region"].astype(str).str.strip()
    names: dict[str, str] = {}
    for r in account_regions.drop_duplicates().tolist():
        if r:
            names.setdefault(region_key(r), r)
    if names:  # the accounts have regions: every rep needs one ('*' = all)
        cells = reps["region"].astype(str).tolist()
        empty = [i for i, c in enumerate(cells) if not rep_regions(c)]
        if len(empty) == len(reps):
            problems.append(
                Problem(
                    roster_file,
                    "no rep has a region, but the accounts are in "
                    f"{len(names)} region{'s' if len(names) != 1 else ''} ({_shown(names)})",
                    column="region",
                    hint="give every rep the region(s) they cover, e.g. 'West' or 'West;Midwest'; "
                    "'*' for a rep who covers every region. If the roster has a column with "
                    'another name for it, map it: [columns.roster] "Sales Region" = "region"',
                )
            )
        else:
            for i in empty:
                problems.append(
                    Problem(
                        roster_file,
                        f"rep {rep_ids[i]} has no region",
                        row=rows[i],
                        column="region",
                        value="",
                        hint="write the region(s) the rep covers ('West;Midwest'), or '*' for "
                        "every region; an empty cell no longer means every region",
                    )
                )
        keys = list(names)
        for i, cell in enumerate(cells):
            for part in rep_regions(cell):
                if part == "*" or region_key(part) in names:
                    continue
                close = difflib.get_close_matches(region_key(part), keys, n=1, cutoff=0.6)
                guess = f"; did you mean '{names[close[0]]}'?" if close else ""
                if "," in part and all(region_key(q) in names for q in part.split(",") if q.strip()):
                    guess = f"; several regions are separated by ';': '{part.replace(',', ';')}'"
                problems.append(
                    Problem(
                        roster_file,
                        f"region '{part}' of rep {rep_ids[i]} is no account's region{guess}",
                        row=rows[i],
                        column="region",
                        value=cell,
                        hint=f"regions in the accounts: {_shown(names)}; fix the spelling, or "
                        "take the region off the rep",
                    )
                )
    problems += _duplicate_emails(reps, rows, roster_file)
    problems += _managers_elsewhere(reps, rows, roster_file)
    return problems


def _shown(names: dict[str, str], limit: int = 12) -> str:
    vals = sorted(names.values())
    return ", ".join(vals[:limit]) + (f" and {len(vals) - limit} more" if len(vals) > limit else "")


def _duplicate_emails(reps: pd.DataFrame, rows: list[int | None], file: str) -> list[Problem]:
    emails = reps["email"].astype(str).str.strip().str.casefold()
    ids = reps["rep_id"].astype(str).tolist()
    first: dict[str, int] = {}
    out: list[Problem] = []
    for i, e in enumerate(emails.tolist()):
        if not e:
            continue
        if e in first:
            j = first[e]
            out.append(
                Problem(
                    file,
                    f"reps {ids[j]} (row {rows[j]}) and {ids[i]} have the same email",
                    row=rows[i],
                    column="email",
                    value=reps["email"].iat[i],
                    severity="warning",
                    hint="an email names one person: HubSpot matches owners by email, so an "
                    "owner update would give both reps' accounts to one of them; fix the email",
                )
            )
        else:
            first[e] = i
    return out


def _managers_elsewhere(reps: pd.DataFrame, rows: list[int | None], file: str) -> list[Problem]:
    """A manager who is also a rep, carrying a book in regions their team does not cover."""
    out: list[Problem] = []
    managers = reps["manager"].astype(str).str.strip()
    if not managers.ne("").any():
        return out
    who: dict[str, int] = {}
    for col in ("rep_id", "name", "email"):
        for k, v in enumerate(reps[col].astype(str).str.strip().str.casefold().tolist()):
            if v:
                who.setdefault(v, k)
    region_text = reps["region"].astype(str).tolist()
    regions = [frozenset(region_key(p) for p in rep_regions(c)) for c in region_text]
    teams: dict[str, list[int]] = {}  # manager -> the reps they manage, in roster order
    for j, mm in enumerate(managers.tolist()):
        teams.setdefault(mm, []).append(j)
    for m in sorted(set(teams) - {""}):
        found = who.get(m.casefold())
        if found is None or "*" in regions[found] or not regions[found]:
            continue
        i = found
        team = [j for j in teams[m] if j != i]
        team_regions = frozenset().union(*(regions[j] for j in team)) if team else frozenset()
        if not team_regions or "*" in team_regions or regions[i] & team_regions:
            continue
        own = region_text[i]
        theirs = sorted({region_text[j] for j in team})
        out.append(
            Problem(
                file,
                f"manager '{m}' is also rep {reps['rep_id'].iat[i]} in region '{own}', but manages "
                f"reps in {', '.join(repr(t) for t in theirs)}",
                row=rows[i],
                column="manager",
                value=m,
                severity="warning",
                hint="if that is right there is nothing to do; otherwise fix the manager column "
                "or the rep's region (the manager roll-up shows the team's books, not the "
                "manager's own)",
            )
        )
    return out


def check_inputs(
    accounts: pd.DataFrame, reps: pd.DataFrame, accounts_file: str, roster_file: str
) -> list[Problem]:
    """Cross-file checks: the roster against the accounts, every account region has a rep,
    owners on the roster (warning)."""
    problems: list[Problem] = check_roster(accounts, reps, roster_file)
    rows = spreadsheet_rows(accounts)
    keys, covers_all = covered_regions(reps)
    if not covers_all:
        regions = accounts["region"].astype(str)
        rk = pd.Series(region_keys(regions), index=regions.index)
        miss = ~rk.isin(keys).to_numpy()
        missing = rk[miss]
        at = np.flatnonzero(miss)
        first_row = dict(zip(rk.iloc[at[::-1]].tolist(), at[::-1].tolist()))  # the first wins
        for key, count in missing.value_counts().sort_index().items():
            first = int(first_row[key])
            shown = regions.iat[first] if regions.iat[first] else "(empty)"
            problems.append(
                Problem(
                    accounts_file,
                    f"{count} account{'s' if count != 1 else ''} in region '{shown}', which no rep covers",
                    row=int(rows[first]),
                    column="region",
                    value=regions.iat[first],
                    hint=f"add a rep for '{shown}' to {roster_file}, add the region to a rep's region "
                    "list (e.g. 'West;Midwest'), or fix the account's region",
                )
            )
    rep_ids = set(reps["rep_id"])
    owners = accounts["owner_id"].astype(str)
    orphan = owners.ne("") & ~owners.isin(rep_ids)
    if orphan.any():
        unzeroed: dict[str, str] = {}
        folded: dict[str, str] = {}
        for r in sorted(rep_ids):
            unzeroed.setdefault(str(r).lstrip("0"), str(r))
            folded.setdefault(str(r).casefold(), str(r))
        at = np.flatnonzero(orphan.to_numpy())
        first_row = dict(zip(owners.iloc[at[::-1]].tolist(), at[::-1].tolist()))  # the first wins
        for owner, count in owners[orphan].value_counts().sort_index().items():
            first = int(first_row[owner])
            twin = unzeroed.get(str(owner).lstrip("0"))
            case_twin = folded.get(str(owner).casefold())
            if case_twin:
                hint = (
                    f"'{owner}' matches rep '{case_twin}' but for letter case; ids are matched "
                    "exactly, so fix owner_id or the roster, or the accounts will be reassigned"
                )
            elif twin:
                hint = (
                    f"'{owner}' matches rep '{twin}' once leading zeros are ignored: the ids probably "
                    "lost their zeros in a spreadsheet; fix owner_id (read ids as text), or the "
                    "accounts will be reassigned"
                )
            else:
                hint = f"if '{owner}' is still with the team, add them to {roster_file}"
            problems.append(
                Problem(
                    accounts_file,
                    f"owner '{owner}' is not on the roster: {count} account{'s' if count != 1 else ''} "
                    "will be reassigned",
                    row=int(rows[first]),
                    column="owner_id",
                    value=str(owner),
                    severity="warning",
                    hint=hint,
                )
            )
    locked_orphan = accounts["locked"].astype(bool) & (owners.eq("") | orphan)
    if locked_orphan.any():
        first = int(np.flatnonzero(locked_orphan.to_numpy())[0])
        problems.append(
            Problem(
                accounts_file,
                f"{int(locked_orphan.sum())} locked account(s) have no owner on the roster; the lock "
                "is ignored and they are reassigned",
                row=int(rows[first]),
                column="locked",
                severity="warning",
                hint="lock accounts only to reps on the roster",
            )
        )
    return problems
