"""The public API: what the ``groundswell`` command, the live dashboard and notebooks call.

Every question takes where the tables are — a :class:`Store` (the DuckDB file) or an
:class:`~groundswell.engines.Engine` (a Parquet export on DuckDB or on Spark, from
:func:`open_engine`) — and what to measure: a campaign (a
:class:`~groundswell.campaign.Campaign` or a campaign file), ad-hoc ``tags``, or nothing (every
stored post). Results are JSON-ready dicts, or pandas DataFrames where that is what a notebook
wants.

``groundswell.Store`` is the store with these questions as methods, for the README's examples::

    from groundswell import Store
    store = Store("metoo.duckdb")
    store.ingest(["tweets.jsonl.gz"])
    store.report(campaign="MeToo.toml")["magnitude"]
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from groundswell import store as storage
from groundswell.campaign import Campaign

if TYPE_CHECKING:  # imported where used: an ingest never loads Ibis (0.35 s), nor a report
    import networkx as nx
    import pandas as pd  # the parsers

    from groundswell.engines import Engine
    from groundswell.ingest import FollowSummary, IngestSummary
    from groundswell.policy import Policy
    from groundswell.report.methods import Methods
    from groundswell.scope import Scope, Tables
    from groundswell.simulate.platforms import Simulated
    from groundswell.trends.bursts import BurstParams
    from groundswell.trends.score import TrendParams

CampaignLike = Campaign | str | os.PathLike[str] | None
Options = Mapping[str, Mapping[str, Any]] | None


class Store(storage.Store):
    """A Groundswell store (:class:`groundswell.store.Store`) with the API's questions as
    methods: ``store.ingest(paths)``, ``store.report(...)``, ``store.frames(...)``,
    ``store.hashtags()``, ``store.trends()``, ``store.bursts(tag)``, ``store.quarantine()``;
    ``store.table("posts")`` is an Ibis table for your own questions."""

    def ingest(self, paths: Sequence[str | os.PathLike[str]], **options: Any) -> IngestSummary:
        return ingest(self, paths, **options)

    def report(self, tags: Sequence[str] | None = None, metrics: list[str] | None = None,
               campaign: CampaignLike = None, options: Options = None,
               reveal: bool = False) -> dict:
        return report(self, campaign, tags or (), metrics, options, reveal)

    def frames(self, tags: Sequence[str] | None = None, metrics: list[str] | None = None,
               campaign: CampaignLike = None, options: Options = None,
               reveal: bool = False) -> dict:
        return frames(self, campaign, tags or (), metrics, options, reveal)

    def hashtags(self, top: int | None = 50) -> pd.DataFrame:
        return hashtags(self, top)

    def trends(self, campaign: CampaignLike = None, params: TrendParams | None = None,
               streaming: bool = False) -> dict:
        return trends(self, campaign, params, streaming)

    def bursts(self, tag: str, campaign: CampaignLike = None, window_seconds: int = 3600,
               params: BurstParams | None = None) -> dict:
        return bursts(self, tag, campaign, window_seconds, params)

    def quarantine(self, limit: int | None = 20) -> dict:
        return quarantine(self, limit)


if TYPE_CHECKING:
    #: Where the tables are: the store, or an engine over a Parquet export.
    Source = storage.Store | Engine


# -- ingesting ----------------------------------------------------------------------------------
def simulate(out_dir: str | os.PathLike[str], posts: int = 20_000,
             platforms: Sequence[str] = ("twitter", "bluesky", "mastodon"),
             seed: int = 0) -> Simulated:
    """A realistic #MeToo-like campaign of ``posts`` posts shared between ``platforms``,
    written into ``out_dir`` as each platform's collectors would (twarc2 pages, Jetstream
    events, a Mastodon stream), with its ground truth and the planted campaign's file
    (``.campaign_file``; ingest the Mastodon stream with ``server=.server``). What
    ``groundswell demo`` measures; same arguments → identical files."""
    from groundswell.simulate.platforms import simulate_platforms

    return simulate_platforms(out_dir, posts, platforms, seed,
                              command=f"groundswell.api.simulate(posts={posts}, seed={seed}, "
                                      f"platforms={list(platforms)})")


def ingest(store: storage.Store, paths: Sequence[str | os.PathLike[str]],
           progress: Callable[[int], None] | None = None,
           posts_progress: Callable[[int], None] | None = None,
           batch_posts: int | None = None, workers: int | None = None,
           server: str | None = None, mapping: str | os.PathLike[str] | None = None,
           preset: str | None = None, table_format: str | None = None,
           platform: str | None = None, **read_options: Any) -> IngestSummary:
    """Read files (``-`` for stdin; any built-in format, plain, .gz or .zst) into
    ``store``: idempotent, streaming, nothing lost (see :mod:`groundswell.ingest`).
    ``progress`` gets raw bytes read, ``posts_progress`` posts seen; ``workers`` processes
    parse big plain files (default one per core); ``server``: the server the files were
    collected from (``mastodon.social`` or its URL), for platforms whose ids are a server's
    own (Mastodon).

    Tables (CSV, TSV, NDJSON, Parquet) are read through a ``mapping`` file or a ``preset``
    (``twarc-csv``, ``4cat-ndjson``, …: :func:`presets`); ``table_format`` and
    ``read_options`` (``delimiter``, ``quote``, ``escape``, ``header``, ``encoding``,
    ``skip``) override the mapping's and what is detected; ``platform`` is the posts'
    platform when the mapping names none (a spreadsheet made by hand). See docs/mappings.md.
    """
    from groundswell.ingest import ingest as ingest_files

    table = table_input(mapping, preset, table_format, platform, **read_options)
    return ingest_files(store, paths, progress=progress, posts_progress=posts_progress,
                        batch_posts=batch_posts, workers=workers, server=server_host(server),
                        table=table)


def table_input(mapping: str | os.PathLike[str] | None = None, preset: str | None = None,
                table_format: str | None = None, platform: str | None = None,
                **read_options: Any):
    """What :func:`ingest` needs to read tables, checked before any store is touched (a
    MappingError says what is wrong); None when no mapping, preset or table format is given."""
    from groundswell.ingest.tables import TableInput
    from groundswell.sources.tables import MappingError, ReadOptions, load_mapping

    given = {k: v for k, v in read_options.items() if v is not None}
    if mapping is None and preset is None:
        if table_format is not None or given:
            raise MappingError("a table needs a mapping: --mapping FILE or --preset NAME "
                               "(groundswell mapping guess FILE writes one)")
        return None
    chosen = load_mapping(None if mapping is None else str(mapping), preset)
    try:
        options = ReadOptions(format=table_format, **given)
    except TypeError as exc:
        raise MappingError(f"unknown read option: {exc}") from None
    return TableInput(chosen, options, platform)


def presets() -> list[str]:
    """The names of the built-in mappings (``ingest --preset NAME``)."""
    from groundswell.sources.tables import presets as names

    return names()


def server_host(server: str | None) -> str | None:
    """The host a server is named by (``https://Mastodon.Social/`` → ``mastodon.social``);
    ValueError, before anything is read, for what is not a host."""
    from groundswell.sources.base import RecordError
    from groundswell.sources.mastodon.accounts import server_name

    if server is None:
        return None
    try:
        return server_name(server)
    except RecordError as exc:
        raise ValueError(f"--server: {exc} (give a host, e.g. mastodon.social)") from None


def check_inputs(paths: Sequence[str | os.PathLike[str]]) -> int | None:
    """Check, before a store is created or touched, that every input exists and that the
    ingest's settings (``GROUNDSWELL_BATCH_POSTS``, ``_WORKERS``, ``_CHUNK_BYTES``) are
    valid; return the inputs' total size in bytes (None when stdin or a pipe is one of
    them)."""
    from groundswell.ingest.batch import batch_size
    from groundswell.ingest.lines import InputFile
    from groundswell.ingest.parallel import chunk_bytes, default_workers

    batch_size(), default_workers(), chunk_bytes()
    inputs = [InputFile.from_arg(p) for p in paths]
    sizes = [i.size for i in inputs if i.path is not None and i.path.is_file()]
    return sum(sizes) if len(sizes) == len(inputs) else None


def follow(db: str | os.PathLike[str], file: str | os.PathLike[str], poll: float = 1.0,
           stop: threading.Event | None = None,
           campaign: Campaign | str | os.PathLike[str] | None = None,
           metric_options: Mapping[str, Any] | None = None, **options: Any) -> FollowSummary:
    """Follow a growing file into the store at ``db`` until ``stop`` is set, opening the
    store only to commit each batch (see :mod:`groundswell.ingest.follow`). Given a
    ``campaign``, its live state is kept in the store batch by batch, for ``serve`` on the
    same campaign (``metric_options``: the metrics' options, as for ``serve``; the trend
    window is part of the state)."""
    from groundswell.ingest import follow as follow_file

    if options.get("server") is not None:
        options["server"] = server_host(options["server"])
    return follow_file(db, file, poll=poll, stop=stop,
                       after_batch=_live_state(campaign, metric_options), **options)



# -- live ----------------------------------------------------------------------------------------
def _live_state(campaign: Campaign | str | os.PathLike[str] | None,
                options: Mapping[str, Any] | None) -> Callable[[storage.Store], Any] | None:
    """The campaign's live state update (groundswell.live), to run inside each commit of a
    live writer: the dashboard then reads running totals instead of recomputing the store."""
    if campaign is None:
        return None
    from groundswell.live import LiveState

    return LiveState(campaign, options).update


def watch_bluesky(db: str | os.PathLike[str],
                  campaign: Campaign | str | os.PathLike[str] | None = None, *,
                  options: Mapping[str, Any] | None = None, **kwargs: Any):
    """Collect from Bluesky's Jetstream into the store at ``db`` until ``stop`` (a keyword,
    a ``threading.Event``) is set: :func:`groundswell.watch.jetstream.watch_bluesky`, with the
    campaign's live state kept for the dashboard (``options``: the metrics' options, as for
    ``serve``: the trend window is part of the state)."""
    from groundswell.watch.jetstream import watch_bluesky as watch

    if campaign is not None and not isinstance(campaign, Campaign):
        campaign = Campaign.load(campaign)
    return watch(db, campaign, after_commit=_live_state(campaign, options), **kwargs)


def watch_mastodon(db: str | os.PathLike[str], campaign: Campaign | str | os.PathLike[str],
                   instances: Sequence[str], *, options: Mapping[str, Any] | None = None,
                   **kwargs: Any):
    """Follow the campaign's tags on Mastodon servers into the store at ``db`` until ``stop``
    is set: :func:`groundswell.watch.mastodon.watch_mastodon`, with the campaign's live
    state kept for the dashboard (see :func:`watch_bluesky`)."""
    from groundswell.watch.mastodon import watch_mastodon as watch

    if not isinstance(campaign, Campaign):
        campaign = Campaign.load(campaign)
    return watch(db, campaign, instances, after_commit=_live_state(campaign, options),
                 **kwargs)

# -- roles ---------------------------------------------------------------------------------------
def roles_train(labels: str | os.PathLike[str] | storage.Store,
                output: str | os.PathLike[str], seed: int = 0) -> dict[str, Any]:
    """Fit a role classifier on a labelled table (columns ``text``, ``role``; any role
    names) or on a store's labels (``groundswell label``), save it to ``output``, and return
    its cross-validated evaluation (see :mod:`groundswell.roles.model`)."""
    from groundswell.roles.model import RoleModel, evaluation
    from groundswell.roles.texts import read_labels

    texts, roles = (stored_labels(labels) if isinstance(labels, storage.Store)
                    else read_labels(labels))
    model = RoleModel.train(texts, roles, seed=seed)
    model.save(output)
    return {"model": str(output), "labels": model.labels, "trained_at": model.trained_at,
            **evaluation(model.roles, model.cv_truth, model.cv_outputs.argmax(axis=1))}


def roles_evaluate(model: str | os.PathLike[str]) -> dict[str, Any]:
    """A saved model's per-role precision, recall and F1 and its confusion matrix, from the
    cross-validated posteriors of its own labels (each from a model that did not see it)."""
    from groundswell.roles.model import RoleModel, evaluation

    m = RoleModel.load(model)
    return {"model": str(model), "labels": m.labels, "trained_at": m.trained_at,
            **evaluation(m.roles, m.cv_truth, m.cv_outputs.argmax(axis=1))}


def roles_estimate(model: str | os.PathLike[str], texts: str | os.PathLike[str],
                   method: str = "pacc", bootstrap: int = 200,
                   seed: int = 0) -> dict[str, Any]:
    """Each role's share among a table's texts (column ``text``), corrected for the model's
    measured errors, with a 95 % bootstrap interval; ``classify_and_count`` beside it."""
    from groundswell.roles.model import RoleModel
    from groundswell.roles.prevalence import classify_and_count, estimate
    from groundswell.roles.texts import read_texts

    m = RoleModel.load(model)
    outputs = m.posteriors(read_texts(texts))
    found = estimate(m.roles, m.cv_outputs, m.cv_truth, outputs, method=method,
                     bootstrap=bootstrap, seed=seed)
    counted = classify_and_count(outputs)
    return {"texts": len(outputs), "method": method, "roles": found.as_rows(),
            "classify_and_count": {r: round(float(c), 4)
                                   for r, c in zip(m.roles, counted, strict=True)}}


def label_sample(store: storage.Store, campaign: CampaignLike = None,
                 tags: Sequence[str] = (), n: int = 300, seed: int = 0,
                 labeller: str | None = None) -> list[dict[str, Any]]:
    """Authored matching posts to label (originals, replies, quotes), ``n`` of them
    stratified by day, language and kind (:mod:`groundswell.roles.sampling`); posts
    ``labeller`` has labelled already are left out. Each: platform, post_id, created_at,
    lang, kind, text."""
    from groundswell.roles.sampling import stratified
    from groundswell.scope import Context

    scope = scope_of(store, campaign, tags)
    ctx = Context(tables_of(store), scope)
    try:
        m = ctx.matched
        authored = m.filter(m.kind != "repost")
        joined = authored.join(ctx.tables.posts.select(*ctx.key, "text"), ctx.key)
        rows = joined.select("platform", "post_id", "created_at", "lang", "kind", "text"
                             ).order_by(["created_at", "platform", "post_id"]
                                        ).to_pyarrow().to_pylist()
    finally:
        ctx.release()
    if labeller:
        done = set(store.con.execute("SELECT platform, post_id FROM labels WHERE labeller = ?",
                                     [labeller]).fetchall())
        rows = [r for r in rows if (r["platform"], r["post_id"]) not in done]
    return stratified(rows, n, lambda r: (r["created_at"].date(), r["lang"] or "und",
                                          r["kind"]), seed)


def save_labels(store: storage.Store, labels: Sequence[tuple[str, str, str]],
                labeller: str) -> int:
    """Store ``(platform, post_id, role)`` labels by ``labeller`` (now, UTC); a post labelled
    again by the same labeller keeps the newest. Returns how many were written."""
    from datetime import UTC, datetime

    now = datetime.now(UTC).replace(tzinfo=None)
    rows = [(p, i, r, labeller, now) for p, i, r in labels]
    if rows:
        store.con.executemany("INSERT OR REPLACE INTO labels VALUES (?, ?, ?, ?, ?)", rows)
    return len(rows)


def stored_labels(store: storage.Store) -> tuple[list[str], list[str]]:
    """``(texts, roles)`` of every stored label whose post is stored, one per labeller."""
    found = store.con.execute(
        "SELECT p.text, l.role FROM labels l JOIN posts p USING (platform, post_id) "
        "ORDER BY l.labelled_at, l.platform, l.post_id, l.labeller").fetchall()
    return [t or "" for t, _ in found], [r for _, r in found]


# -- measuring ------------------------------------------------------------------------------------
def campaign_of(campaign: CampaignLike = None, tags: Sequence[str] = ()) -> Campaign | None:
    """A campaign from a :class:`Campaign`, a campaign file, or ad-hoc ``tags`` (the main tag
    first); None for every stored post."""
    from groundswell.scope import Scope

    if isinstance(campaign, Campaign):
        return campaign
    if campaign is not None:
        return Campaign.load(campaign)
    return Scope.for_tags(list(tags)).campaign


def scope_of(source: Source, campaign: CampaignLike = None, tags: Sequence[str] = (),
             reveal: bool = False) -> Scope:
    """The scope of a question, with the source's pseudonym key (the same pseudonyms on every
    engine: an export names its store's key file) and the privacy policy's ``reveal``."""
    from groundswell.scope import Scope

    if isinstance(source, storage.Store):
        key, pseudonymous = source.pseudonym_key, False
    else:
        key, pseudonymous = _export_key(source)
    return Scope(campaign_of(campaign, tags), key, reveal=reveal, pseudonymous=pseudonymous)


def _export_key(source: Source) -> tuple[bytes, bool]:
    """An engine's pseudonym key (its store's key file, found by the store id the export
    carries; an export from before keys moved out carries the key itself) and whether its
    tables are private already."""
    from groundswell.engines import read_meta
    from groundswell.export import MANIFEST, read_manifest
    from groundswell.keys import load_key

    meta = read_meta(source)
    if meta.get("pseudonym_key"):
        key = bytes.fromhex(meta["pseudonym_key"])
    else:
        key = load_key(meta["store_id"]) if meta.get("store_id") else b""
    folder = Path(str(getattr(source, "source", "")))
    private = (folder / MANIFEST).is_file() and bool(read_manifest(folder).get("private"))
    return key, private


def tables_of(source: Source) -> Tables:
    """The canonical tables of a store or an engine, as Ibis expressions."""
    from groundswell.scope import Tables

    return Tables.from_backend(source.ibis if isinstance(source, storage.Store) else source)


def report(source: Source, campaign: CampaignLike = None, tags: Sequence[str] = (),
           metrics: list[str] | None = None, options: Options = None,
           reveal: bool = False) -> dict[str, Any]:
    """The registered metrics (the default ones, or those named) as ``{name: result}``;
    ``options`` as ``{metric: {option: value}}``. A campaign with a ``[roles]`` section adds
    the roles to the default ones (classifying every authored post is costly: asked for).

    These are the owner's numbers: private accounts are pseudonyms (their handles only with
    ``reveal``), but small cells are not suppressed. Whatever leaves the machine goes through
    :func:`publish` (the CLI's outputs, :func:`frames`, :func:`write_html`, the dashboard)."""
    from groundswell.metrics import chosen, run

    scope = scope_of(source, campaign, tags, reveal)
    if metrics is None and scope.campaign is not None and scope.campaign.roles_config:
        metrics = [m.name for m in chosen()] + ["roles"]
    return run(tables_of(source), scope, metrics, options)


def policy_of(campaign: CampaignLike = None, tags: Sequence[str] = (),
              reveal: bool = False) -> Policy:
    """The privacy policy of a campaign (its file's ``[public_figures]`` and ``[privacy]``;
    the defaults for ad-hoc tags or no campaign), with ``reveal`` as the user asked."""
    from groundswell.policy import Policy

    return Policy.of(campaign_of(campaign, tags), reveal=reveal)


def publish(results: Mapping[str, Any], policy: Policy) -> dict[str, Any]:
    """``results`` as an output may show them under ``policy``: counts describing fewer than
    ``k`` people shown as ``"<k"`` (and protected against subtraction), private accounts'
    rows coarsened (see docs/privacy.md). A new dict; ``results`` is left as it is."""
    from groundswell.metrics.suppress import publish as published

    return published(dict(results), policy)


def suppress(frame: pd.DataFrame, counts: Mapping[str, str | None],
             campaign: CampaignLike = None, *, key: Sequence[str] = (),
             totals: Sequence[str] | None = (), policy: Policy | None = None) -> pd.DataFrame:
    """A table of your own (a question the report does not ask) as an output may show it:
    each column of ``counts`` is decided by the column of distinct people it names (None: it
    counts people), ``"<k"`` when they are fewer than ``k``, and other counts withheld (None)
    so that no subtraction from the total gives a small one back. ``key``: the columns naming
    a row (default: the others); ``totals``: the rows sharing these columns add up to a total
    that is or will be published (``()``: all rows; None: none). The people columns are left
    out. The policy is ``campaign``'s (or ``policy``). See docs/privacy.md#your-own-tables."""
    from groundswell.metrics.suppress.frame import suppress_frame

    chosen = policy if policy is not None else policy_of(campaign)
    return suppress_frame(frame, counts, chosen, key=key, totals=totals)


def report_json(results: Mapping[str, Any], policy: Policy | None = None) -> dict[str, Any]:
    """``report --json``: each metric's result under its name, except those that declare
    their keys the top level (magnitude's numbers); with ``policy``, the policy in force under
    ``"privacy"`` (``results`` should be :func:`publish`'s)."""
    from groundswell.metrics import registry

    registered = registry()
    flat: dict[str, Any] = {}
    for name, result in results.items():
        if name in registered and registered[name].json_top_level and isinstance(result, dict):
            flat = {**result, **flat}
        else:
            flat[name] = result
    if policy is not None:
        flat["privacy"] = policy.header()
    return flat


def report_warnings(results: Mapping[str, Any]) -> list[str]:
    """What the metrics warn about (``"warnings"`` in a result): a campaign that measures
    something else than its author meant, e.g. an origin post that is not in the store."""
    return [f"{name}: {warning}" for name, result in results.items()
            if isinstance(result, dict) for warning in result.get("warnings", [])]


def frames(source: Source, campaign: CampaignLike = None, tags: Sequence[str] = (),
           metrics: list[str] | None = None, options: Options = None,
           reveal: bool = False, results: Mapping[str, Any] | None = None) -> dict:
    """:func:`report` as pandas DataFrames (``"magnitude.hourly"``, ``"spread.variants"``…),
    published under the campaign's privacy policy (small cells as ``"<k"``); ``results``
    already computed (raw, from :func:`report`) are reused instead of computed again."""
    from groundswell.metrics import frames as as_frames

    if not results:
        results = report(source, campaign, tags, metrics, options, reveal)
    return as_frames(publish(results, policy_of(campaign, tags, reveal)))


def write_html(path: str | os.PathLike[str], source: Source, campaign: CampaignLike = None,
               tags: Sequence[str] = (), results: Mapping[str, Any] | None = None,
               options: Options = None, reveal: bool = False) -> Path:
    """The self-contained HTML report (charts included, works offline), published under the
    campaign's privacy policy (the page publishes what it shows), whose notice it carries;
    ``results`` already computed (raw, from :func:`report`) are reused."""
    from groundswell.report.html import on_page
    from groundswell.report.html import write_html as render

    if not results:  # the report's metrics (a campaign with [roles] adds the roles)
        results = report(source, campaign, tags, options=options, reveal=reveal)
    shown = methods(source, campaign, tags, [m.name for m in on_page(results)], options,
                    reveal)
    return render(Path(path), tables_of(source), scope_of(source, campaign, tags, reveal),
                  results, options=options, methods=shown)


def methods(source: Source, campaign: CampaignLike = None, tags: Sequence[str] = (),
            metrics: Sequence[str] | None = None, options: Options = None,
            reveal: bool = False, dp: Mapping[str, Any] | None = None) -> Methods:
    """The methods paragraph's facts (:mod:`groundswell.report.methods`): the data's
    platforms, days and ingest log, the campaign's matching rule, the definitions of the
    ``metrics`` shown (the report's default ones when None) with their ``options``, the
    deduplication and deletions, the privacy policy (and ``dp``, a release's
    :func:`groundswell.privacy.dp.release` result), the software, and fingerprints of the
    store and of the campaign. ``.text()``, ``.html()`` and ``.as_json()`` render it."""
    import platform as python

    import duckdb
    import ibis

    from groundswell import __version__
    from groundswell.metrics import chosen, registry
    from groundswell.report.methods import gather

    chosen_campaign = campaign_of(campaign, tags)
    if metrics is None:
        metrics = [m.name for m in chosen()] + (
            ["roles"] if chosen_campaign and chosen_campaign.roles_config else [])
    registered = registry()
    metrics = [name for name in metrics if name in registered]
    settings = {name: registered[name].settings((options or {}).get(name)) for name in metrics}
    software = {"groundswell": __version__, "DuckDB": duckdb.__version__,
                "Ibis": ibis.__version__, "Python": python.python_version()}
    con, kind, close = _methods_connection(source)
    if getattr(source, "kind", "duckdb") == "spark":
        import pyspark

        software["Apache Spark (pyspark)"] = pyspark.__version__
    try:
        return gather(con, chosen_campaign, policy_of(chosen_campaign, reveal=reveal),
                      source=kind, engine=getattr(source, "kind", "duckdb"), metrics=metrics,
                      settings=settings, software=software, dp=dp)
    finally:
        close()


def _methods_connection(source: Source):
    """A DuckDB connection that sees the source's tables (the store's own; an export's
    Parquet files read by DuckDB whatever engine runs the metrics: the facts and the
    fingerprint are the same bytes either way), what the source is, and how to let it go."""
    from groundswell.engines import duckdb_parquet
    from groundswell.schema import MANIFEST

    if isinstance(source, storage.Store):
        return source.con, "store", lambda: None
    folder = Path(str(source.source))
    if not (folder / MANIFEST).is_file():  # an engine over a store
        return source.backend.con, "store", lambda: None
    kind = "private export" if _export_key(source)[1] else "export"
    if source.kind == "duckdb":
        return source.backend.con, kind, lambda: None
    backend = duckdb_parquet(folder)
    return backend.con, kind, backend.disconnect


def network(source: Source, campaign: CampaignLike = None, kind: str = "repost",
            tags: Sequence[str] = (), min_weight: int = 1, reveal: bool = False) -> nx.Graph:
    """The campaign's ``kind`` network (``repost``, ``reply``, ``quote``, ``mention``:
    directed, account → account; ``cotag``, ``author-tag``: undirected) as a networkx graph,
    edges of at least ``min_weight`` interactions; private accounts named by the report's
    pseudonyms unless ``reveal`` (docs/network.md). ``graph.graph`` says what was left out."""
    from groundswell.network import build

    return build(tables_of(source), scope_of(source, campaign, tags, reveal), kind, min_weight)


def write_network(graph: nx.Graph, path: str | os.PathLike[str],
                  fmt: str | None = None) -> list[Path]:
    """Write a :func:`network` as GEXF, GraphML or CSV (from ``path``'s extension, or
    ``fmt``); the files written (CSV: the edges, then ``FILE-nodes.csv``)."""
    from groundswell.network import write

    return write(graph, path, fmt)


def hashtags(source: Source, top: int | None = 50, policy: Policy | None = None
             ) -> pd.DataFrame:
    """Tags ranked by distinct posts, with distinct accounts (``top=None``: all). Under a
    ``policy`` that suppresses, tags used by fewer than ``k`` accounts are left out: a rare
    tag points at the few people who wrote it."""
    from groundswell.metrics.hashtags import hashtag_table

    if policy is None or not policy.suppressing:
        return hashtag_table(tables_of(source), top)
    ranked = hashtag_table(tables_of(source), None)
    kept = ranked[ranked["accounts"] >= policy.k].reset_index(drop=True)
    kept.attrs["left_out"] = int(len(ranked) - len(kept))
    return kept if top is None else kept.head(top)


def trends(source: Source, campaign: CampaignLike = None, params: TrendParams | None = None,
           streaming: bool = False) -> dict:
    """Trending tags (docs/trends.md): exact counts, or (``streaming``) the store replayed
    through the bounded-memory detector."""
    from groundswell.trends.batch import trends as exact
    from groundswell.trends.stream import stream_from_store

    scope = scope_of(source, campaign)
    if streaming:
        return stream_from_store(tables_of(source), scope, params).report()
    return exact(tables_of(source), scope, params)


def bursts(source: Source, tag: str, campaign: CampaignLike = None, window_seconds: int = 3600,
           params: BurstParams | None = None) -> dict:
    """Kleinberg bursts of one tag against all posts in scope."""
    from groundswell.trends.bursts import BurstParams, tag_bursts

    return tag_bursts(tables_of(source), scope_of(source, campaign), tag, window_seconds,
                      params or BurstParams())


def panels(tables: Tables, scope: Scope, names: Sequence[str] | None = None,
           options: Options = None) -> dict[str, dict[str, Any]]:
    """The live dashboard's panels (all registered, or those named), computed over one
    context with their metrics' options: ``{panel name: its JSON}``."""
    from groundswell.metrics import Results, registry
    from groundswell.scope import Context

    found = {p.name: (m, p) for m in registry().values() for p in m.panels}
    wanted = list(found) if names is None else list(names)
    ctx = Context(tables, scope)
    ctx.results = Results(ctx, options)
    try:
        out = {}
        for name in wanted:
            metric, panel = found[name]
            out[name] = panel.compute(ctx, **metric.settings((options or {}).get(metric.name)))
        return out
    finally:
        ctx.release()


def open_engine(kind: str = "duckdb", store: storage.Store | None = None,
                input_dir: str | os.PathLike[str] | None = None,
                master: str | None = None) -> Engine:
    """An engine over a store or a Parquet export folder (Spark reads only exports); close
    it (or use ``with``) to stop what it started."""
    from groundswell.engines import open_engine as opened

    return opened(kind, store=store, input_dir=input_dir, master=master)


# -- the store's own records ----------------------------------------------------------------------
def quarantine(store: storage.Store, limit: int | None = 20, excerpts: bool = True) -> dict:
    """Quarantined lines, with file, line and reason: ``{"total": n, "lines": [...]}``. Raw
    excerpts of the input (``excerpts``) are for the store's owner, on their own terminal,
    never for a shared output: the CLI shows them only there (docs/privacy.md)."""
    rows = store.con.execute(
        "SELECT source, line, reason, raw_excerpt FROM quarantine ORDER BY source, line "
        "LIMIT ?", [limit if limit is not None else 2**62]).fetchall()
    names = ("source", "line", "reason", "raw_excerpt")
    lines = [dict(zip(names, r, strict=True)) for r in rows]
    if not excerpts:
        for line in lines:
            del line["raw_excerpt"]
    return {"total": store.count("quarantine"), "lines": lines}


def export(store: storage.Store, out_dir: str | os.PathLike[str],
           progress: Callable[[int], None] | None = None, overwrite: bool = False,
           reveal: bool = False, campaign: CampaignLike = None) -> dict[str, int]:
    """The store as Hive-partitioned Parquet, for Spark or any engine; rows per table.
    Private accounts as pseudonyms unless ``reveal`` (who is public: ``campaign``'s policy;
    see :mod:`groundswell.privacy.redact`)."""
    from groundswell.export import export_parquet

    return export_parquet(store, out_dir, progress=progress, overwrite=overwrite,
                          reveal=reveal, policy=policy_of(campaign))


# -- privacy ------------------------------------------------------------------------------
def share(store: storage.Store, campaign: CampaignLike, out_dir: str | os.PathLike[str],
          epsilon: float | None = None, options: Options = None) -> dict[str, Any]:
    """The published-safe bundle (:mod:`groundswell.report.share`): DP numbers (spending
    ``epsilon`` from the campaign's budget), the suppressed tables, the HTML report and a
    README stating ε, k and what was left out. Never revealed."""
    from groundswell import __version__
    from groundswell.metrics import frames as as_frames
    from groundswell.privacy import dp
    from groundswell.report.share import write_bundle

    chosen = campaign_of(campaign)
    policy = policy_of(chosen)
    results = report(store, chosen, options=options)
    shown = publish(results, policy)
    out = Path(out_dir)
    if out.exists() and (not out.is_dir() or any(out.iterdir())):  # before spending any ε
        raise FileExistsError(f"{out} exists and is not an empty folder; choose a new one")
    released = dp.release(store, chosen, policy, epsilon)
    return write_bundle(
        out, shown=shown, frames=as_frames(shown), released=released, policy=policy,
        campaign_name=chosen.name if chosen else "All posts",
        write_html=lambda path: write_html(path, store, chosen, results=results,
                                           options=options),
        version=__version__)


def rotate_key(store: storage.Store) -> dict[str, str]:
    """A new pseudonym key for the store (:mod:`groundswell.keys`): every pseudonym
    changes from now on; the data does not. Returns the old and new key fingerprints."""
    from groundswell import keys

    before = keys.fingerprint(store.pseudonym_key)
    path = keys.rotate(store.store_id)
    return {"key_file": str(path), "before": before,
            "after": keys.fingerprint(store.pseudonym_key)}


__all__ = ["Store", "bursts", "campaign_of", "check_inputs", "export", "follow", "frames",
           "hashtags", "ingest", "methods", "network", "open_engine", "panels", "policy_of",
           "publish", "quarantine", "report", "report_json", "report_warnings", "rotate_key",
           "scope_of", "share", "simulate", "tables_of", "trends", "write_html", "write_network"]
