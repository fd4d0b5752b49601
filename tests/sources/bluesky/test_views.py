"""Post views in every container collectors save them in, and the claims that route them.

The views are the real ones of twitwi's ``bluesky-posts.json``, put into the API's pages
(``searchPosts``, ``getAuthorFeed``, ``getPostThread`` v1 and v2): each container must give
exactly the posts of the views it holds."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from helpers import CORPORA, corpus

from groundswell.sources import bluesky, detect
from groundswell.sources.bluesky import general


@pytest.fixture(scope="module")
def real() -> list[dict]:
    return json.loads(corpus("bluesky", "twitwi", "bluesky-posts.json").read_text())


def bare_views(real: list[dict]) -> list[dict]:
    return [item for item in real if "record" in item]


def feed_items(real: list[dict]) -> list[dict]:
    return [item for item in real if "post" in item]


def write(tmp_path: Path, name: str, *docs: object) -> Path:
    path = tmp_path / name
    path.write_text("".join(json.dumps(doc) + "\n" for doc in docs), encoding="utf-8")
    return path


def posts(store) -> dict[str, tuple]:
    return {row[0]: row[1:] for row in store.con.execute(
        "SELECT post_id, author_id, kind, created_at, claimed_at, text, repost_of_post_id, "
        "quote_of_post_id, reply_to_post_id FROM posts").fetchall()}


def tables(store) -> dict[str, list]:
    return {"posts": sorted(posts(store).items()),
            "tags": sorted(store.con.execute("SELECT post_id, tag FROM post_hashtags").fetchall()),
            "accounts": sorted(store.con.execute(
                "SELECT author_id, handle, display_name, verified FROM accounts").fetchall()),
            "handles": sorted(store.con.execute("SELECT * FROM handles").fetchall())}


def test_a_search_page_gives_what_its_views_give(make_store, tmp_path, real):
    views = bare_views(real)
    page = make_store("page")
    summary = page.ingest([write(tmp_path, "page.jsonl",
                                 {"posts": views[:60], "cursor": "60"},
                                 {"posts": views[60:], "cursor": None},
                                 {"posts": [], "cursor": None})])
    assert summary.quarantined == 0 and summary.skipped == {"empty bluesky page": 1}
    one_by_one = make_store("views")
    one_by_one.ingest([write(tmp_path, "views.jsonl", *views)])
    assert tables(page) == tables(one_by_one)
    assert len(posts(page)) > len(views)  # the quoted posts' views too


def test_an_author_feed_gives_posts_parents_roots_and_reposts(make_store, tmp_path, real):
    items = feed_items(real)
    store = make_store()
    store.ingest([write(tmp_path, "feed.jsonl", {"feed": items, "cursor": "x"})])
    stored = posts(store)
    for item in items:
        assert item["post"]["uri"] in stored
        for key in ("parent", "root"):
            if "reply" in item:
                assert item["reply"][key]["uri"] in stored
    reposts = {uri: row for uri, row in stored.items() if row[1] == "repost"}
    assert len(reposts) == sum(1 for item in items if "reason" in item) == 2
    for item in (item for item in items if "reason" in item):
        did, subject = item["reason"]["by"]["did"], item["post"]["uri"]
        repost = reposts[f"at://{did}/app.bsky.feed.repost?subject={subject}"]
        assert repost[0] == did and repost[5] == subject and repost[4] is None  # no claim
    bare = make_store("bare")
    bare.ingest([write(tmp_path, "items.jsonl", *items)])
    assert tables(bare) == tables(store)


def test_a_reason_with_the_repost_uri_uses_it(make_store, tmp_path, real):
    item = json.loads(json.dumps(next(i for i in feed_items(real) if "reason" in i)))
    did = item["reason"]["by"]["did"]
    item["reason"]["uri"] = f"at://{did}/app.bsky.feed.repost/3lrepost2222a"
    store = make_store()
    store.ingest([write(tmp_path, "item.jsonl", item)])
    assert posts(store)[item["reason"]["uri"]][:2] == (did, "repost")


def thread_node(view: dict, parent: dict | None = None, replies: list | None = None) -> dict:
    node = {"$type": "app.bsky.feed.defs#threadViewPost", "post": view, "replies": replies or []}
    if parent is not None:
        node["parent"] = parent
    return node


def test_a_thread_is_walked_up_and_down(make_store, tmp_path, real):
    views = bare_views(real)
    gone = {"$type": "app.bsky.feed.defs#notFoundPost", "uri": views[9]["uri"], "notFound": True}
    blocked = {"$type": "app.bsky.feed.defs#blockedPost", "uri": views[8]["uri"],
               "blocked": True, "author": {"did": views[8]["author"]["did"]}}
    deep = thread_node(views[4])
    for view in views[5:8]:  # replies of replies
        deep = thread_node(view, replies=[deep])
    thread = thread_node(views[0], parent=thread_node(views[1], parent=gone),
                         replies=[thread_node(views[2]), blocked, deep,
                                  thread_node(views[3], replies=[])])
    store = make_store()
    summary = store.ingest([write(tmp_path, "thread.jsonl", {"thread": thread},
                                  {"thread": gone})])
    assert summary.quarantined == 0
    assert summary.skipped == {"bluesky thread without its post (not found or blocked)": 1}
    expected = make_store("expected")
    expected.ingest([write(tmp_path, "views.jsonl", *views[:8])])
    assert tables(store) == tables(expected)
    assert views[9]["uri"] not in posts(store) and views[8]["uri"] not in posts(store)


def test_a_v2_thread_is_read_item_by_item(make_store, tmp_path, real):
    views = bare_views(real)[:5]
    items = [{"uri": view["uri"], "depth": depth,
              "value": {"$type": "app.bsky.unspecced.defs#threadItemPost", "post": view}}
             for depth, view in enumerate(views)]
    items.append({"uri": "at://did:plc:x/app.bsky.feed.post/3lnot", "depth": 5,
                  "value": {"$type": "app.bsky.unspecced.defs#threadItemNotFound"}})
    store = make_store()
    assert store.ingest([write(tmp_path, "v2.jsonl", {"thread": items})]).quarantined == 0
    expected = make_store("expected")
    expected.ingest([write(tmp_path, "views.jsonl", *views)])
    assert tables(store) == tables(expected)


def test_a_bad_view_in_a_page_costs_only_itself(make_store, tmp_path, real):
    views = bare_views(real)
    no_record = {key: value for key, value in views[1].items() if key != "record"}
    page = {"posts": [views[0], no_record, 5, views[2]]}
    store = make_store()
    summary = store.ingest([write(tmp_path, "page.jsonl", page)])
    assert summary.quarantined == 1
    [(reason,)] = store.con.execute("SELECT reason FROM quarantine").fetchall()
    assert "posts[1]" in reason and "without a post record" in reason
    assert "posts[2]" in reason and "not a post view" in reason
    stored = posts(store)
    assert {views[0]["uri"], views[2]["uri"]} <= set(stored) and views[1]["uri"] not in stored


def test_a_view_of_another_record_is_skipped(make_store, tmp_path, real):
    view = json.loads(json.dumps(bare_views(real)[0]))
    view["uri"] = view["uri"].replace("app.bsky.feed.post", "app.bsky.feed.generator")
    store = make_store()
    summary = store.ingest([write(tmp_path, "generator.jsonl", view)])
    assert summary.skipped == {"bluesky app.bsky.feed.generator view (not a post)": 1}
    assert store.count("posts") == 0


# -- claims ---------------------------------------------------------------------------------


def every_object(value: object):
    if isinstance(value, dict):
        yield value
        for inner in value.values():
            yield from every_object(inner)
    elif isinstance(value, list):
        for inner in value:
            yield from every_object(inner)


def documents(path: Path) -> list:
    text = path.read_text(encoding="utf-8")
    if path.suffix == ".json":
        return [json.loads(text)] if text.strip() else []
    found = []
    for line in text.splitlines():
        try:
            found.append(json.loads(line))
        except json.JSONDecodeError:
            continue
    return found


def test_no_tweet_and_no_mastodon_object_is_claimed():
    """Not a line, not a record, not any object nested in them."""
    folders = [CORPORA / name for name in ("twarc2", "twitter-v1", "mastodon")]
    if not all(folder.is_dir() for folder in folders):
        pytest.skip(f"real Twitter and Mastodon corpora not found under {CORPORA}")
    paths = [path for folder in folders for path in sorted(folder.rglob("*.json*"))]
    objects = [obj for path in paths for doc in documents(path) for obj in every_object(doc)]
    assert len(objects) > 10_000
    assert [obj for obj in objects if general.claims(obj)] == []


def test_every_bluesky_record_is_claimed_by_the_bluesky_source():
    """Each top-level record of the real files: Jetstream lines, views, feed items, Tap."""
    folder = corpus("bluesky")
    records = [json.loads(line) for line in
               (folder / "jetstream_events_v1.jsonl").read_text().splitlines()]
    for name in ("bluesky-posts.json", "bluesky-firehose-posts.json", "bluesky-tap-posts.json"):
        records += json.loads((folder / "twitwi" / name).read_text())
    assert len(records) == 152 + 123 + 9 + 14
    assert {detect(record) for record in records} == {bluesky.SOURCE}
