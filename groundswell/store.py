"""The store: one DuckDB file holding the canonical tables (``groundswell.schema``).

Why DuckDB: embedded (no server for a journalist's laptop), columnar and fast for the
aggregate questions campaigns ask, and it speaks Parquet for exchange with Spark. Writes go in
batches, each one transaction, so a crash never leaves half a batch behind and re-running an
ingest converges on the same tables. DuckDB lets only one process write a file; a second writer
gets :class:`StoreBusy` instead of corruption.
"""

from __future__ import annotations

import errno
import os
import secrets
import stat
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

import duckdb
import pyarrow as pa
import pyarrow.compute as pc

from groundswell import schema
from groundswell.settings import env_whole

if TYPE_CHECKING:
    import ibis.expr.types as ir

T = TypeVar("T")

DEFAULT_DB = "groundswell.duckdb"
BULK_CHECKPOINT = "128MiB"
#: DuckDB's memory budget while a bulk ingest writes. Nothing in the store grows in memory
#: with the archive since schema 3 (no index but the small deletions/quarantine keys), so a
#: fixed budget holds. Measured at 10M posts: v2 ingest 227 s and 906 MiB peak for the whole
#: process tree at 160 MiB, 230 s and 1042 MiB at 256 MiB; the v1.1 archive's account MERGE
#: (2.8M accounts) and final sweep run within 160 MiB.
BULK_MEMORY_MIB = 160
#: Overrides the budget (in MiB).
MEMORY_ENV = "GROUNDSWELL_WRITER_MIB"
#: The budget of the fold that ends a bulk ingest (``ACCOUNT_FOLD``, one sort of every staged
#: snapshot), when the parsing workers are gone and their memory is free. Measured on a
#: 10M-post v2 archive (8.2M snapshots): 11.2 s at 256 MiB, 8.5 s at 512, 6.6 s at 1 GiB.
FOLD_MEMORY_MIB = 512


def no_progress_bar(con: duckdb.DuckDBPyConnection) -> None:
    """Turn DuckDB's own progress bar off: it draws on stdout for statements over 2 s, which
    broke the `--json` output of a 10M-post ingest (ours are on stderr). In Jupyter DuckDB has
    it off already, and *setting* it there fails unless ipywidgets is installed, so it is only
    set when on."""
    if con.execute("SELECT current_setting('enable_progress_bar')").fetchone()[0]:
        con.execute("SET enable_progress_bar = false")


class StoreError(RuntimeError):
    """A store that cannot be used; the message says why and what to do, in one line."""


class StoreBusy(StoreError):
    """Another process holds the store's write lock."""


class StoreFull(StoreError):
    """The disk (or the user's quota) filled up while writing; the batch was rolled back."""


#: How a full disk reads: as OSError.errno, or in the text of DuckDB's "Could not write file"
#: errors (DuckDB reports the C library's strerror).
_DISK_FULL_ERRNOS = (errno.ENOSPC, errno.EDQUOT)
_DISK_FULL_TEXTS = ("No space left on device", "Disk quota exceeded")


#: Account snapshots fold into one row per account: the most recently observed snapshot wins,
#: and a field it lacks keeps the stored value. A MERGE joins the batch (its accounts are
#: unique: parsers dedupe) with the stored accounts by hashing, so the accounts table needs no
#: primary-key index (schema 3), which DuckDB kept in memory and updated row by row.
ACCOUNT_MERGE = """
    MERGE INTO accounts USING batch_accounts AS b
    ON accounts.platform = b.platform AND accounts.author_id = b.author_id
    WHEN MATCHED AND (accounts.observed_at IS NULL OR b.observed_at >= accounts.observed_at)
    THEN UPDATE SET
        handle = coalesce(b.handle, accounts.handle),
        display_name = coalesce(b.display_name, accounts.display_name),
        followers = coalesce(b.followers, accounts.followers),
        verified = coalesce(b.verified, accounts.verified),
        created_at = coalesce(b.created_at, accounts.created_at),
        observed_at = b.observed_at
    WHEN NOT MATCHED THEN INSERT BY NAME
"""


#: The same rule over many batches at once, for a bulk ingest's staged snapshots (one per
#: account per batch, ``seq`` = batch order, the stored row first as seq 0). Applied one by
#: one, a snapshot takes effect iff no earlier one in the chain is more recent (then the
#: stored time is the running maximum, and a snapshot without a time applies only while no
#: earlier one had a time); the account's field is then the last non-null value among the
#: snapshots that took effect (``arg_max`` skips null values), its time the maximum.
ACCOUNT_FOLD = """
    MERGE INTO accounts USING (
        WITH chain AS (
            SELECT {columns}, 0 AS seq FROM accounts a
            SEMI JOIN account_snapshots USING (platform, author_id)
            UNION ALL SELECT * FROM account_snapshots
        ), marked AS (
            SELECT *, max(observed_at) OVER (
                PARTITION BY platform, author_id ORDER BY seq
                ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS newest_before
            FROM chain
        )
        SELECT platform, author_id, arg_max(handle, seq) AS handle,
               arg_max(display_name, seq) AS display_name, arg_max(followers, seq) AS followers,
               arg_max(verified, seq) AS verified, arg_max(created_at, seq) AS created_at,
               max(observed_at) AS observed_at
        FROM marked
        WHERE newest_before IS NULL OR observed_at >= newest_before
        GROUP BY platform, author_id
    ) AS f
    ON accounts.platform = f.platform AND accounts.author_id = f.author_id
    WHEN MATCHED THEN UPDATE SET handle = f.handle, display_name = f.display_name,
        followers = f.followers, verified = f.verified, created_at = f.created_at,
        observed_at = f.observed_at
    WHEN NOT MATCHED THEN INSERT BY NAME
""".replace("{columns}", ", ".join(schema.ACCOUNT_COLUMNS))


#: Every handle an account was seen with, and when first and last (``handles``): handles
#: change (Bluesky's freely), while reports name accounts by their latest.
HANDLES_MERGE = """
    MERGE INTO handles USING (
        SELECT platform, author_id, handle, min(first_seen) AS first_seen,
               max(last_seen) AS last_seen
        FROM batch_handle_sightings GROUP BY platform, author_id, handle
    ) AS h
    ON handles.platform = h.platform AND handles.author_id = h.author_id
       AND handles.handle = h.handle
    WHEN MATCHED THEN UPDATE SET
        first_seen = least(handles.first_seen, h.first_seen),
        last_seen = greatest(handles.last_seen, h.last_seen)
    WHEN NOT MATCHED THEN INSERT BY NAME
"""

_HIDING_LIST = ", ".join(f"'{s}'" for s in schema.HIDING_STATUSES)
#: SQL: the statuses that hide an account's posts, and the condition on ``accounts``.
HIDING = f"({_HIDING_LIST})"
HIDDEN = f"status IN {HIDING}"

#: An account's latest status (NULL: active) from a batch's statuses; statuses that change
#: nothing (a relay's ``desynchronized``) are left out.
STATUS_MERGE = f"""
    MERGE INTO accounts USING (
        SELECT platform, author_id, CASE WHEN active THEN NULL ELSE status END AS status,
               changed_at AS status_at
        FROM batch_account_statuses WHERE active OR status = 'deleted' OR status IN {HIDING}
    ) AS s
    ON accounts.platform = s.platform AND accounts.author_id = s.author_id
    WHEN MATCHED AND (accounts.status_at IS NULL OR s.status_at IS NULL
                      OR s.status_at >= accounts.status_at)
    THEN UPDATE SET status = s.status, status_at = s.status_at
    WHEN NOT MATCHED THEN INSERT BY NAME
"""


def _id_range(posts: pa.Table) -> tuple[str, str]:
    """Smallest and largest post id of a batch ("" and "" for none: matches nothing)."""
    if not posts.num_rows:
        return "", ""
    bounds = pc.min_max(posts.column("post_id")).as_py()
    return bounds["min"], bounds["max"]


def bulk_memory_mib() -> int:
    """DuckDB's memory budget during a bulk ingest, in MiB: ``$GROUNDSWELL_WRITER_MIB``, else
    :data:`BULK_MEMORY_MIB`."""
    return env_whole(MEMORY_ENV, BULK_MEMORY_MIB, "a whole number of MiB, e.g. 512")


def memory_ceiling_mib() -> int:
    """How far a bulk ingest may raise the writer's budget for a batch that needs more: half
    the machine's memory, in MiB (4 GiB where the system does not say)."""
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") // 2 // 2**20
    except (AttributeError, ValueError, OSError):
        return 4096


def _write_failure(exc: BaseException, path: Path, doing: str = "writing",
                   safe: str = "the last batch was rolled back",
                   budget_mib: int | None = None) -> StoreError | None:
    """The one-line error for a write the file system refused, or None (a bug: re-raise).
    ``budget_mib``: the writer's memory budget, when a bulk ingest gave up raising it."""
    text = str(exc)
    if (isinstance(exc, OSError) and exc.errno in _DISK_FULL_ERRNOS) or (
            isinstance(exc, duckdb.Error) and any(t in text for t in _DISK_FULL_TEXTS)):
        return StoreFull(f"disk full while {doing} {path}: free space and re-run; "
                         f"nothing was lost — {safe}")
    if isinstance(exc, duckdb.OutOfMemoryException):
        if budget_mib is None:
            return StoreError(f"out of memory while {doing} {path}: free memory and re-run; "
                              f"nothing was lost — {safe}")
        return StoreError(f"out of memory while {doing} {path}, even with {budget_mib:,} MiB "
                          f"for the writer's DuckDB: free memory, or set {MEMORY_ENV} higher, "
                          f"and re-run; nothing was lost — {safe}")
    if isinstance(exc, (OSError, duckdb.IOException)) or (
            isinstance(exc, duckdb.Error) and "Could not write" in text):
        reason = text.splitlines()[0] if text else type(exc).__name__
        return StoreError(f"cannot write {path} ({reason}): fix that and re-run; "
                          f"nothing was lost — {safe}")
    return None


#: DuckDB starts a file with three 4 KiB headers ("DUCK" at byte 8), then fsyncs: a shorter
#: file is a creation that was killed before any data could be written.
_DUCKDB_HEADERS = 3 * 4096


def _discard_unfinished(path: Path) -> None:
    """Remove a store file whose creation was killed (0 to 8 KiB of DuckDB headers, no WAL):
    DuckDB refuses it forever, yet it cannot hold anything. Any other file is left alone, and
    so is one that another process is creating right now (DuckDB locks before writing)."""
    try:
        import fcntl
    except ImportError:  # Windows: leave it to DuckDB's error
        return
    if path.stat().st_size >= _DUCKDB_HEADERS or Path(f"{path}.wal").exists():
        return
    try:
        with open(path, "rb+") as fh:
            head = fh.read(_DUCKDB_HEADERS)
            if head and head[8:12] != b"DUCK":
                return  # not a DuckDB file: not ours to remove
            fcntl.lockf(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
            path.unlink()  # while holding the lock, so no creator can be starting on it
    except OSError:
        return


def _copy_prefix(path: Path) -> str:
    """The name :meth:`Store.compact` gives its copy of ``path``, before a random suffix."""
    return f".{path.name}.compact-"


def _discard_copies(path: Path) -> None:
    """Remove what a compaction killed before its swap left beside the store: a copy of the
    store (holding every row but the forgotten ones: stale, and one copy too many). Called
    while holding the store's write lock, so no compaction of it is running."""
    if str(path) == ":memory:" or not path.parent.is_dir():
        return
    for leftover in path.parent.glob(f"{_copy_prefix(path)}*"):
        try:
            leftover.unlink()
        except OSError:
            pass


def _unlink(*paths: Path) -> None:
    for path in paths:
        try:
            path.unlink()
        except FileNotFoundError:
            pass


def _sql_path(path: Path) -> str:
    """A path inside a SQL string literal."""
    return str(path).replace("'", "''")


def _fsync(path: Path, directory: bool = False) -> None:
    """Make a file (or a rename in a folder) durable before the next step relies on it."""
    try:
        fd = os.open(path, os.O_RDONLY | (getattr(os, "O_DIRECTORY", 0) if directory else 0))
    except OSError:
        if directory:
            return  # a platform that cannot open folders (Windows): nothing to sync
        raise
    try:
        os.fsync(fd)
    except OSError:
        if not directory:
            raise
    finally:
        os.close(fd)


class Store:
    """A Groundswell store on disk. ``Store("x.duckdb")`` creates it if needed.

    Storage only: opening, migrating, writing batches atomically, reading tables.
    ``store.con`` is the raw DuckDB connection and ``store.table("posts")`` an Ibis table.
    What is asked of a store (ingest, report, hashtags...) is :mod:`groundswell.api`, whose
    ``Store`` (``groundswell.Store``) is this class with those questions as methods.
    """

    def __init__(self, path: str | os.PathLike[str] = DEFAULT_DB, read_only: bool = False):
        self.path = Path(path)
        self.read_only = read_only
        if not read_only and self.path.is_file():
            _discard_unfinished(self.path)
        self.created = not self.path.exists()
        if read_only and self.created:
            raise StoreError(f"no store at {self.path} (run `groundswell ingest` first)")
        if self.created and not self.path.parent.exists():
            raise StoreError(f"cannot create store {self.path}: folder does not exist")
        self.con = self._connect(read_only)
        self._ibis = None
        self._bulk = False
        self.budget_mib: int | None = None  # the writer's memory budget in a bulk ingest
        self._snapshot_seq = 0
        self._last_key = 0  # the highest post key this writer knows of (see _apply)
        self._hidden: bool | None = None  # whether any account is hidden (_any_hidden)
        self._forgotten: bool | None = None  # whether tombstones exist (_any_forgotten)
        try:
            if read_only:
                self._check_version()
            else:
                self._migrate()
                self.fold_accounts()  # staged by a bulk ingest that was killed
                _discard_copies(self.path)  # of a compaction that was killed
        except BaseException:
            self.con.close()  # a refused store must not stay open (and locked) in this process
            raise

    # -- lifecycle -------------------------------------------------------------------------
    def _connect(self, read_only: bool) -> duckdb.DuckDBPyConnection:
        """A connection to the store's file (StoreBusy if another process writes it)."""
        try:
            con = duckdb.connect(str(self.path), read_only=read_only)
        except duckdb.IOException as exc:
            message = str(exc)
            if "lock" in message.lower():
                raise StoreBusy(
                    f"store is busy: another process is writing {self.path}; wait for it to "
                    "finish (readers can use a copy, or read-only mode once it is done)"
                ) from None
            raise StoreError(f"cannot open store {self.path}: {message.splitlines()[0]}") from None
        except duckdb.Error as exc:
            if "different configuration" in str(exc):
                # DuckDB refuses a read-only and a read-write connection to one file inside one
                # process: the same situation as another process holding the lock.
                raise StoreBusy(
                    f"store is busy: {self.path} is open in this process in the other mode"
                ) from None
            raise StoreError(
                f"cannot open store {self.path}: not a readable DuckDB file "
                f"({str(exc).splitlines()[0]})"
            ) from None
        no_progress_bar(con)
        if str(self.path) == ":memory:":
            # DuckDB spills an in-memory database to ``.tmp`` in the current folder, which a
            # notebook's folder then keeps; a folder of the system's own instead (DuckDB
            # removes it on close, as it does a file store's ``<name>.tmp``)
            spill = Path(tempfile.gettempdir()) / f"groundswell-{os.getpid()}-{id(self):x}.tmp"
            con.execute("SET temp_directory = ?", [str(spill)])
        return con

    def _migrate(self) -> None:
        self.con.execute("BEGIN")
        for ddl in (*schema.TABLES.values(), *schema.STAGING.values(),
                    *schema.LEDGERS.values()):
            self.con.execute(ddl)
        self.con.execute("COMMIT")
        self._check_version()
        self.con.execute(
            "INSERT OR IGNORE INTO meta VALUES ('schema_version', ?)", [str(schema.SCHEMA_VERSION)]
        )
        # The store's name for its pseudonym key, which lives outside the store
        # (groundswell.keys): a copy of the store or of an export carries the name,
        # never the key. A store from before keys moved out hands its key over, once.
        self.con.execute(
            "INSERT OR IGNORE INTO meta VALUES ('store_id', ?)", [secrets.token_hex(12)]
        )
        self._move_key_out()
        self._add_post_keys()
        self._add_columns()

    def _add_columns(self) -> None:
        """Schema 5 on an older store: the columns it lacks (``posts.claimed_at``,
        ``accounts.status``, ``status_at``), empty, in one transaction. The new tables were
        created with the others (``CREATE TABLE IF NOT EXISTS``)."""
        # one query for every table's columns: a query per column cost 75 ms of every open,
        # and a live writer opens the store once a second
        present: dict[str, set[str]] = {}
        for table, column in self.con.execute(
                "SELECT table_name, column_name FROM duckdb_columns() WHERE database_name = "
                "current_database() AND schema_name = 'main'").fetchall():
            present.setdefault(table, set()).add(column)
        missing = [(table, column, sql) for table in schema.TABLES
                   for column, sql in schema.columns(table).items()
                   if column != schema.POST_KEY and column not in present.get(table, set())]
        if not missing and self.version() >= schema.SCHEMA_VERSION:
            return

        def work() -> None:
            for table, column, sql in missing:
                self.con.execute(f"ALTER TABLE {table} ADD COLUMN {column} {sql}")
            self.con.execute("UPDATE meta SET value = ? WHERE key = 'schema_version'",
                             [str(schema.SCHEMA_VERSION)])

        self._atomically(work, f"{self.path} is unchanged (schema {self.version()})")

    def _add_post_keys(self) -> None:
        """Schema 4 on an older store: number its posts and copy each number to the post's
        hashtags and mentions, in one transaction (``schema.POST_KEY``). Once per store: new
        stores are created with the column, which the writer fills."""
        missing = [t for t in schema.KEYED_TABLES if schema.POST_KEY not in self.columns(t)]
        if not missing:
            return

        def work() -> None:
            con = self.con
            if "posts" in missing:
                con.execute(f"ALTER TABLE posts ADD COLUMN {schema.POST_KEY} BIGINT")
                con.execute(f"UPDATE posts SET {schema.POST_KEY} = rowid + 1")
            for table in (t for t in missing if t != "posts"):
                con.execute(f"ALTER TABLE {table} ADD COLUMN {schema.POST_KEY} BIGINT")
                con.execute(f"UPDATE {table} SET {schema.POST_KEY} = p.{schema.POST_KEY} "
                            f"FROM posts p WHERE {table}.platform = p.platform "
                            f"AND {table}.post_id = p.post_id")
            con.execute("UPDATE meta SET value = '4' WHERE key = 'schema_version'")

        self._atomically(work, f"{self.path} is unchanged (schema {self.version()})")

    def columns(self, table: str) -> set[str]:
        """The columns ``table`` has in this store (an older schema may lack some)."""
        return {row[0] for row in self.con.execute(
            "SELECT column_name FROM duckdb_columns() WHERE table_name = ? "
            "AND database_name = current_database() AND schema_name = 'main'", [table]
        ).fetchall()}

    def version(self) -> int:
        """The store's schema version (``schema.SCHEMA_VERSION`` once opened for writing)."""
        row = self._one("SELECT value FROM meta WHERE key = 'schema_version'")
        return int(row[0]) if row else schema.SCHEMA_VERSION

    def _check_version(self) -> None:
        try:
            version = self.version()
        except duckdb.CatalogException:
            raise StoreError(f"{self.path} is a DuckDB file but not a Groundswell store") from None
        if version > schema.SCHEMA_VERSION:
            raise StoreError(
                f"{self.path} was written by a newer Groundswell (schema {version}, this version "
                f"reads {schema.SCHEMA_VERSION}); upgrade with `pip install -U groundswell`"
            )

    def close(self) -> None:
        try:
            self.con.close()  # checkpoints: writes the WAL into the file
        except duckdb.Error as exc:
            failure = _write_failure(exc, self.path, "closing",
                                     "what was written waits in its .wal file")
            if failure is None:
                raise
            raise failure from exc

    def __enter__(self) -> Store:
        return self

    def __exit__(self, exc_type: object, *exc: object) -> None:
        try:
            self.close()
        except Exception:
            if exc_type is None:
                raise  # otherwise the error already on its way out is the one to report

    # -- writing ---------------------------------------------------------------------------
    def write_batch(self, tables: dict[str, pa.Table]) -> tuple[int, int, int]:
        """Apply one batch atomically: one Arrow table per canonical table it writes
        (``posts``, ``post_hashtags``, ``mentions``, ``accounts``, ``deletions``,
        ``quarantine``, typed as :data:`groundswell.arrow.ARROW`), posts numbered 0, 1, … in
        the batch (``schema.POST_KEY``).

        Order matters: posts already tombstoned by an earlier batch are never (re)inserted
        (counted as ``tombstoned``); then this batch's posts and rows go in; then this batch's
        deletes are recorded and remove their posts, wherever in the batch they came from.
        Returns ``(posts_added, posts_deleted, posts_tombstoned)``.

        Inside :meth:`bulk_writes`, removing posts stored by *earlier* batches waits for the
        sweep at its end (see :meth:`sweep_deleted`); a post deleted in its own batch is never
        written (and counts as added and deleted, as if it had been).
        """
        try:
            return self._with_room(lambda: self._apply(tables), "the last batch was rolled back")
        finally:
            for name in tables:
                self.con.unregister(f"batch_{name}")

    def _apply(self, tables: dict[str, pa.Table]) -> tuple[int, int, int]:
        """The statements of :meth:`write_batch`, inside its transaction."""
        con = self.con
        forgotten = 0  # posts of the batch that tombstones of forgetting leave out
        if self._any_forgotten():
            from groundswell.tombstones import filter_batch

            tables, forgotten = filter_batch(con, tables)
        for name, table in tables.items():
            con.register(f"batch_{name}", table)

        def rows(name: str) -> int:
            return tables[name].num_rows if name in tables else 0

        if rows("local_ids"):  # first: this batch's own local deletes and replies use them
            con.execute("INSERT INTO local_ids SELECT DISTINCT * FROM batch_local_ids "
                        "ANTI JOIN local_ids USING (platform, server, local_id)")
        if rows("local_deletions"):
            self._delete_locally()
        deletions = "batch_deletions" if rows("deletions") else None
        if rows("local_deletions"):
            deletions = "batch_all_deletions"
            con.execute("CREATE OR REPLACE TEMP TABLE batch_all_deletions AS "
                        f"{'SELECT * FROM batch_deletions UNION ALL ' if rows('deletions') else ''}"
                        "SELECT * FROM batch_resolved_deletions")
        tombstoned = forgotten + con.execute(
            "SELECT count(*) FROM batch_posts SEMI JOIN deletions USING (platform, post_id)"
        ).fetchall()[0][0]
        # Keys are unique within a batch (parsers dedupe); the anti-join keeps them unique
        # in the store, and a post's hashtags and mentions come with its first copy only.
        # Only stored ids within the batch's id range can match: with that range as a
        # constant, DuckDB skips the row groups outside it (ids grow with time, so a big
        # archive's batch reads a few row groups instead of every stored key).
        low, high = _id_range(tables["posts"])
        con.execute(
            "CREATE OR REPLACE TEMP TABLE batch_new AS SELECT DISTINCT platform, post_id "
            "FROM batch_posts ANTI JOIN deletions USING (platform, post_id) "
            "ANTI JOIN (SELECT platform, post_id FROM posts WHERE post_id BETWEEN ? AND ?) "
            "USING (platform, post_id)", [low, high])
        doomed = 0  # new posts that this batch also deletes: never written
        if deletions:
            doomed = con.execute(
                "DELETE FROM batch_new WHERE (platform, post_id) IN "
                f"(SELECT platform, post_id FROM {deletions})").fetchall()[0][0]
        tombstoned += self._drop_posts_of_deleted_accounts(rows("account_statuses"))
        # the batch numbers its posts 0, 1, ... (schema.POST_COLUMNS): keys after the highest
        # stored one, looked for from the last this writer gave (zone maps skip older row
        # groups); a post stored already leaves its number unused. Hidden posts' keys count:
        # they come back with them when their account returns, and must still be theirs
        base = 1 + con.execute(
            f"SELECT coalesce(max({schema.POST_KEY}), ?) FROM (SELECT {schema.POST_KEY} FROM "
            f"posts UNION ALL SELECT {schema.POST_KEY} FROM hidden_posts) "
            f"WHERE {schema.POST_KEY} >= ?", [self._last_key] * 2).fetchall()[0][0]
        inserted = {table: con.execute(
            f"INSERT INTO {table} BY NAME SELECT * REPLACE (? + {schema.POST_KEY} AS "
            f"{schema.POST_KEY}) FROM batch_{table} SEMI JOIN batch_new USING (platform, post_id)",
            [base]).fetchall()[0][0] for table in schema.KEYED_TABLES}
        added = doomed + inserted["posts"]
        self._last_key = base + len(tables["posts"]) - 1
        con.execute("DROP TABLE batch_new")
        if self._bulk:  # folded once, when the bulk ingest ends
            self._snapshot_seq += 1
            con.execute("INSERT INTO account_snapshots SELECT *, ? FROM batch_accounts",
                        [self._snapshot_seq])
        else:
            con.execute(ACCOUNT_MERGE)
        if rows("handle_sightings"):
            con.execute(HANDLES_MERGE)
        if rows("edits"):
            self._edit()
        if rows("account_statuses"):
            self._set_statuses()
        if inserted["posts"] and self._any_hidden():
            self._hide(f"(SELECT platform, author_id FROM accounts WHERE {HIDDEN})",
                       f"posts.{schema.POST_KEY} >= {base}")
        deleted = doomed
        if deletions:
            con.execute(f"INSERT OR IGNORE INTO deletions SELECT * FROM {deletions}")
            if not self._bulk:
                deleted += self._remove_deleted(deletions)
        if not self._bulk:
            deleted += self._settle()
        if rows("quarantine"):
            con.execute("INSERT OR IGNORE INTO quarantine SELECT * FROM batch_quarantine")
        return added, deleted, tombstoned

    def _delete_locally(self) -> None:
        """A batch's deletes named by a server's local id, as deletes of the posts they name
        (``batch_resolved_deletions``); one whose post is not known yet is kept under the
        local id (``local:SERVER/ID``) until the post arrives (:meth:`_settle`)."""
        self.con.execute(
            "CREATE OR REPLACE TEMP TABLE batch_resolved_deletions AS SELECT d.platform, "
            "coalesce(l.post_id, 'local:' || d.server || '/' || d.local_id) AS post_id, "
            "d.deleted_at, d.reason, d.source_file, d.source_line FROM batch_local_deletions d "
            "LEFT JOIN local_ids l USING (platform, server, local_id)")

    def _drop_posts_of_deleted_accounts(self, statuses: int) -> int:
        """Drop from ``batch_new`` the posts of deleted accounts (tombstoned, or deleted by
        this batch); return how many."""
        deleted = "SELECT platform, author_id FROM account_deletions"
        if statuses:
            deleted += (" UNION SELECT platform, author_id FROM batch_account_statuses "
                        "WHERE NOT active AND status = 'deleted'")
        elif not self._one("SELECT count(*) FROM account_deletions")[0]:
            return 0
        return self.con.execute(
            "DELETE FROM batch_new WHERE (platform, post_id) IN (SELECT platform, post_id "
            f"FROM batch_posts SEMI JOIN ({deleted}) USING (platform, author_id))"
        ).fetchall()[0][0]

    def _edit(self) -> None:
        """A batch's edits of stored posts (``post_versions``): each version counted once,
        and the last new one's text, hashtags and mentions replace the post's."""
        con = self.con
        con.execute(
            "CREATE OR REPLACE TEMP TABLE batch_new_versions AS SELECT e.* FROM batch_edits e "
            "SEMI JOIN (SELECT platform, post_id FROM posts UNION ALL SELECT platform, post_id "
            "FROM hidden_posts) USING (platform, post_id) "
            "ANTI JOIN post_versions USING (platform, post_id, version) "
            "QUALIFY row_number() OVER (PARTITION BY platform, post_id, version "
            "ORDER BY seq) = 1")
        con.execute("INSERT INTO post_versions SELECT platform, post_id, version, edited_at, "
                    "source_file, source_line FROM batch_new_versions")
        # the newest version wins, whatever order the files were read in: the newest of
        # the batch's, unless a stored version is newer still
        con.execute("CREATE OR REPLACE TEMP TABLE batch_latest AS SELECT n.* FROM "
                    "batch_new_versions n LEFT JOIN (SELECT platform, post_id, "
                    "max(edited_at) AS newest FROM post_versions ANTI JOIN batch_new_versions "
                    "USING (platform, post_id, version) GROUP BY ALL) s "
                    "USING (platform, post_id) "
                    "WHERE s.newest IS NULL OR n.edited_at IS NULL OR n.edited_at >= s.newest "
                    "QUALIFY row_number() OVER (PARTITION BY platform, post_id "
                    "ORDER BY n.edited_at DESC NULLS LAST, seq DESC) = 1")
        for table in ("posts", "hidden_posts"):
            con.execute(f"UPDATE {table} SET text = l.text FROM batch_latest l "
                        f"WHERE {table}.platform = l.platform AND {table}.post_id = l.post_id")
        for derived, rows in (("post_hashtags", "tag, tag_written"),
                              ("mentions", "handle, mentioned_author_id")):
            con.execute(f"DELETE FROM {derived} WHERE (platform, post_id) IN "
                        "(SELECT platform, post_id FROM batch_latest)")
            key = rows.split(",")[0]  # a version read twice in a batch (a boost carries
            # the edited status again) lists its tags twice: one row per post and tag
            con.execute(
                f"INSERT INTO {derived} SELECT e.platform, e.post_id, {rows}, p.post_key "
                f"FROM batch_edit_{'hashtags' if derived == 'post_hashtags' else 'mentions'} e "
                "SEMI JOIN batch_latest USING (platform, post_id, version) "
                "JOIN (SELECT platform, post_id, post_key FROM posts UNION ALL SELECT "
                "platform, post_id, post_key FROM hidden_posts) p USING (platform, post_id) "
                f"QUALIFY row_number() OVER (PARTITION BY e.platform, e.post_id, e.{key}) = 1")
        con.execute("DROP TABLE batch_new_versions")
        con.execute("DROP TABLE batch_latest")

    def _set_statuses(self) -> None:
        """A batch's account statuses: recorded on the account; a deleted account's posts
        removed for good (``account_deletions``), an inactive one's hidden, an active one's
        shown again."""
        con = self.con
        con.execute(STATUS_MERGE)
        # a deletion is final, whenever it was read; hiding and showing follow only the
        # statuses that are now the account's (not one older than the stored status)
        con.execute(
            "INSERT OR IGNORE INTO account_deletions SELECT platform, author_id, changed_at, "
            "status, "
            "source_file, source_line FROM batch_account_statuses "
            "WHERE NOT active AND status = 'deleted'")
        if not self._bulk:
            self._remove_authors("(SELECT platform, author_id FROM batch_account_statuses "
                                 "WHERE NOT active AND status = 'deleted')")
        con.execute(
            "CREATE OR REPLACE TEMP TABLE batch_current AS SELECT b.platform, b.author_id, "
            "b.active, b.status FROM batch_account_statuses b JOIN accounts a "
            "USING (platform, author_id) WHERE a.status_at IS NOT DISTINCT FROM b.changed_at AND "
            "a.status IS NOT DISTINCT FROM (CASE WHEN b.active THEN NULL ELSE b.status END)")
        self._hide(f"(SELECT platform, author_id FROM batch_current WHERE NOT active "
                   f"AND status IN {HIDING})")
        shown = "(SELECT platform, author_id FROM batch_current WHERE active)"
        con.execute(f"INSERT INTO posts BY NAME SELECT * FROM hidden_posts SEMI JOIN {shown} "
                    "USING (platform, author_id) ANTI JOIN posts USING (platform, post_id)")
        con.execute(f"DELETE FROM hidden_posts WHERE (platform, author_id) IN {shown}")
        con.execute("DROP TABLE batch_current")
        self._hidden = None  # recounted when next asked

    def _hide(self, authors: str, among: str = "true") -> None:
        """Move the posts by ``authors`` (a relation of platform, author_id) that hold
        ``among`` from ``posts`` to ``hidden_posts``."""
        moved = self.con.execute(
            f"INSERT INTO hidden_posts BY NAME SELECT * FROM posts WHERE {among} AND "
            f"(platform, author_id) IN {authors}").fetchall()[0][0]
        if moved:
            self.con.execute(f"DELETE FROM posts WHERE {among} AND "
                             f"(platform, author_id) IN {authors}")

    def _any_hidden(self) -> bool:
        """Whether an account is hidden (counted once per writer, then kept)."""
        if self._hidden is None:
            self._hidden = self._one(f"SELECT count(*) FROM accounts WHERE {HIDDEN}")[0] > 0
        return self._hidden

    def _remove_authors(self, authors: str) -> int:
        """Remove every post by ``authors`` (shown or hidden) and its derived rows."""
        self.con.execute(
            "CREATE OR REPLACE TEMP TABLE gone AS SELECT platform, post_id FROM posts "
            f"WHERE (platform, author_id) IN {authors} UNION ALL SELECT platform, post_id "
            f"FROM hidden_posts WHERE (platform, author_id) IN {authors}")
        removed = self._remove_deleted("gone")
        self.con.execute("DROP TABLE gone")
        return removed

    def _settle(self) -> int:
        """What waits on posts that arrived later: deletes named by a local id whose post is
        now known, replies to a local id now known (Mastodon), the posts of deleted
        accounts. Run per batch outside a bulk ingest, once at its end inside one; returns
        the posts removed."""
        con = self.con
        removed = 0
        if self._one("SELECT count(*) FROM (SELECT 1 FROM local_ids LIMIT 1)")[0]:
            con.execute(
                "CREATE OR REPLACE TEMP TABLE settled AS SELECT l.platform, l.post_id, "
                "d.deleted_at, d.reason, d.source_file, d.source_line FROM deletions d "
                "JOIN local_ids l ON d.platform = l.platform AND d.post_id = "
                "'local:' || l.server || '/' || l.local_id WHERE d.post_id LIKE 'local:%'")
            con.execute("INSERT OR IGNORE INTO deletions SELECT * FROM settled")
            removed += self._remove_deleted("settled")
            con.execute("DROP TABLE settled")
            for table in ("posts", "hidden_posts"):
                for column in ("reply_to_post_id", "quote_of_post_id"):
                    con.execute(
                        f"UPDATE {table} SET {column} = l.post_id FROM local_ids l "
                        f"WHERE {table}.{column} LIKE 'local:%' AND {table}.platform = "
                        f"l.platform AND {table}.{column} = "
                        "'local:' || l.server || '/' || l.local_id")
        if self._one("SELECT count(*) FROM account_deletions")[0]:
            removed += self._remove_authors("(SELECT platform, author_id FROM "
                                            "account_deletions)")
        return removed + self._forget_departed()

    def _forget_departed(self) -> int:
        """Accounts that left their platform are forgotten (groundswell.privacy.forget): a
        deleted account (``account_deletions``), and a Twitter account named by a compliance
        delete — user compliance lines look like a tweet's, so a delete whose id is a stored
        account's and no stored post's is read as one. Their tombstones replace the notices
        (which name them); the exports and the file wait for the end of the ingest
        (``forget.finish``). Returns the posts removed."""
        con = self.con
        twitter = self._one("SELECT count(*) FROM (SELECT 1 FROM deletions "
                            "WHERE platform = 'twitter' LIMIT 1)")[0]
        if not twitter and not self._one("SELECT count(*) FROM account_deletions")[0]:
            return 0
        con.execute("CREATE OR REPLACE TEMP TABLE forget_accounts AS SELECT DISTINCT platform, "
                    "author_id FROM account_deletions")
        if twitter:
            con.execute("CREATE OR REPLACE TEMP TABLE gs_users AS SELECT DISTINCT d.platform, "
                        "d.post_id AS author_id FROM deletions d SEMI JOIN accounts a "
                        "ON a.platform = d.platform AND a.author_id = d.post_id "
                        "WHERE d.platform = 'twitter'")
            if self._one("SELECT count(*) FROM gs_users")[0]:  # rare: scan posts only then
                con.execute("INSERT INTO forget_accounts SELECT * FROM gs_users WHERE "
                            "author_id NOT IN (SELECT post_id FROM posts WHERE platform = "
                            "'twitter' AND post_id IN (SELECT author_id FROM gs_users)) "
                            "AND (platform, author_id) NOT IN (SELECT platform, author_id "
                            "FROM forget_accounts)")
            con.execute("DROP TABLE gs_users")
        if not self._one("SELECT count(*) FROM forget_accounts")[0]:
            self.con.execute("DROP TABLE forget_accounts")
            return 0
        from groundswell.erase import erase

        return erase(self, reason="deleted")["posts"]

    def _any_forgotten(self) -> bool:
        """Whether tombstones of forgetting exist (asked once per writer, then kept; a
        forgetting or a compaction asks again)."""
        if self._forgotten is None:
            from groundswell.tombstones import any_tombstones

            self._forgotten = any_tombstones(self.con)
        return self._forgotten

    def _remove_deleted(self, tombstones: str) -> int:
        """Remove the posts named in ``tombstones`` (shown or hidden) and their derived rows;
        return how many shown posts. Each table is scanned once: cheap once, costly per
        batch of a big ingest."""
        for derived in (*schema.POST_DERIVED_TABLES, "hidden_posts"):
            self.con.execute(f"DELETE FROM {derived} WHERE (platform, post_id) IN "
                             f"(SELECT platform, post_id FROM {tombstones})")
        return self.con.execute(
            f"DELETE FROM posts WHERE (platform, post_id) IN "
            f"(SELECT platform, post_id FROM {tombstones})").fetchall()[0][0]

    def sweep_deleted(self) -> int:
        """Remove every stored post that has a tombstone (and its derived rows), in one
        transaction; return how many posts. Run at both ends of a bulk ingest, so a run that
        was killed between a delete and its sweep is completed by the next one."""
        if not any(self._one(f"SELECT count(*) FROM (SELECT 1 FROM {table} LIMIT 1)")[0]
                   for table in ("deletions", "local_ids", "account_deletions")):
            return 0
        return self._with_room(lambda: self._settle() + self._remove_deleted("deletions"),
                               "the next run removes the deleted posts")

    def fold_accounts(self) -> int:
        """Fold the account snapshots a bulk ingest staged into ``accounts``, in one
        transaction (``ACCOUNT_FOLD``); return how many snapshots. Run when a bulk ingest ends,
        and when a store opens for writing or a bulk ingest starts, so snapshots a killed run
        staged are folded before any newer one."""
        staged = self._one("SELECT count(*) FROM account_snapshots")[0]
        if staged:
            self._atomically(lambda: (
                self.con.execute(ACCOUNT_FOLD),
                self.con.execute("DELETE FROM account_snapshots")),
                "the account snapshots stay staged for the next run to fold")
        return staged

    def _atomically(self, work: Callable[[], T], safe: str) -> T:
        """Run ``work`` in one transaction; a refused write becomes a one-line StoreError
        that ends with ``safe`` (why nothing was lost)."""
        try:
            self.con.execute("BEGIN")
            result = work()
            self.con.execute("COMMIT")
        except BaseException as exc:
            try:
                self.con.execute("ROLLBACK")
            except duckdb.Error:
                pass  # a failed COMMIT has already rolled back (and a fatal error closed it all)
            failure = _write_failure(exc, self.path, safe=safe)
            if failure is None:
                raise
            raise failure from exc
        return result

    def _with_room(self, work: Callable[[], T], safe: str) -> T:
        """:meth:`_atomically`, and in a bulk ingest, if ``work`` ran out of the writer's
        memory budget (and was rolled back), the budget doubled and ``work`` run again, up to
        half the machine's memory.

        Why: the budget is sized for real posts (:data:`BULK_MEMORY_MIB`), and one batch of
        absurd values (a damaged file's 20 MB "tweet") must not stop the run. Running a
        rolled-back batch again is what re-running the ingest would do. The raised budget
        holds until the bulk ingest ends, and the ingest's summary says it was raised."""
        while True:
            try:
                return self._atomically(work, safe)
            except StoreError as exc:
                if self.budget_mib is None or \
                        not isinstance(exc.__cause__, duckdb.OutOfMemoryException):
                    raise
                ceiling = memory_ceiling_mib()
                if self.budget_mib >= ceiling:
                    raise _write_failure(exc.__cause__, self.path, safe=safe,
                                         budget_mib=self.budget_mib) from exc.__cause__
                self.budget_mib = min(2 * self.budget_mib, ceiling)
                try:
                    self.con.execute(f"SET memory_limit = '{self.budget_mib}MiB'")
                except duckdb.Error:
                    raise exc from exc.__cause__  # the failure closed the database

    @property
    def raised_budget_mib(self) -> int | None:
        """The writer's budget if a batch of this bulk ingest needed more than it started
        with (:meth:`_with_room`), else None."""
        return self.budget_mib if self.budget_mib not in (None, bulk_memory_mib()) else None

    @contextmanager
    def bulk_writes(self) -> Iterator[None]:
        """Checkpoint every 128 MiB of log instead of DuckDB's default 16 MiB while a big
        ingest runs: with the default, nearly every batch's commit rewrote the file (measured:
        10 of 13 seconds of writing for a million posts). Readers opening the store meanwhile
        replay a longer log, so live following keeps the default.

        Deletes of posts stored by earlier batches are also deferred to one
        :meth:`sweep_deleted` (measured: three table scans per batch were most of the writing
        time of a 10-million-post ingest); tombstones are written at once, so a deleted post
        is never stored again meanwhile.

        Account snapshots, likewise, are staged (``account_snapshots``, in batch order) and
        folded into ``accounts`` once at the end (:meth:`fold_accounts`): the per-batch
        ``ACCOUNT_MERGE`` scanned every stored account, and rewrote the row groups it updated
        at each checkpoint, in every batch. Until then, readers see the accounts as they were
        before the ingest (posts arrive batch by batch)."""
        self.con.execute(f"SET checkpoint_threshold = '{BULK_CHECKPOINT}'")
        # and within a memory budget: DuckDB's default (80 % of RAM) would cache the whole
        # archive as it grows, while parsing workers need the rest
        self.budget_mib = bulk_memory_mib()
        self.con.execute(f"SET memory_limit = '{self.budget_mib}MiB'")
        self.fold_accounts()  # what a killed run staged goes first
        self._snapshot_seq = 0
        self._bulk = True  # deletes swept and snapshots folded once, at the end
        try:
            yield
            self._bulk = False
            self.con.execute(f"SET memory_limit = '{max(self.budget_mib, FOLD_MEMORY_MIB)}MiB'")
            self.fold_accounts()
        finally:
            self._bulk, self.budget_mib = False, None
            try:
                self.con.execute("RESET checkpoint_threshold")
                self.con.execute("RESET memory_limit")
            except duckdb.Error:
                pass  # a fatal write error closed the database: that error is the one to see

    def log_ingest(self, row: tuple) -> None:
        """Record one ingest run in ``ingests`` (``row`` in its column order, ``run_id``
        first), replacing that run's earlier row: a follower updates its one row per batch."""
        self._atomically(lambda: (
            self.con.execute("DELETE FROM ingests WHERE run_id = ?", [row[0]]),
            self.con.execute("INSERT INTO ingests VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                             row)), "every batch is in the store")

    def record_export(self, path: str | os.PathLike[str], private: bool,
                      key_fingerprint: str) -> None:
        """Record a Parquet export just written to ``path`` (replacing an earlier record of
        that folder), so that forgetting can clean it (``groundswell forget``). ``private``:
        private accounts are pseudonyms in it, under the key of ``key_fingerprint``."""
        from datetime import UTC, datetime

        now = datetime.now(UTC).replace(tzinfo=None)
        self._atomically(lambda: self.con.execute(
            "INSERT OR REPLACE INTO exports VALUES (?, ?, ?, ?)",
            [str(Path(path).resolve()), now, bool(private), key_fingerprint]),
            "the export is written; only its record is missing")

    # -- compacting ------------------------------------------------------------------------
    def compact(self, finish: Callable[[str], None] | None = None) -> None:
        """Rewrite the store's file with nothing but the rows it holds now.

        Why: DuckDB marks deleted rows but keeps their bytes in the file's blocks (and reuses
        freed blocks without zeroing them), so after forgetting an account its posts could
        still be read from the raw file. ``COPY FROM DATABASE`` into a new file writes only
        the live rows; the copy then replaces the file.

        ``finish(alias)`` runs on the copy (attached as ``alias``) before it is closed: what
        must change only once the copy is in place (forgetting's ``pending`` flag).

        Safe: the copy is written beside the store, synced, and renamed over it only when
        complete; a failure or a crash before that leaves the store as it was (a killed run's
        copy is removed the next time the store opens to write). Other processes are locked
        out of the file during the swap. Costs time and free space proportional to the store.
        The store stays open, on a new connection: temporary tables, registered functions
        and the Ibis backend of the old one are gone. An in-memory store has no file: only
        ``finish`` runs."""
        if self._bulk:
            raise StoreError("cannot compact the store during a bulk ingest")
        if str(self.path) == ":memory:":
            if finish is not None:
                self._atomically(lambda: finish(self._one("SELECT current_database()")[0]),
                                 "nothing was changed")
            return
        source = self._one("SELECT current_database()")[0]
        alias = f"gs_copy_{secrets.token_hex(4)}"
        copy = self.path.with_name(f"{_copy_prefix(self.path)}{secrets.token_hex(6)}")
        safe = f"{self.path} is unchanged"
        try:
            self.con.execute(f"ATTACH '{_sql_path(copy)}' AS {alias}")
            try:
                self.con.execute(f"COPY FROM DATABASE \"{source}\" TO {alias}")
                if finish is not None:
                    finish(alias)
            finally:
                self.con.execute(f"DETACH {alias}")  # checkpoints the copy: no WAL left
            if Path(f"{copy}.wal").exists():
                raise StoreError(f"compacting {self.path}: the copy kept a log; {safe}")
            _fsync(copy)
        except BaseException as exc:
            _unlink(copy, Path(f"{copy}.wal"))
            failure = _write_failure(exc, self.path, "compacting", safe)
            if failure is None:
                raise
            raise failure from exc
        self._ibis = None
        try:
            self.con.close()  # checkpoints the store: its WAL goes into the old file
        except duckdb.Error as exc:
            _unlink(copy)
            self.con = self._connect(read_only=False)
            failure = _write_failure(exc, self.path, "compacting", safe)
            raise (failure or exc) from exc
        try:
            self._swap_in(copy)
        except StoreError:
            raise
        except BaseException as exc:
            failure = _write_failure(exc, self.path, "compacting", safe)
            if failure is None:
                raise
            raise failure from exc
        finally:
            _unlink(copy)  # still there if the swap was refused
            self.con = self._connect(read_only=False)  # the new file, or the old one
            self._hidden = self._forgotten = None

    def _swap_in(self, copy: Path) -> None:
        """Rename ``copy`` over the store (closed), unless someone has it open."""
        try:  # another connection in this process keeps DuckDB's instance: the copy would be
            # out of its sight (and it would go on writing the old file)
            duckdb.connect(str(self.path), read_only=True).close()
        except duckdb.Error as exc:
            raise StoreBusy(f"cannot compact {self.path}: it is open elsewhere (in this "
                            f"process or another); it is unchanged — close it and run "
                            f"`groundswell forget --pending`") from exc
        fd = os.open(self.path, os.O_RDWR)
        try:
            try:
                import fcntl

                # DuckDB's own lock: no process opens the store while the file is swapped
                fcntl.lockf(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except ImportError:
                pass
            except OSError:
                raise StoreBusy(f"cannot compact {self.path}: another process opened it; it "
                                "is unchanged — run `groundswell forget --pending` later"
                                ) from None
            if Path(f"{self.path}.wal").exists():
                raise StoreError(f"cannot compact {self.path}: its log was not written into "
                                 "it on closing; it is unchanged")
            os.chmod(copy, stat.S_IMODE(os.fstat(fd).st_mode))  # the store's permissions
            os.replace(copy, self.path)
            _fsync(self.path.parent, directory=True)
        finally:
            os.close(fd)

    # -- reading ---------------------------------------------------------------------------
    def _one(self, sql: str, params: list | None = None):
        """First row of a query. ``fetchall``, not ``fetchone``: DuckDB keeps a half-read
        result open on the connection, and Ibis then refuses to run on it."""
        rows = self.con.execute(sql, params or []).fetchall()
        return rows[0] if rows else None

    def has_table(self, table: str) -> bool:
        """Whether this store holds ``table`` (tables made on first use: ledgers, cursors)."""
        return bool(self._one(
            "SELECT count(*) FROM duckdb_tables() WHERE table_name = ? AND NOT temporary "
            "AND database_name = current_database()", [table])[0])

    def count(self, table: str) -> int:
        if table not in schema.TABLES:
            raise KeyError(table)
        return self._one(f"SELECT count(*) FROM {table}")[0]

    @property
    def ibis(self):
        """An Ibis backend over this store's connection: metrics are Ibis expressions."""
        if self._ibis is None:
            import ibis

            self._ibis = ibis.duckdb.from_connection(self.con)
        return self._ibis

    def table(self, name: str) -> ir.Table:
        return self.ibis.table(name)

    @property
    def store_id(self) -> str:
        """The store's random id: the name of its pseudonym key file."""
        row = self._one("SELECT value FROM meta WHERE key = 'store_id'")
        return row[0] if row else ""

    @property
    def pseudonym_key(self) -> bytes:
        """The key behind outputs' pseudonyms, read from its file outside the store (made,
        owner-only, the first time it is needed; see :mod:`groundswell.keys`)."""
        from groundswell.keys import load_key

        if str(self.path) == ":memory:":  # a store that dies with the process: so does its key
            if not getattr(self, "_memory_key", None):
                self._memory_key = secrets.token_bytes(32)
            return self._memory_key
        legacy = self._one("SELECT value FROM meta WHERE key = 'pseudonym_key'")
        if legacy:  # an old store opened read-only keeps its pseudonyms until opened to write
            known = load_key(self.store_id, create=False) if self.store_id else b""
            return known or bytes.fromhex(legacy[0])
        return load_key(self.store_id) if self.store_id else b""

    def _move_key_out(self) -> None:
        """Stores made before keys moved out kept theirs in ``meta``: write it to the key
        file (unless one exists) and delete it from the store."""
        from groundswell.keys import key_path, write_key

        row = self._one("SELECT value FROM meta WHERE key = 'pseudonym_key'")
        if row is None:
            return
        if not key_path(self.store_id).exists():
            write_key(self.store_id, bytes.fromhex(row[0]), replace=False)
        self.con.execute("DELETE FROM meta WHERE key = 'pseudonym_key'")
