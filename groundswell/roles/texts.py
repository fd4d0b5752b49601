"""Tables of texts (and of labelled texts) read for the roles' commands.

Why apart from the store: a model must be judgeable on labelled data that never enters a
store (``roles train --labels L.csv``, ``roles estimate --texts T.csv``). Any CSV, TSV,
Parquet or NDJSON table with a ``text`` column (and a ``role`` column for labels) is read by
DuckDB, whatever its other columns.
"""

from __future__ import annotations

from pathlib import Path

import duckdb

__all__ = ["read_labels", "read_texts"]


def _reader(path: Path) -> str:
    name = path.name.lower().removesuffix(".gz").removesuffix(".zst")
    if name.endswith((".parquet", ".pq")):
        return "read_parquet(?)"
    if name.endswith((".ndjson", ".jsonl", ".json")):
        return "read_json_auto(?, format = 'newline_delimited')"
    return "read_csv(?, all_varchar = true)"


def _columns(path: str | Path, wanted: tuple[str, ...]) -> list[tuple]:
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"{path}: no such file")
    con = duckdb.connect()
    try:
        have = [d[0] for d in con.execute(f"SELECT * FROM {_reader(path)} LIMIT 0",
                                          [str(path)]).description]
        lower = {c.lower(): c for c in have}
        missing = [w for w in wanted if w not in lower]
        if missing:
            raise ValueError(f"{path}: no column {', '.join(missing)} (it has: "
                             f"{', '.join(have[:30])})")
        cols = ", ".join(f'CAST("{lower[w]}" AS VARCHAR)' for w in wanted)
        return con.execute(f"SELECT {cols} FROM {_reader(path)}", [str(path)]).fetchall()
    except duckdb.Error as exc:
        raise ValueError(f"{path}: cannot read it as a table: {str(exc).splitlines()[0]}"
                         ) from None
    finally:
        con.close()


def read_texts(path: str | Path) -> list[str]:
    """The ``text`` column of a table, in order (empty cells as "")."""
    return [t or "" for (t,) in _columns(path, ("text",))]


def read_labels(path: str | Path) -> tuple[list[str], list[str]]:
    """``(texts, roles)`` of a labelled table (columns ``text`` and ``role``); rows without
    a role are skipped (not labelled yet)."""
    rows = [(t or "", r.strip().lower()) for t, r in _columns(path, ("text", "role"))
            if r and r.strip()]
    return [t for t, _ in rows], [r for _, r in rows]
