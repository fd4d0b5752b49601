"""Which posts a report is about: a campaign's matching rule, as Ibis expressions.

The matching rule lives here, once, for every metric and every engine. A post matches a
campaign when, inside the campaign's window, it

1. carries one of the campaign's tags (the main tag or a variant), or
2. contains one of the campaign's phrases as whole words, case-insensitive (only in direct
   replies to the origin post(s) when the campaign says so), or
3. is a repost of a post matching 1 or 2 (a retweet's own text may have lost the tag to
   Twitter's truncation; it still amplifies the campaign).

Without a campaign every stored post is in scope.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from functools import reduce

import ibis
import ibis.expr.types as ir

from groundswell.campaign import Campaign
from groundswell.policy import Policy
from groundswell.scope.tables import Tables


@dataclass(frozen=True)
class Scope:
    """Which posts a report is about: a campaign's, or (no campaign) every stored post."""

    campaign: Campaign | None = None
    pseudonym_key: bytes = field(default=b"", repr=False, compare=False)
    #: One platform's posts only (a cross-platform report's part); None: every platform.
    platform: str | None = None
    #: The user asked explicitly (``--reveal``) to see private accounts' handles.
    reveal: bool = False
    #: The tables hold private accounts as pseudonyms already (a private Parquet export:
    #: groundswell.privacy.redact), made with ``pseudonym_key``: name them as they are.
    pseudonymous: bool = False

    @classmethod
    def for_tags(cls, tags: list[str] | tuple[str, ...] | None) -> Scope:
        """``--tag A --tag B``: an ad-hoc campaign whose main tag is A and variant B."""
        cleaned = [t for t in tags or () if t.strip("#＃ ")]
        return cls(Campaign.from_tags(cleaned) if cleaned else None)

    @property
    def policy(self) -> Policy:
        """The privacy policy every output of this scope applies (groundswell.privacy)."""
        return Policy.of(self.campaign, reveal=self.reveal)

    def on(self, platform: str) -> Scope:
        """The same scope on one platform's posts."""
        return replace(self, platform=platform)

    @property
    def tags(self) -> tuple[str, ...]:
        return self.campaign.tags if self.campaign else ()

    def window(self, tables: Tables) -> ir.Table:
        """Posts inside the campaign's time window (all posts without a campaign)."""
        posts = tables.posts
        if self.platform is not None:
            posts = posts.filter(posts.platform == self.platform)
        camp = self.campaign
        if camp is None:
            return posts
        if camp.start is not None:
            posts = posts.filter(posts.created_at >= camp.start)
        if camp.end is not None:
            posts = posts.filter(posts.created_at < camp.end)
        return posts

    def direct(self, tables: Tables) -> ir.Table:
        """Posts matching by tag or phrase (rules 1 and 2), without reposts-of-matches."""
        posts = self.window(tables)
        if self.campaign is None:
            return posts
        return posts.semi_join(self._direct_keys(posts, tables), tables.key)

    def posts(self, tables: Tables) -> ir.Table:
        """Every matching post (rules 1-3): the direct matches and the reposts of direct
        non-reposts that are not direct matches themselves (the two are disjoint, so no
        distinct union: it cost a third scan and a hash of every matching key, measured as a
        quarter of a 10M-post report)."""
        if self.campaign is None:
            return self.window(tables)
        direct = self.direct(tables)
        return direct.union(self.reposts_of(direct, tables))

    def reposts_of(self, direct: ir.Table, tables: Tables) -> ir.Table:
        """Rule 3: reposts in the window of the non-reposts in ``direct`` (rules 1 and 2),
        except those in ``direct`` already. ``direct`` needs ``platform``, ``post_id``,
        ``kind`` and :attr:`Tables.key`: a cached narrow copy does (see ``Context.matched``)."""
        posts = self.window(tables)
        key = tables.key
        parents = direct.filter(direct.kind != "repost").select(
            "platform", repost_of_post_id="post_id")
        reposts = posts.filter(posts.kind == "repost")
        # keys first, from the few columns the joins read, then the rows of the few reposts
        # found: joining every repost's whole row cost a third more at 10M posts
        found = reposts.select(*dict.fromkeys([*key, "platform", "repost_of_post_id"])) \
            .semi_join(parents, ["platform", "repost_of_post_id"]) \
            .anti_join(direct.select(*key), key).select(*key)
        return reposts.semi_join(found, key)

    def _direct_keys(self, posts: ir.Table, tables: Tables) -> ir.Table:
        """Keys of rules 1 and 2, not all inside the window (the caller joins them with the
        window's posts). Unions run over keys only (cheap), and the phrase regex only over
        the replies it may count (it is the costliest predicate)."""
        camp = self.campaign
        tags = tables.post_hashtags
        tagged = tags.filter(tags.tag.isin(camp.tags)).select(*tables.key)
        if not camp.phrases:
            return tagged
        candidates = posts
        if camp.phrases_only_in_replies_to_origin:
            candidates = posts.filter(
                posts.reply_to_post_id.isin(list(camp.origin_post_ids) or [""]))
        text = candidates.text.lower()
        # a plain substring test first: a regex over every post's text cost more than the
        # rest of the matching together, and a phrase cannot match without its longest word
        maybe = reduce(lambda a, b: a | b, (text.contains(max(p.lower().split() or [""], key=len))
                                            for p in camp.phrases))
        said = reduce(lambda a, b: a | b, (text.re_search(phrase_pattern(p))
                                           for p in camp.phrases))
        found = candidates.filter(maybe.fill_null(False)).filter(said.fill_null(False))
        # a key twice (two campaign tags, or a tag and the phrase) is harmless: only semi-
        # and anti-joins read these keys, so no distinct (a hash of every key) is needed
        return union_all(tagged, found.select(*tables.key))


def union_all(a: ir.Table, b: ir.Table) -> ir.Table:
    """Union keeping duplicates; both sides cast to nullable types, since engines disagree on
    them."""
    schema = ibis.schema({name: dtype.copy(nullable=True) for name, dtype in a.schema().items()})
    return a.cast(schema).union(b.cast(schema))


#: Unicode-aware pieces both RE2 (DuckDB) and Java (Spark) understand; ``\b`` and ``\s`` are
#: ASCII-only in RE2, which would split "ñme" and miss a no-break space.
_WORD = r"\p{L}\p{N}_"
_SPACE = r"[\s\p{Z}]+"


def phrase_pattern(phrase: str) -> str:
    """Whole words, any case (the text is lowered first), any run of spaces between words."""
    words = [re.escape(w) for w in phrase.lower().split()]
    return rf"(^|[^{_WORD}]){_SPACE.join(words)}($|[^{_WORD}])"
