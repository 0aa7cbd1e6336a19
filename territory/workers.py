"""Worker processes that live and die with the process that started them.

``territory books`` renders and ``territory whatif`` solves in forked worker processes.
``process_pool`` makes sure none of them outlives its parent or keeps writing:

- each worker asks Linux to send it SIGTERM when its parent dies (``PR_SET_PDEATHSIG``,
  which covers a parent killed with SIGKILL); elsewhere a thread polls ``os.getppid()``;
- on SIGTERM a worker deletes the temporary file it is writing (``territory.io.writing``
  keeps the list) and exits at once, so a stopped run leaves neither stray processes nor
  ``.tmp`` files;
- workers ignore SIGINT: Ctrl-C reaches the whole terminal process group, and it is the
  parent's to handle; when the parent stops on an error, Ctrl-C or SIGTERM, ``process_pool``
  cancels the queued work and terminates the workers before the exception goes on.
"""

from __future__ import annotations

import ctypes
import multiprocessing
import os
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from typing import Any

_PR_SET_PDEATHSIG = 1


def _stop(signum: int = signal.SIGTERM, frame: Any = None) -> None:
    """Delete the temporary files this worker is writing, then exit without cleanup."""
    from .io.writing import IN_PROGRESS

    for tmp in list(IN_PROGRESS):
        try:
            os.unlink(tmp)
        except OSError:
            pass
    os._exit(128 + signum)


def _watch_parent(parent: int) -> None:
    while True:
        if os.getppid() != parent:
            _stop()
        time.sleep(0.5)


def worker_started(parent: int) -> None:
    """Call first thing in a worker process forked from ``parent``."""
    from .io.writing import IN_PROGRESS

    IN_PROGRESS.clear()  # the parent's, inherited by the fork
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, _stop)
    if signal.SIGTERM in _DEFERRED:  # stopped between the fork and this handler
        _stop()
    armed = False
    if sys.platform.startswith("linux"):
        try:
            libc = ctypes.CDLL(None, use_errno=True)
            armed = libc.prctl(_PR_SET_PDEATHSIG, signal.SIGTERM, 0, 0, 0) == 0
        except (OSError, AttributeError):
            armed = False
    if os.getppid() != parent:  # the parent died before we could ask to be told
        _stop()
    if not armed:
        threading.Thread(target=_watch_parent, args=(parent,), daemon=True).start()


def _init(parent: int, initializer: Callable[..., Any] | None, initargs: tuple[Any, ...]) -> None:
    worker_started(parent)
    if initializer is not None:
        initializer(*initargs)


def stop_workers(pool: ProcessPoolExecutor, grace: float = 2.0) -> None:
    """Cancel the queued work and terminate the workers now (SIGTERM, then SIGKILL)."""
    processes = list((getattr(pool, "_processes", None) or {}).values())
    manager = getattr(pool, "_executor_manager_thread", None)
    pool.shutdown(wait=False, cancel_futures=True)
    for p in processes:
        if p.is_alive():
            p.terminate()
    deadline = time.monotonic() + grace
    for p in processes:
        p.join(max(0.0, deadline - time.monotonic()))
        if p.is_alive():
            p.kill()
            p.join(1.0)
    # Wait for the pool's manager thread to see its workers gone and close its wake-up pipe.
    # Left running, it races the interpreter's exit hook, which then writes to the pipe as it
    # closes and prints "Exception ignored ... OSError: Bad file descriptor" with a traceback
    # after a `kill` (CPython 3.11, concurrent.futures.process._python_exit).
    if manager is not None and manager.is_alive():
        manager.join(max(1.0, deadline - time.monotonic()))


_STOPS = (signal.SIGTERM, signal.SIGINT)
_DEFERRED: list[int] = []


@contextmanager
def _stops_deferred() -> Iterator[None]:
    """SIGTERM and Ctrl-C wait until the block is over (then act as usual).

    Forking runs the interpreter's at-fork hooks (logging's lock release, ...), and an
    exception raised by a signal handler inside one of them is printed as "Exception ignored
    ... Traceback" and lost; the pool forks its workers in ``submit``, so it submits with the
    stops deferred.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    _DEFERRED.clear()
    previous = {s: signal.getsignal(s) for s in _STOPS}
    for s in _STOPS:
        signal.signal(s, lambda signum, _frame: _DEFERRED.append(signum))
    try:
        yield
    finally:
        for s, handler in previous.items():
            signal.signal(s, handler)
        pending, _DEFERRED[:] = list(_DEFERRED), []
        for signum in dict.fromkeys(pending):
            signal.raise_signal(signum)


class _Pool(ProcessPoolExecutor):
    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Any:
        with _stops_deferred():
            return super().submit(fn, *args, **kwargs)


@contextmanager
def process_pool(
    workers: int, initializer: Callable[..., Any] | None = None, initargs: tuple[Any, ...] = ()
) -> Iterator[ProcessPoolExecutor]:
    """A forked ``ProcessPoolExecutor`` whose workers never outlive this process.

    On leaving the block normally it waits for the work, as usual; on any exception
    (KeyboardInterrupt and SystemExit included) it stops the workers first.
    """
    ctx = multiprocessing.get_context("fork")
    pool = _Pool(workers, mp_context=ctx, initializer=_init, initargs=(os.getpid(), initializer, initargs))
    try:
        yield pool
    except BaseException:
        stop_workers(pool)
        raise
    pool.shutdown(wait=True)


def fork_available() -> bool:
    return "fork" in multiprocessing.get_all_start_methods()
