"""Quarter after quarter (issue 16 item 5): a previous plan's moves cost more to repeat, the
summary counts accounts moved twice in a row, and ``territory diff`` chains several plans."""

from __future__ import annotations

import csv
import hashlib
import json
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


WIDE = ("--set", "balance.measures.potential.band=100%", "--set", "balance.tier_band_min_accounts=4")


def quarters(tmp: Path) -> list[Path]:
    """q1 moves a1 (R2 -> R1, pinned by a lock); q2 starts from q1's owners and moves a1 back
    (pinned to R2), with a new account n1 and without c1; q3 moves nothing."""
    lock1 = write_csv(tmp / "lock1.csv", [{"account_id": "a1", "rep_id": "R1"}])
    lock2 = write_csv(tmp / "lock2.csv", [{"account_id": "a1", "rep_id": "R2"}])
    q1, _ = cli_plan(tmp, "q1", rows("R2"), REPS, "--locks", str(lock1), *WIDE)
    q2_rows = rows("R1")[:3] + [acc("n1", 1, "R2", potential=0)]
    q2, out2 = cli_plan(tmp, "q2", q2_rows, REPS, "--locks", str(lock2), "--previous", str(q1), *WIDE)
    q3_rows = [dict(r, owner_id="R2") if r["account_id"] == "a1" else r for r in q2_rows]
    q3, _ = cli_plan(tmp, "q3", q3_rows, REPS, "--previous", str(q2), *WIDE)
    (tmp / "q2-output.txt").write_text(out2, encoding="utf-8")
    return [q1, q2, q3]


def test_second_quarter_reports_accounts_moved_twice(tmp_path):
    q1, q2, q3 = quarters(tmp_path)
    s = json.loads((q2 / "summary.json").read_text(encoding="utf-8"))
    assert s["continuity"] == {
        "previous": "q1",
        "previous_sha256": hashlib.sha256((q1 / "assignments.csv").read_bytes()).hexdigest(),
        "moved_in_previous": 1,
        "not_in_previous": 1,
        "only_in_previous": 1,
        "repeat_move_weight": 2.0,
        "moved_in_previous_and_here": 1,
        "moved_again": 1,
        "moved_again_owner_left": 0,
        "moved_again_accounts": ["a1"],
    }
    assert s["warnings"] == [
        "the previous plan covers other accounts: 1 account of this plan is not in it (counted as "
        f"not moved there); 1 account of it is not in this plan ({q1}). Hint: check that "
        "--previous names the plan made from last quarter's export of the same CRM"
    ]
    reasons = {r["account_id"]: r["reason"] for r in csv.DictReader((q2 / "assignments.csv").open())}
    assert reasons["a1"].endswith("; moved in the previous plan too")
    assert not reasons["a2"].endswith("too")
    out = (tmp_path / "q2-output.txt").read_text(encoding="utf-8")
    assert (
        "Previous plan q1: 1 of these accounts moved there; 1 of them moves again (a repeat move "
        "costs 2 moves): a1." in out
    )
    s3 = json.loads((q3 / "summary.json").read_text(encoding="utf-8"))
    assert (s3["continuity"]["moved_in_previous_and_here"], s3["continuity"]["moved_again"]) == (1, 0)


def test_previous_plan_that_was_edited_is_refused(tmp_path):
    q1, _ = cli_plan(tmp_path, "q1", rows("R2"), REPS, *WIDE)
    with (q1 / "assignments.csv").open("a", encoding="utf-8") as f:
        f.write("x\n")
    a = write_csv(tmp_path / "a.csv", rows("R1"))
    r = write_csv(tmp_path / "r.csv", REPS)
    result = CliRunner().invoke(
        cli, ["plan", str(a), str(r), "--out", str(tmp_path / "q2"), "--previous", str(q1)]
    )
    assert result.exit_code == 2, result.output
    assert "cannot read the plan named by --previous (continuity.previous)" in result.output
    assert not (tmp_path / "q2").exists()


def test_diff_chains_three_quarters(tmp_path):
    q1, q2, q3 = quarters(tmp_path)
    out = tmp_path / "chain.csv"
    result = CliRunner().invoke(cli, ["diff", str(q1), str(q2), str(q3), "--out", str(out)])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[:3] == [
        "3 plans, oldest first: q1, q2, q3.",
        "Accounts moved by each plan: q1 1, q2 1, q3 0.",
        "Moved by 2 or more plans in a row: 1 account (2 in a row: 1).",
    ]
    assert lines[3].split() == [
        "a1",
        "R1",
        "->",
        "R2",
        "->",
        "R2",
        "moved",
        "by",
        "q1,",
        "q2",
        "(2",
        "in",
        "a",
        "row)",
    ]
    chain = {r["account_id"]: r for r in csv.DictReader(out.open(encoding="utf-8"))}
    assert chain["a1"] == {
        "account_id": "a1",
        "q1": "R1",
        "q2": "R2",
        "q3": "R2",
        "moved_in": "q1;q2",
        "consecutive_moves": "2",
    }
    assert chain["c1"]["q2"] == "" and chain["n1"]["q1"] == ""


def test_diff_needs_two_plans(tmp_path):
    result = CliRunner().invoke(cli, ["diff", str(tmp_path)])
    assert result.exit_code == 2
    assert "give two plan folders (old, new), or three or more to follow a chain" in result.output


def test_repeat_moves_of_a_leavers_accounts_are_told_apart(tmp_path):
    """q1 moved a1 to R1; R1 leaves before q2, so a1 moves again whatever the weight."""
    lock1 = write_csv(tmp_path / "lock1.csv", [{"account_id": "a1", "rep_id": "R1"}])
    q1, _ = cli_plan(tmp_path, "q1", rows("R2"), REPS, "--locks", str(lock1), *WIDE)
    q2, out = cli_plan(tmp_path, "q2", rows("R1"), [rep("R2"), rep("R3")], "--previous", str(q1), *WIDE)
    c = json.loads((q2 / "summary.json").read_text(encoding="utf-8"))["continuity"]
    assert (c["moved_again"], c["moved_again_owner_left"], c["moved_again_accounts"]) == (1, 1, ["a1"])
    assert (
        "Previous plan q1: 1 of these accounts moved there; 1 of them moves again, 1 because their "
        "owner left the roster (a repeat move costs 2 moves): a1." in out
    )


def test_plan_toml_previous_is_relative_to_the_file(tmp_path):
    """continuity.previous in plan.toml names the folder relative to plan.toml, as every path."""
    from territory.runner import run_plan_file

    lock1 = write_csv(tmp_path / "lock1.csv", [{"account_id": "a1", "rep_id": "R1"}])
    cli_plan(tmp_path, "q1", rows("R2"), REPS, "--locks", str(lock1), *WIDE)
    write_csv(tmp_path / "q2-accounts.csv", rows("R1"))
    write_csv(tmp_path / "q2-roster.csv", REPS)
    (tmp_path / "plan.toml").write_text(
        '[inputs]\naccounts = "q2-accounts.csv"\nroster = "q2-roster.csv"\n'
        '[outputs]\ndir = "q2"\n'
        '[continuity]\nprevious = "q1"\nrepeat_move_weight = 3\n'
        '[balance]\ntier_band_min_accounts = 4\n[balance.measures.potential]\nband = "100%"\n',
        encoding="utf-8",
    )
    result = run_plan_file(tmp_path / "plan.toml", books=False)
    c = result.summary["continuity"]
    assert (c["previous"], c["repeat_move_weight"], c["moved_in_previous_and_here"]) == ("q1", 3.0, 1)
