"""Every number setting has one declared range, and TOML, --set and CLI flags all enforce it."""

from __future__ import annotations

import dataclasses
import math
import typing
from pathlib import Path

import pytest
import tomllib
from click.testing import CliRunner
from hypothesis import example, given, settings
from hypothesis import strategies as st

from territory.config import (
    PlanConfig,
    Range,
    check_setting,
    describe_settings,
    load_config,
    setting_range,
)
from territory.errors import ConfigError
from territory_cli.main import cli

ROOT = Path(__file__).resolve().parent.parent
SHARE = "a share from 0 % to 100 % (write 0.05 or 5%)"

# (setting, value as written after '=' in --set or TOML, the end of the message)
REFUSED = [
    ("balance.tier_band", "5", f"must be {SHARE}, not '5': as a share, 5 means 500 %. Did you mean 5%?"),
    (
        "balance.tier_band",
        "1",
        f"must be {SHARE}, not '1': as a share, 1 means 100 %. Did you mean 1%? Write 100% to mean the whole.",
    ),
    ("balance.tier_band", "150%", f"must be {SHARE}, not '150%'"),
    ("balance.tier_band", "-0.1", f"must be {SHARE}, not '-0.1'"),
    ("balance.tier_band", "nan", f"must be {SHARE}, not 'nan'"),
    (
        "balance.tier_band",
        "1e-300",
        f"must be {SHARE}, not '1e-300': too small to make any difference; write 0 for none or at "
        "least 0.000001",
    ),
    (
        "balance.measures.potential.band",
        "10",
        f"must be {SHARE}, not '10': as a share, 10 means 1,000 %. Did you mean 10%?",
    ),
    (
        "balance.account_band",
        "12.5",
        f"must be {SHARE}, or none (unset), not '12.5': as a share, 12.5 means 1,250 %. Did you mean 12.5%?",
    ),
    ("balance.workload_band", "inf", f"must be {SHARE}, or none (unset), not 'inf'"),
    (
        "continuity.max_moved_share",
        "30",
        f"must be {SHARE}, or none (unset), not '30': as a share, 30 means 3,000 %. Did you mean 30%?",
    ),
    ("continuity.max_potential_moved_share", "-5%", f"must be {SHARE}, or none (unset), not '-5%'"),
    (
        "solver.gap",
        "1e300",
        f"must be {SHARE}, not '1e300'",
    ),
    ("solver.gap", "101", f"must be {SHARE}, not '101'"),
    ("balance.tier_penalty", "-1", "must be a number from 0 to 1,000,000 (in moves), not '-1'"),
    (
        "balance.measures.potential.penalty",
        "1e300",
        "must be a number from 0 to 1,000,000 (in moves), not '1e300'",
    ),
    (
        "continuity.move_cost",
        "1e-300",
        "must be a number from 0 to 1,000,000 (in moves), not '1e-300': too small to make any difference; "
        "write 0 for none or at least 0.000001",
    ),
    (
        "continuity.move_cost",
        "5%",
        "must be a number from 0 to 1,000,000 (in moves), not '5%': a percentage only fits a share; write a "
        "plain number",
    ),
    ("balance.tier_band_min_accounts", "-inf", "must be a number from 0 to 1,000,000 (accounts), not '-inf'"),
    ("solver.threads", "0", "must be a whole number from 1 to 256, not '0'"),
    ("solver.threads", "2.5", "must be a whole number from 1 to 256, not '2.5'"),
    ("solver.threads", "²", "must be a whole number from 1 to 256, not '²'"),
    (
        "solver.threads",
        "9" * 5000,
        "must be a whole number from 1 to 256, not '999999999999999999999999999999999999...",
    ),
    (
        "solver.time_limit",
        "1e-300",
        "must be a number from 0.1 to 604,800 (seconds; 604,800 is a week), not '1e-300'",
    ),
    (
        "solver.time_limit",
        "1e300",
        "must be a number from 0.1 to 604,800 (seconds; 604,800 is a week), not '1e300'",
    ),
    ("solver.seed", "-1", "must be a whole number from 0 to 2,147,483,646, not '-1'"),
    ("solver.workers", "100000", "must be a whole number from 0 to 1,024, not '100000'"),
    ("solver.exact_max_pairs", "-3", "must be a whole number from 0 to 100,000,000, not '-3'"),
    (
        "continuity.max_moves_per_rep",
        "-1",
        "must be a whole number from 0 to 10,000,000 (accounts), or none (unset), not '-1'",
    ),
    ("products.min_tier", "4", "must be a whole number from 1 to 3, not '4'"),
    ("products.min_tier", "0", "must be a whole number from 1 to 3, not '0'"),
    (
        "balance.workload_weights",
        "[]",
        "must be 3 numbers, each from 0 to 1,000, at least one above 0, not [] (0 values)",
    ),
    (
        "balance.workload_weights",
        "[3, 2]",
        "must be 3 numbers, each from 0 to 1,000, at least one above 0, not [3, 2] (2 values)",
    ),
    (
        "products.tier_weights",
        "[0, 0, 0]",
        "must be 3 numbers, each from 0 to 1,000, at least one above 0, not [0, 0, 0] (all zero)",
    ),
    (
        "products.tier_weights",
        "[3, -1, 1]",
        "must be 3 numbers, each from 0 to 1,000, at least one above 0, not [3, -1, 1]",
    ),
    (
        "products.tier_weights",
        "[3, nan, 1]",
        "must be 3 numbers, each from 0 to 1,000, at least one above 0, not [3, nan, 1]",
    ),
]


def _set_message(key: str, value: str) -> str:
    with pytest.raises(ConfigError) as e:
        load_config(None, [f"{key}={value}"])
    return str(e.value)


def _toml_value(value: str) -> str:
    """The value as TOML writes it: bare when it is a TOML number or list, else quoted."""
    try:
        tomllib.loads(f"v = {value}")
    except tomllib.TOMLDecodeError:
        return f'"{value}"'
    return value


@pytest.mark.parametrize("key, value, tail", REFUSED, ids=[f"{k}={v[:12]}" for k, v, _ in REFUSED])
def test_set_refuses_out_of_range(key: str, value: str, tail: str) -> None:
    assert _set_message(key, value) == f"--set: setting '{key}' {tail}"


@pytest.mark.parametrize(
    "key, value, tail",
    [r for r in REFUSED if len(r[1]) < 50],
    ids=[f"{k}={v}" for k, v, _ in REFUSED if len(v) < 50],
)
def test_toml_refuses_the_same(tmp_path: Path, key: str, value: str, tail: str) -> None:
    """The same range from a TOML file (numbers written bare, so 1e300 is a TOML float)."""
    section, name = key.rsplit(".", 1)
    f = tmp_path / "plan.toml"
    f.write_text(f"[{section}]\n{name} = {_toml_value(value)}\n", encoding="utf-8")
    with pytest.raises(ConfigError) as e:
        load_config(f)
    text = str(e.value)
    assert text.startswith(f"{f}: setting '{key}' must be "), text
    # TOML reads 5 as a number, so the value shows without quotes; the range is the same.
    assert text.split(", not ")[0] == f"{f}: setting '{key}' {tail.split(', not ')[0]}"


@pytest.mark.parametrize(
    "flag, key, value",
    [
        ("--gap", "solver.gap", "5"),
        ("--gap", "solver.gap", "nan"),
        ("--threads", "solver.threads", "0"),
        ("--threads", "solver.threads", "1e300"),
        ("--time-limit", "solver.time_limit", "1e-300"),
        ("--time-limit", "solver.time_limit", "inf"),
    ],
)
@pytest.mark.parametrize("command", ["plan", "whatif"])
def test_cli_flags_share_the_range(tmp_path: Path, command: str, flag: str, key: str, value: str) -> None:
    out = tmp_path / "out"
    args = [
        command,
        str(ROOT / "examples/accounts.csv"),
        str(ROOT / "examples/roster.csv"),
        "--out",
        str(out),
        flag,
        value,
    ]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 2, result.output
    expected = _set_message(key, value).replace("--set: ", f"{flag}: ", 1)
    assert f"Error: {expected}\n" in result.output
    assert not out.exists()


def test_sweep_moves_shares_max_moved_share(tmp_path: Path) -> None:
    out = tmp_path / "out"
    base = ROOT / "tests" / "corpus" / "_base"
    args = [
        "plan",
        str(base / "accounts.csv"),
        str(base / "roster.csv"),
        "--out",
        str(out),
        "--sweep-moves",
        "0,5",
    ]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 2
    assert "--sweep-moves: setting 'continuity.max_moved_share' must be a share" in result.output
    assert "Did you mean 5%?" in result.output


@pytest.mark.parametrize(
    "item, attr, expected",
    [
        ("balance.tier_band=5%", ("balance", "tier_band"), 0.05),
        ("balance.tier_band=100%", ("balance", "tier_band"), 1.0),
        ("balance.tier_band=0", ("balance", "tier_band"), 0.0),
        ("balance.tier_band=0.999", ("balance", "tier_band"), 0.999),
        ("solver.gap=0.5 %", ("solver", "gap"), 0.005),
        ("continuity.max_moved_share=100%", ("continuity", "max_moved_share"), 1.0),
        ("continuity.max_moved_share=none", ("continuity", "max_moved_share"), None),
        ("balance.tier_penalty=0", ("balance", "tier_penalty"), 0.0),
        ("balance.tier_penalty=1000000", ("balance", "tier_penalty"), 1e6),
        ("solver.threads=256", ("solver", "threads"), 256),
        ("solver.time_limit=0.1", ("solver", "time_limit"), 0.1),
        ("balance.workload_weights=[0, 0, 1]", ("balance", "workload_weights"), (0.0, 0.0, 1.0)),
        ("products.tier_weights=4,2,1", ("products", "tier_weights"), (4.0, 2.0, 1.0)),
        ("geo.units=none", ("geo", "units"), "none"),  # a choice named 'none', not null
        ("geo.units=None", ("geo", "units"), "none"),
        ("geo.units=county", ("geo", "units"), "county"),
    ],
)
def test_values_in_range_are_kept(item: str, attr: tuple[str, str], expected: object) -> None:
    cfg = load_config(None, [item])
    assert getattr(getattr(cfg, attr[0]), attr[1]) == expected


def test_percent_strings_work_in_toml(tmp_path: Path) -> None:
    f = tmp_path / "plan.toml"
    f.write_text(
        '[balance]\ntier_band = "5%"\n[balance.measures.potential]\nband = "100%"\n[solver]\ngap = 0.01\n'
    )
    cfg = load_config(f)
    assert (cfg.balance.tier_band, cfg.balance.measures["potential"].band, cfg.solver.gap) == (
        0.05,
        1.0,
        0.01,
    )


def test_segment_min_must_be_below_max(tmp_path: Path) -> None:
    f = tmp_path / "plan.toml"
    f.write_text('[segments.mid]\ncolumn = "employees"\nmin = 1000\nmax = 1000\n')
    with pytest.raises(ConfigError) as e:
        load_config(f)
    assert str(e.value) == (
        f"{f}: 'segments.mid': min (1,000) must be below max (1,000), or no account fits the segment"
    )
    f.write_text("[segments.mid]\nmin = -5\n")
    with pytest.raises(ConfigError, match=r"setting 'segments.mid.min' must be a number from 0 to"):
        load_config(f)


def _number_fields(cls: type = PlanConfig, prefix: str = "") -> list[tuple[str, object, dataclasses.Field]]:
    out = []
    hints = typing.get_type_hints(cls)
    for f in dataclasses.fields(cls):  # type: ignore[arg-type]
        tp = hints[f.name]
        if dataclasses.is_dataclass(tp):
            out += _number_fields(tp, prefix + f.name + ".")  # type: ignore[arg-type]
            continue
        args = typing.get_args(tp)
        if typing.get_origin(tp) is dict and dataclasses.is_dataclass(args[1]):
            out += _number_fields(args[1], prefix + f.name + ".<name>.")
            continue
        if typing.get_origin(tp) is tuple and dataclasses.is_dataclass(args[0]):  # [[locks.rules]]
            out += _number_fields(args[0], prefix + f.name + "[].<name>.")
            continue
        flat = {tp, *args, *(a2 for a in args for a2 in typing.get_args(a))}
        if flat & {int, float}:
            out.append((prefix + f.name, tp, f))
    return out


def test_every_number_setting_declares_a_range_and_its_default_fits() -> None:
    fields = _number_fields()
    assert len(fields) >= 20
    for key, _tp, f in fields:
        rng = f.metadata.get("range")
        assert isinstance(rng, Range), f"{key} declares no range: setting(..., allowed=Range(...))"
        default = f.default
        if default is None or "<name>" in key:
            continue
        value = list(default) if isinstance(default, tuple) else default
        assert check_setting(key, value, "default") == default, key


def test_settings_command_and_docs_show_ranges() -> None:
    result = CliRunner().invoke(cli, ["settings"])
    assert result.exit_code == 0
    assert "balance.tier_band = 0.1\n" in result.output
    assert "    allowed: a share from 0 % to 100 % (write 0.05 or 5%)\n" in result.output
    assert "    allowed: a whole number from 1 to 256\n" in result.output
    doc = (ROOT / "docs" / "settings.md").read_text(encoding="utf-8")
    for row in describe_settings():
        assert row.allowed, row.key
        assert f"| `{row.key}` | `{row.default}` | {row.allowed} |" in doc


SHARES = [k for k, _tp, f in _number_fields() if f.metadata["range"].share]


def test_the_shares() -> None:
    """The settings that are fractions of a whole, where a plain 5 must be refused."""
    assert sorted(SHARES) == [
        "balance.account_band",
        "balance.measures.<name>.band",
        "balance.team_band",
        "balance.tier_band",
        "balance.workload_band",
        "continuity.max_moved_share",
        "continuity.max_potential_moved_share",
        "outputs.max_owner_change_share",
        "solver.gap",
    ]


@settings(max_examples=60, deadline=None)
@given(
    key=st.sampled_from([k for k, _tp, _f in _number_fields() if "<name>" not in k]),
    x=st.one_of(st.floats(allow_nan=True, allow_infinity=True), st.integers(-(10**30), 10**30)),
)
@example(key="capacity.changes", x=0)  # a list of any length: its one number, not a bare number
def test_any_number_is_kept_only_inside_its_range(key: str, x: float) -> None:
    tp, rng = setting_range(key)
    whole = int in {tp, *typing.get_args(tp)}
    listed = typing.get_origin(tp) is tuple or any(typing.get_origin(a) is tuple for a in typing.get_args(tp))
    if rng.length is not None:
        value: object = [x] * rng.length
    elif listed:
        value = [x]  # a list of any length (capacity.changes): one number in it
    else:
        value = x
    try:
        got = check_setting(key, value, "--set")
    except ConfigError as e:
        assert f"setting '{key}' must be " in str(e)
        inside = (
            isinstance(x, (int, float))
            and math.isfinite(x)
            and rng.lo <= x <= rng.hi
            and not (rng.share and x >= 1)
            and not (0 < abs(x) < 1e-6)
            and not (whole and not isinstance(x, int))
            and not (rng.some_positive and x <= 0)
        )
        assert not inside, f"{key}={x!r} refused although in range: {e}"
        return
    first = got[0] if isinstance(got, tuple) else got
    assert math.isfinite(first) and rng.lo <= first <= rng.hi
    assert not (rng.share and first >= 1)


def test_every_wrong_setting_is_reported_at_once(tmp_path: Path) -> None:
    f = tmp_path / "plan.toml"
    f.write_text(
        "[balance]\ntier_band = 5\ntier_bnd = 0.1\nmeasures.potential.penalty = -1\n[solver]\nthreads = 0\n"
    )
    with pytest.raises(ConfigError) as e:
        load_config(f, ["solver.gap=nan", "continuity.move_cost=1e300"])
    assert str(e.value).splitlines() == [
        f"{f}: unknown setting 'balance.tier_bnd'. Did you mean balance.tier_band? Run 'territory settings' "
        "to list them.",
        f"{f}: setting 'balance.tier_band' must be {SHARE}, not 5: as a share, 5 means 500 %. Did you mean 5%?",
        f"{f}: setting 'balance.measures.potential.penalty' must be a number from 0 to 1,000,000 (in moves), not -1",
        f"{f}: setting 'solver.threads' must be a whole number from 1 to 256, not 0",
        "4 problems in the settings.",
    ]
    with pytest.raises(ConfigError) as e:
        load_config(None, ["solver.gap=nan", "continuity.move_cost=1e300"])
    assert str(e.value).splitlines() == [
        f"--set: setting 'solver.gap' must be {SHARE}, not 'nan'",
        "--set: setting 'continuity.move_cost' must be a number from 0 to 1,000,000 (in moves), not '1e300'",
        "2 problems in the settings.",
    ]


@pytest.mark.parametrize("key", ["inputs.icp", "inputs.accounts", "outputs.dir", "period_label"])
def test_a_nul_character_in_a_text_setting_is_refused(tmp_path: Path, key: str) -> None:
    """A NUL in a path setting made every file call fail with "embedded null byte" (a bug
    message); in TOML it is written as \\u0000."""
    with pytest.raises(ConfigError) as e:
        load_config(overrides=[f"{key}=a\x00b"])
    assert str(e.value) == (
        f"--set: setting '{key}' holds a NUL character (\\0), which no file name or label can hold"
    )
    section, _, name = key.rpartition(".")
    toml = tmp_path / "plan.toml"
    toml.write_text((f"[{section}]\n" if section else "") + f'{name} = "a\\u0000b"\n')
    with pytest.raises(ConfigError, match="holds a NUL character"):
        load_config(toml)


def test_geo_units_none_from_the_command_line(tmp_path: Path) -> None:
    """'--geo-units none' plans account by account (it was refused: "must be one of 'none',
    ..., not None")."""
    ex = Path(__file__).resolve().parents[1] / "examples"
    res = CliRunner().invoke(
        cli,
        [
            "plan",
            str(ex / "accounts.csv"),
            str(ex / "roster.csv"),
            "--out",
            str(tmp_path / "p"),
            "--geo-units",
            "none",
        ],
    )
    assert res.exit_code == 0, res.output
    assert not (tmp_path / "p" / "territories.csv").exists()
