"""The servers a Mastodon watch follows: their address, their token, their streaming host.

Tokens come from the environment, never from the command line (where ``ps`` and the shell's
history would show them): ``GROUNDSWELL_MASTODON_TOKEN_<HOST>`` for one server (the host in
capitals, every other character ``_``: ``GROUNDSWELL_MASTODON_TOKEN_MASTODON_SOCIAL``), or
``GROUNDSWELL_MASTODON_TOKEN`` when a single server is watched. Why not the plain variable for
several servers: a token is one server's; sent to the others it would hand the account to
their operators. For the same reason a token only travels over HTTPS (plain HTTP only to this
machine, for tests), in the ``Authorization`` header, never in a URL.

The streaming API may live on a host of its own (``wss://streaming.mastodon.social``): the
server says where in ``/api/v2/instance`` (``configuration.urls.streaming``), which is asked
once; without an answer the server's own address is used.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import httpx

from groundswell.sources.base import RecordError
from groundswell.sources.mastodon.accounts import server_name

#: The token's environment variable (``--token-env`` changes the name; per-server variables
#: add ``_<HOST>`` to it).
TOKEN_ENV = "GROUNDSWELL_MASTODON_TOKEN"
_LOOPBACK = ("127.0.0.1", "::1", "[::1]", "localhost")


class WatchError(ValueError):
    """A watch that cannot go on (a refused token, an unusable address): said in one line."""


@dataclass
class Instance:
    """One server: ``base`` its API's address, ``host`` whose ids its statuses carry."""

    base: str
    host: str
    token: str | None = None
    #: the variable the token came from (or, without a token, the base name)
    token_name: str = TOKEN_ENV
    #: where the streaming API answers (the server's own address unless it says otherwise)
    streaming: str = ""
    #: a timeline request has succeeded in this run: a later refusal is a passing failure
    answered: bool = field(default=False, repr=False)

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"} if self.token else {}

    def token_hint(self) -> str:
        """Where a token for this server would be read from, for a refusal's message."""
        if self.token:
            return f"the token in {self.token_name} was refused"
        return (f"set {self.token_name} (when watching this one server) or "
                f"{host_variable(self.token_name, self.host)} to an access token")


def host_variable(token_env: str, host: str) -> str:
    """``GROUNDSWELL_MASTODON_TOKEN`` + ``mastodon.social`` → ``…_MASTODON_SOCIAL``."""
    return f"{token_env}_{re.sub(r'[^A-Z0-9]', '_', host.upper())}"


def instances(urls: list[str] | tuple[str, ...], token_env: str = TOKEN_ENV,
              environ: dict[str, str] | None = None) -> list[Instance]:
    """The servers named by ``urls`` (``mastodon.social``, ``https://chaos.social/``), once
    each, with their tokens (see the module); :class:`WatchError` for what cannot be used."""
    env = os.environ if environ is None else environ
    found: dict[str, Instance] = {}
    for url in urls:
        base = _base(url)
        try:
            host = server_name(base)
        except RecordError as exc:
            raise WatchError(f"--instance {url!r}: {exc}") from None
        found.setdefault(host, Instance(base=base, host=host, streaming=base))
    if not found:
        raise WatchError("no instance to watch: give --instance URL")
    shared = env.get(token_env) or None
    if shared and len(found) > 1:
        raise WatchError(
            f"{token_env} is set but {len(found)} servers are watched: a token belongs to one "
            "server, so name each one's: " + ", ".join(host_variable(token_env, h)
                                                       for h in found))
    for inst in found.values():
        own = host_variable(token_env, inst.host)
        inst.token, inst.token_name = (env[own], own) if env.get(own) else (shared, token_env)
        if inst.token and not _safe(inst.base):
            raise WatchError(f"{inst.base}: a token is only sent over https:// (plain http "
                             "only to this machine)")
    return list(found.values())


def _base(url: str) -> str:
    text = url.strip().rstrip("/")
    if "//" not in text:
        text = f"https://{text}"
    parts = urlsplit(text)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise WatchError(f"--instance {url!r}: give the server's address, e.g. "
                         "https://mastodon.social")
    if parts.path or parts.query:
        raise WatchError(f"--instance {url!r}: give the server's address only, without a "
                         "path (e.g. https://mastodon.social)")
    return f"{parts.scheme}://{parts.netloc}"


def _safe(base: str) -> bool:
    parts = urlsplit(base)
    return parts.scheme == "https" or (parts.hostname or "") in _LOOPBACK


async def discover_streaming(client: httpx.AsyncClient, inst: Instance) -> None:
    """Ask the server where its streaming API is; keep its own address when it does not say
    (an old server, a refusal, a network failure: streaming will tell)."""
    try:
        response = await client.get(inst.base + "/api/v2/instance", headers=inst.headers)
        urls = response.json().get("configuration", {}).get("urls", {}) \
            if response.status_code == 200 else {}
        streaming = urls.get("streaming") if type(urls) is dict else None
    except (httpx.HTTPError, ValueError, AttributeError):
        return
    if type(streaming) is not str or "//" not in streaming:
        return
    scheme, _, rest = streaming.partition("://")
    scheme = {"wss": "https", "ws": "http"}.get(scheme, scheme)
    candidate = f"{scheme}://{rest.rstrip('/')}"
    if scheme in ("http", "https") and (not inst.token or _safe(candidate)):
        inst.streaming = candidate
