"""Fixtures of the Bluesky source's tests: fresh stores, and Jetstream lines made from the real
events of the corpus."""

from __future__ import annotations

import copy
import json
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from helpers import corpus

from groundswell.sources.bluesky.richtext import detect_tags


class Jetstream:
    """Jetstream lines for a test, made from the real events of the corpus (a post, a repost,
    an identity and an account event) with the fields a test names replaced."""

    MENTION = "app.bsky.richtext.facet#mention"

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        lines = corpus("bluesky", "jetstream_events_v1.jsonl").read_text().splitlines()
        events = [json.loads(line) for line in lines]

        def first(kind: str, collection: str | None = None) -> dict:
            return next(e for e in events if e["kind"] == kind and (
                collection is None or e["commit"]["collection"] == collection
                and e["commit"]["operation"] == "create"))

        self.templates = {"post": first("commit", "app.bsky.feed.post"),
                          "repost": first("commit", "app.bsky.feed.repost"),
                          "identity": first("identity"), "account": first("account")}
        self.time_us = self.templates["post"]["time_us"]

    def _event(self, template: str, did: str, time_us: int | None) -> dict:
        event = copy.deepcopy(self.templates[template])
        event["did"] = did
        event["time_us"] = self.time_us if time_us is None else time_us
        return event

    def post(self, did: str, rkey: str, text: str, *, operation: str = "create",
             cid: str = "bafyreicid0", time_us: int | None = None,
             created_at: str | None = None, mentions: dict[str, str] | None = None) -> dict:
        """A post with ``text`` (its tags found by atproto's detection: no facets), mentioning
        ``mentions`` ({handle: did}, with mention facets over ``@handle`` in the text)."""
        event = self._event("post", did, time_us)
        commit = event["commit"]
        commit.update(operation=operation, rkey=rkey, cid=cid)
        record = {"$type": "app.bsky.feed.post", "text": text, "langs": ["en"],
                  "createdAt": created_at or seen(event["time_us"])}
        facets = []
        for handle, mentioned in (mentions or {}).items():
            start = text.encode().index(f"@{handle}".encode())
            facets.append({"index": {"byteStart": start, "byteEnd": start + 1 + len(handle)},
                           "features": [{"$type": self.MENTION, "did": mentioned}]})
        if facets:
            record["facets"] = facets + [
                {"index": {"byteStart": s, "byteEnd": e},
                 "features": [{"$type": "app.bsky.richtext.facet#tag", "tag": tag}]}
                for tag, s, e in detect_tags(text)]
        commit["record"] = record
        return event

    def repost(self, did: str, rkey: str, subject: str, time_us: int | None = None) -> dict:
        event = self._event("repost", did, time_us)
        event["commit"].update(rkey=rkey)
        event["commit"]["record"]["subject"]["uri"] = subject
        event["commit"]["record"]["createdAt"] = seen(event["time_us"])
        event["commit"]["record"].pop("via", None)
        return event

    def delete(self, did: str, collection: str, rkey: str, time_us: int | None = None) -> dict:
        event = self._event("post", did, time_us)
        event["commit"] = {"rev": event["commit"]["rev"], "operation": "delete",
                           "collection": collection, "rkey": rkey}
        return event

    def identity(self, did: str, handle: str | None, time_us: int | None = None) -> dict:
        event = self._event("identity", did, time_us)
        event["identity"]["did"] = did
        if handle is not None:
            event["identity"]["handle"] = handle
        return event

    def account(self, did: str, active: bool, status: str | None = None,
                time_us: int | None = None) -> dict:
        event = self._event("account", did, time_us)
        event["account"].update(did=did, active=active)
        if status is not None:
            event["account"]["status"] = status
        return event

    def write(self, name: str, *events: dict | bytes) -> Path:
        """A JSON-lines file of these events (bytes are written as they are)."""
        path = self.folder / name
        path.write_bytes(b"".join(
            (e if isinstance(e, bytes) else json.dumps(e).encode()) + b"\n" for e in events))
        return path


def seen(time_us: int) -> str:
    """``time_us`` as the ``createdAt`` a punctual client would write."""
    moment = datetime(1970, 1, 1) + timedelta(microseconds=time_us)
    return moment.isoformat(timespec="milliseconds") + "Z"


@pytest.fixture
def jetstream(tmp_path: Path) -> Jetstream:
    return Jetstream(tmp_path)
