"""A progress line for long runs: files done of total, throughput, ETA, errors.

On a terminal one line is redrawn in place; written to a file or pipe (a CI
log, ``2> log``) it becomes a plain line every few seconds, so logs stay
readable. The commands write it to stderr, never stdout.
"""

from __future__ import annotations

import time
from typing import TextIO

from verify.batch.progress import ProgressState
from verify.config import BATCH, BatchConfig


def _clock(seconds: float) -> str:
    seconds = round(seconds)
    return f"{seconds // 3600}:{seconds % 3600 // 60:02d}:{seconds % 60:02d}"


def describe(state: ProgressState, label: str = "batch") -> str:
    """``batch  37/200 files  3.1 files/s  ETA 0:00:52  2 errors``."""
    parts = [f"{label}  {state.done}/{state.total} files"]
    rate = state.rate
    parts.append(f"{rate:.2g} files/s" if rate else "-- files/s")
    if state.done < state.total:
        eta = state.eta
        parts.append(f"ETA {_clock(eta)}" if eta is not None else "ETA --")
    else:
        parts.append(f"took {_clock(state.elapsed)}")
    parts.append(f"{state.errors} error{'' if state.errors == 1 else 's'}")
    return "  ".join(parts)


class ProgressLine:
    """Renders `ProgressState` updates on ``stream`` (a terminal or a log)."""

    def __init__(
        self,
        stream: TextIO,
        *,
        label: str = "batch",
        tty: bool | None = None,
        config: BatchConfig = BATCH,
    ):
        self.stream = stream
        self.config = config
        self.label = label
        self.tty = stream.isatty() if tty is None else tty
        self._last_draw = float("-inf")
        self._width = 0
        self._state: ProgressState | None = None
        self._drawn: ProgressState | None = None

    def update(self, state: ProgressState) -> None:
        """Show ``state`` unless the previous update was drawn too recently."""
        self._state = state
        if self.tty:
            interval = self.config.progress_tty_interval_s
        else:
            interval = self.config.progress_log_interval_s
        now = time.monotonic()
        if now - self._last_draw >= interval:
            self._draw(state)
            self._last_draw = now

    def message(self, text: str) -> None:
        """Print a line of its own (an error) without tearing the progress line."""
        if self.tty and self._width:
            self.stream.write("\r" + " " * self._width + "\r")
            self._width = 0
        self.stream.write(text + "\n")
        if self.tty and self._state is not None:
            self._draw(self._state)
        self.stream.flush()

    def finish(self) -> None:
        """Draw the final state (unless already shown) and end the line."""
        if self._state is not None and self._state != self._drawn:
            self._draw(self._state)
        if self.tty and self._width:
            self.stream.write("\n")
            self._width = 0
        self.stream.flush()

    def _draw(self, state: ProgressState) -> None:
        self._drawn = state
        text = describe(state, self.label)
        if self.tty:
            padding = max(0, self._width - len(text))
            self.stream.write("\r" + text + " " * padding)
            self._width = len(text)
        else:
            self.stream.write(text + "\n")
        self.stream.flush()
