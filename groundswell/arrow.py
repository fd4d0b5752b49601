"""Row tuples → Arrow tables typed exactly like the store's columns.

Why Arrow: DuckDB scans an Arrow table zero-copy, so a batch parsed in Python (or in a worker
process, which ships Arrow tables back cheaply) reaches the store without per-row SQL.
"""

from __future__ import annotations

from collections.abc import Sequence

import pyarrow as pa

from groundswell import schema

_ARROW_TYPES = {
    "VARCHAR": pa.string(),
    "BIGINT": pa.int64(),
    "BOOLEAN": pa.bool_(),
    "TIMESTAMP": pa.timestamp("us"),
}


def _arrow_schema(table: str, columns: Sequence[str]) -> pa.Schema:
    ddl = schema.TABLES[table]
    types = {}
    for line in ddl.splitlines():
        parts = line.split()
        if len(parts) >= 2 and parts[0] in columns:
            types[parts[0]] = _ARROW_TYPES[parts[1].rstrip(",")]
    return pa.schema([(c, types[c]) for c in columns])


ARROW = {
    "posts": _arrow_schema("posts", schema.POST_COLUMNS),
    "accounts": _arrow_schema("accounts", schema.ACCOUNT_COLUMNS),
    "post_hashtags": _arrow_schema("post_hashtags", schema.HASHTAG_COLUMNS),
    "mentions": _arrow_schema("mentions", schema.MENTION_COLUMNS),
    "deletions": _arrow_schema("deletions", schema.DELETION_COLUMNS),
    "quarantine": _arrow_schema("quarantine", schema.QUARANTINE_COLUMNS),
}


def rows_to_arrow(table: str, rows: Sequence[tuple]) -> pa.Table:
    """Row tuples (what sources produce cheaply) → an Arrow table DuckDB can scan zero-copy."""
    sch = ARROW[table]
    columns = list(zip(*rows, strict=True)) if rows else [[] for _ in sch]
    return pa.Table.from_arrays(
        [pa.array(col, type=field.type) for col, field in zip(columns, sch, strict=True)],
        schema=sch,
    )
