"""The live status line of ``groundswell watch``: is it keeping up, and what is it keeping?

On a terminal one line is rewritten in place twice a second; in a pipe or a log a line is
printed every ``every`` seconds instead (a log of carriage returns helps nobody).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from rich.console import Console

from groundswell.watch.writer import WatchSummary


def describe(summary: WatchSummary, seconds: float) -> str:
    """``12,345 events (2,100/s) · kept 35 (3/s) · +30 posts · lag 0.8 s · reconnects 0``."""
    seconds = max(seconds, 1e-9)
    lag = "–" if summary.lag_seconds is None else f"{summary.lag_seconds:,.1f} s"
    return (f"{summary.events:,} events ({summary.events / seconds:,.0f}/s) · kept "
            f"{summary.kept:,} ({summary.kept / seconds:,.1f}/s) · +{summary.posts_added:,} "
            f"posts, {summary.deleted:,} deleted, {summary.quarantined:,} quarantined · "
            f"lag {lag} · reconnects {summary.reconnects:,} · commits {summary.commits:,}")


@dataclass
class StatusLine:
    """Call :meth:`update` as often as you like; it prints at its own pace."""

    summary: WatchSummary
    console: Console = field(default_factory=lambda: Console(stderr=True))
    every: float = 10.0
    _last: float = 0.0
    _started: float = field(default_factory=time.monotonic)

    @property
    def live(self) -> bool:
        return self.console.is_terminal

    def update(self, force: bool = False) -> None:
        now = time.monotonic()
        if not force and now - self._last < (0.5 if self.live else self.every):
            return
        self._last = now
        text = describe(self.summary, now - self._started)
        if self.live:
            self.console.file.write("\r\x1b[2K" + text)
            self.console.file.flush()
        else:
            self.console.print(text, highlight=False, soft_wrap=True)

    def close(self) -> None:
        """The final figures, on a line of their own."""
        if self.live:
            self.console.file.write("\r\x1b[2K")
        self.console.print(describe(self.summary, time.monotonic() - self._started),
                           highlight=False, soft_wrap=True)
