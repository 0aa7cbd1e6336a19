"""Helpers for the plan-folder tests: snapshots of a folder tree, and the CLI in a real process."""

from __future__ import annotations

import os
import signal
import stat
import subprocess
import sys
from pathlib import Path
from typing import Any

EXE = str(Path(sys.executable).parent / "territory")


def as_at_a_terminal() -> None:
    """``preexec_fn`` for a run the test stops with Ctrl-C: SIGINT as a terminal delivers it.

    A shell starts a background job (``pytest &``, some CI runners) with SIGINT ignored, and a
    child inherits that: its Ctrl-C would then do nothing and the test would fail for a reason
    that is not the product's.
    """
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def snapshot(folder: Path, skip: Path | None = None) -> dict[str, Any]:
    """Every entry under ``folder`` (but ``skip``): type, and for files size, mtime and bytes."""
    out: dict[str, Any] = {}
    for root, dirs, files in os.walk(folder):
        r = Path(root)
        if skip is not None:
            dirs[:] = [d for d in dirs if r / d != skip]
        for name in dirs + files:
            p = r / name
            if p == skip:
                continue
            st = p.lstat()
            kind = stat.S_IFMT(st.st_mode)
            if stat.S_ISLNK(st.st_mode):
                out[str(p.relative_to(folder))] = (kind, os.readlink(p))
            elif stat.S_ISREG(st.st_mode):
                out[str(p.relative_to(folder))] = (kind, st.st_mode, st.st_mtime_ns, p.read_bytes())
            else:
                out[str(p.relative_to(folder))] = (kind, st.st_mode)
    return out


def territory(
    *args: str, env: dict[str, str] | None = None, timeout: float = 120
) -> subprocess.CompletedProcess:
    """Run the installed ``territory`` command in a real process."""
    full_env = {k: v for k, v in os.environ.items() if k not in ("TERRITORY_DEBUG", "TERRITORY_TEST_PAUSE")}
    full_env.update(env or {})
    return subprocess.run([EXE, *args], capture_output=True, text=True, env=full_env, timeout=timeout)


def children(pid: int) -> set[int]:
    """Live child processes of ``pid`` (Linux /proc)."""
    out = set()
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as fh:
                fields = fh.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid and fields[0] != "Z":
            out.add(int(entry))
    return out


def alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as fh:
            return fh.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False
