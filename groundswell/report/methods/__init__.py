"""The methods paragraph: what a paper needs to say about how a campaign was measured.

Why generated, never written by hand: the sources and their time span, what counted as taking
part, the definitions, the deduplication and deletions, the privacy settings and the software
are all facts of one run — the store's records, the campaign file, the metrics' options, the
policy. Gathered here into :class:`Methods` (from a DuckDB connection that sees the store's
tables, or a Parquet export's), they are rendered as plain-English paragraphs for the terminal
(``report --methods``), a collapsible section of the HTML page, and a ``methods`` object in
``report --json`` (:mod:`groundswell.report.methods.render`). Fingerprints of the store and of
the campaign (:mod:`groundswell.report.methods.fingerprint`) let two researchers tell whether
they counted the same thing.

Nothing private is written: counts are of posts and files, a platform with fewer than k
authors is shown as ``"<k"`` without its days, an origin post's id only when a public figure
wrote it, a file by its type (a campaign file by its name), never by its folder.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from groundswell.report.methods.facts import Collection, Platform, Removals
from groundswell.report.methods.facts import collection as read_collection
from groundswell.report.methods.facts import platforms as read_platforms
from groundswell.report.methods.facts import removals as read_removals
from groundswell.report.methods.fingerprint import (
    StoreFingerprint,
    campaign_fingerprint,
    file_sha256,
    store_fingerprint,
)

if TYPE_CHECKING:
    import duckdb

    from groundswell.campaign import Campaign
    from groundswell.policy import Policy

#: What the data behind a report may be: the store, or a Parquet export of it.
SOURCES = ("store", "export", "private export")


@dataclass(frozen=True)
class CampaignFacts:
    """The campaign as its matching rule reads it; origin ids None where withheld."""

    name: str
    ad_hoc: bool
    main_tag: str
    variants: tuple[tuple[str, str | None], ...]
    response_tags: tuple[str, ...]
    phrases: tuple[str, ...]
    phrases_only_in_replies_to_origin: bool
    origins: tuple[tuple[str, str | None], ...]
    start: datetime | None
    end: datetime | None
    fingerprint: str
    file_name: str | None = None
    file_sha256: str | None = None
    roles: dict[str, Any] | None = None


@dataclass(frozen=True)
class Methods:
    """Every fact the methods paragraph states (render with :mod:`.render`)."""

    campaign: CampaignFacts | None
    platforms: tuple[Platform, ...]
    collection: Collection | None
    removals: Removals
    store: StoreFingerprint
    policy: Policy
    source: str = "store"
    engine: str = "duckdb"
    metrics: tuple[str, ...] = ()
    settings: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    software: Mapping[str, str] = field(default_factory=dict)
    dp: Mapping[str, Any] | None = None

    def text(self) -> str:
        from groundswell.report.methods.render import text

        return text(self)

    def html(self) -> str:
        from groundswell.report.methods.render import html

        return html(self)

    def as_json(self) -> dict[str, Any]:
        from groundswell.report.methods.render import as_json

        return as_json(self)


def gather(con: duckdb.DuckDBPyConnection, campaign: Campaign | None, policy: Policy, *,
           source: str = "store", engine: str = "duckdb", metrics: Sequence[str] = (),
           settings: Mapping[str, Mapping[str, Any]] | None = None,
           software: Mapping[str, str] | None = None,
           dp: Mapping[str, Any] | None = None) -> Methods:
    """The facts of one run. ``con`` sees the canonical tables (a store's connection, or an
    in-memory DuckDB over an export's Parquet files); ``metrics`` are those the output shows,
    ``settings`` their options; ``dp`` what a differentially private release spent."""
    if source not in SOURCES:
        raise ValueError(f"source must be one of {', '.join(SOURCES)}, not {source!r}")
    return Methods(
        campaign=None if campaign is None else campaign_facts(con, campaign, policy, settings),
        platforms=tuple(read_platforms(con, policy)),
        collection=read_collection(con),
        removals=read_removals(con, policy),
        store=store_fingerprint(con),
        policy=policy, source=source, engine=engine, metrics=tuple(metrics),
        settings=dict(settings or {}), software=dict(software or {}), dp=dp)


def campaign_facts(con: duckdb.DuckDBPyConnection, campaign: Campaign, policy: Policy,
                   settings: Mapping[str, Mapping[str, Any]] | None = None) -> CampaignFacts:
    """The campaign's rule, its fingerprints, and its origin posts (ids of public figures'
    posts only, unless the policy reveals)."""
    path = Path(campaign.source) if campaign.source else None
    return CampaignFacts(
        name=campaign.name, ad_hoc=campaign.source is None, main_tag=campaign.main_tag,
        variants=tuple((v.tag, v.lang) for v in campaign.variants),
        response_tags=campaign.response_tags, phrases=campaign.phrases,
        phrases_only_in_replies_to_origin=campaign.phrases_only_in_replies_to_origin,
        origins=_origins(con, campaign, policy), start=campaign.start, end=campaign.end,
        fingerprint=campaign_fingerprint(campaign),
        file_name=path.name if path else None, file_sha256=file_sha256(path),
        roles=_roles(campaign, (settings or {}).get("roles", {})))


def _origins(con: duckdb.DuckDBPyConnection, campaign: Campaign,
             policy: Policy) -> tuple[tuple[str, str | None], ...]:
    """Each origin as ``(platform, id)``; the id None unless its author is a public figure
    (an origin by a private person, or not in the store, would point at someone)."""
    if not campaign.origins:
        return ()
    public: set[tuple[str, str]] = set()
    ids = [post_id for _, post_id in campaign.origins]
    try:
        rows = con.execute(
            "SELECT p.platform, p.post_id, a.handle, a.followers, a.verified FROM posts p "
            "LEFT JOIN accounts a USING (platform, author_id) "
            "WHERE p.post_id IN (SELECT unnest(?::VARCHAR[]))", [ids]).fetchall()
    except Exception:  # noqa: BLE001 - no accounts table (an export of some tables): withhold
        rows = []
    for platform, post_id, handle, followers, verified in rows:
        if policy.reveal or policy.is_public(handle, followers, verified):
            public.add((platform, post_id))
    return tuple((p, i if (p, i) in public else None) for p, i in campaign.origins)


def _roles(campaign: Campaign, options: Mapping[str, Any]) -> dict[str, Any] | None:
    """The role set and classifier the roles metric uses (None without ``[roles]``)."""
    if not campaign.roles_config:
        return None
    from groundswell.roles.sets import RoleSet

    config = json.loads(campaign.roles_config)
    model = options.get("model") or config.get("model") or None
    method = str(options.get("method") or "pacc") if model else "cc"
    return {"roles": list(RoleSet.from_config(config).names),
            "classifier": Path(model).name if model else "rules",
            "model_sha256": file_sha256(model) if model else None,
            "method": method, "bootstrap": int(options.get("bootstrap", 200))}


__all__ = ["CampaignFacts", "Methods", "campaign_facts", "gather"]
