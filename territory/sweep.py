"""The balance-versus-moves curve: the same plan under a range of move caps."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import pandas as pd

from .assignment import Plan
from .config import check_setting
from .errors import ConfigError
from .pipeline import PlanInput
from .progress import SWEEP, Progress


@dataclass(frozen=True)
class SweepPoint:
    """One point of the curve: a move cap and what the plan achieved under it."""

    cap: float | None
    status: str
    accounts_moved: int
    moved_share: float
    max_tier_deviation: float
    max_potential_deviation: float
    accounts_outside_tier_bands: int
    objective: float | None
    gap: float | None
    note: str = ""
    # With managers' requests: how many, how many the cap allowed, the moves they add, and
    # the refused ones ("A00222 -> R16; ..."); None without requests.
    requests: int | None = None
    requests_honoured: int | None = None
    requests_extra_moves: int | None = None
    requests_refused: str | None = None
    # each other measure of balance.measures: (name, largest gap of a rep to its fair share)
    measure_deviations: tuple[tuple[str, float], ...] = ()


REQUEST_FIELDS = ("requests", "requests_honoured", "requests_extra_moves", "requests_refused")


def parse_caps(text: str) -> list[float | None]:
    """'0,2%,5%,0.1,none' -> [0.0, 0.02, 0.05, 0.1, None]."""
    out: list[float | None] = []
    for part in (p.strip() for p in text.split(",")):
        if not part:
            continue
        if part.lower() in ("none", "off", "no cap"):
            out.append(None)
            continue
        # Each cap is a value of continuity.max_moved_share, checked against its declared range.
        out.append(check_setting("continuity.max_moved_share", part, "--sweep-moves"))
    if not out:
        raise ConfigError("--sweep-moves: give at least one cap, e.g. 0,2%,5%,10%,20%")
    return out


def sweep_moves(
    inp: PlanInput,
    caps: list[float | None],
    progress: Progress | None = None,
    *,
    jobs: int | None = 1,
    known: Plan | None = None,
) -> list[SweepPoint]:
    """Solve ``inp`` once per cap on the share of accounts moved (forced moves not counted).

    With managers' requests (``inp.extras["requests"]``) each point honours the requests its
    cap allows, as ``territory plan --requests`` would with that cap (see
    ``territory.batch``). ``known``: the plan of ``inp`` itself, used for the point whose cap
    is ``inp``'s own instead of solving it again. ``jobs`` > 1 solves in parallel processes.
    """
    from .batch import solve_plans

    own = inp.config.continuity.max_moved_share
    variants = []
    for cap in caps:
        cfg = dataclasses.replace(
            inp.config, continuity=dataclasses.replace(inp.config.continuity, max_moved_share=cap)
        )
        variant = PlanInput(
            inp.accounts, inp.reps, cfg, inp.inputs, inp.warnings, state=inp.state, roster=inp.roster
        )
        variant.extras.update(inp.extras)  # the requests, and what else the plan carries
        variants.append(variant)
    todo = [k for k, cap in enumerate(caps) if known is None or cap != own]
    solved = solve_plans(
        [variants[k] for k in todo],
        [cap_label(caps[k]) for k in todo],
        jobs=jobs,
        progress=progress,
        stage=SWEEP,
        strict=True,  # a cap the rules cannot meet is a point of the curve; no solver is not
    )
    done = dict(zip(todo, solved))
    return [_point(cap, *(done[k][:2] if k in done else (known, ""))) for k, cap in enumerate(caps)]


def cap_label(cap: float | None) -> str:
    """A cap as the sweep table shows it: 'none', '5%', '2.5%'."""
    if cap is None:
        return "none"
    return f"{cap:.0%}" if cap * 100 == int(cap * 100) else f"{cap:.1%}"


def _point(cap: float | None, plan: Plan | None, error: str) -> SweepPoint:
    if plan is None:
        return SweepPoint(
            cap, "infeasible", 0, 0.0, float("nan"), float("nan"), 0, None, None, error.splitlines()[0]
        )
    m = plan.metrics
    asked: dict[str, object] = {}
    if "request_outcomes" in plan.extras:
        from .requests import requests_summary

        rq = requests_summary(plan)
        refused = [
            f"{r['account_id']} -> {r['requested_rep']}" for r in rq["list"] if r["status"] != "honoured"
        ]
        asked = {
            "requests": rq["requests"],
            "requests_honoured": rq["honoured"],
            "requests_extra_moves": rq["extra_moves"],
            "requests_refused": "; ".join(refused),
        }
    return SweepPoint(
        cap=cap,
        status=plan.status,
        accounts_moved=int(m["accounts_moved"]),
        moved_share=float(m["moved_share"]),
        max_tier_deviation=max(m["max_tier_deviation"].values()),
        max_potential_deviation=float(m["max_potential_deviation"]),
        accounts_outside_tier_bands=int(m.get("accounts_outside_tier_bands", 0)),
        objective=plan.objective,
        gap=plan.gap,
        measure_deviations=tuple(
            (str(n), float(v["max_deviation"])) for n, v in m.get("measures", {}).items() if n != "potential"
        ),
        **asked,  # type: ignore[arg-type]
    )


def sweep_measures(points: list[SweepPoint]) -> list[str]:
    """The measures of balance.measures other than potential, in the plans' order."""
    return list(dict.fromkeys(n for p in points for n, _ in p.measure_deviations))


def sweep_frame(points: list[SweepPoint]) -> pd.DataFrame:
    """sweep.csv: one row per cap; the request columns only when the plan has requests."""
    rows = [dataclasses.asdict(p) for p in points]
    names = sweep_measures(points)
    for row in rows:
        row["cap"] = "none" if row["cap"] is None else f"{row['cap']:.4g}"
        gaps = dict(row.pop("measure_deviations"))
        row.update({f"max_{n}_deviation": gaps.get(n) for n in names})
    columns = [f.name for f in dataclasses.fields(SweepPoint) if f.name != "measure_deviations"]
    at = columns.index("max_potential_deviation") + 1
    frame = pd.DataFrame(rows, columns=columns[:at] + [f"max_{n}_deviation" for n in names] + columns[at:])
    if all(p.requests is None for p in points):
        frame = frame.drop(columns=list(REQUEST_FIELDS))
    return frame
