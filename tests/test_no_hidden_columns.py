"""No hidden '_' column reaches the model or the plan writer (issue 14 item 3): what the
planner knows about each accounts row travels in its AccountState, aligned with the rows,
and what it knows about each rep in the RosterState.

The frames are caught where they enter ``territory.pipeline.model_input`` and
``territory.pipeline.plan_files`` (which builds every file of the plan folder), on real runs:
the bundled example, product ICPs, lock rules with a locks file and requests, a named
successor, and territories of whole states with a pin.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner
from test_capacity import write

import territory.pipeline as pipeline
from territory.accountstate import AccountState
from territory.config import load_config
from territory_cli.main import cli

from helpers import make_input

ROOT = Path(__file__).resolve().parents[1]
EX = ROOT / "examples"
LOCK_RULES = EX / "lock-rules"


@pytest.fixture
def entry_frames(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, str, list[str]]]:
    """(entry point, frame, its columns) for every frame that enters the model or the writer."""
    seen: list[tuple[str, str, list[str]]] = []
    real_model_input, real_plan_files = pipeline.model_input, pipeline.plan_files

    def model_input(accounts: pd.DataFrame, reps: pd.DataFrame, *args: Any, **kw: Any) -> Any:
        seen.append(("model_input", "accounts", [str(c) for c in accounts.columns]))
        seen.append(("model_input", "roster", [str(c) for c in reps.columns]))
        return real_model_input(accounts, reps, *args, **kw)

    def plan_files(p: Any, *args: Any, **kw: Any) -> Any:
        seen.append(("plan writer", "accounts", [str(c) for c in p.accounts.columns]))
        seen.append(("plan writer", "roster", [str(c) for c in p.reps.columns]))
        files = real_plan_files(p, *args, **kw)
        seen.extend(
            ("plan writer", name, [str(c) for c in content.columns])
            for name, content in files
            if isinstance(content, pd.DataFrame)
        )
        return files

    monkeypatch.setattr(pipeline, "model_input", model_input)
    monkeypatch.setattr(pipeline, "plan_files", plan_files)
    return seen


def hidden(seen: list[tuple[str, str, list[str]]]) -> list[tuple[str, str, str]]:
    """Every '_' column caught."""
    return [(where, frame, c) for where, frame, cols in seen for c in cols if c.startswith("_")]


def run(*args: str | Path) -> str:
    res = CliRunner().invoke(cli, ["plan", *map(str, args)])
    assert res.exit_code == 0, res.output
    return res.output


@pytest.mark.parametrize(
    "case",
    [
        ["examples/accounts.csv", "examples/roster.csv"],
        ["examples/accounts.csv", "examples/roster_products.csv", "--icp", "examples/icp.toml"]
        + ["--set", "tiering.source=icp", "--locks", "LOCKS", "--allow-mass-change"],
        ["examples/lock-rules/accounts.csv", "examples/lock-rules/roster.csv"]
        + ["-c", "examples/lock-rules/plan.toml", "--opportunities", "examples/lock-rules/opportunities.csv"]
        + ["--locks", "LOCKS", "--requests", "REQUESTS", "--allow-mass-change"],
    ],
    ids=["example", "products-with-locks", "lock-rules-locks-requests-successor"],
)
def test_no_hidden_column_reaches_the_model_or_the_writer(
    case: list[str], entry_frames: list, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(ROOT)
    locks = write(tmp_path / "locks.csv", [{"account_id": "A00004", "rep_id": "R07"}])
    requests = write(
        tmp_path / "requests.csv",
        [{"account_id": "A00051", "rep_id": "R07", "requested_by": "Teresa", "note": "pilot"}],
    )
    args = [{"LOCKS": str(locks), "REQUESTS": str(requests)}.get(a, a) for a in case]
    out = run(*args, "--out", tmp_path / "plan")
    assert "Wrote" in out
    assert {w for w, _f, _c in entry_frames} == {"model_input", "plan writer"}
    assert hidden(entry_frames) == []


def test_no_hidden_column_reaches_the_model_or_the_writer_with_geographic_units(
    entry_frames: list, tmp_path: Path
) -> None:
    """Territories of whole states, one account pinned by a locks file (it stays account-level)."""
    county = {"WA": "53033", "OR": "41051", "CA": "06037"}
    rows = [
        {
            "account_id": f"{st}{i}",
            "region": "West",
            "tier": 1,
            "potential": 100,
            "owner_id": "R2" if st == "OR" else "R1",
            "county_fips": county[st],
        }
        for st, n in (("WA", 3), ("OR", 6), ("CA", 3))
        for i in range(n)
    ]
    a = write(tmp_path / "accounts.csv", rows)
    r = write(
        tmp_path / "roster.csv", [{"rep_id": "R1", "region": "West"}, {"rep_id": "R2", "region": "West"}]
    )
    locks = write(tmp_path / "locks.csv", [{"account_id": "CA0", "rep_id": "R2"}])
    run(a, r, "--geo-units", "state", "--locks", locks, "--allow-mass-change", "--out", tmp_path / "plan")
    assigned = pd.read_csv(tmp_path / "plan" / "assignments.csv", dtype=str).set_index("account_id")
    assert assigned.at["CA0", "owner_id"] == "R2"  # the pin held, read from the record
    assert hidden(entry_frames) == []


def test_the_record_is_required_where_it_carries_facts() -> None:
    """No silent default: a caller that forgets the record is refused, and a record of other
    rows than the table is refused (it would pin or move the wrong accounts)."""
    inp = make_input([{"account_id": "A1", "tier": 1, "owner_id": "R1"}], [{"rep_id": "R1"}])
    with pytest.raises(TypeError, match="state"):
        pipeline.model_input(inp.accounts, inp.reps, inp.config)  # type: ignore[call-arg]
    with pytest.raises(TypeError, match="'state', 'roster'|'state' and 'roster'"):
        pipeline.PlanInput(inp.accounts, inp.reps, inp.config, [], [])  # type: ignore[call-arg]
    with pytest.raises(TypeError, match="'state' and 'roster'"):
        pipeline.prepare_input(inp.accounts, inp.reps, inp.config)  # type: ignore[call-arg]
    with pytest.raises(ValueError, match="the AccountState has 2 rows, the accounts 1"):
        pipeline.model_input(inp.accounts, inp.reps, inp.config, state=AccountState.empty(2))
    with pytest.raises(ValueError, match="the AccountState has 2 rows, the accounts 1"):
        pipeline.PlanInput(
            inp.accounts, inp.reps, inp.config, [], [], state=AccountState.empty(2), roster=inp.roster
        )


def test_take_keeps_every_field_aligned() -> None:
    """Every field of the record follows ``take``: a filter and a new order of the rows."""
    n = 4
    state = dataclasses.replace(
        AccountState.empty(n),
        lock_to=np.array(["R1", "", "R2", ""], dtype=object),
        lock_row=np.array([2, 0, 3, 0]),
        lock_by_rule=np.array([False, True, False, False]),
        rule_match=np.array(["", "1;2", "", "2"], dtype=object),
        unit_region=np.array(["W", "E", "W", "E"], dtype=object),
        row_id=np.array(["a::x", "b::x", "c::x", "d::x"], dtype=object),
    )
    got = state.take(np.array([3, 0, 2]))
    for f in dataclasses.fields(AccountState)[1:]:
        value = getattr(state, f.name)
        if value is None:
            assert getattr(got, f.name) is None, f.name
        else:
            assert getattr(got, f.name).tolist() == [value[3], value[0], value[2]], f.name
    kept = state.take(np.array([False, True, True, False]))
    assert kept.rows == 2 and kept.lock_to.tolist() == ["", "R2"] and kept.rule_match.tolist() == ["1;2", ""]


def test_product_rows_carry_their_accounts_pins_and_file_rows(tmp_path: Path) -> None:
    """Product ICPs turn each account into rows per product, in a new order (account, then
    product) and leaving out the products it does not fit: each row keeps its account's
    locks file pin where the pinned rep carries the row's product, and its file row."""
    rows = [
        {"account_id": "B1", "region": "West", "tier_core": 1, "tier_ins": 1, "owner_id": "R1"},
        {"account_id": "A1", "region": "West", "tier_core": 3, "tier_ins": 1, "owner_id": "R1"},
        {"account_id": "C1", "region": "West", "tier_core": 1, "tier_ins": 2, "owner_id": "R2"},
    ]
    reps = [
        {"rep_id": "R1", "region": "West", "product": "core"},
        {"rep_id": "R2", "region": "West", "product": "core"},
        {"rep_id": "R3", "region": "West", "product": "ins"},
    ]
    a = write(tmp_path / "accounts.csv", rows)
    r = write(tmp_path / "roster.csv", reps)
    locks = write(tmp_path / "locks.csv", [{"account_id": "B1", "rep_id": "R2"}])
    cfg = load_config(None, ["products.min_tier=2", "solver.gap=0"])
    inp = pipeline.load_input(a, r, cfg, locks_path=locks)
    st = inp.state
    assert [c for c in inp.accounts.columns if c.startswith("_")] == []
    assert st.row_id.tolist() == ["A1::ins", "B1::core", "B1::ins", "C1::core", "C1::ins"]
    assert st.source_row.tolist() == [3, 2, 2, 4, 4]
    assert st.lock_to.tolist() == ["", "R2", "", "", ""]  # R2 carries core, not ins
    assert st.lock_row.tolist() == [0, 2, 2, 0, 0]
    assert st.family_base.tolist() == ["A1", "B1", "B1", "C1", "C1"]
    plan = pipeline.solve_input(inp)
    owner = dict(zip(plan.state.row_id, plan.accounts["owner_id"]))
    assert owner["B1::core"] == "R2"
