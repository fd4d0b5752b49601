"""The campaign's matching rule, as SQL over the posts arriving in one update.

Why SQL and not the Ibis expressions of :mod:`groundswell.scope.matching`: the state asks the
rule of a few thousand posts at a time, inside the writer's open store, and joins the answer
with its own tables (rule 3 links a repost with an original stored before or after it, which
Ibis over the whole store would rescan). The same rule, term for term: the window on
``created_at`` (``>= start``, ``< end``), a campaign tag among the post's hashtags (joined on
``post_key``, as ``Tables.key`` joins them), the phrases as :meth:`Scope._direct_keys` tests
them (the longest word's substring first, then :func:`~groundswell.scope.phrase_pattern`, both
on the lowered text, only in replies to the origin posts when the campaign says so). The tests
compare every panel with the metrics' own over the same store.

:func:`incoming` leaves the posts it read, with what the state keeps of them, in the
temporary table ``gs_live_new`` and their keys in ``gs_live_keys``.
"""

from __future__ import annotations

import duckdb

from groundswell.campaign import Campaign
from groundswell.scope import phrase_pattern


def literal(value: object) -> str:
    """A SQL literal of a string or a timestamp."""
    if hasattr(value, "isoformat"):
        return f"TIMESTAMP '{value.isoformat(sep=' ')}'"
    return "'" + str(value).replace("'", "''") + "'"


def window_sql(campaign: Campaign | None, p: str = "p") -> str:
    """Whether a post is in the campaign's window (every post without one)."""
    if campaign is None:
        return "true"
    conds = []
    if campaign.start is not None:
        conds.append(f"{p}.created_at >= {literal(campaign.start)}")
    if campaign.end is not None:
        conds.append(f"{p}.created_at < {literal(campaign.end)}")
    return f"coalesce({' AND '.join(conds)}, false)" if conds else "true"


def phrase_sql(campaign: Campaign | None, p: str = "p") -> str:
    """Whether a post says one of the campaign's phrases (rule 2), as the Ibis rule asks."""
    if campaign is None or not campaign.phrases:
        return "false"
    text = f"lower({p}.text)"
    maybe = " OR ".join(f"contains({text}, {literal(max(ph.lower().split() or [''], key=len))})"
                        for ph in campaign.phrases)
    said = " OR ".join(f"regexp_matches({text}, {literal(phrase_pattern(ph))})"
                       for ph in campaign.phrases)
    conds = [f"({maybe})", f"({said})"]
    if campaign.phrases_only_in_replies_to_origin:
        origins = ", ".join(literal(i) for i in campaign.origin_post_ids or ("",))
        conds.insert(0, f"{p}.reply_to_post_id IN ({origins})")
    return f"coalesce({' AND '.join(conds)}, false)"


def tags_sql(campaign: Campaign | None, t: str = "t") -> str:
    """Whether a hashtag row is one of the campaign's tags (rule 1)."""
    if campaign is None:
        return "false"
    return f"{t}.tag IN ({', '.join(literal(tag) for tag in campaign.tags)})"


def window_index_sql(window_seconds: int, column: str = "created_at") -> str:
    """The trend window of a time, as :func:`groundswell.trends.batch.window_counts` numbers
    it."""
    return f"CAST(floor(epoch({column}) / {int(window_seconds)}) AS BIGINT)"


def incoming(con: duckdb.DuckDBPyConnection, campaign: Campaign | None, where: str,
             params: list | None = None) -> int:
    """Read the posts ``where`` selects into ``gs_live_new`` and ``gs_live_keys`` (see the
    module). Returns how many."""
    con.execute(f"""
        CREATE OR REPLACE TEMP TABLE gs_live_in AS
        SELECT p.post_key, hash(p.platform, p.post_id) AS h, p.platform,
               p.post_id, p.author_id, hash(p.author_id) AS ah, p.created_at, p.kind,
               p.repost_of_post_id,
               CASE WHEN p.repost_of_post_id IS NOT NULL
                    THEN hash(p.platform, p.repost_of_post_id) END AS ph,
               {window_sql(campaign)} AS in_window, {phrase_sql(campaign)} AS said
        FROM posts p WHERE {where}""", params or [])
    n, low, high = con.execute("SELECT count(*), min(post_key), max(post_key) FROM gs_live_in"
                               ).fetchall()[0]
    con.execute("CREATE OR REPLACE TEMP TABLE gs_live_keys AS SELECT post_key FROM gs_live_in")
    con.execute(f"""
        CREATE OR REPLACE TEMP TABLE gs_live_tags AS
        SELECT t.post_key, list(t.tag ORDER BY t.tag) AS tags, bool_or({tags_sql(campaign)})
               AS tagged
        FROM post_hashtags t
        WHERE t.post_key BETWEEN ? AND ? AND t.post_key IN (SELECT post_key FROM gs_live_keys)
        GROUP BY t.post_key""", [low, high])
    direct = ("i.in_window" if campaign is None
              else "i.in_window AND (coalesce(t.tagged, false) OR i.said)")
    con.execute(f"""
        CREATE OR REPLACE TEMP TABLE gs_live_new AS
        SELECT i.post_key, i.h, i.platform, i.post_id, i.author_id, i.ah, i.created_at, i.kind,
               i.repost_of_post_id, i.ph, i.in_window, {direct} AS direct, {direct} AS matched,
               CASE WHEN i.in_window THEN t.tags END AS tags
        FROM gs_live_in i LEFT JOIN gs_live_tags t USING (post_key)""")
    con.execute("DROP TABLE gs_live_in")
    con.execute("DROP TABLE gs_live_tags")
    return n
