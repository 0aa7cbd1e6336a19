"""Balance per manager's team (``balance.team_band``): the plan's summary, terminal and the
manager roll-up show each team's tier mix and measures against its fair share."""

from __future__ import annotations

import csv
import json
from pathlib import Path

from click.testing import CliRunner

from territory_cli.main import cli


def write_csv(path: Path, rows: list[dict]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as f:
        w = csv.DictWriter(f, fieldnames=list(rows[0]))
        w.writeheader()
        w.writerows(rows)
    return path


def teams_instance(tmp_path: Path) -> tuple[Path, Path]:
    """Team M1 (R1, R2) holds 6 of the 8 Tier 1 accounts, team M2 (R3, R4) 2: every rep
    within its own band (1-3), team M1 outside its team band (3-5). Potential 100 each, its rep
    band +-100 %: the team band on potential (360-440 for a team) then asks for 4 and 4."""
    owners = ["R1"] * 3 + ["R2"] * 3 + ["R3", "R4"]
    accounts = [
        {
            "account_id": f"A{i}",
            "name": f"Account {i}",
            "region": "West",
            "tier": "1",
            "potential": "100",
            "owner_id": o,
        }
        for i, o in enumerate(owners, 1)
    ]
    reps = [
        {"rep_id": r, "name": f"Rep {r}", "region": "West", "capacity": "1", "manager": m}
        for r, m in (("R1", "Mia Manager"), ("R2", "Mia Manager"), ("R3", "Otto Boss"), ("R4", "Otto Boss"))
    ]
    return write_csv(tmp_path / "accounts.csv", accounts), write_csv(tmp_path / "roster.csv", reps)


def plan(tmp_path: Path, *sets: str) -> tuple[str, dict]:
    acc, roster = teams_instance(tmp_path)
    out = tmp_path / "plan"
    args = ["plan", str(acc), str(roster), "--out", str(out), "--set", "balance.tier_band=0.5"]
    args += ["--set", "balance.measures.potential.band=100%"]
    for s in sets:
        args += ["--set", s]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0, result.output
    return result.output, json.loads((out / "summary.json").read_text(encoding="utf-8"))


def test_team_band_balances_teams_and_summary_shows_them(tmp_path):
    output, s = plan(tmp_path, "balance.team_band=0.1")
    teams = {t["manager"]: t for t in s["teams"]}
    assert sorted(teams) == ["Mia Manager", "Otto Boss"]
    mia = teams["Mia Manager"]
    assert mia["reps"] == ["R1", "R2"]
    assert mia["capacity"] == 2.0
    assert mia["tier_counts"] == {"1": 4, "2": 0, "3": 0}
    assert mia["fair_tier"] == {"1": 4.0, "2": 0.0, "3": 0.0}
    assert mia["tier_band"]["1"] == [3, 5]
    assert mia["measures"]["potential"]["value"] == 400.0
    assert mia["measures"]["potential"]["fair"] == 400.0
    assert mia["measures"]["potential"]["band"] == [360.0, 440.0]
    assert s["overall"]["accounts_moved"] == 2
    assert "Teams sharing a pool (band +-10% around each team's fair share):" in output
    assert "  Mia Manager (West, 2 reps): Tier 1 4 (fair 4.0, band 3-5), Potential +0.0% vs fair" in output


def test_without_team_band_no_team_section(tmp_path):
    output, s = plan(tmp_path)
    assert "teams" not in s
    assert "Teams (" not in output
    assert s["overall"]["accounts_moved"] == 0


def test_manager_rollup_shows_the_team_band(tmp_path):
    from conftest_books import GENERATED_ON

    from territory.reporting import build_manager_rollup, load_plan_dir, render_html

    plan(tmp_path, "balance.team_band=0.1")
    folder = load_plan_dir(tmp_path / "plan")
    ctx = build_manager_rollup(folder, "Mia Manager", generated_on=GENERATED_ON, maps=False)
    assert [(b.what, b.value, b.fair, b.low, b.high) for b in ctx.team_bands] == [
        ("Tier 1", 4.0, 4.0, 3, 5),
        ("Potential", 400.0, 400.0, 360.0, 440.0),
    ]
    html = " ".join(render_html(ctx).split())
    assert (
        "Team balance against the team's fair share and band: Tier 1 4 (fair 4, band 3-5); "
        "Potential 400 (fair 400, band 360-440)." in html
    )


def test_a_team_alone_in_its_pool_is_not_listed(tmp_path):
    acc, roster = teams_instance(tmp_path)
    text = roster.read_text(encoding="utf-8").replace("Otto Boss", "Mia Manager")
    roster.write_text(text, encoding="utf-8")
    out = tmp_path / "plan"
    result = CliRunner().invoke(
        cli, ["plan", str(acc), str(roster), "--out", str(out), "--set", "balance.team_band=0.1"]
    )
    assert result.exit_code == 0, result.output
    assert (
        "Teams: no pool has two managers' teams, so each team holds its whole pool's share." in result.output
    )
    teams = json.loads((out / "summary.json").read_text(encoding="utf-8"))["teams"]
    assert [(t["manager"], t["reps"]) for t in teams] == [("Mia Manager", ["R1", "R2", "R3", "R4"])]


def test_team_band_per_product(tmp_path):
    """Product ICPs: each team is balanced within each product its reps carry. M1 (R1 core,
    R2 ins) holds 5 of 6 core accounts and 1 of 6 ins accounts; M2 (R3 core, R4 auto, which
    takes ins) the rest. Over both products each team holds half, so only a per-product team
    band moves anything: one core account to M2, one ins account to M1."""
    owners = ["R1"] * 5 + ["R3"] + ["R2"] + ["R4"] * 5
    accounts = [
        {
            "account_id": f"A{i:02d}",
            "name": f"Account {i}",
            "region": "West",
            "tier_core": "1" if i <= 6 else "",
            "tier_ins": "" if i <= 6 else "1",
            "potential": "0",
            "owner_id": o,
        }
        for i, o in enumerate(owners, 1)
    ]
    reps = [
        {"rep_id": r, "name": f"Rep {r}", "region": "West", "capacity": "1", "manager": m, "product": p}
        for r, m, p in (("R1", "M1", "core"), ("R2", "M1", "ins"), ("R3", "M2", "core"), ("R4", "M2", "auto"))
    ]
    acc = write_csv(tmp_path / "accounts.csv", accounts)
    roster = write_csv(tmp_path / "roster.csv", reps)
    out = tmp_path / "plan"
    args = ["plan", str(acc), str(roster), "--out", str(out), "--set", "balance.tier_band=0.7"]
    result = CliRunner().invoke(cli, [*args, "--set", "balance.team_band=0.1", "--allow-mass-change"])
    assert result.exit_code == 0, result.output
    s = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    got = {(t["manager"], t["product"]): (t["tier_counts"]["1"], t["fair_tier"]["1"]) for t in s["teams"]}
    assert got == {
        ("M1", "core"): (4, 3.0),
        ("M1", "ins"): (2, 3.0),
        ("M2", "core"): (2, 3.0),
        ("M2", "ins"): (4, 3.0),
    }
    assert s["overall"]["accounts_moved"] == 2
    assert "  M1 [core] (West / core, ins, 1 rep): Tier 1 4 (fair 3.0, band 2-4)" in result.output
