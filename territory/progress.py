"""One shape for progress callbacks, used by every long-running library function.

A function that takes ``progress`` calls it as ``progress(stage, done, total, item)``:

* ``stage``: what is under way, one of ``STAGES`` (a function doing several things, such as
  ``territory.runner.plan_to_folder``, reports each under its own stage);
* ``done`` of ``total`` steps are finished; a call with ``done == 0`` announces the stage
  before its first step ends, and ``done == total`` closes it;
* ``item``: the name of the step just finished when steps have names (a scenario, a book's
  file name, a product), else ``""``.

The library never prints: the CLI's ``StageBars`` (``territory_cli.options``) is the one
adapter from these calls to progress bars, and tests pass plain functions or lists'
``append``. ``None`` (the default everywhere) reports nothing.
"""

from __future__ import annotations

from typing import Protocol

SOLVE = "solve"  # pools of the balancing model solved
ANYWAY = "anyway"  # the plan without the lock rules solved (summary.json's kept_anyway)
REQUESTS = "requests"  # managers' requests priced, one solve each (territory.requests)
SWEEP = "sweep"  # caps of a balance-versus-moves sweep solved
SCENARIOS = "scenarios"  # what-if scenarios planned (item: the scenario's name)
BOOKS = "books"  # PDF books rendered (item: the book's file name)
SCORE = "score"  # ICP products scored (item: the product's name)
STAGES = (SOLVE, ANYWAY, REQUESTS, SWEEP, SCENARIOS, BOOKS, SCORE)


class Progress(Protocol):
    """``progress(stage, done, total, item="")``: see the module docstring."""

    def __call__(self, stage: str, done: int, total: int, item: str = "") -> None: ...


def no_progress(stage: str, done: int, total: int, item: str = "") -> None:
    """The callback that reports nothing."""


def reporter(progress: Progress | None) -> Progress:
    """``progress``, or ``no_progress`` for None: call the result without checking."""
    return progress if progress is not None else no_progress
