"""The `territory` command group."""

from __future__ import annotations

import os
import signal
import sys
import threading
from typing import Any

import click

from territory import __version__

from .books import books
from .capacity import capacity
from .compare import compare, diff
from .explain import explain
from .options import CONTEXT_SETTINGS
from .plan import plan
from .report import report
from .run import run
from .score import score
from .settings import settings
from .validate import validate
from .whatif import whatif

_MAIN_PID = os.getpid()


def _stop_on_sigterm(signum: int, frame: Any) -> None:
    if os.getpid() != _MAIN_PID:
        # A worker forked a moment ago, stopped before it set its own handler
        # (territory.workers): it has written nothing yet, so it ends at once, quietly
        # (unwinding would log the SystemExit with a traceback from the pool's initializer).
        os._exit(128 + signum)
    # Unwind like Ctrl-C does: a half-built plan folder is deleted, workers are stopped.
    from territory.stops import note_stop

    note_stop(signum)  # in case the exit below is lost in a finaliser: no folder is swapped in
    raise SystemExit(128 + signum)


def _stop_on_sigint(signum: int, frame: Any) -> None:
    from territory.stops import note_stop

    note_stop(signum)
    raise KeyboardInterrupt


class TerritoryGroup(click.Group):
    """The command group; the one place that handles SIGTERM and a closed output pipe."""

    def main(self, *args: Any, **kwargs: Any) -> Any:
        from territory.memory import prefer_small_pages
        from territory.stops import STOPPED

        prefer_small_pages()  # (faster and steadier at 10^6 accounts: see territory.memory)
        STOPPED.clear()  # (a test may run several commands in one process)
        previous = previous_int = None
        if threading.current_thread() is threading.main_thread():
            previous = signal.signal(signal.SIGTERM, _stop_on_sigterm)
            if signal.getsignal(signal.SIGINT) is signal.default_int_handler:
                previous_int = signal.signal(signal.SIGINT, _stop_on_sigint)
        try:
            return super().main(*args, **kwargs)
        except BrokenPipeError:
            # `territory diff A B | head`: the reader has what it wanted. Say nothing more
            # (stdout now goes nowhere, so the exit-time flush cannot fail again).
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, sys.stdout.fileno())
            sys.exit(1)
        finally:
            if previous is not None:
                signal.signal(signal.SIGTERM, previous)
            if previous_int is not None:
                signal.signal(signal.SIGINT, previous_int)


@click.group(cls=TerritoryGroup, context_settings=CONTEXT_SETTINGS)
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
cli.add_command(report)
cli.add_command(settings)
cli.add_command(whatif)
cli.add_command(compare)
cli.add_command(diff)
cli.add_command(run)
cli.add_command(capacity)
cli.add_command(explain)
