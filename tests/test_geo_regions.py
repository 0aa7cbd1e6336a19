"""Regions from addresses: rule files, built-in Census sets, and the plan's use of them."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from territory.config import PlanConfig, load_config
from territory.errors import InputError
from territory.geo import apply_geography
from territory.geo.address import read_addresses
from territory.geo.places import city_key, clean_city, country_code, state_code, us_zip
from territory.geo.regions import (
    Condition,
    Rule,
    RuleSet,
    apply_rules,
    builtin_rules,
    load_rules,
    rule_postal,
)
from territory_cli.main import cli


def frame(**cols: list[str]) -> pd.DataFrame:
    n = len(next(iter(cols.values())))
    df = pd.DataFrame({"account_id": [f"A{i}" for i in range(n)], **cols})
    df["_row"] = np.arange(n) + 2
    return df


def regions_of(rules_spec: str, **cols: list[str]) -> tuple[list[str], list]:
    df = frame(**cols)
    res = apply_rules(load_rules(rules_spec), read_addresses(df), df["_row"].to_numpy(), "accounts.csv")
    return res.regions.tolist(), res.problems


# --------------------------------------------------------------------------- reading addresses


@pytest.mark.parametrize(
    "text, code",
    [
        ("CA", "CA"),
        (" ca ", "CA"),
        ("California", "CA"),
        ("calif.", "CA"),
        ("CALIFORNIA", "CA"),
        ("N.Y.", "NY"),
        ("New York", "NY"),
        ("Wash.", "WA"),
        ("District of Columbia", "DC"),
        ("Washington, D.C.", "DC"),
        ("Puerto Rico", "PR"),
        ("Ontario", ""),
        ("", ""),
    ],
)
def test_state_names_and_codes(text: str, code: str) -> None:
    assert state_code(text) == code


@pytest.mark.parametrize(
    "text, code",
    [
        ("US", "US"),
        ("usa", "US"),
        ("U.S.A.", "US"),
        ("United States of America", "US"),
        ("Canada", "CA"),
        ("UK", "GB"),
        ("Deutschland", "DE"),
        ("", ""),
    ],
)
def test_country_names(text: str, code: str) -> None:
    assert country_code(text) == code


@pytest.mark.parametrize(
    "text, expected",
    [
        ("02134", ("02134", False)),
        ("02134-1234", ("02134", False)),
        ("021341234", ("02134", False)),
        ("2134", ("02134", True)),
        ("2134.0", ("02134", True)),
        ("907", ("00907", True)),
        ("02134 1234", ("02134", False)),
        ("K1A 0B1", ("", False)),
        ("12", ("", False)),
    ],
)
def test_zip_codes(text: str, expected: tuple[str, bool]) -> None:
    assert us_zip(text) == expected


def test_city_keys_match_usps_spellings() -> None:
    assert city_key("St. Louis") == city_key("SAINT LOUIS") == city_key("st louis")
    assert city_key("McLean") == city_key("Mc Lean")
    assert city_key("Winston-Salem") == city_key("Winston Salem")
    assert city_key("Fort Worth") == city_key("Ft. Worth")
    assert clean_city("Cincinnati, OH 45202", "OH") == "Cincinnati"
    assert clean_city("Louisville KY", "KY") == "Louisville"
    assert clean_city("Kansas City", "MO") == "Kansas City"


def test_blank_country_is_us_only_for_us_looking_addresses() -> None:
    a = read_addresses(
        frame(
            country=["", "", "", "Canada"],
            state=["TX", "ON", "", "ON"],
            postal_code=["", "K1A 0B1", "10001", ""],
        )
    )
    assert a.us.tolist() == [True, False, True, False]
    assert a.country.tolist() == ["US", "", "US", "CA"]


# --------------------------------------------------------------------------- built-in sets


def test_builtin_census_sets_cover_50_states_and_dc_only() -> None:
    regions = builtin_rules("us-census-regions")
    divisions = builtin_rules("us-census-divisions")
    assert len(regions) == len(divisions) == 51
    assert {r.region for r in regions} == {"Northeast", "Midwest", "South", "West"}
    assert len({r.region for r in divisions}) == 9
    got, problems = regions_of(
        "us-census-divisions", country=["US", "", "USA"], state=["California", "tx", "Mass."]
    )
    assert got == ["Pacific", "West South Central", "New England"]
    assert problems == []


def test_puerto_rico_is_in_no_census_region() -> None:
    got, problems = regions_of("us-census-regions", country=["US", "Puerto Rico"], state=["NY", ""])
    assert got == ["Northeast", ""]
    assert len(problems) == 1
    p = problems[0]
    assert p.message == "1 account matches no region rule (country 'Puerto Rico')"
    assert p.row == 3
    assert "Puerto Rico, the other territories and addresses outside the US need a rule of your own" in p.hint


# --------------------------------------------------------------------------- rule files


def write(tmp_path: Path, name: str, text: str) -> str:
    p = tmp_path / name
    p.write_text(text, encoding="utf-8")
    return str(p)


def test_csv_rules_exact_prefix_range_first_match_wins(tmp_path: Path) -> None:
    rules = write(
        tmp_path,
        "rules.csv",
        "region,country,state,postal_code\n"
        "Bay Area,US,,940*;941*;945-951\n"
        "NYC,US,NY,100-104\n"
        "West,US,CA;OR;WA,\n"
        "Canada,Canada,,\n"
        "Rest,,,\n",
    )
    got, problems = regions_of(
        rules,
        country=["US", "US", "US", "US", "CA", "US", "Germany"],
        state=["CA", "CA", "NY", "CA", "ON", "TX", ""],
        postal_code=["94105", "95014-1234", "10001", "90001", "K1A 0B1", "75001", "10115"],
    )
    assert got == ["Bay Area", "Bay Area", "NYC", "West", "Canada", "Rest", "Rest"]
    assert problems == []


def test_toml_rules_with_a_builtin_set_in_the_middle(tmp_path: Path) -> None:
    rules = write(
        tmp_path,
        "rules.toml",
        '[[rule]]\nregion = "Caribbean"\nstate = ["PR", "VI"]\n\n'
        '[[rule]]\nuse = "us-census-regions"\n\n'
        '[[rule]]\nregion = "International"\ncountry = "*"\n',
    )
    got, problems = regions_of(
        rules, country=["US", "Puerto Rico", "France", "US"], state=["FL", "", "", "PR"]
    )
    assert got == ["South", "Caribbean", "International", "Caribbean"]
    assert problems == []


def test_zip_that_lost_its_zero_matches_its_range(tmp_path: Path) -> None:
    rules = write(tmp_path, "rules.csv", "region,postal_code\nNew England,010-069\nOther,*\n")
    got, _ = regions_of(rules, country=["US", "US"], state=["MA", "NY"], postal_code=["2134", "10001"])
    assert got == ["New England", "Other"]


def test_rule_matching_nothing_is_a_warning_with_its_row(tmp_path: Path) -> None:
    rules = write(tmp_path, "rules.csv", "region,state\nWest,CA\nAlaska,AK\n")
    got, problems = regions_of(rules, country=["US"], state=["CA"])
    assert got == ["West"]
    assert [(p.severity, p.row, p.message) for p in problems] == [
        ("warning", 3, "rule for region 'Alaska' matches no account")
    ]


def test_a_rule_an_earlier_rule_shadows_is_named_with_that_rule(tmp_path: Path) -> None:
    """'Bay Area' below 'West' matches the San Francisco accounts, but 'West' takes them first:
    the warning said 'matches no account', which was not true."""
    rules = write(tmp_path, "rules.csv", "region,state,postal_code\nWest,CA;OR,\nBay Area,CA,940*;941*\n")
    got, problems = regions_of(
        rules, country=["US", "US", "US"], state=["CA", "CA", "OR"], postal_code=["94103", "94110", "97201"]
    )
    assert got == ["West", "West", "West"]
    assert [(p.severity, p.row, p.message, p.hint) for p in problems] == [
        (
            "warning",
            3,
            "rule for region 'Bay Area' is never used: the 2 accounts it matches are taken first by an "
            "earlier rule: row 2 (region 'West')",
            "the first rule that matches wins: move this rule above the one that takes its accounts, "
            "or narrow that rule",
        )
    ]


def test_a_toml_rule_is_named_by_its_place_among_the_rules_not_as_a_row(tmp_path: Path) -> None:
    """The Nth [[rule]] table is not line N of the file: the warnings said 'row 2' of a TOML
    file whose line 2 is 'region = ...' of the first rule. And a rule shadowed by a built-in
    set named that set once per state it holds ('us-census-regions (region 'West'); us-census-
    regions (region 'West'); ...'); it is one entry with the set's distinct regions now."""
    rules = write(
        tmp_path,
        "rules.toml",
        '[[rule]]\nregion = "Alaska"\nstate = "AK"\n\n[[rule]]\nuse = "us-census-regions"\n\n'
        '[[rule]]\nregion = "Elsewhere"\n',
    )
    _, problems = regions_of(rules, country=["US", "US", "US"], state=["CA", "OR", "NY"])
    assert [(p.severity, p.row, p.message) for p in problems] == [
        ("warning", None, "rule 1 (region 'Alaska') matches no account"),
        (
            "warning",
            None,
            "rule 3 (region 'Elsewhere') is never used: the 3 accounts it matches are taken first by "
            "earlier rules: us-census-regions (regions 'West', 'Northeast')",
        ),
    ]


def test_a_bad_toml_rule_is_named_by_its_place_among_the_rules(tmp_path: Path) -> None:
    rules = write(
        tmp_path, "rules.toml", '[[rule]]\nregion = "West"\npostal_code = "9-10"\n[[rule]]\nregion = ""\n'
    )
    with pytest.raises(InputError) as e:
        load_rules(rules)
    assert [(p.row, p.message) for p in e.value.problems] == [
        (None, "rule 1: a postal-code range needs two ends of the same length, low to high"),
        (None, "rule 2: rule has no region"),
    ]


def test_unmatched_accounts_are_grouped_with_counts_and_rows(tmp_path: Path) -> None:
    rules = write(tmp_path, "rules.csv", "region,state\nWest,CA\n")
    _, problems = regions_of(
        rules,
        country=["US", "US", "US", "Canada"],
        state=["TX", "CA", "TX", "ON"],
        postal_code=["75001", "", "75002", ""],
    )
    assert [p.message for p in problems] == [
        "1 account matches no region rule (country 'Canada', state 'ON')",
        "2 accounts match no region rule (country 'US', state 'TX', postal codes '75001', '75002'; rows 2, 4)",
    ]
    assert all(p.severity == "error" for p in problems)


def test_bad_rule_files_report_every_problem(tmp_path: Path) -> None:
    rules = write(
        tmp_path,
        "rules.csv",
        "region,country,state,postal_code,colour\n"
        "West,US,Calfornia,,\n"
        ",US,TX,,\n"
        "East,US,,199-10,\n"
        "North,US,N*,,\n",
    )
    with pytest.raises(InputError) as e:
        load_rules(rules)
    msgs = [(p.row, p.column, p.message) for p in e.value.problems]
    assert msgs == [
        (1, "colour", "unknown column 'colour'"),
        (2, "state", "not a US state or territory"),
        (3, "region", "rule has no region"),
        (4, "postal_code", "a postal-code range needs two ends of the same length, low to high"),
        (5, "state", "prefixes only work on postal codes, not on 'state'"),
    ]


def test_toml_rule_errors(tmp_path: Path) -> None:
    rules = write(
        tmp_path,
        "rules.toml",
        '[[rule]]\nregion = "A"\nzip = "1*"\n\n[[rule]]\nuse = "us-census-states"\n\n'
        '[[rule]]\nregion = "B"\ncountry = "PR"\n',
    )
    with pytest.raises(InputError) as e:
        load_rules(rules)
    assert [p.message for p in e.value.problems] == [
        "rule 1 has an unknown key 'zip'",
        "rule 2: use = 'us-census-states' must name a built-in set and stand alone",
        "rule 3: PR is a US territory: its addresses count as US addresses",
    ]


def test_missing_rules_file(tmp_path: Path) -> None:
    with pytest.raises(InputError) as e:
        load_rules(str(tmp_path / "nope.csv"))
    assert e.value.problems[0].message == "region rules file not found"
    assert "us-census-regions" in (e.value.problems[0].hint or "")


# --------------------------------------------------------------------------- in the plan


def cfg(**sets: str) -> PlanConfig:
    return load_config(None, [f"{k}={v}" for k, v in sets.items()])


def test_region_column_and_rules_refuse_unless_a_setting_says(tmp_path: Path) -> None:
    df = frame(country=["US", "US"], state=["CA", "TX"], region=["West", ""])
    reps = pd.DataFrame({"rep_id": ["R1"], "region": ["West;South"], "_row": [2]})
    res = apply_geography(df, reps, cfg(**{"inputs.region_rules": "us-census-regions"}), "a.csv", "r.csv")
    assert [p.message for p in res.problems if p.severity == "error"] == [
        "the accounts have a region column (1 filled) and region rules are given "
        "(us-census-regions); which one wins is not clear"
    ]
    rules_win = apply_geography(
        df,
        reps,
        cfg(**{"inputs.region_rules": "us-census-regions", "geo.region_source": "rules"}),
        "a.csv",
        "r.csv",
    )
    assert rules_win.accounts["region"].tolist() == ["West", "South"]
    df2 = frame(country=["US", "US"], state=["CA", "TX"], region=["Pacific", ""])
    column_wins = apply_geography(
        df2,
        reps,
        cfg(**{"inputs.region_rules": "us-census-regions", "geo.region_source": "input"}),
        "a.csv",
        "r.csv",
    )
    assert column_wins.accounts["region"].tolist() == ["Pacific", "South"]
    assert column_wins.summary["regions"]["accounts_by_region"] == {"Pacific": 1, "South": 1}
    assert rules_win.summary["regions"]["accounts_whose_file_region_differs"] == 0
    assert df2["region"].tolist() == ["Pacific", ""]  # the input frame is not modified


def test_roster_region_no_rule_gives_is_an_error() -> None:
    df = frame(country=["US"], state=["CA"])
    reps = pd.DataFrame({"rep_id": ["R1", "R2"], "region": ["West", "Pacific Northwest;*"], "_row": [2, 3]})
    res = apply_geography(df, reps, cfg(**{"inputs.region_rules": "us-census-regions"}), "a.csv", "r.csv")
    errors = [p for p in res.problems if p.severity == "error"]
    assert [(p.file, p.row, p.value, p.message) for p in errors] == [
        (
            "r.csv",
            3,
            "Pacific Northwest",
            # R2 also covers every region ('*'): it does not go without accounts
            "region 'Pacific Northwest' is not given by any region rule, so no account is in it (rep R2)",
        )
    ]
    assert "Northeast, Midwest" in (errors[0].hint or "") or "Midwest" in (errors[0].hint or "")


def example_without_regions(tmp_path: Path) -> Path:
    ex = Path(__file__).resolve().parents[1] / "examples"
    a = pd.read_csv(ex / "accounts.csv", dtype=str, keep_default_na=False).drop(columns=["region"])
    path = tmp_path / "accounts.csv"
    a.to_csv(path, index=False)
    return path


def test_plan_with_region_rules_on_the_cli(tmp_path: Path) -> None:
    ex = Path(__file__).resolve().parents[1] / "examples"
    accounts = example_without_regions(tmp_path)
    out = tmp_path / "out"
    r = CliRunner().invoke(
        cli,
        [
            "plan",
            str(accounts),
            str(ex / "roster.csv"),
            "--out",
            str(out),
            "--region-rules",
            "us-census-regions",
        ],
    )
    assert r.exit_code == 0, r.output
    assert (
        "Regions from rules (us-census-regions): Midwest 200, Northeast 200, South 350, West 250." in r.output
    )
    got = pd.read_csv(out / "assignments.csv", dtype=str, keep_default_na=False)
    want = pd.read_csv(ex / "accounts.csv", dtype=str, keep_default_na=False)
    assert dict(zip(got["account_id"], got["region"])) == dict(zip(want["account_id"], want["region"]))


def test_plan_without_region_or_rules_still_names_the_problem(tmp_path: Path) -> None:
    ex = Path(__file__).resolve().parents[1] / "examples"
    accounts = example_without_regions(tmp_path)
    r = CliRunner().invoke(
        cli,
        [
            "plan",
            str(accounts),
            str(ex / "roster.csv"),
            "--out",
            str(tmp_path / "o"),
            "--region-rules",
            "us-census-divisions",
        ],
    )
    assert r.exit_code == 2
    assert (
        "row 2, column 'region': region 'Northeast' is not given by any region rule, so reps R01, R02, "
        "R03 would get no accounts (rows 2, 3, 4) (value: 'Northeast')"
    ) in r.output


# --------------------------------------------------------------------------- properties


STATES = ["CA", "NY", "TX", "MA", "ON", ""]
POSTALS = ["94105", "10001", "02134", "2134", "75001", "K1A 0B1", "", "941"]
COUNTRIES = ["US", "Canada", "", "France"]


@st.composite
def rule_sets(draw):  # type: ignore[no-untyped-def]
    rules = []
    for k in range(draw(st.integers(1, 5))):
        conds = {}
        if draw(st.booleans()):
            conds["state"] = Condition(
                frozenset(draw(st.sets(st.sampled_from(["CA", "NY", "TX", "MA", "ON"]), min_size=1)))
            )
        if draw(st.booleans()):
            conds["country"] = Condition(
                frozenset(draw(st.sets(st.sampled_from(["US", "CA", "FR"]), min_size=1)))
            )
        if draw(st.booleans()):
            prefixes = tuple(draw(st.lists(st.sampled_from(["9", "94", "0", "K1"]), max_size=2)))
            ranges = tuple(draw(st.lists(st.sampled_from([("010", "069"), ("700", "799")]), max_size=1)))
            exact = frozenset(draw(st.sets(st.sampled_from(["10001", "75001"]), max_size=1)))
            conds["postal_code"] = Condition(exact, prefixes, ranges)
        rules.append(Rule(region=f"R{k}", conditions=conds, where=f"row {k + 2}"))
    return RuleSet("rules.csv", tuple(rules))


@settings(max_examples=60, deadline=None)
@given(
    rules=rule_sets(),
    rows=st.lists(
        st.tuples(st.sampled_from(COUNTRIES), st.sampled_from(STATES), st.sampled_from(POSTALS)),
        min_size=1,
        max_size=30,
    ),
)
def test_vectorised_rules_equal_first_match_one_by_one(rules, rows) -> None:  # type: ignore[no-untyped-def]
    df = frame(country=[r[0] for r in rows], state=[r[1] for r in rows], postal_code=[r[2] for r in rows])
    addr = read_addresses(df)
    res = apply_rules(rules, addr, df["_row"].to_numpy(), "a.csv")
    postal = rule_postal(addr)
    for i in range(len(rows)):
        want = next(
            (r.region for r in rules.rules if r.matches(addr.country[i], addr.state[i], postal[i])), ""
        )
        assert res.regions[i] == want


@given(st.text(alphabet="Saint LouisMcLean.-' ", max_size=25))
def test_city_keys_ignore_case_spacing_and_dots(name: str) -> None:
    assert city_key(name) == city_key(name.upper()) == city_key("  " + name.replace(" ", "  ") + " ")
    assert city_key(name) == city_key(name.replace(".", ""))


@given(st.from_regex(r"\d{3,5}(-\d{4})?", fullmatch=True))
def test_zip_reading_is_idempotent(text: str) -> None:
    z, _ = us_zip(text)
    assert len(z) == 5 and us_zip(z) == (z, False)


def test_plan_file_region_rules_are_relative_to_the_plan_file(tmp_path: Path) -> None:
    from territory.runner import run_plan_file

    ex = Path(__file__).resolve().parents[1] / "examples"
    accounts = example_without_regions(tmp_path)
    (tmp_path / "rules").mkdir()
    rules = "region,state\n" + "".join(
        f"{r.region},{next(iter(r.conditions['state'].exact))}\n" for r in builtin_rules("us-census-regions")
    )
    (tmp_path / "rules" / "regions.csv").write_text(rules, encoding="utf-8")
    (tmp_path / "plan.toml").write_text(
        f'[inputs]\naccounts = "{accounts.name}"\nroster = "{ex / "roster.csv"}"\n'
        'region_rules = "rules/regions.csv"\n\n[outputs]\ndir = "out"\n',
        encoding="utf-8",
    )
    result = run_plan_file(tmp_path / "plan.toml")
    assert result.summary["geography"]["regions"]["rules"] == "regions.csv"
    assert result.summary["inputs"]["region_rules"]["rows"] == 51
    builtin = run_plan_file(tmp_path / "plan.toml", ["inputs.region_rules=us-census-regions"])
    assert builtin.summary["geography"]["regions"]["accounts_by_region"] == {
        "Midwest": 200,
        "Northeast": 200,
        "South": 350,
        "West": 250,
    }


def test_example_region_rules_give_the_example_its_regions(tmp_path: Path) -> None:
    ex = Path(__file__).resolve().parents[1] / "examples"
    runner = CliRunner()
    base = [str(ex / "accounts.csv"), str(ex / "roster.csv"), "--out"]
    a = runner.invoke(cli, ["plan", *base, str(tmp_path / "a"), "-q"])
    b = runner.invoke(
        cli,
        [
            "plan",
            *base,
            str(tmp_path / "b"),
            "--region-rules",
            str(ex / "region-rules.toml"),
            "--set",
            "geo.region_source=rules",
        ],
    )
    assert a.exit_code == 0 and b.exit_code == 0, b.output
    assert (
        "Regions from rules (region-rules.toml): Midwest 200, Northeast 200, South 350, West 250." in b.output
    )
    assert "rule 1 (region 'South') matches no account" in b.output  # the PR/VI rule: no account there
    assert (tmp_path / "a" / "owner_changes.csv").read_bytes() == (
        tmp_path / "b" / "owner_changes.csv"
    ).read_bytes()


def test_a_plan_with_rules_and_placing_opens_no_socket(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import socket

    def refuse(*a, **k):  # type: ignore[no-untyped-def]
        raise AssertionError("a socket was opened")

    monkeypatch.setattr(socket, "socket", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    ex = Path(__file__).resolve().parents[1] / "examples"
    accounts = example_without_regions(tmp_path)
    r = CliRunner().invoke(
        cli,
        [
            "plan",
            str(accounts),
            str(ex / "roster.csv"),
            "--out",
            str(tmp_path / "o"),
            "--region-rules",
            "us-census-regions",
        ],
    )
    assert r.exit_code == 0, r.output
    assert "992 of 1,000 accounts placed on the map: 992 by city" in r.output


def test_whatif_takes_region_rules_from_its_config(tmp_path: Path) -> None:
    import json

    ex = Path(__file__).resolve().parents[1] / "examples"
    accounts = example_without_regions(tmp_path)
    config = tmp_path / "whatif.toml"
    config.write_text('[inputs]\nregion_rules = "us-census-regions"\n', encoding="utf-8")
    r = CliRunner().invoke(
        cli,
        [
            "whatif",
            str(accounts),
            str(ex / "roster.csv"),
            "--out",
            str(tmp_path / "w"),
            "--remove-rep",
            "R07",
            "--config",
            str(config),
            "--jobs",
            "1",
            "-q",
        ],
    )
    assert r.exit_code == 0, r.output
    for d in ("baseline", "scenario"):
        summary = json.loads((tmp_path / "w" / d / "summary.json").read_text(encoding="utf-8"))
        assert summary["geography"]["regions"]["accounts_by_region"]["South"] == 350


def test_the_rules_files_in_the_docs_load(tmp_path: Path) -> None:
    """docs/geography.md's CSV example had rows with fewer cells than its header (no trailing
    comma for the note), so a user who copied it was refused: 'row has 4 fields but the header
    has 5'. Every CSV and TOML block of the guide loads, and the CSV example's rules say what
    the guide says they do."""
    import re

    text = (Path(__file__).resolve().parents[1] / "docs" / "geography.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```(csv|toml)\n(.*?)```", text, flags=re.S)
    rule_blocks = [(kind, body) for kind, body in blocks if "region" in body and "[inputs]" not in body]
    assert [kind for kind, _ in rule_blocks] == ["csv", "toml"]
    for n, (kind, body) in enumerate(rule_blocks):
        load_rules(write(tmp_path, f"rules{n}.{kind}", body))
    got, problems = regions_of(
        str(tmp_path / "rules0.csv"),
        country=["US", "US", "US", "Canada", "France"],
        state=["CA", "NY", "OR", "ON", ""],
        postal_code=["94105", "10001", "97201", "K1A 0B1", "75001"],
    )
    assert got == ["Bay Area", "NYC", "West", "Canada", "International"]
