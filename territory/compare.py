"""Plans side by side, and what changed between two plans (quarter over quarter).

Both read plan *directories* (``summary.json`` + ``assignments.csv``), so a plan from last
quarter compares with one made today, whichever version of territory wrote them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from .errors import InputError, Problem
from .plan_result import PlanSummary

TIERS = ("1", "2", "3")

# (key, label) of the plan-level rows, in print order.
OVERALL_ROWS: tuple[tuple[str, str], ...] = (
    ("reps", "Reps"),
    ("accounts", "Accounts"),
    # "Accounts moved" is the plan's "Moved N": the rows of the owner-update file(s), accounts
    # that had no owner and get one included; then the accounts taken from another owner.
    ("owner_changes", "Accounts moved"),
    ("owner_changes_share", "Moved share"),
    ("first_owners", "  of them had no owner"),
    ("accounts_moved", "Moved from another owner"),
    ("moved_share", "  share of accounts"),
    ("potential_moved_share", "  share of potential"),
    ("orphaned_accounts", "  because their owner left"),
    ("changed_vs_first", "Owner differs from first plan"),
    # Only when the plans cover other accounts: then "owner differs" counts the common ones.
    ("accounts_not_in_first", "  accounts not in the first plan"),
    ("first_accounts_missing", "  first plan's accounts not in it"),
    ("requests", "Requests"),
    ("requests_honoured", "  honoured"),
    ("requests_refused", "  refused"),
    ("requests_extra_moves", "  extra moves for them"),
    ("max_tier_deviation", "Max tier deviation"),
    ("max_tier_deviation_1", "  Tier 1"),
    ("max_tier_deviation_2", "  Tier 2"),
    ("max_tier_deviation_3", "  Tier 3"),
    ("max_potential_deviation", "Max potential deviation"),
    ("potential_cv", "Potential CV"),
    ("gap", "Gap"),
    ("status", "Solver status"),
)
REQUEST_ROWS = ("requests", "requests_honoured", "requests_refused", "requests_extra_moves")
ACCOUNT_SET_ROWS = ("accounts_not_in_first", "first_accounts_missing")
SHARE_KEYS = {
    "owner_changes_share",
    "moved_share",
    "potential_moved_share",
    "max_tier_deviation",
    "max_tier_deviation_1",
    "max_tier_deviation_2",
    "max_tier_deviation_3",
    "max_potential_deviation",
    "potential_cv",
    "gap",
}
REP_METRICS = (
    "accounts",
    "tier_1",
    "tier_2",
    "tier_3",
    "potential",
    "potential_fair_share",
    "potential_deviation",
    "moves_in",
    "moves_out",
)


@dataclass
class PlanDirInfo:
    """What compare needs from one plan directory."""

    name: str
    path: Path
    summary: dict[str, Any]
    assignments: pd.DataFrame
    result: PlanSummary  # summary.json, typed


def read_plan_dir(path: str | Path, name: str | None = None) -> PlanDirInfo:
    """Read ``summary.json`` and ``assignments.csv`` of a plan directory, checked to belong
    together (see ``territory.io.plandir``)."""
    from .io.plandir import read_plan_folder

    f = read_plan_folder(path)
    return PlanDirInfo(name or f.path.name, f.path, f.summary, f.assignments, f.result)


def read_plan_dirs(paths: Sequence[str | Path], names: Sequence[str] | None = None) -> list[PlanDirInfo]:
    """``read_plan_dir`` for each folder; the problems of all of them in one ``InputError``."""
    infos: list[PlanDirInfo] = []
    problems: list[Problem] = []
    for i, d in enumerate(paths):
        try:
            infos.append(read_plan_dir(d, names[i] if names else None))
        except InputError as e:
            problems += e.problems
    if problems:
        where = ", ".join(str(d) for d in paths)
        raise InputError(problems, summary=f"cannot read the plans in {where}")
    return infos


@dataclass
class Comparison:
    """Plans side by side: ``overall`` (metric x plan) and ``reps`` (rep, metric x plan)."""

    names: list[str]
    overall: pd.DataFrame
    reps: pd.DataFrame
    rep_names: dict[str, str]
    row_labels: dict[str, str] = field(default_factory=lambda: dict(OVERALL_ROWS))
    rep_metrics: tuple[str, ...] = REP_METRICS
    # Managers' requests of any of the plans: one row per request, its status per plan.
    requests: pd.DataFrame | None = None
    # Plain sentences about what the figures compare (plans of other account sets).
    notes: list[str] = field(default_factory=list)

    def to_frame(self) -> pd.DataFrame:
        """The long table written to compare.csv: section, rep_id, metric, one column per plan."""
        o = self.overall.copy()
        o.insert(0, "metric", o.index)
        o.insert(0, "rep_id", "")
        o.insert(0, "section", "plan")
        r = self.reps.reset_index()
        r.insert(0, "section", "rep")
        out = pd.concat([o.reset_index(drop=True), r], ignore_index=True)
        return out[["section", "rep_id", "metric", *self.names]]

    def plan_rows(self) -> list[tuple[str, str, list[Any]]]:
        """(key, label, value per plan) for every plan-level metric, as plain Python values."""
        labels = self.row_labels
        return [(k, labels[k], [_plain(v) for v in self.overall.loc[k].tolist()]) for k in self.overall.index]

    def rep_rows(self) -> list[tuple[str, str, dict[str, list[Any]]]]:
        """(rep id, name, metric -> value per plan; None where the rep is not in a plan)."""
        out = []
        for rid, name in self.rep_names.items():
            block = self.reps.loc[rid]
            values = {m: [_plain(v) for v in block.loc[m].tolist()] for m in self.rep_metrics}
            for m in ("accounts", "tier_1", "tier_2", "tier_3", "moves_in", "moves_out"):
                values[m] = [None if v is None else int(v) for v in values[m]]
            out.append((rid, name, values))
        return out

    def request_changes(self) -> list[tuple[str, str, dict[str, list[str]]]]:
        """(account, rep asked for, status -> plans) of each request honoured in some plans and
        refused in others, in the order of the requests."""
        out: list[tuple[str, str, dict[str, list[str]]]] = []
        if self.requests is None:
            return out
        for _, row in self.requests.iterrows():
            by: dict[str, list[str]] = {}
            for n in self.names:
                if row[n]:
                    by.setdefault(str(row[n]), []).append(n)
            if len(by) > 1:
                out.append((str(row["account_id"]), str(row["requested_rep"]), by))
        return out

    def __repr__(self) -> str:
        return f"<Comparison [{', '.join(self.names)}; {len(self.rep_names)} reps]>"


def _plain(v: Any) -> Any:
    if v is None or (isinstance(v, float) and v != v):
        return None
    if hasattr(v, "item"):
        return v.item()
    return v


PER_PRODUCT = "an owner per account and product (product ICPs)"
PER_ACCOUNT = "one owner per account"


def owner_keys(assignments: pd.DataFrame) -> list[str]:
    """The columns naming one owner's row of assignments.csv: the account, and with product
    ICPs also the product (an account has an owner per product)."""
    return ["account_id", "product"] if "product" in assignments.columns else ["account_id"]


def _overall(info: PlanDirInfo, first: PlanDirInfo) -> dict[str, Any]:
    o = info.result.overall
    tiers = o.max_tier_deviation
    row: dict[str, Any] = {
        "reps": o.reps,
        "accounts": o.accounts,
        "accounts_moved": o.accounts_moved,
        "moved_share": o.moved_share,
        "potential_moved_share": o.potential_moved_share,
        "orphaned_accounts": o.orphaned_accounts,
        "max_potential_deviation": o.max_potential_deviation,
        "potential_cv": o.potential_cv,
    }
    # Plans written before owner_changes was recorded had no accounts without an owner counted.
    unowned = o.first_owners or 0
    row["first_owners"] = unowned
    row["owner_changes"] = o.owner_changes if o.owner_changes is not None else o.accounts_moved + unowned
    row["owner_changes_share"] = o.owner_changes_share if o.owner_changes_share is not None else o.moved_share
    vals = [float(v) for t in TIERS if (v := tiers.get(t)) is not None]
    row["max_tier_deviation"] = max(vals) if vals else None
    for t in TIERS:
        row[f"max_tier_deviation_{t}"] = tiers.get(t)
    keys = owner_keys(info.assignments)
    a = info.assignments.set_index(keys)["owner_id"]
    b = first.assignments.set_index(owner_keys(first.assignments))["owner_id"]
    common = a.index.intersection(b.index)
    # Plans with no account in common (exports with other ids), or of which one has an owner
    # per product and the other not, cannot be compared this way.
    same_kind = keys == owner_keys(first.assignments)
    row["changed_vs_first"] = (
        int((a.loc[common] != b.loc[common]).sum()) if same_kind and (len(common) or not len(a)) else None
    )
    ids, first_ids = pd.Index(info.assignments["account_id"]), pd.Index(first.assignments["account_id"])
    row["accounts_not_in_first"] = int(len(ids.difference(first_ids)))
    row["first_accounts_missing"] = int(len(first_ids.difference(ids)))
    asked = info.result.requests
    row["requests"] = asked.get("requests") if asked else None
    row["requests_honoured"] = asked.get("honoured") if asked else None
    row["requests_refused"] = asked.get("refused") if asked else None
    row["requests_extra_moves"] = asked.get("extra_moves") if asked else None
    row["gap"] = info.result.solver.gap
    row["status"] = info.result.solver.status
    return {k: v if k.startswith("max_tier_deviation") else _as_written(v) for k, v in row.items()}


def _as_written(v: Any) -> Any:
    """A whole number as summary.json writes it (0, not 0.0), so compare.csv shows it so."""
    return int(v) if isinstance(v, float) and v.is_integer() and abs(v) < 1e15 else v


def compare_plans(dirs: Sequence[str | Path], names: Sequence[str] | None = None) -> Comparison:
    """Compare plan directories; the first is the reference for "owner differs" counts."""
    if len(dirs) < 1:
        raise InputError([Problem("compare", "no plan directories given")])
    infos = read_plan_dirs(dirs, names)
    labels = _unique([i.name for i in infos])
    measures = _measure_names(infos)
    rows = _overall_rows(measures)
    asked = request_table(infos, labels)
    if asked is None:  # the request rows only when a plan has requests
        rows = [r for r in rows if r[0] not in REQUEST_ROWS]
    overall = pd.DataFrame(
        {lab: {**_overall(i, infos[0]), **_measure_overall(i)} for lab, i in zip(labels, infos)}
    )
    notes: list[str] = []
    if not overall.loc[list(ACCOUNT_SET_ROWS)].astype(bool).to_numpy().any():
        rows = [r for r in rows if r[0] not in ACCOUNT_SET_ROWS]  # the same accounts: said by nothing
    else:
        for lab in labels[1:]:
            extra, gone = (int(overall.at[k, lab]) for k in ACCOUNT_SET_ROWS)
            if extra or gone:
                common = int(overall.at["accounts", labels[0]]) - gone
                notes.append(
                    f"{lab} covers other accounts than {labels[0]}: {extra:,} not in {labels[0]}, "
                    f"{gone:,} of {labels[0]} not in {lab}; 'Owner differs from first plan' counts the "
                    f"{common:,} accounts in both, and the balance figures are each plan's own accounts."
                )
    kind = {1: PER_ACCOUNT, 2: PER_PRODUCT}
    first_kind = kind[len(owner_keys(infos[0].assignments))]
    for lab, info in zip(labels[1:], infos[1:]):
        if kind[len(owner_keys(info.assignments))] != first_kind:
            notes.append(
                f"{lab} gives {kind[len(owner_keys(info.assignments))]} and {labels[0]} {first_kind}: "
                "'Owner differs from first plan' is not counted for it."
            )
    overall = overall.reindex([k for k, _ in rows])
    rep_metrics = REP_METRICS + tuple(
        f"{n}{suffix}" for n in measures if n != "potential" for suffix in ("", "_fair_share", "_deviation")
    )
    rep_names: dict[str, str] = {}
    cells: dict[tuple[str, str], dict[str, Any]] = {}
    for lab, info in zip(labels, infos):
        for rep in info.result.reps:
            for n, m in rep.measure_items():
                if n != "potential":
                    cells.setdefault((rep.rep_id, n), {})[lab] = m.value
                    cells.setdefault((rep.rep_id, f"{n}_fair_share"), {})[lab] = m.fair
                    cells.setdefault((rep.rep_id, f"{n}_deviation"), {})[lab] = m.deviation
        for r in info.result.reps:
            rid = r.rep_id
            rep_names.setdefault(rid, r.name)
            values = {
                "accounts": r.accounts,
                "tier_1": r.tier_counts.get("1"),
                "tier_2": r.tier_counts.get("2"),
                "tier_3": r.tier_counts.get("3"),
                "potential": r.potential,
                "potential_fair_share": r.fair_potential,
                "potential_deviation": r.potential_deviation,
                "moves_in": r.moves_in,
                "moves_out": r.moves_out,
            }
            for key, v in values.items():
                cells.setdefault((rid, key), {})[lab] = v
    index = pd.MultiIndex.from_tuples(
        [(rid, m) for rid in rep_names for m in rep_metrics], names=["rep_id", "metric"]
    )
    reps = pd.DataFrame([cells.get(k, {}) for k in index], index=index, columns=labels)
    return Comparison(labels, overall, reps, rep_names, dict(rows), rep_metrics, asked, notes)


def request_table(infos: Sequence[PlanDirInfo], labels: Sequence[str]) -> pd.DataFrame | None:
    """One row per request of any plan (account and rep asked for, in the order the plans list
    them) with its status in each plan ('' when that plan was not asked); None without requests."""
    rows: dict[tuple[str, str], dict[str, Any]] = {}
    for lab, info in zip(labels, infos):
        for r in (info.result.requests or {}).get("list", []):
            key = (str(r["account_id"]), str(r["requested_rep"]))
            row = rows.setdefault(
                key,
                {
                    "account_id": key[0],
                    "requested_rep": key[1],
                    "requested_by": r.get("requested_by") or "",
                    "note": r.get("note") or "",
                    **dict.fromkeys(labels, ""),
                },
            )
            row[lab] = r["status"]
    if not rows:
        return None
    return pd.DataFrame(
        list(rows.values()), columns=["account_id", "requested_rep", "requested_by", "note", *labels]
    )


def _measure_names(infos: Sequence[PlanDirInfo]) -> list[str]:
    """Every measure of any of the plans, in the order they list them."""
    names: dict[str, None] = {}
    for info in infos:
        for n in info.result.measure_names():
            names.setdefault(n)
    return list(names)


def _overall_rows(measures: Sequence[str]) -> list[tuple[str, str]]:
    """OVERALL_ROWS with, after the potential rows, each measure's largest deviation, its CV
    and the reps outside its band."""
    from .plan_result import measure_label

    rows = list(OVERALL_ROWS)
    at = [k for k, _ in rows].index("potential_cv") + 1
    extra: list[tuple[str, str]] = []
    for n in measures:
        label = measure_label(n)
        if n != "potential":  # potential's are the rows above
            extra.append((f"max_{n}_deviation", f"Max {label} deviation"))
            extra.append((f"{n}_cv", f"{label} CV"))
        extra.append((f"{n}_reps_outside_band", f"  reps outside the {label} band"))
    return rows[:at] + extra + rows[at:]


def _measure_overall(info: PlanDirInfo) -> dict[str, Any]:
    """Per measure: the largest deviation from fair share and the reps outside its band (from
    the reps' records, so plans written before measures count potential too)."""
    out: dict[str, Any] = {}
    recorded = info.result.overall.measures or {}
    for n in info.result.measure_names():
        if n in recorded:  # as the plan counted them
            if n != "potential":
                out[f"max_{n}_deviation"] = recorded[n].max_deviation
                out[f"{n}_cv"] = recorded[n].cv
            out[f"{n}_reps_outside_band"] = recorded[n].reps_outside_band
            continue
        ms = [m for r in info.result.reps for name, m in r.measure_items() if name == n]
        devs = [abs(m.deviation) for m in ms if m.deviation is not None]
        if n != "potential":  # (a plan with measures records them: not reached)
            out[f"max_{n}_deviation"] = max(devs) if devs else None
            out[f"{n}_cv"] = None
        balanced = any(m.band is not None for m in ms)
        out[f"{n}_reps_outside_band"] = sum(m.outside() for m in ms) if balanced else None
    return out


def _unique(names: list[str]) -> list[str]:
    seen: dict[str, int] = {}
    out = []
    for n in names:
        seen[n] = seen.get(n, 0) + 1
        out.append(n if seen[n] == 1 else f"{n} ({seen[n]})")
    return out


def write_compare(cmp: Comparison, path: str | Path) -> Path:
    """Write compare.csv (atomic, formula-safe)."""
    from .io.writing import write_csv

    frame = cmp.to_frame().astype(object).where(cmp.to_frame().notna(), "")
    write_csv(frame, path)
    return Path(path)


# --------------------------------------------------------------------------- diff


DIFF_COLUMNS = [
    "account_id",
    "name",
    "tier",
    "old_owner_id",
    "old_owner_name",
    "new_owner_id",
    "new_owner_name",
    "change",
    "reason",
]


def diff_plans(old: str | Path, new: str | Path) -> pd.DataFrame:
    """Accounts whose owner differs between two plans, with why, sorted by account id.

    ``change`` is 'moved' (in both plans, different owner), 'added' (only in NEW) or
    'removed' (only in OLD). With product ICPs an account is compared per product (a
    ``product`` column follows ``account_id``). ``reason`` is NEW's own reason when NEW started
    from OLD's owner; otherwise ``change_reason`` says why the plans differ.
    """
    old_dir, new_dir = read_plan_dirs([old, new])
    keys = owner_keys(old_dir.assignments)
    if keys != owner_keys(new_dir.assignments):
        with_products, without = (old, new) if len(keys) == 2 else (new, old)
        raise InputError(
            [
                Problem(
                    str(with_products),
                    f"the plan gives {PER_PRODUCT}, and {without} {PER_ACCOUNT}, so their owners cannot be "
                    "compared account by account",
                    hint="compare two plans made the same way: both with product ICPs (--icp with a "
                    "roster that has a product column) or both without",
                )
            ],
            summary=f"cannot compare the plans in {old} and {new}",
        )
    by_product = len(keys) == 2
    a = old_dir.assignments.set_index(keys)
    b = new_dir.assignments.set_index(keys)
    inputs_differ = _inputs_differ(old_dir.result, new_dir.result)
    new_reps = {r.rep_id for r in new_dir.result.reps}
    col = lambda df, c: df[c] if c in df.columns else pd.Series("", index=df.index)  # noqa: E731
    rows: list[dict[str, Any]] = []
    common = a.index.intersection(b.index)
    changed = common[(a.loc[common, "owner_id"] != b.loc[common, "owner_id"]).to_numpy()]
    a_prev = a["previous_owner_id"] if "previous_owner_id" in a.columns else None
    b_prev, b_reason, a_reason = col(b, "previous_owner_id"), col(b, "reason"), col(a, "reason")

    def key_cols(key: Any) -> dict[str, Any]:
        return dict(zip(keys, key if by_product else (key,)))

    for key in changed:
        old_owner = a.at[key, "owner_id"]
        rows.append(
            {
                **key_cols(key),
                "name": col(b, "name").get(key, ""),
                "tier": col(b, "tier").get(key, ""),
                "old_owner_id": old_owner,
                "old_owner_name": col(a, "owner_name").get(key, ""),
                "new_owner_id": b.at[key, "owner_id"],
                "new_owner_name": col(b, "owner_name").get(key, ""),
                "change": "moved",
                "reason": change_reason(
                    old_owner=old_owner,
                    old_prev=None if a_prev is None else a_prev.get(key, ""),
                    new_prev=b_prev.get(key, ""),
                    old_reason=a_reason.get(key, ""),
                    new_reason=b_reason.get(key, ""),
                    inputs_differ=inputs_differ,
                    old_owner_left=bool(new_reps) and old_owner not in new_reps,
                ),
            }
        )
    for key in b.index.difference(a.index):
        rows.append(
            {
                **key_cols(key),
                "name": col(b, "name").get(key, ""),
                "tier": col(b, "tier").get(key, ""),
                "old_owner_id": "",
                "old_owner_name": "",
                "new_owner_id": b.at[key, "owner_id"],
                "new_owner_name": col(b, "owner_name").get(key, ""),
                "change": "added",
                "reason": "new account (not in the old plan); " + str(b_reason.get(key, "")),
            }
        )
    for key in a.index.difference(b.index):
        rows.append(
            {
                **key_cols(key),
                "name": col(a, "name").get(key, ""),
                "tier": col(a, "tier").get(key, ""),
                "old_owner_id": a.at[key, "owner_id"],
                "old_owner_name": col(a, "owner_name").get(key, ""),
                "new_owner_id": "",
                "new_owner_name": "",
                "change": "removed",
                "reason": "no longer in the accounts",
            }
        )
    columns = DIFF_COLUMNS[:1] + ["product"] + DIFF_COLUMNS[1:] if by_product else DIFF_COLUMNS
    out = pd.DataFrame(rows, columns=columns)
    return out.sort_values(keys, kind="stable").reset_index(drop=True)


def _inputs_differ(old: PlanSummary, new: PlanSummary) -> bool | None:
    """Whether the accounts the two plans read differ (by sha256); None when unknown."""

    def fingerprint(s: PlanSummary) -> str | None:
        accounts = s.inputs.get("accounts")
        return (accounts.sha256 or None) if accounts is not None else None

    a, b = fingerprint(old), fingerprint(new)
    return None if a is None or b is None else a != b


def change_reason(
    *,
    old_owner: str,
    old_prev: str | None,
    new_prev: str,
    old_reason: str,
    new_reason: str,
    inputs_differ: bool | None,
    old_owner_left: bool = False,
) -> str:
    """Why an account's owner differs between two plans, in plain words.

    ``old_prev``/``new_prev`` are the owners each plan started from (its input's owner;
    ``old_prev`` None when OLD does not say). "Owner changed in the CRM" is said only when the
    plans read different accounts files (``inputs_differ``) AND this account's owner in them
    differs; otherwise the reason says what does differ (``old_owner_left``: OLD's owner is not
    on NEW's roster).
    """

    def who(rep: str | None) -> str:
        return rep or "no owner"

    if new_prev == old_owner:  # NEW started where OLD ended: NEW's own reason says it all
        return new_reason
    if old_prev is not None and old_prev != new_prev:
        if inputs_differ:
            return (
                f"owner changed in the CRM between the plans (from {who(old_prev)} to "
                f"{who(new_prev)}); then: {new_reason}"
            )
        if inputs_differ is False:
            return (
                f"the plans take different current owners from the same accounts file "
                f"({who(old_prev)}, then {who(new_prev)}: another roster, preset or settings); "
                f"then: {new_reason}"
            )
    if old_owner_left:
        return f"the old plan's owner {old_owner} is not on the new plan's roster; then: {new_reason}"
    if old_prev is None or inputs_differ is None:
        return (
            f"the new plan started from {who(new_prev)}, not the old plan's {old_owner}; then: {new_reason}"
        )
    if inputs_differ:
        return (
            f"the CRM still has {who(new_prev)}, not the old plan's {old_owner} (was the old "
            f"plan's update loaded?); then: {new_reason}"
        )
    start = f"both plans start from {who(new_prev)} (same accounts file)"
    if old_reason == new_reason:
        return f"{start} for the same reason ({new_reason}) but choose different reps"
    return f"{start}; old plan: {old_reason}; new plan: {new_reason}"
