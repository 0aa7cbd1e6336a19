"""Property tests: loaders round-trip any text, and plans keep their invariants."""

from __future__ import annotations

import csv

import numpy as np
import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from territory.io.loading import parse_accounts, read_table
from territory.pipeline import solve_input

from helpers import config, parsed_input

# Names: any unicode except surrogates and NUL (which no CSV can carry).
names = st.text(
    alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"), max_size=40
)
ids = st.text(alphabet="0123456789ABCXYZ-_", min_size=1, max_size=10).filter(
    lambda s: s[0] not in "-+=@" and "E" not in s
)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(
        st.tuples(ids, names, st.integers(0, 10**12), st.sampled_from([1, 2, 3])),
        min_size=1,
        max_size=12,
        unique_by=lambda r: r[0],
    )
)
def test_dataframe_to_csv_to_accounts_round_trips(tmp_path_factory, rows) -> None:
    df = pd.DataFrame(rows, columns=["account_id", "name", "potential", "tier"])
    path = tmp_path_factory.mktemp("rt") / "accounts.csv"
    # Written the way Excel and the CRMs do (CRLF; any cell with a CR, LF, comma or quote is
    # quoted). pandas' own writer leaves a lone CR unquoted, which no reader can undo.
    with open(path, "w", newline="", encoding="utf-8") as fh:
        csv.writer(fh).writerows([list(df.columns), *df.astype(str).values.tolist()])
    acc, problems = parse_accounts(read_table(path), str(path))
    errors = [p for p in problems if p.severity == "error"]
    assert not errors, errors
    assert len(acc) == len(df)
    assert acc["account_id"].tolist() == df["account_id"].tolist()  # ids keep leading zeros
    assert acc["name"].tolist() == df["name"].str.strip().tolist()
    assert acc["potential"].tolist() == df["potential"].astype(float).tolist()
    assert acc["tier"].astype(int).tolist() == df["tier"].tolist()


@settings(max_examples=60, deadline=None)
@given(st.binary(max_size=300))
def test_any_bytes_give_a_frame_or_an_input_error(tmp_path_factory, data: bytes) -> None:
    from territory.errors import InputError

    path = tmp_path_factory.mktemp("fz") / "accounts.csv"
    path.write_bytes(data)
    try:
        raw = read_table(path)
    except InputError as e:
        assert e.problems and all(p.message for p in e.problems)
        return
    _, problems = parse_accounts(raw, str(path))
    assert all(p.file == str(path) for p in problems)


@settings(max_examples=60, deadline=None)
@given(st.text(max_size=200))
def test_any_text_gives_a_frame_or_an_input_error(tmp_path_factory, text: str) -> None:
    from territory.errors import InputError

    path = tmp_path_factory.mktemp("ft") / "accounts.csv"
    path.write_text("account_id,name,tier,potential\n" + text, encoding="utf-8", errors="replace")
    try:
        raw = read_table(path)
    except InputError as e:
        assert e.problems
        return
    acc, problems = parse_accounts(raw, str(path))
    if not [p for p in problems if p.severity == "error"]:
        assert acc["potential"].notna().all() and np.isfinite(acc["potential"]).all()
        assert (acc["potential"] >= 0).all()


REGIONS = ["West", "East"]


@st.composite
def instances(draw):
    n_reps = draw(st.integers(2, 4))
    n = draw(st.integers(1, 12))
    regions = [draw(st.sampled_from(REGIONS)) for _ in range(n)]
    # Reps by region when both regions have accounts ('*' covers every region: a roster
    # region that no account has is an error).
    by_region = n_reps > 2 and set(regions) == set(REGIONS)
    reps = [
        {
            "rep_id": f"R{i}",
            "name": f"Rep {i}",
            "region": REGIONS[i % 2] if by_region else "*",
            "capacity": draw(st.sampled_from(["1.0", "0.5"])),
        }
        for i in range(n_reps)
    ]
    accounts = []
    for i in range(n):
        parent = ""
        if i and draw(st.booleans()) and draw(st.booleans()):
            parent = f"A{draw(st.integers(0, i - 1))}"
        owner = draw(st.sampled_from(["", "R0", "R1", "R9"] + [r["rep_id"] for r in reps]))
        accounts.append(
            {
                "account_id": f"A{i}",
                "name": f"Acc {i}",
                "tier": str(draw(st.integers(1, 3))),
                "region": regions[i],
                "potential": str(draw(st.integers(0, 1000))),
                "owner_id": owner,
                "parent_id": parent,
                "locked": "true" if owner and draw(st.booleans()) and not parent else "false",
            }
        )
    return accounts, reps


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(instances())
def test_plan_invariants(inst) -> None:
    accounts, reps = inst
    a = pd.DataFrame(accounts)
    r = pd.DataFrame(reps)
    acc, p1 = parse_accounts(a, "accounts.csv")
    from territory.io.loading import parse_roster, rep_regions

    rep, p2 = parse_roster(r, "roster.csv")
    assert not [p for p in p1 + p2 if p.severity == "error"]
    cfg = config("solver.gap=0", "solver.time_limit=20")
    inp = parsed_input(acc, rep, cfg)
    plan = solve_input(inp)
    out = plan.accounts.set_index("account_id")
    # Every account owned exactly once, by a rep on the roster.
    assert sorted(out.index) == sorted(a["account_id"])
    assert out["owner_id"].isin(set(rep["rep_id"])).all()
    # Owner eligible for the account's (family's) region, unless a lock keeps it with its
    # current owner (a lock is an explicit instruction and wins over region eligibility).
    covers = {row.rep_id: set(rep_regions(row.region)) for row in rep.itertuples()}
    src = a.set_index("account_id")
    fam_region = out["region"].reindex(out["family_id"]).to_numpy()
    fam_locked = (
        (src["locked"].eq("true") & src["owner_id"].isin(set(rep["rep_id"])))
        .reindex(out["family_id"])
        .to_numpy()
    )
    for owner, region, lock in zip(out["owner_id"], fam_region, fam_locked):
        assert lock or "*" in covers[owner] or region in covers[owner]
    # Families never split.
    assert (out.groupby("family_id")["owner_id"].nunique() == 1).all()
    # Locked accounts whose owner is on the roster keep their owner.
    locked = src["locked"].eq("true") & src["owner_id"].isin(set(rep["rep_id"]))
    for acc_id in src.index[locked]:
        fam = out.at[acc_id, "family_id"]
        if (out["family_id"] == fam).sum() == 1:
            assert out.at[acc_id, "owner_id"] == src.at[acc_id, "owner_id"]
