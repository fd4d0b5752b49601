"""Fixtures of the Mastodon source's tests: the real files with the
server that served each, and small helpers to write input files and ingest them.

Real statuses come from ``../shared/corpora/mastodon``; the files these tests write are real
statuses put in the other shapes the API gives them (a server-sent stream, WebSocket
messages, a wrapper naming the server), or changed as another server or an edit would.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from helpers import DATA_TABLES, corpus

MASTODON_SOCIAL = "mastodon.social"


def served_by(path: Path) -> str:
    """The server an rtoot recording was made on: the host of its ``*.source.json``'s
    requests (one host for all of them)."""
    meta = json.loads(path.with_name(path.name.replace(".json", ".source.json"))
                      .read_text("utf-8"))
    hosts = {urlsplit(url).netloc for url in meta["requests"]}
    assert len(hosts) == 1, hosts
    return hosts.pop()


@pytest.fixture(scope="module")
def real_files() -> list[tuple[Path, str | None]]:
    """Every real Mastodon file and the server to ingest it with. The Mastodon.py cassette
    mixes responses of three servers (its test server, icosahedron.website and
    mastodon.social): no one server is right for it, so it is ingested without one. The
    stream recording has no ``.source.json``; the corpus README says mastodon.social."""
    rtoot = corpus("mastodon", "rtoot")
    return [
        (corpus("mastodon", "mastodonpy_cassette_statuses.jsonl"), None),
        (rtoot / "tag_ichbinhanna_mastodon.social.json",
         served_by(rtoot / "tag_ichbinhanna_mastodon.social.json")),
        (rtoot / "context_mastodon.social.json",
         served_by(rtoot / "context_mastodon.social.json")),
        (rtoot / "stream_mastodonsocial.jsonl", MASTODON_SOCIAL),
    ]


def read_lines(path: Path) -> list[dict]:
    """A JSON-lines file's records (split at "\\n" only: statuses hold U+2028 in strings)."""
    return [json.loads(line) for line in path.read_text("utf-8").split("\n") if line.strip()]


@pytest.fixture(scope="module")
def timeline() -> list[dict]:
    """The 160 statuses of mastodon.social's #IchBinHanna tag timeline."""
    path = corpus("mastodon", "rtoot", "tag_ichbinhanna_mastodon.social.json")
    return json.loads(path.read_text("utf-8"))


@pytest.fixture(scope="module")
def stream_statuses() -> list[dict]:
    """The 48 ``update`` payloads of mastodon.social's public stream."""
    return read_lines(corpus("mastodon", "rtoot", "stream_mastodonsocial.jsonl"))


@pytest.fixture
def write(tmp_path: Path) -> Callable[..., Path]:
    """``write(name, lines)``: a file of these lines (objects written as JSON) → its path."""
    def write_file(name: str, lines: list) -> Path:
        path = tmp_path / name
        path.write_text("".join((line if isinstance(line, str) else json.dumps(line)) + "\n"
                                for line in lines), encoding="utf-8")
        return path
    return write_file


def _ingest(store, *paths: Path, server: str | None = None):
    return store.ingest(list(paths), server=server, workers=1)


@pytest.fixture
def ingest() -> Callable:
    """``ingest(store, *paths, server=None)``, in this process (``workers=1``), so a
    failure shows its own traceback."""
    return _ingest


def _content_rows(store) -> dict[str, list[tuple]]:
    """Every table an ingest writes, without where each row was read (file and line): for
    comparing inputs that say the same thing in different shapes."""
    out = {}
    for table in DATA_TABLES:
        columns = [c for c, in store.con.execute(
            "SELECT column_name FROM duckdb_columns() WHERE table_name = ? AND "
            "database_name = current_database() ORDER BY column_index", [table]).fetchall()
            if c not in ("source_file", "source_line", "post_key")]
        out[table] = sorted(store.con.execute(
            f"SELECT {', '.join(columns)} FROM {table}").fetchall(), key=repr)
    return out


@pytest.fixture
def rows_of() -> Callable:
    """``rows_of(store)``: every table an ingest writes, without file, line and post key."""
    return _content_rows
