"""The terminal report: at any width every value it shows is whole (no "…" cutting a
follower count or a handle), wide tables turn into records only when they must."""

from __future__ import annotations

import io
import re
from collections.abc import Callable

import pytest
from rich.console import Console

from groundswell import Store
from groundswell.demo import campaign_from_truth
from groundswell.metrics import Scope, Tables, registry, run
from groundswell.report.console import MAX_ROWS, _fmt, print_report, print_rows
from groundswell.simulate import simulate


@pytest.fixture(scope="module")
def results(tmp_path_factory) -> dict:
    tmp = tmp_path_factory.mktemp("console")
    truth = simulate(8000, seed=4, out=tmp / "c.jsonl")
    with Store(tmp / "c.duckdb") as store:
        store.ingest([tmp / "c.jsonl"])
        return run(Tables.from_backend(store.ibis),
                   Scope(campaign_from_truth(truth), store.pseudonym_key))


def printed(width: int, draw: Callable[[Console], None]) -> str:
    """What ``draw`` prints on a terminal ``width`` columns wide, as plain text."""
    console = Console(width=width, record=True, file=io.StringIO())
    draw(console)
    return console.export_text()


def rendered(results: dict, width: int) -> str:
    return printed(width, lambda console: print_report(results, console))


def shown_values(results: dict) -> set[str]:
    """Every value of the rows the terminal lists (the first MAX_ROWS of each list of
    records, outside what a metric hides from the terminal), as the terminal formats it."""
    found: set[str] = set()
    metrics = registry()

    def walk(value):
        if isinstance(value, dict):
            for v in value.values():
                walk(v)
        elif isinstance(value, list) and value and isinstance(value[0], dict):
            for row in value[:MAX_ROWS]:
                found.update(_fmt(v) for v in row.values() if not isinstance(v, dict | list))
    for name, result in results.items():
        hidden = metrics[name].console_hidden if name in metrics else ()
        walk({k: v for k, v in result.items() if k not in hidden}
             if isinstance(result, dict) else result)
    return {v for v in found if len(v) > 1}


@pytest.mark.parametrize("width", [80, 100, 160])
def test_no_value_is_cut_short(results, width):
    text = rendered(results, width)
    cut = [line for line in text.splitlines() if "…" in line and "more rows" not in line]
    assert cut == []
    assert max(len(line) for line in text.splitlines()) <= width
    # each value appears whole on one line: numbers and handles never wrap mid-word
    words = set(re.findall(r"\S+", text))
    missing = [v for v in shown_values(results)
               if not (v in words or (" " in v and set(v.split()) <= words))]
    assert missing == []


def test_wide_tables_become_records_only_when_narrow(results):
    wide, narrow = rendered(results, 240), rendered(results, 80)
    # spread's notable joiners: one header row on a wide terminal ...
    assert re.search(r"account\s+┃\s+public\s+┃|account\s+┃\s+public figure", wide)
    # ... and on an 80-column one a record per joiner, each field labelled
    joiners = min(len(results["spread"]["notable_joiners"]), MAX_ROWS)
    assert narrow.count("public figure") >= joiners
    assert "hours since origin" in narrow


def test_listed_rows_are_whole_and_fit():
    rows = [{"tag": f"tag{i}", "posts": 10**9 + i, "note": "a " * 30} for i in range(20)]
    text = printed(60, lambda console: print_rows(rows, "Hashtags", console))
    assert all(f"1,000,000,{i:03d}" in text for i in range(20))
    assert "…" not in text
    assert max(len(line) for line in text.splitlines()) <= 60


def test_data_is_never_read_as_markup():
    """A quarantined line may hold anything, rich's markup included."""
    rows = [{"file": "a.jsonl", "line": 3, "reason": "not JSON: [/] [bold]x[/bold]"}]
    text = printed(100, lambda console: print_rows(rows, "Quarantine [1 line]", console))
    assert "not JSON: [/] [bold]x[/bold]" in text and "Quarantine [1 line]" in text


def test_a_long_scalar_folds_instead_of_ending_in_an_ellipsis():
    source = "/data/" + "x" * 150 + ".jsonl"
    result = {"ingest": {"source": source, "posts": 12_345_678}}
    text = printed(80, lambda console: print_report(result, console))
    assert "…" not in text and "12,345,678" in text
    folded = "".join(line.strip("│ ") for line in text.splitlines())
    assert source in folded
