"""AT Protocol identifiers, made up deterministically and vectorised: DIDs, TIDs, CIDs, handles.

Why their real shapes: a Bluesky source must name posts by ``at://DID/COLLECTION/RKEY`` and
may read times out of record keys, so the simulated ones follow the specs exactly:

* a ``did:plc`` identifier is 24 characters of base32 (``a-z2-7``);
* a TID (record key, repository revision) is 13 characters of base32-sortable
  (``234567a-z``) holding ``microseconds << 10 | clock id`` in 63 bits, so TIDs sort like
  their times;
* a record's CID, as Jetstream prints it, is ``bafyrei`` + 52 base32 characters (CIDv1,
  dag-cbor, sha-256); the last character carries 3 bits and 2 zero bits of padding, so it is
  one of ``aeimquy4``, as in real CIDs.

Each function returns fixed-width ``bytes`` arrays (``S13``, ``S59``), a few bytes a post, rather
than millions of Python strings; the writer decodes one when it writes it.
"""

from __future__ import annotations

import numpy as np

B32 = np.frombuffer(b"abcdefghijklmnopqrstuvwxyz234567", np.uint8)
B32_SORTABLE = np.frombuffer(b"234567abcdefghijklmnopqrstuvwxyz", np.uint8)
CID_PREFIX = b"bafyrei"


def _chars(codes: np.ndarray, alphabet: np.ndarray) -> np.ndarray:
    """Rows of 5-bit codes → a fixed-width bytes array, one string per row."""
    table = alphabet[codes].astype(np.uint8)
    return np.ascontiguousarray(table).view(f"S{codes.shape[1]}").ravel()


def dids(rng: np.random.Generator, n: int) -> list[str]:
    """``n`` distinct ``did:plc:`` identifiers (random, so they say nothing of the account)."""
    while True:
        body = _chars(rng.integers(0, 32, (n, 24)), B32)
        if np.unique(body).size == n:  # 120 random bits: a repeat never happens, but say so
            return ["did:plc:" + b.decode() for b in body.tolist()]


def tids(micros: np.ndarray, clock: np.ndarray) -> np.ndarray:
    """TIDs (``S13``) of Unix microseconds and 10-bit clock ids."""
    value = (micros.astype(np.int64) << 10) | (clock.astype(np.int64) & 0x3FF)
    shifts = np.arange(60, -1, -5, dtype=np.int64)  # 13 groups of 5 bits, the top one first
    codes = (value[:, None] >> shifts[None, :]) & 31
    return _chars(codes, B32_SORTABLE)


def distinct_micros(rng: np.random.Generator, ms: np.ndarray) -> np.ndarray:
    """A distinct microsecond inside each of these milliseconds (a TID's time, unique so
    that no two records share a key; a repeat draws again, so each stays in its ms)."""
    us = ms * 1000 + rng.integers(0, 1000, ms.size)
    while True:
        order = np.argsort(us, kind="stable")
        repeat = np.zeros(us.size, bool)
        repeat[order[1:]] = us[order][1:] == us[order][:-1]
        if not repeat.any():
            return us
        us[repeat] = ms[repeat] * 1000 + rng.integers(0, 1000, int(repeat.sum()))


def tid_micros(tid: str) -> int:
    """The microseconds a TID carries (for tests and checks)."""
    value = 0
    for c in tid:
        value = value << 5 | B32_SORTABLE.tobytes().index(c.encode())
    return value >> 10


def cids(rng: np.random.Generator, n: int) -> np.ndarray:
    """``n`` distinct record CIDs (``S59``)."""
    while True:
        codes = rng.integers(0, 32, (n, 52))
        codes[:, -1] = rng.integers(0, 8, n) * 4  # the padding bits of the last character
        body = _chars(codes, B32)
        out = np.char.add(CID_PREFIX, body)
        if np.unique(out).size == n:
            return out


def handle_base(handle: str) -> str:
    """A Twitter-style handle as a DNS label: lower case, ``_`` → ``-`` (handles are domain
    names; ours hold only letters, digits and ``_``, so no two collide)."""
    return handle.lower().replace("_", "-")


__all__ = ["dids", "tids", "distinct_micros", "tid_micros", "cids", "handle_base", "CID_PREFIX"]
