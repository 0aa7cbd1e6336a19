"""CRM presets: Salesforce and HubSpot exports in as exported, bulk-update files out.

The export files are built the way ../shared/data/crm-export-headers/HEADERS.md describes
them: Data Loader headers in ALL CAPS (up to v61) or lowercase (v62), every cell quoted,
18-character ids; report exports with field labels, 15-character ids, owner *names* and
footer lines; HubSpot "Record ID" / "Company owner" (a name) exports.
"""

from __future__ import annotations

import csv
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

import territory
from territory.errors import ConfigError, InputError
from territory.io.presets import (
    account_mapping,
    owner_update_frame,
    resolve_owner_ids,
    salesforce_id18,
    strip_report_footer,
)
from territory_cli.main import cli

from scenario_data import ROSTER, account_rows

USERS = {"R1": "005Wj000001AbCd", "R2": "005Wj000002EfGh", "R3": "005Wj000003IjKl", "R4": "005Wj000004MnOp"}


def sf_id(i: int) -> str:
    return f"001Wj00000{'tQWvr'[: 5 - len(str(i))]}{i}"  # 15 characters, mixed case


def write_quoted(path: Path, header: list[str], rows: list[list[str]], footer: list[str] = ()) -> Path:
    with open(path, "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh, quoting=csv.QUOTE_ALL)
        w.writerow(header)
        w.writerows(rows)
        for line in footer:
            fh.write(line + "\n")
    return path


def sf_roster(path: Path) -> Path:
    rows = [[salesforce_id18(USERS[r[0]]), *r[1:]] for r in ROSTER]
    return write_quoted(path, ["rep_id", "name", "email", "manager", "region", "capacity"], rows)


def data_loader_export(path: Path, *, lower: bool = False, id15_parent: bool = False) -> Path:
    header = [
        "ID",
        "NAME",
        "TYPE",
        "PARENTID",
        "BILLINGSTATE",
        "BILLINGCOUNTRY",
        "INDUSTRY",
        "ANNUALREVENUE",
        "NUMBEROFEMPLOYEES",
        "OWNERID",
        "CREATEDDATE",
        "REGION__C",
        "TIER__C",
        "POTENTIAL__C",
    ]
    if lower:  # Data Loader v62.x wrote lowercase headers
        header = [h.lower() for h in header]
    rows = []
    for aid, name, region, tier, pot, owner, parent, industry in account_rows():
        i = int(aid[1:])
        pid = ""
        if parent:
            p15 = sf_id(int(parent[1:]))
            pid = p15 if id15_parent else salesforce_id18(p15)
        rows.append(
            [
                salesforce_id18(sf_id(i)),
                name,
                "Customer",
                pid,
                "CA",
                "US",
                industry,
                "1000000",
                "50",
                salesforce_id18(USERS[owner]),
                "2024-03-01T17:22:05.000Z",
                region,
                tier,
                pot,
            ]
        )
    return write_quoted(path, header, rows)


REPORT_FOOTER = [
    "",
    '"Grand Totals (48 records)"',
    "",
    '"Confidential Information - Do Not Distribute"',
    '"Copyright (c) 2000-2026 salesforce.com, inc. All rights reserved."',
]


def report_export(path: Path) -> Path:
    header = [
        "Account Owner",
        "Account Name",
        "Billing State/Province",
        "Type",
        "Parent Account",
        "Account ID",
        "Region",
        "Tier",
        "Potential",
        "Last Modified Date",
    ]
    names = {r[0]: r[1] for r in ROSTER}
    rows = []
    for aid, name, region, tier, pot, owner, parent, _ in account_rows():
        parent_name = f"Company {int(parent[1:])}" if parent else ""
        rows.append(
            [
                names[owner],
                name,
                "CA",
                "Customer",
                parent_name,
                sf_id(int(aid[1:])),
                region,
                tier,
                pot,
                "3/30/2026",
            ]
        )
    return write_quoted(path, header, rows, REPORT_FOOTER)


def hubspot_export(path: Path) -> Path:
    header = [
        "Record ID",
        "Company name",
        "Company Domain Name",
        "Company owner",
        "Industry",
        "Number of Employees",
        "Annual Revenue",
        "State/Region",
        "Country/Region",
        "Parent Company ID",
        "Sales Region",
        "Ideal Customer Profile Tier",
        "Potential",
        "Create Date",
    ]
    names = {r[0]: r[1] for r in ROSTER}
    rows = []
    for aid, name, region, tier, pot, owner, parent, industry in account_rows():
        rid = str(200000000000 + int(aid[1:]))
        pid = str(200000000000 + int(parent[1:])) if parent else ""
        rows.append(
            [
                rid,
                name,
                "example.com",
                names[owner],
                industry,
                "50",
                "1000000",
                "CA",
                "United States",
                pid,
                region,
                f"Tier {tier}",
                pot,
                "2020-01-10 10:00",
            ]
        )
    return write_quoted(path, header, rows)


def plan_with(tmp_path: Path, accounts: Path, roster: Path, *args: str) -> tuple[pd.DataFrame, str]:
    out = tmp_path / "out"
    result = CliRunner().invoke(cli, ["plan", str(accounts), str(roster), "--out", str(out), "-q", *args])
    assert result.exit_code == 0, result.output
    return pd.read_csv(out / "assignments.csv", dtype=str, keep_default_na=False), (
        out / "owner_changes.csv"
    ).read_text()


def test_salesforce_id18_checksum() -> None:
    assert salesforce_id18("001A0000006Vm9r") == "001A0000006Vm9rIAC"
    assert salesforce_id18("001A0000006Vm9rIAC") == "001A0000006Vm9rIAC"


@pytest.mark.parametrize("lower", [False, True], ids=["ALLCAPS-v61", "lowercase-v62"])
def test_data_loader_export_in_owner_updates_out(tmp_path: Path, lower: bool) -> None:
    a = data_loader_export(tmp_path / "extract.csv", lower=lower)
    assignments, changes = plan_with(tmp_path, a, sf_roster(tmp_path / "users.csv"), "--preset", "salesforce")
    assert len(assignments) == 48
    assert assignments["account_id"].str.len().eq(18).all()  # ids written exactly as read
    lines = changes.splitlines()
    assert lines[0] == "Id,OwnerId"
    assert len(lines) > 1
    moved = assignments[assignments["moved"] == "true"]
    expected = [f"{r.account_id},{r.owner_id}" for r in moved.itertuples()]
    assert lines[1:] == expected
    assert all(len(line.split(",")[1]) == 18 for line in lines[1:])


def test_header_case_does_not_change_the_plan(tmp_path: Path) -> None:
    roster = sf_roster(tmp_path / "users.csv")
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    up, _ = plan_with(
        tmp_path / "a", data_loader_export(tmp_path / "up.csv"), roster, "--preset", "salesforce"
    )
    low, _ = plan_with(
        tmp_path / "b", data_loader_export(tmp_path / "low.csv", lower=True), roster, "--preset", "salesforce"
    )
    # Only the case of the extra (unmapped) columns' headers differs.
    assert up.rename(columns=str.lower).equals(low.rename(columns=str.lower))


def test_15_character_parent_id_matches_18_character_id(tmp_path: Path) -> None:
    a = data_loader_export(tmp_path / "extract.csv", id15_parent=True)
    assignments, _ = plan_with(tmp_path, a, sf_roster(tmp_path / "users.csv"), "--preset", "salesforce")
    child = assignments[assignments["name"] == "Company 2"].iloc[0]
    assert child["parent_id"] == salesforce_id18(sf_id(1))
    assert child["family_id"] == salesforce_id18(sf_id(1))


def test_report_export_with_footer_names_and_15_char_ids(tmp_path: Path) -> None:
    a = report_export(tmp_path / "report.csv")
    assert "Confidential Information" in a.read_text()
    assignments, changes = plan_with(tmp_path, a, sf_roster(tmp_path / "users.csv"), "--preset", "salesforce")
    assert len(assignments) == 48  # footer lines are not accounts
    assert assignments["account_id"].str.len().eq(15).all()
    # "Account Owner" holds names; they are matched to the roster's user ids.
    assert set(assignments["previous_owner_id"]) <= {salesforce_id18(u) for u in USERS.values()}
    assert assignments.loc[assignments["name"] == "Company 2", "parent_id"].item() == sf_id(1)
    assert changes.splitlines()[0] == "Id,OwnerId"


def test_bad_salesforce_ids_are_listed(tmp_path: Path) -> None:
    a = data_loader_export(tmp_path / "extract.csv")
    text = a.read_text().splitlines()
    good = salesforce_id18(sf_id(3))
    text[3] = text[3].replace(good, good[:15] + "AAA")  # checksum no longer matches
    text[4] = text[4].replace(salesforce_id18(sf_id(4)), "001Wj0000")
    a.write_text("\n".join(text) + "\n")
    with pytest.raises(InputError) as e:
        territory.load_input(a, sf_roster(tmp_path / "u.csv"), territory.PlanConfig(), preset="salesforce")
    msg = str(e.value)
    assert "row 4, column 'account_id': the last 3 characters of this 18-character id do not match" in msg
    assert (
        "row 5, column 'account_id': not a Salesforce id (15 or 18 letters and digits) (value: '001Wj0000')"
        in msg
    )


def test_hubspot_export_with_mapped_region(tmp_path: Path) -> None:
    a = hubspot_export(tmp_path / "hubspot-crm-exports-all-companies-2026-05-01.csv")
    roster = tmp_path / "roster.csv"
    rows = [r[:] for r in ROSTER]
    rows[1][2] = "=2+3"  # a hostile email must come out inert
    write_quoted(roster, ["rep_id", "name", "email", "manager", "region", "capacity"], rows)
    cfg = tmp_path / "plan.toml"
    cfg.write_text('[columns.accounts]\n"sales region" = "region"\n')
    assignments, changes = plan_with(tmp_path, a, roster, "--preset", "hubspot", "--config", str(cfg))
    assert assignments["account_id"].str.startswith("2000000000").all()
    assert assignments.loc[assignments["name"] == "Company 2", "family_id"].item() == "200000000001"
    lines = changes.splitlines()
    assert lines[0] == "Record ID,Company owner"  # HubSpot's import matches owners by email
    emails = {"ana@example.com", "'=2+3", "cy@example.com", "di@example.com"}
    assert {line.split(",", 1)[1] for line in lines[1:]} <= emails
    assert any(line.endswith(",'=2+3") for line in lines[1:])


def test_owner_value_and_layout_settings(tmp_path: Path) -> None:
    changes = pd.DataFrame({"account_id": ["001"], "owner_id": ["R1"]})
    reps = pd.DataFrame({"rep_id": ["R1"], "name": ["Ana"], "email": [""]})
    f = owner_update_frame(changes, reps, preset="hubspot")
    assert f.columns.tolist() == ["Record ID", "Company owner"] and f.iloc[0].tolist() == ["001", "R1"]
    f = owner_update_frame(changes, reps, preset="hubspot", owner_value="name")
    assert f.iloc[0].tolist() == ["001", "Ana"]
    f = owner_update_frame(changes, reps, preset="salesforce", owner_changes="canonical")
    assert f.columns.tolist() == ["account_id", "owner_id"]


def test_strip_report_footer_keeps_data_rows() -> None:
    raw = pd.DataFrame(
        {
            "Account ID": [
                "001",
                "002",
                "",
                "Grand Totals (2 records)",
                "Confidential Information - Do Not Distribute",
                "Copyright (c) 2000-2026 salesforce.com, inc. All rights reserved.",
            ],
            "Name": ["Total Wine", "B", "", "", "", ""],
        }
    )
    assert strip_report_footer(raw)["Account ID"].tolist() == ["001", "002"]


def test_unknown_mapping_target_names_the_key() -> None:
    with pytest.raises(ConfigError) as e:
        account_mapping("salesforce", {"Region__c": "regoin"})
    assert "columns.accounts: header 'Region__c' is mapped to 'regoin', which is not a column" in str(e.value)
    with pytest.raises(ConfigError):
        territory.load_config(overrides=["inputs.preset=dynamics"])


_REPS = pd.DataFrame(
    {
        "rep_id": ["R1", "R2", "R3", "R4"],
        "name": ["Dev Andersen", "Zoë Martin", "Ana Jensen", "Ana Jensen"],
        "email": ["dev@example.com", "zoe@example.com", "ana.j@example.com", "ana.k@example.com"],
    }
)
_OWNER_REFS = [
    "R1",
    "Dev Andersen",
    "DEV  ANDERSEN",
    "dev\u00a0andersen ",
    "Zoë Martin",
    "Zoe\u0308 martin",  # the same letter as macOS writes it (e + combining diaeresis)
    "Zoe Martin",
    "Ana Jensen",  # two reps: left as it is
    "ana.k@example.com",
    "DEV@EXAMPLE.COM",
    "nobody",
    "",
]


def test_owner_names_and_emails_resolve_to_rep_ids() -> None:
    got = resolve_owner_ids(pd.Series(_OWNER_REFS), _REPS).tolist()
    assert got == ["R1", "R1", "R1", "R1", "R2", "R2", "Zoe Martin", "Ana Jensen", "R4", "R1", "nobody", ""]


@settings(max_examples=30, deadline=None)
@given(st.lists(st.sampled_from(_OWNER_REFS), min_size=1, max_size=15))
def test_owner_references_resolve_together_as_each_alone(refs: list[str]) -> None:
    # the distinct references are looked up in one pass: each must resolve as it does alone
    together = resolve_owner_ids(pd.Series(refs), _REPS).tolist()
    assert together == [resolve_owner_ids(pd.Series([r]), _REPS).iat[0] for r in refs]
