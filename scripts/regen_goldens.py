"""Rewrite tests/goldens/ from the current code. Run it only when a change is intended:

    python scripts/regen_goldens.py

The goldens are the bundled example's plan (owner changes and summary, without the `run`
timings) and the LP export of a tiny hand-drawn model.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
GOLDENS = ROOT / "tests" / "goldens"
sys.path.insert(0, str(ROOT / "tests"))


def example_plan(out: Path) -> dict[str, str]:
    import os

    import territory

    # Relative paths, run from the repo root: messages name files as a user would see them,
    # and the golden does not depend on where the checkout lives.
    here = os.getcwd()
    os.chdir(ROOT)
    try:
        plan = territory.plan("examples/accounts.csv", "examples/roster.csv")
    finally:
        os.chdir(here)
    territory.write_plan(plan, out)
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    summary.pop("run")
    # The checksums of the other files: owner_changes.csv is pinned as it is, and the
    # checksum check itself is tested in tests/test_plan_folder.py.
    summary.pop("files")
    summary.pop("summary_sha256")  # covers the inputs' paths (tests/test_plan_folder.py checks it)
    for f in summary["inputs"].values():  # line endings differ on checkouts; the rows do not
        f.pop("sha256")
        f.pop("path")  # where the checkout lives
    return {
        "example_owner_changes.csv": (out / "owner_changes.csv").read_text(encoding="utf-8"),
        "example_summary.json": json.dumps(summary, indent=2, ensure_ascii=False) + "\n",
    }


def tiny_lp(out: Path) -> dict[str, str]:
    from territory.model.build import build_model
    from territory.model.items import singletons
    from territory.model.pools import build_pools
    from territory.pipeline import model_input

    from helpers import make_input

    rows = [
        {
            "account_id": f"a{i}",
            "tier": 1 + i % 3,
            "owner_id": "R1" if i < 4 else "R9",
            "potential": 10 * (i + 1),
            "region": "West",
        }
        for i in range(6)
    ]
    reps = [{"rep_id": "R1", "region": "West"}, {"rep_id": "R2", "region": "West", "capacity": 0.5}]
    inp = make_input(rows, reps, "continuity.max_moved_share=0.5")
    pool = build_pools(model_input(inp.accounts, inp.reps, inp.config, state=inp.state), inp.config)[0]
    b = build_model(singletons(pool), inp.config)
    path = out / "tiny.lp"
    b.m.to_pulp().writeLP(str(path))
    return {"tiny.lp": path.read_text(encoding="utf-8")}


def main() -> None:
    import tempfile

    GOLDENS.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        files = {**example_plan(Path(tmp) / "plan"), **tiny_lp(Path(tmp))}
    for name, text in files.items():
        (GOLDENS / name).write_text(text, encoding="utf-8")
        print(f"wrote tests/goldens/{name}")


if __name__ == "__main__":
    main()
