"""Quarter after quarter (issue 16 item 5): a previous plan's moves cost more to repeat, the
summary counts accounts moved twice in a row, and ``territory diff`` chains several plans."""

from __future__ import annotations

import csv
from pathlib import Path

from click.testing import CliRunner
from test_constraints import acc, rep, solve_pool

from territory_cli.main import cli

from helpers import make_input


def write_csv(path: Path, rows: list[dict]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as f:
        w = csv.DictWriter(f, fieldnames=list(rows[0]))
        w.writeheader()
        w.writerows(rows)
    return path


def cli_plan(tmp: Path, name: str, accounts: list[dict], reps: list[dict], *args: str) -> tuple[Path, str]:
    tmp.mkdir(parents=True, exist_ok=True)
    a = write_csv(tmp / f"{name}-accounts.csv", accounts)
    r = write_csv(tmp / f"{name}-roster.csv", reps)
    out = tmp / name
    result = CliRunner().invoke(cli, ["plan", str(a), str(r), "--out", str(out), *args])
    assert result.exit_code == 0, result.output
    return out, result.output


REPS = [rep("R1"), rep("R2")]


def rows(owner_a1: str) -> list[dict]:
    """R1: a1 (potential 10), a2 (5), a3 (5); R2: c1 (0); all Tier 1."""
    return [
        acc("a1", 1, owner_a1, potential=10),
        acc("a2", 1, "R1", potential=5),
        acc("a3", 1, "R1", potential=5),
        acc("c1", 1, "R2", potential=0),
    ]


def previous_plan(tmp: Path) -> Path:
    """Last quarter a1 went from R2 to R1 (pinned there by a lock): the plan moved it."""
    locks = write_csv(tmp / "locks.csv", [{"account_id": "a1", "rep_id": "R1"}])
    wide = ("--set", "balance.measures.potential.band=100%", "--set", "balance.tier_band_min_accounts=4")
    out, _ = cli_plan(tmp, "q1", rows("R2"), REPS, "--locks", str(locks), *wide)
    moved = {r["account_id"]: r["moved"] for r in csv.DictReader((out / "assignments.csv").open())}
    assert moved == {"a1": "true", "a2": "false", "a3": "false", "c1": "false"}
    return out


def test_repeat_weight_changes_which_account_moves(engine, tmp_path):
    """
        R1: a1 (Tier 1, potential 10, moved last quarter)  a2 (Tier 1, 5)  a3 (Tier 1, 5)
        R2: c1 (Tier 1, 0)
    Tier 1 band exactly 2 each (tier_band 0, no minimum): R1 gives one account to R2. Fair
    potential 10 each, band +-10 %, penalty 1 per 100 %: giving a1 balances potential
    exactly; giving a2 or a3 leaves both reps 40 % off (penalty 0.8). A repeat move at 1 move:
    a1 goes (1 < 1.8); at 3 moves, a2 or a3 goes instead (1.8 < 3).
    """
    prev = previous_plan(tmp_path)
    sets = (
        "balance.tier_band=0",
        "balance.tier_band_min_accounts=0",
        "balance.measures.potential.penalty=1",
        f"continuity.previous={prev}",
    )
    inp = make_input(rows("R1"), REPS, *sets, "continuity.repeat_move_weight=1")
    owners, moved, _ = solve_pool(inp, engine)
    assert (owners["a1"], moved) == (["R2"], 1)
    inp = make_input(rows("R1"), REPS, *sets, "continuity.repeat_move_weight=3")
    owners, moved, _ = solve_pool(inp, engine)
    assert owners["a1"] == ["R1"] and moved == 1
    assert sorted(owners["a2"] + owners["a3"]) == ["R1", "R2"]
