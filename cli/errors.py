"""The single place where library errors become terminal messages and exit codes."""

from __future__ import annotations

import functools
import os
from collections.abc import Callable
from typing import Any, TypeVar

import click

from territory.errors import InputError, TerritoryError

F = TypeVar("F", bound=Callable[..., Any])


class TerritoryClickException(click.ClickException):
    def __init__(self, message: str, exit_code: int):
        super().__init__(message)
        self.exit_code = exit_code

    def format_message(self) -> str:
        return self.message


def report_errors(fn: F) -> F:
    """Turn any ``TerritoryError`` raised by ``fn`` into a clean message (no traceback)."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except InputError as e:
            raise TerritoryClickException(e.render(), e.exit_code) from None
        except TerritoryError as e:
            raise TerritoryClickException(str(e), e.exit_code) from None
        except (click.ClickException, click.Abort, click.exceptions.Exit, KeyboardInterrupt, BrokenPipeError):
            raise  # a closed output pipe is handled once, in main.TerritoryGroup
        except Exception as e:  # a bug: say so plainly, keep the traceback for who asks
            if os.environ.get("TERRITORY_DEBUG"):
                raise
            raise TerritoryClickException(
                f"Unexpected error, probably a bug in territory: {type(e).__name__}: {e}\n"
                "Run again with TERRITORY_DEBUG=1 to see the traceback, and please report it.",
                1,
            ) from None

    return wrapper  # type: ignore[return-value]
