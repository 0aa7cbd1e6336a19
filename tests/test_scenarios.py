"""What-if scenarios: parsing, transforms, parallel sweeps and the whatif command."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

import territory
from territory.errors import ConfigError
from territory.scenarios import (
    AddRep,
    Lock,
    RemoveRep,
    Scenario,
    SetCapacity,
    SetSetting,
    apply_scenario,
    load_scenarios,
    parse_scenario,
    run_scenarios,
    whatif,
    with_baseline,
)
from territory_cli.main import cli

from scenario_data import write_inputs


@pytest.fixture
def inp(tmp_path: Path) -> territory.pipeline.PlanInput:
    a, r = write_inputs(tmp_path / "in")
    return territory.load_input(a, r, territory.PlanConfig())


def test_parse_scenario_steps() -> None:
    s = parse_scenario(
        "west+2: add-rep=Ana,West,1; add-rep=Bo,West,0.5; remove-rep=R07; "
        "capacity=R03=0.5; lock=A1,A2; set=balance.tier_band=0.05"
    )
    assert s.name == "west+2"
    assert s.transforms == (
        AddRep("Ana", "West", 1.0),
        AddRep("Bo", "West", 0.5),
        RemoveRep("R07"),
        SetCapacity("R03", 0.5),
        Lock(("A1", "A2")),
        SetSetting("balance.tier_band=0.05"),
    )
    assert "add-rep=Bo,West,0.5" in s.describe()


@pytest.mark.parametrize(
    "spec, message",
    [
        ("no colon", 'expected "NAME: step; step"'),
        ("x: grow=3", "scenario step 'grow=3': expected one of add-rep=..."),
        ("x: add-rep=Ana", "add-rep 'Ana': expected \"Name,region,capacity\""),
        ("x: add-rep=Ana,West,lots", "add-rep 'Ana,West,lots': 'lots' is not a number"),
        (
            "x: capacity=R1=0",
            "capacity 'R1=0': capacity must be a number from 0.01 to 10 (1.0 = a full book, 0.5 = ramping), not 0.0",
        ),
        (
            "x: capacity=R1=inf",
            "capacity 'R1=inf': capacity must be a number from 0.01 to 10 (1.0 = a full book, 0.5 = ramping), not inf",
        ),
        (
            "x: capacity=R1=1e300",
            "capacity 'R1=1e300': capacity must be a number from 0.01 to 10 (1.0 = a full book, 0.5 = ramping), not 1e+300",
        ),
        (
            "x: add-rep=Ana,West,nan",
            "add-rep 'Ana,West,nan': capacity must be a number from 0.01 to 10 (1.0 = a full book, 0.5 = ramping), not nan",
        ),
        ("x:  ", "scenario 'x' has no steps"),
    ],
)
def test_parse_errors_say_what_to_write(spec: str, message: str) -> None:
    with pytest.raises(ConfigError) as e:
        parse_scenario(spec)
    assert message in str(e.value)
    if spec.startswith("x: ") and spec.strip() != "x:":  # a step's error names its scenario
        assert str(e.value).startswith("scenario 'x': "), str(e.value)


def test_add_rep_ids_are_generated_in_order(inp: territory.pipeline.PlanInput) -> None:
    out = apply_scenario(inp, parse_scenario("w: add-rep=Ana,West,1; add-rep=Bo,West,0.5"))
    new = out.reps.tail(2)
    assert new["rep_id"].tolist() == ["NEW01", "NEW02"]
    assert new["capacity"].tolist() == [1.0, 0.5]
    assert len(inp.reps) == 4  # the input is never changed


@pytest.mark.parametrize(
    "spec, message",
    [
        ("x: remove-rep=R9", "scenario 'x': remove-rep=R9: no rep 'R9' on the roster; reps: R1, R2, R3, R4"),
        ("x: lock=A001,NOPE", "scenario 'x': lock=A001,NOPE: no account 'NOPE'"),
        ("x: set=balance.band=0.1", "scenario 'x': --set: unknown setting 'balance.band'"),
        ("x: set=balance.tier_band=wide", "must be a share from 0 % to 100 % (write 0.05 or 5%), not 'wide'"),
        ("x: remove-rep=R1; remove-rep=R2; remove-rep=R3; remove-rep=R4", "removes every rep"),
        # Settings read once, while loading: a scenario setting one would be the baseline again.
        (
            "x: set=inputs.accounts=other.csv",
            "scenario 'x': set=inputs.accounts: whatif reads its inputs and chooses its folders once, "
            "for the baseline and every scenario, so a scenario cannot change inputs.accounts; put it in "
            "the settings file (--config), which they all read",
        ),
        ("x: set=outputs.dir=elsewhere", "so a scenario cannot change outputs.dir"),
        ("x: set=columns.accounts.Region=region", "so a scenario cannot change columns.accounts.Region"),
        ("x: set=geo.locate=false", "so a scenario cannot change geo.locate"),
        ("x: set=tiering.source=icp", "so a scenario cannot change tiering.source"),
        # A rep removed by an earlier step is on the roster: the message said it was not.
        (
            "x: remove-rep=R1; remove-rep=R1",
            "scenario 'x': remove-rep=R1: rep 'R1' is already removed by an earlier step of this scenario",
        ),
        (
            "x: remove-rep=R1; capacity=R1=0.5",
            "scenario 'x': capacity=R1=0.5: rep 'R1' is already removed by an earlier step of this scenario",
        ),
    ],
)
def test_bad_scenarios_fail_before_any_solve(
    inp: territory.pipeline.PlanInput, spec: str, message: str
) -> None:
    with pytest.raises(ConfigError) as e:
        apply_scenario(inp, parse_scenario(spec))
    assert message in str(e.value)


def test_removed_rep_gives_up_accounts_even_locked(inp: territory.pipeline.PlanInput) -> None:
    [res] = run_scenarios(inp, [parse_scenario("lose: remove-rep=R2; lock=A003")])
    a = res.plan.accounts
    theirs = a[a["previous_owner_id"] == "R2"]
    assert len(theirs) == 6
    assert set(theirs["owner_id"]) <= {"R1"}
    assert (theirs["reason"] == "owner R2 left the roster").all()
    assert res.plan.metrics["orphaned_accounts"] == 6


def test_lock_and_capacity_and_settings(inp: territory.pipeline.PlanInput) -> None:
    base, sc = run_scenarios(
        inp, with_baseline([parse_scenario("x: capacity=R2=0.5; lock=A011; set=balance.tier_band=0.2")])
    )
    assert base.plan.config.balance.tier_band == 0.1
    assert sc.plan.config.balance.tier_band == 0.2
    a = sc.plan.accounts.set_index("account_id")
    assert a.at["A011", "owner_id"] == "R2" and a.at["A011", "reason"].startswith("locked")
    reps = sc.plan.reps.set_index("rep_id")
    assert reps.at["R2", "capacity"] == 0.5


def test_parallel_sweep_equals_sequential(inp: territory.pipeline.PlanInput) -> None:
    todo = with_baseline(
        [
            parse_scenario("a: add-rep=Ana,West,1"),
            parse_scenario("b: remove-rep=R3"),
            parse_scenario("c: set=balance.tier_band=0.05"),
        ]
    )
    seen: list[tuple[int, int, str]] = []
    seq = run_scenarios(inp, todo, jobs=1)
    par = run_scenarios(inp, todo, jobs=3, progress=lambda stage, d, n, name="": seen.append((d, n, name)))
    assert [r.name for r in par] == ["baseline", "a", "b", "c"]
    for s, p in zip(seq, par):
        assert s.plan.assignment() == p.plan.assignment()
        assert s.plan.metrics == p.plan.metrics
    assert sorted(d for d, _, _ in seen) == [0, 1, 2, 3, 4] and {n for _, n, _ in seen} == {4}
    assert sorted(name for d, _, name in seen if d) == sorted(s.name for s in todo)


def test_an_infeasible_scenario_does_not_stop_the_sweep(inp: territory.pipeline.PlanInput) -> None:
    # Zero-width hard bands cannot hold when fair shares are fractional.
    res = run_scenarios(
        inp,
        [
            parse_scenario(
                "bad: remove-rep=R2; set=balance.hard_bands=true; "
                "set=balance.tier_band=0; set=balance.tier_band_min_accounts=0"
            ),
            parse_scenario("ok: remove-rep=R2"),
        ],
    )
    assert not res[0].ok and "East" in res[0].error and "balance.tier_band" in res[0].error
    assert res[1].ok


def test_whatif_writes_a_plan_directory_per_scenario(
    inp: territory.pipeline.PlanInput, tmp_path: Path
) -> None:
    out = tmp_path / "wi"
    result = whatif(
        inp,
        [
            parse_scenario("west+1: add-rep=Ana,West,1"),
            parse_scenario("Tight band: set=balance.tier_band=0.05"),
        ],
        out,
        jobs=2,
    )
    assert sorted(p.name for p in out.iterdir()) == ["baseline", "compare.csv", "tight_band", "west+1"]
    for d in ("baseline", "west+1", "tight_band"):
        assert {p.name for p in (out / d).iterdir()} == {
            "assignments.csv",
            "owner_changes.csv",
            "summary.json",
            "scenario.json",
        }
    meta = json.loads((out / "west+1" / "scenario.json").read_text())
    assert meta == {"name": "west+1", "steps": ["add-rep=Ana,West,1"], "description": "add-rep=Ana,West,1"}
    assert result.comparison.names == ["baseline", "west+1", "Tight band"]
    header = (out / "compare.csv").read_text().splitlines()[0]
    assert header == "section,rep_id,metric,baseline,west+1,Tight band"


def test_scenarios_file_with_sweep(tmp_path: Path) -> None:
    f = tmp_path / "sweeps.toml"
    f.write_text("""
[[scenario]]
name = "west+1"
add_rep = [{ name = "Ana", region = "West", capacity = 0.5 }, "Bo,East"]
remove_rep = ["R3"]
capacity = { R1 = 0.8 }
lock = ["A001"]
set = { balance = { tier_band = 0.05 } }

[[sweep]]
name = "band"
set = { "balance.tier_band" = [0.05, 0.2], "continuity.move_cost" = [1, 2] }
""")
    got = load_scenarios(f)
    assert got[0] == Scenario(
        "west+1",
        (
            AddRep("Ana", "West", 0.5),
            AddRep("Bo", "East", 1.0),
            RemoveRep("R3"),
            SetCapacity("R1", 0.8),
            Lock(("A001",)),
            SetSetting("balance.tier_band=0.05"),
        ),
    )
    assert [s.name for s in got[1:]] == [
        "band balance.tier_band=0.05 continuity.move_cost=1",
        "band balance.tier_band=0.05 continuity.move_cost=2",
        "band balance.tier_band=0.2 continuity.move_cost=1",
        "band balance.tier_band=0.2 continuity.move_cost=2",
    ]


@pytest.mark.parametrize(
    "text, message",
    [
        ('[[scenario]]\nname = "x"\nadd_reps = []\n', "scenario[0]: unknown key 'add_reps'"),
        ("[[scenario]]\nadd_rep = []\n", "every scenario needs a name"),
        ('[[scenarios]]\nname = "x"\n', "unknown table 'scenarios'"),
        (
            '[[sweep]]\nname = "x"\nset = { "balance.tier_band" = 0.1 }\n',
            "give each setting a list of values",
        ),
        ('[[scenario]]\nname = "x"\n[[scenario]]\nname = "X"\n', "two scenarios share the name 'X'"),
        (
            '[[scenario]]\nname = "x"\ncapacity = { R1 = -1 }\n',
            "capacity.R1 must be a number from 0.01 to 10 (1.0 = a full book, 0.5 = ramping), not -1",
        ),
        (
            '[[scenario]]\nname = "x"\ncapacity = { R1 = inf }\n',
            "capacity.R1 must be a number from 0.01 to 10 (1.0 = a full book, 0.5 = ramping), not inf",
        ),
        (
            '[[scenario]]\nname = "x"\nadd_rep = { name = "A", region = "West", capacity = "1" }\n',
            "add_rep.capacity must be a number from 0.01 to 10 (1.0 = a full book, 0.5 = ramping), not '1'",
        ),
    ],
)
def test_scenarios_file_errors_name_the_key(tmp_path: Path, text: str, message: str) -> None:
    f = tmp_path / "s.toml"
    f.write_text(text)
    with pytest.raises(ConfigError) as e:
        load_scenarios(f)
    assert message in str(e.value) and str(f) in str(e.value)


def test_whatif_command(tmp_path: Path) -> None:
    a, r = write_inputs(tmp_path / "in")
    out = tmp_path / "wi"
    result = CliRunner().invoke(
        cli,
        [
            "whatif",
            str(a),
            str(r),
            "--out",
            str(out),
            "--add-rep",
            "Ana,West,1",
            "--set",
            "balance.tier_band=0.2",
            "--name",
            "west+1",
            "-j",
            "2",
        ],
    )
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()  # the progress bar goes to stderr
    assert lines[0].split() == ["baseline", "west+1"]
    assert any(line.startswith("Reps") and line.split()[1:] == ["4", "5"] for line in lines)
    assert any(line.startswith("NEW01 Ana") and line.split()[-1] == "(new)" for line in lines)
    assert lines[-1].startswith("Planned 2 of 2 scenarios in ")
    assert (out / "west+1" / "summary.json").exists()


def test_whatif_needs_a_scenario(tmp_path: Path) -> None:
    a, r = write_inputs(tmp_path / "in")
    result = CliRunner().invoke(cli, ["whatif", str(a), str(r), "--out", str(tmp_path / "x")])
    assert result.exit_code == 2
    assert "give at least one scenario" in result.output


def test_whatif_bad_step_is_a_clean_error(tmp_path: Path) -> None:
    a, r = write_inputs(tmp_path / "in")
    result = CliRunner().invoke(
        cli, ["whatif", str(a), str(r), "--out", str(tmp_path / "x"), "--remove-rep", "R9"]
    )
    assert result.exit_code == 2
    assert result.output.startswith("Error: scenario 'scenario': remove-rep=R9: no rep 'R9' on the roster")


def test_whatif_set_of_a_setting_read_with_the_inputs_applies_to_the_whole_run(tmp_path: Path) -> None:
    """--set tiering.source=icp (what a load error's hint says) or inputs.max_rows reaches the
    loading of the inputs, for the baseline and every scenario, instead of a scenario only."""
    a, r = write_inputs(tmp_path / "in")
    out = tmp_path / "x"
    result = CliRunner().invoke(
        cli, ["whatif", str(a), str(r), "--out", str(out), "--remove-rep", "R1", "--set", "inputs.max_rows=3"]
    )
    assert result.exit_code == 2, result.output
    assert "holds more than the 3 rows an input file may hold (inputs.max_rows)" in result.output
    assert not out.exists()


def test_add_rep_takes_a_name_written_last_name_first() -> None:
    """'Smith, Ana' (a CRM's Last, First) was refused as a fourth field: with the capacity
    given, the region and capacity are the last two fields and the name is the rest."""
    from territory.scenarios import AddRep, parse_add_rep

    assert parse_add_rep("Smith, Ana,West,0.5") == AddRep("Smith, Ana", "West", 0.5)
    assert parse_add_rep("Ana Ortiz,West") == AddRep("Ana Ortiz", "West", 1.0)
    with pytest.raises(territory.ConfigError, match="expected"):
        parse_add_rep("Ana")


def test_whatif_summaries_record_where_the_settings_came_from(tmp_path: Path) -> None:
    """Every plan folder whatif writes says, as plan's does, which settings file and which
    command-line settings it used; a scenario's own set= steps are listed under 'scenario'."""
    import hashlib

    a, r = write_inputs(tmp_path / "in")
    toml = tmp_path / "plan.toml"
    toml.write_text("[balance]\ntier_band = 0.3\n", encoding="utf-8")
    out = tmp_path / "wi"
    result = CliRunner().invoke(
        cli,
        ["whatif", str(a), str(r), "--out", str(out), "--config", str(toml), "--time-limit", "30", "-j", "1"]
        + ["--scenario", "tight: set=balance.tier_band=0.05", "--scenario", "west+1: add-rep=Ana,West,1"],
    )
    assert result.exit_code == 0, result.output
    base = {
        "file": "plan.toml",
        "sha256": hashlib.sha256(toml.read_bytes()).hexdigest(),
        "command_line": {"solver.time_limit": {"value": 30}},
    }
    read = lambda name: json.loads((out / name / "summary.json").read_text(encoding="utf-8"))  # noqa: E731
    assert read("baseline")["settings"] == base
    assert read("west+1")["settings"] == base
    tight = read("tight")
    assert tight["settings"] == {
        **base,
        "scenario": {"balance.tier_band": {"value": 0.05, "file_value": 0.3}},
    }
    assert tight["config"]["balance"]["tier_band"] == 0.05


def test_whatif_without_settings_records_only_a_scenario_s_own() -> None:
    """No settings file and no --set: the baseline has no record, a scenario's set= has one."""
    from territory.config import settings_record

    assert settings_record(None, []) is None
    assert settings_record(None, [], scenario=["balance.tier_band=0.05"]) == {
        "scenario": {"balance.tier_band": {"value": 0.05}}
    }


def test_a_new_rep_id_given_twice_says_so(inp: territory.pipeline.PlanInput) -> None:
    """Two add_rep tables with rep_id R99: the second was said to be 'already on the roster'."""
    twice = Scenario("x", (AddRep("Ana", "West", 1.0, "R99"), AddRep("Bo", "West", 1.0, "R99")))
    with pytest.raises(ConfigError) as e:
        apply_scenario(inp, twice)
    assert str(e.value) == (
        "scenario 'x': add-rep Bo: rep id 'R99' is already taken by an earlier add-rep; give each new rep its own id"
    )
    with pytest.raises(ConfigError) as e:
        apply_scenario(inp, Scenario("x", (AddRep("Ana", "West", 1.0, "R1"),)))
    assert "rep id 'R1' is already on the roster; give each new rep its own id" in str(e.value)


def test_add_rep_with_an_id_on_the_command_line_says_how_to_give_one() -> None:
    with pytest.raises(ConfigError) as e:
        parse_scenario("x: add-rep=Ana,West,1,R01")
    assert str(e.value) == (
        "scenario 'x': add-rep 'Ana,West,1,R01': 'R01' is not a number; expected \"Name,region,capacity\" "
        'with the capacity last, e.g. "Ana Ortiz,West,1" (a new rep\'s id is given in a scenarios file: '
        "add_rep = [{ name = ..., region = ..., rep_id = ... }])"
    )
