"""The canonical tables as Ibis expressions, whichever engine holds them (the store, a
Parquet export on DuckDB or on Spark, the dashboard's snapshot)."""

from __future__ import annotations

from typing import Any

import ibis.expr.types as ir

from groundswell.schema import POST_KEY

#: A post's identity. Joins between posts and their hashtags use :attr:`Tables.key`.
KEY = ["platform", "post_id"]
#: The tables metrics read (``Metric.needs`` names some of them).
CANONICAL = ("posts", "accounts", "post_hashtags", "mentions")


class _Table:
    """A canonical table of :class:`Tables`, named by its attribute, read when first used."""

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = name

    def __get__(self, tables: Tables, owner: type | None = None) -> ir.Table:
        return tables.table(self.name)


class Tables:
    """The canonical tables of one backend (an Ibis backend, or an
    :class:`~groundswell.engines.Engine`), each read from it when first used: a question that
    needs fewer tables runs where the others are missing (an export of some tables, the
    dashboard's snapshot), and :meth:`available` says up front which are there."""

    def __init__(self, backend: Any) -> None:
        self._backend = backend
        self._tables: dict[str, ir.Table] = {}

    @classmethod
    def from_backend(cls, backend: Any) -> Tables:
        return cls(backend)

    def table(self, name: str) -> ir.Table:
        if name not in self._tables:
            self._tables[name] = self._backend.table(name)
        return self._tables[name]

    posts = _Table()
    accounts = _Table()
    post_hashtags = _Table()
    mentions = _Table()

    def available(self) -> set[str]:
        """The canonical tables the backend holds (an Engine says what it exported; of a
        bare backend each is asked for: Ibis 12's ``list_tables`` fails on DuckDB 2)."""
        names = getattr(self._backend, "names", None)
        if names is not None:
            return set(names) & set(CANONICAL)
        found = set()
        for name in CANONICAL:
            try:
                self.table(name)
            except Exception:  # noqa: BLE001 - each engine says "no such table" its own way
                continue
            found.add(name)
        return found

    @property
    def key(self) -> list[str]:
        """The columns that join posts with their hashtags: the writer's integer post key
        where both tables have it (schema 4), else ``(platform, post_id)`` (older stores read
        read-only, older exports, the dashboard's snapshots). Same rows either way; integers
        join about twice as fast as the two strings."""
        if all(POST_KEY in t.columns for t in (self.posts, self.post_hashtags)):
            return [POST_KEY]
        return KEY
