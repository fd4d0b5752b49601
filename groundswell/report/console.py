"""Render metric results in the terminal with rich, generically, from the registry.

Why generic: a new metric gets a terminal section by existing; nobody edits this file.
"""

from __future__ import annotations

from typing import Any

from rich.console import Console, Group
from rich.panel import Panel
from rich.table import Table

from groundswell.metrics import registry


def _fmt(value: Any) -> str:
    if value is None:
        return "—"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, float):
        return f"{value:,.2f}"
    return str(value)


MAX_ROWS = 12


def _rows_table(rows: list[dict], title: str | None = None, limit: int | None = None) -> Table:
    shown = rows if limit is None or len(rows) <= limit else rows[:limit]
    caption = f"… {len(rows) - len(shown):,} more rows (--json shows all)" \
        if len(shown) < len(rows) else None
    table = Table(title=title, show_edge=False, header_style="bold", caption=caption,
                  title_justify="left", title_style="bold")
    columns = list(rows[0]) if rows else []
    for col in columns:
        table.add_column(col, justify="right" if isinstance(rows[0][col], int | float) else "left")
    for row in shown:
        table.add_row(*(_fmt(row.get(c)) for c in columns))
    return table


def render_result(result: Any, hidden: tuple[str, ...] = ()) -> Table | Group:
    if isinstance(result, list):
        return _rows_table(result, limit=MAX_ROWS) if result else Group("(none)")
    scalars = Table(show_header=False, show_edge=False, box=None)
    scalars.add_column(style="bold")
    scalars.add_column(justify="right")
    nested = []
    for key, value in result.items():
        if key in hidden:
            continue
        label = key.replace("_", " ")
        if isinstance(value, dict) and any(isinstance(v, dict | list) for v in value.values()):
            nested.append(Group(f"[bold]{label}", render_result(value)))
        elif isinstance(value, dict):
            sub = Table(show_header=False, show_edge=False, box=None, title=label,
                        title_justify="left", title_style="bold")
            sub.add_column()
            sub.add_column(justify="right")
            for k, v in value.items():
                sub.add_row(str(k), _fmt(v))
            nested.append(sub)
        elif isinstance(value, list) and value and isinstance(value[0], dict):
            nested.append(_rows_table(value, title=label, limit=MAX_ROWS))
        elif isinstance(value, list):
            scalars.add_row(label, ", ".join(map(str, value)) or "—")
        else:
            scalars.add_row(label, _fmt(value))
    return Group(scalars, *nested)


def print_report(results: dict[str, Any], console: Console | None = None) -> None:
    console = console or Console()
    metrics = registry()
    for name, result in results.items():
        metric = metrics.get(name)
        title = metric.title if metric else name
        hidden = metric.console_hidden if metric else ()
        console.print(Panel(render_result(result, hidden), title=f"[bold]{title}",
                            title_align="left"))


def print_rows(rows: list[dict], title: str, console: Console | None = None) -> None:
    (console or Console()).print(_rows_table(rows, title=title))
