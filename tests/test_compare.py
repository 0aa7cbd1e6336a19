"""`territory compare` and `territory diff` on plan directories."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from click.testing import CliRunner

from territory_cli.main import cli

from scenario_data import write_inputs


@pytest.fixture(scope="module")
def plans(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    tmp = tmp_path_factory.mktemp("plans")
    a, r = write_inputs(tmp / "in")
    out = {}
    for name, extra in (
        ("q1", []),
        ("q2", ["--set", "balance.tier_band=0.3", "--set", "continuity.move_cost=5"]),
    ):
        result = CliRunner().invoke(cli, ["plan", str(a), str(r), "--out", str(tmp / name), "-q", *extra])
        assert result.exit_code == 0, result.output
        out[name] = tmp / name
    # Quarter 3: the CRM moved A005 to R2 by hand and R4 left.
    rows = list(csv.reader((a).open()))
    for row in rows:
        if row[0] == "A005":
            row[5] = "R2"
    with open(tmp / "in" / "accounts_q3.csv", "w", newline="") as fh:
        csv.writer(fh).writerows(rows + [["A099", "New Co", "West", "1", "900", "", "", "Software"]])
    roster = [line for line in r.read_text().splitlines() if not line.startswith("R4,")]
    (tmp / "in" / "roster_q3.csv").write_text("\n".join(roster) + "\n")
    result = CliRunner().invoke(
        cli,
        [
            "plan",
            str(tmp / "in" / "accounts_q3.csv"),
            str(tmp / "in" / "roster_q3.csv"),
            "--out",
            str(tmp / "q3"),
            "-q",
        ],
    )
    assert result.exit_code == 0, result.output
    out["q3"] = tmp / "q3"
    return out


def test_compare_prints_side_by_side_and_writes_csv(plans: dict[str, Path], tmp_path: Path) -> None:
    target = tmp_path / "cmp.csv"
    result = CliRunner().invoke(
        cli, ["compare", str(plans["q1"]), str(plans["q2"]), str(plans["q3"]), "--out", str(target)]
    )
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0].split() == ["q1", "q2", "q3"]
    rows = {line[:30].strip(): line[30:].split() for line in lines[2 : lines.index("")]}
    assert rows["Reps"] == ["4", "4", "3"]
    assert rows["Accounts"] == ["48", "48", "49"]
    assert rows["Owner differs from first plan"][0] == "0"
    assert set(rows) >= {
        "Accounts moved",
        "Max tier deviation",
        "Max potential deviation",
        "Gap",
        "Solver status",
    }
    assert any(line.startswith("R4 Di East") and line.split()[-1] == "-" for line in lines)
    assert lines[-1] == f"Wrote {target}."
    table = list(csv.DictReader(target.open()))
    assert list(table[0]) == ["section", "rep_id", "metric", "q1", "q2", "q3"]
    plan_rows = {r["metric"]: r for r in table if r["section"] == "plan"}
    assert plan_rows["reps"]["q3"] == "3"
    r4 = {r["metric"]: r for r in table if r["rep_id"] == "R4"}
    assert r4["accounts"]["q3"] == "" and r4["accounts"]["q1"] != ""


def test_diff_lists_owner_changes_with_reasons(plans: dict[str, Path], tmp_path: Path) -> None:
    target = tmp_path / "changes.csv"
    result = CliRunner().invoke(
        cli, ["diff", str(plans["q1"]), str(plans["q3"]), "--out", str(target), "--limit", "0"]
    )
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(target.open()))
    assert list(rows[0]) == [
        "account_id",
        "name",
        "tier",
        "old_owner_id",
        "old_owner_name",
        "new_owner_id",
        "new_owner_name",
        "change",
        "reason",
    ]
    by_id = {r["account_id"]: r for r in rows}
    assert by_id["A099"]["change"] == "added" and by_id["A099"]["reason"].startswith("new account")
    left = [r for r in rows if r["old_owner_id"] == "R4"]
    assert left and all("owner R4 left the roster" in r["reason"] for r in left)
    assert result.output.splitlines()[0].endswith("; 1 added.")
    if "A005" in by_id:  # moved by hand in the CRM between the plans
        assert by_id["A005"]["reason"].startswith(
            "owner changed in the CRM between the plans (from R1 to R2)"
        )


def test_diff_of_a_plan_with_itself_is_empty(plans: dict[str, Path]) -> None:
    result = CliRunner().invoke(cli, ["diff", str(plans["q1"]), str(plans["q1"])])
    assert result.exit_code == 0
    assert result.output.splitlines() == [
        f"0 accounts changed owner between {plans['q1']} and {plans['q1']}."
    ]


def test_compare_needs_plan_directories(tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    result = CliRunner().invoke(cli, ["compare", str(tmp_path / "empty"), "--out", str(tmp_path / "c.csv")])
    assert result.exit_code == 2
    assert f"{tmp_path / 'empty'}" in result.output and "summary.json is missing" in result.output


def test_owner_differs_is_not_zero_for_plans_with_no_account_in_common(
    plans: dict[str, Path], tmp_path: Path
) -> None:
    """Plans of two exports with other ids (15- and 18-character Salesforce ids, say) share
    no account: "Owner differs from first plan" was 0, as if the plans agreed. It is '-'."""
    a, r = write_inputs(tmp_path / "in")
    rows = list(csv.reader(a.open()))
    for row in rows[1:]:
        row[0] = "X" + row[0]
        row[6] = "X" + row[6] if row[6] else ""
    with open(tmp_path / "other_ids.csv", "w", newline="") as fh:
        csv.writer(fh).writerows(rows)
    out = tmp_path / "other"
    result = CliRunner().invoke(
        cli, ["plan", str(tmp_path / "other_ids.csv"), str(r), "--out", str(out), "-q"]
    )
    assert result.exit_code == 0, result.output
    result = CliRunner().invoke(
        cli, ["compare", str(plans["q1"]), str(out), "--out", str(tmp_path / "c.csv")]
    )
    assert result.exit_code == 0, result.output
    line = next(x for x in result.output.splitlines() if x.startswith("Owner differs from first plan"))
    assert line.split()[-2:] == ["0", "-"]


def test_compare_says_when_plans_cover_other_accounts(plans: dict[str, Path], tmp_path: Path) -> None:
    """q3's export has a new account (A099): the comparison said nothing, so 'Owner differs'
    and the balance rows read as if the plans split the same accounts."""
    out = tmp_path / "c.csv"
    result = CliRunner().invoke(cli, ["compare", str(plans["q1"]), str(plans["q3"]), "--out", str(out)])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    row = next(x for x in lines if x.startswith("  accounts not in the first plan"))
    assert row.split()[-2:] == ["0", "1"]
    row = next(x for x in lines if x.startswith("  first plan's accounts not in it"))
    assert row.split()[-2:] == ["0", "0"]
    n = sum(1 for _ in csv.reader((plans["q1"] / "assignments.csv").open())) - 1
    assert (
        f"q3 covers other accounts than q1: 1 not in q1, 0 of q1 not in q3; 'Owner differs from first "
        f"plan' counts the {n} accounts in both, and the balance figures are each plan's own accounts."
    ) in lines
    table = list(csv.DictReader(out.open()))
    assert [r["q3"] for r in table if r["metric"] == "accounts_not_in_first"] == ["1"]
    # plans of the same accounts: neither the rows nor the sentence
    same = CliRunner().invoke(
        cli, ["compare", str(plans["q1"]), str(plans["q2"]), "--out", str(tmp_path / "s.csv")]
    )
    assert "accounts not in the first plan" not in same.output and "covers other accounts" not in same.output
