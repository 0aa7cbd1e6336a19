"""The benchmark instance generator (bench/generate.py)."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType

import numpy as np
import pandas as pd
import pytest

from territory.baseline import greedy_baseline

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def gen() -> ModuleType:
    spec = importlib.util.spec_from_file_location("bench_generate", ROOT / "bench" / "generate.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def small(gen) -> tuple[pd.DataFrame, pd.DataFrame]:
    return gen.generate("S", 1)


@pytest.fixture(scope="module")
def large(gen) -> tuple[pd.DataFrame, pd.DataFrame]:
    return gen.generate("L", 1)


def test_same_seed_same_instance(gen, small):
    accounts, roster = gen.generate("S", 1)
    pd.testing.assert_frame_equal(accounts, small[0])
    pd.testing.assert_frame_equal(roster, small[1])
    other, _ = gen.generate("S", 2)
    assert not other["owner_id"].equals(accounts["owner_id"])


def test_schema(gen, small):
    accounts, roster = small
    assert list(accounts.columns) == [
        "account_id",
        "name",
        "industry",
        "employees",
        "annual_revenue",
        "country",
        "state",
        "region",
        "postal_code",
        "parent_id",
        "owner_id",
        "potential",
        "tier",
        "locked",
    ]
    assert list(roster.columns) == [
        "rep_id",
        "name",
        "email",
        "manager",
        "region",
        "segment",
        "capacity",
        "product",
        "max_accounts",
    ]
    assert (len(accounts), len(roster), accounts["region"].nunique()) == (1000, 10, 2)
    for col in ("account_id", "owner_id", "parent_id", "postal_code"):
        assert pd.api.types.is_string_dtype(accounts[col]), col
    assert pd.api.types.is_string_dtype(roster["rep_id"])
    assert accounts["tier"].dtype == np.int64 and set(accounts["tier"]) == {1, 2, 3}
    assert accounts["locked"].dtype == bool
    assert (accounts["potential"] > 0).all()
    assert np.allclose(accounts["potential"], accounts["potential"].round(2))
    assert accounts["account_id"].is_unique and roster["rep_id"].is_unique
    assert set(roster["capacity"]) <= {0.5, 1.0}
    assert set(roster["region"]) == set(accounts["region"])


def test_csv_round_trip_is_byte_identical(gen, small, tmp_path):
    a_path, r_path = gen.write_instance(*small, tmp_path / "one")
    gen.main(["--size", "S", "--seed", "1", "--out", str(tmp_path / "two")])
    assert a_path.read_bytes() == (tmp_path / "two" / "accounts.csv").read_bytes()
    assert r_path.read_bytes() == (tmp_path / "two" / "roster.csv").read_bytes()
    raw = pd.read_csv(a_path, dtype=str, keep_default_na=False)
    assert set(raw["locked"]) == {"true", "false"}
    assert raw["account_id"].tolist() == small[0]["account_id"].tolist()
    assert raw["postal_code"].str.len().eq(5).all()


def test_families_consistent(small, large):
    for accounts, _ in (small, large):
        children = accounts[accounts["parent_id"].notna()]
        by_id = accounts.set_index("account_id")
        assert children["parent_id"].isin(by_id.index).all()  # no dangling parents
        parents = by_id.loc[children["parent_id"]]
        assert parents["parent_id"].isna().all()  # two levels only
        assert (parents["owner_id"].to_numpy() == children["owner_id"].to_numpy()).all()
        assert (parents["region"].to_numpy() == children["region"].to_numpy()).all()
        row = pd.Series(np.arange(len(accounts)), index=accounts["account_id"])
        assert (row[children["parent_id"]].to_numpy() < row[children["account_id"]].to_numpy()).all()
        sizes = children.groupby("parent_id").size() + 1
        assert sizes.between(2, 5).all()


def test_shares_roughly_as_specified(large):
    accounts, roster = large
    n = len(accounts)
    tiers = accounts["tier"].value_counts(normalize=True)
    assert abs(tiers[1] - 0.15) < 0.01 and abs(tiers[2] - 0.35) < 0.01 and abs(tiers[3] - 0.50) < 0.01
    assert abs(accounts["parent_id"].notna().mean() - 0.03) < 0.005
    on_roster = accounts["owner_id"].isin(set(roster["rep_id"]))
    assert abs((~on_roster).mean() - 0.02) < 0.005  # departed reps
    assert abs(accounts["locked"].mean() - 0.01) < 0.003
    assert on_roster[accounts["locked"]].all()  # locks only on rostered owners
    assert abs((roster["capacity"] == 0.5).mean() - 0.10) < 0.04  # ramping
    new = ~roster["rep_id"].isin(set(accounts["owner_id"]))
    assert abs(new.mean() - 0.03) < 0.01  # new reps
    assert accounts["region"].nunique() == 10 and len(roster) == 500
    assert len(accounts) == n == 100_000


def test_a_rebuild_moves_a_few_percent(gen):
    for size in ("S", "M"):
        accounts, roster = gen.generate(size, 1)
        moved = (greedy_baseline(accounts, roster).to_numpy() != accounts["owner_id"].to_numpy()).mean()
        assert 0.05 <= moved <= 0.15, (size, moved)


def test_custom_size_and_bad_size(gen):
    accounts, roster = gen.generate((500, 7, 3), 5)
    assert (len(accounts), len(roster), accounts["region"].nunique()) == (500, 7, 3)
    with pytest.raises(ValueError, match="unknown size"):
        gen.generate("XXL", 1)
    with pytest.raises(ValueError, match="at least one rep per region"):
        gen.generate((100, 2, 3), 1)
