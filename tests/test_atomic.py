"""A `territory plan` killed with SIGKILL part-way never leaves a half-written file.

Each output file is written to ``.<name>.<random>.tmp`` and renamed over the final name, so
after a kill every final-named file is either the previous complete version or the new
complete version; stray ``.*.tmp`` files may remain (they are safe to delete) but never
under a final name.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL is POSIX")

FILES = ("assignments.csv", "owner_changes.csv", "summary.json")
N_ACCOUNTS = 1000  # a full plan takes ~2 s here: long enough to kill at several stages


def _inputs(tmp: Path) -> tuple[Path, Path, Path]:
    rng = np.random.default_rng(7)
    regions = np.array(["West", "East", "South", "Midwest"])
    reps = [f"R{i:02d}" for i in range(1, 17)]
    rep_region = {r: regions[i // 4] for i, r in enumerate(reps)}
    region = rng.choice(regions, N_ACCOUNTS)
    owner = np.empty(N_ACCOUNTS, dtype=object)
    for g in regions:
        mine = [r for r in reps if rep_region[r] == g]
        owner[region == g] = rng.choice(mine, int((region == g).sum()))
    accounts = tmp / "accounts.csv"
    pd.DataFrame(
        {
            "account_id": [f"A{i:06d}" for i in range(N_ACCOUNTS)],
            "name": [f"Company {i}" for i in range(N_ACCOUNTS)],
            "tier": rng.integers(1, 4, N_ACCOUNTS),
            "region": region,
            "potential": rng.integers(1_000, 1_000_000, N_ACCOUNTS),
            "owner_id": owner,
        }
    ).to_csv(accounts, index=False)
    roster = pd.DataFrame(
        {"rep_id": reps, "name": reps, "region": [rep_region[r] for r in reps], "capacity": 1.0}
    )
    old_roster = tmp / "roster_old.csv"
    roster.to_csv(old_roster, index=False)
    new_roster = tmp / "roster_new.csv"  # one rep fewer in the West: a different plan
    roster[roster["rep_id"] != "R02"].to_csv(new_roster, index=False)
    return accounts, old_roster, new_roster


def _cmd(accounts: Path, roster: Path, out: Path) -> list[str]:
    exe = Path(sys.executable).parent / "territory"
    return [str(exe), "plan", str(accounts), str(roster), "--out", str(out), "-q"]


def _snapshot(out: Path) -> dict[str, bytes]:
    return {f: (out / f).read_bytes() for f in FILES if (out / f).exists()}


def _without_run(data: bytes | None) -> dict | None:
    if data is None:
        return None
    doc = json.loads(data)
    doc.pop("run", None)
    return doc


def _assert_complete(out: Path, old: dict[str, bytes], new: dict[str, bytes], label: str) -> None:
    for f in FILES:
        p = out / f
        if not p.exists():
            continue
        data = p.read_bytes()
        if f.endswith(".json"):
            # summary.json's last key, "run", holds timings that differ run to run: compare
            # the rest (a half-written file would not even parse)
            got = _without_run(data)
            assert got in (_without_run(old.get(f)), _without_run(new.get(f))), (
                f"{label}: {f} is neither the old nor the new file"
            )
        else:
            assert data in (old.get(f), new.get(f)), f"{label}: {f} is neither the old nor the new file"
            pd.read_csv(p, dtype=str)
    for p in out.iterdir():
        if p.name not in FILES:
            assert p.name.startswith(".") and p.name.endswith(".tmp"), f"{label}: stray {p.name}"
            assert any(p.name.startswith(f".{f}.") for f in FILES)


def _kill_when(cmd: list[str], out: Path, when: str, at: float) -> bool:
    """Start the plan and SIGKILL it at ``at`` seconds, or as soon as a temp file shows up.

    Returns True when the process was killed while it was still running.
    """
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    t0 = time.perf_counter()
    try:
        while proc.poll() is None:
            elapsed = time.perf_counter() - t0
            if when == "time" and elapsed >= at:
                break
            if when != "time" and out.exists() and any(p.name.startswith(f".{when}.") for p in out.iterdir()):
                break
            if elapsed > 60:
                break
            time.sleep(0.0002)
    finally:
        killed = proc.poll() is None
        if killed:
            os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
    return killed


def test_sigkill_leaves_old_or_new_complete_files(tmp_path: Path) -> None:
    accounts, old_roster, new_roster = _inputs(tmp_path)
    out, ref_new = tmp_path / "out", tmp_path / "ref_new"
    runs = [
        subprocess.Popen(_cmd(accounts, r, o), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        for r, o in ((old_roster, out), (new_roster, ref_new))
    ]
    for r in runs:
        assert r.wait(timeout=120) == 0, r.stderr.read() if r.stderr else ""
    old, new = _snapshot(out), _snapshot(ref_new)
    assert set(old) == set(FILES) and old["assignments.csv"] != new["assignments.csv"]
    backup = tmp_path / "backup"
    shutil.copytree(out, backup)

    stages = [("time", 0.3), ("time", 1.0), ("assignments.csv", 0), ("summary.json", 0)]
    mid_write = 0
    for when, at in stages:
        label = f"killed at {at} s" if when == "time" else f"killed while writing {when}"
        killed = _kill_when(_cmd(accounts, new_roster, out), out, when, at)
        mid_write += killed and when != "time"
        _assert_complete(out, old, new, label)
        # Back to the old complete plan for the next kill.
        shutil.rmtree(out)
        shutil.copytree(backup, out)
    assert mid_write >= 1, "no kill landed while a file was being written; the test proves little"

    # A fresh folder killed mid-write holds no final-named partial file either.
    fresh = tmp_path / "fresh"
    fresh.mkdir()
    _kill_when(_cmd(accounts, new_roster, fresh), fresh, "assignments.csv", 0)
    _assert_complete(fresh, {}, new, "fresh folder")


def test_written_files_are_not_private(tmp_path: Path) -> None:
    """mkstemp makes 0600 files; a plan folder shared with a team must stay readable."""
    from territory.io.writing import write_json

    write_json({"a": 1}, tmp_path / "s.json")
    mask = os.umask(0)
    os.umask(mask)
    assert (tmp_path / "s.json").stat().st_mode & 0o777 == 0o666 & ~mask
