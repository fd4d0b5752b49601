"""The simulated Mastodon stream: messages and statuses shaped like the real ones, the
serving server's ids agreeing with the times, accounts spread over servers, references by
the server's ids to statuses written before, hashtag and mention markup that says what the
``tags`` and ``mentions`` arrays say, and the rare cases (edits, no language) planted and
counted."""

from __future__ import annotations

import json
import re
import unicodedata
from urllib.parse import quote, urlsplit

import pytest
from helpers import corpus
from simulate.conftest import POSTS, at

#: What an authenticated response adds to the statuses of the public corpus.
VIEWER_KEYS = {"favourited", "reblogged", "muted", "bookmarked", "filtered"}
HASHTAG = re.compile(r'<a href="([^"]*)" class="mention hashtag" ([^>]*)>#<span>([^<]*)</span></a>')
MENTION = re.compile(r'<span class="h-card" translate="no"><a href="([^"]*)" '
                     r'class="u-url mention"[^>]*>@<span>([^<]*)</span></a></span>')


@pytest.fixture(scope="module")
def run(simulated):
    return simulated("mastodon")


@pytest.fixture(scope="module")
def stream(run) -> list[tuple[dict, dict | None]]:
    """(message, its status or None for a delete), in the file's order."""
    return [(obj, None if obj["event"] == "delete" else json.loads(obj["payload"]))
            for _, obj in run.objects()]


def _walk(status: dict):
    """A status and the statuses it carries (boosted, quoted)."""
    yield status
    if status["reblog"]:
        yield from _walk(status["reblog"])
    quoted = (status["quote"] or {}).get("quoted_status")
    if quoted:
        yield from _walk(quoted)


def _host(url: str) -> str:
    return urlsplit(url).hostname or ""


def test_statuses_are_shaped_like_the_real_ones(run, stream):
    real = json.loads(corpus("mastodon", "rtoot", "tag_ichbinhanna_mastodon.social.json")
                      .read_text())
    status_keys = {tuple(s) for s in real}
    account_keys = {("@" in s["account"]["acct"], tuple(s["account"])) for s in real}
    events = set()
    for message, status in stream:
        assert list(message) == ["stream", "event", "payload"] and message["stream"] == ["user"]
        events.add(message["event"])
        if status is None:
            assert re.fullmatch(r"[0-9]{18}", message["payload"])
            continue
        for s in _walk(status):
            assert tuple(k for k in s if k not in VIEWER_KEYS) in status_keys
            a = s["account"]
            assert ("@" in a["acct"], tuple(a)) in account_keys
            assert s["visibility"] == "public" and s["spoiler_text"] == ""
    assert events == {"update", "status.update", "delete"}


def test_ids_and_times_are_the_servers(run, stream):
    server = run.truth["server"]
    seen_remote = 0
    for _, status in stream:
        if status is None:
            continue
        for s in _walk(status):
            created = at(s["created_at"])
            received_ms = int(s["id"]) >> 16
            created_ms = int(created.timestamp() * 1000)
            uri = urlsplit(s["uri"])
            local = "@" not in s["account"]["acct"]
            own_id = int(uri.path.split("/")[4])
            if local:
                assert uri.hostname == server and own_id == int(s["id"])
                assert received_ms == created_ms
            else:
                seen_remote += 1
                assert s["created_at"].endswith(".000Z")  # ActivityPub's published
                assert 0 <= received_ms - created_ms < 4_000
                assert (own_id >> 16) // 1000 == created_ms // 1000
                assert uri.hostname == s["account"]["acct"].split("@")[1] != server
            assert s["uri"] == f"https://{uri.hostname}/users/{s['account']['username']}" \
                               f"/statuses/{own_id}" + ("/activity" if s["reblog"] else "")
    assert seen_remote > 1000


def test_accounts_are_spread_over_servers(run, stream):
    server = run.truth["server"]
    domains: dict[str, str] = {}
    for _, status in stream:
        for s in _walk(status) if status else ():
            a = s["account"]
            host = _host(a["url"])
            assert (a["acct"] == a["username"]) == (host == server)
            assert a["acct"] in (a["username"], f"{a['username']}@{host}")
            assert a["created_at"].endswith("T00:00:00.000Z")  # Mastodon gives the day
            domains[a["username"].lower()] = host
    local = sum(d == server for d in domains.values())
    assert len(set(domains.values())) >= 5 and local > len(domains) / 3
    assert run.truth["remote_accounts"] > 0


def test_replies_quotes_and_boosts_name_statuses_written_before(stream):
    written: dict[str, dict] = {}  # the server's id → status
    counts = {"reply": 0, "quote": 0, "boost": 0}
    for _, status in stream:
        if status is None:
            continue
        top = status
        if top["in_reply_to_id"]:
            parent = written[top["in_reply_to_id"]]
            assert top["in_reply_to_account_id"] == parent["account"]["id"]
            (mention,) = top["mentions"]
            assert mention["id"] == parent["account"]["id"]
            assert top["content"].startswith("<p>" + MENTION.search(top["content"]).group(0))
            counts["reply"] += 1
        if top["reblog"]:
            boosted = top["reblog"]
            assert boosted["id"] in written and not boosted["reblog"]
            assert top["content"] == "" and top["tags"] == [] and top["language"] is None
            counts["boost"] += 1
        if top["quote"]:
            quoted = top["quote"]["quoted_status"]
            assert top["quote"]["state"] == "accepted" and quoted["id"] in written
            assert top["content"].startswith('<p class="quote-inline">RE: <a href="'
                                             + quoted["url"] + '"')
            inner = quoted["quote"]
            if inner is not None:  # a quote inside a quote is named by id only
                assert list(inner) == ["state", "quoted_status_id"]
                assert inner["quoted_status_id"] in written
            counts["quote"] += 1
        for s in _walk(top):
            written.setdefault(s["id"], s)
    assert min(counts.values()) > 100


def test_hashtag_markup_agrees_with_the_tags_array(run, stream):
    server = run.truth["server"]
    tagged = 0
    for _, status in stream:
        for s in _walk(status) if status else ():
            local = "@" not in s["account"]["acct"]
            found = HASHTAG.findall(s["content"])
            for href, rel, name in found:  # on the author's server, the name as written
                assert href == f"https://{_host(s['account']['url'])}/tags/{quote(name, safe='')}"
                assert rel == ('rel="tag"' if local else 'rel="nofollow noopener" target="_blank"')
                assert "\uff03" not in s["content"]  # Mastodon writes its links with '#'
            names = {unicodedata.normalize("NFKC", name).casefold() for _, _, name in found}
            assert names == {t["name"] for t in s["tags"]}
            assert all(_host(t["url"]) == server for t in s["tags"])
            tagged += bool(found)
    assert tagged > POSTS // 3


def test_edits_add_the_forgotten_hashtag(run, stream):
    edited = set(run.truth["edited_post_ids"])
    assert len(edited) == run.truth["edits"] >= 3
    first: dict[str, dict] = {}
    after: dict[str, dict] = {}
    for message, status in stream:
        if status is None:
            continue
        if message["event"] == "status.update":
            after[status["uri"]] = status
            continue
        for s in _walk(status):
            if s["uri"] in edited:
                first.setdefault(s["uri"], s)
                # a carried copy reads as the status did then
                assert (s["edited_at"] is None) == (s["uri"] not in after)
    assert set(after) == set(first) == edited
    for uri in edited:
        before, now = first[uri], after[uri]
        assert before["edited_at"] is None and at(now["edited_at"]) > at(now["created_at"])
        assert len(now["tags"]) >= len(before["tags"])
        assert len(HASHTAG.findall(now["content"])) == len(HASHTAG.findall(before["content"])) + 1


def test_some_statuses_have_no_language(run, stream):
    own = [s for _, s in stream if s is not None and not s["reblog"]]
    missing = sum(s["language"] is None for s in own)
    assert 0.02 * len(own) < missing < 0.2 * len(own)
    assert run.truth["null_language_posts"] > run.truth["posts_by_kind"]["repost"]
