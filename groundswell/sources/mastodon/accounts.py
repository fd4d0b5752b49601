"""Mastodon accounts and servers as keys that mean the same thing whichever server answered.

Why this needs care: the Mastodon API speaks relative to the server that served the response.
An account's ``acct`` is ``user`` for the server's own accounts and ``user@domain`` for
everyone else's, and every ``id`` (of a status, an account, a reply's parent) is the server's
own number. So:

* an account's key is its full ``user@domain``: a bare ``acct`` is completed with the host
  of the account's profile ``url`` (a local account's profile lives on its server). The
  domain is lower-cased (host names are case-insensitive), the user name kept as written.
  Known limit: a server whose web host differs from its account domain (``WEB_DOMAIN`` ≠
  ``LOCAL_DOMAIN``) names its local accounts by the web host here, other servers by the
  account domain.
* the serving server (whose ids a record's ids are) is, in this order: the one the user gave
  (``groundswell ingest --server``), a ``server`` or ``instance`` field beside the record's
  statuses, or inferred from the record itself: a local account (an ``acct`` without ``@``:
  an author or a mention) can only be an account of the serving server, so its profile's
  host *is* that server. When the record names two different hosts that way, or none, the
  server is unknown (``None``), and nothing is keyed by a local id: a guess could join a
  reply or a delete to the wrong post, an unknown server only leaves it unjoined.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from functools import lru_cache
from typing import Any
from urllib.parse import urlsplit

from groundswell.sources.base import Emitter, RecordError, as_int, as_str, utc_naive

PLATFORM = "mastodon"
#: Fields a collector may write beside a record's statuses to say which server served them.
SERVER_FIELDS = ("server", "instance")
MAX_DEPTH = 4  # reblog → quote → quoted status's quote: real statuses nest 2 deep


def host_of(url: object) -> str | None:
    """The lower-cased host (with its port, if any) of an absolute URL, or None."""
    return _host(url) if type(url) is str and "//" in url else None


@lru_cache(maxsize=8192)  # profile URLs repeat: one author posts many statuses
def _host(url: str) -> str | None:
    try:
        netloc = urlsplit(url).netloc
    except ValueError:  # an invalid IPv6 literal or port
        return None
    host = netloc.rpartition("@")[2].lower().rstrip(".")
    return host or None


def server_name(value: object) -> str:
    """A server as a user or a record names it (``mastodon.social``,
    ``https://mastodon.social/``, ``Mastodon.Social``) → the host its ids are keyed by."""
    if type(value) is not str:
        raise RecordError(f"server is a {type(value).__name__}, not a host name")
    return _server_name(value)


@lru_cache(maxsize=64)
def _server_name(value: str) -> str:
    text = value.strip()
    host = host_of(text if "//" in text else f"//{text}")
    if host is None or any(c in host for c in " \\/?#") or host.startswith(":"):
        raise RecordError(f"server {value[:60]!r} is not a host name")
    return host


def complete_acct(acct: str, url: object, server: str | None) -> str | None:
    """``user@domain`` for an ``acct`` as the API gives it: a remote one as written (domain
    lower-cased), a local one with the host of its profile ``url``, else of ``server``; None
    when the domain cannot be known."""
    user, at, domain = acct.partition("@")
    if at:
        return f"{user}@{domain.lower()}" if user and domain and "@" not in domain else None
    domain = host_of(url) or server
    return f"{acct}@{domain}" if domain else None


def author_key(account: dict[str, Any], server: str | None, status_uri: str) -> str:
    """The key (and handle) of a status's author. A local author without a profile URL
    falls back to its ``uri``'s host, the serving server, then the status's own host (a
    local status lives on its server): never a guess, each names the author's server."""
    acct = account.get("acct")
    if type(acct) is not str or not acct:
        raise RecordError("status account without acct")
    profile = account.get("url")
    if host_of(profile) is None:
        profile = account.get("uri")
    key = complete_acct(acct, profile, server or host_of(status_uri))
    if key is None:
        raise RecordError(f"account acct {acct[:60]!r} is not user@domain")
    return key


def mentions(status: dict[str, Any], server: str | None
             ) -> tuple[list[tuple[str, str | None]], dict[str, str]]:
    """``([(handle, author key or None)], {account id: author key})`` of the status's
    ``mentions``. The ids are the serving server's: only good for matching
    ``in_reply_to_account_id`` of the same status. Malformed entries are skipped, as
    :func:`~groundswell.sources.mastodon.content.mentions` skips them."""
    found = status.get("mentions")
    if type(found) is not list:
        return [], {}
    out: list[tuple[str, str | None]] = []
    by_id: dict[str, str] = {}
    for entry in found:
        if type(entry) is not dict or type(entry.get("acct")) is not str or not entry["acct"]:
            continue
        key = complete_acct(entry["acct"], entry.get("url"), server)
        out.append((key or entry["acct"], key))
        account_id = entry.get("id")
        if key and type(account_id) in (str, int) and account_id != "":
            by_id[str(account_id)] = key
    return out, by_id


def snapshot(account: dict[str, Any], key: str, emit: Emitter) -> None:
    """The author's account as this status shows it (no observation time: the API gives
    none, so the last snapshot read wins; Mastodon has no verified badge)."""
    created = account.get("created_at")
    try:
        created_at = parse_time(created, "account created_at")
    except RecordError as exc:  # a profile detail: keep the status, say what was wrong
        emit.problem(str(exc))
        created_at = None
    emit.account(PLATFORM, key, key, as_str(account.get("display_name")),
                 as_int(account.get("followers_count")), None, created_at, None)


def parse_time(value: object, what: str = "created_at") -> datetime | None:
    """Mastodon's ISO 8601 times (``2025-07-15T07:54:23.000Z``) → naive UTC; None stays
    None; anything else unparseable is a :class:`RecordError` naming ``what``."""
    if value is None:
        return None
    if type(value) is not str:
        raise RecordError(f"{what} is not a string: {type(value).__name__}")
    try:
        return utc_naive(datetime.fromisoformat(value))
    except (ValueError, OverflowError):  # OverflowError: year 1 or 9999 moved to UTC
        raise RecordError(f"{what} is not an ISO timestamp: {value[:40]!r}") from None


# ---------------------------------------------------------------------------------------
# The serving server

def serving_server(emit: Emitter, declared: object, statuses: Iterable[object],
                   accounts: Iterable[object] = ()) -> str | None:
    """Whose local ids the ``statuses`` of one record carry (see the module docstring);
    ``accounts``: other accounts of the same response (a notification's, a search's)."""
    if emit.server is not None:
        return server_name(emit.server)
    if declared is not None:
        return server_name(declared)
    hosts: set[str] = set()
    for status in statuses:
        _local_hosts(status, hosts, 0)
    _add_local(accounts, hosts)
    return hosts.pop() if len(hosts) == 1 else None


def declared_server(record: dict[str, Any]) -> object:
    """The ``server`` (or ``instance``) a collector wrote beside a record's statuses."""
    for field in SERVER_FIELDS:
        if record.get(field) is not None:
            return record[field]
    return None


def _local_hosts(status: object, hosts: set[str], depth: int) -> None:
    """Add to ``hosts`` the profile hosts of the local accounts a status names."""
    if type(status) is not dict or depth > MAX_DEPTH:
        return
    _add_local((status.get("account"),), hosts)
    if type(status.get("mentions")) is list:
        _add_local(status["mentions"], hosts)
    _local_hosts(status.get("reblog"), hosts, depth + 1)
    quote = status.get("quote")
    if type(quote) is dict:
        _local_hosts(quote if "uri" in quote else quote.get("quoted_status"), hosts, depth + 1)


def _add_local(accounts: Iterable[object], hosts: set[str]) -> None:
    for account in accounts:
        if type(account) is dict and type(account.get("acct")) is str \
                and account["acct"] and "@" not in account["acct"]:
            host = host_of(account.get("url"))
            if host:
                hosts.add(host)
