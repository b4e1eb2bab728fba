"""Budgets: a fit's time and memory limits, and which one ran out first.

A ``Budget`` is started when a search starts; ``spent()`` is cheap enough to call between
chunks of work. Memory is the growth of the process's resident set since the start (read from
``/proc/self/statm``; where that is missing, the peak resident set from ``resource``), so the
memory the process held before the fit does not count. ``interrupts`` turns a Ctrl-C into a
budget stop (``interrupted``): the fit returns its best front and a warm start continues it.
"""

from __future__ import annotations

import contextlib
import os
import signal
import threading
import time
from collections.abc import Callable, Iterator

MB = 1 << 20


def resident_bytes() -> int:
    """The process's resident set size in bytes (the peak where ``/proc`` is missing).

    >>> resident_bytes() > 0
    True
    """
    try:
        with open("/proc/self/statm") as fh:
            return int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        import resource
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        return peak * (1 if os.uname().sysname == "Darwin" else 1024)


class Budget:
    """Seconds and bytes a search may use from now; ``reason`` names the first one spent.

    >>> b = Budget(max_time=None, max_memory=None); b.spent(), b.reason
    (False, None)
    >>> b = Budget(max_time=0.0); b.spent(), b.reason
    (True, 'time')
    """

    def __init__(self, max_time: float | None = None, max_memory: int | None = None,
                 clock: Callable[[], float] = time.perf_counter) -> None:
        self.clock, self.start, self.base = clock, clock(), resident_bytes()
        self.max_time, self.max_memory = max_time, max_memory
        self.reason: str | None = None

    def elapsed(self) -> float:
        """Seconds since the budget started (by its ``clock``)."""
        return self.clock() - self.start

    def part(self, fraction: float = 1.0, reserve: float = 0.0) -> Budget:
        """A budget from now of ``fraction`` of the seconds left less ``reserve`` (none
        without a time limit; the same memory limit and clock): a stage's share of a fit.

        >>> ticks = iter(range(100)); b = Budget(10.0, clock=lambda: next(ticks))
        >>> b.part(0.5, reserve=2.0).max_time, Budget().part(0.5).max_time
        (3.5, None)
        """
        left = self.left()
        seconds = None if left == float("inf") else max(0.0, fraction * (left - reserve))
        return Budget(seconds, self.max_memory, self.clock)

    def left(self) -> float:
        """Seconds left (infinite without a time limit; none once interrupted).

        >>> Budget().left()
        inf
        """
        if self.reason == "interrupted":
            return 0.0
        return float("inf") if self.max_time is None else self.max_time - self.elapsed()

    def interrupt(self) -> None:
        """Spend the budget now (Ctrl-C, or a callback's KeyboardInterrupt): ``interrupted``.

        >>> b = Budget(); b.interrupt(); b.spent(), b.reason, b.left()
        (True, 'interrupted', 0.0)
        """
        self.reason = self.reason or "interrupted"

    def spent(self) -> bool:
        """Whether the time or the memory budget has run out (stays true once it has)."""
        if self.reason is None:
            if self.max_time is not None and self.elapsed() >= self.max_time:
                self.reason = "time"
            elif (self.max_memory is not None
                  and resident_bytes() - self.base > self.max_memory):
                self.reason = "memory"
        return self.reason is not None


@contextlib.contextmanager
def interrupts(*budgets: Budget) -> Iterator[None]:
    """While inside, the first Ctrl-C (SIGINT) interrupts ``budgets`` instead of raising, so a
    fit stops at its next check with its best front; a second Ctrl-C raises as usual. Only in
    the main thread (elsewhere signals cannot be caught and nothing changes).

    >>> b = Budget()
    >>> with interrupts(b):
    ...     os.kill(os.getpid(), signal.SIGINT); time.sleep(0.01)
    >>> b.reason
    'interrupted'
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    old = signal.getsignal(signal.SIGINT)

    def stop(signum: int, frame: object) -> None:
        signal.signal(signal.SIGINT, old)
        for b in budgets:
            b.interrupt()

    signal.signal(signal.SIGINT, stop)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, old)


def search_time(max_time: float | None) -> float | None:
    """The search's share of a fit's time: 80% (the rest: constants refitted on all rows,
    then near look-ups where nothing is exact).

    >>> search_time(60.0), search_time(None)
    (48.0, None)
    """
    return None if max_time is None else 0.8 * max_time
