"""Every JSON/TOML file territory reads goes through one careful reader.

ICP files, plan.toml/settings files, scenario files, --set values and a plan folder's
summary.json: deep nesting, non-UTF-8 bytes, NUL bytes, huge files, FIFOs and devices are
refused with a message naming the file (exit 2), never a RecursionError, a hang or a
"probably a bug".
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from territory.errors import ConfigError
from territory.io.safe_read import MAX_DEPTH, UnreadableFile, read_json, read_toml
from territory_cli.main import cli

from scenario_data import write_inputs

ROOT = Path(__file__).resolve().parents[1]
DEEP_ARRAY = "a = " + "[" * 5000 + "]" * 5000 + "\n"
DEEP_DOTTED = "a" + ".a" * 100_000 + " = 1\n"


def _invoke(*args: str) -> tuple[int, str]:
    r = CliRunner().invoke(cli, list(args))
    return r.exit_code, r.output


@pytest.fixture
def inputs(tmp_path: Path) -> tuple[Path, Path]:
    return write_inputs(tmp_path / "in")


@pytest.mark.parametrize(
    "text, message",
    [
        (DEEP_ARRAY, f"is nested more than {MAX_DEPTH} levels deep (line 1)"),
        (DEEP_DOTTED, f"is nested more than {MAX_DEPTH} levels deep (line 1)"),
        ("x = 1\n[" + ".".join(["t"] * 40) + "]\n", f"is nested more than {MAX_DEPTH} levels deep (line 2)"),
        ("a = { b = " * 40 + "1" + " }" * 40 + "\n", f"is nested more than {MAX_DEPTH} levels deep (line 1)"),
    ],
)
def test_toml_nesting_is_refused_quickly(tmp_path: Path, text: str, message: str) -> None:
    p = tmp_path / "deep.toml"
    p.write_text(text)
    t0 = time.perf_counter()
    with pytest.raises(UnreadableFile) as e:
        read_toml(p)
    assert time.perf_counter() - t0 < 2
    assert str(e.value).startswith(f"{p}: {message}")


def test_ordinary_toml_is_not_mistaken_for_deep(tmp_path: Path) -> None:
    p = tmp_path / "ok.toml"
    dotted = ".".join(["k"] * (MAX_DEPTH - 1))
    p.write_text(
        f'{dotted} = 1\nfloats = [{", ".join(["1.5"] * 200)}]\nurl = "{".".join(["x"] * 100)}"\n'
        "# a comment with [[[[[ and ....................................\n"
        'multi = """\n' + "[" * 100 + '\n"""\n'
    )
    data = read_toml(p)
    assert data["floats"][0] == 1.5 and data["multi"].startswith("[[[")


def test_json_nesting_bytes_and_size(tmp_path: Path) -> None:
    p = tmp_path / "s.json"
    p.write_text("[" * 100_000 + "]" * 100_000)
    with pytest.raises(UnreadableFile, match=f"is nested more than {MAX_DEPTH} levels deep"):
        read_json(p)
    p.write_text("[" * 40 + "]" * 40)
    with pytest.raises(UnreadableFile, match="nested more than"):
        read_json(p)
    p.write_bytes(b'{"name": "Caf\xe9"}')
    with pytest.raises(UnreadableFile, match=r"is not UTF-8 text \(byte 0xe9 on line 1\)"):
        read_json(p)
    p.write_bytes(b'{"a":\n 1\x00}')
    with pytest.raises(UnreadableFile, match=r"contains NUL bytes \(binary data\) on line 2"):
        read_json(p)
    with open(p, "wb") as fh:  # sparse: 300 MB on paper, nothing on disk
        fh.truncate(300 << 20)
    with pytest.raises(UnreadableFile, match=r"is 300.0 MB, more than a plan summary can be \(256.0 MB\)"):
        read_json(p, what="plan summary")


@pytest.mark.skipif(sys.platform == "win32", reason="FIFOs and /dev/zero are POSIX")
def test_fifo_and_devices_are_refused_without_blocking(tmp_path: Path) -> None:
    fifo = tmp_path / "icp.toml"
    os.mkfifo(fifo)  # opening it would block until a writer shows up
    code, out = _invoke("score", str(ROOT / "examples/accounts.csv"), "--icp", str(fifo), "--out", "x.csv")
    assert code == 2, out
    assert f"Error: {fifo}: is not a regular file (a device, a pipe or a socket)" in out
    code, out = _invoke("score", str(ROOT / "examples/accounts.csv"), "--icp", "/dev/zero", "--out", "x.csv")
    assert code == 2 and "/dev/zero: is not a regular file" in out, out


def test_cli_settings_file_icp_and_scenarios_are_read_safely(
    inputs: tuple[Path, Path], tmp_path: Path
) -> None:
    a, r = inputs
    deep = tmp_path / "deep.toml"
    deep.write_text(DEEP_ARRAY)
    latin = tmp_path / "latin.toml"
    latin.write_bytes(b'period_label = "Q3"\n# caf\xe9\n')
    out = str(tmp_path / "out")
    for args, message in (
        (["plan", str(a), str(r), "--out", out, "--config", str(deep)], f"{deep}: is nested more than"),
        (
            ["plan", str(a), str(r), "--out", out, "--config", str(latin)],
            "is not UTF-8 text (byte 0xe9 on line 2)",
        ),
        (["plan", str(a), str(r), "--out", out, "--icp", str(deep)], f"{deep}: is nested more than"),
        (["whatif", str(a), str(r), "--out", out, "--scenarios", str(deep)], f"{deep}: is nested more than"),
        (["run", str(deep)], f"{deep}: is nested more than"),
        (
            [
                "plan",
                str(a),
                str(r),
                "--out",
                out,
                "--set",
                "balance.workload_weights=" + "[" * 3000 + "]" * 3000,
            ],
            "--set balance.workload_weights: is nested more than",
        ),
    ):
        code, text = _invoke(*args)
        assert code == 2, f"{args[0]}: {text}"
        assert message in text, text
        assert "Unexpected error" not in text and "Traceback" not in text
        assert not Path(out).exists()


def test_missing_files_keep_their_messages(tmp_path: Path) -> None:
    from territory.config import load_config
    from territory.icp import load_icp

    with pytest.raises(ConfigError, match=r"nope.toml: config file not found"):
        load_config(tmp_path / "nope.toml")
    with pytest.raises(ConfigError, match=r": is a folder; name the ICP file \(a .toml file\)"):
        load_icp(tmp_path)


def test_link_loops_and_overlong_names_are_input_errors(inputs: tuple[Path, Path], tmp_path: Path) -> None:
    """A settings, ICP, scenarios or region rules path that is a loop of symbolic links or a
    name too long for the file system: exit 2 naming the path, never "probably a bug"."""
    a, r = inputs
    loop = tmp_path / "loop.toml"
    os.symlink(tmp_path / "loop2.toml", loop)
    os.symlink(loop, tmp_path / "loop2.toml")
    long = tmp_path / ("x" * 300 + ".toml")
    out = str(tmp_path / "out")
    for bad, reason in ((loop, "Too many levels of symbolic links"), (long, "File name too long")):
        for args in (
            ["plan", str(a), str(r), "--out", out, "--config", str(bad)],
            ["plan", str(a), str(r), "--out", out, "--icp", str(bad)],
            ["plan", str(a), str(r), "--out", out, "--region-rules", str(bad)],
            ["whatif", str(a), str(r), "--out", out, "--scenarios", str(bad)],
            ["run", str(bad)],
            ["score", str(a), "--icp", str(bad), "--out", str(tmp_path / "s.csv")],
        ):
            code, text = _invoke(*args)
            assert code == 2, f"{args}: {text}"
            assert f"{bad}: cannot be opened: {reason}" in text or (
                f"{bad}" in text and f"cannot be opened: {reason}" in text
            ), text
            assert "Unexpected error" not in text and not Path(out).exists()


def test_region_rules_toml_is_read_safely(inputs: tuple[Path, Path], tmp_path: Path) -> None:
    """A region rules TOML file goes through the careful reader like every other TOML file."""
    a, r = inputs
    deep = tmp_path / "rules.toml"
    deep.write_text(DEEP_ARRAY)
    dotted = tmp_path / "dotted.toml"
    dotted.write_text(DEEP_DOTTED)
    fifo = tmp_path / "fifo.toml"
    os.mkfifo(fifo)
    latin = tmp_path / "latin.toml"
    latin.write_bytes(b'[[rule]]\nregion = "Caf\xe9"\nstate = "CA"\n')
    out = str(tmp_path / "out")
    for path, message in (
        (deep, f"is nested more than {MAX_DEPTH} levels deep (line 1)"),
        (dotted, f"is nested more than {MAX_DEPTH} levels deep (line 1)"),
        (fifo, "is not a regular file (a device, a pipe or a socket)"),
        (latin, "is not UTF-8 text (byte 0xe9 on line 2)"),
    ):
        t0 = time.perf_counter()
        code, text = _invoke("plan", str(a), str(r), "--out", out, "--region-rules", str(path))
        assert time.perf_counter() - t0 < 10
        assert code == 2, text
        assert message in text and str(path) in text, text
        assert not Path(out).exists()
