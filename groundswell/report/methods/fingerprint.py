"""Fingerprints: short digests that tell two researchers whether they counted the same thing.

Why two: a report depends on the data (the store) and on the question (the campaign). Each
gets a digest that changes when, and only when, what it covers changes.

**The store's fingerprint** covers what every metric reads: every row of ``posts`` (all its
columns but the three that record where and in which order a post was read — ``source_file``,
``source_line`` and ``post_key``, which differ between two stores of the same files read in
another order) and every row of ``post_hashtags`` (but its ``post_key``). Each row is hashed
with MD5 over its fields (NULL told apart from an empty string), and the rows' hashes are
*summed* (as two 64-bit halves, in 128-bit integers): a sum does not depend on the order of
the rows, so a store read in one run or several, from files in any order, gives the same
digest, while one more post, one fewer (a delete) or a changed text or tag (an edit) changes
it. MD5 and SHA-256 are standard functions, unlike DuckDB's ``hash()``, which may change
between DuckDB versions. One scan of each table: about 0.7 s per million posts.

Not covered: accounts (followers, handles: who is named, not what is counted), mentions,
the quarantine, the ingest log, and posts hidden because their account is suspended (they
are out of ``posts`` and of every count, so leaving them out *is* covered).

**The campaign's fingerprint** is the SHA-256 of a canonical JSON form of the campaign as
Groundswell understood it (tags normalised, lists sorted, defaults filled in, times in UTC,
a role model named by its file's SHA-256, not its path): whitespace, comments, key order and
spelling (``#MeToo`` or ``metoo``) do not change it, any change of meaning does. The name is a
label and is left out. The file's own SHA-256 is given beside it.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from groundswell import schema

if TYPE_CHECKING:
    import duckdb

    from groundswell.campaign import Campaign

#: Named in the digest, so a future change of what it covers can never collide with this one.
STORE_SCHEME = "groundswell-store-v1"
CAMPAIGN_SCHEME = "groundswell-campaign-v1"
#: Columns of posts left out: where and in which order a post was read.
ARRIVAL = ("source_file", "source_line", "post_key")
SHORT = 12


@dataclass(frozen=True)
class StoreFingerprint:
    """The store's content digest and the row counts it covers."""

    sha256: str
    posts: int
    hashtags: int

    @property
    def short(self) -> str:
        return self.sha256[:SHORT]


#: Stands for NULL in a row's text (and chr(31) separates fields): control characters no
#: platform's ids, codes or times hold.
NULL = "chr(30)"
LOW64 = "18446744073709551615::UHUGEINT"


def _field(column: str | None, kind: str) -> str:
    """One field as text: times as microseconds since the epoch (exact, and ten times
    cheaper than formatting them), NULL as :data:`NULL`."""
    if column is None:
        return NULL
    value = f"epoch_us({column})::VARCHAR" if kind.startswith("TIMESTAMP") else \
        f"CAST({column} AS VARCHAR)"
    return f"coalesce({value}, {NULL})"


def _row_sums(con: duckdb.DuckDBPyConnection, table: str) -> tuple[int, int, int]:
    """Rows of ``table``, and the sums of their MD5s' two 64-bit halves. The columns are
    the canonical schema's (sorted by name), a column an older store lacks read as NULL: the
    same posts give the same digest whatever the store's column order or age. Measured on
    1M simulated posts (2 cores): 0.5 s for posts, 0.15 s for post_hashtags."""
    present = {name for name, *_ in con.execute(f"DESCRIBE {table}").fetchall()}
    columns = sorted((n, k) for n, k in schema.columns(table).items() if n not in ARRIVAL)
    row = ", ".join(_field(f'"{name}"' if name in present else None, kind)
                    for name, kind in columns)
    count, upper, lower = con.execute(
        f"SELECT count(*), coalesce(sum((h >> 64)::UBIGINT), 0), "
        f"coalesce(sum((h & {LOW64})::UBIGINT), 0) "
        f"FROM (SELECT md5_number(concat_ws(chr(31), {row})) AS h FROM {table})"
    ).fetchone()
    return int(count), int(upper), int(lower)


def store_fingerprint(con: duckdb.DuckDBPyConnection) -> StoreFingerprint:
    """The fingerprint of the ``posts`` and ``post_hashtags`` a connection sees (a store, or
    the views of a Parquet export): one scan of each."""
    posts = _row_sums(con, "posts")
    tags = _row_sums(con, "post_hashtags")
    text = f"{STORE_SCHEME}|posts:{posts[0]}:{posts[1]}:{posts[2]}|" \
           f"post_hashtags:{tags[0]}:{tags[1]}:{tags[2]}"
    return StoreFingerprint(hashlib.sha256(text.encode()).hexdigest(), posts[0], tags[0])


def canonical_campaign(campaign: Campaign) -> dict[str, Any]:
    """The campaign's meaning as plain data, in one canonical form (see the module's doc)."""
    roles = json.loads(campaign.roles_config) if campaign.roles_config else None
    if roles and roles.get("model"):
        roles["model"] = file_sha256(roles["model"]) or Path(roles["model"]).name
    return {
        "scheme": CAMPAIGN_SCHEME,
        "tags": {"main": campaign.main_tag,
                 "variants": sorted([v.tag, v.lang or ""] for v in campaign.variants),
                 "response": sorted(campaign.response_tags)},
        "phrases": {"match": sorted(campaign.phrases),
                    "only_in_replies_to_origin": campaign.phrases_only_in_replies_to_origin},
        "origins": sorted(list(o) for o in campaign.origins),
        "window": [None if t is None else t.isoformat() + "Z"
                   for t in (campaign.start, campaign.end)],
        "public_figures": {"min_followers": campaign.public_figure_followers,
                           "verified": campaign.public_figure_verified,
                           "handles": sorted(campaign.public_handles)},
        "privacy": {"min_cell": campaign.privacy_k, "budget": campaign.privacy_budget,
                    "epsilon": campaign.privacy_epsilon},
        "roles": roles,
    }


def campaign_fingerprint(campaign: Campaign) -> str:
    """SHA-256 of :func:`canonical_campaign` as sorted, compact JSON."""
    text = json.dumps(canonical_campaign(campaign), sort_keys=True, ensure_ascii=False,
                      separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def file_sha256(path: str | Path | None) -> str | None:
    """The SHA-256 of a file's bytes; None when there is no such file."""
    if path is None or not Path(path).is_file():
        return None
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()
