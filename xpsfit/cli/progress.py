"""Progress of long commands on stderr, fit for a terminal and for a log file alike.

On a terminal the bar is redrawn in place (``\\r``), at most :data:`REDRAW_INTERVAL` apart so
that a run of many fast items does not spend its time writing to the terminal. Anywhere else
(a file, a pipe, a CI log) a plain line is written at each tenth of the work, never a bar
redrawn with carriage returns.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from typing import TextIO

__all__ = ["REDRAW_INTERVAL", "ProgressBar"]

#: Least time between two redraws of the bar on a terminal, s.
REDRAW_INTERVAL = 0.1
_WIDTH = 30


class ProgressBar:
    """A ``progress(done, total)`` callback that reports on a stream.

    Parameters
    ----------
    unit
        What is counted, e.g. ``"spectra"``.
    rate
        Also show the throughput, ``unit`` per second, since the first call.
    stream
        Where to write (default: ``sys.stderr`` at the time of each call).
    clock
        Monotonic clock, s.
    """

    def __init__(
        self,
        unit: str,
        *,
        rate: bool = False,
        stream: TextIO | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.unit = unit
        self.rate = rate
        self.stream = stream
        self.clock = clock
        self._start: tuple[float, int] | None = None
        self._last_draw = -float("inf")
        self._last_tenth = -1

    def __call__(self, done: int, total: int) -> None:
        now = self.clock()
        if self._start is None:
            self._start = (now, done)
        stream = self.stream if self.stream is not None else sys.stderr
        finished = done >= total
        text = self._text(done, total, now)
        if stream.isatty():
            if finished or now - self._last_draw >= REDRAW_INTERVAL:
                self._last_draw = now
                stream.write(f"\r{text}" + ("\n" if finished else ""))
                stream.flush()
            return
        tenth = 10 * done // max(total, 1)
        if tenth > self._last_tenth:
            self._last_tenth = tenth
            stream.write(text + "\n")
            stream.flush()

    def _text(self, done: int, total: int, now: float) -> str:
        filled = _WIDTH * min(done, total) // max(total, 1)
        text = f"[{'#' * filled}{'.' * (_WIDTH - filled)}] {done}/{total} {self.unit}"
        if self.rate and self._start is not None:
            started, first = self._start
            text += f", {(done - first) / max(now - started, 1e-9):.1f}/s"
        return text
