"""What every ``groundswell watch`` command shares on the terminal: the status line, messages
that do not garble it, and Ctrl-C — the first stops cleanly (everything received committed),
a second quits at once."""

from __future__ import annotations

import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from groundswell.cli.common import err
from groundswell.watch.status import StatusLine
from groundswell.watch.writer import WatchSummary


@dataclass
class Session:
    """Hand :attr:`stop`, :meth:`status` and :meth:`log` to a watcher."""

    stop: threading.Event = field(default_factory=threading.Event)
    line: StatusLine | None = None

    def status(self, summary: WatchSummary) -> None:
        if self.line is None:
            self.line = StatusLine(summary, console=err)
        self.line.update()

    def log(self, message: str) -> None:
        if self.line is not None and self.line.live:
            err.file.write("\r\x1b[2K")  # the status line is redrawn after the message
        err.print(message, highlight=False, soft_wrap=True)


@contextmanager
def watching(banner: str) -> Iterator[Session]:
    """Print ``banner``, route Ctrl-C to a clean stop while the block runs, then print the
    final status line."""
    session = Session()

    def on_interrupt(signum, frame) -> None:  # noqa: ARG001
        session.log("stopping: committing what was received (Ctrl-C again to quit now)")
        session.stop.set()
        signal.signal(signal.SIGINT, signal.default_int_handler)

    in_main = threading.current_thread() is threading.main_thread()
    previous = signal.signal(signal.SIGINT, on_interrupt) if in_main else None
    err.print(f"{banner} (Ctrl-C stops)", highlight=False, soft_wrap=True)
    try:
        yield session
    finally:
        if in_main:
            signal.signal(signal.SIGINT, previous)
        if session.line is not None:
            session.line.close()
