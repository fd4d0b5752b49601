"""Row tuples → Arrow tables typed exactly like the store's columns.

Why Arrow: DuckDB scans an Arrow table zero-copy, so a batch parsed in Python (or in a worker
process, which ships Arrow tables back cheaply) reaches the store without per-row SQL.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import pyarrow as pa

from groundswell import schema

_ARROW_TYPES = {
    "VARCHAR": pa.string(),
    "BIGINT": pa.int64(),
    "BOOLEAN": pa.bool_(),
    "TIMESTAMP": pa.timestamp("us"),
}
_COLUMN = re.compile(r"(\w+)\s+(VARCHAR|BIGINT|BOOLEAN|TIMESTAMP)\b")


def _arrow_schema(ddl: str, columns: Sequence[str] | None = None) -> pa.Schema:
    """The Arrow schema of ``columns`` (all, in order, by default) of a table's DDL."""
    types = {name: _ARROW_TYPES[sql] for name, sql in _COLUMN.findall(ddl)}
    return pa.schema([(c, types[c]) for c in (columns or types)])


ARROW = {
    "posts": _arrow_schema(schema.TABLES["posts"], schema.POST_COLUMNS),
    "accounts": _arrow_schema(schema.TABLES["accounts"], schema.ACCOUNT_COLUMNS),
    "post_hashtags": _arrow_schema(schema.TABLES["post_hashtags"], schema.HASHTAG_COLUMNS),
    "mentions": _arrow_schema(schema.TABLES["mentions"], schema.MENTION_COLUMNS),
    "deletions": _arrow_schema(schema.TABLES["deletions"], schema.DELETION_COLUMNS),
    "quarantine": _arrow_schema(schema.TABLES["quarantine"], schema.QUARANTINE_COLUMNS),
    "local_ids": _arrow_schema(schema.TABLES["local_ids"], schema.LOCAL_ID_COLUMNS),
    **{name: _arrow_schema(ddl) for name, ddl in schema.BATCH.items()},
}


def rows_to_arrow(table: str, rows: Sequence[tuple]) -> pa.Table:
    """Row tuples (what sources produce cheaply) → an Arrow table DuckDB can scan zero-copy."""
    sch = ARROW[table]
    columns = list(zip(*rows, strict=True)) if rows else [[] for _ in sch]
    return pa.Table.from_arrays(
        [pa.array(col, type=field.type) for col, field in zip(columns, sch, strict=True)],
        schema=sch,
    )
