"""Help, README and settings stay documented: every command shows an example and is in the
README or docs; every setting has help text."""

from __future__ import annotations

import re
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from territory.config import describe_settings
from territory_cli.main import cli

ROOT = Path(__file__).resolve().parents[1]
COMMANDS = sorted(cli.commands)


@pytest.mark.parametrize("name", COMMANDS)
def test_command_help_has_example(name):
    result = CliRunner().invoke(cli, [name, "--help"])
    assert result.exit_code == 0
    assert "Example" in result.output, f"'territory {name} --help' shows no example"
    short = CliRunner().invoke(cli, [name, "-h"])
    assert short.exit_code == 0


@pytest.mark.parametrize("name", COMMANDS)
def test_command_is_documented(name):
    docs = (ROOT / "README.md").read_text(encoding="utf-8")
    for p in (ROOT / "docs").glob("*.md"):
        docs += p.read_text(encoding="utf-8")
    assert re.search(rf"territory {name}\b", docs), f"'territory {name}' is not in README.md or docs/"


def test_every_setting_has_help():
    for key, _default, help_text, _allowed in describe_settings():
        assert len(help_text) > 15, f"setting {key} has no help"


def test_help_examples_run_on_bundled_data():
    """Every 'territory ...' line in a help Example names files that exist in the repo."""
    for name in COMMANDS:
        cmd = cli.commands[name]
        assert isinstance(cmd, click.Command)
        for path in re.findall(r"(examples/[\w./-]+)", cmd.help or ""):
            assert (ROOT / path).exists(), f"{name} help names missing file {path}"
