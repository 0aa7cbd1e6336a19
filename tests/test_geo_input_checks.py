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


def test_zips_that_lost_their_zeros_are_said_once(tmp_path: Path) -> None:
    """'7102.0' (Excel) and '2134' lost their zeros: one warning, listing the rows; the loader
    said it too ("2 US postal code(s) have fewer than 5 digits"), on the same row, twice over."""
    r = plan(
        tmp_path,
        "account_id,name,country,state,postal_code,owner_id,potential,tier\n"
        "A1,a,US,NJ,7102.0,R1,100,1\nA2,b,US,MA,2134,R1,100,1\nA3,c,US,CA,94103,R3,100,1\n",
    )
    assert r.exit_code == 0, r.output
    out = r.output.replace(str(tmp_path) + os.sep, "")
    assert "fewer than 5 digits" not in out
    assert out.count("lost leading zeros") == 1
    assert (
        "Warning: 2 US postal codes had lost leading zeros; read with the zeros back (e.g. '7102.0' as "
        "'07102'), and each matches the account's state (rows 2, 3) (accounts.csv, row 2)." in out
    )


def test_zips_that_lost_their_zeros_and_are_not_used_are_said(tmp_path: Path) -> None:
    """'7102' read as 07102 is in New Jersey, not California: it is not used, and the account
    was listed as 'postal code not found' (the ZIP is found, in another state)."""
    r = plan(
        tmp_path,
        "account_id,name,country,state,postal_code,owner_id,potential,tier\n"
        "A1,a,US,CA,7102,R3,100,1\nA2,b,US,MA,2134,R1,100,1\nA3,c,US,CA,10001,R3,100,1\n",
    )
    assert r.exit_code == 0, r.output
    out = r.output.replace(str(tmp_path) + os.sep, "")
    assert (
        "Warning: 2 US postal codes had lost leading zeros; read with the zeros back (e.g. '7102' as "
        "'07102'); 1 of them not used: 1 then in another state than the account's state column (row 2) "
        "(rows 2, 3) (accounts.csv, row 2)." in out
    )
    assert (
        "1 of 3 accounts placed on the map: 1 by postal code; 2 not placed (postal code of another "
        "state than the state column): rows 2, 4." in out
    )


def test_a_bad_county_code_on_several_rows_is_one_problem(tmp_path: Path) -> None:
    """A code copied down a column is one thing to fix: one line with its rows, not a line per
    row that repeats the same value."""
    r = plan(
        tmp_path,
        "account_id,name,country,state,county_fips,owner_id,potential,tier\n"
        "A1,a,US,NY,Kings,R1,100,1\nA2,b,US,NY,99999,R1,100,1\nA3,c,US,NY,Kings,R1,100,1\n"
        "A4,d,US,NY,Kings,R1,100,1\n",
    )
    assert r.exit_code == 2, r.output
    assert r.output.count("is not a US county FIPS code") == 2
    assert (
        "  - row 2, column 'county_fips': 'Kings' is not a US county FIPS code, so the county of 3 "
        "accounts is unknown (rows 2, 4, 5) (value: 'Kings')\n" in r.output
    )
    assert (
        "  - row 3, column 'county_fips': '99999' is not a US county FIPS code, so the account's county "
        in (r.output)
    )
    assert r.output.endswith("2 problems found in the input.\n")


def test_warnings_about_several_rows_list_them_and_one_row_is_said_once(tmp_path: Path) -> None:
    """Each warning says its rows once: a single row only as its location (it read '(row 2)
    (accounts.csv, row 2)'), several rows listed (the county warnings named the first only)."""
    r = plan(
        tmp_path,
        "account_id,name,country,state,postal_code,county_fips,latitude,longitude,owner_id,potential,tier\n"
        "A1,a,US,CA,94103,06001,,,R3,100,1\nA2,b,US,CA,94103,6001,,,R3,100,2\n"
        "A3,c,US,NY,10001,36061,0,0,R1,100,1\n",
    )
    assert r.exit_code == 0, r.output
    out = r.output.replace(str(tmp_path) + os.sep, "")
    assert (
        "Warning: 1 account has latitude and longitude 0, 0 (a placeholder, not a place) (accounts.csv, "
        "row 4)." in out
    )
    assert (
        "Warning: 2 accounts have a county_fips other than the county of their address ('06001' where "
        "the address is in '06075'); the county_fips column is used (rows 2, 3) (accounts.csv, row 2)." in out
    )
    assert (
        "Warning: 1 county FIPS code had lost its leading zero; read with the zero back (e.g. '6001' as "
        "'06001') (accounts.csv, row 3)." in out
    )


def test_a_roster_region_no_rule_gives_is_one_problem_with_its_reps(tmp_path: Path) -> None:
    """'Southeast' on three reps was three lines; and R4, who also covers West, was told it
    'would get no accounts'."""
    r = plan(
        tmp_path,
        "account_id,name,country,state,owner_id,potential,tier\nA1,a,US,NY,R1,100,1\nA2,b,US,CA,R3,100,1\n",
        roster="rep_id,name,region\nR1,Ann,Northeast\nR2,Bo,Southeast\nR3,Cy,West\nR4,Di,Southeast;West\n"
        "R5,Ed,southeast\nR6,Fay,Pacific\n",
    )
    assert r.exit_code == 2, r.output
    out = r.output.replace(str(tmp_path) + os.sep, "")
    assert (
        "  - row 3, column 'region': region 'Southeast' is not given by any region rule, so no account is "
        "in it (reps R2, R4, R5; R2, R5 would get no accounts) (rows 3, 5, 6) (value: 'Southeast')\n" in out
    )
    assert (
        "  - row 7, column 'region': region 'Pacific' is not given by any region rule, so rep R6 would get "
        "no accounts (value: 'Pacific')\n" in out
    )
    assert out.endswith("2 problems found in the input.\n")


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


def test_links_inside_territories_name_each_rep_once() -> None:
    """The example's terminal read 'R15 across 15001-15009, R15 across 15003-15005, R15 across
    15003-15007, R15 across 02016-15007, R15 across 02130-53055': one rep, said five times."""
    from territory.geo import linked_pieces

    links = [
        ["15001", "15009", "R15"],
        ["15003", "15005", "R15"],
        ["02130", "53055", "R15"],
        ["FL", "NY", "R2"],
    ]
    assert linked_pieces(links) == (
        " (counting 4 links between units that share no border, each to its nearest unit: R15 across "
        "15001-15009, 15003-15005 and 02130-53055; R2 across FL-NY; see geography.territories.added_links)"
    )
    many = [[f"{k:02d}", f"{k + 1:02d}", "R1"] for k in range(7)]
    assert "R1 across 00-01, 01-02, 02-03, 03-04, 04-05 and 2 more;" in linked_pieces(many)
