"""summary.json as written (``summary_dict``, records converted once) is ``plan_result``'s,
key for key and in the same order, with the same checksum of itself."""

from __future__ import annotations

import json
from datetime import datetime, timezone
from pathlib import Path

import territory
from territory.io.plandir import summary_checksum
from territory.io.writing import FileRecord, json_text
from territory.pipeline import plan_result, summary_dict

ROOT = Path(__file__).resolve().parents[1]


def test_summary_dict_is_plan_result_to_dict():
    p = territory.plan(ROOT / "examples" / "accounts.csv", ROOT / "examples" / "roster.csv")
    at = datetime(2026, 12, 3, 12, 0, tzinfo=timezone.utc)
    files = {
        "assignments.csv": FileRecord("ab" * 32, 1234, 10),
        "owner_changes.csv": FileRecord("cd" * 32, 56, 2),
    }
    written = summary_dict(p, generated_at=at, files=files)
    typed = plan_result(p, generated_at=at, files=files).to_dict()
    assert json_text(written) == json_text(typed)  # same keys, order and values
    assert list(written)[-2:] == ["summary_sha256", "run"]
    assert written["summary_sha256"] == summary_checksum(json.loads(json_text(written)))
    # without files: no checksum, as before
    assert summary_dict(p, generated_at=at) == plan_result(p, generated_at=at).to_dict()
    assert "summary_sha256" not in summary_dict(p, generated_at=at)
