"""Helpers for building tiny instances through the real loaders."""

from __future__ import annotations

import pandas as pd

from territory.config import PlanConfig, load_config
from territory.io.loading import parse_accounts, parse_roster
from territory.pipeline import PlanInput, prepare_input
from territory.solve import available_solvers

SOLVERS = ["highs", "cbc"]


def solver_available(name: str) -> bool:
    return name in available_solvers()


def frames(accounts: list[dict], reps: list[dict]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Parse plain row dicts through the real loaders (as text, like a CSV)."""
    a = pd.DataFrame([{k: "" if v is None else str(v) for k, v in row.items()} for row in accounts]).fillna(
        ""
    )
    r = pd.DataFrame([{k: "" if v is None else str(v) for k, v in row.items()} for row in reps]).fillna("")
    acc, p1 = parse_accounts(a, "accounts.csv")
    rep, p2 = parse_roster(r, "roster.csv")
    assert not [p for p in p1 + p2 if p.severity == "error"], p1 + p2
    return acc, rep


def make_input(accounts: list[dict], reps: list[dict], *settings: str, solver: str = "highs") -> PlanInput:
    cfg = load_config(None, [f"solver.name={solver}", "solver.gap=0", *settings])
    acc, rep = frames(accounts, reps)
    return prepare_input(acc, rep, cfg, accounts_file="accounts.csv", roster_file="roster.csv")


def config(*settings: str) -> PlanConfig:
    return load_config(None, list(settings))
