"""The example plan and a tiny model's LP export match the goldens in tests/goldens/."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "scripts"))

import regen_goldens  # noqa: E402

HINT = "drifted from golden; run scripts/regen_goldens.py if the change is intended"


@pytest.mark.parametrize(
    "make", [regen_goldens.example_plan, regen_goldens.tiny_lp], ids=["example", "tiny_lp"]
)
def test_goldens(make, tmp_path):
    for name, text in make(tmp_path).items():
        golden = (ROOT / "tests" / "goldens" / name).read_text(encoding="utf-8")
        assert text == golden, f"{name} {HINT}"
