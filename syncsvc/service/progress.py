"""How far a long run has got: a redrawn bar on a terminal, plain lines anywhere else.

The sync loop reports `update(done, total)` after each order; `close()` ends
the display. `progress_for(stream)` picks the bar only when the stream is a
terminal, so logs and pipes get lines they can keep (no carriage returns).
"""

from __future__ import annotations

import sys
import time
from typing import Protocol, TextIO


class Progress(Protocol):
    def update(self, done: int, total: int) -> None: ...

    def close(self) -> None: ...


class NoProgress:
    """Reports nothing (the default for callers that do not ask)."""

    def update(self, done: int, total: int) -> None:
        pass

    def close(self) -> None:
        pass


class TtyBar:
    """`label [#########-----------]  120/240  50%`, redrawn in place at most every `interval` seconds."""

    def __init__(self, stream: TextIO, label: str = "orders", width: int = 30, interval: float = 0.1,
                 min_total: int = 0) -> None:
        self.stream, self.label, self.width, self.interval = stream, label, width, interval
        self.min_total = min_total
        self._last_draw = 0.0
        self._drawn = False
        self._state = (0, 0)

    def update(self, done: int, total: int) -> None:
        if total < self.min_total:
            return
        self._state = (done, total)
        now = time.monotonic()
        if done >= total or now - self._last_draw >= self.interval:
            self._last_draw = now
            self._draw(done, total)

    def _draw(self, done: int, total: int) -> None:
        share = done / total if total else 1.0
        filled = int(self.width * share)
        bar = "#" * filled + "-" * (self.width - filled)
        digits = len(str(total))
        self.stream.write(f"\r  {self.label} [{bar}] {done:>{digits}}/{total} {share:4.0%}")
        self.stream.flush()
        self._drawn = True

    def close(self) -> None:
        if self._drawn:
            self._draw(*self._state)
            self.stream.write("\n")
            self.stream.flush()
            self._drawn = False


class PlainLines:
    """One line per `step` share of the way (default every 10 %), plus the last one."""

    def __init__(self, stream: TextIO, label: str = "orders", step: float = 0.1, min_total: int = 0) -> None:
        self.stream, self.label, self.step, self.min_total = stream, label, step, min_total
        self._next_share = 0.0
        self._last: tuple[int, int] | None = None

    def update(self, done: int, total: int) -> None:
        if total < self.min_total:
            return
        share = done / total if total else 1.0
        if share + 1e-9 >= self._next_share or done >= total:
            if self._last != (done, total):
                self.stream.write(f"  {self.label}: {done}/{total} ({share:.0%})\n")
                self.stream.flush()
                self._last = (done, total)
            while self._next_share <= share + 1e-9:
                self._next_share += self.step

    def close(self) -> None:
        pass


# Runs shorter than this finish before a display would tell anyone anything.
LONG_RUN = 50


def progress_for(stream: TextIO | None = None, label: str = "orders", min_total: int = LONG_RUN) -> Progress:
    """A bar when `stream` (default stdout) is a terminal, plain lines otherwise; silent for
    runs of fewer than `min_total` orders."""
    stream = stream or sys.stdout
    isatty = getattr(stream, "isatty", None)
    if isatty is not None and isatty():
        return TtyBar(stream, label, min_total=min_total)
    return PlainLines(stream, label, min_total=min_total)
