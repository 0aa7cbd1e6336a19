"""Headcount: how many reps each region (team, product) needs, and what N-1 .. N+2 would give.

The need is arithmetic: a group's workload (its accounts weighted by tier with
``balance.workload_weights``, or its account count) over a target per full rep. The plans
are real: today's headcount and every change in ``capacity.changes`` (one rep fewer, one and
two more by default) are what-if scenarios (``territory.scenarios``) solved in parallel, so
each row's balance and moves are a plan's own numbers, measured like every plan.

Which rep leaves in an "N-1" plan: the one the user names (``remove``), else the rep of the
group with the smallest capacity, then the smallest book today (a successor's book counts
the accounts they inherit), then the one listed last on the roster: losing them loses the
least coverage and moves the fewest accounts, so the row shows the cheapest way to be one
rep short. A rep whose leaving would leave a region without reps is passed over. New reps
are "new hires": capacity 1.0, no accounts, covering every region of the group (and its
team, product and segment when all its reps share one).
"""

from __future__ import annotations

import dataclasses
import math
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from . import __version__
from .assignment import Plan
from .balance import BookStats, balance_metrics, relative_deviation
from .config import PlanConfig
from .errors import ConfigError, InputError, TerritoryError
from .io.loading import rep_regions
from .io.validation import region_key
from .pipeline import PlanInput
from .progress import Progress
from .scenarios import BASELINE, AddRep, RemoveRep, Scenario, apply_scenario, run_scenarios

NO_MANAGER = "(no manager)"


@dataclass(frozen=True)
class Group:
    """Reps planned as one: a region (or regions linked by reps who cover several), a team or a product."""

    name: str
    rep_ids: tuple[str, ...]
    hire_region: str  # the region cell a new hire gets
    manager: str = ""
    product: str = ""
    segment: str = ""


def _common(values: Sequence[str]) -> str:
    """The one value every rep shares, else ''."""
    vals = {v.strip() for v in values}
    return vals.pop() if len(vals) == 1 else ""


def _region_groups(reps: pd.DataFrame) -> list[tuple[str, list[int], str]]:
    """Regions linked by reps who cover several (union-find): (name, rep positions, hire region)."""
    cells = [rep_regions(c) for c in reps["region"].astype(str)]
    if any("*" in c for c in cells):
        return [("all regions", list(range(len(reps))), "*")]
    parent: dict[str, str] = {}

    def find(k: str) -> str:
        while parent.setdefault(k, k) != k:
            parent[k] = parent[parent[k]]
            k = parent[k]
        return k

    shown: dict[str, str] = {}
    for c in cells:
        keys = [region_key(r) for r in c]
        for r in c:
            shown.setdefault(region_key(r), r)
        for k in keys[1:]:
            parent[find(k)] = find(keys[0])
        if keys:
            find(keys[0])
    members: dict[str, list[int]] = {}
    for i, c in enumerate(cells):
        if c:
            members.setdefault(find(region_key(c[0])), []).append(i)
    out = []
    for root, idx in members.items():
        regions = sorted({shown[k] for k in parent if find(k) == root}, key=str.casefold)
        out.append((" + ".join(regions), idx, ";".join(regions)))
    return sorted(out, key=lambda g: g[0].casefold())


def rep_groups(reps: pd.DataFrame, by: str) -> list[Group]:
    """The reps split by region, manager (team) or product, in name order."""
    ids = reps["rep_id"].astype(str).tolist()
    col = {
        c: reps[c].astype(str).tolist() if c in reps.columns else [""] * len(reps)
        for c in ("region", "manager", "product", "segment")
    }
    if by == "region":
        parts = _region_groups(reps)
    else:
        if by == "product":
            auto = [r for r, p in zip(ids, col["product"]) if p.strip().lower() in ("", "auto")]
            if auto:
                raise ConfigError(
                    f"headcount by product needs every rep's product in the roster; {', '.join(auto[:5])} "
                    "carr" + ("ies" if len(auto) == 1 else "y") + " no fixed product (empty or auto)"
                )
        keyed: dict[str, list[int]] = {}
        for i, v in enumerate(col[by]):
            keyed.setdefault(v.strip() or NO_MANAGER, []).append(i)
        parts = []
        for name, idx in sorted(keyed.items(), key=lambda kv: kv[0].casefold()):
            regions: list[str] = []
            for i in idx:
                for r in rep_regions(col["region"][i]):
                    if region_key(r) not in {region_key(x) for x in regions}:
                        regions.append(r)
            parts.append((name, idx, "*" if "*" in regions else ";".join(regions)))
    groups = []
    for name, idx, hire_region in parts:
        pick = [col[c] for c in ("manager", "product", "segment")]
        manager, product, segment = (_common([v[i] for i in idx]) for v in pick)
        if by == "manager" and name != NO_MANAGER:
            manager = name
        if by == "product":
            product = name
        elif product == "" and any(col["product"][i].strip() for i in idx):
            product = "auto"  # reps of several products: the new hire's product is chosen by the plan
        groups.append(Group(name, tuple(ids[i] for i in idx), hire_region, manager, product, segment))
    return groups


def removal_order(inp: PlanInput, group: Group) -> list[str]:
    """The group's reps in the order an "N-1" plan removes them (see the module docstring)."""
    reps = inp.reps.set_index(inp.reps["rep_id"].astype(str))
    heirs = inp.roster.heirs(inp.reps)
    owners = inp.accounts.drop_duplicates("account_id")["owner_id"].astype(str).map(lambda o: heirs.get(o, o))
    book = owners.value_counts()
    pos = {r: i for i, r in enumerate(inp.reps["rep_id"].astype(str))}
    return sorted(
        group.rep_ids,
        key=lambda r: (float(reps.at[r, "capacity"]), int(book.get(r, 0)), -pos[r]),
    )


@dataclass(frozen=True)
class Need:
    """A group's workload today and the headcount the target asks for."""

    group: str
    reps: int
    fte: float
    accounts: int
    workload: float  # tier-weighted (balance.workload_weights)
    per_fte: float | None  # the measure (workload or accounts) per full rep today
    needed_fte: float
    needed_reps: int  # full reps, rounded up


@dataclass(frozen=True)
class Row:
    """One plan of one group: today's headcount or a change of it."""

    group: str
    change: int
    reps: int
    fte: float
    removed: tuple[str, ...] = ()
    added: tuple[str, ...] = ()
    status: str = ""
    accounts: int | None = None
    workload: float | None = None
    per_fte: float | None = None
    busiest_per_fte: float | None = None
    accounts_moved: int | None = None
    plan_accounts_moved: int | None = None
    max_tier_deviation: float | None = None
    max_potential_deviation: float | None = None
    # each other measure of balance.measures: (name, largest gap of a rep to its fair share)
    measure_deviations: tuple[tuple[str, float | None], ...] = ()
    accounts_outside_tier_bands: int | None = None
    note: str = ""


@dataclass
class Capacity:
    """What ``territory capacity`` found: the need per group and one row per plan."""

    by: str
    measure: str  # "workload" or "accounts"
    target: float
    target_from: str  # "--target-workload", "capacity.target_workload", ..., or "today's average"
    weights: tuple[float, ...]
    needs: list[Need]
    rows: list[Row]
    plans: int = 0
    seconds: float = 0.0
    warnings: list[str] = field(default_factory=list)

    def __repr__(self) -> str:
        return f"<Capacity [{len(self.needs)} groups by {self.by}, {self.plans} plans, {self.seconds:.1f} s]>"


def _target(
    cfg: PlanConfig, target_workload: float | None, target_accounts: float | None
) -> tuple[str, float | None, str]:
    if target_workload is not None and target_accounts is not None:
        raise ConfigError("give --target-workload or --target-accounts, not both")
    if target_workload is not None:
        return "workload", target_workload, "--target-workload"
    if target_accounts is not None:
        return "accounts", target_accounts, "--target-accounts"
    c = cfg.capacity
    if c.target_accounts is not None:
        return "accounts", c.target_accounts, "capacity.target_accounts"
    if c.target_workload is not None:
        return "workload", c.target_workload, "capacity.target_workload"
    return "workload", None, "today's average"


def _load(p: Plan, measure: str) -> np.ndarray:
    """Each planned row's load: its tier weight, or 1 (an account)."""
    if measure == "accounts":
        return np.ones(len(p.accounts))
    w = np.asarray(p.config.balance.workload_weights[:3], dtype=float)
    return w[p.accounts["tier"].to_numpy(dtype=np.int64) - 1]


def _measure(p: Plan, reps: Sequence[str], gone: Sequence[str], measure: str) -> dict[str, Any]:
    """The numbers of one group of reps in plan ``p``."""
    a = p.accounts
    owner = a["owner_id"].astype(str)
    mine = owner.isin(reps).to_numpy()
    load = _load(p, measure)
    rep_ids = p.reps["rep_id"].astype(str).tolist()
    idx = np.array([rep_ids.index(r) for r in reps], dtype=np.int64)
    cap = p.reps["capacity"].to_numpy(dtype=float)[idx]
    fte = float(cap.sum())
    per_rep = np.array([load[(owner == r).to_numpy()].sum() for r in reps], dtype=float)
    arr = p.extras["arrays"]
    after = arr["after"]
    stats = BookStats(after.tier_counts[idx], after.potential[idx], after.accounts[idx])
    m = balance_metrics(
        stats,
        arr["fair_tier"][idx],
        arr["fair_potential"][idx],
        arr["tier_lo"][idx],
        arr["tier_hi"][idx],
    )
    touched = mine | a["previous_owner_id"].astype(str).isin([*reps, *gone]).to_numpy()
    tier_dev = m["max_tier_deviation"]
    assert isinstance(tier_dev, dict)
    gaps = relative_deviation(arr["after_values"][idx], arr["fair_value"][idx])
    others = tuple(
        (str(name), _largest(gaps[:, j])) for j, name in enumerate(arr["measures"]) if name != "potential"
    )
    return {
        "accounts": int(mine.sum()),
        "workload": float(_load(p, "workload")[mine].sum()),
        "per_fte": float(load[mine].sum() / fte) if fte > 0 else None,
        "busiest_per_fte": float((per_rep / cap).max()) if len(reps) else None,
        "accounts_moved": int((a["moved"].to_numpy(dtype=bool) & touched).sum()),
        "plan_accounts_moved": int(p.metrics["accounts_moved"]),
        "max_tier_deviation": float(max(tier_dev.values())),
        "max_potential_deviation": float(m["max_potential_deviation"]),  # type: ignore[arg-type]
        "measure_deviations": others,
        "accounts_outside_tier_bands": int(m["accounts_outside_tier_bands"]),  # type: ignore[call-overload]
    }


def _largest(gaps: np.ndarray) -> float | None:
    """The largest |gap| of the reps with a fair share (None when none has one)."""
    known = np.abs(gaps[~np.isnan(gaps)])
    return float(known.max()) if known.size else None


def _scenario(
    inp: PlanInput, group: Group, change: int, order: list[str], taken: set[str]
) -> tuple[Scenario | None, str]:
    """The scenario for ``group`` with ``change`` reps, or why there is none."""
    name = f"{group.name} {change:+d}"
    if change > 0:
        steps = []
        for k in range(1, change + 1):
            rid = next(f"NEW{i:02d}" for i in range(1, 10_000) if f"NEW{i:02d}" not in taken)
            taken.add(rid)
            steps.append(
                AddRep(
                    f"New hire {k} ({group.name})",
                    group.hire_region,
                    1.0,
                    rid,
                    manager=group.manager,
                    product=group.product,
                    segment=group.segment,
                )
            )
        return Scenario(name, tuple(steps)), ""
    need = -change
    if need >= len(group.rep_ids):
        return None, f"the group has {len(group.rep_ids)} rep{'s' if len(group.rep_ids) != 1 else ''}"
    chosen: list[str] = []
    last = ""
    for rep in order:  # the first reps whose leaving keeps every region covered
        trial = Scenario(name, tuple(RemoveRep(r) for r in [*chosen, rep]))
        try:
            apply_scenario(inp, trial)
        except (InputError, ConfigError) as e:
            last = str(e).splitlines()[0]
            continue
        chosen.append(rep)
        if len(chosen) == need:
            return trial, ""
    return None, f"no {need} rep{'s' if need != 1 else ''} can leave: {last}"


def plan_capacity(
    inp: PlanInput,
    *,
    by: str | None = None,
    target_workload: float | None = None,
    target_accounts: float | None = None,
    remove: Sequence[str] = (),
    jobs: int | None = 1,
    progress: Progress | None = None,
) -> Capacity:
    """Plan today's headcount and each change of ``capacity.changes`` for every group; measure them.

    :param by: "region", "manager" or "product" (default ``capacity.by``).
    :param remove: reps to remove first in their group's "N-1" (and "N-2") plans.
    :param progress: see ``territory.progress``: stage "scenarios", the plan's name as item, as the
        plans finish (in parallel with ``jobs``).
    """
    t0 = time.perf_counter()
    cfg = inp.config
    by = by or cfg.capacity.by
    measure, target, target_from = _target(cfg, target_workload, target_accounts)
    groups = rep_groups(inp.reps, by)
    on_roster = set(inp.reps["rep_id"].astype(str))
    unknown = [r for r in remove if r not in on_roster]
    if unknown:
        raise ConfigError(
            f"--remove-rep {unknown[0]}: no rep {unknown[0]!r} on the roster; reps: "
            + ", ".join(sorted(on_roster)[:20])
        )
    taken = set(on_roster)
    scenarios: list[Scenario] = [Scenario(BASELINE)]
    slots: list[tuple[Group, int, Scenario | None, str]] = []
    for g in groups:
        named = [r for r in remove if r in g.rep_ids]
        order = named + [r for r in removal_order(inp, g) if r not in named]
        for change in sorted(cfg.capacity.changes):
            sc, why = _scenario(inp, g, change, order, taken)
            slots.append((g, change, sc, why))
            if sc is not None:
                scenarios.append(sc)
    results = run_scenarios(inp, scenarios, jobs=jobs, progress=progress)
    base = results[0].plan
    if base is None:
        raise TerritoryError(f"today's headcount has no plan: {results[0].error}")
    by_name = {r.name: r for r in results}
    load = _load(base, measure)
    total = float(load.sum())
    fte_all = float(base.reps["capacity"].sum())
    if target is None:
        target = total / fte_all if fte_all > 0 else 0.0
    needs = []
    rows: list[Row] = []
    for g in groups:
        now = _measure(base, g.rep_ids, (), measure)
        fte = float(base.reps.set_index("rep_id").loc[list(g.rep_ids), "capacity"].sum())
        carried = now["workload"] if measure == "workload" else now["accounts"]
        needed = carried / target if target > 0 else 0.0
        needs.append(
            Need(
                g.name,
                len(g.rep_ids),
                fte,
                now["accounts"],
                now["workload"],
                now["per_fte"],
                needed,
                int(math.ceil(needed - 1e-9)),
            )
        )
        plans = [Row(g.name, 0, len(g.rep_ids), fte, status=base.status, **now)]
        for gg, change, sc, why in slots:
            if gg is not g:
                continue
            if sc is None:
                plans.append(
                    Row(g.name, change, len(g.rep_ids) + change, math.nan, status="not planned", note=why)
                )
                continue
            removed = tuple(t.rep_id for t in sc.transforms if isinstance(t, RemoveRep))
            added = tuple(t.rep_id for t in sc.transforms if isinstance(t, AddRep))
            members = [r for r in g.rep_ids if r not in removed] + list(added)
            row = Row(g.name, change, len(members), math.nan, removed, added)
            res = by_name[sc.name]
            if res.plan is None:
                plans.append(dataclasses.replace(row, status="no plan", note=res.error.splitlines()[0]))
                continue
            p = res.plan
            fte_s = float(p.reps.set_index("rep_id").loc[members, "capacity"].sum())
            measured = _measure(p, members, removed, measure)
            plans.append(dataclasses.replace(row, fte=fte_s, status=p.status, **measured))
        rows += sorted(plans, key=lambda r: r.change)
    return Capacity(
        by,
        measure,
        float(target),
        target_from,
        tuple(cfg.balance.workload_weights[:3]),
        needs,
        rows,
        plans=len(scenarios),
        seconds=time.perf_counter() - t0,
        warnings=[w.sentence() for w in inp.warnings],
    )


COLUMNS = [
    "group",
    "measure",
    "change",
    "reps",
    "fte",
    "removed",
    "added",
    "status",
    "accounts",
    "workload",
    "per_fte",
    "busiest_per_fte",
    "target_per_fte",
    "needed_fte",
    "needed_reps",
    "accounts_moved",
    "plan_accounts_moved",
    "max_tier_deviation",
    "max_potential_deviation",
    "accounts_outside_tier_bands",
    "note",
]


def measure_names(c: Capacity) -> list[str]:
    """The measures of balance.measures other than potential, in the plans' order."""
    return list(dict.fromkeys(n for r in c.rows for n, _ in r.measure_deviations))


def capacity_frame(c: Capacity) -> pd.DataFrame:
    """capacity.csv: one row per group and headcount, with the group's need on every row."""
    need = {n.group: n for n in c.needs}
    out = []
    names = measure_names(c)
    at = COLUMNS.index("max_potential_deviation") + 1
    columns = COLUMNS[:at] + [f"max_{n}_deviation" for n in names] + COLUMNS[at:]
    for r in c.rows:
        row = dataclasses.asdict(r)
        gaps = dict(row.pop("measure_deviations"))
        row.update({f"max_{n}_deviation": gaps.get(n) for n in names})
        row["removed"] = ";".join(r.removed)
        row["added"] = ";".join(r.added)
        row["measure"] = c.measure
        row["target_per_fte"] = c.target
        row["needed_fte"] = need[r.group].needed_fte
        row["needed_reps"] = need[r.group].needed_reps
        out.append(row)
    frame = pd.DataFrame(out, columns=columns)
    for col in ("accounts", "accounts_moved", "plan_accounts_moved", "accounts_outside_tier_bands"):
        frame[col] = frame[col].astype("Int64")
    return frame


def capacity_dict(c: Capacity, inp: PlanInput) -> dict[str, Any]:
    """capacity.json: the question, the need per group and every plan's numbers."""
    from .config import config_to_dict

    rows = capacity_frame(c).to_dict("records")  # NaN and <NA> are written as null
    settings = inp.extras.get("settings")  # where the settings came from, as in summary.json
    return {
        "format": "territory-capacity/1",
        "territory_version": __version__,
        "by": c.by,
        "measure": c.measure,
        "target_per_fte": c.target,
        "target_from": c.target_from,
        "workload_weights": list(c.weights),
        "inputs": {
            f.label: {"file": Path(f.path).name, "sha256": f.sha256, "rows": f.rows} for f in inp.inputs
        },
        "config": config_to_dict(inp.config),
        **({"settings": settings} if settings is not None else {}),
        "needs": [dataclasses.asdict(n) for n in c.needs],
        "plans": rows,
        "warnings": c.warnings,
        "run": {"plans": c.plans, "seconds": round(c.seconds, 3)},
    }


def write_capacity(
    c: Capacity, inp: PlanInput, out_dir: str | Path, *, protect: Sequence[str | Path | None] = ()
) -> Path:
    """Write capacity.csv and capacity.json into ``out_dir`` as one unit (see ``territory.io.staging``)."""
    from .io.staging import staged_folder
    from .io.writing import write_csv, write_json

    with staged_folder(out_dir, protect=protect) as stage:
        write_csv(capacity_frame(c), stage.path / "capacity.csv")
        write_json(capacity_dict(c, inp), stage.path / "capacity.json")
    return Path(out_dir)
