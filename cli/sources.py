"""Options that say where the accounts come from: a CRM preset, a sheet, a database table."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import click

from territory.io.crm import NO_PRESET, PRESET_TITLES_TEXT, PRESETS


def source_options(fn: Callable[..., Any]) -> Callable[..., Any]:
    """--preset, --sheet, --table, --query (they default to the [inputs] settings)."""
    fn = click.option(
        "--query",
        default=None,
        metavar="SQL",
        help="With a database URL as ACCOUNTS: the SQL query returning the accounts.",
    )(fn)
    fn = click.option(
        "--table",
        default=None,
        metavar="NAME",
        help="With a database URL as ACCOUNTS (e.g. sqlite:///crm.db): the accounts table.",
    )(fn)
    fn = click.option(
        "--sheet", default=None, metavar="NAME", help="Worksheet to read when ACCOUNTS is an XLSX workbook."
    )(fn)
    fn = click.option(
        "--preset",
        type=click.Choice([*PRESETS, NO_PRESET], case_sensitive=False),
        default=None,
        help=f"Read ACCOUNTS as a {PRESET_TITLES_TEXT} export, as exported; "
        "owner_changes.csv then comes out in that CRM's bulk-update form. Without it a "
        "clear export gets its preset (said in one line); 'none' reads the columns as they are.",
    )(fn)
    return fn


def source_kwargs(
    preset: str | None, sheet: str | None, table: str | None, query: str | None
) -> dict[str, Any]:
    """Keyword arguments for ``territory.load_input`` (only those given)."""
    out: dict[str, Any] = {}
    if preset is not None:
        out["preset"] = preset.lower()
    for k, v in (("sheet", sheet), ("table", table), ("query", query)):
        if v is not None:
            out[k] = v
    return out
