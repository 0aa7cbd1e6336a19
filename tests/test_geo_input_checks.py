"""Geography inputs a CRM export can carry that the plan must read right or refuse: a county
FIPS column (4 digits, unknown codes, another county than the address), accounts placed where
the offline data has no unit, warnings that name the files the same way from any folder."""

from __future__ import annotations

import json
import os
from pathlib import Path

from click.testing import CliRunner

from territory_cli.main import cli

ROSTER = "rep_id,name,region\nR1,Ann,Northeast\nR3,Cy,West\n"


def plan(tmp_path: Path, accounts: str, *args: str, roster: str = ROSTER):  # type: ignore[no-untyped-def]
    (tmp_path / "accounts.csv").write_text(accounts, encoding="utf-8")
    (tmp_path / "roster.csv").write_text(roster, encoding="utf-8")
    return CliRunner().invoke(
        cli,
        [
            "plan",
            str(tmp_path / "accounts.csv"),
            str(tmp_path / "roster.csv"),
            "--out",
            str(tmp_path / "out"),
            "--region-rules",
            "us-census-regions",
            "--allow-mass-change",
            *args,
        ],
    )


def test_a_county_fips_column_is_read_as_fips_codes(tmp_path: Path) -> None:
    """'6037' lost its zero in a spreadsheet: Los Angeles County, said once; before, it was kept
    as '6037', no county, and the account silently followed no unit (geo.units = county)."""
    r = plan(
        tmp_path,
        "account_id,name,country,state,county_fips,owner_id,potential,tier\n"
        "A1,a,US,CA,6037,R3,100,1\n"
        "A2,b,US,CA,06075,R3,100,2\n"
        "A3,c,US,NY,36061.0,R1,100,1\n",
        "--geo-units",
        "county",
    )
    assert r.exit_code == 0, r.output
    assert (
        "Warning: 1 county FIPS code had lost its leading zero; read with the zero back (e.g. '6037' as "
        "'06037') (accounts.csv, row 2)" in r.output.replace(str(tmp_path) + os.sep, "")
    )
    lines = (tmp_path / "out" / "assignments.csv").read_text(encoding="utf-8").splitlines()
    assert [ln.split(",")[-1] for ln in lines] == ["county_fips", "06037", "06075", "36061"]
    terr = json.loads((tmp_path / "out" / "summary.json").read_text())["geography"]["territories"]
    assert terr["accounts_following_units"] == 3 and terr["accounts_account_level"] == 0
    la = [
        ln for ln in (tmp_path / "out" / "territories.csv").read_text().splitlines() if ln.startswith("06037")
    ]
    assert la == ['06037,"Los Angeles County, CA",CA,R3,1,1,0,0,100']


def test_a_county_fips_that_is_no_county_stops_the_plan(tmp_path: Path) -> None:
    r = plan(
        tmp_path,
        "account_id,name,country,state,county_fips,owner_id,potential,tier\n"
        "A1,a,US,NY,99999,R1,100,1\n"
        "A2,b,US,NY,Kings,R1,100,1\n"
        "A3,c,US,CA,,R3,100,1\n",
    )
    assert r.exit_code == 2, r.output
    assert (
        "  - row 2, column 'county_fips': '99999' is not a US county FIPS code, so the account's county "
        "is unknown (value: '99999')\n"
        "      hint: give the county's 5-digit FIPS code (state 2 digits + county 3, e.g. '06037' for Los "
        "Angeles County, CA), or leave the cell empty to place the account by its address\n"
        "  - row 3, column 'county_fips': 'Kings' is not a US county FIPS code" in r.output
    )
    assert not (tmp_path / "out").exists()


def test_a_county_fips_column_is_not_overwritten_silently(tmp_path: Path) -> None:
    """The address (ZIP 94103: San Francisco) and the column (06001: Alameda) disagree: the
    column is used and the disagreement is said; before, the column was replaced unsaid."""
    r = plan(
        tmp_path,
        "account_id,name,country,state,postal_code,county_fips,owner_id,potential,tier\n"
        "A1,a,US,CA,94103,06001,R3,100,1\n"
        "A2,b,US,CA,94103,,R3,100,2\n"
        "A3,c,US,NY,10001,36061,R1,100,1\n",
    )
    assert r.exit_code == 0, r.output
    assert (
        "Warning: 1 account has a county_fips other than the county of its address ('06001' where the "
        "address is in '06075'); the county_fips column is used (accounts.csv, row 2)"
        in r.output.replace(str(tmp_path) + os.sep, "")
    )
    lines = (tmp_path / "out" / "assignments.csv").read_text(encoding="utf-8").splitlines()
    col = lines[0].split(",").index("county_fips")
    assert [ln.split(",")[col] for ln in lines[1:]] == ["06001", "06075", "36061"]


def test_accounts_placed_where_there_is_no_unit_are_told_apart(tmp_path: Path) -> None:
    """Guam is placed on the map (its ZIP), but the offline data has no county or state there:
    the message said 'not placed on the map', which was false."""
    rules = tmp_path / "rules.toml"
    rules.write_text(
        '[[rule]]\nregion = "West"\nstate = ["GU"]\n\n[[rule]]\nuse = "us-census-regions"\n'
        '\n[[rule]]\nregion = "Northeast"\ncountry = "*"\n',
        encoding="utf-8",
    )
    r = plan(
        tmp_path,
        "account_id,name,country,state,city,postal_code,owner_id,potential,tier\n"
        "A1,a,US,GU,Hagatna,96910,R3,100,1\n"
        "A2,b,UK,,London,SW1A 1AA,R1,100,1\n"
        "A3,c,US,CA,Los Angeles,90001,R3,100,1\n",
        "--geo-units",
        "state",
        "--region-rules",
        str(rules),
    )
    assert r.exit_code == 2, r.output
    assert (
        "  - column 'postal_code': 1 account has no state (not placed on the map), so it cannot follow a "
        "state (geo.units = state): row 3\n"
        "      hint: give them a US postal code, city and state, or latitude/longitude; or lock them to a "
        "rep (locked accounts stay with their rep)\n"
        "  - column 'postal_code': 1 account has no state (placed on the map, but outside the 50 states, "
        "DC and Puerto Rico, where the offline data has no states), so it cannot follow a state "
        "(geo.units = state): row 2\n"
        "      hint: lock them to a rep (locked accounts stay with their rep), or plan them without "
        "geo.units in a plan of their own\n" in r.output
    )


def test_summary_is_the_same_for_a_relative_and_an_absolute_path(tmp_path: Path) -> None:
    """Warnings in summary.json named the files as typed, so the same inputs gave another
    summary when given from another folder."""
    accounts = (
        "account_id,name,country,state,postal_code,owner_id,potential,tier\n"
        "A1,a,US,CA,94103,R9,100,1\nA2,b,US,NY,10001,R1,100,1\n"
    )
    r = plan(tmp_path, accounts)
    assert r.exit_code == 0, r.output
    first = json.loads((tmp_path / "out" / "summary.json").read_text())
    cwd = os.getcwd()
    os.chdir(tmp_path)
    try:
        r2 = CliRunner().invoke(
            cli,
            [
                "plan",
                "accounts.csv",
                "roster.csv",
                "--out",
                "out2",
                "--region-rules",
                "us-census-regions",
                "--allow-mass-change",
            ],
        )
    finally:
        os.chdir(cwd)
    assert r2.exit_code == 0, r2.output
    second = json.loads((tmp_path / "out2" / "summary.json").read_text())
    for s in (first, second):
        del s["run"], s["summary_sha256"]
    assert first["warnings"][0].startswith(
        "owner 'R9' is not on the roster: 1 account will be reassigned (accounts.csv, row 2)"
    )
    assert "add them to roster.csv" in first["warnings"][0]
    assert first == second


def test_both_lost_zero_warnings_count_the_same_zips(tmp_path: Path) -> None:
    """'7102.0' (Excel) lost its zero as '2134' did: the loader counted 1 where the geography
    counted 2, and its hint said "'7102.0' is probably '7102.0'"."""
    r = plan(
        tmp_path,
        "account_id,name,country,state,postal_code,owner_id,potential,tier\n"
        "A1,a,US,NJ,7102.0,R1,100,1\nA2,b,US,MA,2134,R1,100,1\nA3,c,US,CA,94103,R3,100,1\n",
    )
    assert r.exit_code == 0, r.output
    out = r.output.replace(str(tmp_path) + os.sep, "")
    assert (
        "Warning: 2 US postal code(s) have fewer than 5 digits (a NJ ZIP starts with 0); they probably "
        "lost a leading zero when the file passed through a spreadsheet (accounts.csv, row 2). Hint: "
        "'7102.0' is probably '07102';" in out
    )
    assert "Warning: 2 US postal codes had lost leading zeros; read with the zeros back" in out


def test_a_territory_joined_only_by_an_added_link_is_said(tmp_path: Path) -> None:
    """Regions from the accounts' own column: the covered area is CA, FL and NY alone, so the
    plan links them nearest to nearest. R2's territory (FL and NY) shares no border, yet the
    terminal said 'every territory one connected piece' and nothing more."""
    (tmp_path / "accounts.csv").write_text(
        "account_id,name,region,country,state,postal_code,owner_id,potential,tier\n"
        "A1,a,West,US,CA,94103,R1,100,1\nA2,b,West,US,CA,90001,R1,100,2\nA3,c,West,US,NY,10001,R2,100,1\n"
        "A4,d,West,US,NY,10002,R2,100,2\nA5,e,West,US,FL,33101,R2,100,3\nA6,f,West,US,CA,94105,R1,100,3\n",
        encoding="utf-8",
    )
    (tmp_path / "roster.csv").write_text("rep_id,name,region\nR1,Ann,West\nR2,Bob,West\n", encoding="utf-8")
    r = CliRunner().invoke(
        cli,
        ["plan", str(tmp_path / "accounts.csv"), str(tmp_path / "roster.csv"), "--out", str(tmp_path / "out")]
        + ["--geo-units", "state"],
    )
    assert r.exit_code == 0, r.output
    assert (
        "Territories of whole states: 3 states (3 with accounts), every territory one connected piece "
        "(counting 1 link between units that share no border, each to its nearest unit: R2 across FL-NY; "
        "see geography.territories.added_links);" in r.output
    )
    terr = json.loads((tmp_path / "out" / "summary.json").read_text())["geography"]["territories"]
    assert terr["added_links"] == [["CA", "FL"], ["FL", "NY"]]
    assert terr["links_inside_territories"] == [["FL", "NY", "R2"]]
