"""Checks shared by the live state's tests (importable as ``live_checks``): the state's panels
against the metrics' own over the same store, and a state against one rebuilt from scratch."""

from __future__ import annotations

from datetime import datetime, timedelta

from groundswell.api import panels
from groundswell.campaign import Campaign, Variant
from groundswell.ingest.batch import Batch
from groundswell.live import LiveState
from groundswell.live import tables as live_tables
from groundswell.live.marks import Marks
from groundswell.scope import Scope, Tables

#: The scalars of the marks that a rebuild must find again (not the read positions).
TOTALS = ("matched", "without_author", "first_post", "last_post", "outside", "window_posts",
          "lo_w", "hi_w", "rows")


def full_panels(store, state: LiveState) -> dict:
    """The panels as the dashboard computes them without a state: the metrics over the
    store (:func:`groundswell.api.panels`)."""
    return panels(Tables.from_backend(store.ibis), Scope(state.campaign), list(state.panels),
                  {"trending": state.trending})


def assert_panels_match(store, state: LiveState) -> None:
    got = state.read(store)
    assert got is not None, "the state is not current"
    want = full_panels(store, state)
    assert set(got) == set(want) == set(state.panels)
    for name in state.panels:
        assert got[name] == want[name], name


def dump(store, state: LiveState) -> dict:
    """Every row of the state's tables (sorted) and its totals in the marks."""
    con = store.con
    out = {part: sorted(con.execute(f"SELECT * FROM {live_tables.name(state.state, part)}"
                                    ).fetchall(), key=repr)
           for part in live_tables.PARTS}
    marks = Marks.load(con, state.state)
    out["marks"] = {k: getattr(marks, k) for k in TOTALS}
    return out


def assert_same_as_rebuilt(store, state: LiveState) -> None:
    """The state after its updates equals one built from scratch over the same store."""
    updated = dump(store, state)
    assert state.rebuild(store).mode == "rebuilt"
    rebuilt = dump(store, state)
    for part in updated:
        assert updated[part] == rebuilt[part], part


# -- hand-made events, through the ingest's own batches --------------------------------------
T0 = datetime(2025, 5, 1, 12)
CAMPAIGN = Campaign(name="Test", main_tag="metoo", variants=(Variant("yotambien"),),
                    phrases=("me too",), origins=(("twitter", "origin"),),
                    start=T0 - timedelta(hours=30), end=T0 + timedelta(days=3),
                    privacy_k=1)


def batch() -> Batch:
    b = Batch()
    b.file = "/data/events.jsonl"
    return b


def post(b: Batch, post_id: str, author: str | None, hours: float | None,
         kind: str = "original", tags: tuple[str, ...] = (), text: str = "",
         parent: str | None = None, platform: str = "twitter") -> None:
    """A post ``hours`` after :data:`T0` (None: no time); ``parent``: what a reply replies
    to, a repost reposts or a quote quotes."""
    b.post(platform, post_id, author, None if hours is None else T0 + timedelta(hours=hours),
           text or f"{post_id} " + " ".join(f"#{t}" for t in tags), "en", kind,
           parent if kind == "reply" else None, None,
           parent if kind == "repost" else None, parent if kind == "quote" else None, None,
           list(tags), [])
