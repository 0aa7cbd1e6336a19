"""Managers' requests (issue 16 item 2): honoured with their price, or refused with the band
that would make room; `territory explain PLAN ACCOUNT --to REP` gives the same answer."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from territory.config import load_config
from territory.io.plandir import read_plan_folder
from territory.pipeline import load_input, solve_input
from territory.requests import explain_request, solve_with_requests
from territory_cli.main import cli

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = [str(ROOT / "examples" / "accounts.csv"), str(ROOT / "examples" / "roster.csv")]


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def rows(path: Path) -> list[dict[str, str]]:
    with open(path, newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


# --------------------------------------------------------------------------- a tiny instance
#
#   R1 (West, 1.0): A1 A2 A3 A4 (Tier 1, all locked), A7 A8 A9 (Tier 3)
#   R2 (West, 1.0): A5 A6 (Tier 1), A10 A11 A12 (Tier 3)
#
# Tier 1 fair share is 3 each, band 2-4 (+-1 account). A request for A5 to R1 gives R1 five
# Tier 1 accounts and R2 one; R1's four are locked, so nothing can make up for it.

TINY_ACCOUNTS = "account_id,name,tier,region,potential,owner_id,locked\n" + "".join(
    f"A{i},Acct {i},{1 if i <= 6 else 3},West,{0 if i <= 6 else 100},"
    f"{'R1' if i <= 4 or 7 <= i <= 9 else 'R2'},{'true' if i <= 4 else 'false'}\n"
    for i in range(1, 13)
)
TINY_ROSTER = "rep_id,name,region,capacity\nR1,Rep One,West,1.0\nR2,Rep Two,West,1.0\n"


@pytest.fixture
def tiny(tmp_path: Path) -> tuple[Path, Path]:
    return write(tmp_path / "accounts.csv", TINY_ACCOUNTS), write(tmp_path / "roster.csv", TINY_ROSTER)


def test_refused_request_says_the_band_that_makes_room(tiny, tmp_path):
    accounts, roster = tiny
    req = write(
        tmp_path / "requests.csv", "account_id,rep_id,requested_by,note\nA5,R1,Mia Chen,R1 met them\n"
    )
    cfg = load_config(None, ["solver.gap=0"])
    plan = solve_with_requests(load_input(accounts, roster, cfg, requests_path=req))
    [o] = plan.extras["request_outcomes"]
    assert o.status == "refused"
    assert o.reason == (
        "refused: R1 would be 1 Tier 1 account over its band (5, band 2-4); R2 would be 1 Tier 1 "
        "account under its band (1, band 2-4); honouring it needs balance.tier_band >= 0.67"
    )
    assert o.needs == {"balance.tier_band": 0.67}
    owner = dict(zip(plan.accounts["account_id"], plan.accounts["owner_id"]))
    assert owner["A5"] == "R2"  # refused: the plan is the plan without the request
    assert "requested" not in plan.accounts.set_index("account_id").at["A5", "reason"]

    # With the band it names, the same request is honoured.
    wider = load_config(None, ["solver.gap=0", "balance.tier_band=0.67"])
    plan = solve_with_requests(load_input(accounts, roster, wider, requests_path=req))
    [o] = plan.extras["request_outcomes"]
    assert o.status == "honoured", o.reason
    assert dict(zip(plan.accounts["account_id"], plan.accounts["owner_id"]))["A5"] == "R1"


def test_bands_bend_honours_what_the_hard_rules_allow(tiny, tmp_path):
    accounts, roster = tiny
    req = write(tmp_path / "requests.csv", "account_id,rep_id\nA5,R1\n")
    cfg = load_config(None, ["solver.gap=0", "requests.bands=bend"])
    plan = solve_with_requests(load_input(accounts, roster, cfg, requests_path=req))
    [o] = plan.extras["request_outcomes"]
    assert o.status == "honoured"
    assert o.reason == (
        "honoured: +1 move, R1 Tier 1 now 5 (band 2-4), R2 Tier 1 now 1 (band 2-4), bands bend: R1 would "
        "be 1 Tier 1 account over its band (5, band 2-4); R2 would be 1 Tier 1 account under its band (1, band 2-4)"
    )


def test_hard_bands_refuse_with_the_band_needed(tiny, tmp_path):
    accounts, roster = tiny
    req = write(tmp_path / "requests.csv", "account_id,rep_id\nA5,R1\n")
    cfg = load_config(None, ["solver.gap=0", "balance.hard_bands=true"])
    plan = solve_with_requests(load_input(accounts, roster, cfg, requests_path=req))
    [o] = plan.extras["request_outcomes"]
    assert o.status == "refused"
    assert o.reason.endswith("honouring it needs balance.tier_band >= 0.67")


# --------------------------------------------------------------------------- the bundled example


@pytest.fixture(scope="module")
def example_plans(tmp_path_factory):
    """The example planned without requests, and with one request that moves an account."""
    tmp = tmp_path_factory.mktemp("requests")
    req = write(
        tmp / "requests.csv",
        "account_id,rep_id,requested_by,note\n"
        "A00051,R11,Teresa Alvarez,Hannah ran the pilot\n"
        'A00003,R01,Rachel Goldberg,=HYPERLINK("http://x")\n',
    )
    runner = CliRunner()
    plain = runner.invoke(cli, ["plan", *EXAMPLE, "--out", str(tmp / "plain"), "-q"])
    assert plain.exit_code == 0, plain.output
    asked = runner.invoke(cli, ["plan", *EXAMPLE, "--out", str(tmp / "asked"), "--requests", str(req)])
    assert asked.exit_code == 0, asked.output
    return tmp, asked.output


def test_honoured_request_moves_the_account_at_the_price_shown(example_plans):
    tmp, output = example_plans
    plain = json.loads((tmp / "plain" / "summary.json").read_text(encoding="utf-8"))
    asked = json.loads((tmp / "asked" / "summary.json").read_text(encoding="utf-8"))
    before = {r["account_id"]: r for r in rows(tmp / "plain" / "assignments.csv")}
    after = {r["account_id"]: r for r in rows(tmp / "asked" / "assignments.csv")}
    assert before["A00051"]["owner_id"] != "R11"
    assert after["A00051"]["owner_id"] == "R11"
    assert after["A00051"]["reason"] == "requested by Teresa Alvarez: Hannah ran the pilot"
    assert after["A00051"]["locked"] == "false"  # a request is not a lock in the CRM's column

    r = asked["requests"]
    assert (r["requests"], r["honoured"], r["refused"]) == (2, 2, 0)
    first, second = r["list"]
    moves = asked["overall"]["accounts_moved"] - plain["overall"]["accounts_moved"]
    assert first["price"]["moves"] == moves == r["extra_moves"]
    assert first["status"] == "honoured" and first["planned_owner"] == before["A00051"]["owner_id"]
    rep = first["price"]["rep"]
    r11 = next(x for x in asked["reps"] if x["rep_id"] == "R11")
    assert rep == {
        "rep_id": "R11",
        "tier": 1,
        "count": r11["tier_counts"]["1"],
        "band": r11["tier_band"]["1"],
    }
    assert first["reason"].startswith(f"honoured: {moves:+d} move")
    assert f"R11 Tier 1 now {rep['count']} (band {rep['band'][0]}-{rep['band'][1]})" in first["reason"]
    assert second["reason"] == "honoured: the plan gives A00003 to R01 anyway; no price"

    # requests.csv: in the folder, checksummed, formula-safe; the terminal shows the table.
    assert "requests.csv" in asked["files"]
    read_plan_folder(tmp / "asked")
    table = rows(tmp / "asked" / "requests.csv")
    assert [t["account_id"] for t in table] == ["A00051", "A00003"]
    assert table[1]["note"] == '\'=HYPERLINK("http://x")'
    assert "Requests (requests.csv): 2 of 2 honoured, 0 refused" in output
    assert f"  row 2   A00051 -> R11  {first['reason']}" in output


def test_explain_to_agrees_with_requests(example_plans):
    tmp, _ = example_plans
    answer = explain_request(tmp / "plain", "A00051", "R11")
    asked = json.loads((tmp / "asked" / "summary.json").read_text(encoding="utf-8"))
    assert answer.differs == 0
    assert answer.outcome.reason == asked["requests"]["list"][0]["reason"]
    result = CliRunner().invoke(cli, ["explain", str(tmp / "plain"), "A00051", "--to", "R11", "-q"])
    assert result.exit_code == 0, result.output
    assert result.output == f"A00051 -> R11 (the plan gives it to R12): {answer.outcome.reason}\n"


def test_explain_unknown_account_and_rep(example_plans):
    tmp, _ = example_plans
    result = CliRunner().invoke(cli, ["explain", str(tmp / "plain"), "a00051", "--to", "R011"])
    assert result.exit_code == 2
    assert "account is not in the plan in" in result.output
    assert "hint: did you mean 'A00051'?" in result.output
    assert "rep is not in the plan (value: 'R011')" in result.output
    assert "hint: did you mean 'R11'?" in result.output


def test_explain_says_when_the_inputs_are_gone(tmp_path, tiny):
    accounts, roster = tiny
    out = tmp_path / "plan"
    assert (
        CliRunner().invoke(cli, ["plan", str(accounts), str(roster), "--out", str(out), "-q"]).exit_code == 0
    )
    accounts.write_text(TINY_ACCOUNTS.replace("Acct 1,", "Acct One,"), encoding="utf-8")
    result = CliRunner().invoke(cli, ["explain", str(out), "A5", "--to", "R1"])
    assert result.exit_code == 2
    assert "the accounts file has changed since the plan was made" in result.output
    assert "hint: pass --input accounts=FILE naming the file the plan was made from" in result.output
    kept = write(tmp_path / "kept.csv", TINY_ACCOUNTS)
    result = CliRunner().invoke(
        cli, ["explain", str(out), "A5", "--to", "R1", "--input", f"accounts={kept}", "-q"]
    )
    assert result.exit_code == 0, result.output
    assert "refused: R1 would be 1 Tier 1 account over its band (5, band 2-4)" in result.output


def test_run_reads_inputs_requests(tmp_path, tiny):
    accounts, roster = tiny
    write(tmp_path / "asks.csv", "account_id,rep_id,requested_by,note\nA10,R1,Mia Chen,met at the fair\n")
    write(
        tmp_path / "plan.toml",
        '[inputs]\naccounts = "accounts.csv"\nroster = "roster.csv"\nrequests = "asks.csv"\n'
        '[outputs]\ndir = "out"\n',
    )
    result = CliRunner().invoke(cli, ["run", str(tmp_path / "plan.toml")])
    assert result.exit_code == 0, result.output
    assert "Requests (asks.csv): 1 of 1 honoured, 0 refused" in result.output
    got = {r["account_id"]: r for r in rows(tmp_path / "out" / "assignments.csv")}
    assert got["A10"]["owner_id"] == "R1"
    assert got["A10"]["reason"] == "requested by Mia Chen: met at the fair"


def test_plain_plan_has_no_requests(tiny):
    accounts, roster = tiny
    plan = solve_input(load_input(accounts, roster, load_config(None, [])))
    assert "request_outcomes" not in plan.extras
