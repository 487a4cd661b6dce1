"""Progress lines on stderr: stage changes with the elapsed time, a spinner on a terminal."""

from __future__ import annotations

import itertools
import sys
import time
from typing import TextIO

from pipeline_core.units import format_size


def human_size(size: float) -> str:
    return format_size(size)


class Progress:
    """Stage changes as lines with the elapsed time; on a terminal also a spinner line while waiting."""

    def __init__(self, stream: TextIO | None = None, *, quiet: bool = False) -> None:
        self.stream = stream if stream is not None else sys.stderr
        self.quiet = quiet
        self.tty = self.stream.isatty()
        self.started = time.monotonic()
        self._spinner = itertools.cycle("|/-\\")
        self._waiting = False
        self._last_transfer = 0.0
        self._quarters_shown = 0

    def elapsed(self) -> float:
        return time.monotonic() - self.started

    def stage(self, message: str) -> None:
        if self.quiet:
            return
        self._clear()
        self.stream.write(f"[{self.elapsed():6.1f}s] {message}\n")
        self.stream.flush()

    def waiting(self, what: str) -> None:
        if self.quiet or not self.tty:
            return
        self.stream.write(f"\r{next(self._spinner)} waiting for {what} ({self.elapsed():.0f} s) ")
        self.stream.flush()
        self._waiting = True

    def transfer(self, sent: int, total: int) -> None:
        """Bytes sent so far: a line rewritten in place on a terminal, else a line at each quarter."""
        if self.quiet or total <= 0:
            return
        percent = min(100, sent * 100 // total)
        if self.tty:
            now = time.monotonic()
            if percent < 100 and now - self._last_transfer < 0.2:
                return
            self._last_transfer = now
            self.stream.write(f"\r  sent {percent:3d}% ({human_size(sent)} of {human_size(total)}) ")
            self.stream.flush()
            self._waiting = True
            if percent == 100:
                self._clear()
            return
        quarter = percent // 25
        if quarter > self._quarters_shown:
            self._quarters_shown = quarter
            self.stage(f"sent {quarter * 25}% ({human_size(sent)} of {human_size(total)})")
        if percent == 100:
            self._quarters_shown = 0  # ready for the next transfer

    def _clear(self) -> None:
        if self._waiting:
            self.stream.write("\r\033[K")
            self._waiting = False
