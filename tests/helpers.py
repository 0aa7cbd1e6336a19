"""Helpers for building tiny instances through the real loaders."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from territory.accountstate import AccountState, RosterState
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
    return parsed_input(*frames(accounts, reps), cfg)


def parsed_input(acc: pd.DataFrame, rep: pd.DataFrame, cfg: PlanConfig) -> PlanInput:
    """The plan input of parsed accounts and roster, about which nothing else is known (no
    locks file, no lock rules: an empty AccountState)."""
    rep, roster = RosterState.split(rep)
    return prepare_input(
        acc,
        rep,
        cfg,
        state=AccountState.empty(len(acc)),
        roster=roster,
        accounts_file="accounts.csv",
        roster_file="roster.csv",
    )


def config(*settings: str) -> PlanConfig:
    return load_config(None, list(settings))


def assert_moved_agrees(output: str, out_dir: str | Path) -> int:
    """The terminal's "Moved N" is the row count of the owner-update file(s), always.

    When the guard withheld the files, none is in the folder, the terminal says so, and N is
    what summary.json says they would have held. Returns N.
    """
    import csv
    import json
    import re

    out = Path(out_dir)
    found = re.findall(r"^Moved ([\d,]+) ", output, flags=re.M)
    assert len(found) == 1, f"no single 'Moved N' line in:\n{output}"
    n = int(found[0].replace(",", ""))
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    crm = summary["crm_update"]
    assert summary["overall"]["owner_changes"] == n
    assert sum(f["rows"] for f in crm["files"]) == n
    on_disk = sorted(p.name for p in out.glob("owner_changes*.csv"))
    if crm["written"]:
        assert on_disk == sorted(f["file"] for f in crm["files"])
        total = 0
        for name in on_disk:
            with open(out / name, newline="", encoding="utf-8") as fh:
                total += sum(1 for _ in csv.DictReader(fh))
        assert total == n, f"'Moved {n}' but the update files hold {total} rows"
    else:
        assert on_disk == [], f"withheld, yet {on_disk} in {out}"
        assert "CRM UPDATE WITHHELD" in output
    with open(out / "assignments.csv", newline="", encoding="utf-8") as fh:
        changed = sum(1 for r in csv.DictReader(fh) if r["owner_id"] not in ("", r["previous_owner_id"]))
    assert changed == n, f"'Moved {n}' but assignments.csv has {changed} owner changes"
    return n
