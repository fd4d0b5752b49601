"""One entry point for "compute the report": choose the scope and the engine, run the
registered metrics. The CLI, the HTML report and (later) the dashboard call this."""

from __future__ import annotations

from collections.abc import Sequence

from groundswell.campaign import Campaign
from groundswell.metrics import Scope, Tables, run


def run_report(db: str | None = None, campaign_file: str | None = None,
               tags: Sequence[str] = (), metrics: list[str] | None = None,
               engine: str = "duckdb", input_dir: str | None = None,
               spark_master: str | None = None) -> tuple[dict, Scope, Tables]:
    """Returns ``(results, scope, tables)``; the tables stay usable for charts."""
    from groundswell.engines import open_engine, read_meta
    from groundswell.store import Store

    campaign = Campaign.load(campaign_file) if campaign_file else Scope.for_tags(tags).campaign
    if engine == "spark" and not input_dir:
        raise ValueError("--engine spark reads a Parquet export: add --input DIR "
                         "(make one with `groundswell export -o DIR`)")
    if input_dir:
        backend = open_engine(engine, input_dir=input_dir, master=spark_master)
        key = bytes.fromhex(read_meta(input_dir).get("pseudonym_key", ""))
    else:
        store = Store(db, read_only=True)
        backend, key = store.ibis, store.pseudonym_key
    scope = Scope(campaign, key)
    tables = Tables.from_backend(backend)
    return run(tables, scope, metrics), scope, tables
