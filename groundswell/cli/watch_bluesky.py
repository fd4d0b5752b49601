"""``groundswell watch bluesky``: see docs/live.md."""

from __future__ import annotations

import click


@click.command()
def bluesky() -> None:
    """Follow bluesky live into the store (being built: issue 24)."""
    raise click.UsageError("watch bluesky is being built (issue 24)")
