"""``groundswell watch mastodon``: see docs/live.md (Mastodon) and
:mod:`groundswell.watch.mastodon`."""

from __future__ import annotations

from datetime import UTC, datetime

import click

from groundswell import api
from groundswell.cli.common import db_option, emit_json, friendly_errors, json_option, out
from groundswell.cli.watching import watching
from groundswell.watch.mastodon import POLL_EVERY, TOKEN_ENV


def _since(value: str | None) -> datetime | None:
    if value is None:
        return None
    try:
        when = datetime.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"{value!r}: give a date, e.g. 2025-10-15 or "
                                 "2025-10-15T20:00Z", param_hint="--since") from None
    return when if when.tzinfo else when.replace(tzinfo=UTC)


@click.command()
@db_option
@json_option
@click.option("--campaign", "campaign_file", required=True, type=click.Path(dir_okay=False),
              help="Campaign file (TOML): its main tag, variants and response tags are "
                   "followed.")
@click.option("--instance", "instance_urls", required=True, multiple=True, metavar="URL",
              help="A Mastodon server to follow the tags on (repeat for several): "
                   "https://mastodon.social. A post seen on several is stored once.")
@click.option("--token-env", default=TOKEN_ENV, show_default=True, metavar="NAME",
              help="Environment variable holding an access token, for servers that require "
                   "one; NAME_<HOST> (e.g. NAME_MASTODON_SOCIAL) for one server among several.")
@click.option("--poll", "poll_every", default=POLL_EVERY, show_default=True,
              type=click.FloatRange(min=0.01), metavar="SECONDS",
              help="Seconds between two reads of a tag's timeline when polling.")
@click.option("--no-stream", is_flag=True,
              help="Poll the tag timelines only (no streaming connection).")
@click.option("--since", default=None, metavar="DATE",
              help="On a first run, read back what the servers still have since DATE "
                   "(default: the newest page of each tag, then live).")
@friendly_errors
def mastodon(db: str, as_json: bool, campaign_file: str, instance_urls: tuple[str, ...],
             token_env: str, poll_every: float, no_stream: bool, since: str | None) -> None:
    """Follow a campaign's hashtags on Mastodon servers, live, into the store.

    Each server's hashtag streams are followed (server-sent events); when a server refuses
    streaming, its tag timelines are polled instead. A reconnect or a restart reads each
    timeline from where the store stands, so nothing is missed in between. Commits at least
    every second; Ctrl-C stops with everything received committed. Servers that require a
    token read it from $GROUNDSWELL_MASTODON_TOKEN (one server) or
    $GROUNDSWELL_MASTODON_TOKEN_<HOST> (docs/live.md).

    \b
    Examples:
      groundswell watch mastodon --db hanna.duckdb --campaign hanna.toml \\
          --instance https://mastodon.social --instance https://chaos.social
      GROUNDSWELL_MASTODON_TOKEN=… groundswell watch mastodon --campaign hanna.toml \\
          --instance mastodon.social --no-stream --poll 60
    """
    when = _since(since)
    with watching(f"Watching {', '.join(instance_urls)} into {db}") as session:
        summary = api.watch_mastodon(db, campaign_file, instance_urls, token_env=token_env,
                                     stop=session.stop, stream=not no_stream,
                                     poll_every=poll_every, since=when,
                                     status=session.status, log=session.log)
    if as_json:
        emit_json(summary.as_dict())
        return
    out.print(f"[bold]{summary.kept:,}[/] events kept from {len(summary.instances)} "
              f"server(s): [green]{summary.posts_added:,} posts added[/], "
              f"{summary.deleted:,} deleted, [yellow]{summary.quarantined:,} quarantined[/], "
              f"{summary.reconnects:,} reconnects, {summary.commits:,} commits",
              highlight=False)
    for stream, why in summary.polling.items():
        out.print(f"  polled {stream}: {why}", highlight=False)
    if summary.quarantined:
        out.print(f"  see them with: groundswell quarantine --db {db}", highlight=False)
