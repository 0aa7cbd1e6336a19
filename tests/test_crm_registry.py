"""The CRM preset registry (territory/io/crm.py): one module holds what territory knows of a CRM.

Adding a CRM preset is adding one ``CrmPreset`` there; the settings, ``--preset``, header
reading, export detection, report footers and owner_changes.csv follow from it. The last test
proves it: it adds a preset to a copy of that one module and plans a file of the new CRM.
"""

from __future__ import annotations

import ast
import csv
import os
import shutil
import subprocess
import sys
import typing
from pathlib import Path

import pytest

from territory.config import InputsConfig, OutputsConfig
from territory.io import crm
from territory.io.loading import ACCOUNT_COLUMNS, FOOTER_LINE, _key
from territory.io.presets import account_mapping, export_evidence, owner_changes_layout
from territory_cli.sources import source_options

from scenario_data import ROSTER, ROSTER_HEADER

ROOT = Path(__file__).resolve().parents[1]


def test_settings_and_the_preset_option_take_their_values_from_the_registry() -> None:
    names = list(crm.PRESETS)
    assert typing.get_args(typing.get_type_hints(InputsConfig)["preset"]) == ("", *names, "none")
    assert typing.get_args(typing.get_type_hints(OutputsConfig)["owner_changes"]) == (
        "auto",
        "canonical",
        *names,
    )

    import click

    @click.command()
    @source_options
    def probe(**kw: object) -> None:
        """(a command to read the options from)"""

    option = next(p for p in probe.params if p.name == "preset")
    assert list(option.type.choices) == [*names, "none"]  # type: ignore[attr-defined]


@pytest.mark.parametrize("preset", list(crm.PRESETS.values()), ids=list(crm.PRESETS))
def test_every_consumer_reads_the_preset(preset: crm.CrmPreset) -> None:
    # headers read with the preset, and the spellings read without it
    assert account_mapping(preset.name).items() >= dict(preset.accounts).items()
    for canon, spellings in preset.aliases.items():
        assert {_key(s) for s in spellings} <= {_key(s) for s in ACCOUNT_COLUMNS[canon]}
    # every decisive header alone marks the file as this CRM's export
    for key in sorted(preset.decisive)[:3]:
        evidence = export_evidence([key], [])
        assert evidence[preset.name][1], key
    # footer lines are dropped whoever's they are
    for pattern in preset.footer_lines:
        assert FOOTER_LINE.pattern.count(pattern) == 1
    # the bulk-update layout
    assert owner_changes_layout(preset.name)[:2] == preset.update_headers
    assert owner_changes_layout(preset.name)[2] == preset.update_owner_value


def test_no_module_but_the_registry_branches_on_a_crm_name() -> None:
    """Behaviour is never keyed on 'salesforce' or 'hubspot' outside territory/io/crm.py
    (help texts and messages may name a CRM; code may not compare with one)."""
    names = set(crm.PRESETS)
    offenders = []
    for path in sorted([*(ROOT / "territory").rglob("*.py"), *(ROOT / "cli").rglob("*.py")]):
        if path == ROOT / "territory" / "io" / "crm.py":
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            parts: list[ast.AST] = []
            if isinstance(node, ast.Compare):
                parts = [node.left, *node.comparators]
            elif isinstance(node, ast.Subscript):  # Literal["salesforce", ...], MAP["hubspot"]
                parts = [node.slice]
            elif isinstance(node, ast.Dict):  # {"salesforce": ...}
                parts = [k for k in node.keys if k is not None]
            for part in parts:
                for leaf in ast.walk(part):
                    if isinstance(leaf, ast.Constant) and leaf.value in names:
                        offenders.append(f"{path.relative_to(ROOT)}:{leaf.lineno}")
    assert not offenders, offenders


PIPEDRIVE = """

PIPEDRIVE = CrmPreset(
    name="pipedrive",
    title="Pipedrive",
    accounts={
        "Organization - ID": "account_id",
        "Organization - Name": "name",
        "Organization - Owner": "owner_id",
        "Organization - Region": "region",
        "Organization - Tier": "tier",
    },
    roster={},
    id_pattern=r"^\\d+$",
    update_headers=("Organization - ID", "Organization - Owner"),
    decisive=frozenset({"organizationowner"}),
)
"""


def test_a_new_crm_preset_is_one_module(tmp_path: Path) -> None:
    site = tmp_path / "site"
    skip = shutil.ignore_patterns("__pycache__", "*.pyc")
    shutil.copytree(ROOT / "territory", site / "territory", ignore=skip)
    shutil.copytree(ROOT / "cli", site / "territory_cli", ignore=skip)
    module = site / "territory" / "io" / "crm.py"
    text = module.read_text(encoding="utf-8")
    registry = "PRESETS: dict[str, CrmPreset] = {p.name: p for p in (SALESFORCE, HUBSPOT)}"
    assert registry in text
    module.write_text(
        text.replace(registry, PIPEDRIVE + "\n" + registry.replace("HUBSPOT)", "HUBSPOT, PIPEDRIVE)")),
        encoding="utf-8",
    )

    accounts = tmp_path / "organizations.csv"
    with open(accounts, "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(
            [
                "Organization - ID",
                "Organization - Name",
                "Organization - Owner",
                "Organization - Region",
                "Organization - Tier",
            ]
        )
        for i in range(24):
            w.writerow(
                [str(1000 + i), f"Org {i}", "Ana West" if i % 2 else "Bo West", "West", str(1 + i % 3)]
            )
    roster = tmp_path / "roster.csv"
    with open(roster, "w", newline="", encoding="utf-8") as fh:
        csv.writer(fh).writerows([ROSTER_HEADER, *[r for r in ROSTER if r[4] == "West"]])

    env = {**os.environ, "PYTHONPATH": str(site)}

    def territory(*args: str) -> subprocess.CompletedProcess[str]:
        code = "import sys, territory; assert territory.__file__.startswith(sys.argv[1]); " + (
            "from territory_cli.main import cli; cli(sys.argv[2:], prog_name='territory')"
        )
        return subprocess.run(
            [sys.executable, "-c", code, str(site), *args],
            capture_output=True,
            text=True,
            env=env,
            cwd=tmp_path,
        )

    # recognised without --preset, owners given by name matched, the CRM's update layout written
    out = territory("plan", str(accounts), str(roster), "--out", str(tmp_path / "plan"))
    assert out.returncode == 0, out.stdout + out.stderr
    assert "read as a Pipedrive export ('Organization - Owner')" in out.stdout + out.stderr
    changes = (tmp_path / "plan" / "owner_changes.csv").read_text(encoding="utf-8").splitlines()
    assert changes[0] == "Organization - ID,Organization - Owner"
    # the option and the setting accept the new name
    out = territory(
        "plan", str(accounts), str(roster), "--out", str(tmp_path / "p2"), "--preset", "pipedrive"
    )
    assert out.returncode == 0, out.stdout + out.stderr
    out = territory("settings")
    assert "'pipedrive'" in out.stdout
    # the help texts name it too, not only the lists of allowed values
    # (they read "'salesforce' or 'hubspot'" whatever the registry held)
    described = {
        key: " ".join(out.stdout.split(f"\n{key} = ")[1].split("allowed:")[0].split())
        for key in ("inputs.preset", "outputs.owner_changes")
    }
    assert "'salesforce', 'hubspot' or 'pipedrive' maps" in described["inputs.preset"], described
    assert "'pipedrive' (Organization - ID,Organization - Owner)" in described["outputs.owner_changes"], (
        described
    )
    out = territory("plan", "--help")
    assert "Salesforce, HubSpot or Pipedrive export" in " ".join(out.stdout.split()), out.stdout
