"""Managers' requests in what-if scenarios and in the move sweep (issue 16 item 2).

A scenario honours the run's requests (or its own file, or none) exactly as `territory plan
--requests` would with the scenario's settings; the comparison shows how many each scenario
honours and which requests one scenario honours and another refuses. The sweep does the same
per move cap.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from click.testing import CliRunner

import territory.batch
from territory.config import load_config
from territory.errors import ConfigError, InputError
from territory.pipeline import load_input
from territory.requests import solve_with_requests
from territory.runner import plan_to_folder
from territory.scenarios import parse_scenario, run_scenarios, whatif, with_baseline
from territory.sweep import sweep_moves
from territory_cli.main import cli

# --------------------------------------------------------------------------- a tiny instance
#
#   R1 (West, 1.0): A1 A2 A3 A4 (Tier 1, all locked), A7 A8 A9 (Tier 3)
#   R2 (West, 1.0): A5 A6 (Tier 1), A10 A11 A12 (Tier 3)
#
# Tier 1 fair share is 3 each, band 2-4. A5 to R1 would give R1 five Tier 1 accounts: refused
# at the default band, honoured with balance.tier_band = 0.67. A10 to R1 moves an account and
# fits the bands; A11 to R2 is what the plan does anyway.

ACCOUNTS = "account_id,name,tier,region,potential,owner_id,locked\n" + "".join(
    f"A{i},Acct {i},{1 if i <= 6 else 3},West,{0 if i <= 6 else 100},"
    f"{'R1' if i <= 4 or 7 <= i <= 9 else 'R2'},{'true' if i <= 4 else 'false'}\n"
    for i in range(1, 13)
)
ROSTER = "rep_id,name,region,capacity\nR1,Rep One,West,1.0\nR2,Rep Two,West,1.0\n"
REQUESTS = (
    "account_id,rep_id,requested_by,note\n"
    "A5,R1,Mia Chen,R1 met them\n"
    "A10,R1,Mia Chen,met at the fair\n"
    "A11,R2,Bo Li,already theirs\n"
)


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def rows(path: Path) -> list[dict[str, str]]:
    with open(path, newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


@pytest.fixture
def files(tmp_path: Path) -> tuple[Path, Path, Path]:
    return (
        write(tmp_path / "accounts.csv", ACCOUNTS),
        write(tmp_path / "roster.csv", ROSTER),
        write(tmp_path / "requests.csv", REQUESTS),
    )


def status(plan) -> list[tuple[str, str]]:
    return [(o.request.account_id, o.status) for o in plan.extras["request_outcomes"]]


def same_plan(a, b) -> None:
    """Same owners, reasons and request outcomes (status, reason, price)."""
    assert a.accounts["owner_id"].tolist() == b.accounts["owner_id"].tolist()
    assert a.accounts["reason"].tolist() == b.accounts["reason"].tolist()
    assert [o.as_dict() for o in a.extras["request_outcomes"]] == [
        o.as_dict() for o in b.extras["request_outcomes"]
    ]


# --------------------------------------------------------------------------- library


def test_each_scenario_honours_the_requests_as_plan_would(files, tmp_path):
    accounts, roster, req = files
    cfg = load_config(None, ["solver.gap=0"])
    inp = load_input(accounts, roster, cfg, requests_path=req)
    todo = with_baseline(
        [
            parse_scenario("wide: set=balance.tier_band=0.67"),
            parse_scenario("bend: set=requests.bands=bend"),
            parse_scenario("none: requests=none"),
        ]
    )
    base, wide, bend, none = run_scenarios(inp, todo)
    assert status(base.plan) == [("A5", "refused"), ("A10", "honoured"), ("A11", "honoured")]
    assert status(wide.plan) == [("A5", "honoured"), ("A10", "honoured"), ("A11", "honoured")]
    assert status(bend.plan) == [("A5", "honoured"), ("A10", "honoured"), ("A11", "honoured")]
    assert "request_outcomes" not in none.plan.extras and "requests" not in none.plan.extras
    assert [f.label for f in none.plan.inputs] == ["accounts", "roster"]

    # The same as `plan --requests` with the scenario's settings, request by request.
    same_plan(base.plan, solve_with_requests(inp))
    for extra, got in (("balance.tier_band=0.67", wide), ("requests.bands=bend", bend)):
        alone = load_input(accounts, roster, load_config(None, ["solver.gap=0", extra]), requests_path=req)
        same_plan(got.plan, solve_with_requests(alone))
    owners = dict(zip(wide.plan.accounts["account_id"], wide.plan.accounts["owner_id"]))
    assert owners["A5"] == "R1" and owners["A10"] == "R1"


def test_hard_bands_in_a_scenario_price_as_plan_does(files):
    """With hard bands a request that breaks a band makes its solve infeasible; its price is
    then measured with the bands bending (solves round 2 did not make), as plan does it."""
    accounts, roster, req = files
    inp = load_input(accounts, roster, load_config(None, ["solver.gap=0"]), requests_path=req)
    [hard] = run_scenarios(inp, [parse_scenario("hard: set=balance.hard_bands=true")], jobs=2)
    assert status(hard.plan) == [("A5", "refused"), ("A10", "honoured"), ("A11", "honoured")]
    assert hard.plan.extras["request_outcomes"][0].reason.endswith(
        "honouring it needs balance.tier_band >= 0.67"
    )
    alone = load_input(
        accounts, roster, load_config(None, ["solver.gap=0", "balance.hard_bands=true"]), requests_path=req
    )
    same_plan(hard.plan, solve_with_requests(alone))


def test_plans_that_differ_only_in_their_requests_are_solved_once(files, monkeypatch):
    """baseline, 'bend' (requests.bands) and 'none' (no requests) share the plan without
    requests, and baseline and 'bend' share each request's solve: 1 + 2 + 2 solves for three
    plans where planning each alone takes 1 + 2 + 1, 1 + 2 + 1 and 1."""
    accounts, roster, req = files
    inp = load_input(accounts, roster, load_config(None, ["solver.gap=0"]), requests_path=req)
    todo = with_baseline(
        [parse_scenario("bend: set=requests.bands=bend"), parse_scenario("none: requests=none")]
    )
    calls = []
    real = territory.batch.solve_input
    monkeypatch.setattr(
        territory.batch, "solve_input", lambda i, *a, **k: calls.append(1) or real(i, *a, **k)
    )
    seen: list[tuple] = []
    run_scenarios(inp, todo, progress=lambda *a: seen.append(a))
    assert len(calls) == 3  # round 1: one plan; round 2: A5 and A10 (A11 is granted anyway)
    assert [a for a in seen if a[0] == "requests"] == [
        ("requests", 0, 2),
        ("requests", 1, 2, "baseline: A5"),
        ("requests", 2, 2, "baseline: A10"),
    ]
    assert [a[1:] for a in seen if a[0] == "scenarios"] == [
        (0, 3),
        (1, 3, "none"),
        (2, 3, "baseline"),
        (3, 3, "bend"),
    ]


def test_parallel_equals_sequential_with_requests(files):
    accounts, roster, req = files
    inp = load_input(accounts, roster, load_config(None, ["solver.gap=0"]), requests_path=req)
    todo = with_baseline(
        [
            parse_scenario("wide: set=balance.tier_band=0.67"),
            parse_scenario("lose: remove-rep=R2; add-rep=Zed,West,1"),
        ]
    )
    seq = run_scenarios(inp, todo, jobs=1)
    par = run_scenarios(inp, todo, jobs=3)
    for s, p in zip(seq, par):
        same_plan(s.plan, p.plan)


def test_a_request_the_scenario_rules_out_is_refused_in_it(files):
    """The run's requests stay valid input; a scenario that removes the rep asked for (or the
    owner a keep keeps) refuses the request in that scenario and says why."""
    accounts, roster, _ = files
    req = write(accounts.parent / "asks.csv", "account_id,rep_id\nA11,R2\nA12,keep\nA10,R1\n")
    inp = load_input(accounts, roster, load_config(None, ["solver.gap=0"]), requests_path=req)
    [lose] = run_scenarios(inp, [parse_scenario("lose: remove-rep=R2; add-rep=Zed,West,1")])
    got = [(o.request.account_id, o.status, o.reason) for o in lose.plan.extras["request_outcomes"]]
    assert got[:2] == [
        ("A11", "refused", "refused in scenario 'lose': R2 leaves the roster (remove-rep=R2)"),
        (
            "A12",
            "refused",
            "refused in scenario 'lose': keep asks to keep A12 with its owner R2, who is not on the roster",
        ),
    ]
    assert got[2][:2] == ("A10", "honoured")


def test_a_scenario_with_its_own_requests_file(files, tmp_path):
    accounts, roster, req = files
    own = write(tmp_path / "west.csv", "account_id,rep_id,requested_by\nA12,R1,Zoe\n")
    scen = write(
        tmp_path / "s.toml",
        '[[scenario]]\nname = "west asks"\nrequests = "west.csv"\n\n'
        '[[scenario]]\nname = "no asks"\nrequests = false\nset = { "balance.tier_band" = 0.5 }\n',
    )
    from territory.scenarios import load_scenarios

    inp = load_input(accounts, roster, load_config(None, ["solver.gap=0"]), requests_path=req)
    west, none = run_scenarios(inp, load_scenarios(scen))
    assert status(west.plan) == [("A12", "honoured")]
    assert [f.path for f in west.plan.inputs if f.label == "requests"] == [str(own)]
    assert west.plan.config.inputs.requests == str(own)
    assert "request_outcomes" not in none.plan.extras
    alone = solve_with_requests(
        load_input(accounts, roster, load_config(None, ["solver.gap=0"]), requests_path=own)
    )
    same_plan(west.plan, alone)


def test_bad_requests_in_scenarios_all_at_once(files, tmp_path):
    accounts, roster, req = files
    write(tmp_path / "a.csv", "account_id,rep_id\nA99,R1\nA5,R9\n")
    inp = load_input(accounts, roster, load_config(None, []), requests_path=req)
    with pytest.raises(InputError) as e:
        run_scenarios(
            inp,
            [
                parse_scenario(f"one: requests={tmp_path / 'a.csv'}"),
                parse_scenario(f"two: remove-rep=R2; add-rep=Zed,West,1; requests={tmp_path / 'a.csv'}"),
                parse_scenario(f"three: requests={tmp_path / 'missing.csv'}"),
            ],
        )
    said = [(p.row, p.column, p.message) for p in e.value.problems]
    assert said == [
        (2, "account_id", "scenario 'one': account is not in the accounts file"),
        (3, "rep_id", "scenario 'one': rep is not on the roster"),
        (2, "account_id", "scenario 'two': account is not in the accounts file"),
        (3, "rep_id", "scenario 'two': rep is not on the roster"),
        (None, None, "scenario 'three': file not found"),
    ]
    assert str(e.value).endswith("5 problems in the scenarios.")


@pytest.mark.parametrize(
    "spec, message",
    [
        ("x: requests=", "scenario 'x': requests: give a requests file (e.g. requests=asks.csv), or none"),
        (
            "x: requests=a.csv; requests=none",
            "scenario 'x' takes requests twice (requests=a.csv, requests=none)",
        ),
    ],
)
def test_requests_step_errors(spec, message):
    with pytest.raises(ConfigError) as e:
        parse_scenario(spec)
    assert str(e.value).startswith(message)


# --------------------------------------------------------------------------- the command


def whatif_args(accounts: Path, roster: Path, req: Path, out: Path, config: Path) -> list[str]:
    return [
        "whatif", str(accounts), str(roster), "--out", str(out), "--requests", str(req), "--config", str(config),
        "--scenario", "wide: set=balance.tier_band=0.67",
        "--scenario", "none: requests=none",
        "--scenario", "lose: remove-rep=R2; add-rep=Zed,West,1",
    ]  # fmt: skip


def test_whatif_command_with_requests(files, tmp_path):
    accounts, roster, req = files
    out = tmp_path / "w"
    config = write(tmp_path / "c.toml", "[solver]\ngap = 0\n")  # baseline and every scenario
    result = CliRunner().invoke(cli, whatif_args(accounts, roster, req, out, config))
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()

    def row(label: str) -> list[str]:
        [line] = [x for x in lines[: lines.index("")] if x.startswith(label)]  # the plan rows
        return line[len(label) :].split()

    assert lines[0].split() == ["baseline", "wide", "none", "lose"]
    assert row("Requests ") == ["3", "3", "-", "3"]
    assert row("  honoured") == ["2", "3", "-", "1"]
    assert row("  refused") == ["1", "0", "-", "2"]
    assert row("  extra moves for them") == ["2", "3", "-", "1"]
    at = lines.index("Requests honoured in some plans and refused in others:")
    assert lines[at + 1 : at + 3] == [
        "  A5 -> R1   refused in baseline, lose; honoured in wide",
        "  A11 -> R2  honoured in baseline, wide; refused in lose",
    ]
    assert lines[-1].endswith(f"wrote 4 plan directories, {out / 'compare.csv'} and {out / 'requests.csv'}.")
    asked = [
        ("A5", "R1", "Mia Chen", "R1 met them"),
        ("A10", "R1", "Mia Chen", "met at the fair"),
        ("A11", "R2", "Bo Li", "already theirs"),
    ]
    statuses = [
        ("refused", "honoured", "", "refused"),
        ("honoured", "honoured", "", "honoured"),
        ("honoured", "honoured", "", "refused"),
    ]
    assert rows(out / "requests.csv") == [
        dict(
            zip(
                ["account_id", "requested_rep", "requested_by", "note", "baseline", "wide", "none", "lose"],
                a + s,
            )
        )
        for a, s in zip(asked, statuses)
    ]
    compare = {(r["section"], r["metric"]): r for r in rows(out / "compare.csv")}
    assert compare[("plan", "requests_honoured")]["wide"] == "3"
    assert compare[("plan", "requests_honoured")]["none"] == ""
    meta = json.loads((out / "wide" / "scenario.json").read_text(encoding="utf-8"))
    assert meta["requests"] == str(req)
    assert "requests" not in json.loads((out / "none" / "scenario.json").read_text(encoding="utf-8"))

    # The scenario's folder is the plan folder `territory plan --requests` writes.
    plan_out = tmp_path / "p"
    alone = CliRunner().invoke(
        cli,
        ["plan", str(accounts), str(roster), "--out", str(plan_out), "--requests", str(req), "-q",
         "--config", str(config), "--set", "balance.tier_band=0.67"],
    )  # fmt: skip
    assert alone.exit_code == 0, alone.output
    for name in ("assignments.csv", "requests.csv", "owner_changes.csv"):
        assert (out / "wide" / name).read_bytes() == (plan_out / name).read_bytes(), name
    a = json.loads((out / "wide" / "summary.json").read_text(encoding="utf-8"))
    b = json.loads((plan_out / "summary.json").read_text(encoding="utf-8"))
    assert a["requests"] == b["requests"] and a["overall"] == b["overall"]

    # Deterministic: a second run writes the same files.
    again = tmp_path / "w2"
    assert CliRunner().invoke(cli, [*whatif_args(accounts, roster, req, again, config), "-q"]).exit_code == 0
    for name in (
        "compare.csv",
        "requests.csv",
        "lose/assignments.csv",
        "lose/requests.csv",
        "wide/summary.json",
    ):
        if name.endswith(".json"):
            first, second = (json.loads((d / name).read_text(encoding="utf-8")) for d in (out, again))
            first.pop("run"), second.pop("run")
            assert first == second
        else:
            assert (out / name).read_bytes() == (again / name).read_bytes(), name


def test_whatif_bad_scenario_requests_exit_2_and_write_nothing(files, tmp_path):
    accounts, roster, req = files
    write(tmp_path / "a.csv", "account_id,rep_id\nA99,R1\nA5,R9\n")
    out = tmp_path / "w"
    result = CliRunner().invoke(
        cli,
        [
            "whatif",
            str(accounts),
            str(roster),
            "--out",
            str(out),
            "--scenario",
            f"one: requests={tmp_path / 'a.csv'}",
            "--scenario",
            "two: requests=" + str(tmp_path / "missing.csv"),
        ],
    )
    assert result.exit_code == 2, result.output
    assert (
        "row 2, column 'account_id': scenario 'one': account is not in the accounts file (value: 'A99')"
        in result.output
    )
    assert "row 3, column 'rep_id': scenario 'one': rep is not on the roster (value: 'R9')" in result.output
    assert "scenario 'two': file not found" in result.output
    assert result.output.rstrip().endswith("3 problems in the scenarios.")
    assert "Traceback" not in result.output and not out.exists()


# --------------------------------------------------------------------------- the move sweep


def test_sweep_points_honour_what_their_cap_allows(files):
    accounts, roster, req = files
    cfg = load_config(None, ["solver.gap=0"])
    inp = load_input(accounts, roster, cfg, requests_path=req)
    caps = [0.0, 0.2, None]
    points = sweep_moves(inp, caps)
    assert [p.requests_honoured for p in points] == [1, 2, 2]
    assert [p.requests for p in points] == [3, 3, 3]
    assert [p.requests_refused for p in points] == ["A5 -> R1; A10 -> R1", "A5 -> R1", "A5 -> R1"]
    for cap, p in zip(caps, points):
        alone = solve_with_requests(
            load_input(
                accounts,
                roster,
                load_config(
                    None, ["solver.gap=0", f"continuity.max_moved_share={cap if cap is not None else 'none'}"]
                ),
                requests_path=req,
            )
        )
        assert p.accounts_moved == alone.metrics["accounts_moved"]
        assert p.requests_honoured == sum(o.honoured for o in alone.extras["request_outcomes"])
        assert (
            p.requests_extra_moves
            == alone.metrics["accounts_moved"] - alone.extras["requests_base"]["accounts_moved"]
        )


def test_sweep_reuses_the_plan_for_its_own_cap(files, tmp_path, monkeypatch):
    accounts, roster, req = files
    inp = load_input(accounts, roster, load_config(None, ["solver.gap=0"]), requests_path=req)
    seen: list[tuple] = []
    done = plan_to_folder(inp, tmp_path / "p", sweep_caps=[0.0, None], progress=lambda *a: seen.append(a))
    assert [a[1:] for a in seen if a[0] == "sweep"] == [(0, 1), (1, 1, "0%")]  # 'none' is the plan's own
    assert done.sweep[1].accounts_moved == done.plan.metrics["accounts_moved"]
    assert done.sweep[1].requests_honoured == done.summary["requests"]["honoured"] == 2


def test_sweep_command_shows_requests_per_cap(files, tmp_path):
    accounts, roster, req = files
    out = tmp_path / "p"
    result = CliRunner().invoke(
        cli,
        [
            "plan",
            str(accounts),
            str(roster),
            "--out",
            str(out),
            "--requests",
            str(req),
            "--set",
            "solver.gap=0",
            "--sweep-moves",
            "0,20%,none",
        ],
    )
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    at = lines.index("Balance versus moves (forced moves of departed owners not capped):")
    assert lines[at + 1].endswith("Outside bands   Requests  Status")
    assert [line.split()[-4:-1] for line in lines[at + 2 : at + 5]] == [
        ["1", "of", "3"],
        ["2", "of", "3"],
        ["2", "of", "3"],
    ]
    assert lines[at + 5 : at + 8] == [
        "Requests refused, by move cap:",
        "  A5 -> R1   refused at 0%, 20%, none",
        "  A10 -> R1  refused at 0%",
    ]
    table = rows(out / "sweep.csv")
    assert [(r["requests"], r["requests_honoured"], r["requests_refused"]) for r in table] == [
        ("3", "1", "A5 -> R1; A10 -> R1"),
        ("3", "2", "A5 -> R1"),
        ("3", "2", "A5 -> R1"),
    ]


def test_sweep_without_requests_keeps_its_columns(files, tmp_path):
    accounts, roster, _ = files
    inp = load_input(accounts, roster, load_config(None, []))
    from territory.sweep import sweep_frame

    frame = sweep_frame(sweep_moves(inp, [0.0]))
    assert list(frame.columns) == [
        "cap",
        "status",
        "accounts_moved",
        "moved_share",
        "max_tier_deviation",
        "max_potential_deviation",
        "accounts_outside_tier_bands",
        "objective",
        "gap",
        "note",
    ]


def test_whatif_library_writes_the_request_table(files, tmp_path):
    accounts, roster, req = files
    inp = load_input(accounts, roster, load_config(None, ["solver.gap=0"]), requests_path=req)
    done = whatif(inp, [parse_scenario("wide: set=balance.tier_band=0.67")], tmp_path / "w")
    assert done.comparison.request_changes() == [
        ("A5", "R1", {"refused": ["baseline"], "honoured": ["wide"]})
    ]
    assert (tmp_path / "w" / "requests.csv").exists()


def test_requests_on_a_local_dask_cluster_match_sequential(files):
    distributed = pytest.importorskip("distributed", reason="Dask sweeps need: pip install 'territory[dask]'")
    accounts, roster, req = files
    inp = load_input(accounts, roster, load_config(None, ["solver.gap=0"]), requests_path=req)
    todo = with_baseline([parse_scenario("wide: set=balance.tier_band=0.67")])
    with distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1", dashboard_address=None
    ) as cluster:
        on_dask = run_scenarios(inp, todo, scheduler=cluster.scheduler_address)
    for d, s in zip(on_dask, run_scenarios(inp, todo)):
        same_plan(d.plan, s.plan)
