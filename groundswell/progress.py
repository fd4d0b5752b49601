"""Progress bars for long steps: shown on a terminal, silent in pipes, logs and tests."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from rich.console import Console
from rich.progress import (
    BarColumn,
    DownloadColumn,
    MofNCompleteColumn,
    Progress,
    TaskProgressColumn,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
    TransferSpeedColumn,
)


class _Rate(TextColumn):
    """Posts per second, from a counter the ingest updates alongside bytes."""

    def __init__(self) -> None:
        super().__init__("")

    def render(self, task):  # type: ignore[override]
        posts = task.fields.get("posts", 0)
        elapsed = task.elapsed or 0
        rate = posts / elapsed if elapsed > 0 else 0
        return f"{posts:,} posts · {rate:,.0f} posts/s"


@contextmanager
def byte_progress(total: int | None, description: str, console: Console | None = None
                  ) -> Iterator[tuple]:
    """Yield ``(on_bytes, on_posts)`` callbacks driving one bar."""
    console = console or Console(stderr=True)
    progress = Progress(
        TextColumn("[bold]{task.description}"), BarColumn(), DownloadColumn(),
        TransferSpeedColumn(), _Rate(), TimeRemainingColumn(), console=console,
        disable=not console.is_terminal, transient=False,
    )
    with progress:
        task = progress.add_task(description, total=total, posts=0)
        posts = 0

        def on_bytes(n: int) -> None:
            progress.advance(task, n)

        def on_posts(n: int) -> None:
            nonlocal posts
            posts += n
            progress.update(task, posts=posts)

        yield on_bytes, on_posts


@contextmanager
def count_progress(total: int, description: str, console: Console | None = None):
    """Yield an ``advance(n)`` callback for a bar counting items (e.g. simulated posts)."""
    console = console or Console(stderr=True)
    progress = Progress(
        TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(),
        TaskProgressColumn(), TimeElapsedColumn(), console=console,
        disable=not console.is_terminal,
    )
    with progress:
        task = progress.add_task(description, total=total)
        yield lambda n: progress.advance(task, n)
