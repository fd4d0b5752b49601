"""What every ``groundswell`` subcommand shares: the consoles, the --db and --json options,
one-line errors, JSON output, opening a store."""

from __future__ import annotations

import functools
import sys
from pathlib import Path

import click
import orjson
from rich.console import Console
from rich.markup import escape

from groundswell.api import Store
from groundswell.store import DEFAULT_DB, StoreError

out = Console()
err = Console(stderr=True)

db_option = click.option(
    "--db", type=click.Path(dir_okay=False), default=DEFAULT_DB, show_default=True,
    envvar="GROUNDSWELL_DB", help="Store file (DuckDB). Env: GROUNDSWELL_DB.",
)
json_option = click.option("--json", "as_json", is_flag=True, help="Machine-readable JSON output.")


def friendly_errors(fn):
    """Turn expected failures into one clear line and exit code 1 (2 for usage)."""

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        try:
            return fn(*args, **kwargs)
        except (StoreError, FileNotFoundError, FileExistsError, IsADirectoryError,
                PermissionError, KeyError, ValueError) as exc:
            message = exc.args[0] if exc.args else str(exc)
            # a message is text, not markup: "[privacy] budget" must print as written
            err.print(f"[red]error:[/] {escape(str(message))}", highlight=False, soft_wrap=True)
            sys.exit(1)
        except OSError as exc:
            err.print(f"[red]error:[/] {exc.strerror or exc}: {exc.filename or ''}".rstrip(": "),
                      soft_wrap=True)
            sys.exit(1)

    return wrapper


def open_store(db: str, read_only: bool = False) -> Store:
    store = Store(db, read_only=read_only)
    if store.created:
        err.print(f"Created store [bold]{Path(db).resolve()}[/]", highlight=False, soft_wrap=True)
    return store


def emit_json(data) -> None:
    click.echo(orjson.dumps(data, option=orjson.OPT_INDENT_2 | orjson.OPT_NON_STR_KEYS,
                            default=str).decode())


reveal_option = click.option(
    "--reveal", is_flag=True,
    help="Show private accounts' handles, ids and texts (for your own eyes: the output says "
         "so in its header; never share it). Default: keyed pseudonyms.")

#: The header of every output made with --reveal.
REVEALED = ("REVEALED (--reveal): this output names private accounts. It is for the store's "
            "owner only; do not share it.")
