"""The ``groundswell`` command: a thin layer over the Python API (:mod:`groundswell.api`).

Every subcommand has ``--help`` with an example; errors are one line, without tracebacks.
"""

from __future__ import annotations

from pathlib import Path

import click
from rich.text import Text

from groundswell import __version__, api
from groundswell.campaign import Campaign
from groundswell.cli.common import (
    REVEALED,
    db_option,
    emit_json,
    err,
    friendly_errors,
    json_option,
    open_store,
    out,
    reveal_option,
)
from groundswell.simulate import FORMATS as SIMULATED_FORMATS
from groundswell.store import MEMORY_ENV


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(__version__, prog_name="groundswell")
def main() -> None:
    """Measure the magnitude and spread of a hashtag campaign such as #MeToo.

    \b
    Quick start:
      groundswell simulate --posts 100000 -o metoo.jsonl
      groundswell ingest metoo.jsonl
      groundswell report --tag metoo
    """


@main.command()
@db_option
@json_option
@click.option("--follow", "follow_file", type=click.Path(dir_okay=False), metavar="FILE",
              help="Follow one growing JSON-lines file like `tail -F`, committing as it grows "
                   "(Ctrl-C stops after the last complete batch).")
@click.option("--poll", default=1.0, show_default=True, type=click.FloatRange(min=0.05),
              help="With --follow: seconds between looks at the file.")
@click.option("--campaign", "campaign_file", default=None, type=click.Path(dir_okay=False),
              metavar="FILE", help="With --follow: keep this campaign's running totals in the "
              "store batch by batch, so `serve --campaign FILE` keeps up (docs/dashboard.md).")
@click.option("--workers", "-j", type=click.IntRange(min=1), default=None, metavar="N",
              help="Processes parsing big plain files (default: one per core, or "
                   "$GROUNDSWELL_WORKERS; 1 parses in this process). The tables are the same.")
@click.option("--server", default=None, metavar="HOST",
              help="The Mastodon server the files were collected from (e.g. mastodon.social): "
                   "its status ids name replies' parents and stream deletes. Without it, "
                   "replies keep no parent and such deletes are quarantined.")
@click.option("--mapping", "mapping", default=None, type=click.Path(dir_okay=False),
              metavar="MAP.toml", help="Read PATHS as tables (CSV, TSV, NDJSON, Parquet) "
              "through this mapping (docs/mappings.md; `groundswell mapping guess` writes one).")
@click.option("--preset", default=None, metavar="NAME",
              help="Read PATHS as tables through a built-in mapping: twarc-csv, 4cat-ndjson, "
                   "4cat-csv, minet-twitter, minet-bluesky (`groundswell mapping presets`).")
@click.option("--format", "table_format", default=None,
              type=click.Choice(["csv", "tsv", "ndjson", "parquet"]),
              help="The tables' format (default: from the mapping, else the file's name).")
@click.option("--platform", default=None, metavar="NAME",
              help="The platform of a table's posts when the mapping names none.")
@click.option("--delimiter", default=None, metavar="CHAR",
              help="A table's field separator (default: detected).")
@click.option("--quote", default=None, metavar="CHAR", help="A table's quote character.")
@click.option("--encoding", default=None, type=click.Choice(["utf-8", "utf-16", "latin-1"]),
              help="A table's text encoding (default: detected).")
@click.option("--header/--no-header", default=None,
              help="Whether a table's first line names its columns (default: detected).")
@click.argument("paths", nargs=-1, type=click.Path(allow_dash=True))
@friendly_errors
def ingest(db: str, as_json: bool, follow_file: str | None, poll: float,
           campaign_file: str | None, workers: int | None, server: str | None,
           mapping: str | None, preset: str | None,
           table_format: str | None, platform: str | None, delimiter: str | None,
           quote: str | None, encoding: str | None, header: bool | None,
           paths: tuple[str, ...]) -> None:
    """Read posts into the store: Mastodon statuses and streams, Bluesky Jetstream events and
    post views, Twitter v2 (twarc2) or v1.1 JSON lines.

    PATHS are files (plain, .gz or .zst, detected from their bytes) or - for stdin. The format
    is recognised line by line. Malformed lines are quarantined with file, line and reason;
    deletes and compliance events remove posts. Re-running the same ingest changes nothing.
    With --follow, one file is read as it grows while `groundswell serve` shows the store
    live (see docs/dashboard.md for how writer and readers share the store).

    \b
    Example:
      groundswell ingest --db metoo.duckdb tweets-*.jsonl.gz
      twarc2 search '#metoo' | groundswell ingest -
      groundswell ingest --db metoo.duckdb --follow live.jsonl --campaign metoo.toml
      groundswell ingest --db hanna.duckdb --server mastodon.social tag-timeline.jsonl
      groundswell ingest --db metoo.duckdb --preset twarc-csv tweets.csv
      groundswell ingest --db metoo.duckdb --mapping sheet.toml --platform twitter sheet.csv

    Tables (CSV, TSV, NDJSON, Parquet, as research tools export them) are read through a
    mapping (--mapping or --preset) by DuckDB's own readers; rows that do not fit are
    quarantined with file, line and reason.
    """
    from groundswell.progress import byte_progress

    if follow_file:
        if paths:
            raise click.UsageError("--follow reads one growing file; ingest others separately")
        api.check_inputs([])  # bad GROUNDSWELL_* settings fail before the store is created
        api.server_host(server)
        campaign = Campaign.load(campaign_file) if campaign_file else None
        summary = _follow(db, follow_file, poll, server, campaign)
    else:
        if campaign_file:
            raise click.UsageError("--campaign goes with --follow: a one-shot ingest keeps no "
                                   "live state (`serve` computes from the store)")
        if not paths:
            raise click.UsageError("give files to ingest, - for stdin, or --follow FILE")
        total = api.check_inputs(paths)  # every input and setting, before touching the store
        api.server_host(server)
        table = dict(mapping=mapping, preset=preset, table_format=table_format,
                     platform=platform, delimiter=delimiter, quote=quote, encoding=encoding,
                     header=header)
        api.table_input(**table)  # a bad mapping fails before the store is created
        with open_store(db) as store:
            with byte_progress(total, "ingest", err) as (on_bytes, on_posts):
                summary = api.ingest(store, list(paths), progress=on_bytes,
                                     posts_progress=on_posts, workers=workers,
                                     server=server, **table)
    if as_json:
        emit_json(summary.as_dict())
        return
    rate = summary.posts_seen / summary.seconds if summary.seconds else 0
    out.print(
        f"[bold]{summary.files}[/] file(s), [bold]{summary.lines:,}[/] lines: "
        f"[green]{summary.posts_added:,} posts added[/], {summary.duplicates:,} duplicates, "
        f"[yellow]{summary.quarantined:,} quarantined[/], {summary.deleted:,} deleted"
        + (f" ({summary.already_deleted:,} already deleted)" if summary.already_deleted else "")
        + f" in {summary.seconds:.1f}s ({rate:,.0f} posts/s)", highlight=False,
    )
    for reason, n in summary.skipped.items():
        out.print(f"  skipped {n:,}: {reason}", highlight=False)
    if summary.quarantined:
        out.print(f"  see them with: groundswell quarantine --db {db}", highlight=False)
    if summary.writer_mib_raised_to:
        out.print(f"  [yellow]some batches needed more memory than the writer's budget[/]: it "
                  f"was raised to {summary.writer_mib_raised_to:,} MiB for the rest of the run "
                  f"({MEMORY_ENV} sets where it starts)", highlight=False)


def parse_window(text: str) -> int:
    """'1h', '30m', '1d', '900s' → seconds."""
    units = {"s": 1, "m": 60, "h": 3600, "d": 86400}
    text = text.strip().lower()
    if len(text) < 2 or text[-1] not in units or not text[:-1].isdigit() or int(text[:-1]) < 1:
        raise click.BadParameter(f"{text!r}: use a number and a unit, e.g. 1h, 30m, 1d")
    return int(text[:-1]) * units[text[-1]]


window_option = click.option("--window", default="1h", show_default=True,
                             help="Window length: 30m, 1h, 1d...")


def _follow(db: str, file: str, poll: float, server: str | None,
            campaign: Campaign | None):
    """Run the follower until Ctrl-C: the first stops after the current batch, a second quits."""
    import signal
    import threading

    if not Path(file).is_file():
        raise FileNotFoundError(f"no such file: {file} (--follow needs the file to exist)")
    stop = threading.Event()

    def on_interrupt(signum, frame):  # noqa: ARG001
        err.print("stopping after the current batch (Ctrl-C again to quit now)")
        stop.set()
        signal.signal(signal.SIGINT, signal.default_int_handler)

    previous = signal.signal(signal.SIGINT, on_interrupt)
    err.print(f"Following {file} into {db} (Ctrl-C stops)", highlight=False, soft_wrap=True)
    try:
        return api.follow(db, file, poll=poll, stop=stop, server=server, campaign=campaign,
                          on_batch=lambda r: err.print(
            f"line {r.line:,}: +{r.posts_added:,} posts, {r.deleted:,} deleted, "
            f"{r.quarantined:,} quarantined", highlight=False))
    finally:
        signal.signal(signal.SIGINT, previous)


@main.command()
@db_option
@click.option("--campaign", "campaign_file", type=click.Path(dir_okay=False),
              help="Scope the counter, curve and trends to a campaign file.")
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to listen on (the dashboard has no login: keep it on loopback).")
@click.option("--port", default=8000, show_default=True, type=click.IntRange(1, 65535))
@click.option("--refresh", default=2.0, show_default=True, type=click.FloatRange(min=0.1),
              help="Seconds between the page's updates.")
@window_option
@friendly_errors
def serve(db: str, campaign_file: str | None, host: str, port: int, refresh: float,
          window: str) -> None:
    """Start the live dashboard: participants counter, cumulative curve, trending tags.

    It reads the store read-only and briefly on each refresh, so `groundswell ingest --follow`
    can keep writing to it; JSON endpoints behind every panel (/api/...), schema at
    /openapi.json.

    \b
    Example:
      groundswell ingest --db metoo.duckdb --follow live.jsonl &
      groundswell serve --db metoo.duckdb --campaign examples/metoo.toml
    """
    from groundswell.web import serve as run_server

    run_server(db, host=host, port=port, campaign=campaign_file, refresh=refresh,
               options={"trending": {"window_seconds": parse_window(window)}},
               echo=lambda m: err.print(m, highlight=False, soft_wrap=True))


@main.command()
@db_option
@json_option
@click.option("--campaign", "campaign_file", type=click.Path(dir_okay=False),
              help="Campaign file (TOML): tags, variants, phrases, origin post, window.")
@click.option("--tag", "tags", multiple=True, metavar="TAG",
              help="Ad-hoc campaign: its main tag, then variants (repeatable; # optional).")
@click.option("--metric", "metrics", multiple=True, metavar="NAME",
              help="Only this metric (repeatable). See `groundswell metrics`.")
@click.option("--option", "options", multiple=True, metavar="METRIC.OPTION=VALUE",
              help="A metric's option, e.g. cotags.top=30 (repeatable). See `groundswell "
                   "metrics`.")
@click.option("--engine", type=click.Choice(["duckdb", "spark"]), default="duckdb",
              show_default=True, help="Where the metrics run.")
@click.option("--input", "input_dir", type=click.Path(file_okay=False),
              help="A Parquet export (`groundswell export`) to read instead of --db.")
@click.option("--spark-master", default=None, metavar="URL",
              help="Spark master (default local[2]); e.g. spark://host:7077.")
@click.option("--html", "html_out", type=click.Path(dir_okay=False),
              help="Also write a self-contained HTML report here (works offline).")
@click.option("--png", "png_dir", type=click.Path(file_okay=False),
              help="Also write each chart as a PNG in this folder (renders the HTML report "
                   "in the system's chromium: apt-get install chromium).")
@reveal_option
@click.option("--dp", "dp", is_flag=True,
              help="Release the magnitude numbers with differential privacy instead "
                   "(OpenDP; spends ε from the campaign's budget; see docs/privacy.md).")
@click.option("--epsilon", type=float, default=None, metavar="ε",
              help="ε of this --dp release [default: the campaign's [privacy] epsilon].")
@click.option("--methods", "with_methods", is_flag=True,
              help="Also print the methods paragraph a paper can quote (sources, matching "
                   "rule, definitions, deletions, privacy, software, fingerprints); with "
                   "--json, under \"methods\". The HTML report always carries it.")
@friendly_errors
def report(db: str, as_json: bool, campaign_file: str | None, tags: tuple[str, ...],
           metrics: tuple[str, ...], options: tuple[str, ...], engine: str,
           input_dir: str | None, spark_master: str | None, html_out: str | None,
           png_dir: str | None, reveal: bool, dp: bool, epsilon: float | None,
           with_methods: bool) -> None:
    """Measure a campaign: magnitude, the call to action, spread, cascades, response tags.

    Without --campaign or --tag, every stored post is in scope. The same metrics run on
    DuckDB (the store, default) or on Apache Spark over a Parquet export. --html writes a
    self-contained report with charts (aggregates; only public figures are named), adding the
    trending tags and the bursts.

    \b
    Every output applies the campaign's privacy policy (docs/privacy.md): public figures
    named, everyone else a keyed pseudonym, counts of fewer than k people shown as "<k".
    --dp releases differentially private numbers instead, from the campaign's ε budget.

    \b
    Examples:
      groundswell report --campaign examples/metoo.toml
      groundswell report --tag metoo --tag balancetonporc --json | jq .participants
      groundswell report --campaign examples/metoo.toml --metric cotags --option cotags.top=30
      groundswell report --campaign examples/metoo.toml --dp --epsilon 0.5
      groundswell report --campaign examples/metoo.toml --methods
      groundswell export --reveal -o export/ && groundswell report --engine spark \\
          --input export/ --campaign examples/metoo.toml
    """
    campaign = api.campaign_of(campaign_file, tags)
    if dp:
        return _dp_release(db, campaign, epsilon, as_json, with_methods)
    settings = parse_options(options)
    policy = api.policy_of(campaign, reveal=reveal)
    if engine == "spark" and not input_dir:
        raise ValueError("--engine spark reads a Parquet export: add --input DIR "
                         "(make one with `groundswell export -o DIR`)")
    source = api.open_engine(engine, input_dir=input_dir, master=spark_master) \
        if input_dir else open_store(db, read_only=True)
    with source:
        results = api.report(source, campaign, metrics=list(metrics) or None,
                             options=settings, reveal=reveal)
        if html_out or png_dir:
            _write_pages(source, campaign, results, settings, html_out, png_dir, reveal)
        methods = api.methods(source, campaign, metrics=list(results), options=settings,
                              reveal=reveal) if with_methods else None
    for warning in api.report_warnings(results):
        err.print(Text.assemble(("warning: ", "yellow"), warning), soft_wrap=True)
    shown = api.publish(results, policy)
    if as_json:
        emit_json({**api.report_json(shown, policy),
                   **({"methods": methods.as_json()} if methods else {})})
        return
    from groundswell.report.console import print_report

    if reveal:
        out.print(REVEALED, style="bold red", highlight=False)
    print_report(shown, out)
    if methods is not None:
        out.print()
        out.print(methods.text(), markup=False, highlight=False)


def _dp_release(db: str, campaign, epsilon: float | None, as_json: bool,
                with_methods: bool = False) -> None:
    """``report --dp``: the differentially private magnitude numbers (spends ε); with the
    methods paragraph, which then states the ε spent."""
    from groundswell.privacy import dp

    with open_store(db) as store:
        released = dp.release(store, campaign, api.policy_of(campaign), epsilon)
        methods = api.methods(store, campaign, metrics=["magnitude"], dp=released) \
            if with_methods else None
    if as_json:
        emit_json({**released, **({"methods": methods.as_json()} if methods else {})})
        return
    for part in dp.render(released):
        out.print(part)
    if methods is not None:
        out.print()
        out.print(methods.text(), markup=False, highlight=False)


def parse_options(given: tuple[str, ...]) -> dict[str, dict[str, str]]:
    """``("cotags.top=30",)`` → ``{"cotags": {"top": "30"}}`` (each metric checks its own)."""
    found: dict[str, dict[str, str]] = {}
    for item in given:
        name, eq, value = item.partition("=")
        metric, dot, option = name.partition(".")
        if not (eq and dot and metric and option):
            raise click.BadParameter(f"{item!r}: use METRIC.OPTION=VALUE, e.g. cotags.top=30",
                                     param_hint="--option")
        found.setdefault(metric.strip(), {})[option.strip()] = value.strip()
    return found


def _write_pages(source, campaign, results, settings, html_out: str | None,
                 png_dir: str | None, reveal: bool = False) -> None:
    import tempfile

    from groundswell.report.html import write_pngs

    with tempfile.TemporaryDirectory() as tmp:
        page = api.write_html(Path(html_out) if html_out else Path(tmp) / "report.html",
                              source, campaign, results=results, options=settings,
                              reveal=reveal)
        if html_out:
            err.print(f"HTML report: [bold]{page.resolve()}[/]", highlight=False)
        if png_dir:
            pngs = write_pngs(page, Path(png_dir))
            err.print(f"{len(pngs)} PNG charts in [bold]{Path(png_dir).resolve()}[/]",
                      highlight=False)


@main.group()
def campaign() -> None:
    """Campaign files: what counts as taking part (tags, variants, phrases, origin)."""


@campaign.command("init")
@click.argument("name")
@click.option("-o", "--output", type=click.Path(dir_okay=False), default=None,
              help="Where to write it [default: NAME.toml].")
@click.option("--force", is_flag=True, help="Overwrite an existing file.")
@friendly_errors
def campaign_init(name: str, output: str | None, force: bool) -> None:
    """Write a commented example campaign file to edit.

    \b
    Example:
      groundswell campaign init MeToo && $EDITOR MeToo.toml
    """
    from groundswell.campaign import example

    path = Path(output or f"{name}.toml")
    if path.exists() and not force:
        raise FileExistsError(f"{path} exists; use --force to overwrite it")
    path.write_text(example(name), encoding="utf-8")
    out.print(f"Wrote {path}: edit the tags, origin post ids and window, then run "
              f"`groundswell report --campaign {path}`", highlight=False)


@campaign.command("check")
@click.argument("path", type=click.Path(dir_okay=False))
@friendly_errors
def campaign_check(path: str) -> None:
    """Validate a campaign file and show how it was understood."""
    from groundswell.campaign import Campaign

    camp = Campaign.load(path)
    out.print(f"[bold]{camp.name}[/]: tags {', '.join('#' + t for t in camp.tags)}; "
              f"response tags {', '.join('#' + t for t in camp.response_tags) or '—'}; "
              f"phrases {', '.join(repr(p) for p in camp.phrases) or '—'}; "
              f"origin {', '.join(f'{i} ({p})' for p, i in camp.origins) or '—'}",
              highlight=False)


@main.command()
@db_option
@json_option
@click.option("--top", default=25, show_default=True, help="How many tags (0 = all).")
@click.option("--campaign", "campaign_file", type=click.Path(dir_okay=False),
              help="Campaign file whose privacy policy applies [default: the defaults].")
@reveal_option
@friendly_errors
def hashtags(db: str, as_json: bool, top: int, campaign_file: str | None,
             reveal: bool) -> None:
    """List hashtags (normalized: #MeToo = #metoo = #ＭｅＴｏｏ) by distinct posts and accounts.

    Tags used by fewer than k accounts (the policy's min_cell, 10 by default) are left out:
    a rare tag points at the few people who wrote it. --reveal lists them all.

    \b
    Example:
      groundswell hashtags --top 10
    """
    policy = api.policy_of(campaign_file, reveal=reveal)
    with open_store(db, read_only=True) as store:
        table = api.hashtags(store, top or None, None if reveal else policy)
    rows = table.to_dict("records")
    left_out = table.attrs.get("left_out", 0)
    if as_json:
        emit_json(rows)
        return
    from groundswell.report.console import print_rows

    if reveal:
        out.print(REVEALED, style="bold red", highlight=False)
    print_rows(rows, "Hashtags", out)
    if left_out:
        err.print(f"{left_out:,} tags used by fewer than {policy.k} accounts left out "
                  "(--reveal lists them)", highlight=False)


@main.command()
@db_option
@json_option
@click.option("--limit", default=20, show_default=True, help="How many lines to show.")
@reveal_option
@friendly_errors
def quarantine(db: str, as_json: bool, limit: int, reveal: bool) -> None:
    """Show quarantined lines: file, line and the reason they were set aside.

    The raw excerpt of each line (someone's post, perhaps) is shown only on your own terminal;
    piped, redirected or as --json the listing leaves it out unless you pass --reveal.
    """
    excerpts = reveal or (out.is_terminal and not as_json)
    with open_store(db, read_only=True) as store:
        found = api.quarantine(store, limit, excerpts=excerpts)
    if reveal and not (out.is_terminal and not as_json):
        found = {"privacy": REVEALED, **found}
    if as_json:
        emit_json(found)
        return
    from groundswell.report.console import print_rows

    print_rows(found["lines"], f"Quarantine ({found['total']:,} lines)", out)


@main.command()
@db_option
@click.option("--format", "fmt", type=click.Choice(["parquet"]), default="parquet",
              show_default=True, help="Export format.")
@click.option("-o", "--output", required=True, type=click.Path(file_okay=False),
              help="Folder to write (Hive-partitioned: posts/platform=…/day=…/).")
@click.option("--overwrite", is_flag=True, help="Replace an existing export in that folder.")
@click.option("--campaign", "campaign_file", type=click.Path(dir_okay=False),
              help="Campaign file whose policy says who is public [default: the defaults].")
@reveal_option
@friendly_errors
def export(db: str, fmt: str, output: str, overwrite: bool, campaign_file: str | None,
           reveal: bool) -> None:
    """Write the store's tables as Hive-partitioned Parquet, for Spark or any other engine.

    Posts are partitioned by platform and UTC day, so engines read only what a query needs.
    A manifest (_groundswell.json) records the schema version and row counts.

    Private by default: private accounts' ids become the pseudonyms reports print, their
    handles, texts and profile fields are left out, times truncated to the hour, and the
    quarantine is left out (docs/privacy.md). --reveal writes the tables as stored (a working
    copy for your own cluster; its manifest says so). The store records every export, so
    `groundswell forget` can clean them.

    \b
    Example:
      groundswell export --db metoo.duckdb -o metoo-parquet/
      groundswell export --db metoo.duckdb --reveal -o working-copy/
      groundswell report --engine spark --input working-copy/ --campaign examples/metoo.toml
    """
    from groundswell.progress import count_progress

    with open_store(db) as store:
        total = sum(store.count(t) for t in ("posts", "accounts", "post_hashtags", "mentions"))
        with count_progress(total, "export", err) as advance:
            counts = api.export(store, output, progress=advance, overwrite=overwrite,
                                reveal=reveal, campaign=campaign_file)
    if reveal:
        out.print(REVEALED, style="bold red", highlight=False)
    kind = "revealed" if reveal else "private"
    out.print(f"Exported ({kind}) {sum(counts.values()):,} rows in {len(counts)} tables to "
              f"{output}: "
              + ", ".join(f"{t} {n:,}" for t, n in counts.items()), highlight=False)


@main.command()
@db_option
@json_option
@click.option("--campaign", "campaign_file", type=click.Path(dir_okay=False),
              help="Campaign file: flags response tags (lift) and limits to its window.")
@window_option
@click.option("--min-score", type=float, default=None, help="Trend threshold (default 100).")
@click.option("--min-accounts", type=int, default=None,
              help="Fewest unique accounts in a window to score (default 10).")
@click.option("--stream", "streaming", is_flag=True,
              help="Replay the store through the bounded-memory streaming detector "
                   "(HyperLogLog sketches) instead of exact counts.")
@friendly_errors
def trends(db: str, as_json: bool, campaign_file: str | None, window: str,
           min_score: float | None, min_accounts: int | None, streaming: bool) -> None:
    """Rank tags that trend: unique accounts per window against the tag's own history.

    The score is (observed − expected)² / expected with a decaying maximum, in the spirit of
    Mastodon's trending tags; docs/trends.md gives the formula, thresholds and measured
    quality. With --campaign, tags travelling with the campaign are flagged as response tags.

    \b
    Example:
      groundswell trends --campaign examples/metoo.toml
      groundswell trends --window 30m --json | jq '.trending[] | {tag, first_trending_at}'
    """
    from groundswell.trends.score import TrendParams

    overrides = {k: v for k, v in (("min_score", min_score), ("min_accounts", min_accounts))
                 if v is not None}
    params = TrendParams.for_window(parse_window(window), **overrides)
    campaign = api.campaign_of(campaign_file)
    with open_store(db, read_only=True) as store:
        result = api.trends(store, campaign, params, streaming=streaming)
    if as_json:
        emit_json(result)
        return
    from groundswell.report.console import print_rows

    print_rows(result["trending"], f"Trending tags ({window} windows, "
               f"{result['data_start']} → {result['data_end']})", out)


@main.command()
@db_option
@json_option
@click.option("--tag", required=True, help="The hashtag (# optional, any case).")
@click.option("--campaign", "campaign_file", type=click.Path(dir_okay=False),
              help="Limit to the campaign's window.")
@window_option
@click.option("--s", "s_param", type=float, default=2.0, show_default=True,
              help="Burst state's rate as a multiple of the base rate.")
@click.option("--gamma", type=float, default=1.0, show_default=True,
              help="Cost of entering a burst (higher: fewer, stronger bursts).")
@friendly_errors
def bursts(db: str, as_json: bool, tag: str, campaign_file: str | None, window: str,
           s_param: float, gamma: float) -> None:
    """Find bursts of a tag with Kleinberg's two-state automaton.

    The tag's share of all posts per window is modelled as a base state and a burst state
    (s times the base rate); the cheapest state sequence (Viterbi) marks the bursts.

    \b
    Example:
      groundswell bursts --tag ibelieveyou --window 1h
    """
    from groundswell.trends.bursts import BurstParams

    campaign = api.campaign_of(campaign_file)
    with open_store(db, read_only=True) as store:
        result = api.bursts(store, tag, campaign, parse_window(window),
                            BurstParams(s=s_param, gamma=gamma))
    if as_json:
        emit_json(result)
        return
    from groundswell.report.console import print_rows

    print_rows(result["bursts"], f"Bursts of #{result['tag']} ({window} windows)", out)


@main.command()
def metrics() -> None:
    """List the available metrics (built in and from plugins), with their options.

    \b
    Example:
      groundswell metrics
      groundswell report --metric trending --option trending.window_seconds=1800
    """
    from rich.markup import escape

    from groundswell.metrics import registry

    for metric in registry().values():
        extra = "" if metric.default else " [dim](not in a default report: --metric " \
            f"{metric.name})[/]"
        out.print(f"[bold]{metric.name}[/] — {escape(metric.title)}: "
                  f"{escape(metric.description)}{extra}", highlight=False)
        for option in metric.options:
            out.print(f"    --option {metric.name}.{option.name}=… — {escape(option.help)} "
                      f"(default {option.default})", highlight=False)


@main.command()
@click.option("--posts", "-n", default=100_000, show_default=True, help="Posts to generate.")
@click.option("--format", "fmt", type=click.Choice(SIMULATED_FORMATS),
              default="twitter-v2", show_default=True,
              help="Mastodon files are ingested with --server (the truth's \"server\").")
@click.option("--seed", default=0, show_default=True, help="Same seed, same bytes.")
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False),
              help="Output file (.jsonl; .gz compresses). Ground truth goes beside it.")
@click.option("--truth", type=click.Path(dir_okay=False), default=None,
              help="Ground-truth JSON path [default: OUTPUT with .truth.json].")
@click.option("--campaign", "campaign_out", type=click.Path(dir_okay=False), default=None,
              help="Where to write the planted campaign as a campaign file "
                   "[default: OUTPUT with .campaign.toml].")
@friendly_errors
def simulate(posts: int, fmt: str, seed: int, output: str, truth: str | None,
             campaign_out: str | None) -> None:
    """Generate a realistic #MeToo-like campaign in a real platform format.

    Writes what twarc2 (v2), the v1.1 streaming API, Bluesky's Jetstream or a Mastodon
    server's streaming API would have written, the ground truth it planted (participants,
    posts by kind, tag counts...) for checking the pipeline, and the planted campaign (tags,
    origin post, window...) as a campaign file for `report`.

    \b
    Example:
      groundswell simulate --posts 1000000 --format twitter-v1 --seed 7 -o big.jsonl.gz
      groundswell ingest big.jsonl.gz && groundswell report --campaign big.campaign.toml
    """
    from groundswell.progress import count_progress
    from groundswell.simulate import default_campaign_path
    from groundswell.simulate import simulate as run_simulation

    with count_progress(posts, "simulate", err) as advance:
        result = run_simulation(posts, fmt=fmt, seed=seed, out=output, truth=truth,
                                progress=advance, campaign=campaign_out)
    planted = campaign_out or default_campaign_path(Path(output))
    server = f" --server {result['server']}" if result.get("server") else ""
    out.print(f"Wrote {result['posts']:,} posts ({result['lines']:,} lines) to {output}; "
              f"the planted campaign: {planted} (groundswell ingest{server} {output} && "
              f"groundswell report --campaign {planted})", highlight=False, soft_wrap=True)


@main.command()
@click.option("--posts", "-n", default=200_000, show_default=True, help="Posts to simulate.")
@click.option("--dir", "workdir", default="demo", show_default=True,
              type=click.Path(file_okay=False), help="Where the demo files go.")
@click.option("--seed", default=2017, show_default=True)
@click.option("--platforms", default="twitter,bluesky,mastodon", show_default=True,
              help="Comma-separated platforms to simulate the campaign on (twitter, bluesky, "
                   "mastodon); the posts are shared between them and the report shows each "
                   "platform and all together.")
@friendly_errors
def demo(posts: int, workdir: str, seed: int, platforms: str) -> None:
    """Simulate a #MeToo-like campaign, ingest it, print the report and write an HTML page.

    \b
    Examples:
      groundswell demo                              # 200,000 posts on three platforms
      groundswell demo --platforms twitter -n 20000 # Twitter alone, quicker
    """
    from groundswell.demo import parse_platforms, run_demo

    try:
        chosen = parse_platforms(platforms)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--platforms") from None
    run_demo(posts=posts, workdir=Path(workdir), seed=seed, out=out, err=err,
             platforms=chosen)


from groundswell.cli.forget import forget  # noqa: E402
from groundswell.cli.network import network  # noqa: E402
from groundswell.cli.privacy import keys, share  # noqa: E402
from groundswell.cli.roles import label, roles_group  # noqa: E402  (registered below)
from groundswell.cli.tables import mapping_group  # noqa: E402
from groundswell.cli.watch import watch  # noqa: E402

main.add_command(roles_group)
main.add_command(label)
main.add_command(mapping_group)
main.add_command(keys)
main.add_command(forget)
main.add_command(network)
main.add_command(share)
main.add_command(watch)


if __name__ == "__main__":  # pragma: no cover
    main()
