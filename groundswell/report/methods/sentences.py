"""The paragraphs about the data: where the posts came from, what counted as taking part,
how copies, edits and deletions were handled.

Each function returns one paragraph (or "" when it has nothing to say), built from the facts
only. Numbers are written with thousands separators; days are UTC dates.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from groundswell.report.methods import Methods

__all__ = ["data_paragraph", "dedup_paragraph", "listing", "matching_paragraph", "n",
           "platform_name", "plural"]

NAMES = {"twitter": "Twitter", "bluesky": "Bluesky", "mastodon": "Mastodon"}
#: How each platform's posts are keyed (docs/schema.md).
KEYS = {"twitter": "Twitter by the tweet id",
        "bluesky": "Bluesky by the post's at-uri",
        "mastodon": "Mastodon by the status uri, the same on every server"}


def platform_name(name: str) -> str:
    return NAMES.get(name, name)


def n(value: int | str | None) -> str:
    """``12345`` → ``12,345``; a suppressed ``"<10"`` as it is."""
    return f"{value:,}" if isinstance(value, int) else str(value)


def plural(count: int | str, word: str, many: str | None = None) -> str:
    return f"{n(count)} {word if count == 1 else (many or word + 's')}"


def listing(items: list[str]) -> str:
    """``a``, ``a and b``, ``a, b and c``."""
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def moment(value: datetime) -> str:
    return value.strftime("%Y-%m-%d %H:%M:%S") + " UTC"


def data_paragraph(m: Methods) -> str:
    where = {"store": "a Groundswell store",
             "export": "a Parquet export of a Groundswell store",
             "private export": "a private Parquet export of a Groundswell store (ids of "
                               "private accounts pseudonymised)"}[m.source]
    if not m.platforms:
        return f"Data. The analysis read {where}, which held no posts."
    parts = []
    for p in m.platforms:
        span = f"{p.first_day} to {p.last_day}" if p.first_day else \
            "days withheld: fewer authors than the smallest cell"
        parts.append(f"{plural(p.posts, platform_name(p.name) + ' post')} ({span})")
    total = sum(p.posts for p in m.platforms if isinstance(p.posts, int))
    known = "" if all(isinstance(p.posts, int) for p in m.platforms) else "at least "
    out = [f"Data. The analysis read {where} holding {known}{plural(total, 'post')}: "
           f"{listing(parts)} (days are UTC dates)."]
    c = m.collection
    if c is None:
        out.append("The source keeps no ingest log, so how the posts were read is not "
                   "recorded.")
    else:
        types = listing([f"{count} {kind}" for kind, count in c.file_types.items()])
        when = f"on {c.first_run}" if c.first_run == c.last_run else \
            f"between {c.first_run} and {c.last_run}"
        out.append(f"They were read in {plural(c.runs, 'ingest run')} {when} "
                   f"from {plural(c.files, 'input file')} ({types}), "
                   f"{plural(c.lines, 'line')} in all.")
    q = m.removals.quarantined
    if q:
        out.append(f"{plural(q, 'line')} that could not be read as any known format "
                   f"{'was' if q == 1 else 'were'} set aside (quarantined) and not counted.")
    return " ".join(out)


def matching_paragraph(m: Methods) -> str:
    c = m.campaign
    if c is None:
        return ("Taking part. No campaign was given: every stored post was in scope, and "
                "every account with a post took part.")
    named = "an ad-hoc campaign given by its tags" if c.ad_hoc else \
        f"the campaign “{c.name}” (campaign file {c.file_name})"
    if c.start and c.end:
        window = f"created at or after {moment(c.start)} and before {moment(c.end)}"
    elif c.start:
        window = f"created at or after {moment(c.start)}"
    elif c.end:
        window = f"created before {moment(c.end)}"
    else:
        window = "created at any time (the campaign sets no window)"
    tags = [f"#{c.main_tag}"] + [f"#{t}" + (f" ({lang})" if lang else "")
                                 for t, lang in c.variants]
    rules = [f"(1) it carried {'the hashtag' if len(tags) == 1 else 'one of the hashtags'} "
             f"{listing(tags)}, compared after Unicode NFKC normalisation and case folding "
             f"(so #MeToo, #metoo and #ＭｅＴｏｏ are one tag)"]
    if c.phrases:
        where = ""
        if c.phrases_only_in_replies_to_origin:
            shown = [f"{platform_name(p)} {i}" if i else f"one on {platform_name(p)} whose id "
                     "is withheld (not a public figure's, or not stored)" for p, i in c.origins]
            where = (", in a direct reply to the call to action (" + listing(shown) + ")"
                     if shown else ", in a direct reply to a call to action (the campaign "
                                   "names none, so this rule matched nothing)")
        phrases = listing([f"“{p}”" for p in c.phrases])
        rules.append(f"(2) its text contained {phrases} as whole words in any case{where}")
    rules.append(f"({len(rules) + 1}) it was a repost of a stored post that matched by "
                 f"{'rule 1' if len(rules) == 1 else 'rule 1 or 2'} inside the window (a "
                 "retweet's own text may lose the tag to truncation)")
    out = [f"Taking part. For {named}, a post took part when it was {window} and "
           f"{'; or '.join(rules)}."]
    if c.response_tags:
        out.append(f"Response tags ({listing(['#' + t for t in c.response_tags])}) were "
                   "measured separately and did not by themselves make a post count.")
    return " ".join(out)


def dedup_paragraph(m: Methods) -> str:
    keys = [KEYS[p.name] for p in m.platforms if p.name in KEYS]
    out = ["Duplicates and deletions. Each post is stored once, keyed by its platform and "
           "the platform's own id" + (f" ({'; '.join(keys)})" if keys else "") + "."]
    if m.collection is not None:
        c = m.collection
        copies = plural(c.duplicates, "copy", "copies")
        out.append(f"Of {plural(c.posts_seen, 'post')} read, {copies} "
                   "of posts already stored (the same post in several files, pages or runs) "
                   "were not counted again.")
    r = m.removals
    if r.edited_posts:
        out.append("An edited post counts once, in its latest version: "
                   f"{plural(r.edited_posts, 'post')} had "
                   f"{plural(r.versions or 0, 'recorded edit')}.")
    if r.deletions is None:
        out.append("Deletion notices are not recorded in this source.")
    elif r.deletions:
        reasons = listing([f"{why} {n(k)}" for why, k in r.deletion_reasons.items()])
        out.append(f"{plural(r.deletions, 'deletion notice')} (reason: {reasons}) removed the "
                   "posts "
                   "they name, and keep them from being stored again.")
    else:
        out.append("No deletion notice was read.")
    if r.forgotten is None:
        out.append("Forgotten accounts are not recorded in this source.")
    elif r.forgotten:
        kinds = listing([plural(k, kind) for kind, k in r.forgotten.items()])
        out.append(f"At a person's request or their platform's deletion, {kinds} were "
                   "forgotten: removed with everything derived from them, kept only as "
                   "salted tombstones.")
    if r.hidden_posts:
        out.append(f"{plural(r.hidden_posts, 'post')} of accounts that were suspended, taken "
                   "down or deactivated were left out.")
    return " ".join(out)
