"""``groundswell watch mastodon``: see docs/live.md."""

from __future__ import annotations

import click


@click.command()
def mastodon() -> None:
    """Follow mastodon live into the store (being built: issue 24)."""
    raise click.UsageError("watch mastodon is being built (issue 24)")
