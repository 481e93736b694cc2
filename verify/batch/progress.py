"""Where a long run stands: files done of total, throughput, ETA, errors.

`verify.cli.progress` draws it for people.
"""

from __future__ import annotations

import dataclasses


@dataclasses.dataclass(frozen=True)
class ProgressState:
    """Where a run stands. ``processed`` counts files worked on in this run (not skipped)."""

    total: int
    done: int
    errors: int
    processed: int
    elapsed: float  # seconds since work started in this run

    @property
    def rate(self) -> float | None:
        """Files per second over this run's processed files."""
        if self.processed == 0 or self.elapsed <= 0:
            return None
        return self.processed / self.elapsed

    @property
    def eta(self) -> float | None:
        rate = self.rate
        return (self.total - self.done) / rate if rate else None
