"""No silent partial header recognition (issue 12, item 1).

A CRM export read without ``--preset`` is either read with its preset (when that is the only
reading: one CRM's marks, that CRM's id form) and one line says so, or refused naming the
preset. A column that looks like an owner and is not read is an error; so is a roster column
territory does not know. Column maps work from ``--set columns.accounts.X=Y`` as from TOML.
"""

from __future__ import annotations

import csv
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner
from test_presets import (
    USERS,
    data_loader_export,
    hubspot_export,
    report_export,
    sf_id,
    sf_roster,
    write_quoted,
)

import territory
from territory.config import load_config
from territory.errors import ConfigError, InputError
from territory.io.loading import parse_accounts, parse_roster
from territory.io.presets import salesforce_id18
from territory_cli.main import cli

from scenario_data import ROSTER, ROSTER_HEADER, account_rows, write_csv


def run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, [str(a) for a in args])
    assert "Traceback" not in result.output
    return result.exit_code, result.output


def read(out: Path) -> tuple[pd.DataFrame, list[str]]:
    a = pd.read_csv(out / "assignments.csv", dtype=str, keep_default_na=False)
    return a, (out / "owner_changes.csv").read_text().splitlines()


# --------------------------------------------------------------------------- the example


def test_salesforce_report_without_preset_is_read_as_salesforce_and_says_so(tmp_path: Path) -> None:
    """The issue's example: a report export planned without --preset read 'Account Owner' as
    nothing, said "Moved 0" and wrote an owner_changes.csv reassigning every account."""
    a = report_export(tmp_path / "report.csv")
    users = sf_roster(tmp_path / "users.csv")
    code, text = run("plan", a, users, "--out", tmp_path / "auto")
    assert code == 0, text
    notice = [line for line in text.splitlines() if "read as a Salesforce export" in line]
    assert len(notice) == 1, text  # said on one line
    assert "as with --preset salesforce" in notice[0]
    assert "'Account Owner'" in notice[0] and "Id,OwnerId" in notice[0]
    auto, auto_changes = read(tmp_path / "auto")
    # Owners were read (names matched to the roster), so moves are real moves ...
    assert set(auto["previous_owner_id"]) <= {salesforce_id18(u) for u in sf_roster_ids()}
    assert "" not in set(auto["previous_owner_id"])
    moved = int((auto["moved"] == "true").sum())
    assert f"Moved {moved} accounts" in text
    # ... and the upload file changes exactly the moved accounts, not all 48.
    assert auto_changes[0] == "Id,OwnerId"
    assert len(auto_changes) - 1 == moved < len(auto)
    # The same plan as with --preset salesforce given by hand.
    code, text2 = run("plan", a, users, "--out", tmp_path / "given", "--preset", "salesforce")
    assert code == 0, text2
    assert "read as a Salesforce export" not in text2
    given, given_changes = read(tmp_path / "given")
    assert auto.equals(given) and auto_changes == given_changes


def test_whatif_says_it_read_an_export_as_salesforce(tmp_path: Path) -> None:
    """whatif applied the preset without a word (plan says it on one line), and showed none of
    the input's warnings (the footer, the departed owner)."""
    a = report_export(tmp_path / "report.csv")
    users = sf_roster(tmp_path / "users.csv")
    rep = salesforce_id18(sf_roster_ids()[3])
    code, text = run("whatif", a, users, "--out", tmp_path / "w", "--remove-rep", rep, "-j", "1")
    assert code == 0, text
    notice = [line for line in text.splitlines() if "read as a Salesforce export" in line]
    assert (
        len(notice) == 1 and notice[0].startswith("Warning: ") and "as with --preset salesforce" in notice[0]
    )
    assert "Warning: ignored 3 report footer line(s) at the end of the file" in text
    assert read(tmp_path / "w" / "baseline")[1][0] == "Id,OwnerId"
    code, text = run("whatif", a, users, "--out", tmp_path / "w", "--remove-rep", rep, "-j", "1", "-q")
    assert code == 0 and "Warning" not in text  # --quiet: errors only


def sf_roster_ids() -> list[str]:
    from test_presets import USERS

    return list(USERS.values())


def test_report_export_with_preset_none_is_refused_for_its_owner_column(tmp_path: Path) -> None:
    """--preset none reads the columns as they are: 'Account Owner' is then an unread owner
    column, which is an error, not an empty owner for every account."""
    a = report_export(tmp_path / "report.csv")
    code, text = run("plan", a, sf_roster(tmp_path / "u.csv"), "--out", tmp_path / "o", "--preset", "none")
    assert code == 2
    assert (
        "row 1, column 'Account Owner': column 'Account Owner' looks like the accounts' current owner, "
        "but it is not read: every account would count as unowned and be reassigned" in text
    )
    assert 'map it: [columns.accounts] "Account Owner" = "owner_id"' in text
    assert not (tmp_path / "o").exists()


def test_data_loader_export_without_preset_gets_it(tmp_path: Path) -> None:
    a = data_loader_export(tmp_path / "extract.csv")
    code, text = run("plan", a, sf_roster(tmp_path / "u.csv"), "--out", tmp_path / "o")
    assert code == 0, text
    assert "read as a Salesforce export ('REGION__C'" in text
    assert read(tmp_path / "o")[1][0] == "Id,OwnerId"


def test_hubspot_export_without_preset_gets_it(tmp_path: Path) -> None:
    a = hubspot_export(tmp_path / "hubspot-crm-exports-all-companies-2026-05-01.csv")
    cfg = tmp_path / "plan.toml"
    cfg.write_text('[columns.accounts]\n"sales region" = "region"\n')
    roster = write_csv(tmp_path / "roster.csv", ROSTER_HEADER, ROSTER)
    code, text = run("plan", a, roster, "--out", tmp_path / "o", "--config", cfg)
    assert code == 0, text
    assert (
        "read as a HubSpot export ('Company owner', 'Parent Company ID', 'Ideal Customer Profile Tier', 'Record ID')"
        in text
    )
    assert read(tmp_path / "o")[1][0] == "Record ID,Company owner"


def test_export_marks_with_other_ids_are_refused_naming_the_preset(tmp_path: Path) -> None:
    """Salesforce headers but ids like A001: applying the preset would reject every id,
    reading it without could misread it; only the user knows, so the read stops."""
    rows = [
        [aid, name, region, tier, pot, owner]
        for aid, name, region, tier, pot, owner, _p, _i in account_rows()
    ]
    a = write_quoted(tmp_path / "a.csv", ["Id", "Name", "Region__c", "Tier", "Potential", "OwnerId"], rows)
    roster = write_csv(tmp_path / "roster.csv", ROSTER_HEADER, ROSTER)
    code, text = run("plan", a, roster, "--out", tmp_path / "o")
    assert code == 2
    assert (
        "row 1: looks like a Salesforce export ('Region__c', 'OwnerId'), but its account ids are not "
        "Salesforce ids (e.g. 'A001'), so --preset salesforce was not applied" in text
    )
    assert "hint: say how to read it: --preset salesforce" in text and "--preset none" in text
    # Told how, it reads: the custom field is mapped by hand.
    code, text = run(
        "plan",
        a,
        roster,
        "--out",
        tmp_path / "o",
        "--preset",
        "none",
        "--set",
        "columns.accounts.Region__c=region",
    )
    assert code == 0, text


def test_marks_of_two_crms_are_refused(tmp_path: Path) -> None:
    rows = [[str(200 + i), f"C{i}", "R1", "1", "West"] for i in range(4)]
    a = write_quoted(
        tmp_path / "a.csv", ["Record ID", "Company name", "Account Owner", "Tier", "Region"], rows
    )
    code, text = run("plan", a, write_csv(tmp_path / "r.csv", ROSTER_HEADER, ROSTER), "--out", tmp_path / "o")
    assert code == 2
    assert (
        "looks like a CRM export, but of which CRM is not clear (Salesforce: 'Account Owner'; HubSpot:"
        in text
    )


def test_canonical_files_are_not_taken_for_exports(tmp_path: Path) -> None:
    """camelCase canonical headers (one Salesforce-like name) do not trigger the preset."""
    raw = pd.DataFrame({"account_id": ["A1"], "ParentId": [""], "Owner ID": ["R1"], "tier": ["1"]})
    from territory.io.presets import export_evidence

    assert not [p for p, (_m, strong) in export_evidence(list(raw.columns), []).items() if strong]


# --------------------------------------------------------------------------- owner-like columns


@pytest.mark.parametrize(
    "header",
    ["Account Owner", "Company owner", "Sales Rep", "SALES_REP", "account manager", "AE", "Rep Email"],
)
def test_an_unread_owner_column_is_an_error(header: str) -> None:
    raw = pd.DataFrame({"account_id": ["A1", "A2"], "tier": ["1", "2"], header: ["Ana", "Bo"]})
    _, problems = parse_accounts(raw, "a.csv")
    errors = [p for p in problems if p.severity == "error"]
    assert [p.column for p in errors] == [header]
    assert "looks like the accounts' current owner, but it is not read" in errors[0].message


@pytest.mark.parametrize(
    "header", ["Owner Assigned Date", "OWNER_ASSIGNEDDATE", "Account Owner Since", "Owner change time"]
)
def test_a_date_about_the_owner_is_not_an_owner_column(header: str) -> None:
    """HubSpot's "all properties" export has 'Owner Assigned Date' next to 'Company owner':
    a date is never the owner, so it is an extra column, not a refused owner column."""
    raw = pd.DataFrame(
        {"account_id": ["A1"], "tier": ["1"], "Company owner": ["R1"], header: ["2024-01-02 10:00"]}
    )
    _, problems = parse_accounts(raw, "a.csv", {"Company owner": "owner_id"})
    assert not [p for p in problems if p.severity == "error"]


def test_a_second_owner_column_is_an_error_until_declared_ignored() -> None:
    raw = pd.DataFrame({"account_id": ["A1"], "tier": ["1"], "owner_id": ["R1"], "SE Owner": ["Cy"]})
    _, problems = parse_accounts(raw, "a.csv")
    (p,) = [p for p in problems if p.severity == "error"]
    assert p.message == (
        "column 'SE Owner' looks like an owner column, but owners are read from 'owner_id' and this one is not read"
    )
    assert 'declare it ignored: [columns.accounts] "SE Owner" = "ignore"' in (p.hint or "")
    df, problems = parse_accounts(raw, "a.csv", {"SE Owner": "ignore"})
    assert not [p for p in problems if p.severity == "error"]
    assert df["SE Owner"].tolist() == ["Cy"]  # kept, unread, as an extra column


def test_a_region_look_alike_is_an_error_when_region_is_missing() -> None:
    raw = pd.DataFrame({"account_id": ["A1"], "tier": ["1"], "Sales Region": ["West"]})
    _, problems = parse_accounts(raw, "a.csv")
    (p,) = [p for p in problems if p.severity == "error"]
    assert (
        p.message
        == "column 'Sales Region' looks like region, but it is not read and the file has no region column"
    )
    df, problems = parse_accounts(raw, "a.csv", {"Sales Region": "region"})
    assert not problems and df["region"].tolist() == ["West"]


def test_two_columns_for_one_canonical_column_are_refused() -> None:
    raw = pd.DataFrame({"account_id": ["A1"], "tier": ["1"], "Region": ["West"], "Billing State": ["CA"]})
    _, problems = parse_accounts(raw, "a.csv", {"Billing State": "region"})
    (p,) = problems
    assert p.message == "columns 'Region' and 'Billing State' both look like 'region'"
    assert '"Billing State" = "ignore"' in (p.hint or "")
    raw = pd.DataFrame({"account_id": ["A1"], "tier": ["1"], "OwnerId": ["R1"], "owner": ["R2"]})
    (p,) = parse_accounts(raw, "a.csv")[1]
    assert p.message == "columns 'OwnerId' and 'owner' both look like 'owner_id'"


def test_two_columns_for_one_field_hint_names_the_section_the_map_goes_in(tmp_path: Path) -> None:
    """The hint said '[columns] "X" = "ignore"', which plan.toml refuses ('columns.X' is no
    setting): it names [columns.accounts] or [columns.roster], and the --set that works."""
    header = [
        "Account Owner ID",
        "Account Owner",
        "Account ID",
        "Account Name",
        "Region",
        "Tier",
        "Potential",
    ]
    rows = [
        [USERS[owner], {r[0]: r[1] for r in ROSTER}[owner], sf_id(int(aid[1:])), name, region, tier, pot]
        for aid, name, region, tier, pot, owner, _p, _i in account_rows()
    ]
    a = write_quoted(tmp_path / "report.csv", header, rows)
    users = sf_roster(tmp_path / "users.csv")
    code, text = run("plan", a, users, "--out", tmp_path / "o")
    assert code == 2
    assert "columns 'Account Owner ID' and 'Account Owner' both look like 'owner_id'" in text
    assert (
        'hint: keep one: map the other to "ignore" in plan.toml [columns.accounts] (e.g. '
        '"Account Owner" = "ignore"), or --set "columns.accounts.Account Owner=ignore"; or rename one of them'
        in text
    )
    code, text = run(
        "plan", a, users, "--out", tmp_path / "o", "--set", "columns.accounts.Account Owner=ignore"
    )
    assert code == 0, text
    roster = pd.DataFrame({"rep_id": ["R1"], "name": ["Ana"], "Full Name": ["Ana West"], "region": ["West"]})
    (p,) = parse_roster(roster, "r.csv")[1]
    assert p.message == "columns 'name' and 'Full Name' both look like 'name'"
    assert '[columns.roster] (e.g. "Full Name" = "ignore"), or --set "columns.roster.Full Name=ignore"' in (
        p.hint or ""
    )


# --------------------------------------------------------------------------- roster headers


def test_unknown_roster_columns_are_refused_with_the_closest_name() -> None:
    raw = pd.DataFrame(
        {"rep_id": ["R1"], "Full Name": ["Ana"], "Sales Region": ["West"], "Start date": ["2024-01-01"]}
    )
    df, problems = parse_roster(raw, "r.csv")
    msgs = [p.message for p in problems]
    assert msgs == [
        "column 'Sales Region' is not a roster column territory reads; 'Sales Region' looks like region",
        "column 'Start date' is not a roster column territory reads",
    ]
    assert df["name"].tolist() == ["Ana"]  # 'Full Name' is a known spelling of name
    df, problems = parse_roster(raw, "r.csv", {"Sales Region": "region", "Start date": "ignore"})
    assert not problems
    assert df["region"].tolist() == ["West"] and "Start date" not in df.columns


def test_missing_rep_id_lists_the_columns_and_the_closest(tmp_path: Path) -> None:
    raw = pd.DataFrame({"Sales Rep": ["R1"], "region": ["West"]})
    _, problems = parse_roster(raw, "r.csv")
    p = next(p for p in problems if p.message == "required column 'rep_id' is missing")
    assert "columns found: Sales Rep, region." in (p.hint or "")
    raw = pd.DataFrame({"Customer ID": ["1"], "tier": ["1"]})
    _, problems = parse_accounts(raw, "a.csv")
    p = next(p for p in problems if p.message == "required column 'account_id' is missing")
    assert "columns found: Customer ID, tier. 'Customer ID' looks like account_id" in (p.hint or "")


def test_missing_column_hint_suggests_an_unread_column_in_the_right_section() -> None:
    """It suggested mapping 'parent_id' (read as the parent) to account_id, under [columns],
    which plan.toml refuses; now only a column that is not read already is suggested, with
    [columns.accounts] and the --set form."""
    raw = pd.DataFrame({"Acct ID": ["1"], "parent_id": [""], "owner_id": ["R1"], "tier": ["1"]})
    _, problems = parse_accounts(raw, "a.csv")
    p = next(p for p in problems if p.message == "required column 'account_id' is missing")
    assert (p.hint or "").endswith(
        "columns found: Acct ID, parent_id, owner_id, tier. 'Acct ID' looks like account_id: map it with "
        '[columns.accounts] "Acct ID" = "account_id" in plan.toml, or --set "columns.accounts.Acct ID=account_id"'
    )
    raw = pd.DataFrame({"Acct Number": ["1"], "parent_id": [""], "tier": ["1"]})
    p = next(p for p in parse_accounts(raw, "a.csv")[1] if "'account_id' is missing" in p.message)
    assert (p.hint or "").endswith("columns found: Acct Number, parent_id, tier.")
    raw = pd.DataFrame({"Rep ID": ["R1"], "region": ["West"]})  # 'Rep ID' is read as rep_id
    assert not [p for p in parse_roster(raw, "r.csv")[1] if p.severity == "error"]


def test_roster_without_a_region_column_is_an_error_when_accounts_have_regions(tmp_path: Path) -> None:
    a, _ = _inputs(tmp_path)
    r = write_csv(tmp_path / "r.csv", ["rep_id", "name", "capacity"], [[x[0], x[1], "1"] for x in ROSTER])
    with pytest.raises(InputError) as e:
        territory.load_input(a, r, territory.PlanConfig())
    assert "no rep has a region, but the accounts are in 2 regions (East, West)" in str(e.value)


def _inputs(tmp_path: Path) -> tuple[Path, Path]:
    from scenario_data import write_inputs

    return write_inputs(tmp_path / "in")


# --------------------------------------------------------------------------- --set columns.*


def test_set_maps_headers_with_spaces_dots_and_quotes() -> None:
    cfg = load_config(
        overrides=[
            "columns.accounts.Sales Region=region",
            "columns.accounts.revenue.2024=annual_revenue",
            'columns.accounts."Billing Zip/Postal Code"=postal_code',
            "columns.roster.User ID=rep_id",
            'columns.roster."a=b"=ignore',
        ]
    )
    assert cfg.columns.accounts == {
        "Sales Region": "region",
        "revenue.2024": "annual_revenue",
        "Billing Zip/Postal Code": "postal_code",
    }
    assert cfg.columns.roster == {"User ID": "rep_id", "a=b": "ignore"}
    with pytest.raises(ConfigError) as e:
        load_config(overrides=["columns.accounts.="])
    assert "names no entry of 'columns.accounts'" in str(e.value)


def test_set_column_map_plans_like_the_toml_one(tmp_path: Path) -> None:
    a = hubspot_export(tmp_path / "hubspot.csv")
    roster = write_csv(tmp_path / "roster.csv", ROSTER_HEADER, ROSTER)
    cfg = tmp_path / "plan.toml"
    cfg.write_text('[columns.accounts]\n"Sales Region" = "region"\n')
    code, text = run("plan", a, roster, "--out", tmp_path / "t", "--config", cfg, "-q")
    assert code == 0, text
    code, text = run(
        "plan", a, roster, "--out", tmp_path / "s", "--set", "columns.accounts.Sales Region=region", "-q"
    )
    assert code == 0, text
    (t, t_changes), (s, s_changes) = read(tmp_path / "t"), read(tmp_path / "s")
    assert t.equals(s) and t_changes == s_changes


def test_an_owner_name_two_reps_share_is_an_error_not_a_reassignment(tmp_path: Path) -> None:
    a = report_export(tmp_path / "report.csv")
    roster = tmp_path / "users.csv"
    sf_roster(roster)
    text = roster.read_text().replace('"Bo West"', '"Ana West"')  # R1 and R2 are both Ana West
    roster.write_text(text)
    code, out = run("plan", a, roster, "--out", tmp_path / "o")
    assert code == 2
    assert "owner 'Ana West' is the name of 2 reps (" in out
    assert "cannot be matched to one" in out and "export the owner's id" in out


@pytest.mark.parametrize(
    "crm_name, roster_name",
    [
        ("José García", "Jose Garcia"),  # accents
        ("West, Ana", "Ana West"),  # "Last, First"
        ("Ana West-Lee", "Ana West Lee"),  # punctuation
        ("JOSÉ GARCÍA", "Jose Garcia"),  # accents and case
    ],
)
def test_an_owner_name_that_nearly_matches_a_rep_is_an_error(
    tmp_path: Path, crm_name: str, roster_name: str
) -> None:
    """An owner written as the CRM spells a rep's name, the roster another way: read as
    nobody on the roster, that rep's accounts would all be reassigned, under a warning that
    says to add them to the roster (they are on it). It is refused, naming the rep."""
    a = report_export(tmp_path / "report.csv")
    a.write_text(a.read_text(encoding="utf-8").replace('"Ana West"', f'"{crm_name}"'), encoding="utf-8")
    roster = sf_roster(tmp_path / "users.csv")
    roster.write_text(roster.read_text().replace('"Ana West"', f'"{roster_name}"'))
    code, out = run("plan", a, roster, "--out", tmp_path / "o")
    assert code == 2, out
    n = sum(1 for r in account_rows() if r[5] == "R1")
    rep = salesforce_id18(USERS["R1"])
    assert (
        f"owner '{crm_name}' is not on the roster, but rep {rep} is named '{roster_name}' (the names "
        f"differ only in accents, case, spaces, punctuation or word order): their {n} accounts would be "
        "reassigned" in out
    )
    assert f"write the name in {roster} as the CRM has it ('{crm_name}')" in out
    assert not (tmp_path / "o").exists()
    # a departed rep whose name is like no one's stays a warning
    a.write_text(a.read_text(encoding="utf-8").replace(f'"{crm_name}"', '"Sam Gone"'), encoding="utf-8")
    code, out = run("plan", a, roster, "--out", tmp_path / "o", "--allow-mass-change")
    assert code == 0 and f"owner 'Sam Gone' is not on the roster: {n} accounts will be reassigned" in out


@pytest.mark.parametrize(
    "crm_name, roster_name",
    [
        ("Ana  West", "Ana West"),  # doubled space
        ("Ana\u00a0West", "Ana West"),  # a non-breaking space pasted from a web page
        ("ana west ", "Ana West"),  # case and a trailing space
        ("Jos\u00e9 Garc\u00eda", "Jose\u0301 Garci\u0301a"),  # the roster saved on a Mac (NFD)
    ],
)
def test_an_owner_name_that_reads_the_same_matches_the_rep(
    tmp_path: Path, crm_name: str, roster_name: str
) -> None:
    """Names that are the same text to a reader (spaces of another kind or number, the two
    Unicode forms of an accented letter, case) are one name: the owner is the rep. Refusing
    them named a rep whose name looks exactly like the owner's, which no one can fix."""
    a = report_export(tmp_path / "report.csv")
    a.write_text(a.read_text(encoding="utf-8").replace('"Ana West"', f'"{crm_name}"'), encoding="utf-8")
    roster = sf_roster(tmp_path / "users.csv")
    roster.write_text(
        roster.read_text(encoding="utf-8").replace('"Ana West"', f'"{roster_name}"'), encoding="utf-8"
    )
    code, out = run("plan", a, roster, "--out", tmp_path / "o", "-q")
    assert code == 0, out
    rep = salesforce_id18(USERS["R1"])
    with open(tmp_path / "o" / "assignments.csv", newline="", encoding="utf-8") as fh:
        previous = [r["previous_owner_id"] for r in csv.DictReader(fh)]
    assert previous.count(rep) == sum(1 for r in account_rows() if r[5] == "R1")


def test_per_product_and_tier_look_alike_columns() -> None:
    """tier_core / owner_id_core are product columns, read by the product plan; a 'Tier__c'
    without a tier column is a tier that would be missed."""
    raw = pd.DataFrame(
        {"account_id": ["A1"], "owner_id": ["R1"], "tier_core": ["1"], "owner_id_core": ["R1"]}
    )
    assert not [p for p in parse_accounts(raw, "a.csv")[1] if p.severity == "error"]
    raw = pd.DataFrame({"account_id": ["A1"], "ICP Tier": ["1"]})
    (p,) = parse_accounts(raw, "a.csv")[1]
    assert (
        p.message == "column 'ICP Tier' looks like tier, but it is not read and the file has no tier column"
    )


def test_nul_in_database_rows_is_refused(tmp_path: Path) -> None:
    pytest.importorskip("sqlalchemy")
    import sqlite3

    with sqlite3.connect(tmp_path / "crm.db") as con:
        con.execute("CREATE TABLE accounts (account_id TEXT, name TEXT, tier TEXT)")
        con.execute("INSERT INTO accounts VALUES ('A1', 'ok', '1'), ('A2', 'b' || char(0) || 'd', '2')")
    r = write_csv(tmp_path / "r.csv", ROSTER_HEADER, [[*ROSTER[0][:4], "*", "1"]])
    with pytest.raises(InputError) as e:
        territory.load_input(f"sqlite:///{tmp_path / 'crm.db'}", r, territory.PlanConfig(), table="accounts")
    assert "1 cell(s) in column 'name' hold NUL characters (binary data)" in str(e.value)


def test_headers_the_user_mapped_are_no_evidence(tmp_path: Path) -> None:
    """A home-made file with an 'Account Owner' column the user mapped is read as mapped."""
    rows = [[aid, region, tier, owner] for aid, _n, region, tier, _p, owner, _pa, _i in account_rows()]
    a = write_csv(tmp_path / "a.csv", ["account_id", "region", "tier", "Account Owner"], rows)
    roster = write_csv(tmp_path / "roster.csv", ROSTER_HEADER, ROSTER)
    code, text = run(
        "plan", a, roster, "--out", tmp_path / "o", "--set", "columns.accounts.Account Owner=owner_id"
    )
    assert code == 0, text
    assert "read as a Salesforce export" not in text


def test_the_second_owner_column_message_names_the_column_read() -> None:
    raw = pd.DataFrame({"account_id": ["A1"], "tier": ["1"], "OwnerId": ["R1"], "Owner Name": ["Ana"]})
    (p,) = parse_accounts(raw, "a.csv")[1]
    assert p.message.endswith("but owners are read from 'OwnerId' and this one is not read")


def test_preset_none_writes_the_canonical_update_file() -> None:
    from territory.io.presets import owner_changes_layout

    assert owner_changes_layout("none") == ("account_id", "owner_id", "id")
    assert owner_changes_layout("salesforce") == ("Id", "OwnerId", "id")


def test_a_roster_column_like_no_roster_column_is_not_said_to_be_a_rep_id() -> None:
    """'Start date' looks like nothing the roster holds: the hint says to declare it ignored,
    not to map it onto rep_id."""
    raw = pd.DataFrame({"rep_id": ["R1"], "region": ["West"], "Start date": ["2026-01-05"]})
    (p,) = [p for p in parse_roster(raw, "r.csv")[1] if p.column == "Start date"]
    assert p.message == "column 'Start date' is not a roster column territory reads"
    assert p.hint.startswith(
        'declare it ignored: [columns.roster] "Start date" = "ignore" in plan.toml, or --set '
        '"columns.roster.Start date=ignore"; or map it onto the roster column it holds. Roster columns: rep_id,'
    )
