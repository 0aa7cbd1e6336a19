"""ICP files: loading errors, every operator, scoring invariants and the `score` command."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import click
import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from territory.config import load_config
from territory.errors import ConfigError, InputError
from territory.icp import (
    OPERATORS,
    PROFILE_KEYS,
    choose_tier_source,
    icp_book_data,
    load_icp,
    parse_icp,
    score_accounts,
)

ROOT = Path(__file__).resolve().parent.parent


def icp_from(text: str, tmp_path: Path, name: str = "icp.toml") -> Path:
    path = tmp_path / name
    path.write_text(textwrap.dedent(text))
    return path


def one_rule(rule: str, points: float = 10, tier1: float = 10, tier2: float = 5) -> dict:
    """An ICP mapping with one product 'p' holding one criterion given as TOML text."""
    import tomllib

    body = tomllib.loads(rule)
    return {
        "product": [
            {
                "name": "p",
                "criteria": [{**body, "points": points}],
                "thresholds": {"tier1": tier1, "tier2": tier2},
            }
        ]
    }


ACCOUNTS = pd.DataFrame(
    {
        "account_id": ["A1", "A2", "A3", "A4"],
        "industry": ["Software", " software ", "Retail", None],
        "employees": [250, 50, 1000, np.nan],
        "tech_stack": ["Salesforce;AWS", "HubSpot; Salesforce CPQ", "", None],
        "parent_id": [None, "A1", "", "A1"],
    }
)


# --------------------------------------------------------------------------- operators


@pytest.mark.parametrize(
    "rule, matched, why0",
    [
        (
            'column = "industry"\nin = ["Software", "IT Services"]',
            [True, True, False, False],
            "Industry Software (+10)",
        ),
        (
            'column = "industry"\nnot_in = ["Software"]',
            [False, False, True, False],
            "Industry Software is excluded (0)",
        ),
        ('column = "industry"\nequals = "software"', [True, True, False, False], "Industry Software (+10)"),
        (
            'column = "employees"\nbetween = [100, 500]',
            [True, False, False, False],
            "250 employees in 100-500 (+10)",
        ),
        (
            'column = "employees"\nat_least = 250',
            [True, False, True, False],
            "250 employees, at least 250 (+10)",
        ),
        (
            'column = "employees"\nat_most = 250',
            [True, True, False, False],
            "250 employees, at most 250 (+10)",
        ),
        (
            'column = "employees"\nin = [50, 1000]',
            [False, True, True, False],
            "Employees 250, not 50 or 1000 (0)",
        ),
        ('column = "employees"\nequals = 50', [False, True, False, False], "Employees 250, not 50 (0)"),
        (
            'column = "tech_stack"\ncontains = "Salesforce"\ndisplay = "tech stack"',
            [True, False, False, False],
            "Salesforce in tech stack (+10)",
        ),
        (
            'column = "tech_stack"\ncontains = ["salesforce cpq", "Nope"]\ndisplay = "tech stack"',
            [False, True, False, False],
            "no salesforce cpq or Nope in tech stack (0)",
        ),
        (
            'column = "tech_stack"\ncontains = "AWS"\nseparator = ","',
            [False, False, False, False],
            "no AWS in tech stack (0)",
        ),
        ('column = "parent_id"\nmissing = true', [True, False, True, False], "Parent id missing (+10)"),
        ('column = "parent_id"\nmissing = false', [False, True, False, True], "Parent id missing (0)"),
    ],
)
def test_operator(rule: str, matched: list[bool], why0: str) -> None:
    icp = parse_icp(one_rule(rule), "t.toml")
    out = score_accounts(ACCOUNTS, icp)
    assert out["score"].tolist() == [10 if m else 0 for m in matched]
    assert out["why"].iloc[0] == why0


def test_every_operator_is_tested() -> None:
    covered = {"in", "not_in", "equals", "between", "at_least", "at_most", "contains", "missing"}
    assert covered == set(OPERATORS)


def test_missing_values_are_unknown_never_a_crash() -> None:
    icp = parse_icp(one_rule('column = "employees"\nbetween = [1, 10]'), "t.toml")
    out = score_accounts(ACCOUNTS, icp)
    assert out["why"].iloc[3] == "Employees unknown (0)"
    icp = parse_icp(one_rule('column = "industry"\nin = ["Retail"]'), "t.toml")
    assert score_accounts(ACCOUNTS, icp)["why"].iloc[3] == "Industry unknown (0)"


def test_non_numeric_text_in_numeric_rule_is_an_input_error() -> None:
    df = pd.DataFrame({"employees": ["12", "lots", "1,200", ""]})
    icp = parse_icp(one_rule('column = "employees"\nat_least = 10'), "t.toml")
    with pytest.raises(InputError) as e:
        score_accounts(df, icp, source="acc.csv")
    assert len(e.value.problems) == 1
    p = e.value.problems[0]
    assert (p.file, p.row, p.column, p.value) == ("acc.csv", 3, "employees", "lots")


def test_text_numbers_are_parsed_like_the_loader() -> None:
    df = pd.DataFrame({"employees": ["12", "1,200", "", "2.5k"]})
    icp = parse_icp(one_rule('column = "employees"\nat_least = 1000'), "t.toml")
    assert score_accounts(df, icp)["score"].tolist() == [0, 10, 0, 10]


# --------------------------------------------------------------------------- output frame


def test_score_returns_new_frame_and_never_mutates_input() -> None:
    before = ACCOUNTS.copy()
    icp = load_icp(ROOT / "examples" / "icp.toml")
    out = score_accounts(
        ACCOUNTS.rename(columns={}).assign(annual_revenue=[1e7, 2e7, 3e7, None], country="US"), icp
    )
    pd.testing.assert_frame_equal(ACCOUNTS, before)
    assert {"score_core", "tier_core", "why_core", "score_insights"} <= set(out.columns)
    assert "tier" not in out.columns  # two products: no plain columns


def test_existing_tier_column_is_not_silently_replaced() -> None:
    icp = parse_icp(one_rule('column = "industry"\nin = ["Software"]'), "t.toml")
    df = ACCOUNTS.assign(tier=[1, 2, 3, 1])
    with pytest.raises(ConfigError, match=r"already have column 'tier'.*--overwrite"):
        score_accounts(df, icp, source="a.csv")
    out = score_accounts(df, icp, overwrite=True)
    assert out["tier"].tolist() == [1, 1, 3, 3]


def test_example_icp_on_example_accounts() -> None:
    accounts = pd.read_csv(ROOT / "examples" / "accounts.csv")
    icp = load_icp(ROOT / "examples" / "icp.toml")
    out = score_accounts(accounts, icp)
    for p in ("core", "insights"):
        assert set(out[f"tier_{p}"].unique()) == {1, 2, 3}
        assert out[f"why_{p}"].str.len().min() > 0


def test_book_data_shape() -> None:
    data = icp_book_data(load_icp(ROOT / "examples" / "icp.toml"))
    json.dumps(data)
    assert set(data) == {"products", "default_product"}
    assert data["default_product"] == "core"
    core = data["products"]["core"]
    assert set(core) == {"title", "profile", "criteria", "thresholds"}
    assert tuple(core["profile"]) == PROFILE_KEYS
    assert all(isinstance(v, str) and v for v in core["profile"].values())
    assert core["criteria"][0] == {
        "label": "Industry in Software, IT Services, IT Management, IT System Development, "
        "Business Products & Services",
        "points": 30.0,
    }
    assert core["thresholds"] == {"tier1": 80.0, "tier2": 55.0}


def test_maven_icp_loads() -> None:
    icp = load_icp(ROOT / "examples" / "maven" / "icp.toml")
    assert icp.names == ("hardware",)


# --------------------------------------------------------------------------- properties

CRITERIA = st.lists(
    st.tuples(st.sampled_from(["a", "b"]), st.integers(-20, 20), st.integers(-20, 40)),
    min_size=1,
    max_size=5,
)


def _icp(criteria: list[tuple[str, int, int]], disq: int | None, t1: int, t2: int) -> dict:
    product: dict = {
        "name": "p",
        "criteria": [{"column": col, "at_least": bound, "points": pts} for col, bound, pts in criteria],
        "thresholds": {"tier1": t1, "tier2": t2},
    }
    if disq is not None:
        product["disqualifiers"] = [{"column": "a", "at_most": disq}]
    return {"product": [product]}


VALUES = st.lists(st.one_of(st.none(), st.integers(-30, 30)), min_size=1, max_size=30)


@settings(max_examples=150, suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(
    criteria=CRITERIA,
    a=VALUES,
    disq=st.one_of(st.none(), st.integers(-30, 30)),
    t2=st.integers(-40, 20),
    gap=st.integers(1, 30),
)
def test_scoring_invariants(criteria, a, disq, t2, gap) -> None:
    max_score = sum(p for _, _, p in criteria if p > 0)
    t1 = t2 + gap
    if t1 > max_score:
        t1, t2 = max_score, max_score - gap
    icp = parse_icp(_icp(criteria, disq, t1, t2), "h.toml")
    b = list(reversed(a))
    df = pd.DataFrame({"a": pd.array(a, dtype="Int64"), "b": pd.array(b, dtype="Int64")})
    out = score_accounts(df, icp)
    for i in range(len(df)):
        row = {"a": a[i], "b": b[i]}
        expected = sum(pts for col, bound, pts in criteria if row[col] is not None and row[col] >= bound)
        # score equals the sum of matched points
        assert out["score"].iloc[i] == expected
        why = out["why"].iloc[i]
        for col, _, _ in criteria:
            if row[col] is None:
                assert f"{col.upper()} unknown (0)" in why
        # a disqualifier forces the lowest tier
        if disq is not None and a[i] is not None and a[i] <= disq:
            assert out["tier"].iloc[i] == 3
            assert why.startswith("DISQUALIFIED")
        else:
            tier = 1 if expected >= t1 else 2 if expected >= t2 else 3
            assert out["tier"].iloc[i] == tier
    # tier is monotone in score (among accounts not disqualified)
    ok = ~out["why"].str.startswith("DISQUALIFIED")
    s, t = out["score"][ok].to_numpy(), out["tier"][ok].to_numpy()
    order = np.argsort(s, kind="stable")
    assert (np.diff(t[order]) <= 0).all()


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.one_of(st.none(), st.text(max_size=8), st.floats(allow_nan=True)), min_size=1, max_size=20)
)
def test_any_cell_values_never_crash(values) -> None:
    df = pd.DataFrame({"x": pd.Series(values, dtype=object)})
    icp = parse_icp(
        {
            "product": [
                {
                    "name": "p",
                    "criteria": [
                        {"column": "x", "in": ["a"], "points": 1},
                        {"column": "x", "contains": "b", "points": 1},
                        {"column": "x", "missing": True, "points": 1},
                    ],
                    "thresholds": {"tier1": 2, "tier2": 1},
                }
            ]
        },
        "h.toml",
    )
    out = score_accounts(df, icp)
    assert len(out) == len(df)


# --------------------------------------------------------------------------- bad files

GOOD = """
[[product]]
name = "core"
[product.thresholds]
tier1 = 35
tier2 = 20
[[product.criteria]]
column = "industry"
in = ["Software"]
points = 30
[[product.criteria]]
column = "tech_stack"
contains = "Salesforce"
points = 10
"""


@pytest.mark.parametrize(
    "old, new, message",
    [
        (
            'column = "tech_stack"\ncontains = "Salesforce"',
            'column = "employees"\nbetween = [500, 100]',
            "{f}: product 'core', criterion 2 ('employees'): range min 500 is above max 100; swap them",
        ),
        (
            "tier1 = 35\ntier2 = 20",
            "tier1 = 20\ntier2 = 50",
            "{f}: product 'core': thresholds out of order: tier1 (20) must be above tier2 (50), "
            "because Tier 1 is the best fit",
        ),
        (
            'contains = "Salesforce"',
            "greater = 3",
            "{f}: product 'core', criterion 2 ('tech_stack'): unknown operator 'greater'; use one "
            "of in, not_in, equals, between, at_least, at_most, contains, missing",
        ),
        (
            'contains = "Salesforce"',
            'contain = "Salesforce"',
            "{f}: product 'core', criterion 2 ('tech_stack'): unknown operator 'contain' (did you "
            "mean 'contains'?); use one of in, not_in, equals, between, at_least, at_most, "
            "contains, missing",
        ),
        (
            'contains = "Salesforce"',
            "at_least = 1\nat_most = 5",
            "{f}: product 'core', criterion 2 ('tech_stack'): 2 operators (at_least, at_most); use "
            "exactly one per rule (use between = [min, max] for a range)",
        ),
        (
            "tier1 = 35",
            "tier1 = 90",
            "{f}: product 'core': thresholds: tier1 (90) is above the highest possible score (40, "
            "the sum of the positive points), so no account could reach Tier 1; lower tier1 or add "
            "points",
        ),
        (
            'in = ["Software"]',
            'in = "Software"',
            "{f}: product 'core', criterion 1 ('industry'): 'in' needs a list, e.g. in = [\"Software\"]",
        ),
        (
            "points = 10",
            "",
            "{f}: product 'core', criterion 2 ('tech_stack'): 'points' is missing; say what a match "
            "adds to the score",
        ),
        (
            'name = "core"',
            'name = "core"\nprofile = { pains = "x" }',
            "{f}: product 'core': profile: unknown key 'pains' (did you mean 'pain_points'?); the "
            "profile has industry, "
            "company_size, geography, roles, needs, pain_points, buying_behaviour, product_usage, "
            "customer_value",
        ),
    ],
)
def test_bad_icp_file_messages(tmp_path: Path, old: str, new: str, message: str) -> None:
    assert old in GOOD
    path = icp_from(GOOD.replace(old, new, 1), tmp_path)
    with pytest.raises(ConfigError) as e:
        load_icp(path)
    assert str(e.value) == message.format(f=path)
    assert e.value.exit_code == 2


def test_duplicate_product(tmp_path: Path) -> None:
    path = icp_from(GOOD + GOOD, tmp_path)
    with pytest.raises(ConfigError) as e:
        load_icp(path)
    assert str(e.value) == (
        f"{path}: duplicate product 'core' (products 1 and 2); give each product a unique name"
    )


def test_not_toml_and_not_found(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"icp.toml: not valid TOML"):
        load_icp(icp_from("[[product]\n", tmp_path))
    with pytest.raises(ConfigError, match=r"nope.toml: ICP file not found"):
        load_icp(tmp_path / "nope.toml")


def test_unknown_column_lists_available(tmp_path: Path) -> None:
    icp = load_icp(icp_from(GOOD.replace('"tech_stack"', '"techstack"'), tmp_path))
    with pytest.raises(ConfigError) as e:
        score_accounts(ACCOUNTS, icp)
    assert str(e.value) == (
        f"{icp.source}: product 'core', criterion 2 ('techstack'): column 'techstack' is not in "
        "the accounts. Did you mean 'tech_stack'? Available columns: account_id, industry, "
        "employees, tech_stack, parent_id"
    )


# --------------------------------------------------------------------------- tiering setting


def test_tiering_config_and_choice() -> None:
    cfg = load_config(overrides=["inputs.icp=examples/icp.toml"])
    assert cfg.tiering.source == "auto"
    assert choose_tier_source(True, False) == "input"
    assert choose_tier_source(False, True) == "icp"
    assert choose_tier_source(False, False) == "none"
    with pytest.raises(ConfigError, match=r'set tiering.source = "input"'):
        choose_tier_source(True, True)
    assert choose_tier_source(True, True, "icp") == "icp"
    with pytest.raises(ConfigError, match="no 'tier' column"):
        choose_tier_source(False, True, "input")


# --------------------------------------------------------------------------- CLI


@pytest.fixture
def cli() -> click.Group:
    from territory_cli.main import cli as territory_cli

    return territory_cli


def test_score_command(cli: click.Group, tmp_path: Path) -> None:
    out = tmp_path / "scored.csv"
    result = CliRunner().invoke(
        cli,
        [
            "score",
            str(ROOT / "examples" / "accounts.csv"),
            "--icp",
            str(ROOT / "examples" / "icp.toml"),
            "--out",
            str(out),
        ],
    )
    assert result.exit_code == 0, result.output
    assert "Scored 1,000 accounts" in result.output
    assert "adds score_core, tier_core, why_core, score_insights, tier_insights, why_insights" in (
        result.output
    )
    lines = result.output.splitlines()
    assert lines[-2].split()[:2] == ["core", "134"]
    header = out.read_text().splitlines()[0]
    assert header.endswith("score_core,tier_core,why_core,score_insights,tier_insights,why_insights")


def test_score_command_bad_icp_exit_2(cli: click.Group, tmp_path: Path) -> None:
    icp = icp_from(GOOD.replace("tier1 = 35\ntier2 = 20", "tier1 = 20\ntier2 = 50"), tmp_path)
    result = CliRunner().invoke(
        cli,
        [
            "score",
            str(ROOT / "examples" / "accounts.csv"),
            "--icp",
            str(icp),
            "--out",
            str(tmp_path / "o.csv"),
        ],
    )
    assert result.exit_code == 2
    assert result.output == (
        f"Error: {icp}: product 'core': thresholds out of order: tier1 (20) must be above tier2 "
        "(50), because Tier 1 is the best fit\n"
    )
    assert not (tmp_path / "o.csv").exists()


def test_score_command_help_has_example(cli: click.Group) -> None:
    result = CliRunner().invoke(cli, ["score", "--help"])
    assert result.exit_code == 0
    assert "Example:" in result.output
    assert "territory score examples/accounts.csv --icp examples/icp.toml" in result.output


# --------------------------------------------------------------------------- ranges (issue 13)

ICP_RANGE = "a number from -1,000,000 to 1,000,000"


@pytest.mark.parametrize(
    "old, new, message",
    [
        (
            "points = 30",
            "points = inf",
            "criterion 1 ('industry'): 'points' must be " + ICP_RANGE + ", not inf",
        ),
        (
            "points = 30",
            "points = nan",
            "criterion 1 ('industry'): 'points' must be " + ICP_RANGE + ", not nan",
        ),
        (
            "points = 30",
            "points = 1e300",
            "criterion 1 ('industry'): 'points' must be " + ICP_RANGE + ", not 1e+300",
        ),
        (
            "points = 30",
            "points = -1e300",
            "criterion 1 ('industry'): 'points' must be " + ICP_RANGE + ", not -1e+300",
        ),
        (
            "points = 30",
            "points = 1e-300",
            "criterion 1 ('industry'): 'points' must be " + ICP_RANGE + ", not 1e-300: too small to make "
            "any difference; write 0 for none or at least 0.000001",
        ),
        (
            "points = 30",
            'points = "30"',
            "criterion 1 ('industry'): 'points' must be " + ICP_RANGE + ", not '30'",
        ),
        ("tier1 = 35", "tier1 = nan", "thresholds: 'tier1' must be " + ICP_RANGE + ", not nan"),
        ("tier2 = 20", "tier2 = -inf", "thresholds: 'tier2' must be " + ICP_RANGE + ", not -inf"),
        ("tier2 = 20", "tier2 = -1e300", "thresholds: 'tier2' must be " + ICP_RANGE + ", not -1e+300"),
        ("tier2 = 20", "tier2 = true", "thresholds: 'tier2' must be " + ICP_RANGE + ", not True"),
    ],
)
def test_icp_points_and_thresholds_have_a_range(tmp_path: Path, old: str, new: str, message: str) -> None:
    assert old in GOOD
    path = icp_from(GOOD.replace(old, new, 1), tmp_path)
    with pytest.raises(ConfigError) as e:
        load_icp(path)
    assert (
        str(e.value)
        == f"{path}: product 'core'" + (", " if message.startswith("criterion") else ": ") + message
    )
    assert e.value.exit_code == 2


def test_icp_score_sums_stay_finite(tmp_path: Path) -> None:
    """Many criteria at the largest points still add up to a finite score."""
    rules = "".join(
        '[[product.criteria]]\ncolumn = "industry"\nin = ["Software"]\npoints = 1000000\n' for _ in range(50)
    )
    text = '[[product]]\nname = "core"\n[product.thresholds]\ntier1 = 1000000\ntier2 = -1000000\n' + rules
    icp = load_icp(icp_from(text, tmp_path))
    scored = score_accounts(ACCOUNTS, icp)
    assert np.isfinite(scored["score_core"]).all() and scored["score_core"].max() == 50_000_000


def test_an_icp_rule_on_amounts_in_two_currencies_or_dot_groups_is_refused() -> None:
    """'territory score' reads amounts as the plan does: '€20,400,000' next to '$19,000,000',
    or '17.300' next to '19.100.000', is not compared with the rule's threshold as it reads."""
    df = pd.DataFrame({"annual_revenue": ["19.100.000", "17.300", "$19,000,000", "€20,400,000"]})
    icp = parse_icp(one_rule('column = "annual_revenue"\nat_least = 10000'), "t.toml")
    with pytest.raises(InputError) as e:
        score_accounts(df, icp, source="acc.csv")
    found = sorted((p.row, p.value, p.message.split(":")[0]) for p in e.value.problems)
    assert found == [
        (2, "19.100.000", "not a number, but an ICP rule compares it with numbers"),
        (3, "17.300", "'annual_revenue' is ambiguous"),
        (5, "€20,400,000", "'annual_revenue' mixes currencies"),
    ]
