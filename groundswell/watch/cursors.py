"""Where each live stream stands, in the store itself: one row per stream.

Why in the store, written right after the batch it covers: a cursor is never ahead of what is
stored, so a restart (or a crash between the batch and its cursor) replays at worst a few
events, and replaying is harmless (ingest is idempotent: a post stored twice is one post).
A cursor saved apart from the data could run ahead of it and lose events.
"""

from __future__ import annotations

from datetime import UTC, datetime

from groundswell.store import Store

TABLE = "watch_cursors"
_CREATE = f"""
    CREATE TABLE IF NOT EXISTS {TABLE} (
        stream      VARCHAR PRIMARY KEY,
        cursor      VARCHAR NOT NULL,
        events      BIGINT NOT NULL,
        updated_at  TIMESTAMP NOT NULL
    )"""


def save(store: Store, stream: str, cursor: str, events: int) -> None:
    """Remember ``cursor`` for ``stream`` (``events``: how many it kept in all, for the user)."""
    store.con.execute(_CREATE)
    store.con.execute(
        f"INSERT INTO {TABLE} VALUES (?, ?, ?, ?) ON CONFLICT (stream) DO UPDATE SET "
        "cursor = excluded.cursor, events = excluded.events, updated_at = excluded.updated_at",
        [stream, cursor, events, datetime.now(UTC).replace(tzinfo=None)])


def load(store: Store, stream: str) -> tuple[str, int] | None:
    """The saved ``(cursor, events)`` of ``stream``, None if it never committed."""
    if not store.has_table(TABLE):
        return None
    rows = store.con.execute(f"SELECT cursor, events FROM {TABLE} WHERE stream = ?",
                             [stream]).fetchall()
    return (rows[0][0], int(rows[0][1])) if rows else None
