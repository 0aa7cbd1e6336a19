"""The `territory` command group."""

from __future__ import annotations

import click

from territory import __version__

from .books import books
from .compare import compare, diff
from .options import CONTEXT_SETTINGS
from .plan import plan
from .run import run
from .score import score
from .settings import settings
from .validate import validate
from .whatif import whatif


@click.group(context_settings=CONTEXT_SETTINGS)
@click.version_option(__version__, "-V", "--version", prog_name="territory")
def cli() -> None:
    """Plan balanced sales territories and print a book for every rep.

    \b
    Typical quarter:
      territory plan examples/accounts.csv examples/roster.csv --out plan-out
      territory books plan-out --out plan-out/books
    """


cli.add_command(plan)
cli.add_command(score)
cli.add_command(validate)
cli.add_command(books)
cli.add_command(settings)
cli.add_command(whatif)
cli.add_command(compare)
cli.add_command(diff)
cli.add_command(run)
