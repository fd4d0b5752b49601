"""The state's tables in the store: what they hold, their names, and the state's id.

Why in the store: the writer (``watch``, ``ingest --follow``) and the dashboard (``serve``) are
different processes that share one DuckDB file, opened briefly and in turn (docs/dashboard.md).
State kept in the writer's memory would be out of the dashboard's reach; state in the store is
committed with the batch it follows and read under the same lock.

Each state (one campaign definition and trend window) has its own tables, named
``live_<state>_<part>`` (``<state>`` is :func:`state_id`, 12 hex digits), and one row in
``live_states``, its marks (:mod:`~groundswell.live.marks`). Per-state tables, rather than a
``state`` column, keep every table's ``count(*)`` a metadata read (the marks compare them) and
let a state be dropped whole.

Rows that name posts and accounts hold their ids in clear, under the store's own column names
(``platform``, ``post_id``, ``author_id``, ``repost_of_post_id``), so that forgetting
(:func:`groundswell.erase.erase`) removes them by the rules it applies to every table; the
totals, which name nobody, are emptied by it when a state loses a row and recomputed from the
rows left (:meth:`groundswell.live.state.LiveState.update`).
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

import duckdb

from groundswell.campaign import Campaign

#: Bumped when a table or the meaning of a column changes: a state of another version is
#: rebuilt, never misread. The DuckDB version is part of the id too: the state keys rows by
#: DuckDB's ``hash()``, which a new DuckDB may compute differently.
STATE_VERSION = 2
PREFIX = "live_"
MARKS = "live_states"

#: The rows: one per stored post (``posts``: what the totals need of it, and whether it is in
#: the window, a direct match, matching), the rule-3 indexes (``direct``: the direct matches
#: that are not reposts, which reposts match through; ``reposts``: the reposts in the window
#: that are not direct matches, matched or waiting for their original), one per account of
#: the matching posts (``accounts``: its first post and participation, and whether it has a
#: matching post of each kind), and two mirrors of the store's: the posts hidden with
#: their account (``hidden``, to take them back when it returns) and the edits read
#: (``versions``).
ROWS: dict[str, str] = {
    "posts": """
        post_key BIGINT, h UBIGINT, platform VARCHAR, post_id VARCHAR, author_id VARCHAR,
        ah UBIGINT, created_at TIMESTAMP, kind VARCHAR, repost_of_post_id VARCHAR, ph UBIGINT,
        in_window BOOLEAN, direct BOOLEAN, matched BOOLEAN, tags VARCHAR[]""",
    "direct": """
        post_key BIGINT, h UBIGINT, platform VARCHAR, post_id VARCHAR, author_id VARCHAR""",
    "reposts": """
        post_key BIGINT, ph UBIGINT, platform VARCHAR, post_id VARCHAR, author_id VARCHAR,
        repost_of_post_id VARCHAR, matched BOOLEAN""",
    "accounts": """
        platform VARCHAR, author_id VARCHAR, ah UBIGINT, first_at TIMESTAMP,
        first_part_at TIMESTAMP, original BOOLEAN, reply BOOLEAN, quote BOOLEAN,
        repost BOOLEAN""",
    "hidden": "post_key BIGINT, platform VARCHAR, post_id VARCHAR, author_id VARCHAR",
    "versions": "platform VARCHAR, post_id VARCHAR, version VARCHAR",
}
#: The totals the panels are read from: matching posts per hour, platform and kind
#: (``hours``); per hour the accounts behind them and the new participants (``hourly``);
#: accounts per platform (``people``: ``kind`` '' for accounts, 'participant', or a post kind
#: for the accounts with a matching post of it; platform '*' for the kinds over platforms);
#: distinct accounts per tag and trend window (``windows``) and per tag its posts in the
#: window, those matching, and its highest window (``tags``).
TOTALS: dict[str, str] = {
    "hours": "hour TIMESTAMP, platform VARCHAR, kind VARCHAR, posts BIGINT",
    "hourly": "hour TIMESTAMP, accounts BIGINT, new_participants BIGINT",
    "people": "platform VARCHAR, kind VARCHAR, accounts BIGINT",
    "windows": "tag VARCHAR, w BIGINT, accounts BIGINT",
    "tags": "tag VARCHAR, posts BIGINT, matched_posts BIGINT, top BIGINT",
}
PARTS = (*ROWS, *TOTALS)

MARKS_DDL = f"""
    CREATE TABLE IF NOT EXISTS {MARKS} (
        state          VARCHAR PRIMARY KEY,
        name           VARCHAR,
        window_seconds BIGINT,
        signature      VARCHAR,
        rows           BIGINT,
        deletions_rowid BIGINT,
        max_key        BIGINT,
        matched        BIGINT,
        without_author BIGINT,
        first_post     TIMESTAMP,
        last_post      TIMESTAMP,
        outside        BIGINT,
        window_posts   BIGINT,
        lo_w           BIGINT,
        hi_w           BIGINT,
        updated_at     TIMESTAMP,
        updates        BIGINT,
        rebuilds       BIGINT
    )"""


def definition(campaign: Campaign | None, window_seconds: int) -> dict[str, Any]:
    """What the state's numbers depend on: the matching rule's inputs and the trend window
    (not the campaign's name, privacy or roles, which change no count)."""
    camp = None
    if campaign is not None:
        camp = {"tags": sorted(set(campaign.tags)), "phrases": sorted(set(campaign.phrases)),
                "only_in_replies": campaign.phrases_only_in_replies_to_origin,
                "origins": sorted(set(campaign.origin_post_ids)),
                "start": campaign.start.isoformat() if campaign.start else None,
                "end": campaign.end.isoformat() if campaign.end else None}
    return {"version": STATE_VERSION, "duckdb": duckdb.__version__, "campaign": camp,
            "window_seconds": int(window_seconds)}


def state_id(campaign: Campaign | None, window_seconds: int) -> str:
    """The state's id: a digest of :func:`definition` (12 hex digits, a table-name part)."""
    text = json.dumps(definition(campaign, window_seconds), sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()[:12]


def name(state: str, part: str) -> str:
    return f"{PREFIX}{state}_{part}"


def exists(con: duckdb.DuckDBPyConnection, table: str) -> bool:
    return bool(con.execute(
        "SELECT count(*) FROM duckdb_tables() WHERE table_name = ? AND NOT temporary "
        "AND database_name = current_database() AND schema_name = 'main'", [table]
    ).fetchall()[0][0])


def create(con: duckdb.DuckDBPyConnection, state: str) -> None:
    """The marks table and the state's tables, if missing (inside the caller's transaction)."""
    con.execute(MARKS_DDL)
    for part, columns in (*ROWS.items(), *TOTALS.items()):
        con.execute(f"CREATE TABLE IF NOT EXISTS {name(state, part)} ({columns})")


def clear(con: duckdb.DuckDBPyConnection, state: str, parts: tuple[str, ...] = PARTS) -> None:
    for part in parts:
        con.execute(f"DELETE FROM {name(state, part)}")


def drop(con: duckdb.DuckDBPyConnection, state: str) -> None:
    """Remove a state: its tables and its marks."""
    for part in PARTS:
        con.execute(f"DROP TABLE IF EXISTS {name(state, part)}")
    if exists(con, MARKS):
        con.execute(f"DELETE FROM {MARKS} WHERE state = ?", [state])


def rows(con: duckdb.DuckDBPyConnection, state: str) -> int:
    """The state's post rows: forgetting removes some behind the state's back (every other
    row it removes goes with a post row: an account's with its posts, an index's with its
    post), which the marks notice."""
    return con.execute(f"SELECT count(*) FROM {name(state, 'posts')}").fetchall()[0][0]
