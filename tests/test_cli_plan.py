"""`territory plan` as a user runs it: the example, bad input, settings, LP export."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from territory_cli.main import cli

ROOT = Path(__file__).resolve().parents[1]
ACCOUNTS = str(ROOT / "examples" / "accounts.csv")
ROSTER = str(ROOT / "examples" / "roster.csv")


@pytest.fixture(scope="module")
def example_plan(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    out = tmp_path_factory.mktemp("plan")
    result = CliRunner().invoke(cli, ["plan", ACCOUNTS, ROSTER, "--out", str(out)])
    assert result.exit_code == 0, result.output
    return out, result.output


def test_plan_example_prints_plain_summary(example_plan):
    out, output = example_plan
    assert "Planned 1,000 accounts for 16 reps in 4 pools: Optimal (proven)" in output
    assert "40 of them because their owner left the roster" in output
    assert "R12 Omar Haddad" in output and "R16 Daniel Yazzie (0.5)" in output
    assert "Largest gap to fair share" in output
    assert "owner 'R99' is not on the roster: 40 accounts will be reassigned" in output


def test_assignments_columns_and_rows(example_plan):
    out, _ = example_plan
    with open(out / "assignments.csv", newline="", encoding="utf-8") as fh:
        rows = list(csv.reader(fh))
    assert rows[0][:8] == [
        "account_id",
        "name",
        "tier",
        "region",
        "potential",
        "previous_owner_id",
        "owner_id",
        "moved",
    ]
    assert "reason" in rows[0]
    assert len(rows) == 1001
    ids = [r[0] for r in rows[1:]]
    assert ids == sorted(ids) and len(set(ids)) == 1000
    # every orphaned account of the departed owner R99 has a new owner on the roster
    orphans = [r for r in rows[1:] if r[5] == "R99"]
    assert len(orphans) == 40 and all(r[6].startswith("R") and r[6] != "R99" for r in orphans)
    assert all(r[7] == "true" for r in orphans)


def test_summary_json_contract(example_plan):
    out, _ = example_plan
    s = json.loads((out / "summary.json").read_text())
    assert list(s)[-1] == "run"
    assert s["solver"]["status"] == "optimal" and s["solver"]["gap"] is not None
    assert s["solver"]["name"] == "highs"
    assert len(s["inputs"]["accounts"]["sha256"]) == 64
    assert {"accounts_moved", "max_tier_deviation", "potential_cv", "max_potential_deviation"} <= set(
        s["overall"]
    )
    reps = {r["rep_id"]: r for r in s["reps"]}
    assert len(reps) == 16
    r12 = reps["R12"]  # the new rep starts empty and gets a full share
    assert r12["before"]["accounts"] == 0 and r12["accounts"] > 40
    r16 = reps["R16"]  # ramping rep: half the fair share of a full rep in the West
    full = [r for r in s["reps"] if r["pool"] == r16["pool"] and r["capacity"] == 1.0][0]
    assert r16["fair_tier"]["3"] == pytest.approx(full["fair_tier"]["3"] / 2)
    for r in s["reps"]:
        for t in ("1", "2", "3"):
            lo, hi = r["tier_band"][t]
            assert lo <= r["tier_counts"][t] <= hi, (r["rep_id"], t)
    changes = (out / "owner_changes.csv").read_text().splitlines()
    assert changes[0] == "account_id,owner_id"
    assert len(changes) - 1 == s["overall"]["accounts_moved"]


def test_plan_with_cbc_and_lp_export(tmp_path):
    lp = tmp_path / "model.lp"
    result = CliRunner().invoke(
        cli,
        ["plan", ACCOUNTS, ROSTER, "--out", str(tmp_path / "o"), "--solver", "cbc", "--export-lp", str(lp)],
    )
    assert result.exit_code == 0, result.output
    files = sorted(p.name for p in tmp_path.glob("model-*.lp"))
    assert files == ["model-midwest.lp", "model-northeast.lp", "model-south.lp", "model-west.lp"]
    text = (tmp_path / "model-west.lp").read_text()
    assert "tier_band_hi__rep_R13__tier_1" in text and "assign_once__unit_" in text
    s = json.loads((tmp_path / "o" / "summary.json").read_text())
    assert s["solver"]["name"] == "cbc"


def test_unknown_setting_is_a_clear_error(tmp_path):
    result = CliRunner().invoke(
        cli, ["plan", ACCOUNTS, ROSTER, "--out", str(tmp_path), "--set", "balance.tier_bnd=0.05"]
    )
    assert result.exit_code == 2
    assert "unknown setting 'balance.tier_bnd'" in result.output
    assert "Traceback" not in result.output


def test_wrong_setting_type(tmp_path):
    result = CliRunner().invoke(
        cli, ["plan", ACCOUNTS, ROSTER, "--out", str(tmp_path), "--set", "balance.tier_band=wide"]
    )
    assert result.exit_code == 2
    assert (
        "setting 'balance.tier_band' must be a share from 0 % to 100 % (write 0.05 or 5%), not 'wide'"
        in result.output
    )


def test_bad_inputs_listed_together(tmp_path):
    acc = tmp_path / "accounts.csv"
    acc.write_text(
        "account_id,name,tier,region,potential,owner_id\n"
        "A1,Acme,1,West,100,R1\n"
        "A1,Acme again,4,West,abc,R1\n"
        "A3,Nowhere Inc,2,Mars,10,R1\n",
        encoding="utf-8",
    )
    roster = tmp_path / "roster.csv"
    roster.write_text("rep_id,name,region,capacity\nR1,Ana,West,1\nR2,Bo,West,0\n", encoding="utf-8")
    result = CliRunner().invoke(cli, ["plan", str(acc), str(roster), "--out", str(tmp_path / "o")])
    assert result.exit_code == 2, result.output
    out = result.output
    assert f"{acc}:" in out and f"{roster}:" in out
    assert "row 3, column 'account_id': duplicate account_id (rows 2, 3) (value: 'A1')" in out
    assert "row 3, column 'tier': tier must be 1, 2 or 3 (value: '4')" in out
    assert "row 3, column 'potential': 'potential' is not a number (value: 'abc')" in out
    assert "row 3, column 'capacity': capacity must be above 0 (value: '0')" in out
    assert "hint:" in out
    assert "problems found in the input." in out
    assert "Traceback" not in out
    assert not (tmp_path / "o").exists()


def test_region_without_rep(tmp_path):
    acc = tmp_path / "a.csv"
    acc.write_text("account_id,tier,region,owner_id\nA1,1,West,R1\nA2,1,Mars,R1\n", encoding="utf-8")
    roster = tmp_path / "r.csv"
    roster.write_text("rep_id,region\nR1,West\n", encoding="utf-8")
    result = CliRunner().invoke(cli, ["plan", str(acc), str(roster), "--out", str(tmp_path / "o")])
    assert result.exit_code == 2
    assert "1 account in region 'Mars', which no rep covers" in result.output


def test_missing_tier_points_to_icp(tmp_path):
    acc = tmp_path / "a.csv"
    acc.write_text("account_id,region\nA1,West\n", encoding="utf-8")
    roster = tmp_path / "r.csv"
    roster.write_text("rep_id,region\nR1,West\n", encoding="utf-8")
    result = CliRunner().invoke(cli, ["plan", str(acc), str(roster), "--out", str(tmp_path / "o")])
    assert result.exit_code == 2
    assert "required column 'tier' is missing" in result.output and "--icp" in result.output


def test_settings_lists_every_setting():
    result = CliRunner().invoke(cli, ["settings"])
    assert result.exit_code == 0
    assert "balance.tier_band = 0.1" in result.output
    assert "solver.name = 'highs'" in result.output


def test_product_icps_from_the_cli(tmp_path):
    """Reps carry core or insights (four choose: auto); the ICP file tiers both products."""
    result = CliRunner().invoke(
        cli,
        [
            "plan",
            ACCOUNTS,
            str(ROOT / "examples" / "roster_products.csv"),
            "--icp",
            str(ROOT / "examples" / "icp.toml"),
            "--set",
            "tiering.source=icp",
            "--out",
            str(tmp_path),
        ],
    )
    assert result.exit_code == 0, result.output
    assert "account-product rows (core 426, insights 431)" in result.output
    assert "R01 Ana Ortiz [core]" in result.output
    with open(tmp_path / "assignments.csv", newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    assert list(rows[0])[:9] == [
        "account_id",
        "name",
        "tier",
        "region",
        "potential",
        "previous_owner_id",
        "owner_id",
        "moved",
        "product",
    ]
    s = json.loads((tmp_path / "summary.json").read_text())
    carried = {r["rep_id"]: r["product"] for r in s["reps"]}
    owners = {}
    assert len({row["account_id"] for row in rows}) == 1000  # every account is listed
    for row in rows:
        if not row["product"]:  # fits no product ICP: keeps its owner (products.no_fit = keep)
            assert row["reason"].startswith("fits no product ICP; ")
            assert row["owner_id"] == row["previous_owner_id"]
            continue
        assert carried[row["owner_id"]] == row["product"]  # a rep only owns its product's rows
        owners.setdefault((row["account_id"], row["product"]), []).append(row["owner_id"])
    assert all(len(v) == 1 for v in owners.values())
    assert {carried[r] for r in ("R05", "R10", "R12", "R15")} <= {"core", "insights"}
    assert (tmp_path / "icp.json").exists()


def test_summary_says_which_settings_the_command_line_gave_over_the_file(tmp_path):
    """tier_band in plan.toml and again with --set: the command line wins, and the summary
    said nothing of it (summary.json's config shows only the value used)."""
    toml = tmp_path / "plan.toml"
    toml.write_text("[balance]\ntier_band = 0.2\n[solver]\ntime_limit = 30\n", encoding="utf-8")
    out = tmp_path / "out"
    r = CliRunner().invoke(
        cli,
        ["plan", ACCOUNTS, ROSTER, "--out", str(out), "--config", str(toml)]
        + ["--set", "balance.tier_band=0.3", "--time-limit", "30", "--set", "families.mode=free"],
    )
    assert r.exit_code == 0, r.output
    assert (
        "\nSettings from the command line over plan.toml: balance.tier_band = 0.3 (the file said 0.2).\n"
        in r.output
    )
    s = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert s["config"]["balance"]["tier_band"] == 0.3
    import hashlib

    assert s["settings"] == {
        "file": "plan.toml",
        "sha256": hashlib.sha256(toml.read_bytes()).hexdigest(),
        "command_line": {
            "balance.tier_band": {"value": 0.3, "file_value": 0.2},
            "families.mode": {"value": "free"},
            "solver.time_limit": {"value": 30, "file_value": 30},
        },
    }
    assert list(s).index("settings") == list(s).index("files") - 1


def test_run_says_which_settings_the_command_line_gave_over_the_plan_file(tmp_path):
    out = tmp_path / "run-out"
    r = CliRunner().invoke(
        cli,
        ["run", str(ROOT / "examples" / "plan.toml"), "--set", "balance.tier_band=0.2"]
        + ["--set", f"outputs.dir={out}"],
    )
    assert r.exit_code == 0, r.output
    assert (
        "Settings from the command line over plan.toml: balance.tier_band = 0.2 (the file said 0.1); "
        in r.output
    )
    s = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert s["settings"]["command_line"]["balance.tier_band"] == {"value": 0.2, "file_value": 0.1}
    assert s["settings"]["file"] == "plan.toml"
