"""`territory diff` tells the truth about why an owner differs (issue 12, item 5)."""

from __future__ import annotations

import csv
import re
import shlex
from pathlib import Path

import pytest
from click.testing import CliRunner

from territory.compare import change_reason, diff_plans
from territory_cli.main import cli

from scenario_data import ACCOUNT_HEADER, ROSTER, ROSTER_HEADER, account_rows, product_inputs, write_csv

ROOT = Path(__file__).resolve().parents[1]
CRM = "owner changed in the CRM between the plans"


def invoke(*args: str) -> str:
    result = CliRunner().invoke(cli, list(args))
    assert result.exit_code == 0, result.output
    return result.output


def previous_owners(plan_dir: Path) -> dict[str, str]:
    with open(plan_dir / "assignments.csv", newline="", encoding="utf-8") as fh:
        return {r["account_id"]: r["previous_owner_id"] for r in csv.DictReader(fh)}


def test_the_help_example_says_what_each_plan_did(tmp_path: Path) -> None:
    """Run the commands of `diff --help` as written; the sample line it shows is real."""
    help_text = invoke("diff", "--help")
    commands = [line.strip() for line in help_text.splitlines() if line.strip().startswith("territory ")]
    # (the first example chains three plans of other quarters: tests/test_continuity.py runs one)
    assert commands[0] == "territory diff plan-q1 plan-q2 plan-q3 --out chain.csv"
    commands = commands[1:]
    flat = " ".join(help_text.split())
    sample = flat.split("so A00009 differs because the plans do: ")[1].split(" Options:")[0]
    for command in commands:
        args = shlex.split(command)[1:]
        args = [str(tmp_path / a) if a in ("q1", "q2", "changes.csv") else a for a in args]
        if args[0] == "plan":
            args += ["-q"]
        else:
            args += ["--limit", "0"]
        text = invoke(*args)
    assert sample in " ".join(text.split())
    with open(tmp_path / "changes.csv", newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    assert rows and not [r for r in rows if CRM in r["reason"]]  # same accounts file: never the CRM
    before = previous_owners(tmp_path / "q1")
    for r in rows:  # when NEW did not start from OLD's owner, the reason says what each plan did
        if before[r["account_id"]] != r["old_owner_id"]:
            assert r["reason"].startswith(
                f"both plans start from {before[r['account_id']]} (same accounts file)"
            )


def test_the_crm_is_named_only_where_the_input_owner_differs(tmp_path: Path) -> None:
    """Q2's export: A005 was moved by hand in the CRM (R1 -> R2), A007's industry was edited."""
    rows = account_rows()
    roster = write_csv(tmp_path / "roster.csv", ROSTER_HEADER, ROSTER)
    q1_in = write_csv(tmp_path / "q1.csv", ACCOUNT_HEADER, rows)
    rows[4][5] = "R2"
    rows[6][7] = "Retail"
    q2_in = write_csv(tmp_path / "q2.csv", ACCOUNT_HEADER, rows)
    # q1 is planned with a wide band (few moves), q2 with a narrow one (more moves)
    invoke(
        "plan", str(q1_in), str(roster), "--out", str(tmp_path / "q1"), "-q", "--set", "balance.tier_band=0.5"
    )
    invoke("plan", str(q2_in), str(roster), "--out", str(tmp_path / "q2"), "-q")
    changes = diff_plans(tmp_path / "q1", tmp_path / "q2")
    old_prev, new_prev = previous_owners(tmp_path / "q1"), previous_owners(tmp_path / "q2")
    for r in changes.to_dict("records"):
        acc = r["account_id"]
        assert (CRM in r["reason"]) == (old_prev[acc] != new_prev[acc]), r
    a005 = changes[changes["account_id"] == "A005"]
    if len(a005):
        assert a005["reason"].iat[0].startswith(f"{CRM} (from R1 to R2); then: ")


def test_same_accounts_but_another_roster_is_not_a_crm_change(tmp_path: Path) -> None:
    """Product plans, R2 removed in the second: its rows change owner, but not in the CRM."""
    a, r = product_inputs(tmp_path / "in")
    invoke("whatif", str(a), str(r), "--out", str(tmp_path / "w"), "--remove-rep", "R1", "-j", "1", "-q",
           "--allow-mass-change")  # fmt: skip
    text = invoke("diff", str(tmp_path / "w" / "baseline"), str(tmp_path / "w" / "scenario"), "--limit", "0")
    assert re.match(r"\d+ account-product rows changed owner between", text)
    assert CRM not in text
    changes = diff_plans(tmp_path / "w" / "baseline", tmp_path / "w" / "scenario")
    assert list(changes.columns[:2]) == ["account_id", "product"]
    assert not changes.duplicated(["account_id", "product"]).any()
    core = changes[changes["old_owner_id"] == "R1"]
    assert len(core) == len(changes) and set(core["product"]) == {"core"}
    for reason in core["reason"]:  # R1 owned it (R1 left) or gave it its first owner (R1)
        assert reason.startswith(
            ("owner R1 left the roster", "the old plan's owner R1 is not on the new plan's roster")
        )


@pytest.mark.parametrize(
    ("case", "expected"),
    [
        # NEW started from OLD's owner: NEW's own reason
        (dict(old_prev="R1", new_prev="R2", inputs_differ=True), "NEW"),
        (dict(old_prev="R2", new_prev="R2", inputs_differ=False), "NEW"),
        # the CRM changed the owner, and the files differ
        (
            dict(old_prev="R1", new_prev="R3", inputs_differ=True),
            f"{CRM} (from R1 to R3); then: NEW",
        ),
        (dict(old_prev="", new_prev="R3", inputs_differ=True), f"{CRM} (from no owner to R3); then: NEW"),
        # same file, different owners read: not the CRM
        (
            dict(old_prev="R1", new_prev="R3", inputs_differ=False),
            "the plans take different current owners from the same accounts file (R1, then R3: "
            "another roster, preset or settings); then: NEW",
        ),
        # files differ, but not this account's owner: the old plan's move is not in the CRM
        (
            dict(old_prev="R1", new_prev="R1", inputs_differ=True),
            "the CRM still has R1, not the old plan's R2 (was the old plan's update loaded?); then: NEW",
        ),
        # the same file: the plans differ
        (
            dict(old_prev="R1", new_prev="R1", inputs_differ=False),
            "both plans start from R1 (same accounts file); old plan: OLD; new plan: NEW",
        ),
        # nothing to tell the CRM from the plans by
        (
            dict(old_prev=None, new_prev="R1", inputs_differ=True),
            "the new plan started from R1, not the old plan's R2; then: NEW",
        ),
        (
            dict(old_prev="R1", new_prev="R3", inputs_differ=None),
            "the new plan started from R3, not the old plan's R2; then: NEW",
        ),
    ],
)
def test_change_reason(case: dict, expected: str) -> None:
    assert change_reason(old_owner="R2", old_reason="OLD", new_reason="NEW", **case) == expected


def test_old_owner_not_on_the_new_roster() -> None:
    reason = change_reason(
        old_owner="R2", old_prev="", new_prev="", old_reason="OLD", new_reason="NEW", inputs_differ=False,
        old_owner_left=True,
    )  # fmt: skip
    assert reason == "the old plan's owner R2 is not on the new plan's roster; then: NEW"


def test_same_reason_in_both_plans() -> None:
    reason = change_reason(
        old_owner="R2",
        old_prev="R9",
        new_prev="R9",
        old_reason="owner R9 left the roster",
        new_reason="owner R9 left the roster",
        inputs_differ=False,
    )
    assert reason == (
        "both plans start from R9 (same accounts file) for the same reason (owner R9 left the "
        "roster) but choose different reps"
    )
