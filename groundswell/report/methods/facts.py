"""What the store itself records about the data behind a report, read with plain SQL.

Why from the store and not from the user: a methods section must describe what was actually
counted — the platforms and days the posts span, how many files and lines were read, which
copies were not counted twice, what was deleted or forgotten — and the store keeps every one
of those records (``ingests``, ``quarantine``, ``deletions``, ``post_versions``,
``hidden_posts``, ``forgotten``; docs/schema.md). A Parquet export carries some of them and
not others (never the tombstones of forgotten accounts; a private one not the quarantine):
what is missing is ``None`` here, and the text says it was not available rather than zero.

Privacy: a platform's post count and its first and last day describe its authors; when they
are fewer than the policy's ``k`` the count is shown as ``"<k"`` and the days are left out.
Forgotten accounts and posts are people too: their counts follow the same rule.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import PurePath
from typing import TYPE_CHECKING

import duckdb

if TYPE_CHECKING:
    from groundswell.policy import Policy

COMPRESSED = (".gz", ".zst", ".bz2", ".xz")


@dataclass(frozen=True)
class Platform:
    """One platform's stored posts: how many, and the UTC days of the first and last."""

    name: str
    posts: int | str
    first_day: str | None
    last_day: str | None


@dataclass(frozen=True)
class Collection:
    """The ingest log: runs, files (by type), lines read, copies not counted twice."""

    runs: int
    files: int
    file_types: dict[str, int]
    lines: int
    posts_seen: int
    duplicates: int
    first_run: str | None
    last_run: str | None


@dataclass(frozen=True)
class Removals:
    """What was left out or replaced; None where the source does not record it."""

    quarantined: int | None = None
    deletions: int | None = None
    deletion_reasons: dict[str, int] = field(default_factory=dict)
    forgotten: dict[str, int | str] | None = None
    hidden_posts: int | None = None
    edited_posts: int | None = None
    versions: int | None = None


def _rows(con: duckdb.DuckDBPyConnection, sql: str) -> list[tuple] | None:
    """The rows of ``sql``, or None when a table it reads is not there (an export)."""
    try:
        return con.execute(sql).fetchall()
    except duckdb.CatalogException:
        return None


def _day(value: datetime | None) -> str | None:
    return None if value is None else value.date().isoformat()


def _shown(count: int, people: int, policy: Policy) -> int | str:
    return policy.shown_small if policy.small(people) else count


def platforms(con: duckdb.DuckDBPyConnection, policy: Policy) -> list[Platform]:
    """Each platform's posts and first/last day, busiest first (small ones suppressed)."""
    found = _rows(con, "SELECT platform, count(*), count(DISTINCT author_id), min(created_at),"
                       " max(created_at) FROM posts GROUP BY platform ORDER BY 2 DESC, 1") or []
    out = []
    for name, posts, authors, first, last in found:
        small = policy.small(authors)
        out.append(Platform(name, policy.shown_small if small else posts,
                            None if small else _day(first), None if small else _day(last)))
    return out


def file_type(name: str) -> str:
    """``metoo.jsonl.gz`` → ``.jsonl.gz``; ``<stdin>`` → ``stdin``."""
    if name.startswith("<"):
        return name.strip("<>")
    suffixes = PurePath(name).suffixes
    if not suffixes:
        return "(no extension)"
    keep = 2 if suffixes[-1].lower() in COMPRESSED and len(suffixes) > 1 else 1
    return "".join(suffixes[-keep:]).lower()


def collection(con: duckdb.DuckDBPyConnection) -> Collection | None:
    """The ingest log summed over every run (None when the source has none)."""
    runs = _rows(con, "SELECT count(*), sum(lines), sum(posts_seen), sum(duplicates), "
                      "min(started_at), max(finished_at) FROM ingests")
    if not runs or not runs[0][0]:
        return None
    count, lines, seen, duplicates, first, last = runs[0]
    files: set[str] = set()
    for (sources,) in _rows(con, "SELECT sources FROM ingests") or []:
        try:
            files.update(str(f) for f in json.loads(sources or "[]"))
        except ValueError:
            continue
    types = Counter(file_type(f) for f in files)
    return Collection(int(count), len(files), dict(sorted(types.items())), int(lines or 0),
                      int(seen or 0), int(duplicates or 0), _day(first), _day(last))


def _one(con: duckdb.DuckDBPyConnection, sql: str) -> int | None:
    found = _rows(con, sql)
    return None if found is None else int(found[0][0] or 0)


def removals(con: duckdb.DuckDBPyConnection, policy: Policy) -> Removals:
    """Quarantined lines, deletion notices by reason, forgotten accounts/posts/handles,
    hidden posts and edits, as the source records them."""
    reasons = _rows(con, "SELECT coalesce(reason, 'unknown'), count(*) FROM deletions "
                         "GROUP BY 1 ORDER BY 2 DESC, 1")
    forgotten = _rows(con, "SELECT kind, count(*) FROM forgotten GROUP BY kind ORDER BY kind")
    versions = _rows(con, "SELECT count(DISTINCT (platform, post_id)), count(*) "
                          "FROM post_versions")
    return Removals(
        quarantined=_one(con, "SELECT count(*) FROM quarantine"),
        deletions=None if reasons is None else sum(n for _, n in reasons),
        deletion_reasons={r: int(n) for r, n in reasons or []},
        forgotten=None if forgotten is None else {k: _shown(int(n), int(n), policy)
                                                  for k, n in forgotten},
        hidden_posts=_one(con, "SELECT count(*) FROM hidden_posts"),
        edited_posts=None if versions is None else int(versions[0][0]),
        versions=None if versions is None else int(versions[0][1]),
    )
