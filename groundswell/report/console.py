"""Render metric results in the terminal with rich, generically, from the registry.

Why generic: a new metric gets a terminal section by existing; nobody edits this file.

Why no cell is ever cut short: rich fits a wide table into the terminal by ending cells with
"…", which in an 80-column terminal turned ``5,087,563`` followers into ``5,087…`` and handles
into stubs. Here values wrap only at their spaces (headers at the spaces that replace their
underscores, times after the date), and a table that cannot fit that way is shown one record
at a time, field under field (as ``psql``'s expanded display does).
"""

from __future__ import annotations

import re
from typing import Any

from rich.cells import cell_len
from rich.console import Console, Group
from rich.panel import Panel
from rich.rule import Rule
from rich.table import Table
from rich.text import Text

from groundswell.metrics import PLATFORMS, registry

_ISO_UTC = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d(:\d\d(\.\d+)?)?Z$")
#: A count suppressed by the privacy policy (``"<10"``): still a number's column.
_SMALL_CELL = re.compile(r"^<\d+$")
#: What a panel's border and padding take from the terminal's width.
PANEL_MARGIN = 4


def _fmt(value: Any) -> str:
    """A value as the terminal shows it. Callers wrap it in ``Text``: data is never read as
    rich markup (a quarantined line's ``[/]`` would otherwise stop the listing)."""
    if value is None:
        return "—"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, float):
        return f"{value:,.2f}"
    if isinstance(value, str) and _ISO_UTC.match(value):
        return value.replace("T", " ", 1)  # RFC 3339's space: a place to wrap
    return str(value)


MAX_ROWS = 12


def _rows_table(rows: list[dict], title: str | None = None, limit: int | None = None,
                width: int | None = None) -> Table | Group:
    """Rows as a table, or as records when the table would not fit ``width`` columns
    without breaking a word."""
    shown = rows if limit is None or len(rows) <= limit else rows[:limit]
    caption = f"… {len(rows) - len(shown):,} more rows (--json shows all)" \
        if len(shown) < len(rows) else None
    columns = list(rows[0]) if rows else []
    headers = [col.replace("_", " ") for col in columns]
    cells = [[_fmt(row.get(c)) for c in columns] for row in shown]
    widths = _widths([[h, *(r[i] for r in cells)] for i, h in enumerate(headers)], width)
    if widths is None:
        return _records(headers, cells, title, caption)
    table = Table(title=Text(title) if title else None, show_edge=False, header_style="bold",
                  title_justify="left", title_style="bold")
    for col, header, fixed in zip(columns, headers, widths, strict=True):
        table.add_column(header, overflow="fold", width=fixed,
                         justify="right" if _numeric(rows, col) else "left")
    for row in cells:
        table.add_row(*map(Text, row))
    return Group(table, _caption(caption)) if caption else table


def _widths(columns: list[list[str]], width: int | None) -> list[int | None] | None:
    """Each column's width so that no word breaks within ``width`` (None each: the natural
    widths fit); None if the table cannot fit. Set here rather than by rich, which shrinks
    the widest columns first, words or not, and near the limit crops the last one."""
    natural = [max(cell_len(text) for text in col) for col in columns]
    overhead = 3 * len(columns) - 1  # a space either side of a cell, a rule between
    if width is None or sum(natural) + overhead <= width:
        return [None] * len(columns)
    floors = [max(cell_len(word) for text in col for word in text.split() or [""])
              for col in columns]
    spare = width - overhead - sum(floors)
    if spare < 0:
        return None
    fixed = list(floors)
    # the room left unwraps whole columns, the cheapest first: fewest lines that wrap
    for i in sorted(range(len(columns)), key=lambda i: natural[i] - floors[i]):
        if natural[i] - floors[i] <= spare:
            spare -= natural[i] - floors[i]
            fixed[i] = natural[i]
    return fixed


def _numeric(rows: list[dict], col: str) -> bool:
    """A column of numbers, suppressed counts (``"<10"``) among them: right-aligned."""
    values = [r.get(col) for r in rows if r.get(col) is not None]
    return bool(values) and all(
        (isinstance(v, int | float) and not isinstance(v, bool))
        or (isinstance(v, str) and _SMALL_CELL.match(v)) for v in values)


def _records(headers: list[str], cells: list[list[str]], title: str | None,
             caption: str | None) -> Group:
    parts: list[Any] = [Text(title, style="bold")] if title else []
    for i, row in enumerate(cells):
        record = Table(show_header=False, show_edge=False, box=None, padding=(0, 1, 0, 2))
        record.add_column(style="bold", no_wrap=True)
        record.add_column(overflow="fold")
        for header, value in zip(headers, row, strict=True):
            record.add_row(header, Text(value))
        parts += [Rule(f"{i + 1}", align="left", style="dim"), record]
    if caption:
        parts.append(_caption(caption))
    return Group(*parts)


def _caption(caption: str) -> Text:
    return Text(f"  {caption}", style="dim italic")


def render_result(result: Any, hidden: tuple[str, ...] = (),
                  width: int | None = None) -> Table | Group:
    """``width``: the columns the result may take (tables wider than that become records);
    None for no limit."""
    if isinstance(result, list):
        return _rows_table(result, limit=MAX_ROWS, width=width) if result else Group("(none)")
    scalars = Table(show_header=False, show_edge=False, box=None)
    scalars.add_column(style="bold")
    scalars.add_column(justify="right", overflow="fold")
    nested = []
    for key, value in result.items():
        if key in hidden:
            continue
        label = key.replace("_", " ")
        if isinstance(value, dict) and any(isinstance(v, dict | list) for v in value.values()):
            nested.append(Group(Text(label, style="bold"), render_result(value, width=width)))
        elif isinstance(value, dict):
            sub = Table(show_header=False, show_edge=False, box=None, title=label,
                        title_justify="left", title_style="bold")
            sub.add_column()
            sub.add_column(justify="right", overflow="fold")
            for k, v in value.items():
                sub.add_row(Text(str(k).replace("_", " ")), Text(_fmt(v)))
            nested.append(sub)
        elif isinstance(value, list) and value and isinstance(value[0], dict):
            nested.append(_rows_table(value, title=label, limit=MAX_ROWS, width=width))
        elif isinstance(value, list):
            scalars.add_row(label, Text(", ".join(map(str, value)) or "—"))
        else:
            scalars.add_row(label, Text(_fmt(value)))
    return Group(scalars, *nested)


def print_report(results: dict[str, Any], console: Console | None = None,
                 platform: str | None = None) -> None:
    """Every metric's result as a panel; a cross-platform report's per-platform results
    (``"platforms"``) follow, one titled section per platform."""
    console = console or Console()
    metrics = registry()
    for name, result in results.items():
        if name == PLATFORMS:
            continue
        metric = metrics.get(name)
        title = Text(metric.title if metric else name, style="bold")
        if platform:
            title.append(f" — {platform}")
        hidden = metric.console_hidden if metric else ()
        body = render_result(result, hidden, width=console.width - PANEL_MARGIN)
        console.print(Panel(body, title=title, title_align="left"))
    for name, part in (results.get(PLATFORMS) or {}).items():
        console.print(Rule(Text(f"{name} alone (accounts are never merged across platforms)",
                                style="bold")))
        print_report(part, console, platform=name)


def print_rows(rows: list[dict], title: str, console: Console | None = None) -> None:
    console = console or Console()
    console.print(_rows_table(rows, title=title, width=console.width))
