"""``groundswell watch``: collect a campaign live from a platform's stream (docs/live.md)."""

from __future__ import annotations

import click

from groundswell.cli.watch_bluesky import bluesky
from groundswell.cli.watch_mastodon import mastodon


@click.group()
def watch() -> None:
    """Collect a campaign live: connect to a platform's stream and store what matches.

    Each watcher commits at least every second with its position in the stream, so a
    restart (or a dropped connection) resumes where the store is; `groundswell serve` shows
    the campaign while it runs. Ctrl-C stops with everything received committed.

    \b
      groundswell watch bluesky --db metoo.duckdb --campaign metoo.toml
      groundswell watch mastodon --db metoo.duckdb --campaign metoo.toml \\
          --instance https://mastodon.social --instance https://chaos.social
    """


watch.add_command(bluesky)
watch.add_command(mastodon)
