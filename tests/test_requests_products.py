"""Managers' requests when reps carry products (product ICPs): a request names an
account-product row (the requested rep's product, or the line's ``product`` column), is
priced against the plan of that product's reps, and ``territory explain --to`` answers the
same question for one row."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

from territory.config import load_config
from territory.pipeline import load_input
from territory.requests import solve_with_requests
from territory_cli.main import cli

#   core (Tier 1):  R1 owns A1 A2, R2 owns A3 A4        fair share 2 each, band 1-3
#   ins  (Tier 1):  R3 owns A5; A1 and A6 have no ins owner (R1 carries core)
# A request for A1 to R2 is about A1's core row: R2 gets 3, R1 keeps 1 (both in the band).
ACCOUNTS = (
    "account_id,name,tier_core,tier_ins,region,potential,owner_id\n"
    "A1,Acct 1,1,1,West,0,R1\n"
    "A2,Acct 2,1,,West,0,R1\n"
    "A3,Acct 3,1,,West,0,R2\n"
    "A4,Acct 4,1,,West,0,R2\n"
    "A5,Acct 5,,1,West,0,R3\n"
    "A6,Acct 6,3,1,West,0,\n"
)
ROSTER = (
    "rep_id,name,region,capacity,product\n"
    "R1,Rep One,West,1.0,core\n"
    "R2,Rep Two,West,1.0,core\n"
    "R3,Rep Three,West,1.0,ins\n"
)


@pytest.fixture
def files(tmp_path: Path) -> tuple[Path, Path]:
    a, r = tmp_path / "accounts.csv", tmp_path / "roster.csv"
    a.write_text(ACCOUNTS, encoding="utf-8")
    r.write_text(ROSTER, encoding="utf-8")
    return a, r


def test_request_prices_the_product_row(files, tmp_path):
    accounts, roster = files
    req = tmp_path / "requests.csv"
    req.write_text(
        "account_id,rep_id,requested_by,note\nA1,R2,Mia Chen,R2 knows them\nA5,keep,Mia Chen,\n"
        "A6,R3,Mia Chen,\n",
        encoding="utf-8",
    )
    cfg = load_config(None, ["solver.gap=0"])
    plan = solve_with_requests(load_input(accounts, roster, cfg, requests_path=req))
    by = {(o.request.account_id, o.request.product): o for o in plan.extras["request_outcomes"]}
    assert sorted(by) == [("A1", "core"), ("A5", "ins"), ("A6", "ins")]  # keep: A5's only product row
    o = by[("A1", "core")]
    assert o.status == "honoured"
    assert o.reason == "honoured: +1 move, R2 Tier 1 now 3 (band 1-3), R1 Tier 1 now 1 (band 1-3)"
    assert by[("A6", "ins")].reason == "honoured: the plan gives A6 (ins) to R3 anyway; no price"
    rows = plan.accounts.set_index(pd.Index(plan.state.row_id))
    assert rows.at["A1::core", "owner_id"] == "R2"
    assert rows.at["A1::core", "reason"] == "requested by Mia Chen: R2 knows them"
    assert rows.at["A1::ins", "owner_id"] == "R3"  # the other product's row is not asked about
    assert "requested" not in rows.at["A1::ins", "reason"]


def test_plan_folder_and_explain_name_the_product(files, tmp_path):
    accounts, roster = files
    req = tmp_path / "requests.csv"
    req.write_text("account_id,rep_id,requested_by,note\nA1,R2,Mia Chen,\n", encoding="utf-8")
    out = tmp_path / "plan"
    args = ["plan", str(accounts), str(roster), "--out", str(out), "--set", "solver.gap=0"]
    result = CliRunner().invoke(cli, [*args, "--requests", str(req), "--allow-mass-change"])
    assert result.exit_code == 0, result.output
    assert "row 2   A1 (core) -> R2  honoured: +1 move, R2 Tier 1 now 3 (band 1-3)" in result.output
    with open(out / "requests.csv", newline="", encoding="utf-8") as fh:
        [row] = list(csv.DictReader(fh))
    assert (row["account_id"], row["product"], row["rep_id"], row["status"]) == (
        "A1",
        "core",
        "R2",
        "honoured",
    )
    s = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert s["requests"]["list"][0]["product"] == "core"

    base = tmp_path / "base"
    result = CliRunner().invoke(cli, [*args[:4], str(base), "--set", "solver.gap=0", "--allow-mass-change"])
    assert result.exit_code == 0, result.output
    result = CliRunner().invoke(cli, ["explain", str(base), "A1", "--to", "R2", "-q"])
    assert result.exit_code == 0, result.output
    assert result.output == (
        "A1 (core) -> R2 (the plan gives it to R1): honoured: +1 move, R2 Tier 1 now 3 (band 1-3), "
        "R1 Tier 1 now 1 (band 1-3)\n"
    )
    result = CliRunner().invoke(cli, ["explain", str(base), "A1", "--to", "R2", "--product", "ins", "-q"])
    assert result.exit_code == 2
    assert "R2 carries core, but the line asks for A1's ins owner" in result.output


def test_explain_with_auto_rep_asks_for_the_product(tmp_path):
    accounts = tmp_path / "accounts.csv"
    roster = tmp_path / "roster.csv"
    accounts.write_text(ACCOUNTS, encoding="utf-8")
    roster.write_text(
        ROSTER.replace("R3,Rep Three,West,1.0,ins", "R3,Rep Three,West,1.0,auto"), encoding="utf-8"
    )
    base = tmp_path / "base"
    args = ["plan", str(accounts), str(roster), "--out", str(base), "--allow-mass-change"]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0, result.output
    result = CliRunner().invoke(cli, ["explain", str(base), "A1", "--to", "R3", "-q"])
    assert result.exit_code == 2
    assert (
        "R3 has product = auto (the plan chooses it) and A1 fits core, ins: say which product's owner "
        "R3 should be (value: 'R3')" in result.output
    )
    assert "hint: name the product with --product" in result.output
