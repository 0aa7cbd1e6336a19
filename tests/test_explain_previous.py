"""explain solves a plan again with last quarter's plan as it was: a previous plan replaced
since is named, not blamed on the solver."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from territory_cli.main import cli

ACCOUNTS = "account_id,name,tier,region,potential,owner_id\n" + "".join(
    f"A{i},Acct {i},{1 + i % 3},West,{100 + 10 * i},{'R1' if i % 4 else 'R2'}\n" for i in range(1, 13)
)
ROSTER = "rep_id,name,region,capacity\nR1,Rep One,West,1.0\nR2,Rep Two,West,1.0\n"


def test_explain_says_when_the_previous_plan_changed(tmp_path: Path) -> None:
    """q2 was planned with --previous q1; q1 was then planned again with another roster.
    explain q2 solved with the new q1 and said the differences came from 'the solver stopped
    at its time limit or gap'."""
    (tmp_path / "accounts.csv").write_text(ACCOUNTS, encoding="utf-8")
    (tmp_path / "roster.csv").write_text(ROSTER, encoding="utf-8")
    inputs = [str(tmp_path / "accounts.csv"), str(tmp_path / "roster.csv")]
    q1, q2, kept = tmp_path / "q1", tmp_path / "q2", tmp_path / "q1-kept"

    def run(*args: str) -> str:
        r = CliRunner().invoke(cli, list(args))
        assert r.exit_code == 0, r.output
        return r.output

    run("plan", *inputs, "--out", str(q1), "-q")
    run("plan", *inputs, "--out", str(kept), "-q")  # the same plan, kept aside
    run("plan", *inputs, "--out", str(q2), "-q", "--previous", str(q1))
    # q1 again, from a roster with a third rep: another plan in the same folder
    (tmp_path / "roster3.csv").write_text(ROSTER + "R3,Rep Three,West,1.0\n", encoding="utf-8")
    run("plan", inputs[0], str(tmp_path / "roster3.csv"), "--out", str(q1), "-q")
    r = CliRunner().invoke(cli, ["explain", str(q2), "A5", "--to", "R2", "-q"])
    assert r.exit_code == 2, r.output
    assert r.output == (
        f"Error: {q1}:\n"
        "  - the previous plan (continuity.previous) has changed since the plan was made (its "
        "assignments.csv checksum differs from the one the plan records)\n"
        "      hint: pass --input previous=DIR naming the plan folder the plan was made from, or make the "
        "plan again (`territory plan ...`) and ask that plan\n"
        f"cannot solve the plan in {q2} again.\n"
    )
    answer = run("explain", str(q2), "A5", "--to", "R2", "-q", "--input", f"previous={kept}")
    assert "solving the plan's inputs again gives" not in answer
