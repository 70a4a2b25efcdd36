"""What the connectivity stage logs: progress of its long loops (solves, links, Omniscape targets) and peaks."""

from __future__ import annotations

import logging
import time

import numpy as np


class Progress:
    """Log 'done i of n' with the time elapsed and left, at most every ``every`` seconds.

    Parameters
    ----------
    what : str
        What is counted, the head of every message (e.g. ``"pairwise solves"``).
    total : int
        Number of steps.
    log : logging.Logger
        Logger of the module whose loop this is, so the messages say where they come from.
    every : float
        Least number of seconds between two messages (0: every step); the last step
        is always logged.
    """

    def __init__(self, what: str, total: int, log: logging.Logger, every: float = 10.0):
        self.what, self.total, self.log, self.every = what, total, log, every
        self.done = 0
        self.start = self.last = time.perf_counter()

    @property
    def elapsed(self) -> float:
        """Seconds since the loop started."""
        return time.perf_counter() - self.start

    def step(self, n: int = 1, detail: str = "") -> None:
        """Count ``n`` steps done; ``detail`` (e.g. the link) goes into the message."""
        self.done += n
        now = time.perf_counter()
        if now - self.last >= self.every or self.done == self.total:
            self.last = now
            elapsed = now - self.start
            left = elapsed / self.done * (self.total - self.done) if self.done else float("nan")
            self.log.info(
                "%s: %s%d of %d done, %.1f s elapsed, about %.1f s left",
                self.what,
                f"{detail}, " if detail else "",
                self.done,
                self.total,
                elapsed,
                left,
            )


def finite_max(values) -> float:
    """Largest finite value of an array, 0.0 when it has none: the peaks the rules log."""
    values = np.asarray(values, dtype=np.float64)
    finite = np.isfinite(values)
    return float(values[finite].max()) if finite.any() else 0.0
