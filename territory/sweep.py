"""The balance-versus-moves curve: the same plan under a range of move caps."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import pandas as pd

from .config import check_setting
from .errors import ConfigError, InfeasiblePlanError
from .pipeline import PlanInput, solve_input
from .progress import SWEEP, Progress, reporter


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
    inp: PlanInput, caps: list[float | None], progress: Progress | None = None
) -> list[SweepPoint]:
    """Solve ``inp`` once per cap on the share of accounts moved (forced moves not counted)."""
    report = reporter(progress)
    points = []
    for k, cap in enumerate(caps):
        report(SWEEP, k, len(caps))
        cfg = dataclasses.replace(
            inp.config, continuity=dataclasses.replace(inp.config.continuity, max_moved_share=cap)
        )
        variant = PlanInput(inp.accounts, inp.reps, cfg, inp.inputs, inp.warnings)
        try:
            plan = solve_input(variant)
        except InfeasiblePlanError as e:
            points.append(
                SweepPoint(
                    cap,
                    "infeasible",
                    0,
                    0.0,
                    float("nan"),
                    float("nan"),
                    0,
                    None,
                    None,
                    str(e).splitlines()[0],
                )
            )
            continue
        m = plan.metrics
        points.append(
            SweepPoint(
                cap=cap,
                status=plan.status,
                accounts_moved=int(m["accounts_moved"]),
                moved_share=float(m["moved_share"]),
                max_tier_deviation=max(m["max_tier_deviation"].values()),
                max_potential_deviation=float(m["max_potential_deviation"]),
                accounts_outside_tier_bands=int(m.get("accounts_outside_tier_bands", 0)),
                objective=plan.objective,
                gap=plan.gap,
            )
        )
    report(SWEEP, len(caps), len(caps))
    return points


def sweep_frame(points: list[SweepPoint]) -> pd.DataFrame:
    rows = [dataclasses.asdict(p) for p in points]
    for row in rows:
        row["cap"] = "none" if row["cap"] is None else f"{row['cap']:.4g}"
    return pd.DataFrame(rows)
