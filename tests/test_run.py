"""Config as code: `territory run plan.toml`, precedence, errors naming the key, settings documented."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from territory.config import describe_settings
from territory_cli.main import cli

from scenario_data import write_inputs

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def project(tmp_path: Path) -> Path:
    write_inputs(tmp_path / "data")
    f = tmp_path / "plan.toml"
    f.write_text("""period_label = "FY27 Q2"

[inputs]
accounts = "data/accounts.csv"
roster = "data/roster.csv"

[outputs]
dir = "out"

[balance]
tier_band = 0.2
""")
    return f


def run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, ["run", *args])
    return result.exit_code, result.output


def test_run_writes_the_plan_where_the_file_says(
    project: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)  # paths in the file are relative to the file, not to here
    code, output = run(str(project), "-q")
    assert code == 0, output
    out = project.parent / "out"
    summary = json.loads((out / "summary.json").read_text())
    assert summary["period_label"] == "FY27 Q2"
    assert summary["config"]["balance"]["tier_band"] == 0.2  # file over default
    assert summary["config"]["balance"]["measures"]["potential"]["band"] == 0.1  # default
    assert (out / "owner_changes.csv").read_text().startswith("account_id,owner_id\n")
    assert output.splitlines()[-1] == f"Done in {output.split('Done in ')[1].split(' s')[0]} s: {out}"


def test_set_beats_the_file(project: Path, tmp_path: Path) -> None:
    code, output = run(
        str(project),
        "-q",
        "--set",
        "balance.tier_band=0.3",
        "--set",
        f"outputs.dir={tmp_path / 'other'}",
        "--set",
        "inputs.preset=hubspot",
        "--set",
        "outputs.owner_changes=canonical",
    )
    assert code == 0, output
    summary = json.loads((tmp_path / "other" / "summary.json").read_text())
    assert summary["config"]["balance"]["tier_band"] == 0.3
    assert summary["config"]["inputs"]["preset"] == "hubspot"


@pytest.mark.parametrize(
    "text, message",
    [
        ("[balance]\ntier_bnd = 0.1\n", "unknown setting 'balance.tier_bnd'"),
        (
            '[balance]\ntier_band = "wide"\n',
            "setting 'balance.tier_band' must be a share from 0 % to 100 % (write 0.05 or 5%), not 'wide'",
        ),
        ('[input]\naccounts = "a.csv"\n', "unknown setting 'input'"),
        (
            '[inputs]\npreset = "dynamics"\n',
            "setting 'inputs.preset' must be one of '', 'salesforce', 'hubspot'",
        ),
        ('[outputs]\nbooks = "maybe"\n', "setting 'outputs.books' must be true or false"),
        ('[columns.accounts]\n"Region__c" = 3\n', "setting 'columns.accounts.Region__c' must be text"),
        ('[inputs]\nroster = "r.csv"\n[outputs]\ndir = "o"\n', "setting 'inputs.accounts' is required"),
        ("[inputs\n", "not valid TOML"),
    ],
)
def test_bad_plan_files_name_the_key_and_file(tmp_path: Path, text: str, message: str) -> None:
    f = tmp_path / "plan.toml"
    f.write_text(text)
    code, output = run(str(f))
    assert code == 2, output
    assert output.startswith(f"Error: {f}: ") and message in output


def test_unknown_set_key_is_an_error(project: Path) -> None:
    code, output = run(str(project), "--set", "outputs.folder=x")
    assert code == 2
    assert "--set: unknown setting 'outputs.folder'" in output


def test_run_with_preset_and_database_from_plan_file(tmp_path: Path) -> None:
    sqlalchemy = pytest.importorskip("sqlalchemy")
    import pandas as pd

    a, _ = write_inputs(tmp_path / "data")
    engine = sqlalchemy.create_engine(f"sqlite:///{tmp_path / 'data' / 'crm.db'}")
    with engine.begin() as conn:
        pd.read_csv(a, dtype=str, keep_default_na=False).to_sql("accounts", conn, index=False)
    engine.dispose()
    f = tmp_path / "plan.toml"
    f.write_text(
        '[inputs]\naccounts = "sqlite:///data/crm.db"\ntable = "accounts"\nroster = "data/roster.csv"\n'
        '[outputs]\ndir = "out"\nowner_changes = "salesforce"\n'
    )
    code, output = run(str(f), "-q")
    assert code == 0, output
    assert (tmp_path / "out" / "owner_changes.csv").read_text().startswith("Id,OwnerId\n")


def test_example_plan_file_runs(tmp_path: Path) -> None:
    code, output = run(str(ROOT / "examples" / "plan.toml"), "--set", f"outputs.dir={tmp_path / 'ex'}")
    assert code == 0, output
    assert "Planned 1,000 accounts for 16 reps" in output
    assert json.loads((tmp_path / "ex" / "summary.json").read_text())["period_label"] == "FY27 Q1"


def test_every_setting_is_documented() -> None:
    rows = describe_settings()
    undocumented = [row.key for row in rows if not row.help.strip()]
    assert not undocumented, f"settings without help: {undocumented}"
    doc = (ROOT / "docs" / "settings.md").read_text()
    missing = [row.key for row in rows if f"`{row.key}`" not in doc]
    assert not missing, f"{missing} missing from docs/settings.md; run python scripts/gen_settings_doc.py"
    check = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "gen_settings_doc.py"), "--check"],
        capture_output=True,
        text=True,
    )
    assert check.returncode == 0, check.stderr


def test_books_step(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    pytest.importorskip("territory.reporting")
    pytest.importorskip("weasyprint")
    from territory.reporting import fonts

    roster = project.parent / "data" / "roster.csv"
    roster.write_text(roster.read_text().replace("Ana West", "Zoë West"), encoding="utf-8")
    monkeypatch.setattr(fonts, "installed_coverage", lambda: ((0x20, 0x7E),))  # ASCII only
    code, output = run(str(project), "-q", "--books")
    assert code == 0, output
    pdfs = sorted(p.name for p in (project.parent / "out" / "books").glob("*.pdf"))
    assert len(pdfs) >= 4, output
    assert "rep-zoe-west-R1.pdf" in pdfs
    assert "Books: " in output and " written to " in output
    assert output.count("Warning: 1 character in names (ë) has no installed font") == 1
    assert "apt install fonts-noto-core." in output
