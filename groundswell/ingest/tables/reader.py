"""Read a table (CSV, TSV, NDJSON, Parquet; plain, .gz or .zst) through a mapping, with DuckDB.

Why DuckDB's readers: they split a file across cores, handle quoting, embedded line breaks,
encodings and compression in C++, and report each line they cannot read (wrong column count,
broken quoting, invalid UTF-8) with its line number instead of stopping — which is what the
quarantine needs. The table is staged once, in file order, in a temporary DuckDB file (so
memory stays bounded whatever the file's size) with the canonical fields computed by
:mod:`.sql`; :meth:`TableReader.batches` then hands it out in batches.

Line numbers are those DuckDB reports and a spreadsheet shows: the header is line 1 and each
row is one more, even when a quoted cell holds line breaks. A row without a post id gets a
deterministic one (:data:`ROW_ID`), so reading the same file again stores nothing twice.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import duckdb
import numpy as np
import pyarrow as pa

from groundswell.sources.tables.mapping import FORMATS, Mapping, MappingError, ReadOptions
from groundswell.sources.tables.sql import literal, table_query
from groundswell.store import no_progress_bar

__all__ = ["ROW_ID", "TableReader", "detect_format"]

#: A row without a post id is named by its content: ``row:`` and the first 32 hex digits of
#: the SHA-256 of platform, author id, created_at (ISO, UTC) and text, joined by U+001F.
#: The same row read again gets the same id; two rows that differ in any of these do not.
ROW_ID = ("'row:' || left(sha256(concat_ws(chr(31), platform, coalesce(author_id, ''), "
          "coalesce(strftime(created_at, '%Y-%m-%dT%H:%M:%S.%f'), ''), coalesce(text, ''))), 32)")
_SUFFIXES = {".csv": "csv", ".tsv": "tsv", ".tab": "tsv", ".ndjson": "ndjson",
             ".jsonl": "ndjson", ".json": "ndjson", ".parquet": "parquet", ".pq": "parquet"}
_COMPRESSION = {".gz": "gzip", ".zst": "zstd"}
EXCERPT = 200
#: Rows handed to the writer at a time.
BATCH_ROWS = 200_000


def detect_format(path: Path) -> str | None:
    """The format a file's name says (``posts.csv.gz`` → csv), or None."""
    suffixes = [s.lower() for s in path.suffixes]
    if suffixes and suffixes[-1] in _COMPRESSION:
        suffixes = suffixes[:-1]
    return _SUFFIXES.get(suffixes[-1]) if suffixes else None


def _encoding(path: Path, compression: str | None) -> str:
    """UTF-16 when the file starts with its byte-order mark; else UTF-8 when the first
    megabyte is UTF-8, else Latin-1 (spreadsheets saved on old Windows)."""
    if compression:
        return "utf-8"  # what DuckDB reads compressed; a broken byte is a quarantined line
    with path.open("rb") as f:
        head = f.read(1 << 20)
    if head[:2] in (b"\xff\xfe", b"\xfe\xff"):
        return "utf-16"
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as exc:
        if exc.start < len(head) - 4:  # not just a character cut by the megabyte's end
            return "latin-1"
    return "utf-8"


@dataclass
class Quarantined:
    line: int
    reason: str
    excerpt: str


class TableReader:
    """One table file read through ``mapping`` (see the module)."""

    def __init__(self, path: str | Path, mapping: Mapping,
                 options: ReadOptions | None = None, platform: str | None = None,
                 memory_mib: int = 256) -> None:
        self.path = Path(path)
        if not self.path.is_file():
            raise FileNotFoundError(f"{path}: no such file")
        self.mapping = mapping
        self.options = mapping.read.merged(options or ReadOptions())
        fmt = self.options.format or detect_format(self.path)
        if fmt is None:
            raise MappingError(f"{path}: cannot tell the table's format from its name; say "
                               f"--format ({', '.join(FORMATS)})")
        self.format = fmt
        self.platform = platform
        self._dir = tempfile.TemporaryDirectory(prefix="groundswell-table-")
        self.con = duckdb.connect(str(Path(self._dir.name) / "staged.duckdb"))
        self.con.execute("SET TimeZone = 'UTC'")
        no_progress_bar(self.con)
        self.con.execute(f"SET memory_limit = '{memory_mib}MB'")
        self.con.execute(f"SET temp_directory = {literal(self._dir.name)}")
        self.rows = 0
        self.quarantine: list[Quarantined] = []
        self._staged = False

    def close(self) -> None:
        self.con.close()
        self._dir.cleanup()

    def __enter__(self) -> TableReader:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- reading ------------------------------------------------------------------------------
    def _source(self) -> tuple[str, bool]:
        """The table function reading the file, and whether its columns are JSON paths."""
        if self.format == "parquet":
            return f"read_parquet({literal(self.path)})", False
        args = ["all_varchar = true", "store_rejects = true", "parallel = true",
                *self._csv_options()]
        table = f"read_csv({literal(self.path)}, {', '.join(args)})"
        if self.format == "ndjson":  # a line that is not JSON is NULL here, and quarantined
            return (f"(SELECT CASE WHEN json_valid(line) THEN line END AS json, line "
                    f"FROM {table})"), True
        return table, False

    def _csv_options(self) -> list[str]:
        """What read_csv (and its sniffer) is told rather than left to detect."""
        compression = _COMPRESSION.get(self.path.suffix.lower())
        args = [f"compression = '{compression}'"] if compression else []
        if self.format == "ndjson":  # one JSON object per line; a bad line is quarantined
            return args + ["header = false", "delim = chr(1)", "quote = ''", "escape = ''",
                           "columns = {'line': 'VARCHAR'}"]
        o = self.options
        args.append(f"encoding = {literal(o.encoding or _encoding(self.path, compression))}")
        delimiter = o.delimiter or ("\t" if self.format == "tsv" else None)
        for name, value in (("delim", delimiter), ("quote", o.quote), ("escape", o.escape)):
            if value is not None:
                args.append(f"{name} = {literal(value)}")
        if o.header is not None:
            args.append(f"header = {str(o.header).lower()}")
        if o.skip:
            args.append(f"skip = {o.skip}")
        return args

    def columns(self) -> list[str]:
        """The file's column names (for a mapping's check and ``mapping guess``)."""
        source, nested = self._source()
        if nested:
            return []
        return [d[0] for d in self._query(f"SELECT * FROM {source} LIMIT 0", names=True)]

    def _query(self, sql: str, names: bool = False) -> list:
        """Rows (or, with ``names``, the columns' descriptions) of a query over the file; a
        file DuckDB cannot read at all is a MappingError that says what to set."""
        try:
            cursor = self.con.execute(sql)
            return cursor.description if names else cursor.fetchall()
        except duckdb.Error as exc:
            first = str(exc).splitlines()[0]
            hint = (" (say its encoding: --encoding latin-1 or utf-16)"
                    if "unicode" in first.lower() else "")
            raise MappingError(f"{self.path}: cannot read it as {self.format}: "
                               f"{first}{hint}") from None

    def stage(self) -> int:
        """Check the mapping against the file's columns and find the lines DuckDB cannot
        read (:attr:`quarantine`), in one pass over the file; return the readable rows. Done
        once: later calls return the same count."""
        if self._staged:
            return self.rows
        source, nested = self._source()
        if not nested:
            have = self.columns()
            missing = [c for c in self.mapping.columns if c not in set(have)]
            if missing:
                raise MappingError(
                    f"{self.path}: no column {', '.join(map(repr, missing))} (the mapping "
                    f"{self.mapping.name} reads it); the file has: {', '.join(have[:40])}")
        self.rows = self._query(f"SELECT count(*) FROM {source}")[0][0]
        self._rejects(nested)
        self._staged = True
        return self.rows

    def _rejects(self, nested: bool) -> None:
        """The lines DuckDB could not read, and where the readable rows' lines start."""
        rejects: list[tuple] = []
        header = False
        if self.format != "parquet":
            header = self.options.header
            if header is None and not nested:  # what the sniffer decided
                header = bool(self._query(
                    f"SELECT HasHeader FROM sniff_csv({literal(self.path)}, "
                    f"{', '.join(self._csv_options())})")[0][0])
            rejects = self.con.execute(
                "SELECT line, any_value(error_type), any_value(error_message), "
                "any_value(csv_line) FROM reject_errors GROUP BY line ORDER BY line").fetchall()
        self.quarantine = [Quarantined(int(line), f"{kind}: {message.splitlines()[0]}",
                                       (excerpt or "")[:EXCERPT])
                           for line, kind, message, excerpt in rejects]
        self._first_line = 1 + int(bool(header)) + self.options.skip
        # the readable rows before each rejected line: row r (1-based) comes after every
        # rejected line with fewer readable rows before it than r
        self._good_before = np.array([q.line - self._first_line - j
                                      for j, q in enumerate(self.quarantine)], dtype=np.int64)

    def batches(self, rows: int = BATCH_ROWS) -> Iterator[pa.Table]:
        """The rows in file order, about ``rows`` at a time, each with its ``line``, its
        canonical fields, ``kind``, ``problem`` (why it cannot be stored, or NULL) and, for
        those, an ``excerpt`` of what it held."""
        self.stage()
        source, nested = self._source()
        query = table_query(self.mapping, source, nested, self.platform, ROW_ID, EXCERPT)
        self.con.execute("SET preserve_insertion_order = true")  # file order: line numbers
        reader = self.con.sql(query).to_arrow_reader(rows)
        done = 0
        pending: list[pa.RecordBatch] = []
        for batch in reader:
            pending.append(batch)
            if sum(b.num_rows for b in pending) >= rows:
                table = pa.Table.from_batches(pending)
                pending = []
                yield self._numbered(table, done)
                done += table.num_rows
        if pending:
            yield self._numbered(pa.Table.from_batches(pending), done)

    def _numbered(self, table: pa.Table, done: int) -> pa.Table:
        seq = np.arange(done + 1, done + 1 + table.num_rows, dtype=np.int64)
        before = np.searchsorted(self._good_before, seq - 1, side="right")
        return table.add_column(0, "line", pa.array(seq + before + self._first_line - 1))
