"""A plan folder is whole or untouched: SIGKILL at any point, two runs at once, a full disk.

`territory plan` builds the new folder beside --out and swaps it in at the end (see
territory/io/staging.py). These tests kill real processes at the moments that matter, via
the test-only TERRITORY_TEST_PAUSE hook ("staged": every file written, not yet swapped;
"swapped": swapped, the old folder not yet deleted; the process stops itself there), and
check that --out then holds the complete old plan or the complete new one, and that the
next run tidies up. A full disk and a read-only file system are small tmpfs mounts.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from folder_helpers import EXE, as_at_a_terminal

from territory.io.plandir import read_plan_folder
from territory_cli.main import cli

from scenario_data import write_inputs

pytestmark = pytest.mark.skipif(sys.platform != "linux", reason="SIGKILL, renameat2 and mounts are Linux")
ROOT = Path(__file__).resolve().parents[1]


def _without_run(folder: Path) -> tuple[bytes, dict]:
    summary = json.loads((folder / "summary.json").read_text())
    summary.pop("run")
    return (folder / "assignments.csv").read_bytes(), summary


def invoke(*args: str) -> tuple[int, str]:
    r = CliRunner().invoke(cli, [str(a) for a in args])
    return r.exit_code, r.output


@pytest.fixture(scope="module")
def inputs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Two different plans of the same accounts (R4 leaves in the second), as references."""
    tmp = tmp_path_factory.mktemp("atomic")
    a, r = write_inputs(tmp / "in")
    r2 = tmp / "in" / "roster_new.csv"
    r2.write_text("".join(x for x in r.read_text().splitlines(True) if not x.startswith("R4,")))
    refs = {"accounts": a, "old_roster": r, "new_roster": r2, "old": tmp / "old", "new": tmp / "new"}
    for name in ("old", "new"):
        code, text = invoke("plan", a, refs[f"{name}_roster"], "--out", refs[name], "-q")
        assert code == 0, text
    return refs


def _args(inputs: dict[str, Path], which: str, out: Path) -> list[str]:
    return ["plan", str(inputs["accounts"]), str(inputs[f"{which}_roster"]), "--out", str(out), "-q"]


def _paused(args: list[str], point: str, *python: str) -> subprocess.Popen:
    """A real ``territory`` process, stopped (SIGSTOP) at the pause point."""
    env = {**os.environ, "TERRITORY_TEST_PAUSE": point}
    env.pop("TERRITORY_DEBUG", None)
    cmd = [*python, *args] if python else [EXE, *args]
    proc = subprocess.Popen(
        cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env, preexec_fn=as_at_a_terminal
    )
    assert proc.stderr is not None
    line = proc.stderr.readline().decode()
    if line != f"paused at {point}\n":
        proc.kill()
        raise AssertionError(line + proc.stderr.read().decode())
    return proc


def _assert_whole(out: Path, inputs: dict[str, Path], label: str) -> str:
    read_plan_folder(out)  # checksums and counts agree
    got = _without_run(out)
    for name in ("old", "new"):
        if got == _without_run(inputs[name]):
            return name
    raise AssertionError(f"{label}: {out} is neither the old nor the new plan")


# The fallback for file systems without renameat2(RENAME_EXCHANGE): two renames.
NO_EXCHANGE = (
    sys.executable,
    "-c",
    "import territory.io.staging as s; s._RENAMEAT2 = None\n"
    "from territory_cli.main import cli; cli(prog_name='territory')",
)


@pytest.mark.parametrize(
    "point, python, expect",
    [
        ("staged", (), "old"),  # every file written, not swapped in yet
        ("swapped", (), "new"),  # swapped in, the old folder not deleted yet
        ("aside", NO_EXCHANGE, None),  # between the two renames: the next run puts the old one back
    ],
)
def test_sigkill_leaves_the_old_or_the_new_plan_whole(
    inputs: dict[str, Path], tmp_path: Path, point: str, python: tuple[str, ...], expect: str | None
) -> None:
    out = tmp_path / "plan-out"
    shutil.copytree(inputs["old"], out)
    proc = _paused(_args(inputs, "new", out), point, *python)
    proc.kill()
    proc.wait()
    leftovers = [p.name for p in tmp_path.iterdir() if p.name != "plan-out"]
    assert leftovers and all(n.startswith(".plan-out.territory-") and n.endswith(".tmp") for n in leftovers)
    if expect:
        assert _assert_whole(out, inputs, point) == expect
    else:
        assert not out.exists()
    # The next run puts back or tidies what the killed one left, then replaces the folder.
    code, text = invoke(*_args(inputs, "new", out))
    assert code == 0, text
    assert _assert_whole(out, inputs, "next run") == "new"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["plan-out"]


@pytest.mark.parametrize("sig, code", [(signal.SIGTERM, 128 + signal.SIGTERM), (signal.SIGINT, 1)])
def test_sigterm_and_ctrl_c_leave_nothing_behind(
    inputs: dict[str, Path], tmp_path: Path, sig: signal.Signals, code: int
) -> None:
    out = tmp_path / "plan-out"
    shutil.copytree(inputs["old"], out)
    proc = _paused(_args(inputs, "new", out), "staged")
    proc.send_signal(sig)
    proc.send_signal(signal.SIGCONT)
    assert proc.wait(timeout=30) == code
    assert proc.stderr is not None and "Traceback" not in proc.stderr.read().decode()
    proc.stderr.close()
    assert _assert_whole(out, inputs, sig.name) == "old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["plan-out"]  # the stage is gone


@pytest.mark.parametrize("existing", [True, False], ids=["over an earlier plan", "into a new folder"])
def test_two_runs_into_the_same_folder(inputs: dict[str, Path], tmp_path: Path, existing: bool) -> None:
    """Run 1 has written everything; run 2 starts, finishes and swaps in; then run 1 swaps."""
    out = tmp_path / "plan-out"
    if existing:
        shutil.copytree(inputs["old"], out)
    first = _paused(_args(inputs, "new", out), "staged")
    code, text = invoke(*_args(inputs, "old", out))
    assert code == 0, text
    assert _assert_whole(out, inputs, "second run") == "old"
    first.send_signal(signal.SIGCONT)
    assert first.wait(timeout=60) == 0, first.stderr.read().decode() if first.stderr else ""
    assert first.stderr is not None
    first.stderr.close()
    assert _assert_whole(out, inputs, "first run") == "new"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["plan-out"]


def _mount(target: Path, options: str) -> None:
    if os.geteuid() != 0 or shutil.which("mount") is None:
        pytest.skip("needs root to mount a small tmpfs")
    target.mkdir()
    r = subprocess.run(["mount", "-t", "tmpfs", "-o", options, "tmpfs", str(target)], capture_output=True)
    if r.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {r.stderr.decode().strip()}")


@pytest.fixture
def tiny_disk(tmp_path: Path):
    mnt = tmp_path / "mnt"
    _mount(mnt, "size=24k")  # six pages: the small plan (five) fits once, not twice
    try:
        yield mnt
    finally:
        subprocess.run(["umount", "-l", str(mnt)], check=False)


def test_a_full_disk_leaves_the_earlier_plan(tiny_disk: Path, inputs: dict[str, Path]) -> None:
    a, r = inputs["accounts"], inputs["old_roster"]
    out = tiny_disk / "plan-out"
    code, text = invoke("plan", a, r, "--out", out, "-q")
    assert code == 0, text
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    code, text = invoke("plan", a, r, "--out", out, "-q", "--set", "balance.tier_band=0.05")
    assert code == 1
    assert text == f"Error: cannot write {out}/assignments.csv: the disk is full (no space left on device)\n"
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before
    assert sorted(p.name for p in tiny_disk.iterdir()) == ["plan-out"]
    fresh = tiny_disk / "deep" / "fresh"
    code, text = invoke("plan", a, r, "--out", fresh, "-q")
    assert code == 1 and "the disk is full" in text
    assert sorted(p.name for p in tiny_disk.iterdir()) == ["plan-out"]  # nothing made, not even deep/


def test_a_read_only_file_system_is_refused_before_any_work(tmp_path: Path) -> None:
    mnt = tmp_path / "ro"
    _mount(mnt, "ro,size=64k")
    try:
        a, r = write_inputs(tmp_path / "in")
        code, text = invoke("plan", a, r, "--out", mnt / "plan")
        assert code == 2
        assert text == f"Error: cannot write {mnt / 'plan'}: the file system is read-only\n"
        code, text = invoke("books", ROOT / "tests/fixtures/plan_small", "--out", mnt / "books")
        assert code == 2 and text.endswith(": the file system is read-only\n")
    finally:
        subprocess.run(["umount", "-l", str(mnt)], check=False)


def test_written_files_are_not_private(tmp_path: Path) -> None:
    """mkstemp makes 0600 files; a plan folder shared with a team must stay readable."""
    from territory.io.writing import write_json

    write_json({"a": 1}, tmp_path / "s.json")
    mask = os.umask(0)
    os.umask(mask)
    assert (tmp_path / "s.json").stat().st_mode & 0o777 == 0o666 & ~mask


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM], ids=lambda s: s.name)
def test_a_stop_lost_in_a_finaliser_still_stops_the_swap(tmp_path: Path, sig: signal.Signals) -> None:
    """Python drops an exception a signal handler raises inside a finaliser; the stop the
    CLI noted still keeps the new folder from being swapped in."""
    from territory.io.staging import staged_folder
    from territory.stops import STOPPED, note_stop

    out = tmp_path / "plan-out"
    expected = KeyboardInterrupt if sig == signal.SIGINT else SystemExit
    try:
        with pytest.raises(expected):
            with staged_folder(out) as stage:
                (stage.path / "summary.json").write_text("new", encoding="utf-8")
                note_stop(sig)  # what the handler does before its exception is lost
    finally:
        STOPPED.clear()
    assert list(tmp_path.iterdir()) == []  # neither the new folder nor its stage
