"""Every real Mastodon file ingests exactly right (``groundswell/sources/mastodon``).

Expected values come from the oracle below: a plain reading of the raw JSON with ``json``,
``re`` and ``urllib``, written without ``groundswell.sources``, so the source is checked
against an independent reading of the same rules: a post is its ``uri``; an account is its
``acct`` completed to ``user@domain`` by its profile's host; kinds by priority (boost >
reply > quote > original); a line's server is the flag, else the one host of the local
accounts it names; a reply's parent is the status with that local id on that server.
"""

from __future__ import annotations

import html
import json
import re
import unicodedata
from collections import Counter
from datetime import datetime
from pathlib import Path
from typing import NamedTuple
from urllib.parse import urlsplit

import pytest

from groundswell import Store
from groundswell.text import normalize_tag

# --- the oracle -----------------------------------------------------------------------------


def documents(path: Path) -> list[dict | list]:
    """A ``.json`` file is one document; in a ``.jsonl`` file every non-empty line is one."""
    text = path.read_text("utf-8")
    if path.suffix == ".json":
        return [json.loads(text)]
    return [json.loads(line) for line in text.split("\n") if line.strip()]


def responses(doc: dict | list) -> list[list[dict]]:
    """The statuses of each record of a document (a JSON array's elements are records)."""
    if isinstance(doc, list):
        return [r for element in doc for r in responses(element)]
    if "ancestors" in doc:
        return [doc["ancestors"] + doc["descendants"]]
    return [[doc["status"]]] if "status" in doc else [[doc]]


def carried(status: dict) -> list[dict]:
    """The status, the status it boosts and the status it quotes, and theirs."""
    found = [status]
    if status.get("reblog"):
        found += carried(status["reblog"])
    quote = status.get("quote")
    if isinstance(quote, dict) and isinstance(quote.get("quoted_status"), dict):
        found += carried(quote["quoted_status"])
    return found


def host(url: str) -> str:
    return urlsplit(url).netloc.lower()


def full(acct: str, url: str) -> str:
    user, _, domain = acct.partition("@")
    return f"{user}@{domain.lower()}" if domain else f"{acct}@{host(url)}"


def kind(status: dict) -> str:
    if status.get("reblog"):
        return "repost"
    if status.get("in_reply_to_id"):
        return "reply"
    return "quote" if status.get("quote") else "original"


def line_server(statuses: list[dict], flag: str | None) -> str | None:
    if flag:
        return flag
    accounts = [a for s in statuses for a in [s["account"], *s["mentions"]]]
    hosts = {host(a["url"]) for a in accounts if "@" not in a["acct"]}
    return hosts.pop() if len(hosts) == 1 else None


def fold(text: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFKD", text)
                   if not unicodedata.combining(c)).lower()


HASHTAG_LINK = re.compile(r'<a\s([^>]*)>(.*?)</a>', re.S)


def tags(status: dict) -> set[str]:
    """The hashtag links' texts (as the author wrote them), and the server's ``tags`` that
    no link spells; normalised as Groundswell counts tags."""
    written = []
    for attrs, inner in HASHTAG_LINK.findall(status["content"] or ""):
        text = html.unescape(re.sub(r"<[^>]+>", "", inner))
        if re.search(r'class="[^"]*hashtag|rel="tag"', attrs) or (
                "/tags/" in attrs and re.fullmatch(r"#\w+", text)):
            written.append(text.removeprefix("#"))
    found = {normalize_tag(w) for w in written}
    spelled = {fold(w) for w in written}
    return found | {normalize_tag(t["name"]) for t in status["tags"]
                    if fold(t["name"]) not in spelled}


class Expected(NamedTuple):
    posts: dict[str, dict]  # uri → the first copy read
    kinds: Counter
    authors: dict[str, str]  # uri → author key
    accounts: set[str]
    hashtags: Counter
    mentions: set[tuple[str, str, str]]  # (uri, handle, mentioned key)
    versions: set[tuple[str, str]]  # (uri, edited_at as written)
    local_ids: dict[tuple[str, str], str]  # (server, id) → uri
    replies: dict[str, tuple[str | None, str | None]]  # uri → (parent, parent's author)
    resolved: int  # replies whose parent is in the file


def expected(path: Path, flag: str | None) -> Expected:
    posts: dict[str, dict] = {}
    servers: dict[str, str | None] = {}  # uri → server of its first copy
    local_ids: dict[tuple[str, str], str] = {}
    versions, accounts = set(), set()
    for doc in documents(path):
        for statuses in responses(doc):
            statuses = [c for s in statuses for c in carried(s)]
            server = line_server(statuses, flag)
            for s in statuses:
                posts.setdefault(s["uri"], s)
                servers.setdefault(s["uri"], server)
                accounts.add(full(s["account"]["acct"], s["account"]["url"]))
                if server:
                    local_ids.setdefault((server, s["id"]), s["uri"])
                if s["edited_at"]:
                    versions.add((s["uri"], s["edited_at"]))
    replies, resolved = {}, 0
    for uri, s in posts.items():
        if s.get("reblog") or not s["in_reply_to_id"]:
            continue
        server = servers[uri]
        parent = local_ids.get((server, s["in_reply_to_id"]))
        resolved += parent is not None
        if parent is None and server:
            parent = f"local:{server}/{s['in_reply_to_id']}"
        by_id = {m["id"]: full(m["acct"], m["url"]) for m in s["mentions"]}
        if s["account"]["id"] == s["in_reply_to_account_id"]:
            by_id.setdefault(s["account"]["id"], full(s["account"]["acct"], s["account"]["url"]))
        replies[uri] = (parent, by_id.get(s["in_reply_to_account_id"]))
    return Expected(
        posts=posts,
        kinds=Counter(kind(s) for s in posts.values()),
        authors={u: full(s["account"]["acct"], s["account"]["url"]) for u, s in posts.items()},
        accounts=accounts,
        hashtags=Counter(t for s in posts.values() for t in tags(s)),
        mentions={(u, full(m["acct"], m["url"]), full(m["acct"], m["url"]))
                  for u, s in posts.items() for m in s["mentions"]},
        versions=versions, local_ids=local_ids, replies=replies, resolved=resolved)


def utc(value: str) -> datetime:
    return datetime.strptime(value, "%Y-%m-%dT%H:%M:%S.%fZ")


# --- the files ------------------------------------------------------------------------------

#: Headline figures of each file, read off the raw JSON once by hand-checked scripts: the
#: oracle must agree with them too, so a broken oracle cannot agree with a broken source.
FIGURES = {
    "mastodonpy_cassette_statuses.jsonl": dict(
        posts=304, kinds={"original": 253, "reply": 41, "repost": 7, "quote": 3},
        accounts=25, resolved=27, versions=9),
    "tag_ichbinhanna_mastodon.social.json": dict(
        posts=160, kinds={"original": 102, "reply": 57, "quote": 1},
        accounts=74, resolved=11, versions=19),
    "context_mastodon.social.json": dict(
        posts=59, kinds={"reply": 59}, accounts=50, resolved=16, versions=0),
    "stream_mastodonsocial.jsonl": dict(
        posts=48, kinds={"original": 43, "reply": 5}, accounts=44, resolved=0, versions=1),
}


@pytest.fixture(scope="module", params=sorted(FIGURES))
def ingested(request, real_files, tmp_path_factory):
    """(file, expected, store) for each real file, ingested once into its own store."""
    path, server = next((p, s) for p, s in real_files if p.name == request.param)
    store = Store(tmp_path_factory.mktemp("mastodon") / "store.duckdb")
    summary = store.ingest([path], server=server, workers=1)
    yield path, expected(path, server), store, summary
    store.close()


def one(store, sql: str, params=()) -> list[tuple]:
    return store.con.execute(sql, params).fetchall()


def test_the_oracle_agrees_with_the_figures(ingested) -> None:
    path, exp, _, _ = ingested
    figures = FIGURES[path.name]
    assert len(exp.posts) == figures["posts"]
    assert exp.kinds == Counter(figures["kinds"])
    assert (len(exp.accounts), exp.resolved, len(exp.versions)) == (
        figures["accounts"], figures["resolved"], figures["versions"])


def test_every_post_once_with_its_kind_author_and_time(ingested) -> None:
    _, exp, store, summary = ingested
    rows = {r[0]: r[1:] for r in one(store, "SELECT post_id, kind, author_id, created_at, lang "
                                            "FROM posts WHERE platform = 'mastodon'")}
    assert set(rows) == set(exp.posts)
    assert Counter(r[0] for r in rows.values()) == exp.kinds
    assert {u: r[1] for u, r in rows.items()} == exp.authors
    assert {u: r[2] for u, r in rows.items()} == {u: utc(s["created_at"])
                                                  for u, s in exp.posts.items()}
    assert {u: r[3] for u, r in rows.items()} == {u: s["language"]
                                                  for u, s in exp.posts.items()}
    assert summary.posts_added == len(exp.posts)
    assert (summary.quarantined, summary.skipped) == (0, {})
    assert one(store, "SELECT count(*) FROM quarantine") == [(0,)]


def test_accounts_are_the_authors_by_full_acct(ingested) -> None:
    _, exp, store, _ = ingested
    rows = one(store, "SELECT author_id, handle, verified, observed_at FROM accounts")
    assert {r[0] for r in rows} == exp.accounts
    assert all(handle == key and verified is None and observed is None
               for key, handle, verified, observed in rows)


def test_hashtags_per_tag(ingested) -> None:
    _, exp, store, _ = ingested
    assert Counter(dict(one(store, "SELECT tag, count(*) FROM post_hashtags GROUP BY tag"))) \
        == exp.hashtags


def test_mentions_join_to_accounts_by_key(ingested) -> None:
    _, exp, store, _ = ingested
    assert set(one(store, "SELECT post_id, handle, mentioned_author_id FROM mentions")) \
        == exp.mentions


def test_replies_point_to_their_parents_across_servers(ingested) -> None:
    _, exp, store, _ = ingested
    rows = {r[0]: (r[1], r[2]) for r in one(
        store, "SELECT post_id, reply_to_post_id, reply_to_author_id FROM posts "
               "WHERE kind = 'reply'")}
    assert rows == exp.replies
    stored = {u for u, in one(store, "SELECT post_id FROM posts")}
    assert sum(parent in stored for parent, _ in rows.values()) == exp.resolved


def test_local_ids_and_versions(ingested) -> None:
    _, exp, store, _ = ingested
    assert {(s, i): u for s, i, u in one(
        store, "SELECT server, local_id, post_id FROM local_ids")} == exp.local_ids
    assert set(one(store, "SELECT post_id, version FROM post_versions")) == exp.versions
    for uri, version in exp.versions:  # each version with its time
        assert one(store, "SELECT edited_at FROM post_versions WHERE post_id = ?", [uri]) \
            == [(utc(version.replace("+00:00", "Z")),)]


def test_reblogs_and_quotes_store_the_statuses_they_carry(ingested) -> None:
    _, exp, store, _ = ingested
    for uri, status in exp.posts.items():
        [(repost_of, quote_of)] = one(store, "SELECT repost_of_post_id, quote_of_post_id "
                                             "FROM posts WHERE post_id = ?", [uri])
        if status.get("reblog"):
            assert repost_of == status["reblog"]["uri"] and repost_of in exp.posts
        quoted = (status.get("quote") or {}).get("quoted_status")
        if quoted and not status.get("reblog") and not status["in_reply_to_id"]:
            assert quote_of == quoted["uri"] and quote_of in exp.posts


def test_all_files_together_keep_each_post_once(real_files, tmp_path) -> None:
    """Each file with its own server, into one store: the union of the files' posts."""
    with Store(tmp_path / "all.duckdb") as store:
        for path, server in real_files:
            store.ingest([path], server=server, workers=1)
        uris = set().union(*(expected(p, s).posts for p, s in real_files))
        assert {u for u, in one(store, "SELECT post_id FROM posts")} == uris
        assert one(store, "SELECT count(*) FROM quarantine") == [(0,)]
