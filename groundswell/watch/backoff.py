"""Reconnecting politely: waits that double after each failure, with jitter, up to a cap.

Why jitter: after a server restart every client reconnects at once; random spread keeps them
from arriving together again. Why reset: a connection that stayed up for a while was a
success, so the next drop starts from the shortest wait again.
"""

from __future__ import annotations

import random
import threading
import time


class Backoff:
    """``wait()`` before each reconnect; ``success()`` once a connection delivered events."""

    def __init__(self, first: float = 1.0, factor: float = 2.0, longest: float = 60.0,
                 jitter: float = 0.2, rng: random.Random | None = None) -> None:
        if first <= 0 or factor < 1 or longest < first:
            raise ValueError("backoff needs 0 < first <= longest and factor >= 1")
        self.first, self.factor, self.longest, self.jitter = first, factor, longest, jitter
        self.next = first
        self.failures = 0
        self._rng = rng or random.Random()

    def delay(self) -> float:
        """The next wait (seconds), and grow the one after."""
        wait = self.next * (1 + self._rng.uniform(-self.jitter, self.jitter))
        self.next = min(self.next * self.factor, self.longest)
        self.failures += 1
        return max(0.0, wait)

    def wait(self, stop: threading.Event | None = None) -> bool:
        """Sleep the next delay; False if ``stop`` was set meanwhile (give up)."""
        seconds = self.delay()
        if stop is None:
            time.sleep(seconds)
            return True
        return not stop.wait(seconds)

    def success(self) -> None:
        self.next = self.first
        self.failures = 0
