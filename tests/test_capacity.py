"""Headcount: `territory capacity` (issue 16, item 4).

The book, drawn so the need is hand-checkable:

    West: W1-W12, Tier 1/2/3 four each (workload 4*3 + 4*2 + 4*1 = 24), all owned by R1;
          reps R1 (capacity 1.0) and R2 (0.5, no accounts): 1.5 FTE.
    East: E1-E6, Tier 3 (workload 6), owned by R3, the only East rep: 1 FTE.

With --target-workload 10 the West needs 2.4 FTE (3 full reps) and the East 0.6 (1 rep).
Today's average is 30 / 2.5 = 12 per FTE.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from click.testing import CliRunner

import territory
from territory.capacity import plan_capacity, rep_groups
from territory.config import load_config
from territory.errors import ConfigError
from territory_cli.main import cli


def write(path: Path, rows: list[dict[str, str]]) -> Path:
    with open(path, "w", newline="", encoding="utf-8") as fh:
        w = csv.DictWriter(fh, fieldnames=list(rows[0]))
        w.writeheader()
        w.writerows(rows)
    return path


def accounts(tmp_path: Path, north: bool = False) -> Path:
    rows = [
        {"account_id": f"W{i}", "region": "West", "tier": str(1 + (i - 1) // 4), "owner_id": "R1"}
        for i in range(1, 13)
    ]
    rows += [{"account_id": f"E{i}", "region": "East", "tier": "3", "owner_id": "R3"} for i in range(1, 7)]
    if north:
        rows += [
            {"account_id": f"N{i}", "region": "North", "tier": "2", "owner_id": "R1"} for i in range(1, 3)
        ]
    for r in rows:
        r["potential"] = "100"
    return write(tmp_path / "accounts.csv", rows)


ROSTER = [
    {"rep_id": "R1", "name": "Ana", "manager": "Mia", "region": "West", "capacity": "1"},
    {"rep_id": "R2", "name": "Bo", "manager": "Mia", "region": "West", "capacity": "0.5"},
    {"rep_id": "R3", "name": "Cy", "manager": "Ned", "region": "East", "capacity": "1"},
]


def load(tmp_path: Path, roster: list[dict[str, str]] | None = None, *settings: str, north: bool = False):
    a = accounts(tmp_path, north)
    r = write(tmp_path / "roster.csv", roster or ROSTER)
    return territory.load_input(a, r, load_config(None, list(settings)))


def test_need_per_region_and_one_plan_per_headcount(tmp_path: Path) -> None:
    c = plan_capacity(load(tmp_path), target_workload=10)
    assert (c.by, c.measure, c.target, c.target_from) == ("region", "workload", 10.0, "--target-workload")
    east, west = c.needs
    assert (west.group, west.reps, west.fte, west.accounts, west.workload) == ("West", 2, 1.5, 12, 24.0)
    assert west.per_fte == 16.0 and west.needed_fte == pytest.approx(2.4) and west.needed_reps == 3
    assert (east.group, east.fte, east.workload, east.needed_fte, east.needed_reps) == (
        "East",
        1.0,
        6.0,
        0.6,
        1,
    )
    rows = {(r.group, r.change): r for r in c.rows}
    assert [(r.group, r.change) for r in c.rows] == [
        ("East", -1),
        ("East", 0),
        ("East", 1),
        ("East", 2),
        ("West", -1),
        ("West", 0),
        ("West", 1),
        ("West", 2),
    ]
    assert rows["East", -1].status == "not planned" and rows["East", -1].note == "the group has 1 rep"
    # One rep fewer in the West: R2 (the smallest capacity) leaves; R1 carries all 24.
    minus = rows["West", -1]
    assert (minus.removed, minus.reps, minus.fte, minus.per_fte, minus.busiest_per_fte) == (
        ("R2",),
        1,
        1.0,
        24.0,
        24.0,
    )
    assert minus.accounts_moved == 0 and minus.status == "optimal"
    plus = rows["West", 1]
    assert (plus.added, plus.reps, plus.fte, plus.per_fte) == (("NEW04",), 3, 2.5, 9.6)
    assert rows["West", 2].added == ("NEW05", "NEW06") and rows["East", 1].added == ("NEW01",)
    now = rows["West", 0]
    assert now.per_fte == 16.0 and now.plan_accounts_moved == now.accounts_moved  # only the West moves
    assert c.plans == 6  # today + West -1, +1, +2 + East +1, +2


def test_default_target_is_today_s_average_and_accounts_can_be_the_measure(tmp_path: Path) -> None:
    inp = load(tmp_path)
    c = plan_capacity(inp)
    assert (c.target, c.target_from) == (12.0, "today's average")
    assert [(n.group, n.needed_reps) for n in c.needs] == [("East", 1), ("West", 2)]
    a = plan_capacity(inp, target_accounts=5)
    assert (a.measure, a.target_from) == ("accounts", "--target-accounts")
    assert [(n.group, n.accounts, n.workload, n.per_fte, n.needed_fte, n.needed_reps) for n in a.needs] == [
        ("East", 6, 6.0, 6.0, 1.2, 2),
        ("West", 12, 24.0, 8.0, 2.4, 3),
    ]
    with pytest.raises(ConfigError, match="give --target-workload or --target-accounts, not both"):
        plan_capacity(inp, target_workload=1, target_accounts=1)


def test_settings_give_the_target_and_the_changes(tmp_path: Path) -> None:
    inp = load(tmp_path, None, "capacity.target_accounts=6", "capacity.changes=[1]")
    c = plan_capacity(inp)
    assert (c.measure, c.target, c.target_from) == ("accounts", 6.0, "capacity.target_accounts")
    assert [(r.group, r.change) for r in c.rows] == [("East", 0), ("East", 1), ("West", 0), ("West", 1)]
    with pytest.raises(ConfigError, match="changes lists changes from today's headcount"):
        load_config(None, ["capacity.changes=[0, 1]"])


def test_the_named_rep_leaves_and_a_rep_whose_leaving_uncovers_a_region_is_passed_over(
    tmp_path: Path,
) -> None:
    c = plan_capacity(load(tmp_path), target_workload=10, remove=["R1"])
    assert {(r.group, r.change): r.removed for r in c.rows}["West", -1] == ("R1",)
    # R1 covers West and North, R2 only West: R2 has the smaller capacity but R1 may not leave.
    roster = [dict(ROSTER[0], region="West;North", capacity="0.5"), dict(ROSTER[1], capacity="1"), ROSTER[2]]
    c = plan_capacity(load(tmp_path, roster, north=True), target_workload=10)
    assert [n.group for n in c.needs] == ["East", "North + West"]
    minus = {(r.group, r.change): r for r in c.rows}["North + West", -1]
    assert minus.removed == ("R2",)
    plus = {(r.group, r.change): r for r in c.rows}["North + West", 1]
    assert plus.status == "optimal" and plus.reps == 3
    with pytest.raises(ConfigError, match="--remove-rep R9: no rep 'R9' on the roster; reps: R1, R2, R3"):
        plan_capacity(load(tmp_path), remove=["R9"])


def test_groups_by_team_and_by_product(tmp_path: Path) -> None:
    inp = load(tmp_path)
    teams = rep_groups(inp.reps, "manager")
    assert [(g.name, g.rep_ids, g.hire_region, g.manager) for g in teams] == [
        ("Mia", ("R1", "R2"), "West", "Mia"),
        ("Ned", ("R3",), "East", "Ned"),
    ]
    c = plan_capacity(inp, by="manager", target_workload=10)
    assert [(n.group, n.needed_reps) for n in c.needs] == [("Mia", 3), ("Ned", 1)]
    with pytest.raises(ConfigError) as e:
        rep_groups(inp.reps.assign(product=["core", "auto", "core"]), "product")
    assert str(e.value) == (
        "headcount by product needs every rep's product in the roster; R2 carries no fixed product (empty or auto)"
    )
    products = rep_groups(inp.reps.assign(product=["core", "core", "addon"]), "product")
    assert [(g.name, g.rep_ids, g.product, g.hire_region) for g in products] == [
        ("addon", ("R3",), "addon", "East"),
        ("core", ("R1", "R2"), "core", "West"),
    ]


def test_cli_writes_one_folder_and_prints_the_tables(tmp_path: Path) -> None:
    accounts(tmp_path)
    write(tmp_path / "roster.csv", ROSTER)
    out = tmp_path / "cap"
    args = ["capacity", str(tmp_path / "accounts.csv"), str(tmp_path / "roster.csv"), "--out", str(out)]
    res = CliRunner().invoke(cli, [*args, "--target-workload", "10"])
    assert res.exit_code == 0, res.output
    assert sorted(p.name for p in out.iterdir()) == ["capacity.csv", "capacity.json"]
    text = res.output
    assert (
        "Headcount by region: a full rep (capacity 1.0) should carry 10.0 workload (Tier 1 = 3, Tier 2 = 2, "
        "Tier 3 = 1 per account); from --target-workload."
    ) in text
    assert (
        "West          12         24     2 (1.5)               16.0        2.40                 3  +1.5"
        in text
    )
    assert (
        "East           6          6       1 (1)                6.0        0.60                 1  0" in text
    )
    assert (
        "East        -1           -                             -         -       -         -              -"
        "              -  not planned: the group has 1 rep"
    ) in text
    assert "West        -1       1 (1)  R2 leaves               24.0      24.0       0" in text
    assert (
        "Solved 6 plans in " in text and f"wrote {out / 'capacity.csv'} and {out / 'capacity.json'}." in text
    )
    with open(out / "capacity.csv", newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    west_minus = next(r for r in rows if r["group"] == "West" and r["change"] == "-1")
    assert (west_minus["removed"], west_minus["reps"], west_minus["fte"], west_minus["per_fte"]) == (
        "R2",
        "1",
        "1",
        "24",
    )
    assert west_minus["needed_reps"] == "3" and west_minus["target_per_fte"] == "10"
    summary = json.loads((out / "capacity.json").read_text(encoding="utf-8"))
    assert summary["format"] == "territory-capacity/1"
    assert [n["group"] for n in summary["needs"]] == ["East", "West"]
    assert summary["plans"][0]["fte"] is None and summary["plans"][0]["status"] == "not planned"
    first = (out / "capacity.csv").read_bytes()
    # Again into the same folder (it is ours), with one process: the same bytes.
    res = CliRunner().invoke(cli, [*args, "--target-workload", "10", "-j", "1", "-q"])
    assert res.exit_code == 0, res.output
    assert (out / "capacity.csv").read_bytes() == first
    again = json.loads((out / "capacity.json").read_text(encoding="utf-8"))
    summary.pop("run"), again.pop("run")
    assert again == summary


def test_cli_refuses_both_targets_and_a_foreign_folder(tmp_path: Path) -> None:
    accounts(tmp_path)
    write(tmp_path / "roster.csv", ROSTER)
    args = ["capacity", str(tmp_path / "accounts.csv"), str(tmp_path / "roster.csv"), "--out"]
    res = CliRunner().invoke(
        cli, [*args, str(tmp_path / "c"), "--target-workload", "1", "--target-accounts", "1"]
    )
    assert res.exit_code == 2
    assert "Error: give --target-workload or --target-accounts, not both" in res.output
    res = CliRunner().invoke(cli, [*args, str(tmp_path / "c"), "--target-workload", "-3"])
    assert res.exit_code == 2
    assert "setting 'capacity.target_workload' must be a number from 0.000001 to 1,000,000,000" in res.output
    (tmp_path / "mine").mkdir()
    (tmp_path / "mine" / "capacity.csv").write_text("not ours\n")
    res = CliRunner().invoke(cli, [*args, str(tmp_path / "mine")])
    assert res.exit_code == 2
    assert "capacity.csv" in res.output and (tmp_path / "mine" / "capacity.csv").read_text() == "not ours\n"


def test_lock_rules_and_successors_hold_in_every_headcount(tmp_path: Path) -> None:
    """R2 is leaving with R1 as successor; the West's need counts R1 alone, and W1 (strategic)
    stays with R1 in every plan."""
    a = accounts(tmp_path)
    text = a.read_text().splitlines()
    rows = [text[0] + ",strategic"] + [
        line + (",true" if line.startswith("W1,") else ",") for line in text[1:]
    ]
    a.write_text("\n".join(rows) + "\n")
    roster = [dict(r, successor="") for r in ROSTER] + [
        {"rep_id": "R4", "name": "Di", "manager": "Mia", "region": "West", "capacity": "1", "successor": "R1"}
    ]
    r = write(tmp_path / "roster.csv", roster)
    cfg = load_config(None, ['locks.rules=[{column = "strategic", equals = "true"}]'])
    c = plan_capacity(territory.load_input(a, r, cfg), target_workload=10)
    west = next(n for n in c.needs if n.group == "West")
    assert (west.reps, west.fte) == (2, 1.5)
    minus = {(x.group, x.change): x for x in c.rows}["West", -1]
    assert minus.removed == ("R2",)


def test_cli_reads_the_inputs_and_target_from_a_plan_file(tmp_path: Path) -> None:
    accounts(tmp_path)
    write(tmp_path / "roster.csv", ROSTER)
    (tmp_path / "plan.toml").write_text(
        '[inputs]\naccounts = "accounts.csv"\nroster = "roster.csv"\n'
        "[capacity]\ntarget_accounts = 5\nchanges = [1]\n",
        encoding="utf-8",
    )
    res = CliRunner().invoke(
        cli, ["capacity", "--config", str(tmp_path / "plan.toml"), "--out", str(tmp_path / "cap"), "-q"]
    )
    assert res.exit_code == 0, res.output
    summary = json.loads((tmp_path / "cap" / "capacity.json").read_text(encoding="utf-8"))
    assert (summary["measure"], summary["target_from"]) == ("accounts", "capacity.target_accounts")
    assert [(n["group"], n["needed_reps"]) for n in summary["needs"]] == [("East", 2), ("West", 3)]
    assert [p["change"] for p in summary["plans"]] == [0, 1, 0, 1]
    res = CliRunner().invoke(cli, ["capacity", "--out", str(tmp_path / "cap")])
    assert res.exit_code == 2
    assert "Error: give ACCOUNTS and ROSTER, or a plan file with [inputs] as --config FILE" in res.output
    (tmp_path / "bare.toml").write_text("[capacity]\ntarget_accounts = 5\n", encoding="utf-8")
    res = CliRunner().invoke(
        cli, ["capacity", "--config", str(tmp_path / "bare.toml"), "--out", str(tmp_path / "c2")]
    )
    assert res.exit_code == 2
    assert res.output == (
        f"Error: {tmp_path / 'bare.toml'}: setting 'inputs.accounts' is required for 'territory capacity'; "
        'e.g. [inputs] accounts = "accounts.csv"\n'
    )


def test_capacity_json_records_where_the_settings_came_from(tmp_path: Path) -> None:
    """capacity.json says which settings file and command-line settings were used, as summary.json does."""
    import hashlib

    accounts(tmp_path)
    write(tmp_path / "roster.csv", ROSTER)
    toml = tmp_path / "plan.toml"
    toml.write_text("[balance]\ntier_band = 0.3\n", encoding="utf-8")
    out = tmp_path / "cap"
    args = ["capacity", str(tmp_path / "accounts.csv"), str(tmp_path / "roster.csv"), "--out", str(out)]
    res = CliRunner().invoke(
        cli, [*args, "--config", str(toml), "--set", "balance.tier_band=0.2", "--target-workload", "10", "-q"]
    )
    assert res.exit_code == 0, res.output
    summary = json.loads((out / "capacity.json").read_text(encoding="utf-8"))
    assert summary["settings"] == {
        "file": "plan.toml",
        "sha256": hashlib.sha256(toml.read_bytes()).hexdigest(),
        "command_line": {"balance.tier_band": {"value": 0.2, "file_value": 0.3}},
    }
    assert list(summary).index("settings") == list(summary).index("config") + 1


def test_a_small_target_is_shown_as_given(tmp_path: Path) -> None:
    """--target-accounts 0.25 was printed as 'should carry 0.2 accounts' (one decimal)."""
    accounts(tmp_path)
    write(tmp_path / "roster.csv", ROSTER)
    args = [
        "capacity",
        str(tmp_path / "accounts.csv"),
        str(tmp_path / "roster.csv"),
        "--out",
        str(tmp_path / "c"),
    ]
    res = CliRunner().invoke(cli, [*args, "--target-accounts", "0.25"])
    assert res.exit_code == 0, res.output
    assert "a full rep (capacity 1.0) should carry 0.25 accounts; from --target-accounts." in res.output
