"""Helpers shared by tests (importable as ``helpers`` thanks to pytest's ``pythonpath``)."""

from __future__ import annotations

from pathlib import Path

import pytest

from groundswell.schema import KEYED_TABLES, POST_KEY

CORPORA = Path(__file__).resolve().parents[1].parent / "shared" / "corpora"
#: The tables an ingest writes: what "the same tables" means in tests.
DATA_TABLES = ("posts", "accounts", "post_hashtags", "mentions", "deletions", "quarantine",
               "handles", "post_versions", "local_ids", "hidden_posts", "account_deletions")


def corpus(*parts: str) -> Path:
    """A file of the shared real corpora; skips the test with a reason if they are absent."""
    if not CORPORA.is_dir():
        pytest.skip(f"real corpora not found at {CORPORA} (clone the repo beside ../shared)")
    return CORPORA.joinpath(*parts)


def table_rows(store, table: str, post_keys: bool = False) -> list[tuple]:
    """Every row of a table, sorted: for 'nothing changed' comparisons. Without the posts'
    keys (unless asked), numbers that depend on batch order (``schema.POST_KEY``): their
    integrity is checked instead."""
    columns = [c for c, in store.con.execute(
        "SELECT column_name FROM duckdb_columns() WHERE table_name = ? "
        "AND database_name = current_database() ORDER BY column_index", [table]).fetchall()]
    if POST_KEY in columns:
        assert_post_keys(store)
        if not post_keys:
            columns.remove(POST_KEY)
    return sorted(store.con.execute(f"SELECT {', '.join(columns)} FROM {table}").fetchall(),
                  key=repr)


def assert_post_keys(store) -> None:
    """Every post has its own key, and every hashtag and mention row its post's key."""
    con = store.con
    [(posts, keys, missing)] = con.execute(
        f"SELECT count(*), count(DISTINCT {POST_KEY}), count(*) - count({POST_KEY}) "
        "FROM posts").fetchall()
    assert missing == 0 and keys == posts, (posts, keys, missing)
    for table in KEYED_TABLES[1:]:  # the posts' hashtags and mentions
        [(wrong,)] = con.execute(
            f"SELECT count(*) FROM {table} d LEFT JOIN posts p USING (platform, post_id) "
            f"WHERE d.{POST_KEY} IS DISTINCT FROM p.{POST_KEY}").fetchall()
        assert wrong == 0, f"{wrong} rows of {table} without their post's key"


def all_rows(store, post_keys: bool = False) -> dict[str, list[tuple]]:
    """Every row of every table an ingest writes (:func:`table_rows` of each)."""
    return {table: table_rows(store, table, post_keys) for table in DATA_TABLES}


TABLE_FIXTURES = Path(__file__).resolve().parent / "fixtures" / "tables"


def dict_rows(store, sql: str) -> list[dict]:
    """A query's rows as dicts (column → value)."""
    cursor = store.con.execute(sql)
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def write(path: Path, text: str, encoding: str = "utf-8") -> Path:
    """``text`` written to ``path`` in ``encoding``; the path."""
    path.write_bytes(text.encode(encoding))
    return path
