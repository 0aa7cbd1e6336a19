"""A stop (SIGTERM, Ctrl-C) the command line received, remembered.

The CLI's signal handlers raise at once (SystemExit, KeyboardInterrupt) and also note the
signal here, because Python drops an exception raised while a finaliser or an at-fork hook
runs ("Exception ignored in ..."): a plan folder or a set of books is then about to be swapped
in although the user asked to stop. ``check_stopped`` is called right before such a swap.
"""

from __future__ import annotations

import signal

STOPPED: list[int] = []


def note_stop(signum: int) -> None:
    STOPPED.append(signum)


def check_stopped() -> None:
    """Raise what the first stop should have raised, if a stop was received."""
    if not STOPPED:
        return
    signum = STOPPED[0]
    if signum == signal.SIGINT:
        raise KeyboardInterrupt
    raise SystemExit(128 + signum)
