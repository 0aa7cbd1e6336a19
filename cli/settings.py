"""`territory settings`: list every setting with its default and help."""

from __future__ import annotations

import click

from territory.config import describe_settings

from .options import CONTEXT_SETTINGS


@click.command("settings", context_settings=CONTEXT_SETTINGS)
def settings() -> None:
    """List every plan setting with its default and what it does.

    Settings go in a TOML file passed with --config, or one at a time with --set.

    Example:

    \b
        territory settings
        territory plan examples/accounts.csv examples/roster.csv --out plan-out --set balance.tier_band=0.05
    """
    for row in describe_settings():
        click.echo(f"{row.key} = {row.default}")
        click.echo(click.wrap_text(row.help, initial_indent="    ", subsequent_indent="    "))
        if row.allowed:
            click.echo(
                click.wrap_text(f"allowed: {row.allowed}", initial_indent="    ", subsequent_indent="    ")
            )
