"""``groundswell forget``: remove an account or a post from the store, its exports and its
file, for good (docs/privacy.md#forgetting)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from groundswell.cli.common import db_option, emit_json, err, friendly_errors, json_option, out
from groundswell.store import StoreError

_ROWS = (("posts_removed", "posts"), ("reposts_removed", "reposts of them by others"),
         ("accounts_removed", "account rows"), ("handles_removed", "handle history rows"),
         ("hashtags_removed", "hashtag rows"), ("mentions_removed", "mention rows"),
         ("labels_removed", "labels"), ("quarantine_removed", "quarantined lines"),
         ("pointers_masked", "others' posts pointing at them (pointer masked)"),
         ("tombstones_added", "tombstones added"))


@click.command("forget")
@db_option
@click.option("--account", "accounts", multiple=True, metavar="ID",
              help="An account's platform id: Twitter user id, Bluesky DID, Mastodon "
                   "user@domain. Repeatable.")
@click.option("--handle", "handles", multiple=True, metavar="H",
              help="An account by any handle it was seen with (@ optional). Repeatable.")
@click.option("--post", "posts", multiple=True, metavar="ID",
              help="One post: tweet id, at:// uri, Mastodon status uri. Repeatable.")
@click.option("--ids", "ids_file", type=click.File("r", encoding="utf-8"), metavar="FILE",
              help="One id a line: account:ID, handle:H or post:ID (# comments allowed); "
                   "bare ids need --kind. '-' reads stdin.")
@click.option("--kind", type=click.Choice(["account", "handle", "post"]),
              help="What the bare ids of --ids name.")
@click.option("--platform", type=click.Choice(["twitter", "bluesky", "mastodon"]),
              help="Only on this platform (default: wherever the id is found).")
@click.option("--dry-run", is_flag=True, help="Count what would go; change nothing.")
@click.option("--no-compact", is_flag=True,
              help="Skip rewriting the file (fast, but the bytes stay until "
                   "`groundswell forget --pending`).")
@click.option("--pending", is_flag=True,
              help="Finish what earlier forgetting left due (exports, rewriting the file): "
                   "after --no-compact, or when an ingest could not.")
@json_option
@friendly_errors
def forget(db: str, accounts: tuple[str, ...], handles: tuple[str, ...],
           posts: tuple[str, ...], ids_file, kind: str | None, platform: str | None,
           dry_run: bool, no_compact: bool, pending: bool, as_json: bool) -> None:
    """Forget accounts or posts for good: the posts, reposts of them, their hashtags,
    mentions, labels and versions, the account and its handles, mentions of it, quarantined
    lines holding it, its rows in every Parquet export written since exports were recorded,
    and its bytes in the store's file (rewritten: takes time and free space in proportion to
    the store). A tombstone (a salted hash, never the id) keeps a later ingest of old files
    from bringing it back. Other people's posts stay; their pointers at it are masked.
    See docs/privacy.md#forgetting.

    \b
    Examples:
      groundswell forget --account 1359750175183540224 --db metoo.duckdb
      groundswell forget --handle @alice.bsky.social --dry-run
      groundswell forget --account ann@example.org --platform mastodon --json
      groundswell forget --post at://did:plc:abc/app.bsky.feed.post/3l2k
      groundswell forget --ids withdrawn.txt          # lines: account:ID, handle:H, post:ID
      groundswell forget --ids user_ids.txt --kind account --platform twitter
      groundswell forget --pending                    # finish after --no-compact
    """
    from groundswell.privacy import forget as forgetting

    if ids_file is not None:
        named = forgetting.parse_ids(ids_file, kind)
        accounts += tuple(named["account"])
        handles += tuple(named["handle"])
        posts += tuple(named["post"])
    elif kind is not None:
        raise click.UsageError("--kind only applies to the bare ids of --ids FILE")
    if not (accounts or handles or posts or pending):
        raise click.UsageError("nothing to forget: give --account, --handle, --post or --ids "
                               "(or --pending to finish earlier forgetting)")
    if not Path(db).is_file():
        raise StoreError(f"no store at {db} (nothing to forget)")
    from groundswell.api import Store

    with Store(db) as store:
        if accounts or handles or posts:
            result = forgetting.forget(store, accounts=accounts, handles=handles, posts=posts,
                                       platform=platform, dry_run=dry_run,
                                       compact=not no_compact)
        else:
            result = {"dry_run": False, "pending": forgetting.pending(store),
                      **forgetting.finish(store, compact=not no_compact)}
    if as_json:
        emit_json(result)
        return
    _print(result)


def _print(result: dict[str, Any]) -> None:
    head = "Would forget" if result.get("dry_run") else "Forgot"
    if "accounts_forgotten" in result:
        out.print(f"{head} {result['accounts_forgotten']} account(s) and "
                  f"{result['posts_forgotten']} named post(s):", highlight=False)
        for key, label in _ROWS:
            out.print(f"  {result[key]:>8,}  {label}", highlight=False)
        others = {t: n for t, n in result["rows_removed"].items() if n and t not in (
            "posts", "hidden_posts", "accounts", "handles", "post_hashtags", "mentions",
            "labels", "quarantine")}
        for table, n in others.items():
            out.print(f"  {n:>8,}  {table} rows", highlight=False)
    elif not result.get("pending"):
        out.print("Nothing was due.", highlight=False)
        return
    for name, values in (("not in the store (tombstoned anyway)", result.get("not_in_store")),
                         ("not found (nothing done)", result.get("not_found")),
                         ("handles held by several accounts (all of them forgotten)",
                          result.get("shared_handles"))):
        if values:
            err.print(f"{name}: {', '.join(values)}", highlight=False, soft_wrap=True)
    for path in result.get("exports_cleaned", []):
        out.print(f"export cleaned: {path}", highlight=False, soft_wrap=True)
    for refused in result.get("exports_not_cleaned", []):
        err.print(f"[yellow]export {refused['path']}:[/] {refused['reason']}",
                  highlight=False, soft_wrap=True)
    if result.get("dry_run"):
        return
    if result.get("compacted"):
        out.print("The store's file was rewritten: nothing of it remains in it.",
                  highlight=False)
    else:
        err.print("The file was not rewritten: the bytes stay in it until "
                  "`groundswell forget --pending`.", highlight=False)
