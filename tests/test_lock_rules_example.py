"""The bundled lock-rules example (examples/lock-rules/): reproducible, and as docs/lock-rules.md shows it."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import numpy as np
import pandas as pd

import territory
from territory.runner import load_plan_file

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "lock-rules"


def test_the_example_files_are_what_the_script_makes(tmp_path: Path) -> None:
    spec = importlib.util.spec_from_file_location("make_lock_rules", ROOT / "examples" / "make_lock_rules.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    module.main(["--out", str(tmp_path)])
    for name in ("accounts.csv", "roster.csv", "opportunities.csv"):
        assert (tmp_path / name).read_bytes() == (EXAMPLE / name).read_bytes(), (
            f"examples/lock-rules/{name} drifted; run python examples/make_lock_rules.py"
        )


def test_the_example_rules_match_what_the_docs_say() -> None:
    """docs/lock-rules.md: 116, 57, 83 and 45 matched; R08's 49 accounts pinned to R12."""
    cfg = load_plan_file(EXAMPLE / "plan.toml")
    inp = territory.load_input(cfg.inputs.accounts, cfg.inputs.roster, cfg)
    cells = pd.Series(inp.state.rule_match).str.split(";")
    matched = [int(cells.map(lambda c, k=k: str(k) in c).sum()) for k in range(1, 5)]
    assert matched == [116, 57, 83, 45]
    assert inp.extras["lock_rules"]["as_of"] == "2026-12-03"
    pins = inp.state.lock_to
    assert int((pins == "R12").sum()) == 49
    assert np.array_equal(
        inp.accounts["owner_id"].to_numpy()[pins == "R12"], np.full(49, "R08", dtype=object)
    )
    assert "R08" not in set(inp.reps["rep_id"])
    docs = (ROOT / "docs" / "lock-rules.md").read_text(encoding="utf-8")
    assert "116 matched" in docs and "R08 leaves: 49 of 49 accounts go to the named successor R12." in docs
