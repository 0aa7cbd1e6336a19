"""The CRM update files (issue 12, items 2 and 3): a guard before the CRM, "Moved N" that
always equals the update rows, and product ICPs that give one loadable file per product."""

from __future__ import annotations

import csv
import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from territory.plan_result import PlanSummary
from territory_cli.main import cli
from territory_cli.plan import format_moves

from helpers import assert_moved_agrees
from scenario_data import (
    ACCOUNT_HEADER,
    ROSTER,
    ROSTER_HEADER,
    account_rows,
    product_inputs,
    write_csv,
    write_inputs,
)

ROOT = Path(__file__).resolve().parents[1]
EX = ROOT / "examples"
PRODUCT_ARGS = ["--icp", str(EX / "icp.toml"), "--set", "tiering.source=icp"]


def invoke(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, list(args))
    assert "Traceback" not in result.output
    return result.exit_code, result.output


def read_rows(path: Path) -> list[dict[str, str]]:
    with open(path, newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def summary(out: Path) -> dict:
    return json.loads((out / "summary.json").read_text(encoding="utf-8"))


# --------------------------------------------------------------------------- example plans


def example_plan_in(tmp_path_factory: pytest.TempPathFactory, roster: str, *args: str) -> tuple[Path, str]:
    """Plan examples/accounts.csv with ``roster`` into a fresh folder: (folder, terminal text)."""
    out = tmp_path_factory.mktemp("example") / "plan"
    code, text = invoke("plan", str(EX / "accounts.csv"), str(EX / roster), "--out", str(out), *args)
    assert code == 0, text
    return out, text


@pytest.fixture(scope="module")
def example_plan(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    return example_plan_in(tmp_path_factory, "roster.csv")


@pytest.fixture(scope="module")
def product_plan(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """The issue's reproduction: examples/roster_products.csv with the example ICP."""
    return example_plan_in(tmp_path_factory, "roster_products.csv", *PRODUCT_ARGS)


@pytest.fixture(scope="module")
def product_plan_written(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    return example_plan_in(tmp_path_factory, "roster_products.csv", *PRODUCT_ARGS, "--allow-mass-change")


def test_moved_agrees_on_every_plan_fixture(
    example_plan: tuple[Path, str],
    product_plan: tuple[Path, str],
    product_plan_written: tuple[Path, str],
    tmp_path: Path,
) -> None:
    """Examples (plan and plan.toml), product examples, the hand-made plan folder and the golden.

    The corpus's handled cases are checked the same way in tests/test_corpus.py.
    """
    assert assert_moved_agrees(example_plan[1], example_plan[0]) == 101
    assert assert_moved_agrees(product_plan[1], product_plan[0]) == 436
    assert assert_moved_agrees(product_plan_written[1], product_plan_written[0]) == 436
    code, text = invoke("run", str(EX / "plan.toml"), "--set", f"outputs.dir={tmp_path / 'run'}")
    assert code == 0, text
    assert_moved_agrees(text, tmp_path / "run")
    fixture = ROOT / "tests" / "fixtures" / "plan_small"
    assert assert_moved_agrees(format_moves(PlanSummary.from_dict(summary(fixture))), fixture) == 15
    goldens = ROOT / "tests" / "goldens"
    golden = json.loads((goldens / "example_summary.json").read_text(encoding="utf-8"))
    n = int(re.match(r"Moved ([\d,]+) ", format_moves(PlanSummary.from_dict(golden)))[1].replace(",", ""))
    assert (
        n == len(read_rows(goldens / "example_owner_changes.csv")) == golden["crm_update"]["files"][0]["rows"]
    )


def test_a_first_owner_is_counted_as_an_owner_change(tmp_path: Path) -> None:
    """Two accounts with no owner get one: they are in owner_changes.csv, so in "Moved N"."""
    rows = account_rows()
    rows[4][5] = rows[7][5] = ""  # A005 and A008 have no owner
    a = write_csv(tmp_path / "accounts.csv", ACCOUNT_HEADER, rows)
    r = write_csv(tmp_path / "roster.csv", ROSTER_HEADER, ROSTER)
    code, text = invoke("plan", str(a), str(r), "--out", str(tmp_path / "out"))
    assert code == 0, text
    n = assert_moved_agrees(text, tmp_path / "out")
    o = summary(tmp_path / "out")["overall"]
    assert o["first_owners"] == 2 and n == o["accounts_moved"] + 2
    changes = {row["account_id"] for row in read_rows(tmp_path / "out" / "owner_changes.csv")}
    assert {"A005", "A008"} <= changes
    assert re.search(
        rf"^Moved {n} accounts \(.*\): {n - 2} from another owner .*; 2 had no owner\.$", text, re.M
    )


def test_a_first_owner_is_new_to_the_rep_in_every_per_rep_count(tmp_path: Path) -> None:
    """A rep who gets an account nobody owned gains it: In, 'new to you' and 'kept' say so.

    (They counted only accounts taken from another owner, so a rep with no book before the
    plan read "10 kept, 44 new to you" in the book.)
    """
    from territory.reporting.context import build_manager_rollup, build_rep_book, load_plan_dir, managers_of

    rows = account_rows()
    unowned = {r[0] for r in rows if r[5] == "R1"}  # R1's whole book has no owner in the CRM
    for r in rows:
        if r[0] in unowned:
            r[5] = ""
    a = write_csv(tmp_path / "accounts.csv", ACCOUNT_HEADER, rows)
    r = write_csv(tmp_path / "roster.csv", ROSTER_HEADER, ROSTER)
    out = tmp_path / "out"
    code, text = invoke("plan", str(a), str(r), "--out", str(out), "--allow-mass-change")
    assert code == 0, text
    n = assert_moved_agrees(text, out)
    planned = read_rows(out / "assignments.csv")
    s = summary(out)
    assert s["overall"]["first_owners"] == len(unowned) > 0
    table = {line.split()[0]: line.split()[-1] for line in text.splitlines() if re.match(r"^R\d ", line)}
    for rep in s["reps"]:
        rid = rep["rep_id"]
        mine = [x for x in planned if x["owner_id"] == rid]
        gained = sum(1 for x in mine if x["previous_owner_id"] != rid)
        kept = sum(1 for x in mine if x["previous_owner_id"] == rid)
        lost = sum(1 for x in planned if x["previous_owner_id"] == rid and x["owner_id"] != rid)
        assert (rep["moves_in"], rep["kept"], rep["moves_out"]) == (gained, kept, lost), rid
        assert rep["kept"] + rep["moves_in"] == rep["accounts"]
        assert table[rid] == f"{gained}/{lost}"
        book = build_rep_book(load_plan_dir(out), rid)
        assert (book.kept, book.moves_in, book.moves_out) == (kept, gained, lost)
    assert sum(rep["moves_in"] for rep in s["reps"]) == n  # every update row is new to a rep
    plan = load_plan_dir(out)
    for manager in managers_of(plan):  # the roll-up's team row: joining + within = the reps' In
        team = [rep for rep in s["reps"] if rep["manager"] == manager]
        rollup = build_manager_rollup(plan, manager)
        assert len(rollup.moves_in) + len(rollup.moves_within) == sum(rep["moves_in"] for rep in team)
    # R1 owned nothing in the CRM: nothing is "kept"
    r1 = next(rep for rep in s["reps"] if rep["rep_id"] == "R1")
    assert r1["kept"] == 0 and r1["moves_in"] == r1["accounts"]


def test_the_baseline_line_counts_moves_like_the_moved_line(tmp_path: Path) -> None:
    """With accounts that had no owner, "Moved N" counts them and the baseline's number does
    not: the baseline line says it counts accounts taken from another owner."""
    rows = account_rows()
    rows[4][5] = rows[7][5] = ""
    a = write_csv(tmp_path / "accounts.csv", ACCOUNT_HEADER, rows)
    r = write_csv(tmp_path / "roster.csv", ROSTER_HEADER, ROSTER)
    code, text = invoke("plan", str(a), str(r), "--out", str(tmp_path / "out"))
    assert code == 0, text
    b = summary(tmp_path / "out")["overall"]["baseline"]["accounts_moved"]
    assert re.search(rf"^Spreadsheet-style baseline: {b} moved from another owner \(", text, re.M), text
    code, text = invoke("plan", str(write_inputs(tmp_path / "in")[0]), str(r), "--out", str(tmp_path / "o2"))
    assert code == 0, text
    assert re.search(r"^Spreadsheet-style baseline: \d+ moved; ", text, re.M), text  # nobody was unowned


# --------------------------------------------------------------------------- the guard


def test_no_current_owner_withholds_the_update_file(tmp_path: Path) -> None:
    """An accounts file whose owner column was not read: every account would get a new owner."""
    rows = [row[:5] + row[6:] for row in account_rows()]
    header = [h for h in ACCOUNT_HEADER if h != "owner_id"] + ["Account Owner"]
    a = write_csv(tmp_path / "accounts.csv", header, [row + ["Ana West"] for row in rows])
    # (an owner-like column that is not read is refused: here the user declares it ignored)
    ignore = ("--preset", "none", "--set", "columns.accounts.Account Owner=ignore")
    r = write_csv(tmp_path / "roster.csv", ROSTER_HEADER, ROSTER)
    out = tmp_path / "out"
    earlier = write_csv(tmp_path / "earlier.csv", ACCOUNT_HEADER, account_rows())
    code, text = invoke(
        "plan", str(earlier), str(r), "--out", str(out), "--set", "outputs.allow_mass_change=true"
    )
    assert code == 0 and (out / "owner_changes.csv").exists(), text  # an earlier plan's update file
    code, text = invoke("plan", str(a), str(r), "--out", str(out), *ignore)
    assert code == 0, text
    assert (out / "assignments.csv").exists() and (out / "summary.json").exists()
    assert not (out / "owner_changes.csv").exists(), "a stale update file must not survive"
    crm = summary(out)["crm_update"]
    assert crm["written"] is False
    assert crm["withheld_because"][0].startswith(
        "no account has a current owner in the input, so every one of the 48 accounts would get a new owner"
    )
    assert crm["withheld_because"][1] == (
        "owner_changes.csv would change the owner of 48 of 48 accounts (100.0%), above "
        "outputs.max_owner_change_share = 30% (48 of them had no owner)"
    )
    assert "CRM UPDATE WITHHELD: owner_changes.csv not written, because" in text
    assert "--allow-mass-change" in text
    assert f"Wrote {out / 'assignments.csv'} and {out / 'summary.json'}." in text
    assert assert_moved_agrees(text, out) == 48

    code, text = invoke("plan", str(a), str(r), "--out", str(out), "--allow-mass-change", "-q", *ignore)
    assert code == 0, text
    assert len(read_rows(out / "owner_changes.csv")) == 48
    crm = summary(out)["crm_update"]
    assert crm["written"] is True and crm["withheld_because"] == [] and len(crm["written_despite"]) == 2
    assert text.startswith("Mass change: owner_changes.csv written because mass changes are allowed")


@pytest.mark.parametrize(("limit", "written"), [("5%", False), ("50%", True)])
def test_share_above_the_setting_withholds(tmp_path: Path, limit: str, written: bool) -> None:
    """R2 holds few accounts: a rebuild moves 7 of 48 (14.6%)."""
    a, r = write_inputs(tmp_path / "in")
    out = tmp_path / "out"
    code, text = invoke(
        "plan", str(a), str(r), "--out", str(out), "--set", f"outputs.max_owner_change_share={limit}"
    )
    assert code == 0, text
    n = assert_moved_agrees(text, out)
    crm = summary(out)["crm_update"]
    assert crm["written"] is written
    if not written:
        assert crm["withheld_because"] == [
            f"owner_changes.csv would change the owner of {n} of 48 accounts ({n / 48:.1%}), above "
            "outputs.max_owner_change_share = 5%"
        ]


def test_share_setting_is_a_share(tmp_path: Path) -> None:
    a, r = write_inputs(tmp_path / "in")
    code, text = invoke(
        "plan", str(a), str(r), "--out", str(tmp_path / "o"), "--set", "outputs.max_owner_change_share=30"
    )
    assert code == 2 and "as a share, 30 means 3,000 %. Did you mean 30%?" in text


def test_plan_toml_allows_a_mass_change(tmp_path: Path) -> None:
    a, r = write_inputs(tmp_path)
    f = tmp_path / "plan.toml"
    f.write_text(
        f'[inputs]\naccounts = "{a.name}"\nroster = "{r.name}"\n'
        '[outputs]\ndir = "out"\nmax_owner_change_share = 0.01\n'
    )
    code, text = invoke("run", str(f))
    assert (
        code == 0 and "CRM UPDATE WITHHELD" in text and not (tmp_path / "out" / "owner_changes.csv").exists()
    )
    code, text = invoke("run", str(f), "--allow-mass-change")
    assert code == 0 and (tmp_path / "out" / "owner_changes.csv").exists()
    f.write_text(f.read_text() + "allow_mass_change = true\n")
    code, text = invoke("run", str(f))
    assert code == 0 and "Mass change: owner_changes.csv written" in text
    assert_moved_agrees(text, tmp_path / "out")


def test_whatif_withholds_per_scenario(tmp_path: Path) -> None:
    a, r = write_inputs(tmp_path / "in")
    cfg = tmp_path / "c.toml"
    cfg.write_text("[outputs]\nmax_owner_change_share = 0.05\n")
    args = [
        "whatif",
        str(a),
        str(r),
        "--out",
        str(tmp_path / "w"),
        "-c",
        str(cfg),
        "--remove-rep",
        "R4",
        "-j",
        "1",
    ]
    code, text = invoke(*args)
    assert code == 0, text
    assert f"CRM UPDATE WITHHELD in {tmp_path / 'w' / 'scenario'}: owner_changes.csv would change" in text
    assert not (tmp_path / "w" / "scenario" / "owner_changes.csv").exists()
    code, text = invoke(*args, "--allow-mass-change")
    assert code == 0 and "WITHHELD" not in text
    assert (tmp_path / "w" / "scenario" / "owner_changes.csv").exists()


def test_whatif_accounts_moved_is_each_scenarios_update_rows(tmp_path: Path) -> None:
    """whatif's "Accounts moved" is the plan's "Moved N": the rows of each scenario's
    owner_changes.csv, accounts that had no owner included (it showed only the accounts taken
    from another owner: 5 where the file had 7 rows)."""
    rows = account_rows()
    rows[4][5] = rows[7][5] = ""  # two accounts nobody owns
    a = write_csv(tmp_path / "accounts.csv", ACCOUNT_HEADER, rows)
    r = write_csv(tmp_path / "roster.csv", ROSTER_HEADER, ROSTER)
    out = tmp_path / "w"
    code, text = invoke(
        "whatif", str(a), str(r), "--out", str(out), "--remove-rep", "R4", "-j", "1", "--allow-mass-change"
    )
    assert code == 0, text
    table = {line[:31].strip(): line[31:].split() for line in text.splitlines()}
    files = [len(read_rows(out / name / "owner_changes.csv")) for name in ("baseline", "scenario")]
    assert table["Accounts moved"] == [str(n) for n in files]
    summaries = [summary(out / name)["overall"] for name in ("baseline", "scenario")]
    assert table["of them had no owner"] == ["2", "2"]
    assert table["Moved from another owner"] == [str(o["accounts_moved"]) for o in summaries]
    assert [int(x) for x in table["Moved from another owner"]] == [n - 2 for n in files]
    metrics = {row["metric"]: row for row in read_rows(out / "compare.csv") if row["section"] == "plan"}
    assert [metrics["owner_changes"][n] for n in ("baseline", "scenario")] == [str(n) for n in files]


# --------------------------------------------------------------------------- product ICPs


def test_product_plan_lists_every_account_and_counts_right(product_plan: tuple[Path, str]) -> None:
    """Every count printed for the issue's product plan, checked against the files."""
    out, text = product_plan
    rows = read_rows(out / "assignments.csv")
    assert {r["account_id"] for r in rows} == {r["account_id"] for r in read_rows(EX / "accounts.csv")}
    planned = [r for r in rows if r["product"]]
    no_fit = [r for r in rows if not r["product"]]
    per_product = {p: sum(1 for r in planned if r["product"] == p) for p in ("core", "insights")}
    assert (
        f"Planned {len(planned)} account-product rows (core {per_product['core']}, insights {per_product['insights']})"
        in text
    )
    assert len({(r["account_id"], r["product"]) for r in planned}) == len(planned)
    # accounts that fit no product: listed once, kept with their owner, in no update file
    assert len(no_fit) == len({r["account_id"] for r in no_fit}) == 376
    assert {r["account_id"] for r in no_fit}.isdisjoint({r["account_id"] for r in planned})
    assert all(r["owner_id"] == r["previous_owner_id"] and r["moved"] == "false" for r in no_fit)
    assert all(r["reason"].startswith("fits no product ICP; ") for r in no_fit)
    assert (
        "376 accounts fit no product ICP: listed in assignments.csv with their current owner, in no update file."
        in text
    )
    # the departed rep R99: the warning says what happened to each of their 40 accounts
    r99 = [r for r in planned if r["previous_owner_id"] == "R99"]
    r99_accounts = {r["account_id"] for r in r99}
    r99_no_fit = [r for r in no_fit if r["previous_owner_id"] == "R99"]
    assert len(r99_accounts) + len(r99_no_fit) == 40
    assert all(r["owner_id"] != "R99" for r in r99)
    core = sum(1 for r in r99 if r["product"] == "core")
    ins = sum(1 for r in r99 if r["product"] == "insights")
    assert (
        f"owner 'R99' is not on the roster: {len(r99_accounts)} accounts get a new owner "
        f"({len(r99)} account-product rows: core {core}, insights {ins}); {len(r99_no_fit)} fit no "
        "product ICP and keep 'R99' as owner" in text
    )
    assert "40 accounts will be reassigned" not in text
    # the Moved line, piece by piece
    moved = [r for r in planned if r["previous_owner_id"] and r["owner_id"] != r["previous_owner_id"]]
    first = [r for r in planned if not r["previous_owner_id"]]
    assert re.search(
        rf"^Moved {len(moved) + len(first)} account-product rows \([\d.]+%\): {len(moved)} from another "
        rf"owner \([\d.]+% of potential\), {len(r99)} of them because their owner left the roster; "
        rf"{len(first)} had no owner for their product\.$",
        text,
        re.M,
    )
    # the rep table: accounts and moves in / out per rep, as in assignments.csv
    table = [line for line in text.splitlines() if re.match(r"^R\d\d ", line)]
    assert len(table) == 16
    header = next(line for line in text.splitlines() if line.startswith("Rep ") and "Accounts" in line)
    end = header.index("Accounts") + len("Accounts")  # the column is right-aligned under its title
    for line in table:
        rep, accounts = line.split()[0], int(line[end - 8 : end])
        moves_in, moves_out = (int(x) for x in line.split()[-1].split("/"))
        assert accounts == sum(1 for r in planned if r["owner_id"] == rep), line
        # In: every row new to the rep, first owners included (they are update rows too)
        assert moves_in == sum(1 for r in planned if r["owner_id"] == rep != r["previous_owner_id"]), line
        assert moves_out == sum(1 for r in moved if r["previous_owner_id"] == rep), line
    # and the guard: more than 30 % of each product's owners change (mostly first owners)
    assert not list(out.glob("owner_changes*.csv"))
    assert "CRM UPDATE WITHHELD: owner_changes_core.csv, owner_changes_insights.csv not written" in text


def test_product_update_files_list_each_account_once(product_plan_written: tuple[Path, str]) -> None:
    out, text = product_plan_written
    assert not (out / "owner_changes.csv").exists()
    rows = read_rows(out / "assignments.csv")
    for prod in ("core", "insights"):
        changes = read_rows(out / f"owner_changes_{prod}.csv")
        assert list(changes[0]) == ["account_id", f"owner_id_{prod}"]
        ids = [c["account_id"] for c in changes]
        assert len(ids) == len(set(ids)), f"owner_changes_{prod}.csv lists an account twice"
        expected = {
            r["account_id"]: r["owner_id"]
            for r in rows
            if r["product"] == prod and r["owner_id"] != r["previous_owner_id"]
        }
        assert {c["account_id"]: c[f"owner_id_{prod}"] for c in changes} == expected
    assert f"Wrote {out / 'assignments.csv'}, {out / 'owner_changes_core.csv'}, " in text


def test_product_owner_fields_for_salesforce(tmp_path: Path) -> None:
    """A custom field for core, an account-team role for insights."""
    a, r = product_inputs(tmp_path)
    cfg = tmp_path / "plan.toml"
    cfg.write_text(
        '[outputs]\nowner_changes = "salesforce"\nallow_mass_change = true\n'
        '[outputs.product_owner_fields]\ncore = "Core_Owner__c"\ninsights = "role:Insights Specialist"\n'
    )
    out = tmp_path / "out"
    code, text = invoke("plan", str(a), str(r), "--out", str(out), "-c", str(cfg))
    assert code == 0, text
    core = read_rows(out / "owner_changes_core.csv")
    assert list(core[0]) == ["Id", "Core_Owner__c"]
    team = read_rows(out / "owner_changes_insights.csv")
    assert list(team[0]) == ["AccountId", "UserId", "TeamMemberRole"]
    assert {t["TeamMemberRole"] for t in team} == {"Insights Specialist"} and {t["UserId"] for t in team} == {
        "R3"
    }
    files = {f["file"]: f for f in summary(out)["crm_update"]["files"]}
    assert files["owner_changes_core.csv"]["owner_field"] == "Core_Owner__c"
    assert files["owner_changes_insights.csv"]["owner_field"] == "role:Insights Specialist"
    assert (
        "the accounts have no 'Core_Owner__c' column, so the current core owners are taken from owner_id"
        in text
    )
    assert_moved_agrees(text, out)


def test_product_owner_field_for_hubspot_holds_emails(tmp_path: Path) -> None:
    a, r = product_inputs(tmp_path)
    out = tmp_path / "out"
    code, text = invoke(
        "plan", str(a), str(r), "--out", str(out), "--allow-mass-change",
        "--set", "outputs.owner_changes=hubspot",
        "--set", 'outputs.product_owner_fields={core = "Core Owner"}',
    )  # fmt: skip
    if code != 0 and "outputs.product_owner_fields" in text:  # --set of a table: use TOML
        cfg = tmp_path / "c.toml"
        cfg.write_text(
            '[outputs]\nowner_changes = "hubspot"\n[outputs.product_owner_fields]\ncore = "Core Owner"\n'
        )
        code, text = invoke("plan", str(a), str(r), "--out", str(out), "--allow-mass-change", "-c", str(cfg))
    assert code == 0, text
    core = read_rows(out / "owner_changes_core.csv")
    assert list(core[0]) == ["Record ID", "Core Owner"]
    assert {c["Core Owner"] for c in core} <= {"ana@example.com", "bo@example.com"}
    assert list(read_rows(out / "owner_changes_insights.csv")[0]) == ["Record ID", "owner_id_insights"]


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        (
            'Core = "Core_Owner__c"',
            "outputs.product_owner_fields names product 'Core', which this plan does not have; products: core, insights",
        ),
        ('core = "role:"', "outputs.product_owner_fields.core is empty"),
        ('core = "role:Core Rep"', "account-team roles are a Salesforce feature"),
    ],
)
def test_bad_product_owner_fields_are_refused(tmp_path: Path, fields: str, message: str) -> None:
    a, r = product_inputs(tmp_path)
    cfg = tmp_path / "c.toml"
    cfg.write_text(
        f'[inputs]\npreset = ""\n[outputs]\nowner_changes = "hubspot"\n[outputs.product_owner_fields]\n{fields}\n'
    )
    code, text = invoke("plan", str(a), str(r), "--out", str(tmp_path / "out"), "-c", str(cfg))
    assert code == 2 and message in text, text
    assert not (tmp_path / "out").exists()


def test_current_product_owners_come_from_the_configured_field(tmp_path: Path) -> None:
    """An export of Core_Owner__c round-trips: a01's core owner is R2 there, so R2 keeps it."""
    a, r = product_inputs(tmp_path, extra_header=("Core_Owner__c",), extra={(1, "Core_Owner__c"): "R2"})
    cfg = tmp_path / "c.toml"
    cfg.write_text(
        '[outputs]\nallow_mass_change = true\n[outputs.product_owner_fields]\ncore = "Core_Owner__c"\n'
    )
    out = tmp_path / "out"
    code, text = invoke("plan", str(a), str(r), "--out", str(out), "-c", str(cfg))
    assert code == 0, text
    a01 = next(
        row
        for row in read_rows(out / "assignments.csv")
        if row["account_id"] == "a01" and row["product"] == "core"
    )
    assert a01["previous_owner_id"] == "R2"
    assert "no 'Core_Owner__c' column" not in text


@pytest.mark.parametrize(
    "values, message",
    [
        (
            {1: "Ána", 3: "Ána", 5: "R2"},  # Core_Owner__c by name, spelt with an accent
            "column 'Core_Owner__c': owner 'Ána' is not on the roster, but rep R1 is named 'Ana' (the "
            "names differ only in accents, case, spaces, punctuation or word order): their 2 accounts "
            "would be reassigned",
        ),
        (
            {i: f"00{i}" for i in range(1, 11)},  # the wrong column: none of them is a rep
            "column 'Core_Owner__c': none of the 10 owners is on the roster",
        ),
        (
            {1: "Bo", 3: "Bo"},  # a name two reps share
            "column 'Core_Owner__c': owner 'Bo' is the name of 2 reps (R2, R4): 2 accounts cannot be matched",
        ),
    ],
)
def test_a_product_owner_field_is_checked_like_the_owner_column(
    tmp_path: Path, values: dict[int, str], message: str
) -> None:
    """The CRM field holding a product's owner (Core_Owner__c) gets the owner column's checks:
    read wrongly, every core account would get a new core owner."""
    a, r = product_inputs(
        tmp_path, extra_header=("Core_Owner__c",), extra={(i, "Core_Owner__c"): v for i, v in values.items()}
    )
    r.write_text(r.read_text() + "R4,Bo,bo2@example.com,Mia,West,1,core\n")
    cfg = tmp_path / "c.toml"
    cfg.write_text('[outputs.product_owner_fields]\ncore = "Core_Owner__c"\n')
    out = tmp_path / "out"
    code, text = invoke("plan", str(a), str(r), "--out", str(out), "-c", str(cfg))
    assert code == 2, text
    assert message in " ".join(text.split()), text
    assert not out.exists()


@pytest.mark.parametrize("mode", ["keep", "unassigned"])
def test_accounts_that_fit_no_product(tmp_path: Path, mode: str) -> None:
    a, r = product_inputs(tmp_path)
    out = tmp_path / "out"
    code, text = invoke(
        "plan", str(a), str(r), "--out", str(out), "--allow-mass-change", "--set", f"products.no_fit={mode}"
    )
    assert code == 0, text
    rows = {(row["account_id"], row["product"]): row for row in read_rows(out / "assignments.csv")}
    a11, a12 = rows[("a11", "")], rows[("a12", "")]
    assert a11["previous_owner_id"] == "R1" and a12["previous_owner_id"] == "R9"
    assert a11["moved"] == a12["moved"] == "false" and a11["tier"] == "3"
    if mode == "keep":
        assert (a11["owner_id"], a12["owner_id"]) == ("R1", "R9")
        assert a11["reason"] == "fits no product ICP; kept with current owner"
        assert a12["reason"] == "fits no product ICP; kept with current owner R9 (not on the roster)"
        assert "owner 'R9' is not on the roster: 1 fits no product ICP and keeps 'R9' as owner" in text
    else:
        assert a11["owner_id"] == a12["owner_id"] == ""
        assert a11["reason"] == "fits no product ICP; listed without an owner (was R1)"
        assert "owner 'R9' is not on the roster: 1 fits no product ICP and is listed without an owner" in text
        assert "2 accounts fit no product ICP: listed in assignments.csv without an owner" in text
    for f in out.glob("owner_changes_*.csv"):
        assert not {row["account_id"] for row in read_rows(f)} & {"a11", "a12"}
    assert_moved_agrees(text, out)


def test_whatif_with_product_reps(tmp_path: Path) -> None:
    """Scenarios start again from the accounts as given (each product row was planned twice)."""
    a, r = product_inputs(tmp_path / "in")
    code, text = invoke(
        "whatif", str(a), str(r), "--out", str(tmp_path / "w"), "--remove-rep", "R2", "-j", "1",
        "--allow-mass-change",
    )  # fmt: skip
    assert code == 0, text
    for d in ("baseline", "scenario"):
        rows = read_rows(tmp_path / "w" / d / "assignments.csv")
        assert len({row["account_id"] for row in rows}) == 12
        assert len({(row["account_id"], row["product"]) for row in rows}) == len(rows)


def test_books_list_only_the_rows_a_rep_works(product_plan_written: tuple[Path, str]) -> None:
    """Accounts that fit no product are in assignments.csv but in nobody's book."""
    from territory.reporting.context import build_rep_book, load_plan_dir

    out, _ = product_plan_written
    plan = load_plan_dir(out)
    for rep in summary(out)["reps"][:4]:
        book = build_rep_book(plan, rep["rep_id"])
        assert sum(len(s.rows) for s in book.sections) == rep["accounts"] == book.accounts


def test_a_rep_without_the_owner_value_the_crm_matches_is_warned(tmp_path: Path) -> None:
    """HubSpot's update gives owners by email; a rep without one got the rep id in the file,
    which HubSpot matches to no user, without a word."""
    a, r = write_inputs(tmp_path / "in")
    r.write_text(r.read_text().replace("bo@example.com", ""))
    out = tmp_path / "out"
    code, text = invoke(
        "plan",
        str(a),
        str(r),
        "--out",
        str(out),
        "--set",
        "outputs.owner_changes=hubspot",
        "--allow-mass-change",
    )
    assert code == 0, text
    assert (
        "Warning: the CRM update (owner_changes) names owners by email (HubSpot matches users by email), but rep "
        "R2 has no email: their rows would carry the rep id 'R2' instead"
    ) in text
    assert "hint: add their email to" in text.lower() or "Hint: add their email to" in text
    code, text = invoke("plan", str(a), str(r), "--out", str(out), "--allow-mass-change")
    assert code == 0 and "has no email" not in text  # the canonical file names owners by id
