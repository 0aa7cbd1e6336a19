"""Plans side by side, and what changed between two plans (quarter over quarter).

Both read plan *directories* (``summary.json`` + ``assignments.csv``), so a plan from last
quarter compares with one made today, whichever version of territory wrote them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from .errors import InputError, Problem

TIERS = ("1", "2", "3")

# (key, label) of the plan-level rows, in print order.
OVERALL_ROWS: tuple[tuple[str, str], ...] = (
    ("reps", "Reps"),
    ("accounts", "Accounts"),
    ("accounts_moved", "Accounts moved"),
    ("moved_share", "Moved share"),
    ("potential_moved_share", "Potential moved share"),
    ("orphaned_accounts", "Moved because owner left"),
    ("changed_vs_first", "Owner differs from first plan"),
    ("max_tier_deviation", "Max tier deviation"),
    ("max_tier_deviation_1", "  Tier 1"),
    ("max_tier_deviation_2", "  Tier 2"),
    ("max_tier_deviation_3", "  Tier 3"),
    ("max_potential_deviation", "Max potential deviation"),
    ("potential_cv", "Potential CV"),
    ("gap", "Gap"),
    ("status", "Solver status"),
)
SHARE_KEYS = {
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


def read_plan_dir(path: str | Path, name: str | None = None) -> PlanDirInfo:
    """Read ``summary.json`` and ``assignments.csv`` of a plan directory, checked to belong
    together (see ``territory.io.plandir``)."""
    from .io.plandir import read_plan_folder

    f = read_plan_folder(path)
    return PlanDirInfo(name or f.path.name, f.path, f.summary, f.assignments)


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
        labels = dict(OVERALL_ROWS)
        return [(k, labels[k], [_plain(v) for v in self.overall.loc[k].tolist()]) for k in self.overall.index]

    def rep_rows(self) -> list[tuple[str, str, dict[str, list[Any]]]]:
        """(rep id, name, metric -> value per plan; None where the rep is not in a plan)."""
        out = []
        for rid, name in self.rep_names.items():
            block = self.reps.loc[rid]
            values = {m: [_plain(v) for v in block.loc[m].tolist()] for m in REP_METRICS}
            for m in ("accounts", "tier_1", "tier_2", "tier_3", "moves_in", "moves_out"):
                values[m] = [None if v is None else int(v) for v in values[m]]
            out.append((rid, name, values))
        return out

    def __repr__(self) -> str:
        return f"<Comparison [{', '.join(self.names)}; {len(self.rep_names)} reps]>"


def _plain(v: Any) -> Any:
    if v is None or (isinstance(v, float) and v != v):
        return None
    if hasattr(v, "item"):
        return v.item()
    return v


def _overall(info: PlanDirInfo, first: PlanDirInfo) -> dict[str, Any]:
    s = info.summary
    o = s.get("overall", {})
    tiers = o.get("max_tier_deviation", {}) or {}
    row: dict[str, Any] = {
        k: o.get(k)
        for k in (
            "reps",
            "accounts",
            "accounts_moved",
            "moved_share",
            "potential_moved_share",
            "orphaned_accounts",
            "max_potential_deviation",
            "potential_cv",
        )
    }
    vals = [float(tiers[t]) for t in TIERS if tiers.get(t) is not None]
    row["max_tier_deviation"] = max(vals) if vals else None
    for t in TIERS:
        row[f"max_tier_deviation_{t}"] = tiers.get(t)
    a = info.assignments.set_index("account_id")["owner_id"]
    b = first.assignments.set_index("account_id")["owner_id"]
    common = a.index.intersection(b.index)
    row["changed_vs_first"] = int((a.loc[common] != b.loc[common]).sum())
    solver = s.get("solver", {})
    row["gap"] = solver.get("gap")
    row["status"] = solver.get("status")
    return row


def compare_plans(dirs: Sequence[str | Path], names: Sequence[str] | None = None) -> Comparison:
    """Compare plan directories; the first is the reference for "owner differs" counts."""
    if len(dirs) < 1:
        raise InputError([Problem("compare", "no plan directories given")])
    infos = read_plan_dirs(dirs, names)
    labels = _unique([i.name for i in infos])
    overall = pd.DataFrame({lab: _overall(i, infos[0]) for lab, i in zip(labels, infos)})
    overall = overall.reindex([k for k, _ in OVERALL_ROWS])
    rep_names: dict[str, str] = {}
    rows: dict[tuple[str, str], dict[str, Any]] = {}
    for lab, info in zip(labels, infos):
        for r in info.summary.get("reps", []):
            rid = str(r["rep_id"])
            rep_names.setdefault(rid, str(r.get("name", "")))
            counts = r.get("tier_counts", {})
            values = {
                "accounts": r.get("accounts"),
                "tier_1": counts.get("1"),
                "tier_2": counts.get("2"),
                "tier_3": counts.get("3"),
                "potential": r.get("potential"),
                "potential_deviation": r.get("potential_deviation"),
                "moves_in": r.get("moves_in"),
                "moves_out": r.get("moves_out"),
            }
            for m, v in values.items():
                rows.setdefault((rid, m), {})[lab] = v
    index = pd.MultiIndex.from_tuples(
        [(rid, m) for rid in rep_names for m in REP_METRICS], names=["rep_id", "metric"]
    )
    reps = pd.DataFrame([rows.get(k, {}) for k in index], index=index, columns=labels)
    return Comparison(labels, overall, reps, rep_names)


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
    'removed' (only in OLD). ``reason`` is NEW's own reason when NEW started from OLD's
    owner; otherwise it says the owner was changed in the CRM between the two plans.
    """
    first, second = read_plan_dirs([old, new])
    a = first.assignments.set_index("account_id")
    b = second.assignments.set_index("account_id")
    col = lambda df, c: df[c] if c in df.columns else pd.Series("", index=df.index)  # noqa: E731
    rows: list[dict[str, Any]] = []
    common = a.index.intersection(b.index)
    changed = common[(a.loc[common, "owner_id"] != b.loc[common, "owner_id"]).to_numpy()]
    b_prev, b_reason = col(b, "previous_owner_id"), col(b, "reason")
    for acc in changed:
        old_owner = a.at[acc, "owner_id"]
        if b_prev.get(acc, old_owner) == old_owner:
            reason = b_reason.get(acc, "")
        else:
            reason = (
                f"owner changed in the CRM between the plans (to {b_prev.get(acc) or 'nobody'}); "
                f"then: {b_reason.get(acc, '')}"
            )
        rows.append(
            {
                "account_id": acc,
                "name": col(b, "name").get(acc, ""),
                "tier": col(b, "tier").get(acc, ""),
                "old_owner_id": old_owner,
                "old_owner_name": col(a, "owner_name").get(acc, ""),
                "new_owner_id": b.at[acc, "owner_id"],
                "new_owner_name": col(b, "owner_name").get(acc, ""),
                "change": "moved",
                "reason": reason,
            }
        )
    for acc in b.index.difference(a.index):
        rows.append(
            {
                "account_id": acc,
                "name": col(b, "name").get(acc, ""),
                "tier": col(b, "tier").get(acc, ""),
                "old_owner_id": "",
                "old_owner_name": "",
                "new_owner_id": b.at[acc, "owner_id"],
                "new_owner_name": col(b, "owner_name").get(acc, ""),
                "change": "added",
                "reason": "new account (not in the old plan); " + str(b_reason.get(acc, "")),
            }
        )
    for acc in a.index.difference(b.index):
        rows.append(
            {
                "account_id": acc,
                "name": col(a, "name").get(acc, ""),
                "tier": col(a, "tier").get(acc, ""),
                "old_owner_id": a.at[acc, "owner_id"],
                "old_owner_name": col(a, "owner_name").get(acc, ""),
                "new_owner_id": "",
                "new_owner_name": "",
                "change": "removed",
                "reason": "no longer in the accounts",
            }
        )
    out = pd.DataFrame(rows, columns=DIFF_COLUMNS)
    return out.sort_values("account_id", kind="stable").reset_index(drop=True)
