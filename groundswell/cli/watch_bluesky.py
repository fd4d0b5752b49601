"""``groundswell watch bluesky``: see docs/live.md."""

from __future__ import annotations

import click

from groundswell import api
from groundswell.campaign import Campaign
from groundswell.cli.common import db_option, emit_json, friendly_errors, json_option, out
from groundswell.cli.watching import watching
from groundswell.watch.endpoints import DEFAULT_ENDPOINT, subscribe_url
from groundswell.watch.jetstream import REWIND
from groundswell.watch.writer import COMMIT_EVERY


@click.command()
@db_option
@json_option
@click.option("--campaign", "campaign_file", type=click.Path(dir_okay=False),
              help="Campaign file: what to keep (required unless --all).")
@click.option("--endpoint", default=DEFAULT_ENDPOINT, show_default=True, metavar="URL",
              help="Jetstream's subscribe URL (any public instance, or your own).")
@click.option("--rewind", type=click.FloatRange(min=0), default=REWIND, show_default=True,
              metavar="SECONDS",
              help="Resume this many seconds before the stored cursor (events read twice "
                   "change nothing).")
@click.option("--all", "keep_all", is_flag=True,
              help="Keep every post, repost, delete and account event, not only a "
                   "campaign's (an archive of the stream).")
@click.option("--commit-every", type=click.FloatRange(min=0.01), default=COMMIT_EVERY,
              show_default=True, metavar="SECONDS", help="Commit at least this often.")
@click.option("--exit-when-closed", is_flag=True,
              help="Stop when the server ends the stream normally instead of reconnecting "
                   "(a finite replay: your own Jetstream replaying a window, tests).")
@friendly_errors
def bluesky(db: str, as_json: bool, campaign_file: str | None, endpoint: str, rewind: float,
            keep_all: bool, commit_every: float, exit_when_closed: bool) -> None:
    """Collect a campaign live from Bluesky's firehose (Jetstream) into the store.

    Jetstream cannot filter by tag, so every post and repost of the network is read and
    what the campaign needs is kept: posts with its tags (variants and response tags too)
    or phrases, its origin posts, replies in their threads, their reposts and deletes, and
    their authors' handle and account changes. Everything kept is committed at least every
    second with the stream's cursor: a restart, or a dropped connection, resumes where the
    store is. A status line shows events/s, kept/s, the lag behind the network and the
    reconnects; Ctrl-C stops with everything received committed (docs/live.md).

    \b
    Examples:
      groundswell watch bluesky --db metoo.duckdb --campaign metoo.toml
      groundswell watch bluesky --db metoo.duckdb --campaign metoo.toml \\
          --endpoint wss://jetstream1.us-west.bsky.network/subscribe
      groundswell watch bluesky --db firehose.duckdb --all
      groundswell serve --db metoo.duckdb --campaign metoo.toml   # meanwhile, to watch it
    """
    if campaign_file is None and not keep_all:
        raise click.UsageError("give --campaign FILE (what to keep), or --all to keep every "
                               "event")
    if campaign_file is not None and keep_all:
        raise click.UsageError("--all keeps every event: leave out --campaign")
    campaign = Campaign.load(campaign_file) if campaign_file is not None else None
    subscribe_url(endpoint, None)  # a bad --endpoint fails before anything starts
    what = "every event" if campaign is None else f"what {campaign.name} needs"
    with watching(f"Watching Bluesky ({endpoint}) into {db}, keeping {what}") as session:
        summary = api.watch_bluesky(db, campaign, endpoint=endpoint, keep_all=keep_all,
                                    rewind=rewind, stop=session.stop,
                                    commit_every=commit_every, status=session.status,
                                    log=session.log, exit_when_closed=exit_when_closed)
    if as_json:
        emit_json(summary.as_dict())
        return
    out.print(f"[bold]{summary.kept:,}[/] of {summary.events:,} events kept: "
              f"[green]{summary.posts_added:,} posts added[/], {summary.deleted:,} deleted, "
              f"[yellow]{summary.quarantined:,} quarantined[/], {summary.reconnects:,} "
              f"reconnects, {summary.commits:,} commits; cursor {summary.cursor or '–'} "
              f"({summary.kept_before + summary.kept:,} events kept in all)", highlight=False)
    if summary.quarantined:
        out.print(f"  see them with: groundswell quarantine --db {db}", highlight=False)
