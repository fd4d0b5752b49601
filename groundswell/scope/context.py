"""The shared, computed-once inputs of a metrics run.

Every metric needs "the matching posts", and evaluating the matching rule (tag semi-joins, a
phrase regex, reposts of matches) is the most expensive step of a report. A :class:`Context`
evaluates it once per run and caches it in the engine (a temp table on DuckDB, a cached
DataFrame on Spark), so ten metrics cost one scan, not ten.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from functools import cached_property
from typing import Any

import ibis.expr.types as ir

from groundswell.keys import pseudonym
from groundswell.policy import Policy
from groundswell.schema import POST_KEY
from groundswell.scope.matching import Scope
from groundswell.scope.tables import Tables
from groundswell.scope.values import scalar

MATCHED_COLUMNS = ("platform", "post_id", POST_KEY, "author_id", "created_at", "lang", "kind",
                   "repost_of_post_id")


class Context:
    def __init__(self, tables: Tables, scope: Scope):
        self.tables = tables
        self.scope = scope
        self.campaign = scope.campaign
        self._tagged: dict[tuple[str, ...], ir.Table] = {}
        self._parts: list[ir.Table] = []  # what ``matched`` cached
        #: The run's other results, computed on demand (set by ``groundswell.metrics.run``):
        #: how a metric reads another's, e.g. bursts the trending metric's response tags.
        self.results: Mapping[str, Any] = {}

    @cached_property
    def matched(self) -> ir.Table:
        """All posts matching the scope (see :mod:`groundswell.scope.matching`), with the
        columns metrics group and join on (those the tables have: the dashboard's snapshot
        holds fewer). Not the text nor provenance: caching them cost more than every metric
        together (a metric that needs text joins ``tables.posts``).

        Cached in two parts, the direct matches and the reposts of them, and read as their
        union: the reposts are found from the cached direct matches, and caching the union
        as well wrote every matching post twice (a quarter of the matching's time)."""
        scope, tables = self.scope, self.tables
        if self.campaign is None:
            self._parts = [self._narrow(scope.window(tables)).cache()]
            return self._parts[0]
        direct = self._narrow(scope.direct(tables)).cache()
        self._parts = [direct, self._narrow(scope.reposts_of(direct, tables)).cache()]
        return direct.union(self._parts[1])

    @property
    def direct(self) -> ir.Table:
        """The cached direct matches (rules 1 and 2; without a campaign, the window): the
        first part of ``matched``."""
        self.matched  # noqa: B018 (caches the parts)
        return self._parts[0]

    @property
    def roots(self) -> ir.Table:
        """The matching posts that are not reposts, read from the direct matches alone
        (rule 3 adds only reposts). A query reading both these and ``matched`` makes
        DuckDB materialise the union of the parts first: 0.7 s at 10M posts."""
        return self.direct.filter(self.direct.kind != "repost")

    @staticmethod
    def _narrow(posts: ir.Table) -> ir.Table:
        return posts.select(*(c for c in MATCHED_COLUMNS if c in posts.columns))

    def release(self) -> None:
        """Drop the engine-side caches now rather than whenever they are garbage-collected
        (by then the store may be closed)."""
        self.__dict__.pop("matched", None)
        for cached in self._parts:
            cached.release()
        self._parts = []
        cached = self.__dict__.pop("joiners", None)
        if cached is not None:
            cached.release()
        while self._tagged:
            self._tagged.popitem()[1].release()

    def tagged(self, tags: tuple[str, ...] | list[str]) -> ir.Table:
        """Posts in the window carrying any of ``tags`` (normalised), one row per post and
        tag, with author and time; cached per set of tags. Response tags ask several
        questions each of these few rows: joining the hashtags of the whole window once per
        question cost more than all other metrics at 10 million posts."""
        key = tuple(sorted(set(tags)))
        if key not in self._tagged:
            self._tagged[key] = self.carrying(key).cache()
        return self._tagged[key]

    def carrying(self, tags: tuple[str, ...] | list[str]) -> ir.Table:
        """:meth:`tagged` without the cache, for a single question (caching millions of
        rows to read them once cost more than the join)."""
        on = self.key
        window = self.within(tags).select(*on, "author_id", "created_at")
        hashtags = self.tables.post_hashtags
        return hashtags.filter(hashtags.tag.isin(list(tags))).select(*on, "tag").join(
            window, on)

    def within(self, tags: tuple[str, ...] | list[str]) -> ir.Table:
        """Where posts carrying ``tags`` are looked for: a post carrying a campaign tag is a
        direct match, and the cached direct matches are fewer and narrower than the window's
        posts (other tags, like response tags, are looked for in the window)."""
        if self.campaign and set(tags) <= set(self.campaign.tags):
            return self.direct
        return self.scope.window(self.tables)

    @property
    def key(self) -> list[str]:
        """What joins posts with their hashtags (:attr:`Tables.key`)."""
        return self.tables.key

    @cached_property
    def joiners(self) -> ir.Table:
        """One row per account in scope: when it first matched, and whether as a participant.

        ``first_at``: first matching post of any kind; ``first_part_at``: first matching
        original, reply or quote (NULL for amplifiers, who only reposted).
        """
        m = self.matched
        m = m.filter(m.author_id.notnull())  # a table's row without an author is nobody
        part_time = (m.kind != "repost").ifelse(m.created_at, None)
        return m.group_by(["platform", "author_id"]).aggregate(
            first_at=m.created_at.min(), first_part_at=part_time.min()
        ).cache()

    @cached_property
    def origin_at(self) -> datetime | None:
        """When the call to action was posted (the first of its origin posts; on one
        platform's scope, that platform's, if it has one); else the first matching post."""
        posts = self.tables.posts
        ids = list(self.campaign.origin_post_ids) if self.campaign else []
        if ids:
            origins = posts.filter(posts.post_id.isin(ids))
            if self.scope.platform is not None:
                mine = origins.filter(origins.platform == self.scope.platform)
                found = scalar(mine.created_at.min())
                if found is not None:
                    return found
            found = scalar(origins.created_at.min())
            if found is not None:
                return found
        return scalar(self.matched.created_at.min())

    @property
    def policy(self) -> Policy:
        """The privacy policy in force: who is public, the smallest cell, ``--reveal``."""
        return self.scope.policy

    @property
    def public_rule(self) -> tuple[int, bool]:
        """Who is a public figure: ``(followers at least, or verified if True)``, the
        campaign's (100,000 and the badge without one); listed handles besides."""
        return self.policy.min_followers, self.policy.verified

    def is_public_figure(self, followers: int | None, verified: bool | None,
                         handle: str | None = None) -> bool:
        """Public figures may be named in reports; everyone else gets a pseudonym."""
        return self.policy.is_public(handle, followers, verified)

    def public_figure_filter(self, accounts: ir.Table) -> ir.BooleanValue:
        """:meth:`is_public_figure` as an Ibis condition on ``followers``, ``verified`` and
        ``handle``."""
        policy = self.policy
        cond = accounts.followers.fill_null(0) >= policy.min_followers
        if policy.verified:
            cond = cond | accounts.verified.fill_null(False)
        if policy.handles:
            cond = cond | accounts.handle.lower().isin(sorted(policy.handles)).fill_null(False)
        return cond

    def pseudonym(self, platform: str, author_id: str) -> str:
        """A keyed pseudonym: stable under the store's key, meaningless without it."""
        if self.scope.pseudonymous and author_id.startswith("acct-"):
            return author_id  # a private export's: made with the same key already
        return pseudonym(self.scope.pseudonym_key, platform, author_id)

    def name(self, platform: str, author_id: str, handle: str | None,
             followers: int | None, verified: bool | None) -> str:
        """A public figure's handle; with ``--reveal`` anyone's; else the keyed pseudonym."""
        if handle and (self.policy.reveal or self.is_public_figure(followers, verified, handle)):
            return f"@{handle}"
        return self.pseudonym(platform, author_id)

    @cached_property
    def reply_forest(self):
        """Every reply link inside the window, as a :class:`~groundswell.scope.forest.Forest`:
        numbered by post key where the store has keys (a parent's key found by one join in
        the engine, which is cheaper than hashing every id in Python), else by post id."""
        from groundswell.scope.forest import Forest

        window = self.scope.window(self.tables)
        replies = window.filter(window.reply_to_post_id.notnull())
        if self.key != [POST_KEY]:
            edges = replies.select("post_id", "reply_to_post_id").to_pyarrow()
            return Forest(edges["post_id"], edges["reply_to_post_id"])
        stored = window.select("platform", parent_id="post_id", parent_key=POST_KEY)
        replied = stored.semi_join(replies, [stored.platform == replies.platform,
                                             stored.parent_id == replies.reply_to_post_id])
        linked = replies.left_join(replied, [replies.platform == replied.platform,
                                             replies.reply_to_post_id == replied.parent_id])
        edges = linked.select(
            child=linked[POST_KEY], parent=linked.parent_key,
            unstored=linked.parent_key.isnull().ifelse(linked.reply_to_post_id, None),
        ).to_pyarrow()
        origins = list(self.campaign.origin_post_ids) if self.campaign else []
        names = {}
        if origins:  # without one, no scan of every post id
            named = window.filter(window.post_id.isin(origins)).select("post_id", POST_KEY)
            names = {r["post_id"]: r[POST_KEY] for r in named.to_pyarrow().to_pylist()}
        return Forest.from_keys(edges["child"], edges["parent"], edges["unstored"], names,
                                self._ids_of)

    def _ids_of(self, keys: list[int]) -> dict[int, str]:
        """Post ids of a few post keys."""
        if not keys:
            return {}
        posts = self.tables.posts
        found = posts.filter(posts[POST_KEY].isin(keys)).select(POST_KEY, "post_id")
        return {r[POST_KEY]: r["post_id"] for r in found.to_pyarrow().to_pylist()}
