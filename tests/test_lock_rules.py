"""Lock rules from the data and named successors (issue 16, item 1).

A tiny book throughout: West has one rep (R1, owns W1-W3), East has two (R2 owns E1-E6, R3
owns nothing). Every account is Tier 1 with potential 100, so without rules the plan gives
R3 three of R2's six East accounts (fair share 3 each, equal potential) and R1 keeps the West.
"""

from __future__ import annotations

import csv
import json
from datetime import date
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

import territory
from territory.accountstate import AccountState
from territory.config import load_config
from territory.errors import ConfigError
from territory.lockrules import apply_lock_rules, date_noun
from territory.runner import plan_to_folder
from territory_cli.main import cli

HEADER = ["account_id", "name", "region", "tier", "potential", "owner_id", "parent_id"]
EXTRA = ["renewal_date", "strategic", "owner_since"]


def book(extra: dict[str, dict[str, str]] | None = None) -> list[dict[str, str]]:
    rows = [{"account_id": f"W{i}", "region": "West", "owner_id": "R1"} for i in range(1, 4)]
    rows += [{"account_id": f"E{i}", "region": "East", "owner_id": "R2"} for i in range(1, 7)]
    for r in rows:
        r.update(name=f"Company {r['account_id']}", tier="1", potential="100", parent_id="")
        r.update({c: "" for c in EXTRA})
        r.update((extra or {}).get(r["account_id"], {}))
    # A column no row fills is left out (an owner_since column no rule reads is refused).
    unused = [c for c in EXTRA if not any(r[c] for r in rows)]
    return [{k: v for k, v in r.items() if k not in unused} for r in rows]


ROSTER = [
    {"rep_id": "R1", "name": "Ana", "region": "West", "capacity": "1"},
    {"rep_id": "R2", "name": "Bo", "region": "East", "capacity": "1"},
    {"rep_id": "R3", "name": "Cy", "region": "East", "capacity": "1"},
]


def write(path: Path, rows: list[dict[str, str]]) -> Path:
    header = list(rows[0])
    with open(path, "w", newline="", encoding="utf-8") as fh:
        w = csv.DictWriter(fh, fieldnames=header)
        w.writeheader()
        w.writerows(rows)
    return path


def files(
    tmp_path: Path,
    extra: dict[str, dict[str, str]] | None = None,
    rules: str = "",
    roster: list[dict[str, str]] | None = None,
) -> tuple[Path, Path, Path]:
    a = write(tmp_path / "accounts.csv", book(extra))
    r = write(tmp_path / "roster.csv", roster or ROSTER)
    c = tmp_path / "plan.toml"
    c.write_text('[locks]\nas_of = "2026-12-03"\n' + rules, encoding="utf-8")
    return a, r, c


def invoke(tmp_path: Path, *args: str) -> Any:
    """territory plan on the files of ``files``, into tmp_path/out."""
    a, r, c = tmp_path / "accounts.csv", tmp_path / "roster.csv", tmp_path / "plan.toml"
    return CliRunner().invoke(
        cli, ["plan", str(a), str(r), "--out", str(tmp_path / "out"), "-c", str(c), *args]
    )


def plan(tmp_path: Path, *args: str) -> tuple[dict, pd.DataFrame, str]:
    out = tmp_path / "out"
    res = invoke(tmp_path, *args)
    assert res.exit_code == 0, res.output
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    rows = pd.read_csv(out / "assignments.csv", dtype=str, keep_default_na=False).set_index("account_id")
    return summary, rows, res.output


def load_error(tmp_path: Path) -> str:
    res = invoke(tmp_path)
    assert res.exit_code == 2, res.output
    assert "Traceback" not in res.output
    assert not (tmp_path / "out").exists()
    return res.output


RENEWAL = '[[locks.rules]]\ncolumn = "renewal_date"\nwithin_days = 90\n'


# ---------------------------------------------------------------- the tests of a rule


def test_renewal_within_days_counts_both_ends_and_no_past(tmp_path: Path) -> None:
    """as of 2026-12-03, 90 days: 2026-12-03 (day 0) and 2027-03-03 (day 90) are in; 2027-03-04
    (day 91) and 2026-12-02 (already past) are out."""
    files(
        tmp_path,
        {
            "E1": {"renewal_date": "2026-12-03"},
            "E2": {"renewal_date": "2027-03-03"},
            "E3": {"renewal_date": "2027-03-04"},
            "E4": {"renewal_date": "2026-12-02"},
            "E5": {"renewal_date": "2027-01-15T10:00:00+05:00"},
        },
        RENEWAL,
    )
    summary, rows, out = plan(tmp_path)
    kept = rows[rows["reason"].str.startswith("kept:")]
    assert sorted(kept.index) == ["E1", "E2", "E5"]
    assert rows.at["E5", "reason"] == "kept: renewal on 2027-01-15, within 90 days of 2026-12-03"
    assert rows.at["E1", "reason"] == "kept: renewal on 2026-12-03, within 90 days of 2026-12-03"
    assert (rows.loc[["E1", "E2", "E5"], "owner_id"] == "R2").all()
    assert rows.loc[["E1", "E2", "E5"], "locked"].eq("true").all()
    lr = summary["lock_rules"]
    assert lr["as_of"] == "2026-12-03" and lr["as_of_from"] == "locks.as_of"
    (rule,) = lr["rules"]
    assert rule["rule"] == 1 and rule["text"] == 'column = "renewal_date", within_days = 90'
    assert (rule["matched"], rule["kept"]) == (3, 3)
    # Without the rule R3 takes 3 of R2's 6: which 3 is the solver's choice, so is "anyway".
    anyway = rule["kept_anyway"]
    assert anyway in (0, 1, 2, 3) and lr["kept_anyway"] == anyway
    assert (
        f"Lock rules as of 2026-12-03: 3 accounts kept with their owner, {anyway} of them would have "
        "stayed anyway." in out
    )
    assert f'  rule 1 (column = "renewal_date", within_days = 90): 3 matched, 3 kept ({anyway} anyway)' in out


def test_owner_since_within_last_days(tmp_path: Path) -> None:
    """owner_since 2026-09-04 is 90 days before 2026-12-03: in; 2026-09-03 (91 days) and a date
    after the as-of date are out. The owner_since column is read as a date, not as an owner."""
    files(
        tmp_path,
        {
            "E1": {"owner_since": "2026-09-04"},
            "E2": {"owner_since": "2026-09-03"},
            "E3": {"owner_since": "2026-12-04"},
        },
        '[[locks.rules]]\ncolumn = "owner_since"\nwithin_last_days = 90\n',
    )
    _, rows, _ = plan(tmp_path)
    assert rows.at["E1", "reason"] == "kept: owner since 2026-09-04, within 90 days before 2026-12-03"
    assert not rows.loc[["E2", "E3"], "reason"].str.startswith("kept:").any()


def test_equals_reads_true_false_words_alike_and_in_lists_values(tmp_path: Path) -> None:
    files(
        tmp_path,
        {
            "E1": {"strategic": "TRUE"},
            "E2": {"strategic": "yes"},
            "E3": {"strategic": "no"},
            "W1": {"strategic": "1"},
            "E4": {"owner_since": "Gold"},
        },
        '[[locks.rules]]\nname = "strategic accounts"\ncolumn = "strategic"\nequals = true\n'
        '[[locks.rules]]\ncolumn = "Owner Since"\nin = ["gold", "platinum"]\n',
    )
    summary, rows, out = plan(tmp_path)
    assert rows.at["E1", "reason"] == "kept: strategic is TRUE"
    assert rows.at["E2", "reason"] == "kept: strategic is yes"
    assert rows.at["W1", "reason"] == "kept: strategic is 1"
    assert rows.at["E4", "reason"] == "kept: owner_since is Gold (gold, platinum)"
    assert not rows.at["E3", "reason"].startswith("kept")
    first, second = summary["lock_rules"]["rules"]
    assert (first["name"], first["matched"], second["matched"]) == ("strategic accounts", 3, 1)
    assert '  rule 1 "strategic accounts" (column = "strategic", equals = true): 3 matched, 3 kept' in out


def test_an_account_two_rules_keep_names_both(tmp_path: Path) -> None:
    files(
        tmp_path,
        {"E1": {"renewal_date": "2027-01-15", "strategic": "true"}},
        RENEWAL + '[[locks.rules]]\ncolumn = "strategic"\nequals = "true"\n',
    )
    summary, rows, _ = plan(tmp_path)
    assert rows.at["E1", "reason"] == (
        "kept: renewal on 2027-01-15, within 90 days of 2026-12-03; strategic is true"
    )
    assert summary["lock_rules"]["kept"] == 1
    assert [r["kept"] for r in summary["lock_rules"]["rules"]] == [1, 1]


def test_kept_anyway_is_what_the_plan_without_rules_keeps(tmp_path: Path) -> None:
    """The rule keeps all nine accounts. Without it R1 keeps the West (the only West rep: 3
    anyway) and R2 keeps 3 of 6 (R3's fair share is the other 3): 6 of 9 anyway."""
    strategic = {f"{p}{i}": {"strategic": "true"} for p, n in (("W", 3), ("E", 6)) for i in range(1, n + 1)}
    files(tmp_path, strategic, '[[locks.rules]]\ncolumn = "strategic"\nequals = "true"\n')
    summary, rows, out = plan(tmp_path)
    (rule,) = summary["lock_rules"]["rules"]
    assert (rule["matched"], rule["kept"], rule["kept_anyway"]) == (9, 9, 6)
    assert summary["lock_rules"]["kept_anyway"] == 6
    assert (rows["owner_id"] == rows["previous_owner_id"]).all()  # nothing moves
    assert "9 accounts kept with their owner, 6 of them would have stayed anyway" in out
    # The same measured independently: the plan without the rule.
    (tmp_path / "plan.toml").write_text('[locks]\nas_of = "2026-12-03"\n', encoding="utf-8")
    free, free_rows, _ = plan(tmp_path)
    assert "lock_rules" not in free
    assert int((free_rows["owner_id"] == free_rows["previous_owner_id"]).sum()) == 6


def test_kept_anyway_can_be_switched_off(tmp_path: Path) -> None:
    files(tmp_path, {"E1": {"strategic": "true"}}, '[[locks.rules]]\ncolumn = "strategic"\nequals = "true"\n')
    summary, _, out = plan(tmp_path, "--set", "locks.kept_anyway=false")
    assert summary["lock_rules"]["kept_anyway"] is None
    assert summary["lock_rules"]["rules"][0]["kept_anyway"] is None
    assert "Lock rules as of" not in out  # no date rule: no date to state
    assert "Lock rules: 1 account kept with their owner." in out


def test_as_of_defaults_to_today_and_says_so(tmp_path: Path) -> None:
    a, r, _ = files(tmp_path, {"E1": {"renewal_date": "2027-01-15"}}, "")
    cfg = load_config(None, ['locks.rules=[{column = "renewal_date", within_days = 90}]'])
    accounts, _ = territory.io.loading.parse_accounts(territory.io.loading.read_table(a), str(a))
    reps, _ = territory.io.loading.parse_roster(territory.io.loading.read_table(r), str(r))
    none = AccountState.empty(len(accounts))
    done = apply_lock_rules(accounts, reps, cfg, str(a), none, today=date(2026, 12, 1))
    assert done.info is not None
    assert (done.info["as_of"], done.info["as_of_from"]) == ("2026-12-01", "today")
    assert dict(zip(done.accounts["account_id"], done.state.lock_reason))["E1"] == (
        "kept: renewal on 2027-01-15, within 90 days of 2026-12-01"
    )
    late = apply_lock_rules(accounts, reps, cfg, str(a), none, today=date(2026, 10, 1))
    assert not late.accounts["locked"].any()  # 106 days ahead
    assert [p.message for p in late.problems] == [
        'lock rule 1 (column = "renewal_date", within_days = 90) matches no account: no '
        "'renewal_date' date is within 90 days of 2026-10-01"
    ]


def test_as_of_on_the_command_line_wins_and_outputs_repeat(tmp_path: Path) -> None:
    files(tmp_path, {"E1": {"renewal_date": "2027-01-15"}}, RENEWAL)
    summary, rows, _ = plan(tmp_path, "--as-of", "2026-11-01")
    assert summary["lock_rules"]["as_of"] == "2026-11-01"
    assert summary["lock_rules"]["as_of_from"] == "locks.as_of"
    assert summary["config"]["locks"]["as_of"] == "2026-11-01"
    assert rows.at["E1", "reason"] == "kept: renewal on 2027-01-15, within 90 days of 2026-11-01"
    first = {p.name: p.read_bytes() for p in (tmp_path / "out").iterdir() if p.name != "summary.json"}
    again = json.loads(json.dumps(summary))
    plan(tmp_path, "--as-of", "2026-11-01")
    second = {p.name: p.read_bytes() for p in (tmp_path / "out").iterdir() if p.name != "summary.json"}
    assert first == second
    s2 = json.loads((tmp_path / "out" / "summary.json").read_text(encoding="utf-8"))
    again.pop("run"), s2.pop("run")
    assert again == s2


def test_bad_as_of_is_refused(tmp_path: Path) -> None:
    _, _, c = files(tmp_path, {}, RENEWAL)
    c.write_text('[locks]\nas_of = "03/12/2026"\n' + RENEWAL, encoding="utf-8")
    with pytest.raises(ConfigError) as e:
        load_config(c)
    assert str(e.value) == (
        f"{c}: 'locks': as_of must be a date written YYYY-MM-DD, e.g. 2026-12-03, not '03/12/2026'"
    )
    res = CliRunner().invoke(cli, ["plan", "a.csv", "r.csv", "--out", "o", "--as-of", "3 Dec"])
    assert res.exit_code == 2
    assert "Invalid value for '--as-of': '3 Dec' does not match the format '%Y-%m-%d'." in res.output


def test_date_noun() -> None:
    assert date_noun("renewal_date") == "renewal"
    assert date_noun("owner_since") == "owner since"
    assert date_noun("Contract End Date") == "contract end"
    assert date_noun("date") == "date"


# ---------------------------------------------------------------- bad rules


def test_rule_errors_name_the_rule_its_text_and_the_rows(tmp_path: Path) -> None:
    files(
        tmp_path,
        {
            "E1": {"renewal_date": "soon"},
            "E2": {"renewal_date": "2027-02-30"},
            "E3": {"renewal_date": "2027-01-15"},
        },
        RENEWAL + '[[locks.rules]]\ncolumn = "renewl"\nequals = "x"\n',
    )
    out = load_error(tmp_path)
    acc = tmp_path / "accounts.csv"
    assert (
        f"{acc}:\n"
        '  - row 1, column \'renewl\': lock rule 2 (column = "renewl", equals = "x") reads column '
        "'renewl', which the accounts do not have\n"
        "      hint: did you mean 'renewal_date'? columns: account_id, region, owner_id, name, tier, "
        "potential, parent_id, renewal_date, locked\n"
        "  - row 5, column 'renewal_date': lock rule 1 (column = \"renewal_date\", within_days = 90) "
        "needs a date here (value: 'soon')\n"
        "      hint: write dates as YYYY-MM-DD, or leave the cell empty (an empty cell matches no date rule)\n"
        "  - row 6, column 'renewal_date': lock rule 1 (column = \"renewal_date\", within_days = 90) "
        "needs a date here (value: '2027-02-30')\n"
    ) in out
    assert "3 problems found in the input." in out


def test_ambiguous_day_month_asks_for_the_rule_date_format(tmp_path: Path) -> None:
    files(
        tmp_path,
        {"E1": {"renewal_date": "03/04/2027"}, "E2": {"renewal_date": "05/06/2027"}},
        RENEWAL,
    )
    out = load_error(tmp_path)
    assert (
        "lock rule 1 (column = \"renewal_date\", within_days = 90): 'renewal_date' has dates such as "
        "'03/04/2027' that read as day/month or month/day, and no value tells which (value: '03/04/2027')\n"
        '      hint: add date_format = "%d/%m/%Y" (day first) or "%m/%d/%Y" (month first) to the rule, '
        "or export the dates as YYYY-MM-DD"
    ) in out
    (tmp_path / "plan.toml").write_text(
        '[locks]\nas_of = "2027-03-10"\n' + RENEWAL + 'date_format = "%d/%m/%Y"\n', encoding="utf-8"
    )
    _, rows, _ = plan(tmp_path)
    assert rows.at["E1", "reason"] == "kept: renewal on 2027-04-03, within 90 days of 2027-03-10"
    assert rows.at["E2", "reason"] == "kept: renewal on 2027-06-05, within 90 days of 2027-03-10"


def test_placeholder_dates_are_empty_with_a_warning(tmp_path: Path) -> None:
    files(tmp_path, {"E1": {"renewal_date": "9999-12-31"}, "E2": {"renewal_date": "2027-01-15"}}, RENEWAL)
    summary, rows, _ = plan(tmp_path)
    assert rows.at["E2", "reason"].startswith("kept:") and not rows.at["E1", "reason"].startswith("kept:")
    assert any(
        "1 account has a renewal_date before 1900 or after 2199 (a placeholder, not a date); lock rule 1 "
        '(column = "renewal_date", within_days = 90) treats it as empty' in w
        for w in summary["warnings"]
    )


def test_negative_days_two_tests_and_unknown_keys_name_the_rule(tmp_path: Path) -> None:
    c = tmp_path / "plan.toml"
    c.write_text(
        '[[locks.rules]]\ncolumn = "renewal_date"\nwithin_days = -5\n'
        '[[locks.rules]]\ncolumn = "strategic"\nequals = "true"\nin = ["yes"]\n'
        "[[locks.rules]]\nwithin_days = 30\n"
        '[[locks.rules]]\ncolumn = "x"\nwithin_dayz = 30\n',
        encoding="utf-8",
    )
    with pytest.raises(ConfigError) as e:
        load_config(c)
    assert str(e.value) == "\n".join(
        [
            f'{c}: lock rule 1 (column = "renewal_date", within_days = -5): setting '
            "'locks.rules[1].within_days' must be a whole number from 0 to 36,525 (days; 36,525 is 100 "
            "years), or none (unset), not -5",
            f'{c}: lock rule 2 (column = "strategic", equals = "true", in = ["yes"]): a rule has one test, '
            "this one has 2 (equals, in); write one [[locks.rules]] table per test",
            f"{c}: lock rule 3 (within_days = 30): within_days needs the accounts column to read, e.g. "
            'column = "renewal_date"',
            f'{c}: lock rule 4 (column = "x", within_dayz = 30): unknown setting '
            "'locks.rules[4].within_dayz'. Did you mean locks.rules[4].within_days? Run 'territory "
            "settings' to list them.",
            "4 problems in the settings.",
        ]
    )


def test_equals_true_on_a_column_that_is_not_true_false(tmp_path: Path) -> None:
    files(
        tmp_path,
        {"E1": {"strategic": "maybe"}, "E2": {"strategic": "true"}},
        '[[locks.rules]]\ncolumn = "strategic"\nequals = true\n',
    )
    out = load_error(tmp_path)
    assert (
        "row 5, column 'strategic': lock rule 1 (column = \"strategic\", equals = true) compares with "
        "true/false, but this cell is not true or false (value: 'maybe')\n"
        '      hint: write true or false (yes/no, 1/0), or compare as text: equals = "true"'
    ) in out


def test_a_rule_that_matches_nothing_shows_the_values(tmp_path: Path) -> None:
    files(tmp_path, {"E1": {"strategic": "true"}}, '[[locks.rules]]\ncolumn = "strategic"\nequals = "ture"\n')
    summary, _, _ = plan(tmp_path)
    assert (
        'lock rule 1 (column = "strategic", equals = "ture") matches no account: no \'strategic\' cell is '
        "'ture' (accounts.csv). Hint: values seen: 'true'"  # summary.json names files without folders
    ) in summary["warnings"]


# ---------------------------------------------------------------- families, locks file, products


def test_a_family_follows_its_kept_member(tmp_path: Path) -> None:
    """E2 is E1's subsidiary, owned by R3; the rule keeps E1 with R2, so E2 follows to R2."""
    files(
        tmp_path,
        {"E2": {"parent_id": "E1", "owner_id": "R3"}, "E1": {"strategic": "true"}},
        '[[locks.rules]]\ncolumn = "strategic"\nequals = "true"\n',
    )
    _, rows, _ = plan(tmp_path)
    assert rows.at["E1", "reason"] == "kept: strategic is true"
    assert rows.at["E2", "owner_id"] == "R2"
    assert rows.at["E2", "reason"] == "follows parent E1; kept: strategic is true"


def test_a_family_kept_with_two_owners_is_an_error_naming_the_rules(tmp_path: Path) -> None:
    files(
        tmp_path,
        {
            "E2": {"parent_id": "E1", "owner_id": "R3", "renewal_date": "2027-01-15"},
            "E1": {"strategic": "true"},
        },
        RENEWAL + '[[locks.rules]]\ncolumn = "strategic"\nequals = "true"\n',
    )
    out = load_error(tmp_path)
    assert (
        "row 6, column 'locked': accounts of family E1 are locked to different reps: E1 (row 5) is kept "
        'with R2 by lock rule 2 (column = "strategic", equals = "true"), E2 (row 6) is kept with R3 by '
        "lock rule 1 (column = \"renewal_date\", within_days = 90) (value: 'E2')\n"
        "      hint: a family (a parent and its subsidiaries) has one owner: lock them to the same rep, "
        "unlock one, narrow the lock rule, or let families split with --set families.mode=free"
    ) in out


def test_the_locks_file_wins_over_a_rule(tmp_path: Path) -> None:
    files(tmp_path, {"E1": {"strategic": "true"}}, '[[locks.rules]]\ncolumn = "strategic"\nequals = "true"\n')
    locks = tmp_path / "locks.csv"
    locks.write_text("account_id,rep_id\nE1,R3\n", encoding="utf-8")
    summary, rows, out = plan(tmp_path, "--locks", str(locks))
    assert rows.at["E1", "owner_id"] == "R3" and rows.at["E1", "reason"] == "locked to R3"
    (rule,) = summary["lock_rules"]["rules"]
    assert (rule["matched"], rule["kept"], rule["not_kept"]["moved"]) == (1, 0, 1)
    assert "1 moved (pinned to another rep)" in out
    assert any(
        w.startswith(
            "1 account that lock rules keep with the owner is pinned to another rep in the locks file; the "
            'locks file wins (first: E1, kept by lock rule 1 (column = "strategic", equals = "true"), '
            "pinned to R3)"
        )
        for w in summary["warnings"]
    )


def test_an_owner_off_the_roster_cannot_be_kept(tmp_path: Path) -> None:
    files(
        tmp_path,
        {"E1": {"strategic": "true", "owner_id": "R9"}, "E2": {"strategic": "true", "owner_id": ""}},
        '[[locks.rules]]\ncolumn = "strategic"\nequals = "true"\n',
    )
    summary, rows, out = plan(tmp_path)
    (rule,) = summary["lock_rules"]["rules"]
    assert (rule["matched"], rule["kept"], rule["not_kept"]["owner_left_or_none"]) == (2, 0, 2)
    assert rows.at["E1", "reason"] == "owner R9 left the roster"
    assert "2 not kept: no owner on the roster" in out


def test_products_keep_the_row_of_the_product_the_owner_carries(tmp_path: Path) -> None:
    """R1 carries core and owns W1; the rule keeps W1's core row with R1. The insights row has
    no insights owner (R1 does not carry it), so nothing keeps it: R4 takes it."""
    rows = book({"W1": {"strategic": "true"}})
    for r in rows:
        r["tier_core"], r["tier_insights"] = "1", "2"
        del r["tier"]
    write(tmp_path / "accounts.csv", rows)
    roster = [dict(r, product="core") for r in ROSTER] + [
        {"rep_id": "R4", "name": "Di", "region": "West;East", "capacity": "1", "product": "insights"},
        {"rep_id": "R5", "name": "Ed", "region": "West", "capacity": "1", "product": "core"},
    ]
    write(tmp_path / "roster.csv", roster)
    (tmp_path / "plan.toml").write_text('[[locks.rules]]\ncolumn = "strategic"\nequals = "true"\n')
    summary, _, _ = plan(tmp_path)
    a = pd.read_csv(tmp_path / "out" / "assignments.csv", dtype=str, keep_default_na=False)
    w1 = a[a["account_id"] == "W1"].set_index("product")
    assert w1.at["core", "owner_id"] == "R1"
    assert w1.at["core", "reason"] == "kept: strategic is true; core fit Tier 1"
    assert w1.at["insights", "owner_id"] == "R4" and not w1.at["insights", "reason"].startswith("kept")
    lr = summary["lock_rules"]
    assert lr["unit"] == "account-product rows"
    assert (lr["rules"][0]["matched"], lr["rules"][0]["kept"]) == (2, 1)


# ---------------------------------------------------------------- opportunities


STAGES = (
    '[locks]\nas_of = "2026-12-03"\nstages = ["Prospecting", "Qualification", "Proposal", "Negotiation"]\n'
)


def test_open_opportunity_at_or_past_a_stage(tmp_path: Path) -> None:
    files(tmp_path)
    (tmp_path / "plan.toml").write_text(STAGES + '[[locks.rules]]\nstage_at_least = "Proposal"\n')
    opps = tmp_path / "opps.csv"
    opps.write_text(
        "Opportunity ID,AccountId,StageName\n"
        "O1,E1,Proposal\n"
        "O2,E2,Qualification\n"
        "O3,E3,Closed Won\n"
        "O4,E4,Prospecting\n"
        "O5,E4,Negotiation\n"
        "O6,X99,Negotiation\n",
        encoding="utf-8",
    )
    summary, rows, _ = plan(tmp_path, "--opportunities", str(opps))
    assert rows.at["E1", "reason"] == "kept: open opportunity O1 at Proposal (Proposal or later)"
    assert rows.at["E4", "reason"] == "kept: open opportunity O5 at Negotiation (Proposal or later)"
    assert not rows.loc[["E2", "E3"], "reason"].str.startswith("kept:").any()
    assert summary["inputs"]["opportunities"]["rows"] == 6
    assert summary["lock_rules"]["rules"][0]["test"] == "stage_at_least"
    assert any(
        w.startswith("1 opportunity names an account not in the accounts file") for w in summary["warnings"]
    )


def test_unknown_stage_and_missing_order_are_errors(tmp_path: Path) -> None:
    files(tmp_path)
    opps = tmp_path / "opps.csv"
    opps.write_text("account_id,stage\nE1,Proposal\nE2,Discovery\nE3,Discovery\nE4,\n", encoding="utf-8")
    (tmp_path / "plan.toml").write_text(STAGES + '[[locks.rules]]\nstage_at_least = "Proposal"\n')
    res = invoke(tmp_path, "--opportunities", str(opps))
    assert res.exit_code == 2
    assert (
        f"{opps}:\n"
        "  - row 3, column 'stage': 2 open opportunities are at stage 'Discovery', which is not in the "
        "stage order of lock rule 1 (stage_at_least = \"Proposal\") (value: 'Discovery')\n"
        "      hint: add the stage in its place to stages (earliest first): Prospecting, Qualification, "
        "Proposal, Negotiation; won and lost stages (Won, Closed Won, Lost, Closed Lost) are recognised\n"
        "  - row 5, column 'stage': opportunity has no stage, so lock rule 1 (stage_at_least = \"Proposal\") "
        "cannot tell whether it is open and how far along\n"
    ) in res.output
    (tmp_path / "plan.toml").write_text('[[locks.rules]]\nstage_at_least = "Proposal"\n')
    res = invoke(tmp_path, "--opportunities", str(opps))
    assert res.exit_code == 2
    assert res.output == (
        'Error: lock rule 1 (stage_at_least = "Proposal"): give the order of the opportunity stages, '
        "earliest first, in the rule (stages = [...]) or in [locks] stages = [...]; open stages in "
        f"{opps}: Proposal, Discovery\n"
    )
    res = invoke(tmp_path)
    assert res.exit_code == 2
    assert res.output == (
        'Error: lock rule 1 (stage_at_least = "Proposal") needs the opportunities file: pass '
        '--opportunities FILE, or set opportunities = "FILE" under [locks]\n'
    )


# ---------------------------------------------------------------- successors


def successor_roster(successor: str = "R3") -> list[dict[str, str]]:
    """R2 leaves: the roster names R3 as R2's successor."""
    return [dict(r, successor="") for r in ROSTER[:1]] + [
        dict(ROSTER[1], successor=successor),
        dict(ROSTER[2], successor=""),
        {"rep_id": "R4", "name": "Di", "region": "East", "capacity": "1", "successor": ""},
    ]


def test_a_leaver_s_accounts_go_to_the_named_successor(tmp_path: Path) -> None:
    """Without the successor R3 and R4 would split R2's six; with it R3 takes all six."""
    files(tmp_path, roster=successor_roster())
    summary, rows, out = plan(tmp_path)
    east = rows.loc[[f"E{i}" for i in range(1, 7)]]
    assert (east["owner_id"] == "R3").all()
    assert (east["reason"] == "R2 left the roster; to the named successor R3").all()
    assert [r["rep_id"] for r in summary["reps"]] == ["R1", "R3", "R4"]
    assert summary["inputs"]["roster"]["rows"] == 4
    (lv,) = summary["lock_rules"]["successors"]
    assert lv == {
        "rep_id": "R2",
        "name": "Bo",
        "successor": "R3",
        "named": "R3",
        "accounts": 6,
        "to_successor": 6,
    }
    assert "R2 leaves: 6 of 6 accounts go to the named successor R3." in out
    assert not [w for w in summary["warnings"] if "'R2' is not on the roster" in w]


def test_a_chain_of_successors_ends_on_the_rep_who_stays(tmp_path: Path) -> None:
    roster = successor_roster()
    roster[2]["successor"] = "R4"  # R3 leaves too: R2 -> R3 -> R4
    files(tmp_path, roster=roster)
    summary, rows, _ = plan(tmp_path)
    assert (rows.loc[[f"E{i}" for i in range(1, 7)], "owner_id"] == "R4").all()
    assert [lv["successor"] for lv in summary["lock_rules"]["successors"]] == ["R4", "R4"]
    assert [lv["named"] for lv in summary["lock_rules"]["successors"]] == ["R3", "R4"]


def test_successor_errors(tmp_path: Path) -> None:
    roster = successor_roster("R33")
    roster[0]["successor"] = "R1"
    roster[2]["successor"] = "R4"
    roster[3]["successor"] = "R3"
    files(tmp_path, roster=roster)
    out = load_error(tmp_path)
    assert (
        f"{tmp_path / 'roster.csv'}:\n"
        "  - row 2, column 'successor': a rep cannot be their own successor (value: 'R1')\n"
        "      hint: name the rep on the roster who takes R1's accounts, or leave the cell empty if R1 stays\n"
        "  - row 3, column 'successor': the successor of R2 is not on the roster (value: 'R33')\n"
        "      hint: did you mean 'R3'? a successor is the rep_id of a rep on the roster who takes over the "
        "leaving rep's accounts; add them to the roster, or leave the cell empty\n"
    ) in out
    roster[0]["successor"] = roster[1]["successor"] = ""
    files(tmp_path, roster=roster)
    out = load_error(tmp_path)
    assert (
        "row 4, column 'successor': successors form a loop: R3 -> R4 -> R3 (value: 'R4')\n"
        "      hint: one rep of the loop stays: clear their successor cell"
    ) in out


def test_a_scenario_without_the_successor_frees_the_accounts(tmp_path: Path) -> None:
    from territory.scenarios import RemoveRep, Scenario, apply_scenario

    a, r, c = files(tmp_path, roster=successor_roster())
    inp = territory.load_input(a, r, load_config(c))
    pins = pd.Series(inp.state.lock_to, index=inp.accounts["account_id"])
    assert (pins[[f"E{i}" for i in range(1, 7)]] == "R3").all()
    gone = apply_scenario(inp, Scenario("no R3", (RemoveRep("R3"),)))
    assert (gone.state.lock_to == "").all()
    p = territory.solve_input(gone)
    assert set(p.accounts.set_index("account_id").loc[[f"E{i}" for i in range(1, 7)], "owner_id"]) == {"R4"}


def test_plan_folder_keeps_kept_anyway_out_of_library_solves(tmp_path: Path) -> None:
    """solve_input alone does not solve twice; plan_to_folder measures kept_anyway."""
    a, r, c = files(
        tmp_path, {"E1": {"strategic": "true"}}, '[[locks.rules]]\ncolumn = "strategic"\nequals = "true"\n'
    )
    inp = territory.load_input(a, r, load_config(c))
    p = territory.solve_input(inp)
    assert territory.pipeline.summary_dict(p)["lock_rules"]["kept_anyway"] is None
    done = plan_to_folder(inp, tmp_path / "out")
    assert done.summary["lock_rules"]["kept_anyway"] == 1


def test_rules_run_from_plan_toml(tmp_path: Path) -> None:
    """territory run applies [locks] of the plan file; the opportunities path is relative to it."""
    files(tmp_path, {"E1": {"renewal_date": "2027-01-15"}})
    (tmp_path / "opps.csv").write_text("account_id,stage\nE2,Negotiation\n", encoding="utf-8")
    (tmp_path / "plan.toml").write_text(
        '[inputs]\naccounts = "accounts.csv"\nroster = "roster.csv"\n[outputs]\ndir = "out"\n'
        + STAGES
        + 'opportunities = "opps.csv"\n'
        + RENEWAL
        + '[[locks.rules]]\nstage_at_least = "Proposal"\n',
        encoding="utf-8",
    )
    res = CliRunner().invoke(cli, ["run", str(tmp_path / "plan.toml"), "--as-of", "2026-12-01"])
    assert res.exit_code == 0, res.output
    rows = pd.read_csv(tmp_path / "out" / "assignments.csv", dtype=str, keep_default_na=False).set_index(
        "account_id"
    )
    assert rows.at["E1", "reason"] == "kept: renewal on 2027-01-15, within 90 days of 2026-12-01"
    assert rows.at["E2", "reason"] == "kept: open opportunity at Negotiation (Proposal or later)"
    assert "Lock rules as of 2026-12-01: 2 accounts kept with their owner" in res.output


def test_set_checks_the_whole_locks_table() -> None:
    with pytest.raises(ConfigError) as e:
        load_config(None, ["locks.as_of=2026-13-01"])
    assert (
        str(e.value)
        == "--set: 'locks': as_of must be a date written YYYY-MM-DD, e.g. 2026-12-03, not '2026-13-01'"
    )


def test_a_parent_follows_its_kept_subsidiary(tmp_path: Path) -> None:
    """E2 (R2's) is the subsidiary of E1 (R3's); the rule keeps E2, so the parent goes to R2."""
    files(
        tmp_path,
        {"E1": {"owner_id": "R3"}, "E2": {"parent_id": "E1", "strategic": "true"}},
        '[[locks.rules]]\ncolumn = "strategic"\nequals = "true"\n',
    )
    _, rows, _ = plan(tmp_path)
    assert rows.at["E2", "reason"] == "kept: strategic is true"
    assert rows.at["E1", "owner_id"] == "R2"
    assert rows.at["E1", "reason"] == "family follows E2 (kept: strategic is true), from R3"


@settings(max_examples=40, deadline=None)
@given(
    offsets=st.lists(st.integers(min_value=-400, max_value=400), min_size=1, max_size=12),
    days=st.integers(min_value=0, max_value=365),
    past=st.booleans(),
)
def test_a_date_window_keeps_exactly_the_days_it_says(offsets: list[int], days: int, past: bool) -> None:
    """Property: within_days keeps 0 <= date - as_of <= N; within_last_days 0 <= as_of - date <= N."""
    import datetime as dt

    from territory.io.loading import parse_accounts, parse_roster

    as_of = dt.date(2026, 12, 3)
    raw = pd.DataFrame(
        {
            "account_id": [f"A{i}" for i in range(len(offsets))],
            "tier": "1",
            "region": "West",
            "owner_id": "R1",
            "renewal_date": [(as_of + dt.timedelta(days=o)).isoformat() for o in offsets],
        }
    )
    accounts, _ = parse_accounts(raw, "accounts.csv")
    reps, _ = parse_roster(pd.DataFrame({"rep_id": ["R1"], "region": ["West"]}), "roster.csv")
    key = "within_last_days" if past else "within_days"
    cfg = load_config(
        None, [f'locks.rules=[{{column = "renewal_date", {key} = {days}}}]', "locks.as_of=2026-12-03"]
    )
    done = apply_lock_rules(accounts, reps, cfg, "accounts.csv", AccountState.empty(len(accounts)))
    expected = [0 <= (-o if past else o) <= days for o in offsets]
    assert done.accounts["locked"].tolist() == expected
