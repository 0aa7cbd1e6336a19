"""How a territory process takes memory from the system.

A plan of a million accounts touches 2-4 GB of fresh memory over its run. On a virtual
machine that hands free memory back to its host (free page reporting, as on the machine
the benchmarks run on), each transparent huge page (2 MB) a process touches first has to
be found whole, and backed again by the host: in ``docs/benchmarks.md`` that was 2.5-3.5 s
of system time in loading XL alone, and the main cause of the same run taking 3.5 s one
time and 6.6 s the next. Ordinary 4 kB pages come from memory the kernel has at hand.
"""

from __future__ import annotations

import ctypes
import sys

_PR_SET_THP_DISABLE = 41
_done = False


def prefer_small_pages() -> bool:
    """Ask Linux to back this process, and the processes it forks (the solve's and the
    books' workers), with ordinary pages rather than transparent huge pages.

    Once per process; True when the kernel took it. Elsewhere (or on an old kernel) it does
    nothing and returns False: only the speed differs, never a result.
    """
    global _done
    if _done:
        return True
    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        _done = libc.prctl(_PR_SET_THP_DISABLE, 1, 0, 0, 0) == 0
    except (OSError, AttributeError):
        return False
    return _done
